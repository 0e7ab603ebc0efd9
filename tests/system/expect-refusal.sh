#!/bin/bash
# A scenario that must fail in a given way:
#   expect-refusal.sh CLI SCENARIO MUST-SAY MUST-NOT-SAY [MACHINE]
# Passes iff the scenario fails (exit 1), its serial log has MUST-SAY and lacks MUST-NOT-SAY.
set -u
cli=$1 scenario=$2 must=$3 mustnot=$4 machine=${5:-plain}
out=$("$cli" scenario "$scenario" --timeout 120 --append mode=check --machine "$machine" 2>&1)
rc=$?
echo "$out"
fail() { echo "expect-refusal: FAIL: $*"; exit 1; }
[ "$rc" = 1 ] || fail "scenario $scenario exited $rc, expected 1 (a refusal)"
grep -qF -- "$must" <<<"$out" || fail "no '$must' in the log"
! grep -qF -- "$mustnot" <<<"$out" || fail "'$mustnot' in the log"
echo "expect-refusal: $scenario refused as expected"
