#!/usr/bin/env bash
# Share of the worker thread's CPU samples spent in the flow step, for
# weir builds alternated on bench_events.sh's workload (lit10 rules, a
# 20,000-packet weir-gen capture = 20,000 flows, net_pcap infinite_rx,
# one worker on lcore 1). A ratio of samples inside one run, so it holds
# still when the machine is shared and rx rates or CPU time per packet
# swing from run to run: 1 - share estimates "with flows / without".
# It counts the flow step's own functions only: since 56d2f7f the worker
# inlines its part (worker_flow_one, the key reuse, the prefetches), so
# the share is low and "with / without" high by that part. bench_flows.sh
# measures the ratio itself.
#   perf/flow_share.sh WEIR_GEN WEIR [WEIR...]
# Env: RUNS (3), SECS (6), F (alerting fraction, 0.01), OUT (a temp dir).
# Needs perf (cpu-clock is enough: no hardware counters in a VM).
set -euo pipefail
# shellcheck source=perf/bench_lib.sh
. "$(dirname "$0")/bench_lib.sh"
gen=$1
shift
runs=${RUNS:-3} secs=${SECS:-6} f=${F:-0.01}
out=${OUT:-$(mktemp -d)}
"$gen" --emit-rules literal -N 10 -s 1 -o "$out/lit10.sigs" >/dev/null
"$gen" -R "$out/lit10.sigs" -n 20000 -s 1 -f "$f" -o "$out/cap.pcap" -e "$out/exp.tsv" >/dev/null
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'); load: $(cut -d' ' -f1-3 /proc/loadavg)"
# the flow step: flow.c's entry points and what they do not inline, and
# the worker's wrapper around them
flow_re='weir_flow_|flow_process_keyed|flow_new|flow_due_lower|flow_end|tcp_update|tcp_closing|worker_flow_one'
for r in $(seq 1 "$runs"); do
	for bin in "$@"; do
		taskset -c 0-1 "$bin" -S "$out/lit10.sigs" -o /dev/null \
			-i net_pcap0 -w 1 --set capture.mempool-size=32767 -- \
			--no-huge --no-shconf -m 1024 -l 0-1 --file-prefix "fsh$$" \
			--vdev "net_pcap0,rx_pcap=$out/cap.pcap,infinite_rx=1" \
			>/dev/null 2>"$out/weir.log" &
		pid=$!
		bench_wait_worker "$pid" "$bin"
		tid=$BENCH_TID
		perf record -F 2999 -e cpu-clock -t "$tid" -o "$out/perf.data" -- sleep "$secs" \
			>/dev/null 2>&1
		kill -INT "$pid" 2>/dev/null || true
		wait "$pid" || true
		perf report -i "$out/perf.data" --stdio --no-children --sort sym 2>/dev/null |
			awk -v re="$flow_re" -v bin="$bin" -v r="$r" '
			/^#/ || !/%/ { next }
			{ p = $1; sub("%", "", p); if ($0 ~ re) fl += p }
			END { printf "%s run %d: flow step %.2f %% of worker samples\n", bin, r, fl }'
	done
done | tee "$out/share.txt"
python3 - "$out/share.txt" <<'PY'
import re, statistics, sys
d = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\S+) run \d+: flow step (\S+) %", line)
    if m:
        d.setdefault(m.group(1), []).append(float(m.group(2)))
for b, v in d.items():
    s = statistics.median(v)
    print("median %s: flow step %.2f %% -> with flows / without ~ %.2f" % (b, s, 1 - s / 100))
PY
