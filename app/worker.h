/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker: one per worker lcore, run to completion. Polls its rx queue in
 * bursts, decodes each packet, matches it against the published rule set
 * (weir_ruleset_scan) and puts one weir_event per alert on its ring to the
 * emitter. Never blocks: a full ring is a counted drop. Between polls it
 * reports a quiescent state, which is what lets a rule reload free the
 * rule set it replaced.
 */
#ifndef WEIR_WORKER_H
#define WEIR_WORKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_ring.h>

#include "capture.h"
#include "event.h"
#include "rules.h"
#include "stats.h"

#define WEIR_EV_BATCH 32 /* events staged before one ring enqueue */

struct rte_rcu_qsbr;

struct weir_worker {
	/* fields below are accessed in the data plane (hot) */
	struct weir_rxq *rxq;
	/* The published rule set: loaded once per burst (acquire). Whoever
	 * replaces it frees the old one only after every worker reported a
	 * quiescent state on qs, which the loop does after each poll. */
	const struct weir_ruleset *_Atomic *active;
	struct rte_rcu_qsbr *qs;
	const struct weir_ruleset *rs; /* this burst's */
	struct rte_ring *ring;     /* single producer (us), single consumer */
	uint32_t payload_bytes;    /* payload copied into each event */
	uint32_t frame_bytes;      /* frame copied into each event (pcap sink's
				      snaplen), 0 = none; set by main after init */
	uint64_t ev_seq;           /* seq of the last event created */
	uint64_t max_packets;      /* stop after this many, 0 = no limit */
	const atomic_bool *stop;   /* set by main on SIGINT/SIGTERM */
	uint16_t id;
	uint16_t n_ev;
	uint64_t burst_enqueued;   /* this burst's ring outcomes, published */
	uint64_t burst_ring_full;  /* with the other counters at burst end */
	struct weir_worker_stats st; /* written by this worker only (seqlock) */
	struct weir_event ev[WEIR_EV_BATCH];

	/* control-plane only (cold) */
	uint64_t start_tsc;
	uint64_t end_tsc;
	atomic_bool done;          /* release-stored after the last enqueue;
				      pairs with the emitter's acquire load */
};

/**
 * Prepare @p w. @p active points at the published rule set (never NULL
 * once published); @p qs is the QSBR variable the workers report to, with
 * room for thread id @p id. Main thread, before launch. @return 0.
 */
int weir_worker_init(struct weir_worker *w, uint16_t id, struct weir_rxq *rxq,
		     const struct weir_ruleset *_Atomic *active, struct rte_rcu_qsbr *qs,
		     struct rte_ring *ring, uint32_t payload_bytes, uint64_t max_packets,
		     const atomic_bool *stop);

/** Lcore entry point (rte_eal_remote_launch); @p arg is a weir_worker. */
int weir_worker_main(void *arg);

void weir_worker_fini(struct weir_worker *w);

#endif /* WEIR_WORKER_H */
