/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `pan` scanner and the Luhn check: the hot-path confirm step behind
 * two keywords of our own (not Suricata's), `pan` and `luhn`. Card-number
 * regexes have no literal factor, so Hyperscan would walk every digit of
 * digit-heavy payloads with them; this file finds the same numbers in one
 * pass over the bytes, 64 at a time, with no allocation.
 *
 * What a PAN is here (the `pan` keyword): a card number where a fraud
 * analyst reading the payload would see one, and nowhere else.
 *
 *   - Tokens. Token characters are the ASCII letters, digits and the
 *     underscore; every other byte (space, dash, punctuation, control
 *     bytes, bytes >= 0x80) is a boundary. A digit group is a maximal run
 *     of ASCII digits. It is clean when neither byte next to it is a letter
 *     or an underscore (a digit cannot be: the run is maximal). A group that
 *     is not clean belongs to a longer letter-or-digit token (a hex id,
 *     "tok_4111...", "abc4111...", "4111...x") and is never part of a card.
 *   - Forms. A card is written in one of these forms, all groups clean:
 *       contiguous: one group of 13 to 19 digits. What stands beyond its
 *         boundaries does not matter: in "05 4111111111111111" and
 *         "4111111111111111-05" the 16 digits are a card. A run of 12 or of
 *         20 and more digits is no card and holds none;
 *       grouped: groups joined by single separators of one kind (all
 *         spaces or all dashes), with these lengths: 4-4-4-n, n = 1..4
 *         (13 to 16 digits: 4-4-4-4 is the usual 16), 4-4-4-4-n, n = 1..3
 *         (17 to 19: 4-4-4-4-3 is the usual 19), 4-6-4 (14, Diners) and
 *         4-6-5 (15, Amex). No other grouping ("41 111111 111111111"), no
 *         doubled separator, no mix of kinds ("4111 1111-1111 1111").
 *     A grouped reading is refused when one separator of its own kind
 *     joins it to a four-character token holding a digit, before its first
 *     group or after its last: the run of four-character groups goes on,
 *     as in grouped accounts of 20 digits or more ("4111 1111 1111 1111
 *     1111") and IBANs ("DE89 3704 0044 0532 0130 00"). Other digits one
 *     separator away do not refuse it: "2024-01-05 4111 1111 1111 1111"
 *     (the date's "05" is two digits), "4111 1111 1111 1111 12/26".
 *   - The digits pass the Luhn check and start with an issuer prefix (IIN)
 *     among: Visa 4; Mastercard 51-55 and 2221-2720; Amex 34, 37; Discover
 *     6011, 644-649, 65; Diners 36, 300-305, 38-39; JCB 3528-3589; UnionPay
 *     62; Maestro 50, 56-58 and every other 6. Together: 4, 6, 50-58, 34,
 *     36-39, 300-305, 2221-2720, 3528-3589. Account numbers, timestamps
 *     (epoch, yyyymmddhhmmss: 1, 19xx, 20xx) and ids without one are not
 *     cards.
 *   - Which reading wins. Groups are taken from left to right; at each
 *     clean group the longest form starting there that passes every clause
 *     is a card, and the next card starts after it. So
 *     "4111 1111 1111 1111 123" is one 19-digit card when those 19 digits
 *     pass, else the 16-digit card followed by "123"; a group is in at most
 *     one card.
 *   - Masked numbers ("411111******1111", "4111 11XX XXXX 1111") hold no
 *     13 digits in a form of clean groups, so they hold no card.
 *
 * Length is 13..19 for every brand, on purpose: per-brand lengths overlap
 * (Maestro 12-19 under 6 against Discover 16-19 under 65, Visa 13/16/19)
 * and real issuers drift from the tables, so a per-brand rule would miss
 * numbers for little gain once Luhn has cut false positives by ten.
 *
 * Known limits: a four-letter word before a grouped card does not refuse
 * it ("card 4111 1111 1111 1111" must be found), so an IBAN whose bank code
 * is letters ("GB29 NWBK 6016 1331 9268 19") reads as a 14-digit 4-4-4-2
 * card when its digits happen to pass Luhn with a 6 prefix; two grouped
 * cards joined by a single space read as one run of eight groups, no card.
 *
 * Each PAN is reported once, in order of its first digit.
 *
 * The `luhn` keyword (weir_luhn_in) is narrower on purpose: it looks for a
 * maximal run of 13..19 consecutive digits (no separators) inside the
 * matched bytes that passes Luhn, whatever its prefix and whatever stands
 * next to it. A run of 25 digits holds no Luhn-valid window; the ends of
 * the given range count as boundaries.
 *
 * How: each 64-byte block becomes three bitmasks (digit, space-or-dash,
 * then "joined" = digit or a separator with a digit on both sides). Every
 * form above lies inside one maximal run of joined bytes (a chain), and
 * only chains of at least 13 bytes can hold one, so everything else (text,
 * amounts, short ids) is skipped by mask arithmetic without looking at
 * single bytes. A chain inside one block is mostly settled from its bits
 * too (a popcount of fewer than 13 digits, or a plain run: straight to its
 * two neighbour bytes, prefix and Luhn); the rest are read group by group
 * by a short scalar walk, which looks at most one token beyond the chain.
 * There is no state outside the call: any thread may scan at any time.
 *
 * On a stream (weir_pan_stream_feed, the `pan` stream rules) the same walk
 * goes on across calls: it resumes at the first group it could not decide
 * and decides a group only once every byte its clauses read is known, so
 * a card cut by segment boundaries is found once, where a scan of the
 * whole stream finds it, and a digit run cut by one is not taken for a
 * card. It keeps at most 34 bytes between calls (end of file).
 * perf/bench_pan.c measures it against equivalent Hyperscan regexes, and
 * against the usual card regexes with a Luhn check.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "rules_int.h"

#define PAN_MIN_DIGITS 13
#define PAN_MAX_DIGITS 19
#define PAN_BLOCK      64 /* bytes per mask: one bit per byte in a uint64_t */

/* What a chain handler does with a maximal chain. */
enum pan_mode {
	PAN_MODE_SCAN, /* weir_pan_scan: grouped numbers, prefix, Luhn */
	PAN_MODE_LUHN, /* weir_luhn_in: digit runs, Luhn only, stop at first */
};

struct pan_ctx {
	struct weir_pan_match *out;
	size_t len; /* of the payload: tokens next to a chain are read up to it */
	unsigned int max;
	unsigned int n;
	/* stream mode (weir_pan_stream_feed); a packet scan has from 0, open
	 * false and never stops */
	size_t from;   /* groups starting before it were decided earlier */
	size_t walked; /* where the walk goes on after its last decision */
	size_t stop;   /* the first group left undecided, SIZE_MAX: none */
	bool open;     /* bytes may follow data[len - 1] */
};

/*
 * How far a decision reaches, in stream mode (the header comment's clauses
 * read as bytes). A grouped reading starting at s reads the group lengths
 * up to its fifth group's end (s + 23 at most for a form: 4-4-4-4-3) and
 * the separator and four-character token after its last group (up to
 * s + 28): PAN_REACH bytes from s. When its chain ends at b, the reads
 * stop at b + 5: PAN_AFTER bytes from b. Before s it reads the separator
 * and the token before it (s - 6 .. s - 1): PAN_BEHIND.
 */
#define PAN_REACH  29
#define PAN_AFTER  6
#define PAN_BEHIND 6
/* A group not visited by a walk (its chain was too short, or held fewer
 * than 13 digits) may still start a card once more bytes come, when fewer
 * than PAN_PENDING bytes follow its start: the densest card prefix that
 * holds 12 digits is "dddd-dddd-dddd-", 15 bytes. */
#define PAN_PENDING 16

/* Luhn's doubled digit with its digits summed, by digit. */
static const uint8_t pan_luhn_double[10] = {0, 2, 4, 6, 8, 1, 3, 5, 7, 9};

static inline bool
pan_is_digit(uint8_t c)
{
	return (unsigned int)(c - '0') < 10;
}

/*
 * Digit and separator masks of the 64 bytes at @p b: bit i is byte i.
 * SSE2 is part of x86-64, so the fallback only serves other machines.
 */
static inline void
pan_masks(const uint8_t *b, uint64_t *digit, uint64_t *sep)
{
#if defined(__SSE2__)
	/* c + (128 - '0') turns '0'..'9' into the ten smallest signed bytes */
	const __m128i bias = _mm_set1_epi8((char)(128 - '0'));
	const __m128i limit = _mm_set1_epi8((char)(-128 + 10));
	const __m128i space = _mm_set1_epi8(' ');
	const __m128i dash = _mm_set1_epi8('-');
	uint64_t d = 0, s = 0;
	int k;

	for (k = 0; k < PAN_BLOCK / 16; k++) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * k));
		__m128i isd = _mm_cmplt_epi8(_mm_add_epi8(x, bias), limit);
		__m128i iss = _mm_or_si128(_mm_cmpeq_epi8(x, space), _mm_cmpeq_epi8(x, dash));

		d |= (uint64_t)(uint16_t)_mm_movemask_epi8(isd) << (16 * k);
		s |= (uint64_t)(uint16_t)_mm_movemask_epi8(iss) << (16 * k);
	}
	*digit = d;
	*sep = s;
#else
	uint64_t d = 0, s = 0;
	int i;

	for (i = 0; i < PAN_BLOCK; i++) {
		d |= (uint64_t)pan_is_digit(b[i]) << i;
		s |= (uint64_t)(b[i] == ' ' || b[i] == '-') << i;
	}
	*digit = d;
	*sep = s;
#endif
}

/* Luhn over @p n bytes known to be digits: the scanner's inner check. */
static inline bool
pan_luhn(const uint8_t *d, size_t n)
{
	unsigned int sum = 0;
	size_t i;

	/* from the right: the last digit as is, every second one doubled */
	for (i = 0; i + 1 < n; i += 2)
		sum += (unsigned int)(d[n - 1 - i] - '0') + pan_luhn_double[d[n - 2 - i] - '0'];
	if (i < n)
		sum += (unsigned int)(d[0] - '0');
	return sum % 10 == 0;
}

bool
weir_luhn_ok(const uint8_t *digits, size_t n)
{
	unsigned int sum = 0;
	size_t i;

	if (n == 0)
		return false;
	/* from the right: the last digit as is, every second one doubled */
	for (i = 0; i < n; i++) {
		unsigned int d = (unsigned int)(digits[n - 1 - i] - '0');

		if (d > 9)
			return false;
		sum += (i & 1) ? pan_luhn_double[d] : d;
	}
	return sum % 10 == 0;
}

/* Issuer prefixes of the header comment, on the first four digits. */
static inline bool
pan_prefix_ok(const uint8_t *d)
{
	unsigned int p2 = (unsigned int)(d[0] - '0') * 10 + (unsigned int)(d[1] - '0');
	unsigned int p3, p4;

	switch (d[0]) {
	case '4':
	case '6':
		return true;
	case '5':
		return p2 <= 58;
	case '2':
		p4 = p2 * 100 + (unsigned int)(d[2] - '0') * 10 + (unsigned int)(d[3] - '0');
		return p4 >= 2221 && p4 <= 2720;
	case '3':
		if (p2 == 34 || p2 >= 36)
			return true;
		p3 = p2 * 10 + (unsigned int)(d[2] - '0');
		if (p3 >= 300 && p3 <= 305)
			return true;
		p4 = p3 * 10 + (unsigned int)(d[3] - '0');
		return p4 >= 3528 && p4 <= 3589;
	default:
		return false;
	}
}

/*
 * [start, end) with @p n_digits digits, separators included, already known
 * to be in one of the forms with its boundary clauses met: keep it when
 * prefix and Luhn pass. @return true when kept.
 */
static bool
pan_number(struct pan_ctx *ctx, const uint8_t *data, size_t start, size_t end, size_t n_digits)
{
	uint8_t dig[PAN_MAX_DIGITS];
	const uint8_t *d = data + start;
	size_t i, n = 0;

	if (end - start != n_digits) {
		/* grouped: gather the digits; a separator is written, then
		 * overwritten by the digit after it */
		for (i = start; i < end; i++) {
			dig[n] = data[i];
			n += pan_is_digit(data[i]);
		}
		d = dig;
	}
	/* the prefix first: it turns away most digit runs (ids, timestamps) */
	if (!pan_prefix_ok(d) || !pan_luhn(d, n_digits))
		return false;
	if (ctx->n < ctx->max) {
		ctx->out[ctx->n].start = (uint32_t)start;
		ctx->out[ctx->n].end = (uint32_t)end;
		ctx->out[ctx->n].n_digits = (uint8_t)n_digits;
	}
	ctx->n++;
	return true;
}

/* A letter or the underscore: a byte that glues digits into a token. */
static inline bool
pan_is_glue(uint8_t c)
{
	return (unsigned int)((c | 0x20) - 'a') < 26 || c == '_';
}

static inline bool
pan_is_token(uint8_t c)
{
	return pan_is_digit(c) || pan_is_glue(c);
}

/*
 * Is the token whose last byte (@p left) or first byte (else) is at @p p
 * four token characters long, with a digit among them?
 */
static bool
pan_four_token(const uint8_t *data, size_t len, size_t p, bool left)
{
	unsigned int n = 0;
	bool digit = false;

	while (n < 5 && p < len && pan_is_token(data[p])) {
		digit |= pan_is_digit(data[p]);
		n++;
		if (!left)
			p++;
		else if (p-- == 0)
			break;
	}
	return n == 4 && digit;
}

/*
 * A grouped reading starting at the 4-digit group at @p s, whose first
 * separator is @p k, inside the chain that ends at @p b. Tries the forms
 * that fit the groups there, longest first. @return the end of the card
 * kept, or 0.
 */
static size_t
pan_grouped(struct pan_ctx *ctx, const uint8_t *data, size_t len, size_t s, size_t b, uint8_t k)
{
	size_t end[5], lens[5], p = s;
	unsigned int m = 0, j, last[2], n_cand = 0;

	/* a four-character token one separator of this kind before it */
	if (s >= 2 && data[s - 1] == k && pan_four_token(data, len, s - 2, true))
		return 0;
	/* up to five groups joined by k: the longest form has five */
	while (m < 5) {
		size_t q = p;

		while (q < b && pan_is_digit(data[q]))
			q++;
		lens[m] = q - p;
		end[m] = q;
		m++;
		if (q >= b || data[q] != k)
			break;
		p = q + 1;
	}
	if (m < 3)
		return 0;
	if (lens[1] == 4 && lens[2] == 4 && m >= 4) {
		if (lens[3] == 4 && m >= 5 && lens[4] <= 3)
			last[n_cand++] = 4; /* 4-4-4-4-n, 17..19 */
		if (lens[3] <= 4)
			last[n_cand++] = 3; /* 4-4-4-n, 13..16 */
	} else if (lens[1] == 6 && (lens[2] == 4 || lens[2] == 5)) {
		last[n_cand++] = 2; /* 4-6-4, 4-6-5 */
	}
	for (j = 0; j < n_cand; j++) {
		size_t e = end[last[j]], nd = 0;
		unsigned int g;

		/* the last group clean, no four-character token after it */
		if (e < len && (pan_is_glue(data[e]) ||
				(data[e] == k && pan_four_token(data, len, e + 1, false))))
			continue;
		for (g = 0; g <= last[j]; g++)
			nd += lens[g];
		if (pan_number(ctx, data, s, e, nd))
			return e;
	}
	return 0;
}

/*
 * Stream mode: must the group [p, q) of the chain that ends at @p b wait
 * for more bytes? Its decision must not depend on bytes past the end.
 */
static inline bool
pan_defer(const struct pan_ctx *ctx, size_t p, size_t q, size_t b)
{
	size_t n = q - p;

	if (q >= ctx->len) /* its length is not known: 20 digits are no card */
		return n <= PAN_MAX_DIGITS;
	if (n == 4 && q < b) /* a grouped reading: its groups and the tokens after */
		return p + PAN_REACH > ctx->len && b + PAN_AFTER > ctx->len;
	if (n == 4) /* the byte after it may become a joined separator */
		return q + 1 >= ctx->len;
	return false;
}

/*
 * A maximal chain [a, b) of a payload of @p len bytes: digit groups joined
 * by single separators, starting and ending with a digit. Read its groups
 * from left to right; at each, the longest form that is a card.
 */
static void
pan_chain(struct pan_ctx *ctx, const uint8_t *data, size_t len, size_t a, size_t b)
{
	size_t p = a;
	/* only the chain's ends can touch a letter: inside, separators */
	bool glued_left = a > 0 && pan_is_glue(data[a - 1]);
	bool glued_right = b < len && pan_is_glue(data[b]);

	while (p < b) {
		size_t q = p, n;

		while (q < b && pan_is_digit(data[q]))
			q++;
		n = q - p;
		if (p < ctx->from) {
			/* decided by an earlier call (stream mode) */
		} else if (p == a && glued_left) {
			/* part of a longer token */
		} else if (ctx->open && pan_defer(ctx, p, q, b)) {
			ctx->stop = p;
			return;
		} else if (n >= PAN_MIN_DIGITS && n <= PAN_MAX_DIGITS) {
			if (q < b || !glued_right)
				pan_number(ctx, data, p, q, n);
		} else if (n == 4 && q < b) {
			size_t e = pan_grouped(ctx, data, len, p, b, data[q]);

			if (e != 0)
				q = e;
		}
		p = q + 1; /* past the separator after the group or card */
		ctx->walked = p;
	}
}

/* A maximal digit run [a, b) for weir_luhn_in. */
static inline bool
pan_luhn_run(const uint8_t *data, size_t a, size_t b)
{
	return b - a <= PAN_MAX_DIGITS && weir_luhn_ok(data + a, b - a);
}

/* Bits 0..n-1 set, n < 64. */
static inline uint64_t
pan_low(unsigned int n)
{
	return (UINT64_C(1) << n) - 1;
}

/*
 * Hand a chain to the mode's handler. @return true when the walk may stop
 * (weir_luhn_in found its run). When the chain lies in one block, @p cd
 * and @p cs are its digit and separator bits and @p known is true: most
 * chains are then settled without reading a byte (too few digits, or a
 * plain digit run too long).
 */
static inline bool
pan_emit(enum pan_mode mode, struct pan_ctx *ctx, const uint8_t *data, size_t a, size_t b,
	 bool known, uint64_t cd, uint64_t cs)
{
	if (mode == PAN_MODE_LUHN)
		return pan_luhn_run(data, a, b);
	if (known) {
		size_t nd = (size_t)__builtin_popcountll(cd);

		if (nd < PAN_MIN_DIGITS)
			return false;
		if (cs == 0) {
			/* one group: contiguous when 13..19 digits and clean */
			bool glued_left = a > 0 && pan_is_glue(data[a - 1]);

			if (a < ctx->from)
				return false;
			if (ctx->open && !glued_left && pan_defer(ctx, a, b, b)) {
				ctx->stop = a;
				return true;
			}
			if (nd <= PAN_MAX_DIGITS && !glued_left &&
			    !(b < ctx->len && pan_is_glue(data[b])))
				pan_number(ctx, data, a, b, nd);
			ctx->walked = b + 1;
			return false;
		}
	}
	pan_chain(ctx, data, ctx->len, a, b);
	return ctx->stop != SIZE_MAX;
}

/*
 * The one pass. Per block: J = joined bytes (digits, and in scan mode
 * separators with a digit on both sides). A maximal run of J bits is a
 * chain; chains shorter than PAN_MIN_DIGITS bytes cannot hold 13 digits
 * and are never looked at. The run at the top of a block carries into the
 * next (run_start, run_len); the lookahead byte past the block decides
 * whether the block's last separator joins.
 *
 * @p mode is a constant at each call site, so each caller gets its own
 * copy of the loop without a branch on it.
 */
static inline bool
pan_walk_at(enum pan_mode mode, struct pan_ctx *ctx, const uint8_t *data, size_t len,
	    bool back_load)
{
	uint8_t tail[PAN_BLOCK];
	size_t p, run_start = 0, run_len = 0;
	uint64_t prev_digit = 0; /* bit 0: byte p - 1 is a digit */

	for (p = 0; p < len; p += PAN_BLOCK) {
		const uint8_t *blk = data + p;
		uint64_t d, s, j, next_digit = 0, m, r;
		unsigned int lead, top;

		if (len - p < PAN_BLOCK && back_load && len >= PAN_BLOCK) {
			/* the last 64 bytes of the buffer, their masks shifted
			 * down to this block: the bits past the end are clear,
			 * as zero padding would leave them, and nothing is copied */
			unsigned int sh = (unsigned int)(PAN_BLOCK - (len - p));

			pan_masks(data + len - PAN_BLOCK, &d, &s);
			d >>= sh;
			s >>= sh;
		} else {
			if (len - p < PAN_BLOCK) {
				/* zero padding is neither digit nor separator */
				memset(tail, 0, sizeof(tail));
				memcpy(tail, blk, len - p);
				blk = tail;
			} else if (len - p > PAN_BLOCK) {
				next_digit = pan_is_digit(data[p + PAN_BLOCK]);
			}
			pan_masks(blk, &d, &s);
		}
		if (mode == PAN_MODE_SCAN)
			j = d | (s & ((d << 1) | prev_digit) & ((d >> 1) | (next_digit << 63)));
		else
			j = d;
		prev_digit = d >> 63;

		if (j == UINT64_MAX) {
			if (run_len == 0)
				run_start = p;
			run_len += PAN_BLOCK;
			continue;
		}
		/* the run carried in ends at the block's first zero bit */
		lead = (unsigned int)__builtin_ctzll(~j);
		if (run_len + lead >= PAN_MIN_DIGITS) {
			bool known = run_len == 0;

			if (known)
				run_start = p;
			if (pan_emit(mode, ctx, data, run_start, p + lead, known, d & pan_low(lead),
				     s & pan_low(lead)))
				return true;
		}
		/* runs inside the block: neither the carried one nor the top one */
		top = (unsigned int)__builtin_clzll(~j);
		m = j & ~pan_low(lead);
		if (top != 0)
			m &= pan_low(PAN_BLOCK - top);
		/* r: bit i set when bits i..i+12 of m are all set */
		r = m & (m >> 1);
		r &= r >> 2;
		r &= r >> 4;
		r &= r >> 5;
		while (r != 0) {
			unsigned int a = (unsigned int)__builtin_ctzll(r);
			/* m's bit 63 is clear (top run removed), so b <= 63 */
			unsigned int b = a + (unsigned int)__builtin_ctzll(~(m >> a));
			uint64_t bits = pan_low(b) & ~pan_low(a);

			if (pan_emit(mode, ctx, data, p + a, p + b, true, d & bits, s & bits))
				return true;
			r &= ~pan_low(b);
		}
		run_len = top;
		run_start = p + PAN_BLOCK - top;
	}
	/* a run reaching the end of a buffer of whole blocks */
	if (run_len >= PAN_MIN_DIGITS)
		return pan_emit(mode, ctx, data, run_start, len, false, 0, 0);
	return false;
}

static inline bool
pan_walk(enum pan_mode mode, struct pan_ctx *ctx, const uint8_t *data, size_t len)
{
	return pan_walk_at(mode, ctx, data, len, false);
}

unsigned int
weir_pan_scan(const uint8_t *data, size_t len, struct weir_pan_match *out, unsigned int max)
{
	struct pan_ctx ctx = {
		.out = out, .len = len, .max = out != NULL ? max : 0, .n = 0, .stop = SIZE_MAX};

	/* offsets are 32-bit: payloads are packets, far below 4 GiB */
	if (len > UINT32_MAX)
		len = ctx.len = UINT32_MAX;
	pan_walk(PAN_MODE_SCAN, &ctx, data, len);
	return ctx.n;
}

bool
weir_luhn_in(const uint8_t *data, size_t len)
{
	return pan_walk(PAN_MODE_LUHN, NULL, data, len);
}

/* ---- stream mode ---------------------------------------------------------
 *
 * A stream is scanned as its bytes come, each byte once (tail aside): the
 * walk over groups goes on where the last call stopped (resume), and a
 * group is decided only when every byte its clauses read is known, so a
 * card is reported exactly when weir_pan_scan() of the whole stream would
 * report it, on the call whose bytes settle it. What a call leaves
 * undecided is at most PAN_REACH - 1 bytes from the end; the tail keeps
 * those and the PAN_BEHIND bytes before them.
 */

/* Bytes of the new data scanned together with the tail: the seam. Past
 * PAN_SEAM_MIN of them the resume point lies inside the data, PAN_BEHIND
 * bytes in at least, and the rest is scanned in place; the seam takes
 * more when that fills its first block (one walk of one block, the
 * usual tail being about 22 bytes), never more than PAN_SEAM. */
#define PAN_SEAM     64
#define PAN_SEAM_MIN (PAN_REACH + PAN_BEHIND)

_Static_assert(PAN_REACH - 1 + PAN_BEHIND <= WEIR_PAN_STREAM_TAIL, "the tail holds the undecided");
_Static_assert(PAN_PENDING - 1 <= PAN_REACH - 1, "an unvisited group is within the reach");
_Static_assert(PAN_SEAM_MIN >= PAN_REACH + PAN_BEHIND, "the seam ends past the resume point");
_Static_assert(PAN_SEAM >= PAN_SEAM_MIN && PAN_SEAM <= PAN_BLOCK, "a seam fits a block");

/*
 * One walk over @p data (@p len bytes) from group start @p from, more
 * bytes to come when @p open. Cards go to @p out (offsets in @p data).
 * @return the offset of the first group not decided (*resume): every
 * group starting before it is.
 */
static size_t
pan_stream_walk(struct pan_ctx *ctx, const uint8_t *data, size_t len, size_t from, bool open)
{
	size_t r;

	ctx->len = len;
	ctx->from = from;
	ctx->walked = from;
	ctx->stop = SIZE_MAX;
	ctx->open = open;
	pan_walk_at(PAN_MODE_SCAN, ctx, data, len, true);
	if (ctx->stop != SIZE_MAX)
		return ctx->stop;
	if (!open)
		return len;
	/* groups of the chains the walk skipped, near the end, may still
	 * start a card */
	r = len > PAN_PENDING ? len - PAN_PENDING : 0;
	if (r < ctx->walked)
		r = ctx->walked;
	if (r < from)
		r = from;
	return r > len ? len : r;
}

void
weir_pan_stream_reset(struct weir_pan_stream *ps)
{
	ps->pos = 0;
	ps->resume = 0;
	ps->len = 0;
}

/* Move the matches ctx found since @p first from offsets in a buffer to
 * stream offsets (@p base: the buffer's first byte). */
static void
pan_stream_rebase(struct pan_ctx *ctx, unsigned int first, uint64_t base)
{
	unsigned int i, n = ctx->n < ctx->max ? ctx->n : ctx->max;

	for (i = first; i < n; i++) {
		ctx->out[i].start = (uint32_t)(ctx->out[i].start + base);
		ctx->out[i].end = (uint32_t)(ctx->out[i].end + base);
	}
}

unsigned int
weir_pan_stream_feed(struct weir_pan_stream *ps, const uint8_t *data, size_t len, bool final,
		     struct weir_pan_match *out, unsigned int max)
{
	/* the tail, right-aligned in its array (copied whole: a fixed-size
	 * copy), then the seam's bytes of data */
	uint8_t buf[WEIR_PAN_STREAM_TAIL + PAN_SEAM];
	uint8_t *seam = buf + WEIR_PAN_STREAM_TAIL - ps->len;
	struct pan_ctx ctx = {.out = out, .max = out != NULL ? max : 0, .n = 0};
	uint64_t base = (uint64_t)ps->pos - ps->len; /* stream offset of seam[0] */
	const uint8_t *last; /* the buffer the last walk ran over, and its length */
	size_t s, sl, r, keep, last_len, n;
	uint64_t last_base;

	/* 32-bit stream offsets (app/stream.h): a direction stops at 4 GiB */
	if ((uint64_t)ps->pos + len > UINT32_MAX)
		len = UINT32_MAX - ps->pos;
	s = ps->len + PAN_SEAM_MIN >= PAN_BLOCK ? PAN_SEAM_MIN : PAN_BLOCK - ps->len;
	if (s > len)
		s = len;
	sl = ps->len + s;
	memcpy(buf, ps->tail, WEIR_PAN_STREAM_TAIL);
	if (len >= PAN_SEAM)
		memcpy(buf + WEIR_PAN_STREAM_TAIL, data, PAN_SEAM); /* s of them walked */
	else if (s > 0)
		memcpy(buf + WEIR_PAN_STREAM_TAIL, data, s);
	r = pan_stream_walk(&ctx, seam, sl, ps->resume - base, !(final && s == len));
	pan_stream_rebase(&ctx, 0, base);
	last = seam;
	last_len = sl;
	last_base = base;
	if (s < len) {
		/* in place, from PAN_BEHIND bytes before the resume point (the
		 * seam left it at least that far into data) */
		size_t at = r - ps->len - PAN_BEHIND;
		unsigned int first = ctx.n < ctx.max ? ctx.n : ctx.max;

		last = data + at;
		last_len = len - at;
		last_base = (uint64_t)ps->pos + at;
		r = pan_stream_walk(&ctx, last, last_len, PAN_BEHIND, !final);
		pan_stream_rebase(&ctx, first, last_base);
	}
	/* keep the bytes from PAN_BEHIND before the resume point, right-aligned */
	keep = r >= PAN_BEHIND ? r - PAN_BEHIND : 0;
	if (last_len - keep > WEIR_PAN_STREAM_TAIL)
		keep = last_len - WEIR_PAN_STREAM_TAIL; /* never: PAN_REACH bounds it */
	n = last_len - keep;
	if (last_len >= WEIR_PAN_STREAM_TAIL)
		memcpy(ps->tail, last + last_len - WEIR_PAN_STREAM_TAIL, WEIR_PAN_STREAM_TAIL);
	else
		memcpy(ps->tail + WEIR_PAN_STREAM_TAIL - n, last + keep, n);
	ps->len = (uint8_t)n;
	ps->resume = (uint32_t)(last_base + r);
	ps->pos += (uint32_t)len;
	return ctx.n;
}
