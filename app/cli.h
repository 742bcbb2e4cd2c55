/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command line: weir's options (--help, the two-pass parse that puts -c FILE
 * under every override) and the arguments handed to rte_eal_init. It sits
 * in front of everything else: main() calls it before EAL, before any port,
 * rule set or sink exists, and acts on what it returns (this file never
 * exits; main.c is the only file that may). Also the exit statuses that
 * --help documents, shared with the `weir rules` subcommand.
 */
#ifndef WEIR_CLI_H
#define WEIR_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "conf.h"
#include "diag.h"

/* Exit statuses, documented in --help. */
#define WEIR_EXIT_OK	  0
#define WEIR_EXIT_USAGE	  1 /* bad option, config or rule file */
#define WEIR_EXIT_RUNTIME 2 /* EAL, port or sink could not start */
#define WEIR_EXIT_INPUT	  3 /* the source ended on an error (damaged file) */
#define WEIR_EXIT_LOSS                                                                             \
	4 /* ran to the end, but lost packets or events (a drop_*                                  \
	     counter is non-zero); outputs.loss-exit: false = 0 */

#define WEIR_MAX_EAL_ARGS 128
#define WEIR_DIAGS_MAX	  1000

/* What the command line asks main() to do. */
enum weir_cli_action {
	WEIR_CLI_RUN,	  /* capture (or --check-config / --dump-config) */
	WEIR_CLI_HELP,	  /* -h: print weir_cli_usage() to stdout, exit 0 */
	WEIR_CLI_VERSION, /* -V: print weir_cli_version() to stdout, exit 0 */
};

/* The options that are not configuration keys. */
struct weir_cli {
	enum weir_cli_action action;
	const char *conf_file; /* -c FILE, borrowed from argv; NULL = none */
	bool check_config;     /* --check-config */
	bool dump_config;      /* --dump-config */
	int eal_first;	       /* argv index of the first EAL argument (after "--") */
};

/* rte_eal_init's argument vector, built by weir_cli_eal_args(). */
struct weir_eal_args {
	char *argv[WEIR_MAX_EAL_ARGS]; /* owned: strdup'ed, freed by weir_cli_eal_free() */
	int argc;
};

/** Print weir's --help (the options, then every configuration key) to @p f. Main thread. */
void weir_cli_usage(FILE *f);

/** Print the -V line (weir, DPDK and Hyperscan versions) to @p f. Main thread. */
void weir_cli_version(FILE *f);

/**
 * Parse weir's command line in two passes: -c FILE is loaded into @p conf
 * first (the file sits under every override), then every other option is
 * applied in command-line order. -h and -V stop at the first pass and only
 * set @p cli->action; the caller prints and exits. Main thread, before EAL.
 * @param conf  filled with the defaults by the caller; takes the file and
 *              the overrides (on error, what was applied so far)
 * @param cli   filled in; its strings are borrowed from @p argv
 * @param ds    diagnostics of a bad file, key or value
 * @return 0, -EINVAL (an unknown option, printed, or a bad --set),
 *         or weir_conf_load_file()'s / weir_conf_set()'s -errno (in @p ds).
 */
int weir_cli_parse(struct weir_conf *conf, struct weir_cli *cli, int argc, char **argv,
		   struct weir_diags *ds);

/**
 * Build rte_eal_init's arguments: our defaults first (log levels; for the
 * pcap and afxdp drivers no hugepages, shared config, PCI or telemetry,
 * with enough -m for every worker's ring; one lcore per worker plus the
 * main one unless -l/--lcores is given), then dpdk.eal-args, then @p argv
 * (what followed "--"), so an operator can override any default.
 * Main thread, before EAL.
 * @param ea  appended to; the caller frees it with weir_cli_eal_free()
 *            whatever the outcome
 * @return 0, or -E2BIG (more than WEIR_MAX_EAL_ARGS, or out of memory).
 */
int weir_cli_eal_args(struct weir_eal_args *ea, const struct weir_conf *conf, const char *driver,
		      int argc, char **argv);

/** Free the arguments weir_cli_eal_args() made and zero the count; safe
 *  on an empty @p ea. Thread: main. */
void weir_cli_eal_free(struct weir_eal_args *ea);

/** Print every diagnostic of @p ds to stderr, one per line, then how many
 *  more there were. Main thread. */
void weir_cli_print_diags(const struct weir_diags *ds);

#endif /* WEIR_CLI_H */
