/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weirctl: talk to a running weir over its stats socket.
 *
 *   weirctl [--socket PATH] [--json] COMMAND [OPTIONS]
 *
 * The commands are the rows of common/ctl_cmds.h, shared with weir's stats
 * socket and DPDK telemetry: --help prints them and dispatch walks them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_cmds.h"
#include "weirctl.h"

/* Every row of the command list (common/ctl_cmds.h), each to its
 * cmd_NAME: a row without one does not link. */
#define WEIRCTL_ROW(name, role, options, doc) {#name, cmd_##name, options, doc},
static const struct weirctl_cmd g_cmds[] = {WEIR_CTL_COMMANDS(WEIRCTL_ROW)};
#undef WEIRCTL_ROW

#define NCMDS (sizeof(g_cmds) / sizeof(g_cmds[0]))

static void
usage(FILE *f)
{
	unsigned int i;

	fprintf(f, "usage: weirctl [--socket PATH] [--json] COMMAND [OPTIONS]\n"
		   "\n"
		   "  -s, --socket PATH  weir's stats socket (default $WEIR_SOCKET, "
		   "else " WEIRCTL_DEFAULT_SOCKET ")\n"
		   "  -j, --json         print weir's raw JSON reply\n"
		   "  -h, --help         this text\n"
		   "\n"
		   "Commands:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-11s %-26s %s\n", g_cmds[i].name, g_cmds[i].options, g_cmds[i].doc);
	fprintf(f, "\nExit status: 0 ok; 1 usage; 2 cannot connect or no valid reply;\n"
		   "3 weir replied with an error (e.g. reload refused).\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct weirctl ctl = {.fd = -1};
	unsigned int i;
	int opt, ret;

	ctl.socket = getenv("WEIR_SOCKET") ? getenv("WEIR_SOCKET") : WEIRCTL_DEFAULT_SOCKET;
	while ((opt = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			ctl.socket = optarg;
			break;
		case 'j':
			ctl.json = true;
			break;
		case 'h':
			usage(stdout);
			return WEIRCTL_EXIT_OK;
		default:
			usage(stderr);
			return WEIRCTL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return WEIRCTL_EXIT_USAGE;
	}
	for (i = 0; i < NCMDS; i++)
		if (strcmp(g_cmds[i].name, argv[optind]) == 0)
			break;
	if (i == NCMDS) {
		fprintf(stderr, "weirctl: unknown command '%s' (see --help)\n", argv[optind]);
		return WEIRCTL_EXIT_USAGE;
	}
	/* the command parses its own options: argv[0] is its name */
	argc -= optind;
	argv += optind;
	optind = 1;
	ret = g_cmds[i].fn(&ctl, argc, argv);
	weirctl_close(&ctl);
	return ret;
}
