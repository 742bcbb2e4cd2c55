/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weirctl top: a live view, refreshed each second, over one connection:
 * packet and alert rates from the difference of two stats replies, every
 * drop_* counter of every list (common/counters.h; ports and sinks summed), latency percentiles of
 * the last 10 s and the top rules. The screen is cleared with ANSI codes only when stdout is a
 * terminal, so `weirctl top --iterations 3 > file` is a plain log.
 */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "weirctl.h"

static volatile sig_atomic_t g_top_stop;
static bool g_top_tty; /* stdout is a terminal: ANSI codes */

static void
top_on_signal(int sig)
{
	(void)sig;
	g_top_stop = 1;
}

static double
top_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The sum of counter @p key over the objects of array @p a. */
static uint64_t
top_sum(const json_t *a, const char *key)
{
	const json_t *o;
	uint64_t n = 0;
	size_t i;

	json_array_foreach(a, i, o) n += weirctl_u64(o, key);
	return n;
}

/* Every loss counter of every list (drop_*), ports and sinks summed. */
static void
top_drops(const json_t *st)
{
	const json_t *w = json_object_get(st, "workers");
	const json_t *em = json_object_get(st, "emitter");
	const json_t *rx = json_object_get(st, "rx_stage");
	const json_t *ports = json_object_get(st, "ports");
	const json_t *sinks = json_object_get(st, "sinks");

	printf("drops:");
#define TOP_DROP(prefix, value, name)                                                              \
	if (strncmp(#name, "drop_", 5) == 0)                                                       \
		printf(" %s%s %" PRIu64, prefix, &#name[5], value);
#define TOP_PORT(name, doc)	    TOP_DROP("", top_sum(ports, #name), name)
#define TOP_WORKER(name, kind, doc) TOP_DROP("", weirctl_u64(w, #name), name)
#define TOP_EMITTER(name, doc)	    TOP_DROP("", weirctl_u64(em, #name), name)
#define TOP_DISP(name, kind, doc)   TOP_DROP("", weirctl_u64(rx, #name), name)
#define TOP_SINK(name, kind, doc)   TOP_DROP("sink_", top_sum(sinks, #name), name)
	WEIR_PORT_COUNTERS(TOP_PORT)
	WEIR_WORKER_COUNTERS(TOP_WORKER)
	WEIR_DISPATCH_COUNTERS(TOP_DISP)
	WEIR_EMITTER_COUNTERS(TOP_EMITTER)
	WEIR_SINK_COUNTERS(TOP_SINK)
#undef TOP_SINK
#undef TOP_EMITTER
#undef TOP_DISP
#undef TOP_WORKER
#undef TOP_PORT
#undef TOP_DROP
	printf("\n");
}

static void
top_print(const json_t *st, const json_t *rules, const json_t *prev, double dt)
{
	const json_t *w = json_object_get(st, "workers");
	const json_t *pw = json_object_get(prev, "workers");
	const json_t *acc = json_object_get(st, "accounting");
	const json_t *lat = json_object_get(json_object_get(st, "latency"), "last_10s");
	double rate = 0, arate = 0, brate = 0;
	uint64_t lost;

	if (prev != NULL && dt > 0) {
		rate = (double)(weirctl_u64(w, "rx_packets") - weirctl_u64(pw, "rx_packets")) / dt;
		brate = (double)(weirctl_u64(w, "rx_bytes") - weirctl_u64(pw, "rx_bytes")) * 8 / dt;
		arate = (double)(weirctl_u64(w, "alerts") - weirctl_u64(pw, "alerts")) / dt;
	}
	printf("weir top - driver %s, up %.0f s, %s\n", weirctl_str(st, "driver"),
	       weirctl_real(st, "uptime_s"),
	       json_is_true(json_object_get(st, "running")) ? "capturing" : "capture ended");
	printf("rx      %12.0f pkt/s %10.3f Mbit/s   total %" PRIu64 " pkts\n", rate, brate / 1e6,
	       weirctl_u64(w, "rx_packets"));
	printf("alerts  %12.0f /s                      total %" PRIu64 "\n", arate,
	       weirctl_u64(w, "alerts"));
	lost = weirctl_lost(st, NULL);
	/* A loss is flagged, in red on a terminal: "ok" alone hid it. */
	printf("accounting: %s, events in flight %lld, %s%s%" PRIu64 " lost%s\n",
	       json_is_true(json_object_get(acc, "packets_ok")) &&
			       json_is_true(json_object_get(acc, "events_ok"))
		       ? "ok"
		       : "MISMATCH",
	       (long long)json_integer_value(json_object_get(acc, "events_in_flight")),
	       lost != 0 && g_top_tty ? "\033[1;31m" : "", lost != 0 ? "LOSS: " : "", lost,
	       lost != 0 && g_top_tty ? "\033[0m" : "");
	top_drops(st);
	printf("latency last 10 s (us): ");
	weirctl_print_pct_line(lat);
	printf("  (%" PRIu64 " events)\n", weirctl_u64(lat, "count"));
	weirctl_print_rules(rules);
}

int
cmd_top(struct weirctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{"iterations", required_argument, NULL, 'n'},
		{"top", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	const struct timespec second = {.tv_sec = 1};
	struct sigaction sa = {.sa_handler = top_on_signal};
	json_t *prev = NULL;
	double prev_t = 0;
	long iterations = 0, it;
	int opt, top = 5, ret = WEIRCTL_EXIT_OK, tty = isatty(STDOUT_FILENO);
	char *end;

	g_top_tty = tty != 0;
	while ((opt = getopt_long(argc, argv, "n:t:", opts, NULL)) != -1) {
		if (opt == 'n') {
			iterations = strtol(optarg, &end, 10);
			if (*end != '\0' || iterations < 0) {
				fprintf(stderr,
					"weirctl top: --iterations N, N >= 0 (0 = forever)\n");
				return WEIRCTL_EXIT_USAGE;
			}
		} else if (opt != 't' || (top = weirctl_parse_top(optarg)) == 0) {
			fprintf(stderr, "weirctl top: [--iterations N] [--top N]\n");
			return WEIRCTL_EXIT_USAGE;
		}
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	for (it = 0; !g_top_stop && (iterations == 0 || it < iterations); it++) {
		json_t *st = NULL, *rules = NULL;
		double t;

		if (it > 0)
			nanosleep(&second, NULL);
		if (g_top_stop)
			break;
		ret = weirctl_request(ctl, json_pack("{s:s}", "command", "stats"), &st, NULL);
		if (ret == WEIRCTL_EXIT_OK)
			ret = weirctl_request(
				ctl, json_pack("{s:s,s:i}", "command", "rules", "top", top), &rules,
				NULL);
		t = top_now();
		if (ret != WEIRCTL_EXIT_OK) {
			if (ret == WEIRCTL_EXIT_REPLY)
				weirctl_print_error(rules ? rules : st);
			json_decref(st);
			json_decref(rules);
			break;
		}
		if (tty)
			fputs("\033[H\033[2J", stdout);
		else if (it > 0)
			fputs("\n", stdout);
		top_print(st, rules, prev, t - prev_t);
		fflush(stdout);
		json_decref(prev);
		json_decref(rules);
		prev = st;
		prev_t = t;
	}
	json_decref(prev);
	return ret;
}
