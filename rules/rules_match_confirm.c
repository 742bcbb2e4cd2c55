/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exact evaluation of a Suricata rule's payload items on one packet: the
 * confirm step after the Hyperscan scan for rules Hyperscan cannot decide
 * alone (rules_compile_hs.c says which), and the reference semantics the golden
 * tests hold the rest of the pipeline to.
 *
 * It is a re-statement, item for item, of Suricata's payload inspection
 * (DetectEngineContentInspectionInternal in detect-engine-content-
 * inspection.c, Suricata 7/8) for the keywords of this subset: items are
 * walked in rule order, each match leaves "prev_end" (Suricata's
 * det_ctx->buffer_offset) for the relative items after it, and when a
 * later item fails, the item it is relative to retries its next
 * occurrence. Suricata does not search every combination: each step
 * answers "match", "no match, an earlier item may retry" or "no match,
 * stop" (1 / 0 / -1 here), and whether an item retries at all depends on
 * flags its successors set when the rule was parsed (WITHIN_NEXT,
 * RELATIVE_NEXT). Those flags are recomputed in sm_link() the way
 * detect-within.c, detect-distance.c and detect-pcre.c set them, so the
 * same rules match the same packets, including the corners (a within
 * window that ends before the payload starts, a relative pcre whose
 * subject starts at prev_end, the inspection step limit).
 *
 * The byte keywords follow Suricata 8's inspection loop too: byte_test
 * and isdataat leave prev_end alone, byte_jump, byte_extract and
 * byte_math move it past what they read (byte_jump: to where it jumps),
 * byte_extract and byte_math store their value in the run's variables
 * (Suricata's det_ctx->byte_values) for later items; a relative one that
 * fails lets the content or pcre before it retry (RELATIVE_NEXT), an
 * absolute isdataat that fails ends the inspection.
 *
 * `luhn` and `pan` are ours. luhn filters the occurrences of the item it
 * follows (an occurrence without a Luhn-valid digit run is as if it did
 * not exist, so the search goes on to the next one); pan is an item that
 * holds when the packet carries a card number anywhere and does not move
 * prev_end.
 *
 * Threads: weir_sprog_build/free on the control side; a built program is
 * immutable and shared by every worker. weir_sprog_match runs on the hot
 * path with the worker's own weir_match_ctx: it allocates nothing, makes
 * no syscall and does not log (with the PCRE2 JIT; see weir_match_ctx_new
 * for the interpreter).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules_confirm_int.h"

/*
 * Suricata's detect.inspection-recursion-limit default
 * (DETECT_ENGINE_DEFAULT_INSPECTION_RECURSION_LIMIT): one packet's
 * inspection of one rule gives up, as no match, on the 3000th item
 * evaluation. It bounds the backtracking of relative chains, whose
 * combinations grow as (occurrences)^(items). We count the same steps
 * and, in addition, every occurrence `luhn` rejects, so a pcre whose
 * matches all fail the check cannot iterate over a whole 64 KiB payload
 * unbounded either.
 */
#define SM_STEP_LIMIT 3000

struct weir_match_ctx {
	pcre2_match_data *md;
	pcre2_match_data *md_cap; /* weir_sprog_capture: room for the groups */
	/* pan scan of the current packet: -1 not done, 0 none, 1 found */
	int pan_state;
	const uint8_t *pan_data;
	uint32_t pan_len;
};

/* One weir_sprog_match() call. */
struct sm_run {
	const struct weir_sprog *p;
	const uint8_t *buf;
	uint32_t len;
	struct weir_match_ctx *ctx;
	unsigned int steps; /* Suricata's recursion.count */
	/* byte_extract/byte_math results (Suricata's det_ctx->byte_values):
	 * overwritten in place when backtracking evaluates an item again */
	uint64_t vals[WEIR_BYTE_VARS_MAX];
	/* weir_sprog_capture: where the capture item's groups go (each of
	 * its matches overwrites them, so the final chain's stay); NULL in
	 * weir_sprog_match */
	struct weir_sprog_caps *caps;
};

/*
 * One match data for every pattern of every rule: only the whole match
 * (ovector pair 0) is read, and PCRE2 fills it even when the vector is
 * too small for the captures (return value 0), so one pair fits all
 * patterns and the context need not know the rule set, which reloads
 * replace under it. Without the JIT, PCRE2 10.41+ keeps the
 * interpreter's backtracking frames in this block and reuses them, so
 * allocation happens on a worker's first interpreted matches only,
 * bounded by SM_PCRE_DEPTH_LIMIT.
 */
struct weir_match_ctx *
weir_match_ctx_new(void)
{
	struct weir_match_ctx *c;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->md = pcre2_match_data_create(1, NULL);
	c->md_cap = pcre2_match_data_create(WEIR_SPROG_CAPS, NULL);
	if (c->md == NULL || c->md_cap == NULL) {
		pcre2_match_data_free(c->md);
		pcre2_match_data_free(c->md_cap);
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->pan_state = -1;
	return c;
}

void
weir_match_ctx_free(struct weir_match_ctx *c)
{
	if (c == NULL)
		return;
	pcre2_match_data_free(c->md);
	pcre2_match_data_free(c->md_cap);
	free(c);
}

void
weir_match_ctx_reset(struct weir_match_ctx *c)
{
	if (c == NULL)
		return;
	c->pan_state = -1;
	c->pan_data = NULL;
	c->pan_len = 0;
}

void
weir_match_ctx_pan_set(struct weir_match_ctx *c, const uint8_t *data, uint32_t len, bool found)
{
	if (c == NULL)
		return;
	c->pan_state = found ? 1 : 0;
	c->pan_data = data;
	c->pan_len = len;
}

/* ---- match (hot path) -------------------------------------------------- */

static int sm_inspect(struct sm_run *r, unsigned int i, uint32_t prev_end);

/* Suricata's `match:` label: this item holds, go on with the next. */
static inline int
sm_next(struct sm_run *r, unsigned int i, uint32_t prev_end)
{
	if (i + 1 == r->p->n)
		return 1;
	return sm_inspect(r, i + 1, prev_end);
}

/* Case-insensitive leftmost search (Horspool on folded bytes). */
static const uint8_t *
sm_find_nocase(const uint8_t *hay, uint32_t n, const struct sm_item *it)
{
	const uint32_t m = it->len, last = m - 1;
	uint32_t pos = 0, k;

	while (pos + m <= n) {
		uint8_t c = sm_fold(hay[pos + last]);

		if (c == it->bytes[last]) {
			for (k = last; k > 0 && sm_fold(hay[pos + k - 1]) == it->bytes[k - 1]; k--)
				;
			if (k == 0)
				return hay + pos;
		}
		pos += it->skip[c];
	}
	return NULL;
}

/*
 * content. The window [lo, hi) is computed exactly as Suricata does,
 * including its arithmetic:
 *   absolute: lo = offset, hi = offset + depth (Suricata stores depth
 *     already added to offset, detect-depth.c/detect-offset.c), or the
 *     payload end;
 *   relative: lo = prev_end + distance, clamped at 0 when distance
 *     reaches before the payload; hi = prev_end + distance + within
 *     (within counts from where distance put the window, not from
 *     prev_end). Suricata compares that end as a signed 32-bit value and
 *     stores it unsigned: an end below 0 wraps to a huge value that is
 *     then cut to the payload length, i.e. a within window that lies
 *     wholly before the payload does not restrict the match at all; an
 *     end of exactly 0 is an empty window.
 * A retry (the next occurrence after a later item failed) starts at the
 * previous occurrence's start + 1, inside the same window.
 */
static int
sm_content(struct sm_run *r, unsigned int i, uint32_t prev_end)
{
	const struct sm_item *it = &r->p->items[i];
	const int64_t len = r->len;
	uint32_t retry_from = 0; /* Suricata's prev_offset */
	int64_t lo, hi, cd_depth;
	const uint8_t *found;
	uint32_t start, end;
	int rc;

	/* Suricata's cd->depth: depth counted from a literal offset, 0 when
	 * unset; one from a variable is added at match time. */
	cd_depth =
		it->has_depth && !it->depth_var
			? (int64_t)(it->has_offset && !it->offset_var ? it->offset : 0) + it->depth
			: 0;

	for (;;) {
		if (it->relative) {
			int64_t dist = 0;

			if (it->has_distance)
				dist = it->distance_var ? (int64_t)(int32_t)(uint32_t)
								  r->vals[it->distance_var - 1]
							: it->distance;
			lo = prev_end;
			if (it->has_distance)
				lo = (dist < 0 && -dist > lo) ? 0 : lo + dist;
			hi = len;
			if (it->has_within) {
				/* compared as Suricata's int32 */
				int64_t e =
					it->within_var
						? (int64_t)(int32_t)(uint32_t)(prev_end +
									       r->vals[it->within_var -
										       1] +
									       (uint64_t)dist)
						: (int64_t)prev_end + it->within + dist;

				if (e >= 0 && e < hi)
					hi = e;
			}
			/* never both with distance/within in Suricata's syntax;
			 * kept as its code has it */
			if (cd_depth != 0 && cd_depth + prev_end < hi)
				hi = cd_depth + prev_end;
			if (it->has_offset && !it->offset_var && it->offset > lo)
				lo = it->offset;
		} else {
			hi = it->depth_var   ? (int64_t)(uint32_t)r->vals[it->depth_var - 1]
			     : cd_depth != 0 ? cd_depth
					     : len;
			lo = it->offset_var   ? (int64_t)(uint32_t)r->vals[it->offset_var - 1]
			     : it->has_offset ? it->offset
					      : 0;
			/* a variable's depth counts from the offset */
			if (it->offset_var || it->depth_var)
				hi += lo;
		}
		if (retry_from != 0)
			lo = retry_from;
		if (hi > len)
			hi = len;

		/* An empty window cannot hold the content: a negated one holds. */
		if (lo > hi || hi == 0)
			return it->negated ? sm_next(r, i, prev_end) : 0;

		found = NULL;
		/* endswith and a window that stops short of the end: no match */
		if (!it->never && it->len <= (uint64_t)(hi - lo) && !(it->endswith && hi < len)) {
			if (it->nocase)
				found = sm_find_nocase(r->buf + lo, (uint32_t)(hi - lo), it);
			else
				found = memmem(r->buf + lo, (size_t)(hi - lo), it->bytes, it->len);
		}

		if (found == NULL) {
			if (it->negated)
				return sm_next(r, i, prev_end);
			/* an absolute content does not depend on earlier
			 * matches: no retry of theirs can help */
			return it->relative ? 0 : -1;
		}
		start = (uint32_t)(found - r->buf);
		end = start + it->len;
		if (it->negated) {
			/* Suricata compares the window's length with the match's
			 * end offset here (the same thing when the window starts
			 * at 0) */
			if (it->endswith && (uint64_t)(hi - lo) != end)
				return sm_next(r, i, prev_end);
			/* DETECT_CONTENT_IS_SINGLE: nothing relative on either
			 * side and no offset/depth, so no retry can change this */
			if (!it->relative && !(it->next & SM_RELATIVE_NEXT) && !it->has_offset &&
			    !it->has_depth)
				return -1;
			return 0;
		}
		/* endswith: an occurrence that does not end the payload does
		 * not count; look for the next one */
		if (!it->endswith || end == len) {
			if (i + 1 == r->p->n)
				return 1;
			rc = sm_inspect(r, i + 1, end);
			if (rc != 0)
				return rc;
			/* Only a relative item after us can be helped by a
			 * later occurrence of ours: `within` (a later start only
			 * shrinks a distance-only window), or a relative byte
			 * keyword, isdataat or pcre (RELATIVE_NEXT includes
			 * WITHIN_NEXT). */
			if (!(it->next & SM_WITHIN_NEXT))
				return -1;
		}
		retry_from = start + 1;
	}
}

/* The groups of a capture item's match (ovector @p ov, pcre2_match's
 * @p rc: 0 when the vector was too small, i.e. every pair was filled),
 * as payload offsets. */
static void
sm_caps_take(struct weir_sprog_caps *c, const PCRE2_SIZE *ov, int rc, uint32_t base)
{
	unsigned int g, n = rc == 0 ? WEIR_SPROG_CAPS : (unsigned int)rc;

	for (g = 0; g < WEIR_SPROG_CAPS; g++) {
		if (g < n && ov[2 * g] != PCRE2_UNSET && ov[2 * g + 1] >= ov[2 * g]) {
			c->start[g] = base + (uint32_t)ov[2 * g];
			c->end[g] = base + (uint32_t)ov[2 * g + 1];
		} else {
			c->start[g] = UINT32_MAX;
			c->end[g] = UINT32_MAX;
		}
	}
}

/*
 * One pcre2_match as DetectPcrePayloadMatch: a relative (R) pcre's subject
 * is the rest of the payload from prev_end, so `^` anchors there and a
 * lookbehind cannot see before it; an absolute one sees the whole payload.
 * *from is Suricata's pcre_match_start_offset (payload offset to resume
 * at, 0 for the first search); on a match it becomes match start + 1 and
 * *end the match end. Errors (match limit, JIT stack, a resume offset past
 * the subject) are "no match", negated or not, as in Suricata.
 * @return 1 the item holds, 0 it does not, -1 step limit (luhn retries).
 */
static int
sm_pcre_exec(struct sm_run *r, const struct sm_item *it, uint32_t prev_end, uint32_t *from,
	     uint32_t *end)
{
	const uint32_t base = it->relative ? prev_end : 0;
	const uint8_t *subj = r->buf + base;
	const uint32_t slen = r->len - base;
	PCRE2_SIZE start = *from != 0 ? *from - base : 0;
	pcre2_match_data *md = r->caps != NULL ? r->ctx->md_cap : r->ctx->md;
	PCRE2_SIZE *ov;
	int rc;

	for (;;) {
		if (start > slen)
			return 0;
		rc = pcre2_match(it->code, subj, slen, start, 0, md, r->p->mctx);
		if (rc == PCRE2_ERROR_NOMATCH)
			return it->negated ? 1 : 0;
		if (rc < 0)
			return 0;
		ov = pcre2_get_ovector_pointer(md);
		if (it->luhn && (ov[1] <= ov[0] || !weir_luhn_in(subj + ov[0], ov[1] - ov[0]))) {
			/* This occurrence does not count; look for the next. */
			if (++r->steps >= SM_STEP_LIMIT)
				return -1;
			start = ov[0] + 1;
			continue;
		}
		if (it->negated)
			return 0;
		if (r->caps != NULL && (int)(it - r->p->items) == r->p->cap_item)
			sm_caps_take(r->caps, ov, rc, base);
		*end = base + (uint32_t)ov[1];
		*from = base + (uint32_t)ov[0] + 1;
		return 1;
	}
}

static int
sm_pcre(struct sm_run *r, unsigned int i, uint32_t prev_end)
{
	const struct sm_item *it = &r->p->items[i];
	uint32_t from = 0, end = prev_end, retry;
	int rc;

	for (;;) {
		rc = sm_pcre_exec(r, it, prev_end, &from, &end);
		if (rc <= 0)
			return rc;
		if (!(it->next & SM_PCRE_RELATIVE_NEXT))
			return sm_next(r, i, end);
		retry = from; /* still 0 for a negated pcre */
		rc = sm_next(r, i, end);
		if (rc != 0)
			return rc;
		/* A negated pcre has no occurrence to move on from. */
		if (retry == 0)
			return 0;
		from = retry;
		end = prev_end;
	}
}

static bool
sm_pan_found(struct sm_run *r)
{
	struct weir_match_ctx *c = r->ctx;
	struct weir_pan_match m;

	/* The pointer/length check is a guard against a missed reset, not
	 * the cache key: the contract is one reset per packet. */
	if (c->pan_state < 0 || c->pan_data != r->buf || c->pan_len != r->len) {
		c->pan_state = weir_pan_scan(r->buf, r->len, &m, 1) > 0;
		c->pan_data = r->buf;
		c->pan_len = r->len;
	}
	return c->pan_state == 1;
}

/*
 * pan does not depend on prev_end, so when it fails no retry of an earlier
 * item can make it hold: stop (-1), as Suricata does for its keywords
 * that ignore the previous match (dataset, an absolute content).
 */
static int
sm_pan(struct sm_run *r, unsigned int i, uint32_t prev_end)
{
	const struct sm_item *it = &r->p->items[i];

	if (sm_pan_found(r) != it->negated)
		return sm_next(r, i, prev_end);
	return -1;
}

/* ---- byte keywords and isdataat ---------------------------------------- */

/* A number read from the payload: big or little endian bytes (at most 8),
 * or text in @p b's base (strtoull, ByteExtractStringUint64). *used: the
 * bytes it took (Suricata's extbytes). @return false: no number. */
static bool
sm_read(const struct weir_byteop *b, const uint8_t *p, int64_t nbytes, uint64_t *v, uint32_t *used)
{
	uint64_t x = 0;
	size_t n;
	int64_t k;

	if (b->string) {
		/* Suricata refuses more than 23 characters; 0 would read up
		 * to a NUL past the value (refused at parse time, and here
		 * for a variable) */
		if (nbytes < 1 || nbytes > 23 ||
		    weir_strtou64((const char *)p, (size_t)nbytes, b->base, v, &n) != 0)
			return false;
		*used = (uint32_t)n;
		return true;
	}
	if (nbytes < 0 || nbytes > 8)
		return false;
	for (k = 0; k < nbytes; k++) {
		if (b->little)
			x |= (uint64_t)p[k] << (8 * k);
		else
			x = x << 8 | p[k];
	}
	*v = x;
	*used = (uint32_t)nbytes;
	return true;
}

/*
 * Where a byte keyword reads: [*at, *at + *avail) as Suricata computes
 * ptr and len (relative: from the previous match's end plus the offset).
 * @return false when there is no such place (Suricata's "no relative
 * base" or ptr before the payload).
 */
static bool
sm_place(const struct sm_run *r, bool relative, uint32_t prev_end, int64_t off, int64_t nbytes,
	 int64_t *at)
{
	int64_t avail;

	if (relative) {
		*at = (int64_t)prev_end + off;
		avail = (int64_t)r->len - prev_end - off;
		if (avail <= 0)
			return false;
	} else {
		*at = off;
		avail = (int64_t)r->len - off;
	}
	return *at >= 0 && nbytes <= avail;
}

static inline uint64_t
sm_var(const struct sm_run *r, uint8_t var, uint64_t lit)
{
	return var != 0 ? r->vals[var - 1] : lit;
}

/* byte_test (DetectBytetestDoMatch): no match never ends the inspection. */
static int
sm_byte_test(struct sm_run *r, unsigned int i, uint32_t prev_end)
{
	const struct weir_byteop *b = &r->p->items[i].bop;
	int64_t off = b->offset_var ? (int32_t)r->vals[b->offset_var - 1] : b->offset;
	int64_t nb = b->nbytes_var ? (int32_t)r->vals[b->nbytes_var - 1] : b->nbytes;
	uint64_t value = sm_var(r, b->value_var, b->value), v;
	uint32_t used;
	int64_t at;
	bool m;

	if (!sm_place(r, b->relative, prev_end, off, nb, &at) ||
	    !sm_read(b, r->buf + at, nb, &v, &used))
		return 0;
	if (b->has_bitmask) {
		v &= b->bitmask;
		if (v != 0 && b->bitmask_shift != 0)
			v >>= b->bitmask_shift;
	}
	switch (b->op) {
	case WEIR_BT_EQ:
		m = v == value;
		break;
	case WEIR_BT_LT:
		m = v < value;
		break;
	case WEIR_BT_GT:
		m = v > value;
		break;
	case WEIR_BT_LE:
		m = v <= value;
		break;
	case WEIR_BT_GE:
		m = v >= value;
		break;
	case WEIR_BT_AND:
		m = (v & value) != 0;
		break;
	default: /* WEIR_BT_XOR */
		m = (v ^ value) != 0;
		break;
	}
	return m != b->neg ? sm_next(r, i, prev_end) : 0;
}

/* byte_jump (DetectBytejumpDoMatch, Suricata 8): moves the relative
 * anchor; a jump before the payload lands on its start, one past the
 * end fails. */
static int
sm_byte_jump(struct sm_run *r, unsigned int i, uint32_t prev_end)
{
	const struct weir_byteop *b = &r->p->items[i].bop;
	int64_t off = b->offset_var ? (int32_t)r->vals[b->offset_var - 1] : b->offset;
	int64_t nb = b->nbytes_var ? (int32_t)r->vals[b->nbytes_var - 1] : b->nbytes;
	int64_t at, avail, base, jump;
	uint32_t used;
	uint64_t v;

	at = off;
	avail = (int64_t)r->len - off;
	if (b->relative) {
		at += prev_end;
		avail -= prev_end;
		if (nb != 0 && avail <= 0)
			return 0;
	}
	if (at < 0 || nb > avail || !sm_read(b, r->buf + at, nb, &v, &used))
		return 0;
	v *= b->multiplier;
	if (b->align && v % 4 != 0)
		v += 4 - v % 4;
	v += (uint64_t)(int64_t)b->post_offset;
	if (b->from_beginning)
		base = 0;
	else if (b->from_end)
		base = r->len;
	else
		base = at + used;
	if (__builtin_add_overflow(base, (int64_t)v, &jump))
		return 0;
	if (jump < 0)
		jump = 0;
	else if (jump > (int64_t)r->len)
		return 0;
	return sm_next(r, i, (uint32_t)jump);
}

/* byte_extract and byte_math: set their variable and move the relative
 * anchor past the bytes read (DetectByteExtractDoMatch,
 * DetectByteMathDoMatch). */
static int
sm_byte_var(struct sm_run *r, unsigned int i, uint32_t prev_end)
{
	const struct sm_item *it = &r->p->items[i];
	const struct weir_byteop *b = &it->bop;
	int64_t nb = b->nbytes_var ? (uint8_t)r->vals[b->nbytes_var - 1] : b->nbytes;
	uint64_t v, rv;
	uint32_t used;
	int64_t at;

	if (!sm_place(r, b->relative, prev_end, b->offset, nb, &at) ||
	    !sm_read(b, r->buf + at, nb, &v, &used))
		return 0;
	if (it->kind == WEIR_ITEM_BYTE_EXTRACT) {
		v *= b->multiplier;
		if (b->align != 0 && v % b->align != 0)
			v += b->align - v % b->align;
	} else {
		rv = sm_var(r, b->value_var, b->value);
		switch (b->op) {
		case WEIR_BM_ADD:
			v += rv;
			break;
		case WEIR_BM_SUB:
			v -= rv;
			break;
		case WEIR_BM_MUL:
			v *= rv;
			break;
		case WEIR_BM_DIV:
			/* undefined in Suricata (C division by zero) */
			if (rv == 0)
				return 0;
			v /= rv;
			break;
		case WEIR_BM_SHL:
			/* C leaves shifts of 64 or more undefined; x86-64,
			 * where Suricata runs, takes the count modulo 64 */
			v <<= rv & 63;
			break;
		default:
			v >>= rv & 63;
			break;
		}
		if (b->has_bitmask) {
			v &= b->bitmask;
			if (v != 0 && b->bitmask_shift != 0)
				v >>= b->bitmask_shift;
		}
	}
	r->vals[b->slot] = v;
	return sm_next(r, i, (uint32_t)(at + used));
}

/*
 * isdataat (Suricata 8's inspection loop): a literal position that fails
 * ends the inspection (a later occurrence of an earlier match cannot put
 * data where there is none); one from a variable may be retried.
 */
static int
sm_isdataat(struct sm_run *r, unsigned int i, uint32_t prev_end)
{
	const struct weir_byteop *b = &r->p->items[i].bop;
	uint64_t at = sm_var(r, b->offset_var, b->value);
	int fail = b->offset_var ? 0 : -1;
	bool data;

	if (b->offset_var && at >= 100000000)
		return b->neg ? sm_next(r, i, prev_end) : 0;
	if (b->relative) {
		data = (uint64_t)prev_end + at <= r->len;
		if (!data)
			return b->neg ? sm_next(r, i, prev_end) : fail;
		return b->neg ? 0 : sm_next(r, i, prev_end);
	}
	data = at < r->len;
	if (data)
		return b->neg ? fail : sm_next(r, i, prev_end);
	return b->neg ? sm_next(r, i, prev_end) : fail;
}

static int
sm_inspect(struct sm_run *r, unsigned int i, uint32_t prev_end)
{
	if (++r->steps >= SM_STEP_LIMIT)
		return -1;
	switch (r->p->items[i].kind) {
	case WEIR_ITEM_CONTENT:
		return sm_content(r, i, prev_end);
	case WEIR_ITEM_PCRE:
		return sm_pcre(r, i, prev_end);
	case WEIR_ITEM_PAN:
		return sm_pan(r, i, prev_end);
	case WEIR_ITEM_BYTE_TEST:
		return sm_byte_test(r, i, prev_end);
	case WEIR_ITEM_BYTE_JUMP:
		return sm_byte_jump(r, i, prev_end);
	case WEIR_ITEM_BYTE_EXTRACT:
	case WEIR_ITEM_BYTE_MATH:
		return sm_byte_var(r, i, prev_end);
	case WEIR_ITEM_ISDATAAT:
		return sm_isdataat(r, i, prev_end);
	}
	return -1;
}

bool
weir_sprog_match(const struct weir_sprog *p, const uint8_t *payload, uint32_t len,
		 struct weir_match_ctx *ctx)
{
	struct sm_run r;

	if (p == NULL)
		return false;
	if (p->n == 0)
		return true;
	/*
	 * Suricata gives every rule with payload keywords
	 * SIG_MASK_REQUIRE_PAYLOAD: a packet without payload is never
	 * inspected against it, so even a rule of negated items alone does
	 * not match an empty payload.
	 */
	if (payload == NULL || len == 0)
		return false;
	/* pcre needs the match data, pan the per-packet cache */
	if (ctx == NULL && p->needs_ctx)
		return false;
	r.p = p;
	r.buf = payload;
	r.len = len;
	r.ctx = ctx;
	r.steps = 0;
	r.caps = NULL;
	/* every variable is set before it is read; zeroed for tools */
	if (p->n_vars > 0)
		memset(r.vals, 0, p->n_vars * sizeof(r.vals[0]));
	return sm_inspect(&r, 0, 0) == 1;
}

bool
weir_sprog_capture(const struct weir_sprog *p, const uint8_t *payload, uint32_t len,
		   struct weir_match_ctx *ctx, struct weir_sprog_caps *out)
{
	struct sm_run r;
	unsigned int g;

	for (g = 0; g < WEIR_SPROG_CAPS; g++)
		out->start[g] = out->end[g] = UINT32_MAX;
	memset(out->vals, 0, sizeof(out->vals));
	if (p == NULL || payload == NULL || len == 0 || ctx == NULL)
		return false;
	if (p->n == 0)
		return true;
	r.p = p;
	r.buf = payload;
	r.len = len;
	r.ctx = ctx;
	r.steps = 0;
	r.caps = out;
	memset(r.vals, 0, sizeof(r.vals));
	if (sm_inspect(&r, 0, 0) != 1)
		return false;
	memcpy(out->vals, r.vals, sizeof(out->vals));
	return true;
}
