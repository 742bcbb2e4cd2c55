/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcap capture driver, shared between its cold half (pcap_setup.c: open,
 * link-type mapping, close) and its hot half (pcap_rx.c: rx_burst, release).
 */
#ifndef WEIR_PCAP_PRIV_H
#define WEIR_PCAP_PRIV_H

#include <stdint.h>

#include <pcap/pcap.h>

#include "capture.h"

struct pcapdrv_queue {
	struct weir_rxq rxq; /* first: the worker sees this */
	/* fields below are accessed in the data plane (hot) */
	pcap_t *pcap;
	uint8_t *arena; /* WEIR_BURST slots of slot_size bytes */
	uint32_t slot_size;
	uint64_t rx_packets; /* owner-written; read by pcapdrv_stats from main
			      * and the control side, also while running */
	uint64_t rx_bytes;
	uint64_t truncated; /* packets longer than a slot, cut */
	/* cold: written once by the owning worker when pcap_next_ex() fails,
	 * read by pcapdrv_stats (no ordering between the two) */
	int read_error; /* pcap_next_ex() returned -1 */
	char errbuf[PCAP_ERRBUF_SIZE];
};

uint16_t pcapdrv_rx_burst(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n);
void pcapdrv_release(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n);

#endif /* WEIR_PCAP_PRIV_H */
