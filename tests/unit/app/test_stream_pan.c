/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of app/stream.c with `pan` stream rules alone, acknowledged
 * inspection: there the card scanner runs over an in-order segment when it
 * arrives and the ACK only delivers what it said (app/stream.c, struct
 * ahead), falling back to the scanner as of the acknowledged bytes when
 * anything else happens to the held bytes. That must never change what is
 * reported, so each case is differential: the same packets go through a
 * table with the pan rules alone (A: the run-ahead path) and through one
 * with the same pan rules plus a content rule no stream holds (B: not a
 * set of pan rules alone, so every run is fed at its ACK as before), and
 * the pan rules' alerts (packet, direction, sid, stream offset of the
 * card's end) and every stream counter must be equal.
 *
 * The packets are random sessions built for the purpose: card numbers
 * (contiguous and grouped) in digit-heavy bytes, both directions, segments
 * of 1 to 2,500 bytes (past one held record), out of order, retransmitted
 * with the same bytes or with other ones (the overlap policy then decides
 * what is inspected), ACKs anywhere (inside a segment, past the bytes
 * seen), time jumps past the idle-compression bound, a small hold bound
 * and a small depth in some cases, and the flow's end with bytes never
 * acknowledged.
 *
 * The second test does the same for Hyperscan stream rules (regexes,
 * contents, a `pan` rule beside them), which run ahead when the caller
 * takes their alerts at the ACK (struct weir_stream_out, deliver): the
 * same packets through the same rule set with deliver (A) and without
 * (B, every run matched at its ACK), and sometimes a reload half-way
 * (the same rules, another generation): equal alerts, counters and rule
 * hits, and the run-ahead both delivers and is undone in the cases.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"
#include "stream.h"
#include "weir_cunit.h"

#define TH_PSH 0x08
#define TH_ACK 0x10

#define MAX_LEN	 9000u
#define MAX_PKTS 4096u
#define MAX_HITS 4096u
#define SEC	 1000000000ull

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const g_pan_rules[] = {
	"alert tcp any any -> any any (msg:\"card\"; flow:only_stream; pan; sid:1;)",
	"alert tcp any any -> any any (msg:\"card to client\"; flow:to_client,only_stream; pan; "
	"sid:2;)",
};
/* B's extra rule: a content no stream below holds ('Q' is not in them) */
static const char g_other_rule[] =
	"alert tcp any any -> any any (msg:\"never\"; flow:only_stream; content:\"QQQQ\"; sid:9;)";

/* Hyperscan stream rules that run ahead (none confirms, none has state) */
static const char *const g_hs_rules[] = {
	"alert tcp any any -> any any (msg:\"visa\"; flow:only_stream; "
	"pcre:\"/(?:^|[^0-9])4[0-9]{15}(?:[^0-9]|$)/\"; sid:21;)",
	"alert tcp any any -> any any (msg:\"mc\"; flow:only_stream; content:\"5555\"; sid:22;)",
	"alert tcp any any -> any any (msg:\"amex to client\"; flow:to_client,only_stream; "
	"content:\"3782\"; sid:23;)",
	"alert tcp any any -> any any (msg:\"pair\"; flow:only_stream; content:\"1111\"; "
	"content:\"4444\"; distance:0; sid:24;)",
	"alert tcp any any -> any any (msg:\"card\"; flow:only_stream; pan; sid:25;)",
	"alert tcp any any -> any any (msg:\"digits\"; flow:to_server,only_stream; "
	"pcre:\"/[0-9]{12}/\"; sid:26;)",
};

/* more rules than a run-ahead keeps alerts of (AHEAD_ALERTS, 16), most
 * of them matching in nearly every record: rounds that overflow */
static const char *const g_many = "0123456789 -=x\n;:";

static struct weir_rule_vars g_vars;
static struct weir_ruleset *g_rs_a, *g_rs_b, *g_rs_h1, *g_rs_h2, *g_rs_m;

static struct weir_ruleset *
build_rules(bool other)
{
	struct weir_suri_rule_list l = {0};
	struct weir_ruleset_opts o = {.vars = &g_vars};
	struct weir_diags ds;
	struct weir_ruleset *rs;
	unsigned int i, bad = 0;

	if (weir_diags_init(&ds, 8) != 0)
		return NULL;
	for (i = 0; i < N(g_pan_rules); i++)
		bad += weir_rules_parse_suri_rule("t.rules", i + 1, g_pan_rules[i], &g_vars, &l,
						  &ds) != 0;
	if (other)
		bad += weir_rules_parse_suri_rule("t.rules", 9, g_other_rule, &g_vars, &l, &ds) !=
		       0;
	rs = weir_compile_lists(NULL, &l, &o, &ds, bad);
	weir_diags_free(&ds);
	return bad == 0 ? rs : NULL;
}

static struct weir_ruleset *
build_hs_rules(uint64_t generation, bool many)
{
	struct weir_suri_rule_list l = {0};
	struct weir_ruleset_opts o = {.vars = &g_vars};
	struct weir_diags ds;
	struct weir_ruleset *rs;
	unsigned int i, bad = 0;

	if (weir_diags_init(&ds, 8) != 0)
		return NULL;
	for (i = 0; i < N(g_hs_rules); i++)
		bad += weir_rules_parse_suri_rule("h.rules", i + 1, g_hs_rules[i], &g_vars, &l,
						  &ds) != 0;
	for (i = 0; many && g_many[i] != '\0'; i++) {
		char r[160];

		snprintf(r, sizeof(r),
			 "alert tcp any any -> any any (msg:\"m\"; flow:only_stream; "
			 "content:\"|%02x|\"; sid:%u;)",
			 (unsigned int)(uint8_t)g_many[i], 100 + i);
		bad += weir_rules_parse_suri_rule("h.rules", 100 + i, r, &g_vars, &l, &ds) != 0;
	}
	rs = weir_compile_lists(NULL, &l, &o, &ds, bad);
	weir_diags_free(&ds);
	if (rs != NULL)
		rs->generation = generation;
	return bad == 0 ? rs : NULL;
}

/* ---- the packets of a case --------------------------------------------- */

struct tpkt {
	unsigned int dir;
	uint32_t off; /* stream offset of the first byte */
	uint32_t len;
	uint32_t ack; /* bytes of the other side acknowledged */
	uint64_t ts_ns;
	const uint8_t *data;
};

static struct {
	uint8_t orig[2][MAX_LEN];
	uint32_t len[2];
	struct tpkt pkts[MAX_PKTS];
	unsigned int n;
	uint8_t other[MAX_PKTS * 64]; /* bytes of retransmissions that differ */
	size_t other_used;
	struct weir_stream_conf c;
} g_case;

static uint64_t g_rng;

static uint32_t
rnd(void)
{
	uint64_t z = (g_rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)((z ^ (z >> 31)) >> 16);
}

/* Digit-heavy bytes with a card every 60 to 260 bytes, contiguous or in
 * groups of four (Luhn-valid test numbers of three issuers). */
static void
make_stream(uint8_t *s, uint32_t len)
{
	static const char *const cards[] = {
		"4111111111111111",    "5555555555554444", "4111 1111 1111 1111",
		"5555-5555-5555-4444", "378282246310005",  "4111111111111111110",
	};
	static const char filler[] = "0123456789012345678901234567 -=x\n";
	uint32_t i = 0, next = 60 + rnd() % 200;

	while (i < len) {
		if (i == next) {
			const char *c = cards[rnd() % N(cards)];
			size_t n = strlen(c);

			/* a byte that separates it from the digits around */
			s[i++] = (uint8_t) " =\n:"[rnd() % 4];
			if (i + n > len)
				n = len - i;
			memcpy(s + i, c, n);
			i += (uint32_t)n;
			if (i < len)
				s[i++] = (uint8_t) " ;\n"[rnd() % 3];
			next = i + 60 + rnd() % 200;
			continue;
		}
		s[i++] = (uint8_t)filler[rnd() % (sizeof(filler) - 1)];
	}
}

static void
add(unsigned int dir, uint32_t off, uint32_t len, uint32_t ack, uint64_t ts, const uint8_t *data)
{
	if (g_case.n < MAX_PKTS)
		g_case.pkts[g_case.n++] = (struct tpkt){dir, off, len, ack, ts, data};
}

/* One random case from @p seed: the conf and the packets. */
static void
make_case(uint64_t seed)
{
	uint32_t next[2] = {0, 0}, acked[2] = {0, 0}, late_off[2][8], late_len[2][8];
	unsigned int n_late[2] = {0, 0}, step, d;
	uint64_t ts = SEC;
	bool chatty;

	memset(&g_case, 0, sizeof(g_case));
	g_rng = seed * 7919 + 1;
	weir_stream_conf_defaults(&g_case.c);
	g_case.c.memcap = 1u << 20;
	g_case.c.reassembly_memcap = 4u << 20;
	g_case.c.state_bytes = 1024;
	if (rnd() % 4 == 0)
		g_case.c.max_held = 3000; /* bytes inspected before their ACK */
	if (rnd() % 4 == 0)
		g_case.c.depth = 2500 + rnd() % 3000;
	g_case.c.idle_ns = rnd() % 2 ? SEC : 0;
	/* half the cases: most segments acknowledged whole at once (a request
	 * and its ACK: what the scanner runs ahead on) */
	chatty = rnd() % 2;
	for (d = 0; d < 2; d++) {
		g_case.len[d] = (d == 0 ? 2000 : 500) + rnd() % (d == 0 ? 7000 : 3000);
		make_stream(g_case.orig[d], g_case.len[d]);
	}
	for (step = 0; step < 1500 && g_case.n + 4 < MAX_PKTS; step++) {
		uint32_t r = rnd() % 100, len, a;

		d = rnd() % 4 == 0 ? 1 : 0;
		if (r < 55 && next[d] < g_case.len[d]) {
			/* two statements: the order of two rnd() in one
			 * expression is unspecified, and gcc and clang differ */
			len = rnd() % 8 == 0 ? 2500 : 300;
			len = 1 + rnd() % len;
			if (len > g_case.len[d] - next[d])
				len = g_case.len[d] - next[d];
			if (rnd() % 10 == 0 && n_late[d] < 8) {
				/* sent later: a hole until then */
				late_off[d][n_late[d]] = next[d];
				late_len[d][n_late[d]++] = len;
			} else {
				add(d, next[d], len, acked[!d], ts, g_case.orig[d] + next[d]);
			}
			next[d] += len;
			if (chatty && rnd() % 10 < 7 && n_late[d] == 0) {
				if (acked[d] < next[d])
					acked[d] = next[d];
				add(!d, next[!d], 0, acked[d], ts, NULL);
			}
		} else if (r < 65 && n_late[d] > 0) {
			unsigned int k = rnd() % n_late[d];

			add(d, late_off[d][k], late_len[d][k], acked[!d], ts,
			    g_case.orig[d] + late_off[d][k]);
			late_off[d][k] = late_off[d][n_late[d] - 1];
			late_len[d][k] = late_len[d][--n_late[d]];
		} else if (r < 72 && next[d] > 0) {
			/* a retransmission, the same bytes or others */
			a = next[d] > 600 ? next[d] - 600 + rnd() % 600 : rnd() % next[d];
			len = 1 + rnd() % 64;
			if (len > next[d] - a)
				len = next[d] - a;
			if (rnd() % 2 && g_case.other_used + len <= sizeof(g_case.other)) {
				uint8_t *o = g_case.other + g_case.other_used;
				unsigned int k;

				memcpy(o, g_case.orig[d] + a, len);
				for (k = 0; k < len; k++)
					if (rnd() % 3 == 0)
						o[k] = (uint8_t) "0123456789 -"[rnd() % 12];
				g_case.other_used += len;
				add(d, a, len, acked[!d], ts, o);
			} else {
				add(d, a, len, acked[!d], ts, g_case.orig[d] + a);
			}
		} else if (r < 95) {
			/* the other side acknowledges some of d's bytes: anywhere
			 * up to what was sent, now and then past it (lost) */
			a = acked[d] <= next[d] ? acked[d] + rnd() % (next[d] - acked[d] + 1)
						: acked[d];
			if (rnd() % 40 == 0)
				a = next[d] + 1 + rnd() % 50;
			if (a > acked[d])
				acked[d] = a;
			add(!d, next[!d], 0, acked[d], ts, NULL);
		} else {
			ts += 5 * SEC; /* past the idle bound */
		}
		ts += 1000;
		if (next[0] >= g_case.len[0] && next[1] >= g_case.len[1] && n_late[0] == 0 &&
		    n_late[1] == 0 && rnd() % 8 == 0)
			break;
	}
}

/* ---- replaying a case ---------------------------------------------------- */

struct hit {
	unsigned int pkt, dir;
	uint32_t sid;
	uint64_t end;
};

static struct {
	const struct weir_ruleset *rs;
	struct weir_stream_table *t;
	struct hit hits[MAX_HITS];
	unsigned int n_hits;
	unsigned int cur_pkt, cur_dir;
	uint64_t cur_hs_off;
	unsigned int delivered, undone; /* Hyperscan run-ahead records */
} g;

static void on_alert(void *ctx, uint32_t idx, uint32_t match_end);

/* A run-ahead round's alerts (weir_stream_collecting): kept for the ACK */
static void
on_alert_note(void *ctx, uint32_t idx, uint32_t match_end)
{
	(void)ctx;
	weir_stream_ahead_note(g.t, idx, match_end);
}

static void
deliver(void *arg, struct weir_flow *f, unsigned int dir, const uint8_t *data, uint32_t len,
	uint64_t off, uint64_t hs_off, const struct weir_stream_ahead_alert *al, unsigned int n,
	uint32_t alerts, uint32_t suppressed, uint32_t scan_error)
{
	unsigned int i;

	(void)arg;
	(void)f;
	(void)len;
	(void)off;
	(void)suppressed;
	CU_ASSERT(scan_error == 0);
	if (data == NULL) {
		g.undone++;
		for (i = 0; i < n; i++)
			weir_ruleset_unhit(g.rs, 0, al[i].rule_idx);
		return;
	}
	g.delivered++;
	CU_ASSERT(alerts == n);
	g.cur_dir = dir;
	g.cur_hs_off = hs_off;
	for (i = 0; i < n; i++)
		on_alert(NULL, al[i].rule_idx, al[i].match_end);
}

static void
on_alert(void *ctx, uint32_t idx, uint32_t match_end)
{
	uint32_t sid = g.rs->rules[idx].sid;

	(void)ctx;
	if (sid != 9 && sid < 100 && g.n_hits < MAX_HITS)
		g.hits[g.n_hits++] =
			(struct hit){g.cur_pkt, g.cur_dir, sid, g.cur_hs_off + match_end};
}

static void
chunk(void *arg, struct weir_flow *f, unsigned int dir, hs_stream_t *hs, const uint8_t *data,
      uint32_t len, uint64_t off, uint64_t hs_off)
{
	static const uint8_t cli[4] = {10, 0, 0, 1}, srv[4] = {10, 0, 0, 2};
	struct weir_scan_pkt sp = {
		.payload = data,
		.len = len,
		.pclass = WEIR_PCLASS_TCP,
		.ip_version = 4,
		.sport = dir ? 80 : 40000,
		.dport = dir ? 40000 : 80,
		.src = dir ? srv : cli,
		.dst = dir ? cli : srv,
		.ts_ns = 1,
		.flow = WEIR_SCAN_FLOW | WEIR_SCAN_FLOW_ESTABLISHED |
			(dir ? WEIR_SCAN_FLOW_TOCLIENT : WEIR_SCAN_FLOW_TOSERVER),
		.vars = &f->vars,
	};
	struct weir_scan_res res;
	bool found;

	(void)arg;
	(void)off;
	g.cur_dir = dir;
	g.cur_hs_off = hs_off;
	weir_stream_window(g.t, &sp.confirm, &sp.confirm_len);
	weir_stream_pan(g.t, &found, &sp.pan_end);
	sp.pan_found = found;
	if (data == NULL)
		weir_ruleset_stream_close(g.rs, 0, hs, &sp, on_alert, NULL, &res);
	else if (weir_stream_collecting(g.t))
		weir_ruleset_scan_stream(g.rs, 0, hs, &sp, on_alert_note, NULL, &res),
			weir_stream_ahead_counts(g.t, res.alerts, res.suppressed, res.scan_error);
	else
		weir_ruleset_scan_stream(g.rs, 0, hs, &sp, on_alert, NULL, &res);
	CU_ASSERT(res.scan_error == 0);
}

/* Replay the case on a new table with @p rs: hits into g, counters into
 * @p st (after the flow's end, which must leave the pools empty). */
static void
replay_hs(const struct weir_ruleset *rs, const struct weir_ruleset *rs2, unsigned int reload_at,
	  bool ahead, struct weir_stream_stats *st)
{
	struct weir_flow *f = aligned_alloc(64, sizeof(*f));
	struct weir_stream_out o = {
		.rs = rs, .chunk = chunk, .arg = NULL, .deliver = ahead ? deliver : NULL};
	const uint32_t isn[2] = {0xfffff000u, 77};
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	memset(f, 0, sizeof(*f));
	memset(&g, 0, sizeof(g));
	g.rs = rs;
	g.t = weir_stream_table_create(&g_case.c);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g.t);
	weir_stream_bind(g.t);
	f->flags = WEIR_FLOW_F_SESSION;
	f->tcp_state = WEIR_TCP_ESTABLISHED;
	f->dir[0].isn = isn[0];
	f->dir[1].isn = isn[1];
	f->key.proto = 6;
	f->key.ip_version = 4;
	for (i = 0; i < g_case.n; i++) {
		const struct tpkt *p = &g_case.pkts[i];
		struct weir_flow_pkt fp;

		memset(&fp, 0, sizeof(fp));
		fp.proto = 6;
		fp.ip_version = 4;
		fp.tcp_flags = TH_ACK | (p->len > 0 ? TH_PSH : 0);
		fp.tcp_seq = isn[p->dir] + 1 + p->off;
		fp.tcp_ack = isn[!p->dir] + 1 + p->ack;
		fp.payload_len = p->len;
		fp.ts_ns = p->ts_ns;
		g.cur_pkt = i;
		if (i == reload_at && rs2 != NULL) {
			o.rs = rs2; /* a reload: the same rules, a new generation */
			g.rs = rs2;
		}
		weir_stream_packet(g.t, f, p->dir, &fp, p->data, 0, &o);
	}
	g.cur_pkt = g_case.n; /* the end */
	weir_stream_flow_end(g.t, f, &o);
	weir_stream_stats_get(g.t, st);
	CU_ASSERT_EQUAL(st->states, 0);
	CU_ASSERT_EQUAL(st->held_bytes, 0);
	weir_stream_bind(NULL);
	weir_stream_table_destroy(g.t);
	free(f);
}

static void
replay(const struct weir_ruleset *rs, struct weir_stream_stats *st)
{
	replay_hs(rs, NULL, UINT32_MAX, false, st);
}

#define CMP_COUNTER(name, doc)                                                                     \
	if (a.name != b.name) {                                                                    \
		fprintf(stderr,                                                                    \
			"\n  case %u: %s: %llu with pan alone, %llu with the other rule\n", c,     \
			#name, (unsigned long long)a.name, (unsigned long long)b.name);            \
		same = false;                                                                      \
	}

/* The @p n_a alerts of run A (@p ha) equal the last replay's (g.hits), in
 * order; the first difference is printed with the two runs' names. */
static bool
hits_same(unsigned int c, const struct hit *ha, unsigned int n_a, const char *a_name,
	  const char *b_name)
{
	unsigned int i;

	if (n_a != g.n_hits) {
		fprintf(stderr, "\n  case %u: %u alerts %s, %u %s\n", c, n_a, a_name, g.n_hits,
			b_name);
		return false;
	}
	for (i = 0; i < n_a; i++)
		if (ha[i].pkt != g.hits[i].pkt || ha[i].dir != g.hits[i].dir ||
		    ha[i].sid != g.hits[i].sid || ha[i].end != g.hits[i].end) {
			fprintf(stderr,
				"\n  case %u, alert %u: packet %u dir %u sid %u end %llu %s; "
				"packet %u dir %u sid %u end %llu %s\n",
				c, i, ha[i].pkt, ha[i].dir, ha[i].sid,
				(unsigned long long)ha[i].end, a_name, g.hits[i].pkt, g.hits[i].dir,
				g.hits[i].sid, (unsigned long long)g.hits[i].end, b_name);
			return false;
		}
	return true;
}

/* Many random cases: A's pan alerts and counters equal B's. */
static void
test_run_ahead_same_alerts(void)
{
	static struct hit ha[MAX_HITS];
	unsigned int c, i, total = 0, n_a;

	for (c = 0; c < 300; c++) {
		struct weir_stream_stats a, b;
		bool same = true;

		make_case(c);
		replay(g_rs_a, &a);
		n_a = g.n_hits;
		memcpy(ha, g.hits, n_a * sizeof(ha[0]));
		replay(g_rs_b, &b);
		WEIR_STREAM_COUNTERS(CMP_COUNTER)
		if (!hits_same(c, ha, n_a, "with pan alone", "with the other rule"))
			same = false;
		CU_ASSERT(same);
		if (!same && getenv("DBG")) {
			fprintf(stderr, "conf depth %u max_held %u idle %llu\n", g_case.c.depth,
				g_case.c.max_held, (unsigned long long)g_case.c.idle_ns);
			for (i = 0; i < g_case.n && i < 70; i++)
				fprintf(stderr, "%u: dir %u off %u len %u ack %u ts %llu %s\n", i,
					g_case.pkts[i].dir, g_case.pkts[i].off, g_case.pkts[i].len,
					g_case.pkts[i].ack,
					(unsigned long long)g_case.pkts[i].ts_ns,
					g_case.pkts[i].data &&
							g_case.pkts[i].data !=
								g_case.orig[g_case.pkts[i].dir] +
									g_case.pkts[i].off
						? "OTHER"
						: "");
			for (i = 0; i < n_a; i++)
				fprintf(stderr, "A %u %u %u %llu | B %u %u %u %llu\n", ha[i].pkt,
					ha[i].dir, ha[i].sid, (unsigned long long)ha[i].end,
					g.hits[i].pkt, g.hits[i].dir, g.hits[i].sid,
					(unsigned long long)g.hits[i].end);
		}
		if (!same)
			break;
		total += n_a;
	}
	fprintf(stderr, "\n  %u alerts in the cases\n", total);
	/* the cases do find cards: the comparison is not between nothings */
	CU_ASSERT(total > 3000);
}

/* Rule hits of @p rs, summed over its rules, per sid order: into @p out. */
static void
hits_of(const struct weir_ruleset *rs, uint64_t *out)
{
	unsigned int i;

	for (i = 0; i < rs->n_rules && i < 32; i++)
		out[i] = weir_ruleset_hits(rs, i);
}

/* Hyperscan stream rules: A (run-ahead) and B (matched at the ACK) give
 * the same alerts, counters and rule hits. */
static void
test_hs_run_ahead_same_alerts(void)
{
	static struct hit ha[MAX_HITS];
	unsigned int c, i, total = 0, n_a, delivered = 0, undone = 0, reloads = 0;

	for (c = 0; c < 300; c++) {
		struct weir_stream_stats a, b;
		uint64_t h0[2][32] = {{0}}, h1[2][32] = {{0}}, h2[2][32] = {{0}};
		unsigned int reload_at = UINT32_MAX;
		bool same = true;

		struct weir_ruleset *r1 = c % 7 == 3 ? g_rs_m : g_rs_h1;

		make_case(1000 + c);
		if (c % 5 == 0 && g_case.n > 2) {
			reload_at = 1 + (unsigned int)(c * 37) % (g_case.n - 1);
			reloads++;
		}
		hits_of(r1, h0[0]);
		hits_of(g_rs_h2, h0[1]);
		replay_hs(r1, g_rs_h2, reload_at, true, &a);
		delivered += g.delivered;
		undone += g.undone;
		n_a = g.n_hits;
		memcpy(ha, g.hits, n_a * sizeof(ha[0]));
		hits_of(r1, h1[0]);
		hits_of(g_rs_h2, h1[1]);
		replay_hs(r1, g_rs_h2, reload_at, false, &b);
		hits_of(r1, h2[0]);
		hits_of(g_rs_h2, h2[1]);
		WEIR_STREAM_COUNTERS(CMP_COUNTER)
		/* the set in use at the end; the set a reload replaced keeps
		 * the alerts of run-aheads undone after it (app/stream.c,
		 * sd_ahead_undo: it may be freed then, its counts with it) */
		for (i = 0; i < 32; i++)
			if ((reload_at == UINT32_MAX &&
			     h1[0][i] - h0[0][i] != h2[0][i] - h1[0][i]) ||
			    h1[1][i] - h0[1][i] != h2[1][i] - h1[1][i]) {
				fprintf(stderr, "\n  case %u: rule %u hits differ\n", c, i);
				same = false;
			}
		if (!hits_same(c, ha, n_a, "ahead", "at the ACK"))
			same = false;
		CU_ASSERT(same);
		if (!same)
			break;
		total += n_a;
	}
	fprintf(stderr, "\n  %u alerts, %u records delivered ahead, %u undone, %u reloads\n", total,
		delivered, undone, reloads);
	CU_ASSERT(total > 3000);
	CU_ASSERT(delivered > 500);
	CU_ASSERT(undone > 20);
}

static int
suite_init(void)
{
	weir_stream_global_init();
	g_rs_a = build_rules(false);
	g_rs_b = build_rules(true);
	g_rs_h1 = build_hs_rules(1, false);
	g_rs_h2 = build_hs_rules(2, false);
	g_rs_m = build_hs_rules(3, true);
	if (g_rs_a == NULL || g_rs_b == NULL || !g_rs_a->stream_pan_only || g_rs_b->stream_pan_only)
		return -1;
	/* no confirm step: the run-ahead applies */
	if (g_rs_h1 == NULL || g_rs_h2 == NULL || g_rs_m == NULL || g_rs_m->n_rules <= 16 ||
	    g_rs_h1->n_stream_confirm != 0 || g_rs_h1->stream_pan_only)
		return -1;
	return 0;
}

static int
suite_fini(void)
{
	weir_ruleset_free(g_rs_a);
	weir_ruleset_free(g_rs_b);
	weir_ruleset_free(g_rs_h1);
	weir_ruleset_free(g_rs_h2);
	weir_ruleset_free(g_rs_m);
	return 0;
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return CU_get_error();
	s = CU_add_suite("stream_pan", suite_init, suite_fini);
	CU_ADD_TEST(s, test_run_ahead_same_alerts);
	CU_ADD_TEST(s, test_hs_run_ahead_same_alerts);
	return weir_ut_run();
}
