/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weirctl disable SID / weirctl enable SID: drop (or stop dropping) the
 * matches of one rule at run time, without a recompile. weir remembers
 * disabled sids over rule reloads. Exit 3 when no rule has that sid.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "weirctl.h"

static int
disable_run(struct weirctl *ctl, int argc, char **argv, const char *command)
{
	unsigned long long sid;
	json_t *rep = NULL;
	char *raw = NULL, *end;
	int ret;

	if (argc != 2) {
		fprintf(stderr, "weirctl: %s needs one SID\n", command);
		return WEIRCTL_EXIT_USAGE;
	}
	errno = 0;
	sid = strtoull(argv[1], &end, 10);
	if (errno != 0 || end == argv[1] || *end != '\0' || sid == 0 || sid > 4294967295ull) {
		fprintf(stderr, "weirctl: %s: '%s' is not a sid (1..4294967295)\n", command,
			argv[1]);
		return WEIRCTL_EXIT_USAGE;
	}
	ret = weirctl_request(ctl,
			      json_pack("{s:s,s:I}", "command", command, "sid", (json_int_t)sid),
			      &rep, &raw);
	if (ret == WEIRCTL_EXIT_CONNECT)
		return ret;
	if (ctl->json)
		printf("%s\n", raw);
	else if (ret == WEIRCTL_EXIT_OK)
		printf("sid %llu %s (%llu rule%s)\n", sid,
		       command[0] == 'd' ? "disabled" : "enabled",
		       (unsigned long long)weirctl_u64(rep, "rules"),
		       weirctl_u64(rep, "rules") == 1 ? "" : "s");
	else
		weirctl_print_error(rep);
	free(raw);
	json_decref(rep);
	return ret;
}

int
cmd_disable(struct weirctl *ctl, int argc, char **argv)
{
	return disable_run(ctl, argc, argv, "disable");
}

int
cmd_enable(struct weirctl *ctl, int argc, char **argv)
{
	return disable_run(ctl, argc, argv, "enable");
}
