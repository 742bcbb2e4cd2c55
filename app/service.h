/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The service manager's view of weir (sd_notify(3), libsystemd): READY=1
 * once the ports are up, the rules compiled and the control socket
 * served; RELOADING=1 and READY=1 around every rule reload, whoever asked
 * for it (SIGHUP, `weirctl reload`: ExecReload); STOPPING=1 when weir
 * stops; STATUS= lines saying what it does; and WATCHDOG=1, sent only
 * while every worker makes progress (its poll counters, busy or idle,
 * advance, or it has finished) and the main lcore's loop, which sends it,
 * runs. A worker stuck in a rule, a driver call or a full ring stops the
 * pings and systemd restarts weir (WatchdogSec= in the unit).
 *
 * Without NOTIFY_SOCKET (not run by systemd) or without libsystemd at build
 * time every call does nothing. Thread: main (its emitter loop), never a
 * worker; never per packet.
 */
#ifndef WEIR_SERVICE_H
#define WEIR_SERVICE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_lcore.h>

struct weir_worker;
struct weir_reloader;

struct weir_service {
	bool notify;		/* NOTIFY_SOCKET is set (and libsystemd built in) */
	uint64_t watchdog_us;	/* WatchdogSec= (0: no watchdog) */
	uint64_t next_check_ns; /* CLOCK_MONOTONIC of the next liveness check */
	uint64_t next_reload_ns;
	bool reloading; /* RELOADING=1 sent, READY=1 not yet */
	bool stalled;	/* the last check found a stalled worker (logged) */
	uint64_t reload_ok, reload_failed;
	uint64_t polls[RTE_MAX_LCORE]; /* each worker's polls at the last check */
};

/** Read NOTIFY_SOCKET and WATCHDOG_USEC/WATCHDOG_PID (sd_watchdog_enabled). */
void weir_service_init(struct weir_service *s);

/** READY=1 with a STATUS= line (@p status, printf-like). */
void weir_service_ready(struct weir_service *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** STOPPING=1. */
void weir_service_stopping(struct weir_service *s);

/**
 * One round of the main loop: every 100 ms, RELOADING=1 or READY=1 when the
 * reloader started or finished builds (@p rl, NULL: none); every half
 * watchdog period, WATCHDOG=1 if each of @p workers made progress since the
 * last check (a stalled one is logged once, at warning level, and named).
 */
void weir_service_tick(struct weir_service *s, struct weir_worker *const *workers,
		       unsigned int n_workers, struct weir_reloader *rl);

#endif /* WEIR_SERVICE_H */
