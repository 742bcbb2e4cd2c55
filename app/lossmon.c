/* SPDX-License-Identifier: BSD-3-Clause */
/* The loss log (lossmon.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "lossmon.h"

static uint64_t
lossmon_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One drop_* counter: log it if it grew and its slot may speak. */
static void
lossmon_one(struct weir_lossmon_slot *s, uint64_t now, bool final, const char *where,
	    const char *name, const char *doc, uint64_t v, int err, const char *cause)
{
	uint64_t since = v - s->logged;
	const char *why = cause != NULL ? cause : err ? strerror(err) : NULL;

	if (v <= s->logged)
		return;
	if (s->at_ns == 0) {
		WEIR_LOG(WARNING, app, "LOSS: %s%s%s %" PRIu64 " (first loss of this kind): %s%s%s",
			 where, where[0] ? " " : "", name, v, doc, why ? ": " : "", why ? why : "");
	} else if (final || now - s->at_ns >= (uint64_t)WEIR_LOSSMON_INTERVAL_S * 1000000000u) {
		WEIR_LOG(WARNING, app,
			 "LOSS: %s%s%s +%" PRIu64 " in %.0f s (%" PRIu64 " in all): %s%s%s", where,
			 where[0] ? " " : "", name, since, (double)(now - s->at_ns) / 1e9, v, doc,
			 why ? ": " : "", why ? why : "");
	} else {
		return;
	}
	s->logged = v;
	s->at_ns = now;
}

void
weir_lossmon_check(struct weir_lossmon *m, const struct weir_lossmon_in *in, bool final)
{
	uint64_t now = lossmon_now_ns();
	struct weir_worker_stats w;
	struct weir_port_stats ps;
	struct weir_sink_stats ss;
	char where[WEIR_PORT_NAME_MAX + 16];
	unsigned int i, k = 0;
	const char *cause = NULL;
	int err = 0;

	if (!final && now < m->next_ns)
		return;
	m->next_ns = now + (uint64_t)WEIR_LOSSMON_CHECK_MS * 1000000u;
	memset(&w, 0, sizeof(w));
	for (i = 0; i < in->n_workers; i++)
		weir_worker_stats_add(&w, &in->workers[i]->st);
		/* Slots in the walk's order, which is the same every time. */
#define LOSSMON(wh, s, name, doc)                                                                  \
	if (strncmp(#name, "drop_", 5) == 0 && k < WEIR_LOSSMON_SLOTS) {                           \
		lossmon_one(&m->slot[k], now, final, wh, #name, doc, (s)->name, err, cause);       \
		k++;                                                                               \
	}
#define LOSSMON_W(name, kind, doc) LOSSMON("workers", &w, name, doc)
#define LOSSMON_D(name, kind, doc) LOSSMON("rx stage", in->disp, name, doc)
#define LOSSMON_E(name, doc)	   LOSSMON("emitter", in->em, name, doc)
#define LOSSMON_P(name, doc)	   LOSSMON(where, &ps, name, doc)
	WEIR_WORKER_COUNTERS(LOSSMON_W)
	if (in->disp != NULL) {
		WEIR_DISPATCH_COUNTERS(LOSSMON_D)
	}
	WEIR_EMITTER_COUNTERS(LOSSMON_E)
	for (i = 0; i < in->n_ports; i++) {
		if (weir_port_stats(&in->ports[i], &ps) != 0)
			memset(&ps, 0, sizeof(ps));
		snprintf(where, sizeof(where), "port %s", in->ports[i].name);
		WEIR_PORT_COUNTERS(LOSSMON_P)
	}
	for (i = 0; i < in->n_sinks; i++) {
		weir_sink_stats(in->sinks[i], &ss);
		snprintf(where, sizeof(where), "sink %s", in->sinks[i]->name);
		/* the cause: the sink's own (kafka: librdkafka's error name and
		 * the brokers' state), else drop_errors' errno */
		cause = weir_sink_last_cause(in->sinks[i]);
#define LOSSMON_S(name, kind, doc)                                                                 \
	err = strcmp(#name, "drop_errors") == 0 ? weir_sink_last_errno(in->sinks[i]) : 0;          \
	LOSSMON(where, &ss, name, doc)
		WEIR_SINK_COUNTERS(LOSSMON_S)
		err = 0;
		cause = NULL;
	}
#undef LOSSMON_S
#undef LOSSMON_P
#undef LOSSMON_E
#undef LOSSMON_D
#undef LOSSMON_W
#undef LOSSMON
}
