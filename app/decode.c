/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet decode: the first thing a worker does with each received packet,
 * before flow lookup and scanning. It walks the link header, IPv4 or IPv6
 * and the TCP/UDP/ICMP header through a bounded cursor, so no read ever
 * goes past the captured length, and sorts the packet into exactly one of
 * the weir_decode_res counters. Runs per packet at line rate: no
 * allocation, logging or syscalls, and every helper is static inline.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_branch_prediction.h>

#include "decode.h"
#include "event.h"

/* Ethertypes as read off the wire with dec_be16(). */
#define DEC_ETH_HLEN	   14
#define DEC_ETH_P_IPV4	   0x0800
#define DEC_ETH_P_IPV6	   0x86dd
#define DEC_ETH_P_8021Q	   0x8100
#define DEC_ETH_P_8021AD   0x88a8
#define DEC_ETH_P_QINQ_OLD 0x9100 /* pre-802.1ad vendor QinQ outer tag */
#define DEC_ETH_P_ARP	   0x0806
#define DEC_VLAN_HLEN	   4

/*
 * Tags walked before giving up. Real networks stack two (QinQ), rarely
 * three; a longer stack is either broken or an attempt to make the decoder
 * loop, so it is counted as malformed.
 */
#define DEC_MAX_VLAN_TAGS 4

/*
 * IPv6 extension headers walked before giving up. RFC 8200 section 4.1 lets
 * each appear once (destination options twice), so a legal chain of the
 * four we skip has at most five; past eight the packet is hostile.
 */
#define DEC_MAX_IPV6_EXT 8

#define DEC_IPV4_HLEN 20
#define DEC_IPV6_HLEN 40
#define DEC_TCP_HLEN  20
#define DEC_UDP_HLEN  8
/*
 * ICMP and ICMPv6 both need 8 bytes: type, code and checksum plus the
 * 4-byte rest-of-header every defined message carries (RFC 792, RFC 4443).
 * The kernel's icmp_rcv()/icmpv6_rcv() pull the same 8 bytes.
 */
#define DEC_ICMP_HLEN 8

#define DEC_IPV4_MF	      0x2000
#define DEC_IPV4_OFFMASK      0x1fff
#define DEC_IPV6_FRAG_OFFMASK 0xfff8
#define DEC_IPV6_FRAG_M	      0x0001

#define DEC_SLL_HLEN  16
#define DEC_SLL2_HLEN 20
/* In a cooked header from a netlink socket the protocol field is a netlink
 * family, not an ethertype, so it must not be read as one. */
#define DEC_ARPHRD_NETLINK 824
#define DEC_NULL_HLEN	   4

/* Address families in DLT_NULL/DLT_LOOP headers: the capturing OS's value. */
#define DEC_AF_INET	     2
#define DEC_AF_INET6_LINUX   10
#define DEC_AF_INET6_BSD     24 /* NetBSD, OpenBSD */
#define DEC_AF_INET6_FREEBSD 28
#define DEC_AF_INET6_DARWIN  30

/*
 * The readable window of the frame. end starts at the capture length and
 * only ever shrinks (to the IP packet's end, which drops Ethernet padding),
 * so off <= end <= len holds throughout and cur_has() is the only check a
 * read needs.
 */
struct dec_cur {
	const uint8_t *base;
	uint32_t off;			     /* next byte to read */
	uint32_t end;			     /* one past the last byte this layer may read */
	const struct weir_decode_conf *conf; /* decapsulations on */
	uint8_t links;			     /* ethertypes dispatched (dec_ethertype) */
};

/* Tunnel ports and types (IANA; Suricata's defaults). */
#define DEC_PORT_VXLAN	  4789
#define DEC_PORT_GENEVE	  6081
#define DEC_PORT_TEREDO	  3544
#define DEC_PORT_GTPU	  2152
#define DEC_ETH_P_TEB	  0x6558 /* transparent Ethernet bridging */
#define DEC_ETH_P_ERSPAN2 0x88be /* ERSPAN I (no header) and II */
#define DEC_ETH_P_ERSPAN3 0x22eb
#define DEC_ETH_P_MPLS_UC 0x8847
#define DEC_ETH_P_MPLS_MC 0x8848
#define DEC_ETH_P_PPPOE_S 0x8864
#define DEC_PPP_IPV4	  0x0021
#define DEC_PPP_IPV6	  0x0057
#define DEC_ETH_P_NSH	  0x894f /* Network Service Header (RFC 8300) */
#define DEC_MAX_MPLS	  16	 /* labels walked before giving up */
/* Ethertypes dispatched in one layer of a packet at most: Ethernet
 * pseudowires in MPLS and Ethernet in NSH can nest without a tunnel layer,
 * so without a bound a packet made of such headers is a recursion as deep
 * as it is long. 16 is Suricata's PKT_DEFAULT_MAX_DECODED_LAYERS; past it
 * Suricata raises decoder.too_many_layers and gives the packet up. */
#define DEC_MAX_LINKS	16
#define DEC_MAX_GTP_EXT 8 /* GTP-U extension headers walked */

/* What a tunnel carries. */
enum dec_inner { DEC_IN_ETH, DEC_IN_IPV4, DEC_IN_IPV6, DEC_IN_IP };

static const struct weir_decode_conf dec_no_tunnels = {0};

static enum weir_decode_res dec_ipv4(struct dec_cur *c, struct weir_decoded *out);
static enum weir_decode_res dec_ipv6(struct dec_cur *c, struct weir_decoded *out);
static enum weir_decode_res dec_ethertype(struct dec_cur *c, uint16_t etype,
					  struct weir_decoded *out);
static int dec_udp_tunnel(const struct dec_cur *c, uint32_t udp_off, uint32_t udp_end,
			  uint16_t sport, uint16_t dport, struct weir_decoded *out,
			  enum weir_decode_res *res);
static int dec_ip_tunnel(const struct dec_cur *c, uint8_t proto, struct weir_decoded *out,
			 enum weir_decode_res *res);

/* Raise Suricata's decoder event @p e on the packet (enum weir_pkt_event). */
static inline void
dec_ev(struct weir_decoded *out, enum weir_pkt_event e)
{
	out->events |= WEIR_PEV_BIT(e);
}

static inline uint16_t
dec_be16(const uint8_t *p)
{
	/* Byte assembly: alignment-safe, and compilers emit load + bswap. */
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t
dec_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t
cur_left(const struct dec_cur *c)
{
	return c->end - c->off;
}

static inline bool
cur_has(const struct dec_cur *c, uint32_t n)
{
	return n <= c->end - c->off;
}

/* Only call once cur_has() said the bytes are there: with len 0 base may
 * be NULL, and even forming base + off would then be undefined. */
static inline const uint8_t *
cur_ptr(const struct dec_cur *c)
{
	return c->base + c->off;
}

/* Note why an encapsulation was not decoded through (enum
 * weir_tun_note); the packet's first cause is kept. */
static inline void
dec_note(struct weir_decoded *out, uint8_t note)
{
	if (out->tun_note == WEIR_TUN_NOTE_NONE)
		out->tun_note = note;
}

/* dec_note(), then @p res: for returns that give up on an encapsulation. */
static inline enum weir_decode_res
dec_noted(struct weir_decoded *out, uint8_t note, enum weir_decode_res res)
{
	dec_note(out, note);
	return res;
}

/* dec_note(), then -1: a tunnel decoder's way of keeping the outer packet. */
static inline int
dec_give_up(struct weir_decoded *out, uint8_t note)
{
	dec_note(out, note);
	return -1;
}

/* UDP ports a tunnel decoder looks at: the only UDP packets that leave
 * the plain path. */
static inline bool
dec_tunnel_port(uint16_t sport, uint16_t dport)
{
	return dport == DEC_PORT_VXLAN || dport == DEC_PORT_GENEVE || dport == DEC_PORT_GTPU ||
	       sport == DEC_PORT_GTPU || dport == DEC_PORT_TEREDO || sport == DEC_PORT_TEREDO;
}

/*
 * memset(out, 0, sizeof(*out)), in 8-byte stores the compiler may pair
 * into vector stores: for a struct this size GCC makes a plain memset a
 * `rep stos`, whose start-up cost was two thirds of decoding a plain
 * UDP packet (perf/RESULTS.md, issue 20).
 */
static inline void
dec_clear(struct weir_decoded *out)
{
	static const uint64_t zero;
	char *p = (char *)out;
	size_t i;

#pragma GCC unroll 32
	for (i = 0; i + 8 <= sizeof(*out); i += 8)
		memcpy(p + i, &zero, 8);
	if (sizeof(*out) % 8 != 0) /* constant: folded away */
		memset(p + i, 0, sizeof(*out) % 8);
}

/*
 * The L4 header at the cursor. @p first_frag is set for the first fragment
 * of a fragmented datagram: its L4 header may legitimately be cut short (the
 * rest follows in the next fragment), which is a fragment, not an error.
 */
static inline enum weir_decode_res
dec_l4(struct dec_cur *c, uint8_t proto, bool first_frag, struct weir_decoded *out)
{
	const enum weir_decode_res short_res = first_frag ? WEIR_DEC_FRAGMENT : WEIR_DEC_MALFORMED;
	const uint8_t *h;
	uint32_t left = cur_left(c);
	uint32_t hl;

	out->proto = proto;
	out->l4_off = (uint16_t)c->off;

	switch (proto) {
	case IPPROTO_TCP:
		if (unlikely(left < DEC_TCP_HLEN)) {
			if (!first_frag)
				dec_ev(out, WEIR_PEV_tcp_pkt_too_small);
			return short_res;
		}
		h = cur_ptr(c);
		hl = (uint32_t)(h[12] >> 4) * 4;
		if (unlikely(hl < DEC_TCP_HLEN)) {
			/* Suricata: options length hl - 20 wraps past 40 */
			dec_ev(out, WEIR_PEV_tcp_invalid_optlen);
			return WEIR_DEC_MALFORMED;
		}
		if (unlikely(hl > left)) {
			if (!first_frag)
				dec_ev(out, WEIR_PEV_tcp_hlen_too_small);
			return short_res;
		}
		out->sport = dec_be16(h);
		out->dport = dec_be16(h + 2);
		out->tcp_flags = h[13];
		out->payload = h + hl;
		out->payload_len = left - hl;
		return WEIR_DEC_OK;
	case IPPROTO_UDP:
		if (unlikely(left < DEC_UDP_HLEN)) {
			if (!first_frag)
				dec_ev(out, WEIR_PEV_udp_hlen_too_small);
			return short_res;
		}
		h = cur_ptr(c);
		hl = dec_be16(h + 4); /* whole datagram, header included */
		if (unlikely(hl < DEC_UDP_HLEN))
			return WEIR_DEC_MALFORMED;
		if (unlikely(hl > left)) {
			/* The UDP length covers the reassembled datagram, so in
			 * a first fragment it rightly exceeds what is here. */
			if (!first_frag) {
				dec_ev(out, WEIR_PEV_udp_pkt_too_small);
				return WEIR_DEC_MALFORMED;
			}
			hl = left;
		}
		out->sport = dec_be16(h);
		out->dport = dec_be16(h + 2);
		out->payload = h + DEC_UDP_HLEN;
		out->payload_len = hl - DEC_UDP_HLEN;
		if (unlikely(dec_tunnel_port(out->sport, out->dport)) && !first_frag) {
			enum weir_decode_res r;

			if (dec_udp_tunnel(c, c->off, c->off + hl, out->sport, out->dport, out,
					   &r) == 0)
				return r;
		}
		return WEIR_DEC_OK;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* Rules of protocol icmp inspect what follows the 8-byte
		 * header, as Suricata's payload keywords do. */
		if (unlikely(proto == IPPROTO_ICMPV6 && out->ip_version == 4))
			dec_ev(out, WEIR_PEV_ipv4_icmpv6);
		else if (unlikely(proto == IPPROTO_ICMP && out->ip_version == 6))
			dec_ev(out, WEIR_PEV_ipv6_icmpv4);
		if (unlikely(left < DEC_ICMP_HLEN)) {
			if (!first_frag)
				dec_ev(out, proto == IPPROTO_ICMP ? WEIR_PEV_icmpv4_pkt_too_small
								  : WEIR_PEV_icmpv6_pkt_too_small);
			return short_res;
		}
		out->payload = cur_ptr(c) + DEC_ICMP_HLEN;
		out->payload_len = left - DEC_ICMP_HLEN;
		return WEIR_DEC_OK;
	default:
		if (!first_frag) {
			enum weir_decode_res r;

			if (dec_ip_tunnel(c, proto, out, &r) == 0)
				return r;
		}
		return WEIR_DEC_NO_L4;
	}
}

static enum weir_decode_res
dec_ipv4(struct dec_cur *c, struct weir_decoded *out)
{
	const uint8_t *h;
	uint32_t hl, tot;
	uint16_t frag;

	if (unlikely(!cur_has(c, DEC_IPV4_HLEN))) {
		dec_ev(out, WEIR_PEV_ipv4_pkt_too_small);
		return WEIR_DEC_MALFORMED;
	}
	h = cur_ptr(c);
	hl = (uint32_t)(h[0] & 0x0f) * 4;
	tot = dec_be16(h + 2);
	/* A total length beyond the capture is malformed even when only
	 * payload is missing: scanning a partial payload as if whole would
	 * let a snaplen or a truncating middlebox hide the match. */
	if (unlikely((h[0] >> 4) != 4 || hl < DEC_IPV4_HLEN || tot < hl || tot > cur_left(c))) {
		/* the first failing check names it, in Suricata's order
		 * (DecodeIPV4Packet) */
		dec_ev(out, (h[0] >> 4) != 4	 ? WEIR_PEV_ipv4_wrong_ip_version
			    : hl < DEC_IPV4_HLEN ? WEIR_PEV_ipv4_hlen_too_small
			    : tot < hl		 ? WEIR_PEV_ipv4_iplen_smaller_than_hlen
						 : WEIR_PEV_ipv4_trunc_pkt);
		return WEIR_DEC_MALFORMED;
	}

	out->ip_version = 4;
	out->proto = h[9];
	out->l3_off = (uint16_t)c->off;
	memcpy(out->src, h + 12, 4);
	memcpy(out->dst, h + 16, 4);

	/* Bytes past the IP total length are link padding, never payload. */
	c->end = c->off + tot;
	c->off += hl; /* options are not interpreted */

	frag = dec_be16(h + 6);
	if (unlikely(frag & (DEC_IPV4_OFFMASK | DEC_IPV4_MF))) {
		out->frag = 1;
		out->frag_more = (frag & DEC_IPV4_MF) != 0;
		out->frag_hdr_len = c->off;
		out->frag_data_off = c->off;
		out->frag_data_len = cur_left(c);
		out->frag_offset = (uint32_t)(frag & DEC_IPV4_OFFMASK) * 8;
		out->frag_id = dec_be16(h + 4);
		if (frag & DEC_IPV4_OFFMASK)
			return WEIR_DEC_FRAGMENT;
	}
	return dec_l4(c, h[9], (frag & DEC_IPV4_MF) != 0, out);
}

/*
 * Jumbograms (RFC 2675: payload length 0 and a hop-by-hop jumbo option) are
 * not decoded: their payload length is 0, so the hop-by-hop header does not
 * fit in it and the packet is malformed. They need a link MTU above 64 KiB,
 * which no capture weir reads from has.
 */
static enum weir_decode_res
dec_ipv6(struct dec_cur *c, struct weir_decoded *out)
{
	const uint8_t *h;
	uint32_t plen, el;
	uint16_t fo;
	bool first_frag = false;
	uint32_t nh_off = c->off + 6; /* the byte naming the next header */
	uint8_t nh;
	unsigned int seen = 0, n_dst = 0; /* extension headers met, for dupl_* */
	int i;

	if (unlikely(!cur_has(c, DEC_IPV6_HLEN))) {
		dec_ev(out, WEIR_PEV_ipv6_pkt_too_small);
		return WEIR_DEC_MALFORMED;
	}
	h = cur_ptr(c);
	plen = dec_be16(h + 4);
	if (unlikely((h[0] >> 4) != 6 || plen > cur_left(c) - DEC_IPV6_HLEN)) {
		dec_ev(out,
		       (h[0] >> 4) != 6 ? WEIR_PEV_ipv6_wrong_ip_version : WEIR_PEV_ipv6_trunc_pkt);
		return WEIR_DEC_MALFORMED;
	}

	nh = h[6];
	out->ip_version = 6;
	out->proto = nh;
	out->l3_off = (uint16_t)c->off;
	memcpy(out->src, h + 8, 16);
	memcpy(out->dst, h + 24, 16);

	c->end = c->off + DEC_IPV6_HLEN + plen;
	c->off += DEC_IPV6_HLEN;

	for (i = 0; i < DEC_MAX_IPV6_EXT; i++) {
		const uint8_t *e;

		switch (nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			/* Generic layout: next header, length in 8-byte units
			 * not counting the first 8. Options are not read. */
			if (nh == IPPROTO_DSTOPTS) {
				if (++n_dst > 2) /* legal before routing and last */
					dec_ev(out, WEIR_PEV_ipv6_exthdr_dupl_dh);
			} else if (seen & (1u << (nh == IPPROTO_ROUTING))) {
				dec_ev(out, nh == IPPROTO_ROUTING ? WEIR_PEV_ipv6_exthdr_dupl_rh
								  : WEIR_PEV_ipv6_exthdr_dupl_hh);
			}
			seen |= nh == IPPROTO_ROUTING ? 2u : nh == IPPROTO_HOPOPTS ? 1u : 0u;
			if (unlikely(!cur_has(c, 8))) {
				dec_ev(out, WEIR_PEV_ipv6_trunc_exthdr);
				return WEIR_DEC_MALFORMED;
			}
			e = cur_ptr(c);
			el = ((uint32_t)e[1] + 1) * 8;
			if (nh == IPPROTO_ROUTING && e[2] == 0)
				dec_ev(out, WEIR_PEV_ipv6_rh_type_0);
			if (unlikely(!cur_has(c, el))) {
				dec_ev(out, WEIR_PEV_ipv6_trunc_exthdr);
				return WEIR_DEC_MALFORMED;
			}
			break;
		case IPPROTO_FRAGMENT:
			/* RFC 8200 section 4.5 puts the whole header chain in
			 * the first fragment, so a cut chain is malformed. */
			if (seen & 4u)
				dec_ev(out, WEIR_PEV_ipv6_exthdr_dupl_fh);
			seen |= 4u;
			if (unlikely(!cur_has(c, 8))) {
				dec_ev(out, WEIR_PEV_ipv6_trunc_exthdr);
				return WEIR_DEC_MALFORMED;
			}
			e = cur_ptr(c);
			el = 8;
			fo = dec_be16(e + 2);
			if (e[1] != 0 || (fo & 0x0006) != 0)
				dec_ev(out, WEIR_PEV_ipv6_fh_non_zero_reserved_field);
			if ((fo & (DEC_IPV6_FRAG_OFFMASK | DEC_IPV6_FRAG_M)) == 0)
				dec_ev(out, WEIR_PEV_ipv6_exthdr_useless_fh);
			if (fo & (DEC_IPV6_FRAG_OFFMASK | DEC_IPV6_FRAG_M)) {
				out->frag = 1;
				out->frag_more = (fo & DEC_IPV6_FRAG_M) != 0;
				out->frag_nh = e[0];
				out->frag_nh_off = (uint16_t)nh_off;
				out->frag_hdr_len = c->off;
				out->frag_data_off = c->off + 8;
				out->frag_data_len = cur_left(c) - 8;
				out->frag_offset = fo & DEC_IPV6_FRAG_OFFMASK;
				out->frag_id = dec_be32(e + 4);
			}
			if (fo & DEC_IPV6_FRAG_OFFMASK) {
				out->proto = e[0];
				return WEIR_DEC_FRAGMENT;
			}
			/* Offset 0 without M is an atomic fragment (RFC 6946):
			 * a whole datagram, decoded as such. */
			first_frag = (fo & DEC_IPV6_FRAG_M) != 0;
			break;
		case IPPROTO_NONE:
			out->l4_off = (uint16_t)c->off;
			if (cur_left(c) != 0)
				dec_ev(out, WEIR_PEV_ipv6_data_after_none_header);
			return WEIR_DEC_NO_L4;
		default:
			return dec_l4(c, nh, first_frag, out);
		}
		nh = e[0];
		nh_off = c->off;
		out->proto = nh;
		c->off += el;
	}
	return WEIR_DEC_MALFORMED;
}

/*
 * An MPLS label stack, then its payload by Suricata's guess: a first
 * nibble of 4 or 6 is IP, 0 a pseudowire control word and Ethernet. MPLS
 * is not a tunnel layer (no depth), like a VLAN tag.
 */
static enum weir_decode_res
dec_mpls(struct dec_cur *c, struct weir_decoded *out)
{
	int i;

	for (i = 0; i < DEC_MAX_MPLS; i++) {
		bool bottom;

		if (unlikely(!cur_has(c, 4))) {
			dec_ev(out, WEIR_PEV_mpls_header_too_small);
			return dec_noted(out, WEIR_TUN_NOTE_HEADER, WEIR_DEC_MALFORMED);
		}
		bottom = (cur_ptr(c)[2] & 0x01) != 0;
		c->off += 4;
		if (!bottom)
			continue;
		if (unlikely(!cur_has(c, 1))) {
			dec_ev(out, WEIR_PEV_mpls_pkt_too_small);
			return dec_noted(out, WEIR_TUN_NOTE_HEADER, WEIR_DEC_MALFORMED);
		}
		switch (cur_ptr(c)[0] >> 4) {
		case 4:
			return dec_ipv4(c, out);
		case 6:
			return dec_ipv6(c, out);
		case 0: /* control word, then an Ethernet pseudowire */
			if (unlikely(!cur_has(c, 4 + DEC_ETH_HLEN))) {
				dec_ev(out, WEIR_PEV_mpls_pkt_too_small);
				return dec_noted(out, WEIR_TUN_NOTE_HEADER, WEIR_DEC_MALFORMED);
			}
			c->off += 4 + DEC_ETH_HLEN;
			return dec_ethertype(c, dec_be16(c->base + c->off - 2), out);
		default:
			dec_ev(out, WEIR_PEV_mpls_unknown_payload_type);
			return dec_noted(out, WEIR_TUN_NOTE_UNKNOWN, WEIR_DEC_NO_L4);
		}
	}
	return dec_noted(out, WEIR_TUN_NOTE_HEADER, WEIR_DEC_MALFORMED);
}

/* NSH next protocols (RFC 8300 section 2.2; IANA) and MD types. */
#define DEC_NSH_NP_IPV4	 1
#define DEC_NSH_NP_IPV6	 2
#define DEC_NSH_NP_ETH	 3
#define DEC_NSH_NP_MPLS	 5
#define DEC_NSH_MD1_HLEN 24 /* base, service path and 16 bytes of context */
#define DEC_NSH_HLEN	 8  /* base and service path headers */
/* NSH headers walked in one packet: each may carry Ethernet with another
 * one behind it; past this many the chain is a depth bomb (malformed). */
#define DEC_MAX_NSH 4

/*
 * A Network Service Header (RFC 8300) and what it carries, where Suricata
 * decodes it (decode-nsh.c: behind ethertype 0x894F, so after Ethernet,
 * VLAN tags or a tunnel's inner Ethernet). Like MPLS it is not a tunnel
 * layer: no depth, the inner packet is the packet. As Suricata: version
 * other than 0, a reserved or unknown MD type, or a next protocol it does
 * not decode (NSH in NSH too) leave a well-formed packet with no L4; a
 * header length past the packet, or an MD type 1 header that is not 24
 * bytes, make it malformed. Stricter than Suricata: a header shorter than
 * its own 8 bytes of base and service path is malformed too (Suricata
 * would read the payload from inside the header).
 */
static enum weir_decode_res
dec_nsh(struct dec_cur *c, struct weir_decoded *out)
{
	const uint8_t *h;
	uint32_t hl;

	if (unlikely(!cur_has(c, DEC_NSH_HLEN) || out->nsh == DEC_MAX_NSH))
		return dec_noted(out, WEIR_TUN_NOTE_HEADER, WEIR_DEC_MALFORMED);
	h = cur_ptr(c);
	if ((h[0] >> 6) != 0) /* version */
		return dec_noted(out, WEIR_TUN_NOTE_UNKNOWN, WEIR_DEC_NO_L4);
	hl = (uint32_t)(h[1] & 0x3f) * 4;
	if (unlikely(hl >= cur_left(c) || hl < DEC_NSH_HLEN))
		return dec_noted(out, WEIR_TUN_NOTE_HEADER, WEIR_DEC_MALFORMED);
	if (h[2] == 1) {
		if (unlikely(hl != DEC_NSH_MD1_HLEN))
			return dec_noted(out, WEIR_TUN_NOTE_HEADER, WEIR_DEC_MALFORMED);
	} else if (h[2] != 2) {
		return dec_noted(out, WEIR_TUN_NOTE_UNKNOWN, WEIR_DEC_NO_L4); /* 0, 0xf reserved */
	}
	out->nsh++;
	c->off += hl;
	switch (h[3]) {
	case DEC_NSH_NP_IPV4:
		return dec_ipv4(c, out);
	case DEC_NSH_NP_IPV6:
		return dec_ipv6(c, out);
	case DEC_NSH_NP_ETH:
		if (unlikely(!cur_has(c, DEC_ETH_HLEN)))
			return dec_noted(out, WEIR_TUN_NOTE_HEADER, WEIR_DEC_MALFORMED);
		c->off += DEC_ETH_HLEN;
		return dec_ethertype(c, dec_be16(c->base + c->off - 2), out);
	case DEC_NSH_NP_MPLS:
		if (!(c->conf->tunnels & WEIR_TUN_MPLS))
			return dec_noted(out, WEIR_TUN_NOTE_DISABLED, WEIR_DEC_NO_L4);
		return dec_mpls(c, out);
	default:
		return dec_noted(out, WEIR_TUN_NOTE_UNKNOWN, WEIR_DEC_NO_L4);
	}
}

/* A PPPoE session header (RFC 2516) and the PPP protocol after it. */
static enum weir_decode_res
dec_pppoe(struct dec_cur *c, struct weir_decoded *out)
{
	const uint8_t *h;
	uint32_t plen;
	uint16_t proto;

	if (unlikely(!cur_has(c, 8))) {
		dec_ev(out, WEIR_PEV_pppoe_pkt_too_small);
		return dec_noted(out, WEIR_TUN_NOTE_HEADER, WEIR_DEC_MALFORMED);
	}
	h = cur_ptr(c);
	plen = dec_be16(h + 4);
	if (unlikely(h[0] != 0x11 || h[1] != 0 || plen < 2 || plen > cur_left(c) - 6)) {
		if (h[1] != 0)
			dec_ev(out, WEIR_PEV_pppoe_wrong_code);
		else if (plen < 2 || plen > cur_left(c) - 6)
			dec_ev(out, WEIR_PEV_pppoe_pkt_too_small);
		return dec_noted(out, WEIR_TUN_NOTE_HEADER, WEIR_DEC_MALFORMED);
	}
	proto = dec_be16(h + 6);
	/* the IP packet is bounded by its own length, not the session's: as
	 * Suricata, which hands the rest of the frame to the IP decoder
	 * (real access concentrators pad short frames inside the session) */
	c->off += 8;
	if (proto == DEC_PPP_IPV4)
		return dec_ipv4(c, out);
	if (proto == DEC_PPP_IPV6)
		return dec_ipv6(c, out);
	return WEIR_DEC_NO_L4; /* LCP, IPCP, ... */
}

/*
 * Decode the inner packet of a tunnel at [@p off, @p end) as @p inner,
 * recording the outermost IP layer first; @p via (enum weir_event_tun)
 * names the decapsulation. @return 0 with *res, or -1 (past
 * the depth limit, or the inner packet is malformed): *out is then as it
 * was, and the caller keeps the outer packet.
 */
static int
dec_tunnel(const struct dec_cur *c, uint32_t off, uint32_t end, enum dec_inner inner, uint8_t via,
	   struct weir_decoded *out, enum weir_decode_res *res)
{
	struct dec_cur ic = {.base = c->base, .off = off, .end = end, .conf = c->conf};
	struct weir_decoded saved;
	enum weir_decode_res r;

	if (out->depth >= c->conf->max_depth)
		return dec_give_up(out, WEIR_TUN_NOTE_DEPTH);
	if (off > end || end > c->end)
		return dec_give_up(out, WEIR_TUN_NOTE_HEADER);
	saved = *out;
	if (out->depth == 0) {
		out->outer_ip_version = out->ip_version;
		out->outer_proto = out->proto;
		out->outer_sport = out->sport;
		out->outer_dport = out->dport;
		memcpy(out->outer_src, out->src, sizeof(out->src));
		memcpy(out->outer_dst, out->dst, sizeof(out->dst));
	}
	out->depth++;
	out->tun_via = via;
	out->payload = NULL;
	out->payload_len = 0;
	out->sport = out->dport = 0;
	out->tcp_flags = 0;
	out->l4_off = 0;
	out->ip_version = 0;
	memset(out->src, 0, sizeof(out->src)); /* an IPv4 inside IPv6 fills 4 */
	memset(out->dst, 0, sizeof(out->dst));
	switch (inner) {
	case DEC_IN_ETH:
		if (!cur_has(&ic, DEC_ETH_HLEN)) {
			r = WEIR_DEC_MALFORMED;
			break;
		}
		ic.off += DEC_ETH_HLEN;
		r = dec_ethertype(&ic, dec_be16(ic.base + ic.off - 2), out);
		break;
	case DEC_IN_IPV4:
		r = dec_ipv4(&ic, out);
		break;
	case DEC_IN_IPV6:
		r = dec_ipv6(&ic, out);
		break;
	default:
		if (!cur_has(&ic, 1))
			r = WEIR_DEC_MALFORMED;
		else if ((cur_ptr(&ic)[0] >> 4) == 4)
			r = dec_ipv4(&ic, out);
		else if ((cur_ptr(&ic)[0] >> 4) == 6)
			r = dec_ipv6(&ic, out);
		else
			r = WEIR_DEC_MALFORMED;
		break;
	}
	/* not an IP packet inside (ARP over VXLAN, ...) or a broken one:
	 * the outer packet is what there is to match */
	if (r == WEIR_DEC_MALFORMED || out->ip_version == 0) {
		uint64_t ev = out->events; /* the inner packet's stay raised */

		*out = saved;
		out->events = ev;
		return dec_give_up(out, r == WEIR_DEC_MALFORMED ? WEIR_TUN_NOTE_INNER_MALFORMED
								: WEIR_TUN_NOTE_INNER_NOT_IP);
	}
	/* inner fragments are not rebuilt: the outer headers would carry
	 * the lengths of one fragment */
	out->frag = 0;
	*res = r;
	return 0;
}

/* An IP-carried layer (IP-in-IP, GTP-U) as Suricata's pkt_src names it:
 * by the version of the IP packet carrying it. */
static inline uint8_t
dec_via_ip(const struct weir_decoded *out)
{
	return out->ip_version == 6 ? WEIR_EV_TUN_IPV6 : WEIR_EV_TUN_IPV4;
}

/* GRE (RFC 2784/2890; version 0) and ERSPAN I-III inside it. */
static int
dec_gre(const struct dec_cur *c, struct weir_decoded *out, enum weir_decode_res *res)
{
	const uint8_t *h;
	uint32_t off = c->off, hl = 4;
	uint16_t flags, proto;

	if (!cur_has(c, 4)) {
		dec_ev(out, WEIR_PEV_gre_pkt_too_small);
		return dec_give_up(out, WEIR_TUN_NOTE_HEADER);
	}
	h = cur_ptr(c);
	flags = dec_be16(h);
	proto = dec_be16(h + 2);
	if ((flags & 0x0007) > 1)
		dec_ev(out, WEIR_PEV_gre_wrong_version);
	if ((flags & 0x0007) != 0) /* version 1 (PPTP) is not decoded */
		return dec_give_up(out, WEIR_TUN_NOTE_UNKNOWN);
	if ((flags & 0x4000) != 0) /* routing: deprecated (RFC 2784) */
		return dec_give_up(out, WEIR_TUN_NOTE_HEADER);
	if (flags & 0x0700)
		dec_ev(out, WEIR_PEV_gre_version0_recur);
	if (flags & 0x00f8)
		dec_ev(out, WEIR_PEV_gre_version0_flags);
	hl += (flags & 0x8000) ? 4 : 0; /* checksum */
	hl += (flags & 0x2000) ? 4 : 0; /* key */
	hl += (flags & 0x1000) ? 4 : 0; /* sequence number */
	if (!cur_has(c, hl)) {
		dec_ev(out, WEIR_PEV_gre_version0_hdr_too_big);
		return dec_give_up(out, WEIR_TUN_NOTE_HEADER);
	}
	off += hl;
	switch (proto) {
	case DEC_ETH_P_IPV4:
		return dec_tunnel(c, off, c->end, DEC_IN_IPV4, WEIR_EV_TUN_GRE, out, res);
	case DEC_ETH_P_IPV6:
		return dec_tunnel(c, off, c->end, DEC_IN_IPV6, WEIR_EV_TUN_GRE, out, res);
	case DEC_ETH_P_TEB:
		return dec_tunnel(c, off, c->end, DEC_IN_ETH, WEIR_EV_TUN_GRE, out, res);
	case DEC_ETH_P_ERSPAN2:
		/* type I has no sequence number and no header; type II an
		 * 8-byte header of version 1 */
		if (flags & 0x1000) {
			if (off + 8 > c->end || (c->base[off] >> 4) != 1) {
				dec_ev(out, off + 8 > c->end ? WEIR_PEV_erspan_header_too_small
							     : WEIR_PEV_erspan_unsupported_version);
				return dec_give_up(out, WEIR_TUN_NOTE_HEADER);
			}
			off += 8;
		}
		return dec_tunnel(c, off, c->end, DEC_IN_ETH, WEIR_EV_TUN_GRE, out, res);
	case DEC_ETH_P_ERSPAN3:
		/* 12 bytes of version 2, and 8 more with the O bit */
		if (off + 12 > c->end || (c->base[off] >> 4) != 2)
			return dec_give_up(out, WEIR_TUN_NOTE_HEADER);
		off += (c->base[off + 11] & 0x01) ? 20 : 12;
		return dec_tunnel(c, off, c->end, DEC_IN_ETH, WEIR_EV_TUN_GRE, out, res);
	default:
		return dec_give_up(out, WEIR_TUN_NOTE_UNKNOWN);
	}
}

static int
dec_ip_tunnel(const struct dec_cur *c, uint8_t proto, struct weir_decoded *out,
	      enum weir_decode_res *res)
{
	uint32_t t = c->conf->tunnels;

	switch (proto) {
	case IPPROTO_IPIP:
		return (t & WEIR_TUN_IPIP) ? dec_tunnel(c, c->off, c->end, DEC_IN_IPV4,
							dec_via_ip(out), out, res)
					   : dec_give_up(out, WEIR_TUN_NOTE_DISABLED);
	case IPPROTO_IPV6:
		return (t & WEIR_TUN_IPIP) ? dec_tunnel(c, c->off, c->end, DEC_IN_IPV6,
							dec_via_ip(out), out, res)
					   : dec_give_up(out, WEIR_TUN_NOTE_DISABLED);
	case IPPROTO_GRE:
		return (t & WEIR_TUN_GRE) ? dec_gre(c, out, res)
					  : dec_give_up(out, WEIR_TUN_NOTE_DISABLED);
	default:
		return -1;
	}
}

/* GTPv1-U (3GPP TS 29.281): a G-PDU's header, options and extension
 * headers, then the user's IP packet. */
static int
dec_gtpu(const struct dec_cur *c, uint32_t off, uint32_t end, struct weir_decoded *out,
	 enum weir_decode_res *res)
{
	const uint8_t *h = c->base + off;
	uint32_t hl = 8, len;
	int i;

	if (end - off < 8 || (h[0] >> 5) != 1 || !(h[0] & 0x10))
		return dec_give_up(out, WEIR_TUN_NOTE_HEADER);
	if (h[1] != 0xff) /* echo, error indication, end marker: no user packet */
		return -1;
	len = dec_be16(h + 2);
	if (len > end - off - 8)
		return dec_give_up(out, WEIR_TUN_NOTE_HEADER);
	end = off + 8 + len;
	if (h[0] & 0x07) { /* sequence number, N-PDU number, next extension */
		uint8_t next;

		hl += 4;
		if (off + hl > end)
			return dec_give_up(out, WEIR_TUN_NOTE_HEADER);
		next = (h[0] & 0x04) ? h[11] : 0;
		for (i = 0; next != 0; i++) {
			uint32_t el;

			if (i == DEC_MAX_GTP_EXT || off + hl + 1 > end)
				return dec_give_up(out, WEIR_TUN_NOTE_HEADER);
			el = (uint32_t)c->base[off + hl] * 4;
			if (el == 0 || off + hl + el > end)
				return dec_give_up(out, WEIR_TUN_NOTE_HEADER);
			next = c->base[off + hl + el - 1];
			hl += el;
		}
	}
	return dec_tunnel(c, off + hl, end, DEC_IN_IP, dec_via_ip(out), out, res);
}

/* Teredo (RFC 4380): IPv6 in UDP, after optional authentication and
 * origin indications; the IPv6 packet must fill the datagram exactly. */
static int
dec_teredo(const struct dec_cur *c, uint32_t off, uint32_t end, struct weir_decoded *out,
	   enum weir_decode_res *res)
{
	const uint8_t *h;

	if (end - off >= 4 && c->base[off] == 0 && c->base[off + 1] == 1) {
		uint32_t al = 4 + (uint32_t)c->base[off + 2] + c->base[off + 3] + 8 + 1;

		if (al > end - off)
			return -1;
		off += al;
	}
	if (end - off >= 8 && c->base[off] == 0 && c->base[off + 1] == 0)
		off += 8;
	if (end - off < DEC_IPV6_HLEN)
		return -1;
	h = c->base + off;
	if ((h[0] >> 4) != 6 || (uint32_t)dec_be16(h + 4) + DEC_IPV6_HLEN != end - off)
		return -1;
	return dec_tunnel(c, off, end, DEC_IN_IPV6, WEIR_EV_TUN_TEREDO, out, res);
}

static int
dec_udp_tunnel(const struct dec_cur *c, uint32_t udp_off, uint32_t udp_end, uint16_t sport,
	       uint16_t dport, struct weir_decoded *out, enum weir_decode_res *res)
{
	uint32_t t = c->conf->tunnels, p = udp_off + DEC_UDP_HLEN;
	const uint8_t *h = c->base + p;
	bool off_port = false; /* a port of a decapsulation that is off */

	if (dport == DEC_PORT_VXLAN && (t & WEIR_TUN_VXLAN)) {
		/* flags with I set, reserved bits clear (RFC 7348) */
		if (udp_end - p < 8 || h[0] != 0x08 || h[1] || h[2] || h[3] || h[7])
			return dec_give_up(out, WEIR_TUN_NOTE_HEADER);
		if (udp_end - p >= 8 + DEC_ETH_HLEN) {
			uint16_t et = dec_be16(h + 8 + 12);

			if (et != DEC_ETH_P_IPV4 && et != DEC_ETH_P_IPV6 && et != DEC_ETH_P_8021Q &&
			    et != DEC_ETH_P_ARP)
				dec_ev(out, WEIR_PEV_vxlan_unknown_payload_type);
		}
		return dec_tunnel(c, p + 8, udp_end, DEC_IN_ETH, WEIR_EV_TUN_VXLAN, out, res);
	}
	if (dport == DEC_PORT_GENEVE && (t & WEIR_TUN_GENEVE)) {
		uint32_t hl;
		uint16_t proto;

		if (udp_end - p < 8 || (h[0] >> 6) != 0)
			return dec_give_up(out, WEIR_TUN_NOTE_HEADER);
		hl = 8 + (uint32_t)(h[0] & 0x3f) * 4;
		proto = dec_be16(h + 2);
		if (hl > udp_end - p)
			return dec_give_up(out, WEIR_TUN_NOTE_HEADER);
		if (proto == DEC_ETH_P_TEB)
			return dec_tunnel(c, p + hl, udp_end, DEC_IN_ETH, WEIR_EV_TUN_GENEVE, out,
					  res);
		if (proto == DEC_ETH_P_IPV4)
			return dec_tunnel(c, p + hl, udp_end, DEC_IN_IPV4, WEIR_EV_TUN_GENEVE, out,
					  res);
		if (proto == DEC_ETH_P_IPV6)
			return dec_tunnel(c, p + hl, udp_end, DEC_IN_IPV6, WEIR_EV_TUN_GENEVE, out,
					  res);
		dec_ev(out, WEIR_PEV_geneve_unknown_payload_type);
		return dec_give_up(out, WEIR_TUN_NOTE_UNKNOWN);
	}
	if (dport == DEC_PORT_GTPU || sport == DEC_PORT_GTPU) {
		if (t & WEIR_TUN_GTPU)
			return dec_gtpu(c, p, udp_end, out, res);
		off_port = true;
	}
	if (dport == DEC_PORT_TEREDO || sport == DEC_PORT_TEREDO) {
		if (t & WEIR_TUN_TEREDO)
			return dec_teredo(c, p, udp_end, out, res);
		off_port = true;
	}
	off_port |= (dport == DEC_PORT_VXLAN && !(t & WEIR_TUN_VXLAN)) ||
		    (dport == DEC_PORT_GENEVE && !(t & WEIR_TUN_GENEVE));
	return off_port ? dec_give_up(out, WEIR_TUN_NOTE_DISABLED) : -1;
}

/* Whatever follows an ethertype (Ethernet, or a cooked header's protocol),
 * including any 802.1Q/802.1ad tags in between. */
static enum weir_decode_res
dec_ethertype(struct dec_cur *c, uint16_t etype, struct weir_decoded *out)
{
	const uint8_t *t;
	int tags = 0;

	if (unlikely(++c->links > DEC_MAX_LINKS)) {
		dec_ev(out, WEIR_PEV_too_many_layers);
		return dec_noted(out, WEIR_TUN_NOTE_DEPTH, WEIR_DEC_MALFORMED);
	}
	while (unlikely(etype == DEC_ETH_P_8021Q || etype == DEC_ETH_P_8021AD ||
			etype == DEC_ETH_P_QINQ_OLD)) {
		/* Suricata refuses a fourth tag; weir reads one more */
		if (tags == 3)
			dec_ev(out, WEIR_PEV_vlan_too_many_layers);
		if (!cur_has(c, DEC_VLAN_HLEN))
			dec_ev(out, WEIR_PEV_vlan_header_too_small);
		if (tags == DEC_MAX_VLAN_TAGS || !cur_has(c, DEC_VLAN_HLEN))
			return WEIR_DEC_MALFORMED;
		t = cur_ptr(c);
		if (out->n_vlan < 2)
			out->vlan[out->n_vlan++] = dec_be16(t) & 0x0fff;
		etype = dec_be16(t + 2);
		c->off += DEC_VLAN_HLEN;
		tags++;
	}

	if (likely(etype == DEC_ETH_P_IPV4))
		return dec_ipv4(c, out);
	if (etype == DEC_ETH_P_IPV6)
		return dec_ipv6(c, out);
	if (etype == DEC_ETH_P_MPLS_UC || etype == DEC_ETH_P_MPLS_MC)
		return (c->conf->tunnels & WEIR_TUN_MPLS)
			       ? dec_mpls(c, out)
			       : dec_noted(out, WEIR_TUN_NOTE_DISABLED, WEIR_DEC_NO_L4);
	if (etype == DEC_ETH_P_PPPOE_S)
		return (c->conf->tunnels & WEIR_TUN_PPPOE)
			       ? dec_pppoe(c, out)
			       : dec_noted(out, WEIR_TUN_NOTE_DISABLED, WEIR_DEC_NO_L4);
	if (etype == DEC_ETH_P_NSH)
		return (c->conf->tunnels & WEIR_TUN_NSH)
			       ? dec_nsh(c, out)
			       : dec_noted(out, WEIR_TUN_NOTE_DISABLED, WEIR_DEC_NO_L4);
	return WEIR_DEC_NO_L4; /* ARP, LLDP, 802.3 length field, ... */
}

/*
 * A PPP frame's protocol field (RFC 1661; one byte when compressed, an odd
 * first byte) after optional HDLC address and control bytes (ff 03,
 * RFC 1662), then IPv4 or IPv6; other protocols (LCP, IPCP...) have no L4.
 */
static enum weir_decode_res
dec_ppp(struct dec_cur *c, struct weir_decoded *out)
{
	const uint8_t *h;
	uint16_t proto;

	if (cur_has(c, 2) && cur_ptr(c)[0] == 0xff && cur_ptr(c)[1] == 0x03)
		c->off += 2;
	if (unlikely(!cur_has(c, 1))) {
		dec_ev(out, WEIR_PEV_ppp_pkt_too_small);
		return WEIR_DEC_MALFORMED;
	}
	h = cur_ptr(c);
	if (h[0] & 0x01) {
		proto = h[0];
		c->off += 1;
	} else {
		if (unlikely(!cur_has(c, 2))) {
			dec_ev(out, WEIR_PEV_ppp_pkt_too_small);
			return WEIR_DEC_MALFORMED;
		}
		proto = dec_be16(h);
		c->off += 2;
	}
	if (proto == DEC_PPP_IPV4)
		return dec_ipv4(c, out);
	if (proto == DEC_PPP_IPV6)
		return dec_ipv6(c, out);
	return WEIR_DEC_NO_L4;
}

/* Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control 0, and an
 * ethertype. */
static enum weir_decode_res
dec_chdlc(struct dec_cur *c, struct weir_decoded *out)
{
	const uint8_t *h;

	if (unlikely(!cur_has(c, 4))) {
		dec_ev(out, WEIR_PEV_chdlc_pkt_too_small);
		return WEIR_DEC_MALFORMED;
	}
	h = cur_ptr(c);
	c->off += 4;
	return dec_ethertype(c, dec_be16(h + 2), out);
}

static inline enum weir_decode_res
dec_family(struct dec_cur *c, uint32_t family, struct weir_decoded *out)
{
	switch (family) {
	case DEC_AF_INET:
		return dec_ipv4(c, out);
	case DEC_AF_INET6_LINUX:
	case DEC_AF_INET6_BSD:
	case DEC_AF_INET6_FREEBSD:
	case DEC_AF_INET6_DARWIN:
		return dec_ipv6(c, out);
	default:
		dec_ev(out, WEIR_PEV_ltnull_unsupported_type);
		return WEIR_DEC_NO_L4;
	}
}

enum weir_decode_res
weir_decode(const uint8_t *data, uint32_t len, enum weir_l2 l2, struct weir_decoded *out)
{
	return weir_decode_tun(data, len, l2, &dec_no_tunnels, out);
}

enum weir_decode_res
weir_decode_tun(const uint8_t *data, uint32_t len, enum weir_l2 l2,
		const struct weir_decode_conf *conf, struct weir_decoded *out)
{
	struct dec_cur c = {.base = data, .off = 0, .end = len, .conf = conf};
	uint32_t family;

	dec_clear(out);

	switch (l2) {
	case WEIR_L2_ETH:
		if (unlikely(len < DEC_ETH_HLEN)) {
			dec_ev(out, WEIR_PEV_ethernet_pkt_too_small);
			return WEIR_DEC_MALFORMED;
		}
		c.off = DEC_ETH_HLEN;
		return dec_ethertype(&c, dec_be16(data + 12), out);
	case WEIR_L2_RAW:
		if (unlikely(len < 1))
			return WEIR_DEC_MALFORMED;
		if ((data[0] >> 4) == 4)
			return dec_ipv4(&c, out);
		if ((data[0] >> 4) == 6)
			return dec_ipv6(&c, out);
		dec_ev(out, WEIR_PEV_ipraw_invalid_ip_version);
		return WEIR_DEC_MALFORMED;
	case WEIR_L2_IPV4:
		return dec_ipv4(&c, out);
	case WEIR_L2_IPV6:
		return dec_ipv6(&c, out);
	case WEIR_L2_SLL:
		/* packet type, ARPHRD, address length, address[8], protocol */
		if (unlikely(len < DEC_SLL_HLEN)) {
			dec_ev(out, WEIR_PEV_sll_pkt_too_small);
			return WEIR_DEC_MALFORMED;
		}
		if (dec_be16(data + 2) == DEC_ARPHRD_NETLINK)
			return WEIR_DEC_NO_L4;
		c.off = DEC_SLL_HLEN;
		return dec_ethertype(&c, dec_be16(data + 14), out);
	case WEIR_L2_SLL2:
		/* protocol, reserved, ifindex, ARPHRD, packet type, ... */
		if (unlikely(len < DEC_SLL2_HLEN)) {
			dec_ev(out, WEIR_PEV_sll_pkt_too_small);
			return WEIR_DEC_MALFORMED;
		}
		if (dec_be16(data + 8) == DEC_ARPHRD_NETLINK)
			return WEIR_DEC_NO_L4;
		c.off = DEC_SLL2_HLEN;
		return dec_ethertype(&c, dec_be16(data), out);
	case WEIR_L2_NULL:
		if (unlikely(len < DEC_NULL_HLEN)) {
			dec_ev(out, WEIR_PEV_ltnull_pkt_too_small);
			return WEIR_DEC_MALFORMED;
		}
		/* Host order of the machine that captured, which may not be
		 * ours. Every family fits in the low 16 bits, so a value with
		 * the high half set was written in the other byte order. */
		family = dec_be32(data);
		if (family & 0xffff0000u)
			family = __builtin_bswap32(family);
		c.off = DEC_NULL_HLEN;
		return dec_family(&c, family, out);
	case WEIR_L2_LOOP:
		if (unlikely(len < DEC_NULL_HLEN)) {
			dec_ev(out, WEIR_PEV_ltnull_pkt_too_small);
			return WEIR_DEC_MALFORMED;
		}
		c.off = DEC_NULL_HLEN;
		return dec_family(&c, dec_be32(data), out);
	case WEIR_L2_PPP:
		return dec_ppp(&c, out);
	case WEIR_L2_PPP_HDLC:
		/* LINKTYPE_PPP_HDLC also carries Cisco HDLC frames */
		if (len >= 1 && (data[0] == 0x0f || data[0] == 0x8f))
			return dec_chdlc(&c, out);
		return dec_ppp(&c, out);
	case WEIR_L2_CHDLC:
		return dec_chdlc(&c, out);
	}
	/* Not a framing this decoder knows: a caller bug, but never a crash. */
	return WEIR_DEC_MALFORMED;
}
