/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder: being written */
#include <errno.h>
#include "conf.h"
const struct weir_conf_key *weir_conf_keys(unsigned int *n) { *n = 0; return NULL; }
int weir_conf_defaults(struct weir_conf *c) { (void)c; return -ENOTSUP; }
int weir_conf_load_file(struct weir_conf *c, const char *path, struct weir_diags *diags) { (void)c; (void)path; (void)diags; return -ENOTSUP; }
int weir_conf_set(struct weir_conf *c, const char *key, const char *value, const char *origin, struct weir_diags *diags) { (void)c; (void)key; (void)value; (void)origin; (void)diags; return -ENOTSUP; }
int weir_conf_clear(struct weir_conf *c, const char *key) { (void)c; (void)key; return -ENOTSUP; }
int weir_conf_dump(const struct weir_conf *c, FILE *f) { (void)c; (void)f; return -ENOTSUP; }
void weir_conf_help(FILE *f) { (void)f; }
void weir_conf_free(struct weir_conf *c) { (void)c; }
