/* SPDX-License-Identifier: BSD-3-Clause */
/* weirctl reconfigure: as SIGUSR2, weir re-reads its configuration file and
 * applies the capture filter and block list to the running XDP program. */
#include <stdio.h>

#include "weirctl.h"

int
cmd_reconfigure(struct weirctl *ctl, int argc, char **argv)
{
	json_t *rep = NULL;
	int ret;

	(void)argv;
	if (argc > 1)
		return WEIRCTL_EXIT_USAGE;
	ret = weirctl_simple(ctl, "reconfigure", &rep);
	if (rep != NULL && ret == WEIRCTL_EXIT_OK && !ctl->json)
		printf("configuration re-read, capture filter applied\n");
	json_decref(rep);
	return ret;
}
