/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the `pan` scanner and the Luhn check (rules/rules_pan.c): the
 * published test numbers of every accepted brand are found and the same
 * numbers off by one digit are not; forms, separators, token boundaries,
 * lengths, payload edges and the 64-byte block edges of the scanner behave
 * as the definition at the top of rules_pan.c says; and, over random
 * digit-heavy payloads, the scanner agrees with a brute-force reading of
 * that definition that tries every substring. test_pan_corpus.c holds the
 * labelled corpus (recall and false alarms per class).
 *
 * Expectations changed with issue 15's definition (tokens, usual groupings,
 * digits one separator away): "41 111111 1111111 1" (no usual grouping) is
 * no card; "a4111111111111111b" (inside a token) is none; "7 4111 1111 1111
 * 1111", "7-4111-...", "05 4111111111111111", "4111111111111111-05" and
 * "2024-01-05 4111 1111 1111 1111" are cards; a group is in one card only
 * ("5555-5555-5555-4444 3333 2222 1111" is one card, not two); the block
 * edge test glues letters and four-digit tokens instead of single digits.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_cunit.h"

#include "rules_int.h"

#define UT_MAX 512

static unsigned int
ut_scan(const char *s, struct weir_pan_match *out)
{
	return weir_pan_scan((const uint8_t *)s, strlen(s), out, UT_MAX);
}

static bool
ut_luhn_in(const char *s)
{
	return weir_luhn_in((const uint8_t *)s, strlen(s));
}

/* Exactly one match in @p s, at [start, end) with @p n digits. */
static bool
ut_one(const char *s, uint32_t start, uint32_t end, uint8_t n)
{
	struct weir_pan_match m[UT_MAX];

	if (ut_scan(s, m) != 1) {
		fprintf(stderr, "\n  not exactly one PAN in \"%s\"\n", s);
		return false;
	}
	return m[0].start == start && m[0].end == end && m[0].n_digits == n;
}

static unsigned int
ut_count(const char *s)
{
	struct weir_pan_match m[UT_MAX];

	return ut_scan(s, m);
}

/* Published test numbers, one or more per brand of rules_pan.c's prefix list. */
static const char *const ut_cards[] = {
	"4111111111111111",    /* Visa */
	"4012888888881881",    /* Visa */
	"4222222222222",       /* Visa, 13 digits */
	"5555555555554444",    /* Mastercard 55 */
	"5105105105105100",    /* Mastercard 51 */
	"2221000000000009",    /* Mastercard 2221, lowest of the 2-series */
	"2223003122003222",    /* Mastercard 2-series */
	"2720990000000007",    /* Mastercard 2720, highest of the 2-series */
	"378282246310005",     /* Amex 37 */
	"371449635398431",     /* Amex 37 */
	"340000000000009",     /* Amex 34 */
	"6011111111111117",    /* Discover 6011 */
	"6011000990139424",    /* Discover 6011 */
	"6445644564456445",    /* Discover 644 */
	"6500000000000002",    /* Discover 65 */
	"30569309025904",      /* Diners 305 */
	"38520000023237",      /* Diners 38 */
	"36227206271667",      /* Diners 36 */
	"3530111333300000",    /* JCB */
	"3566002020360505",    /* JCB */
	"3589000000000003",    /* JCB 3589, highest */
	"6200000000000005",    /* UnionPay */
	"6759649826438453",    /* Maestro 67 */
	"6304000000000000",    /* Maestro 63 */
	"5018000000000009",    /* Maestro 50 */
	"5600000000000003",    /* Maestro 56 */
	"4111111111111111110", /* Visa, 19 digits */
};

#define UT_N_CARDS (sizeof(ut_cards) / sizeof(ut_cards[0]))

static void
test_luhn_ok_known_numbers(void)
{
	unsigned int i;

	for (i = 0; i < UT_N_CARDS; i++)
		CU_ASSERT(weir_luhn_ok((const uint8_t *)ut_cards[i], strlen(ut_cards[i])));
	CU_ASSERT(weir_luhn_ok((const uint8_t *)"79927398713", 11));
	CU_ASSERT(!weir_luhn_ok((const uint8_t *)"79927398710", 11));
	CU_ASSERT(!weir_luhn_ok((const uint8_t *)"4111111111111112", 16));
	CU_ASSERT(weir_luhn_ok((const uint8_t *)"0", 1));
	CU_ASSERT(!weir_luhn_ok((const uint8_t *)"", 0));
	/* separators are not digits here */
	CU_ASSERT(!weir_luhn_ok((const uint8_t *)"4111 1111 1111 1111", 19));
}

static void
test_every_brand_found_and_one_digit_off_not(void)
{
	char buf[64], bad[64];
	unsigned int i;

	for (i = 0; i < UT_N_CARDS; i++) {
		size_t n = strlen(ut_cards[i]);
		unsigned int k;

		snprintf(buf, sizeof(buf), "pan=%s;", ut_cards[i]);
		CU_ASSERT(ut_one(buf, 4, (uint32_t)(4 + n), (uint8_t)n));
		/* Luhn catches every single-digit change, prefix or not */
		for (k = 0; k < n; k++) {
			memcpy(bad, buf, sizeof(bad));
			bad[4 + k] = (char)('0' + (bad[4 + k] - '0' + 1) % 10);
			CU_ASSERT(ut_count(bad) == 0);
		}
	}
}

/* Luhn-valid numbers whose prefix is no issuer of the list. */
static void
test_unknown_prefix_refused(void)
{
	static const char *const no_iin[] = {
		"1000000000000008", "7000000000000005", "8000000000000003", "9000000000000001",
		"0000000000000000", "5900000000000000", "2220000000000000", "2721000000000004",
		"3300000000000001", "3527000000000008", "3590000000000000", "3060000000000001",
		"3100000000000003", "3500000000000009",
	};
	unsigned int i;

	for (i = 0; i < sizeof(no_iin) / sizeof(no_iin[0]); i++) {
		CU_ASSERT(weir_luhn_ok((const uint8_t *)no_iin[i], 16));
		CU_ASSERT(ut_count(no_iin[i]) == 0);
	}
}

static void
test_separators_one_kind_single(void)
{
	CU_ASSERT(ut_one("4111 1111 1111 1111", 0, 19, 16));
	CU_ASSERT(ut_one("4111-1111-1111-1111", 0, 19, 16));
	CU_ASSERT(ut_one("amex 3782 822463 10005.", 5, 22, 15));
	CU_ASSERT(ut_one("3782-822463-10005", 0, 17, 15));
	/* the usual groupings only: 4-4-4-n, 4-4-4-4-n, 4-6-4, 4-6-5 */
	CU_ASSERT(ut_count("41 111111 1111111 1") == 0);
	CU_ASSERT(ut_count("411 1111 1111 11111") == 0);
	CU_ASSERT(ut_count("4111 111111 111111") == 0);
	CU_ASSERT(ut_one("4111 1111 1111 1111 110", 0, 23, 19));
	CU_ASSERT(ut_one("4222-2222-2222-2", 0, 16, 13));
	CU_ASSERT(ut_one("3622 720627 1667", 0, 16, 14));
	/* a trailing separator not followed by a digit is not part of it */
	CU_ASSERT(ut_one("4111 1111 1111 1111 ", 0, 19, 16));
	CU_ASSERT(ut_one("4111-1111-1111-1111- x", 0, 19, 16));
	/* mixed kinds: three numbers of 8 digits, none a card */
	CU_ASSERT(ut_count("4111 1111-1111 1111") == 0);
	CU_ASSERT(ut_count("4111-1111 1111-1111") == 0);
	/* double separators end the number */
	CU_ASSERT(ut_count("4111  1111 1111 1111") == 0);
	CU_ASSERT(ut_count("4111--1111-1111-1111") == 0);
	CU_ASSERT(ut_count("4111 -1111 1111 1111") == 0);
	/* other separators are not separators */
	CU_ASSERT(ut_count("4111.1111.1111.1111") == 0);
	CU_ASSERT(ut_count("4111_1111_1111_1111") == 0);
	CU_ASSERT(ut_count("4111\t1111\t1111\t1111") == 0);
	/* but they do end it: the dotted form next to a card */
	CU_ASSERT(ut_one("1.4111111111111111.2", 2, 18, 16));
}

static void
test_boundaries(void)
{
	/* a digit before or after makes a 17-digit run */
	CU_ASSERT(ut_count("04111111111111111") == 0);
	CU_ASSERT(ut_count("41111111111111110") == 0);
	CU_ASSERT(ut_count("x04111111111111111x") == 0);
	/* letters and the underscore glue digits into a longer token */
	CU_ASSERT(ut_count("a4111111111111111b") == 0);
	CU_ASSERT(ut_count("a4111111111111111") == 0);
	CU_ASSERT(ut_count("4111111111111111x") == 0);
	CU_ASSERT(ut_count("tok_4111111111111111") == 0);
	CU_ASSERT(ut_count("4111111111111111_2") == 0);
	CU_ASSERT(ut_count("x4111 1111 1111 1111") == 0);
	CU_ASSERT(ut_count("4111 1111 1111 1111x") == 0);
	/* other punctuation is a boundary, bytes >= 0x80 too */
	CU_ASSERT(ut_one("\"4111111111111111\"", 1, 17, 16));
	CU_ASSERT(ut_one("id-4111111111111111/", 3, 19, 16));
	CU_ASSERT(ut_one("\xc3\xa9"
			 "4111111111111111"
			 "\xc3\xa9",
			 2, 18, 16));
	/* other digits one separator away do not matter */
	CU_ASSERT(ut_one("7 4111 1111 1111 1111", 2, 21, 16));
	CU_ASSERT(ut_one("4111 1111 1111 1111 7", 0, 19, 16)); /* 17 digits fail Luhn */
	CU_ASSERT(ut_one("4111 1111 1111 1111 3", 0, 21, 17)); /* these pass: longest */
	CU_ASSERT(ut_one("7-4111-1111-1111-1111", 2, 21, 16));
	CU_ASSERT(ut_one("05 4111111111111111", 3, 19, 16));
	CU_ASSERT(ut_one("4111111111111111-05", 0, 16, 16));
	CU_ASSERT(ut_one("1234 4111111111111111 5678", 5, 21, 16));
	CU_ASSERT(ut_one("2024-01-05 4111-1111-1111-1111", 11, 30, 16));
	CU_ASSERT(ut_one("2024-01-05 4111 1111 1111 1111", 11, 30, 16));
	CU_ASSERT(ut_one("4111 1111 1111 1111 12/26 123", 0, 19, 16));
	/* ... but a four-character token with a digit continues the run */
	CU_ASSERT(ut_count("4111 1111 1111 1111 1111") == 0);
	CU_ASSERT(ut_count("1234 4111 1111 1111 1111") == 0);
	CU_ASSERT(ut_count("DE89 4111 1111 1111 1111") == 0);
	CU_ASSERT(ut_count("4111-1111-1111-1111-12ab") == 0);
	CU_ASSERT(ut_one("card 4111 1111 1111 1111", 5, 24, 16));
	CU_ASSERT(ut_one("1234-4111 1111 1111 1111", 5, 24, 16)); /* other kind */
	CU_ASSERT(ut_one("4111 1111 1111 1111-2024", 0, 19, 16));
	CU_ASSERT(ut_one("12 4111-1111-1111-1111", 3, 22, 16));
	/* a masked number is not one */
	CU_ASSERT(ut_count("411111******1111") == 0);
}

static void
test_lengths_12_to_20(void)
{
	CU_ASSERT(weir_luhn_ok((const uint8_t *)"411111111117", 12));
	CU_ASSERT(ut_count("411111111117") == 0);
	CU_ASSERT(ut_one("4222222222222", 0, 13, 13));
	CU_ASSERT(ut_one("4111111111111111110", 0, 19, 19));
	CU_ASSERT(weir_luhn_ok((const uint8_t *)"41111111111111111115", 20));
	CU_ASSERT(ut_count("41111111111111111115") == 0);
	CU_ASSERT(ut_count("4111 1111 1111 1111 1115") == 0);
	/* a valid 16 inside a run of 25 is no card */
	CU_ASSERT(ut_count("4111111111111111000000000") == 0);
	CU_ASSERT(ut_count("0000000004111111111111111") == 0);
}

static void
test_payload_start_end_and_block_edges(void)
{
	struct weir_pan_match m[4];
	char buf[300];
	size_t pos;

	CU_ASSERT(ut_one("4111111111111111", 0, 16, 16));
	CU_ASSERT(ut_one("4111111111111111 end", 0, 16, 16));
	CU_ASSERT(ut_one("start 4111111111111111", 6, 22, 16));
	/* the length given ends the payload: digits past it are not seen */
	CU_ASSERT(weir_pan_scan((const uint8_t *)"41111111111111119", 16, m, 4) == 1);
	CU_ASSERT(weir_pan_scan((const uint8_t *)"4111111111111111", 15, m, 4) == 0);
	CU_ASSERT(weir_pan_scan(NULL, 0, NULL, 0) == 0);
	/*
	 * Every position around the scanner's 64-byte blocks, each side of a
	 * number touching a block edge, in payloads that end there too.
	 */
	for (pos = 0; pos + 19 <= 200; pos++) {
		size_t len;

		memset(buf, '.', sizeof(buf));
		memcpy(buf + pos, "4111-1111-1111-1111", 19);
		for (len = pos + 19; len <= pos + 21; len++) {
			unsigned int n = weir_pan_scan((const uint8_t *)buf, len, m, 4);

			CU_ASSERT(n == 1 && m[0].start == pos && m[0].end == pos + 19);
		}
		/* a letter, then a four-digit token, after the end */
		buf[pos + 19] = 'x';
		CU_ASSERT(weir_pan_scan((const uint8_t *)buf, pos + 20, m, 4) == 0);
		CU_ASSERT(weir_pan_scan((const uint8_t *)buf, pos + 19, m, 4) == 1);
		memcpy(buf + pos + 19, "-1234", 5);
		CU_ASSERT(weir_pan_scan((const uint8_t *)buf, pos + 24, m, 4) == 0);
		CU_ASSERT(weir_pan_scan((const uint8_t *)buf, pos + 23, m, 4) == 1);
		memset(buf + pos + 19, '.', 5);
		/* and before the start */
		if (pos >= 5) {
			memcpy(buf + pos - 5, "1234-", 5);
			CU_ASSERT(weir_pan_scan((const uint8_t *)buf, pos + 19, m, 4) == 0);
			buf[pos - 1] = ' ';
			CU_ASSERT(weir_pan_scan((const uint8_t *)buf, pos + 19, m, 4) == 1);
			buf[pos - 1] = '_';
			CU_ASSERT(weir_pan_scan((const uint8_t *)buf, pos + 19, m, 4) == 0);
		}
	}
}

static void
test_many_numbers_in_order(void)
{
	static char buf[16384];
	struct weir_pan_match m[UT_MAX];
	uint32_t starts[300];
	size_t len = 0;
	unsigned int i, n;

	for (i = 0; i < 300; i++) {
		const char *c = ut_cards[i % UT_N_CARDS];

		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "{\"amt\":%u.%02u,\"pan\":\"",
					i * 7, i % 100);
		starts[i] = (uint32_t)len;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s\"},", c);
	}
	CU_ASSERT_FATAL(len < sizeof(buf) - 1);
	n = weir_pan_scan((const uint8_t *)buf, len, m, UT_MAX);
	CU_ASSERT_FATAL(n == 300);
	for (i = 0; i < n; i++) {
		CU_ASSERT(m[i].start == starts[i]);
		CU_ASSERT(m[i].n_digits == strlen(ut_cards[i % UT_N_CARDS]));
	}
}

static void
test_max_smaller_than_count(void)
{
	const char *s = "4111111111111111 x 5555555555554444 x 378282246310005 x "
			"6011111111111117 x 3530111333300000";
	struct weir_pan_match m[3 + 1];

	memset(m, 0xee, sizeof(m));
	CU_ASSERT(weir_pan_scan((const uint8_t *)s, strlen(s), m, 3) == 5);
	CU_ASSERT(m[0].start == 0);
	CU_ASSERT(m[1].start == 19);
	CU_ASSERT(m[2].start == 38);
	CU_ASSERT(m[3].start == 0xeeeeeeee); /* untouched */
	CU_ASSERT(weir_pan_scan((const uint8_t *)s, strlen(s), NULL, 0) == 5);
	CU_ASSERT(weir_pan_scan((const uint8_t *)s, strlen(s), m, 0) == 5);
}

/* A group is in one card at most: the first reading from the left wins. */
static void
test_group_in_one_card(void)
{
	struct weir_pan_match m[4];
	const char *s = "5555-5555-5555-4444 3333 2222 1111";

	/* "4444 3333 2222 1111" passes too, but 4444 is taken */
	CU_ASSERT(weir_luhn_ok((const uint8_t *)"4444333322221111", 16));
	CU_ASSERT_FATAL(weir_pan_scan((const uint8_t *)s, strlen(s), m, 4) == 1);
	CU_ASSERT(m[0].start == 0 && m[0].end == 19);
	CU_ASSERT(ut_one("4444 3333 2222 1111", 0, 19, 16));
}

static void
test_luhn_in(void)
{
	CU_ASSERT(ut_luhn_in("card=4111111111111111;"));
	CU_ASSERT(ut_luhn_in("4111111111111111"));
	/* no issuer prefix needed */
	CU_ASSERT(ut_luhn_in("id 7992739871003 "));
	CU_ASSERT(!ut_luhn_in("card=4111111111111112;"));
	/* consecutive digits only */
	CU_ASSERT(!ut_luhn_in("4111 1111 1111 1111"));
	CU_ASSERT(!ut_luhn_in("4111-1111-1111-1111"));
	/* maximal runs of 13..19 */
	CU_ASSERT(!ut_luhn_in("411111111117"));
	CU_ASSERT(ut_luhn_in("4111111111111111110"));
	CU_ASSERT(!ut_luhn_in("41111111111111111115"));
	CU_ASSERT(!ut_luhn_in("4111111111111111000000000"));
	/* the range's ends are boundaries */
	CU_ASSERT(weir_luhn_in((const uint8_t *)"41111111111111119", 16));
	CU_ASSERT(!weir_luhn_in((const uint8_t *)"4111111111111111", 15));
	CU_ASSERT(!weir_luhn_in(NULL, 0));
	/* any valid run counts, not only the first */
	CU_ASSERT(ut_luhn_in("1234567890123 4111111111111111"));
}

/* ---- a brute-force reading of the definition ------------------------ */

static bool
ref_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool
ref_sep(uint8_t c)
{
	return c == ' ' || c == '-';
}

static bool
ref_prefix(const char *d)
{
	int p2 = (d[0] - '0') * 10 + d[1] - '0';
	int p3 = p2 * 10 + d[2] - '0';
	int p4 = p3 * 10 + d[3] - '0';

	return d[0] == '4' || d[0] == '6' || (p2 >= 50 && p2 <= 58) || (p4 >= 2221 && p4 <= 2720) ||
	       p2 == 34 || (p2 >= 36 && p2 <= 39) || (p3 >= 300 && p3 <= 305) ||
	       (p4 >= 3528 && p4 <= 3589);
}

static bool
ref_luhn(const char *d, int n)
{
	int s = 0, i;

	for (i = 0; i < n; i++) {
		int x = (d[n - 1 - i] - '0') * ((i & 1) + 1);

		s += x > 9 ? x - 9 : x;
	}
	return s % 10 == 0;
}

static bool
ref_glue(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Token characters at [from, ...) going by @p step: four, one a digit? */
static bool
ref_four_token(const uint8_t *b, size_t len, long from, int step)
{
	long i;
	int n = 0;
	bool digit = false;

	for (i = from; i >= 0 && (size_t)i < len && (ref_digit(b[i]) || ref_glue(b[i]));
	     i += step) {
		digit |= ref_digit(b[i]);
		n++;
	}
	return n == 4 && digit;
}

/* Group lengths @p g[0..ng) form one of the definition's forms? */
static bool
ref_form(const int *g, int ng)
{
	if (ng == 1)
		return g[0] >= 13 && g[0] <= 19;
	if (ng == 3)
		return g[0] == 4 && g[1] == 6 && (g[2] == 4 || g[2] == 5);
	if (ng == 4)
		return g[0] == 4 && g[1] == 4 && g[2] == 4 && g[3] >= 1 && g[3] <= 4;
	if (ng == 5)
		return g[0] == 4 && g[1] == 4 && g[2] == 4 && g[3] == 4 && g[4] >= 1 && g[4] <= 3;
	return false;
}

/* Is [s, e) a card by every clause but the choice between readings? */
static bool
ref_card(const uint8_t *b, size_t len, size_t s, size_t e, int *n_digits)
{
	char dig[40];
	int g[40], ng = 0, nd = 0;
	uint8_t kind = 0;
	size_t i;

	if (!ref_digit(b[s]) || !ref_digit(b[e - 1]))
		return false;
	/* whole groups, clean */
	if (s > 0 && (ref_digit(b[s - 1]) || ref_glue(b[s - 1])))
		return false;
	if (e < len && (ref_digit(b[e]) || ref_glue(b[e])))
		return false;
	g[0] = 0;
	for (i = s; i < e; i++) {
		if (ref_digit(b[i])) {
			dig[nd++] = (char)b[i];
			g[ng]++;
			continue;
		}
		/* a single separator of the one kind */
		if (!ref_sep(b[i]) || !ref_digit(b[i + 1]) || (kind != 0 && kind != b[i]))
			return false;
		kind = b[i];
		g[++ng] = 0;
	}
	ng++;
	if (!ref_form(g, ng))
		return false;
	if (kind != 0) {
		if (s >= 2 && b[s - 1] == kind && ref_four_token(b, len, (long)s - 2, -1))
			return false;
		if (e + 1 < len && b[e] == kind && ref_four_token(b, len, (long)e + 1, 1))
			return false;
	}
	if (!ref_prefix(dig) || !ref_luhn(dig, nd))
		return false;
	*n_digits = nd;
	return true;
}

/*
 * Every substring [s, e) tried against every clause; from the left, the
 * longest card at each start, the next one after it.
 */
static unsigned int
ref_scan(const uint8_t *b, size_t len, struct weir_pan_match *out)
{
	unsigned int n = 0;
	size_t s, e, from = 0;

	for (s = 0; s < len; s++) {
		if (s < from)
			continue;
		for (e = s + 24 < len ? s + 24 : len; e > s; e--) {
			int nd;

			if (!ref_card(b, len, s, e, &nd))
				continue;
			out[n].start = (uint32_t)s;
			out[n].end = (uint32_t)e;
			out[n].n_digits = (uint8_t)nd;
			n++;
			from = e;
			break;
		}
	}
	return n;
}

static bool
ref_luhn_in(const uint8_t *b, size_t len)
{
	size_t s = 0, e;

	while (s < len) {
		if (!ref_digit(b[s])) {
			s++;
			continue;
		}
		for (e = s; e < len && ref_digit(b[e]); e++)
			;
		if (e - s >= 13 && e - s <= 19 && ref_luhn((const char *)b + s, (int)(e - s)))
			return true;
		s = e;
	}
	return false;
}

/*
 * Groups and tokens around the forms: card groups, four-digit tokens,
 * alphanumerics, joined by single, double or other separators.
 */
static void
ut_token_soup(uint32_t *x, uint8_t *buf, size_t len)
{
	static const char *const tok[] = {
		"4111",
		"1111",
		"1111",
		"1111",
		"5555",
		"4444",
		"3782",
		"822463",
		"10005",
		"3622",
		"720627",
		"1667",
		"12",
		"3",
		"05",
		"110",
		"DE89",
		"ab",
		"x",
		"_",
		"4111111111111111",
		"0",
		"36",
		"2222",
		"1115",
		"9",
		/* whole grouped cards, so that the neighbours above meet them */
		"4111 1111 1111 1111",
		"4111-1111-1111-1111",
		"3782 822463 10005",
		"3782-822463-10005",
		"4111 1111 1111 1111 110",
		"3622 720627 1667",
		"5555-5555-5555-4444",
		"4222 2222 2222 2",
	};
	static const char *const sep[] = {" ", " ", " ", "-", "-", "-", "  ", ".", "", "/"};
	size_t i = 0;

	while (i < len) {
		const char *t;
		char rnd[8];
		size_t n, k;

		*x = *x * 1103515245u + 12345u;
		if ((*x >> 8) % 4 == 0) {
			/* random digits, mostly four */
			n = (*x >> 12) % 3 == 0 ? 1 + (*x >> 14) % 6 : 4;
			for (k = 0; k < n; k++) {
				*x = *x * 1103515245u + 12345u;
				rnd[k] = (char)('0' + (*x >> 16) % 10);
			}
			rnd[n] = '\0';
			t = rnd;
		} else {
			t = tok[(*x >> 12) % (sizeof(tok) / sizeof(tok[0]))];
		}
		for (k = 0; t[k] != '\0' && i < len; k++)
			buf[i++] = (uint8_t)t[k];
		*x = *x * 1103515245u + 12345u;
		t = sep[(*x >> 16) % (sizeof(sep) / sizeof(sep[0]))];
		for (k = 0; t[k] != '\0' && i < len; k++)
			buf[i++] = (uint8_t)t[k];
	}
}

static void
test_agrees_with_brute_force(void)
{
	static uint8_t buf[300];
	static struct weir_pan_match a[UT_MAX], b[UT_MAX];
	uint32_t x = 12345; /* fixed seed: the same payloads every run */
	unsigned long found = 0, found_luhn = 0, found_grouped = 0;
	unsigned int it, bad = 0;

	for (it = 0; it < 20000 && bad < 5; it++) {
		size_t len, i;
		unsigned int mode, na, nb, k;

		x = x * 1103515245u + 12345u;
		len = (x >> 8) % sizeof(buf);
		mode = (x >> 4) % 6;
		if (mode >= 4) {
			ut_token_soup(&x, buf, len);
			goto scan;
		}
		for (i = 0; i < len; i++) {
			unsigned int r;

			x = x * 1103515245u + 12345u;
			r = (x >> 8) % 100;
			if (mode == 0)
				buf[i] = (uint8_t) "0123456789 -x"[(x >> 16) % 13];
			else if (mode == 1)
				buf[i] = r < 85	  ? '0' + (x >> 16) % 10
					 : r < 93 ? ' '
					 : r < 98 ? '-'
						  : 'x';
			else if (mode == 2)
				buf[i] = r < 95 ? '0' + (x >> 16) % 10 : ' ';
			else /* near-copies of a card: many valid ones */
				buf[i] = r < 70	  ? (uint8_t) "4111111111111111"[i % 16]
					 : r < 80 ? ' '
					 : r < 90 ? '-'
						  : '0' + (x >> 16) % 10;
		}
	scan:
		na = ref_scan(buf, len, a);
		nb = weir_pan_scan(buf, len, b, UT_MAX);
		found += na;
		for (k = 0; k < na; k++)
			found_grouped += a[k].end - a[k].start != a[k].n_digits;
		found_luhn += ref_luhn_in(buf, len);
		for (k = 0; na == nb && k < na; k++)
			if (a[k].start != b[k].start || a[k].end != b[k].end ||
			    a[k].n_digits != b[k].n_digits)
				break;
		if (na != nb || k != na || ref_luhn_in(buf, len) != weir_luhn_in(buf, len)) {
			fprintf(stderr, "\n  differs (ref %u, scan %u): \"%.*s\"\n", na, nb,
				(int)len, (const char *)buf);
			bad++;
		}
	}
	CU_ASSERT(bad == 0);
	/* the payloads did exercise both answers */
	CU_ASSERT(found > 1000);
	CU_ASSERT(found_grouped > 1000);
	CU_ASSERT(found_luhn > 1000);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("pan", NULL, NULL);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_luhn_ok_known_numbers);
	CU_ADD_TEST(s, test_every_brand_found_and_one_digit_off_not);
	CU_ADD_TEST(s, test_unknown_prefix_refused);
	CU_ADD_TEST(s, test_separators_one_kind_single);
	CU_ADD_TEST(s, test_boundaries);
	CU_ADD_TEST(s, test_lengths_12_to_20);
	CU_ADD_TEST(s, test_payload_start_end_and_block_edges);
	CU_ADD_TEST(s, test_many_numbers_in_order);
	CU_ADD_TEST(s, test_max_smaller_than_count);
	CU_ADD_TEST(s, test_group_in_one_card);
	CU_ADD_TEST(s, test_luhn_in);
	CU_ADD_TEST(s, test_agrees_with_brute_force);
	return weir_ut_run();
}
