/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Matching tests for the flow keywords (rules_compile_flow.c and the
 * flowbits/flowint pass of rules_match.c): each case builds a rule set
 * from rule text, scans packets with hand-set flow bits and a struct
 * weir_flowvars the way the worker will, and checks the sids that alert
 * against what Suricata does (detect-flow.c's FlowMatch and its rule
 * groups per direction, detect-flowbits.c, detect-flowint.c,
 * detect-engine-sigorder.c), and the flow counter keywords over
 * hand-set struct weir_scan_flowinfo values (detect-stream_size.c,
 * detect-flow-age.c, detect-flow-pkts.c, track by_flow). Where the rule order matters, the checker
 * is written before the setter in the file, so a matcher that evaluated in file order would give
 * another answer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_cunit.h"

#include "rules_int.h"

#define F_TS	(WEIR_SCAN_FLOW | WEIR_SCAN_FLOW_TOSERVER)
#define F_TC	(WEIR_SCAN_FLOW | WEIR_SCAN_FLOW_TOCLIENT)
#define F_EST	WEIR_SCAN_FLOW_ESTABLISHED
#define MAX_HIT 32

static struct weir_rule_vars g_vars;

static const uint8_t g_cli[4] = {10, 0, 0, 1};
static const uint8_t g_srv[4] = {10, 0, 0, 2};

/* Build a set from @p n rule texts (line i + 1 of "t.rules"); NULL when it
 * is refused, with the diagnostics in @p ds (the caller's). */
static struct weir_ruleset *
build_opts(const char *const *rules, unsigned int n, const struct weir_ruleset_opts *o,
	   struct weir_diags *ds)
{
	struct weir_suri_rule_list l = {0};
	unsigned int i, bad = 0;

	for (i = 0; i < n; i++)
		if (weir_rules_parse_suri_rule("t.rules", i + 1, rules[i], &g_vars, &l, ds) != 0)
			bad++;
	return weir_compile_lists(NULL, &l, o, ds, bad);
}

static struct weir_ruleset *
build_ds(const char *const *rules, unsigned int n, int skip_invalid, struct weir_diags *ds)
{
	struct weir_ruleset_opts o = {.skip_invalid = skip_invalid, .vars = &g_vars};

	return build_opts(rules, n, &o, ds);
}

static struct weir_ruleset *
build(const char *const *rules, unsigned int n)
{
	struct weir_diags ds;
	struct weir_ruleset *rs;
	char buf[512];

	if (weir_diags_init(&ds, 8) != 0)
		return NULL;
	rs = build_ds(rules, n, 0, &ds);
	if (rs == NULL && ds.n > 0) {
		weir_diag_format(&ds.v[0], buf, sizeof(buf));
		fprintf(stderr, "\n  refused: %s\n", buf);
	}
	weir_diags_free(&ds);
	return rs;
}

struct hits {
	const struct weir_ruleset *rs;
	char sids[256];
};

static void
on_alert(void *ctx, uint32_t idx, uint32_t end)
{
	struct hits *h = ctx;
	size_t o = strlen(h->sids);

	(void)end;
	snprintf(h->sids + o, sizeof(h->sids) - o, "%s%u", o ? "," : "", h->rs->rules[idx].sid);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The sids @p h collected, sorted, as "1,2,3" in @p out. */
static char *
hits_sorted(struct hits *h, char *out, size_t len)
{
	uint32_t s[MAX_HIT];
	unsigned int n = 0, i;
	size_t o = 0;
	char *t;

	for (t = strtok(h->sids, ","); t != NULL && n < MAX_HIT; t = strtok(NULL, ","))
		s[n++] = (uint32_t)strtoul(t, NULL, 10);
	qsort(s, n, sizeof(s[0]), cmp_u32);
	out[0] = '\0';
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%u", i ? "," : "", s[i]);
	return out;
}

/*
 * Scan @p payload from client to server (@p to_client: the other way)
 * with flow bits @p flow and variables @p v, and return the sids that
 * alerted, sorted, as "1,5" ("" when none).
 */
static const char *
scan(const struct weir_ruleset *rs, bool to_client, uint32_t flow, struct weir_flowvars *v,
     const char *payload, struct weir_scan_res *res_out)
{
	static char out[256];
	struct weir_scan_pkt p = {
		.payload = (const uint8_t *)payload,
		.len = (uint32_t)strlen(payload),
		.pclass = WEIR_PCLASS_TCP,
		.ip_version = 4,
		.sport = to_client ? 80 : 40000,
		.dport = to_client ? 40000 : 80,
		.src = to_client ? g_srv : g_cli,
		.dst = to_client ? g_cli : g_srv,
		.ts_ns = 1,
		.flow = flow,
		.vars = v,
	};
	struct hits h = {.rs = rs};
	struct weir_scan_res res;

	weir_ruleset_scan(rs, 0, &p, on_alert, &h, &res);
	if (res_out != NULL)
		*res_out = res;
	return hits_sorted(&h, out, sizeof(out));
}

#define EXPECT(got, want)                                                                          \
	do {                                                                                       \
		const char *g_ = (got);                                                            \
		const char *w_ = (want);                                                           \
		if (g_ == NULL) /* the scan helper's failure (and gcc's -Wformat-overflow) */      \
			g_ = "(no result)";                                                        \
		if (strcmp(g_, w_) != 0)                                                           \
			fprintf(stderr, "\n  line %d: got \"%s\", want \"%s\"\n", __LINE__, g_,    \
				w_);                                                               \
		CU_ASSERT_STRING_EQUAL(g_, w_);                                                    \
	} while (0)

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* flow: against each kind of packet (FlowMatch, and the to-server rule
 * groups that a packet without a flow is looked up in). */
static void
test_flow_options(void)
{
	static const char *const r[] = {
		"alert tcp any any -> any any (content:\"x\"; flow:to_server; sid:1;)",
		"alert tcp any any -> any any (content:\"x\"; flow:to_client; sid:2;)",
		"alert tcp any any -> any any (content:\"x\"; flow:established; sid:3;)",
		"alert tcp any any -> any any (content:\"x\"; flow:not_established; sid:4;)",
		"alert tcp any any -> any any (content:\"x\"; flow:stateless; sid:5;)",
		"alert tcp any any -> any any (content:\"x\"; sid:6;)",
		"alert tcp any any -> any any (content:\"x\"; flow:to_server,established; sid:7;)",
		"alert tcp any any -> any any (content:\"x\"; flow:only_frag; sid:8;)",
		"alert tcp any any -> any any (content:\"x\"; flow:no_frag; sid:9;)",
		("alert tcp any any -> any any (content:\"x\"; flow:not_established,stateless; "
		 "sid:10;)"),
		("alert tcp any any -> any any (content:\"x\"; flow:from_server,established,"
		 "no_stream; sid:11;)"),
		"alert tcp any any -> any any (flow:to_client,not_established; sid:12;)",
	};
	struct weir_ruleset *rs = build(r, N(r));

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	/* No flow: only the direction-only to_server rule and the rule
	 * without flow; every other option needs a flow. */
	EXPECT(scan(rs, false, 0, NULL, "x", NULL), "1,6");
	EXPECT(scan(rs, true, 0, NULL, "x", NULL), "1,6");
	/* A SYN's data (not established), to the server. */
	EXPECT(scan(rs, false, F_TS, NULL, "x", NULL), "1,4,5,6,9");
	EXPECT(scan(rs, false, F_TS | F_EST, NULL, "x", NULL), "1,3,5,6,7,9");
	EXPECT(scan(rs, true, F_TC | F_EST, NULL, "x", NULL), "2,3,5,6,9,11");
	/* An empty SYN/ACK: only the rule without content. */
	EXPECT(scan(rs, true, F_TC, NULL, "", NULL), "12");
	EXPECT(scan(rs, true, F_TC, NULL, "x", NULL), "2,4,5,6,9,12");
	/* A packet rebuilt from fragments (weir never makes one today). */
	EXPECT(scan(rs, false, F_TS | WEIR_SCAN_FLOW_REBUILT_FRAG, NULL, "x", NULL), "1,4,5,6,8");
	weir_ruleset_free(rs);
}

/* The flow direction is the packet's, whatever side of a `<>` header
 * matched (Suricata's switched copy of a bidirectional rule keeps the
 * flow flags). */
static void
test_flow_direction_and_bidir(void)
{
	static const char *const r[] = {
		"alert tcp 10.0.0.2 80 <> 10.0.0.1 any (content:\"x\"; flow:to_server; sid:1;)",
		"alert tcp 10.0.0.2 80 -> 10.0.0.1 any (content:\"x\"; flow:to_server; sid:2;)",
		"alert tcp 10.0.0.1 any -> 10.0.0.2 80 (content:\"x\"; flow:to_client; sid:3;)",
		("alert tcp 10.0.0.2 80 <> 10.0.0.1 any (content:\"x\"; flow:established,to_client;"
		 " sid:4;)"),
	};
	struct weir_ruleset *rs = build(r, N(r));

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	EXPECT(scan(rs, false, F_TS | F_EST, NULL, "x", NULL), "1");
	EXPECT(scan(rs, true, F_TC | F_EST, NULL, "x", NULL), "4");
	/* a flow whose client is the host on port 80: the header of 2 and 3
	 * matches, the direction does not */
	EXPECT(scan(rs, true, F_TS | F_EST, NULL, "x", NULL), "1,2");
	EXPECT(scan(rs, false, F_TC | F_EST, NULL, "x", NULL), "3,4");
	weir_ruleset_free(rs);
}

/* A setter and a checker on the same packet: the setter runs first
 * (signature order), although the checker comes first in the file. */
static void
test_flowbits_set_then_isset_same_packet(void)
{
	static const char *const r[] = {
		"alert tcp any any -> any any (content:\"login\"; flowbits:isset,logged; sid:20;)",
		("alert tcp any any -> any any (content:\"login\"; flowbits:set,logged; "
		 "flowbits:noalert; sid:21;)"),
		"alert tcp any any -> any any (content:\"next\"; flowbits:isset,logged; sid:22;)",
	};
	struct weir_ruleset *rs = build(r, N(r));
	struct weir_flowvars v = {0};

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	EXPECT(scan(rs, false, F_TS | F_EST, &v, "next", NULL), "");
	EXPECT(scan(rs, false, F_TS | F_EST, &v, "login", NULL), "20");
	CU_ASSERT(v.bits[0] == 1);
	EXPECT(scan(rs, true, F_TC | F_EST, &v, "next", NULL), "22");
	/* no flow: isset cannot hold and set has nowhere to go */
	EXPECT(scan(rs, false, 0, NULL, "login next", NULL), "");
	CU_ASSERT(rs->n_warnings == 0);
	weir_ruleset_free(rs);
}

/* isnotset, set in one rule: alerts on the first packet only. unset and
 * toggle apply only when the whole rule matched. */
static void
test_flowbits_isnotset_unset_toggle(void)
{
	static const char *const r[] = {
		("alert tcp any any -> any any (content:\"a\"; flowbits:isnotset,seen; "
		 "flowbits:set,seen; sid:30;)"),
		"alert tcp any any -> any any (content:\"t\"; flowbits:isset,tg; sid:41;)",
		("alert tcp any any -> any any (content:\"t\"; flowbits:toggle,tg; noalert; "
		 "sid:40;)"),
		("alert tcp any any -> any any (content:\"u\"; flowbits:isset,seen; "
		 "flowbits:unset,seen; sid:42;)"),
		/* its action must not apply: flow:to_client does not hold */
		("alert tcp any any -> any any (content:\"w\"; flow:to_client; flowbits:set,w; "
		 "sid:43;)"),
		"alert tcp any any -> any any (content:\"w\"; flowbits:isset,w; sid:44;)",
		/* nor this one's: its own isset fails */
		("alert tcp any any -> any any (content:\"v\"; flowbits:isset,never; "
		 "flowbits:set,vv; sid:45;)"),
		"alert tcp any any -> any any (content:\"v\"; flowbits:isset,vv; sid:46;)",
		("alert tcp any any -> any any (content:\"zzz\"; flowbits:set,never; noalert; "
		 "sid:47;)"),
	};
	struct weir_ruleset *rs = build(r, N(r));
	struct weir_flowvars v = {0};

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	EXPECT(scan(rs, false, F_TS | F_EST, &v, "a", NULL), "30");
	EXPECT(scan(rs, false, F_TS | F_EST, &v, "a", NULL), "");
	EXPECT(scan(rs, false, F_TS | F_EST, &v, "u", NULL), "42");
	EXPECT(scan(rs, false, F_TS | F_EST, &v, "u", NULL), "");
	EXPECT(scan(rs, false, F_TS | F_EST, &v, "a", NULL), "30");
	EXPECT(scan(rs, false, F_TS | F_EST, &v, "t", NULL), "41");
	EXPECT(scan(rs, false, F_TS | F_EST, &v, "t", NULL), "");
	EXPECT(scan(rs, false, F_TS | F_EST, &v, "t", NULL), "41");
	EXPECT(scan(rs, false, F_TS | F_EST, &v, "w", NULL), "");
	EXPECT(scan(rs, false, F_TS | F_EST, &v, "w", NULL), "");
	EXPECT(scan(rs, false, F_TS | F_EST, &v, "v", NULL), "");
	EXPECT(scan(rs, false, F_TS | F_EST, &v, "v", NULL), "");
	weir_ruleset_free(rs);
}

/* '|' groups: isset is any of them set, isnotset any of them not set. */
static void
test_flowbits_groups(void)
{
	static const char *const r[] = {
		"alert tcp any any -> any any (content:\"q\"; flowbits:isset,g1|g2; sid:50;)",
		"alert tcp any any -> any any (content:\"q\"; flowbits:isnotset,g1|g2; sid:51;)",
		"alert tcp any any -> any any (content:\"s1\"; flowbits:set,g1; noalert; sid:52;)",
		"alert tcp any any -> any any (content:\"s2\"; flowbits:set,g2; noalert; sid:53;)",
	};
	struct weir_ruleset *rs = build(r, N(r));
	struct weir_flowvars v = {0};

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	EXPECT(scan(rs, false, F_TS, &v, "q", NULL), "51");
	EXPECT(scan(rs, false, F_TS, &v, "s2", NULL), "");
	EXPECT(scan(rs, false, F_TS, &v, "q", NULL), "50,51");
	EXPECT(scan(rs, false, F_TS, &v, "s1", NULL), "");
	EXPECT(scan(rs, false, F_TS, &v, "q", NULL), "50");
	weir_ruleset_free(rs);
}

/* flowint: a counter added by one rule and compared by another on the
 * same packet (the writer runs first), another flowint as the value, sub
 * on an unset variable leaves it unset. */
static void
test_flowint(void)
{
	static const char *const r[] = {
		"alert tcp any any -> any any (content:\"c\"; flowint:cnt,>,2; sid:61;)",
		"alert tcp any any -> any any (content:\"c\"; flowint:cnt,+,1; noalert; sid:60;)",
		"alert tcp any any -> any any (content:\"m\"; flowint:lim,=,5; noalert; sid:62;)",
		"alert tcp any any -> any any (content:\"k\"; flowint:cnt,>=,lim; sid:63;)",
		"alert tcp any any -> any any (content:\"z\"; flowint:zz,isset; sid:65;)",
		"alert tcp any any -> any any (content:\"z\"; flowint:zz,-,1; noalert; sid:64;)",
		("alert tcp any any -> any any (content:\"n\"; flowint:zz,notset; flowint:cnt,==,4;"
		 " sid:66;)"),
	};
	struct weir_ruleset *rs = build(r, N(r));
	struct weir_flowvars v = {0};

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	/* cnt unset: a comparison needs it set, lim unset counts as 0 */
	EXPECT(scan(rs, false, F_TS, &v, "k", NULL), "");
	EXPECT(scan(rs, false, F_TS, &v, "c", NULL), "");
	EXPECT(scan(rs, false, F_TS, &v, "k", NULL), "63");
	EXPECT(scan(rs, false, F_TS, &v, "c", NULL), "");
	EXPECT(scan(rs, false, F_TS, &v, "c", NULL), "61");
	EXPECT(scan(rs, false, F_TS, &v, "c", NULL), "61");
	CU_ASSERT(v.ints[0] == 4 && (v.int_isset & 1));
	EXPECT(scan(rs, false, F_TS, &v, "n", NULL), "66");
	EXPECT(scan(rs, false, F_TS, &v, "m", NULL), "");
	EXPECT(scan(rs, false, F_TS, &v, "k", NULL), "");
	EXPECT(scan(rs, false, F_TS, &v, "c", NULL), "61");
	EXPECT(scan(rs, false, F_TS, &v, "k", NULL), "63");
	EXPECT(scan(rs, false, F_TS, &v, "z", NULL), "");
	EXPECT(scan(rs, false, F_TS, &v, "n", NULL), "");
	EXPECT(scan(rs, false, 0, NULL, "c", NULL), "");
	weir_ruleset_free(rs);
}

/* A pass rule whose flowbit holds suppresses the packet's alerts. */
static void
test_flowbits_pass(void)
{
	static const char *const r[] = {
		"alert tcp any any -> any any (content:\"p\"; sid:80;)",
		"pass tcp any any -> any any (content:\"p\"; flowbits:isset,ok; sid:81;)",
		("alert tcp any any -> any any (content:\"good\"; flowbits:set,ok; noalert; "
		 "sid:82;)"),
	};
	struct weir_ruleset *rs = build(r, N(r));
	struct weir_flowvars v = {0};
	struct weir_scan_res res;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	EXPECT(scan(rs, false, F_TS, &v, "p", &res), "80");
	CU_ASSERT(!res.passed);
	EXPECT(scan(rs, false, F_TS, &v, "good", &res), "");
	CU_ASSERT(res.alerts == 0 && res.suppressed == 0);
	EXPECT(scan(rs, false, F_TS, &v, "p", &res), "");
	CU_ASSERT(res.passed && res.suppressed == 1);
	weir_ruleset_free(rs);
}

/* 128 flowbit names per set, 4 flowints; the next one refuses its rule
 * (the set, unless skip_invalid) at its file:line:col. */
static void
test_flowvar_limits(void)
{
	static char text[130][128];
	const char *r[130];
	struct weir_diags ds;
	struct weir_ruleset *rs;
	char buf[512];
	unsigned int i;

	for (i = 0; i < 129; i++) {
		snprintf(text[i], sizeof(text[i]),
			 "alert tcp any any -> any any (content:\"a\"; flowbits:set,b%u; sid:%u;)",
			 i, i + 1);
		r[i] = text[i];
	}
	rs = build(r, 128);
	CU_ASSERT_PTR_NOT_NULL(rs);
	weir_ruleset_free(rs);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 8) == 0);
	rs = build_ds(r, 129, 0, &ds);
	CU_ASSERT_PTR_NULL(rs);
	CU_ASSERT(errno == EINVAL);
	CU_ASSERT_FATAL(ds.n == 1);
	weir_diag_format(&ds.v[0], buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "t.rules:129:44: flowbits: 'b128' would be flowbit "
					   "name 129 of the rule set; weir keeps 128 per flow"));
	weir_diags_free(&ds);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 8) == 0);
	rs = build_ds(r, 129, 1, &ds);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT(rs->n_rules == 128 && rs->n_skipped == 1 && ds.total == 1);
	weir_ruleset_free(rs);
	weir_diags_free(&ds);

	for (i = 0; i < 5; i++) {
		snprintf(text[i], sizeof(text[i]),
			 "alert tcp any any -> any any (content:\"a\"; flowint:i%u,+,1; sid:%u;)",
			 i, i + 1);
		r[i] = text[i];
	}
	rs = build(r, 4);
	CU_ASSERT_PTR_NOT_NULL(rs);
	weir_ruleset_free(rs);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 8) == 0);
	rs = build_ds(r, 5, 0, &ds);
	CU_ASSERT_PTR_NULL(rs);
	CU_ASSERT_FATAL(ds.n == 1);
	weir_diag_format(&ds.v[0], buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "t.rules:5:44: flowint: 'i4' would be flowint name 5"));
	weir_diags_free(&ds);
}

/* Suricata's load-time warning: a flowbit checked (isset) but set by no
 * rule, once per flowbit, at the first checker. */
static void
test_flowbits_checked_not_set_warning(void)
{
	static const char *const r[] = {
		"alert tcp any any -> any any (content:\"a\"; flowbits:set,fine; sid:1;)",
		"alert tcp any any -> any any (content:\"a\"; flowbits:isset,fine; sid:2;)",
		"alert tcp any any -> any any (content:\"a\"; flowbits:isset,nobody|fine; sid:3;)",
		"alert tcp any any -> any any (content:\"a\"; flowbits:isset,nobody; sid:4;)",
		("alert tcp any any -> any any (content:\"a\"; flowbits:isnotset,unset_only; "
		 "sid:5;)"),
	};
	struct weir_ruleset *rs = build(r, N(r));
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_FATAL(rs->n_warnings == 1);
	CU_ASSERT_STRING_EQUAL(rs->warnings[0],
			       "t.rules:3: flowbits: flowbit 'nobody' is checked but not set "
			       "(checked in sid 3 and 1 other rule)");
	f = open_memstream(&out, &len);
	CU_ASSERT_FATAL(f != NULL);
	weir_ruleset_notes(rs, f);
	fclose(f);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "warning: t.rules:3: flowbits: flowbit 'nobody'"));
	free(out);
	weir_ruleset_free(rs);
}

/* ---- stream_size, flow.age, flow.pkts, flow.bytes, track by_flow -------- */

#define SEC 1000000000ull

/*
 * Scan "x" as a packet of class @p pclass from the client with the flow
 * counters @p fi (NULL: no flow) at @p ts_ns; the sids that alerted.
 */
static const char *
scan_fi(const struct weir_ruleset *rs, uint8_t pclass, const struct weir_scan_flowinfo *fi,
	uint64_t ts_ns)
{
	static char out[256];
	struct weir_scan_pkt p = {
		.payload = (const uint8_t *)"x",
		.len = 1,
		.pclass = pclass,
		.ip_version = 4,
		.sport = 40000,
		.dport = 80,
		.src = g_cli,
		.dst = g_srv,
		.ts_ns = ts_ns,
		.flow = fi != NULL ? F_TS | F_EST : 0,
		.fi = fi,
	};
	struct hits h = {.rs = rs};
	struct weir_scan_res res;

	weir_ruleset_scan(rs, 0, &p, on_alert, &h, &res);
	return hits_sorted(&h, out, sizeof(out));
}

/* A TCP flow with a session whose client sent @p c and server @p s bytes
 * of sequence space (SYN and FIN included) from the given ISNs. */
static struct weir_scan_flowinfo
fi_tcp(uint32_t isn_c, uint32_t c, uint32_t isn_s, uint32_t s)
{
	struct weir_scan_flowinfo fi = {.id = 1, .tcp_session = 1};

	fi.isn[0] = isn_c;
	fi.next_seq[0] = isn_c + c;
	fi.isn[1] = isn_s;
	fi.next_seq[1] = isn_s + s;
	fi.pkts[0] = 1;
	return fi;
}

/*
 * detect-stream_size.c: the size of a side is next_seq - isn (uint32,
 * wrapping), compared with DetectU32Match; client and server are the
 * TcpSession's sides (the SYN sender is the client); both = && and
 * either = ||. A packet that is not TCP, or whose flow has no TCP session
 * (p->flow->protoctx NULL), or that has no flow, never matches.
 */
static void
test_stream_size(void)
{
	static const char *const rules[] = {
		"alert tcp any any -> any any (content:\"x\"; stream_size:client,<,11; sid:1;)",
		"alert tcp any any -> any any (content:\"x\"; stream_size:server,>=,5; sid:2;)",
		"alert tcp any any -> any any (content:\"x\"; stream_size:both,>,0; sid:3;)",
		"alert tcp any any -> any any (content:\"x\"; stream_size:either,=,1; sid:4;)",
		"alert tcp any any -> any any (content:\"x\"; stream_size:client,!=,11; sid:5;)",
		"alert tcp any any -> any any (content:\"x\"; stream_size:client,<=,11; sid:6;)",
		"alert ip any any -> any any (content:\"x\"; stream_size:either,>=,0; sid:7;)",
		("alert tcp any any -> any any (content:\"x\"; stream_size:server,>,4294967294; "
		 "sid:8;)"),
	};
	struct weir_ruleset *rs = build(rules, N(rules));
	struct weir_scan_flowinfo fi;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	/* client 11 (SYN + 10 bytes), server 1 (its SYN/ACK) */
	fi = fi_tcp(100, 11, 500, 1);
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &fi, SEC), "3,4,6,7");
	/* client 10, server 5: the boundaries of < 11, >= 5, <= 11 */
	fi = fi_tcp(100, 10, 500, 5);
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &fi, SEC), "1,2,3,5,6,7");
	/* client 12: not < 11, not <= 11 */
	fi = fi_tcp(100, 12, 500, 4);
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &fi, SEC), "3,5,7");
	/* the client's ISN near 2^32: next_seq wrapped, the size is still 10;
	 * the server sent nothing yet (both > 0 fails) */
	fi = fi_tcp(0xfffffff6u, 10, 0, 0);
	CU_ASSERT(fi.next_seq[0] == 0);
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &fi, SEC), "1,5,6,7");
	/* a server side whose next_seq is behind its ISN: 2^32 - 1, which
	 * is >= 5, > 0 and > 4294967294 */
	fi = fi_tcp(100, 1, 500, 0);
	fi.next_seq[1] = 499;
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &fi, SEC), "1,2,3,4,5,6,7,8");
	/* no TCP session, no flow, not TCP: no match */
	fi.tcp_session = 0;
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &fi, SEC), "");
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, NULL, SEC), "");
	fi = fi_tcp(100, 1, 500, 1);
	EXPECT(scan_fi(rs, WEIR_PCLASS_UDP, &fi, SEC), "");
	weir_ruleset_free(rs);
}

/*
 * detect-flow-age.c: SCTIME_SECS(lastts) - SCTIME_SECS(startts), whole
 * seconds of each time (not the truncated difference), lastts being this
 * packet's time; a uint64 difference capped at UINT32_MAX, so a packet
 * older than the flow's start (the subtraction wraps) reads UINT32_MAX.
 */
static void
test_flow_age(void)
{
	static const char *const rules[] = {
		"alert tcp any any -> any any (content:\"x\"; flow.age:1; sid:11;)",
		"alert tcp any any -> any any (content:\"x\"; flow.age:<1; sid:12;)",
		"alert tcp any any -> any any (content:\"x\"; flow.age:>=2; sid:13;)",
		"alert tcp any any -> any any (content:\"x\"; flow.age:>4294967294; sid:14;)",
		"alert ip any any -> any any (content:\"x\"; flow.age:0-2; sid:15;)",
	};
	struct weir_ruleset *rs = build(rules, N(rules));
	struct weir_scan_flowinfo fi = {.id = 1};

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	/* 1.9 s to 2.1 s: 0.2 s apart, but seconds 1 and 2: age 1 */
	fi.start_ns = SEC + 900000000ull;
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &fi, 2 * SEC + 100000000ull), "11,15");
	/* 1.0 s to 1.999 s: age 0 */
	fi.start_ns = SEC;
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &fi, 2 * SEC - 1), "12");
	/* 1.9 s to 3.0 s: age 2 (not 1.1 s truncated); 0-2 excludes 2 */
	fi.start_ns = SEC + 900000000ull;
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &fi, 3 * SEC), "13");
	/* a UDP flow has an age too: 0 at 1.95 s (0-2 excludes 0), then 1 */
	EXPECT(scan_fi(rs, WEIR_PCLASS_UDP, &fi, SEC + 950000000ull), "");
	fi.start_ns = 2 * SEC;
	EXPECT(scan_fi(rs, WEIR_PCLASS_UDP, &fi, 3 * SEC), "15");
	/* the packet is older than the flow's start: UINT32_MAX */
	fi.start_ns = 5 * SEC;
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &fi, 4 * SEC), "13,14");
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, NULL, 4 * SEC), "");
	weir_ruleset_free(rs);
}

/*
 * detect-flow-pkts.c: toserver reads todstpktcnt/todstbytecnt (the
 * client's side), toclient the other, either = ||; both = && (the
 * documentation's fourth direction). Counters include this packet.
 * Conditions are DetectU32Match (pkts) and DetectU64Match (bytes).
 */
static void
test_flow_pkts_bytes(void)
{
	static const char *const rules[] = {
		"alert tcp any any -> any any (content:\"x\"; flow.pkts:toserver,3; sid:21;)",
		"alert tcp any any -> any any (content:\"x\"; flow.pkts:toclient,<3; sid:22;)",
		"alert tcp any any -> any any (content:\"x\"; flow.pkts:either,>=10; sid:23;)",
		"alert tcp any any -> any any (content:\"x\"; flow.pkts:both,2<>5; sid:24;)",
		"alert tcp any any -> any any (content:\"x\"; flow.pkts_toserver:!3; sid:25;)",
		"alert tcp any any -> any any (content:\"x\"; flow.pkts_toclient:>2; sid:26;)",
		("alert tcp any any -> any any (content:\"x\"; flow.bytes:toserver,>4294967295; "
		 "sid:31;)"),
		("alert tcp any any -> any any (content:\"x\"; flow.bytes_toclient:&0xff=0x10; "
		 "sid:32;)"),
		"alert tcp any any -> any any (content:\"x\"; flow.bytes:either,1kb-2kb; sid:33;)",
		"alert tcp any any -> any any (content:\"x\"; flow.bytes_toserver:<=1024; sid:34;)",
		("alert tcp any any -> any any (content:\"x\"; flow.pkts:toserver,!1-4; "
		 "flow.bytes:toclient,>0; sid:35;)"),
	};
	struct weir_ruleset *rs = build(rules, N(rules));
	struct weir_scan_flowinfo fi = {.id = 1};

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	fi.pkts[0] = 3;
	fi.pkts[1] = 2;
	fi.bytes[0] = 4294967296ull; /* past 32 bits */
	fi.bytes[1] = 0x110;
	/* 3 == 3; 2 < 3; 3 in (2,5) but 2 not; 0x110 & 0xff == 0x10 */
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &fi, SEC), "21,22,31,32");
	fi.pkts[0] = 4;
	fi.pkts[1] = 3;
	fi.bytes[0] = 1024;
	fi.bytes[1] = 1025;
	/* (2,5) both; !3; > 2; 1025 in (1024,2048); 1024 <= 1024; 4 is
	 * outside (1,4), and 1025 > 0 */
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &fi, SEC), "24,25,26,33,34,35");
	fi.pkts[0] = 10;
	fi.pkts[1] = 0;
	fi.bytes[0] = 1025;
	fi.bytes[1] = 0;
	/* !1-4 holds for 10 but bytes toclient > 0 does not: 35 needs both */
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &fi, SEC), "22,23,25,33");
	fi.bytes[1] = 1;
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &fi, SEC), "22,23,25,33,35");
	fi.pkts[0] = 1;
	fi.pkts[1] = 9;
	/* 1 satisfies !1-4 (it excludes only 1 < v < 4); 9 is not < 3 */
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &fi, SEC), "25,26,33,35");
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, NULL, SEC), "");
	weir_ruleset_free(rs);
}

/*
 * track by_flow (detect-engine-threshold.c, ThresholdHandlePacketFlow):
 * counted per flow; PacketAlertThreshold returns 0 for a packet without a
 * flow, so it never alerts and leaves the counts alone.
 */
static void
test_threshold_by_flow(void)
{
	static const char *const rules[] = {
		("alert tcp any any -> any any (content:\"x\"; threshold:type limit, "
		 "track by_flow, count 1, seconds 60; sid:41;)"),
		("alert tcp any any -> any any (content:\"x\"; detection_filter:track "
		 "by_flow, count 1, seconds 60; sid:42;)"),
	};
	struct weir_ruleset *rs = build(rules, N(rules));
	struct weir_scan_flowinfo f1 = {.id = 1}, f2 = {.id = 2};

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &f1, SEC), "41");
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &f1, 2 * SEC), "42");
	/* another flow between the same hosts: counted apart */
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &f2, 3 * SEC), "41");
	/* no flow: neither rule alerts */
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, NULL, 4 * SEC), "");
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &f2, 5 * SEC), "42");
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &f1, 6 * SEC), "42");
	/* past the window of flow 1 (started at 1 s): a new window */
	EXPECT(scan_fi(rs, WEIR_PCLASS_TCP, &f1, 62 * SEC), "41");
	weir_ruleset_free(rs);
}

/*
 * Rules without a payload condition that name address lists (IP reputation)
 * are found through an address index when a group has enough of them
 * (rules_compile.c compile_ipidx): on random packets the alerts are
 * exactly the rules whose list holds the packet's source (12 source-list
 * rules) or destination (10 destination-list rules), computed here from
 * the lists themselves.
 */
#define IDX_SRC	 12
#define IDX_DST	 10
#define IDX_PER	 6
#define IDX_PKTS 4000

static uint32_t
idx_rand(uint64_t *st)
{
	*st = *st * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*st >> 33);
}

static void
test_address_index(void)
{
	static char text[IDX_SRC + IDX_DST][512];
	const char *rules[IDX_SRC + IDX_DST];
	uint8_t host[IDX_SRC + IDX_DST][IDX_PER]; /* last octets of 10.9.0.x */
	uint8_t net[IDX_SRC + IDX_DST];		  /* a /28: 10.9.1.(net & 0xf0) */
	struct weir_ruleset *rs;
	uint64_t st = 7;
	unsigned int r, k, i, mismatches = 0;

	for (r = 0; r < IDX_SRC + IDX_DST; r++) {
		char list[256];
		size_t o = 0;

		for (k = 0; k < IDX_PER; k++) {
			host[r][k] = (uint8_t)(idx_rand(&st) % 64);
			o += (size_t)snprintf(list + o, sizeof(list) - o, "10.9.0.%u,", host[r][k]);
		}
		net[r] = (uint8_t)(idx_rand(&st) % 256) & 0xf0;
		snprintf(list + o, sizeof(list) - o, "10.9.1.%u/28", net[r]);
		if (r < IDX_SRC)
			snprintf(text[r], sizeof(text[r]),
				 "alert ip [%s] any -> any any (msg:\"src %u\"; sid:%u;)", list, r,
				 100 + r);
		else
			snprintf(text[r], sizeof(text[r]),
				 "alert ip any any -> [%s] any (msg:\"dst %u\"; sid:%u;)", list, r,
				 100 + r);
		rules[r] = text[r];
	}
	rs = build(rules, IDX_SRC + IDX_DST);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	/* the index took them (else this tests the plain list only) */
	CU_ASSERT_EQUAL(rs->n_groups, 1);
	CU_ASSERT_EQUAL(rs->groups[0].idx[0].n_rules, IDX_SRC);
	CU_ASSERT_EQUAL(rs->groups[0].idx[1].n_rules, IDX_DST);
	CU_ASSERT_EQUAL(rs->groups[0].n_always, 0);
	for (i = 0; i < IDX_PKTS; i++) {
		uint8_t src[4] = {10, 9, 0, 0}, dst[4] = {10, 9, 0, 0};
		struct weir_scan_pkt p = {
			.payload = (const uint8_t *)"x",
			.len = 1,
			.pclass = WEIR_PCLASS_UDP,
			.ip_version = 4,
			.sport = 1000,
			.dport = 2000,
			.src = src,
			.dst = dst,
			.ts_ns = 1,
		};
		struct hits h = {.rs = rs};
		struct weir_scan_res res;
		char want[256] = "", got[256];
		size_t o = 0;

		src[2] = (uint8_t)(idx_rand(&st) % 3); /* 10.9.0.x, 10.9.1.x, 10.9.2.x */
		src[3] = (uint8_t)(idx_rand(&st) % 256);
		dst[2] = (uint8_t)(idx_rand(&st) % 3);
		dst[3] = (uint8_t)(idx_rand(&st) % 256);
		for (r = 0; r < IDX_SRC + IDX_DST; r++) {
			const uint8_t *a = r < IDX_SRC ? src : dst;
			bool in = a[2] == 1 && (a[3] & 0xf0) == net[r];

			for (k = 0; k < IDX_PER && !in; k++)
				in = a[2] == 0 && a[3] == host[r][k];
			if (in)
				o += (size_t)snprintf(want + o, sizeof(want) - o, "%s%u",
						      o ? "," : "", 100 + r);
		}
		weir_ruleset_scan(rs, 0, &p, on_alert, &h, &res);
		hits_sorted(&h, got, sizeof(got));
		if (strcmp(got, want) != 0 && mismatches++ < 5)
			fprintf(stderr, "\n  10.9.%u.%u -> 10.9.%u.%u: got \"%s\", want \"%s\"",
				src[2], src[3], dst[2], dst[3], got, want);
	}
	CU_ASSERT_EQUAL(mismatches, 0);
	weir_ruleset_free(rs);
}

/*
 * The port dispatch (weir_ruleset_glist, the two-level table the packet
 * path reads): every destination port of TCP and UDP, against rules whose
 * ports sit on and across the table's 256-port blocks, alerts exactly
 * where each rule's protocol and port list say. Rules without content:
 * only their group's `always` list, which the dispatch picks, brings them
 * to a packet (a rule with content is found by the one scan whatever the
 * dispatch says, as long as some group applies).
 */
static void
test_port_dispatch(void)
{
	static const char *const rules[] = {
		"alert tcp any any -> any 80 (sid:1;)",
		"alert tcp any any -> any [1000:1100] (sid:2;)",
		"alert udp any any -> any 53 (sid:3;)",
		"alert tcp any any -> any 255 (sid:4;)",
		"alert tcp any any -> any [256:300,65535] (sid:5;)",
		"alert udp any any -> any ![0:60000] (sid:6;)",
		"alert tcp any any -> any any (content:\"x\"; sid:7;)",
	};
	struct weir_ruleset *rs = build(rules, N(rules));
	unsigned int cls, port, mismatches = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT(rs->n_groups > 1); /* else there is nothing to dispatch */
	for (cls = 0; cls < 2; cls++) {
		for (port = 0; port < 65536; port++) {
			struct weir_scan_pkt p = {
				.payload = (const uint8_t *)"x",
				.len = 1,
				.pclass = (uint8_t)(cls == 0 ? WEIR_PCLASS_TCP : WEIR_PCLASS_UDP),
				.ip_version = 4,
				.sport = 40000,
				.dport = (uint16_t)port,
				.src = g_cli,
				.dst = g_srv,
				.ts_ns = 1,
			};
			struct hits h = {.rs = rs};
			struct weir_scan_res res;
			char want[64] = "", got[64];
			size_t o = 0;

			if (cls == 0 && port == 80)
				o += (size_t)snprintf(want + o, sizeof(want) - o, "1,");
			if (cls == 0 && port >= 1000 && port <= 1100)
				o += (size_t)snprintf(want + o, sizeof(want) - o, "2,");
			if (cls == 1 && port == 53)
				o += (size_t)snprintf(want + o, sizeof(want) - o, "3,");
			if (cls == 0 && port == 255)
				o += (size_t)snprintf(want + o, sizeof(want) - o, "4,");
			if (cls == 0 && ((port >= 256 && port <= 300) || port == 65535))
				o += (size_t)snprintf(want + o, sizeof(want) - o, "5,");
			if (cls == 1 && port > 60000)
				o += (size_t)snprintf(want + o, sizeof(want) - o, "6,");
			if (cls == 0)
				o += (size_t)snprintf(want + o, sizeof(want) - o, "7,");
			if (o > 0)
				want[o - 1] = '\0';
			weir_ruleset_scan(rs, 0, &p, on_alert, &h, &res);
			hits_sorted(&h, got, sizeof(got));
			if (strcmp(got, want) != 0 && mismatches++ < 5)
				fprintf(stderr, "\n  %s port %u: got \"%s\", want \"%s\"",
					cls == 0 ? "tcp" : "udp", port, got, want);
		}
	}
	CU_ASSERT_EQUAL(mismatches, 0);
	weir_ruleset_free(rs);
}

/*
 * The packet databases per flow side (weir_ruleset.dir_db), as Suricata
 * keeps signature group heads per direction: a packet from its flow's
 * server scans the to-client side's database, every other packet (to the
 * server, no flow, a flow of unknown direction) the other; a rule of no
 * direction is in both, and each rule still alerts exactly where
 * FlowMatch says.
 */
static void
test_direction_databases(void)
{
	static const char *const r[] = {
		"alert tcp any any -> any any (content:\"req\"; flow:to_server; sid:1;)",
		"alert tcp any any -> any any (content:\"req\"; flow:established,from_client; "
		"sid:2;)",
		"alert tcp any any -> any any (content:\"ans\"; flow:to_client; sid:3;)",
		"alert tcp any any -> any any (content:\"ans\"; flow:from_server,established; "
		"sid:4;)",
		"alert tcp any any -> any any (content:\"any\"; sid:5;)",
		"alert tcp any any -> any any (content:\"any\"; flow:established; sid:6;)",
		"alert tcp any any <> any any (content:\"bi\"; flow:to_client; sid:7;)",
	};
	static const char *const undirected[] = {
		"alert tcp any any -> any any (content:\"req\"; sid:1;)",
		"alert tcp any any -> any any (content:\"ans\"; flow:established; sid:2;)",
	};
	/* each rule's sides: 1, 2 the server's; 3, 4, 7 the client's; 5 and
	 * 6 both */
	static const unsigned int sides[] = {
		WEIR_DIR_SERVER,
		WEIR_DIR_SERVER,
		WEIR_DIR_CLIENT,
		WEIR_DIR_CLIENT,
		WEIR_DIR_SERVER | WEIR_DIR_CLIENT,
		WEIR_DIR_SERVER | WEIR_DIR_CLIENT,
		WEIR_DIR_CLIENT,
	};
	struct weir_ruleset *rs = build(r, N(r));
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_FATAL(rs->dir_split);
	for (i = 0; i < N(r); i++)
		CU_ASSERT_EQUAL(
			weir_compile_flow_dirs(rs->rules[i].flow_mask, rs->rules[i].flow_want),
			sides[i]);
	CU_ASSERT_EQUAL(rs->pkt.n_expr, 4);    /* 1, 2, 5, 6 */
	CU_ASSERT_EQUAL(rs->pkt_tc.n_expr, 5); /* 3, 4, 5, 6, 7 */
	CU_ASSERT_PTR_NOT_NULL(rs->pkt.db);
	CU_ASSERT_PTR_NOT_NULL(rs->pkt_tc.db);
	CU_ASSERT(rs->pkt.db != rs->pkt_tc.db);
	/* which database each kind of packet selects */
	CU_ASSERT_PTR_EQUAL(weir_ruleset_pkt_db(rs, 0), rs->pkt.db);
	CU_ASSERT_PTR_EQUAL(weir_ruleset_pkt_db(rs, WEIR_SCAN_FLOW), rs->pkt.db);
	CU_ASSERT_PTR_EQUAL(weir_ruleset_pkt_db(rs, F_TS), rs->pkt.db);
	CU_ASSERT_PTR_EQUAL(weir_ruleset_pkt_db(rs, F_TS | F_EST), rs->pkt.db);
	CU_ASSERT_PTR_EQUAL(weir_ruleset_pkt_db(rs, F_TC), rs->pkt_tc.db);
	CU_ASSERT_PTR_EQUAL(weir_ruleset_pkt_db(rs, F_TC | F_EST), rs->pkt_tc.db);
	/* and what alerts: a request, an answer, no flow, direction unknown */
	EXPECT(scan(rs, false, F_TS | F_EST, NULL, "req ans any bi", NULL), "1,2,5,6");
	EXPECT(scan(rs, true, F_TC | F_EST, NULL, "req ans any bi", NULL), "3,4,5,6,7");
	EXPECT(scan(rs, false, F_TS, NULL, "req ans any bi", NULL), "1,5");
	EXPECT(scan(rs, true, F_TC, NULL, "req ans any bi", NULL), "3,5,7");
	EXPECT(scan(rs, false, 0, NULL, "req ans any bi", NULL), "1,5");
	EXPECT(scan(rs, true, 0, NULL, "req ans any bi", NULL), "1,5");
	EXPECT(scan(rs, false, WEIR_SCAN_FLOW | F_EST, NULL, "req ans any bi", NULL), "1,5,6");
	weir_ruleset_free(rs);

	/* no rule of one direction: one database, both sides scan it */
	rs = build(undirected, N(undirected));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT(!rs->dir_split);
	CU_ASSERT_PTR_NULL(rs->pkt_tc.db);
	CU_ASSERT_EQUAL(rs->pkt.n_expr, 2);
	CU_ASSERT_PTR_EQUAL(weir_ruleset_pkt_db(rs, F_TS), rs->pkt.db);
	CU_ASSERT_PTR_EQUAL(weir_ruleset_pkt_db(rs, F_TC), rs->pkt.db);
	CU_ASSERT_PTR_EQUAL(weir_ruleset_pkt_db(rs, 0), rs->pkt.db);
	EXPECT(scan(rs, true, F_TC | F_EST, NULL, "req ans", NULL), "1,2");
	weir_ruleset_free(rs);
}

/* Build with the packet databases split by address class or not. */
static struct weir_ruleset *
build_split(const char *const *rules, unsigned int n, bool no_addr_split)
{
	struct weir_ruleset_opts o = {.vars = &g_vars, .no_addr_split = no_addr_split};
	struct weir_diags ds;
	struct weir_ruleset *rs;

	if (weir_diags_init(&ds, 8) != 0)
		return NULL;
	rs = build_opts(rules, n, &o, &ds);
	weir_diags_free(&ds);
	return rs;
}

/* The sids a TCP packet @p payload from @p src to @p dst (IPv4 or IPv6:
 * @p ipv, 4 or 16 bytes) raises under flow bits @p flow, its bytes in
 * its stream or not (@p streamed), sorted; the scan's result in
 * @p res_out when not NULL. */
static const char *
scan_at(const struct weir_ruleset *rs, unsigned int ipv, const uint8_t *src, const uint8_t *dst,
	uint32_t flow, uint8_t streamed, const char *payload, struct weir_scan_res *res_out)
{
	static char out[256];
	struct weir_scan_pkt p = {
		.payload = (const uint8_t *)payload,
		.len = (uint32_t)strlen(payload),
		.pclass = WEIR_PCLASS_TCP,
		.ip_version = (uint8_t)ipv,
		.sport = 40000,
		.dport = 80,
		.src = src,
		.dst = dst,
		.ts_ns = 1,
		.flow = flow,
		.streamed = streamed,
	};
	struct hits h = {.rs = rs};
	struct weir_scan_res res;

	weir_ruleset_scan(rs, 0, &p, on_alert, &h, &res);
	if (res_out != NULL)
		*res_out = res;
	return hits_sorted(&h, out, sizeof(out));
}

/* The sids a TCP packet "a" raises, as scan_at(). */
static const char *
scan_addr(const struct weir_ruleset *rs, unsigned int ipv, const uint8_t *src, const uint8_t *dst,
	  uint32_t flow)
{
	return scan_at(rs, ipv, src, dst, flow, 0, "a", NULL);
}

#define V4(a, b, c, d) ((const uint8_t[4]){a, b, c, d})

/*
 * The packet databases per address class (weir_ruleset.apkt): most rules
 * name $HOME_NET (192.168/16, 10/8, 172.16/12 by default) or
 * $EXTERNAL_NET (the rest of IPv4), so a packet scans only the rules its
 * source's and destination's sides can meet; `<>`, `any`, lists that
 * straddle the set and IPv6 lists included. The expected sids are each
 * rule's header read against the packet (Suricata's semantics, the
 * default variables); and across addresses at the set's edges, every
 * packet alerts as the same rules built without the split.
 */
/* The IPv4 TCP packets between every two of @p edge's @p n_edge addresses
 * under each of @p n_flows flow states on which @p rs (split by address
 * class) and @p one (the same rules, not split) raise different sids. */
static unsigned int
split_mismatches(const struct weir_ruleset *rs, const struct weir_ruleset *one,
		 const uint8_t (*edge)[4], unsigned int n_edge, const uint32_t *flows,
		 unsigned int n_flows)
{
	unsigned int i, j, k, mismatches = 0;
	char want[256];

	for (i = 0; i < n_edge; i++)
		for (j = 0; j < n_edge; j++)
			for (k = 0; k < n_flows; k++) {
				snprintf(want, sizeof(want), "%s",
					 scan_addr(one, 4, edge[i], edge[j], flows[k]));
				if (strcmp(scan_addr(rs, 4, edge[i], edge[j], flows[k]), want) != 0)
					mismatches++;
			}
	return mismatches;
}

/* The rule of sid @p sid in @p rs (NULL when absent). */
static const struct weir_rt_rule *
rule_of(const struct weir_ruleset *rs, uint32_t sid)
{
	unsigned int i;

	for (i = 0; i < rs->n_rules; i++)
		if (rs->rules[i].sid == sid)
			return &rs->rules[i];
	return NULL;
}

/*
 * The header checks answered by the packet's address class: a rule's set
 * that holds, among IPv4 addresses, exactly those of the split's set (or
 * exactly the others) is marked, and only such a set; the alerts stay
 * those of the same rules without the split at every range edge.
 */
static void
test_address_class_answers(void)
{
	static const char *const r[] = {
		"alert tcp $HOME_NET any -> $EXTERNAL_NET any (content:\"a\"; sid:1;)",
		"alert tcp $EXTERNAL_NET any -> $HOME_NET any (content:\"a\"; sid:2;)",
		/* $HOME_NET written out, and its complement written out */
		"alert tcp [192.168.0.0/16,10.0.0.0/8,172.16.0.0/12] any -> "
		"[0.0.0.0/5,8.0.0.0/7,11.0.0.0-172.15.255.255,172.32.0.0-192.167.255.255,"
		"192.169.0.0-255.255.255.255] any (content:\"a\"; sid:3;)",
		/* one address more or less: a search of the set */
		"alert tcp [$HOME_NET,1.2.3.4] any -> [$EXTERNAL_NET,!8.8.8.8] any "
		"(content:\"a\"; sid:4;)",
		/* with IPv6 addresses too, which an IPv4 packet's class ignores */
		"alert tcp [2001:db8::/32,$HOME_NET] any -> [$EXTERNAL_NET,2001:db8::/32] any "
		"(content:\"a\"; sid:5;)",
		"alert tcp $HOME_NET any <> $EXTERNAL_NET any (content:\"a\"; sid:6;)",
		"alert tcp any any -> any any (content:\"a\"; sid:7;)",
		/* no expression (`always`): the class filters them before their
		 * header checks */
		"alert tcp $EXTERNAL_NET any -> $HOME_NET any (sid:8;)",
		"alert tcp $HOME_NET any <> $EXTERNAL_NET any (sid:9;)",
		"alert tcp any any -> $HOME_NET any (sid:10;)",
	};
	static const uint8_t edge[][4] = {
		{0, 0, 0, 0},	  {1, 2, 3, 4},		{8, 8, 8, 8},	  {9, 255, 255, 255},
		{10, 0, 0, 0},	  {10, 255, 255, 255},	{11, 0, 0, 0},	  {172, 15, 255, 255},
		{172, 16, 0, 0},  {172, 31, 255, 255},	{172, 32, 0, 0},  {192, 167, 255, 255},
		{192, 168, 0, 0}, {192, 168, 255, 255}, {192, 169, 0, 0}, {255, 255, 255, 255},
	};
	static const uint32_t flows[] = {0, F_TS, F_TS | WEIR_SCAN_FLOW_FIRST, F_TC | F_EST};
	const uint8_t v6a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	struct weir_ruleset *rs = build_split(r, N(r), false);
	struct weir_ruleset *one = build_split(r, N(r), true);
	const struct weir_rt_rule *rr[N(r) + 1];
	unsigned int i;
	uint8_t home_in, home_out;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(one);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs->addr_part);
	for (i = 1; i <= N(r); i++) {
		rr[i] = rule_of(rs, i);
		CU_ASSERT_PTR_NOT_NULL_FATAL(rr[i]);
		CU_ASSERT_EQUAL(rule_of(one, i)->apart, 0); /* no split, no answer */
	}
	/* whichever of $HOME_NET and $EXTERNAL_NET the split chose */
	home_in = (rr[1]->apart & (WEIR_RT_AP_SRC_IN | WEIR_RT_AP_SRC_OUT)) == WEIR_RT_AP_SRC_IN;
	home_out = (rr[1]->apart & (WEIR_RT_AP_SRC_IN | WEIR_RT_AP_SRC_OUT)) == WEIR_RT_AP_SRC_OUT;
	CU_ASSERT(home_in != home_out);
	if (home_in) {
		CU_ASSERT_EQUAL(rr[1]->apart, WEIR_RT_AP_SRC_IN | WEIR_RT_AP_DST_OUT);
		CU_ASSERT_EQUAL(rr[2]->apart, WEIR_RT_AP_SRC_OUT | WEIR_RT_AP_DST_IN);
		CU_ASSERT_EQUAL(rr[6]->apart, WEIR_RT_AP_SRC_IN | WEIR_RT_AP_DST_OUT);
	} else {
		CU_ASSERT_EQUAL(rr[1]->apart, WEIR_RT_AP_SRC_OUT | WEIR_RT_AP_DST_IN);
		CU_ASSERT_EQUAL(rr[2]->apart, WEIR_RT_AP_SRC_IN | WEIR_RT_AP_DST_OUT);
		CU_ASSERT_EQUAL(rr[6]->apart, WEIR_RT_AP_SRC_OUT | WEIR_RT_AP_DST_IN);
	}
	CU_ASSERT_EQUAL(rr[3]->apart, rr[1]->apart); /* the same sets, written out */
	CU_ASSERT_EQUAL(rr[4]->apart, 0);
	CU_ASSERT_EQUAL(rr[5]->apart, rr[1]->apart); /* the IPv6 parts aside */
	CU_ASSERT_EQUAL(rr[7]->apart, 0);
	/* the classes a rule's header can meet: 1 of 4, 2 of 4, all */
	CU_ASSERT_EQUAL(__builtin_popcount(rr[8]->amask), 1);
	CU_ASSERT_EQUAL(__builtin_popcount(rr[9]->amask), 2);
	CU_ASSERT_EQUAL(rr[7]->amask, 0xf);

	/* from the rules' headers */
	EXPECT(scan_addr(rs, 4, V4(10, 0, 0, 1), V4(8, 8, 8, 8), F_TS), "1,3,5,6,7,9");
	/* 10 is IP-only (8 and 9 name a negated set: not IP-only), inspected
	 * on a direction's first packet */
	EXPECT(scan_addr(rs, 4, V4(1, 2, 3, 4), V4(10, 0, 0, 1), F_TS), "2,6,7,8,9");
	EXPECT(scan_addr(rs, 4, V4(1, 2, 3, 4), V4(10, 0, 0, 1), F_TS | WEIR_SCAN_FLOW_FIRST),
	       "2,6,7,8,9,10");
	EXPECT(scan_addr(rs, 4, V4(10, 0, 0, 1), V4(1, 2, 3, 4), F_TS), "1,3,4,5,6,7,9");
	EXPECT(scan_addr(rs, 4, V4(10, 0, 0, 1), V4(8, 8, 8, 8), F_TC | F_EST), "1,3,5,6,7,9");
	EXPECT(scan_addr(rs, 4, V4(10, 0, 0, 1), V4(10, 0, 0, 2), 0), "7,10");
	EXPECT(scan_addr(rs, 6, v6a, v6a, 0), "5,7");
	/* the same as without the split, everywhere */
	CU_ASSERT_EQUAL(split_mismatches(rs, one, edge, N(edge), flows, N(flows)), 0);
	weir_ruleset_free(rs);
	weir_ruleset_free(one);
}

static void
test_address_class_databases(void)
{
	static const char *const r[] = {
		"alert tcp $HOME_NET any -> $EXTERNAL_NET any (content:\"a\"; sid:1;)",
		"alert tcp $EXTERNAL_NET any -> $HOME_NET any (content:\"a\"; sid:2;)",
		"alert tcp any any -> $HOME_NET any (content:\"a\"; sid:3;)",
		"alert tcp $HOME_NET any <> $EXTERNAL_NET any (content:\"a\"; sid:4;)",
		"alert tcp [10.0.0.0/8,198.51.100.7] any -> any any (content:\"a\"; sid:5;)",
		"alert tcp any any -> any any (content:\"a\"; sid:6;)",
		"alert tcp $EXTERNAL_NET any -> $EXTERNAL_NET any (content:\"a\"; sid:7;)",
		"alert tcp $HOME_NET any -> $HOME_NET any (content:\"a\"; sid:8;)",
		"alert tcp 2001:db8::/32 any -> $HOME_NET any (content:\"a\"; sid:9;)",
		"alert tcp $EXTERNAL_NET any -> any any (content:\"a\"; sid:10;)",
		"alert tcp $EXTERNAL_NET any -> $HOME_NET any (content:\"a\"; flow:to_client; "
		"sid:11;)",
		"alert tcp $HOME_NET any -> $EXTERNAL_NET any (content:\"a\"; flow:to_server; "
		"sid:12;)",
		"alert tcp any any -> any any (content:\"a\"; flow:to_client; sid:13;)",
	};
	/* addresses at the edges of $HOME_NET's ranges, and others */
	static const uint8_t edge[][4] = {
		{0, 0, 0, 0},	  {9, 255, 255, 255},	{10, 0, 0, 0},	   {10, 255, 255, 255},
		{11, 0, 0, 0},	  {172, 15, 255, 255},	{172, 16, 0, 0},   {172, 31, 255, 255},
		{172, 32, 0, 0},  {192, 167, 255, 255}, {192, 168, 0, 0},  {192, 168, 255, 255},
		{192, 169, 0, 0}, {198, 51, 100, 7},	{198, 51, 100, 8}, {255, 255, 255, 255},
	};
	static const uint32_t flows[] = {0, WEIR_SCAN_FLOW, F_TS, F_TC, F_TS | F_EST, F_TC | F_EST};
	const uint8_t v6a[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	const uint8_t v6b[16] = {0x20, 0x01, 0x0d, 0xb9, [15] = 2};
	struct weir_ruleset *rs = build_split(r, N(r), false);
	struct weir_ruleset *one = build_split(r, N(r), true);
	unsigned int k, classes = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(one);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs->addr_part);
	CU_ASSERT_PTR_NULL(one->addr_part);
	CU_ASSERT(rs->dir_split && one->dir_split); /* 11-13 have a direction */
	/* a class database holds fewer than every rule of its side */
	for (k = 0; k < 8; k++) {
		CU_ASSERT(rs->apkt[k].n_expr < 13);
		classes += rs->apkt[k].db != NULL;
	}
	CU_ASSERT_EQUAL(classes, 8);

	/* from the rules' headers */
	EXPECT(scan_addr(rs, 4, V4(10, 0, 0, 1), V4(198, 51, 100, 1), F_TS), "1,4,5,6,12");
	EXPECT(scan_addr(rs, 4, V4(198, 51, 100, 1), V4(10, 0, 0, 1), F_TC), "2,3,4,6,10,11,13");
	EXPECT(scan_addr(rs, 4, V4(198, 51, 100, 7), V4(192, 168, 1, 1), 0), "2,3,4,5,6,10");
	EXPECT(scan_addr(rs, 4, V4(10, 1, 1, 1), V4(172, 16, 0, 5), F_TS), "3,5,6,8");
	EXPECT(scan_addr(rs, 4, V4(8, 8, 8, 8), V4(1, 1, 1, 1), F_TC), "6,7,10,13");
	/* IPv6: in neither $HOME_NET nor $EXTERNAL_NET (IPv4 only) */
	EXPECT(scan_addr(rs, 6, v6a, v6b, 0), "6");
	EXPECT(scan_addr(rs, 6, v6a, v6b, F_TC), "6,13");

	/* the same as without the split, everywhere */
	CU_ASSERT_EQUAL(split_mismatches(rs, one, edge, N(edge), flows, N(flows)), 0);
	weir_ruleset_free(rs);
	weir_ruleset_free(one);

	/* rules of `any` alone: no split */
	{
		static const char *const anys[] = {
			"alert tcp any any -> any any (content:\"a\"; sid:1;)",
			"alert tcp any any -> any 80 (content:\"b\"; sid:2;)",
		};

		rs = build_split(anys, N(anys), false);
		CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
		CU_ASSERT_PTR_NULL(rs->addr_part);
		CU_ASSERT_PTR_NULL(rs->apkt);
		weir_ruleset_free(rs);
	}
}

/* The sides of every flow: option, against FlowMatch read for each kind
 * of packet (detect-flow.c): never, to_server-alone, and the rest. */
static void
test_direction_sides(void)
{
	static const struct {
		const char *flow;
		unsigned int sides;
	} c[] = {
		{"to_server", WEIR_DIR_SERVER},
		{"from_client", WEIR_DIR_SERVER},
		{"to_client", WEIR_DIR_CLIENT},
		{"from_server", WEIR_DIR_CLIENT},
		{"established", WEIR_DIR_SERVER | WEIR_DIR_CLIENT},
		{"not_established", WEIR_DIR_SERVER | WEIR_DIR_CLIENT},
		{"stateless", WEIR_DIR_SERVER | WEIR_DIR_CLIENT},
		{"established,to_server", WEIR_DIR_SERVER},
		{"to_client,established", WEIR_DIR_CLIENT},
		{"to_server,no_frag", WEIR_DIR_SERVER},
		{"to_client,only_frag", WEIR_DIR_CLIENT},
		{"not_established,stateless", 0},
	};
	unsigned int i;

	for (i = 0; i < N(c); i++) {
		char text[256];
		const char *r[1] = {text};
		struct weir_ruleset *rs;
		unsigned int got;

		snprintf(text, sizeof(text),
			 "alert tcp any any -> any any (content:\"x\"; flow:%s; sid:1;)",
			 c[i].flow);
		rs = build(r, 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
		got = weir_compile_flow_dirs(rs->rules[0].flow_mask, rs->rules[0].flow_want);
		if (got != c[i].sides)
			fprintf(stderr, "\n  flow:%s: sides %u, want %u", c[i].flow, got,
				c[i].sides);
		CU_ASSERT_EQUAL(got, c[i].sides);
		weir_ruleset_free(rs);
	}
}

/*
 * The header prefilter of rules without a payload condition (rules_int.h
 * weir_hdrpf, Suricata's PrefilterSetupTcpFlags): each flags rule alerts
 * on exactly the flag bytes Suricata's FlagsMatch accepts (no modifier:
 * exactly these, less the ignored ones; +: all of them; *: any of them;
 * !: not all of them; flags:0: none), never on a packet without a TCP
 * header, and an IP-only rule only on a flow direction's first packet
 * (or a packet of no flow), a rule with neither on every packet of its
 * protocol, for every flag byte, from inside and outside
 * address lists that the group would otherwise index by address.
 */
#define PF_ADDR 8

static bool
pf_want(unsigned int sid, bool class_tcp, bool tcp, unsigned int b, bool first, const uint8_t *src)
{
	switch (sid) {
	case 1: /* flags:S */
		return tcp && b == 0x02;
	case 2: /* flags:S,12: CWR and ECE ignored */
		return tcp && (b & 0x3f) == 0x02;
	case 3: /* flags:+AP */
		return tcp && (b & 0x18) == 0x18;
	case 4: /* flags:*SA */
		return tcp && (b & 0x12) != 0;
	case 5: /* flags:!PA */
		return tcp && (b & 0x18) != 0x18;
	case 6: /* flags:0 */
		return tcp && b == 0;
	case 7: /* flags:FA */
		return tcp && b == 0x11;
	case 8: /* flags:A+ */
		return tcp && (b & 0x10) != 0;
	case 9: /* flags:SF,CE;: the others ignored, S and F set */
		return tcp && (b & 0x3f) == 0x03;
	case 10: /* dsize:1 (these packets' size), no flags: not IP-only */
		return class_tcp;
	case 11: /* ip, IP-only */
		return first;
	case 12: /* ip with flags:S */
		return tcp && b == 0x02;
	case 13: /* ip [10.8.0.9,...] dsize:1, every packet */
		return src[1] == 8 && src[3] == 9;
	default:
		if (sid >= 100 && sid < 100 + PF_ADDR) /* [10.9.0.k] flags:S */
			return tcp && b == 0x02 && src[1] == 9 && src[3] == sid - 100;
		if (sid >= 200 && sid < 200 + PF_ADDR) /* ip [10.8.0.k], IP-only */
			return first && src[1] == 8 && src[3] == sid - 200;
		return false;
	}
}

static void
test_header_prefilter(void)
{
	static const char *const base[] = {
		"alert tcp any any -> any any (flags:S; sid:1;)",
		"alert tcp any any -> any any (flags: S,12; sid:2;)",
		"alert tcp any any -> any any (flags:+AP; sid:3;)",
		"alert tcp any any -> any any (flags:*SA; sid:4;)",
		"alert tcp any any -> any any (flags:!PA; sid:5;)",
		"alert tcp any any -> any any (flags:0; sid:6;)",
		"alert tcp any any -> any any (flags:FA; sid:7;)",
		"alert tcp any any -> any any (flags:A+; sid:8;)",
		"alert tcp any any -> any any (flags:SF,CE; sid:9;)",
		"alert tcp any any -> any any (dsize:1; sid:10;)",
		"alert ip any any -> any any (sid:11;)",
		"alert ip any any -> any any (flags:S; sid:12;)",
		/* among the IP-only address rules: not IP-only (dsize) */
		"alert ip [10.8.0.9,10.6.9.0/24] any -> any any (dsize:1; sid:13;)",
	};
	static char text[2 * PF_ADDR][128];
	const char *rules[N(base) + 2 * PF_ADDR];
	struct weir_ruleset *rs;
	unsigned int i, n = 0, b, first, kind, mismatches = 0, with_pf = 0, cases = 0;

	for (i = 0; i < N(base); i++)
		rules[n++] = base[i];
	for (i = 0; i < PF_ADDR; i++) {
		snprintf(text[i], sizeof(text[i]),
			 "alert tcp [10.9.0.%u,10.7.%u.0/24] any -> any any (flags:S; sid:%u;)", i,
			 i, 100 + i);
		snprintf(text[PF_ADDR + i], sizeof(text[i]),
			 "alert ip [10.8.0.%u,10.6.%u.0/24] any -> any any (sid:%u;)", i, i,
			 200 + i);
		rules[n++] = text[i];
		rules[n++] = text[PF_ADDR + i];
	}
	rs = build(rules, n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	for (i = 0; i < rs->n_groups; i++)
		with_pf += rs->groups[i].hdrpf != NULL;
	CU_ASSERT(with_pf > 0); /* else this tests the plain lists only */
	/* kind 0: TCP with a header; 1: UDP; 2: TCP with a cut header */
	for (kind = 0; kind < 3; kind++) {
		for (b = 0; b < (kind == 0 ? 256u : 1u); b++) {
			for (first = 0; first < 3; first++) {
				uint8_t l4[20] = {0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50};
				uint8_t src[4] = {10, (b & 2) ? 8 : 9, 0, (uint8_t)(b % 10)};
				struct weir_scan_pkt p = {
					.payload = (const uint8_t *)"x",
					.len = 1,
					.pclass = kind == 1 ? WEIR_PCLASS_UDP : WEIR_PCLASS_TCP,
					.ip_version = 4,
					.sport = 40000,
					.dport = 80,
					.src = src,
					.dst = g_srv,
					.ts_ns = 1,
					/* 0: mid-flow; 1: its direction's first; 2: no flow */
					.flow = first == 2   ? 0
						: first == 1 ? F_TS | WEIR_SCAN_FLOW_FIRST
							     : F_TS,
					.l4 = l4,
					.l4_len = kind == 0   ? 20
						  : kind == 1 ? 8
							      : 12,
					.ip_proto = kind == 1 ? 17 : 6,
				};
				struct hits h = {.rs = rs};
				struct weir_scan_res res;
				char want[256] = "", got[256];
				uint32_t s[MAX_HIT];
				unsigned int k, j, m = 0;
				size_t o = 0;

				l4[13] = (uint8_t)b;
				for (k = 0; k < n; k++) {
					unsigned int sid = k < N(base) ? k + 1 : 0;

					if (sid == 0)
						sid = (k - N(base)) % 2 ? 200 + (k - N(base)) / 2
									: 100 + (k - N(base)) / 2;
					if (pf_want(sid, kind != 1, kind == 0, b, first != 0, src))
						s[m++] = sid;
				}
				qsort(s, m, sizeof(s[0]), cmp_u32);
				for (j = 0; j < m; j++)
					o += (size_t)snprintf(want + o, sizeof(want) - o, "%s%u",
							      j ? "," : "", s[j]);
				weir_ruleset_scan(rs, 0, &p, on_alert, &h, &res);
				hits_sorted(&h, got, sizeof(got));
				cases++;
				if (strcmp(got, want) != 0 && mismatches++ < 5)
					fprintf(stderr,
						"\n  kind %u flags 0x%02x flow %u from 10.%u.0.%u: "
						"got "
						"\"%s\", want \"%s\"",
						kind, b, first, src[1], src[3], got, want);
			}
		}
	}
	CU_ASSERT_EQUAL(cases, 3 * 258);
	CU_ASSERT_EQUAL(mismatches, 0);
	weir_ruleset_free(rs);
}

/* An IPv4 packet's sids, as scan_at(), checked scanned without error. */
static const char *
scan_streamed(const struct weir_ruleset *rs, const uint8_t *src, const uint8_t *dst, uint32_t flow,
	      uint8_t streamed, const char *payload)
{
	struct weir_scan_res res;
	const char *got = scan_at(rs, 4, src, dst, flow, streamed, payload, &res);

	CU_ASSERT(res.evaluated == 1 && res.scan_error == 0);
	return got;
}

/* The databases `rules check` (weir_ruleset_describe) says a streamed
 * packet does not scan. */
static unsigned int
streamed_skip_lines(const struct weir_ruleset *rs)
{
	char *buf = NULL, *at;
	size_t len = 0;
	unsigned int n = 0;
	FILE *f = open_memstream(&buf, &len);

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	weir_ruleset_describe(rs, f);
	fclose(f);
	for (at = buf; (at = strstr(at, "stream-type rules alone: not scanned")) != NULL; at++)
		n++;
	free(buf);
	return n;
}

/*
 * A packet whose bytes went to its stream meets Suricata's packet-type
 * rules only (detect-engine-build.c SignatureSetType, and the stream
 * rules' PKT_STREAM_ADD skip): a packet database holding nothing else is
 * not scanned for it (weir_ruleset dir_sdb, sadb), one holding a packet
 * rule is, and the alerts are those of the full database either way.
 */
static void
test_streamed_packet_databases(void)
{
	/* stream type: payload conditions on any bytes */
	static const char *const stream_only[] = {
		"alert tcp any any -> any any (flow:to_server; content:\"abc\"; sid:1;)",
		"alert tcp any any -> any any (content:\"xyz\"; sid:2;)",
	};
	/* and two packet-type rules: an anchored content, dsize */
	static const char *const mixed[] = {
		"alert tcp any any -> any any (flow:to_server; content:\"abc\"; sid:1;)",
		"alert tcp any any -> any any (content:\"xyz\"; sid:2;)",
		"alert tcp any any -> any any (content:\"abc\"; depth:3; sid:3;)",
		"alert tcp any any -> any any (dsize:>2; content:\"xyz\"; sid:4;)",
	};
	static const char *const sides[] = {
		"alert tcp any any -> any any (flow:to_server; content:\"a\"; depth:1; sid:21;)",
		"alert tcp any any -> any any (flow:to_client; content:\"a\"; sid:22;)",
		"alert tcp any any -> any any (flow:to_server; content:\"c\"; sid:23;)",
		"alert tcp any any -> any any (flow:to_client; content:\"d\"; sid:24;)",
	};
	/* split by address class and by direction: only packets to the
	 * server from $HOME_NET (sid 11) and to the client from
	 * $EXTERNAL_NET (sid 18) meet a packet-type rule with an expression */
	static const char *const split[] = {
		"alert tcp $HOME_NET any -> $EXTERNAL_NET any (flow:to_server; content:\"a\"; "
		"depth:1; sid:11;)",
		"alert tcp $HOME_NET any -> $EXTERNAL_NET any (flow:to_server; content:\"a\"; "
		"sid:12;)",
		"alert tcp $EXTERNAL_NET any -> $HOME_NET any (flow:to_server; content:\"a\"; "
		"sid:13;)",
		"alert tcp $EXTERNAL_NET any -> $HOME_NET any (flow:to_client; content:\"b\"; "
		"sid:14;)",
		"alert tcp $HOME_NET any -> $HOME_NET any (flow:to_client; content:\"a\"; sid:15;)",
		"alert tcp $EXTERNAL_NET any -> $HOME_NET any (flags:A; sid:16;)",
		"alert tcp $EXTERNAL_NET any -> $EXTERNAL_NET any (flow:to_client; content:\"ab\"; "
		"sid:17;)",
		"alert tcp $EXTERNAL_NET any -> $HOME_NET any (flow:to_client; content:\"a\"; "
		"depth:1; sid:18;)",
	};
	static const uint8_t addr[][4] = {
		{8, 8, 8, 8}, {10, 0, 0, 1}, {172, 16, 0, 1}, {192, 168, 1, 1}, {1, 2, 3, 4},
	};
	static const uint32_t flows[] = {0, F_TS, F_TS | F_EST, F_TC | F_EST};
	struct weir_ruleset *rs = build(stream_only, N(stream_only));
	struct weir_ruleset *one;
	unsigned int i, j, f, st, same = 0, skipped = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_PTR_NOT_NULL(rs->dir_db[0]);
	CU_ASSERT_PTR_NULL(rs->dir_sdb[0]);
	CU_ASSERT_PTR_NULL(rs->dir_sdb[1]);
	EXPECT(scan_streamed(rs, g_cli, g_srv, F_TS | F_EST, 0, "abc xyz"), "1,2");
	EXPECT(scan_streamed(rs, g_cli, g_srv, F_TS | F_EST, 1, "abc xyz"), "");
	/* split by direction (sid 1): rules check says so of both sides */
	CU_ASSERT(rs->dir_split);
	CU_ASSERT_EQUAL(streamed_skip_lines(rs), 2);
	weir_ruleset_free(rs);

	rs = build(mixed, N(mixed));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_PTR_NOT_NULL(rs->dir_sdb[0]);
	CU_ASSERT_PTR_EQUAL(rs->dir_sdb[0], rs->dir_db[0]);
	CU_ASSERT_PTR_EQUAL(rs->dir_sdb[1], rs->dir_db[1]);
	EXPECT(scan_streamed(rs, g_cli, g_srv, F_TS | F_EST, 0, "abc xyz"), "1,2,3,4");
	EXPECT(scan_streamed(rs, g_cli, g_srv, F_TS | F_EST, 1, "abc xyz"), "3,4");
	EXPECT(scan_streamed(rs, g_cli, g_srv, F_TS | F_EST, 1, "xabc xy"), "");
	CU_ASSERT_EQUAL(streamed_skip_lines(rs), 0);
	weir_ruleset_free(rs);

	/* by direction: a packet rule on the server side only */
	rs = build(sides, N(sides));
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT(rs->dir_split);
	CU_ASSERT_PTR_EQUAL(rs->dir_sdb[0], rs->dir_db[0]);
	CU_ASSERT_PTR_NULL(rs->dir_sdb[1]);
	EXPECT(scan_streamed(rs, g_cli, g_srv, F_TS | F_EST, 1, "acd"), "21");
	EXPECT(scan_streamed(rs, g_cli, g_srv, F_TS | F_EST, 0, "acd"), "21,23");
	EXPECT(scan_streamed(rs, g_srv, g_cli, F_TC | F_EST, 1, "acd"), "");
	EXPECT(scan_streamed(rs, g_srv, g_cli, F_TC | F_EST, 0, "acd"), "22,24");
	weir_ruleset_free(rs);

	rs = build_split(split, N(split), false);
	one = build_split(split, N(split), true);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_PTR_NOT_NULL_FATAL(one);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs->addr_part);
	CU_ASSERT_PTR_NULL(one->addr_part);
	CU_ASSERT(rs->dir_split && one->dir_split);
	for (i = 0; i < 2; i++)
		for (j = 0; j < 4; j++) {
			CU_ASSERT(rs->sadb[i][j] == NULL || rs->sadb[i][j] == rs->adb[i][j]);
			skipped += rs->adb[i][j] != NULL && rs->sadb[i][j] == NULL;
		}
	CU_ASSERT(skipped > 0); /* the classes sids 11 and 18 are not in */
	CU_ASSERT_EQUAL(streamed_skip_lines(rs), skipped);
	/* sid 11 in the one server-side database, 18 in the client side's */
	CU_ASSERT(one->dir_sdb[0] != NULL && one->dir_sdb[1] != NULL);
	/* from $HOME_NET to $EXTERNAL_NET, streamed: the packet rule alone */
	EXPECT(scan_streamed(rs, addr[1], addr[0], F_TS | F_EST, 1, "ab"), "11");
	EXPECT(scan_streamed(rs, addr[1], addr[0], F_TS | F_EST, 0, "ab"), "11,12");
	/* the other way to the server, streamed: no packet rule there */
	EXPECT(scan_streamed(rs, addr[0], addr[1], F_TS | F_EST, 1, "ab"), "");
	EXPECT(scan_streamed(rs, addr[0], addr[1], F_TS | F_EST, 0, "ab"), "13");
	/* and to the client */
	EXPECT(scan_streamed(rs, addr[0], addr[1], F_TC | F_EST, 1, "ab"), "18");
	EXPECT(scan_streamed(rs, addr[0], addr[1], F_TC | F_EST, 0, "ab"), "14,18");
	EXPECT(scan_streamed(rs, addr[1], addr[0], F_TC | F_EST, 1, "ab"), "");
	/* every address pair, flow state and stream flag: the split set
	 * and the one-database set agree */
	for (i = 0; i < N(addr); i++)
		for (j = 0; j < N(addr); j++)
			for (f = 0; f < N(flows); f++)
				for (st = 0; st < 2; st++) {
					char a[256];

					snprintf(a, sizeof(a), "%s",
						 scan_streamed(rs, addr[i], addr[j], flows[f],
							       (uint8_t)st, "ab"));
					same += strcmp(a, scan_streamed(one, addr[i], addr[j],
									flows[f], (uint8_t)st,
									"ab")) == 0;
				}
	CU_ASSERT_EQUAL(same, N(addr) * N(addr) * N(flows) * 2);
	weir_ruleset_free(rs);
	weir_ruleset_free(one);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	if (weir_rule_vars_defaults(&g_vars) != 0)
		return 1;
	s = CU_add_suite("match_flow", NULL, NULL);
	CU_ADD_TEST(s, test_flow_options);
	CU_ADD_TEST(s, test_port_dispatch);
	CU_ADD_TEST(s, test_flow_direction_and_bidir);
	CU_ADD_TEST(s, test_flowbits_set_then_isset_same_packet);
	CU_ADD_TEST(s, test_flowbits_isnotset_unset_toggle);
	CU_ADD_TEST(s, test_flowbits_groups);
	CU_ADD_TEST(s, test_flowint);
	CU_ADD_TEST(s, test_flowbits_pass);
	CU_ADD_TEST(s, test_flowvar_limits);
	CU_ADD_TEST(s, test_flowbits_checked_not_set_warning);
	CU_ADD_TEST(s, test_stream_size);
	CU_ADD_TEST(s, test_flow_age);
	CU_ADD_TEST(s, test_flow_pkts_bytes);
	CU_ADD_TEST(s, test_threshold_by_flow);
	CU_ADD_TEST(s, test_address_index);
	CU_ADD_TEST(s, test_direction_databases);
	CU_ADD_TEST(s, test_address_class_databases);
	CU_ADD_TEST(s, test_address_class_answers);
	CU_ADD_TEST(s, test_direction_sides);
	CU_ADD_TEST(s, test_header_prefilter);
	CU_ADD_TEST(s, test_streamed_packet_databases);
	{
		int rc = weir_ut_run();

		weir_rule_vars_free(&g_vars);
		return rc;
	}
}
