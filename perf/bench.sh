#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The benchmark driver: for each rule set (10 and 1000 synthetic literal
# rules, 10 and 1000 synthetic regex rules, and rules/examples/sample.sigs)
# it generates a capture with weir-gen, then measures on the same two cores
#   (a) weir, one worker, on a net_pcap vdev replaying the capture from
#       memory (infinite_rx=1), pps from weir's own summary;
#   (b) bench-hs: bare hs_scan over the same payloads with the same rules,
#       the floor of what scanning costs;
#   (c) dpdk-testpmd in rxonly mode on the same vdev: what receiving costs.
# and prints frames per second and frame Gbit/s of each (bench-hs's rate over
# payload packets scaled to the capture's frames), a/b, and a against 1/(1/b+1/c),
# the rate of an ideal pipeline that only receives and scans. Before (a) it
# checks that weir, replaying the capture once, raises exactly the alerts
# weir-gen promised (column "check").
#
# usage: perf/bench.sh BUILD_DIR [WORK_DIR]
# env:   DURATION (s per measurement, 10; testpmd's first per-second
#        sample is always 0 and skipped, so at least 5, and 10 on a busy
#        machine, where 5 s left testpmd no sample at all), PACKETS (20000), FRACTION (0.05),
#        SEED (1), SETS ("lit10 re10 lit1000 re1000 sample"),
#        EAL_MEM (MB, 1024), TESTPMD (/usr/bin/dpdk-testpmd)
#
# Every step is bounded in time (timeout), and a step that fails prints
# "n/a" in its columns instead of stopping the others.
set -u -o pipefail

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: $0 BUILD_DIR [WORK_DIR]" >&2
	exit 2
fi
build=$(realpath "$1")
work=$(realpath -m "${2:-$build/perf/bench-work}")
src=$(realpath "$(dirname "$0")/..")
mkdir -p "$work" || exit 1

DURATION=${DURATION:-10}
PACKETS=${PACKETS:-20000}
FRACTION=${FRACTION:-0.05}
SEED=${SEED:-1}
SETS=${SETS:-lit10 re10 lit1000 re1000 sample}
EAL_MEM=${EAL_MEM:-1024}
TESTPMD=${TESTPMD:-/usr/bin/dpdk-testpmd}
gen=$build/perf/weir-gen
bhs=$build/perf/bench-hs
weir=$build/weir

# A step may overrun its DURATION by startup (EAL, rule compilation) and
# shutdown; past this grace it is killed.
grace=60

# net_pcap with infinite_rx copies the whole capture into mbufs of the rx
# pool at queue setup, then allocates one more per packet it hands out: the
# pool must hold the capture plus the rings. 2^k - 1 is the size mempool
# likes best.
mempool=1
while [ "$mempool" -lt $((PACKETS + 4096)) ]; do
	mempool=$((mempool * 2 + 1))
done

# --no-huge forces legacy memory mode, which DPDK 22.11 refuses to combine
# with --in-memory; --no-shconf keeps the run from leaving files behind.
# lcore 0 is the main thread, lcore 1 the worker (or testpmd's forwarder).
# --no-pci: neither weir nor testpmd probes PCI devices (same EAL for both).
vdev_args() {
	echo "--no-huge --no-shconf --no-pci -m $EAL_MEM -l 0-1 --vdev net_pcap0,rx_pcap=$1,infinite_rx=1"
}

# The first "  name: value" line of a summary (weir: the workers' section).
summary_get() {
	awk -v k="$2" '$1 == k":" { print $2; exit }' "$1"
}

make_rules() {
	local set=$1 out=$2
	case $set in
	lit10) "$gen" --emit-rules literal -N 10 -s "$SEED" -o "$out" ;;
	re10) "$gen" --emit-rules regex -N 10 -s "$SEED" -o "$out" ;;
	lit1000) "$gen" --emit-rules literal -N 1000 -s "$SEED" -o "$out" ;;
	re1000) "$gen" --emit-rules regex -N 1000 -s "$SEED" -o "$out" ;;
	sample) cp "$src/rules/examples/sample.sigs" "$out" ;;
	*) echo "bench: unknown rule set $set" >&2; return 1 ;;
	esac
}

# (b) bench-hs; falls back to its own parser while weir's loader cannot load.
run_bench_hs() {
	local sigs=$1 cap=$2 tsv=$3 log=$4
	timeout -k 5 $((DURATION + grace)) taskset -c 1 \
		"$bhs" -r "$cap" -S "$sigs" -t "$DURATION" -e "$tsv" >"$log" 2>&1
}

# Correctness on the measured path: weir on the vdev replaying the capture
# once (no infinite_rx), stopped by --count after its last packet, must
# raise exactly the alerts weir-gen promised.
# @return 0 when it does, 1 when alerts differ, 2 when weir failed.
check_weir() {
	local sigs=$1 cap=$2 tsv=$3 log=$4
	# shellcheck disable=SC2046
	timeout -k 5 $((grace * 2)) "$weir" -S "$sigs" -o "$log.jsonl" -i net_pcap0 -w 1 \
		--count "$PACKETS" --set capture.mempool-size=$mempool -- \
		$(vdev_args "$cap" | sed 's/,infinite_rx=1//') >"$log" 2>&1 || return 2
	grep -o '"signature_id":[0-9]*' "$log.jsonl" | cut -d: -f2 | sort -n | uniq -c |
		awk '{ print $2 "\t" $1 }' | diff -q - <(sort -n "$tsv") >/dev/null || return 1
}

# (a) weir live on the vdev until SIGINT.
run_weir() {
	local sigs=$1 cap=$2 log=$3
	# shellcheck disable=SC2046
	timeout -k 10 -s INT "$DURATION" taskset -c 0-1 \
		"$weir" -S "$sigs" -o /dev/null -i net_pcap0 -w 1 \
		--set capture.mempool-size=$mempool -- $(vdev_args "$cap") >"$log" 2>&1
	local rc=$?
	# 124: timeout sent SIGINT, which is how this run is meant to end
	[ $rc -eq 0 ] || [ $rc -eq 124 ] || [ $rc -eq 130 ]
}

# (c) testpmd rxonly: the median of its per-second Rx-pps, first one skipped.
run_testpmd() {
	local cap=$1 log=$2
	# shellcheck disable=SC2046
	timeout -k 10 -s INT "$DURATION" "$TESTPMD" $(vdev_args "$cap") -- \
		--forward-mode=rxonly --stats-period 1 --nb-cores=1 \
		--total-num-mbufs=$mempool >"$log" 2>&1 </dev/null
	awk '/Rx-pps:/ { if (n++) print $2 }' "$log" | sort -n |
		awk '{ v[++m] = $1 }
		     END { if (m < 1) exit 1
			   print (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2 }'
}

fmt_pps() { [ -n "$1" ] && awk -v v="$1" 'BEGIN { printf "%.3f", v / 1e6 }' || echo n/a; }
fmt_num() { [ -n "$1" ] && echo "$1" || echo n/a; }

results=$work/results.txt
: >"$results"
notes=()
printf '%-8s %6s | %9s %7s | %9s %7s | %9s %7s | %6s %8s | %s\n' \
	set rules "a Mpps" "a Gb/s" "b Mpps" "b Gb/s" "c Mpps" "c Gb/s" "a/b" "a/serial" "check" |
	tee -a "$results"

if [ ! -x "$gen" ] || [ ! -x "$bhs" ]; then
	echo "bench: build weir-gen and bench-hs first (ninja -C $build)" >&2
	exit 1
fi
weir_ok=0
if [ -x "$weir" ] && "$weir" --help >/dev/null 2>&1; then
	weir_ok=1
else
	notes+=("weir does not run yet ($weir --help failed): column a is n/a")
fi

for set in $SETS; do
	sigs=$work/$set.sigs
	cap=$work/$set.pcap
	tsv=$work/$set.expected.tsv
	make_rules "$set" "$sigs" || continue
	"$gen" -R "$sigs" -n "$PACKETS" -s "$SEED" -f "$FRACTION" -o "$cap" -e "$tsv" \
		2>"$work/$set.gen.log" || { echo "bench: $set: weir-gen failed" >&2; continue; }
	n_rules=$(grep -c '^[0-9]*:/' "$sigs")

	# Every rate below is in frames of the capture per second and every
	# Gbit/s is frame bytes (the pcap's packet records, without its
	# headers) at that rate: bench-hs counts the payload packets it scans
	# (the others cost it nothing), so its rate is scaled by frames per
	# payload packet of the capture, or a/b would be inflated by that
	# factor (~1.24 on the transaction mix).
	frame_bytes=$(($(stat -c %s "$cap") - 24 - 16 * PACKETS))
	avg_frame=$(awk -v b="$frame_bytes" -v n="$PACKETS" 'BEGIN { print b / n }')
	b_pps='' b_gbps=''
	if run_bench_hs "$sigs" "$cap" "$tsv" "$work/$set.bench-hs.log"; then
		hs_pps=$(summary_get "$work/$set.bench-hs.log" pps)
		ps=$(summary_get "$work/$set.bench-hs.log" scanned_per_pass)
		[ -n "$hs_pps" ] && [ -n "$ps" ] && [ "$ps" -gt 0 ] &&
			b_pps=$(awk -v p="$hs_pps" -v s="$ps" -v n="$PACKETS" 'BEGIN { print p * n / s }')
	else
		notes+=("$set: bench-hs failed or alerts differ, see $work/$set.bench-hs.log")
	fi
	[ -n "$b_pps" ] && b_gbps=$(awk -v p="$b_pps" -v s="$avg_frame" 'BEGIN { printf "%.3f", p * s * 8 / 1e9 }')

	a_pps='' a_gbps='' check=n/a
	if [ $weir_ok -eq 1 ]; then
		check_weir "$sigs" "$cap" "$tsv" "$work/$set.check.log"
		case $? in
		0) check=ok ;;
		1) check=FAIL
		   notes+=("$set: weir alerts differ from $tsv, see $work/$set.check.log") ;;
		*) check=err
		   notes+=("$set: weir --count run failed, see $work/$set.check.log") ;;
		esac
		if run_weir "$sigs" "$cap" "$work/$set.weir.log"; then
			l=$work/$set.weir.log
			rx=$(summary_get "$l" rx_packets)
			el=$(summary_get "$l" elapsed_s)
			if [ -n "$rx" ] && [ -n "$el" ]; then
				a_pps=$(awk -v r="$rx" -v e="$el" 'BEGIN { if (e > 0) print r / e }')
				a_gbps=$(awk -v p="$a_pps" -v s="$avg_frame" \
					'BEGIN { printf "%.3f", p * s * 8 / 1e9 }')
			fi
		else
			notes+=("$set: weir live run failed, see $work/$set.weir.log")
		fi
	fi

	c_pps=$(run_testpmd "$cap" "$work/$set.testpmd.log") ||
		{ c_pps=; notes+=("$set: testpmd gave no Rx-pps, see $work/$set.testpmd.log"); }
	c_gbps=
	[ -n "$c_pps" ] &&
		c_gbps=$(awk -v p="$c_pps" -v s="$avg_frame" 'BEGIN { printf "%.3f", p * s * 8 / 1e9 }')

	ab=n/a aser=n/a
	[ -n "$a_pps" ] && [ -n "$b_pps" ] &&
		ab=$(awk -v a="$a_pps" -v b="$b_pps" 'BEGIN { printf "%.3f", a / b }')
	[ -n "$a_pps" ] && [ -n "$b_pps" ] && [ -n "$c_pps" ] &&
		aser=$(awk -v a="$a_pps" -v b="$b_pps" -v c="$c_pps" \
			'BEGIN { printf "%.3f", a * (1 / b + 1 / c) }')

	printf '%-8s %6s | %9s %7s | %9s %7s | %9s %7s | %6s %8s | %s\n' \
		"$set" "$n_rules" "$(fmt_pps "$a_pps")" "$(fmt_num "$a_gbps")" \
		"$(fmt_pps "$b_pps")" "$(fmt_num "$b_gbps")" "$(fmt_pps "$c_pps")" \
		"$(fmt_num "$c_gbps")" "$ab" "$aser" "$check" | tee -a "$results"
done

{
	echo
	echo "capture: $PACKETS packets, seed $SEED, trigger fraction $FRACTION;" \
		"${DURATION}s per measurement; mempool $mempool mbufs"
	echo "a: weir -w 1 on net_pcap infinite_rx (lcore 1);" \
		"b: bench-hs (taskset -c 1); c: dpdk-testpmd rxonly (lcore 1)"
	echo "a/serial = a / (1 / (1/b + 1/c)); check: weir --count, one pass, alerts == expected.tsv"
	echo "Mpps: frames of the capture per second (b scaled from bench-hs's payload packets);" \
		"Gb/s: frame bytes at that rate"
	echo "build: $build, buildtype $(meson introspect --buildoptions "$build" 2>/dev/null |
		python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"))' 2>/dev/null ||
		echo unknown)"
	echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), family $(lscpu | sed -n 's/^CPU family: *//p')" \
		"model $(lscpu | sed -n 's/^Model: *//p'), $(nproc) CPUs;" \
		"flags: $(grep -o -w -E 'sse4_2|avx|avx2|avx512f|avx512bw|avx512vbmi' /proc/cpuinfo | sort -u | tr '\n' ' ')"
	echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	for n in "${notes[@]}"; do
		echo "note: $n"
	done
} | tee -a "$results"
