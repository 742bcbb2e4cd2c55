#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Alert latency at a fraction of the maximum rate (issue 15): weir, one
# worker, receives a weir-gen capture (lit10, 1 % alerting) from weir-pace
# over a memif pair, jsonl to /dev/null. First a run at an unreachable
# rate measures the maximum (the rate weir-pace managed while weir took
# everything it sent, its drops counted), then one run per FRACTION of it
# prints weir's latency lines: rx to every sink's queue, the stages
# (worker, ring, emitter) and the sink's rx to write returned.
#   perf/bench_latency.sh BUILD_DIR [WORK_DIR]
# Env: FRACS ("0.5"), PACKETS (300000), SPIN (events.emitter-spin-us,
# weir's default when empty), PACE_CPU (0: the generator's lcore; weir
# runs on lcores 0-1).
set -euo pipefail
build=$(cd "$1" && pwd)
work=${2:-$(mktemp -d)}
mkdir -p "$work"
fracs=${FRACS:-0.5} n=${PACKETS:-300000}
gen=$build/perf/weir-gen pace=$build/perf/weir-pace weir=$build/weir
eal=(--no-huge --no-shconf -m 512 --no-pci --log-level=3)
sock=$work/pace.sock
extra=()
[ -n "${SPIN:-}" ] && extra=(--set "events.emitter-spin-us=$SPIN")

"$gen" --emit-rules literal -N 10 -s 5 -o "$work/lit10.sigs" >/dev/null
"$gen" -n 200000 -s 5 -f 0.01 -R "$work/lit10.sigs" -o "$work/cap.pcap" >/dev/null

# run PPS: weir (memif server) <- weir-pace, n packets; logs in $work/run.*
run() {
	local pps=$1
	rm -f "$sock"
	timeout -s INT -k 10 300 "$weir" -S "$work/lit10.sigs" -o /dev/null -i net_memif0 -w 1 \
		"${extra[@]}" -- "${eal[@]}" -l 0-1 --file-prefix "bench-lat-$$-w" \
		--vdev "net_memif0,role=server,socket=$sock,socket-abstract=no" >"$work/run.weir" 2>&1 &
	local wpid=$!
	for _ in $(seq 600); do
		grep -q '^weir: running:' "$work/run.weir" && break
		kill -0 $wpid 2>/dev/null || break
		sleep 0.1
	done
	timeout -k 10 280 "$pace" "${eal[@]}" -l "${PACE_CPU:-0}" --file-prefix "bench-lat-$$-p" \
		--vdev "net_memif0,role=client,socket=$sock,socket-abstract=no" -- -r "$work/cap.pcap" \
		-p "$pps" -n "$n" -t 250 >"$work/run.pace" 2>&1 || true
	# the generator is done: stop weir (SIGINT: it drains its rings and
	# writes its summary); packets still in the memif ring are not in
	# any figure, the generator counted them as sent
	kill -INT $wpid 2>/dev/null || true
	wait $wpid || true
}

echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "build: $build, buildtype $(sed -n 's/.*"buildtype", "value": "\([a-z]*\)".*/\1/p' "$build/meson-info/intro-buildoptions.json" 2>/dev/null || echo '?')"
run 100000000
max=$(sed -n 's/^weir-pace: sent .* s: \([0-9]*\) pps.*/\1/p' "$work/run.pace")
echo "maximum: $(grep '^weir-pace: sent' "$work/run.pace")"
[ -n "$max" ] && [ "$max" -gt 0 ] || { cat "$work/run.pace" "$work/run.weir" >&2; exit 1; }
for f in $fracs; do
	pps=$(awk -v m="$max" -v f="$f" 'BEGIN { printf "%d", m * f }')
	run "$pps"
	echo "== $f of the maximum: $(grep '^weir-pace: sent' "$work/run.pace")"
	grep -E '^ latency' "$work/run.weir" | sed 's/p99_9 [0-9.]* us //'
done
