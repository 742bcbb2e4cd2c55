/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The values of Suricata's byte keywords (byte_test, byte_jump,
 * byte_extract, byte_math) and of isdataat, read as Suricata 8 reads them:
 * byte_test, byte_jump and isdataat by the regexes and C of
 * detect-bytetest.c, detect-bytejump.c and detect-isdataat.c, byte_extract
 * and byte_math by rust/src/detect/byte_extract.rs and byte_math.rs. The
 * result is a weir_item with its weir_byteop, which the confirm step
 * (rules_match_confirm.c) runs. rules_parse_suri.c owns the rule and the
 * diagnostics; this file only says what is wrong and where in the value.
 *
 * Where Suricata's parser takes a number it reads with strtoull and
 * ignores what follows the digits, this file wants the whole token to be
 * the number: "bitmask 0x3Fzz" is refused here, taken as 0x3F there.
 *
 * Thread: control only.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_int.h"

/* At most this many options after the fixed values, as Suricata's
 * regexes and argument counts allow. */
#define PB_BT_OPTS_MAX	 5 /* byte_test: 9 capture groups */
#define PB_BJ_OPTS_MAX	 8 /* byte_jump: 10 groups, ret <= 10 */
#define PB_BE_VALUES_MAX 10
#define PB_BM_VALUES_MAX 10

#define PB_SHOW 40

struct pb_tok {
	const char *s; /* trimmed */
	size_t n;
	const char *raw; /* untrimmed, for byte_extract's stricter reading */
	size_t raw_n;
};

struct pb {
	const char *val;
	size_t len;
	const char *kw;
	const struct weir_suri_rule *r;
	struct weir_item *it;
	struct weir_byte_err *e;
};

static int __attribute__((format(printf, 3, 4)))
pb_fail(struct pb *p, const char *at, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->e->msg, sizeof(p->e->msg), "%s: ", p->kw);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(p->e->msg))
		vsnprintf(p->e->msg + n, sizeof(p->e->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	p->e->off = at != NULL && at >= p->val && at <= p->val + p->len ? (size_t)(at - p->val) : 0;
	return -EINVAL;
}

static bool
pb_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void
pb_trim(const char **s, size_t *n)
{
	while (*n > 0 && pb_blank(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && pb_blank((*s)[*n - 1]))
		(*n)--;
}

/* Split the value at ','. @return the count, or -EINVAL for too many or
 * an empty part. */
static int
pb_split(struct pb *p, struct pb_tok *t, unsigned int max)
{
	const char *s = p->val, *end = p->val + p->len;
	unsigned int n = 0;

	for (;;) {
		const char *c = memchr(s, ',', (size_t)(end - s));
		const char *e = c != NULL ? c : end;

		if (n == max)
			return pb_fail(p, s, "too many values (at most %u)", max);
		t[n].raw = s;
		t[n].raw_n = (size_t)(e - s);
		while (t[n].raw_n > 0 && pb_blank(*t[n].raw)) {
			t[n].raw++;
			t[n].raw_n--;
		}
		t[n].s = t[n].raw;
		t[n].n = t[n].raw_n;
		pb_trim(&t[n].s, &t[n].n);
		if (t[n].n == 0)
			return pb_fail(p, c != NULL ? c : s, "empty value between ','");
		n++;
		if (c == NULL)
			return (int)n;
		s = c + 1;
	}
}

static bool
pb_eq(const struct pb_tok *t, const char *w)
{
	return strlen(w) == t->n && memcmp(t->s, w, t->n) == 0;
}

static bool
pb_caseeq(const struct pb_tok *t, const char *w)
{
	return strlen(w) == t->n && strncasecmp(t->s, w, t->n) == 0;
}

/* Suricata's test for a variable name where a number may stand. */
static bool
pb_is_var(const char *s, size_t n)
{
	return n > 0 && s[0] != '-' && isalpha((unsigned char)s[0]);
}

/* A decimal number (optional sign) in [min, max]. */
static bool
pb_dec(const char *s, size_t n, long long min, long long max, long long *out)
{
	unsigned long long v = 0;
	bool neg = false;
	size_t i = 0;

	if (n > 0 && (s[0] == '+' || s[0] == '-'))
		neg = s[i++] == '-';
	if (i == n)
		return false;
	for (; i < n; i++) {
		if (!isdigit((unsigned char)s[i]) || v > 100000000000ull)
			return false;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	*out = neg ? -(long long)v : (long long)v;
	return *out >= min && *out <= max;
}

/* strtoull with base @p base over the whole token. */
static bool
pb_u64(const char *s, size_t n, unsigned int base, uint64_t *out)
{
	size_t used = 0;

	return weir_strtou64(s, n, base, out, &used) == 0 && used == n;
}

/* strtoll with base 0 over the whole token, in [min, max]. */
static bool
pb_i64_any(const char *s, size_t n, long long min, long long max, long long *out)
{
	bool neg = n > 0 && s[0] == '-';
	uint64_t v;

	if (n > 0 && (s[0] == '-' || s[0] == '+')) {
		s++;
		n--;
	}
	if (n == 0 || s[0] == '-' || s[0] == '+' || pb_blank(s[0]) || !pb_u64(s, n, 0, &v) ||
	    v > (uint64_t)1 << 62)
		return false;
	*out = neg ? -(long long)v : (long long)v;
	return *out >= min && *out <= max;
}

/* A variable named in the value: its slot + 1 for a *_var field. */
static int
pb_var(struct pb *p, const char *s, size_t n, const char *what, uint8_t *var)
{
	int slot = weir_byte_var_find(p->r, p->it->buf, s, n);

	if (slot < 0)
		return pb_fail(
			p, s,
			"unknown variable '%.*s' for %s (it must be the result of an earlier "
			"byte_extract or byte_math)",
			n > PB_SHOW ? PB_SHOW : (int)n, s, what);
	*var = (uint8_t)(slot + 1);
	return 0;
}

static int
pb_dce(struct pb *p, const char *at)
{
	return pb_fail(p, at,
		       "dce is not supported (the byte order comes from the DCERPC parser, "
		       "which weir does not have)");
}

/* The next free variable slot for byte_extract or byte_math. */
static int
pb_new_slot(struct pb *p, const char *at)
{
	unsigned int i, n = 0;

	for (i = 0; i < p->r->n_items; i++)
		if (p->r->items[i].kind == WEIR_ITEM_BYTE_EXTRACT ||
		    p->r->items[i].kind == WEIR_ITEM_BYTE_MATH)
			n++;
	if (n >= WEIR_BYTE_VARS_MAX)
		return pb_fail(p, at,
			       "more than %d byte_extract and byte_math variables in one rule",
			       WEIR_BYTE_VARS_MAX);
	p->it->bop.slot = (uint8_t)n;
	return 0;
}

static unsigned int
pb_shift(uint32_t mask)
{
	unsigned int n = 0;

	if (mask == 0)
		return 0;
	while (!(mask & 1u)) {
		mask >>= 1;
		n++;
	}
	return n;
}

/* nbytes of byte_test and byte_jump: a variable or decimal digits. */
static int
pb_nbytes(struct pb *p, const struct pb_tok *t, long long *nbytes)
{
	struct weir_byteop *b = &p->it->bop;

	*nbytes = 0;
	if (pb_is_var(t->s, t->n))
		return pb_var(p, t->s, t->n, "the number of bytes", &b->nbytes_var);
	if (!pb_dec(t->s, t->n, 0, UINT32_MAX, nbytes) || t->s[0] == '-')
		return pb_fail(p, t->s, "malformed number of bytes '%.*s'",
			       t->n > PB_SHOW ? PB_SHOW : (int)t->n, t->s);
	/* checked against 8 or 23 once the options are known */
	b->nbytes = *nbytes > 255 ? 255 : (uint8_t)*nbytes;
	return 0;
}

/* The size limits byte_test and byte_jump share (and the string base). */
static int
pb_check_size(struct pb *p, const struct pb_tok *nb, long long nbytes, bool base_set)
{
	struct weir_byteop *b = &p->it->bop;

	if (b->nbytes_var == 0) {
		if (b->string && nbytes > 23)
			return pb_fail(p, nb->s, "cannot test more than 23 bytes with \"string\"");
		if (!b->string && nbytes > 8)
			return pb_fail(p, nb->s,
				       "cannot test more than 8 bytes without \"string\"");
		if (b->string && nbytes == 0)
			return pb_fail(p, nb->s,
				       "\"string\" with 0 bytes is not supported (Suricata then "
				       "reads the payload up to its first NUL)");
	}
	if (base_set && !b->string)
		return pb_fail(p, p->val, "cannot use a base without \"string\"");
	return 0;
}

/* byte_test:<nbytes>, [!]<op>, <value>, <offset> [, options] */
static int
pb_byte_test(struct pb *p)
{
	struct weir_byteop *b = &p->it->bop;
	struct pb_tok t[4 + PB_BT_OPTS_MAX + 1];
	const char *op;
	size_t op_n;
	long long v, nbytes = 0;
	bool base_set = false;
	int n, i, rc;

	n = pb_split(p, t, 4 + PB_BT_OPTS_MAX + 1);
	if (n < 0)
		return n;
	if (n > 4 + PB_BT_OPTS_MAX)
		return pb_fail(p, t[4 + PB_BT_OPTS_MAX].s,
			       "at most %d options after the offset (Suricata's parser takes no "
			       "more)",
			       PB_BT_OPTS_MAX);
	if (n < 4)
		return pb_fail(p, p->val,
			       "expected <nbytes>, [!]<operator>, <value>, <offset> [, options], "
			       "got '%.*s'",
			       p->len > PB_SHOW ? PB_SHOW : (int)p->len, p->val);
	rc = pb_nbytes(p, &t[0], &nbytes);
	if (rc < 0)
		return rc;
	/* the operator, with an optional '!' and blanks after it */
	op = t[1].s;
	op_n = t[1].n;
	if (op_n > 0 && op[0] == '!') {
		b->neg = true;
		op++;
		op_n--;
		while (op_n > 0 && pb_blank(*op)) {
			op++;
			op_n--;
		}
	}
	if ((op_n == 0 && b->neg) || (op_n == 1 && op[0] == '='))
		b->op = WEIR_BT_EQ;
	else if (op_n == 1 && op[0] == '<')
		b->op = WEIR_BT_LT;
	else if (op_n == 1 && op[0] == '>')
		b->op = WEIR_BT_GT;
	else if (op_n == 1 && op[0] == '&')
		b->op = WEIR_BT_AND;
	else if (op_n == 1 && op[0] == '^')
		b->op = WEIR_BT_XOR;
	else if (op_n == 2 && op[0] == '<' && op[1] == '=')
		b->op = WEIR_BT_LE;
	else if (op_n == 2 && op[0] == '>' && op[1] == '=')
		b->op = WEIR_BT_GE;
	else
		return pb_fail(p, t[1].s,
			       "invalid operator '%.*s' (expected [!] and one of = < > <= >= & ^)",
			       t[1].n > PB_SHOW ? PB_SHOW : (int)t[1].n, t[1].s);
	/* value: strtoull base 0 (0x.. hex, 0.. octal), or a variable */
	if (pb_is_var(t[2].s, t[2].n)) {
		rc = pb_var(p, t[2].s, t[2].n, "the value", &b->value_var);
		if (rc < 0)
			return rc;
	} else if (!pb_u64(t[2].s, t[2].n, 0, &b->value)) {
		return pb_fail(p, t[2].s, "malformed value '%.*s'",
			       t[2].n > PB_SHOW ? PB_SHOW : (int)t[2].n, t[2].s);
	}
	/* offset: int32, base 0, or a variable */
	if (pb_is_var(t[3].s, t[3].n)) {
		rc = pb_var(p, t[3].s, t[3].n, "the offset", &b->offset_var);
		if (rc < 0)
			return rc;
	} else if (!pb_i64_any(t[3].s, t[3].n, INT32_MIN, INT32_MAX, &v)) {
		return pb_fail(p, t[3].s, "malformed offset '%.*s'",
			       t[3].n > PB_SHOW ? PB_SHOW : (int)t[3].n, t[3].s);
	} else {
		b->offset = (int32_t)v;
	}
	for (i = 4; i < n; i++) {
		const struct pb_tok *o = &t[i];

		if (pb_eq(o, "relative")) {
			b->relative = true;
		} else if (pb_caseeq(o, "string")) {
			b->string = true;
		} else if (pb_caseeq(o, "dec")) {
			b->base |= 10; /* Suricata ORs the bases together */
			base_set = true;
		} else if (pb_caseeq(o, "hex")) {
			b->base |= 16;
			base_set = true;
		} else if (pb_caseeq(o, "oct")) {
			b->base |= 8;
			base_set = true;
		} else if (pb_caseeq(o, "big")) {
			b->little = false;
		} else if (pb_caseeq(o, "little")) {
			b->little = true;
		} else if (pb_caseeq(o, "dce")) {
			return pb_dce(p, o->s);
		} else if (o->n > 7 && strncasecmp(o->s, "bitmask", 7) == 0 && pb_blank(o->s[7])) {
			const char *m = o->s + 8;
			size_t mn = o->n - 8;
			uint64_t mask;

			pb_trim(&m, &mn);
			if (!pb_u64(m, mn, 0, &mask) || mask > UINT32_MAX)
				return pb_fail(p, m, "malformed bitmask value '%.*s'",
					       mn > PB_SHOW ? PB_SHOW : (int)mn, m);
			b->has_bitmask = true;
			b->bitmask = (uint32_t)mask;
			b->bitmask_shift = (uint8_t)pb_shift(b->bitmask);
		} else {
			return pb_fail(p, o->s,
				       "unknown option '%.*s' (expected relative, big, little, "
				       "string, dec, hex, oct, bitmask <mask>)",
				       o->n > PB_SHOW ? PB_SHOW : (int)o->n, o->s);
		}
	}
	return pb_check_size(p, &t[0], nbytes, base_set);
}

/* byte_jump:<nbytes>, <offset> [, options] */
static int
pb_byte_jump(struct pb *p)
{
	struct weir_byteop *b = &p->it->bop;
	struct pb_tok t[2 + PB_BJ_OPTS_MAX + 1];
	long long v, nbytes;
	bool base_set = false;
	int n, i, rc;

	b->multiplier = 1;
	n = pb_split(p, t, 2 + PB_BJ_OPTS_MAX + 1);
	if (n < 0)
		return n;
	if (n > 2 + PB_BJ_OPTS_MAX)
		return pb_fail(p, t[2 + PB_BJ_OPTS_MAX].s,
			       "at most %d options after the offset (Suricata's parser takes no "
			       "more)",
			       PB_BJ_OPTS_MAX);
	if (n < 2)
		return pb_fail(p, p->val, "expected <nbytes>, <offset> [, options], got '%.*s'",
			       p->len > PB_SHOW ? PB_SHOW : (int)p->len, p->val);
	rc = pb_nbytes(p, &t[0], &nbytes);
	if (rc < 0)
		return rc;
	if (pb_is_var(t[1].s, t[1].n)) {
		rc = pb_var(p, t[1].s, t[1].n, "the offset", &b->offset_var);
		if (rc < 0)
			return rc;
	} else if (!pb_dec(t[1].s, t[1].n, -65535, 65535, &v)) {
		return pb_fail(p, t[1].s, "malformed offset '%.*s' (expected -65535 to 65535)",
			       t[1].n > PB_SHOW ? PB_SHOW : (int)t[1].n, t[1].s);
	} else {
		b->offset = (int32_t)v;
	}
	for (i = 2; i < n; i++) {
		const struct pb_tok *o = &t[i];

		if (pb_eq(o, "relative")) {
			b->relative = true;
		} else if (pb_caseeq(o, "string")) {
			b->string = true;
		} else if (pb_caseeq(o, "dec")) {
			b->base |= 10;
			base_set = true;
		} else if (pb_caseeq(o, "hex")) {
			b->base |= 16;
			base_set = true;
		} else if (pb_caseeq(o, "oct")) {
			b->base |= 8;
			base_set = true;
		} else if (pb_caseeq(o, "big")) {
			b->little = false;
		} else if (pb_caseeq(o, "little")) {
			b->little = true;
		} else if (pb_caseeq(o, "from_beginning")) {
			b->from_beginning = true;
		} else if (pb_caseeq(o, "from_end")) {
			b->from_end = true;
		} else if (pb_caseeq(o, "align")) {
			b->align = 4;
		} else if (pb_caseeq(o, "dce")) {
			return pb_dce(p, o->s);
		} else if ((o->n > 11 && strncmp(o->s, "multiplier", 10) == 0 && o->s[10] == ' ') ||
			   (o->n > 12 && strncmp(o->s, "post_offset", 11) == 0 &&
			    o->s[11] == ' ')) {
			bool mul = o->s[0] == 'm';
			const char *x = o->s + (mul ? 11 : 12);
			size_t xn = o->n - (mul ? 11 : 12);

			pb_trim(&x, &xn);
			if (mul && !pb_dec(x, xn, 1, 65535, &v))
				return pb_fail(p, x, "malformed multiplier '%.*s' (1 to 65535)",
					       xn > PB_SHOW ? PB_SHOW : (int)xn, x);
			if (!mul && !pb_dec(x, xn, -65535, 65535, &v))
				return pb_fail(p, x,
					       "malformed post_offset '%.*s' (-65535 to 65535)",
					       xn > PB_SHOW ? PB_SHOW : (int)xn, x);
			if (mul)
				b->multiplier = (uint16_t)v;
			else
				b->post_offset = (int32_t)v;
		} else {
			return pb_fail(p, o->s,
				       "unknown option '%.*s' (expected relative, big, little, "
				       "string, dec, hex, oct, align, from_beginning, from_end, "
				       "multiplier <n>, post_offset <n>)",
				       o->n > PB_SHOW ? PB_SHOW : (int)o->n, o->s);
		}
	}
	if (b->from_beginning && b->from_end)
		return pb_fail(p, p->val,
			       "'from_end' and 'from_beginning' cannot be used in the same "
			       "byte_jump");
	return pb_check_size(p, &t[0], nbytes, base_set);
}

/* "name rest": the first blank-free word and the rest, trimmed
 * (Suricata's take_until_whitespace). */
static void
pb_word(const struct pb_tok *t, struct pb_tok *name, struct pb_tok *val)
{
	size_t k = 0;

	while (k < t->n && !pb_blank(t->s[k]))
		k++;
	name->s = t->s;
	name->n = k;
	val->s = t->s + k;
	val->n = t->n - k;
	pb_trim(&val->s, &val->n);
}

/* Rust's u8/u16/u32/i16/i32 parse: optional sign, decimal digits. */
static bool
pb_rust_int(const struct pb_tok *t, long long min, long long max, long long *v)
{
	return pb_dec(t->s, t->n, min, max, v) && !(t->s[0] == '-' && min >= 0);
}

/* byte_extract:<nbytes>, <offset>, <name> [, options] */
static int
pb_byte_extract(struct pb *p)
{
	enum { F_REL = 1, F_STR = 2, F_ALIGN = 4, F_END = 8, F_MUL = 16, F_BASE = 32 };
	struct weir_byteop *b = &p->it->bop;
	struct pb_tok t[PB_BE_VALUES_MAX];
	unsigned int flags = 0;
	const char *nm;
	size_t nn = 0;
	long long v;
	int n, i;

	b->multiplier = 1;
	b->base = 10;
	n = pb_split(p, t, PB_BE_VALUES_MAX);
	if (n < 0)
		return n;
	if (n < 3)
		return pb_fail(p, p->val,
			       "expected <nbytes>, <offset>, <name> [, options] (3 to %d values), "
			       "got '%.*s'",
			       PB_BE_VALUES_MAX, p->len > PB_SHOW ? PB_SHOW : (int)p->len, p->val);
	/* nbytes and offset are read without trailing blanks trimmed */
	if (t[0].raw_n != t[0].n || !pb_rust_int(&t[0], 0, 255, &v))
		return pb_fail(p, t[0].raw, "invalid nbytes value '%.*s'",
			       t[0].raw_n > PB_SHOW ? PB_SHOW : (int)t[0].raw_n, t[0].raw);
	b->nbytes = (uint8_t)v;
	if (t[1].raw_n != t[1].n || !pb_rust_int(&t[1], INT16_MIN, INT16_MAX, &v))
		return pb_fail(p, t[1].raw, "invalid offset value '%.*s' (-32768 to 32767)",
			       t[1].raw_n > PB_SHOW ? PB_SHOW : (int)t[1].raw_n, t[1].raw);
	b->offset = (int32_t)v;
	/* the name: up to a blank, ',', ';' or ':' (parse_token) */
	nm = t[2].s;
	while (nn < t[2].n && !pb_blank(nm[nn]) && nm[nn] != ':' && nm[nn] != ';')
		nn++;
	if (nn == 0)
		return pb_fail(p, nm, "missing variable name");
	b->name = strndup(nm, nn);
	if (b->name == NULL)
		return -ENOMEM;
	for (i = 3; i < n; i++) {
		struct pb_tok w, x;

		pb_word(&t[i], &w, &x);
		if (pb_eq(&w, "align")) {
			if (flags & F_ALIGN)
				return pb_fail(p, w.s, "align already set");
			if (!pb_rust_int(&x, 0, 255, &v) || (v != 2 && v != 4))
				return pb_fail(p, x.s,
					       "invalid align value '%.*s' (must be 2 or 4)",
					       (int)x.n, x.s);
			b->align = (uint8_t)v;
			flags |= F_ALIGN;
		} else if (pb_eq(&w, "slice")) {
			return pb_fail(p, w.s, "slice is not supported (Suricata refuses it too)");
		} else if (pb_eq(&w, "dce") || pb_eq(&w, "big") || pb_eq(&w, "little")) {
			if (flags & F_END)
				return pb_fail(p, w.s, "endianness already set");
			if (pb_eq(&w, "dce"))
				return pb_dce(p, w.s);
			b->little = pb_eq(&w, "little");
			flags |= F_END;
		} else if (pb_eq(&w, "string")) {
			if (flags & F_STR)
				return pb_fail(p, w.s, "string already set");
			if (flags & F_BASE)
				return pb_fail(
					p, w.s,
					"base specified before string; use \"string, base\"");
			b->string = true;
			flags |= F_STR;
		} else if (pb_eq(&w, "oct") || pb_eq(&w, "dec") || pb_eq(&w, "hex")) {
			if (!(flags & F_STR))
				return pb_fail(p, w.s, "string must be set first");
			if (flags & F_BASE)
				return pb_fail(p, w.s, "base already set");
			b->base = pb_eq(&w, "oct") ? 8 : pb_eq(&w, "dec") ? 10 : 16;
			flags |= F_BASE;
		} else if (pb_eq(&w, "relative")) {
			if (flags & F_REL)
				return pb_fail(p, w.s, "relative already set");
			b->relative = true;
			flags |= F_REL;
		} else if (pb_eq(&w, "multiplier")) {
			if (flags & F_MUL)
				return pb_fail(p, w.s, "multiplier already set");
			if (!pb_rust_int(&x, 1, 65535, &v))
				return pb_fail(p, x.n > 0 ? x.s : w.s,
					       "invalid multiplier value '%.*s' (1 to 65535)",
					       (int)x.n, x.s);
			b->multiplier = (uint16_t)v;
			flags |= F_MUL;
		} else {
			return pb_fail(p, w.s, "unknown byte_extract option '%.*s'",
				       w.n > PB_SHOW ? PB_SHOW : (int)w.n, w.s);
		}
	}
	if ((flags & F_STR) && (flags & F_END))
		return pb_fail(p, p->val, "can't specify string and an endian value");
	if (b->string) {
		unsigned int max = b->base == 8 ? 23 : b->base == 10 ? 20 : 14;

		if (b->nbytes > max)
			return pb_fail(p, t[0].s,
				       "can't process more than %u bytes in \"string\" extraction",
				       max);
		if (b->nbytes == 0)
			return pb_fail(p, t[0].s,
				       "\"string\" with 0 bytes is not supported (Suricata then "
				       "reads the payload up to its first NUL)");
	} else if (b->nbytes > 8) {
		return pb_fail(p, t[0].s,
			       "can't process more than 8 bytes in \"non-string\" extraction");
	}
	return pb_new_slot(p, t[2].s);
}

/* byte_math:bytes <n>, offset <n>, oper <op>, rvalue <v>, result <name>
 * [, relative] [, endian <e>] [, string <base>] [, dce] [, bitmask <m>],
 * in any order */
static int
pb_byte_math(struct pb *p)
{
	enum { R_NB = 1, R_OFF = 2, R_OPER = 4, R_RV = 8, R_RES = 16, R_ALL = 31 };
	enum { F_REL = 1, F_STR = 2, F_MASK = 4, F_END = 8 };
	static const struct {
		const char *name;
		uint8_t op;
	} opers[] = {
		{"+", WEIR_BM_ADD}, {"-", WEIR_BM_SUB},	 {"/", WEIR_BM_DIV},
		{"*", WEIR_BM_MUL}, {"<<", WEIR_BM_SHL}, {">>", WEIR_BM_SHR},
	};
	struct weir_byteop *b = &p->it->bop;
	struct pb_tok t[PB_BM_VALUES_MAX];
	const char *res_at = p->val;
	unsigned int req = 0, flags = 0;
	long long v;
	size_t k;
	int n, i, rc;

	b->base = 10;
	n = pb_split(p, t, PB_BM_VALUES_MAX);
	if (n < 0)
		return n;
	if (n < 5)
		return pb_fail(p, p->val,
			       "expected bytes, offset, oper, rvalue and result (5 to %d values), "
			       "got '%.*s'",
			       PB_BM_VALUES_MAX, p->len > PB_SHOW ? PB_SHOW : (int)p->len, p->val);
	for (i = 0; i < n; i++) {
		struct pb_tok w, x;

		pb_word(&t[i], &w, &x);
		if (pb_eq(&w, "oper")) {
			if (req & R_OPER)
				return pb_fail(p, w.s, "operator already set");
			for (k = 0; k < sizeof(opers) / sizeof(opers[0]); k++)
				if (pb_eq(&x, opers[k].name))
					break;
			if (k == sizeof(opers) / sizeof(opers[0]))
				return pb_fail(p, x.n > 0 ? x.s : w.s,
					       "unknown oper value '%.*s' (expected + - * / << >>)",
					       (int)x.n, x.s);
			b->op = opers[k].op;
			req |= R_OPER;
		} else if (pb_eq(&w, "result")) {
			if (req & R_RES)
				return pb_fail(p, w.s, "result already set");
			if (x.n == 0)
				return pb_fail(p, w.s, "result needs a variable name");
			b->name = strndup(x.s, x.n);
			if (b->name == NULL)
				return -ENOMEM;
			res_at = x.s;
			req |= R_RES;
		} else if (pb_eq(&w, "rvalue") || pb_eq(&w, "bytes")) {
			bool rv = w.s[0] == 'r';
			size_t tn = 0;

			if (req & (rv ? R_RV : R_NB))
				return pb_fail(p, w.s, "%s already set", rv ? "rvalue" : "nbytes");
			while (tn < x.n && !pb_blank(x.s[tn]) && x.s[tn] != ':' && x.s[tn] != ';')
				tn++;
			if (tn == 0)
				return pb_fail(p, w.s, "%s needs a value",
					       w.s[0] == 'r' ? "rvalue" : "bytes");
			if (pb_dec(x.s, tn, 0, INT64_MAX, &v) && x.s[0] != '-') {
				if (rv && v > UINT32_MAX)
					return pb_fail(
						p, x.s,
						"invalid rvalue value: must be between 0 and "
						"%u",
						UINT32_MAX);
				if (!rv && (v < 1 || v > 10))
					return pb_fail(
						p, x.s,
						"invalid nbytes value: must be between 1 and "
						"10");
				if (rv)
					b->value = (uint64_t)v;
				else
					b->nbytes = (uint8_t)v;
			} else {
				rc = pb_var(p, x.s, tn, rv ? "rvalue" : "bytes",
					    rv ? &b->value_var : &b->nbytes_var);
				if (rc < 0)
					return rc;
			}
			req |= rv ? R_RV : R_NB;
		} else if (pb_eq(&w, "endian") || pb_eq(&w, "dce")) {
			if (flags & F_END)
				return pb_fail(p, w.s, "endianness already set");
			if (pb_eq(&w, "dce") || pb_eq(&x, "dce"))
				return pb_dce(p, w.s);
			if (!pb_eq(&x, "big") && !pb_eq(&x, "little"))
				return pb_fail(p, x.n > 0 ? x.s : w.s,
					       "invalid endian value '%.*s' (big or little)",
					       (int)x.n, x.s);
			b->little = pb_eq(&x, "little");
			flags |= F_END;
		} else if (pb_eq(&w, "string")) {
			if (flags & F_STR)
				return pb_fail(p, w.s, "string already set");
			if (!pb_eq(&x, "hex") && !pb_eq(&x, "dec") && !pb_eq(&x, "oct"))
				return pb_fail(p, x.n > 0 ? x.s : w.s,
					       "invalid string value '%.*s' (hex, dec or oct)",
					       (int)x.n, x.s);
			b->string = true;
			b->base = pb_eq(&x, "hex") ? 16 : pb_eq(&x, "oct") ? 8 : 10;
			flags |= F_STR;
		} else if (pb_eq(&w, "relative")) {
			if (flags & F_REL)
				return pb_fail(p, w.s, "relative already set");
			b->relative = true;
			flags |= F_REL;
		} else if (pb_eq(&w, "bitmask")) {
			const char *m = x.s;
			size_t mn = x.n;
			uint64_t mask = 0;

			if (flags & F_MASK)
				return pb_fail(p, w.s, "bitmask already set");
			if (mn > 2 && m[0] == '0' && (m[1] | 0x20) == 'x') {
				m += 2;
				mn -= 2;
			}
			for (k = 0; k < mn; k++)
				if (!isxdigit((unsigned char)m[k]))
					break;
			if (mn == 0 || k != mn || mn > 8 || !pb_u64(m, mn, 16, &mask))
				return pb_fail(
					p, x.n > 0 ? x.s : w.s,
					"invalid bitmask value '%.*s' (hex, at most 32 bits)",
					(int)x.n, x.s);
			b->has_bitmask = true;
			b->bitmask = (uint32_t)mask;
			b->bitmask_shift = (uint8_t)pb_shift(b->bitmask);
			flags |= F_MASK;
		} else if (pb_eq(&w, "offset")) {
			if (req & R_OFF)
				return pb_fail(p, w.s, "offset already set");
			if (!pb_rust_int(&x, INT32_MIN, INT32_MAX, &v) || v < -65535 || v > 65535)
				return pb_fail(
					p, x.n > 0 ? x.s : w.s,
					"invalid offset value '%.*s': must be between -65535 "
					"and 65535",
					(int)x.n, x.s);
			b->offset = (int32_t)v;
			req |= R_OFF;
		} else {
			return pb_fail(p, w.s, "unknown byte_math keyword '%.*s'",
				       w.n > PB_SHOW ? PB_SHOW : (int)w.n, w.s);
		}
	}
	if (req != R_ALL)
		return pb_fail(p, p->val, "required parameters missing:%s%s%s%s%s",
			       (req & R_NB) ? "" : " bytes", (req & R_OFF) ? "" : " offset",
			       (req & R_OPER) ? "" : " oper", (req & R_RV) ? "" : " rvalue",
			       (req & R_RES) ? "" : " result");
	if ((b->op == WEIR_BM_SHL || b->op == WEIR_BM_SHR) && b->nbytes_var == 0 && b->nbytes > 4)
		return pb_fail(p, p->val,
			       "nbytes must be 1 through 4 (inclusive) when used with \"<<\" or "
			       "\">>\"; %u is not valid",
			       b->nbytes);
	if (b->op == WEIR_BM_DIV && b->value_var == 0 && b->value == 0)
		return pb_fail(p, p->val, "rvalue 0 with oper / divides by zero");
	return pb_new_slot(p, res_at);
}

/* isdataat:[!]<n|var>[, relative[, rawbytes]] */
static int
pb_isdataat(struct pb *p)
{
	struct weir_byteop *b = &p->it->bop;
	const char *s = p->val, *end = p->val + p->len, *num;
	size_t nn;
	long long v;
	int rc;

	if (s < end && *s == '!') {
		b->neg = true;
		s++;
	}
	for (num = s; s < end && !pb_blank(*s) && *s != ','; s++)
		;
	nn = (size_t)(s - num);
	if (nn == 0)
		goto bad;
	while (s < end && pb_blank(*s))
		s++;
	if (s < end && *s == ',') {
		const char *w = ++s;

		while (w < end && pb_blank(*w))
			w++;
		if ((size_t)(end - w) < 8 || strncmp(w, "relative", 8) != 0)
			goto bad;
		b->relative = true;
		for (s = w + 8; s < end && pb_blank(*s); s++)
			;
		if (s < end && *s == ',') {
			for (w = s + 1; w < end && pb_blank(*w); w++)
				;
			if ((size_t)(end - w) < 8 || strncmp(w, "rawbytes", 8) != 0)
				goto bad;
			for (s = w + 8; s < end && pb_blank(*s); s++)
				;
		}
	}
	if (s != end)
		goto bad;
	if (pb_is_var(num, nn)) {
		rc = pb_var(p, num, nn, "the position", &b->offset_var);
		if (rc < 0)
			return rc;
	} else if (!pb_dec(num, nn, 0, 65535, &v) || num[0] == '-') {
		return pb_fail(p, num, "isdataat out of range: '%.*s' (0 to 65535)",
			       nn > PB_SHOW ? PB_SHOW : (int)nn, num);
	} else {
		b->value = (uint64_t)v;
	}
	return 0;

bad:
	return pb_fail(p, p->val, "expected [!]<position>[, relative[, rawbytes]], got '%.*s'",
		       p->len > PB_SHOW ? PB_SHOW : (int)p->len, p->val);
}

int
weir_parse_byte(enum weir_item_kind kind, const char *val, size_t len,
		const struct weir_suri_rule *r, struct weir_item *it, struct weir_byte_err *e)
{
	struct pb p = {.val = val, .len = len, .r = r, .it = it, .e = e};

	memset(&it->bop, 0, sizeof(it->bop));
	it->kind = kind;
	e->off = 0;
	e->msg[0] = '\0';
	if (val == NULL)
		val = p.val = "";
	switch (kind) {
	case WEIR_ITEM_BYTE_TEST:
		p.kw = "byte_test";
		return pb_byte_test(&p);
	case WEIR_ITEM_BYTE_JUMP:
		p.kw = "byte_jump";
		return pb_byte_jump(&p);
	case WEIR_ITEM_BYTE_EXTRACT:
		p.kw = "byte_extract";
		return pb_byte_extract(&p);
	case WEIR_ITEM_BYTE_MATH:
		p.kw = "byte_math";
		return pb_byte_math(&p);
	case WEIR_ITEM_ISDATAAT:
		p.kw = "isdataat";
		return pb_isdataat(&p);
	default:
		p.kw = "byte";
		return pb_fail(&p, val, "not a byte keyword");
	}
}

int
weir_byte_var_find(const struct weir_suri_rule *r, unsigned int buf, const char *name, size_t len)
{
	static const unsigned int order[] = {WEIR_ITEM_BYTE_EXTRACT, WEIR_ITEM_BYTE_MATH};
	unsigned int k, i;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < r->n_items; i++) {
			const struct weir_item *it = &r->items[i];

			if (it->kind == order[k] && it->buf == buf && it->bop.name != NULL &&
			    strlen(it->bop.name) == len && memcmp(it->bop.name, name, len) == 0)
				return it->bop.slot;
		}
	}
	return -1;
}
