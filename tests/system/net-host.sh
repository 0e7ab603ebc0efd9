#!/bin/bash
# A network scenario the host takes part in: net-host.sh CLI SCENARIO GUEST LINE...
# Boots SCENARIO on the devices machine with udp:GUEST (IP:PORT) forwarded from a free host
# port, waits for the other clients to finish ("prober done"), sends the echo client
# datagrams from the host through QEMU's user network (bash's /dev/udp) and checks each comes
# back, then sends "quit". Passes iff the echoes came back, the scenario passed, and its serial log has every LINE (fixed strings).
set -u
source "$(dirname "$0")/net-common.sh"
cli=$1 scenario=$2 guest=$3
shift 3
log=$(mktemp)
trap 'kill "$boot" 2>/dev/null; rm -f "$log"' EXIT
fail() { cat "$log"; echo "net-host: FAIL: $*"; exit 1; }

"$cli" scenario "$scenario" --timeout 150 --append mode=check --machine devices --hostfwd "udp:$guest" >"$log" 2>&1 &
boot=$!
for _ in $(seq 1 600); do  # up to 120 s for the clients' own checks
    grep -q "prober done\|FAIL" "$log" 2>/dev/null && break
    kill -0 "$boot" 2>/dev/null || break
    sleep 0.2
done
grep -q "prober done" "$log" || fail "the prober did not finish its checks"
port=$(hostfwd_port "$log" "$guest")
[ -n "$port" ] || fail "no hostfwd line"
echoed=$(udp_echoes "$port" 3)
[ "$echoed" = 3 ] || fail "the host got $echoed of 3 echoes back"
echo "net-host: the host's datagrams came back ($echoed echoes through 127.0.0.1:$port)"
exec 3<>"/dev/udp/127.0.0.1/$port" && printf 'quit' >&3 && exec 3<&-

wait "$boot"
finish net-host "$?" "$log" "$@"
