#!/bin/sh
# Runs one libFuzzer binary for a bounded time in a scratch corpus directory; its exit status is
# the verdict (nonzero on any crash, sanitizer report or leak).
set -eu
bin=$(realpath "$1")
seconds=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
exec "$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$work/" "$work"
