/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rules from the configuration, and `weir rules check` (rules_cmd.h). The
 * subcommand runs the same load as weir itself (weir_rules_cmd_opts, then
 * weir_ruleset_load), so what it accepts is what weir would load.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rules_cmd.h"

enum {
	RULES_OPT_SET = 256,
	RULES_OPT_SKIP_INVALID,
};

/*
 * Rule variables: Suricata's defaults, then vars.address-groups.* and
 * vars.port-groups.* of the configuration ("NAME=VALUE" each), so a file
 * or --set overrides one default without restating the others.
 */
static int
rules_cmd_vars(const struct weir_conf *c, struct weir_rule_vars *vars, struct weir_diags *ds)
{
	const struct weir_strlist *lists[2] = {&c->vars_address_groups, &c->vars_port_groups};
	unsigned int l, i;

	if (weir_rule_vars_defaults(vars) < 0)
		goto nomem;
	for (l = 0; l < 2; l++) {
		for (i = 0; i < lists[l]->n; i++) {
			const char *nv = lists[l]->v[i], *eq = strchr(nv, '=');
			char name[128];
			int rc;

			if (eq == NULL || (size_t)(eq - nv) >= sizeof(name)) {
				weir_diag_add(ds, "configuration", 0, 0, NULL,
					      "bad variable '%s' (NAME=VALUE)", nv);
				return -EINVAL;
			}
			memcpy(name, nv, (size_t)(eq - nv));
			name[eq - nv] = '\0';
			rc = weir_rule_vars_set(vars, l == 1, name, eq + 1);
			if (rc == -ENOMEM)
				goto nomem;
			if (rc < 0) {
				weir_diag_add(ds, "configuration", 0, 0, NULL,
					      "bad variable name '%s'", name);
				return rc;
			}
		}
	}
	return 0;
nomem:
	weir_diag_add(ds, "configuration", 0, 0, NULL, "out of memory");
	return -ENOMEM;
}

int
weir_rules_cmd_files(const struct weir_conf *c, char ***out)
{
	unsigned int i, n = 0;
	char **v = calloc(c->rules_files.n + 2, sizeof(*v));

	*out = NULL;
	if (v == NULL)
		return -ENOMEM;
	for (i = 0; i < c->rules_files.n; i++)
		if ((v[n++] = strdup(c->rules_files.v[i])) == NULL)
			goto nomem;
	if (c->threshold_file != NULL && c->threshold_file[0] != '\0') {
		size_t len = strlen(WEIR_RULES_THRESHOLD_PREFIX) + strlen(c->threshold_file) + 1;

		if ((v[n] = malloc(len)) == NULL)
			goto nomem;
		snprintf(v[n++], len, "%s%s", WEIR_RULES_THRESHOLD_PREFIX, c->threshold_file);
	}
	*out = v;
	return (int)n;
nomem:
	weir_rules_cmd_files_free(v);
	return -ENOMEM;
}

void
weir_rules_cmd_files_free(char **v)
{
	unsigned int i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

int
weir_rules_cmd_opts(const struct weir_conf *c, unsigned int n_workers, struct weir_rule_vars *vars,
		    struct weir_ruleset_opts *o, struct weir_diags *ds)
{
	memset(o, 0, sizeof(*o));
	o->vars = vars;
	o->skip_invalid = c->rules_skip_invalid;
	/* rules.cache-dir, or NULL when off */
	o->cache_dir = c->rules_cache_dir != NULL && c->rules_cache_dir[0] != '\0'
			       ? c->rules_cache_dir
			       : NULL;
	o->n_workers = n_workers;
	return rules_cmd_vars(c, vars, ds);
}

static void
rules_cmd_usage(FILE *f)
{
	fprintf(f, "usage: weir rules check [-c FILE] [--set KEY=VALUE]... [--rules-skip-invalid]\n"
		   "                        [FILE...]\n"
		   "\n"
		   "Parse and compile rule files (default: rules.files of the configuration)\n"
		   "exactly as weir would, without capturing. Prints every error as\n"
		   "file:line:column: keyword: reason, then the rules loaded per group (protocol\n"
		   "and destination ports), keyword counts, database sizes and build time.\n"
		   "Variables ($HOME_NET, ...) come from the configuration's vars.* keys.\n"
		   "Exit status: 0 when every rule loads, 1 otherwise (or on bad usage).\n");
}

/* `weir rules check FILE...` */
int
weir_rules_cmd_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"set", required_argument, NULL, RULES_OPT_SET},
		{"rules-skip-invalid", no_argument, NULL, RULES_OPT_SKIP_INVALID},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct weir_ruleset_opts ropts = {0};
	struct weir_rule_vars vars = {0};
	struct weir_ruleset *rs = NULL;
	char **paths = NULL;
	int n_paths;
	struct weir_conf conf;
	struct weir_diags ds;
	const char *conf_file = NULL;
	int opt, status = WEIR_EXIT_USAGE, i;

	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		rules_cmd_usage(stderr);
		return WEIR_EXIT_USAGE;
	}
	argc--;
	argv++;
	if (weir_diags_init(&ds, WEIR_DIAGS_MAX) < 0 || weir_conf_defaults(&conf) < 0) {
		fprintf(stderr, "weir: out of memory\n");
		return WEIR_EXIT_RUNTIME;
	}
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		if (opt == 'c') {
			conf_file = optarg;
		} else if (opt == 'h') {
			rules_cmd_usage(stdout);
			status = WEIR_EXIT_OK;
			goto out;
		} else if (opt == '?') {
			fprintf(stderr, "weir rules check: unknown option '%s'\n",
				argv[optind - 1]);
			goto out;
		}
	}
	if (conf_file != NULL && weir_conf_load_file(&conf, conf_file, &ds) < 0)
		goto out_diags;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		char *eq;

		if (opt == RULES_OPT_SKIP_INVALID) {
			if (weir_conf_set(&conf, "rules.skip-invalid", "true", "command line",
					  &ds) < 0)
				goto out_diags;
		} else if (opt == RULES_OPT_SET) {
			eq = strchr(optarg, '=');
			if (eq == NULL) {
				fprintf(stderr, "weir rules check: --set needs KEY=VALUE\n");
				goto out;
			}
			*eq = '\0';
			i = weir_conf_set(&conf, optarg, eq + 1, "command line", &ds);
			*eq = '=';
			if (i < 0) {
				if (ds.total == 0)
					fprintf(stderr, "weir rules check: unknown key '%s'\n",
						optarg);
				goto out_diags;
			}
		}
	}
	if (optind < argc) {
		weir_conf_clear(&conf, "rules.files");
		for (i = optind; i < argc; i++)
			if (weir_conf_set(&conf, "rules.files", argv[i], "command line", &ds) < 0)
				goto out_diags;
	}
	if (conf.rules_files.n == 0) {
		fprintf(stderr, "weir rules check: no rule file given\n");
		goto out;
	}
	if (weir_rules_cmd_opts(&conf, 1, &vars, &ropts, &ds) < 0)
		goto out_diags;
	n_paths = weir_rules_cmd_files(&conf, &paths);
	if (n_paths < 0) {
		fprintf(stderr, "weir rules check: out of memory\n");
		goto out_diags;
	}
	rs = weir_ruleset_load((const char *const *)paths, (unsigned int)n_paths, &ropts, &ds);
	weir_rules_cmd_files_free(paths);
	weir_cli_print_diags(&ds);
	if (rs == NULL) {
		printf("rules refused: %u error%s in %u file%s; nothing would be loaded\n",
		       ds.total, ds.total == 1 ? "" : "s", conf.rules_files.n,
		       conf.rules_files.n == 1 ? "" : "s");
		goto out;
	}
	weir_ruleset_describe(rs, stdout);
	if (ds.total == 0) {
		printf("OK: every rule of %u file%s loads\n", conf.rules_files.n,
		       conf.rules_files.n == 1 ? "" : "s");
		status = WEIR_EXIT_OK;
	} else {
		printf("%u error%s: the rules above would load only with rules.skip-invalid\n",
		       ds.total, ds.total == 1 ? "" : "s");
	}
	goto out;
out_diags:
	weir_cli_print_diags(&ds);
out:
	weir_ruleset_free(rs);
	weir_rule_vars_free(&vars);
	weir_conf_free(&conf);
	weir_diags_free(&ds);
	return status;
}
