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
 * Packet identity, per worker and in sum (a datagram rebuilt from
 * fragments is one more packet, its fragments each counted as fragments;
 * the packet inside a tunnel is one more besides the tunnel's):
 *   rx_packets + reassembled + decapsulated = scanned + not_scanned
 *                              + fragments + malformed + drop_scan_error
 * Fragment identity, with IP reassembly on (app/defrag.h), once the
 * workers stopped (defrag_held is 0 then):
 *   fragments = defrag_used + defrag_timeout + defrag_nomem + defrag_invalid
 *               + defrag_held
 * Per port p (its driver's count, read once the workers stopped):
 *   run mode workers:  port rx_packets = sum of workers' port_rx_packets[p]
 *   pipeline:          port rx_packets = rx stage's port_rx_packets[p]
 *                      rx stage rx_packets = dispatched + drop_dispatch_full
 *                      dispatched = sum of workers' rx_packets (+ in rings)
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

#include "capture.h"  /* WEIR_MAX_PORTS */
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
	/* rx_packets and rx_bytes by the port they came from (index:
	 * weir_port.id): a worker polls queue i of every port (run mode
	 * workers), or gets packets of every port from the rx stage
	 * (pipeline), so a port's packets are a column summed over workers. */
	uint64_t port_rx_packets[WEIR_MAX_PORTS];
	uint64_t port_rx_bytes[WEIR_MAX_PORTS];
} __attribute__((aligned(64)));

/*
 * The rx stage's block (pipeline run mode, app/dispatch.h): the same
 * single-writer seqlock as a worker's (writer: the rx lcore, with
 * weir_dispatch_stats_begin/end; readers: weir_dispatch_stats_read), so
 * every copy satisfies rx_packets = dispatched + drop_dispatch_full.
 */
struct weir_dispatch_stats {
	uint64_t seq;
	WEIR_DISPATCH_COUNTERS(WEIR_DECLARE_COUNTER3)
	uint64_t port_rx_packets[WEIR_MAX_PORTS]; /* rx_packets by port */
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

/* The rx stage's writer side: the same orders as the worker's. */
static inline void
weir_dispatch_stats_begin(struct weir_dispatch_stats *s)
{
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void
weir_dispatch_stats_end(struct weir_dispatch_stats *s)
{
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
}

/**
 * Copy the rx stage's block consistently (any thread), as
 * weir_worker_stats_read(). @return 0 or -EAGAIN.
 */
int weir_dispatch_stats_read(const struct weir_dispatch_stats *src,
			     struct weir_dispatch_stats *dst);

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
