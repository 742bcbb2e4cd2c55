/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the byte keywords and isdataat (rules/rules_parse_byte.c
 * through rules_parse_suri.c), startswith and endswith, variables in content
 * modifiers: what each accepted value fills in, every refusal with its
 * exact message and column, and, through the confirm step (weir_sprog_*),
 * the boundary values of reading numbers out of a payload. The expected
 * values come from Suricata's documentation (payload-keywords.rst) and
 * source (detect-bytetest.c, detect-bytejump.c, detect-isdataat.c,
 * detect-depth.c, util-byte.c, rust/src/detect/byte_extract.rs and
 * byte_math.rs, detect-engine-content-inspection.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

static int
parse1(const char *text, struct weir_suri_rule_list *l, struct weir_diags *ds)
{
	return weir_rules_parse_suri_rule("t.rules", 7, text, &g_vars, l, ds);
}

/* Parse one good rule; the list is the caller's to free. */
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
		return NULL;
	}
	weir_diags_free(&ds);
	return &l->v[0];
}

/* @p text is refused with one diagnostic at the column of the first
 * @p at, for keyword @p kw, whose message is exactly @p msg. */
static void
expect_err(const char *text, const char *at, const char *kw, const char *msg)
{
	struct weir_suri_rule_list l = {0};
	struct weir_diags ds;
	char want[512], got[512];
	const char *p;
	int rc;

	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	p = strstr(text, at);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	rc = parse1(text, &l, &ds);
	CU_ASSERT(rc == -EINVAL);
	CU_ASSERT(l.n == 0);
	if (ds.n == 0) {
		fprintf(stderr, "\n  accepted: %s\n", text);
		weir_suri_rule_list_free(&l);
		weir_diags_free(&ds);
		CU_FAIL("accepted");
		return;
	}
	weir_diag_format(&ds.v[0], got, sizeof(got));
	snprintf(want, sizeof(want), "t.rules:7:%u: %s", (unsigned int)(p - text) + 1, msg);
	if (strcmp(got, want) != 0 || strcmp(ds.v[0].keyword, kw) != 0)
		fprintf(stderr, "\n  %s\n  got  \"%s\" [%s]\n  want \"%s\" [%s]\n", text, got,
			ds.v[0].keyword, want, kw);
	CU_ASSERT_STRING_EQUAL(got, want);
	CU_ASSERT_STRING_EQUAL(ds.v[0].keyword, kw);
	weir_suri_rule_list_free(&l);
	weir_diags_free(&ds);
}

/* ---- accepted values ---------------------------------------------------- */

static void
test_byte_test_fields(void)
{
	struct weir_suri_rule_list l;
	struct weir_suri_rule *r;
	const struct weir_byteop *b;

	r = good(HDR "content:\"a\"; byte_test: 4 , ! & , 0x10 , -3 , relative , little ; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->n_items, 2);
	b = &r->items[1].bop;
	CU_ASSERT_EQUAL(r->items[1].kind, WEIR_ITEM_BYTE_TEST);
	CU_ASSERT(b->nbytes == 4 && b->neg && b->op == WEIR_BT_AND && b->value == 16);
	CU_ASSERT(b->offset == -3 && b->relative && b->little && !b->string);
	weir_suri_rule_list_free(&l);

	/* base 0 value (010 is octal 8), "!" alone is "!=", big after little
	 * wins, bitmask's trailing zeros */
	r = good(HDR "byte_test:2,!,010,0,little,big,bitmask 0x0F00; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	b = &r->items[0].bop;
	CU_ASSERT(b->neg && b->op == WEIR_BT_EQ && b->value == 8 && !b->little);
	CU_ASSERT(b->has_bitmask && b->bitmask == 0xF00 && b->bitmask_shift == 8);
	weir_suri_rule_list_free(&l);

	r = good(HDR "byte_test:23,<=,18446744073709551615,0,string,oct; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	b = &r->items[0].bop;
	CU_ASSERT(b->op == WEIR_BT_LE && b->value == UINT64_MAX && b->string && b->base == 8);
	weir_suri_rule_list_free(&l);

	/* operators >= and ^, base letters in any case, dec|hex ORed as
	 * Suricata does (26) */
	r = good(HDR "byte_test:3,>=,1,0,STRING,Dec,hex; byte_test:1,^,1,0; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->items[0].bop.op == WEIR_BT_GE && r->items[0].bop.base == 26);
	CU_ASSERT(r->items[1].bop.op == WEIR_BT_XOR);
	weir_suri_rule_list_free(&l);
}

static void
test_byte_jump_extract_math_fields(void)
{
	struct weir_suri_rule_list l;
	struct weir_suri_rule *r;
	const struct weir_byteop *b;

	r = good(HDR "byte_jump:4,-7,little,relative,from_beginning,align,multiplier 2,"
		     "post_offset -16; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	b = &r->items[0].bop;
	CU_ASSERT(r->items[0].kind == WEIR_ITEM_BYTE_JUMP && b->nbytes == 4 && b->offset == -7);
	CU_ASSERT(b->little && b->relative && b->from_beginning && b->align == 4);
	CU_ASSERT(b->multiplier == 2 && b->post_offset == -16);
	weir_suri_rule_list_free(&l);

	r = good(HDR "byte_extract:2,1,len,relative,multiplier 4,align 2,little; "
		     "byte_extract:3,0,s,string,hex; "
		     "byte_math:bytes 1,offset 0,oper <<,rvalue len,result m,bitmask 0xf0; "
		     "byte_jump:len,s; isdataat:!m,relative; "
		     "content:\"x\"; distance:s; within:len; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL_FATAL(r->n_items, 6);
	b = &r->items[0].bop;
	CU_ASSERT(b->nbytes == 2 && b->offset == 1 && b->relative && b->multiplier == 4);
	CU_ASSERT(b->align == 2 && b->little && b->slot == 0 && strcmp(b->name, "len") == 0);
	b = &r->items[1].bop;
	CU_ASSERT(b->string && b->base == 16 && b->slot == 1);
	b = &r->items[2].bop;
	CU_ASSERT(r->items[2].kind == WEIR_ITEM_BYTE_MATH && b->op == WEIR_BM_SHL);
	CU_ASSERT(b->value_var == 1 && b->slot == 2 && b->bitmask == 0xf0 && b->bitmask_shift == 4);
	b = &r->items[3].bop;
	CU_ASSERT(b->nbytes_var == 1 && b->offset_var == 2);
	b = &r->items[4].bop;
	CU_ASSERT(r->items[4].kind == WEIR_ITEM_ISDATAAT && b->neg && b->relative);
	CU_ASSERT(b->offset_var == 3);
	CU_ASSERT(r->items[5].distance_var == 2 && r->items[5].within_var == 1);
	CU_ASSERT(r->items[5].relative);
	weir_suri_rule_list_free(&l);

	/* byte_math in any order, string base, endian */
	r = good(HDR "byte_math:result r, rvalue 4294967295, oper -, offset -65535, bytes 10, "
		     "string dec, relative; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	b = &r->items[0].bop;
	CU_ASSERT(b->value == UINT32_MAX && b->op == WEIR_BM_SUB && b->offset == -65535);
	CU_ASSERT(b->nbytes == 10 && b->string && b->base == 10 && b->relative);
	weir_suri_rule_list_free(&l);
}

static void
test_isdataat_startswith_endswith(void)
{
	struct weir_suri_rule_list l;
	struct weir_suri_rule *r;

	r = good(HDR "isdataat:65535; isdataat:!0, relative, rawbytes; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->items[0].bop.value == 65535 && !r->items[0].bop.neg);
	CU_ASSERT(r->items[1].bop.value == 0 && r->items[1].bop.neg && r->items[1].bop.relative);
	weir_suri_rule_list_free(&l);

	/* Suricata rewrites isdataat:!1,relative after a content as endswith */
	r = good(HDR "content:\"abc\"; isdataat:!1,relative; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->n_items == 1 && r->items[0].endswith);
	weir_suri_rule_list_free(&l);
	/* but not after a byte_test, nor without the '!' */
	r = good(HDR "content:\"abc\"; byte_test:1,=,1,0; isdataat:!1,relative; isdataat:1,"
		     "relative; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->n_items == 4 && !r->items[0].endswith);
	weir_suri_rule_list_free(&l);

	r = good(HDR "content:\"GET \"; startswith; content:\"x\"; endswith; distance:0; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->items[0].startswith && r->items[0].has_depth && r->items[0].depth == 4);
	CU_ASSERT(r->items[1].endswith && r->items[1].relative);
	weir_suri_rule_list_free(&l);

	/* pcre flag B and rawbytes are accepted as no-ops */
	r = good(HDR "content:\"a\"; rawbytes; pcre:\"/a/RB\"; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->items[1].relative);
	weir_suri_rule_list_free(&l);
}

/* ---- refusals ----------------------------------------------------------- */

static void
test_byte_test_errors(void)
{
	expect_err(HDR "byte_test:1,=,1; sid:1;)", "1,=", "byte_test",
		   "byte_test: expected <nbytes>, [!]<operator>, <value>, <offset> [, options], "
		   "got '1,=,1'");
	expect_err(HDR "byte_test:9,=,1,0; sid:1;)", "9,", "byte_test",
		   "byte_test: cannot test more than 8 bytes without \"string\"");
	expect_err(HDR "byte_test:24,=,1,0,string; sid:1;)", "24,", "byte_test",
		   "byte_test: cannot test more than 23 bytes with \"string\"");
	expect_err(HDR "byte_test:0,=,1,0,string; sid:1;)", "0,", "byte_test",
		   "byte_test: \"string\" with 0 bytes is not supported (Suricata then reads the "
		   "payload up to its first NUL)");
	expect_err(HDR "byte_test:2,=,1,0,hex; sid:1;)", "2,", "byte_test",
		   "byte_test: cannot use a base without \"string\"");
	expect_err(HDR "byte_test:2,=>,1,0; sid:1;)", "=>", "byte_test",
		   "byte_test: invalid operator '=>' (expected [!] and one of = < > <= >= & ^)");
	expect_err(HDR "byte_test:2,=,1x,0; sid:1;)", "1x", "byte_test",
		   "byte_test: malformed value '1x'");
	expect_err(HDR "byte_test:2,=,1,2147483648; sid:1;)", "2147483648", "byte_test",
		   "byte_test: malformed offset '2147483648'");
	expect_err(HDR "byte_test:2,=,1,0,dce; sid:1;)", "dce", "byte_test",
		   "byte_test: dce is not supported (the byte order comes from the DCERPC parser, "
		   "which weir does not have)");
	expect_err(HDR "byte_test:2,=,1,0,Relative; sid:1;)", "Relative", "byte_test",
		   "byte_test: unknown option 'Relative' (expected relative, big, little, string, "
		   "dec, hex, oct, bitmask <mask>)");
	expect_err(HDR "byte_test:2,=,1,0,bitmask 0x1ffffffff; sid:1;)", "0x1ff", "byte_test",
		   "byte_test: malformed bitmask value '0x1ffffffff'");
	expect_err(HDR "byte_test:2,=,1,0,relative,big,little,string,dec,hex; sid:1;)", "hex",
		   "byte_test",
		   "byte_test: at most 5 options after the offset (Suricata's parser takes no "
		   "more)");
	expect_err(HDR "byte_test:2,=,v,0; sid:1;)", "v,0", "byte_test",
		   "byte_test: unknown variable 'v' for the value (it must be the result of an "
		   "earlier byte_extract or byte_math)");
	expect_err(HDR "byte_test:2,=,1,0,,relative; sid:1;)", ",relative", "byte_test",
		   "byte_test: empty value between ','");
}

static void
test_byte_jump_errors(void)
{
	expect_err(HDR "byte_jump:4; sid:1;)", "4;", "byte_jump",
		   "byte_jump: expected <nbytes>, <offset> [, options], got '4'");
	expect_err(HDR "byte_jump:4,65536; sid:1;)", "65536", "byte_jump",
		   "byte_jump: malformed offset '65536' (expected -65535 to 65535)");
	expect_err(HDR "byte_jump:4,0,from_end,from_beginning; sid:1;)", "4,0", "byte_jump",
		   "byte_jump: 'from_end' and 'from_beginning' cannot be used in the same "
		   "byte_jump");
	expect_err(HDR "byte_jump:4,0,multiplier 0; sid:1;)", "0;", "byte_jump",
		   "byte_jump: malformed multiplier '0' (1 to 65535)");
	expect_err(HDR "byte_jump:4,0,post_offset 65536; sid:1;)", "65536", "byte_jump",
		   "byte_jump: malformed post_offset '65536' (-65535 to 65535)");
	/* documented, but Suricata's parser has no bitmask for byte_jump */
	expect_err(HDR "byte_jump:4,0,bitmask 0xff; sid:1;)", "bitmask", "byte_jump",
		   "byte_jump: unknown option 'bitmask 0xff' (expected relative, big, little, "
		   "string, dec, hex, oct, align, from_beginning, from_end, multiplier <n>, "
		   "post_offset <n>)");
	expect_err(HDR "byte_jump:4,0,dce; sid:1;)", "dce", "byte_jump",
		   "byte_jump: dce is not supported (the byte order comes from the DCERPC parser, "
		   "which weir does not have)");
	expect_err(HDR "byte_jump:9,0; sid:1;)", "9,", "byte_jump",
		   "byte_jump: cannot test more than 8 bytes without \"string\"");
}

static void
test_byte_extract_math_errors(void)
{
	expect_err(
		HDR "byte_extract:4,2; sid:1;)", "4,2", "byte_extract",
		"byte_extract: expected <nbytes>, <offset>, <name> [, options] (3 to 10 values), "
		"got '4,2'");
	expect_err(HDR "byte_extract:4,32768,v; sid:1;)", "32768", "byte_extract",
		   "byte_extract: invalid offset value '32768' (-32768 to 32767)");
	expect_err(HDR "byte_extract:4 ,0,v; sid:1;)", "4 ,", "byte_extract",
		   "byte_extract: invalid nbytes value '4 '");
	expect_err(HDR "byte_extract:9,0,v; sid:1;)", "9,", "byte_extract",
		   "byte_extract: can't process more than 8 bytes in \"non-string\" extraction");
	expect_err(HDR "byte_extract:15,0,v,string,hex; sid:1;)", "15,", "byte_extract",
		   "byte_extract: can't process more than 14 bytes in \"string\" extraction");
	expect_err(HDR "byte_extract:4,0,v,hex; sid:1;)", "hex", "byte_extract",
		   "byte_extract: string must be set first");
	expect_err(HDR "byte_extract:4,0,v,string,little; sid:1;)", "4,0", "byte_extract",
		   "byte_extract: can't specify string and an endian value");
	expect_err(HDR "byte_extract:4,0,v,align 3; sid:1;)", "3;", "byte_extract",
		   "byte_extract: invalid align value '3' (must be 2 or 4)");
	expect_err(HDR "byte_extract:4,0,v,relative,relative; sid:1;)", "relative;", "byte_extract",
		   "byte_extract: relative already set");
	expect_err(HDR "byte_extract:4,0,v,slice; sid:1;)", "slice", "byte_extract",
		   "byte_extract: slice is not supported (Suricata refuses it too)");
	expect_err(HDR "byte_extract:4,0,v,dce; sid:1;)", "dce", "byte_extract",
		   "byte_extract: dce is not supported (the byte order comes from the DCERPC "
		   "parser, which weir does not have)");
	expect_err(HDR "byte_math:bytes 4,offset 0,oper +,rvalue 1; sid:1;)", "bytes", "byte_math",
		   "byte_math: expected bytes, offset, oper, rvalue and result (5 to 10 values), "
		   "got 'bytes 4,offset 0,oper +,rvalue 1'");
	expect_err(HDR "byte_math:bytes 4,offset 0,oper +,rvalue 1,relative; sid:1;)", "bytes",
		   "byte_math", "byte_math: required parameters missing: result");
	expect_err(HDR "byte_math:bytes 11,offset 0,oper +,rvalue 1,result r; sid:1;)", "11",
		   "byte_math", "byte_math: invalid nbytes value: must be between 1 and 10");
	expect_err(HDR "byte_math:bytes 5,offset 0,oper <<,rvalue 1,result r; sid:1;)", "bytes",
		   "byte_math",
		   "byte_math: nbytes must be 1 through 4 (inclusive) when used with \"<<\" or "
		   "\">>\"; 5 is not valid");
	expect_err(HDR "byte_math:bytes 4,offset 0,oper &,rvalue 1,result r; sid:1;)", "&",
		   "byte_math", "byte_math: unknown oper value '&' (expected + - * / << >>)");
	expect_err(HDR "byte_math:bytes 4,offset 0,oper /,rvalue 0,result r; sid:1;)", "bytes",
		   "byte_math", "byte_math: rvalue 0 with oper / divides by zero");
	expect_err(HDR "byte_math:bytes 4,offset 0,oper +,rvalue 4294967296,result r; sid:1;)",
		   "4294967296", "byte_math",
		   "byte_math: invalid rvalue value: must be between 0 and 4294967295");
	expect_err(
		HDR "byte_math:bytes 4,offset 0,oper +,rvalue x,result r; sid:1;)", "x,",
		"byte_math",
		"byte_math: unknown variable 'x' for rvalue (it must be the result of an earlier "
		"byte_extract or byte_math)");
	expect_err(HDR "byte_math:bytes 4,offset 0,oper +,rvalue 1,result r,endian dce; sid:1;)",
		   "endian", "byte_math",
		   "byte_math: dce is not supported (the byte order comes from the DCERPC parser, "
		   "which weir does not have)");
	expect_err(HDR "byte_math:bytes 4,offset 0,oper +,rvalue 1,result r,bitmask 0xfffffffff;"
		       " sid:1;)",
		   "0xfffffffff", "byte_math",
		   "byte_math: invalid bitmask value '0xfffffffff' (hex, at most 32 bits)");
	expect_err(HDR "byte_math:bytes 4,offset 0,oper +,rvalue 1,result r,foo 1; sid:1;)", "foo",
		   "byte_math", "byte_math: unknown byte_math keyword 'foo'");
}

static void
test_isdataat_modifier_errors(void)
{
	expect_err(HDR "isdataat:65536; sid:1;)", "65536", "isdataat",
		   "isdataat: isdataat out of range: '65536' (0 to 65535)");
	expect_err(HDR "isdataat:1,rawbytes; sid:1;)", "1,rawbytes", "isdataat",
		   "isdataat: expected [!]<position>[, relative[, rawbytes]], got '1,rawbytes'");
	expect_err(HDR "isdataat:! 1; sid:1;)", "! 1", "isdataat",
		   "isdataat: expected [!]<position>[, relative[, rawbytes]], got '! 1'");
	expect_err(HDR "isdataat:len; sid:1;)", "len", "isdataat",
		   "isdataat: unknown variable 'len' for the position (it must be the result of "
		   "an earlier byte_extract or byte_math)");
	expect_err(HDR "startswith; sid:1;)", "startswith", "startswith",
		   "startswith needs a preceding content");
	expect_err(HDR "content:\"a\"; depth:3; startswith; sid:1;)", "startswith", "startswith",
		   "can't use multiple depth/startswith settings for the same content");
	expect_err(HDR "content:\"a\"; offset:3; startswith; sid:1;)", "startswith", "startswith",
		   "can't mix offset with startswith");
	expect_err(HDR "content:\"a\"; distance:0; startswith; sid:1;)", "startswith", "startswith",
		   "startswith cannot be used with distance (a relative keyword) on the same "
		   "content");
	expect_err(HDR "content:\"a\"; startswith; offset:1; sid:1;)", "offset", "offset",
		   "can't mix offset with startswith");
	expect_err(HDR "content:\"a\"; startswith; within:5; sid:1;)", "within", "within",
		   "startswith and within cannot be used together");
	expect_err(HDR "content:\"a\"; startswith:1; sid:1;)", "startswith", "startswith",
		   "startswith takes no value");
	expect_err(HDR "endswith; sid:1;)", "endswith", "endswith",
		   "endswith needs a preceding content");
	expect_err(HDR "content:\"a\"; bsize:10; sid:1;)", "bsize", "bsize",
		   "bsize needs a sticky buffer (such as http.uri); Suricata refuses it on the "
		   "packet payload");
	expect_err(HDR "content:\"a\"; absent; sid:1;)", "absent", "absent",
		   "absent needs a sticky buffer (such as http.uri); Suricata refuses it on the "
		   "packet payload");
	expect_err(HDR "content:\"a\"; within:n; sid:1;)", "n;", "within",
		   "within: unknown variable 'n' (it must be the result of an earlier "
		   "byte_extract or byte_math)");
	/* a variable is visible only after it is defined */
	expect_err(HDR "byte_test:1,=,n,0; byte_extract:1,0,n; sid:1;)", "n,0", "byte_test",
		   "byte_test: unknown variable 'n' for the value (it must be the result of an "
		   "earlier byte_extract or byte_math)");
	expect_err(HDR "byte_test:1,=,1,0; luhn; sid:1;)", "luhn", "luhn",
		   "luhn needs a preceding content or pcre");
}

/* ---- through the confirm step ------------------------------------------ */

/* Does rule @p text match @p payload ([len] bytes)? */
static bool
matches(const char *text, const char *payload, uint32_t len)
{
	struct weir_suri_rule_list l;
	struct weir_suri_rule *r = good(text, &l);
	struct weir_match_ctx *ctx;
	struct weir_sprog *p = NULL;
	char err[256];
	unsigned int col;
	bool m;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_FATAL(weir_sprog_build(r, &p, err, sizeof(err), &col) == 0);
	ctx = weir_match_ctx_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(ctx);
	weir_match_ctx_reset(ctx);
	m = weir_sprog_match(p, (const uint8_t *)payload, len, ctx);
	weir_match_ctx_free(ctx);
	weir_sprog_free(p);
	weir_suri_rule_list_free(&l);
	return m;
}

#define M(rule, payload) matches(HDR rule " sid:1;)", payload, sizeof(payload) - 1)

static void
test_match_boundaries(void)
{
	/* 8 bytes, both byte orders */
	CU_ASSERT(M("byte_test:8,=,0x0102030405060708,0;", "\x01\x02\x03\x04\x05\x06\x07\x08"));
	CU_ASSERT(M("byte_test:8,=,0x0807060504030201,0,little;",
		    "\x01\x02\x03\x04\x05\x06\x07\x08"));
	/* 0 bytes read the value 0 */
	CU_ASSERT(M("byte_test:0,=,0,0;", "x"));
	/* offset = length with 0 bytes: nothing to read, still in bounds */
	CU_ASSERT(M("byte_test:0,=,0,1;", "x"));
	CU_ASSERT(!M("byte_test:1,=,0x78,1;", "x"));
	/* a negative absolute offset is before the payload */
	CU_ASSERT(!M("byte_test:1,!=,0,-1;", "x"));
	/* string: a value past 2^64 - 1 is no match, even negated */
	CU_ASSERT(!M("byte_test:20,!=,0,0,string,dec;", "18446744073709551616"));
	CU_ASSERT(M("byte_test:20,=,18446744073709551615,0,string,dec;", "18446744073709551615"));
	/* strtoull takes a sign: "-1" is 2^64 - 1 */
	CU_ASSERT(M("byte_test:2,=,0xffffffffffffffff,0,string,dec;", "-1"));
	/* no digit at all: no match, even negated */
	CU_ASSERT(!M("byte_test:2,!=,5,0,string,dec;", "ab"));
	/* digits stop at the first non-digit: "12ab" reads 12 */
	CU_ASSERT(M("byte_test:4,=,12,0,string,dec;", "12ab"));
	/* bitmask: a zero result is not shifted, the compare sees 0 */
	CU_ASSERT(M("byte_test:1,=,0,0,bitmask 0xf0;", "\x0f"));
	CU_ASSERT(M("byte_test:1,=,0xf,0,bitmask 0xf0;", "\xf3"));
	/* byte_extract string moves the anchor by the digits it read, not by
	 * nbytes: "12" of "12x" leaves the anchor at 2 */
	CU_ASSERT(M("byte_extract:3,0,n,string,dec; byte_test:1,=,0x78,0,relative;", "12x"));
	CU_ASSERT(M("byte_extract:1,0,n,align 4; byte_test:1,=,n,1;", "\x05\x08"));
	/* byte_jump before the payload lands on its start */
	CU_ASSERT(M("byte_jump:1,0,post_offset -10; content:\"|02|\"; distance:0; within:1;",
		    "\x02x"));
	/* from_end with nbytes 0 */
	CU_ASSERT(M("byte_jump:0,0,from_end,post_offset -1; content:\"z\"; within:1;", "abz"));
	/* byte_math: subtraction wraps, division truncates, a variable
	 * divisor of 0 is no match */
	CU_ASSERT(M("byte_math:bytes 1,offset 0,oper -,rvalue 2,result r; "
		    "byte_math:bytes 1,offset 0,oper +,rvalue r,result s; byte_test:1,=,s,1;",
		    "\x01\x00"));
	CU_ASSERT(M("byte_math:bytes 1,offset 0,oper /,rvalue 3,result r; byte_test:1,=,r,1;",
		    "\x0b\x03"));
	CU_ASSERT(!M("byte_extract:1,1,z; byte_math:bytes 1,offset 0,oper /,rvalue z,result r;",
		     "\x0b\x00"));
	/* isdataat relative at the exact end */
	CU_ASSERT(M("content:\"ab\"; isdataat:1,relative;", "abc"));
	CU_ASSERT(!M("content:\"ab\"; isdataat:2,relative;", "abc"));
	/* absolute isdataat failing ends the inspection: the content cannot
	 * help by retrying (there is no relative item) */
	CU_ASSERT(!M("isdataat:3; content:\"a\";", "aaa"));
	/* endswith with depth short of the end: no match */
	CU_ASSERT(!M("content:\"ab\"; depth:2; endswith;", "abab"));
	CU_ASSERT(M("content:\"ab\"; endswith;", "abab"));
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("parse_byte", suite_init, suite_clean);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_byte_test_fields);
	CU_ADD_TEST(s, test_byte_jump_extract_math_fields);
	CU_ADD_TEST(s, test_isdataat_startswith_endswith);
	CU_ADD_TEST(s, test_byte_test_errors);
	CU_ADD_TEST(s, test_byte_jump_errors);
	CU_ADD_TEST(s, test_byte_extract_math_errors);
	CU_ADD_TEST(s, test_isdataat_modifier_errors);
	CU_ADD_TEST(s, test_match_boundaries);
	return weir_ut_run();
}
