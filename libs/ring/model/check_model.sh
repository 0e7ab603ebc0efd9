#!/bin/sh
# check_model.sh SPIN CC MODEL.pml pass|fail [-DVARIANT...]: verify the model with spin (safety:
# assertions + invalid end states; liveness: the LTL claim under weak fairness). "pass" needs
# errors: 0 in both runs; "fail" needs an error in at least one (proof the model can fail).
set -eu
spin=$1 cc=$2 model=$3 expect=$4
shift 4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$model" "$work/model.pml"
cd "$work"

run() {  # run NAME PAN_CFLAGS PAN_ARGS SPIN_ARGS...
    name=$1 cflags=$2 args=$3
    shift 3
    rm -f pan pan.* model.pml.trail
    "$spin" "$@" -a model.pml >spin.out 2>&1 || { cat spin.out; echo "spin -a failed"; exit 2; }
    "$cc" -O2 $cflags -o pan pan.c || { echo "pan did not compile"; exit 2; }
    ./pan $args >"$name.out" 2>&1 || true
    errors=$(sed -n 's/.*errors: \([0-9][0-9]*\).*/\1/p' "$name.out")
    [ -n "$errors" ] || { cat "$name.out"; echo "no 'errors:' line from pan"; exit 2; }
    if grep -q 'max search depth too small' "$name.out"; then
        echo "pan's depth limit cut the search short"; exit 2
    fi
    echo "$name $*: errors: $errors"
    if [ "$errors" != 0 ]; then
        grep -E '^pan:' "$name.out" || true
    fi
    total=$((total + errors))
}

total=0
run safety "-DSAFETY" "-m1000000" "$@"
run liveness "" "-a -f -m1000000" -DLIVENESS "$@"

if [ "$expect" = pass ]; then
    [ "$total" = 0 ] || { echo "FAIL: the model has errors"; exit 1; }
else
    [ "$total" != 0 ] || { echo "FAIL: the broken variant verified; the model cannot fail"; exit 1; }
fi
echo OK
