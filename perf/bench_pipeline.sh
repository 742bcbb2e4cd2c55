#!/usr/bin/env bash
# Pipeline run mode against one worker, offline: `weir -r` over one
# weir-gen capture with -w 1 (run mode workers: the worker reads the file
# itself) and -w 2 (auto: a file is one queue, so the rx stage reads it and
# spreads flows over two workers), alternated (1 2 1 2 ...), jsonl to
# /dev/null. Prints per run the workers' rx_pps from the summary (packets
# over the workers' elapsed time, file reading included), the medians, the
# ratio pipeline / one worker, the CPU model and the exact commands.
#   perf/bench_pipeline.sh BUILD_DIR [N_PACKETS]     (default 200000)
# BUILD_DIR: a release build (meson setup build-rel --buildtype=release).
# Env: RUNS (5), F (trigger fraction, 0.05), OUT (a temp dir).
# The alerts of every run are checked against weir-gen's expected count.
set -euo pipefail
build=$1
n=${2:-200000}
runs=${RUNS:-5} f=${F:-0.05}
src=$(cd "$(dirname "$0")/.." && pwd)
sigs=$src/rules/examples/sample.sigs
out=${OUT:-$(mktemp -d)}
weir=$build/weir
gen=$build/perf/weir-gen
"$gen" -n "$n" -s 1 -f "$f" -R "$sigs" -o "$out/cap.pcap" -e "$out/exp.tsv" >/dev/null 2>&1
want=$(awk '{s += $2} END {print s + 0}' "$out/exp.tsv")
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'); $(nproc) CPUs online; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "capture: $gen -n $n -s 1 -f $f -R $sigs ($want alerts expected)"
for w in 1 2; do
	echo "command -w $w: $weir -r $out/cap.pcap -S $sigs -o /dev/null -w $w" \
		"(lcores: weir's default, $((w == 1 ? 2 : 4)) lcores over $(nproc) CPUs)"
done
for r in $(seq 1 "$runs"); do
	for w in 1 2; do
		log=$out/w$w-$r.log
		"$weir" -r "$out/cap.pcap" -S "$sigs" -o /dev/null -w "$w" 2>"$log"
		pps=$(awk '/rx_pps:/{print $2; exit}' "$log")
		alerts=$(awk '/alerts:/{print $2; exit}' "$log")
		mode=$(grep -q 'runmode pipeline' "$log" && echo pipeline || echo workers)
		[ "$alerts" = "$want" ] || echo "WARNING: -w $w run $r: $alerts alerts, want $want"
		grep -q MISMATCH "$log" && echo "WARNING: -w $w run $r: accounting MISMATCH"
		echo "w=$w run $r: $mode rx_pps $pps alerts $alerts"
	done
done | tee "$out/results.txt"
python3 - "$out/results.txt" <<'PY'
import re, statistics, sys
pps = {}
for line in open(sys.argv[1]):
    m = re.match(r"w=(\d) run \d+: (\S+) rx_pps (\S+)", line)
    if m:
        pps.setdefault(m.group(1), []).append(float(m.group(3)))
one, two = statistics.median(pps["1"]), statistics.median(pps["2"])
print("median -w 1 (workers):  %.3f Mpps (min %.3f, max %.3f)" % (one / 1e6, min(pps["1"]) / 1e6, max(pps["1"]) / 1e6))
print("median -w 2 (pipeline): %.3f Mpps (min %.3f, max %.3f)" % (two / 1e6, min(pps["2"]) / 1e6, max(pps["2"]) / 1e6))
print("ratio pipeline / one worker: %.2f" % (two / one))
PY
