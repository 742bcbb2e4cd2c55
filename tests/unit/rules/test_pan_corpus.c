/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The labelled `pan` corpus of issue 15: a generator of card numbers and
 * near-misses, each planted by construction in a JSON, key=value, ISO
 * 8583-like, CSV, free-text or bare context, with the answer known from
 * how it was built (where the card is, or that there is none). The test
 * runs weir_pan_scan over every case and reports, per class, recall (a
 * planted card is found with exactly its span) and false alarms (anything
 * reported that was not planted). It fails unless recall is 100 % and
 * false alarms 0 in every class.
 *
 * The classes follow the definition at the top of rules/rules_pan.c:
 *   must flag:     contiguous, space-grouped, dash-grouped (4-4-4-4, 4-6-5,
 *                  4-6-4, 4-4-4-4-n), digits one separator away,
 *                  punctuation and payload edges around the card;
 *   must not flag: inside a longer letter-or-digit token, masked, no issuer
 *                  prefix (accounts, timestamps, ids), Luhn-invalid,
 *                  lengths 12 and 20+ and runs of 4-digit groups (IBANs),
 *                  mixed/doubled/other separators and unusual groupings.
 * Every must-not-flag case holds a Luhn-valid card-like digit sequence
 * (or, for the Luhn class, one with an issuer prefix) that a looser
 * reading would report.
 *
 *   test_pan_corpus [FILE]   also writes the corpus as JSON lines to FILE
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_cunit.h"

#include "rules_int.h"

#define PC_PER_CLASS 2000
#define PC_TEXT	     384
#define PC_MAX_FOUND 8

enum pc_class {
	PC_CONTIG,    /* + contiguous 13..19 digits, every brand */
	PC_SPACE,     /* + grouped by single spaces */
	PC_DASH,      /* + grouped by single dashes */
	PC_NEIGHBOUR, /* + other digits one separator away */
	PC_EDGES,     /* + punctuation, non-ASCII, payload start and end */
	PC_TOKEN,     /* - inside a longer letter-or-digit token */
	PC_MASKED,    /* - masked */
	PC_NO_IIN,    /* - accounts, timestamps, ids: Luhn-valid, no issuer prefix */
	PC_LUHN,      /* - issuer prefix, Luhn fails */
	PC_LENGTH,    /* - 12 or 20+ digits, runs of 4-digit groups, IBANs */
	PC_SEPS,      /* - mixed, doubled, other separators, unusual groupings */
	PC_N_CLASSES,
};

static const char *const pc_class_name[PC_N_CLASSES] = {
	[PC_CONTIG] = "contiguous",	  [PC_SPACE] = "space-grouped",
	[PC_DASH] = "dash-grouped",	  [PC_NEIGHBOUR] = "digits-one-sep-away",
	[PC_EDGES] = "punctuation-edges", [PC_TOKEN] = "inside-token",
	[PC_MASKED] = "masked",		  [PC_NO_IIN] = "no-issuer-prefix",
	[PC_LUHN] = "luhn-invalid",	  [PC_LENGTH] = "length-12-20+-runs",
	[PC_SEPS] = "bad-separators",
};

static bool
pc_positive(unsigned int cls)
{
	return cls <= PC_EDGES;
}

struct pc_case {
	char text[PC_TEXT];
	size_t len;
	unsigned int cls;
	bool card;	/* one card planted at [start, end) */
	uint32_t start; /* of the card in text */
	uint32_t end;
};

struct pc_rng {
	uint64_t s;
};

static uint64_t
pc_rand(struct pc_rng *r)
{
	/* xorshift64*: the same corpus on every machine */
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * UINT64_C(2685821657736338717);
}

static unsigned int
pc_below(struct pc_rng *r, unsigned int n)
{
	return (unsigned int)(pc_rand(r) % n);
}

static const char *
pc_pick(struct pc_rng *r, const char *const *v, size_t n)
{
	return v[pc_below(r, (unsigned int)n)];
}

#define PC_PICK(r, v) pc_pick(r, v, sizeof(v) / sizeof(v[0]))

/* The generator's own Luhn, independent of rules_pan.c. */
static bool
pc_luhn(const char *d, size_t n)
{
	unsigned int s = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned int x = (unsigned int)(d[n - 1 - i] - '0') * ((i & 1) + 1);

		s += x > 9 ? x - 9 : x;
	}
	return s % 10 == 0;
}

/* Issuer prefixes with the lengths their cards have. */
static const struct {
	const char *prefix;
	unsigned int len;
} pc_brands[] = {
	{"4", 16},    {"4", 16},    {"4", 13},	  {"4", 19},	{"51", 16},   {"52", 16},
	{"55", 16},   {"2221", 16}, {"2500", 16}, {"2720", 16}, {"34", 15},   {"37", 15},
	{"6011", 16}, {"644", 16},  {"649", 16},  {"65", 16},	{"65", 19},   {"36", 14},
	{"300", 14},  {"305", 14},  {"38", 14},	  {"39", 14},	{"3528", 16}, {"3589", 16},
	{"62", 16},   {"62", 17},   {"62", 19},	  {"50", 16},	{"56", 18},   {"58", 19},
	{"63", 16},   {"67", 18},   {"6759", 19}, {"4", 17},
};

#define PC_N_BRANDS (sizeof(pc_brands) / sizeof(pc_brands[0]))

/* @p len digits after @p prefix into @p out, Luhn-valid or not. */
static void
pc_digits(struct pc_rng *r, char *out, const char *prefix, unsigned int len, bool valid)
{
	unsigned int n = (unsigned int)strlen(prefix), i, c;

	memcpy(out, prefix, n);
	for (i = n; i < len; i++)
		out[i] = (char)('0' + pc_below(r, 10));
	out[len] = '\0';
	for (c = 0; c < 10; c++) {
		out[len - 1] = (char)('0' + c);
		if (pc_luhn(out, len))
			break;
	}
	if (!valid)
		out[len - 1] = (char)('0' + (c + 1 + pc_below(r, 9)) % 10);
}

/* A random card of a random brand; @return its length. */
static unsigned int
pc_card(struct pc_rng *r, char *out, bool valid)
{
	unsigned int b = pc_below(r, PC_N_BRANDS);

	pc_digits(r, out, pc_brands[b].prefix, pc_brands[b].len, valid);
	return pc_brands[b].len;
}

/* A card whose length fits a grouped form: 14, 15, 16, 17, 18 or 19. */
static unsigned int
pc_groupable_card(struct pc_rng *r, char *out, bool valid)
{
	unsigned int n;

	do
		n = pc_card(r, out, valid);
	while (n < 14);
	return n;
}

/* The usual grouping of an n-digit card: group lengths, 0-terminated. */
static const unsigned int *
pc_usual(struct pc_rng *r, unsigned int n)
{
	static const unsigned int g14[] = {4, 6, 4, 0}, g15[] = {4, 6, 5, 0},
				  g15b[] = {4, 4, 4, 3, 0}, g16[] = {4, 4, 4, 4, 0},
				  g17[] = {4, 4, 4, 4, 1, 0}, g18[] = {4, 4, 4, 4, 2, 0},
				  g19[] = {4, 4, 4, 4, 3, 0};

	switch (n) {
	case 14:
		return g14;
	case 15:
		return pc_below(r, 4) == 0 ? g15b : g15;
	case 16:
		return g16;
	case 17:
		return g17;
	case 18:
		return g18;
	default:
		return g19;
	}
}

/* Digits @p d cut into groups @p g joined by @p sep into @p out. */
static void
pc_group(char *out, const char *d, const unsigned int *g, char sep)
{
	size_t k = 0;
	unsigned int i, j, p = 0;

	for (i = 0; g[i] != 0; i++) {
		if (i > 0)
			out[k++] = sep;
		for (j = 0; j < g[i]; j++)
			out[k++] = d[p++];
	}
	out[k] = '\0';
}

/*
 * Wrap @p core (the card at [cs, ce) inside it when @p card) in a random
 * context and store the case. Context numbers are never cards: at most 12
 * digits, or glued to letters, or no issuer prefix.
 */
static void
pc_store(struct pc_rng *r, struct pc_case *c, unsigned int cls, const char *core, bool card,
	 size_t cs, size_t ce, bool bare_only)
{
	unsigned int ctx = bare_only ? 0 : pc_below(r, 6);
	int pre = 0;

	switch (ctx) {
	case 0:
		pre = 0;
		snprintf(c->text, sizeof(c->text), "%s", core);
		break;
	case 1:
		snprintf(c->text, sizeof(c->text),
			 "{\"txn\":\"T%06u\",\"pan\":\"%n%s\",\"amt\":%u.%02u}",
			 pc_below(r, 1000000), &pre, core, pc_below(r, 100000), pc_below(r, 100));
		break;
	case 2:
		snprintf(c->text, sizeof(c->text), "cmd=auth&pan=%n%s&amt=%u.%02u&ccy=978", &pre,
			 core, pc_below(r, 100000), pc_below(r, 100));
		break;
	case 3:
		snprintf(c->text, sizeof(c->text), "MTI=0200 F2=%n%s F4=%012u F11=%06u F41=T%07u\n",
			 &pre, core, pc_below(r, 1000000000), pc_below(r, 1000000),
			 pc_below(r, 10000000));
		break;
	case 4:
		snprintf(c->text, sizeof(c->text),
			 "%u,%n%s,2026-%02u-%02u %02u:%02u:%02u,%u.%02u\n", pc_below(r, 100000),
			 &pre, core, 1 + pc_below(r, 12), 1 + pc_below(r, 28), pc_below(r, 24),
			 pc_below(r, 60), pc_below(r, 60), pc_below(r, 10000), pc_below(r, 100));
		break;
	default:
		snprintf(c->text, sizeof(c->text), "Customer paid with card: %n%s, please check.",
			 &pre, core);
		break;
	}
	c->len = strlen(c->text);
	c->cls = cls;
	c->card = card;
	c->start = (uint32_t)(pre + (int)cs);
	c->end = (uint32_t)(pre + (int)ce);
}

/* A valid card, contiguous or grouped by @p sep (0: contiguous). */
static void
pc_card_text(struct pc_rng *r, char *out, char sep, unsigned int *n_out)
{
	char d[24];
	unsigned int n;

	if (sep == 0) {
		n = pc_card(r, d, true);
		snprintf(out, 32, "%s", d);
	} else {
		n = pc_groupable_card(r, d, true);
		pc_group(out, d, pc_usual(r, n), sep);
	}
	if (n_out != NULL)
		*n_out = n;
}

static void
pc_make(struct pc_rng *r, unsigned int cls, struct pc_case *c)
{
	char core[128], card[40], d[40], d2[40];
	unsigned int n, k;
	size_t cs = 0, cl;

	switch (cls) {
	case PC_CONTIG:
		pc_card_text(r, card, 0, NULL);
		pc_store(r, c, cls, card, true, 0, strlen(card), false);
		return;
	case PC_SPACE:
	case PC_DASH:
		pc_card_text(r, card, cls == PC_SPACE ? ' ' : '-', NULL);
		pc_store(r, c, cls, card, true, 0, strlen(card), false);
		return;
	case PC_NEIGHBOUR: {
		/* the card's own kind k: a neighbour joined by k is never a
		 * four-character token (that continues the run, by definition) */
		static const char *const left_any[] = {
			"05 ", "7 ", "2024-01-05 ", "qty 3 ", "123 ", "12345 ", "12-", "7-", "99 "};
		static const char *const left_other[] = {"1234-", "2026-12-06T21:17:25 "};
		char sep = "\0 -"[pc_below(r, 3)];
		const char *left = "";
		char right[32] = "";

		pc_card_text(r, card, sep, &n);
		k = pc_below(r, 4);
		if (k != 1) {
			left = PC_PICK(r, left_any);
			if (sep == ' ' && pc_below(r, 3) == 0)
				left = left_other[0];
			if (sep == '-' && pc_below(r, 3) == 0)
				left = left_other[1];
		}
		if (k != 0) {
			/* a short group after it: for a 4-4-4-4 card, one that
			 * makes no longer 4-4-4-4-n card (re-drawn until so) */
			for (;;) {
				char all[48];
				size_t m;
				unsigned int form = pc_below(r, 5);

				if (form == 0)
					snprintf(right, sizeof(right), " %02u/%02u",
						 1 + pc_below(r, 12), 26 + pc_below(r, 6));
				else if (form == 1)
					snprintf(right, sizeof(right), " %03u", pc_below(r, 1000));
				else if (form == 2)
					snprintf(right, sizeof(right), "-%02u", pc_below(r, 100));
				else if (form == 3)
					snprintf(right, sizeof(right), " %u", pc_below(r, 10));
				else if (sep == ' ')
					continue; /* " 2026" would continue a run of fours */
				else
					snprintf(right, sizeof(right), " 2026-%02u-%02u",
						 1 + pc_below(r, 12), 1 + pc_below(r, 28));
				if (sep == 0 || n != 16 || right[0] != sep)
					break;
				/* digits of the card and of the first group after */
				for (m = 0, cl = 0; card[cl] != '\0'; cl++)
					if (card[cl] != sep)
						all[m++] = card[cl];
				for (cl = 1; right[cl] >= '0' && right[cl] <= '9'; cl++)
					all[m++] = right[cl];
				if (cl - 1 > 3 || !pc_luhn(all, m))
					break;
			}
		}
		cs = strlen(left);
		snprintf(core, sizeof(core), "%s%s%s", left, card, right);
		pc_store(r, c, cls, core, true, cs, cs + strlen(card), false);
		return;
	}
	case PC_EDGES: {
		static const char *const before[] = {"",
						     "\"",
						     "'",
						     "(",
						     "[",
						     "{",
						     ":",
						     ";",
						     ",",
						     ".",
						     "#",
						     "/",
						     "+",
						     "|",
						     "\t",
						     "\n",
						     "=",
						     "\xc2\xa0",
						     "\xe2\x80\xa2",
						     "<b>"};
		static const char *const after[] = {"",
						    "\"",
						    "'",
						    ")",
						    "]",
						    "}",
						    ":",
						    ";",
						    ",",
						    ".",
						    "#",
						    "/",
						    "+",
						    "|",
						    "\t",
						    "\r\n",
						    "&",
						    "\xc2\xa0",
						    "\xe2\x80\xa2",
						    "</b>"};
		const char *b = PC_PICK(r, before);

		pc_card_text(r, card, "\0 -"[pc_below(r, 3)], NULL);
		snprintf(core, sizeof(core), "%s%s%s", b, card, PC_PICK(r, after));
		/* bare: the card at the payload's very start or end */
		pc_store(r, c, cls, core, true, strlen(b), strlen(b) + strlen(card),
			 pc_below(r, 2) == 0);
		return;
	}
	case PC_TOKEN: {
		static const char *const glue_l[] = {"a",   "x", "tok_",     "id_", "0x",
						     "abc", "F", "deadbeef", "_",   "ref"};
		static const char *const glue_r[] = {"x", "_2",	 "abc", "f00d",
						     "Z", "_v1", "e3",	"deadbeef"};
		char sep = "\0\0 -"[pc_below(r, 4)];
		const char *l = "", *rr = "";
		unsigned int side = pc_below(r, 3);

		if (sep == 0) {
			pc_card_text(r, card, 0, NULL);
		} else {
			/* 16 (4-4-4-4) and Amex 15 (4-6-5): glued groups leave no
			 * shorter form inside them */
			static const unsigned int g15[] = {4, 6, 5, 0}, g16[] = {4, 4, 4, 4, 0};

			do
				n = pc_groupable_card(r, d, true);
			while (n != 16 && n != 15);
			pc_group(card, d, n == 15 ? g15 : g16, sep);
		}
		if (side != 1)
			l = PC_PICK(r, glue_l);
		if (side != 0)
			rr = PC_PICK(r, glue_r);
		if (pc_below(r, 4) == 0) {
			/* a hex id: hex digits with the card inside */
			char hex[16];

			for (k = 0; k < 12; k++)
				hex[k] = "0123456789abcdef"[pc_below(r, 16)];
			hex[5] = "abcdef"[pc_below(r, 6)]; /* a letter next to the card */
			hex[6] = "abcdef"[pc_below(r, 6)];
			snprintf(core, sizeof(core), "%.6s%s%.6s", hex, card, hex + 6);
		} else {
			snprintf(core, sizeof(core), "%s%s%s", l, card, rr);
		}
		pc_store(r, c, cls, core, false, 0, 0, false);
		return;
	}
	case PC_MASKED: {
		static const char *const mask[] = {"*", "X", "x", "#", "\xe2\x80\xa2"};
		const char *m = PC_PICK(r, mask);
		size_t o = 0;

		n = pc_card(r, d, true);
		switch (pc_below(r, 5)) {
		case 0: /* first six, last four */
			o = (size_t)snprintf(core, sizeof(core), "%.6s", d);
			for (k = 6; k + 4 < n; k++)
				o += (size_t)snprintf(core + o, sizeof(core) - o, "%s", m);
			snprintf(core + o, sizeof(core) - o, "%s", d + n - 4);
			break;
		case 1: /* last four only */
			for (k = 0; k + 4 < n; k++)
				o += (size_t)snprintf(core + o, sizeof(core) - o, "%s", m);
			snprintf(core + o, sizeof(core) - o, "%s", d + n - 4);
			break;
		default: { /* grouped: 4111 11XX XXXX 1111, 4111-11**-****-1111 */
			char sep = pc_below(r, 2) ? ' ' : '-';

			n = pc_groupable_card(r, d, true);
			pc_group(d2, d, pc_usual(r, n), sep);
			for (cl = 0, k = 0; d2[cl] != '\0'; cl++) {
				bool digit = d2[cl] >= '0' && d2[cl] <= '9';

				if (digit && k >= 6 && k + 4 < n)
					o += (size_t)snprintf(core + o, sizeof(core) - o, "%s", m);
				else
					core[o++] = d2[cl];
				k += digit;
			}
			core[o] = '\0';
			break;
		}
		}
		pc_store(r, c, cls, core, false, 0, 0, false);
		return;
	}
	case PC_NO_IIN: {
		static const char *const no_iin[] = {"0",    "1",    "7",    "8",   "9",  "2000",
						     "2220", "2721", "2999", "31",  "32", "33",
						     "3527", "3590", "306",  "309", "35", "59"};
		unsigned int t = pc_below(r, 4);

		if (t == 0) {
			/* epoch ms/us, yyyymmddhhmmss[fff]: prefixes 1 and 20 */
			static const char *const ts[] = {"17", "1765", "2026", "2025"};
			static const unsigned int tl[] = {13, 16, 14, 17};

			k = pc_below(r, 4);
			pc_digits(r, d, ts[k], tl[k], pc_below(r, 2) == 0);
			snprintf(core, sizeof(core), "%s", d);
		} else {
			const char *p;

			do {
				p = PC_PICK(r, no_iin);
				n = 13 + pc_below(r, 7);
				pc_digits(r, d, p, n, true);
				/* "35" and "59" draws must stay outside 3528-3589 */
			} while ((d[0] == '3' && d[1] == '5' && d[2] >= '2' && d[2] <= '8' &&
				  !(d[2] == '2' && d[3] < '8')) ||
				 (d[0] == '3' && d[1] == '0' && d[2] <= '5'));
			if (t == 1 || (n != 16 && n != 19 && n != 14))
				snprintf(core, sizeof(core), "%s", d);
			else
				pc_group(core, d, pc_usual(r, n), pc_below(r, 2) ? ' ' : '-');
		}
		pc_store(r, c, cls, core, false, 0, 0, false);
		return;
	}
	case PC_LUHN:
		if (pc_below(r, 2) == 0) {
			pc_card(r, d, false);
			snprintf(core, sizeof(core), "%s", d);
		} else {
			/* 17..19 digits read as 4-4-4-4-n hold a 4-4-4-4 reading:
			 * its 16 digits must fail too */
			do
				n = pc_groupable_card(r, d, false);
			while (n > 16 && pc_luhn(d, 16));
			pc_group(core, d, pc_usual(r, n), pc_below(r, 2) ? ' ' : '-');
		}
		pc_store(r, c, cls, core, false, 0, 0, false);
		return;
	case PC_LENGTH: {
		char sep = pc_below(r, 2) ? ' ' : '-';

		switch (pc_below(r, 5)) {
		case 0: /* 12 digits, Luhn-valid, issuer prefix */
			pc_digits(r, d, "4", 12, true);
			snprintf(core, sizeof(core), "%s", d);
			break;
		case 1: /* a valid card inside a run of 20 to 25 digits */
			n = pc_card(r, card, true);
			for (k = 0; k < 1 + pc_below(r, 6); k++)
				d[k] = (char)('0' + pc_below(r, 10));
			d[k] = '\0';
			if (pc_below(r, 2))
				snprintf(core, sizeof(core), "%s%s%s", d, card,
					 n + k < 20 ? "000000" : "");
			else
				snprintf(core, sizeof(core), "%s%s%s", card, d,
					 n + k < 20 ? "000000" : "");
			break;
		case 2: /* 20 digits, Luhn-valid, issuer prefix */
			pc_digits(r, d, "4", 20, true);
			snprintf(core, sizeof(core), "%s", d);
			break;
		case 3: { /* a valid 4-4-4-4 card with a fifth (and sixth) group */
			static const unsigned int g16[] = {4, 4, 4, 4, 0};

			pc_digits(r, d, pc_brands[pc_below(r, 2)].prefix, 16, true);
			pc_group(card, d, g16, sep);
			for (k = 0; k < 4; k++)
				d2[k] = (char)('0' + pc_below(r, 10));
			d2[4] = '\0';
			if (pc_below(r, 2))
				snprintf(core, sizeof(core), "%s%c%s", card, sep, d2);
			else
				snprintf(core, sizeof(core), "%s%c%s%c%s", d2, sep, card, sep, d2);
			break;
		}
		default: { /* an IBAN whose first four groups are a valid card */
			static const char *const cc[] = {"DE", "FR", "NL", "IT", "ES", "BE"};
			static const unsigned int g16[] = {4, 4, 4, 4, 0};

			pc_digits(r, d, "4", 16, true);
			pc_group(card, d, g16, ' ');
			snprintf(core, sizeof(core), "%s%02u %s %02u", PC_PICK(r, cc),
				 10 + pc_below(r, 90), card, pc_below(r, 100));
			break;
		}
		}
		pc_store(r, c, cls, core, false, 0, 0, false);
		return;
	}
	default: { /* PC_SEPS: a valid 16-digit card (or Amex) */
		static const unsigned int odd[][5] = {
			{2, 6, 7, 1, 0}, {3, 5, 5, 3, 0}, {5, 5, 6, 0, 0}, {8, 8, 0, 0, 0},
			{4, 8, 4, 0, 0}, {4, 4, 8, 0, 0}, {6, 4, 6, 0, 0}};
		static const char other[] = {'.', '/', ',', ':', '\t', '_', '+', '|'};
		static const unsigned int g16[] = {4, 4, 4, 4, 0};
		unsigned int t = pc_below(r, 4);

		pc_digits(r, d, pc_brands[pc_below(r, PC_N_BRANDS)].prefix, 16, true);
		if (t == 0) {
			/* one kind change among the single separators */
			pc_group(core, d, g16, ' ');
			core[4 + 5 * pc_below(r, 3)] = '-';
			if (pc_below(r, 2))
				for (cl = 0; core[cl] != '\0'; cl++)
					core[cl] = core[cl] == ' '   ? '-'
						   : core[cl] == '-' ? ' '
								     : core[cl];
		} else if (t == 1) {
			/* one doubled separator */
			char sep = pc_below(r, 2) ? ' ' : '-';
			size_t at = 4 + 5 * pc_below(r, 3);

			pc_group(core, d, g16, sep);
			memmove(core + at + 1, core + at, strlen(core + at) + 1);
			core[at] = sep;
		} else if (t == 2) {
			char sep = other[pc_below(r, sizeof(other))];

			pc_group(core, d, g16, sep);
		} else {
			pc_group(core, d, odd[pc_below(r, 7)], pc_below(r, 2) ? ' ' : '-');
		}
		pc_store(r, c, cls, core, false, 0, 0, false);
		return;
	}
	}
}

/* ---- the test ------------------------------------------------------------ */

static const char *pc_dump_path;

static void
pc_dump_case(FILE *f, const struct pc_case *c)
{
	size_t i;

	fprintf(f, "{\"class\":\"%s\",\"flag\":%s,\"text\":\"", pc_class_name[c->cls],
		pc_positive(c->cls) ? "true" : "false");
	for (i = 0; i < c->len; i++) {
		unsigned char ch = (unsigned char)c->text[i];

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			fprintf(f, "\\u%04x", ch); /* bytes, not code points */
		else
			fputc(ch, f);
	}
	if (c->card)
		fprintf(f, "\",\"cards\":[[%" PRIu32 ",%" PRIu32 "]]}\n", c->start, c->end);
	else
		fprintf(f, "\",\"cards\":[]}\n");
}

static void
test_corpus_recall_and_false_alarms(void)
{
	static struct pc_case c;
	struct pc_rng r = {.s = UINT64_C(0x15)}; /* fixed: the same corpus every run */
	unsigned long planted[PC_N_CLASSES] = {0}, found[PC_N_CLASSES] = {0},
		      false_alarms[PC_N_CLASSES] = {0};
	FILE *dump = NULL;
	unsigned int cls, i, shown = 0;

	if (pc_dump_path != NULL) {
		dump = fopen(pc_dump_path, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(dump);
	}
	for (cls = 0; cls < PC_N_CLASSES; cls++) {
		for (i = 0; i < PC_PER_CLASS; i++) {
			struct weir_pan_match m[PC_MAX_FOUND];
			unsigned int n, k;
			bool hit = false;

			pc_make(&r, cls, &c);
			/* the generator's own promise: positives plant, others not */
			CU_ASSERT_FATAL(c.card == pc_positive(cls));
			if (dump != NULL)
				pc_dump_case(dump, &c);
			n = weir_pan_scan((const uint8_t *)c.text, c.len, m, PC_MAX_FOUND);
			planted[cls] += c.card;
			for (k = 0; k < n && k < PC_MAX_FOUND; k++) {
				if (c.card && !hit && m[k].start == c.start && m[k].end == c.end) {
					hit = true;
					continue;
				}
				false_alarms[cls]++;
			}
			false_alarms[cls] += n > PC_MAX_FOUND ? n - PC_MAX_FOUND : 0;
			found[cls] += hit;
			if ((c.card != hit || n != (unsigned int)hit) && shown++ < 10)
				fprintf(stderr,
					"\n  %s: %s \"%.*s\" (planted [%u, %u), %u reported)",
					pc_class_name[cls],
					c.card && !hit ? "MISSED" : "FALSE ALARM", (int)c.len,
					c.text, c.start, c.end, n);
		}
	}
	if (dump != NULL)
		CU_ASSERT(fclose(dump) == 0);
	fprintf(stderr, "\n  %-22s %6s %8s %8s %8s %12s\n", "class", "cases", "planted", "found",
		"recall", "false_alarms");
	for (cls = 0; cls < PC_N_CLASSES; cls++) {
		fprintf(stderr, "  %-22s %6u %8lu %8lu %7.2f%% %12lu\n", pc_class_name[cls],
			PC_PER_CLASS, planted[cls], found[cls],
			planted[cls] ? 100.0 * (double)found[cls] / (double)planted[cls] : 100.0,
			false_alarms[cls]);
		CU_ASSERT(found[cls] == planted[cls]);
		CU_ASSERT(false_alarms[cls] == 0);
	}
}

int
main(int argc, char **argv)
{
	CU_pSuite s;

	if (argc > 1)
		pc_dump_path = argv[1];
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("pan_corpus", NULL, NULL);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_corpus_recall_and_false_alarms);
	return weir_ut_run();
}
