# SPDX-License-Identifier: BSD-3-Clause
# Shell helpers shared by the perf/ scripts (sourced, not run).

# bench_worker_tid PID: print the thread id of weir's first worker
# (rte-worker-1) once it exists; empty after 10 s without it.
bench_worker_tid() {
	local pid=$1 st tid=
	for _ in $(seq 1 100); do # bounded: 10 s for the worker to start
		for st in /proc/"$pid"/task/*/stat; do
			if grep -q '(rte-worker-1)' "$st" 2>/dev/null; then
				tid=$(basename "$(dirname "$st")")
			fi
		done
		[ -n "$tid" ] && break
		sleep 0.1
	done
	echo "$tid"
}
