/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-decode: what the decoder work of issue 20 costs per packet, one
 * core, CPU time (the machine is shared). Frames built here by hand:
 *
 *   plain   Ethernet, IPv4, UDP, 100 bytes of payload: weir_decode_tun()
 *           with every decapsulation on (the worker's default), against
 *           weir_decode() (no decapsulation at all): what plain traffic
 *           pays for the tunnel decoders being there;
 *   vxlan   the same packet inside VXLAN (outer Ethernet, IPv4, UDP 4789,
 *           VXLAN): weir_decode_tun() to the inner packet, against
 *           weir_decode() of the same frame (the outer UDP packet only);
 *           the worker decodes a tunnel's frame both ways (the outer
 *           packet is matched too), so its decoder cost per VXLAN packet
 *           is the sum;
 *   frag2   one IPv4/UDP datagram of 1,400 payload bytes in two fragments
 *           (1,024 + 384 bytes of IP payload): decode both fragments,
 *           insert both into a defrag table (the second completes and
 *           rebuilds it), decode the rebuilt frame; against decoding the
 *           same datagram whole (unfragmented).
 *
 * Each case runs N iterations, REPS times; the median ns per packet (per
 * datagram for frag2) is printed, with min and max.
 *
 * usage: bench-decode [-n ITERS] [-r REPS]
 *
 * Built with -DBENCH_DECODE_PLAIN_ONLY against an older app/decode.c (one
 * without weir_decode_tun or app/defrag.c, e.g. before issue 20), it times
 * the plain case with weir_decode() alone: the before side of a
 * before/after pair (perf/RESULTS.md gives the command).
 */
#include <getopt.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#ifndef BENCH_DECODE_PLAIN_ONLY
#include "defrag.h"
#endif

#define BD_FRAME_MAX 2048

struct bd_frame {
	uint8_t b[BD_FRAME_MAX];
	uint32_t len;
};

static double
bd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int
bd_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
bd_be16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint8_t *
bd_put(struct bd_frame *f, uint32_t n)
{
	uint8_t *p = f->b + f->len;

	memset(p, 0, n);
	f->len += n;
	return p;
}

static void
bd_eth(struct bd_frame *f, uint16_t etype)
{
	uint8_t *p = bd_put(f, 14);

	p[0] = 0x02;
	p[5] = 0x02;
	p[6] = 0x02;
	p[11] = 0x01;
	bd_be16(p + 12, etype);
}

/* An IPv4 header for @p plen bytes of payload; checksum left 0 (the
 * decoder does not verify it). */
static void
bd_ipv4(struct bd_frame *f, uint8_t proto, uint32_t plen, uint16_t frag, uint8_t last)
{
	uint8_t *p = bd_put(f, 20);

	p[0] = 0x45;
	bd_be16(p + 2, 20 + plen);
	bd_be16(p + 4, 0x1234);
	bd_be16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	p[12] = 10;
	p[15] = last;
	p[16] = 10;
	p[19] = (uint8_t)(last + 1);
}

static void
bd_udp(struct bd_frame *f, uint16_t sport, uint16_t dport, uint32_t plen)
{
	uint8_t *p = bd_put(f, 8);

	bd_be16(p, sport);
	bd_be16(p + 2, dport);
	bd_be16(p + 4, 8 + plen);
}

static void
bd_payload(struct bd_frame *f, uint32_t n)
{
	uint8_t *p = bd_put(f, n);
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)('a' + i % 26);
}

/* Ethernet, IPv4, UDP 40000 -> 443, @p plen bytes */
static void
bd_plain(struct bd_frame *f, uint32_t plen)
{
	bd_eth(f, 0x0800);
	bd_ipv4(f, IPPROTO_UDP, 8 + plen, 0, 1);
	bd_udp(f, 40000, 443, plen);
	bd_payload(f, plen);
}

static void
bd_vxlan(struct bd_frame *f, uint32_t plen)
{
	uint32_t inner = 14 + 20 + 8 + plen;
	uint8_t *v;

	bd_eth(f, 0x0800);
	bd_ipv4(f, IPPROTO_UDP, 8 + 8 + inner, 0, 7);
	bd_udp(f, 50000, 4789, 8 + inner);
	v = bd_put(f, 8);
	v[0] = 0x08;
	v[6] = 42;
	bd_plain(f, plen);
}

/* The two fragments of bd_plain(@p plen)'s datagram: IP payload bytes
 * [0, 1024) with MF, then [1024, 8 + plen). */
static void
bd_frags(struct bd_frame *f1, struct bd_frame *f2, uint32_t plen)
{
	struct bd_frame whole = {.len = 0};
	const uint32_t cut = 1024, ip = 14 + 20;

	bd_plain(&whole, plen);
	bd_eth(f1, 0x0800);
	bd_ipv4(f1, IPPROTO_UDP, cut, 0x2000, 1);
	memcpy(bd_put(f1, cut), whole.b + ip, cut);
	bd_eth(f2, 0x0800);
	bd_ipv4(f2, IPPROTO_UDP, 8 + plen - cut, cut / 8, 1);
	memcpy(bd_put(f2, 8 + plen - cut), whole.b + ip + cut, 8 + plen - cut);
}

#ifndef BENCH_DECODE_PLAIN_ONLY
static const struct weir_decode_conf g_all = {
	.tunnels = WEIR_TUN_VXLAN | WEIR_TUN_GENEVE | WEIR_TUN_GRE | WEIR_TUN_IPIP |
		   WEIR_TUN_TEREDO | WEIR_TUN_GTPU | WEIR_TUN_MPLS | WEIR_TUN_PPPOE | WEIR_TUN_NSH,
	.max_depth = 16};

#endif

static volatile uint64_t g_sink;

/* ns per call of weir_decode_tun (@p conf, a struct weir_decode_conf) or
 * weir_decode (@p conf NULL; the only one with BENCH_DECODE_PLAIN_ONLY) */
static double
bd_decode(const struct bd_frame *f, const void *conf, uint64_t n)
{
	struct weir_decoded d;
	uint64_t i, acc = 0;
	double t0 = bd_now();

#ifdef BENCH_DECODE_PLAIN_ONLY
	(void)conf;
#endif
	for (i = 0; i < n; i++) {
#ifndef BENCH_DECODE_PLAIN_ONLY
		if (conf != NULL)
			acc += weir_decode_tun(f->b, f->len, WEIR_L2_ETH, conf, &d);
		else
#endif
			acc += weir_decode(f->b, f->len, WEIR_L2_ETH, &d);
		acc += d.payload_len;
		__asm__ volatile("" : : "r"(&d) : "memory");
	}
	g_sink += acc;
	return (bd_now() - t0) / (double)n;
}

#ifndef BENCH_DECODE_PLAIN_ONLY
static void
bd_frag_of(const struct bd_frame *f, const struct weir_decoded *d, uint64_t ts,
	   struct weir_defrag_frag *o)
{
	memset(o, 0, sizeof(*o));
	o->frame = f->b;
	o->hdr_len = d->frag_hdr_len;
	o->data_off = d->frag_data_off;
	o->data_len = d->frag_data_len;
	o->offset = d->frag_offset;
	o->id = d->frag_id;
	o->src = d->src;
	o->dst = d->dst;
	o->l3_off = d->l3_off;
	o->nh_off = d->frag_nh_off;
	o->ip_version = d->ip_version;
	o->proto = d->proto;
	o->more = d->frag_more != 0;
	o->ts_ns = ts;
}

/* ns per datagram: decode both fragments, insert both, decode the rebuilt
 * frame, as the worker does; -1 when it does not rebuild. */
static double
bd_defrag(struct weir_defrag *t, const struct bd_frame *f1, const struct bd_frame *f2, uint64_t n)
{
	struct weir_decoded d1, d2, rd;
	struct weir_defrag_frag g1, g2;
	const uint8_t *out;
	uint32_t out_len;
	uint64_t i, acc = 0;
	double t0 = bd_now();

	for (i = 0; i < n; i++) {
		acc += weir_decode_tun(f1->b, f1->len, WEIR_L2_ETH, &g_all, &d1);
		acc += weir_decode_tun(f2->b, f2->len, WEIR_L2_ETH, &g_all, &d2);
		bd_frag_of(f1, &d1, i + 1, &g1);
		bd_frag_of(f2, &d2, i + 1, &g2);
		if (weir_defrag_insert(t, &g1, &out, &out_len) != WEIR_DEFRAG_HELD ||
		    weir_defrag_insert(t, &g2, &out, &out_len) != WEIR_DEFRAG_DONE)
			return -1;
		acc += weir_decode_tun(out, out_len, WEIR_L2_ETH, &g_all, &rd);
		acc += rd.payload_len;
	}
	g_sink += acc;
	return (bd_now() - t0) / (double)n;
}
#endif

struct bd_case {
	const char *name;
	double v[64];
};

static void
bd_report(struct bd_case *c, unsigned int reps)
{
	qsort(c->v, reps, sizeof(c->v[0]), bd_cmp);
	printf("%-34s %8.1f ns median of %u (min %.1f, max %.1f)\n", c->name, c->v[reps / 2], reps,
	       c->v[0], c->v[reps - 1]);
}

int
main(int argc, char **argv)
{
#ifndef BENCH_DECODE_PLAIN_ONLY
	struct weir_defrag_conf dc = {.trackers = 1024,
				      .frags = 4096,
				      .memcap = 16u << 20,
				      .max_frags = 16,
				      .timeout_ns = 60ull * 1000000000ull,
				      .policy = WEIR_DEFRAG_BSD};
	struct weir_defrag *t;
#else
	int dc = 0, t = 0;
	const void *conf_unused = NULL;
#endif
	struct bd_frame plain = {.len = 0}, vx = {.len = 0}, big = {.len = 0};
	struct bd_frame f1 = {.len = 0}, f2 = {.len = 0};
	struct bd_case cs[7] = {{"plain: decode_tun (all on)", {0}},
				{"plain: decode (no decapsulation)", {0}},
				{"vxlan: decode_tun (to the inner)", {0}},
				{"vxlan: decode (outer only)", {0}},
				{"frag2: 2 decodes+2 inserts+decode", {0}},
				{"frag2: whole datagram decode_tun", {0}},
				{"frag2: rebuilt's decode_tun alone", {0}}};
	struct weir_decoded d;
	uint64_t n = 2000000;
	unsigned int reps = 9, r, i;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		switch (opt) {
		case 'n':
			n = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			reps = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: bench-decode [-n ITERS] [-r REPS (1..64)]\n");
			return 2;
		}
	}
	if (n == 0 || reps == 0 || reps > 64) {
		fprintf(stderr, "bench-decode: -n > 0, -r 1..64\n");
		return 2;
	}
#ifdef BENCH_DECODE_PLAIN_ONLY
	(void)d;
	(void)t;
	(void)dc;
	(void)conf_unused;
	bd_plain(&plain, 100);
	bd_vxlan(&vx, 100); /* built, not timed: the older decoder has no tunnels */
	bd_frags(&f1, &f2, 1400);
	(void)big;
	for (r = 0; r < reps; r++)
		cs[1].v[r] = bd_decode(&plain, NULL, n);
	printf("bench-decode (plain only, older decoder): %llu iterations x %u repetitions\n",
	       (unsigned long long)n, reps);
	bd_report(&cs[1], reps);
	(void)i;
	return g_sink == 42 ? 3 : 0;
#else
	bd_plain(&plain, 100);
	bd_vxlan(&vx, 100);
	bd_plain(&big, 1400);
	bd_frags(&f1, &f2, 1400);
	/* the frames are what they claim */
	if (weir_decode_tun(plain.b, plain.len, WEIR_L2_ETH, &g_all, &d) != WEIR_DEC_OK ||
	    d.depth != 0 || d.payload_len != 100 ||
	    weir_decode_tun(vx.b, vx.len, WEIR_L2_ETH, &g_all, &d) != WEIR_DEC_OK || d.depth != 1 ||
	    d.payload_len != 100 ||
	    weir_decode_tun(f1.b, f1.len, WEIR_L2_ETH, &g_all, &d) != WEIR_DEC_OK || !d.frag ||
	    weir_decode_tun(f2.b, f2.len, WEIR_L2_ETH, &g_all, &d) != WEIR_DEC_FRAGMENT) {
		fprintf(stderr, "bench-decode: a test frame does not decode as built\n");
		return 1;
	}
	t = weir_defrag_create(&dc);
	if (t == NULL) {
		perror("bench-decode: weir_defrag_create");
		return 1;
	}
	for (r = 0; r < reps; r++) {
		cs[0].v[r] = bd_decode(&plain, &g_all, n);
		cs[1].v[r] = bd_decode(&plain, NULL, n);
		cs[2].v[r] = bd_decode(&vx, &g_all, n);
		cs[3].v[r] = bd_decode(&vx, NULL, n);
		cs[4].v[r] = bd_defrag(t, &f1, &f2, n / 4);
		cs[5].v[r] = bd_decode(&big, &g_all, n);
		{
			const uint8_t *out;
			uint32_t len;
			struct weir_decoded a, b;
			struct weir_defrag_frag g1, g2;
			struct bd_frame rb = {.len = 0};

			weir_decode_tun(f1.b, f1.len, WEIR_L2_ETH, &g_all, &a);
			weir_decode_tun(f2.b, f2.len, WEIR_L2_ETH, &g_all, &b);
			bd_frag_of(&f1, &a, 1, &g1);
			bd_frag_of(&f2, &b, 1, &g2);
			weir_defrag_insert(t, &g1, &out, &len);
			if (weir_defrag_insert(t, &g2, &out, &len) != WEIR_DEFRAG_DONE ||
			    len > BD_FRAME_MAX) {
				fprintf(stderr, "bench-decode: the datagram was not rebuilt\n");
				return 1;
			}
			memcpy(rb.b, out, len);
			rb.len = len;
			cs[6].v[r] = bd_decode(&rb, &g_all, n);
		}
		if (cs[4].v[r] < 0) {
			fprintf(stderr, "bench-decode: the datagram was not rebuilt\n");
			return 1;
		}
	}
	printf("bench-decode: %llu iterations (frag2: %llu datagrams) x %u repetitions, CPU time\n",
	       (unsigned long long)n, (unsigned long long)(n / 4), reps);
	for (i = 0; i < sizeof(cs) / sizeof(cs[0]); i++)
		bd_report(&cs[i], reps);
	weir_defrag_destroy(t);
	return g_sink == 42 ? 3 : 0;
#endif
}
