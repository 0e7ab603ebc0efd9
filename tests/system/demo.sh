#!/bin/bash
# The default system (what `bulkhead demo` boots), checked from outside: demo.sh CLI LINE...
# Boots it on the devices machine with the host forwarding to web's UDP ports 7 and 9, waits
# for every domain, then: web's echo answers the host on port 7; port 9 gets no answer (web
# answers any port: only its vif's DMZ rules stop it); `bulkhead shutdown` ends the system
# cleanly; and the serial log has every LINE (fixed strings) — each device going to its own
# driver domain behind the IOMMU, each driver domain using it.
set -u
source "$(dirname "$0")/net-common.sh"
cli=$1
shift
log=$(mktemp)
trap 'kill "$boot" 2>/dev/null; rm -f "$log"' EXIT
fail() { cat "$log"; echo "demo: FAIL: $*"; exit 1; }

"$cli" scenario default --timeout 200 --machine devices --hostfwd udp:10.0.2.16:7 --hostfwd udp:10.0.2.16:9 >"$log" 2>&1 &
boot=$!
for _ in $(seq 1 600); do  # up to 120 s for every domain
    grep -q "console commands" "$log" 2>/dev/null && break
    kill -0 "$boot" 2>/dev/null || break
    sleep 0.2
done
grep -q "console commands" "$log" || fail "the system did not come up"
echo_port=$(hostfwd_port "$log" 10.0.2.16:7)
deny_port=$(hostfwd_port "$log" 10.0.2.16:9)
[ -n "$echo_port" ] && [ -n "$deny_port" ] || fail "no hostfwd lines"
echoed=$(udp_echoes "$echo_port" 3)
[ "$echoed" = 3 ] || fail "web echoed $echoed of 3 datagrams to port 7"
echo "demo: web's echo answered the host on port 7 (3 of 3)"
leaked=$(udp_echoes "$deny_port" 1)
[ "$leaked" = 0 ] || fail "a datagram to web's port 9 was answered: its vif's rules let it through"
echo "demo: port 9 got no answer (web's vif denies it)"
"$cli" shutdown --scenario default || fail "bulkhead shutdown failed"
wait "$boot"
finish demo "$?" "$log" "$@"
