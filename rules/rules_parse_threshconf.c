/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Suricata's threshold.config (the `threshold-file` key): suppress,
 * threshold and event_filter entries applied to the parsed .rules, as
 * src/util-threshold-config.c reads them and doc
 * configuration/global-thresholds.rst describes them.
 *
 * An entry is one line ('#' comments and blank lines skipped, a trailing
 * '\' joins the next line). Its parts come in Suricata's fixed order
 * (its regexes), separated by ',':
 *   suppress gen_id G, sig_id S
 *       the rule never alerts (Suricata sets SIG_FLAG_NOALERT: flowbits
 *       and the other state keywords still run)
 *   suppress gen_id G, sig_id S, track by_src|by_dst|by_either, ip LIST
 *       no alert when the source / destination / either address is in
 *       LIST (an address field as in a rule header: 1.2.3.4, 10.0.0.0/8,
 *       [a,b], $HOME_NET, !x)
 *   threshold|event_filter gen_id G, sig_id S, type limit|threshold|both,
 *       track by_src|by_dst|by_both|by_rule, count N, seconds T
 *       replaces the rule's threshold and detection_filter
 *   rate_filter ...   refused: not supported yet (it changes the action)
 * sig_id 0 names every rule of gen_id G (every gid when G is 0); a
 * threshold for sig_id 0 only applies to rules without a threshold or
 * detection_filter of their own (Suricata skips those with a warning).
 * Entries naming a rule that is not loaded change nothing, as in Suricata
 * (which warns). A later threshold entry for the same rule replaces an
 * earlier one.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

#define TC_SHOW 40 /* longest piece of input quoted in a message */

/* Where each physical line starts in the joined entry. */
struct tc_seg {
	size_t off;
	unsigned int line;
};

struct tc_entry {
	char *text; /* the joined entry, NUL-terminated */
	size_t len, cap;
	struct tc_seg *seg;
	unsigned int n_seg, cap_seg;
};

struct tc_ctx {
	const char *file;
	const struct tc_entry *e;
	struct weir_diags *diags;
	const char *kw; /* the entry's keyword, for diagnostics */
};

static int tc_err(const struct tc_ctx *c, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
tc_err(const struct tc_ctx *c, const char *at, const char *fmt, ...)
{
	size_t off = (size_t)(at - c->e->text);
	unsigned int i = 0, line, col;
	char msg[256];
	va_list ap;

	while (i + 1 < c->e->n_seg && c->e->seg[i + 1].off <= off)
		i++;
	line = c->e->seg[i].line;
	col = (unsigned int)(off - c->e->seg[i].off) + 1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	weir_diag_add(c->diags, c->file, line, col, c->kw, "%s", msg);
	return -EINVAL;
}

static const char *
tc_skip(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static size_t
tc_word_len(const char *p)
{
	size_t n = 0;

	while (p[n] != '\0' && p[n] != ',' && p[n] != ' ' && p[n] != '\t')
		n++;
	return n;
}

static bool
tc_is(const char *p, size_t n, const char *w)
{
	return n == strlen(w) && memcmp(p, w, n) == 0;
}

/*
 * Expect "NAME VALUE" at *pp (blanks around), VALUE up to ',' or the end
 * (trailing blanks cut); leaves *pp after the ',' (or at the end).
 * @p last: nothing may follow. @return 0 with *val, *val_len.
 */
static int
tc_part(const struct tc_ctx *c, const char **pp, const char *name, bool last, const char **val,
	size_t *val_len)
{
	const char *p = tc_skip(*pp), *v, *end;
	size_t n = strlen(name);

	if (strncmp(p, name, n) != 0)
		return tc_err(c, p, "%s: expected '%s', got '%.*s'", c->kw, name,
			      (int)(tc_word_len(p) > TC_SHOW ? TC_SHOW : tc_word_len(p)), p);
	v = tc_skip(p + n);
	end = strchr(v, ',');
	if (end == NULL)
		end = v + strlen(v);
	*pp = *end == ',' ? end + 1 : end;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end == v)
		return tc_err(c, p, "%s: '%s' needs a value", c->kw, name);
	if (last && **pp != '\0')
		return tc_err(c, *pp - 1, "%s: unexpected ',' after '%s'", c->kw, name);
	if (!last && (*pp)[-1] != ',')
		return tc_err(c, *pp, "%s: missing ',' and the parts after '%s'", c->kw, name);
	*val = v;
	*val_len = (size_t)(end - v);
	return 0;
}

static int
tc_u32(const struct tc_ctx *c, const char *name, const char *v, size_t n, uint32_t min,
       uint32_t *out)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)v[i]))
			break;
		x = x * 10 + (uint64_t)(v[i] - '0');
		if (x > UINT32_MAX)
			break;
	}
	if (n == 0 || i != n || x < min)
		return tc_err(c, v, "%s: %s must be a number from %u to %u, got '%.*s'", c->kw,
			      name, min, UINT32_MAX, (int)(n > TC_SHOW ? TC_SHOW : n), v);
	*out = (uint32_t)x;
	return 0;
}

static int
tc_addrset_copy(struct weir_addrset *dst, const struct weir_addrset *src)
{
	*dst = *src;
	dst->r = NULL;
	if (src->n == 0)
		return 0;
	dst->r = malloc(src->n * sizeof(*src->r));
	if (dst->r == NULL)
		return -ENOMEM;
	memcpy(dst->r, src->r, src->n * sizeof(*src->r));
	return 0;
}

/* Does the entry for (@p gid, @p sid) name @p r? */
static bool
tc_names(const struct weir_suri_rule *r, uint32_t gid, uint32_t sid)
{
	if (sid == 0)
		return gid == 0 || r->gid == gid;
	return r->sid == sid && r->gid == gid;
}

static int
tc_suppress(const struct tc_ctx *c, const char *p, uint32_t gid, uint32_t sid,
	    const struct weir_rule_vars *vars, struct weir_suri_rule_list *rules)
{
	enum weir_supp_track track;
	struct weir_addrset ips = {0};
	const char *v;
	size_t n, i;
	char err[160];
	char *copy;
	unsigned int err_off = 0;
	int rc;

	if (*tc_skip(p) == '\0') {
		/* no track: the rule never alerts */
		for (i = 0; i < rules->n; i++)
			if (tc_names(&rules->v[i], gid, sid))
				rules->v[i].noalert = true;
		return 0;
	}
	if ((rc = tc_part(c, &p, "track", false, &v, &n)) < 0)
		return rc;
	if (tc_is(v, n, "by_src"))
		track = WEIR_SUPP_SRC;
	else if (tc_is(v, n, "by_dst"))
		track = WEIR_SUPP_DST;
	else if (tc_is(v, n, "by_either"))
		track = WEIR_SUPP_EITHER;
	else
		return tc_err(c, v,
			      "%s: track '%.*s' is not supported (expected by_src, by_dst or "
			      "by_either)",
			      c->kw, (int)(n > TC_SHOW ? TC_SHOW : n), v);
	/* ip takes the rest: a list holds ',' */
	p = tc_skip(p);
	if (strncmp(p, "ip", 2) != 0 || (p[2] != ' ' && p[2] != '\t'))
		return tc_err(c, p, "%s: expected 'ip' after track", c->kw);
	v = tc_skip(p + 2);
	n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n == 0)
		return tc_err(c, p, "%s: 'ip' needs a value", c->kw);
	copy = strndup(v, n);
	if (copy == NULL)
		return -ENOMEM;
	rc = weir_addrset_parse(copy, vars, &ips, err, sizeof(err), &err_off);
	free(copy);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0)
		return tc_err(c, v + (err_off < n ? err_off : 0), "%s: ip: %s", c->kw, err);
	for (i = 0; i < rules->n; i++) {
		struct weir_suri_rule *r = &rules->v[i];
		struct weir_suppress *grown;

		if (!tc_names(r, gid, sid))
			continue;
		grown = realloc(r->supp, (r->n_supp + 1) * sizeof(*r->supp));
		if (grown == NULL) {
			weir_addrset_free(&ips);
			return -ENOMEM;
		}
		r->supp = grown;
		r->supp[r->n_supp].track = track;
		if (tc_addrset_copy(&r->supp[r->n_supp].ips, &ips) < 0) {
			weir_addrset_free(&ips);
			return -ENOMEM;
		}
		r->n_supp++;
	}
	weir_addrset_free(&ips);
	return 0;
}

static int
tc_threshold(const struct tc_ctx *c, const char *p, uint32_t gid, uint32_t sid,
	     struct weir_suri_rule_list *rules)
{
	struct weir_thresh_spec ts = {0};
	const char *v;
	size_t n, i;
	int rc;

	if ((rc = tc_part(c, &p, "type", false, &v, &n)) < 0)
		return rc;
	if (tc_is(v, n, "limit"))
		ts.type = WEIR_THRESH_LIMIT;
	else if (tc_is(v, n, "threshold"))
		ts.type = WEIR_THRESH_THRESHOLD;
	else if (tc_is(v, n, "both"))
		ts.type = WEIR_THRESH_BOTH;
	else
		return tc_err(c, v,
			      "%s: type '%.*s' is not supported (expected limit, threshold or "
			      "both)",
			      c->kw, (int)(n > TC_SHOW ? TC_SHOW : n), v);
	if ((rc = tc_part(c, &p, "track", false, &v, &n)) < 0)
		return rc;
	if (tc_is(v, n, "by_dst"))
		ts.by_dst = true;
	else if (tc_is(v, n, "by_both"))
		ts.by_both = true;
	else if (tc_is(v, n, "by_rule"))
		ts.by_rule = true;
	else if (!tc_is(v, n, "by_src"))
		return tc_err(c, v,
			      "%s: track '%.*s' is not supported (expected by_src, by_dst, "
			      "by_both or by_rule)",
			      c->kw, (int)(n > TC_SHOW ? TC_SHOW : n), v);
	if ((rc = tc_part(c, &p, "count", false, &v, &n)) < 0 ||
	    (rc = tc_u32(c, "count", v, n, 1, &ts.count)) < 0)
		return rc;
	if ((rc = tc_part(c, &p, "seconds", true, &v, &n)) < 0 ||
	    (rc = tc_u32(c, "seconds", v, n, 1, &ts.seconds)) < 0)
		return rc;
	for (i = 0; i < rules->n; i++) {
		struct weir_suri_rule *r = &rules->v[i];

		if (!tc_names(r, gid, sid))
			continue;
		if (sid == 0 && (r->threshold.type != WEIR_THRESH_NONE ||
				 r->detection_filter.type != WEIR_THRESH_NONE))
			continue;
		r->threshold = ts;
		memset(&r->detection_filter, 0, sizeof(r->detection_filter));
	}
	return 0;
}

/* One joined entry. @return 0, -EINVAL (reported) or -ENOMEM. */
static int
tc_entry(const char *file, const struct tc_entry *e, const struct weir_rule_vars *vars,
	 struct weir_suri_rule_list *rules, struct weir_diags *diags)
{
	struct tc_ctx c = {.file = file, .e = e, .diags = diags, .kw = NULL};
	const char *p = tc_skip(e->text), *v;
	size_t kn = tc_word_len(p), n;
	uint32_t gid, sid;
	bool suppress = false;
	int rc;

	if (tc_is(p, kn, "suppress")) {
		suppress = true;
		c.kw = "suppress";
	} else if (tc_is(p, kn, "threshold"))
		c.kw = "threshold";
	else if (tc_is(p, kn, "event_filter"))
		c.kw = "event_filter";
	else if (tc_is(p, kn, "rate_filter")) {
		c.kw = "rate_filter";
		return tc_err(&c, p,
			      "rate_filter is not supported yet (it changes the rule's "
			      "action)");
	} else
		return tc_err(&c, p,
			      "unknown entry '%.*s' (expected suppress, threshold, "
			      "event_filter or rate_filter)",
			      (int)(kn > TC_SHOW ? TC_SHOW : kn), p);
	p += kn;
	if ((rc = tc_part(&c, &p, "gen_id", false, &v, &n)) < 0 ||
	    (rc = tc_u32(&c, "gen_id", v, n, 0, &gid)) < 0)
		return rc;
	if ((rc = tc_part(&c, &p, "sig_id", suppress && strchr(p, ',') == NULL, &v, &n)) < 0 ||
	    (rc = tc_u32(&c, "sig_id", v, n, 0, &sid)) < 0)
		return rc;
	if (suppress)
		return tc_suppress(&c, p, gid, sid, vars, rules);
	return tc_threshold(&c, p, gid, sid, rules);
}

static int
tc_append(struct tc_entry *e, const char *s, size_t n, unsigned int line)
{
	if (e->n_seg == e->cap_seg) {
		unsigned int cap = e->cap_seg ? e->cap_seg * 2 : 4;
		struct tc_seg *g = realloc(e->seg, cap * sizeof(*g));

		if (g == NULL)
			return -ENOMEM;
		e->seg = g;
		e->cap_seg = cap;
	}
	if (e->len + n + 1 > e->cap) {
		size_t cap = (e->len + n + 1) * 2;
		char *g = realloc(e->text, cap);

		if (g == NULL)
			return -ENOMEM;
		e->text = g;
		e->cap = cap;
	}
	e->seg[e->n_seg].off = e->len;
	e->seg[e->n_seg].line = line;
	e->n_seg++;
	memcpy(e->text + e->len, s, n);
	e->len += n;
	e->text[e->len] = '\0';
	return 0;
}

int
weir_threshconf_apply_text(const char *file, const char *text, const struct weir_rule_vars *vars,
			   struct weir_suri_rule_list *rules, struct weir_diags *diags)
{
	struct tc_entry e = {0};
	const char *p = text;
	unsigned int line = 0;
	int bad = 0, rc = 0;

	while (*p != '\0') {
		const char *nl = strchr(p, '\n'), *s = p;
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		bool cont;

		line++;
		p = nl != NULL ? nl + 1 : p + n;
		while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (e.n_seg == 0) {
			const char *t = tc_skip(s);

			if (t == s + n || *t == '#')
				continue;
		}
		cont = n > 0 && s[n - 1] == '\\';
		if (cont)
			n--;
		if (memchr(s, '\0', n) != NULL)
			n = strlen(s);
		if ((rc = tc_append(&e, s, n, line)) < 0)
			goto out;
		if (cont && *p != '\0')
			continue;
		rc = tc_entry(file, &e, vars, rules, diags);
		if (rc == -ENOMEM)
			goto out;
		if (rc < 0)
			bad++;
		e.len = 0;
		e.n_seg = 0;
	}
	rc = bad;
out:
	free(e.text);
	free(e.seg);
	if (rc == -ENOMEM)
		weir_diag_add(diags, file, 0, 0, NULL, "out of memory");
	return rc;
}

int
weir_threshconf_apply(const char *path, const struct weir_rule_vars *vars,
		      struct weir_suri_rule_list *rules, struct weir_diags *diags)
{
	char *text = NULL;
	size_t len = 0, cap = 0, got;
	FILE *f;
	int rc;

	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		weir_diag_add(diags, path, 0, 0, NULL, "cannot open: %s", strerror(-rc));
		return rc;
	}
	for (;;) {
		if (cap - len < 4096) {
			char *g;

			cap = cap ? cap * 2 : 8192;
			g = realloc(text, cap);
			if (g == NULL) {
				fclose(f);
				free(text);
				weir_diag_add(diags, path, 0, 0, NULL, "out of memory");
				return -ENOMEM;
			}
			text = g;
		}
		got = fread(text + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		rc = errno ? -errno : -EIO;
		fclose(f);
		free(text);
		weir_diag_add(diags, path, 0, 0, NULL, "cannot read: %s", strerror(-rc));
		return rc;
	}
	fclose(f);
	text[len] = '\0';
	rc = weir_threshconf_apply_text(path, text, vars, rules, diags);
	free(text);
	return rc;
}
