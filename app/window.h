/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Window state of one owner (tracker issue 18): per (window rule, key) the
 * observations of the last W of event time, their aggregates (count, sum,
 * min, max, distinct), the conditions that raise an alert, fire once or
 * each, a pending buffer applied in event-time order as the watermark
 * passes, late observations, a memory cap with least-recently-updated
 * eviction, and a checkpoint of it all (app/window_ckpt.h).
 *
 * Semantics (README "Stateful rules (windows)"): the window of a key at
 * time t holds its observations with time in (t - W, t]. Observations are
 * applied in order of (t_ns, order); after each, those with time <=
 * t - W expire and the conditions are evaluated over the rest. `fire
 * once`: after firing at tf the (rule, key) is quiet until an observation
 * with t >= tf + W.
 *
 * One weir_window_table per owner, single-threaded: no locks, no
 * allocation after weir_window_table_create() (memory is one block sized
 * by the memcap). Which thread owns which keys, the rings that bring
 * observations to it and the watermark's source are the caller's
 * (app/worker.c).
 *
 * Details the engine fixes (app/window.c's header has the layout):
 * - a (rule, key)'s window ends at its newest applied observation: a late
 *   observation applied at once (late_apply) is put in time order, and if
 *   it is already outside its key's window (t <= newest - W) it changes
 *   nothing (counted applied, no evaluation, no alert);
 * - a per-key overflow drops the oldest observation by time; a key alone
 *   over the memcap gives up its own oldest observations (key_overflow);
 * - sum is added oldest first, min/max are exact over the observations
 *   kept; distinct is exact (over the 64-bit value hashes) while the
 *   window fits max_events_per_key, then a sliding HyperLogLog of
 *   WEIR_WINDOW_HLL_M registers (relative standard error 1.04 / sqrt(m) =
 *   4.6 %) until what was dropped has expired (app/window.c "distinct
 *   past the store");
 * - accounting: observations = applied + late_dropped + pending_full +
 *   pending + reload_pending_dropped (late ones applied count in applied).
 */
#ifndef WEIR_WINDOW_H
#define WEIR_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEIR_WINDOW_COND_MAX 4	/* conditions per rule (AND) */
#define WEIR_WINDOW_KEY_MAX  96 /* bytes of a rendered key (fields joined) */

/* Distinct past the store (app/window.c "distinct past the store"): a
 * sliding HyperLogLog of 2^WEIR_WINDOW_HLL_P registers per distinct
 * condition; relative standard error 1.04 / sqrt(WEIR_WINDOW_HLL_M). */
#define WEIR_WINDOW_HLL_P 9
#define WEIR_WINDOW_HLL_M (1u << WEIR_WINDOW_HLL_P)
/* a sketch word as weir_window_walk() shows it: condition << 15 |
 * register << 6 | rank (1..56) */
#define WEIR_WINDOW_SKETCH_WORD_MASK 0x1ffffu

enum weir_window_agg {
	WEIR_WAGG_COUNT = 0,
	WEIR_WAGG_SUM,
	WEIR_WAGG_MIN,
	WEIR_WAGG_MAX,
	WEIR_WAGG_DISTINCT,
};

enum weir_window_op {
	WEIR_WOP_GT = 0, /* > */
	WEIR_WOP_GE,	 /* >= */
	WEIR_WOP_LT,	 /* < */
	WEIR_WOP_LE,	 /* <= */
	WEIR_WOP_EQ,	 /* == */
};

struct weir_window_cond {
	uint8_t agg; /* enum weir_window_agg */
	uint8_t op;  /* enum weir_window_op */
	double n;    /* the threshold */
};

/* One window rule, as the rule compiler built it (rules/). */
struct weir_window_def {
	uint32_t sid;
	uint32_t rev;
	uint64_t clause_hash; /* of the rule's window: and field: clauses' text:
				 reload and checkpoint keep state only when
				 (sid, rev, clause_hash) is unchanged */
	uint64_t length_ns;   /* W */
	uint8_t n_cond;
	bool fire_each; /* false: fire once per key per W */
	struct weir_window_cond cond[WEIR_WINDOW_COND_MAX];
};

/* One observation. v[i] is the value for cond[i]: a number for sum, min
 * and max; for distinct a 64-bit keyed hash of the field's value in
 * v[i].hash; unused for count. */
struct weir_window_obs {
	uint64_t t_ns;	   /* event time */
	uint64_t order;	   /* tie-break after t_ns (offline: pcap_cnt; else
			      an arrival sequence) */
	uint64_t key_hash; /* keyed hash of key[0..key_len) (the caller's) */
	uint32_t def;	   /* index into the definitions given to the table */
	uint16_t key_len;
	uint8_t key[WEIR_WINDOW_KEY_MAX]; /* the key as alerts show it (sensitive
					     parts already rendered) */
	union {
		double num;
		uint64_t hash;
	} v[WEIR_WINDOW_COND_MAX];
};

/* What a firing reports: the aggregates over the window after the
 * observation that completed the conditions. */
struct weir_window_result {
	uint64_t count;
	double agg[WEIR_WINDOW_COND_MAX]; /* cond[i]'s aggregate value */
	uint64_t first_ts_ns;		  /* oldest observation in the window */
	uint64_t last_ts_ns;		  /* newest (the completing one's) */
};

/* Called for each firing, on the owner's thread, while applying. @p aux
 * is the completing observation's caller bytes (see aux_size). */
typedef void (*weir_window_fire_fn)(void *ctx, const struct weir_window_def *def,
				    const struct weir_window_obs *obs,
				    const struct weir_window_result *res, const void *aux);

struct weir_window_conf {
	size_t memcap;		     /* bytes for this owner's whole state */
	uint32_t max_events_per_key; /* observations kept per (rule, key) */
	uint32_t pending_max;	     /* observations waiting for the watermark */
	uint32_t aux_size;	     /* caller bytes carried with each pending
					observation (event head, payload excerpt)
					and handed back to fire(); 0 = none */
	bool late_apply;	     /* late: apply at once (true) or drop */
	uint64_t hash_seed;
};

/* Counters of one table (the caller sums them into its worker's rows). */
struct weir_window_stats {
	uint64_t observations; /* given to weir_window_offer() */
	uint64_t applied;
	uint64_t alerts;
	uint64_t late;			 /* below the last applied time */
	uint64_t late_dropped;		 /* of them, dropped (late_apply off) */
	uint64_t pending_full;		 /* refused: pending buffer full */
	uint64_t key_overflow;		 /* oldest observation dropped: per-key bound */
	uint64_t evicted;		 /* keys evicted for memory */
	uint64_t keys;			 /* gauge: (rule, key) entries live */
	uint64_t state_bytes;		 /* gauge: bytes in use */
	uint64_t pending;		 /* gauge: observations waiting */
	uint64_t reload_pending_dropped; /* pending observations of a rule a
					    rebuild did not keep: dropped */
};

struct weir_window_table;

/** A table for @p n_defs rules (copied). NULL on a bad configuration or
 *  no memory. Thread: any, once. */
struct weir_window_table *weir_window_table_create(const struct weir_window_conf *conf,
						   const struct weir_window_def *defs,
						   uint32_t n_defs, weir_window_fire_fn fire,
						   void *ctx);

/**
 * Back the table's first @p bytes with memory now (weir_prefault), at
 * least its fixed part and bucket heads (read at random from the first
 * observation on) and at most all of it: slots are handed out from the
 * lowest, so the owner's first writes find their pages there instead of
 * faulting them in (a 2 MiB zeroing each where the kernel gives
 * transparent huge pages). Slots beyond are backed as they are first
 * used. @return 0 or -errno (what was backed stays).
 * Thread: any, before the table's first use (it blocks while the kernel
 * backs the range: never on a worker).
 */
int weir_window_table_prefault(struct weir_window_table *t, size_t bytes);

void weir_window_table_free(struct weir_window_table *t);

/** Hand over one observation (and @p aux, aux_size bytes, may be NULL
 *  when aux_size is 0): queued until the watermark passes its time. A
 *  late one is applied at once or dropped (conf.late_apply). @return
 *  false when refused (pending buffer full: counted). Owner's thread. */
bool weir_window_offer(struct weir_window_table *t, const struct weir_window_obs *o,
		       const void *aux);

/**
 * Offer without a copy: the pending record the next weir_window_commit()
 * offers, for the caller to fill in place (the observation, then aux_size
 * bytes at *@p aux, NULL when aux_size is 0). Nothing is counted yet.
 * @return NULL when the pending buffer is full: then offer the
 * observation with weir_window_offer() (a late one needs no record; the
 * others are refused and counted there). Owner's thread.
 */
struct weir_window_obs *weir_window_reserve(struct weir_window_table *t, void **aux);

/** Offer the record of the last weir_window_reserve() (no other call on
 *  @p t between them): as weir_window_offer(). Owner's thread. */
bool weir_window_commit(struct weir_window_table *t);

/** Apply, in (t_ns, order) order, every pending observation with
 *  t_ns <= @p watermark_ns (UINT64_MAX: all of them, at the end of input
 *  or shutdown), firing as they complete conditions. @return how many
 *  were applied. Owner's thread. */
uint32_t weir_window_advance(struct weir_window_table *t, uint64_t watermark_ns);

/** Bytes of state one (rule, key) entry costs at most for @p def under
 *  @p conf (rules check, weirctl). Thread: any. */
size_t weir_window_bytes_per_key(const struct weir_window_conf *conf,
				 const struct weir_window_def *def);

void weir_window_stats(const struct weir_window_table *t, struct weir_window_stats *st);

/**
 * Reload: a table for the new definitions that keeps, from @p old, the
 * state of every rule whose (sid, rev, clause_hash) is unchanged; the
 * others start empty. @p kept / @p reset count rules. @p old is left
 * intact (the caller frees it). NULL on failure (old stays in force).
 * The new table takes over old's conf and counters (its stats continue
 * old's), its last applied time and its pending observations of kept
 * rules; pending ones of other rules are dropped, counted in
 * reload_pending_dropped. Needs a second memcap-sized block while both
 * exist. Owner's thread.
 */
struct weir_window_table *weir_window_table_rebuild(const struct weir_window_table *old,
						    const struct weir_window_def *defs,
						    uint32_t n_defs, weir_window_fire_fn fire,
						    void *ctx, uint32_t *kept, uint32_t *reset);

/* ---- Introspection and restore (checkpoint, app/window_ckpt.c) ---- */

/** Words (uint64_t) of one stored observation of @p def: its t_ns, then
 *  one per condition that is not a count, in condition order (a number's
 *  bits or a distinct value's hash). Thread: any. */
uint32_t weir_window_record_words(const struct weir_window_def *def);

/** The table's definitions (@p n gets their number). Thread: any. */
const struct weir_window_def *weir_window_defs(const struct weir_window_table *t, uint32_t *n);

/* One (rule, key) entry as weir_window_walk() shows it. */
struct weir_window_entry {
	uint32_t def; /* index into weir_window_defs() */
	uint64_t key_hash;
	uint16_t key_len;
	uint8_t key[WEIR_WINDOW_KEY_MAX]; /* as the caller rendered it */
	bool fired;			  /* fire once: fired at fired_t */
	uint64_t fired_t;
	uint32_t n; /* observations, oldest first, n * record_words words */
	/* distinct past the store: the window overflowed max_events_per_key
	 * and a sketch counts its distinct values. Its n_sketch records follow
	 * the observations, two words each: time, then a sketch word (see
	 * WEIR_WINDOW_SKETCH_WORD_MASK), in no particular order. */
	bool sketch;
	uint64_t overflow_t; /* newest time the store dropped in the window */
	uint32_t n_sketch;
};

typedef int (*weir_window_walk_fn)(void *arg, const struct weir_window_entry *e,
				   const uint64_t *recs);

/**
 * Call @p fn for every entry, least recently updated first, with its
 * observations (@p recs, valid during the call). Stops at the first
 * non-zero return of @p fn and returns it. Allocates a scratch buffer:
 * not for the hot path. Owner's thread (or any while the owner is
 * stopped). @return 0, fn's return, or -ENOMEM.
 */
int weir_window_walk(const struct weir_window_table *t, weir_window_walk_fn fn, void *arg);

/** 0 when @p n sketch records (time, word pairs) are valid for @p def:
 *  words of its distinct conditions, ranks 1..56, times within 39 h of
 *  each other, no more than a sketch can hold; -EINVAL otherwise.
 *  Thread: any. */
int weir_window_sketch_check(const struct weir_window_def *def, uint32_t n, const uint64_t *words);

/**
 * Put back one entry (a checkpoint's): definition @p e->def of @p t, its
 * observations @p recs (e->n records of weir_window_record_words() words,
 * oldest first; beyond max_events_per_key the oldest are left out), fire
 * once state, and its sketch (e->sketch: e->n_sketch records after the
 * observations, see weir_window_entry). The entry becomes the most recently updated one; memory is
 * found as for an observation (eviction of others). The table's last
 * applied time is not changed (observations after a restart are not late
 * for the checkpoint's). @return 0, -EINVAL (bad def, key, order of
 * times), -EEXIST (the key is already there), -ENOMEM. Owner's thread.
 */
int weir_window_restore(struct weir_window_table *t, const struct weir_window_entry *e,
			const uint64_t *recs);

/**
 * Drop every entry whose newest observation is expired at @p now_ns
 * (time <= now_ns - W): after a restore, at the first event time seen.
 * Entries also expire lazily when their key is next updated; this only
 * returns their memory early. @return the entries dropped. Owner's thread.
 */
uint32_t weir_window_sweep(struct weir_window_table *t, uint64_t now_ns);

#endif /* WEIR_WINDOW_H */
