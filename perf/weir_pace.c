/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weir-pace: a rate-controlled DPDK load generator. It loads a capture
 * into memory and sends its packets, in order and looping, on port 0 (a
 * vdev the EAL arguments name: net_memif in server role, net_ring, a
 * NIC) at a fixed packet rate, for a bounded count and time. It is what
 * makes "50 % of the maximum rate" reachable for the latency figures of
 * issue 15, where the veth + tcpreplay pair tops out near 150 kpps here.
 *
 *   weir-pace [EAL args] -- -r FILE -p PPS [-b BURST] [-n COUNT] [-t SECONDS]
 *             [-w LINK_WAIT_S] [-x PEER_WAIT_S] [-R RETRY_MS]
 *
 * -x: after the last packet, wait up to PEER_WAIT_S for the link to go
 * down (the receiver, weir with --count, took everything and exited), so
 * that closing the port cannot take packets the receiver has not read
 * yet; exit 3 when it stays up.
 *
 * Pacing: packet k is due at start + k / PPS. The loop sends every packet
 * that is due, up to BURST (32) per rx-style burst, so at low rates bursts
 * are one packet, as a NIC hands them over, and at high rates they grow.
 * Between bursts it sleeps until 2 us before the next one is due when
 * that is more than 5 us away (timer slack 1 us), leaving the CPU to
 * others: on a two-CPU machine weir's threads need it; it spins on the
 * TSC for the rest. A burst the port does not take whole is
 * retried for up to RETRY_MS (1 ms; the receiver is behind), then its
 * rest is counted as dropped, never silently lost. A long RETRY_MS makes
 * the generator wait for a receiver that is still starting (the smoke
 * test: weir's memif port is up before its worker polls). Prints what it sent, the rate
 * it achieved, the drops and the largest burst.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#define PACE_BURST_MAX	 64
#define PACE_POOL	 8191
#define PACE_SLEEP_NS	 5000 /* sleep when the next burst is this far */
#define PACE_SLACK_NS	 1000 /* this thread's timer slack */
#define PACE_RING	 1024 /* rx and tx descriptors */
#define PACE_MAX_PACKETS 10000000

struct pace_cap {
	uint8_t *data;
	uint32_t *off;
	uint16_t *len;
	uint32_t n;
};

struct pace_opt {
	const char *file;
	double pps;
	unsigned int burst;
	uint64_t count;
	double seconds;
	double link_wait;
	double peer_wait;
	double retry_ms;
};

static void
pace_usage(void)
{
	fprintf(stderr,
		"usage: weir-pace [EAL args] -- -r FILE -p PPS [-b BURST (32, <= %d)]\n"
		"                 [-n COUNT (the capture once)] [-t SECONDS (60)]\n"
		"                 [-w LINK_WAIT_S (10)]\n",
		PACE_BURST_MAX);
}

/* Every packet of @p path into @p c (frames up to the mbuf's room). */
static int
pace_load(const char *path, struct pace_cap *c)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *p;
	size_t used = 0, cap = 1 << 20;
	uint32_t room = 1 << 16;
	pcap_t *pc;
	int rc;

	pc = pcap_open_offline(path, err);
	if (pc == NULL) {
		fprintf(stderr, "weir-pace: %s: %s\n", path, err);
		return -1;
	}
	c->data = malloc(cap);
	c->off = malloc(room * sizeof(*c->off));
	c->len = malloc(room * sizeof(*c->len));
	c->n = 0;
	rc = 0;
	while (c->data != NULL && c->off != NULL && c->len != NULL &&
	       (rc = pcap_next_ex(pc, &h, &p)) == 1) {
		if (h->caplen == 0 || h->caplen > RTE_MBUF_DEFAULT_DATAROOM)
			continue;
		if (c->n == PACE_MAX_PACKETS)
			break;
		if (used + h->caplen > cap) {
			uint8_t *d = realloc(c->data, cap * 2);

			if (d == NULL) {
				rc = -3; /* out of memory */
				break;
			}
			c->data = d;
			cap *= 2;
		}
		if (c->n == room) {
			uint32_t *o = realloc(c->off, room * 2 * sizeof(*c->off));
			uint16_t *l =
				o != NULL ? realloc(c->len, room * 2 * sizeof(*c->len)) : NULL;

			if (o != NULL)
				c->off = o;
			if (l == NULL) {
				rc = -3;
				break;
			}
			c->len = l;
			room *= 2;
		}
		memcpy(c->data + used, p, h->caplen);
		c->off[c->n] = (uint32_t)used;
		c->len[c->n] = (uint16_t)h->caplen;
		used += h->caplen;
		c->n++;
	}
	if (rc == -1)
		fprintf(stderr, "weir-pace: %s: %s\n", path, pcap_geterr(pc));
	pcap_close(pc);
	if (rc == -3 || c->data == NULL || c->off == NULL || c->len == NULL)
		fprintf(stderr, "weir-pace: out of memory loading %s\n", path);
	if (rc == -1 || rc == -3 || c->data == NULL || c->off == NULL || c->len == NULL)
		return -1; /* main frees what was allocated */
	if (c->n == 0) {
		fprintf(stderr, "weir-pace: %s: no packet to send\n", path);
		return -1;
	}
	return 0;
}

static int
pace_parse(int argc, char **argv, struct pace_opt *o)
{
	int c;

	*o = (struct pace_opt){.burst = 32, .seconds = 60, .link_wait = 10, .retry_ms = 1};
	while ((c = getopt(argc, argv, "r:p:b:n:t:w:x:R:h")) != -1) {
		switch (c) {
		case 'r':
			o->file = optarg;
			break;
		case 'p':
			o->pps = strtod(optarg, NULL);
			break;
		case 'b':
			o->burst = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			o->count = strtoull(optarg, NULL, 10);
			break;
		case 't':
			o->seconds = strtod(optarg, NULL);
			break;
		case 'w':
			o->link_wait = strtod(optarg, NULL);
			break;
		case 'x':
			o->peer_wait = strtod(optarg, NULL);
			break;
		case 'R':
			o->retry_ms = strtod(optarg, NULL);
			break;
		default:
			pace_usage();
			return -1;
		}
	}
	if (o->file == NULL || !(o->pps > 0) || o->burst == 0 || o->burst > PACE_BURST_MAX ||
	    !(o->seconds > 0) || !(o->link_wait >= 0) || !(o->peer_wait >= 0) ||
	    !(o->retry_ms >= 0)) {
		pace_usage();
		return -1;
	}
	return 0;
}

/* Wait up to @p seconds for port 0's link to be @p up; @return 0 when it is. */
static int
pace_link_wait(bool up, double seconds)
{
	const struct timespec tick = {.tv_sec = 0, .tv_nsec = 10000000};
	struct rte_eth_link link;
	int waits;

	for (waits = 0; waits <= (int)(seconds * 100); waits++) {
		if (rte_eth_link_get_nowait(0, &link) == 0 &&
		    (link.link_status == RTE_ETH_LINK_UP) == up)
			return 0;
		nanosleep(&tick, NULL);
	}
	return -1;
}

static int
pace_port(struct rte_mempool *mp, double link_wait)
{
	struct rte_eth_conf conf;
	int rc;

	if (rte_eth_dev_count_avail() == 0) {
		fprintf(stderr, "weir-pace: no port (give a --vdev)\n");
		return -1;
	}
	memset(&conf, 0, sizeof(conf));
	/* transmit only: weir receives only (it sets up no tx queue), and a
	 * memif peer refuses a connection whose queue counts do not match */
	(void)mp;
	rc = rte_eth_dev_configure(0, 0, 1, &conf);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(0, 0, PACE_RING, rte_eth_dev_socket_id(0), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(0);
	if (rc != 0) {
		fprintf(stderr, "weir-pace: port 0 setup: %s\n", rte_strerror(-rc));
		return -1;
	}
	/* a memif link is up once the peer (weir, the server) accepted us */
	if (pace_link_wait(true, link_wait) == 0)
		return 0;
	fprintf(stderr, "weir-pace: port 0: no link after %.0f s\n", link_wait);
	return -1;
}

int
main(int argc, char **argv)
{
	struct rte_mbuf *m[PACE_BURST_MAX];
	uint64_t hz, t0, due, now, end, sent = 0, dropped = 0, retried = 0, i;
	unsigned int biggest = 0;
	struct rte_mempool *mp;
	struct pace_cap cap;
	struct pace_opt o;
	double per_pkt;
	int eal, rc = 0;

	eal = rte_eal_init(argc, argv);
	if (eal < 0) {
		fprintf(stderr, "weir-pace: EAL: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	argc -= eal;
	argv += eal;
	memset(&cap, 0, sizeof(cap));
	if (pace_parse(argc, argv, &o) != 0 || pace_load(o.file, &cap) != 0) {
		rc = 2;
		goto out;
	}
	if (o.count == 0)
		o.count = cap.n;
	mp = rte_pktmbuf_pool_create("pace", PACE_POOL, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "weir-pace: mbuf pool: %s\n", rte_strerror(rte_errno));
		rc = 2;
		goto out;
	}
	if (pace_port(mp, o.link_wait) != 0) {
		rc = 2;
		goto out;
	}
	/* best effort: without it the sleeps are only longer */
	(void)prctl(PR_SET_TIMERSLACK, (unsigned long)PACE_SLACK_NS, 0, 0, 0);
	hz = rte_get_tsc_hz();
	per_pkt = (double)hz / o.pps;
	t0 = rte_rdtsc();
	end = t0 + (uint64_t)(o.seconds * (double)hz);
	while (sent + dropped < o.count) {
		uint64_t k = sent + dropped, n, done = 0, give_up;

		due = t0 + (uint64_t)((double)k * per_pkt);
		now = rte_rdtsc();
		if (now >= end)
			break;
		if (now < due) {
			if ((due - now) * 1000000000 / hz > PACE_SLEEP_NS) {
				const struct timespec ts = {
					.tv_sec = 0,
					.tv_nsec = (long)((due - now) * 1000000000 / hz) - 2000};

				nanosleep(&ts, NULL);
			} else {
				rte_pause();
			}
			continue;
		}
		/* every packet due by now, up to a burst */
		n = (uint64_t)((double)(now - t0) / per_pkt) + 1 - k;
		if (n > o.burst)
			n = o.burst;
		if (n > o.count - k)
			n = o.count - k;
		if (rte_pktmbuf_alloc_bulk(mp, m, (unsigned int)n) != 0) {
			rte_pause(); /* mbufs still in the receiver's ring */
			continue;
		}
		for (i = 0; i < n; i++) {
			uint32_t p = (uint32_t)((k + i) % cap.n);
			char *d = rte_pktmbuf_append(m[i], cap.len[p]);

			memcpy(d, cap.data + cap.off[p], cap.len[p]);
		}
		give_up = rte_rdtsc() + (uint64_t)(o.retry_ms * (double)hz / 1000.0);
		for (;;) {
			done += rte_eth_tx_burst(0, 0, m + done, (uint16_t)(n - done));
			if (done == n || rte_rdtsc() > give_up)
				break;
			retried++;
			rte_pause();
		}
		if (done < n)
			rte_pktmbuf_free_bulk(m + done, (unsigned int)(n - done));
		sent += done;
		dropped += n - done;
		if (n > biggest)
			biggest = (unsigned int)n;
	}
	now = rte_rdtsc();
	printf("weir-pace: sent %" PRIu64 " packets in %.3f s: %.0f pps (asked %.0f), "
	       "dropped %" PRIu64 " (port refused them for %.0f ms), %" PRIu64
	       " retries, largest burst %u\n",
	       sent, (double)(now - t0) / (double)hz,
	       now > t0 ? (double)sent * (double)hz / (double)(now - t0) : 0.0, o.pps, dropped,
	       o.retry_ms, retried, biggest);
	{
		struct rte_eth_stats es;

		if (rte_eth_stats_get(0, &es) == 0)
			printf("weir-pace: port 0: opackets %" PRIu64 " oerrors %" PRIu64 "\n",
			       es.opackets, es.oerrors);
	}
	if (o.peer_wait > 0 && pace_link_wait(false, o.peer_wait) != 0) {
		fprintf(stderr,
			"weir-pace: the peer kept the link up %.0f s after the last packet\n",
			o.peer_wait);
		rc = 3;
	}
	rte_eth_dev_stop(0);
	if (rc == 0 && sent + dropped < o.count)
		rc = 1;
out:
	if (rte_eth_dev_count_avail() != 0)
		rte_eth_dev_close(0);
	rte_eal_cleanup();
	free(cap.data);
	free(cap.off);
	free(cap.len);
	return rc;
}
