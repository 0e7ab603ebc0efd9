# Sourced by the network scenarios' scripts (net-host.sh, demo.sh).

# udp_echoes PORT WANT: sends datagrams to
# 127.0.0.1:PORT (a hostfwd into a guest) with bash's /dev/udp until WANT of them came back
# unchanged (at most 20 tries, 1 s each: the first ones may go while QEMU still asks who has
# the address). Prints how many came back.
udp_echoes() {
    local port=$1 want=$2 echoed=0 i msg reply
    for i in $(seq 1 20); do
        exec 3<>"/dev/udp/127.0.0.1/$port" || break
        msg="hello from the host $i"
        printf '%s' "$msg" >&3
        reply=""
        IFS= read -r -t 1 -N ${#msg} reply <&3
        exec 3<&-
        if [ "$reply" = "$msg" ]; then echoed=$((echoed + 1)); [ "$echoed" = "$want" ] && break; fi
    done
    echo "$echoed"
}

# hostfwd_port LOG GUEST: the host port `bulkhead --hostfwd udp:GUEST` chose (from its line).
hostfwd_port() {
    sed -n "s/^hostfwd: udp 127\.0\.0\.1:\([0-9]*\) -> ${2//./\\.}\$/\1/p" "$1" | head -1
}

# finish WHO RC LOG LINE...: prints the log; exits 1 unless the scenario's exit status RC is 0
# and LOG has every LINE (fixed strings), else 0.
finish() {
    local who=$1 rc=$2 log=$3 line
    shift 3
    cat "$log"
    [ "$rc" = 0 ] || { echo "$who: FAIL: the scenario exited $rc"; exit 1; }
    for line in "$@"; do
        grep -qF -- "$line" "$log" || { echo "$who: FAIL: no '$line' in the log"; exit 1; }
    done
    echo "$who: the scenario said all $# lines"
    exit 0
}
