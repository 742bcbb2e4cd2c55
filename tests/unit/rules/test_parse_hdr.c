/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the header keywords (rules/rules_parse_hdr.c and
 * rules/rules_match_hdr.c): each keyword's value becomes the condition
 * Suricata's parser makes of it (uint.rs for the numbers, the bit flag
 * syntax of flags and fragbits, the C parsers of tos, icmp_id, ipopts and
 * ip_proto), every refusal is one "file:line:col" diagnostic at the place
 * Suricata's parser stops, and the match side reads the right field of
 * crafted headers and fails on packets that lack it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "weir_cunit.h"

#include "rules_int.h"

#define HDR "alert tcp any any -> any any ("

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

/* Parse @p text; on success the one rule is l->v[0]. */
static int
parse1(const char *text, struct weir_suri_rule_list *l, struct weir_diags *ds)
{
	return weir_rules_parse_suri_rule("t.rules", 7, text, &g_vars, l, ds);
}

/* @p text parses; its last header condition is (kind, mode, a, b). */
static void
expect_cond(const char *text, uint8_t kind, uint8_t mode, uint64_t a, uint64_t b)
{
	struct weir_suri_rule_list l = {0};
	struct weir_diags ds;
	const struct weir_hdr_cond *h;
	int rc;

	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	rc = parse1(text, &l, &ds);
	if (rc != 0 || l.n != 1) {
		char buf[512] = "";

		if (ds.n > 0)
			weir_diag_format(&ds.v[0], buf, sizeof(buf));
		fprintf(stderr, "\n  refused: %s\n  %s\n", text, buf);
		CU_FAIL("rule refused");
		goto out;
	}
	CU_ASSERT_FATAL(l.v[0].n_hdr > 0);
	h = &l.v[0].hdr[l.v[0].n_hdr - 1];
	if (h->kind != kind || h->c.mode != mode || h->c.a != a || h->c.b != b)
		fprintf(stderr, "\n  %s: got kind %u mode %u a %llu b %llu\n", text, h->kind,
			h->c.mode, (unsigned long long)h->c.a, (unsigned long long)h->c.b);
	CU_ASSERT(h->kind == kind && h->c.mode == mode && h->c.a == a && h->c.b == b);
out:
	weir_suri_rule_list_free(&l);
	weir_diags_free(&ds);
}

/* @p text is refused with one "t.rules:7:COL: ...MSG..." diagnostic, COL
 * the column of the first @p at in the text, keyword @p kw. */
static void
expect_err(const char *text, const char *at, const char *kw, const char *msg)
{
	struct weir_suri_rule_list l = {0};
	struct weir_diags ds;
	char want[64], got[512];
	const char *p = strstr(text, at);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	rc = parse1(text, &l, &ds);
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

static void
test_flags(void)
{
	/* rust/src/detect/tcp/flags.rs: no modifier = exactly these (mask
	 * 0xff less the ignored flags), + all of, * any of, ! not all of */
	expect_cond(HDR "flags:S; sid:1;)", WEIR_HDR_TCP_FLAGS, WEIR_UINT_BITMASK, 0xff, 0x02);
	expect_cond(HDR "flags:SA; sid:1;)", WEIR_HDR_TCP_FLAGS, WEIR_UINT_BITMASK, 0xff, 0x12);
	expect_cond(HDR "flags: S,12; sid:1;)", WEIR_HDR_TCP_FLAGS, WEIR_UINT_BITMASK, 0x3f, 0x02);
	expect_cond(HDR "flags:S,CE; sid:1;)", WEIR_HDR_TCP_FLAGS, WEIR_UINT_BITMASK, 0x3f, 0x02);
	expect_cond(HDR "flags:+AP; sid:1;)", WEIR_HDR_TCP_FLAGS, WEIR_UINT_BITMASK, 0x18, 0x18);
	expect_cond(HDR "flags:AP+; sid:1;)", WEIR_HDR_TCP_FLAGS, WEIR_UINT_BITMASK, 0x18, 0x18);
	expect_cond(HDR "flags:*SA; sid:1;)", WEIR_HDR_TCP_FLAGS, WEIR_UINT_NEG_BITMASK, 0x12, 0);
	expect_cond(HDR "flags:!PA; sid:1;)", WEIR_HDR_TCP_FLAGS, WEIR_UINT_NEG_BITMASK, 0x18,
		    0x18);
	expect_cond(HDR "flags:-R; sid:1;)", WEIR_HDR_TCP_FLAGS, WEIR_UINT_NEG_BITMASK, 0x04, 0x04);
	expect_cond(HDR "flags:=S,U; sid:1;)", WEIR_HDR_TCP_FLAGS, WEIR_UINT_BITMASK, 0xdf, 0x02);
	expect_cond(HDR "flags:fsrpauec; sid:1;)", WEIR_HDR_TCP_FLAGS, WEIR_UINT_BITMASK, 0xff,
		    0xff);
	/* a number condition first: flags:0 is no flag at all */
	expect_cond(HDR "flags:0; sid:1;)", WEIR_HDR_TCP_FLAGS, WEIR_UINT_EQ, 0, 0);
	expect_cond(HDR "flags:&0x12=0x02; sid:1;)", WEIR_HDR_TCP_FLAGS, WEIR_UINT_BITMASK, 0x12,
		    0x02);
	expect_cond(HDR "tcp.flags:PA; sid:1;)", WEIR_HDR_TCP_FLAGS, WEIR_UINT_BITMASK, 0xff, 0x18);

	expect_err(HDR "flags:SG; sid:1;)", "G;", "flags", "flags: bad character 'G'");
	expect_err(HDR "flags:+S*; sid:1;)", "*;", "flags", "flags: only one modifier");
	expect_err(HDR "flags:S,A,F; sid:1;)", ",F", "flags", "flags: too many commas");
	expect_err(HDR "flags:+S,C; sid:1;)", ",C", "flags", "ignored flags after ','");
	expect_err(HDR "flags:S,+; sid:1;)", "+;", "flags", "flags: only one modifier");
	expect_err(HDR "flags:SAS; sid:1;)", "S; sid", "flags", "flags: flag 'S' is repeated");
	expect_err(HDR "flags:S, 12; sid:1;)", " 12", "flags", "flags: bad character ' '");
	expect_err(HDR "flags; sid:1;)", "flags", "flags", "flags needs a value");
	expect_err(HDR "tcp.flags:X; sid:1;)", "X;", "tcp.flags", "tcp.flags: bad character");
}

static void
test_uint_keywords(void)
{
	expect_cond(HDR "itype:8; sid:1;)", WEIR_HDR_ITYPE, WEIR_UINT_EQ, 8, 0);
	expect_cond(HDR "itype: 8; sid:1;)", WEIR_HDR_ITYPE, WEIR_UINT_EQ, 8, 0);
	expect_cond(HDR "itype:>8; sid:1;)", WEIR_HDR_ITYPE, WEIR_UINT_GT, 8, 0);
	expect_cond(HDR "itype:  8  <> 20 ; sid:1;)", WEIR_HDR_ITYPE, WEIR_UINT_RANGE, 8, 20);
	expect_cond(HDR "icode:!0; sid:1;)", WEIR_HDR_ICODE, WEIR_UINT_NE, 0, 0);
	expect_cond(HDR "ttl:10-20; sid:1;)", WEIR_HDR_TTL, WEIR_UINT_RANGE, 10, 20);
	expect_cond(HDR "ttl:<=5; sid:1;)", WEIR_HDR_TTL, WEIR_UINT_LE, 5, 0);
	expect_cond(HDR "ttl:!10-20; sid:1;)", WEIR_HDR_TTL, WEIR_UINT_NEG_RANGE, 10, 20);
	expect_cond(HDR "ttl:0xff; sid:1;)", WEIR_HDR_TTL, WEIR_UINT_EQ, 255, 0);
	expect_cond(HDR "seq:4294967295; sid:1;)", WEIR_HDR_TCP_SEQ, WEIR_UINT_EQ, 4294967295u, 0);
	expect_cond(HDR "tcp.seq:>1; sid:1;)", WEIR_HDR_TCP_SEQ, WEIR_UINT_GT, 1, 0);
	expect_cond(HDR "ack:42; sid:1;)", WEIR_HDR_TCP_ACK, WEIR_UINT_EQ, 42, 0);
	expect_cond(HDR "tcp.ack:42; sid:1;)", WEIR_HDR_TCP_ACK, WEIR_UINT_EQ, 42, 0);
	expect_cond(HDR "window:!35402; sid:1;)", WEIR_HDR_TCP_WINDOW, WEIR_UINT_NE, 35402, 0);
	expect_cond(HDR "tcp.window:1024; sid:1;)", WEIR_HDR_TCP_WINDOW, WEIR_UINT_EQ, 1024, 0);
	expect_cond(HDR "tcp.mss:<536; sid:1;)", WEIR_HDR_TCP_MSS, WEIR_UINT_LT, 536, 0);
	expect_cond(HDR "icmpv6.mtu:>=1280; sid:1;)", WEIR_HDR_ICMPV6_MTU, WEIR_UINT_GE, 1280, 0);
	expect_cond(HDR "fragoffset:>0; sid:1;)", WEIR_HDR_FRAGOFFSET, WEIR_UINT_GT, 0, 0);
	expect_cond(HDR "id:\"1234\"; sid:1;)", WEIR_HDR_IP_ID, WEIR_UINT_EQ, 1234, 0);
	expect_cond(HDR "id:<100; sid:1;)", WEIR_HDR_IP_ID, WEIR_UINT_LT, 100, 0);

	/* each keyword's width bounds its numbers (u8, u16, u32) */
	expect_err(HDR "itype:256; sid:1;)", "256", "itype", "itype: number out of range");
	expect_err(HDR "ttl:>255; sid:1;)", ">255", "ttl", "the condition always or never holds");
	expect_err(HDR "window:1235402; sid:1;)", "1235402", "window", "number out of range");
	expect_err(HDR "seq:4294967296; sid:1;)", "4294967296", "seq", "number out of range");
	expect_err(HDR "ack:foo; sid:1;)", "foo", "ack", "ack: expected a number or an operator");
	expect_err(HDR "ack:-100; sid:1;)", "-100", "ack", "expected a number or an operator");
	expect_err(HDR "itype:> 8 <> 20; sid:1;)", "<> 20", "itype",
		   "unexpected text after the condition");
	expect_err(HDR "ttl:20-10; sid:1;)", "10;", "ttl", "range A-B needs B above A + 1");
	expect_err(HDR "icode; sid:1;)", "icode", "icode", "icode needs a value");
	expect_err(HDR "id:\"12; sid:1;)", "\"12", "id", "id: the '\"' here is never closed");
	expect_err(HDR "tcp.mss:65536; sid:1;)", "65536", "tcp.mss", "number out of range");
}

static void
test_own_parsers(void)
{
	/* tos: [!] then decimal or xHH (detect-tos.c) */
	expect_cond(HDR "tos:8; sid:1;)", WEIR_HDR_TOS, WEIR_UINT_EQ, 8, 0);
	expect_cond(HDR "tos: ! 10; sid:1;)", WEIR_HDR_TOS, WEIR_UINT_NE, 10, 0);
	expect_cond(HDR "tos:x12; sid:1;)", WEIR_HDR_TOS, WEIR_UINT_EQ, 0x12, 0);
	expect_cond(HDR "tos:X1f; sid:1;)", WEIR_HDR_TOS, WEIR_UINT_EQ, 0x1f, 0);
	expect_cond(HDR "tos:\"20\"; sid:1;)", WEIR_HDR_TOS, WEIR_UINT_EQ, 20, 0);
	expect_err(HDR "tos:256; sid:1;)", "256", "tos", "tos: 256 is out of range (0..255)");
	expect_err(HDR "tos:x121; sid:1;)", "121", "tos", "tos: expected [!]N");
	expect_err(HDR "tos:boom; sid:1;)", "boom", "tos", "tos: expected [!]N");
	expect_err(HDR "tos:1234; sid:1;)", "1234", "tos", "tos: expected [!]N");

	/* icmp_id / icmp_seq: a number 0..65535, quotes balanced */
	expect_cond(HDR "icmp_id:300; sid:1;)", WEIR_HDR_ICMP_ID, WEIR_UINT_EQ, 300, 0);
	expect_cond(HDR "icmp_id:   \"   300 \"; sid:1;)", WEIR_HDR_ICMP_ID, WEIR_UINT_EQ, 300, 0);
	expect_cond(HDR "icmp_seq:0; sid:1;)", WEIR_HDR_ICMP_SEQ, WEIR_UINT_EQ, 0, 0);
	expect_err(HDR "icmp_id:\"300; sid:1;)", "\"300", "icmp_id", "missing close quote");
	expect_err(HDR "icmp_seq:300\"; sid:1;)", "\"; sid", "icmp_seq", "missing open quote");
	expect_err(HDR "icmp_seq:65536; sid:1;)", "65536", "icmp_seq", "out of range (0..65535)");
	expect_err(HDR "icmp_id:!5; sid:1;)", "!5", "icmp_id", "expected a number 0..65535");

	/* ipopts: one name, any case (detect-ipopts.c) */
	expect_cond(HDR "ipopts:rr; sid:1;)", WEIR_HDR_IPOPTS, WEIR_UINT_BITMASK, WEIR_IPOPT_RR, 0);
	expect_cond(HDR "ipopts:LSRR; sid:1;)", WEIR_HDR_IPOPTS, WEIR_UINT_BITMASK, WEIR_IPOPT_LSRR,
		    0);
	expect_cond(HDR "ipopts:any; sid:1;)", WEIR_HDR_IPOPTS, WEIR_UINT_BITMASK, WEIR_IPOPT_ANY,
		    0);
	expect_err(HDR "ipopts:rr,ts; sid:1;)", "rr,ts", "ipopts", "ipopts: unknown option");

	/* fragbits: uint.rs bit flags, one modifier first */
	expect_cond(HDR "fragbits:M; sid:1;)", WEIR_HDR_FRAGBITS, WEIR_UINT_EQ, 0x2000, 0);
	expect_cond(HDR "fragbits:+MD; sid:1;)", WEIR_HDR_FRAGBITS, WEIR_UINT_BITMASK, 0x6000,
		    0x6000);
	expect_cond(HDR "fragbits:+M!D; sid:1;)", WEIR_HDR_FRAGBITS, WEIR_UINT_BITMASK, 0x6000,
		    0x2000);
	expect_cond(HDR "fragbits:*MR; sid:1;)", WEIR_HDR_FRAGBITS, WEIR_UINT_NEG_BITMASK, 0xa000,
		    0);
	expect_cond(HDR "fragbits:!D; sid:1;)", WEIR_HDR_FRAGBITS, WEIR_UINT_NEG_BITMASK, 0x4000,
		    0x4000);
	expect_cond(HDR "fragbits:&0x2000=0x2000; sid:1;)", WEIR_HDR_FRAGBITS, WEIR_UINT_BITMASK,
		    0x2000, 0x2000);
	expect_err(HDR "fragbits:G; sid:1;)", "G;", "fragbits", "fragbits: unexpected 'G'");
	expect_err(HDR "fragbits:M+; sid:1;)", "+;", "fragbits", "fragbits: unexpected '+'");
	expect_err(HDR "fragbits:MM; sid:1;)", "M; sid", "fragbits", "flag 'M' is repeated");

	/* sameip takes no value */
	expect_cond("alert ip any any -> any any (sameip; sid:1;)", WEIR_HDR_SAMEIP, 0, 0, 0);
	expect_err("alert ip any any -> any any (sameip:1; sid:1;)", "sameip", "sameip",
		   "sameip takes no value");
}

static void
test_ip_proto(void)
{
	expect_cond("alert ip any any -> any any (ip_proto:41; sid:1;)", WEIR_HDR_IP_PROTO,
		    WEIR_UINT_EQ, 41, 0);
	expect_cond("alert ip any any -> any any (ip_proto:tcp; sid:1;)", WEIR_HDR_IP_PROTO,
		    WEIR_UINT_EQ, 6, 0);
	expect_cond("alert ip any any -> any any (ip_proto:IPV6-ICMP; sid:1;)", WEIR_HDR_IP_PROTO,
		    WEIR_UINT_EQ, 58, 0);
	expect_cond("alert ip any any -> any any (ip_proto:!6; ip_proto:<20; sid:1;)",
		    WEIR_HDR_IP_PROTO, WEIR_UINT_LT, 20, 0);
	expect_cond("alert ip any any -> any any (ip_proto:>10; ip_proto:<20; sid:1;)",
		    WEIR_HDR_IP_PROTO, WEIR_UINT_LT, 20, 0);
	expect_cond("alert ip any any -> any any (ip_proto:!6; ip_proto:!17; sid:1;)",
		    WEIR_HDR_IP_PROTO, WEIR_UINT_NE, 17, 0);

	expect_err(HDR "ip_proto:6; sid:1;)", "ip_proto", "ip_proto",
		   "ip_proto: only on rules of protocol ip");
	expect_err("alert ip any any -> any any (ip_proto:256; sid:1;)", "256", "ip_proto",
		   "protocol number 256 is out of range");
	expect_err("alert ip any any -> any any (ip_proto:foo; sid:1;)", "foo", "ip_proto",
		   "unknown protocol name \"foo\"");
	expect_err("alert ip any any -> any any (ip_proto:6; ip_proto:!17; sid:1;)", "ip_proto:!17",
		   "ip_proto", "'!' cannot be combined with an ip_proto without");
	expect_err("alert ip any any -> any any (ip_proto:!17; ip_proto:6; sid:1;)", "ip_proto:6",
		   "ip_proto", "without an operator cannot be combined");
	expect_err("alert ip any any -> any any (ip_proto:>20; ip_proto:>30; sid:1;)",
		   "ip_proto:>30", "ip_proto", "'>' cannot be combined");
	expect_err("alert ip any any -> any any (ip_proto:>20; ip_proto:<10; sid:1;)", "10;",
		   "ip_proto", "the '<' must be above the '>'");
	expect_err("alert ip any any -> any any (ip_proto:< 6 7; sid:1;)", " 7", "ip_proto",
		   "expected [!|<|>]<protocol number or name>");
}

static void
test_protocols_and_dsize(void)
{
	struct weir_suri_rule_list l = {0};
	struct weir_diags ds;

	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	CU_ASSERT(parse1("alert tcp-pkt any any -> any 80 (content:\"a\"; sid:1;)", &l, &ds) == 0);
	CU_ASSERT(l.n == 1 && l.v[0].proto == WEIR_RPROTO_TCP && l.v[0].tcp_pkt);
	weir_suri_rule_list_free(&l);
	weir_diags_free(&ds);
	expect_err("alert tcp-stream any any -> any any (flow:no_stream; sid:1;)", "no_stream",
		   "flow", "flow: 'no_stream' cannot be used with protocol tcp-stream");
	expect_err("alert tcp-pkt any any -> any any (ip_proto:6; sid:1;)", "ip_proto", "ip_proto",
		   "only on rules of protocol ip");
	expect_err(HDR "dsize:5; dsize:6; sid:1;)", "dsize:6", "dsize", "duplicate 'dsize'");
}

/* ---- match ---------------------------------------------------------------- */

/* An IPv4 header (20 bytes + @p nopt option bytes) and a TCP header. */
static void
mk_v4_tcp(uint8_t *ip, const uint8_t *opt, unsigned int nopt, uint8_t *tcp, struct weir_scan_pkt *p)
{
	memset(ip, 0, 20);
	ip[0] = (uint8_t)(0x40 | (20 + nopt) / 4);
	ip[1] = 0x10;		    /* tos */
	ip[4] = 0x04, ip[5] = 0xd2; /* id 1234 */
	ip[6] = 0x20, ip[7] = 0x0c; /* M, offset 12 */
	ip[8] = 33;		    /* ttl */
	ip[9] = 6;
	memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x01", 8);
	if (nopt > 0)
		memcpy(ip + 20, opt, nopt);
	memset(tcp, 0, 24);
	tcp[4] = 0, tcp[5] = 0, tcp[6] = 0x30, tcp[7] = 0x39; /* seq 12345 */
	tcp[11] = 42;					      /* ack 42 */
	tcp[12] = 6 << 4;				      /* 24 bytes */
	tcp[13] = 0x12;					      /* SA */
	tcp[14] = 0x04, tcp[15] = 0x00;			      /* window 1024 */
	memcpy(tcp + 20, "\x02\x04\x05\xb4", 4);	      /* mss 1460 */
	memset(p, 0, sizeof(*p));
	p->pclass = WEIR_PCLASS_TCP;
	p->ip_version = 4;
	p->ip_proto = 6;
	p->src = ip + 12;
	p->dst = ip + 16;
	p->l3 = ip;
	p->l3_len = (uint16_t)(20 + nopt);
	p->l4 = tcp;
	p->l4_len = 24;
}

/* Does the rule "alert ip any any -> any any (@p opts sid:1;)" match @p p? */
static int
rule_matches(const char *opts, const struct weir_scan_pkt *p)
{
	struct weir_suri_rule_list l = {0};
	struct weir_diags ds;
	char text[256];
	int m = -1;

	snprintf(text, sizeof(text), "alert ip any any -> any any (%s sid:1;)", opts);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	if (parse1(text, &l, &ds) == 0 && l.n == 1)
		m = weir_hdr_match(&l.v[0], p) ? 1 : 0;
	if (m < 0)
		fprintf(stderr, "\n  refused: %s\n", text);
	weir_suri_rule_list_free(&l);
	weir_diags_free(&ds);
	return m;
}

static void
test_match_fields(void)
{
	static const uint8_t rr[] = {0x01, 0x07, 0x07, 0x04, 0, 0, 0, 0}; /* NOP, RR */
	uint8_t ip[60], tcp[24], icmp[8] = {2, 0, 0, 0, 0, 0, 0x05, 0x00};
	struct weir_scan_pkt p;

	mk_v4_tcp(ip, rr, sizeof(rr), tcp, &p);
	CU_ASSERT(rule_matches("flags:SA;", &p) == 1);
	CU_ASSERT(rule_matches("flags:S;", &p) == 0);
	CU_ASSERT(rule_matches("flags:+S;", &p) == 1);
	CU_ASSERT(rule_matches("seq:12345; ack:42; window:1024;", &p) == 1);
	CU_ASSERT(rule_matches("tcp.mss:1460;", &p) == 1);
	CU_ASSERT(rule_matches("tcp.mss:!1460;", &p) == 0);
	CU_ASSERT(rule_matches("ttl:33; tos:x10; id:1234;", &p) == 1);
	CU_ASSERT(rule_matches("fragoffset:12;", &p) == 1);
	CU_ASSERT(rule_matches("fragbits:+M;", &p) == 1);
	CU_ASSERT(rule_matches("fragbits:M;", &p) == 0); /* the offset is not 0 */
	CU_ASSERT(rule_matches("ipopts:rr;", &p) == 1);
	CU_ASSERT(rule_matches("ipopts:nop;", &p) == 1);
	CU_ASSERT(rule_matches("ipopts:ts;", &p) == 0);
	CU_ASSERT(rule_matches("sameip;", &p) == 1);
	CU_ASSERT(rule_matches("ip_proto:tcp;", &p) == 1);
	CU_ASSERT(rule_matches("itype:0;", &p) == 0); /* not ICMP */
	CU_ASSERT(rule_matches("icmp_seq:0;", &p) == 0);

	/* ICMP destination unreachable: type and code, no id or sequence */
	icmp[0] = 3;
	icmp[1] = 1;
	p.pclass = WEIR_PCLASS_ICMP;
	p.ip_proto = 1;
	p.l4 = icmp;
	p.l4_len = sizeof(icmp);
	CU_ASSERT(rule_matches("itype:3; icode:1;", &p) == 1);
	CU_ASSERT(rule_matches("icmp_seq:1280;", &p) == 0);
	CU_ASSERT(rule_matches("flags:0;", &p) == 0); /* not TCP */
	icmp[0] = 8;				      /* echo: seq 0x0500 */
	CU_ASSERT(rule_matches("icmp_seq:1280; icmp_id:0;", &p) == 1);
	CU_ASSERT(rule_matches("icmpv6.mtu:1280;", &p) == 0); /* ICMPv4 */
	icmp[0] = 2;					      /* ICMPv6 too big */
	icmp[1] = 0;
	p.ip_proto = 58;
	CU_ASSERT(rule_matches("icmpv6.mtu:1280;", &p) == 1);
	CU_ASSERT(rule_matches("icmp_seq:1280;", &p) == 0);
}

/* vlan.id's layers (any, all, an index from either end) and vlan.layers */
static void
test_match_vlan(void)
{
	uint8_t ip[60], tcp[24];
	struct weir_scan_pkt p;

	mk_v4_tcp(ip, NULL, 0, tcp, &p);
	p.n_vlan = 0;
	CU_ASSERT(rule_matches("vlan.layers:0;", &p) == 1);
	CU_ASSERT(rule_matches("vlan.id:!5;", &p) == 0); /* no tag: no match */
	CU_ASSERT(rule_matches("vlan.id:>0,all;", &p) == 0);
	p.n_vlan = 2;
	p.vlan[0] = 100;
	p.vlan[1] = 200;
	CU_ASSERT(rule_matches("vlan.layers:2;", &p) == 1);
	CU_ASSERT(rule_matches("vlan.id:200;", &p) == 1);
	CU_ASSERT(rule_matches("vlan.id:200,0;", &p) == 0);
	CU_ASSERT(rule_matches("vlan.id:200,1;", &p) == 1);
	CU_ASSERT(rule_matches("vlan.id:200,-1;", &p) == 1);
	CU_ASSERT(rule_matches("vlan.id:100,-2;", &p) == 1);
	CU_ASSERT(rule_matches("vlan.id:>=100,all;", &p) == 1);
	CU_ASSERT(rule_matches("vlan.id:>100,all;", &p) == 0);
	CU_ASSERT(rule_matches("vlan.id:100-200;", &p) == 0); /* exclusive */
	p.n_vlan = 1;
	CU_ASSERT(rule_matches("vlan.id:100,-2;", &p) == 0); /* no such layer */
	CU_ASSERT(rule_matches("vlan.id:100,1;", &p) == 0);
	CU_ASSERT(rule_matches("vlan.id:100,-1;", &p) == 1);
}

/* The header buffers' bytes: lengths from the headers themselves, none
 * for a packet without the header. */
static void
test_hdr_buffers(void)
{
	static const uint8_t rr[] = {0x01, 0x07, 0x07, 0x04, 0, 0, 0, 0};
	uint8_t ip[60], tcp[24], icmp[40] = {0};
	struct weir_scan_pkt p;
	const uint8_t *d = NULL;
	uint32_t n = 0;

	mk_v4_tcp(ip, rr, sizeof(rr), tcp, &p);
	CU_ASSERT(weir_hdr_buf(&p, WEIR_BUF_IPV4_HDR, &d, &n) && d == ip && n == 28);
	CU_ASSERT(weir_hdr_buf(&p, WEIR_BUF_TCP_HDR, &d, &n) && d == tcp && n == 24);
	CU_ASSERT(!weir_hdr_buf(&p, WEIR_BUF_UDP_HDR, &d, &n));
	CU_ASSERT(!weir_hdr_buf(&p, WEIR_BUF_IPV6_HDR, &d, &n));
	CU_ASSERT(!weir_hdr_buf(&p, WEIR_BUF_ICMPV4_HDR, &d, &n));
	tcp[12] = 0x40; /* data offset 4: shorter than a TCP header */
	CU_ASSERT(!weir_hdr_buf(&p, WEIR_BUF_TCP_HDR, &d, &n));
	tcp[12] = 0x70; /* 28 bytes: more than the segment holds */
	CU_ASSERT(!weir_hdr_buf(&p, WEIR_BUF_TCP_HDR, &d, &n));

	/* ICMPv4: 8 bytes; a timestamp with its 12 bytes: 20; a router
	 * advertisement: 8 + count * entry words * 4 when present */
	p.pclass = WEIR_PCLASS_ICMP;
	p.ip_proto = 1;
	p.l4 = icmp;
	p.l4_len = 19;
	icmp[0] = 13;
	CU_ASSERT(weir_hdr_buf(&p, WEIR_BUF_ICMPV4_HDR, &d, &n) && n == 8);
	p.l4_len = 20;
	CU_ASSERT(weir_hdr_buf(&p, WEIR_BUF_ICMPV4_HDR, &d, &n) && n == 20);
	icmp[0] = 9;
	icmp[4] = 2; /* two addresses */
	icmp[5] = 2; /* of two words each */
	p.l4_len = 40;
	CU_ASSERT(weir_hdr_buf(&p, WEIR_BUF_ICMPV4_HDR, &d, &n) && n == 24);
	icmp[4] = 5;
	CU_ASSERT(weir_hdr_buf(&p, WEIR_BUF_ICMPV4_HDR, &d, &n) && n == 8);
	CU_ASSERT(!weir_hdr_buf(&p, WEIR_BUF_ICMPV6_HDR, &d, &n)); /* IPv4 */
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("parse_hdr", suite_init, suite_clean);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_flags);
	CU_ADD_TEST(s, test_uint_keywords);
	CU_ADD_TEST(s, test_own_parsers);
	CU_ADD_TEST(s, test_ip_proto);
	CU_ADD_TEST(s, test_protocols_and_dsize);
	CU_ADD_TEST(s, test_match_fields);
	CU_ADD_TEST(s, test_match_vlan);
	CU_ADD_TEST(s, test_hdr_buffers);
	return weir_ut_run();
}
