/* SPDX-License-Identifier: BSD-3-Clause */
/* weirctl stats: the whole stats reply as readable tables. */
#include <inttypes.h>
#include <stdio.h>

#include "weirctl.h"

/* A counter block: every row of the list, by name. */
#define STATS_LINE3(name, kind, doc) STATS_LINE(name, doc)
#define STATS_LINE(name, doc)	     printf("  %-22s %16" PRIu64 "\n", #name, weirctl_u64(o, #name));

static void
stats_workers(const json_t *o)
{
	printf("workers (sum):\n");
	WEIR_WORKER_COUNTERS(STATS_LINE3)
}

static void
stats_rx_stage(const json_t *o)
{
	printf("rx stage (runmode pipeline; 0 in runmode workers):\n");
	WEIR_DISPATCH_COUNTERS(STATS_LINE3)
}

static void
stats_emitter(const json_t *o)
{
	printf("emitter:\n");
	WEIR_EMITTER_COUNTERS(STATS_LINE)
}

int
cmd_stats(struct weirctl *ctl, int argc, char **argv)
{
	json_t *rep = NULL, *acc, *r;
	size_t i;
	int ret;

	(void)argv;
	if (argc > 1)
		return WEIRCTL_EXIT_USAGE;
	ret = weirctl_simple(ctl, "stats", &rep);
	if (rep == NULL)
		return ret;
	printf("weir: driver %s, %" PRIu64 " worker(s), runmode %s, %" PRIu64
	       " rules, up %.1f s, %s\n\n",
	       weirctl_str(rep, "driver"), weirctl_u64(rep, "n_workers"),
	       weirctl_str(rep, "runmode"), weirctl_u64(rep, "n_rules"),
	       weirctl_real(rep, "uptime_s"),
	       json_is_true(json_object_get(rep, "running")) ? "capturing" : "capture ended");
	acc = json_object_get(rep, "accounting");
	printf("accounting:\n");
	printf("  received %" PRIu64 " = processed %" PRIu64 " + dropped %" PRIu64 ": %s\n",
	       weirctl_u64(acc, "received"), weirctl_u64(acc, "processed"),
	       weirctl_u64(acc, "dropped"),
	       json_is_true(json_object_get(acc, "packets_ok")) ? "ok" : "MISMATCH");
	printf("  alerts %" PRIu64 " + flow records %" PRIu64 " + observation records %" PRIu64
	       " = enqueued %" PRIu64 " + drop_ring_full %" PRIu64 ": %s (in flight %lld)\n",
	       weirctl_u64(acc, "alerts"), weirctl_u64(acc, "flow_records"),
	       weirctl_u64(acc, "window_obs_records"), weirctl_u64(acc, "events_enqueued"),
	       weirctl_u64(acc, "drop_ring_full"),
	       json_is_true(json_object_get(acc, "events_ok")) ? "ok" : "MISMATCH",
	       (long long)json_integer_value(json_object_get(acc, "events_in_flight")));
	/* Every drop_* counter, so a loss shows here and not only below. */
	printf("  loss:");
	if (weirctl_lost(rep, stdout) == 0)
		printf(" none");
	printf("\n\n");
	stats_workers(json_object_get(rep, "workers"));
	printf("\n");
	stats_rx_stage(json_object_get(rep, "rx_stage"));
	printf("\n");
	weirctl_print_ports(json_object_get(rep, "ports"));
	printf("\n%-22s %10s %10s %12s\n", "ring", "events", "capacity", "high_water");
	json_array_foreach(json_object_get(rep, "rings"), i, r) printf(
		"%-22s %10" PRIu64 " %10" PRIu64 " %12" PRIu64 "\n", weirctl_str(r, "name"),
		weirctl_u64(r, "count"), weirctl_u64(r, "capacity"), weirctl_u64(r, "high_water"));
	printf("\n");
	stats_emitter(json_object_get(rep, "emitter"));
	printf("\n");
	weirctl_print_sinks(json_object_get(rep, "sinks"));
	printf("\n");
	weirctl_print_latency(json_object_get(rep, "latency"));
	json_decref(rep);
	return ret;
}
