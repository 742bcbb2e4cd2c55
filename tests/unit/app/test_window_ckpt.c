/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of app/window_ckpt.c: a checkpoint written from several
 * tables reads back into a different number of tables with every entry
 * (rule, key, observations, fire-once state) where owner_of() puts it;
 * rules that changed are dropped and counted; every corruption (each byte
 * flipped, each truncation, wrong magic, wrong version, a well-checksummed
 * body with bad structure) is refused with a reason naming the file, and
 * leaves the tables untouched. CRC32C is held to its published check
 * value (RFC 3720 B.4: "123456789" -> 0xe3069283).
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weir_cunit.h"
#include "window_ckpt.h"

#define S(x) ((uint64_t)(x)*1000000000ull)

static char g_dir[64];
static unsigned int g_fires;

static void
on_fire(void *ctx, const struct weir_window_def *def, const struct weir_window_obs *obs,
	const struct weir_window_result *res, const void *aux)
{
	(void)ctx;
	(void)def;
	(void)obs;
	(void)res;
	(void)aux;
	g_fires++;
}

static void
conf_mk(struct weir_window_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->memcap = 4u << 20;
	c->max_events_per_key = 64;
	c->pending_max = 256;
	c->hash_seed = 1;
}

static void
defs_mk(struct weir_window_def d[3])
{
	memset(d, 0, 3 * sizeof(*d));
	d[0].sid = 9001;
	d[0].rev = 1;
	d[0].clause_hash = 0xaaaa;
	d[0].length_ns = S(600);
	d[0].n_cond = 1;
	d[0].cond[0] = (struct weir_window_cond){WEIR_WAGG_DISTINCT, WEIR_WOP_GE, 3};
	d[1].sid = 9002;
	d[1].rev = 3;
	d[1].clause_hash = 0xbbbb;
	d[1].length_ns = S(60);
	d[1].n_cond = 2;
	d[1].cond[0] = (struct weir_window_cond){WEIR_WAGG_COUNT, WEIR_WOP_GT, 5};
	d[1].cond[1] = (struct weir_window_cond){WEIR_WAGG_SUM, WEIR_WOP_GT, 100};
	d[2].sid = 9003;
	d[2].rev = 1;
	d[2].clause_hash = 0xcccc;
	d[2].length_ns = S(3600);
	d[2].fire_each = true;
	d[2].n_cond = 1;
	d[2].cond[0] = (struct weir_window_cond){WEIR_WAGG_COUNT, WEIR_WOP_GE, 2};
}

static uint64_t
key_hash(const char *k)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *k; k++)
		h = (h ^ (uint8_t)*k) * 0x100000001b3ull;
	return h;
}

static void
feed(struct weir_window_table *t, uint32_t def, const char *key, uint64_t tm, double num,
     uint64_t hash)
{
	struct weir_window_obs o;

	memset(&o, 0, sizeof(o));
	o.def = def;
	o.t_ns = tm;
	o.order = tm;
	o.key_len = (uint16_t)strlen(key);
	memcpy(o.key, key, o.key_len);
	o.key_hash = key_hash(key);
	for (int i = 0; i < WEIR_WINDOW_COND_MAX; i++)
		o.v[i].num = num;
	if (def == 0)
		o.v[0].hash = hash;
	CU_ASSERT(weir_window_offer(t, &o, NULL));
	weir_window_advance(t, tm);
}

static uint32_t
owner3(uint64_t h, void *arg)
{
	(void)arg;
	return (uint32_t)(h >> 7) % 3;
}

/* ---- canonical listing of a set of tables ---- */

struct listing {
	char **line;
	unsigned int n, cap;
	const struct weir_window_def *defs;
	uint32_t owner; /* the table being walked */
	bool check_owner;
	bool owner_ok;
};

static int
list_entry(void *arg, const struct weir_window_entry *e, const uint64_t *recs)
{
	struct listing *l = arg;
	uint32_t rw = weir_window_record_words(&l->defs[e->def]);
	size_t cap = 256 + ((size_t)e->n * rw + 2 * (size_t)e->n_sketch) * 20, off;
	char *s = malloc(cap);

	if (s == NULL)
		return -1;
	off = (size_t)snprintf(s, cap, "%u|%.*s|%llx|%d|%llu|%u", l->defs[e->def].sid,
			       (int)e->key_len, (const char *)e->key,
			       (unsigned long long)e->key_hash, e->fired,
			       (unsigned long long)e->fired_t, e->n);
	for (size_t i = 0; i < (size_t)e->n * rw && off < cap; i++)
		off += (size_t)snprintf(s + off, cap - off, ",%llx", (unsigned long long)recs[i]);
	if (e->sketch)
		off += (size_t)snprintf(s + off, cap - off, "|sketch %llx %u",
					(unsigned long long)e->overflow_t, e->n_sketch);
	for (size_t i = 0; i < 2 * (size_t)e->n_sketch && off < cap; i++)
		off += (size_t)snprintf(s + off, cap - off, ",%llx",
					(unsigned long long)recs[(size_t)e->n * rw + i]);
	if (l->check_owner && owner3(e->key_hash, NULL) != l->owner)
		l->owner_ok = false;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->line = realloc(l->line, l->cap * sizeof(*l->line));
	}
	l->line[l->n++] = s;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
list_tables(struct listing *l, struct weir_window_table *const *t, uint32_t n, bool check_owner)
{
	uint32_t nd;

	memset(l, 0, sizeof(*l));
	l->owner_ok = true;
	l->check_owner = check_owner;
	for (uint32_t i = 0; i < n; i++) {
		l->defs = weir_window_defs(t[i], &nd);
		l->owner = i;
		CU_ASSERT_EQUAL(weir_window_walk(t[i], list_entry, l), 0);
	}
	qsort(l->line, l->n, sizeof(*l->line), cmp_str);
}

static void
list_free(struct listing *l)
{
	for (unsigned int i = 0; i < l->n; i++)
		free(l->line[i]);
	free(l->line);
}

/* Two tables with state in all three rules; one time axis, 1000 s per
 * step, so nothing is late. */
static void
populate(struct weir_window_table *t[2])
{
	static const char *cities[] = {"paris", "lyon", "nice", "lille"};
	char key[128];

	for (unsigned int i = 0; i < 40; i++) {
		uint32_t owner = i % 2;
		uint64_t base = S(1000 * (i + 1));

		snprintf(key, sizeof(key), "411111******%04u", i);
		for (unsigned int k = 0; k <= i % 5; k++)
			feed(t[owner], 0, key, base + S(k), 0, key_hash(cities[k % 4]));
		snprintf(key, sizeof(key), "merchant-%u-with-a-long-name-to-spill-%u", i, i * 7919);
		for (unsigned int k = 0; k < 1 + i % 9; k++)
			feed(t[owner], 1, key, base + S(5 + k), 10.5 * k, 0);
		snprintf(key, sizeof(key), "dev%u", i % 3);
		feed(t[owner], 2, key, base + S(20), 0, 0);
	}
	/* two cities of three: the next one fires */
	feed(t[1], 0, "411111******9999", S(50000), 0, key_hash("paris"));
	feed(t[1], 0, "411111******9999", S(50001), 0, key_hash("lyon"));
}

static char *
path_of(const char *name)
{
	static char p[128];

	snprintf(p, sizeof(p), "%s/%s", g_dir, name);
	return p;
}

/* Temporary files left in the directory. */
static unsigned int
tmp_files(void)
{
	DIR *d = opendir(g_dir);
	struct dirent *de;
	unsigned int n = 0;

	if (d == NULL)
		return 1000;
	while ((de = readdir(d)) != NULL)
		n += strstr(de->d_name, ".tmp.") != NULL;
	closedir(d);
	return n;
}

static int
write_tables(struct weir_window_table *const *t, uint32_t n, const char *path)
{
	void *blk[4];
	size_t len[4];
	char err[256] = "";
	int rc;

	for (uint32_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL_FATAL(weir_window_ckpt_dump(t[i], &blk[i], &len[i]), 0);
	rc = weir_window_ckpt_write(path, blk, len, n, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "write: %s\n", err);
	for (uint32_t i = 0; i < n; i++)
		free(blk[i]);
	return rc;
}

static void
test_crc32c(void)
{
	CU_ASSERT_EQUAL(weir_window_crc32c(0, "123456789", 9), 0xe3069283u);
	CU_ASSERT_EQUAL(weir_window_crc32c(weir_window_crc32c(0, "1234", 4), "56789", 5),
			0xe3069283u);
}

static void
test_round_trip(void)
{
	struct weir_window_conf c;
	struct weir_window_def d[3];
	struct weir_window_table *a[2], *b[3];
	struct weir_window_ckpt_stats st;
	struct listing la, lb;
	char err[256] = "";
	unsigned int before;

	conf_mk(&c);
	defs_mk(d);
	for (int i = 0; i < 2; i++)
		a[i] = weir_window_table_create(&c, d, 3, on_fire, NULL);
	for (int i = 0; i < 3; i++)
		b[i] = weir_window_table_create(&c, d, 3, on_fire, NULL);
	WEIR_CU_ASSERT_FATAL(a[0] && a[1] && b[0] && b[1] && b[2]);
	populate(a);
	CU_ASSERT_EQUAL_FATAL(write_tables(a, 2, path_of("windows.ckpt")), 0);
	CU_ASSERT_EQUAL(tmp_files(), 0);
	CU_ASSERT_EQUAL(weir_window_ckpt_load(path_of("windows.ckpt"), b, 3, owner3, NULL, &st, err,
					      sizeof(err)),
			0);
	CU_ASSERT_EQUAL(st.blocks, 2);
	CU_ASSERT_EQUAL(st.rules_kept, 3);
	CU_ASSERT_EQUAL(st.rules_dropped, 0);
	CU_ASSERT_EQUAL(st.entries, 41 + 40 + 6);
	CU_ASSERT_EQUAL(st.restored, 41 + 40 + 3);
	CU_ASSERT_EQUAL(st.dropped_duplicate, 3); /* dev0..2 were in both tables */
	list_tables(&la, a, 2, false);
	list_tables(&lb, b, 3, true);
	CU_ASSERT(lb.owner_ok);
	/* the duplicate devN entries: the restored one is one of the two */
	CU_ASSERT_EQUAL(la.n, lb.n + 3);
	for (unsigned int i = 0, j = 0; i < lb.n; i++) {
		while (j < la.n && strcmp(la.line[j], lb.line[i]) != 0)
			j++;
		CU_ASSERT(j < la.n);
	}
	list_free(&la);
	list_free(&lb);

	/* behaviour continues: the third city fires in both */
	before = g_fires;
	feed(a[1], 0, "411111******9999", S(50002), 0, key_hash("nice"));
	CU_ASSERT_EQUAL(g_fires, before + 1);
	feed(b[owner3(key_hash("411111******9999"), NULL)], 0, "411111******9999", S(50002), 0,
	     key_hash("nice"));
	CU_ASSERT_EQUAL(g_fires, before + 2);
	for (int i = 0; i < 2; i++)
		weir_window_table_free(a[i]);
	for (int i = 0; i < 3; i++)
		weir_window_table_free(b[i]);
}

static void
test_unknown_rule(void)
{
	struct weir_window_conf c;
	struct weir_window_def d[3], nd[2];
	struct weir_window_table *a[2], *b;
	struct weir_window_ckpt_stats st;
	struct weir_window_stats ws;
	char err[256] = "";

	conf_mk(&c);
	defs_mk(d);
	for (int i = 0; i < 2; i++)
		a[i] = weir_window_table_create(&c, d, 3, on_fire, NULL);
	WEIR_CU_ASSERT_FATAL(a[0] && a[1]);
	populate(a);
	CU_ASSERT_EQUAL_FATAL(write_tables(a, 2, path_of("rules.ckpt")), 0);
	/* sid 9001 gets a new rev, sid 9002 stays (moved to index 0), 9003 is gone */
	nd[0] = d[1];
	nd[1] = d[0];
	nd[1].rev = 2;
	b = weir_window_table_create(&c, nd, 2, on_fire, NULL);
	WEIR_CU_ASSERT_FATAL(b != NULL);
	CU_ASSERT_EQUAL(weir_window_ckpt_load(path_of("rules.ckpt"), &b, 1, NULL, NULL, &st, err,
					      sizeof(err)),
			0);
	CU_ASSERT_EQUAL(st.rules_kept, 1);
	CU_ASSERT_EQUAL(st.rules_dropped, 2);
	CU_ASSERT_EQUAL(st.restored, 40);
	CU_ASSERT_EQUAL(st.dropped_rule, 41 + 6);
	weir_window_stats(b, &ws);
	CU_ASSERT_EQUAL(ws.keys, 40);
	weir_window_table_free(b);
	for (int i = 0; i < 2; i++)
		weir_window_table_free(a[i]);
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static uint64_t
keys_of(struct weir_window_table *t)
{
	struct weir_window_stats ws;

	weir_window_stats(t, &ws);
	return ws.keys;
}

/* A load of @p buf must fail with a reason naming the file. */
static bool
refused(struct weir_window_table *t, const void *buf, size_t len, char *err, size_t errlen)
{
	int rc;

	err[0] = '\0';
	rc = weir_window_ckpt_load_buf(buf, len, "x/windows.ckpt", &t, 1, NULL, NULL, NULL, err,
				       errlen);
	return rc == -1 && strncmp(err, "x/windows.ckpt: ", 16) == 0 && keys_of(t) == 0;
}

static void
test_corruption(void)
{
	struct weir_window_conf c;
	struct weir_window_def d[3];
	struct weir_window_table *a[1], *b;
	uint8_t *buf, *cp;
	size_t len;
	char err[256];
	unsigned int bad = 0;

	conf_mk(&c);
	defs_mk(d);
	a[0] = weir_window_table_create(&c, d, 3, on_fire, NULL);
	b = weir_window_table_create(&c, d, 3, on_fire, NULL);
	WEIR_CU_ASSERT_FATAL(a[0] && b);
	feed(a[0], 0, "4111********1111", S(10), 0, 77);
	feed(a[0], 0, "4111********1111", S(11), 0, 78);
	feed(a[0], 2, "dev", S(12), 0, 0);
	CU_ASSERT_EQUAL_FATAL(write_tables(a, 1, path_of("small.ckpt")), 0);
	buf = slurp(path_of("small.ckpt"), &len);
	WEIR_CU_ASSERT_FATAL(buf != NULL && len > WEIR_WINDOW_CKPT_HDR);
	cp = malloc(len);
	WEIR_CU_ASSERT_FATAL(cp != NULL);

	/* each byte flipped */
	for (size_t i = 0; i < len; i++) {
		memcpy(cp, buf, len);
		cp[i] ^= 0x5a;
		if (!refused(b, cp, len, err, sizeof(err)))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* each truncation (a fresh copy of exactly that length: ASan sees any
	 * read past it) */
	for (size_t l = 0; l < len; l++) {
		uint8_t *t = malloc(l ? l : 1);

		memcpy(t, buf, l);
		if (!refused(b, t, l, err, sizeof(err)))
			bad++;
		free(t);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(refused(b, buf, 10, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "truncated header"));
	memcpy(cp, buf, len);
	cp[0] = 'X';
	CU_ASSERT(refused(b, cp, len, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad magic"));
	memcpy(cp, buf, len);
	cp[8] = 1; /* version 1: before sketches */
	CU_ASSERT(refused(b, cp, len, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "format version 1, this weir reads 2"));
	memcpy(cp, buf, len);
	cp[len - 1] ^= 1;
	CU_ASSERT(refused(b, cp, len, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "checksum"));
	CU_ASSERT(refused(b, buf, len - 1, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "body of"));

	/* the intact file loads */
	CU_ASSERT_EQUAL(weir_window_ckpt_load_buf(buf, len, "ok", &b, 1, NULL, NULL, NULL, err,
						  sizeof(err)),
			0);
	CU_ASSERT_EQUAL(keys_of(b), 2);
	free(cp);
	free(buf);
	weir_window_table_free(a[0]);
	weir_window_table_free(b);
}

/* Well checksummed, badly built: the structure checks refuse it. */
static void
test_bad_structure(void)
{
	struct weir_window_conf c;
	struct weir_window_def d[3];
	struct weir_window_table *a, *b;
	void *blk;
	size_t len;
	uint8_t *p;
	char err[256];
	size_t e0;
	struct {
		size_t off;
		uint8_t val;
		const char *why;
	} cases[] = {
		{0, 'X', "bad block magic"},
		{4, 0xff, "rules do not fit"},
		{8, 0xff, "entries do not fit"},
		{16 + 24, 0, "bad definition"},	      /* rule 0's n_cond */
		{16 + 26, 9, "bad aggregate"},	      /* rule 0's agg[0] */
		{0, 0, "rule 7 of 3"},		      /* entry 0's rule (at e0) */
		{0, 0, "key length 200"},	      /* entry 0's key_len (at e0 + 12) */
		{0, 0, "out of time order"},	      /* entry 0's second record */
		{0, 0, "bytes after the last entry"}, /* entries count - 1 */
	};
	size_t n_cases = sizeof(cases) / sizeof(cases[0]);

	conf_mk(&c);
	defs_mk(d);
	a = weir_window_table_create(&c, d, 3, on_fire, NULL);
	b = weir_window_table_create(&c, d, 3, on_fire, NULL);
	WEIR_CU_ASSERT_FATAL(a && b);
	/* one entry, rule 0 (distinct: 2 words per record), key 16 bytes */
	feed(a, 0, "4111********1111", S(10), 0, 77);
	feed(a, 0, "4111********1111", S(11), 0, 78);
	CU_ASSERT_EQUAL_FATAL(weir_window_ckpt_dump(a, &blk, &len), 0);
	e0 = 16 + 3 * 32;
	cases[5].off = e0;
	cases[5].val = 7;
	cases[6].off = e0 + 12;
	cases[6].val = 200;
	/* records start after rule, hash, len, key, fired, fired_t, n */
	cases[7].off = e0 + 4 + 8 + 2 + 16 + 1 + 8 + 4 + 16 + 7; /* 2nd t's top byte */
	cases[7].val = 0;
	cases[8].off = 8;
	cases[8].val = 0;
	p = malloc(len);
	WEIR_CU_ASSERT_FATAL(p != NULL);
	for (size_t i = 0; i < n_cases; i++) {
		void *one = p;
		uint8_t *f;
		size_t fl;

		memcpy(p, blk, len);
		p[cases[i].off] = cases[i].val;
		if (i == 7) /* make the first record later than the second */
			p[cases[i].off - 16] = 0xff;
		CU_ASSERT_EQUAL_FATAL(weir_window_ckpt_write(path_of("bad.ckpt"), &one, &len, 1,
							     err, sizeof(err)),
				      0);
		f = slurp(path_of("bad.ckpt"), &fl);
		WEIR_CU_ASSERT_FATAL(f != NULL);
		CU_ASSERT(refused(b, f, fl, err, sizeof(err)));
		if (strstr(err, cases[i].why) == NULL) {
			fprintf(stderr, "case %zu: want '%s', got '%s'\n", i, cases[i].why, err);
			CU_FAIL("reason");
		}
		free(f);
	}
	free(p);
	free(blk);
	weir_window_table_free(a);
	weir_window_table_free(b);
}

/* A key past its store (64 observations) with a sketch: it is written,
 * read back the same, and gives the same distinct after; a sketch word
 * that is not one is refused. */
static struct weir_window_result g_last;

static void
on_fire_keep(void *ctx, const struct weir_window_def *def, const struct weir_window_obs *obs,
	     const struct weir_window_result *res, const void *aux)
{
	(void)ctx;
	(void)def;
	(void)obs;
	(void)aux;
	g_last = *res;
	g_fires++;
}

static void
test_sketch_round_trip(void)
{
	struct weir_window_conf c;
	struct weir_window_def d;
	struct weir_window_table *a, *b, *e;
	struct weir_window_ckpt_stats st;
	struct listing la, lb;
	char err[256] = "";
	void *blk;
	size_t len, fl;
	uint8_t *f;
	double ea, eb;

	conf_mk(&c);
	memset(&d, 0, sizeof(d));
	d.sid = 9100;
	d.rev = 1;
	d.clause_hash = 0xdddd;
	d.length_ns = S(600);
	d.fire_each = true;
	d.n_cond = 1;
	d.cond[0] = (struct weir_window_cond){WEIR_WAGG_DISTINCT, WEIR_WOP_GE, 0};
	a = weir_window_table_create(&c, &d, 1, on_fire_keep, NULL);
	b = weir_window_table_create(&c, &d, 1, on_fire_keep, NULL);
	e = weir_window_table_create(&c, &d, 1, on_fire_keep, NULL);
	WEIR_CU_ASSERT_FATAL(a && b && e);
	/* 3,000 distinct values (distinct by construction: i + 1 times an
	 * odd number, plus i, is injective here) */
	for (unsigned int i = 0; i < 3000; i++)
		feed(a, 0, "411111******0001", S(10) + i * 1000000ull, 0,
		     (key_hash("v") | 1) * (i + 1) + i);
	CU_ASSERT_EQUAL_FATAL(write_tables(&a, 1, path_of("sketch.ckpt")), 0);
	CU_ASSERT_EQUAL(weir_window_ckpt_load(path_of("sketch.ckpt"), &b, 1, NULL, NULL, &st, err,
					      sizeof(err)),
			0);
	CU_ASSERT_EQUAL(st.restored, 1);
	list_tables(&la, &a, 1, false);
	list_tables(&lb, &b, 1, false);
	CU_ASSERT_EQUAL_FATAL(la.n, 1);
	CU_ASSERT_EQUAL_FATAL(lb.n, 1);
	CU_ASSERT_STRING_EQUAL(la.line[0], lb.line[0]);
	CU_ASSERT_PTR_NOT_NULL(strstr(la.line[0], "|sketch "));
	list_free(&la);
	list_free(&lb);

	/* the same estimate after, in both, within 3 sigma of the truth */
	feed(a, 0, "411111******0001", S(20), 0, 12345);
	ea = g_last.agg[0];
	feed(b, 0, "411111******0001", S(20), 0, 12345);
	eb = g_last.agg[0];
	CU_ASSERT_EQUAL(ea, eb);
	CU_ASSERT(ea > 3001 * (1 - 3 * 0.046) && ea < 3001 * (1 + 3 * 0.046));

	/* a sketch word with rank 0, in a well-checksummed file: refused */
	CU_ASSERT_EQUAL_FATAL(weir_window_ckpt_dump(a, &blk, &len), 0);
	((uint8_t *)blk)[len - 4] &= 0xc0; /* the last record's word */
	CU_ASSERT_EQUAL_FATAL(
		weir_window_ckpt_write(path_of("bad.ckpt"), &blk, &len, 1, err, sizeof(err)), 0);
	f = slurp(path_of("bad.ckpt"), &fl);
	WEIR_CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT(refused(e, f, fl, err, sizeof(err)));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "bad sketch"));
	free(f);
	free(blk);
	weir_window_table_free(a);
	weir_window_table_free(b);
	weir_window_table_free(e);
}

static void
test_files(void)
{
	struct weir_window_conf c;
	struct weir_window_def d[3];
	struct weir_window_table *t;
	char err[256] = "";
	void *blk;
	size_t len;

	conf_mk(&c);
	defs_mk(d);
	t = weir_window_table_create(&c, d, 3, on_fire, NULL);
	WEIR_CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_EQUAL(weir_window_ckpt_load(path_of("absent.ckpt"), &t, 1, NULL, NULL, NULL, err,
					      sizeof(err)),
			-1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "absent.ckpt: not found"));
	CU_ASSERT_EQUAL_FATAL(weir_window_ckpt_dump(t, &blk, &len), 0);
	CU_ASSERT(weir_window_ckpt_write(path_of("no/such/dir/w.ckpt"), &blk, &len, 1, err,
					 sizeof(err)) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no/such/dir/w.ckpt.tmp"));
	/* an empty table round-trips */
	CU_ASSERT_EQUAL(
		weir_window_ckpt_write(path_of("empty.ckpt"), &blk, &len, 1, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(weir_window_ckpt_load(path_of("empty.ckpt"), &t, 1, NULL, NULL, NULL, err,
					      sizeof(err)),
			0);
	free(blk);
	weir_window_table_free(t);
}

static int
cleanup(void)
{
	static const char *files[] = {"windows.ckpt", "rules.ckpt", "small.ckpt", "bad.ckpt",
				      "empty.ckpt"};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(path_of(files[i]));
	return rmdir(g_dir);
}

int
main(void)
{
	CU_pSuite s;
	int rc;

	snprintf(g_dir, sizeof(g_dir), "/tmp/weir-wckpt-XXXXXX");
	if (mkdtemp(g_dir) == NULL)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("window_ckpt", NULL, NULL);
	CU_ADD_TEST(s, test_crc32c);
	CU_ADD_TEST(s, test_round_trip);
	CU_ADD_TEST(s, test_unknown_rule);
	CU_ADD_TEST(s, test_corruption);
	CU_ADD_TEST(s, test_bad_structure);
	CU_ADD_TEST(s, test_files);
	CU_ADD_TEST(s, test_sketch_round_trip);
	rc = weir_ut_run();
	cleanup();
	return rc;
}
