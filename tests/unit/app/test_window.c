/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of app/window.c. Golden answers come by construction from the
 * semantics of the window contract (window.h, README "Stateful rules
 * (windows)"): the window of a key at t holds (t - W, t], observations are
 * applied in (t, order) order as the watermark passes, fire once is quiet
 * until tf + W. The randomized case holds the engine to a naive oracle
 * that keeps every applied observation and recomputes each window whole.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_cunit.h"
#include "window.h"

#define S(x)  ((uint64_t)(x)*1000000000ull) /* s -> ns */
#define MS(x) ((uint64_t)(x)*1000000ull)    /* ms -> ns */

#define MAX_FIRES 4096

struct fire_rec {
	uint32_t sid;
	uint64_t order;
	uint64_t t;
	char key[WEIR_WINDOW_KEY_MAX + 1];
	struct weir_window_result res;
	uint32_t aux;
};

static struct {
	unsigned int n;
	struct fire_rec f[MAX_FIRES];
} g_fired;

static void
on_fire(void *ctx, const struct weir_window_def *def, const struct weir_window_obs *obs,
	const struct weir_window_result *res, const void *aux)
{
	struct fire_rec *r;

	(void)ctx;
	/* full: the last record keeps the latest firing */
	r = g_fired.n < MAX_FIRES ? &g_fired.f[g_fired.n++] : &g_fired.f[MAX_FIRES - 1];
	r->sid = def->sid;
	r->order = obs->order;
	r->t = obs->t_ns;
	memcpy(r->key, obs->key, obs->key_len);
	r->key[obs->key_len] = '\0';
	r->res = *res;
	r->aux = 0;
	if (aux != NULL)
		memcpy(&r->aux, aux, sizeof(r->aux));
}

static void
conf_default(struct weir_window_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->memcap = 8u << 20;
	c->max_events_per_key = 1024;
	c->pending_max = 4096;
	c->aux_size = 0;
	c->late_apply = false;
	c->hash_seed = 0x5eedull;
}

static struct weir_window_def
def_mk(uint32_t sid, uint64_t len_ns, bool each, uint8_t agg, uint8_t op, double n)
{
	struct weir_window_def d;

	memset(&d, 0, sizeof(d));
	d.sid = sid;
	d.rev = 1;
	d.clause_hash = 0x1000 + sid;
	d.length_ns = len_ns;
	d.fire_each = each;
	d.n_cond = 1;
	d.cond[0].agg = agg;
	d.cond[0].op = op;
	d.cond[0].n = n;
	return d;
}

static struct weir_window_obs
obs_mk(uint32_t def, const char *key, uint64_t t, uint64_t order)
{
	struct weir_window_obs o;

	memset(&o, 0, sizeof(o));
	o.def = def;
	o.t_ns = t;
	o.order = order;
	o.key_len = (uint16_t)strlen(key);
	memcpy(o.key, key, o.key_len);
	/* any stable hash of the key: FNV-1a */
	o.key_hash = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < o.key_len; i++)
		o.key_hash = (o.key_hash ^ (uint8_t)key[i]) * 0x100000001b3ull;
	return o;
}

/* Offer and apply at once (one worker, lateness 0). */
static void
put(struct weir_window_table *t, uint32_t def, const char *key, uint64_t tm, uint64_t order)
{
	struct weir_window_obs o = obs_mk(def, key, tm, order);

	CU_ASSERT(weir_window_offer(t, &o, NULL));
	weir_window_advance(t, tm);
}

static struct weir_window_table *
mk1(const struct weir_window_conf *c, struct weir_window_def d)
{
	memset(&g_fired, 0, sizeof(g_fired));
	return weir_window_table_create(c, &d, 1, on_fire, NULL);
}

/* weir_window_table_prefault backs the first bytes asked for, not the
 * rest, at most the table, and the table works the same afterwards. */
static void
test_prefault(void)
{
	struct weir_window_conf c;
	struct weir_window_table *t;
	const size_t mib = 1u << 20;

	conf_default(&c);
	c.memcap = 64 * mib; /* huge-page aligned and advised */
	t = mk1(&c, def_mk(1, S(10), false, WEIR_WAGG_COUNT, WEIR_WOP_GE, 2));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT(weir_ut_resident((const uint8_t *)t + 16 * mib, 16 * mib) == 0);
	CU_ASSERT(weir_window_table_prefault(t, 16 * mib) == 0);
	CU_ASSERT(weir_ut_resident(t, 16 * mib) == 16 * mib);
	CU_ASSERT(weir_ut_resident((const uint8_t *)t + 20 * mib, 42 * mib) == 0);
	put(t, 0, "k", S(100), 1);
	put(t, 0, "k", S(101), 2);
	CU_ASSERT_EQUAL(g_fired.n, 1);
	CU_ASSERT_EQUAL(g_fired.f[0].res.count, 2);
	/* more than the table: all of it (within its memcap), nothing past */
	CU_ASSERT(weir_window_table_prefault(t, SIZE_MAX) == 0);
	CU_ASSERT(weir_ut_resident(t, 62 * mib) == 62 * mib);
	weir_window_table_free(t);
}

static void
test_create_bad(void)
{
	struct weir_window_conf c;
	struct weir_window_def d = def_mk(1, S(10), false, WEIR_WAGG_COUNT, WEIR_WOP_GE, 2);

	conf_default(&c);
	c.memcap = 1024; /* smaller than the fixed part */
	CU_ASSERT_PTR_NULL(weir_window_table_create(&c, &d, 1, on_fire, NULL));
	conf_default(&c);
	c.max_events_per_key = 0;
	CU_ASSERT_PTR_NULL(weir_window_table_create(&c, &d, 1, on_fire, NULL));
	conf_default(&c);
	d.n_cond = 0;
	CU_ASSERT_PTR_NULL(weir_window_table_create(&c, &d, 1, on_fire, NULL));
	d.n_cond = 1;
	d.length_ns = 0;
	CU_ASSERT_PTR_NULL(weir_window_table_create(&c, &d, 1, on_fire, NULL));
}

/* An observation exactly at t - W is expired; one ns later it is in. */
static void
test_boundary(void)
{
	struct weir_window_conf c;
	struct weir_window_table *t;

	conf_default(&c);
	t = mk1(&c, def_mk(1, S(10), false, WEIR_WAGG_COUNT, WEIR_WOP_GE, 2));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	put(t, 0, "k", S(100), 1);
	put(t, 0, "k", S(110), 2); /* 100 <= 110 - 10: expired, count 1 */
	CU_ASSERT_EQUAL(g_fired.n, 0);
	put(t, 0, "j", S(200), 3);
	put(t, 0, "j", S(210) - 1, 4); /* 200 > 210 - 1ns - 10: count 2 */
	CU_ASSERT_EQUAL(g_fired.n, 1);
	CU_ASSERT_STRING_EQUAL(g_fired.f[0].key, "j");
	CU_ASSERT_EQUAL(g_fired.f[0].order, 4);
	CU_ASSERT_EQUAL(g_fired.f[0].res.count, 2);
	CU_ASSERT_EQUAL(g_fired.f[0].res.first_ts_ns, S(200));
	CU_ASSERT_EQUAL(g_fired.f[0].res.last_ts_ns, S(210) - 1);
	weir_window_table_free(t);
}

/* fire once: one alert, then quiet until an observation at t >= tf + W. */
static void
test_fire_once(void)
{
	struct weir_window_conf c;
	struct weir_window_table *t;

	conf_default(&c);
	t = mk1(&c, def_mk(1, S(10), false, WEIR_WAGG_COUNT, WEIR_WOP_GE, 2));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	put(t, 0, "k", S(0), 1);
	put(t, 0, "k", S(1), 2); /* fires, tf = 1 */
	CU_ASSERT_EQUAL(g_fired.n, 1);
	for (unsigned int i = 2; i <= 10; i++)
		put(t, 0, "k", S(i), 10 + i); /* conditions hold, quiet: t < 11 */
	put(t, 0, "k", S(11) - 1, 30);
	CU_ASSERT_EQUAL(g_fired.n, 1);
	put(t, 0, "k", S(11), 31); /* t = tf + W: fires again, window (1, 11] */
	CU_ASSERT_EQUAL(g_fired.n, 2);
	CU_ASSERT_EQUAL(g_fired.f[1].order, 31);
	CU_ASSERT_EQUAL(g_fired.f[1].res.count, 11); /* 2..10, 11-1ns, 11 */
	CU_ASSERT_EQUAL(g_fired.f[1].res.first_ts_ns, S(2));
	/* after the window emptied, the first observation is alone: count 1 */
	put(t, 0, "k", S(40), 40);
	put(t, 0, "k", S(45), 41); /* fires: 45 >= 11 + 10 */
	CU_ASSERT_EQUAL(g_fired.n, 3);
	CU_ASSERT_EQUAL(g_fired.f[2].res.count, 2);
	weir_window_table_free(t);
}

static void
test_fire_each(void)
{
	struct weir_window_conf c;
	struct weir_window_table *t;

	conf_default(&c);
	t = mk1(&c, def_mk(1, S(10), true, WEIR_WAGG_COUNT, WEIR_WOP_GE, 3));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	for (unsigned int i = 0; i < 6; i++)
		put(t, 0, "k", S(i), i);
	CU_ASSERT_EQUAL(g_fired.n, 4); /* at counts 3, 4, 5, 6 */
	CU_ASSERT_EQUAL(g_fired.f[3].res.count, 6);
	put(t, 0, "k", S(20), 20); /* alone again */
	CU_ASSERT_EQUAL(g_fired.n, 4);
	weir_window_table_free(t);
}

/* Equal times: applied by order, then by offer sequence. */
static void
test_ties(void)
{
	struct weir_window_conf c;
	struct weir_window_table *t;
	struct weir_window_obs o;

	conf_default(&c);
	t = mk1(&c, def_mk(1, S(10), false, WEIR_WAGG_COUNT, WEIR_WOP_GE, 2));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	o = obs_mk(0, "k", S(5), 9);
	CU_ASSERT(weir_window_offer(t, &o, NULL));
	o = obs_mk(0, "k", S(5), 7);
	CU_ASSERT(weir_window_offer(t, &o, NULL));
	o = obs_mk(0, "k", S(5), 8);
	CU_ASSERT(weir_window_offer(t, &o, NULL));
	CU_ASSERT_EQUAL(weir_window_advance(t, S(5)), 3);
	CU_ASSERT_EQUAL(g_fired.n, 1);
	CU_ASSERT_EQUAL(g_fired.f[0].order, 8); /* 7 then 8 completes count 2 */
	weir_window_table_free(t);

	/* same (t, order): arrival order; aux tells which one */
	conf_default(&c);
	c.aux_size = sizeof(uint32_t);
	t = mk1(&c, def_mk(1, S(10), false, WEIR_WAGG_COUNT, WEIR_WOP_GE, 2));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	for (uint32_t i = 0; i < 5; i++) {
		uint32_t aux = 100 + i;

		o = obs_mk(0, "k", S(5), 1);
		CU_ASSERT(weir_window_offer(t, &o, &aux));
	}
	weir_window_advance(t, UINT64_MAX);
	CU_ASSERT_EQUAL(g_fired.n, 1);
	CU_ASSERT_EQUAL(g_fired.f[0].aux, 101);
	weir_window_table_free(t);
}

/* The watermark holds observations back; they apply in time order. */
static void
test_watermark(void)
{
	struct weir_window_conf c;
	struct weir_window_table *t;
	struct weir_window_stats st;
	struct weir_window_obs o;

	conf_default(&c);
	t = mk1(&c, def_mk(1, S(10), false, WEIR_WAGG_COUNT, WEIR_WOP_GE, 2));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	/* arrive out of order: 12, 3, 8 (window (2, 12] holds 3, 8, 12) */
	o = obs_mk(0, "k", S(12), 3);
	CU_ASSERT(weir_window_offer(t, &o, NULL));
	o = obs_mk(0, "k", S(3), 1);
	CU_ASSERT(weir_window_offer(t, &o, NULL));
	CU_ASSERT_EQUAL(weir_window_advance(t, S(2)), 0);
	weir_window_stats(t, &st);
	CU_ASSERT_EQUAL(st.pending, 2);
	CU_ASSERT_EQUAL(weir_window_advance(t, S(3)), 1);
	CU_ASSERT_EQUAL(g_fired.n, 0);
	o = obs_mk(0, "k", S(8), 2); /* not late: last applied is 3 */
	CU_ASSERT(weir_window_offer(t, &o, NULL));
	CU_ASSERT_EQUAL(weir_window_advance(t, S(11)), 1);
	CU_ASSERT_EQUAL(g_fired.n, 1);
	CU_ASSERT_EQUAL(g_fired.f[0].order, 2);
	CU_ASSERT_EQUAL(weir_window_advance(t, UINT64_MAX), 1);
	weir_window_stats(t, &st);
	CU_ASSERT_EQUAL(st.pending, 0);
	CU_ASSERT_EQUAL(st.late, 0);
	CU_ASSERT_EQUAL(st.applied, 3);
	CU_ASSERT_EQUAL(st.observations, 3);
	weir_window_table_free(t);
}

static void
test_late(void)
{
	struct weir_window_conf c;
	struct weir_window_table *t;
	struct weir_window_stats st;
	struct weir_window_obs o;

	for (int apply = 0; apply <= 1; apply++) {
		conf_default(&c);
		c.late_apply = apply;
		t = mk1(&c, def_mk(1, S(10), true, WEIR_WAGG_COUNT, WEIR_WOP_GE, 1));
		WEIR_CU_ASSERT_FATAL(t != NULL);
		put(t, 0, "k", S(20), 1);
		o = obs_mk(0, "k", S(15), 2);
		CU_ASSERT(weir_window_offer(t, &o, NULL));
		weir_window_stats(t, &st);
		CU_ASSERT_EQUAL(st.late, 1);
		CU_ASSERT_EQUAL(st.late_dropped, apply ? 0 : 1);
		CU_ASSERT_EQUAL(st.applied, apply ? 2 : 1);
		CU_ASSERT_EQUAL(st.pending, 0);
		CU_ASSERT_EQUAL(g_fired.n, apply ? 2 : 1);
		if (apply) {
			/* applied at once; the key's window is (10, 20] */
			CU_ASSERT_EQUAL(g_fired.f[1].order, 2);
			CU_ASSERT_EQUAL(g_fired.f[1].res.count, 2);
			CU_ASSERT_EQUAL(g_fired.f[1].res.first_ts_ns, S(15));
			CU_ASSERT_EQUAL(g_fired.f[1].res.last_ts_ns, S(20));
			/* too late for the window: applied, expired at once */
			o = obs_mk(0, "k", S(10), 3);
			CU_ASSERT(weir_window_offer(t, &o, NULL));
			CU_ASSERT_EQUAL(g_fired.n, 2);
			put(t, 0, "k", S(24), 4); /* 15, 20, 24 */
			CU_ASSERT_EQUAL(g_fired.f[2].res.count, 3);
		}
		/* equal to the last applied time: not late */
		o = obs_mk(0, "k", S(30), 5);
		CU_ASSERT(weir_window_offer(t, &o, NULL));
		weir_window_advance(t, S(30));
		o = obs_mk(0, "k", S(30), 4);
		CU_ASSERT(weir_window_offer(t, &o, NULL));
		weir_window_stats(t, &st);
		CU_ASSERT_EQUAL(st.late, apply ? 2 : 1);
		CU_ASSERT_EQUAL(st.pending, 1);
		weir_window_table_free(t);
	}
}

/* The per-key bound drops the oldest observation. */
static void
test_overflow(void)
{
	struct weir_window_conf c;
	struct weir_window_table *t;
	struct weir_window_stats st;

	conf_default(&c);
	c.max_events_per_key = 4;
	t = mk1(&c, def_mk(1, S(100), true, WEIR_WAGG_COUNT, WEIR_WOP_GE, 1));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	for (unsigned int i = 0; i < 7; i++)
		put(t, 0, "k", S(i), i);
	weir_window_stats(t, &st);
	CU_ASSERT_EQUAL(st.key_overflow, 3);
	CU_ASSERT_EQUAL(g_fired.n, 7);
	CU_ASSERT_EQUAL(g_fired.f[6].res.count, 4);
	CU_ASSERT_EQUAL(g_fired.f[6].res.first_ts_ns, S(3));
	weir_window_table_free(t);
}

/* Sum, min, max, distinct over a sliding window, by construction. */
static void
test_aggregates(void)
{
	static const double amount[] = {5, 1.5, 7, 2, 9.25, 3};
	static const uint64_t city[] = {11, 22, 11, 33, 22, 44};
	struct weir_window_conf c;
	struct weir_window_table *t;
	struct weir_window_def d;

	conf_default(&c);
	memset(&d, 0, sizeof(d));
	d.sid = 7;
	d.rev = 1;
	d.length_ns = S(3); /* window (t - 3, t]: the last three at 1 s steps */
	d.fire_each = true;
	d.n_cond = 4;
	d.cond[0] = (struct weir_window_cond){WEIR_WAGG_SUM, WEIR_WOP_GE, 0};
	d.cond[1] = (struct weir_window_cond){WEIR_WAGG_MIN, WEIR_WOP_GE, 0};
	d.cond[2] = (struct weir_window_cond){WEIR_WAGG_MAX, WEIR_WOP_GE, 0};
	d.cond[3] = (struct weir_window_cond){WEIR_WAGG_DISTINCT, WEIR_WOP_GE, 0};
	memset(&g_fired, 0, sizeof(g_fired));
	t = weir_window_table_create(&c, &d, 1, on_fire, NULL);
	WEIR_CU_ASSERT_FATAL(t != NULL);
	for (unsigned int i = 0; i < 6; i++) {
		struct weir_window_obs o = obs_mk(0, "acct-1", S(i), i);

		o.v[0].num = amount[i];
		o.v[1].num = amount[i];
		o.v[2].num = amount[i];
		o.v[3].hash = city[i];
		CU_ASSERT(weir_window_offer(t, &o, NULL));
		weir_window_advance(t, S(i));
	}
	WEIR_CU_ASSERT_FATAL(g_fired.n == 6);
	/* at t=5 the window holds i = 3, 4, 5: amounts 2, 9.25, 3; cities 33 22 44 */
	CU_ASSERT_DOUBLE_EQUAL(g_fired.f[5].res.agg[0], 14.25, 0);
	CU_ASSERT_DOUBLE_EQUAL(g_fired.f[5].res.agg[1], 2, 0);
	CU_ASSERT_DOUBLE_EQUAL(g_fired.f[5].res.agg[2], 9.25, 0);
	CU_ASSERT_DOUBLE_EQUAL(g_fired.f[5].res.agg[3], 3, 0);
	/* at t=2: 5, 1.5, 7; cities 11 22 11 */
	CU_ASSERT_DOUBLE_EQUAL(g_fired.f[2].res.agg[0], 13.5, 0);
	CU_ASSERT_DOUBLE_EQUAL(g_fired.f[2].res.agg[1], 1.5, 0);
	CU_ASSERT_DOUBLE_EQUAL(g_fired.f[2].res.agg[2], 7, 0);
	CU_ASSERT_DOUBLE_EQUAL(g_fired.f[2].res.agg[3], 2, 0);
	weir_window_table_free(t);

	/* conditions AND: distinct >= 3 and sum > 10 */
	d.fire_each = false;
	d.n_cond = 2;
	d.cond[0] = (struct weir_window_cond){WEIR_WAGG_DISTINCT, WEIR_WOP_GE, 3};
	d.cond[1] = (struct weir_window_cond){WEIR_WAGG_SUM, WEIR_WOP_GT, 10};
	d.length_ns = S(10);
	memset(&g_fired, 0, sizeof(g_fired));
	t = weir_window_table_create(&c, &d, 1, on_fire, NULL);
	WEIR_CU_ASSERT_FATAL(t != NULL);
	for (unsigned int i = 0; i < 6; i++) {
		struct weir_window_obs o = obs_mk(0, "acct-1", S(i), i);

		o.v[0].hash = city[i];
		o.v[1].num = amount[i];
		CU_ASSERT(weir_window_offer(t, &o, NULL));
		weir_window_advance(t, S(i));
	}
	/* distinct reaches 3 at i = 3 (11 22 33), sum then 15.5 */
	CU_ASSERT_EQUAL(g_fired.n, 1);
	CU_ASSERT_EQUAL(g_fired.f[0].order, 3);
	weir_window_table_free(t);
}

/* Over the memcap the least recently updated key goes. */
static void
test_eviction(void)
{
	struct weir_window_conf c;
	struct weir_window_table *t;
	struct weir_window_stats st;
	char key[32];
	unsigned int i;

	conf_default(&c);
	c.pending_max = 16;
	c.max_events_per_key = 16;
	c.memcap = 64u << 10;
	t = mk1(&c, def_mk(1, S(1000), true, WEIR_WAGG_COUNT, WEIR_WOP_GE, 1));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	put(t, 0, "first", S(1), 1);
	put(t, 0, "first", S(1), 1);
	for (i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "key-%u", i);
		put(t, 0, key, S(2) + i, 10 + i);
		if (i % 8 == 0)
			put(t, 0, "first", S(2) + i, 10 + i); /* keeps "first" recent */
	}
	weir_window_stats(t, &st);
	CU_ASSERT(st.evicted > 0);
	CU_ASSERT(st.state_bytes <= c.memcap);
	CU_ASSERT_EQUAL(st.keys + st.evicted, 2001);
	/* "first" was updated recently: never evicted, its count went on */
	put(t, 0, "first", S(5000), 5000);
	CU_ASSERT_EQUAL(g_fired.f[g_fired.n - 1].res.count, 1); /* others expired */
	put(t, 0, "first", S(5000), 5001);
	CU_ASSERT_EQUAL(g_fired.f[g_fired.n - 1].res.count, 2);
	/* key-0 was evicted: starts again */
	put(t, 0, "key-0", S(5000), 5002);
	CU_ASSERT_EQUAL(g_fired.f[g_fired.n - 1].res.count, 1);
	weir_window_table_free(t);

	/* one key alone over the memcap gives up its oldest observations */
	conf_default(&c);
	c.pending_max = 16;
	c.max_events_per_key = 60000;
	c.memcap = 2u << 20; /* about 50000 records after the fixed part */
	t = mk1(&c, def_mk(1, S(100000), true, WEIR_WAGG_COUNT, WEIR_WOP_GE, 1));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	for (i = 0; i < 60000; i++)
		put(t, 0, "only", S(1) + i, i);
	weir_window_stats(t, &st);
	CU_ASSERT(st.key_overflow > 0);
	CU_ASSERT_EQUAL(st.keys, 1);
	CU_ASSERT_EQUAL(g_fired.f[g_fired.n - 1].res.count + st.key_overflow, 60000);
	weir_window_table_free(t);
}

static void
test_long_keys(void)
{
	struct weir_window_conf c;
	struct weir_window_table *t;
	char a[WEIR_WINDOW_KEY_MAX + 1], b[WEIR_WINDOW_KEY_MAX + 1];

	conf_default(&c);
	t = mk1(&c, def_mk(1, S(10), true, WEIR_WAGG_COUNT, WEIR_WOP_GE, 1));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	memset(a, 'x', WEIR_WINDOW_KEY_MAX);
	a[WEIR_WINDOW_KEY_MAX] = '\0';
	memcpy(b, a, sizeof(b));
	b[WEIR_WINDOW_KEY_MAX - 1] = 'y'; /* differs in the last key slot */
	put(t, 0, a, S(1), 1);
	put(t, 0, b, S(1), 2);
	put(t, 0, a, S(2), 3);
	CU_ASSERT_EQUAL(g_fired.n, 3);
	CU_ASSERT_EQUAL(g_fired.f[1].res.count, 1);
	CU_ASSERT_EQUAL(g_fired.f[2].res.count, 2);
	CU_ASSERT_STRING_EQUAL(g_fired.f[2].key, a);
	weir_window_table_free(t);
}

/* Rebuild keeps the rules whose (sid, rev, clause_hash) is unchanged. */
static void
test_rebuild(void)
{
	struct weir_window_conf c;
	struct weir_window_table *t, *n;
	struct weir_window_def d[3], nd[3];
	struct weir_window_stats st;
	struct weir_window_obs o;
	uint32_t kept = 9, reset = 9;

	conf_default(&c);
	d[0] = def_mk(1, S(100), true, WEIR_WAGG_COUNT, WEIR_WOP_GE, 1);
	d[1] = def_mk(2, S(100), true, WEIR_WAGG_COUNT, WEIR_WOP_GE, 1);
	d[2] = def_mk(3, S(100), true, WEIR_WAGG_COUNT, WEIR_WOP_GE, 1);
	memset(&g_fired, 0, sizeof(g_fired));
	t = weir_window_table_create(&c, d, 3, on_fire, NULL);
	WEIR_CU_ASSERT_FATAL(t != NULL);
	for (uint32_t r = 0; r < 3; r++)
		for (unsigned int i = 0; i < 3; i++)
			put(t, r, "k", S(10 * r + 1 + i), i);
	o = obs_mk(0, "k", S(50), 50); /* pending, rule 1: carried over */
	CU_ASSERT(weir_window_offer(t, &o, NULL));
	o = obs_mk(1, "k", S(50), 51); /* pending, rule 2: dropped */
	CU_ASSERT(weir_window_offer(t, &o, NULL));
	/* new set: sid 2 with a new rev, sid 1 unchanged (moved), sid 3 gone,
	 * sid 4 new */
	nd[0] = def_mk(2, S(100), true, WEIR_WAGG_COUNT, WEIR_WOP_GE, 1);
	nd[0].rev = 2;
	nd[1] = d[0];
	nd[2] = def_mk(4, S(100), true, WEIR_WAGG_COUNT, WEIR_WOP_GE, 1);
	n = weir_window_table_rebuild(t, nd, 3, on_fire, NULL, &kept, &reset);
	WEIR_CU_ASSERT_FATAL(n != NULL);
	CU_ASSERT_EQUAL(kept, 1);
	CU_ASSERT_EQUAL(reset, 2);
	weir_window_stats(n, &st);
	CU_ASSERT_EQUAL(st.keys, 1);
	CU_ASSERT_EQUAL(st.pending, 1);
	CU_ASSERT_EQUAL(st.reload_pending_dropped, 1);
	CU_ASSERT_EQUAL(st.applied, 9);
	/* the old table is intact */
	weir_window_stats(t, &st);
	CU_ASSERT_EQUAL(st.keys, 3);
	CU_ASSERT_EQUAL(st.pending, 2);
	weir_window_table_free(t);

	g_fired.n = 0;
	weir_window_advance(n, UINT64_MAX); /* the carried one: sid 1, count 4 */
	CU_ASSERT_EQUAL(g_fired.n, 1);
	CU_ASSERT_EQUAL(g_fired.f[0].sid, 1);
	CU_ASSERT_EQUAL(g_fired.f[0].res.count, 4);
	put(n, 0, "k", S(60), 60); /* sid 2, reset */
	CU_ASSERT_EQUAL(g_fired.f[1].sid, 2);
	CU_ASSERT_EQUAL(g_fired.f[1].res.count, 1);
	put(n, 2, "k", S(60), 61);
	CU_ASSERT_EQUAL(g_fired.f[2].sid, 4);
	CU_ASSERT_EQUAL(g_fired.f[2].res.count, 1);
	weir_window_table_free(n);
}

/* A full pending buffer refuses, counted; the accounting identity holds. */
static void
test_pending_full(void)
{
	struct weir_window_conf c;
	struct weir_window_table *t;
	struct weir_window_stats st;
	struct weir_window_obs o;

	conf_default(&c);
	c.pending_max = 4;
	t = mk1(&c, def_mk(1, S(10), true, WEIR_WAGG_COUNT, WEIR_WOP_GE, 1));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	for (unsigned int i = 0; i < 4; i++) {
		o = obs_mk(0, "k", S(10 + i), i);
		CU_ASSERT(weir_window_offer(t, &o, NULL));
	}
	o = obs_mk(0, "k", S(20), 9);
	CU_ASSERT(!weir_window_offer(t, &o, NULL));
	weir_window_stats(t, &st);
	CU_ASSERT_EQUAL(st.pending_full, 1);
	CU_ASSERT_EQUAL(st.pending, 4);
	CU_ASSERT_EQUAL(weir_window_advance(t, S(11)), 2);
	o = obs_mk(0, "k", S(20), 9); /* room again */
	CU_ASSERT(weir_window_offer(t, &o, NULL));
	o = obs_mk(0, "k", S(5), 10); /* late: dropped */
	CU_ASSERT(weir_window_offer(t, &o, NULL));
	weir_window_stats(t, &st);
	CU_ASSERT_EQUAL(st.observations,
			st.applied + st.late_dropped + st.pending_full + st.pending);
	CU_ASSERT_EQUAL(weir_window_advance(t, UINT64_MAX), 3);
	weir_window_stats(t, &st);
	CU_ASSERT_EQUAL(st.applied, 5);
	CU_ASSERT_EQUAL(st.pending, 0);
	weir_window_table_free(t);
}

/* Reserve and commit (an offer written in place): the same queueing,
 * order, aux bytes, late handling and counting as weir_window_offer. */
static void
commit_one(struct weir_window_table *t, struct weir_window_obs o, uint32_t aux_v, bool *ok)
{
	void *aux;
	struct weir_window_obs *p = weir_window_reserve(t, &aux);

	if (p == NULL) {
		*ok = weir_window_offer(t, &o, &aux_v);
		return;
	}
	CU_ASSERT(aux != NULL);
	*p = o;
	memcpy(aux, &aux_v, sizeof(aux_v));
	*ok = weir_window_commit(t);
}

static void
test_reserve_commit(void)
{
	struct weir_window_conf c;
	struct weir_window_table *t;
	struct weir_window_stats st;
	void *aux;
	bool ok;

	conf_default(&c);
	c.pending_max = 3;
	c.aux_size = sizeof(uint32_t);
	t = mk1(&c, def_mk(1, S(10), true, WEIR_WAGG_COUNT, WEIR_WOP_GE, 1));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	/* out of order within the watermark: applied in (t, order) order */
	commit_one(t, obs_mk(0, "k", S(12), 2), 102, &ok);
	CU_ASSERT(ok);
	commit_one(t, obs_mk(0, "k", S(11), 1), 101, &ok);
	CU_ASSERT(ok);
	commit_one(t, obs_mk(0, "j", S(13), 3), 103, &ok);
	CU_ASSERT(ok);
	/* full: no record; the offer refuses it, counted once */
	CU_ASSERT(weir_window_reserve(t, &aux) == NULL);
	commit_one(t, obs_mk(0, "k", S(14), 4), 104, &ok);
	CU_ASSERT(!ok);
	CU_ASSERT_EQUAL(weir_window_advance(t, S(13)), 3);
	CU_ASSERT_EQUAL(g_fired.n, 3);
	CU_ASSERT_EQUAL(g_fired.f[0].order, 1);
	CU_ASSERT_EQUAL(g_fired.f[0].aux, 101);
	CU_ASSERT_EQUAL(g_fired.f[1].order, 2);
	CU_ASSERT_EQUAL(g_fired.f[1].aux, 102);
	CU_ASSERT_EQUAL(g_fired.f[1].res.count, 2);
	CU_ASSERT_STRING_EQUAL(g_fired.f[2].key, "j");
	CU_ASSERT_EQUAL(g_fired.f[2].aux, 103);
	/* late (dropped): taken without using the record, which stays free */
	commit_one(t, obs_mk(0, "k", S(5), 5), 105, &ok);
	CU_ASSERT(ok);
	/* a bad definition: refused like a full buffer */
	commit_one(t, obs_mk(7, "k", S(20), 6), 106, &ok);
	CU_ASSERT(!ok);
	weir_window_stats(t, &st);
	CU_ASSERT_EQUAL(st.observations, 6);
	CU_ASSERT_EQUAL(st.late_dropped, 1);
	CU_ASSERT_EQUAL(st.pending_full, 2);
	CU_ASSERT_EQUAL(st.pending, 0);
	CU_ASSERT_EQUAL(st.observations,
			st.applied + st.late_dropped + st.pending_full + st.pending);
	for (unsigned int i = 0; i < 3; i++) {
		commit_one(t, obs_mk(0, "k", S(20 + i), 10 + i), 110 + i, &ok);
		CU_ASSERT(ok);
	}
	CU_ASSERT_EQUAL(weir_window_advance(t, UINT64_MAX), 3);
	CU_ASSERT_EQUAL(g_fired.n, 6);
	CU_ASSERT_EQUAL(g_fired.f[5].aux, 112);
	weir_window_table_free(t);
}

/* Sweep drops the entries wholly expired at a time, and only those. */
static void
test_sweep(void)
{
	struct weir_window_conf c;
	struct weir_window_table *t;
	struct weir_window_stats st;

	conf_default(&c);
	t = mk1(&c, def_mk(1, S(10), true, WEIR_WAGG_COUNT, WEIR_WOP_GE, 2));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	put(t, 0, "old", S(1), 1);
	put(t, 0, "edge", S(5), 2);
	put(t, 0, "new", S(9), 3);
	CU_ASSERT_EQUAL(weir_window_sweep(t, S(15)), 2); /* 1 and 5 <= 15 - 10 */
	weir_window_stats(t, &st);
	CU_ASSERT_EQUAL(st.keys, 1);
	put(t, 0, "new", S(15), 4); /* 9 is still in (5, 15] */
	CU_ASSERT_EQUAL(g_fired.n, 1);
	CU_ASSERT_STRING_EQUAL(g_fired.f[0].key, "new");
	weir_window_table_free(t);
}

/* ---- randomized, against a naive oracle ---- */

#define R_OBS  3000
#define R_KEYS 5
#define R_DEFS 4

struct or_obs {
	uint32_t def, key;
	uint64_t t, order, seq, idx;
	double num;
	uint64_t hash;
};

struct oracle {
	struct weir_window_def defs[R_DEFS];
	struct or_obs applied[R_OBS];
	uint32_t n_applied;
	struct or_obs pending[R_OBS];
	uint32_t n_pending;
	bool any;
	uint64_t last;
	bool fired[R_DEFS][R_KEYS];
	uint64_t fired_t[R_DEFS][R_KEYS];
	struct fire_rec f[MAX_FIRES * 4];
	unsigned int n_fires;
	bool late_apply;
	uint32_t max_ev;
};

static struct oracle g_or;

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	return weir_ut_xorshift(&g_rng);
}

static bool
cond_ok(uint8_t op, double v, double n)
{
	switch (op) {
	case WEIR_WOP_GT:
		return v > n;
	case WEIR_WOP_GE:
		return v >= n;
	case WEIR_WOP_LT:
		return v < n;
	case WEIR_WOP_LE:
		return v <= n;
	default:
		return v == n;
	}
}

static void
or_apply(struct oracle * or, const struct or_obs *o)
{
	const struct weir_window_def *d = & or->defs[o->def];
	uint64_t now = 0, cnt = 0, first = UINT64_MAX;
	double agg[WEIR_WINDOW_COND_MAX] = {0};
	uint64_t hashes[R_OBS];
	uint32_t nh = 0;
	struct or_obs win[R_OBS];
	uint32_t nw = 0;
	bool ok = true;

	or->applied[or->n_applied] = *o;
	or->applied[or->n_applied].idx = or->n_applied;
	or->n_applied++;
	if (! or->any || o->t > or->last)
		or->last = o->t;
	or->any = true;
	for (uint32_t i = 0; i < or->n_applied; i++)
		if (or->applied[i].def == o->def && or->applied[i].key == o->key &&
		    or->applied[i].t > now)
			now = or->applied[i].t;
	/* the window: (now - W, now], in (t, application) order, of the
	 * key's last max_ev observations (with late drop, application order
	 * is time order) */
	for (uint32_t i = or->n_applied, kept = 0; i-- > 0 && kept < or->max_ev;) {
		const struct or_obs *a = & or->applied[i];

		if (a->def != o->def || a->key != o->key)
			continue;
		kept++;
		if (a->t + d->length_ns > now)
			win[nw++] = *a;
	}
	for (uint32_t i = 0; i < nw / 2; i++) {
		struct or_obs tmp = win[i];

		win[i] = win[nw - 1 - i];
		win[nw - 1 - i] = tmp;
	}
	for (uint32_t i = 1; i < nw; i++)
		for (uint32_t j = i; j > 0 && (win[j - 1].t > win[j].t); j--) {
			struct or_obs tmp = win[j - 1];

			win[j - 1] = win[j];
			win[j] = tmp;
		}
	if (nw == 0 || o->t + d->length_ns <= now)
		return; /* late and outside its key's window: nothing */
	cnt = nw;
	first = win[0].t;
	for (uint32_t c = 0; c < d->n_cond; c++) {
		switch (d->cond[c].agg) {
		case WEIR_WAGG_COUNT:
			agg[c] = (double)cnt;
			break;
		case WEIR_WAGG_SUM:
			for (uint32_t i = 0; i < nw; i++)
				agg[c] += win[i].num;
			break;
		case WEIR_WAGG_MIN:
			agg[c] = win[0].num;
			for (uint32_t i = 1; i < nw; i++)
				if (win[i].num < agg[c])
					agg[c] = win[i].num;
			break;
		case WEIR_WAGG_MAX:
			agg[c] = win[0].num;
			for (uint32_t i = 1; i < nw; i++)
				if (win[i].num > agg[c])
					agg[c] = win[i].num;
			break;
		default:
			/* distinct is over the whole window, also past the store:
			 * the sketch's estimate of at most six values is exact
			 * while no two share a register (these six do not) */
			nh = 0;
			for (uint32_t i = 0; i < or->n_applied; i++) {
				const struct or_obs *a = & or->applied[i];
				bool seen = false;

				if (a->def != o->def || a->key != o->key ||
				    a->t + d->length_ns <= now)
					continue;
				for (uint32_t j = 0; j < nh && !seen; j++)
					seen = hashes[j] == a->hash;
				if (!seen)
					hashes[nh++] = a->hash;
			}
			agg[c] = nh;
		}
		if (!cond_ok(d->cond[c].op, agg[c], d->cond[c].n))
			ok = false;
	}
	if (!ok)
		return;
	if (!d->fire_each) {
		if (or->fired[o->def][o->key] && o->t < or->fired_t[o->def][o->key] + d->length_ns)
			return;
		or->fired[o->def][o->key] = true;
		or->fired_t[o->def][o->key] = o->t;
	}
	{
		struct fire_rec *r = & or->f[or->n_fires++];

		memset(r, 0, sizeof(*r));
		r->sid = d->sid;
		r->order = o->order;
		r->t = o->t;
		snprintf(r->key, sizeof(r->key), "key-%u", o->key);
		r->res.count = cnt;
		memcpy(r->res.agg, agg, sizeof(agg));
		r->res.first_ts_ns = first;
		r->res.last_ts_ns = now;
	}
}

static void
or_advance(struct oracle * or, uint64_t wm)
{
	for (;;) {
		int best = -1;

		for (uint32_t i = 0; i < or->n_pending; i++) {
			const struct or_obs *p = & or->pending[i];

			if (p->t > wm)
				continue;
			if (best < 0 || p->t < or->pending[best].t ||
			    (p->t == or->pending[best].t &&
					       (p->order < or->pending[best].order ||
						(p->order == or->pending[best].order && p->seq <
						 or->pending[best].seq))))
				best = (int)i;
		}
		if (best < 0)
			return;
		{
			struct or_obs o = or->pending[best];

			or->pending[best] = or->pending[-- or->n_pending];
			or_apply(or, &o);
		}
	}
}

static void
random_run(bool late_apply, uint32_t max_ev, uint64_t seed)
{
	struct weir_window_conf c;
	struct weir_window_table *t;
	struct weir_window_stats st;
	uint64_t clock = S(1000), wm = 0, seq = 0;
	unsigned int late = 0;

	g_rng = seed;
	memset(&g_or, 0, sizeof(g_or));
	g_or.late_apply = late_apply;
	g_or.max_ev = max_ev;
	for (uint32_t d = 0; d < R_DEFS; d++) {
		struct weir_window_def *w = &g_or.defs[d];

		memset(w, 0, sizeof(*w));
		w->sid = 100 + d;
		w->rev = 1;
		w->length_ns = S(1 + rnd() % 20);
		w->fire_each = rnd() % 2;
		w->n_cond = (uint8_t)(1 + rnd() % WEIR_WINDOW_COND_MAX);
		for (uint32_t k = 0; k < w->n_cond; k++) {
			w->cond[k].agg = (uint8_t)(rnd() % 5);
			w->cond[k].op = (uint8_t)(rnd() % 5);
			if (w->cond[k].op == WEIR_WOP_LT || w->cond[k].op == WEIR_WOP_LE)
				w->cond[k].n = (double)(5 + rnd() % 40);
			else
				w->cond[k].n = (double)(rnd() % 8);
		}
	}
	conf_default(&c);
	c.late_apply = late_apply;
	c.max_events_per_key = max_ev;
	c.memcap = 16u << 20;
	memset(&g_fired, 0, sizeof(g_fired));
	t = weir_window_table_create(&c, g_or.defs, R_DEFS, on_fire, NULL);
	WEIR_CU_ASSERT_FATAL(t != NULL);
	for (unsigned int i = 0; i < R_OBS; i++) {
		struct or_obs o;
		struct weir_window_obs wo;
		char key[16];

		memset(&o, 0, sizeof(o));
		clock += (rnd() % 4) * MS(500); /* ties happen */
		o.def = (uint32_t)(rnd() % R_DEFS);
		o.key = (uint32_t)(rnd() % R_KEYS);
		/* arrival up to 3 s out of order */
		o.t = clock - (rnd() % 7) * MS(500);
		o.order = rnd() % 4; /* ties on order too */
		o.seq = seq++;
		o.num = (double)(rnd() % 16) / 2; /* halves: sums stay exact */
		o.hash = rnd() % 6;
		snprintf(key, sizeof(key), "key-%u", o.key);
		wo = obs_mk(o.def, key, o.t, o.order);
		for (uint32_t k = 0; k < WEIR_WINDOW_COND_MAX; k++) {
			if (g_or.defs[o.def].cond[k].agg == WEIR_WAGG_DISTINCT)
				wo.v[k].hash = o.hash;
			else
				wo.v[k].num = o.num;
		}
		CU_ASSERT(weir_window_offer(t, &wo, NULL));
		if (g_or.any && o.t < g_or.last) {
			late++;
			if (late_apply)
				or_apply(&g_or, &o);
		} else {
			g_or.pending[g_or.n_pending++] = o;
		}
		if (rnd() % 3 == 0) {
			/* a watermark that sometimes lags behind the clock */
			uint64_t nwm = clock - (rnd() % 4) * S(1);

			if (nwm > wm)
				wm = nwm;
			weir_window_advance(t, wm);
			or_advance(&g_or, wm);
		}
	}
	weir_window_advance(t, UINT64_MAX);
	or_advance(&g_or, UINT64_MAX);
	weir_window_stats(t, &st);
	CU_ASSERT_EQUAL(st.late, late);
	CU_ASSERT(max_ev > R_OBS || st.key_overflow > 0);
	CU_ASSERT(late > 0);
	CU_ASSERT_EQUAL(st.observations, R_OBS);
	CU_ASSERT_EQUAL(st.applied + st.late_dropped + st.pending, R_OBS);
	CU_ASSERT_EQUAL(st.applied, g_or.n_applied);
	CU_ASSERT_EQUAL(st.alerts, g_or.n_fires);
	CU_ASSERT_EQUAL(g_fired.n, g_or.n_fires);
	CU_ASSERT(g_or.n_fires > 10);
	for (unsigned int i = 0; i < g_fired.n && i < g_or.n_fires; i++) {
		const struct fire_rec *a = &g_fired.f[i], *b = &g_or.f[i];
		bool same = a->sid == b->sid && a->order == b->order && a->t == b->t &&
			    strcmp(a->key, b->key) == 0 && a->res.count == b->res.count &&
			    a->res.first_ts_ns == b->res.first_ts_ns &&
			    a->res.last_ts_ns == b->res.last_ts_ns;

		for (uint32_t k = 0; k < WEIR_WINDOW_COND_MAX; k++)
			same = same && a->res.agg[k] == b->res.agg[k];
		CU_ASSERT(same);
		if (!same) {
			fprintf(stderr,
				"fire %u differs: sid %u/%u key %s/%s t %llu/%llu count "
				"%llu/%llu\n",
				i, a->sid, b->sid, a->key, b->key, (unsigned long long)a->t,
				(unsigned long long)b->t, (unsigned long long)a->res.count,
				(unsigned long long)b->res.count);
			break;
		}
	}
	weir_window_table_free(t);
}

static void
test_random_oracle(void)
{
	for (uint64_t s = 1; s <= 6; s++) {
		random_run(false, 60000, 0x1234567ull * s + 1);
		random_run(true, 60000, 0x7654321ull * s + 3);
		random_run(false, 1 + (uint32_t)s % 2, 0x2468aceull * s + 5);
	}
}

/* ---- distinct past the store (the sliding HyperLogLog) ----
 *
 * Values are random 64-bit hashes from a fixed-seed generator, so the
 * number planted is the true distinct count (a repeat among 64-bit random
 * values is negligible at these sizes). The documented bound: relative
 * standard error sigma = 1.04 / sqrt(512) = 4.6 %. */

#define HLL_SIGMA (1.04 / 22.627416997969522) /* 1.04 / sqrt(512) */

static uint64_t g_hll_rng;

static uint64_t
hll_rand(void)
{
	uint64_t z = (g_hll_rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A rule that reads a key's distinct only when asked: sum(x) >= 1 (x is
 * 0 except on a marker observation) and distinct(v) >= 0, fire each. */
static struct weir_window_def
def_probe(uint64_t len_ns)
{
	struct weir_window_def d = def_mk(7, len_ns, true, WEIR_WAGG_SUM, WEIR_WOP_GE, 1);

	d.n_cond = 2;
	d.cond[1].agg = WEIR_WAGG_DISTINCT;
	d.cond[1].op = WEIR_WOP_GE;
	d.cond[1].n = 0;
	return d;
}

static void
put_v(struct weir_window_table *t, const char *key, uint64_t tm, uint64_t order, double x,
      uint64_t h)
{
	struct weir_window_obs o = obs_mk(0, key, tm, order);

	o.v[0].num = x;
	o.v[1].hash = h;
	CU_ASSERT(weir_window_offer(t, &o, NULL));
	weir_window_advance(t, tm);
}

/* The key's distinct at @p tm, by a marker observation of value @p h. */
static double
probe(struct weir_window_table *t, const char *key, uint64_t tm, uint64_t order, uint64_t h)
{
	unsigned int n = g_fired.n;

	put_v(t, key, tm, order, 1, h);
	CU_ASSERT_EQUAL_FATAL(g_fired.n, n + 1);
	return g_fired.f[n].res.agg[1];
}

/* Exact while the window fits the store: distinct of N planted values is
 * N at every step, up to max_events_per_key; and a window of many
 * observations of few values stays exact past it. */
static void
test_hll_exact(void)
{
	struct weir_window_conf c;
	struct weir_window_table *t;
	struct weir_window_stats st;
	bool all = true;

	conf_default(&c);
	g_hll_rng = 11;
	t = mk1(&c, def_mk(1, S(3600), true, WEIR_WAGG_DISTINCT, WEIR_WOP_GE, 0));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	for (unsigned int i = 0; i < 1024; i++) {
		struct weir_window_obs o = obs_mk(0, "k", S(1) + MS(i), i);

		o.v[0].hash = hll_rand();
		CU_ASSERT(weir_window_offer(t, &o, NULL));
		weir_window_advance(t, o.t_ns);
		all = all && g_fired.n == i + 1 && g_fired.f[i].res.agg[0] == (double)(i + 1);
	}
	CU_ASSERT(all);
	weir_window_stats(t, &st);
	CU_ASSERT_EQUAL(st.key_overflow, 0);
	weir_window_table_free(t);

	/* 20,000 observations of 7 values: past the store, still 7 */
	t = mk1(&c, def_probe(S(3600)));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	for (unsigned int i = 0; i < 20000; i++)
		put_v(t, "k", S(1) + MS(i), i, 0, 1000 + i % 7);
	CU_ASSERT_EQUAL(probe(t, "k", S(100), 0, 1000), 7);
	weir_window_stats(t, &st);
	CU_ASSERT(st.key_overflow > 0);
	weir_window_table_free(t);
}

/* Past the store, over many trials: the relative error is within
 * 3 sigma in at least 99 % of them, within 2 sigma in at least 90 %, and
 * the mean error is near 0; a key's state stays within the bound
 * weir_window_bytes_per_key() states. */
static void
test_hll_error(void)
{
	static const unsigned int sizes[] = {300, 2000, 20000};
	static const unsigned int trials[] = {300, 300, 60};
	struct weir_window_conf c;

	conf_default(&c);
	c.max_events_per_key = 64;
	c.memcap = 64u << 20;
	g_hll_rng = 0x5eed;
	for (unsigned int si = 0; si < 3; si++) {
		struct weir_window_def d = def_probe(S(3600));
		struct weir_window_table *t = mk1(&c, d);
		struct weir_window_stats st;
		unsigned int in3 = 0, in2 = 0, n = sizes[si];
		double mean = 0, worst = 0;

		WEIR_CU_ASSERT_FATAL(t != NULL);
		for (unsigned int k = 0; k < trials[si]; k++) {
			char key[32];
			uint64_t first = hll_rand(), tm = S(10) + S(10) * k;
			double est, err;

			snprintf(key, sizeof(key), "trial-%u", k);
			put_v(t, key, tm, 0, 0, first);
			for (unsigned int i = 1; i < n; i++)
				put_v(t, key, tm + MS(i) / 10, i, 0, hll_rand());
			est = probe(t, key, tm + MS(n) / 10, n, first);
			err = (est - n) / n;
			mean += err;
			worst = fabs(err) > worst ? fabs(err) : worst;
			in3 += fabs(err) <= 3 * HLL_SIGMA;
			in2 += fabs(err) <= 2 * HLL_SIGMA;
		}
		mean /= trials[si];
		weir_window_stats(t, &st);
		printf("\n  hll n=%u trials=%u: within 2 sigma %u, 3 sigma %u, mean %+.4f, worst "
		       "%.4f, %.0f bytes/key (bound %zu)",
		       n, trials[si], in2, in3, mean, worst, (double)st.state_bytes / st.keys,
		       weir_window_bytes_per_key(&c, &d));
		CU_ASSERT(in3 * 100 >= trials[si] * 99);
		CU_ASSERT(in2 * 10 >= trials[si] * 9);
		/* the mean of T trials: sigma / sqrt(T) each way, plus HLL's own
		 * bias where linear counting hands over (about 2.5 m) */
		CU_ASSERT(fabs(mean) <= 3 * HLL_SIGMA / sqrt(trials[si]) + 0.01);
		CU_ASSERT_EQUAL(st.evicted, 0);
		CU_ASSERT(st.state_bytes / st.keys <= weir_window_bytes_per_key(&c, &d));
		weir_window_table_free(t);
	}
}

/* Values that left the window stop counting, and the store becomes exact
 * again once everything it dropped has expired. */
static void
test_hll_sliding(void)
{
	struct weir_window_conf c;
	struct weir_window_table *t;
	struct weir_window_stats st0, st1, st2;
	unsigned int in3 = 0, probes = 0;
	uint64_t ord = 0;
	double est;

	conf_default(&c);
	c.max_events_per_key = 64;
	c.memcap = 64u << 20;
	g_hll_rng = 77;
	t = mk1(&c, def_probe(S(60)));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	weir_window_stats(t, &st0);
	/* D1 = 20,000 values in [1 s, 11 s) */
	for (unsigned int i = 0; i < 20000; i++)
		put_v(t, "k", S(1) + MS(i) / 2, ord++, 0, hll_rand());
	est = probe(t, "k", S(11), ord++, 1);
	CU_ASSERT(fabs(est - 20001) <= 3 * HLL_SIGMA * 20001);
	/* past W: D2 = 3,000 values in [100 s, 103 s): the estimate is D2's */
	for (unsigned int i = 0; i < 3000; i++)
		put_v(t, "k", S(100) + MS(i), ord++, 0, hll_rand());
	est = probe(t, "k", S(103), ord++, 2);
	CU_ASSERT(fabs(est - 3001) <= 3 * HLL_SIGMA * 3001);
	/* past W again: 50 values fit the store: exact, the sketch gone */
	for (unsigned int i = 0; i < 49; i++)
		put_v(t, "k", S(200) + MS(i), ord++, 0, hll_rand());
	CU_ASSERT_EQUAL(probe(t, "k", S(201), ord++, 3), 50);
	weir_window_stats(t, &st1);
	/* the entry and its store of 64 records of 3 words, 2 a chunk */
	CU_ASSERT(st1.state_bytes - st0.state_bytes <= (1 + 64 / 2 + 1) * 64);

	/* a steady stream, a new value every 1 ms, W = 60 s: the window
	 * holds 60,000; probed every 10 s from 70 s to 200 s (probes repeat
	 * an old value, so they add nothing) */
	for (unsigned int i = 0; i < 200000; i++) {
		uint64_t tm = S(1000) + MS(i);

		put_v(t, "s", tm, ord++, 0, hll_rand());
		if (i >= 70000 && i % 10000 == 0) {
			est = probe(t, "s", tm, ord++, 5);
			in3 += fabs(est - 60000) <= 3 * HLL_SIGMA * 60000;
			probes++;
		}
	}
	CU_ASSERT_EQUAL(in3, probes);
	weir_window_stats(t, &st2);
	printf("\n  hll steady 60,000 in window: %u/%u probes within 3 sigma, %llu bytes", in3,
	       probes, (unsigned long long)(st2.state_bytes - st1.state_bytes));
	weir_window_table_free(t);
}

/* fire once, distinct >= K past the store: one alert per window, when
 * the estimate crosses K (the true count then within 3 sigma of K). */
static void
test_hll_fire_once(void)
{
	struct weir_window_conf c;
	struct weir_window_table *t;
	const unsigned int K = 5000;
	uint64_t ord = 0;

	conf_default(&c);
	c.max_events_per_key = 64;
	c.memcap = 64u << 20;
	g_hll_rng = 99;
	t = mk1(&c, def_mk(1, S(60), false, WEIR_WAGG_DISTINCT, WEIR_WOP_GE, K));
	WEIR_CU_ASSERT_FATAL(t != NULL);
	for (unsigned int w = 0; w < 3; w++) {
		unsigned int before = g_fired.n, at = 0;

		/* 2 K new values in 10 s, then the window's last 50 s quiet */
		for (unsigned int i = 0; i < 2 * K; i++) {
			struct weir_window_obs o = obs_mk(0, "k", S(100) * (w + 1) + MS(i), ord++);

			o.v[0].hash = hll_rand();
			CU_ASSERT(weir_window_offer(t, &o, NULL));
			weir_window_advance(t, o.t_ns);
			if (g_fired.n > before && at == 0)
				at = i + 1;
		}
		CU_ASSERT_EQUAL(g_fired.n, before + 1);
		CU_ASSERT(g_fired.n == before + 1 && g_fired.f[before].res.agg[0] >= K);
		CU_ASSERT(fabs((double)at - K) <= 3 * HLL_SIGMA * K);
	}
	weir_window_table_free(t);
}

/* A rebuild keeps a sketch: the same estimate after it. */
static void
test_hll_rebuild(void)
{
	struct weir_window_conf c;
	struct weir_window_def d = def_probe(S(600));
	struct weir_window_table *t, *n;
	uint32_t kept, reset;
	double a, b;

	conf_default(&c);
	c.max_events_per_key = 64;
	g_hll_rng = 5;
	t = mk1(&c, d);
	WEIR_CU_ASSERT_FATAL(t != NULL);
	for (unsigned int i = 0; i < 5000; i++)
		put_v(t, "k", S(1) + MS(i), i, 0, hll_rand());
	n = weir_window_table_rebuild(t, &d, 1, on_fire, NULL, &kept, &reset);
	WEIR_CU_ASSERT_FATAL(n != NULL);
	CU_ASSERT_EQUAL(kept, 1);
	a = probe(t, "k", S(10), 9000, 42);
	b = probe(n, "k", S(10), 9000, 42);
	CU_ASSERT_EQUAL(a, b);
	CU_ASSERT(fabs(a - 5001) <= 3 * HLL_SIGMA * 5001);
	weir_window_table_free(t);
	weir_window_table_free(n);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("window", NULL, NULL);
	CU_ADD_TEST(s, test_create_bad);
	CU_ADD_TEST(s, test_boundary);
	CU_ADD_TEST(s, test_fire_once);
	CU_ADD_TEST(s, test_fire_each);
	CU_ADD_TEST(s, test_ties);
	CU_ADD_TEST(s, test_watermark);
	CU_ADD_TEST(s, test_late);
	CU_ADD_TEST(s, test_overflow);
	CU_ADD_TEST(s, test_pending_full);
	CU_ADD_TEST(s, test_reserve_commit);
	CU_ADD_TEST(s, test_sweep);
	CU_ADD_TEST(s, test_aggregates);
	CU_ADD_TEST(s, test_eviction);
	CU_ADD_TEST(s, test_long_keys);
	CU_ADD_TEST(s, test_rebuild);
	CU_ADD_TEST(s, test_random_oracle);
	CU_ADD_TEST(s, test_hll_exact);
	CU_ADD_TEST(s, test_hll_error);
	CU_ADD_TEST(s, test_hll_sliding);
	CU_ADD_TEST(s, test_hll_fire_once);
	CU_ADD_TEST(s, test_hll_rebuild);
	CU_ADD_TEST(s, test_prefault);
	return weir_ut_run();
}
