/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control side as the configuration asks for it: the stats socket
 * (ctl.h, ctl.*), DPDK telemetry (telemetry.h) and Prometheus (metrics.h,
 * metrics.listen), all read-only views of one struct weir_obs, served off
 * the data path on their own threads. A failure to serve one is logged and
 * weir keeps capturing. Main thread only.
 */
#ifndef WEIR_CONTROL_H
#define WEIR_CONTROL_H

#include <stdbool.h>
#include <sys/types.h>

#include "conf.h"
#include "ctl.h"
#include "metrics.h"
#include "obs.h"

/* What weir_control_start() started; NULL members were not. */
struct weir_control {
	struct weir_ctl *ctl;
	struct weir_metrics *metrics;
};

/**
 * The gid of ctl.admin-group / ctl.monitor-group @p name. Main thread.
 * @return 0, -ENOENT (@p name is "": no such role restriction) or -EINVAL
 *         (no such group).
 */
int weir_control_group(const char *name, gid_t *gid);

/**
 * Attach DPDK telemetry to @p obs, serve the stats socket (ctl.enabled; on
 * an offline source only with ctl.keep-alive) and Prometheus
 * (metrics.listen, when set). Main thread, after the workers were launched.
 * @param cs   out; stop it with weir_control_stop()
 * @param obs  borrowed: must outlive weir_control_stop()
 */
void weir_control_start(struct weir_control *cs, const struct weir_conf *c, struct weir_obs *obs,
			bool offline);

/** Stop everything weir_control_start() started and detach telemetry.
 *  Main thread, once the workers returned. */
void weir_control_stop(struct weir_control *cs);

#endif /* WEIR_CONTROL_H */
