/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main lcore's loop (emitter_loop.h): poll the emitter, serve one
 * round of requests, and when there was nothing to do, adapt: for
 * events.emitter-spin-us after the last event poll again at once,
 * yielding the CPU between polls (the sink threads and the control thread
 * may share it), then sleep in steps doubling from 1 us to 100 us. Under
 * load the emitter never sleeps, so an alert waits for no timer; after a
 * quiet spell the first one waits at most the current step. The thread's
 * timer slack is 1 us, so a 1 us sleep is not stretched to the default
 * 50 us.
 */
#include <sched.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>

#include "emitter_loop.h"
#include "log.h"
#include "outputs.h"
#include "ports.h"

#define EMITTER_LOOP_NAP_MIN_NS	   1000	    /* first sleep after the spin */
#define EMITTER_LOOP_NAP_MAX_NS	   100000   /* 100 us: longest idle sleep */
#define EMITTER_LOOP_SERVE_NS	   50000    /* serve requests at most this often */
#define EMITTER_LOOP_SLACK_NS	   1000	    /* this thread's timer slack */
#define EMITTER_LOOP_KEEP_ALIVE_NS 10000000 /* 10 ms: after the end, --keep-alive */

/* Packets the workers received in all (each worker's own counter). */
static uint64_t
emitter_loop_rx_packets(const struct weir_emitter_loop *l)
{
	struct weir_worker_stats sum;
	unsigned int i;

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < l->n_workers; i++)
		weir_worker_stats_add(&sum, &l->workers[i]->st);
	return sum.rx_packets;
}

static bool
emitter_loop_workers_done(const struct weir_emitter_loop *l)
{
	unsigned int i;

	for (i = 0; i < l->n_workers; i++)
		if (!atomic_load_explicit(&l->workers[i]->done, memory_order_acquire))
			return false;
	return true;
}

/* What signals and the control side asked for since the last round. */
static void
emitter_loop_serve(const struct weir_emitter_loop *l)
{
	struct weir_signals *sig = l->sig;

	if (atomic_exchange(&sig->reopen, false)) {
		/* `weirctl reopen` is logged by the control side */
		bool by_signal = atomic_exchange(&sig->usr1, false);
		int rc;

		if (by_signal)
			WEIR_LOG(NOTICE, app, "SIGUSR1: reopening the outputs");
		rc = weir_outputs_reopen(l->em->sinks, l->em->n_sinks);
		if (by_signal && rc == 0)
			WEIR_LOG(NOTICE, app, "SIGUSR1: outputs reopened");
		/* answers `weirctl reopen` */
		weir_obs_reopen_done(l->obs, rc);
	}
	weir_obs_tick(l->obs, l->em->sinks, l->em->n_sinks);
	weir_lossmon_check(l->lm, l->lm_in, false);
	if (atomic_exchange(&sig->reconf, false)) {
		if (atomic_exchange(&sig->usr2, false))
			WEIR_LOG(NOTICE, app, "SIGUSR2: re-reading the configuration");
		/* answers `weirctl reconfigure` too */
		weir_obs_reconf_done(l->obs, weir_ports_reconfigure(l->ports, l->n_ports,
								    l->conf_file, l->ports_label));
	}
	if (atomic_exchange(&sig->hup, false)) {
		/* the reload thread builds and logs the outcome */
		WEIR_LOG(NOTICE, app, "SIGHUP: reloading the rules%s",
			 l->hup_force ? " (forced: rules.reload-sighup-force)" : "");
		(void)weir_reload_request(l->rl, l->hup_force);
	}
	if (l->svc != NULL)
		weir_service_tick(l->svc, l->workers, l->n_workers, l->rl);
	/* One worker stops by itself at capture.count; several share it. */
	if (l->count != 0 && l->n_workers > 1 && emitter_loop_rx_packets(l) >= l->count)
		atomic_store(&sig->stop, true);
}

static uint64_t
emitter_loop_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void
weir_emitter_loop_run(const struct weir_emitter_loop *l)
{
	const struct timespec keep_alive = {.tv_sec = 0, .tv_nsec = EMITTER_LOOP_KEEP_ALIVE_NS};
	uint64_t last_event, last_serve = 0, nap = EMITTER_LOOP_NAP_MIN_NS;

	/* best effort: without it sleeps are only longer */
	(void)prctl(PR_SET_TIMERSLACK, (unsigned long)EMITTER_LOOP_SLACK_NS, 0, 0, 0);
	last_event = emitter_loop_now_ns();
	for (;;) {
		unsigned int n = weir_emitter_poll(l->em);
		uint64_t now = emitter_loop_now_ns();

		/* spinning polls run every microsecond or so: the requests
		 * (signals, control, loss log, watchdog) need not */
		if (n != 0 || now - last_serve >= EMITTER_LOOP_SERVE_NS) {
			emitter_loop_serve(l);
			last_serve = now;
		}
		if (emitter_loop_workers_done(l)) {
			/* done was release-stored after each worker's last
			 * enqueue: whatever is in the rings now is all. */
			while (weir_emitter_poll(l->em) != 0)
				;
			if (!l->keep_alive || atomic_load(&l->sig->stop))
				break;
			/* --keep-alive: serve the stats socket until stopped */
			weir_emitter_flush(l->em);
			nanosleep(&keep_alive, NULL);
			continue;
		}
		if (n != 0) {
			last_event = now;
			nap = EMITTER_LOOP_NAP_MIN_NS;
		} else if (now - last_event < l->spin_ns) {
			sched_yield();
		} else {
			const struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)nap};

			nanosleep(&ts, NULL);
			if (nap < EMITTER_LOOP_NAP_MAX_NS)
				nap = nap * 2 < EMITTER_LOOP_NAP_MAX_NS ? nap * 2
									: EMITTER_LOOP_NAP_MAX_NS;
		}
	}
	weir_emitter_flush(l->em);
}
