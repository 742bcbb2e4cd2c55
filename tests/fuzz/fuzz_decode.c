/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the packet decoder (app/decode.c), the first code that
 * touches bytes from the wire. One input is one frame: its first byte
 * picks the link type (its value modulo the number of weir_l2 framings, so
 * every framing weir accepts is reached; 0xff instead passes a value no
 * framing has, which must come back malformed), and the rest is the frame
 * exactly as a capture driver hands it over. libFuzzer's buffer ends where
 * the frame ends, so any read past the captured length is an ASan report.
 *
 * Beyond "no crash", each result is checked against what the worker and
 * the emitter rely on: the outcome is one of the four counters, the
 * payload lies inside the frame, ports and addresses are the bytes at the
 * offsets the decoder reports, and nothing is filled in that the outcome
 * says is not there. Last, the frame is decoded again with bytes appended
 * (link-layer padding): every outcome but "malformed" is fixed by the IP
 * lengths, so padding must change nothing, or padding would leak into
 * scanned payload. Bit 3 of the first byte turns every decapsulation on
 * (weir_decode_tun, decoder.*): the inner packet must hold the same
 * invariants, and the outer layer it names must be IP.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "decode.h"
#include "fuzz.h"

/* Framings in enum weir_l2: WEIR_L2_ETH .. WEIR_L2_CHDLC. A framing added
 * after WEIR_L2_CHDLC must move this bound, or it goes unfuzzed. */
#define FUZZ_N_L2 ((unsigned int)WEIR_L2_CHDLC + 1)
/* First byte that selects an out-of-range framing (a caller bug). */
#define FUZZ_L2_BOGUS 0xff
#define FUZZ_PAD      64 /* bytes of padding in the second decode */

static uint16_t
fuzz_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static bool
fuzz_all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* Smallest offset the network header can start at under each framing. */
static uint32_t
fuzz_l2_hlen(enum weir_l2 l2)
{
	switch (l2) {
	case WEIR_L2_ETH:
		return 14;
	case WEIR_L2_SLL:
		return 16;
	case WEIR_L2_SLL2:
		return 20;
	case WEIR_L2_NULL:
	case WEIR_L2_LOOP:
		return 4;
	default:
		return 0;
	}
}

static void
fuzz_check_decoded(const uint8_t *frame, uint32_t len, enum weir_l2 l2, enum weir_decode_res res,
		   const struct weir_decoded *d)
{
	unsigned int i;

	FUZZ_CHECK(res == WEIR_DEC_OK || res == WEIR_DEC_NO_L4 || res == WEIR_DEC_FRAGMENT ||
			   res == WEIR_DEC_MALFORMED,
		   "result %d", (int)res);
	if ((unsigned int)l2 >= FUZZ_N_L2)
		FUZZ_CHECK(res == WEIR_DEC_MALFORMED, "unknown framing gave %d", (int)res);

	/* Decoder events: the decoder's own bits only (the fragment
	 * events come from reassembly, the stream ones from the stream). */
	FUZZ_CHECK((d->events >> WEIR_PEV_DECODER_N) == 0, "events %#llx past the decoder's",
		   (unsigned long long)d->events);
	FUZZ_CHECK((d->events & (WEIR_PEV_BIT(WEIR_PEV_ipv4_frag_overlap) |
				 WEIR_PEV_BIT(WEIR_PEV_ipv6_frag_overlap) |
				 WEIR_PEV_BIT(WEIR_PEV_ipv4_frag_pkt_too_large) |
				 WEIR_PEV_BIT(WEIR_PEV_ipv6_frag_pkt_too_large))) == 0,
		   "a reassembly event from the decoder");

	/* VLAN tags: at most two recorded, 12-bit IDs, unused slots zero. */
	FUZZ_CHECK(d->n_vlan <= 2, "n_vlan %u", d->n_vlan);
	for (i = 0; i < 2; i++) {
		FUZZ_CHECK(d->vlan[i] <= 0x0fff, "vlan[%u] = %#x", i, d->vlan[i]);
		if (i >= d->n_vlan)
			FUZZ_CHECK(d->vlan[i] == 0, "vlan[%u] set beyond n_vlan", i);
	}
	if (d->n_vlan > 0 && d->depth == 0)
		FUZZ_CHECK(l2 == WEIR_L2_ETH || l2 == WEIR_L2_SLL || l2 == WEIR_L2_SLL2 ||
				   l2 == WEIR_L2_CHDLC || l2 == WEIR_L2_PPP_HDLC,
			   "VLAN tag under framing %d", (int)l2);
	if (d->depth != 0) {
		FUZZ_CHECK(d->depth <= 16, "depth %u past the limit", d->depth);
		FUZZ_CHECK(d->outer_ip_version == 4 || d->outer_ip_version == 6,
			   "tunnel in a layer of IP version %u", d->outer_ip_version);
		FUZZ_CHECK(d->ip_version != 0, "a tunnel decoded to no IP packet");
		FUZZ_CHECK(d->frag == 0, "an inner fragment offered for reassembly");
	}

	/* Payload (and so ports and TCP flags) exists only for OK (TCP, UDP,
	 * and ICMP/ICMPv6, whose payload follows the 8-byte header). */
	if (res != WEIR_DEC_OK) {
		FUZZ_CHECK(d->payload == NULL && d->payload_len == 0, "payload set for result %d",
			   (int)res);
		FUZZ_CHECK(d->sport == 0 && d->dport == 0 && d->tcp_flags == 0,
			   "ports or flags set for result %d", (int)res);
	}

	switch (d->ip_version) {
	case 0:
		/* Not IP: nothing of L3 or L4 may be filled in, and only
		 * "not scanned" or "malformed" can come of it. */
		FUZZ_CHECK(res == WEIR_DEC_NO_L4 || res == WEIR_DEC_MALFORMED,
			   "non-IP packet gave %d", (int)res);
		FUZZ_CHECK(d->proto == 0 && d->l3_off == 0 && d->l4_off == 0,
			   "L3/L4 fields set without IP");
		FUZZ_CHECK(fuzz_all_zero(d->src, 16) && fuzz_all_zero(d->dst, 16),
			   "addresses set without IP");
		return;
	case 4:
		FUZZ_CHECK((uint32_t)d->l3_off + 20 <= len, "IPv4 header at %u past %u", d->l3_off,
			   len);
		FUZZ_CHECK(frame[d->l3_off] >> 4 == 4, "IPv4 header has version %u",
			   frame[d->l3_off] >> 4);
		FUZZ_CHECK(memcmp(d->src, frame + d->l3_off + 12, 4) == 0 &&
				   memcmp(d->dst, frame + d->l3_off + 16, 4) == 0,
			   "IPv4 addresses are not the header's");
		FUZZ_CHECK(fuzz_all_zero(d->src + 4, 12) && fuzz_all_zero(d->dst + 4, 12),
			   "IPv4 address tail not zero");
		break;
	case 6:
		FUZZ_CHECK((uint32_t)d->l3_off + 40 <= len, "IPv6 header at %u past %u", d->l3_off,
			   len);
		FUZZ_CHECK(frame[d->l3_off] >> 4 == 6, "IPv6 header has version %u",
			   frame[d->l3_off] >> 4);
		FUZZ_CHECK(memcmp(d->src, frame + d->l3_off + 8, 16) == 0 &&
				   memcmp(d->dst, frame + d->l3_off + 24, 16) == 0,
			   "IPv6 addresses are not the header's");
		break;
	default:
		FUZZ_CHECK(0, "ip_version %u", d->ip_version);
	}
	FUZZ_CHECK(d->l3_off >= fuzz_l2_hlen(l2), "l3_off %u inside the link header", d->l3_off);

	if (res != WEIR_DEC_OK)
		return;

	FUZZ_CHECK(d->proto == IPPROTO_TCP || d->proto == IPPROTO_UDP || d->proto == IPPROTO_ICMP ||
			   d->proto == IPPROTO_ICMPV6,
		   "OK with proto %u", d->proto);
	FUZZ_CHECK(d->l4_off > d->l3_off, "l4_off %u before l3_off %u", d->l4_off, d->l3_off);
	FUZZ_CHECK(d->payload != NULL, "OK without payload pointer");
	/* Inside [frame, frame + len): compare offsets, never out-of-range
	 * pointers. An empty payload may sit exactly at the end. */
	FUZZ_CHECK(d->payload >= frame && (size_t)(d->payload - frame) <= len,
		   "payload starts outside the frame");
	FUZZ_CHECK(d->payload_len <= len - (uint32_t)(d->payload - frame),
		   "payload of %u bytes at %zu runs past the frame (%u bytes)", d->payload_len,
		   (size_t)(d->payload - frame), len);
	/* Bounded by the IP length field: 64 KiB minus the smallest headers. */
	FUZZ_CHECK(d->payload_len <= 65535 - 8, "payload_len %u beyond any IP datagram",
		   d->payload_len);
	if (d->proto == IPPROTO_TCP) {
		FUZZ_CHECK((size_t)(d->payload - frame) >= (size_t)d->l4_off + 20,
			   "TCP payload inside the TCP header");
		FUZZ_CHECK(d->tcp_flags == frame[d->l4_off + 13], "tcp_flags not the header's");
	} else {
		/* UDP, ICMP and ICMPv6: 8-byte headers */
		FUZZ_CHECK(d->payload == frame + d->l4_off + 8, "L4 payload not after 8 bytes");
		FUZZ_CHECK(d->tcp_flags == 0, "tcp_flags set for proto %u", d->proto);
	}
	if (d->proto == IPPROTO_TCP || d->proto == IPPROTO_UDP)
		FUZZ_CHECK(d->sport == fuzz_be16(frame + d->l4_off) &&
				   d->dport == fuzz_be16(frame + d->l4_off + 2),
			   "ports are not the header's");
	else
		FUZZ_CHECK(d->sport == 0 && d->dport == 0, "ports set for ICMP");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct weir_decode_conf all = {.tunnels = 0x1ff, .max_depth = 16}, none = {0};
	const struct weir_decode_conf *conf;
	struct weir_decoded d, again;
	enum weir_decode_res res, res2;
	const uint8_t *frame;
	enum weir_l2 l2;
	uint8_t *padded;
	uint32_t len;

	if (size < 1 || size - 1 > UINT32_MAX - FUZZ_PAD)
		return 0;
	l2 = data[0] == FUZZ_L2_BOGUS ? (enum weir_l2)FUZZ_L2_BOGUS
				      : (enum weir_l2)(data[0] % FUZZ_N_L2);
	frame = data + 1;
	len = (uint32_t)(size - 1);
	conf = (data[0] & 0x08) ? &all : &none;

	res = weir_decode_tun(frame, len, l2, conf, &d);
	fuzz_check_decoded(frame, len, l2, res, &d);

	/* Same bytes, same answer: no hidden state between packets. */
	res2 = weir_decode_tun(frame, len, l2, conf, &again);
	FUZZ_CHECK(res2 == res && memcmp(&d, &again, sizeof(d)) == 0,
		   "second decode of the same frame differs");

	if (res == WEIR_DEC_MALFORMED)
		return 0;
	padded = malloc(len + FUZZ_PAD);
	if (padded == NULL)
		return 0;
	if (len > 0)
		memcpy(padded, frame, len);
	memset(padded + len, 0xa5, FUZZ_PAD);
	res2 = weir_decode_tun(padded, len + FUZZ_PAD, l2, conf, &again);
	FUZZ_CHECK(res2 == res, "padding changed the result from %d to %d", (int)res, (int)res2);
	if (res == WEIR_DEC_OK) {
		FUZZ_CHECK(again.payload - padded == d.payload - frame &&
				   again.payload_len == d.payload_len,
			   "padding changed the payload (%u -> %u bytes)", d.payload_len,
			   again.payload_len);
		again.payload = d.payload;
	}
	FUZZ_CHECK(memcmp(&d, &again, sizeof(d)) == 0, "padding changed the decoded fields");
	free(padded);
	return 0;
}
