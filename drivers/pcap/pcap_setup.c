/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcap driver, cold half: open a capture file (classic pcap in micro- or
 * nanosecond resolution, or pcapng) through libpcap, map its link type to
 * the framing the decoder knows, and refuse any other link type up front.
 * One file is one port with one queue, ending at end of file.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "pcap_priv.h"

/* Capture slots are at least this big, so an Ethernet jumbo frame fits even
 * when the file header claims a tiny snapshot length. */
#define PCAP_MIN_SLOT 65535u
/* libpcap refuses records larger than this (MAXIMUM_SNAPLEN). */
#define PCAP_MAX_SLOT 262144u

#define PCAP_LINKTYPE_RAW 101u

/*
 * The file's LINKTYPE_* from libpcap's DLT_* value. They are the same
 * numbers except where a platform's DLT_ differs: libpcap hands a
 * LINKTYPE_RAW (101) file over as DLT_RAW (12 on Linux).
 */
static uint32_t
pcapdrv_linktype(int dlt)
{
	return dlt == DLT_RAW ? PCAP_LINKTYPE_RAW : (uint32_t)dlt;
}

/* The classic pcap magic numbers as this host reads them when the file is
 * in its byte order: microsecond and nanosecond timestamps. */
#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
/* The native reader's buffer beyond the longest record: a refill reads
 * about this much. */
#define PCAP_NATIVE_READ (1u << 20)

int
pcapdrv_native_init(struct pcapdrv_queue *pq)
{
	struct pcapdrv_native *nr = &pq->nat;
	FILE *f = pcap_file(pq->pcap);
	struct stat st;
	uint32_t magic;
	int fd, snap;

	memset(nr, 0, sizeof(*nr));
	nr->fd = -1;
#ifdef WEIR_BENCH_SWITCHES
	/* benchmark builds only: libpcap reads everything (the baseline of
	 * perf/RESULTS.md "pcap records read in place") */
	if (getenv("WEIR_BENCH_LIBPCAP") != NULL)
		return 0;
#endif
	fd = f != NULL ? fileno(f) : -1;
	snap = pcap_snapshot(pq->pcap);
	if (fd < 0 || pcap_is_swapped(pq->pcap) || snap <= 0 || fstat(fd, &st) != 0 ||
	    !S_ISREG(st.st_mode) || pread(fd, &magic, sizeof(magic), 0) != (ssize_t)sizeof(magic) ||
	    (magic != PCAP_MAGIC_US && magic != PCAP_MAGIC_NS))
		return 0; /* libpcap reads: a pipe, pcapng, another byte order */
	nr->snap = (uint32_t)snap < pq->slot_size ? (uint32_t)snap : pq->slot_size;
	nr->ts_mult = magic == PCAP_MAGIC_US ? 1000u : 1u;
	nr->cap = PCAP_NATIVE_READ + nr->snap + 16u;
	nr->buf = malloc(nr->cap);
	if (nr->buf == NULL)
		return -ENOMEM;
	nr->off = 24; /* the file header, which libpcap read */
	nr->fd = fd;
	return 0;
}

void
pcapdrv_native_fini(struct pcapdrv_queue *pq)
{
	free(pq->nat.buf);
	pq->nat.buf = NULL;
	pq->nat.fd = -1; /* libpcap's: it closes it */
}

static int
pcapdrv_open(struct weir_port *port, const struct weir_port_conf *conf)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct pcapdrv_queue *pq;
	const char *base;
	pcap_t *p;
	int snap, dlt, ret;

	if (conf->n_queues != 1 && !conf->fewer_queues_ok) {
		WEIR_LOG(ERR, capture,
			 "pcap: %s: a capture file is one queue, but %u queues were asked for "
			 "(runmode workers with workers > 1: use runmode auto or pipeline, "
			 "or workers: 1)",
			 conf->name, conf->n_queues);
		return -EINVAL;
	}
	p = pcap_open_offline_with_tstamp_precision(conf->name, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (p == NULL) {
		WEIR_LOG(ERR, capture, "pcap: cannot read capture file: %s", errbuf);
		return -ENOENT;
	}
	dlt = pcap_datalink(p);
	if (dlt < 0 || weir_l2_from_linktype(pcapdrv_linktype(dlt), &port->l2) < 0) {
		const char *nm = pcap_datalink_val_to_name(dlt);

		WEIR_LOG(ERR, capture,
			 "pcap: %s: link type %s (%d) is not supported; supported: %s", conf->name,
			 nm ? nm : "unknown", dlt, weir_l2_names());
		ret = -ENOTSUP;
		goto err_close;
	}
	pq = aligned_alloc(64, (sizeof(*pq) + 63) & ~(size_t)63);
	if (pq == NULL) {
		ret = -ENOMEM;
		goto err_close;
	}
	memset(pq, 0, sizeof(*pq));
	snap = pcap_snapshot(p);
	pq->slot_size = snap > 0 && (unsigned)snap > PCAP_MIN_SLOT ? (unsigned)snap : PCAP_MIN_SLOT;
	if (pq->slot_size > PCAP_MAX_SLOT)
		pq->slot_size = PCAP_MAX_SLOT;
	pq->arena = malloc((size_t)WEIR_BURST * pq->slot_size);
	if (pq->arena == NULL) {
		ret = -ENOMEM;
		goto err_free;
	}
	pq->pcap = p;
	ret = pcapdrv_native_init(pq);
	if (ret < 0)
		goto err_arena;
	port->priv = pq;
	port->n_queues = 1;
	port->rss_symmetric = true; /* one queue: trivially */
	port->offline = true;
	port->rxq[0] = &pq->rxq;
	pq->rxq.priv = pq;
	base = strrchr(conf->name, '/');
	snprintf(port->name, sizeof(port->name), "%s", base ? base + 1 : conf->name);
	return 0;

err_arena:
	free(pq->arena);
err_free:
	free(pq);
err_close:
	pcap_close(p);
	return ret;
}

static int
pcapdrv_stats(const struct weir_port *port, struct weir_port_stats *st)
{
	const struct pcapdrv_queue *pq = port->priv;

	st->rx_packets = pq->rx_packets;
	st->rx_bytes = pq->rx_bytes;
	if (pq->read_error)
		snprintf(st->error, sizeof(st->error), "%s", pq->errbuf);
	return 0;
}

static void
pcapdrv_close(struct weir_port *port)
{
	struct pcapdrv_queue *pq = port->priv;

	if (pq == NULL)
		return;
	pcapdrv_native_fini(pq);
	pcap_close(pq->pcap);
	free(pq->arena);
	free(pq);
	port->priv = NULL;
}

const struct weir_capture_ops pcap_capture_ops = {
	.name = "pcap",
	.open = pcapdrv_open,
	.stats = pcapdrv_stats,
	.close = pcapdrv_close,
	.rx_burst = pcapdrv_rx_burst,
	.release = pcapdrv_release,
};
