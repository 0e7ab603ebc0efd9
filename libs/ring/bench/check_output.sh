#!/bin/sh
# check_output.sh BENCH: run `BENCH --quick` and check it prints every figure, well-formed.
set -eu
out=$("$1" --quick)
echo "$out"
for name in ring_msgs_per_s ring_msgs_per_s_xen ring_msgs_per_s_spsc ring_rtt_ns ring_rtt_vs_xen \
            ring_notifies_per_1000 ring_msgs_per_s_vs_xen ring_msgs_per_s_vs_spsc; do
    echo "$out" | grep -Eq "^BH-BENCH name=$name value=[0-9][0-9.e+-]* unit=[^ ]+\$" ||
        { echo "missing or malformed: $name"; exit 1; }
done
if echo "$out" | grep -v '^BH-BENCH name=[a-z0-9_]* value=[0-9][0-9.e+-]* unit=[^ ]*$' | grep -q .; then
    echo "a line is not a BH-BENCH figure"; exit 1
fi
echo OK
