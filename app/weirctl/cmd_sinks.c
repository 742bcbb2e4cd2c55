/* SPDX-License-Identifier: BSD-3-Clause */
/* weirctl sinks: one row per sink counter (the list), one column per sink. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "weirctl.h"

int
weirctl_width(const char *name, int min)
{
	int n = (int)strlen(name);

	return n > min ? n : min;
}

void
weirctl_print_sinks(const json_t *sinks)
{
	const json_t *s;
	size_t i;

	printf("%-22s", "sink");
	json_array_foreach(sinks, i, s)
		printf(" %*s", weirctl_width(weirctl_str(s, "name"), 14), weirctl_str(s, "name"));
	printf("\n");
	/* every row for every sink: per-type counters are 0 elsewhere */
#define SINK_ROW(name, kind, doc)                                                                  \
	printf("%-22s", #name);                                                                    \
	json_array_foreach(sinks, i, s) printf(                                                    \
		" %*" PRIu64, weirctl_width(weirctl_str(s, "name"), 14), weirctl_u64(s, #name));   \
	printf("\n");
	WEIR_SINK_COUNTERS(SINK_ROW)
#undef SINK_ROW
}

int
cmd_sinks(struct weirctl *ctl, int argc, char **argv)
{
	json_t *rep = NULL;
	int ret;

	(void)argv;
	if (argc > 1)
		return WEIRCTL_EXIT_USAGE;
	ret = weirctl_simple(ctl, "sinks", &rep);
	if (rep != NULL)
		weirctl_print_sinks(json_object_get(rep, "sinks"));
	json_decref(rep);
	return ret;
}
