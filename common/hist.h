/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Histogram of latencies (or any non-negative count): buckets are
 * log-linear in the manner of HdrHistogram: values below 2^(SUB_BITS+1)
 * have their own bucket, above that each power of two is split into
 * 2^SUB_BITS equal buckets, so a percentile is exact to within 1/16
 * (6.25 %) of the value, over the whole 64-bit range, in fixed memory and
 * with a count-leading-zeros and an increment per record. One writer
 * thread per histogram, readers on any thread (relaxed atomics). Here in
 * common/ because every layer records into one: the emitter (app/latency.h
 * keeps a windowed pair of them) and each sink's thread (drivers/sink.c).
 */
#ifndef WEIR_HIST_H
#define WEIR_HIST_H

#include <stdint.h>

#define WEIR_LAT_SUB_BITS 4
#define WEIR_LAT_SUB	  (1u << WEIR_LAT_SUB_BITS)
/* exact buckets below 2^SUB_BITS, then SUB per power of two up to 2^63 */
#define WEIR_LAT_BUCKETS ((64 - WEIR_LAT_SUB_BITS + 1) * WEIR_LAT_SUB)

struct weir_hist {
	uint64_t count;
	uint64_t max;
	uint64_t sum; /* wraps only after 2^64 cycles of total latency */
	uint64_t b[WEIR_LAT_BUCKETS];
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

/** Record one value. Thread: the histogram's single writer;
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
 *  being written by its writer, so count and buckets may disagree by the
 *  values recorded meanwhile). Thread: any. */
void weir_hist_merge(struct weir_hist *dst, const struct weir_hist *src);

/**
 * Value at percentile @p pct (0 < pct <= 100): the highest value of the
 * bucket holding that rank, capped at the histogram's max (HdrHistogram's
 * "highest equivalent value"). 0 when the histogram is empty. Thread:
 * any, on a histogram it owns (a copy from weir_latency_total/window).
 */
uint64_t weir_hist_percentile(const struct weir_hist *h, double pct);

#endif /* WEIR_HIST_H */
