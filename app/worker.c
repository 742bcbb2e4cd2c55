/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker loop. This is the hot path, so it reads like simplegrep.c with the
 * allocation and I/O taken out:
 *
 *   rx burst -> for each packet: decode -> scan payload -> stage events
 *            -> enqueue staged events (one ring operation) -> release burst
 *
 * Counters live in locals for the burst and are added to the worker's
 * block once per burst; nothing here locks, allocates, logs or makes a
 * syscall (the pcap driver reads its file, which is what offline means).
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "decode.h"
#include "log.h"
#include "worker.h"

/* What the match callback needs about the packet being scanned. */
struct worker_scan {
	struct weir_worker *w;
	const struct weir_pkt *pkt;
	const struct weir_decoded *d;
	uint64_t rx_tsc;
	uint64_t alerts;
	int have_template;  /* ev[template_slot] holds this packet's fields */
	uint16_t template_slot;
};

int
weir_worker_init(struct weir_worker *w, uint16_t id, struct weir_rxq *rxq,
		 const struct weir_ruleset *rs, struct rte_ring *ring, uint32_t payload_bytes,
		 uint64_t max_packets, const atomic_bool *stop)
{
	hs_error_t err;

	memset(w, 0, sizeof(*w));
	w->id = id;
	w->rxq = rxq;
	w->rs = rs;
	w->db = rs->db;
	w->ring = ring;
	w->payload_bytes = payload_bytes > WEIR_EVENT_PAYLOAD_MAX ? WEIR_EVENT_PAYLOAD_MAX
								  : payload_bytes;
	w->max_packets = max_packets;
	w->stop = stop;
	w->pkt_seq = 1;
	atomic_init(&w->done, false);
	if (rs->db != NULL) {
		err = hs_clone_scratch(rs->scratch_proto, &w->scratch);
		if (err != HS_SUCCESS) {
			WEIR_LOG(ERR, app, "worker %u: hs_clone_scratch failed: %d", id, err);
			return -ENOMEM;
		}
	}
	w->seen = rte_zmalloc("weir_seen", sizeof(uint32_t) * (rs->n_rules ? rs->n_rules : 1),
			      RTE_CACHE_LINE_SIZE);
	w->rule_hits = rte_zmalloc("weir_rule_hits",
				   sizeof(uint64_t) * (rs->n_rules ? rs->n_rules : 1),
				   RTE_CACHE_LINE_SIZE);
	if (w->seen == NULL || w->rule_hits == NULL) {
		rte_free(w->seen);
		w->seen = NULL;
		rte_free(w->rule_hits);
		w->rule_hits = NULL;
		hs_free_scratch(w->scratch);
		w->scratch = NULL;
		return -ENOMEM;
	}
	return 0;
}

void
weir_worker_fini(struct weir_worker *w)
{
	hs_free_scratch(w->scratch);
	w->scratch = NULL;
	rte_free(w->seen);
	w->seen = NULL;
	rte_free(w->rule_hits);
	w->rule_hits = NULL;
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

/* Hand every staged event to the ring in one operation; what does not fit
 * is dropped and counted, never waited for. */
static inline void
worker_flush_events(struct weir_worker *w)
{
	unsigned int done;

	if (w->n_ev == 0)
		return;
	done = rte_ring_enqueue_burst_elem(w->ring, w->ev, sizeof(struct weir_event), w->n_ev,
					   NULL);
	/* Published with the burst's other counters, inside one seqlock
	 * window, so alerts = events_enqueued + drop_ring_full in any copy. */
	w->burst_enqueued += done;
	w->burst_ring_full += w->n_ev - done;
	w->n_ev = 0;
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
	memcpy(ev->payload, d->payload, cap);
	/* Only with a pcap sink: frame_bytes is 0 otherwise. */
	ev->frame_len = (uint16_t)(s->pkt->len < w->frame_bytes ? s->pkt->len : w->frame_bytes);
	memcpy(ev->frame, s->pkt->data, ev->frame_len);
}

/*
 * Hyperscan calls this for every match, before hs_scan() returns. The
 * product promises one alert per (packet, rule): rules carry
 * HS_FLAG_SINGLEMATCH where Hyperscan allows it, and seen[] catches the
 * rest (SOM_LEFTMOST rules) in O(1).
 */
static int
worker_on_match(unsigned int id, unsigned long long from, unsigned long long to,
		unsigned int flags, void *ctx)
{
	struct worker_scan *s = ctx;
	struct weir_worker *w = s->w;
	const struct weir_rule *r = &w->rs->rules[id];
	struct weir_event *ev;

	(void)from;
	(void)flags;
	if (w->seen[id] == w->pkt_seq)
		return 0;
	w->seen[id] = w->pkt_seq;
	s->alerts++;
	w->rule_hits[id]++; /* single writer; readers load it relaxed */
	if (w->n_ev == WEIR_EV_BATCH) {
		worker_flush_events(w);
		s->have_template = 0;
	}
	ev = &w->ev[w->n_ev];
	if (s->have_template) {
		/* Same packet, another rule: copy the packet part once filled. */
		memcpy(ev, &w->ev[s->template_slot], sizeof(*ev));
	} else {
		worker_fill_packet_fields(s, ev);
		s->have_template = 1;
		s->template_slot = w->n_ev;
	}
	ev->rule_id = r->sid;
	ev->rule_rev = r->rev;
	ev->rule_index = id;
	ev->match_end = (uint32_t)to;
	ev->seq = ++w->ev_seq;
	w->n_ev++;
	return 0;
}

/* Decode and scan one burst. Outcome counters go to locals first. */
static void
worker_process_burst(struct weir_worker *w, struct weir_pkt *pkts, uint16_t n)
{
	uint64_t scanned = 0, not_scanned = 0, frags = 0, malformed = 0, scan_err = 0;
	uint64_t bytes = 0, scanned_bytes = 0;
	struct worker_scan s = {.w = w, .rx_tsc = rte_rdtsc()};
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct weir_decoded d;
		enum weir_decode_res res;

		if (i + 3 < n)
			rte_prefetch0(pkts[i + 3].data);
		bytes += pkts[i].wire_len;
		res = weir_decode(pkts[i].data, pkts[i].len, w->rxq->l2, &d);
		switch (res) {
		case WEIR_DEC_OK:
			break;
		case WEIR_DEC_NO_L4:
			not_scanned++;
			continue;
		case WEIR_DEC_FRAGMENT:
			frags++;
			continue;
		default:
			malformed++;
			continue;
		}
		if (d.payload_len == 0 || w->db == NULL) {
			not_scanned++;
			continue;
		}
		if (++w->pkt_seq == 0) {
			/* 2^32 packets later: start the generations again. */
			memset(w->seen, 0, sizeof(uint32_t) * w->rs->n_rules);
			w->pkt_seq = 1;
		}
		s.pkt = &pkts[i];
		s.d = &d;
		s.have_template = 0;
		if (hs_scan(w->db, (const char *)d.payload, d.payload_len, 0, w->scratch,
			    worker_on_match, &s) != HS_SUCCESS) {
			scan_err++;
			continue;
		}
		scanned++;
		scanned_bytes += d.payload_len;
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
	w->st.alerts += s.alerts;
	w->st.busy_polls++;
	weir_worker_stats_end(&w->st);
}

int
weir_worker_main(void *arg)
{
	struct weir_worker *w = arg;
	struct weir_pkt pkts[WEIR_BURST];
	struct weir_rxq *q = w->rxq;
	uint64_t left = w->max_packets, t0, t1;

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
	}
	w->end_tsc = rte_rdtsc();
	atomic_store_explicit(&w->done, true, memory_order_release);
	return 0;
}
