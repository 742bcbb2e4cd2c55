/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-pan: the `pan` keyword's scanner (rules/rules_pan.c) against the regexes
 * it replaces, on digit-heavy payment traffic. It generates transaction
 * records (JSON authorisations, ISO 8583-like field dumps, CSV settlement
 * lines: timestamps, amounts, ids, account numbers, and card numbers with
 * and without separators, some Luhn-invalid, some masked), then in the
 * same run:
 *
 *   a  hs_scan in block mode over each payload with three regexes of the
 *      definition's forms (contiguous, space-grouped, dash-grouped;
 *      HS_FLAG_SOM_LEFTMOST), a callback that checks each candidate the
 *      way rules_pan.c defines a PAN (whole clean groups, no four-character
 *      token joined on either side, issuer prefix, Luhn; Hyperscan has no
 *      look-around), and after each scan the choice between overlapping
 *      readings (longest at each start, left to right).
 *   a0 the same hs_scan with a callback that only counts candidates:
 *      Hyperscan's own share of a, printed for the record.
 *   b  weir_pan_scan over the same payloads.
 *   c  what a user writes without `pan`: the three ordinary card regexes
 *      (\b4[0-9]{12}(?:[0-9]{3})?\b, \b5[1-5][0-9]{14}\b, \b3[47][0-9]{13}\b,
 *      no SOM) and a Luhn check in the callback. Not equivalent: it finds
 *      contiguous Visa, Mastercard 51-55 and Amex only; the program prints
 *      how many of b's cards it finds and how many of its hits b refuses.
 *
 * Before timing, a and b must report exactly the same numbers (payload,
 * start, end) or the program prints the first difference and exits 1; -c
 * stops there (the meson test does that on a tiny set). Then each side
 * runs ITERS passes, interleaved a, a0, c, b so that load from others hits
 * all alike (b five times per round: its passes are short); it prints
 * MB/s per side (median, min, max over the passes) and the ratios b/a and
 * b/c of the medians.
 *
 *   bench-pan [-n PAYLOADS] [-l BYTES] [-i ITERS] [-s SEED] [-c] [-r] [-w FILE]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hs/hs.h>

#include "bench_common.h"
#include "rules_int.h"

#define BENCH_MAX_MATCH 256 /* per payload; a payload of 64 KiB holds fewer */
#define BENCH_MAX_LEN	65536
/*
 * A pass of b is ~40x shorter than one of a, so one preemption on a shared
 * machine skews it far more: b runs this many timed passes per pass of a,
 * and the median is taken over all of them.
 */
#define BENCH_B_REPS 5

/*
 * a: the same PAN as rules_pan.c, as regexes: first digit 2..6 (the first
 * digits of every issuer prefix), then the forms: 13..19 contiguous
 * digits, or 4-4-4-n, 4-4-4-4-n, 4-6-4, 4-6-5 joined by spaces or by
 * dashes. With HS_FLAG_SOM_LEFTMOST each end offset comes with its
 * leftmost start only. A contiguous card starts where its digit run does,
 * the leftmost start possible. A grouped one could hide behind a longer
 * match with the same end that starts inside a digit group ("4394601-2418-
 * 9016-9272-5": "4601-...-5" is 4-4-4-4-1), so the grouped regexes begin
 * with a non-digit byte or the payload's start, which the callback skips.
 */
static const char *const bench_exprs[] = {
	"[2-6][0-9]{12,18}",
	"(?:^|[^0-9])[2-6][0-9]{3} (?:[0-9]{4} [0-9]{4} (?:[0-9]{1,4}|[0-9]{4} "
	"[0-9]{1,3})|[0-9]{6} "
	"[0-9]{4,5})",
	"(?:^|[^0-9])[2-6][0-9]{3}-(?:[0-9]{4}-[0-9]{4}-(?:[0-9]{1,4}|[0-9]{4}-[0-9]{1,3})|[0-9]{6}"
	"-"
	"[0-9]{4,5})",
};

/* c: the ordinary card regexes a user would write, compiled without SOM. */
static const char *const bench_user_exprs[] = {
	"\\b4[0-9]{12}(?:[0-9]{3})?\\b",
	"\\b5[1-5][0-9]{14}\\b",
	"\\b3[47][0-9]{13}\\b",
};

/* All payloads back to back. */
struct bench_payloads {
	struct bench_bytes b;
	uint64_t planted; /* Luhn-valid cards written where they must be found */
	uint64_t digits;
};

/* One reported number, for the equality check. */
struct bench_hit {
	uint32_t payload;
	uint32_t start;
	uint32_t end;
};

struct bench_hits {
	struct bench_hit *v;
	size_t n;
	size_t cap;
};

/* What the Hyperscan callback needs. */
struct bench_hs_ctx {
	const uint8_t *data;
	size_t len;
	uint32_t payload;
	uint64_t found;
	uint64_t sum;				/* of starts, so the work cannot be elided */
	struct bench_hits *hits;		/* NULL while timing */
	struct bench_hit cand[BENCH_MAX_MATCH]; /* a: this payload's candidates */
	unsigned int n_cand;
};

struct bench_rng {
	uint64_t s;
};

static uint64_t
bench_rand(struct bench_rng *r)
{
	/* xorshift64*: enough for filler, the same on every machine */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * UINT64_C(2685821657736338717);
}

static unsigned int
bench_below(struct bench_rng *r, unsigned int n)
{
	return (unsigned int)(bench_rand(r) % n);
}

static bool
bench_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* ---- payload generation --------------------------------------------- */

/* Issuer prefixes rules_pan.c accepts, by how often a card carries them. */
static const struct {
	const char *prefix;
	unsigned int len;
} bench_brands[] = {
	{"4", 16},  {"4", 16},	  {"4", 16},	{"4", 13},  {"4", 19},	  {"51", 16},	{"53", 16},
	{"55", 16}, {"2221", 16}, {"2720", 16}, {"34", 15}, {"37", 15},	  {"6011", 16}, {"645", 16},
	{"65", 16}, {"36", 14},	  {"305", 14},	{"38", 14}, {"3530", 16}, {"3589", 16}, {"62", 16},
	{"62", 19}, {"50", 16},	  {"57", 16},	{"67", 18},
};

#define BENCH_N_BRANDS (sizeof(bench_brands) / sizeof(bench_brands[0]))

/* Random digits after @p prefix, last digit set so that Luhn holds. */
static void
bench_card(struct bench_rng *r, char *out, const char *prefix, unsigned int len, bool valid)
{
	unsigned int n = (unsigned int)strlen(prefix), i, c;

	memcpy(out, prefix, n);
	for (i = n; i < len; i++)
		out[i] = (char)('0' + bench_below(r, 10));
	for (c = 0; c < 10; c++) {
		out[len - 1] = (char)('0' + c);
		if (weir_luhn_ok((const uint8_t *)out, len))
			break;
	}
	if (!valid)
		out[len - 1] = (char)('0' + (c + 1 + bench_below(r, 9)) % 10);
	out[len] = '\0';
}

/*
 * A card as it appears in traffic; @return true when it is a PAN that
 * must be found (Luhn-valid, not masked).
 */
static bool
bench_card_text(struct bench_rng *r, char *out, size_t cap)
{
	char d[24];
	unsigned int b = bench_below(r, BENCH_N_BRANDS), form = bench_below(r, 100);
	unsigned int len = bench_brands[b].len, i, k = 0;
	bool valid = form < 85;

	bench_card(r, d, bench_brands[b].prefix, len, valid);
	if (form >= 92) {
		/* masked, as receipts print it: first six, last four */
		snprintf(out, cap, "%.6s******%s", d, d + len - 4);
		return false;
	}
	if (form < 40 || form >= 85) {
		snprintf(out, cap, "%s", d);
		return valid;
	}
	/* grouped by fours (Amex 4-6-5) with spaces or dashes */
	for (i = 0; i < len && k + 2 < cap; i++) {
		bool cut = len == 15 ? (i == 4 || i == 10) : (i > 0 && i % 4 == 0);

		if (cut)
			out[k++] = form < 65 ? ' ' : '-';
		out[k++] = d[i];
	}
	out[k] = '\0';
	return valid;
}

/* One transaction record into @p out; @return planted PANs in it. */
static unsigned int
bench_record(struct bench_rng *r, char *out, size_t cap)
{
	char card[40];
	unsigned int kind = bench_below(r, 3), planted;
	uint64_t id = bench_rand(r) % UINT64_C(1000000000000);
	unsigned int mo = 1 + bench_below(r, 12), dd = 1 + bench_below(r, 28);
	unsigned int hh = bench_below(r, 24), mi = bench_below(r, 60), ss = bench_below(r, 60);

	planted = bench_card_text(r, card, sizeof(card));
	switch (kind) {
	case 0:
		snprintf(
			out, cap,
			"{\"txn_id\":%012" PRIu64 ",\"ts\":\"2026-%02u-%02uT%02u:%02u:%02u.%03uZ\","
			"\"epoch_ms\":17%011" PRIu64 ",\"amount\":\"%u.%02u\",\"currency\":\"978\","
			"\"mcc\":\"%04u\",\"terminal\":\"%08u\",\"stan\":\"%06u\",\"rrn\":\"%"
			"012" PRIu64 "\",\"acct\":\"%020" PRIu64
			"\",\"pan\":\"%s\",\"exp\":\"%02u/%02u\","
			"\"auth\":\"%06u\",\"phone\":\"+49 30 %04u %04u\"}\n",
			id, mo, dd, hh, mi, ss, bench_below(r, 1000),
			bench_rand(r) % UINT64_C(100000000000), bench_below(r, 100000),
			bench_below(r, 100), bench_below(r, 10000), bench_below(r, 100000000),
			bench_below(r, 1000000), bench_rand(r) % UINT64_C(1000000000000),
			bench_rand(r) % UINT64_C(10000000000000000000), card, mo, 26 + dd % 5,
			bench_below(r, 1000000), bench_below(r, 10000), bench_below(r, 10000));
		break;
	case 1:
		/* ISO 8583-like: field=value, numeric fields zero-padded */
		snprintf(out, cap,
			 "MTI=0200 F2=%s F3=000000 F4=%012u F7=%02u%02u%02u%02u%02u F11=%06u "
			 "F12=%02u%02u%02u F13=%02u%02u F22=051 F32=%011" PRIu64 " F37=%012" PRIu64
			 " F41=%08u F42=%015" PRIu64 " F49=978 F102=%019" PRIu64 "\n",
			 card, bench_below(r, 10000000), mo, dd, hh, mi, ss,
			 bench_below(r, 1000000), hh, mi, ss, mo, dd,
			 bench_rand(r) % UINT64_C(100000000000),
			 bench_rand(r) % UINT64_C(1000000000000), bench_below(r, 100000000),
			 bench_rand(r) % UINT64_C(1000000000000000),
			 bench_rand(r) % UINT64_C(10000000000000000000));
		break;
	default:
		/* settlement CSV */
		snprintf(out, cap,
			 "%012" PRIu64 ",2026-%02u-%02u %02u:%02u:%02u,%u.%02u,%s,%04u,%08u,%u\n",
			 id, mo, dd, hh, mi, ss, bench_below(r, 100000), bench_below(r, 100), card,
			 bench_below(r, 10000), bench_below(r, 100000000), bench_below(r, 1000));
		break;
	}
	return planted;
}

/*
 * -r: digit soup instead of records: digits, single and double spaces and
 * dashes, near-copies of a card. No traffic looks like this; it is there
 * to try the equality of both sides on every corner of the definition.
 */
static void
bench_soup(struct bench_rng *r, char *out, size_t len)
{
	static const char card[] = "4111111111111111";
	unsigned int mode = bench_below(r, 3);
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned int x = bench_below(r, 100);

		if (mode == 0)
			out[i] = x < 85 ? (char)('0' + x % 10) : x < 93 ? ' ' : x < 98 ? '-' : 'x';
		else if (mode == 1)
			out[i] = x < 70	  ? card[i % 16]
				 : x < 80 ? ' '
				 : x < 90 ? '-'
					  : (char)('0' + x % 10);
		else
			out[i] = "0123456789 -x"[x % 13];
	}
}

static int
bench_generate(struct bench_payloads *ps, size_t n, size_t target, uint64_t seed, bool soup)
{
	struct bench_rng r = {.s = seed * UINT64_C(0x9E3779B97F4A7C15) + 1};
	char rec[1024];
	size_t i, k;

	for (i = 0; i < n; i++) {
		size_t start = ps->b.len;

		if (soup) {
			size_t m = 1 + bench_below(&r, (unsigned int)target);

			bench_soup(&r, rec, m < sizeof(rec) ? m : sizeof(rec));
			if (bench_bytes_add(&ps->b, rec, m < sizeof(rec) ? m : sizeof(rec)) != 0)
				return -ENOMEM;
			continue;
		}
		/* whole records while they fit, at least one */
		for (;;) {
			unsigned int planted = bench_record(&r, rec, sizeof(rec));
			size_t m = strlen(rec);

			if (ps->b.len > start && ps->b.len - start + m > target)
				break;
			if (bench_bytes_append(&ps->b, rec, m) != 0)
				return -ENOMEM;
			ps->planted += planted;
		}
		if (bench_bytes_end(&ps->b) != 0)
			return -ENOMEM;
	}
	for (k = 0; k < ps->b.len; k++)
		ps->digits += bench_digit(ps->b.data[k]);
	return 0;
}

/* ---- side a: Hyperscan and the definition's checks ------------------ */

static bool
bench_prefix_ok(const uint8_t *d)
{
	unsigned int p2 = (unsigned int)(d[0] - '0') * 10 + (unsigned int)(d[1] - '0');
	unsigned int p3 = p2 * 10 + (unsigned int)(d[2] - '0');
	unsigned int p4 = p3 * 10 + (unsigned int)(d[3] - '0');

	return d[0] == '4' || d[0] == '6' || (p2 >= 50 && p2 <= 58) || (p4 >= 2221 && p4 <= 2720) ||
	       p2 == 34 || (p2 >= 36 && p2 <= 39) || (p3 >= 300 && p3 <= 305) ||
	       (p4 >= 3528 && p4 <= 3589);
}

static bool
bench_glue(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Four token characters (letters, digits, _) from @p p by @p step, one a digit? */
static bool
bench_four_token(const uint8_t *p, size_t len, size_t i, int step)
{
	unsigned int n = 0;
	bool digit = false;

	while (n < 5 && i < len && (bench_digit(p[i]) || bench_glue(p[i]))) {
		digit |= bench_digit(p[i]);
		n++;
		if (step < 0 && i == 0)
			break;
		i = step > 0 ? i + 1 : i - 1;
	}
	return n == 4 && digit;
}

static int
bench_add_hit(struct bench_hits *h, uint32_t payload, uint32_t s, uint32_t e)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 4096;
		struct bench_hit *v = realloc(h->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	h->v[h->n++] = (struct bench_hit){payload, s, e};
	return 0;
}

/*
 * a: each match is a candidate in one of the forms (the regex fixed the
 * group sizes); the callback checks the rest of rules_pan.c's definition
 * (whole clean groups, no four-character token joined on either side,
 * prefix, Luhn) and keeps it. Which candidate wins (the longest at each
 * start, none inside an earlier one) is decided after the scan.
 */
static int
bench_hs_on_match(unsigned int id, unsigned long long from, unsigned long long to,
		  unsigned int flags, void *arg)
{
	struct bench_hs_ctx *x = arg;
	const uint8_t *p = x->data;
	size_t s = (size_t)from, e = (size_t)to, i;
	uint8_t dig[20], kind = 0;
	unsigned int n = 0;

	(void)flags;
	(void)id;
	if (!bench_digit(p[s]))
		s++; /* the grouped regexes' leading non-digit */
	for (i = s; i < e; i++) {
		if (bench_digit(p[i]))
			dig[n++] = p[i];
		else
			kind = p[i];
	}
	/* whole groups, not inside a longer token */
	if (s > 0 && (bench_digit(p[s - 1]) || bench_glue(p[s - 1])))
		return 0;
	if (e < x->len && (bench_digit(p[e]) || bench_glue(p[e])))
		return 0;
	if (kind != 0) {
		if (s > 1 && p[s - 1] == kind && bench_four_token(p, x->len, s - 2, -1))
			return 0;
		if (e + 1 < x->len && p[e] == kind && bench_four_token(p, x->len, e + 1, 1))
			return 0;
	}
	if (!bench_prefix_ok(dig) || !weir_luhn_ok(dig, n))
		return 0;
	if (x->n_cand < BENCH_MAX_MATCH)
		x->cand[x->n_cand++] = (struct bench_hit){x->payload, (uint32_t)s, (uint32_t)e};
	return 0;
}

/* Longest candidate at each start, none starting inside the one before. */
static int
bench_resolve(struct bench_hs_ctx *x)
{
	uint32_t from = 0;
	unsigned int i, j;

	/* insertion sort by start, then longest first: a handful per payload */
	for (i = 1; i < x->n_cand; i++) {
		struct bench_hit h = x->cand[i];

		for (j = i;
		     j > 0 && (x->cand[j - 1].start > h.start ||
			       (x->cand[j - 1].start == h.start && x->cand[j - 1].end < h.end));
		     j--)
			x->cand[j] = x->cand[j - 1];
		x->cand[j] = h;
	}
	for (i = 0; i < x->n_cand; i++) {
		const struct bench_hit *h = &x->cand[i];

		if (h->start < from)
			continue;
		from = h->end;
		x->found++;
		x->sum += h->start;
		if (x->hits != NULL && bench_add_hit(x->hits, h->payload, h->start, h->end) != 0)
			return -ENOMEM;
	}
	x->n_cand = 0;
	return 0;
}

/*
 * c: what a user writes today: the three ordinary card regexes (Visa,
 * Mastercard, Amex; \b boundaries, no SOM), and a Luhn check of each match
 * in the callback, which finds the match's start by walking back over its
 * digits (\b guarantees the byte before is no word character).
 */
static int
bench_hs_on_user(unsigned int id, unsigned long long from, unsigned long long to,
		 unsigned int flags, void *arg)
{
	struct bench_hs_ctx *x = arg;
	size_t e = (size_t)to, s = e;

	(void)id;
	(void)from;
	(void)flags;
	while (s > 0 && bench_digit(x->data[s - 1]))
		s--;
	if (!weir_luhn_ok(x->data + s, e - s))
		return 0;
	x->found++;
	x->sum += s;
	if (x->hits != NULL && bench_add_hit(x->hits, x->payload, (uint32_t)s, (uint32_t)e) != 0)
		return 1; /* stops the scan; the caller reports it */
	return 0;
}

/*
 * a0: the same scan with a callback that only counts every candidate, to
 * show how much of a is Hyperscan's own work (not a PAN check).
 */
static int
bench_hs_on_count(unsigned int id, unsigned long long from, unsigned long long to,
		  unsigned int flags, void *arg)
{
	struct bench_hs_ctx *x = arg;

	(void)id;
	(void)to;
	(void)flags;
	x->found++;
	x->sum += from;
	return 0;
}

static int
bench_hs_pass(const struct bench_payloads *ps, const hs_database_t *db, hs_scratch_t *scratch,
	      match_event_handler cb, struct bench_hs_ctx *x)
{
	size_t i;

	for (i = 0; i < ps->b.n; i++) {
		hs_error_t err;

		x->data = ps->b.data + ps->b.off[i];
		x->len = ps->b.off[i + 1] - ps->b.off[i];
		x->payload = (uint32_t)i;
		err = hs_scan(db, (const char *)x->data, (unsigned int)x->len, 0, scratch, cb, x);
		if (err != HS_SUCCESS) {
			fprintf(stderr, "bench-pan: hs_scan failed: %d\n", err);
			return -EIO;
		}
		if (cb == bench_hs_on_match && bench_resolve(x) != 0)
			return -ENOMEM;
	}
	return 0;
}

/* ---- side b: weir_pan_scan ------------------------------------------ */

static int
bench_pan_pass(const struct bench_payloads *ps, uint64_t *found, uint64_t *sum,
	       struct bench_hits *hits)
{
	struct weir_pan_match m[BENCH_MAX_MATCH];
	size_t i;

	for (i = 0; i < ps->b.n; i++) {
		const uint8_t *data = ps->b.data + ps->b.off[i];
		unsigned int n =
			weir_pan_scan(data, ps->b.off[i + 1] - ps->b.off[i], m, BENCH_MAX_MATCH);
		unsigned int k;

		if (n > BENCH_MAX_MATCH) {
			fprintf(stderr, "bench-pan: payload %zu: %u numbers, more than %d\n", i, n,
				BENCH_MAX_MATCH);
			return -E2BIG;
		}
		*found += n;
		for (k = 0; k < n; k++) {
			*sum += m[k].start;
			if (hits == NULL)
				continue;
			if (hits->n == hits->cap) {
				size_t cap = hits->cap ? hits->cap * 2 : 4096;
				struct bench_hit *v = realloc(hits->v, cap * sizeof(*v));

				if (v == NULL)
					return -ENOMEM;
				hits->v = v;
				hits->cap = cap;
			}
			hits->v[hits->n++] = (struct bench_hit){(uint32_t)i, m[k].start, m[k].end};
		}
	}
	return 0;
}

/* ---- the equality check --------------------------------------------- */

static int
bench_hit_cmp(const void *pa, const void *pb)
{
	const struct bench_hit *a = pa, *b = pb;

	if (a->payload != b->payload)
		return a->payload < b->payload ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	return 0;
}

static void
bench_print_hit(const char *who, const struct bench_payloads *ps, const struct bench_hit *h)
{
	const uint8_t *p = ps->b.data + ps->b.off[h->payload];
	size_t plen = ps->b.off[h->payload + 1] - ps->b.off[h->payload];
	size_t lo = h->start > 8 ? h->start - 8 : 0;
	size_t hi = h->end + 8 < plen ? h->end + 8 : plen;

	fprintf(stderr,
		"  %s: payload %" PRIu32 " [%" PRIu32 ", %" PRIu32 ") \"%.*s\" in \"%.*s\"\n", who,
		h->payload, h->start, h->end, (int)(h->end - h->start), (const char *)p + h->start,
		(int)(hi - lo), (const char *)p + lo);
}

/* @return 0 when both sides found the same numbers, else 1. */
static int
bench_compare(const struct bench_payloads *ps, struct bench_hits *a, struct bench_hits *b)
{
	size_t i;

	/* Hyperscan reports by end offset; the scanner by start */
	qsort(a->v, a->n, sizeof(*a->v), bench_hit_cmp);
	for (i = 0; i < a->n || i < b->n; i++) {
		if (i < a->n && i < b->n && bench_hit_cmp(&a->v[i], &b->v[i]) == 0)
			continue;
		fprintf(stderr, "bench-pan: DIFFERENT: number %zu of %zu (hs) / %zu (pan)\n", i,
			a->n, b->n);
		if (i < a->n)
			bench_print_hit("hs+callback", ps, &a->v[i]);
		if (i < b->n)
			bench_print_hit("weir_pan_scan", ps, &b->v[i]);
		return 1;
	}
	return 0;
}

/* ---- main ------------------------------------------------------------ */

static int
bench_dbl_cmp(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return a < b ? -1 : a > b;
}

static void
bench_usage(FILE *f)
{
	fprintf(f,
		"usage: bench-pan [-n PAYLOADS] [-l BYTES] [-i ITERS] [-s SEED] [-c] [-r] [-w "
		"FILE]\n"
		"  -n  payloads to generate (default 20000)\n"
		"  -l  bytes per payload, whole records (default 1024, at most %d)\n"
		"  -i  timed passes per side (default 20)\n"
		"  -s  generator seed (default 1)\n"
		"  -c  check only: equality of a and b, no timing\n"
		"  -r  random digit soup (at most 1024 bytes each) instead of records:\n"
		"      a harder equality check, not traffic\n"
		"  -w  also write the payloads, back to back, to FILE\n",
		BENCH_MAX_LEN);
}

static int
bench_compile(const char *const *exprs, unsigned int n, unsigned int flag, hs_database_t **db)
{
	unsigned int ids[8], flags[8], k;
	hs_compile_error_t *cerr = NULL;

	for (k = 0; k < n; k++) {
		ids[k] = k;
		flags[k] = flag;
	}
	if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, NULL, db, &cerr) != HS_SUCCESS) {
		fprintf(stderr, "bench-pan: hs_compile_multi failed: expression %d: %s\n",
			cerr->expression, cerr->message);
		hs_free_compile_error(cerr);
		return -EINVAL;
	}
	return 0;
}

/* c's hits against b's (the definition): agreed, c only, b only. */
static void
bench_overlap(struct bench_hits *c, struct bench_hits *b, size_t *same, size_t *c_only,
	      size_t *b_only)
{
	size_t i = 0, j = 0;

	qsort(c->v, c->n, sizeof(*c->v), bench_hit_cmp);
	*same = *c_only = *b_only = 0;
	while (i < c->n || j < b->n) {
		int d = i == c->n ? 1 : j == b->n ? -1 : bench_hit_cmp(&c->v[i], &b->v[j]);

		if (d == 0) {
			(*same)++;
			i++;
			j++;
		} else if (d < 0) {
			(*c_only)++;
			i++;
		} else {
			(*b_only)++;
			j++;
		}
	}
}

#define BENCH_MEDIAN(v, n) ((v)[(n) / 2])

int
main(int argc, char **argv)
{
	struct bench_payloads ps = {0};
	struct bench_hits ha = {0}, hb = {0}, hc = {0};
	static struct bench_hs_ctx x, xc;
	hs_database_t *db = NULL, *db_user = NULL;
	hs_scratch_t *scratch = NULL;
	unsigned long n_payloads = 20000, target = 1024, iters = 20, seed = 1, k;
	bool check_only = false, soup = false;
	const char *dump = NULL;
	uint64_t found_b = 0, sum_b = 0;
	size_t same, c_only, b_only;
	double *ra = NULL, *ra0 = NULL, *rb = NULL, *rc_ = NULL, t0, mb;
	int c, rc = 1;

	while ((c = getopt(argc, argv, "n:l:i:s:crw:h")) != -1) {
		switch (c) {
		case 'n':
			n_payloads = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			target = strtoul(optarg, NULL, 0);
			break;
		case 'i':
			iters = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			check_only = true;
			break;
		case 'r':
			soup = true;
			break;
		case 'w':
			dump = optarg;
			break;
		case 'h':
			bench_usage(stdout);
			return 0;
		default:
			bench_usage(stderr);
			return 2;
		}
	}
	if (n_payloads == 0 || n_payloads > 10000000 || target == 0 || target > BENCH_MAX_LEN ||
	    iters == 0 || iters > 100000) {
		bench_usage(stderr);
		return 2;
	}

	if (bench_generate(&ps, n_payloads, target, seed, soup) != 0) {
		fprintf(stderr, "bench-pan: out of memory generating payloads\n");
		goto out;
	}
	if (dump != NULL) {
		FILE *f = fopen(dump, "wb");

		if (f == NULL || fwrite(ps.b.data, 1, ps.b.len, f) != ps.b.len || fclose(f) != 0) {
			fprintf(stderr, "bench-pan: %s: %s\n", dump, strerror(errno));
			goto out;
		}
	}
	if (bench_compile(bench_exprs, 3, HS_FLAG_SOM_LEFTMOST, &db) != 0 ||
	    bench_compile(bench_user_exprs, 3, 0, &db_user) != 0)
		goto out;
	/* one scratch serves both databases */
	if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS ||
	    hs_alloc_scratch(db_user, &scratch) != HS_SUCCESS) {
		fprintf(stderr, "bench-pan: hs_alloc_scratch failed\n");
		goto out;
	}

	/* the same numbers on both sides, or nothing to measure */
	x.hits = &ha;
	xc.hits = &hc;
	if (bench_hs_pass(&ps, db, scratch, bench_hs_on_match, &x) != 0 ||
	    bench_pan_pass(&ps, &found_b, &sum_b, &hb) != 0 ||
	    bench_hs_pass(&ps, db_user, scratch, bench_hs_on_user, &xc) != 0)
		goto out;
	printf("bench-pan: %lu payloads, %zu bytes (%.1f%% digits), %s\n", n_payloads, ps.b.len,
	       100.0 * (double)ps.digits / (double)ps.b.len, hs_version());
	printf("  planted_pans: %" PRIu64 "\n", ps.planted);
	printf("  found_hs: %zu\n", ha.n);
	printf("  found_pan: %zu\n", hb.n);
	if (bench_compare(&ps, &ha, &hb) != 0)
		goto out;
	if (!soup && hb.n < ps.planted) {
		fprintf(stderr, "bench-pan: fewer numbers than planted\n");
		goto out;
	}
	printf("  same: yes\n");
	bench_overlap(&hc, &hb, &same, &c_only, &b_only);
	printf("  c_user_regexes: %zu found: %zu also pan's, %zu not cards by pan's definition, "
	       "%zu of pan's cards missed\n",
	       hc.n, same, c_only, b_only);
	if (check_only) {
		rc = 0;
		goto out;
	}

	ra = calloc(iters, sizeof(*ra));
	ra0 = calloc(iters, sizeof(*ra0));
	rc_ = calloc(iters, sizeof(*rc_));
	rb = calloc(iters * BENCH_B_REPS, sizeof(*rb));
	if (ra == NULL || ra0 == NULL || rb == NULL || rc_ == NULL)
		goto out;
	mb = (double)ps.b.len / 1e6;
	x.hits = NULL;
	xc.hits = NULL;
	for (k = 0; k < iters; k++) {
		uint64_t fb, sb;
		struct bench_hs_ctx x0 = {0};
		unsigned int r;

		x.found = 0;
		x.sum = 0;
		t0 = bench_now();
		if (bench_hs_pass(&ps, db, scratch, bench_hs_on_match, &x) != 0)
			goto out;
		ra[k] = mb / (bench_now() - t0);
		t0 = bench_now();
		if (bench_hs_pass(&ps, db, scratch, bench_hs_on_count, &x0) != 0)
			goto out;
		ra0[k] = mb / (bench_now() - t0);
		xc.found = 0;
		t0 = bench_now();
		if (bench_hs_pass(&ps, db_user, scratch, bench_hs_on_user, &xc) != 0)
			goto out;
		rc_[k] = mb / (bench_now() - t0);
		for (r = 0; r < BENCH_B_REPS; r++) {
			fb = 0;
			sb = 0;
			t0 = bench_now();
			if (bench_pan_pass(&ps, &fb, &sb, NULL) != 0)
				goto out;
			rb[k * BENCH_B_REPS + r] = mb / (bench_now() - t0);
			if (x.found != fb || x.sum != sb) {
				fprintf(stderr, "bench-pan: pass %lu: counts differ\n", k);
				goto out;
			}
		}
	}
	qsort(ra, iters, sizeof(*ra), bench_dbl_cmp);
	qsort(ra0, iters, sizeof(*ra0), bench_dbl_cmp);
	qsort(rc_, iters, sizeof(*rc_), bench_dbl_cmp);
	qsort(rb, iters * BENCH_B_REPS, sizeof(*rb), bench_dbl_cmp);
	printf("  passes: %lu\n", iters);
	printf("  a_hs_mbps: %.1f (min %.1f, max %.1f)\n", BENCH_MEDIAN(ra, iters), ra[0],
	       ra[iters - 1]);
	printf("  a0_hs_count_only_mbps: %.1f (min %.1f, max %.1f)\n", BENCH_MEDIAN(ra0, iters),
	       ra0[0], ra0[iters - 1]);
	printf("  c_user_regexes_luhn_mbps: %.1f (min %.1f, max %.1f)\n", BENCH_MEDIAN(rc_, iters),
	       rc_[0], rc_[iters - 1]);
	printf("  b_pan_mbps: %.1f (min %.1f, max %.1f; %lu passes)\n",
	       BENCH_MEDIAN(rb, iters * BENCH_B_REPS), rb[0], rb[iters * BENCH_B_REPS - 1],
	       iters * BENCH_B_REPS);
	printf("  ratio_b_a: %.2f (of the medians)\n",
	       BENCH_MEDIAN(rb, iters * BENCH_B_REPS) / BENCH_MEDIAN(ra, iters));
	printf("  ratio_b_c: %.2f (of the medians)\n",
	       BENCH_MEDIAN(rb, iters * BENCH_B_REPS) / BENCH_MEDIAN(rc_, iters));
	rc = 0;
out:
	free(ra);
	free(ra0);
	free(rb);
	free(rc_);
	free(ha.v);
	free(hb.v);
	free(hc.v);
	hs_free_scratch(scratch);
	hs_free_database(db);
	hs_free_database(db_user);
	bench_bytes_free(&ps.b);
	return rc;
}
