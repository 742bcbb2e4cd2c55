/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of app/stream.c (TCP reassembly for stream rules), held to the
 * contract of app/stream.h. Each case drives weir_stream_packet() and
 * weir_stream_flow_end() directly with a hand-made flow and hand-made TCP
 * segments of a byte stream the case built, and checks what the chunk
 * callback received against that stream:
 *
 * - the bytes: every run given to the callback equals the original stream
 *   at its offset, runs of one Hyperscan stream are contiguous, and a jump
 *   between runs is a hole the `gap_bytes` counter owns;
 * - the matches: the runs are fed to the real stream database through
 *   weir_ruleset_scan_stream() / weir_ruleset_stream_close(), and what
 *   they report (sid, stream offset = hs_off + match end) must equal an
 *   independent oracle: memmem() over the original stream for the literal
 *   contents (per run, per rule, the first occurrence that ends in the run
 *   and starts at or after the run's Hyperscan stream started: a rule alerts
 *   at most once per call, rules.h) and, for the `$` pcre, a suffix test at
 *   the stream's close.
 *
 * Where a case needs a specific answer (overlap policy, holes, depth, ACK
 * boundaries) it is written down from stream.h and Suricata's documented
 * behaviour (stream-tcp-list.c DoHandleDataOverlap, OS_POLICY_BSD), never
 * taken from weir's output. After every flow end the pools must be empty.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"
#include "stream.h"
#include "weir_cunit.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

#define MAX_STREAM 20000u
#define MAX_RUNS   8192u
#define MAX_HITS   8192u

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the rule set and its oracle ------------------------------------ */

/* The stream rules: literal contents (oracle: memmem) and one `$` pcre
 * (oracle: the stream ends with it at its close). */
static const struct {
	uint32_t sid;
	const char *lit; /* NULL: the `xyz$` pcre */
	const char *rule;
} g_rules[] = {
	{1, "4111111111111111",
	 "alert tcp any any -> any any (msg:\"card\"; flow:only_stream; "
	 "content:\"4111111111111111\"; sid:1;)"},
	{2, "PAYMENT",
	 "alert tcp any any -> any any (msg:\"pay\"; flow:only_stream; content:\"PAYMENT\"; "
	 "sid:2;)"},
	{3, "ab",
	 "alert tcp any any -> any any (msg:\"ab\"; flow:only_stream; content:\"ab\"; sid:3;)"},
	{4, NULL,
	 "alert tcp any any -> any any (msg:\"end\"; flow:only_stream; pcre:\"/xyz$/\"; sid:4;)"},
};
#define END_LIT "xyz"

static struct weir_rule_vars g_vars;
static struct weir_ruleset *g_rs;

static struct weir_ruleset *
build_rules(void)
{
	struct weir_suri_rule_list l = {0};
	struct weir_ruleset_opts o = {.vars = &g_vars};
	struct weir_diags ds;
	struct weir_ruleset *rs;
	unsigned int i, bad = 0;
	char buf[512];

	if (weir_diags_init(&ds, 8) != 0)
		return NULL;
	for (i = 0; i < N(g_rules); i++)
		if (weir_rules_parse_suri_rule("t.rules", i + 1, g_rules[i].rule, &g_vars, &l,
					       &ds) != 0)
			bad++;
	rs = weir_compile_lists(NULL, &l, &o, &ds, bad);
	if (rs == NULL && ds.n > 0) {
		weir_diag_format(&ds.v[0], buf, sizeof(buf));
		fprintf(stderr, "\n  refused: %s\n", buf);
	}
	weir_diags_free(&ds);
	return rs;
}

/* ---- what the chunk callback saw ------------------------------------- */

struct run {
	unsigned int dir;
	uint64_t off, hs_off;
	uint32_t len;
};

struct hit {
	unsigned int dir;
	uint32_t sid;
	uint64_t end;
};

static struct {
	const uint8_t *orig[2]; /* the stream each direction sends */
	uint32_t orig_len[2];
	struct run runs[MAX_RUNS];
	unsigned int n_runs;
	struct hit hits[MAX_HITS];
	unsigned int n_hits;
	uint64_t next_off[2];  /* end of the last run */
	uint64_t jumped[2];    /* bytes between runs (holes) */
	uint64_t run_bytes[2]; /* bytes given in runs */
	unsigned int closes[2];
	unsigned int bad; /* structural violations (printed) */
	/* the call in progress, for on_alert */
	unsigned int cur_dir;
	uint64_t cur_hs_off;
} g;

static void
on_alert(void *ctx, uint32_t idx, uint32_t match_end)
{
	(void)ctx;
	if (g.n_hits < MAX_HITS)
		g.hits[g.n_hits++] =
			(struct hit){g.cur_dir, g_rs->rules[idx].sid, g.cur_hs_off + match_end};
}

static const uint8_t g_cli[4] = {10, 0, 0, 1};
static const uint8_t g_srv[4] = {10, 0, 0, 2};

/* A run of direction @p dir (1: the server's bytes) of the client
 * g_cli:40000 -> g_srv:80 session @p f, as the worker would scan it. */
static struct weir_scan_pkt
scan_pkt_of(struct weir_flow *f, unsigned int dir, const uint8_t *data, uint32_t len)
{
	return (struct weir_scan_pkt){
		.payload = data,
		.len = len,
		.pclass = WEIR_PCLASS_TCP,
		.ip_version = 4,
		.sport = dir ? 80 : 40000,
		.dport = dir ? 40000 : 80,
		.src = dir ? g_srv : g_cli,
		.dst = dir ? g_cli : g_srv,
		.ts_ns = 1,
		.flow = WEIR_SCAN_FLOW | WEIR_SCAN_FLOW_ESTABLISHED |
			(dir ? WEIR_SCAN_FLOW_TOCLIENT : WEIR_SCAN_FLOW_TOSERVER),
		.vars = &f->vars,
	};
}

static void
chunk(void *arg, struct weir_flow *f, unsigned int dir, hs_stream_t *hs, const uint8_t *data,
      uint32_t len, uint64_t off, uint64_t hs_off)
{
	struct weir_scan_pkt sp = scan_pkt_of(f, dir, data, len);
	struct weir_scan_res res;

	(void)arg;
	g.cur_dir = dir;
	g.cur_hs_off = hs_off;
	if (data == NULL) {
		g.closes[dir]++;
		weir_ruleset_stream_close(g_rs, 0, hs, &sp, on_alert, NULL, &res);
		return;
	}
	if (len == 0 || off < g.next_off[dir] || hs_off > off) {
		fprintf(stderr, "\n  dir %u: run at %llu (+%u, hs_off %llu) after %llu\n", dir,
			(unsigned long long)off, len, (unsigned long long)hs_off,
			(unsigned long long)g.next_off[dir]);
		g.bad++;
	}
	if (g.orig[dir] != NULL &&
	    (off + len > g.orig_len[dir] || memcmp(data, g.orig[dir] + off, len) != 0)) {
		fprintf(stderr, "\n  dir %u: run at %llu (+%u): not the stream's bytes\n", dir,
			(unsigned long long)off, len);
		g.bad++;
	}
	if (g.n_runs < MAX_RUNS)
		g.runs[g.n_runs++] = (struct run){dir, off, hs_off, len};
	if (off > g.next_off[dir])
		g.jumped[dir] += off - g.next_off[dir];
	g.next_off[dir] = off + len;
	g.run_bytes[dir] += len;
	weir_ruleset_scan_stream(g_rs, 0, hs, &sp, on_alert, NULL, &res);
	CU_ASSERT(res.scan_error == 0);
}

/* The hits the oracle predicts for the runs recorded (plus the end-of-data
 * ones of directions that were closed at @p end_off). */
static unsigned int
oracle_hits(struct hit *out, unsigned int max)
{
	unsigned int n = 0, i, k;

	for (i = 0; i < g.n_runs; i++) {
		const struct run *r = &g.runs[i];
		const uint8_t *s = g.orig[r->dir];

		for (k = 0; k < N(g_rules); k++) {
			size_t pl;
			uint64_t from;

			if (g_rules[k].lit == NULL)
				continue;
			pl = strlen(g_rules[k].lit);
			/* first occurrence ending in (off, off+len], starting
			 * at or after hs_off */
			from = r->off + 1 >= r->hs_off + pl ? r->off + 1 - pl : r->hs_off;
			for (; from + pl <= r->off + r->len; from++) {
				if (memcmp(s + from, g_rules[k].lit, pl) == 0) {
					if (n < max)
						out[n++] = (struct hit){r->dir, g_rules[k].sid,
									from + pl};
					break;
				}
			}
		}
	}
	return n;
}

static int
cmp_hit(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;

	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return x->sid < y->sid ? -1 : x->sid > y->sid;
}

/* The recorded hits equal @p want (any order). */
static bool
hits_equal(struct hit *want, unsigned int n_want)
{
	static struct hit got[MAX_HITS];
	unsigned int i;

	memcpy(got, g.hits, g.n_hits * sizeof(got[0]));
	qsort(got, g.n_hits, sizeof(got[0]), cmp_hit);
	qsort(want, n_want, sizeof(want[0]), cmp_hit);
	for (i = 0; i < n_want || i < g.n_hits; i++) {
		if (i < n_want && i < g.n_hits && cmp_hit(&want[i], &got[i]) == 0)
			continue;
		fprintf(stderr, "\n  hit %u: want ", i);
		if (i < n_want)
			fprintf(stderr, "dir %u sid %u end %llu", want[i].dir, want[i].sid,
				(unsigned long long)want[i].end);
		else
			fprintf(stderr, "none");
		if (i < g.n_hits)
			fprintf(stderr, ", got dir %u sid %u end %llu\n", got[i].dir, got[i].sid,
				(unsigned long long)got[i].end);
		else
			fprintf(stderr, ", got none\n");
		return false;
	}
	return true;
}

/* The recorded hits are what the oracle predicts for the recorded runs,
 * plus @p extra (end-of-data hits the case expects). */
static bool
hits_match_oracle(const struct hit *extra, unsigned int n_extra)
{
	static struct hit want[MAX_HITS];
	unsigned int n = oracle_hits(want, MAX_HITS);

	if (n_extra > 0)
		memcpy(want + n, extra, n_extra * sizeof(*extra));
	return hits_equal(want, n + n_extra);
}

/* The bytes the runs of @p dir delivered, in offset order, equal
 * orig[from, to) exactly (no run outside it, every byte once). */
static bool
runs_cover(unsigned int dir, uint64_t from, uint64_t to)
{
	uint64_t at = from;
	unsigned int i;

	for (i = 0; i < g.n_runs; i++) {
		if (g.runs[i].dir != dir)
			continue;
		if (g.runs[i].off != at) {
			fprintf(stderr, "\n  dir %u: run at %llu, want %llu\n", dir,
				(unsigned long long)g.runs[i].off, (unsigned long long)at);
			return false;
		}
		at += g.runs[i].len;
	}
	if (at != to)
		fprintf(stderr, "\n  dir %u: runs end at %llu, want %llu\n", dir,
			(unsigned long long)at, (unsigned long long)to);
	return at == to;
}

/* ---- a session -------------------------------------------------------- */

/* The time of the packets pkt() makes (idle compression reads it). */
static uint64_t g_ts_ns;
#define SEC 1000000000ull

struct sess {
	struct weir_flow f;
	struct weir_stream_table *t;
	struct weir_stream_conf c;
	struct weir_stream_out o;
	uint32_t isn[2];
	struct weir_stream_stats st0; /* counters at the start */
};

static void
record_reset(void)
{
	memset(&g, 0, sizeof(g));
}

/* A session of two directions with these initial sequence numbers,
 * established after a handshake the stream never saw data in. */
static struct sess *
sess_new(const struct weir_stream_conf *c, uint32_t isn0, uint32_t isn1)
{
	struct sess *s = aligned_alloc(64, sizeof(*s));

	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	memset(s, 0, sizeof(*s));
	s->c = *c;
	s->t = weir_stream_table_create(c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->t);
	weir_stream_bind(s->t);
	s->isn[0] = isn0;
	s->isn[1] = isn1;
	s->f.flags = WEIR_FLOW_F_SESSION;
	s->f.tcp_state = WEIR_TCP_ESTABLISHED;
	s->f.dir[0].isn = isn0;
	s->f.dir[1].isn = isn1;
	s->f.key.proto = 6;
	s->f.key.ip_version = 4;
	s->o.rs = g_rs;
	s->o.chunk = chunk;
	s->o.arg = NULL;
	record_reset();
	weir_stream_stats_get(s->t, &s->st0);
	return s;
}

/* One packet of @p dir: @p len bytes at stream offset @p off (its
 * sequence number isn + 1 + off), acknowledging @p ack bytes of the
 * other side (isn + 1 + ack; with TH_ACK in @p flags). */
static void
pkt(struct sess *s, unsigned int dir, uint32_t off, const uint8_t *data, uint32_t len,
    uint8_t flags, uint32_t ack)
{
	struct weir_flow_pkt p;

	memset(&p, 0, sizeof(p));
	p.proto = 6;
	p.ip_version = 4;
	p.tcp_flags = flags;
	p.tcp_seq = s->isn[dir] + 1 + off;
	p.tcp_ack = s->isn[!dir] + 1 + ack;
	p.payload_len = len;
	p.ts_ns = g_ts_ns;
	weir_stream_packet(s->t, &s->f, dir, &p, data, 0, &s->o);
}

/* Bytes [off, off+len) of the original stream of @p dir, acknowledging
 * nothing new. */
static void
send(struct sess *s, unsigned int dir, uint32_t off, uint32_t len)
{
	pkt(s, dir, off, g.orig[dir] + off, len, TH_ACK | TH_PSH, 0);
}

/* The other side acknowledges @p upto bytes of @p dir. */
static void
ack(struct sess *s, unsigned int dir, uint32_t upto)
{
	pkt(s, !dir, 0, NULL, 0, TH_ACK, upto);
}

static void
stats(const struct sess *s, struct weir_stream_stats *st)
{
	weir_stream_stats_get(s->t, st);
}

/* End the flow: every pool back to empty. */
static void
sess_end(struct sess *s)
{
	struct weir_stream_stats st;

	weir_stream_flow_end(s->t, &s->f, &s->o);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.states, 0);
	CU_ASSERT_EQUAL(st.held_bytes, 0);
	CU_ASSERT_EQUAL(s->f.dir[0].sd.head, 0);
	CU_ASSERT_EQUAL(s->f.dir[1].sd.head, 0);
}

static void
sess_free(struct sess *s)
{
	weir_stream_bind(NULL);
	weir_stream_table_destroy(s->t);
	free(s);
}

/* ---- streams made for the cases -------------------------------------- */

static uint64_t g_rng;

static uint32_t
rnd(void)
{
	g_rng = g_rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(g_rng >> 33);
}

/* @p n bytes of 'a'..'h' (so "ab" is frequent and no planted pattern
 * appears by chance) with the card, PAYMENT and a final "xyz" planted
 * where segment boundaries will cut them. */
static uint8_t *
make_stream(uint32_t n, uint64_t seed)
{
	uint8_t *b = malloc(n);
	uint32_t i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	g_rng = seed;
	for (i = 0; i < n; i++)
		b[i] = (uint8_t)('a' + rnd() % 8);
	for (i = 37; i + 40 < n; i += 997) {
		memcpy(b + i, "4111111111111111", 16);
		memcpy(b + i + 20, "PAYMENT", 7);
	}
	if (n >= 3)
		memcpy(b + n - 3, END_LIT, 3);
	return b;
}

/* Cut [0, n) into segments of 1..max bytes: @return how many, starts in
 * @p at (and at[count] = n). */
static unsigned int
cut(uint32_t n, uint32_t max, uint32_t *at, unsigned int cap)
{
	unsigned int k = 0;
	uint32_t o = 0;

	while (o < n && k < cap - 1) {
		uint32_t l = 1 + rnd() % max;

		at[k++] = o;
		o = o + l > n ? n : o + l;
	}
	at[k] = n;
	return k;
}

static void
conf(struct weir_stream_conf *c, bool acked)
{
	weir_stream_conf_defaults(c);
	c->memcap = 1u << 20;
	c->reassembly_memcap = 16u << 20;
	c->state_bytes = 256;
	c->confirm_window = 0; /* the rules here need no confirm step */
	c->acked = acked;
}

/* The end-of-data hit of direction @p dir when its stream (from the
 * last hs_off) ends with "xyz" at @p end. */
static unsigned int
end_hit(struct hit *h, unsigned int dir, uint64_t end)
{
	if (end < 3 || memcmp(g.orig[dir] + end - 3, END_LIT, 3) != 0)
		return 0;
	*h = (struct hit){dir, 4, end};
	return 1;
}

/*
 * Send the stream of direction 0 in the segments @p at (@p n of them) in
 * the order @p order, optionally each twice, acknowledging everything at
 * the end (acked mode), then end the flow: the runs must be the whole
 * stream, in order, the hits the oracle's.
 */
static void
check_order(uint32_t len, const uint32_t *at, unsigned int n, const unsigned int *order, bool acked,
	    bool dup, uint32_t isn)
{
	struct weir_stream_conf c;
	struct weir_stream_stats st;
	struct sess *s;
	uint8_t *b = make_stream(len, 99 + len);
	struct hit eh[2];
	unsigned int i, ne;

	conf(&c, acked);
	c.max_held = len; /* the whole stream may wait for its first bytes */
	s = sess_new(&c, isn, 77);
	g.orig[0] = b;
	g.orig_len[0] = len;
	for (i = 0; i < n; i++) {
		unsigned int k = order[i];

		send(s, 0, at[k], at[k + 1] - at[k]);
		if (dup)
			send(s, 0, at[k], at[k + 1] - at[k]);
	}
	if (acked) {
		CU_ASSERT_EQUAL(g.n_runs, 0); /* nothing acknowledged yet */
		ack(s, 0, len);
	}
	CU_ASSERT(runs_cover(0, 0, len));
	stats(s, &st);
	CU_ASSERT_EQUAL(st.gaps, 0);
	CU_ASSERT_EQUAL(st.gap_bytes, 0);
	CU_ASSERT_EQUAL(st.bytes, len);
	CU_ASSERT_EQUAL(st.early, 0);
	CU_ASSERT_EQUAL(st.seg_nomem + st.state_nomem, 0);
	CU_ASSERT_EQUAL(st.held_bytes, 0);
	sess_end(s);
	CU_ASSERT_EQUAL(g.bad, 0);
	CU_ASSERT_EQUAL(g.closes[0], 1);
	ne = end_hit(eh, 0, len);
	CU_ASSERT(hits_match_oracle(eh, ne));
	free(b);
	sess_free(s);
}

/* ---- cases ------------------------------------------------------------ */

static uint32_t g_at[4096];
static unsigned int g_order[4096];

static void
test_in_order(void)
{
	unsigned int n, i, a;

	for (a = 0; a < 2; a++) {
		g_rng = 5;
		n = cut(6000, 700, g_at, N(g_at));
		for (i = 0; i < n; i++)
			g_order[i] = i;
		check_order(6000, g_at, n, g_order, a, false, 1000);
		/* one-byte segments */
		n = cut(600, 1, g_at, N(g_at));
		for (i = 0; i < n; i++)
			g_order[i] = i;
		check_order(600, g_at, n, g_order, a, false, 1000);
		/* segments longer than a held record (2032 bytes) */
		g_rng = 6;
		n = cut(12000, 5000, g_at, N(g_at));
		for (i = 0; i < n; i++)
			g_order[i] = i;
		check_order(12000, g_at, n, g_order, a, false, 1000);
	}
}

static void
test_reversed(void)
{
	unsigned int n, i, a;

	for (a = 0; a < 2; a++) {
		g_rng = 7;
		n = cut(5000, 400, g_at, N(g_at));
		for (i = 0; i < n; i++)
			g_order[i] = n - 1 - i;
		check_order(5000, g_at, n, g_order, a, false, 1000);
		g_rng = 8;
		n = cut(9000, 4000, g_at, N(g_at));
		for (i = 0; i < n; i++)
			g_order[i] = n - 1 - i;
		check_order(9000, g_at, n, g_order, a, false, 1000);
	}
}

static void
shuffle(unsigned int *o, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		o[i] = i;
	for (i = n; i > 1; i--) {
		unsigned int j = rnd() % i, t = o[i - 1];

		o[i - 1] = o[j];
		o[j] = t;
	}
}

static void
test_permutations(void)
{
	uint64_t seed;

	for (seed = 1; seed <= 12; seed++) {
		unsigned int n;

		g_rng = seed;
		n = cut(4000 + (uint32_t)seed * 131, 100 + (uint32_t)seed * 97, g_at, N(g_at));
		shuffle(g_order, n);
		check_order(4000 + (uint32_t)seed * 131, g_at, n, g_order, seed & 1, false, 1000);
	}
}

static void
test_duplicates(void)
{
	uint64_t seed;

	for (seed = 21; seed <= 26; seed++) {
		unsigned int n;

		g_rng = seed;
		n = cut(3000, 300, g_at, N(g_at));
		shuffle(g_order, n);
		check_order(3000, g_at, n, g_order, seed & 1, true, 1000);
	}
}

/* Retransmissions that overlap other segments with the same bytes: random
 * ranges of the stream, many overlapping, until every byte was sent. */
static void
test_overlaps_same_bytes(void)
{
	uint64_t seed;

	for (seed = 31; seed <= 40; seed++) {
		struct weir_stream_conf c;
		struct weir_stream_stats st;
		const uint32_t len = 5000;
		uint8_t *b = make_stream(len, seed);
		static uint8_t sent[5000];
		struct sess *s;
		struct hit eh[1];
		uint32_t left = len, i;
		unsigned int ne;
		bool acked = seed & 1;

		conf(&c, acked);
		c.max_held = len;
		s = sess_new(&c, 0xfffffff0u - (uint32_t)seed * 1000, 5);
		g.orig[0] = b;
		g.orig_len[0] = len;
		g_rng = seed;
		memset(sent, 0, sizeof(sent));
		while (left > 0) {
			uint32_t at = rnd() % len, l = 1 + rnd() % 900;

			if (at + l > len)
				l = len - at;
			send(s, 0, at, l);
			for (i = at; i < at + l; i++)
				if (!sent[i]) {
					sent[i] = 1;
					left--;
				}
		}
		if (acked)
			ack(s, 0, len);
		CU_ASSERT(runs_cover(0, 0, len));
		stats(s, &st);
		CU_ASSERT_EQUAL(st.gap_bytes, 0);
		CU_ASSERT_EQUAL(st.bytes, len);
		sess_end(s);
		CU_ASSERT_EQUAL(g.bad, 0);
		ne = end_hit(eh, 0, len);
		CU_ASSERT(hits_match_oracle(eh, ne));
		free(b);
		sess_free(s);
	}
}

/* Both directions at once, interleaved, each acknowledged by the other's
 * packets (acked mode: the ACK that releases bytes rides on data). */
static void
test_two_directions(void)
{
	struct weir_stream_conf c;
	struct weir_stream_stats st;
	const uint32_t len = 4000;
	uint8_t *b0 = make_stream(len, 41), *b1 = make_stream(len, 42);
	uint32_t o0 = 0, o1 = 0;
	struct sess *s;
	struct hit eh[2];
	unsigned int ne;

	conf(&c, true);
	s = sess_new(&c, 0x7ffffff0u, 0xffffffffu);
	g.orig[0] = b0;
	g.orig_len[0] = len;
	g.orig[1] = b1;
	g.orig_len[1] = len;
	g_rng = 43;
	while (o0 < len || o1 < len) {
		uint32_t l0 = 1 + rnd() % 500, l1 = 1 + rnd() % 500;

		l0 = o0 + l0 > len ? len - o0 : l0;
		l1 = o1 + l1 > len ? len - o1 : l1;
		/* client data acknowledging what the server sent so far */
		pkt(s, 0, o0, b0 + o0, l0, TH_ACK, o1);
		o0 += l0;
		pkt(s, 1, o1, b1 + o1, l1, TH_ACK, o0);
		o1 += l1;
	}
	ack(s, 1, len);
	CU_ASSERT(runs_cover(0, 0, len));
	CU_ASSERT(runs_cover(1, 0, len));
	stats(s, &st);
	CU_ASSERT_EQUAL(st.gap_bytes, 0);
	sess_end(s);
	CU_ASSERT_EQUAL(g.bad, 0);
	ne = end_hit(eh, 0, len);
	ne += end_hit(eh + ne, 1, len);
	CU_ASSERT(hits_match_oracle(eh, ne));
	free(b0);
	free(b1);
	sess_free(s);
}

/*
 * Overlaps with different bytes, Suricata's bsd policy (stream.h): held
 * bytes win, except where the new segment starts before the held one
 * (as it arrived) and then the new bytes win; inspected bytes never
 * change. Each case: the bytes actually sent (in order, with the stream
 * they should make) and the expected stream, written down here.
 */
struct ovl_seg {
	uint32_t off;
	const char *bytes;
};

static void
check_overlap(bool acked, const struct ovl_seg *segs, unsigned int n, const char *want,
	      uint32_t ack_first)
{
	struct weir_stream_conf c;
	struct sess *s;
	unsigned int i;
	uint32_t wl = (uint32_t)strlen(want);

	conf(&c, acked);
	s = sess_new(&c, 500, 9000);
	g.orig[0] = (const uint8_t *)want;
	g.orig_len[0] = wl;
	for (i = 0; i < n; i++) {
		pkt(s, 0, segs[i].off, (const uint8_t *)segs[i].bytes,
		    (uint32_t)strlen(segs[i].bytes), TH_ACK, 0);
		if (i == 0 && ack_first != 0)
			ack(s, 0, ack_first);
	}
	if (acked)
		ack(s, 0, wl);
	sess_end(s);
	CU_ASSERT(runs_cover(0, 0, wl));
	CU_ASSERT_EQUAL(g.bad, 0);
	sess_free(s);
}

static void
test_overlap_policy(void)
{
	unsigned int a;

	for (a = 0; a < 2; a++) {
		/* the hole [0,5) keeps everything held until the last segment */
		/* new starts before the held one: new wins over all of it */
		static const struct ovl_seg s1[] = {
			{10, "HHHHH"}, {7, "nnnnnnnnnn"}, {0, "0123456"}};
		/* same start: the held bytes win, the new ones fill past it */
		static const struct ovl_seg s2[] = {
			{10, "HHHHH"}, {10, "nnnnnnnn"}, {0, "0123456789"}};
		/* new starts after the held one: held wins where both are */
		static const struct ovl_seg s3[] = {
			{10, "HHHHH"}, {12, "nnnnnnn"}, {0, "0123456789"}};
		/* new inside the held one: nothing changes */
		static const struct ovl_seg s4[] = {{10, "HHHHHHH"}, {11, "nn"}, {0, "0123456789"}};
		/* a new segment covering two held ones and the space
		 * between, starting before both: it wins over both */
		static const struct ovl_seg s5[] = {
			{10, "HH"}, {14, "KK"}, {9, "nnnnnnnn"}, {0, "012345678"}};
		/* starting after the first and before the second: the first
		 * keeps its bytes, the second loses its own */
		static const struct ovl_seg s5b[] = {
			{10, "HH"}, {14, "KK"}, {11, "nnnnnn"}, {0, "0123456789"}};
		/*
		 * The bytes a segment brought keep its start: Y [8,20) won
		 * over X [10,13) and filled [8,10) and [13,20); Z [11,17)
		 * starts after Y did, so Y's bytes stay everywhere.
		 */
		static const struct ovl_seg s6[] = {
			{10, "XXX"}, {8, "YYYYYYYYYYYY"}, {11, "ZZZZZZ"}, {0, "01234567"}};

		check_overlap(a, s1, N(s1), "0123456nnnnnnnnnn", 0);
		check_overlap(a, s2, N(s2), "0123456789HHHHHnnn", 0);
		check_overlap(a, s3, N(s3), "0123456789HHHHHnnnn", 0);
		check_overlap(a, s4, N(s4), "0123456789HHHHHHH", 0);
		check_overlap(a, s5, N(s5), "012345678nnnnnnnn", 0);
		check_overlap(a, s5b, N(s5b), "0123456789HHnnnnn", 0);
		check_overlap(a, s6, N(s6), "01234567YYYYYYYYYYYY", 0);
	}
	{
		/* A held segment longer than one held record (2032 bytes):
		 * a later segment starting after it loses everywhere,
		 * also past the record boundary. */
		static char held[3001], want[3101], late[301];
		struct ovl_seg s7[3] = {{100, held}, {2000, late}, {0, want}};

		memset(held, 'H', 3000);
		memset(late, 'n', 300);
		memset(want, '0', 100);
		memset(want + 100, 'H', 3000);
		want[100] = '\0'; /* the hole's bytes, sent last */
		s7[2].bytes = want;
		{
			static char full[3101];

			memset(full, '0', 100);
			memset(full + 100, 'H', 3000);
			full[3100] = '\0';
			check_overlap(false, s7, 3, full, 0);
			check_overlap(true, s7, 3, full, 0);
		}
	}
	{
		/* Acked: X [0,20) held in order, 10 of its bytes acknowledged
		 * and inspected; Y [5,15) starts after X did, so X's
		 * remaining bytes stay. */
		static const struct ovl_seg s8[] = {{0, "XXXXXXXXXXXXXXXXXXXX"}, {5, "yyyyyyyyyy"}};

		check_overlap(true, s8, N(s8), "XXXXXXXXXXXXXXXXXXXX", 10);
	}
}

/* Bytes already inspected never change: a retransmission with other
 * bytes is counted (retransmits or overlaps), not inspected. */
static void
test_inspected_never_change(void)
{
	struct weir_stream_conf c;
	struct weir_stream_stats st;
	struct sess *s;
	static const char want[] = "0123456789abcdefghij";

	conf(&c, false);
	s = sess_new(&c, 1, 2);
	g.orig[0] = (const uint8_t *)want;
	g.orig_len[0] = 20;
	pkt(s, 0, 0, (const uint8_t *)"0123456789", 10, TH_ACK, 0);
	pkt(s, 0, 0, (const uint8_t *)"XXXXXXXXXX", 10, TH_ACK, 0);
	pkt(s, 0, 5, (const uint8_t *)"XXXXXabcde", 10, TH_ACK, 0);
	pkt(s, 0, 10, (const uint8_t *)"abcdefghij", 10, TH_ACK, 0);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.retransmits, 1);
	CU_ASSERT(st.overlaps >= 1);
	sess_end(s);
	CU_ASSERT(runs_cover(0, 0, 20));
	CU_ASSERT_EQUAL(g.bad, 0);
	sess_free(s);
}

/* A stream whose card is cut by a hole: the bytes before the hole end
 * with "41111111", those after it start with "11111111"; the hole's bytes
 * are something else. Without the restart, Hyperscan would see a card. */
static const char g_hole_stream[] = "xx41111111----------11111111yyPAYMENTzz";
#define HOLE_AT	 10u
#define HOLE_END 20u

static void
test_hole_acked_past(void)
{
	struct weir_stream_conf c;
	struct weir_stream_stats st;
	struct sess *s;
	uint32_t len = (uint32_t)strlen(g_hole_stream);
	struct hit want[] = {{0, 2, 37}};

	conf(&c, true);
	s = sess_new(&c, 0xfffffffau, 3);
	g.orig[0] = (const uint8_t *)g_hole_stream;
	g.orig_len[0] = len;
	send(s, 0, 0, HOLE_AT);
	send(s, 0, HOLE_END, len - HOLE_END);
	/* the receiver acknowledges past the hole: the capture lost it */
	ack(s, 0, len);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.gaps, 1);
	CU_ASSERT_EQUAL(st.gap_bytes, HOLE_END - HOLE_AT);
	CU_ASSERT_EQUAL(g.run_bytes[0], len - (HOLE_END - HOLE_AT));
	CU_ASSERT_EQUAL(g.jumped[0], HOLE_END - HOLE_AT);
	/* the hole's bytes come late: already given up */
	send(s, 0, HOLE_AT, HOLE_END - HOLE_AT);
	sess_end(s);
	CU_ASSERT_EQUAL(g.bad, 0);
	CU_ASSERT(hits_equal(want, N(want)));
	CU_ASSERT(hits_match_oracle(NULL, 0));
	sess_free(s);

	/* a hole at the very end, acknowledged: counted, nothing inspected
	 * past it */
	s = sess_new(&c, 7, 3);
	g.orig[0] = (const uint8_t *)g_hole_stream;
	g.orig_len[0] = len;
	send(s, 0, 0, HOLE_AT);
	ack(s, 0, HOLE_END);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.gaps, 1);
	CU_ASSERT_EQUAL(st.gap_bytes, HOLE_END - HOLE_AT);
	send(s, 0, HOLE_END, len - HOLE_END);
	ack(s, 0, len);
	CU_ASSERT_EQUAL(g.run_bytes[0], len - (HOLE_END - HOLE_AT));
	sess_end(s);
	CU_ASSERT_EQUAL(g.bad, 0);
	CU_ASSERT(hits_equal(want, N(want)));
	sess_free(s);
}

/* Arrival inspection, a hole that never fills: the bytes after it are
 * held until more than max_held wait, then the hole is given up. */
static void
test_hole_never_fills(void)
{
	unsigned int a;

	for (a = 0; a < 2; a++) {
		struct weir_stream_conf c;
		struct weir_stream_stats st;
		struct sess *s;
		uint32_t len = (uint32_t)strlen(g_hole_stream), o;
		struct hit want[] = {{0, 2, 37}};

		conf(&c, a);
		c.max_held = 12;
		s = sess_new(&c, 100, 3);
		g.orig[0] = (const uint8_t *)g_hole_stream;
		g.orig_len[0] = len;
		send(s, 0, 0, HOLE_AT);
		if (a)
			ack(s, 0, HOLE_AT);
		CU_ASSERT_EQUAL(g.run_bytes[0], HOLE_AT);
		for (o = HOLE_END; o < len; o += 4) {
			struct weir_stream_dir *sd = &s->f.dir[0].sd;

			send(s, 0, o, o + 4 <= len ? 4 : len - o);
			CU_ASSERT(sd->held <= c.max_held);
		}
		stats(s, &st);
		CU_ASSERT_EQUAL(st.gaps, 1);
		CU_ASSERT_EQUAL(st.gap_bytes, HOLE_END - HOLE_AT);
		/* arrival: what followed the hole is inspected; acked: only
		 * what the bound forced out early (counted) */
		if (!a) {
			CU_ASSERT_EQUAL(g.run_bytes[0], len - (HOLE_END - HOLE_AT));
			CU_ASSERT_EQUAL(st.early, 0);
		} else {
			CU_ASSERT_EQUAL(st.early, g.run_bytes[0] - HOLE_AT);
			CU_ASSERT(st.held_bytes <= c.max_held);
		}
		sess_end(s);
		CU_ASSERT_EQUAL(g.run_bytes[0], len - (HOLE_END - HOLE_AT));
		CU_ASSERT_EQUAL(g.bad, 0);
		CU_ASSERT(hits_equal(want, N(want)));
		sess_free(s);
	}
}

/* Depth: a pattern ending at byte `depth` matches, one ending one byte
 * past it does not; nothing past depth is inspected. */
static void
test_depth(void)
{
	unsigned int a, past;

	for (a = 0; a < 2; a++) {
		for (past = 0; past < 2; past++) {
			struct weir_stream_conf c;
			struct weir_stream_stats st;
			struct sess *s;
			static uint8_t b[300];
			struct hit want[] = {{0, 2, 100}};
			uint32_t o;

			memset(b, '.', sizeof(b));
			memcpy(b + 93 + past, "PAYMENT", 7);
			conf(&c, a);
			c.depth = 100;
			s = sess_new(&c, 4000, 3);
			g.orig[0] = b;
			g.orig_len[0] = sizeof(b);
			/* segments of 30: one crosses the depth */
			for (o = 0; o < sizeof(b); o += 30)
				send(s, 0, o, 30);
			if (a)
				ack(s, 0, sizeof(b));
			stats(s, &st);
			CU_ASSERT_EQUAL(st.depth_reached, 1);
			CU_ASSERT_EQUAL(st.bytes, 100);
			CU_ASSERT_EQUAL(st.held_bytes, 0);
			CU_ASSERT(runs_cover(0, 0, 100));
			sess_end(s);
			CU_ASSERT_EQUAL(g.bad, 0);
			CU_ASSERT(hits_equal(want, past ? 0 : 1));
			sess_free(s);
		}
	}
	{
		/* a hole skipped past the depth ends the direction too */
		struct weir_stream_conf c;
		struct weir_stream_stats st;
		struct sess *s;
		static uint8_t b[300];

		memset(b, '.', sizeof(b));
		conf(&c, true);
		c.depth = 100;
		s = sess_new(&c, 4000, 3);
		g.orig[0] = b;
		g.orig_len[0] = sizeof(b);
		send(s, 0, 0, 50);
		send(s, 0, 150, 50);
		ack(s, 0, 200);
		stats(s, &st);
		CU_ASSERT_EQUAL(st.depth_reached, 1);
		CU_ASSERT_EQUAL(st.bytes, 50);
		CU_ASSERT_EQUAL(st.held_bytes, 0);
		sess_end(s);
		CU_ASSERT_EQUAL(g.bad, 0);
		sess_free(s);
	}
}

/* Depth 0: hostile ACKs far past the data skip ~2 GiB each; the 32-bit
 * stream offsets must never wrap (runs would go back): the direction ends
 * as at a depth of 4 GiB - 1. */
static void
test_offsets_never_wrap(void)
{
	struct weir_stream_conf c;
	struct weir_stream_stats st;
	struct sess *s;
	static uint8_t b[10];
	const uint32_t jump = 0x7fff0000u;
	uint32_t at = 0;
	unsigned int k;

	memset(b, 'q', sizeof(b));
	conf(&c, true);
	c.depth = 0;
	s = sess_new(&c, 12345, 3);
	g.orig[0] = NULL; /* bytes at offsets past the buffer: not compared */
	for (k = 0; k < 4; k++) {
		pkt(s, 0, at, b, 10, TH_ACK, 0);
		ack(s, 0, at + 10);
		at += 10 + jump;
		ack(s, 0, at);
	}
	stats(s, &st);
	CU_ASSERT_EQUAL(st.depth_reached, 1);
	CU_ASSERT_EQUAL(g.run_bytes[0], 30);
	CU_ASSERT_EQUAL(g.run_bytes[0] + st.gap_bytes, UINT32_MAX);
	sess_end(s);
	CU_ASSERT_EQUAL(g.bad, 0);
	sess_free(s);
}

/* A reload: the direction's Hyperscan stream belongs to the old set, so
 * the next bytes start a new stream on the new set (reload_restarts) and
 * a pattern cut by the reload is not matched; the end closes the old one
 * quietly when the set changed under it. */
static void
test_reload_restart(void)
{
	struct weir_stream_conf c;
	struct weir_stream_stats st;
	struct sess *s;
	struct weir_ruleset *old = g_rs, *rs2 = build_rules();
	static const char str[] = "..41111111"
				  "11111111..PAYMENT";
	struct hit want[] = {{0, 2, 27}};

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs2);
	rs2->generation = old->generation + 1;
	conf(&c, false);
	s = sess_new(&c, 1, 2);
	g.orig[0] = (const uint8_t *)str;
	g.orig_len[0] = (uint32_t)strlen(str);
	send(s, 0, 0, 10);
	g_rs = rs2; /* what on_alert names sids with */
	s->o.rs = rs2;
	send(s, 0, 10, g.orig_len[0] - 10);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.reload_restarts, 1);
	CU_ASSERT_EQUAL(st.states, 1);
	CU_ASSERT(runs_cover(0, 0, g.orig_len[0]));
	CU_ASSERT(hits_equal(want, N(want)));
	/* the set changes again before the end: a quiet close */
	s->o.rs = old;
	g_rs = old;
	sess_end(s);
	CU_ASSERT_EQUAL(g.closes[0], 0);
	CU_ASSERT_EQUAL(g.bad, 0);
	sess_free(s);
	weir_ruleset_free(rs2);
}

/* Acked inspection: nothing before the ACK, the ACK releases exactly up
 * to its number, a FIN's sequence number is not a lost byte. */
static void
test_acked_boundaries(void)
{
	struct weir_stream_conf c;
	struct weir_stream_stats st;
	struct sess *s;
	uint8_t *b = make_stream(200, 3);
	unsigned int fin;

	conf(&c, true);
	s = sess_new(&c, 0xffffff00u, 3);
	g.orig[0] = b;
	g.orig_len[0] = 200;
	send(s, 0, 0, 60);
	send(s, 0, 60, 60);
	CU_ASSERT_EQUAL(g.n_runs, 0);
	ack(s, 0, 25);
	CU_ASSERT(runs_cover(0, 0, 25));
	ack(s, 0, 25); /* the same ACK again: nothing */
	ack(s, 0, 20); /* an older one: nothing */
	CU_ASSERT(runs_cover(0, 0, 25));
	ack(s, 0, 61);
	CU_ASSERT(runs_cover(0, 0, 61));
	ack(s, 0, 120);
	CU_ASSERT(runs_cover(0, 0, 120));
	stats(s, &st);
	CU_ASSERT_EQUAL(st.gaps, 0);
	CU_ASSERT_EQUAL(st.early, 0);
	sess_end(s);
	sess_free(s);

	/* FIN on the last data segment, or alone after it: its ACK (one
	 * past the data) releases the data and skips no byte */
	for (fin = 0; fin < 2; fin++) {
		s = sess_new(&c, 0xfffffff0u, 3);
		g.orig[0] = b;
		g.orig_len[0] = 200;
		send(s, 0, 0, 100);
		if (fin)
			pkt(s, 0, 100, NULL, 0, TH_FIN | TH_ACK, 0);
		else
			pkt(s, 0, 100, b + 100, 100, TH_FIN | TH_ACK | TH_PSH, 0);
		CU_ASSERT_EQUAL(g.n_runs, 0);
		ack(s, 0, fin ? 101 : 201);
		stats(s, &st);
		CU_ASSERT_EQUAL(st.gaps, 0);
		CU_ASSERT_EQUAL(st.gap_bytes, 0);
		CU_ASSERT(runs_cover(0, 0, fin ? 100 : 200));
		sess_end(s);
		CU_ASSERT_EQUAL(g.bad, 0);
		sess_free(s);
	}

	/* arrival: in-order bytes go at once, no ACK needed */
	conf(&c, false);
	s = sess_new(&c, 9, 3);
	g.orig[0] = b;
	g.orig_len[0] = 200;
	send(s, 0, 0, 60);
	CU_ASSERT(runs_cover(0, 0, 60));
	send(s, 0, 80, 20); /* ahead of a hole: held */
	CU_ASSERT(runs_cover(0, 0, 60));
	send(s, 0, 60, 20);
	CU_ASSERT(runs_cover(0, 0, 100));
	sess_end(s);
	CU_ASSERT_EQUAL(g.bad, 0);
	sess_free(s);
	free(b);
}

/* SYN or RST segments with data, and data outside the window, are not
 * stream data. */
static void
test_syn_rst_data(void)
{
	struct weir_stream_conf c;
	struct weir_stream_stats st;
	struct sess *s;
	uint8_t *b = make_stream(100, 4);

	conf(&c, false);
	s = sess_new(&c, 9, 3);
	g.orig[0] = b;
	g.orig_len[0] = 100;
	pkt(s, 0, 0, (const uint8_t *)"SYNDATA", 7, TH_SYN, 0);
	pkt(s, 0, 0, (const uint8_t *)"RSTDATA", 7, TH_RST | TH_ACK, 0);
	send(s, 0, 0, 100);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.out_of_window, 2);
	CU_ASSERT(runs_cover(0, 0, 100));
	sess_end(s);
	CU_ASSERT_EQUAL(g.bad, 0);
	sess_free(s);
	free(b);
}

/* The segment pool runs dry: the direction stops being streamed
 * (seg_nomem), the other one goes on, nothing leaks. */
static void
test_segment_pool_dry(void)
{
	struct weir_stream_conf c;
	struct weir_stream_stats st;
	struct sess *s;
	uint8_t *b0 = make_stream(3000, 5), *b1 = make_stream(3000, 6);

	conf(&c, true);
	c.reassembly_memcap = 2 * 2048; /* two held records */
	s = sess_new(&c, 9, 3);
	g.orig[0] = b0;
	g.orig_len[0] = 3000;
	g.orig[1] = b1;
	g.orig_len[1] = 3000;
	send(s, 0, 0, 1000);
	send(s, 0, 1000, 1000);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.seg_nomem, 0);
	send(s, 0, 2000, 1000); /* a third record: none left */
	stats(s, &st);
	CU_ASSERT_EQUAL(st.seg_nomem, 1);
	CU_ASSERT_EQUAL(st.held_bytes, 0);
	CU_ASSERT(s->f.dir[0].sd.held == 0);
	ack(s, 0, 3000);
	CU_ASSERT_EQUAL(g.run_bytes[0], 0);
	/* the other direction has the pool to itself now */
	send(s, 1, 0, 1500);
	ack(s, 1, 1500);
	CU_ASSERT(runs_cover(1, 0, 1500));
	/* a retransmission needs no new record */
	send(s, 1, 1500, 1500);
	send(s, 1, 1500, 1500);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.seg_nomem, 1);
	ack(s, 1, 3000);
	CU_ASSERT(runs_cover(1, 0, 3000));
	sess_end(s);
	CU_ASSERT_EQUAL(g.bad, 0);
	sess_free(s);

	/* one segment that needs more records than the pool has */
	conf(&c, false);
	c.reassembly_memcap = 2 * 2048;
	s = sess_new(&c, 9, 3);
	g.orig[0] = b0;
	g.orig_len[0] = 3000;
	send(s, 0, 10, 2990); /* ahead of a hole, two records */
	send(s, 0, 5, 2995);  /* starts before it, needs one more */
	stats(s, &st);
	CU_ASSERT_EQUAL(st.seg_nomem, 1);
	CU_ASSERT_EQUAL(st.held_bytes, 0);
	send(s, 0, 0, 3000);
	CU_ASSERT_EQUAL(g.run_bytes[0], 0);
	sess_end(s);
	CU_ASSERT_EQUAL(g.bad, 0);
	sess_free(s);

	/* a segment whose second record is refused gives its first back */
	conf(&c, true);
	c.reassembly_memcap = 2 * 2048;
	s = sess_new(&c, 9, 3);
	g.orig[0] = b0;
	g.orig_len[0] = 3000;
	send(s, 0, 0, 100);
	send(s, 0, 100, 2900);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.seg_nomem, 1);
	CU_ASSERT_EQUAL(st.held_bytes, 0);
	sess_end(s);
	/* both records are free again: a new flow holds two */
	memset(&s->f, 0, sizeof(s->f));
	s->f.flags = WEIR_FLOW_F_SESSION;
	s->f.tcp_state = WEIR_TCP_ESTABLISHED;
	s->f.dir[0].isn = 9;
	s->f.dir[1].isn = 3;
	record_reset();
	g.orig[0] = b0;
	g.orig_len[0] = 3000;
	send(s, 0, 0, 2500);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.seg_nomem, 1);
	CU_ASSERT_EQUAL(st.held_bytes, 2500);
	ack(s, 0, 2500);
	CU_ASSERT(runs_cover(0, 0, 2500));
	sess_end(s);
	CU_ASSERT_EQUAL(g.bad, 0);
	sess_free(s);
	free(b0);
	free(b1);
}

/* A flow that ends after a reload to a set with no stream rule: what it
 * held is freed, nothing inspected; packets then do nothing. */
static void
test_end_without_stream_rules(void)
{
	struct weir_stream_conf c;
	struct weir_stream_stats st;
	struct weir_ruleset none;
	struct sess *s;
	uint8_t *b = make_stream(300, 9);

	memset(&none, 0, sizeof(none));
	conf(&c, true);
	s = sess_new(&c, 9, 3);
	g.orig[0] = b;
	g.orig_len[0] = 300;
	send(s, 0, 0, 100);
	send(s, 0, 100, 100);
	ack(s, 0, 100); /* opens a state */
	s->o.rs = &none;
	send(s, 0, 200, 100);
	ack(s, 0, 300);
	CU_ASSERT(runs_cover(0, 0, 100));
	stats(s, &st);
	CU_ASSERT_EQUAL(st.states, 1);
	CU_ASSERT_EQUAL(st.held_bytes, 100);
	sess_end(s);
	CU_ASSERT_EQUAL(g.closes[0], 0);
	CU_ASSERT(runs_cover(0, 0, 100));
	sess_free(s);
	free(b);
}

/* The state pool runs dry: one Hyperscan state for two directions; the
 * second is refused (state_nomem), the first keeps working. */
static void
test_state_pool_dry(void)
{
	struct weir_stream_conf c;
	struct weir_stream_stats st;
	struct sess *s;
	uint8_t *b = make_stream(500, 7);
	struct hit eh[1];
	unsigned int ne;

	CU_ASSERT_FATAL(g_rs->stream_state_bytes <= 64);
	conf(&c, false);
	c.state_bytes = 64;
	c.memcap = 256; /* one slot: 64 bytes of state and weir's (< 128: its meta with the
			   pan scanner's state), rounded to 64: 192 */
	s = sess_new(&c, 9, 3);
	g.orig[0] = b;
	g.orig_len[0] = 500;
	g.orig[1] = b;
	g.orig_len[1] = 500;
	send(s, 0, 0, 100);
	send(s, 1, 0, 100);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.state_nomem, 1);
	CU_ASSERT_EQUAL(st.states, 1);
	send(s, 1, 100, 400);
	send(s, 0, 100, 400);
	CU_ASSERT(runs_cover(0, 0, 500));
	CU_ASSERT_EQUAL(g.run_bytes[1], 0);
	sess_end(s);
	CU_ASSERT_EQUAL(g.bad, 0);
	ne = end_hit(eh, 0, 500);
	CU_ASSERT(hits_match_oracle(eh, ne));
	sess_free(s);

	free(b);
}

/* Flow end: held bytes inspected in order (over holes, counted), acked or
 * not, and the end-of-data match (`$`) reported at the close. */
static void
test_flow_end_flush(void)
{
	unsigned int a;

	for (a = 0; a < 2; a++) {
		struct weir_stream_conf c;
		struct weir_stream_stats st;
		struct sess *s;
		static const char str[] = "0123456789PAYMENT.....4111111111111111..xyz";
		uint32_t len = (uint32_t)strlen(str);
		struct hit want[] = {{0, 2, 17}, {0, 1, 38}, {0, 4, 43}};

		conf(&c, a);
		s = sess_new(&c, 0xfffffffeu, 3);
		g.orig[0] = (const uint8_t *)str;
		g.orig_len[0] = len;
		/* in reverse, never acknowledged */
		send(s, 0, 30, len - 30);
		send(s, 0, 12, 18);
		send(s, 0, 0, 12);
		if (a)
			CU_ASSERT_EQUAL(g.n_runs, 0);
		sess_end(s);
		CU_ASSERT(runs_cover(0, 0, len));
		CU_ASSERT_EQUAL(g.closes[0], 1);
		CU_ASSERT_EQUAL(g.bad, 0);
		CU_ASSERT(hits_equal(want, N(want)));
		sess_free(s);

		/* a hole: the end flushes what is after it on a new
		 * Hyperscan stream, and the `$` still matches its end */
		s = sess_new(&c, 5, 3);
		g.orig[0] = (const uint8_t *)str;
		g.orig_len[0] = len;
		send(s, 0, 0, 10);
		send(s, 0, 20, len - 20);
		sess_end(s);
		stats(s, &st);
		CU_ASSERT_EQUAL(st.gaps, 1);
		CU_ASSERT_EQUAL(st.gap_bytes, 10);
		CU_ASSERT_EQUAL(g.run_bytes[0], len - 10);
		CU_ASSERT_EQUAL(g.bad, 0);
		{
			struct hit w2[] = {{0, 1, 38}, {0, 4, 43}};

			CU_ASSERT(hits_equal(w2, N(w2)));
		}
		sess_free(s);

		/* `$` only at the end: "xyz" earlier in the stream does not
		 * match */
		s = sess_new(&c, 5, 3);
		g.orig[0] = (const uint8_t *)"..xyz..";
		g.orig_len[0] = 7;
		send(s, 0, 0, 7);
		if (a)
			ack(s, 0, 7);
		sess_end(s);
		CU_ASSERT_EQUAL(g.n_hits, 0);
		CU_ASSERT_EQUAL(g.closes[0], 1);
		sess_free(s);

		/* a flow end with nothing sent closes nothing */
		s = sess_new(&c, 5, 3);
		sess_end(s);
		CU_ASSERT_EQUAL(g.closes[0] + g.closes[1], 0);
		sess_free(s);
	}
}

/* Many flows through one table, each ended: the pools never leak. */
static void
test_pools_reused(void)
{
	struct weir_stream_conf c;
	struct weir_stream_stats st;
	struct sess *s;
	uint8_t *b = make_stream(3000, 8);
	unsigned int k;

	conf(&c, true);
	c.reassembly_memcap = 8 * 2048;
	c.memcap = 4 * 256;
	s = sess_new(&c, 9, 3);
	for (k = 0; k < 200; k++) {
		unsigned int n, i;

		memset(&s->f, 0, sizeof(s->f));
		s->isn[0] = rnd();
		s->isn[1] = rnd();
		s->f.flags = WEIR_FLOW_F_SESSION;
		s->f.tcp_state = WEIR_TCP_ESTABLISHED;
		s->f.dir[0].isn = s->isn[0];
		s->f.dir[1].isn = s->isn[1];
		record_reset();
		g.orig[0] = b;
		g.orig_len[0] = 3000;
		g.orig[1] = b;
		g.orig_len[1] = 3000;
		n = cut(3000, 1500, g_at, N(g_at));
		shuffle(g_order, n);
		for (i = 0; i < n && i < 5; i++) {
			send(s, k & 1, g_at[g_order[i]], g_at[g_order[i] + 1] - g_at[g_order[i]]);
			if (rnd() % 3 == 0)
				ack(s, k & 1, g_at[g_order[i]]);
		}
		sess_end(s);
		CU_ASSERT_EQUAL(g.bad, 0);
	}
	stats(s, &st);
	CU_ASSERT_EQUAL(st.states, 0);
	CU_ASSERT_EQUAL(st.held_bytes, 0);
	sess_free(s);
	free(b);
}

/*
 * Idle compression (stream.h "Idle"): a card number and the `xyz$` end cut
 * by a long idle gap (packet time, no sleep) still match, at the offsets
 * memmem() gives, after the states were compressed and expanded; halves
 * in the two directions never make one. Counters and gauges follow.
 */
static void
test_idle_compress(void)
{
	static const char d0[] = "xx4111111111111111yy41111111"; /* then the rest */
	static const char d1[] = "11111111xyz";
	struct weir_stream_conf c;
	struct weir_stream_stats st;
	struct sess *s;
	struct hit eh[1];
	unsigned int ne;

	conf(&c, true);
	c.idle_ns = 30 * SEC;
	s = sess_new(&c, 1000, 5000);
	g.orig[0] = (const uint8_t *)d0;
	g.orig_len[0] = sizeof(d0) - 1;
	g.orig[1] = (const uint8_t *)d1;
	g.orig_len[1] = sizeof(d1) - 1;
	g_ts_ns = 1 * SEC;
	send(s, 0, 0, 8); /* xx411111 */
	ack(s, 0, 8);
	send(s, 1, 0, 8); /* 11111111: with dir 0's bytes it would be a card */
	ack(s, 1, 8);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.states, 2);
	CU_ASSERT_EQUAL(st.compressed, 0);
	/* 29 s later: not idle yet */
	g_ts_ns = 30 * SEC;
	ack(s, 0, 8);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.compressed, 0);
	/* any packet 30 s after their last bytes compresses both */
	g_ts_ns = 31 * SEC;
	ack(s, 0, 8);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.compressed, 2);
	CU_ASSERT_EQUAL(st.states, 0);
	CU_ASSERT_EQUAL(st.packed, 2);
	/* an hour later the rest of the card: expanded, matched once */
	g_ts_ns = 3600 * SEC;
	send(s, 0, 8, 20); /* 11111111111yy4111111 */
	ack(s, 0, 28);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.expanded, 1);
	CU_ASSERT_EQUAL(st.states, 1);
	CU_ASSERT_EQUAL(st.packed, 1);
	CU_ASSERT_EQUAL(g.n_hits, 1);
	if (g.n_hits == 1) {
		CU_ASSERT_EQUAL(g.hits[0].sid, 1);
		CU_ASSERT_EQUAL(g.hits[0].end, 18);
	}
	/* idle again, then dir 1 ends with xyz: its `$` at the flow's end */
	g_ts_ns = 7200 * SEC;
	send(s, 1, 8, 3);
	ack(s, 1, 11);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.compressed, 3); /* dir 0 went idle again */
	CU_ASSERT_EQUAL(st.expanded, 2);
	CU_ASSERT(runs_cover(0, 0, 28));
	CU_ASSERT(runs_cover(1, 0, 11));
	sess_end(s); /* expands dir 0 for its end */
	stats(s, &st);
	CU_ASSERT_EQUAL(st.expanded, 3);
	CU_ASSERT_EQUAL(st.packed, 0);
	CU_ASSERT_EQUAL(st.compress_fail + st.expand_fail, 0);
	CU_ASSERT_EQUAL(g.closes[0], 1);
	CU_ASSERT_EQUAL(g.closes[1], 1);
	CU_ASSERT_EQUAL(g.bad, 0);
	ne = end_hit(eh, 1, 11);
	CU_ASSERT_EQUAL(ne, 1);
	CU_ASSERT(hits_match_oracle(eh, ne));
	sess_free(s);
	g_ts_ns = 0;
}

/*
 * Idle compression within stream.memcap: the blocks come from the same
 * memory as the states. No room for blocks: counted, the state stays open
 * and keeps matching. Room for blocks but, later, no slot to expand into:
 * counted, that direction is no longer streamed (its bytes never reach a
 * rule), the other keeps going.
 */
static void
test_idle_compress_memcap(void)
{
	static const char d0[] = "xx4111111111111111yy";
	struct weir_stream_conf c;
	struct weir_stream_stats st;
	struct sess *s;

	/* slot: 256 bytes of state + weir's (< 128), rounded to 64: 384 */
	conf(&c, false);
	c.state_bytes = 256;
	c.idle_ns = 10 * SEC;
	c.memcap = 2 * 384; /* two slots, no room left for any block */
	s = sess_new(&c, 1, 2);
	g.orig[0] = (const uint8_t *)d0;
	g.orig_len[0] = sizeof(d0) - 1;
	g.orig[1] = (const uint8_t *)d0;
	g.orig_len[1] = sizeof(d0) - 1;
	g_ts_ns = 1 * SEC;
	send(s, 0, 0, 8);
	send(s, 1, 0, 8);
	g_ts_ns = 20 * SEC;
	ack(s, 0, 8);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.compressed, 0);
	CU_ASSERT_EQUAL(st.compress_fail, 2); /* once each, then idle again */
	CU_ASSERT_EQUAL(st.states, 2);
	send(s, 0, 8, 12);
	CU_ASSERT_EQUAL(g.n_hits, 1);
	sess_end(s);
	CU_ASSERT_EQUAL(g.bad, 0);
	sess_free(s);

	/* one slot and room for blocks: dir 0 compressed, dir 1 takes the
	 * slot, dir 0 cannot expand */
	c.memcap = 384 + 2 * 128; /* a second slot never fits beside a block */
	s = sess_new(&c, 1, 2);
	g.orig[0] = (const uint8_t *)d0;
	g.orig_len[0] = sizeof(d0) - 1;
	g.orig[1] = (const uint8_t *)d0;
	g.orig_len[1] = sizeof(d0) - 1;
	g_ts_ns = 1 * SEC;
	send(s, 0, 0, 8);
	g_ts_ns = 20 * SEC;
	send(s, 1, 0, 8);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.compressed, 1);
	CU_ASSERT_EQUAL(st.states, 1);
	send(s, 0, 8, 12);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.expand_fail, 1);
	CU_ASSERT_EQUAL(st.packed, 0);
	CU_ASSERT_EQUAL(g.n_hits, 0);
	send(s, 1, 8, 12);
	CU_ASSERT_EQUAL(g.n_hits, 1); /* dir 1's card */
	CU_ASSERT(runs_cover(0, 0, 8));
	CU_ASSERT(runs_cover(1, 0, 20));
	sess_end(s);
	CU_ASSERT_EQUAL(g.bad, 0);
	sess_free(s);
	g_ts_ns = 0;
}

/*
 * A compressed state of a rule set replaced since: its next bytes restart
 * the stream on the new set (reload_restarts, not expanded: the old
 * database may be gone), and at the flow's end it is freed quietly.
 */
static void
test_idle_compress_reload(void)
{
	struct weir_stream_conf c;
	struct weir_stream_stats st;
	struct sess *s;
	struct weir_ruleset *old = g_rs, *rs2 = build_rules();
	static const char str[] = "..41111111"
				  "11111111..PAYMENT";
	struct hit want[] = {{0, 2, 27}};

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs2);
	rs2->generation = old->generation + 1;
	conf(&c, false);
	c.idle_ns = 10 * SEC;
	s = sess_new(&c, 1, 2);
	g.orig[0] = (const uint8_t *)str;
	g.orig_len[0] = (uint32_t)strlen(str);
	g.orig[1] = (const uint8_t *)str;
	g.orig_len[1] = (uint32_t)strlen(str);
	g_ts_ns = 1 * SEC;
	send(s, 0, 0, 10);
	send(s, 1, 0, 10);
	g_rs = rs2;
	s->o.rs = rs2;
	g_ts_ns = 100 * SEC;
	/* Both states are idle, but they belong to the replaced set, whose
	 * database may be freed by now: never compressed (Hyperscan would read
	 * it). Dir 0 restarts on the new set at its bytes; dir 1 stays open. */
	send(s, 0, 10, g.orig_len[0] - 10);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.compressed, 0);
	CU_ASSERT_EQUAL(st.expanded, 0);
	CU_ASSERT_EQUAL(st.reload_restarts, 1);
	CU_ASSERT_EQUAL(st.states, 2);
	CU_ASSERT_EQUAL(st.packed, 0);
	CU_ASSERT(hits_equal(want, N(want)));
	sess_end(s); /* dir 1: opened on the old set, freed quietly */
	stats(s, &st);
	CU_ASSERT_EQUAL(st.packed, 0);
	CU_ASSERT_EQUAL(st.expanded, 0);
	CU_ASSERT_EQUAL(g.closes[1], 0);
	CU_ASSERT_EQUAL(g.bad, 0);
	g_rs = old;
	sess_free(s);
	weir_ruleset_free(rs2);
	g_ts_ns = 0;
}

/* A rule set of the rules @p text (@p n of them). */
static struct weir_ruleset *
build_set(const char *const *text, unsigned int n)
{
	struct weir_suri_rule_list l = {0};
	struct weir_ruleset_opts o = {.vars = &g_vars};
	struct weir_diags ds;
	struct weir_ruleset *rs;
	unsigned int i, bad = 0;

	if (weir_diags_init(&ds, 8) != 0)
		return NULL;
	for (i = 0; i < n; i++)
		bad += weir_rules_parse_suri_rule("e.rules", i + 1, text[i], &g_vars, &l, &ds) != 0;
	rs = weir_compile_lists(NULL, &l, &o, &ds, bad);
	weir_diags_free(&ds);
	return rs;
}

/* A rule set of the one rule @p text. */
static struct weir_ruleset *
build_one(const char *text)
{
	return build_set(&text, 1);
}

/* @p data as one run of direction @p dir (1: the server's bytes) through
 * @p rs's stream database: the alerts (sids summed) and whether it was
 * scanned at all. */
static uint32_t
scan_dir(struct weir_ruleset *rs, unsigned int dir, const char *data, int *evaluated)
{
	struct weir_flow f = {0};
	struct weir_scan_pkt sp =
		scan_pkt_of(&f, dir, (const uint8_t *)data, (uint32_t)strlen(data));
	struct weir_scan_res res;
	struct weir_ruleset *saved = g_rs;
	hs_stream_t *hs;
	uint32_t sids = 0;
	unsigned int i, n0 = g.n_hits;

	CU_ASSERT_FATAL(weir_ruleset_stream_open(rs, &hs) == 0);
	g_rs = rs; /* on_alert names sids with it */
	weir_ruleset_scan_stream(rs, 0, hs, &sp, on_alert, NULL, &res);
	*evaluated = res.evaluated;
	CU_ASSERT_EQUAL(res.scan_error, 0);
	weir_ruleset_stream_close(rs, 0, hs, &sp, on_alert, NULL, &res);
	for (i = n0; i < g.n_hits; i++)
		sids += g.hits[i].sid;
	g.n_hits = n0;
	g_rs = saved;
	return sids;
}

/* A direction no stream rule can apply to is not scanned (Suricata
 * inspects each direction with its own rule group): rs->stream_dirs from
 * the flow options, and the alerts stay what the flow keyword allows. */
static void
test_stream_dirs(void)
{
	static const struct {
		const char *flow;
		unsigned int dirs;
	} c[] = {
		{"to_server,", WEIR_DIR_SERVER},
		{"from_client,established,", WEIR_DIR_SERVER},
		{"to_client,", WEIR_DIR_CLIENT},
		{"established,from_server,", WEIR_DIR_CLIENT},
		{"", WEIR_DIR_SERVER | WEIR_DIR_CLIENT},
		{"established,", WEIR_DIR_SERVER | WEIR_DIR_CLIENT},
	};
	unsigned int i;

	for (i = 0; i < N(c); i++) {
		char text[256];
		struct weir_ruleset *rs;
		int ev[2];
		uint32_t got[2];
		unsigned int d;

		snprintf(text, sizeof(text),
			 "alert tcp any any -> any any (msg:\"d\"; flow:%sonly_stream; "
			 "content:\"CARDX\"; sid:7;)",
			 c[i].flow);
		rs = build_one(text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
		CU_ASSERT_EQUAL(rs->stream_dirs, c[i].dirs);
		for (d = 0; d < 2; d++) {
			const unsigned int bit = d ? WEIR_DIR_CLIENT : WEIR_DIR_SERVER;

			got[d] = scan_dir(rs, d, "..CARDX..", &ev[d]);
			/* scanned exactly where a rule can apply, and an alert
			 * exactly there */
			CU_ASSERT_EQUAL(ev[d], (c[i].dirs & bit) != 0);
			CU_ASSERT_EQUAL(got[d], (c[i].dirs & bit) ? 7u : 0u);
		}
		weir_ruleset_free(rs);
	}
}

/*
 * Both directions send @p str (acknowledged), go idle and are compressed,
 * then the flow ends, on rule set @p rs. The counters' moves from the
 * session's start are in @p st.
 */
static void
end_after_idle(struct weir_ruleset *rs, const char *str, struct weir_stream_stats *st)
{
	struct weir_ruleset *saved = g_rs;
	uint32_t len = (uint32_t)strlen(str);
	struct weir_stream_conf c;
	struct weir_stream_stats now;
	struct sess *s;
	unsigned int d;

	g_rs = rs; /* the chunk callback scans and closes on it */
	conf(&c, true);
	c.idle_ns = 30 * SEC;
	s = sess_new(&c, 1000, 5000);
	g_ts_ns = 1 * SEC;
	for (d = 0; d < 2; d++) {
		g.orig[d] = (const uint8_t *)str;
		g.orig_len[d] = len;
		send(s, d, 0, len);
		ack(s, d, len);
	}
	g_ts_ns = 40 * SEC; /* any packet after idle_ns compresses both */
	ack(s, 0, len);
	stats(s, &now);
	CU_ASSERT_EQUAL(now.packed, 2);
	sess_end(s);
	stats(s, &now);
	CU_ASSERT_EQUAL(now.packed, 0);
	CU_ASSERT(runs_cover(0, 0, len));
	CU_ASSERT(runs_cover(1, 0, len));
	CU_ASSERT_EQUAL(g.bad, 0);
#define END_DELTA(name, doc) st->name = now.name - s->st0.name;
	WEIR_STREAM_COUNTERS(END_DELTA)
#undef END_DELTA
	sess_free(s);
	g_rs = saved;
	g_ts_ns = 0;
}

/*
 * A rule that can match only at the end of the data (a pcre ending in `$`
 * or in `\b` after a word character: the end of the stream is the end of
 * Suricata's reassembled buffer) still fires when its direction was
 * compressed at the flow's end: that direction is expanded and closed.
 * The direction the rule cannot apply to (its flow option) is ended
 * without expansion (end_quiet), and raises nothing at its end.
 */
static void
test_end_compressed_eod(void)
{
	static const char *const set[2][2] = {
		{"alert tcp any any -> any any (msg:\"end\"; flow:to_server,only_stream; "
		 "pcre:\"/xyz$/\"; sid:11;)",
		 "alert tcp any any -> any any (msg:\"pay\"; flow:only_stream; "
		 "content:\"PAYMENT\"; "
		 "sid:12;)"},
		{"alert tcp any any -> any any (msg:\"word\"; flow:to_client,only_stream; "
		 "pcre:\"/xyz\\b/\"; sid:13;)",
		 "alert tcp any any -> any any (msg:\"pay\"; flow:only_stream; "
		 "content:\"PAYMENT\"; "
		 "sid:12;)"},
	};
	/* "xyz" inside (followed by a word character: neither rule) and at
	 * the end (both rules, in their direction) */
	static const char str[] = "..PAYMENT.xyzq..xyz";
	const uint64_t len = sizeof(str) - 1;
	unsigned int k;

	for (k = 0; k < 2; k++) {
		struct weir_ruleset *rs = build_set(set[k], 2);
		struct weir_stream_stats st;
		unsigned int eod = k ? 1 : 0; /* the direction of the end rule */
		struct hit want[] = {{0, 12, 9}, {1, 12, 9}, {eod, k ? 13u : 11u, len}};

		CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
		CU_ASSERT_EQUAL(rs->stream_dirs, WEIR_DIR_SERVER | WEIR_DIR_CLIENT);
		CU_ASSERT_EQUAL(rs->stream_eod_dirs, k ? WEIR_DIR_CLIENT : WEIR_DIR_SERVER);
		end_after_idle(rs, str, &st);
		CU_ASSERT_EQUAL(st.compressed, 2);
		CU_ASSERT_EQUAL(st.expanded, 1);
		CU_ASSERT_EQUAL(st.end_quiet, 1);
		CU_ASSERT_EQUAL(st.expand_fail, 0);
		CU_ASSERT_EQUAL(g.closes[eod], 1);
		CU_ASSERT_EQUAL(g.closes[!eod], 0);
		CU_ASSERT(hits_equal(want, N(want)));
		weir_ruleset_free(rs);
	}
}

/*
 * Stream rules of literal contents cannot match at the end of data: a
 * flow's compressed directions end without expansion or close (end_quiet
 * moves, expanded does not), open ones without the close, and the alerts
 * are the contents' (memmem over the runs), none at the end.
 */
static void
test_end_quiet(void)
{
	static const char *const set[] = {
		"alert tcp any any -> any any (msg:\"pay\"; flow:only_stream; content:\"PAYMENT\"; "
		"sid:12;)",
		"alert tcp any any -> any any (msg:\"xyz\"; flow:only_stream; content:\"xyz\"; "
		"sid:14;)",
	};
	static const char str[] = "..PAYMENT.xyzq..xyz";
	const uint64_t len = sizeof(str) - 1;
	struct hit want[] = {{0, 12, 9}, {1, 12, 9}, {0, 14, 13}, {1, 14, 13}};
	struct weir_ruleset *rs = build_set(set, N(set)), *saved = g_rs;
	struct weir_stream_conf c;
	struct weir_stream_stats st;
	struct sess *s;
	unsigned int d;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_EQUAL(rs->stream_eod_dirs, 0);
	end_after_idle(rs, str, &st);
	CU_ASSERT_EQUAL(st.compressed, 2);
	CU_ASSERT_EQUAL(st.expanded, 0);
	CU_ASSERT_EQUAL(st.end_quiet, 2);
	CU_ASSERT_EQUAL(g.closes[0] + g.closes[1], 0);
	/* a rule alerts at most once per run: "xyz" at 13, not at 19 */
	CU_ASSERT(hits_equal(want, N(want)));

	/* open states (no idle period): ended without the close too */
	g_rs = rs;
	conf(&c, true);
	s = sess_new(&c, 7, 9);
	for (d = 0; d < 2; d++) {
		g.orig[d] = (const uint8_t *)str;
		g.orig_len[d] = (uint32_t)len;
		send(s, d, 0, (uint32_t)len);
		ack(s, d, (uint32_t)len);
	}
	sess_end(s);
	stats(s, &st);
	CU_ASSERT_EQUAL(st.end_quiet - s->st0.end_quiet, 2);
	CU_ASSERT_EQUAL(st.compressed - s->st0.compressed, 0);
	CU_ASSERT_EQUAL(g.closes[0] + g.closes[1], 0);
	CU_ASSERT(hits_equal(want, N(want)));
	sess_free(s);
	g_rs = saved;
	weir_ruleset_free(rs);
}

/*
 * rs->stream_eod_dirs: the directions of stream rules whose expression
 * can match at the end of data, by Hyperscan's and PCRE's meaning of the
 * pattern: `$` (with or without /m), `\z`, `\Z` and a trailing `\b` can;
 * an escaped `\$`, a `$` in a class or in a content, a leading `\b` and
 * plain bytes cannot.
 */
static void
test_end_eod_dirs(void)
{
	static const struct {
		const char *item;
		bool eod;
	} c[] = {
		{"pcre:\"/abc$/\";", true},	  {"pcre:\"/abc$/m\";", true},
		{"pcre:\"/abc\\z/\";", true},	  {"pcre:\"/abc\\Z/\";", true},
		{"pcre:\"/abc\\b/\";", true},	  {"pcre:\"/abc\\$/\";", false},
		{"pcre:\"/ab[$]c/\";", false},	  {"pcre:\"/\\babc/\";", false},
		{"pcre:\"/abc/\";", false},	  {"content:\"abc$\";", false},
		{"content:\"ab\\\\bz\";", false},
	};
	unsigned int i, k;

	for (i = 0; i < N(c); i++) {
		for (k = 0; k < 2; k++) {
			char text[256];
			struct weir_ruleset *rs;

			snprintf(text, sizeof(text),
				 "alert tcp any any -> any any (msg:\"e\"; flow:%sonly_stream; %s "
				 "sid:9;)",
				 k ? "to_client," : "", c[i].item);
			rs = build_one(text);
			CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
			if (rs->stream_eod_dirs !=
			    (c[i].eod ? (k ? WEIR_DIR_CLIENT : WEIR_DIR_SERVER | WEIR_DIR_CLIENT)
				      : 0u)) {
				fprintf(stderr, "\n  %s: stream_eod_dirs %u\n", text,
					rs->stream_eod_dirs);
				CU_FAIL("stream_eod_dirs");
			}
			weir_ruleset_free(rs);
		}
	}
}

static int
suite_init(void)
{
	weir_stream_global_init();
	g_rs = build_rules();
	return g_rs == NULL;
}

static int
suite_fini(void)
{
	weir_ruleset_free(g_rs);
	return 0;
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return CU_get_error();
	s = CU_add_suite("stream", suite_init, suite_fini);
	CU_ADD_TEST(s, test_in_order);
	CU_ADD_TEST(s, test_reversed);
	CU_ADD_TEST(s, test_permutations);
	CU_ADD_TEST(s, test_duplicates);
	CU_ADD_TEST(s, test_overlaps_same_bytes);
	CU_ADD_TEST(s, test_two_directions);
	CU_ADD_TEST(s, test_overlap_policy);
	CU_ADD_TEST(s, test_inspected_never_change);
	CU_ADD_TEST(s, test_hole_acked_past);
	CU_ADD_TEST(s, test_hole_never_fills);
	CU_ADD_TEST(s, test_depth);
	CU_ADD_TEST(s, test_acked_boundaries);
	CU_ADD_TEST(s, test_offsets_never_wrap);
	CU_ADD_TEST(s, test_reload_restart);
	CU_ADD_TEST(s, test_syn_rst_data);
	CU_ADD_TEST(s, test_segment_pool_dry);
	CU_ADD_TEST(s, test_state_pool_dry);
	CU_ADD_TEST(s, test_end_without_stream_rules);
	CU_ADD_TEST(s, test_flow_end_flush);
	CU_ADD_TEST(s, test_pools_reused);
	CU_ADD_TEST(s, test_idle_compress);
	CU_ADD_TEST(s, test_idle_compress_memcap);
	CU_ADD_TEST(s, test_idle_compress_reload);
	CU_ADD_TEST(s, test_stream_dirs);
	CU_ADD_TEST(s, test_end_compressed_eod);
	CU_ADD_TEST(s, test_end_quiet);
	CU_ADD_TEST(s, test_end_eod_dirs);
	return weir_ut_run();
}
