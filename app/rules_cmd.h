/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The rules as the configuration asks for them: the options a rule set is
 * loaded with (variables, skip-invalid, the database cache) for weir itself
 * and for the `weir rules check FILE...` subcommand, which parses and
 * compiles rule files exactly as weir would, without EAL or capture. It
 * sits beside the launcher, off the packet path, between the configuration
 * (conf.h) and rules/ (rules.h). Main thread only.
 */
#ifndef WEIR_RULES_CMD_H
#define WEIR_RULES_CMD_H

#include "conf.h"
#include "diag.h"
#include "rules.h"

/**
 * The paths weir_ruleset_load() takes for @p c: rules.files, then the
 * threshold-file as "threshold-file:PATH" (WEIR_RULES_THRESHOLD_PREFIX)
 * when set. *@p out is a NULL-terminated array the caller frees with
 * weir_rules_cmd_files_free(). @return the number of paths, or -ENOMEM.
 */
int weir_rules_cmd_files(const struct weir_conf *c, char ***out);
void weir_rules_cmd_files_free(char **v);

/**
 * Fill the options a rule set is loaded with from @p c: variables
 * (Suricata's defaults, then vars.address-groups.* and vars.port-groups.*,
 * "NAME=VALUE" each, so a file or --set overrides one default without
 * restating the others), rules.skip-invalid and rules.cache-dir ("" = no
 * cache). Main thread.
 * @param vars       out: owned by the caller, freed with
 *                   weir_rule_vars_free() whatever the outcome; @p o points
 *                   at it
 * @param o          out: the options; o->cache_dir is borrowed from @p c
 * @param n_workers  per-worker state the rule set allocates
 * @param ds         a bad variable or "out of memory", as a diagnostic
 * @return 0, -EINVAL (a bad variable) or -ENOMEM.
 */
int weir_rules_cmd_opts(const struct weir_conf *c, unsigned int n_workers,
			struct weir_rule_vars *vars, struct weir_ruleset_opts *o,
			struct weir_diags *ds);

/**
 * `weir rules check [-c FILE] [--set KEY=VALUE]... [--rules-skip-invalid]
 * [FILE...]`: load the rule files (default: rules.files of the
 * configuration), print every error, then what loaded (rules per group,
 * keyword counts, database sizes, build time). Main thread; needs no EAL.
 * @param argc, argv  from "rules" on (argv[0] is "rules")
 * @return the exit status: WEIR_EXIT_OK when every rule loads,
 *         WEIR_EXIT_USAGE otherwise or on bad usage, WEIR_EXIT_RUNTIME
 *         out of memory.
 */
int weir_rules_cmd_main(int argc, char **argv);

#endif /* WEIR_RULES_CMD_H */
