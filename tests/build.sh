#!/usr/bin/env bash
# Configures (once) and builds a build directory: tests/build.sh DIR [meson options...]
# The build CI and developers run: warnings are errors, and every optional
# part is required, so a missing package fails here instead of quietly
# building weir without that part. Options given after DIR come later on
# meson's command line and win (e.g. -Dafxdp=disabled on a machine without
# libxdp). Quiet when it works; the full log when it does not.
set -euo pipefail
dir=$1
shift
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" -Dwerror=true -Dafxdp=enabled -Dkafka=enabled -Dkinesis=enabled -Dmetrics=enabled -Dsystemd=enabled \
		-Dtests=enabled "$@" >"$log" 2>&1 || { cat "$log"; exit 1; }
fi
ninja -C "$dir" >"$log" 2>&1 || { grep -E -A5 'error|FAILED' "$log" | head -60; exit 1; }
