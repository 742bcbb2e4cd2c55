/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sd_notify(3) hooks (service.h). The reloader is watched rather than
 * hooked: its ticket counters (req, done) say whether a build is pending or
 * running, whoever asked for it.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "reload.h"
#include "service.h"
#include "weir_config.h"
#include "worker.h"

#if WEIR_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#define SERVICE_RELOAD_CHECK_NS 100000000ull /* 100 ms */

static uint64_t
service_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
service_notify(const struct weir_service *s, const char *msg)
{
#if WEIR_HAVE_SYSTEMD
	if (s->notify)
		(void)sd_notify(0, msg);
#else
	(void)s;
	(void)msg;
#endif
}

void
weir_service_init(struct weir_service *s)
{
	memset(s, 0, sizeof(*s));
#if WEIR_HAVE_SYSTEMD
	const char *ns = getenv("NOTIFY_SOCKET");
	uint64_t us = 0;

	s->notify = ns != NULL && ns[0] != '\0';
	if (s->notify && sd_watchdog_enabled(0, &us) > 0)
		s->watchdog_us = us;
#endif
}

void
weir_service_ready(struct weir_service *s, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	if (!s->notify)
		return;
	/* the first liveness check comes half a period after the launch */
	s->next_check_ns = service_now_ns() + s->watchdog_us * 1000 / 2;
	n = snprintf(msg, sizeof(msg),
		     "READY=1\n%sSTATUS=", s->watchdog_us != 0 ? "WATCHDOG=1\n" : "");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	service_notify(s, msg);
}

void
weir_service_stopping(struct weir_service *s)
{
	service_notify(s, "STOPPING=1\nSTATUS=stopping: draining, flushing the outputs");
}

/* RELOADING=1 while a build is pending or running, READY=1 after. */
static void
service_reload_check(struct weir_service *s, struct weir_reloader *rl)
{
	uint64_t ok, failed, gen;
	unsigned int n_rules;
	bool busy;
	char msg[256];

	pthread_mutex_lock(&rl->mu);
	busy = rl->req != rl->done || rl->building;
	ok = rl->n_ok;
	failed = rl->n_failed;
	gen = rl->generation;
	n_rules = rl->last.n_rules;
	pthread_mutex_unlock(&rl->mu);
	if (busy && !s->reloading) {
		s->reloading = true;
		service_notify(s, "RELOADING=1\nSTATUS=reloading the rules");
	} else if (!busy && (s->reloading || ok != s->reload_ok || failed != s->reload_failed)) {
		/* a build that began and ended between two checks counts too */
		if (!s->reloading)
			service_notify(s, "RELOADING=1\nSTATUS=reloading the rules");
		s->reloading = false;
		snprintf(msg, sizeof(msg),
			 "READY=1\nSTATUS=running; last reload %s, generation %" PRIu64
			 ", %u rules",
			 failed != s->reload_failed && ok == s->reload_ok ? "refused" : "done", gen,
			 n_rules);
		service_notify(s, msg);
	}
	s->reload_ok = ok;
	s->reload_failed = failed;
}

/* Each worker made progress since the last check, or is done. */
static bool
service_workers_live(struct weir_service *s, struct weir_worker *const *workers,
		     unsigned int n_workers)
{
	bool live = true;
	unsigned int i;

	for (i = 0; i < n_workers && i < RTE_MAX_LCORE; i++) {
		const struct weir_worker *w = workers[i];
		uint64_t polls = __atomic_load_n(&w->st.busy_polls, __ATOMIC_RELAXED) +
				 __atomic_load_n(&w->st.idle_polls, __ATOMIC_RELAXED);

		if (polls == s->polls[i] && !atomic_load_explicit(&w->done, memory_order_acquire)) {
			if (!s->stalled)
				WEIR_LOG(WARNING, app,
					 "worker %u made no progress in %" PRIu64
					 " ms: the service watchdog is not fed",
					 i, s->watchdog_us / 2000);
			live = false;
		}
		s->polls[i] = polls;
	}
	if (live && s->stalled)
		WEIR_LOG(NOTICE, app, "every worker makes progress again: watchdog fed");
	s->stalled = !live;
	return live;
}

void
weir_service_tick(struct weir_service *s, struct weir_worker *const *workers,
		  unsigned int n_workers, struct weir_reloader *rl)
{
	uint64_t now;

	if (!s->notify)
		return;
	now = service_now_ns();
	if (rl != NULL && now >= s->next_reload_ns) {
		s->next_reload_ns = now + SERVICE_RELOAD_CHECK_NS;
		service_reload_check(s, rl);
	}
	if (s->watchdog_us == 0 || now < s->next_check_ns)
		return;
	s->next_check_ns = now + s->watchdog_us * 1000 / 2;
	if (service_workers_live(s, workers, n_workers))
		service_notify(s, "WATCHDOG=1");
}
