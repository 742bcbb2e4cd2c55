/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Emitter: drains the workers' event rings in batches, formats each event
 * once as EVE JSON and copies the batch into every sink's own bounded queue
 * (sink.h), which the sink's thread drains. Runs on the main lcore in this
 * version; nothing it does can stall a worker, since workers only ever see
 * a full ring, which they count, and nothing a sink does can stall it,
 * since it only ever sees a full sink queue, which that sink counts.
 */
#ifndef WEIR_EMITTER_H
#define WEIR_EMITTER_H

#include <stdint.h>

#include "event.h"
#include "rules.h"
#include "sink.h"
#include "stats.h"
#include "capture.h"
#include "latency.h"

#define WEIR_EMIT_BATCH 64 /* events per dequeue */
#define WEIR_MAX_SINKS 4
#define WEIR_EMIT_MAX_RINGS 64 /* one per worker; conf caps workers at 64 */

struct rte_ring;

struct weir_emitter {
	struct rte_ring **rings;
	unsigned int n_rings;
	struct weir_sink *sinks[WEIR_MAX_SINKS];
	unsigned int n_sinks;
	const struct weir_port *const *ports; /* by event.port, for in_iface */
	unsigned int n_ports;
	const char *host;     /* weir.host of every event (host-id), NULL = none */
	struct weir_emitter_stats st;
	/* Most events ever seen in each ring at a dequeue (read by the
	 * control side with relaxed loads). */
	uint64_t ring_hwm[WEIR_EMIT_MAX_RINGS];
	/* Events taken off each ring and formatted (release-stored): once it
	 * reaches what a worker had enqueued, none of those events is still
	 * to be formatted with the rule set they name. */
	uint64_t consumed[WEIR_EMIT_MAX_RINGS];
	struct weir_latency *lat; /* rx -> sink latency; NULL = not kept */
	/* scratch */
	char *text;           /* WEIR_EMIT_BATCH * text_slot bytes */
	size_t text_slot;
	struct weir_event ev[WEIR_EMIT_BATCH];
	struct weir_text json[WEIR_EMIT_BATCH];
};

/** @return 0 or -ENOMEM. Main thread. Events name their own rule set. */
int weir_emitter_init(struct weir_emitter *e);
void weir_emitter_fini(struct weir_emitter *e);

/**
 * Drain up to one batch from each ring, format and queue to every sink
 * (started with weir_sink_start; their threads write and flush).
 * @return events handled (0 = rings were empty).
 */
unsigned int weir_emitter_poll(struct weir_emitter *e);

/** Wake every sink's thread so that what is queued is written and flushed
 *  now; at exit, weir_sink_stop() then waits for it to be done. */
void weir_emitter_flush(struct weir_emitter *e);

#endif /* WEIR_EMITTER_H */
