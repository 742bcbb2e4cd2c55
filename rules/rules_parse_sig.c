/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder: being written */
#include <errno.h>
#include "rules.h"
int weir_rules_parse_sig_file(const char *path, struct weir_rule_list *list, struct weir_diags *diags) { (void)path; (void)list; (void)diags; return -ENOTSUP; }
int weir_rules_parse_sig_line(const char *file, unsigned int lineno, const char *line, struct weir_rule_list *list, struct weir_diags *diags) { (void)file; (void)lineno; (void)line; (void)list; (void)diags; return -ENOTSUP; }
void weir_rule_list_free(struct weir_rule_list *list) { (void)list; }
