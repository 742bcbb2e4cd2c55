/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The events a packet can carry for decode-event, engine-event and
 * stream-event rules: one bit each of a 64-bit mask (weir_decoded.events
 * in app/decode.h, weir_scan_pkt.events in rules/rules.h). The decoder's
 * come first, in WEIR_DECODER_EVENTS order (common/counters.h, which also
 * makes their counters); then the stream events the worker raises from
 * app/stream.c's counters; then one bit no packet ever carries, for the
 * names Suricata still parses but no longer raises.
 */
#ifndef WEIR_DEC_EVENT_H
#define WEIR_DEC_EVENT_H

#include <stdint.h>

#include "counters.h"

#define WEIR_PEV_ENUM_(a, id, name, doc) WEIR_PEV_##id,
enum weir_pkt_event {
	WEIR_DECODER_EVENTS(WEIR_PEV_ENUM_, ~) WEIR_PEV_DECODER_N,
	/* stream-event: stream.pkt_retransmission (a segment with no byte
	 * past what was inspected), stream.reassembly_seq_gap (a hole
	 * given up on this packet) */
	WEIR_PEV_STREAM_PKT_RETRANSMISSION = WEIR_PEV_DECODER_N,
	WEIR_PEV_STREAM_REASSEMBLY_SEQ_GAP,
	WEIR_PEV_NEVER, /* parsed, never raised (decoder.udp.hlen_invalid) */
	WEIR_PEV_N,
};
#undef WEIR_PEV_ENUM_

_Static_assert(WEIR_PEV_N <= 64, "events are bits of a uint64_t");

#define WEIR_PEV_BIT(e) (UINT64_C(1) << (e))
/* The stream events' bits. */
#define WEIR_PEV_STREAM_MASK                                                                       \
	(WEIR_PEV_BIT(WEIR_PEV_STREAM_PKT_RETRANSMISSION) |                                        \
	 WEIR_PEV_BIT(WEIR_PEV_STREAM_REASSEMBLY_SEQ_GAP))

#endif /* WEIR_DEC_EVENT_H */
