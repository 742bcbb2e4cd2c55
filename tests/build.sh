#!/usr/bin/env bash
# Configures (once) and builds a build directory: tests/build.sh DIR [meson options...]
# Quiet when it works; the full log when it does not.
set -euo pipefail
dir=$1
shift
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" "$@" >"$log" 2>&1 || { cat "$log"; exit 1; }
fi
ninja -C "$dir" >"$log" 2>&1 || { grep -E -A5 'error|FAILED' "$log" | head -60; exit 1; }
