/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker loop. This is the hot path, so it reads like simplegrep.c with the
 * allocation and I/O taken out:
 *
 *   load the published rule set -> rx burst -> for each packet: decode
 *     -> match (weir_ruleset_scan: groups, Hyperscan, confirm, pass,
 *        thresholds) -> write one event per alert into reserved ring slots
 *        (and, with a pcap sink, the frame into the frame ring)
 *     -> enqueue the written slots (one ring operation per WEIR_EV_BATCH)
 *     -> release burst -> report a quiescent state (rule reloads wait
 *        for it)
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
	uint64_t rx_tsc;
	int have_template; /* slot template_slot holds this packet's fields */
	uint16_t template_slot;
	int frame_state; /* this packet's frame record: 0 = not put yet,
			    1 = at frame_pos, -1 = no room (drop) */
	uint32_t frame_pos;
	uint16_t frame_len;
};

int
weir_worker_init(struct weir_worker *w, uint16_t id, struct weir_rxq *rxq,
		 const struct weir_ruleset *_Atomic *active, struct rte_rcu_qsbr *qs,
		 struct rte_ring *ring, uint32_t payload_bytes, uint64_t max_packets,
		 const atomic_bool *stop)
{
	memset(w, 0, sizeof(*w));
	w->id = id;
	w->rxq = rxq;
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
}

static inline uint64_t
worker_flow_hash(const struct weir_decoded *d)
{
	/* Symmetric: both directions of a flow get the same id, as Suricata's
	 * flow_id does. FNV-1a over the ordered endpoints. */
	const uint8_t *a = d->src, *b = d->dst;
	uint16_t pa = d->sport, pb = d->dport;
	uint64_t h = 1469598103934665603ull;
	int i, alen = d->ip_version == 6 ? 16 : 4;

	if (memcmp(a, b, (size_t)alen) > 0 || (memcmp(a, b, (size_t)alen) == 0 && pa > pb)) {
		const uint8_t *t = a;
		uint16_t tp = pa;

		a = b;
		b = t;
		pa = pb;
		pb = tp;
	}
	for (i = 0; i < alen; i++)
		h = (h ^ a[i]) * 1099511628211ull;
	for (i = 0; i < alen; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	h = (h ^ pa) * 1099511628211ull;
	h = (h ^ pb) * 1099511628211ull;
	h = (h ^ d->proto) * 1099511628211ull;
	/* 51 bits, as Suricata does: EVE readers parse flow_id as a JSON
	 * number, and JavaScript's are exact only up to 2^53. */
	return h & ((1ull << 51) - 1);
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
	if (w->n_res == 0)
		return;
	rte_ring_enqueue_zc_finish(w->ring, w->n_ev);
	/* Published with the burst's other counters, inside one seqlock
	 * window, so alerts = events_enqueued + drop_ring_full in any copy. */
	w->burst_enqueued += w->n_ev;
	w->n_ev = 0;
	w->n_res = 0;
}

/* Reserve up to WEIR_EV_BATCH slots; @return false when the ring is full. */
static inline bool
worker_reserve(struct weir_worker *w)
{
	w->n_res = (uint16_t)rte_ring_enqueue_zc_burst_elem_start(
		w->ring, sizeof(struct weir_event), WEIR_EV_BATCH, &w->zc, NULL);
	return w->n_res != 0;
}

static void
worker_fill_packet_fields(struct worker_scan *s, struct weir_event *ev)
{
	const struct weir_decoded *d = s->d;
	const struct weir_worker *w = s->w;
	uint32_t cap = d->payload_len < w->payload_bytes ? d->payload_len : w->payload_bytes;

	ev->ts_ns = s->pkt->ts_ns;
	ev->rx_tsc = s->rx_tsc;
	ev->flow_id = worker_flow_hash(d);
	ev->wire_len = s->pkt->wire_len;
	ev->payload_len = d->payload_len;
	ev->payload_cap = (uint16_t)cap;
	ev->worker = w->id;
	ev->port = w->rxq->port->id;
	ev->queue = w->rxq->queue_id;
	ev->vlan[0] = d->vlan[0];
	ev->vlan[1] = d->vlan[1];
	ev->n_vlan = d->n_vlan;
	ev->ip_version = d->ip_version;
	ev->proto = d->proto;
	ev->sport = d->sport;
	ev->dport = d->dport;
	memcpy(ev->src, d->src, sizeof(ev->src));
	memcpy(ev->dst, d->dst, sizeof(ev->dst));
	if (cap > 0) /* no payload pointer at all for GRE, a bare SYN, ... */
		memcpy(ev->payload, d->payload, cap);
	ev->frame_pos = s->frame_pos;
	ev->frame_len = s->frame_len;
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
	uint64_t seq = ++w->ev_seq; /* a lost event leaves its gap too */

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
	if (s->have_template) {
		/* Same packet, another rule: copy the packet part once filled. */
		memcpy(ev, worker_slot(w, s->template_slot), sizeof(*ev));
	} else {
		worker_fill_packet_fields(s, ev);
		s->have_template = 1;
		s->template_slot = w->n_ev;
	}
	ev->rule_id = r->sid;
	ev->rule_rev = r->rev;
	ev->rule_gid = r->gid;
	ev->rule_priority = r->priority;
	ev->rule_index = idx;
	ev->generation = (uint32_t)w->rs->generation;
	ev->match_end = match_end;
	ev->seq = seq;
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

/* Decode and match one burst. Outcome counters go to locals first. */
static void
worker_process_burst(struct weir_worker *w, struct weir_pkt *pkts, uint16_t n)
{
	uint64_t scanned = 0, not_scanned = 0, frags = 0, malformed = 0, scan_err = 0;
	uint64_t bytes = 0, scanned_bytes = 0, alerts = 0, suppressed = 0;
	struct worker_scan s = {.w = w, .rx_tsc = rte_rdtsc()};
	const struct weir_ruleset *rs = w->rs;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct weir_decoded d;
		struct weir_scan_pkt sp;
		struct weir_scan_res res;
		enum weir_decode_res dr;

		if (i + 3 < n)
			rte_prefetch0(pkts[i + 3].data);
		bytes += pkts[i].wire_len;
		dr = weir_decode(pkts[i].data, pkts[i].len, w->rxq->l2, &d);
		switch (dr) {
		case WEIR_DEC_OK:
			sp.pclass = worker_pclass(d.proto);
			sp.payload = d.payload;
			sp.len = d.payload_len;
			break;
		case WEIR_DEC_NO_L4:
			if (d.ip_version == 0) {
				not_scanned++;
				continue;
			}
			/* another IP protocol: `ip` rules' header conditions */
			sp.pclass = WEIR_PCLASS_OTHER;
			sp.payload = NULL;
			sp.len = 0;
			break;
		case WEIR_DEC_FRAGMENT:
			frags++;
			continue;
		default:
			malformed++;
			continue;
		}
		sp.ip_version = d.ip_version;
		sp.flow = 0; /* no flow table yet */
		sp.vars = NULL;
		sp.sport = d.sport;
		sp.dport = d.dport;
		sp.src = d.src;
		sp.dst = d.dst;
		sp.ts_ns = pkts[i].ts_ns;
		s.pkt = &pkts[i];
		s.d = &d;
		s.have_template = 0;
		s.frame_state = 0;
		weir_ruleset_scan(rs, w->id, &sp, worker_on_alert, &s, &res);
		if (res.scan_error) {
			scan_err++;
			continue;
		}
		if (!res.evaluated) {
			not_scanned++;
			continue;
		}
		scanned++;
		scanned_bytes += sp.len;
		alerts += res.alerts;
		suppressed += res.suppressed;
	}
	worker_flush_events(w);
	weir_worker_stats_begin(&w->st);
	w->st.events_enqueued += w->burst_enqueued;
	w->st.drop_ring_full += w->burst_ring_full;
	w->burst_enqueued = 0;
	w->burst_ring_full = 0;
	w->st.rx_packets += n;
	w->st.rx_bytes += bytes;
	w->st.scanned += scanned;
	w->st.not_scanned += not_scanned;
	w->st.fragments += frags;
	w->st.malformed += malformed;
	w->st.drop_scan_error += scan_err;
	w->st.scanned_bytes += scanned_bytes;
	w->st.alerts += alerts;
	w->st.alerts_suppressed += suppressed;
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
	}
}

int
weir_worker_main(void *arg)
{
	struct weir_worker *w = arg;
	struct weir_pkt pkts[WEIR_BURST];
	struct weir_rxq *q = w->rxq;
	uint64_t left = w->max_packets, t0, t1;

	rte_rcu_qsbr_thread_online(w->qs, w->id);
	w->start_tsc = rte_rdtsc();
	t0 = w->start_tsc;
	while (!atomic_load_explicit(w->stop, memory_order_relaxed)) {
		uint16_t want = WEIR_BURST, n;

		if (w->max_packets != 0) {
			if (left == 0)
				break;
			if (left < want)
				want = (uint16_t)left;
		}
		worker_load_rules(w);
		n = weir_rxq_burst(q, pkts, want);
		if (n == 0) {
			/* One TSC read per poll: the end of this poll is the
			 * start of the next. */
			t1 = rte_rdtsc();
			weir_worker_stats_begin(&w->st);
			w->st.idle_polls++;
			w->st.idle_cycles += t1 - t0;
			weir_worker_stats_end(&w->st);
			t0 = t1;
			/* idle workers report too, or a reload would wait
			 * for traffic */
			rte_rcu_qsbr_quiescent(w->qs, w->id);
			if (q->eof)
				break;
			continue;
		}
		worker_process_burst(w, pkts, n);
		weir_rxq_release(q, pkts, n);
		t1 = rte_rdtsc();
		weir_worker_stats_begin(&w->st);
		w->st.busy_cycles += t1 - t0;
		weir_worker_stats_end(&w->st);
		t0 = t1;
		left -= w->max_packets != 0 ? n : 0;
		/* After the burst's events and counters are published: a
		 * reload that waited for this knows events_enqueued covers
		 * every event naming the old rule set. */
		rte_rcu_qsbr_quiescent(w->qs, w->id);
	}
	w->end_tsc = rte_rdtsc();
	rte_rcu_qsbr_thread_offline(w->qs, w->id);
	atomic_store_explicit(&w->done, true, memory_order_release);
	return 0;
}
