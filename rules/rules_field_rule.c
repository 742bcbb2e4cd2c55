/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A rule's fields (field: keywords, tracker issue 18) read on the bytes it
 * matched: the worker calls this for a window rule's observation
 * (app/worker_window.c) and for an ordinary alert's alert.context
 * (app/worker.c). json and kv search the record around the match
 * (rules_field.c); pcre and byte_extract fields run the rule's field
 * program (its payload confirm program with the last pcre's groups
 * capturing, built by weir_field_finish) once per match and read the
 * capture groups and byte variables of the chain of matches that made the
 * rule hold. Only rules with field: come here, on a match: a rule without
 * costs nothing.
 *
 * Thread: the worker whose match context (rs->w[worker].mctx) is used;
 * nothing is allocated.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "rules_field.h"
#include "rules_int.h"

void
weir_field_record(const uint8_t *buf, uint32_t len, uint32_t match_end, uint32_t *rb, uint32_t *re)
{
	const uint8_t *nl;

	if (match_end > len)
		match_end = len;
	/* the newlines either side, by the C library's vector scans */
	nl = match_end > 0 ? memrchr(buf, '\n', match_end) : NULL;
	*rb = nl != NULL ? (uint32_t)(nl - buf) + 1u : 0;
	nl = match_end < len ? memchr(buf + match_end, '\n', len - match_end) : NULL;
	*re = nl != NULL ? (uint32_t)(nl - buf) : len;
}

static void
rf_caps_run(const struct weir_ruleset *rs, unsigned int worker, const struct weir_rt_rule *r,
	    const uint8_t *buf, uint32_t len, struct weir_field_caps *caps)
{
	struct weir_sprog_caps sc;
	struct weir_match_ctx *mctx =
		rs->w != NULL && worker < rs->n_workers ? rs->w[worker].mctx : NULL;

	_Static_assert(sizeof(caps->start) == sizeof(sc.start), "capture groups");
	_Static_assert(sizeof(caps->vals) == sizeof(sc.vals), "byte variables");
	caps->done = true;
	caps->ok = r->sr != NULL && r->sr->fprog != NULL &&
		   weir_sprog_capture(r->sr->fprog, buf, len, mctx, &sc);
	if (!caps->ok)
		return;
	memcpy(caps->start, sc.start, sizeof(caps->start));
	memcpy(caps->end, sc.end, sizeof(caps->end));
	memcpy(caps->vals, sc.vals, sizeof(caps->vals));
}

enum weir_field_res
weir_rule_field(const struct weir_ruleset *rs, unsigned int worker, uint32_t idx, unsigned int i,
		const uint8_t *buf, uint32_t len, uint32_t rb, uint32_t re,
		struct weir_field_caps *caps, struct weir_field_val *out)
{
	const struct weir_rt_rule *r = &rs->rules[idx];
	const struct weir_rfield *f = &r->fields[i];
	uint32_t s, e, n;
	int m;

	switch (f->src) {
	case WEIR_RFS_JSON:
		return weir_field_json_find(buf + rb, re - rb, f->key, f->klen, out);
	case WEIR_RFS_KV:
		return weir_field_kv_find(buf + rb, re - rb, f->key, f->klen, f->sep, f->form, out);
	default:
		break;
	}
	if (!caps->done)
		rf_caps_run(rs, worker, r, buf, len, caps);
	if (!caps->ok)
		return WEIR_FIELD_ABSENT;
	memset(out, 0, offsetof(struct weir_field_val, bytes));
	if (f->src == WEIR_RFS_BYTE_EXTRACT) {
		m = snprintf((char *)out->bytes, sizeof(out->bytes), "%" PRIu64,
			     caps->vals[f->arg < 32 ? f->arg : 0]);
		out->type = WEIR_FV_NUMBER;
		out->len = (uint16_t)m;
		return WEIR_FIELD_FOUND;
	}
	if (f->arg >= 10 || caps->start[f->arg] == UINT32_MAX)
		return WEIR_FIELD_ABSENT;
	s = caps->start[f->arg];
	e = caps->end[f->arg];
	if (e > len || s > e)
		return WEIR_FIELD_ABSENT;
	n = e - s;
	if (n > WEIR_FIELD_MAX) {
		n = WEIR_FIELD_MAX;
		out->truncated = true;
	}
	memcpy(out->bytes, buf + s, n);
	out->type = WEIR_FV_STRING;
	out->len = (uint16_t)n;
	out->end = e;
	return WEIR_FIELD_FOUND;
}

/* [p, p + n) into [*o, end) when it fits. */
static bool
rf_put(char **o, char *end, const char *p, size_t n)
{
	if ((size_t)(end - *o) < n)
		return false;
	memcpy(*o, p, n);
	*o += n;
	return true;
}

/* One member "NAME":value of the context at *o, or nothing when it does
 * not fit (then *o is unchanged). */
static bool
rf_member(char **o, char *end, bool first, const struct weir_rfield *f,
	  const struct weir_field_val *v, const struct weir_field_rend *rend)
{
	char tmp[WEIR_FIELD_MAX * 6 + 3], rtxt[WEIR_FIELD_MAX + 64];
	char *p = *o;
	size_t n;
	int m;

	if (!first && !rf_put(&p, end, ",", 1))
		return false;
	m = weir_json_str(f->name, strlen(f->name), tmp, sizeof(tmp));
	if (m < 0 || !rf_put(&p, end, tmp, (size_t)m) || !rf_put(&p, end, ":", 1))
		return false;
	if (f->sensitive) {
		n = rend != NULL && rend->hmac
			    ? weir_field_hmac(v, rend->key, rend->klen, rtxt, sizeof(rtxt))
			    : weir_field_mask(v, rtxt, sizeof(rtxt));
		if (n == 0)
			return false;
		m = weir_json_str(rtxt, n, tmp, sizeof(tmp));
		if (m < 0 || !rf_put(&p, end, tmp, (size_t)m))
			return false;
	} else if (v->type == WEIR_FV_NUMBER || v->type == WEIR_FV_BOOL ||
		   v->type == WEIR_FV_NULL) {
		/* JSON numbers and literals as written, byte_extract's decimal */
		if (!rf_put(&p, end, (const char *)v->bytes, v->len))
			return false;
	} else {
		m = weir_json_str((const char *)v->bytes, v->len, tmp, sizeof(tmp));
		if (m < 0 || !rf_put(&p, end, tmp, (size_t)m))
			return false;
	}
	*o = p;
	return true;
}

size_t
weir_rule_fields_context(const struct weir_ruleset *rs, unsigned int worker, uint32_t idx,
			 const uint8_t *buf, uint32_t len, uint32_t match_end,
			 const struct weir_field_rend *rend, char *out, size_t cap,
			 unsigned int *missing)
{
	const struct weir_rt_rule *r = &rs->rules[idx];
	struct weir_field_caps caps = {.done = false};
	struct weir_field_val v;
	char *o = out, *end = out + cap - 1; /* room for the '}' */
	uint32_t rb = 0, re = 0;
	unsigned int i, miss = 0;
	bool first = true;

	if (cap < 2)
		return 0;
	if (buf != NULL)
		weir_field_record(buf, len, match_end, &rb, &re);
	*o++ = '{';
	for (i = 0; i < r->n_fields; i++) {
		if (buf == NULL || len == 0 ||
		    weir_rule_field(rs, worker, idx, i, buf, len, rb, re, &caps, &v) !=
			    WEIR_FIELD_FOUND ||
		    !rf_member(&o, end, first, &r->fields[i], &v, rend)) {
			miss++;
			continue;
		}
		first = false;
	}
	*o++ = '}';
	if (missing != NULL)
		*missing = miss;
	return (size_t)(o - out);
}
