#!/bin/bash
# A scenario that must pass and say certain lines: expect-log.sh CLI SCENARIO MACHINE LINE...
# Passes iff the scenario passes on MACHINE (plain, devices, ...: `bulkhead --machine`) and its
# serial log has every LINE (fixed strings).
set -u
cli=$1 scenario=$2 machine=$3
shift 3
out=$("$cli" scenario "$scenario" --timeout 120 --append mode=check --machine "$machine" 2>&1)
rc=$?
echo "$out"
fail() { echo "expect-log: FAIL: $*"; exit 1; }
[ "$rc" = 0 ] || fail "scenario $scenario exited $rc"
for line in "$@"; do
    grep -qF -- "$line" <<<"$out" || fail "no '$line' in the log"
done
echo "expect-log: $scenario said all $# lines"
