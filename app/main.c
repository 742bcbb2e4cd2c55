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
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "capture.h"
#include "conf.h"
#include "ctl.h"
#include "emitter.h"
#include "latency.h"
#include "metrics.h"
#include "obs.h"
#include "reload.h"
#include "log.h"
#include "rules.h"
#include "sink.h"
#include "stats.h"
#include "summary.h"
#include "telemetry.h"
#include "weir_config.h"
#include "worker.h"
#if WEIR_HAVE_AFXDP
#include "afxdp/afxdp.h"
#endif

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
static atomic_bool g_reconf; /* SIGUSR2: re-read the driver's run-time options */
static atomic_bool g_hup;    /* SIGHUP: reload the rules */

struct weir_app {
	struct weir_conf conf;
	const char *conf_file;
	int check_config;
	int dump_config;
	char *eal_argv[WEIR_MAX_EAL_ARGS];
	int eal_argc;
	struct weir_ruleset *rs;      /* as loaded; then owned by rl */
	struct weir_reloader rl;      /* publishes rs, reloads it */
	int rl_ready;
	struct rte_rcu_qsbr *qs;      /* workers' quiescent states */
	/* capture.interface split at commas (afxdp may capture several
	 * interfaces); port p is names[p] and owns workers p, p + n_ports, ... */
	char *if_buf;
	const char *if_names[WEIR_MAX_PORTS];
	char if_label[WEIR_MAX_PORTS * (WEIR_PORT_NAME_MAX + 1)]; /* "a,b" for logs */
	struct weir_port portv[WEIR_MAX_PORTS];
	const struct weir_port *ports[WEIR_MAX_PORTS];
	unsigned int n_ports;
	struct weir_sink sinks[WEIR_MAX_SINKS]; /* open ones, in em.sinks order */
	unsigned int n_sinks;
	uint32_t frame_bytes;   /* frame copied into events: the pcap sink's snaplen */
	char host[256];         /* host-id, or the host name */
	struct weir_sink_iface ifaces[WEIR_MAX_PORTS];
	struct rte_ring *rings[RTE_MAX_LCORE];
	struct weir_worker *workers[RTE_MAX_LCORE];
	unsigned int n_workers;
	struct weir_emitter em;
	struct weir_obs obs;          /* what ctl/telemetry/metrics read */
	struct weir_latency *lat;
	struct weir_ctl *ctl;
	struct weir_metrics *metrics;
};

enum {
	OPT_SET = 256,
	OPT_COUNT,
	OPT_CHECK_CONFIG,
	OPT_DUMP_CONFIG,
	OPT_KEEP_ALIVE,
	OPT_SKIP_INVALID,
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
	{"keep-alive", no_argument, NULL, OPT_KEEP_ALIVE},
	{"rules-skip-invalid", no_argument, NULL, OPT_SKIP_INVALID},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: weir [OPTIONS] [-- EAL-ARGS...]\n"
		"       weir rules check [-c FILE] [--set KEY=VALUE] [--rules-skip-invalid] FILE...\n"
		"\n"
		"Capture packets (DPDK port, AF_XDP socket, or a pcap file offline), match\n"
		"them against rules (Suricata-subset .rules files compiled to Hyperscan, or\n"
		"Hyperscan signature files) and write one EVE JSON alert per (packet, rule)\n"
		"that matches. `weir rules check` validates rule files without capturing:\n"
		"rules per group, keyword counts, database sizes, every error; exit 0 only\n"
		"when every rule loads.\n"
		"\n"
		"Options (each overrides the configuration file):\n"
		"  -c, --config FILE     YAML configuration (default: none, built-in defaults)\n"
		"  -r, --read FILE       replay a pcap/pcapng file offline, then exit\n"
		"                        (capture.pcap-file; capture.driver auto picks pcap)\n"
		"  -i, --interface PORT  DPDK port name or index, or a kernel interface for\n"
		"                        afxdp; afxdp also takes a list, eth0,eth1, captured\n"
		"                        at once (capture.interface)\n"
		"  -S, --rules FILE      rule file: *.rules = Suricata subset, else signature\n"
		"                        format ID:/regex/flags; repeatable; replaces\n"
		"                        rules.files of the configuration file\n"
		"      --rules-skip-invalid  load the valid rules of files with bad ones and\n"
		"                        list every skipped rule (rules.skip-invalid)\n"
		"  -o, --output FILE     EVE JSON lines output, '-' = stdout (output.jsonl)\n"
		"  -w, --workers N       worker lcores, one rx queue each; with several\n"
		"                        interfaces the total, a multiple of their number\n"
		"                        (workers)\n"
		"      --count N         stop after N packets (capture.count)\n"
		"      --set KEY=VALUE   set any configuration key below\n"
		"      --check-config    validate configuration and rules, then exit\n"
		"      --dump-config     print the effective configuration as YAML, then exit\n"
		"      --keep-alive      offline: serve the stats socket after the end of the\n"
		"                        file until SIGINT or `weirctl shutdown` (ctl.keep-alive)\n"
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
		"output file; SIGHUP reloads every rule file (a refused set changes nothing;\n"
		"see the log, or use `weirctl reload` for the errors); SIGUSR2\n"
		"re-reads -c FILE and applies its afxdp.filter.* and afxdp.blocklist to the\n"
		"running XDP program (its maps; the program is not reloaded).\n"
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
		case OPT_KEEP_ALIVE:
			ret = conf_set_or_report(app, "ctl.keep-alive", "true", ds);
			break;
		case OPT_SKIP_INVALID:
			ret = conf_set_or_report(app, "rules.skip-invalid", "true", ds);
			break;
		default:
			break;
		}
		if (ret < 0)
			return ret;
	}
	return optind;
}

/*
 * capture.interface split at commas into app->if_names (blanks around a
 * name dropped). A single name, even "", is one port as before; a list
 * may not have empty or repeated names.
 */
static int
split_interfaces(struct weir_app *app)
{
	const char *list = app->conf.capture_interface;
	char *p, *next;
	unsigned int i;

	app->n_ports = 0;
	if (strchr(list, ',') == NULL) {
		app->if_names[app->n_ports++] = list; /* one name, verbatim */
		return 0;
	}
	app->if_buf = strdup(list);
	if (app->if_buf == NULL) {
		fprintf(stderr, "weir: out of memory\n");
		return -ENOMEM;
	}
	for (p = app->if_buf; p != NULL; p = next) {
		char *end;

		next = strchr(p, ',');
		if (next != NULL)
			*next++ = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (*p == '\0') {
			fprintf(stderr, "weir: capture.interface '%s': empty name in the list\n",
				list);
			return -EINVAL;
		}
		if (app->n_ports == WEIR_MAX_PORTS) {
			fprintf(stderr, "weir: capture.interface '%s': more than %d interfaces\n",
				list, WEIR_MAX_PORTS);
			return -EINVAL;
		}
		if (strlen(p) >= WEIR_PORT_NAME_MAX) {
			fprintf(stderr, "weir: capture.interface: name '%s' too long\n", p);
			return -EINVAL;
		}
		for (i = 0; i < app->n_ports; i++)
			if (strcmp(app->if_names[i], p) == 0) {
				fprintf(stderr, "weir: capture.interface '%s': '%s' listed twice\n",
					list, p);
				return -EINVAL;
			}
		app->if_names[app->n_ports++] = p;
	}
	return 0;
}

/* The capture driver for "auto": pcap for a file, afxdp when every
 * interface is a kernel netdev, else dpdk. */
static const char *
resolve_driver(const struct weir_app *app)
{
	const struct weir_conf *c = &app->conf;

	if (strcmp(c->capture_driver, "auto") != 0)
		return c->capture_driver;
	if (c->capture_pcap_file[0] != '\0')
		return "pcap";
#if WEIR_HAVE_AFXDP
	{
		char path[128];
		unsigned int i;

		/* A kernel netdev stays with its driver and gets XDP; anything
		 * else (a PCI address bound to vfio-pci, a vdev) is DPDK's. */
		for (i = 0; i < app->n_ports; i++) {
			const char *n = app->if_names[i];

			snprintf(path, sizeof(path), "/sys/class/net/%s", n);
			if (n[0] == '\0' || strchr(n, '/') != NULL || access(path, F_OK) != 0)
				break;
		}
		if (i == app->n_ports)
			return "afxdp";
	}
#endif
	return "dpdk";
}

/*
 * Several interfaces: afxdp only, and the workers split evenly, so that
 * each interface gets workers / interfaces queues.
 */
static int
check_interfaces(const struct weir_app *app, const char *driver)
{
	const unsigned int w = app->conf.workers, n = app->n_ports;

	if (n <= 1)
		return 0;
	if (strcmp(driver, "afxdp") != 0) {
		fprintf(stderr,
			"weir: capture.interface '%s' lists %u interfaces: several interfaces "
			"are not supported yet with the %s driver (afxdp only)%s\n",
			app->conf.capture_interface, n, driver,
			strcmp(app->conf.capture_driver, "auto") == 0 && strcmp(driver, "dpdk") == 0
				? "; capture.driver auto picked it because not every name is a "
				  "kernel interface (/sys/class/net)"
				: "");
		return -ENOTSUP;
	}
	if (w < n || w % n != 0) {
		fprintf(stderr,
			"weir: %u worker%s for %u interfaces: workers must be a multiple of the "
			"number of interfaces (each interface gets workers/interfaces rx queues, "
			"at least one)\n",
			w, w == 1 ? "" : "s", n);
		return -EINVAL;
	}
	return 0;
}

#if WEIR_HAVE_AFXDP
/* The afxdp.* keys as the driver's options; the lists stay @p c's. */
static void
afxdp_conf_from(const struct weir_conf *c, struct weir_afxdp_conf *ac)
{
	memset(ac, 0, sizeof(*ac));
	ac->mode = c->afxdp_mode;
	ac->zero_copy = c->afxdp_zero_copy;
	ac->umem_frames = c->afxdp_umem_frames;
	ac->ring_size = c->afxdp_ring_size;
	ac->protocols = (const char *const *)c->afxdp_protocols.v;
	ac->n_protocols = c->afxdp_protocols.n;
	ac->dst_ports = (const char *const *)c->afxdp_dst_ports.v;
	ac->n_dst_ports = c->afxdp_dst_ports.n;
	ac->src_prefixes = (const char *const *)c->afxdp_src_prefixes.v;
	ac->n_src_prefixes = c->afxdp_src_prefixes.n;
	ac->dst_prefixes = (const char *const *)c->afxdp_dst_prefixes.v;
	ac->n_dst_prefixes = c->afxdp_dst_prefixes.n;
	ac->blocklist = (const char *const *)c->afxdp_blocklist.v;
	ac->n_blocklist = c->afxdp_blocklist.n;
}
#endif

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

static int
eal_has_mem_opt(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (strncmp(argv[i], "-m", 2) == 0 || strncmp(argv[i], "--socket-mem", 12) == 0 ||
		    strncmp(argv[i], "--numa-mem", 10) == 0)
			return 1;
	return 0;
}

/* Without hugepages EAL has 64 MB unless told (-m): enough for one
 * worker's event ring and the rest, not for several (afxdp on several
 * interfaces has at least one worker each). MB to ask for, 0 = the
 * default does. */
static unsigned int
eal_nohuge_mem_mb(const struct weir_conf *c)
{
	/* RING_F_EXACT_SZ rounds the slots up to the next power of two */
	ssize_t ring = rte_ring_get_memsize_elem(sizeof(struct weir_event),
						 rte_align32pow2(c->events_ring_size + 1));
	uint64_t need;

	if (ring < 0)
		return 0;
	/* what one ring leaves of the default 64 MB covers everything else */
	need = (uint64_t)c->workers * (uint64_t)ring + (64ull << 20) - (uint64_t)ring;
	return need > (64ull << 20) ? (unsigned int)((need + (1 << 20) - 1) >> 20) : 0;
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
	/* afxdp owns its packet memory (UMEM): EAL is there for lcores and
	 * rings only, like offline replay. */
	if (strcmp(driver, "pcap") == 0 || strcmp(driver, "afxdp") == 0) {
		ret |= eal_push(app, "--no-huge");
		ret |= eal_push(app, "--no-shconf"); /* --in-memory needs hugepages */
		ret |= eal_push(app, "--no-pci");
		ret |= eal_push(app, "--no-telemetry");
		if (!eal_has_mem_opt(argc, argv) &&
		    !eal_has_mem_opt((int)app->conf.eal_args.n, app->conf.eal_args.v) &&
		    (i = eal_nohuge_mem_mb(&app->conf)) != 0) {
			snprintf(lcores, sizeof(lcores), "-m%u", i);
			ret |= eal_push(app, lcores);
		}
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
	else if (sig == SIGHUP)
		atomic_store(&g_hup, true);
	else if (sig == SIGUSR2)
		atomic_store(&g_reconf, true);
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
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
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
		/* Round robin over (interface, queue): worker i takes queue
		 * i / n_ports of port i % n_ports. */
		ret = weir_worker_init(w, (uint16_t)i,
				       app->portv[i % app->n_ports].rxq[i / app->n_ports],
				       &app->rl.active, app->qs,
				       app->rings[i], app->conf.events_payload_bytes, max_pkts,
				       &g_stop);
		if (ret == 0 && rte_rcu_qsbr_thread_register(app->qs, i) != 0)
			ret = -EINVAL;
		if (ret < 0)
			return ret;
		/* After init, which zeroes the worker: with a pcap sink the
		 * workers copy each flagged frame, up to its snaplen. */
		ret = weir_worker_set_frames(w, app->frame_bytes);
		if (ret < 0)
			return ret;
		app->em.frames[i] = w->frames;
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

/*
 * SIGUSR2: re-read the configuration file and hand the driver's run-time
 * options to the running port (afxdp: capture filter and block list, by
 * rewriting the XDP program's maps). Nothing else changes without a
 * restart, and a file that does not load changes nothing.
 */
static int
reconfigure_port(struct weir_app *app)
{
#if WEIR_HAVE_AFXDP
	struct weir_afxdp_conf ac;
	struct weir_diags ds;
	struct weir_conf c;
	unsigned int p, n_ok = 0;
	int ret;

	if (app->conf_file == NULL) {
		WEIR_LOG(WARNING, app, "SIGUSR2: no configuration file (-c) to re-read");
		return -ENOENT;
	}
	if (weir_diags_init(&ds, 20) < 0)
		return -ENOMEM;
	ret = weir_conf_defaults(&c);
	if (ret < 0)
		goto out_diags;
	ret = weir_conf_load_file(&c, app->conf_file, &ds);
	if (ret < 0) {
		print_diags(&ds);
		WEIR_LOG(ERR, app, "SIGUSR2: %s refused; nothing changed", app->conf_file);
		goto out_conf;
	}
	afxdp_conf_from(&c, &ac);
	/* Every port gets the same filter; each logs its own outcome. */
	for (p = 0; p < app->n_ports; p++) {
		ret = weir_port_reconfigure(&app->portv[p], &ac);
		if (ret == -ENOTSUP) {
			WEIR_LOG(NOTICE, app,
				 "SIGUSR2: the %s driver has nothing to change at run time",
				 app->portv[p].ops->name);
			goto out_conf;
		}
		if (ret == 0)
			n_ok++;
	}
	if (n_ok == app->n_ports) {
		WEIR_LOG(NOTICE, app, "SIGUSR2: %s re-read, capture filter applied to %s",
			 app->conf_file, app->if_label);
		ret = 0;
	} else {
		WEIR_LOG(ERR, app, "SIGUSR2: %s re-read, capture filter applied to %u of %u "
			 "interfaces (see above)", app->conf_file, n_ok, app->n_ports);
		ret = -EIO;
	}
out_conf:
	weir_conf_free(&c);
out_diags:
	weir_diags_free(&ds);
	return ret;
#else
	WEIR_LOG(NOTICE, app, "SIGUSR2: the %s driver has nothing to change at run time",
		 app->portv[0].ops->name);
	return -ENOTSUP;
#endif
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

		if (atomic_exchange(&g_reopen, false)) {
			int ret = 0, r;
			unsigned int s;

			for (s = 0; s < app->n_sinks; s++) {
				r = weir_sink_reopen(&app->sinks[s]);
				if (r < 0 && r != -ENOTSUP) {
					WEIR_LOG(ERR, app, "%s: reopen failed: %s",
						 app->sinks[s].name, strerror(-r));
					ret = r;
				}
			}
			weir_obs_reopen_done(&app->obs, ret); /* answers `weirctl reopen` */
		}
		weir_obs_tick(&app->obs, app->em.sinks, app->em.n_sinks);
		if (atomic_exchange(&g_reconf, false))
			/* answers `weirctl reconfigure` too */
			weir_obs_reconf_done(&app->obs, reconfigure_port(app));
		if (atomic_exchange(&g_hup, false)) {
			/* the reload thread builds and logs the outcome */
			WEIR_LOG(NOTICE, app, "SIGHUP: reloading the rules");
			(void)weir_reload_request(&app->rl);
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
			if (!app->conf.ctl_keep_alive || atomic_load(&g_stop))
				break;
			/* --keep-alive: serve the stats socket until stopped */
			weir_emitter_flush(&app->em);
			nanosleep(&(const struct timespec){.tv_nsec = 10000000}, NULL);
			continue;
		}
		if (n == 0)
			nanosleep(&idle, NULL);
	}
	weir_emitter_flush(&app->em);
}

/* The summary (app/summary.c) of what this run did, on stderr.
 * @return 1 when a port's source ended on an error. */
static int
print_summary(struct weir_app *app, const char *driver)
{
	const struct weir_ruleset *rs = atomic_load(&app->rl.active);
	struct weir_summary_in in = {
		.driver = driver,
		.if_label = app->if_label,
		.n_rules = rs ? rs->n_rules : 0,
		.reloads_ok = app->rl.n_ok,
		.reloads_failed = app->rl.n_failed,
		.generation = app->rl.generation,
		.workers = app->workers,
		.n_workers = app->n_workers,
		.ports = app->portv,
		.n_ports = app->n_ports,
		.em = &app->em.st,
		.lat = app->lat,
		.sinks = app->sinks,
		.n_sinks = app->n_sinks,
		.hz = rte_get_tsc_hz(),
	};

	return weir_summary_print(stderr, &in);
}

/* Open one sink of type @p type and start its thread and queue. */
static int
open_sink(struct weir_app *app, const char *type, const char *what,
	  const struct weir_sink_conf *sc)
{
	struct weir_sink *s = &app->sinks[app->n_sinks];
	const struct weir_sink_ops *ops = weir_sink_find(type);
	int ret;

	if (ops == NULL) {
		WEIR_LOG(ERR, app, "%s sink not built (this weir has: jsonl, unix, pcap%s)", type,
			 weir_sink_find("kafka") != NULL ? ", kafka" : "");
		return -ENOENT;
	}
	memset(s, 0, sizeof(*s));
	ret = weir_sink_open(s, ops, sc);
	if (ret < 0) {
		WEIR_LOG(ERR, app, "%s: cannot open '%s': %s%s%s", type, what, strerror(-ret),
			 sc->err != NULL && sc->err[0] != '\0' ? ": " : "",
			 sc->err != NULL ? sc->err : "");
		return ret;
	}
	app->n_sinks++;
	ret = weir_sink_start(s, app->conf.outputs_queue_size, app->em.text_slot);
	if (ret < 0) {
		WEIR_LOG(ERR, app, "%s: cannot start its queue and thread: %s", type,
			 strerror(-ret));
		return ret;
	}
	app->em.sinks[app->em.n_sinks++] = s;
	return 0;
}

/*
 * Every configured sink, each enabled by its own key: output.jsonl (-o),
 * outputs.unix.path, outputs.kafka.brokers, outputs.pcap.file. Before
 * the workers: the pcap sink decides how much of each frame they copy.
 */
static int
open_sinks(struct weir_app *app)
{
	const struct weir_conf *c = &app->conf;
	char err[512] = "";
	/* The jsonl buffer must hold the longest line the emitter can make. */
	struct weir_sink_conf sc = {
		.path = c->output_jsonl,
		.buffer_size = app->em.text_slot > 32768 ? 2 * app->em.text_slot : 65536,
		.fsync = c->outputs_jsonl_fsync,
		.err = err,
		.err_len = sizeof(err),
	};
	unsigned int i;
	char *end;
	int ret;

	if (c->host_id[0] != '\0')
		snprintf(app->host, sizeof(app->host), "%s", c->host_id);
	else if (gethostname(app->host, sizeof(app->host) - 1) < 0)
		snprintf(app->host, sizeof(app->host), "unknown");
	app->em.host = app->host;
	for (i = 0; i < app->n_ports; i++) {
		app->ifaces[i].name = app->portv[i].name;
		app->ifaces[i].linktype = weir_l2_linktype(app->portv[i].l2);
	}

	if (c->output_jsonl[0] != '\0') {
		ret = open_sink(app, "jsonl", c->output_jsonl, &sc);
		if (ret < 0)
			return ret;
	}
	if (c->outputs_unix_path[0] != '\0') {
		memset(&sc, 0, sizeof(sc));
		sc.err = err;
		sc.err_len = sizeof(err);
		sc.path = c->outputs_unix_path;
		sc.buffer_size = c->outputs_unix_buffer;
		sc.mode = (uint32_t)strtoul(c->outputs_unix_mode, &end, 8);
		if (c->outputs_unix_mode[0] == '\0' || *end != '\0' || sc.mode > 07777) {
			WEIR_LOG(ERR, app, "outputs.unix.mode: '%s' is not an octal mode",
				 c->outputs_unix_mode);
			return -EINVAL;
		}
		ret = open_sink(app, "unix", sc.path, &sc);
		if (ret < 0)
			return ret;
	}
	if (c->outputs_kafka_brokers[0] != '\0') {
		memset(&sc, 0, sizeof(sc));
		sc.err = err;
		sc.err_len = sizeof(err);
		sc.host = app->host;
		sc.brokers = c->outputs_kafka_brokers;
		sc.topic = c->outputs_kafka_topic;
		sc.key = c->outputs_kafka_key;
		sc.compression = c->outputs_kafka_compression;
		sc.acks = c->outputs_kafka_acks;
		sc.idempotence = c->outputs_kafka_idempotence;
		sc.properties = (const char *const *)c->outputs_kafka_properties.v;
		sc.n_properties = c->outputs_kafka_properties.n;
		sc.flush_timeout_ms = c->outputs_kafka_flush_timeout_ms;
		ret = open_sink(app, "kafka", sc.brokers, &sc);
		if (ret < 0)
			return ret;
	}
	if (c->outputs_pcap_file[0] != '\0') {
		memset(&sc, 0, sizeof(sc));
		sc.err = err;
		sc.err_len = sizeof(err);
		sc.path = c->outputs_pcap_file;
		sc.snaplen = c->outputs_pcap_snaplen;
		sc.max_bytes = c->outputs_pcap_max_bytes;
		sc.ifaces = app->ifaces;
		sc.n_ifaces = app->n_ports;
		ret = open_sink(app, "pcap", sc.path, &sc);
		if (ret < 0)
			return ret;
		app->frame_bytes = c->outputs_pcap_snaplen;
	}
	return 0;
}

/* Let every sink write its queue out, then close it: what close() still
 * counts (kafka's undelivered after its flush timeout) is in the summary. */
static void
close_sinks(struct weir_app *app)
{
	unsigned int i;

	for (i = 0; i < app->n_sinks; i++)
		weir_sink_stop(&app->sinks[i]);
	for (i = 0; i < app->n_sinks; i++)
		weir_sink_close(&app->sinks[i]);
}

/* Observation: fill the view the control side reads (app/obs.h). Before
 * launch; the latency histogram is optional (no memory: not kept). */
static void
setup_obs(struct weir_app *app, const char *driver)
{
	struct weir_obs *o = &app->obs;

	app->lat = malloc(sizeof(*app->lat));
	if (app->lat != NULL)
		weir_latency_init(app->lat, rte_get_tsc_hz());
	app->em.lat = app->lat;
	o->driver = driver;
	o->workers = app->workers;
	o->n_workers = app->n_workers;
	o->rings = app->rings;
	o->ports = app->ports;
	o->n_ports = app->n_ports;
	o->em = &app->em;
	o->rules = &app->rl;
	o->lat = app->lat;
	o->start_tsc = rte_rdtsc();
	o->hz = rte_get_tsc_hz();
	o->stop = &g_stop;
	o->reopen = &g_reopen;
	o->reconf = &g_reconf;
}

/* Stats socket, DPDK telemetry, Prometheus: read-only views served off
 * the data path (ctl.c, telemetry.c, metrics.c). A failure to serve one
 * is logged and weir keeps capturing. After launch. */
static void
start_control(struct weir_app *app)
{
	struct weir_ctl_conf cc = {.path = app->conf.ctl_socket,
				   .max_clients = app->conf.ctl_max_clients};

	weir_telemetry_attach(&app->obs);
	if (app->conf.ctl_enabled && (!app->portv[0].offline || app->conf.ctl_keep_alive) &&
	    weir_ctl_parse_mode(app->conf.ctl_mode, &cc.mode) == 0) {
		app->ctl = weir_ctl_start(&app->obs, &cc);
		if (app->ctl == NULL)
			WEIR_LOG(ERR, app, "ctl: cannot serve %s: %s; running without it", cc.path,
				 strerror(errno));
	}
	if (app->conf.metrics_listen[0] != '\0') {
		app->metrics = weir_metrics_start(&app->obs, app->conf.metrics_listen);
		if (app->metrics == NULL)
			WEIR_LOG(ERR, app, "metrics: cannot listen on %s: %s; running without it",
				 app->conf.metrics_listen, strerror(errno));
	}
}

static void
stop_control(struct weir_app *app)
{
	weir_metrics_stop(app->metrics);
	app->metrics = NULL;
	weir_ctl_stop(app->ctl);
	app->ctl = NULL;
	weir_telemetry_detach();
}

/* Stop every port still open. */
static void
stop_ports(struct weir_app *app)
{
	unsigned int p;

	for (p = 0; p < app->n_ports; p++)
		if (app->portv[p].ops != NULL)
			weir_port_stop(&app->portv[p]);
}

/* Stop and close every port still open (afxdp: detaches the XDP program
 * from each interface). */
static void
close_ports(struct weir_app *app)
{
	unsigned int p;

	stop_ports(app);
	for (p = 0; p < app->n_ports; p++)
		if (app->portv[p].ops != NULL)
			weir_port_close(&app->portv[p]);
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
	close_sinks(app);
	if (app->rl_ready) {
		/* after workers and emitter: joins the reload thread */
		weir_reloader_fini(&app->rl);
		app->rl_ready = 0;
		app->rs = NULL;
	}
	rte_free(app->qs);
	app->qs = NULL;
	weir_emitter_fini(&app->em);
	free(app->lat);
	close_ports(app);
}

/*
 * Rule variables: Suricata's defaults, then vars.address-groups.* and
 * vars.port-groups.* of the configuration ("NAME=VALUE" each), so a file
 * or --set overrides one default without restating the others.
 */
static int
make_rule_vars(const struct weir_conf *c, struct weir_rule_vars *vars, struct weir_diags *ds)
{
	const struct weir_strlist *lists[2] = {&c->vars_address_groups, &c->vars_port_groups};
	unsigned int l, i;

	if (weir_rule_vars_defaults(vars) < 0)
		goto nomem;
	for (l = 0; l < 2; l++) {
		for (i = 0; i < lists[l]->n; i++) {
			const char *nv = lists[l]->v[i], *eq = strchr(nv, '=');
			char name[128];
			int rc;

			if (eq == NULL || (size_t)(eq - nv) >= sizeof(name)) {
				weir_diag_add(ds, "configuration", 0, 0, NULL,
					      "bad variable '%s' (NAME=VALUE)", nv);
				return -EINVAL;
			}
			memcpy(name, nv, (size_t)(eq - nv));
			name[eq - nv] = '\0';
			rc = weir_rule_vars_set(vars, l == 1, name, eq + 1);
			if (rc == -ENOMEM)
				goto nomem;
			if (rc < 0) {
				weir_diag_add(ds, "configuration", 0, 0, NULL,
					      "bad variable name '%s'", name);
				return rc;
			}
		}
	}
	return 0;
nomem:
	weir_diag_add(ds, "configuration", 0, 0, NULL, "out of memory");
	return -ENOMEM;
}

/* rules.cache-dir, or NULL when off. */
static const char *
rule_cache_dir(const struct weir_conf *c)
{
	return c->rules_cache_dir != NULL && c->rules_cache_dir[0] != '\0' ? c->rules_cache_dir
									     : NULL;
}

static void
rules_usage(FILE *f)
{
	fprintf(f, "usage: weir rules check [-c FILE] [--set KEY=VALUE]... [--rules-skip-invalid]\n"
		   "                        [FILE...]\n"
		   "\n"
		   "Parse and compile rule files (default: rules.files of the configuration)\n"
		   "exactly as weir would, without capturing. Prints every error as\n"
		   "file:line:column: keyword: reason, then the rules loaded per group (protocol\n"
		   "and destination ports), keyword counts, database sizes and build time.\n"
		   "Variables ($HOME_NET, ...) come from the configuration's vars.* keys.\n"
		   "Exit status: 0 when every rule loads, 1 otherwise (or on bad usage).\n");
}

/* `weir rules check FILE...` */
static int
rules_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"set", required_argument, NULL, OPT_SET},
		{"rules-skip-invalid", no_argument, NULL, OPT_SKIP_INVALID},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct weir_ruleset_opts ropts = {0};
	struct weir_rule_vars vars = {0};
	struct weir_ruleset *rs = NULL;
	struct weir_conf conf;
	struct weir_diags ds;
	const char *conf_file = NULL;
	int opt, status = WEIR_EXIT_USAGE, i;

	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		rules_usage(stderr);
		return WEIR_EXIT_USAGE;
	}
	argc--;
	argv++;
	if (weir_diags_init(&ds, WEIR_DIAGS_MAX) < 0 || weir_conf_defaults(&conf) < 0) {
		fprintf(stderr, "weir: out of memory\n");
		return WEIR_EXIT_RUNTIME;
	}
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (opt == 'c') {
			conf_file = optarg;
		} else if (opt == 'h') {
			rules_usage(stdout);
			status = WEIR_EXIT_OK;
			goto out;
		} else if (opt == '?') {
			fprintf(stderr, "weir rules check: unknown option '%s'\n", argv[optind - 1]);
			goto out;
		}
	}
	if (conf_file != NULL && weir_conf_load_file(&conf, conf_file, &ds) < 0)
		goto out_diags;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		char *eq;

		if (opt == OPT_SKIP_INVALID) {
			if (weir_conf_set(&conf, "rules.skip-invalid", "true", "command line", &ds) < 0)
				goto out_diags;
		} else if (opt == OPT_SET) {
			eq = strchr(optarg, '=');
			if (eq == NULL) {
				fprintf(stderr, "weir rules check: --set needs KEY=VALUE\n");
				goto out;
			}
			*eq = '\0';
			i = weir_conf_set(&conf, optarg, eq + 1, "command line", &ds);
			*eq = '=';
			if (i < 0) {
				if (ds.total == 0)
					fprintf(stderr, "weir rules check: unknown key '%s'\n", optarg);
				goto out_diags;
			}
		}
	}
	if (optind < argc) {
		weir_conf_clear(&conf, "rules.files");
		for (i = optind; i < argc; i++)
			if (weir_conf_set(&conf, "rules.files", argv[i], "command line", &ds) < 0)
				goto out_diags;
	}
	if (conf.rules_files.n == 0) {
		fprintf(stderr, "weir rules check: no rule file given\n");
		goto out;
	}
	if (make_rule_vars(&conf, &vars, &ds) < 0)
		goto out_diags;
	ropts.vars = &vars;
	ropts.skip_invalid = conf.rules_skip_invalid;
	ropts.cache_dir = rule_cache_dir(&conf);
	ropts.n_workers = 1;
	rs = weir_ruleset_load((const char *const *)conf.rules_files.v, conf.rules_files.n,
			       &ropts, &ds);
	print_diags(&ds);
	if (rs == NULL) {
		printf("rules refused: %u error%s in %u file%s; nothing would be loaded\n", ds.total,
		       ds.total == 1 ? "" : "s", conf.rules_files.n,
		       conf.rules_files.n == 1 ? "" : "s");
		goto out;
	}
	weir_ruleset_describe(rs, stdout);
	if (ds.total == 0) {
		printf("OK: every rule of %u file%s loads\n", conf.rules_files.n,
		       conf.rules_files.n == 1 ? "" : "s");
		status = WEIR_EXIT_OK;
	} else {
		printf("%u error%s: the rules above would load only with rules.skip-invalid\n",
		       ds.total, ds.total == 1 ? "" : "s");
	}
	goto out;
out_diags:
	print_diags(&ds);
out:
	weir_ruleset_free(rs);
	weir_rule_vars_free(&vars);
	weir_conf_free(&conf);
	weir_diags_free(&ds);
	return status;
}

int
main(int argc, char **argv)
{
	static struct weir_app app;
	static char *eal_argv[WEIR_MAX_EAL_ARGS];
	struct weir_diags ds;
	struct weir_port_conf pc;
#if WEIR_HAVE_AFXDP
	struct weir_afxdp_conf ac;
#endif
	const struct weir_capture_ops *ops;
	struct weir_ruleset_opts ropts = {0};
	struct weir_rule_vars vars = {0};
	const char *driver;
	unsigned int p;
	size_t off = 0;
	int eal_first, ret, status = WEIR_EXIT_OK;

	if (argc >= 2 && strcmp(argv[1], "rules") == 0)
		return rules_main(argc - 1, argv + 1);

	/* EAL logs to stdout by default; stdout may carry our JSON. */
	rte_openlog_stream(stderr);
	if (weir_diags_init(&ds, WEIR_DIAGS_MAX) < 0 || weir_conf_defaults(&app.conf) < 0) {
		fprintf(stderr, "weir: out of memory\n");
		return WEIR_EXIT_RUNTIME;
	}
	eal_first = parse_args(&app, argc, argv, &ds);
	if (eal_first < 0) {
		print_diags(&ds);
		status = WEIR_EXIT_USAGE;
		goto out_conf;
	}
	if (app.dump_config) {
		weir_conf_dump(&app.conf, stdout);
		goto out_conf;
	}
	if (weir_control_conf_check(&app.conf, &ds) < 0) {
		print_diags(&ds);
		status = WEIR_EXIT_USAGE;
		goto out_conf;
	}
	if (split_interfaces(&app) < 0) {
		status = WEIR_EXIT_USAGE;
		goto out_conf;
	}
	driver = resolve_driver(&app);
	if (check_interfaces(&app, driver) < 0) {
		status = WEIR_EXIT_USAGE;
		goto out_conf;
	}
	if (strcmp(driver, "pcap") == 0 && app.conf.capture_pcap_file[0] == '\0') {
		fprintf(stderr, "weir: capture.driver is pcap but no file was given (-r FILE)\n");
		status = WEIR_EXIT_USAGE;
		goto out_conf;
	}
	ops = weir_capture_find(driver);
	if (ops == NULL) {
		fprintf(stderr, "weir: capture driver '%s' is not supported yet (built: %s)\n",
			driver, weir_capture_names());
		status = WEIR_EXIT_USAGE;
		goto out_conf;
	}

	if (make_rule_vars(&app.conf, &vars, &ds) < 0) {
		print_diags(&ds);
		status = WEIR_EXIT_USAGE;
		goto out_conf;
	}
	ropts.vars = &vars;
	ropts.skip_invalid = app.conf.rules_skip_invalid;
	ropts.cache_dir = rule_cache_dir(&app.conf);
	ropts.n_workers = app.conf.workers;
	app.rs = weir_ruleset_load((const char *const *)app.conf.rules_files.v,
				   app.conf.rules_files.n, &ropts, &ds);
	print_diags(&ds);
	if (app.rs == NULL) {
		fprintf(stderr, "weir: rules refused (%u error%s); not starting\n", ds.total,
			ds.total == 1 ? "" : "s");
		status = WEIR_EXIT_USAGE;
		goto out_vars;
	}
	weir_ruleset_notes(app.rs, stderr);
	if (app.rs->n_skipped > 0)
		fprintf(stderr, "weir: %u rule%s skipped (rules.skip-invalid)\n", app.rs->n_skipped,
			app.rs->n_skipped == 1 ? "" : "s");
	if (app.check_config) {
#if WEIR_HAVE_AFXDP
		/* The capture filter and block list as the driver parses them at
		 * open, without attaching anything: a bad port, prefix or
		 * protocol fails here, not at the first start. */
		if (strcmp(driver, "afxdp") == 0) {
			struct weir_afxdp_filter f;
			char err[256];

			afxdp_conf_from(&app.conf, &ac);
			if (weir_afxdp_filter_parse(&ac, &f, err, sizeof(err)) < 0) {
				fprintf(stderr, "weir: %s\n", err);
				status = WEIR_EXIT_USAGE;
				goto out_rules;
			}
			weir_afxdp_filter_free(&f);
		}
#endif
		printf("configuration OK: %u rules from %u file%s in %u group%s, databases %zu "
		       "bytes, built in %.1f ms\n",
		       app.rs->n_rules, app.conf.rules_files.n,
		       app.conf.rules_files.n == 1 ? "" : "s", app.rs->n_groups,
		       app.rs->n_groups == 1 ? "" : "s", app.rs->db_bytes, app.rs->compile_ms);
		goto out_rules;
	}
	if (app.rs->n_rules == 0)
		fprintf(stderr, "weir: no rules loaded (-S FILE): packets are only decoded and "
				"counted\n");
	if (weir_reloader_init(&app.rl, app.rs, (const char *const *)app.conf.rules_files.v,
			       app.conf.rules_files.n, &vars, app.conf.rules_skip_invalid,
			       ropts.cache_dir, app.conf.workers) < 0) {
		fprintf(stderr, "weir: out of memory\n");
		weir_reloader_fini(&app.rl);
		app.rs = NULL;
		status = WEIR_EXIT_RUNTIME;
		goto out_vars;
	}
	app.rl_ready = 1;

	if (build_eal_args(&app, driver, argc - eal_first, argv + eal_first) < 0) {
		fprintf(stderr, "weir: too many EAL arguments\n");
		status = WEIR_EXIT_USAGE;
		goto out_rules;
	}
	/* EAL rewrites its argv (permutes it, stores the program name over
	 * the last option): give it a copy so we can free what we own. */
	memcpy(eal_argv, app.eal_argv, sizeof(eal_argv));
	ret = rte_eal_init(app.eal_argc, eal_argv);
	if (ret < 0) {
		fprintf(stderr, "weir: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		status = WEIR_EXIT_RUNTIME;
		goto out_rules;
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
	/* One port per interface, each with workers / interfaces queues. */
	memset(&pc, 0, sizeof(pc));
	pc.n_queues = (uint16_t)(app.n_workers / app.n_ports);
	pc.rx_desc = (uint16_t)app.conf.capture_rx_desc;
	pc.mempool_size = app.conf.capture_mempool;
	pc.socket_id = (int)rte_socket_id();
#if WEIR_HAVE_AFXDP
	if (strcmp(driver, "afxdp") == 0) {
		afxdp_conf_from(&app.conf, &ac);
		pc.drv_conf = &ac;
	}
#endif
	for (p = 0; p < app.n_ports; p++) {
		pc.name = strcmp(driver, "pcap") == 0 ? app.conf.capture_pcap_file : app.if_names[p];
		ret = weir_port_open(&app.portv[p], ops, &pc, (uint16_t)p);
		if (ret < 0) {
			fprintf(stderr, "weir: cannot open %s port '%s': %s\n", driver, pc.name,
				strerror(-ret));
			/* the driver undid its own half-open port */
			app.portv[p].ops = NULL;
			close_ports(&app);
			status = ret == -EINVAL || ret == -ENOTSUP ? WEIR_EXIT_USAGE
								   : WEIR_EXIT_RUNTIME;
			goto out_eal;
		}
		app.ports[p] = &app.portv[p];
		off += (size_t)snprintf(app.if_label + off, sizeof(app.if_label) - off, "%s%s",
					p ? "," : "", app.portv[p].name);
	}
	app.qs = rte_zmalloc("weir_qsbr", rte_rcu_qsbr_get_memsize(app.n_workers),
			     RTE_CACHE_LINE_SIZE);
	if (app.qs == NULL || rte_rcu_qsbr_init(app.qs, app.n_workers) != 0) {
		fprintf(stderr, "weir: cannot set up the workers' QSBR state\n");
		status = WEIR_EXIT_RUNTIME;
		goto out_app;
	}
	if (weir_emitter_init(&app.em) < 0 || open_sinks(&app) < 0) {
		status = WEIR_EXIT_RUNTIME;
		goto out_app;
	}
	app.em.ports = app.ports;
	app.em.n_ports = app.n_ports;
	ret = setup_workers(&app);
	if (ret < 0) {
		fprintf(stderr, "weir: worker set-up failed: %s\n", strerror(-ret));
		status = WEIR_EXIT_RUNTIME;
		goto out_app;
	}
	app.em.rings = app.rings;
	app.em.n_rings = app.n_workers;
	setup_obs(&app, driver);
	for (p = 0; p < app.n_ports; p++) {
		ret = weir_port_start(&app.portv[p]);
		if (ret < 0) {
			fprintf(stderr, "weir: cannot start port '%s': %s\n", app.portv[p].name,
				strerror(-ret));
			status = WEIR_EXIT_RUNTIME;
			goto out_app;
		}
	}
	ret = weir_reloader_start(&app.rl, app.qs, app.workers, &app.em);
	if (ret < 0) {
		fprintf(stderr, "weir: cannot start the reload thread: %s\n", strerror(-ret));
		status = WEIR_EXIT_RUNTIME;
		goto out_app;
	}
	if (launch_workers(&app) == 0) {
		fprintf(stderr, "weir: running: %s %s, %u worker%s, %u rules%s\n", driver,
			app.if_label, app.n_workers, app.n_workers == 1 ? "" : "s",
			app.rs->n_rules, app.portv[0].offline ? "" : " (SIGINT/SIGTERM to stop)");
		start_control(&app);
		run_main_loop(&app);
	}
	rte_eal_mp_wait_lcore();
	stop_control(&app);
	/* A worker that failed to launch leaves nothing in its ring; drain
	 * whatever the others left in case the loop ended early. */
	while (weir_emitter_poll(&app.em) != 0)
		;
	weir_emitter_flush(&app.em);
	stop_ports(&app);
	close_sinks(&app);
	if (print_summary(&app, driver))
		status = WEIR_EXIT_INPUT;

out_app:
	app_cleanup(&app);
out_eal:
	rte_eal_cleanup();
out_rules:
	if (!app.rl_ready)
		weir_ruleset_free(app.rs);
	else
		weir_reloader_fini(&app.rl); /* EAL failed: no thread was started */
out_vars:
	weir_rule_vars_free(&vars);
out_conf:
	free(app.if_buf);
	weir_conf_free(&app.conf);
	weir_diags_free(&ds);
	for (ret = 0; ret < app.eal_argc; ret++)
		free(app.eal_argv[ret]);
	return status;
}
