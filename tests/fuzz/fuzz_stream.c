/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for TCP stream reassembly (app/stream.c) against an oracle.
 * One input is a small table's configuration, two byte streams (one per
 * direction, lengths and contents from the input) and a program of TCP
 * packets carrying pieces of them: any segmentation and order, duplicates
 * and overlaps (always the streams' own bytes, so the overlap policy
 * cannot change them), ACKs at the data's end, anywhere, or past it (a
 * hole the capture "lost"), FINs, SYN/RST and out-of-window segments with
 * data; acked or arrival inspection, small hold bounds, depths and pools,
 * and idle compression of every state between two packets (or none).
 * The flow ends at the end of the program.
 *
 * The chunk callback feeds every run to the real stream database of a
 * fixed rule set (literal contents over the streams' 4-letter alphabet, so
 * they match often, and a `$` pcre) and checks, as each run arrives:
 * - its bytes are the original stream's at its offset;
 * - runs of a direction never go back; a run after a jump (a hole) starts
 *   a new Hyperscan stream there (hs_off == off), and a run on the same
 *   Hyperscan stream as the previous one continues it exactly: nothing is
 *   ever matched across a hole;
 * - the matches reported in the call are exactly the oracle's: per rule,
 *   the first occurrence (memmem over the original stream) that ends in
 *   the run and starts at or after where its Hyperscan stream started (a
 *   rule alerts at most once per call, rules.h); at a close, the `$` rule
 *   matches iff the stream so far ends with its literal.
 * After every packet:
 * - each direction holds at most max_held bytes, and the held_bytes gauge
 *   is the sum of both;
 * - bytes inspected + gap_bytes == the offsets both directions reached,
 *   and the `bytes` counter is the sum of the runs.
 * At the end:
 * - no state and no held byte is left (states 0, held_bytes 0), and the
 *   whole segment pool can be taken again by a probe flow;
 * - with no gap, no depth cut and no pool refusal, each direction's runs
 *   are exactly its stream up to the last byte it sent.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rules_int.h"
#include "stream.h"

#define MAX_LEN	  8192u
#define MAX_OPS	  512u
#define SEG_BYTES 2048u /* one held record (stream.c) */
#define SEG_DATA  2032u

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

static const struct {
	uint32_t sid;
	const char *lit; /* the literal; for the pcre, what `$` ends */
	bool at_end;
	const char *rule;
} rules[] = {
	{1, "abcab", false,
	 "alert tcp any any -> any any (flow:only_stream; content:\"abcab\"; sid:1;)"},
	{2, "dd", false, "alert tcp any any -> any any (flow:only_stream; content:\"dd\"; sid:2;)"},
	{3, "aaaa", false,
	 "alert tcp any any -> any any (flow:only_stream; content:\"aaaa\"; sid:3;)"},
	{4, "cadbcadb", false,
	 "alert tcp any any -> any any (flow:only_stream; content:\"cadbcadb\"; sid:4;)"},
	{5, "bcd", true,
	 "alert tcp any any -> any any (flow:only_stream; pcre:\"/bcd$/\"; sid:5;)"},
};
#define N_RULES (sizeof(rules) / sizeof(rules[0]))

static struct weir_ruleset *rs;
static struct weir_rule_vars vars;

static struct {
	uint8_t orig[2][MAX_LEN];
	uint32_t len[2];
	uint64_t next_off[2];
	uint64_t cur_hs_off[2];
	bool started[2];
	uint64_t run_bytes[2];
	uint32_t call_hits[N_RULES + 1]; /* per rule index: reported end + 1 */
	unsigned int n_call_hits;
	bool probing; /* the end probe: no byte checks */
} g;

static void
build_rules(void)
{
	struct weir_suri_rule_list l = {0};
	struct weir_ruleset_opts o = {.vars = &vars};
	struct weir_diags ds;
	unsigned int i;

	FUZZ_CHECK(weir_diags_init(&ds, 8) == 0, "diags");
	for (i = 0; i < N_RULES; i++)
		FUZZ_CHECK(weir_rules_parse_suri_rule("f.rules", i + 1, rules[i].rule, &vars, &l,
						      &ds) == 0,
			   "rule %u refused", i + 1);
	rs = weir_compile_lists(NULL, &l, &o, &ds, 0);
	FUZZ_CHECK(rs != NULL && rs->stream_db != NULL, "rule set refused");
	FUZZ_CHECK(rs->n_rules == N_RULES, "rules %u", rs->n_rules);
	weir_diags_free(&ds);
	weir_stream_global_init();
}

static void
on_alert(void *ctx, uint32_t idx, uint32_t end)
{
	(void)ctx;
	FUZZ_CHECK(idx < N_RULES, "rule index %u", idx);
	FUZZ_CHECK(g.call_hits[idx] == 0, "rule %u twice in one call", idx);
	g.call_hits[idx] = end + 1;
	g.n_call_hits++;
}

/* The oracle's end (relative to hs_off) of rule @p k in the run
 * [off, off+len) of a Hyperscan stream started at hs_off, 0: none. */
static uint64_t
oracle_end(unsigned int dir, unsigned int k, uint64_t off, uint32_t len, uint64_t hs_off)
{
	const uint8_t *s = g.orig[dir];
	size_t pl = strlen(rules[k].lit);
	uint64_t from;

	if (rules[k].at_end)
		return 0;
	from = off + 1 >= hs_off + pl ? off + 1 - pl : hs_off;
	for (; from + pl <= off + len; from++)
		if (memcmp(s + from, rules[k].lit, pl) == 0)
			return from + pl - hs_off;
	return 0;
}

static void
chunk(void *arg, struct weir_flow *f, unsigned int dir, hs_stream_t *hs, const uint8_t *data,
      uint32_t len, uint64_t off, uint64_t hs_off)
{
	static const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
	struct weir_scan_pkt sp = {
		.payload = data,
		.len = len,
		.pclass = WEIR_PCLASS_TCP,
		.ip_version = 4,
		.sport = 1,
		.dport = 2,
		.src = dir ? b : a,
		.dst = dir ? a : b,
		.flow = WEIR_SCAN_FLOW | WEIR_SCAN_FLOW_ESTABLISHED |
			(dir ? WEIR_SCAN_FLOW_TOCLIENT : WEIR_SCAN_FLOW_TOSERVER),
		.vars = &f->vars,
	};
	struct weir_scan_res res;
	unsigned int k;

	(void)arg;
	FUZZ_CHECK(dir < 2, "dir %u", dir);
	memset(g.call_hits, 0, sizeof(g.call_hits));
	g.n_call_hits = 0;
	if (data == NULL) {
		/* the end: what `$` sees is the stream up to off */
		FUZZ_CHECK(!g.started[dir] || hs_off == g.cur_hs_off[dir], "close: hs_off %llu",
			   (unsigned long long)hs_off);
		FUZZ_CHECK(off == g.next_off[dir], "close at %llu, last run ended at %llu",
			   (unsigned long long)off, (unsigned long long)g.next_off[dir]);
		weir_ruleset_stream_close(rs, 0, hs, &sp, on_alert, NULL, &res);
		FUZZ_CHECK(res.scan_error == 0, "close: scan error");
		if (g.probing)
			return;
		for (k = 0; k < N_RULES; k++) {
			size_t pl = strlen(rules[k].lit);
			bool want = rules[k].at_end && off >= hs_off + pl &&
				    memcmp(g.orig[dir] + off - pl, rules[k].lit, pl) == 0;

			FUZZ_CHECK(want == (g.call_hits[k] != 0), "close: sid %u %s", rules[k].sid,
				   want ? "missed" : "unexpected");
			FUZZ_CHECK(!want || g.call_hits[k] - 1 == off - hs_off, "close: sid %u end",
				   rules[k].sid);
		}
		return;
	}
	FUZZ_CHECK(len > 0, "empty run");
	FUZZ_CHECK(off >= g.next_off[dir], "dir %u: run at %llu before %llu", dir,
		   (unsigned long long)off, (unsigned long long)g.next_off[dir]);
	if (g.started[dir] && hs_off == g.cur_hs_off[dir] && hs_off != off)
		FUZZ_CHECK(off == g.next_off[dir],
			   "dir %u: run at %llu continues a stream that ended at %llu", dir,
			   (unsigned long long)off, (unsigned long long)g.next_off[dir]);
	else
		FUZZ_CHECK(hs_off == off, "dir %u: new stream at %llu for a run at %llu", dir,
			   (unsigned long long)hs_off, (unsigned long long)off);
	if (!g.probing)
		FUZZ_CHECK(off + len <= g.len[dir] && memcmp(data, g.orig[dir] + off, len) == 0,
			   "dir %u: run at %llu (+%u) is not the stream's bytes", dir,
			   (unsigned long long)off, len);
	g.started[dir] = true;
	g.cur_hs_off[dir] = hs_off;
	g.next_off[dir] = off + len;
	g.run_bytes[dir] += len;
	weir_ruleset_scan_stream(rs, 0, hs, &sp, on_alert, NULL, &res);
	FUZZ_CHECK(res.scan_error == 0, "scan error");
	if (g.probing)
		return;
	for (k = 0; k < N_RULES; k++) {
		uint64_t want = oracle_end(dir, k, off, len, hs_off);

		FUZZ_CHECK(want == (g.call_hits[k] ? g.call_hits[k] - 1 : 0),
			   "dir %u run %llu+%u (hs %llu): sid %u want end %llu got %llu", dir,
			   (unsigned long long)off, len, (unsigned long long)hs_off, rules[k].sid,
			   (unsigned long long)want,
			   (unsigned long long)(g.call_hits[k] ? g.call_hits[k] - 1 : 0));
	}
}

/* ---- the input -------------------------------------------------------- */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint32_t
take(struct in *in, unsigned int bytes)
{
	uint32_t v = 0;

	while (bytes-- > 0) {
		v = v << 8 | (in->n > 0 ? *in->p : 0);
		if (in->n > 0) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

struct sess {
	struct weir_flow f;
	struct weir_stream_table *t;
	struct weir_stream_conf c;
	struct weir_stream_out o;
	uint32_t isn[2];
	uint32_t hi[2];	      /* end of the data sent (accepted) so far */
	uint32_t last_ack[2]; /* of each direction's data */
	bool fin[2];	      /* a FIN was sent */
};

/* Packet time: with idle compression on (idle_ns 1), one more ns per
 * packet, so every state is compressed between two packets. */
static uint64_t g_ts;

static void
pkt(struct sess *s, unsigned int dir, uint32_t off, uint32_t len, uint8_t flags, uint32_t ack,
    uint32_t pkt_flags)
{
	struct weir_flow_pkt p;

	memset(&p, 0, sizeof(p));
	p.proto = 6;
	p.ip_version = 4;
	p.tcp_flags = flags;
	p.tcp_seq = s->isn[dir] + 1 + off;
	p.tcp_ack = s->isn[!dir] + 1 + ack;
	p.payload_len = len;
	p.ts_ns = ++g_ts;
	weir_stream_packet(s->t, &s->f, dir, &p, len ? g.orig[dir] + off : NULL, pkt_flags, &s->o);
	if (len > 0 && !(flags & (TH_SYN | TH_RST)) && !(pkt_flags & WEIR_FLOW_PKT_OUT_OF_WINDOW) &&
	    off + len > s->hi[dir])
		s->hi[dir] = off + len;
}

static void
check_after_packet(const struct sess *s)
{
	struct weir_stream_stats st;
	unsigned int d;
	uint64_t reached = 0;

	weir_stream_stats_get(s->t, &st);
	for (d = 0; d < 2; d++) {
		const struct weir_stream_dir *sd = &s->f.dir[d].sd;

		FUZZ_CHECK(sd->held <= s->c.max_held, "dir %u holds %u > max_held %u", d, sd->held,
			   s->c.max_held);
		reached += sd->offset;
	}
	FUZZ_CHECK(st.held_bytes == (uint64_t)s->f.dir[0].sd.held + s->f.dir[1].sd.held,
		   "held_bytes %llu", (unsigned long long)st.held_bytes);
	FUZZ_CHECK(st.bytes == g.run_bytes[0] + g.run_bytes[1], "bytes %llu, runs %llu",
		   (unsigned long long)st.bytes,
		   (unsigned long long)(g.run_bytes[0] + g.run_bytes[1]));
	FUZZ_CHECK(reached == st.bytes + st.gap_bytes, "offsets %llu != bytes %llu + gaps %llu",
		   (unsigned long long)reached, (unsigned long long)st.bytes,
		   (unsigned long long)st.gap_bytes);
}

static void
sess_flow_init(struct sess *s, uint32_t isn0, uint32_t isn1)
{
	memset(&s->f, 0, sizeof(s->f));
	s->isn[0] = isn0;
	s->isn[1] = isn1;
	s->f.flags = WEIR_FLOW_F_SESSION;
	s->f.tcp_state = WEIR_TCP_ESTABLISHED;
	s->f.dir[0].isn = isn0;
	s->f.dir[1].isn = isn1;
	s->f.key.proto = 6;
	s->f.key.ip_version = 4;
	memset(s->hi, 0, sizeof(s->hi));
	memset(s->last_ack, 0, sizeof(s->last_ack));
	memset(s->fin, 0, sizeof(s->fin));
}

/* After the flow: a probe flow takes every record of the segment pool
 * (acked, nothing acknowledged, one record per segment): any record the
 * first flow leaked makes it run dry. */
static void
probe_pool(struct sess *s)
{
	struct weir_stream_stats st0, st;
	uint32_t n_rec = (uint32_t)(s->c.reassembly_memcap / SEG_BYTES), i;

	if (!s->c.acked || (uint64_t)n_rec * 8 > s->c.max_held || n_rec * 8 > MAX_LEN)
		return;
	g.probing = true;
	memset(g.next_off, 0, sizeof(g.next_off));
	memset(g.started, 0, sizeof(g.started));
	sess_flow_init(s, 1000, 2000);
	weir_stream_stats_get(s->t, &st0);
	for (i = 0; i < n_rec; i++)
		pkt(s, 0, i * 8, 8, TH_ACK, 0, 0);
	weir_stream_stats_get(s->t, &st);
	FUZZ_CHECK(st.seg_nomem == st0.seg_nomem, "probe: %u records no longer all free", n_rec);
	FUZZ_CHECK(st.held_bytes == (uint64_t)n_rec * 8, "probe: held %llu",
		   (unsigned long long)st.held_bytes);
	weir_stream_flow_end(s->t, &s->f, &s->o);
	weir_stream_stats_get(s->t, &st);
	FUZZ_CHECK(st.held_bytes == 0 && st.states == 0, "probe: left held %llu states %llu",
		   (unsigned long long)st.held_bytes, (unsigned long long)st.states);
	g.probing = false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t depths[8] = {0, 0, 0, 0, 1, 64, 1000, 5000};
	static const uint32_t helds[8] = {0, 16, 300, 2100, 5000, 1u << 20, 1u << 20, 1u << 20};
	static const uint32_t recs[4] = {2, 5, 40, 4096};
	static const uint32_t slots[4] = {1, 2, 64, 64};
	static struct sess s;
	struct in in = {data, size};
	struct weir_stream_stats st;
	uint32_t cfg, seed, ops = 0;
	unsigned int d, i;

	if (rs == NULL)
		build_rules();
	FUZZ_CHECK(rs->stream_state_bytes <= 192, "state of %zu bytes", rs->stream_state_bytes);
	memset(&g, 0, sizeof(g));
	cfg = take(&in, 2);
	weir_stream_conf_defaults(&s.c);
	s.c.acked = cfg & 1;
	s.c.depth = depths[(cfg >> 1) & 7];
	s.c.max_held = helds[(cfg >> 4) & 7];
	s.c.reassembly_memcap = (uint64_t)recs[(cfg >> 7) & 3] * SEG_BYTES;
	s.c.state_bytes = 192;	/* a 320-byte slot with weir's (< 128: its meta and
				   the pan scanner's state) */
	s.c.confirm_window = 0; /* its rules need no confirm step */
	s.c.memcap = (uint64_t)slots[(cfg >> 9) & 3] * 320;
	s.c.idle_ns = (cfg >> 11) & 1; /* 1 ns: compress at every packet */
	s.t = weir_stream_table_create(&s.c);
	FUZZ_CHECK(s.t != NULL, "table");
	weir_stream_bind(s.t);
	s.o.rs = rs;
	s.o.chunk = chunk;
	s.o.arg = NULL;

	/* the two streams: lengths, then 'a'..'d' from a seed */
	seed = take(&in, 4);
	for (d = 0; d < 2; d++) {
		g.len[d] = 1 + take(&in, 2) % MAX_LEN;
		for (i = 0; i < g.len[d]; i++) {
			seed = seed * 1103515245u + 12345u;
			g.orig[d][i] = (uint8_t)('a' + (seed >> 16) % 4);
		}
	}
	{
		uint32_t isn0 = take(&in, 4), isn1 = take(&in, 4);

		sess_flow_init(&s, isn0, isn1);
	}

	while (in.n > 0 && ops++ < MAX_OPS) {
		uint32_t op = take(&in, 1), dir = op >> 7, L = g.len[dir];
		uint32_t off, len, a;

		switch (op & 7) {
		case 0: /* any piece of the stream */
		case 1:
			off = take(&in, 2) % L;
			len = 1 + take(&in, 2) % (op & 1 ? 3000 : 64);
			if (off + len > L)
				len = L - off;
			pkt(&s, dir, off, len, TH_ACK | TH_PSH, s.last_ack[!dir], 0);
			break;
		case 2: /* the next piece in order */
			off = s.hi[dir];
			if (off >= L)
				off = take(&in, 1) % L;
			len = 1 + take(&in, 1) * 8;
			if (off + len > L)
				len = L - off;
			pkt(&s, dir, off, len, TH_ACK | TH_PSH, s.last_ack[!dir], 0);
			break;
		case 3: /* the other side acknowledges what was sent */
			a = s.hi[dir] + (s.fin[dir] ? 1 : 0);
			s.last_ack[dir] = a;
			pkt(&s, !dir, s.hi[!dir], 0, TH_ACK, a, 0);
			break;
		case 4: /* ... or anything up to past the stream's end */
			a = take(&in, 2) % (L + 3);
			s.last_ack[dir] = a;
			pkt(&s, !dir, s.hi[!dir], 0, TH_ACK, a, 0);
			break;
		case 5: /* a FIN, alone or on the last piece */
			len = take(&in, 1) % 32;
			off = L > len ? L - len : 0;
			len = L - off;
			pkt(&s, dir, off, op & 0x40 ? len : 0, TH_FIN | TH_ACK, s.last_ack[!dir],
			    0);
			s.fin[dir] = true;
			break;
		case 6: /* data with SYN or RST, or out of the window */
			off = take(&in, 2) % L;
			len = 1 + take(&in, 1) % 64;
			if (off + len > L)
				len = L - off;
			a = take(&in, 1) % 3;
			pkt(&s, dir, off, len,
			    a == 0   ? TH_SYN
			    : a == 1 ? TH_RST | TH_ACK
				     : TH_ACK,
			    s.last_ack[!dir], a == 2 ? WEIR_FLOW_PKT_OUT_OF_WINDOW : 0);
			break;
		default: /* a piece acknowledging the other side's data at once */
			off = take(&in, 2) % L;
			len = 1 + take(&in, 1) * 4;
			if (off + len > L)
				len = L - off;
			s.last_ack[!dir] = s.hi[!dir];
			pkt(&s, dir, off, len, TH_ACK | TH_PSH, s.last_ack[!dir], 0);
			break;
		}
		check_after_packet(&s);
	}

	weir_stream_flow_end(s.t, &s.f, &s.o);
	weir_stream_stats_get(s.t, &st);
	FUZZ_CHECK(st.states == 0, "states %llu after the flow", (unsigned long long)st.states);
	FUZZ_CHECK(st.packed == 0, "compressed %llu after the flow", (unsigned long long)st.packed);
	FUZZ_CHECK(st.held_bytes == 0, "held %llu after the flow",
		   (unsigned long long)st.held_bytes);
	FUZZ_CHECK(st.bytes == g.run_bytes[0] + g.run_bytes[1], "bytes after the end");
	if (st.gap_bytes == 0 && st.depth_reached == 0 && st.seg_nomem == 0 &&
	    st.state_nomem == 0 && st.expand_fail == 0) {
		for (d = 0; d < 2; d++)
			FUZZ_CHECK(g.run_bytes[d] == s.hi[d] && g.next_off[d] == s.hi[d],
				   "dir %u: %llu bytes inspected of %u sent, with no gap", d,
				   (unsigned long long)g.run_bytes[d], s.hi[d]);
	}
	probe_pool(&s);
	weir_stream_bind(NULL);
	weir_stream_table_destroy(s.t);
	s.t = NULL;
	return 0;
}
