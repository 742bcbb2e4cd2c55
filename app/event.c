/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder: being written */
#include <errno.h>
#include "event.h"
int weir_event_format_json(const struct weir_event *ev, const struct weir_event_rule *rule, const char *iface, char *buf, size_t len) { (void)ev; (void)rule; (void)iface; (void)buf; (void)len; return -ENOTSUP; }
size_t weir_event_json_max(size_t rule_text) { return rule_text + 4096; }
int weir_base64(const uint8_t *in, size_t n, char *out, size_t outlen) { (void)in; (void)n; (void)out; (void)outlen; return -ENOTSUP; }
