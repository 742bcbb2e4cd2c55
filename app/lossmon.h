/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The loss log: every drop_* counter of every list (common/counters.h:
 * the workers' summed, the rx stage's, the emitter's, each port's and each
 * sink's) watched from the main lcore, so a loss reaches the log where an
 * operator looks, not only the counters. The first loss of each kind is
 * logged at warning level with its cause (the counter's doc; for a sink's
 * drop_errors, the errno text of its last failed write), then at most one
 * line per kind every WEIR_LOSSMON_INTERVAL_S with the count since the
 * last line. Nothing on the packet path: it reads the counters the views
 * read.
 */
#ifndef WEIR_LOSSMON_H
#define WEIR_LOSSMON_H

#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "dispatch.h"
#include "emitter.h"
#include "worker.h"

#define WEIR_LOSSMON_INTERVAL_S 10  /* one line per kind at most this often */
#define WEIR_LOSSMON_CHECK_MS	250 /* how often the counters are read */
#define WEIR_LOSSMON_SLOTS	512 /* kinds watched (counter x port/sink) */

struct weir_lossmon_slot {
	uint64_t logged; /* the count as of the last line */
	uint64_t at_ns;	 /* when that line was written, 0 = never */
};

struct weir_lossmon {
	uint64_t next_ns; /* next check */
	struct weir_lossmon_slot slot[WEIR_LOSSMON_SLOTS];
};

/* What the monitor reads; all borrowed. */
struct weir_lossmon_in {
	struct weir_worker *const *workers;
	unsigned int n_workers;
	const struct weir_port *ports;
	unsigned int n_ports;
	const struct weir_dispatch_stats *disp; /* NULL: no rx stage */
	const struct weir_emitter_stats *em;
	struct weir_sink *const *sinks;
	unsigned int n_sinks;
};

/**
 * Read every drop_* counter and log what grew, as the header says. At most
 * once per WEIR_LOSSMON_CHECK_MS unless @p final, which also writes every
 * count not logged yet whatever the interval (the end of the run).
 * Thread: main only (it reads the sinks' and the emitter's counters).
 */
void weir_lossmon_check(struct weir_lossmon *m, const struct weir_lossmon_in *in, bool final);

#endif /* WEIR_LOSSMON_H */
