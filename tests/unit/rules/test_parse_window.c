/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for weir's stateful rule keywords field: and window:
 * (rules/rules_parse_window.c, README "Stateful rules (windows)"): the
 * accepted forms of the contract fill the rule's fields and window, every
 * refusal of the contract gives one "file:line:col" diagnostic at the
 * offending token, Suricata's own window:N (TCP window) still parses as
 * before, and the clause hash ignores blanks but not meaning.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_cunit.h"

#include "rules_int.h"

#define HDR "alert tcp any any -> any any (content:\"x\"; "

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

static int
parse1(const char *text, struct weir_suri_rule_list *l, struct weir_diags *ds)
{
	return weir_rules_parse_suri_rule("t.rules", 7, text, &g_vars, l, ds);
}

/* Parse one good rule into @p l (fresh); NULL (and a message) if refused. */
static struct weir_suri_rule *
good(const char *text, struct weir_suri_rule_list *l)
{
	struct weir_diags ds;
	int rc;

	memset(l, 0, sizeof(*l));
	if (weir_diags_init(&ds, 4) != 0)
		return NULL;
	rc = parse1(text, l, &ds);
	if (rc != 0 || ds.total != 0 || l->n != 1) {
		char buf[512] = "";

		if (ds.n > 0)
			weir_diag_format(&ds.v[0], buf, sizeof(buf));
		fprintf(stderr, "\n  rule refused: %s\n  %s\n", text, buf);
		weir_diags_free(&ds);
		weir_suri_rule_list_free(l);
		return NULL;
	}
	weir_diags_free(&ds);
	return &l->v[0];
}

/* @p text is refused with one diagnostic at the first @p at, keyword
 * @p kw, its message holding @p msg. */
static void
expect_err(const char *text, const char *at, const char *kw, const char *msg)
{
	struct weir_suri_rule_list l = {0};
	struct weir_diags ds;
	char want[64], got[512];
	const char *p;
	int rc;

	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	p = strstr(text, at);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	rc = parse1(text, &l, &ds);
	CU_ASSERT(rc == -EINVAL);
	CU_ASSERT(l.n == 0);
	CU_ASSERT(ds.total == 1);
	if (ds.n == 0) {
		fprintf(stderr, "\n  accepted: %s\n", text);
		weir_suri_rule_list_free(&l);
		weir_diags_free(&ds);
		return;
	}
	weir_diag_format(&ds.v[0], got, sizeof(got));
	snprintf(want, sizeof(want), "t.rules:7:%u: ", (unsigned int)(p - text) + 1);
	if (strncmp(got, want, strlen(want)) != 0 || strstr(got, msg) == NULL ||
	    strcmp(ds.v[0].keyword, kw) != 0)
		fprintf(stderr, "\n  %s\n  got \"%s\" [%s], want \"%s...%s\" [%s]\n", text, got,
			ds.v[0].keyword, want, msg, kw);
	CU_ASSERT(strncmp(got, want, strlen(want)) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, msg));
	CU_ASSERT_STRING_EQUAL(ds.v[0].keyword, kw);
	weir_suri_rule_list_free(&l);
	weir_diags_free(&ds);
}

static void
test_accept_issue_example(void)
{
	struct weir_suri_rule_list l;
	struct weir_suri_rule *r =
		good("alert tcp any any -> any any (msg:\"card in 3 cities within 10 min\"; "
		     "content:\"\\\"card\\\"\"; field:card,json,card,sensitive; "
		     "field:city,json,city; window:key card, length 10m, distinct(city) >= 3; "
		     "sid:9001; rev:1;)",
		     &l);
	char line[256];

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->n_fields, 2);
	CU_ASSERT_STRING_EQUAL(r->fields[0].name, "card");
	CU_ASSERT_STRING_EQUAL(r->fields[0].key, "card");
	CU_ASSERT_EQUAL(r->fields[0].klen, 4);
	CU_ASSERT_EQUAL(r->fields[0].src, WEIR_RFS_JSON);
	CU_ASSERT(r->fields[0].sensitive);
	CU_ASSERT(!r->fields[1].sensitive);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->win);
	CU_ASSERT_EQUAL(r->win->n_key, 1);
	CU_ASSERT_EQUAL(r->win->key[0].kind, WEIR_RWK_FIELD);
	CU_ASSERT_EQUAL(r->win->key[0].field, 0);
	CU_ASSERT_EQUAL(r->win->length_ns, 600ull * 1000000000ull);
	CU_ASSERT_EQUAL(r->win->n_cond, 1);
	CU_ASSERT_EQUAL(r->win->cond[0].agg, WEIR_RWA_DISTINCT);
	CU_ASSERT_EQUAL(r->win->cond[0].op, WEIR_RWO_GE);
	CU_ASSERT_EQUAL(r->win->cond[0].field, 1);
	CU_ASSERT(r->win->cond[0].n == 3.0);
	CU_ASSERT(!r->win->fire_each);
	CU_ASSERT_EQUAL(r->win->time_field, -1);
	CU_ASSERT(r->win->clause_hash != 0);
	weir_rwin_explain(r->win, r->fields, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "key card, length 10m, when distinct(city) >= 3, fire once, "
				     "time from the packet");
	weir_suri_rule_list_free(&l);
}

static void
test_accept_forms(void)
{
	struct weir_suri_rule_list l;
	struct weir_suri_rule *r;
	char line[256];

	/* kv with options, every condition, key items, time field, clauses
	 * in another order, a field declared after the window: */
	r = good(HDR "window: fire each , time ts, count>5, sum(amount) > 10000.5, "
		     "max(amount)<=99, distinct(city)==2, "
		     "key merchant + src_ip+dst_port, length 24h; "
		     "field:merchant,kv,merchant,sep=:,form; field:amount,kv,amt; "
		     "field:city,json,city; field:ts,json,ts,time=epoch_ms; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->n_fields, 4);
	CU_ASSERT_EQUAL(r->fields[0].src, WEIR_RFS_KV);
	CU_ASSERT_EQUAL(r->fields[0].sep, ':');
	CU_ASSERT(r->fields[0].form);
	CU_ASSERT_EQUAL(r->fields[1].sep, '=');
	CU_ASSERT(!r->fields[1].form);
	CU_ASSERT_STRING_EQUAL(r->fields[1].key, "amt");
	CU_ASSERT_EQUAL(r->fields[3].time, WEIR_RFT_EPOCH_MS);
	CU_ASSERT_EQUAL(r->win->n_key, 3);
	CU_ASSERT_EQUAL(r->win->key[0].field, 0);
	CU_ASSERT_EQUAL(r->win->key[1].kind, WEIR_RWK_SRC_IP);
	CU_ASSERT_EQUAL(r->win->key[2].kind, WEIR_RWK_DST_PORT);
	CU_ASSERT_EQUAL(r->win->length_ns, 86400ull * 1000000000ull);
	CU_ASSERT_EQUAL(r->win->n_cond, 4);
	CU_ASSERT_EQUAL(r->win->cond[2].op, WEIR_RWO_LE);
	CU_ASSERT_EQUAL(r->win->cond[3].op, WEIR_RWO_EQ);
	CU_ASSERT_EQUAL(r->win->cond[3].field, 2);
	weir_suri_rule_list_free(&l);

	r = good(HDR "field:ts,json,ts,time=iso8601; field:a,json,amount; "
		     "window:key flow, length 1s, count>5, sum(a) > 10000.5, min(a) < -3, "
		     "fire each, time ts; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->win->fire_each);
	CU_ASSERT_EQUAL(r->win->time_field, 0);
	CU_ASSERT_EQUAL(r->win->n_cond, 3);
	CU_ASSERT_EQUAL(r->win->cond[0].agg, WEIR_RWA_COUNT);
	CU_ASSERT_EQUAL(r->win->cond[0].op, WEIR_RWO_GT);
	CU_ASSERT_EQUAL(r->win->cond[0].field, -1);
	CU_ASSERT(r->win->cond[1].n == 10000.5);
	CU_ASSERT_EQUAL(r->win->cond[2].op, WEIR_RWO_LT);
	CU_ASSERT(r->win->cond[2].n == -3.0);
	CU_ASSERT_EQUAL(r->win->length_ns, 1000000000ull);
	weir_rwin_explain(r->win, r->fields, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "key flow, length 1s, when count > 5 and sum(a) > 10000.5 "
				     "and min(a) < -3, fire each, time from field ts (iso8601)");
	weir_suri_rule_list_free(&l);

	/* Suricata's window:N is the TCP window size, as before */
	r = good("alert tcp any any -> any any (window:!1024; sid:2;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NULL(r->win);
	CU_ASSERT_EQUAL(r->n_hdr, 1);
	weir_suri_rule_list_free(&l);
	r = good("alert tcp any any -> any any (window:55808; sid:2;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NULL(r->win);
	weir_suri_rule_list_free(&l);
}

static void
test_field_errors(void)
{
	expect_err(HDR "field:Card,json,card; window:key Card, length 1m, count > 1; sid:1;)",
		   "Card,", "field", "must be [a-z_][a-z0-9_]{0,31}");
	expect_err(HDR "field:a23456789012345678901234567890123,json,c; sid:1;)", "a2345", "field",
		   "must be");
	expect_err(HDR "field:card,json,card; field:card,json,pan; window:key card, length 1m, "
		       "count > 1; sid:1;)",
		   "card,json,pan", "field", "declared twice");
	expect_err(HDR "field:card,xml,card; sid:1;)", "xml", "field", "unknown extractor 'xml'");
	expect_err(HDR "field:card; sid:1;)", "; sid", "field", "needs an extractor");
	expect_err(HDR "field:card,json; sid:1;)", "; sid", "field", "needs a key");
	expect_err(HDR "field:card,json,card,loud; sid:1;)", "loud", "field",
		   "unknown option 'loud'");
	expect_err(HDR "field:card,json,card,form; sid:1;)", "form", "field", "applies to kv only");
	expect_err(HDR "field:card,json,card,sep=:; sid:1;)", "sep=", "field", "kv only");
	expect_err(HDR "field:card,kv,card,sep=ab; sid:1;)", "ab;", "field", "sep= takes one byte");
	expect_err(HDR "field:card,json,card,sensitive,sensitive; sid:1;)", "sensitive; sid",
		   "field", "duplicate 'sensitive'");
	expect_err(HDR "field:t,json,t,time=unix; sid:1;)", "unix", "field",
		   "time= must be epoch, epoch_ms or iso8601");
	expect_err(HDR "field:t,json,t,; sid:1;)", "; sid", "field", "empty option");
	expect_err(HDR "field:src_ip,json,ip; sid:1;)", "src_ip", "field", "window key of its own");
	expect_err(HDR "field:c,pcre,0; sid:1;)", "0;", "field", "1 to 9");
	expect_err(HDR "field:c,pcre,12; sid:1;)", "12;", "field", "1 to 9");
	expect_err(HDR "field:c,pcre; sid:1;)", "; sid", "field", "capture group number");
	expect_err(HDR "field:c,byte_extract,le-n; sid:1;)", "-n;", "field",
		   "no byte_extract variable name");
	expect_err(HDR "field:c,pcre,1,form; sid:1;)", "form", "field", "kv only");
	expect_err(HDR "field:c,json,a b; sid:1;)", " b;", "field", "no blank");
	expect_err(HDR "field:a,json,a; field:b,json,b; field:c,json,c; field:d,json,d; "
		       "field:e,json,e; field:f,json,f; field:g,json,g; field:h,json,h; "
		       "field:i,json,i; sid:1;)",
		   "field:i", "field", "at most 8 fields");
	/* field: without window: attaches the fields to the rule's alerts;
	 * time= (a window's event time) and a pass rule make no sense there */
	expect_err(HDR "field:n,json,n; field:t,json,t,time=epoch; sid:1;)", "t,json,t,time",
		   "field", "time= gives a window's event time: it needs a window:");
	expect_err("pass tcp any any -> any any (content:\"x\"; field:n,json,n; sid:1;)",
		   "n,json,n", "field", "a pass rule raises no alert");
}

static void
test_field_without_window(void)
{
	struct weir_suri_rule_list l;
	struct weir_suri_rule *r;

	r = good(HDR "field:amount,json,amount; field:card,kv,card,sensitive; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NULL(r->win);
	CU_ASSERT_EQUAL(r->n_fields, 2);
	CU_ASSERT_PTR_NULL(r->fprog); /* json/kv: no field program */
	weir_suri_rule_list_free(&l);
	r = good("alert tcp any any -> any any (pcre:\"/id=(\\d+)/\"; field:id,pcre,1; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NOT_NULL(r->fprog);
	weir_suri_rule_list_free(&l);
}

#define WIN " window:key c, length 1m, count >= 2; sid:1;)"

/* field:NAME,pcre,N and field:NAME,byte_extract,VAR: resolved against the
 * rule's payload items; refusals point at the field. */
static void
test_field_pcre_byte_errors(void)
{
	/* no pcre at all; one only on a header buffer */
	expect_err("alert tcp any any -> any any (content:\"x\"; field:c,pcre,1;" WIN, "c,pcre,1",
		   "field", "needs a pcre on the payload");
	expect_err("alert tcp any any -> any any (content:\"x\"; tcp.hdr; pcre:\"/(a)/\"; "
		   "field:c,pcre,1;" WIN,
		   "c,pcre,1", "field", "needs a pcre on the payload");
	expect_err("alert tcp any any -> any any (pcre:\"/(a)/\"; pcre:!\"/(b)/\"; "
		   "field:c,pcre,1;" WIN,
		   "c,pcre,1", "field", "last pcre is negated");
	/* group 2 of a pattern with one ((?:) does not count) */
	expect_err("alert tcp any any -> any any (pcre:\"/(?:x)(a)/\"; field:c,pcre,2;" WIN,
		   "c,pcre,2", "field", "capture group 2, but the rule's last pcre has 1");
	expect_err("alert tcp any any -> any any (content:\"L\"; byte_extract:1,0,len,relative; "
		   "field:c,byte_extract,size;" WIN,
		   "c,byte_extract,size", "field", "'size' is no byte_extract variable");
	expect_err("alert tcp any any -> any any (content:\"L\"; byte_math:bytes 1, offset 0, "
		   "oper +, rvalue 1, result sum, relative; field:c,byte_extract,sum;" WIN,
		   "c,byte_extract,sum", "field", "byte_math result: not supported yet");
}

/* One capture run of @p r's field program on @p payload. */
static bool
capture(const struct weir_suri_rule *r, const char *payload, struct weir_sprog_caps *c)
{
	struct weir_match_ctx *ctx = weir_match_ctx_new();
	bool ok;

	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r->fprog);
	weir_match_ctx_reset(ctx);
	ok = weir_sprog_capture(r->fprog, (const uint8_t *)payload, (uint32_t)strlen(payload), ctx,
				c);
	weir_match_ctx_free(ctx);
	return ok;
}

static void
expect_group(const struct weir_sprog_caps *c, const char *payload, unsigned int g, const char *want)
{
	if (want == NULL) {
		CU_ASSERT_EQUAL(c->start[g], UINT32_MAX);
		return;
	}
	CU_ASSERT_NOT_EQUAL_FATAL(c->start[g], UINT32_MAX);
	CU_ASSERT_EQUAL(c->end[g] - c->start[g], strlen(want));
	CU_ASSERT(memcmp(payload + c->start[g], want, strlen(want)) == 0);
}

static void
test_field_pcre_byte(void)
{
	struct weir_suri_rule_list l;
	struct weir_sprog_caps c;
	struct weir_suri_rule *r;
	const char *pl;

	/* groups numbered by their '(' (a named one too), of the last pcre */
	r = good("alert tcp any any -> any any (content:\"id=\"; pcre:\"/q=(\\w)/\"; "
		 "pcre:\"/id=(\\d+)&(?:u|user)=(?P<u>[a-z]+)/R\"; field:id,pcre,1; "
		 "field:c,pcre,2,sensitive; window:key c, length 1m, count >= 2; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->fields[0].src, WEIR_RFS_PCRE);
	CU_ASSERT_EQUAL(r->fields[0].arg, 1);
	CU_ASSERT_EQUAL(r->fields[1].arg, 2);
	CU_ASSERT(r->fields[1].sensitive);
	pl = "q=z id=42&user=bob";
	CU_ASSERT(capture(r, pl, &c));
	expect_group(&c, pl, 1, "42");
	expect_group(&c, pl, 2, "bob");
	CU_ASSERT(!capture(r, "id=42&user=bob", &c)); /* no q=: no match, nothing */
	weir_suri_rule_list_free(&l);

	/* the chain that matched: k=1 is followed by 'x', so the pcre's next
	 * match (k=2, then '!') is the one whose group counts */
	r = good("alert tcp any any -> any any (pcre:\"/k=(\\d)/\"; content:\"!\"; "
		 "within:1; field:c,pcre,1;" WIN,
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	pl = "k=1x k=2!";
	CU_ASSERT(capture(r, pl, &c));
	expect_group(&c, pl, 1, "2");
	weir_suri_rule_list_free(&l);

	/* a group that took no part: unset */
	r = good("alert tcp any any -> any any (pcre:\"/a(x)?(b)/\"; field:c,pcre,1; "
		 "field:d,pcre,2;" WIN,
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	pl = "zab";
	CU_ASSERT(capture(r, pl, &c));
	expect_group(&c, pl, 1, NULL);
	expect_group(&c, pl, 2, "b");
	weir_suri_rule_list_free(&l);

	/* byte_extract: the variable's slot, its value on the matching chain
	 * (L09 fails the byte_test, L12 passes) */
	r = good("alert tcp any any -> any any (content:\"L\"; byte_extract:2,0,amt,relative,"
		 "string,dec; byte_test:2,>,10,-2,relative,string,dec; "
		 "field:c,byte_extract,amt; field:d,json,d;" WIN,
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->fields[0].src, WEIR_RFS_BYTE_EXTRACT);
	CU_ASSERT_STRING_EQUAL(r->fields[0].key, "amt");
	pl = "L09xx L12xx";
	CU_ASSERT(capture(r, pl, &c));
	CU_ASSERT_EQUAL(c.vals[r->fields[0].arg], 12);
	weir_suri_rule_list_free(&l);
}

static void
test_window_errors(void)
{
#define F "field:c,json,c; field:n,json,n; "
	expect_err(HDR F "window:length 1m, count > 1; sid:1;)", "length 1m", "window",
		   "'key' is required");
	expect_err(HDR F "window:key c, count > 1; sid:1;)", "key c", "window",
		   "'length' is required");
	expect_err(HDR F "window:key c, length 1m; sid:1;)", "key c", "window",
		   "needs a condition");
	expect_err(HDR F "window:key c, length 0s, count > 1; sid:1;)", "0s", "window",
		   "out of range (1s to 24h)");
	expect_err(HDR F "window:key c, length 25h, count > 1; sid:1;)", "25h", "window",
		   "out of range");
	expect_err(HDR F "window:key c, length 10d, count > 1; sid:1;)", "d, count", "window",
		   "unit must be s, m or h");
	expect_err(HDR F "window:key c, length m, count > 1; sid:1;)", "m, count", "window",
		   "needs N followed by s, m or h");
	expect_err(HDR F "window:key c, length 1m, length 2m, count > 1; sid:1;)", "length 2m",
		   "window", "duplicate 'length'");
	expect_err(HDR F "window:key c, key n, length 1m, count > 1; sid:1;)", "key n", "window",
		   "duplicate 'key'");
	expect_err(HDR F "window:key c+c, length 1m, count > 1; sid:1;)", "c, length", "window",
		   "'c' twice");
	expect_err(HDR F "window:key c+src_ip+src_ip, length 1m, count > 1; sid:1;)",
		   "src_ip, length", "window", "'src_ip' twice");
	expect_err(HDR F "window:key c+n+flow+src_ip+dst_ip, length 1m, count > 1; sid:1;)",
		   "dst_ip", "window", "at most 4 items");
	expect_err(HDR F "window:key c+, length 1m, count > 1; sid:1;)", ", length", "window",
		   "empty item");
	expect_err(HDR F "window:key city, length 1m, count > 1; sid:1;)", "city", "window",
		   "'city' is not declared by a field:");
	expect_err(HDR F "window:key c, length 1m, distinct(city) >= 3; sid:1;)", "city", "window",
		   "'city' is not declared");
	expect_err(HDR F "window:key c, length 1m, count >> 1; sid:1;)", "> 1;", "window",
		   "integer");
	expect_err(HDR F "window:key c, length 1m, count = 1; sid:1;)", "= 1", "window",
		   "needs an operator");
	expect_err(HDR F "window:key c, length 1m, count > 1.5; sid:1;)", ".5", "window",
		   "integer");
	expect_err(HDR F "window:key c, length 1m, distinct(n) > -1; sid:1;)", "-1", "window",
		   "integer");
	expect_err(HDR F "window:key c, length 1m, sum(n) > 1e5; sid:1;)", "e5", "window",
		   "decimal number");
	expect_err(HDR F "window:key c, length 1m, sum(n) >; sid:1;)", "; sid", "window",
		   "needs a number");
	expect_err(HDR F "window:key c, length 1m, sum n > 1; sid:1;)", "n > 1", "window",
		   "needs (FIELD)");
	expect_err(HDR F "window:key c, length 1m, sum(n > 1; sid:1;)", "(n", "window",
		   "never closed");
	expect_err(HDR F "window:key c, length 1m, count(n) > 1; sid:1;)", "(n)", "window",
		   "count takes no field");
	expect_err(HDR F "window:key c, length 1m, avg(n) > 1; sid:1;)", "avg", "window",
		   "unknown clause 'avg'");
	expect_err(HDR F "window:key c, length 1m, count > 1, count > 2, count > 3, count > 4, "
			 "count > 5; sid:1;)",
		   "count > 5", "window", "at most 4 conditions");
	expect_err(HDR F "window:key c, length 1m, count > 1, fire twice; sid:1;)", "twice",
		   "window", "'once' or 'each'");
	expect_err(HDR F "window:key c, length 1m, count > 1, fire once, fire each; sid:1;)",
		   "fire each", "window", "duplicate 'fire'");
	expect_err(HDR F "window:key c, length 1m, count > 1, time n; sid:1;)", "n; sid", "window",
		   "needs time=");
	expect_err(HDR F "window:key c, length 1m, count > 1, time t; sid:1;)", "t; sid", "window",
		   "'t' is not declared");
	expect_err(HDR F "window:key c, length 1m, count > 1,; sid:1;)", "; sid", "window",
		   "empty clause");
	expect_err(HDR F "window:key c, length 1m, count > 1; window:key n, length 1m, count > 1; "
			 "sid:1;)",
		   "window:key n", "window", "at most one");
	expect_err(HDR F "threshold:type limit, track by_src, count 1, seconds 60; "
			 "window:key c, length 1m, count > 1; sid:1;)",
		   "threshold:", "window", "cannot be used on a window rule");
	expect_err(HDR F "window:key c, length 1m, count > 1; "
			 "detection_filter:track by_src, count 1, seconds 60; sid:1;)",
		   "detection_filter", "window", "cannot be used on a window rule");
	expect_err("pass tcp any any -> any any (content:\"x\"; " F
		   "window:key c, length 1m, count > 1; sid:1;)",
		   "key c", "window", "pass rule");
#undef F
}

/* Blanks do not change the hash; meaning (a number, a field's key, a
 * flag) does. */
static void
test_clause_hash(void)
{
	static const char *const same[] = {
		HDR "field:c,json,c; field:n,json,n; window:key c, length 1m, sum(n) > 5; sid:1;)",
		HDR "field: c , json , c ; field:n,json,n; window: key  c ,length 1m,sum( n )>5 ; "
		    "sid:1;)",
		HDR "field:c,json,c; msg:\"other\"; field:n,json,n; window:key c,length 1m, "
		    "sum(n) >  5; sid:1; rev:1;)",
	};
	static const char *const differ[] = {
		HDR "field:c,json,c; field:n,json,n; window:key c, length 1m, sum(n) > 6; sid:1;)",
		HDR "field:c,json,card; field:n,json,n; window:key c, length 1m, sum(n) > 5; "
		    "sid:1;)",
		HDR
		"field:c,json,c,sensitive; field:n,json,n; window:key c, length 1m, sum(n) > 5; "
		"sid:1;)",
		HDR "field:c,json,c; field:n,json,n; window:key c, length 2m, sum(n) > 5; sid:1;)",
		HDR
		"field:c,json,c; field:n,json,n; window:key c, length 1m, sum(n) > 5, fire each; "
		"sid:1;)",
	};
	struct weir_suri_rule_list l;
	struct weir_suri_rule *r;
	uint64_t h0;
	size_t i;

	r = good(same[0], &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	h0 = r->win->clause_hash;
	weir_suri_rule_list_free(&l);
	for (i = 1; i < sizeof(same) / sizeof(same[0]); i++) {
		r = good(same[i], &l);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_EQUAL(r->win->clause_hash, h0);
		weir_suri_rule_list_free(&l);
	}
	for (i = 0; i < sizeof(differ) / sizeof(differ[0]); i++) {
		r = good(differ[i], &l);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_NOT_EQUAL(r->win->clause_hash, h0);
		weir_suri_rule_list_free(&l);
	}
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("parse_window", suite_init, suite_clean);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_accept_issue_example);
	CU_ADD_TEST(s, test_accept_forms);
	CU_ADD_TEST(s, test_field_errors);
	CU_ADD_TEST(s, test_window_errors);
	CU_ADD_TEST(s, test_field_pcre_byte_errors);
	CU_ADD_TEST(s, test_field_pcre_byte);
	CU_ADD_TEST(s, test_field_without_window);
	CU_ADD_TEST(s, test_clause_hash);
	return weir_ut_run();
}
