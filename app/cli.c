/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command line and EAL arguments (cli.h). Options are parsed in two passes
 * so that -c FILE sits under every override whatever its position; the
 * shortcut options (-r, -i, -S, -o, -w, --count, ...) are configuration
 * keys set through the key table, as --set KEY=VALUE is. Nothing here
 * exits: -h and -V are returned to main().
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <hs.h>
#include <rte_common.h>
#include <rte_ring.h>
#include <rte_version.h>

#include "cli.h"
#include "event.h"
#include "rules.h"
#include "weir_config.h"

enum {
	OPT_SET = 256,
	OPT_COUNT,
	OPT_CHECK_CONFIG,
	OPT_DUMP_CONFIG,
	OPT_KEEP_ALIVE,
	OPT_SKIP_INVALID,
	OPT_USER,
	OPT_GROUP,
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
	{"user", required_argument, NULL, OPT_USER},
	{"group", required_argument, NULL, OPT_GROUP},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

void
weir_cli_usage(FILE *f)
{
	fprintf(f,
		"usage: weir [OPTIONS] [-- EAL-ARGS...]\n"
		"       weir rules check [-c FILE] [--set KEY=VALUE] [--rules-skip-invalid] "
		"FILE...\n"
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
		"                        afxdp; or a list (eth0,eth1; net_pcap0,net_pcap1)\n"
		"                        captured at once (capture.interface)\n"
		"  -S, --rules FILE      rule file: *.rules = Suricata subset, else signature\n"
		"                        format ID:/regex/flags; repeatable; replaces\n"
		"                        rules.files of the configuration file\n"
		"      --rules-skip-invalid  load the valid rules of files with bad ones and\n"
		"                        list every skipped rule (rules.skip-invalid)\n"
		"  -o, --output FILE     EVE JSON lines output, '-' = stdout (output.jsonl)\n"
		"  -w, --workers N       worker lcores (workers); each polls its queue of\n"
		"                        every interface, or takes packets from the rx\n"
		"                        stage (runmode pipeline)\n"
		"      --count N         stop after N packets (capture.count)\n"
		"      --set KEY=VALUE   set any configuration key below\n"
		"      --check-config    validate configuration and rules, then exit\n"
		"      --dump-config     print the effective configuration as YAML, then exit\n"
		"      --keep-alive      offline: serve the stats socket after the end of the\n"
		"                        file until SIGINT or `weirctl shutdown` (ctl.keep-alive)\n"
		"      --user USER       started as root: become USER once everything is open,\n"
		"                        keeping only the driver's capabilities (run-as.user)\n"
		"      --group GROUP     with --user: that group (run-as.group)\n"
		"  -h, --help            this text\n"
		"  -V, --version         print the version\n"
		"\n"
		"EAL arguments after '--' go to DPDK (with dpdk.eal-args), e.g.\n"
		"  weir -S rules.sigs -i net_pcap0 -- --no-huge --vdev net_pcap0,rx_pcap=x.pcap\n"
		"Offline (-r) runs EAL with --no-huge --no-shconf --no-pci by default.\n"
		"\n"
		"Exit status: 0 success; 1 bad option, configuration or rule file;\n"
		"2 EAL, port or output could not start; 3 the capture file ended on an error;\n"
		"4 packets or events were lost (a drop_* counter; outputs.loss-exit: false = 0).\n"
		"Signals: SIGINT/SIGTERM stop (drain, flush, summary); SIGUSR1 reopens the\n"
		"output file; SIGHUP reloads every rule file (a refused set changes nothing;\n"
		"see the log, or use `weirctl reload` for the errors; a set with no rule, or\n"
		"losing more than rules.reload-max-loss of the running rules, is refused\n"
		"unless rules.reload-sighup-force or `weirctl reload --force`); SIGUSR2\n"
		"re-reads -c FILE and applies its afxdp.filter.* and afxdp.blocklist to the\n"
		"running XDP program (its maps; the program is not reloaded).\n"
		"\n");
	weir_conf_help(f);
}

void
weir_cli_version(FILE *f)
{
	/* rte_version() is "DPDK 22.11.x" already */
	fprintf(f, "weir %s (%s, %s %s)\n", WEIR_VERSION, rte_version(), weir_regex_engine(),
		hs_version());
}

void
weir_cli_print_diags(const struct weir_diags *ds)
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
cli_set(struct weir_conf *conf, const char *key, const char *val, struct weir_diags *ds)
{
	int ret = weir_conf_set(conf, key, val, "command line", ds);

	if (ret == -ENOENT && ds->total == 0)
		weir_diag_add(ds, "command line", 0, 0, key, "unknown key '%s'", key);
	return ret;
}

/* Options in two passes: -c first (the file sits under every override),
 * then everything else in command-line order. */
int
weir_cli_parse(struct weir_conf *conf, struct weir_cli *cli, int argc, char **argv,
	       struct weir_diags *ds)
{
	int opt, ret, rules_cleared = 0;

	memset(cli, 0, sizeof(*cli));
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+c:r:i:S:o:w:hV", g_long_opts, NULL)) != -1) {
		if (opt == 'c') {
			cli->conf_file = optarg;
		} else if (opt == 'h') {
			cli->action = WEIR_CLI_HELP;
			return 0;
		} else if (opt == 'V') {
			cli->action = WEIR_CLI_VERSION;
			return 0;
		} else if (opt == '?') {
			fprintf(stderr, "weir: unknown or incomplete option '%s' (see --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (cli->conf_file != NULL) {
		ret = weir_conf_load_file(conf, cli->conf_file, ds);
		if (ret < 0)
			return ret;
	}
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+c:r:i:S:o:w:hV", g_long_opts, NULL)) != -1) {
		char *eq;

		ret = 0;
		switch (opt) {
		case 'r':
			ret = cli_set(conf, "capture.pcap-file", optarg, ds);
			break;
		case 'i':
			ret = cli_set(conf, "capture.interface", optarg, ds);
			break;
		case 'S':
			if (!rules_cleared) {
				weir_conf_clear(conf, "rules.files");
				rules_cleared = 1;
			}
			ret = cli_set(conf, "rules.files", optarg, ds);
			break;
		case 'o':
			ret = cli_set(conf, "output.jsonl", optarg, ds);
			break;
		case 'w':
			ret = cli_set(conf, "workers", optarg, ds);
			break;
		case OPT_COUNT:
			ret = cli_set(conf, "capture.count", optarg, ds);
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
			ret = cli_set(conf, optarg, eq + 1, ds);
			*eq = '=';
			break;
		case OPT_CHECK_CONFIG:
			cli->check_config = true;
			break;
		case OPT_DUMP_CONFIG:
			cli->dump_config = true;
			break;
		case OPT_KEEP_ALIVE:
			ret = cli_set(conf, "ctl.keep-alive", "true", ds);
			break;
		case OPT_SKIP_INVALID:
			ret = cli_set(conf, "rules.skip-invalid", "true", ds);
			break;
		case OPT_USER:
			ret = cli_set(conf, "run-as.user", optarg, ds);
			break;
		case OPT_GROUP:
			ret = cli_set(conf, "run-as.group", optarg, ds);
			break;
		default:
			break;
		}
		if (ret < 0)
			return ret;
	}
	cli->eal_first = optind;
	return 0;
}

static int
eal_push(struct weir_eal_args *ea, const char *arg)
{
	if (ea->argc >= WEIR_MAX_EAL_ARGS - 1)
		return -E2BIG;
	ea->argv[ea->argc] = strdup(arg);
	if (ea->argv[ea->argc] == NULL)
		return -ENOMEM;
	ea->argc++;
	return 0;
}

static int
eal_has_lcore_opt(int argc, char *const *argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "-l") == 0 || strncmp(argv[i], "--lcores", 8) == 0 ||
		    strcmp(argv[i], "-c") == 0 || strncmp(argv[i], "-l", 2) == 0)
			return 1;
	return 0;
}

static int
eal_has_mem_opt(int argc, char *const *argv)
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
int
weir_cli_eal_args(struct weir_eal_args *ea, const struct weir_conf *conf, const char *driver,
		  int argc, char **argv)
{
	char lcores[512];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int i;
	size_t off = 0;
	int ret = 0;

	if (ncpu < 1)
		ncpu = 1;
	ret |= eal_push(ea, "weir");
	ret |= eal_push(ea, "--log-level=lib.eal:warning");
	snprintf(lcores, sizeof(lcores), "--log-level=weir.*:%s", conf->log_level);
	ret |= eal_push(ea, lcores);
	/* afxdp owns its packet memory (UMEM): EAL is there for lcores and
	 * rings only, like offline replay. */
	if (strcmp(driver, "pcap") == 0 || strcmp(driver, "afxdp") == 0) {
		ret |= eal_push(ea, "--no-huge");
		ret |= eal_push(ea, "--no-shconf"); /* --in-memory needs hugepages */
		ret |= eal_push(ea, "--no-pci");
		ret |= eal_push(ea, "--no-telemetry");
		if (!eal_has_mem_opt(argc, argv) &&
		    !eal_has_mem_opt((int)conf->eal_args.n, conf->eal_args.v) &&
		    (i = eal_nohuge_mem_mb(conf)) != 0) {
			snprintf(lcores, sizeof(lcores), "-m%u", i);
			ret |= eal_push(ea, lcores);
		}
	}
	if (!eal_has_lcore_opt(argc, argv) &&
	    !eal_has_lcore_opt((int)conf->eal_args.n, conf->eal_args.v)) {
		/* Main lcore + one per worker (+ the rx stage's, unless
		 * runmode workers rules it out), spread over the CPUs there
		 * are (sharing a CPU when there are fewer). */
		unsigned int n = conf->workers + 1u +
				 (conf->workers > 1 && strcmp(conf->runmode, "workers") != 0);

		off += (size_t)snprintf(lcores + off, sizeof(lcores) - off, "--lcores=");
		for (i = 0; i < n && off < sizeof(lcores); i++)
			off += (size_t)snprintf(lcores + off, sizeof(lcores) - off, "%s%u@%ld",
						i ? "," : "", i, (long)i % ncpu);
		ret |= eal_push(ea, lcores);
	}
	for (i = 0; i < conf->eal_args.n; i++)
		ret |= eal_push(ea, conf->eal_args.v[i]);
	for (i = 0; i < (unsigned int)argc; i++)
		ret |= eal_push(ea, argv[i]);
	return ret ? -E2BIG : 0;
}

void
weir_cli_eal_free(struct weir_eal_args *ea)
{
	int i;

	for (i = 0; i < ea->argc; i++)
		free(ea->argv[i]);
	ea->argc = 0;
}
