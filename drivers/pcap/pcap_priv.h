/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcap capture driver, shared between its cold half (pcap_setup.c: open,
 * link-type mapping, close) and its hot half (pcap_rx.c: rx_burst, release).
 */
#ifndef WEIR_PCAP_PRIV_H
#define WEIR_PCAP_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "capture.h"

/*
 * The native reader (pcap_rx.c): a classic pcap file in this host's byte
 * order is read with pread() into a buffer and its records are parsed
 * there and handed out in place, without libpcap's two stdio reads and a
 * copy per packet. A record it does not take as it is (longer than the
 * snapshot length, cut short by the end of the file, a read error) goes
 * back to libpcap: its FILE is moved to that record, and from there
 * libpcap reads, so what it does with such a record (cut it, report the
 * damage) stays what weir does.
 */
struct pcapdrv_native {
	int fd;		  /* -1: off (libpcap reads) */
	uint32_t snap;	  /* libpcap's snapshot length: a longer record goes to it */
	uint32_t ts_mult; /* ns per unit of the records' fraction: 1000 or 1 */
	uint8_t *buf;	  /* cap bytes; [pos, len) read, not yet handed out */
	size_t cap, pos, len;
	uint64_t off;	    /* file offset of buf[0] */
	bool read_failed;   /* a pread() failed: libpcap takes over */
	uint64_t packets;   /* handed out by it (the tests read it) */
	uint64_t handovers; /* 0 or 1: the rest went to libpcap */
};

struct pcapdrv_queue {
	struct weir_rxq rxq; /* first: the worker sees this */
	/* fields below are accessed in the data plane (hot) */
	pcap_t *pcap;
	struct pcapdrv_native nat;
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

/* Set up the native reader for @p pq's file (pcap_setup.c, at open); it
 * stays off (nat.fd -1) for anything but a regular file in classic pcap
 * of this host's byte order. @return 0 or -ENOMEM. */
int pcapdrv_native_init(struct pcapdrv_queue *pq);
void pcapdrv_native_fini(struct pcapdrv_queue *pq);

uint16_t pcapdrv_rx_burst(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n);
void pcapdrv_release(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n);

#endif /* WEIR_PCAP_PRIV_H */
