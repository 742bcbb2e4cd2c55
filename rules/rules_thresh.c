/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * threshold / detection_filter state: one table per worker, so no lock and
 * no atomic. The table has a fixed capacity (a power of two) and uses open
 * addressing over a short probe window keyed by (rule, tracking kind,
 * key). The key is 32 bytes: the tracked address (by_src, by_dst), the
 * address pair in a fixed order (by_both: either direction is one pair, as
 * Suricata's IPPair), the flow id (by_flow) or nothing (by_rule). When the window has no free
 * slot, the entry whose window started first is evicted and counted:
 * under an address flood the table forgets, but it never allocates and
 * never walks more than THR_PROBE slots per match.
 *
 * The four types follow Suricata 7.0's ThresholdHandlePacket()
 * (src/detect-engine-threshold.c) and its documentation
 * (docs.suricata.io, rules/thresholding.rst). A window starts at the first
 * match and covers [start, start + seconds] inclusive; the first match
 * after it begins a new window with a count of 1:
 *   limit       alert while the count in the window is <= count
 *   threshold   alert when the count reaches count, then count from 0
 *               again (the window start is kept)
 *   both        alert when the count equals count: once per window
 *   detection   alert while the count in the window is > count
 *               (detection_filter: every match after the first count)
 *   backoff     no window (track by_flow: the flow's lifetime): alert on
 *               match number count, count*M, count*M^2, ... (with count 1:
 *               1, M, M^2, ...), docs rules/thresholding.rst "backoff"
 *
 * track by_rule keeps one counter per rule in each worker's table: with N
 * workers, a rule's matches are counted per worker (Suricata keeps one
 * counter for the whole engine, under a lock).
 * An entry whose window has passed is therefore worth exactly as much as
 * no entry at all, and its slot is reused without counting an eviction.
 *
 * Time is the packet's, in ns. It may step back a little (several queues,
 * reordered captures): a negative delta counts as 0, i.e. still inside the
 * window.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

/* Slots looked at per match (64-byte entries: eight cache lines,
 * adjacent, so prefetched). Enough to keep a half-full table almost free
 * of evictions (test_thresh: 512 keys in 1024 slots). */
#define THR_PROBE      8u
#define THR_NS_PER_SEC 1000000000ull
/* Largest capacity: the index is 32 bits and 2^31 * 40 bytes is 80 GiB
 * anyway. */
#define THR_MAX_CAPACITY (1u << 31)

struct thr_entry {
	uint8_t addr[WEIR_THR_KEY_LEN];
	uint32_t rule_idx;
	uint32_t count;	   /* matches in the window (saturating) */
	uint64_t start_ns; /* first match of the window */
	uint32_t seconds;  /* window length of the spec that made it */
	uint32_t next;	   /* backoff: the match number that alerts next */
	uint8_t kind;	   /* 0: slot empty; else thr_kind() */
};

struct weir_thresh_table {
	struct thr_entry *e;
	uint32_t mask;
	uint32_t probe;
	uint64_t evictions;
};

/*
 * The key holds the type and the tracking side as well as the rule: the
 * parser refuses threshold and detection_filter in one rule (as Suricata
 * does), but if both ever reached here they must not share a counter.
 */
static inline uint8_t
thr_kind(const struct weir_thresh_spec *spec)
{
	unsigned int track = spec->by_flow   ? 2u
			     : spec->by_rule ? 3u
			     : spec->by_both ? 4u
			     : spec->by_dst  ? 1u
					     : 0u;

	return (uint8_t)(1u + ((unsigned int)spec->type << 3) + track);
}

static inline uint64_t
thr_mix(uint64_t h)
{
	/* splitmix64's finalizer: every input bit reaches every output bit. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

/*
 * Fixed, unseeded hash: offline replays give the same evictions on every
 * run. A flood of spoofed sources can evict entries whatever the hash, so
 * a secret seed would buy little here.
 */
static inline uint32_t
thr_hash(uint32_t rule_idx, uint8_t kind, const uint8_t *addr)
{
	uint64_t w, h = ((uint64_t)rule_idx << 8) | kind;
	unsigned int i;

	for (i = 0; i < WEIR_THR_KEY_LEN; i += 8) {
		memcpy(&w, addr + i, sizeof(w));
		h = thr_mix(h ^ w);
	}
	return (uint32_t)(h ^ (h >> 32));
}

static inline uint64_t
thr_window_ns(uint32_t seconds)
{
	return (uint64_t)seconds * THR_NS_PER_SEC; /* < 2^63: no overflow */
}

/* Time since @p start_ns; 0 when the clock went back. */
static inline uint64_t
thr_elapsed(uint64_t start_ns, uint64_t now_ns)
{
	return now_ns > start_ns ? now_ns - start_ns : 0;
}

static inline bool
thr_expired(const struct thr_entry *e, uint64_t now_ns)
{
	if (e->seconds == 0) /* backoff: no window */
		return false;
	return thr_elapsed(e->start_ns, now_ns) > thr_window_ns(e->seconds);
}

static inline uint32_t
thr_mul_sat(uint32_t a, uint32_t b)
{
	uint64_t v = (uint64_t)a * b;

	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* The first match of a window: count 1. Does it alert? */
static inline bool
thr_first(struct thr_entry *e, const struct weir_thresh_spec *spec, uint32_t count, uint64_t now_ns)
{
	e->start_ns = now_ns;
	e->count = 1;
	switch (spec->type) {
	case WEIR_THRESH_BACKOFF:
		if (count == 1) {
			e->next = thr_mul_sat(1, spec->multiplier);
			return true;
		}
		e->next = count;
		return false;
	case WEIR_THRESH_LIMIT:
		return true;
	case WEIR_THRESH_THRESHOLD:
	case WEIR_THRESH_BOTH:
		return count == 1;
	case WEIR_THRESH_DETECTION:
	default:
		return false;
	}
}

/* A further match inside the window. */
static inline bool
thr_next(struct thr_entry *e, const struct weir_thresh_spec *spec, uint32_t count)
{
	if (e->count < UINT32_MAX)
		e->count++;
	switch (spec->type) {
	case WEIR_THRESH_BACKOFF:
		/* A multiplier of 1 keeps next == count: one alert only. */
		if (e->count == e->next && e->next < UINT32_MAX) {
			e->next = thr_mul_sat(e->next, spec->multiplier);
			return true;
		}
		return false;
	case WEIR_THRESH_LIMIT:
		return e->count <= count;
	case WEIR_THRESH_THRESHOLD:
		if (e->count >= count) {
			e->count = 0;
			return true;
		}
		return false;
	case WEIR_THRESH_BOTH:
		return e->count == count;
	case WEIR_THRESH_DETECTION:
		return e->count > count;
	default:
		return true;
	}
}

struct weir_thresh_table *
weir_thresh_new(unsigned int capacity)
{
	struct weir_thresh_table *t;
	uint32_t cap = 1;

	if (capacity > THR_MAX_CAPACITY) {
		errno = ENOMEM;
		return NULL;
	}
	while (cap < capacity)
		cap <<= 1;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->e = calloc(cap, sizeof(*t->e));
	if (t->e == NULL) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->mask = cap - 1;
	t->probe = cap < THR_PROBE ? cap : THR_PROBE;
	return t;
}

void
weir_thresh_free(struct weir_thresh_table *t)
{
	if (t == NULL)
		return;
	free(t->e);
	free(t);
}

bool
weir_thresh_check(struct weir_thresh_table *t, const struct weir_thresh_spec *spec,
		  uint32_t rule_idx, const uint8_t *addr, uint64_t now_ns)
{
	uint8_t key[WEIR_THR_KEY_LEN];

	if (addr == NULL)
		return weir_thresh_check_key(t, spec, rule_idx, NULL, now_ns);
	memcpy(key, addr, 16);
	memset(key + 16, 0, sizeof(key) - 16);
	return weir_thresh_check_key(t, spec, rule_idx, key, now_ns);
}

bool
weir_thresh_check_key(struct weir_thresh_table *t, const struct weir_thresh_spec *spec,
		      uint32_t rule_idx, const uint8_t *addr, uint64_t now_ns)
{
	struct thr_entry *e, *found = NULL, *free_slot = NULL, *oldest = NULL;
	uint32_t count, home, i, seconds;
	uint8_t kind;

	if (spec == NULL || spec->type == WEIR_THRESH_NONE || spec->type > WEIR_THRESH_BACKOFF)
		return true;
	/* No state to keep (a misuse, not a packet's fault): alert rather
	 * than lose the match. */
	if (t == NULL || addr == NULL)
		return true;
	count = spec->count > 0 ? spec->count : 1;
	/* Suricata keeps no entry here either: every match alerts. */
	if (spec->type == WEIR_THRESH_THRESHOLD && count == 1)
		return true;
	/* 0 marks "no window" (backoff); a windowed spec has seconds >= 1. */
	seconds = spec->type == WEIR_THRESH_BACKOFF ? 0 : spec->seconds > 0 ? spec->seconds : 1;

	kind = thr_kind(spec);
	home = thr_hash(rule_idx, kind, addr);
	/*
	 * Slots are never emptied, only reused, and a new key takes the first
	 * free (empty or expired) slot from its home: so a key never sits
	 * past an empty slot and the walk can stop there.
	 */
	for (i = 0; i < t->probe; i++) {
		e = &t->e[(home + i) & t->mask];
		if (e->kind == 0) {
			if (free_slot == NULL)
				free_slot = e;
			break;
		}
		if (e->kind == kind && e->rule_idx == rule_idx &&
		    memcmp(e->addr, addr, sizeof(e->addr)) == 0) {
			found = e;
			break;
		}
		if (free_slot == NULL && thr_expired(e, now_ns))
			free_slot = e;
		if (oldest == NULL || e->start_ns < oldest->start_ns)
			oldest = e;
	}

	if (found != NULL) {
		/* A reload may have changed the rule's seconds: the spec wins. */
		found->seconds = seconds;
		if (thr_expired(found, now_ns))
			return thr_first(found, spec, count, now_ns);
		return thr_next(found, spec, count);
	}

	e = free_slot;
	if (e == NULL) {
		/* Every slot in the window is live: forget the oldest. */
		e = oldest;
		t->evictions++;
	}
	memcpy(e->addr, addr, sizeof(e->addr));
	e->rule_idx = rule_idx;
	e->kind = kind;
	e->seconds = seconds;
	return thr_first(e, spec, count, now_ns);
}

uint64_t
weir_thresh_evictions(const struct weir_thresh_table *t)
{
	return t != NULL ? t->evictions : 0;
}
