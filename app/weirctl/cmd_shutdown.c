/* SPDX-License-Identifier: BSD-3-Clause */
/* weirctl shutdown: stop weir as SIGINT does (drain, flush, summary). */
#include <stdio.h>

#include "weirctl.h"

int
cmd_shutdown(struct weirctl *ctl, int argc, char **argv)
{
	json_t *rep = NULL;
	int ret;

	(void)argv;
	if (argc > 1)
		return WEIRCTL_EXIT_USAGE;
	ret = weirctl_simple(ctl, "shutdown", &rep);
	if (rep != NULL)
		printf("weir is stopping\n");
	json_decref(rep);
	return ret;
}
