/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Emitter loop body: ring -> format once -> every sink's queue (sink.h).
 * Alerts and flow records share the rings; each is formatted by its own
 * formatter, and flow records are counted apart (flow_records, and
 * flow_records_written) inside events and written.
 * Formatting uses one slot of text per event, sized from the rule set's
 * longest strings so it can never fail for lack of room; a failure would
 * be counted all the same. The rule text comes from the per-generation
 * tables of emitter.h, which this file also frees when they are done.
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
	atomic_init(&e->text_first, NULL);
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
	struct weir_rule_text *t, *next;

	t = e->text_head != NULL ? e->text_head : atomic_load(&e->text_first);
	for (; t != NULL; t = next) {
		next = atomic_load(&t->next);
		free(t);
	}
	e->text_head = NULL;
	e->text_hit = NULL;
	e->text_tail = NULL;
	atomic_store(&e->text_first, NULL);
	free(e->text);
	e->text = NULL;
}

/* Copy @p s (NULL stays NULL) to *@p p and move past it. */
static const char *
emitter_text_dup(char **p, const char *s)
{
	size_t n;
	char *d = *p;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	memcpy(d, s, n);
	*p += n;
	return d;
}

struct weir_rule_text *
weir_rule_text_new(const struct weir_ruleset *rs)
{
	size_t bytes = 0, off;
	struct weir_rule_text *t;
	unsigned int i;
	char *p;

	for (i = 0; i < rs->n_rules; i++)
		bytes += strlen(rs->rules[i].signature ? rs->rules[i].signature : "") +
			 strlen(rs->rules[i].category ? rs->rules[i].category : "") +
			 (rs->rules[i].metadata_json ? strlen(rs->rules[i].metadata_json) + 1 : 0) +
			 (rs->rules[i].references_json ? strlen(rs->rules[i].references_json) + 1
						       : 0) +
			 2;
	off = sizeof(*t) + (size_t)rs->n_rules * sizeof(t->rules[0]);
	t = malloc(off + bytes);
	if (t == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	memset(t, 0, sizeof(*t));
	t->generation = (uint32_t)rs->generation;
	t->n_rules = rs->n_rules;
	t->rules = (void *)(t + 1);
	atomic_init(&t->next, NULL);
	atomic_init(&t->retired, false);
	p = (char *)t + off;
	for (i = 0; i < rs->n_rules; i++) {
		const char *sig = rs->rules[i].signature ? rs->rules[i].signature : "";
		const char *cat = rs->rules[i].category ? rs->rules[i].category : "";
		size_t ls = strlen(sig) + 1, lc = strlen(cat) + 1;

		t->rules[i].signature = memcpy(p, sig, ls);
		p += ls;
		t->rules[i].category = memcpy(p, cat, lc);
		p += lc;
		t->rules[i].metadata = emitter_text_dup(&p, rs->rules[i].metadata_json);
		t->rules[i].references = emitter_text_dup(&p, rs->rules[i].references_json);
	}
	return t;
}

void
weir_emitter_add_rules(struct weir_emitter *e, struct weir_rule_text *t)
{
	/* Both release stores pair with the emitter's acquire loads in
	 * emitter_rule_text(): it sees t whole once it sees the pointer. */
	if (e->text_tail == NULL)
		atomic_store_explicit(&e->text_first, t, memory_order_release);
	else
		atomic_store_explicit(&e->text_tail->next, t, memory_order_release);
	e->text_tail = t;
}

void
weir_emitter_retire_rules(struct weir_emitter *e, struct weir_rule_text *t,
			  const uint64_t *enqueued, unsigned int n)
{
	unsigned int i;

	(void)e;
	t->n_want = n < WEIR_EMIT_MAX_RINGS ? n : WEIR_EMIT_MAX_RINGS;
	for (i = 0; i < t->n_want; i++)
		t->want[i] = enqueued[i];
	/* Pairs with the acquire load in emitter_reclaim(). */
	atomic_store_explicit(&t->retired, true, memory_order_release);
}

/* The oldest table still held; NULL until the first one was added. */
static struct weir_rule_text *
emitter_text_head(struct weir_emitter *e)
{
	if (e->text_head == NULL)
		e->text_head = atomic_load_explicit(&e->text_first, memory_order_acquire);
	return e->text_head;
}

/* The table of generation @p gen. Every event's table was added before the
 * worker could see its rule set, and is freed only after the last event of
 * it was taken off the rings, so it is in the list. */
static const struct weir_rule_text *
emitter_rule_text(struct weir_emitter *e, uint32_t gen)
{
	const struct weir_rule_text *t = e->text_hit;

	if (t != NULL && t->generation == gen)
		return t;
	for (t = emitter_text_head(e); t != NULL;
	     t = atomic_load_explicit(&t->next, memory_order_acquire)) {
		if (t->generation == gen) {
			e->text_hit = t;
			return t;
		}
	}
	return NULL;
}

/* Free the retired tables whose events are all taken off the rings. */
static void
emitter_reclaim(struct weir_emitter *e)
{
	struct weir_rule_text *t;
	unsigned int i;

	while ((t = emitter_text_head(e)) != NULL &&
	       atomic_load_explicit(&t->retired, memory_order_acquire)) {
		for (i = 0; i < t->n_want; i++)
			if (e->consumed[i] < t->want[i])
				return;
		/* Retired only once a newer table was added: never the last. */
		e->text_head = atomic_load_explicit(&t->next, memory_order_acquire);
		if (e->text_hit == t)
			e->text_hit = NULL;
		free(t);
	}
}

/* An alert: its rule's text from the event's generation, then the line. */
static int
emitter_format_alert(struct weir_emitter *e, const struct weir_event *ev, const char *iface,
		     char *slot)
{
	const struct weir_rule_text *t = emitter_rule_text(e, ev->generation);
	struct weir_event_rule er;

	if (t == NULL || ev->rule_index >= t->n_rules)
		return -ENOENT;
	er = (struct weir_event_rule){
		.action = "allowed",
		.gid = ev->rule_gid,
		.signature = t->rules[ev->rule_index].signature,
		.category = t->rules[ev->rule_index].category,
		.severity = ev->rule_priority,
		.metadata = t->rules[ev->rule_index].metadata,
		.references = t->rules[ev->rule_index].references,
	};
	return weir_event_format_json(ev, &er, iface, &e->fmt, slot, e->text_slot);
}

/* An observation record: the worker wrote its JSON whole (event.h). */
static int
emitter_format_obs(const struct weir_event *ev, char *slot, size_t cap)
{
	size_t n = ev->payload_cap;

	if (n > WEIR_EVENT_PAYLOAD_MAX || n + 2 > cap)
		return -ENOSPC;
	memcpy(slot, ev->payload, n);
	slot[n] = '\n';
	slot[n + 1] = '\0';
	return (int)n + 1;
}

static unsigned int
emitter_format(struct weir_emitter *e, const struct weir_frame_ring *fr, unsigned int n)
{
	unsigned int i, out = 0;

	e->n_obs = 0;
	for (i = 0; i < n; i++) {
		const struct weir_event *ev = &e->ev[i];
		const char *iface = ev->port < e->n_ports ? e->ports[ev->port]->name : "";
		char *slot = e->text + (size_t)(out + e->n_obs) * e->text_slot;
		int len;

		/* set aside for the observation sinks, in order */
		if (ev->kind == WEIR_EV_OBS) {
			len = emitter_format_obs(ev, slot, e->text_slot);
			if (len < 0) {
				e->st.drop_format++;
				continue;
			}
			e->obs_ev[e->n_obs] = *ev;
			e->obs_json[e->n_obs].data = slot;
			e->obs_json[e->n_obs].len = (size_t)len;
			e->n_obs++;
			continue;
		}
		/* A flow record names no rule: its generation and rule_index
		 * mean nothing, and no rule text is looked up for it. */
		if (ev->kind == WEIR_EV_FLOW)
			len = weir_event_format_flow_json(ev, iface, &e->fmt, slot, e->text_slot);
		else
			len = emitter_format_alert(e, ev, iface, slot);
		if (len < 0) {
			e->st.drop_format++;
			continue;
		}
		if (out != i)
			e->ev[out] = *ev;
		e->json[out].data = slot;
		e->json[out].len = (size_t)len;
		if (fr != NULL && ev->frame_len != 0) {
			e->frame[out].data = weir_frame_ring_data(fr, ev->frame_pos);
			e->frame[out].len = ev->frame_len;
		} else {
			e->frame[out].data = NULL;
			e->frame[out].len = 0;
		}
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
	for (i = 0; i < n; i++) {
		weir_latency_record(e->lat, now > e->ev[i].rx_tsc ? now - e->ev[i].rx_tsc : 0);
		weir_latency_record_stages(e->lat, e->ev[i].rx_tsc, e->ev[i].pub_tsc, e->deq_tsc,
					   now);
	}
}

unsigned int
weir_emitter_poll(struct weir_emitter *e)
{
	unsigned int r, s, i, total = 0;

	for (r = 0; r < e->n_rings; r++) {
		struct weir_frame_ring *fr = r < WEIR_EMIT_MAX_RINGS ? e->frames[r] : NULL;
		unsigned int n, ok, avail = 0;
		uint32_t last_pos = 0;
		bool have_last = false;

		n = rte_ring_dequeue_burst_elem(e->rings[r], e->ev, sizeof(struct weir_event),
						WEIR_EMIT_BATCH, &avail);
		if (n == 0)
			continue;
		if (e->lat != NULL)
			e->deq_tsc = rte_rdtsc();
		/* the ring held n + avail events when we took ours */
		if (r < WEIR_EMIT_MAX_RINGS && n + avail > e->ring_hwm[r])
			__atomic_store_n(&e->ring_hwm[r], (uint64_t)n + avail, __ATOMIC_RELAXED);
		total += n;
		e->st.events += n;
		e->st.batches++;
		if (r < WEIR_EMIT_MAX_RINGS)
			e->consumed[r] += n;
		/* The batch's last frame record, found before formatting
		 * drops events from the batch. */
		for (i = n; fr != NULL && i-- > 0;) {
			if (e->ev[i].frame_len != 0) {
				last_pos = e->ev[i].frame_pos;
				have_last = true;
				break;
			}
		}
		for (i = 0; i < n; i++) {
			e->st.flow_records += e->ev[i].kind == WEIR_EV_FLOW;
			e->st.observations += e->ev[i].kind == WEIR_EV_OBS;
		}
		ok = emitter_format(e, fr, n);
		/* An event counts as written when every sink's queue took it;
		 * what each sink then did with it is in its counters. A queue
		 * takes a prefix of the batch, so the first `least` events are
		 * the ones every sink took. Observation records likewise,
		 * over the observation sinks. */
		if (e->n_obs != 0) {
			unsigned int least = e->n_obs;
			bool any = false;

			for (s = 0; s < e->n_sinks; s++) {
				unsigned int w;

				if (!e->sinks[s]->observations)
					continue;
				any = true;
				w = weir_sink_enqueue(e->sinks[s], e->obs_ev, e->obs_json, NULL,
						      e->n_obs);
				if (w < least)
					least = w;
			}
			if (!any) /* none open: cannot happen (weir_wwin_shared_init) */
				least = 0;
			e->st.written += least;
			e->st.observations_written += least;
			e->st.drop_sink += e->n_obs - least;
		}
		if (ok != 0) {
			unsigned int least = ok;

			for (s = 0; s < e->n_sinks; s++) {
				unsigned int w;

				if (e->sinks[s]->observations)
					continue;
				w = weir_sink_enqueue(e->sinks[s], e->ev, e->json,
						      fr != NULL ? e->frame : NULL, ok);
				if (w < least)
					least = w;
			}
			e->st.written += least;
			e->st.drop_sink += ok - least;
			for (i = 0; i < least; i++)
				e->st.flow_records_written += e->ev[i].kind == WEIR_EV_FLOW;
		}
		/* Every sink copied what it took: the worker may reuse the
		 * records before the batch's last one, which the next batch
		 * may share (another alert of the same packet). */
		if (have_last)
			weir_frame_ring_release(fr, last_pos);
		if (ok != 0 && e->lat != NULL)
			emitter_record_latency(e, ok);
	}
	/* No flush here: each sink's thread flushes when its queue runs dry,
	 * so under load writes go out in large pieces and when traffic is
	 * light every event reaches its sink within one wake-up. */
	emitter_reclaim(e);
	return total;
}

void
weir_emitter_flush(struct weir_emitter *e)
{
	unsigned int s;

	for (s = 0; s < e->n_sinks; s++)
		weir_sink_kick(e->sinks[s]);
}
