/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The confirm step's compile half: a parsed Suricata rule's payload items
 * become a weir_sprog (contents copied and case-folded with their skip
 * tables, pcre items compiled by PCRE2 with Suricata's limits, and the
 * *_NEXT flags that say which item retries). rules_match_confirm.c runs
 * the result per packet and says what the semantics are.
 *
 * Thread: control side only (allocates, compiles). A built program is
 * immutable and shared by every worker.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_confirm_int.h"

static void __attribute__((format(printf, 3, 4)))
sm_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- build (control thread) ------------------------------------------ */

/*
 * Set the *_NEXT flags the way Suricata's keyword setup does: a relative
 * item marks the nearest content or pcre before it (pan is not one of
 * Suricata's keywords and is skipped).
 *   - within on a content: WITHIN_NEXT on a previous content
 *     (detect-within.c);
 *   - distance on a content: DISTANCE_NEXT, or RELATIVE_NEXT when this
 *     content is negated (detect-distance.c: a later occurrence of the
 *     previous match can leave a negated window empty, so it must retry);
 *   - pcre R: RELATIVE_NEXT on a previous content (detect-pcre.c);
 *   - any of these after a pcre: PCRE_RELATIVE_NEXT on it.
 * Only WITHIN_NEXT (content) and PCRE_RELATIVE_NEXT (pcre) make an item
 * retry its next occurrence; DISTANCE_NEXT only keeps a negated content
 * from ending the whole inspection (DETECT_CONTENT_IS_SINGLE).
 */
static void
sm_link(struct sm_item *items, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		struct sm_item *it = &items[i], *prev = NULL;
		bool byte = weir_item_is_byte(it->kind);

		if (it->kind == WEIR_ITEM_PAN || !(byte ? it->bop.relative : it->relative))
			continue;
		/*
		 * A relative content or pcre marks the nearest content or pcre
		 * before it; a relative byte keyword or isdataat marks the
		 * payload keyword right before it, and only if that is a content
		 * or pcre (DetectGetLastSMFromLists in their Setup functions).
		 */
		for (j = i; j > 0; j--) {
			unsigned int k = items[j - 1].kind;

			if (k == WEIR_ITEM_PAN || (!byte && weir_item_is_byte(k)))
				continue;
			prev = &items[j - 1];
			break;
		}
		if (prev == NULL || weir_item_is_byte(prev->kind))
			continue;
		if (prev->kind == WEIR_ITEM_PCRE) {
			prev->next |= SM_PCRE_RELATIVE_NEXT;
		} else if (it->kind == WEIR_ITEM_PCRE || byte) {
			prev->next |= SM_RELATIVE_NEXT;
		} else {
			if (it->has_within)
				prev->next |= SM_WITHIN_NEXT;
			if (it->has_distance)
				prev->next |= it->negated ? SM_RELATIVE_NEXT : SM_DISTANCE_NEXT;
		}
	}
}

static int
sm_build_content(struct sm_item *it, const struct weir_item *src, char *err, size_t errlen)
{
	uint32_t i;

	if (src->len == 0 || src->bytes == NULL) {
		sm_set_err(err, errlen, "content: empty pattern");
		return -EINVAL;
	}
	/* the parser guarantees these (rules_int.h); a negative offset would
	 * make the search read before the payload */
	if ((src->has_offset && !src->offset_var && src->offset < 0) ||
	    (src->has_depth && !src->depth_var && src->depth < 1) ||
	    (src->has_within && !src->within_var && src->within < 1)) {
		sm_set_err(err, errlen, "content: offset, depth or within out of range");
		return -EINVAL;
	}
	it->len = src->len;
	it->bytes = malloc(src->len);
	if (it->bytes == NULL)
		return -ENOMEM;
	memcpy(it->bytes, src->bytes, src->len);
	/*
	 * luhn after a content looks at bytes that are always the content
	 * itself (nocase changes letters, never digits), so its verdict is
	 * the same for every occurrence: decide it once here.
	 */
	if (src->luhn)
		it->never = !weir_luhn_in(src->bytes, src->len);
	if (!it->nocase)
		return 0;
	for (i = 0; i < it->len; i++)
		it->bytes[i] = sm_fold(it->bytes[i]);
	it->skip = malloc(256 * sizeof(*it->skip));
	if (it->skip == NULL)
		return -ENOMEM;
	for (i = 0; i < 256; i++)
		it->skip[i] = it->len;
	for (i = 0; i + 1 < it->len; i++)
		it->skip[it->bytes[i]] = it->len - 1 - i;
	return 0;
}

static int
sm_build_pcre(struct sm_item *it, const struct weir_item *src, bool capture, char *err,
	      size_t errlen)
{
	uint32_t opts = 0;
	int code;
	PCRE2_SIZE eoff;
	PCRE2_UCHAR msg[256];

	if (src->pcre == NULL) {
		sm_set_err(err, errlen, "pcre: no pattern");
		return -EINVAL;
	}
	if (src->pcre_flags & WEIR_PCRE_I)
		opts |= PCRE2_CASELESS;
	if (src->pcre_flags & WEIR_PCRE_S)
		opts |= PCRE2_DOTALL;
	if (src->pcre_flags & WEIR_PCRE_M)
		opts |= PCRE2_MULTILINE;
	if (src->pcre_flags & WEIR_PCRE_X)
		opts |= PCRE2_EXTENDED;
	/*
	 * As Suricata (DetectPcreParse): groups do not capture unless the
	 * pattern refers to one (\1), which the first compile reports as
	 * error 115 and the second then allows. Only the whole match is
	 * ever read, so captures are work for nothing; except in a field
	 * program's capture item (field:NAME,pcre,N), whose groups all
	 * capture (no match changes).
	 */
	it->code = pcre2_compile((PCRE2_SPTR)src->pcre, PCRE2_ZERO_TERMINATED,
				 opts | (capture ? 0 : PCRE2_NO_AUTO_CAPTURE), &code, &eoff, NULL);
	if (it->code == NULL && code == PCRE2_ERROR_BAD_SUBPATTERN_REFERENCE)
		it->code = pcre2_compile((PCRE2_SPTR)src->pcre, PCRE2_ZERO_TERMINATED, opts, &code,
					 &eoff, NULL);
	if (it->code == NULL) {
		if (code == PCRE2_ERROR_NOMEMORY)
			return -ENOMEM;
		if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "error %d", code);
		sm_set_err(err, errlen, "pcre \"%s\": %s at offset %lu", src->pcre,
			   (const char *)msg, (unsigned long)eoff);
		return -EINVAL;
	}
	/*
	 * The JIT is what makes the hot path allocation-free (it runs on a
	 * 32 KiB stack of its own on the machine stack, like Suricata, which
	 * sets no JIT stack either). It can be unavailable (no executable
	 * memory): the interpreter then gives the same answers, only slower.
	 */
	(void)pcre2_jit_compile(it->code, PCRE2_JIT_COMPLETE);
	return 0;
}

static void
sm_item_clear(struct sm_item *it)
{
	free(it->bytes);
	free(it->skip);
	pcre2_code_free(it->code);
}

static int
sm_build(const struct weir_suri_rule *r, int cap_item, struct weir_sprog **out, char *err,
	 size_t errlen, unsigned int *err_col)
{
	struct weir_sprog *p;
	unsigned int i, n;
	int rc = 0;

	if (r == NULL || out == NULL)
		return -EINVAL;
	*out = NULL;
	n = r->n_items;
	if (n > 0 && r->items == NULL)
		return -EINVAL;
	p = calloc(1, sizeof(*p) + (size_t)n * sizeof(p->items[0]));
	if (p == NULL)
		return -ENOMEM;
	p->cap_item = -1;
	for (i = 0; i < n; i++) {
		const struct weir_item *src = &r->items[i];
		struct sm_item *it = &p->items[i];

		it->kind = src->kind;
		it->negated = src->negated;
		it->nocase = src->nocase;
		it->luhn = src->luhn;
		it->has_offset = src->has_offset;
		it->has_depth = src->has_depth;
		it->has_distance = src->has_distance;
		it->has_within = src->has_within;
		it->offset = src->offset;
		it->depth = src->depth;
		it->distance = src->distance;
		it->within = src->within;
		it->endswith = src->endswith;
		it->offset_var = src->offset_var;
		it->depth_var = src->depth_var;
		it->distance_var = src->distance_var;
		it->within_var = src->within_var;
		it->bop = src->bop;
		it->bop.name = NULL;
		p->n = i + 1; /* items[0..i] are cleared on failure */
		/* the run reads vals[var - 1]: the parser never names more */
		if (it->offset_var > WEIR_BYTE_VARS_MAX || it->depth_var > WEIR_BYTE_VARS_MAX ||
		    it->distance_var > WEIR_BYTE_VARS_MAX || it->within_var > WEIR_BYTE_VARS_MAX ||
		    it->bop.nbytes_var > WEIR_BYTE_VARS_MAX ||
		    it->bop.offset_var > WEIR_BYTE_VARS_MAX ||
		    it->bop.value_var > WEIR_BYTE_VARS_MAX) {
			sm_set_err(err, errlen, "byte variable out of range");
			rc = -EINVAL;
			if (err_col != NULL)
				*err_col = src->col;
			goto err_free;
		}
		switch (src->kind) {
		case WEIR_ITEM_CONTENT:
			/* Suricata's test is the flags, not a separate bit. */
			it->relative = src->has_distance || src->has_within;
			rc = sm_build_content(it, src, err, errlen);
			break;
		case WEIR_ITEM_PCRE:
			it->relative = src->relative;
			rc = sm_build_pcre(it, src, (int)i == cap_item, err, errlen);
			p->needs_ctx = true;
			if (rc == 0 && p->mctx == NULL) {
				p->mctx = pcre2_match_context_create(NULL);
				if (p->mctx == NULL) {
					rc = -ENOMEM;
					break;
				}
				pcre2_set_match_limit(p->mctx, SM_PCRE_MATCH_LIMIT);
				pcre2_set_depth_limit(p->mctx, SM_PCRE_DEPTH_LIMIT);
			}
			break;
		case WEIR_ITEM_PAN:
			p->needs_ctx = true;
			break;
		case WEIR_ITEM_BYTE_EXTRACT:
		case WEIR_ITEM_BYTE_MATH:
			if (src->bop.slot >= WEIR_BYTE_VARS_MAX) {
				sm_set_err(err, errlen, "byte variable slot out of range");
				rc = -EINVAL;
			} else if (src->bop.slot + 1u > p->n_vars) {
				p->n_vars = src->bop.slot + 1u;
			}
			break;
		case WEIR_ITEM_BYTE_TEST:
		case WEIR_ITEM_BYTE_JUMP:
		case WEIR_ITEM_ISDATAAT:
			break;
		default:
			sm_set_err(err, errlen, "unknown item kind %d", (int)src->kind);
			rc = -EINVAL;
			break;
		}
		if (rc != 0) {
			if (err_col != NULL)
				*err_col = src->col;
			goto err_free;
		}
	}
	p->n = n;
	sm_link(p->items, n);
	*out = p;
	return 0;

err_free:
	weir_sprog_free(p);
	return rc;
}

int
weir_sprog_build(const struct weir_suri_rule *r, struct weir_sprog **out, char *err, size_t errlen,
		 unsigned int *err_col)
{
	return sm_build(r, -1, out, err, errlen, err_col);
}

int
weir_sprog_build_fields(const struct weir_suri_rule *r, int cap_item, struct weir_sprog **out,
			unsigned int *n_groups, char *err, size_t errlen, unsigned int *err_col)
{
	uint32_t groups = 0;
	int rc;

	if (r == NULL || cap_item >= (int)r->n_items ||
	    (cap_item >= 0 && r->items[cap_item].kind != WEIR_ITEM_PCRE))
		return -EINVAL;
	rc = sm_build(r, cap_item, out, err, errlen, err_col);
	if (rc < 0)
		return rc;
	if (cap_item >= 0) {
		(*out)->cap_item = cap_item;
		if (pcre2_pattern_info((*out)->items[cap_item].code, PCRE2_INFO_CAPTURECOUNT,
				       &groups) != 0)
			groups = 0;
	}
	if (n_groups != NULL)
		*n_groups = groups;
	return 0;
}

void
weir_sprog_free(struct weir_sprog *p)
{
	unsigned int i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		sm_item_clear(&p->items[i]);
	pcre2_match_context_free(p->mctx);
	free(p);
}
