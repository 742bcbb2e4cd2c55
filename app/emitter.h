/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Emitter: drains the workers' event rings in batches, formats each event
 * once as EVE JSON (an alert with its rule's text, a flow record with no
 * rule at all: weir_event_format_flow_json) and copies the batch (with each event's frame from its
 * worker's frame ring, for a pcap sink) into every sink's own bounded queue
 * (sink.h), which the sink's thread drains. Window observation records
 * (WEIR_EV_OBS, windows.observations) go only to the sinks opened for them
 * (weir_sink.observations), everything else only to the others. Runs on the main lcore in this
 * version; nothing it does can stall a worker, since workers only ever see
 * a full ring, which they count, and nothing a sink does can stall it,
 * since it only ever sees a full sink queue, which that sink counts.
 */
#ifndef WEIR_EMITTER_H
#define WEIR_EMITTER_H

#include <stdatomic.h>
#include <stdint.h>

#include "event.h"
#include "rules.h"
#include "sink.h"
#include "stats.h"
#include "capture.h"
#include "latency.h"

#define WEIR_EMIT_BATCH	    64 /* events per dequeue */
#define WEIR_MAX_SINKS	    6  /* the five types, and kafka for observations */
#define WEIR_EMIT_MAX_RINGS 64 /* one per worker; conf caps workers at 64 */

struct rte_ring;

/*
 * The rule text of one rule-set generation: what the formatter needs
 * beyond the event itself (msg and classtype text), by rule index. Events
 * name their rule by (generation, rule_index), never by a pointer into the
 * rule set, so the rule set itself can be freed as soon as the workers are
 * done with it; only this table has to outlive the events.
 *
 * Lifecycle, one table per generation, in a list oldest first:
 *   weir_rule_text_new() (reload thread, from the set about to be
 *   published) -> weir_emitter_add_rules() (before the set is published:
 *   the emitter owns it from then on) -> the set is replaced, the workers
 *   passed a quiescent state -> weir_emitter_retire_rules() with the
 *   number of events each worker had enqueued by then -> the emitter frees
 *   it in weir_emitter_poll() once it took that many off every ring.
 * Neither side waits for the other.
 */
struct weir_rule_text {
	uint32_t generation; /* low 32 bits of weir_ruleset.generation */
	unsigned int n_rules;
	struct {
		const char *signature; /* as weir_rt_rule.signature */
		const char *category;
		const char *metadata;	/* weir_rt_rule.metadata_json, NULL = none */
		const char *references; /* weir_rt_rule.references_json, NULL = none */
	} * rules;			/* n_rules, in the same allocation */
	/* The next generation's table: release-stored by the adding thread,
	 * acquire-loaded by the emitter (pairs). */
	struct weir_rule_text *_Atomic next;
	/* Retirement: want[] and n_want are written before retired is
	 * release-stored, and read after it is acquire-loaded (pairs). */
	atomic_bool retired;
	unsigned int n_want;
	uint64_t want[WEIR_EMIT_MAX_RINGS]; /* events enqueued on ring i */
};

struct weir_emitter {
	struct rte_ring **rings;
	unsigned int n_rings;
	/* Frame ring of ring i's worker (the same index), NULL without a
	 * pcap sink; set by main with the rings. */
	struct weir_frame_ring *frames[WEIR_EMIT_MAX_RINGS];
	struct weir_sink *sinks[WEIR_MAX_SINKS];
	unsigned int n_sinks;
	const struct weir_port *const *ports; /* by event.port, for in_iface */
	unsigned int n_ports;
	/* How every event is formatted: host (host-id, NULL = none),
	 * community_id (outputs.community-id, -seed), the weir object
	 * (outputs.weir-fields), alert.metadata and alert.references
	 * (outputs.rule-metadata, -references); set by main before the first
	 * poll. */
	struct weir_event_fmt fmt;
	/* Sinks that apply backpressure stop waiting once this is true
	 * (SIGINT/SIGTERM); NULL = never. Set by main before the sinks open. */
	const atomic_bool *cancel;
	struct weir_emitter_stats st;
	/* Most events ever seen in each ring at a dequeue (read by the
	 * control side with relaxed loads). */
	uint64_t ring_hwm[WEIR_EMIT_MAX_RINGS];
	/* Events taken off each ring; compared with a retired rule text's
	 * want[] (emitter thread only). */
	uint64_t consumed[WEIR_EMIT_MAX_RINGS];
	struct weir_latency *lat; /* rx -> sink latency; NULL = not kept */
	uint64_t deq_tsc;	  /* when the batch in ev[] was dequeued (lat) */
	/* Rule text: the first table ever added (release-stored once by the
	 * adding thread, pairs with the emitter's acquire load), the oldest
	 * one still held and the last one looked up (emitter thread), and
	 * the newest (adding thread only). */
	struct weir_rule_text *_Atomic text_first;
	struct weir_rule_text *text_head;
	const struct weir_rule_text *text_hit;
	struct weir_rule_text *text_tail;
	/* scratch */
	char *text; /* WEIR_EMIT_BATCH * text_slot bytes */
	size_t text_slot;
	struct weir_event ev[WEIR_EMIT_BATCH];
	struct weir_text json[WEIR_EMIT_BATCH];
	struct weir_frame frame[WEIR_EMIT_BATCH];
	/* the batch's observation records (WEIR_EV_OBS), set aside for the
	 * sinks with s->observations; the other sinks never see them */
	struct weir_event obs_ev[WEIR_EMIT_BATCH];
	struct weir_text obs_json[WEIR_EMIT_BATCH];
	unsigned int n_obs;
};

/**
 * Prepare @p e with no rings, sinks or rule text yet (main fills the
 * first two; the reloader hands over rule text). Main thread.
 * @return 0 or -ENOMEM.
 */
int weir_emitter_init(struct weir_emitter *e);

/** Free the scratch and every rule text still held. Main thread, once the
 *  emitter stopped polling and nothing adds rule text any more. */
void weir_emitter_fini(struct weir_emitter *e);

/**
 * Drain up to one batch from each ring, format and queue to every sink
 * (started with weir_sink_start; their threads write and flush), then
 * release the batch's frame records and free the rule text that is
 * retired and no longer named by any event still queued.
 * Emitter thread only.
 * @return events handled (0 = rings were empty).
 */
unsigned int weir_emitter_poll(struct weir_emitter *e);

/** Wake every sink's thread so that what is queued is written and flushed
 *  now; at exit, weir_sink_stop() then waits for it to be done. Emitter
 *  thread. */
void weir_emitter_flush(struct weir_emitter *e);

/**
 * Copy the rule text of @p rs (its generation, each rule's signature and
 * category) into one new table. Any thread; @p rs is only read.
 * @return the table (the caller's until handed to
 *         weir_emitter_add_rules(); free() otherwise), or NULL with errno
 *         ENOMEM.
 */
struct weir_rule_text *weir_rule_text_new(const struct weir_ruleset *rs);

/**
 * Hand @p t over to the emitter, which owns it from now on. Call it before
 * publishing the rule set @p t was made from: an event of that generation
 * may reach the emitter as soon as a worker sees the set.
 * Thread: one adding thread at a time (the reloader's); never blocks.
 */
void weir_emitter_add_rules(struct weir_emitter *e, struct weir_rule_text *t);

/**
 * Retire @p t, an older table than the newest one added: no worker will
 * create another event of its generation, and @p enqueued[i] (@p n of
 * them) is how many events worker i had enqueued by then. The emitter
 * frees @p t once it took that many off each ring. The caller must not
 * touch @p t afterwards. Thread: the adding thread; never blocks.
 */
void weir_emitter_retire_rules(struct weir_emitter *e, struct weir_rule_text *t,
			       const uint64_t *enqueued, unsigned int n);

#endif /* WEIR_EMITTER_H */
