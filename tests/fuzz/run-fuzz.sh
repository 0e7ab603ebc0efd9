#!/bin/sh
# Runs one libFuzzer binary for a bounded time in a scratch corpus directory; its exit status is
# the verdict (nonzero on any crash, sanitizer report or leak).
set -eu
bin=$(realpath "$1")
seconds=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
# -error_exitcode: libFuzzer's default, 77, is what meson reads as "skipped".
exec "$bin" -max_total_time="$seconds" -error_exitcode=1 -print_final_stats=1 -artifact_prefix="$work/" "$work"
