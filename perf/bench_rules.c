/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-rules: what weir's rule matching costs over bare Hyperscan, for
 * rule sets in the Suricata subset. It loads the rule files with weir's own
 * loader (no database cache), reports build time, groups and database
 * bytes, decodes a capture once with weir's decoder into packet views, and
 * then, in the same run and over the same bytes, times three paths:
 *
 *   raw   hs_scan of each payload against ONE block-mode database compiled
 *         from exactly the Hyperscan expressions weir compiles for the
 *         rules: per rule, rules_compile.c's compile_add_suri() steps
 *         (dsize as a depth, weir_hs_plan_build, weir_compile_one_chain:
 *         several chains or a negated part leave only the most selective
 *         positive chain, none leaves the rule `always`), then its
 *         compile_collect(): a single sub gets HS_FLAG_SINGLEMATCH unless
 *         SOM_LEFTMOST, an `always` rule nothing; a plan still holding
 *         several subs or a negated one (none since one-chain; the code
 *         path is kept) would become HS_FLAG_QUIET parts of a logical
 *         combination with SINGLEMATCH. One database for all rules, no
 *         groups, no header check, no confirm step, no `always` rules; the
 *         callback only counts. The floor: what Hyperscan alone charges to
 *         find the same rule candidates in the same payloads.
 *   grp   hs_scan of each payload against the group databases weir's own
 *         dispatch selects for the packet (protocol class and destination
 *         port), same counting callback: grouping without weir's logic.
 *   weir  weir_ruleset_scan() as worker 0, the alert callback counts.
 *   same  raw with the same semantics as weir: raw's scan of raw's ONE
 *         database, and a callback that, per rule named (once per packet),
 *         checks protocol, ports, addresses and dsize with the rule's own
 *         lists and, for the rules Hyperscan does not decide exactly (the
 *         chain cut to one, pcre taken as a prefilter), runs the rule's
 *         exact confirm (weir's evaluator, PCRE2 for pcre); rules with no
 *         expression are checked on every packet. No groups, no address
 *         index, no dispatch: what a developer would write on bare
 *         Hyperscan to raise exactly weir's alerts, and its alerts per rule
 *         are checked against the same expected.tsv. With -C its database
 *         is each rule's FULL plan instead (not cut to one chain: several
 *         chains or a negated one become a Hyperscan logical combination,
 *         so Hyperscan alone decides every rule it can), the design weir
 *         moved away from. Built only for rule sets whose rules use nothing
 *         else (no flow, flowbits, thresholds, header keywords, pass,
 *         events): the bench_rules.sh sets; otherwise it says why and is
 *         not timed.
 *
 * weir / raw is the headline ratio, weir / same the ratio against a
 * baseline with the same semantics; grp / raw says what grouping gains or
 * loses, weir / grp what weir's per-candidate work (dedup, header and dsize
 * checks, the confirm step of inexact candidates and of every `always`
 * rule of the packet's groups, pass and threshold logic) costs.
 *
 * Every path runs the same fixed number of passes over all packets per
 * repetition (chosen once, from a warm-up pass, so that a measurement lasts
 * about -t seconds, or given with -n), capped by -T seconds. Repetitions
 * interleave the paths (order reversed every other one) so that a noisy
 * neighbour hurts all three alike. With -e it first checks, on one pass,
 * that weir raises exactly the alerts weir-gen promised.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hs/hs.h>
#include <pcap/pcap.h>

#include "bench_common.h"
#include "decode.h"
#include "rules.h"
#include "rules_int.h"

#define BR_MAX_FILES 16
#define BR_MAX_REPS  100

enum { BR_RAW = 0, BR_GRP, BR_WEIR, BR_SAME, BR_N };
static const char *const br_name[BR_N] = {"raw", "grp", "weir", "same"};

/* The capture, decoded once: frames back to back and one view each. */
struct br_pkts {
	struct bench_bytes frames; /* as read; frames.n of them */
	struct weir_decoded *dec;
	struct weir_scan_pkt *v; /* what both paths scan */
	size_t n_scan;		 /* views */
	uint64_t payload_bytes;	 /* per pass */
	uint64_t skipped;	 /* fragments, malformed, non-IP */
};

/* The one-database baseline. */
struct br_base {
	hs_database_t *db;
	hs_scratch_t *scratch;
	uint8_t *comb; /* per rule: compiled as a logical combination */
	unsigned int n_comb;
	unsigned int n_one_chain; /* plans weir_compile_one_chain cut to one chain */
	unsigned int n_always;	  /* plans left with no expression (`always`) */
	unsigned int n_inexact;	  /* plans whose candidates weir confirms */
	unsigned int n_expr;
	unsigned int n_skipped; /* -k: rules parsed whose plan failed */
	size_t db_bytes;
	double compile_s;
	/* for `same`: */
	uint8_t *exact;	     /* per rule: Hyperscan's match decides its payload part */
	uint32_t *always;    /* rules with no expression, checked on every packet */
	uint32_t *seen;	     /* per rule: the packet round it was last considered in */
	uint32_t seq;	     /* the current round */
	const char *why_not; /* non-NULL: the set uses more than `same` does */
	char why_buf[160];
};

static int
br_is_suri(const char *path)
{
	size_t n = strlen(path);

	return n >= 6 && strcmp(path + n - 6, ".rules") == 0;
}

/* ---- the capture ------------------------------------------------------ */

/* While reading: the frames and each one's timestamp. */
struct br_reader {
	struct br_pkts *ps;
	uint64_t *ts;
	size_t ts_cap;
};

static int
br_on_frame(void *ctx, const struct pcap_pkthdr *h, const uint8_t *frame)
{
	struct br_reader *rd = ctx;
	size_t i = rd->ps->frames.n;

	if (i >= rd->ts_cap) {
		size_t cap = rd->ts_cap ? rd->ts_cap * 2 : 4096;
		uint64_t *v = realloc(rd->ts, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		rd->ts = v;
		rd->ts_cap = cap;
	}
	rd->ts[i] = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec * 1000;
	return bench_bytes_add(&rd->ps->frames, frame, h->caplen);
}

static uint8_t
br_pclass(uint8_t proto)
{
	switch (proto) {
	case 6:
		return WEIR_PCLASS_TCP;
	case 17:
		return WEIR_PCLASS_UDP;
	default:
		return WEIR_PCLASS_ICMP; /* the decoder's only other OK case */
	}
}

/*
 * Read every frame, then decode them all in place (the views point into
 * the frames, which no longer move). Packets become views as weir's worker
 * makes them: TCP/UDP/ICMP with their payload, other IP protocols with an
 * empty one (header-only `ip` rules); the rest is skipped by every path.
 */
static int
br_read_pcap(const char *path, struct br_pkts *ps, uint64_t **ts_out)
{
	struct br_reader rd = {.ps = ps};
	uint64_t *ts;
	size_t n, i;
	int rc;

	rc = bench_pcap_frames("bench-rules", path, br_on_frame, &rd);
	ts = rd.ts;
	n = ps->frames.n;
	if (rc < 0)
		goto out;
	ps->dec = calloc(n ? n : 1, sizeof(*ps->dec));
	ps->v = calloc(n ? n : 1, sizeof(*ps->v));
	if (ps->dec == NULL || ps->v == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct weir_decoded *d = &ps->dec[ps->n_scan];
		struct weir_scan_pkt *sp = &ps->v[ps->n_scan];
		enum weir_decode_res dr;

		dr = weir_decode(ps->frames.data + ps->frames.off[i],
				 (uint32_t)(ps->frames.off[i + 1] - ps->frames.off[i]), WEIR_L2_ETH,
				 d);
		if (dr == WEIR_DEC_OK) {
			sp->pclass = br_pclass(d->proto);
			sp->payload = d->payload;
			sp->len = d->payload_len;
		} else if (dr == WEIR_DEC_NO_L4 && d->ip_version != 0) {
			sp->pclass = WEIR_PCLASS_OTHER;
			sp->payload = NULL;
			sp->len = 0;
		} else {
			ps->skipped++;
			continue;
		}
		sp->ip_version = d->ip_version;
		sp->sport = d->sport;
		sp->dport = d->dport;
		sp->src = d->src;
		sp->dst = d->dst;
		sp->ts_ns = ts[i];
		ps->payload_bytes += sp->len;
		ps->n_scan++;
	}
out:
	if (ts_out != NULL && rc == 0)
		*ts_out = ts;
	else
		free(ts);
	return rc;
}

static void
br_pkts_free(struct br_pkts *ps)
{
	bench_bytes_free(&ps->frames);
	free(ps->dec);
	free(ps->v);
}

/* ---- the one-database baseline ---------------------------------------- */

struct br_exprs {
	const char **expr;
	unsigned int *flags, *ids;
	const hs_expr_ext_t **ext;
	char **own; /* strings to free */
	unsigned int n, cap, n_own;
	hs_expr_ext_t *ext_store; /* each expression's ext, by value */
	uint8_t *has_ext;	  /* ext[i] = &ext_store[i] once all grew */
};

static int
br_exprs_grow(struct br_exprs *x, unsigned int extra)
{
	unsigned int cap = x->cap;

	if (x->n + extra <= x->cap)
		return 0;
	while (cap < x->n + extra)
		cap = cap ? cap * 2 : 1024;
#define BR_GROW(f)                                                                                 \
	do {                                                                                       \
		void *p_ = realloc((void *)x->f, cap * sizeof(*x->f));                             \
		if (p_ == NULL)                                                                    \
			return -ENOMEM;                                                            \
		x->f = p_;                                                                         \
	} while (0)
	BR_GROW(expr);
	BR_GROW(flags);
	BR_GROW(ids);
	BR_GROW(ext);
	BR_GROW(own);
	BR_GROW(ext_store);
	BR_GROW(has_ext);
#undef BR_GROW
	x->cap = cap;
	return 0;
}

static void
br_exprs_free(struct br_exprs *x)
{
	unsigned int i;

	for (i = 0; i < x->n_own; i++)
		free(x->own[i]);
	free(x->expr);
	free(x->flags);
	free(x->ids);
	free(x->ext);
	free(x->own);
	free(x->ext_store);
	free(x->has_ext);
	memset(x, 0, sizeof(*x));
}

static int
br_own(struct br_exprs *x, char *s)
{
	if (s == NULL)
		return -ENOMEM;
	x->own[x->n_own++] = s;
	return 0;
}

/*
 * Append one rule's plan as rules_compile.c's compile_collect() does:
 * expression id = rule index, quiet parts from @p next_quiet up. ext[]
 * is filled from has_ext[] once the arrays stopped moving (br_base_build).
 */
static int
br_add_plan(struct br_exprs *x, const struct weir_hs_plan *plan, unsigned int rule,
	    unsigned int *next_quiet)
{
	unsigned int k;
	int rc;

	if (plan->n_sub == 0)
		return 0; /* `always`: nothing for Hyperscan */
	rc = br_exprs_grow(x, plan->n_sub + 1);
	if (rc < 0)
		return rc;
	if (plan->n_sub == 1 && !plan->sub[0].negated) {
		const struct weir_hs_expr *e = &plan->sub[0];

		rc = br_own(x, strdup(e->expr));
		if (rc < 0)
			return rc;
		x->expr[x->n] = x->own[x->n_own - 1];
		x->flags[x->n] = e->flags;
		if (!(e->flags & HS_FLAG_SOM_LEFTMOST))
			x->flags[x->n] |= HS_FLAG_SINGLEMATCH;
		x->ids[x->n] = rule;
		x->ext_store[x->n] = e->ext;
		x->has_ext[x->n] = e->has_ext;
		x->n++;
		return 0;
	}
	{
		size_t len = 16 * (plan->n_sub + 1), o = 0;
		char *comb = malloc(len);

		if (comb == NULL)
			return -ENOMEM;
		for (k = 0; k < plan->n_sub; k++) {
			const struct weir_hs_expr *e = &plan->sub[k];
			unsigned int id = (*next_quiet)++;

			rc = br_own(x, strdup(e->expr));
			if (rc < 0) {
				free(comb);
				return rc;
			}
			x->expr[x->n] = x->own[x->n_own - 1];
			x->flags[x->n] = (e->flags & ~HS_FLAG_SOM_LEFTMOST) | HS_FLAG_QUIET;
			x->ids[x->n] = id;
			x->ext_store[x->n] = e->ext;
			x->has_ext[x->n] = e->has_ext;
			x->n++;
			o += (size_t)snprintf(comb + o, len - o, "%s%s%u", k ? " & " : "",
					      e->negated ? "!" : "", id);
		}
		br_own(x, comb);
		x->expr[x->n] = comb;
		x->flags[x->n] = HS_FLAG_COMBINATION | HS_FLAG_SINGLEMATCH;
		x->ids[x->n] = rule;
		x->has_ext[x->n] = 0;
		x->n++;
	}
	return 0;
}

/*
 * Parse the files again (same variables) and compile every rule's plan
 * into one database. Rule order, and so expression ids, are weir's: .rules
 * and signature files each in the order given, signature rules first, as
 * weir_ruleset_load does.
 */
static int
br_base_build(const char *const *paths, unsigned int n_paths, const struct weir_rule_vars *vars,
	      unsigned int n_rules, bool full, bool skip, struct br_base *b)
{
	struct weir_sig_rule_list sig = {0};
	struct weir_suri_rule_list suri = {0};
	struct br_exprs x = {0};
	struct weir_diags diags;
	hs_compile_error_t *cerr = NULL;
	unsigned int i, next_quiet = n_rules, rule = 0;
	hs_error_t err;
	double t0;
	int rc = 0;

	if (weir_diags_init(&diags, 8) < 0)
		return -ENOMEM;
	for (i = 0; i < n_paths; i++) {
		if (br_is_suri(paths[i])) {
			rc = weir_rules_parse_suri_file(paths[i], vars, &suri, &diags);
			/* -k: the rules that parse, as weir keeps them */
			rc = rc < 0 || (rc > 0 && !skip) ? -EINVAL : 0;
		} else {
			rc = weir_rules_parse_sig_file(paths[i], &sig, &diags);
		}
		if (rc < 0) {
			fprintf(stderr, "bench-rules: baseline: %s does not parse again\n",
				paths[i]);
			goto out;
		}
	}
	/* with -k a rule weir dropped after parsing has a row here too */
	if (skip && sig.n + suri.n > n_rules)
		n_rules = (unsigned int)(sig.n + suri.n);
	b->comb = calloc(n_rules ? n_rules : 1, sizeof(*b->comb));
	b->exact = calloc(n_rules ? n_rules : 1, sizeof(*b->exact));
	b->always = calloc(n_rules ? n_rules : 1, sizeof(*b->always));
	b->seen = calloc(n_rules ? n_rules : 1, sizeof(*b->seen));
	if (b->comb == NULL || b->exact == NULL || b->always == NULL || b->seen == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < sig.n; i++, rule++) {
		struct weir_hs_plan plan = {0};
		struct weir_hs_expr e = {0};

		e.expr = sig.v[i].pattern;
		e.flags = sig.v[i].hs_flags;
		e.has_ext = sig.v[i].has_ext != 0;
		e.ext = sig.v[i].ext;
		plan.sub = &e;
		plan.n_sub = 1;
		plan.exact = true;
		b->exact[rule] = 1;
		rc = br_add_plan(&x, &plan, rule, &next_quiet);
		if (rc < 0)
			goto out;
	}
	for (i = 0; i < suri.n; i++, rule++) {
		struct weir_hs_plan plan;
		char ebuf[256];
		unsigned int col, n_sub;
		bool neg;

		/* compile_add_suri()'s steps, in its order */
		weir_compile_dsize_depth(&suri.v[i]);
		rc = weir_hs_plan_build(&suri.v[i], &plan, ebuf, sizeof(ebuf), &col);
		if (rc < 0 && skip) {
			b->n_skipped++; /* weir skips it too */
			rc = 0;
			continue;
		}
		if (rc < 0) {
			fprintf(stderr, "bench-rules: baseline: sid %" PRIu32 ": %s\n",
				suri.v[i].sid, ebuf);
			goto out;
		}
		n_sub = plan.n_sub;
		neg = n_sub == 1 && plan.sub[0].negated;
		if (!full)
			weir_compile_one_chain(&plan);
		if ((n_sub > 1 || neg) && plan.n_sub == 1)
			b->n_one_chain++;
		b->exact[rule] = plan.exact;
		if (plan.n_sub == 0)
			b->always[b->n_always] = rule;
		b->n_always += plan.n_sub == 0;
		b->n_inexact += !plan.exact;
		rc = br_add_plan(&x, &plan, rule, &next_quiet);
		if (plan.n_sub > 1 || (plan.n_sub == 1 && plan.sub[0].negated)) {
			b->comb[rule] = 1;
			b->n_comb++;
		}
		weir_hs_plan_free(&plan);
		if (rc < 0)
			goto out;
	}
	if (rule != n_rules && !skip) {
		fprintf(stderr, "bench-rules: baseline has %u rules, weir %u\n", rule, n_rules);
		rc = -EINVAL;
		goto out;
	}
	for (i = 0; i < x.n; i++)
		x.ext[i] = x.has_ext[i] ? &x.ext_store[i] : NULL;
	b->n_expr = x.n;
	t0 = bench_now();
	err = hs_compile_ext_multi(x.expr, x.flags, x.ids, x.ext, x.n, HS_MODE_BLOCK, NULL, &b->db,
				   &cerr);
	b->compile_s = bench_now() - t0;
	if (err != HS_SUCCESS) {
		fprintf(stderr,
			"bench-rules: baseline: hs_compile_ext_multi of %u expressions: %s\n", x.n,
			cerr ? cerr->message : "failed");
		hs_free_compile_error(cerr);
		rc = -EINVAL;
		goto out;
	}
	if (hs_database_size(b->db, &b->db_bytes) != HS_SUCCESS ||
	    hs_alloc_scratch(b->db, &b->scratch) != HS_SUCCESS) {
		rc = -ENOMEM;
		goto out;
	}
out:
	br_exprs_free(&x);
	weir_sig_rule_list_free(&sig);
	weir_suri_rule_list_free(&suri);
	weir_diags_free(&diags);
	return rc;
}

/* ---- the same-semantics baseline ("same") ------------------------------ */

/* The rule's own lists in one direction (@p rev: the packet read
 * backwards, for the other side of a `<>` rule). */
static bool
br_same_dir_ok(const struct weir_suri_rule *s, const struct weir_scan_pkt *p, bool rev)
{
	bool ports = p->pclass == WEIR_PCLASS_TCP || p->pclass == WEIR_PCLASS_UDP;
	uint16_t sport = rev ? p->dport : p->sport, dport = rev ? p->sport : p->dport;

	if (!s->src.any && !weir_addrset_has(&s->src, p->ip_version, rev ? p->dst : p->src))
		return false;
	if (!s->dst.any && !weir_addrset_has(&s->dst, p->ip_version, rev ? p->src : p->dst))
		return false;
	if (!s->sport.any && (!ports || !weir_portset_has(&s->sport, sport)))
		return false;
	if (!s->dport.any && (!ports || !weir_portset_has(&s->dport, dport)))
		return false;
	return true;
}

struct br_same_ctx {
	const struct weir_ruleset *rs;
	struct br_base *b;
	const struct weir_scan_pkt *p;
	struct weir_match_ctx *mctx;
	uint64_t alerts;
	uint64_t *per_rule; /* the check pass only */
};

/* Rule @p id was named for the current packet: does it alert? */
static void
br_same_consider(struct br_same_ctx *c, uint32_t id)
{
	const struct weir_rt_rule *r = &c->rs->rules[id];
	const struct weir_suri_rule *s = r->sr;
	const struct weir_scan_pkt *p = c->p;

	if (c->b->seen[id] == c->b->seq)
		return;
	c->b->seen[id] = c->b->seq;
	if (!(r->protos & (1u << p->pclass)) || (r->flags & WEIR_RT_STREAM))
		return;
	if ((r->flags & WEIR_RT_STREAM_PKT) && p->streamed)
		return;
	if (s != NULL) {
		if (s->has_dsize && ((s->dsize.mode == WEIR_UINT_NE && p->len == 0) ||
				     !weir_uint_match(&s->dsize, p->len)))
			return;
		if (!br_same_dir_ok(s, p, false) && !(s->bidir && br_same_dir_ok(s, p, true)))
			return;
	}
	if (!c->b->exact[id] &&
	    !weir_sprog_match(r->prog, p->confirm != NULL ? p->confirm : p->payload,
			      p->confirm != NULL ? p->confirm_len : p->len, c->mctx))
		return;
	c->alerts++;
	if (c->per_rule != NULL)
		c->per_rule[id]++;
}

static int
br_same_cb(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
	   void *ctx)
{
	struct br_same_ctx *c = ctx;

	(void)from;
	(void)to;
	(void)flags;
	if (id < c->rs->n_rules)
		br_same_consider(c, id);
	return 0;
}

/* One packet through `same`. @return false on a scan error. */
static bool
br_same_pkt(struct br_same_ctx *c, const struct weir_scan_pkt *p)
{
	struct br_base *b = c->b;
	unsigned int k;

	if (++b->seq == 0) {
		memset(b->seen, 0, sizeof(*b->seen) * (c->rs->n_rules ? c->rs->n_rules : 1));
		b->seq = 1;
	}
	c->p = p;
	weir_match_ctx_reset(c->mctx);
	if (p->len > 0 && hs_scan(b->db, (const char *)p->payload, p->len, 0, b->scratch,
				  br_same_cb, c) != HS_SUCCESS)
		return false;
	for (k = 0; k < b->n_always; k++)
		br_same_consider(c, b->always[k]);
	return true;
}

/* Does the set use only what `same` implements? Sets b->why_not if not. */
static void
br_same_supported(const struct weir_ruleset *rs, struct br_base *b)
{
	const unsigned int beyond = WEIR_RT_THRESH | WEIR_RT_PASS | WEIR_RT_FVAR | WEIR_RT_NOALERT |
				    WEIR_RT_FNUM | WEIR_RT_HDR | WEIR_RT_HBUF | WEIR_RT_IPONLY |
				    WEIR_RT_EVENT;
	unsigned int i;

	for (i = 0; i < rs->n_rules && b->why_not == NULL; i++) {
		const struct weir_rt_rule *r = &rs->rules[i];
		const char *what = NULL;

		if (r->flags & beyond)
			what = "flowbits, thresholds, header keywords, pass, events or IP-only";
		else if (r->flow_mask != 0)
			what = "flow:";
		else if (r->win != NULL || r->n_fields > 0)
			what = "field:/window:";
		else if (!b->exact[i] && r->prog == NULL)
			what = "no confirm program for an inexact plan";
		if (what != NULL) {
			snprintf(b->why_buf, sizeof(b->why_buf), "sid %" PRIu32 " (%s:%u) uses %s",
				 r->sid, r->file, r->line, what);
			b->why_not = b->why_buf;
		}
	}
}

/* ---- the three paths -------------------------------------------------- */

static int
br_count_cb(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
	    void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	(*(uint64_t *)ctx)++;
	return 0;
}

static void
br_alert_cb(void *ctx, uint32_t rule_idx, uint32_t match_end)
{
	(void)rule_idx;
	(void)match_end;
	(*(uint64_t *)ctx)++;
}

/* Per rule alert counts, for the check pass. */
struct br_check {
	uint64_t *alerts;
};

static void
br_check_cb(void *ctx, uint32_t rule_idx, uint32_t match_end)
{
	(void)match_end;
	((struct br_check *)ctx)->alerts[rule_idx]++;
}

struct br_run {
	const struct weir_ruleset *rs;
	const struct br_base *base;
	hs_scratch_t *grp_scratch;
	const struct br_pkts *ps;
	struct br_same_ctx *same; /* NULL: `same` not built for this set */
	uint64_t matches[BR_N];	  /* raw/grp: Hyperscan callbacks; weir, same: alerts */
	uint64_t packets[BR_N];	  /* packets each path handled, all passes */
	uint64_t errors;
};

/* One pass of @p path over every packet. */
static void
br_pass(struct br_run *r, int path)
{
	const struct br_pkts *ps = r->ps;
	uint64_t m = 0, errs = 0;
	size_t k;

	switch (path) {
	case BR_RAW:
		for (k = 0; k < ps->n_scan; k++) {
			const struct weir_scan_pkt *p = &ps->v[k];

			if (p->len > 0 && hs_scan(r->base->db, (const char *)p->payload, p->len, 0,
						  r->base->scratch, br_count_cb, &m) != HS_SUCCESS)
				errs++;
		}
		break;
	case BR_GRP:
		for (k = 0; k < ps->n_scan; k++) {
			const struct weir_scan_pkt *p = &ps->v[k];
			const struct weir_ruleset *rs = r->rs;
			const uint16_t *gl;
			hs_database_t *db;

			/* weir_ruleset_scan()'s dispatch and its one scan of the
			 * packet database, nothing more */
			if (p->pclass < 2)
				gl = &rs->glists[rs->port_glist[p->pclass][p->dport]];
			else
				gl = &rs->glists[rs->class_glist[p->pclass]];
			db = weir_ruleset_pkt_db(rs, p->flow);
			if (gl[0] > 0 && db != NULL && p->len > 0 &&
			    hs_scan(db, (const char *)p->payload, p->len, 0, r->grp_scratch,
				    br_count_cb, &m) != HS_SUCCESS)
				errs++;
		}
		break;
	case BR_SAME:
		r->same->alerts = 0;
		for (k = 0; k < ps->n_scan; k++)
			errs += !br_same_pkt(r->same, &ps->v[k]);
		m = r->same->alerts;
		break;
	default:
		for (k = 0; k < ps->n_scan; k++) {
			struct weir_scan_res res;

			weir_ruleset_scan(r->rs, 0, &ps->v[k], br_alert_cb, &m, &res);
			errs += res.scan_error;
		}
		break;
	}
	r->matches[path] += m;
	r->packets[path] += ps->n_scan;
	r->errors += errs;
}

static long
br_rule_index(const void *ctx, unsigned long sid)
{
	const struct weir_ruleset *rs = ctx;
	unsigned int i;

	for (i = 0; i < rs->n_rules; i++)
		if (rs->rules[i].sid == sid)
			return i;
	return -1;
}

/*
 * Compare per-rule alert counts @p got of path @p who with weir-gen's
 * "signature_id<TAB>count" file (rules not listed must not alert).
 * @return 0 when they agree, 1 when not, -errno on error.
 */
static int
br_compare(const struct weir_ruleset *rs, const char *who, const uint64_t *got, const char *path)
{
	uint64_t *want = calloc(rs->n_rules ? rs->n_rules : 1, sizeof(*want));
	unsigned int i, bad, shown = 0;
	int rc;

	if (want == NULL)
		return -ENOMEM;
	rc = bench_expected_read("bench-rules", path, br_rule_index, rs, want);
	if (rc < 0) {
		free(want);
		return rc;
	}
	bad = (unsigned int)rc;
	for (i = 0; i < rs->n_rules; i++) {
		if (want[i] == got[i])
			continue;
		if (shown++ < 20)
			fprintf(stderr,
				"bench-rules: %s: sid %" PRIu32 " (%s:%u): %" PRIu64
				" alerts, want %" PRIu64 "\n",
				who, rs->rules[i].sid, rs->rules[i].file, rs->rules[i].line, got[i],
				want[i]);
		bad++;
	}
	free(want);
	return bad ? 1 : 0;
}

/*
 * One pass of weir counting alerts per rule, compared with @p path
 * (br_compare) when not NULL. @return as br_compare, 0 without @p path.
 */
static int
br_check(const struct weir_ruleset *rs, const struct br_pkts *ps, const char *path, uint64_t *total)
{
	struct br_check c;
	unsigned int i;
	size_t k;
	int rc = 0;

	c.alerts = calloc(rs->n_rules ? rs->n_rules : 1, sizeof(*c.alerts));
	if (c.alerts == NULL)
		return -ENOMEM;
	for (k = 0; k < ps->n_scan; k++) {
		struct weir_scan_res res;

		weir_ruleset_scan(rs, 0, &ps->v[k], br_check_cb, &c, &res);
	}
	*total = 0;
	for (i = 0; i < rs->n_rules; i++)
		*total += c.alerts[i];
	if (path != NULL)
		rc = br_compare(rs, "weir", c.alerts, path);
	free(c.alerts);
	return rc;
}

/* The same for `same`. */
static int
br_same_check(const struct weir_ruleset *rs, struct br_same_ctx *c, const struct br_pkts *ps,
	      const char *path)
{
	size_t k;
	int rc = 0;

	c->per_rule = calloc(rs->n_rules ? rs->n_rules : 1, sizeof(*c->per_rule));
	if (c->per_rule == NULL)
		return -ENOMEM;
	for (k = 0; k < ps->n_scan && rc == 0; k++)
		if (!br_same_pkt(c, &ps->v[k]))
			rc = -EIO;
	if (rc == 0 && path != NULL)
		rc = br_compare(rs, "same", c->per_rule, path);
	free(c->per_rule);
	c->per_rule = NULL;
	return rc;
}

/*
 * What weir's groups hand weir_ruleset_scan() per packet, on average
 * (untimed, one pass over the views with grp's dispatch):
 *   always_per_pkt   `always` rules of the selected groups: each is a
 *                    candidate for every such packet, and those with items
 *                    run weir_sprog_match every time (raw does none of it);
 *   comb_per_pkt     logical combinations in the selected databases:
 *                    Hyperscan 5.4 spends ~7 ns on each at every scan
 *                    whether or not any part matched (see RESULTS.md);
 *                    0 since weir_compile_one_chain;
 * and per pass, from the group scans' callbacks:
 *   exact_cands      matches of rules Hyperscan decides alone;
 *   inexact_cands    matches of rules weir must confirm (before the
 *                    header and dsize checks that may spare the confirm).
 */
struct br_grp_stats {
	double always_per_pkt, comb_per_pkt;
	uint64_t exact_cands, inexact_cands;
};

struct br_cand_ctx {
	const struct weir_ruleset *rs;
	struct br_grp_stats *st;
};

static int
br_cand_cb(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
	   void *ctx)
{
	struct br_cand_ctx *c = ctx;

	(void)from;
	(void)to;
	(void)flags;
	if (id >= c->rs->n_rules)
		return 0; /* a quiet part of a combination */
	if (c->rs->rules[id].flags & WEIR_RT_EXACT)
		c->st->exact_cands++;
	else
		c->st->inexact_cands++;
	return 0;
}

static int
br_grp_stats(const struct weir_ruleset *rs, const struct br_base *b, const struct br_pkts *ps,
	     hs_scratch_t *scratch, struct br_grp_stats *st)
{
	unsigned int *per_group = calloc(rs->n_groups ? rs->n_groups : 1, sizeof(*per_group));
	struct br_cand_ctx cc = {rs, st};
	double comb = 0, always = 0;
	unsigned int i;
	size_t k;

	memset(st, 0, sizeof(*st));
	if (per_group == NULL)
		return -ENOMEM;
	for (i = 0; i < rs->n_rules; i++)
		if (b->comb[i] && rs->rules[i].group < rs->n_groups)
			per_group[rs->rules[i].group]++;
	for (k = 0; k < ps->n_scan; k++) {
		const struct weir_scan_pkt *p = &ps->v[k];
		const uint16_t *gl = p->pclass < 2
					     ? &rs->glists[rs->port_glist[p->pclass][p->dport]]
					     : &rs->glists[rs->class_glist[p->pclass]];
		hs_database_t *db = weir_ruleset_pkt_db(rs, p->flow);

		for (i = 1; i <= gl[0]; i++) {
			comb += per_group[gl[i]];
			always += rs->groups[gl[i]].n_always;
		}
		if (gl[0] > 0 && db != NULL && p->len > 0 &&
		    hs_scan(db, (const char *)p->payload, p->len, 0, scratch, br_cand_cb, &cc) !=
			    HS_SUCCESS) {
			free(per_group);
			return -EIO;
		}
	}
	free(per_group);
	st->comb_per_pkt = ps->n_scan ? comb / (double)ps->n_scan : 0;
	st->always_per_pkt = ps->n_scan ? always / (double)ps->n_scan : 0;
	return 0;
}

static int
br_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median, min and max of @p n values (sorts a copy). */
static void
br_stats(const double *v, unsigned int n, double *med, double *lo, double *hi)
{
	double s[BR_MAX_REPS];
	unsigned int i;

	for (i = 0; i < n; i++)
		s[i] = v[i];
	qsort(s, n, sizeof(*s), br_cmp_double);
	*lo = s[0];
	*hi = s[n - 1];
	*med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void
br_usage(FILE *f)
{
	fprintf(f,
		"usage: bench-rules -S RULES [-S ...] -r CAPTURE.pcap [-e EXPECTED.tsv]\n"
		"                   [-a NAME=VALUE]... [-p NAME=VALUE]...\n"
		"                   [-n PASSES] [-t SECONDS] [-R REPS] [-T SECONDS]\n"
		"                   [-P PATH] [-C] [-F SIDE[-est]] [-k]\n"
		"\n"
		"  -S FILE     rule file (.rules: Suricata subset, else signature format)\n"
		"  -r FILE     Ethernet pcap; decoded once, as weir's worker decodes\n"
		"  -e FILE     first check weir's (and same's) alerts per rule against weir-gen's\n"
		"              expected.tsv; exit 1 on any difference\n"
		"  -a N=V      address variable (vars.address-groups), e.g.\n"
		"              -a 'HOME_NET=[10.2.0.0/16,fd00:0:0:2::/64]'\n"
		"  -p N=V      port variable (vars.port-groups)\n"
		"  -n PASSES   passes over the capture per path and repetition (default:\n"
		"              chosen once from a warm-up pass so the slowest path takes -t)\n"
		"  -t SECONDS  target length of one measurement when -n is not given (0.5)\n"
		"  -R REPS     repetitions, paths interleaved (default 5, at most %d)\n"
		"  -T SECONDS  cap on one measurement: fewer passes when reached (default 10)\n"
		"  -P PATH     time only raw, grp, weir or same (for a profiler; no ratios then)\n"
		"  -C          same: each rule's full plan (logical combinations) instead of\n"
		"              raw's database\n"
		"  -F SIDE     every packet as its flow's: server (to the server, the\n"
		"              default: no flow) or client (from the server), so a set\n"
		"              split by direction scans that side's database (rs->dir_db);\n"
		"              server-est, client-est: of an established session\n"
		"  -k          skip invalid rules, as weir's rules.skip-invalid does (the count\n"
		"              is printed; `same` is then not built)\n",
		BR_MAX_REPS);
}

static int
br_set_var(struct weir_rule_vars *vars, bool is_port, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char name[128];

	if (eq == NULL || eq == arg || (size_t)(eq - arg) >= sizeof(name)) {
		fprintf(stderr, "bench-rules: want NAME=VALUE, not '%s'\n", arg);
		return -EINVAL;
	}
	memcpy(name, arg, (size_t)(eq - arg));
	name[eq - arg] = '\0';
	return weir_rule_vars_set(vars, is_port, name, eq + 1);
}

int
main(int argc, char **argv)
{
	const char *paths[BR_MAX_FILES];
	const char *pcap_path = NULL, *expected = NULL;
	struct weir_rule_vars vars = {0};
	struct weir_ruleset_opts opts = {0};
	struct weir_diags diags = {0};
	struct weir_ruleset *rs = NULL;
	struct br_pkts ps = {0};
	struct br_base base = {0}, full = {0};
	struct br_same_ctx same = {0};
	struct br_run run = {0};
	struct br_grp_stats gst = {0};
	uint64_t *ts = NULL, alerts = 0;
	unsigned int n_paths = 0, reps = 5, rep, i;
	unsigned long passes = 0;
	double target = 0.5, cap_s = 10, t0, load_s, warm[BR_N];
	double mpps[BR_N][BR_MAX_REPS], gbps[BR_N][BR_MAX_REPS], ratio[BR_MAX_REPS];
	unsigned long done[BR_N][BR_MAX_REPS];
	int c, rc, ret = 1, check = -1, only = -1, same_check = -1;
	bool same_full = false;
	uint32_t side = 0; /* -F: every packet's flow bits */
	bool skip = false; /* -k: rules.skip-invalid */

	if (weir_rule_vars_defaults(&vars) < 0 || weir_diags_init(&diags, 64) < 0) {
		fprintf(stderr, "bench-rules: out of memory\n");
		return 1;
	}
	while ((c = getopt(argc, argv, "S:r:e:a:p:n:t:R:T:P:F:Ckh")) != -1) {
		switch (c) {
		case 'C':
			same_full = true;
			break;
		case 'k':
			skip = true;
			break;
		case 'S':
			if (n_paths == BR_MAX_FILES) {
				fprintf(stderr, "bench-rules: at most %d -S\n", BR_MAX_FILES);
				goto out;
			}
			paths[n_paths++] = optarg;
			break;
		case 'r':
			pcap_path = optarg;
			break;
		case 'e':
			expected = optarg;
			break;
		case 'a':
		case 'p':
			if (br_set_var(&vars, c == 'p', optarg) < 0) {
				fprintf(stderr, "bench-rules: bad variable '%s'\n", optarg);
				goto out;
			}
			break;
		case 'n':
			passes = strtoul(optarg, NULL, 10);
			break;
		case 't':
			target = strtod(optarg, NULL);
			break;
		case 'R':
			reps = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'T':
			cap_s = strtod(optarg, NULL);
			break;
		case 'P':
			for (only = 0; only < BR_N && strcmp(optarg, br_name[only]) != 0; only++)
				;
			if (only == BR_N) {
				fprintf(stderr, "bench-rules: -P wants raw, grp, weir or same\n");
				ret = 2;
				goto out;
			}
			break;
		case 'F':
			if (strncmp(optarg, "server", 6) == 0) {
				side = WEIR_SCAN_FLOW | WEIR_SCAN_FLOW_TOSERVER;
			} else if (strncmp(optarg, "client", 6) == 0) {
				side = WEIR_SCAN_FLOW | WEIR_SCAN_FLOW_TOCLIENT;
			} else {
				side = 0;
			}
			/* -est: a packet of an established session, as most are */
			if (side != 0 && strcmp(optarg + 6, "-est") == 0) {
				side |= WEIR_SCAN_FLOW_ESTABLISHED;
			} else if (side == 0 || optarg[6] != '\0') {
				fprintf(stderr,
					"bench-rules: -F wants server, client, server-est or "
					"client-est\n");
				ret = 2;
				goto out;
			}
			break;
		case 'h':
			br_usage(stdout);
			ret = 0;
			goto out;
		default:
			br_usage(stderr);
			ret = 2;
			goto out;
		}
	}
	if (pcap_path == NULL || n_paths == 0 || optind != argc || reps == 0 ||
	    reps > BR_MAX_REPS || !(target > 0) || !(cap_s > 0)) {
		br_usage(stderr);
		ret = 2;
		goto out;
	}

	/* weir's loader, as `weir` builds its rule set: no cache, one worker */
	opts.vars = &vars;
	opts.cache_dir = NULL;
	opts.n_workers = 1;
	opts.skip_invalid = skip;
	t0 = bench_now();
	rs = weir_ruleset_load(paths, n_paths, &opts, &diags);
	load_s = bench_now() - t0;
	if (rs == NULL) {
		char line[600];

		fprintf(stderr, "bench-rules: weir_ruleset_load failed: %s\n", strerror(errno));
		for (i = 0; i < diags.n && i < 20; i++) {
			weir_diag_format(&diags.v[i], line, sizeof(line));
			fprintf(stderr, "  %s\n", line);
		}
		goto out;
	}
	rc = br_base_build(paths, n_paths, &vars, rs->n_rules, false, skip, &base);
	if (rc < 0)
		goto out;
	if (same_full) {
		rc = br_base_build(paths, n_paths, &vars, rs->n_rules, true, skip, &full);
		if (rc < 0)
			goto out;
	}
	same.b = same_full ? &full : &base;
	if (skip) {
		fprintf(stderr,
			"bench-rules: -k: weir skipped %u rules, the baseline %u after parsing\n",
			rs->n_skipped, base.n_skipped);
		same.b->why_not = "-k: weir's rules and the baseline's rows differ";
	}
	br_same_supported(rs, same.b);
	if (same.b->why_not == NULL) {
		same.rs = rs;
		same.mctx = weir_match_ctx_new();
		if (same.mctx == NULL) {
			fprintf(stderr, "bench-rules: out of memory\n");
			goto out;
		}
		run.same = &same;
	} else {
		fprintf(stderr, "bench-rules: same: not built: %s\n", same.b->why_not);
	}
	if (rs->scratch_proto != NULL &&
	    hs_clone_scratch(rs->scratch_proto, &run.grp_scratch) != HS_SUCCESS) {
		fprintf(stderr, "bench-rules: hs_clone_scratch failed\n");
		goto out;
	}
	rc = br_read_pcap(pcap_path, &ps, &ts);
	if (rc < 0)
		goto out;
	if (ps.n_scan == 0) {
		fprintf(stderr, "bench-rules: %s: no packet to scan\n", pcap_path);
		goto out;
	}
	for (i = 0; i < ps.n_scan; i++)
		ps.v[i].flow = side;
	run.rs = rs;
	run.base = &base;
	run.ps = &ps;
	/* (a group with a database implies a scratch) */
	if (br_grp_stats(rs, &base, &ps, run.grp_scratch, &gst) < 0) {
		fprintf(stderr, "bench-rules: group statistics pass failed\n");
		goto out;
	}

	/* correctness first, which also warms caches and branch history */
	rc = br_check(rs, &ps, expected, &alerts);
	if (rc < 0)
		goto out;
	if (expected != NULL) {
		check = rc;
		fprintf(stderr, "bench-rules: %s: %s\n", expected,
			rc == 0 ? "every rule alerts as expected" : "MISMATCH");
	}
	if (run.same != NULL) {
		rc = br_same_check(rs, &same, &ps, expected);
		if (rc < 0)
			goto out;
		if (expected != NULL) {
			same_check = rc;
			fprintf(stderr, "bench-rules: same: %s: %s\n", expected,
				rc == 0 ? "every rule alerts as expected" : "MISMATCH");
		}
	}
	/* one warm-up pass per path, timed, to choose the pass count */
	for (i = 0; i < BR_N; i++) {
		warm[i] = 0;
		if (i == BR_SAME && run.same == NULL)
			continue;
		t0 = bench_now();
		br_pass(&run, (int)i);
		warm[i] = bench_now() - t0;
	}
	if (passes == 0) {
		double slow = warm[0];

		for (i = 1; i < BR_N; i++)
			if (warm[i] > slow)
				slow = warm[i];
		passes = (unsigned long)(target / (slow > 1e-9 ? slow : 1e-9)) + 1;
	}
	memset(run.matches, 0, sizeof(run.matches));
	memset(run.packets, 0, sizeof(run.packets));

	for (rep = 0; rep < reps; rep++) {
		for (i = 0; i < BR_N; i++) {
			int path = rep % 2 ? BR_N - 1 - (int)i : (int)i;
			unsigned long p;
			double el = 0;

			if ((only >= 0 && path != only) || (path == BR_SAME && run.same == NULL)) {
				done[path][rep] = 0;
				mpps[path][rep] = gbps[path][rep] = 0;
				continue;
			}
			t0 = bench_now();
			for (p = 0; p < passes; p++) {
				br_pass(&run, path);
				el = bench_now() - t0;
				if (el >= cap_s) {
					p++;
					break;
				}
			}
			done[path][rep] = p;
			mpps[path][rep] = (double)ps.n_scan * (double)p / el / 1e6;
			gbps[path][rep] = (double)ps.payload_bytes * 8 * (double)p / el / 1e9;
		}
		ratio[rep] = mpps[BR_WEIR][rep] / mpps[BR_RAW][rep];
		fprintf(stderr,
			"bench-rules: rep %u: raw %.3f Mpps (%lu passes), grp %.3f, weir %.3f"
			" (%lu passes), same %.3f: weir/raw %.3f\n",
			rep + 1, mpps[BR_RAW][rep], done[BR_RAW][rep], mpps[BR_GRP][rep],
			mpps[BR_WEIR][rep], done[BR_WEIR][rep], mpps[BR_SAME][rep], ratio[rep]);
	}

	printf("bench-rules: %s, %s, %s\n", paths[0], pcap_path, hs_version());
	printf("  rules: %u\n", rs->n_rules);
	printf("  groups: %u\n", rs->n_groups);
	if (rs->dir_split)
		printf("  packet databases: by direction, to server %u expressions, to client %u "
		       "(packets scanned as: %s)\n",
		       rs->pkt.n_expr, rs->pkt_tc.n_expr,
		       side & WEIR_SCAN_FLOW_TOCLIENT	? "client"
		       : side & WEIR_SCAN_FLOW_TOSERVER ? "server"
							: "no flow");
	else
		printf("  packet databases: one, %u expressions\n", rs->pkt.n_expr);
	printf("  db_bytes: %zu\n", rs->db_bytes);
	printf("  build_ms: %.1f\n", rs->compile_ms);
	printf("  load_s: %.3f\n", load_s);
	printf("  base_expressions: %u\n", base.n_expr);
	printf("  base_db_bytes: %zu\n", base.db_bytes);
	printf("  base_compile_s: %.3f\n", base.compile_s);
	printf("  base_one_chain_rules: %u\n", base.n_one_chain);
	printf("  base_always_rules: %u\n", base.n_always);
	printf("  base_inexact_rules: %u\n", base.n_inexact);
	printf("  base_combinations: %u\n", base.n_comb);
	printf("  grp_combinations_per_packet: %.1f\n", gst.comb_per_pkt);
	printf("  grp_always_per_packet: %.1f\n", gst.always_per_pkt);
	printf("  grp_exact_candidates_per_pass: %" PRIu64 "\n", gst.exact_cands);
	printf("  grp_inexact_candidates_per_pass: %" PRIu64 "\n", gst.inexact_cands);
	printf("  rx_packets: %zu\n", ps.frames.n);
	printf("  not_scanned: %" PRIu64 "\n", ps.skipped);
	printf("  packets_per_pass: %zu\n", ps.n_scan);
	printf("  payload_bytes_per_pass: %" PRIu64 "\n", ps.payload_bytes);
	printf("  alerts_per_pass: %" PRIu64 "\n", alerts);
	printf("  check: %s\n", check < 0 ? "none" : check == 0 ? "ok" : "MISMATCH");
	printf("  same: %s\n", run.same == NULL ? same.b->why_not
			       : same_full	? "built, full plans (-C)"
						: "built, raw's database");
	printf("  same_check: %s\n", same_check < 0 ? "none" : same_check == 0 ? "ok" : "MISMATCH");
	if (same_full) {
		printf("  same_expressions: %u\n", full.n_expr);
		printf("  same_db_bytes: %zu\n", full.db_bytes);
		printf("  same_compile_s: %.3f\n", full.compile_s);
		printf("  same_always_rules: %u\n", full.n_always);
		printf("  same_inexact_rules: %u\n", full.n_inexact);
		printf("  same_combinations: %u\n", full.n_comb);
	}
	printf("  passes: %lu\n", passes);
	printf("  reps: %u\n", reps);
	for (i = 0; i < BR_N; i++) {
		double med, lo, hi, g, glo, ghi, tot = 0;

		br_stats(mpps[i], reps, &med, &lo, &hi);
		br_stats(gbps[i], reps, &g, &glo, &ghi);
		for (rep = 0; rep < reps; rep++)
			tot += (double)done[i][rep];
		printf("  %s_mpps: %.3f\n  %s_mpps_min: %.3f\n  %s_mpps_max: %.3f\n", br_name[i],
		       med, br_name[i], lo, br_name[i], hi);
		printf("  %s_gbps: %.3f\n", br_name[i], g);
		printf("  %s_packets: %" PRIu64 "\n", br_name[i], run.packets[i]);
		printf("  %s_%s_per_pass: %.0f\n", br_name[i],
		       i == BR_WEIR || i == BR_SAME ? "alerts" : "matches",
		       tot > 0 ? (double)run.matches[i] / tot : 0.0);
	}
	{
		double med, lo, hi, gr[BR_MAX_REPS], wg[BR_MAX_REPS];

		br_stats(ratio, reps, &med, &lo, &hi);
		printf("  ratio: %.3f\n  ratio_min: %.3f\n  ratio_max: %.3f\n", med, lo, hi);
		for (rep = 0; rep < reps; rep++) {
			gr[rep] = mpps[BR_GRP][rep] / mpps[BR_RAW][rep];
			wg[rep] = mpps[BR_WEIR][rep] / mpps[BR_GRP][rep];
		}
		br_stats(gr, reps, &med, &lo, &hi);
		printf("  grp_over_raw: %.3f\n", med);
		br_stats(wg, reps, &med, &lo, &hi);
		printf("  weir_over_grp: %.3f\n", med);
		if (run.same != NULL && only < 0) {
			for (rep = 0; rep < reps; rep++)
				wg[rep] = mpps[BR_WEIR][rep] / mpps[BR_SAME][rep];
			br_stats(wg, reps, &med, &lo, &hi);
			printf("  weir_over_same: %.3f\n  weir_over_same_min: %.3f\n"
			       "  weir_over_same_max: %.3f\n",
			       med, lo, hi);
		}
	}
	printf("  scan_errors: %" PRIu64 "\n", run.errors);
	/* Every path must have handled every packet of every pass it ran. */
	if (run.errors > 0) {
		fprintf(stderr, "bench-rules: %" PRIu64 " scan errors\n", run.errors);
		goto out;
	}
	for (i = 0; i < BR_N; i++) {
		uint64_t tot = 0;

		for (rep = 0; rep < reps; rep++)
			tot += done[i][rep];
		if (run.packets[i] != tot * ps.n_scan) {
			fprintf(stderr,
				"bench-rules: %s handled %" PRIu64 " packets, want %" PRIu64 "\n",
				br_name[i], run.packets[i], tot * ps.n_scan);
			goto out;
		}
	}
	ret = check > 0 || same_check > 0 ? 1 : 0;
out:
	weir_match_ctx_free(same.mctx);
	if (full.scratch != NULL)
		hs_free_scratch(full.scratch);
	if (full.db != NULL)
		hs_free_database(full.db);
	free(full.comb);
	free(full.exact);
	free(full.always);
	free(full.seen);
	if (run.grp_scratch != NULL)
		hs_free_scratch(run.grp_scratch);
	if (base.scratch != NULL)
		hs_free_scratch(base.scratch);
	if (base.db != NULL)
		hs_free_database(base.db);
	free(base.comb);
	free(base.exact);
	free(base.always);
	free(base.seen);
	weir_ruleset_free(rs);
	br_pkts_free(&ps);
	free(ts);
	weir_rule_vars_free(&vars);
	weir_diags_free(&diags);
	return ret;
}
