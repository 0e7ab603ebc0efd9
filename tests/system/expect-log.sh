#!/bin/bash
# A scenario that must pass and say certain lines: expect-log.sh CLI SCENARIO QEMU-ARGS LINE...
# Passes iff the scenario passes and its serial log has every LINE (fixed strings).
# @DISK@ in QEMU-ARGS becomes a fresh 64 MiB sparse disk image, removed afterwards.
set -u
cli=$1 scenario=$2 qemu_args=$3
shift 3
if [[ $qemu_args == *@DISK@* ]]; then
    disk=$(mktemp --suffix=.img)
    trap 'rm -f "$disk"' EXIT
    truncate -s 64M "$disk"
    qemu_args=${qemu_args//@DISK@/$disk}
fi
out=$("$cli" scenario "$scenario" --timeout 120 --append mode=check --qemu-args "$qemu_args" 2>&1)
rc=$?
echo "$out"
fail() { echo "expect-log: FAIL: $*"; exit 1; }
[ "$rc" = 0 ] || fail "scenario $scenario exited $rc"
for line in "$@"; do
    grep -qF -- "$line" <<<"$out" || fail "no '$line' in the log"
done
echo "expect-log: $scenario said all $# lines"
