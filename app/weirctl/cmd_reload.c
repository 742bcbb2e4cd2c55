/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weirctl reload [--force]: ask weir to reload its rule files. Success
 * prints what was loaded; a refusal prints weir's error and, when weir
 * lists them, every rule error ("file:line: message"), and exits 3. weir
 * refuses a set that loses more than rules.reload-max-loss per cent of the
 * running rules, or all of them; --force asks it to accept that set.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weirctl.h"

int
cmd_reload(struct weirctl *ctl, int argc, char **argv)
{
	json_t *rep = NULL, *errs, *e;
	char *raw = NULL;
	bool force = false;
	size_t i;
	int ret;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--force") != 0)) {
		fprintf(stderr, "weirctl: reload takes only --force\n");
		return WEIRCTL_EXIT_USAGE;
	}
	force = argc == 2;
	/* weir answers when the build is done: compiling thousands of rules
	 * takes a while (weir's own bound is WEIR_CTL_RELOAD_WAIT_MS) */
	ctl->timeout_ms = 310000;
	ret = weirctl_request(ctl, json_pack("{s:s,s:b}", "command", "reload", "force", force),
			      &rep, &raw);
	if (ret == WEIRCTL_EXIT_CONNECT)
		return ret;
	if (ctl->json) {
		printf("%s\n", raw);
	} else if (ret == WEIRCTL_EXIT_OK) {
		if (json_is_true(json_object_get(rep, "forced")))
			printf("forced: the new set loses rules beyond rules.reload-max-loss\n");
		printf("rules reloaded: %llu rules, generation %llu, %.1f ms, %llu group "
		       "database%s "
		       "from the cache\n",
		       (unsigned long long)weirctl_u64(rep, "n_rules"),
		       (unsigned long long)weirctl_u64(rep, "generation"),
		       weirctl_real(rep, "build_ms"),
		       (unsigned long long)weirctl_u64(rep, "from_cache"),
		       weirctl_u64(rep, "from_cache") == 1 ? "" : "s");
		errs = json_object_get(rep, "errors");
		if (json_array_size(errs) > 0)
			printf("skipped:\n");
		json_array_foreach(errs, i, e)
			printf("  %s\n", json_is_string(e) ? json_string_value(e) : "?");
	} else {
		fprintf(stderr, "weirctl: reload refused: %s\n", weirctl_str(rep, "error"));
		errs = json_object_get(rep, "errors");
		json_array_foreach(errs, i, e)
			fprintf(stderr, "  %s\n", json_is_string(e) ? json_string_value(e) : "?");
	}
	free(raw);
	json_decref(rep);
	return ret;
}
