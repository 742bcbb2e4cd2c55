/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main lcore's loop once the workers run: it drives the emitter
 * (emitter.h) until every worker is done and every ring is empty, and
 * between polls serves what the signals and the control side asked for:
 * SIGUSR1 (and `weirctl reopen`) reopens the sinks, SIGUSR2 (and `weirctl
 * reconfigure`) re-applies the capture filter, SIGHUP hands a rule reload to
 * the reload thread, and the observation view gets its tick. It sits at the
 * end of the packet path, where events leave the rings for the sinks. Idle
 * rounds sleep 100 us: this is not the per-packet path, and a spinning
 * main lcore would steal the CPU a worker may share.
 */
#ifndef WEIR_EMITTER_LOOP_H
#define WEIR_EMITTER_LOOP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "emitter.h"
#include "lossmon.h"
#include "obs.h"
#include "reload.h"
#include "service.h"
#include "worker.h"

/*
 * What signal handlers and the control side ask the main lcore for. Each
 * flag is set (seq_cst store) by a signal handler or the control thread and
 * taken by the loop with an atomic exchange, so a request made while one is
 * served is served once more, never lost.
 */
struct weir_signals {
	atomic_bool stop;   /* SIGINT/SIGTERM, `weirctl shutdown`, --count reached;
			       the workers read it too */
	atomic_bool reopen; /* SIGUSR1, `weirctl reopen` */
	atomic_bool reconf; /* SIGUSR2, `weirctl reconfigure` */
	atomic_bool hup;    /* SIGHUP: reload the rules */
	atomic_bool usr1;   /* SIGUSR1 itself (for the log: reopen is shared) */
	atomic_bool usr2;   /* SIGUSR2 itself (likewise) */
	atomic_bool abort;  /* SIGINT/SIGTERM: sinks stop waiting (backpressure) */
};

/* Everything the loop drives; all of it borrowed from main, which owns it. */
struct weir_emitter_loop {
	struct weir_emitter *em;  /* its sinks are the ones reopened */
	struct weir_obs *obs;	  /* ticked; answers reopen and reconfigure */
	struct weir_reloader *rl; /* SIGHUP's reload requests */
	struct weir_worker *const *workers;
	unsigned int n_workers;
	struct weir_port *ports; /* SIGUSR2 reconfigures these */
	unsigned int n_ports;
	const char *ports_label; /* their names, for the log */
	const char *conf_file;	 /* -c FILE, re-read on SIGUSR2; NULL = none */
	uint64_t count;		 /* capture.count: stop after that many
				    packets in all, 0 = never */
	bool keep_alive;	 /* ctl.keep-alive: after the end, serve the
				    stats socket until stopped */
	uint64_t spin_ns;	 /* events.emitter-spin-us: poll (yielding)
				    this long after the last event before
				    sleeping */
	bool hup_force;		 /* rules.reload-sighup-force */
	struct weir_signals *sig;
	struct weir_lossmon *lm; /* the loss log, checked each round */
	const struct weir_lossmon_in *lm_in;
	struct weir_service *svc; /* sd_notify: reloads, watchdog; NULL = none */
};

/**
 * Run the emitter until every worker reported done and the rings are
 * drained (with keep_alive, until sig->stop as well), then flush the
 * sinks' queues. Sets sig->stop itself once capture.count packets arrived
 * over several workers (one worker stops by itself). Main lcore only,
 * after the workers were launched; returns with the rings empty.
 */
void weir_emitter_loop_run(const struct weir_emitter_loop *l);

#endif /* WEIR_EMITTER_LOOP_H */
