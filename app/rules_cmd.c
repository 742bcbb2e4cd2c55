/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rules from the configuration, and `weir rules check` (rules_cmd.h). The
 * subcommand runs the same load as weir itself (weir_rules_cmd_opts, then
 * weir_ruleset_load), so what it accepts is what weir would load.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rules_cmd.h"
#include "window.h"
#include "worker_window.h"

enum {
	RULES_OPT_SET = 256,
	RULES_OPT_SKIP_INVALID,
	RULES_OPT_KINDS,
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
	o->cache_max_entries = c->rules_cache_max_entries;
	o->cache_max_bytes = (uint64_t)c->rules_cache_max_mib << 20;
	o->n_workers = n_workers;
	o->no_addr_split = !c->rules_address_split;
	return rules_cmd_vars(c, vars, ds);
}

/*
 * Does @p path hold anything but blank lines and comments? A file that
 * cannot be read is the loader's to report: true.
 */
static bool
rules_cmd_file_has_content(const char *path)
{
	char line[512];
	bool any = false;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return true;
	while (!any && fgets(line, sizeof(line), f) != NULL) {
		const char *p = line + strspn(line, " \t\r\n\v\f");

		any = *p != '\0' && *p != '#';
	}
	fclose(f);
	return any;
}

/* One line per window rule (README "Stateful rules (windows)"): key,
 * length, conditions, fire mode, time source, state bytes per key.
 * @return the rules the configuration cannot honour (printed). */
static unsigned int
rules_cmd_describe_windows(const struct weir_ruleset *rs, const struct weir_conf *conf)
{
	struct weir_window_conf wc = {
		.memcap = (size_t)conf->windows_memcap_mib << 20,
		.max_events_per_key = conf->windows_max_events,
	};
	unsigned int i, bad;
	char why[2048];

	if (rs->n_win == 0)
		return 0;
	printf("window rules: %u\n", rs->n_win);
	for (i = 0; i < rs->n_win; i++) {
		const struct weir_rt_rule *r = &rs->rules[weir_ruleset_window(rs, i)];
		struct weir_window_def d = {
			.sid = r->sid,
			.rev = r->rev,
			.clause_hash = r->win->clause_hash,
			.length_ns = r->win->length_ns,
			.n_cond = r->win->n_cond,
			.fire_each = r->win->fire_each,
		};
		char line[512];
		unsigned int k;

		for (k = 0; k < r->win->n_cond; k++) {
			d.cond[k].agg = r->win->cond[k].agg;
			d.cond[k].op = r->win->cond[k].op;
			d.cond[k].n = r->win->cond[k].n;
		}
		weir_rwin_explain(r->win, r->fields, line, sizeof(line));
		printf("  %s:%u: sid %u: %s, state up to %zu bytes per key\n", r->file, r->line,
		       r->sid, line, weir_window_bytes_per_key(&wc, &d));
	}
	bad = weir_wwin_check(rs, conf->windows_max_events, why, sizeof(why));
	if (bad > 0)
		printf("%s\n", why);
	return bad;
}

static void
rules_cmd_usage(FILE *f)
{
	fprintf(f, "usage: weir rules check [-c FILE] [--set KEY=VALUE]... [--rules-skip-invalid]\n"
		   "                        [--kinds] [FILE...]\n"
		   "\n"
		   "Parse and compile rule files (default: rules.files of the configuration)\n"
		   "exactly as weir would, without capturing. Prints every error as\n"
		   "file:line:column: keyword: reason, then the rules loaded per group (protocol\n"
		   "and destination ports), the rules per kind (packet or stream, as Suricata's\n"
		   "rule types; --kinds: each rule's kind and why), keyword counts, database\n"
		   "sizes and build time.\n"
		   "Variables ($HOME_NET, ...) come from the configuration's vars.* keys.\n"
		   "A file with no rule (empty, or only comments) is warned about.\n"
		   "Exit status: 0 when every rule loads, 1 otherwise, also when no rule\n"
		   "loads at all (an empty set turns detection off), or on bad usage.\n");
}

/* Diagnostics kept by `rules check` (about 560 bytes each). */
#define RULES_CMD_DIAGS 100000u

struct reason {
	const struct weir_diag *d; /* first of its kind */
	unsigned int n;
};

static int
rules_cmd_reason_cmp(const void *a, const void *b)
{
	const struct reason *x = a, *y = b;

	return x->n != y->n ? (x->n < y->n ? 1 : -1) : strcmp(x->d->msg, y->d->msg);
}

/*
 * The first WEIR_DIAGS_MAX diagnostics as weir prints them, then, when
 * there are more than a few, the refusals grouped by reason (the same
 * keyword and message), most frequent first.
 */
static void
rules_cmd_print_diags(const struct weir_diags *ds)
{
	struct weir_diags head = *ds;
	struct reason *r;
	unsigned int i, k, n = 0;

	if (head.n > WEIR_DIAGS_MAX)
		head.n = WEIR_DIAGS_MAX;
	weir_cli_print_diags(&head);
	if (ds->n < 10)
		return;
	r = calloc(ds->n, sizeof(*r));
	if (r == NULL)
		return;
	for (i = 0; i < ds->n; i++) {
		for (k = 0; k < n; k++)
			if (strcmp(r[k].d->keyword, ds->v[i].keyword) == 0 &&
			    strcmp(r[k].d->msg, ds->v[i].msg) == 0)
				break;
		if (k == n)
			r[n++].d = &ds->v[i];
		r[k].n++;
	}
	qsort(r, n, sizeof(*r), rules_cmd_reason_cmp);
	fprintf(stderr, "refusals by reason (%u):\n", ds->total);
	for (k = 0; k < n && k < 40; k++)
		fprintf(stderr, "  %6u  %s%s%s\n", r[k].n, r[k].d->keyword,
			r[k].d->keyword[0] != '\0' ? ": " : "", r[k].d->msg);
	if (n > 40)
		fprintf(stderr, "  ... and %u other reasons\n", n - 40);
	free(r);
}

/* `weir rules check FILE...` */
int
weir_rules_cmd_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"set", required_argument, NULL, RULES_OPT_SET},
		{"rules-skip-invalid", no_argument, NULL, RULES_OPT_SKIP_INVALID},
		{"kinds", no_argument, NULL, RULES_OPT_KINDS},
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
	bool kinds = false;

	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		rules_cmd_usage(stderr);
		return WEIR_EXIT_USAGE;
	}
	argc--;
	argv++;
	/* every refusal kept, for the summary by reason (a whole published
	 * set has thousands); only the first WEIR_DIAGS_MAX are printed */
	if (weir_diags_init(&ds, RULES_CMD_DIAGS) < 0 || weir_conf_defaults(&conf) < 0) {
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

		if (opt == RULES_OPT_KINDS) {
			kinds = true;
		} else if (opt == RULES_OPT_SKIP_INVALID) {
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
	rules_cmd_print_diags(&ds);
	for (i = 0; i < (int)conf.rules_files.n; i++)
		if (!rules_cmd_file_has_content(conf.rules_files.v[i]))
			fprintf(stderr,
				"%s: warning: no rule in this file (empty, or only comments)\n",
				conf.rules_files.v[i]);
	if (rs == NULL) {
		printf("rules refused: %u error%s in %u file%s; nothing would be loaded\n",
		       ds.total, ds.total == 1 ? "" : "s", conf.rules_files.n,
		       conf.rules_files.n == 1 ? "" : "s");
		goto out;
	}
	if (kinds)
		weir_ruleset_describe_kinds(rs, stdout);
	weir_ruleset_describe(rs, stdout);
	weir_ruleset_describe_history(rs, conf.stream_confirm_window, stdout);
	if (rules_cmd_describe_windows(rs, &conf) > 0) {
		printf("rules refused: window rules the configuration cannot honour\n");
	} else if (rs->n_rules == 0) {
		printf("no rule loads: weir would run without detection\n");
	} else if (ds.total == 0) {
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
