/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Window state of one owner (see window.h): the owner thread offers the
 * observations its ring brings, advances the watermark between bursts, and
 * the conditions fire the window alerts through the caller's callback.
 *
 * Memory: one anonymous mapping of conf.memcap bytes (aligned to a 2 MiB
 * huge page and advised MADV_HUGEPAGE when at least that big), reserved
 * whole at create; only the header, the bucket heads and the pending buffer's index
 * are written then, and the slot array is handed out in order up to a
 * high-water mark before the free list is used, so pages are touched as
 * the table fills. Layout of the block:
 *
 *   header | defs + per-def layout | bucket heads (u32) | distinct scratch
 *   | pending heap (nodes) | pending records (obs + aux) | free stack
 *   | slots (64 bytes each, index 0 unused = NIL)
 *
 * Every piece of per-key state is a 64-byte slot, so memory is one
 * fungible pool and "over the memcap" simply means "no slot left":
 *   - an entry slot: hash chain, LRU links, the observation deque's ends,
 *     fire-once state and the first ENTRY_KEY_INLINE bytes of the key;
 *   - key slots: the rest of a long key (KEY_SLOT_BYTES each, chained);
 *   - chunk slots: a run of observation records (t_ns, then one 64-bit
 *     word per condition that needs a value), chained oldest to newest;
 *   - for a key whose window overflowed the store, a sketch slot at the
 *     end of its key slot chain and chunk slots of sketch words (see
 *     "distinct past the store").
 * A (rule, key) with one observation and a key of 16 bytes or fewer costs
 * two slots (128 bytes) plus its share of the bucket heads.
 *
 * Aggregates: count is the deque's length. Sum, min, max and distinct are
 * recomputed over the window at each evaluation (at most
 * max_events_per_key records): exact, and sum is added in time order, so
 * it equals a naive sum over the window's observations oldest first;
 * distinct uses a generation-stamped open-addressing set in the block.
 *
 * Pending: a binary heap of (t_ns, order, seq) nodes over a fixed array
 * of records (the observation and its aux bytes), seq being the offer
 * sequence so equal (t_ns, order) keep their arrival order.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "prefault.h"
#include "window.h"

#define SLOT_SIZE	 64u
#define NIL		 0u
#define ENTRY_KEY_INLINE 16u
#define KEY_SLOT_BYTES	 60u
#define CHUNK_WORDS	 7u /* 64-bit words of records in a chunk slot */
#define MIN_SLOTS	 16u
#define MAX_DEFS	 65535u
#define MAX_EVENTS	 65535u
#define WINDOW_HUGE	 (2u << 20) /* huge page size a large table is aligned to */

/* Approximate distinct (a sliding HyperLogLog, see "distinct past the
 * store" below): 2^HLL_P registers per distinct condition. */
#define HLL_P	       WEIR_WINDOW_HLL_P
#define HLL_M	       (1u << HLL_P)
#define HLL_RANK_MAX   (64u - HLL_P + 1u) /* 56: a rank fits 6 bits */
#define HLL_DELTA_BITS 47u		  /* time since the log's base: 39 h > 24 h */
#define HLL_COMPACT    1024u		  /* records added before a compaction, at least */
#define HLL_LIVE_MAX   (WEIR_WINDOW_COND_MAX * HLL_M * HLL_RANK_MAX)
#define HLL_SALT       0x6a09e667f3bcc909ull

/* wentry.fired bits */
#define ENTRY_FIRED  0x1u
#define ENTRY_SKETCH 0x2u /* a sketch slot ends the key slot chain */

/* An entry: one (rule, key). Exactly one slot. */
struct wentry {
	uint32_t hnext;	   /* hash chain */
	uint32_t prev;	   /* LRU: towards the least recently updated */
	uint32_t next;	   /* LRU: towards the most recently updated */
	uint32_t head;	   /* oldest chunk */
	uint32_t tail;	   /* newest chunk */
	uint32_t key_more; /* key slots after the inline part */
	uint64_t key_hash;
	uint64_t fired_t; /* time of the last firing (fire once) */
	uint16_t def;
	uint16_t n;	  /* records in the window */
	uint8_t head_off; /* first record in head */
	uint8_t tail_off; /* records used in tail */
	uint8_t key_len;
	uint8_t fired;
	uint8_t key[ENTRY_KEY_INLINE];
};
_Static_assert(sizeof(struct wentry) == SLOT_SIZE, "entry is one slot");

struct wkeyslot {
	uint32_t next;
	uint8_t b[KEY_SLOT_BYTES];
};
_Static_assert(sizeof(struct wkeyslot) == SLOT_SIZE, "key slot is one slot");

struct wchunk {
	uint32_t next;
	uint32_t pad;
	uint64_t w[CHUNK_WORDS];
};
_Static_assert(sizeof(struct wchunk) == SLOT_SIZE, "chunk is one slot");

/* The sketch of an entry whose window overflowed its store: a log of
 * (time, condition, register, rank) words in chunk slots, one word each:
 * bits 63..17 time - base, 16..15 condition, 14..6 register, 5..0 rank
 * (0: a dead record, left for the next compaction). */
struct wsketch {
	uint32_t next; /* NIL: it ends the entry's key slot chain */
	uint32_t head; /* oldest chunk of the log */
	uint32_t tail;
	uint32_t n;	     /* words in the log */
	uint32_t compact_at; /* compact when n reaches it */
	uint8_t head_off;
	uint8_t tail_off;
	uint16_t pad;
	uint64_t base;	     /* time the words' deltas count from */
	uint64_t overflow_t; /* newest time the store dropped while in the window */
	uint64_t pad2[3];
};
_Static_assert(sizeof(struct wsketch) == SLOT_SIZE, "sketch is one slot");

/* How a definition's records are laid out. */
struct wdefmeta {
	uint8_t rw;			   /* words per record: 1 + valued conds */
	uint8_t rpc;			   /* records per chunk */
	int8_t vidx[WEIR_WINDOW_COND_MAX]; /* word of cond i's value, -1: count */
	uint8_t dmask;			   /* bit i: cond i is a distinct */
};

struct wheapnode {
	uint64_t t;
	uint64_t order;
	uint64_t seq;
	uint32_t rec;
	uint32_t bucket; /* the observation's hash bucket (prefetched) */
};

struct weir_window_table {
	struct weir_window_conf conf;
	weir_window_fire_fn fire;
	void *ctx;
	void *map; /* the mapping (the table sits at its first huge page) */
	size_t map_len;

	struct weir_window_def *defs;
	struct wdefmeta *meta;
	uint32_t n_defs;

	uint32_t *buckets;
	uint32_t bucket_mask;

	/* distinct scratch: open addressing, a slot is live when gen matches */
	uint64_t *dset_key;
	uint32_t *dset_gen;
	uint32_t dset_mask;
	uint32_t dset_cur;

	/* sliding HyperLogLog scratch: per (condition, register) */
	uint8_t *hll_rank;
	uint64_t *hll_t;

	struct wheapnode *heap;
	uint8_t *precs;	 /* pending records, prec_size bytes each */
	uint32_t *pfree; /* stack of free record indices */
	size_t prec_size;
	uint32_t n_heap;
	uint32_t n_pfree;
	uint64_t seq;

	struct wentry *slots; /* slots[0] unused */
	uint32_t n_slots;     /* including slot 0 */
	uint32_t hw;	      /* slots [1, hw) ever handed out */
	uint32_t free_head;   /* free slots chained through their first word */
	uint32_t used;	      /* slots in use */
	uint32_t lru_head;    /* least recently updated entry */
	uint32_t lru_tail;

	bool applied_any;
	uint64_t last_applied; /* the owner's last applied time */

	struct weir_window_stats st;
};

static size_t
align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t
window_mix(uint64_t x)
{
	/* splitmix64's finaliser: every input bit reaches every output bit */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static uint32_t
window_bucket(const struct weir_window_table *t, uint32_t def, uint64_t key_hash)
{
	return (uint32_t)window_mix(key_hash ^ t->conf.hash_seed ^
				    ((uint64_t)(def + 1) * 0x9e3779b97f4a7c15ull)) &
	       t->bucket_mask;
}

static void
window_meta(const struct weir_window_def *d, struct wdefmeta *m)
{
	uint8_t rw = 1;

	for (uint32_t i = 0; i < WEIR_WINDOW_COND_MAX; i++) {
		if (i < d->n_cond && d->cond[i].agg != WEIR_WAGG_COUNT)
			m->vidx[i] = (int8_t)rw++;
		else
			m->vidx[i] = -1;
	}
	m->rw = rw;
	m->rpc = (uint8_t)(CHUNK_WORDS / rw);
	m->dmask = 0;
	for (uint32_t i = 0; i < d->n_cond && i < WEIR_WINDOW_COND_MAX; i++)
		if (d->cond[i].agg == WEIR_WAGG_DISTINCT)
			m->dmask |= (uint8_t)(1u << i);
}

static bool
window_def_ok(const struct weir_window_def *d)
{
	if (d->n_cond == 0 || d->n_cond > WEIR_WINDOW_COND_MAX || d->length_ns == 0)
		return false;
	for (uint32_t i = 0; i < d->n_cond; i++)
		if (d->cond[i].agg > WEIR_WAGG_DISTINCT || d->cond[i].op > WEIR_WOP_EQ)
			return false;
	return true;
}

static uint32_t
pow2_at_least(uint64_t v)
{
	uint64_t p = 1;

	while (p < v && p < (1ull << 31))
		p <<= 1;
	return (uint32_t)p;
}

size_t
weir_window_bytes_per_key(const struct weir_window_conf *conf, const struct weir_window_def *def)
{
	struct wdefmeta m;
	size_t key_slots =
		(WEIR_WINDOW_KEY_MAX - ENTRY_KEY_INLINE + KEY_SLOT_BYTES - 1) / KEY_SLOT_BYTES;
	size_t chunks;

	window_meta(def, &m);
	/* a deque of n records spans at most ceil(n / rpc) + 1 chunks */
	chunks = (conf->max_events_per_key + m.rpc - 1) / m.rpc + 1;
	/* a distinct rule past the store: the sketch slot and its log, at
	 * most every possible future maximum plus a compaction's slack */
	if (m.dmask != 0)
		chunks += 1 +
			  ((size_t)__builtin_popcount(m.dmask) * HLL_M * HLL_RANK_MAX +
			   HLL_COMPACT + CHUNK_WORDS - 1) /
				  CHUNK_WORDS +
			  1;
	/* one bucket head per two slots (see create) */
	return (1 + key_slots + chunks) * (SLOT_SIZE + sizeof(uint32_t) / 2);
}

static struct weir_window_table *
window_alloc(const struct weir_window_conf *conf, const struct weir_window_def *defs,
	     uint32_t n_defs, weir_window_fire_fn fire, void *ctx)
{
	struct weir_window_table *t;
	size_t off, fixed, prec_size, dset_n, rest, n_slots, n_buckets;
	size_t off_defs, off_meta, off_buckets, off_dkey, off_dgen, off_heap, off_precs, off_pfree;
	size_t off_hrank, off_ht;
	uint8_t *base;
	size_t map_len;
	void *map;

	if (conf == NULL || (n_defs > 0 && defs == NULL) || n_defs > MAX_DEFS ||
	    conf->max_events_per_key == 0 || conf->max_events_per_key > MAX_EVENTS ||
	    conf->pending_max == 0 || fire == NULL) {
		errno = EINVAL;
		return NULL;
	}
	for (uint32_t i = 0; i < n_defs; i++)
		if (!window_def_ok(&defs[i])) {
			errno = EINVAL;
			return NULL;
		}
	prec_size = align_up(sizeof(struct weir_window_obs) + conf->aux_size, 8);
	dset_n = pow2_at_least(2ull * conf->max_events_per_key);

	off = align_up(sizeof(*t), 64);
	off_defs = off;
	off = align_up(off + n_defs * sizeof(struct weir_window_def), 64);
	off_meta = off;
	off = align_up(off + n_defs * sizeof(struct wdefmeta), 64);
	off_dkey = off;
	off = align_up(off + dset_n * sizeof(uint64_t), 64);
	off_dgen = off;
	off = align_up(off + dset_n * sizeof(uint32_t), 64);
	off_hrank = off;
	off = align_up(off + WEIR_WINDOW_COND_MAX * HLL_M, 64);
	off_ht = off;
	off = align_up(off + WEIR_WINDOW_COND_MAX * HLL_M * sizeof(uint64_t), 64);
	off_heap = off;
	off = align_up(off + (size_t)conf->pending_max * sizeof(struct wheapnode), 64);
	off_precs = off;
	off = align_up(off + (size_t)conf->pending_max * prec_size, 64);
	off_pfree = off;
	off = align_up(off + (size_t)conf->pending_max * sizeof(uint32_t), 64);
	fixed = off;
	if (conf->memcap <= fixed) {
		errno = EINVAL;
		return NULL;
	}
	/* the rest: bucket heads (one per two slots) and the slots */
	rest = conf->memcap - fixed;
	n_slots = rest / (SLOT_SIZE + sizeof(uint32_t));
	if (n_slots > UINT32_MAX / 2)
		n_slots = UINT32_MAX / 2;
	n_buckets = pow2_at_least(n_slots / 2 ? n_slots / 2 : 1);
	if (n_buckets * sizeof(uint32_t) + 64 + (n_slots + 1) * SLOT_SIZE > rest) {
		size_t room = rest > n_buckets * sizeof(uint32_t) + 64 + SLOT_SIZE
				      ? rest - n_buckets * sizeof(uint32_t) - 64 - SLOT_SIZE
				      : 0;

		n_slots = room / SLOT_SIZE < n_slots ? room / SLOT_SIZE : n_slots;
	}
	if (n_slots < MIN_SLOTS) {
		errno = EINVAL;
		return NULL;
	}
	off_buckets = off;
	off = align_up(off + n_buckets * sizeof(uint32_t), 64);

	/* aligned to a huge page and advised so, when big enough: a large
	 * table is read at random, and THP ("madvise" mode) saves the TLB */
	map_len = conf->memcap >= WINDOW_HUGE ? conf->memcap + WINDOW_HUGE : conf->memcap;
	map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	base = map;
	if (conf->memcap >= WINDOW_HUGE) {
		base = (uint8_t *)(((uintptr_t)map + WINDOW_HUGE - 1) &
				   ~(uintptr_t)(WINDOW_HUGE - 1));
		(void)madvise(base, conf->memcap, MADV_HUGEPAGE); /* advice: fine if refused */
	}
	t = (struct weir_window_table *)base;
	t->map = map;
	t->conf = *conf;
	t->fire = fire;
	t->ctx = ctx;
	t->map_len = map_len;
	t->defs = (struct weir_window_def *)(base + off_defs);
	t->meta = (struct wdefmeta *)(base + off_meta);
	t->n_defs = n_defs;
	if (n_defs > 0)
		memcpy(t->defs, defs, n_defs * sizeof(*defs));
	for (uint32_t i = 0; i < n_defs; i++)
		window_meta(&defs[i], &t->meta[i]);
	t->buckets = (uint32_t *)(base + off_buckets);
	t->bucket_mask = (uint32_t)(n_buckets - 1);
	t->dset_key = (uint64_t *)(base + off_dkey);
	t->dset_gen = (uint32_t *)(base + off_dgen);
	t->dset_mask = (uint32_t)(dset_n - 1);
	t->hll_rank = base + off_hrank;
	t->hll_t = (uint64_t *)(base + off_ht);
	t->heap = (struct wheapnode *)(base + off_heap);
	t->precs = base + off_precs;
	t->pfree = (uint32_t *)(base + off_pfree);
	t->prec_size = prec_size;
	for (uint32_t i = 0; i < conf->pending_max; i++)
		t->pfree[i] = conf->pending_max - 1 - i;
	t->n_pfree = conf->pending_max;
	t->slots = (struct wentry *)(base + off);
	t->n_slots = (uint32_t)(n_slots + 1);
	t->hw = 1;
	return t;
}

struct weir_window_table *
weir_window_table_create(const struct weir_window_conf *conf, const struct weir_window_def *defs,
			 uint32_t n_defs, weir_window_fire_fn fire, void *ctx)
{
	return window_alloc(conf, defs, n_defs, fire, ctx);
}

int
weir_window_table_prefault(struct weir_window_table *t, size_t bytes)
{
	/* the fixed part and the bucket heads lie before the slots; slots
	 * are handed out from the lowest, so the first bytes are the ones
	 * the owner writes first */
	const uint8_t *base = (const uint8_t *)t;
	const size_t slots_off = (size_t)((const uint8_t *)t->slots - base);
	const size_t all = slots_off + (size_t)t->n_slots * sizeof(struct wentry);
	size_t len = slots_off > bytes ? slots_off : bytes;

	return weir_prefault(t, len < all ? len : all);
}

void
weir_window_table_free(struct weir_window_table *t)
{
	if (t != NULL)
		munmap(t->map, t->map_len);
}

/* ---- slots ---- */

static void *
slot_ptr(const struct weir_window_table *t, uint32_t i)
{
	return &t->slots[i];
}

static void
slot_free(struct weir_window_table *t, uint32_t i)
{
	*(uint32_t *)slot_ptr(t, i) = t->free_head;
	t->free_head = i;
	t->used--;
}

static void
lru_unlink(struct weir_window_table *t, struct wentry *e)
{
	if (e->prev != NIL)
		t->slots[e->prev].next = e->next;
	else
		t->lru_head = e->next;
	if (e->next != NIL)
		t->slots[e->next].prev = e->prev;
	else
		t->lru_tail = e->prev;
	e->prev = e->next = NIL;
}

static void
lru_push_tail(struct weir_window_table *t, uint32_t i)
{
	struct wentry *e = &t->slots[i];

	e->prev = t->lru_tail;
	e->next = NIL;
	if (t->lru_tail != NIL)
		t->slots[t->lru_tail].next = i;
	else
		t->lru_head = i;
	t->lru_tail = i;
}

/* Where the entry's sketch slot hangs: the link after its last key slot. */
static uint32_t *
entry_sketch_link(const struct weir_window_table *t, struct wentry *e)
{
	uint32_t *link = &e->key_more;
	uint32_t ks =
		e->key_len > ENTRY_KEY_INLINE
			? (e->key_len - ENTRY_KEY_INLINE + KEY_SLOT_BYTES - 1) / KEY_SLOT_BYTES
			: 0;

	for (; ks > 0; ks--)
		link = &((struct wkeyslot *)slot_ptr(t, *link))->next;
	return link;
}

/* The entry's sketch slot, NIL when it has none. */
static uint32_t
entry_sketch(const struct weir_window_table *t, const struct wentry *e)
{
	if (!(e->fired & ENTRY_SKETCH))
		return NIL;
	return *entry_sketch_link(t, (struct wentry *)e);
}

static void
chain_free(struct weir_window_table *t, uint32_t s)
{
	while (s != NIL) {
		uint32_t nx = ((struct wchunk *)slot_ptr(t, s))->next;

		slot_free(t, s);
		s = nx;
	}
}

/* Back to exact distinct: free the entry's sketch and its log. */
static void
sketch_drop(struct weir_window_table *t, struct wentry *e)
{
	uint32_t *link = entry_sketch_link(t, e);
	struct wsketch *sk;

	if (!(e->fired & ENTRY_SKETCH))
		return;
	sk = slot_ptr(t, *link);
	chain_free(t, sk->head);
	slot_free(t, *link);
	*link = NIL;
	e->fired &= (uint8_t)~ENTRY_SKETCH;
}

/* Remove entry @p i from everything and free its slots. */
static void
entry_destroy(struct weir_window_table *t, uint32_t i)
{
	struct wentry *e = &t->slots[i];
	uint32_t b = window_bucket(t, e->def, e->key_hash);
	uint32_t *pp = &t->buckets[b];
	uint32_t s;

	sketch_drop(t, e);

	while (*pp != NIL && *pp != i)
		pp = &t->slots[*pp].hnext;
	if (*pp == i)
		*pp = e->hnext;
	lru_unlink(t, e);
	s = e->key_more;
	while (s != NIL) {
		uint32_t nx = ((struct wkeyslot *)slot_ptr(t, s))->next;

		slot_free(t, s);
		s = nx;
	}
	s = e->head;
	while (s != NIL) {
		uint32_t nx = ((struct wchunk *)slot_ptr(t, s))->next;

		slot_free(t, s);
		s = nx;
	}
	slot_free(t, i);
	t->st.keys--;
}

/* A slot, evicting the least recently updated entry other than @p keep
 * when none is left. NIL when @p keep is the only entry. */
static uint32_t
slot_alloc(struct weir_window_table *t, uint32_t keep)
{
	uint32_t i;

	for (;;) {
		if (t->free_head != NIL) {
			i = t->free_head;
			t->free_head = *(uint32_t *)slot_ptr(t, i);
			break;
		}
		if (t->hw < t->n_slots) {
			i = t->hw++;
			break;
		}
		i = t->lru_head;
		if (i == keep && i != NIL)
			i = t->slots[i].next;
		if (i == NIL)
			return NIL;
		entry_destroy(t, i);
		t->st.evicted++;
	}
	t->used++;
	memset(slot_ptr(t, i), 0, SLOT_SIZE);
	return i;
}

/* ---- entries ---- */

static bool
entry_key_eq(const struct weir_window_table *t, const struct wentry *e, const uint8_t *key,
	     uint16_t len)
{
	size_t n = len < ENTRY_KEY_INLINE ? len : ENTRY_KEY_INLINE;
	uint32_t s = e->key_more;

	if (e->key_len != len || memcmp(e->key, key, n) != 0)
		return false;
	key += n;
	len = (uint16_t)(len - n);
	while (len > 0) {
		const struct wkeyslot *k = slot_ptr(t, s);

		n = len < KEY_SLOT_BYTES ? len : KEY_SLOT_BYTES;
		if (memcmp(k->b, key, n) != 0)
			return false;
		key += n;
		len = (uint16_t)(len - n);
		s = k->next;
	}
	return true;
}

static uint32_t
entry_find_in(const struct weir_window_table *t, uint32_t b, uint32_t def, uint64_t key_hash,
	      const uint8_t *key, uint16_t key_len)
{
	uint32_t i = t->buckets[b];

	while (i != NIL) {
		const struct wentry *e = &t->slots[i];

		if (e->key_hash == key_hash && e->def == def && entry_key_eq(t, e, key, key_len))
			return i;
		i = e->hnext;
	}
	return NIL;
}

static uint32_t
entry_find(const struct weir_window_table *t, uint32_t def, uint64_t key_hash, const uint8_t *key,
	   uint16_t key_len)
{
	return entry_find_in(t, window_bucket(t, def, key_hash), def, key_hash, key, key_len);
}

/* A new, empty entry, most recently updated. NIL when no memory. */
static uint32_t
entry_new(struct weir_window_table *t, uint32_t def, uint64_t key_hash, const uint8_t *key,
	  uint16_t key_len)
{
	uint32_t i = slot_alloc(t, NIL);
	uint32_t *link;
	struct wentry *e;
	size_t n;
	uint32_t b;

	if (i == NIL)
		return NIL;
	t->st.keys++;
	e = &t->slots[i];
	e->def = (uint16_t)def;
	e->key_hash = key_hash;
	e->key_len = (uint8_t)key_len;
	n = key_len < ENTRY_KEY_INLINE ? key_len : ENTRY_KEY_INLINE;
	memcpy(e->key, key, n);
	lru_push_tail(t, i);
	link = &e->key_more;
	key += n;
	key_len = (uint16_t)(key_len - n);
	while (key_len > 0) {
		uint32_t s = slot_alloc(t, i);
		struct wkeyslot *k;

		if (s == NIL) {
			/* not in a bucket yet: entry_destroy's unlink finds nothing */
			t->slots[i].hnext = NIL;
			entry_destroy(t, i);
			return NIL;
		}
		e = &t->slots[i];
		*link = s;
		k = slot_ptr(t, s);
		n = key_len < KEY_SLOT_BYTES ? key_len : KEY_SLOT_BYTES;
		memcpy(k->b, key, n);
		link = &k->next;
		key += n;
		key_len = (uint16_t)(key_len - n);
	}
	e = &t->slots[i];
	b = window_bucket(t, def, key_hash);
	e->hnext = t->buckets[b];
	t->buckets[b] = i;
	return i;
}

static uint64_t *
rec_ptr(const struct weir_window_table *t, uint32_t chunk, uint32_t k, uint8_t rw)
{
	return &((struct wchunk *)slot_ptr(t, chunk))->w[(size_t)k * rw];
}

static void
entry_pop_front(struct weir_window_table *t, struct wentry *e)
{
	const struct wdefmeta *m = &t->meta[e->def];
	uint32_t h = e->head;

	e->head_off++;
	e->n--;
	if (e->n == 0) {
		slot_free(t, h);
		e->head = e->tail = NIL;
		e->head_off = e->tail_off = 0;
	} else if (e->head_off == m->rpc) {
		e->head = ((struct wchunk *)slot_ptr(t, h))->next;
		e->head_off = 0;
		slot_free(t, h);
	}
}

/* Room for one more record at the back. false: no memory (the entry is
 * the only one and holds nothing). */
static bool
entry_reserve(struct weir_window_table *t, uint32_t i)
{
	struct wentry *e = &t->slots[i];
	const struct wdefmeta *m = &t->meta[e->def];
	uint32_t c;

	if (e->tail != NIL && e->tail_off < m->rpc)
		return true;
	for (;;) {
		c = slot_alloc(t, i);
		e = &t->slots[i];
		if (c != NIL)
			break;
		/* memory holds nothing but this key: make room from its past */
		if (e->n == 0)
			return false;
		entry_pop_front(t, e);
		t->st.key_overflow++;
		if (e->tail != NIL && e->tail_off < m->rpc)
			return true;
	}
	if (e->tail == NIL) {
		e->head = e->tail = c;
		e->head_off = 0;
	} else {
		((struct wchunk *)slot_ptr(t, e->tail))->next = c;
		e->tail = c;
	}
	e->tail_off = 0;
	return true;
}

/* Record k (0 = oldest) of the entry. */
static uint64_t *
entry_rec_at(const struct weir_window_table *t, const struct wentry *e, uint32_t k)
{
	const struct wdefmeta *m = &t->meta[e->def];
	uint32_t c = e->head;

	k += e->head_off;
	while (k >= m->rpc) {
		c = ((struct wchunk *)slot_ptr(t, c))->next;
		k -= m->rpc;
	}
	return rec_ptr(t, c, k, m->rw);
}

static uint64_t
entry_newest(const struct weir_window_table *t, const struct wentry *e)
{
	return rec_ptr(t, e->tail, e->tail_off - 1u, t->meta[e->def].rw)[0];
}

static uint64_t
entry_oldest(const struct weir_window_table *t, const struct wentry *e)
{
	return rec_ptr(t, e->head, e->head_off, t->meta[e->def].rw)[0];
}

/* ---- distinct past the store: a sliding HyperLogLog ----
 *
 * While a (rule, key)'s window fits its store (max_events_per_key
 * observations) distinct is exact. When the store must drop an
 * observation that is still in the window, the entry gets a sketch: every
 * observation of its window (the store's, then each new one) goes into a
 * log of (time, condition, register, rank) words, HLL_M registers per
 * distinct condition (the register is the top HLL_P bits of the mixed
 * value hash, the rank the position of the first 1 in the rest). A
 * register's value over the window is the largest rank of its words not
 * expired. A compaction (when the log doubled) drops the expired words and
 * the dominated ones, those a later word of the same register with a rank
 * at least as high outlives: what stays are the registers' "possible
 * future maxima" (Datar et al.'s list, as in Chabchoub and Hebrail's
 * sliding HyperLogLog), at most HLL_RANK_MAX per register, expected about
 * log2 of the register's distinct values. The estimate is HyperLogLog's
 * (Flajolet et al. 2007) with its small-range correction (linear counting
 * below 2.5 m while a register is zero); no large-range one (64-bit
 * hashes). Reported: the larger of it rounded and the exact distinct of
 * the observations the store still holds (a subset of the window). When
 * every observation the store dropped has expired, the store holds the
 * whole window again: the sketch is freed and distinct is exact.
 */

#define HW_RANK(w)  ((uint32_t)(w)&0x3fu)
#define HW_REG(w)   ((uint32_t)((w) >> 6) & (HLL_M - 1u))
#define HW_COND(w)  ((uint32_t)((w) >> 15) & 3u)
#define HW_DELTA(w) ((w) >> 17)

static uint64_t
hll_word(uint64_t delta, uint32_t c, uint32_t reg, uint32_t rank)
{
	return delta << 17 | (uint64_t)c << 15 | (uint64_t)reg << 6 | rank;
}

static void
hll_of(uint64_t hash, uint32_t *reg, uint32_t *rank)
{
	uint64_t h = window_mix(hash ^ HLL_SALT);

	*reg = (uint32_t)(h >> (64 - HLL_P));
	/* the marker bit bounds the rank at HLL_RANK_MAX */
	*rank = (uint32_t)__builtin_clzll(h << HLL_P | 1ull << (HLL_P - 1)) + 1u;
}

static bool
expired(uint64_t tm, uint64_t now, uint64_t len)
{
	return now >= len && tm <= now - len;
}

static uint64_t *
sk_word(const struct weir_window_table *t, uint32_t chunk, uint32_t k)
{
	return &((struct wchunk *)slot_ptr(t, chunk))->w[k];
}

static uint32_t
sk_next(const struct weir_window_table *t, uint32_t chunk)
{
	return ((const struct wchunk *)slot_ptr(t, chunk))->next;
}

static uint32_t
chain_reverse(struct weir_window_table *t, uint32_t c)
{
	uint32_t prev = NIL;

	while (c != NIL) {
		struct wchunk *ch = slot_ptr(t, c);
		uint32_t nx = ch->next;

		ch->next = prev;
		prev = c;
		c = nx;
	}
	return prev;
}

/* Words a sketch's log may hold for a rule with @p dmask distinct
 * conditions before a compaction must run. */
static uint32_t
sk_cap(uint8_t dmask)
{
	return (uint32_t)__builtin_popcount(dmask) * HLL_M * HLL_RANK_MAX + HLL_COMPACT;
}

/* Drop expired and dominated words, rebase the deltas on the oldest word
 * kept (or @p t_new, when older). */
static void
sk_compact(struct weir_window_table *t, struct wsketch *sk, uint64_t now, uint64_t len,
	   uint64_t t_new, uint32_t cap)
{
	uint64_t ob = sk->base, nb = t_new;
	uint32_t wc, wk, n = 0, grow, c;

	/* newest to oldest: the chain reversed, then put back */
	memset(t->hll_rank, 0, (size_t)WEIR_WINDOW_COND_MAX * HLL_M);
	chain_reverse(t, sk->head);
	for (c = sk->tail; c != NIL; c = sk_next(t, c)) {
		uint32_t lo = c == sk->head ? sk->head_off : 0;
		uint32_t k = c == sk->tail ? sk->tail_off : CHUNK_WORDS;

		while (k-- > lo) {
			uint64_t *w = sk_word(t, c, k);
			uint32_t r = HW_RANK(*w), j;
			uint64_t tm = ob + HW_DELTA(*w);

			if (r == 0)
				continue;
			j = HW_COND(*w) * HLL_M + HW_REG(*w);
			/* dominated: a later word of the register ranks as high
			 * and lives as long (late words may be out of time order) */
			if (expired(tm, now, len) || (r <= t->hll_rank[j] && tm <= t->hll_t[j])) {
				*w &= ~(uint64_t)0x3f;
				continue;
			}
			if (r > t->hll_rank[j]) {
				t->hll_rank[j] = (uint8_t)r;
				t->hll_t[j] = tm;
			} else if (r == t->hll_rank[j]) {
				t->hll_t[j] = tm;
			}
			if (tm < nb)
				nb = tm;
		}
	}
	chain_reverse(t, sk->tail);
	/* oldest to newest: the live words moved to the front */
	wc = sk->head;
	wk = sk->head_off;
	for (c = sk->head; c != NIL; c = sk_next(t, c)) {
		uint32_t k = c == sk->head ? sk->head_off : 0;
		uint32_t hi = c == sk->tail ? sk->tail_off : CHUNK_WORDS;

		for (; k < hi; k++) {
			uint64_t w = *sk_word(t, c, k);

			if (HW_RANK(w) == 0)
				continue;
			if (wk == CHUNK_WORDS) {
				wc = sk_next(t, wc);
				wk = 0;
			}
			*sk_word(t, wc, wk++) =
				hll_word(ob + HW_DELTA(w) - nb, HW_COND(w), HW_REG(w), HW_RANK(w));
			n++;
		}
		if (c == sk->tail)
			break;
	}
	if (n == 0) {
		chain_free(t, sk->head);
		sk->head = sk->tail = NIL;
		sk->head_off = sk->tail_off = 0;
	} else {
		struct wchunk *ch = slot_ptr(t, wc);

		chain_free(t, ch->next);
		ch->next = NIL;
		sk->tail = wc;
		sk->tail_off = (uint8_t)wk;
	}
	sk->n = n;
	sk->base = nb;
	grow = n > HLL_COMPACT ? n : HLL_COMPACT;
	if (n + grow > cap)
		grow = cap > n + HLL_COMPACT ? cap - n : HLL_COMPACT;
	sk->compact_at = n + grow;
}

/* Append word @p w to sketch @p si of entry @p ei. false: no memory. */
static bool
sk_push(struct weir_window_table *t, uint32_t ei, uint32_t si, uint64_t w)
{
	struct wsketch *sk = slot_ptr(t, si);

	if (sk->tail == NIL || sk->tail_off == CHUNK_WORDS) {
		uint32_t nc = slot_alloc(t, ei);

		if (nc == NIL)
			return false;
		if (sk->tail == NIL) {
			sk->head = nc;
			sk->head_off = 0;
		} else {
			((struct wchunk *)slot_ptr(t, sk->tail))->next = nc;
		}
		sk->tail = nc;
		sk->tail_off = 0;
	}
	*sk_word(t, sk->tail, sk->tail_off++) = w;
	sk->n++;
	return true;
}

/* Add one observation's distinct values (time @p tm, the values @p h per
 * condition) to the sketch @p si of entry @p ei, whose window ends at
 * @p now. */
static void
sk_add(struct weir_window_table *t, uint32_t ei, uint32_t si, uint64_t tm, const uint64_t *h,
       uint64_t now)
{
	const struct wentry *e = &t->slots[ei];
	const struct wdefmeta *m = &t->meta[e->def];
	uint64_t len = t->defs[e->def].length_ns;
	struct wsketch *sk = slot_ptr(t, si);
	uint32_t cap = sk_cap(m->dmask);

	if (sk->n == 0)
		sk->base = tm;
	else if (tm < sk->base || tm - sk->base >= 1ull << HLL_DELTA_BITS)
		sk_compact(t, sk, now, len, tm, cap);
	for (uint32_t c = 0; c < WEIR_WINDOW_COND_MAX; c++) {
		uint32_t reg, rank;
		uint64_t w;

		if (!(m->dmask & (1u << c)))
			continue;
		if (sk->n >= sk->compact_at)
			sk_compact(t, sk, now, len, tm, cap);
		if (sk->n == 0)
			sk->base = tm;
		hll_of(h[c], &reg, &rank);
		w = hll_word(tm - sk->base, c, reg, rank);
		if (!sk_push(t, ei, si, w)) {
			t->st.key_overflow++; /* memory holds nothing else */
			return;
		}
	}
}

/* A new, empty sketch for entry @p ei. NIL: no memory. */
static uint32_t
sk_new(struct weir_window_table *t, uint32_t ei)
{
	uint32_t si = slot_alloc(t, ei);
	struct wentry *e = &t->slots[ei];
	struct wsketch *sk;

	if (si == NIL)
		return NIL;
	sk = slot_ptr(t, si);
	sk->compact_at = HLL_COMPACT;
	*entry_sketch_link(t, e) = si;
	e->fired |= ENTRY_SKETCH;
	return si;
}

/* The values of record @p r (distinct conditions only) into @p h. */
static void
rec_hashes(const struct wdefmeta *m, const uint64_t *r, uint64_t *h)
{
	for (uint32_t c = 0; c < WEIR_WINDOW_COND_MAX; c++)
		h[c] = (m->dmask & (1u << c)) ? r[m->vidx[c]] : 0;
}

/* The store of entry @p ei is full and drops its oldest observation to
 * make room for one at @p t_new: if that one is still in the window, the
 * sketch takes over distinct (made from the store's observations first
 * when there is none). */
static void
sk_overflow(struct weir_window_table *t, uint32_t ei, uint64_t t_new)
{
	struct wentry *e = &t->slots[ei];
	const struct wdefmeta *m = &t->meta[e->def];
	uint64_t len = t->defs[e->def].length_ns;
	uint64_t now = entry_newest(t, e), old = entry_oldest(t, e), h[WEIR_WINDOW_COND_MAX];
	uint32_t si;
	struct wsketch *sk;

	if (t_new > now)
		now = t_new;
	if (expired(old, now, len))
		return;
	si = entry_sketch(t, e);
	if (si == NIL) {
		si = sk_new(t, ei);
		if (si == NIL)
			return; /* no memory: distinct counts what the store keeps */
		for (uint32_t k = 0; k < e->n; k++) {
			const uint64_t *r = entry_rec_at(t, e, k);

			if (expired(r[0], now, len))
				continue;
			rec_hashes(m, r, h);
			sk_add(t, ei, si, r[0], h, now);
		}
	}
	sk = slot_ptr(t, si);
	if (old > sk->overflow_t)
		sk->overflow_t = old;
}

/* The sketch's estimate of condition @p ci's distinct over the window
 * ending at @p now. */
static double
sk_estimate(struct weir_window_table *t, uint32_t si, uint32_t ci, uint64_t now, uint64_t len)
{
	const struct wsketch *sk = slot_ptr(t, si);
	uint8_t *reg = t->hll_rank;
	const double alpha = 0.7213 / (1.0 + 1.079 / HLL_M);
	double sum = 0, est;
	uint32_t zeros = 0;

	memset(reg, 0, HLL_M);
	for (uint32_t c = sk->head; c != NIL; c = sk_next(t, c)) {
		uint32_t k = c == sk->head ? sk->head_off : 0;
		uint32_t hi = c == sk->tail ? sk->tail_off : CHUNK_WORDS;

		for (; k < hi; k++) {
			uint64_t w = *sk_word(t, c, k);

			if (HW_RANK(w) == 0 || HW_COND(w) != ci ||
			    expired(sk->base + HW_DELTA(w), now, len))
				continue;
			if (HW_RANK(w) > reg[HW_REG(w)])
				reg[HW_REG(w)] = (uint8_t)HW_RANK(w);
		}
		if (c == sk->tail)
			break;
	}
	for (uint32_t j = 0; j < HLL_M; j++) {
		/* 2^-rank, built as a double's bits (exponent 1023 - rank) */
		union {
			uint64_t u;
			double d;
		} p = {.u = (uint64_t)(1023u - reg[j]) << 52};

		sum += p.d;
		zeros += reg[j] == 0;
	}
	est = alpha * HLL_M * HLL_M / sum;
	if (est <= 2.5 * HLL_M && zeros > 0)
		est = HLL_M * log((double)HLL_M / zeros);
	return floor(est + 0.5);
}

/* ---- aggregates and conditions ---- */

/* Insert @p h into the scratch set, open addressing over its first
 * @p mask + 1 slots (a power of two of at least twice the values to come,
 * at most dset_mask + 1): a key's few values then stay in a few hot cache
 * lines instead of one miss each across the whole scratch. */
static bool
dset_insert(struct weir_window_table *t, uint32_t mask, uint64_t h)
{
	uint32_t j = (uint32_t)window_mix(h) & mask;

	for (;;) {
		if (t->dset_gen[j] != t->dset_cur) {
			t->dset_gen[j] = t->dset_cur;
			t->dset_key[j] = h;
			return true;
		}
		if (t->dset_key[j] == h)
			return false;
		j = (j + 1) & mask;
	}
}

static void
dset_reset(struct weir_window_table *t)
{
	if (++t->dset_cur == 0) {
		memset(t->dset_gen, 0, ((size_t)t->dset_mask + 1) * sizeof(uint32_t));
		t->dset_cur = 1;
	}
}

static double
entry_agg(struct weir_window_table *t, const struct wentry *e, uint32_t ci)
{
	const struct weir_window_def *d = &t->defs[e->def];
	const struct wdefmeta *m = &t->meta[e->def];
	uint8_t agg = d->cond[ci].agg;
	int vi = m->vidx[ci];
	double acc = 0;
	uint64_t distinct = 0;
	uint32_t c = e->head, k = e->head_off, left = e->n;
	bool first = true;
	uint32_t si = NIL, dmask = t->dset_mask;
	double est = 0;

	if (agg == WEIR_WAGG_COUNT)
		return (double)e->n;
	if (agg == WEIR_WAGG_DISTINCT) {
		si = entry_sketch(t, e);
		if (si != NIL) {
			/* past the store: the estimate, but never below what the
			 * store itself shows (its observations are in the window),
			 * which cannot be more than its length */
			est = sk_estimate(t, si, ci, entry_newest(t, e), d->length_ns);
			if (est >= (double)e->n)
				return est;
		}
		dset_reset(t);
		dmask = pow2_at_least(2ull * e->n) - 1u;
		if (dmask > t->dset_mask)
			dmask = t->dset_mask;
	}
	while (left > 0) {
		const struct wchunk *ch = slot_ptr(t, c);
		uint32_t end = c == e->tail ? e->tail_off : m->rpc;

		for (; k < end; k++, left--) {
			uint64_t w = ch->w[(size_t)k * m->rw + (size_t)vi];
			double v;

			if (agg == WEIR_WAGG_DISTINCT) {
				distinct += dset_insert(t, dmask, w);
				continue;
			}
			memcpy(&v, &w, sizeof(v));
			if (agg == WEIR_WAGG_SUM)
				acc += v;
			else if (first || (agg == WEIR_WAGG_MIN ? v < acc : v > acc))
				acc = v;
			first = false;
		}
		c = ch->next;
		k = 0;
	}
	if (agg != WEIR_WAGG_DISTINCT)
		return acc;
	return est > (double)distinct ? est : (double)distinct;
}

static bool
cond_holds(uint8_t op, double v, double n)
{
	switch (op) {
	case WEIR_WOP_GT:
		return v > n;
	case WEIR_WOP_GE:
		return v >= n;
	case WEIR_WOP_LT:
		return v < n;
	case WEIR_WOP_LE:
		return v <= n;
	default:
		return v == n;
	}
}

/* ---- applying ---- */

static void
window_apply(struct weir_window_table *t, const struct weir_window_obs *o, const void *aux,
	     uint32_t b)
{
	const struct weir_window_def *d = &t->defs[o->def];
	const struct wdefmeta *m = &t->meta[o->def];
	struct weir_window_result res;
	struct wentry *e;
	uint64_t *r, now;
	bool late;
	uint32_t i;

	t->st.applied++;
	if (!t->applied_any || o->t_ns > t->last_applied)
		t->last_applied = o->t_ns;
	t->applied_any = true;

	i = entry_find_in(t, b, o->def, o->key_hash, o->key, o->key_len);
	if (i == NIL) {
		i = entry_new(t, o->def, o->key_hash, o->key, o->key_len);
		if (i == NIL) {
			t->st.key_overflow++; /* no memory even for the key */
			return;
		}
	} else if (t->lru_tail != i) {
		lru_unlink(t, &t->slots[i]);
		lru_push_tail(t, i);
	}
	e = &t->slots[i];
	late = e->n > 0 && o->t_ns < entry_newest(t, e);
	if (e->n >= t->conf.max_events_per_key) {
		if (m->dmask != 0)
			sk_overflow(t, i, o->t_ns);
		e = &t->slots[i];
		entry_pop_front(t, e);
		t->st.key_overflow++;
	}
	if (!entry_reserve(t, i)) {
		t->st.key_overflow++;
		return;
	}
	e = &t->slots[i];
	r = rec_ptr(t, e->tail, e->tail_off, m->rw);
	r[0] = o->t_ns;
	for (uint32_t c = 0; c < d->n_cond; c++)
		if (m->vidx[c] >= 0)
			memcpy(&r[m->vidx[c]], &o->v[c], sizeof(uint64_t));
	e->tail_off++;
	e->n++;
	/* a late observation (late_apply) goes to its place in time order,
	 * after the records of the same time */
	for (uint32_t k = e->n - 1u; late && k > 0; k--) {
		uint64_t *a = entry_rec_at(t, e, k - 1u), *b = entry_rec_at(t, e, k);
		uint64_t tmp[1 + WEIR_WINDOW_COND_MAX];

		if (a[0] <= b[0])
			break;
		memcpy(tmp, a, m->rw * sizeof(uint64_t));
		memcpy(a, b, m->rw * sizeof(uint64_t));
		memcpy(b, tmp, m->rw * sizeof(uint64_t));
	}
	/* the key's window ends at its newest observation */
	now = entry_newest(t, e);
	while (e->n > 0 && now >= d->length_ns && entry_oldest(t, e) <= now - d->length_ns)
		entry_pop_front(t, e);
	if (e->fired & ENTRY_SKETCH) {
		uint32_t si = entry_sketch(t, e);

		if (expired(((struct wsketch *)slot_ptr(t, si))->overflow_t, now, d->length_ns)) {
			/* every observation the store dropped has expired: it
			 * holds the whole window again, distinct is exact */
			sketch_drop(t, e);
		} else if (!expired(o->t_ns, now, d->length_ns)) {
			uint64_t h[WEIR_WINDOW_COND_MAX];

			for (uint32_t c = 0; c < WEIR_WINDOW_COND_MAX; c++)
				h[c] = o->v[c].hash;
			sk_add(t, i, si, o->t_ns, h, now);
			e = &t->slots[i];
		}
	}
	/* a late one already outside its key's window changes nothing */
	if (e->n == 0 || (now >= d->length_ns && o->t_ns <= now - d->length_ns))
		return;

	/* fire once, quiet: nothing to evaluate (skips the scans) */
	if (!d->fire_each && (e->fired & ENTRY_FIRED) && o->t_ns < e->fired_t + d->length_ns)
		return;
	memset(&res, 0, sizeof(res));
	res.count = e->n;
	for (uint32_t c = 0; c < d->n_cond; c++) {
		res.agg[c] = entry_agg(t, e, c);
		if (!cond_holds(d->cond[c].op, res.agg[c], d->cond[c].n))
			return;
	}
	if (!d->fire_each) {
		e->fired |= ENTRY_FIRED;
		e->fired_t = o->t_ns;
	}
	res.first_ts_ns = entry_oldest(t, e);
	res.last_ts_ns = now;
	t->st.alerts++;
	t->fire(t->ctx, d, o, &res, aux);
}

/* ---- pending heap ---- */

static bool
heap_less(const struct wheapnode *a, const struct wheapnode *b)
{
	if (a->t != b->t)
		return a->t < b->t;
	if (a->order != b->order)
		return a->order < b->order;
	return a->seq < b->seq;
}

static void
heap_push(struct weir_window_table *t, struct wheapnode n)
{
	uint32_t i = t->n_heap++;

	while (i > 0) {
		uint32_t p = (i - 1) / 2;

		if (!heap_less(&n, &t->heap[p]))
			break;
		t->heap[i] = t->heap[p];
		i = p;
	}
	t->heap[i] = n;
}

static struct wheapnode
heap_pop(struct weir_window_table *t)
{
	struct wheapnode top = t->heap[0], last = t->heap[--t->n_heap];
	uint32_t i = 0, n = t->n_heap;

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && heap_less(&t->heap[c + 1], &t->heap[c]))
			c++;
		if (!heap_less(&t->heap[c], &last))
			break;
		t->heap[i] = t->heap[c];
		i = c;
	}
	if (n > 0)
		t->heap[i] = last;
	return top;
}

/* An offered observation up to the pending buffer: 1 = queue it, 0 =
 * taken (a late one applied at once or dropped), -1 = refused (counted). */
static int
window_admit(struct weir_window_table *t, const struct weir_window_obs *o, const void *aux)
{
	t->st.observations++;
	if (o->def >= t->n_defs || o->key_len > WEIR_WINDOW_KEY_MAX) {
		t->st.pending_full++; /* a caller bug: refused like a full buffer */
		return -1;
	}
	if (t->applied_any && o->t_ns < t->last_applied) {
		t->st.late++;
		if (!t->conf.late_apply) {
			t->st.late_dropped++;
			return 0;
		}
		window_apply(t, o, aux, window_bucket(t, o->def, o->key_hash));
		return 0;
	}
	if (t->n_pfree == 0) {
		t->st.pending_full++;
		return -1;
	}
	return 1;
}

/* Into the heap: pending record @p rec holds @p o. Its bucket head is
 * fetched now, so that applying it (after the burst) finds it cached. */
static void
window_queue(struct weir_window_table *t, const struct weir_window_obs *o, uint32_t rec)
{
	struct wheapnode n;

	n.t = o->t_ns;
	n.order = o->order;
	n.seq = t->seq++;
	n.rec = rec;
	n.bucket = window_bucket(t, o->def, o->key_hash);
	__builtin_prefetch(&t->buckets[n.bucket]);
	heap_push(t, n);
}

bool
weir_window_offer(struct weir_window_table *t, const struct weir_window_obs *o, const void *aux)
{
	uint8_t *p;
	uint32_t rec;
	int r = window_admit(t, o, aux);

	if (r <= 0)
		return r == 0;
	rec = t->pfree[--t->n_pfree];
	p = t->precs + (size_t)rec * t->prec_size;
	memcpy(p, o, sizeof(*o));
	if (t->conf.aux_size > 0) {
		if (aux != NULL)
			memcpy(p + sizeof(*o), aux, t->conf.aux_size);
		else
			memset(p + sizeof(*o), 0, t->conf.aux_size);
	}
	window_queue(t, o, rec);
	return true;
}

struct weir_window_obs *
weir_window_reserve(struct weir_window_table *t, void **aux)
{
	uint8_t *p;

	if (t->n_pfree == 0)
		return NULL;
	p = t->precs + (size_t)t->pfree[t->n_pfree - 1] * t->prec_size;
	*aux = t->conf.aux_size > 0 ? p + sizeof(struct weir_window_obs) : NULL;
	return (struct weir_window_obs *)p;
}

bool
weir_window_commit(struct weir_window_table *t)
{
	uint32_t rec = t->pfree[t->n_pfree - 1];
	uint8_t *p = t->precs + (size_t)rec * t->prec_size;
	const struct weir_window_obs *o = (const struct weir_window_obs *)p;
	int r = window_admit(t, o, t->conf.aux_size > 0 ? p + sizeof(*o) : NULL);

	if (r <= 0)
		return r == 0; /* the record stays free */
	t->n_pfree--;
	window_queue(t, o, rec);
	return true;
}

uint32_t
weir_window_advance(struct weir_window_table *t, uint64_t watermark_ns)
{
	uint32_t done = 0;

	while (t->n_heap > 0 && t->heap[0].t <= watermark_ns) {
		struct wheapnode n = heap_pop(t);
		const uint8_t *p = t->precs + (size_t)n.rec * t->prec_size;

		/* the next one's entry loads while this one is applied (its
		 * bucket head was fetched when it was queued) */
		if (t->n_heap > 0 && t->heap[0].t <= watermark_ns) {
			uint32_t nx = t->buckets[t->heap[0].bucket];

			if (nx != NIL)
				__builtin_prefetch(&t->slots[nx]);
		}
		window_apply(t, (const struct weir_window_obs *)p,
			     t->conf.aux_size > 0 ? p + sizeof(struct weir_window_obs) : NULL,
			     n.bucket);
		t->pfree[t->n_pfree++] = n.rec;
		done++;
	}
	return done;
}

void
weir_window_stats(const struct weir_window_table *t, struct weir_window_stats *st)
{
	*st = t->st;
	st->state_bytes = (uint64_t)t->used * SLOT_SIZE;
	st->pending = t->n_heap;
}

/* ---- reload ---- */

static bool
window_def_same(const struct weir_window_def *a, const struct weir_window_def *b)
{
	if (a->sid != b->sid || a->rev != b->rev || a->clause_hash != b->clause_hash ||
	    a->n_cond != b->n_cond)
		return false;
	for (uint32_t i = 0; i < a->n_cond; i++)
		if (a->cond[i].agg != b->cond[i].agg)
			return false; /* a record layout that differs cannot be kept */
	return true;
}

/* Copy entry @p oi of @p old into @p t as definition @p nd. */
static void
window_copy_entry(struct weir_window_table *t, const struct weir_window_table *old, uint32_t oi,
		  uint32_t nd)
{
	const struct wentry *oe = &old->slots[oi];
	const struct wdefmeta *m = &old->meta[oe->def];
	uint8_t key[WEIR_WINDOW_KEY_MAX];
	size_t n = oe->key_len < ENTRY_KEY_INLINE ? oe->key_len : ENTRY_KEY_INLINE;
	uint32_t s = oe->key_more, len = oe->key_len - (uint32_t)n, i;
	struct wentry *e;

	memcpy(key, oe->key, n);
	while (len > 0) {
		const struct wkeyslot *k = slot_ptr(old, s);
		size_t c = len < KEY_SLOT_BYTES ? len : KEY_SLOT_BYTES;

		memcpy(key + n, k->b, c);
		n += c;
		len -= (uint32_t)c;
		s = k->next;
	}
	i = entry_new(t, nd, oe->key_hash, key, oe->key_len);
	if (i == NIL)
		return;
	for (uint32_t k = 0; k < oe->n; k++) {
		const uint64_t *src = entry_rec_at(old, oe, k);

		if (!entry_reserve(t, i))
			return;
		e = &t->slots[i];
		memcpy(rec_ptr(t, e->tail, e->tail_off, m->rw), src, m->rw * sizeof(uint64_t));
		e->tail_off++;
		e->n++;
	}
	e = &t->slots[i];
	e->fired |= oe->fired & ENTRY_FIRED;
	e->fired_t = oe->fired_t;
	if (oe->fired & ENTRY_SKETCH) {
		const struct wsketch *os = slot_ptr(old, entry_sketch(old, oe));
		uint32_t si = sk_new(t, i);
		struct wsketch *sk;

		if (si == NIL)
			return;
		sk = slot_ptr(t, si);
		sk->base = os->base;
		sk->overflow_t = os->overflow_t;
		for (uint32_t c = os->head; c != NIL; c = sk_next(old, c)) {
			uint32_t k = c == os->head ? os->head_off : 0;
			uint32_t hi = c == os->tail ? os->tail_off : CHUNK_WORDS;

			for (; k < hi; k++)
				if (HW_RANK(*sk_word(old, c, k)) != 0 &&
				    !sk_push(t, i, si, *sk_word(old, c, k)))
					return;
			if (c == os->tail)
				break;
		}
		sk->compact_at = sk->n + HLL_COMPACT;
	}
}

struct weir_window_table *
weir_window_table_rebuild(const struct weir_window_table *old, const struct weir_window_def *defs,
			  uint32_t n_defs, weir_window_fire_fn fire, void *ctx, uint32_t *kept,
			  uint32_t *reset)
{
	struct weir_window_table *t;
	uint32_t *map;
	uint32_t nk = 0, nr = 0;
	uint64_t keys, evicted;

	if (old == NULL) {
		errno = EINVAL;
		return NULL;
	}
	/* map[old def] = new def + 1, 0: not kept */
	map = calloc(old->n_defs + 1u, sizeof(*map));
	if (map == NULL)
		return NULL;
	t = window_alloc(&old->conf, defs, n_defs, fire, ctx);
	if (t == NULL) {
		free(map);
		return NULL;
	}
	for (uint32_t i = 0; i < n_defs; i++) {
		bool found = false;

		for (uint32_t j = 0; j < old->n_defs && !found; j++)
			if (map[j] == 0 && window_def_same(&old->defs[j], &defs[i])) {
				map[j] = i + 1;
				found = true;
			}
		if (found)
			nk++;
		else
			nr++;
	}
	/* oldest first, so the LRU order carries over */
	for (uint32_t i = old->lru_head; i != NIL; i = old->slots[i].next)
		if (map[old->slots[i].def] != 0)
			window_copy_entry(t, old, i, map[old->slots[i].def] - 1);
	keys = t->st.keys;
	evicted = t->st.evicted;
	/* counters continue the old table's (the caller swaps one for the other) */
	t->st = old->st;
	t->st.keys = keys;
	t->st.evicted += evicted;
	/* pending observations of kept rules stay pending, with their seq */
	for (uint32_t h = 0; h < old->n_heap; h++) {
		const struct wheapnode *on = &old->heap[h];
		const uint8_t *op = old->precs + (size_t)on->rec * old->prec_size;
		struct weir_window_obs *o;
		struct wheapnode n = *on;

		if (map[((const struct weir_window_obs *)op)->def] == 0) {
			t->st.reload_pending_dropped++;
			continue;
		}
		n.rec = t->pfree[--t->n_pfree];
		o = (struct weir_window_obs *)(t->precs + (size_t)n.rec * t->prec_size);
		memcpy(o, op, old->prec_size);
		o->def = map[o->def] - 1;
		n.bucket = window_bucket(t, o->def, o->key_hash);
		heap_push(t, n);
	}
	free(map);
	t->seq = old->seq;
	t->applied_any = old->applied_any;
	t->last_applied = old->last_applied;
	if (kept != NULL)
		*kept = nk;
	if (reset != NULL)
		*reset = nr;
	return t;
}

/* ---- introspection and restore ---- */

uint32_t
weir_window_record_words(const struct weir_window_def *def)
{
	struct wdefmeta m;

	window_meta(def, &m);
	return m.rw;
}

const struct weir_window_def *
weir_window_defs(const struct weir_window_table *t, uint32_t *n)
{
	*n = t->n_defs;
	return t->defs;
}

int
weir_window_walk(const struct weir_window_table *t, weir_window_walk_fn fn, void *arg)
{
	size_t cap = (size_t)t->conf.max_events_per_key * (1 + WEIR_WINDOW_COND_MAX) +
		     2 * (size_t)sk_cap(0xf);
	uint64_t *buf;
	int rc = 0;

	buf = malloc(cap * sizeof(uint64_t));
	if (buf == NULL)
		return -ENOMEM;
	for (uint32_t i = t->lru_head; i != NIL && rc == 0; i = t->slots[i].next) {
		const struct wentry *e = &t->slots[i];
		const struct wdefmeta *m = &t->meta[e->def];
		struct weir_window_entry v;
		size_t n = e->key_len < ENTRY_KEY_INLINE ? e->key_len : ENTRY_KEY_INLINE;
		uint32_t s = e->key_more, left = e->key_len - (uint32_t)n;
		uint32_t c = e->head, k = e->head_off, w = 0;

		memset(&v, 0, sizeof(v));
		v.def = e->def;
		v.key_hash = e->key_hash;
		v.key_len = e->key_len;
		v.fired = e->fired;
		v.fired_t = e->fired_t;
		v.n = e->n;
		memcpy(v.key, e->key, n);
		while (left > 0) {
			const struct wkeyslot *ks = slot_ptr(t, s);
			size_t cn = left < KEY_SLOT_BYTES ? left : KEY_SLOT_BYTES;

			memcpy(v.key + n, ks->b, cn);
			n += cn;
			left -= (uint32_t)cn;
			s = ks->next;
		}
		for (uint32_t r = 0; r < e->n; r++) {
			if (k == m->rpc) {
				c = ((struct wchunk *)slot_ptr(t, c))->next;
				k = 0;
			}
			memcpy(&buf[w], rec_ptr(t, c, k, m->rw), m->rw * sizeof(uint64_t));
			w += m->rw;
			k++;
		}
		if (e->fired & ENTRY_SKETCH) {
			const struct wsketch *sk = slot_ptr(t, entry_sketch(t, e));

			v.sketch = true;
			v.overflow_t = sk->overflow_t;
			if (w + 2 * (size_t)sk->n > cap) {
				uint64_t *nb;

				cap = w + 2 * (size_t)sk->n;
				nb = realloc(buf, cap * sizeof(uint64_t));
				if (nb == NULL) {
					rc = -ENOMEM;
					break;
				}
				buf = nb;
			}
			for (uint32_t sc = sk->head; sc != NIL; sc = sk_next(t, sc)) {
				uint32_t sk_k = sc == sk->head ? sk->head_off : 0;
				uint32_t hi = sc == sk->tail ? sk->tail_off : CHUNK_WORDS;

				for (; sk_k < hi; sk_k++) {
					uint64_t sw = *sk_word(t, sc, sk_k);

					if (HW_RANK(sw) == 0)
						continue;
					buf[w++] = sk->base + HW_DELTA(sw);
					buf[w++] = sw & WEIR_WINDOW_SKETCH_WORD_MASK;
					v.n_sketch++;
				}
				if (sc == sk->tail)
					break;
			}
		}
		rc = fn(arg, &v, buf);
	}
	free(buf);
	return rc;
}

int
weir_window_sketch_check(const struct weir_window_def *def, uint32_t n, const uint64_t *words)
{
	struct wdefmeta m;
	uint64_t lo = UINT64_MAX, hi = 0;

	window_meta(def, &m);
	if (m.dmask == 0 || n > sk_cap(m.dmask))
		return -EINVAL;
	for (uint32_t k = 0; k < n; k++) {
		uint64_t tm = words[2 * k], w = words[2 * k + 1];

		if ((w & ~(uint64_t)WEIR_WINDOW_SKETCH_WORD_MASK) != 0 || HW_RANK(w) == 0 ||
		    HW_RANK(w) > HLL_RANK_MAX || !(m.dmask & (1u << HW_COND(w))))
			return -EINVAL;
		lo = tm < lo ? tm : lo;
		hi = tm > hi ? tm : hi;
	}
	if (n > 0 && hi - lo >= 1ull << HLL_DELTA_BITS)
		return -EINVAL;
	return 0;
}

int
weir_window_restore(struct weir_window_table *t, const struct weir_window_entry *e,
		    const uint64_t *recs)
{
	const struct wdefmeta *m;
	uint32_t i, skip = 0;
	struct wentry *we;

	if (e->def >= t->n_defs || e->key_len > WEIR_WINDOW_KEY_MAX || (e->n > 0 && recs == NULL))
		return -EINVAL;
	m = &t->meta[e->def];
	for (uint32_t r = 1; r < e->n; r++)
		if (recs[(size_t)r * m->rw] < recs[(size_t)(r - 1) * m->rw])
			return -EINVAL;
	if (e->sketch && weir_window_sketch_check(&t->defs[e->def], e->n_sketch,
						  &recs[(size_t)e->n * m->rw]) != 0)
		return -EINVAL;
	if (entry_find(t, e->def, e->key_hash, e->key, e->key_len) != NIL)
		return -EEXIST;
	i = entry_new(t, e->def, e->key_hash, e->key, e->key_len);
	if (i == NIL)
		return -ENOMEM;
	if (e->n > t->conf.max_events_per_key)
		skip = e->n - t->conf.max_events_per_key;
	for (uint32_t r = skip; r < e->n; r++) {
		if (!entry_reserve(t, i)) {
			entry_destroy(t, i);
			return -ENOMEM;
		}
		we = &t->slots[i];
		memcpy(rec_ptr(t, we->tail, we->tail_off, m->rw), &recs[(size_t)r * m->rw],
		       m->rw * sizeof(uint64_t));
		we->tail_off++;
		we->n++;
	}
	we = &t->slots[i];
	we->fired |= e->fired ? ENTRY_FIRED : 0;
	we->fired_t = e->fired_t;
	if (e->sketch) {
		const uint64_t *sr = &recs[(size_t)e->n * m->rw];
		uint64_t base = UINT64_MAX;
		uint32_t si;
		struct wsketch *sk;

		for (uint32_t k = 0; k < e->n_sketch; k++)
			if (sr[2 * k] < base)
				base = sr[2 * k];
		si = sk_new(t, i);
		if (si == NIL) {
			entry_destroy(t, i);
			return -ENOMEM;
		}
		sk = slot_ptr(t, si);
		sk->base = e->n_sketch > 0 ? base : 0;
		sk->overflow_t = e->overflow_t;
		for (uint32_t k = 0; k < e->n_sketch; k++) {
			if (!sk_push(t, i, si, (sr[2 * k] - base) << 17 | sr[2 * k + 1])) {
				entry_destroy(t, i);
				return -ENOMEM;
			}
		}
		sk->compact_at = sk->n + HLL_COMPACT;
	}
	return 0;
}

uint32_t
weir_window_sweep(struct weir_window_table *t, uint64_t now_ns)
{
	uint32_t dropped = 0, i = t->lru_head;

	while (i != NIL) {
		struct wentry *e = &t->slots[i];
		uint64_t w = t->defs[e->def].length_ns;
		uint32_t nx = e->next;

		if (e->n == 0 || (now_ns >= w && entry_newest(t, e) <= now_ns - w)) {
			entry_destroy(t, i);
			dropped++;
		}
		i = nx;
	}
	return dropped;
}
