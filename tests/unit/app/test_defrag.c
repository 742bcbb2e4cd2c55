/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of IP reassembly (app/defrag.c), fed the way the worker feeds
 * it: frames built here byte by byte, decoded by app/decode.c, the
 * fragment fields handed to weir_defrag_insert(). The answers come from
 * outside the code under test: Suricata's Sturges-Novak vectors (one
 * expected datagram per policy, from its src/defrag.c tests), the original
 * datagram for any arrival order, and, for random overlaps, an oracle
 * written here byte by byte from the policy table of app/defrag.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "decode.h"
#include "defrag.h"
#include "weir_cunit.h"

#define PKT_MAX 2048

static const uint8_t g_src4[4] = {192, 0, 2, 1};
static const uint8_t g_dst4[4] = {198, 51, 100, 2};
static const uint8_t g_src6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t g_dst6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};

struct pkt {
	uint8_t b[PKT_MAX];
	uint32_t len;
};

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Ethernet, IPv4 (no options), @p len bytes of @p data at @p off. */
static void
mk_v4(struct pkt *p, uint16_t id, uint32_t off, bool mf, uint8_t proto, const uint8_t *data,
      uint32_t len)
{
	uint8_t *ip = p->b + 14;

	memset(p->b, 0, 34);
	wr16(p->b + 12, 0x0800);
	ip[0] = 0x45;
	wr16(ip + 2, (uint16_t)(20 + len));
	wr16(ip + 4, id);
	wr16(ip + 6, (uint16_t)((mf ? 0x2000 : 0) | (off / 8)));
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, g_src4, 4);
	memcpy(ip + 16, g_dst4, 4);
	memcpy(p->b + 34, data, len);
	p->len = 34 + len;
}

/* Ethernet, IPv6, (with @p dstopts) an 8-byte destination options header,
 * a fragment header (next header @p proto), then the data. */
static void
mk_v6(struct pkt *p, uint32_t id, uint32_t off, bool m, uint8_t proto, const uint8_t *data,
      uint32_t len, bool dstopts)
{
	uint8_t *ip = p->b + 14, *e = ip + 40;
	uint32_t ext = dstopts ? 16 : 8;

	memset(p->b, 0, 14 + 40 + ext);
	wr16(p->b + 12, 0x86dd);
	ip[0] = 0x60;
	wr16(ip + 4, (uint16_t)(ext + len));
	ip[6] = dstopts ? IPPROTO_DSTOPTS : IPPROTO_FRAGMENT;
	ip[7] = 64;
	memcpy(ip + 8, g_src6, 16);
	memcpy(ip + 24, g_dst6, 16);
	if (dstopts) {
		e[0] = IPPROTO_FRAGMENT;
		e[1] = 0;
		e[2] = 1; /* PadN over the rest */
		e[3] = 4;
		e += 8;
	}
	e[0] = proto;
	wr16(e + 2, (uint16_t)(off | (m ? 1 : 0)));
	e[4] = (uint8_t)(id >> 24);
	e[5] = (uint8_t)(id >> 16);
	e[6] = (uint8_t)(id >> 8);
	e[7] = (uint8_t)id;
	memcpy(e + 8, data, len);
	p->len = 14 + 40 + ext + len;
}

/* Decode @p p and offer it, as the worker does. */
static enum weir_defrag_res
offer(struct weir_defrag *t, const struct pkt *p, uint64_t ts, const uint8_t **out,
      uint32_t *out_len)
{
	struct weir_decoded d;
	struct weir_defrag_frag f;

	(void)weir_decode(p->b, p->len, WEIR_L2_ETH, &d);
	if (d.frag != 1)
		fprintf(stderr, "\n  not a fragment: len %u ip %u\n", p->len, d.ip_version);
	CU_ASSERT_FATAL(d.frag == 1);
	memset(&f, 0, sizeof(f));
	f.frame = p->b;
	f.hdr_len = d.frag_hdr_len;
	f.data_off = d.frag_data_off;
	f.data_len = d.frag_data_len;
	f.offset = d.frag_offset;
	f.id = d.frag_id;
	f.src = d.src;
	f.dst = d.dst;
	f.l3_off = d.l3_off;
	f.nh_off = d.frag_nh_off;
	f.ip_version = d.ip_version;
	f.proto = d.ip_version == 4 ? d.proto : d.frag_nh;
	f.more = d.frag_more != 0;
	f.ts_ns = ts;
	return weir_defrag_insert(t, &f, out, out_len);
}

static struct weir_defrag *
mk_table(enum weir_defrag_policy pol, uint32_t trackers, uint32_t frags, uint64_t memcap)
{
	struct weir_defrag_conf c = {.trackers = trackers,
				     .frags = frags,
				     .memcap = memcap,
				     .max_frags = 255,
				     .timeout_ns = 60ull * 1000000000ull,
				     .policy = pol};
	struct weir_defrag *t = weir_defrag_create(&c);

	CU_ASSERT_FATAL(t != NULL);
	return t;
}

/* Every fragment offered is counted once (app/defrag.h). */
static void
check_identity(const struct weir_defrag *t)
{
	struct weir_defrag_stats s;

	weir_defrag_stats_get(t, &s);
	CU_ASSERT_EQUAL(s.fragments, s.used + s.timeout + s.nomem + s.invalid + s.held);
	/* and each refusal in exactly one cause */
	CU_ASSERT_EQUAL(s.nomem, s.nomem_trackers + s.nomem_frags + s.nomem_memcap);
	CU_ASSERT_EQUAL(s.invalid, s.invalid_empty + s.invalid_too_large + s.invalid_header +
					   s.invalid_max_frags + s.invalid_past_end);
}

/* ---- Suricata's Sturges-Novak vectors --------------------------------- */

struct sn_frag {
	char c;
	uint32_t off, len;
	bool mf;
};

/* Originals, then the overlapping ones, then the last (as sent). */
static const struct sn_frag g_sn[17] = {
	{'A', 0, 24, true},    {'B', 32, 16, true},  {'C', 48, 24, true},  {'D', 80, 8, true},
	{'E', 104, 16, true},  {'F', 120, 24, true}, {'G', 144, 16, true}, {'H', 160, 16, true},
	{'I', 176, 8, true},   {'J', 8, 32, true},   {'K', 48, 24, true},  {'L', 72, 24, true},
	{'M', 96, 24, true},   {'N', 128, 8, true},  {'O', 152, 8, true},  {'P', 160, 8, true},
	{'Q', 176, 16, false},
};

/* Suricata's expected datagram per policy, one letter per 8 bytes. */
static const struct {
	enum weir_defrag_policy pol;
	const char *expect;
} g_sn_expect[] = {
	{WEIR_DEFRAG_BSD, "AAAJJBCCCLLLMMMFFFGGHHIQ"},
	{WEIR_DEFRAG_LINUX, "AAAJJBKKKLLLMMMFFFGGPHQQ"},
	{WEIR_DEFRAG_WINDOWS, "AAAJBBCCCLLLMEEFFFGGHHIQ"},
	{WEIR_DEFRAG_SOLARIS, "AAAJBBCCCLLLMMMFFFGGHHIQ"},
	{WEIR_DEFRAG_FIRST, "AAAJBBCCCLDLMEEFFFGGHHIQ"},
	{WEIR_DEFRAG_LAST, "AJJJJBKKKLLLMMMFNFGOPHQQ"},
};

static void
sturges_novak(int version)
{
	unsigned int k, i;

	for (k = 0; k < sizeof(g_sn_expect) / sizeof(g_sn_expect[0]); k++) {
		struct weir_defrag *t = mk_table(g_sn_expect[k].pol, 16, 64, 1 << 20);
		struct weir_defrag_stats s;
		const uint8_t *out = NULL;
		uint32_t out_len = 0, hdr = version == 4 ? 34 : 54;
		enum weir_defrag_res r = WEIR_DEFRAG_INVALID;
		uint8_t want[192];

		for (i = 0; i < 17; i++) {
			uint8_t data[64];
			struct pkt p;

			memset(data, g_sn[i].c, g_sn[i].len);
			if (version == 4)
				mk_v4(&p, 1, g_sn[i].off, g_sn[i].mf, IPPROTO_ICMP, data,
				      g_sn[i].len);
			else
				mk_v6(&p, 1, g_sn[i].off, g_sn[i].mf, IPPROTO_ICMPV6, data,
				      g_sn[i].len, false);
			r = offer(t, &p, 1000, &out, &out_len);
			if (i < 16)
				CU_ASSERT_EQUAL(r, WEIR_DEFRAG_HELD);
		}
		CU_ASSERT_EQUAL_FATAL(r, WEIR_DEFRAG_DONE);
		CU_ASSERT_EQUAL_FATAL(out_len, hdr + 192);
		for (i = 0; i < 192; i++)
			want[i] = (uint8_t)g_sn_expect[k].expect[i / 8];
		if (memcmp(out + hdr, want, 192) != 0) {
			fprintf(stderr, "\n  policy %d IPv%d: got %.192s\n", g_sn_expect[k].pol,
				version, (const char *)out + hdr);
			CU_FAIL("Sturges-Novak datagram differs");
		}
		if (version == 4) {
			CU_ASSERT_EQUAL(rd16(out + 14 + 2), 20 + 192);
			CU_ASSERT_EQUAL(rd16(out + 14 + 6), 0);
		} else {
			CU_ASSERT_EQUAL(rd16(out + 14 + 4), 192);
			CU_ASSERT_EQUAL(out[14 + 6], IPPROTO_ICMPV6);
		}
		weir_defrag_stats_get(t, &s);
		CU_ASSERT_EQUAL(s.reassembled, 1);
		CU_ASSERT_EQUAL(s.used, 17);
		CU_ASSERT(s.overlaps > 0);
		CU_ASSERT_EQUAL(s.held, 0);
		check_identity(t);
		weir_defrag_destroy(t);
	}
}

static void
test_sturges_novak_ipv4(void)
{
	sturges_novak(4);
}

static void
test_sturges_novak_ipv6(void)
{
	sturges_novak(6);
}

/* ---- rebuilt frames decode as whole datagrams --------------------------- */

static void
test_ipv4_udp_rebuilt_and_decoded(void)
{
	struct weir_defrag *t = mk_table(WEIR_DEFRAG_BSD, 4, 16, 1 << 16);
	uint8_t dgram[1200];
	const uint8_t *out;
	uint32_t out_len, i;
	struct weir_decoded d;
	struct pkt p;

	for (i = 0; i < sizeof(dgram); i++)
		dgram[i] = (uint8_t)(i * 7);
	wr16(dgram, 5353);
	wr16(dgram + 2, 53);
	wr16(dgram + 4, sizeof(dgram));
	/* second half first */
	mk_v4(&p, 77, 600, false, IPPROTO_UDP, dgram + 600, 600);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_HELD);
	mk_v4(&p, 77, 0, true, IPPROTO_UDP, dgram, 600);
	CU_ASSERT_EQUAL_FATAL(offer(t, &p, 2, &out, &out_len), WEIR_DEFRAG_DONE);
	CU_ASSERT_EQUAL_FATAL(out_len, 34 + sizeof(dgram));
	CU_ASSERT_EQUAL(weir_decode(out, out_len, WEIR_L2_ETH, &d), WEIR_DEC_OK);
	CU_ASSERT_EQUAL(d.frag, 0);
	CU_ASSERT_EQUAL(d.proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(d.sport, 5353);
	CU_ASSERT_EQUAL(d.dport, 53);
	CU_ASSERT_EQUAL_FATAL(d.payload_len, sizeof(dgram) - 8);
	CU_ASSERT(memcmp(d.payload, dgram + 8, sizeof(dgram) - 8) == 0);
	{
		/* the header checksum verifies */
		uint32_t sum = 0;

		for (i = 0; i < 20; i += 2)
			sum += rd16(out + 14 + i);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		CU_ASSERT_EQUAL(sum, 0xffff);
	}
	check_identity(t);
	weir_defrag_destroy(t);
}

static void
test_ipv6_ext_header_before_fragment(void)
{
	struct weir_defrag *t = mk_table(WEIR_DEFRAG_BSD, 4, 16, 1 << 16);
	uint8_t dgram[64];
	const uint8_t *out;
	uint32_t out_len, i;
	struct weir_decoded d;
	struct pkt p;

	for (i = 0; i < sizeof(dgram); i++)
		dgram[i] = (uint8_t)('a' + i % 26);
	wr16(dgram, 1000);
	wr16(dgram + 2, 2000);
	wr16(dgram + 4, sizeof(dgram));
	mk_v6(&p, 0xdeadbeef, 0, true, IPPROTO_UDP, dgram, 32, true);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_HELD);
	mk_v6(&p, 0xdeadbeef, 32, false, IPPROTO_UDP, dgram + 32, 32, true);
	CU_ASSERT_EQUAL_FATAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_DONE);
	/* Ethernet, IPv6, destination options (next: UDP now), datagram */
	CU_ASSERT_EQUAL_FATAL(out_len, 14 + 40 + 8 + sizeof(dgram));
	CU_ASSERT_EQUAL(out[14 + 6], IPPROTO_DSTOPTS);
	CU_ASSERT_EQUAL(out[14 + 40], IPPROTO_UDP);
	CU_ASSERT_EQUAL(rd16(out + 14 + 4), 8 + sizeof(dgram));
	CU_ASSERT_EQUAL(weir_decode(out, out_len, WEIR_L2_ETH, &d), WEIR_DEC_OK);
	CU_ASSERT_EQUAL(d.frag, 0);
	CU_ASSERT_EQUAL(d.sport, 1000);
	CU_ASSERT_EQUAL(d.dport, 2000);
	CU_ASSERT_EQUAL_FATAL(d.payload_len, sizeof(dgram) - 8);
	CU_ASSERT(memcmp(d.payload, dgram + 8, sizeof(dgram) - 8) == 0);
	weir_defrag_destroy(t);
}

/* ---- random orders against an oracle ------------------------------------ */

/* The policy table of defrag.h, byte by byte, written apart from the code. */
static bool
oracle_new_wins(enum weir_defrag_policy pol, uint32_t no, uint32_t ne, uint32_t oo, uint32_t oe)
{
	switch (pol) {
	case WEIR_DEFRAG_FIRST:
		return false;
	case WEIR_DEFRAG_LAST:
		return true;
	case WEIR_DEFRAG_BSD:
		return no < oo;
	case WEIR_DEFRAG_LINUX:
		return no <= oo;
	case WEIR_DEFRAG_WINDOWS:
		return no < oo && ne > oe;
	case WEIR_DEFRAG_SOLARIS:
		return no < oo && ne >= oe;
	}
	return false;
}

struct rf {
	uint32_t off, len;
	bool mf;
	uint8_t fill; /* 0: the datagram's own bytes */
};

static uint32_t g_rng = 12345;

static uint32_t
rnd(uint32_t n)
{
	g_rng = g_rng * 1103515245u + 12345u;
	return (g_rng >> 8) % n;
}

static void
random_case(enum weir_defrag_policy pol, bool overlaps, int version)
{
	struct weir_defrag *t = mk_table(pol, 8, 256, 1 << 20);
	uint8_t dgram[1600], want[1600], data[1600];
	int16_t owner[1600];
	struct rf fr[64];
	uint32_t n = 0, end = 8 * (2 + rnd(189)), off = 0, i, j, b;
	const uint8_t *out = NULL;
	uint32_t out_len = 0;
	bool last_seen = false;

	for (i = 0; i < end; i++)
		dgram[i] = (uint8_t)rnd(256);
	/* a tiling of [0, end) in pieces of 8-byte multiples */
	while (off < end && n < 40) {
		uint32_t len = 8 * (1 + rnd(24));

		if (off + len > end || n == 39)
			len = end - off;
		if (off == 0 && len == end) /* at least two: else no fragment */
			len -= 8;
		fr[n++] = (struct rf){off, len, off + len < end, 0};
		off += len;
	}
	/* overlapping ones with bytes of their own, inside the datagram */
	if (overlaps) {
		uint32_t extra = 1 + rnd(8);

		for (i = 0; i < extra && n < 64; i++) {
			uint32_t o = 8 * rnd(end / 8), len = 8 * (1 + rnd(8));

			if (o + len >= end)
				len = end - o > 8 ? 8 * ((end - o - 1) / 8) : 0;
			if (len == 0)
				continue;
			fr[n++] = (struct rf){o, len, true, (uint8_t)(0x80 + i)};
		}
	}
	/* shuffle */
	for (i = n - 1; i > 0; i--) {
		struct rf x;

		j = rnd(i + 1);
		x = fr[i];
		fr[i] = fr[j];
		fr[j] = x;
	}
	for (b = 0; b < end; b++)
		owner[b] = -1;
	for (i = 0; i < n; i++) {
		struct pkt p;
		enum weir_defrag_res r;
		bool complete;

		for (b = 0; b < fr[i].len; b++)
			data[b] = fr[i].fill ? fr[i].fill : dgram[fr[i].off + b];
		if (version == 4)
			mk_v4(&p, 9, fr[i].off, fr[i].mf, IPPROTO_UDP, data, fr[i].len);
		else
			mk_v6(&p, 9, fr[i].off, fr[i].mf, IPPROTO_UDP, data, fr[i].len,
			      (i & 1) != 0);
		r = offer(t, &p, 5, &out, &out_len);
		/* the oracle: owner of every byte, in arrival order */
		for (b = fr[i].off; b < fr[i].off + fr[i].len; b++) {
			int16_t o = owner[b];

			if (o < 0 || oracle_new_wins(pol, fr[i].off, fr[i].off + fr[i].len,
						     fr[o].off, fr[o].off + fr[o].len))
				owner[b] = (int16_t)i;
		}
		last_seen |= !fr[i].mf;
		complete = last_seen;
		for (b = 0; b < end && complete; b++)
			complete = owner[b] >= 0;
		if (!complete) {
			CU_ASSERT_EQUAL(r, WEIR_DEFRAG_HELD);
			continue;
		}
		CU_ASSERT_EQUAL_FATAL(r, WEIR_DEFRAG_DONE);
		break;
	}
	CU_ASSERT_FATAL(i < n); /* completed */
	for (b = 0; b < end; b++) {
		const struct rf *o = &fr[owner[b]];

		want[b] = o->fill ? o->fill : dgram[b];
	}
	{
		uint32_t hdr = out_len - end;

		CU_ASSERT_FATAL(out_len > end);
		CU_ASSERT(memcmp(out + hdr, want, end) == 0);
		if (!overlaps)
			CU_ASSERT(memcmp(out + hdr, dgram, end) == 0);
	}
	check_identity(t);
	weir_defrag_flush(t);
	check_identity(t);
	weir_defrag_destroy(t);
}

static void
test_random_orders_oracle(void)
{
	unsigned int round;
	int pol;

	for (round = 0; round < 200; round++)
		for (pol = WEIR_DEFRAG_FIRST; pol <= WEIR_DEFRAG_SOLARIS; pol++) {
			random_case((enum weir_defrag_policy)pol, false, round & 1 ? 6 : 4);
			random_case((enum weir_defrag_policy)pol, true, round & 1 ? 4 : 6);
		}
}

/* ---- bounds and accounting ---------------------------------------------- */

static void
test_trackers_full_then_timeout(void)
{
	struct weir_defrag *t = mk_table(WEIR_DEFRAG_BSD, 2, 16, 1 << 16);
	const uint64_t sec = 1000000000ull;
	struct weir_defrag_stats s;
	uint8_t data[16] = {0};
	const uint8_t *out;
	uint32_t out_len;
	struct pkt p;

	mk_v4(&p, 1, 0, true, IPPROTO_UDP, data, 16);
	CU_ASSERT_EQUAL(offer(t, &p, 1 * sec, &out, &out_len), WEIR_DEFRAG_HELD);
	mk_v4(&p, 2, 0, true, IPPROTO_UDP, data, 16);
	CU_ASSERT_EQUAL(offer(t, &p, 2 * sec, &out, &out_len), WEIR_DEFRAG_HELD);
	/* no third tracker */
	mk_v4(&p, 3, 0, true, IPPROTO_UDP, data, 16);
	CU_ASSERT_EQUAL(offer(t, &p, 3 * sec, &out, &out_len), WEIR_DEFRAG_NOMEM);
	check_identity(t);
	/* 60 s after the first one's fragment: it is given up, room again */
	CU_ASSERT_EQUAL(offer(t, &p, 62 * sec, &out, &out_len), WEIR_DEFRAG_HELD);
	weir_defrag_stats_get(t, &s);
	CU_ASSERT_EQUAL(s.timeout, 1);
	CU_ASSERT_EQUAL(s.nomem, 1);
	CU_ASSERT_EQUAL(s.nomem_trackers, 1);
	CU_ASSERT_EQUAL(s.held, 2);
	CU_ASSERT_EQUAL(weir_defrag_expire(t, 200 * sec), 2);
	weir_defrag_stats_get(t, &s);
	CU_ASSERT_EQUAL(s.timeout, 3);
	CU_ASSERT_EQUAL(s.held, 0);
	check_identity(t);
	weir_defrag_destroy(t);
}

static void
test_memory_bounds(void)
{
	/* 4 blocks of data, 3 fragment slots */
	struct weir_defrag *t = mk_table(WEIR_DEFRAG_BSD, 8, 3, 4 * WEIR_DEFRAG_BLOCK);
	uint8_t data[1400] = {0};
	const uint8_t *out;
	uint32_t out_len;
	struct weir_defrag_stats s;
	struct pkt p;

	mk_v4(&p, 1, 0, true, IPPROTO_UDP, data, 1400); /* 3 blocks */
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_HELD);
	mk_v4(&p, 1, 1400, true, IPPROTO_UDP, data, 1000); /* 2 more: no */
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_NOMEM);
	mk_v4(&p, 2, 8, true, IPPROTO_UDP, data, 8);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_HELD);
	mk_v4(&p, 3, 8, true, IPPROTO_UDP, data, 8);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_NOMEM); /* blocks */
	weir_defrag_flush(t);
	weir_defrag_stats_get(t, &s);
	CU_ASSERT_EQUAL(s.nomem, 2);
	CU_ASSERT_EQUAL(s.nomem_memcap, 2);
	CU_ASSERT_EQUAL(s.timeout, 2);
	check_identity(t);
	/* everything came back: the same again fits */
	mk_v4(&p, 1, 0, true, IPPROTO_UDP, data, 1400);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_HELD);
	mk_v4(&p, 1, 1400, false, IPPROTO_UDP, data, 400);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_DONE);
	check_identity(t);
	weir_defrag_destroy(t);

	/* blocks to spare, one fragment slot: the second fragment finds none */
	t = mk_table(WEIR_DEFRAG_BSD, 8, 1, 16 * WEIR_DEFRAG_BLOCK);
	mk_v4(&p, 1, 0, true, IPPROTO_UDP, data, 16);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_HELD);
	mk_v4(&p, 2, 0, true, IPPROTO_UDP, data, 16);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_NOMEM);
	weir_defrag_stats_get(t, &s);
	CU_ASSERT_EQUAL(s.nomem_frags, 1);
	CU_ASSERT_EQUAL(s.nomem_memcap + s.nomem_trackers, 0);
	check_identity(t);
	weir_defrag_destroy(t);
}

static void
test_invalid_fragments(void)
{
	struct weir_defrag_conf c = {.trackers = 4,
				     .frags = 64,
				     .memcap = 1 << 20,
				     .max_frags = 3,
				     .timeout_ns = 1000,
				     .policy = WEIR_DEFRAG_BSD};
	struct weir_defrag *t = weir_defrag_create(&c);
	uint8_t data[256] = {0};
	const uint8_t *out;
	uint32_t out_len;
	struct weir_defrag_stats s;
	struct pkt p;

	CU_ASSERT_FATAL(t != NULL);
	/* past the largest datagram */
	mk_v4(&p, 1, 65528, false, IPPROTO_UDP, data, 64);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_INVALID);
	/* empty */
	mk_v4(&p, 1, 64, true, IPPROTO_UDP, data, 0);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_INVALID);
	/* the last fragment sets the end: nothing past it, no other end */
	mk_v4(&p, 2, 64, false, IPPROTO_UDP, data, 64);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_HELD);
	mk_v4(&p, 2, 120, true, IPPROTO_UDP, data, 16);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_INVALID);
	mk_v4(&p, 2, 8, false, IPPROTO_UDP, data, 16);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_INVALID);
	/* a last fragment ending before bytes already held */
	mk_v4(&p, 3, 64, true, IPPROTO_UDP, data, 64);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_HELD);
	mk_v4(&p, 3, 8, false, IPPROTO_UDP, data, 32);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_INVALID);
	/* the per-datagram cap (3) */
	mk_v4(&p, 3, 0, true, IPPROTO_UDP, data, 8);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_HELD);
	mk_v4(&p, 3, 16, true, IPPROTO_UDP, data, 8);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_HELD);
	mk_v4(&p, 3, 24, true, IPPROTO_UDP, data, 8);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_INVALID);
	weir_defrag_stats_get(t, &s);
	CU_ASSERT_EQUAL(s.invalid, 6);
	CU_ASSERT_EQUAL(s.invalid_too_large, 1);
	CU_ASSERT_EQUAL(s.invalid_empty, 1);
	CU_ASSERT_EQUAL(s.invalid_past_end, 3);
	CU_ASSERT_EQUAL(s.invalid_max_frags, 1);
	CU_ASSERT_EQUAL(s.invalid_header, 0);
	CU_ASSERT_EQUAL(s.held, 4);
	check_identity(t);
	weir_defrag_flush(t);
	check_identity(t);
	weir_defrag_destroy(t);
}

static void
test_tiny_first_fragment(void)
{
	struct weir_defrag *t = mk_table(WEIR_DEFRAG_BSD, 4, 16, 1 << 16);
	uint8_t seg[40] = {0};
	const uint8_t *out;
	uint32_t out_len;
	struct weir_defrag_stats s;
	struct weir_decoded d;
	struct pkt p;

	wr16(seg, 1234);
	wr16(seg + 2, 80);
	seg[12] = 0x50;
	seg[13] = 0x02; /* SYN */
	/* the TCP header split 8 + 32 (RFC 1858's tiny fragment) */
	mk_v4(&p, 5, 0, true, IPPROTO_TCP, seg, 8);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_HELD);
	mk_v4(&p, 5, 8, false, IPPROTO_TCP, seg + 8, 32);
	CU_ASSERT_EQUAL_FATAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_DONE);
	weir_defrag_stats_get(t, &s);
	CU_ASSERT_EQUAL(s.tiny, 1);
	CU_ASSERT_EQUAL(weir_decode(out, out_len, WEIR_L2_ETH, &d), WEIR_DEC_OK);
	CU_ASSERT_EQUAL(d.sport, 1234);
	CU_ASSERT_EQUAL(d.dport, 80);
	CU_ASSERT_EQUAL(d.tcp_flags, 0x02);
	CU_ASSERT_EQUAL(d.payload_len, 20);
	weir_defrag_destroy(t);
}

static void
test_keys_apart(void)
{
	/* same id, other protocol or other VLAN: other datagrams */
	struct weir_defrag *t = mk_table(WEIR_DEFRAG_BSD, 8, 16, 1 << 16);
	uint8_t data[16] = {0};
	const uint8_t *out;
	uint32_t out_len;
	struct pkt p;

	mk_v4(&p, 7, 0, true, IPPROTO_UDP, data, 16);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_HELD);
	mk_v4(&p, 7, 16, false, IPPROTO_TCP, data, 16);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_HELD);
	mk_v4(&p, 7, 16, false, IPPROTO_UDP, data, 16);
	CU_ASSERT_EQUAL(offer(t, &p, 1, &out, &out_len), WEIR_DEFRAG_DONE);
	weir_defrag_destroy(t);
}

static void
test_policy_names(void)
{
	enum weir_defrag_policy p;

	CU_ASSERT(weir_defrag_policy_parse("bsd", &p) == 0 && p == WEIR_DEFRAG_BSD);
	CU_ASSERT(weir_defrag_policy_parse("solaris", &p) == 0 && p == WEIR_DEFRAG_SOLARIS);
	CU_ASSERT(weir_defrag_policy_parse("bsd-right", &p) != 0);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("defrag", NULL, NULL);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_sturges_novak_ipv4);
	CU_ADD_TEST(s, test_sturges_novak_ipv6);
	CU_ADD_TEST(s, test_ipv4_udp_rebuilt_and_decoded);
	CU_ADD_TEST(s, test_ipv6_ext_header_before_fragment);
	CU_ADD_TEST(s, test_random_orders_oracle);
	CU_ADD_TEST(s, test_trackers_full_then_timeout);
	CU_ADD_TEST(s, test_memory_bounds);
	CU_ADD_TEST(s, test_invalid_fragments);
	CU_ADD_TEST(s, test_tiny_first_fragment);
	CU_ADD_TEST(s, test_keys_apart);
	CU_ADD_TEST(s, test_policy_names);
	return weir_ut_run();
}
