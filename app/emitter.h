/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Emitter: drains the workers' event rings in batches, formats each event
 * once as EVE JSON and hands the batch to every sink. Runs on the main
 * lcore in this version; nothing it does can stall a worker, since workers
 * only ever see a full ring, which they count.
 */
#ifndef WEIR_EMITTER_H
#define WEIR_EMITTER_H

#include <stdint.h>

#include "event.h"
#include "rules.h"
#include "sink.h"
#include "stats.h"
#include "capture.h"

#define WEIR_EMIT_BATCH 64 /* events per dequeue */
#define WEIR_MAX_SINKS 4

struct rte_ring;

struct weir_emitter {
	struct rte_ring **rings;
	unsigned int n_rings;
	struct weir_sink *sinks[WEIR_MAX_SINKS];
	unsigned int n_sinks;
	const struct weir_ruleset *rs;
	const struct weir_port *const *ports; /* by event.port, for in_iface */
	unsigned int n_ports;
	struct weir_emitter_stats st;
	/* scratch */
	char *text;           /* WEIR_EMIT_BATCH * text_slot bytes */
	size_t text_slot;
	struct weir_event ev[WEIR_EMIT_BATCH];
	struct weir_text json[WEIR_EMIT_BATCH];
};

/** @return 0 or -ENOMEM. Main thread. */
int weir_emitter_init(struct weir_emitter *e, const struct weir_ruleset *rs);
void weir_emitter_fini(struct weir_emitter *e);

/**
 * Drain up to one batch from each ring, format and write. Flushes sinks
 * when anything was written. @return events handled (0 = rings were empty).
 */
unsigned int weir_emitter_poll(struct weir_emitter *e);

/** Flush every sink (at exit, after the rings are empty). */
void weir_emitter_flush(struct weir_emitter *e);

#endif /* WEIR_EMITTER_H */
