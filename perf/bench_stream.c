/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-stream: stream rules against packet rules on the same TCP sessions
 * (issue 13). One worker's path without capture or output: the flow table
 * update for every packet, then
 *
 *   block:  each packet's payload scanned by the card rules as packet rules
 *           (flow:no_stream): weir_ruleset_scan, as weir does today;
 *   stream: the same rules as stream rules (flow:only_stream): reassembly
 *           and Hyperscan stream mode (weir_stream_packet), plus the
 *           (empty) packet scan weir still does for every packet.
 *
 * The sessions are generated here: a handshake, then client segments of
 * transaction records (digit-heavy: amounts, 20-digit references, dates)
 * cut at random sizes, each acknowledged by the server, a short reply per
 * segment, FINs. One 16-digit card number starting with 4 is planted every
 * PLANT records, at a known stream offset, so every alert can be judged:
 * true (it ends where a planted card ends), false (anywhere else: a digit
 * run cut by a segment boundary looks like a card to a packet rule), and
 * planted cards never reported are misses. Each segment holds at most one
 * planted card (records are short, plants far apart), so the one alert
 * per rule and packet (or stream chunk) that weir raises loses none.
 *
 * Times are thread CPU time; the modes alternate; medians of REPS. Closed
 * sessions end as in the worker (an expiry pass of 64 flow slots every 32
 * packets, TCP closed timeout 0), so about CONCURRENT flows are open, plus
 * the closed ones the pass has not reached yet.
 *
 * With -p the rules are one `pan` rule instead (pan alone: per packet, or
 * the stream's card scanner, rules_pan.c), the planted cards get their
 * Luhn check digit (the other bytes are the same), and a packet-mode
 * alert is judged after the timed pass by scanning its packet again.
 *
 * usage: bench-stream [-n SESSIONS] [-k RECORDS] [-r REPS] [-s SEED] [-m acked|arrival] [-p]
 *                     [-c CONCURRENT]   (sessions interleaved CONCURRENT at a time)
 *                     [-M MIB] [-S MIB] (reassembly and state memcaps, default 256, 64)
 *                     [-i MS]   (stream.idle-compress in ms of packet time, default
 *                                30 s; packets are 1 us apart in processing order)
 *                     [-P]      (profiling: stream passes only, no block pass, no ratio)
 *                     [-B]      (profiling: block passes only)
 *                     [-H]      (no Hyperscan run-ahead: every run matched at its ACK)
 *                     [-D]      (the rules without flow:to_server: the server's
 *                                answers are matched too, in both modes)
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"
#include "diag.h"
#include "flow.h"
#include "rules.h"
#include "rules_int.h"
#include "stream.h"

#define PLANT	  24 /* a card every PLANT records */
#define MAX_PKTS  (1u << 24)
#define CARD_SIDS 2

static double
now_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline uint64_t
rnd(uint64_t *s)
{
	return bench_splitmix(s);
}

struct pkt {
	struct weir_flow_pkt fp;
	uint64_t data_off; /* payload in g_data */
	uint32_t session;
	uint32_t stream_off; /* client data: stream offset of payload[0] */
};

static uint32_t g_flow_entries = 1u << 16;
static struct pkt *g_pkts;
static uint32_t g_n_pkts;
static uint32_t *g_order;	    /* packets in the order they are processed */
static uint32_t *g_first, *g_count; /* per session: its packets in g_pkts */
static uint8_t *g_data;
static size_t g_data_len, g_data_cap;
/* per session: planted card end offsets (client stream), sorted */
static uint32_t **g_plant_end;
static uint32_t *g_n_plant;
static uint64_t g_planted;
static bool g_pan;	       /* -p: the pan rule */
static bool g_both_dirs;       /* -D: the rules read both directions */
static bool g_profile;	       /* -P: stream passes only */
static bool g_profile_block;   /* -B: block passes only */
static uint32_t *g_alert_pkts; /* -p, packet mode: the packets that alerted */
static uint32_t g_n_alert_pkts;

static void
data_add(const void *p, size_t n)
{
	if (g_data_len + n > g_data_cap) {
		g_data_cap = (g_data_len + n) * 2;
		g_data = realloc(g_data, g_data_cap);
		if (g_data == NULL) {
			perror("bench-stream");
			exit(2);
		}
	}
	memcpy(g_data + g_data_len, p, n);
	g_data_len += n;
}

static struct pkt *
pkt_new(uint32_t session, bool from_client, uint8_t flags, uint32_t seq, uint32_t ack,
	const void *payload, uint32_t len)
{
	struct pkt *p;
	uint32_t k = session;

	if (g_n_pkts == MAX_PKTS) {
		fprintf(stderr, "bench-stream: too many packets\n");
		exit(2);
	}
	p = &g_pkts[g_n_pkts++];
	memset(p, 0, sizeof(*p));
	{
		uint8_t c[4] = {10, (uint8_t)(k >> 16), (uint8_t)(k >> 8), (uint8_t)k};
		uint8_t s[4] = {192, 168, 7, (uint8_t)(k % 200)};
		uint16_t cp = (uint16_t)(1024 + k % 60000), sp = 8583;

		memcpy(from_client ? p->fp.src : p->fp.dst, c, 4);
		memcpy(from_client ? p->fp.dst : p->fp.src, s, 4);
		p->fp.sport = from_client ? cp : sp;
		p->fp.dport = from_client ? sp : cp;
	}
	p->fp.ip_version = 4;
	p->fp.proto = IPPROTO_TCP;
	p->fp.tcp_flags = flags;
	p->fp.tcp_seq = seq;
	p->fp.tcp_ack = ack;
	p->fp.tcp_window = 65535;
	p->fp.payload_len = len;
	p->fp.wire_len = 54 + len;
	p->data_off = g_data_len;
	p->session = session;
	if (len > 0)
		data_add(payload, len);
	return p;
}

/* One transaction record; a card in it when @p card. @return its length;
 * *card_end: offset of the card's last digit + 1 within the record. */
static size_t
record(char *buf, size_t cap, uint64_t *s, bool card, size_t *card_end)
{
	char ref[24], pan[20];
	size_t n;
	unsigned int i;

	for (i = 0; i < 20; i++)
		ref[i] = (char)('0' + rnd(s) % 10);
	ref[20] = '\0';
	if (card) {
		pan[0] = '4';
		for (i = 1; i < 16; i++)
			pan[i] = (char)('0' + rnd(s) % 10);
		if (g_pan) {
			/* the Luhn check digit in place of the last one */
			unsigned int sum = 0, d;

			for (i = 0; i < 15; i++) {
				d = (unsigned int)(pan[14 - i] - '0');
				if ((i & 1) == 0)
					d = d * 2 > 9 ? d * 2 - 9 : d * 2;
				sum += d;
			}
			pan[15] = (char)('0' + (10 - sum % 10) % 10);
		}
	} else {
		/* masked, as the records of a compliant system are */
		memcpy(pan, "411111******1111", 16);
	}
	pan[16] = '\0';
	n = (size_t)snprintf(buf, cap,
			     "TXN amt=%" PRIu64 ".%02u ref=%s date=2026%04u pan=", rnd(s) % 100000,
			     (unsigned int)(rnd(s) % 100), ref, (unsigned int)(rnd(s) % 1231));
	*card_end = n + 16;
	n += (size_t)snprintf(buf + n, cap - n, "%s cur=978 id=%06u\n", pan,
			      (unsigned int)(rnd(s) % 1000000));
	return n;
}

static void
generate(uint32_t sessions, uint32_t records, uint64_t seed)
{
	uint64_t s = seed;
	uint32_t k;
	char *stream = malloc((size_t)records * 160 + 1);

	g_pkts = calloc(MAX_PKTS, sizeof(*g_pkts));
	g_plant_end = calloc(sessions, sizeof(*g_plant_end));
	g_n_plant = calloc(sessions, sizeof(*g_n_plant));
	g_first = calloc(sessions, sizeof(*g_first));
	g_count = calloc(sessions, sizeof(*g_count));
	if (g_first == NULL || g_count == NULL || stream == NULL || g_pkts == NULL ||
	    g_plant_end == NULL || g_n_plant == NULL) {
		perror("bench-stream");
		exit(2);
	}
	for (k = 0; k < sessions; k++) {
		uint32_t cisn = (uint32_t)rnd(&s), sisn = (uint32_t)rnd(&s), r, off = 0, len = 0;
		uint32_t cseq = cisn + 1, sseq = sisn + 1;

		g_first[k] = g_n_pkts;
		g_plant_end[k] = calloc(records / PLANT + 2, sizeof(uint32_t));
		for (r = 0; r < records; r++) {
			size_t ce, n;
			bool card = (r % PLANT) == PLANT / 2;

			n = record(stream + len, 160, &s, card, &ce);
			if (card)
				g_plant_end[k][g_n_plant[k]++] = len + (uint32_t)ce;
			len += (uint32_t)n;
		}
		g_planted += g_n_plant[k];
		pkt_new(k, true, 0x02, cisn, 0, NULL, 0);
		pkt_new(k, false, 0x12, sisn, cseq, NULL, 0);
		pkt_new(k, true, 0x10, cseq, sseq, NULL, 0);
		while (off < len) {
			uint32_t seg = 200 + (uint32_t)(rnd(&s) % 1261), reply = 12;
			struct pkt *p;

			if (seg > len - off)
				seg = len - off;
			p = pkt_new(k, true, 0x18, cseq + off, sseq, stream + off, seg);
			p->stream_off = off;
			off += seg;
			pkt_new(k, false, 0x18, sseq, cseq + off, "OK ref=00042\n", reply + 1);
			sseq += reply + 1;
		}
		pkt_new(k, true, 0x11, cseq + len, sseq, NULL, 0);
		pkt_new(k, false, 0x11, sseq, cseq + len + 1, NULL, 0);
		pkt_new(k, true, 0x10, cseq + len + 1, sseq + 1, NULL, 0);
		g_count[k] = g_n_pkts - g_first[k];
	}
	free(stream);
}

/* Interleave the sessions @p conc at a time: packet j of each session of a
 * group in turn, so that @p conc flows are open at once. */
static void
interleave(uint32_t sessions, uint32_t conc)
{
	uint32_t g, n = 0;

	g_order = malloc((size_t)g_n_pkts * sizeof(*g_order));
	if (g_order == NULL)
		exit(2);
	for (g = 0; g < sessions; g += conc) {
		uint32_t end = g + conc < sessions ? g + conc : sessions, j, k, more = 1;

		for (j = 0; more; j++) {
			more = 0;
			for (k = g; k < end; k++) {
				if (j < g_count[k]) {
					g_order[n++] = g_first[k] + j;
					more = 1;
				}
			}
		}
	}
}

/* ---- judging alerts ---------------------------------------------------- */

struct tally {
	uint64_t alerts, tp, fp;
	uint32_t session;
	uint32_t pkt;  /* index in g_pkts (packet mode) */
	uint64_t base; /* stream offset of the matched bytes' start (block) */
	bool block;
};

static bool
planted_at(uint32_t session, uint64_t end)
{
	uint32_t i;

	/* the regex ends one past the card (its delimiter) */
	for (i = 0; i < g_n_plant[session]; i++)
		if (end == g_plant_end[session][i] || end == g_plant_end[session][i] + 1)
			return true;
	return false;
}

static void
on_alert(void *ctx, uint32_t idx, uint32_t match_end)
{
	struct tally *t = ctx;

	(void)idx;
	t->alerts++;
	if (g_pan && t->block) {
		/* pan alone has no match end per packet: judged after the pass */
		g_alert_pkts[g_n_alert_pkts++] = t->pkt;
		return;
	}
	if (planted_at(t->session, t->base + match_end))
		t->tp++;
	else
		t->fp++;
}

struct run {
	struct tally t;
	const struct weir_ruleset *rs;
	uint64_t state_nomem, seg_nomem; /* the pass's stream refusals */
	uint64_t compressed, expanded, compress_fail, expand_fail;
};

static struct weir_stream_table *g_st;
static bool g_no_ahead;				/* -H: no Hyperscan run-ahead (o.deliver NULL) */
static uint64_t g_ahead_alerts, g_ahead_undone; /* alerts delivered, records undone */

/* A run-ahead round (weir_stream_collecting): its alerts are kept for
 * the ACK, judged at delivery */
static void
on_alert_ahead(void *ctx, uint32_t idx, uint32_t match_end)
{
	(void)ctx;
	weir_stream_ahead_note(g_st, idx, match_end);
}

static void
deliver(void *arg, struct weir_flow *f, unsigned int dir, const uint8_t *data, uint32_t len,
	uint64_t off, uint64_t hs_off, const struct weir_stream_ahead_alert *al, unsigned int n,
	uint32_t alerts, uint32_t suppressed, uint32_t scan_error)
{
	struct run *r = arg;
	unsigned int i;

	(void)dir;
	(void)len;
	(void)off;
	(void)alerts;
	(void)suppressed;
	(void)scan_error;
	if (data == NULL) {
		g_ahead_undone++;
		for (i = 0; i < n; i++)
			weir_ruleset_unhit(r->rs, 0, al[i].rule_idx);
		return;
	}
	g_ahead_alerts += n;
	{
		const uint8_t *a = weir_flow_addr(f, 0);

		r->t.session = (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	}
	r->t.base = hs_off;
	for (i = 0; i < n; i++)
		on_alert(&r->t, al[i].rule_idx, al[i].match_end);
}

static void
chunk(void *arg, struct weir_flow *f, unsigned int dir, hs_stream_t *hs, const uint8_t *data,
      uint32_t len, uint64_t off, uint64_t hs_off)
{
	struct run *r = arg;
	struct weir_scan_pkt sp;
	struct weir_scan_res res;

	(void)off;
	memset(&sp, 0, sizeof(sp));
	sp.payload = data;
	sp.len = len;
	sp.pclass = WEIR_PCLASS_TCP;
	sp.ip_version = 4;
	sp.src = weir_flow_addr(f, (int)dir);
	sp.dst = weir_flow_addr(f, !dir);
	sp.sport = weir_flow_port(f, (int)dir);
	sp.dport = weir_flow_port(f, !dir);
	sp.flow = WEIR_SCAN_FLOW | (dir ? WEIR_SCAN_FLOW_TOCLIENT : WEIR_SCAN_FLOW_TOSERVER) |
		  WEIR_SCAN_FLOW_ESTABLISHED;
	sp.vars = &f->vars;
	{
		const uint8_t *a = weir_flow_addr(f, 0); /* the client: 10.k>>16.k>>8.k */

		r->t.session = (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
	}
	r->t.base = hs_off;
	weir_stream_window(g_st, &sp.confirm, &sp.confirm_len);
	{
		bool found;

		weir_stream_pan(g_st, &found, &sp.pan_end);
		sp.pan_found = found;
	}
	if (data != NULL)
		weir_ruleset_scan_stream(r->rs, 0, hs, &sp,
					 weir_stream_collecting(g_st) ? on_alert_ahead : on_alert,
					 &r->t, &res);
	else
		weir_ruleset_stream_close(r->rs, 0, hs, &sp, on_alert, &r->t, &res);
}

static struct run *g_cur;

static void
flow_end(void *arg, const struct weir_flow *f, enum weir_flow_end_reason reason)
{
	struct weir_stream_out o = {.rs = g_cur->rs,
				    .chunk = chunk,
				    .arg = g_cur,
				    .deliver = g_no_ahead ? NULL : deliver};

	(void)arg;
	(void)reason;
	if (g_st != NULL)
		weir_stream_flow_end(g_st, (struct weir_flow *)(uintptr_t)f, &o);
}

/* One pass over every packet. @return CPU seconds. */
static double
pass(const struct weir_ruleset *rs, bool stream, const struct weir_stream_conf *sc, struct run *r)
{
	struct weir_flow_conf fc;
	struct weir_flow_table *ft;
	double t0, t1;
	uint32_t i;

	memset(r, 0, sizeof(*r));
	r->rs = rs;
	r->t.block = !stream;
	weir_flow_conf_defaults(&fc);
	fc.entries = g_flow_entries;
	fc.on_end = flow_end;
	/* a closed session ends at the next expiry pass that reaches it, as
	 * in the worker (64 slots per 32-packet burst), so -c is what is open */
	fc.timeouts[WEIR_FLOW_PROTO_TCP].closed_s = 0;
	fc.timeouts[WEIR_FLOW_PROTO_TCP].emerg_closed_s = 0;
	ft = weir_flow_table_create(&fc);
	g_st = stream ? weir_stream_table_create(sc) : NULL;
	if (ft == NULL || (stream && g_st == NULL)) {
		perror("bench-stream: tables");
		exit(2);
	}
	weir_stream_bind(g_st);
	g_cur = r;
	t0 = now_cpu();
	for (i = 0; i < g_n_pkts; i++) {
		const struct pkt *p = &g_pkts[g_order[i]];
		const uint8_t *payload = g_data + p->data_off;
		struct weir_scan_flowinfo fi;
		struct weir_scan_res res;
		struct weir_scan_pkt sp;
		struct weir_flow *f;
		uint32_t ff = 0;

		weir_flow_burst_begin(ft);
		f = weir_flow_process(ft, &p->fp, &ff);
		sp.payload = payload;
		sp.len = p->fp.payload_len;
		sp.pclass = WEIR_PCLASS_TCP;
		sp.ip_version = 4;
		sp.src = p->fp.src;
		sp.dst = p->fp.dst;
		sp.sport = p->fp.sport;
		sp.dport = p->fp.dport;
		sp.ts_ns = 0;
		sp.confirm = NULL;
		sp.confirm_len = 0;
		sp.flow = f == NULL ? 0
				    : WEIR_SCAN_FLOW |
					      ((ff & WEIR_FLOW_PKT_TOCLIENT)
						       ? WEIR_SCAN_FLOW_TOCLIENT
						       : WEIR_SCAN_FLOW_TOSERVER) |
					      ((ff & WEIR_FLOW_PKT_ESTABLISHED)
						       ? WEIR_SCAN_FLOW_ESTABLISHED
						       : 0);
		sp.vars = f != NULL ? &f->vars : NULL;
		sp.fi = f != NULL ? weir_flow_scan_info(f, &fi) : NULL;
		sp.streamed = 0;
		sp.events = 0;
		sp.invalid = 0;
		if (stream && f != NULL) {
			struct weir_stream_out o = {.rs = rs,
						    .chunk = chunk,
						    .arg = r,
						    .deliver = g_no_ahead ? NULL : deliver};

			sp.streamed =
				weir_stream_packet(g_st, f, (ff & WEIR_FLOW_PKT_TOCLIENT) ? 1 : 0,
						   &p->fp, payload, ff, &o);
		}
		r->t.session = p->session;
		r->t.base = p->stream_off;
		r->t.pkt = g_order[i];
		weir_ruleset_scan(rs, 0, &sp, on_alert, &r->t, &res);
		if ((i & 31) == 31) {
			weir_flow_burst_begin(ft);
			weir_flow_expire(ft, p->fp.ts_ns, 64);
		}
	}
	weir_flow_burst_begin(ft);
	weir_flow_flush(ft);
	t1 = now_cpu();
	for (i = 0; i < (g_profile_block ? 0 : g_n_alert_pkts); i++) {
		/* -p, packet mode: true when a card of the packet ends where a
		 * planted one does */
		const struct pkt *p = &g_pkts[g_alert_pkts[i]];
		struct weir_pan_match m[16];
		unsigned int n, k;
		bool tp = false;

		n = weir_pan_scan(g_data + p->data_off, p->fp.payload_len, m, 16);
		for (k = 0; k < n && k < 16; k++)
			tp |= planted_at(p->session, p->stream_off + m[k].end);
		r->t.tp += tp;
		r->t.fp += !tp;
	}
	g_n_alert_pkts = 0;
	if (g_st != NULL) {
		struct weir_stream_stats ss;

		weir_stream_stats_get(g_st, &ss);
		r->state_nomem = ss.state_nomem;
		r->seg_nomem = ss.seg_nomem;
		r->compressed = ss.compressed;
		r->expanded = ss.expanded;
		r->compress_fail = ss.compress_fail;
		r->expand_fail = ss.expand_fail;
	}
	weir_flow_table_destroy(ft);
	weir_stream_bind(NULL);
	weir_stream_table_destroy(g_st);
	g_st = NULL;
	return t1 - t0;
}

static struct weir_ruleset *
load(const char *dir, const char *flowopt)
{
	static const char *const re[CARD_SIDS] = {
		"(?:^|[^0-9])4[0-9]{15}(?:[^0-9]|$)",
		"(?:^|[^0-9])5[1-5][0-9]{14}(?:[^0-9]|$)",
	};
	char path[512];
	const char *paths[1] = {path};
	struct weir_ruleset_opts o = {.n_workers = 1};
	struct weir_diags ds;
	struct weir_ruleset *rs;
	FILE *f;
	unsigned int i;

	snprintf(path, sizeof(path), "%s/%s.rules", dir, flowopt);
	f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		exit(2);
	}
	for (i = 0; i < (g_pan ? 1 : CARD_SIDS); i++) {
		if (g_pan)
			fprintf(f,
				"alert tcp any any -> any any (msg:\"card\"; flow:%s%s; "
				"pan; sid:1;)\n",
				g_both_dirs ? "" : "to_server,", flowopt);
		else
			fprintf(f,
				"alert tcp any any -> any any (msg:\"card %u\"; flow:%s%s; "
				"pcre:\"/%s/\"; sid:%u;)\n",
				i + 1, g_both_dirs ? "" : "to_server,", flowopt, re[i], i + 1);
	}
	fclose(f);
	if (weir_diags_init(&ds, 8) < 0)
		exit(2);
	rs = weir_ruleset_load(paths, 1, &o, &ds);
	if (rs == NULL) {
		char buf[512];

		for (i = 0; i < ds.n; i++) {
			weir_diag_format(&ds.v[i], buf, sizeof(buf));
			fprintf(stderr, "bench-stream: %s\n", buf);
		}
		exit(2);
	}
	weir_diags_free(&ds);
	return rs;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	uint32_t sessions = 2000, records = 400, reps = 5, conc = 1, i;
	uint64_t seed = 1, bytes = 0;
	struct weir_stream_conf sc;
	struct weir_ruleset *block, *stream;
	double tb[32], ts[32];
	char dir[] = "/tmp/bench-stream.XXXXXX";
	struct run rb, rst;
	int c;

	weir_stream_conf_defaults(&sc);
	while ((c = getopt(argc, argv, "n:k:r:s:m:c:M:S:i:pPBHD")) != -1) {
		switch (c) {
		case 'n':
			sessions = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'k':
			records = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			reps = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'c':
			conc = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			sc.acked = strcmp(optarg, "arrival") != 0;
			break;
		case 'M':
			sc.reassembly_memcap = strtoull(optarg, NULL, 10) << 20;
			break;
		case 'S':
			sc.memcap = strtoull(optarg, NULL, 10) << 20;
			break;
		case 'i':
			sc.idle_ns = strtoull(optarg, NULL, 10) * 1000000ull;
			break;
		case 'p':
			g_pan = true;
			break;
		case 'H':
			g_no_ahead = true;
			break;
		case 'D':
			g_both_dirs = true;
			break;
		case 'P':
			g_profile = true;
			break;
		case 'B':
			g_profile_block = true;
			break;
		default:
			fprintf(stderr, "usage: bench-stream [-n SESSIONS] [-k RECORDS] [-r REPS] "
					"[-s SEED] [-m acked|arrival] [-c CONCURRENT] [-M MIB] "
					"[-S MIB] [-i MS] [-p] [-P] [-B] [-H] [-D]\n");
			return 2;
		}
	}
	if (conc == 0)
		conc = 1;
	/* room for every open flow at once (the table is 2^k entries) */
	while (g_flow_entries < 2 * conc && g_flow_entries < (1u << 26))
		g_flow_entries <<= 1;
	if (reps == 0 || reps > 32 || sessions == 0 || sessions > (1u << 24) || records == 0) {
		fprintf(stderr, "bench-stream: bad arguments\n");
		return 2;
	}
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	weir_stream_global_init();
	block = load(dir, "no_stream");
	stream = load(dir, "only_stream");
	/* as weir sizes a slot (app/main.c, app_stream_conf): twice the set's
	 * state, at least 1 KiB */
	if (stream->stream_state_bytes * 2 > sc.state_bytes)
		sc.state_bytes = (uint32_t)(stream->stream_state_bytes * 2);
	sc.depth = 0; /* the whole stream: the packet rules see all of it too */
	generate(sessions, records, seed);
	interleave(sessions, conc);
	for (i = 0; i < g_n_pkts; i++)
		g_pkts[g_order[i]].fp.ts_ns = (uint64_t)(i + 1) * 1000;
	for (i = 0; i < g_n_pkts; i++)
		bytes += g_pkts[i].fp.payload_len;
	g_alert_pkts = malloc((size_t)g_n_pkts * sizeof(*g_alert_pkts));
	if (g_alert_pkts == NULL)
		return 2;
	printf("cpu: ");
	fflush(stdout);
	if (system("lscpu | sed -n 's/^Model name: *//p' | tr -d '\\n'") != 0)
		printf("?");
	printf("\nsessions: %u (%u open at once), packets: %u, payload bytes: %" PRIu64
	       ", planted cards: %" PRIu64 ", inspection: %s, rules: %s\n",
	       sessions, conc, g_n_pkts, bytes, g_planted, sc.acked ? "acked" : "arrival",
	       g_pan ? "pan" : "two card regexes");
	for (i = 0; i < reps; i++) {
		tb[i] = g_profile ? 1.0 : pass(block, false, &sc, &rb);
		ts[i] = g_profile_block ? 1.0 : pass(stream, true, &sc, &rst);
	}
	{
		/* each block pass against the stream pass right after it: the
		 * ratio of the pair, less moved by a machine that changes speed
		 * between runs than the ratio of medians */
		double pr[64];
		unsigned int k, np = reps < 64 ? reps : 64;

		for (k = 0; k < np; k++)
			pr[k] = tb[k] / ts[k];
		qsort(pr, np, sizeof(double), cmp_double);
		if (!g_profile && !g_profile_block)
			printf("ratio of pairs (block pass / the stream pass after it): median "
			       "%.2f, "
			       "min %.2f, max %.2f\n",
			       pr[np / 2], pr[0], pr[np - 1]);
	}
	if (g_profile)
		memset(&rb, 0, sizeof(rb));
	if (g_profile_block)
		memset(&rst, 0, sizeof(rst));
	qsort(tb, reps, sizeof(double), cmp_double);
	qsort(ts, reps, sizeof(double), cmp_double);
	printf("block:  %.3f Mpps, %.2f Gbit/s payload (median of %u; min %.4f s max %.4f s); "
	       "alerts %" PRIu64 ": true %" PRIu64 ", false %" PRIu64 ", missed %" PRIu64 "\n",
	       g_n_pkts / tb[reps / 2] / 1e6, bytes * 8 / tb[reps / 2] / 1e9, reps, tb[0],
	       tb[reps - 1], rb.t.alerts, rb.t.tp, rb.t.fp, g_planted - rb.t.tp);
	printf("stream: %.3f Mpps, %.2f Gbit/s payload (median of %u; min %.4f s max %.4f s); "
	       "alerts %" PRIu64 ": true %" PRIu64 ", false %" PRIu64 ", missed %" PRIu64 "\n",
	       g_n_pkts / ts[reps / 2] / 1e6, bytes * 8 / ts[reps / 2] / 1e9, reps, ts[0],
	       ts[reps - 1], rst.t.alerts, rst.t.tp, rst.t.fp, g_planted - rst.t.tp);
	printf("ratio stream / block: %.2f\n", tb[reps / 2] / ts[reps / 2]);
	printf("stream rules: %u (confirming: %u); run-ahead %s: %" PRIu64
	       " alerts delivered at their ACK over all passes, %" PRIu64 " records undone\n",
	       stream->n_stream_rules, stream->n_stream_confirm, g_no_ahead ? "off" : "on",
	       g_ahead_alerts, g_ahead_undone);
	printf("stream state: %zu bytes per direction (Hyperscan), database %zu bytes\n",
	       stream->stream_state_bytes, stream->stream_db_bytes);
	{
		/* what an idle direction's state compresses to (stream.idle-compress),
		 * after some of the records */
		hs_stream_t *hs = NULL;
		hs_scratch_t *scr = NULL;
		char buf[4096];
		size_t used = 0;

		weir_stream_bind(NULL);
		if (hs_open_stream(stream->stream_db, 0, &hs) == HS_SUCCESS &&
		    hs_alloc_scratch(stream->stream_db, &scr) == HS_SUCCESS &&
		    hs_scan_stream(hs, (const char *)g_data, g_data_len < 1000 ? g_data_len : 1000,
				   0, scr, NULL, NULL) == HS_SUCCESS &&
		    hs_compress_stream(hs, buf, sizeof(buf), &used) == HS_SUCCESS)
			printf("compressed (idle) state: %zu bytes per direction\n", used);
		if (hs != NULL)
			hs_close_stream(hs, NULL, NULL, NULL);
		hs_free_scratch(scr);
	}
	printf("stream: states %" PRIu64 " refused (state memcap), %" PRIu64
	       " directions refused (reassembly memcap); idle compression after %" PRIu64
	       " ms: %" PRIu64 " compressed, %" PRIu64 " expanded, %" PRIu64 " failed\n",
	       rst.state_nomem, rst.seg_nomem, sc.idle_ns / 1000000, rst.compressed, rst.expanded,
	       rst.compress_fail + rst.expand_fail);
	weir_ruleset_free(block);
	weir_ruleset_free(stream);
	{
		char p[600];

		snprintf(p, sizeof(p), "%s/no_stream.rules", dir);
		unlink(p);
		snprintf(p, sizeof(p), "%s/only_stream.rules", dir);
		unlink(p);
		rmdir(dir);
	}
	return 0;
}
