/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flow keywords at rule-set build time (control side): what a
 * rule's flow: options ask of a packet's flow bits, the numbering of
 * flowbit and flowint names into the per-flow struct weir_flowvars, the
 * order in which rules with flowbits or flowint are evaluated on one
 * packet, and Suricata's load-time warning about a flowbit nobody sets.
 * rules_match.c applies all of it per packet.
 *
 * Semantics, from Suricata's source (detect-flow.c, detect-flowbits.c,
 * detect-flowint.c, detect-engine-sigorder.c, detect.c):
 *  - A flow: with a direction alone adds no match: the direction only
 *    puts the rule in the to-server or to-client rule groups, and a packet
 *    without a flow is looked up in the to-server ones. So flow:to_server
 *    matches packets without a flow, flow:to_client does not.
 *  - Any other flow: option also needs the packet to have a flow
 *    (SIG_MASK_REQUIRE_FLOW), stateless included.
 *  - FlowMatch counts one hit per group of options (frag, direction,
 *    state, stream) against the number of options: not_established with
 *    stateless can never reach its count, so such a rule never matches.
 *  - Rules are evaluated in the signature order: action (pass first),
 *    then flowbits use (setters, setters that check, checkers, others),
 *    flowint use likewise, then priority, then sid. A rule that sets a
 *    flowbit is so evaluated before one that checks it on the same packet.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dec_event.h"
#include "rules.h"
#include "rules_int.h"

/* A mask/want pair no packet can satisfy: (flow & 0) != FLOW_NEVER. */
#define FLOW_NEVER 0x80u

void
weir_compile_flow_check(const struct weir_suri_rule *s, uint8_t *mask, uint8_t *want)
{
	unsigned int f = s->flow, m = 0, w = 0;

	*mask = 0;
	*want = 0;
	if (!s->has_flow)
		return;
	if (f == WEIR_FLOW_TOSERVER) {
		/* no flow, or a flow's to-server packet */
		*mask = WEIR_SCAN_FLOW_TOCLIENT;
		return;
	}
	if (f == WEIR_FLOW_TOCLIENT) {
		*mask = WEIR_SCAN_FLOW_TOCLIENT;
		*want = WEIR_SCAN_FLOW_TOCLIENT;
		return;
	}
	if ((f & WEIR_FLOW_NOT_ESTABLISHED) && (f & WEIR_FLOW_STATELESS)) {
		*want = FLOW_NEVER;
		return;
	}
	m |= WEIR_SCAN_FLOW;
	w |= WEIR_SCAN_FLOW;
	if (f & WEIR_FLOW_TOSERVER) {
		m |= WEIR_SCAN_FLOW_TOSERVER;
		w |= WEIR_SCAN_FLOW_TOSERVER;
	} else if (f & WEIR_FLOW_TOCLIENT) {
		m |= WEIR_SCAN_FLOW_TOCLIENT;
		w |= WEIR_SCAN_FLOW_TOCLIENT;
	}
	if (f & WEIR_FLOW_ESTABLISHED) {
		m |= WEIR_SCAN_FLOW_ESTABLISHED;
		w |= WEIR_SCAN_FLOW_ESTABLISHED;
	} else if (f & WEIR_FLOW_NOT_ESTABLISHED) {
		m |= WEIR_SCAN_FLOW_ESTABLISHED;
	}
	if (f & WEIR_FLOW_ONLY_FRAG) {
		m |= WEIR_SCAN_FLOW_REBUILT_FRAG;
		w |= WEIR_SCAN_FLOW_REBUILT_FRAG;
	} else if (f & WEIR_FLOW_NO_FRAG) {
		m |= WEIR_SCAN_FLOW_REBUILT_FRAG;
	}
	/* no_stream: weir inspects packets only, so it always holds */
	*mask = (uint8_t)m;
	*want = (uint8_t)w;
}

unsigned int
weir_compile_flow_dirs(uint8_t mask, uint8_t want)
{
	/* the bits that say a packet's side, and every value they can take
	 * but both directions at once (a direction without a flow cannot
	 * happen either; allowing it keeps the answer a superset) */
	const unsigned int d = WEIR_SCAN_FLOW | WEIR_SCAN_FLOW_TOSERVER | WEIR_SCAN_FLOW_TOCLIENT;
	const unsigned int both = WEIR_SCAN_FLOW_TOSERVER | WEIR_SCAN_FLOW_TOCLIENT;
	unsigned int x, sides = 0;

	if (want & ~mask)
		return 0; /* FLOW_NEVER: no packet's bits equal it */
	for (x = 0; x <= d; x++) {
		if ((x & both) == both || (x & mask & d) != (want & d))
			continue;
		sides |= (x & WEIR_SCAN_FLOW_TOCLIENT) ? WEIR_DIR_CLIENT : WEIR_DIR_SERVER;
	}
	return sides;
}

/* The index of @p name in @p v[0..*n), added when absent and room is
 * left. @return the index, or -1 when @p max names are taken. */
static int
flow_name_index(const char **v, unsigned int *n, unsigned int max, const char *name)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (strcmp(v[i], name) == 0)
			return (int)i;
	if (*n == max)
		return -1;
	v[*n] = name;
	return (int)(*n)++;
}

int
weir_compile_flow_names(struct weir_fvnames *t, struct weir_suri_rule *s, struct weir_diags *diags)
{
	unsigned int i, k;

	for (i = 0; i < s->n_fv; i++) {
		struct weir_fvop *f = &s->fv[i];
		bool fi = weir_fv_is_flowint(f->op);

		for (k = 0; k < f->n; k++) {
			int x = fi ? flow_name_index(t->ints, &t->n_ints, WEIR_FLOWINTS_MAX,
						     f->names[k])
				   : flow_name_index(t->bits, &t->n_bits, WEIR_FLOWBITS_MAX,
						     f->names[k]);

			if (x < 0) {
				if (fi)
					weir_diag_add(
						diags, s->file, s->line, f->col, "flowint",
						"flowint: '%s' would be flowint name %d of the "
						"rule set; weir keeps %d per flow",
						f->names[k], WEIR_FLOWINTS_MAX + 1,
						WEIR_FLOWINTS_MAX);
				else
					weir_diag_add(diags, s->file, s->line, f->col, "flowbits",
						      "flowbits: '%s' would be flowbit name %d of "
						      "the rule set; weir keeps %d per flow",
						      f->names[k], WEIR_FLOWBITS_MAX + 1,
						      WEIR_FLOWBITS_MAX);
				return -EINVAL;
			}
			f->idx[k] = (uint16_t)x;
		}
	}
	return 0;
}

/* detect-engine-sigorder.c's use types: the higher, the earlier. */
enum { ORDER_NOT_USED = 1, ORDER_READ, ORDER_SET_READ, ORDER_SET };

static int
flow_use_type(const struct weir_suri_rule *s, bool flowint)
{
	unsigned int i, read = 0, write = 0;

	for (i = 0; i < s->n_fv; i++) {
		unsigned int op = s->fv[i].op;

		if (weir_fv_is_flowint(op) != flowint)
			continue;
		if (weir_fv_is_action(op))
			write++;
		else if (op != WEIR_FI_NOTSET) /* Suricata does not count notset */
			read++;
	}
	if (read > 0 && write > 0)
		return ORDER_SET_READ;
	if (write > 0)
		return ORDER_SET;
	return read > 0 ? ORDER_READ : ORDER_NOT_USED;
}

struct flow_okey {
	int action; /* 0 pass, 1 alert */
	int fb, fi;
	uint32_t priority, sid;
	struct weir_suri_rule *s;
};

static int
flow_okey_cmp(const void *a, const void *b)
{
	const struct flow_okey *x = a, *y = b;

	if (x->action != y->action)
		return x->action - y->action;
	if (x->fb != y->fb)
		return y->fb - x->fb;
	if (x->fi != y->fi)
		return y->fi - x->fi;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	if (x->sid != y->sid)
		return x->sid < y->sid ? -1 : 1;
	return 0;
}

int
weir_compile_flow_order(struct weir_suri_rule_list *l)
{
	struct flow_okey *k;
	unsigned int i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->v[i].n_fv > 0;
	if (n == 0)
		return 0;
	k = calloc(n, sizeof(*k));
	if (k == NULL)
		return -ENOMEM;
	for (i = 0, n = 0; i < l->n; i++) {
		struct weir_suri_rule *s = &l->v[i];

		if (s->n_fv == 0)
			continue;
		k[n].action = s->action == WEIR_ACTION_PASS ? 0 : 1;
		k[n].fb = flow_use_type(s, false);
		k[n].fi = flow_use_type(s, true);
		k[n].priority = s->priority;
		k[n].sid = s->sid;
		k[n].s = s;
		n++;
	}
	qsort(k, n, sizeof(*k), flow_okey_cmp);
	for (i = 0; i < n; i++)
		k[i].s->fv_order = i;
	free(k);
	return 0;
}

struct flow_bituse {
	unsigned int sets;   /* set or toggle */
	unsigned int checks; /* isset, each name of a group counting */
	const struct weir_rt_rule *first;
};

static int flow_warn(struct weir_ruleset *rs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
flow_warn(struct weir_ruleset *rs, const char *fmt, ...)
{
	char **v, buf[512], *msg;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	msg = strdup(buf);
	if (msg == NULL)
		return -ENOMEM;
	v = realloc(rs->warnings, (rs->n_warnings + 1) * sizeof(*v));
	if (v == NULL) {
		free(msg);
		return -ENOMEM;
	}
	rs->warnings = v;
	v[rs->n_warnings++] = msg;
	return 0;
}

int
weir_compile_flow_warnings(struct weir_ruleset *rs, const struct weir_fvnames *t)
{
	struct flow_bituse *u;
	unsigned int i, k, j;
	int rc = 0;

	if (t->n_bits == 0)
		return 0;
	u = calloc(t->n_bits, sizeof(*u));
	if (u == NULL)
		return -ENOMEM;
	for (i = 0; i < rs->n_rules; i++) {
		const struct weir_rt_rule *r = &rs->rules[i];

		if (r->sr == NULL)
			continue;
		for (k = 0; k < r->sr->n_fv; k++) {
			const struct weir_fvop *f = &r->sr->fv[k];

			for (j = 0; j < f->n; j++) {
				struct flow_bituse *b = &u[f->idx[j]];

				if (f->op == WEIR_FB_SET || f->op == WEIR_FB_TOGGLE) {
					b->sets++;
				} else if (f->op == WEIR_FB_ISSET) {
					if (b->checks++ == 0)
						b->first = r;
				}
			}
		}
	}
	for (i = 0; i < t->n_bits && rc == 0; i++)
		if (u[i].checks > 0 && u[i].sets == 0)
			rc = flow_warn(rs,
				       "%s:%u: flowbits: flowbit '%s' is checked but not set "
				       "(checked in sid %u and %u other rule%s)",
				       u[i].first->file, u[i].first->line, t->bits[i],
				       u[i].first->sid, u[i].checks - 1,
				       u[i].checks == 2 ? "" : "s");
	free(u);
	return rc;
}

int
weir_compile_event_warnings(struct weir_ruleset *rs)
{
	unsigned int i;

	if ((rs->events & WEIR_PEV_STREAM_MASK) == 0 || rs->stream_db != NULL)
		return 0;
	for (i = 0; i < rs->n_rules; i++) {
		const struct weir_rt_rule *r = &rs->rules[i];

		if (r->sr != NULL && (r->sr->ev_mask & WEIR_PEV_STREAM_MASK) != 0)
			return flow_warn(
				rs,
				"%s:%u: stream-event: sid %u needs the stream engine, which "
				"runs for sets with stream rules only: it cannot match in "
				"this set",
				r->file, r->line, r->sid);
	}
	return 0;
}
