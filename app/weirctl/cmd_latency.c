/* SPDX-License-Identifier: BSD-3-Clause */
/* weirctl latency: percentiles since start and over the last 10 s. */
#include <stdio.h>

#include "weirctl.h"

int
cmd_latency(struct weirctl *ctl, int argc, char **argv)
{
	json_t *rep = NULL;
	int ret;

	(void)argv;
	if (argc > 1)
		return WEIRCTL_EXIT_USAGE;
	ret = weirctl_simple(ctl, "latency", &rep);
	if (rep != NULL)
		weirctl_print_latency(rep);
	json_decref(rep);
	return ret;
}
