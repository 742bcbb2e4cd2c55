/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-window: window updates per second on one owner core (issue 18),
 * i.e. the owner thread's cost per observation: weir_window_offer() plus
 * weir_window_advance() once per burst of 32 (one worker, lateness 0:
 * the watermark is the burst's last time), with K keys, for a count rule
 * and a distinct rule, and the state bytes per key they cost.
 *
 * Each run: a table whose memcap holds K keys without eviction, a warm-up
 * that gives every key one observation (so the table holds K entries, as
 * a long-running owner would), then U timed updates on keys drawn
 * uniformly, event time advancing 1 ms per update. Keys are rendered like
 * masked card numbers (16 bytes, "411111" + 6 digits + 4 digits) with a
 * precomputed 64-bit hash, as the worker hands them over.
 *
 * Rules (W = 10 min, fire once):
 *   count:    count >= 5
 *   distinct: distinct(city) >= 3, the city drawn from 8 values
 * At 1 ms per update and K keys a key holds 600,000 / K observations in
 * its window on average (60 at 10 K keys, 0.06 at 10 M).
 *
 * -r hll: distinct past the store (the sliding HyperLogLog): every value
 * new (random 64-bit hashes), event time advancing so that each key holds
 * -w observations in its 10 min window (default 20,000, past the store of
 * 1,024), the table warmed up by one full window of every key before the
 * timed updates. Two conditions: distinct(v) >= 1e9, never true, so
 * every update evaluates the estimate (the worst case), and
 * distinct(v) >= 5000, fire once: after its alert a key is quiet for W and
 * only keeps its sketch up to date.
 *
 * usage: bench-window [-k KEYS[,KEYS...]] [-u UPDATES] [-r count|distinct|both|hll]
 *                     [-w PER_KEY_IN_WINDOW] [-s SEED]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "window.h"

#define BENCH_BURST	32
#define BENCH_MAX_SIZES 8
#define NS_PER_MS	1000000ull

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t
bench_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t
bench_rand(uint64_t *s)
{
	return bench_mix(*s += 0x9e3779b97f4a7c15ull);
}

static uint64_t g_alerts;

static void
bench_fire(void *ctx, const struct weir_window_def *def, const struct weir_window_obs *obs,
	   const struct weir_window_result *res, const void *aux)
{
	(void)ctx;
	(void)def;
	(void)obs;
	(void)res;
	(void)aux;
	g_alerts++;
}

/* Key @p k as "411111" + 10 digits (16 bytes), its hash. */
static inline void
bench_key(struct weir_window_obs *o, uint32_t k)
{
	static const char pre[6] = {'4', '1', '1', '1', '1', '1'};
	uint32_t v = k;

	memcpy(o->key, pre, sizeof(pre));
	for (int i = 15; i >= 6; i--) {
		o->key[i] = (uint8_t)('0' + v % 10);
		v /= 10;
	}
	o->key_len = 16;
	o->key_hash = bench_mix((uint64_t)k + 0x5eed);
}

struct bench_res {
	double ups;
	double bytes_per_key;
	size_t bound_per_key;
	uint64_t keys, evicted, alerts;
};

static int
bench_run(uint32_t keys, uint64_t updates, bool distinct, uint64_t seed, struct bench_res *r)
{
	struct weir_window_conf conf;
	struct weir_window_def def;
	struct weir_window_table *t;
	struct weir_window_stats st;
	struct weir_window_obs o;
	uint64_t now = 1700000000ull * 1000000000ull, s = seed, state0;
	double t0, t1;

	memset(&def, 0, sizeof(def));
	def.sid = distinct ? 9001 : 9002;
	def.rev = 1;
	def.length_ns = 600ull * 1000000000ull;
	def.n_cond = 1;
	def.cond[0].agg = distinct ? WEIR_WAGG_DISTINCT : WEIR_WAGG_COUNT;
	def.cond[0].op = WEIR_WOP_GE;
	def.cond[0].n = distinct ? 3 : 5;
	memset(&conf, 0, sizeof(conf));
	conf.max_events_per_key = 1024;
	conf.pending_max = 4096;
	conf.hash_seed = 0x1234;
	/* room for every key with its window's observations: 2 slots each
	 * plus the chunks of 600 s of updates, and the fixed part */
	conf.memcap = (size_t)keys * 2 * 68 + (600000 / 3 + 1) * 68 + (64u << 20);
	g_alerts = 0;
	t = weir_window_table_create(&conf, &def, 1, bench_fire, NULL);
	if (t == NULL) {
		fprintf(stderr, "bench-window: table of %zu bytes: %s\n", conf.memcap,
			strerror(errno));
		return -1;
	}
	memset(&o, 0, sizeof(o));
	/* warm-up: every key once */
	for (uint32_t k = 0; k < keys; k++) {
		bench_key(&o, k);
		o.t_ns = now;
		o.order = k;
		o.v[0].hash = bench_rand(&s) & 7;
		weir_window_offer(t, &o, NULL);
		if ((k & (BENCH_BURST - 1)) == BENCH_BURST - 1)
			weir_window_advance(t, now);
		now += NS_PER_MS;
	}
	weir_window_advance(t, now);
	weir_window_stats(t, &st);
	state0 = st.state_bytes;
	r->bytes_per_key = (double)st.state_bytes / (double)(st.keys ? st.keys : 1);
	r->bound_per_key = weir_window_bytes_per_key(&conf, &def);

	t0 = bench_now();
	for (uint64_t i = 0; i < updates; i++) {
		uint64_t x = bench_rand(&s);

		bench_key(&o, (uint32_t)((x >> 8) % keys));
		o.t_ns = now;
		o.order = i;
		o.v[0].hash = x & 7;
		weir_window_offer(t, &o, NULL);
		if ((i & (BENCH_BURST - 1)) == BENCH_BURST - 1)
			weir_window_advance(t, now);
		now += NS_PER_MS;
	}
	weir_window_advance(t, UINT64_MAX);
	t1 = bench_now();
	weir_window_stats(t, &st);
	(void)state0;
	r->ups = (double)updates / (t1 - t0);
	r->keys = st.keys;
	r->evicted = st.evicted;
	r->alerts = g_alerts;
	weir_window_table_free(t);
	return 0;
}

/* Distinct past the store: @p keys keys with @p per_key observations of
 * new values each in their window. */
static int
bench_run_hll(uint32_t keys, uint64_t updates, uint32_t per_key, double thresh, uint64_t seed,
	      struct bench_res *r)
{
	struct weir_window_conf conf;
	struct weir_window_def def;
	struct weir_window_table *t;
	struct weir_window_stats st;
	struct weir_window_obs o;
	uint64_t now = 1700000000ull * 1000000000ull, s = seed, len = 600ull * 1000000000ull;
	uint64_t step = len / ((uint64_t)per_key * keys), warm = (uint64_t)per_key * keys;
	double t0 = bench_now(), t1;

	memset(&def, 0, sizeof(def));
	def.sid = 9003;
	def.rev = 1;
	def.length_ns = len;
	def.n_cond = 1;
	def.cond[0].agg = WEIR_WAGG_DISTINCT;
	def.cond[0].op = WEIR_WOP_GE;
	def.cond[0].n = thresh;
	memset(&conf, 0, sizeof(conf));
	conf.max_events_per_key = 1024;
	conf.pending_max = 4096;
	conf.hash_seed = 0x1234;
	/* the store (1,024 records, 3 a slot) and a sketch of a few hundred
	 * slots per key, with room to spare: no eviction */
	conf.memcap = (size_t)keys * (1u << 20) + (64u << 20);
	g_alerts = 0;
	t = weir_window_table_create(&conf, &def, 1, bench_fire, NULL);
	if (t == NULL) {
		fprintf(stderr, "bench-window: table of %zu bytes: %s\n", conf.memcap,
			strerror(errno));
		return -1;
	}
	memset(&o, 0, sizeof(o));
	for (uint64_t i = 0; i < warm + updates; i++) {
		uint64_t x = bench_rand(&s);

		if (i == warm) {
			weir_window_advance(t, now);
			t0 = bench_now();
		}
		bench_key(&o, (uint32_t)(i % keys));
		o.t_ns = now;
		o.order = i;
		o.v[0].hash = x;
		weir_window_offer(t, &o, NULL);
		if ((i & (BENCH_BURST - 1)) == BENCH_BURST - 1)
			weir_window_advance(t, now);
		now += step;
	}
	weir_window_advance(t, UINT64_MAX);
	t1 = bench_now();
	weir_window_stats(t, &st);
	r->ups = (double)updates / (t1 - t0);
	r->bytes_per_key = (double)st.state_bytes / (double)(st.keys ? st.keys : 1);
	r->bound_per_key = weir_window_bytes_per_key(&conf, &def);
	r->keys = st.keys;
	r->evicted = st.evicted;
	r->alerts = g_alerts;
	weir_window_table_free(t);
	return 0;
}

int
main(int argc, char **argv)
{
	uint32_t sizes[BENCH_MAX_SIZES] = {10000, 1000000, 10000000};
	unsigned int n_sizes = 3;
	uint64_t updates = 20000000, seed = 42;
	uint32_t per_key = 20000;
	bool sizes_set = false, updates_set = false;
	const char *rules = "both";
	int c;

	while ((c = getopt(argc, argv, "k:u:r:s:w:h")) != -1) {
		switch (c) {
		case 'k': {
			char *p = optarg, *end;

			n_sizes = 0;
			sizes_set = true;
			while (*p && n_sizes < BENCH_MAX_SIZES) {
				sizes[n_sizes++] = (uint32_t)strtoul(p, &end, 10);
				p = *end == ',' ? end + 1 : end;
				if (end == p && *p)
					break;
			}
			break;
		}
		case 'u':
			updates = strtoull(optarg, NULL, 10);
			updates_set = true;
			break;
		case 'w':
			per_key = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rules = optarg;
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: bench-window [-k KEYS[,KEYS...]] [-u UPDATES] "
					"[-r count|distinct|both|hll] [-w PER_KEY_IN_WINDOW] "
					"[-s SEED]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (strcmp(rules, "hll") == 0) {
		if (!sizes_set) {
			sizes[0] = 10;
			sizes[1] = 100;
			n_sizes = 2;
		}
		if (!updates_set)
			updates = 1000000;
		printf("| rule (fire once) | keys | in window per key | updates | updates/s | "
		       "state bytes/key | bound bytes/key | alerts |\n"
		       "|---|---:|---:|---:|---:|---:|---:|---:|\n");
		for (int d = 0; d < 2; d++)
			for (unsigned int i = 0; i < n_sizes; i++) {
				struct bench_res r;

				if (bench_run_hll(sizes[i], updates, per_key, d ? 5000 : 1e9, seed,
						  &r) != 0)
					return 1;
				printf("| %s | %" PRIu32 " | %" PRIu32 " | %" PRIu64
				       " | %.0f | %.0f | %zu | %" PRIu64 " |\n",
				       d ? "distinct(v) >= 5000" : "distinct(v) >= 1e9 (never)",
				       sizes[i], per_key, updates, r.ups, r.bytes_per_key,
				       r.bound_per_key, r.alerts);
				fflush(stdout);
			}
		return 0;
	}
	printf("| rule | keys | updates | Mupdates/s | state bytes/key | bound bytes/key | "
	       "alerts | evicted |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
	for (int d = 0; d <= 1; d++) {
		if ((d == 0 && strcmp(rules, "distinct") == 0) ||
		    (d == 1 && strcmp(rules, "count") == 0))
			continue;
		for (unsigned int i = 0; i < n_sizes; i++) {
			struct bench_res r;

			if (bench_run(sizes[i], updates, d == 1, seed, &r) != 0)
				return 1;
			printf("| %s | %" PRIu32 " | %" PRIu64 " | %.2f | %.1f | %zu | %" PRIu64
			       " | %" PRIu64 " |\n",
			       d ? "distinct(city) >= 3" : "count >= 5", sizes[i], updates,
			       r.ups / 1e6, r.bytes_per_key, r.bound_per_key, r.alerts, r.evicted);
			fflush(stdout);
		}
	}
	return 0;
}
