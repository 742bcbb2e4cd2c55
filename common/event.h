/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Events: what a worker hands the emitter when a rule matches a packet.
 * A weir_event is fixed-size and self-contained (no pointer into packet
 * memory) so it can be copied by value into an rte_ring and outlive the
 * packet buffer. The emitter turns it into one EVE-compatible JSON line.
 */
#ifndef WEIR_EVENT_H
#define WEIR_EVENT_H

#include <stddef.h>
#include <stdint.h>

struct weir_ruleset;

/* Upper bound of the payload copy in an event; the configured amount
 * (events.payload-bytes) may be smaller. */
#define WEIR_EVENT_PAYLOAD_MAX 384

/*
 * Upper bound of the captured frame copied into an event for the pcap sink
 * (outputs.pcap.snaplen may be smaller; 0 when no pcap sink is configured,
 * and then the worker copies nothing). It holds a full-size Ethernet
 * frame with two VLAN tags (1522); 1544 is what makes sizeof(event)
 * exactly 2048. The frame sits last, so a sink that needs no frame copies only the
 * part before it (WEIR_EVENT_HEAD_SIZE).
 */
#define WEIR_EVENT_FRAME_MAX 1544

struct weir_event {
	uint64_t ts_ns;       /* capture timestamp, ns since the Unix epoch */
	uint64_t rx_tsc;      /* TSC when the worker received the burst */
	uint64_t flow_id;     /* symmetric 5-tuple hash (a flow table later) */
	uint64_t seq;         /* per worker, +1 per event the worker creates:
			       * a gap downstream is a loss of exactly that many */
	const struct weir_ruleset *rs; /* the rule set that matched: rule
			       * text for the formatter; kept alive until the
			       * emitter consumed every event naming it */
	uint32_t rule_id;     /* signature id (sid) */
	uint32_t rule_rev;
	uint32_t rule_index;  /* index into the rule set that matched */
	uint32_t match_end;   /* payload offset just past the first match */
	uint32_t wire_len;    /* packet length on the wire */
	uint32_t payload_len; /* full L4 payload length */
	uint16_t payload_cap; /* bytes of payload copied into payload[] */
	uint16_t worker;
	uint16_t port;
	uint16_t queue;
	uint16_t vlan[2];     /* outer, inner; 0 = absent */
	uint16_t sport;       /* host byte order */
	uint16_t dport;
	uint8_t n_vlan;
	uint8_t ip_version;   /* 4 or 6 */
	uint8_t proto;        /* IPPROTO_* */
	uint8_t pad_;
	uint8_t src[16];      /* IPv4 uses the first 4 bytes, network order */
	uint8_t dst[16];
	uint8_t payload[WEIR_EVENT_PAYLOAD_MAX];
	uint16_t frame_len;   /* bytes of the captured frame in frame[] */
	uint8_t frame_pad_[2];
	uint8_t frame[WEIR_EVENT_FRAME_MAX]; /* keep last, see WEIR_EVENT_HEAD_SIZE */
};

_Static_assert(sizeof(struct weir_event) == 2048, "weir_event: 2 KiB, a multiple of 64");

/* Bytes of an event before its frame copy: all a text-only sink needs. */
#define WEIR_EVENT_HEAD_SIZE offsetof(struct weir_event, frame)

/* Text produced by a formatter; a sink writes it as is. */
struct weir_text {
	const char *data;
	size_t len;
};

/* What the formatter needs about the rule; looked up by the emitter. */
struct weir_event_rule {
	const char *action;    /* "allowed" (alert) */
	uint32_t gid;
	const char *signature; /* msg, or the pattern for signature-format rules */
	const char *category;  /* may be "" */
	uint32_t severity;     /* priority, 1 = highest */
};

/**
 * Format @p ev as one EVE alert JSON object followed by '\n' into @p buf.
 * @param iface in_iface value (port name).
 * @param host weir.host value (host-id: which appliance saw it), or NULL
 *        to leave the field out; its first 64 bytes are written.
 * @return bytes written (excluding the terminating NUL), -ENOSPC when
 *         @p len is too small (buf then holds nothing usable), or -EINVAL
 *         when ev->ip_version is neither 4 nor 6.
 * Thread: any; pure function.
 */
int weir_event_format_json(const struct weir_event *ev, const struct weir_event_rule *rule,
			   const char *iface, const char *host, char *buf, size_t len);

/** Worst-case size of weir_event_format_json() output for any event whose
 *  rule strings total at most @p rule_text bytes. */
size_t weir_event_json_max(size_t rule_text);

/**
 * Text form of the event's source (@p dst false) or destination address:
 * dotted quad or RFC 5952, as in src_ip / dest_ip; NUL terminated.
 * @return length, -ENOSPC when @p len < 47, -EINVAL for a bad ip_version.
 */
int weir_event_addr_text(const struct weir_event *ev, int dst, char *buf, size_t len);

/**
 * Base64 (RFC 4648, padded) of @p n bytes into @p out; NUL terminated.
 * @return length written, or -ENOSPC when @p outlen < 4*ceil(n/3)+1.
 */
int weir_base64(const uint8_t *in, size_t n, char *out, size_t outlen);

#endif /* WEIR_EVENT_H */
