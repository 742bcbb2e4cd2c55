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

#include "obs.h"

/** Register /weir/stats, /weir/workers, /weir/ports, /weir/rules,
 *  /weir/latency over @p obs. Main thread, after rte_eal_init(). */
void weir_telemetry_attach(struct weir_obs *obs);

/** Make the commands answer "weir is stopping" from now on. */
void weir_telemetry_detach(void);

#endif /* WEIR_TELEMETRY_H */
