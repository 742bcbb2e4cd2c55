#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Issue 12's figure: weir with its flow table against the same binary
# without it, on a transaction capture with real TCP sessions.
#
#   meson setup build-bench --buildtype=release -Dwerror=false \
#       -Dtests=disabled -Dbench_switches=true && ninja -C build-bench
#   perf/bench_flows.sh build-bench/weir
#
# The binary must be built with -Dbench_switches=true: its environment
# switch WEIR_BENCH_NOFLOWS=1 starts the workers without their flow
# tables (A); unset, they have them (B). Everything else is the same
# binary, rules and packets. The capture (CAP, default: mktxn.py's
# transaction capture, 2,000 payment records, one TCP session each with
# handshake, request segments, answer, ACKs and FINs) is replayed in a
# loop by net_pcap (infinite_rx) for SECS seconds per run, one worker on
# lcore 1, the emitter on lcore 0, jsonl to /dev/null. The figure is the
# worker thread's CPU time per received packet (/proc ticks of
# rte-worker-1), so time the worker waited for a CPU on a shared machine
# does not count. Runs alternate A B / B A; each pair gives A/B (the
# with-flows throughput as a fraction of the without); the median and the
# range over PAIRS pairs are printed.
#
# Checks (a failed one exits 1): A created no flow and B did (else the
# binary lacks the switch), and both raised the same alerts per packet
# within 1 % (the rules must not read flows; the default set does not).
#
# Env: CAP, RULES (rules/examples/sample.sigs), PAIRS (10), SECS (3),
# MEM (EAL memory arguments, default --no-huge -m 1024), OUT (a temp dir).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=perf/bench_lib.sh
. "$here/bench_lib.sh"
weir=${1:?usage: bench_flows.sh WEIR (built with -Dbench_switches=true)}
pairs=${PAIRS:-10} secs=${SECS:-3}
rules=${RULES:-$here/../rules/examples/sample.sigs}
mem=${MEM:---no-huge -m 1024}
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
cap=${CAP:-}
if [ -z "$cap" ]; then
	/usr/bin/python3 "$here/../tests/integration/mktxn.py" gen "$out/txn" --records 2000 \
		--seed 7 --keys 500 >/dev/null
	cap=$out/txn.pcap
fi
hz=$(getconf CLK_TCK)
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), family $(sed -n 's/^cpu family[^:]*: //p' /proc/cpuinfo | head -1) model $(sed -n 's/^model[^:]*: //p' /proc/cpuinfo | head -1), $(grep -q avx512f /proc/cpuinfo && echo avx512 || echo 'no avx512'); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "weir: $weir; capture: $cap; rules: $rules; $pairs pairs of ${secs} s runs"

field() { # log name
	awk -v k="$2:" '$1 == k { print $2; exit }' "$1"
}

# one SIDE -> "ns_per_pkt alerts_per_pkt"
one() {
	local side=$1 log=$out/$1.log ticks
	if [ "$side" = A ]; then export WEIR_BENCH_NOFLOWS=1; else unset WEIR_BENCH_NOFLOWS; fi
	# shellcheck disable=SC2086 # MEM is a list of EAL arguments
	bench_loop_ticks "$weir" "$rules" "$cap" "$log" "bfl$$" "$secs" "bench_flows: side $side" $mem
	ticks=$BENCH_TICKS
	local rx al created
	rx=$(field "$log" rx_packets) al=$(field "$log" alerts) created=$(field "$log" flow_created)
	if [ -z "$rx" ] || [ "$rx" = 0 ]; then
		echo "bench_flows: no packets received (see $log)" >&2
		exit 1
	fi
	if { [ "$side" = A ] && [ "$created" != 0 ]; } || { [ "$side" = B ] && [ "$created" = 0 ]; }; then
		echo "bench_flows: side $side created $created flows: is $weir built with -Dbench_switches=true?" >&2
		exit 1
	fi
	awk -v t="$ticks" -v n="$rx" -v a="$al" -v hz="$hz" \
		'BEGIN { printf "%.1f %.6f", t * 1e9 / hz / n, a / n }'
}

ratios=()
for i in $(seq 1 "$pairs"); do
	if [ $((i % 2)) = 1 ]; then
		a=$(one A)
		b=$(one B)
	else
		b=$(one B)
		a=$(one A)
	fi
	read -r ans aal <<<"$a"
	read -r bns bal <<<"$b"
	if ! awk -v x="$aal" -v y="$bal" 'BEGIN { d = x - y; if (d < 0) d = -d; exit !(d <= 0.01 * x) }'; then
		echo "bench_flows: alerts per packet differ: A $aal, B $bal" >&2
		exit 1
	fi
	r=$(awk -v a="$ans" -v b="$bns" 'BEGIN { printf "%.3f", a / b }')
	echo "pair $i: A (no flow table) $ans ns/pkt, B (flows) $bns ns/pkt, A/B $r; alerts/pkt $aal $bal; load $(cut -d' ' -f1 /proc/loadavg)"
	ratios+=("$r")
done
printf '%s\n' "${ratios[@]}" | bench_median "with flows / without, worker CPU per packet"
