/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder: being written */
#include <errno.h>
#include "sink.h"
const struct weir_sink_ops *weir_sink_find(const char *name) { (void)name; errno = ENOENT; return NULL; }
int weir_sink_open(struct weir_sink *s, const struct weir_sink_ops *ops, const struct weir_sink_conf *conf) { (void)s; (void)ops; (void)conf; return -ENOTSUP; }
int weir_sink_reopen(struct weir_sink *s) { (void)s; return -ENOTSUP; }
void weir_sink_close(struct weir_sink *s) { (void)s; }
