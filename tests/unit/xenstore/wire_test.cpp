// Wire layout, path rules, permission parsing and the access rule.
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstddef>

#include <xen/io/xs_wire.h>

#include "core/path.hpp"
#include "core/perms.hpp"
#include "core/wire.hpp"

using namespace bh::xs;

TEST_CASE("Wire.HeaderAndTypesMatchXsWire") {
    STATIC_REQUIRE(sizeof(MsgHeader) == sizeof(xsd_sockmsg));
    STATIC_REQUIRE(offsetof(MsgHeader, req_id) == offsetof(xsd_sockmsg, req_id));
    STATIC_REQUIRE(offsetof(MsgHeader, tx_id) == offsetof(xsd_sockmsg, tx_id));
    STATIC_REQUIRE(offsetof(MsgHeader, len) == offsetof(xsd_sockmsg, len));
    CHECK(uint32_t(MsgType::Directory) == XS_DIRECTORY);
    CHECK(uint32_t(MsgType::TransactionEnd) == XS_TRANSACTION_END);
    CHECK(uint32_t(MsgType::WatchEvent) == XS_WATCH_EVENT);
    CHECK(uint32_t(MsgType::Error) == XS_ERROR);
    CHECK(uint32_t(MsgType::ResetWatches) == XS_RESET_WATCHES);
    CHECK(uint32_t(MsgType::DirectoryPart) == XS_DIRECTORY_PART);
    CHECK(uint32_t(MsgType::DirectoryPart) == XS_DIRECTORY_PART);
    CHECK(kPayloadMax == XENSTORE_PAYLOAD_MAX);
    CHECK(kAbsPathMax == XENSTORE_ABS_PATH_MAX);
    CHECK(kRelPathMax == XENSTORE_REL_PATH_MAX);
}

TEST_CASE("Wire.ErrorNamesAreXsWireNames") {
    for (const struct xsd_errors& e : xsd_errors) {
        bool found = false;
        for (int i = 0; i <= int(XsErr::Perm); i++)
            found |= std::string(error_name(XsErr(i))) == e.errstring;
        CHECK(found);
    }
}

TEST_CASE("Wire.ArgsSplitsStringsAndRest") {
    const char p[] = "a\0bc\0value";
    Args a(p, sizeof(p) - 1);
    CHECK(a.count() == 2);
    std::string_view s;
    REQUIRE(a.next(&s));
    CHECK(s == "a");
    REQUIRE(a.next(&s));
    CHECK(s == "bc");
    CHECK_FALSE(a.next(&s));
    CHECK(a.rest() == "value");
    CHECK_FALSE(one_arg("a\0b", 4, &s));
    CHECK_FALSE(one_arg("ab", 2, &s));
    CHECK(one_arg("ab", 3, &s));
    uint64_t v = 0;
    CHECK(parse_uint("65535", 65535, &v));
    CHECK_FALSE(parse_uint("65536", 65535, &v));
    CHECK_FALSE(parse_uint("-1", 65535, &v));
    CHECK_FALSE(parse_uint("", 65535, &v));
}

TEST_CASE("Path.RelativeResolvesUnderDomainPath") {
    bh::ds::Bytes out;
    size_t prefix = 0;
    REQUIRE(canonical_path("device/vbd", 5, false, &out, &prefix) == XsErr::Ok);
    CHECK(out == "/local/domain/5/device/vbd");
    CHECK(prefix == std::string("/local/domain/5/").size());
    REQUIRE(canonical_path("/a", 5, false, &out, &prefix) == XsErr::Ok);
    CHECK(prefix == 0);
}

TEST_CASE("Path.MalformedPathsAreInval") {
    bh::ds::Bytes out;
    size_t prefix = 0;
    for (const char* bad : {"", "/a//b", "/a/", "/a b", "/a\xff", "@x", "/a.b"})
        CHECK(canonical_path(bad, 1, false, &out, &prefix) == XsErr::Inval);
    CHECK(canonical_path("/", 1, false, &out, &prefix) == XsErr::Ok);
    CHECK(canonical_path("@releaseDomain", 1, true, &out, &prefix) == XsErr::Ok);
    CHECK(canonical_path("/" + std::string(3071, 'a'), 1, false, &out, &prefix) == XsErr::Ok);
    CHECK(canonical_path("/" + std::string(3072, 'a'), 1, false, &out, &prefix) == XsErr::Inval);
    CHECK(canonical_path(std::string(2049, 'a'), 1, false, &out, &prefix) == XsErr::Inval);
}

TEST_CASE("Path.ChildRelationAndDepth") {
    CHECK(is_child("/a/b", "/a"));
    CHECK(is_child("/a", "/a"));
    CHECK(is_child("/a", "/"));
    CHECK_FALSE(is_child("/ab", "/a"));
    CHECK_FALSE(is_child("/a", "/a/b"));
    CHECK(is_child("/a/b", "/a", 1));
    CHECK_FALSE(is_child("/a/b/c", "/a", 1));
    CHECK(is_child("/a", "/", 1));
    CHECK(parent_of("/a/b") == "/a");
    CHECK(parent_of("/a") == "/");
    CHECK(base_name("/a/b") == "b");
}

TEST_CASE("Perms.ParseFormatAndAccessRule") {
    Perm p{};
    REQUIRE(parse_perm("b7", &p) == XsErr::Ok);
    CHECK(p.domid == 7);
    CHECK(p.bits == (kPermRead | kPermWrite));
    CHECK(parse_perm("x1", &p) == XsErr::Inval);
    CHECK(parse_perm("r", &p) == XsErr::Inval);
    CHECK(parse_perm("r70000", &p) == XsErr::Inval);
    bh::ds::Bytes s;
    REQUIRE(append_perm(&s, Perm{3, kPermWrite}));
    CHECK(s == "w3");

    Perms perms;
    REQUIRE(perms.push_back(Perm{1, kPermRead}));  // owner 1, others read
    REQUIRE(perms.push_back(Perm{2, 0}));          // dom2: nothing
    CHECK(access_for(perms, 1, false) == (kPermRead | kPermWrite | kPermOwner));
    CHECK(access_for(perms, 2, false) == 0);
    CHECK(access_for(perms, 3, false) == kPermRead);
    CHECK(access_for(perms, 2, true) == (kPermRead | kPermWrite | kPermOwner));
}
