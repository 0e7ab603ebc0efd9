#!/bin/bash
# Every control verb against a running system: boots the 'control' scenario (the store and two
# services) interactively, drives it with the real CLI over the control socket, and ends it
# with `bulkhead shutdown`. Usage: control.sh BULKHEAD_CLI
set -u
cli=$1
scenario=control
fails=0
log=$(mktemp)
trap 'kill "$boot" 2>/dev/null; rm -f "$log"' EXIT

bh() { "$cli" "$@" --scenario "$scenario"; }
check() {  # check DESCRIPTION COMMAND...: the command must succeed
    local what=$1; shift
    if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fails=$((fails + 1)); fi
}
has() { grep -q -- "$2" <<<"$1"; }

"$cli" scenario "$scenario" --timeout 200 >"$log" 2>&1 &
boot=$!
for _ in $(seq 1 150); do  # up to 30 s for the domains to be ready
    grep -q "console commands" "$log" 2>/dev/null && break
    sleep 0.2
done
grep -q "console commands" "$log" || { echo "FAIL: the system did not come up"; cat "$log"; exit 1; }

out=$(bh list) && echo "$out"
check "list shows the store and both services running" \
    has "$out" "^svc-b *3 .* r----- "
json=$(bh list --json)
check "list --json has restart counts" has "$json" '"name": "svc-a", "id": 2, .*"restarts": 0'
check "list --json: the crasher was restarted once by policy, same id" \
    has "$json" '"name": "crasher", "id": 4, .*"state": "running", .*"restarts": 1'

check "pause svc-b" bh pause svc-b
check "list shows svc-b paused" has "$(bh list)" "^svc-b .* --p--- "
check "unpause svc-b" bh unpause svc-b
check "list shows svc-b running again" has "$(bh list)" "^svc-b .* r----- "
err=$(bh pause nosuch 2>&1); rc=$?
check "pause of an unknown domain fails naming it" test "$rc" = 1 -a "$err" = "bulkhead: unknown domain 'nosuch'"

# Hostile bytes on the control line: garbage gets an error reply (and the rest of its burst is
# dropped); a half-sent request (a CLI that gave up) is dropped after a quiet second. Either way
# the next request is served.
sock="$(dirname "$cli")/../../run/$scenario.ctl"
poke() {  # poke BYTES-AS-PYTHON-LITERAL: send, then print how many reply bytes came within 3 s
    python3 - "$sock" "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(eval(sys.argv[2]))
s.settimeout(3)
try:
    n = len(s.recv(65536))
except OSError:
    n = 0
print(n)
PY
}
check "garbage on the control line gets an error reply" test "$(poke "b'\\xff' * 64")" -gt 0
sleep 0.2  # the endpoint drops the rest of a bad burst until the line is quiet for 50 ms
check "list works after garbage" has "$(bh list)" "^svc-a "
check "a half-sent request gets no reply" test "$(poke "b'\\x00\\x00\\x00\\x00\\x10\\x00\\x00\\x00'")" = 0
sleep 1.5
check "list works after a half-sent request" has "$(bh list)" "^svc-a "

check "xenstore write" bh xenstore write /test/k hello
check "xenstore read" test "$(bh xenstore read /test/k)" = hello
check "xenstore ls shows each domain's directory" test "$(bh xenstore ls /local/domain | tr '\n' ' ')" = "0 2 3 "
check "xenstore read of a domain's name" test "$(bh xenstore read /local/domain/2/name)" = svc-a
check "xenstore rm" bh xenstore rm /test/k
err=$(bh xenstore read /test/k 2>&1); rc=$?
check "xenstore read after rm fails with ENOENT" test "$rc" = 1 -a "$err" = "bulkhead: xenstore '/test/k': ENOENT"

check "console svc-a shows its output" has "$(bh console svc-a)" "testsvc: up as domain 2"
check "dmesg shows the kernel log" has "$(bh dmesg)" "domain: built svc-a id=2"

check "restart svc-a" bh restart svc-a
check "list: svc-a restarted once under the same id" has "$(bh list --json)" '"name": "svc-a", "id": 2, .*"restarts": 1'
check "destroy svc-b" bh destroy svc-b
check "list no longer shows svc-b" bash -c "! grep -q '^svc-b' <<<\"\$1\"" _ "$(bh list)"

# The store restarted on request keeps its nodes; destroyed, it is reported as not running and
# the rest of the system keeps answering.
check "xenstore write before a store restart" bh xenstore write /test/persist kept
check "restart xenstored" bh restart xenstored
check "the node survived the store's restart" test "$(bh xenstore read /test/persist)" = kept
check "destroy xenstored" bh destroy xenstored
err=$(bh xenstore read /test/persist 2>&1); rc=$?
check "xenstore read with the store destroyed fails, saying so" \
    test "$rc" = 1 -a "$err" = "bulkhead: the store is not running 'xenstored'"
check "list still answers without the store" has "$(bh list)" "^svc-a "

check "shutdown" bh shutdown
wait "$boot"; rc=$?
check "the system shut down and passed its own checks" test "$rc" = 0
err=$(bh list 2>&1); rc=$?
check "list after shutdown says the system is not running" has "$err" "system not running"
if [ "$fails" != 0 ]; then echo "--- scenario output ---"; cat "$log"; fi
echo "control: $fails failed"
exit $((fails != 0))
