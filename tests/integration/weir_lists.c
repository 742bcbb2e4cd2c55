/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prints the rows of weir's lists (common/counters.h, common/ctl_cmds.h),
 * one "LIST NAME [ROLE]" per line, for test_ctl.sh to check that weirctl
 * and the stats socket show every one of them.
 */
#include <stdio.h>

#include "counters.h"
#include "ctl_cmds.h"

int
main(void)
{
#define P_PORT(n, doc)		     printf("port %s\n", #n);
#define P_SINK(n, kind, doc)	     printf("sink %s\n", #n);
#define P_WORKER(n, kind, doc)	     printf("worker %s\n", #n);
#define P_EMIT(n, doc)		     printf("emitter %s\n", #n);
#define P_DISP(n, kind, doc)	     printf("rx_stage %s\n", #n);
#define P_PCT(n, pct)		     printf("percentile %s\n", #n);
#define P_CMD(n, role, options, doc) printf("command %s %s\n", #n, #role);
	WEIR_PORT_COUNTERS(P_PORT)
	WEIR_SINK_COUNTERS(P_SINK)
	WEIR_WORKER_COUNTERS(P_WORKER)
	WEIR_DISPATCH_COUNTERS(P_DISP)
	WEIR_EMITTER_COUNTERS(P_EMIT)
	WEIR_LAT_PERCENTILES(P_PCT)
	WEIR_CTL_COMMANDS(P_CMD)
	return 0;
}
