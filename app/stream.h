/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP stream reassembly for stream rules: third step of the worker's
 * per-packet path for TCP (decode -> flow -> packet rules -> stream). One
 * table per worker, beside its flow table, single writer, no locks, no
 * allocation after weir_stream_table_create().
 *
 * Each direction of a TCP session (a flow with WEIR_FLOW_F_SESSION) is fed
 * to the rule set's stream database (rules.h, weir_ruleset_scan_stream) in
 * sequence order, exactly once per byte, through Hyperscan's stream mode:
 * a pattern cut by segment boundaries matches on the segment that
 * completes it, and nothing is rescanned.
 *
 * - Start: a direction's stream starts after its SYN (isn + 1), or, for a
 *   session picked up midstream, at the first data segment seen.
 * - Order: in-order data goes through; data ahead of a hole is held in a
 *   per-worker pool of segment buffers until the hole fills.
 * - Overlaps follow Suricata's "bsd" policy, its default
 *   (stream-tcp-list.c, DoHandleDataOverlap with OS_POLICY_BSD): held
 *   bytes win, except where the new segment starts before the held one it
 *   overlaps, and then the new bytes win. Bytes already inspected never
 *   change (a retransmission with other bytes is counted, not inspected).
 * - Acknowledged (stream.inspection: acked, the default, as Suricata's IDS
 *   mode): a direction's bytes are inspected once the other side
 *   acknowledged them, on the packet carrying that ACK; `arrival` inspects
 *   in-order bytes as they arrive (no wait for the round trip, but data
 *   the receiver never accepted is inspected too). With acked inspection
 *   an in-order segment arriving when nothing is held may be matched on
 *   arrival and its alerts raised at the ACK that covers it, exactly as
 *   if matched then (struct weir_stream_out, deliver; anything else that
 *   happens to it first undoes that).
 * - Holes: a hole the receiver acknowledged past (the capture lost the
 *   bytes), or with more than hold bytes (stream.reassembly.max-held)
 *   held behind it, is given up: counted in `gaps`, the Hyperscan stream
 *   restarts after it, so nothing matches across it. With acked
 *   inspection, in-order bytes beyond the hold bound are inspected before
 *   their ACK rather than dropped (counted in `early`).
 * - Depth: after stream.depth bytes of a direction nothing more of it is
 *   inspected (Suricata's stream.reassembly.depth). Stream offsets are 32
 *   bits: with depth 0 (no limit) a direction stops at 4 GiB - 1 of bytes
 *   and holes, counted in depth_reached as a depth.
 * - Memory: segment buffers and Hyperscan stream states come from two
 *   fixed pools sized at start (stream.reassembly.memcap and
 *   stream.memcap, shared by the workers). A direction that finds a pool
 *   empty stops being streamed (counted; its flow keeps its packet
 *   inspection).
 * - End: weir_stream_flow_end() inspects what is held in order (acked or
 *   not), lets the stream report its end-of-data matches, and frees both.
 * - Idle: a direction with no new bytes for idle_ns (packet time, the
 *   newest packet the table saw) has its Hyperscan state and confirm
 *   tail compressed (hs_compress_stream) into small blocks taken from the
 *   stream memcap, and its slot freed; its next bytes (or its flow's end)
 *   expand it (hs_expand_stream), so matching continues as if it never
 *   stopped. Each packet looks at a few of the states linked longest ago
 *   (the list is kept lazily: new bytes cost one store), so a state is
 *   compressed between idle_ns and twice that after its last bytes.
 * - Reload: a direction whose Hyperscan state belongs to an older rule set
 *   restarts at its next bytes on the new one (counted in
 *   `reload_restarts`): patterns cut by the reload are not matched.
 */
#ifndef WEIR_STREAM_H
#define WEIR_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include <hs/hs.h>

#include "flow.h"
#include "rules.h"

#define WEIR_STREAM_COUNTERS(_)                                                                    \
	_(segments, "TCP data segments of streamed directions")                                    \
	_(bytes, "stream bytes inspected by the stream rules")                                     \
	_(retransmits, "segments with no byte past what was inspected already")                    \
	_(overlaps, "segments overlapping bytes held or inspected")                                \
	_(held_segments, "segments held ahead of a hole or until acknowledged")                    \
	_(gaps, "holes given up (bytes lost or never sent): inspection resumed after them")        \
	_(gap_bytes, "bytes skipped over those holes")                                             \
	_(early, "bytes inspected before their ACK because the hold bound was reached")            \
	_(depth_reached, "directions that reached stream.depth")                                   \
	_(seg_nomem, "directions no longer streamed: reassembly memcap reached")                   \
	_(state_nomem, "directions no longer streamed: stream memcap reached")                     \
	_(reload_restarts, "directions restarted on a reloaded rule set")                          \
	_(out_of_window,                                                                           \
	  "segments ignored: out of the window, on a SYN/RST, before the handshake")               \
	_(compressed, "idle directions whose Hyperscan state was compressed")                      \
	_(expanded, "compressed states expanded again (new bytes, or the flow's end)")             \
	_(compress_fail, "idle states left open: no room for the blocks in stream.memcap")         \
	_(expand_fail,                                                                             \
	  "compressed states not expanded (no state slot): direction no longer streamed")          \
	_(end_quiet,                                                                               \
	  "directions ended without the end-of-data close (none expanded): no stream rule can "    \
	  "match at their end")                                                                    \
	_(states, "Hyperscan stream states open now (gauge)")                                      \
	_(packed, "Hyperscan stream states compressed now (gauge)")                                \
	_(held_bytes, "bytes held now (gauge)")                                                    \
	_(memory_bytes, "bytes reserved for both pools (gauge)")

#define WEIR_STREAM_DECLARE_COUNTER(name, doc) uint64_t name;

struct weir_stream_stats {
	WEIR_STREAM_COUNTERS(WEIR_STREAM_DECLARE_COUNTER)
};

struct weir_stream_conf {
	uint64_t memcap;	    /* bytes for Hyperscan stream states (this table) */
	uint64_t reassembly_memcap; /* bytes for held segments (this table) */
	uint32_t state_bytes;	    /* one state slot: >= the rule sets'
				       stream_state_bytes (a bigger one is refused) */
	uint32_t depth;		    /* bytes inspected per direction, 0: no limit */
	uint32_t max_held;	    /* bytes held per direction */
	uint32_t confirm_window;    /* bytes of a direction's past kept for
				       confirm steps (in its state slot) */
	uint32_t payload_before;    /* bytes of a direction's past kept for
				       alerts' payloads (in its state slot too) */
	bool acked;		    /* inspect acknowledged bytes only */
	uint64_t idle_ns;	    /* compress a direction's state after this
				       much packet time without bytes, 0: never */
};

/* Suricata's defaults: depth 1 MiB, memcap 64 MiB, reassembly memcap
 * 256 MiB (whole process), acked inspection; hold 256 KiB per direction;
 * ours: compress after 30 s idle. */
void weir_stream_conf_defaults(struct weir_stream_conf *c);

struct weir_stream_table;

/**
 * Point Hyperscan's stream allocator at the per-worker pools. Once per
 * process, before any stream is opened (main, before launch). Threads
 * with no bound table (weir_stream_bind) get malloc/free.
 */
void weir_stream_global_init(void);

/** Create a table. @return it, or NULL with errno (ENOMEM, EINVAL: no
 *  room for one state or one segment). Thread: main, before launch. */
struct weir_stream_table *weir_stream_table_create(const struct weir_stream_conf *c);

/** Free @p t (NULL: no-op); its streams must have ended
 *  (weir_stream_flow_end) or be abandoned. Thread: main, after the worker. */
void weir_stream_table_destroy(struct weir_stream_table *t);

/** Make @p t the pool of Hyperscan states allocated on this thread.
 *  Thread: the owning worker, once, before its first packet. */
void weir_stream_bind(struct weir_stream_table *t);

/**
 * Called for each run of bytes of one direction in order: feed @p data
 * to @p hs with weir_ruleset_scan_stream(). @p hs_off is the stream
 * offset of the first byte Hyperscan saw in @p hs (add it to the
 * reported match ends), @p off the stream offset of @p data[0]. At the
 * end of a stream @p data is NULL: close @p hs with
 * weir_ruleset_stream_close() (end-of-data matches). That last call is
 * left out (the state closed quietly, counted as end_quiet) when no
 * stream rule can match at the end of that direction: no expression that
 * can match at the end of data (rs->stream_eod_dirs) and no pan stream
 * rule for it.
 */
struct weir_stream_ahead_alert {
	uint32_t rule_idx;
	uint32_t match_end; /* as the alert callback got it (add hs_off) */
};

struct weir_stream_out {
	const struct weir_ruleset *rs; /* this packet's set (stream_db may be NULL) */
	void (*chunk)(void *arg, struct weir_flow *f, unsigned int dir, hs_stream_t *hs,
		      const uint8_t *data, uint32_t len, uint64_t off, uint64_t hs_off);
	void *arg;
	/*
	 * Run-ahead of Hyperscan stream rules (acknowledged inspection; NULL:
	 * none, every run is matched at its ACK). A chunk call made while
	 * weir_stream_collecting() is true matches a segment at its arrival:
	 * the callback keeps each alert with weir_stream_ahead_note() instead
	 * of raising it, and its counts with weir_stream_ahead_counts(). At
	 * the ACK that covers the segment, deliver() gets them with the
	 * segment's bytes and raises them as chunk would have (same run, same
	 * offsets, this packet). When the run-ahead is undone (anything that
	 * would have matched the segment otherwise), deliver() gets the
	 * alerts with @p data NULL: take back what deciding them counted
	 * (weir_ruleset_unhit); they are matched again at the ACK.
	 */
	void (*deliver)(void *arg, struct weir_flow *f, unsigned int dir, const uint8_t *data,
			uint32_t len, uint64_t off, uint64_t hs_off,
			const struct weir_stream_ahead_alert *al, unsigned int n, uint32_t alerts,
			uint32_t suppressed, uint32_t scan_error);
};

/**
 * One TCP packet @p p of flow @p f (side @p dir, 0: from the client),
 * after the flow table updated it (@p pkt_flags: its flags), before its
 * packet rules. Holds or inspects its bytes and, with acked inspection,
 * inspects the other side's bytes its ACK covers. Does nothing when the
 * flow has no session or the rule set no stream rule. Bounded work per
 * packet except the bytes it releases. Thread: the owning worker.
 * @return true when some of its bytes went into the stream (Suricata's
 * PKT_STREAM_ADD: stream-type rules then skip the packet itself), false
 * when none did (no session, before the handshake, a retransmission of
 * inspected bytes, past the depth, a pool empty).
 */
bool weir_stream_packet(struct weir_stream_table *t, struct weir_flow *f, unsigned int dir,
			const struct weir_flow_pkt *p, const uint8_t *payload, uint32_t pkt_flags,
			const struct weir_stream_out *o);

/**
 * @p f ends: inspect both directions' held bytes in order (over any
 * hole, counted), close their streams (end-of-data matches, on @p o->rs
 * when it is the set they were opened on), free everything. Call from
 * the flow table's on_end. Thread: the owning worker.
 */
void weir_stream_flow_end(struct weir_stream_table *t, struct weir_flow *f,
			  const struct weir_stream_out *o);

/**
 * During a chunk call (struct weir_stream_out): the bytes confirm steps
 * read, the direction's last confirm_window bytes before the run and the
 * run itself (at the end of a stream: the last bytes alone); the run
 * alone when the rule set has no stream rule that confirms.
 * Thread: the owning worker.
 */
static inline void weir_stream_window(const struct weir_stream_table *t, const uint8_t **win,
				      uint32_t *len);

/**
 * During a chunk call (struct weir_stream_out): whether the direction's
 * card scanner (rules.h weir_pan_stream_feed, fed the same bytes when the
 * rule set has pan stream rules) settled a card with the run (at the end
 * of a stream: with its end), and @p end, the first one's end as
 * Hyperscan's match ends count (add hs_off). Thread: the owning worker.
 */
static inline void weir_stream_pan(const struct weir_stream_table *t, bool *found, uint32_t *end);

/**
 * During a chunk call (struct weir_stream_out): the stream bytes just
 * before the run (at the end of a stream: before its end), at most
 * conf.payload_before, none across a hole or a restart; what alerts put
 * in front of the run in their payload. Thread: the owning worker.
 */
static inline void weir_stream_before(const struct weir_stream_table *t, const uint8_t **before,
				      uint32_t *len);

/** During a chunk call (struct weir_stream_out): whether it is a run-ahead
 *  (its alerts are kept, not raised). Thread: the owning worker. */
static inline bool weir_stream_collecting(const struct weir_stream_table *t);

/** During a run-ahead chunk call: keep one alert. Thread: the owning worker. */
void weir_stream_ahead_note(struct weir_stream_table *t, uint32_t rule_idx, uint32_t match_end);

/** During a run-ahead chunk call: the counts of its round (struct
 *  weir_scan_res), added at delivery. Thread: the owning worker. */
void weir_stream_ahead_counts(struct weir_stream_table *t, uint32_t alerts, uint32_t suppressed,
			      uint32_t scan_error);

/*
 * What a chunk call reads (the accessors above), kept as the first member
 * of struct weir_stream_table so that they are inline: a chunk callback
 * reads four of them per run. Set by app/stream.c around each chunk call;
 * read it only through the accessors.
 */
struct weir_stream_call {
	const uint8_t *win;
	uint32_t win_len;
	uint32_t before_len;
	const uint8_t *before;
	void *collect; /* the run-ahead record of the call in progress, or NULL */
	uint32_t pan_end;
	bool pan_found;
};

static inline const struct weir_stream_call *
weir_stream_call_of(const struct weir_stream_table *t)
{
	return (const struct weir_stream_call *)(const void *)t;
}

static inline void
weir_stream_window(const struct weir_stream_table *t, const uint8_t **win, uint32_t *len)
{
	*win = weir_stream_call_of(t)->win;
	*len = weir_stream_call_of(t)->win_len;
}

static inline void
weir_stream_pan(const struct weir_stream_table *t, bool *found, uint32_t *end)
{
	*found = weir_stream_call_of(t)->pan_found;
	*end = weir_stream_call_of(t)->pan_end;
}

static inline void
weir_stream_before(const struct weir_stream_table *t, const uint8_t **before, uint32_t *len)
{
	*before = weir_stream_call_of(t)->before;
	*len = weir_stream_call_of(t)->before_len;
}

static inline bool
weir_stream_collecting(const struct weir_stream_table *t)
{
	return weir_stream_call_of(t)->collect != NULL;
}

/** Copy @p t's counters. Thread: the owning worker. */
void weir_stream_stats_get(const struct weir_stream_table *t, struct weir_stream_stats *out);

#endif /* WEIR_STREAM_H */
