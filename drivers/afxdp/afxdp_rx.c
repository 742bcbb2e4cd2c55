/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * afxdp driver, hot half. rx_burst takes what the kernel put on the
 * socket's rx ring and hands out views straight into the UMEM (no copy);
 * the rx ring slots are released at once, the frames stay ours until
 * release() puts them back on the fill ring. The only syscall is the
 * need_wakeup kick: when the ring is empty and the kernel asks for it, one
 * recvfrom() tells it the fill ring has frames again.
 */
#include <sys/socket.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>

#include "afxdp_priv.h"

uint16_t
afxdp_rx_burst(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n)
{
	struct afxdp_queue *aq = (struct afxdp_queue *)q;
	uint64_t now_ns, bytes = 0;
	uint32_t idx = 0, nb, i;

	if (n > WEIR_BURST)
		n = WEIR_BURST;
	nb = xsk_ring_cons__peek(&aq->rx, n, &idx);
	if (nb == 0) {
		if (xsk_ring_prod__needs_wakeup(&aq->fq)) {
			recvfrom(aq->fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
			aq->wakeups++;
		}
		return 0;
	}
	/* One timestamp per burst, from the TSC: no clock syscall. */
	now_ns = weir_tsc_clock_ns(&aq->clock, rte_rdtsc());
	for (i = 0; i < nb; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&aq->rx, idx + i);

		pkts[i].data = xsk_umem__get_data(aq->umem_area, d->addr);
		pkts[i].len = d->len;
		pkts[i].wire_len = d->len;
		pkts[i].ts_ns = now_ns;
		/* The frame's start, which is what the fill ring takes back. */
		pkts[i].handle = (void *)(uintptr_t)(d->addr & aq->frame_mask);
		pkts[i].pcap_cnt = 0;
		bytes += d->len;
	}
	xsk_ring_cons__release(&aq->rx, nb);
	aq->rx_packets += nb;
	aq->rx_bytes += bytes;
	return (uint16_t)nb;
}

void
afxdp_release(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n)
{
	struct afxdp_queue *aq = (struct afxdp_queue *)q;
	uint32_t idx = 0, i;

	/* The fill ring holds every UMEM frame (afxdp_queue_bind), so there
	 * is always room for the ones we give back. */
	if (unlikely(xsk_ring_prod__reserve(&aq->fq, n, &idx) != n))
		return;
	for (i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&aq->fq, idx + i) = (uint64_t)(uintptr_t)pkts[i].handle;
	xsk_ring_prod__submit(&aq->fq, n);
}
