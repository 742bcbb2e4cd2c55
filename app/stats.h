/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counters: kept per worker (single writer, plain uint64_t, one cache-aligned
 * block each) and summed on read by whoever looks (main's summary, the
 * control thread's views). The lists are the X-macros of common/counters.h,
 * so the struct fields here, the summary, the stats-socket JSON keys, DPDK
 * telemetry, Prometheus and weirctl all come from one place. Every loss
 * counter is named drop_*.
 *
 * Threads and ownership: a struct weir_worker_stats is written by its
 * worker only (weir_worker_stats_begin/end around each burst's updates);
 * any other thread reads it with weir_worker_stats_read() (or, once the
 * worker is done, plainly). struct weir_emitter_stats is written by the
 * emitter thread only and read by others with relaxed loads.
 *
 * Packet identity, per worker and in sum:
 *   rx_packets = scanned + not_scanned + fragments + malformed + drop_scan_error
 * Event identity:
 *   alerts + flow_records = events_enqueued + drop_ring_full
 *   events_enqueued = emitter events + still queued (0 at exit)
 * Flow identity (the worker's flow table, app/flow.h):
 *   flow_active = flow_created - flow_timeout - flow_evicted - flow_reused
 *                 - flow_shutdown
 */
#ifndef WEIR_STATS_H
#define WEIR_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "counters.h" /* WEIR_WORKER_COUNTERS, WEIR_EMITTER_COUNTERS */

#define WEIR_DECLARE_COUNTER(name, doc)	       uint64_t name;
#define WEIR_DECLARE_COUNTER3(name, kind, doc) uint64_t name;

/*
 * One worker's block. @c seq makes it a seqlock with a single writer: the
 * worker makes it odd, adds a burst's counters, makes it even again
 * (weir_worker_stats_begin/end), once per poll; a reader copies the block
 * between two equal even reads of @c seq (weir_worker_stats_read), so
 * every copy it gets satisfies both identities exactly.
 */
struct weir_worker_stats {
	uint64_t seq;
	WEIR_WORKER_COUNTERS(WEIR_DECLARE_COUNTER3)
} __attribute__((aligned(64)));

struct weir_emitter_stats {
	WEIR_EMITTER_COUNTERS(WEIR_DECLARE_COUNTER)
};

/**
 * Add @p src into @p dst, reading each counter once with a relaxed atomic
 * load: the writer is another lcore storing plain 64-bit values, which x86
 * and arm64 never tear. Any thread; @p dst is the caller's. The sum is
 * not one consistent copy while workers run (use weir_worker_stats_read
 * on each block first for that).
 */
void weir_worker_stats_add(struct weir_worker_stats *dst, const struct weir_worker_stats *src);

/*
 * Writer side of the seqlock (the owning worker only). Memory orders, after
 * Boehm, "Can seqlocks get along with programming language memory models?":
 * the relaxed store of the odd value is ordered before the counter stores
 * by the release fence; the counter stores are ordered before the even
 * value by its release store. They pair with the reader's acquire load of
 * seq (before the copy) and its acquire fence (after the copy). On x86
 * all of this compiles to plain moves: no atomic read-modify-write.
 */
static inline void
weir_worker_stats_begin(struct weir_worker_stats *s)
{
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void
weir_worker_stats_end(struct weir_worker_stats *s)
{
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
}

/**
 * Copy @p src into @p dst consistently (any thread). Retries while the
 * worker is inside a publish window; yields the CPU after a few spins
 * since a worker may share its CPU with the caller.
 * @return 0, or -EAGAIN when no consistent copy was seen within 200 ms
 * (@p dst then holds the last, possibly torn, copy).
 */
int weir_worker_stats_read(const struct weir_worker_stats *src, struct weir_worker_stats *dst);

/** rx_packets minus every outcome counter: 0 when the identity holds.
 *  Any thread, on a block it owns (a copy, or a finished worker's). */
int64_t weir_worker_stats_unaccounted(const struct weir_worker_stats *s);

#endif /* WEIR_STATS_H */
