/* SPDX-License-Identifier: BSD-3-Clause */
/* weirctl checkpoint: write the window rules' state to windows.ckpt now. */
#include <stdio.h>

#include "weirctl.h"

int
cmd_checkpoint(struct weirctl *ctl, int argc, char **argv)
{
	json_t *rep = NULL;
	int ret;

	(void)argv;
	if (argc > 1)
		return WEIRCTL_EXIT_USAGE;
	ret = weirctl_simple(ctl, "checkpoint", &rep);
	if (rep != NULL)
		printf("window checkpoint written: %s\n",
		       json_string_value(json_object_get(rep, "path")) != NULL
			       ? json_string_value(json_object_get(rep, "path"))
			       : "?");
	json_decref(rep);
	return ret;
}
