# Test schema for the capnpc-bh round-trip tests: every field kind the plugin supports, with
# and without defaults, unions (anonymous and named), groups, every list kind, and a recursive
# struct for the depth limit.
@0xd991ee38855a240b;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("bh::host::fields");

const answer :UInt32 = 42;
const greeting :Text = "hi";

enum Color {
  red @0;
  green @1;
  blue @2;
}

struct Inner {
  id @0 :UInt32;
  label @1 :Text;
}

struct AllTypes {
  b @0 :Bool;
  bDefault @1 :Bool = true;
  i8 @2 :Int8 = -5;
  i16 @3 :Int16;
  i32 @4 :Int32 = -100000;
  i64 @5 :Int64;
  u8 @6 :UInt8;
  u16 @7 :UInt16 = 300;
  u32 @8 :UInt32;
  u64 @9 :UInt64 = 0xdeadbeefcafe;
  f32 @10 :Float32 = 1.5;
  f64 @11 :Float64;
  color @12 :Color = green;
  text @13 :Text;
  textDefault @14 :Text = "hello";
  data @15 :Data;
  dataDefault @16 :Data = 0x"01 02 03";
  inner @17 :Inner;

  boolList @18 :List(Bool);
  u8List @19 :List(UInt8);
  i16List @20 :List(Int16);
  u32List @21 :List(UInt32);
  i64List @22 :List(Int64);
  colorList @23 :List(Color);
  innerList @24 :List(Inner);
  textList @25 :List(Text);
  dataList @26 :List(Data);
  f64List @27 :List(Float64);

  union {
    none @28 :Void;
    num @29 :UInt32 = 7;
    name @30 :Text;
    pair :group {
      a @31 :UInt8;
      b @32 :Text;
    }
    flag @39 :Bool;
  }

  grp :group {
    x @33 :UInt32 = 9;
    y @34 :Text;
  }

  choice :union {
    small @35 :UInt16;
    big @36 :Inner;
    words @37 :List(Text);
  }

  enum Local {
    one @0;
    two @1;
  }
  local @38 :Local = two;

  struct Nested {
    v @0 :Int32;
  }
  nested @40 :Nested;
  empty @41 :Empty;
}

struct Empty {}

# Recursive: a chain of any depth, to exercise the nesting limit.
struct Node {
  value @0 :UInt32;
  next @1 :Node;
  children @2 :List(Node);
}

# An old version of Inner that had one field fewer, for schema-evolution reads.
struct InnerV0 {
  id @0 :UInt32;
}

# A later version of a struct list that started out as List(UInt32): reading it as either works.
struct Upgraded {
  values @0 :List(UInt32);
}
struct UpgradedV2 {
  values @0 :List(Wide);
  struct Wide {
    value @0 :UInt32;
    extra @1 :Text;
  }
}
