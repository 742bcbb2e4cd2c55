/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcap driver, hot half: hand out the capture file's next packets. A
 * classic pcap file in this host's byte order is read by the native reader
 * (pcap_priv.h): records parsed in its buffer, packets handed out in place.
 * Anything else goes through libpcap, whose buffer is valid only until the
 * next pcap_next_ex() call, so each packet of a burst gets its own slot of
 * the arena. Either way a packet's bytes stay valid until the next burst.
 * Reading a file is a syscall now and then; this driver serves offline
 * replay, where that is the point.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "pcap_priv.h"

/* A record header of a classic pcap file: ts seconds, ts fraction, the
 * captured and the wire length, 32 bits each in the file's byte order. */
#define NATIVE_RECHDR 16u
/* Read more before a burst when fewer bytes than this are left. */
#define NATIVE_LOW 65536u

/* The records not yet handed out are moved to the buffer's start and the
 * file is read after them. @return bytes added; 0 at the end of the file
 * or on a read error (then nr->read_failed: libpcap will meet it again
 * and report it in its words). */
static size_t
native_refill(struct pcapdrv_native *nr)
{
	size_t left = nr->len - nr->pos, added = 0;

	if (nr->pos > 0) {
		memmove(nr->buf, nr->buf + nr->pos, left);
		nr->off += nr->pos;
		nr->pos = 0;
		nr->len = left;
	}
	while (nr->len < nr->cap) {
		ssize_t got = pread(nr->fd, nr->buf + nr->len, nr->cap - nr->len,
				    (off_t)(nr->off + nr->len));

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			nr->read_failed = true;
		if (got <= 0)
			break;
		nr->len += (size_t)got;
		added += (size_t)got;
	}
	return added;
}

/* From the next record on, libpcap reads: its FILE is moved there. Only
 * at a burst's start: it frees the buffer the last burst's packets were
 * in. */
static void
native_handover(struct pcapdrv_queue *pq)
{
	struct pcapdrv_native *nr = &pq->nat;

	if (fseeko(pcap_file(pq->pcap), (off_t)(nr->off + nr->pos), SEEK_SET) != 0) {
		pq->read_error = 1;
		snprintf(pq->errbuf, sizeof(pq->errbuf), "cannot seek in the capture file: %s",
			 strerror(errno));
		pq->rxq.eof = true;
	}
	nr->handovers++;
	pcapdrv_native_fini(pq);
}

/* @return packets handed out; 0 with nat.fd still set: end of file
 * (rxq.eof set); 0 with nat.fd -1: libpcap reads on from here. */
static uint16_t
native_burst(struct pcapdrv_queue *pq, struct weir_pkt *pkts, uint16_t n)
{
	struct pcapdrv_native *nr = &pq->nat;
	uint16_t i = 0;
	bool refilled = false;

	if (nr->len - nr->pos < NATIVE_LOW) {
		native_refill(nr);
		refilled = true;
	}
	for (;;) {
		while (i < n) {
			const uint8_t *h = nr->buf + nr->pos;
			size_t avail = nr->len - nr->pos;
			int32_t sec, frac;
			uint32_t caplen, wlen;

			if (avail < NATIVE_RECHDR)
				break;
			memcpy(&sec, h, 4);
			memcpy(&frac, h + 4, 4);
			memcpy(&caplen, h + 8, 4);
			memcpy(&wlen, h + 12, 4);
			if (caplen > nr->snap) {
				/* libpcap cuts it (or refuses it), at the next
				 * burst: this one's packets lie in the buffer */
				if (i == 0)
					native_handover(pq);
				goto out;
			}
			if (avail - NATIVE_RECHDR < caplen)
				break;
			pkts[i].data = h + NATIVE_RECHDR;
			pkts[i].len = caplen;
			pkts[i].wire_len = wlen > caplen ? wlen : caplen;
			/* as libpcap hands them over, opened with nanosecond
			 * precision: signed 32-bit seconds and fraction, a
			 * microsecond fraction times 1000 */
			pkts[i].ts_ns = (uint64_t)(int64_t)sec * 1000000000ull +
					(uint64_t)((int64_t)frac * nr->ts_mult);
			pkts[i].handle = NULL;
			pkts[i].pcap_cnt = pq->rx_packets + i + 1u;
			pq->rx_bytes += pkts[i].wire_len;
			nr->pos += NATIVE_RECHDR + caplen;
			i++;
		}
		/* A burst never reads mid-way: the packets it handed out lie
		 * in the buffer that a refill moves. */
		if (i > 0 || i == n)
			break;
		if (refilled && nr->len - nr->pos == 0 && !nr->read_failed) {
			pq->rxq.eof = true; /* the file ended after a whole record */
			break;
		}
		if (refilled || native_refill(nr) == 0) {
			/* a record cut short by the end of the file, or a read
			 * error: libpcap reads it and says what is wrong */
			native_handover(pq);
			break;
		}
		refilled = true;
	}
out:
	nr->packets += i;
	pq->rx_packets += i;
	return i;
}

uint16_t
pcapdrv_rx_burst(struct weir_rxq *q, struct weir_pkt *pkts, uint16_t n)
{
	struct pcapdrv_queue *pq = (struct pcapdrv_queue *)q;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint16_t i = 0;

	if (n > WEIR_BURST)
		n = WEIR_BURST;
	if (pq->nat.fd >= 0) {
		i = native_burst(pq, pkts, n);
		if (i > 0 || pq->nat.fd >= 0 || q->eof)
			return i;
	}
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
	/* Slots and the native buffer are reused by the next burst; nothing
	 * to give back. */
	(void)q;
	(void)pkts;
	(void)n;
}
