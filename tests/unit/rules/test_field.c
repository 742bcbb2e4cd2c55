/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for field extraction and sensitive rendering
 * (rules/rules_field.c): JSON values by key (escapes, numbers, literals,
 * members against look-alikes inside strings, every cut of a record),
 * checked against jansson on random documents; key=value pairs with form
 * decoding; the first-6/last-4 mask; the HMAC token against RFC 4231.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "weir_cunit.h"

#include "rules_field.h"

static enum weir_field_res
ut_json(const char *doc, const char *key, struct weir_field_val *v)
{
	return weir_field_json_find((const uint8_t *)doc, (uint32_t)strlen(doc), key,
				    (uint32_t)strlen(key), v);
}

static bool
ut_is(const struct weir_field_val *v, uint8_t type, const char *want)
{
	size_t n = strlen(want);

	if (v->type == type && v->len == n && memcmp(v->bytes, want, n) == 0 && !v->truncated)
		return true;
	fprintf(stderr, "\n  got type %u \"%.*s\", want type %u \"%s\"\n", v->type, (int)v->len,
		(const char *)v->bytes, type, want);
	return false;
}

static void
test_json_scalars(void)
{
	struct weir_field_val v;

	CU_ASSERT(ut_json("{\"card\":\"4111111111111111\",\"amount\":12.5}", "card", &v) ==
		  WEIR_FIELD_FOUND);
	CU_ASSERT(ut_is(&v, WEIR_FV_STRING, "4111111111111111"));
	CU_ASSERT(ut_json("{\"card\":\"4111111111111111\",\"amount\":12.5}", "amount", &v) ==
		  WEIR_FIELD_FOUND);
	CU_ASSERT(ut_is(&v, WEIR_FV_NUMBER, "12.5"));
	CU_ASSERT(ut_json("{ \"n\" :\t-0.5e+3 }", "n", &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(ut_is(&v, WEIR_FV_NUMBER, "-0.5e+3"));
	CU_ASSERT(ut_json("{\"ok\":true}", "ok", &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(ut_is(&v, WEIR_FV_BOOL, "true"));
	CU_ASSERT(ut_json("{\"ok\":false,\"x\":null}", "x", &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(ut_is(&v, WEIR_FV_NULL, "null"));
	/* at any depth, in arrays too */
	CU_ASSERT(ut_json("{\"a\":{\"b\":[{\"city\":\"Lyon\"}]}}", "city", &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(ut_is(&v, WEIR_FV_STRING, "Lyon"));
	CU_ASSERT(ut_json("{\"a\":1}", "b", &v) == WEIR_FIELD_ABSENT);
}

static void
test_json_escapes(void)
{
	struct weir_field_val v;

	CU_ASSERT(ut_json("{\"s\":\"a\\\"b\\\\c\\/d\\n\\t\"}", "s", &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(ut_is(&v, WEIR_FV_STRING, "a\"b\\c/d\n\t"));
	CU_ASSERT(ut_json("{\"s\":\"caf\\u00e9\"}", "s", &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(ut_is(&v, WEIR_FV_STRING, "caf\xc3\xa9"));
	CU_ASSERT(ut_json("{\"s\":\"\\ud83d\\ude00\"}", "s", &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(ut_is(&v, WEIR_FV_STRING, "\xf0\x9f\x98\x80"));
	CU_ASSERT(ut_json("{\"s\":\"\\u20ac\"}", "s", &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(ut_is(&v, WEIR_FV_STRING, "\xe2\x82\xac"));
	CU_ASSERT(ut_json("{\"s\":\"\\x41\"}", "s", &v) == WEIR_FIELD_MALFORMED);
	CU_ASSERT(ut_json("{\"s\":\"\\ude00\"}", "s", &v) == WEIR_FIELD_MALFORMED);
	CU_ASSERT(ut_json("{\"s\":\"\\ud83dx\"}", "s", &v) == WEIR_FIELD_MALFORMED);
	CU_ASSERT(ut_json("{\"s\":\"a\nb\"}", "s", &v) == WEIR_FIELD_MALFORMED);
}

/* A key's text elsewhere is no member: a value, inside a string, a prefix. */
static void
test_json_members_only(void)
{
	struct weir_field_val v;

	CU_ASSERT(ut_json("{\"x\":\"card\",\"y\":1}", "card", &v) == WEIR_FIELD_ABSENT);
	CU_ASSERT(ut_json("{\"note\":\"{\\\"card\\\":\\\"1\\\"}\",\"card\":\"42\"}", "card", &v) ==
		  WEIR_FIELD_FOUND);
	CU_ASSERT(ut_is(&v, WEIR_FV_STRING, "42"));
	CU_ASSERT(ut_json("{\"note\":\"a, \\\"card\\\": 1\"}", "card", &v) == WEIR_FIELD_ABSENT);
	CU_ASSERT(ut_json("{\"cards\":1,\"xcard\":2}", "card", &v) == WEIR_FIELD_ABSENT);
	CU_ASSERT(ut_json("[\"card\",\"card\"]", "card", &v) == WEIR_FIELD_ABSENT);
	/* an object or array is no scalar */
	CU_ASSERT(ut_json("{\"card\":{\"n\":1}}", "card", &v) == WEIR_FIELD_MALFORMED);
	CU_ASSERT(ut_json("{\"card\":[1]}", "card", &v) == WEIR_FIELD_MALFORMED);
	CU_ASSERT(ut_json("{\"n\":01}", "n", &v) == WEIR_FIELD_MALFORMED);
	CU_ASSERT(ut_json("{\"n\":1.}", "n", &v) == WEIR_FIELD_MALFORMED);
	CU_ASSERT(ut_json("{\"n\":tru}", "n", &v) == WEIR_FIELD_MALFORMED);
	CU_ASSERT(ut_json("{\"n\":-}", "n", &v) == WEIR_FIELD_MALFORMED);
}

/* Every cut of a record inside the value is INCOMPLETE (more stream
 * bytes may come), never a shorter value; the whole record gives it. */
static void
test_json_every_cut(void)
{
	static const char *const docs[] = {
		"{\"id\":7,\"card\":\"4111\\u0020111\",\"z\":0}",
		"{\"id\":7,\"card\":-12.75e-2,\"z\":0}",
		"{\"id\":7,\"card\" : false }",
		"{\"id\":7,\"card\":\"\\ud83d\\ude00x\"}",
	};
	unsigned int d;

	for (d = 0; d < sizeof(docs) / sizeof(docs[0]); d++) {
		const uint8_t *b = (const uint8_t *)docs[d];
		uint32_t len = (uint32_t)strlen(docs[d]), cut, key = 8;
		struct weir_field_val full, v;

		CU_ASSERT_FATAL(weir_field_json_at(b, len, key, 4, &full) == WEIR_FIELD_FOUND);
		for (cut = key + 7; cut < full.end; cut++) {
			enum weir_field_res r = weir_field_json_at(b, cut, key, 4, &v);

			if (r != WEIR_FIELD_INCOMPLETE)
				fprintf(stderr, "\n  %s cut at %u: %d\n", docs[d], cut, r);
			CU_ASSERT(r == WEIR_FIELD_INCOMPLETE);
		}
		for (cut = full.end + 1; cut <= len; cut++) {
			CU_ASSERT(weir_field_json_at(b, cut, key, 4, &v) == WEIR_FIELD_FOUND);
			CU_ASSERT(v.len == full.len && memcmp(v.bytes, full.bytes, v.len) == 0);
		}
	}
}

static void
test_json_long_value_cut(void)
{
	char doc[600];
	struct weir_field_val v;

	strcpy(doc, "{\"k\":\"");
	memset(doc + 6, 'a', 500);
	strcpy(doc + 506, "\",\"j\":1}");
	CU_ASSERT(ut_json(doc, "k", &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(v.truncated && v.len == WEIR_FIELD_MAX && v.end == 507);
	CU_ASSERT(ut_json(doc, "j", &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(ut_is(&v, WEIR_FV_NUMBER, "1"));
}

/* Random documents written by jansson: each value read back by key is
 * the one jansson holds (strings with every escape jansson writes). */
static void
test_json_against_jansson(void)
{
	unsigned int round, checked = 0, bad = 0;

	srand(12345);
	for (round = 0; round < 3000; round++) {
		json_t *root = json_object(), *cur = root, *want;
		char key[16], sval[40];
		unsigned int depth = (unsigned int)rand() % 4, i, n;
		char *text;
		struct weir_field_val v;
		enum weir_field_res r;
		size_t k;

		for (i = 0; i < depth; i++) {
			json_t *o = json_object();

			snprintf(key, sizeof(key), "o%u", i);
			json_object_set_new(cur, "pad", json_integer(rand()));
			json_object_set_new(cur, key, o);
			cur = o;
		}
		n = (unsigned int)rand() % 30;
		for (k = 0; k < n; k++)
			sval[k] = (char)(1 + rand() % 126); /* controls, quotes, backslashes */
		sval[n] = '\0';
		switch (rand() % 4) {
		case 0:
			want = json_string(sval);
			break;
		case 1:
			want = json_integer((json_int_t)rand() - RAND_MAX / 2);
			break;
		case 2:
			want = json_real((double)rand() / 7.0);
			break;
		default:
			want = json_boolean(rand() & 1);
			break;
		}
		json_object_set(cur, "target", want);
		text = json_dumps(root, JSON_COMPACT | (rand() & 1 ? JSON_ENSURE_ASCII : 0));
		CU_ASSERT_FATAL(text != NULL);
		r = ut_json(text, "target", &v);
		if (r != WEIR_FIELD_FOUND) {
			bad++;
		} else if (json_is_string(want)) {
			bad += !(v.type == WEIR_FV_STRING && v.len == strlen(sval) &&
				 memcmp(v.bytes, sval, v.len) == 0);
		} else if (json_is_boolean(want)) {
			bad += !(v.type == WEIR_FV_BOOL &&
				 strncmp((const char *)v.bytes,
					 json_is_true(want) ? "true" : "false", v.len) == 0);
		} else {
			double d;

			bad += !(v.type == WEIR_FV_NUMBER && weir_field_number(&v, &d) &&
				 d == json_number_value(want));
		}
		checked++;
		free(text);
		json_decref(want);
		json_decref(root);
	}
	CU_ASSERT(bad == 0);
	CU_ASSERT(checked == 3000);
}

static enum weir_field_res
ut_kv(const char *s, const char *key, bool form, struct weir_field_val *v)
{
	return weir_field_kv_find((const uint8_t *)s, (uint32_t)strlen(s), key,
				  (uint32_t)strlen(key), '=', form, v);
}

static void
test_kv(void)
{
	struct weir_field_val v;

	CU_ASSERT(ut_kv("card=4111111111111111&amount=10.50&city=New+York", "amount", true, &v) ==
		  WEIR_FIELD_FOUND);
	CU_ASSERT(ut_is(&v, WEIR_FV_STRING, "10.50") && !v.at_end);
	CU_ASSERT(ut_kv("card=4111111111111111&amount=10.50&city=New+York", "city", true, &v) ==
		  WEIR_FIELD_FOUND);
	CU_ASSERT(ut_is(&v, WEIR_FV_STRING, "New York") && v.at_end);
	CU_ASSERT(ut_kv("GET /pay?merchant=M%2F42&x=1 HTTP/1.1", "merchant", true, &v) ==
		  WEIR_FIELD_FOUND);
	CU_ASSERT(ut_is(&v, WEIR_FV_STRING, "M/42"));
	CU_ASSERT(ut_kv("a=1; merchant=M%2F42", "merchant", false, &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(ut_is(&v, WEIR_FV_STRING, "M%2F42"));
	/* a key inside a longer one is not it */
	CU_ASSERT(ut_kv("xamount=5&amountx=6", "amount", true, &v) == WEIR_FIELD_ABSENT);
	CU_ASSERT(ut_kv("amount=5%G1", "amount", true, &v) == WEIR_FIELD_MALFORMED);
	CU_ASSERT(ut_kv("amount=5%4", "amount", true, &v) == WEIR_FIELD_INCOMPLETE);
	CU_ASSERT(ut_kv("amount=", "amount", true, &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(v.len == 0 && v.at_end);
	CU_ASSERT(weir_field_kv_find((const uint8_t *)"X-Card: 1\r\nX-Id:7", 17, "X-Id", 4, ':',
				     false, &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(ut_is(&v, WEIR_FV_STRING, "7"));
}

static void
test_number(void)
{
	struct weir_field_val v;
	double d = 0;

	CU_ASSERT(ut_kv("a=10000.50", "a", true, &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(weir_field_number(&v, &d) && d == 10000.5);
	CU_ASSERT(ut_kv("a=0x10", "a", true, &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(!weir_field_number(&v, &d));
	CU_ASSERT(ut_kv("a=inf", "a", true, &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(!weir_field_number(&v, &d));
	CU_ASSERT(ut_kv("a=12abc", "a", true, &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(!weir_field_number(&v, &d));
	CU_ASSERT(ut_json("{\"a\":-3e2}", "a", &v) == WEIR_FIELD_FOUND);
	CU_ASSERT(weir_field_number(&v, &d) && d == -300);
}

static void
ut_val(struct weir_field_val *v, const char *s)
{
	memset(v, 0, sizeof(*v));
	v->type = WEIR_FV_STRING;
	v->len = (uint16_t)strlen(s);
	memcpy(v->bytes, s, v->len);
}

/* The decimal fast path (rules_field.c field_number_fast) gives the
 * double strtod gives, whatever the digits: random decimals of up to 24
 * digits with and without a point and a sign, compared bit for bit. */
static void
test_number_like_strtod(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned int bad = 0, k;

	for (k = 0; k < 200000; k++) {
		struct weir_field_val v;
		char s[40];
		size_t n = 0, nd, i, pt;
		double d, ref;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		nd = 1 + x % 24;
		pt = (x >> 8) % (nd + 2); /* nd + 1: no point */
		if ((x >> 16) & 1)
			s[n++] = '-';
		for (i = 0; i < nd; i++) {
			uint64_t r = x >> (20 + (i % 40));

			if (i == pt && i > 0)
				s[n++] = '.';
			s[n++] = (char)('0' + (((x >> 30) & 3) == 0 ? 0 : (r ^ (i * 7)) % 10));
		}
		s[n] = '\0';
		ut_val(&v, s);
		ref = strtod(s, NULL);
		if (!weir_field_number(&v, &d) || memcmp(&d, &ref, sizeof(d)) != 0)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void
test_number_edges(void)
{
	static const char *const ok[] = {"0",
					 "-0",
					 "1.",
					 "007",
					 "0.1",
					 "-2.5",
					 "1e3",
					 "+4",
					 "123456789012345678",
					 "0.30000000000000004",
					 ".5",
					 "3.14159265358979323846264"};
	struct weir_field_val v;
	double d, ref;
	unsigned int i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ut_val(&v, ok[i]);
		ref = strtod(ok[i], NULL);
		CU_ASSERT(weir_field_number(&v, &d) && memcmp(&d, &ref, sizeof(d)) == 0);
	}
	ut_val(&v, "-");
	CU_ASSERT(!weir_field_number(&v, &d));
	ut_val(&v, "1.2.3");
	CU_ASSERT(!weir_field_number(&v, &d));
	ut_val(&v, "-.");
	CU_ASSERT(!weir_field_number(&v, &d));
}

/* The key search (a 16-byte filter, then a compare) finds what a naive
 * scan finds, for keys at every offset and length around the filter's
 * block edges, with near misses before them. */
static void
test_find_every_offset(void)
{
	static const char *const keys[] = {"k", "id", "card", "merchant_identifier_long"};
	unsigned int bad = 0, ki, off, len;

	for (ki = 0; ki < sizeof(keys) / sizeof(keys[0]); ki++) {
		const char *key = keys[ki];
		size_t kl = strlen(key);

		for (len = 0; len < 9; len++)
			for (off = 0; off < 70; off++) {
				char buf[160], want[80];
				struct weir_field_val v;
				enum weir_field_res r;
				size_t n = 0;

				/* near misses: the key's first and last bytes */
				while (n + 2 < off) {
					buf[n++] = key[0];
					buf[n++] = key[kl - 1];
				}
				while (n < off)
					buf[n++] = ',';
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "&%s=", key);
				snprintf(want, sizeof(want), "%.*s", (int)len, "123456789");
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s", want);
				r = weir_field_kv_find((const uint8_t *)buf, (uint32_t)n, key,
						       (uint32_t)kl, '=', false, &v);
				bad += !(r == WEIR_FIELD_FOUND && v.len == strlen(want) &&
					 memcmp(v.bytes, want, v.len) == 0);
				n -= strlen(want) + kl + 2;
				n += (size_t)snprintf(buf + n, sizeof(buf) - n, ",\"%s\":\"%s\"}",
						      key, want);
				r = weir_field_json_find((const uint8_t *)buf, (uint32_t)n, key,
							 (uint32_t)kl, &v);
				bad += !(r == WEIR_FIELD_FOUND && v.len == strlen(want) &&
					 memcmp(v.bytes, want, v.len) == 0);
			}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void
test_mask(void)
{
	struct weir_field_val v;
	char out[64];

	ut_val(&v, "4111111111111111");
	CU_ASSERT(weir_field_mask(&v, out, sizeof(out)) == 16);
	CU_ASSERT_STRING_EQUAL(out, "411111******1111");
	ut_val(&v, "4111 1111 1111 1111");
	CU_ASSERT(weir_field_mask(&v, out, sizeof(out)) == 19);
	CU_ASSERT_STRING_EQUAL(out, "4111 11** **** 1111");
	ut_val(&v, "378282246310005"); /* Amex, 15 */
	weir_field_mask(&v, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "378282*****0005");
	ut_val(&v, "12345");
	weir_field_mask(&v, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "*****");
	ut_val(&v, "4111111111111111");
	CU_ASSERT(weir_field_mask(&v, out, 16) == 0);
}

static void
test_hmac(void)
{
	struct weir_field_val v;
	char a[64], b[64];
	const uint8_t key[] = "k3y";

	/* RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for
	 * nothing?") = 5bdcc146bf60754e6a042426089575c7 5a003f08... */
	ut_val(&v, "what do ya want for nothing?");
	CU_ASSERT(weir_field_hmac(&v, (const uint8_t *)"Jefe", 4, a, sizeof(a)) == 37);
	CU_ASSERT_STRING_EQUAL(a, "hmac:5bdcc146bf60754e6a042426089575c7");
	/* one card, written two ways: one token; another card: another */
	ut_val(&v, "4111 1111 1111 1111");
	weir_field_hmac(&v, key, 3, a, sizeof(a));
	ut_val(&v, "4111111111111111");
	weir_field_hmac(&v, key, 3, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(a, b);
	ut_val(&v, "4012888888881881");
	weir_field_hmac(&v, key, 3, b, sizeof(b));
	CU_ASSERT(strcmp(a, b) != 0);
	CU_ASSERT(strstr(a, "4111") == NULL);
	CU_ASSERT(weir_field_hmac(&v, key, 3, b, 37) == 0);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("field", NULL, NULL);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_json_scalars);
	CU_ADD_TEST(s, test_json_escapes);
	CU_ADD_TEST(s, test_json_members_only);
	CU_ADD_TEST(s, test_json_every_cut);
	CU_ADD_TEST(s, test_json_long_value_cut);
	CU_ADD_TEST(s, test_json_against_jansson);
	CU_ADD_TEST(s, test_kv);
	CU_ADD_TEST(s, test_number);
	CU_ADD_TEST(s, test_number_like_strtod);
	CU_ADD_TEST(s, test_number_edges);
	CU_ADD_TEST(s, test_find_every_offset);
	CU_ADD_TEST(s, test_mask);
	CU_ADD_TEST(s, test_hmac);
	return weir_ut_run();
}
