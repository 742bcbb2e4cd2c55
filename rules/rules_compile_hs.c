/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Payload items -> Hyperscan. A rule's items split into chains: an
 * absolute item and the relative items after it. Each chain becomes one
 * regex in which the relative distances are bounded gaps, so Hyperscan's
 * existential matching is Suricata's backtracking:
 *
 *   content:"GET"; depth:3; content:"x"; distance:2; within:5;
 *   -> ^GET[\s\S]{2,6}x
 *
 * A chain of one content keeps its offset/depth as hs_expr_ext bounds on
 * the match end (min_offset = offset + len, max_offset = offset + depth),
 * which costs Hyperscan nothing; longer chains anchor their head with a
 * ^[\s\S]{offset,offset+depth-len} prefix. Chains are ANDed by the
 * compiler's logical combination, negated absolute items with `!`.
 *
 * An absolute pcre is a sub of its own: exact when Hyperscan takes it as
 * is, HS_FLAG_PREFILTER (a superset) when not. What a regex cannot say
 * (negative distance, negated relative content, relative pcre and what
 * follows a pcre, luhn, repeats past Hyperscan's limit, pan, the byte
 * keywords and isdataat, endswith, bounds from byte variables) is left out or
 * loosened so the plan still finds every match: exact is then false and
 * the confirm step (rules_match_confirm.c) decides. A negated sub is only
 * ever exact: negating a superset would lose matches.
 *
 * Hyperscan evaluates a combination at each offset where a sub matches,
 * with `!c` meaning "c has not matched yet": "a & !c" fires on "a...c".
 * Suricata's negation is over the whole payload, so a plan with negated
 * subs also gets a sentinel sub that matches only at the end of data; the
 * combination can then only become true once every sub has had its say.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

const char *
weir_regex_engine(void)
{
	unsigned int ma = 0, mi = 0, pa = 0;

	if (sscanf(hs_version(), "%u.%u.%u", &ma, &mi, &pa) == 3 &&
	    (ma > 5 || (ma == 5 && (mi > 4 || (mi == 4 && pa >= 9)))))
		return "Vectorscan";
	return "Hyperscan";
}

/*
 * Hyperscan refuses a bounded repeat past {32767} ("Bounded repeat is too
 * large."). Its compile time also grows with the bound (about 16 us per
 * unit: 20 ms at 1,000, 0.5 s at 30,000), so one expression may spend at
 * most SHS_REPEAT_BUDGET in bounds; past either limit a gap loses its
 * bounds and the plan becomes a superset.
 */
#define SHS_REPEAT_MAX	  32767
#define SHS_REPEAT_BUDGET 65535

/*
 * Hyperscan refuses an expression longer than 16,000 characters ("Pattern
 * length exceeds limit."), i.e. 4,000 content bytes written as \xHH. A
 * content that does not fit is cut to the prefix that does (a superset);
 * the bytes cut off widen the next gap, so what follows stays in place.
 * SHS_GAP_CHARS is the most one gap takes: "^[\s\S]{32767,32767}".
 */
#define SHS_EXPR_MAX  16000
#define SHS_GAP_CHARS 24
/* Kept free after a content inside a chain, for the pieces after it. */
#define SHS_CHAIN_RESERVE 256

/* Matches one byte at the end of data only: the sentinel of plans with
 * negated subs (see the header comment). */
#define SHS_EOD_SENTINEL "[\\s\\S]\\z"

/* A growing NUL-terminated string; oom sticks. */
struct shs_str {
	char *s;
	size_t len, cap;
	bool oom;
};

/* The chain being built. */
struct shs_chain {
	bool open;
	bool anchored;	 /* the head's start is bounded from payload start */
	int64_t head_lo; /* head start >= head_lo */
	int64_t head_hi; /* head start <= head_hi; < 0: unbounded */
	const struct weir_item *head;
	unsigned int n_items;
	bool has_fp;	   /* a content of it has fast_pattern */
	int64_t budget;	   /* repeat bound units left */
	int64_t cut;	   /* bytes of the last content left out (too long) */
	struct shs_str re; /* regex so far, once n_items > 1 */
};

struct shs_ctx {
	struct weir_hs_plan *plan;
	unsigned int cap;
	struct shs_chain ch;
	unsigned int n_negated;
	char *err;
	size_t errlen;
	unsigned int *err_col;
};

static void
shs_str_reserve(struct shs_str *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	size_t cap;
	char *s;

	if (b->oom || need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	s = realloc(b->s, cap);
	if (s == NULL) {
		b->oom = true;
		return;
	}
	b->s = s;
	b->cap = cap;
}

static void
shs_str_add(struct shs_str *b, const char *s, size_t n)
{
	shs_str_reserve(b, n);
	if (b->oom)
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
shs_str_addz(struct shs_str *b, const char *s)
{
	shs_str_add(b, s, strlen(s));
}

static void
shs_str_printf(struct shs_str *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	/* Only used for short numeric pieces. */
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->oom = true;
		return;
	}
	shs_str_add(b, tmp, (size_t)n);
}

static void
shs_str_free(struct shs_str *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

static void
shs_error(struct shs_ctx *c, const struct weir_item *it, const char *fmt, ...)
{
	va_list ap;

	if (c->err != NULL && c->errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	if (c->err_col != NULL)
		*c->err_col = it != NULL ? it->col : 0;
}

static bool
shs_is_alpha(uint8_t ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static bool
shs_is_alnum(uint8_t ch)
{
	return shs_is_alpha(ch) || (ch >= '0' && ch <= '9');
}

/*
 * A content's bytes as a literal regex: letters and digits as they are,
 * every other byte as \xHH (no metacharacter, NUL or high byte can then
 * mean anything else). nocase wraps the literal in (?i:...) when it has a
 * letter; Hyperscan folds ASCII letters only, as Suricata does.
 * @return the number of bytes written: the longest prefix that fits in
 *         @p room characters (0 when not even one byte does).
 */
static uint32_t
shs_emit_content(struct shs_str *b, const struct weir_item *it, size_t room)
{
	size_t need = 0;
	bool fold = false;
	uint32_t i, n;

	if (it->nocase)
		for (i = 0; i < it->len && !fold; i++)
			fold = shs_is_alpha(it->bytes[i]);
	if (fold)
		need = sizeof("(?i:)") - 1;
	for (n = 0; n < it->len; n++) {
		size_t w = shs_is_alnum(it->bytes[n]) ? 1 : 4;

		if (need + w > room)
			break;
		need += w;
	}
	if (n == 0)
		return 0;
	shs_str_reserve(b, need);
	if (fold)
		shs_str_addz(b, "(?i:");
	for (i = 0; i < n; i++) {
		uint8_t ch = it->bytes[i];

		if (shs_is_alnum(ch))
			shs_str_add(b, (const char *)&ch, 1);
		else
			shs_str_printf(b, "\\x%02x", ch);
	}
	if (fold)
		shs_str_addz(b, ")");
	return n;
}

/*
 * Write a chain's content, noting what did not fit. SHS_CHAIN_RESERVE
 * characters stay free for the pieces after it, unless that would leave
 * this one next to nothing.
 */
static void
shs_chain_content(struct shs_ctx *c, const struct weir_item *it)
{
	size_t used = c->ch.re.len;
	size_t left = used < SHS_EXPR_MAX ? SHS_EXPR_MAX - used : 0;
	uint32_t n;

	n = shs_emit_content(&c->ch.re, it,
			     left > 2 * SHS_CHAIN_RESERVE ? left - SHS_CHAIN_RESERVE : left);
	c->ch.cut = (int64_t)it->len - n;
	if (c->ch.cut > 0)
		c->plan->exact = false;
}

/*
 * A gap of lo..hi bytes (hi < 0: no upper bound); @p leading: from the
 * payload start, i.e. ^ and the gap, or nothing when the gap is "any".
 * Bounds Hyperscan cannot take, or that overrun the chain's budget, are
 * dropped (superset).
 */
static void
shs_emit_gap(struct shs_ctx *c, struct shs_str *b, int64_t lo, int64_t hi, bool leading)
{
	int64_t cost = hi >= 0 ? hi : lo;

	if (lo > SHS_REPEAT_MAX || cost > c->ch.budget) {
		c->plan->exact = false;
		lo = 0;
		hi = -1;
	} else if (hi > SHS_REPEAT_MAX) {
		c->plan->exact = false;
		hi = -1;
	}
	if (lo == 0 && hi < 0) {
		if (!leading)
			shs_str_addz(b, "[\\s\\S]*");
		return;
	}
	c->ch.budget -= hi >= 0 ? hi : lo;
	if (leading)
		shs_str_addz(b, "^");
	if (lo == 0 && hi == 0)
		return;
	if (hi < 0)
		shs_str_printf(b, "[\\s\\S]{%lld,}", (long long)lo);
	else if (lo == hi)
		shs_str_printf(b, "[\\s\\S]{%lld}", (long long)lo);
	else
		shs_str_printf(b, "[\\s\\S]{%lld,%lld}", (long long)lo, (long long)hi);
}

/* Append a sub; takes @p expr (malloc'd) whatever happens. */
static int
shs_push(struct shs_ctx *c, char *expr, unsigned int flags, const hs_expr_ext_t *ext, bool negated,
	 bool fp)
{
	struct weir_hs_plan *p = c->plan;
	struct weir_hs_expr *e;

	if (expr == NULL)
		return -ENOMEM;
	if (p->n_sub == c->cap) {
		unsigned int cap = c->cap ? c->cap * 2 : 4;
		struct weir_hs_expr *v = realloc(p->sub, cap * sizeof(*v));

		if (v == NULL) {
			free(expr);
			return -ENOMEM;
		}
		p->sub = v;
		c->cap = cap;
	}
	e = &p->sub[p->n_sub++];
	memset(e, 0, sizeof(*e));
	e->expr = expr;
	e->flags = flags;
	if (ext != NULL && ext->flags != 0) {
		e->has_ext = true;
		e->ext = *ext;
	}
	e->negated = negated;
	if (negated)
		c->n_negated++;
	e->fast_pattern = fp;
	return 0;
}

static void
shs_chain_open(struct shs_ctx *c, const struct weir_item *head, bool anchored, int64_t lo,
	       int64_t hi)
{
	shs_str_free(&c->ch.re);
	memset(&c->ch, 0, sizeof(c->ch));
	c->ch.open = true;
	c->ch.anchored = anchored;
	c->ch.head_lo = lo;
	c->ch.head_hi = hi;
	c->ch.head = head;
	c->ch.has_fp = head->fast_pattern;
	c->ch.n_items = 1;
	c->ch.budget = SHS_REPEAT_BUDGET;
}

/*
 * Append a relative content @p gap_lo..gap_hi bytes after the chain's last
 * match end. @return false when the expression is full: the caller starts
 * a new chain with it.
 */
static bool
shs_chain_add(struct shs_ctx *c, const struct weir_item *it, int64_t gap_lo, int64_t gap_hi)
{
	struct shs_chain *ch = &c->ch;

	if (ch->n_items == 1) {
		if (ch->anchored)
			shs_emit_gap(c, &ch->re, ch->head_lo, ch->head_hi, true);
		shs_chain_content(c, ch->head);
	}
	/* A gap and one byte, "(?i:\\xHH)", must fit. */
	if (ch->re.len + SHS_GAP_CHARS + 10 > SHS_EXPR_MAX)
		return false;
	/* Bytes of the previous content left out are part of the gap. */
	gap_lo += ch->cut;
	if (gap_hi >= 0)
		gap_hi += ch->cut;
	shs_emit_gap(c, &ch->re, gap_lo, gap_hi, false);
	shs_chain_content(c, it);
	ch->n_items++;
	ch->has_fp |= it->fast_pattern;
	return true;
}

/*
 * Close the chain into a sub. A lone content keeps its bounds as
 * hs_expr_ext (on the match end: Hyperscan's min_offset and max_offset
 * bound where a match ends; a content of len bytes ends len after it
 * starts).
 */
static int
shs_chain_close(struct shs_ctx *c, bool negated)
{
	struct shs_chain *ch = &c->ch;
	hs_expr_ext_t ext;
	char *expr;

	if (!ch->open)
		return 0;
	ch->open = false;
	memset(&ext, 0, sizeof(ext));
	if (ch->n_items == 1) {
		struct shs_str b = {0};
		uint32_t n;

		n = shs_emit_content(&b, ch->head, SHS_EXPR_MAX);
		if (b.oom) {
			shs_str_free(&b);
			return -ENOMEM;
		}
		if (n < ch->head->len) {
			/* A prefix: a superset, which must not be negated. */
			c->plan->exact = false;
			if (negated) {
				shs_str_free(&b);
				return 0;
			}
		}
		if (ch->anchored && ch->head_lo > 0) {
			ext.flags |= HS_EXT_FLAG_MIN_OFFSET;
			ext.min_offset = (unsigned long long)ch->head_lo + n;
		}
		if (ch->anchored && ch->head_hi >= 0) {
			ext.flags |= HS_EXT_FLAG_MAX_OFFSET;
			ext.max_offset = (unsigned long long)ch->head_hi + n;
		}
		return shs_push(c, b.s, HS_FLAG_DOTALL, &ext, negated, ch->has_fp);
	}
	if (ch->re.oom) {
		shs_str_free(&ch->re);
		return -ENOMEM;
	}
	expr = ch->re.s;
	memset(&ch->re, 0, sizeof(ch->re));
	return shs_push(c, expr, HS_FLAG_DOTALL, NULL, negated, ch->has_fp);
}

/* An absolute content: a new chain, or a negated sub of its own. */
static int
shs_content_abs(struct shs_ctx *c, const struct weir_item *it)
{
	int64_t lo = 0, hi = -1;
	int rc;

	rc = shs_chain_close(c, false);
	if (rc < 0)
		return rc;
	if (it->offset_var || it->depth_var || it->endswith) {
		/* Bounds known only at match time, or an end anchored at the
		 * payload's end after the confirm step's search: the bytes
		 * anywhere are a superset (a negated one says nothing). */
		c->plan->exact = false;
		if (it->negated)
			return 0;
		shs_chain_open(c, it, false, 0, -1);
		return 0;
	}
	if (it->has_offset)
		lo = it->offset;
	if (it->has_depth)
		hi = lo + (int64_t)it->depth - it->len;
	if (it->negated) {
		/* Its own sub, which must be exact: negating a superset would
		 * lose matches. With luhn it is not, so it is left to the
		 * confirm step; one that can never match negates nothing. */
		if (it->luhn)
			c->plan->exact = false;
		if (it->luhn || (it->has_depth && hi < lo))
			return 0;
		/* Items relative to it float (shs_content_rel). */
		shs_chain_open(c, it, true, lo, hi);
		return shs_chain_close(c, true);
	}
	if (it->has_depth && hi < lo) {
		/* Can never match: no bound is a superset. */
		c->plan->exact = false;
		hi = -1;
	}
	shs_chain_open(c, it, true, lo, hi);
	if (it->luhn)
		c->plan->exact = false;
	return 0;
}

/*
 * A relative content. Suricata places it at start >= prev_end + distance
 * (clamped to 0) and end <= prev_end + distance + within; prev_end is 0
 * for the rule's first item.
 */
static int
shs_content_rel(struct shs_ctx *c, const struct weir_item *it, bool first)
{
	int64_t d = it->has_distance ? it->distance : 0;
	int64_t lo, hi = -1;
	int rc;

	if (it->negated) {
		/* "Not within this window of an earlier match": a regex cannot
		 * say it. Dropped; what follows loses its anchor too. */
		c->plan->exact = false;
		return shs_chain_close(c, false);
	}
	if (it->distance_var || it->within_var || it->depth_var || it->offset_var || it->endswith) {
		/* A window known only at match time: the bytes anywhere. */
		c->plan->exact = false;
		rc = shs_chain_close(c, false);
		if (rc < 0)
			return rc;
		shs_chain_open(c, it, false, 0, -1);
		return 0;
	}
	if (it->luhn)
		c->plan->exact = false;
	if (first) {
		lo = d > 0 ? d : 0;
		if (it->has_within) {
			hi = d + it->within - (int64_t)it->len;
			if (hi < lo) {
				c->plan->exact = false;
				hi = -1;
			}
		}
		shs_chain_open(c, it, true, lo, hi);
		return 0;
	}
	if (c->ch.open && d >= 0) {
		lo = d;
		if (it->has_within) {
			hi = d + it->within - (int64_t)it->len;
			if (hi < lo) {
				c->plan->exact = false;
				hi = -1;
			}
		}
		if (shs_chain_add(c, it, lo, hi))
			return 0;
	}
	/* No earlier match to measure from (it was a pcre, pan or a dropped
	 * item), one that may overlap, or no room left: search anywhere. */
	c->plan->exact = false;
	rc = shs_chain_close(c, false);
	if (rc < 0)
		return rc;
	shs_chain_open(c, it, false, 0, -1);
	return 0;
}

static unsigned int
shs_pcre_flags(uint32_t f)
{
	unsigned int flags = 0;

	if (f & WEIR_PCRE_I)
		flags |= HS_FLAG_CASELESS;
	if (f & WEIR_PCRE_S)
		flags |= HS_FLAG_DOTALL;
	if (f & WEIR_PCRE_M)
		flags |= HS_FLAG_MULTILINE;
	return flags;
}

/*
 * The pcre as Hyperscan text. Hyperscan has no flag for extended syntax
 * but takes the inline (?x); unlike PCRE it wants a '#' comment ended by a
 * newline ("Unterminated comment."), and in extended mode a trailing
 * newline is whitespace, i.e. nothing.
 */
static char *
shs_pcre_text(const struct weir_item *it)
{
	struct shs_str b = {0};

	if (it->pcre_flags & WEIR_PCRE_X)
		shs_str_addz(&b, "(?x)");
	shs_str_addz(&b, it->pcre);
	if ((it->pcre_flags & WEIR_PCRE_X) && strchr(it->pcre, '#') != NULL)
		shs_str_addz(&b, "\n");
	if (b.oom) {
		shs_str_free(&b);
		return NULL;
	}
	return b.s;
}

bool
weir_pcre_max_width(const struct weir_item *it, uint32_t *out)
{
	hs_compile_error_t *cerr = NULL;
	hs_expr_info_t *info = NULL;
	unsigned int flags;
	char *text;
	hs_error_t err;
	bool ok = false;

	if (it->pcre == NULL || (text = shs_pcre_text(it)) == NULL)
		return false;
	flags = shs_pcre_flags(it->pcre_flags);
	err = hs_expression_info(text, flags, &info, &cerr);
	if (err == HS_COMPILER_ERROR) {
		hs_free_compile_error(cerr);
		cerr = NULL;
		err = hs_expression_info(text, flags | HS_FLAG_PREFILTER, &info, &cerr);
	}
	if (err == HS_SUCCESS) {
		ok = info->max_width != UINT_MAX;
		*out = info->max_width;
		free(info); /* Hyperscan's misc allocator: malloc() here */
	} else {
		hs_free_compile_error(cerr);
	}
	free(text);
	return ok;
}

/*
 * An absolute pcre: its own sub. Hyperscan's parser decides (about 40 us;
 * a trial compile costs 10x that and only adds resource limits, which the
 * compiler reports against the rule anyway): accepted as is, it is exact;
 * refused, it goes in prefilter mode (a superset confirmed by PCRE2); if
 * even that is refused, the rule is.
 */
static int
shs_pcre(struct shs_ctx *c, const struct weir_item *it)
{
	hs_compile_error_t *cerr = NULL;
	hs_expr_info_t *info = NULL;
	unsigned int flags;
	unsigned int min_width;
	bool prefilter = false;
	hs_error_t err;
	char *text;
	int rc;

	rc = shs_chain_close(c, false);
	if (rc < 0)
		return rc;
	if (it->relative) {
		/* Anchored at the previous match's end (^ means there): the
		 * contents before it stand for the chain. */
		c->plan->exact = false;
		return 0;
	}
	if (it->pcre == NULL) {
		shs_error(c, it, "pcre: no pattern");
		return -EINVAL;
	}
	text = shs_pcre_text(it);
	if (text == NULL)
		return -ENOMEM;
	flags = shs_pcre_flags(it->pcre_flags);
	err = hs_expression_info(text, flags, &info, &cerr);
	if (err == HS_COMPILER_ERROR) {
		hs_free_compile_error(cerr);
		cerr = NULL;
		prefilter = true;
		flags |= HS_FLAG_PREFILTER;
		err = hs_expression_info(text, flags, &info, &cerr);
	}
	if (err != HS_SUCCESS) {
		if (err == HS_NOMEM) {
			rc = -ENOMEM;
		} else {
			shs_error(c, it, "pcre: Hyperscan refuses it, even as a prefilter: %s",
				  cerr != NULL ? cerr->message : "unknown error");
			rc = -EINVAL;
		}
		hs_free_compile_error(cerr);
		free(text);
		return rc;
	}
	min_width = info->min_width;
	/* info comes from Hyperscan's misc allocator: malloc() here. */
	free(info);
	if (min_width == 0) {
		/* It can match the empty string, which Hyperscan refuses to
		 * compile; left out, positive or negated, it is a superset. */
		c->plan->exact = false;
		free(text);
		return 0;
	}
	if (it->negated && (prefilter || it->luhn)) {
		/* A negated superset would lose matches: confirm step only. */
		c->plan->exact = false;
		free(text);
		return 0;
	}
	if (prefilter || it->luhn)
		c->plan->exact = false;
	return shs_push(c, text, flags, NULL, it->negated, false);
}

void
weir_hs_plan_free(struct weir_hs_plan *p)
{
	unsigned int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n_sub; i++)
		free(p->sub[i].expr);
	free(p->sub);
	memset(p, 0, sizeof(*p));
}

int
weir_hs_plan_build(const struct weir_suri_rule *r, struct weir_hs_plan *out, char *err,
		   size_t errlen, unsigned int *err_col)
{
	struct shs_ctx c = {
		.plan = out,
		.err = err,
		.errlen = errlen,
		.err_col = err_col,
	};
	unsigned int i, n_pos = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	out->exact = true;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (err_col != NULL)
		*err_col = 0;

	for (i = 0; i < r->n_items && rc == 0; i++) {
		const struct weir_item *it = &r->items[i];

		switch (it->kind) {
		case WEIR_ITEM_CONTENT:
			if (it->len == 0 || it->bytes == NULL) {
				shs_error(&c, it, "content: empty pattern");
				rc = -EINVAL;
			} else if (it->relative) {
				rc = shs_content_rel(&c, it, i == 0);
			} else {
				rc = shs_content_abs(&c, it);
			}
			break;
		case WEIR_ITEM_PCRE:
			rc = shs_pcre(&c, it);
			break;
		case WEIR_ITEM_PAN:
		case WEIR_ITEM_BYTE_TEST:
		case WEIR_ITEM_BYTE_JUMP:
		case WEIR_ITEM_BYTE_EXTRACT:
		case WEIR_ITEM_BYTE_MATH:
		case WEIR_ITEM_ISDATAAT:
			/* The pan scanner's or the confirm step's job (byte
			 * keywords read values Hyperscan cannot compare, and
			 * byte_jump/extract/math move the relative anchor);
			 * relative items after them float. */
			out->exact = false;
			rc = shs_chain_close(&c, false);
			break;
		default:
			shs_error(&c, it, "unknown payload item kind %d", (int)it->kind);
			rc = -EINVAL;
			break;
		}
	}
	if (rc == 0)
		rc = shs_chain_close(&c, false);
	shs_str_free(&c.ch.re);
	if (rc < 0)
		goto err_free;

	n_pos = out->n_sub - c.n_negated;
	if (n_pos == 0) {
		/* Nothing to look for: every packet is a candidate. */
		weir_hs_plan_free(out);
		out->always = true;
		out->exact = r->n_items == 0;
		return 0;
	}
	if (c.n_negated > 0) {
		rc = shs_push(&c, strdup(SHS_EOD_SENTINEL), HS_FLAG_DOTALL, NULL, false, false);
		if (rc < 0)
			goto err_free;
	}
	return 0;

err_free:
	weir_hs_plan_free(out);
	return rc;
}
