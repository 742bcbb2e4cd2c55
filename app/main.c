/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weir: the binary. Reads the configuration (defaults, then -c FILE, then
 * the command line), loads the rules, starts EAL, opens the capture port and
 * the sinks, launches one worker per worker lcore and runs the emitter on
 * the main lcore until the source ends (offline) or a signal arrives; then
 * drains every ring, flushes every sink and prints the summary. The only
 * file that may exit().
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_version.h>
#include <rte_ring.h>

#include "capture.h"
#include "conf.h"
#include "emitter.h"
#include "log.h"
#include "rules.h"
#include "sink.h"
#include "stats.h"
#include "weir_config.h"
#include "worker.h"

RTE_LOG_REGISTER(weir_logtype_app, weir.app, NOTICE);

/* Exit statuses, documented in --help. */
#define WEIR_EXIT_OK 0
#define WEIR_EXIT_USAGE 1    /* bad option, config or rule file */
#define WEIR_EXIT_RUNTIME 2  /* EAL, port or sink could not start */
#define WEIR_EXIT_INPUT 3    /* the source ended on an error (damaged file) */

#define WEIR_MAX_EAL_ARGS 128
#define WEIR_DIAGS_MAX 1000

/* Set from signal handlers; read by main and (stop) by the workers. */
static atomic_bool g_stop;
static atomic_bool g_reopen;

struct weir_app {
	struct weir_conf conf;
	const char *conf_file;
	int check_config;
	int dump_config;
	char *eal_argv[WEIR_MAX_EAL_ARGS];
	int eal_argc;
	struct weir_ruleset *rs;
	struct weir_port port;
	const struct weir_port *ports[1];
	struct weir_sink jsonl;
	int jsonl_open;
	struct rte_ring *rings[RTE_MAX_LCORE];
	struct weir_worker *workers[RTE_MAX_LCORE];
	unsigned int n_workers;
	struct weir_emitter em;
};

enum {
	OPT_SET = 256,
	OPT_COUNT,
	OPT_CHECK_CONFIG,
	OPT_DUMP_CONFIG,
};

static const struct option g_long_opts[] = {
	{"config", required_argument, NULL, 'c'},
	{"read", required_argument, NULL, 'r'},
	{"interface", required_argument, NULL, 'i'},
	{"rules", required_argument, NULL, 'S'},
	{"output", required_argument, NULL, 'o'},
	{"workers", required_argument, NULL, 'w'},
	{"count", required_argument, NULL, OPT_COUNT},
	{"set", required_argument, NULL, OPT_SET},
	{"check-config", no_argument, NULL, OPT_CHECK_CONFIG},
	{"dump-config", no_argument, NULL, OPT_DUMP_CONFIG},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: weir [OPTIONS] [-- EAL-ARGS...]\n"
		"\n"
		"Capture packets (DPDK port, or a pcap file offline), scan TCP/UDP payloads\n"
		"against Hyperscan signature rules and write one EVE JSON alert per\n"
		"(packet, rule) that matches.\n"
		"\n"
		"Options (each overrides the configuration file):\n"
		"  -c, --config FILE     YAML configuration (default: none, built-in defaults)\n"
		"  -r, --read FILE       replay a pcap/pcapng file offline, then exit\n"
		"                        (capture.pcap-file; capture.driver auto picks pcap)\n"
		"  -i, --interface PORT  DPDK port name or index (capture.interface)\n"
		"  -S, --rules FILE      signature file ID:/regex/flags; repeatable; replaces\n"
		"                        rules.files of the configuration file\n"
		"  -o, --output FILE     EVE JSON lines output, '-' = stdout (output.jsonl)\n"
		"  -w, --workers N       worker lcores, one rx queue each (workers)\n"
		"      --count N         stop after N packets (capture.count)\n"
		"      --set KEY=VALUE   set any configuration key below\n"
		"      --check-config    validate configuration and rules, then exit\n"
		"      --dump-config     print the effective configuration as YAML, then exit\n"
		"  -h, --help            this text\n"
		"  -V, --version         print the version\n"
		"\n"
		"EAL arguments after '--' go to DPDK (with dpdk.eal-args), e.g.\n"
		"  weir -S rules.sigs -i net_pcap0 -- --no-huge --vdev net_pcap0,rx_pcap=x.pcap\n"
		"Offline (-r) runs EAL with --no-huge --no-shconf --no-pci by default.\n"
		"\n"
		"Exit status: 0 success; 1 bad option, configuration or rule file;\n"
		"2 EAL, port or output could not start; 3 the capture file ended on an error.\n"
		"Signals: SIGINT/SIGTERM stop (drain, flush, summary); SIGUSR1 reopens the\n"
		"output file; SIGHUP is ignored (rule reload is not supported yet).\n"
		"\n");
	weir_conf_help(f);
}

static void
print_diags(const struct weir_diags *ds)
{
	char buf[1024];
	unsigned int i;

	for (i = 0; i < ds->n; i++) {
		weir_diag_format(&ds->v[i], buf, sizeof(buf));
		fprintf(stderr, "%s\n", buf);
	}
	if (ds->total > ds->n)
		fprintf(stderr, "... and %u more errors\n", ds->total - ds->n);
}

static int
conf_set_or_report(struct weir_app *app, const char *key, const char *val,
		   struct weir_diags *ds)
{
	int ret = weir_conf_set(&app->conf, key, val, "command line", ds);

	if (ret == -ENOENT && ds->total == 0)
		weir_diag_add(ds, "command line", 0, 0, key, "unknown key '%s'", key);
	return ret;
}

/* Options in two passes: -c first (the file sits under every override),
 * then everything else in command-line order. */
static int
parse_args(struct weir_app *app, int argc, char **argv, struct weir_diags *ds)
{
	int opt, ret, rules_cleared = 0;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+c:r:i:S:o:w:hV", g_long_opts, NULL)) != -1) {
		if (opt == 'c')
			app->conf_file = optarg;
		else if (opt == 'h') {
			usage(stdout);
			exit(WEIR_EXIT_OK);
		} else if (opt == 'V') {
			printf("weir %s (DPDK %s, Hyperscan %s)\n", WEIR_VERSION, rte_version(),
			       hs_version());
			exit(WEIR_EXIT_OK);
		} else if (opt == '?') {
			fprintf(stderr, "weir: unknown or incomplete option '%s' (see --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (app->conf_file != NULL) {
		ret = weir_conf_load_file(&app->conf, app->conf_file, ds);
		if (ret < 0)
			return ret;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+c:r:i:S:o:w:hV", g_long_opts, NULL)) != -1) {
		char *eq;

		ret = 0;
		switch (opt) {
		case 'r':
			ret = conf_set_or_report(app, "capture.pcap-file", optarg, ds);
			break;
		case 'i':
			ret = conf_set_or_report(app, "capture.interface", optarg, ds);
			break;
		case 'S':
			if (!rules_cleared) {
				weir_conf_clear(&app->conf, "rules.files");
				rules_cleared = 1;
			}
			ret = conf_set_or_report(app, "rules.files", optarg, ds);
			break;
		case 'o':
			ret = conf_set_or_report(app, "output.jsonl", optarg, ds);
			break;
		case 'w':
			ret = conf_set_or_report(app, "workers", optarg, ds);
			break;
		case OPT_COUNT:
			ret = conf_set_or_report(app, "capture.count", optarg, ds);
			break;
		case OPT_SET:
			eq = strchr(optarg, '=');
			if (eq == NULL) {
				weir_diag_add(ds, "command line", 0, 0, "--set",
					      "--set needs KEY=VALUE, got '%s'", optarg);
				ret = -EINVAL;
				break;
			}
			*eq = '\0';
			ret = conf_set_or_report(app, optarg, eq + 1, ds);
			*eq = '=';
			break;
		case OPT_CHECK_CONFIG:
			app->check_config = 1;
			break;
		case OPT_DUMP_CONFIG:
			app->dump_config = 1;
			break;
		default:
			break;
		}
		if (ret < 0)
			return ret;
	}
	return optind;
}

static const char *
resolve_driver(const struct weir_conf *c)
{
	if (strcmp(c->capture_driver, "auto") != 0)
		return c->capture_driver;
	return c->capture_pcap_file[0] != '\0' ? "pcap" : "dpdk";
}

static int
eal_push(struct weir_app *app, const char *arg)
{
	if (app->eal_argc >= WEIR_MAX_EAL_ARGS - 1)
		return -E2BIG;
	app->eal_argv[app->eal_argc] = strdup(arg);
	if (app->eal_argv[app->eal_argc] == NULL)
		return -ENOMEM;
	app->eal_argc++;
	return 0;
}

static int
eal_has_lcore_opt(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "-l") == 0 || strncmp(argv[i], "--lcores", 8) == 0 ||
		    strcmp(argv[i], "-c") == 0 || strncmp(argv[i], "-l", 2) == 0)
			return 1;
	return 0;
}

/*
 * EAL's arguments: our defaults first, then dpdk.eal-args, then what
 * followed "--", so an operator can override any default. Offline replay
 * needs no hugepages, no PCI scan and no shared runtime directory.
 */
static int
build_eal_args(struct weir_app *app, const char *driver, int argc, char **argv)
{
	char lcores[512];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int i;
	size_t off = 0;
	int ret = 0;

	if (ncpu < 1)
		ncpu = 1;
	ret |= eal_push(app, "weir");
	ret |= eal_push(app, "--log-level=lib.eal:warning");
	snprintf(lcores, sizeof(lcores), "--log-level=weir.*:%s", app->conf.log_level);
	ret |= eal_push(app, lcores);
	if (strcmp(driver, "pcap") == 0) {
		ret |= eal_push(app, "--no-huge");
		ret |= eal_push(app, "--no-shconf"); /* --in-memory needs hugepages */
		ret |= eal_push(app, "--no-pci");
		ret |= eal_push(app, "--no-telemetry");
	}
	if (!eal_has_lcore_opt(argc, argv) &&
	    !eal_has_lcore_opt((int)app->conf.eal_args.n, app->conf.eal_args.v)) {
		/* Main lcore + one per worker, spread over the CPUs there are
		 * (sharing a CPU when there are fewer). */
		off += (size_t)snprintf(lcores + off, sizeof(lcores) - off, "--lcores=");
		for (i = 0; i <= app->conf.workers && off < sizeof(lcores); i++)
			off += (size_t)snprintf(lcores + off, sizeof(lcores) - off, "%s%u@%ld",
						i ? "," : "", i, (long)i % ncpu);
		ret |= eal_push(app, lcores);
	}
	for (i = 0; i < app->conf.eal_args.n; i++)
		ret |= eal_push(app, app->conf.eal_args.v[i]);
	for (i = 0; i < (unsigned int)argc; i++)
		ret |= eal_push(app, argv[i]);
	return ret ? -E2BIG : 0;
}

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		atomic_store(&g_reopen, true);
	else
		atomic_store(&g_stop, true);
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

static int
setup_workers(struct weir_app *app)
{
	unsigned int lcore, i = 0;
	uint64_t max_pkts = app->conf.workers == 1 ? app->conf.capture_count : 0;
	int ret;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		char name[RTE_RING_NAMESIZE];
		struct weir_worker *w;

		if (i == app->n_workers)
			break;
		snprintf(name, sizeof(name), "weir_ev_%u", i);
		app->rings[i] = rte_ring_create_elem(name, sizeof(struct weir_event),
						     app->conf.events_ring_size,
						     (int)rte_lcore_to_socket_id(lcore),
						     RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (app->rings[i] == NULL) {
			WEIR_LOG(ERR, app, "rte_ring_create_elem(%u events) failed: %s",
				 app->conf.events_ring_size, rte_strerror(rte_errno));
			return -rte_errno;
		}
		w = rte_zmalloc_socket("weir_worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
				       (int)rte_lcore_to_socket_id(lcore));
		if (w == NULL)
			return -ENOMEM;
		app->workers[i] = w;
		ret = weir_worker_init(w, (uint16_t)i, app->port.rxq[i], app->rs, app->rings[i],
				       app->conf.events_payload_bytes, max_pkts, &g_stop);
		if (ret < 0)
			return ret;
		i++;
	}
	return 0;
}

static int
launch_workers(struct weir_app *app)
{
	unsigned int lcore, i = 0;
	int ret;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (i == app->n_workers)
			break;
		ret = rte_eal_remote_launch(weir_worker_main, app->workers[i], lcore);
		if (ret < 0) {
			WEIR_LOG(ERR, app, "rte_eal_remote_launch failed: %s", strerror(-ret));
			atomic_store(&g_stop, true);
			return ret;
		}
		i++;
	}
	return 0;
}

static int
workers_done(const struct weir_app *app)
{
	unsigned int i;

	for (i = 0; i < app->n_workers; i++)
		if (!atomic_load_explicit(&app->workers[i]->done, memory_order_acquire))
			return 0;
	return 1;
}

static void
sum_worker_stats(const struct weir_app *app, struct weir_worker_stats *sum)
{
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < app->n_workers; i++)
		weir_worker_stats_add(sum, &app->workers[i]->st);
}

/* Emitter on the main lcore, until every worker is done and the rings are
 * empty. Idle rounds sleep 100 us: this is not the per-packet path, and a
 * spinning main lcore would steal the CPU a worker may share. */
static void
run_main_loop(struct weir_app *app)
{
	const struct timespec idle = {.tv_sec = 0, .tv_nsec = 100000};
	uint64_t count = app->conf.capture_count;

	for (;;) {
		unsigned int n = weir_emitter_poll(&app->em);

		if (atomic_exchange(&g_reopen, false) && app->jsonl_open) {
			int ret = weir_sink_reopen(&app->jsonl);

			if (ret < 0 && ret != -ENOTSUP)
				WEIR_LOG(ERR, app, "jsonl: reopen failed: %s", strerror(-ret));
		}
		if (count != 0 && app->n_workers > 1) {
			struct weir_worker_stats sum;

			sum_worker_stats(app, &sum);
			if (sum.rx_packets >= count)
				atomic_store(&g_stop, true);
		}
		if (workers_done(app)) {
			/* done was release-stored after each worker's last
			 * enqueue: whatever is in the rings now is all. */
			while (weir_emitter_poll(&app->em) != 0)
				;
			break;
		}
		if (n == 0)
			nanosleep(&idle, NULL);
	}
	weir_emitter_flush(&app->em);
}

#define PRINT_COUNTER(name, doc) fprintf(stderr, "  %-22s %" PRIu64 "\n", #name ":", (uint64_t)s->name);

static void
print_worker_counters(const struct weir_worker_stats *s)
{
	WEIR_WORKER_COUNTERS(PRINT_COUNTER)
}

static void
print_emitter_counters(const struct weir_emitter_stats *s)
{
	WEIR_EMITTER_COUNTERS(PRINT_COUNTER)
}

static int
print_summary(struct weir_app *app, const char *driver)
{
	struct weir_worker_stats sum;
	struct weir_port_stats ps;
	struct weir_sink_stats ss;
	uint64_t hz = rte_get_tsc_hz(), cycles = 0;
	double elapsed;
	unsigned int i;
	int64_t unaccounted;
	int input_error = 0;

	sum_worker_stats(app, &sum);
	for (i = 0; i < app->n_workers; i++) {
		uint64_t c = app->workers[i]->end_tsc - app->workers[i]->start_tsc;

		if (c > cycles)
			cycles = c;
	}
	elapsed = hz ? (double)cycles / (double)hz : 0.0;
	fprintf(stderr, "weir: summary: %s %s, %u worker%s, %u rules\n", driver, app->port.name,
		app->n_workers, app->n_workers == 1 ? "" : "s", app->rs->n_rules);
	fprintf(stderr, " workers:\n");
	print_worker_counters(&sum);
	fprintf(stderr, "  %-22s %.6f\n", "elapsed_s:", elapsed);
	fprintf(stderr, "  %-22s %.0f\n", "rx_pps:", elapsed > 0 ? (double)sum.rx_packets / elapsed : 0.0);
	fprintf(stderr, "  %-22s %.3f\n", "scanned_gbps:",
		elapsed > 0 ? (double)sum.scanned_bytes * 8 / elapsed / 1e9 : 0.0);
	fprintf(stderr, " port %s:\n", app->port.name);
	if (weir_port_stats(&app->port, &ps) == 0) {
		fprintf(stderr, "  %-22s %" PRIu64 "\n", "rx_packets:", ps.rx_packets);
		fprintf(stderr, "  %-22s %" PRIu64 "\n", "rx_bytes:", ps.rx_bytes);
		fprintf(stderr, "  %-22s %" PRIu64 "\n", "drop_nic_missed:", ps.drop_nic_missed);
		fprintf(stderr, "  %-22s %" PRIu64 "\n", "drop_nic_errors:", ps.drop_nic_errors);
		fprintf(stderr, "  %-22s %" PRIu64 "\n", "drop_nombuf:", ps.drop_nombuf);
		if (ps.error[0] != '\0') {
			fprintf(stderr, "  %-22s %s\n", "input_error:", ps.error);
			input_error = 1;
		}
	}
	fprintf(stderr, " emitter:\n");
	print_emitter_counters(&app->em.st);
	if (app->jsonl_open) {
		weir_sink_stats(&app->jsonl, &ss);
		fprintf(stderr, " sink jsonl %s:\n", app->conf.output_jsonl);
		fprintf(stderr, "  %-22s %" PRIu64 "\n", "written:", ss.written);
		fprintf(stderr, "  %-22s %" PRIu64 "\n", "bytes:", ss.bytes);
		fprintf(stderr, "  %-22s %" PRIu64 "\n", "drop_errors:", ss.drop_errors);
		fprintf(stderr, "  %-22s %" PRIu64 "\n", "drop_backpressure:", ss.drop_backpressure);
	}
	unaccounted = weir_worker_stats_unaccounted(&sum);
	fprintf(stderr,
		" accounting: rx_packets %" PRIu64 " = scanned %" PRIu64 " + not_scanned %" PRIu64
		" + fragments %" PRIu64 " + malformed %" PRIu64 " + drop_scan_error %" PRIu64
		": %s\n",
		sum.rx_packets, sum.scanned, sum.not_scanned, sum.fragments, sum.malformed,
		sum.drop_scan_error, unaccounted == 0 ? "ok" : "MISMATCH");
	fprintf(stderr,
		" accounting: alerts %" PRIu64 " = events_enqueued %" PRIu64
		" + drop_ring_full %" PRIu64 "; events_enqueued = emitted %" PRIu64 ": %s\n",
		sum.alerts, sum.events_enqueued, sum.drop_ring_full, app->em.st.events,
		(sum.alerts == sum.events_enqueued + sum.drop_ring_full &&
		 sum.events_enqueued == app->em.st.events)
			? "ok"
			: "MISMATCH");
	if (input_error)
		fprintf(stderr, "weir: %s: the capture ended on an error: %s\n", app->port.name,
			ps.error);
	return input_error;
}

static int
open_sinks(struct weir_app *app)
{
	const struct weir_sink_ops *ops;
	/* The sink's buffer must hold the longest line the emitter can make. */
	struct weir_sink_conf sc = {
		.path = app->conf.output_jsonl,
		.buffer_size = app->em.text_slot > 32768 ? 2 * app->em.text_slot : 65536,
	};
	int ret;

	if (app->conf.output_jsonl[0] == '\0')
		return 0;
	ops = weir_sink_find("jsonl");
	if (ops == NULL) {
		WEIR_LOG(ERR, app, "jsonl sink not built");
		return -ENOENT;
	}
	ret = weir_sink_open(&app->jsonl, ops, &sc);
	if (ret < 0) {
		WEIR_LOG(ERR, app, "jsonl: cannot open '%s': %s", app->conf.output_jsonl,
			 strerror(-ret));
		return ret;
	}
	app->jsonl_open = 1;
	app->em.sinks[app->em.n_sinks++] = &app->jsonl;
	return 0;
}

static void
app_cleanup(struct weir_app *app)
{
	unsigned int i;

	for (i = 0; i < app->n_workers; i++) {
		if (app->workers[i] != NULL) {
			weir_worker_fini(app->workers[i]);
			rte_free(app->workers[i]);
		}
		rte_ring_free(app->rings[i]);
	}
	if (app->jsonl_open)
		weir_sink_close(&app->jsonl);
	weir_emitter_fini(&app->em);
	if (app->port.ops != NULL) {
		weir_port_stop(&app->port);
		weir_port_close(&app->port);
	}
}

int
main(int argc, char **argv)
{
	static struct weir_app app;
	static char *eal_argv[WEIR_MAX_EAL_ARGS];
	struct weir_diags ds;
	struct weir_port_conf pc;
	const struct weir_capture_ops *ops;
	const char *driver;
	int eal_first, ret, status = WEIR_EXIT_OK;

	/* EAL logs to stdout by default; stdout may carry our JSON. */
	rte_openlog_stream(stderr);
	if (weir_diags_init(&ds, WEIR_DIAGS_MAX) < 0 || weir_conf_defaults(&app.conf) < 0) {
		fprintf(stderr, "weir: out of memory\n");
		return WEIR_EXIT_RUNTIME;
	}
	eal_first = parse_args(&app, argc, argv, &ds);
	if (eal_first < 0) {
		print_diags(&ds);
		return WEIR_EXIT_USAGE;
	}
	if (app.dump_config) {
		weir_conf_dump(&app.conf, stdout);
		return WEIR_EXIT_OK;
	}
	driver = resolve_driver(&app.conf);
	if (strcmp(driver, "pcap") == 0 && app.conf.capture_pcap_file[0] == '\0') {
		fprintf(stderr, "weir: capture.driver is pcap but no file was given (-r FILE)\n");
		return WEIR_EXIT_USAGE;
	}
	ops = weir_capture_find(driver);
	if (ops == NULL) {
		fprintf(stderr, "weir: capture driver '%s' is not supported yet (built: %s)\n",
			driver, weir_capture_names());
		return WEIR_EXIT_USAGE;
	}

	app.rs = weir_ruleset_load((const char *const *)app.conf.rules_files.v,
				   app.conf.rules_files.n, NULL, &ds);
	if (app.rs == NULL) {
		print_diags(&ds);
		fprintf(stderr, "weir: rules refused (%u error%s); not starting\n", ds.total,
			ds.total == 1 ? "" : "s");
		return WEIR_EXIT_USAGE;
	}
	if (app.check_config) {
		printf("configuration OK: %u rules from %u file%s, database %zu bytes, compiled in "
		       "%.1f ms\n",
		       app.rs->n_rules, app.conf.rules_files.n,
		       app.conf.rules_files.n == 1 ? "" : "s", app.rs->db_bytes,
		       app.rs->compile_ms);
		weir_ruleset_free(app.rs);
		return WEIR_EXIT_OK;
	}
	if (app.rs->n_rules == 0)
		fprintf(stderr, "weir: no rules loaded (-S FILE): packets are only decoded and "
				"counted\n");

	if (build_eal_args(&app, driver, argc - eal_first, argv + eal_first) < 0) {
		fprintf(stderr, "weir: too many EAL arguments\n");
		return WEIR_EXIT_USAGE;
	}
	/* EAL rewrites its argv (permutes it, stores the program name over
	 * the last option): give it a copy so we can free what we own. */
	memcpy(eal_argv, app.eal_argv, sizeof(eal_argv));
	ret = rte_eal_init(app.eal_argc, eal_argv);
	if (ret < 0) {
		fprintf(stderr, "weir: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		return WEIR_EXIT_RUNTIME;
	}
	install_signals();

	app.n_workers = app.conf.workers;
	if (rte_lcore_count() < app.n_workers + 1) {
		fprintf(stderr,
			"weir: %u workers need %u lcores (one main), EAL has %u (set -l/--lcores "
			"after --)\n",
			app.n_workers, app.n_workers + 1, rte_lcore_count());
		status = WEIR_EXIT_USAGE;
		goto out_eal;
	}
	memset(&pc, 0, sizeof(pc));
	pc.name = strcmp(driver, "pcap") == 0 ? app.conf.capture_pcap_file
					      : app.conf.capture_interface;
	pc.n_queues = (uint16_t)app.n_workers;
	pc.rx_desc = (uint16_t)app.conf.capture_rx_desc;
	pc.mempool_size = app.conf.capture_mempool;
	pc.socket_id = (int)rte_socket_id();
	ret = weir_port_open(&app.port, ops, &pc, 0);
	if (ret < 0) {
		fprintf(stderr, "weir: cannot open %s port '%s': %s\n", driver, pc.name,
			strerror(-ret));
		status = ret == -EINVAL || ret == -ENOTSUP ? WEIR_EXIT_USAGE : WEIR_EXIT_RUNTIME;
		goto out_eal;
	}
	if (weir_emitter_init(&app.em, app.rs) < 0 || open_sinks(&app) < 0) {
		status = WEIR_EXIT_RUNTIME;
		goto out_app;
	}
	app.ports[0] = &app.port;
	app.em.ports = app.ports;
	app.em.n_ports = 1;
	ret = setup_workers(&app);
	if (ret < 0) {
		fprintf(stderr, "weir: worker set-up failed: %s\n", strerror(-ret));
		status = WEIR_EXIT_RUNTIME;
		goto out_app;
	}
	app.em.rings = app.rings;
	app.em.n_rings = app.n_workers;
	ret = weir_port_start(&app.port);
	if (ret < 0) {
		status = WEIR_EXIT_RUNTIME;
		goto out_app;
	}
	if (launch_workers(&app) == 0) {
		fprintf(stderr, "weir: running: %s %s, %u worker%s, %u rules%s\n", driver,
			app.port.name, app.n_workers, app.n_workers == 1 ? "" : "s",
			app.rs->n_rules, app.port.offline ? "" : " (SIGINT/SIGTERM to stop)");
		run_main_loop(&app);
	}
	rte_eal_mp_wait_lcore();
	/* A worker that failed to launch leaves nothing in its ring; drain
	 * whatever the others left in case the loop ended early. */
	while (weir_emitter_poll(&app.em) != 0)
		;
	weir_emitter_flush(&app.em);
	weir_port_stop(&app.port);
	if (print_summary(&app, driver))
		status = WEIR_EXIT_INPUT;

out_app:
	app_cleanup(&app);
out_eal:
	weir_ruleset_free(app.rs);
	rte_eal_cleanup();
	weir_conf_free(&app.conf);
	weir_diags_free(&ds);
	for (ret = 0; ret < app.eal_argc; ret++)
		free(app.eal_argv[ret]);
	return status;
}
