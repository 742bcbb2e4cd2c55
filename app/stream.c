/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP stream reassembly for stream rules (stream.h says what it
 * guarantees). Two fixed pools per worker, each one mapping reserved at
 * start and touched as it fills:
 *
 *   segments: 2 KiB records {seq, len, off, next, orig, bytes}, chained
 *             per direction in sequence order, never overlapping one
 *             another; orig is where the TCP segment that brought the
 *             bytes started (the overlap policy compares it, not seq:
 *             a record may be a piece of a segment, or what is left of
 *             one after a partial release);
 *   states:   slots of conf.state_bytes that Hyperscan's stream allocator
 *             hands out on the owning worker's thread, growing up from
 *             the start of stream.memcap's mapping; the compressed
 *             states of idle directions (PACK_BYTES blocks, chained) grow
 *             down from its end, so both stay within the one memcap. A
 *             slot or block freed goes to its own free list: when the
 *             two ends meet, a new state or block must reuse one.
 *
 * Idle directions: the open states are on a list in the order of their
 * last bytes (most recent first); each packet looks at the oldest few and
 * compresses those idle for conf.idle_ns of packet time
 * (hs_compress_stream) into blocks, freeing their slot. The direction's
 * next bytes, or its end, expand the state again (hs_expand_stream).
 *
 * Sequence numbers use serial arithmetic (mod 2^32) throughout.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "stream.h"

#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

#define TH_FIN 0x01u
#define TH_SYN 0x02u
#define TH_RST 0x04u
#define TH_ACK 0x10u

/* struct weir_stream_dir.flags */
enum {
	WEIR_SD_INIT = 1u << 0,	  /* base_seq is set */
	WEIR_SD_DONE = 1u << 1,	  /* depth reached: nothing more inspected */
	WEIR_SD_OFF = 1u << 2,	  /* a pool was empty: no longer streamed */
	WEIR_SD_FIN = 1u << 3,	  /* fin_seq is set */
	WEIR_SD_RESET = 1u << 4,  /* hs must restart before the next bytes */
	WEIR_SD_PACKED = 1u << 5, /* hs is a chain of compressed blocks (idle) */
	WEIR_SD_AHEAD = 1u << 6,  /* the card scanner ran ahead over held bytes
				     (struct ahead, in the state slot) */
};

#define SEG_BYTES 2048u
#define SEG_DATA  (SEG_BYTES - 16u)

struct seg {
	uint32_t seq; /* of data[off] */
	uint16_t len; /* bytes from data[off] */
	uint16_t off;
	uint32_t next; /* index + 1, 0: end */
	uint32_t orig; /* seq where the bytes' TCP segment started */
	uint8_t data[SEG_DATA];
};

/* A fixed pool of equal slots with a free list through the slots and a
 * high-water mark: slot i is first touched when the pool grows to it. */
struct pool {
	/* slot idx1 (index + 1) is at origin + idx1 * stride: one multiply
	 * and add for either direction (base - slot and slot upward,
	 * base + map_bytes and -slot downward) */
	uint8_t *origin;
	ptrdiff_t stride;
	uint8_t *base;
	size_t slot, map_bytes;
	uint32_t n, hwm, free_head; /* free_head: index + 1, 0: empty */
	uint32_t used;
	/* two pools in one mapping (states and blocks): @c peer grows from
	 * the other end, and the two high-water marks share map_bytes */
	struct pool *peer;
	bool down; /* slot 1 is the last of the mapping */
};

/* A block of a compressed state: the next block (index + 1, 0: the last)
 * and PACK_DATA bytes of [struct pack_hdr, tail, Hyperscan's bytes]. */
#define PACK_BYTES 128u
#define PACK_DATA  (PACK_BYTES - sizeof(uint32_t))

struct pack_hdr {
	uint64_t generation;
	uint32_t hs_off;
	uint32_t tail_len;
	uint32_t hs_len; /* bytes hs_compress_stream() wrote */
	struct weir_pan_stream pan;
};

/* Most states looked at per packet for idleness. */
#define PACK_BUDGET 4u

struct weir_stream_table {
	/* first: what the chunk callback reads through stream.h's inline
	 * accessors */
	struct weir_stream_call call;
	struct weir_stream_conf c;
	struct pool segs;
	struct pool states;
	struct pool packs; /* compressed states: the other end of states' mapping */
	struct weir_stream_stats st;
	uint32_t lru_head, lru_tail; /* open states by last bytes: slot index + 1 */
	/* no state can be idle before this packet time: the list's last
	 * state's link_ns + idle_ns (0: look; reset when the last changes),
	 * so that a packet reads no slot of another flow to know it */
	uint64_t pack_due;
	uint64_t now;  /* the packet in progress's time, ns */
	uint8_t *pack; /* a compressed state, whole */
	size_t pack_cap;
	uint8_t *scratch; /* a confirm window: the tail, then the run */
	uint8_t *batch;	  /* a run gathered from held segments (STREAM_BATCH) */
	uint32_t keep;	  /* tail bytes a slot keeps: confirm_window, payload_before */
	/* where weir's parts of a state slot start (the slots are 64-aligned):
	 * struct hs_meta at its end, the tail (keep bytes) before it, the
	 * run-ahead record (16-aligned) before that */
	size_t meta_off, tail_off, ahead_off;
	/* the directions some pan stream rule of the set of generation
	 * pan_gen may apply to (bit 0: to server, bit 1: to client) */
	uint64_t pan_gen;
	bool pan_gen_set;
	uint8_t pan_dirs;
	/* whether the set of generation hsa_gen may run Hyperscan ahead
	 * (sd_hsa_set_ok) */
	uint64_t hsa_gen;
	bool hsa_gen_set;
	bool hsa_ok;
	const struct weir_stream_out *o; /* the call in progress's (undo) */
};

void
weir_stream_conf_defaults(struct weir_stream_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->memcap = 64ull << 20;
	c->reassembly_memcap = 256ull << 20;
	c->state_bytes = 1024;
	c->depth = 1u << 20;
	c->max_held = 256u << 10;
	c->confirm_window = 1024;
	c->acked = true;
	c->idle_ns = 30ull * 1000000000ull;
}

/* ---- pools ---------------------------------------------------------- */

/* Set the addressing of @p p (after base, slot, map_bytes and down). */
static void
pool_set_origin(struct pool *p)
{
	if (p->down) {
		p->origin = p->base + p->map_bytes;
		p->stride = -(ptrdiff_t)p->slot;
	} else {
		p->origin = p->base - p->slot;
		p->stride = (ptrdiff_t)p->slot;
	}
}

static int
pool_init(struct pool *p, size_t slot, uint64_t bytes)
{
	memset(p, 0, sizeof(*p));
	p->slot = slot;
	if (bytes / slot == 0)
		return -EINVAL;
	p->n = bytes / slot > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)(bytes / slot);
	/* all of it: a peer pool may use what the slots leave (64-aligned) */
	p->map_bytes = (size_t)(bytes / 64 * 64);
	p->base = mmap(NULL, p->map_bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p->base == MAP_FAILED) {
		p->base = NULL;
		return -ENOMEM;
	}
	pool_set_origin(p);
	return 0;
}

static void
pool_fini(struct pool *p)
{
	if (p->base != NULL)
		munmap(p->base, p->map_bytes);
	p->base = NULL;
}

static inline void *
pool_at(const struct pool *p, uint32_t idx1)
{
	return p->origin + (ptrdiff_t)idx1 * p->stride;
}

/* Room for one more slot of @p p past its high-water mark. */
static inline bool
pool_can_grow(const struct pool *p)
{
	if (p->peer == NULL)
		return p->hwm < p->n;
	return (size_t)(p->hwm + 1) * p->slot + (size_t)p->peer->hwm * p->peer->slot <=
	       p->map_bytes;
}

/* @return index + 1 of a free slot, 0 when none is left. */
static inline uint32_t
pool_get(struct pool *p)
{
	uint32_t i = p->free_head;

	if (i != 0) {
		memcpy(&p->free_head, pool_at(p, i), sizeof(p->free_head));
	} else {
		if (!pool_can_grow(p))
			return 0;
		i = ++p->hwm;
	}
	p->used++;
	return i;
}

static inline void
pool_put(struct pool *p, uint32_t idx1)
{
	memcpy(pool_at(p, idx1), &p->free_head, sizeof(p->free_head));
	p->free_head = idx1;
	p->used--;
}

/* @p ptr is in one of @p p's slots (an upward pool). */
static inline bool
pool_owns(const struct pool *p, const void *ptr)
{
	const uint8_t *b = ptr;

	return p->base != NULL && b >= p->base && b < p->base + (size_t)p->hwm * p->slot;
}

/* What weir keeps about a Hyperscan state, in the last bytes of its slot
 * (Hyperscan gets the rest): the rule set it was opened on (the whole
 * generation, so that no number of reloads can make a stream look like
 * the current set's) and the stream offset where it started. */
struct hs_meta {
	uint64_t generation;
	uint32_t hs_off;
	uint32_t tail_len;	    /* bytes of the confirm tail (before the meta) in use */
	uint64_t last_ns;	    /* time of its last bytes (idle compression) */
	uint64_t link_ns;	    /* when it was put first on the idle list */
	struct weir_stream_dir *sd; /* whose state it is (flows never move) */
	uint32_t prev, next;	    /* the idle list: slot index + 1, 0: none */
	struct weir_pan_stream pan; /* the card scanner of the pan stream rules:
				       restarts with the Hyperscan state */
};

/* The tests size pools by slots of state_bytes plus weir's, rounded to 64
 * (tests/unit/app/test_stream.c, tests/fuzz/fuzz_stream.c) */
_Static_assert(sizeof(struct hs_meta) <= 128, "weir's part of a slot");

/*
 * Acknowledged inspection, pan stream rules alone: the card scanner runs
 * over an in-order segment when it arrives (its bytes are in the cache
 * then, and the hold copies them from there), the segment is held as
 * usual, and its ACK only delivers what the scanner said of it: the same
 * call on the same bytes as at the ACK, so the same cards on the same
 * packets. One record at a time: the head record, taken when nothing else
 * was held (the usual request and its ACK; records held after it are fed
 * at their ACK as before). While WEIR_SD_AHEAD is set, the last bytes of
 * the slot's Hyperscan part keep the scanner as of base_seq, to go back to
 * when anything else happens to that record (an overlap reaching it, an
 * ACK inside it, a restart, idle compression), and the scanner's answer
 * for it. The set's Hyperscan state (38 bytes for the stand-in database of
 * pan rules alone) leaves the room; a slot without it takes no record.
 * Sets with Hyperscan stream rules use the same record the same way
 * (sd_hsa_arrive): the whole round is matched at arrival, the Hyperscan
 * state before it is kept beside the scanner's, and its alerts are kept
 * for the ACK.
 */
struct ahead {
	struct weir_pan_stream at_base; /* the scanner as of base_seq */
	uint32_t end;			/* the first card's end (weir_stream_pan) */
	bool found;			/* the record settled a card */
	/* Hyperscan run-ahead (sd_hsa_arrive): the record was matched at
	 * its arrival; below this struct, cap alerts kept for its ACK, and
	 * below them (16-aligned) the Hyperscan state as of base_seq,
	 * hs_bytes of it */
	bool hs;
	bool overflow;	 /* more alerts than cap: undone after the round */
	uint32_t cap, n; /* alerts: room, kept */
	uint32_t hs_bytes;
	uint32_t alerts, suppressed, scan_error; /* the round's counts */
};

/* The alerts a Hyperscan run-ahead kept, and the state it started from. */
static inline struct weir_stream_ahead_alert *
ahead_alerts(struct ahead *a)
{
	return (struct weir_stream_ahead_alert *)((uint8_t *)a -
						  (size_t)a->cap *
							  sizeof(struct weir_stream_ahead_alert));
}

static inline uint8_t *
ahead_snap(struct ahead *a)
{
	return (uint8_t *)(((uintptr_t)ahead_alerts(a) - a->hs_bytes) & ~(uintptr_t)15);
}

/* ---- Hyperscan's stream allocator ------------------------------------ */

static _Thread_local struct weir_stream_table *stream_bound;

static void *
stream_hs_alloc(size_t size)
{
	struct weir_stream_table *t = stream_bound;
	uint32_t i;

	if (t == NULL)
		return malloc(size);
	if (size > t->states.slot - sizeof(struct hs_meta) - t->keep)
		return NULL; /* a rule set bigger than the slots: counted by the caller */
	i = pool_get(&t->states);
	return i != 0 ? pool_at(&t->states, i) : NULL;
}

static void
stream_hs_free(void *ptr)
{
	struct weir_stream_table *t = stream_bound;

	if (ptr == NULL)
		return;
	if (t != NULL && pool_owns(&t->states, ptr)) {
		pool_put(&t->states,
			 (uint32_t)(((uint8_t *)ptr - t->states.base) / t->states.slot) + 1);
		return;
	}
	free(ptr);
}

void
weir_stream_global_init(void)
{
	(void)hs_set_stream_allocator(stream_hs_alloc, stream_hs_free);
}

void
weir_stream_bind(struct weir_stream_table *t)
{
	stream_bound = t;
}

struct weir_stream_table *
weir_stream_table_create(const struct weir_stream_conf *c)
{
	struct weir_stream_table *t;
	uint32_t keep =
		c->confirm_window > c->payload_before ? c->confirm_window : c->payload_before;
	size_t slot = ((size_t)c->state_bytes + keep + sizeof(struct hs_meta) + 63) / 64 * 64;
	int rc;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->c = *c;
	t->keep = keep;
	t->meta_off = slot - sizeof(struct hs_meta);
	t->tail_off = t->meta_off - keep;
	/* (a slot too small for the record never takes one: sd_ahead_take,
	 * sd_hsa_set_ok) */
	t->ahead_off = t->tail_off >= sizeof(struct ahead)
			       ? (t->tail_off - sizeof(struct ahead)) & ~(size_t)15
			       : 0;
	rc = pool_init(&t->segs, SEG_BYTES, c->reassembly_memcap);
	if (rc == 0)
		rc = pool_init(&t->states, slot, c->memcap);
	if (rc == 0) {
		/* the blocks share the states' mapping, from its end */
		t->packs = t->states;
		t->packs.slot = PACK_BYTES;
		t->packs.n = (uint32_t)(t->states.map_bytes / PACK_BYTES);
		t->packs.down = true;
		t->packs.peer = &t->states;
		t->states.peer = &t->packs;
		pool_set_origin(&t->packs);
		/* a whole state: its header, a tail, and Hyperscan's bytes
		 * (never more than its state, plus some room) */
		t->pack_cap = (sizeof(struct pack_hdr) + (size_t)keep + (size_t)c->state_bytes +
			       256 + PACK_DATA - 1) /
			      PACK_DATA * PACK_DATA;
		t->pack = malloc(t->pack_cap);
		if (t->pack == NULL)
			rc = -ENOMEM;
	}
	if (rc == 0 && (t->scratch = malloc((size_t)keep + 65536)) == NULL)
		rc = -ENOMEM;
	if (rc == 0 && (t->batch = malloc(65536)) == NULL)
		rc = -ENOMEM;
	if (rc < 0) {
		weir_stream_table_destroy(t);
		errno = -rc;
		return NULL;
	}
	t->st.memory_bytes = t->segs.map_bytes + t->states.map_bytes;
	return t;
}

void
weir_stream_table_destroy(struct weir_stream_table *t)
{
	if (t == NULL)
		return;
	if (stream_bound == t)
		stream_bound = NULL;
	pool_fini(&t->segs);
	pool_fini(&t->states); /* and packs, in the same mapping */
	free(t->pack);
	free(t->scratch);
	free(t->batch);
	free(t);
}

void
weir_stream_stats_get(const struct weir_stream_table *t, struct weir_stream_stats *out)
{
	*out = t->st;
	out->states = t->states.used;
}

/* ---- one direction ---------------------------------------------------- */

static inline struct seg *
seg_at(struct weir_stream_table *t, uint32_t idx1)
{
	return pool_at(&t->segs, idx1);
}

/* Segment slot @p i holding @p n bytes at @p seq (@p orig: the sequence
 * number its packet carried), linked to nothing yet. */
static inline void
seg_fill(struct weir_stream_table *t, uint32_t i, uint32_t seq, uint32_t orig, const uint8_t *data,
	 uint32_t n)
{
	struct seg *s = seg_at(t, i);

	s->seq = seq;
	s->len = (uint16_t)n;
	s->off = 0;
	s->next = 0;
	s->orig = orig;
	memcpy(s->data, data, n);
}

/* A pool_get(&t->segs) would succeed (the segment pool has no peer). */
static inline bool
seg_avail(const struct weir_stream_table *t)
{
	return t->segs.free_head != 0 || t->segs.hwm < t->segs.n;
}

/* The Hyperscan stream of @p sd (open: sd->hs != 0). */
static inline hs_stream_t *
sd_hs(struct weir_stream_table *t, const struct weir_stream_dir *sd)
{
	return pool_at(&t->states, sd->hs);
}

static inline struct hs_meta *
sd_meta(struct weir_stream_table *t, const struct weir_stream_dir *sd)
{
	return (struct hs_meta *)((uint8_t *)pool_at(&t->states, sd->hs) + t->meta_off);
}

/* The last bytes inspected on @p sd's Hyperscan stream (at most
 * keep: confirm_window or payload_before), kept for confirm steps and
 * alerts' payloads: just before the meta. */
static inline uint8_t *
sd_tail(struct weir_stream_table *t, const struct weir_stream_dir *sd)
{
	return (uint8_t *)pool_at(&t->states, sd->hs) + t->tail_off;
}

/* The run-ahead record of @p sd (open state): the end of the slot's
 * Hyperscan part. */
static inline struct ahead *
sd_ahead(struct weir_stream_table *t, const struct weir_stream_dir *sd)
{
	/* 16-aligned: the tail's length (keep) may be any */
	return (struct ahead *)((uint8_t *)pool_at(&t->states, sd->hs) + t->ahead_off);
}

/* Most alerts a Hyperscan run-ahead keeps (a round with more is undone). */
#define AHEAD_ALERTS 16u

static inline uint32_t
ahead_cap(const struct weir_ruleset *rs)
{
	return rs->n_stream_rules < AHEAD_ALERTS ? rs->n_stream_rules : AHEAD_ALERTS;
}

/* Bytes of a slot's Hyperscan part a Hyperscan run-ahead of @p rs needs
 * besides the state (alignment included). */
static inline size_t
ahead_room(const struct weir_ruleset *rs)
{
	return sizeof(struct ahead) + 15 + ahead_cap(rs) * sizeof(struct weir_stream_ahead_alert) +
	       rs->stream_state_bytes + 15;
}

/* Undo the run ahead of @p sd: the scanner (and the Hyperscan state)
 * back to base_seq, the held records to be fed as usual. The alerts a
 * Hyperscan run-ahead decided are taken back (deliver, data NULL) while
 * the set they were decided on is the current one (after a reload it may
 * be gone, and its counts with it). */
static inline void
sd_ahead_undo(struct weir_stream_table *t, struct weir_stream_dir *sd)
{
	struct ahead *a;
	struct hs_meta *m;

	if (!(sd->flags & WEIR_SD_AHEAD))
		return;
	a = sd_ahead(t, sd);
	m = sd_meta(t, sd);
	m->pan = a->at_base;
	sd->flags &= (uint16_t)~WEIR_SD_AHEAD;
	if (!a->hs)
		return;
	memcpy(sd_hs(t, sd), ahead_snap(a), a->hs_bytes);
	if (a->n > 0 && t->o != NULL && t->o->deliver != NULL && t->o->rs != NULL &&
	    t->o->rs->generation == m->generation)
		t->o->deliver(t->o->arg, NULL, 0, NULL, 0, 0, 0, ahead_alerts(a), a->n, 0, 0, 0);
}

void
weir_stream_ahead_note(struct weir_stream_table *t, uint32_t rule_idx, uint32_t match_end)
{
	struct ahead *a = t->call.collect;

	struct weir_stream_ahead_alert al = {rule_idx, match_end};

	if (a == NULL)
		return;
	if (a->n < a->cap) {
		ahead_alerts(a)[a->n++] = al;
		return;
	}
	/* no room (more alerts in one round than AHEAD_ALERTS): taken back
	 * at once, and the run-ahead is undone after the round */
	a->overflow = true;
	t->o->deliver(t->o->arg, NULL, 0, NULL, 0, 0, 0, &al, 1, 0, 0, 0);
}

void
weir_stream_ahead_counts(struct weir_stream_table *t, uint32_t alerts, uint32_t suppressed,
			 uint32_t scan_error)
{
	struct ahead *a = t->call.collect;

	if (a == NULL)
		return;
	a->alerts += alerts;
	a->suppressed += suppressed;
	a->scan_error += scan_error;
}

/*
 * Does some pan stream rule of @p rs apply to direction @p dir? A rule
 * whose flow: direction is the other one never matches there, so that
 * direction's card scanner is not fed (its results would never be read).
 * Computed once per rule set generation.
 */
static inline bool
stream_pan_dir(struct weir_stream_table *t, const struct weir_ruleset *rs, unsigned int dir)
{
	if (!t->pan_gen_set || t->pan_gen != rs->generation) {
		const uint8_t dmask = WEIR_SCAN_FLOW_TOSERVER | WEIR_SCAN_FLOW_TOCLIENT;
		unsigned int i, d;
		uint8_t m = 0;

		for (i = 0; i < rs->n_stream_pan; i++) {
			const struct weir_rt_rule *r = &rs->rules[rs->stream_pan[i]];

			for (d = 0; d < 2; d++) {
				uint8_t bits =
					d ? WEIR_SCAN_FLOW_TOCLIENT : WEIR_SCAN_FLOW_TOSERVER;

				if ((bits & r->flow_mask & dmask) == (r->flow_want & dmask))
					m |= (uint8_t)(1u << d);
			}
		}
		t->pan_dirs = m;
		t->pan_gen = rs->generation;
		t->pan_gen_set = true;
	}
	return (t->pan_dirs >> dir) & 1u;
}

/* Call @p o->chunk for [data, data+len) of @p sd (data NULL: the end),
 * with the confirm window (the tail's last confirm_window bytes, then
 * these bytes) set when the rule set has stream rules that confirm, and
 * the tail's last payload_before bytes as the bytes before; then keep the
 * last bytes of tail and run as the new tail. */
static __attribute__((noinline)) void
sd_chunk_tail(struct weir_stream_table *t, struct weir_flow *f, unsigned int dir,
	      const uint8_t *data, uint32_t len, const struct weir_stream_out *o)
{
	struct weir_stream_dir *sd = &f->dir[dir].sd;
	uint8_t *slot = pool_at(&t->states, sd->hs);
	struct hs_meta *m = (struct hs_meta *)(slot + t->meta_off);
	uint32_t w = t->c.confirm_window, b = t->c.payload_before, tl;
	bool confirm = o->rs->n_stream_confirm != 0 && w != 0;
	const uint8_t *tail;

	tl = m->tail_len;
	tail = slot + t->tail_off;
	if (w > tl)
		w = tl;
	if (b > tl)
		b = tl;
	t->call.win = data;
	t->call.win_len = len;
	if (confirm || t->c.payload_before != 0) {
		if (data != NULL) {
			memcpy(t->scratch, tail, tl);
			memcpy(t->scratch + tl, data, len);
			tail = t->scratch;
		}
		t->call.before = tail + tl - b;
		t->call.before_len = b;
		if (confirm) {
			t->call.win = tail + tl - w;
			t->call.win_len = w + (data != NULL ? len : 0);
		}
	}
	if (o->rs->n_stream_pan != 0 && stream_pan_dir(t, o->rs, dir)) {
		/* the pan rules' card scanner, on the same bytes (data NULL:
		 * the end settles what waited for more) */
		struct weir_pan_match pm = {0};

		t->call.pan_found =
			weir_pan_stream_feed(&m->pan, data, len, data == NULL, &pm, 1) > 0;
		t->call.pan_end = pm.end;
	}
	/* a set of pan stream rules alone matches nothing in a run whose
	 * bytes settled no card: no call (the end still closes the stream) */
	if (data == NULL || !o->rs->stream_pan_only || t->call.pan_found)
		o->chunk(o->arg, f, dir, sd_hs(t, sd), data, len, sd->offset, m->hs_off);
	t->call.pan_found = false;
	if (data != NULL && (confirm || t->c.payload_before != 0)) {
		uint32_t all = tl + len, n = all < t->keep ? all : t->keep;

		memcpy(sd_tail(t, sd), t->scratch + all - n, n);
		m->tail_len = n;
	}
	t->call.win = NULL;
	t->call.win_len = 0;
	t->call.before = NULL;
	t->call.before_len = 0;
}

/* sd_chunk_tail() for a set that needs no tail and no card scanner
 * (Hyperscan stream rules that do not confirm, the usual set): the run
 * alone, inline in the packet's path. */
static inline void
sd_chunk(struct weir_stream_table *t, struct weir_flow *f, unsigned int dir, const uint8_t *data,
	 uint32_t len, const struct weir_stream_out *o)
{
	const struct weir_stream_dir *sd = &f->dir[dir].sd;
	uint8_t *slot;

	if ((o->rs->n_stream_confirm != 0 && t->c.confirm_window != 0) ||
	    t->c.payload_before != 0 || o->rs->n_stream_pan != 0) {
		sd_chunk_tail(t, f, dir, data, len, o);
		return;
	}
	slot = pool_at(&t->states, sd->hs);
	t->call.win = data;
	t->call.win_len = len;
	o->chunk(o->arg, f, dir, (hs_stream_t *)slot, data, len, sd->offset,
		 ((const struct hs_meta *)(slot + t->meta_off))->hs_off);
	t->call.win = NULL;
	t->call.win_len = 0;
}

/* Free every held segment of @p sd. */
static void
sd_drop_held(struct weir_stream_table *t, struct weir_stream_dir *sd)
{
	uint32_t i = sd->head;

	while (i != 0) {
		uint32_t next = seg_at(t, i)->next;

		pool_put(&t->segs, i);
		i = next;
	}
	t->st.held_bytes -= sd->held;
	sd->head = 0;
	sd->tail = 0;
	sd->held = 0;
	if (sd->hs != 0 && !(sd->flags & WEIR_SD_PACKED))
		sd_ahead_undo(t, sd);
	sd->flags &= (uint16_t)~WEIR_SD_AHEAD;
}

/* ---- idle states: the list, compression, expansion ------------------- */

static inline struct hs_meta *
slot_meta(struct weir_stream_table *t, uint32_t idx1)
{
	return (struct hs_meta *)((uint8_t *)pool_at(&t->states, idx1) + t->meta_off);
}

/* Put open state @p idx1 of @p sd first on the list (the list is in the
 * order of link_ns, newest first). */
static void
lru_push(struct weir_stream_table *t, struct weir_stream_dir *sd, uint32_t idx1)
{
	struct hs_meta *m = slot_meta(t, idx1);

	m->sd = sd;
	m->link_ns = t->now;
	m->prev = 0;
	m->next = t->lru_head;
	if (t->lru_head != 0) {
		slot_meta(t, t->lru_head)->prev = idx1;
	} else {
		t->lru_tail = idx1;
		t->pack_due = 0;
	}
	t->lru_head = idx1;
}

static void
lru_unlink(struct weir_stream_table *t, uint32_t idx1)
{
	struct hs_meta *m = slot_meta(t, idx1);

	if (m->prev != 0)
		slot_meta(t, m->prev)->next = m->next;
	else
		t->lru_head = m->next;
	if (m->next != 0) {
		slot_meta(t, m->next)->prev = m->prev;
	} else {
		t->lru_tail = m->prev;
		t->pack_due = 0;
	}
	m->prev = 0;
	m->next = 0;
}

/* @p sd had bytes now. Hot path: one store, in the meta the chunk reads
 * anyway; the list moves it first only when it reaches the end (lazily,
 * sd_pack_idle), so the list costs no other slot's cache line here. */
static inline void
lru_touch(struct weir_stream_table *t, struct weir_stream_dir *sd)
{
	slot_meta(t, sd->hs)->last_ns = t->now;
}

/* Free the block chain from @p idx1. */
static void
pack_free(struct weir_stream_table *t, uint32_t idx1)
{
	while (idx1 != 0) {
		uint32_t next;

		memcpy(&next, pool_at(&t->packs, idx1), sizeof(next));
		pool_put(&t->packs, idx1);
		idx1 = next;
	}
}

/* The rule set generation @p sd's state (open or compressed) belongs to. */
static uint64_t
sd_generation(struct weir_stream_table *t, const struct weir_stream_dir *sd)
{
	struct pack_hdr h;

	if (!(sd->flags & WEIR_SD_PACKED))
		return slot_meta(t, sd->hs)->generation;
	memcpy(&h, (uint8_t *)pool_at(&t->packs, sd->hs) + sizeof(uint32_t), sizeof(h));
	return h.generation;
}

/* Close @p sd's Hyperscan state (open or compressed) without reporting
 * anything (a hole, a reload, depth, a pool running dry). */
static void
sd_close_quiet(struct weir_stream_table *t, struct weir_stream_dir *sd)
{
	if (sd->hs != 0 && (sd->flags & WEIR_SD_PACKED)) {
		pack_free(t, sd->hs);
		t->st.packed--;
	} else if (sd->hs != 0) {
		lru_unlink(t, sd->hs);
		weir_ruleset_stream_close(NULL, 0, sd_hs(t, sd), NULL, NULL, NULL, NULL);
	}
	sd->hs = 0;
	sd->flags &= (uint16_t) ~(WEIR_SD_PACKED | WEIR_SD_AHEAD);
}

/*
 * Compress the open state @p idx1 (idle) into a chain of blocks and free
 * its slot. When there is no room for the blocks (or Hyperscan fails) it
 * stays open, counted, first on the list: tried again after another
 * idle period.
 */
static void
sd_pack(struct weir_stream_table *t, uint32_t idx1)
{
	struct hs_meta *m = slot_meta(t, idx1);
	struct weir_stream_dir *sd = m->sd;
	struct pack_hdr h;
	size_t at = sizeof(h) + m->tail_len, used = 0, total;
	uint32_t first = 0, last = 0;

	/* the run-ahead record lives in the slot: the scanner goes back to
	 * base_seq, the held records are fed as usual after the expansion */
	sd_ahead_undo(t, sd);
	memset(&h, 0, sizeof(h));
	h.generation = m->generation;
	h.hs_off = m->hs_off;
	h.tail_len = m->tail_len;
	h.pan = m->pan;

	if (hs_compress_stream(pool_at(&t->states, idx1), (char *)t->pack + at, t->pack_cap - at,
			       &used) != HS_SUCCESS)
		goto fail;
	h.hs_len = (uint32_t)used;
	memcpy(t->pack, &h, sizeof(h));
	memcpy(t->pack + sizeof(h), (uint8_t *)m - t->keep, m->tail_len);
	total = at + used;
	for (at = 0; at < total; at += PACK_DATA) {
		uint32_t i = pool_get(&t->packs), zero = 0;
		size_t n = total - at < PACK_DATA ? total - at : PACK_DATA;
		uint8_t *b;

		if (i == 0) {
			pack_free(t, first);
			goto fail;
		}
		b = pool_at(&t->packs, i);
		memcpy(b, &zero, sizeof(zero));
		memcpy(b + sizeof(uint32_t), t->pack + at, n);
		if (last != 0)
			memcpy(pool_at(&t->packs, last), &i, sizeof(i));
		else
			first = i;
		last = i;
	}
	sd_close_quiet(t, sd); /* the slot, off the list */
	sd->hs = first;
	sd->flags |= WEIR_SD_PACKED;
	t->st.compressed++;
	t->st.packed++;
	return;
fail:
	t->st.compress_fail++;
	lru_unlink(t, idx1);
	lru_push(t, sd, idx1);
	m->last_ns = t->now;
}

/*
 * Look at up to PACK_BUDGET states at the end of the list (linked first):
 * one idle for conf.idle_ns is compressed, one that had bytes since it was
 * linked goes first again. The list is in link order, so when its last
 * state was linked less than idle_ns ago no state can be idle (last_ns >=
 * link_ns). A state is compressed between idle_ns and twice that after
 * its last bytes (given packets to look).
 */
static inline void
sd_pack_idle(struct weir_stream_table *t, uint64_t generation)
{
	unsigned int n;

	for (n = 0; n < PACK_BUDGET && t->lru_tail != 0; n++) {
		uint32_t i = t->lru_tail;
		const struct hs_meta *m = slot_meta(t, i);

		if (t->now < m->link_ns || t->now - m->link_ns < t->c.idle_ns) {
			/* the last state's link_ns stays until it changes */
			t->pack_due = m->link_ns > UINT64_MAX - t->c.idle_ns
					      ? UINT64_MAX
					      : m->link_ns + t->c.idle_ns;
			return;
		}
		if (m->generation != generation) {
			/* opened on a rule set a reload replaced: its database may
			 * be freed, so Hyperscan must not compress it; it restarts
			 * at its next bytes (or ends quietly with its flow) */
			lru_unlink(t, i);
			lru_push(t, m->sd, i);
			continue;
		}
		if (t->now >= m->last_ns && t->now - m->last_ns >= t->c.idle_ns) {
			sd_pack(t, i);
		} else {
			lru_unlink(t, i);
			lru_push(t, m->sd, i); /* keeps its last_ns */
		}
	}
}

/*
 * Expand @p sd's compressed state (of @p rs's generation) into a slot.
 * @return true when it is open again; false when no slot was free (or
 * Hyperscan failed): counted, the direction is no longer streamed.
 */
static bool
sd_unpack(struct weir_stream_table *t, struct weir_stream_dir *sd, const struct weir_ruleset *rs)
{
	struct pack_hdr h;
	hs_stream_t *hs = NULL;
	uint32_t i = sd->hs, idx1;
	size_t n = 0;
	struct hs_meta *m;

	while (i != 0 && n + PACK_DATA <= t->pack_cap) {
		const uint8_t *b = pool_at(&t->packs, i);

		memcpy(t->pack + n, b + sizeof(uint32_t), PACK_DATA);
		n += PACK_DATA;
		memcpy(&i, b, sizeof(i));
	}
	memcpy(&h, t->pack, sizeof(h));
	sd_close_quiet(t, sd); /* the blocks */
	if (hs_expand_stream(rs->stream_db, &hs, (const char *)t->pack + sizeof(h) + h.tail_len,
			     h.hs_len) != HS_SUCCESS ||
	    !pool_owns(&t->states, hs)) {
		/* not ours: only when no table is bound to this thread */
		if (hs != NULL)
			weir_ruleset_stream_close(NULL, 0, hs, NULL, NULL, NULL, NULL);
		t->st.expand_fail++;
		return false;
	}
	idx1 = (uint32_t)(((uint8_t *)hs - t->states.base) / t->states.slot) + 1;
	m = slot_meta(t, idx1);
	m->generation = h.generation;
	m->hs_off = h.hs_off;
	m->tail_len = h.tail_len;
	m->pan = h.pan;
	m->last_ns = t->now;
	memcpy((uint8_t *)m - t->keep, t->pack + sizeof(h), h.tail_len);
	sd->hs = idx1;
	lru_push(t, sd, idx1);
	t->st.expanded++;
	return true;
}

/* Stop streaming @p sd for good (a pool was empty). */
static void
sd_off(struct weir_stream_table *t, struct weir_stream_dir *sd)
{
	sd_drop_held(t, sd);
	sd_close_quiet(t, sd);
	sd->flags |= WEIR_SD_OFF;
}

/* The offset where inspection of a direction stops: stream.depth, or
 * where the 32-bit stream offsets would wrap (4 GiB, depth 0). */
static inline uint64_t
sd_depth(const struct weir_stream_table *t)
{
	return t->c.depth != 0 ? t->c.depth : UINT32_MAX;
}

/* Inspect @p len bytes at @p data, the next of direction @p dir. */
static void
sd_feed(struct weir_stream_table *t, struct weir_flow *f, unsigned int dir, const uint8_t *data,
	uint32_t len, const struct weir_stream_out *o)
{
	struct weir_stream_dir *sd = &f->dir[dir].sd;
	const struct weir_ruleset *rs = o->rs;
	bool last = false;

	if (!(sd->flags & (WEIR_SD_DONE | WEIR_SD_OFF | WEIR_SD_RESET | WEIR_SD_PACKED)) &&
	    sd->hs != 0 && len > 0 && (uint64_t)sd->offset + len < sd_depth(t)) {
		struct hs_meta *m = sd_meta(t, sd);

		if (m->generation == rs->generation) {
			/* an open state of this set, short of the depth (the
			 * usual case): what follows comes down to this */
			sd->base_seq += len;
			m->last_ns = t->now; /* lru_touch */
			sd_chunk(t, f, dir, data, len, o);
			t->st.bytes += len;
			sd->offset += len;
			return;
		}
	}
	sd->base_seq += len;
	if (sd->flags & (WEIR_SD_DONE | WEIR_SD_OFF))
		return;
	if ((uint64_t)sd->offset + len >= sd_depth(t)) {
		len = sd_depth(t) - sd->offset;
		last = true;
	}
	if (sd->hs != 0 &&
	    (sd_generation(t, sd) != rs->generation || (sd->flags & WEIR_SD_RESET))) {
		if (!(sd->flags & WEIR_SD_RESET))
			t->st.reload_restarts++;
		sd_close_quiet(t, sd);
	}
	sd->flags &= (uint16_t)~WEIR_SD_RESET;
	if ((sd->flags & WEIR_SD_PACKED) && len > 0 && !sd_unpack(t, sd, rs)) {
		sd_off(t, sd);
		return;
	}
	if (sd->hs == 0 && len > 0) {
		hs_stream_t *hs;

		if (weir_ruleset_stream_open(rs, &hs) < 0 || !pool_owns(&t->states, hs)) {
			/* not ours: only when no table is bound to this thread */
			if (hs != NULL)
				weir_ruleset_stream_close(NULL, 0, hs, NULL, NULL, NULL, NULL);
			t->st.state_nomem++;
			sd_off(t, sd);
			return;
		}
		sd->hs = (uint32_t)(((uint8_t *)hs - t->states.base) / t->states.slot) + 1;
		sd_meta(t, sd)->generation = rs->generation;
		sd_meta(t, sd)->hs_off = sd->offset;
		sd_meta(t, sd)->tail_len = 0;
		weir_pan_stream_reset(&sd_meta(t, sd)->pan);
		sd_meta(t, sd)->last_ns = t->now;
		lru_push(t, sd, sd->hs);
	} else if (len > 0) {
		lru_touch(t, sd);
	}
	if (len > 0) {
		sd_chunk(t, f, dir, data, len, o);
		t->st.bytes += len;
	}
	sd->offset += len;
	if (last) {
		t->st.depth_reached++;
		sd->flags |= WEIR_SD_DONE;
		sd_drop_held(t, sd);
		sd_close_quiet(t, sd);
	}
}

/* Give up the hole before the first held segment: inspection restarts
 * there, on a new Hyperscan stream. */
static void
sd_skip_to(struct weir_stream_table *t, struct weir_stream_dir *sd, uint32_t seq)
{
	uint64_t to = (uint64_t)sd->offset + (uint32_t)(seq - sd->base_seq);

	/* offsets are 32 bits: a hole that would wrap them ends the
	 * direction as depth does */
	if (to > UINT32_MAX)
		to = UINT32_MAX;
	if (sd->flags & WEIR_SD_AHEAD)
		sd_ahead_undo(t, sd);
	t->st.gaps++;
	t->st.gap_bytes += to - sd->offset;
	sd->offset = (uint32_t)to;
	sd->base_seq = seq;
	if (sd->hs != 0)
		sd->flags |= WEIR_SD_RESET;
	if (sd->offset >= sd_depth(t) && !(sd->flags & WEIR_SD_DONE)) {
		t->st.depth_reached++;
		sd->flags |= WEIR_SD_DONE;
		sd_drop_held(t, sd);
		sd_close_quiet(t, sd);
	}
}

/*
 * Inspect the held bytes of @p dir that are in order, up to @p limit
 * (exclusive) when @p bounded. Then, when @p bounded and the receiver
 * acknowledged past base_seq with nothing held there, the bytes are lost:
 * skip to the next held byte or to @p limit.
 */
/* Most bytes a release gathers into one run (rules that confirm). */
#define STREAM_BATCH 65536u

/* Take the held bytes in order from base_seq (up to @p limit when
 * @p bounded, at most STREAM_BATCH) out of @p sd into t->batch.
 * @return how many (the head is in order and deliverable: >= 1). */
static uint32_t
sd_gather(struct weir_stream_table *t, struct weir_stream_dir *sd, bool bounded, uint32_t limit)
{
	uint32_t nb = 0, cur = sd->base_seq;

	while (sd->head != 0 && nb < STREAM_BATCH) {
		struct seg *s = seg_at(t, sd->head);
		uint32_t n = s->len;

		if (s->seq != cur)
			break;
		if (bounded) {
			if (SEQ_LEQ(limit, s->seq))
				break;
			if (SEQ_LT(limit, s->seq + n))
				n = limit - s->seq;
		}
		if (n > STREAM_BATCH - nb)
			n = STREAM_BATCH - nb;
		memcpy(t->batch + nb, s->data + s->off, n);
		nb += n;
		cur += n;
		sd->held -= n;
		t->st.held_bytes -= n;
		if (n == s->len) {
			uint32_t next = s->next;

			pool_put(&t->segs, sd->head);
			sd->head = next;
			if (next == 0)
				sd->tail = 0;
		} else {
			s->seq += n;
			s->off = (uint16_t)(s->off + n);
			s->len = (uint16_t)(s->len - n);
		}
	}
	return nb;
}

/* Is @p sd's open state still the one its scanner ran ahead on (no
 * restart due: same rule set, no hole given up, not compressed)? */
static inline bool
sd_ahead_valid(struct weir_stream_table *t, const struct weir_stream_dir *sd,
	       const struct weir_ruleset *rs)
{
	return sd->hs != 0 && !(sd->flags & (WEIR_SD_PACKED | WEIR_SD_RESET)) &&
	       sd_meta(t, sd)->generation == rs->generation;
}

/*
 * Deliver the head record of @p dir, which the scanner ran over when it
 * arrived: what sd_feed() and sd_chunk() do with it (counters, offsets,
 * the chunk call when it settled a card), without feeding the scanner
 * again. The record is whole and short of the depth (sd_ahead_take).
 */
static inline __attribute__((always_inline)) void
sd_ahead_release(struct weir_stream_table *t, struct weir_flow *f, unsigned int dir,
		 const struct weir_stream_out *o)
{
	struct weir_stream_dir *sd = &f->dir[dir].sd;
	uint8_t *slot = pool_at(&t->states, sd->hs);
	struct ahead *a = (struct ahead *)(slot + t->ahead_off);
	struct hs_meta *m = (struct hs_meta *)(slot + t->meta_off);
	uint32_t me = sd->head;
	struct seg *s = seg_at(t, me);
	uint32_t len = s->len;

	sd->flags &= (uint16_t)~WEIR_SD_AHEAD;
	sd->held -= len;
	t->st.held_bytes -= len;
	sd->head = s->next;
	if (sd->head == 0)
		sd->tail = 0;
	sd->base_seq += len;
	m->last_ns = t->now; /* lru_touch */
	if (a->hs) {
		if ((a->n | a->alerts | a->suppressed | a->scan_error) != 0)
			o->deliver(o->arg, f, dir, s->data + s->off, len, sd->offset, m->hs_off,
				   ahead_alerts(a), a->n, a->alerts, a->suppressed, a->scan_error);
	} else if (a->found) {
		t->call.win = s->data + s->off;
		t->call.win_len = len;
		t->call.pan_found = true;
		t->call.pan_end = a->end;
		o->chunk(o->arg, f, dir, (hs_stream_t *)slot, s->data + s->off, len, sd->offset,
			 m->hs_off);
		t->call.pan_found = false;
		t->call.win = NULL;
		t->call.win_len = 0;
	}
	t->st.bytes += len;
	sd->offset += len;
	pool_put(&t->segs, me);
}

/*
 * Acknowledged inspection: may the scanner of @p dir run over the
 * segment [seq, seq+len) arriving now? Only for a set of pan stream rules
 * alone with nothing else reading the bytes at release (no confirm
 * window, no payload before), on an open state of this set, when nothing
 * is held and the segment is in order, one record's worth, short of the
 * depth.
 */
static inline bool
sd_ahead_take(struct weir_stream_table *t, struct weir_stream_dir *sd, unsigned int dir,
	      uint32_t seq, uint32_t len, const struct weir_ruleset *rs)
{
	return rs->stream_pan_only && !(rs->n_stream_confirm != 0 && t->c.confirm_window != 0) &&
	       t->c.payload_before == 0 && len <= SEG_DATA && sd->hs != 0 && sd->held == 0 &&
	       seq == sd->base_seq &&
	       !(sd->flags &
		 (WEIR_SD_PACKED | WEIR_SD_RESET | WEIR_SD_DONE | WEIR_SD_OFF | WEIR_SD_AHEAD)) &&
	       (uint64_t)sd->offset + len < sd_depth(t) &&
	       rs->stream_state_bytes + sizeof(struct ahead) + 15 <=
		       t->states.slot - sizeof(struct hs_meta) - t->keep &&
	       stream_pan_dir(t, rs, dir) && sd_meta(t, sd)->generation == rs->generation;
}

static void
sd_release(struct weir_stream_table *t, struct weir_flow *f, unsigned int dir, bool bounded,
	   uint32_t limit, const struct weir_stream_out *o)
{
	struct weir_stream_dir *sd = &f->dir[dir].sd;

	for (;;) {
		struct seg *s;
		uint32_t n;

		if (sd->flags & (WEIR_SD_DONE | WEIR_SD_OFF))
			return;
		if (sd->head == 0) {
			if (bounded && SEQ_GT(limit, sd->base_seq))
				sd_skip_to(t, sd, limit);
			return;
		}
		s = seg_at(t, sd->head);
		if (s->seq != sd->base_seq) {
			if (!bounded || SEQ_LEQ(limit, sd->base_seq))
				return;
			sd_skip_to(t, sd, SEQ_LT(limit, s->seq) ? limit : s->seq);
			continue;
		}
		n = s->len;
		if (bounded) {
			if (SEQ_LEQ(limit, s->seq))
				return;
			if (SEQ_LT(limit, s->seq + n))
				n = limit - s->seq;
		}
		if (sd->flags & WEIR_SD_AHEAD) {
			/* the head record is the one the scanner ran over */
			if (n == s->len && sd_ahead_valid(t, sd, o->rs)) {
				sd_ahead_release(t, f, dir, o);
				continue;
			}
			sd_ahead_undo(t, sd); /* a part of it, or a restart */
		}
		if (o->rs->n_stream_confirm != 0 && t->c.confirm_window != 0) {
			/* rules that confirm: the whole in-order run released
			 * now in one piece, so that a condition whose bytes
			 * follow the Hyperscan match in a later record is
			 * confirmed over them */
			sd_feed(t, f, dir, t->batch, sd_gather(t, sd, bounded, limit), o);
			continue;
		}
		sd->held -= n;
		t->st.held_bytes -= n;
		if (n == s->len) {
			uint32_t next = s->next, me = sd->head;

			sd->head = next;
			if (next == 0)
				sd->tail = 0;
			sd_feed(t, f, dir, s->data + s->off, n, o);
			pool_put(&t->segs, me);
		} else {
			s->seq += n;
			s->off = (uint16_t)(s->off + n);
			s->len = (uint16_t)(s->len - n);
			sd_feed(t, f, dir, s->data + s->off - n, n, o);
		}
	}
}

/* New held segments for [seq, seq+len) of @p data, brought by a TCP
 * segment that started at @p orig, linked after @p prev (index + 1, 0: at
 * the head). @return the last one, or 0 with nothing linked when the pool
 * ran dry. */
static uint32_t
sd_new_segs(struct weir_stream_table *t, struct weir_stream_dir *sd, uint32_t prev, uint32_t seq,
	    const uint8_t *data, uint32_t len, uint32_t orig)
{
	uint32_t first = 0, last = 0, after;

	after = prev != 0 ? seg_at(t, prev)->next : sd->head;
	while (len > 0) {
		uint32_t i = pool_get(&t->segs), n = len < SEG_DATA ? len : SEG_DATA;

		if (i == 0) {
			while (first != 0) {
				uint32_t next = seg_at(t, first)->next;

				pool_put(&t->segs, first);
				first = first == last ? 0 : next;
			}
			return 0;
		}
		seg_fill(t, i, seq, orig, data, n);
		if (last != 0)
			seg_at(t, last)->next = i;
		else
			first = i;
		last = i;
		seq += n;
		data += n;
		len -= n;
		sd->held += n;
		t->st.held_bytes += n;
	}
	seg_at(t, last)->next = after;
	if (prev != 0)
		seg_at(t, prev)->next = first;
	else
		sd->head = first;
	if (after == 0)
		sd->tail = last;
	return last;
}

/*
 * Hold [seq, seq+len) (already trimmed to start at or after base_seq;
 * @p orig_seq is where the segment really started, for the overlap
 * policy). Bytes already held stay where the policy says they win: bsd,
 * the new bytes win over a held record only when the new segment started
 * before the one that brought the record's bytes (its orig).
 * @return false when the segment pool ran dry.
 */
static __attribute__((noinline)) bool
sd_hold_walk(struct weir_stream_table *t, struct weir_stream_dir *sd, uint32_t orig_seq,
	     uint32_t seq, const uint8_t *data, uint32_t len)
{
	uint32_t end = seq + len, c = seq, prev = 0, i = sd->head;
	bool overlapped = false;

	if (sd->tail != 0) {
		const struct seg *l = seg_at(t, sd->tail);

		/* past everything held (in order, the usual case): append,
		 * no walk */
		if (SEQ_GEQ(seq, l->seq + l->len)) {
			prev = sd->tail;
			i = 0;
		}
	}

	while (i != 0 && SEQ_LT(c, end)) {
		struct seg *s = seg_at(t, i);
		uint32_t s_end = s->seq + s->len, o_end;

		if (SEQ_LEQ(s_end, c)) {
			prev = i;
			i = s->next;
			continue;
		}
		if (SEQ_GEQ(s->seq, end))
			break;
		if (SEQ_LT(c, s->seq)) {
			uint32_t last =
				sd_new_segs(t, sd, prev, c, data + (c - seq), s->seq - c, orig_seq);

			if (last == 0)
				return false;
			prev = last;
			c = s->seq;
		}
		/* [c, o_end) is held already */
		overlapped = true;
		o_end = SEQ_LT(end, s_end) ? end : s_end;
		if (SEQ_LT(orig_seq, s->orig)) {
			/* The new segment started before the held bytes' one,
			 * so it covers s from its first byte (held records
			 * never overlap and none starts before base_seq): c
			 * is s->seq. The new bytes win on [c, o_end). */
			if (o_end == s_end || c != s->seq) {
				memcpy(s->data + s->off + (c - s->seq), data + (c - seq),
				       o_end - c);
				if (c == s->seq)
					s->orig = orig_seq;
			} else {
				/* only a head of s: those bytes get a record of
				 * their own, s keeps the rest and its orig */
				uint32_t k = o_end - c, last;

				last = sd_new_segs(t, sd, prev, c, data + (c - seq), k, orig_seq);
				if (last == 0)
					return false;
				s->seq += k;
				s->off = (uint16_t)(s->off + k);
				s->len = (uint16_t)(s->len - k);
				sd->held -= k;
				t->st.held_bytes -= k;
				c = o_end;
				break;
			}
		}
		c = o_end;
		prev = i;
		i = s->next;
	}
	if (overlapped)
		t->st.overlaps++;
	if (SEQ_LT(c, end) && sd_new_segs(t, sd, prev, c, data + (c - seq), end - c, orig_seq) == 0)
		return false;
	t->st.held_segments++;
	return true;
}

/* sd_hold_walk() for a segment arriving when nothing is held (acked
 * inspection, in order: the usual case): one record, what sd_new_segs()
 * would make of it, without the walk (kept out of line so that the
 * packet's path keeps its registers). */
static inline bool
sd_hold(struct weir_stream_table *t, struct weir_stream_dir *sd, uint32_t orig_seq, uint32_t seq,
	const uint8_t *data, uint32_t len)
{
	uint32_t i;

	if (sd->head != 0 || len > SEG_DATA)
		return sd_hold_walk(t, sd, orig_seq, seq, data, len);
	if ((i = pool_get(&t->segs)) == 0)
		return false;
	seg_fill(t, i, seq, orig_seq, data, len);
	sd->head = i;
	sd->tail = i;
	sd->held += len;
	t->st.held_bytes += len;
	t->st.held_segments++;
	return true;
}

/* Keep @p dir under its hold bound: give up a hole at the front, or
 * (acked) inspect in-order bytes before their ACK. */
static __attribute__((noinline)) void
sd_bound_walk(struct weir_stream_table *t, struct weir_flow *f, unsigned int dir,
	      const struct weir_stream_out *o)
{
	struct weir_stream_dir *sd = &f->dir[dir].sd;

	while (sd->held > t->c.max_held && sd->head != 0 &&
	       !(sd->flags & (WEIR_SD_DONE | WEIR_SD_OFF))) {
		struct seg *s = seg_at(t, sd->head);

		if (s->seq != sd->base_seq) {
			sd_skip_to(t, sd, s->seq);
			/* arrival: what follows the hole is in order now */
			if (!t->c.acked)
				sd_release(t, f, dir, false, 0, o);
			continue;
		}
		t->st.early += s->len;
		sd_release(t, f, dir, true, s->seq + s->len, o);
	}
}

static inline void
sd_bound(struct weir_stream_table *t, struct weir_flow *f, unsigned int dir,
	 const struct weir_stream_out *o)
{
	if (f->dir[dir].sd.held > t->c.max_held)
		sd_bound_walk(t, f, dir, o);
}

/*
 * May sets of generation rs->generation run Hyperscan ahead (computed
 * once per generation)? A round matched at a segment's arrival must
 * decide as the round at its ACK would: no stream rule reads what may
 * change in between (flowbits and flowint, which packet rules change;
 * thresholds, which count time and other packets; flow counters; header
 * buffers; window rules, which observe at once), none confirms over the
 * retained bytes, no payload before (both read the tail, which a run-ahead
 * would move early), and a slot's Hyperscan part has room for the state
 * twice and AHEAD_ALERTS alerts (with weir's slots of twice the set's
 * state, at least 1 KiB: sets whose state is under about 400 bytes).
 */
static bool
sd_hsa_set_ok(struct weir_stream_table *t, const struct weir_ruleset *rs)
{
	if (!t->hsa_gen_set || t->hsa_gen != rs->generation) {
		const uint32_t not_pure = WEIR_RT_THRESH | WEIR_RT_PASS | WEIR_RT_FVAR |
					  WEIR_RT_FNUM | WEIR_RT_HBUF | WEIR_RT_EVENT;
		bool ok = rs->stream_db != NULL && !rs->stream_pan_only &&
			  !(rs->n_stream_confirm != 0 && t->c.confirm_window != 0) &&
			  t->c.payload_before == 0 &&
			  rs->stream_state_bytes + ahead_room(rs) <=
				  t->states.slot - sizeof(struct hs_meta) - t->keep;
		unsigned int i;

		for (i = 0; ok && i < rs->n_rules; i++) {
			const struct weir_rt_rule *r = &rs->rules[i];

			if ((r->flags & (WEIR_RT_STREAM | WEIR_RT_STREAM_PKT)) != 0 &&
			    ((r->flags & not_pure) != 0 || r->win != NULL))
				ok = false;
		}
		t->hsa_ok = ok;
		t->hsa_gen = rs->generation;
		t->hsa_gen_set = true;
	}
	return t->hsa_ok;
}

/*
 * Acknowledged inspection, rule sets with Hyperscan stream rules: may the
 * segment [seq, seq+len) arriving now be matched at once (sd_hsa_arrive)?
 * Only when the caller takes the alerts back (o->deliver), on an open
 * state of this set with nothing held, in order, one record's worth short
 * of the depth, and with a free record for the hold that follows (so that
 * it cannot fail after the round was decided).
 */
static inline bool
sd_hsa_take(struct weir_stream_table *t, const struct weir_stream_dir *sd, uint32_t seq,
	    uint32_t len, const struct weir_stream_out *o)
{
	return o->deliver != NULL && len <= SEG_DATA && sd->hs != 0 && sd->held == 0 &&
	       seq == sd->base_seq &&
	       !(sd->flags &
		 (WEIR_SD_PACKED | WEIR_SD_RESET | WEIR_SD_DONE | WEIR_SD_OFF | WEIR_SD_AHEAD)) &&
	       (uint64_t)sd->offset + len < sd_depth(t) && seg_avail(t) &&
	       sd_hsa_set_ok(t, o->rs) && sd_meta(t, sd)->generation == o->rs->generation;
}

/*
 * Match the segment at its arrival, from the packet's bytes (in the cache
 * now: the hold copies them next, and its ACK reads nothing): the state
 * as of base_seq is kept, the round's alerts too (the caller's chunk
 * keeps them, weir_stream_collecting), and the ACK that covers the whole
 * record only delivers them (sd_ahead_release). Anything else that
 * happens to the record first (an overlap reaching it, an ACK inside it,
 * a reload, idle compression, the pools) undoes it (sd_ahead_undo): the
 * state goes back and the record is matched at its ACK as before. The
 * state is kept and put back by copying its bytes: a Hyperscan stream is
 * one block of hs_stream_size() bytes with no pointer into itself, which
 * is how hs_reset_and_copy_stream() copies one too.
 */
static void
sd_hsa_arrive(struct weir_stream_table *t, struct weir_flow *f, unsigned int dir,
	      const uint8_t *data, uint32_t len, const struct weir_stream_out *o)
{
	struct weir_stream_dir *sd = &f->dir[dir].sd;
	struct ahead *a = sd_ahead(t, sd);

	/* field by field: a memset of the struct is a rep stos per segment */
	a->at_base = sd_meta(t, sd)->pan;
	a->end = 0;
	a->found = false;
	a->overflow = false;
	a->n = 0;
	a->alerts = 0;
	a->suppressed = 0;
	a->scan_error = 0;
	a->hs = true;
	a->cap = ahead_cap(o->rs);
	a->hs_bytes = (uint32_t)o->rs->stream_state_bytes;
	memcpy(ahead_snap(a), sd_hs(t, sd), a->hs_bytes);
	t->call.collect = a;
	sd_chunk(t, f, dir, data, len, o);
	t->call.collect = NULL;
	sd->flags |= WEIR_SD_AHEAD;
	if (a->overflow)
		sd_ahead_undo(t, sd);
}

/*
 * Acknowledged inspection, a segment [seq, seq+len) about to be held: run
 * the scanner over it now when sd_ahead_take() allows (from the packet's
 * bytes, which the hold copies next). A segment reaching into the record
 * the scanner ran over, or before it, may change its bytes: the scanner
 * goes back to base_seq and the record is fed at its ACK as usual.
 */
static void
sd_ahead_arrive(struct weir_stream_table *t, struct weir_flow *f, unsigned int dir, uint32_t seq,
		const uint8_t *data, uint32_t len, const struct weir_stream_out *o)
{
	struct weir_stream_dir *sd = &f->dir[dir].sd;
	const struct weir_ruleset *rs = o->rs;
	struct weir_pan_match pm = {0};
	struct hs_meta *m;
	struct ahead *a;

	if (sd->flags & WEIR_SD_AHEAD) {
		const struct seg *h = seg_at(t, sd->head);

		if (SEQ_LT(seq, h->seq + h->len))
			sd_ahead_undo(t, sd);
		return;
	}
	if (!rs->stream_pan_only) {
		if (sd_hsa_take(t, sd, seq, len, o))
			sd_hsa_arrive(t, f, dir, data, len, o);
		return;
	}
	if (!sd_ahead_take(t, sd, dir, seq, len, rs))
		return;
	m = sd_meta(t, sd);
	a = sd_ahead(t, sd);
	a->at_base = m->pan;
	a->hs = false;
	a->found = weir_pan_stream_feed(&m->pan, data, len, false, &pm, 1) > 0;
	a->end = pm.end;
	sd->flags |= WEIR_SD_AHEAD;
}

/*
 * Acknowledged inspection: an ACK up to @p limit that covers the whole
 * record @p dir's run-ahead matched (the usual request's ACK) delivers
 * it as sd_release() would, without its general walk (a function with a
 * large frame, for what is here a few stores). @return false when that
 * is not the case, with nothing done.
 */
static inline bool
sd_ack_ahead(struct weir_stream_table *t, struct weir_flow *f, unsigned int dir, uint32_t limit,
	     const struct weir_stream_out *o)
{
	struct weir_stream_dir *sd = &f->dir[dir].sd;
	const struct seg *s;

	if ((sd->flags & (WEIR_SD_AHEAD | WEIR_SD_DONE | WEIR_SD_OFF)) != WEIR_SD_AHEAD ||
	    sd->head == 0)
		return false;
	s = seg_at(t, sd->head);
	if (s->seq != sd->base_seq || SEQ_LT(limit, s->seq + s->len) ||
	    !sd_ahead_valid(t, sd, o->rs))
		return false;
	sd_ahead_release(t, f, dir, o);
	return true;
}

/* Start @p dir's stream at @p seq if it has not started. */
static inline void
sd_init(struct weir_flow *f, unsigned int dir, uint32_t seq)
{
	struct weir_stream_dir *sd = &f->dir[dir].sd;

	if (sd->flags & WEIR_SD_INIT)
		return;
	/* after the SYN when there was one; midstream: here */
	sd->base_seq = (f->flags & WEIR_FLOW_F_MIDSTREAM) ? seq : f->dir[dir].isn + 1;
	sd->flags |= WEIR_SD_INIT;
}

bool
weir_stream_packet(struct weir_stream_table *t, struct weir_flow *f, unsigned int dir,
		   const struct weir_flow_pkt *p, const uint8_t *payload, uint32_t pkt_flags,
		   const struct weir_stream_out *o)
{
	struct weir_stream_dir *sd = &f->dir[dir].sd;
	uint32_t len = p->payload_len;
	bool took = false;

	t->o = o;
	t->now = p->ts_ns;
	if (t->c.idle_ns != 0 && t->lru_tail != 0 && t->now >= t->pack_due && o->rs != NULL)
		sd_pack_idle(t, o->rs->generation);
	if (o->rs == NULL || o->rs->stream_db == NULL || !(f->flags & WEIR_FLOW_F_SESSION))
		return false;
	/* TCP Fast Open: the client's SYN carries data in its sequence space
	 * (stream-tcp.c hands it to reassembly at the SYN) */
	bool tfo_syn = dir == 0 && (f->flags & WEIR_FLOW_F_TFO) &&
		       (p->tcp_flags & (TH_SYN | TH_ACK | TH_RST)) == TH_SYN &&
		       p->tcp_seq == f->dir[0].isn;

	if (f->tcp_state < WEIR_TCP_ESTABLISHED && !tfo_syn) {
		/* before the handshake completed (data on a SYN without
		 * TFO): the sides' first sequence numbers are not both known */
		if (len > 0) {
			t->st.segments++;
			t->st.out_of_window++;
		}
		return false;
	}
	if (len > 0) {
		uint32_t seq = p->tcp_seq + (tfo_syn ? 1 : 0), end;

		t->st.segments++;
		if (((p->tcp_flags & (TH_SYN | TH_RST)) && !tfo_syn) ||
		    (pkt_flags & WEIR_FLOW_PKT_OUT_OF_WINDOW)) {
			t->st.out_of_window++;
			len = 0;
		} else {
			sd_init(f, dir, seq);
		}
		end = seq + len;
		if (len > 0 && (sd->flags & (WEIR_SD_DONE | WEIR_SD_OFF)))
			len = 0;
		if (len > 0 && SEQ_LEQ(end, sd->base_seq)) {
			t->st.retransmits++;
			len = 0;
		}
		if (len > 0) {
			uint32_t orig = seq;

			if (SEQ_LT(seq, sd->base_seq)) {
				t->st.overlaps++;
				payload += sd->base_seq - seq;
				len = end - sd->base_seq;
				seq = sd->base_seq;
			}
			if (!o->rs->stream_db) {
				/* unreachable: checked above */
			} else if (!t->c.acked && sd->head == 0 && seq == sd->base_seq) {
				/* in order, nothing held: straight from the packet */
				took = true;
				sd_feed(t, f, dir, payload, len, o);
			} else {
				if (t->c.acked)
					sd_ahead_arrive(t, f, dir, seq, payload, len, o);
				if (!sd_hold(t, sd, orig, seq, payload, len)) {
					t->st.seg_nomem++;
					sd_off(t, sd);
				} else {
					took = true;
					if (!t->c.acked)
						sd_release(t, f, dir, false, 0, o);
					sd_bound(t, f, dir, o);
				}
			}
		}
		if ((p->tcp_flags & TH_FIN) && (sd->flags & WEIR_SD_INIT) &&
		    !(sd->flags & WEIR_SD_FIN)) {
			sd->fin_seq = p->tcp_seq + p->payload_len;
			sd->flags |= WEIR_SD_FIN;
		}
	} else if ((p->tcp_flags & TH_FIN) && !(p->tcp_flags & TH_RST)) {
		sd_init(f, dir, p->tcp_seq);
		if (!(sd->flags & WEIR_SD_FIN)) {
			sd->fin_seq = p->tcp_seq;
			sd->flags |= WEIR_SD_FIN;
		}
	}
	if (t->c.acked && (p->tcp_flags & TH_ACK) && !(p->tcp_flags & TH_RST)) {
		struct weir_stream_dir *od = &f->dir[!dir].sd;
		uint32_t limit = p->tcp_ack;

		if (!(od->flags & WEIR_SD_INIT))
			return took;
		/* a FIN takes one sequence number but carries no byte */
		if ((od->flags & WEIR_SD_FIN) && SEQ_GT(limit, od->fin_seq))
			limit = od->fin_seq;
		if (SEQ_GT(limit, od->base_seq) &&
		    (!sd_ack_ahead(t, f, !dir, limit, o) || SEQ_GT(limit, od->base_seq)))
			sd_release(t, f, !dir, true, limit, o);
	}
	return took;
}

/*
 * Can closing direction @p dir's stream on @p rs report anything? Only
 * end-of-data matches of stream_db (Hyperscan reports every other match
 * while it scans) and the card scanner's last word (a card at the very
 * end of the data), on a direction some stream rule reads
 * (weir_ruleset_stream_close() reports nothing on another). Bits of
 * stream_dirs and stream_eod_dirs: 1 << dir (WEIR_DIR_SERVER is the
 * client's bytes, dir 0).
 */
static inline bool
sd_end_can_match(struct weir_stream_table *t, const struct weir_ruleset *rs, unsigned int dir)
{
	unsigned int bit = 1u << dir;

	if (!(rs->stream_dirs & bit))
		return false;
	return (rs->stream_eod_dirs & bit) != 0 ||
	       (rs->n_stream_pan != 0 && stream_pan_dir(t, rs, dir));
}

/* The end of one direction: what is held, in order, over any hole. */
static void
sd_end(struct weir_stream_table *t, struct weir_flow *f, unsigned int dir,
       const struct weir_stream_out *o)
{
	struct weir_stream_dir *sd = &f->dir[dir].sd;

	while (sd->head != 0 && !(sd->flags & (WEIR_SD_DONE | WEIR_SD_OFF))) {
		struct seg *s = seg_at(t, sd->head);

		if (s->seq != sd->base_seq)
			sd_skip_to(t, sd, s->seq);
		sd_release(t, f, dir, false, 0, o);
	}
	sd_drop_held(t, sd);
	if (sd->hs != 0) {
		if (o->rs != NULL && sd_generation(t, sd) == o->rs->generation &&
		    !(sd->flags & WEIR_SD_RESET)) {
			/* end-of-data matches need the state: a compressed
			 * one is expanded (when that fails, counted, none),
			 * unless the close can report nothing */
			if (!sd_end_can_match(t, o->rs, dir)) {
				sd_close_quiet(t, sd);
				t->st.end_quiet++;
			} else if (!(sd->flags & WEIR_SD_PACKED) || sd_unpack(t, sd, o->rs)) {
				lru_unlink(t, sd->hs); /* the callback closes it */
				sd_chunk(t, f, dir, NULL, 0, o);
			}
		} else {
			sd_close_quiet(t, sd);
		}
		sd->hs = 0;
	}
	memset(sd, 0, sizeof(*sd));
}

void
weir_stream_flow_end(struct weir_stream_table *t, struct weir_flow *f,
		     const struct weir_stream_out *o)
{
	t->o = o;
	if (o->rs == NULL || o->rs->stream_db == NULL) {
		/* no stream rules now: nothing to inspect, free what is there */
		unsigned int d;

		for (d = 0; d < 2; d++) {
			sd_drop_held(t, &f->dir[d].sd);
			sd_close_quiet(t, &f->dir[d].sd);
			memset(&f->dir[d].sd, 0, sizeof(f->dir[d].sd));
		}
		return;
	}
	sd_end(t, f, 0, o);
	sd_end(t, f, 1, o);
}
