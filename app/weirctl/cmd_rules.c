/* SPDX-License-Identifier: BSD-3-Clause */
/* weirctl rules [--top N]: rules by hits, most first. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "weirctl.h"

void
weirctl_print_rules(const json_t *rep)
{
	const json_t *r;
	size_t i;

	printf("rules: %" PRIu64 " loaded, %" PRIu64 " fired, %" PRIu64 " hits\n",
	       weirctl_u64(rep, "rules_loaded"), weirctl_u64(rep, "rules_fired"),
	       weirctl_u64(rep, "hits_total"));
	printf("  %10s %12s  %s\n", "sid", "hits", "msg");
	json_array_foreach(json_object_get(rep, "rules"), i, r)
		printf("  %10" PRIu64 " %12" PRIu64 "  %.60s\n", weirctl_u64(r, "sid"),
		       weirctl_u64(r, "hits"), weirctl_str(r, "msg"));
}

int
weirctl_parse_top(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *end == '\0' && v >= 1 && v <= 1000 ? (int)v : 0;
}

int
cmd_rules(struct weirctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{"top", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	json_t *rep = NULL;
	char *raw = NULL;
	int opt, top = 10, ret;

	while ((opt = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (opt != 't' || (top = weirctl_parse_top(optarg)) == 0) {
			fprintf(stderr, "weirctl rules: --top N, N in [1, 1000]\n");
			return WEIRCTL_EXIT_USAGE;
		}
	}
	ret = weirctl_request(ctl, json_pack("{s:s,s:i}", "command", "rules", "top", top), &rep,
			      &raw);
	if (ret == WEIRCTL_EXIT_CONNECT)
		return ret;
	if (ctl->json)
		printf("%s\n", raw);
	else if (ret == WEIRCTL_EXIT_REPLY)
		weirctl_print_error(rep);
	else
		weirctl_print_rules(rep);
	free(raw);
	json_decref(rep);
	return ret;
}
