/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Events: what a worker hands the emitter when a rule matches a packet.
 * A weir_event is the element of the worker's event ring (rte_ring, one
 * per worker, single producer and single consumer): a small fixed-size
 * head, copied by value, that holds no pointer at all, neither into
 * packet memory nor into the rule set, so it outlives both.
 *
 * - The rule is named by value: sid, gid, rev and priority are copied in,
 *   and the text the formatter needs (msg, classtype) is found from
 *   (generation, rule_index) in the emitter's own per-generation rule text
 *   (app/emitter.h), which the emitter frees itself once it consumed every
 *   event of that generation. A rule reload therefore frees the old rule
 *   set as soon as the workers passed a quiescent state, and never waits
 *   for the emitter.
 * - The frame copy for the pcap sink is not in the head: when a pcap sink
 *   is configured the worker copies the frame into its weir_frame_ring (a
 *   byte ring of variable-length records, below) and the head names the
 *   record (frame_pos, frame_len). Without a pcap sink there is no frame
 *   ring and frame_len is 0.
 */
#ifndef WEIR_EVENT_H
#define WEIR_EVENT_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Upper bound of the payload copy in an event; the configured amount
 * (events.payload-bytes) may be smaller. 280: the event's tunnel block
 * took the 40 bytes above it (the default copy is 256). */
#define WEIR_EVENT_PAYLOAD_MAX 280

/*
 * Upper bound of the captured frame kept for the pcap sink
 * (outputs.pcap.snaplen may be smaller): a full-size Ethernet frame with
 * two VLAN tags (1522) and some room. It bounds a frame-ring record and a
 * pcap sink queue record, never an event.
 */
#define WEIR_EVENT_FRAME_MAX 1544

struct weir_event {
	uint64_t ts_ns;	  /* capture timestamp, ns since the Unix epoch */
	uint64_t rx_tsc;  /* TSC when the worker received the burst */
	uint64_t flow_id; /* the flow table's id of the packet's flow (stable
			   * for the flow's life), 0 = the packet has no flow */
	uint64_t seq;	  /* per worker, +1 per event the worker creates:
			   * a gap downstream is a loss of exactly that many */
	uint32_t rule_id; /* signature id (sid) */
	uint32_t rule_rev;
	uint32_t rule_gid;
	uint32_t rule_priority; /* 1 = highest; EVE alert.severity */
	uint32_t rule_index;	/* index into the rule set that matched */
	uint32_t generation;	/* of that rule set (low 32 bits): with
				 * rule_index, names the rule's text */
	uint32_t match_end;	/* payload offset just past the first match */
	uint32_t wire_len;	/* packet length on the wire */
	uint32_t payload_len;	/* full L4 payload length */
	uint32_t frame_pos;	/* frame record in the worker's frame ring
				 * (weir_frame_ring_data); meaningless when
				 * frame_len is 0 */
	uint16_t payload_cap;	/* bytes of payload copied into payload[] */
	uint16_t worker;
	uint16_t port;
	uint16_t queue;
	uint16_t vlan[2]; /* outer, inner; 0 = absent */
	uint16_t sport;	  /* host byte order */
	uint16_t dport;
	uint16_t frame_len; /* bytes of the captured frame, 0 = none */
	uint8_t n_vlan;
	uint8_t ip_version; /* 4 or 6 */
	uint8_t proto;	    /* IPPROTO_* */
	uint8_t pkt_src;    /* enum weir_event_src */
	uint8_t src[16];    /* IPv4 uses the first 4 bytes, network order */
	uint8_t dst[16];
	uint16_t win_ctx_len; /* alert.context (issue 18) is in
			       * payload[payload_cap, +win_ctx_len): a window
			       * alert's object (alert.context.window, its text
			       * starts with '{'), or an ordinary alert's
			       * fields, the members' text "fields":{...};
			       * 0 = none */
	/* The packet's flow when flow_id != 0 (counters as of this packet,
	 * this packet included; for a WEIR_EV_FLOW record, the final ones) */
	uint64_t flow_start_ns; /* first packet's time */
	uint64_t flow_bytes[2]; /* [0] to server, [1] to client */
	uint32_t flow_pkts[2];	/* same indices */
	uint8_t kind;		/* enum weir_event_kind */
	uint8_t direction;	/* enum weir_event_dir */
	uint8_t flow_state;	/* WEIR_EV_FLOW: enum weir_event_flow_state */
	uint8_t flow_reason;	/* WEIR_EV_FLOW: enum weir_event_flow_reason */
	uint8_t flow_alerted;	/* WEIR_EV_FLOW: an alert was raised on it */
	uint8_t icmp_type;	/* ICMP/ICMPv6 (Community ID, EVE) */
	uint8_t icmp_code;
	uint8_t pad2_;
	/* Tunnel (EVE alert `tunnel`, Suricata's root packet): with tun_kind
	 * != WEIR_EV_TUN_NONE, the packet was decoded through tun_depth
	 * tunnel layers (or rebuilt from fragments, depth as its fragments')
	 * and these name the outermost IP layer: addresses, protocol, ports
	 * (host order; 0 without, or for a fragment, whose L4 is not read).
	 * Ahead of payload[], so the stream and flow paths' memset clears it. */
	uint8_t tun_src[16]; /* IPv4 in the first 4 bytes */
	uint8_t tun_dst[16];
	uint16_t tun_sport;
	uint16_t tun_dport;
	uint8_t tun_ip_version;
	uint8_t tun_proto;
	uint8_t tun_depth;
	uint8_t tun_kind; /* enum weir_event_tun */
	uint8_t payload[WEIR_EVENT_PAYLOAD_MAX];
	uint64_t pcap_cnt;     /* offline: the packet's number in the capture file,
				* counted from 1 as Suricata does (EVE pcap_cnt);
				* 0 = live capture or no packet (a flow's end) */
	uint64_t win_key_hash; /* WEIR_EV_OBS: the window key's keyed hash (the
				* Kafka message key, app/worker_window.h) */
	uint64_t pub_tsc;      /* TSC when the worker published the event to its
				* ring (the latency stages: rx_tsc to pub_tsc is the
				* worker's part, pub_tsc to the emitter's dequeue the
				* ring's); 0 = not stamped */
};

/* What an event is. A WEIR_EV_FLOW record (Suricata's `event_type: flow`)
 * names no rule and carries no payload or frame (frame_len 0): src/sport
 * are the flow's client, dst/dport its server, ts_ns the last packet's
 * time (EVE timestamp and flow.end), icmp_type/icmp_code the first
 * packet's, flow_id != 0. The emitter formats it with
 * weir_event_format_flow_json(), looks up no rule text for it and counts
 * it apart from alerts; seq is the worker's one sequence over both kinds. */
enum weir_event_kind {
	WEIR_EV_ALERT = 0,
	WEIR_EV_FLOW = 1,
	WEIR_EV_OBS = 2, /* a window observation record, see below */
};

/* A WEIR_EV_OBS event (windows.observations, README "Observations to
 * Kafka") is the compact JSON record of one window observation, written
 * whole by the worker that made it into payload[0, payload_cap) (no
 * newline), with win_key_hash, rule_id, flow_id, ts_ns and pcap_cnt set.
 * The emitter hands such events only to the sinks opened for observations
 * (struct weir_sink.observations) and the others only to the rest. */

/*
 * Where an alert's bytes came from (EVE `stream` and `pkt_src`). A stream
 * alert's payload is the stream bytes up to the match's end (at most
 * payload_cap of them), payload_len the length of the run of stream bytes
 * that was inspected, match_end a stream offset, wire_len 0 and src/sport
 * the sender of those bytes.
 */
enum weir_event_src {
	WEIR_EV_SRC_PACKET = 0,	  /* a packet rule on this packet */
	WEIR_EV_SRC_STREAM = 1,	  /* a stream rule, on the packet that released the
				     bytes (EVE pkt_src "wire/pcap", stream 1) */
	WEIR_EV_SRC_FLOW_END = 2, /* a stream rule at the flow's end (EVE pkt_src
				     "stream (flow timeout)", stream 1) */
};

/*
 * How a packet alert's packet came to be, when not straight off the wire
 * (Suricata's PKT_SRC_*, EVE `pkt_src`): the last decapsulation that
 * produced it, or reassembly. GTP-U, which Suricata does not decode, is
 * named by the IP version that carries it, as an IP-in-IP layer is.
 */
enum weir_event_tun {
	WEIR_EV_TUN_NONE = 0,	/* "wire/pcap", no tunnel object */
	WEIR_EV_TUN_DEFRAG = 1, /* "defrag": rebuilt from fragments */
	WEIR_EV_TUN_GRE = 2,	/* "gre tunnel" (ERSPAN too) */
	WEIR_EV_TUN_IPV4 = 3,	/* "ipv4 tunnel": IP in IPv4, GTP-U over IPv4 */
	WEIR_EV_TUN_IPV6 = 4,	/* "ipv6 tunnel": IP in IPv6, GTP-U over IPv6 */
	WEIR_EV_TUN_TEREDO = 5, /* "teredo tunnel" */
	WEIR_EV_TUN_VXLAN = 6,	/* "vxlan encapsulation" */
	WEIR_EV_TUN_GENEVE = 7, /* "geneve encapsulation" */
};

/* The packet's direction in its flow (EVE alert `direction`). */
enum weir_event_dir {
	WEIR_EV_DIR_NONE = 0, /* no flow */
	WEIR_EV_DIR_TOSERVER = 1,
	WEIR_EV_DIR_TOCLIENT = 2,
};

/* EVE flow.state of a flow record */
enum weir_event_flow_state {
	WEIR_EV_FLOW_NEW = 0,
	WEIR_EV_FLOW_ESTABLISHED = 1,
	WEIR_EV_FLOW_CLOSED = 2,
};

/* EVE flow.reason of a flow record */
enum weir_event_flow_reason {
	WEIR_EV_FLOW_TIMEOUT = 0,
	WEIR_EV_FLOW_FORCED = 1,
	WEIR_EV_FLOW_SHUTDOWN = 2,
	WEIR_EV_FLOW_TCP_REUSE = 3, /* a new SYN on a closed session (Suricata 8) */
};

/* 8 cache lines: a quarter of the 2 KiB the event was with its frame. */
_Static_assert(sizeof(struct weir_event) == 512, "weir_event: 512 bytes, a multiple of 64");

/* A frame's bytes, borrowed from whoever holds them (the worker's frame
 * ring on the emitter, a sink queue record on the sink's thread). */
struct weir_frame {
	const uint8_t *data;
	uint32_t len;
};

/*
 * The frame ring: a single-producer single-consumer ring of bytes, one per
 * worker, created only when a pcap sink is configured. The worker appends
 * one record per flagged packet (the first frame_len bytes of the frame,
 * padded to 8) and puts its position in each of the packet's events; the
 * emitter, which takes the events of that worker in the same order, reads
 * the record and releases the records before it once each sink copied
 * them. A record never wraps: one that would is placed at the start, and
 * the bytes skipped are released with it.
 *
 * Positions are free-running 32-bit byte counts (like rte_ring's head and
 * tail), reduced by the mask only to address data.
 */
struct weir_frame_ring {
	/* producer (the worker) */
	uint32_t head;	    /* bytes ever reserved */
	uint32_t tail_seen; /* the consumer's tail at the last look */
	uint8_t pad0_[56];
	/* consumer (the emitter) */
	_Atomic uint32_t tail; /* bytes released: release-stored by the
				* emitter, acquire-loaded by the worker */
	uint8_t pad1_[60];
	/* constant */
	uint32_t size; /* bytes, a power of two */
	uint32_t mask;
	uint8_t *data;
};

/**
 * Create a frame ring that holds at least @p n_records records of up to
 * @p max_len bytes each (so that, sized from the event ring's capacity,
 * the frame ring is never full while the event ring has room).
 * @return the ring, or NULL with errno EINVAL (@p n_records or @p max_len
 *         zero, or past 2^31 bytes) or ENOMEM.
 * Thread: main, before launch (weir_worker_set_frames()); it allocates.
 * Owned by the caller, freed with weir_frame_ring_free(). Plain heap
 * memory, committed as the producer first touches it (on its own NUMA
 * node).
 */
struct weir_frame_ring *weir_frame_ring_create(uint32_t n_records, uint32_t max_len);

/**
 * Free @p fr and its data (NULL is fine). Pointers from
 * weir_frame_ring_data() die with it.
 * Thread: main, once neither the producer (its worker) nor the consumer
 * (the emitter) can touch it: after the worker and emitter stopped
 * (weir_worker_fini()) or before launch.
 */
void weir_frame_ring_free(struct weir_frame_ring *fr);

/* Bytes a record of @p len bytes takes (records stay 8-byte aligned).
 * Thread: any; pure. */
static inline uint32_t
weir_frame_rec_size(uint32_t len)
{
	return (len + 7u) & ~7u;
}

/**
 * Producer: append @p len bytes of @p data as one record (copied: @p data
 * is borrowed for the call only). @p len must not exceed the max_len the
 * ring was created for (not checked: the worker clamps it to the snaplen).
 * @return 0 and the record's position in @p pos, or -ENOBUFS when the
 *         ring has no room (the consumer has not released enough yet).
 * Thread: the ring's producer only (its worker); no lock, no allocation.
 */
static inline int
weir_frame_ring_put(struct weir_frame_ring *fr, const uint8_t *data, uint32_t len, uint32_t *pos)
{
	uint32_t need = weir_frame_rec_size(len);
	uint32_t off = fr->head & fr->mask;
	uint32_t skip = off + need > fr->size ? fr->size - off : 0;

	if (fr->size - (fr->head - fr->tail_seen) < skip + need) {
		/* Pairs with the release store in weir_frame_ring_release():
		 * the consumer is done reading what it released. */
		fr->tail_seen = atomic_load_explicit(&fr->tail, memory_order_acquire);
		if (fr->size - (fr->head - fr->tail_seen) < skip + need)
			return -ENOBUFS;
	}
	fr->head += skip;
	*pos = fr->head;
	memcpy(fr->data + (fr->head & fr->mask), data, len);
	fr->head += need;
	return 0;
}

/**
 * Consumer: the bytes of the record at @p pos (its length is the event's
 * frame_len). Borrowed from the ring: valid until the consumer releases
 * the record (weir_frame_ring_release() with a later position); copy it
 * before that. Thread: the ring's consumer only (the emitter).
 */
static inline const uint8_t *
weir_frame_ring_data(const struct weir_frame_ring *fr, uint32_t pos)
{
	return fr->data + (pos & fr->mask);
}

/**
 * Consumer: release every record put before the one at @p pos (not that
 * one); the producer may then overwrite them. Several events of one
 * packet share its record, and a batch may end between them, so the
 * emitter releases up to its batch's last record, and that record with a
 * later batch. Thread: the ring's consumer only.
 */
static inline void
weir_frame_ring_release(struct weir_frame_ring *fr, uint32_t pos)
{
	/* Pairs with the acquire load in weir_frame_ring_put(). */
	atomic_store_explicit(&fr->tail, pos, memory_order_release);
}

/* Text produced by a formatter; a sink writes it as is. */
struct weir_text {
	const char *data;
	size_t len;
};

/* What the formatter needs about the rule: the emitter fills it from the
 * event (gid, priority) and its rule text (app/emitter.h). */
struct weir_event_rule {
	const char *action; /* "allowed" (alert) */
	uint32_t gid;
	const char *signature; /* msg, or the pattern for signature-format rules */
	const char *category;  /* may be "" */
	uint32_t severity;     /* priority, 1 = highest */
	/* alert.metadata and alert.references as JSON text, written as is
	 * (rules.h weir_rt_rule.metadata_json, .references_json); NULL or
	 * "" = none. Each is at most WEIR_EVENT_RULE_JSON_MAX bytes (longer
	 * text is left out: the rule parser refuses such rules). */
	const char *metadata;
	const char *references;
};

/* Bound of weir_event_rule.metadata and .references each. */
#define WEIR_EVENT_RULE_JSON_MAX 4096

/*
 * How the emitter formats every event of a run (outputs.* keys), the same
 * for all of them. NULL in a formatter call means: no host, no
 * community_id.
 */
struct weir_event_fmt {
	const char *host;	    /* EVE host, Suricata's sensor-name (host-id),
				     * NULL = left out; its first 64 bytes are
				     * written */
	bool community_id;	    /* outputs.community-id */
	uint16_t community_id_seed; /* outputs.community-id-seed */
	bool weir_fields;	    /* outputs.weir-fields: the "weir" object
				     * (outside Suricata's schema) */
	bool rule_metadata;	    /* outputs.rule-metadata: alert.metadata */
	bool rule_references;	    /* outputs.rule-references: alert.references */
};

/**
 * Format alert @p ev as one EVE alert JSON object followed by '\n' into
 * @p buf, in Suricata 8's key order: timestamp, flow_id (only when
 * ev->flow_id != 0), pcap_cnt (when not 0), in_iface, event_type, vlan,
 * src_ip, src_port, dest_ip, dest_port, ip_v, proto (Suricata's protocol
 * name table), icmp_type and icmp_code (ICMP), community_id (when enabled
 * and flow_id != 0), alert{action, gid, signature_id, rev, signature,
 * category, severity, metadata (when enabled and the rule has any),
 * references (when enabled and the rule has any)}, tunnel{src_ip,
 * src_port, dest_ip, dest_port, proto, depth, pcap_cnt (when not 0),
 * pkt_src} (when tun_kind is set, as Suricata's AlertJsonTunnel), then, when the event
 * has a flow (flow_id != 0 and direction set), direction and
 * flow{pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient,
 * start, src_ip, dest_ip, src_port, dest_port}, payload, stream, pkt_src,
 * host (when set), and weir{...} only when fmt->weir_fields is set (every
 * other key is in Suricata's EVE schema).
 * @param iface in_iface value (port name).
 * @param fmt the run's options, or NULL (no host, no community_id).
 * @param rule the rule's text, borrowed for the call (not NULL).
 * @return bytes written (excluding the terminating NUL), -ENOSPC when
 *         @p len is too small (@p buf then holds ""), -EINVAL
 *         when ev->ip_version is neither 4 nor 6, or -EOVERFLOW when the
 *         line would pass INT_MAX bytes (multi-GB rule strings only).
 * Thread: any; pure function, writing only @p buf (the emitter calls it).
 */
int weir_event_format_json(const struct weir_event *ev, const struct weir_event_rule *rule,
			   const char *iface, const struct weir_event_fmt *fmt, char *buf,
			   size_t len);

/**
 * Format flow record @p ev (kind WEIR_EV_FLOW) as one EVE `event_type:
 * flow` JSON object and '\n', as Suricata 8's output-json-flow.c writes
 * it (without its app-layer and tcp parts): timestamp, flow_id, in_iface,
 * event_type, vlan, src_ip, src_port, dest_ip, dest_port, ip_v, proto,
 * icmp_type and icmp_code (ICMP), flow{pkts_toserver, pkts_toclient,
 * bytes_toserver, bytes_toclient, start, end, age, state, reason,
 * alerted}, community_id (when enabled), host (when set), and, only with
 * fmt->weir_fields, weir{worker, seq, port, queue, ts_ns}. timestamp and end are both ts_ns (the
 * last packet's time; Suricata's timestamp is when it logged the flow); age is end's whole seconds
 * minus start's, as Suricata computes it.
 * @return as weir_event_format_json(); -EINVAL also for flow_id 0 or a
 *         flow_state or flow_reason out of its enum.
 * Thread: any; pure function, writing only @p buf (the emitter calls it).
 */
int weir_event_format_flow_json(const struct weir_event *ev, const char *iface,
				const struct weir_event_fmt *fmt, char *buf, size_t len);

/** Worst-case size of weir_event_format_json() output for any event whose
 *  rule strings (signature, category) total at most @p rule_text bytes
 *  (in_iface and host are written truncated to 64 bytes each, metadata and
 *  references to WEIR_EVENT_RULE_JSON_MAX each); it bounds
 *  weir_event_format_flow_json() too. Thread: any; pure (the emitter sizes
 *  its text slots with it). */
size_t weir_event_json_max(size_t rule_text);

/**
 * Write the first @p n bytes of @p s (stopping at a NUL) as one quoted
 * JSON string into @p out, escaped as alert.signature is (valid UTF-8
 * passes, other bytes and controls become escapes).
 * @return the length written (no NUL is added), or -ENOSPC when
 *         @p outlen < weir_json_str_max(n) (nothing useful is written).
 * Thread: any; pure (the rule parser builds alert.metadata with it).
 */
int weir_json_str(const char *s, size_t n, char *out, size_t outlen);

/** Room weir_json_str() needs for @p n input bytes. */
static inline size_t
weir_json_str_max(size_t n)
{
	return 2 + 6 * n;
}

/**
 * EVE `proto` text of IP protocol @p proto, as Suricata prints it: the
 * name from its protocol table (util-proto-name.c: "TCP", "GRE", "ESP",
 * "IPv6-ICMP", ...), or NULL when it has none (Suricata then prints the
 * number). Thread: any; pure.
 */
const char *weir_event_proto_name(uint8_t proto);

/**
 * Text form of the event's source (@p dst false) or destination address:
 * dotted quad or RFC 5952, as in src_ip / dest_ip; NUL terminated into
 * the caller's @p buf.
 * Thread: any; pure (the Kafka sink's write op keys messages with it).
 * @return length, -ENOSPC when @p len < 47, -EINVAL for a bad ip_version.
 */
int weir_event_addr_text(const struct weir_event *ev, int dst, char *buf, size_t len);

/**
 * Base64 (RFC 4648, padded) of @p n bytes into @p out; NUL terminated.
 * Thread: any; pure (weir_community_id() calls it).
 * @return length written (without the NUL), -ENOSPC when
 *         @p outlen < 4*ceil(n/3)+1, or -EOVERFLOW when that length would
 *         not fit an int.
 */
int weir_base64(const uint8_t *in, size_t n, char *out, size_t outlen);

#endif /* WEIR_EVENT_H */
