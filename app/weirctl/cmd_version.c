/* SPDX-License-Identifier: BSD-3-Clause */
/* weirctl version: versions of the running weir. */
#include <stdio.h>

#include "weirctl.h"

int
cmd_version(struct weirctl *ctl, int argc, char **argv)
{
	json_t *rep = NULL;
	int ret;

	(void)argv;
	if (argc > 1)
		return WEIRCTL_EXIT_USAGE;
	ret = weirctl_simple(ctl, "version", &rep);
	if (rep != NULL)
		/* "dpdk" is rte_version(): "DPDK 22.11.x" */
		/* "regex_engine": Hyperscan or Vectorscan (absent before 0.1.0's
		 * Vectorscan option: Hyperscan) */
		printf("weir %s (%s, %s %s), driver %s, schema %lld\n", weirctl_str(rep, "version"),
		       weirctl_str(rep, "dpdk"),
		       json_is_string(json_object_get(rep, "regex_engine"))
			       ? weirctl_str(rep, "regex_engine")
			       : "Hyperscan",
		       weirctl_str(rep, "hyperscan"), weirctl_str(rep, "driver"),
		       (long long)weirctl_u64(rep, "schema_version"));
	json_decref(rep);
	return ret;
}
