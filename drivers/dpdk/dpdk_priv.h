/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk capture driver, shared between its cold half (dpdk_setup.c: port and
 * mempool set-up, RSS, start/stop, stats) and its hot half (dpdk_rx.c).
 */
#ifndef WEIR_DPDK_PRIV_H
#define WEIR_DPDK_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "capture.h"

struct dpdk_queue {
	struct weir_rxq rxq; /* first: the worker sees this */
	/* fields below are accessed in the data plane (hot) */
	uint16_t port_id; /* ethdev port */
	uint16_t queue_id;
	struct weir_tsc_clock clock; /* timestamps from the TSC, no syscall */
	struct rte_mbuf *mbufs[WEIR_BURST];
};

struct dpdk_port {
	uint16_t port_id;
	struct rte_mempool *pool;
	int started;
	bool rss;		  /* RSS over n_queues > 1 queues was asked for */
	bool rss_own_key;	  /* ... with the NIC's key: ours was refused */
	uint16_t reta_size;	  /* the port's redirection table, 0 = none */
	uint8_t rss_key_len;	  /* bytes of our key the port was given */
	uint64_t rss_key_refused; /* times the port refused or ignored our key */
	char mode[64];		  /* how its queues are fed, for the stats */
	struct dpdk_queue *q[WEIR_MAX_QUEUES];
};

#define DPDK_RSS_KEY_MAX 52 /* bytes: the longest hash_key_size (i40e, ice) */

/* The symmetric RSS key every port gets (dpdk_setup.c says why). */
extern const uint8_t dpdk_rss_key[DPDK_RSS_KEY_MAX];

/* What a port can do for RSS, as its ethdev info says. */
struct dpdk_rss_peer {
	uint64_t hf;	    /* flow_type_rss_offloads */
	uint16_t reta_size; /* redirection table entries, 0 = none reported */
};

/**
 * The hash functions a group of ports that must hash alike uses: weir's
 * set (IP, TCP, UDP) as far as every port of @p peers supports it. Any
 * thread. @return 0 when some port has none of them.
 */
uint64_t dpdk_rss_group_hf(const struct dpdk_rss_peer *peers, unsigned int n);

/**
 * Whether every port of @p peers sends a given hash to the same queue
 * index once each programs its redirection table as reta[i] = i %
 * @p n_queues (dpdk_start): queue = (h mod R) mod n_queues, which is the
 * same on every port when the sizes R are equal, or when n_queues divides
 * each of them (then it is h mod n_queues). A port reporting no table
 * (R = 0) cannot be reasoned about: false when it has peers. Any thread.
 */
bool dpdk_rss_group_aligned(const struct dpdk_rss_peer *peers, unsigned int n, uint16_t n_queues);

uint16_t dpdk_rx_burst(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n);
void dpdk_release(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n);

#endif /* WEIR_DPDK_PRIV_H */
