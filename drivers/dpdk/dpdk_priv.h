/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk capture driver, shared between its cold half (dpdk_setup.c: port and
 * mempool set-up, RSS, start/stop, stats) and its hot half (dpdk_rx.c).
 */
#ifndef WEIR_DPDK_PRIV_H
#define WEIR_DPDK_PRIV_H

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
	struct dpdk_queue *q[WEIR_MAX_QUEUES];
};

#define DPDK_RSS_KEY_MAX 52 /* bytes: the longest hash_key_size (i40e, ice) */

/* The symmetric RSS key every port gets (dpdk_setup.c says why). */
extern const uint8_t dpdk_rss_key[DPDK_RSS_KEY_MAX];

uint16_t dpdk_rx_burst(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n);
void dpdk_release(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n);

#endif /* WEIR_DPDK_PRIV_H */
