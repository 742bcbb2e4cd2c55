/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The summary weir prints when it ends: per-worker counters summed, each
 * port's, the emitter's, latency over the run, each sink's, and the
 * accounting identities, each "ok" or "MISMATCH". Every block walks its
 * list in common/counters.h, so a counter added there shows up here.
 */
#ifndef WEIR_SUMMARY_H
#define WEIR_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "latency.h"
#include "sink.h"
#include "stats.h"
#include "worker.h"

/* What the summary reads; all borrowed, nothing is kept. */
struct weir_summary_in {
	const char *driver;   /* "dpdk", "pcap", "afxdp" */
	const char *if_label; /* the interfaces, "a,b" */
	unsigned int n_rules; /* in the rule set in force */
	/* rule reloads (struct weir_reloader's counts) */
	uint64_t reloads_ok, reloads_failed, generation;
	struct weir_worker *const *workers; /* done: no worker runs any more */
	unsigned int n_workers;
	const struct weir_port *ports; /* ports[0..n_ports), stopped, not closed */
	unsigned int n_ports;
	/* the rx stage's (run mode pipeline, finished), NULL = run mode workers */
	const struct weir_dispatch_stats *disp;
	const struct weir_emitter_stats *em; /* the emitter's, no longer written */
	const struct weir_latency *lat;	     /* NULL = not recorded */
	const struct weir_sink *sinks;	     /* sinks[0..n_sinks), stopped */
	unsigned int n_sinks;
	uint64_t hz; /* TSC Hz, for elapsed time and latency */
};

#define WEIR_SUMMARY_INPUT_ERROR 0x1 /* a port's source ended on an error */
#define WEIR_SUMMARY_LOSS	 0x2 /* some drop_* counter is non-zero */

/**
 * Print the summary to @p f. Main thread, once the workers, the emitter
 * and the sinks' threads are done (it reads their counters plainly) and
 * before the ports are closed (it calls weir_port_stats).
 * @return WEIR_SUMMARY_INPUT_ERROR when a port's source ended on an error
 * (printed last as "weir: PORT: the capture ended on an error: ..."),
 * WEIR_SUMMARY_LOSS when any drop_* counter of any list is non-zero
 * (printed before it as "weir: LOSS: <where> <counter> <n>, ..."), or'd;
 * 0 when neither.
 */
int weir_summary_print(FILE *f, const struct weir_summary_in *in);

#endif /* WEIR_SUMMARY_H */
