/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet decode: first step of the worker's per-packet path. Walks L2
 * (Ethernet, 802.1Q, 802.1ad QinQ, Linux cooked, BSD loopback, raw IP),
 * IPv4 (options) or IPv6 (hop-by-hop, routing, destination-options and
 * fragment extension headers) and TCP/UDP/ICMP/ICMPv6, checking every
 * length against the captured bytes. Nothing here allocates or logs.
 */
#ifndef WEIR_DECODE_H
#define WEIR_DECODE_H

#include <stdint.h>

#include "capture.h"
#include "dec_event.h" /* enum weir_pkt_event: the events bits */

/*
 * Outcome of decoding one packet. Each value is one counter of the worker;
 * a packet lands in exactly one of them, which is what makes
 * rx = scanned + not scanned + fragments + malformed hold.
 */
enum weir_decode_res {
	WEIR_DEC_OK = 0,    /* TCP, UDP, ICMP or ICMPv6 with payload_len >= 0
			       (ICMP: after its 8-byte header): scan it */
	WEIR_DEC_NO_L4,	    /* well formed, but no L4 payload (other IP
			       protocol: addresses are valid; non-IP
			       ethertype: ip_version is 0) */
	WEIR_DEC_FRAGMENT,  /* non-first IP fragment: not scanned */
	WEIR_DEC_MALFORMED, /* truncated or inconsistent: never scanned */
};

struct weir_decoded {
	const uint8_t *payload; /* L4 payload (TCP/UDP/ICMP), NULL otherwise */
	uint32_t payload_len;	/* bounded by the IP length and the capture */
	uint16_t vlan[2];	/* VLAN IDs, outer first; 0 when absent */
	uint8_t n_vlan;		/* entries used in vlan[] (<= 2): deeper tags
				   are walked but not recorded */
	uint8_t ip_version;	/* 4 or 6, 0 when not IP */
	uint8_t proto;		/* final L4 protocol (IPPROTO_*) */
	uint8_t tcp_flags;
	uint16_t sport; /* host byte order; 0 for non TCP/UDP */
	uint16_t dport;
	uint8_t src[16]; /* IPv4 in the first 4 bytes, network order */
	uint8_t dst[16];
	uint16_t l3_off; /* offsets into the frame, for later stages */
	uint16_t l4_off;
	/* An IP fragment (IPv4 offset or MF set; IPv6 fragment header that is
	 * not atomic), first or not, for reassembly (app/defrag.h); the rest
	 * of the frag_* fields are valid only with frag set. */
	uint8_t frag;
	uint8_t frag_more;	/* MF / M flag */
	uint8_t frag_nh;	/* IPv6: the fragment header's next header */
	uint16_t frag_nh_off;	/* IPv6: the byte naming the fragment header */
	uint32_t frag_hdr_len;	/* frame bytes ahead of the fragmentable part
				   (IPv6: up to the fragment header) */
	uint32_t frag_data_off; /* the fragment's data in the frame */
	uint32_t frag_data_len;
	uint32_t frag_offset; /* in the datagram, bytes */
	uint32_t frag_id;     /* identification (IPv4: 16 bits) */
	/* Tunnels (weir_decode_tun): layers decoded through to the packet
	 * above, and the outermost IP layer (Suricata's root packet), valid
	 * when depth != 0. MPLS and PPPoE, like VLANs, are not layers. */
	uint8_t depth;
	uint8_t tun_via;  /* the innermost decapsulation, enum weir_event_tun
			     (common/event.h); 0 with depth 0 */
	uint8_t nsh;	  /* NSH headers decoded through (not layers: no depth) */
	uint8_t tun_note; /* enum weir_tun_note: why an encapsulation was not
			     decoded through, the first cause (0: none) */
	uint8_t outer_ip_version;
	uint8_t outer_proto;
	uint16_t outer_sport; /* host order, 0 without ports */
	uint16_t outer_dport;
	uint8_t outer_src[16];
	uint8_t outer_dst[16];
	/* Suricata's decoder events the packet raised (WEIR_PEV_BIT of enum
	 * weir_event), whatever its outcome: a malformed packet carries the
	 * reason it is, a tunnel's inner packet the outer one's too. */
	uint64_t events;
};

/* Decapsulations weir_decode_tun() may do (decoder.* keys). */
enum weir_tunnel {
	WEIR_TUN_VXLAN = 1u << 0,  /* UDP port 4789 */
	WEIR_TUN_GENEVE = 1u << 1, /* UDP port 6081 */
	WEIR_TUN_GRE = 1u << 2,	   /* IP protocol 47, ERSPAN I-III inside */
	WEIR_TUN_IPIP = 1u << 3,   /* IPv4/IPv6 in IPv4/IPv6 (4, 41) */
	WEIR_TUN_TEREDO = 1u << 4, /* IPv6 in UDP port 3544 */
	WEIR_TUN_GTPU = 1u << 5,   /* GTP-U G-PDUs, UDP port 2152 */
	WEIR_TUN_MPLS = 1u << 6,   /* ethertypes 0x8847/0x8848 */
	WEIR_TUN_PPPOE = 1u << 7,  /* PPPoE sessions, ethertype 0x8864 */
	WEIR_TUN_NSH = 1u << 8,	   /* Network Service Header, ethertype 0x894F */
};

/*
 * Why an encapsulation was not decoded through (weir_decoded.tun_note;
 * the worker's tun_* counters, each named here). The packet is then the
 * outer one (a tunnel) or malformed (a broken MPLS, PPPoE or NSH header,
 * walked like a VLAN tag).
 */
enum weir_tun_note {
	WEIR_TUN_NOTE_NONE = 0,
	WEIR_TUN_NOTE_HEADER,	       /* tun_bad_header: the encapsulation's own
					  header is cut or inconsistent */
	WEIR_TUN_NOTE_INNER_MALFORMED, /* tun_inner_malformed: the packet inside
					  is truncated or inconsistent */
	WEIR_TUN_NOTE_INNER_NOT_IP,    /* tun_inner_not_ip: the packet inside is
					  not IP (ARP, ...) */
	WEIR_TUN_NOTE_UNKNOWN,	       /* tun_unknown_type: it carries what weir does
					  not decode (GRE version 1 or protocol,
					  Geneve protocol, MPLS payload, NSH version,
					  MD type or next protocol) */
	WEIR_TUN_NOTE_DEPTH,	       /* tun_depth_limit: past decoder.max-layers */
	WEIR_TUN_NOTE_DISABLED,	       /* tun_disabled: its decoder.*.enabled is
					  false */
};

struct weir_decode_conf {
	uint32_t tunnels;  /* enum weir_tunnel bits */
	uint8_t max_depth; /* tunnel layers decoded at most; past it the
			      packet is matched as the last layer reached */
};

/**
 * Decode @p len captured bytes at @p data framed as @p l2.
 * Fills @p out as far as decoding got (addresses are valid whenever
 * ip_version != 0, payload only for WEIR_DEC_OK).
 * Thread: any; no side effects.
 */
enum weir_decode_res weir_decode(const uint8_t *data, uint32_t len, enum weir_l2 l2,
				 struct weir_decoded *out);

/**
 * weir_decode() that also decodes through the encapsulations @p c turns
 * on, to the innermost packet: @p out then describes that packet (its
 * offsets still into @p data), with depth and the outer_* fields naming
 * the outermost IP layer. An encapsulation whose inner packet is
 * malformed is not decoded through: the packet is the outer one, as
 * without it. Thread: any; no side effects.
 */
enum weir_decode_res weir_decode_tun(const uint8_t *data, uint32_t len, enum weir_l2 l2,
				     const struct weir_decode_conf *c, struct weir_decoded *out);

#endif /* WEIR_DECODE_H */
