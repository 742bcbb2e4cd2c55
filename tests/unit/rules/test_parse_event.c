/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for decode-event, stream-event and engine-event
 * (rules/rules_parse_event.c), against Suricata's detect-engine-event.c:
 * decode-event:NAME is "decoder.NAME" looked up case-insensitively,
 * stream-event:NAME "stream.NAME" (two aliases), engine-event:NAME the
 * full name; an unknown name is refused as unknown, a name Suricata has
 * and weir does not raise "not supported yet"; every refusal is one
 * "file:line:col" diagnostic at the value. And the match side: an event
 * rule needs every one of its events on the packet, and a packet the
 * decoder rejected meets the event rules only.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "weir_cunit.h"

#include "dec_event.h"
#include "rules_int.h"

#define HDR "alert pkthdr any any -> any any ("

static struct weir_rule_vars g_vars;

static int
suite_init(void)
{
	return weir_rule_vars_defaults(&g_vars) == 0 ? 0 : 1;
}

static int
suite_clean(void)
{
	weir_rule_vars_free(&g_vars);
	return 0;
}

/* The ev_mask the rule with options @p opts gets; 0 when refused. */
static uint64_t
mask_of(const char *opts)
{
	struct weir_suri_rule_list l = {0};
	struct weir_diags ds;
	char text[512];
	uint64_t m = 0;

	snprintf(text, sizeof(text), HDR "%s sid:1;)", opts);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	if (weir_rules_parse_suri_rule("t.rules", 7, text, &g_vars, &l, &ds) == 0 && l.n == 1)
		m = l.v[0].ev_mask;
	else
		fprintf(stderr, "\n  refused: %s\n", text);
	weir_suri_rule_list_free(&l);
	weir_diags_free(&ds);
	return m;
}

/* @p opts is refused with one "t.rules:7:COL: ...MSG..." diagnostic, COL
 * the column of the first @p at in the rule, keyword @p kw. */
static void
expect_err(const char *opts, const char *at, const char *kw, const char *msg)
{
	struct weir_suri_rule_list l = {0};
	struct weir_diags ds;
	char text[512], want[64], got[512];
	const char *p;
	int rc;

	snprintf(text, sizeof(text), HDR "%s sid:1;)", opts);
	p = strstr(text, at);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	rc = weir_rules_parse_suri_rule("t.rules", 7, text, &g_vars, &l, &ds);
	CU_ASSERT(rc == -EINVAL && l.n == 0 && ds.total == 1);
	if (ds.n == 1) {
		weir_diag_format(&ds.v[0], got, sizeof(got));
		snprintf(want, sizeof(want), "t.rules:7:%u: ", (unsigned int)(p - text) + 1);
		if (strncmp(got, want, strlen(want)) != 0 || strstr(got, msg) == NULL ||
		    strcmp(ds.v[0].keyword, kw) != 0)
			fprintf(stderr, "\n  %s\n  got \"%s\" [%s], want \"%s...%s\" [%s]\n", text,
				got, ds.v[0].keyword, want, msg, kw);
		CU_ASSERT(strncmp(got, want, strlen(want)) == 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(got, msg));
		CU_ASSERT_STRING_EQUAL(ds.v[0].keyword, kw);
	} else {
		fprintf(stderr, "\n  accepted: %s\n", text);
	}
	weir_suri_rule_list_free(&l);
	weir_diags_free(&ds);
}

#define BIT(id) WEIR_PEV_BIT(WEIR_PEV_##id)

static void
test_names(void)
{
	/* decode-event adds "decoder."; the lookup ignores case
	 * (EngineEventTestParse02/03) */
	CU_ASSERT(mask_of("decode-event:ipv4.trunc_pkt;") == BIT(ipv4_trunc_pkt));
	CU_ASSERT(mask_of("decode-event:IPV4.TRUNC_PKT;") == BIT(ipv4_trunc_pkt));
	CU_ASSERT(mask_of("decode-event: ipv6.pkt_too_small ;") == BIT(ipv6_pkt_too_small));
	CU_ASSERT(mask_of("decode-event:ethernet.pkt_too_small;") == BIT(ethernet_pkt_too_small));
	CU_ASSERT(mask_of("decode-event:ipv4.frag_overlap;") == BIT(ipv4_frag_overlap));
	CU_ASSERT(mask_of("decode-event:ipv6.frag_pkt_too_large;") == BIT(ipv6_frag_pkt_too_large));
	CU_ASSERT(mask_of("decode-event:vlan.too_many_layers;") == BIT(vlan_too_many_layers));
	CU_ASSERT(mask_of("decode-event:gre.version0_recur;") == BIT(gre_version0_recur));
	/* engine-event takes the full name, decoder's and stream's */
	CU_ASSERT(mask_of("engine-event:decoder.tcp.hlen_too_small;") == BIT(tcp_hlen_too_small));
	CU_ASSERT(mask_of("engine-event:stream.pkt_retransmission;") ==
		  WEIR_PEV_BIT(WEIR_PEV_STREAM_PKT_RETRANSMISSION));
	CU_ASSERT(mask_of("stream-event:pkt_retransmission;") ==
		  WEIR_PEV_BIT(WEIR_PEV_STREAM_PKT_RETRANSMISSION));
	CU_ASSERT(mask_of("stream-event:reassembly_seq_gap;") ==
		  WEIR_PEV_BIT(WEIR_PEV_STREAM_REASSEMBLY_SEQ_GAP));
	/* several keywords: all of them (each its own sigmatch) */
	CU_ASSERT(mask_of("decode-event:ipv6.rh_type_0; decode-event:ipv6.exthdr_dupl_rh;") ==
		  (BIT(ipv6_rh_type_0) | BIT(ipv6_exthdr_dupl_rh)));
	/* with other keywords */
	CU_ASSERT(mask_of("decode-event:ipv4.icmpv6; ttl:64;") == BIT(ipv4_icmpv6));
	/* decoder.udp.hlen_invalid: Suricata loads it (OutdatedEvent, a
	 * warning) and never raises it */
	CU_ASSERT(mask_of("decode-event:udp.hlen_invalid;") == WEIR_PEV_BIT(WEIR_PEV_NEVER));
}

static void
test_refusals(void)
{
	expect_err("decode-event:ipv4.no_such_event;", "ipv4.no_such", "decode-event",
		   "unknown event \"decoder.ipv4.no_such_event\"");
	/* decode-event adds the prefix itself: decoder.decoder.... */
	expect_err("decode-event:decoder.ipv4.trunc_pkt;", "decoder.ipv4", "decode-event",
		   "unknown event \"decoder.decoder.ipv4.trunc_pkt\"");
	/* engine-event needs the prefix */
	expect_err("engine-event:ipv4.trunc_pkt;", "ipv4.trunc", "engine-event",
		   "unknown event \"ipv4.trunc_pkt\"");
	expect_err("stream-event:no_such;", "no_such", "stream-event",
		   "unknown event \"stream.no_such\"");
	/* a stream name is no decoder event */
	expect_err("decode-event:stream.pkt_retransmission;", "stream.pkt", "decode-event",
		   "unknown event");
	/* PARSE_REGEX: only [A-z0-9_+.], with a dot (EngineEventTestParse05) */
	expect_err("decode-event:IPV-6,INVALID_CHAR;", "IPV-6", "decode-event",
		   "invalid event name");
	expect_err("decode-event:\"ipv4.trunc_pkt\";", "\"ipv4", "decode-event",
		   "invalid event name");
}

static void
test_not_supported(void)
{
	expect_err("decode-event:ipv4.opt_invalid;", "ipv4.opt", "decode-event",
		   "event 'decoder.ipv4.opt_invalid' is not supported yet");
	expect_err("decode-event:tcp.opt_duplicate;", "tcp.opt", "decode-event",
		   "is not supported yet (weir's decoder");
	expect_err("engine-event:decoder.icmpv4.unknown_type;", "decoder.icmpv4", "engine-event",
		   "not supported yet");
	expect_err(
		"stream-event:3whs_ack_in_wrong_dir;", "3whs", "stream-event",
		"event 'stream.3whs_ack_in_wrong_dir' is not supported yet (weir's stream engine");
	/* the alias (DetectStreamEventSetup) names the event it stands for */
	expect_err("stream-event:est_synack_resend_with_different_ack;", "est_synack",
		   "stream-event", "'stream.est_synack_resend_with_diff_ack' is not supported yet");
	expect_err("decode-event;", "decode-event", "decode-event", "needs a value");
}

/* ---- matching ---------------------------------------------------------- */

static struct weir_ruleset *
build(const char *const *rules, unsigned int n)
{
	struct weir_suri_rule_list l = {0};
	struct weir_ruleset_opts o = {.vars = &g_vars};
	struct weir_ruleset *rs;
	struct weir_diags ds;
	unsigned int i, bad = 0;

	if (weir_diags_init(&ds, 8) != 0)
		return NULL;
	for (i = 0; i < n; i++)
		if (weir_rules_parse_suri_rule("t.rules", i + 1, rules[i], &g_vars, &l, &ds) != 0)
			bad++;
	rs = weir_compile_lists(NULL, &l, &o, &ds, bad);
	weir_diags_free(&ds);
	return rs;
}

static char g_sids[128];

static void
on_alert(void *ctx, uint32_t idx, uint32_t end)
{
	const struct weir_ruleset *rs = ctx;
	size_t o = strlen(g_sids);

	(void)end;
	snprintf(g_sids + o, sizeof(g_sids) - o, "%s%u", o ? "," : "", rs->rules[idx].sid);
}

/* The sids alerting on an IPv4 packet of class @p pclass carrying
 * @p events (rejected by the decoder: @p invalid), in rule order. */
static const char *
scan(const struct weir_ruleset *rs, uint8_t pclass, uint64_t events, int invalid)
{
	static const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
	struct weir_scan_pkt p = {
		.pclass = pclass,
		.ip_version = 4,
		.src = a,
		.dst = b,
		.sport = pclass < 2 ? 1234 : 0,
		.dport = pclass < 2 ? 80 : 0,
		.ts_ns = 1,
		.events = events,
		.invalid = (uint8_t)invalid,
	};
	struct weir_scan_res res;

	g_sids[0] = '\0';
	weir_ruleset_scan(rs, 0, &p, on_alert, (void *)rs, &res);
	return g_sids;
}

static void
test_match(void)
{
	static const char *const rules[] = {
		HDR "decode-event:ipv4.trunc_pkt; sid:1;)",
		HDR "decode-event:ipv6.rh_type_0; decode-event:ipv6.exthdr_dupl_rh; sid:2;)",
		HDR "ttl:64; sid:3;)",
		"alert tcp any any -> any 80 (decode-event:ipv4.icmpv6; sid:4;)",
		HDR "decode-event:udp.hlen_invalid; sid:5;)",
		HDR "stream-event:pkt_retransmission; sid:6;)",
	};
	struct weir_ruleset *rs = build(rules, 6);

	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	/* no stream rule, so no stream engine: sid 6 says it cannot match */
	CU_ASSERT(rs->n_warnings == 1 &&
		  strstr(rs->warnings[0], "t.rules:6: stream-event: sid 6") == rs->warnings[0]);
	CU_ASSERT(rs->events ==
		  (BIT(ipv4_trunc_pkt) | BIT(ipv6_rh_type_0) | BIT(ipv6_exthdr_dupl_rh) |
		   BIT(ipv4_icmpv6) | WEIR_PEV_BIT(WEIR_PEV_NEVER) |
		   WEIR_PEV_BIT(WEIR_PEV_STREAM_PKT_RETRANSMISSION)));
	/* no event: no event rule (sid 3 has no ttl to read: no l3) */
	CU_ASSERT_STRING_EQUAL(scan(rs, WEIR_PCLASS_OTHER, 0, 0), "");
	CU_ASSERT_STRING_EQUAL(scan(rs, WEIR_PCLASS_OTHER, BIT(ipv4_trunc_pkt), 1), "1");
	CU_ASSERT_STRING_EQUAL(scan(rs, WEIR_PCLASS_OTHER, BIT(ipv4_trunc_pkt), 0), "1");
	/* both events needed */
	CU_ASSERT_STRING_EQUAL(scan(rs, WEIR_PCLASS_OTHER, BIT(ipv6_rh_type_0), 0), "");
	CU_ASSERT_STRING_EQUAL(
		scan(rs, WEIR_PCLASS_OTHER, BIT(ipv6_rh_type_0) | BIT(ipv6_exthdr_dupl_rh), 0),
		"2");
	/* a pkthdr rule applies to TCP packets too; a tcp rule not to a
	 * rejected packet's class OTHER */
	CU_ASSERT_STRING_EQUAL(scan(rs, WEIR_PCLASS_TCP, BIT(ipv4_icmpv6) | BIT(ipv4_trunc_pkt), 0),
			       "1,4");
	CU_ASSERT_STRING_EQUAL(scan(rs, WEIR_PCLASS_OTHER, BIT(ipv4_icmpv6), 1), "");
	CU_ASSERT_STRING_EQUAL(
		scan(rs, WEIR_PCLASS_TCP, WEIR_PEV_BIT(WEIR_PEV_STREAM_PKT_RETRANSMISSION), 0),
		"6");
	/* every decoder bit at once: never the outdated one */
	CU_ASSERT_STRING_EQUAL(scan(rs, WEIR_PCLASS_OTHER, WEIR_PEV_BIT(WEIR_PEV_DECODER_N) - 1, 1),
			       "1,2");
	weir_ruleset_free(rs);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("parse_event", suite_init, suite_clean);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_names);
	CU_ADD_TEST(s, test_refusals);
	CU_ADD_TEST(s, test_not_supported);
	CU_ADD_TEST(s, test_match);
	return weir_ut_run();
}
