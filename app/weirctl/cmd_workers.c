/* SPDX-License-Identifier: BSD-3-Clause */
/* weirctl workers: one column per worker, one row per counter. */
#include <inttypes.h>
#include <stdio.h>

#include "weirctl.h"

int
cmd_workers(struct weirctl *ctl, int argc, char **argv)
{
	json_t *rep = NULL, *ws, *w, *first;
	const char *key;
	json_t *v;
	size_t i;
	int ret;

	(void)argv;
	if (argc > 1)
		return WEIRCTL_EXIT_USAGE;
	ret = weirctl_simple(ctl, "workers", &rep);
	if (rep == NULL)
		return ret;
	ws = json_object_get(rep, "workers");
	first = json_array_get(ws, 0);
	printf("%-18s", "counter");
	json_array_foreach(ws, i, w) printf(" %14s%zu", "worker ", i);
	printf("\n");
	/* rows in the order weir sent them (the counter X-macro's) */
	json_object_foreach(first, key, v)
	{
		if (json_is_boolean(v))
			continue;
		printf("%-18s", key);
		json_array_foreach(ws, i, w)
		{
			const json_t *x = json_object_get(w, key);

			if (json_is_real(x))
				printf(" %15.3f", json_real_value(x));
			else
				printf(" %15lld", (long long)json_integer_value(x));
		}
		printf("\n");
	}
	json_decref(rep);
	return ret;
}
