/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Observation: what the control side (stats socket, DPDK telemetry,
 * Prometheus) may see of a running weir, and the views built from it. It
 * only ever reads the data path's counters (seqlock copies of the workers'
 * blocks, relaxed loads of everything else) and never writes to anything a
 * worker or the emitter reads, except the two request flags main.c already
 * serves for signals (stop, reopen).
 *
 * Every view is a jansson object whose member names are a contract
 * (WEIR_OBS_SCHEMA_VERSION): renaming or removing one is a new version,
 * adding one is not. Counter members are the rows of the lists in
 * common/counters.h, walked: a port has every WEIR_PORT_COUNTERS row (and
 * its driver's "xstats" by name), a sink every WEIR_SINK_COUNTERS row
 * (per-type ones 0 for the other types), "workers" every
 * WEIR_WORKER_COUNTERS row, "rx_stage" every WEIR_DISPATCH_COUNTERS row
 * (0 in run mode workers), "emitter" every WEIR_EMITTER_COUNTERS row,
 * latency NAME_us for every WEIR_LAT_PERCENTILES row.
 *
 * Ownership: struct weir_obs is main's (embedded in its app state); main
 * fills the constant part before any reader starts and keeps everything
 * it points at alive until every reader stopped (weir_ctl_stop,
 * weir_metrics_stop, weir_telemetry_detach).
 */
#ifndef WEIR_OBS_H
#define WEIR_OBS_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dispatch.h"
#include "emitter.h"
#include "latency.h"
#include "reload.h"
#include "sink.h"
#include "worker.h"

#define WEIR_OBS_SCHEMA_VERSION	   1
#define WEIR_OBS_RULES_TOP_DEFAULT 10
#define WEIR_OBS_RULES_TOP_MAX	   1000
/* weir_obs_rules(top): every rule that fired (hits > 0), however many:
 * Prometheus' weir_rule_hits_total, so no series comes and goes with the
 * ranking. Not offered on the stats socket, whose top stays capped. */
#define WEIR_OBS_RULES_FIRED UINT_MAX

struct rte_ring;

struct weir_obs {
	/* Set by main before any reader starts; constant afterwards. */
	const char *driver;
	struct weir_worker *const *workers;
	unsigned int n_workers;
	struct rte_ring *const *rings; /* rings[i] is worker i's */
	const struct weir_port *const *ports;
	unsigned int n_ports;
	const struct weir_dispatch *disp; /* the rx stage; NULL = run mode workers */
	const struct weir_emitter *em;
	struct weir_reloader *rules; /* the published rule set, reload */
	struct weir_latency *lat;    /* written by the emitter; NULL = off */
	uint64_t start_tsc;
	uint64_t hz;
	atomic_bool *stop;		  /* main's stop flag (SIGINT's) */
	atomic_bool *cancel;		  /* main's flag that ends the sinks' backpressure
					     waits (SIGINT's too): `weirctl shutdown` sets
					     both, so an offline replay blocked on a slow
					     reader ends, what remains counted; NULL = none */
	atomic_bool *reopen;		  /* main's reopen flag (SIGUSR1's) */
	struct weir_wwin_shared *windows; /* window rules (checkpoint); NULL = none */

	/* Reopen hand-shake: the control thread bumps req and raises
	 * *reopen; main reopens the sinks, stores rc, then ack = req. */
	atomic_uint reopen_req;
	atomic_uint reopen_ack;
	atomic_int reopen_rc;
	/* Same hand-shake for `reconfigure` (main's SIGUSR2 work). */
	atomic_bool *reconf;
	atomic_uint reconf_req;
	atomic_uint reconf_ack;
	atomic_int reconf_rc;

	/* Sink counters, copied by the main thread (which owns the sinks:
	 * their stats op is not for other threads) every few ms, under a
	 * seqlock (sink_seq, same pairing as struct weir_worker_stats). */
	uint64_t sink_seq;
	struct weir_sink_stats sink_st[WEIR_MAX_SINKS];
	const char *sink_name[WEIR_MAX_SINKS];
	/* each sink's latency histogram (s->lat, written by the sink's
	 * thread, read with relaxed loads), borrowed as the names are */
	const struct weir_hist *sink_lat[WEIR_MAX_SINKS];
	const struct weir_hist *sink_lat_delivered[WEIR_MAX_SINKS];
	unsigned int n_sinks;
	uint64_t sink_pub_tsc;
};

/**
 * Thread: main (the sinks' owner, in the emitter loop) only, once per
 * loop round: publish the sinks' counters (at most every 10 ms) for the
 * views, as the seqlock's single writer. Cheap when there is nothing due.
 * The sinks stay main's; obs borrows their names (s->name, else the ops'
 * static name), which must live until every reader stopped.
 */
void weir_obs_tick(struct weir_obs *o, struct weir_sink *const *sinks, unsigned int n_sinks);

/** Thread: main only (the emitter loop), after serving a reconfigure
 *  (SIGUSR2 or the command): store @p rc (0 or -errno of
 *  weir_ports_reconfigure()) and unblock the requester (ctl.c), which
 *  polls reconf_ack. */
void weir_obs_reconf_done(struct weir_obs *o, int rc);

/** Thread: main only (the emitter loop), after serving a reopen request:
 *  store @p rc (0 or -errno of weir_outputs_reopen()) and unblock the
 *  requester (ctl.c), which polls reopen_ack. */
void weir_obs_reopen_done(struct weir_obs *o, int rc);

/**
 * Sum every worker's block into @p sum (the caller's, zeroed first), each
 * copied consistently through its seqlock (weir_worker_stats_read()).
 * Thread: any but a worker's: a seqlock reader never blocks the writer.
 * @return 0 or -EAGAIN (a worker's block stayed busy; @p sum then holds a
 *         partial sum).
 */
int weir_obs_sum_workers(const struct weir_obs *o, struct weir_worker_stats *sum);

/* Views. Thread: any but a worker's (the stats socket's, DPDK
 * telemetry's, libmicrohttpd's), several at once: they only read (seqlock
 * copies, relaxed loads, weir_port_stats(), whose per-driver safety
 * capture.h states) and allocate their own memory. Each returns a new
 * object that the caller owns (json_decref), or NULL with a message in
 * @p err ("worker counters busy, try again", "out of memory", "no rule
 * set"); on a jansson allocation failure some return NULL and leave @p err
 * as it was. weir_obs_rules holds the published rule set (weir_rules_acquire)
 * only while it copies the hit counters. */
json_t *weir_obs_version(const struct weir_obs *o, char *err, size_t errlen);
json_t *weir_obs_stats(const struct weir_obs *o, char *err, size_t errlen);
json_t *weir_obs_ports(const struct weir_obs *o, char *err, size_t errlen);
json_t *weir_obs_workers(const struct weir_obs *o, char *err, size_t errlen);
/** Rules by hits, most first (ties by sid); @p top 0 means the default,
 *  WEIR_OBS_RULES_FIRED every rule with a hit (no cap). */
json_t *weir_obs_rules(const struct weir_obs *o, unsigned int top, char *err, size_t errlen);
json_t *weir_obs_latency(const struct weir_obs *o, char *err, size_t errlen);
json_t *weir_obs_sinks(const struct weir_obs *o, char *err, size_t errlen);

/** Seconds since start (TSC); 0 before main set hz. Thread: any. */
double weir_obs_uptime(const struct weir_obs *o);

#endif /* WEIR_OBS_H */
