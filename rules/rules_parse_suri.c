/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Suricata rule parser: the first step of loading a .rules file. It turns
 * "action proto src sport dir dst dport (options)" into a weir_suri_rule
 * (rules_int.h), the parse stage's rule, which rules_compile.c turns into
 * a run-time rule. It knows the subset weir can honour exactly and
 * refuses everything else by name:
 * an app-layer protocol, an http.* keyword, a pcre buffer flag, a
 * modifier that cannot apply. Every refusal is one diagnostic with the
 * file, the line and column of the offending token, and the keyword; the
 * rule is skipped and parsing goes on, so one run lists every rule a
 * file loses.
 *
 * The option syntax follows Suricata's own reader: an option's value runs
 * to the first ';' that no backslash escapes (quotes do not protect a ';',
 * which is why rules write "\;"), and a quoted value must open and close
 * with '"'. Keyword names compare without regard to case, as in Suricata.
 * Address and port fields are handed to rules_parse_addr.c, whose error
 * offsets become columns here; a duplicate (gid, sid) is found with the
 * index of rules_parse_sid.c.
 *
 * Columns: a diagnostic names the physical line and column of the
 * offending byte, also inside a rule joined from continuation lines (the
 * parser keeps where each piece of the joined text came from). An item's
 * col (weir_item.col) is counted in the joined text from the rule's first
 * line, so it pairs with r->line; for a one-line rule both are the same.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dec_event.h"
#include "event.h"
#include "grow.h"
#include "rules_int.h"

#define SP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Suricata 7's bounds: offset and depth are uint16, distance and within
 * are capped at DETECT_CONTENT_VALUE_MAX (1 MiB). */
#define SP_OFFSET_MAX	65535
#define SP_DEPTH_MAX	65535
#define SP_RELATIVE_MAX 1048576
#define SP_DSIZE_MAX	65535
#define SP_PRIORITY_MAX 255

/* How much of a bad value a message quotes. */
#define SP_SHOW 48

/*
 * Where the text of a rule came from. A rule joined from continuation
 * lines is one string; the piece of it that starts at byte @off is
 * physical line @line, whose column @col0 + 1 that byte is. Diagnostics
 * map a position in the joined text back to its physical line and column.
 */
struct sp_seg {
	size_t off;
	unsigned int line;
	unsigned int col0;
};

/* Keywords that may appear once per rule. */
enum sp_once {
	SP_ONCE_MSG = 1u << 0,
	SP_ONCE_SID = 1u << 1,
	SP_ONCE_REV = 1u << 2,
	SP_ONCE_GID = 1u << 3,
	SP_ONCE_CLASSTYPE = 1u << 4,
	SP_ONCE_PRIORITY = 1u << 5,
	SP_ONCE_DSIZE = 1u << 6,
	SP_ONCE_THRESHOLD = 1u << 7,
	SP_ONCE_DETECTION = 1u << 8,
	SP_ONCE_FLOW = 1u << 9,
};

struct sp_ctx {
	const char *file;
	const char *text; /* the rule, as given (joined) */
	const struct sp_seg *seg;
	unsigned int n_seg;
	const struct weir_rule_vars *vars;
	struct weir_diags *diags;
	struct weir_suri_rule *r;
	unsigned int items_cap;
	int last_content;  /* index in r->items of the last content, -1 */
	unsigned int once; /* enum sp_once seen so far */
	unsigned int priority;
	const char *sid_pos;
	const char *fp_pos;    /* fast_pattern already used in this rule */
	const char *meta_pos;  /* the last metadata keyword's value */
	uint8_t buf;	       /* enum weir_buf: where items go (a sticky buffer
				  keyword sets it, pkt_data resets it) */
	const char *buf_pos;   /* that keyword, for "buffer with no match" */
	unsigned int buf_n;    /* items added to it since */
	struct weir_wparse wp; /* field: and window: (rules_parse_window.c) */
};

/* One option as read: name and value are ranges of the rule text. */
struct sp_opt {
	const char *name;
	size_t name_len;
	const char *val; /* trimmed; NULL when the option has no ':' */
	size_t val_len;
	char kw[32]; /* the name, NUL-terminated, for diagnostics */
};

enum sp_val {
	SP_VAL_NONE,
	SP_VAL_REQ,
	SP_VAL_OPT,
};

struct sp_keyword {
	const char *name;
	enum sp_val val;
	int (*fn)(struct sp_ctx *ctx, const struct sp_opt *o);
};

/* A cursor over [p, end) for Suricata's unsigned integer conditions
 * (sp_uint_parse), recording the first problem (where, why). */
struct sp_ucur {
	const char *p, *end;
	const char *err_at;
	const char *why;
};

static bool sp_uint_parse(struct sp_ucur *u, uint64_t max, struct weir_uint_cond *c);

#define SP_UINT_FORMS "N, =N, !N, !=N, <N, <=N, >N, >=N, A-B, A<>B, !A-B, &M=V or &M!=V"

/* ---- diagnostics ----------------------------------------------------- */

static void
sp_place(const struct sp_ctx *ctx, const char *p, unsigned int *line, unsigned int *col)
{
	size_t off = (size_t)(p - ctx->text);
	unsigned int i = 0;

	while (i + 1 < ctx->n_seg && ctx->seg[i + 1].off <= off)
		i++;
	*line = ctx->seg[i].line;
	*col = ctx->seg[i].col0 + (unsigned int)(off - ctx->seg[i].off) + 1;
}

/* Report the rule's one problem at @p p (a position in ctx->text). */
static int sp_err(struct sp_ctx *ctx, const char *p, const char *kw, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
sp_err(struct sp_ctx *ctx, const char *p, const char *kw, const char *fmt, ...)
{
	unsigned int line, col;
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sp_place(ctx, p, &line, &col);
	weir_diag_add(ctx->diags, ctx->file, line, col, kw, "%s", msg);
	return -EINVAL;
}

/* ---- small text helpers ---------------------------------------------- */

static bool
sp_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static const char *
sp_skip_space(const char *p)
{
	while (sp_is_space(*p))
		p++;
	return p;
}

static void
sp_trim(const char **s, size_t *len)
{
	while (*len > 0 && sp_is_space(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && sp_is_space((*s)[*len - 1]))
		(*len)--;
}

static bool
sp_eq(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncmp(s, word, len) == 0;
}

static bool
sp_caseeq(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/* Is the '"' at @p q (inside [s, q]) escaped by an odd run of '\'? */
static bool
sp_escaped(const char *s, const char *q)
{
	size_t n = 0;

	while (q > s && q[-1] == '\\') {
		q--;
		n++;
	}
	return n % 2 == 1;
}

/*
 * The string inside a quoted value: @p s must open and close with an
 * unescaped '"'. Reports an unbalanced quote at the quote that has no
 * partner, a missing one at the value.
 */
static int
sp_unquote(struct sp_ctx *ctx, const struct sp_opt *o, const char *s, size_t len, const char **in,
	   size_t *in_len)
{
	bool opens = len > 0 && s[0] == '"';
	bool closes = len > 1 && s[len - 1] == '"' && !sp_escaped(s + 1, s + len - 1);

	if (opens && closes) {
		*in = s + 1;
		*in_len = len - 2;
		return 0;
	}
	if (opens) {
		const char *q;

		for (q = s + 1; q < s + len; q++) {
			if (*q == '\\' && q + 1 < s + len) {
				q++;
				continue;
			}
			if (*q == '"') {
				const char *junk = q + 1;
				size_t n = (size_t)(s + len - junk);

				sp_trim(&junk, &n);
				return sp_err(
					ctx, junk, o->kw,
					"%s: unexpected '%.*s' after the closing '\"' (missing "
					"';'?)",
					o->kw, n > SP_SHOW ? SP_SHOW : (int)n, junk);
			}
		}
		return sp_err(ctx, s, o->kw, "%s: unbalanced quotes: the '\"' here is never closed",
			      o->kw);
	}
	if (len > 0 && s[len - 1] == '"')
		return sp_err(ctx, s + len - 1, o->kw,
			      "%s: unbalanced quotes: '\"' at the end without one at the start",
			      o->kw);
	return sp_err(ctx, s, o->kw, "%s needs a quoted string, got '%.*s'", o->kw,
		      len > SP_SHOW ? SP_SHOW : (int)len, s);
}

/*
 * A decimal integer in [s, s+len): blanks and one pair of quotes around it
 * are allowed (Suricata strips them from numeric values), and a sign; a
 * negative number below a @p min of 0 is out of range. @return 0, -ERANGE
 * (a number, out of range) or -EINVAL (not a number).
 */
static int
sp_number(const char *s, size_t len, long long min, long long max, long long *out)
{
	unsigned long long v = 0;
	bool neg = false;
	size_t i = 0;

	sp_trim(&s, &len);
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s++;
		len -= 2;
		sp_trim(&s, &len);
	}
	if (len > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		if (v > 10000000000ull)
			continue; /* already out of any range here; keep validating */
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	if (neg && min >= 0 && v != 0)
		return -ERANGE;
	if (v > 10000000000ull)
		return -ERANGE;
	*out = neg ? -(long long)v : (long long)v;
	if (*out < min || *out > max)
		return -ERANGE;
	return 0;
}

/* Append ", value" (or the value) to the text in @p dst. */
static int
sp_join(char **dst, const char *s, size_t len)
{
	size_t old = *dst != NULL ? strlen(*dst) : 0;
	char *n = realloc(*dst, old + (old ? 2 : 0) + len + 1);

	if (n == NULL)
		return -ENOMEM;
	if (old > 0) {
		memcpy(n + old, ", ", 2);
		old += 2;
	}
	memcpy(n + old, s, len);
	n[old + len] = '\0';
	*dst = n;
	return 0;
}

/* ---- items ----------------------------------------------------------- */

static struct weir_item *
sp_item_add(struct sp_ctx *ctx, enum weir_item_kind kind, const char *kw_pos)
{
	struct weir_suri_rule *r = ctx->r;
	struct weir_item *it;

	it = weir_grow(r->items, &ctx->items_cap, r->n_items + 1, sizeof(*it), 4);
	if (it == NULL)
		return NULL;
	r->items = it;
	it = &r->items[r->n_items++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->buf = ctx->buf;
	ctx->buf_n++;
	/* The column in the rule's text from its first line's start: the
	 * physical column for a one-line rule, and for a rule joined from
	 * continuation lines a column in the joined text, so that it goes
	 * with r->line when later stages (rules_compile_hs.c,
	 * rules_compile_confirm.c) report against the item. */
	it->col = (unsigned int)(kw_pos - ctx->text) + 1;
	return it;
}

/* The content a modifier applies to: the last one of the rule. */
static int
sp_last_content(struct sp_ctx *ctx, const struct sp_opt *o, struct weir_item **it)
{
	if (ctx->last_content < 0)
		return sp_err(ctx, o->name, o->kw, "%s needs a preceding content", o->kw);
	*it = &ctx->r->items[ctx->last_content];
	return 0;
}

/* The buffers' keyword names (enum weir_buf order). */
static const char *const sp_buf_names[WEIR_BUF_N] = {
	"pkt_data", "ipv4.hdr", "ipv6.hdr", "tcp.hdr", "udp.hdr", "icmpv4.hdr", "icmpv6.hdr",
};

/* Keywords that only make sense on the payload, refused in a header
 * buffer. */
static int
sp_payload_only(struct sp_ctx *ctx, const struct sp_opt *o)
{
	if (ctx->buf == WEIR_BUF_PAYLOAD)
		return 0;
	return sp_err(ctx, o->name, o->kw, "%s cannot be used in the %s sticky buffer", o->kw,
		      sp_buf_names[ctx->buf]);
}

/*
 * Decode the inside of content:"..." at [s, s+len): text with \" \\ \; \:
 * escapes, and |41 42| blocks of hex bytes (blanks between digits allowed).
 */
static int
sp_content_decode(struct sp_ctx *ctx, const struct sp_opt *o, const char *s, size_t len,
		  struct weir_item *it)
{
	const char *bar = NULL, *nib_pos = NULL;
	uint8_t *buf;
	size_t i, n = 0;
	int nib = -1;

	buf = malloc(len > 0 ? len : 1);
	if (buf == NULL)
		return -ENOMEM;
	it->bytes = buf;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (bar != NULL) {
			int v;

			if (c == '|') {
				if (nib >= 0)
					return sp_err(ctx, nib_pos, o->kw,
						      "content: odd number of hex digits in |...|");
				bar = NULL;
				continue;
			}
			if (c == ' ' || c == '\t')
				continue;
			v = weir_hex_digit((unsigned char)c);
			if (v < 0)
				return sp_err(ctx, s + i, o->kw,
					      "content: bad hex digit '%c' in |...|", c);
			if (nib < 0) {
				nib = v;
				nib_pos = s + i;
			} else {
				buf[n++] = (uint8_t)(nib << 4 | v);
				nib = -1;
			}
			continue;
		}
		if (c == '|') {
			bar = s + i;
			nib = -1;
			continue;
		}
		if (c == '\\') {
			char e = i + 1 < len ? s[i + 1] : '\0';

			if (e != '"' && e != '\\' && e != ';' && e != ':')
				return sp_err(
					ctx, s + i, o->kw,
					"content: invalid escape '\\%c' (only \\\" \\\\ \\; \\: "
					"are allowed)",
					e != '\0' ? e : ' ');
			buf[n++] = (uint8_t)e;
			i++;
			continue;
		}
		if (c == '"')
			return sp_err(ctx, s + i, o->kw,
				      "content: unescaped '\"' inside the string");
		buf[n++] = (uint8_t)c;
	}
	if (bar != NULL)
		return sp_err(ctx, bar, o->kw, "content: '|' hex block is never closed");
	if (n == 0)
		return sp_err(ctx, s - 1, o->kw, "content: empty content");
	it->len = (uint32_t)n;
	return 0;
}

/* ---- keywords: rule identity and metadata ---------------------------- */

static int
sp_once(struct sp_ctx *ctx, const struct sp_opt *o, enum sp_once bit)
{
	if (ctx->once & bit)
		return sp_err(ctx, o->name, o->kw, "duplicate '%s' keyword", o->kw);
	ctx->once |= bit;
	return 0;
}

static int
sp_kw_msg(struct sp_ctx *ctx, const struct sp_opt *o)
{
	const char *s;
	size_t len, i, n = 0;
	char *msg;
	int rc;

	rc = sp_once(ctx, o, SP_ONCE_MSG);
	if (rc == 0)
		rc = sp_unquote(ctx, o, o->val, o->val_len, &s, &len);
	if (rc < 0)
		return rc;
	msg = malloc(len + 1);
	if (msg == NULL)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		if (s[i] == '\\') {
			char e = i + 1 < len ? s[i + 1] : '\0';

			if (e != '"' && e != '\\' && e != ';' && e != ':' && e != ',') {
				free(msg);
				return sp_err(ctx, s + i, o->kw, "msg: invalid escape '\\%c'",
					      e != '\0' ? e : ' ');
			}
			i++;
			msg[n++] = e;
			continue;
		}
		msg[n++] = s[i];
	}
	msg[n] = '\0';
	if (n > WEIR_RULE_SIG_MAX) {
		free(msg);
		return sp_err(ctx, o->val, o->kw,
			      "msg: %zu bytes, weir writes alert.signature whole up to %d bytes", n,
			      WEIR_RULE_SIG_MAX);
	}
	free(ctx->r->msg);
	ctx->r->msg = msg;
	return 0;
}

static int
sp_uint_kw(struct sp_ctx *ctx, const struct sp_opt *o, enum sp_once bit, long long min,
	   long long max, uint32_t *out)
{
	long long v;
	int rc;

	rc = sp_once(ctx, o, bit);
	if (rc < 0)
		return rc;
	if (sp_number(o->val, o->val_len, min, max, &v) < 0)
		return sp_err(ctx, o->val, o->kw,
			      "%s must be a number from %lld to %lld, got '%.*s'", o->kw, min, max,
			      o->val_len > SP_SHOW ? SP_SHOW : (int)o->val_len, o->val);
	*out = (uint32_t)v;
	return 0;
}

static int
sp_kw_sid(struct sp_ctx *ctx, const struct sp_opt *o)
{
	ctx->sid_pos = o->name;
	return sp_uint_kw(ctx, o, SP_ONCE_SID, 1, UINT32_MAX, &ctx->r->sid);
}

static int
sp_kw_rev(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_uint_kw(ctx, o, SP_ONCE_REV, 0, UINT32_MAX, &ctx->r->rev);
}

static int
sp_kw_gid(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_uint_kw(ctx, o, SP_ONCE_GID, 0, UINT32_MAX, &ctx->r->gid);
}

static int
sp_kw_priority(struct sp_ctx *ctx, const struct sp_opt *o)
{
	uint32_t v = 0;
	int rc;

	rc = sp_uint_kw(ctx, o, SP_ONCE_PRIORITY, 1, SP_PRIORITY_MAX, &v);
	if (rc == 0)
		ctx->priority = v;
	return rc;
}

static int
sp_kw_classtype(struct sp_ctx *ctx, const struct sp_opt *o)
{
	char name[64];
	size_t i;
	int rc;

	rc = sp_once(ctx, o, SP_ONCE_CLASSTYPE);
	if (rc < 0)
		return rc;
	if (o->val_len >= sizeof(name))
		return sp_err(ctx, o->val, o->kw, "unknown classtype '%.*s'", SP_SHOW, o->val);
	for (i = 0; i < o->val_len; i++)
		name[i] = (char)tolower((unsigned char)o->val[i]);
	name[i] = '\0';
	if (weir_classtype_priority(name, NULL) == 0)
		return sp_err(ctx, o->val, o->kw, "unknown classtype '%.*s'", (int)o->val_len,
			      o->val);
	ctx->r->classtype = strdup(name);
	return ctx->r->classtype != NULL ? 0 : -ENOMEM;
}

static int
sp_kw_metadata(struct sp_ctx *ctx, const struct sp_opt *o)
{
	ctx->meta_pos = o->val;
	return sp_join(&ctx->r->metadata, o->val, o->val_len);
}

/*
 * Suricata's reference.config as it ships (etc/reference.config): the URL
 * each reference system stands for. Suricata refuses a rule naming a
 * system its reference.config lacks, and writes each reference in
 * alert.references as URL + id (output-json-alert.c).
 */
static const struct {
	const char *sys;
	const char *url;
} g_sp_refsys[] = {
	{"cve", "https://cve.mitre.org/cgi-bin/cvename.cgi?name="},
	{"nessus", "https://www.tenable.com/plugins/nessus/"},
	{"url", "https://"},
	{"McAfee", "https://vil.nai.com/vil/content/v_"},
	{"bid", "https://www.securityfocus.com/bid/"},
	{"bugtraq", "https://www.securityfocus.com/bid/"},
	{"md5", "https://www.threatexpert.com/report.aspx?md5="},
	{"secunia", "https://www.secunia.com/advisories/"},
	{"arachNIDS", "https://www.whitehats.com/info/IDS"},
};

/* Append one quoted JSON string, @p a then @p b, to the JSON array text
 * in *@p dst (NULL: start one). */
static int
sp_json_array_add(char **dst, const char *a, const char *b, size_t b_len)
{
	size_t la = strlen(a), old = *dst != NULL ? strlen(*dst) : 0;
	size_t room = weir_json_str_max(la + b_len), pos;
	char *tmp, *n;
	int len;

	tmp = malloc(la + b_len + 1);
	if (tmp == NULL)
		return -ENOMEM;
	memcpy(tmp, a, la);
	memcpy(tmp + la, b, b_len);
	tmp[la + b_len] = '\0';
	n = realloc(*dst, old + 1 + room + 2);
	if (n == NULL) {
		free(tmp);
		return -ENOMEM;
	}
	*dst = n;
	/* "[" to start, else the closing "]" becomes the separator */
	pos = old == 0 ? 0 : old - 1;
	n[pos++] = old == 0 ? '[' : ',';
	len = weir_json_str(tmp, la + b_len, n + pos, room);
	free(tmp);
	if (len < 0)
		return len;
	pos += (size_t)len;
	n[pos++] = ']';
	n[pos] = '\0';
	return 0;
}

/* reference:SYSTEM,ID — one element of alert.references, kept in rule
 * order (Suricata appends each to the signature's list). */
static int
sp_kw_reference(struct sp_ctx *ctx, const struct sp_opt *o)
{
	const char *v = o->val, *comma = memchr(o->val, ',', o->val_len), *id;
	size_t sys_len, id_len, i;
	int rc;

	if (comma == NULL)
		return sp_err(ctx, o->val, o->kw, "reference: expected SYSTEM,ID, got '%.*s'",
			      o->val_len > SP_SHOW ? SP_SHOW : (int)o->val_len, o->val);
	sys_len = (size_t)(comma - v);
	while (sys_len > 0 && (v[sys_len - 1] == ' ' || v[sys_len - 1] == '\t'))
		sys_len--;
	id = comma + 1;
	id_len = o->val_len - (size_t)(id - v);
	sp_trim(&id, &id_len);
	if (id_len >= 2 && id[0] == '"' && id[id_len - 1] == '"') {
		id++;
		id_len -= 2;
		sp_trim(&id, &id_len);
	}
	if (sys_len == 0 || id_len == 0)
		return sp_err(ctx, o->val, o->kw, "reference: expected SYSTEM,ID, got '%.*s'",
			      o->val_len > SP_SHOW ? SP_SHOW : (int)o->val_len, o->val);
	for (i = 0; i < sizeof(g_sp_refsys) / sizeof(g_sp_refsys[0]); i++)
		if (strlen(g_sp_refsys[i].sys) == sys_len &&
		    strncasecmp(g_sp_refsys[i].sys, v, sys_len) == 0)
			break;
	if (i == sizeof(g_sp_refsys) / sizeof(g_sp_refsys[0]))
		return sp_err(ctx, o->val, o->kw,
			      "reference: unknown system '%.*s' (Suricata's reference.config: cve, "
			      "nessus, url, McAfee, bid, bugtraq, md5, secunia, arachNIDS)",
			      sys_len > SP_SHOW ? SP_SHOW : (int)sys_len, v);
	rc = sp_join(&ctx->r->reference, o->val, o->val_len);
	if (rc == 0)
		rc = sp_json_array_add(&ctx->r->eve_references, g_sp_refsys[i].url, id, id_len);
	if (rc == 0 && strlen(ctx->r->eve_references) + 1 > WEIR_EVENT_RULE_JSON_MAX)
		return sp_err(ctx, o->val, o->kw,
			      "reference: the rule's references pass %d bytes of EVE JSON",
			      WEIR_EVENT_RULE_JSON_MAX);
	return rc;
}

/* One metadata entry "key value" of the rule's joined metadata text. */
struct sp_md {
	const char *key, *val;
	unsigned int rank; /* position in Suricata's list: the last one first */
};

static int
sp_md_cmp(const void *a, const void *b)
{
	const struct sp_md *x = a, *y = b;
	int c = strcasecmp(x->key, y->key);

	if (c != 0)
		return c;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/*
 * EVE alert.metadata from the rule's metadata keywords, as Suricata builds
 * it (detect-metadata.c): entries split at ',', leading blanks skipped,
 * the key up to the first space and the value after it (its own leading
 * blanks skipped); an entry without a space or with an empty key or value
 * is left out. The entries, newest first as Suricata lists them, are
 * sorted by key without regard to case (glibc's qsort keeps equal keys in
 * list order), and each key becomes one array of its values, spelled as
 * its first entry in that order. Sets r->eve_metadata, NULL when no entry
 * is left.
 */
static int
sp_eve_metadata(struct sp_ctx *ctx)
{
	struct weir_suri_rule *r = ctx->r;
	struct sp_md *md = NULL;
	char *copy, *tok, *save = NULL, *out = NULL;
	unsigned int n = 0, cap = 0, i, k;
	size_t len = 0, room;
	int rc = 0, w;

	if (r->metadata == NULL)
		return 0;
	copy = strdup(r->metadata);
	if (copy == NULL)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		char *val;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		val = strchr(tok, ' ');
		if (val == NULL)
			continue;
		*val++ = '\0';
		while (*val == ' ' || *val == '\t')
			val++;
		if (*tok == '\0' || *val == '\0')
			continue;
		md = weir_grow(md, &cap, n + 1, sizeof(*md), 8);
		if (md == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		md[n].key = tok;
		md[n].val = val;
		n++;
	}
	if (n == 0)
		goto out;
	for (i = 0; i < n; i++)
		md[i].rank = n - 1 - i;
	qsort(md, n, sizeof(*md), sp_md_cmp);
	room = 3;
	for (i = 0; i < n; i++)
		room += weir_json_str_max(strlen(md[i].key)) +
			weir_json_str_max(strlen(md[i].val)) + 4;
	out = malloc(room);
	if (out == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	out[len++] = '{';
	for (i = 0; i < n; i = k) {
		if (i > 0)
			out[len++] = ',';
		w = weir_json_str(md[i].key, strlen(md[i].key), out + len, room - len);
		if (w < 0)
			goto err_space;
		len += (size_t)w;
		out[len++] = ':';
		out[len++] = '[';
		for (k = i; k < n && strcasecmp(md[k].key, md[i].key) == 0; k++) {
			if (k > i)
				out[len++] = ',';
			w = weir_json_str(md[k].val, strlen(md[k].val), out + len, room - len);
			if (w < 0)
				goto err_space;
			len += (size_t)w;
		}
		out[len++] = ']';
	}
	out[len++] = '}';
	out[len] = '\0';
	if (len > WEIR_EVENT_RULE_JSON_MAX) {
		rc = sp_err(
			ctx, ctx->meta_pos, "metadata",
			"metadata: the rule's metadata is %zu bytes of EVE JSON, weir writes at "
			"most %d",
			len, WEIR_EVENT_RULE_JSON_MAX);
		goto out;
	}
	r->eve_metadata = out;
	out = NULL;
	goto out;

err_space:
	rc = -ENOSPC; /* room was counted above: cannot happen */
out:
	free(out);
	free(md);
	free(copy);
	return rc;
}

/* ---- keywords: payload ----------------------------------------------- */

/* "!" and blanks before a quoted value: content:!"x", pcre: ! "/x/". */
static const char *
sp_negation(const char *s, size_t *len, bool *neg)
{
	*neg = false;
	if (*len > 0 && s[0] == '!') {
		*neg = true;
		s++;
		(*len)--;
		sp_trim(&s, len);
	}
	return s;
}

static int
sp_kw_content(struct sp_ctx *ctx, const struct sp_opt *o)
{
	struct weir_item *it = NULL;
	const char *s, *in;
	size_t len = o->val_len, in_len;
	bool neg;
	int rc;

	s = sp_negation(o->val, &len, &neg);
	rc = sp_unquote(ctx, o, s, len, &in, &in_len);
	if (rc < 0)
		return rc;
	it = sp_item_add(ctx, WEIR_ITEM_CONTENT, o->name);
	if (it == NULL)
		return -ENOMEM;
	it->negated = neg;
	ctx->last_content = (int)(ctx->r->n_items - 1);
	return sp_content_decode(ctx, o, in, in_len, it);
}

static int
sp_kw_nocase(struct sp_ctx *ctx, const struct sp_opt *o)
{
	struct weir_item *it = NULL;
	int rc = sp_last_content(ctx, o, &it);

	if (rc < 0)
		return rc;
	if (it->nocase)
		return sp_err(ctx, o->name, o->kw, "duplicate 'nocase' for one content");
	it->nocase = true;
	return 0;
}

static int
sp_kw_rawbytes(struct sp_ctx *ctx, const struct sp_opt *o)
{
	struct weir_item *it = NULL;

	/* Snort's "ignore decoded buffers"; weir only has the raw payload.
	 * Suricata refuses it in a sticky buffer (detect-rawbytes.c). */
	if (ctx->buf != WEIR_BUF_PAYLOAD)
		return sp_payload_only(ctx, o);
	return sp_last_content(ctx, o, &it);
}

static int
sp_kw_fast_pattern(struct sp_ctx *ctx, const struct sp_opt *o)
{
	struct weir_item *it = NULL;
	int rc = sp_last_content(ctx, o, &it);

	if (rc < 0)
		return rc;
	if (it->fast_pattern)
		return sp_err(ctx, o->name, o->kw, "duplicate 'fast_pattern' for one content");
	if (ctx->fp_pos != NULL)
		return sp_err(ctx, o->name, o->kw,
			      "fast_pattern can be used on only one content in a rule");
	/* DetectFastPatternSetup's refusals: a negated content bound by a
	 * modifier cannot be the fast pattern; fast_pattern:only takes no
	 * negation and no modifier at all. */
	if (it->negated && (it->has_distance || it->has_within || it->has_offset || it->has_depth))
		return sp_err(ctx, o->name, o->kw,
			      "fast_pattern; cannot be used with negated content, along with "
			      "relative modifiers");
	if (o->val != NULL && sp_eq(o->val, o->val_len, "only")) {
		if (it->negated || it->has_distance || it->has_within || it->has_offset ||
		    it->has_depth || it->startswith)
			return sp_err(ctx, o->name, o->kw,
				      "fast_pattern: only; cannot be used with negated content or "
				      "with any of the relative modifiers like distance, within, "
				      "offset, depth");
		it->fp_only = true;
	}
	if (o->val != NULL && !sp_eq(o->val, o->val_len, "only")) {
		const char *comma = memchr(o->val, ',', o->val_len);
		long long off, n;

		if (comma == NULL ||
		    sp_number(o->val, (size_t)(comma - o->val), 0, SP_OFFSET_MAX, &off) < 0 ||
		    sp_number(comma + 1, o->val_len - (size_t)(comma + 1 - o->val), 1,
			      SP_OFFSET_MAX, &n) < 0)
			return sp_err(ctx, o->val, o->kw,
				      "fast_pattern: expected nothing, 'only' or 'offset,length', "
				      "got '%.*s'",
				      o->val_len > SP_SHOW ? SP_SHOW : (int)o->val_len, o->val);
		if (off + n > (long long)it->len)
			return sp_err(ctx, o->val, o->kw,
				      "fast_pattern: %lld,%lld goes past the content's %u bytes",
				      off, n, it->len);
	}
	it->fast_pattern = true;
	ctx->fp_pos = o->name;
	return 0;
}

enum sp_mod {
	SP_MOD_OFFSET,
	SP_MOD_DEPTH,
	SP_MOD_DISTANCE,
	SP_MOD_WITHIN,
};

static bool *
sp_modifier_has(struct weir_item *it, enum sp_mod mod)
{
	switch (mod) {
	case SP_MOD_OFFSET:
		return &it->has_offset;
	case SP_MOD_DEPTH:
		return &it->has_depth;
	case SP_MOD_DISTANCE:
		return &it->has_distance;
	default:
		return &it->has_within;
	}
}

/* The content or pcre before @p it in its buffer (Suricata's
 * DetectGetLastSMByListPtr(pm->prev, CONTENT, PCRE)), or NULL. */
static const struct weir_item *
sp_prev_match(const struct sp_ctx *ctx, const struct weir_item *it)
{
	const struct weir_suri_rule *r = ctx->r;
	unsigned int i = (unsigned int)(it - r->items);

	while (i > 0) {
		const struct weir_item *p = &r->items[--i];

		if (p->buf == it->buf &&
		    (p->kind == WEIR_ITEM_CONTENT || p->kind == WEIR_ITEM_PCRE))
			return p;
	}
	return NULL;
}

/* What Suricata refuses whatever the value: a second one, or one content
 * anchored both ways (and, for startswith, what its documentation says
 * cannot be mixed with it). */
static int
sp_modifier_check(struct sp_ctx *ctx, const struct sp_opt *o, enum sp_mod mod,
		  const struct weir_item *it, const bool *has)
{
	bool absolute = mod == SP_MOD_OFFSET || mod == SP_MOD_DEPTH;

	if (it->startswith && mod == SP_MOD_DEPTH)
		return sp_err(ctx, o->name, o->kw,
			      "can't use multiple depth/startswith settings for the same content");
	if (it->startswith && mod == SP_MOD_OFFSET)
		return sp_err(ctx, o->name, o->kw, "can't mix offset with startswith");
	if (*has)
		return sp_err(ctx, o->name, o->kw, "duplicate '%s' for one content", o->kw);
	/* DetectOffsetSetup, DetectDepthSetup, DetectDistanceSetup and
	 * DetectWithinSetup refuse a modifier on a fast_pattern content that
	 * is negated or fast_pattern:only. */
	if (it->negated && it->fast_pattern)
		return sp_err(ctx, o->name, o->kw,
			      "can't have a relative negated keyword set along with a "
			      "fast_pattern");
	if (it->fp_only)
		return sp_err(ctx, o->name, o->kw,
			      "can't have a relative keyword set along with a fast_pattern:only;");
	if (!absolute) {
		const struct weir_item *prev = sp_prev_match(ctx, it);

		if (prev != NULL && prev->fp_only)
			return sp_err(ctx, o->name, o->kw,
				      "previous keyword has a fast_pattern:only; set. Can't have "
				      "relative keywords around a fast_pattern only content");
	}
	/* Suricata refuses to anchor one content both ways. */
	if (absolute && (it->has_distance || it->has_within))
		return sp_err(ctx, o->name, o->kw, "%s and %s cannot be used together", o->kw,
			      it->has_distance ? "distance" : "within");
	if (!absolute && (it->has_offset || it->has_depth))
		return sp_err(ctx, o->name, o->kw, "%s and %s cannot be used together",
			      it->startswith   ? "startswith"
			      : it->has_offset ? "offset"
					       : "depth",
			      o->kw);
	return 0;
}

/* offset:var and the others: the value of a byte_extract or byte_math
 * variable at match time (Suricata's DETECT_CONTENT_*_VAR). */
static int
sp_modifier_var(struct sp_ctx *ctx, const struct sp_opt *o, enum sp_mod mod, struct weir_item *it)
{
	bool *has = sp_modifier_has(it, mod);
	int slot, rc;

	rc = sp_modifier_check(ctx, o, mod, it, has);
	if (rc < 0)
		return rc;
	slot = weir_byte_var_find(ctx->r, it->buf, o->val, o->val_len);
	if (slot < 0)
		return sp_err(ctx, o->val, o->kw,
			      "%s: unknown variable '%.*s' (it must be the result of an earlier "
			      "byte_extract or byte_math)",
			      o->kw, o->val_len > SP_SHOW ? SP_SHOW : (int)o->val_len, o->val);
	*has = true;
	switch (mod) {
	case SP_MOD_OFFSET:
		it->offset_var = (uint8_t)(slot + 1);
		break;
	case SP_MOD_DEPTH:
		it->depth_var = (uint8_t)(slot + 1);
		break;
	case SP_MOD_DISTANCE:
		it->distance_var = (uint8_t)(slot + 1);
		break;
	default:
		it->within_var = (uint8_t)(slot + 1);
		break;
	}
	it->relative = it->has_distance || it->has_within;
	return 0;
}

/* offset, depth (absolute) and distance, within (relative). */
static int
sp_modifier(struct sp_ctx *ctx, const struct sp_opt *o, enum sp_mod mod)
{
	static const long long lo[] = {0, 0, -SP_RELATIVE_MAX, 0};
	static const long long hi[] = {SP_OFFSET_MAX, SP_DEPTH_MAX, SP_RELATIVE_MAX,
				       SP_RELATIVE_MAX};
	struct weir_item *it = NULL;
	bool *has;
	long long v;
	int rc;

	rc = sp_last_content(ctx, o, &it);
	if (rc < 0)
		return rc;
	if (o->val[0] != '-' && isalpha((unsigned char)o->val[0]))
		return sp_modifier_var(ctx, o, mod, it);
	rc = sp_number(o->val, o->val_len, lo[mod], hi[mod], &v);
	if (rc == -ERANGE && lo[mod] == 0 && memchr(o->val, '-', o->val_len) != NULL)
		return sp_err(ctx, o->val, o->kw, "%s must not be negative, got '%.*s'", o->kw,
			      o->val_len > SP_SHOW ? SP_SHOW : (int)o->val_len, o->val);
	if (rc == -ERANGE)
		return sp_err(ctx, o->val, o->kw, "%s %.*s is out of range (%lld to %lld)", o->kw,
			      o->val_len > SP_SHOW ? SP_SHOW : (int)o->val_len, o->val, lo[mod],
			      hi[mod]);
	if (rc < 0)
		return sp_err(ctx, o->val, o->kw,
			      "%s needs a number or a byte_extract/byte_math variable, got '%.*s'",
			      o->kw, o->val_len > SP_SHOW ? SP_SHOW : (int)o->val_len, o->val);
	has = sp_modifier_has(it, mod);
	rc = sp_modifier_check(ctx, o, mod, it, has);
	if (rc < 0)
		return rc;
	if ((mod == SP_MOD_DEPTH || mod == SP_MOD_WITHIN) && v < (long long)it->len)
		return sp_err(ctx, o->val, o->kw,
			      "%s %lld is smaller than the content length %u (it can never match)",
			      o->kw, v, it->len);
	*has = true;
	switch (mod) {
	case SP_MOD_OFFSET:
		it->offset = (int32_t)v;
		break;
	case SP_MOD_DEPTH:
		it->depth = (int32_t)v;
		break;
	case SP_MOD_DISTANCE:
		it->distance = (int32_t)v;
		break;
	default:
		it->within = (int32_t)v;
		break;
	}
	it->relative = it->has_distance || it->has_within;
	return 0;
}

static int
sp_kw_offset(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_modifier(ctx, o, SP_MOD_OFFSET);
}

static int
sp_kw_depth(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_modifier(ctx, o, SP_MOD_DEPTH);
}

static int
sp_kw_distance(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_modifier(ctx, o, SP_MOD_DISTANCE);
}

static int
sp_kw_within(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_modifier(ctx, o, SP_MOD_WITHIN);
}

/* Why a pcre flag letter of Suricata's is refused. */
static const char *
sp_pcre_flag_reason(char f)
{
	switch (f) {
	case 'U':
	case 'I':
	case 'P':
	case 'Q':
	case 'H':
	case 'D':
	case 'M':
	case 'C':
	case 'S':
	case 'Y':
	case 'V':
	case 'W':
	case 'Z':
		return "http buffer";
	case 'A':
		return "anchored";
	case 'E':
		return "dollar-endonly";
	case 'G':
		return "ungreedy";
	case 'O':
		return "match-limit override";
	default:
		return NULL;
	}
}

static int
sp_kw_pcre(struct sp_ctx *ctx, const struct sp_opt *o)
{
	const char *s, *in, *last, *f;
	struct weir_item *it = NULL;
	size_t len = o->val_len, in_len;
	uint32_t flags = 0;
	bool neg, rel = false;
	int rc;

	s = sp_negation(o->val, &len, &neg);
	rc = sp_unquote(ctx, o, s, len, &in, &in_len);
	if (rc < 0)
		return rc;
	last = in_len > 0 ? in + in_len - 1 : in;
	while (last > in && *last != '/')
		last--;
	if (in_len < 2 || in[0] != '/' || last == in)
		return sp_err(ctx, in, o->kw, "pcre needs \"/pattern/flags\", got '%.*s'",
			      in_len > SP_SHOW ? SP_SHOW : (int)in_len, in);
	if (last == in + 1)
		return sp_err(ctx, in, o->kw, "pcre: empty pattern");
	for (f = last + 1; f < in + in_len; f++) {
		const char *why;

		switch (*f) {
		case 'i':
			flags |= WEIR_PCRE_I;
			continue;
		case 's':
			flags |= WEIR_PCRE_S;
			continue;
		case 'm':
			flags |= WEIR_PCRE_M;
			continue;
		case 'x':
			flags |= WEIR_PCRE_X;
			continue;
		case 'R':
			rel = true;
			continue;
		case 'B':
			/* rawbytes: Suricata accepts it for compatibility and
			 * ignores it; the packet payload is raw already */
			continue;
		default:
			break;
		}
		why = sp_pcre_flag_reason(*f);
		if (why != NULL)
			return sp_err(ctx, f, o->kw, "pcre flag '%c' (%s) is not supported", *f,
				      why);
		if (isprint((unsigned char)*f))
			return sp_err(ctx, f, o->kw, "unknown pcre flag '%c'", *f);
		return sp_err(ctx, f, o->kw, "unknown pcre flag byte 0x%02x",
			      (unsigned int)(unsigned char)*f);
	}
	it = sp_item_add(ctx, WEIR_ITEM_PCRE, o->name);
	if (it == NULL)
		return -ENOMEM;
	it->negated = neg;
	it->relative = rel;
	it->pcre_flags = flags;
	it->pcre = strndup(in + 1, (size_t)(last - in - 1));
	return it->pcre != NULL ? 0 : -ENOMEM;
}

/*
 * dsize (detect-dsize.c): Suricata's u16 condition on the payload size
 * (detect_parse_uint, the forms of weir_uint_parse()), once per rule.
 */
static int
sp_kw_dsize(struct sp_ctx *ctx, const struct sp_opt *o)
{
	struct sp_ucur u = {.p = o->val, .end = o->val + o->val_len};
	int rc;

	rc = sp_once(ctx, o, SP_ONCE_DSIZE);
	if (rc < 0)
		return rc;
	if (!sp_uint_parse(&u, SP_DSIZE_MAX, &ctx->r->dsize))
		return sp_err(ctx, u.err_at != NULL ? u.err_at : o->val, o->kw,
			      "dsize: %s in '%.*s' (expected %s, numbers 0..%d)", u.why,
			      o->val_len > SP_SHOW ? SP_SHOW : (int)o->val_len, o->val,
			      SP_UINT_FORMS, SP_DSIZE_MAX);
	ctx->r->has_dsize = true;
	return 0;
}

/* The header keywords of rules_parse_hdr.c (ttl, flags, itype, ...). */
static int
sp_kw_hdr(struct sp_ctx *ctx, const struct sp_opt *o)
{
	struct weir_hdr_perr e;
	int rc;

	rc = weir_hdr_kw_parse(ctx->r, o->kw, o->val, o->val != NULL ? o->val_len : 0,
			       (unsigned int)(o->name - ctx->text) + 1, &e);
	if (rc == -EINVAL)
		return sp_err(ctx, e.at != NULL ? e.at : o->name, o->kw, "%s", e.msg);
	return rc;
}

/*
 * threshold:"type T, track K, count N, seconds N" in any order, and
 * detection_filter, the same without type (doc rules/thresholding.rst):
 * K is by_src, by_dst, by_both, by_rule or by_flow; type backoff takes
 * "multiplier M" instead of seconds and only track by_flow.
 */
static int
sp_thresh(struct sp_ctx *ctx, const struct sp_opt *o, bool detection, struct weir_thresh_spec *ts)
{
	static const char *const parts[] = {"type", "track", "count", "seconds", "multiplier"};
	const char *p = o->val, *end = o->val + o->val_len;
	unsigned int seen = 0, need, i;

	memset(ts, 0, sizeof(*ts));
	if (detection)
		ts->type = WEIR_THRESH_DETECTION;
	while (p <= end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *part_end = comma != NULL ? comma : end;
		const char *key = p, *val;
		size_t key_len, val_len, plen = (size_t)(part_end - p);
		long long v;

		sp_trim(&key, &plen);
		p = part_end + 1;
		if (plen == 0)
			return sp_err(ctx, key, o->kw, "%s: empty part between ','", o->kw);
		for (key_len = 0; key_len < plen && !sp_is_space(key[key_len]); key_len++)
			;
		val = key + key_len;
		val_len = plen - key_len;
		sp_trim(&val, &val_len);
		for (i = 0; i < SP_ARRAY_SIZE(parts); i++)
			if (sp_eq(key, key_len, parts[i]))
				break;
		if (detection && sp_eq(key, key_len, "unique_on"))
			return sp_err(ctx, key, o->kw, "%s: 'unique_on' is not supported yet",
				      o->kw);
		if (i == SP_ARRAY_SIZE(parts) || (detection && (i == 0 || i == 4)))
			return sp_err(ctx, key, o->kw, "%s: unknown part '%.*s' (expected %s)",
				      o->kw, key_len > SP_SHOW ? SP_SHOW : (int)key_len, key,
				      detection ? "track, count and seconds"
						: "type, track, count, seconds or multiplier");
		if (seen & (1u << i))
			return sp_err(ctx, key, o->kw, "%s: duplicate '%s'", o->kw, parts[i]);
		seen |= 1u << i;
		if (val_len == 0)
			return sp_err(ctx, key, o->kw, "%s: '%s' needs a value", o->kw, parts[i]);
		switch (i) {
		case 0:
			if (sp_eq(val, val_len, "limit"))
				ts->type = WEIR_THRESH_LIMIT;
			else if (sp_eq(val, val_len, "threshold"))
				ts->type = WEIR_THRESH_THRESHOLD;
			else if (sp_eq(val, val_len, "both"))
				ts->type = WEIR_THRESH_BOTH;
			else if (sp_eq(val, val_len, "backoff"))
				ts->type = WEIR_THRESH_BACKOFF;
			else
				return sp_err(ctx, val, o->kw,
					      "%s: type '%.*s' is not supported (expected limit, "
					      "threshold, both or backoff)",
					      o->kw, val_len > SP_SHOW ? SP_SHOW : (int)val_len,
					      val);
			break;
		case 1:
			if (sp_eq(val, val_len, "by_src"))
				ts->by_dst = false;
			else if (sp_eq(val, val_len, "by_dst"))
				ts->by_dst = true;
			else if (sp_eq(val, val_len, "by_flow"))
				ts->by_flow = true;
			else if (sp_eq(val, val_len, "by_rule"))
				ts->by_rule = true;
			else if (sp_eq(val, val_len, "by_both"))
				ts->by_both = true;
			else
				return sp_err(ctx, val, o->kw,
					      "%s: track '%.*s' is not supported (expected by_src, "
					      "by_dst, by_both, by_rule or by_flow)",
					      o->kw, val_len > SP_SHOW ? SP_SHOW : (int)val_len,
					      val);
			break;
		default:
			if (sp_number(val, val_len, 1, UINT32_MAX, &v) < 0 ||
			    !isdigit((unsigned char)val[0]))
				return sp_err(ctx, val, o->kw,
					      "%s: %s must be a number from 1 to %u, got '%.*s'",
					      o->kw, parts[i], UINT32_MAX,
					      val_len > SP_SHOW ? SP_SHOW : (int)val_len, val);
			if (i == 2)
				ts->count = (uint32_t)v;
			else if (i == 3)
				ts->seconds = (uint32_t)v;
			else
				ts->multiplier = (uint32_t)v;
			break;
		}
		if (comma == NULL)
			break;
	}
	if (ts->type == WEIR_THRESH_BACKOFF) {
		if (seen & (1u << 3))
			return sp_err(ctx, o->val, o->kw,
				      "%s: type backoff takes 'multiplier', not 'seconds'", o->kw);
		if ((seen & (1u << 1)) && !ts->by_flow)
			return sp_err(ctx, o->val, o->kw,
				      "%s: type backoff is only supported with track by_flow",
				      o->kw);
		need = 0x17u;
	} else {
		if (seen & (1u << 4))
			return sp_err(ctx, o->val, o->kw,
				      "%s: 'multiplier' is only valid with type backoff", o->kw);
		need = detection ? 0xeu : 0xfu;
	}
	for (i = 0; i < SP_ARRAY_SIZE(parts); i++)
		if ((need & (1u << i)) && !(seen & (1u << i)))
			return sp_err(ctx, o->val, o->kw, "%s: missing '%s'", o->kw, parts[i]);
	return 0;
}

static int
sp_kw_threshold(struct sp_ctx *ctx, const struct sp_opt *o)
{
	if (ctx->wp.thresh_at == NULL)
		ctx->wp.thresh_at = o->name;
	int rc = sp_once(ctx, o, SP_ONCE_THRESHOLD);

	if (rc == 0 && (ctx->once & SP_ONCE_DETECTION))
		return sp_err(ctx, o->name, o->kw,
			      "threshold and detection_filter cannot be used in one rule");
	return rc < 0 ? rc : sp_thresh(ctx, o, false, &ctx->r->threshold);
}

static int
sp_kw_detection_filter(struct sp_ctx *ctx, const struct sp_opt *o)
{
	if (ctx->wp.thresh_at == NULL)
		ctx->wp.thresh_at = o->name;
	int rc = sp_once(ctx, o, SP_ONCE_DETECTION);

	if (rc == 0 && (ctx->once & SP_ONCE_THRESHOLD))
		return sp_err(ctx, o->name, o->kw,
			      "threshold and detection_filter cannot be used in one rule");
	return rc < 0 ? rc : sp_thresh(ctx, o, true, &ctx->r->detection_filter);
}

/* ---- keywords: flow, flowbits, flowint -------------------------------- */

/* flow: options by name (detect-flow.c, DetectFlowParse); the
 * conflicts are Suricata's, checked in the order it checks them. */
static const struct {
	const char *name;
	enum weir_flow_opt bit;
	unsigned int conflicts; /* options that may not come before it */
} sp_flow_opts[] = {
	{"established", WEIR_FLOW_ESTABLISHED, WEIR_FLOW_STATELESS},
	{"not_established", WEIR_FLOW_NOT_ESTABLISHED, WEIR_FLOW_ESTABLISHED},
	{"stateless", WEIR_FLOW_STATELESS, WEIR_FLOW_ESTABLISHED},
	{"to_client", WEIR_FLOW_TOCLIENT, WEIR_FLOW_TOSERVER},
	{"from_server", WEIR_FLOW_TOCLIENT, WEIR_FLOW_TOSERVER},
	{"to_server", WEIR_FLOW_TOSERVER, WEIR_FLOW_TOCLIENT},
	{"from_client", WEIR_FLOW_TOSERVER, WEIR_FLOW_TOCLIENT},
	{"no_stream", WEIR_FLOW_NO_STREAM, 0},
	{"no_frag", WEIR_FLOW_NO_FRAG, WEIR_FLOW_ONLY_FRAG},
	{"only_frag", WEIR_FLOW_ONLY_FRAG, WEIR_FLOW_NO_FRAG},
};

static const char *
sp_flow_name(unsigned int bit)
{
	size_t i;

	for (i = 0; i < SP_ARRAY_SIZE(sp_flow_opts); i++)
		if (sp_flow_opts[i].bit == bit)
			return sp_flow_opts[i].name;
	return "?";
}

/*
 * flow: one to three options separated by ',' (Suricata's parse regex
 * takes at most three). The matching is rules_compile_flow.c's: a
 * direction alone only selects packets by their flow direction, any
 * other option also needs the packet to have a flow.
 */
static int
sp_kw_flow(struct sp_ctx *ctx, const struct sp_opt *o)
{
	const char *p = o->val, *end = o->val + o->val_len;
	unsigned int flags = 0, n = 0;
	size_t i;

	if (ctx->once & SP_ONCE_FLOW)
		return sp_err(ctx, o->name, o->kw, "flow: a rule may have only one flow option");
	ctx->once |= SP_ONCE_FLOW;
	while (p <= end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *w = p;
		size_t len = (size_t)((comma != NULL ? comma : end) - p);

		sp_trim(&w, &len);
		if (len == 0)
			return sp_err(ctx, comma != NULL ? comma : w, o->kw,
				      "flow: empty option (expected to_server, to_client, "
				      "established, not_established, stateless, no_stream, "
				      "no_frag or only_frag)");
		if (++n > 3)
			return sp_err(ctx, w, o->kw,
				      "flow: at most 3 options (Suricata's limit), got '%.*s'",
				      o->val_len > SP_SHOW ? SP_SHOW : (int)o->val_len, o->val);
		if (sp_caseeq(w, len, "only_stream")) {
			/* detect-flow.c: only_stream and no_stream conflict */
			if (ctx->r->stream_only && !ctx->r->tcp_stream)
				return sp_err(ctx, w, o->kw, "flow: '%.*s' is already set",
					      (int)len, w);
			if (flags & WEIR_FLOW_NO_STREAM)
				return sp_err(
					ctx, w, o->kw,
					"flow: 'only_stream' cannot be used with 'no_stream'");
			if (!ctx->r->stream_only)
				sp_place(ctx, w, &ctx->r->stream_line, &ctx->r->stream_col);
			ctx->r->stream_only = true;
			if (comma == NULL)
				break;
			p = comma + 1;
			continue;
		}
		if (sp_caseeq(w, len, "no_stream") && ctx->r->stream_only)
			return sp_err(ctx, w, o->kw, "flow: 'no_stream' cannot be used with %s",
				      ctx->r->tcp_stream ? "protocol tcp-stream" : "'only_stream'");
		for (i = 0; i < SP_ARRAY_SIZE(sp_flow_opts); i++)
			if (sp_caseeq(w, len, sp_flow_opts[i].name))
				break;
		if (i == SP_ARRAY_SIZE(sp_flow_opts))
			return sp_err(ctx, w, o->kw, "flow: invalid flow option '%.*s'",
				      len > SP_SHOW ? SP_SHOW : (int)len, w);
		if (flags & sp_flow_opts[i].bit)
			return sp_err(ctx, w, o->kw, "flow: '%.*s' is already set", (int)len, w);
		if (flags & sp_flow_opts[i].conflicts)
			return sp_err(ctx, w, o->kw, "flow: '%.*s' cannot be used with '%s'",
				      (int)len, w, sp_flow_name(flags & sp_flow_opts[i].conflicts));
		flags |= sp_flow_opts[i].bit;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	ctx->r->has_flow = true;
	ctx->r->flow = (uint8_t)flags;
	return 0;
}

static struct weir_fvop *
sp_fv_add(struct sp_ctx *ctx, const struct sp_opt *o, unsigned int op, unsigned int n)
{
	struct weir_suri_rule *r = ctx->r;
	struct weir_fvop *v, *f;

	v = realloc(r->fv, (r->n_fv + 1) * sizeof(*v));
	if (v == NULL)
		return NULL;
	r->fv = v;
	f = &v[r->n_fv];
	memset(f, 0, sizeof(*f));
	f->names = calloc(n, sizeof(*f->names));
	f->idx = calloc(n, sizeof(*f->idx));
	if (f->names == NULL || f->idx == NULL) {
		free(f->names);
		free(f->idx);
		return NULL;
	}
	r->n_fv++; /* from here on weir_suri_rule_free() owns it */
	f->op = (uint8_t)op;
	f->n = (uint16_t)n;
	f->col = (unsigned int)(o->name - ctx->text) + 1;
	return f;
}

/* Suricata's limit of names in one '|' group (detect-flowbits.c). */
#define SP_FLOWBITS_OR_MAX 100
/* Suricata copies a flowbit name into 256 bytes. */
#define SP_FLOWBIT_NAME_MAX 255

/*
 * flowbits:<cmd>[,<name>] (detect-flowbits.c): set, unset, toggle, isset,
 * isnotset with a name, noalert without. A name is case-sensitive and has
 * no blanks; "a|b" (any of) is a group for isset and isnotset. '&' is no
 * grouping in Suricata: it is part of a name, as here.
 */
static int
sp_kw_flowbits(struct sp_ctx *ctx, const struct sp_opt *o)
{
	static const struct {
		const char *name;
		unsigned int op;
	} cmds[] = {
		{"isset", WEIR_FB_ISSET}, {"isnotset", WEIR_FB_ISNOTSET}, {"set", WEIR_FB_SET},
		{"unset", WEIR_FB_UNSET}, {"toggle", WEIR_FB_TOGGLE},
	};
	const char *p = o->val, *end = o->val + o->val_len, *cmd = p, *name, *q;
	size_t cmd_len, name_len, i;
	unsigned int n = 0, k;
	struct weir_fvop *f;

	while (p < end && *p >= 'a' && *p <= 'z')
		p++;
	cmd_len = (size_t)(p - cmd);
	if (cmd_len == 0 || (p < end && *p != ','))
		return sp_err(ctx, o->val, o->kw,
			      "flowbits: '%.*s' is not a valid setting for flowbits "
			      "(expected <command>[,<name>])",
			      o->val_len > SP_SHOW ? SP_SHOW : (int)o->val_len, o->val);
	name = p < end ? p + 1 : end;
	name_len = (size_t)(end - name);
	sp_trim(&name, &name_len);
	if (sp_eq(cmd, cmd_len, "noalert")) {
		if (name_len > 0)
			return sp_err(ctx, name, o->kw, "flowbits: noalert takes no name");
		ctx->r->noalert = true;
		return 0;
	}
	for (i = 0; i < SP_ARRAY_SIZE(cmds); i++)
		if (sp_eq(cmd, cmd_len, cmds[i].name))
			break;
	if (i == SP_ARRAY_SIZE(cmds))
		return sp_err(ctx, cmd, o->kw,
			      "flowbits: action '%.*s' is not supported (expected set, unset, "
			      "toggle, isset, isnotset or noalert)",
			      cmd_len > SP_SHOW ? SP_SHOW : (int)cmd_len, cmd);
	if (name_len == 0)
		return sp_err(ctx, o->val, o->kw, "flowbits: %s needs a flowbit name",
			      cmds[i].name);
	if (name_len > SP_FLOWBIT_NAME_MAX)
		return sp_err(ctx, name, o->kw, "flowbits: name longer than %d bytes",
			      SP_FLOWBIT_NAME_MAX);
	if (memchr(name, '|', name_len) != NULL && cmds[i].op != WEIR_FB_ISSET &&
	    cmds[i].op != WEIR_FB_ISNOTSET)
		return sp_err(ctx, name, o->kw,
			      "flowbits: '|' (any of) works only with isset and isnotset");
	/* count the names of the group: blanks around each are dropped,
	 * empty ones skipped, blanks inside refused */
	for (p = name; p <= name + name_len;) {
		const char *bar = memchr(p, '|', (size_t)(name + name_len - p));
		const char *t = p;
		size_t tl = (size_t)((bar != NULL ? bar : name + name_len) - p);

		sp_trim(&t, &tl);
		for (q = t; q < t + tl; q++)
			if (sp_is_space(*q))
				return sp_err(ctx, q, o->kw,
					      "flowbits: spaces are not allowed in flowbit names");
		if (tl > 0 && ++n > SP_FLOWBITS_OR_MAX)
			return sp_err(ctx, t, o->kw,
				      "flowbits: more than %d names in one '|' group",
				      SP_FLOWBITS_OR_MAX);
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	if (n == 0)
		return sp_err(ctx, name, o->kw, "flowbits: no valid flowbit name in '%.*s'",
			      (int)name_len, name);
	f = sp_fv_add(ctx, o, cmds[i].op, n);
	if (f == NULL)
		return -ENOMEM;
	for (k = 0, p = name; k < n;) {
		const char *bar = memchr(p, '|', (size_t)(name + name_len - p));
		const char *t = p;
		size_t tl = (size_t)((bar != NULL ? bar : name + name_len) - p);

		sp_trim(&t, &tl);
		if (tl > 0 && (f->names[k++] = strndup(t, tl)) == NULL)
			return -ENOMEM;
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	/* Suricata refuses a rule that checks one flowbit both ways (it can
	 * never match); its other odd pairs are only warnings. */
	if (n == 1 && (f->op == WEIR_FB_ISSET || f->op == WEIR_FB_ISNOTSET)) {
		unsigned int other = f->op == WEIR_FB_ISSET ? WEIR_FB_ISNOTSET : WEIR_FB_ISSET;

		for (k = 0; k + 1 < ctx->r->n_fv; k++) {
			const struct weir_fvop *g = &ctx->r->fv[k];

			if (g->op == other && g->n == 1 && strcmp(g->names[0], f->names[0]) == 0)
				return sp_err(ctx, o->name, o->kw,
					      "flowbits: isset and isnotset of '%s' in one rule "
					      "(it can never match)",
					      f->names[0]);
		}
	}
	return 0;
}

/* noalert: Suricata's keyword of its own for flowbits:noalert. */
static int
sp_kw_noalert(struct sp_ctx *ctx, const struct sp_opt *o)
{
	(void)o;
	ctx->r->noalert = true;
	return 0;
}

/* A flowint variable name: a letter, then one or more of letters, digits,
 * '_', '.', '/' (Suricata's parse regex). @return its length, 0 if none. */
static size_t
sp_flowint_name(const char *s, const char *end)
{
	const char *p = s;

	if (p >= end || !isalpha((unsigned char)*p))
		return 0;
	for (p++; p < end && (isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '/');
	     p++)
		;
	return p - s >= 2 ? (size_t)(p - s) : 0;
}

/*
 * flowint:<name>,<op>[,<value>] (detect-flowint.c): op = + - (actions),
 * == != < <= > >= isset notset isnotset (conditions); value a number
 * 0..4294967295 or another flowint's name (a letter, then letters,
 * digits or '_'). The ',' before the value is optional, as in Suricata.
 */
static int
sp_kw_flowint(struct sp_ctx *ctx, const struct sp_opt *o)
{
	static const struct {
		const char *name;
		unsigned int op;
	} ops[] = {
		/* longest first: "<=" before "<" */
		{"isnotset", WEIR_FI_NOTSET}, {"notset", WEIR_FI_NOTSET}, {"isset", WEIR_FI_ISSET},
		{"==", WEIR_FI_EQ},	      {"!=", WEIR_FI_NE},	  {"<=", WEIR_FI_LE},
		{">=", WEIR_FI_GE},	      {"<", WEIR_FI_LT},	  {">", WEIR_FI_GT},
		{"=", WEIR_FI_SET},	      {"+", WEIR_FI_ADD},	  {"-", WEIR_FI_SUB},
	};
	const char *p = o->val, *end = o->val + o->val_len, *var, *val;
	size_t var_len, val_len, i;
	struct weir_fvop *f;
	long long num = 0;
	bool is_var = false;

	var = p;
	var_len = sp_flowint_name(p, end);
	if (var_len == 0)
		return sp_err(ctx, p, o->kw,
			      "flowint: a variable name starts with a letter and has at least "
			      "2 characters (letters, digits, '_', '.', '/'), got '%.*s'",
			      o->val_len > SP_SHOW ? SP_SHOW : (int)o->val_len, o->val);
	p = sp_skip_space(var + var_len);
	if (p >= end || *p != ',')
		return sp_err(ctx, p < end ? p : var, o->kw,
			      "flowint: expected <name>,<operator>[,<value>], got '%.*s'",
			      o->val_len > SP_SHOW ? SP_SHOW : (int)o->val_len, o->val);
	p = sp_skip_space(p + 1);
	for (i = 0; i < SP_ARRAY_SIZE(ops); i++)
		if ((size_t)(end - p) >= strlen(ops[i].name) &&
		    strncmp(p, ops[i].name, strlen(ops[i].name)) == 0)
			break;
	if (i == SP_ARRAY_SIZE(ops))
		return sp_err(ctx, p, o->kw,
			      "flowint: unknown operator '%.*s' (expected = + - == != < <= > >= "
			      "isset notset isnotset)",
			      (int)strcspn(p, ",") > SP_SHOW ? SP_SHOW : (int)strcspn(p, ","), p);
	val = sp_skip_space(p + strlen(ops[i].name));
	if (val < end && *val == ',')
		val = sp_skip_space(val + 1);
	val_len = (size_t)(end - val);
	sp_trim(&val, &val_len);
	if (val_len > 0) {
		if (isdigit((unsigned char)val[0])) {
			if (val_len > 10 || sp_number(val, val_len, 0, UINT32_MAX, &num) < 0)
				return sp_err(ctx, val, o->kw,
					      "flowint: value must be a number from 0 to %u or a "
					      "flowint name, got '%.*s'",
					      UINT32_MAX,
					      val_len > SP_SHOW ? SP_SHOW : (int)val_len, val);
		} else {
			size_t k;

			if (val_len < 2 || !isalpha((unsigned char)val[0]))
				goto bad_value;
			for (k = 1; k < val_len; k++)
				if (!isalnum((unsigned char)val[k]) && val[k] != '_')
					goto bad_value;
			is_var = true;
		}
	} else if (ops[i].op != WEIR_FI_ISSET && ops[i].op != WEIR_FI_NOTSET) {
		return sp_err(ctx, o->val, o->kw, "flowint: operator '%s' needs a value",
			      ops[i].name);
	}
	/* isset/notset ignore a value, as Suricata does */
	if (ops[i].op == WEIR_FI_ISSET || ops[i].op == WEIR_FI_NOTSET)
		is_var = false;
	f = sp_fv_add(ctx, o, ops[i].op, is_var ? 2 : 1);
	if (f == NULL)
		return -ENOMEM;
	f->names[0] = strndup(var, var_len);
	if (f->names[0] == NULL)
		return -ENOMEM;
	if (is_var) {
		f->target_var = 1;
		f->names[1] = strndup(val, val_len);
		if (f->names[1] == NULL)
			return -ENOMEM;
	} else {
		f->value = (uint32_t)num;
	}
	return 0;

bad_value:
	return sp_err(ctx, val, o->kw,
		      "flowint: value must be a number from 0 to %u or a flowint name (a "
		      "letter, then letters, digits or '_'), got '%.*s'",
		      UINT32_MAX, val_len > SP_SHOW ? SP_SHOW : (int)val_len, val);
}

/* ---- keywords: stream_size, flow.age, flow.pkts, flow.bytes ----------- */

/*
 * Suricata's unsigned integer values and conditions (rust/src/detect/
 * uint.rs, detect_parse_uint): what flow.age (u32), flow.pkts (u32) and
 * flow.bytes (u64) accept. A cursor over [p, end) that records the first
 * problem (where, why) for the diagnostic.
 */

static void
sp_ucur_spaces(struct sp_ucur *u)
{
	while (u->p < u->end && *u->p == ' ')
		u->p++;
}

static bool
sp_ucur_tag(struct sp_ucur *u, const char *tag)
{
	size_t n = strlen(tag);

	if ((size_t)(u->end - u->p) < n || strncmp(u->p, tag, n) != 0)
		return false;
	u->p += n;
	return true;
}

static bool
sp_ucur_fail(struct sp_ucur *u, const char *at, const char *why)
{
	u->err_at = at;
	u->why = why;
	return false;
}

/*
 * A value: 0x<hex>, or decimal digits with an optional unit kb/kib (1024),
 * mb/mib, gb/gib (any case) that multiplies a value >= 1; at most @p max.
 */
static bool
sp_uint_value(struct sp_ucur *u, uint64_t max, uint64_t *out)
{
	static const struct {
		const char *name;
		uint64_t mul;
	} units[] = {
		{"kib", 1024ull},   {"kb", 1024ull},	    {"mib", 1048576ull},
		{"mb", 1048576ull}, {"gib", 1073741824ull}, {"gb", 1073741824ull},
	};
	const char *s = u->p;
	uint64_t v = 0;
	size_t i;

	if (u->end - s > 2 && s[0] == '0' && s[1] == 'x' && isxdigit((unsigned char)s[2])) {
		for (u->p = s + 2; u->p < u->end && isxdigit((unsigned char)*u->p); u->p++) {
			unsigned int d = (unsigned int)(isdigit((unsigned char)*u->p)
								? *u->p - '0'
								: (tolower((unsigned char)*u->p) -
								   'a') + 10);

			if (v > (max - d) / 16)
				return sp_ucur_fail(u, s, "number out of range");
			v = v * 16 + d;
		}
		*out = v;
		return true;
	}
	if (u->p >= u->end || !isdigit((unsigned char)*u->p))
		return sp_ucur_fail(u, u->p, "expected a number");
	for (; u->p < u->end && isdigit((unsigned char)*u->p); u->p++) {
		unsigned int d = (unsigned int)(*u->p - '0');

		if (v > (max - d) / 10)
			return sp_ucur_fail(u, s, "number out of range");
		v = v * 10 + d;
	}
	for (i = 0; i < SP_ARRAY_SIZE(units); i++) {
		size_t n = strlen(units[i].name);

		if ((size_t)(u->end - u->p) >= n && strncasecmp(u->p, units[i].name, n) == 0)
			break;
	}
	if (i < SP_ARRAY_SIZE(units)) {
		u->p += strlen(units[i].name);
		if (v >= 1) {
			if (max / units[i].mul < v)
				return sp_ucur_fail(u, s, "number out of range");
			v *= units[i].mul;
		}
	}
	*out = v;
	return true;
}

/* &MASK[ ][!]=[ ]VALUE */
static bool
sp_uint_bitmask(struct sp_ucur *u, uint64_t max, struct weir_uint_cond *c)
{
	const char *at;
	bool neg;

	sp_ucur_spaces(u);
	if (!sp_ucur_tag(u, "&"))
		return false;
	sp_ucur_spaces(u);
	if (!sp_uint_value(u, max, &c->a))
		return false;
	sp_ucur_spaces(u);
	neg = sp_ucur_tag(u, "!");
	if (!sp_ucur_tag(u, "="))
		return sp_ucur_fail(u, u->p, "expected '=' or '!=' after the mask");
	sp_ucur_spaces(u);
	at = u->p;
	if (!sp_uint_value(u, max, &c->b))
		return false;
	if ((c->b & c->a) != c->b)
		return sp_ucur_fail(u, at, "value has bits outside the mask (it can never match)");
	c->mode = neg ? WEIR_UINT_NEG_BITMASK : WEIR_UINT_BITMASK;
	return true;
}

/* [!]A[ ](-|<>)[ ]B with B > A + 1 */
static bool
sp_uint_interval(struct sp_ucur *u, uint64_t max, struct weir_uint_cond *c)
{
	const char *at;
	bool neg = sp_ucur_tag(u, "!");

	if (!sp_uint_value(u, max, &c->a))
		return false;
	sp_ucur_spaces(u);
	if (!sp_ucur_tag(u, "-") && !sp_ucur_tag(u, "<>"))
		return false;
	sp_ucur_spaces(u);
	at = u->p;
	if (!sp_uint_value(u, max, &c->b))
		return false;
	if (c->b <= c->a || c->b - c->a <= 1)
		return sp_ucur_fail(u, at,
				    "range A-B needs B above A + 1 (both bounds are excluded)");
	c->mode = neg ? WEIR_UINT_NEG_RANGE : WEIR_UINT_RANGE;
	return true;
}

/* The operators of Suricata's detect_parse_uint_mode, longest first. */
static const struct {
	const char *name;
	uint8_t mode;
} sp_uint_ops[] = {
	{">=", WEIR_UINT_GE}, {"<=", WEIR_UINT_LE}, {">", WEIR_UINT_GT}, {"<", WEIR_UINT_LT},
	{"!=", WEIR_UINT_NE}, {"!", WEIR_UINT_NE},  {"=", WEIR_UINT_EQ},
};

/* OP[ ]N, where OP is not '=' and the condition can match something */
static bool
sp_uint_symbol(struct sp_ucur *u, uint64_t max, struct weir_uint_cond *c)
{
	const char *at = u->p;
	size_t i;

	for (i = 0; i < SP_ARRAY_SIZE(sp_uint_ops); i++)
		if (sp_ucur_tag(u, sp_uint_ops[i].name))
			break;
	if (i == SP_ARRAY_SIZE(sp_uint_ops) || sp_uint_ops[i].mode == WEIR_UINT_EQ)
		return sp_ucur_fail(u, at, "expected a number or an operator");
	c->mode = sp_uint_ops[i].mode;
	sp_ucur_spaces(u);
	if (!sp_uint_value(u, max, &c->a))
		return false;
	if (((c->mode == WEIR_UINT_LT || c->mode == WEIR_UINT_GE) && c->a == 0) ||
	    ((c->mode == WEIR_UINT_GT || c->mode == WEIR_UINT_LE) && c->a == max))
		return sp_ucur_fail(u, at, "the condition always or never holds");
	return true;
}

/*
 * A whole condition as detect_parse_uint reads it: blanks, then the first
 * of bitmask, interval, [=]N, OP N that parses, then only blanks. The
 * alternatives are tried in that order from the same place, as nom's alt
 * does. @return true, or false with u->err_at and u->why set.
 */
static bool
sp_uint_parse(struct sp_ucur *u, uint64_t max, struct weir_uint_cond *c)
{
	const char *start;
	struct sp_ucur t;

	sp_ucur_spaces(u);
	start = u->p;
	memset(c, 0, sizeof(*c));
	t = *u;
	if (!sp_uint_bitmask(&t, max, c)) {
		if (start < t.end && *start == '&')
			goto fail;
		t = *u;
		if (!sp_uint_interval(&t, max, c)) {
			if (t.why != NULL && strstr(t.why, "range") != NULL)
				goto fail;
			t = *u;
			if (sp_ucur_tag(&t, "="))
				sp_ucur_spaces(&t);
			if (t.p < t.end && (isdigit((unsigned char)*t.p))) {
				if (!sp_uint_value(&t, max, &c->a))
					goto fail;
				c->mode = WEIR_UINT_EQ;
			} else {
				t = *u;
				if (!sp_uint_symbol(&t, max, c))
					goto fail;
			}
		}
	}
	sp_ucur_spaces(&t);
	if (t.p != t.end) {
		sp_ucur_fail(&t, t.p, "unexpected text after the condition");
		goto fail;
	}
	*u = t;
	return true;

fail:
	u->err_at = t.err_at != NULL ? t.err_at : t.p;
	u->why = t.why != NULL ? t.why : "bad condition";
	return false;
}

bool
weir_uint_parse(const char *p, const char *end, uint64_t max, struct weir_uint_cond *c,
		const char **err_at, const char **why)
{
	struct sp_ucur u = {.p = p, .end = end};

	if (sp_uint_parse(&u, max, c))
		return true;
	*err_at = u.err_at;
	*why = u.why;
	return false;
}

static int
sp_fnum_add(struct sp_ctx *ctx, uint8_t kind, uint8_t dir, const struct weir_uint_cond *c)
{
	struct weir_suri_rule *r = ctx->r;
	struct weir_fnum *v = realloc(r->fnum, (r->n_fnum + 1) * sizeof(*v));

	if (v == NULL)
		return -ENOMEM;
	r->fnum = v;
	v[r->n_fnum].kind = kind;
	v[r->n_fnum].dir = dir;
	v[r->n_fnum].c = *c;
	r->n_fnum++;
	return 0;
}

/* Parse [p, end) as a condition on a @p max-bounded counter for keyword
 * @p o, and add it to the rule. */
static int
sp_fnum_cond(struct sp_ctx *ctx, const struct sp_opt *o, const char *p, const char *end,
	     uint64_t max, uint8_t kind, uint8_t dir)
{
	struct sp_ucur u = {.p = p, .end = end};
	struct weir_uint_cond c;

	if (!sp_uint_parse(&u, max, &c))
		return sp_err(ctx, u.err_at != NULL ? u.err_at : p, o->kw,
			      "%s: %s in '%.*s' (expected %s, numbers 0..%llu)", o->kw, u.why,
			      (int)(end - p) > SP_SHOW ? SP_SHOW : (int)(end - p), p, SP_UINT_FORMS,
			      (unsigned long long)max);
	return sp_fnum_add(ctx, kind, dir, &c);
}

/* flow.age:<cond> (detect-flow-age.c): seconds, u32. */
static int
sp_kw_flow_age(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_fnum_cond(ctx, o, o->val, o->val + o->val_len, UINT32_MAX, WEIR_FNUM_AGE,
			    WEIR_FNUM_TOSERVER);
}

/*
 * flow.pkts:<dir>,<cond> and flow.bytes:<dir>,<cond> (detect-flow-pkts.c,
 * rust/src/detect/flow.rs): dir toserver, toclient, either, or both (in
 * the documentation, flow-keywords.rst); blanks and tabs around the ','.
 * The _toserver/_toclient keywords take the condition alone.
 */
static int
sp_fnum_dir_kw(struct sp_ctx *ctx, const struct sp_opt *o, uint8_t kind, uint64_t max)
{
	static const struct {
		const char *name;
		uint8_t dir;
	} dirs[] = {
		{"toserver", WEIR_FNUM_TOSERVER},
		{"toclient", WEIR_FNUM_TOCLIENT},
		{"either", WEIR_FNUM_EITHER},
		{"both", WEIR_FNUM_BOTH},
	};
	const char *p = o->val, *end = o->val + o->val_len, *w;
	size_t i, n;

	for (w = p; w < end && isalpha((unsigned char)*w); w++)
		;
	n = (size_t)(w - p);
	for (i = 0; i < SP_ARRAY_SIZE(dirs); i++)
		if (sp_eq(p, n, dirs[i].name))
			break;
	if (i == SP_ARRAY_SIZE(dirs))
		return sp_err(ctx, p, o->kw,
			      "%s: direction '%.*s' is not toserver, toclient, either or both "
			      "(expected <direction>,<condition>)",
			      o->kw, n > SP_SHOW ? SP_SHOW : (int)n, p);
	while (w < end && (*w == ' ' || *w == '\t'))
		w++;
	if (w >= end || *w != ',')
		return sp_err(ctx, w < end ? w : p, o->kw,
			      "%s: expected <direction>,<condition>, got '%.*s'", o->kw,
			      o->val_len > SP_SHOW ? SP_SHOW : (int)o->val_len, o->val);
	for (w++; w < end && (*w == ' ' || *w == '\t'); w++)
		;
	return sp_fnum_cond(ctx, o, w, end, max, kind, dirs[i].dir);
}

static int
sp_kw_flow_pkts(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_fnum_dir_kw(ctx, o, WEIR_FNUM_PKTS, UINT32_MAX);
}

static int
sp_kw_flow_bytes(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_fnum_dir_kw(ctx, o, WEIR_FNUM_BYTES, UINT64_MAX);
}

static int
sp_kw_flow_pkts_toserver(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_fnum_cond(ctx, o, o->val, o->val + o->val_len, UINT32_MAX, WEIR_FNUM_PKTS,
			    WEIR_FNUM_TOSERVER);
}

static int
sp_kw_flow_pkts_toclient(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_fnum_cond(ctx, o, o->val, o->val + o->val_len, UINT32_MAX, WEIR_FNUM_PKTS,
			    WEIR_FNUM_TOCLIENT);
}

static int
sp_kw_flow_bytes_toserver(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_fnum_cond(ctx, o, o->val, o->val + o->val_len, UINT64_MAX, WEIR_FNUM_BYTES,
			    WEIR_FNUM_TOSERVER);
}

static int
sp_kw_flow_bytes_toclient(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_fnum_cond(ctx, o, o->val, o->val + o->val_len, UINT64_MAX, WEIR_FNUM_BYTES,
			    WEIR_FNUM_TOCLIENT);
}

/* flow.elephant (detect-flow-elephant.c) needs the flow table to classify
 * elephant flows, which it does not yet. */
static int
sp_kw_flow_elephant(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_err(ctx, o->name, o->kw,
		      "flow.elephant is not supported yet (needs elephant flow detection)");
}

/*
 * stream_size:<side>,<op>,<n> (detect-stream_size.c, rust/src/detect/
 * stream_size.rs): side server, client, both or either (case matters);
 * op one of = != ! < <= > >=; n decimal digits, 0..4294967295. Blanks
 * around the parts. Unlike the uint keywords no range, unit or hex, and
 * no check that the condition can hold.
 */
static int
sp_kw_stream_size(struct sp_ctx *ctx, const struct sp_opt *o)
{
	static const struct {
		const char *name;
		uint8_t dir;
	} sides[] = {
		/* the client's stream is its data to the server */
		{"client", WEIR_FNUM_TOSERVER},
		{"server", WEIR_FNUM_TOCLIENT},
		{"either", WEIR_FNUM_EITHER},
		{"both", WEIR_FNUM_BOTH},
	};
	const char *p = o->val, *end = o->val + o->val_len, *w, *op;
	struct weir_uint_cond c;
	long long v;
	size_t i, k, n;

	memset(&c, 0, sizeof(c));
	for (w = p; w < end && isalpha((unsigned char)*w); w++)
		;
	n = (size_t)(w - p);
	for (i = 0; i < SP_ARRAY_SIZE(sides); i++)
		if (sp_eq(p, n, sides[i].name))
			break;
	if (i == SP_ARRAY_SIZE(sides))
		return sp_err(ctx, p, o->kw,
			      "stream_size: '%.*s' is not server, client, both or either "
			      "(expected <side>,<operator>,<number>)",
			      n > SP_SHOW ? SP_SHOW : (int)n, p);
	while (w < end && *w == ' ')
		w++;
	if (w >= end || *w != ',')
		goto bad_format;
	for (op = ++w; w < end && *w == ' ';)
		op = ++w;
	for (k = 0; k < SP_ARRAY_SIZE(sp_uint_ops); k++)
		if ((size_t)(end - op) >= strlen(sp_uint_ops[k].name) &&
		    strncmp(op, sp_uint_ops[k].name, strlen(sp_uint_ops[k].name)) == 0)
			break;
	if (k == SP_ARRAY_SIZE(sp_uint_ops))
		return sp_err(ctx, op, o->kw,
			      "stream_size: unknown operator '%.*s' (expected = != ! < <= > >=)",
			      (int)strcspn(op, ",;") > SP_SHOW ? SP_SHOW : (int)strcspn(op, ",;"),
			      op);
	c.mode = sp_uint_ops[k].mode;
	for (w = op + strlen(sp_uint_ops[k].name); w < end && *w == ' ';)
		w++;
	if (w >= end || *w != ',')
		goto bad_format;
	for (w++; w < end && *w == ' ';)
		w++;
	for (p = w; w < end && isdigit((unsigned char)*w); w++)
		;
	n = (size_t)(w - p);
	while (w < end && *w == ' ')
		w++;
	if (n == 0 || w != end || n > 10 || sp_number(p, n, 0, UINT32_MAX, &v) < 0)
		return sp_err(ctx, p, o->kw,
			      "stream_size: size must be a number from 0 to %u, got '%.*s'",
			      UINT32_MAX, (int)(end - p) > SP_SHOW ? SP_SHOW : (int)(end - p), p);
	c.a = (uint64_t)v;
	return sp_fnum_add(ctx, WEIR_FNUM_STREAM_SIZE, sides[i].dir, &c);

bad_format:
	return sp_err(ctx, w < end ? w : o->val, o->kw,
		      "stream_size: expected <server|client|both|either>,<operator>,<number>, "
		      "got '%.*s'",
		      o->val_len > SP_SHOW ? SP_SHOW : (int)o->val_len, o->val);
}

/* ---- keywords: byte_*, isdataat, startswith, endswith ------------------ */

/* byte_test, byte_jump, byte_extract, byte_math and isdataat: the value
 * is read by rules_parse_byte.c. */
static int
sp_byte_kw(struct sp_ctx *ctx, const struct sp_opt *o, enum weir_item_kind kind)
{
	struct weir_byte_err e;
	struct weir_item tmp, *it;
	unsigned int col;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	tmp.buf = ctx->buf;
	rc = weir_parse_byte(kind, o->val, o->val_len, ctx->r, &tmp, &e);
	if (rc < 0) {
		free(tmp.bop.name);
		return rc == -EINVAL ? sp_err(ctx, o->val + e.off, o->kw, "%s", e.msg) : rc;
	}
	/*
	 * isdataat:!1,relative right after a content is how Suricata spells
	 * endswith (DetectIsdataatSetup's 'ends with' scenario): the content
	 * gets the flag and no isdataat is added. "After" is Suricata's
	 * previous payload keyword (content, pcre, byte_*, isdataat).
	 */
	if (kind == WEIR_ITEM_ISDATAAT && tmp.bop.neg && tmp.bop.relative &&
	    tmp.bop.offset_var == 0 && tmp.bop.value == 1) {
		unsigned int i = ctx->r->n_items;

		while (i > 0 && ctx->r->items[i - 1].kind == WEIR_ITEM_PAN)
			i--;
		if (i > 0 && ctx->r->items[i - 1].kind == WEIR_ITEM_CONTENT &&
		    ctx->r->items[i - 1].buf == ctx->buf) {
			ctx->r->items[i - 1].endswith = true;
			return 0;
		}
	}
	it = sp_item_add(ctx, kind, o->name);
	if (it == NULL) {
		free(tmp.bop.name);
		return -ENOMEM;
	}
	col = it->col;
	*it = tmp;
	it->col = col;
	return 0;
}

static int
sp_kw_byte_test(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_byte_kw(ctx, o, WEIR_ITEM_BYTE_TEST);
}

static int
sp_kw_byte_jump(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_byte_kw(ctx, o, WEIR_ITEM_BYTE_JUMP);
}

static int
sp_kw_byte_extract(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_byte_kw(ctx, o, WEIR_ITEM_BYTE_EXTRACT);
}

static int
sp_kw_byte_math(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_byte_kw(ctx, o, WEIR_ITEM_BYTE_MATH);
}

static int
sp_kw_isdataat(struct sp_ctx *ctx, const struct sp_opt *o)
{
	return sp_byte_kw(ctx, o, WEIR_ITEM_ISDATAAT);
}

/* startswith: depth = the content's length (detect-depth.c,
 * DetectStartsWithSetup, with its refusals). */
static int
sp_kw_startswith(struct sp_ctx *ctx, const struct sp_opt *o)
{
	struct weir_item *it = NULL;
	int rc = sp_last_content(ctx, o, &it);

	if (rc < 0)
		return rc;
	if (it->has_depth)
		return sp_err(ctx, o->name, o->kw,
			      "can't use multiple depth/startswith settings for the same content");
	if (it->has_distance || it->has_within)
		return sp_err(ctx, o->name, o->kw,
			      "startswith cannot be used with %s (a relative keyword) on the same "
			      "content",
			      it->has_distance ? "distance" : "within");
	if (it->negated && it->fast_pattern)
		return sp_err(ctx, o->name, o->kw,
			      "startswith cannot be used on a negated content with fast_pattern");
	if (it->has_offset)
		return sp_err(ctx, o->name, o->kw, "can't mix offset with startswith");
	it->has_depth = true;
	it->depth = (int32_t)it->len;
	it->startswith = true;
	return 0;
}

/* endswith: the match must end at the end of the payload
 * (DETECT_CONTENT_ENDS_WITH); Suricata takes it with any other modifier. */
static int
sp_kw_endswith(struct sp_ctx *ctx, const struct sp_opt *o)
{
	struct weir_item *it = NULL;
	int rc = sp_last_content(ctx, o, &it);

	if (rc < 0)
		return rc;
	it->endswith = true;
	return 0;
}

/* bsize and absent test a sticky buffer; Suricata refuses both on the
 * packet payload (DetectBsizeSetup, DetectAbsentSetup). */
static int
sp_kw_bsize(struct sp_ctx *ctx, const struct sp_opt *o)
{
	if (ctx->buf != WEIR_BUF_PAYLOAD)
		return sp_err(ctx, o->name, o->kw,
			      "%s on the %s sticky buffer is not supported yet", o->kw,
			      sp_buf_names[ctx->buf]);
	return sp_err(ctx, o->name, o->kw,
		      "%s needs a sticky buffer (such as http.uri); Suricata refuses it on the "
		      "packet payload",
		      o->kw);
}

/* ---- keywords: header sticky buffers, pkt_data ------------------------- */

/* A sticky buffer that got no match when the next one (or the rule's
 * end) comes: Suricata refuses the rule (detect-parse.c). */
static int
sp_buf_close(struct sp_ctx *ctx)
{
	if (ctx->buf != WEIR_BUF_PAYLOAD && ctx->buf_n == 0)
		return sp_err(ctx, ctx->buf_pos, sp_buf_names[ctx->buf],
			      "rule sets up buffer %s but didn't add matches to it",
			      sp_buf_names[ctx->buf]);
	return 0;
}

/* The IP version a buffer limits the rule to (Suricata's
 * DETECT_PROTO_IPV4/IPV6 flags), 0 for none. */
static uint8_t
sp_buf_ip_version(unsigned int buf)
{
	switch (buf) {
	case WEIR_BUF_IPV4_HDR:
	case WEIR_BUF_ICMPV4_HDR:
		return 4;
	case WEIR_BUF_IPV6_HDR:
	case WEIR_BUF_ICMPV6_HDR:
		return 6;
	default:
		return 0;
	}
}

/*
 * ipv4.hdr, ipv6.hdr, tcp.hdr, udp.hdr, icmpv4.hdr, icmpv6.hdr: the items
 * that follow inspect that header (DetectIpv4hdrSetup and its siblings:
 * tcp.hdr, udp.hdr and the icmp ones need a rule whose protocol contains
 * theirs; ipv4.hdr/icmpv4.hdr and ipv6.hdr/icmpv6.hdr limit the rule to
 * one IP version). pkt_data goes back to the payload.
 */
static int
sp_kw_sticky(struct sp_ctx *ctx, const struct sp_opt *o)
{
	struct weir_suri_rule *r = ctx->r;
	unsigned int buf;
	uint8_t v;
	int rc;

	for (buf = 0; buf < WEIR_BUF_N; buf++)
		if (sp_caseeq(o->name, o->name_len, sp_buf_names[buf]))
			break;
	rc = sp_buf_close(ctx);
	if (rc < 0)
		return rc;
	switch (buf) {
	case WEIR_BUF_TCP_HDR:
		if (r->proto != WEIR_RPROTO_TCP && r->proto != WEIR_RPROTO_IP)
			return sp_err(
				ctx, o->name, o->kw,
				"tcp.hdr needs a rule whose protocol contains tcp (tcp or ip)");
		break;
	case WEIR_BUF_UDP_HDR:
		if (r->proto != WEIR_RPROTO_UDP && r->proto != WEIR_RPROTO_IP)
			return sp_err(
				ctx, o->name, o->kw,
				"udp.hdr needs a rule whose protocol contains udp (udp or ip)");
		break;
	case WEIR_BUF_ICMPV4_HDR:
	case WEIR_BUF_ICMPV6_HDR:
		if (r->proto != WEIR_RPROTO_ICMP && r->proto != WEIR_RPROTO_IP)
			return sp_err(ctx, o->name, o->kw,
				      "%s needs a rule whose protocol contains icmp (icmp or ip)",
				      o->kw);
		break;
	default:
		break;
	}
	v = sp_buf_ip_version(buf);
	if (v != 0 && r->ip_only != 0 && r->ip_only != v)
		return sp_err(ctx, o->name, o->kw,
			      "%s limits the rule to IPv%u, an earlier buffer to IPv%u: it could "
			      "never match",
			      o->kw, v, r->ip_only);
	if (v != 0)
		r->ip_only = v;
	ctx->buf = (uint8_t)buf;
	ctx->buf_pos = o->name;
	ctx->buf_n = 0;
	ctx->last_content = -1; /* modifiers apply to this buffer's contents */
	return 0;
}

/* ---- keywords: meta (target, tag, xbits, asn1) ------------------------ */

/* target:src_ip|dest_ip (detect-target.c): which side is the target of
 * the attack, kept on the rule for EVE's alert.source/target. */
static int
sp_kw_target(struct sp_ctx *ctx, const struct sp_opt *o)
{
	uint8_t t;

	if (sp_eq(o->val, o->val_len, "src_ip"))
		t = 1;
	else if (sp_eq(o->val, o->val_len, "dest_ip"))
		t = 2;
	else
		return sp_err(ctx, o->val, o->kw,
			      "only 'src_ip' and 'dest_ip' are supported as target value");
	if (ctx->r->target != 0 && ctx->r->target != t)
		return sp_err(ctx, o->name, o->kw, "Conflicting values of target keyword");
	ctx->r->target = t;
	return 0;
}

/* decode-event, stream-event, engine-event (rules_parse_event.c): the
 * packet must carry the event; several keywords must all hold. */
static int
sp_kw_event(struct sp_ctx *ctx, const struct sp_opt *o)
{
	char err[200];
	int e = weir_event_parse(o->kw, o->val, o->val_len, err, sizeof(err));

	if (e < 0)
		return sp_err(ctx, o->val, o->kw, "%s", err);
	ctx->r->ev_mask |= WEIR_PEV_BIT(e);
	return 0;
}

/* Suricata keywords weir knows and refuses, each with its reason. */
static int
sp_kw_refused(struct sp_ctx *ctx, const struct sp_opt *o)
{
	static const struct {
		const char *name, *why;
	} why[] = {
		{"tag", "tag is not supported yet (it needs per-session/host tag state and "
			"logs the tagged packets that follow, which weir's outputs cannot do)"},
		{"xbits", "xbits is not supported yet (ip_pair/ip_src/ip_dst bits with expiry "
			  "need a host table weir does not have)"},
		{"hostbits", "hostbits is not supported yet (it needs a host table weir does "
			     "not have)"},
		{"asn1", "asn1 is not supported yet (it needs Suricata's ASN.1 BER decoder)"},
		{"flowvar", "flowvar is not supported yet (it needs pcre captures kept on the "
			    "flow)"},
		{"pktvar", "pktvar is not supported yet (it needs pcre captures)"},
		{"file_data", "file_data needs the app-layer (HTTP, SMTP, ...) file parsers"},
		{"app-layer-event", "app-layer-event needs the app-layer parsers"},
	};
	size_t i;

	for (i = 0; i < SP_ARRAY_SIZE(why); i++)
		if (sp_caseeq(o->name, o->name_len, why[i].name))
			return sp_err(ctx, o->name, o->kw, "%s", why[i].why);
	return sp_err(ctx, o->name, o->kw, "%s is not supported", o->kw);
}

/* ---- keywords: weir's own -------------------------------------------- */

static int
sp_kw_luhn(struct sp_ctx *ctx, const struct sp_opt *o)
{
	struct weir_item *it = NULL;

	if (ctx->r->n_items == 0 || (ctx->r->items[ctx->r->n_items - 1].kind != WEIR_ITEM_CONTENT &&
				     ctx->r->items[ctx->r->n_items - 1].kind != WEIR_ITEM_PCRE))
		return sp_err(ctx, o->name, o->kw, "luhn needs a preceding content or pcre");
	it = &ctx->r->items[ctx->r->n_items - 1];
	if (it->negated)
		return sp_err(ctx, o->name, o->kw,
			      "luhn cannot apply to a negated content or pcre (it has no match)");
	if (it->luhn)
		return sp_err(ctx, o->name, o->kw, "duplicate 'luhn' for one content or pcre");
	it->luhn = true;
	return 0;
}

static int
sp_kw_pan(struct sp_ctx *ctx, const struct sp_opt *o)
{
	if (ctx->buf != WEIR_BUF_PAYLOAD)
		return sp_payload_only(ctx, o);
	return sp_item_add(ctx, WEIR_ITEM_PAN, o->name) != NULL ? 0 : -ENOMEM;
}

/* field:NAME,EXTRACTOR,... (weir's, rules_parse_window.c) */
static int
sp_kw_field(struct sp_ctx *ctx, const struct sp_opt *o)
{
	struct weir_wperr e;
	int rc = weir_field_kw_parse(ctx->r, &ctx->wp, o->val, o->val_len, &e);

	if (rc == -EINVAL)
		return sp_err(ctx, e.at != NULL ? e.at : o->name, o->kw, "%s", e.msg);
	return rc;
}

/*
 * window: is two keywords. Suricata's (detect-window.c) takes the TCP
 * window size, "[!]N"; weir's window rule clause list starts with a
 * letter (key, length, count, ...). A value whose first byte is a digit
 * or '!' is Suricata's.
 */
static int
sp_kw_window(struct sp_ctx *ctx, const struct sp_opt *o)
{
	struct weir_wperr e;
	int rc;

	if (o->val[0] == '!' || (o->val[0] >= '0' && o->val[0] <= '9'))
		return sp_kw_hdr(ctx, o);
	if (ctx->wp.win_at != NULL)
		return sp_err(ctx, o->name, o->kw, "window: at most one window: per rule");
	ctx->wp.win_at = o->name;
	rc = weir_window_kw_parse(ctx->r, &ctx->wp, o->val, o->val_len, &e);
	if (rc == -EINVAL)
		return sp_err(ctx, e.at != NULL ? e.at : o->name, o->kw, "%s", e.msg);
	return rc;
}

/* Every keyword weir knows; any other is refused by name. */
static const struct sp_keyword sp_keywords[] = {
	{"msg", SP_VAL_REQ, sp_kw_msg},
	{"sid", SP_VAL_REQ, sp_kw_sid},
	{"rev", SP_VAL_REQ, sp_kw_rev},
	{"gid", SP_VAL_REQ, sp_kw_gid},
	{"classtype", SP_VAL_REQ, sp_kw_classtype},
	{"priority", SP_VAL_REQ, sp_kw_priority},
	{"metadata", SP_VAL_REQ, sp_kw_metadata},
	{"reference", SP_VAL_REQ, sp_kw_reference},
	{"content", SP_VAL_REQ, sp_kw_content},
	{"nocase", SP_VAL_NONE, sp_kw_nocase},
	{"offset", SP_VAL_REQ, sp_kw_offset},
	{"depth", SP_VAL_REQ, sp_kw_depth},
	{"distance", SP_VAL_REQ, sp_kw_distance},
	{"within", SP_VAL_REQ, sp_kw_within},
	{"fast_pattern", SP_VAL_OPT, sp_kw_fast_pattern},
	{"rawbytes", SP_VAL_NONE, sp_kw_rawbytes},
	{"pcre", SP_VAL_REQ, sp_kw_pcre},
	{"byte_test", SP_VAL_REQ, sp_kw_byte_test},
	{"byte_jump", SP_VAL_REQ, sp_kw_byte_jump},
	{"byte_extract", SP_VAL_REQ, sp_kw_byte_extract},
	{"byte_math", SP_VAL_REQ, sp_kw_byte_math},
	{"isdataat", SP_VAL_REQ, sp_kw_isdataat},
	{"startswith", SP_VAL_NONE, sp_kw_startswith},
	{"endswith", SP_VAL_NONE, sp_kw_endswith},
	{"bsize", SP_VAL_REQ, sp_kw_bsize},
	{"absent", SP_VAL_OPT, sp_kw_bsize},
	{"dsize", SP_VAL_REQ, sp_kw_dsize},
	{"flags", SP_VAL_REQ, sp_kw_hdr},
	{"tcp.flags", SP_VAL_REQ, sp_kw_hdr},
	{"itype", SP_VAL_REQ, sp_kw_hdr},
	{"icode", SP_VAL_REQ, sp_kw_hdr},
	{"icmp_id", SP_VAL_REQ, sp_kw_hdr},
	{"icmp_seq", SP_VAL_REQ, sp_kw_hdr},
	{"ttl", SP_VAL_REQ, sp_kw_hdr},
	{"tos", SP_VAL_REQ, sp_kw_hdr},
	{"id", SP_VAL_REQ, sp_kw_hdr},
	{"ip_proto", SP_VAL_REQ, sp_kw_hdr},
	{"sameip", SP_VAL_NONE, sp_kw_hdr},
	{"fragbits", SP_VAL_REQ, sp_kw_hdr},
	{"fragoffset", SP_VAL_REQ, sp_kw_hdr},
	{"ipopts", SP_VAL_REQ, sp_kw_hdr},
	{"seq", SP_VAL_REQ, sp_kw_hdr},
	{"tcp.seq", SP_VAL_REQ, sp_kw_hdr},
	{"ack", SP_VAL_REQ, sp_kw_hdr},
	{"tcp.ack", SP_VAL_REQ, sp_kw_hdr},
	{"window", SP_VAL_REQ, sp_kw_window},
	{"tcp.window", SP_VAL_REQ, sp_kw_hdr},
	{"tcp.mss", SP_VAL_REQ, sp_kw_hdr},
	{"icmpv6.mtu", SP_VAL_REQ, sp_kw_hdr},
	{"threshold", SP_VAL_REQ, sp_kw_threshold},
	{"detection_filter", SP_VAL_REQ, sp_kw_detection_filter},
	{"flow", SP_VAL_REQ, sp_kw_flow},
	{"flowbits", SP_VAL_REQ, sp_kw_flowbits},
	{"flowint", SP_VAL_REQ, sp_kw_flowint},
	{"noalert", SP_VAL_NONE, sp_kw_noalert},
	{"stream_size", SP_VAL_REQ, sp_kw_stream_size},
	{"flow.age", SP_VAL_REQ, sp_kw_flow_age},
	{"flow.pkts", SP_VAL_REQ, sp_kw_flow_pkts},
	{"flow.pkts_toserver", SP_VAL_REQ, sp_kw_flow_pkts_toserver},
	{"flow.pkts_toclient", SP_VAL_REQ, sp_kw_flow_pkts_toclient},
	{"flow.bytes", SP_VAL_REQ, sp_kw_flow_bytes},
	{"flow.bytes_toserver", SP_VAL_REQ, sp_kw_flow_bytes_toserver},
	{"flow.bytes_toclient", SP_VAL_REQ, sp_kw_flow_bytes_toclient},
	{"flow.elephant", SP_VAL_OPT, sp_kw_flow_elephant},
	{"vlan.id", SP_VAL_REQ, sp_kw_hdr},
	{"vlan.layers", SP_VAL_REQ, sp_kw_hdr},
	/* header sticky buffers, and back to the payload */
	{"ipv4.hdr", SP_VAL_NONE, sp_kw_sticky},
	{"ipv6.hdr", SP_VAL_NONE, sp_kw_sticky},
	{"tcp.hdr", SP_VAL_NONE, sp_kw_sticky},
	{"udp.hdr", SP_VAL_NONE, sp_kw_sticky},
	{"icmpv4.hdr", SP_VAL_NONE, sp_kw_sticky},
	{"icmpv6.hdr", SP_VAL_NONE, sp_kw_sticky},
	{"pkt_data", SP_VAL_NONE, sp_kw_sticky},
	{"target", SP_VAL_REQ, sp_kw_target},
	{"decode-event", SP_VAL_REQ, sp_kw_event},
	{"stream-event", SP_VAL_REQ, sp_kw_event},
	{"engine-event", SP_VAL_REQ, sp_kw_event},
	/* known, refused with a reason */
	{"tag", SP_VAL_OPT, sp_kw_refused},
	{"xbits", SP_VAL_OPT, sp_kw_refused},
	{"hostbits", SP_VAL_OPT, sp_kw_refused},
	{"asn1", SP_VAL_OPT, sp_kw_refused},
	{"flowvar", SP_VAL_OPT, sp_kw_refused},
	{"pktvar", SP_VAL_OPT, sp_kw_refused},
	{"file_data", SP_VAL_OPT, sp_kw_refused},
	{"app-layer-event", SP_VAL_OPT, sp_kw_refused},
	/* weir's fraud keywords (not Suricata's) */
	{"luhn", SP_VAL_NONE, sp_kw_luhn},
	{"pan", SP_VAL_NONE, sp_kw_pan},
	/* weir's stateful rule keywords (issue 18) */
	{"field", SP_VAL_REQ, sp_kw_field},
};

static const struct sp_keyword *
sp_keyword_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < SP_ARRAY_SIZE(sp_keywords); i++)
		if (sp_caseeq(name, len, sp_keywords[i].name))
			return &sp_keywords[i];
	return NULL;
}

/* ---- the header ------------------------------------------------------ */

/* Suricata's app-layer protocol names, refused with a reason of their own. */
static const char *const sp_app_protos[] = {
	"http", "http1",     "http2", "ftp",  "ftp-data", "smtp",     "tls",  "ssl",
	"ssh",	"dns",	     "doh2",  "smb",  "dcerpc",	  "dnp3",     "enip", "cip",
	"nfs",	"ikev2",     "ike",   "krb5", "ntp",	  "dhcp",     "snmp", "sip",
	"rfb",	"mqtt",	     "pgsql", "rdp",  "telnet",	  "modbus",   "quic", "bittorrent-dht",
	"ldap", "websocket", "imap",  "pop3", "tftp",	  "template",
};

enum sp_field {
	SP_F_ACTION,
	SP_F_PROTO,
	SP_F_SRC,
	SP_F_SPORT,
	SP_F_DIR,
	SP_F_DST,
	SP_F_DPORT,
	SP_F_N,
};

static const char *const sp_field_names[SP_F_N] = {
	"action", "protocol", "src", "sport", "direction", "dst", "dport",
};

static int
sp_addr_field(struct sp_ctx *ctx, enum sp_field f, const char *tok, size_t len)
{
	char err[160], *copy;
	unsigned int off = 0;
	int rc;

	copy = strndup(tok, len);
	if (copy == NULL)
		return -ENOMEM;
	err[0] = '\0';
	switch (f) {
	case SP_F_SRC:
		rc = weir_addrset_parse(copy, ctx->vars, &ctx->r->src, err, sizeof(err), &off);
		break;
	case SP_F_DST:
		rc = weir_addrset_parse(copy, ctx->vars, &ctx->r->dst, err, sizeof(err), &off);
		break;
	case SP_F_SPORT:
		rc = weir_portset_parse(copy, ctx->vars, &ctx->r->sport, err, sizeof(err), &off);
		break;
	default:
		rc = weir_portset_parse(copy, ctx->vars, &ctx->r->dport, err, sizeof(err), &off);
		break;
	}
	free(copy);
	if (rc == -ENOMEM || rc >= 0)
		return rc;
	if (off > len)
		off = (unsigned int)len;
	return sp_err(ctx, tok + off, sp_field_names[f], "%s: %s", sp_field_names[f],
		      err[0] != '\0' ? err : "invalid value");
}

static int
sp_header_field(struct sp_ctx *ctx, enum sp_field f, const char *tok, size_t len)
{
	struct weir_suri_rule *r = ctx->r;
	int show = len > SP_SHOW ? SP_SHOW : (int)len;
	size_t i;

	switch (f) {
	case SP_F_ACTION:
		if (sp_caseeq(tok, len, "alert"))
			r->action = WEIR_ACTION_ALERT;
		else if (sp_caseeq(tok, len, "pass"))
			r->action = WEIR_ACTION_PASS;
		else
			return sp_err(ctx, tok, "action", "unsupported action '%.*s'", show, tok);
		return 0;
	case SP_F_PROTO:
		/* pkthdr is ip in Suricata's parser (detect-engine-proto.c:
		 * both are DETECT_PROTO_ANY), meant for decoder-event rules */
		if (sp_caseeq(tok, len, "ip") || sp_caseeq(tok, len, "pkthdr"))
			r->proto = WEIR_RPROTO_IP;
		else if (sp_caseeq(tok, len, "tcp"))
			r->proto = WEIR_RPROTO_TCP;
		else if (sp_caseeq(tok, len, "udp"))
			r->proto = WEIR_RPROTO_UDP;
		else if (sp_caseeq(tok, len, "icmp"))
			r->proto = WEIR_RPROTO_ICMP;
		else if (sp_caseeq(tok, len, "tcp-pkt")) {
			/* a tcp rule that inspects packets, never the stream:
			 * what weir does for every tcp rule today */
			r->proto = WEIR_RPROTO_TCP;
			r->tcp_pkt = true;
		} else if (sp_caseeq(tok, len, "tcp-stream")) {
			/* a stream rule, as flow:only_stream makes one
			 * (detect-parse.c: DETECT_PROTO_ONLY_STREAM) */
			r->proto = WEIR_RPROTO_TCP;
			r->stream_only = true;
			r->tcp_stream = true;
			sp_place(ctx, tok, &r->stream_line, &r->stream_col);
		} else {
			for (i = 0; i < SP_ARRAY_SIZE(sp_app_protos); i++)
				if (sp_caseeq(tok, len, sp_app_protos[i]))
					return sp_err(
						ctx, tok, "protocol",
						"protocol '%.*s' is not supported (app-layer)",
						show, tok);
			return sp_err(ctx, tok, "protocol",
				      "protocol '%.*s' is not supported (expected ip, pkthdr, tcp, "
				      "tcp-pkt, tcp-stream, udp or icmp)",
				      show, tok);
		}
		return 0;
	case SP_F_DIR:
		if (sp_eq(tok, len, "->"))
			r->bidir = false;
		else if (sp_eq(tok, len, "<>"))
			r->bidir = true;
		else if (sp_eq(tok, len, "<-"))
			return sp_err(
				ctx, tok, "direction",
				"direction '<-' is not supported (write '->' and swap the sides)");
		else
			return sp_err(ctx, tok, "direction",
				      "bad direction '%.*s' (expected -> or <>)", show, tok);
		return 0;
	default:
		return sp_addr_field(ctx, f, tok, len);
	}
}

/*
 * The seven header fields. A field ends at a blank outside brackets, so
 * "[1.2.3.4, 5.6.7.8]" is one field; '(' outside brackets ends the last.
 */
static int
sp_header(struct sp_ctx *ctx, const char **pp)
{
	const char *p = *pp;
	unsigned int f;
	int rc;

	for (f = 0; f < SP_F_N; f++) {
		const char *tok, *open = NULL;
		unsigned int depth = 0;

		p = sp_skip_space(p);
		if (*p == '\0' || *p == '(')
			return sp_err(
				ctx, p, sp_field_names[f],
				"incomplete rule header: %s missing (expected action proto src "
				"sport -> dst dport (options))",
				sp_field_names[f]);
		tok = p;
		for (; *p != '\0'; p++) {
			if (*p == '[') {
				if (depth++ == 0)
					open = p;
			} else if (*p == ']') {
				if (depth > 0)
					depth--;
			} else if (depth == 0 && (sp_is_space(*p) || *p == '(')) {
				break;
			}
		}
		if (depth > 0)
			return sp_err(ctx, open, sp_field_names[f], "%s: '[' is never closed",
				      sp_field_names[f]);
		rc = sp_header_field(ctx, (enum sp_field)f, tok, (size_t)(p - tok));
		if (rc < 0)
			return rc;
	}
	p = sp_skip_space(p);
	if (*p == '\0')
		return sp_err(ctx, p, "", "missing '(' and the rule options after the header");
	if (*p != '(') {
		size_t n = strcspn(p, " \t(");

		return sp_err(ctx, p, "", "unexpected '%.*s' after the header (expected '(')",
			      n > SP_SHOW ? SP_SHOW : (int)n, p);
	}
	*pp = p + 1;
	return 0;
}

/* ---- the options ----------------------------------------------------- */

static int
sp_options(struct sp_ctx *ctx, const char *p)
{
	for (;;) {
		const struct sp_keyword *k;
		const char *v, *q;
		struct sp_opt o;
		int rc;

		p = sp_skip_space(p);
		if (*p == ')') {
			q = sp_skip_space(p + 1);
			if (*q != '\0')
				return sp_err(ctx, q, "", "unexpected text after the closing ')'");
			return sp_buf_close(ctx);
		}
		if (*p == '\0')
			return sp_err(ctx, p, "", "missing ')' at the end of the rule");
		memset(&o, 0, sizeof(o));
		o.name = p;
		while (*p != '\0' && !sp_is_space(*p) && *p != ':' && *p != ';' && *p != ')' &&
		       *p != '(')
			p++;
		o.name_len = (size_t)(p - o.name);
		if (o.name_len == 0)
			return sp_err(ctx, p, "", "unexpected '%c' where an option name should be",
				      *p);
		snprintf(o.kw, sizeof(o.kw), "%.*s", (int)o.name_len, o.name);
		k = sp_keyword_find(o.name, o.name_len);
		if (k == NULL)
			return sp_err(ctx, o.name, o.kw, "unknown or unsupported keyword '%.*s'",
				      o.name_len > SP_SHOW ? SP_SHOW : (int)o.name_len, o.name);
		p = sp_skip_space(p);
		if (*p == ':') {
			/* The value runs to the first ';' no backslash escapes. */
			v = ++p;
			while (*p != '\0' && *p != ';') {
				if (*p == '\\' && p[1] != '\0')
					p++;
				p++;
			}
			if (*p == '\0') {
				const char *end = v + strlen(v), *close;

				while (end > v && sp_is_space(end[-1]))
					end--;
				close = end > v && end[-1] == ')' ? end - 1 : end;
				return sp_err(ctx, close, o.kw, "missing ';' after option '%s'",
					      o.kw);
			}
			o.val = v;
			o.val_len = (size_t)(p - v);
			sp_trim(&o.val, &o.val_len);
			p++;
		} else if (*p == ';') {
			p++;
		} else if (*p == ')' || *p == '\0') {
			return sp_err(ctx, p, o.kw, "missing ';' after option '%s'", o.kw);
		} else {
			return sp_err(ctx, p, o.kw, "expected ':' or ';' after '%s'", o.kw);
		}
		if (k->val == SP_VAL_REQ && (o.val == NULL || o.val_len == 0))
			return sp_err(ctx, o.name, o.kw, "%s needs a value", o.kw);
		if (k->val == SP_VAL_NONE && o.val != NULL)
			return sp_err(ctx, o.name, o.kw, "%s takes no value", o.kw);
		if (o.val != NULL && o.val_len == 0)
			o.val = NULL; /* "fast_pattern:;" is "fast_pattern;" */
		rc = k->fn(ctx, &o);
		if (rc < 0)
			return rc;
	}
}

/* ---- the output list and its (gid, sid) index ------------------------ */

/* The duplicate-sid index's key of entry @p i. */
static uint64_t
sp_key_of(const void *list, unsigned int i)
{
	const struct weir_suri_rule *r = &((const struct weir_suri_rule_list *)list)->v[i];

	return weir_sid_key(r->gid, r->sid);
}

static int
sp_list_reserve(struct weir_suri_rule_list *l)
{
	struct weir_suri_rule *v = weir_grow(l->v, &l->cap, l->n + 1, sizeof(*v), 64);

	if (v == NULL)
		return -ENOMEM;
	l->v = v;
	return 0;
}

/* Append the parsed rule unless its (gid, sid) is taken in @p out. */
static int
sp_list_add(struct sp_ctx *ctx, struct weir_sid_index *idx, struct weir_suri_rule_list *out)
{
	struct weir_suri_rule *r = ctx->r;
	uint64_t key = weir_sid_key(r->gid, r->sid);
	unsigned int first;
	int rc;

	rc = weir_sid_index_sync(idx, out, out->n, sp_key_of);
	if (rc < 0)
		return rc;
	first = weir_sid_index_find(idx, key);
	if (first != 0)
		return sp_err(ctx, ctx->sid_pos, "sid",
			      "duplicate sid %u (gid %u): first defined at %s:%u", r->sid, r->gid,
			      out->v[first - 1].file, out->v[first - 1].line);
	rc = sp_list_reserve(out);
	if (rc < 0)
		return rc;
	out->v[out->n] = *r;
	weir_sid_index_add(idx, key, out->n);
	out->n++;
	return 0;
}

/* ---- one rule ---------------------------------------------------------- */

/* Free what @p r owns, not @p r itself (rules live by value in a list),
 * and zero it, so a second call is harmless. */
void
weir_suri_rule_free(struct weir_suri_rule *r)
{
	unsigned int i;

	if (r == NULL)
		return;
	weir_addrset_free(&r->src);
	weir_addrset_free(&r->dst);
	weir_portset_free(&r->sport);
	weir_portset_free(&r->dport);
	for (i = 0; i < r->n_items; i++) {
		free(r->items[i].bytes);
		free(r->items[i].pcre);
		free(r->items[i].bop.name);
	}
	free(r->items);
	for (i = 0; i < r->n_hitems; i++) {
		free(r->hitems[i].bytes);
		free(r->hitems[i].pcre);
		free(r->hitems[i].bop.name);
	}
	free(r->hitems);
	for (i = 0; i < r->n_fv; i++) {
		unsigned int k;

		for (k = 0; k < r->fv[i].n; k++)
			free(r->fv[i].names[k]);
		free(r->fv[i].names);
		free(r->fv[i].idx);
	}
	free(r->fv);
	for (i = 0; i < r->n_supp; i++)
		weir_addrset_free(&r->supp[i].ips);
	free(r->supp);
	free(r->fnum);
	free(r->hdr);
	free(r->msg);
	free(r->classtype);
	free(r->metadata);
	free(r->reference);
	free(r->eve_metadata);
	free(r->eve_references);
	free(r->file);
	free(r->text);
	free(r->fields);
	free(r->win);
	weir_sprog_free(r->fprog);
	memset(r, 0, sizeof(*r));
}

void
weir_suri_rule_list_free(struct weir_suri_rule_list *l)
{
	unsigned int i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		weir_suri_rule_free(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Move the header buffers' items out of r->items into r->hitems (rule
 * order kept in both), so that everything reading r->items (Hyperscan,
 * the payload confirm step, rule kinds) sees the payload's alone. */
static int
sp_split_buffers(struct weir_suri_rule *r)
{
	unsigned int i, np = 0, nh = 0;

	for (i = 0; i < r->n_items; i++)
		nh += r->items[i].buf != WEIR_BUF_PAYLOAD;
	if (nh == 0)
		return 0;
	r->hitems = calloc(nh, sizeof(*r->hitems));
	if (r->hitems == NULL)
		return -ENOMEM;
	for (i = 0; i < r->n_items; i++) {
		if (r->items[i].buf != WEIR_BUF_PAYLOAD)
			r->hitems[r->n_hitems++] = r->items[i];
		else
			r->items[np++] = r->items[i];
	}
	r->n_items = np;
	return 0;
}

/*
 * Parse @p text (a rule; for a joined rule the segments say where each
 * piece came from) and append it to @p out. @return 1 when a rule was
 * added, 0 for a blank or comment text, -EINVAL (one diagnostic) or
 * -ENOMEM.
 */
static int
sp_parse(const char *file, const char *text, const struct sp_seg *seg, unsigned int n_seg,
	 const struct weir_rule_vars *vars, struct weir_sid_index *idx,
	 struct weir_suri_rule_list *out, struct weir_diags *diags)
{
	struct weir_suri_rule r = {0};
	struct sp_ctx ctx = {
		.file = file != NULL ? file : "",
		.text = text,
		.seg = seg,
		.n_seg = n_seg,
		.vars = vars,
		.diags = diags,
		.r = &r,
		.last_content = -1,
	};
	const char *p = sp_skip_space(text), *end;
	int rc;

	if (*p == '\0' || *p == '#')
		return 0;
	r.rev = 1;
	r.gid = 1;
	r.msg = strdup("");
	r.file = strdup(ctx.file);
	end = p + strlen(p);
	while (end > p && sp_is_space(end[-1]))
		end--;
	r.text = strndup(p, (size_t)(end - p));
	if (r.msg == NULL || r.file == NULL || r.text == NULL) {
		rc = -ENOMEM;
		goto err;
	}
	r.line = seg[0].line; /* the rule's first line, even for a joined rule */
	rc = sp_header(&ctx, &p);
	if (rc == 0)
		rc = sp_options(&ctx, p);
	if (rc == 0 && !(ctx.once & SP_ONCE_SID))
		rc = sp_err(&ctx, sp_skip_space(text), "sid", "rule has no sid (sid is required)");
	if (rc == 0) {
		struct weir_wperr we;

		rc = weir_window_finish(&r, &ctx.wp, &we);
		if (rc == -EINVAL)
			rc = sp_err(&ctx, we.at != NULL ? we.at : sp_skip_space(text),
				    ctx.wp.win_at != NULL ? "window" : "field", "%s", we.msg);
	}
	if (rc == 0)
		rc = sp_eve_metadata(&ctx);
	if (rc == 0)
		rc = sp_split_buffers(&r);
	if (rc == 0) {
		struct weir_wperr we;

		rc = weir_field_finish(&r, &ctx.wp, &we);
		if (rc == -EINVAL)
			rc = sp_err(&ctx, we.at != NULL ? we.at : sp_skip_space(text), "field",
				    "%s", we.msg);
	}
	if (rc < 0)
		goto err;
	if (ctx.priority != 0)
		r.priority = ctx.priority;
	else if (r.classtype != NULL)
		r.priority = weir_classtype_priority(r.classtype, NULL);
	else
		r.priority = 3;
	rc = sp_list_add(&ctx, idx, out);
	if (rc < 0)
		goto err;
	return 1;

err:
	weir_suri_rule_free(&r);
	return rc;
}

int
weir_rules_parse_suri_rule(const char *file, unsigned int line, const char *text,
			   const struct weir_rule_vars *vars, struct weir_suri_rule_list *out,
			   struct weir_diags *diags)
{
	struct sp_seg seg = {.off = 0, .line = line, .col0 = 0};
	struct weir_sid_index idx = {0};
	int rc;

	if (text == NULL || out == NULL)
		return -EINVAL;
	rc = sp_parse(file, text, &seg, 1, vars, &idx, out, diags);
	weir_sid_index_free(&idx);
	return rc < 0 ? rc : 0;
}

/* ---- a file ------------------------------------------------------------ */

/* The rule being assembled from one or more physical lines. */
struct sp_pending {
	char *buf;
	size_t len, cap;
	struct sp_seg *seg;
	unsigned int n_seg, seg_cap;
	unsigned int nul_line, nul_col; /* first NUL byte seen, line 0: none */
};

static int
sp_pending_append(struct sp_pending *pr, const char *s, size_t len, unsigned int line)
{
	if (pr->len + len + 1 > pr->cap) {
		size_t cap = pr->cap ? pr->cap : 256;
		char *b;

		while (cap < pr->len + len + 1)
			cap *= 2;
		b = realloc(pr->buf, cap);
		if (b == NULL)
			return -ENOMEM;
		pr->buf = b;
		pr->cap = cap;
	}
	if (pr->n_seg == pr->seg_cap) {
		unsigned int cap = pr->seg_cap ? pr->seg_cap * 2 : 8;
		struct sp_seg *sg = realloc(pr->seg, cap * sizeof(*sg));

		if (sg == NULL)
			return -ENOMEM;
		pr->seg = sg;
		pr->seg_cap = cap;
	}
	pr->seg[pr->n_seg++] = (struct sp_seg){.off = pr->len, .line = line, .col0 = 0};
	memcpy(pr->buf + pr->len, s, len);
	pr->len += len;
	pr->buf[pr->len] = '\0';
	return 0;
}

/* Parse the assembled rule, if any. @return as sp_parse(). */
static int
sp_pending_flush(struct sp_pending *pr, const char *path, const struct weir_rule_vars *vars,
		 struct weir_sid_index *idx, struct weir_suri_rule_list *out,
		 struct weir_diags *diags)
{
	int rc = 0;

	if (pr->n_seg == 0)
		return 0;
	if (pr->nul_line != 0) {
		/* A NUL would cut the rule short as a C string: refuse it whole. */
		weir_diag_add(diags, path, pr->nul_line, pr->nul_col, NULL, "NUL byte in rule");
		rc = -EINVAL;
	} else {
		rc = sp_parse(path, pr->buf, pr->seg, pr->n_seg, vars, idx, out, diags);
	}
	pr->len = 0;
	pr->n_seg = 0;
	pr->nul_line = 0;
	return rc;
}

int
weir_rules_parse_suri_file(const char *path, const struct weir_rule_vars *vars,
			   struct weir_suri_rule_list *out, struct weir_diags *diags)
{
	struct sp_pending pr = {0};
	struct weir_sid_index idx = {0};
	unsigned int lineno = 0;
	size_t buf_cap = 0;
	char *buf = NULL;
	ssize_t len;
	int bad = 0, rc = 0;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		weir_diag_add(diags, path, 0, 0, NULL, "cannot open: %s", strerror(-rc));
		return rc;
	}
	for (;;) {
		const char *s;
		bool cont;
		size_t n;

		errno = 0;
		len = getline(&buf, &buf_cap, f);
		if (len < 0)
			break;
		lineno++;
		n = (size_t)len;
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
			n--;
		buf[n] = '\0';
		if (pr.n_seg == 0) {
			/* Comments and blank lines between rules. A comment never
			 * continues, even if it ends with '\': a commented rule
			 * must not swallow the next one. */
			s = buf;
			while (s < buf + n && sp_is_space(*s))
				s++;
			if (s == buf + n || *s == '#')
				continue;
		}
		/* A trailing '\' (blanks after it allowed, as in Suricata)
		 * joins the next line at its place. */
		while (n > 0 && sp_is_space(buf[n - 1]))
			n--;
		cont = n > 0 && buf[n - 1] == '\\';
		if (cont)
			n--;
		if (pr.nul_line == 0 && memchr(buf, '\0', n) != NULL) {
			pr.nul_line = lineno;
			pr.nul_col = (unsigned int)strlen(buf) + 1;
		}
		rc = sp_pending_append(&pr, buf, n, lineno);
		if (rc < 0)
			goto out;
		if (cont)
			continue;
		rc = sp_pending_flush(&pr, path, vars, &idx, out, diags);
		if (rc == -ENOMEM)
			goto out;
		if (rc < 0)
			bad++;
	}
	if (ferror(f)) {
		/* e.g. EISDIR: fopen() of a directory succeeds, reading fails. */
		rc = errno ? -errno : -EIO;
		weir_diag_add(diags, path, 0, 0, NULL, "cannot read: %s", strerror(-rc));
		goto out;
	}
	/* A last line ending in '\' still ends the rule at the end of file. */
	rc = sp_pending_flush(&pr, path, vars, &idx, out, diags);
	if (rc == -ENOMEM)
		goto out;
	if (rc < 0)
		bad++;
	rc = bad;

out:
	free(pr.buf);
	free(pr.seg);
	weir_sid_index_free(&idx);
	free(buf);
	fclose(f);
	return rc;
}
