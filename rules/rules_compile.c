/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder: being written */
#include <errno.h>
#include "rules.h"
struct weir_ruleset *weir_ruleset_build(struct weir_rule_list *list, const struct weir_ruleset_opts *opts, struct weir_diags *diags) { (void)list; (void)opts; (void)diags; errno = ENOTSUP; return NULL; }
struct weir_ruleset *weir_ruleset_load(const char *const *paths, unsigned int n_paths, const struct weir_ruleset_opts *opts, struct weir_diags *diags) { (void)paths; (void)n_paths; (void)opts; (void)diags; errno = ENOTSUP; return NULL; }
void weir_ruleset_free(struct weir_ruleset *rs) { (void)rs; }
