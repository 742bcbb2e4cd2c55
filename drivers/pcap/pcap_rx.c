/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcap driver, hot half: read the next packets of the capture file into
 * the queue's arena and hand out views. libpcap's buffer is valid only until
 * the next pcap_next_ex() call, so each packet of a burst gets its own slot.
 * Reading a file is a syscall now and then; this driver serves offline
 * replay, where that is the point.
 */
#include <stdio.h>
#include <string.h>

#include "pcap_priv.h"

uint16_t
pcapdrv_rx_burst(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n)
{
	struct pcapdrv_queue *pq = (struct pcapdrv_queue *)q;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint16_t i = 0;

	if (n > WEIR_BURST)
		n = WEIR_BURST;
	while (i < n) {
		int rc = pcap_next_ex(pq->pcap, &hdr, &data);
		uint8_t *slot;
		uint32_t len;

		if (rc != 1) {
			/* -2: end of file. -1: the file is damaged from here
			 * on; keep what was read and report it at exit. */
			if (rc == -1) {
				pq->read_error = 1;
				snprintf(pq->errbuf, sizeof(pq->errbuf), "%s",
					 pcap_geterr(pq->pcap));
			}
			if (rc == -1 || rc == -2)
				q->eof = true;
			break;
		}
		len = hdr->caplen;
		if (len > pq->slot_size) {
			len = pq->slot_size;
			pq->truncated++;
		}
		slot = pq->arena + (size_t)i * pq->slot_size;
		memcpy(slot, data, len);
		pkts[i].data = slot;
		pkts[i].len = len;
		pkts[i].wire_len = hdr->len > len ? hdr->len : len;
		/* Opened with nanosecond precision: tv_usec holds ns. */
		pkts[i].ts_ns =
			(uint64_t)hdr->ts.tv_sec * 1000000000ull + (uint64_t)hdr->ts.tv_usec;
		pkts[i].handle = NULL;
		/* Suricata's pcap_cnt: packets read from the file so far,
		 * this one included, whatever decoding makes of them. */
		pkts[i].pcap_cnt = pq->rx_packets + i + 1u;
		pq->rx_bytes += pkts[i].wire_len;
		i++;
	}
	pq->rx_packets += i;
	return i;
}

void
pcapdrv_release(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n)
{
	/* Slots are reused by the next burst; nothing to give back. */
	(void)q;
	(void)pkts;
	(void)n;
}
