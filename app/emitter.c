/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Emitter loop body: ring -> format once -> every sink. Formatting uses one
 * slot of text per event, sized from the rule set's longest strings so it
 * can never fail for lack of room; a failure would be counted all the same.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ring.h>

#include "emitter.h"

int
weir_emitter_init(struct weir_emitter *e, const struct weir_ruleset *rs)
{
	size_t longest = 0;
	unsigned int i;

	memset(e, 0, sizeof(*e));
	e->rs = rs;
	for (i = 0; i < rs->n_rules; i++) {
		size_t l = strlen(rs->rules[i].text);

		if (l > longest)
			longest = l;
	}
	/* rule text + interface name + category */
	e->text_slot = weir_event_json_max(longest + WEIR_PORT_NAME_MAX + 64);
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
		const struct weir_rule *r = &e->rs->rules[ev->rule_index];
		struct weir_event_rule er = {
			.action = "allowed",
			.gid = 1,
			.signature = r->text,
			.category = "",
			.severity = 3,
		};
		const char *iface = ev->port < e->n_ports ? e->ports[ev->port]->name : "";
		char *slot = e->text + (size_t)out * e->text_slot;
		int len;

		if (ev->rule_index >= e->rs->n_rules) {
			e->st.drop_format++;
			continue;
		}
		len = weir_event_format_json(ev, &er, iface, slot, e->text_slot);
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

unsigned int
weir_emitter_poll(struct weir_emitter *e)
{
	unsigned int r, s, total = 0;

	for (r = 0; r < e->n_rings; r++) {
		unsigned int n, ok;

		n = rte_ring_dequeue_burst_elem(e->rings[r], e->ev, sizeof(struct weir_event),
						WEIR_EMIT_BATCH, NULL);
		if (n == 0)
			continue;
		total += n;
		e->st.events += n;
		e->st.batches++;
		ok = emitter_format(e, n);
		if (ok == 0)
			continue;
		/* An event counts as written when every sink took it. */
		{
			unsigned int least = ok;

			for (s = 0; s < e->n_sinks; s++) {
				int w = weir_sink_write(e->sinks[s], e->ev, e->json, ok);

				if (w < 0)
					w = 0;
				if ((unsigned int)w < least)
					least = (unsigned int)w;
			}
			e->st.written += least;
			e->st.drop_sink += ok - least;
		}
	}
	/* Flush once the rings ran dry this round: under load the sinks' own
	 * buffers fill and write in large pieces; when traffic is light every
	 * event reaches the sink within one poll. */
	if (total != 0 && total < e->n_rings * WEIR_EMIT_BATCH)
		weir_emitter_flush(e);
	return total;
}

void
weir_emitter_flush(struct weir_emitter *e)
{
	unsigned int s;

	for (s = 0; s < e->n_sinks; s++)
		weir_sink_flush(e->sinks[s]);
}
