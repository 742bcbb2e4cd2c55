/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for rules_thresh.c: each threshold type against exact match
 * sequences (Suricata 7.0's semantics, inclusive window end), tracking by
 * different addresses and rules kept apart, a tiny table that evicts and
 * counts it, and packet time that steps back.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "weir_cunit.h"

#include "rules_int.h"

#define NS   1000000000ull
#define S(x) ((uint64_t)(x)*NS)

struct step {
	uint64_t t_ns;
	bool alert;
};

/* v4-mapped ::ffff:10.0.0.n (n < 256) or an IPv6 2001:db8::n */
static void
addr_v4(uint8_t *a, uint32_t n)
{
	memset(a, 0, 16);
	a[10] = 0xff;
	a[11] = 0xff;
	a[12] = 10;
	a[13] = (uint8_t)(n >> 16);
	a[14] = (uint8_t)(n >> 8);
	a[15] = (uint8_t)n;
}

static void
addr_v6(uint8_t *a, uint32_t n)
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[12] = (uint8_t)(n >> 24);
	a[13] = (uint8_t)(n >> 16);
	a[14] = (uint8_t)(n >> 8);
	a[15] = (uint8_t)n;
}

static struct weir_thresh_spec
spec_of(enum weir_thresh_type type, uint32_t count, uint32_t seconds)
{
	struct weir_thresh_spec s = {
		.type = type,
		.by_dst = false,
		.count = count,
		.seconds = seconds,
	};

	return s;
}

/* Run @p steps for one (rule, address) and compare every verdict. */
static void
run_steps(struct weir_thresh_table *t, const struct weir_thresh_spec *spec, uint32_t rule,
	  const uint8_t *addr, const struct step *steps, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		bool got = weir_thresh_check(t, spec, rule, addr, steps[i].t_ns);

		if (got != steps[i].alert)
			fprintf(stderr, "step %u (t=%llu ns): got %d, want %d\n", i,
				(unsigned long long)steps[i].t_ns, got, steps[i].alert);
		CU_ASSERT(got == steps[i].alert);
	}
}

static void
run_fresh(const struct weir_thresh_spec *spec, const struct step *steps, unsigned int n)
{
	struct weir_thresh_table *t = weir_thresh_new(64);
	uint8_t a[16];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	addr_v4(a, 1);
	run_steps(t, spec, 0, a, steps, n);
	CU_ASSERT(weir_thresh_evictions(t) == 0);
	weir_thresh_free(t);
}

#define N_STEPS(a) (sizeof(a) / sizeof((a)[0]))

static void
test_limit(void)
{
	struct weir_thresh_spec sp = spec_of(WEIR_THRESH_LIMIT, 2, 60);
	static const struct step seq[] = {
		{S(0), true},  {S(1), true},  {S(2), false},
		{S(61), true}, {S(62), true}, {S(63), false},
	};
	/* The window is [start, start + seconds], both ends in. */
	struct weir_thresh_spec sp1 = spec_of(WEIR_THRESH_LIMIT, 1, 10);
	static const struct step edge[] = {
		{S(0), true},	    {S(10), false},    {S(10) + 1, true},
		{S(20) + 1, false}, {S(20) + 2, true},
	};
	struct weir_thresh_spec sp3 = spec_of(WEIR_THRESH_LIMIT, 3, 1);
	static const struct step burst[] = {
		{0, true},  {1, true},	   {2, true},	     {3, false},
		{4, false}, {S(1), false}, {S(1) + 1, true},
	};

	run_fresh(&sp, seq, N_STEPS(seq));
	run_fresh(&sp1, edge, N_STEPS(edge));
	run_fresh(&sp3, burst, N_STEPS(burst));
}

static void
test_limit_many_matches(void)
{
	struct weir_thresh_spec sp = spec_of(WEIR_THRESH_LIMIT, 2, 60);
	struct weir_thresh_table *t = weir_thresh_new(16);
	unsigned int i, alerts = 0;
	uint8_t a[16];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	addr_v4(a, 7);
	for (i = 0; i < 100000; i++)
		alerts += weir_thresh_check(t, &sp, 3, a, (uint64_t)i * 100000); /* 10 s */
	CU_ASSERT(alerts == 2);
	weir_thresh_free(t);
}

static void
test_threshold(void)
{
	struct weir_thresh_spec sp = spec_of(WEIR_THRESH_THRESHOLD, 3, 10);
	/* Every 3rd in the window; the counter restarts but the window
	 * start does not (Suricata), so t=11 opens a new window. */
	static const struct step seq[] = {
		{S(0), false}, {S(1), false}, {S(2), true},   {S(3), false},  {S(4), false},
		{S(5), true},  {S(6), false}, {S(11), false}, {S(12), false}, {S(13), true},
	};
	/* Matches spread wider than the window never reach the count. */
	static const struct step slow[] = {
		{S(0), false},	{S(6), false},	{S(11), false}, {S(17), false},
		{S(22), false}, {S(23), false}, {S(24), true},
	};
	struct weir_thresh_spec sp1 = spec_of(WEIR_THRESH_THRESHOLD, 1, 10);
	static const struct step every[] = {
		{S(0), true},
		{S(0), true},
		{S(5), true},
		{S(100), true},
	};

	run_fresh(&sp, seq, N_STEPS(seq));
	run_fresh(&sp, slow, N_STEPS(slow));
	run_fresh(&sp1, every, N_STEPS(every));
}

static void
test_threshold_count1_keeps_no_state(void)
{
	struct weir_thresh_spec sp = spec_of(WEIR_THRESH_THRESHOLD, 1, 10);
	struct weir_thresh_table *t = weir_thresh_new(1);
	uint32_t i;
	uint8_t a[16];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < 100; i++) {
		addr_v4(a, i);
		CU_ASSERT(weir_thresh_check(t, &sp, 0, a, S(1)));
	}
	CU_ASSERT(weir_thresh_evictions(t) == 0);
	weir_thresh_free(t);
}

static void
test_both(void)
{
	struct weir_thresh_spec sp = spec_of(WEIR_THRESH_BOTH, 3, 60);
	static const struct step seq[] = {
		{S(0), false},	{S(1), false},	{S(2), true},	{S(3), false}, {S(4), false},
		{S(60), false}, {S(61), false}, {S(62), false}, {S(63), true}, {S(64), false},
	};
	struct weir_thresh_spec sp1 = spec_of(WEIR_THRESH_BOTH, 1, 10);
	static const struct step once[] = {
		{S(0), true}, {S(5), false}, {S(10), false}, {S(10) + 1, true}, {S(12), false},
	};

	run_fresh(&sp, seq, N_STEPS(seq));
	run_fresh(&sp1, once, N_STEPS(once));
}

static void
test_detection_filter(void)
{
	struct weir_thresh_spec sp = spec_of(WEIR_THRESH_DETECTION, 2, 10);
	/* Every match after the first 2 of a window; the window is fixed
	 * from its first match, and the count starts over after it. */
	static const struct step seq[] = {
		{S(0), false},	    {S(1), false},  {S(2), true},  {S(3), true},  {S(10), true},
		{S(10) + 1, false}, {S(11), false}, {S(12), true}, {S(13), true},
	};
	struct weir_thresh_spec sp1 = spec_of(WEIR_THRESH_DETECTION, 1, 5);
	static const struct step one[] = {
		{S(0), false}, {S(1), true}, {S(2), true}, {S(6), false}, {S(6), true},
	};

	run_fresh(&sp, seq, N_STEPS(seq));
	run_fresh(&sp1, one, N_STEPS(one));
}

static void
test_none_always_alerts(void)
{
	struct weir_thresh_spec sp = spec_of(WEIR_THRESH_NONE, 1, 1);
	struct weir_thresh_table *t = weir_thresh_new(4);
	uint8_t a[16];
	int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	addr_v4(a, 1);
	for (i = 0; i < 10; i++) {
		CU_ASSERT(weir_thresh_check(t, &sp, 0, a, S(i)));
		CU_ASSERT(weir_thresh_check(t, NULL, 0, a, S(i)));
	}
	weir_thresh_free(t);
	CU_ASSERT(weir_thresh_evictions(NULL) == 0);
	weir_thresh_free(NULL);
}

static void
test_addresses_and_rules_independent(void)
{
	struct weir_thresh_spec src = spec_of(WEIR_THRESH_LIMIT, 1, 60);
	struct weir_thresh_spec dst = src;
	struct weir_thresh_table *t = weir_thresh_new(64);
	uint8_t a[16], b[16], a6[16];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	dst.by_dst = true;
	addr_v4(a, 1);
	addr_v4(b, 2);
	addr_v6(a6, 1); /* same low bytes as a, another address */

	/* by_src: the caller passes the source; by_dst: the destination.
	 * Either way another address is another counter. */
	CU_ASSERT(weir_thresh_check(t, &src, 0, a, S(0)));
	CU_ASSERT(weir_thresh_check(t, &src, 0, b, S(0)));
	CU_ASSERT(weir_thresh_check(t, &src, 0, a6, S(0)));
	CU_ASSERT(!weir_thresh_check(t, &src, 0, a, S(1)));
	CU_ASSERT(!weir_thresh_check(t, &src, 0, b, S(1)));
	CU_ASSERT(!weir_thresh_check(t, &src, 0, a6, S(1)));

	CU_ASSERT(weir_thresh_check(t, &dst, 1, b, S(1)));
	CU_ASSERT(weir_thresh_check(t, &dst, 1, a, S(1)));
	CU_ASSERT(!weir_thresh_check(t, &dst, 1, b, S(2)));

	/* Another rule on the same address has its own counter. */
	CU_ASSERT(weir_thresh_check(t, &src, 2, a, S(2)));
	CU_ASSERT(!weir_thresh_check(t, &src, 2, a, S(3)));
	CU_ASSERT(weir_thresh_check(t, &src, 3, a, S(3)));

	/* Same rule and address, other tracking side: kept apart. */
	CU_ASSERT(weir_thresh_check(t, &dst, 0, a, S(3)));
	CU_ASSERT(!weir_thresh_check(t, &dst, 0, a, S(4)));

	CU_ASSERT(weir_thresh_evictions(t) == 0);
	weir_thresh_free(t);
}

/* type backoff (doc rules/thresholding.rst): count 1 multiplier 10 alerts
 * on matches 1, 10, 100; count 5 multiplier 5 on 5, 25, 125; count 1
 * multiplier 2 on 1, 2, 4, 8. No window: time does not matter. */
static void
backoff_run(uint32_t count, uint32_t mult, const uint32_t *want, unsigned int n_want, uint32_t n)
{
	struct weir_thresh_spec sp = spec_of(WEIR_THRESH_BACKOFF, count, 0);
	struct weir_thresh_table *t = weir_thresh_new(64);
	uint8_t key[WEIR_THR_KEY_LEN] = {7};
	unsigned int k = 0;
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	sp.by_flow = true;
	sp.multiplier = mult;
	for (i = 1; i <= n; i++) {
		/* 1000 s apart: a window would long have ended */
		bool got = weir_thresh_check_key(t, &sp, 0, key, S((uint64_t)i * 1000));
		bool exp = k < n_want && want[k] == i;

		if (got != exp)
			fprintf(stderr, "backoff %u*%u: match %u got %d\n", count, mult, i, got);
		CU_ASSERT(got == exp);
		if (exp)
			k++;
	}
	CU_ASSERT(k == n_want);
	weir_thresh_free(t);
}

static void
test_backoff(void)
{
	static const uint32_t a[] = {1, 10, 100};
	static const uint32_t b[] = {5, 25, 125};
	static const uint32_t c[] = {1, 2, 4, 8, 16, 32, 64, 128};
	static const uint32_t d[] = {3};

	backoff_run(1, 10, a, 3, 200);
	backoff_run(5, 5, b, 3, 200);
	backoff_run(1, 2, c, 8, 200);
	backoff_run(3, 1, d, 1, 50); /* multiplier 1: the count-th only */
}

/* by_both and by_rule are keys of their own: the caller builds the key
 * (rules_match.c); here, the kind keeps them apart from by_src. */
static void
test_track_kinds_apart(void)
{
	struct weir_thresh_spec src = spec_of(WEIR_THRESH_LIMIT, 1, 60);
	struct weir_thresh_spec both = src, rule = src;
	struct weir_thresh_table *t = weir_thresh_new(64);
	uint8_t key[WEIR_THR_KEY_LEN] = {0};

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	both.by_both = true;
	rule.by_rule = true;
	CU_ASSERT(weir_thresh_check_key(t, &src, 0, key, S(0)));
	CU_ASSERT(weir_thresh_check_key(t, &both, 0, key, S(0)));
	CU_ASSERT(weir_thresh_check_key(t, &rule, 0, key, S(0)));
	CU_ASSERT(!weir_thresh_check_key(t, &src, 0, key, S(1)));
	CU_ASSERT(!weir_thresh_check_key(t, &both, 0, key, S(1)));
	CU_ASSERT(!weir_thresh_check_key(t, &rule, 0, key, S(1)));
	/* the second half of the key counts */
	key[31] = 1;
	CU_ASSERT(weir_thresh_check_key(t, &both, 0, key, S(1)));
	weir_thresh_free(t);
}

static void
test_eviction_tiny_table(void)
{
	struct weir_thresh_spec sp = spec_of(WEIR_THRESH_LIMIT, 1, 60);
	struct weir_thresh_table *t = weir_thresh_new(4);
	uint8_t a[10][16];
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (i = 0; i < 10; i++)
		addr_v4(a[i], i + 1);

	/* Four entries fit: the probe window is the whole table. */
	for (i = 0; i < 4; i++)
		CU_ASSERT(weir_thresh_check(t, &sp, 0, a[i], S(i)));
	CU_ASSERT(weir_thresh_evictions(t) == 0);
	for (i = 0; i < 4; i++)
		CU_ASSERT(!weir_thresh_check(t, &sp, 0, a[i], S(10)));

	/* A fifth evicts the oldest window (a[0], started at 0). */
	CU_ASSERT(weir_thresh_check(t, &sp, 0, a[4], S(11)));
	CU_ASSERT(weir_thresh_evictions(t) == 1);
	/* a[0] was forgotten: it alerts again, evicting a[1] (started at 1). */
	CU_ASSERT(weir_thresh_check(t, &sp, 0, a[0], S(12)));
	CU_ASSERT(weir_thresh_evictions(t) == 2);
	/* a[2], a[3] are still known. */
	CU_ASSERT(!weir_thresh_check(t, &sp, 0, a[2], S(13)));
	CU_ASSERT(!weir_thresh_check(t, &sp, 0, a[3], S(13)));
	CU_ASSERT(weir_thresh_evictions(t) == 2);

	/* Once every window has passed, slots are reused without evicting. */
	for (i = 5; i < 9; i++)
		CU_ASSERT(weir_thresh_check(t, &sp, 0, a[i], S(200)));
	CU_ASSERT(weir_thresh_evictions(t) == 2);
	CU_ASSERT(weir_thresh_check(t, &sp, 0, a[9], S(200)));
	CU_ASSERT(weir_thresh_evictions(t) == 3);
	weir_thresh_free(t);
}

static void
test_capacity_rounding(void)
{
	struct weir_thresh_spec sp = spec_of(WEIR_THRESH_LIMIT, 1, 60);
	struct weir_thresh_table *t;
	uint8_t a[16], b[16];

	addr_v4(a, 1);
	addr_v4(b, 2);

	/* 0 becomes one slot: two addresses take turns. */
	t = weir_thresh_new(0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT(weir_thresh_check(t, &sp, 0, a, S(0)));
	CU_ASSERT(!weir_thresh_check(t, &sp, 0, a, S(1)));
	CU_ASSERT(weir_thresh_check(t, &sp, 0, b, S(2)));
	CU_ASSERT(weir_thresh_evictions(t) == 1);
	CU_ASSERT(weir_thresh_check(t, &sp, 0, a, S(3)));
	CU_ASSERT(weir_thresh_evictions(t) == 2);
	weir_thresh_free(t);

	/* 3 becomes 4: four addresses fit. */
	t = weir_thresh_new(3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (uint32_t i = 0; i < 4; i++) {
		addr_v4(a, i);
		CU_ASSERT(weir_thresh_check(t, &sp, 0, a, S(0)));
	}
	CU_ASSERT(weir_thresh_evictions(t) == 0);
	addr_v4(a, 9);
	CU_ASSERT(weir_thresh_check(t, &sp, 0, a, S(0)));
	CU_ASSERT(weir_thresh_evictions(t) == 1);
	weir_thresh_free(t);

	errno = 0;
	CU_ASSERT_PTR_NULL(weir_thresh_new(0x80000001u));
	CU_ASSERT(errno == ENOMEM);
}

static void
test_load_bounded(void)
{
	struct weir_thresh_spec sp = spec_of(WEIR_THRESH_LIMIT, 1, 60);
	struct weir_thresh_table *t = weir_thresh_new(1024);
	unsigned int again = 0;
	uint32_t i;
	uint8_t a[16];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	/* Half full: the probe window keeps evictions rare. */
	for (i = 0; i < 512; i++) {
		addr_v6(a, i * 2654435761u);
		CU_ASSERT(weir_thresh_check(t, &sp, 0, a, S(0)));
	}
	CU_ASSERT(weir_thresh_evictions(t) < 8);
	for (i = 0; i < 512; i++) {
		addr_v6(a, i * 2654435761u);
		again += weir_thresh_check(t, &sp, 0, a, S(1));
	}
	/* Only the forgotten ones alert a second time. */
	CU_ASSERT(again <= weir_thresh_evictions(t));

	/* Twice the capacity: at least the surplus is evicted, counted. */
	for (i = 0; i < 2048; i++) {
		addr_v4(a, 100000 + i);
		CU_ASSERT(weir_thresh_check(t, &sp, 1, a, S(2)));
	}
	CU_ASSERT(weir_thresh_evictions(t) >= 2048 + 512 - 1024);
	weir_thresh_free(t);
}

static void
test_time_backwards(void)
{
	struct weir_thresh_spec lim = spec_of(WEIR_THRESH_LIMIT, 2, 60);
	/* Earlier than the window start counts as "no time passed". */
	static const struct step seq[] = {
		{S(100), true}, {S(99), true},	{S(98), false}, {S(160), false},
		{S(161), true}, {S(100), true}, {S(0), false},
	};
	struct weir_thresh_spec det = spec_of(WEIR_THRESH_DETECTION, 1, 10);
	static const struct step dseq[] = {
		{S(50), false}, {S(40), true},	    {0, true},
		{S(60), true},	{S(60) + 1, false}, {S(55), true},
	};
	struct weir_thresh_spec thr = spec_of(WEIR_THRESH_THRESHOLD, 2, 10);
	static const struct step extreme[] = {
		{UINT64_MAX, false},
		{0, true},
		{UINT64_MAX, false},
		{1, true},
	};
	/* The longest window (2^32 - 1 s) still fits 64-bit ns. */
	struct weir_thresh_spec big = spec_of(WEIR_THRESH_BOTH, 2, UINT32_MAX);
	static const struct step bseq[] = {
		{0, false},
		{S(4000000000u), true},
		{UINT64_MAX, false},
	};

	run_fresh(&lim, seq, N_STEPS(seq));
	run_fresh(&det, dseq, N_STEPS(dseq));
	run_fresh(&thr, extreme, N_STEPS(extreme));
	run_fresh(&big, bseq, N_STEPS(bseq));
}

static void
test_seconds_change_on_reload(void)
{
	/* The same rule index with another window: the new spec applies. */
	struct weir_thresh_spec sp = spec_of(WEIR_THRESH_LIMIT, 1, 60);
	struct weir_thresh_table *t = weir_thresh_new(8);
	uint8_t a[16];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	addr_v4(a, 1);
	CU_ASSERT(weir_thresh_check(t, &sp, 0, a, S(0)));
	CU_ASSERT(!weir_thresh_check(t, &sp, 0, a, S(20)));
	sp.seconds = 10;
	CU_ASSERT(weir_thresh_check(t, &sp, 0, a, S(21)));
	weir_thresh_free(t);
}

/*
 * track by_flow: the caller passes the flow id as the key (first 8 bytes,
 * the rest zero). It is a tracking kind of its own: an address that
 * happens to have the same 16 bytes is another counter, and so is another
 * flow id.
 */
static void
test_by_flow(void)
{
	struct weir_thresh_spec flow = spec_of(WEIR_THRESH_DETECTION, 2, 10);
	struct weir_thresh_spec src = flow;
	struct weir_thresh_table *t = weir_thresh_new(64);
	uint8_t f1[16] = {0}, f2[16] = {0};
	uint64_t id1 = 1, id2 = 2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	flow.by_flow = true;
	memcpy(f1, &id1, sizeof(id1));
	memcpy(f2, &id2, sizeof(id2));

	/* detection_filter count 2: the third match of a window alerts */
	CU_ASSERT(!weir_thresh_check(t, &flow, 0, f1, S(0)));
	CU_ASSERT(!weir_thresh_check(t, &flow, 0, f1, S(1)));
	CU_ASSERT(!weir_thresh_check(t, &flow, 0, f2, S(1)));
	CU_ASSERT(weir_thresh_check(t, &flow, 0, f1, S(2)));
	/* the same bytes tracked by_src: a counter of its own */
	CU_ASSERT(!weir_thresh_check(t, &src, 0, f1, S(2)));
	CU_ASSERT(!weir_thresh_check(t, &flow, 0, f2, S(3)));
	CU_ASSERT(weir_thresh_check(t, &flow, 0, f2, S(4)));
	/* flow 1's window [0 s, 10 s] is over at 11 s: count 1 again */
	CU_ASSERT(!weir_thresh_check(t, &flow, 0, f1, S(11)));
	CU_ASSERT(weir_thresh_evictions(t) == 0);
	weir_thresh_free(t);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("thresh", NULL, NULL);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_limit);
	CU_ADD_TEST(s, test_backoff);
	CU_ADD_TEST(s, test_track_kinds_apart);
	CU_ADD_TEST(s, test_limit_many_matches);
	CU_ADD_TEST(s, test_threshold);
	CU_ADD_TEST(s, test_threshold_count1_keeps_no_state);
	CU_ADD_TEST(s, test_both);
	CU_ADD_TEST(s, test_detection_filter);
	CU_ADD_TEST(s, test_none_always_alerts);
	CU_ADD_TEST(s, test_addresses_and_rules_independent);
	CU_ADD_TEST(s, test_eviction_tiny_table);
	CU_ADD_TEST(s, test_capacity_rounding);
	CU_ADD_TEST(s, test_load_bounded);
	CU_ADD_TEST(s, test_time_backwards);
	CU_ADD_TEST(s, test_seconds_change_on_reload);
	CU_ADD_TEST(s, test_by_flow);
	return weir_ut_run();
}
