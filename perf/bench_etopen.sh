#!/usr/bin/env bash
# Issue 14's speed item: does loading the ET Open rules that need no
# application-layer parser slow weir down on transaction traffic? `weir -r`
# over one weir-gen capture with the sample signatures alone (A) and with
# the sample signatures plus every ET Open file of ../shared/data (B,
# --rules-skip-invalid: 1,286 of them load), alternated (A B A B ...), one
# worker, jsonl to /dev/null. Prints per run the worker's rx_pps from the
# summary, the alerts, the medians and the ratio B / A, the CPU and the
# exact commands. B / A says what ET Open costs end to end; the issue's goal
# itself ("within the goal of issue 12": the brief's 12, the performance
# issue, >= 0.9 of bare hs_scan over one database of the same expressions)
# is bench-rules against its raw baseline: `bench-rules -k -F server-est
# -S ... -r CAP` (perf/RESULTS.md, "Flows ended in bulk, streamed packets
# ..., and issue 14's speed item against bare Hyperscan").
#   perf/bench_etopen.sh BUILD_DIR [N_PACKETS]     (default 200000)
#   CAP=FILE.pcap perf/bench_etopen.sh BUILD_DIR   (sessions mode, below)
# BUILD_DIR: a release build (meson setup build-rel --buildtype=release).
# Env: RUNS (5), F (trigger fraction, 0.05), OUT (a temp dir), CPU=1: also
# the worker thread's CPU per run (perf record -e task-clock, samples of
# rte-worker-* x 0.1 ms; on a shared machine rx_pps moves with the load,
# CPU less so), with its medians and ratio A / B.
# A's alerts are checked against weir-gen's expected count; B's sample
# alerts must be the same (ET rules that fire on this traffic are listed).
# NOSPLIT=1 adds C: B with `--set rules.address-split=false` (the packet
# databases per side only, not per address class), in the same rounds.
# Sessions mode: CAP=FILE.pcap runs over that capture instead of a
# weir-gen one (N_PACKETS and F unused), e.g. the transaction capture of
# real TCP sessions (handshakes, acks, FINs: flows established, streams
# reassembled, ET's flags:S scan rules and stream rules at work):
#   /usr/bin/python3 tests/integration/mktxn.py gen /tmp/txn/big \
#       --records 40000 --seed 7 --keys 10000      (566,453 packets)
#   CAP=/tmp/txn/big.pcap CPU=1 perf/bench_etopen.sh build-rel
# There no generator states the sample alerts: the expected count is what
# A raises in the warm-up run (WANT=N to give it), and every timed A and B
# run must raise exactly that many.
set -euo pipefail
build=$1
n=${2:-200000}
runs=${RUNS:-5} f=${F:-0.05} cpu=${CPU:-0}
src=$(cd "$(dirname "$0")/.." && pwd)
sigs=$src/rules/examples/sample.sigs
et=$src/../shared/data/rules/et-open
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
weir=$build/weir
gen=$build/perf/weir-gen
cap=${CAP:-$out/cap.pcap}
if [ -z "${CAP:-}" ]; then
	"$gen" -n "$n" -s 1 -f "$f" -R "$sigs" -o "$cap" -e "$out/exp.tsv" >/dev/null 2>&1
	want=$(awk '{s += $2} END {print s + 0}' "$out/exp.tsv")
fi
ets=()
for r in "$et"/*.rules; do ets+=(-S "$r"); done
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'); $(nproc) CPUs online; load: $(cut -d' ' -f1-3 /proc/loadavg)"
# the sample signatures' alerts in an EVE file (sids below 1,000,000)
count_sample() {
	python3 -c 'import json,sys
n=0
for l in open(sys.argv[1]):
    j=json.loads(l)
    if j.get("event_type")=="alert" and j["alert"]["signature_id"]<1000000: n+=1
print(n)' "$1"
}
echo "command A: $weir -r $cap -S $sigs -o EVE -w 1 --set rules.cache-dir=$out/cache"
echo "command B: the same with --rules-skip-invalid and -S for each of $et/*.rules (${#ets[@]} args)"
# warm-up: both rule sets compiled into the cache, so no timed run compiles
"$weir" -r "$cap" -S "$sigs" -o "$out/A0.json" -w 1 --set "rules.cache-dir=$out/cache" \
	>/dev/null 2>&1
"$weir" -r "$cap" -S "$sigs" "${ets[@]}" --rules-skip-invalid -o /dev/null -w 1 \
	--set "rules.cache-dir=$out/cache" >/dev/null 2>&1
variants=(A B)
if [ "${NOSPLIT:-0}" = 1 ]; then
	variants+=(C)
	echo "command C: B with --set rules.address-split=false"
	"$weir" -r "$cap" -S "$sigs" "${ets[@]}" --rules-skip-invalid -o /dev/null -w 1 \
		--set "rules.cache-dir=$out/cache" --set rules.address-split=false >/dev/null 2>&1
fi
if [ -n "${CAP:-}" ]; then
	want=${WANT:-$(count_sample "$out/A0.json")}
	echo "capture: $cap ($want sample alerts expected: ${WANT:+given}${WANT:-what A raised in the warm-up run})"
else
	echo "capture: $gen -n $n -s 1 -f $f -R $sigs ($want alerts expected)"
fi
rm -f "$out/A0.json"
for r in $(seq 1 "$runs"); do
	for v in "${variants[@]}"; do
		log=$out/$v-$r.log
		rm -f "$out/$v.json"
		pre=()
		[ "$cpu" = 1 ] && pre=(perf record -q -e task-clock -c 100000 -o "$out/perf.data" --)
		if [ "$v" = A ]; then
			"${pre[@]}" "$weir" -r "$cap" -S "$sigs" -o "$out/$v.json" -w 1 \
				--set "rules.cache-dir=$out/cache" >/dev/null 2>"$log"
		else
			split=true
			[ "$v" = C ] && split=false
			"${pre[@]}" "$weir" -r "$cap" -S "$sigs" "${ets[@]}" --rules-skip-invalid \
				-o "$out/$v.json" -w 1 --set "rules.cache-dir=$out/cache" \
				--set "rules.address-split=$split" >/dev/null 2>"$log"
		fi
		pps=$(awk '/rx_pps:/{print $2; exit}' "$log")
		sample=$(count_sample "$out/$v.json")
		other=$(python3 -c 'import json,sys,collections
c=collections.Counter()
for l in open(sys.argv[1]):
    j=json.loads(l)
    if j.get("event_type")=="alert" and j["alert"]["signature_id"]>=1000000: c[j["alert"]["signature_id"]]+=1
print(" ".join("%d:%d" % kv for kv in sorted(c.items())) or "none")' "$out/$v.json")
		[ "$sample" = "$want" ] || echo "WARNING: $v run $r: $sample sample alerts, want $want"
		grep -q MISMATCH "$log" && echo "WARNING: $v run $r: accounting MISMATCH"
		wcpu=
		if [ "$cpu" = 1 ]; then
			wcpu=" worker_ms $(perf report -q -i "$out/perf.data" --sort comm -F sample,comm 2>/dev/null |
				awk '/rte-worker/ { s += $1 } END { printf "%.0f", s / 10 }')"
		fi
		echo "$v run $r: rx_pps $pps sample_alerts $sample et_alerts $other$wcpu"
	done
done | tee "$out/results.txt"
python3 - "$out/results.txt" <<'PY'
import re, statistics, sys
pps, cpu = {}, {}
for line in open(sys.argv[1]):
    m = re.match(r"([ABC]) run \d+: rx_pps (\S+)", line)
    if m:
        pps.setdefault(m.group(1), []).append(float(m.group(2)))
    m = re.search(r"^([ABC]) run .* worker_ms (\d+)", line)
    if m:
        cpu.setdefault(m.group(1), []).append(float(m.group(2)))
a, b = statistics.median(pps["A"]), statistics.median(pps["B"])
print("median A (sample signatures):          %.3f Mpps (min %.3f, max %.3f)" % (a / 1e6, min(pps["A"]) / 1e6, max(pps["A"]) / 1e6))
print("median B (+ ET Open, no app layer):    %.3f Mpps (min %.3f, max %.3f)" % (b / 1e6, min(pps["B"]) / 1e6, max(pps["B"]) / 1e6))
print("ratio B / A: %.2f" % (b / a))
if "C" in pps:
    c = statistics.median(pps["C"])
    print("median C (B, rules.address-split=false): %.3f Mpps; ratio C / A: %.2f" % (c / 1e6, c / a))
if "A" in cpu and "B" in cpu:
    ca, cb = statistics.median(cpu["A"]), statistics.median(cpu["B"])
    print("worker CPU: median A %.0f ms, B %.0f ms; A / B %.2f" % (ca, cb, ca / cb))
    if "C" in cpu:
        cc = statistics.median(cpu["C"])
        print("worker CPU: median C %.0f ms; A / C %.2f" % (cc, ca / cc))
PY
