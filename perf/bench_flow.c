/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-flow: the cost of the flow step of the worker's path
 * (weir_flow_process per packet, or weir_flow_process_burst per burst,
 * plus weir_flow_burst_begin and a weir_flow_expire slice per burst of 32;
 * and `worker`: the calls app/worker.c makes, weir_flow_prepare for the
 * whole burst, weir_flow_prefetch_flow a few packets ahead,
 * weir_flow_process_next and weir_flow_scan_info per packet)
 * at a given number of concurrent flows, with uniform, Zipf-like or
 * cyclic (-c: every flow in turn, as net_pcap replays a capture of one
 * packet per flow) access over them. Packets are built on the fly from a precomputed sequence of
 * flow indices; the same loop without the flow calls is timed too and
 * subtracted, so what is printed is the table's own cost.
 *
 * usage: bench-flow [-n FLOWS[,FLOWS...]] [-p PACKETS] [-r REPS] [-s SEED]
 *                   [-z ZIPF_S] [-u] [-c] [-x] [-m MEMCAP_MIB] [-o MODE]
 * -m sizes the table from a memcap as weir does (flow.memcap; default:
 * entries = 1.25 x flows); -o times one mode only (single, burst or
 * worker; with the packet-building loop), for a profiler; -x creates the
 * flows in a random order instead of in index order, so that -c's cycle
 * is not the order the table handed their slots out in (a replayed
 * capture meets its flows in creation order: a table that hands slots out
 * in order is then read as a stream; real traffic is not).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flow.h"

#define BENCH_BURST	    32
#define BENCH_EXPIRE_BUDGET 8 /* slots per burst: a full pass per 4 Mi packets at 1 Mi flows */
#define BENCH_MAX_SIZES	    8
#define BENCH_WORKER_AHEAD  4 /* app/worker.c's WORKER_FLOW_AHEAD */

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: the machine is shared */
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t
bench_rand(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * Packet @p i of the sequence: flow @p idx >> 1, direction idx & 1.
 * Flow k is 10.(k>>16).(k>>8).k:(1024 + k % 50000) <-> 192.168.0.(k % 200):443.
 */
static inline void
bench_fill(struct weir_flow_pkt *p, uint32_t idx, uint64_t i, bool udp)
{
	uint32_t k = idx >> 1, a = 0x0a000000u | (k & 0xffffffu);
	uint8_t c[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
	uint8_t s[4] = {192, 168, 0, (uint8_t)(k % 200)};
	uint16_t cp = (uint16_t)(1024 + k % 50000), sp = 443;

	if (idx & 1) {
		memcpy(p->src, s, 4);
		memcpy(p->dst, c, 4);
		p->sport = sp;
		p->dport = cp;
	} else {
		memcpy(p->src, c, 4);
		memcpy(p->dst, s, 4);
		p->sport = cp;
		p->dport = sp;
	}
	p->proto = udp ? IPPROTO_UDP : IPPROTO_TCP;
	p->tcp_flags = 0x18; /* ACK|PSH: picked up midstream */
	p->tcp_seq = (uint32_t)i * 100;
	p->tcp_ack = 1;
	p->payload_len = 100;
	p->wire_len = 154;
	p->ts_ns = 1000000000ull + i * 1000; /* 1 us apart: nothing times out */
}

/* Flow indices (with direction bit) of every packet: uniform, or Zipf
 * with exponent @p zs over a random permutation of the flows. */
static uint32_t *
bench_sequence(uint32_t flows, uint64_t n, double zs, uint64_t seed)
{
	uint32_t *seq = malloc(n * sizeof(*seq)), *perm = NULL;
	double *cdf = NULL;
	uint64_t i;

	if (seq == NULL)
		return NULL;
	if (zs < 0) { /* cyclic: every flow in turn, one direction */
		for (i = 0; i < n; i++)
			seq[i] = (uint32_t)(i % flows) << 1;
	} else if (zs > 0) {
		cdf = malloc(flows * sizeof(*cdf));
		perm = malloc(flows * sizeof(*perm));
		if (cdf == NULL || perm == NULL)
			goto err_free;
		double sum = 0;

		for (i = 0; i < flows; i++) {
			sum += 1.0 / pow((double)(i + 1), zs);
			cdf[i] = sum;
			perm[i] = (uint32_t)i;
		}
		for (i = flows - 1; i > 0; i--) {
			uint32_t j = (uint32_t)(bench_rand(&seed) % (i + 1)), tmp = perm[i];

			perm[i] = perm[j];
			perm[j] = tmp;
		}
		for (i = 0; i < n; i++) {
			double u = (double)(bench_rand(&seed) >> 11) * 0x1.0p-53 * sum;
			uint32_t lo = 0, hi = flows - 1;

			while (lo < hi) {
				uint32_t mid = lo + (hi - lo) / 2;

				if (cdf[mid] < u)
					lo = mid + 1;
				else
					hi = mid;
			}
			seq[i] = perm[lo] << 1 | (uint32_t)(bench_rand(&seed) & 1);
		}
	} else {
		for (i = 0; i < n; i++) {
			uint64_t r = bench_rand(&seed);

			seq[i] = (uint32_t)((r >> 1) % flows) << 1 | (uint32_t)(r & 1);
		}
	}
	free(cdf);
	free(perm);
	return seq;

err_free:
	free(cdf);
	free(perm);
	free(seq);
	return NULL;
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

enum bench_mode { BENCH_MODE_LOOP, BENCH_MODE_SINGLE, BENCH_MODE_BURST, BENCH_MODE_WORKER };
#define BENCH_MODES 4

/*
 * One timed pass over @p n packets in bursts of BENCH_BURST: build the
 * burst's packets, then (BENCH_MODE_LOOP) nothing else, (BENCH_MODE_SINGLE) one
 * weir_flow_process per packet, (BENCH_MODE_BURST) weir_flow_process_burst,
 * or (BENCH_MODE_WORKER) what app/worker.c calls: weir_flow_prepare for
 * the burst, then per packet weir_flow_prefetch_flow BENCH_WORKER_AHEAD
 * packets ahead, weir_flow_process_next and weir_flow_scan_info.
 * Each burst starts with an expire slice and weir_flow_burst_begin (the
 * worker's expire slice comes at the burst's end: the same per burst).
 */
static double
bench_pass(struct weir_flow_table *t, const uint32_t *seq, uint64_t n, uint64_t base, bool udp,
	   enum bench_mode mode, uint64_t *sink)
{
	struct weir_flow_pkt p[BENCH_BURST];
	struct weir_flow *fl[BENCH_BURST];
	struct weir_flow_ahead fa[BENCH_BURST];
	struct weir_scan_flowinfo fi;
	uint32_t o[BENCH_BURST];
	uint64_t i, acc = 0;
	unsigned int j, m;
	double t0;

	memset(p, 0, sizeof(p));
	for (j = 0; j < BENCH_BURST; j++)
		p[j].ip_version = 4;
	t0 = bench_now();
	for (i = 0; i < n; i += m) {
		m = n - i < BENCH_BURST ? (unsigned int)(n - i) : BENCH_BURST;
		for (j = 0; j < m; j++)
			bench_fill(&p[j], seq[i + j], base + i + j, udp);
		switch (mode) {
		case BENCH_MODE_LOOP:
			for (j = 0; j < m; j++)
				acc += p[j].tcp_seq + p[j].src[3];
			continue;
		case BENCH_MODE_SINGLE:
			weir_flow_expire(t, p[0].ts_ns, BENCH_EXPIRE_BUDGET);
			weir_flow_burst_begin(t);
			for (j = 0; j < m; j++)
				fl[j] = weir_flow_process(t, &p[j], &o[j]);
			break;
		case BENCH_MODE_BURST:
			weir_flow_expire(t, p[0].ts_ns, BENCH_EXPIRE_BUDGET);
			weir_flow_burst_begin(t);
			weir_flow_process_burst(t, p, m, fl, o);
			break;
		case BENCH_MODE_WORKER:
			for (j = 0; j < m; j++) {
				weir_flow_prepare_key(t, &p[j], &fa[j]);
				if (j < 2 * BENCH_WORKER_AHEAD)
					weir_flow_prefetch_head(t, &fa[j]);
			}
			for (j = 0; j < m && j < BENCH_WORKER_AHEAD; j++)
				weir_flow_prefetch_flow(t, &fa[j]);
			for (j = 0; j < m; j++) {
				if (j + 2 * BENCH_WORKER_AHEAD < m)
					weir_flow_prefetch_head(t, &fa[j + 2 * BENCH_WORKER_AHEAD]);
				if (j + BENCH_WORKER_AHEAD < m)
					weir_flow_prefetch_flow(t, &fa[j + BENCH_WORKER_AHEAD]);
				fl[j] = weir_flow_process_next(t, &p[j], &fa[j], &o[j]);
				if (fl[j] != NULL)
					acc += weir_flow_scan_info(fl[j], &fi)->pkts[0];
			}
			weir_flow_expire(t, p[m - 1].ts_ns, BENCH_EXPIRE_BUDGET);
			break;
		}
		for (j = 0; j < m; j++)
			acc += fl[j] != NULL ? fl[j]->pkts[0] + o[j] : 1;
	}
	*sink += acc;
	return bench_now() - t0;
}

static double
bench_median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), bench_cmp);
	return v[n / 2];
}

/* -o: the one mode timed (0: all) */
static unsigned int bench_only;
/* -x: flows created in a random order */
static bool bench_shuffle;

static int
bench_one(uint32_t flows, uint64_t n, unsigned int reps, double zs, uint64_t seed, bool udp,
	  uint64_t memcap)
{
	static const char *const mode_name[] = {"loop", "single", "burst", "worker"};
	struct weir_flow_conf conf;
	struct weir_flow_table *t;
	struct weir_flow_stats st;
	uint32_t *seq, *warm;
	double *ns[BENCH_MODES] = {NULL, NULL, NULL, NULL}, med[BENCH_MODES];
	uint64_t sink = 0, i, clock = 0;
	unsigned int r, m;
	int ret = 0;

	weir_flow_conf_defaults(&conf);
	conf.entries = flows + flows / 4; /* 80 % full: no emergency */
	if (memcap != 0) {
		conf.entries = 0;
		conf.memcap = memcap;
	}
	conf.seed = seed;
	conf.midstream = true;
	t = weir_flow_table_create(&conf);
	seq = bench_sequence(flows, n, zs, seed);
	warm = malloc((uint64_t)flows * sizeof(*warm));
	for (m = 0; m < BENCH_MODES; m++)
		ns[m] = calloc(reps, sizeof(double));
	if (t == NULL || seq == NULL || warm == NULL || ns[0] == NULL || ns[1] == NULL ||
	    ns[2] == NULL || ns[3] == NULL) {
		fprintf(stderr, "bench-flow: out of memory for %u flows\n", flows);
		ret = -ENOMEM;
		goto out;
	}
	/* every flow exists before timing (one packet each, in order) */
	for (i = 0; i < flows; i++)
		warm[i] = (uint32_t)i << 1;
	if (bench_shuffle) {
		uint64_t rs = seed ^ 0x5eed;

		for (i = flows - 1; i > 0; i--) { /* Fisher-Yates */
			uint64_t j = bench_rand(&rs) % (i + 1);
			uint32_t x = warm[i];

			warm[i] = warm[j];
			warm[j] = x;
		}
	}
	bench_pass(t, warm, flows, clock, udp, BENCH_MODE_SINGLE, &sink);
	clock += flows;
	/* modes interleaved, so that load from other users hits them alike */
	for (r = 0; r < reps; r++) {
		for (m = 0; m < BENCH_MODES; m++) {
			if (bench_only != 0 && m != 0 && m != bench_only)
				continue;
			ns[m][r] = bench_pass(t, seq, n, clock, udp, (enum bench_mode)m, &sink) *
				   1e9 / (double)n;
			clock += n;
		}
	}
	for (m = 0; m < BENCH_MODES; m++)
		med[m] = bench_median(ns[m], reps);
	weir_flow_stats_get(t, &st);
	for (m = 1; m < BENCH_MODES; m++)
		if (bench_only == 0 || m == bench_only)
			printf("flows %8u %-7s%s %s %-6s: %6.1f ns/pkt median of %u (min %6.1f; "
			       "packet "
			       "building alone %4.1f) -> net %6.1f ns/pkt = %6.2f Mpps; mem/flow "
			       "%.0f B\n",
			       flows,
			       zs > 0	? "zipf"
			       : zs < 0 ? "cyclic"
					: "uniform",
			       bench_shuffle ? " (created shuffled)" : "", udp ? "udp" : "tcp",
			       mode_name[m], med[m], reps, ns[m][0], med[0], med[m] - med[0],
			       1e3 / (med[m] - med[0]),
			       (double)st.memory_bytes / (double)weir_flow_capacity(t));
	if (st.created != flows || st.evicted != 0 || st.refused != 0) {
		fprintf(stderr, "bench-flow: flows were lost during the run\n");
		ret = -EPROTO;
	}
	if (sink == 42) /* keep the loops */
		printf("\n");
out:
	for (m = 0; m < BENCH_MODES; m++)
		free(ns[m]);
	free(warm);
	free(seq);
	weir_flow_table_destroy(t);
	return ret;
}

int
main(int argc, char **argv)
{
	uint32_t sizes[BENCH_MAX_SIZES] = {1000, 100000, 1000000};
	unsigned int n_sizes = 3, reps = 5, i;
	uint64_t pkts = 5000000, seed = 1, memcap = 0;
	double zs = 0.99;
	bool udp = false, cyclic = false;
	int c, ret = 0;

	while ((c = getopt(argc, argv, "n:p:r:s:z:ucm:o:xh")) != -1) {
		switch (c) {
		case 'n': {
			char *s = optarg, *end;

			for (n_sizes = 0; n_sizes < BENCH_MAX_SIZES && *s != '\0'; n_sizes++) {
				sizes[n_sizes] = (uint32_t)strtoul(s, &end, 10);
				if (end == s || sizes[n_sizes] == 0)
					goto usage;
				s = *end == ',' ? end + 1 : end;
			}
			break;
		}
		case 'p':
			pkts = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			reps = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'z':
			zs = strtod(optarg, NULL);
			break;
		case 'u':
			udp = true;
			break;
		case 'c':
			cyclic = true;
			break;
		case 'x':
			bench_shuffle = true;
			break;
		case 'm':
			memcap = strtoull(optarg, NULL, 10) << 20;
			break;
		case 'o':
			bench_only = strcmp(optarg, "single") == 0   ? BENCH_MODE_SINGLE
				     : strcmp(optarg, "burst") == 0  ? BENCH_MODE_BURST
				     : strcmp(optarg, "worker") == 0 ? BENCH_MODE_WORKER
								     : 99;
			if (bench_only == 99)
				goto usage;
			break;
		default:
			goto usage;
		}
	}
	if (pkts == 0 || reps == 0)
		goto usage;
	printf("bench-flow: struct weir_flow %zu B; burst %d, expire budget %d/burst\n",
	       sizeof(struct weir_flow), BENCH_BURST, BENCH_EXPIRE_BUDGET);
	for (i = 0; i < n_sizes && ret == 0; i++) {
		if (cyclic) {
			ret = bench_one(sizes[i], pkts, reps, -1, seed, udp, memcap);
			continue;
		}
		ret = bench_one(sizes[i], pkts, reps, 0, seed, udp, memcap);
		if (ret == 0)
			ret = bench_one(sizes[i], pkts, reps, zs, seed, udp, memcap);
	}
	return ret == 0 ? 0 : 1;

usage:
	fprintf(stderr, "usage: bench-flow [-n FLOWS[,FLOWS...]] [-p PACKETS] [-r REPS] [-s SEED] "
			"[-z ZIPF_S] [-u] [-c] [-x] [-m MEMCAP_MIB] [-o single|burst|worker]\n");
	return 2;
}
