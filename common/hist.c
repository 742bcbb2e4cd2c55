/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Histogram bucket arithmetic, merging and percentiles (hist.h). Recording
 * is inline in hist.h; everything here runs on a reader's thread.
 */
#include "hist.h"

void
weir_hist_bounds(unsigned int i, uint64_t *lo, uint64_t *hi)
{
	unsigned int k = i / WEIR_LAT_SUB, sub = i % WEIR_LAT_SUB;
	uint64_t width;

	if (k == 0) {
		*lo = *hi = i;
		return;
	}
	/* bucket k >= 1 covers [(SUB + sub) << (k - 1), + 2^(k - 1)) */
	width = 1ull << (k - 1);
	*lo = ((uint64_t)WEIR_LAT_SUB + sub) << (k - 1);
	*hi = *lo + (width - 1);
}

void
weir_hist_merge(struct weir_hist *dst, const struct weir_hist *src)
{
	uint64_t m = __atomic_load_n(&src->max, __ATOMIC_RELAXED);
	unsigned int i;

	dst->count += __atomic_load_n(&src->count, __ATOMIC_RELAXED);
	dst->sum += __atomic_load_n(&src->sum, __ATOMIC_RELAXED);
	if (m > dst->max)
		dst->max = m;
	for (i = 0; i < WEIR_LAT_BUCKETS; i++)
		dst->b[i] += __atomic_load_n(&src->b[i], __ATOMIC_RELAXED);
}

uint64_t
weir_hist_percentile(const struct weir_hist *h, double pct)
{
	uint64_t total = 0, rank, seen = 0, lo, hi;
	unsigned int i;

	/* Sum the buckets rather than trust count: a reader racing the
	 * writer may see one without the other. */
	for (i = 0; i < WEIR_LAT_BUCKETS; i++)
		total += h->b[i];
	if (total == 0)
		return 0;
	if (pct <= 0.0)
		pct = 0.0;
	if (pct > 100.0)
		pct = 100.0;
	/* rank = ceil(pct% of total), at least 1 */
	rank = (uint64_t)((pct / 100.0) * (double)total);
	if ((double)rank < (pct / 100.0) * (double)total)
		rank++;
	if (rank == 0)
		rank = 1;
	for (i = 0; i < WEIR_LAT_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank)
			break;
	}
	if (i == WEIR_LAT_BUCKETS)
		i = WEIR_LAT_BUCKETS - 1;
	weir_hist_bounds(i, &lo, &hi);
	return hi < h->max ? hi : h->max;
}
