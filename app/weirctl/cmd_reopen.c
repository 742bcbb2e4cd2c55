/* SPDX-License-Identifier: BSD-3-Clause */
/* weirctl reopen: reopen weir's output files, as SIGUSR1 does. */
#include <stdio.h>

#include "weirctl.h"

int
cmd_reopen(struct weirctl *ctl, int argc, char **argv)
{
	json_t *rep = NULL;
	int ret;

	(void)argv;
	if (argc > 1)
		return WEIRCTL_EXIT_USAGE;
	ret = weirctl_simple(ctl, "reopen", &rep);
	if (rep != NULL)
		printf("outputs reopened\n");
	json_decref(rep);
	return ret;
}
