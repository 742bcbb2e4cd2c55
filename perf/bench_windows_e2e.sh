#!/usr/bin/env bash
# End to end with window rules (issue 18, "Benchmarks"): weir -r on a
# generated transaction capture (tests/integration/mktxn.py), one worker,
# jsonl to /dev/null, alternating configurations run after run:
#   nomatch  one stream rule that matches nothing (the stream engine alone)
#   plain    the ten rules of perf/windows10.rules without field:/window:
#            (ordinary stream rules: the same Hyperscan work, an alert per match)
#   window   the ten window rules
#   obs      the ten window rules + windows.observations kafka (a Kafka
#            cluster in its own process: kafka_mock_peer), only with PEER
# then, for the latency, the plain, window (and obs) configurations again with the
# capture fed through a fifo at FRAC of the window configuration's median
# offline rate (perf/pace_pcap.py, bursts of 32): weir's "latency (rx to
# sink)" line, which for a window alert runs from the rx burst of the packet
# whose observation completed the condition to the sinks' queues (the only
# events of these runs reaching the histogram are window alerts: the
# observation records go to their own sink and are not recorded).
#   perf/bench_windows_e2e.sh WEIR [PEER]
# Env: RECORDS (40000), SEED (7), RUNS (3), FRAC (0.5), OUT (a temp dir;
# an existing OUT/big.pcap is reused), PACED (1; 0 skips the paced runs).
set -euo pipefail
weir=$1
peer=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$(mktemp -d)}
runs=${RUNS:-3} frac=${FRAC:-0.5}
py=/usr/bin/python3
mkdir -p "$out"
if [ ! -s "$out/big.pcap" ]; then
	$py "$here/../tests/integration/mktxn.py" gen "$out/big" --records "${RECORDS:-40000}" \
		--seed "${SEED:-7}" --keys 10000
fi
perl -pe 's/(?<=;) (field|window):[^;]*;//g' "$here/windows10.rules" >"$out/plain10.rules"
echo 'alert tcp any any -> any any (msg:"matches nothing"; flow:established,to_server; content:"zq-no-such-bytes-qz"; sid:1; rev:1;)' >"$out/nomatch.rules"
head -c 32 /dev/urandom >"$out/hkey"
chmod 600 "$out/hkey"
echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), family $(lscpu | sed -n 's/^CPU family: *//p') model $(lscpu | sed -n 's/^Model: *//p'); $(nproc) cpus; load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "capture: $out/big.pcap, $(stat -L -c %s "$out/big.pcap") bytes"

configs=(nomatch plain window)
if [ -n "$peer" ]; then
	configs+=(obs)
	"$peer" weir-observations 4 "$out/obs.msgs" >"$out/peer.out" 2>"$out/peer.err" &
	peer_pid=$!
	for _ in $(seq 1 200); do
		grep -qs '^bootstrap ' "$out/peer.out" && break
		sleep 0.1
	done
	bootstrap=$(awk '/^bootstrap /{ print $2 }' "$out/peer.out")
fi

# args CONFIG: weir's arguments for it
args() {
	case $1 in
	nomatch) echo "-S $out/nomatch.rules" ;;
	plain) echo "-S $out/plain10.rules" ;;
	window) echo "-S $here/windows10.rules" ;;
	obs) echo "-S $here/windows10.rules --set windows.observations=kafka --set outputs.kafka.brokers=$bootstrap --set outputs.kafka.topic= --set outputs.sensitive-hmac-key-file=$out/hkey" ;;
	esac
}

# report LOG: the figures of one run
report() {
	local lat
	lat=$(grep -o 'latency (rx to sink.*' "$1" | sed 's/latency (rx to sink, //; s/)://' || true)
	printf "rx_pps %s elapsed_s %s alerts %s window_alerts %s window_observations %s drop_ring_full %s latency: %s\n" \
		"$(awk '/rx_pps:/{print $2; exit}' "$1")" "$(awk '/elapsed_s:/{print $2; exit}' "$1")" \
		"$(awk '$1 == "alerts:"{print $2; exit}' "$1")" \
		"$(awk '$1 == "window_alerts:"{print $2; exit}' "$1")" \
		"$(awk '$1 == "window_observations:"{print $2; exit}' "$1")" \
		"$(awk '$1 == "drop_ring_full:"{print $2; exit}' "$1")" "${lat:-none}"
}

# The machine may be shared: elapsed time then counts the time the worker
# waited for a CPU. With perf, each offline run is sampled (cpu-clock,
# PERF_HZ per second) and the worker thread's samples give its CPU time:
# packets per worker CPU second is the figure contention does not inflate.
hz=${PERF_HZ:-1999}
proft=""
if [ "${PERF:-1}" = 1 ] && command -v perf >/dev/null; then
	proft="perf record -q -F $hz -e cpu-clock -o PERFDATA --"
fi
# cpu LOG: " worker_cpu_s S pps_per_cpu P" from the run's perf data
cpu() {
	local n pk
	[ -s "$1.perf" ] || return 0
	n=$(perf report -i "$1.perf" --stdio --sort comm -F sample,comm -g none 2>/dev/null |
		awk '$2 == "rte-worker-1" { print $1 }')
	pk=$(awk '$1 == "rx_packets:" { print $2; exit }' "$1")
	awk -v n="${n:-0}" -v hz="$hz" -v p="${pk:-0}" \
		'BEGIN { s = n / hz; printf " worker_cpu_s %.3f pps_per_cpu %.0f", s, (s > 0 ? p / s : 0) }'
}
for r in $(seq 1 "$runs"); do
	for c in "${configs[@]}"; do
		log=$out/$c-$r.log
		prof=${proft//PERFDATA/$log.perf}
		# shellcheck disable=SC2046
		$prof taskset -c 0-1 "$weir" -r "$out/big.pcap" $(args "$c") -o /dev/null -w 1 \
			--set ctl.enabled=false --set windows.state-dir= --set windows.restore=false \
			>/dev/null 2>"$log" || echo "($c run $r: exit status $?)"
		echo "offline $c run $r: $(report "$log")$(cpu "$log")"
	done
done | tee "$out/offline.txt"

med=$($py - "$out/offline.txt" <<'PY'
import re, statistics, sys, collections
pps = collections.defaultdict(list)
cpu = collections.defaultdict(list)
for line in open(sys.argv[1]):
    m = re.match(r"offline (\w+) run \d+: rx_pps ([0-9.]+)", line)
    if m:
        pps[m.group(1)].append(float(m.group(2)))
    m = re.search(r"offline (\w+) run \d+: .* pps_per_cpu ([0-9.]+)", line)
    if m:
        cpu[m.group(1)].append(float(m.group(2)))
for name, d in (("rx_pps (wall clock)", pps), ("packets per worker CPU second", cpu)):
    med = {c: statistics.median(v) for c, v in d.items()}
    for c, v in med.items():
        print("median %s %s: %.0f (%s)" % (c, name, v, ", ".join("%.0f" % x for x in d[c])),
              file=sys.stderr)
    for a, b in (("window", "nomatch"), ("window", "plain"), ("obs", "window"),
                 ("obs", "nomatch")):
        if a in med and b in med and med[b] > 0:
            print("ratio %s / %s, %s: %.3f" % (a, b, name, med[a] / med[b]), file=sys.stderr)
print("%.0f" % statistics.median(pps["window"]))
PY
)
if [ "${PACED:-1}" = 0 ]; then
	echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); results in $out"
	exit 0
fi
rate=$(awk -v m="$med" -v f="$frac" 'BEGIN{printf "%d", m * f}')
echo "paced runs at $rate pps ($frac of the window configuration's median offline rx_pps)"
for c in plain window ${peer:+obs}; do
	for r in $(seq 1 "$runs"); do
		log=$out/paced-$c-$r.log
		rm -f "$out/feed.pcap"
		mkfifo "$out/feed.pcap"
		# shellcheck disable=SC2046
		taskset -c 0-1 "$weir" -r "$out/feed.pcap" $(args "$c") -o /dev/null -w 1 \
			--set ctl.enabled=false --set windows.state-dir= --set windows.restore=false \
			>/dev/null 2>"$log" &
		wpid=$!
		$py "$here/pace_pcap.py" "$out/big.pcap" "$rate" >"$out/feed.pcap" 2>"$out/pace-$c-$r.txt"
		wait "$wpid" || echo "($c paced run $r: exit status $?)"
		echo "paced $c run $r: $(report "$log") [$(cat "$out/pace-$c-$r.txt")]"
	done
done | tee "$out/paced.txt"
if [ -n "$peer" ]; then
	kill -TERM "$peer_pid"
	wait "$peer_pid" || true
	echo "observation records consumed from the cluster: $(wc -l <"$out/obs.msgs")"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); results in $out"
