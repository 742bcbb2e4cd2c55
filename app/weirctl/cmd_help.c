/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weirctl help: the commands the running weir serves, as it says (an
 * older or newer weir may serve others than this weirctl knows).
 */
#include <stdio.h>

#include "weirctl.h"

int
cmd_help(struct weirctl *ctl, int argc, char **argv)
{
	json_t *rep = NULL, *v;
	const char *name;
	int ret;

	(void)argv;
	if (argc > 1)
		return WEIRCTL_EXIT_USAGE;
	ret = weirctl_simple(ctl, "help", &rep);
	if (rep == NULL)
		return ret;
	printf("commands of the weir at %s:\n", ctl->socket);
	json_object_foreach(json_object_get(rep, "commands"), name, v)
		printf("  %-11s %s\n", name, json_string_value(v) ? json_string_value(v) : "");
	json_decref(rep);
	return ret;
}
