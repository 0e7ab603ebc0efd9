#!/bin/sh
# Conformance: Debian's xenstore-utils (real libxenstore clients) against bulkhead-xenstored.
# Usage: xenstore.sh PATH/TO/bulkhead-xenstored. Exit 77 (skip) when xenstore-utils is missing.
set -u
daemon=$1
command -v xenstore-read >/dev/null 2>&1 || { echo "xenstore-utils not installed: skip"; exit 77; }

tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

start() {
    "$daemon" --socket "$tmp/sock" --state "$tmp/state" 2>>"$tmp/daemon.log" &
    pid=$!
    i=0
    while [ ! -S "$tmp/sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    [ -S "$tmp/sock" ] || { echo "FAIL: daemon did not start"; cat "$tmp/daemon.log"; exit 1; }
}
stop() {
    kill -TERM "$pid" && wait "$pid"
    rc=$?
    pid=
    rm -f "$tmp/sock"
    [ $rc -eq 0 ] || { echo "FAIL: daemon exit status $rc on SIGTERM"; exit 1; }
}

export XENSTORED_PATH="$tmp/sock"
failures=0
# expect NAME EXPECTED-OUTPUT COMMAND...: output (stdout) must match exactly, exit status 0.
expect() {
    name=$1 want=$2
    shift 2
    got=$("$@" 2>"$tmp/err")
    rc=$?
    if [ $rc -ne 0 ] || [ "$got" != "$want" ]; then
        echo "FAIL: $name: rc=$rc"
        echo "  want: $(printf '%s' "$want" | od -c | head -5)"
        echo "  got:  $(printf '%s' "$got" | od -c | head -5)"
        cat "$tmp/err"
        failures=$((failures + 1))
    else
        echo "ok: $name"
    fi
}
# expect_fail NAME COMMAND...: must exit non-zero.
expect_fail() {
    name=$1
    shift
    if "$@" >/dev/null 2>&1; then
        echo "FAIL: $name: succeeded"
        failures=$((failures + 1))
    else
        echo "ok: $name"
    fi
}

start
expect "write" "" xenstore-write /vm/one 1 /vm/two "hello world"
expect "read" "1
hello world" xenstore-read /vm/one /vm/two
expect "read-with-prefix" "/vm/one: 1" xenstore-read -p /vm/one
expect "list" "one
two" xenstore-list /vm
expect "ls" 'one = "1"
two = "hello world"' xenstore-ls /vm
expect "ls-full" '/vm/one = "1"
/vm/two = "hello world"' xenstore-ls -f /vm
expect "exists" "" xenstore-exists /vm/one
expect_fail "exists-missing" xenstore-exists /vm/none
expect_fail "read-missing" xenstore-read /vm/none
expect_fail "read-bad-path" xenstore-read /vm//bad
expect "mkdir-via-write-of-deep-path" "" xenstore-write /deep/a/b/c leaf
expect "list-root" "local
vm
deep" xenstore-list /
expect "chmod" "" xenstore-chmod /vm/one b0 r5
# xenstore-ls pads with dots to a width of its choosing: compare the perms column only.
expect "ls-perms" '(b0,r5)' sh -c 'xenstore-ls -p /vm | head -1 | sed "s/.*(/(/"'
expect "chmod-recursive" "" xenstore-chmod -r /deep n0 r7
expect "ls-perms-recursive" '/deep/a/b/c (n0,r7)' \
    sh -c 'xenstore-ls -f -p /deep | tail -1 | sed "s/ = .*(/ (/"'
expect "rm" "" xenstore-rm /vm/one
expect_fail "read-removed" xenstore-read /vm/one
expect "rm-subtree" "" xenstore-rm /deep
expect "list-after-rm" "local
vm" xenstore-list /
expect "rm-missing-is-ok" "" xenstore-rm /vm/none
expect_fail "rm-missing-parent" xenstore-rm -t /nothere/child

# A watch: the first event is the registration itself, the second our write.
timeout 10 xenstore-watch -n 2 /vm >"$tmp/watch.out" 2>&1 &
wpid=$!
sleep 0.5
xenstore-write /vm/three 3
wait "$wpid"
expect "watch" "/vm
/vm/three" cat "$tmp/watch.out"

# Many children: DIRECTORY answers E2BIG and libxenstore pages through DIRECTORY_PART.
i=0
args=""
while [ $i -lt 300 ]; do args="$args /big/child-with-quite-a-long-name-$i x"; i=$((i + 1)); done
# shellcheck disable=SC2086
xenstore-write $args
expect "list-large-directory" "300" sh -c 'xenstore-list /big | wc -l'

# The state survives a restart of the daemon.
stop
start
expect "state-survives-restart" "hello world" xenstore-read /vm/two
stop

if [ $failures -ne 0 ]; then
    echo "$failures conformance check(s) failed"
    exit 1
fi
echo "all xenstore conformance checks passed"
