/* SPDX-License-Identifier: BSD-3-Clause */
/* placeholder: being written */
#include "sink.h"
extern const struct weir_sink_ops jsonl_sink_ops;
const struct weir_sink_ops jsonl_sink_ops = { .name = "jsonl" };
