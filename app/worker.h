/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker: one per worker lcore, run to completion. Polls its rx queues in
 * turn, one burst each (run mode workers: queue i of every port, so that
 * symmetric RSS brings both directions of a flow, even from two ports of a
 * network TAP, to worker i; pipeline: the one virtual queue the rx stage
 * fills, app/dispatch.h), decodes each packet, finds its flow in the worker's own flow
 * table (app/flow.h: direction, established, per-flow rule variables),
 * matches it against the published rule set
 * (weir_ruleset_scan) and puts one weir_event per alert on its ring to the
 * emitter, writing it straight into a ring slot (rte_ring zero-copy
 * enqueue: no staging copy). With a pcap sink it also copies each flagged
 * frame into its frame ring (event.h), which the emitter drains in step
 * with the event ring. Never blocks: a full ring is a counted drop. Between
 * polls it reports a quiescent state, which is what lets a rule reload
 * free the rule set it replaced: events name their rule by value and
 * (generation, index), never by pointer, so nothing the worker enqueued
 * keeps the rule set alive.
 */
#ifndef WEIR_WORKER_H
#define WEIR_WORKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ring.h>

#include "capture.h"
#include "decode.h"
#include "defrag.h"
#include "event.h"
#include "flow.h"
#include "rules.h"
#include "stats.h"
#include "stream.h"
#include "worker_window.h"

#define WEIR_EV_BATCH 32 /* ring slots reserved at a time (one enqueue) */

struct rte_rcu_qsbr;

#define WEIR_WORKER_MAX_RXQ WEIR_MAX_PORTS /* one queue per port */

struct weir_worker {
	/* fields below are accessed in the data plane (hot) */
	struct weir_rxq *rxq[WEIR_WORKER_MAX_RXQ]; /* polled in turn */
	uint16_t n_rxq;
	/* The queue of the burst being processed (its port, queue and framing
	 * name the packets' in_iface, port, queue), or the last one polled:
	 * flow records ended outside a burst name it. */
	const struct weir_rxq *cur;
	/* The published rule set: loaded once per burst (acquire). Whoever
	 * replaces it frees the old one only after every worker reported a
	 * quiescent state on qs, which the loop does after each poll. */
	const struct weir_ruleset *_Atomic *active;
	struct rte_rcu_qsbr *qs;
	const struct weir_ruleset *rs;	/* this burst's */
	struct rte_ring *ring;		/* single producer (us), single consumer */
	struct weir_frame_ring *frames; /* frame copies for the pcap sink
				      (we produce, the emitter consumes);
				      NULL = none (weir_worker_set_frames) */
	uint32_t payload_bytes;		/* payload copied into each event */
	uint32_t frame_bytes;		/* frame copied per event (pcap sink's
					   snaplen), 0 = none */
	uint64_t ev_seq;		/* seq of the last event created */
	uint64_t max_packets;		/* stop after this many, 0 = no limit */
	const atomic_bool *stop;	/* set by main on SIGINT/SIGTERM */
	uint16_t id;
	uint16_t n_ev;			    /* slots of zc written */
	uint16_t n_res;			    /* slots of zc reserved, 0 = none */
	struct rte_ring_zc_data zc;	    /* ring slots reserved, not yet enqueued */
	uint64_t burst_enqueued;	    /* this burst's ring outcomes, published */
	uint64_t burst_ring_full;	    /* with the other counters at burst end */
	uint64_t burst_records;		    /* flow records created (ring or drop) */
	struct weir_flow_table *flows;	    /* this worker's flow table (owned) */
	struct weir_stream_table *streams;  /* its stream reassembly (owned);
					       NULL without flows */
	struct weir_defrag *defrag;	    /* its IP reassembly (owned); NULL:
					       fragments are only counted */
	bool vlan_tracking;		    /* VLAN ids key the fragments too */
	struct weir_decode_conf dconf;	    /* decapsulations (decoder.*) */
	uint64_t burst_stream_alerts;	    /* stream rules' outcomes since the */
	uint64_t burst_stream_suppressed;   /* last publication (they happen in */
	uint64_t burst_stream_scan_err;	    /* flow-end callbacks too) */
	uint64_t stream_ts_ns;		    /* time of the bytes being released */
	uint64_t stream_pcap_cnt;	    /* pcap_cnt of the packet releasing them */
	uint8_t stream_src;		    /* enum weir_event_src of them */
	struct worker_scan *stream_pkt;	    /* the packet releasing them (its frame
					       goes to the pcap sink); NULL at a flow's end */
	bool flow_records;		    /* an EVE flow record per ended flow */
	bool offline;			    /* packet time drives flow timeouts */
	bool ring_wait;			    /* a full ring: wait for the emitter
					       (outputs.backpressure), not drop */
	struct weir_tsc_clock clk;	    /* live: wall clock for flow timeouts */
	struct weir_worker_stats st;	    /* written by this worker only (seqlock) */
	uint32_t flush_gen;		    /* + 1 per ring flush (a template slot
					       of an earlier flush is gone) */
	uint64_t last_ts;		    /* time of the last packet processed */
	const struct weir_wwin_shared *wsh; /* window rules (worker_window.h);
					       NULL = none */
	struct weir_wwin win;		    /* this worker's window state */

	/* decoder events since the last publication, per enum weir_pkt_event
	 * (common/dec_event.h), and whether any is not 0 */
	uint64_t ev_pending[WEIR_PEV_DECODER_N];
	bool ev_any;

	/* control-plane only (cold) */
	uint64_t start_tsc;
	uint64_t end_tsc;
	atomic_bool done; /* release-stored after the last enqueue;
			     pairs with the emitter's acquire load */
};

/**
 * Prepare @p w to poll the @p n_rxq queues @p rxq (1 to
 * WEIR_WORKER_MAX_RXQ, each owned by this worker alone from launch on;
 * the worker ends once every one of them reported eof, or on @p stop).
 * @p active points at the published rule set (never NULL once
 * published); @p qs is the QSBR variable the workers report to, with
 * room for thread id @p id. Main thread, before launch.
 * @return 0, or -EINVAL (@p n_rxq out of range).
 */
int weir_worker_init(struct weir_worker *w, uint16_t id, struct weir_rxq *const *rxq,
		     uint16_t n_rxq, const struct weir_ruleset *_Atomic *active,
		     struct rte_rcu_qsbr *qs, struct rte_ring *ring, uint32_t payload_bytes,
		     uint64_t max_packets, const atomic_bool *stop);

/**
 * Copy up to @p snaplen bytes of each flagged frame for the pcap sink
 * (0 = none, the default): creates the worker's frame ring, sized so that
 * it has room for a full frame whenever the event ring has room for an
 * event. The worker owns the ring (freed by weir_worker_fini()); give it
 * to the emitter (weir_emitter.frames). Main thread, after
 * weir_worker_init() and before launch. @return 0, -EINVAL (snaplen past
 * WEIR_EVENT_FRAME_MAX) or -ENOMEM.
 */
int weir_worker_set_frames(struct weir_worker *w, uint32_t snaplen);

/**
 * Give @p w its flow table, created from @p fc (its on_end and worker_id
 * are set here): every IP packet then gets a flow before it is matched,
 * and with @p records an EVE flow record (WEIR_EV_FLOW event) is put on
 * the event ring when a flow ends. Main thread, after weir_worker_init()
 * and before launch. @return 0, or -errno of weir_flow_table_create().
 */
int weir_worker_set_flows(struct weir_worker *w, const struct weir_flow_conf *fc, bool records);

/**
 * Give @p w its IP reassembly table, created from @p dc (fragments are
 * then rebuilt into datagrams, matched as one packet; without it they are
 * only counted and matched one by one as before). @p vlan_tracking: VLAN
 * ids are part of the fragments' key (vlan.use-for-tracking). Main
 * thread, after weir_worker_init() and before launch. @return 0, or
 * -errno of weir_defrag_create().
 */
int weir_worker_set_defrag(struct weir_worker *w, const struct weir_defrag_conf *dc,
			   bool vlan_tracking);

/**
 * Give @p w (which has a flow table) its stream reassembly, created from
 * @p sc: TCP sessions' bytes then reach the rule set's stream rules.
 * Main thread, after weir_worker_set_flows() and before launch.
 * @return 0, or -errno of weir_stream_table_create().
 */
int weir_worker_set_streams(struct weir_worker *w, const struct weir_stream_conf *sc);

/* For app/worker_window.c, on the worker's thread: enqueue the written
 * event slots; a free slot to write one event into (NULL: ring full,
 * counted drop_ring_full); the event written (its seq set here). */
void weir_worker_flush_events(struct weir_worker *w);
struct weir_event *weir_worker_event_slot(struct weir_worker *w);
void weir_worker_event_commit(struct weir_worker *w, struct weir_event *ev);
/* As weir_worker_event_commit() for an event that keeps the seq its
 * writer gave it (an observation record: alerts' seq stays gapless). */
void weir_worker_event_commit_noseq(struct weir_worker *w);

/** Lcore entry point (rte_eal_remote_launch); @p arg is a weir_worker. */
int weir_worker_main(void *arg);

/** Free what the worker owns (its frame ring, its flow table). Main thread, once the
 *  worker and the emitter stopped. */
void weir_worker_fini(struct weir_worker *w);

#endif /* WEIR_WORKER_H */
