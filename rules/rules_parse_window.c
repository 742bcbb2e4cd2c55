/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weir's stateful rule keywords (tracker issue 18; README "Stateful rules
 * (windows)"): field: and window:, read inside an ordinary Suricata rule.
 *
 *   field:NAME,json,KEY[,sensitive][,time=epoch|epoch_ms|iso8601]
 *   field:NAME,kv,KEY[,sep=C][,form][,sensitive][,time=...]
 *   field:NAME,pcre,N[,sensitive][,time=...]     capture group N (1-9) of
 *          the rule's last payload pcre
 *   field:NAME,byte_extract,VAR[,sensitive][,time=...]   a byte_extract
 *          variable of the rule (a number)
 *   window:key A[+B..], length N(s|m|h), COND[, COND..][, fire once|each]
 *          [, time F]     (clauses in any order)
 *   COND: count OP N | sum(F) OP N | min(F) OP N | max(F) OP N |
 *         distinct(F) OP N, OP one of > >= < <= ==
 *
 * The parser (rules_parse_suri.c) hands each value here; every refusal
 * says where (a position in the rule text) and why, and the parser turns
 * it into its file:line:col diagnostic. Names window: uses are resolved
 * at the end of the rule (weir_window_finish), since a field: may follow
 * the window: that uses it. Control side only.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

#define WP_SHOW 40

static int wp_err(struct weir_wperr *e, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
wp_err(struct weir_wperr *e, const char *at, const char *fmt, ...)
{
	va_list ap;

	e->at = at;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool
wp_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* [s, s+len) trimmed of blanks at both ends. */
static void
wp_trim(const char **s, size_t *len)
{
	while (*len > 0 && wp_space(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && wp_space((*s)[*len - 1]))
		(*len)--;
}

static bool
wp_eq(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

/* The next ','-separated part of [*p, end): its trimmed range; *p moves
 * past the ','. @return false at the end. */
static bool
wp_next(const char **p, const char *end, const char **part, size_t *len)
{
	const char *s = *p, *c;

	if (s > end)
		return false;
	c = memchr(s, ',', (size_t)(end - s));
	if (c == NULL)
		c = end;
	*part = s;
	*len = (size_t)(c - s);
	wp_trim(part, len);
	*p = c + 1;
	return true;
}

/* [a-z_][a-z0-9_]{0,31} */
static bool
wp_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > WEIR_RFIELD_NAME_MAX ||
	    !(islower((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (i = 1; i < len; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

static const char *const wp_builtin[] = {
	[WEIR_RWK_SRC_IP] = "src_ip",	  [WEIR_RWK_DST_IP] = "dst_ip",
	[WEIR_RWK_SRC_PORT] = "src_port", [WEIR_RWK_DST_PORT] = "dst_port",
	[WEIR_RWK_FLOW] = "flow",
};

static int
wp_builtin_find(const char *s, size_t len)
{
	int k;

	for (k = WEIR_RWK_SRC_IP; k <= WEIR_RWK_FLOW; k++)
		if (wp_eq(s, len, wp_builtin[k]))
			return k;
	return -1;
}

/* ---- field: ------------------------------------------------------------ */

static const char *const wp_time_names[] = {
	[WEIR_RFT_EPOCH] = "epoch",
	[WEIR_RFT_EPOCH_MS] = "epoch_ms",
	[WEIR_RFT_ISO8601] = "iso8601",
};

int
weir_field_kw_parse(struct weir_suri_rule *r, struct weir_wparse *wp, const char *val, size_t len,
		    struct weir_wperr *e)
{
	const char *p = val, *end = val + len, *name, *ext, *arg, *opt;
	size_t name_len, ext_len, arg_len, opt_len;
	struct weir_rfield f = {.sep = '='};
	bool seen_sep = false;
	unsigned int i;

	if (!wp_next(&p, end, &name, &name_len) || name_len == 0)
		return wp_err(e, val, "field: expected NAME,EXTRACTOR,ARG");
	if (!wp_name_ok(name, name_len))
		return wp_err(e, name, "field: name '%.*s' must be [a-z_][a-z0-9_]{0,31}",
			      name_len > WP_SHOW ? WP_SHOW : (int)name_len, name);
	if (wp_builtin_find(name, name_len) >= 0)
		return wp_err(e, name, "field: '%.*s' is a window key of its own (the packet's)",
			      (int)name_len, name);
	for (i = 0; i < r->n_fields; i++)
		if (wp_eq(name, name_len, r->fields[i].name))
			return wp_err(e, name, "field: '%.*s' is declared twice", (int)name_len,
				      name);
	if (r->n_fields >= WEIR_RFIELD_MAX)
		return wp_err(e, NULL, "field: at most %d fields per rule", WEIR_RFIELD_MAX);
	memcpy(f.name, name, name_len);
	ext = end;
	if (!wp_next(&p, end, &ext, &ext_len) || ext_len == 0)
		return wp_err(e, ext,
			      "field: '%.*s' needs an extractor (json, kv, pcre or "
			      "byte_extract)",
			      (int)name_len, name);
	if (wp_eq(ext, ext_len, "json"))
		f.src = WEIR_RFS_JSON;
	else if (wp_eq(ext, ext_len, "kv"))
		f.src = WEIR_RFS_KV;
	else if (wp_eq(ext, ext_len, "pcre"))
		f.src = WEIR_RFS_PCRE;
	else if (wp_eq(ext, ext_len, "byte_extract"))
		f.src = WEIR_RFS_BYTE_EXTRACT;
	else
		return wp_err(e, ext,
			      "field: unknown extractor '%.*s' (expected json, kv, pcre or "
			      "byte_extract)",
			      ext_len > WP_SHOW ? WP_SHOW : (int)ext_len, ext);
	arg = end;
	if (!wp_next(&p, end, &arg, &arg_len) || arg_len == 0)
		return wp_err(e, arg, "field: %.*s needs %s", (int)ext_len, ext,
			      f.src == WEIR_RFS_PCRE	       ? "a capture group number (1-9)"
			      : f.src == WEIR_RFS_BYTE_EXTRACT ? "a byte_extract variable"
							       : "a key");
	switch (f.src) {
	case WEIR_RFS_PCRE:
		if (arg_len != 1 || arg[0] < '1' || arg[0] > '9')
			return wp_err(e, arg,
				      "field: pcre capture group must be 1 to 9, got '%.*s'",
				      arg_len > WP_SHOW ? WP_SHOW : (int)arg_len, arg);
		f.arg = (uint8_t)(arg[0] - '0');
		break;
	case WEIR_RFS_BYTE_EXTRACT:
		/* a variable name as byte_extract takes it (resolved against
		 * the rule's byte_extract keywords at its end) */
		if (arg_len > WEIR_RFIELD_KEY_MAX)
			return wp_err(e, arg,
				      "field: byte_extract variable name longer than %d bytes",
				      WEIR_RFIELD_KEY_MAX);
		for (i = 0; i < arg_len; i++)
			if (!(isalnum((unsigned char)arg[i]) || arg[i] == '_'))
				return wp_err(e, arg + i,
					      "field: '%.*s' is no byte_extract variable name "
					      "(letters, digits, '_')",
					      arg_len > WP_SHOW ? WP_SHOW : (int)arg_len, arg);
		break;
	default:
		if (arg_len > WEIR_RFIELD_KEY_MAX)
			return wp_err(e, arg, "field: key longer than %d bytes",
				      WEIR_RFIELD_KEY_MAX);
		for (i = 0; i < arg_len; i++)
			if (wp_space(arg[i]) || arg[i] == '"' || arg[i] == '\\' ||
			    (unsigned char)arg[i] < 0x20)
				return wp_err(e, arg + i,
					      "field: a key has no blank, quote, backslash or "
					      "control byte");
		break;
	}
	memcpy(f.key, arg, arg_len);
	f.klen = (uint8_t)arg_len;
	while (wp_next(&p, end, &opt, &opt_len)) {
		if (opt_len == 0)
			return wp_err(e, opt, "field: empty option between ','");
		if (wp_eq(opt, opt_len, "sensitive")) {
			if (f.sensitive)
				return wp_err(e, opt, "field: duplicate 'sensitive'");
			f.sensitive = true;
		} else if (wp_eq(opt, opt_len, "form")) {
			if (f.src != WEIR_RFS_KV)
				return wp_err(e, opt, "field: 'form' applies to kv only");
			if (f.form)
				return wp_err(e, opt, "field: duplicate 'form'");
			f.form = true;
		} else if (opt_len >= 4 && memcmp(opt, "sep=", 4) == 0) {
			if (f.src != WEIR_RFS_KV)
				return wp_err(e, opt, "field: 'sep' applies to kv only");
			if (seen_sep)
				return wp_err(e, opt, "field: duplicate 'sep'");
			if (opt_len != 5 || wp_space(opt[4]) || opt[4] == ',' || opt[4] == ';' ||
			    opt[4] == '&' || (unsigned char)opt[4] < 0x20)
				return wp_err(
					e, opt + 4,
					"field: sep= takes one byte (not a blank, ',', ';' or "
					"'&')");
			f.sep = opt[4];
			seen_sep = true;
		} else if (opt_len >= 5 && memcmp(opt, "time=", 5) == 0) {
			uint8_t t;

			if (f.time != WEIR_RFT_NONE)
				return wp_err(e, opt, "field: duplicate 'time'");
			for (t = WEIR_RFT_EPOCH; t <= WEIR_RFT_ISO8601; t++)
				if (wp_eq(opt + 5, opt_len - 5, wp_time_names[t]))
					break;
			if (t > WEIR_RFT_ISO8601)
				return wp_err(
					e, opt + 5,
					"field: time= must be epoch, epoch_ms or iso8601, got "
					"'%.*s'",
					opt_len - 5 > WP_SHOW ? WP_SHOW : (int)(opt_len - 5),
					opt + 5);
			f.time = t;
		} else {
			return wp_err(e, opt, "field: unknown option '%.*s' (expected %s)",
				      opt_len > WP_SHOW ? WP_SHOW : (int)opt_len, opt,
				      f.src == WEIR_RFS_KV ? "sep=C, form, sensitive or time=..."
							   : "sensitive or time=...");
		}
	}
	{
		struct weir_rfield *v = realloc(r->fields, (r->n_fields + 1) * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		r->fields = v;
	}
	if (wp->field_at == NULL)
		wp->field_at = val;
	wp->field_val[r->n_fields] = val;
	wp->field_len[r->n_fields] = len;
	r->fields[r->n_fields++] = f;
	return 0;
}

/* ---- window: ----------------------------------------------------------- */

/* Remember that the name at [s, s+len) goes into *slot once resolved. */
static int
wp_ref(struct weir_wparse *wp, const char *s, size_t len, int8_t *slot, bool need_time,
       struct weir_wperr *e)
{
	if (!wp_name_ok(s, len))
		return wp_err(e, s, "window: '%.*s' is no field name ([a-z_][a-z0-9_]{0,31})",
			      len > WP_SHOW ? WP_SHOW : (int)len, s);
	if (wp->n_ref >= sizeof(wp->ref) / sizeof(wp->ref[0]))
		return wp_err(e, s, "window: too many names");
	memcpy(wp->ref[wp->n_ref].name, s, len);
	wp->ref[wp->n_ref].name[len] = '\0';
	wp->ref[wp->n_ref].at = s;
	wp->ref[wp->n_ref].slot = slot;
	wp->ref[wp->n_ref].need_time = need_time;
	wp->n_ref++;
	*slot = -1;
	return 0;
}

static int
wp_key(struct weir_rwin *w, struct weir_wparse *wp, const char *s, size_t len, struct weir_wperr *e)
{
	const char *p = s, *end = s + len;

	for (;;) {
		const char *plus = memchr(p, '+', (size_t)(end - p)), *it = p;
		size_t n;
		int b, rc;
		unsigned int i;

		if (plus == NULL)
			plus = end;
		n = (size_t)(plus - p);
		wp_trim(&it, &n);
		if (n == 0)
			return wp_err(e, it, "window: key: empty item");
		if (w->n_key >= WEIR_RWIN_KEY_MAX)
			return wp_err(e, it, "window: key: at most %d items", WEIR_RWIN_KEY_MAX);
		for (i = 0; i < wp->n_ref; i++)
			if (wp->ref[i].slot >= &w->key[0].field &&
			    wp->ref[i].slot <= &w->key[WEIR_RWIN_KEY_MAX - 1].field &&
			    wp_eq(it, n, wp->ref[i].name))
				return wp_err(e, it, "window: key: '%.*s' twice", (int)n, it);
		b = wp_builtin_find(it, n);
		if (b >= 0) {
			for (i = 0; i < w->n_key; i++)
				if (w->key[i].kind == b)
					return wp_err(e, it, "window: key: '%.*s' twice", (int)n,
						      it);
			w->key[w->n_key].kind = (uint8_t)b;
			w->key[w->n_key].field = -1;
		} else {
			w->key[w->n_key].kind = WEIR_RWK_FIELD;
			rc = wp_ref(wp, it, n, &w->key[w->n_key].field, false, e);
			if (rc < 0)
				return rc;
		}
		w->n_key++;
		if (plus == end)
			return 0;
		p = plus + 1;
	}
}

/* length N(s|m|h), 1 s .. 24 h */
static int
wp_length(struct weir_rwin *w, const char *s, size_t len, struct weir_wperr *e)
{
	uint64_t n = 0, mult;
	size_t i = 0;

	while (i < len && isdigit((unsigned char)s[i])) {
		if (n > 1000000)
			return wp_err(e, s, "window: length is 1s to 24h");
		n = n * 10 + (uint64_t)(s[i] - '0');
		i++;
	}
	if (i == 0 || i + 1 != len)
		return wp_err(e, s, "window: length needs N followed by s, m or h, got '%.*s'",
			      len > WP_SHOW ? WP_SHOW : (int)len, s);
	switch (s[i]) {
	case 's':
		mult = 1;
		break;
	case 'm':
		mult = 60;
		break;
	case 'h':
		mult = 3600;
		break;
	default:
		return wp_err(e, s + i, "window: length unit must be s, m or h, got '%c'", s[i]);
	}
	if (n == 0 || n * mult > 86400)
		return wp_err(e, s, "window: length %.*s is out of range (1s to 24h)", (int)len, s);
	w->length_ns = n * mult * 1000000000ull;
	return 0;
}

static const char *const wp_agg_names[] = {
	[WEIR_RWA_COUNT] = "count", [WEIR_RWA_SUM] = "sum",	      [WEIR_RWA_MIN] = "min",
	[WEIR_RWA_MAX] = "max",	    [WEIR_RWA_DISTINCT] = "distinct",
};
static const char *const wp_op_names[] = {
	[WEIR_RWO_GT] = ">",  [WEIR_RWO_GE] = ">=", [WEIR_RWO_LT] = "<",
	[WEIR_RWO_LE] = "<=", [WEIR_RWO_EQ] = "==",
};

/* AGG[(F)] OP N; @p agg already known from the clause's first word. */
static int
wp_cond(struct weir_rwin *w, struct weir_wparse *wp, uint8_t agg, const char *s, size_t len,
	struct weir_wperr *e)
{
	const char *p = s + strlen(wp_agg_names[agg]), *end = s + len, *num;
	struct weir_rwin_cond *c;
	char buf[64], *endp;
	size_t n;
	int rc;

	if (w->n_cond >= WEIR_RWIN_COND_MAX)
		return wp_err(e, s, "window: at most %d conditions", WEIR_RWIN_COND_MAX);
	c = &w->cond[w->n_cond];
	c->agg = agg;
	c->field = -1;
	while (p < end && wp_space(*p))
		p++;
	if (agg != WEIR_RWA_COUNT) {
		const char *f, *close;

		if (p >= end || *p != '(')
			return wp_err(e, p, "window: %s needs (FIELD)", wp_agg_names[agg]);
		close = memchr(p, ')', (size_t)(end - p));
		if (close == NULL)
			return wp_err(e, p, "window: %s( is never closed", wp_agg_names[agg]);
		f = p + 1;
		n = (size_t)(close - f);
		wp_trim(&f, &n);
		if (n == 0)
			return wp_err(e, p, "window: %s() needs a field", wp_agg_names[agg]);
		rc = wp_ref(wp, f, n, &c->field, false, e);
		if (rc < 0)
			return rc;
		p = close + 1;
		while (p < end && wp_space(*p))
			p++;
	} else if (p < end && *p == '(') {
		return wp_err(e, p, "window: count takes no field");
	}
	if (p + 1 < end && p[0] == '>' && p[1] == '=')
		c->op = WEIR_RWO_GE, p += 2;
	else if (p + 1 < end && p[0] == '<' && p[1] == '=')
		c->op = WEIR_RWO_LE, p += 2;
	else if (p + 1 < end && p[0] == '=' && p[1] == '=')
		c->op = WEIR_RWO_EQ, p += 2;
	else if (p < end && p[0] == '>')
		c->op = WEIR_RWO_GT, p += 1;
	else if (p < end && p[0] == '<')
		c->op = WEIR_RWO_LT, p += 1;
	else
		return wp_err(e, p < end ? p : s, "window: %s needs an operator (> >= < <= ==)",
			      wp_agg_names[agg]);
	while (p < end && wp_space(*p))
		p++;
	num = p;
	n = (size_t)(end - p);
	if (n == 0)
		return wp_err(e, p, "window: %s needs a number after %s", wp_agg_names[agg],
			      wp_op_names[c->op]);
	if (n >= sizeof(buf))
		return wp_err(e, num, "window: number too long");
	memcpy(buf, num, n);
	buf[n] = '\0';
	if (agg == WEIR_RWA_COUNT || agg == WEIR_RWA_DISTINCT) {
		unsigned long long v;
		size_t i;

		for (i = 0; i < n; i++)
			if (!isdigit((unsigned char)buf[i]))
				return wp_err(e, num + i,
					      "window: %s compares with an integer, got '%s'",
					      wp_agg_names[agg], buf);
		errno = 0;
		v = strtoull(buf, &endp, 10);
		if (errno != 0 || v > 1000000000ull)
			return wp_err(e, num, "window: %s %s is out of range (0 to 1000000000)",
				      wp_agg_names[agg], buf);
		c->n = (double)v;
	} else {
		size_t i = buf[0] == '-' ? 1 : 0, digits = 0, dots = 0;

		for (; i < n; i++) {
			if (isdigit((unsigned char)buf[i]))
				digits++;
			else if (buf[i] == '.' && dots++ == 0)
				continue;
			else
				return wp_err(e, num + i,
					      "window: %s compares with a decimal number, got '%s'",
					      wp_agg_names[agg], buf);
		}
		if (digits == 0)
			return wp_err(e, num, "window: %s compares with a decimal number, got '%s'",
				      wp_agg_names[agg], buf);
		c->n = strtod(buf, &endp);
		if (!isfinite(c->n))
			return wp_err(e, num, "window: %s is out of range", buf);
	}
	w->n_cond++;
	return 0;
}

int
weir_window_kw_parse(struct weir_suri_rule *r, struct weir_wparse *wp, const char *val, size_t len,
		     struct weir_wperr *e)
{
	const char *p = val, *end = val + len, *cl, *key_at = NULL, *len_at = NULL, *fire_at = NULL,
		   *time_at = NULL;
	struct weir_rwin *w;
	size_t cl_len;
	int rc = 0;

	if (r->win != NULL)
		return wp_err(e, NULL, "window: at most one per rule");
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	w->time_field = -1;
	r->win = w; /* from here on weir_suri_rule_free() owns it */
	while (rc == 0 && wp_next(&p, end, &cl, &cl_len)) {
		const char *word = cl, *rest;
		size_t wlen = 0, rlen;
		uint8_t a;

		if (cl_len == 0)
			return wp_err(e, cl, "window: empty clause between ','");
		while (wlen < cl_len && (isalnum((unsigned char)cl[wlen]) || cl[wlen] == '_'))
			wlen++;
		rest = cl + wlen;
		rlen = cl_len - wlen;
		wp_trim(&rest, &rlen);
		if (wp_eq(word, wlen, "key")) {
			if (key_at != NULL)
				return wp_err(e, cl, "window: duplicate 'key'");
			key_at = cl;
			if (rlen == 0)
				return wp_err(e, cl,
					      "window: key needs a field or src_ip, dst_ip, "
					      "src_port, dst_port, flow");
			rc = wp_key(w, wp, rest, rlen, e);
		} else if (wp_eq(word, wlen, "length")) {
			if (len_at != NULL)
				return wp_err(e, cl, "window: duplicate 'length'");
			len_at = cl;
			if (rlen == 0)
				return wp_err(e, cl, "window: length needs N(s|m|h)");
			rc = wp_length(w, rest, rlen, e);
		} else if (wp_eq(word, wlen, "fire")) {
			if (fire_at != NULL)
				return wp_err(e, cl, "window: duplicate 'fire'");
			fire_at = cl;
			if (wp_eq(rest, rlen, "once"))
				w->fire_each = false;
			else if (wp_eq(rest, rlen, "each"))
				w->fire_each = true;
			else
				return wp_err(e, rlen ? rest : cl,
					      "window: fire must be 'once' or 'each'");
		} else if (wp_eq(word, wlen, "time")) {
			if (time_at != NULL)
				return wp_err(e, cl, "window: duplicate 'time'");
			time_at = cl;
			if (rlen == 0)
				return wp_err(e, cl, "window: time needs a field with time=");
			rc = wp_ref(wp, rest, rlen, &w->time_field, true, e);
		} else {
			for (a = WEIR_RWA_COUNT; a <= WEIR_RWA_DISTINCT; a++)
				if (wp_eq(word, wlen, wp_agg_names[a]))
					break;
			if (a > WEIR_RWA_DISTINCT)
				return wp_err(
					e, cl,
					"window: unknown clause '%.*s' (expected key, length, "
					"count, sum, min, max, distinct, fire or time)",
					wlen ? (wlen > WP_SHOW ? WP_SHOW : (int)wlen)
					     : (cl_len > WP_SHOW ? WP_SHOW : (int)cl_len),
					cl);
			rc = wp_cond(w, wp, a, cl, cl_len, e);
		}
	}
	if (rc < 0)
		return rc;
	if (key_at == NULL)
		return wp_err(e, val, "window: 'key' is required");
	if (len_at == NULL)
		return wp_err(e, val, "window: 'length' is required");
	if (w->n_cond == 0)
		return wp_err(e, val,
			      "window: needs a condition (count, sum, min, max or distinct)");
	wp->win_val = val;
	wp->win_len = len;
	return 0;
}

/* ---- the end of the rule ------------------------------------------------ */

/* FNV-1a 64 of [s, s+len) with blanks squeezed: none next to , + ( ) and
 * one elsewhere, none at the ends. */
static uint64_t
wp_hash_norm(uint64_t h, const char *s, size_t len)
{
	static const char tight[] = ",+()<>=";
	size_t i;
	char prev = ',';

	wp_trim(&s, &len);
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (wp_space(c)) {
			size_t j = i;

			while (j < len && wp_space(s[j]))
				j++;
			if (strchr(tight, prev) == NULL && strchr(tight, s[j]) == NULL) {
				h ^= (uint8_t)' ';
				h *= 0x100000001b3ull;
			}
			i = j - 1;
			continue;
		}
		h ^= (uint8_t)c;
		h *= 0x100000001b3ull;
		prev = c;
	}
	return h;
}

int
weir_window_finish(struct weir_suri_rule *r, struct weir_wparse *wp, struct weir_wperr *e)
{
	struct weir_rwin *w = r->win;
	uint64_t h = 0xcbf29ce484222325ull;
	unsigned int i, k;

	if (w == NULL) {
		/* fields of an ordinary alert (alert.context.fields) */
		if (r->n_fields > 0 && r->action == WEIR_ACTION_PASS)
			return wp_err(e, wp->field_at,
				      "field: a pass rule raises no alert to attach fields to");
		for (i = 0; i < r->n_fields; i++)
			if (r->fields[i].time != WEIR_RFT_NONE)
				return wp_err(e, wp->field_val[i],
					      "field: time= gives a window's event time: it needs "
					      "a window:");
		return 0;
	}
	if (wp->thresh_at != NULL)
		return wp_err(e, wp->thresh_at,
			      "threshold and detection_filter cannot be used on a window rule "
			      "(its window decides when it alerts)");
	if (r->action == WEIR_ACTION_PASS)
		return wp_err(e, wp->win_val, "window: a pass rule cannot have a window");
	for (i = 0; i < wp->n_ref; i++) {
		for (k = 0; k < r->n_fields; k++)
			if (strcmp(wp->ref[i].name, r->fields[k].name) == 0)
				break;
		if (k == r->n_fields)
			return wp_err(e, wp->ref[i].at,
				      "window: '%s' is not declared by a field: of this rule",
				      wp->ref[i].name);
		if (wp->ref[i].need_time && r->fields[k].time == WEIR_RFT_NONE)
			return wp_err(
				e, wp->ref[i].at,
				"window: time field '%s' needs time=epoch, epoch_ms or iso8601 "
				"on its field:",
				wp->ref[i].name);
		*wp->ref[i].slot = (int8_t)k;
	}
	for (i = 0; i < r->n_fields; i++) {
		h = wp_hash_norm(h, wp->field_val[i], wp->field_len[i]);
		h ^= 0x1f;
		h *= 0x100000001b3ull;
	}
	h ^= 0x1e;
	h *= 0x100000001b3ull;
	w->clause_hash = wp_hash_norm(h, wp->win_val, wp->win_len);
	return 0;
}

int
weir_field_finish(struct weir_suri_rule *r, struct weir_wparse *wp, struct weir_wperr *e)
{
	char err[160] = "";
	unsigned int i, k, groups = 0, col = 0;
	int cap_item = -1, rc;
	bool need = false, need_pcre = false;

	for (i = 0; i < r->n_fields; i++) {
		struct weir_rfield *f = &r->fields[i];

		if (f->src == WEIR_RFS_PCRE) {
			need = need_pcre = true;
		} else if (f->src == WEIR_RFS_BYTE_EXTRACT) {
			need = true;
			for (k = 0; k < r->n_items; k++)
				if ((r->items[k].kind == WEIR_ITEM_BYTE_EXTRACT ||
				     r->items[k].kind == WEIR_ITEM_BYTE_MATH) &&
				    r->items[k].bop.name != NULL &&
				    strcmp(r->items[k].bop.name, f->key) == 0)
					break;
			if (k == r->n_items) {
				for (k = 0; k < r->n_hitems; k++)
					if (r->hitems[k].kind == WEIR_ITEM_BYTE_EXTRACT &&
					    r->hitems[k].bop.name != NULL &&
					    strcmp(r->hitems[k].bop.name, f->key) == 0)
						return wp_err(e, wp->field_val[i],
							      "field: byte_extract variable '%s' "
							      "of a header buffer is not supported "
							      "yet (the payload's only)",
							      f->key);
				return wp_err(e, wp->field_val[i],
					      "field: '%s' is no byte_extract variable of this "
					      "rule",
					      f->key);
			}
			if (r->items[k].kind == WEIR_ITEM_BYTE_MATH)
				return wp_err(e, wp->field_val[i],
					      "field: '%s' is a byte_math result: not supported "
					      "yet (byte_extract variables only)",
					      f->key);
			f->arg = r->items[k].bop.slot;
		}
	}
	if (!need)
		return 0;
	if (need_pcre) {
		/* the rule's last payload pcre (as Suricata's captures, the
		 * groups of its match on the chain that made the rule hold) */
		for (k = r->n_items; k-- > 0;)
			if (r->items[k].kind == WEIR_ITEM_PCRE) {
				cap_item = (int)k;
				break;
			}
		for (i = 0; i < r->n_fields && r->fields[i].src != WEIR_RFS_PCRE; i++)
			;
		if (cap_item < 0)
			return wp_err(e, wp->field_val[i],
				      "field: pcre needs a pcre on the payload in the rule (its "
				      "last one gives the captures)");
		if (r->items[cap_item].negated)
			return wp_err(e, wp->field_val[i],
				      "field: pcre: the rule's last pcre is negated: it captures "
				      "nothing");
	}
	rc = weir_sprog_build_fields(r, cap_item, &r->fprog, &groups, err, sizeof(err), &col);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0)
		return wp_err(e, NULL, "field: %s", err);
	for (i = 0; i < r->n_fields; i++)
		if (r->fields[i].src == WEIR_RFS_PCRE && r->fields[i].arg > groups)
			return wp_err(e, wp->field_val[i],
				      "field: pcre capture group %u, but the rule's last pcre has "
				      "%u",
				      r->fields[i].arg, groups);
	return 0;
}

/* ---- explain ------------------------------------------------------------ */

void
weir_rwin_explain(const struct weir_rwin *w, const struct weir_rfield *f, char *out, size_t cap)
{
	size_t n = 0;
	unsigned int i;

#define WP_PUT(...)                                                                                \
	do {                                                                                       \
		if (n < cap) {                                                                     \
			int m_ = snprintf(out + n, cap - n, __VA_ARGS__);                          \
			n += m_ > 0 ? (size_t)m_ : 0;                                              \
		}                                                                                  \
	} while (0)
	if (cap == 0)
		return;
	out[0] = '\0';
	WP_PUT("key ");
	for (i = 0; i < w->n_key; i++)
		WP_PUT("%s%s", i ? "+" : "",
		       w->key[i].kind == WEIR_RWK_FIELD ? f[w->key[i].field].name
							: wp_builtin[w->key[i].kind]);
	if (w->length_ns % 3600000000000ull == 0)
		WP_PUT(", length %lluh", (unsigned long long)(w->length_ns / 3600000000000ull));
	else if (w->length_ns % 60000000000ull == 0)
		WP_PUT(", length %llum", (unsigned long long)(w->length_ns / 60000000000ull));
	else
		WP_PUT(", length %llus", (unsigned long long)(w->length_ns / 1000000000ull));
	WP_PUT(", when ");
	for (i = 0; i < w->n_cond; i++) {
		const struct weir_rwin_cond *c = &w->cond[i];

		WP_PUT("%s%s", i ? " and " : "", wp_agg_names[c->agg]);
		if (c->agg != WEIR_RWA_COUNT)
			WP_PUT("(%s)", f[c->field].name);
		WP_PUT(" %s %.17g", wp_op_names[c->op], c->n);
	}
	WP_PUT(", fire %s", w->fire_each ? "each" : "once");
	if (w->time_field >= 0)
		WP_PUT(", time from field %s (%s)", f[w->time_field].name,
		       wp_time_names[f[w->time_field].time]);
	else
		WP_PUT(", time from the packet");
#undef WP_PUT
}
