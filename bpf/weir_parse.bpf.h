/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bounds-checked header parsing for weir's XDP program, after xdp-tools'
 * parsing_helpers.h: a cursor walks the frame and every header is checked
 * against data_end before it is read, which is what the verifier demands.
 * Each helper returns the next protocol, or -1 when the frame ends early.
 */
#ifndef WEIR_PARSE_BPF_H
#define WEIR_PARSE_BPF_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* VLAN tags we strip: 802.1Q, 802.1ad (QinQ) and the old 0x9100 QinQ. Two
 * at most, as in weir's decoder: QinQ is the deepest stack seen in the
 * field, and a fixed bound keeps the loop unrollable. */
#define WEIR_VLAN_MAX 2
/* IPv6 extension headers walked before giving up on the transport header:
 * hop-by-hop, routing, destination options, fragment. Bounded for the
 * verifier; real traffic rarely carries more than two. */
#define WEIR_IPV6_EXT_MAX 4

#define WEIR_ETH_P_8021Q  0x8100
#define WEIR_ETH_P_8021AD 0x88a8
#define WEIR_ETH_P_QINQ1  0x9100

struct weir_cursor {
	void *pos;
	void *end;
};

struct weir_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

static __always_inline int
weir_vlan_proto(__u16 h_proto)
{
	return h_proto == bpf_htons(WEIR_ETH_P_8021Q) || h_proto == bpf_htons(WEIR_ETH_P_8021AD) ||
	       h_proto == bpf_htons(WEIR_ETH_P_QINQ1);
}

/* Ethernet plus up to two VLAN tags; returns the ethertype, network order. */
static __always_inline int
weir_parse_eth(struct weir_cursor *c)
{
	struct ethhdr *eth = c->pos;
	struct weir_vlan_hdr *vh;
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > c->end)
		return -1;
	c->pos = eth + 1;
	proto = eth->h_proto;
#pragma unroll
	for (i = 0; i < WEIR_VLAN_MAX; i++) {
		if (!weir_vlan_proto(proto))
			break;
		vh = c->pos;
		if ((void *)(vh + 1) > c->end)
			return -1;
		proto = vh->proto;
		c->pos = vh + 1;
	}
	return proto;
}

/* IPv4: header length and total length checked; *frag set for any fragment
 * but the first (no transport header in it). Returns the IP protocol. */
static __always_inline int
weir_parse_ipv4(struct weir_cursor *c, struct iphdr **out, int *frag)
{
	struct iphdr *ip = c->pos;
	unsigned int hlen;

	if ((void *)(ip + 1) > c->end)
		return -1;
	if (ip->version != 4)
		return -1;
	hlen = ip->ihl * 4u;
	if (hlen < sizeof(*ip) || c->pos + hlen > c->end)
		return -1;
	if (bpf_ntohs(ip->tot_len) < hlen)
		return -1;
	*frag = (ip->frag_off & bpf_htons(0x1fff)) != 0;
	c->pos += hlen;
	*out = ip;
	return ip->protocol;
}

struct weir_ipv6_opt {
	__u8 nexthdr;
	__u8 hdrlen;
};

/* IPv6 and its extension headers; returns the transport protocol. */
static __always_inline int
weir_parse_ipv6(struct weir_cursor *c, struct ipv6hdr **out, int *frag)
{
	struct ipv6hdr *ip6 = c->pos;
	struct weir_ipv6_opt *opt;
	__u8 next;
	int i;

	if ((void *)(ip6 + 1) > c->end)
		return -1;
	if (ip6->version != 6)
		return -1;
	c->pos = ip6 + 1;
	*out = ip6;
	next = ip6->nexthdr;
#pragma unroll
	for (i = 0; i < WEIR_IPV6_EXT_MAX; i++) {
		opt = c->pos;
		switch (next) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			if ((void *)(opt + 1) > c->end)
				return -1;
			next = opt->nexthdr;
			c->pos += (opt->hdrlen + 1) * 8;
			break;
		case IPPROTO_FRAGMENT:
			/* 8 bytes: nexthdr, reserved, offset+flags, id */
			if (c->pos + 8 > c->end)
				return -1;
			next = opt->nexthdr;
			*frag = (*(__be16 *)(c->pos + 2) & bpf_htons(0xfff8)) != 0;
			c->pos += 8;
			break;
		default:
			return next;
		}
	}
	/* More extension headers than we walk: treat as cut short. */
	return -1;
}

/* TCP or UDP: returns the destination port (host order) or -1. */
static __always_inline int
weir_parse_l4_dport(struct weir_cursor *c, int proto)
{
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = c->pos;

		if ((void *)(th + 1) > c->end || th->doff < 5)
			return -1;
		return bpf_ntohs(th->dest);
	}
	if (proto == IPPROTO_UDP) {
		struct udphdr *uh = c->pos;

		if ((void *)(uh + 1) > c->end)
			return -1;
		return bpf_ntohs(uh->dest);
	}
	return -1;
}

#endif /* WEIR_PARSE_BPF_H */
