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
 * Parse "PORT", ":PORT", "localhost:PORT" or "A.B.C.D:PORT" (IPv4).
 * @return 0 or -EINVAL.
 */
int weir_metrics_parse_listen(const char *text, struct sockaddr_in *sa); /* any thread */

/**
 * Write the exposition text of @p obs to @p f. Any thread but a worker's.
 * @return 0 or -EAGAIN (counters busy) / -ENOMEM.
 */
int weir_metrics_write(const struct weir_obs *obs, FILE *f);

/**
 * Listen on @p listen and serve /metrics from libmicrohttpd's own thread.
 * Main thread, after the workers were launched; @p obs is borrowed and
 * must outlive weir_metrics_stop().
 * @return the server, or NULL with errno (ENOTSUP when weir was built
 * without libmicrohttpd, EINVAL, EADDRINUSE, ...).
 */
struct weir_metrics *weir_metrics_start(const struct weir_obs *obs, const char *listen);

/** Stop serving; returns once libmicrohttpd's thread ended (no request
 *  reads @p obs afterwards). Main thread. NULL safe. */
void weir_metrics_stop(struct weir_metrics *m);

/**
 * Validate the control keys (ctl.mode, metrics.listen) before anything
 * starts, so --check-config catches them. @return 0 or -EINVAL with a
 * diagnostic naming the key. Any thread (main, before launch).
 */
int weir_control_conf_check(const struct weir_conf *c, struct weir_diags *ds);

#endif /* WEIR_METRICS_H */
