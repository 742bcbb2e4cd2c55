/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging over rte_log, one logtype per module, so `--log-level=weir.*:debug`
 * works like any DPDK component. Messages are lower-case and lead with the
 * object they are about. Never used per packet.
 *
 * The logtypes are registered in common/log.c (constructors, before main).
 * WEIR_LOG may be called from any thread: rte_log serialises writes to its
 * stream. It is the only way app/, drivers/ and rules/ code reports a
 * problem it does not return; libraries under rules/ return diagnostics
 * (diag.h) instead and never log.
 */
#ifndef WEIR_LOG_H
#define WEIR_LOG_H

#include <rte_log.h>

extern int weir_logtype_app;
extern int weir_logtype_capture;
extern int weir_logtype_sink;
extern int weir_logtype_ctl;   /* stats socket, telemetry, metrics (app/ctl.c) */
extern int weir_logtype_rules; /* rule reload (app/reload.c) */

#define WEIR_LOG(level, module, fmt, ...)                                                          \
	rte_log(RTE_LOG_##level, weir_logtype_##module, "weir: " fmt "\n", ##__VA_ARGS__)

#endif /* WEIR_LOG_H */
