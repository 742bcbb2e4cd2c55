/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counter aggregation: the control side copies per-worker blocks through
 * their seqlock and sums the copies; workers never wait for a reader.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include "stats.h"

#define STATS_READ_SPINS       16 /* attempts before yielding the CPU */
#define STATS_READ_CLOCK_EVERY 64 /* attempts between clock reads */
#define STATS_READ_BUDGET_NS                                                                       \
	200000000ull /* 200 ms: a worker preempted                                                 \
		      * inside its window (CPUs shared                                             \
		      * by lcores) resumes well before */

void
weir_worker_stats_add(struct weir_worker_stats *dst, const struct weir_worker_stats *src)
{
#define WEIR_ADD_COUNTER(name, kind, doc)                                                          \
	dst->name += __atomic_load_n(&src->name, __ATOMIC_RELAXED);
	WEIR_WORKER_COUNTERS(WEIR_ADD_COUNTER)
#undef WEIR_ADD_COUNTER
}

int
weir_worker_stats_read(const struct weir_worker_stats *src, struct weir_worker_stats *dst)
{
	struct timespec t0, t;
	unsigned int i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0;; i++) {
		/* acquire: pairs with the writer's release store of the even
		 * seq, so the counters of every finished window are visible */
		uint64_t s1 = __atomic_load_n(&src->seq, __ATOMIC_ACQUIRE), s2;

		if ((s1 & 1) == 0) {
#define WEIR_COPY_COUNTER(name, kind, doc)                                                         \
	dst->name = __atomic_load_n(&src->name, __ATOMIC_RELAXED);
			WEIR_WORKER_COUNTERS(WEIR_COPY_COUNTER)
#undef WEIR_COPY_COUNTER
			/* acquire fence: the copy above happens before the
			 * re-read of seq; pairs with the writer's release
			 * fence after its odd store */
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			s2 = __atomic_load_n(&src->seq, __ATOMIC_RELAXED);
			if (s1 == s2) {
				dst->seq = s1;
				return 0;
			}
		}
		if (i >= STATS_READ_SPINS)
			sched_yield();
		if (i % STATS_READ_CLOCK_EVERY == STATS_READ_CLOCK_EVERY - 1) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if ((uint64_t)(t.tv_sec - t0.tv_sec) * 1000000000ull + (uint64_t)t.tv_nsec -
				    (uint64_t)t0.tv_nsec >
			    STATS_READ_BUDGET_NS)
				return -EAGAIN;
		}
	}
}

int64_t
weir_worker_stats_unaccounted(const struct weir_worker_stats *s)
{
	return (int64_t)(s->rx_packets - s->scanned - s->not_scanned - s->fragments - s->malformed -
			 s->drop_scan_error);
}
