/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the `pan` scanner on a stream (rules/rules_pan.c,
 * weir_pan_stream_feed): fed a stream in pieces, it reports the cards a
 * scan of the whole stream (weir_pan_scan) reports, each once, with the
 * same offsets, and no other; a card is reported by the piece whose bytes
 * settle it (for a contiguous card: the byte after it), or by the final
 * call when it ends the stream; the tail it keeps never grows past its
 * bound. Answers come from construction (cards written at known offsets)
 * and from the whole-stream scan, the oracle of issue 13.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_cunit.h"

#include "rules_int.h"

#define UT_MAX 4096

/* The most bytes the scanner may need to keep: PAN_REACH - 1 + PAN_BEHIND
 * of rules_pan.c (a grouped reading's reach and the token before it). */
#define UT_TAIL_BOUND 34

static struct weir_pan_match g_whole[UT_MAX], g_got[UT_MAX];

/*
 * Feed @p buf to a fresh scanner in the pieces that end at @p cuts (in
 * order, each <= len), then the rest, then the end of the stream; gather
 * every card into g_got. @return how many; *tail_max: the largest tail
 * seen between calls.
 */
static unsigned int
ut_feed(const uint8_t *buf, size_t len, const size_t *cuts, unsigned int n_cuts,
	unsigned int *tail_max)
{
	struct weir_pan_stream ps;
	size_t at = 0;
	unsigned int n = 0, i;

	weir_pan_stream_reset(&ps);
	*tail_max = 0;
	for (i = 0; i <= n_cuts; i++) {
		size_t end = i < n_cuts ? cuts[i] : len;

		n += weir_pan_stream_feed(&ps, buf + at, end - at, false, g_got + n, UT_MAX - n);
		if (ps.len > *tail_max)
			*tail_max = ps.len;
		at = end;
	}
	n += weir_pan_stream_feed(&ps, NULL, 0, true, g_got + n, UT_MAX - n);
	return n;
}

/* The cards of a stream fed in pieces equal the whole scan's. */
static bool
ut_same(const uint8_t *buf, size_t len, const size_t *cuts, unsigned int n_cuts)
{
	unsigned int nw = weir_pan_scan(buf, len, g_whole, UT_MAX), tail_max, i;
	unsigned int ng = ut_feed(buf, len, cuts, n_cuts, &tail_max);
	bool ok = nw == ng && tail_max <= UT_TAIL_BOUND;

	for (i = 0; ok && i < nw; i++)
		ok = g_whole[i].start == g_got[i].start && g_whole[i].end == g_got[i].end &&
		     g_whole[i].n_digits == g_got[i].n_digits;
	if (!ok) {
		fprintf(stderr, "\n  whole %u cards, pieces %u, tail %u; cuts:", nw, ng, tail_max);
		for (i = 0; i < n_cuts; i++)
			fprintf(stderr, " %zu", cuts[i]);
		fprintf(stderr, "\n  \"%.*s\"\n", (int)len, (const char *)buf);
	}
	return ok;
}

/* The streams of the every-offset tests: a card in some context. */
static const char *const g_cards[] = {
	"4111111111111111",    "4111 1111 1111 1111",	  "4111-1111-1111-1111",
	"4111111111111111110", "4111 1111 1111 1111 110", "4111-1111-1111-1111-110",
	"3782 822463 10005",   "4222222222222",
};

static const char *const g_frames[][2] = {
	{"", ""},	   {"pay ", " now"}, {"card=", "\r\n"}, {"2024-01-05 ", " 12/26 123"},
	{"x", ""},	   /* glued: no card */
	{"", "1"},	   /* one more digit or group: another reading */
	{"1111 ", ""},	   /* a four-digit token before it */
	{"", " 1111 "},	   /* and after it */
	{"12 ", " 12 "},   /* other digits one separator away */
	{"4111 ", " 12"},  /* both */
	{"0000000", "00"}, /* inside a longer run */
};

/* Every card in every frame, cut once at every offset, and fed byte by
 * byte: the whole scan's cards, once each. */
static void
test_every_cut_offset(void)
{
	char buf[128];
	size_t cuts[128];
	unsigned int c, f, bad = 0, cards = 0;

	for (c = 0; c < sizeof(g_cards) / sizeof(g_cards[0]); c++) {
		for (f = 0; f < sizeof(g_frames) / sizeof(g_frames[0]); f++) {
			size_t len, k;

			len = (size_t)snprintf(buf, sizeof(buf), "%s%s%s", g_frames[f][0],
					       g_cards[c], g_frames[f][1]);
			cards += weir_pan_scan((const uint8_t *)buf, len, g_whole, UT_MAX);
			for (k = 0; k <= len; k++) {
				cuts[0] = k;
				bad += !ut_same((const uint8_t *)buf, len, cuts, 1);
			}
			for (k = 0; k < len; k++)
				cuts[k] = k + 1;
			bad += !ut_same((const uint8_t *)buf, len, cuts, (unsigned int)len);
		}
	}
	CU_ASSERT(bad == 0);
	CU_ASSERT(cards > 40); /* most frames keep the card */
}

/* A card as the stream's last bytes is found by the final call only, and
 * a contiguous one as soon as the byte after it comes. */
static void
test_settled_by_the_byte_after_or_the_end(void)
{
	static const char card[] = "pay 4111111111111111";
	struct weir_pan_stream ps;
	struct weir_pan_match m[4];

	weir_pan_stream_reset(&ps);
	CU_ASSERT(weir_pan_stream_feed(&ps, (const uint8_t *)card, strlen(card), false, m, 4) == 0);
	CU_ASSERT(weir_pan_stream_feed(&ps, NULL, 0, true, m, 4) == 1);
	CU_ASSERT(m[0].start == 4 && m[0].end == 20 && m[0].n_digits == 16);

	weir_pan_stream_reset(&ps);
	CU_ASSERT(weir_pan_stream_feed(&ps, (const uint8_t *)card, strlen(card), false, m, 4) == 0);
	CU_ASSERT(weir_pan_stream_feed(&ps, (const uint8_t *)"\n", 1, false, m, 4) == 1);
	CU_ASSERT(m[0].start == 4 && m[0].end == 20);
	CU_ASSERT(weir_pan_stream_feed(&ps, NULL, 0, true, m, 4) == 0);

	/* a digit more: 17 digits, another number (not a card: Luhn) */
	weir_pan_stream_reset(&ps);
	CU_ASSERT(weir_pan_stream_feed(&ps, (const uint8_t *)card, strlen(card), false, m, 4) == 0);
	CU_ASSERT(weir_pan_stream_feed(&ps, (const uint8_t *)"1 ", 2, false, m, 4) == 0);
	CU_ASSERT(weir_pan_stream_feed(&ps, NULL, 0, true, m, 4) == 0);
}

/* A digit run cut anywhere is no card on either side of the cut. */
static void
test_cut_digit_run_no_card(void)
{
	/* 4111111111111111 is a card; 20 and 32 digits hold none */
	static const char *const runs[] = {
		"41111111111111111111",
		"41111111111111114111111111111111",
		"4111 1111 1111 1111 1111",
		"id=41111111111111111111&x=1",
	};
	size_t cuts[2];
	unsigned int r, bad = 0;

	for (r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		size_t len = strlen(runs[r]), i, j;
		unsigned int tail_max;

		CU_ASSERT(weir_pan_scan((const uint8_t *)runs[r], len, NULL, 0) == 0);
		for (i = 0; i <= len; i++)
			for (j = i; j <= len; j++) {
				cuts[0] = i;
				cuts[1] = j;
				bad += ut_feed((const uint8_t *)runs[r], len, cuts, 2, &tail_max) !=
				       0;
			}
	}
	CU_ASSERT(bad == 0);
}

/* Groups, card pieces, four-digit tokens and letters joined by single,
 * double or other separators: what the walk's alignment depends on. */
static size_t
ut_soup(uint32_t *x, uint8_t *buf, size_t len)
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
		"4111 1111 1111 1111",
		"4111-1111-1111-1111",
		"3782 822463 10005",
		"4111 1111 1111 1111 110",
		"3622 720627 1667",
		"5555-5555-5555-4444",
		"4222 2222 2222 2",
		"41111111111111111111",
	};
	static const char *const sep[] = {" ", " ", " ", "-", "-", "-", "  ", ".", "", "/", "\n"};
	size_t i = 0;

	while (i < len) {
		const char *t;
		char rnd[8];
		size_t n, k;

		*x = *x * 1103515245u + 12345u;
		if ((*x >> 8) % 4 == 0) {
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
	return len;
}

/* The fuzz oracle of issue 13: random streams in random pieces (small
 * ones, big ones past the scanner's 64-byte seam, empty ones) against the
 * whole-stream scan. */
static void
test_agrees_with_whole_scan(void)
{
	static uint8_t buf[3000];
	size_t cuts[200];
	uint32_t x = 4242; /* fixed seed: the same streams every run */
	unsigned int it, bad = 0, cards = 0;

	for (it = 0; it < 3000 && bad < 5; it++) {
		size_t len, at = 0;
		unsigned int n = 0, style;

		x = x * 1103515245u + 12345u;
		len = ut_soup(&x, buf, 1 + (x >> 8) % sizeof(buf));
		style = (x >> 4) % 3;
		while (n < 200) {
			x = x * 1103515245u + 12345u;
			/* pieces of 0..7, 0..99 or 0..799 bytes */
			at += (x >> 8) % (style == 0 ? 8 : style == 1 ? 100 : 800);
			if (at >= len)
				break;
			cuts[n++] = at;
		}
		cards += weir_pan_scan(buf, len, NULL, 0);
		bad += !ut_same(buf, len, cuts, n);
	}
	CU_ASSERT(bad == 0);
	CU_ASSERT(cards > 3000); /* the streams did hold cards */
}

/* After a restart (weir_pan_stream_reset) nothing of the bytes before
 * counts: two halves of a card on either side of it are no card. */
static void
test_reset_forgets(void)
{
	struct weir_pan_stream ps;
	struct weir_pan_match m[4];

	weir_pan_stream_reset(&ps);
	CU_ASSERT(weir_pan_stream_feed(&ps, (const uint8_t *)"x 41111111", 10, false, m, 4) == 0);
	weir_pan_stream_reset(&ps);
	CU_ASSERT(weir_pan_stream_feed(&ps, (const uint8_t *)"11111111 y", 10, false, m, 4) == 0);
	CU_ASSERT(weir_pan_stream_feed(&ps, NULL, 0, true, m, 4) == 0);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("pan_stream", NULL, NULL);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_every_cut_offset);
	CU_ADD_TEST(s, test_settled_by_the_byte_after_or_the_end);
	CU_ADD_TEST(s, test_cut_digit_run_no_card);
	CU_ADD_TEST(s, test_agrees_with_whole_scan);
	CU_ADD_TEST(s, test_reset_forgets);
	return weir_ut_run();
}
