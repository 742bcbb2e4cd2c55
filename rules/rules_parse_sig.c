/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signature-file parser: the first step of rule loading on the control
 * side. It turns Hyperscan's "ID:/regex/flags{ext} #comment" lines into a
 * weir_sig_rule_list that rules_compile.c then hands to Hyperscan. It checks
 * only the syntax around the regex (ID, delimiters, flag letters, extended
 * parameters, duplicate IDs); the regex itself is judged by Hyperscan at
 * compile time, which reports against the same file:line kept here. Every
 * problem becomes a diagnostic with its column and parsing carries on, so
 * one run shows the author every bad line.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"
#include "rules_int.h"

/* The letters Hyperscan's own tools use (util/ExpressionParser.rl). */
static const struct {
	char letter;
	unsigned int flag;
} sig_flag_table[] = {
	{'i', HS_FLAG_CASELESS},     {'m', HS_FLAG_MULTILINE}, {'s', HS_FLAG_DOTALL},
	{'H', HS_FLAG_SINGLEMATCH},  {'8', HS_FLAG_UTF8},      {'W', HS_FLAG_UCP},
	{'L', HS_FLAG_SOM_LEFTMOST},
};

enum sig_ext_kind {
	SIG_EXT_MIN_OFFSET,
	SIG_EXT_MAX_OFFSET,
	SIG_EXT_MIN_LENGTH,
	SIG_EXT_EDIT_DISTANCE,
	SIG_EXT_HAMMING_DISTANCE,
};

static const struct {
	const char *key;
	enum sig_ext_kind kind;
	unsigned long long flag;
} sig_ext_table[] = {
	{"min_offset", SIG_EXT_MIN_OFFSET, HS_EXT_FLAG_MIN_OFFSET},
	{"max_offset", SIG_EXT_MAX_OFFSET, HS_EXT_FLAG_MAX_OFFSET},
	{"min_length", SIG_EXT_MIN_LENGTH, HS_EXT_FLAG_MIN_LENGTH},
	{"edit_distance", SIG_EXT_EDIT_DISTANCE, HS_EXT_FLAG_EDIT_DISTANCE},
	{"hamming_distance", SIG_EXT_HAMMING_DISTANCE, HS_EXT_FLAG_HAMMING_DISTANCE},
};

#define SIG_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int
sig_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Flag letters are alphanumeric: unknown ones must still end the regex. */
static int
sig_is_flag_char(char c)
{
	return isalnum((unsigned char)c);
}

static unsigned int
sig_col(const char *line, const char *p)
{
	return (unsigned int)(p - line) + 1;
}

/*
 * Does @p s, the text right after a '/', look like the end of a rule: flag
 * letters, an optional {...}, blanks, then the end or a '#' comment? Any
 * '/' for which this holds can close the regex; the parser takes the first
 * such one, so that a comment may contain '/' (URLs are common there) and
 * a '/' inside the regex is only mistaken for the end when it is itself
 * followed by such a tail, which "\/" avoids.
 */
static int
sig_is_rule_tail(const char *s)
{
	while (sig_is_flag_char(*s))
		s++;
	if (*s == '{') {
		s = strchr(s, '}');
		if (s == NULL)
			return 0;
		s++;
	}
	while (sig_is_blank(*s))
		s++;
	return *s == '\0' || *s == '#';
}

static void
sig_rule_clear(struct weir_sig_rule *r)
{
	free(r->pattern);
	free(r->text);
	free(r->file);
	memset(r, 0, sizeof(*r));
}

void
weir_sig_rule_list_free(struct weir_sig_rule_list *list)
{
	unsigned int i;

	if (list == NULL)
		return;
	for (i = 0; i < list->n; i++)
		sig_rule_clear(&list->v[i]);
	free(list->v);
	weir_sid_index_free(&list->sids);
	memset(list, 0, sizeof(*list));
}

/* The duplicate-ID index's key of entry @p i: signatures have gid 1. */
static uint64_t
sig_key_of(const void *list, unsigned int i)
{
	return weir_sid_key(1, ((const struct weir_sig_rule_list *)list)->v[i].sid);
}

static int
sig_list_reserve(struct weir_sig_rule_list *list)
{
	struct weir_sig_rule *v = weir_grow(list->v, &list->cap, list->n + 1, sizeof(*v), 64);

	if (v == NULL)
		return -ENOMEM;
	list->v = v;
	return 0;
}

/* Parse the decimal ID in [s, end); reports and returns -EINVAL when bad. */
static int
sig_parse_id(const char *file, unsigned int lineno, const char *line, const char *s,
	     const char *end, uint32_t *id, struct weir_diags *diags)
{
	unsigned long long v = 0;
	const char *p;

	if (s == end) {
		weir_diag_add(diags, file, lineno, sig_col(line, s), NULL,
			      "empty rule ID before ':'");
		return -EINVAL;
	}
	for (p = s; p < end; p++) {
		if (!isdigit((unsigned char)*p)) {
			weir_diag_add(diags, file, lineno, sig_col(line, p), NULL,
				      "rule ID '%.*s' is not a decimal number", (int)(end - s), s);
			return -EINVAL;
		}
		v = v * 10 + (unsigned long long)(*p - '0');
		if (v > UINT32_MAX) {
			weir_diag_add(diags, file, lineno, sig_col(line, s), NULL,
				      "rule ID '%.*s' does not fit in 32 bits", (int)(end - s), s);
			return -EINVAL;
		}
	}
	*id = (uint32_t)v;
	return 0;
}

/*
 * Parse "{key=value,...}" starting at @p s ('{') into @p ext. Reports each
 * bad pair and goes on with the next one, so a block with two typos shows
 * both. @p end_out gets the position after '}'.
 */
static int
sig_parse_ext(const char *file, unsigned int lineno, const char *line, const char *s,
	      hs_expr_ext_t *ext, const char **end_out, struct weir_diags *diags)
{
	const char *close = strchr(s, '}');
	const char *p = s + 1;
	int rc = 0;

	/* sig_is_rule_tail() accepted this '/' only with a closing brace. */
	*end_out = close + 1;
	memset(ext, 0, sizeof(*ext));
	if (p == close) {
		weir_diag_add(diags, file, lineno, sig_col(line, s), NULL,
			      "empty extended parameter block '{}'");
		return -EINVAL;
	}
	while (p < close) {
		const char *key = p, *eq, *val, *pair_end;
		unsigned long long v = 0;
		size_t key_len, i;
		int found = -1, bad = 0;

		pair_end = memchr(p, ',', (size_t)(close - p));
		if (pair_end == NULL)
			pair_end = close;
		eq = memchr(p, '=', (size_t)(pair_end - p));
		p = pair_end + 1;
		if (eq == NULL) {
			weir_diag_add(diags, file, lineno, sig_col(line, key), NULL,
				      "extended parameter '%.*s' has no '=value'",
				      (int)(pair_end - key), key);
			rc = -EINVAL;
			continue;
		}
		key_len = (size_t)(eq - key);
		for (i = 0; i < SIG_ARRAY_SIZE(sig_ext_table); i++) {
			if (strlen(sig_ext_table[i].key) == key_len &&
			    memcmp(sig_ext_table[i].key, key, key_len) == 0) {
				found = (int)i;
				break;
			}
		}
		if (found < 0) {
			char kw[32];

			snprintf(kw, sizeof(kw), "%.*s", (int)key_len, key);
			weir_diag_add(diags, file, lineno, sig_col(line, key), kw,
				      "unknown extended parameter '%.*s' (expected min_offset, "
				      "max_offset, min_length, edit_distance or hamming_distance)",
				      (int)key_len, key);
			rc = -EINVAL;
			continue;
		}
		val = eq + 1;
		if (val == pair_end)
			bad = 1;
		for (; val < pair_end && !bad; val++) {
			if (!isdigit((unsigned char)*val) || v > (ULLONG_MAX - 9) / 10)
				bad = 1;
			else
				v = v * 10 + (unsigned long long)(*val - '0');
		}
		if (!bad &&
		    (sig_ext_table[found].kind == SIG_EXT_EDIT_DISTANCE ||
		     sig_ext_table[found].kind == SIG_EXT_HAMMING_DISTANCE) &&
		    v > UINT_MAX)
			bad = 1;
		if (bad) {
			weir_diag_add(diags, file, lineno, sig_col(line, eq + 1),
				      sig_ext_table[found].key,
				      "extended parameter %s needs an unsigned decimal value, "
				      "got '%.*s'",
				      sig_ext_table[found].key, (int)(pair_end - eq - 1), eq + 1);
			rc = -EINVAL;
			continue;
		}
		if (ext->flags & sig_ext_table[found].flag) {
			weir_diag_add(diags, file, lineno, sig_col(line, key),
				      sig_ext_table[found].key, "extended parameter %s given twice",
				      sig_ext_table[found].key);
			rc = -EINVAL;
			continue;
		}
		ext->flags |= sig_ext_table[found].flag;
		switch (sig_ext_table[found].kind) {
		case SIG_EXT_MIN_OFFSET:
			ext->min_offset = v;
			break;
		case SIG_EXT_MAX_OFFSET:
			ext->max_offset = v;
			break;
		case SIG_EXT_MIN_LENGTH:
			ext->min_length = v;
			break;
		case SIG_EXT_EDIT_DISTANCE:
			ext->edit_distance = (unsigned int)v;
			break;
		case SIG_EXT_HAMMING_DISTANCE:
			ext->hamming_distance = (unsigned int)v;
			break;
		}
	}
	if (close[-1] == ',') {
		weir_diag_add(diags, file, lineno, sig_col(line, close - 1), NULL,
			      "trailing ',' in extended parameter block");
		rc = -EINVAL;
	}
	return rc;
}

/* Add the parsed rule to @p list unless its ID is taken. */
static int
sig_list_add(struct weir_sig_rule_list *list, struct weir_sig_rule *r, struct weir_diags *diags)
{
	unsigned int first;
	int rc;

	rc = weir_sid_index_sync(&list->sids, list, list->n, sig_key_of);
	if (rc < 0)
		return rc;
	first = weir_sid_index_find(&list->sids, weir_sid_key(1, r->sid));
	if (first != 0) {
		const struct weir_sig_rule *f = &list->v[first - 1];

		weir_diag_add(diags, r->file, r->line, 0, NULL,
			      "duplicate rule ID %u (first defined at %s:%u)", r->sid, f->file,
			      f->line);
		return -EINVAL;
	}
	rc = sig_list_reserve(list);
	if (rc < 0)
		return rc;
	list->v[list->n] = *r;
	weir_sid_index_add(&list->sids, weir_sid_key(1, r->sid), list->n);
	list->n++;
	return 0;
}

int
weir_rules_parse_sig_line(const char *file, unsigned int lineno, const char *line,
			  struct weir_sig_rule_list *list, struct weir_diags *diags)
{
	struct weir_sig_rule r = {0};
	const char *p = line, *colon, *open, *close, *q, *text_end;
	int rc = 0;

	while (sig_is_blank(*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;

	colon = strchr(p, ':');
	if (colon == NULL) {
		weir_diag_add(diags, file, lineno, sig_col(line, p), NULL,
			      "missing ':' between rule ID and pattern (expected ID:/regex/flags)");
		return -EINVAL;
	}
	rc = sig_parse_id(file, lineno, line, p, colon, &r.sid, diags);
	if (rc < 0)
		return rc;

	open = colon + 1;
	while (sig_is_blank(*open))
		open++;
	if (*open != '/') {
		weir_diag_add(diags, file, lineno, sig_col(line, open), NULL,
			      "missing '/' before the pattern (expected ID:/regex/flags)");
		return -EINVAL;
	}
	for (close = strchr(open + 1, '/'); close != NULL; close = strchr(close + 1, '/')) {
		if (sig_is_rule_tail(close + 1))
			break;
	}
	if (close == NULL) {
		const char *last = strrchr(open + 1, '/');

		if (last == NULL) {
			weir_diag_add(diags, file, lineno, sig_col(line, open + strlen(open)), NULL,
				      "missing closing '/' after the pattern");
		} else {
			/* Point at what spoils the last candidate. */
			for (q = last + 1; sig_is_flag_char(*q); q++)
				;
			if (*q == '{' && strchr(q, '}') == NULL) {
				weir_diag_add(diags, file, lineno, sig_col(line, q), NULL,
					      "unterminated extended parameter block");
				return -EINVAL;
			}
			if (*q == '{')
				q = strchr(q, '}') + 1;
			while (sig_is_blank(*q))
				q++;
			weir_diag_add(diags, file, lineno, sig_col(line, q), NULL,
				      "unexpected '%c' after the closing '/' (flags, {...} and a "
				      "'#' comment may follow)",
				      *q);
		}
		return -EINVAL;
	}
	if (close == open + 1) {
		weir_diag_add(diags, file, lineno, sig_col(line, close), NULL, "empty pattern");
		rc = -EINVAL;
	}

	for (q = close + 1; sig_is_flag_char(*q); q++) {
		size_t i;

		for (i = 0; i < SIG_ARRAY_SIZE(sig_flag_table); i++) {
			if (sig_flag_table[i].letter == *q)
				break;
		}
		if (i == SIG_ARRAY_SIZE(sig_flag_table)) {
			char kw[2] = {*q, '\0'};

			weir_diag_add(diags, file, lineno, sig_col(line, q), kw,
				      "unknown flag '%c' (expected i m s H 8 W L)", *q);
			rc = -EINVAL;
			continue;
		}
		r.hs_flags |= sig_flag_table[i].flag;
	}
	text_end = q;
	if (*q == '{') {
		int ext_rc = sig_parse_ext(file, lineno, line, q, &r.ext, &text_end, diags);

		if (ext_rc < 0)
			rc = ext_rc;
		r.has_ext = r.ext.flags != 0;
	}
	if (rc < 0)
		return rc;

	r.rev = 1;
	r.line = lineno;
	r.pattern = strndup(open + 1, (size_t)(close - open - 1));
	r.text = strndup(open, (size_t)(text_end - open));
	r.file = strdup(file ? file : "");
	if (r.pattern == NULL || r.text == NULL || r.file == NULL) {
		rc = -ENOMEM;
		goto err_clear_rule;
	}
	rc = sig_list_add(list, &r, diags);
	if (rc < 0)
		goto err_clear_rule;
	return 0;

err_clear_rule:
	sig_rule_clear(&r);
	return rc;
}

int
weir_rules_parse_sig_file(const char *path, struct weir_sig_rule_list *list,
			  struct weir_diags *diags)
{
	unsigned int lineno = 0;
	size_t buf_cap = 0;
	char *buf = NULL;
	ssize_t len;
	FILE *f;
	int rc = 0, ret;

	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		weir_diag_add(diags, path, 0, 0, NULL, "cannot open: %s", strerror(-rc));
		return rc;
	}
	for (;;) {
		errno = 0;
		len = getline(&buf, &buf_cap, f);
		if (len < 0)
			break;
		lineno++;
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			buf[--len] = '\0';
		/* The line is handled as a C string: a NUL would hide its tail. */
		if (memchr(buf, '\0', (size_t)len) != NULL) {
			weir_diag_add(diags, path, lineno, sig_col(buf, buf + strlen(buf)), NULL,
				      "NUL byte in line");
			rc = -EINVAL;
			continue;
		}
		ret = weir_rules_parse_sig_line(path, lineno, buf, list, diags);
		if (ret == -ENOMEM) {
			rc = ret;
			goto out_close;
		}
		if (ret < 0)
			rc = ret;
	}
	if (ferror(f)) {
		/* e.g. EISDIR: fopen() of a directory succeeds, reading fails. */
		ret = errno ? -errno : -EIO;
		weir_diag_add(diags, path, 0, 0, NULL, "cannot read: %s", strerror(-ret));
		rc = ret;
	}

out_close:
	free(buf);
	fclose(f);
	return rc;
}
