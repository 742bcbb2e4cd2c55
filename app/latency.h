/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Latency histogram: how long an event takes from the worker's rx burst to
 * the moment every sink's queue took it. The emitter (one thread) records
 * into it once per event; the control thread reads it. The histogram
 * itself (buckets, percentiles) is common/hist.h.
 *
 * Values are in whatever unit the caller records (the emitter uses TSC
 * cycles; the control side converts with the TSC frequency). Besides the
 * total since start, the last WEIR_LAT_WINDOW_S seconds are kept as a ring
 * of one histogram per second, rotated by the writer when the second
 * changes.
 */
#ifndef WEIR_LATENCY_H
#define WEIR_LATENCY_H

#include <stdint.h>

#include "counters.h"

#include "hist.h"

#define WEIR_LAT_WINDOW_S 10			  /* seconds in the recent window */
#define WEIR_LAT_SLOTS	  (WEIR_LAT_WINDOW_S + 1) /* + the one being rotated in */

/* Where an event's time to the sinks' queues went, since start (the
 * emitter records each event whose worker stamped ev->pub_tsc). The
 * sinks' own part, to their writes' return, is each sink's s->lat. */
struct weir_lat_stages {
	struct weir_hist worker;  /* rx burst -> published on the worker's ring
				   * (decode, flow, scan, confirm, event) */
	struct weir_hist ring;	  /* published -> the emitter dequeued it */
	struct weir_hist emitter; /* dequeued -> every sink's queue took it
				   * (EVE formatting, copies into the queues) */
};

struct weir_latency {
	uint64_t hz;	  /* units per second, for the window's clock */
	uint64_t cur_sec; /* second of the slot being written */
	struct weir_hist total;
	struct weir_lat_stages stages;
	uint64_t slot_sec[WEIR_LAT_SLOTS]; /* which second a slot holds */
	struct weir_hist slot[WEIR_LAT_SLOTS];
};

/** Zero @p l; @p hz is the unit's rate (TSC Hz, not 0), used for the
 *  window. Thread: main, before the writer (the emitter) starts; main owns
 *  @p l and frees it after every reader (summary, control views) is done. */
void weir_latency_init(struct weir_latency *l, uint64_t hz);

/**
 * Move the window to the second of @p now (same unit as the values):
 * when the second changed, the oldest slot is cleared and reused. Thread:
 * the writer (the emitter) only, once per batch before
 * weir_latency_record().
 */
void weir_latency_tick(struct weir_latency *l, uint64_t now);

/** Record one value into the total and the current second. Thread: the
 *  writer (the emitter) only. */
static inline void
weir_latency_record(struct weir_latency *l, uint64_t v)
{
	weir_hist_record(&l->total, v);
	weir_hist_record(&l->slot[l->cur_sec % WEIR_LAT_SLOTS], v);
}

/** Record one event's stages: received at @p rx, published at @p pub,
 *  dequeued at @p deq, queued to every sink at @p now (same unit). A
 *  stamp earlier than the one before it (clocks of two cores a few
 *  cycles apart) counts as equal to it, so the three stages add up to
 *  now - rx; an event its worker did not stamp (pub 0) is left out.
 *  Thread: the writer (the emitter) only. */
static inline void
weir_latency_record_stages(struct weir_latency *l, uint64_t rx, uint64_t pub, uint64_t deq,
			   uint64_t now)
{
	if (pub == 0)
		return;
	pub = pub > rx ? pub : rx;
	deq = deq > pub ? deq : pub;
	now = now > deq ? now : deq;
	weir_hist_record(&l->stages.worker, pub - rx);
	weir_hist_record(&l->stages.ring, deq - pub);
	weir_hist_record(&l->stages.emitter, now - deq);
}

/**
 * Merge into @p out (zeroed here) the slots of the last WEIR_LAT_WINDOW_S
 * seconds before @p now, the current one included. Thread: any (the
 * control views): a slot that the writer recycles while it is being read
 * is left out.
 */
void weir_latency_window(const struct weir_latency *l, uint64_t now, struct weir_hist *out);

/** Copy the total since start into @p out (the caller's). Thread: any;
 *  as weir_hist_merge(), not one snapshot while the emitter records. */
void weir_latency_total(const struct weir_latency *l, struct weir_hist *out);

#endif /* WEIR_LATENCY_H */
