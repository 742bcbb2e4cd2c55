/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table: second step of the worker's per-packet path (decode -> flow ->
 * match). One table per worker, single writer, no locks: both directions of
 * a flow reach the same worker (symmetric RSS or the pipeline's flow hash).
 *
 * The table is one preallocated block (bucket heads + a fixed array of
 * flows chained per bucket, a free list through the same links); nothing is
 * allocated after weir_flow_table_create(). It follows Suricata's flow and
 * TCP session semantics (src/flow.c FlowHandlePacketUpdate, src/flow-hash.c,
 * src/stream-tcp.c), so a rule's `flow:` means here what it means there:
 *
 * - Direction: the first packet's sender is the client. A TCP SYN/ACK seen
 *   first is picked up only with midstream on (as in Suricata); it then
 *   swaps the flow, so its receiver is the client.
 * - Established (WEIR_FLOW_PKT_ESTABLISHED) is computed in the flow update,
 *   before the TCP state machine runs on the packet: TCP when the session's
 *   state is ESTABLISHED or later (so SYN, SYN/ACK and the bare ACK ending
 *   the handshake are not established, the packet after it is), plus the
 *   one exception of stream-tcp.c: a handshake-completing ACK that carries
 *   data is established. Other protocols: once both directions were seen.
 * - A TCP flow whose first packet is not a SYN has no session unless
 *   midstream is on (then ESTABLISHED at once, the first packet's sender is
 *   the client, and that first packet itself is not established).
 * - A RST closes the session in any state and a FIN from each side
 *   closes it in order; established stays `state >= ESTABLISHED`, so, as in
 *   Suricata, packets after a RST that ended a handshake count as
 *   established. A new SYN (with midstream, also a SYN/ACK) on a closed or
 *   session-less TCP flow ends it and starts a new one (port reuse).
 * - ICMPv4 error messages never create a flow and never set a "seen" flag;
 *   weir_flow_icmp_error() attributes one to the flow of the packet it
 *   quotes.
 *
 * Accounting identity, per table at any time (see WEIR_FLOW_COUNTERS):
 *   active = created - timeout - evicted - reused - shutdown
 */
#ifndef WEIR_FLOW_H
#define WEIR_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "community_id.h"
#include "rules.h"

/* Counters of one table: X-macro, so the struct, the names and (later) the
 * stats-socket keys come from one list. Single writer: the owning worker. */
#define WEIR_FLOW_COUNTERS(_)                                                                      \
	_(active, "flows in the table now (gauge)")                                                \
	_(created, "flows created")                                                                \
	_(timeout, "flows ended by their idle timeout (normal or emergency)")                      \
	_(evicted, "flows ended early to make room: table full (emergency mode)")                  \
	_(reused, "TCP flows ended by a new SYN on a closed session (port reuse)")                 \
	_(shutdown, "flows ended by weir_flow_flush (shutdown)")                                   \
	_(refused, "packets that found no flow and got none: table full, nothing evictable")       \
	_(refused_emerg, "TCP non-SYN packets refused a new flow in emergency mode (midstream)")   \
	_(icmp_error_no_flow, "ICMPv4 errors not attributed to any flow")                          \
	_(emerg_entered, "times the table entered emergency mode")                                 \
	_(emerg_exited, "times the table left emergency mode (free >= emergency-recovery)")        \
	_(memory_bytes, "bytes allocated for the table (gauge)")

#define WEIR_FLOW_DECLARE_COUNTER(name, doc) uint64_t name;

struct weir_flow_stats {
	WEIR_FLOW_COUNTERS(WEIR_FLOW_DECLARE_COUNTER)
};

/* Why a flow ended: the `reason` of a Suricata EVE flow record. */
#define WEIR_FLOW_END_REASONS(_)                                                                   \
	_(TIMEOUT, "timeout")                                                                      \
	_(EVICTED, "forced")                                                                       \
	_(REUSE, "tcp_reuse")                                                                      \
	_(SHUTDOWN, "shutdown")

#define WEIR_FLOW_END_ENUM(name, eve) WEIR_FLOW_END_##name,
enum weir_flow_end_reason { WEIR_FLOW_END_REASONS(WEIR_FLOW_END_ENUM) WEIR_FLOW_END_MAX };
#undef WEIR_FLOW_END_ENUM

/* Protocol classes with their own timeouts (Suricata's flow-timeouts). */
enum weir_flow_proto {
	WEIR_FLOW_PROTO_DEFAULT = 0, /* any other IP protocol */
	WEIR_FLOW_PROTO_TCP,
	WEIR_FLOW_PROTO_UDP,
	WEIR_FLOW_PROTO_ICMP, /* ICMP and ICMPv6 */
	WEIR_FLOW_PROTO_MAX,
};

/* Flow state for timeouts (Suricata's FLOW_STATE_*). */
enum weir_flow_state {
	WEIR_FLOW_STATE_NEW = 0,
	WEIR_FLOW_STATE_ESTABLISHED,
	WEIR_FLOW_STATE_CLOSED,
	WEIR_FLOW_STATE_MAX,
};

/*
 * TCP session state, ordered as Suricata's enum TcpState so that
 * "established" is `state >= WEIR_TCP_ESTABLISHED`. FIN_WAIT: one side sent
 * its FIN; CLOSING: both did; CLOSED: both FINs acknowledged, or a RST.
 */
enum weir_tcp_state {
	WEIR_TCP_NONE = 0, /* no session (yet) */
	WEIR_TCP_SYN_SENT,
	WEIR_TCP_SYN_RECV,
	WEIR_TCP_ESTABLISHED,
	WEIR_TCP_FIN_WAIT,
	WEIR_TCP_CLOSING,
	WEIR_TCP_CLOSED,
};

/* Idle timeouts of one protocol class, in seconds (0: expire at once). */
struct weir_flow_timeouts {
	uint32_t new_s, est_s, closed_s;
	uint32_t emerg_new_s, emerg_est_s, emerg_closed_s;
};

struct weir_flow;

/**
 * Called once for every flow that ends (timeout, eviction, reuse,
 * shutdown), on the thread that called the table function that ended it,
 * before its slot is reused. @p f is valid only during the call. Must not
 * call back into the table.
 */
typedef void (*weir_flow_end_fn)(void *arg, const struct weir_flow *f,
				 enum weir_flow_end_reason reason);

struct weir_flow_conf {
	uint32_t entries;	    /* flows the table holds; 0: derive from memcap */
	uint64_t memcap;	    /* bytes, used when entries == 0 */
	uint64_t seed;		    /* hash seed (random per run) */
	uint16_t worker_id;	    /* high 16 bits of every flow id */
	bool use_vlan;		    /* vlan.use-for-tracking (default true) */
	bool midstream;		    /* stream.midstream (default false) */
	uint8_t emergency_recovery; /* percent of entries free to leave emergency (30) */
	bool prefault;		    /* back the whole table at create (weir_prefault) */
	struct weir_flow_timeouts timeouts[WEIR_FLOW_PROTO_MAX];
	weir_flow_end_fn on_end; /* may be NULL */
	void *on_end_arg;
};

/* What the worker knows of one packet (filled from struct weir_decoded and
 * the TCP header; decode.h carries no seq/ack/window yet). */
struct weir_flow_pkt {
	uint8_t src[16]; /* IPv4 in the first 4 bytes, rest zero */
	uint8_t dst[16];
	uint16_t sport; /* host order; 0 when the protocol has no ports */
	uint16_t dport;
	uint16_t vlan[2]; /* outer first */
	uint8_t n_vlan;
	uint8_t ip_version; /* 4 or 6 */
	uint8_t proto;	    /* IPPROTO_* */
	uint8_t depth;	    /* tunnel layers decoded around it, 0 = none */
	uint8_t tcp_flags;  /* TH_* bits as on the wire */
	uint8_t icmp_type;  /* ICMP/ICMPv6 only */
	uint8_t icmp_code;
	uint8_t tcp_tfo;     /* SYN or SYN/ACK with a TCP Fast Open option */
	uint16_t tcp_window; /* raw (unscaled) */
	uint32_t tcp_seq;    /* host order */
	uint32_t tcp_ack;
	uint32_t payload_len; /* L4 payload bytes */
	uint32_t wire_len;    /* frame length, what the byte counters add */
	uint64_t ts_ns;	      /* packet time (capture clock), ns */
};

/* Per-packet result flags (Suricata's p->flowflags plus stream hints). */
enum weir_flow_pkt_flag {
	WEIR_FLOW_PKT_TOSERVER = 1u << 0,
	WEIR_FLOW_PKT_TOCLIENT = 1u << 1,
	WEIR_FLOW_PKT_ESTABLISHED = 1u << 2,
	WEIR_FLOW_PKT_TOSERVER_FIRST = 1u << 3, /* first packet seen to the server */
	WEIR_FLOW_PKT_TOCLIENT_FIRST = 1u << 4,
	WEIR_FLOW_PKT_NEW = 1u << 5,	       /* this packet created the flow */
	WEIR_FLOW_PKT_TCP_SESSION = 1u << 6,   /* the flow has a TCP session now */
	WEIR_FLOW_PKT_RETRANSMIT = 1u << 7,    /* TCP data or SYN already seen */
	WEIR_FLOW_PKT_GAP = 1u << 8,	       /* TCP data beyond next_seq (a hole) */
	WEIR_FLOW_PKT_OUT_OF_WINDOW = 1u << 9, /* TCP seq too far from next_seq */
};

/* Internal flag bits of struct weir_flow::flags. */
enum weir_flow_flag {
	WEIR_FLOW_F_CLIENT_IS_1 = 1u << 0, /* the client is key endpoint 1 */
	WEIR_FLOW_F_SEEN_TS = 1u << 1,	   /* a packet to the server was seen */
	WEIR_FLOW_F_SEEN_TC = 1u << 2,
	WEIR_FLOW_F_SESSION = 1u << 3,	 /* TCP session exists */
	WEIR_FLOW_F_MIDSTREAM = 1u << 4, /* session picked up midstream */
	WEIR_FLOW_F_FIN_TS = 1u << 5,	 /* client sent FIN */
	WEIR_FLOW_F_FIN_TC = 1u << 6,
	WEIR_FLOW_F_FINACK_TS = 1u << 7, /* client's FIN acknowledged */
	WEIR_FLOW_F_FINACK_TC = 1u << 8,
	WEIR_FLOW_F_EMERG_NEW = 1u << 9,     /* created during emergency mode */
	WEIR_FLOW_F_FIN_TS_FIRST = 1u << 11, /* the client's FIN came first
						(Suricata: CLOSE_WAIT, not
						FIN_WAIT1) */
	WEIR_FLOW_F_TFO = 1u << 12,	     /* TCP Fast Open session: the SYN's data
						  counts in the client's sequence space */
	WEIR_FLOW_F_ALERTED = 1u << 10,	     /* an alert was raised on it (set by the
						worker; EVE flow.alerted) */
};

/*
 * Symmetric key: the two endpoints in a canonical order (address, then
 * port, lower first), so both directions give the same key and hash.
 */
struct weir_flow_key {
	uint8_t addr[2][16];
	uint16_t port[2];
	uint16_t vlan[2]; /* 0 when use_vlan is off */
	uint8_t proto;
	uint8_t ip_version;
	uint8_t depth; /* tunnel layers around the packet (Suricata's
			  recursion level: an inner flow is not its tunnel's) */
	uint8_t pad[5];
};

/* One direction's reassembly state, owned by app/stream.c (zeroed when
 * the flow starts; this module never reads it). */
struct weir_stream_dir {
	uint32_t hs;	   /* Hyperscan stream: state slot + 1, 0: none open
			      (the slot also keeps its rule set's generation
			      and start offset: app/stream.c) */
	uint32_t base_seq; /* next byte to inspect */
	uint32_t head;	   /* first held segment: pool index + 1, 0: none */
	uint32_t tail;	   /* last held segment, 0: none */
	uint32_t offset;   /* stream offset of base_seq (bytes inspected or
			      skipped) */
	uint32_t held;	   /* bytes held */
	uint32_t fin_seq;  /* with WEIR_SD_FIN: seq just past the data */
	uint16_t flags;	   /* WEIR_SD_* (stream.c) */
	uint16_t pad;
};

/* One direction of a flow: index 0 is the client's (to_server) side. */
struct weir_flow_dir {
	/* TCP, serial (mod 2^32) arithmetic */
	uint32_t isn;	   /* initial sequence number */
	uint32_t next_seq; /* next byte expected from this side */
	uint32_t last_ack; /* highest ack the other side sent for this side */
	uint32_t window;   /* last raw window this side advertised */
	struct weir_stream_dir sd;
};

/*
 * One flow. Owned by the table; a pointer the table returns stays valid
 * until the next weir_flow_burst_begin() (flows touched in the current
 * burst are never evicted). Cache line 0 holds what the lookup reads.
 */
struct weir_flow {
	/* line 0: what the lookup and the idle scan read */
	struct weir_flow_key key;
	uint32_t epoch;	  /* burst that last touched it, 0: free slot */
	uint32_t next;	  /* chain / free list link (slot index) */
	uint64_t last_ns; /* last packet time */
	/* line 1: per-packet update */
	uint64_t id;	   /* worker id << 48 | counter: unique per worker run */
	uint64_t start_ns; /* first packet time */
	uint32_t pkts[2];  /* [0] to_server, [1] to_client */
	uint64_t bytes[2]; /* wire bytes, same indices */
	uint16_t flags;	   /* enum weir_flow_flag */
	uint8_t tcp_state; /* enum weir_tcp_state */
	uint8_t state;	   /* enum weir_flow_state */
	uint32_t spare;
	uint8_t icmp_type; /* of the first packet (community id, EVE) */
	uint8_t icmp_code;
	uint8_t port; /* weir port of the first packet (its record's in_iface),
		       * set by the worker, which knows the port */
	/* rest of line 1 to line 3: stream and rule state */
	struct weir_flow_dir dir[2];
	struct weir_flowvars vars; /* rules.h: flowbits, flowint */
} __attribute__((aligned(64)));

struct weir_flow_table;

/**
 * Fill @p conf with Suricata's shipped defaults: timeouts (TCP new 60,
 * established 600, closed 60, emergency 5/100/10; UDP and ICMP new 30,
 * established 300, emergency 10/100; others the same as UDP), memcap
 * 128 MiB, use_vlan on, midstream off, emergency-recovery 30 %.
 * Thread: any.
 */
void weir_flow_conf_defaults(struct weir_flow_conf *conf);

/**
 * Entries a memcap of @p bytes holds (flows plus their bucket heads).
 * Thread: any.
 */
uint32_t weir_flow_entries_for_memcap(uint64_t bytes);

/**
 * Create a table: one mapping of its whole size, reserved now; only the
 * bucket heads are written here, and each page of flows is first touched
 * when the table first grows into it (a minor page fault per 16 new
 * flows, until the table has been full once; none after).
 * Thread: the owning worker or main before launch; the caller owns the
 * table and frees it with weir_flow_table_destroy().
 * @return the table, or NULL with errno EINVAL (no entries, bad recovery)
 * or ENOMEM.
 */
struct weir_flow_table *weir_flow_table_create(const struct weir_flow_conf *conf);

/**
 * Free @p t (NULL is a no-op) without calling on_end: call
 * weir_flow_flush() first to emit the remaining flows.
 * Thread: the owner, once the worker stopped using it.
 */
void weir_flow_table_destroy(struct weir_flow_table *t);

/**
 * Start a burst: flow pointers from the previous burst become invalid and
 * their flows evictable again. Call once per burst before the first
 * weir_flow_process() of that burst.
 * Thread: the owning worker.
 */
void weir_flow_burst_begin(struct weir_flow_table *t);

/**
 * Find or create the flow of @p p and update it: counters, last time,
 * seen flags, TCP state and sequence tracking. Never allocates, never
 * blocks; bounded work (one chain walk, at most one sampled eviction).
 * Thread: the owning worker.
 * @param pkt_flags receives enum weir_flow_pkt_flag bits of this packet
 * (0 when NULL is returned).
 * @return the flow, valid until the next weir_flow_burst_begin(); NULL when
 * the packet gets no flow (table full with every flow in use by this burst,
 * emergency refusal, ICMPv4 error): counted, and the caller still inspects
 * the packet as a packet.
 */
struct weir_flow *weir_flow_process(struct weir_flow_table *t, const struct weir_flow_pkt *p,
				    uint32_t *pkt_flags);

/* The rule set's view of @p f's counters (rules.h), as they are now: take
 * it right after the packet's update, before a later packet of the same
 * burst changes them. @return @p fi. */
static inline const struct weir_scan_flowinfo *
weir_flow_scan_info(const struct weir_flow *f, struct weir_scan_flowinfo *fi)
{
	fi->id = f->id;
	fi->start_ns = f->start_ns;
	fi->bytes[0] = f->bytes[0];
	fi->bytes[1] = f->bytes[1];
	fi->pkts[0] = f->pkts[0];
	fi->pkts[1] = f->pkts[1];
	fi->isn[0] = f->dir[0].isn;
	fi->isn[1] = f->dir[1].isn;
	fi->next_seq[0] = f->dir[0].next_seq;
	fi->next_seq[1] = f->dir[1].next_seq;
	fi->tcp_session = (f->flags & WEIR_FLOW_F_SESSION) != 0;
	return fi;
}

/* A packet's key and hash, computed ahead of its update (the caller's). */
struct weir_flow_ahead {
	struct weir_flow_key key;
	uint32_t hash;
	int8_t src_is_1;
};

/**
 * For a caller that updates packets one by one but knows the next ones
 * (the worker: flow update then match, packet by packet):
 * weir_flow_prepare() builds @p p's key and hash into @p a and prefetches
 * its bucket head; weir_flow_prefetch_flow(), a few packets later (once
 * the head is in cache), prefetches the first flow of that chain; and
 * weir_flow_process_prepared() is weir_flow_process() with the key and
 * hash of @p a (which must come from the same @p p and table). The first
 * two change nothing; they are hints.
 * Thread: the owning worker.
 */
void weir_flow_prepare(const struct weir_flow_table *t, const struct weir_flow_pkt *p,
		       struct weir_flow_ahead *a);

/**
 * weir_flow_prepare() in two steps, for a caller that spreads the bucket
 * heads' misses over its loop instead of asking for a whole burst's at
 * once: weir_flow_prepare_key() builds the key and hash only, and
 * weir_flow_prefetch_head() later prefetches the bucket head (before
 * weir_flow_prefetch_flow() of the same packet). Hints, like the above.
 * Thread: the owning worker.
 */
void weir_flow_prepare_key(const struct weir_flow_table *t, const struct weir_flow_pkt *p,
			   struct weir_flow_ahead *a);
void weir_flow_prefetch_head(const struct weir_flow_table *t, const struct weir_flow_ahead *a);

/* The tuple bytes the key is built from: addresses, ports, VLAN ids,
 * then VLAN count, IP version, protocol and tunnel depth. */
_Static_assert(offsetof(struct weir_flow_pkt, dst) == 16 &&
		       offsetof(struct weir_flow_pkt, sport) == 32 &&
		       offsetof(struct weir_flow_pkt, dport) == 34 &&
		       offsetof(struct weir_flow_pkt, vlan) == 36 &&
		       offsetof(struct weir_flow_pkt, n_vlan) == 40 &&
		       offsetof(struct weir_flow_pkt, ip_version) == 41 &&
		       offsetof(struct weir_flow_pkt, proto) == 42 &&
		       offsetof(struct weir_flow_pkt, depth) == 43,
	       "struct weir_flow_pkt: weir_flow_tuple_cmp reads these offsets");

/* An unaligned 64-bit load (flow.c's key words too). */
static inline uint64_t
weir_flow_ld64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/**
 * 0: @p p and @p q carry the same tuple; 1: the same tuple reversed
 * (addresses and ports swapped, the rest equal); -1: neither. Raw bytes,
 * so bytes the key ignores (ICMP ports, VLAN ids when VLANs are not
 * tracked) can only make it answer -1, never a wrong 0 or 1. A tuple
 * equal to its own reverse answers 0.
 */
static inline int
weir_flow_tuple_cmp(const struct weir_flow_pkt *p, const struct weir_flow_pkt *q)
{
	const uint8_t *x = (const uint8_t *)p, *y = (const uint8_t *)q;
	uint64_t s0 = weir_flow_ld64(x), s1 = weir_flow_ld64(x + 8), d0 = weir_flow_ld64(x + 16),
		 d1 = weir_flow_ld64(x + 24), pv = weir_flow_ld64(x + 32), qs0 = weir_flow_ld64(y),
		 qs1 = weir_flow_ld64(y + 8), qd0 = weir_flow_ld64(y + 16),
		 qd1 = weir_flow_ld64(y + 24), qpv = weir_flow_ld64(y + 32), swapped;
	uint32_t xr, yr;

	memcpy(&xr, x + 40, sizeof(xr));
	memcpy(&yr, y + 40, sizeof(yr));
	if (xr != yr)
		return -1;
	if (((s0 ^ qs0) | (s1 ^ qs1) | (d0 ^ qd0) | (d1 ^ qd1) | (pv ^ qpv)) == 0)
		return 0;
	/* the ports swapped, the VLAN ids (upper half) as they are */
	swapped = (pv & 0xffffffff00000000ull) | (pv & 0xffff) << 16 | (pv >> 16 & 0xffff);
	if (((s0 ^ qd0) | (s1 ^ qd1) | (d0 ^ qs0) | (d1 ^ qs1) | (swapped ^ qpv)) == 0)
		return 1;
	return -1;
}

/**
 * weir_flow_prepare_key() for a packet that follows @p prev (whose key is
 * in @p prev_a) in the caller's burst: when both carry the same tuple, in
 * either direction, @p a is @p prev_a's key and hash (the direction
 * turned for a reply), without building or hashing the key again. A
 * TCP session's packets mostly come in trains; packets of other flows
 * pay a 48-byte compare and then the full build. The result is exactly
 * weir_flow_prepare_key()'s.
 * @return true when the key is @p prev_a's (the flow of @p prev).
 * Thread: the owning worker.
 */
static inline bool
weir_flow_prepare_key_after(const struct weir_flow_table *t, const struct weir_flow_pkt *p,
			    struct weir_flow_ahead *a, const struct weir_flow_pkt *prev,
			    const struct weir_flow_ahead *prev_a)
{
	int c = weir_flow_tuple_cmp(p, prev);

	if (c < 0) {
		weir_flow_prepare_key(t, p, a);
		return false;
	}
	*a = *prev_a;
	/* a reply turns the direction, unless the key's two endpoints are
	 * alike (ICMP between one address and itself: no ports in its key) */
	if (c == 1 &&
	    (memcmp(a->key.addr[0], a->key.addr[1], 16) != 0 || a->key.port[0] != a->key.port[1]))
		a->src_is_1 ^= 1;
	return true;
}

void weir_flow_prefetch_flow(const struct weir_flow_table *t, const struct weir_flow_ahead *a);
struct weir_flow *weir_flow_process_prepared(struct weir_flow_table *t,
					     const struct weir_flow_pkt *p,
					     const struct weir_flow_ahead *a, uint32_t *pkt_flags);

/**
 * weir_flow_burst_begin() then weir_flow_process_prepared(), in one call:
 * for a caller whose every packet is its own burst (the worker), so the
 * per-packet path pays one call, not two.
 * Thread: the owning worker.
 */
struct weir_flow *weir_flow_process_next(struct weir_flow_table *t, const struct weir_flow_pkt *p,
					 const struct weir_flow_ahead *a, uint32_t *pkt_flags);

/* Packets the burst variant handles per pass (larger bursts are split). */
#define WEIR_FLOW_BURST_MAX 32

/**
 * weir_flow_process() for @p n packets, with the same result as calling it
 * on each in order, but with the memory accesses of the burst overlapped
 * (prefetch of every bucket, then of every first flow, then the updates):
 * at a million flows this hides most of the two cache misses per packet.
 * Thread: the owning worker.
 * @param flows receives n pointers (NULL where weir_flow_process would
 * return NULL), valid until the next weir_flow_burst_begin().
 * @param pkt_flags receives n flag words.
 * @return packets that got a flow.
 */
unsigned int weir_flow_process_burst(struct weir_flow_table *t, const struct weir_flow_pkt *pkts,
				     unsigned int n, struct weir_flow **flows, uint32_t *pkt_flags);

/**
 * Attribute an ICMPv4/ICMPv6 error to the flow of the packet it quotes.
 * Lookup only: never creates a flow, never sets a seen flag, runs no TCP
 * state. A found flow counts the error's packet and bytes in the
 * direction of @p icmp (outer header) and updates its last time, as
 * Suricata does.
 * Thread: the owning worker.
 * @param icmp the error packet itself (outer addresses, wire length, time).
 * @param quoted the quoted header's tuple as sent (addresses, ports, proto,
 * ip_version; the VLANs are taken from @p icmp).
 * @param pkt_flags receives the direction and established bits.
 * @return the flow or NULL (counted in icmp_error_no_flow).
 */
struct weir_flow *weir_flow_icmp_error(struct weir_flow_table *t, const struct weir_flow_pkt *icmp,
				       const struct weir_flow_pkt *quoted, uint32_t *pkt_flags);

/**
 * Examine at most @p budget slots from a rotating cursor and end every
 * flow idle past its timeout at @p now_ns (emergency timeouts while in
 * emergency mode), calling on_end with WEIR_FLOW_END_TIMEOUT. A full pass
 * takes entries / budget calls. Leaves emergency mode when enough slots
 * are free. Flows touched in the current burst are not ended.
 * Thread: the owning worker (between bursts).
 * @param now_ns packet time offline, wall clock live.
 * @return flows ended.
 */
unsigned int weir_flow_expire(struct weir_flow_table *t, uint64_t now_ns, unsigned int budget);

/**
 * End every flow (on_end with WEIR_FLOW_END_SHUTDOWN). Cold: a full sweep.
 * Thread: the owning worker, or main after the worker stopped.
 * @return flows ended.
 */
unsigned int weir_flow_flush(struct weir_flow_table *t);

/**
 * Copy the counters (the owner's view; a reader on another thread takes a
 * torn-free copy of each 64-bit value, not a consistent set).
 * Thread: any.
 */
void weir_flow_stats_get(const struct weir_flow_table *t, struct weir_flow_stats *st);

/** Entries the table holds. Thread: any. */
uint32_t weir_flow_capacity(const struct weir_flow_table *t);

/** 1 while the table is in emergency mode. Thread: the owning worker. */
bool weir_flow_emergency(const struct weir_flow_table *t);

/** Timeout in seconds that applies to @p f now. Thread: the owning worker. */
uint32_t weir_flow_timeout_of(const struct weir_flow_table *t, const struct weir_flow *f);

/** Protocol class of IP protocol @p proto. Thread: any. */
enum weir_flow_proto weir_flow_proto_class(uint8_t proto);

/** Client (index 0) and server (1) address and port of @p f. Thread: any. */
static inline const uint8_t *
weir_flow_addr(const struct weir_flow *f, int server)
{
	return f->key.addr[((f->flags & WEIR_FLOW_F_CLIENT_IS_1) != 0) ^ (server != 0)];
}

static inline uint16_t
weir_flow_port(const struct weir_flow *f, int server)
{
	return f->key.port[((f->flags & WEIR_FLOW_F_CLIENT_IS_1) != 0) ^ (server != 0)];
}

/* Buffer size for a Community ID v1 string (common/community_id.h). */
#define WEIR_FLOW_COMMUNITY_ID_LEN WEIR_COMMUNITY_ID_LEN

/**
 * Community ID v1 of a tuple: weir_community_id() (common/community_id.h),
 * under the flow table's name. Thread: any.
 */
static inline int
weir_flow_community_id(uint16_t seed, uint8_t ip_version, const uint8_t *src, const uint8_t *dst,
		       uint8_t proto, uint16_t sport, uint16_t dport, char *buf, size_t len)
{
	return weir_community_id(seed, ip_version, src, dst, proto, sport, dport, buf, len);
}

/**
 * Community ID of flow @p f, from its client to its server (ICMP: the
 * first packet's type and code). Same returns as weir_flow_community_id().
 * Thread: any, while @p f is valid.
 */
int weir_flow_community_id_of(const struct weir_flow *f, uint16_t seed, char *buf, size_t len);

#endif /* WEIR_FLOW_H */
