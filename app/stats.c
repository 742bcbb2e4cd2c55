/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counter aggregation: the control side sums per-worker blocks; workers
 * never synchronise with the reader.
 */
#include "stats.h"

void
weir_worker_stats_add(struct weir_worker_stats *dst, const struct weir_worker_stats *src)
{
#define WEIR_ADD_COUNTER(name, doc) dst->name += __atomic_load_n(&src->name, __ATOMIC_RELAXED);
	WEIR_WORKER_COUNTERS(WEIR_ADD_COUNTER)
#undef WEIR_ADD_COUNTER
}

int64_t
weir_worker_stats_unaccounted(const struct weir_worker_stats *s)
{
	return (int64_t)(s->rx_packets - s->scanned - s->not_scanned - s->fragments - s->malformed -
			 s->drop_scan_error);
}
