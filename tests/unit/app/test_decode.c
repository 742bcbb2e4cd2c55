/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the packet decoder (app/decode.c), the first per-packet
 * step of a worker. Frames are built here, header by header, so each case
 * shows exactly which bytes it feeds. Every decode copies the frame into a
 * heap buffer of exactly the length under test, so an ASan build turns any
 * read past the captured length into a failure.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "decode.h"
#include "event.h"
#include "weir_cunit.h"

#define FB_MAX	       512
#define DEC_T_ETH_HLEN 14 /* where a frame from fb_eth() puts its next header */

/* A frame under construction; helpers append headers at len. */
struct fb {
	uint8_t b[FB_MAX];
	uint32_t len;
};

static const uint8_t g_v4_src[4] = {192, 0, 2, 1};
static const uint8_t g_v4_dst[4] = {198, 51, 100, 2};
static const uint8_t g_v6_src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t g_v6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
static const char g_payload[] = "GET /index.html HTTP/1.0\r\n\r\n";

static void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint8_t *
fb_put(struct fb *f, uint32_t n)
{
	uint8_t *p;

	WEIR_CU_ASSERT_FATAL(f->len + n <= FB_MAX);
	p = f->b + f->len;
	memset(p, 0, n);
	f->len += n;
	return p;
}

static void
fb_data(struct fb *f, const void *data, uint32_t n)
{
	memcpy(fb_put(f, n), data, n);
}

static void
fb_eth(struct fb *f, uint16_t etype)
{
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
	uint8_t *p = fb_put(f, 14);

	memcpy(p, macs, sizeof(macs));
	wr16(p + 12, etype);
}

/* One VLAN tag; PCP 5 is set so the test sees it masked off the ID. */
static void
fb_tag(struct fb *f, uint16_t vid, uint16_t etype)
{
	uint8_t *p = fb_put(f, 4);

	wr16(p, (uint16_t)(5u << 13 | vid));
	wr16(p + 2, etype);
}

/* IPv4 header with @p optlen bytes of options; fb_ipv4_end() sets the
 * total length once the rest is appended. Returns the header's offset. */
static uint32_t
fb_ipv4(struct fb *f, uint8_t proto, uint32_t optlen, uint16_t frag)
{
	uint32_t off = f->len;
	uint8_t *p = fb_put(f, 20 + optlen);
	uint32_t i;

	p[0] = (uint8_t)(0x40 | (5 + optlen / 4));
	wr16(p + 4, 0x1234);
	wr16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, g_v4_src, 4);
	memcpy(p + 16, g_v4_dst, 4);
	/* NOPs, then end-of-options: well-formed option bytes */
	for (i = 0; i < optlen; i++)
		p[20 + i] = i + 1 < optlen ? 1 : 0;
	return off;
}

static void
fb_ipv4_end(struct fb *f, uint32_t off)
{
	wr16(f->b + off + 2, (uint16_t)(f->len - off));
}

static uint32_t
fb_ipv6(struct fb *f, uint8_t nh)
{
	uint32_t off = f->len;
	uint8_t *p = fb_put(f, 40);

	p[0] = 0x60;
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, g_v6_src, 16);
	memcpy(p + 24, g_v6_dst, 16);
	return off;
}

static void
fb_ipv6_end(struct fb *f, uint32_t off)
{
	wr16(f->b + off + 4, (uint16_t)(f->len - off - 40));
}

/* Hop-by-hop, routing or destination options header of (len8 + 1) * 8
 * bytes; the body is one PadN option, valid for all three kinds. */
static void
fb_ext6(struct fb *f, uint8_t nh, uint8_t len8)
{
	uint32_t n = ((uint32_t)len8 + 1) * 8;
	uint8_t *p = fb_put(f, n);

	p[0] = nh;
	p[1] = len8;
	p[2] = 1;
	p[3] = (uint8_t)(n - 4);
}

static void
fb_frag6(struct fb *f, uint8_t nh, uint16_t off8, bool more)
{
	uint8_t *p = fb_put(f, 8);

	p[0] = nh;
	wr16(p + 2, (uint16_t)(off8 << 3 | (more ? 1 : 0)));
	p[7] = 0x42; /* identification */
}

/* TCP header with @p optlen bytes of options (an MSS option, then NOPs). */
static uint32_t
fb_tcp(struct fb *f, uint16_t sport, uint16_t dport, uint8_t flags, uint32_t optlen)
{
	uint32_t off = f->len;
	uint8_t *p = fb_put(f, 20 + optlen);
	uint32_t i;

	wr16(p, sport);
	wr16(p + 2, dport);
	p[12] = (uint8_t)((5 + optlen / 4) << 4);
	p[13] = flags;
	wr16(p + 14, 65535);
	for (i = 0; i < optlen; i++)
		p[20 + i] = 1;
	if (optlen >= 4) {
		p[20] = 2;
		p[21] = 4;
		wr16(p + 22, 1460);
	}
	return off;
}

static uint32_t
fb_udp(struct fb *f, uint16_t sport, uint16_t dport)
{
	uint32_t off = f->len;
	uint8_t *p = fb_put(f, 8);

	wr16(p, sport);
	wr16(p + 2, dport);
	return off;
}

static void
fb_udp_end(struct fb *f, uint32_t off)
{
	wr16(f->b + off + 4, (uint16_t)(f->len - off));
}

static void
fb_icmp(struct fb *f, uint8_t type)
{
	uint8_t *p = fb_put(f, 8);

	p[0] = type;
	wr16(p + 4, 7); /* echo id */
	wr16(p + 6, 1); /* echo seq */
	fb_data(f, "ping", 4);
}

#define TCP_PSH_ACK 0x18

/* Building blocks: IPv4/TCP and IPv6/UDP carrying g_payload. */
static void
mk_ipv4_tcp(struct fb *f)
{
	uint32_t ip = fb_ipv4(f, IPPROTO_TCP, 0, 0);

	fb_tcp(f, 1234, 80, TCP_PSH_ACK, 0);
	fb_data(f, g_payload, sizeof(g_payload) - 1);
	fb_ipv4_end(f, ip);
}

static void
mk_ipv6_udp(struct fb *f)
{
	uint32_t ip = fb_ipv6(f, IPPROTO_UDP);
	uint32_t udp = fb_udp(f, 5353, 53);

	fb_data(f, g_payload, sizeof(g_payload) - 1);
	fb_udp_end(f, udp);
	fb_ipv6_end(f, ip);
}

static void
mk_eth_ipv4_tcp(struct fb *f)
{
	fb_eth(f, 0x0800);
	mk_ipv4_tcp(f);
}

static void
mk_eth_ipv4_udp(struct fb *f)
{
	uint32_t ip, udp;

	fb_eth(f, 0x0800);
	ip = fb_ipv4(f, IPPROTO_UDP, 0, 0);
	udp = fb_udp(f, 5353, 53);
	fb_data(f, g_payload, sizeof(g_payload) - 1);
	fb_udp_end(f, udp);
	fb_ipv4_end(f, ip);
}

static void
mk_eth_ipv4opt_tcpopt(struct fb *f)
{
	uint32_t ip;

	fb_eth(f, 0x0800);
	ip = fb_ipv4(f, IPPROTO_TCP, 8, 0);
	fb_tcp(f, 1234, 80, TCP_PSH_ACK, 12);
	fb_data(f, g_payload, sizeof(g_payload) - 1);
	fb_ipv4_end(f, ip);
}

static void
mk_eth_vlan_ipv4_tcp(struct fb *f)
{
	fb_eth(f, 0x8100);
	fb_tag(f, 100, 0x0800);
	mk_ipv4_tcp(f);
}

static void
mk_eth_qinq_ipv6_udp(struct fb *f)
{
	fb_eth(f, 0x88a8);
	fb_tag(f, 10, 0x8100);
	fb_tag(f, 20, 0x86dd);
	mk_ipv6_udp(f);
}

static void
mk_eth_ipv6_ext_tcp(struct fb *f)
{
	uint32_t ip;

	fb_eth(f, 0x86dd);
	ip = fb_ipv6(f, IPPROTO_HOPOPTS);
	fb_ext6(f, IPPROTO_ROUTING, 0);
	fb_ext6(f, IPPROTO_DSTOPTS, 1);
	fb_ext6(f, IPPROTO_TCP, 0);
	fb_tcp(f, 1234, 80, TCP_PSH_ACK, 0);
	fb_data(f, g_payload, sizeof(g_payload) - 1);
	fb_ipv6_end(f, ip);
}

/* IPv6 fragment carrying UDP; the first one's UDP length announces the
 * whole datagram, 100 bytes more than this fragment holds. */
static void
mk_eth_ipv6_frag(struct fb *f, uint16_t off8, bool more)
{
	uint32_t ip, udp;

	fb_eth(f, 0x86dd);
	ip = fb_ipv6(f, IPPROTO_FRAGMENT);
	fb_frag6(f, IPPROTO_UDP, off8, more);
	if (off8 == 0) {
		udp = fb_udp(f, 5353, 53);
		fb_data(f, g_payload, sizeof(g_payload) - 1);
		wr16(f->b + udp + 4, (uint16_t)(f->len - udp + 100));
	} else {
		fb_data(f, g_payload, sizeof(g_payload) - 1);
	}
	fb_ipv6_end(f, ip);
}

static void
mk_eth_ipv6_frag_first(struct fb *f)
{
	mk_eth_ipv6_frag(f, 0, true);
}

static void
mk_eth_ipv6_frag_later(struct fb *f)
{
	mk_eth_ipv6_frag(f, 185, false);
}

static void
mk_eth_ipv4_frag_later(struct fb *f)
{
	uint32_t ip;

	fb_eth(f, 0x0800);
	ip = fb_ipv4(f, IPPROTO_UDP, 0, 185); /* offset 1480, last fragment */
	fb_data(f, g_payload, sizeof(g_payload) - 1);
	fb_ipv4_end(f, ip);
}

static void
mk_eth_ipv4_icmp(struct fb *f)
{
	uint32_t ip;

	fb_eth(f, 0x0800);
	ip = fb_ipv4(f, IPPROTO_ICMP, 0, 0);
	fb_icmp(f, 8);
	fb_ipv4_end(f, ip);
}

static void
mk_eth_ipv6_icmpv6(struct fb *f)
{
	uint32_t ip;

	fb_eth(f, 0x86dd);
	ip = fb_ipv6(f, IPPROTO_ICMPV6);
	fb_icmp(f, 128);
	fb_ipv6_end(f, ip);
}

static void
mk_raw_ipv6_udp(struct fb *f)
{
	mk_ipv6_udp(f);
}

/* Linux cooked v1: packet type, ARPHRD_ETHER, address length, address,
 * protocol. */
static void
fb_sll(struct fb *f, uint16_t hatype, uint16_t proto)
{
	uint8_t *p = fb_put(f, 16);

	wr16(p + 2, hatype);
	wr16(p + 4, 6);
	p[6] = 2;
	p[11] = 1;
	wr16(p + 14, proto);
}

static void
mk_sll_ipv4_tcp(struct fb *f)
{
	fb_sll(f, 1, 0x0800);
	mk_ipv4_tcp(f);
}

static void
mk_sll_vlan_ipv4_tcp(struct fb *f)
{
	fb_sll(f, 1, 0x8100);
	fb_tag(f, 300, 0x0800);
	mk_ipv4_tcp(f);
}

/* Linux cooked v2: protocol, reserved, ifindex, ARPHRD, packet type,
 * address length, address. */
static void
mk_sll2_ipv6_udp(struct fb *f)
{
	uint8_t *p = fb_put(f, 20);

	wr16(p, 0x86dd);
	p[7] = 3;
	wr16(p + 8, 1);
	p[11] = 6;
	p[12] = 2;
	mk_ipv6_udp(f);
}

static void
fb_family(struct fb *f, uint32_t family, bool big_endian)
{
	uint8_t *p = fb_put(f, 4);
	int i;

	for (i = 0; i < 4; i++)
		p[big_endian ? 3 - i : i] = (uint8_t)(family >> (8 * i));
}

static void
mk_null_le_ipv4_tcp(struct fb *f)
{
	fb_family(f, 2, false);
	mk_ipv4_tcp(f);
}

static void
mk_null_be_ipv6_udp(struct fb *f)
{
	fb_family(f, 30, true);
	mk_ipv6_udp(f);
}

static void
mk_loop_ipv4_tcp(struct fb *f)
{
	fb_family(f, 2, true);
	mk_ipv4_tcp(f);
}

/*
 * Decode the first @p n bytes of @p f from a heap copy of exactly @p n
 * bytes, so ASan catches any read past the end. The payload pointer is
 * checked to lie inside the copy and then mapped back into @p f, so
 * callers can compare it with the frame they built.
 */
static enum weir_decode_res
decode_n(const struct fb *f, uint32_t n, enum weir_l2 l2, struct weir_decoded *d)
{
	enum weir_decode_res res;
	uint8_t *buf = malloc(n);
	size_t poff;

	WEIR_CU_ASSERT_FATAL(buf != NULL || n == 0);
	if (n > 0)
		memcpy(buf, f->b, n);
	res = weir_decode(buf, n, l2, d);

	/* the payload contract: set exactly for OK, and inside the capture */
	CU_ASSERT((res == WEIR_DEC_OK) == (d->payload != NULL));
	if (d->payload != NULL) {
		CU_ASSERT_FATAL(d->payload >= buf && d->payload <= buf + n);
		poff = (size_t)(d->payload - buf);
		CU_ASSERT_FATAL(d->payload_len <= n - poff);
		d->payload = f->b + poff;
	}
	free(buf);
	return res;
}

static enum weir_decode_res
decode_fb(const struct fb *f, enum weir_l2 l2, struct weir_decoded *d)
{
	return decode_n(f, f->len, l2, d);
}

static bool
is_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void
check_v4_addrs(const struct weir_decoded *d)
{
	CU_ASSERT(d->ip_version == 4);
	CU_ASSERT(memcmp(d->src, g_v4_src, 4) == 0);
	CU_ASSERT(memcmp(d->dst, g_v4_dst, 4) == 0);
	CU_ASSERT(is_zero(d->src + 4, 12));
	CU_ASSERT(is_zero(d->dst + 4, 12));
}

static void
check_v6_addrs(const struct weir_decoded *d)
{
	CU_ASSERT(d->ip_version == 6);
	CU_ASSERT(memcmp(d->src, g_v6_src, 16) == 0);
	CU_ASSERT(memcmp(d->dst, g_v6_dst, 16) == 0);
}

/* The payload is g_payload, at the end of the frame. */
static void
check_payload(const struct fb *f, const struct weir_decoded *d)
{
	const uint32_t n = sizeof(g_payload) - 1;

	CU_ASSERT(d->payload == f->b + f->len - n);
	CU_ASSERT(d->payload_len == n);
}

static void
check_tcp(const struct fb *f, const struct weir_decoded *d, uint16_t l3_off, uint16_t l4_off)
{
	CU_ASSERT(d->proto == IPPROTO_TCP);
	CU_ASSERT(d->sport == 1234);
	CU_ASSERT(d->dport == 80);
	CU_ASSERT(d->tcp_flags == TCP_PSH_ACK);
	CU_ASSERT(d->l3_off == l3_off);
	CU_ASSERT(d->l4_off == l4_off);
	check_payload(f, d);
}

static void
check_udp(const struct fb *f, const struct weir_decoded *d, uint16_t l3_off, uint16_t l4_off)
{
	CU_ASSERT(d->proto == IPPROTO_UDP);
	CU_ASSERT(d->sport == 5353);
	CU_ASSERT(d->dport == 53);
	CU_ASSERT(d->tcp_flags == 0);
	CU_ASSERT(d->l3_off == l3_off);
	CU_ASSERT(d->l4_off == l4_off);
	check_payload(f, d);
}

static void
test_eth_ipv4_tcp(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_eth_ipv4_tcp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
	CU_ASSERT(d.n_vlan == 0);
	check_v4_addrs(&d);
	check_tcp(&f, &d, 14, 34);
}

static void
test_eth_ipv4_udp(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_eth_ipv4_udp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
	check_v4_addrs(&d);
	check_udp(&f, &d, 14, 34);
}

static void
test_eth_ipv4_options_tcp_options(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_eth_ipv4opt_tcpopt(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
	check_v4_addrs(&d);
	check_tcp(&f, &d, 14, 14 + 28);
	CU_ASSERT(d.payload == f.b + 14 + 28 + 32);
}

static void
test_eth_vlan_ipv4(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_eth_vlan_ipv4_tcp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
	CU_ASSERT(d.n_vlan == 1);
	CU_ASSERT(d.vlan[0] == 100);
	CU_ASSERT(d.vlan[1] == 0);
	check_v4_addrs(&d);
	check_tcp(&f, &d, 18, 38);
}

static void
test_eth_qinq_ipv6_udp(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_eth_qinq_ipv6_udp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
	CU_ASSERT(d.n_vlan == 2);
	CU_ASSERT(d.vlan[0] == 10);
	CU_ASSERT(d.vlan[1] == 20);
	check_v6_addrs(&d);
	check_udp(&f, &d, 22, 62);
}

static void
test_eth_qinq_9100_outer(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	fb_eth(&f, 0x9100);
	fb_tag(&f, 4094, 0x8100);
	fb_tag(&f, 1, 0x0800);
	mk_ipv4_tcp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
	CU_ASSERT(d.n_vlan == 2);
	CU_ASSERT(d.vlan[0] == 4094);
	CU_ASSERT(d.vlan[1] == 1);
	check_tcp(&f, &d, 22, 42);
}

static void
test_vlan_third_tag_walked_not_recorded(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	fb_eth(&f, 0x88a8);
	fb_tag(&f, 1, 0x8100);
	fb_tag(&f, 2, 0x8100);
	fb_tag(&f, 3, 0x0800);
	mk_ipv4_tcp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
	CU_ASSERT(d.n_vlan == 2);
	CU_ASSERT(d.vlan[0] == 1);
	CU_ASSERT(d.vlan[1] == 2);
	check_tcp(&f, &d, 26, 46);
}

static void
test_vlan_too_many_tags_malformed(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;
	int i;

	fb_eth(&f, 0x8100);
	for (i = 0; i < 4; i++)
		fb_tag(&f, (uint16_t)(i + 1), 0x8100);
	fb_tag(&f, 5, 0x0800);
	mk_ipv4_tcp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);
}

static void
test_eth_ipv6_ext_headers_tcp(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_eth_ipv6_ext_tcp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
	check_v6_addrs(&d);
	check_tcp(&f, &d, 14, 14 + 40 + 8 + 16 + 8);
}

static void
test_ipv6_first_fragment_decoded(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_eth_ipv6_frag_first(&f);
	/* UDP length says 100 more bytes follow in later fragments: the
	 * payload is bounded by this fragment, not rejected */
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
	check_v6_addrs(&d);
	check_udp(&f, &d, 14, 14 + 40 + 8);
}

static void
test_ipv6_non_first_fragment(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_eth_ipv6_frag_later(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_FRAGMENT);
	check_v6_addrs(&d);
	CU_ASSERT(d.proto == IPPROTO_UDP);
	CU_ASSERT(d.sport == 0 && d.dport == 0);
}

static void
test_ipv6_atomic_fragment_decoded(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;
	uint32_t ip;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, IPPROTO_FRAGMENT);
	fb_frag6(&f, IPPROTO_TCP, 0, false);
	fb_tcp(&f, 1234, 80, TCP_PSH_ACK, 0);
	fb_data(&f, g_payload, sizeof(g_payload) - 1);
	fb_ipv6_end(&f, ip);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
	check_tcp(&f, &d, 14, 62);
}

static void
test_ipv6_first_fragment_short_l4_is_fragment(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;
	uint32_t ip;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, IPPROTO_FRAGMENT);
	fb_frag6(&f, IPPROTO_TCP, 0, true);
	fb_put(&f, 8); /* first 8 bytes of a TCP header */
	fb_ipv6_end(&f, ip);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_FRAGMENT);
	check_v6_addrs(&d);
}

static void
test_ipv4_non_first_fragment(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_eth_ipv4_frag_later(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_FRAGMENT);
	check_v4_addrs(&d);
	CU_ASSERT(d.proto == IPPROTO_UDP);
	CU_ASSERT(d.sport == 0 && d.dport == 0);
}

static void
test_ipv4_first_fragment_decoded(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;
	uint32_t ip, udp;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, IPPROTO_TCP, 0, 0x2000); /* MF, offset 0 */
	fb_tcp(&f, 1234, 80, TCP_PSH_ACK, 0);
	fb_data(&f, g_payload, sizeof(g_payload) - 1);
	fb_ipv4_end(&f, ip);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
	check_tcp(&f, &d, 14, 34);

	/* UDP length covering later fragments: payload bounded by this one */
	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, IPPROTO_UDP, 0, 0x2000);
	udp = fb_udp(&f, 5353, 53);
	fb_data(&f, g_payload, sizeof(g_payload) - 1);
	wr16(f.b + udp + 4, 1480);
	fb_ipv4_end(&f, ip);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
	check_udp(&f, &d, 14, 34);
}

static void
test_ipv4_first_fragment_short_l4_is_fragment(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;
	uint32_t ip;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, IPPROTO_TCP, 0, 0x2000);
	fb_put(&f, 12);
	fb_ipv4_end(&f, ip);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_FRAGMENT);
	check_v4_addrs(&d);

	/* the same cut header without MF is simply malformed */
	f.b[14 + 6] = 0;
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);

	/* a TCP data offset below 5 is malformed even in a first fragment */
	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, IPPROTO_TCP, 0, 0x2000);
	fb_tcp(&f, 1234, 80, 0, 0);
	f.b[34 + 12] = 4 << 4;
	fb_ipv4_end(&f, ip);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);
}

static void
test_icmp_payload(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;
	uint32_t ip;

	mk_eth_ipv4_icmp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
	check_v4_addrs(&d);
	CU_ASSERT(d.proto == IPPROTO_ICMP);
	CU_ASSERT(d.l4_off == 34);
	/* icmp rules inspect what follows the 8-byte header */
	CU_ASSERT(d.payload == f.b + 34 + 8);
	CU_ASSERT(d.payload_len == f.len - 34 - 8);

	/* an ICMP header shorter than 8 bytes, consistently framed */
	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, IPPROTO_ICMP, 0, 0);
	fb_put(&f, 7)[0] = 8;
	fb_ipv4_end(&f, ip);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);
}

static void
test_icmpv6_payload(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;
	uint32_t ip;

	mk_eth_ipv6_icmpv6(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
	check_v6_addrs(&d);
	CU_ASSERT(d.proto == IPPROTO_ICMPV6);
	CU_ASSERT(d.l4_off == 54);
	CU_ASSERT(d.payload == f.b + 54 + 8);
	CU_ASSERT(d.payload_len == f.len - 54 - 8);

	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, IPPROTO_ICMPV6);
	fb_put(&f, 4)[0] = 128;
	fb_ipv6_end(&f, ip);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);
}

static void
test_arp_no_l4(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;
	uint8_t *arp;

	fb_eth(&f, 0x0806);
	arp = fb_put(&f, 28);
	wr16(arp, 1);
	wr16(arp + 2, 0x0800);
	arp[4] = 6;
	arp[5] = 4;
	wr16(arp + 6, 1);
	fb_put(&f, 18); /* padding to the 60-byte minimum */
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_NO_L4);
	CU_ASSERT(d.ip_version == 0);
	CU_ASSERT(d.proto == 0);

	/* an 802.3 length field instead of an ethertype: not IP either */
	wr16(f.b + 12, 46);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_NO_L4);
}

static void
test_other_ip_protocol_no_l4(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;
	uint32_t ip;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, 47 /* GRE */, 0, 0);
	fb_put(&f, 4);
	fb_ipv4_end(&f, ip);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_NO_L4);
	check_v4_addrs(&d);
	CU_ASSERT(d.proto == 47);
	CU_ASSERT(d.l4_off == 34);
}

static void
test_ipv6_no_next_header(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;
	uint32_t ip;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, IPPROTO_DSTOPTS);
	fb_ext6(&f, IPPROTO_NONE, 0);
	fb_ipv6_end(&f, ip);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_NO_L4);
	check_v6_addrs(&d);
	CU_ASSERT(d.proto == IPPROTO_NONE);
	CU_ASSERT(d.l4_off == 62);
}

static void
test_ipv6_jumbogram_malformed(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;
	uint8_t *hbh;

	fb_eth(&f, 0x86dd);
	fb_ipv6(&f, IPPROTO_HOPOPTS); /* payload length stays 0 */
	hbh = fb_put(&f, 8);
	hbh[0] = IPPROTO_UDP;
	hbh[2] = 0xc2; /* jumbo payload option, 4 bytes of length */
	hbh[3] = 4;
	hbh[6] = 1;
	fb_udp(&f, 5353, 53);
	fb_data(&f, g_payload, sizeof(g_payload) - 1);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);
}

static void
test_ipv6_too_many_ext_headers_malformed(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;
	uint32_t ip;
	int i;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, IPPROTO_DSTOPTS);
	for (i = 0; i < 8; i++)
		fb_ext6(&f, IPPROTO_DSTOPTS, 0);
	fb_ext6(&f, IPPROTO_TCP, 0);
	fb_tcp(&f, 1234, 80, TCP_PSH_ACK, 0);
	fb_ipv6_end(&f, ip);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);
}

static void
test_raw_ipv4(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_ipv4_tcp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_RAW, &d) == WEIR_DEC_OK);
	check_v4_addrs(&d);
	check_tcp(&f, &d, 0, 20);
	CU_ASSERT(decode_fb(&f, WEIR_L2_IPV4, &d) == WEIR_DEC_OK);
	check_tcp(&f, &d, 0, 20);
	CU_ASSERT(decode_fb(&f, WEIR_L2_IPV6, &d) == WEIR_DEC_MALFORMED);
}

static void
test_raw_ipv6(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_raw_ipv6_udp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_RAW, &d) == WEIR_DEC_OK);
	check_v6_addrs(&d);
	check_udp(&f, &d, 0, 40);
	CU_ASSERT(decode_fb(&f, WEIR_L2_IPV6, &d) == WEIR_DEC_OK);
	check_udp(&f, &d, 0, 40);
	CU_ASSERT(decode_fb(&f, WEIR_L2_IPV4, &d) == WEIR_DEC_MALFORMED);
}

static void
test_raw_other_version_malformed(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_ipv4_tcp(&f);
	f.b[0] = 0x55;
	CU_ASSERT(decode_fb(&f, WEIR_L2_RAW, &d) == WEIR_DEC_MALFORMED);
	CU_ASSERT(d.ip_version == 0);
}

static void
test_sll(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_sll_ipv4_tcp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_SLL, &d) == WEIR_DEC_OK);
	check_v4_addrs(&d);
	check_tcp(&f, &d, 16, 36);
}

static void
test_sll_vlan(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_sll_vlan_ipv4_tcp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_SLL, &d) == WEIR_DEC_OK);
	CU_ASSERT(d.n_vlan == 1);
	CU_ASSERT(d.vlan[0] == 300);
	check_tcp(&f, &d, 20, 40);
}

static void
test_sll_netlink_no_l4(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	/* from a netlink socket the protocol field is a netlink family,
	 * never an ethertype, even when it happens to read 0x0800 */
	fb_sll(&f, 824, 0x0800);
	mk_ipv4_tcp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_SLL, &d) == WEIR_DEC_NO_L4);
	CU_ASSERT(d.ip_version == 0);
}

static void
test_sll2(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_sll2_ipv6_udp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_SLL2, &d) == WEIR_DEC_OK);
	check_v6_addrs(&d);
	check_udp(&f, &d, 20, 60);
}

static void
test_null_both_byte_orders(void)
{
	static const uint32_t v6_families[] = {10, 24, 28, 30};
	struct fb f;
	struct weir_decoded d;
	size_t i;
	int be;

	for (be = 0; be < 2; be++) {
		memset(&f, 0, sizeof(f));
		fb_family(&f, 2, be);
		mk_ipv4_tcp(&f);
		CU_ASSERT(decode_fb(&f, WEIR_L2_NULL, &d) == WEIR_DEC_OK);
		check_v4_addrs(&d);
		check_tcp(&f, &d, 4, 24);

		for (i = 0; i < sizeof(v6_families) / sizeof(v6_families[0]); i++) {
			memset(&f, 0, sizeof(f));
			fb_family(&f, v6_families[i], be);
			mk_ipv6_udp(&f);
			CU_ASSERT(decode_fb(&f, WEIR_L2_NULL, &d) == WEIR_DEC_OK);
			check_v6_addrs(&d);
			check_udp(&f, &d, 4, 44);
		}

		memset(&f, 0, sizeof(f));
		fb_family(&f, 7 /* AF_NS */, be);
		mk_ipv4_tcp(&f);
		CU_ASSERT(decode_fb(&f, WEIR_L2_NULL, &d) == WEIR_DEC_NO_L4);
		CU_ASSERT(d.ip_version == 0);
	}
}

static void
test_loop(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_loop_ipv4_tcp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_LOOP, &d) == WEIR_DEC_OK);
	check_v4_addrs(&d);
	check_tcp(&f, &d, 4, 24);

	memset(&f, 0, sizeof(f));
	fb_family(&f, 24, true);
	mk_ipv6_udp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_LOOP, &d) == WEIR_DEC_OK);
	check_udp(&f, &d, 4, 44);

	/* LOOP is network order only: a little-endian family is unknown */
	memset(&f, 0, sizeof(f));
	fb_family(&f, 2, false);
	mk_ipv4_tcp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_LOOP, &d) == WEIR_DEC_NO_L4);
}

static void
test_eth_padding_not_payload(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;
	uint32_t ip, udp;

	/* 4 bytes of TCP payload make a 58-byte frame: padded to 60 + 4 */
	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, IPPROTO_TCP, 0, 0);
	fb_tcp(&f, 1234, 80, TCP_PSH_ACK, 0);
	fb_data(&f, "abcd", 4);
	fb_ipv4_end(&f, ip);
	memset(fb_put(&f, 6), 0xaa, 6);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
	CU_ASSERT(d.payload == f.b + 54);
	CU_ASSERT(d.payload_len == 4);

	/* UDP: padding after the datagram, and a UDP length shorter than the
	 * IP payload bounds the payload too */
	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, IPPROTO_UDP, 0, 0);
	udp = fb_udp(&f, 5353, 53);
	fb_data(&f, "abcdef", 6);
	fb_ipv4_end(&f, ip);
	wr16(f.b + udp + 4, 8 + 2);
	memset(fb_put(&f, 10), 0xaa, 10);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
	CU_ASSERT(d.payload == f.b + 42);
	CU_ASSERT(d.payload_len == 2);

	/* IPv6: bytes past the payload length are not payload */
	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x86dd);
	mk_ipv6_udp(&f);
	memset(fb_put(&f, 8), 0xaa, 8);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
	CU_ASSERT(d.payload == f.b + 62);
	CU_ASSERT(d.payload_len == sizeof(g_payload) - 1);
}

struct frame_case {
	const char *name;
	void (*mk)(struct fb *f);
	enum weir_l2 l2;
	enum weir_decode_res full;
};

static const struct frame_case g_frames[] = {
	{"eth/ipv4/tcp", mk_eth_ipv4_tcp, WEIR_L2_ETH, WEIR_DEC_OK},
	{"eth/ipv4/udp", mk_eth_ipv4_udp, WEIR_L2_ETH, WEIR_DEC_OK},
	{"eth/ipv4+opt/tcp+opt", mk_eth_ipv4opt_tcpopt, WEIR_L2_ETH, WEIR_DEC_OK},
	{"eth/vlan/ipv4/tcp", mk_eth_vlan_ipv4_tcp, WEIR_L2_ETH, WEIR_DEC_OK},
	{"eth/qinq/ipv6/udp", mk_eth_qinq_ipv6_udp, WEIR_L2_ETH, WEIR_DEC_OK},
	{"eth/ipv6/ext/tcp", mk_eth_ipv6_ext_tcp, WEIR_L2_ETH, WEIR_DEC_OK},
	{"eth/ipv6/frag0/udp", mk_eth_ipv6_frag_first, WEIR_L2_ETH, WEIR_DEC_OK},
	{"eth/ipv6/frag185", mk_eth_ipv6_frag_later, WEIR_L2_ETH, WEIR_DEC_FRAGMENT},
	{"eth/ipv4/frag185", mk_eth_ipv4_frag_later, WEIR_L2_ETH, WEIR_DEC_FRAGMENT},
	{"eth/ipv4/icmp", mk_eth_ipv4_icmp, WEIR_L2_ETH, WEIR_DEC_OK},
	{"eth/ipv6/icmpv6", mk_eth_ipv6_icmpv6, WEIR_L2_ETH, WEIR_DEC_OK},
	{"raw/ipv4/tcp", mk_ipv4_tcp, WEIR_L2_RAW, WEIR_DEC_OK},
	{"raw/ipv6/udp", mk_raw_ipv6_udp, WEIR_L2_RAW, WEIR_DEC_OK},
	{"sll/ipv4/tcp", mk_sll_ipv4_tcp, WEIR_L2_SLL, WEIR_DEC_OK},
	{"sll/vlan/ipv4/tcp", mk_sll_vlan_ipv4_tcp, WEIR_L2_SLL, WEIR_DEC_OK},
	{"sll2/ipv6/udp", mk_sll2_ipv6_udp, WEIR_L2_SLL2, WEIR_DEC_OK},
	{"null-le/ipv4/tcp", mk_null_le_ipv4_tcp, WEIR_L2_NULL, WEIR_DEC_OK},
	{"null-be/ipv6/udp", mk_null_be_ipv6_udp, WEIR_L2_NULL, WEIR_DEC_OK},
	{"loop/ipv4/tcp", mk_loop_ipv4_tcp, WEIR_L2_LOOP, WEIR_DEC_OK},
};

/*
 * Every prefix of a well-formed frame is malformed. FRAGMENT, the other
 * outcome a cut could plausibly give, cannot appear: the IP length is
 * checked against the capture before the fragment fields are read, and in
 * these frames the IP packet runs to the last byte, so a cut anywhere,
 * payload included, leaves the IP length beyond the capture.
 */
static void
test_every_truncation_point_malformed(void)
{
	char msg[128];
	struct weir_decoded d;
	enum weir_decode_res res;
	struct fb f;
	size_t i;
	uint32_t n;

	for (i = 0; i < sizeof(g_frames) / sizeof(g_frames[0]); i++) {
		memset(&f, 0, sizeof(f));
		g_frames[i].mk(&f);
		res = decode_fb(&f, g_frames[i].l2, &d);
		if (res != g_frames[i].full) {
			snprintf(msg, sizeof(msg), "%s: full frame gave %d", g_frames[i].name, res);
			CU_FAIL(msg);
		}
		for (n = 0; n < f.len; n++) {
			res = decode_n(&f, n, g_frames[i].l2, &d);
			if (res != WEIR_DEC_MALFORMED) {
				snprintf(msg, sizeof(msg), "%s: prefix %u of %u gave %d",
					 g_frames[i].name, n, f.len, res);
				CU_FAIL(msg);
			}
		}
	}
}

/* With Ethernet padding, cuts inside the IP packet are malformed and cuts
 * inside the padding still decode the same payload. */
static void
test_truncation_into_padding(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;
	uint32_t ip_end, n;

	mk_eth_ipv4_tcp(&f);
	ip_end = f.len;
	memset(fb_put(&f, 12), 0xaa, 12);
	for (n = 0; n <= f.len; n++) {
		if (n < ip_end) {
			CU_ASSERT(decode_n(&f, n, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);
		} else {
			CU_ASSERT(decode_n(&f, n, WEIR_L2_ETH, &d) == WEIR_DEC_OK);
			CU_ASSERT(d.payload == f.b + ip_end - (sizeof(g_payload) - 1));
			CU_ASSERT(d.payload_len == sizeof(g_payload) - 1);
		}
	}
}

static void
test_ipv4_ihl_below_5_malformed(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_eth_ipv4_tcp(&f);
	f.b[14] = 0x44;
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);
	CU_ASSERT(d.ip_version == 0);
}

static void
test_ipv4_ihl_beyond_total_length_malformed(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	/* IHL 15 (60 bytes) with a 40-byte total, though the frame has 60+ */
	mk_eth_ipv4_tcp(&f);
	f.b[14] = 0x4f;
	wr16(f.b + 14 + 2, 40);
	CU_ASSERT(f.len >= 14 + 60);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);

	/* a total length below the 20-byte minimum header */
	memset(&f, 0, sizeof(f));
	mk_eth_ipv4_tcp(&f);
	wr16(f.b + 14 + 2, 19);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);
}

static void
test_ipv4_total_length_beyond_frame_malformed(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_eth_ipv4_tcp(&f);
	wr16(f.b + 14 + 2, (uint16_t)(f.len - 14 + 1));
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);
}

static void
test_tcp_doff_below_5_malformed(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_eth_ipv4_tcp(&f);
	f.b[34 + 12] = 4 << 4;
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);
}

static void
test_tcp_doff_beyond_segment_malformed(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;
	uint32_t ip;

	/* 60-byte data offset in a 28-byte segment; the frame itself is
	 * padded past 60 so only the IP length bounds the header */
	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, IPPROTO_TCP, 0, 0);
	fb_tcp(&f, 1234, 80, TCP_PSH_ACK, 0);
	fb_data(&f, "abcdefgh", 8);
	fb_ipv4_end(&f, ip);
	fb_put(&f, 40);
	f.b[34 + 12] = 15 << 4;
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);
}

static void
test_udp_len_below_8_malformed(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_eth_ipv4_udp(&f);
	wr16(f.b + 34 + 4, 7);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);
	wr16(f.b + 34 + 4, 0);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);
}

static void
test_udp_len_beyond_ip_payload_malformed(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	mk_eth_ipv4_udp(&f);
	wr16(f.b + 34 + 4, (uint16_t)(f.len - 34 + 1));
	fb_put(&f, 8); /* padding: the frame would hold it, the IP does not */
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);

	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x86dd);
	mk_ipv6_udp(&f);
	wr16(f.b + 54 + 4, (uint16_t)(f.len - 54 + 1));
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);
}

static void
test_ipv6_payload_len_beyond_frame_malformed(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	fb_eth(&f, 0x86dd);
	mk_ipv6_udp(&f);
	wr16(f.b + 14 + 4, (uint16_t)(f.len - 54 + 1));
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);
	CU_ASSERT(d.ip_version == 0);
}

static void
test_ipv6_ext_len_beyond_frame_malformed(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;
	uint32_t ip;

	/* routing header claiming 40 bytes with 8 present */
	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, IPPROTO_ROUTING);
	fb_ext6(&f, IPPROTO_NONE, 0);
	f.b[54 + 1] = 4;
	fb_ipv6_end(&f, ip);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);

	/* the same with the frame padded: beyond the payload length is
	 * still beyond the packet */
	fb_put(&f, 40);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);
}

static void
test_ip_version_mismatch_malformed(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	/* ethertype IPv4 over an IPv6 packet, and the reverse */
	fb_eth(&f, 0x0800);
	mk_ipv6_udp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);

	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x86dd);
	mk_ipv4_tcp(&f);
	fb_put(&f, 40); /* so the length check alone cannot reject it */
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_MALFORMED);

	memset(&f, 0, sizeof(f));
	fb_family(&f, 2, false);
	mk_ipv6_udp(&f);
	CU_ASSERT(decode_fb(&f, WEIR_L2_NULL, &d) == WEIR_DEC_MALFORMED);

	memset(&f, 0, sizeof(f));
	fb_sll(&f, 1, 0x86dd);
	mk_ipv4_tcp(&f);
	fb_put(&f, 40);
	CU_ASSERT(decode_fb(&f, WEIR_L2_SLL, &d) == WEIR_DEC_MALFORMED);
}

static void
test_result_fields_reset(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;

	/* a decode leaves nothing of the previous packet behind */
	memset(&d, 0x5a, sizeof(d));
	fb_eth(&f, 0x0806);
	fb_put(&f, 46);
	CU_ASSERT(decode_fb(&f, WEIR_L2_ETH, &d) == WEIR_DEC_NO_L4);
	CU_ASSERT(d.payload == NULL);
	CU_ASSERT(d.payload_len == 0);
	CU_ASSERT(d.n_vlan == 0 && d.vlan[0] == 0 && d.vlan[1] == 0);
	CU_ASSERT(d.ip_version == 0 && d.proto == 0 && d.tcp_flags == 0);
	CU_ASSERT(d.sport == 0 && d.dport == 0);
	CU_ASSERT(is_zero(d.src, 16) && is_zero(d.dst, 16));
	CU_ASSERT(d.l3_off == 0 && d.l4_off == 0);

	/* an unknown link type is refused, not guessed */
	CU_ASSERT(decode_fb(&f, (enum weir_l2)99, &d) == WEIR_DEC_MALFORMED);
}

/* ---- tunnels (weir_decode_tun) ------------------------------------------- */

static const struct weir_decode_conf g_all_tunnels = {
	.tunnels = WEIR_TUN_VXLAN | WEIR_TUN_GENEVE | WEIR_TUN_GRE | WEIR_TUN_IPIP |
		   WEIR_TUN_TEREDO | WEIR_TUN_GTPU | WEIR_TUN_MPLS | WEIR_TUN_PPPOE | WEIR_TUN_NSH,
	.max_depth = 16};

static const uint8_t g_in_src[4] = {172, 16, 0, 1};
static const uint8_t g_in_dst[4] = {172, 16, 0, 2};

static enum weir_decode_res
decode_tun(const struct fb *f, const struct weir_decode_conf *c, struct weir_decoded *d)
{
	uint8_t *buf = malloc(f->len);
	enum weir_decode_res res;

	WEIR_CU_ASSERT_FATAL(buf != NULL);
	memcpy(buf, f->b, f->len);
	res = weir_decode_tun(buf, f->len, WEIR_L2_ETH, c, d);
	if (d->payload != NULL) {
		CU_ASSERT_FATAL(d->payload >= buf && d->payload + d->payload_len <= buf + f->len);
		d->payload = f->b + (d->payload - buf);
	}
	free(buf);
	return res;
}

/* The inner IPv4/UDP packet every tunnel test carries: 172.16.0.1:1111 ->
 * 172.16.0.2:2222 "inner". */
static void
fb_inner_v4_udp(struct fb *f)
{
	uint32_t ip = fb_ipv4(f, IPPROTO_UDP, 0, 0), u;

	memcpy(f->b + ip + 12, g_in_src, 4);
	memcpy(f->b + ip + 16, g_in_dst, 4);
	u = fb_udp(f, 1111, 2222);
	fb_data(f, "inner", 5);
	fb_udp_end(f, u);
	fb_ipv4_end(f, ip);
}

static void
check_inner(const struct fb *f, enum weir_decode_res res, const struct weir_decoded *d,
	    uint8_t depth)
{
	CU_ASSERT_EQUAL(res, WEIR_DEC_OK);
	CU_ASSERT_EQUAL(d->depth, depth);
	CU_ASSERT_EQUAL(d->ip_version, 4);
	CU_ASSERT(memcmp(d->src, g_in_src, 4) == 0 && memcmp(d->dst, g_in_dst, 4) == 0);
	CU_ASSERT_EQUAL(d->proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(d->sport, 1111);
	CU_ASSERT_EQUAL(d->dport, 2222);
	CU_ASSERT_EQUAL_FATAL(d->payload_len, 5);
	CU_ASSERT(memcmp(d->payload, "inner", 5) == 0);
	CU_ASSERT(d->payload == f->b + f->len - 5);
}

static void
mk_vxlan(struct fb *f, uint8_t flags)
{
	uint32_t ip, u;
	uint8_t *v;

	fb_eth(f, 0x0800);
	ip = fb_ipv4(f, IPPROTO_UDP, 0, 0);
	u = fb_udp(f, 50000, 4789);
	v = fb_put(f, 8);
	v[0] = flags;
	v[6] = 0x2a; /* VNI 42 */
	fb_eth(f, 0x0800);
	fb_inner_v4_udp(f);
	fb_udp_end(f, u);
	fb_ipv4_end(f, ip);
}

static void
test_vxlan(void)
{
	struct fb f = {0};
	struct weir_decoded d;

	mk_vxlan(&f, 0x08);
	check_inner(&f, decode_tun(&f, &g_all_tunnels, &d), &d, 1);
	/* the outer layer, as Suricata's tunnel object names it */
	CU_ASSERT_EQUAL(d.outer_ip_version, 4);
	CU_ASSERT_EQUAL(d.outer_proto, IPPROTO_UDP);
	CU_ASSERT(memcmp(d.outer_src, g_v4_src, 4) == 0 && memcmp(d.outer_dst, g_v4_dst, 4) == 0);
	CU_ASSERT_EQUAL(d.outer_sport, 50000);
	CU_ASSERT_EQUAL(d.outer_dport, 4789);
	/* off: the UDP packet to port 4789, as before */
	CU_ASSERT_EQUAL(decode_fb(&f, WEIR_L2_ETH, &d), WEIR_DEC_OK);
	CU_ASSERT_EQUAL(d.depth, 0);
	CU_ASSERT_EQUAL(d.dport, 4789);
	/* not a VXLAN header (I flag clear): the outer packet */
	f.len = 0;
	mk_vxlan(&f, 0x00);
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_OK);
	CU_ASSERT_EQUAL(d.depth, 0);
	CU_ASSERT_EQUAL(d.dport, 4789);
}

static void
test_vxlan_inner_malformed_keeps_outer(void)
{
	struct fb f = {0};
	struct weir_decoded d;

	mk_vxlan(&f, 0x08);
	/* the inner IPv4 header claims more than there is */
	wr16(f.b + 14 + 20 + 8 + 8 + 14 + 2, 1000);
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_OK);
	CU_ASSERT_EQUAL(d.depth, 0);
	CU_ASSERT_EQUAL(d.dport, 4789);
	CU_ASSERT(memcmp(d.src, g_v4_src, 4) == 0);
}

static void
test_depth_limit(void)
{
	struct weir_decode_conf one = g_all_tunnels;
	struct fb f = {0};
	struct weir_decoded d;
	uint32_t o1, o2;

	/* IPv4 in IPv4 in IPv4 */
	fb_eth(&f, 0x0800);
	o1 = fb_ipv4(&f, IPPROTO_IPIP, 0, 0);
	o2 = fb_ipv4(&f, IPPROTO_IPIP, 0, 0);
	fb_inner_v4_udp(&f);
	fb_ipv4_end(&f, o2);
	fb_ipv4_end(&f, o1);
	check_inner(&f, decode_tun(&f, &g_all_tunnels, &d), &d, 2);
	one.max_depth = 1;
	CU_ASSERT_EQUAL(decode_tun(&f, &one, &d), WEIR_DEC_NO_L4);
	CU_ASSERT_EQUAL(d.depth, 1);
	CU_ASSERT_EQUAL(d.proto, IPPROTO_IPIP);
}

static void
test_gre_key_seq_and_erspan(void)
{
	static const uint16_t flags[] = {0x0000, 0x2000, 0x3000, 0xb000};
	struct fb f;
	struct weir_decoded d;
	unsigned int k;

	for (k = 0; k < 4; k++) {
		uint32_t ip;
		uint8_t *g;
		unsigned int n = 4 + 4 * (unsigned int)__builtin_popcount(flags[k]);

		memset(&f, 0, sizeof(f));
		fb_eth(&f, 0x0800);
		ip = fb_ipv4(&f, IPPROTO_GRE, 0, 0);
		g = fb_put(&f, n);
		wr16(g, flags[k]);
		wr16(g + 2, 0x0800);
		fb_inner_v4_udp(&f);
		fb_ipv4_end(&f, ip);
		check_inner(&f, decode_tun(&f, &g_all_tunnels, &d), &d, 1);
		CU_ASSERT_EQUAL(d.outer_proto, IPPROTO_GRE);
	}
	/* ERSPAN type II (sequence number, 8-byte header) and III (12 + 8) */
	for (k = 2; k <= 3; k++) {
		uint32_t ip;
		uint8_t *g, *e;

		memset(&f, 0, sizeof(f));
		fb_eth(&f, 0x0800);
		ip = fb_ipv4(&f, IPPROTO_GRE, 0, 0);
		g = fb_put(&f, 8);
		wr16(g, 0x1000);
		wr16(g + 2, k == 2 ? 0x88be : 0x22eb);
		e = fb_put(&f, k == 2 ? 8 : 20);
		e[0] = (uint8_t)((k - 1) << 4);
		if (k == 3)
			e[11] = 0x01; /* platform-specific subheader follows */
		fb_eth(&f, 0x0800);
		fb_inner_v4_udp(&f);
		fb_ipv4_end(&f, ip);
		check_inner(&f, decode_tun(&f, &g_all_tunnels, &d), &d, 1);
	}
}

static void
test_geneve_options(void)
{
	struct fb f = {0};
	struct weir_decoded d;
	uint32_t ip, u;
	uint8_t *g;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, IPPROTO_UDP, 0, 0);
	u = fb_udp(&f, 50000, 6081);
	g = fb_put(&f, 8 + 8);
	g[0] = 2; /* 8 bytes of options */
	wr16(g + 2, 0x6558);
	fb_eth(&f, 0x0800);
	fb_inner_v4_udp(&f);
	fb_udp_end(&f, u);
	fb_ipv4_end(&f, ip);
	check_inner(&f, decode_tun(&f, &g_all_tunnels, &d), &d, 1);
}

static void
test_gtpu_with_extension(void)
{
	struct fb f = {0};
	struct weir_decoded d;
	uint32_t ip, u, gtp;
	uint8_t *g;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, IPPROTO_UDP, 0, 0);
	u = fb_udp(&f, 2152, 2152);
	gtp = f.len;
	g = fb_put(&f, 12 + 4);
	g[0] = 0x34; /* version 1, PT, E */
	g[1] = 0xff;
	g[11] = 0x85; /* PDU session container */
	g[12] = 1;    /* 4 bytes */
	g[15] = 0;    /* no next extension */
	fb_inner_v4_udp(&f);
	wr16(f.b + gtp + 2, (uint16_t)(f.len - gtp - 8));
	fb_udp_end(&f, u);
	fb_ipv4_end(&f, ip);
	check_inner(&f, decode_tun(&f, &g_all_tunnels, &d), &d, 1);
}

static void
test_mpls_and_pppoe_are_not_layers(void)
{
	struct fb f = {0};
	struct weir_decoded d;
	uint8_t *p;
	uint32_t s;

	/* two labels, bottom of stack on the second */
	fb_eth(&f, 0x8847);
	p = fb_put(&f, 8);
	p[2] = 0x00;
	p[6] = 0x01;
	fb_inner_v4_udp(&f);
	check_inner(&f, decode_tun(&f, &g_all_tunnels, &d), &d, 0);
	CU_ASSERT_EQUAL(decode_fb(&f, WEIR_L2_ETH, &d), WEIR_DEC_NO_L4); /* off */

	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x8864);
	s = f.len;
	p = fb_put(&f, 8);
	p[0] = 0x11;
	wr16(p + 6, 0x0021);
	fb_inner_v4_udp(&f);
	wr16(f.b + s + 4, (uint16_t)(f.len - s - 6));
	check_inner(&f, decode_tun(&f, &g_all_tunnels, &d), &d, 0);
}

/* @p n MPLS pseudowires nested: a label (bottom of stack), a zero control
 * word and an Ethernet header whose type is MPLS again, the last one
 * carrying IPv4. */
static void
fb_pseudowires(struct fb *f, unsigned int n)
{
	unsigned int i;
	uint8_t *p;

	memset(f, 0, sizeof(*f));
	fb_eth(f, 0x8847);
	for (i = 0; i < n; i++) {
		p = fb_put(f, 4 + 4);
		p[2] = 0x01; /* bottom of stack; the control word stays 0 */
		fb_eth(f, i + 1 < n ? 0x8847 : 0x0800);
	}
	fb_inner_v4_udp(f);
}

/* Ethernet in MPLS in Ethernet... is no tunnel layer, so only the number
 * of Ethernet headers bounds it: 16, Suricata's default max decoded
 * layers (decode.h PacketIncreaseCheckLayers, decoder.too_many_layers).
 * The outer frame's header is the first. */
static void
test_pseudowire_loop_bounded(void)
{
	struct fb f;
	struct weir_decoded d;

	fb_pseudowires(&f, 15); /* 16 Ethernet headers */
	check_inner(&f, decode_tun(&f, &g_all_tunnels, &d), &d, 0);
	CU_ASSERT_FALSE((d.events & WEIR_PEV_BIT(WEIR_PEV_too_many_layers)) != 0);

	fb_pseudowires(&f, 16); /* 17 */
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_MALFORMED);
	CU_ASSERT_TRUE((d.events & WEIR_PEV_BIT(WEIR_PEV_too_many_layers)) != 0);
	CU_ASSERT_EQUAL(d.tun_note, WEIR_TUN_NOTE_DEPTH);

	fb_pseudowires(&f, 20); /* further past the bound: the same */
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_MALFORMED);
	CU_ASSERT_TRUE((d.events & WEIR_PEV_BIT(WEIR_PEV_too_many_layers)) != 0);
}

/* An NSH header (RFC 8300): version 0, TTL 63, @p words of length, MD
 * type @p md, next protocol @p np, SPI 1 SI 255, zeroed context. */
static void
fb_nsh(struct fb *f, uint8_t words, uint8_t md, uint8_t np)
{
	uint8_t *p = fb_put(f, (uint32_t)words * 4 < 8 ? 8 : (uint32_t)words * 4);

	wr16(p, (uint16_t)(63 << 6 | words));
	p[2] = md;
	p[3] = np;
	p[6] = 1;
	p[7] = 255;
}

/* Suricata's decode-nsh.c cases, and NSH not being a tunnel layer. */
static void
test_nsh(void)
{
	struct fb f = {0};
	struct weir_decoded d;

	/* MD type 2, IPv4 inside: decoded, no depth, counted */
	fb_eth(&f, 0x894f);
	fb_nsh(&f, 2, 2, 1);
	fb_inner_v4_udp(&f);
	check_inner(&f, decode_tun(&f, &g_all_tunnels, &d), &d, 0);
	CU_ASSERT_EQUAL(d.nsh, 1);
	CU_ASSERT_EQUAL(d.tun_via, 0);
	CU_ASSERT_EQUAL(decode_fb(&f, WEIR_L2_ETH, &d), WEIR_DEC_NO_L4); /* off */
	CU_ASSERT_EQUAL(d.nsh, 0);

	/* MD type 1 (24 bytes), Ethernet inside, then NSH again, then IPv4 */
	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x894f);
	fb_nsh(&f, 6, 1, 3);
	fb_eth(&f, 0x894f);
	fb_nsh(&f, 2, 2, 1);
	fb_inner_v4_udp(&f);
	check_inner(&f, decode_tun(&f, &g_all_tunnels, &d), &d, 0);
	CU_ASSERT_EQUAL(d.nsh, 2);

	/* MD type 1 must be 24 bytes; a length past the packet, or short of
	 * the 8-byte header: malformed */
	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x894f);
	fb_nsh(&f, 5, 1, 1);
	fb_inner_v4_udp(&f);
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_MALFORMED);
	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x894f);
	fb_nsh(&f, 2, 2, 1);
	f.b[DEC_T_ETH_HLEN + 1] = 0x3f; /* 252 bytes */
	fb_inner_v4_udp(&f);
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_MALFORMED);
	f.b[DEC_T_ETH_HLEN + 1] = (uint8_t)(63 << 6 | 1);
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_MALFORMED);
	/* cut inside the header */
	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x894f);
	fb_put(&f, 7);
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_MALFORMED);

	/* not decoded, well formed: version 1, MD types 0, 0xf and 3, next
	 * protocol NSH (4) or unknown */
	{
		static const uint8_t cases[][3] = {{2, 2, 1}, {2, 0, 1}, {2, 0xf, 1},
						   {2, 3, 1}, {2, 2, 4}, {2, 2, 0x99}};
		size_t i;

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			memset(&f, 0, sizeof(f));
			fb_eth(&f, 0x894f);
			fb_nsh(&f, cases[i][0], cases[i][1], cases[i][2]);
			if (i == 0)
				f.b[DEC_T_ETH_HLEN] |= 0x40; /* version 1 */
			fb_inner_v4_udp(&f);
			CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_NO_L4);
			CU_ASSERT_EQUAL(d.ip_version, 0);
		}
	}

	/* a chain of NSH-in-Ethernet past DEC_MAX_NSH (4) headers: malformed */
	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x894f);
	{
		int i;

		for (i = 0; i < 5; i++) {
			fb_nsh(&f, 2, 2, 3);
			fb_eth(&f, 0x894f);
		}
	}
	fb_nsh(&f, 2, 2, 1);
	fb_inner_v4_udp(&f);
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_MALFORMED);

	/* inside a VXLAN tunnel's Ethernet: a tunnel layer (VXLAN's), NSH not */
	memset(&f, 0, sizeof(f));
	{
		uint32_t ip, u;
		uint8_t *v;

		fb_eth(&f, 0x0800);
		ip = fb_ipv4(&f, IPPROTO_UDP, 0, 0);
		u = fb_udp(&f, 50000, 4789);
		v = fb_put(&f, 8);
		v[0] = 0x08;
		fb_eth(&f, 0x894f);
		fb_nsh(&f, 2, 2, 1);
		fb_inner_v4_udp(&f);
		fb_udp_end(&f, u);
		fb_ipv4_end(&f, ip);
	}
	check_inner(&f, decode_tun(&f, &g_all_tunnels, &d), &d, 1);
	CU_ASSERT_EQUAL(d.nsh, 1);
	CU_ASSERT_EQUAL(d.tun_via, WEIR_EV_TUN_VXLAN);
}

/* Why an encapsulation was not decoded through (tun_note, the worker's
 * tun_* counters): each cause by construction, the first one kept. */
static void
test_tun_notes(void)
{
	struct weir_decode_conf no_vxlan = g_all_tunnels, shallow = g_all_tunnels;
	struct fb f = {0};
	struct weir_decoded d;
	uint8_t *p;
	uint32_t ip, u;

	/* decoded through, or plain: nothing to say */
	mk_vxlan(&f, 0x08);
	check_inner(&f, decode_tun(&f, &g_all_tunnels, &d), &d, 1);
	CU_ASSERT_EQUAL(d.tun_note, WEIR_TUN_NOTE_NONE);
	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x0800);
	fb_inner_v4_udp(&f);
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_OK);
	CU_ASSERT_EQUAL(d.tun_note, WEIR_TUN_NOTE_NONE);

	/* VXLAN flags without I: its header */
	memset(&f, 0, sizeof(f));
	mk_vxlan(&f, 0x00);
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_OK);
	CU_ASSERT_EQUAL(d.depth, 0);
	CU_ASSERT_EQUAL(d.tun_note, WEIR_TUN_NOTE_HEADER);

	/* VXLAN off; the same packet past a depth limit of 0 */
	memset(&f, 0, sizeof(f));
	mk_vxlan(&f, 0x08);
	no_vxlan.tunnels &= ~(uint32_t)WEIR_TUN_VXLAN;
	CU_ASSERT_EQUAL(decode_tun(&f, &no_vxlan, &d), WEIR_DEC_OK);
	CU_ASSERT_EQUAL(d.depth, 0);
	CU_ASSERT_EQUAL(d.tun_note, WEIR_TUN_NOTE_DISABLED);
	shallow.max_depth = 0;
	CU_ASSERT_EQUAL(decode_tun(&f, &shallow, &d), WEIR_DEC_OK);
	CU_ASSERT_EQUAL(d.depth, 0);
	CU_ASSERT_EQUAL(d.tun_note, WEIR_TUN_NOTE_DEPTH);

	/* the inner IPv4 cut short: inner malformed */
	f.len -= 3;
	wr16(f.b + 14 + 2, (uint16_t)(f.len - 14));	      /* outer IP length */
	wr16(f.b + 14 + 20 + 4, (uint16_t)(f.len - 14 - 20)); /* UDP length */
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_OK);
	CU_ASSERT_EQUAL(d.depth, 0);
	CU_ASSERT_EQUAL(d.tun_note, WEIR_TUN_NOTE_INNER_MALFORMED);

	/* ARP inside: not IP */
	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, IPPROTO_UDP, 0, 0);
	u = fb_udp(&f, 50000, 4789);
	p = fb_put(&f, 8);
	p[0] = 0x08;
	fb_eth(&f, 0x0806);
	fb_put(&f, 28);
	fb_udp_end(&f, u);
	fb_ipv4_end(&f, ip);
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_OK);
	CU_ASSERT_EQUAL(d.tun_note, WEIR_TUN_NOTE_INNER_NOT_IP);

	/* GRE of an unknown protocol, GRE version 1: unknown; GRE off */
	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, IPPROTO_GRE, 0, 0);
	p = fb_put(&f, 8);
	wr16(p + 2, 0x88b5);
	fb_ipv4_end(&f, ip);
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_NO_L4);
	CU_ASSERT_EQUAL(d.tun_note, WEIR_TUN_NOTE_UNKNOWN);
	p[1] = 0x01;
	wr16(p + 2, 0x880b);
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_NO_L4);
	CU_ASSERT_EQUAL(d.tun_note, WEIR_TUN_NOTE_UNKNOWN);
	CU_ASSERT_EQUAL(decode_fb(&f, WEIR_L2_ETH, &d), WEIR_DEC_NO_L4);
	CU_ASSERT_EQUAL(d.tun_note, WEIR_TUN_NOTE_DISABLED);

	/* a broken MPLS stack (no bottom of stack): malformed, its header */
	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x8847);
	fb_put(&f, 8);
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_MALFORMED);
	CU_ASSERT_EQUAL(d.tun_note, WEIR_TUN_NOTE_HEADER);
	/* an NSH of version 1: unknown */
	memset(&f, 0, sizeof(f));
	fb_eth(&f, 0x894f);
	fb_nsh(&f, 2, 2, 1);
	f.b[DEC_T_ETH_HLEN] |= 0x40;
	fb_inner_v4_udp(&f);
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_NO_L4);
	CU_ASSERT_EQUAL(d.tun_note, WEIR_TUN_NOTE_UNKNOWN);
}

static void
test_teredo(void)
{
	struct fb f = {0};
	struct weir_decoded d;
	uint32_t ip, u, i6, u6;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, IPPROTO_UDP, 0, 0);
	u = fb_udp(&f, 3544, 40000);
	i6 = fb_ipv6(&f, IPPROTO_UDP);
	u6 = fb_udp(&f, 1111, 2222);
	fb_data(&f, "inner", 5);
	fb_udp_end(&f, u6);
	fb_ipv6_end(&f, i6);
	fb_udp_end(&f, u);
	fb_ipv4_end(&f, ip);
	CU_ASSERT_EQUAL(decode_tun(&f, &g_all_tunnels, &d), WEIR_DEC_OK);
	CU_ASSERT_EQUAL(d.depth, 1);
	CU_ASSERT_EQUAL(d.ip_version, 6);
	CU_ASSERT_EQUAL(d.sport, 1111);
	CU_ASSERT_EQUAL(d.outer_sport, 3544);
}

static void
test_ppp_and_cisco_hdlc(void)
{
	struct fb f = {0};
	struct weir_decoded d;
	uint8_t *p;

	/* LINKTYPE_PPP with HDLC address and control, then IPv4 */
	p = fb_put(&f, 4);
	p[0] = 0xff;
	p[1] = 0x03;
	wr16(p + 2, 0x0021);
	fb_inner_v4_udp(&f);
	check_inner(&f, decode_n(&f, f.len, WEIR_L2_PPP, &d), &d, 0);
	check_inner(&f, decode_n(&f, f.len, WEIR_L2_PPP_HDLC, &d), &d, 0);
	/* without them, and a compressed (one-byte) protocol field */
	memset(&f, 0, sizeof(f));
	p = fb_put(&f, 1);
	p[0] = 0x21;
	fb_inner_v4_udp(&f);
	check_inner(&f, decode_n(&f, f.len, WEIR_L2_PPP, &d), &d, 0);
	/* LCP: no L4 */
	memset(&f, 0, sizeof(f));
	p = fb_put(&f, 8);
	wr16(p, 0xc021);
	CU_ASSERT_EQUAL(decode_fb(&f, WEIR_L2_PPP, &d), WEIR_DEC_NO_L4);
	/* Cisco HDLC, unicast, IPv4; also under LINKTYPE_PPP_HDLC */
	memset(&f, 0, sizeof(f));
	p = fb_put(&f, 4);
	p[0] = 0x0f;
	wr16(p + 2, 0x0800);
	fb_inner_v4_udp(&f);
	check_inner(&f, decode_n(&f, f.len, WEIR_L2_CHDLC, &d), &d, 0);
	check_inner(&f, decode_n(&f, f.len, WEIR_L2_PPP_HDLC, &d), &d, 0);
	CU_ASSERT_EQUAL(decode_n(&f, 3, WEIR_L2_CHDLC, &d), WEIR_DEC_MALFORMED);
}

/* ---- Suricata's decoder events (weir_decoded.events) ------------------ */

#define EVB(id) WEIR_PEV_BIT(WEIR_PEV_##id)

/* Decode @p f (cut to @p n bytes) as Ethernet: @p res and exactly @p ev. */
static void
expect_ev(const struct fb *f, uint32_t n, enum weir_decode_res res, uint64_t ev, int line)
{
	struct weir_decoded d;
	enum weir_decode_res r = decode_n(f, n, WEIR_L2_ETH, &d);

	if (r != res || d.events != ev)
		fprintf(stderr, "\n  line %d: res %d events %#llx, want %d %#llx\n", line, r,
			(unsigned long long)d.events, res, (unsigned long long)ev);
	CU_ASSERT(r == res && d.events == ev);
}

#define EXPECT_EV(f, n, res, ev) expect_ev(f, n, res, ev, __LINE__)

static void
test_events_ipv4(void)
{
	struct fb f = {.len = 0};
	uint32_t ip;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, IPPROTO_TCP, 0, 0);
	fb_tcp(&f, 1234, 80, 0x18, 0);
	fb_data(&f, "abcd", 4);
	fb_ipv4_end(&f, ip);
	EXPECT_EV(&f, f.len, WEIR_DEC_OK, 0);
	/* DecodeIPV4Packet's checks, in its order */
	EXPECT_EV(&f, 14 + 19, WEIR_DEC_MALFORMED, EVB(ipv4_pkt_too_small));
	EXPECT_EV(&f, 14, WEIR_DEC_MALFORMED, EVB(ipv4_pkt_too_small));
	EXPECT_EV(&f, 13, WEIR_DEC_MALFORMED, EVB(ethernet_pkt_too_small));
	EXPECT_EV(&f, f.len - 1, WEIR_DEC_MALFORMED, EVB(ipv4_trunc_pkt));
	f.b[ip] = 0x55; /* version 5 */
	EXPECT_EV(&f, f.len, WEIR_DEC_MALFORMED, EVB(ipv4_wrong_ip_version));
	f.b[ip] = 0x44; /* header length 16 */
	EXPECT_EV(&f, f.len, WEIR_DEC_MALFORMED, EVB(ipv4_hlen_too_small));
	f.b[ip] = 0x45;
	wr16(f.b + ip + 2, 19); /* total length below the header's */
	EXPECT_EV(&f, f.len, WEIR_DEC_MALFORMED, EVB(ipv4_iplen_smaller_than_hlen));
	/* TCP: cut below 20 bytes, data offset past the end, below 5 */
	wr16(f.b + ip + 2, 20 + 12);
	EXPECT_EV(&f, f.len, WEIR_DEC_MALFORMED, EVB(tcp_pkt_too_small));
	wr16(f.b + ip + 2, 20 + 24);
	f.b[ip + 20 + 12] = 0x70; /* 28 bytes of header in 24 */
	EXPECT_EV(&f, f.len, WEIR_DEC_MALFORMED, EVB(tcp_hlen_too_small));
	f.b[ip + 20 + 12] = 0x40;
	EXPECT_EV(&f, f.len, WEIR_DEC_MALFORMED, EVB(tcp_invalid_optlen));
}

static void
test_events_l4(void)
{
	struct fb f = {.len = 0};
	uint32_t ip, u;

	fb_eth(&f, 0x0800);
	ip = fb_ipv4(&f, IPPROTO_UDP, 0, 0);
	u = fb_udp(&f, 53, 53);
	fb_data(&f, "abcd", 4);
	fb_udp_end(&f, u);
	fb_ipv4_end(&f, ip);
	EXPECT_EV(&f, f.len, WEIR_DEC_OK, 0);
	wr16(f.b + u + 4, 13); /* past the datagram's end */
	EXPECT_EV(&f, f.len, WEIR_DEC_MALFORMED, EVB(udp_pkt_too_small));
	wr16(f.b + ip + 2, 20 + 6);
	EXPECT_EV(&f, f.len, WEIR_DEC_MALFORMED, EVB(udp_hlen_too_small));
	/* a first fragment cut short is a fragment, no event */
	wr16(f.b + ip + 6, 0x2000);
	EXPECT_EV(&f, f.len, WEIR_DEC_FRAGMENT, 0);
	wr16(f.b + ip + 6, 0);
	/* ICMP cut short; ICMPv6 in IPv4 */
	f.b[ip + 9] = IPPROTO_ICMP;
	EXPECT_EV(&f, f.len, WEIR_DEC_MALFORMED, EVB(icmpv4_pkt_too_small));
	f.b[ip + 9] = IPPROTO_ICMPV6;
	wr16(f.b + ip + 2, 20 + 12);
	EXPECT_EV(&f, f.len, WEIR_DEC_OK, EVB(ipv4_icmpv6));
}

static void
test_events_ipv6(void)
{
	struct fb f = {.len = 0};
	uint32_t ip;

	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, IPPROTO_ROUTING);
	fb_ext6(&f, IPPROTO_ROUTING, 0);
	fb_ext6(&f, IPPROTO_HOPOPTS, 0);
	fb_ext6(&f, IPPROTO_DSTOPTS, 0);
	fb_ext6(&f, IPPROTO_DSTOPTS, 0);
	fb_ext6(&f, IPPROTO_DSTOPTS, 0);
	fb_ext6(&f, IPPROTO_NONE, 0);
	fb_data(&f, "x", 1);
	fb_ipv6_end(&f, ip);
	/* fb_ext6 writes routing type 1 (p[2]): no rh_type_0; two routing
	 * headers, a third destination options header, data after none */
	EXPECT_EV(&f, f.len, WEIR_DEC_NO_L4,
		  EVB(ipv6_exthdr_dupl_rh) | EVB(ipv6_exthdr_dupl_dh) |
			  EVB(ipv6_data_after_none_header));
	f.b[ip + 40 + 2] = 0; /* routing type 0 */
	EXPECT_EV(&f, f.len, WEIR_DEC_NO_L4,
		  EVB(ipv6_rh_type_0) | EVB(ipv6_exthdr_dupl_rh) | EVB(ipv6_exthdr_dupl_dh) |
			  EVB(ipv6_data_after_none_header));
	EXPECT_EV(&f, 14 + 39, WEIR_DEC_MALFORMED, EVB(ipv6_pkt_too_small));
	EXPECT_EV(&f, f.len - 1, WEIR_DEC_MALFORMED, EVB(ipv6_trunc_pkt));
	f.b[ip] = 0x40;
	EXPECT_EV(&f, f.len, WEIR_DEC_MALFORMED, EVB(ipv6_wrong_ip_version));

	/* an atomic fragment with a reserved bit, and a cut extension */
	f.len = 0;
	fb_eth(&f, 0x86dd);
	ip = fb_ipv6(&f, IPPROTO_FRAGMENT);
	fb_frag6(&f, IPPROTO_FRAGMENT, 0, false);
	fb_frag6(&f, IPPROTO_ICMPV6, 0, false);
	fb_data(&f, "\x80\0\0\0\0\0\0\0", 8);
	fb_ipv6_end(&f, ip);
	f.b[ip + 40 + 1] = 1;
	EXPECT_EV(&f, f.len, WEIR_DEC_OK,
		  EVB(ipv6_exthdr_useless_fh) | EVB(ipv6_fh_non_zero_reserved_field) |
			  EVB(ipv6_exthdr_dupl_fh));
	wr16(f.b + ip + 4, 12);
	EXPECT_EV(&f, 14 + 40 + 12, WEIR_DEC_MALFORMED,
		  EVB(ipv6_exthdr_useless_fh) | EVB(ipv6_fh_non_zero_reserved_field) |
			  EVB(ipv6_exthdr_dupl_fh) | EVB(ipv6_trunc_exthdr));
}

static void
test_events_link(void)
{
	struct fb f = {.len = 0};
	struct weir_decoded d;
	uint32_t ip;

	fb_eth(&f, 0x8100);
	fb_tag(&f, 1, 0x8100);
	fb_tag(&f, 2, 0x8100);
	fb_tag(&f, 3, 0x8100);
	fb_tag(&f, 4, 0x0800);
	ip = fb_ipv4(&f, 200, 0, 0);
	fb_ipv4_end(&f, ip);
	/* a fourth tag: Suricata's too_many_layers; weir decodes it */
	EXPECT_EV(&f, f.len, WEIR_DEC_NO_L4, EVB(vlan_too_many_layers));
	EXPECT_EV(&f, 14 + 2, WEIR_DEC_MALFORMED, EVB(vlan_header_too_small));
	/* raw IP of version 5; NULL of an unknown family */
	f.len = 0;
	fb_data(&f, "\x50\0\0\0", 4);
	CU_ASSERT(decode_fb(&f, WEIR_L2_RAW, &d) == WEIR_DEC_MALFORMED &&
		  d.events == EVB(ipraw_invalid_ip_version));
	CU_ASSERT(decode_fb(&f, WEIR_L2_NULL, &d) == WEIR_DEC_NO_L4 &&
		  d.events == EVB(ltnull_unsupported_type));
	CU_ASSERT(decode_n(&f, 3, WEIR_L2_NULL, &d) == WEIR_DEC_MALFORMED &&
		  d.events == EVB(ltnull_pkt_too_small));
	CU_ASSERT(decode_n(&f, 3, WEIR_L2_SLL, &d) == WEIR_DEC_MALFORMED &&
		  d.events == EVB(sll_pkt_too_small));
	CU_ASSERT(decode_n(&f, 3, WEIR_L2_CHDLC, &d) == WEIR_DEC_MALFORMED &&
		  d.events == EVB(chdlc_pkt_too_small));
	CU_ASSERT(decode_n(&f, 0, WEIR_L2_PPP, &d) == WEIR_DEC_MALFORMED &&
		  d.events == EVB(ppp_pkt_too_small));
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("decode", NULL, NULL);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_eth_ipv4_tcp);
	CU_ADD_TEST(s, test_eth_ipv4_udp);
	CU_ADD_TEST(s, test_eth_ipv4_options_tcp_options);
	CU_ADD_TEST(s, test_eth_vlan_ipv4);
	CU_ADD_TEST(s, test_eth_qinq_ipv6_udp);
	CU_ADD_TEST(s, test_eth_qinq_9100_outer);
	CU_ADD_TEST(s, test_vlan_third_tag_walked_not_recorded);
	CU_ADD_TEST(s, test_vlan_too_many_tags_malformed);
	CU_ADD_TEST(s, test_eth_ipv6_ext_headers_tcp);
	CU_ADD_TEST(s, test_ipv6_first_fragment_decoded);
	CU_ADD_TEST(s, test_ipv6_non_first_fragment);
	CU_ADD_TEST(s, test_ipv6_atomic_fragment_decoded);
	CU_ADD_TEST(s, test_ipv6_first_fragment_short_l4_is_fragment);
	CU_ADD_TEST(s, test_ipv4_non_first_fragment);
	CU_ADD_TEST(s, test_ipv4_first_fragment_decoded);
	CU_ADD_TEST(s, test_ipv4_first_fragment_short_l4_is_fragment);
	CU_ADD_TEST(s, test_icmp_payload);
	CU_ADD_TEST(s, test_icmpv6_payload);
	CU_ADD_TEST(s, test_arp_no_l4);
	CU_ADD_TEST(s, test_other_ip_protocol_no_l4);
	CU_ADD_TEST(s, test_ipv6_no_next_header);
	CU_ADD_TEST(s, test_ipv6_jumbogram_malformed);
	CU_ADD_TEST(s, test_ipv6_too_many_ext_headers_malformed);
	CU_ADD_TEST(s, test_raw_ipv4);
	CU_ADD_TEST(s, test_raw_ipv6);
	CU_ADD_TEST(s, test_raw_other_version_malformed);
	CU_ADD_TEST(s, test_sll);
	CU_ADD_TEST(s, test_sll_vlan);
	CU_ADD_TEST(s, test_sll_netlink_no_l4);
	CU_ADD_TEST(s, test_sll2);
	CU_ADD_TEST(s, test_null_both_byte_orders);
	CU_ADD_TEST(s, test_loop);
	CU_ADD_TEST(s, test_eth_padding_not_payload);
	CU_ADD_TEST(s, test_every_truncation_point_malformed);
	CU_ADD_TEST(s, test_truncation_into_padding);
	CU_ADD_TEST(s, test_ipv4_ihl_below_5_malformed);
	CU_ADD_TEST(s, test_ipv4_ihl_beyond_total_length_malformed);
	CU_ADD_TEST(s, test_ipv4_total_length_beyond_frame_malformed);
	CU_ADD_TEST(s, test_tcp_doff_below_5_malformed);
	CU_ADD_TEST(s, test_tcp_doff_beyond_segment_malformed);
	CU_ADD_TEST(s, test_udp_len_below_8_malformed);
	CU_ADD_TEST(s, test_udp_len_beyond_ip_payload_malformed);
	CU_ADD_TEST(s, test_ipv6_payload_len_beyond_frame_malformed);
	CU_ADD_TEST(s, test_ipv6_ext_len_beyond_frame_malformed);
	CU_ADD_TEST(s, test_ip_version_mismatch_malformed);
	CU_ADD_TEST(s, test_result_fields_reset);
	CU_ADD_TEST(s, test_vxlan);
	CU_ADD_TEST(s, test_vxlan_inner_malformed_keeps_outer);
	CU_ADD_TEST(s, test_depth_limit);
	CU_ADD_TEST(s, test_gre_key_seq_and_erspan);
	CU_ADD_TEST(s, test_geneve_options);
	CU_ADD_TEST(s, test_gtpu_with_extension);
	CU_ADD_TEST(s, test_mpls_and_pppoe_are_not_layers);
	CU_ADD_TEST(s, test_pseudowire_loop_bounded);
	CU_ADD_TEST(s, test_nsh);
	CU_ADD_TEST(s, test_tun_notes);
	CU_ADD_TEST(s, test_teredo);
	CU_ADD_TEST(s, test_ppp_and_cisco_hdlc);
	CU_ADD_TEST(s, test_events_ipv4);
	CU_ADD_TEST(s, test_events_l4);
	CU_ADD_TEST(s, test_events_ipv6);
	CU_ADD_TEST(s, test_events_link);
	return weir_ut_run();
}
