/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Latency histogram: bucket arithmetic, percentiles and the per-second
 * window. Recording is inline in latency.h (the emitter calls it per
 * event); everything here runs once per batch (tick) or on the control
 * thread (reads).
 */
#include <string.h>

#include "latency.h"

void
weir_latency_init(struct weir_latency *l, uint64_t hz)
{
	unsigned int s;

	memset(l, 0, sizeof(*l));
	l->hz = hz ? hz : 1;
	l->cur_sec = UINT64_MAX; /* the first tick claims a slot */
	for (s = 0; s < WEIR_LAT_SLOTS; s++)
		l->slot_sec[s] = UINT64_MAX;
}

void
weir_latency_tick(struct weir_latency *l, uint64_t now)
{
	uint64_t sec = now / l->hz;
	unsigned int s;

	if (sec == l->cur_sec)
		return;
	s = (unsigned int)(sec % WEIR_LAT_SLOTS);
	/* Mark the slot stale before clearing it, and publish its new
	 * second only after: a reader that sees the same slot_sec before
	 * and after its copy (acquire/release pair) copied a slot that was
	 * not being cleared. */
	__atomic_store_n(&l->slot_sec[s], UINT64_MAX, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memset(&l->slot[s], 0, sizeof(l->slot[s]));
	__atomic_store_n(&l->slot_sec[s], sec, __ATOMIC_RELEASE);
	l->cur_sec = sec;
}

void
weir_latency_window(const struct weir_latency *l, uint64_t now, struct weir_hist *out)
{
	uint64_t sec = now / l->hz;
	unsigned int s;

	memset(out, 0, sizeof(*out));
	for (s = 0; s < WEIR_LAT_SLOTS; s++) {
		uint64_t a = __atomic_load_n(&l->slot_sec[s], __ATOMIC_ACQUIRE);
		struct weir_hist tmp;

		/* seconds (sec - WINDOW, sec]; the slot after it is the
		 * one the writer clears next */
		if (a == UINT64_MAX || a > sec || sec - a >= WEIR_LAT_WINDOW_S)
			continue;
		memset(&tmp, 0, sizeof(tmp));
		weir_hist_merge(&tmp, &l->slot[s]);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&l->slot_sec[s], __ATOMIC_RELAXED) != a)
			continue;
		weir_hist_merge(out, &tmp);
	}
}

void
weir_latency_total(const struct weir_latency *l, struct weir_hist *out)
{
	memset(out, 0, sizeof(*out));
	weir_hist_merge(out, &l->total);
}
