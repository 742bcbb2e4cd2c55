/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rule compiler: the second step of rule loading on the control side. It
 * turns parsed rules (signature format and the Suricata subset) into one
 * weir_ruleset, which workers only read once it is published:
 *
 *   parsed rules -> one weir_rt_rule each (+ Hyperscan plan, confirm step)
 *     -> each expression checked alone (every refusal with its file:line)
 *     -> groups by protocol class and destination-port set
 *     -> one block-mode database per group (from the disk cache if there)
 *     -> dispatch tables: (class, dport) -> the groups to scan
 *     -> per-worker state: scratch, dedup, hits, thresholds, pcre2 data
 *
 * Expression id i of any group is rules[i]: one expression per rule.
 * rules_compile_hs.c and rules_compile_confirm.c translate one rule's
 * payload items; rules_match.c is the hot half that uses all this;
 * ruleset.c loads files into it and frees it.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules.h"
#include "rules_int.h"

/* Bumped whenever what the compiler hands Hyperscan changes meaning, so a
 * cached database from an older weir is never used. */
#define WEIR_COMPILER_VERSION "weir-rc-1"

/* Port-specific groups beyond this are folded into their class's "any"
 * group (the port check in the callback keeps it exact). Groups now only
 * decide which packets are scanned and which `always` rules they meet:
 * every packet rule is in one database, scanned once per packet
 * (perf/RESULTS.md, "One scan per packet"). The bound dates from when each
 * group a packet selected cost one hs_scan (48 groups: ~6 scans per
 * packet; 12: 9 groups), and still bounds the dispatch lists. */
#define COMPILE_MAX_GROUPS 12
/* compile_group_db()'s groups for the packet databases: every packet
 * rule, or (split by direction) those that can apply to a packet without
 * WEIR_SCAN_FLOW_TOCLIENT; COMPILE_PKT_TC: those that can apply to one
 * with it (weir_ruleset.dir_db) */
#define COMPILE_PKT_DB UINT_MAX
#define COMPILE_PKT_TC (UINT_MAX - 1)
/* The packet databases per side and address class (weir_ruleset.apkt),
 * k = side * 4 + class, 0 <= k < 8. */
#define COMPILE_PKT_A(k)    (UINT_MAX - 2 - (k))
#define COMPILE_PKT_A_K(gi) (UINT_MAX - 2 - (gi))
/* Split the packet databases by address class too when a class's
 * database holds on average at most this share (n/4) of its side's
 * expressions. */
#define COMPILE_ADDR_SPLIT_QUARTERS 3
/* Address sets tried as the split's (the most used ones). */
#define COMPILE_ADDR_CANDIDATES 8
/* Split the packet database by direction when the two sides leave out at
 * least this share (1/n) of its expressions between them: a set with a
 * handful of directional rules keeps one database (one compile, one
 * cache entry), ET Open's (a third of its rules answer to clients)
 * splits. */
#define COMPILE_DIR_SPLIT_SHARE 4

/* Threshold table entries per worker when some rule has a threshold. */
#define COMPILE_THRESH_ENTRIES 65536

static const char *
compile_hs_strerror(hs_error_t err)
{
	switch (err) {
	case HS_INVALID:
		return "invalid parameter";
	case HS_NOMEM:
		return "out of memory";
	case HS_COMPILER_ERROR:
		return "compiler error";
	case HS_DB_PLATFORM_ERROR:
		return "database built for another platform";
	case HS_ARCH_ERROR:
		return "CPU lacks SSSE3, which Hyperscan requires";
	case HS_BAD_ALIGN:
		return "misaligned parameter";
	case HS_BAD_ALLOC:
		return "allocator returned misaligned memory";
	case HS_SCRATCH_IN_USE:
		return "scratch in use";
	default:
		return "unknown error";
	}
}

static int
compile_hs_errno(hs_error_t err)
{
	return err == HS_NOMEM ? ENOMEM : EINVAL;
}

/* Build-time companion of one rt rule. */
struct cr {
	struct weir_hs_plan plan;
	int is_sig;
	int dead;		    /* refused: in no group */
	struct weir_portset gports; /* grouping ports (not owned unless own_gports) */
	int own_gports;
	char *sig;     /* owned alert.signature text */
	uint8_t amask; /* address classes it can apply to (compile_addr_split) */
};

struct cbuild {
	struct weir_ruleset *rs;
	struct cr *cr;
	unsigned int n, cap;
	int skip_invalid;
	struct weir_diags *diags;
	unsigned int refused;
	unsigned int died_in_multi; /* refused by a group compile (skip_invalid) */
	int validated;		    /* compile_validate() ran */
	int need_validate;	    /* a compile refused an expression before it ran */
	struct weir_fvnames names;  /* flowbit and flowint names numbered so far */
	bool dir_split;		    /* packet databases per direction (weir_ruleset.dir_db) */
};

static void
compile_cr_clear(struct cr *c)
{
	if (!c->is_sig)
		weir_hs_plan_free(&c->plan);
	else
		free(c->plan.sub); /* its expr belongs to the parsed rule */
	if (c->own_gports)
		weir_portset_free(&c->gports);
	free(c->sig);
	memset(c, 0, sizeof(*c));
}

static int
compile_grow(struct cbuild *b)
{
	struct weir_rt_rule *nr;
	struct cr *nc;
	unsigned int cap;

	if (b->n < b->cap)
		return 0;
	cap = b->cap ? b->cap * 2 : 64;
	nr = realloc(b->rs->rules, cap * sizeof(*nr));
	if (nr == NULL)
		return -ENOMEM;
	b->rs->rules = nr;
	nc = realloc(b->cr, cap * sizeof(*nc));
	if (nc == NULL)
		return -ENOMEM;
	b->cr = nc;
	b->cap = cap;
	return 0;
}

/* alert.signature: @p s cut to WEIR_RULE_SIG_MAX bytes. */
static char *
compile_sig_text(const char *s)
{
	size_t n = strlen(s);

	if (n > WEIR_RULE_SIG_MAX)
		n = WEIR_RULE_SIG_MAX;
	return strndup(s, n);
}

static int
compile_add_sig(struct cbuild *b, struct weir_sig_rule *r)
{
	struct weir_rt_rule *rt;
	struct cr *c;
	int rc = compile_grow(b);

	if (rc < 0)
		return rc;
	rt = &b->rs->rules[b->n];
	c = &b->cr[b->n];
	memset(rt, 0, sizeof(*rt));
	memset(c, 0, sizeof(*c));
	c->is_sig = 1;
	c->sig = compile_sig_text(r->text);
	if (c->sig == NULL)
		return -ENOMEM;
	/* its own allocation: companions move when the array grows */
	c->plan.sub = calloc(1, sizeof(*c->plan.sub));
	if (c->plan.sub == NULL) {
		free(c->sig);
		c->sig = NULL;
		return -ENOMEM;
	}
	c->plan.sub[0].expr = r->pattern;
	c->plan.sub[0].flags = r->hs_flags;
	c->plan.sub[0].has_ext = r->has_ext != 0;
	c->plan.sub[0].ext = r->ext;
	c->plan.n_sub = 1;
	c->plan.exact = true;
	rt->sid = r->sid;
	rt->rev = r->rev;
	rt->gid = 1;
	rt->priority = 3;
	rt->protos = (1u << WEIR_PCLASS_TCP) | (1u << WEIR_PCLASS_UDP);
	rt->flags = WEIR_RT_EXACT;
	rt->signature = c->sig;
	rt->category = "";
	rt->file = r->file;
	rt->line = r->line;
	b->n++;
	return 0;
}

static uint8_t
compile_protos(enum weir_rproto p)
{
	switch (p) {
	case WEIR_RPROTO_TCP:
		return 1u << WEIR_PCLASS_TCP;
	case WEIR_RPROTO_UDP:
		return 1u << WEIR_PCLASS_UDP;
	case WEIR_RPROTO_ICMP:
		return 1u << WEIR_PCLASS_ICMP;
	default:
		return (1u << WEIR_PCLASS_N) - 1;
	}
}

/* Is any header condition more than "any"? */
static int
compile_has_header(const struct weir_suri_rule *s)
{
	return !s->src.any || !s->dst.any || !s->sport.any || !s->dport.any || s->has_dsize;
}

/*
 * Suricata applies dsize as a depth to the rule's contents
 * (SigParseApplyDsizeToContent): the largest size dsize allows (N for
 * =N, <N and !N, B for A<>B; no cap for the other forms) caps the absolute end of every content
 * that is not relative. It only changes what matches for !N, where "dsize:!5; content:"abc";"
 * misses an "abc" past byte 5; we do the same, so that the same rule alerts on the same packets. A
 * cap that would leave no room for the content is not applied (the rule could then never match in
 * Suricata either way for a positive content).
 */
void
weir_compile_dsize_depth(struct weir_suri_rule *s)
{
	int64_t max;
	unsigned int i;

	if (!s->has_dsize)
		return;
	switch (s->dsize.mode) { /* SigParseGetMaxDsize */
	case WEIR_UINT_EQ:
	case WEIR_UINT_LT:
	case WEIR_UINT_NE:
		max = (int64_t)s->dsize.a;
		break;
	case WEIR_UINT_RANGE:
		max = (int64_t)s->dsize.b;
		break;
	default:
		return;
	}
	for (i = 0; i < s->n_items; i++) {
		struct weir_item *it = &s->items[i];
		int64_t off = it->has_offset ? it->offset : 0;

		if (it->kind != WEIR_ITEM_CONTENT || it->relative || it->offset_var ||
		    it->depth_var)
			continue;
		if (it->has_depth && off + it->depth < max)
			continue;
		if (max - off < (int64_t)it->len)
			continue;
		it->has_depth = true;
		it->depth = (int32_t)(max - off);
	}
}

/*
 * Roughly how many literal bytes an expression of rules_compile_hs.c pins down:
 * "\xHH" and plain letters/digits count one, gaps ("[\s\S]{d,w}",
 * "[\s\S]*"), anchors and group syntax count nothing.
 */
static unsigned int
compile_literal_score(const char *e)
{
	unsigned int n = 0;

	while (*e != '\0') {
		if (strncmp(e, "[\\s\\S]", 6) == 0) {
			e += 6;
			if (*e == '{')
				while (*e != '\0' && *e++ != '}')
					;
			else if (*e == '*' || *e == '+' || *e == '?')
				e++;
		} else if (e[0] == '\\' && e[1] == 'x' && e[2] && e[3]) {
			n++;
			e += 4;
		} else if (e[0] == '(' && e[1] == '?') {
			while (*e != '\0' && *e != ':' && *e != ')')
				e++;
			if (*e != '\0')
				e++;
		} else {
			n += (*e >= '0' && *e <= '9') || (*e >= 'a' && *e <= 'z') ||
			     (*e >= 'A' && *e <= 'Z');
			e++;
		}
	}
	return n;
}

/*
 * Hyperscan's logical combinations are costly at scan time (measured in
 * perf/RESULTS.md: about 7 ns per combination per scanned packet even when
 * nothing matches, against 0.1-1.4 ns for one expression), and negations
 * inside them need an end-of-data sub that fires on every packet. So a
 * rule with several chains, or with negated parts, hands Hyperscan only
 * its most selective positive chain (Suricata's fast pattern idea: the
 * most literal bytes, never a prefilter-mode one when another exists),
 * and the confirm step (rules_match_confirm.c) decides the rest, negated contents
 * included, on the few packets that chain finds. A rule with no positive
 * chain is evaluated for every packet of its group.
 */
/*
 * Is the expression pinned near the payload start (an anchored
 * "^[\s\S]{a,b}" prefix with b small, or a max_offset bound)? Such a chain
 * is usually a layout marker ("POST", "MTI=0" at depth 5) that every
 * packet of that layout carries, so it makes a poor fast pattern however
 * many literal bytes it has: perf/RESULTS.md measured 33-97x more confirm
 * candidates when one was kept.
 */
static bool
compile_pinned(const struct weir_hs_expr *e)
{
	const char *p = e->expr;

	if (e->has_ext && (e->ext.flags & HS_EXT_FLAG_MAX_OFFSET) && e->ext.max_offset <= 64)
		return true;
	if (strncmp(p, "^[\\s\\S]{", 8) == 0) {
		char *end;
		unsigned long hi = strtoul(p + 8, &end, 10); /* "{a}" */

		if (*end == ',') {
			if (end[1] == '}')
				return false; /* "{a,}": not bounded */
			hi = strtoul(end + 1, NULL, 10);
		}
		return hi <= 64;
	}
	return p[0] == '^';
}

void
weir_compile_one_chain(struct weir_hs_plan *p)
{
	unsigned int i, best = UINT32_MAX, best_score = 0;
	bool best_pf = true, best_pin = true;

	if (p->n_sub <= 1 && (p->n_sub == 0 || !p->sub[0].negated))
		return;
	for (i = 0; i < p->n_sub; i++) {
		const struct weir_hs_expr *e = &p->sub[i];
		bool pf = (e->flags & HS_FLAG_PREFILTER) != 0, pin;
		unsigned int score;

		if (e->negated || strcmp(e->expr, "[\\s\\S]\\z") == 0)
			continue;
		score = compile_literal_score(e->expr);
		pin = compile_pinned(e);
		if (e->fast_pattern) {
			/* the author's fast_pattern: Suricata's MPM pattern */
			best = i;
			break;
		}
		/* exact over prefilter, then unpinned over pinned, then the
		 * most literal bytes */
		if (best == UINT32_MAX || (best_pf && !pf) || (best_pf == pf && best_pin && !pin) ||
		    (best_pf == pf && best_pin == pin && score > best_score)) {
			best = i;
			best_score = score;
			best_pf = pf;
			best_pin = pin;
		}
	}
	for (i = 0; i < p->n_sub; i++) {
		if (i == best)
			continue;
		free(p->sub[i].expr);
		p->sub[i].expr = NULL;
	}
	if (best == UINT32_MAX) {
		free(p->sub);
		p->sub = NULL;
		p->n_sub = 0;
		p->always = true;
	} else {
		p->sub[0] = p->sub[best];
		p->n_sub = 1;
	}
	p->exact = false;
}

/* Is `pan` the only payload condition of @p s (one or more pan, nothing
 * else)? The stream's card scanner decides such a rule alone. */
static bool
compile_pan_only(const struct weir_suri_rule *s)
{
	unsigned int i;

	for (i = 0; i < s->n_items; i++)
		if (s->items[i].kind != WEIR_ITEM_PAN || s->items[i].negated)
			return false;
	return s->n_items > 0;
}

/*
 * What keeps a rule off the stream in this version (called on the plan
 * weir_compile_one_chain() left, the expression the stream database
 * gets): a protocol other than tcp, nothing Hyperscan can look for (only
 * negated contents, pan with other conditions and no content; pan alone is
 * the card scanner's, weir_pan_stream_feed), or a condition tied to the start or end of
 * a buffer (offset, depth, startswith, endswith, an anchored pcre, an
 * absolute byte keyword or isdataat), which would mean the start of
 * Suricata's reassembled chunk, not of the stream. Conditions Hyperscan
 * cannot decide alone are confirmed over the stream's last bytes
 * (WEIR_STREAM_CONFIRM_WINDOW). @return NULL when it may go on the
 * stream, else what is in the way.
 */
static const char *
compile_stream_refusal(const struct weir_suri_rule *s, const struct weir_hs_plan *p)
{
	const struct weir_hs_expr *e = p->n_sub == 1 ? &p->sub[0] : NULL;
	unsigned int i;

	if (s->proto != WEIR_RPROTO_TCP)
		return "a protocol other than tcp";
	if (e == NULL && p->n_sub == 0 && compile_pan_only(s))
		return NULL;
	if (e == NULL)
		return "nothing Hyperscan can look for (only negated contents, or pan with "
		       "other conditions and no content)";
	for (i = 0; i < s->n_items; i++) {
		const struct weir_item *it = &s->items[i];

		if (it->kind == WEIR_ITEM_CONTENT &&
		    (it->has_offset || it->has_depth || it->startswith || it->endswith))
			return "offset, depth, startswith or endswith (anchored to a buffer's "
			       "start or end)";
		if (it->kind == WEIR_ITEM_PCRE && !it->relative && it->pcre[0] == '^')
			return "a pcre anchored with ^ (to a buffer's start)";
		if (weir_item_is_byte(it->kind) && !it->bop.relative)
			return "a byte keyword or isdataat at an absolute position";
	}
	if (e->expr[0] == '^' ||
	    (e->has_ext && (e->ext.flags & (HS_EXT_FLAG_MIN_OFFSET | HS_EXT_FLAG_MAX_OFFSET))))
		return "offset or depth (anchored to the start of a buffer)";
	if (e->flags & HS_FLAG_SOM_LEFTMOST)
		return "a match start offset";
	return NULL;
}

/* Keywords that make Suricata require the packet (SIG_FLAG_REQUIRE_PACKET):
 * dsize, the header keywords, flow:no_stream, the tcp-pkt protocol. */
static bool
compile_requires_packet(const struct weir_suri_rule *s)
{
	return s->has_dsize || s->n_hdr > 0 || s->n_hitems > 0 || s->tcp_pkt || s->ev_mask != 0 ||
	       (s->has_flow && (s->flow & WEIR_FLOW_NO_STREAM));
}

/* A content bound to the start of the buffer (offset, depth, startswith):
 * Suricata's packet+stream type (it inspects both). */
static bool
compile_anchored(const struct weir_suri_rule *s)
{
	unsigned int i;

	for (i = 0; i < s->n_items; i++)
		if (s->items[i].kind == WEIR_ITEM_CONTENT &&
		    (s->items[i].has_offset || s->items[i].has_depth))
			return true;
	return false;
}

/* No flowbits or flowint keyword but flowbits:set: IP-only compatible
 * (SignatureIsIPOnly takes flowbits whose command is set, flowint never). */
static bool
compile_fv_set_only(const struct weir_suri_rule *s)
{
	unsigned int i;

	for (i = 0; i < s->n_fv; i++)
		if (s->fv[i].op != WEIR_FB_SET)
			return false;
	return true;
}

/*
 * Suricata's signature type of @p s (detect-engine-build.c
 * SignatureSetType, detect-engine.c DetectEngineInspectRulePayloadMatches)
 * and what weir does with it; @return the WEIR_RT_STREAM* flag to add.
 * A tcp rule with payload conditions and no packet keyword is a stream
 * rule in Suricata: its bytes are inspected on the stream when the packet
 * went into one, on the packet otherwise. weir does that when the stream
 * database can take the rule, and inspects it per packet (as before)
 * when it cannot.
 */
static unsigned int
compile_kind(const struct weir_suri_rule *s, const struct weir_hs_plan *p, struct weir_rt_rule *rt)
{
	const char *why;

	if (s->stream_only) {
		rt->kind = WEIR_RKIND_STREAM_ONLY;
		rt->kind_why = s->tcp_stream ? "protocol tcp-stream" : "flow:only_stream";
		return WEIR_RT_STREAM;
	}
	rt->kind = WEIR_RKIND_PACKET;
	if (s->proto != WEIR_RPROTO_TCP) {
		rt->kind_why = "not a tcp rule";
		return 0;
	}
	if (s->n_items == 0) {
		rt->kind_why = "no payload condition";
		return 0;
	}
	if (compile_requires_packet(s)) {
		rt->kind_why = s->tcp_pkt	 ? "protocol tcp-pkt"
			       : s->ev_mask != 0 ? "an event keyword (a packet keyword)"
			       : s->has_dsize	 ? "dsize (a packet keyword)"
			       : s->n_hdr > 0	 ? "a header keyword (a packet keyword)"
			       : s->n_hitems > 0 ? "a header sticky buffer (a packet keyword)"
						 : "flow:no_stream";
		return 0;
	}
	if (compile_anchored(s)) {
		rt->kind = WEIR_RKIND_PKT_STREAM_AS_PACKET;
		rt->kind_why = "a content with offset, depth or startswith";
		return 0;
	}
	why = compile_stream_refusal(s, p);
	if (why != NULL) {
		rt->kind = WEIR_RKIND_STREAM_AS_PACKET;
		rt->kind_why = why;
		return 0;
	}
	rt->kind = WEIR_RKIND_STREAM;
	rt->kind_why = p->n_sub == 0 ? "pan alone: the stream's card scanner decides it"
		       : p->exact    ? "payload conditions on any bytes: Hyperscan decides them"
				     : "payload conditions on any bytes, confirmed over the window";
	return WEIR_RT_STREAM_PKT;
}

void
weir_rt_hbuf_free(struct weir_rt_rule *rt)
{
	unsigned int i;

	for (i = 0; i < rt->n_hbuf; i++)
		weir_sprog_free(rt->hbuf[i].prog);
	free(rt->hbuf);
	rt->hbuf = NULL;
	rt->n_hbuf = 0;
}

/*
 * One confirm program per header sticky buffer @p s uses, over that
 * buffer's items alone (relative items chain within their buffer, as in
 * Suricata, where each buffer is its own list). @return 0, -EINVAL with
 * PCRE2's reason, -ENOMEM; on failure rt->hbuf is freed.
 */
static int
compile_hbufs(const struct weir_suri_rule *s, struct weir_rt_rule *rt, char *err, size_t errlen,
	      unsigned int *col)
{
	struct weir_item *tmp;
	unsigned int buf, i;
	int rc = 0;

	tmp = calloc(s->n_hitems, sizeof(*tmp));
	rt->hbuf = calloc(WEIR_BUF_N, sizeof(*rt->hbuf));
	if (tmp == NULL || rt->hbuf == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (buf = WEIR_BUF_PAYLOAD + 1; buf < WEIR_BUF_N; buf++) {
		struct weir_suri_rule view = *s;
		unsigned int n = 0;

		for (i = 0; i < s->n_hitems; i++)
			if (s->hitems[i].buf == buf)
				tmp[n++] = s->hitems[i];
		if (n == 0)
			continue;
		view.items = tmp;
		view.n_items = n;
		view.hitems = NULL;
		view.n_hitems = 0;
		rc = weir_sprog_build(&view, &rt->hbuf[rt->n_hbuf].prog, err, errlen, col);
		if (rc < 0)
			goto out;
		rt->hbuf[rt->n_hbuf++].buf = buf;
	}
out:
	free(tmp);
	if (rc < 0)
		weir_rt_hbuf_free(rt);
	return rc;
}

static int
compile_add_suri(struct cbuild *b, struct weir_suri_rule *s)
{
	struct weir_rt_rule *rt;
	struct cr *c;
	char err[256] = "";
	unsigned int col = 0;
	const char *desc = NULL;
	unsigned int stream_flag;
	int rc = compile_grow(b);

	if (rc < 0)
		return rc;
	rt = &b->rs->rules[b->n];
	c = &b->cr[b->n];
	memset(rt, 0, sizeof(*rt));
	memset(c, 0, sizeof(*c));
	rc = weir_compile_flow_names(&b->names, s, b->diags);
	if (rc < 0) {
		b->refused++;
		return 0; /* not added */
	}
	weir_compile_dsize_depth(s);
	rc = weir_hs_plan_build(s, &c->plan, err, sizeof(err), &col);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		weir_diag_add(b->diags, s->file, s->line, col, "pcre", "%s", err);
		b->refused++;
		return 0; /* not added */
	}
	if (s->stream_only && compile_requires_packet(s)) {
		/* detect-parse.c SigValidate */
		weir_diag_add(b->diags, s->file, s->stream_line, s->stream_col,
			      s->tcp_stream ? "protocol" : "flow",
			      "can't mix packet keywords with tcp-stream or flow:only_stream "
			      "(dsize, header keywords, no_stream, tcp-pkt)");
		weir_hs_plan_free(&c->plan);
		b->refused++;
		return 0; /* not added */
	}
	weir_compile_one_chain(&c->plan);
	if (!c->plan.exact) {
		rc = weir_sprog_build(s, &rt->prog, err, sizeof(err), &col);
		if (rc == -ENOMEM) {
			weir_hs_plan_free(&c->plan);
			return rc;
		}
		if (rc < 0) {
			weir_diag_add(b->diags, s->file, s->line, col, "pcre", "%s", err);
			weir_hs_plan_free(&c->plan);
			b->refused++;
			return 0;
		}
	}
	if (s->n_hitems > 0) {
		rc = compile_hbufs(s, rt, err, sizeof(err), &col);
		if (rc < 0) {
			if (rc != -ENOMEM) {
				weir_diag_add(b->diags, s->file, s->line, col, "pcre", "%s", err);
				b->refused++;
			}
			weir_sprog_free(rt->prog);
			rt->prog = NULL;
			weir_hs_plan_free(&c->plan);
			return rc == -ENOMEM ? rc : 0;
		}
	}
	if (s->stream_only) {
		const char *why = compile_stream_refusal(s, &c->plan);

		if (why != NULL) {
			weir_diag_add(b->diags, s->file, s->stream_line, s->stream_col,
				      s->tcp_stream ? "protocol" : "flow",
				      "%s: %s is not supported yet in a stream rule",
				      s->tcp_stream ? "protocol tcp-stream" : "flow: only_stream",
				      why);
			weir_sprog_free(rt->prog);
			rt->prog = NULL;
			weir_rt_hbuf_free(rt);
			weir_hs_plan_free(&c->plan);
			b->refused++;
			return 0; /* not added */
		}
	}
	stream_flag = compile_kind(s, &c->plan, rt);
	if (s->bidir) {
		rc = weir_portset_union(&s->sport, &s->dport, &c->gports);
		if (rc < 0)
			goto err_nomem;
		c->own_gports = 1;
	} else {
		c->gports = s->dport;
	}
	c->sig = compile_sig_text(s->msg && s->msg[0] ? s->msg : s->text);
	if (c->sig == NULL)
		goto err_nomem;
	rt->sid = s->sid;
	rt->rev = s->rev;
	rt->gid = s->gid;
	rt->priority = s->priority;
	rt->protos = compile_protos(s->proto);
	rt->flags = (c->plan.exact ? WEIR_RT_EXACT : 0) |
		    (compile_has_header(s) ? WEIR_RT_HEADER : 0) |
		    (s->threshold.type != WEIR_THRESH_NONE ||
				     s->detection_filter.type != WEIR_THRESH_NONE || s->n_supp > 0
			     ? WEIR_RT_THRESH
			     : 0) |
		    (s->action == WEIR_ACTION_PASS ? WEIR_RT_PASS : 0) |
		    (s->n_fv > 0 ? WEIR_RT_FVAR : 0) | (s->noalert ? WEIR_RT_NOALERT : 0) |
		    (s->n_fnum > 0 ? WEIR_RT_FNUM : 0) | (s->n_hdr > 0 ? WEIR_RT_HDR : 0) |
		    (rt->n_hbuf > 0 ? WEIR_RT_HBUF : 0) | (s->ev_mask != 0 ? WEIR_RT_EVENT : 0) |
		    stream_flag;
	rt->target = s->target;
	weir_compile_flow_check(s, &rt->flow_mask, &rt->flow_want);
	/* Suricata's IP-only signature (detect-engine-build.c
	 * SignatureIsIPOnly): no payload or buffer, no keyword but thresholds
	 * and flowbits whose every command is `set` (flowint is not IP-only
	 * compatible), no flow direction, no negated address.
	 * detect-engine-iponly.c inspects it on the first packet of each flow
	 * direction only (DetectRunInspectIPOnly). */
	if (c->plan.n_sub == 0 && rt->prog == NULL && !s->has_dsize && rt->flow_mask == 0 &&
	    !(rt->flags & (WEIR_RT_FNUM | WEIR_RT_HDR | WEIR_RT_HBUF | WEIR_RT_STREAM |
			   WEIR_RT_STREAM_PKT | WEIR_RT_EVENT)) &&
	    compile_fv_set_only(s) && !s->src.negated && !s->dst.negated)
		rt->flags |= WEIR_RT_IPONLY;
	rt->sr = s;
	rt->signature = c->sig;
	rt->metadata_json = s->eve_metadata;
	rt->references_json = s->eve_references;
	rt->category = "";
	if (s->classtype != NULL && weir_classtype_priority(s->classtype, &desc) != 0 &&
	    desc != NULL)
		rt->category = desc;
	rt->file = s->file;
	rt->line = s->line;
	rt->fields = s->fields;
	rt->n_fields = (uint8_t)s->n_fields;
	rt->win = s->win;
	b->n++;
	return 0;

err_nomem:
	weir_sprog_free(rt->prog);
	rt->prog = NULL;
	weir_rt_hbuf_free(rt);
	compile_cr_clear(c);
	return -ENOMEM;
}

/*
 * Check each expression alone, so that every refused one is reported with
 * its own line: a multi compile stops at the first error, which would make
 * the author fix a file one line per run. Refused rules are marked dead.
 * @return 0 or -errno for a failure that is no rule's fault.
 */
static int
compile_validate(struct cbuild *b)
{
	unsigned int i, k;

	for (i = 0; i < b->n; i++) {
		struct cr *c = &b->cr[i];

		for (k = 0; k < c->plan.n_sub && !c->dead; k++) {
			const struct weir_hs_expr *e = &c->plan.sub[k];
			hs_compile_error_t *cerr = NULL;
			hs_expr_info_t *info = NULL;
			hs_error_t err;

			err = hs_expression_ext_info(e->expr, e->flags, e->has_ext ? &e->ext : NULL,
						     &info, &cerr);
			free(info); /* Hyperscan's misc allocator: malloc() */
			if (err == HS_SUCCESS)
				continue;
			if (err != HS_COMPILER_ERROR) {
				weir_diag_add(b->diags, b->rs->rules[i].file, b->rs->rules[i].line,
					      0, NULL, "hs_expression_ext_info failed: %s",
					      cerr ? cerr->message : compile_hs_strerror(err));
				hs_free_compile_error(cerr);
				return -compile_hs_errno(err);
			}
			weir_diag_add(b->diags, b->rs->rules[i].file, b->rs->rules[i].line, 0,
				      c->is_sig ? NULL : "content", "%s",
				      cerr ? cerr->message : compile_hs_strerror(err));
			hs_free_compile_error(cerr);
			c->dead = 1;
			b->refused++;
		}
	}
	return 0;
}

/* Drop the dead rules, keeping order (indexes are final after this). */
static void
compile_compact(struct cbuild *b)
{
	unsigned int i, o = 0;

	for (i = 0; i < b->n; i++) {
		if (b->cr[i].dead) {
			weir_sprog_free(b->rs->rules[i].prog);
			weir_rt_hbuf_free(&b->rs->rules[i]);
			compile_cr_clear(&b->cr[i]);
			continue;
		}
		if (o != i) {
			b->rs->rules[o] = b->rs->rules[i];
			b->cr[o] = b->cr[i];
		}
		o++;
	}
	b->n = o;
}

/* ---- grouping -------------------------------------------------------- */

struct cgroup {
	uint8_t protos;
	const struct weir_portset *ports; /* NULL = any */
	unsigned int n;			  /* rules */
	int merged_into;		  /* -1, or the group that took it */
};

static int
compile_ports_eq(const struct weir_portset *a, const struct weir_portset *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return a->n == b->n && memcmp(a->r, b->r, a->n * sizeof(*a->r)) == 0;
}

/* Ports as text for `rules check`: "80", "[80,443]", "1024:65535", "any". */
static void
compile_ports_text(const struct weir_portset *p, char *buf, size_t len)
{
	size_t o = 0;
	unsigned int i;

	if (p == NULL || p->any) {
		snprintf(buf, len, "any");
		return;
	}
	buf[0] = '\0';
	if (p->n > 1)
		o += (size_t)snprintf(buf + o, len - o, "[");
	for (i = 0; i < p->n && o < len; i++) {
		if (p->r[i].lo == p->r[i].hi)
			o += (size_t)snprintf(buf + o, len - o, "%s%u", i ? "," : "", p->r[i].lo);
		else
			o += (size_t)snprintf(buf + o, len - o, "%s%u:%u", i ? "," : "", p->r[i].lo,
					      p->r[i].hi);
	}
	if (o < len && p->n > 1)
		snprintf(buf + o, len - o, "]");
	if (o >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
}

/*
 * Assign every rule a group: same protocol classes and same grouping
 * ports. Only TCP/UDP-only rules use port groups; the rest go to their
 * class set's "any" group. When there are more than COMPILE_MAX_GROUPS,
 * only the largest port groups stay apart and the rest fold into the
 * "any" group of their classes. Groups are numbered 0..n-1.
 * @return number of groups, or -ENOMEM. *out is an array of cgroup.
 */
static int
compile_group(struct cbuild *b, struct cgroup **out)
{
	struct cgroup *g = NULL;
	unsigned int n = 0, cap = 0, i, k, n_port = 0, keep, *order = NULL, *remap = NULL;
	const uint8_t tcpudp = (1u << WEIR_PCLASS_TCP) | (1u << WEIR_PCLASS_UDP);
	int rc = -ENOMEM;

	for (i = 0; i <= b->n; i++) {
		const struct weir_portset *p = NULL;
		uint8_t protos = 0;

		if (i < b->n && (b->rs->rules[i].flags & WEIR_RT_STREAM)) {
			b->rs->rules[i].group = WEIR_RGROUP_STREAM;
			continue;
		}
		if (i < b->n) {
			struct weir_rt_rule *r = &b->rs->rules[i];

			p = &b->cr[i].gports;
			protos = r->protos;
			/* Past 60,000 distinct port sets (group ids are 16 bits
			 * until renumbered), a rule goes to its "any" group at
			 * once: the fold below would put it there anyway. */
			if (b->cr[i].is_sig || (protos & ~tcpudp) != 0 || p->any || n >= 60000)
				p = NULL;
		}
		/* Small linear search over port groups is fine for sane
		 * sets; every distinct port set is one entry. */
		for (k = 0; i < b->n && k < n; k++)
			if (g[k].protos == protos && compile_ports_eq(g[k].ports, p))
				break;
		if (i == b->n)
			break;
		if (k == n) {
			if (n + WEIR_PCLASS_N * 4 >= cap) {
				struct cgroup *ng;

				cap = cap ? cap * 2 : 64;
				ng = realloc(g, cap * sizeof(*g));
				if (ng == NULL)
					goto out;
				g = ng;
			}
			g[n] = (struct cgroup){.protos = protos, .ports = p, .merged_into = -1};
			n_port += p != NULL;
			n++;
		}
		g[k].n++;
		b->rs->rules[i].group = (uint16_t)k;
	}
	if (n > COMPILE_MAX_GROUPS && n_port > 0) {
		unsigned int n_any = n - n_port, m = 0;

		keep = COMPILE_MAX_GROUPS > n_any + 3 ? COMPILE_MAX_GROUPS - n_any - 3 : 0;
		order = calloc(n_port, sizeof(*order));
		if (order == NULL)
			goto out;
		for (k = 0; k < n; k++)
			if (g[k].ports != NULL)
				order[m++] = k;
		/* The `keep` largest first: a partial selection sort,
		 * keep <= COMPILE_MAX_GROUPS passes over the port groups. */
		for (k = 0; k < m; k++) {
			unsigned int best = k, t;

			if (k >= keep)
				break;
			for (t = k + 1; t < m; t++)
				if (g[order[t]].n > g[order[best]].n)
					best = t;
			t = order[k];
			order[k] = order[best];
			order[best] = t;
		}
		for (k = keep; k < m; k++) {
			struct cgroup *src = &g[order[k]];
			unsigned int a;

			for (a = 0; a < n; a++)
				if (g[a].merged_into < 0 && g[a].ports == NULL &&
				    g[a].protos == src->protos)
					break;
			if (a == n) {
				/* cap keeps room: at most one new group per class set */
				g[n] = (struct cgroup){.protos = src->protos, .merged_into = -1};
				n++;
			}
			src->merged_into = (int)a;
			g[a].n += src->n;
			src->n = 0;
		}
	}
	/* Renumber the live groups 0..L-1; rules of a folded group follow it
	 * (merged_into always names a live group, never a chain). */
	remap = calloc(n ? n : 1, sizeof(*remap));
	if (remap == NULL)
		goto out;
	for (k = 0, i = 0; k < n; k++)
		if (g[k].merged_into < 0)
			remap[k] = i++;
	for (k = 0; k < n; k++)
		if (g[k].merged_into >= 0)
			remap[k] = remap[g[k].merged_into];
	for (k = 0, i = 0; k < n; k++)
		if (g[k].merged_into < 0)
			g[i++] = g[k];
	for (k = 0; k < b->n; k++)
		if (!(b->rs->rules[k].flags & WEIR_RT_STREAM))
			b->rs->rules[k].group = (uint16_t)remap[b->rs->rules[k].group];
	rc = (int)i;
	*out = g;
	g = NULL;
out:
	free(order);
	free(remap);
	free(g);
	return rc;
}

/* ---- per group compile ---------------------------------------------- */

struct cexprs {
	const char **expr;
	unsigned int *flags;
	unsigned int *ids;
	const hs_expr_ext_t **ext;
	unsigned int *rule; /* rule index of each expression */
	unsigned int n;
};

static void
compile_cexprs_free(struct cexprs *x)
{
	free(x->expr);
	free(x->flags);
	free(x->ids);
	free(x->ext);
	free(x->rule);
	memset(x, 0, sizeof(*x));
}

/*
 * Fill @p x with the expressions of group @p gi's live rules (every packet
 * rule's for COMPILE_PKT_DB): one each, expression id = rule index. Every plan has at most one
 * positive expression here (weir_compile_one_chain() for the Suricata subset, the pattern itself
 * for signature rules), so no logical combination is ever built.
 */
static unsigned int
compile_dirs(const struct cbuild *b, unsigned int i)
{
	const struct weir_rt_rule *r = &b->rs->rules[i];
	unsigned int d = weir_compile_flow_dirs(r->flow_mask, r->flow_want);

	/* a rule that never matches still compiles once, so a bad
	 * expression is reported as in any other set */
	return d != 0 ? d : WEIR_DIR_SERVER;
}

static bool
compile_in_db(const struct cbuild *b, unsigned int i, unsigned int gi)
{
	uint16_t g = b->rs->rules[i].group;

	if (gi >= COMPILE_PKT_A(7) && gi <= COMPILE_PKT_A(0)) {
		unsigned int k = COMPILE_PKT_A_K(gi);

		if (g == WEIR_RGROUP_STREAM || g == UINT16_MAX)
			return false;
		if (b->dir_split &&
		    !(compile_dirs(b, i) & (k >= 4 ? WEIR_DIR_CLIENT : WEIR_DIR_SERVER)))
			return false;
		return (b->cr[i].amask >> (k & 3)) & 1;
	}
	if (gi == COMPILE_PKT_DB || gi == COMPILE_PKT_TC) {
		if (g == WEIR_RGROUP_STREAM || g == UINT16_MAX)
			return false;
		if (!b->dir_split)
			return gi == COMPILE_PKT_DB;
		return (compile_dirs(b, i) &
			(gi == COMPILE_PKT_DB ? WEIR_DIR_SERVER : WEIR_DIR_CLIENT)) != 0;
	}
	return g == gi;
}

/*
 * weir_ruleset dir_sdb and sadb: each packet database, or NULL when it
 * holds no expression of a rule a streamed packet can meet (every rule
 * with an expression in it is WEIR_RT_STREAM_PKT). Membership as the
 * databases were built: compile_in_db().
 */
static void
compile_streamed_dbs(struct cbuild *b)
{
	struct weir_ruleset *rs = b->rs;
	bool pkt = false, tc = false, a[8] = {false};
	unsigned int i, k;

	for (i = 0; i < rs->n_rules; i++) {
		if (b->cr[i].dead || b->cr[i].plan.n_sub == 0 ||
		    (rs->rules[i].flags & (WEIR_RT_STREAM | WEIR_RT_STREAM_PKT)))
			continue;
		pkt = pkt || compile_in_db(b, i, COMPILE_PKT_DB);
		tc = tc || compile_in_db(b, i, COMPILE_PKT_TC);
		for (k = 0; rs->apkt != NULL && k < 8; k++)
			a[k] = a[k] || compile_in_db(b, i, COMPILE_PKT_A(k));
	}
	rs->dir_sdb[0] = pkt ? rs->dir_db[0] : NULL;
	rs->dir_sdb[1] = rs->dir_split ? (tc ? rs->dir_db[1] : NULL) : rs->dir_sdb[0];
	for (k = 0; rs->addr_part != NULL && k < 4; k++) {
		rs->sadb[0][k] = a[k] ? rs->adb[0][k] : NULL;
		rs->sadb[1][k] = rs->dir_split ? (a[4 + k] ? rs->adb[1][k] : NULL) : rs->sadb[0][k];
	}
}

/*
 * Should the packet database be split by direction? Suricata builds its
 * signature group heads per direction (detect-engine-build.c, toserver
 * and toclient) so that a request never meets the rules of answers; here
 * that is one database per side, when the sides leave out enough
 * (COMPILE_DIR_SPLIT_SHARE) to pay for compiling the rules of neither
 * direction twice.
 */
static bool
compile_dir_split(const struct cbuild *b)
{
	unsigned int i, n = 0, left_out = 0;

	for (i = 0; i < b->n; i++) {
		const struct cr *c = &b->cr[i];
		unsigned int d;

		if (c->dead || c->plan.n_sub == 0 || !compile_in_db(b, i, COMPILE_PKT_DB))
			continue;
		d = compile_dirs(b, i);
		n++;
		left_out += !(d & WEIR_DIR_SERVER) + !(d & WEIR_DIR_CLIENT);
	}
	return left_out > 0 && left_out >= n / COMPILE_DIR_SPLIT_SHARE;
}

/* ---- packet databases per address class --------------------------- */

/* Bits of where set @p a lies against @p h: 1, it can hold an address
 * outside h; 2, one inside h. Both sets are sorted, disjoint ranges. */
static unsigned int
compile_addr_sides(const struct weir_addrset *a, const struct weir_addrset *h)
{
	unsigned int i = 0, j = 0, out = 0;

	if (a->any || a->n == 0)
		return 3;
	/* inside: some range of a meets some range of h */
	while (i < a->n && j < h->n) {
		if (memcmp(a->r[i].hi, h->r[j].lo, 16) < 0) {
			i++;
		} else if (memcmp(h->r[j].hi, a->r[i].lo, 16) < 0) {
			j++;
		} else {
			out |= 2;
			break;
		}
	}
	/* outside: some range of a is not covered by one range of h (h's
	 * ranges are non-adjacent, so a range inside h lies in one of them) */
	for (i = 0, j = 0; i < a->n; i++) {
		while (j < h->n && memcmp(h->r[j].hi, a->r[i].lo, 16) < 0)
			j++;
		if (j == h->n || memcmp(h->r[j].lo, a->r[i].lo, 16) > 0 ||
		    memcmp(h->r[j].hi, a->r[i].hi, 16) < 0) {
			out |= 1;
			break;
		}
	}
	return out;
}

/*
 * The address classes (bit c: source in h iff c & 2, destination in h iff
 * c & 1) a packet of rule @p i can be of when its header matches: every
 * class for a rule without a header or with `any` on both sides.
 */
static uint8_t
compile_addr_mask(const struct cbuild *b, unsigned int i, const struct weir_addrset *h)
{
	const struct weir_suri_rule *sr = b->rs->rules[i].sr;
	unsigned int s, d, m = 0, c;

	if (sr == NULL)
		return 0xf;
	s = compile_addr_sides(&sr->src, h);
	d = compile_addr_sides(&sr->dst, h);
	for (c = 0; c < 4; c++) {
		unsigned int cs = (c & 2) ? 2 : 1, cd = (c & 1) ? 2 : 1;

		if ((s & cs) && (d & cd))
			m |= 1u << c;
		/* `<>`: the packet read backwards, source in the rule's dst */
		if (sr->bidir && (d & cs) && (s & cd))
			m |= 1u << c;
	}
	return (uint8_t)m;
}

static bool
compile_addrset_eq(const struct weir_addrset *a, const struct weir_addrset *b)
{
	return a->any == b->any && a->n == b->n && memcmp(a->r, b->r, a->n * sizeof(*a->r)) == 0;
}

/* Expressions the classes' databases would hold under @p h, summed over
 * the four classes, and the packet databases' own count in @p n. */
static unsigned long
compile_addr_cost(const struct cbuild *b, const struct weir_addrset *h, unsigned long *n)
{
	unsigned long sum = 0;
	unsigned int i;

	*n = 0;
	for (i = 0; i < b->n; i++) {
		if (b->cr[i].dead || b->cr[i].plan.n_sub == 0 ||
		    !compile_in_db(b, i, COMPILE_PKT_DB))
			continue;
		(*n)++;
		sum += (unsigned long)__builtin_popcount(compile_addr_mask(b, i, h));
	}
	return sum;
}

/*
 * Which address set splits the packet databases, if any. Suricata keeps
 * per-packet address checks out of its prefilter by grouping rules on
 * ports and direction only; rule sets such as ET Open name $HOME_NET and
 * $EXTERNAL_NET on most rules, so a packet between two hosts of one side
 * can meet only a fraction of them. The candidates are the sets most
 * rules name; the one whose four class databases are smallest wins, if
 * they hold on average at most COMPILE_ADDR_SPLIT_QUARTERS/4 of the
 * packet rules. Sets a rule names are the rule's (rs keeps them).
 */
static const struct weir_addrset *
compile_addr_split(struct cbuild *b)
{
	const struct weir_addrset *cand[COMPILE_ADDR_CANDIDATES], *best = NULL;
	unsigned int cnt[COMPILE_ADDR_CANDIDATES], n_cand = 0, i, k;
	unsigned long best_sum = 0, n = 0;

	for (i = 0; i < b->n; i++) {
		const struct weir_suri_rule *sr = b->rs->rules[i].sr;
		const struct weir_addrset *side[2];
		unsigned int e;

		if (sr == NULL || b->cr[i].dead || b->cr[i].plan.n_sub == 0 ||
		    !compile_in_db(b, i, COMPILE_PKT_DB))
			continue;
		side[0] = &sr->src;
		side[1] = &sr->dst;
		for (e = 0; e < 2; e++) {
			if (side[e]->any || side[e]->n == 0)
				continue;
			for (k = 0; k < n_cand && !compile_addrset_eq(cand[k], side[e]); k++)
				;
			if (k < n_cand)
				cnt[k]++;
			else if (n_cand < COMPILE_ADDR_CANDIDATES) {
				cand[n_cand] = side[e];
				cnt[n_cand++] = 1;
			}
		}
	}
	for (k = 0; k < n_cand; k++) {
		unsigned long sum = compile_addr_cost(b, cand[k], &n);

		/* a set a handful of rules name cannot pay for four databases */
		if (cnt[k] * 8 < n)
			continue;
		if (best == NULL || sum < best_sum) {
			best = cand[k];
			best_sum = sum;
		}
	}
	if (best == NULL || best_sum > n * COMPILE_ADDR_SPLIT_QUARTERS)
		return NULL;
	for (i = 0; i < b->n; i++)
		b->cr[i].amask = compile_addr_mask(b, i, best);
	return best;
}

/* @p h's IPv4 addresses as host-order ranges, sorted, in @p out (room
 * for h->n): the part of each range in ::ffff:0:0/96, where weir keeps
 * IPv4 addresses. @return how many. */
static unsigned int
compile_v4_ranges(const struct weir_addrset *h, struct weir_ip4_range *out)
{
	static const uint8_t v4pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	unsigned int i, n = 0;

	for (i = 0; i < h->n; i++) {
		int lo_in = memcmp(h->r[i].lo, v4pfx, 12), hi_in = memcmp(h->r[i].hi, v4pfx, 12);

		if (lo_in > 0 || hi_in < 0)
			continue; /* wholly above or below the IPv4 block */
		out[n].lo = lo_in < 0 ? 0
				      : (uint32_t)h->r[i].lo[12] << 24 |
						(uint32_t)h->r[i].lo[13] << 16 |
						(uint32_t)h->r[i].lo[14] << 8 | h->r[i].lo[15];
		out[n].hi = hi_in > 0 ? UINT32_MAX
				      : (uint32_t)h->r[i].hi[12] << 24 |
						(uint32_t)h->r[i].hi[13] << 16 |
						(uint32_t)h->r[i].hi[14] << 8 | h->r[i].hi[15];
		n++;
	}
	return n;
}

/* The split's set as IPv4 ranges (weir_ruleset.apart4). */
static int
compile_addr_part4(struct weir_ruleset *rs)
{
	rs->apart4 = calloc(rs->addr_part->n ? rs->addr_part->n : 1, sizeof(*rs->apart4));
	if (rs->apart4 == NULL)
		return -ENOMEM;
	rs->n_apart4 = compile_v4_ranges(rs->addr_part, rs->apart4);
	return 0;
}

/* How the IPv4 addresses of @p h (@p v, @p n: compile_v4_ranges) stand
 * to the split's (@p p, @p np): 1 the same, -1 exactly the others of the
 * IPv4 space, 0 neither. The ranges are disjoint and non-adjacent, so
 * each of these has one way of being written. */
static int
compile_v4_relation(const struct weir_ip4_range *v, unsigned int n, const struct weir_ip4_range *p,
		    unsigned int np)
{
	uint64_t cur = 0; /* the next address the complement starts at */
	unsigned int i, k = 0;

	if (n == np && memcmp(v, p, n * sizeof(*v)) == 0)
		return 1;
	for (i = 0; i < np; i++) {
		if (p[i].lo > cur) {
			if (k >= n || v[k].lo != cur || v[k].hi != p[i].lo - 1)
				return 0;
			k++;
		}
		cur = (uint64_t)p[i].hi + 1;
	}
	if (cur <= UINT32_MAX) {
		if (k >= n || v[k].lo != cur || v[k].hi != UINT32_MAX)
			return 0;
		k++;
	}
	return k == n ? -1 : 0;
}

/* weir_rt_rule.apart of every rule with a header, once the split is
 * known: whose source or destination set the class answers for IPv4. */
static int
compile_addr_answers(struct weir_ruleset *rs)
{
	struct weir_ip4_range *v = NULL;
	unsigned int cap = 0, i, e;

	for (i = 0; i < rs->n_rules; i++) {
		const struct weir_suri_rule *sr = rs->rules[i].sr;
		const struct weir_addrset *side[2];
		static const uint8_t bit_in[2] = {WEIR_RT_AP_SRC_IN, WEIR_RT_AP_DST_IN};
		static const uint8_t bit_out[2] = {WEIR_RT_AP_SRC_OUT, WEIR_RT_AP_DST_OUT};

		rs->rules[i].apart = 0;
		if (sr == NULL)
			continue;
		side[0] = &sr->src;
		side[1] = &sr->dst;
		for (e = 0; e < 2; e++) {
			unsigned int n;
			int rel;

			if (side[e]->any || side[e]->n == 0)
				continue;
			if (side[e]->n > cap) {
				struct weir_ip4_range *nv = realloc(v, side[e]->n * sizeof(*v));

				if (nv == NULL) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
				cap = side[e]->n;
			}
			n = compile_v4_ranges(side[e], v);
			rel = compile_v4_relation(v, n, rs->apart4, rs->n_apart4);
			if (rel > 0)
				rs->rules[i].apart |= bit_in[e];
			else if (rel < 0)
				rs->rules[i].apart |= bit_out[e];
		}
	}
	free(v);
	return 0;
}

static void
compile_collect(struct cbuild *b, unsigned int gi, struct cexprs *x)
{
	unsigned int i;

	x->n = 0;
	for (i = 0; i < b->n; i++) {
		const struct cr *c = &b->cr[i];
		const struct weir_hs_expr *e;

		if (!compile_in_db(b, i, gi) || c->dead || c->plan.n_sub == 0)
			continue;
		e = &c->plan.sub[0];
		x->expr[x->n] = e->expr;
		x->flags[x->n] = e->flags;
		if (!(e->flags & HS_FLAG_SOM_LEFTMOST))
			x->flags[x->n] |= HS_FLAG_SINGLEMATCH;
		x->ids[x->n] = i;
		x->ext[x->n] = e->has_ext ? &e->ext : NULL;
		x->rule[x->n] = i;
		x->n++;
	}
}

static int
compile_group_db(struct cbuild *b, unsigned int gi, const char *cache_dir, struct weir_rgroup *grp)
{
	struct cexprs x = {0};
	unsigned int cap = 0, i;
	int rc = 0;

	for (i = 0; i < b->n; i++)
		cap += compile_in_db(b, i, gi);
	if (cap == 0)
		return 0;
	x.expr = calloc(cap, sizeof(*x.expr));
	x.flags = calloc(cap, sizeof(*x.flags));
	x.ids = calloc(cap, sizeof(*x.ids));
	x.ext = calloc(cap, sizeof(*x.ext));
	x.rule = calloc(cap, sizeof(*x.rule));
	if (!x.expr || !x.flags || !x.ids || !x.ext || !x.rule) {
		rc = -ENOMEM;
		goto out;
	}
	for (;;) {
		hs_compile_error_t *cerr = NULL;
		struct weir_dbkey key;
		hs_error_t err;
		int k, have_key = 0;

		compile_collect(b, gi, &x);
		if (x.n == 0)
			break;
		if (cache_dir != NULL &&
		    weir_dbkey_compute(x.expr, x.flags, x.ids, x.ext, x.n, HS_MODE_BLOCK,
				       WEIR_COMPILER_VERSION, &key) == 0) {
			have_key = 1;
			rc = weir_dbcache_load(cache_dir, &key, &grp->db);
			if (rc == 0) {
				grp->from_cache = 1;
				break;
			}
			/* Not a rule error: noted on the group (weir_ruleset_notes) */
			if (rc == -EINVAL)
				grp->cache_rebuilt = 1;
			rc = 0;
		}
		err = hs_compile_ext_multi(x.expr, x.flags, x.ids, x.ext, x.n, HS_MODE_BLOCK, NULL,
					   &grp->db, &cerr);
		if (err == HS_SUCCESS) {
			if (have_key)
				(void)weir_dbcache_store(cache_dir, &key, grp->db);
			break;
		}
		if (err == HS_COMPILER_ERROR && !b->validated) {
			/* an expression refused: compile_build() checks each
			 * alone first, then builds again */
			hs_free_compile_error(cerr);
			b->need_validate = 1;
			goto out;
		}
		k = cerr ? cerr->expression : -1;
		if (err != HS_COMPILER_ERROR || k < 0 || (unsigned int)k >= x.n) {
			/* Not one rule's fault (resource limits, memory): the group's. */
			weir_diag_add(b->diags, b->rs->rules[x.rule[0]].file, 0, 0, NULL,
				      "hs_compile_ext_multi of %u expressions failed: %s", x.n,
				      cerr ? cerr->message : compile_hs_strerror(err));
			rc = -compile_hs_errno(err);
			hs_free_compile_error(cerr);
			goto out;
		}
		i = x.rule[k];
		weir_diag_add(b->diags, b->rs->rules[i].file, b->rs->rules[i].line, 0, NULL, "%s",
			      cerr->message);
		hs_free_compile_error(cerr);
		b->refused++;
		if (!b->skip_invalid) {
			rc = -EINVAL;
			goto out;
		}
		/* Out of this group now; compile_build() compacts and
		 * rebuilds every group, so indexes stay dense. */
		b->cr[i].dead = 1;
		b->rs->rules[i].protos = 0;
		b->rs->rules[i].group = UINT16_MAX;
		b->died_in_multi++;
	}
	if (grp->db != NULL) {
		hs_error_t err = hs_database_size(grp->db, &grp->db_bytes);

		grp->n_expr = x.n;
		if (err == HS_SUCCESS)
			err = hs_alloc_scratch(grp->db, &b->rs->scratch_proto);
		if (err != HS_SUCCESS) {
			weir_diag_add(b->diags, b->rs->rules[0].file, 0, 0, NULL,
				      "hs_alloc_scratch failed: %s", compile_hs_strerror(err));
			rc = -compile_hs_errno(err);
		}
	}
out:
	compile_cexprs_free(&x);
	return rc;
}

/* The stream database of a set whose stream rules are all pan alone. */
#define COMPILE_PAN_ONLY_EXPR "\\xf7\\x3a\\x00\\xc5weir-pan-only\\x00\\x9e\\x11"

/*
 * The stream rules' database (HS_MODE_STREAM), one expression per rule,
 * id = rule index, without HS_FLAG_SINGLEMATCH: a stream lives for the
 * whole flow direction, and a rule may alert again on later data (once
 * per weir_ruleset_scan_stream call at most). A rule Hyperscan refuses
 * in stream mode is handled as compile_group_db() handles one.
 *
 * Built in two halves so that Hyperscan compiles it on a second thread
 * while the control thread compiles the packet database: on a cold build
 * the two compiles are nearly all of the time (perf/RESULTS.md, "Rule-set
 * scale", build time), and neither reads what the other writes.
 * compile_stream_start() collects the expressions, tries the cache and
 * starts the compile; compile_stream_finish() waits for it and does the
 * rest (diagnostics, cache store, sizes, scratch) on the calling thread.
 */
struct sjob {
	struct cexprs x;
	struct weir_dbkey key;
	int have_key;
	int cached;  /* loaded from the cache: nothing to compile */
	int running; /* thread started, not joined */
	pthread_t tid;
	hs_database_t *db;
	hs_compile_error_t *cerr;
	hs_error_t err;
};

/* The compile thread: Hyperscan's compiler keeps no state between calls
 * (everything lives in the call and the default allocator, malloc). */
static void *
compile_stream_run(void *arg)
{
	struct sjob *j = arg;

	j->err = hs_compile_ext_multi(j->x.expr, j->x.flags, j->x.ids, j->x.ext, j->x.n,
				      HS_MODE_STREAM, NULL, &j->db, &j->cerr);
	return NULL;
}

/*
 * Can @p e match at the end of data, i.e. can hs_close_stream() report
 * it? Hyperscan reports every other match while it scans (the catch-up
 * at the end of each call). Only an assertion makes an end-of-data match
 * (`$`, `\z`, `\Z`, `\b`, `\B`), so an expression with none of them in
 * its text (every content chain: bytes as \xHH and gaps) cannot, and
 * costs no parse; the others are asked of Hyperscan (about 40 us each),
 * and one it cannot parse counts as able.
 */
static bool
compile_matches_at_eod(const struct weir_hs_expr *e)
{
	hs_compile_error_t *cerr = NULL;
	hs_expr_info_t *info = NULL;
	const char *s;
	bool eod;

	for (s = e->expr; *s != '\0'; s++) {
		if (*s == '$')
			break;
		if (*s == '\\' && s[1] != '\0') {
			if (strchr("bBzZ", s[1]) != NULL)
				break;
			s++; /* the escaped character */
		}
	}
	if (*s == '\0')
		return false;
	if (hs_expression_ext_info(e->expr, e->flags, e->has_ext ? &e->ext : NULL, &info, &cerr) !=
	    HS_SUCCESS) {
		hs_free_compile_error(cerr);
		return true;
	}
	eod = info->matches_at_eod != 0;
	free(info); /* Hyperscan's misc allocator: malloc() here */
	return eod;
}

/* @return 0 (the job is started, loaded or empty; finish it in every
 * case) or -ENOMEM (nothing to finish). */
static int
compile_stream_start(struct cbuild *b, const char *cache_dir, struct sjob *j)
{
	struct weir_ruleset *rs = b->rs;
	unsigned int cap = 0, i;
	int rc;

	memset(j, 0, sizeof(*j));
	for (i = 0; i < b->n; i++)
		cap += !b->cr[i].dead &&
		       (rs->rules[i].flags & (WEIR_RT_STREAM | WEIR_RT_STREAM_PKT)) != 0;
	rs->n_stream_rules = cap;
	if (cap == 0)
		return 0;
	/* pan alone (no expression): the card scanner's list */
	rs->stream_pan = calloc(cap, sizeof(*rs->stream_pan));
	if (rs->stream_pan == NULL)
		return -ENOMEM;
	for (i = 0; i < b->n; i++) {
		if (b->cr[i].dead || !(rs->rules[i].flags & (WEIR_RT_STREAM | WEIR_RT_STREAM_PKT)))
			continue;
		/* 0 (a flow that never matches): no direction needs it */
		rs->stream_dirs |=
			weir_compile_flow_dirs(rs->rules[i].flow_mask, rs->rules[i].flow_want);
		if (b->cr[i].plan.n_sub == 0)
			rs->stream_pan[rs->n_stream_pan++] = i;
	}
	j->x.expr = calloc(cap, sizeof(*j->x.expr));
	j->x.flags = calloc(cap, sizeof(*j->x.flags));
	j->x.ids = calloc(cap, sizeof(*j->x.ids));
	j->x.ext = calloc(cap, sizeof(*j->x.ext));
	j->x.rule = calloc(cap, sizeof(*j->x.rule));
	if (!j->x.expr || !j->x.flags || !j->x.ids || !j->x.ext || !j->x.rule) {
		compile_cexprs_free(&j->x);
		return -ENOMEM;
	}
	for (i = 0; i < b->n; i++) {
		const struct weir_hs_expr *e;

		if (b->cr[i].dead ||
		    !(rs->rules[i].flags & (WEIR_RT_STREAM | WEIR_RT_STREAM_PKT)) ||
		    b->cr[i].plan.n_sub == 0)
			continue;
		e = &b->cr[i].plan.sub[0];
		if (compile_matches_at_eod(e))
			rs->stream_eod_dirs |= weir_compile_flow_dirs(rs->rules[i].flow_mask,
								      rs->rules[i].flow_want);
		j->x.expr[j->x.n] = e->expr;
		j->x.flags[j->x.n] = e->flags;
		j->x.ids[j->x.n] = i;
		j->x.ext[j->x.n] = e->has_ext ? &e->ext : NULL;
		j->x.rule[j->x.n] = i;
		j->x.n++;
	}
	if (j->x.n == 0) {
		/* pan rules alone: the streams still need a database (its state
		 * is each direction's slot); one literal no payload holds, and
		 * an id past every rule, which the match callback ignores */
		j->x.expr[0] = COMPILE_PAN_ONLY_EXPR;
		j->x.flags[0] = HS_FLAG_SINGLEMATCH;
		j->x.ids[0] = UINT32_MAX;
		j->x.ext[0] = NULL;
		j->x.rule[0] = rs->stream_pan[0];
		j->x.n = 1;
		rs->stream_pan_only = true;
	}
	if (cache_dir != NULL &&
	    weir_dbkey_compute(j->x.expr, j->x.flags, j->x.ids, j->x.ext, j->x.n, HS_MODE_STREAM,
			       WEIR_COMPILER_VERSION, &j->key) == 0) {
		j->have_key = 1;
		rc = weir_dbcache_load(cache_dir, &j->key, &j->db);
		if (rc == 0) {
			j->cached = 1;
			j->err = HS_SUCCESS;
			return 0;
		}
		/* a miss or a refused entry: compile */
	}
	if (pthread_create(&j->tid, NULL, compile_stream_run, j) == 0)
		j->running = 1;
	else
		compile_stream_run(j); /* no thread: compile here, in turn */
	return 0;
}

static int
compile_stream_finish(struct cbuild *b, const char *cache_dir, struct sjob *j)
{
	struct weir_ruleset *rs = b->rs;
	struct cexprs *x = &j->x;
	hs_error_t err;
	unsigned int i;
	int k, rc = 0;

	if (j->running) {
		(void)pthread_join(j->tid, NULL);
		j->running = 0;
	}
	if (x->n == 0)
		goto out;
	rs->stream_db = j->db;
	j->db = NULL;
	if (j->cached) {
		rs->stream_from_cache = 1;
		goto compiled;
	}
	if (j->err == HS_SUCCESS && j->have_key)
		(void)weir_dbcache_store(cache_dir, &j->key, rs->stream_db);
	if (j->err == HS_COMPILER_ERROR && !b->validated) {
		b->need_validate = 1; /* as in compile_group_db() */
		goto out;
	}
	if (j->err != HS_SUCCESS) {
		hs_compile_error_t *cerr = j->cerr;

		k = cerr ? cerr->expression : -1;
		if (j->err != HS_COMPILER_ERROR || k < 0 || (unsigned int)k >= x->n) {
			weir_diag_add(b->diags, rs->rules[x->rule[0]].file, 0, 0, NULL,
				      "hs_compile_ext_multi (stream mode) of %u expressions "
				      "failed: %s",
				      x->n, cerr ? cerr->message : compile_hs_strerror(j->err));
			rc = -compile_hs_errno(j->err);
			goto out;
		}
		i = x->rule[k];
		weir_diag_add(b->diags, rs->rules[i].file, rs->rules[i].line, 0, NULL,
			      "stream mode: %s", cerr->message);
		b->refused++;
		if (!b->skip_invalid) {
			rc = -EINVAL;
			goto out;
		}
		b->cr[i].dead = 1;
		rs->rules[i].protos = 0;
		b->died_in_multi++; /* compile_build() compacts and builds again */
		goto out;
	}
compiled:
	err = hs_database_size(rs->stream_db, &rs->stream_db_bytes);
	if (err == HS_SUCCESS)
		err = hs_stream_size(rs->stream_db, &rs->stream_state_bytes);
	if (err == HS_SUCCESS)
		err = hs_alloc_scratch(rs->stream_db, &rs->scratch_proto);
	if (err != HS_SUCCESS) {
		weir_diag_add(b->diags, rs->rules[x->rule[0]].file, 0, 0, NULL,
			      "stream database: %s", compile_hs_strerror(err));
		rc = -compile_hs_errno(err);
	}
out:
	hs_free_compile_error(j->cerr);
	j->cerr = NULL;
	hs_free_database(j->db);
	j->db = NULL;
	compile_cexprs_free(x);
	return rc;
}

/* ---- address index of `always` rules -------------------------------- */

typedef unsigned __int128 ipidx_u128;

/* A side's ranges are indexed when each spans fewer addresses than this
 * (a /8 of IPv4): lists of hosts and networks, not "everything but". */
#define IPIDX_MAX_SPAN ((ipidx_u128)1 << 24)
/* Interval memberships one side of one group may hold (bounds the build
 * when ranges overlap a lot). */
#define IPIDX_MAX_WORK (1u << 24)

static ipidx_u128
ipidx_u128_of(const uint8_t b[16])
{
	ipidx_u128 v = 0;
	unsigned int i;

	for (i = 0; i < 16; i++)
		v = (v << 8) | b[i];
	return v;
}

static const struct weir_addrset *
ipidx_set(const struct weir_rt_rule *r, unsigned int side)
{
	const struct weir_suri_rule *sr = r->sr;
	const struct weir_addrset *a;
	unsigned int i;

	if (sr == NULL || sr->bidir || !(r->flags & WEIR_RT_HEADER))
		return NULL;
	a = side == 0 ? &sr->src : &sr->dst;
	if (a->any || a->n == 0)
		return NULL;
	for (i = 0; i < a->n; i++)
		if (ipidx_u128_of(a->r[i].hi) - ipidx_u128_of(a->r[i].lo) >= IPIDX_MAX_SPAN)
			return NULL;
	return a;
}

static int
ipidx_cmp(const void *a, const void *b)
{
	ipidx_u128 x = *(const ipidx_u128 *)a, y = *(const ipidx_u128 *)b;

	return x < y ? -1 : x > y;
}

/* First index of @p v in sorted unique @p b (n entries), n when past. */
static unsigned int
ipidx_find(const ipidx_u128 *b, unsigned int n, ipidx_u128 v)
{
	unsigned int lo = 0, hi = n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (b[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index @p n rules of @p ids by @p side into @p x. @return 0, 1 when the
 * index would be too large (the rules stay in the plain list), -ENOMEM. */
static int
ipidx_build(const struct weir_ruleset *rs, const uint32_t *ids, unsigned int n, unsigned int side,
	    struct weir_ipidx *x)
{
	ipidx_u128 *b = NULL;
	unsigned int nb = 0, cap = 1, i, k, u;
	uint64_t work = 0;
	int rc = -ENOMEM;

	for (i = 0; i < n; i++)
		cap += 2 * ipidx_set(&rs->rules[ids[i]], side)->n;
	b = malloc(cap * sizeof(*b));
	if (b == NULL)
		return -ENOMEM;
	b[nb++] = 0;
	for (i = 0; i < n; i++) {
		const struct weir_addrset *a = ipidx_set(&rs->rules[ids[i]], side);

		for (k = 0; k < a->n; k++) {
			ipidx_u128 hi = ipidx_u128_of(a->r[k].hi);

			b[nb++] = ipidx_u128_of(a->r[k].lo);
			if (hi != ~(ipidx_u128)0)
				b[nb++] = hi + 1;
		}
	}
	qsort(b, nb, sizeof(*b), ipidx_cmp);
	for (i = 1, u = 1; i < nb; i++)
		if (b[i] != b[u - 1])
			b[u++] = b[i];
	nb = u;
	x->off = calloc(nb + 1, sizeof(*x->off));
	if (x->off == NULL)
		goto out;
	/* count, then place: interval j holds rule r when one of r's ranges
	 * covers it */
	for (i = 0; i < n; i++) {
		const struct weir_addrset *a = ipidx_set(&rs->rules[ids[i]], side);

		for (k = 0; k < a->n; k++) {
			unsigned int f = ipidx_find(b, nb, ipidx_u128_of(a->r[k].lo));
			ipidx_u128 hi = ipidx_u128_of(a->r[k].hi);
			unsigned int t = hi == ~(ipidx_u128)0 ? nb : ipidx_find(b, nb, hi + 1);

			work += t - f;
			if (work > IPIDX_MAX_WORK) {
				rc = 1;
				goto out;
			}
			for (u = f; u < t; u++)
				x->off[u + 1]++;
		}
	}
	for (u = 0; u < nb; u++)
		x->off[u + 1] += x->off[u];
	x->rules = malloc((x->off[nb] ? x->off[nb] : 1) * sizeof(*x->rules));
	x->start_hi = malloc(nb * sizeof(*x->start_hi));
	x->start_lo = malloc(nb * sizeof(*x->start_lo));
	if (x->rules == NULL || x->start_hi == NULL || x->start_lo == NULL)
		goto out;
	{
		uint32_t *fill = calloc(nb, sizeof(*fill));

		if (fill == NULL)
			goto out;
		for (i = 0; i < n; i++) {
			const struct weir_addrset *a = ipidx_set(&rs->rules[ids[i]], side);

			for (k = 0; k < a->n; k++) {
				unsigned int f = ipidx_find(b, nb, ipidx_u128_of(a->r[k].lo));
				ipidx_u128 hi = ipidx_u128_of(a->r[k].hi);
				unsigned int t =
					hi == ~(ipidx_u128)0 ? nb : ipidx_find(b, nb, hi + 1);

				for (u = f; u < t; u++)
					x->rules[x->off[u] + fill[u]++] = ids[i];
			}
		}
		free(fill);
	}
	for (u = 0; u < nb; u++) {
		x->start_hi[u] = (uint64_t)(b[u] >> 64);
		x->start_lo[u] = (uint64_t)b[u];
	}
	x->n = nb;
	x->n_rules = n;
	rc = 0;
out:
	if (rc != 0) {
		free(x->off);
		free(x->rules);
		free(x->start_hi);
		free(x->start_lo);
		memset(x, 0, sizeof(*x));
	}
	free(b);
	return rc;
}

/* ---- header prefilter of `always` rules (rules_int.h weir_hdrpf) ---- */

/* A rule's TCP flags conditions prefilter it when they accept at most
 * this many of the 256 flag bytes (flags:S, S,12, F, SA: 1 to 4); one
 * that accepts more (flags:A+, !R) is left to its other indexes. */
#define HDRPF_FLAGS_MAX 64u

/* The flag bytes @p r's flags conditions accept (every one of them must,
 * as weir_hdr_match() asks), as a bitmap; @return how many, or
 * WEIR_HDRPF_KEYS when @p r has no flags condition (then every byte and
 * a packet without a TCP header are its keys). */
static unsigned int
hdrpf_flagset(const struct weir_rt_rule *r, uint64_t set[4])
{
	const struct weir_suri_rule *s = r->sr;
	unsigned int v, i, n = 0;
	bool any = false;

	memset(set, 0xff, 4 * sizeof(*set));
	if (s == NULL || !(r->flags & WEIR_RT_HDR))
		return WEIR_HDRPF_KEYS;
	for (i = 0; i < s->n_hdr; i++) {
		if (s->hdr[i].kind != WEIR_HDR_TCP_FLAGS)
			continue;
		any = true;
		for (v = 0; v < 256; v++)
			if (!weir_uint_match(&s->hdr[i].c, v))
				set[v >> 6] &= ~(1ull << (v & 63));
	}
	if (!any)
		return WEIR_HDRPF_KEYS;
	for (v = 0; v < 4; v++)
		n += (unsigned int)__builtin_popcountll(set[v]);
	return n;
}

/* Does @p r go to the flags prefilter rather than an address index? */
static bool
ipidx_flags_first(const struct weir_rt_rule *r)
{
	uint64_t set[4];

	return hdrpf_flagset(r, set) <= HDRPF_FLAGS_MAX;
}

/* Can @p r match a packet of key @p key (a flags byte or
 * WEIR_HDRPF_NOTCP), mid-flow or not? */
static bool
hdrpf_keeps(const struct weir_rt_rule *r, const uint64_t set[4], unsigned int nset,
	    unsigned int key, unsigned int mid)
{
	if (mid && (r->flags & WEIR_RT_IPONLY))
		return false;
	if (nset == WEIR_HDRPF_KEYS)
		return true;
	if (key == WEIR_HDRPF_NOTCP)
		return false;
	return (set[key >> 6] >> (key & 63)) & 1u;
}

static bool
hdrpf_idx_iponly(const struct weir_ruleset *rs, const struct weir_ipidx *x)
{
	unsigned int i;

	if (x->n == 0)
		return false;
	for (i = 0; i < x->off[x->n]; i++)
		if (!(rs->rules[x->rules[i]].flags & WEIR_RT_IPONLY))
			return false;
	return true;
}

/*
 * The header prefilter of group @p g (after compile_ipidx()): built when
 * some key leaves out a rule of its plain list or an address index holds
 * IP-only rules alone; else g->hdrpf stays NULL and every packet walks
 * the plain list. Its lists go into always's allocation, after the list.
 */
static int
compile_hdrpf(struct weir_ruleset *rs, struct weir_rgroup *g)
{
	unsigned int na = g->n_always, i, k, mid, key, nd = 0, cap;
	uint64_t(*set)[4] = NULL;
	unsigned int *nset = NULL;
	struct weir_hdrpf *pf = NULL;
	uint32_t *tmp = NULL, *lst = NULL;
	struct {
		uint32_t h;
		struct weir_hdrpf_list l;
	} *dist = NULL; /* the distinct lists so far */
	bool useful = false;
	size_t head;
	void *blk;
	int rc = 0;

	if (na == 0 && g->idx[0].n == 0 && g->idx[1].n == 0)
		return 0;
	set = malloc((na ? na : 1) * sizeof(*set));
	nset = malloc((na ? na : 1) * sizeof(*nset));
	tmp = malloc((na ? na : 1) * sizeof(*tmp));
	dist = malloc(2 * WEIR_HDRPF_KEYS * sizeof(*dist));
	if (set == NULL || nset == NULL || tmp == NULL || dist == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < na; i++) {
		const struct weir_rt_rule *r = &rs->rules[g->always[i]];

		nset[i] = hdrpf_flagset(r, set[i]);
		if (nset[i] != WEIR_HDRPF_KEYS || (r->flags & WEIR_RT_IPONLY))
			useful = true;
	}
	for (k = 0; k < 2; k++)
		if (hdrpf_idx_iponly(rs, &g->idx[k]))
			useful = true;
	if (!useful)
		goto out;
	/* the lists' entries grow in lst (equal lists are shared below) */
	cap = na ? 2 * na : 1;
	pf = calloc(1, sizeof(*pf));
	lst = malloc(cap * sizeof(*lst));
	if (pf == NULL || lst == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (k = 0; k < 2; k++)
		pf->idx_iponly[k] = hdrpf_idx_iponly(rs, &g->idx[k]);
	for (mid = 0; mid < 2; mid++) {
		for (key = 0; key < WEIR_HDRPF_KEYS; key++) {
			struct weir_hdrpf_list *l = &pf->list[mid][key];
			uint32_t h = 2166136261u; /* FNV-1a over the list */
			unsigned int n = 0, d;

			for (i = 0; i < na; i++)
				if (hdrpf_keeps(&rs->rules[g->always[i]], set[i], nset[i], key,
						mid)) {
					tmp[n++] = g->always[i];
					h = (h ^ g->always[i]) * 16777619u;
				}
			/* the same list as an earlier key's? (a handful are
			 * distinct) */
			for (d = 0; d < nd; d++)
				if (dist[d].h == h && dist[d].l.n == n &&
				    memcmp(&lst[dist[d].l.off], tmp, n * sizeof(*tmp)) == 0)
					break;
			if (d < nd) {
				*l = dist[d].l;
				continue;
			}
			if (pf->n_rules + n > cap) {
				uint32_t *nl;

				cap = 2 * (pf->n_rules + n);
				nl = realloc(lst, cap * sizeof(*lst));
				if (nl == NULL) {
					rc = -ENOMEM;
					goto out;
				}
				lst = nl;
			}
			l->off = pf->n_rules;
			l->n = n;
			memcpy(&lst[pf->n_rules], tmp, n * sizeof(*tmp));
			pf->n_rules += n;
			dist[nd].h = h;
			dist[nd++].l = *l;
		}
	}
	/* one allocation with the plain list: weir_ruleset_free() frees it */
	head = ((na * sizeof(*g->always)) + 63) & ~(size_t)63;
	blk = realloc(g->always, head + offsetof(struct weir_hdrpf, rules) +
					 pf->n_rules * sizeof(pf->rules[0]));
	if (blk == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy((char *)blk + head, pf, sizeof(*pf));
	memcpy((char *)blk + head + offsetof(struct weir_hdrpf, rules), lst,
	       pf->n_rules * sizeof(pf->rules[0]));
	g->always = blk;
	g->hdrpf = (const struct weir_hdrpf *)((char *)blk + head);
out:
	free(lst);
	free(dist);
	free(pf);
	free(tmp);
	free(nset);
	free(set);
	return rc;
}

/*
 * Move the `always` rules of group @p g that name source addresses (else
 * destination addresses) narrowly enough into its address indexes; the
 * rest stay in its plain list. Only a prefilter: scan_consider() still
 * runs each rule's whole header check.
 */
static int
compile_ipidx(struct weir_ruleset *rs, struct weir_rgroup *g)
{
	uint32_t *by[2] = {NULL, NULL};
	unsigned int nby[2] = {0, 0}, nio[2] = {0, 0}, plain = 0, i, side;
	int8_t *at = NULL; /* per always rule: its index side, -1 none */
	int rc = 0;

	if (g->n_always < 8) /* a few sets cost less than an index lookup */
		return 0;
	at = malloc(g->n_always * sizeof(*at));
	by[0] = malloc(g->n_always * sizeof(*by[0]));
	by[1] = malloc(g->n_always * sizeof(*by[1]));
	if (at == NULL || by[0] == NULL || by[1] == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < g->n_always; i++) {
		const struct weir_rt_rule *r = &rs->rules[g->always[i]];

		at[i] = -1;
		if (ipidx_flags_first(r))
			continue;
		if (ipidx_set(r, 0) != NULL)
			at[i] = 0;
		else if (ipidx_set(r, 1) != NULL)
			at[i] = 1;
		if (at[i] >= 0) {
			nby[at[i]]++;
			nio[at[i]] += (r->flags & WEIR_RT_IPONLY) != 0;
		}
	}
	/* a side of IP-only rules but for a few (at most one in eight, like
	 * ET's one ip_proto rule among the CINS lists) indexes the IP-only
	 * ones alone, which a mid-flow packet then skips (compile_hdrpf());
	 * the few stay in the plain list */
	for (i = 0; i < g->n_always; i++) {
		side = (unsigned int)at[i];
		if (at[i] >= 0 && nio[side] >= 8 && nio[side] < nby[side] &&
		    (nby[side] - nio[side]) * 8 <= nio[side] &&
		    !(rs->rules[g->always[i]].flags & WEIR_RT_IPONLY))
			at[i] = -1;
	}
	nby[0] = nby[1] = 0;
	for (i = 0; i < g->n_always; i++)
		if (at[i] >= 0)
			by[at[i]][nby[at[i]]++] = g->always[i];
	for (side = 0; side < 2; side++) {
		if (nby[side] < 8)
			continue;
		rc = ipidx_build(rs, by[side], nby[side], side, &g->idx[side]);
		if (rc < 0)
			goto out;
		rc = 0;
	}
	/* keep in the plain list what no index took */
	for (i = 0; i < g->n_always; i++)
		if (at[i] < 0 || g->idx[at[i]].n == 0)
			g->always[plain++] = g->always[i];
	g->n_always = plain;
out:
	free(at);
	free(by[0]);
	free(by[1]);
	return rc;
}

/* ---- dispatch -------------------------------------------------------- */

/*
 * The packet path's copy of port_glist (rules.h port_blk): each class's
 * 65536 entries cut into 256 blocks by the port's high byte, equal blocks
 * stored once after the @p glen entries of the lists in glists. A set
 * whose groups take every port alike has one block in all.
 */
static int
compile_dispatch_blocks(struct weir_ruleset *rs, unsigned int glen)
{
	uint32_t at[2 * 256]; /* each distinct block's first: class << 16 | port */
	unsigned int n_blk = 0, cls, hi, k;
	uint16_t *ng;

	for (cls = 0; cls < 2; cls++) {
		for (hi = 0; hi < 256; hi++) {
			const uint16_t *b = &rs->port_glist[cls][hi << 8];

			for (k = 0; k < n_blk; k++)
				if (memcmp(&rs->port_glist[at[k] >> 16][at[k] & 0xffff], b,
					   256 * sizeof(*b)) == 0)
					break;
			if (k == n_blk)
				at[n_blk++] = (cls << 16) | (hi << 8);
			rs->port_blk[cls][hi] = glen + k * 256;
		}
	}
	ng = realloc(rs->glists, (glen + n_blk * 256) * sizeof(*ng));
	if (ng == NULL)
		return -ENOMEM;
	rs->glists = ng;
	for (k = 0; k < n_blk; k++)
		memcpy(&ng[glen + k * 256], &rs->port_glist[at[k] >> 16][at[k] & 0xffff],
		       256 * sizeof(*ng));
	return 0;
}

static int
compile_dispatch(struct weir_ruleset *rs, const struct cgroup *cg, unsigned int n_cg)
{
	uint64_t *mask = NULL; /* per (class, port): bit per group */
	uint64_t *seen = NULL;
	uint16_t *seen_off = NULL;
	unsigned int n_seen = 0, cls, port, g, glen = 0, gcap;
	int rc = -ENOMEM;

	if (rs->n_groups > 64)
		return -E2BIG; /* COMPILE_MAX_GROUPS keeps it far below */
	mask = calloc(2 * 65536, sizeof(*mask));
	rs->port_glist[0] = calloc(65536, sizeof(uint16_t));
	rs->port_glist[1] = calloc(65536, sizeof(uint16_t));
	gcap = 1024;
	rs->glists = malloc(gcap * sizeof(uint16_t));
	seen = malloc(256 * sizeof(*seen));
	seen_off = malloc(256 * sizeof(*seen_off));
	if (!mask || !rs->port_glist[0] || !rs->port_glist[1] || !rs->glists || !seen || !seen_off)
		goto out;
	for (g = 0; g < n_cg; g++) {
		const struct cgroup *c = &cg[g];
		int gid = (int)g;

		if (c->merged_into >= 0 || c->n == 0)
			continue;
		for (cls = 0; cls < 2; cls++) {
			if (!(c->protos & (1u << cls)))
				continue;
			if (c->ports == NULL) {
				for (port = 0; port < 65536; port++)
					mask[cls * 65536 + port] |= 1ull << gid;
			} else {
				unsigned int r;

				for (r = 0; r < c->ports->n; r++)
					for (port = c->ports->r[r].lo; port <= c->ports->r[r].hi;
					     port++)
						mask[cls * 65536 + port] |= 1ull << gid;
			}
		}
	}
	/* Distinct masks -> lists "count, g, g, ..." (few: one per group set). */
	for (cls = 0; cls < WEIR_PCLASS_N; cls++) {
		unsigned int pmax = cls < 2 ? 65536 : 1;

		for (port = 0; port < pmax; port++) {
			uint64_t m = 0;
			unsigned int s, cnt;

			if (cls < 2) {
				m = mask[cls * 65536 + port];
			} else {
				for (g = 0; g < n_cg; g++)
					if (cg[g].merged_into < 0 && cg[g].n > 0 &&
					    (cg[g].protos & (1u << cls)))
						m |= 1ull << g;
			}
			for (s = 0; s < n_seen; s++)
				if (seen[s] == m)
					break;
			if (s == n_seen) {
				if (n_seen == 256) {
					rc = -E2BIG;
					goto out;
				}
				cnt = (unsigned int)__builtin_popcountll(m);
				if (glen + cnt + 1 > gcap) {
					uint16_t *ng;

					gcap = (glen + cnt + 1) * 2;
					ng = realloc(rs->glists, gcap * sizeof(uint16_t));
					if (ng == NULL)
						goto out;
					rs->glists = ng;
				}
				seen[n_seen] = m;
				seen_off[n_seen] = (uint16_t)glen;
				rs->glists[glen++] = (uint16_t)cnt;
				for (g = 0; g < 64; g++)
					if (m & (1ull << g))
						rs->glists[glen++] = (uint16_t)g;
				n_seen++;
			}
			if (cls < 2)
				rs->port_glist[cls][port] = seen_off[s];
			else
				rs->class_glist[cls] = seen_off[s];
		}
	}
	rc = compile_dispatch_blocks(rs, glen);
out:
	free(mask);
	free(seen);
	free(seen_off);
	return rc;
}

/* ---- per worker ------------------------------------------------------ */

static int
compile_workers(struct weir_ruleset *rs, unsigned int n_workers)
{
	unsigned int k, i, need_thr = 0, need_ctx = 0, need_fv = 0;
	size_t nr = rs->n_rules ? rs->n_rules : 1;

	for (i = 0; i < rs->n_rules; i++) {
		need_thr |= (rs->rules[i].flags & WEIR_RT_THRESH) != 0;
		need_ctx |= rs->rules[i].prog != NULL || rs->rules[i].n_hbuf > 0 ||
			    (rs->rules[i].sr != NULL && rs->rules[i].sr->fprog != NULL);
		need_fv |= (rs->rules[i].flags & WEIR_RT_FVAR) != 0;
	}
	rs->n_workers = n_workers;
	rs->w = aligned_alloc(64, ((sizeof(*rs->w) * n_workers + 63) / 64) * 64);
	if (rs->w == NULL)
		return -ENOMEM;
	memset(rs->w, 0, sizeof(*rs->w) * n_workers);
	for (k = 0; k < n_workers; k++) {
		struct weir_rs_worker *w = &rs->w[k];

		w->seen = calloc(nr, sizeof(*w->seen));
		w->matched = calloc(nr, sizeof(*w->matched));
		w->match_end = calloc(nr, sizeof(*w->match_end));
		w->hits = calloc(nr, sizeof(*w->hits));
		if (!w->seen || !w->matched || !w->match_end || !w->hits)
			return -ENOMEM;
		if (need_fv && (w->fv_at = calloc(nr, sizeof(*w->fv_at))) == NULL)
			return -ENOMEM;
		w->seq = 1;
		if (rs->scratch_proto != NULL &&
		    hs_clone_scratch(rs->scratch_proto, &w->scratch) != HS_SUCCESS)
			return -ENOMEM;
		if (need_thr && (w->thr = weir_thresh_new(COMPILE_THRESH_ENTRIES)) == NULL)
			return -ENOMEM;
		if (need_ctx && (w->mctx = weir_match_ctx_new()) == NULL)
			return -ENOMEM;
	}
	return 0;
}

/* ---- build ----------------------------------------------------------- */

static struct weir_ruleset *
compile_build(struct cbuild *b, const struct weir_ruleset_opts *opts)
{
	struct weir_ruleset *rs = b->rs;
	struct cgroup *cg = NULL;
	struct timespec t0, t1, used_since;
	struct sjob sj;
	unsigned int i, g, k;
	int n_cg, rc, rc2;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_REALTIME, &used_since);
	/* compile_validate() (one hs_expression_ext_info per expression) is
	 * run only when a compile refuses an expression: it was half of a
	 * load from the cache and 0.4 s of a cold build at 10,000 rules
	 * (perf/RESULTS.md), and a database that compiles needs no check */
	if (b->refused > 0 && !b->skip_invalid) {
		rc = -EINVAL;
		goto err;
	}
	for (;;) {
		compile_compact(b);
		rs->n_rules = b->n;
		rs->events = 0;
		for (i = 0; i < b->n; i++)
			if (rs->rules[i].sr != NULL)
				rs->events |= rs->rules[i].sr->ev_mask;
		n_cg = compile_group(b, &cg);
		if (n_cg < 0) {
			rc = n_cg;
			goto err;
		}
		rs->groups = calloc(n_cg > 0 ? (size_t)n_cg : 1, sizeof(*rs->groups));
		if (rs->groups == NULL) {
			rc = -ENOMEM;
			goto err;
		}
		rs->n_groups = (unsigned int)n_cg;
		for (g = 0; g < rs->n_groups; g++) {
			struct weir_rgroup *grp = &rs->groups[g];

			grp->protos = cg[g].protos;
			compile_ports_text(cg[g].ports, grp->ports, sizeof(grp->ports));
		}
		/* One database for every packet rule, whatever its group: one
		 * hs_scan per packet (perf/RESULTS.md, "One scan per packet"). */
		rs->pkt.protos = (1u << WEIR_PCLASS_N) - 1;
		snprintf(rs->pkt.ports, sizeof(rs->pkt.ports), "any");
		/* the stream database compiles on a second thread meanwhile */
		rc = compile_stream_start(b, opts ? opts->cache_dir : NULL, &sj);
		if (rc < 0)
			goto err;
		b->dir_split = false;
		b->dir_split = compile_dir_split(b);
		rs->dir_split = b->dir_split;
		rs->pkt_tc.protos = rs->pkt.protos;
		snprintf(rs->pkt_tc.ports, sizeof(rs->pkt_tc.ports), "any");
		/* split by address class: the side databases are not built
		 * (no packet scans them), only counted for the report */
		rs->addr_part = opts == NULL || !opts->no_addr_split ? compile_addr_split(b) : NULL;
		rc = 0;
		if (rs->addr_part == NULL) {
			rc = compile_group_db(b, COMPILE_PKT_DB, opts ? opts->cache_dir : NULL,
					      &rs->pkt);
			if (rc == 0 && b->dir_split && !b->need_validate)
				rc = compile_group_db(b, COMPILE_PKT_TC,
						      opts ? opts->cache_dir : NULL, &rs->pkt_tc);
		} else {
			rc = compile_addr_part4(rs);
			if (rc == 0)
				rc = compile_addr_answers(rs);
			for (i = 0; i < b->n; i++)
				rs->rules[i].amask = b->cr[i].amask;
			for (i = 0; i < b->n; i++) {
				if (b->cr[i].dead || b->cr[i].plan.n_sub == 0)
					continue;
				rs->pkt.n_expr += compile_in_db(b, i, COMPILE_PKT_DB);
				rs->pkt_tc.n_expr +=
					b->dir_split && compile_in_db(b, i, COMPILE_PKT_TC);
			}
			if (rc == 0 && (rs->apkt = calloc(8, sizeof(*rs->apkt))) == NULL)
				rc = -ENOMEM;
			for (k = 0;
			     rc == 0 && k < weir_ruleset_n_class_dbs(rs) && !b->need_validate;
			     k++) {
				rs->apkt[k].protos = rs->pkt.protos;
				snprintf(rs->apkt[k].ports, sizeof(rs->apkt[k].ports), "any");
				rc = compile_group_db(b, COMPILE_PKT_A(k),
						      opts ? opts->cache_dir : NULL, &rs->apkt[k]);
			}
		}
		rc2 = compile_stream_finish(b, opts ? opts->cache_dir : NULL, &sj);
		if (rc == 0)
			rc = rc2;
		if (rc < 0)
			goto err;
		rs->db_bytes += rs->pkt.db_bytes + rs->pkt_tc.db_bytes;
		rs->n_from_cache += rs->pkt.from_cache + rs->pkt_tc.from_cache;
		rs->n_cache_rebuilt += rs->pkt.cache_rebuilt + rs->pkt_tc.cache_rebuilt;
		for (k = 0; rs->apkt != NULL && k < 8; k++) {
			rs->db_bytes += rs->apkt[k].db_bytes;
			rs->n_from_cache += rs->apkt[k].from_cache;
			rs->n_cache_rebuilt += rs->apkt[k].cache_rebuilt;
		}
		rs->db_bytes += rs->stream_db_bytes;
		if (b->died_in_multi == 0 && !b->need_validate)
			break;
		/* Rare: a rule only the whole-group compile refused (e.g.
		 * "Pattern is too large."). Drop it and build again, so rule
		 * indexes stay dense (the cache makes the unchanged groups
		 * cheap when there is one). */
		hs_free_database(rs->pkt.db);
		memset(&rs->pkt, 0, sizeof(rs->pkt));
		hs_free_database(rs->pkt_tc.db);
		memset(&rs->pkt_tc, 0, sizeof(rs->pkt_tc));
		for (k = 0; rs->apkt != NULL && k < 8; k++)
			hs_free_database(rs->apkt[k].db);
		free(rs->apkt);
		rs->apkt = NULL;
		rs->addr_part = NULL;
		free(rs->apart4);
		rs->apart4 = NULL;
		rs->n_apart4 = 0;
		hs_free_database(rs->stream_db);
		rs->stream_db = NULL;
		rs->stream_from_cache = 0;
		rs->stream_db_bytes = 0;
		rs->stream_state_bytes = 0;
		free(rs->stream_pan);
		rs->stream_pan = NULL;
		rs->n_stream_pan = 0;
		rs->stream_pan_only = false;
		rs->stream_eod_dirs = 0;
		free(rs->groups);
		rs->groups = NULL;
		rs->n_groups = 0;
		hs_free_scratch(rs->scratch_proto);
		rs->scratch_proto = NULL;
		rs->db_bytes = 0;
		rs->n_from_cache = 0;
		rs->n_cache_rebuilt = 0;
		free(cg);
		cg = NULL;
		b->died_in_multi = 0;
		if (b->need_validate) {
			/* every refused expression reported, each with its line,
			 * as if checked before the first compile */
			b->need_validate = 0;
			b->validated = 1;
			rc = compile_validate(b);
			if (rc < 0)
				goto err;
			if (b->refused > 0 && !b->skip_invalid) {
				rc = -EINVAL;
				goto err;
			}
		}
	}
	/* Bound the cache; this build's entries (stored or loaded since it
	 * started) stay. A failure to prune is not the rule set's. */
	if (opts != NULL && opts->cache_dir != NULL &&
	    (opts->cache_max_entries != 0 || opts->cache_max_bytes != 0))
		(void)weir_dbcache_prune(opts->cache_dir,
					 opts->cache_max_entries ? opts->cache_max_entries
								 : UINT_MAX,
					 opts->cache_max_bytes ? opts->cache_max_bytes : UINT64_MAX,
					 &used_since, &rs->n_cache_pruned);
	for (i = 0; i < rs->n_rules; i++) {
		if (b->cr[i].dead || b->cr[i].is_sig || rs->rules[i].win == NULL)
			continue;
		if (rs->win_rules == NULL) {
			rs->win_rules = calloc(rs->n_rules, sizeof(*rs->win_rules));
			if (rs->win_rules == NULL) {
				rc = -ENOMEM;
				goto err;
			}
		}
		rs->win_rules[rs->n_win++] = i;
	}
	for (i = 0; i < rs->n_rules; i++) {
		if (b->cr[i].dead || b->cr[i].is_sig)
			continue;
		rs->n_kind[rs->rules[i].kind]++;
		/* a rule with fields (a window rule's, an alert's) reads them
		 * from those bytes too; a pan-alone rule reads no window: its
		 * scanner decides */
		rs->n_stream_confirm +=
			(rs->rules[i].flags & (WEIR_RT_STREAM | WEIR_RT_STREAM_PKT)) &&
			((rs->rules[i].prog != NULL && b->cr[i].plan.n_sub != 0) ||
			 rs->rules[i].win != NULL || rs->rules[i].n_fields > 0);
	}
	/* Rules per group and the `always` lists. */
	for (i = 0; i < rs->n_rules; i++) {
		struct weir_rt_rule *r = &rs->rules[i];

		if (b->cr[i].dead || (r->flags & WEIR_RT_STREAM))
			continue;
		rs->groups[r->group].n_rules++;
		if (!rs->dir_split) {
			rs->pkt.n_rules++;
		} else {
			unsigned int d = compile_dirs(b, i);

			rs->pkt.n_rules += (d & WEIR_DIR_SERVER) != 0;
			rs->pkt_tc.n_rules += (d & WEIR_DIR_CLIENT) != 0;
		}
		for (k = 0; k < weir_ruleset_n_class_dbs(rs); k++)
			rs->apkt[k].n_rules += compile_in_db(b, i, COMPILE_PKT_A(k));
		if (b->cr[i].plan.n_sub == 0)
			rs->groups[r->group].n_always++;
	}
	for (g = 0; g < rs->n_groups; g++) {
		struct weir_rgroup *grp = &rs->groups[g];

		if (grp->n_always == 0)
			continue;
		grp->always = calloc(grp->n_always, sizeof(*grp->always));
		if (grp->always == NULL) {
			rc = -ENOMEM;
			goto err;
		}
		grp->n_always = 0;
	}
	for (i = 0; i < rs->n_rules; i++)
		if (!b->cr[i].dead && b->cr[i].plan.n_sub == 0 &&
		    !(rs->rules[i].flags & WEIR_RT_STREAM))
			rs->groups[rs->rules[i].group]
				.always[rs->groups[rs->rules[i].group].n_always++] = i;
	for (g = 0; g < rs->n_groups; g++) {
		rc = compile_ipidx(rs, &rs->groups[g]);
		if (rc < 0)
			goto err;
		rc = compile_hdrpf(rs, &rs->groups[g]);
		if (rc < 0)
			goto err;
	}
	rs->dir_db[0] = rs->pkt.db;
	rs->dir_db[1] = rs->dir_split ? rs->pkt_tc.db : rs->pkt.db;
	for (k = 0; rs->addr_part != NULL && k < 4; k++) {
		rs->adb[0][k] = rs->apkt[k].db;
		rs->adb[1][k] = rs->dir_split ? rs->apkt[4 + k].db : rs->apkt[k].db;
	}
	compile_streamed_dbs(b);
	rc = compile_dispatch(rs, cg, (unsigned int)n_cg);
	if (rc < 0)
		goto err;
	rs->disabled = calloc(rs->n_rules ? rs->n_rules : 1, sizeof(*rs->disabled));
	if (rs->disabled == NULL) {
		rc = -ENOMEM;
		goto err;
	}
	rc = compile_workers(rs, opts && opts->n_workers ? opts->n_workers : 1);
	if (rc < 0)
		goto err;
	rc = weir_compile_flow_warnings(rs, &b->names);
	if (rc < 0)
		goto err;
	rc = weir_compile_event_warnings(rs);
	if (rc < 0)
		goto err;
	rs->n_skipped = b->refused;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rs->compile_ms =
		(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	/* The companions go; the rt rules keep their strings via own_*. */
	for (i = 0; i < b->n; i++) {
		rs->rules[i].signature = b->cr[i].sig;
		b->cr[i].sig = NULL;
		compile_cr_clear(&b->cr[i]);
	}
	free(b->cr);
	b->cr = NULL;
	free(cg);
	return rs;

err:
	/* rs->rules[0..b->n) and their companions are freed by the caller */
	free(cg);
	errno = -rc;
	return NULL;
}

static void
compile_abort(struct cbuild *b)
{
	unsigned int i;

	for (i = 0; i < b->n; i++) {
		weir_sprog_free(b->rs->rules[i].prog);
		b->rs->rules[i].prog = NULL;
		weir_rt_hbuf_free(&b->rs->rules[i]);
		compile_cr_clear(&b->cr[i]);
	}
	b->rs->n_rules = 0;
	free(b->cr);
	b->cr = NULL;
	weir_ruleset_free(b->rs);
	b->rs = NULL;
}

/* Keep the parsed lists inside the rule set: rt rules point into them. */
static int
compile_adopt(struct weir_ruleset *rs, struct weir_sig_rule_list *sig,
	      struct weir_suri_rule_list *suri)
{
	struct weir_sig_rule_list *ls = calloc(1, sizeof(*ls));
	struct weir_suri_rule_list *lu = calloc(1, sizeof(*lu));

	if (ls == NULL || lu == NULL) {
		free(ls);
		free(lu);
		return -ENOMEM;
	}
	if (sig != NULL) {
		*ls = *sig;
		memset(sig, 0, sizeof(*sig));
	}
	if (suri != NULL) {
		*lu = *suri;
		memset(suri, 0, sizeof(*suri));
	}
	rs->own_sig = ls;
	rs->own_suri = lu;
	return 0;
}

struct weir_ruleset *
weir_compile_lists(struct weir_sig_rule_list *sig, struct weir_suri_rule_list *suri,
		   const struct weir_ruleset_opts *opts, struct weir_diags *diags,
		   unsigned int parse_bad)
{
	struct cbuild b = {0};
	struct weir_sig_rule_list *ls;
	struct weir_suri_rule_list *lu;
	struct weir_ruleset *rs;
	unsigned int i;
	int rc;

	b.rs = calloc(1, sizeof(*b.rs));
	if (b.rs == NULL || compile_adopt(b.rs, sig, suri) < 0) {
		free(b.rs);
		weir_sig_rule_list_free(sig);
		weir_suri_rule_list_free(suri);
		errno = ENOMEM;
		return NULL;
	}
	b.skip_invalid = opts != NULL && opts->skip_invalid;
	b.diags = diags;
	b.refused = parse_bad;
	ls = b.rs->own_sig;
	lu = b.rs->own_suri;
	rc = weir_compile_flow_order(lu);
	if (rc < 0)
		goto err;
	for (i = 0; i < ls->n; i++)
		if ((rc = compile_add_sig(&b, &ls->v[i])) < 0)
			goto err;
	for (i = 0; i < lu->n; i++)
		if ((rc = compile_add_suri(&b, &lu->v[i])) < 0)
			goto err;
	if (b.refused > 0 && !b.skip_invalid) {
		/* Still ask Hyperscan about the others, so one run lists all. */
		(void)compile_validate(&b);
		rc = -EINVAL;
		goto err;
	}
	rs = compile_build(&b, opts);
	if (rs == NULL) {
		rc = -errno;
		goto err;
	}
	return rs;
err:
	compile_abort(&b);
	errno = -rc;
	return NULL;
}

struct weir_ruleset *
weir_ruleset_build(struct weir_sig_rule_list *list, const struct weir_ruleset_opts *opts,
		   struct weir_diags *diags)
{
	return weir_compile_lists(list, NULL, opts, diags, 0);
}
