#!/bin/bash
# A network scenario the host takes part in: net-host.sh CLI SCENARIO GUEST LINE...
# Boots SCENARIO on the devices machine with udp:GUEST (IP:PORT) forwarded from a free host
# port, waits for the other clients to finish ("prober done"), sends the echo client
# datagrams from the host through QEMU's user network (bash's /dev/udp) and checks each comes
# back, then sends "quit". Passes iff the echoes came back, the scenario passed, and its serial log has every LINE (fixed strings).
set -u
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
port=$(sed -n 's/^hostfwd: udp 127\.0\.0\.1:\([0-9]*\) -> .*/\1/p' "$log" | head -1)
[ -n "$port" ] || fail "no hostfwd line"

# One datagram, one answer: the first few may go while QEMU still asks who has the address.
echoed=0
for i in $(seq 1 20); do
    exec 3<>"/dev/udp/127.0.0.1/$port" || fail "cannot open udp 127.0.0.1:$port"
    msg="hello from the host $i"
    printf '%s' "$msg" >&3
    reply=""
    IFS= read -r -t 1 -N ${#msg} reply <&3
    exec 3<&-
    if [ "$reply" = "$msg" ]; then echoed=$((echoed + 1)); [ "$echoed" = 3 ] && break; fi
done
[ "$echoed" = 3 ] || fail "the host got $echoed of 3 echoes back"
echo "net-host: the host's datagrams came back ($echoed echoes through 127.0.0.1:$port)"
exec 3<>"/dev/udp/127.0.0.1/$port" && printf 'quit' >&3 && exec 3<&-

wait "$boot"
rc=$?
cat "$log"
[ "$rc" = 0 ] || { echo "net-host: FAIL: scenario $scenario exited $rc"; exit 1; }
for line in "$@"; do
    grep -qF -- "$line" "$log" || { echo "net-host: FAIL: no '$line' in the log"; exit 1; }
done
echo "net-host: $scenario said all $# lines"
