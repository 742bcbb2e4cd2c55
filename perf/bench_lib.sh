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
