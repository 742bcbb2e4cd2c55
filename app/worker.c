/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker loop. This is the hot path, so it reads like simplegrep.c with the
 * allocation and I/O taken out:
 *
 *   load the published rule set -> rx burst -> decode every packet
 *     -> flows of the whole burst (weir_flow_process_burst: lookups
 *        overlapped) -> for each packet:
 *     match (weir_ruleset_scan: groups, Hyperscan, confirm, pass,
 *        thresholds) -> write one event per alert into reserved ring slots
 *        (and, with a pcap sink, the frame into the frame ring)
 *     -> enqueue the written slots (one ring operation per WEIR_EV_BATCH)
 *     -> release burst -> expire a few idle flows (incremental, bounded)
 *     -> report a quiescent state (rule reloads wait for it)
 *
 * Counters live in locals for the burst and are added to the worker's
 * block once per burst; nothing here locks, allocates, logs or makes a
 * syscall (the pcap driver reads its file, which is what offline means).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include "decode.h"
#include "log.h"
#include "worker.h"

/* What the alert callback needs about the packet being matched. */
struct worker_scan {
	struct weir_worker *w;
	const struct weir_pkt *pkt;
	const struct weir_decoded *d;
	struct weir_flow *flow;		     /* NULL: the packet has no flow */
	const struct weir_scan_flowinfo *fi; /* its counters as of this packet */
	uint32_t flow_flags;		     /* enum weir_flow_pkt_flag */
	uint64_t rx_tsc;
	int have_template; /* slot template_slot holds this packet's fields */
	uint16_t template_slot;
	uint32_t template_gen; /* w->flush_gen when it was filled */
	int frame_state;       /* this packet's frame record: 0 = not put yet,
				  1 = at frame_pos, -1 = no room (drop) */
	uint32_t frame_pos;
	uint16_t frame_len;
};

int
weir_worker_init(struct weir_worker *w, uint16_t id, struct weir_rxq *const *rxq, uint16_t n_rxq,
		 const struct weir_ruleset *_Atomic *active, struct rte_rcu_qsbr *qs,
		 struct rte_ring *ring, uint32_t payload_bytes, uint64_t max_packets,
		 const atomic_bool *stop)
{
	uint16_t k;

	memset(w, 0, sizeof(*w));
	if (n_rxq == 0 || n_rxq > WEIR_WORKER_MAX_RXQ)
		return -EINVAL;
	w->id = id;
	for (k = 0; k < n_rxq; k++)
		w->rxq[k] = rxq[k];
	w->n_rxq = n_rxq;
	w->cur = rxq[0];
	w->active = active;
	w->qs = qs;
	w->ring = ring;
	w->payload_bytes =
		payload_bytes > WEIR_EVENT_PAYLOAD_MAX ? WEIR_EVENT_PAYLOAD_MAX : payload_bytes;
	w->max_packets = max_packets;
	w->stop = stop;
	atomic_init(&w->done, false);
	return 0;
}

int
weir_worker_set_frames(struct weir_worker *w, uint32_t snaplen)
{
	if (snaplen > WEIR_EVENT_FRAME_MAX)
		return -EINVAL;
	weir_frame_ring_free(w->frames);
	w->frames = NULL;
	w->frame_bytes = 0;
	if (snaplen == 0)
		return 0;
	/* Every event in the ring, plus the batch the emitter holds between
	 * its dequeue and its release (WEIR_EMIT_BATCH), may have a record. */
	w->frames = weir_frame_ring_create(rte_ring_get_capacity(w->ring) + 64, snaplen);
	if (w->frames == NULL)
		return -errno;
	w->frame_bytes = snaplen;
	return 0;
}

void
weir_worker_fini(struct weir_worker *w)
{
	weir_frame_ring_free(w->frames);
	w->frames = NULL;
	weir_stream_table_destroy(w->streams);
	w->streams = NULL;
	weir_defrag_destroy(w->defrag);
	w->defrag = NULL;
	weir_flow_table_destroy(w->flows);
	w->flows = NULL;
	weir_wwin_stop(w);
}

/* Slot @p k of the reserved ones (they may wrap around the ring's end). */
static inline struct weir_event *
worker_slot(struct weir_worker *w, unsigned int k)
{
	return k < w->zc.n1 ? (struct weir_event *)w->zc.ptr1 + k
			    : (struct weir_event *)w->zc.ptr2 + (k - w->zc.n1);
}

/* Enqueue the written slots in one operation and give back the rest of
 * the reservation. */
static inline void
worker_flush_events(struct weir_worker *w)
{
	uint64_t now;
	unsigned int k;

	if (w->n_res == 0)
		return;
	/* One TSC read per flush: the slots were just written, so the
	 * stamps cost a store each (events are a small share of packets). */
	now = rte_rdtsc();
	for (k = 0; k < w->n_ev; k++)
		worker_slot(w, k)->pub_tsc = now;
	rte_ring_enqueue_zc_finish(w->ring, w->n_ev);
	/* Published with the burst's other counters, inside one seqlock
	 * window, so alerts = events_enqueued + drop_ring_full in any copy. */
	w->burst_enqueued += w->n_ev;
	w->n_ev = 0;
	w->n_res = 0;
	w->flush_gen++;
}

/* A full ring with w->ring_wait (offline replay): wait for the emitter to
 * take events, or for stop. Cold: out of the way of the hot reserve. */
static __rte_noinline void
worker_reserve_wait(struct weir_worker *w)
{
	while (w->n_res == 0 && !atomic_load_explicit(w->stop, memory_order_relaxed)) {
		rte_pause();
		w->n_res = (uint16_t)rte_ring_enqueue_zc_burst_elem_start(
			w->ring, sizeof(struct weir_event), WEIR_EV_BATCH, &w->zc, NULL);
	}
}

/* Reserve up to WEIR_EV_BATCH slots; @return false when the ring is full
 * (with ring_wait: only once stopped). */
static inline bool
worker_reserve(struct weir_worker *w)
{
	w->n_res = (uint16_t)rte_ring_enqueue_zc_burst_elem_start(
		w->ring, sizeof(struct weir_event), WEIR_EV_BATCH, &w->zc, NULL);
	if (unlikely(w->n_res == 0) && w->ring_wait)
		worker_reserve_wait(w);
	return w->n_res != 0;
}

void
weir_worker_flush_events(struct weir_worker *w)
{
	worker_flush_events(w);
}

struct weir_event *
weir_worker_event_slot(struct weir_worker *w)
{
	if (w->n_ev == w->n_res && (worker_flush_events(w), !worker_reserve(w))) {
		w->burst_ring_full++;
		return NULL;
	}
	return worker_slot(w, w->n_ev);
}

void
weir_worker_event_commit(struct weir_worker *w, struct weir_event *ev)
{
	ev->seq = ++w->ev_seq;
	w->n_ev++;
}

void
weir_worker_event_commit_noseq(struct weir_worker *w)
{
	w->n_ev++;
}

/* The flow part of an event: its id and counters as of this packet (the
 * snapshot taken right after the packet's flow update: the flow itself
 * may already hold later packets of the burst). */
static inline void
worker_fill_flow(struct weir_event *ev, const struct weir_scan_flowinfo *f, uint32_t flags)
{
	if (f == NULL) {
		ev->flow_id = 0;
		ev->flow_start_ns = 0;
		ev->flow_bytes[0] = ev->flow_bytes[1] = 0;
		ev->flow_pkts[0] = ev->flow_pkts[1] = 0;
		ev->direction = WEIR_EV_DIR_NONE;
		return;
	}
	ev->flow_id = f->id;
	ev->flow_start_ns = f->start_ns;
	ev->flow_bytes[0] = f->bytes[0];
	ev->flow_bytes[1] = f->bytes[1];
	ev->flow_pkts[0] = f->pkts[0];
	ev->flow_pkts[1] = f->pkts[1];
	ev->direction =
		(flags & WEIR_FLOW_PKT_TOCLIENT) != 0 ? WEIR_EV_DIR_TOCLIENT : WEIR_EV_DIR_TOSERVER;
}

static void
worker_fill_packet_fields(struct worker_scan *s, struct weir_event *ev)
{
	const struct weir_decoded *d = s->d;
	const struct weir_worker *w = s->w;
	uint32_t cap = d->payload_len < w->payload_bytes ? d->payload_len : w->payload_bytes;

	ev->ts_ns = s->pkt->ts_ns;
	ev->pcap_cnt = s->pkt->pcap_cnt;
	ev->rx_tsc = s->rx_tsc;
	worker_fill_flow(ev, s->fi, s->flow_flags);
	ev->pkt_src = WEIR_EV_SRC_PACKET;
	ev->wire_len = s->pkt->wire_len;
	ev->payload_len = d->payload_len;
	ev->payload_cap = (uint16_t)cap;
	ev->win_ctx_len = 0; /* the slot may have held an alert with a context */
	ev->worker = w->id;
	ev->port = w->cur->port->id;
	ev->queue = w->cur->queue_id;
	ev->vlan[0] = d->vlan[0];
	ev->vlan[1] = d->vlan[1];
	ev->n_vlan = d->n_vlan;
	ev->ip_version = d->ip_version;
	ev->proto = d->proto;
	ev->sport = d->sport;
	ev->dport = d->dport;
	memcpy(ev->src, d->src, sizeof(ev->src));
	memcpy(ev->dst, d->dst, sizeof(ev->dst));
	ev->tun_kind = d->tun_via;
	if (unlikely(d->tun_via != WEIR_EV_TUN_NONE)) { /* EVE tunnel{} */
		ev->tun_ip_version = d->outer_ip_version;
		ev->tun_proto = d->outer_proto;
		ev->tun_sport = d->outer_sport;
		ev->tun_dport = d->outer_dport;
		ev->tun_depth = d->depth;
		memcpy(ev->tun_src, d->outer_src, sizeof(ev->tun_src));
		memcpy(ev->tun_dst, d->outer_dst, sizeof(ev->tun_dst));
	}
	if (cap > 0) /* no payload pointer at all for GRE, a bare SYN, ... */
		memcpy(ev->payload, d->payload, cap);
	ev->frame_pos = s->frame_pos;
	ev->frame_len = s->frame_len;
	ev->kind = WEIR_EV_ALERT;
	if ((d->proto == IPPROTO_ICMP || d->proto == IPPROTO_ICMPV6) && d->l4_off != 0 &&
	    s->pkt->len >= d->l4_off + 2u) { /* a cut one raises decoder events */
		const uint8_t *h = s->pkt->data + d->l4_off;

		ev->icmp_type = h[0];
		ev->icmp_code = h[1];
	} else {
		ev->icmp_type = 0;
		ev->icmp_code = 0;
	}
}

/* With a pcap sink: put the packet's frame into the frame ring, once for
 * all its alerts. @return false when the frame ring has no room. */
static inline bool
worker_put_frame(struct worker_scan *s)
{
	struct weir_worker *w = s->w;
	uint16_t len = (uint16_t)(s->pkt->len < w->frame_bytes ? s->pkt->len : w->frame_bytes);

	if (s->frame_state == 0)
		s->frame_state =
			weir_frame_ring_put(w->frames, s->pkt->data, len, &s->frame_pos) == 0 ? 1
											      : -1;
	s->frame_len = len;
	return s->frame_state > 0;
}

/*
 * A rule with field: and no window: (README "Stateful rules (windows)"):
 * its fields, read on the bytes it matched, go into the event as
 * alert.context.fields, in the payload bytes after the excerpt
 * (event.h win_ctx_len), the excerpt cut so both fit (a stream alert's
 * keeps its last bytes, the match's end). An alert with a field not
 * found (left out) counts one window_field_missing.
 */
static void
worker_alert_fields(struct weir_worker *w, struct weir_event *ev, uint32_t idx, const uint8_t *buf,
		    uint32_t len, uint32_t match_end, bool keep_tail)
{
	static const char pre[] = "\"fields\":";
	const struct weir_wwin_shared *sh = w->win.sh;
	const struct weir_field_rend rd = {.hmac = sh != NULL && sh->hmac,
					   .key = sh != NULL ? sh->hmac_key : NULL,
					   .klen = sh != NULL ? sh->hmac_klen : 0};
	char cbuf[WEIR_EVENT_PAYLOAD_MAX];
	unsigned int missing = 0;
	size_t cn;
	uint32_t cap = ev->payload_cap;

	memcpy(cbuf, pre, sizeof(pre) - 1);
	cn = weir_rule_fields_context(w->rs, w->id, idx, buf, len, match_end, &rd,
				      cbuf + sizeof(pre) - 1, sizeof(cbuf) - (sizeof(pre) - 1),
				      &missing);
	if (missing > 0)
		w->win.field_missing++;
	if (cn == 0)
		return;
	cn += sizeof(pre) - 1;
	if (cap + cn > WEIR_EVENT_PAYLOAD_MAX) {
		uint32_t keep = (uint32_t)(WEIR_EVENT_PAYLOAD_MAX - cn);

		if (keep_tail)
			memmove(ev->payload, ev->payload + (cap - keep), keep);
		cap = keep;
	}
	memcpy(ev->payload + cap, cbuf, cn);
	ev->payload_cap = (uint16_t)cap;
	ev->win_ctx_len = (uint16_t)cn;
}

/*
 * The rule set calls this once per alert, after every rule of the packet
 * was decided (pass rules and thresholds applied): one event each.
 */
static void
worker_on_alert(void *ctx, uint32_t idx, uint32_t match_end)
{
	struct worker_scan *s = ctx;
	struct weir_worker *w = s->w;
	const struct weir_rt_rule *r = &w->rs->rules[idx];
	struct weir_event *ev;
	uint64_t seq;

	if (unlikely(r->win != NULL)) {
		/* a window rule's match is an observation, not an alert */
		struct weir_event head;

		worker_fill_packet_fields(s, &head);
		head.match_end = match_end;
		weir_wwin_observe(w, idx, s->d->payload, s->d->payload_len, match_end, &head,
				  s->d->payload, s->d->payload_len, false);
		return;
	}
	seq = ++w->ev_seq;   /* a lost event leaves its gap too */
	if (s->flow != NULL) /* raised, whether or not the ring takes it */
		s->flow->flags |= WEIR_FLOW_F_ALERTED;
	if (w->n_ev == w->n_res) {
		worker_flush_events(w);
		s->have_template = 0;
		if (unlikely(!worker_reserve(w))) {
			w->burst_ring_full++;
			return;
		}
	}
	if (w->frames != NULL && unlikely(!worker_put_frame(s))) {
		w->burst_ring_full++; /* the frame ring is the event ring's overflow */
		return;
	}
	ev = worker_slot(w, w->n_ev);
	if (s->have_template && s->template_gen == w->flush_gen) {
		/* Same packet, another rule: copy the packet part once filled. */
		memcpy(ev, worker_slot(w, s->template_slot), sizeof(*ev));
	} else {
		worker_fill_packet_fields(s, ev);
		s->have_template = 1;
		s->template_slot = w->n_ev;
		s->template_gen = w->flush_gen;
	}
	ev->rule_id = r->sid;
	ev->rule_rev = r->rev;
	ev->rule_gid = r->gid;
	ev->rule_priority = r->priority;
	ev->rule_index = idx;
	ev->generation = (uint32_t)w->rs->generation;
	ev->match_end = match_end;
	ev->seq = seq;
	if (unlikely(r->n_fields > 0)) {
		worker_alert_fields(w, ev, idx, s->d->payload, s->d->payload_len, match_end, false);
		/* its payload may be cut: not a template for the next rule */
		if (s->template_slot == w->n_ev)
			s->have_template = 0;
	}
	w->n_ev++;
}

static inline uint8_t
worker_pclass(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return WEIR_PCLASS_TCP;
	case IPPROTO_UDP:
		return WEIR_PCLASS_UDP;
	default:
		return WEIR_PCLASS_ICMP; /* the decoder's only other OK case */
	}
}

/* Slots of the idle-flow scan per burst (and per idle poll, live). */
#define WORKER_EXPIRE_BUDGET 64

/*
 * Inside the stats seqlock window: the ring outcomes of the events made
 * since the last publication (alerts and flow records) and the flow
 * table's counters, so every copy a reader takes satisfies
 * alerts + flow_records = events_enqueued + drop_ring_full.
 */
static void
worker_publish_common(struct weir_worker *w)
{
	struct weir_flow_stats fs;

	if (unlikely(w->ev_any)) {
#define WORKER_EV_PUBLISH(a, id, name, doc)                                                        \
	w->st.decoder_event_##id += w->ev_pending[WEIR_PEV_##id];
		WEIR_DECODER_EVENTS(WORKER_EV_PUBLISH, ~)
#undef WORKER_EV_PUBLISH
		memset(w->ev_pending, 0, sizeof(w->ev_pending));
		w->ev_any = false;
	}
	w->st.events_enqueued += w->burst_enqueued;
	w->st.drop_ring_full += w->burst_ring_full;
	w->st.flow_records += w->burst_records;
	w->burst_enqueued = 0;
	w->burst_ring_full = 0;
	w->burst_records = 0;
	w->st.alerts += w->burst_stream_alerts;
	w->st.stream_alerts += w->burst_stream_alerts;
	w->st.alerts_suppressed += w->burst_stream_suppressed;
	w->st.stream_scan_errors += w->burst_stream_scan_err;
	w->burst_stream_alerts = 0;
	w->burst_stream_suppressed = 0;
	w->burst_stream_scan_err = 0;
	if (w->wsh != NULL)
		weir_wwin_publish(w);
	if (w->streams != NULL) {
		struct weir_stream_stats ss;

		weir_stream_stats_get(w->streams, &ss);
		w->st.stream_segments = ss.segments;
		w->st.stream_bytes = ss.bytes;
		w->st.stream_retransmits = ss.retransmits;
		w->st.stream_overlaps = ss.overlaps;
		w->st.stream_held_segments = ss.held_segments;
		w->st.stream_gaps = ss.gaps;
		w->st.stream_gap_bytes = ss.gap_bytes;
		w->st.stream_early = ss.early;
		w->st.stream_depth_reached = ss.depth_reached;
		w->st.stream_seg_nomem = ss.seg_nomem;
		w->st.stream_state_nomem = ss.state_nomem;
		w->st.stream_reload_restarts = ss.reload_restarts;
		w->st.stream_out_of_window = ss.out_of_window;
		w->st.stream_compressed = ss.compressed;
		w->st.stream_expanded = ss.expanded;
		w->st.stream_compress_fail = ss.compress_fail;
		w->st.stream_expand_fail = ss.expand_fail;
		w->st.stream_end_quiet = ss.end_quiet;
		w->st.stream_states = ss.states;
		w->st.stream_packed = ss.packed;
		w->st.stream_held_bytes = ss.held_bytes;
		w->st.stream_memory_bytes = ss.memory_bytes;
	}
	if (w->defrag != NULL) {
		struct weir_defrag_stats ds;

		weir_defrag_stats_get(w->defrag, &ds);
		w->st.defrag_used = ds.used;
		w->st.defrag_timeout = ds.timeout;
		w->st.defrag_nomem = ds.nomem;
		w->st.defrag_invalid = ds.invalid;
		w->st.defrag_held = ds.held;
		w->st.defrag_overlaps = ds.overlaps;
		w->st.defrag_tiny = ds.tiny;
		w->st.defrag_nomem_trackers = ds.nomem_trackers;
		w->st.defrag_nomem_frags = ds.nomem_frags;
		w->st.defrag_nomem_memcap = ds.nomem_memcap;
		w->st.defrag_invalid_empty = ds.invalid_empty;
		w->st.defrag_invalid_too_large = ds.invalid_too_large;
		w->st.defrag_invalid_header = ds.invalid_header;
		w->st.defrag_invalid_max_frags = ds.invalid_max_frags;
		w->st.defrag_invalid_past_end = ds.invalid_past_end;
		w->st.defrag_memory_bytes = ds.memory_bytes;
	}
	if (w->flows == NULL)
		return;
	weir_flow_stats_get(w->flows, &fs);
	w->st.flow_active = fs.active;
	w->st.flow_created = fs.created;
	w->st.flow_timeout = fs.timeout;
	w->st.flow_evicted = fs.evicted;
	w->st.flow_reused = fs.reused;
	w->st.flow_shutdown = fs.shutdown;
	w->st.flow_refused = fs.refused + fs.refused_emerg;
	w->st.flow_icmp_error_no_flow = fs.icmp_error_no_flow;
	w->st.flow_emerg_entered = fs.emerg_entered;
	w->st.flow_emerg_exited = fs.emerg_exited;
	w->st.flow_memory_bytes = fs.memory_bytes;
}

/* EVE flow.state of a flow that ended */
static inline uint8_t
worker_flow_state(const struct weir_flow *f)
{
	switch (f->state) {
	case WEIR_FLOW_STATE_ESTABLISHED:
		return WEIR_EV_FLOW_ESTABLISHED;
	case WEIR_FLOW_STATE_CLOSED:
		return WEIR_EV_FLOW_CLOSED;
	default:
		return WEIR_EV_FLOW_NEW;
	}
}

/* ---- stream rules -------------------------------------------------- */

/* The run of stream bytes being matched, for the alert callback. */
struct worker_chunk {
	struct weir_worker *w;
	struct weir_flow *f;
	unsigned int dir;
	const uint8_t *data; /* NULL: end of the stream */
	uint32_t len;
	uint64_t off, hs_off;
	const struct weir_scan_flowinfo *fi;
	const uint8_t *confirm; /* the direction's retained bytes up to data's end */
	uint32_t confirm_len;
	const uint8_t *before; /* stream bytes just before data (payload) */
	uint32_t before_len;
	bool collect; /* a run-ahead: alerts kept for the ACK (stream.h) */
};

/* A run of direction @p dir's bytes of @p f, with nothing retained or
 * before it yet (the callers fill those in when they have them). */
static inline void
worker_chunk_init(struct worker_chunk *c, struct weir_worker *w, struct weir_flow *f,
		  unsigned int dir, const uint8_t *data, uint32_t len, uint64_t off,
		  uint64_t hs_off, struct weir_scan_flowinfo *fi)
{
	*c = (struct worker_chunk){.w = w,
				   .f = f,
				   .dir = dir,
				   .data = data,
				   .len = len,
				   .off = off,
				   .hs_off = hs_off,
				   .fi = weir_flow_scan_info(f, fi)};
}

/* The head (no payload) of a stream alert's event. */
static void
worker_stream_head(const struct worker_chunk *c, struct weir_event *ev)
{
	struct weir_worker *w = c->w;
	const struct weir_flow *f = c->f;

	ev->ts_ns = w->stream_ts_ns;
	ev->pcap_cnt = w->stream_pcap_cnt;
	ev->rx_tsc = rte_rdtsc();
	worker_fill_flow(ev, c->fi, c->dir ? WEIR_FLOW_PKT_TOCLIENT : WEIR_FLOW_PKT_TOSERVER);
	ev->worker = w->id;
	ev->port = w->cur->port->id;
	ev->queue = w->cur->queue_id;
	ev->vlan[0] = f->key.vlan[0];
	ev->vlan[1] = f->key.vlan[1];
	ev->n_vlan = (uint8_t)((f->key.vlan[0] != 0) + (f->key.vlan[1] != 0));
	ev->ip_version = f->key.ip_version;
	ev->proto = IPPROTO_TCP;
	memcpy(ev->src, weir_flow_addr(f, (int)c->dir), sizeof(ev->src));
	memcpy(ev->dst, weir_flow_addr(f, !c->dir), sizeof(ev->dst));
	ev->sport = weir_flow_port(f, (int)c->dir);
	ev->dport = weir_flow_port(f, !c->dir);
	ev->kind = WEIR_EV_ALERT;
	ev->pkt_src = w->stream_src;
}

/* One alert of a stream rule: like worker_on_alert, from the stream's
 * bytes (event.h, enum weir_event_src). */
static void
worker_on_stream_alert(void *ctx, uint32_t idx, uint32_t match_end)
{
	struct worker_chunk *c = ctx;
	struct weir_worker *w = c->w;
	const struct weir_rt_rule *r = &w->rs->rules[idx];
	uint64_t seq = ++w->ev_seq, end = c->hs_off + match_end;
	uint32_t upto = 0, cap, before;
	struct weir_event *ev;

	if (c->collect) {
		--w->ev_seq; /* raised at the ACK, worker_stream_deliver */
		weir_stream_ahead_note(w->streams, idx, match_end);
		return;
	}
	if (unlikely(r->win != NULL)) {
		/* a window rule's match is an observation: over the retained
		 * bytes up to the chunk's end, the match at upto of the chunk */
		struct weir_event head;
		uint32_t m_end;

		--w->ev_seq; /* no event */
		memset(&head, 0, offsetof(struct weir_event, payload));
		worker_stream_head(c, &head);
		if (c->data != NULL && end > c->off)
			upto = end - c->off < c->len ? (uint32_t)(end - c->off) : c->len;
		m_end = c->confirm_len >= c->len ? c->confirm_len - c->len + upto : upto;
		head.payload_len = c->len;
		head.match_end = end > UINT32_MAX ? UINT32_MAX : (uint32_t)end;
		weir_wwin_observe(w, idx, c->confirm, c->confirm_len, m_end, &head,
				  c->data != NULL ? c->data : NULL, c->data != NULL ? upto : 0,
				  true);
		return;
	}
	c->f->flags |= WEIR_FLOW_F_ALERTED;
	if (w->n_ev == w->n_res && (worker_flush_events(w), !worker_reserve(w))) {
		w->burst_ring_full++;
		return;
	}
	/* with a pcap sink, the frame of the packet whose bytes or ACK
	 * released the match (none at a flow's end) */
	if (w->frames != NULL && w->stream_pkt != NULL &&
	    unlikely(!worker_put_frame(w->stream_pkt))) {
		w->burst_ring_full++; /* the frame ring is the event ring's overflow */
		return;
	}
	ev = worker_slot(w, w->n_ev);
	memset(ev, 0, offsetof(struct weir_event, payload));
	if (w->frames != NULL && w->stream_pkt != NULL) {
		ev->frame_pos = w->stream_pkt->frame_pos;
		ev->frame_len = w->stream_pkt->frame_len;
		ev->wire_len = w->stream_pkt->pkt->wire_len; /* the frame's */
	}
	/* the stream's last bytes up to the match's end: the run's, after
	 * up to outputs.stream-payload-before bytes from before it */
	if (c->data != NULL && end > c->off)
		upto = end - c->off < c->len ? (uint32_t)(end - c->off) : c->len;
	cap = upto < w->payload_bytes ? upto : w->payload_bytes;
	before = w->payload_bytes - cap < c->before_len ? w->payload_bytes - cap : c->before_len;
	if (before > 0)
		memcpy(ev->payload, c->before + c->before_len - before, before);
	if (cap > 0)
		memcpy(ev->payload + before, c->data + upto - cap, cap);
	cap += before;
	ev->payload_cap = (uint16_t)cap;
	ev->payload_len = c->len;
	worker_stream_head(c, ev);
	ev->rule_id = r->sid;
	ev->rule_rev = r->rev;
	ev->rule_gid = r->gid;
	ev->rule_priority = r->priority;
	ev->rule_index = idx;
	ev->generation = (uint32_t)w->rs->generation;
	ev->match_end = end > UINT32_MAX ? UINT32_MAX : (uint32_t)end;
	ev->seq = seq;
	if (unlikely(r->n_fields > 0)) {
		/* the fields are read where the rule's confirm step reads:
		 * the direction's retained bytes up to the chunk's end */
		uint32_t m_end = c->confirm_len >= c->len ? c->confirm_len - c->len + upto : upto;

		if (c->confirm != NULL)
			worker_alert_fields(w, ev, idx, c->confirm, c->confirm_len, m_end, true);
		else /* no retained bytes (stream.reassembly.confirm-window 0) */
			worker_alert_fields(w, ev, idx, c->data, upto, upto, true);
	}
	w->n_ev++;
}

/* app/stream.h: match one run of a direction's bytes (or its end). */
static void
worker_stream_chunk(void *arg, struct weir_flow *f, unsigned int dir, hs_stream_t *hs,
		    const uint8_t *data, uint32_t len, uint64_t off, uint64_t hs_off)
{
	struct weir_worker *w = arg;
	struct weir_scan_flowinfo fi;
	struct weir_scan_res res;
	struct weir_scan_pkt sp;
	struct worker_chunk c;

	worker_chunk_init(&c, w, f, dir, data, len, off, hs_off, &fi);
	sp.payload = data;
	sp.len = len;
	sp.pclass = WEIR_PCLASS_TCP;
	sp.ip_version = f->key.ip_version;
	sp.src = weir_flow_addr(f, (int)dir);
	sp.dst = weir_flow_addr(f, !dir);
	sp.sport = weir_flow_port(f, (int)dir);
	sp.dport = weir_flow_port(f, !dir);
	sp.ts_ns = w->stream_ts_ns;
	sp.flow = WEIR_SCAN_FLOW | (dir ? WEIR_SCAN_FLOW_TOCLIENT : WEIR_SCAN_FLOW_TOSERVER) |
		  (f->tcp_state >= WEIR_TCP_ESTABLISHED ? WEIR_SCAN_FLOW_ESTABLISHED : 0);
	sp.vars = &f->vars;
	sp.fi = c.fi;
	sp.streamed = 0;
	sp.n_vlan = 0;
	sp.events = 0; /* stream chunks carry no packet's events */
	sp.invalid = 0;
	weir_stream_window(w->streams, &sp.confirm, &sp.confirm_len);
	{
		bool pan_found;

		weir_stream_pan(w->streams, &pan_found, &sp.pan_end);
		sp.pan_found = pan_found;
	}
	c.confirm = sp.confirm;
	c.confirm_len = sp.confirm_len;
	c.collect = weir_stream_collecting(w->streams);
	weir_stream_before(w->streams, &c.before, &c.before_len);
	if (data != NULL)
		weir_ruleset_scan_stream(w->rs, w->id, hs, &sp, worker_on_stream_alert, &c, &res);
	else
		weir_ruleset_stream_close(w->rs, w->id, hs, &sp, worker_on_stream_alert, &c, &res);
	if (c.collect) {
		weir_stream_ahead_counts(w->streams, res.alerts, res.suppressed, res.scan_error);
		return;
	}
	w->burst_stream_alerts += res.alerts;
	w->burst_stream_suppressed += res.suppressed;
	w->burst_stream_scan_err += res.scan_error;
}

/* app/stream.h: the alerts of a run matched at its arrival, raised at the
 * ACK that covers it as worker_stream_chunk would have raised them then
 * (@p data NULL: the run-ahead was undone, take back their counts). */
static void
worker_stream_deliver(void *arg, struct weir_flow *f, unsigned int dir, const uint8_t *data,
		      uint32_t len, uint64_t off, uint64_t hs_off,
		      const struct weir_stream_ahead_alert *al, unsigned int n, uint32_t alerts,
		      uint32_t suppressed, uint32_t scan_error)
{
	struct weir_worker *w = arg;
	struct weir_scan_flowinfo fi;
	unsigned int i;

	if (data == NULL) {
		for (i = 0; i < n; i++)
			weir_ruleset_unhit(w->rs, w->id, al[i].rule_idx);
		return;
	}
	{
		/* no confirm window, no bytes before (the run-ahead's
		 * conditions): the run is what the fields read */
		struct worker_chunk c;

		worker_chunk_init(&c, w, f, dir, data, len, off, hs_off, &fi);
		c.confirm = data;
		c.confirm_len = len;
		for (i = 0; i < n; i++)
			worker_on_stream_alert(&c, al[i].rule_idx, al[i].match_end);
	}
	w->burst_stream_alerts += alerts;
	w->burst_stream_suppressed += suppressed;
	w->burst_stream_scan_err += scan_error;
}

static inline void
worker_stream_out(struct weir_worker *w, struct weir_stream_out *o)
{
	o->rs = w->rs;
	o->chunk = worker_stream_chunk;
	o->arg = w;
	o->deliver = worker_stream_deliver;
}

int
weir_worker_set_defrag(struct weir_worker *w, const struct weir_defrag_conf *dc, bool vlan_tracking)
{
	weir_defrag_destroy(w->defrag);
	w->defrag = weir_defrag_create(dc);
	w->vlan_tracking = vlan_tracking;
	return w->defrag != NULL ? 0 : -errno;
}

int
weir_worker_set_streams(struct weir_worker *w, const struct weir_stream_conf *sc)
{
	weir_stream_table_destroy(w->streams);
	w->streams = weir_stream_table_create(sc);
	return w->streams != NULL ? 0 : -errno;
}

/*
 * The flow table calls this for every flow that ends (timeout, eviction,
 * port reuse, shutdown), on this worker's thread. With flow records on,
 * one WEIR_EV_FLOW event goes on the ring like an alert: counted in
 * flow_records, a full ring a counted drop, never a wait.
 */
static void
worker_flow_end(void *arg, const struct weir_flow *f, enum weir_flow_end_reason reason)
{
	struct weir_worker *w = arg;
	struct weir_event *ev;
	struct weir_scan_flowinfo fi;
	uint64_t seq;

	if (w->streams != NULL && f->key.proto == IPPROTO_TCP) {
		struct weir_stream_out o;

		/* the stream's last bytes first: their alerts mark the flow
		 * alerted before its record is made */
		worker_stream_out(w, &o);
		w->stream_ts_ns = f->last_ns;
		w->stream_pcap_cnt = 0; /* no packet: Suricata omits pcap_cnt */
		w->stream_src = WEIR_EV_SRC_FLOW_END;
		w->stream_pkt = NULL;
		weir_stream_flow_end(w->streams, (struct weir_flow *)(uintptr_t)f, &o);
	}
	if (!w->flow_records)
		return;
	w->burst_records++;
	seq = ++w->ev_seq;
	if (w->n_ev == w->n_res && (worker_flush_events(w), !worker_reserve(w))) {
		w->burst_ring_full++;
		return;
	}
	ev = worker_slot(w, w->n_ev);
	memset(ev, 0, offsetof(struct weir_event, payload));
	ev->kind = WEIR_EV_FLOW;
	ev->pcap_cnt = 0; /* past the memset; Suricata's flow records have none */
	ev->ts_ns = f->last_ns;
	ev->rx_tsc = rte_rdtsc();
	ev->seq = seq;
	ev->generation = w->rs != NULL ? (uint32_t)w->rs->generation : 0;
	ev->worker = w->id;
	ev->port = f->port;
	ev->queue = w->cur->queue_id;
	ev->ip_version = f->key.ip_version;
	ev->proto = f->key.proto;
	ev->n_vlan = (uint8_t)((f->key.vlan[0] != 0) + (f->key.vlan[1] != 0));
	ev->vlan[0] = f->key.vlan[0];
	ev->vlan[1] = f->key.vlan[1];
	memcpy(ev->src, weir_flow_addr(f, 0), sizeof(ev->src));
	memcpy(ev->dst, weir_flow_addr(f, 1), sizeof(ev->dst));
	ev->sport = weir_flow_port(f, 0);
	ev->dport = weir_flow_port(f, 1);
	ev->icmp_type = f->icmp_type;
	ev->icmp_code = f->icmp_code;
	weir_flow_scan_info(f, &fi);
	worker_fill_flow(ev, &fi, WEIR_FLOW_PKT_TOSERVER);
	ev->direction = WEIR_EV_DIR_NONE;
	ev->flow_state = worker_flow_state(f);
	switch (reason) {
	case WEIR_FLOW_END_TIMEOUT:
		ev->flow_reason = WEIR_EV_FLOW_TIMEOUT;
		break;
	case WEIR_FLOW_END_REUSE:
		ev->flow_reason = WEIR_EV_FLOW_TCP_REUSE;
		break;
	case WEIR_FLOW_END_SHUTDOWN:
		ev->flow_reason = WEIR_EV_FLOW_SHUTDOWN;
		break;
	default:
		ev->flow_reason = WEIR_EV_FLOW_FORCED;
		break;
	}
	ev->flow_alerted = (f->flags & WEIR_FLOW_F_ALERTED) != 0;
	w->n_ev++;
}

int
weir_worker_set_flows(struct weir_worker *w, const struct weir_flow_conf *fc, bool records)
{
	struct weir_flow_conf c = *fc;

	weir_flow_table_destroy(w->flows);
	c.worker_id = w->id;
	c.on_end = worker_flow_end;
	c.on_end_arg = w;
	w->flows = weir_flow_table_create(&c);
	if (w->flows == NULL)
		return -errno;
	w->flow_records = records;
	w->offline = w->rxq[0]->port->offline; /* one run mode: all or none */
	weir_tsc_clock_init(&w->clk);
	return 0;
}

static inline uint32_t
worker_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Whether the TCP options of the header at @p l4 (@p hlen bytes, checked
 * by the decoder) carry TCP Fast Open, as Suricata's decode-tcp.c reads
 * them: option 34 of length 2 or an even 6..18, or an experimental option
 * (253, 254) of length 4 or 12 with the magic 0xF989. Read on SYNs only.
 */
static bool
worker_tcp_tfo(const uint8_t *l4, uint32_t hlen)
{
	uint32_t i = 20;

	while (i < hlen) {
		uint8_t kind = l4[i], olen;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hlen)
			break;
		olen = l4[i + 1];
		if (olen < 2 || i + olen > hlen)
			break;
		if (kind == 34 && (olen == 2 || (olen >= 6 && olen <= 18 && (olen & 1) == 0)))
			return true;
		if ((kind == 253 || kind == 254) && (olen == 4 || olen == 12) &&
		    l4[i + 2] == 0xf9 && l4[i + 3] == 0x89)
			return true;
		i += olen;
	}
	return false;
}

/* What the flow table needs of a decoded IP packet. */
static inline void
worker_flow_pkt(const struct weir_pkt *pkt, const struct weir_decoded *d, bool have_l4,
		struct weir_flow_pkt *fp)
{
	const uint8_t *l4 = pkt->data + d->l4_off;

	memcpy(fp->src, d->src, sizeof(fp->src));
	memcpy(fp->dst, d->dst, sizeof(fp->dst));
	fp->sport = d->sport;
	fp->dport = d->dport;
	fp->vlan[0] = d->vlan[0];
	fp->vlan[1] = d->vlan[1];
	fp->n_vlan = d->n_vlan;
	fp->ip_version = d->ip_version;
	fp->proto = d->proto;
	fp->depth = d->depth;
	fp->tcp_flags = 0;
	fp->icmp_type = 0;
	fp->icmp_code = 0;
	fp->tcp_window = 0;
	fp->tcp_tfo = 0;
	fp->tcp_seq = 0;
	fp->tcp_ack = 0;
	fp->payload_len = have_l4 ? d->payload_len : 0;
	fp->wire_len = pkt->wire_len;
	fp->ts_ns = pkt->ts_ns;
	if (!have_l4)
		return;
	/* the decoder checked the L4 header's length for these */
	if (d->proto == IPPROTO_TCP) {
		fp->tcp_flags = d->tcp_flags;
		fp->tcp_seq = worker_be32(l4 + 4);
		fp->tcp_ack = worker_be32(l4 + 8);
		fp->tcp_window = (uint16_t)(l4[14] << 8 | l4[15]);
		if (d->tcp_flags & 0x02) /* SYN */
			fp->tcp_tfo = worker_tcp_tfo(l4, (uint32_t)(d->payload - l4));
	} else if (d->proto == IPPROTO_ICMP || d->proto == IPPROTO_ICMPV6) {
		fp->icmp_type = l4[0];
		fp->icmp_code = l4[1];
	}
}

/*
 * The tuple an ICMPv4 error quotes (RFC 792: the datagram's IP header and
 * its first 8 bytes), as sent by the flow's endpoint. @return false when
 * the quote is too short or not IPv4.
 */
static bool
worker_icmp_quoted(const struct weir_flow_pkt *icmp, const struct weir_decoded *d,
		   struct weir_flow_pkt *q)
{
	const uint8_t *ip = d->payload;
	uint32_t ihl;

	if (ip == NULL || d->payload_len < 20 || (ip[0] >> 4) != 4)
		return false;
	ihl = (uint32_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || d->payload_len < ihl)
		return false;
	memset(q, 0, sizeof(*q));
	q->ip_version = 4;
	q->proto = ip[9];
	memcpy(q->src, ip + 12, 4);
	memcpy(q->dst, ip + 16, 4);
	if (q->proto == IPPROTO_TCP || q->proto == IPPROTO_UDP) {
		if (d->payload_len < ihl + 4)
			return false;
		q->sport = (uint16_t)(ip[ihl] << 8 | ip[ihl + 1]);
		q->dport = (uint16_t)(ip[ihl + 2] << 8 | ip[ihl + 3]);
	}
	q->vlan[0] = icmp->vlan[0];
	q->vlan[1] = icmp->vlan[1];
	q->n_vlan = icmp->n_vlan;
	q->depth = icmp->depth;
	return true;
}

static inline bool
worker_is_icmpv4_error(const struct weir_decoded *d, const struct weir_pkt *pkt)
{
	uint8_t type;

	if (d->proto != IPPROTO_ICMP)
		return false;
	type = pkt->data[d->l4_off];
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* The rule set's view of the flow flags. */
static inline uint32_t
worker_scan_flow(uint32_t ff)
{
	return WEIR_SCAN_FLOW | ((ff & WEIR_FLOW_PKT_TOSERVER) != 0 ? WEIR_SCAN_FLOW_TOSERVER : 0) |
	       ((ff & WEIR_FLOW_PKT_TOCLIENT) != 0 ? WEIR_SCAN_FLOW_TOCLIENT : 0) |
	       ((ff & WEIR_FLOW_PKT_ESTABLISHED) != 0 ? WEIR_SCAN_FLOW_ESTABLISHED : 0);
}

/*
 * The flow of one decoded IP packet, updated by it (ICMPv4 errors looked
 * up by the tuple they quote), right before the packet is matched: flow
 * update then detection, packet by packet, as Suricata's flow worker
 * does, so an earlier packet's flowbits, a port reuse or an idle timeout
 * inside one burst are seen in packet order. Each packet is its own
 * "burst" for the table (no flow pointer is held across packets), so any
 * flow but the current one may be ended to make room.
 * @return the flow (its counters as of this packet in @p fi), or NULL.
 */
/* Packets between a flow prefetch and that packet's update, and between
 * a bucket-head prefetch and that packet's flow prefetch. */
#define WORKER_FLOW_AHEAD 4
#define WORKER_HEAD_AHEAD 4

/* The packets that get a flow: IP with a readable header (the rest are
 * counted and skipped before matching). */
static inline bool
worker_has_flow_key(uint8_t dres, const struct weir_decoded *d)
{
	return dres == WEIR_DEC_OK || (dres == WEIR_DEC_NO_L4 && d->ip_version != 0);
}

static __rte_always_inline struct weir_flow *
worker_flow_one(struct weir_worker *w, const struct weir_pkt *pkt, const struct weir_decoded *d,
		const struct weir_flow_pkt *fp, const struct weir_flow_ahead *fa, bool have_l4,
		uint32_t *ff, struct weir_scan_flowinfo *fi)
{
	struct weir_flow *f;

	*ff = 0;
	if (unlikely(have_l4 && worker_is_icmpv4_error(d, pkt))) {
		struct weir_flow_pkt q;

		weir_flow_burst_begin(w->flows);
		/* an unreadable quote goes to weir_flow_process, which counts
		 * it as attributed to no flow */
		f = worker_icmp_quoted(fp, d, &q)
			    ? weir_flow_icmp_error(w->flows, fp, &q, ff)
			    : weir_flow_process_prepared(w->flows, fp, fa, ff);
	} else {
		f = weir_flow_process_next(w->flows, fp, fa, ff); /* with its burst_begin */
	}
	if (f == NULL)
		return NULL;
	/* a flow may span ports (a TAP's two halves): its record names the
	 * port of its first packet, as Suricata's names that packet's device */
	if (*ff & WEIR_FLOW_PKT_NEW)
		f->port = (uint8_t)w->cur->port->id;
	weir_flow_scan_info(f, fi);
	return f;
}

/*
 * A non-first IP fragment against the rule set: class OTHER (only `ip`
 * rules), no payload, no L4 header, no flow; the IP header and what was
 * captured after it for the header keywords (the IPv6 fragment header
 * lies in it).
 */
static void
worker_scan_fragment(struct weir_worker *w, struct worker_scan *s, const struct weir_pkt *pkt,
		     const struct weir_decoded *d, uint64_t events, struct weir_scan_res *res)
{
	struct weir_scan_pkt sp = {
		.pclass = WEIR_PCLASS_OTHER,
		.ip_version = d->ip_version,
		.ip_proto = d->proto,
		.src = d->src,
		.dst = d->dst,
		.ts_ns = pkt->ts_ns,
		.l3 = pkt->data + d->l3_off,
		.l3_len = (uint16_t)(pkt->len - d->l3_off > UINT16_MAX ? UINT16_MAX
								       : pkt->len - d->l3_off),
		.n_vlan = d->n_vlan,
		.vlan = {d->vlan[0], d->vlan[1]},
		.events = d->events | events,
	};

	s->flow_flags = 0;
	s->flow = NULL;
	s->fi = NULL;
	s->pkt = pkt;
	s->d = d;
	s->have_template = 0;
	s->frame_state = 0;
	weir_ruleset_scan(w->rs, w->id, &sp, worker_on_alert, s, res);
}

/*
 * A packet the decoder rejected (or a non-IP one) that raised an event
 * some rule needs: matched against the event rules alone
 * (weir_scan_pkt.invalid), as Suricata raises decoder alerts on invalid
 * packets; class OTHER (ip and pkthdr rules), no payload, no L4 header,
 * no flow.
 */
static __rte_noinline void
worker_scan_invalid(struct weir_worker *w, struct worker_scan *s, const struct weir_pkt *pkt,
		    const struct weir_decoded *d, struct weir_scan_res *res)
{
	struct weir_decoded dd = *d; /* what the alert shows: no payload */
	struct weir_scan_pkt sp = {
		.pclass = WEIR_PCLASS_OTHER,
		.ip_version = d->ip_version,
		.ip_proto = d->proto,
		.src = d->src,
		.dst = d->dst,
		.ts_ns = pkt->ts_ns,
		.n_vlan = d->n_vlan,
		.vlan = {d->vlan[0], d->vlan[1]},
		.events = d->events,
		.invalid = 1,
	};

	dd.payload = NULL;
	dd.payload_len = 0;
	dd.sport = dd.dport = 0;
	s->flow_flags = 0;
	s->flow = NULL;
	s->fi = NULL;
	s->pkt = pkt;
	s->d = &dd;
	s->have_template = 0;
	s->frame_state = 0;
	weir_ruleset_scan(w->rs, w->id, &sp, worker_on_alert, s, res);
	s->d = NULL;
}

/* Decoder events raised (by the decode, or by reassembly), counted per
 * event at the next publication. */
static __rte_noinline void
worker_count_events(struct weir_worker *w, uint64_t ev)
{
	while (ev != 0) {
		unsigned int b = (unsigned int)__builtin_ctzll(ev);

		ev &= ev - 1;
		if (b < WEIR_PEV_DECODER_N)
			w->ev_pending[b]++;
	}
	w->ev_any = true;
}

/* One burst's outcome counters, added to the worker's block at its end. */
struct worker_burst {
	uint64_t scanned, not_scanned, frags, malformed, scan_err;
	uint64_t scanned_bytes, alerts, suppressed, reassembled, decapsulated;
	uint64_t tun_nsh;
	uint64_t tun_note[WEIR_TUN_NOTE_DISABLED + 1]; /* enum weir_tun_note */
};

/* What the decoder noted besides the packet's class (tun_* counters):
 * rare, so the plain path tests one byte. */
static __rte_noinline void
worker_tun_notes(struct worker_burst *bc, const struct weir_decoded *d)
{
	bc->tun_nsh += d->nsh != 0;
	if (d->tun_note <= WEIR_TUN_NOTE_DISABLED)
		bc->tun_note[d->tun_note]++; /* [NONE] unused */
}

/*
 * Flow, stream and match of one decoded packet (one received, or one
 * rebuilt from fragments: @p rebuilt), counted in @p bc. Inlined into the
 * burst loop: the plain path pays no call.
 */
static __rte_always_inline void
worker_match_one(struct weir_worker *w, struct worker_scan *s, struct worker_burst *bc,
		 const struct weir_pkt *pkt, const struct weir_decoded *d, uint8_t dres,
		 const struct weir_flow_pkt *fp, const struct weir_flow_ahead *fa, bool rebuilt)
{
	const struct weir_ruleset *rs = w->rs;
	struct weir_scan_flowinfo fi; /* the packet's flow as of the packet */
	struct weir_scan_pkt sp;
	struct weir_scan_res res;
	struct weir_stream_stats ss0;

	switch ((enum weir_decode_res)dres) {
	case WEIR_DEC_OK:
		sp.pclass = worker_pclass(d->proto);
		sp.payload = d->payload;
		sp.len = d->payload_len;
		/* the L4 header to the end of what the payload covers */
		sp.l4 = pkt->data + d->l4_off;
		sp.l4_len = (uint16_t)(d->payload + d->payload_len - sp.l4);
		break;
	case WEIR_DEC_NO_L4:
		if (d->ip_version == 0) {
			bc->not_scanned++;
			/* not IP: its decoder events' rules alone (an MPLS
			 * payload of unknown type, a NULL frame's family) */
			if (unlikely((d->events & rs->events) != 0) &&
			    rs->glists[rs->class_glist[WEIR_PCLASS_OTHER]] != 0) {
				worker_scan_invalid(w, s, pkt, d, &res);
				bc->alerts += res.alerts;
				bc->suppressed += res.suppressed;
			}
			return;
		}
		/* another IP protocol: `ip` rules' header conditions */
		sp.pclass = WEIR_PCLASS_OTHER;
		sp.payload = NULL;
		sp.len = 0;
		sp.l4 = NULL;
		sp.l4_len = 0;
		break;
	case WEIR_DEC_FRAGMENT:
		/* counted as a fragment, never scanned for payload; but `ip`
		 * rules' header keywords (fragbits, fragoffset, ttl...) see
		 * it, as Suricata inspects each fragment as a packet of no L4 */
		bc->frags++;
		if (d->ip_version == 0 || rs->glists[rs->class_glist[WEIR_PCLASS_OTHER]] == 0)
			return;
		worker_scan_fragment(w, s, pkt, d, 0, &res);
		bc->alerts += res.alerts;
		bc->suppressed += res.suppressed;
		bc->scan_err += res.scan_error;
		return;
	default:
		bc->malformed++;
		/* not scanned, but its decoder events' rules apply */
		if (unlikely((d->events & rs->events) != 0) &&
		    rs->glists[rs->class_glist[WEIR_PCLASS_OTHER]] != 0) {
			worker_scan_invalid(w, s, pkt, d, &res);
			bc->alerts += res.alerts;
			bc->suppressed += res.suppressed;
		}
		return;
	}
	sp.events = d->events;
	sp.invalid = 0;
	sp.ip_version = d->ip_version;
	sp.ip_proto = d->proto;
	/* the IP header with its options or extension headers, for the
	 * header keywords (ttl, ipopts, fragoffset, ...) */
	sp.l3 = pkt->data + d->l3_off;
	sp.l3_len = (uint16_t)(d->l4_off - d->l3_off);
	sp.n_vlan = d->n_vlan;
	sp.vlan[0] = d->vlan[0];
	sp.vlan[1] = d->vlan[1];
	sp.sport = d->sport;
	sp.dport = d->dport;
	sp.src = d->src;
	sp.dst = d->dst;
	sp.ts_ns = pkt->ts_ns;
	sp.confirm = NULL;
	sp.confirm_len = 0;
	s->flow_flags = 0;
	s->flow = w->flows != NULL ? worker_flow_one(w, pkt, d, fp, fa, dres == WEIR_DEC_OK,
						     &s->flow_flags, &fi)
				   : NULL;
	sp.flow = s->flow != NULL ? worker_scan_flow(s->flow_flags) : 0;
	if (s->flow != NULL && fi.pkts[(s->flow_flags & WEIR_FLOW_PKT_TOCLIENT) ? 1 : 0] == 1)
		sp.flow |= WEIR_SCAN_FLOW_FIRST; /* IP-only rules look at it */
	if (rebuilt && s->flow != NULL)
		sp.flow |= WEIR_SCAN_FLOW_REBUILT_FRAG; /* flow:only_frag */
	sp.vars = s->flow != NULL ? &s->flow->vars : NULL;
	sp.fi = s->flow != NULL ? &fi : NULL;
	s->fi = sp.fi;
	s->pkt = pkt;
	s->d = d;
	s->have_template = 0;
	s->frame_state = 0;
	/* the stream first: whether the packet's bytes went into it decides
	 * which rules see the packet itself (Suricata's PKT_STREAM_ADD) */
	sp.streamed = 0;
	if (s->flow != NULL && w->streams != NULL && rs->stream_db != NULL &&
	    d->proto == IPPROTO_TCP && dres == WEIR_DEC_OK) {
		struct weir_stream_out o;

		worker_stream_out(w, &o);
		w->stream_ts_ns = pkt->ts_ns;
		w->stream_pcap_cnt = pkt->pcap_cnt;
		w->stream_src = WEIR_EV_SRC_STREAM;
		w->stream_pkt = s;
		if (unlikely((rs->events & WEIR_PEV_STREAM_MASK) != 0))
			weir_stream_stats_get(w->streams, &ss0);
		sp.streamed = weir_stream_packet(
			w->streams, s->flow, (s->flow_flags & WEIR_FLOW_PKT_TOCLIENT) != 0 ? 1 : 0,
			fp, d->payload, s->flow_flags, &o);
		w->stream_pkt = NULL;
		if (unlikely((rs->events & WEIR_PEV_STREAM_MASK) != 0)) {
			/* stream-event: what this packet made the stream count */
			struct weir_stream_stats ss1;

			weir_stream_stats_get(w->streams, &ss1);
			if (ss1.retransmits != ss0.retransmits)
				sp.events |= WEIR_PEV_BIT(WEIR_PEV_STREAM_PKT_RETRANSMISSION);
			if (ss1.gaps != ss0.gaps)
				sp.events |= WEIR_PEV_BIT(WEIR_PEV_STREAM_REASSEMBLY_SEQ_GAP);
		}
	}
	weir_ruleset_scan(rs, w->id, &sp, worker_on_alert, s, &res);
	if (res.scan_error) {
		bc->scan_err++;
		return;
	}
	if (!res.evaluated) {
		bc->not_scanned++;
		return;
	}
	bc->scanned++;
	bc->scanned_bytes += sp.len;
	bc->alerts += res.alerts;
	bc->suppressed += res.suppressed;
}

/*
 * A rebuilt datagram's root, as Suricata's PacketDefragPktSetup makes it:
 * the fragment that completed it, whose L4 was never read (no ports).
 * Through a tunnel inside, the root stays that fragment.
 */
static void
worker_rebuilt_root(struct weir_decoded *d)
{
	if (d->depth == 0) {
		d->tun_via = WEIR_EV_TUN_DEFRAG;
		d->outer_ip_version = d->ip_version;
		d->outer_proto = d->proto;
		memcpy(d->outer_src, d->src, sizeof(d->outer_src));
		memcpy(d->outer_dst, d->dst, sizeof(d->outer_dst));
	}
	d->outer_sport = 0;
	d->outer_dport = 0;
}

/*
 * An IP fragment with reassembly on (app/defrag.h): counted as a
 * fragment, matched as one against the `ip` rules' header keywords (no L4,
 * as Suricata does), then given to the worker's table; the datagram it
 * completes is decoded from the rebuilt frame and goes the way of any
 * packet (flow, stream, match), flagged rebuilt (flow:only_frag).
 */
static __rte_noinline void
worker_defrag_one(struct weir_worker *w, struct worker_scan *s, struct worker_burst *bc,
		  const struct weir_pkt *pkt, const struct weir_decoded *d)
{
	const struct weir_ruleset *rs = w->rs;
	struct weir_defrag_frag f = {
		.frame = pkt->data,
		.hdr_len = d->frag_hdr_len,
		.data_off = d->frag_data_off,
		.data_len = d->frag_data_len,
		.offset = d->frag_offset,
		.id = d->frag_id,
		.src = d->src,
		.dst = d->dst,
		.l3_off = d->l3_off,
		.nh_off = d->frag_nh_off,
		.vlan = {w->vlan_tracking ? d->vlan[0] : 0, w->vlan_tracking ? d->vlan[1] : 0},
		.n_vlan = d->n_vlan,
		.ip_version = d->ip_version,
		.proto = d->ip_version == 4 ? d->proto : d->frag_nh,
		.more = d->frag_more != 0,
		.ts_ns = pkt->ts_ns,
	};
	struct weir_pkt rp;
	struct weir_decoded rd;
	struct weir_flow_pkt rfp;
	struct weir_flow_ahead rfa;
	struct weir_scan_res res;
	const uint8_t *frame;
	uint32_t len;
	uint8_t rres;

	enum weir_defrag_res dr;
	uint64_t fev;

	bc->frags++;
	/* into the table first: an overlap it finds is the fragment's event
	 * (frame stays valid until the next insert) */
	dr = weir_defrag_insert(w->defrag, &f, &frame, &len);
	fev = weir_defrag_events(w->defrag);
	if (unlikely(fev != 0))
		worker_count_events(w, fev);
	if (rs->glists[rs->class_glist[WEIR_PCLASS_OTHER]] != 0) {
		worker_scan_fragment(w, s, pkt, d, fev, &res);
		bc->alerts += res.alerts;
		bc->suppressed += res.suppressed;
		bc->scan_err += res.scan_error;
	}
	if (dr != WEIR_DEFRAG_DONE)
		return;
	bc->reassembled++;
	rp = *pkt;
	rp.data = frame;
	rp.len = len;
	rp.wire_len = len;
	rp.handle = NULL;
	rres = (uint8_t)weir_decode_tun(frame, len, w->cur->l2, &w->dconf, &rd);
	if (unlikely((rd.nsh | rd.tun_note) != 0))
		worker_tun_notes(bc, &rd);
	worker_rebuilt_root(&rd);
	if (unlikely(rd.events != 0))
		worker_count_events(w, rd.events);
	if (w->flows != NULL && worker_has_flow_key(rres, &rd)) {
		worker_flow_pkt(&rp, &rd, rres == WEIR_DEC_OK, &rfp);
		weir_flow_prepare(w->flows, &rfp, &rfa);
	}
	if (rd.depth != 0) {
		/* a tunnel in the rebuilt datagram: its outer packet too */
		struct weir_decoded od;
		struct weir_flow_pkt ofp;
		struct weir_flow_ahead ofa;
		uint8_t ores = (uint8_t)weir_decode(frame, len, w->cur->l2, &od);

		worker_rebuilt_root(&od);

		if (w->flows != NULL && worker_has_flow_key(ores, &od)) {
			worker_flow_pkt(&rp, &od, ores == WEIR_DEC_OK, &ofp);
			weir_flow_prepare(w->flows, &ofp, &ofa);
		}
		worker_match_one(w, s, bc, &rp, &od, ores, &ofp, &ofa, true);
		bc->decapsulated++;
	}
	worker_match_one(w, s, bc, &rp, &rd, rres, &rfp, &rfa, true);
}

/*
 * A packet decoded through a tunnel (d->depth > 0): the outer packet is
 * matched first, as Suricata inspects the tunnel's packet as well as the
 * one inside (with its own flow: the tunnel's), then the innermost one,
 * counted in decapsulated besides.
 */
static __rte_noinline void
worker_tunnel_one(struct weir_worker *w, struct worker_scan *s, struct worker_burst *bc,
		  const struct weir_pkt *pkt, const struct weir_decoded *d, uint8_t dres,
		  const struct weir_flow_pkt *fp, const struct weir_flow_ahead *fa)
{
	struct weir_decoded od;
	struct weir_flow_pkt ofp;
	struct weir_flow_ahead ofa;
	uint8_t ores;

	ores = (uint8_t)weir_decode(pkt->data, pkt->len, w->cur->l2, &od);
	if (w->flows != NULL && worker_has_flow_key(ores, &od)) {
		worker_flow_pkt(pkt, &od, ores == WEIR_DEC_OK, &ofp);
		weir_flow_prepare(w->flows, &ofp, &ofa);
	}
	worker_match_one(w, s, bc, pkt, &od, ores, &ofp, &ofa, false);
	bc->decapsulated++;
	worker_match_one(w, s, bc, pkt, d, dres, fp, fa, false);
}

/* Decode and match one burst of queue w->cur. Outcome counters go to
 * locals first. */
static void
worker_process_burst(struct weir_worker *w, struct weir_pkt *pkts, uint16_t n)
{
	const enum weir_l2 l2 = w->cur->l2;
	const uint16_t port = w->cur->port->id;
	struct worker_burst bc = {0};
	uint64_t bytes = 0;
	struct worker_scan s = {.w = w, .rx_tsc = rte_rdtsc()};
	struct weir_decoded d[WEIR_BURST];
	uint8_t dres[WEIR_BURST];
	struct weir_flow_pkt fp[WEIR_BURST];
	struct weir_flow_ahead fa[WEIR_BURST];
	uint8_t pf[WEIR_BURST]; /* 1: the packet's bucket and flow to prefetch */
	uint16_t i;

	for (i = 0; i < n; i++) {
		if (i + 3 < n)
			rte_prefetch0(pkts[i + 3].data);
		bytes += pkts[i].wire_len;
		dres[i] = (uint8_t)weir_decode_tun(pkts[i].data, pkts[i].len, l2, &w->dconf, &d[i]);
		if (unlikely((d[i].nsh | d[i].tun_note) != 0))
			worker_tun_notes(&bc, &d[i]);
		if (unlikely(d[i].events != 0))
			worker_count_events(w, d[i].events);
	}
	/* The flow table's cache misses, overlapped and spread over the
	 * burst (a whole burst's bucket heads asked for at once stall on
	 * the misses in flight): every IP packet's key and hash now, its
	 * bucket head WORKER_FLOW_AHEAD + WORKER_HEAD_AHEAD packets before
	 * its turn, the first flow of its chain WORKER_FLOW_AHEAD packets
	 * before; the first packets' ones here. The updates themselves
	 * stay in packet order, each right before its packet's match. */
	if (w->flows != NULL) {
		int last = -1; /* the previous packet with a key */

		for (i = 0; i < n; i++) {
			pf[i] = 0;
			if (!worker_has_flow_key(dres[i], &d[i]))
				continue;
			worker_flow_pkt(&pkts[i], &d[i], dres[i] == WEIR_DEC_OK, &fp[i]);
			/* a packet of the previous packet's flow (a TCP train)
			 * takes its key, and that flow's lines are in cache
			 * already: nothing to prefetch */
			if (last < 0) {
				weir_flow_prepare_key(w->flows, &fp[i], &fa[i]);
				pf[i] = 1;
			} else {
				pf[i] = !weir_flow_prepare_key_after(w->flows, &fp[i], &fa[i],
								     &fp[last], &fa[last]);
			}
			last = i;
			if (pf[i] && i < WORKER_FLOW_AHEAD + WORKER_HEAD_AHEAD)
				weir_flow_prefetch_head(w->flows, &fa[i]);
		}
		for (i = 0; i < n && i < WORKER_FLOW_AHEAD; i++)
			if (pf[i])
				weir_flow_prefetch_flow(w->flows, &fa[i]);
	} else {
		memset(pf, 0, n);
	}
	for (i = 0; i < n; i++) {
		const uint16_t h = i + WORKER_FLOW_AHEAD + WORKER_HEAD_AHEAD,
			       f = i + WORKER_FLOW_AHEAD;

		if (h < n && pf[h])
			weir_flow_prefetch_head(w->flows, &fa[h]);
		if (f < n && pf[f])
			weir_flow_prefetch_flow(w->flows, &fa[f]);
		if (unlikely(d[i].frag) && w->defrag != NULL) {
			worker_defrag_one(w, &s, &bc, &pkts[i], &d[i]);
			continue;
		}
		if (unlikely(d[i].depth != 0)) {
			worker_tunnel_one(w, &s, &bc, &pkts[i], &d[i], dres[i], &fp[i], &fa[i]);
			continue;
		}
		worker_match_one(w, &s, &bc, &pkts[i], &d[i], dres[i], &fp[i], &fa[i], false);
	}
	/* a few idle flows per burst: a full pass over the table takes
	 * entries / WORKER_EXPIRE_BUDGET bursts, and no burst stalls */
	if (w->flows != NULL && n > 0)
		weir_flow_expire(w->flows,
				 w->offline ? pkts[n - 1].ts_ns
					    : weir_tsc_clock_ns(&w->clk, rte_rdtsc()),
				 WORKER_EXPIRE_BUDGET);
	if (n > 0)
		w->last_ts = pkts[n - 1].ts_ns;
	if (w->defrag != NULL && n > 0)
		weir_defrag_expire(w->defrag, w->offline ? pkts[n - 1].ts_ns
							 : weir_tsc_clock_ns(&w->clk, rte_rdtsc()));
	worker_flush_events(w);
	weir_worker_stats_begin(&w->st);
	worker_publish_common(w);
	w->st.rx_packets += n;
	w->st.rx_bytes += bytes;
	w->st.port_rx_packets[port] += n;
	w->st.port_rx_bytes[port] += bytes;
	w->st.scanned += bc.scanned;
	w->st.not_scanned += bc.not_scanned;
	w->st.fragments += bc.frags;
	w->st.malformed += bc.malformed;
	w->st.drop_scan_error += bc.scan_err;
	w->st.scanned_bytes += bc.scanned_bytes;
	w->st.alerts += bc.alerts;
	w->st.alerts_suppressed += bc.suppressed;
	w->st.reassembled += bc.reassembled;
	w->st.decapsulated += bc.decapsulated;
	w->st.tun_nsh += bc.tun_nsh;
	w->st.tun_bad_header += bc.tun_note[WEIR_TUN_NOTE_HEADER];
	w->st.tun_inner_malformed += bc.tun_note[WEIR_TUN_NOTE_INNER_MALFORMED];
	w->st.tun_inner_not_ip += bc.tun_note[WEIR_TUN_NOTE_INNER_NOT_IP];
	w->st.tun_unknown_type += bc.tun_note[WEIR_TUN_NOTE_UNKNOWN];
	w->st.tun_depth_limit += bc.tun_note[WEIR_TUN_NOTE_DEPTH];
	w->st.tun_disabled += bc.tun_note[WEIR_TUN_NOTE_DISABLED];
	w->st.busy_polls++;
	weir_worker_stats_end(&w->st);
}

/* Pick up a newly published rule set at a burst boundary. */
static inline void
worker_load_rules(struct weir_worker *w)
{
	const struct weir_ruleset *rs = atomic_load_explicit(w->active, memory_order_acquire);

	if (unlikely(rs != w->rs)) {
		if (w->rs != NULL) {
			weir_worker_stats_begin(&w->st);
			w->st.rule_reloads++;
			weir_worker_stats_end(&w->st);
		}
		w->rs = rs;
		if (w->wsh != NULL)
			weir_wwin_rules_changed(w); /* at a burst boundary */
	}
}

/* An idle poll, live: expire by the wall clock, publish what it did. */
static void
worker_idle_expire(struct weir_worker *w, uint64_t tsc)
{
	if (weir_flow_expire(w->flows, weir_tsc_clock_ns(&w->clk, tsc), WORKER_EXPIRE_BUDGET) == 0)
		return;
	worker_flush_events(w);
	weir_worker_stats_begin(&w->st);
	worker_publish_common(w);
	weir_worker_stats_end(&w->st);
}

/* End of the run (end of file, count reached, stop): every flow still in
 * the table ends as "shutdown", its record (if on) before the worker's
 * done flag, so the emitter writes it like any other event. */
static void
worker_flush_flows(struct weir_worker *w)
{
	if (w->defrag != NULL) /* datagrams left incomplete: given up */
		weir_defrag_flush(w->defrag);
	if (w->flows == NULL) {
		weir_worker_stats_begin(&w->st);
		worker_publish_common(w);
		weir_worker_stats_end(&w->st);
		return;
	}
	weir_flow_burst_begin(w->flows);
	weir_flow_flush(w->flows);
	worker_flush_events(w);
	weir_worker_stats_begin(&w->st);
	worker_publish_common(w);
	weir_worker_stats_end(&w->st);
}

/* Every queue reported its end (offline); never true of a live queue. */
static inline bool
worker_all_eof(const struct weir_worker *w)
{
	uint16_t k;

	for (k = 0; k < w->n_rxq; k++)
		if (!w->rxq[k]->eof)
			return false;
	return true;
}

/*
 * One round: one burst from each queue in turn, so no queue waits for
 * more than n_rxq - 1 bursts of the others (no starvation, bounded work
 * per round). @return the packets it got; *left counts down capture.count.
 */
static inline unsigned int
worker_poll_round(struct weir_worker *w, struct weir_pkt *pkts, uint64_t *left, uint64_t *t0)
{
	unsigned int got = 0;
	uint16_t k;

	for (k = 0; k < w->n_rxq; k++) {
		struct weir_rxq *q = w->rxq[k];
		uint16_t want = WEIR_BURST, n;
		uint64_t t1;

		if (q->eof)
			continue;
		if (w->max_packets != 0) {
			if (*left == 0)
				break;
			if (*left < want)
				want = (uint16_t)*left;
		}
		n = weir_rxq_burst(q, pkts, want);
		if (n == 0)
			continue;
		/* after rx_burst: a virtual queue names each burst's source
		 * there (app/dispatch.h) */
		w->cur = q;
		worker_process_burst(w, pkts, n);
		weir_rxq_release(q, pkts, n);
		t1 = rte_rdtsc();
		weir_worker_stats_begin(&w->st);
		w->st.busy_cycles += t1 - *t0;
		weir_worker_stats_end(&w->st);
		*t0 = t1;
		*left -= w->max_packets != 0 ? n : 0;
		got += n;
		/* After the burst's events and counters are published: a
		 * reload that waited for this knows events_enqueued covers
		 * every event naming the old rule set. */
		rte_rcu_qsbr_quiescent(w->qs, w->id);
	}
	return got;
}

int
weir_worker_main(void *arg)
{
	struct weir_worker *w = arg;
	struct weir_pkt pkts[WEIR_BURST];
	uint64_t left = w->max_packets, t0, t1;

	rte_rcu_qsbr_thread_online(w->qs, w->id);
	weir_stream_bind(w->streams);
	w->start_tsc = rte_rdtsc();
	t0 = w->start_tsc;
	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		unsigned int got;

		if (w->max_packets != 0 && left == 0)
			break;
		worker_load_rules(w);
		if (w->wsh != NULL)
			weir_wwin_poll_begin(w);
		got = worker_poll_round(w, pkts, &left, &t0);
		if (w->wsh != NULL)
			weir_wwin_poll_end(w, got, w->last_ts,
					   got == 0 && !w->offline
						   ? weir_tsc_clock_ns(&w->clk, rte_rdtsc())
						   : 0);
		if (got != 0)
			continue;
		/* One TSC read per idle round: its end is the next one's start. */
		t1 = rte_rdtsc();
		weir_worker_stats_begin(&w->st);
		w->st.idle_polls++;
		w->st.idle_cycles += t1 - t0;
		weir_worker_stats_end(&w->st);
		t0 = t1;
		/* live: flows time out while the link is quiet too */
		if (w->flows != NULL && !w->offline)
			worker_idle_expire(w, t1);
		/* idle workers report too, or a reload would wait for traffic */
		rte_rcu_qsbr_quiescent(w->qs, w->id);
		if (worker_all_eof(w))
			break;
	}
	worker_flush_flows(w);
	if (w->wsh != NULL) {
		/* every owner applies everything before it says done: the
		 * emitter stops only after the last window alerts */
		weir_wwin_finish(w);
		weir_worker_stats_begin(&w->st);
		worker_publish_common(w);
		weir_worker_stats_end(&w->st);
	}
	w->end_tsc = rte_rdtsc();
	rte_rcu_qsbr_thread_offline(w->qs, w->id);
	atomic_store_explicit(&w->done, true, memory_order_release);
	return 0;
}
