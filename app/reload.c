/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rule reload: build thread, publication, deferred free (see reload.h).
 *
 *   request (ticket) -> thread: load + compile every rule file
 *     -> failed: keep the running set, record the diagnostics
 *     -> loses too many rules, not forced: refused as a failure
 *     -> built: re-apply disabled sids, hand the emitter the new set's
 *        rule text, publish (atomic store, release)
 *        -> rte_rcu_qsbr_synchronize: every worker passed a quiescent
 *           state, so none still reads the old set and every event of
 *           the old generation is enqueued
 *        -> retire the old rule text with each worker's enqueued count
 *           (the emitter frees it when it has taken those events)
 *        -> free the old set
 *     -> record the outcome, wake the waiters
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_rcu_qsbr.h>

#include "emitter.h"
#include "log.h"
#include "reload.h"
#include "worker_window.h"
#include "worker.h"

static uint64_t
reload_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
reload_copy_vars(struct weir_rule_vars *dst, const struct weir_rule_vars *src)
{
	unsigned int i;

	memset(dst, 0, sizeof(*dst));
	if (src == NULL)
		return weir_rule_vars_defaults(dst);
	for (i = 0; i < src->n; i++) {
		int rc =
			weir_rule_vars_set(dst, src->v[i].is_port, src->v[i].name, src->v[i].value);

		if (rc < 0)
			return rc;
	}
	return 0;
}

int
weir_reloader_init(struct weir_reloader *r, struct weir_ruleset *rs, const char *const *files,
		   unsigned int n_files, const struct weir_rule_vars *vars, int skip_invalid,
		   const char *cache_dir, unsigned int n_workers)
{
	unsigned int i;

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	r->generation = 1;
	rs->generation = 1;
	atomic_init(&r->active, rs);
	r->skip_invalid = skip_invalid;
	r->n_workers = n_workers;
	r->max_loss_pct = 50;
	r->files = calloc(n_files ? n_files : 1, sizeof(*r->files));
	if (r->files == NULL)
		return -ENOMEM;
	for (i = 0; i < n_files; i++) {
		r->files[i] = strdup(files[i]);
		if (r->files[i] == NULL)
			return -ENOMEM;
		r->n_files++;
	}
	if (cache_dir != NULL && cache_dir[0] != '\0' && (r->cache_dir = strdup(cache_dir)) == NULL)
		return -ENOMEM;
	if (reload_copy_vars(&r->vars, vars) < 0)
		return -ENOMEM;
	r->last.generation = 1;
	r->last.n_rules = rs->n_rules;
	r->last.n_skipped = rs->n_skipped;
	r->last.n_from_cache = rs->n_from_cache;
	r->last.build_ms = rs->compile_ms;
	r->last.n_built = rs->n_rules;
	return 0;
}

void
weir_reloader_set_max_loss(struct weir_reloader *r, unsigned int pct)
{
	r->max_loss_pct = pct > 100 ? 100 : pct;
}

/*
 * The loss guard: may a set of @p n_new rules replace the running one of
 * @p n_old? @return true, or false with the reason in @p why. An empty set
 * replacing an empty one loses nothing.
 */
static bool
reload_guard_ok(const struct weir_reloader *r, unsigned int n_old, unsigned int n_new, char *why,
		size_t len)
{
	if (n_new == 0 && n_old > 0) {
		snprintf(why, len,
			 "the new rule set has no rule (the running set has %u): detection "
			 "would be off",
			 n_old);
		return false;
	}
	if (n_new < n_old && (uint64_t)(n_old - n_new) * 100 > (uint64_t)r->max_loss_pct * n_old) {
		snprintf(why, len,
			 "the new rule set has %u rules, %u fewer than the running %u "
			 "(%.1f%%, more than rules.reload-max-loss %u%%)",
			 n_new, n_old - n_new, n_old, 100.0 * (n_old - n_new) / n_old,
			 r->max_loss_pct);
		return false;
	}
	return true;
}

/* Apply the remembered disabled sids to a set not yet published. */
static void
reload_apply_disabled(struct weir_reloader *r, struct weir_ruleset *rs)
{
	unsigned int i;

	for (i = 0; i < r->n_disabled; i++)
		weir_ruleset_set_disabled(rs, r->disabled[i], true);
}

/*
 * Retire @p t, the rule text of a set no worker reads any more (they all
 * passed a quiescent state after it was replaced): each worker published
 * its events_enqueued after enqueueing the burst's events and before
 * reporting, so the count read now covers every event of t's generation.
 */
static void
reload_retire_text(struct weir_reloader *r, struct weir_rule_text *t)
{
	uint64_t want[WEIR_EMIT_MAX_RINGS];
	unsigned int i, n = r->n_workers < WEIR_EMIT_MAX_RINGS ? r->n_workers : WEIR_EMIT_MAX_RINGS;

	if (r->workers == NULL)
		n = 0;
	for (i = 0; i < n; i++)
		want[i] = __atomic_load_n(&r->workers[i]->st.events_enqueued, __ATOMIC_ACQUIRE);
	weir_emitter_retire_rules(r->em, t, want, n);
}

static void
reload_record(struct weir_reloader *r, int rc, const struct weir_diags *ds, double ms)
{
	struct weir_reload_outcome *o = &r->last;
	const struct weir_ruleset *rs = atomic_load(&r->active);
	unsigned int i;

	o->rc = rc;
	o->generation = r->generation;
	o->n_rules = rs ? rs->n_rules : 0;
	o->n_skipped = rc == 0 && rs ? rs->n_skipped : 0;
	o->n_from_cache = rc == 0 && rs ? rs->n_from_cache : 0;
	o->build_ms = ms;
	o->n_errors = ds->total;
	o->n_built = 0;
	o->forced = false;
	o->reason[0] = '\0';
	o->n_kept = 0;
	for (i = 0; i < ds->n && o->n_kept < WEIR_RELOAD_ERRORS_MAX; i++)
		weir_diag_format(&ds->v[i], o->errors[o->n_kept++], sizeof(o->errors[0]));
}

/* One build; called without the lock. @p force: the loss guard only
 * warns. */
static void
reload_build(struct weir_reloader *r, bool force)
{
	struct weir_ruleset_opts opts = {
		.skip_invalid = r->skip_invalid,
		.vars = &r->vars,
		.cache_dir = r->cache_dir,
		.cache_max_entries = r->cache_max_entries,
		.cache_max_bytes = r->cache_max_bytes,
		.n_workers = r->n_workers,
		.no_addr_split = r->no_addr_split,
	};
	struct weir_rule_text *text = NULL, *old_text;
	const struct weir_ruleset *old;
	struct weir_ruleset *rs;
	struct weir_diags ds;
	unsigned int i, n_db;
	int rc = 0;
	uint64_t t0 = reload_now_ms();
	unsigned int n_old;
	char why[256];
	bool guard_ok;

	if (weir_diags_init(&ds, 1000) < 0) {
		WEIR_LOG(ERR, rules, "reload: out of memory");
		pthread_mutex_lock(&r->mu);
		r->last.rc = -ENOMEM;
		r->last.n_errors = 0;
		r->last.n_kept = 0;
		r->n_failed++;
		pthread_mutex_unlock(&r->mu);
		return;
	}
	rs = weir_ruleset_load((const char *const *)r->files, r->n_files, &opts, &ds);
	for (i = 0; i < ds.n; i++) {
		char line[320];

		weir_diag_format(&ds.v[i], line, sizeof(line));
		WEIR_LOG(ERR, rules, "reload: %s", line);
	}
	if (rs == NULL) {
		rc = -errno;
		if (rc == 0)
			rc = -EINVAL;
		WEIR_LOG(ERR, rules,
			 "reload refused (%u problem%s); the running rules (generation "
			 "%" PRIu64 ") stay in force",
			 ds.total, ds.total == 1 ? "" : "s", r->generation);
		pthread_mutex_lock(&r->mu);
		reload_record(r, rc, &ds, (double)(reload_now_ms() - t0));
		r->n_failed++;
		pthread_mutex_unlock(&r->mu);
		weir_diags_free(&ds);
		return;
	}
	/* Only this thread replaces the published set: reading it unlocked
	 * is safe here. */
	old = atomic_load(&r->active);
	n_old = old != NULL ? old->n_rules : 0;
	if (r->window_max_events != 0 &&
	    weir_wwin_check(rs, r->window_max_events, why, sizeof(why)) > 0) {
		WEIR_LOG(ERR, rules,
			 "reload refused: %s; the running rules (generation %" PRIu64
			 ") stay in force",
			 why, r->generation);
		pthread_mutex_lock(&r->mu);
		reload_record(r, -EINVAL, &ds, (double)(reload_now_ms() - t0));
		snprintf(r->last.reason, sizeof(r->last.reason), "%s", why);
		r->n_failed++;
		pthread_mutex_unlock(&r->mu);
		weir_ruleset_free(rs);
		weir_diags_free(&ds);
		return;
	}
	guard_ok = reload_guard_ok(r, n_old, rs->n_rules, why, sizeof(why));
	if (!guard_ok && !force) {
		WEIR_LOG(WARNING, rules,
			 "reload refused: %s; the running rules (generation %" PRIu64
			 ", %u rules) stay in force; `weirctl reload --force` accepts it",
			 why, r->generation, n_old);
		pthread_mutex_lock(&r->mu);
		reload_record(r, -ECANCELED, &ds, (double)(reload_now_ms() - t0));
		r->last.n_built = rs->n_rules;
		snprintf(r->last.reason, sizeof(r->last.reason), "%s", why);
		r->n_failed++;
		pthread_mutex_unlock(&r->mu);
		weir_ruleset_free(rs);
		weir_diags_free(&ds);
		return;
	}
	if (!guard_ok)
		WEIR_LOG(WARNING, rules, "reload forced: %s; accepted (force)", why);
	else if (rs->n_rules == 0)
		WEIR_LOG(WARNING, rules,
			 "reload: the new rule set has no rule (nor had the running one): "
			 "packets are only decoded and counted");
	if (rs->n_cache_rebuilt > 0)
		WEIR_LOG(NOTICE, rules,
			 "reload: note: cached packet database was corrupt or stale; rebuilt");
	pthread_mutex_lock(&r->mu);
	reload_apply_disabled(r, rs);
	rs->generation = r->generation + 1;
	if (r->em != NULL && (text = weir_rule_text_new(rs)) == NULL) {
		WEIR_LOG(ERR, rules,
			 "reload: out of memory for the rule text; the running rules "
			 "(generation %" PRIu64 ") stay in force",
			 r->generation);
		reload_record(r, -ENOMEM, &ds, (double)(reload_now_ms() - t0));
		r->n_failed++;
		pthread_mutex_unlock(&r->mu);
		weir_ruleset_free(rs);
		weir_diags_free(&ds);
		return;
	}
	r->generation++;
	/* Before the set is published: the emitter must know its text by the
	 * time an event of it reaches a ring. */
	if (text != NULL)
		weir_emitter_add_rules(r->em, text);
	old_text = r->text;
	r->text = text;
	old = atomic_load(&r->active);
	atomic_store_explicit(&r->active, rs, memory_order_release);
	pthread_mutex_unlock(&r->mu);

	/* No worker reads old once each passed a quiescent state; idle
	 * workers report too, and stopped ones are offline. */
	if (r->qs != NULL)
		rte_rcu_qsbr_synchronize(r->qs, RTE_QSBR_THRID_INVALID);
	/* The emitter frees it when it is done; nobody waits for that. */
	if (old_text != NULL)
		reload_retire_text(r, old_text);
	pthread_mutex_lock(&r->mu);
	weir_ruleset_free((struct weir_ruleset *)old);
	reload_record(r, 0, &ds, (double)(reload_now_ms() - t0));
	r->last.n_built = rs->n_rules;
	r->last.forced = !guard_ok;
	r->n_ok++;
	pthread_mutex_unlock(&r->mu);
	n_db = (rs->pkt.db != NULL) + (rs->dir_split && rs->pkt_tc.db != NULL) +
	       (rs->stream_db != NULL);
	for (i = 0; i < weir_ruleset_n_class_dbs(rs); i++)
		n_db += rs->apkt[i].db != NULL;
	WEIR_LOG(NOTICE, rules,
		 "rules reloaded: %u rules, %u database%s (%u from cache), generation "
		 "%" PRIu64 ", %.1f ms",
		 rs->n_rules, n_db, n_db == 1 ? "" : "s", rs->n_from_cache, rs->generation,
		 rs->compile_ms);
	weir_diags_free(&ds);
}

static void *
reload_thread(void *arg)
{
	struct weir_reloader *r = arg;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		uint64_t target;
		bool force;

		while (!r->quit && r->req == r->done)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->req == r->done)
			break; /* quit, nothing pending */
		/* Everything asked for so far is covered by this build;
		 * what arrives during it makes exactly one more. */
		target = r->req;
		force = r->force_req;
		r->force_req = false;
		r->building = true;
		pthread_mutex_unlock(&r->mu);
		reload_build(r, force);
		pthread_mutex_lock(&r->mu);
		r->building = false;
		r->done = target;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

int
weir_reloader_start(struct weir_reloader *r, struct rte_rcu_qsbr *qs,
		    struct weir_worker *const *workers, struct weir_emitter *em)
{
	int rc;

	r->qs = qs;
	r->workers = workers;
	r->em = em;
	if (em != NULL) {
		r->text = weir_rule_text_new(atomic_load(&r->active));
		if (r->text == NULL)
			return -ENOMEM;
		weir_emitter_add_rules(em, r->text);
	}
	rc = pthread_create(&r->thread, NULL, reload_thread, r);
	if (rc != 0)
		return -rc;
	r->started = true;
	return 0;
}

void
weir_reloader_fini(struct weir_reloader *r)
{
	unsigned int i;

	if (r->started) {
		pthread_mutex_lock(&r->mu);
		r->quit = true;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thread, NULL);
		r->started = false;
	}
	weir_ruleset_free((struct weir_ruleset *)atomic_load(&r->active));
	atomic_store(&r->active, NULL);
	for (i = 0; i < r->n_files; i++)
		free(r->files[i]);
	free(r->files);
	r->files = NULL;
	r->n_files = 0;
	free(r->cache_dir);
	r->cache_dir = NULL;
	weir_rule_vars_free(&r->vars);
	free(r->disabled);
	r->disabled = NULL;
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
}

uint64_t
weir_reload_request(struct weir_reloader *r, bool force)
{
	uint64_t t;

	pthread_mutex_lock(&r->mu);
	t = ++r->req;
	r->force_req |= force;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return t;
}

int
weir_reload_wait(struct weir_reloader *r, uint64_t ticket, unsigned int timeout_ms,
		 struct weir_reload_outcome *out)
{
	struct timespec dl;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->mu);
	while (r->done < ticket && rc == 0)
		if (pthread_cond_timedwait(&r->cv, &r->mu, &dl) == ETIMEDOUT)
			rc = r->done < ticket ? -ETIMEDOUT : 0;
	if (rc == 0 && out != NULL)
		*out = r->last;
	pthread_mutex_unlock(&r->mu);
	return rc;
}

int
weir_rules_set_disabled(struct weir_reloader *r, uint32_t sid, bool off)
{
	const struct weir_ruleset *rs;
	unsigned int i;
	int n;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->n_disabled; i++)
		if (r->disabled[i] == sid)
			break;
	if (off && i == r->n_disabled) {
		if (r->n_disabled == r->cap_disabled) {
			unsigned int cap = r->cap_disabled ? r->cap_disabled * 2 : 16;
			uint32_t *v = realloc(r->disabled, cap * sizeof(*v));

			if (v == NULL) {
				pthread_mutex_unlock(&r->mu);
				return -ENOMEM;
			}
			r->disabled = v;
			r->cap_disabled = cap;
		}
		r->disabled[r->n_disabled++] = sid;
	} else if (!off && i < r->n_disabled) {
		r->disabled[i] = r->disabled[--r->n_disabled];
	}
	/* The flags are atomics the workers read relaxed: the set may be
	 * written while published. */
	rs = atomic_load(&r->active);
	n = rs ? (int)weir_ruleset_set_disabled((struct weir_ruleset *)rs, sid, off) : 0;
	pthread_mutex_unlock(&r->mu);
	return n;
}

bool
weir_rules_is_disabled(struct weir_reloader *r, uint32_t sid)
{
	unsigned int i;
	bool found = false;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < r->n_disabled && !found; i++)
		found = r->disabled[i] == sid;
	pthread_mutex_unlock(&r->mu);
	return found;
}

const struct weir_ruleset *
weir_rules_acquire(struct weir_reloader *r)
{
	pthread_mutex_lock(&r->mu);
	return atomic_load(&r->active);
}

void
weir_rules_release(struct weir_reloader *r)
{
	pthread_mutex_unlock(&r->mu);
}
