/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rule-set lifecycle while weir runs: the published rule set, hot reload
 * and per-sid enable/disable.
 *
 * A reload (SIGHUP, the stats socket's `reload`) re-reads every rule file
 * on this module's own thread, off the data path, and publishes the new set
 * with one atomic pointer store. The old set is freed as soon as every
 * worker reported a quiescent state on the QSBR variable (rte_rcu_qsbr), so
 * no worker still reads it. Events do not hold it: they carry the rule's
 * sid/gid/rev/priority and name its text by (generation, rule index) in a
 * per-generation rule text table (app/emitter.h). The reload thread makes
 * that table from the new set and hands it to the emitter before
 * publishing the set, and once the workers passed a quiescent state it
 * retires the old table with the number of events each worker had
 * enqueued; the emitter frees the table itself when it has taken those off
 * the rings. So a reload never waits for the emitter, and the emitter
 * never waits for a reload. A failed build publishes nothing and keeps its
 * diagnostics for the requester.
 *
 * A reload cannot silently turn detection off: a built set with no rule
 * (while the running set has some), or one with more than max_loss_pct
 * per cent fewer rules than the running set (by count), is refused like a
 * failed build unless the request forces it; refusal and forcing are
 * logged at warning level. A build covers every request made before it
 * began, so it is forced when any of them was.
 *
 * Requests are tickets: one build runs at a time; requests arriving during
 * a build make one more build afterwards (one pending at most, never lost),
 * and a waiting ticket gets the outcome of the latest finished build that
 * covers it (a later one, if two finished before the waiter woke).
 *
 * Readers on the control side (stats socket, metrics) take the set with
 * weir_rules_acquire() and give it back with weir_rules_release(): a set is
 * never freed while acquired. Workers read the published pointer directly.
 */
#ifndef WEIR_RELOAD_H
#define WEIR_RELOAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "rules.h"

struct rte_rcu_qsbr;
struct weir_worker;
struct weir_emitter;

#define WEIR_RELOAD_ERRORS_MAX 50 /* diagnostics kept for a reply */

/* What one finished build did. */
struct weir_reload_outcome {
	int rc;		      /* 0, or -errno (EINVAL: rules refused) */
	uint64_t generation;  /* of the set in force afterwards */
	unsigned int n_rules; /* of the set in force afterwards */
	unsigned int n_skipped;
	unsigned int n_from_cache;
	double build_ms;
	unsigned int n_errors; /* diagnostics reported (may exceed those kept) */
	char errors[WEIR_RELOAD_ERRORS_MAX][320];
	unsigned int n_kept;
	unsigned int n_built; /* rules of the set this build made (refused or
				 not); 0 when the rules failed to load */
	bool forced;	      /* the loss guard was overridden by force */
	char reason[256];     /* why the loss guard refused the set ("" = it
				 did not) */
};

struct weir_reloader {
	/* the published set (workers load it with acquire) */
	const struct weir_ruleset *_Atomic active;

	/* inputs of every build (owned copies) */
	char **files;
	unsigned int n_files;
	struct weir_rule_vars vars;
	int skip_invalid;
	char *cache_dir;
	unsigned int n_workers;
	unsigned int max_loss_pct;  /* rules.reload-max-loss */
	uint32_t window_max_events; /* windows.max-events-per-key: a window rule
				       whose count >= it is refused (0 = none) */
	/* rules.cache-max-entries and -max-mib (in bytes): set by main after
	 * weir_reloader_init(), before the reload thread starts; 0 = none */
	unsigned int cache_max_entries;
	uint64_t cache_max_bytes;
	bool no_addr_split; /* rules.address-split false */

	/* reclamation */
	struct rte_rcu_qsbr *qs;
	struct weir_worker *const *workers;
	struct weir_emitter *em;     /* NULL: no rule text to hand over */
	struct weir_rule_text *text; /* the published set's, handed to em
					(which owns it); reload thread only */

	pthread_mutex_t mu; /* everything below, and the lifetime of sets
			       handed out by weir_rules_acquire() */
	pthread_cond_t cv;
	pthread_t thread;
	bool started, quit, building;
	uint64_t req, done; /* tickets asked for / covered by a build */
	bool force_req;	    /* a pending request asked for force */
	uint64_t generation;
	uint64_t n_ok, n_failed;
	struct weir_reload_outcome last;
	uint32_t *disabled; /* sids disabled at run time, kept over reloads */
	unsigned int n_disabled, cap_disabled;
};

/**
 * Set up @p r around the rule set @p rs main already loaded, with the same
 * inputs as future builds. @p rs is taken over (r frees it), even on
 * failure; @p files, @p vars and @p cache_dir are copied, borrowed for the
 * call only. Thread: main, before launch.
 * @return 0 or -ENOMEM; after a failure too, weir_reloader_fini() frees
 *         what was set up (and @p rs).
 */
int weir_reloader_init(struct weir_reloader *r, struct weir_ruleset *rs, const char *const *files,
		       unsigned int n_files, const struct weir_rule_vars *vars, int skip_invalid,
		       const char *cache_dir, unsigned int n_workers);

/** The loss guard: refuse a set that has more than @p pct per cent fewer
 *  rules than the running one (0: any loss; 100: only an empty set).
 *  Default 50. Thread: main, before weir_reloader_start(). */
void weir_reloader_set_max_loss(struct weir_reloader *r, unsigned int pct);

/**
 * Hand the emitter the rule text of the set in force and start the build
 * thread, once workers, their QSBR variable and the emitter exist and
 * before any worker runs. Each of @p qs, @p workers and @p em may be NULL
 * (tests): no quiescence to wait for, no counts to retire with, no rule
 * text to hand over. All three are borrowed until weir_reloader_fini().
 * Thread: main, before launch.
 * @return 0, -ENOMEM, or the -errno of pthread_create (the rule text may
 *         then already be the emitter's).
 */
int weir_reloader_start(struct weir_reloader *r, struct rte_rcu_qsbr *qs,
			struct weir_worker *const *workers, struct weir_emitter *em);

/** Stop the thread (a build in progress finishes first) and free the
 *  published set and the copied inputs (the emitter frees the rule text it
 *  was handed). Also after a failed weir_reloader_init(), or without
 *  weir_reloader_start(). Thread: main, only once the workers and every
 *  control-side reader (weir_control_stop()) stopped. */
void weir_reloader_fini(struct weir_reloader *r);

/** Ask for a reload; @p force overrides the loss guard (for this and any
 *  request the same build covers). @return the ticket to wait for.
 *  Thread: any but a worker's or a signal handler (it takes r->mu): main's
 *  emitter loop on SIGHUP, the stats socket's thread for `reload`. */
uint64_t weir_reload_request(struct weir_reloader *r, bool force);

/**
 * Wait up to @p timeout_ms for the build covering @p ticket and copy its
 * outcome into @p out (the caller's; NULL: not copied). It blocks. Thread: a
 * control thread (the stats socket's), never a worker, main's emitter
 * loop or the reload thread itself.
 * @return 0, or -ETIMEDOUT (the build goes on; its outcome is logged).
 *         The build's own result is out->rc.
 */
int weir_reload_wait(struct weir_reloader *r, uint64_t ticket, unsigned int timeout_ms,
		     struct weir_reload_outcome *out);

/**
 * Disable (@p off) or enable rule @p sid now and in every later rule set.
 * Thread: any but a worker's (it takes r->mu; the stats socket's thread
 * calls it): the published set's flags are atomics the workers read.
 * @return rules of the current set changed (0: no such sid now; it is
 *         still remembered), or -ENOMEM (nothing changed).
 */
int weir_rules_set_disabled(struct weir_reloader *r, uint32_t sid, bool off);

/** Is @p sid in the disabled set? Thread: any but a worker's (takes
 *  r->mu). */
bool weir_rules_is_disabled(struct weir_reloader *r, uint32_t sid);

/**
 * The published set (NULL after weir_reloader_fini()), borrowed until
 * weir_rules_release(). It holds r->mu meanwhile: briefly, from the control
 * side only (never a worker), and without calling any other function of
 * this header before the release (r->mu is not recursive: it would
 * deadlock). It blocks a reload's publication and final free, requests,
 * waits and enable/disable.
 */
const struct weir_ruleset *weir_rules_acquire(struct weir_reloader *r);
/** End what weir_rules_acquire() began; the set may be freed from then on.
 *  Thread: the one that acquired. */
void weir_rules_release(struct weir_reloader *r);

#endif /* WEIR_RELOAD_H */
