/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Suricata's header keywords, match side: per packet, for each candidate
 * rule with header keywords (WEIR_RT_HDR), after its address and port
 * check. The worker hands the IP and L4 headers in struct weir_scan_pkt
 * (l3, l4); each keyword reads its field as the keyword's Match does in
 * Suricata and fails on a packet that lacks it (flags on UDP, tos on
 * IPv6, icmp_id on a destination unreachable). Reads are bounded by the
 * lengths the decoder checked; nothing here allocates.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rules_int.h"

#define HDR_IPV4_HLEN 20
#define HDR_IPV6_HLEN 40
#define HDR_TCP_HLEN  20
#define HDR_ICMP_HLEN 8

static inline uint16_t
hdr_be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static inline uint32_t
hdr_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static inline bool
hdr_is_ipv4(const struct weir_scan_pkt *p)
{
	return p->ip_version == 4 && p->l3 != NULL && p->l3_len >= HDR_IPV4_HLEN;
}

static inline bool
hdr_is_tcp(const struct weir_scan_pkt *p)
{
	return p->pclass == WEIR_PCLASS_TCP && p->l4 != NULL && p->l4_len >= HDR_TCP_HLEN;
}

static inline bool
hdr_is_icmp(const struct weir_scan_pkt *p)
{
	return p->pclass == WEIR_PCLASS_ICMP && p->l4 != NULL && p->l4_len >= HDR_ICMP_HLEN;
}

/* The id and sequence fields exist for the echo-like messages only
 * (detect-icmp-id.c GetIcmpId, detect-icmp-seq.c GetIcmpSeq). */
static bool
hdr_icmp_has_id(const struct weir_scan_pkt *p)
{
	uint8_t t = p->l4[0];

	if (p->ip_proto == 58)
		return t == 128 || t == 129;		 /* echo request, reply */
	return t == 0 || t == 8 || (t >= 13 && t <= 18); /* echo, timestamp,
							    info, address mask */
}

/*
 * The IPv4 options Suricata's decoder records (DecodeIPV4Options): EOL
 * ends the list, NOP is one byte, every other option has a length byte of
 * at least 2 within the header; a malformed option ends the walk.
 */
static unsigned int
hdr_ipv4_opts(const struct weir_scan_pkt *p)
{
	unsigned int hl = (unsigned int)(p->l3[0] & 0x0f) * 4, off = HDR_IPV4_HLEN, set = 0;

	if (hl > p->l3_len)
		hl = p->l3_len;
	while (off < hl) {
		uint8_t t = p->l3[off], len;

		if (t == 0) {
			set |= WEIR_IPOPT_EOL;
			break;
		}
		if (t == 1) {
			set |= WEIR_IPOPT_NOP;
			off++;
			continue;
		}
		if (off + 2 > hl)
			break;
		len = p->l3[off + 1];
		if (len < 2 || off + len > hl)
			break;
		switch (t) {
		case 7:
			set |= WEIR_IPOPT_RR;
			break;
		case 68:
			set |= WEIR_IPOPT_TS;
			break;
		case 130:
			set |= WEIR_IPOPT_SEC;
			break;
		case 131:
			set |= WEIR_IPOPT_LSRR;
			break;
		case 133:
			set |= WEIR_IPOPT_ESEC;
			break;
		case 136:
			set |= WEIR_IPOPT_SID;
			break;
		case 137:
			set |= WEIR_IPOPT_SSRR;
			break;
		case 25:  /* quick start */
		case 134: /* CIPSO */
		case 148: /* router alert */
			set |= WEIR_IPOPT_OTHER;
			break;
		default:
			break;
		}
		off += len;
	}
	return set;
}

/* The MSS option of a TCP header (kind 2, length 4), the first one. */
static bool
hdr_tcp_mss(const struct weir_scan_pkt *p, uint16_t *mss)
{
	unsigned int hl = (unsigned int)(p->l4[12] >> 4) * 4, off = HDR_TCP_HLEN;

	if (hl > p->l4_len)
		hl = p->l4_len;
	while (off < hl) {
		uint8_t k = p->l4[off], len;

		if (k == 0)
			break;
		if (k == 1) {
			off++;
			continue;
		}
		if (off + 2 > hl)
			break;
		len = p->l4[off + 1];
		if (len < 2 || off + len > hl)
			break;
		if (k == 2 && len == 4) {
			*mss = hdr_be16(p->l4 + off + 2);
			return true;
		}
		off += len;
	}
	return false;
}

/* The fragment offset of an IPv6 packet's fragment header (bytes: the
 * field with its low three bits cleared, as Suricata keeps fh_offset);
 * false when the extension headers before L4 hold none. */
static bool
hdr_ipv6_fragoff(const struct weir_scan_pkt *p, uint16_t *off)
{
	unsigned int at = HDR_IPV6_HLEN, len;
	uint8_t nh = p->l3[6];

	while (at + 8 <= p->l3_len) {
		const uint8_t *e = p->l3 + at;

		switch (nh) {
		case 44: /* fragment */
			*off = hdr_be16(e + 2) & 0xfff8;
			return true;
		case 0:	 /* hop-by-hop */
		case 43: /* routing */
		case 60: /* destination options */
			len = ((unsigned int)e[1] + 1) * 8;
			break;
		case 51: /* authentication header */
			len = ((unsigned int)e[1] + 2) * 4;
			break;
		default:
			return false;
		}
		nh = e[0];
		at += len;
	}
	return false;
}

/* The value condition @p h reads from @p p; false when @p p lacks it. */
static bool
hdr_value(const struct weir_hdr_cond *h, const struct weir_scan_pkt *p, uint64_t *v)
{
	uint16_t u16;

	switch (h->kind) {
	case WEIR_HDR_TCP_FLAGS:
		if (!hdr_is_tcp(p))
			return false;
		*v = p->l4[13];
		return true;
	case WEIR_HDR_TCP_SEQ:
		if (!hdr_is_tcp(p))
			return false;
		*v = hdr_be32(p->l4 + 4);
		return true;
	case WEIR_HDR_TCP_ACK:
		if (!hdr_is_tcp(p))
			return false;
		*v = hdr_be32(p->l4 + 8);
		return true;
	case WEIR_HDR_TCP_WINDOW:
		if (!hdr_is_tcp(p))
			return false;
		*v = hdr_be16(p->l4 + 14);
		return true;
	case WEIR_HDR_TCP_MSS:
		if (!hdr_is_tcp(p) || !hdr_tcp_mss(p, &u16))
			return false;
		*v = u16;
		return true;
	case WEIR_HDR_ITYPE:
		if (!hdr_is_icmp(p))
			return false;
		*v = p->l4[0];
		return true;
	case WEIR_HDR_ICODE:
		if (!hdr_is_icmp(p))
			return false;
		*v = p->l4[1];
		return true;
	case WEIR_HDR_ICMP_ID:
		if (!hdr_is_icmp(p) || !hdr_icmp_has_id(p))
			return false;
		*v = hdr_be16(p->l4 + 4);
		return true;
	case WEIR_HDR_ICMP_SEQ:
		if (!hdr_is_icmp(p) || !hdr_icmp_has_id(p))
			return false;
		*v = hdr_be16(p->l4 + 6);
		return true;
	case WEIR_HDR_ICMPV6_MTU:
		/* packet too big, code 0 (detect-icmpv6-mtu.c) */
		if (!hdr_is_icmp(p) || p->ip_proto != 58 || p->l4[0] != 2 || p->l4[1] != 0)
			return false;
		*v = hdr_be32(p->l4 + 4);
		return true;
	case WEIR_HDR_TTL:
		if (hdr_is_ipv4(p))
			*v = p->l3[8];
		else if (p->ip_version == 6 && p->l3 != NULL && p->l3_len >= HDR_IPV6_HLEN)
			*v = p->l3[7];
		else
			return false;
		return true;
	case WEIR_HDR_TOS:
		if (!hdr_is_ipv4(p))
			return false;
		*v = p->l3[1];
		return true;
	case WEIR_HDR_IP_ID:
		if (!hdr_is_ipv4(p))
			return false;
		*v = hdr_be16(p->l3 + 4);
		return true;
	case WEIR_HDR_FRAGBITS:
		if (!hdr_is_ipv4(p))
			return false;
		*v = hdr_be16(p->l3 + 6); /* flags and offset, as Suricata */
		return true;
	case WEIR_HDR_FRAGOFFSET:
		if (hdr_is_ipv4(p)) {
			*v = hdr_be16(p->l3 + 6) & 0x1fff;
			return true;
		}
		if (p->ip_version != 6 || p->l3 == NULL || p->l3_len < HDR_IPV6_HLEN ||
		    !hdr_ipv6_fragoff(p, &u16))
			return false;
		*v = u16;
		return true;
	case WEIR_HDR_IP_PROTO:
		*v = p->ip_proto;
		return true;
	default:
		return false;
	}
}

/* vlan.id (rust/src/detect/vlan.rs over detect_uint_match_at_index): a
 * packet without a tag fails; an index past the tags fails. */
static bool
hdr_vlan_id(const struct weir_hdr_cond *h, const struct weir_scan_pkt *p)
{
	int n = p->n_vlan, i;

	if (n == 0)
		return false;
	switch (h->layer) {
	case WEIR_VLAN_ANY:
		for (i = 0; i < n; i++)
			if (weir_uint_match(&h->c, p->vlan[i]))
				return true;
		return false;
	case WEIR_VLAN_ALL:
		for (i = 0; i < n; i++)
			if (!weir_uint_match(&h->c, p->vlan[i]))
				return false;
		return true;
	default:
		i = h->layer < 0 ? n + h->layer : h->layer;
		return i >= 0 && i < n && weir_uint_match(&h->c, p->vlan[i]);
	}
}

bool
weir_hdr_buf(const struct weir_scan_pkt *p, unsigned int buf, const uint8_t **data, uint32_t *len)
{
	uint32_t hl;

	switch (buf) {
	case WEIR_BUF_IPV4_HDR:
		if (!hdr_is_ipv4(p))
			return false;
		hl = (uint32_t)(p->l3[0] & 0x0f) * 4;
		if (hl < HDR_IPV4_HLEN || hl > p->l3_len)
			return false;
		*data = p->l3;
		*len = hl;
		return true;
	case WEIR_BUF_IPV6_HDR:
		if (p->ip_version != 6 || p->l3 == NULL || p->l3_len < HDR_IPV6_HLEN)
			return false;
		*data = p->l3;
		*len = p->l3_len;
		return true;
	case WEIR_BUF_TCP_HDR:
		if (!hdr_is_tcp(p))
			return false;
		hl = (uint32_t)(p->l4[12] >> 4) * 4;
		if (hl < HDR_TCP_HLEN || hl > p->l4_len)
			return false;
		*data = p->l4;
		*len = hl;
		return true;
	case WEIR_BUF_UDP_HDR:
		if (p->pclass != WEIR_PCLASS_UDP || p->l4 == NULL || p->l4_len < 8)
			return false;
		*data = p->l4;
		*len = 8;
		return true;
	case WEIR_BUF_ICMPV4_HDR:
		if (!hdr_is_icmp(p) || p->ip_version != 4 || p->ip_proto != 1)
			return false;
		/* decode-icmpv4.c's hlen: 8, the 12 timestamp bytes of types
		 * 13 and 14, a router advertisement's addresses (count *
		 * entry size in words), each only when present */
		hl = HDR_ICMP_HLEN;
		if ((p->l4[0] == 13 || p->l4[0] == 14) && p->l4_len >= HDR_ICMP_HLEN + 12)
			hl += 12;
		else if (p->l4[0] == 9 &&
			 p->l4_len >= HDR_ICMP_HLEN + (uint32_t)p->l4[4] * p->l4[5] * 4)
			hl += (uint32_t)p->l4[4] * p->l4[5] * 4;
		*data = p->l4;
		*len = hl;
		return true;
	case WEIR_BUF_ICMPV6_HDR:
		if (!hdr_is_icmp(p) || p->ip_version != 6 || p->ip_proto != 58)
			return false;
		*data = p->l4;
		*len = HDR_ICMP_HLEN;
		return true;
	default:
		return false;
	}
}

bool
weir_hdr_match(const struct weir_suri_rule *s, const struct weir_scan_pkt *p)
{
	unsigned int i;

	for (i = 0; i < s->n_hdr; i++) {
		const struct weir_hdr_cond *h = &s->hdr[i];
		uint64_t v;

		switch (h->kind) {
		case WEIR_HDR_SAMEIP:
			if (memcmp(p->src, p->dst, p->ip_version == 6 ? 16 : 4) != 0)
				return false;
			continue;
		case WEIR_HDR_IPOPTS:
			if (!hdr_is_ipv4(p) || (hdr_ipv4_opts(p) & h->c.a) == 0)
				return false;
			continue;
		case WEIR_HDR_VLAN_ID:
			if (!hdr_vlan_id(h, p))
				return false;
			continue;
		case WEIR_HDR_VLAN_LAYERS:
			if (!weir_uint_match(&h->c, p->n_vlan))
				return false;
			continue;
		default:
			if (!hdr_value(h, p, &v) || !weir_uint_match(&h->c, v))
				return false;
			continue;
		}
	}
	return true;
}
