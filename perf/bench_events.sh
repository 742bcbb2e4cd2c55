#!/usr/bin/env bash
# Event path before/after: two weir builds alternated on the same packets
# (A B A B ...), one worker on lcore 1, emitter on lcore 0, jsonl to
# /dev/null, net_pcap infinite_rx over a weir-gen capture in which a
# fraction F of packets alerts. Prints per run rx_pps, emitted events/s,
# drop_ring_full, the worker thread's CPU time per received packet
# (cpu_ns_pkt: /proc's utime+stime of the thread on lcore 1 read just
# before the stop, over rx_packets; unlike rx_pps it does not count the
# time the worker was descheduled, so it still means something on a
# shared machine) and the rx-to-sink latency percentiles; medians at the end.
#   perf/bench_events.sh WEIR_A WEIR_B WEIR_GEN [F...]    (default F: 0.01 0.05)
# Env: RUNS (3), SECS (8), OUT (a temp dir).
set -euo pipefail
a=$1 b=$2 gen=$3
shift 3
fs=("$@")
[ ${#fs[@]} -gt 0 ] || fs=(0.01 0.05)
runs=${RUNS:-3} secs=${SECS:-8}
out=${OUT:-$(mktemp -d)}
"$gen" --emit-rules literal -N 10 -s 1 -o "$out/lit10.sigs" >/dev/null
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), family $(lscpu | sed -n 's/^CPU family: *//p'); load: $(cut -d' ' -f1-3 /proc/loadavg)"
for f in "${fs[@]}"; do
	"$gen" -R "$out/lit10.sigs" -n 20000 -s 1 -f "$f" -o "$out/cap$f.pcap" -e "$out/exp$f.tsv" >/dev/null
	for r in $(seq 1 "$runs"); do
		for side in A B; do
			bin=$a
			[ "$side" = B ] && bin=$b
			log=$out/$side-$f-$r.log
			taskset -c 0-1 "$bin" -S "$out/lit10.sigs" -o /dev/null \
				-i net_pcap0 -w 1 --set capture.mempool-size=32767 -- \
				--no-huge --no-shconf -m 1024 -l 0-1 --file-prefix "bev$$" \
				--vdev "net_pcap0,rx_pcap=$out/cap$f.pcap,infinite_rx=1" \
				>/dev/null 2>"$log" &
			pid=$!
			sleep "$secs" # the run's length, as timeout(1) had it
			ticks=0
			for st in /proc/"$pid"/task/*/stat; do
				# comm is field 2 in parentheses; utime, stime are 14, 15
				if grep -q '(rte-worker-1)' "$st" 2>/dev/null; then
					ticks=$(sed 's/.*) //' "$st" | awk '{print $12 + $13}')
				fi
			done
			kill -INT "$pid" 2>/dev/null || true
			wait "$pid" || true
			rxp=$(awk '/rx_packets:/{print $2; exit}' "$log")
			cpuns=$(awk -v t="$ticks" -v n="${rxp:-0}" -v hz="$(getconf CLK_TCK)" \
				'BEGIN{printf "%.1f", (n > 0 ? t * 1e9 / hz / n : 0)}')
			pps=$(awk '/rx_pps:/{print $2; exit}' "$log")
			el=$(awk '/elapsed_s:/{print $2; exit}' "$log")
			ev=$(awk '/^ emitter:/{e=1} e && /events:/{print $2; exit}' "$log")
			drop=$(awk '/drop_ring_full:/{print $2; exit}' "$log")
			lat=$(grep -o 'latency (rx to sink.*' "$log" | sed 's/latency (rx to sink, [0-9]* events)://')
			eps=$(awk -v e="${ev:-0}" -v s="${el:-0}" 'BEGIN{printf "%.0f", (s > 0 ? e / s : 0)}')
			echo "F=$f $side run $r: rx_pps ${pps:-?} emitted/s $eps drop_ring_full ${drop:-?} cpu_ns_pkt $cpuns latency:$lat"
		done
	done
done | tee "$out/results.txt"
python3 - "$out/results.txt" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"F=(\S+) (\S) run \d+: rx_pps (\S+) emitted/s (\S+) drop_ring_full (\S+) cpu_ns_pkt (\S+) latency:(.*)", line)
    if not m:
        continue
    f, side, pps, eps, drop, cpu, lat = m.groups()
    d = rows.setdefault((f, side), {"pps": [], "eps": [], "drop": [], "cpu": [], "lat": {}})
    d["pps"].append(float(pps)); d["eps"].append(float(eps)); d["drop"].append(float(drop))
    d["cpu"].append(float(cpu))
    for name, v in re.findall(r"(\S+) ([0-9.]+) us", lat):
        d["lat"].setdefault(name, []).append(float(v))
for (f, side), d in sorted(rows.items()):
    lat = " ".join("%s %.1f us" % (k, statistics.median(v)) for k, v in d["lat"].items())
    print("median F=%s %s: rx %.2f Mpps, worker CPU %.1f ns/packet, emitted %.0f k/s, drop_ring_full %.0f, %s" % (
        f, side, statistics.median(d["pps"]) / 1e6, statistics.median(d["cpu"]),
        statistics.median(d["eps"]) / 1e3, statistics.median(d["drop"]), lat))
for f in sorted({k[0] for k in rows}):
    if (f, "A") in rows and (f, "B") in rows:
        a, b = rows[(f, "A")], rows[(f, "B")]
        print("ratio F=%s B/A: rx %.2f, by worker CPU per packet %.2f" % (
            f, statistics.median(b["pps"]) / statistics.median(a["pps"]),
            statistics.median(a["cpu"]) / statistics.median(b["cpu"])))
PY
