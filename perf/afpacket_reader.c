/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * afpacket-reader: the baseline for perf/bench_afxdp.sh. A plain AF_PACKET
 * socket read with recvmmsg() in batches of 32, each frame through weir's
 * own decoder and rule set (weir_decode, weir_ruleset_load, hs_scan with
 * one alert per (packet, rule) as weir counts them): the same matching as
 * weir over AF_XDP, minus events and sinks, and a syscall per batch plus a
 * kernel copy per packet. Prints packets, alerts and CPU seconds used.
 *
 *   afpacket-reader -i IFNAME -S RULES [-n PACKETS] [-t SECONDS]   (SIGINT ends it)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <hs/hs.h>

#include "decode.h"
#include "rules.h"

#define RD_BATCH 32
#define RD_SNAP	 2048

struct rd_ctx {
	uint32_t *seen; /* per rule: sequence number of the last packet it alerted on */
	uint32_t seq;
	uint64_t alerts;
};

static int
rd_on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
	    void *arg)
{
	struct rd_ctx *c = arg;

	(void)from;
	(void)to;
	(void)flags;
	if (c->seen[id] != c->seq) {
		c->seen[id] = c->seq;
		c->alerts++;
	}
	return 0;
}

static volatile sig_atomic_t g_stop;

static void
rd_on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

static double
rd_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	static uint8_t bufs[RD_BATCH][RD_SNAP];
	struct mmsghdr msgs[RD_BATCH];
	struct iovec iov[RD_BATCH];
	struct weir_ruleset_opts ropts = {.skip_invalid = 0};
	struct timeval tv = {.tv_sec = 0, .tv_usec = 100000};
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL)};
	const char *ifname = NULL, *rules[8];
	unsigned int n_rules = 0, i;
	uint64_t want = 0, pkts = 0;
	double limit_s = 30, cpu0 = 0;
	struct weir_ruleset *rs;
	struct weir_diags ds;
	struct rd_ctx ctx = {0};
	hs_scratch_t *scratch = NULL;
	time_t t_end;
	int opt, fd, rcvbuf = 64 << 20;

	while ((opt = getopt(argc, argv, "i:S:n:t:")) != -1) {
		if (opt == 'i')
			ifname = optarg;
		else if (opt == 'S' && n_rules < 8)
			rules[n_rules++] = optarg;
		else if (opt == 'n')
			want = strtoull(optarg, NULL, 10);
		else if (opt == 't')
			limit_s = atof(optarg);
		else
			goto usage;
	}
	if (ifname == NULL || n_rules == 0)
		goto usage;
	if (weir_diags_init(&ds, 16) < 0)
		return 1;
	rs = weir_ruleset_load(rules, n_rules, &ropts, &ds);
	if (rs == NULL || weir_ruleset_sole_db(rs) == NULL ||
	    hs_clone_scratch(rs->scratch_proto, &scratch) != HS_SUCCESS) {
		fprintf(stderr, "afpacket-reader: rules: cannot load\n");
		return 1;
	}
	ctx.seen = calloc(rs->n_rules, sizeof(*ctx.seen));
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	if (ctx.seen == NULL || fd < 0 || sll.sll_ifindex == 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "afpacket-reader: %s: %s\n", ifname, strerror(errno));
		return 1;
	}
	/* SO_RCVBUFFORCE: as root, past net.core.rmem_max, so a burst waits in
	 * the socket instead of being dropped while we scan. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (i = 0; i < RD_BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = RD_SNAP;
		memset(&msgs[i], 0, sizeof(msgs[i]));
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	signal(SIGINT, rd_on_signal); /* ends the loop; the counts are printed */
	fprintf(stderr, "afpacket-reader: running on %s\n", ifname);
	t_end = time(NULL) + (time_t)limit_s;
	while (!g_stop && (want == 0 || pkts < want) && time(NULL) < t_end) {
		int n = recvmmsg(fd, msgs, RD_BATCH, MSG_WAITFORONE, NULL);

		if (n <= 0)
			continue;
		if (pkts == 0)
			cpu0 = rd_cpu_s();
		for (i = 0; i < (unsigned int)n; i++) {
			struct weir_decoded d;
			uint32_t len = msgs[i].msg_len < RD_SNAP ? msgs[i].msg_len : RD_SNAP;

			ctx.seq++;
			if (weir_decode(bufs[i], len, WEIR_L2_ETH, &d) == WEIR_DEC_OK &&
			    d.payload_len > 0)
				hs_scan(weir_ruleset_sole_db(rs), (const char *)d.payload,
					d.payload_len, 0, scratch, rd_on_match, &ctx);
		}
		pkts += (uint64_t)n;
	}
	printf("afpacket-reader: packets %" PRIu64 " alerts %" PRIu64 " cpu_s %.3f\n", pkts,
	       ctx.alerts, rd_cpu_s() - cpu0);
	return 0;
usage:
	fprintf(stderr, "usage: afpacket-reader -i IFNAME -S RULES [-n PACKETS] [-t SECONDS]\n");
	return 1;
}
