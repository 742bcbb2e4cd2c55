# SPDX-License-Identifier: BSD-3-Clause
# Shell helpers shared by the perf/ scripts (sourced, not run).

# bench_wait_worker PID WHAT: set BENCH_TID to the thread id of weir's
# first worker (rte-worker-1) once it exists; after 10 s without it,
# stop weir, say so (WHAT: which run) and exit 1.
bench_wait_worker() {
	local pid=$1 what=$2 st
	BENCH_TID=
	for _ in $(seq 1 100); do # bounded: 10 s for the worker to start
		for st in /proc/"$pid"/task/*/stat; do
			if grep -q '(rte-worker-1)' "$st" 2>/dev/null; then
				BENCH_TID=$(basename "$(dirname "$st")")
			fi
		done
		[ -n "$BENCH_TID" ] && return 0
		sleep 0.1
	done
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" || true
	echo "$what: no worker thread" >&2
	exit 1
}

# bench_loop_ticks WEIR RULES CAP LOG PREFIX SECS WHAT [EAL memory args...]:
# run WEIR live on CAP looped by net_pcap (infinite_rx), one worker on
# lcore 1, the emitter on lcore 0, jsonl to /dev/null, its summary in LOG;
# for SECS seconds once the worker runs, then stop it (SIGINT) and wait.
# Sets BENCH_TICKS to the worker thread's CPU ticks (user + system, from
# /proc: time it waited for a CPU does not count). WHAT names the run in
# errors. The environment is the caller's (bench switches).
bench_loop_ticks() {
	local weir=$1 rules=$2 cap=$3 log=$4 prefix=$5 secs=$6 what=$7 pid
	shift 7
	taskset -c 0-1 "$weir" -S "$rules" -o /dev/null -i net_pcap0 -w 1 \
		--set capture.mempool-size=32767 --set ctl.enabled=false -- "$@" --no-shconf \
		-l 0-1 --file-prefix "$prefix" --vdev "net_pcap0,rx_pcap=$cap,infinite_rx=1" \
		>/dev/null 2>"$log" &
	pid=$!
	bench_wait_worker "$pid" "$what (see $log)"
	sleep "$secs" # the measured span: the run itself
	BENCH_TICKS=$(sed 's/.*) //' "/proc/$pid/task/$BENCH_TID/stat" | awk '{ print $12 + $13 }')
	kill -INT "$pid"
	wait "$pid" || true
}

# bench_median LABEL: the median and range of the ratios on stdin (one a
# line), printed as "LABEL: median M (range LO-HI, N pairs)".
bench_median() {
	sort -n | awk -v label="$1" '
		{ v[NR] = $1 }
		END {
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%s: median %.3f (range %.3f-%.3f, %d pairs)\n", label, m, v[1], v[NR], NR
		}'
}
