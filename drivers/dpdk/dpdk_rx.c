/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dpdk driver, hot half: one rte_eth_rx_burst() per call, views over the
 * first segment of each mbuf, and a bulk free when the worker is done with
 * the burst. No allocation, no syscall, no lock.
 */
#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "dpdk_priv.h"

uint16_t
dpdk_rx_burst(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n)
{
	struct dpdk_queue *dq = (struct dpdk_queue *)q;
	uint64_t now_ns;
	uint16_t i, nb;

	if (n > WEIR_BURST)
		n = WEIR_BURST;
	nb = rte_eth_rx_burst(dq->port_id, dq->queue_id, dq->mbufs, n);
	if (nb == 0)
		return 0;
	now_ns = weir_tsc_clock_ns(&dq->clock, rte_rdtsc());
	for (i = 0; i < nb; i++) {
		struct rte_mbuf *m = dq->mbufs[i];

		pkts[i].data = rte_pktmbuf_mtod(m, const uint8_t *);
		/* Only the first segment is contiguous; a multi-segment frame
		 * is seen truncated and counted as such by the decoder. */
		pkts[i].len = rte_pktmbuf_data_len(m);
		pkts[i].wire_len = rte_pktmbuf_pkt_len(m);
		pkts[i].ts_ns = now_ns;
		pkts[i].handle = m;
		pkts[i].pcap_cnt = 0;
	}
	return nb;
}

void
dpdk_release(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n)
{
	struct dpdk_queue *dq = (struct dpdk_queue *)q;
	uint16_t i;

	for (i = 0; i < n; i++)
		dq->mbufs[i] = pkts[i].handle;
	rte_pktmbuf_free_bulk(dq->mbufs, n);
}
