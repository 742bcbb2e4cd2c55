/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counter aggregation: the control side copies per-worker blocks through
 * their seqlock and sums the copies; workers never wait for a reader.
 */
#include <errno.h>
#include <sched.h>
#include <stddef.h>
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
	for (unsigned int p = 0; p < WEIR_MAX_PORTS; p++) {
		dst->port_rx_packets[p] +=
			__atomic_load_n(&src->port_rx_packets[p], __ATOMIC_RELAXED);
		dst->port_rx_bytes[p] += __atomic_load_n(&src->port_rx_bytes[p], __ATOMIC_RELAXED);
	}
}

/*
 * Seqlock reader over a block of 64-bit words whose first word is seq
 * (struct weir_worker_stats, struct weir_dispatch_stats: nothing else).
 * Retries while the writer is inside a window; yields after a few spins.
 */
static int
stats_seq_read(const uint64_t *src, uint64_t *dst, size_t n_words)
{
	struct timespec t0, t;
	unsigned int i;
	size_t k;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0;; i++) {
		/* acquire: pairs with the writer's release store of the even
		 * seq, so the counters of every finished window are visible */
		uint64_t s1 = __atomic_load_n(&src[0], __ATOMIC_ACQUIRE), s2;

		if ((s1 & 1) == 0) {
			for (k = 1; k < n_words; k++)
				dst[k] = __atomic_load_n(&src[k], __ATOMIC_RELAXED);
			/* acquire fence: the copy above happens before the
			 * re-read of seq; pairs with the writer's release
			 * fence after its odd store */
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			s2 = __atomic_load_n(&src[0], __ATOMIC_RELAXED);
			if (s1 == s2) {
				dst[0] = s1;
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

/* Both blocks are seq followed by 64-bit counters only (and padding). */
_Static_assert(offsetof(struct weir_worker_stats, seq) == 0 &&
		       sizeof(struct weir_worker_stats) % sizeof(uint64_t) == 0,
	       "weir_worker_stats: seq first, 64-bit words only");
_Static_assert(offsetof(struct weir_dispatch_stats, seq) == 0 &&
		       sizeof(struct weir_dispatch_stats) % sizeof(uint64_t) == 0,
	       "weir_dispatch_stats: seq first, 64-bit words only");

int
weir_worker_stats_read(const struct weir_worker_stats *src, struct weir_worker_stats *dst)
{
	return stats_seq_read((const uint64_t *)src, (uint64_t *)dst,
			      sizeof(*src) / sizeof(uint64_t));
}

int
weir_dispatch_stats_read(const struct weir_dispatch_stats *src, struct weir_dispatch_stats *dst)
{
	return stats_seq_read((const uint64_t *)src, (uint64_t *)dst,
			      sizeof(*src) / sizeof(uint64_t));
}

int64_t
weir_worker_stats_unaccounted(const struct weir_worker_stats *s)
{
	return (int64_t)(s->rx_packets + s->reassembled + s->decapsulated - s->scanned -
			 s->not_scanned - s->fragments - s->malformed - s->drop_scan_error);
}
