/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for rules_compile_hs.c (payload items -> Hyperscan plan). Each rule is
 * built by hand, its plan compiled exactly as the rule compiler does (one
 * sub: its flags | SINGLEMATCH; several: subs QUIET plus an AND
 * combination, `!` for negated subs, SINGLEMATCH) and scanned in block
 * mode. The result is held against Suricata's answer: equal for an exact
 * plan, a superset otherwise. Golden cases pin each boundary by hand; a
 * seeded random run compares content-only rules with a brute-force model
 * of Suricata's inspection (offset/depth/distance/within, backtracking).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_cunit.h"

#include "rules_int.h"

/* Item fields, for designated initializers: { CT("abc"), DEPTH(3) }. */
#define CT(s)	    .kind = WEIR_ITEM_CONTENT, .bytes = (uint8_t *)(s), .len = sizeof(s) - 1
#define OFFSET(n)   .has_offset = true, .offset = (n)
#define DEPTH(n)    .has_depth = true, .depth = (n)
#define DISTANCE(n) .has_distance = true, .distance = (n)
#define WITHIN(n)   .has_within = true, .within = (n)
#define PCRE(p, f)  .kind = WEIR_ITEM_PCRE, .pcre = (char *)(p), .pcre_flags = (f)

#define NITEMS(a) (unsigned int)(sizeof(a) / sizeof((a)[0]))

struct payload {
	const char *data;
	size_t len;
	bool want; /* Suricata's answer */
};

#define P(s, w)                                                                                    \
	{                                                                                          \
		(s), sizeof(s) - 1, (w)                                                            \
	}

/* ---- compile and scan a plan the way the rule compiler does ---------- */

struct compiled {
	hs_database_t *db;
	hs_scratch_t *scratch;
	unsigned int rule_id;
	bool always;
};

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
	 void *ctx)
{
	unsigned int *hits = ctx;

	(void)from;
	(void)to;
	(void)flags;
	/* Bit 0: the rule's id; bit 1: anything else (a QUIET sub leaking). */
	*hits |= id == hits[1] ? 1u : 2u;
	return 0;
}

static int
plan_compile(const struct weir_hs_plan *p, struct compiled *out)
{
	const hs_expr_ext_t *exts[16];
	const char *exprs[16];
	unsigned int flags[16], ids[16];
	hs_compile_error_t *cerr = NULL;
	char comb[256];
	unsigned int i, n;
	size_t off = 0;
	hs_error_t err;

	memset(out, 0, sizeof(*out));
	if (p->always) {
		out->always = true;
		return 0;
	}
	if (p->n_sub == 0 || p->n_sub >= 15)
		return -EINVAL;
	for (i = 0; i < p->n_sub; i++) {
		exprs[i] = p->sub[i].expr;
		flags[i] = p->sub[i].flags | (p->n_sub == 1 ? HS_FLAG_SINGLEMATCH : HS_FLAG_QUIET);
		ids[i] = i;
		exts[i] = p->sub[i].has_ext ? &p->sub[i].ext : NULL;
		off += (size_t)snprintf(comb + off, sizeof(comb) - off, "%s%s%u",
					i > 0 ? " & " : "", p->sub[i].negated ? "!" : "", i);
	}
	n = p->n_sub;
	if (n > 1) {
		exprs[n] = comb;
		flags[n] = HS_FLAG_COMBINATION | HS_FLAG_SINGLEMATCH;
		ids[n] = n;
		exts[n] = NULL;
		out->rule_id = n;
		n++;
	}
	err = hs_compile_ext_multi(exprs, flags, ids, exts, n, HS_MODE_BLOCK, NULL, &out->db,
				   &cerr);
	if (err != HS_SUCCESS) {
		fprintf(stderr, "hs_compile_ext_multi: %s\n", cerr ? cerr->message : "?");
		for (i = 0; i < n; i++)
			fprintf(stderr, "  [%u] %s\n", i, exprs[i]);
		hs_free_compile_error(cerr);
		return -EINVAL;
	}
	if (hs_alloc_scratch(out->db, &out->scratch) != HS_SUCCESS) {
		hs_free_database(out->db);
		return -ENOMEM;
	}
	return 0;
}

static bool
compiled_scan(const struct compiled *c, const char *data, size_t len, bool *leak)
{
	unsigned int hits[2] = {0, c->rule_id};
	hs_error_t err;

	*leak = false;
	if (c->always)
		return true;
	err = hs_scan(c->db, len > 0 ? data : "", (unsigned int)len, 0, c->scratch, on_match, hits);
	CU_ASSERT(err == HS_SUCCESS);
	*leak = (hits[0] & 2u) != 0;
	return (hits[0] & 1u) != 0;
}

static void
compiled_free(struct compiled *c)
{
	hs_free_scratch(c->scratch);
	hs_free_database(c->db);
	memset(c, 0, sizeof(*c));
}

/* ---- a brute-force model of Suricata's payload inspection ------------ */

static bool
ref_eq(const struct weir_item *it, const uint8_t *p)
{
	uint32_t i;

	for (i = 0; i < it->len; i++) {
		uint8_t a = it->bytes[i], b = p[i];

		if (it->nocase) {
			if (a >= 'A' && a <= 'Z')
				a = (uint8_t)(a + 32);
			if (b >= 'A' && b <= 'Z')
				b = (uint8_t)(b + 32);
		}
		if (a != b)
			return false;
	}
	return true;
}

/*
 * Items k.. hold given the previous match ended at prev_end: absolute
 * content start >= offset, end <= offset + depth; relative start >=
 * max(0, prev_end + distance), end <= prev_end + distance + within; every
 * match of a content is tried (backtracking); a negated content must have
 * no match in its window and leaves prev_end alone. Contents only.
 */
static bool
ref_match(const struct weir_item *items, unsigned int n, unsigned int k, int64_t prev_end,
	  const uint8_t *p, int64_t len)
{
	const struct weir_item *it;
	int64_t lo, hi_end, s;

	if (k == n)
		return true;
	it = &items[k];
	if (!it->relative) {
		lo = it->has_offset ? it->offset : 0;
		hi_end = it->has_depth ? lo + it->depth : len;
	} else {
		int64_t d = it->has_distance ? it->distance : 0;

		lo = prev_end + d;
		hi_end = it->has_within ? prev_end + d + it->within : len;
		if (lo < 0)
			lo = 0;
	}
	if (hi_end > len)
		hi_end = len;
	for (s = lo; s + it->len <= hi_end; s++) {
		if (!ref_eq(it, p + s))
			continue;
		if (it->negated)
			return false;
		if (ref_match(items, n, k + 1, s + it->len, p, len))
			return true;
	}
	return it->negated ? ref_match(items, n, k + 1, prev_end, p, len) : false;
}

static void
rule_init(struct weir_suri_rule *r, struct weir_item *items, unsigned int n)
{
	unsigned int i;

	memset(r, 0, sizeof(*r));
	r->items = items;
	r->n_items = n;
	for (i = 0; i < n; i++)
		if (items[i].kind == WEIR_ITEM_CONTENT)
			items[i].relative = items[i].has_distance || items[i].has_within;
}

static bool
items_are_contents(const struct weir_item *items, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (items[i].kind != WEIR_ITEM_CONTENT || items[i].luhn || items[i].endswith ||
		    items[i].offset_var || items[i].depth_var || items[i].distance_var ||
		    items[i].within_var)
			return false;
	return true;
}

/* ---- the golden-case driver ----------------------------------------- */

static void
plan_dump(const char *name, const struct weir_hs_plan *p)
{
	unsigned int i;

	fprintf(stderr, "%s: exact=%d always=%d n_sub=%u\n", name, p->exact, p->always, p->n_sub);
	for (i = 0; i < p->n_sub; i++)
		fprintf(stderr, "  %s%s flags=%#x ext=%d [%llu,%llu]\n",
			p->sub[i].negated ? "!" : "", p->sub[i].expr, p->sub[i].flags,
			p->sub[i].has_ext, p->sub[i].ext.min_offset, p->sub[i].ext.max_offset);
}

/*
 * Build @p items' plan, check its exactness, compile it, and scan every
 * payload. When @p plan_out is given the plan is handed back (the caller
 * frees it) for checks of its text.
 */
static void
check_rule(const char *name, struct weir_item *items, unsigned int n, bool want_exact,
	   const struct payload *pl, unsigned int npl, struct weir_hs_plan *plan_out)
{
	struct weir_hs_plan plan;
	struct weir_suri_rule r;
	struct compiled c;
	char err[256];
	unsigned int col = 0, i;
	int rc;

	rule_init(&r, items, n);
	rc = weir_hs_plan_build(&r, &plan, err, sizeof(err), &col);
	if (rc != 0)
		fprintf(stderr, "%s: plan_build %d: %s (col %u)\n", name, rc, err, col);
	CU_ASSERT_FATAL(rc == 0);
	if (plan.exact != want_exact) {
		fprintf(stderr, "%s: exact %d, want %d\n", name, plan.exact, want_exact);
		plan_dump(name, &plan);
	}
	CU_ASSERT(plan.exact == want_exact);
	rc = plan_compile(&plan, &c);
	if (rc != 0)
		plan_dump(name, &plan);
	CU_ASSERT_FATAL(rc == 0);
	for (i = 0; i < npl; i++) {
		bool leak, got = compiled_scan(&c, pl[i].data, pl[i].len, &leak);
		bool ok = plan.exact ? got == pl[i].want : (got || !pl[i].want);

		CU_ASSERT(!leak);
		if (!ok) {
			fprintf(stderr, "%s: payload #%u: got %d, Suricata %d\n", name, i, got,
				pl[i].want);
			plan_dump(name, &plan);
		}
		CU_ASSERT(ok);
		/* The hand-written answer agrees with the model too. */
		if (items_are_contents(items, n))
			CU_ASSERT(ref_match(items, n, 0, 0, (const uint8_t *)pl[i].data,
					    (int64_t)pl[i].len) == pl[i].want);
	}
	compiled_free(&c);
	if (plan_out != NULL)
		*plan_out = plan;
	else
		weir_hs_plan_free(&plan);
}

/* ---- golden cases ---------------------------------------------------- */

static void
test_offset_depth_single_content_uses_ext(void)
{
	struct weir_item it[] = {{CT("abc"), OFFSET(2), DEPTH(5)}};
	/* start >= 2, end <= 2 + 5 = 7 */
	static const struct payload pl[] = {
		P("xxabc", true),     /* start 2 */
		P("xabc", false),     /* start 1: one short of offset */
		P("xxxxabc", true),   /* end 7 = offset + depth */
		P("xxxxxabc", false), /* end 8: one past */
		P("abcxabc", true),   /* the second occurrence, start 4 */
		P("ab", false),	      P("", false),
	};
	struct weir_hs_plan plan;

	check_rule("offset2 depth5", it, NITEMS(it), true, pl, NITEMS(pl), &plan);
	CU_ASSERT_FATAL(plan.n_sub == 1);
	CU_ASSERT_STRING_EQUAL(plan.sub[0].expr, "abc");
	CU_ASSERT(plan.sub[0].has_ext);
	CU_ASSERT(plan.sub[0].ext.flags == (HS_EXT_FLAG_MIN_OFFSET | HS_EXT_FLAG_MAX_OFFSET));
	CU_ASSERT(plan.sub[0].ext.min_offset == 5);
	CU_ASSERT(plan.sub[0].ext.max_offset == 7);
	CU_ASSERT(!plan.sub[0].negated);
	weir_hs_plan_free(&plan);
}

static void
test_depth_only_and_offset_only(void)
{
	struct weir_item d[] = {{CT("abc"), DEPTH(3)}};
	static const struct payload pd[] = {
		P("abc", true),
		P("abcd", true),
		P("xabc", false),
		P("ABC", false),
	};
	struct weir_item o[] = {{CT("abc"), OFFSET(3)}};
	static const struct payload po[] = {
		P("xxxabc", true),
		P("xxabc", false),
		P("xxabcxxxxxabc", true),
	};
	struct weir_item plain[] = {{CT("abc")}};
	static const struct payload pp[] = {P("abc", true), P("xxabx", false)};
	struct weir_hs_plan plan;

	check_rule("depth3", d, NITEMS(d), true, pd, NITEMS(pd), &plan);
	CU_ASSERT(plan.sub[0].ext.flags == HS_EXT_FLAG_MAX_OFFSET);
	CU_ASSERT(plan.sub[0].ext.max_offset == 3);
	weir_hs_plan_free(&plan);
	check_rule("offset3", o, NITEMS(o), true, po, NITEMS(po), &plan);
	CU_ASSERT(plan.sub[0].ext.flags == HS_EXT_FLAG_MIN_OFFSET);
	CU_ASSERT(plan.sub[0].ext.min_offset == 6);
	weir_hs_plan_free(&plan);
	check_rule("plain", plain, NITEMS(plain), true, pp, NITEMS(pp), &plan);
	CU_ASSERT(!plan.sub[0].has_ext);
	weir_hs_plan_free(&plan);
}

static void
test_chain_head_offset_depth_anchors(void)
{
	struct weir_item it[] = {
		{CT("ab"), OFFSET(1), DEPTH(4)}, /* start 1..3 */
		{CT("cd"), DISTANCE(0)},
	};
	static const struct payload pl[] = {
		P("xabcd", true),			  /* ab at 1 */
		P("abcd", false),			  /* ab at 0: before offset */
		P("xxxabcd", true),			  /* ab at 3, end 5 = offset + depth */
		P("xxxxabcd", false),			  /* ab at 4, end 6: one past */
		P("xabxxxxcd", true),  P("xcdab", false), /* cd before ab */
		P("abxxxabcd", false),
	};
	struct weir_hs_plan plan;

	check_rule("chain head", it, NITEMS(it), true, pl, NITEMS(pl), &plan);
	CU_ASSERT_FATAL(plan.n_sub == 1);
	CU_ASSERT_STRING_EQUAL(plan.sub[0].expr, "^[\\s\\S]{1,3}ab[\\s\\S]*cd");
	CU_ASSERT(!plan.sub[0].has_ext);
	CU_ASSERT(plan.sub[0].flags & HS_FLAG_DOTALL);
	weir_hs_plan_free(&plan);
}

static void
test_distance_zero_and_positive(void)
{
	struct weir_item d0[] = {{CT("ab")}, {CT("cd"), DISTANCE(0)}};
	static const struct payload p0[] = {
		P("abcd", true),  P("abxcd", true), P("cdab", false),
		P("acbd", false), P("abc", false),  P("\nab\n\ncd", true),
	};
	struct weir_item d2[] = {{CT("ab")}, {CT("cd"), DISTANCE(2)}};
	static const struct payload p2[] = {
		P("abxxcd", true),			       /* gap 2 */
		P("abxcd", false),			       /* gap 1: one short */
		P("abcd", false),      P("abxxxxxxxcd", true), /* no within: any larger gap */
		P("abcdabxxcd", true),
	};

	check_rule("distance0", d0, NITEMS(d0), true, p0, NITEMS(p0), NULL);
	check_rule("distance2", d2, NITEMS(d2), true, p2, NITEMS(p2), NULL);
}

static void
test_within_exact_and_one_short(void)
{
	/* end <= prev_end + 4 */
	struct weir_item w[] = {{CT("ab")}, {CT("cd"), WITHIN(4)}};
	static const struct payload pw[] = {
		P("abxxcd", true),   /* end 6 = 2 + 4 */
		P("abxxxcd", false), /* end 7 */
		P("abcd", true),
		P("abxxxcdabcd", true),
	};
	/* within equal to the length: adjacent only */
	struct weir_item w2[] = {{CT("ab")}, {CT("cd"), WITHIN(2)}};
	static const struct payload pw2[] = {P("abcd", true), P("abxcd", false)};
	struct weir_hs_plan plan;

	check_rule("within4", w, NITEMS(w), true, pw, NITEMS(pw), &plan);
	CU_ASSERT_STRING_EQUAL(plan.sub[0].expr, "ab[\\s\\S]{0,2}cd");
	weir_hs_plan_free(&plan);
	check_rule("within2", w2, NITEMS(w2), true, pw2, NITEMS(pw2), &plan);
	CU_ASSERT_STRING_EQUAL(plan.sub[0].expr, "abcd");
	weir_hs_plan_free(&plan);
}

static void
test_distance_plus_within(void)
{
	/* Suricata counts within from prev_end + distance: start >= 3,
	 * end <= 2 + 1 + 3 = 6. */
	struct weir_item it[] = {{CT("ab")}, {CT("cd"), DISTANCE(1), WITHIN(3)}};
	static const struct payload pl[] = {
		P("abxcd", true),    /* start 3 */
		P("abxxcd", true),   /* end 6 */
		P("abcd", false),    /* start 2 */
		P("abxxxcd", false), /* end 7 */
	};
	/* Three items, each relative to the one before. */
	struct weir_item three[] = {
		{CT("GET"), DEPTH(3)},
		{CT("/"), DISTANCE(1), WITHIN(1)},
		{CT("HTTP"), DISTANCE(0)},
	};
	static const struct payload p3[] = {
		P("GET /x HTTP/1.1", true), P("GET  /x HTTP/1.1", false), /* '/' one byte late */
		P("GET/x HTTP/1.1", false), P("xGET /x HTTP", false),	  /* depth */
		P("GET /x", false),	    P("HTTP GET /x", false),	  /* order */
	};
	struct weir_hs_plan plan;

	check_rule("distance1 within3", it, NITEMS(it), true, pl, NITEMS(pl), &plan);
	CU_ASSERT_STRING_EQUAL(plan.sub[0].expr, "ab[\\s\\S]{1,2}cd");
	weir_hs_plan_free(&plan);
	check_rule("GET chain", three, NITEMS(three), true, p3, NITEMS(p3), &plan);
	CU_ASSERT_STRING_EQUAL(plan.sub[0].expr, "^GET[\\s\\S]{1}\\x2f[\\s\\S]*HTTP");
	weir_hs_plan_free(&plan);
}

/* Byte keywords, isdataat, endswith and bounds from byte variables are the
 * confirm step's: the plan stays a superset that still finds every packet
 * Suricata would alert on (byte.spec has the exact answers). */
static void
test_byte_items_superset(void)
{
	struct weir_item bt[] = {
		{CT("LEN")},
		{.kind = WEIR_ITEM_BYTE_TEST,
		 .bop = {.nbytes = 1, .relative = true, .value = 0x41}},
		{CT("Z"), DISTANCE(0), WITHIN(1)},
	};
	static const struct payload bt_pl[] = {
		P("LENAZ", true),
		P("xxLENAxZ", false),
		P("nothing", false),
	};
	struct weir_item ew[] = {{CT("END"), .endswith = true}};
	static const struct payload ew_pl[] = {P("xEND", true), P("ENDx", false)};
	struct weir_item var[] = {
		{.kind = WEIR_ITEM_BYTE_EXTRACT, .bop = {.nbytes = 1}},
		{CT("E"), DISTANCE(0), WITHIN(1), .distance_var = 1},
	};
	static const struct payload var_pl[] = {P("\x02"
						  "abE",
						  true),
						P("\x02"
						  "Eab",
						  false)};
	struct weir_item only[] = {{.kind = WEIR_ITEM_ISDATAAT, .bop = {.value = 4}}};
	static const struct payload only_pl[] = {P("12345", true), P("1234", false)};
	struct weir_hs_plan plan;

	check_rule("byte_test between contents", bt, NITEMS(bt), false, bt_pl, NITEMS(bt_pl), NULL);
	check_rule("endswith", ew, NITEMS(ew), false, ew_pl, NITEMS(ew_pl), NULL);
	check_rule("distance from a variable", var, NITEMS(var), false, var_pl, NITEMS(var_pl),
		   NULL);
	/* nothing for Hyperscan: every packet of the group is a candidate */
	check_rule("isdataat alone", only, NITEMS(only), false, only_pl, NITEMS(only_pl), &plan);
	CU_ASSERT(plan.always && plan.n_sub == 0);
	weir_hs_plan_free(&plan);
}

static void
test_relative_backtracks(void)
{
	/* The first "ab" has no "cd" within range; the second has. */
	struct weir_item it[] = {{CT("ab")}, {CT("cd"), DISTANCE(0), WITHIN(2)}};
	static const struct payload pl[] = {
		P("abxxxabcd", true),
		P("abxxxabxcd", false),
		P("ababcd", true),
	};

	check_rule("backtrack", it, NITEMS(it), true, pl, NITEMS(pl), NULL);
}

static void
test_first_item_relative_counts_from_start(void)
{
	/* No previous match: prev_end is 0, distance acts as an offset. */
	struct weir_item it[] = {{CT("abc"), DISTANCE(2), WITHIN(4)}};
	static const struct payload pl[] = {
		P("xxabc", true), /* start 2 */
		P("xabc", false),
		P("xxxabc", true), /* end 6 = 2 + 4 */
		P("xxxxabc", false),
	};
	struct weir_item neg[] = {{CT("abc"), DISTANCE(-3), WITHIN(5)}};
	/* start >= max(0, -3), end <= 2: never */
	static const struct payload pn[] = {P("abc", false), P("xabc", false)};
	struct weir_hs_plan plan;

	check_rule("first relative", it, NITEMS(it), true, pl, NITEMS(pl), &plan);
	CU_ASSERT(plan.sub[0].has_ext);
	CU_ASSERT(plan.sub[0].ext.min_offset == 5);
	CU_ASSERT(plan.sub[0].ext.max_offset == 6);
	weir_hs_plan_free(&plan);
	check_rule("first relative, impossible", neg, NITEMS(neg), false, pn, NITEMS(pn), NULL);
}

static void
test_nocase_with_hex(void)
{
	/* content:"|41 42|c|00 2e|"; nocase */
	struct weir_item it[] = {{CT("ABc\x00."), .nocase = true}};
	static const struct payload pl[] = {
		P("abC\x00.", true),   P("ABC\x00.", true),
		P("xAbc\x00.x", true), P("abc\x00x", false), /* '.' is a byte, not any byte */
		P("abc.", false),
	};
	/* Only ASCII letters fold, as in Suricata: 0xc9 is not 0xe9. */
	struct weir_item hi[] = {{CT("\xc9t"), .nocase = true}};
	static const struct payload ph[] = {P("\xc9T", true), P("\xe9t", false)};
	/* Case matters without nocase. */
	struct weir_item cs[] = {{CT("Ab")}};
	static const struct payload pc[] = {P("Ab", true), P("ab", false), P("AB", false)};
	/* No letter: nothing to fold. */
	struct weir_item nl[] = {{CT("\x01\x02"), .nocase = true}};
	static const struct payload pn[] = {P("\x01\x02", true)};
	struct weir_hs_plan plan;

	check_rule("nocase hex", it, NITEMS(it), true, pl, NITEMS(pl), &plan);
	CU_ASSERT_STRING_EQUAL(plan.sub[0].expr, "(?i:ABc\\x00\\x2e)");
	weir_hs_plan_free(&plan);
	check_rule("nocase high byte", hi, NITEMS(hi), true, ph, NITEMS(ph), NULL);
	check_rule("case sensitive", cs, NITEMS(cs), true, pc, NITEMS(pc), NULL);
	check_rule("nocase no letter", nl, NITEMS(nl), true, pn, NITEMS(pn), &plan);
	CU_ASSERT_STRING_EQUAL(plan.sub[0].expr, "\\x01\\x02");
	weir_hs_plan_free(&plan);
}

static void
test_independent_chains(void)
{
	struct weir_item it[] = {
		{CT("abc"), DEPTH(10)},
		{CT("de"), DISTANCE(0), WITHIN(3)},
		{CT("xyz"), DEPTH(3)}, /* a new chain: not after "abc" */
		{CT("12"), DISTANCE(1)},
	};
	static const struct payload pl[] = {
		P("xyz 12 abcde", true), /* chains in the other order */
		P("xyz 12 abc de", true),  P("xyz 12 abc  de", false), /* de outside within */
		P("xyz12 abcde", false),			       /* 12 at distance 0 */
		P(" xyz 12 abcde", false),			       /* xyz depth */
		P("xyz abcde 12", true),   P("abcde", false),
	};
	struct weir_hs_plan plan;

	check_rule("chains", it, NITEMS(it), true, pl, NITEMS(pl), &plan);
	CU_ASSERT_FATAL(plan.n_sub == 2);
	CU_ASSERT_STRING_EQUAL(plan.sub[0].expr, "^[\\s\\S]{0,7}abc[\\s\\S]{0,1}de");
	CU_ASSERT_STRING_EQUAL(plan.sub[1].expr, "^xyz[\\s\\S]{1,}12");
	weir_hs_plan_free(&plan);
}

/* Two independent chains: Hyperscan gets the most literal one, unless the
 * author marked a content fast_pattern (Suricata's MPM pattern): then its
 * chain, however short. */
static void
test_fast_pattern_picks_the_chain(void)
{
	struct weir_item plain[] = {{CT("abcdefgh")}, {CT("xy")}};
	struct weir_item marked[] = {{CT("abcdefgh")}, {CT("xy"), .fast_pattern = true}};
	struct weir_suri_rule r;
	struct weir_hs_plan plan;
	char err[256];
	unsigned int col = 0;

	memset(&r, 0, sizeof(r));
	r.items = plain;
	r.n_items = NITEMS(plain);
	CU_ASSERT_FATAL(weir_hs_plan_build(&r, &plan, err, sizeof(err), &col) == 0);
	weir_compile_one_chain(&plan);
	CU_ASSERT_FATAL(plan.n_sub == 1);
	CU_ASSERT_STRING_EQUAL(plan.sub[0].expr, "abcdefgh");
	weir_hs_plan_free(&plan);

	r.items = marked;
	r.n_items = NITEMS(marked);
	CU_ASSERT_FATAL(weir_hs_plan_build(&r, &plan, err, sizeof(err), &col) == 0);
	weir_compile_one_chain(&plan);
	CU_ASSERT_FATAL(plan.n_sub == 1);
	CU_ASSERT_STRING_EQUAL(plan.sub[0].expr, "xy");
	CU_ASSERT(!plan.exact); /* "abcdefgh" is confirmed after the scan */
	weir_hs_plan_free(&plan);
}

static void
test_negated_absolute_content(void)
{
	struct weir_item it[] = {{CT("abc")}, {CT("xyz"), .negated = true}};
	/* "xyz" anywhere, before or after "abc", vetoes: this is what the
	 * end-of-data sentinel is for. */
	static const struct payload pl[] = {
		P("abc", true),	    P("abcxyz", false), P("xyzabc", false), P("abc--xyz", false),
		P("abxyzc", false), P("xyz", false),	P("abcxy", true),   P("abcxyzabc", false),
	};
	struct weir_item dep[] = {{CT("abc")}, {CT("xyz"), DEPTH(3), .negated = true}};
	static const struct payload pd[] = {
		P("abcxyz", true), /* xyz not within depth */
		P("xyzabc", false),
		P("abc", true),
	};
	struct weir_item two[] = {
		{CT("a")},
		{CT("b")},
		{CT("c"), .negated = true},
	};
	static const struct payload pt[] = {
		P("ab", true), P("abc", false), P("cab", false), P("ba", true), P("a", false),
	};
	struct weir_hs_plan plan;

	check_rule("negated", it, NITEMS(it), true, pl, NITEMS(pl), &plan);
	CU_ASSERT_FATAL(plan.n_sub == 3);
	CU_ASSERT(!plan.sub[0].negated);
	CU_ASSERT(plan.sub[1].negated);
	CU_ASSERT_STRING_EQUAL(plan.sub[1].expr, "xyz");
	CU_ASSERT(!plan.sub[2].negated); /* the end-of-data sentinel */
	weir_hs_plan_free(&plan);
	check_rule("negated depth", dep, NITEMS(dep), true, pd, NITEMS(pd), &plan);
	CU_ASSERT(plan.sub[1].has_ext && plan.sub[1].ext.max_offset == 3);
	weir_hs_plan_free(&plan);
	check_rule("a & b & !c", two, NITEMS(two), true, pt, NITEMS(pt), NULL);
}

/*
 * Why the sentinel: Hyperscan 5.4 evaluates "a & b & !c" whenever a sub
 * matches, with !c meaning "c has not matched yet", so it fires on "ab"
 * followed by "c". Pinned here so a Hyperscan that changes this is noticed.
 */
static void
test_hs_combination_negation_is_positional(void)
{
	static const char *const ex[] = {"aaa", "bbb", "ccc", "0 & 1 & !2"};
	static const unsigned int fl[] = {
		HS_FLAG_QUIET,
		HS_FLAG_QUIET,
		HS_FLAG_QUIET,
		HS_FLAG_COMBINATION | HS_FLAG_SINGLEMATCH,
	};
	static const unsigned int ids[] = {0, 1, 2, 3};
	hs_compile_error_t *cerr = NULL;
	hs_scratch_t *s = NULL;
	hs_database_t *db = NULL;
	unsigned int hits[2] = {0, 3};

	CU_ASSERT_FATAL(hs_compile_multi((const char *const *)ex, fl, ids, 4, HS_MODE_BLOCK, NULL,
					 &db, &cerr) == HS_SUCCESS);
	CU_ASSERT_FATAL(hs_alloc_scratch(db, &s) == HS_SUCCESS);
	CU_ASSERT(hs_scan(db, "aaabbb", 6, 0, s, on_match, hits) == HS_SUCCESS);
	CU_ASSERT(hits[0] == 1);
	hits[0] = 0;
	CU_ASSERT(hs_scan(db, "cccaaabbb", 9, 0, s, on_match, hits) == HS_SUCCESS);
	CU_ASSERT(hits[0] == 0);
	hits[0] = 0;
	CU_ASSERT(hs_scan(db, "aaabbbccc", 9, 0, s, on_match, hits) == HS_SUCCESS);
	CU_ASSERT(hits[0] == 1); /* Suricata: no match */
	hs_free_scratch(s);
	hs_free_database(db);
}

static void
test_regex_special_bytes_are_literal(void)
{
	struct weir_item it[] = {{CT("a.*([\\/|\x00\xff$^?+{}")}};
	static const struct payload pl[] = {
		P("a.*([\\/|\x00\xff$^?+{}", true),
		P("--a.*([\\/|\x00\xff$^?+{}--", true),
		P("aXXX([\\/|\x00\xff$^?+{}", false),
		P("a.*([\\/|\x00\xfe$^?+{}", false),
		P("a.*([\\/|", false),
		P("a", false),
	};
	struct weir_hs_plan plan;
	const char *e;

	check_rule("special bytes", it, NITEMS(it), true, pl, NITEMS(pl), &plan);
	e = plan.sub[0].expr;
	CU_ASSERT_STRING_EQUAL(e, "a\\x2e\\x2a\\x28\\x5b\\x5c\\x2f\\x7c\\x00\\xff\\x24\\x5e\\x3f"
				  "\\x2b\\x7b\\x7d");
	weir_hs_plan_free(&plan);
}

static void
test_pcre_exact_and_flags(void)
{
	struct weir_item i[] = {{PCRE("a[0-9]+c", WEIR_PCRE_I)}};
	static const struct payload pi[] = {P("xA12Cx", true), P("ac", false), P("a1", false)};
	struct weir_item s[] = {{PCRE("a.c", WEIR_PCRE_S)}};
	static const struct payload ps[] = {P("a\nc", true), P("abc", true)};
	struct weir_item nos[] = {{PCRE("a.c", 0)}};
	static const struct payload pns[] = {P("a\nc", false), P("abc", true)};
	struct weir_item m[] = {{PCRE("^abc$", WEIR_PCRE_M)}};
	static const struct payload pm[] = {P("x\nabc\ny", true), P("xabc", false)};
	struct weir_item nom[] = {{PCRE("^abc$", 0)}};
	static const struct payload pnm[] = {P("x\nabc\ny", false), P("abc", true),
					     P("abc\n", true)};
	struct weir_item x[] = {{PCRE(" a b  c # a comment", WEIR_PCRE_X)}};
	static const struct payload px[] = {P("abc", true), P("a b c", false)};
	struct weir_item x2[] = {{PCRE("a\\ b [#] c", WEIR_PCRE_X)}};
	static const struct payload px2[] = {P("a b#c", true), P("ab#c", false)};
	struct weir_hs_plan plan;

	check_rule("pcre i", i, NITEMS(i), true, pi, NITEMS(pi), &plan);
	CU_ASSERT(plan.sub[0].flags == HS_FLAG_CASELESS);
	weir_hs_plan_free(&plan);
	check_rule("pcre s", s, NITEMS(s), true, ps, NITEMS(ps), NULL);
	check_rule("pcre no s", nos, NITEMS(nos), true, pns, NITEMS(pns), NULL);
	check_rule("pcre m", m, NITEMS(m), true, pm, NITEMS(pm), &plan);
	CU_ASSERT(plan.sub[0].flags == HS_FLAG_MULTILINE);
	weir_hs_plan_free(&plan);
	check_rule("pcre no m", nom, NITEMS(nom), true, pnm, NITEMS(pnm), NULL);
	check_rule("pcre x", x, NITEMS(x), true, px, NITEMS(px), &plan);
	CU_ASSERT_STRING_EQUAL(plan.sub[0].expr, "(?x) a b  c # a comment\n");
	weir_hs_plan_free(&plan);
	check_rule("pcre x class", x2, NITEMS(x2), true, px2, NITEMS(px2), NULL);
}

static void
test_pcre_backreference_prefilters(void)
{
	struct weir_item it[] = {{PCRE("(a+)b\\1c", 0)}};
	static const struct payload pl[] = {
		P("aabaac", true),
		P("xabacx", true),
		P("aabac", false), /* a candidate at most: PCRE2 decides */
		P("xyz", false),
	};
	struct weir_item la[] = {{PCRE("foo(?=bar)", 0)}};
	static const struct payload pla[] = {P("foobar", true), P("foobaz", false)};
	struct weir_hs_plan plan;

	check_rule("backreference", it, NITEMS(it), false, pl, NITEMS(pl), &plan);
	CU_ASSERT(plan.sub[0].flags & HS_FLAG_PREFILTER);
	weir_hs_plan_free(&plan);
	check_rule("lookahead", la, NITEMS(la), false, pla, NITEMS(pla), &plan);
	CU_ASSERT(plan.sub[0].flags & HS_FLAG_PREFILTER);
	weir_hs_plan_free(&plan);
}

static void
test_pcre_refused_even_prefiltered(void)
{
	struct weir_item it[] = {{CT("abc")}, {PCRE("a\\Rb", 0), .col = 42}};
	struct weir_hs_plan plan;
	struct weir_suri_rule r;
	char err[256] = "";
	unsigned int col = 0;

	rule_init(&r, it, NITEMS(it));
	CU_ASSERT(weir_hs_plan_build(&r, &plan, err, sizeof(err), &col) == -EINVAL);
	CU_ASSERT(col == 42);
	CU_ASSERT(strstr(err, "\\R at index 1 not supported") != NULL);
	CU_ASSERT(plan.n_sub == 0 && plan.sub == NULL);
	/* Tolerates no err buffer. */
	CU_ASSERT(weir_hs_plan_build(&r, &plan, NULL, 0, NULL) == -EINVAL);
}

static void
test_pcre_matching_empty_is_dropped(void)
{
	struct weir_item it[] = {{PCRE("a*", 0)}};
	static const struct payload pl[] = {P("", true), P("xyz", true)};
	struct weir_item both[] = {{CT("xyz")}, {PCRE("b?", 0)}};
	static const struct payload pb[] = {P("xyz", true), P("xy", false)};
	struct weir_hs_plan plan;

	check_rule("empty pcre", it, NITEMS(it), false, pl, NITEMS(pl), &plan);
	CU_ASSERT(plan.always);
	weir_hs_plan_free(&plan);
	check_rule("content + empty pcre", both, NITEMS(both), false, pb, NITEMS(pb), NULL);
}

static void
test_negated_pcre(void)
{
	struct weir_item it[] = {{CT("abc")}, {PCRE("x[0-9]y", 0), .negated = true}};
	static const struct payload pl[] = {
		P("abc", true),
		P("abc x1y", false),
		P("x2yabc", false),
		P("abc xay", true),
	};
	/* A negated prefilter would be a negated superset: left out. */
	struct weir_item bref[] = {{CT("abc")}, {PCRE("(x)\\1", 0), .negated = true}};
	static const struct payload pb[] = {P("abc", true), P("abcxx", false)};
	struct weir_hs_plan plan;

	check_rule("negated pcre", it, NITEMS(it), true, pl, NITEMS(pl), &plan);
	CU_ASSERT_FATAL(plan.n_sub == 3);
	CU_ASSERT(plan.sub[1].negated);
	weir_hs_plan_free(&plan);
	check_rule("negated prefilter pcre", bref, NITEMS(bref), false, pb, NITEMS(pb), &plan);
	CU_ASSERT_FATAL(plan.n_sub == 1);
	CU_ASSERT(!plan.sub[0].negated);
	weir_hs_plan_free(&plan);
}

static void
test_inexact_cases_are_supersets(void)
{
	/* Negative distance: may overlap the previous match. */
	struct weir_item nd[] = {{CT("abcd")}, {CT("cdx"), DISTANCE(-2), WITHIN(3)}};
	static const struct payload pnd[] = {
		P("abcdx", true),
		P("abcd cdx", false),
		P("cdxabcd", false),
		P("abcd", false),
	};
	/* Negated relative content. */
	struct weir_item nr[] = {
		{CT("ab")},
		{CT("cd"), DISTANCE(0), WITHIN(2), .negated = true},
		{CT("ef"), DISTANCE(0)},
	};
	static const struct payload pnr[] = {
		P("abxxef", true),
		P("abcdef", false),
		P("ab", false),
	};
	/* Relative pcre: anchored at the previous match. */
	struct weir_item rp[] = {{CT("ab")}, {PCRE("^c+d", 0), .relative = true}};
	static const struct payload prp[] = {P("abccd", true), P("abxcd", false)};
	/* An absolute pcre followed by relative contents. */
	struct weir_item pc[] = {{PCRE("a[0-9]", 0)}, {CT("zz"), DISTANCE(1)}};
	static const struct payload ppc[] = {P("a1xzz", true), P("zza1", false)};
	/* luhn on a content. */
	struct weir_item lu[] = {{CT("card="), .luhn = true}};
	static const struct payload plu[] = {P("card=4111111111111111", true)};
	/* Negated content with luhn: cannot be negated exactly. */
	struct weir_item nlu[] = {{CT("x")}, {CT("card="), .luhn = true, .negated = true}};
	static const struct payload pnlu[] = {P("x card=4111111111111111", false), P("x", true)};
	struct weir_hs_plan plan;

	check_rule("negative distance", nd, NITEMS(nd), false, pnd, NITEMS(pnd), &plan);
	CU_ASSERT(plan.n_sub == 2);
	weir_hs_plan_free(&plan);
	check_rule("negated relative", nr, NITEMS(nr), false, pnr, NITEMS(pnr), NULL);
	check_rule("relative pcre", rp, NITEMS(rp), false, prp, NITEMS(prp), &plan);
	CU_ASSERT(plan.n_sub == 1);
	CU_ASSERT_STRING_EQUAL(plan.sub[0].expr, "ab");
	weir_hs_plan_free(&plan);
	check_rule("pcre then content", pc, NITEMS(pc), false, ppc, NITEMS(ppc), &plan);
	CU_ASSERT(plan.n_sub == 2);
	weir_hs_plan_free(&plan);
	check_rule("luhn", lu, NITEMS(lu), false, plu, NITEMS(plu), NULL);
	check_rule("negated luhn", nlu, NITEMS(nlu), false, pnlu, NITEMS(pnlu), &plan);
	CU_ASSERT(plan.n_sub == 1);
	weir_hs_plan_free(&plan);
}

static void
test_always_plans(void)
{
	struct weir_item pan[] = {{.kind = WEIR_ITEM_PAN}};
	struct weir_item neg[] = {
		{CT("abc"), .negated = true},
		{CT("x"), DEPTH(1), .negated = true},
	};
	struct weir_item pan_rel[] = {{.kind = WEIR_ITEM_PAN}, {CT("exp"), DISTANCE(0)}};
	static const struct payload pl[] = {P("", true), P("abc", false), P("zzz", true)};
	static const struct payload pr[] = {P("4111 1111 1111 1111 exp", true), P("x", false)};
	struct weir_hs_plan plan;
	struct weir_suri_rule r;

	rule_init(&r, NULL, 0);
	CU_ASSERT(weir_hs_plan_build(&r, &plan, NULL, 0, NULL) == 0);
	CU_ASSERT(plan.always && plan.exact && plan.n_sub == 0 && plan.sub == NULL);
	weir_hs_plan_free(&plan);

	check_rule("pan only", pan, NITEMS(pan), false, pl, 1, &plan);
	CU_ASSERT(plan.always && plan.n_sub == 0);
	weir_hs_plan_free(&plan);
	check_rule("all negated", neg, NITEMS(neg), false, pl, NITEMS(pl), &plan);
	CU_ASSERT(plan.always && plan.n_sub == 0 && plan.sub == NULL);
	weir_hs_plan_free(&plan);
	check_rule("pan then relative", pan_rel, NITEMS(pan_rel), false, pr, NITEMS(pr), &plan);
	CU_ASSERT(!plan.always && plan.n_sub == 1);
	weir_hs_plan_free(&plan);
}

static void
test_large_bounds(void)
{
	/* ext bounds have no repeat limit: exact. */
	struct weir_item big[] = {{CT("abc"), OFFSET(100000), DEPTH(200000)}};
	static const struct payload pb[] = {P("abc", false)};
	/* Past Hyperscan's {32767}: the bound goes, the plan is a superset. */
	struct weir_item w[] = {{CT("ab")}, {CT("cd"), WITHIN(40000)}};
	static const struct payload pw[] = {P("abxcd", true), P("cdab", false)};
	struct weir_item d[] = {{CT("ab")}, {CT("cd"), DISTANCE(40000)}};
	static const struct payload pd[] = {P("abcd", false)};
	struct weir_item head[] = {{CT("ab"), OFFSET(50000)}, {CT("cd"), DISTANCE(0)}};
	static const struct payload ph[] = {P("abcd", false)};
	struct weir_item budget[] = {
		{CT("a")},
		{CT("b"), WITHIN(30001)},
		{CT("c"), WITHIN(30001)},
		{CT("d"), WITHIN(30001)},
	};
	struct weir_hs_plan plan;
	struct weir_suri_rule r;

	check_rule("ext 100000", big, NITEMS(big), true, pb, NITEMS(pb), &plan);
	CU_ASSERT(plan.sub[0].ext.min_offset == 100003);
	CU_ASSERT(plan.sub[0].ext.max_offset == 300000);
	weir_hs_plan_free(&plan);
	check_rule("within 40000", w, NITEMS(w), false, pw, NITEMS(pw), &plan);
	CU_ASSERT_STRING_EQUAL(plan.sub[0].expr, "ab[\\s\\S]*cd");
	weir_hs_plan_free(&plan);
	check_rule("distance 40000", d, NITEMS(d), false, pd, NITEMS(pd), &plan);
	CU_ASSERT_STRING_EQUAL(plan.sub[0].expr, "ab[\\s\\S]*cd");
	weir_hs_plan_free(&plan);
	check_rule("offset 50000 head", head, NITEMS(head), false, ph, NITEMS(ph), &plan);
	CU_ASSERT_STRING_EQUAL(plan.sub[0].expr, "ab[\\s\\S]*cd");
	weir_hs_plan_free(&plan);

	/* The per-expression budget: two 30,000 gaps fit, the third does
	 * not (not compiled here: that alone takes seconds). */
	rule_init(&r, budget, NITEMS(budget));
	CU_ASSERT_FATAL(weir_hs_plan_build(&r, &plan, NULL, 0, NULL) == 0);
	CU_ASSERT(!plan.exact);
	CU_ASSERT_STRING_EQUAL(plan.sub[0].expr, "a[\\s\\S]{0,30000}b[\\s\\S]{0,30000}c[\\s\\S]*d");
	weir_hs_plan_free(&plan);
}

static void
test_bad_items(void)
{
	struct weir_item empty[] = {{CT("a")}, {.kind = WEIR_ITEM_CONTENT, .col = 7}};
	struct weir_item nopat[] = {{.kind = WEIR_ITEM_PCRE, .col = 9}};
	struct weir_hs_plan plan;
	struct weir_suri_rule r;
	char err[128];
	unsigned int col = 0;

	rule_init(&r, empty, NITEMS(empty));
	CU_ASSERT(weir_hs_plan_build(&r, &plan, err, sizeof(err), &col) == -EINVAL);
	CU_ASSERT(col == 7);
	CU_ASSERT(plan.sub == NULL && plan.n_sub == 0);
	rule_init(&r, nopat, NITEMS(nopat));
	CU_ASSERT(weir_hs_plan_build(&r, &plan, err, sizeof(err), &col) == -EINVAL);
	CU_ASSERT(col == 9);
}

static void
test_negated_content_that_cannot_match(void)
{
	/* depth below the length (the parser refuses it; defended anyway):
	 * the negation holds for every payload, so it simply goes. */
	struct weir_item it[] = {{CT("abc")}, {CT("xyz"), DEPTH(2), .negated = true}};
	static const struct payload pl[] = {P("abc", true), P("xyzabc", true)};
	struct weir_hs_plan plan;

	check_rule("negated, depth < len", it, NITEMS(it), true, pl, NITEMS(pl), &plan);
	CU_ASSERT(plan.n_sub == 1);
	weir_hs_plan_free(&plan);
}

/*
 * Hyperscan takes at most 16,000 characters of expression, 4,000 content
 * bytes as \xHH: longer contents are cut to a prefix (superset), the cut
 * bytes widen the next gap, and a cut content is never negated.
 */
static void
test_long_contents_are_cut(void)
{
	enum { LONG = 5000, MID = 1500 };
	static uint8_t big[LONG], mid[MID];
	static char pay[LONG + 2 * MID + 64];
	struct weir_item one[] = {{.kind = WEIR_ITEM_CONTENT,
				   .bytes = big,
				   .len = LONG,
				   .has_depth = true,
				   .depth = LONG + 2}};
	struct weir_item rel[] = {
		{.kind = WEIR_ITEM_CONTENT, .bytes = big, .len = LONG},
		{CT("tail"), DISTANCE(1), WITHIN(5)},
	};
	struct weir_item neg[] = {
		{CT("x")},
		{.kind = WEIR_ITEM_CONTENT, .bytes = big, .len = LONG, .negated = true},
	};
	struct weir_item many[] = {
		{.kind = WEIR_ITEM_CONTENT, .bytes = mid, .len = MID},
		{.kind = WEIR_ITEM_CONTENT, .bytes = mid, .len = MID, .has_distance = true},
		{.kind = WEIR_ITEM_CONTENT, .bytes = mid, .len = MID, .has_distance = true},
		{.kind = WEIR_ITEM_CONTENT, .bytes = mid, .len = MID, .has_distance = true},
	};
	struct payload pl[3];
	struct weir_hs_plan plan;
	size_t n, i;

	for (i = 0; i < LONG; i++)
		big[i] = (uint8_t)(i * 37 % 251 + 1) | 0x80; /* never alnum */
	for (i = 0; i < MID; i++)
		mid[i] = (uint8_t)'.';
	/* [2 bytes][big][1 byte]tail */
	memset(pay, '-', sizeof(pay));
	memcpy(pay + 2, big, LONG);
	memcpy(pay + 2 + LONG + 1, "tail", 4);
	n = 2 + LONG + 1 + 4;
	pl[0] = (struct payload){pay, n, true};
	pl[1] = (struct payload){pay + 2, LONG - 1, false};

	check_rule("long single", one, NITEMS(one), false, pl, 2, &plan);
	CU_ASSERT_FATAL(plan.n_sub == 1);
	CU_ASSERT(strlen(plan.sub[0].expr) <= 16000);
	CU_ASSERT(plan.sub[0].ext.max_offset == 2 + strlen(plan.sub[0].expr) / 4);
	weir_hs_plan_free(&plan);

	/* tail at distance 2: end = prev_end + 6, the within limit */
	pl[1] = (struct payload){pay, n + 1, true};
	memmove(pay + 2 + LONG + 2, "tail", 4);
	pay[2 + LONG + 1] = '-';
	pl[2] = (struct payload){pay, 2 + LONG, false};
	check_rule("long then relative", rel, NITEMS(rel), false, &pl[1], 2, &plan);
	CU_ASSERT_FATAL(plan.n_sub == 1);
	/* 3,936 bytes fit (256 characters kept for what follows); the
	 * 1,064 cut off widen {1,2} to {1065,1066}. */
	CU_ASSERT(strstr(plan.sub[0].expr, "[\\s\\S]{1065,1066}tail") != NULL);
	CU_ASSERT(strlen(plan.sub[0].expr) <= 16000);
	weir_hs_plan_free(&plan);

	pl[0] = (struct payload){"x", 1, true};
	check_rule("long negated", neg, NITEMS(neg), false, pl, 1, &plan);
	CU_ASSERT(plan.n_sub == 1 && !plan.sub[0].negated);
	weir_hs_plan_free(&plan);

	/* Four 1,500-byte contents (6,000 characters each): the third is cut
	 * short, the fourth gets the rest. */
	for (i = 0; i < 4; i++)
		memcpy(pay + i * MID, mid, MID);
	pl[0] = (struct payload){pay, 4 * MID, true};
	check_rule("many long", many, NITEMS(many), false, pl, 1, &plan);
	CU_ASSERT(plan.n_sub >= 1);
	for (i = 0; i < plan.n_sub; i++)
		CU_ASSERT(strlen(plan.sub[i].expr) <= 16000);
	weir_hs_plan_free(&plan);
}

/* ---- seeded random comparison with the model ------------------------- */

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;

static unsigned int
rnd(unsigned int n)
{
	return (unsigned int)(weir_ut_xorshift(&g_rng) % n);
}

#define R_ITEMS	   6
#define R_PAYLOADS 200
#define R_MAXLEN   20

/*
 * Random content-only rules over a two-letter alphabet, so that matches
 * are dense and every bound is hit. With @p loose, also negative
 * distances and negated relative contents (inexact plans).
 */
static unsigned int
random_rule(struct weir_item *items, uint8_t (*bytes)[4], bool loose)
{
	unsigned int n = 0, chains = 1 + rnd(2), ch, k, j;

	for (ch = 0; ch < chains && n < R_ITEMS; ch++) {
		unsigned int follow = rnd(3);

		for (k = 0; k <= follow && n < R_ITEMS; k++) {
			struct weir_item *it = &items[n];
			uint32_t len = 1 + rnd(3);

			memset(it, 0, sizeof(*it));
			it->kind = WEIR_ITEM_CONTENT;
			for (j = 0; j < len; j++)
				bytes[n][j] = (uint8_t)("abAB"[rnd(4)]);
			it->bytes = bytes[n];
			it->len = len;
			it->nocase = rnd(3) == 0;
			if (k == 0) {
				if (rnd(2)) {
					it->has_offset = true;
					it->offset = (int32_t)rnd(5);
				}
				if (rnd(2)) {
					it->has_depth = true;
					it->depth = (int32_t)(len + rnd(6));
				}
				it->negated = ch > 0 && rnd(4) == 0;
			} else {
				it->has_distance = rnd(3) != 0;
				it->distance = (int32_t)rnd(4) - (loose && rnd(3) == 0 ? 5 : 0);
				it->has_within = rnd(2) || !it->has_distance;
				it->within = (int32_t)(len + rnd(5));
				it->negated = loose && rnd(5) == 0;
			}
			n++;
			if (it->negated)
				break; /* nothing relative to a negated content here */
		}
	}
	return n;
}

static void
random_run(bool loose, unsigned int rules)
{
	struct weir_item items[R_ITEMS];
	uint8_t bytes[R_ITEMS][4];
	unsigned int i, j, k, n, exact = 0, hits = 0, bad = 0;
	char payload[R_MAXLEN];

	for (i = 0; i < rules; i++) {
		struct weir_hs_plan plan;
		struct weir_suri_rule r;
		struct compiled c;

		n = random_rule(items, bytes, loose);
		rule_init(&r, items, n);
		CU_ASSERT_FATAL(weir_hs_plan_build(&r, &plan, NULL, 0, NULL) == 0);
		if (!loose)
			CU_ASSERT(plan.exact || plan.always);
		exact += plan.exact;
		if (plan_compile(&plan, &c) != 0) {
			plan_dump("random", &plan);
			CU_FAIL("random plan does not compile");
			weir_hs_plan_free(&plan);
			continue;
		}
		for (j = 0; j < R_PAYLOADS; j++) {
			size_t len = rnd(R_MAXLEN + 1);
			bool leak, want, got;

			for (k = 0; k < len; k++)
				payload[k] = "abAB\n"[rnd(5)];
			want = ref_match(items, n, 0, 0, (const uint8_t *)payload, (int64_t)len);
			got = compiled_scan(&c, payload, len, &leak);
			hits += want;
			if (leak || (plan.exact ? got != want : (want && !got))) {
				if (bad++ < 5) {
					fprintf(stderr,
						"random rule %u payload '%.*s': got %d want %d\n",
						i, (int)len, payload, got, want);
					plan_dump("random", &plan);
				}
			}
		}
		compiled_free(&c);
		weir_hs_plan_free(&plan);
	}
	CU_ASSERT(bad == 0);
	/* The run means something: matches happen, and most plans are exact. */
	CU_ASSERT(hits > rules * R_PAYLOADS / 20);
	if (!loose)
		CU_ASSERT(exact > rules * 3 / 4);
}

static void
test_random_exact_rules_equal_model(void)
{
	random_run(false, 300);
}

static void
test_random_loose_rules_are_supersets(void)
{
	random_run(true, 300);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("compile_hs", NULL, NULL);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_offset_depth_single_content_uses_ext);
	CU_ADD_TEST(s, test_depth_only_and_offset_only);
	CU_ADD_TEST(s, test_chain_head_offset_depth_anchors);
	CU_ADD_TEST(s, test_distance_zero_and_positive);
	CU_ADD_TEST(s, test_within_exact_and_one_short);
	CU_ADD_TEST(s, test_distance_plus_within);
	CU_ADD_TEST(s, test_relative_backtracks);
	CU_ADD_TEST(s, test_first_item_relative_counts_from_start);
	CU_ADD_TEST(s, test_nocase_with_hex);
	CU_ADD_TEST(s, test_independent_chains);
	CU_ADD_TEST(s, test_fast_pattern_picks_the_chain);
	CU_ADD_TEST(s, test_negated_absolute_content);
	CU_ADD_TEST(s, test_hs_combination_negation_is_positional);
	CU_ADD_TEST(s, test_regex_special_bytes_are_literal);
	CU_ADD_TEST(s, test_pcre_exact_and_flags);
	CU_ADD_TEST(s, test_pcre_backreference_prefilters);
	CU_ADD_TEST(s, test_pcre_refused_even_prefiltered);
	CU_ADD_TEST(s, test_pcre_matching_empty_is_dropped);
	CU_ADD_TEST(s, test_negated_pcre);
	CU_ADD_TEST(s, test_inexact_cases_are_supersets);
	CU_ADD_TEST(s, test_always_plans);
	CU_ADD_TEST(s, test_large_bounds);
	CU_ADD_TEST(s, test_bad_items);
	CU_ADD_TEST(s, test_negated_content_that_cannot_match);
	CU_ADD_TEST(s, test_long_contents_are_cut);
	CU_ADD_TEST(s, test_byte_items_superset);
	CU_ADD_TEST(s, test_random_exact_rules_equal_model);
	CU_ADD_TEST(s, test_random_loose_rules_are_supersets);
	return weir_ut_run();
}
