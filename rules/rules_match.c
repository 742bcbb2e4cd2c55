/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rule matching, the hot half of rules/: one packet against a built rule
 * set, as one worker.
 *
 *   (class, dport) -> groups: scanned at all? their `always` rules (by TCP
 *     flags and flow position when the group has a header prefilter)
 *     -> one hs_scan of the packet database of the packet's flow side
 *        (to client, or the rest: weir_ruleset_pkt_db())
 *     -> per candidate rule, once per packet: disabled? flow:? header?
 *        dsize? header keywords (rules_match_hdr.c)? flow counters (stream_size,
 * flow.age/pkts/bytes)? confirm step (rules_match_confirm.c) -> this packet's matched list
 *     -> rules with flowbits/flowint among them, in Suricata's signature
 *        order (rules_compile_flow.c): conditions on the flow's variables,
 *        then, for those that still match, their actions
 *     -> a pass rule among them: no alert; else noalert, thresholds -> alerts
 *
 * Alerts are decided after every group was scanned because `pass` must
 * suppress the alerts of every other rule for the packet, whichever
 * database found them first; flowbits for the same reason: a rule that
 * sets a bit must run before one that checks it on the same packet,
 * whichever database found which first. Nothing here allocates, locks or
 * logs.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "rules.h"
#include "rules_int.h"

/* 1 when @p addr is in the set the packet databases are split by. */
static inline unsigned int
scan_in_part(const struct weir_ruleset *rs, unsigned int ip_version, const uint8_t *addr)
{
	if (ip_version == 4) {
		uint32_t x = (uint32_t)addr[0] << 24 | (uint32_t)addr[1] << 16 |
			     (uint32_t)addr[2] << 8 | addr[3];
		unsigned int i;

		for (i = 0; i < rs->n_apart4 && x >= rs->apart4[i].lo; i++)
			if (x <= rs->apart4[i].hi)
				return 1;
		return 0;
	}
	return weir_addrset_has(rs->addr_part, ip_version, addr);
}

/* A packet's address class as the header checks use it (weir_rs_worker
 * aclass): SCAN_AC_V4 when it answers them, with bit 1 its source in
 * addr_part, bit 0 its destination. */
#define SCAN_AC_V4 0x4u

/* The packet database @p p scans: its flow side's (weir_ruleset_pkt_db),
 * and within it its address class's when the set is split so; the class
 * in @p ac (SCAN_AC_V4 with it for IPv4, else 0) and @p acbit (1 << it,
 * 0 without the split). */
static inline hs_database_t *
scan_pkt_db(const struct weir_ruleset *rs, const struct weir_scan_pkt *p, uint8_t *ac,
	    uint8_t *acbit)
{
	unsigned int side = (p->flow & WEIR_SCAN_FLOW_TOCLIENT) != 0, c;

	*ac = 0;
	*acbit = 0;
	if (rs->addr_part == NULL)
		return p->streamed ? rs->dir_sdb[side] : rs->dir_db[side];
	c = scan_in_part(rs, p->ip_version, p->src) << 1 | scan_in_part(rs, p->ip_version, p->dst);
	if (p->ip_version == 4)
		*ac = (uint8_t)(SCAN_AC_V4 | c);
	*acbit = (uint8_t)(1u << c);
	return p->streamed ? rs->sadb[side][c] : rs->adb[side][c];
}

static inline int
scan_has_ports(const struct weir_scan_pkt *p)
{
	return p->pclass == WEIR_PCLASS_TCP || p->pclass == WEIR_PCLASS_UDP;
}

/* Whether the address the rule's set @p side (0: source, 1: destination)
 * is checked against is in it, from the packet's class @p ac: 1 or 0, or
 * -1 when the class does not answer (rule bits @p ap, WEIR_RT_AP_*;
 * @p rev: the packet read backwards). */
static inline int
scan_ac_has(uint8_t ap, uint8_t ac, unsigned int side, int rev)
{
	unsigned int in, bits = (ap >> (2 * side)) & 3u;

	if (!(ac & SCAN_AC_V4) || bits == 0)
		return -1;
	/* the packet's source is class bit 1, its destination bit 0 */
	in = (ac >> ((side ^ (unsigned int)rev) ? 0 : 1)) & 1u;
	return bits == 1 ? (int)in : (int)!in;
}

/* The header of @p s in one direction (@p rev: the packet read backwards,
 * for the other side of a `<>` rule); @p ap and @p ac as for
 * scan_ac_has(). */
static inline int
scan_dir_ok(const struct weir_suri_rule *s, const struct weir_scan_pkt *p, int rev, uint8_t ap,
	    uint8_t ac)
{
	const uint8_t *src = rev ? p->dst : p->src;
	const uint8_t *dst = rev ? p->src : p->dst;
	uint16_t sport = rev ? p->dport : p->sport;
	uint16_t dport = rev ? p->sport : p->dport;
	int h;

	/* ports first: a few ranges of 16-bit numbers, where an address list
	 * (ET Open's $EXTERNAL_NET, a CnC list) is a search of hundreds of
	 * 128-bit ranges; the order changes nothing else (no side effects) */
	if (!s->dport.any && (!scan_has_ports(p) || !weir_portset_has(&s->dport, dport)))
		return 0;
	if (!s->sport.any && (!scan_has_ports(p) || !weir_portset_has(&s->sport, sport)))
		return 0;
	if (!s->src.any && ((h = scan_ac_has(ap, ac, 0, rev)) >= 0
				    ? h == 0
				    : !weir_addrset_has(&s->src, p->ip_version, src)))
		return 0;
	if (!s->dst.any && ((h = scan_ac_has(ap, ac, 1, rev)) >= 0
				    ? h == 0
				    : !weir_addrset_has(&s->dst, p->ip_version, dst)))
		return 0;
	return 1;
}

/* dsize: DetectU16Match on the payload size; a dsize:!N rule also needs
 * a payload (SignatureCreateMask gives DETECT_UINT_NE, like RA, GT and
 * GTE, SIG_MASK_REQUIRE_PAYLOAD; for those the comparison implies it). */
static inline int
scan_dsize_ok(const struct weir_suri_rule *s, uint32_t len)
{
	if (!s->has_dsize)
		return 1;
	if (s->dsize.mode == WEIR_UINT_NE && len == 0)
		return 0;
	return weir_uint_match(&s->dsize, len);
}

static inline int
scan_header_ok(const struct weir_suri_rule *s, const struct weir_scan_pkt *p, uint8_t ap,
	       uint8_t ac)
{
	if (!scan_dsize_ok(s, p->len))
		return 0;
	return scan_dir_ok(s, p, 0, ap, ac) || (s->bidir && scan_dir_ok(s, p, 1, ap, ac));
}

/*
 * One counter of a flow, per side, as the flow counter keywords read it
 * (index 0: the client's side). stream_size is next_seq - isn of each
 * side's TcpStream, modulo 2^32, with no adjustment
 * (detect-stream_size.c, DetectStreamSizeMatchAux): a SYN counts 1, so a
 * client that sent a SYN and 10 bytes has a stream size of 11. flow.age
 * is SCTIME_SECS(lastts) - SCTIME_SECS(startts) (detect-flow-age.c), the
 * difference of whole seconds, capped at UINT32_MAX; lastts is this
 * packet's time, and a packet older than the flow's start makes the
 * unsigned difference wrap, hence UINT32_MAX, as in Suricata.
 */
static inline void
scan_fnum_values(const struct weir_fnum *n, const struct weir_scan_pkt *p, uint64_t v[2])
{
	const struct weir_scan_flowinfo *fi = p->fi;
	uint64_t now_s, start_s;

	switch (n->kind) {
	case WEIR_FNUM_STREAM_SIZE:
		v[0] = (uint32_t)(fi->next_seq[0] - fi->isn[0]);
		v[1] = (uint32_t)(fi->next_seq[1] - fi->isn[1]);
		break;
	case WEIR_FNUM_AGE:
		now_s = p->ts_ns / 1000000000u;
		start_s = fi->start_ns / 1000000000u;
		v[0] = now_s >= start_s && now_s - start_s < UINT32_MAX ? now_s - start_s
									: UINT32_MAX;
		v[1] = v[0];
		break;
	case WEIR_FNUM_PKTS:
		v[0] = fi->pkts[0];
		v[1] = fi->pkts[1];
		break;
	default:
		v[0] = fi->bytes[0];
		v[1] = fi->bytes[1];
		break;
	}
}

/* Do stream_size and flow.age/pkts/bytes of @p s hold? No flow: no match
 * (each keyword's Match returns 0 for p->flow == NULL); stream_size also
 * needs a TCP packet of a flow with a TCP session. */
static bool
scan_fnum_ok(const struct weir_suri_rule *s, const struct weir_scan_pkt *p)
{
	unsigned int i;

	if (p->fi == NULL)
		return false;
	for (i = 0; i < s->n_fnum; i++) {
		const struct weir_fnum *n = &s->fnum[i];
		uint64_t v[2];
		bool ok;

		if (n->kind == WEIR_FNUM_STREAM_SIZE &&
		    (p->pclass != WEIR_PCLASS_TCP || !p->fi->tcp_session))
			return false;
		scan_fnum_values(n, p, v);
		switch (n->dir) {
		case WEIR_FNUM_TOSERVER:
			ok = weir_uint_match(&n->c, v[0]);
			break;
		case WEIR_FNUM_TOCLIENT:
			ok = weir_uint_match(&n->c, v[1]);
			break;
		case WEIR_FNUM_EITHER:
			ok = weir_uint_match(&n->c, v[0]) || weir_uint_match(&n->c, v[1]);
			break;
		default:
			ok = weir_uint_match(&n->c, v[0]) && weir_uint_match(&n->c, v[1]);
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/* Do the header sticky buffers' items of @p r hold? A packet without one
 * of the headers fails (Suricata's GetData gives no buffer, and the
 * inspection engine then says no match, negated items or not). */
static bool
scan_hbuf_ok(const struct weir_rt_rule *r, const struct weir_scan_pkt *p,
	     struct weir_match_ctx *mctx)
{
	unsigned int i;

	for (i = 0; i < r->n_hbuf; i++) {
		const uint8_t *data;
		uint32_t len;

		if (!weir_hdr_buf(p, r->hbuf[i].buf, &data, &len) ||
		    !weir_sprog_match(r->hbuf[i].prog, data, len, mctx))
			return false;
	}
	return true;
}

/* A rule Hyperscan (or an `always` list) named for this packet. */
static inline void
scan_consider(struct weir_rs_worker *w, uint32_t id, uint32_t end)
{
	const struct weir_ruleset *rs = w->rs;
	const struct weir_rt_rule *r = &rs->rules[id];
	const struct weir_scan_pkt *p = w->pkt;

	if (w->seen[id] == w->seq)
		return;
	w->seen[id] = w->seq;
	if (!(r->protos & (1u << p->pclass)))
		return;
	if (w->acbit & ~r->amask)
		return; /* its addresses cannot be the packet's (`always` rules:
			 * the packet rules' class databases hold no such one) */
	if (__builtin_expect((r->flags & WEIR_RT_EVENT) != 0 || p->invalid, 0)) {
		/* a packet the decoder rejected meets the event rules only */
		if (!(r->flags & WEIR_RT_EVENT) || (p->events & r->sr->ev_mask) != r->sr->ev_mask)
			return;
	}
	if ((r->flags & WEIR_RT_STREAM_PKT) && p->streamed)
		return; /* its stream sees these bytes */
	if ((p->flow & r->flow_mask) != r->flow_want)
		return;
	if ((r->flags & WEIR_RT_IPONLY) && (p->flow & WEIR_SCAN_FLOW) &&
	    !(p->flow & WEIR_SCAN_FLOW_FIRST))
		return; /* seen on the direction's first packet */
	if (atomic_load_explicit(&rs->disabled[id], memory_order_relaxed))
		return;
	if ((r->flags & WEIR_RT_HEADER) && !scan_header_ok(r->sr, p, r->apart, w->aclass))
		return;
	if ((r->flags & WEIR_RT_HDR) && !weir_hdr_match(r->sr, p))
		return;
	if ((r->flags & WEIR_RT_FNUM) && !scan_fnum_ok(r->sr, p))
		return;
	if ((r->flags & WEIR_RT_HBUF) && !scan_hbuf_ok(r, p, w->mctx))
		return;
	if (r->prog != NULL &&
	    !(p->confirm != NULL ? weir_sprog_match(r->prog, p->confirm, p->confirm_len, w->mctx)
				 : weir_sprog_match(r->prog, p->payload, p->len, w->mctx)))
		return;
	if (r->flags & WEIR_RT_FVAR)
		w->fv_at[w->n_fv++] = w->n_matched; /* decided by scan_flowvars() */
	else if (r->flags & WEIR_RT_PASS)
		w->pass = 1;
	w->matched[w->n_matched] = id;
	w->match_end[w->n_matched] = end;
	w->n_matched++;
}

static int
scan_on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
	      void *ctx)
{
	struct weir_rs_worker *w = ctx;

	(void)from;
	(void)flags;
	/* expression id = rule index (rules_compile.c); a bound check keeps
	 * a database from another set from indexing past this one */
	if (id < w->rs->n_rules)
		scan_consider(w, id, (uint32_t)to);
	return 0;
}

/* ---- flowbits and flowint (detect-flowbits.c, detect-flowint.c) ---- */

static inline bool
scan_fb_isset(const struct weir_flowvars *v, unsigned int bit)
{
	return (v->bits[bit >> 6] >> (bit & 63)) & 1u;
}

static inline bool
scan_fi_isset(const struct weir_flowvars *v, unsigned int slot)
{
	return (v->int_isset >> slot) & 1u;
}

/* The value a flowint op compares with or stores: its number, or the
 * other flowint's value (0 while that one is not set). */
static inline uint32_t
scan_fi_target(const struct weir_fvop *f, const struct weir_flowvars *v)
{
	if (!f->target_var)
		return f->value;
	return scan_fi_isset(v, f->idx[1]) ? v->ints[f->idx[1]] : 0;
}

/* Do the flowbits and flowint conditions of @p s hold? Without the flow's
 * variables every condition fails, isnotset too (Suricata: no flow, no
 * match). */
static bool
scan_fv_cond(const struct weir_suri_rule *s, const struct weir_flowvars *v)
{
	unsigned int i, k;

	for (i = 0; i < s->n_fv; i++) {
		const struct weir_fvop *f = &s->fv[i];
		uint32_t a, b;
		bool ok = false;

		if (weir_fv_is_action(f->op))
			continue;
		if (v == NULL)
			return false;
		switch (f->op) {
		case WEIR_FB_ISSET: /* any of the group */
			for (k = 0; k < f->n && !ok; k++)
				ok = scan_fb_isset(v, f->idx[k]);
			break;
		case WEIR_FB_ISNOTSET:
			for (k = 0; k < f->n && !ok; k++)
				ok = !scan_fb_isset(v, f->idx[k]);
			break;
		case WEIR_FI_ISSET:
			ok = scan_fi_isset(v, f->idx[0]);
			break;
		case WEIR_FI_NOTSET:
			ok = !scan_fi_isset(v, f->idx[0]);
			break;
		default:
			/* a comparison needs its own variable set */
			if (!scan_fi_isset(v, f->idx[0]))
				return false;
			a = v->ints[f->idx[0]];
			b = scan_fi_target(f, v);
			ok = f->op == WEIR_FI_EQ   ? a == b
			     : f->op == WEIR_FI_NE ? a != b
			     : f->op == WEIR_FI_LT ? a < b
			     : f->op == WEIR_FI_LE ? a <= b
			     : f->op == WEIR_FI_GT ? a > b
						   : a >= b;
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/* The actions of a rule that matched, in the order written. */
static void
scan_fv_apply(const struct weir_suri_rule *s, struct weir_flowvars *v)
{
	unsigned int i;

	if (v == NULL)
		return;
	for (i = 0; i < s->n_fv; i++) {
		const struct weir_fvop *f = &s->fv[i];
		unsigned int x = f->idx[0];
		uint64_t bit = 1ull << (x & 63);

		switch (f->op) {
		case WEIR_FB_SET:
			v->bits[x >> 6] |= bit;
			break;
		case WEIR_FB_UNSET:
			v->bits[x >> 6] &= ~bit;
			break;
		case WEIR_FB_TOGGLE:
			v->bits[x >> 6] ^= bit;
			break;
		case WEIR_FI_SET:
			v->ints[x] = scan_fi_target(f, v);
			v->int_isset |= (uint8_t)(1u << x);
			break;
		case WEIR_FI_ADD: /* an unset variable starts at the value */
			v->ints[x] = (scan_fi_isset(v, x) ? v->ints[x] : 0) + scan_fi_target(f, v);
			v->int_isset |= (uint8_t)(1u << x);
			break;
		case WEIR_FI_SUB: /* an unset variable stays unset */
			if (scan_fi_isset(v, x))
				v->ints[x] -= scan_fi_target(f, v);
			break;
		default:
			break;
		}
	}
}

/*
 * Decide this packet's candidates that have flowbits or flowint, in
 * Suricata's signature order (fv_order): each checks the variables as
 * the rules before it left them and, if it still matches, applies its
 * actions. One that does not is taken out of matched[] (UINT32_MAX).
 */
static void
scan_flowvars(struct weir_rs_worker *w, struct weir_flowvars *v)
{
	const struct weir_ruleset *rs = w->rs;
	uint32_t *at = w->fv_at, i, j;

	/* insertion sort: a handful of rules per packet */
	for (i = 1; i < w->n_fv; i++) {
		uint32_t x = at[i], ox = rs->rules[w->matched[x]].sr->fv_order;

		for (j = i; j > 0 && rs->rules[w->matched[at[j - 1]]].sr->fv_order > ox; j--)
			at[j] = at[j - 1];
		at[j] = x;
	}
	for (i = 0; i < w->n_fv; i++) {
		uint32_t id = w->matched[at[i]];
		const struct weir_rt_rule *r = &rs->rules[id];

		if (!scan_fv_cond(r->sr, v)) {
			w->matched[at[i]] = UINT32_MAX;
			continue;
		}
		scan_fv_apply(r->sr, v);
		if (r->flags & WEIR_RT_PASS)
			w->pass = 1;
	}
}

/* @p a (the packet's address of version @p v) as 16 bytes, IPv4 v4-mapped. */
static inline void
scan_addr16(uint8_t v, const uint8_t *a, uint8_t out[16])
{
	if (v == 6) {
		memcpy(out, a, 16);
		return;
	}
	memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	memcpy(out + 12, a, 4);
}

/*
 * The key a threshold tracks, WEIR_THR_KEY_LEN bytes, zero-padded: the
 * address (IPv4 v4-mapped); for by_both the two addresses, lower first, so
 * both directions share a counter (Suricata's IPPair); for by_flow the
 * flow id; for by_rule nothing. Flow ids are unique per worker and a flow
 * lives on one worker, so the worker's own table is the right place for
 * its counts. @return false for by_flow without a flow.
 */
static inline bool
scan_track_key(const struct weir_scan_pkt *p, const struct weir_thresh_spec *ts,
	       uint8_t out[WEIR_THR_KEY_LEN])
{
	uint8_t x[16], y[16];

	memset(out, 0, WEIR_THR_KEY_LEN);
	if (ts->by_flow) {
		if (p->fi == NULL)
			return false;
		memcpy(out, &p->fi->id, sizeof(p->fi->id));
		return true;
	}
	if (ts->by_rule)
		return true;
	if (ts->by_both) {
		scan_addr16(p->ip_version, p->src, x);
		scan_addr16(p->ip_version, p->dst, y);
		if (memcmp(x, y, 16) <= 0) {
			memcpy(out, x, 16);
			memcpy(out + 16, y, 16);
		} else {
			memcpy(out, y, 16);
			memcpy(out + 16, x, 16);
		}
		return true;
	}
	scan_addr16(p->ip_version, ts->by_dst ? p->dst : p->src, out);
	return true;
}

/* by_flow without a flow: Suricata's PacketAlertThreshold returns 0 (no
 * alert) and keeps no state. Suppressed (threshold file): 0 as well. */
static inline int
scan_thresh_ok(struct weir_rs_worker *w, uint32_t id, const struct weir_scan_pkt *p)
{
	const struct weir_suri_rule *s = w->rs->rules[id].sr;
	uint8_t key[WEIR_THR_KEY_LEN];
	unsigned int i;

	/* threshold-file suppressions first: a suppressed match does not
	 * count towards the thresholds (Suricata's PacketAlertHandle). */
	for (i = 0; i < s->n_supp; i++) {
		const struct weir_suppress *su = &s->supp[i];

		if ((su->track != WEIR_SUPP_DST &&
		     weir_addrset_has(&su->ips, p->ip_version, p->src)) ||
		    (su->track != WEIR_SUPP_SRC &&
		     weir_addrset_has(&su->ips, p->ip_version, p->dst)))
			return 0;
	}
	if (s->detection_filter.type != WEIR_THRESH_NONE) {
		if (!scan_track_key(p, &s->detection_filter, key))
			return 0;
		if (!weir_thresh_check_key(w->thr, &s->detection_filter, id, key, p->ts_ns))
			return 0;
	}
	if (s->threshold.type != WEIR_THRESH_NONE) {
		if (!scan_track_key(p, &s->threshold, key))
			return 0;
		if (!weir_thresh_check_key(w->thr, &s->threshold, id, key, p->ts_ns))
			return 0;
	}
	return 1;
}

/* Start one verdict round (a packet, or a stream chunk) for @p p. */
static inline void
scan_begin(struct weir_rs_worker *w, const struct weir_ruleset *rs, const struct weir_scan_pkt *p)
{
	if (++w->seq == 0) {
		/* 2^32 rounds later: start the generations again. */
		memset(w->seen, 0, sizeof(*w->seen) * (rs->n_rules ? rs->n_rules : 1));
		w->seq = 1;
	}
	w->rs = rs;
	w->pkt = p;
	w->n_matched = 0;
	w->n_fv = 0;
	w->pass = 0;
	w->aclass = 0;
	w->acbit = 0;
	if (w->mctx != NULL)
		weir_match_ctx_reset(w->mctx);
}

/* The round's candidates decided: flowvars in signature order, pass,
 * noalert, thresholds; @p fn once per alert. */
static void
scan_decide(struct weir_rs_worker *w, const struct weir_scan_pkt *p, weir_alert_fn fn, void *ctx,
	    struct weir_scan_res *res)
{
	const struct weir_ruleset *rs = w->rs;
	unsigned int i;

	if (w->n_fv > 0)
		scan_flowvars(w, p->vars);
	if (w->pass) {
		res->passed = 1;
		for (i = 0; i < w->n_matched; i++) {
			uint32_t id = w->matched[i];

			if (id == UINT32_MAX)
				continue;
			if (rs->rules[id].flags & WEIR_RT_PASS)
				w->hits[id]++;
			else if (!(rs->rules[id].flags & WEIR_RT_NOALERT))
				res->suppressed++;
		}
		return;
	}
	for (i = 0; i < w->n_matched; i++) {
		uint32_t id = w->matched[i];

		if (id == UINT32_MAX || (rs->rules[id].flags & WEIR_RT_NOALERT))
			continue;
		if ((rs->rules[id].flags & WEIR_RT_THRESH) && !scan_thresh_ok(w, id, p)) {
			res->suppressed++;
			continue;
		}
		w->hits[id]++;
		res->alerts++;
		fn(ctx, id, w->match_end[i]);
	}
}

/* Stream database matches: expression id = rule index, as in the groups;
 * @p to is the stream offset of the match's end. */
static int
scan_on_stream_match(unsigned int id, unsigned long long from, unsigned long long to,
		     unsigned int flags, void *ctx)
{
	struct weir_rs_worker *w = ctx;

	(void)from;
	(void)flags;
	if (id < w->rs->n_rules)
		scan_consider(w, id, to > UINT32_MAX ? UINT32_MAX : (uint32_t)to);
	return 0;
}

/*
 * The round's pan-alone rules (rs->stream_pan), when the direction's card
 * scanner settled a card with this chunk: their `pan` item is its answer,
 * not a scan of the window, whose ends are not the stream's.
 */
static void
scan_stream_pan(struct weir_rs_worker *w, const struct weir_scan_pkt *p)
{
	/* their confirm programs hold pan items only: run over one byte
	 * (at a stream's end there may be none) whose answer is set */
	static const uint8_t settled[1] = {0};
	const struct weir_ruleset *rs = w->rs;
	struct weir_scan_pkt q;
	unsigned int i;

	if (!p->pan_found || rs->n_stream_pan == 0)
		return;
	q = *p;
	q.confirm = settled;
	q.confirm_len = sizeof(settled);
	w->pkt = &q;
	weir_match_ctx_pan_set(w->mctx, settled, sizeof(settled), true);
	for (i = 0; i < rs->n_stream_pan; i++)
		scan_consider(w, rs->stream_pan[i], p->pan_end);
	weir_match_ctx_reset(w->mctx);
	w->pkt = p;
}

/* Some stream rule can apply to @p p's direction (rs->stream_dirs): its
 * bytes are not worth a scan otherwise, every match there being refused
 * by the rules' flow check. */
static inline bool
scan_stream_dir_read(const struct weir_ruleset *rs, const struct weir_scan_pkt *p)
{
	return (rs->stream_dirs &
		((p->flow & WEIR_SCAN_FLOW_TOCLIENT) ? WEIR_DIR_CLIENT : WEIR_DIR_SERVER)) != 0;
}

int
weir_ruleset_stream_open(const struct weir_ruleset *rs, hs_stream_t **out)
{
	*out = NULL;
	if (rs->stream_db == NULL)
		return -EINVAL;
	return hs_open_stream(rs->stream_db, 0, out) == HS_SUCCESS ? 0 : -ENOMEM;
}

void
weir_ruleset_scan_stream(const struct weir_ruleset *rs, unsigned int worker, hs_stream_t *st,
			 const struct weir_scan_pkt *p, weir_alert_fn fn, void *ctx,
			 struct weir_scan_res *res)
{
	struct weir_rs_worker *w = &rs->w[worker];

	memset(res, 0, sizeof(*res));
	if (!scan_stream_dir_read(rs, p))
		return;
	if (p->len == 0)
		return;
	res->evaluated = 1;
	scan_begin(w, rs, p);
	/* a set of pan rules alone: its database stands in, nothing to find */
	if (!rs->stream_pan_only &&
	    hs_scan_stream(st, (const char *)p->payload, p->len, 0, w->scratch,
			   scan_on_stream_match, w) != HS_SUCCESS) {
		res->scan_error = 1;
		return;
	}
	scan_stream_pan(w, p);
	scan_decide(w, p, fn, ctx, res);
}

void
weir_ruleset_stream_close(const struct weir_ruleset *rs, unsigned int worker, hs_stream_t *st,
			  const struct weir_scan_pkt *p, weir_alert_fn fn, void *ctx,
			  struct weir_scan_res *res)
{
	struct weir_rs_worker *w;

	if (res != NULL)
		memset(res, 0, sizeof(*res));
	if (fn == NULL || rs == NULL) {
		(void)hs_close_stream(st, NULL, NULL, NULL);
		return;
	}
	if (!scan_stream_dir_read(rs, p)) {
		(void)hs_close_stream(st, NULL, NULL, NULL);
		return;
	}
	w = &rs->w[worker];
	scan_begin(w, rs, p);
	if (hs_close_stream(st, w->scratch, scan_on_stream_match, w) != HS_SUCCESS) {
		res->scan_error = 1;
		return;
	}
	res->evaluated = 1;
	scan_stream_pan(w, p);
	scan_decide(w, p, fn, ctx, res);
}

/* The rules of @p x whose address set may hold @p addr (IPv4 mapped into
 * ::ffff:0:0/96, as weir_addrset_has() reads it). */
static void
scan_ipidx(struct weir_rs_worker *w, const struct weir_ipidx *x, unsigned int ip_version,
	   const uint8_t *addr)
{
	uint64_t hi, lo;
	unsigned int a = 0, b = x->n, k;

	if (ip_version == 4) {
		hi = 0;
		lo = 0xffff00000000ull | ((uint64_t)addr[0] << 24) | ((uint64_t)addr[1] << 16) |
		     ((uint64_t)addr[2] << 8) | addr[3];
	} else if (ip_version == 6) {
		hi = 0;
		lo = 0;
		for (k = 0; k < 8; k++) {
			hi = (hi << 8) | addr[k];
			lo = (lo << 8) | addr[8 + k];
		}
	} else {
		return;
	}
	/* the last interval whose start <= the address (start[0] is 0) */
	while (b - a > 1) {
		unsigned int mid = a + (b - a) / 2;

		if (x->start_hi[mid] < hi || (x->start_hi[mid] == hi && x->start_lo[mid] <= lo))
			a = mid;
		else
			b = mid;
	}
	for (k = x->off[a]; k < x->off[a + 1]; k++)
		scan_consider(w, x->rules[k], 0);
}

/* The header prefilter's key of @p p (rules_int.h weir_hdrpf): its TCP
 * flags byte when it has a TCP header as the flags keyword reads it
 * (rules_match_hdr.c hdr_is_tcp: the same test), else WEIR_HDRPF_NOTCP. */
static inline unsigned int
scan_pf_key(const struct weir_scan_pkt *p)
{
	if (p->pclass == WEIR_PCLASS_TCP && p->l4 != NULL && p->l4_len >= 20 /* TCP header */)
		return p->l4[13];
	return WEIR_HDRPF_NOTCP;
}

/* The `always` rules and address indexes of group @p g for the packet. */
static inline void
scan_group_always(struct weir_rs_worker *w, const struct weir_rgroup *g,
		  const struct weir_scan_pkt *p, unsigned int key, unsigned int mid)
{
	const struct weir_hdrpf *pf = g->hdrpf;
	unsigned int k;

	if (pf == NULL) {
		for (k = 0; k < g->n_always; k++)
			scan_consider(w, g->always[k], 0);
		if (g->idx[0].n > 0)
			scan_ipidx(w, &g->idx[0], p->ip_version, p->src);
		if (g->idx[1].n > 0)
			scan_ipidx(w, &g->idx[1], p->ip_version, p->dst);
		return;
	}
	{
		const struct weir_hdrpf_list *l = &pf->list[mid][key];
		const uint32_t *ids = &pf->rules[l->off];

		for (k = 0; k < l->n; k++)
			scan_consider(w, ids[k], 0);
	}
	if (g->idx[0].n > 0 && !(mid && pf->idx_iponly[0]))
		scan_ipidx(w, &g->idx[0], p->ip_version, p->src);
	if (g->idx[1].n > 0 && !(mid && pf->idx_iponly[1]))
		scan_ipidx(w, &g->idx[1], p->ip_version, p->dst);
}

void
weir_ruleset_scan(const struct weir_ruleset *rs, unsigned int worker, const struct weir_scan_pkt *p,
		  weir_alert_fn fn, void *ctx, struct weir_scan_res *res)
{
	struct weir_rs_worker *w = &rs->w[worker];
	uint8_t ac, acbit;
	hs_database_t *db = scan_pkt_db(rs, p, &ac, &acbit);
	const uint16_t *gl;
	unsigned int i, n, key, mid;

	memset(res, 0, sizeof(*res));
	gl = weir_ruleset_glist(rs, p->pclass, p->dport);
	n = gl[0];
	if (n == 0)
		return;
	if (p->len == 0) {
		/* Only `always` rules can match an empty payload (Hyperscan
		 * refuses patterns that match the empty buffer): with none,
		 * the packet is not evaluated at all. */
		for (i = 1; i <= n; i++)
			if (rs->groups[gl[i]].n_always > 0 || rs->groups[gl[i]].idx[0].n > 0 ||
			    rs->groups[gl[i]].idx[1].n > 0)
				break;
		if (i > n)
			return;
	}
	res->evaluated = 1;
	scan_begin(w, rs, p);
	w->aclass = ac;
	w->acbit = acbit;
	/* One scan of every packet rule that can apply to the packet's side
	 * of its flow (rs->dir_db); scan_consider() keeps the rules whose
	 * class, flow and header apply. */
	if (db != NULL && p->len > 0 &&
	    hs_scan(db, (const char *)p->payload, p->len, 0, w->scratch, scan_on_match, w) !=
		    HS_SUCCESS) {
		res->scan_error = 1;
		return;
	}
	/* mid-flow: IP-only rules were inspected on the direction's first
	 * packet (scan_consider() refuses them on the others) */
	key = scan_pf_key(p);
	mid = (p->flow & (WEIR_SCAN_FLOW | WEIR_SCAN_FLOW_FIRST)) == WEIR_SCAN_FLOW;
	for (i = 1; i <= n; i++)
		scan_group_always(w, &rs->groups[gl[i]], p, key, mid);
	/* most packets match nothing: no flowvars, no pass, no alert */
	if (w->n_matched > 0)
		scan_decide(w, p, fn, ctx, res);
}
