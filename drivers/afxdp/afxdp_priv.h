/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * afxdp capture driver, shared between its cold half (afxdp_setup.c: XDP
 * program, UMEM and sockets; afxdp_filter.c: filter maps) and its hot half
 * (afxdp_rx.c: rx_burst, release).
 */
#ifndef WEIR_AFXDP_PRIV_H
#define WEIR_AFXDP_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <xdp/libxdp.h>
#include <xdp/xsk.h>

#include "afxdp.h"
#include "capture.h"

struct afxdp_queue {
	struct weir_rxq rxq; /* first: the worker sees this */
	/* fields below are accessed in the data plane (hot) */
	struct xsk_ring_cons rx;
	struct xsk_ring_prod fq;
	void *umem_area;
	int fd;			     /* the socket, for the need_wakeup kick */
	uint64_t frame_mask;	     /* ~(frame size - 1): frame start of an address */
	struct weir_tsc_clock clock; /* timestamps from the TSC, no syscall */
	uint64_t rx_packets;	     /* owner-written; read by afxdp_stats */
	uint64_t rx_bytes;
	uint64_t wakeups; /* need_wakeup kicks (syscalls) */
	/* control-plane only (cold) */
	struct xsk_ring_cons cq; /* UMEM completion ring; unused, we never tx */
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	size_t umem_bytes;
	uint32_t queue_id;
	bool zero_copy;
};

uint16_t afxdp_rx_burst(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n);
void afxdp_release(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n);

#endif /* WEIR_AFXDP_PRIV_H */
