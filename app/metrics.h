/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus: the counters of obs.h as text exposition (format 0.0.4) on
 * GET /metrics, served by libmicrohttpd's own thread (never a worker
 * lcore). Off unless metrics.listen is set; "PORT" alone listens on
 * 127.0.0.1. Metric names are a contract like the stats socket's
 * (weir_rx_packets_total{port,queue}, weir_worker_scanned_total{worker},
 * weir_drop_*_total, weir_latency_seconds summary, ...). Every family of
 * a counter list is generated from its row in common/counters.h: ports
 * weir_port_NAME_total / weir_drop_X_total, sinks weir_sink_NAME_total
 * (gauges weir_sink_NAME) / weir_drop_sink_X_total, workers
 * weir_worker_NAME_total / weir_drop_X_total, the rx stage (pipeline)
 * weir_rx_stage_NAME_total / weir_drop_X_total, emitter
 * weir_emitter_NAME_total / weir_drop_X_total, one quantile per
 * WEIR_LAT_PERCENTILES row.
 */
#ifndef WEIR_METRICS_H
#define WEIR_METRICS_H

#include <netinet/in.h>
#include <stdio.h>

#include "conf.h"
#include "diag.h"
#include "obs.h"

struct weir_metrics;

/**
 * Parse "PORT", ":PORT", "localhost:PORT" or "A.B.C.D:PORT" (IPv4) into the
 * caller's @p sa. Thread: any; pure.
 * @return 0 or -EINVAL.
 */
int weir_metrics_parse_listen(const char *text, struct sockaddr_in *sa);

/**
 * Write the exposition text of @p obs to @p f (the caller's stream). Thread:
 * any but a worker's (libmicrohttpd's, tests), as the weir_obs_* views it
 * builds on.
 * @return 0, or -EAGAIN when a view could not be built, whatever the
 *         reason (counters busy, out of memory, no rule set): nothing is
 *         written then. Errors of @p f itself are not reported.
 */
int weir_metrics_write(const struct weir_obs *obs, FILE *f);

#define WEIR_METRICS_MAX_CLIENTS 64   /* default of metrics.max-clients */
#define WEIR_METRICS_TIMEOUT_MS	 3000 /* default of metrics.timeout-ms */

/**
 * Listen on @p listen and serve /metrics from libmicrohttpd's own thread,
 * at most @p max_clients connections at once, each closed after
 * @p timeout_ms (rounded up to seconds) without progress; 0 = defaults.
 * A slow client holds one slot for at most that long and never delays
 * the others: the thread only polls.
 * Thread: main (weir_control_start()), after the workers were launched;
 * @p obs is borrowed and must outlive weir_metrics_stop(), which frees the
 * returned server; @p listen is borrowed for the call.
 * @return the server, or NULL with errno (ENOTSUP when weir was built
 * without libmicrohttpd, EINVAL, EADDRINUSE, ...).
 */
struct weir_metrics *weir_metrics_start(const struct weir_obs *obs, const char *listen,
					unsigned int max_clients, unsigned int timeout_ms);

/** Stop serving and free @p m; returns once libmicrohttpd's thread ended
 *  (no request reads @p obs afterwards). Thread: main (weir_control_stop).
 *  NULL safe. */
void weir_metrics_stop(struct weir_metrics *m);

/**
 * Validate the control keys (ctl.mode, metrics.listen) before anything
 * starts, so --check-config catches them. Thread: main, before launch
 * (any thread would do: no global state). Appends to @p ds (the caller's).
 * @return 0 or -EINVAL with a diagnostic naming the key.
 */
int weir_control_conf_check(const struct weir_conf *c, struct weir_diags *ds);

#endif /* WEIR_METRICS_H */
