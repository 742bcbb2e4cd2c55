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
};

/**
 * Decode @p len captured bytes at @p data framed as @p l2.
 * Fills @p out as far as decoding got (addresses are valid whenever
 * ip_version != 0, payload only for WEIR_DEC_OK).
 * Thread: any; no side effects.
 */
enum weir_decode_res weir_decode(const uint8_t *data, uint32_t len, enum weir_l2 l2,
				 struct weir_decoded *out);

#endif /* WEIR_DECODE_H */
