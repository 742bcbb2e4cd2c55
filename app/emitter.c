/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Emitter loop body: ring -> format once -> every sink's queue (sink.h).
 * Formatting uses one
 * slot of text per event, sized from the rule set's longest strings so it
 * can never fail for lack of room; a failure would be counted all the same.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ring.h>

#include "emitter.h"

int
weir_emitter_init(struct weir_emitter *e)
{
	memset(e, 0, sizeof(*e));
	/* Any rule set, including one a reload brings later: alert.signature
	 * is cut to WEIR_RULE_SIG_MAX, plus the interface name and category
	 * (host-id has its own bound). */
	e->text_slot = weir_event_json_max(WEIR_RULE_SIG_MAX + WEIR_PORT_NAME_MAX + 256);
	e->text = malloc(WEIR_EMIT_BATCH * e->text_slot);
	return e->text ? 0 : -ENOMEM;
}

void
weir_emitter_fini(struct weir_emitter *e)
{
	free(e->text);
	e->text = NULL;
}

static unsigned int
emitter_format(struct weir_emitter *e, unsigned int n)
{
	unsigned int i, out = 0;

	for (i = 0; i < n; i++) {
		const struct weir_event *ev = &e->ev[i];
		const struct weir_ruleset *rs = ev->rs;
		const char *iface = ev->port < e->n_ports ? e->ports[ev->port]->name : "";
		char *slot = e->text + (size_t)out * e->text_slot;
		struct weir_event_rule er;
		const struct weir_rt_rule *r;
		int len;

		if (rs == NULL || ev->rule_index >= rs->n_rules) {
			e->st.drop_format++;
			continue;
		}
		r = &rs->rules[ev->rule_index];
		er = (struct weir_event_rule){
			.action = "allowed",
			.gid = r->gid,
			.signature = r->signature,
			.category = r->category,
			.severity = r->priority,
		};
		len = weir_event_format_json(ev, &er, iface, e->host, slot, e->text_slot);
		if (len < 0) {
			e->st.drop_format++;
			continue;
		}
		if (out != i)
			e->ev[out] = *ev;
		e->json[out].data = slot;
		e->json[out].len = (size_t)len;
		out++;
	}
	return out;
}

/* After the sinks' writes returned: one TSC read per batch. */
static void
emitter_record_latency(struct weir_emitter *e, unsigned int n)
{
	uint64_t now = rte_rdtsc();
	unsigned int i;

	weir_latency_tick(e->lat, now);
	for (i = 0; i < n; i++)
		weir_latency_record(e->lat, now > e->ev[i].rx_tsc ? now - e->ev[i].rx_tsc : 0);
}

unsigned int
weir_emitter_poll(struct weir_emitter *e)
{
	unsigned int r, s, total = 0;

	for (r = 0; r < e->n_rings; r++) {
		unsigned int n, ok, avail = 0;

		n = rte_ring_dequeue_burst_elem(e->rings[r], e->ev, sizeof(struct weir_event),
						WEIR_EMIT_BATCH, &avail);
		if (n == 0)
			continue;
		/* the ring held n + avail events when we took ours */
		if (r < WEIR_EMIT_MAX_RINGS && n + avail > e->ring_hwm[r])
			__atomic_store_n(&e->ring_hwm[r], (uint64_t)n + avail, __ATOMIC_RELAXED);
		total += n;
		e->st.events += n;
		e->st.batches++;
		ok = emitter_format(e, n);
		/* Formatted: nothing of these events' rule set is needed any
		 * more. A reload waits for this before freeing the old set. */
		if (r < WEIR_EMIT_MAX_RINGS)
			__atomic_store_n(&e->consumed[r], e->consumed[r] + n, __ATOMIC_RELEASE);
		if (ok == 0)
			continue;
		/* An event counts as written when every sink's queue took
		 * it; what each sink then did with it is in its counters. */
		{
			unsigned int least = ok;

			for (s = 0; s < e->n_sinks; s++) {
				unsigned int w = weir_sink_enqueue(e->sinks[s], e->ev, e->json, ok);

				if (w < least)
					least = w;
			}
			e->st.written += least;
			e->st.drop_sink += ok - least;
		}
		if (e->lat != NULL)
			emitter_record_latency(e, ok);
	}
	/* No flush here: each sink's thread flushes when its queue runs dry,
	 * so under load writes go out in large pieces and when traffic is
	 * light every event reaches its sink within one wake-up. */
	return total;
}

void
weir_emitter_flush(struct weir_emitter *e)
{
	unsigned int s;

	for (s = 0; s < e->n_sinks; s++)
		weir_sink_kick(e->sinks[s]);
}
