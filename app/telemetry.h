/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry: the stats socket's views as /weir/... commands on DPDK's
 * telemetry socket (dpdk-telemetry.py), answered on DPDK's telemetry
 * thread. Telemetry has no way to unregister a command, so the commands
 * are registered once and answer an error once weir_telemetry_detach()
 * ran; they never touch freed state.
 */
#ifndef WEIR_TELEMETRY_H
#define WEIR_TELEMETRY_H

#include <stdbool.h>

#include "obs.h"

/**
 * Register /weir/NAME for every MONITOR row of common/ctl_cmds.h (stats,
 * workers, ports, rules, latency, sinks, version, help) over @p obs, which
 * is borrowed until weir_telemetry_detach(). Main thread, after
 * rte_eal_init(); the commands are answered on DPDK's telemetry thread.
 */
void weir_telemetry_attach(struct weir_obs *obs);

/** Make the commands answer "weir is not running" from now on; returns
 *  once no command reads @p obs any more. Main thread. */
void weir_telemetry_detach(void);

/** Whether /weir/@p name is served (tests walk the command list). Any
 *  thread. */
bool weir_telemetry_serves(const char *name);

#endif /* WEIR_TELEMETRY_H */
