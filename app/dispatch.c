/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pipeline run mode (dispatch.h): the rx lcore's loop, the symmetric flow
 * hash, and the virtual rx queue each worker polls. Per source burst:
 *
 *   rx burst -> for each packet: decode, hash, copy its bytes into the
 *   chosen worker's byte ring, queue a descriptor -> one enqueue per
 *   worker -> release the source burst -> publish the counters
 *
 * Nothing here locks, allocates or logs once launched.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_jhash.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_random.h>
#include <rte_ring.h>

#include "decode.h"
#include "dispatch.h"
#include "event.h" /* struct weir_frame_ring */

/* One worker's end of the pipeline. */
struct weir_dispatch_q {
	struct weir_rxq rxq; /* first: the worker sees this */
	/* consumer (the worker) */
	struct rte_ring *ring;	       /* descriptors: SP (rx lcore), SC (worker) */
	struct weir_frame_ring *bytes; /* packet bytes: rx lcore puts, worker releases */
	struct weir_rxq *const *src;   /* the rx stage's source queues (constant) */
	const atomic_bool *done;       /* the rx stage's */
	uint32_t release_to;	       /* byte ring position after the last burst */
	uint16_t head;		       /* stash[head .. head + count) not handed out yet */
	uint16_t count;
	struct weir_dispatch_desc stash[WEIR_BURST];
	/* producer (the rx lcore): this burst's descriptors for this worker */
	uint16_t n_pend __attribute__((aligned(64)));
	struct weir_dispatch_desc pend[WEIR_BURST];
} __attribute__((aligned(64)));

/* The symmetric key: the lower (address, port) first, so both directions
 * of a flow hash alike. 44 bytes, hashed as 11 words. */
struct dispatch_key {
	uint8_t lo[16];
	uint8_t hi[16];
	uint16_t lo_port;
	uint16_t hi_port;
	uint16_t vlan[2];
	uint8_t proto;
	uint8_t pad[3];
};

static inline bool
dispatch_is_icmpv4_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/*
 * Which worker gets @p pkt. The hash is never finer than the worker's flow
 * key (app/flow.h: addresses, ports, protocol, and VLAN ids when
 * vlan.use-for-tracking), so a flow's packets, both directions, go to one
 * worker:
 * - a packet inside a tunnel the workers decode: the innermost packet's
 *   fields (its flow is what the rules see; the tunnel's own flow may
 *   then span workers);
 * - TCP/UDP/ICMP: sorted (address, port) pairs and the protocol;
 * - an ICMPv4 error: the tuple it quotes, which is how the worker finds
 *   the flow it belongs to (worker.c, worker_icmp_quoted);
 * - IP fragments (first ones too: the worker rebuilds the datagram from
 *   them, app/defrag.h), other IP protocols and malformed IP: the sorted
 *   address pair only, so the fragments of one datagram stay together;
 * - not IP: worker 0.
 */
static inline unsigned int
dispatch_pick(const struct weir_dispatch *d, const struct weir_pkt *p, enum weir_l2 l2)
{
	struct weir_decoded dec;
	enum weir_decode_res r = weir_decode_tun(p->data, p->len, l2, &d->dconf, &dec);
	const uint8_t *a = dec.src, *b = dec.dst;
	uint16_t pa = 0, pb = 0;
	struct dispatch_key k;
	size_t alen;
	int c;

	if (dec.ip_version == 0 || d->n_workers == 1)
		return 0;
	alen = dec.ip_version == 4 ? 4 : 16;
	memset(&k, 0, sizeof(k));
	if (r == WEIR_DEC_OK && !dec.frag) {
		const uint8_t *ip = dec.payload;

		k.proto = dec.proto;
		pa = dec.sport;
		pb = dec.dport;
		if (dec.proto == IPPROTO_ICMP && dispatch_is_icmpv4_error(p->data[dec.l4_off]) &&
		    ip != NULL && dec.payload_len >= 20 && (ip[0] >> 4) == 4 &&
		    (ip[0] & 0x0f) * 4u >= 20 && dec.payload_len >= (ip[0] & 0x0f) * 4u) {
			uint32_t ihl = (ip[0] & 0x0fu) * 4u;

			a = ip + 12;
			b = ip + 16;
			k.proto = ip[9];
			pa = pb = 0;
			if ((k.proto == IPPROTO_TCP || k.proto == IPPROTO_UDP) &&
			    dec.payload_len >= ihl + 4) {
				pa = (uint16_t)(ip[ihl] << 8 | ip[ihl + 1]);
				pb = (uint16_t)(ip[ihl + 2] << 8 | ip[ihl + 3]);
			}
		}
	}
	c = memcmp(a, b, alen);
	if (c > 0 || (c == 0 && pa > pb)) {
		const uint8_t *t = a;
		uint16_t tp = pa;

		a = b;
		b = t;
		pa = pb;
		pb = tp;
	}
	memcpy(k.lo, a, alen);
	memcpy(k.hi, b, alen);
	k.lo_port = pa;
	k.hi_port = pb;
	if (d->use_vlan) {
		k.vlan[0] = dec.vlan[0];
		k.vlan[1] = dec.vlan[1];
	}
	/* multiply-shift: hash onto [0, n_workers) without a division */
	return (unsigned int)(((uint64_t)rte_jhash_32b((const uint32_t *)&k,
						       sizeof(k) / sizeof(uint32_t), d->seed) *
			       d->n_workers) >>
			      32);
}

/* Hand worker @p dq's pending descriptors over. Offline, wait for room
 * (unless stopping); live, what does not fit is dropped. */
static inline void
dispatch_flush(const struct weir_dispatch *d, struct weir_dispatch_q *dq, uint64_t *dispatched,
	       uint64_t *drops, uint64_t *waits)
{
	unsigned int m;

	if (dq->n_pend == 0)
		return;
	m = rte_ring_sp_enqueue_burst_elem(dq->ring, dq->pend, sizeof(dq->pend[0]), dq->n_pend,
					   NULL);
	if (m < dq->n_pend && d->offline) {
		(*waits)++;
		while (m < dq->n_pend && !atomic_load_explicit(d->stop, memory_order_relaxed)) {
			rte_pause();
			m += rte_ring_sp_enqueue_burst_elem(
				dq->ring, dq->pend + m, sizeof(dq->pend[0]), dq->n_pend - m, NULL);
		}
	}
	/* Live, a dropped descriptor's bytes stay in the byte ring until the
	 * worker releases a later record, which frees everything before it. */
	*dispatched += m;
	*drops += dq->n_pend - m;
	dq->n_pend = 0;
}

/* Spread one source burst over the workers' rings. */
static void
dispatch_burst(struct weir_dispatch *d, uint16_t s, const struct weir_pkt *pkts, uint16_t n)
{
	const struct weir_rxq *src = d->src[s];
	uint64_t dispatched = 0, drops = 0, waits = 0, bytes = 0;
	unsigned int k;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct weir_dispatch_q *dq = d->q[dispatch_pick(d, &pkts[i], src->l2)];
		struct weir_dispatch_desc *desc;
		uint32_t pos = 0;

		bytes += pkts[i].wire_len;
		if (unlikely(weir_frame_ring_put(dq->bytes, pkts[i].data, pkts[i].len, &pos) !=
			     0)) {
			if (!d->offline) {
				drops++;
				continue;
			}
			/* The worker frees bytes only as it takes descriptors:
			 * give it this burst's first. */
			dispatch_flush(d, dq, &dispatched, &drops, &waits);
			waits++;
			while (weir_frame_ring_put(dq->bytes, pkts[i].data, pkts[i].len, &pos) !=
			       0) {
				if (atomic_load_explicit(d->stop, memory_order_relaxed))
					break;
				rte_pause();
			}
			if (atomic_load_explicit(d->stop, memory_order_relaxed)) {
				drops++;
				continue;
			}
		}
		desc = &dq->pend[dq->n_pend++];
		desc->ts_ns = pkts[i].ts_ns;
		desc->pcap_cnt = pkts[i].pcap_cnt;
		desc->pos = pos;
		desc->len = pkts[i].len;
		desc->wire_len = pkts[i].wire_len;
		desc->src = s;
		desc->pad = 0;
	}
	for (k = 0; k < d->n_workers; k++)
		dispatch_flush(d, d->q[k], &dispatched, &drops, &waits);
	if (n > 0 && pkts[n - 1].ts_ns > atomic_load_explicit(&d->read_ts, memory_order_relaxed))
		atomic_store_explicit(&d->read_ts, pkts[n - 1].ts_ns, memory_order_release);
	weir_dispatch_stats_begin(&d->st);
	d->st.rx_packets += n;
	d->st.rx_bytes += bytes;
	d->st.port_rx_packets[src->port->id] += n;
	d->st.dispatched += dispatched;
	d->st.drop_dispatch_full += drops;
	d->st.full_waits += waits;
	d->st.busy_polls++;
	weir_dispatch_stats_end(&d->st);
}

int
weir_dispatch_main(void *arg)
{
	struct weir_dispatch *d = arg;
	struct weir_pkt pkts[WEIR_BURST];
	uint64_t left = d->max_packets;

	d->start_tsc = rte_rdtsc();
	while (!atomic_load_explicit(d->stop, memory_order_relaxed)) {
		unsigned int got = 0, open = 0;
		uint16_t s;

		for (s = 0; s < d->n_src; s++) {
			struct weir_rxq *q = d->src[s];
			uint16_t want = WEIR_BURST, n;

			if (q->eof)
				continue;
			open++;
			if (d->max_packets != 0) {
				if (left == 0)
					break;
				if (left < want)
					want = (uint16_t)left;
			}
			n = weir_rxq_burst(q, pkts, want);
			if (n == 0)
				continue;
			dispatch_burst(d, s, pkts, n);
			weir_rxq_release(q, pkts, n);
			got += n;
			left -= d->max_packets != 0 ? n : 0;
		}
		if (d->max_packets != 0 && left == 0)
			break;
		if (got != 0)
			continue;
		weir_dispatch_stats_begin(&d->st);
		d->st.idle_polls++;
		weir_dispatch_stats_end(&d->st);
		if (open == 0) /* every source ended (offline) */
			break;
	}
	d->end_tsc = rte_rdtsc();
	/* Pairs with the acquire load in dispatch_rx_burst(): a worker that
	 * sees done and then an empty ring has had everything. */
	atomic_store_explicit(&d->done, true, memory_order_release);
	return 0;
}

/*
 * The virtual queue's rx_burst: a run of packets of one source queue from
 * the descriptors dequeued (up to WEIR_BURST at a time, kept in the stash
 * between calls), as views into the byte ring.
 */
static uint16_t
dispatch_rx_burst(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n)
{
	struct weir_dispatch_q *dq = (struct weir_dispatch_q *)q;
	const struct weir_rxq *src;
	uint16_t i, s;

	if (dq->count == 0) {
		/* done first: an empty ring after done means nothing more */
		bool done = atomic_load_explicit(dq->done, memory_order_acquire);

		dq->head = 0;
		dq->count = (uint16_t)rte_ring_sc_dequeue_burst_elem(
			dq->ring, dq->stash, sizeof(dq->stash[0]), WEIR_BURST, NULL);
		if (dq->count == 0) {
			if (done)
				q->eof = true;
			return 0;
		}
	}
	s = dq->stash[dq->head].src;
	for (i = 0; i < n && i < dq->count; i++) {
		const struct weir_dispatch_desc *desc = &dq->stash[dq->head + i];

		if (desc->src != s)
			break;
		pkts[i].data = weir_frame_ring_data(dq->bytes, desc->pos);
		pkts[i].len = desc->len;
		pkts[i].wire_len = desc->wire_len;
		pkts[i].ts_ns = desc->ts_ns;
		pkts[i].handle = NULL;
		pkts[i].pcap_cnt = desc->pcap_cnt;
		dq->release_to = desc->pos + weir_frame_rec_size(desc->len);
	}
	dq->head = (uint16_t)(dq->head + i);
	dq->count = (uint16_t)(dq->count - i);
	/* this burst's source names its packets (dispatch.h) */
	src = dq->src[s];
	q->port = src->port;
	q->queue_id = src->queue_id;
	q->l2 = src->l2;
	return i;
}

static void
dispatch_release(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n)
{
	struct weir_dispatch_q *dq = (struct weir_dispatch_q *)q;

	(void)pkts;
	if (n != 0)
		weir_frame_ring_release(dq->bytes, dq->release_to);
}

static void
dispatch_q_free(struct weir_dispatch_q *dq)
{
	if (dq == NULL)
		return;
	rte_ring_free(dq->ring);
	weir_frame_ring_free(dq->bytes);
	rte_free(dq);
}

static struct weir_dispatch_q *
dispatch_q_create(struct weir_dispatch *d, unsigned int i)
{
	char name[RTE_RING_NAMESIZE];
	struct weir_dispatch_q *dq;

	dq = rte_zmalloc("weir_dispatch_q", sizeof(*dq), RTE_CACHE_LINE_SIZE);
	if (dq == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	snprintf(name, sizeof(name), "weir_disp_%u", i);
	dq->ring = rte_ring_create_elem(name, sizeof(struct weir_dispatch_desc),
					WEIR_DISPATCH_RING_SLOTS, (int)rte_socket_id(),
					RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (dq->ring == NULL)
		goto err_free;
	dq->bytes = weir_frame_ring_create(WEIR_DISPATCH_RING_SLOTS, WEIR_DISPATCH_SLOT_BYTES);
	if (dq->bytes == NULL)
		goto err_free;
	dq->rxq.rx_burst = dispatch_rx_burst;
	dq->rxq.release = dispatch_release;
	dq->rxq.priv = dq;
	/* until the first burst names its source */
	dq->rxq.port = d->src[0]->port;
	dq->rxq.queue_id = d->src[0]->queue_id;
	dq->rxq.l2 = d->src[0]->l2;
	dq->rxq.eof = false;
	dq->src = d->src;
	dq->done = &d->done;
	return dq;

err_free:
	dispatch_q_free(dq);
	errno = ENOMEM;
	return NULL;
}

struct weir_dispatch *
weir_dispatch_create(struct weir_port *portv, unsigned int n_ports, unsigned int n_workers,
		     bool use_vlan, uint64_t max_packets, const atomic_bool *stop)
{
	struct weir_dispatch *d;
	unsigned int p, q, i;
	int err;

	if (n_ports == 0 || n_workers == 0 || n_workers > WEIR_DISPATCH_MAX_WORKERS) {
		errno = EINVAL;
		return NULL;
	}
	d = rte_zmalloc("weir_dispatch", sizeof(*d), RTE_CACHE_LINE_SIZE);
	if (d == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	for (p = 0; p < n_ports; p++)
		for (q = 0; q < portv[p].n_queues; q++) {
			if (d->n_src == WEIR_DISPATCH_MAX_SRC) {
				err = EINVAL;
				goto err_destroy;
			}
			d->src[d->n_src++] = portv[p].rxq[q];
		}
	d->n_workers = (uint16_t)n_workers;
	d->seed = (uint32_t)rte_rand();
	d->use_vlan = use_vlan;
	d->offline = portv[0].offline;
	d->max_packets = max_packets;
	d->stop = stop;
	atomic_init(&d->done, false);
	for (i = 0; i < n_workers; i++) {
		d->q[i] = dispatch_q_create(d, i);
		if (d->q[i] == NULL) {
			err = errno;
			goto err_destroy;
		}
	}
	return d;

err_destroy:
	weir_dispatch_destroy(d);
	errno = err;
	return NULL;
}

struct weir_rxq *
weir_dispatch_rxq(struct weir_dispatch *d, unsigned int i)
{
	return &d->q[i]->rxq;
}

void
weir_dispatch_abort(struct weir_dispatch *d)
{
	atomic_store_explicit(&d->done, true, memory_order_release);
}

void
weir_dispatch_destroy(struct weir_dispatch *d)
{
	unsigned int i;

	if (d == NULL)
		return;
	for (i = 0; i < WEIR_DISPATCH_MAX_WORKERS; i++)
		dispatch_q_free(d->q[i]);
	rte_free(d);
}
