/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Latency histogram: how long an event takes from the worker's rx burst to
 * the moment every sink's write returned. The emitter (one thread) records
 * into it once per event; the control thread reads it. Buckets are
 * log-linear in the manner of HdrHistogram: values below 2^(SUB_BITS+1)
 * have their own bucket, above that each power of two is split into
 * 2^SUB_BITS equal buckets, so a percentile is exact to within 1/16
 * (6.25 %) of the value, over the whole 64-bit range, in fixed memory and
 * with a count-leading-zeros and an increment per record.
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

#define WEIR_LAT_SUB_BITS 4
#define WEIR_LAT_SUB	  (1u << WEIR_LAT_SUB_BITS)
/* exact buckets below 2^SUB_BITS, then SUB per power of two up to 2^63 */
#define WEIR_LAT_BUCKETS  ((64 - WEIR_LAT_SUB_BITS + 1) * WEIR_LAT_SUB)
#define WEIR_LAT_WINDOW_S 10			  /* seconds in the recent window */
#define WEIR_LAT_SLOTS	  (WEIR_LAT_WINDOW_S + 1) /* + the one being rotated in */

struct weir_hist {
	uint64_t count;
	uint64_t max;
	uint64_t sum; /* wraps only after 2^64 cycles of total latency */
	uint64_t b[WEIR_LAT_BUCKETS];
};

struct weir_latency {
	uint64_t hz;	  /* units per second, for the window's clock */
	uint64_t cur_sec; /* second of the slot being written */
	struct weir_hist total;
	uint64_t slot_sec[WEIR_LAT_SLOTS]; /* which second a slot holds */
	struct weir_hist slot[WEIR_LAT_SLOTS];
};

/* WEIR_LAT_PERCENTILES, the percentiles every report carries: common/counters.h */

/** Bucket of a value. Thread: any; pure. */
static inline unsigned int
weir_hist_index(uint64_t v)
{
	unsigned int e;

	if (v < WEIR_LAT_SUB)
		return (unsigned int)v;
	e = 63u - (unsigned int)__builtin_clzll(v); /* >= SUB_BITS */
	return (e - WEIR_LAT_SUB_BITS + 1) * WEIR_LAT_SUB +
	       (unsigned int)((v >> (e - WEIR_LAT_SUB_BITS)) & (WEIR_LAT_SUB - 1));
}

/** Lowest and highest value that land in bucket @p i, into the caller's
 *  @p lo and @p hi. Thread: any; pure. */
void weir_hist_bounds(unsigned int i, uint64_t *lo, uint64_t *hi);

/** Record one value. Thread: the histogram's single writer (the emitter);
 *  relaxed stores, so readers on other threads see whole values. */
static inline void
weir_hist_record(struct weir_hist *h, uint64_t v)
{
	unsigned int i = weir_hist_index(v);

	__atomic_store_n(&h->b[i], h->b[i] + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&h->sum, h->sum + v, __ATOMIC_RELAXED);
	if (v > h->max)
		__atomic_store_n(&h->max, v, __ATOMIC_RELAXED);
	__atomic_store_n(&h->count, h->count + 1, __ATOMIC_RELAXED);
}

/** Add @p src into @p dst (the caller's; relaxed loads: @p src may be
 *  being written by the emitter, so count and buckets may disagree by the
 *  values recorded meanwhile). Thread: any. */
void weir_hist_merge(struct weir_hist *dst, const struct weir_hist *src);

/**
 * Value at percentile @p pct (0 < pct <= 100): the highest value of the
 * bucket holding that rank, capped at the histogram's max (HdrHistogram's
 * "highest equivalent value"). 0 when the histogram is empty. Thread:
 * any, on a histogram it owns (a copy from weir_latency_total/window).
 */
uint64_t weir_hist_percentile(const struct weir_hist *h, double pct);

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
