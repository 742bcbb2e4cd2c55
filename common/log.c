/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The logtypes of every weir module, registered in one place below the
 * layers that log (app/, drivers/), so that `--log-level=weir.*:debug`
 * sees all of them however the binary or a test is linked. Each is a
 * constructor that runs before main() and before rte_eal_init() parses
 * --log-level.
 */
#include "log.h"

RTE_LOG_REGISTER(weir_logtype_app, weir.app, NOTICE);
RTE_LOG_REGISTER(weir_logtype_capture, weir.capture, NOTICE);
RTE_LOG_REGISTER(weir_logtype_sink, weir.sink, NOTICE);
RTE_LOG_REGISTER(weir_logtype_ctl, weir.ctl, NOTICE);
RTE_LOG_REGISTER(weir_logtype_rules, weir.rules, NOTICE);
