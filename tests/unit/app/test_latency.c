/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of app/latency.c: bucket bounds cover the 64-bit range with
 * no gap or overlap, percentiles of known distributions land within the
 * histogram's 1/16 precision, and the 10-second window forgets what is
 * older while the total keeps everything.
 */
#include <stdlib.h>
#include <string.h>

#include "latency.h"
#include "weir_cunit.h"

#define REL_ERR (1.0 / WEIR_LAT_SUB) /* 6.25 % */

static int
near(uint64_t got, uint64_t want)
{
	double d = (double)got - (double)want;

	if (d < 0)
		d = -d;
	return d <= (double)want * REL_ERR + 1.0;
}

static void
test_bucket_bounds_are_contiguous(void)
{
	uint64_t lo, hi, prev_hi = 0;
	unsigned int i;

	weir_hist_bounds(0, &lo, &hi);
	CU_ASSERT(lo == 0 && hi == 0);
	for (i = 1; i < WEIR_LAT_BUCKETS; i++) {
		weir_hist_bounds(i, &lo, &hi);
		CU_ASSERT_EQUAL(lo, prev_hi + 1);
		CU_ASSERT(hi >= lo);
		/* width never more than 1/16 of the bucket's low end */
		CU_ASSERT(hi - lo <= lo / WEIR_LAT_SUB);
		prev_hi = hi;
	}
	CU_ASSERT_EQUAL(prev_hi, UINT64_MAX);
}

static void
test_index_matches_bounds(void)
{
	static const uint64_t v[] = {0,
				     1,
				     15,
				     16,
				     17,
				     31,
				     32,
				     33,
				     63,
				     64,
				     100,
				     1000,
				     4095,
				     4096,
				     123456789,
				     1ull << 40,
				     (1ull << 63) - 1,
				     1ull << 63,
				     UINT64_MAX};
	unsigned int k;
	uint64_t x;

	for (k = 0; k < sizeof(v) / sizeof(v[0]); k++) {
		uint64_t lo, hi;
		unsigned int i = weir_hist_index(v[k]);

		CU_ASSERT_FATAL(i < WEIR_LAT_BUCKETS);
		weir_hist_bounds(i, &lo, &hi);
		CU_ASSERT(lo <= v[k] && v[k] <= hi);
	}
	/* and exhaustively over a small range, plus a pseudo-random walk */
	for (x = 0; x < 100000; x++) {
		uint64_t lo, hi;

		weir_hist_bounds(weir_hist_index(x), &lo, &hi);
		CU_ASSERT_FATAL(lo <= x && x <= hi);
	}
	for (x = 1, k = 0; k < 100000; k++) {
		uint64_t lo, hi;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		weir_hist_bounds(weir_hist_index(x >> (k % 64)), &lo, &hi);
		CU_ASSERT_FATAL(lo <= (x >> (k % 64)) && (x >> (k % 64)) <= hi);
	}
}

static void
test_percentiles_uniform(void)
{
	struct weir_hist *h = calloc(1, sizeof(*h));
	uint64_t v;

	CU_ASSERT_FATAL(h != NULL);
	CU_ASSERT_EQUAL(weir_hist_percentile(h, 50), 0); /* empty */
	for (v = 1; v <= 100000; v++)
		weir_hist_record(h, v);
	CU_ASSERT_EQUAL(h->count, 100000);
	CU_ASSERT_EQUAL(h->max, 100000);
	CU_ASSERT(near(weir_hist_percentile(h, 50), 50000));
	CU_ASSERT(near(weir_hist_percentile(h, 90), 90000));
	CU_ASSERT(near(weir_hist_percentile(h, 99), 99000));
	CU_ASSERT(near(weir_hist_percentile(h, 99.9), 99900));
	CU_ASSERT_EQUAL(weir_hist_percentile(h, 100), 100000); /* capped at max */
	/* never below the true value: HdrHistogram's highest equivalent */
	CU_ASSERT(weir_hist_percentile(h, 50) >= 50000);
	free(h);
}

static void
test_percentiles_constant_and_bimodal(void)
{
	struct weir_hist *h = calloc(1, sizeof(*h));
	unsigned int i;

	CU_ASSERT_FATAL(h != NULL);
	for (i = 0; i < 1000; i++)
		weir_hist_record(h, 1234);
	CU_ASSERT_EQUAL(weir_hist_percentile(h, 50), 1234);
	CU_ASSERT_EQUAL(weir_hist_percentile(h, 99.9), 1234);
	memset(h, 0, sizeof(*h));
	/* 90 % fast (20), 9 % slow (5000), 1 % very slow (1e6) */
	for (i = 0; i < 900; i++)
		weir_hist_record(h, 20);
	for (i = 0; i < 90; i++)
		weir_hist_record(h, 5000);
	for (i = 0; i < 10; i++)
		weir_hist_record(h, 1000000);
	CU_ASSERT_EQUAL(weir_hist_percentile(h, 50), 20); /* exact below 32 */
	CU_ASSERT_EQUAL(weir_hist_percentile(h, 90), 20);
	CU_ASSERT(near(weir_hist_percentile(h, 90.1), 5000));
	CU_ASSERT(near(weir_hist_percentile(h, 99), 5000));
	CU_ASSERT_EQUAL(weir_hist_percentile(h, 99.9), 1000000);
	CU_ASSERT_EQUAL(h->sum, 900ull * 20 + 90ull * 5000 + 10ull * 1000000);
	free(h);
}

static void
test_window_rotation(void)
{
	struct weir_latency *l = malloc(sizeof(*l));
	struct weir_hist *w = malloc(sizeof(*w)), *t = malloc(sizeof(*t));
	const uint64_t hz = 1000; /* 1000 units per second */
	uint64_t sec;

	CU_ASSERT_FATAL(l != NULL && w != NULL && t != NULL);
	weir_latency_init(l, hz);
	/* seconds 100..129: second s records s values of s */
	for (sec = 100; sec < 130; sec++) {
		uint64_t k;

		weir_latency_tick(l, sec * hz + 500);
		for (k = 0; k < sec; k++)
			weir_latency_record(l, sec);
	}
	weir_latency_total(l, t);
	CU_ASSERT_EQUAL(t->count, (100 + 129) * 30 / 2);
	CU_ASSERT_EQUAL(t->max, 129);
	/* window at second 129: seconds 120..129 only */
	weir_latency_window(l, 129 * hz + 900, w);
	CU_ASSERT_EQUAL(w->count, (120 + 129) * 10 / 2);
	CU_ASSERT_EQUAL(w->max, 129);
	CU_ASSERT(near(weir_hist_percentile(w, 0.01), 120));
	/* five idle seconds later only 125..129 remain */
	weir_latency_window(l, 134 * hz, w);
	CU_ASSERT_EQUAL(w->count, (125 + 129) * 5 / 2);
	/* a tick after a long pause reuses a slot: the old one is gone */
	weir_latency_tick(l, 200 * hz);
	weir_latency_record(l, 7);
	weir_latency_window(l, 200 * hz, w);
	CU_ASSERT_EQUAL(w->count, 1);
	CU_ASSERT_EQUAL(weir_hist_percentile(w, 50), 7);
	weir_latency_total(l, t);
	CU_ASSERT_EQUAL(t->count, (100 + 129) * 30 / 2 + 1);
	free(l);
	free(w);
	free(t);
}

/* The stages split each event's time exactly; clock steps backwards
 * between cores count as zero; an unstamped event is left out. */
static void
test_stages_add_up(void)
{
	struct weir_latency *l = malloc(sizeof(*l));

	CU_ASSERT_FATAL(l != NULL);
	weir_latency_init(l, 1000);
	weir_latency_record_stages(l, 100, 130, 180, 200); /* 30 + 50 + 20 */
	weir_latency_record_stages(l, 100, 90, 150, 160);  /* pub < rx: 0 + 50 + 10 */
	weir_latency_record_stages(l, 100, 140, 120, 170); /* deq < pub: 40 + 0 + 30 */
	weir_latency_record_stages(l, 100, 0, 150, 160);   /* not stamped */
	CU_ASSERT_EQUAL(l->stages.worker.count, 3);
	CU_ASSERT_EQUAL(l->stages.ring.count, 3);
	CU_ASSERT_EQUAL(l->stages.emitter.count, 3);
	CU_ASSERT_EQUAL(l->stages.worker.sum, 30 + 0 + 40);
	CU_ASSERT_EQUAL(l->stages.ring.sum, 50 + 50 + 0);
	CU_ASSERT_EQUAL(l->stages.emitter.sum, 20 + 10 + 30);
	CU_ASSERT_EQUAL(l->stages.worker.max, 40);
	CU_ASSERT_EQUAL(l->total.count, 0); /* the total is recorded apart */
	free(l);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("latency", NULL, NULL);
	CU_ADD_TEST(s, test_bucket_bounds_are_contiguous);
	CU_ADD_TEST(s, test_index_matches_bounds);
	CU_ADD_TEST(s, test_percentiles_uniform);
	CU_ADD_TEST(s, test_percentiles_constant_and_bimodal);
	CU_ADD_TEST(s, test_window_rotation);
	CU_ADD_TEST(s, test_stages_add_up);
	return weir_ut_run();
}
