/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's side of window rules (tracker issue 18, README "Stateful
 * rules (windows)"): what happens between a window rule's match and its
 * window alert.
 *
 *   producer (the worker that matched): extract the rule's fields from
 *     the bytes inspected (rules/rules_field.h), render the key (sensitive
 *     parts masked or HMAC'd), hash it with a seeded keyed hash (SipHash-
 *     2-4), and hand the observation, with an aux block (the event head
 *     and a payload excerpt), to its owner = hash % workers: itself
 *     directly, another over a single-producer single-consumer ring of the
 *     (producer, owner) pair, created at start (windows.ring-size)
 *   owner (every worker, for its share of keys): drain its inbound rings
 *     every poll, offer to its weir_window_table (app/window.h), advance
 *     it to the watermark, and turn each firing into an alert event on its
 *     own event ring, with the window's context (event.h win_ctx_len)
 *   watermark: each worker publishes its progress (release); the
 *     watermark is the minimum over workers minus windows.allowed-lateness
 *   records (windows.observations): the producer also writes each
 *     observation as a compact JSON record into an event of its own ring
 *     (WEIR_EV_OBS, common/event.h), which the emitter routes to the
 *     observation sink only (Kafka, keyed by the key's keyed hash): a full
 *     ring drops it, counted (window_obs_ring_full, in drop_ring_full)
 *
 * Threads: weir_wwin_shared is built by main before launch and only read
 * after, except the per-worker progress words (each written by its
 * worker). Everything named weir_wwin_* below taking a weir_worker runs on
 * that worker's thread.
 */
#ifndef WEIR_WORKER_WINDOW_H
#define WEIR_WORKER_WINDOW_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules.h"
#include "rules_field.h"
#include "window.h"

struct rte_ring;
struct weir_worker;
struct weir_event;
struct weir_conf;

#define WEIR_WWIN_EXCERPT  128 /* payload bytes an observation carries */
#define WEIR_WWIN_HMAC_MAX 1024

/* One worker's published progress, alone on its cache line. */
struct weir_wwin_progress {
	_Atomic uint64_t ns;  /* event time up to which it produced everything */
	atomic_bool produced; /* it will make no more observations */
	uint8_t pad_[64 - sizeof(uint64_t) - sizeof(atomic_bool)];
} __attribute__((aligned(64)));

struct weir_wwin_shared {
	unsigned int n;		 /* workers (owners) */
	struct rte_ring **rings; /* [from * n + to], NULL where from == to */
	struct weir_wwin_progress *prog;
	uint64_t lateness_ns;
	uint8_t seed[16]; /* SipHash key of the key and distinct hashes */
	bool hmac;	  /* outputs.sensitive-rendering hmac (else mask) */
	uint8_t hmac_key[WEIR_WWIN_HMAC_MAX];
	size_t hmac_klen;
	struct weir_window_conf wconf; /* per owner */
	size_t prefault;	       /* bytes of an owner's table backed at start */
	char ckpt_path[4096];	       /* windows.state-dir/windows.ckpt, "" = none */
	_Atomic uint64_t ckpt_req;     /* + 1 per weirctl checkpoint */
	/* the pipeline's rx stage: the time up to which it has handed out
	 * every packet (struct weir_dispatch read_ts); NULL = no rx stage */
	const _Atomic uint64_t *read_ts;
	/* windows.observations: each observation also becomes a record
	 * (WEIR_EV_OBS) on its producer's event ring, for the observation
	 * sink (README "Observations to Kafka") */
	bool obs;
	char host[65]; /* the records' "host" (host-id) */
};

/* The json and kv fields last extracted from one record, on the
 * producer (weir_wwin_observe): the window rules that match a record
 * mostly name the same fields (a card, a time), and each would otherwise
 * search the record for them again and mask and hash them again. An
 * extraction reads only the record's bytes and the field's definition, so
 * a record equal byte for byte gives the same values: the cache holds a
 * copy of the record it belongs to, and an entry per distinct json/kv
 * definition of the rule set (struct weir_wwin_pmap's fid), valid while
 * its stamp is the record's. */
#define WEIR_WWIN_FC_REC   512 /* longest record cached, bytes */
#define WEIR_WWIN_FC_N	   32  /* distinct json/kv definitions cached */
#define WEIR_WWIN_FID_NONE 0xffu

struct weir_wwin_fval {
	uint32_t gen;  /* = the cache's gen: holds this record's value */
	uint8_t res;   /* enum weir_field_res */
	bool hashed;   /* hash is set */
	int16_t rn;    /* bytes of rend, -1 = not rendered yet */
	uint8_t t_how; /* 1 + the time= of t_ns, 0 = not parsed yet */
	bool t_ok;     /* it parsed (weir_wwin_parse_time) */
	uint64_t t_ns;
	uint64_t hash;		       /* SipHash of the value (a sensitive one's digits) */
	char rend[WEIR_FIELD_MAX + 8]; /* a sensitive value as keys show it */
	struct weir_field_val v;
};

struct weir_wwin_fcache {
	uint32_t rec_len; /* bytes in rec, 0 = none */
	uint32_t gen;	  /* the record's stamp, never 0 */
	uint8_t rec[WEIR_WWIN_FC_REC];
	struct weir_wwin_fval e[WEIR_WWIN_FC_N];
};

/* What the producer looks up per observation, worked out once per rule
 * set (weir_wwin_start, weir_wwin_rules_changed): a window rule's
 * definition index, the fields its key, conditions and time read, and
 * its json/kv fields' cache entries. */
struct weir_wwin_pdef {
	uint8_t need;		      /* bit i: field i is read */
	uint8_t fid[WEIR_RFIELD_MAX]; /* cache entry, WEIR_WWIN_FID_NONE = none */
};

struct weir_wwin_pmap {
	const struct weir_ruleset *rs; /* built for, NULL = none */
	uint32_t n_rules;
	uint32_t *def_of;	   /* [rule index]: definition, UINT32_MAX = none */
	struct weir_wwin_pdef *pd; /* [definition] */
};

/* A worker's window state (inside struct weir_worker). */
struct weir_wwin {
	const struct weir_wwin_shared *sh;
	struct weir_window_table *table;
	struct weir_window_def *defs; /* the table's, from table_rs */
	uint32_t n_defs;
	uint32_t table_gen; /* generation of the rule set the table was built for */
	const struct weir_ruleset *table_rs;
	struct weir_wwin_fcache *fc;   /* NULL: none (no memory at start) */
	struct weir_wwin_pmap pm;      /* pm.rs != w->rs: looked up per observation */
	uint64_t seq;		       /* arrival order of live observations */
	uint64_t others_max;	       /* other workers' progress at the loop's top */
	struct weir_window_stats base; /* counters of the tables replaced */
	/* this worker's counters since the last publication */
	uint64_t observations, field_missing, field_bad, ring_full, alerts;
	uint64_t diverted, diverted_stream; /* matches that made no alert */
	uint64_t reload_kept, reload_reset, remap_lost;
	uint64_t reported_rpd; /* reload_pending_dropped already published */
	uint64_t ckpt_restored, ckpt_refused;
	uint64_t obs_records, obs_ring_full, obs_too_long; /* windows.observations */
	uint64_t obs_seq; /* the records' own weir.seq (alerts keep theirs gapless) */
	/* checkpoint: the table's state, dumped on this worker's thread at a
	 * request (weir_wwin_ckpt_request) or at the end, written by main */
	void *ckpt_blk; /* for a request (the control thread takes it) */
	size_t ckpt_len;
	void *final_blk; /* at the end (main takes it once the workers stopped) */
	size_t final_len;
	uint64_t ckpt_seen;	    /* last request served */
	_Atomic uint64_t ckpt_done; /* = ckpt_seen once ckpt_blk is ready (release) */
};

/**
 * Build the shared part for @p n workers from @p conf: rings (when
 * n > 1 and @p with_rings: the rule set has window rules; each ring is
 * windows.ring-size x 528 bytes, n x (n - 1) of them), progress words, the table configuration,
 * the hash seed and the HMAC key. @p err gets a reason on failure. Main thread, before launch.
 * @return 0 or -errno.
 */
int weir_wwin_shared_init(struct weir_wwin_shared *sh, unsigned int n, const struct weir_conf *conf,
			  bool with_rings, char *err, size_t errlen);
void weir_wwin_shared_fini(struct weir_wwin_shared *sh);

/**
 * Refuse a rule set whose window rules the configuration cannot honour
 * (a count > N or count >= N with N >= windows.max-events-per-key): one
 * "file:line: sid N: ..." line per rule into @p out (cut to @p cap).
 * @return the number of such rules. Thread: any.
 */
unsigned int weir_wwin_check(const struct weir_ruleset *rs, uint32_t max_events, char *out,
			     size_t cap);

/** Create the worker's table for rule set @p rs and, when it has window
 *  rules, back its first sh->prefault bytes (weir_window_table_prefault).
 *  Main thread, before launch. @return 0 or -ENOMEM. */
int weir_wwin_start(struct weir_worker *w, const struct weir_wwin_shared *sh,
		    const struct weir_ruleset *rs);

/**
 * windows.restore: load the checkpoint into the @p n workers' tables
 * (before launch). A missing file is no error; a bad one is refused with
 * one log line and renamed to windows.ckpt.refused (window_ckpt_refused).
 * Main thread.
 */
void weir_wwin_restore(struct weir_worker *const *ws, unsigned int n);

/**
 * Write the checkpoint from the blocks the @p n workers dumped (at their
 * end, or for request @p req). @return 0, 1 when there is nothing to
 * write (no window rule, no state-dir), or -errno (logged). Main or
 * control thread, while the workers do not touch their blocks.
 */
int weir_wwin_ckpt_write(struct weir_worker *const *ws, unsigned int n, bool final, char *err,
			 size_t errlen);

/** weirctl checkpoint: ask every running worker for its block, wait for
 *  them (at most @p timeout_ms), write the file. Control thread.
 *  @return as weir_wwin_ckpt_write(), -ETIMEDOUT. */
int weir_wwin_ckpt_now(struct weir_wwin_shared *sh, struct weir_worker *const *ws, unsigned int n,
		       unsigned int timeout_ms, char *err, size_t errlen);

/* The worker's thread. */
void weir_wwin_stop(struct weir_worker *w);
/** The worker switched to rule set w->rs: rebuild the table (keeps the
 *  state of unchanged rules). */
void weir_wwin_rules_changed(struct weir_worker *w);
/** A match of window rule @p idx on the packet or stream bytes @p buf
 *  (@p len, the match ending at @p match_end); @p ev holds the event head
 *  the alert would have had (payload not needed). */
void weir_wwin_observe(struct weir_worker *w, uint32_t idx, const uint8_t *buf, uint32_t len,
		       uint32_t match_end, const struct weir_event *head, const uint8_t *payload,
		       uint32_t payload_len, bool stream);
/** Top of a poll: note the other workers' progress (before the poll). */
void weir_wwin_poll_begin(struct weir_worker *w);
/** After a poll: publish progress (@p got packets, the last at
 *  @p last_ts; 0 packets: idle, @p now_ns the capture's time or 0
 *  offline), drain inbound rings, apply up to the watermark. */
void weir_wwin_poll_end(struct weir_worker *w, unsigned int got, uint64_t last_ts, uint64_t now_ns);
/** End of input or stop: produce nothing more, wait for every other
 *  worker to say the same while draining, apply everything. */
void weir_wwin_finish(struct weir_worker *w);
/** Inside the stats window: add the window counters to w->st. */
void weir_wwin_publish(struct weir_worker *w);

/* Pure helpers (unit tested). */
/** SipHash-2-4 of @p len bytes under the 16-byte @p key. */
uint64_t weir_wwin_siphash(const uint8_t key[16], const void *data, size_t len);
/** @p v as printf's "%.17g" writes it, into @p out (at least 24 bytes),
 *  for 1e-4 <= |v| < 2^53: @return its length, 0 for any other @p v
 *  (nothing written: printf's). */
size_t weir_wwin_g17(double v, char *out);
/** An event time from a field value: @return false when it does not parse. */
bool weir_wwin_parse_time(const struct weir_field_val *v, uint8_t how, uint64_t *ns);

#endif /* WEIR_WORKER_WINDOW_H */
