/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The end-of-run summary (moved out of main.c). Each counter block walks
 * its X-macro of common/counters.h; what is not a list (elapsed time,
 * rates, the accounting identities) is written out here once.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"

/* One "  name:   value" line, the format of every counter block. */
static void
sum_line(FILE *f, const char *name, uint64_t v)
{
	char key[64];

	snprintf(key, sizeof(key), "%s:", name);
	fprintf(f, "  %-22s %" PRIu64 "\n", key, v);
}

static void
sum_workers(FILE *f, const struct weir_worker_stats *s)
{
#define SUM_LINE(name, doc)	   sum_line(f, #name, s->name);
#define SUM_LINE3(name, kind, doc) SUM_LINE(name, doc)
	WEIR_WORKER_COUNTERS(SUM_LINE3)
}

static void
sum_dispatch(FILE *f, const struct weir_dispatch_stats *s)
{
	WEIR_DISPATCH_COUNTERS(SUM_LINE3)
}

static void
sum_emitter(FILE *f, const struct weir_emitter_stats *s)
{
	WEIR_EMITTER_COUNTERS(SUM_LINE)
#undef SUM_LINE
}

/* One sink's block: every row of the list, for every sink type. */
static void
sum_sink(FILE *f, const struct weir_sink *s)
{
	struct weir_sink_stats st;

	weir_sink_stats(s, &st);
	fprintf(f, " sink %s %s:\n", s->name, s->target);
#define SUM_SINK(name, kind, doc) sum_line(f, #name, st.name);
	WEIR_SINK_COUNTERS(SUM_SINK)
#undef SUM_SINK
}

/* One " port NAME:" block; its rx_packets in @p rx.
 * @return 1 when the port's source ended on an error (then in @p error). */
static int
sum_port(FILE *f, const struct weir_port *port, uint64_t *rx, char *error, size_t errlen)
{
	struct weir_port_stats ps;
	unsigned int i;

	fprintf(f, " port %s:\n", port->name);
	if (weir_port_stats(port, &ps) != 0)
		return 0;
	*rx = ps.rx_packets;
#define SUM_PORT(name, doc) sum_line(f, #name, ps.name);
	WEIR_PORT_COUNTERS(SUM_PORT)
#undef SUM_PORT
	if (ps.mode[0] != '\0')
		fprintf(f, "  %-22s %s\n", "mode:", ps.mode);
	for (i = 0; i < ps.n_xstats; i++)
		sum_line(f, ps.xstats[i].name, ps.xstats[i].value);
	if (ps.error[0] == '\0')
		return 0;
	fprintf(f, "  %-22s %s\n", "input_error:", ps.error);
	snprintf(error, errlen, "%s: the capture ended on an error: %s", port->name, ps.error);
	return 1;
}

/* One " latency WHAT (N events): p50 .. max" line of @p h (TSC cycles). */
static void
sum_hist(FILE *f, const char *what, const struct weir_hist *h, double us)
{
	fprintf(f, " latency %s, %" PRIu64 " events):", what, h->count);
#define SUM_PCT(name, pct)                                                                         \
	fprintf(f, " " #name " %.1f us", (double)weir_hist_percentile(h, pct) * us);
	WEIR_LAT_PERCENTILES(SUM_PCT)
#undef SUM_PCT
	fprintf(f, " max %.1f us\n", (double)h->max * us);
}

/* rx burst to the sinks' queues over the whole run, where that time went
 * (the emitter's stages), and each sink's rx to its write's return. */
static void
sum_latency(FILE *f, const struct weir_latency *lat, uint64_t hz, const struct weir_sink *sinks,
	    unsigned int n_sinks)
{
	struct weir_hist *h = malloc(sizeof(*h));
	double us = hz ? 1e6 / (double)hz : 0.0;
	char what[WEIR_SINK_TARGET_MAX + 64];
	unsigned int i;

	if (h == NULL)
		return;
	weir_latency_total(lat, h);
	sum_hist(f, "(rx to sink", h, us);
	sum_hist(f, "stage worker (rx to event ring", &lat->stages.worker, us);
	sum_hist(f, "stage ring (event ring to emitter", &lat->stages.ring, us);
	sum_hist(f, "stage emitter (emitter to sink queues", &lat->stages.emitter, us);
	for (i = 0; i < n_sinks; i++) {
		snprintf(what, sizeof(what), "sink %s (rx to write returned", sinks[i].name);
		sum_hist(f, what, &sinks[i].lat, us);
		if (sinks[i].lat_delivered.count == 0)
			continue;
		snprintf(what, sizeof(what), "sink %s (rx to delivery report", sinks[i].name);
		sum_hist(f, what, &sinks[i].lat_delivered, us);
	}
	free(h);
}

/* The identities of stats.h and sink.h, each "ok" or "MISMATCH". */
static void
sum_accounting(FILE *f, const struct weir_summary_in *in, const struct weir_worker_stats *sum,
	       const uint64_t *port_rx)
{
	const struct weir_emitter_stats *em = in->em;
	int64_t unaccounted = weir_worker_stats_unaccounted(sum);
	struct weir_sink_stats ss;
	unsigned int i, p;

	fprintf(f,
		" accounting: rx_packets %" PRIu64 " + reassembled %" PRIu64
		" + decapsulated %" PRIu64 " = scanned %" PRIu64 " + not_scanned %" PRIu64
		" + fragments %" PRIu64 " + malformed %" PRIu64 " + drop_scan_error %" PRIu64
		": %s\n",
		sum->rx_packets, sum->reassembled, sum->decapsulated, sum->scanned,
		sum->not_scanned, sum->fragments, sum->malformed, sum->drop_scan_error,
		unaccounted == 0 ? "ok" : "MISMATCH");
	if (sum->defrag_memory_bytes != 0) { /* IP reassembly on */
		uint64_t fates = sum->defrag_used + sum->defrag_timeout + sum->defrag_nomem +
				 sum->defrag_invalid + sum->defrag_held;

		fprintf(f,
			" accounting: fragments %" PRIu64 " = defrag_used %" PRIu64
			" + defrag_timeout %" PRIu64 " + defrag_nomem %" PRIu64
			" + defrag_invalid %" PRIu64 " + defrag_held %" PRIu64 ": %s\n",
			sum->fragments, sum->defrag_used, sum->defrag_timeout, sum->defrag_nomem,
			sum->defrag_invalid, sum->defrag_held,
			fates == sum->fragments ? "ok" : "MISMATCH");
	}
	if (sum->window_obs_records + sum->window_obs_too_long == 0)
		fprintf(f,
			" accounting: alerts %" PRIu64 " + flow_records %" PRIu64
			" = events_enqueued %" PRIu64 " + drop_ring_full %" PRIu64
			"; events_enqueued = emitted %" PRIu64 ": %s\n",
			sum->alerts, sum->flow_records, sum->events_enqueued, sum->drop_ring_full,
			em->events,
			(sum->alerts + sum->flow_records ==
				 sum->events_enqueued + sum->drop_ring_full &&
			 sum->events_enqueued == em->events)
				? "ok"
				: "MISMATCH");
	else /* windows.observations: the records are events too */
		fprintf(f,
			" accounting: alerts %" PRIu64 " + flow_records %" PRIu64
			" + window_obs_records %" PRIu64 " = events_enqueued %" PRIu64
			" + drop_ring_full %" PRIu64 "; events_enqueued = emitted %" PRIu64
			": %s\n accounting: window_observations %" PRIu64
			" = window_obs_records %" PRIu64 " + window_obs_too_long %" PRIu64 ": %s\n",
			sum->alerts, sum->flow_records, sum->window_obs_records,
			sum->events_enqueued, sum->drop_ring_full, em->events,
			(sum->alerts + sum->flow_records + sum->window_obs_records ==
				 sum->events_enqueued + sum->drop_ring_full &&
			 sum->events_enqueued == em->events)
				? "ok"
				: "MISMATCH",
			sum->window_observations, sum->window_obs_records, sum->window_obs_too_long,
			sum->window_observations ==
					sum->window_obs_records + sum->window_obs_too_long
				? "ok"
				: "MISMATCH");
	if (sum->window_observations != 0) { /* window rules (README "Stateful rules") */
		uint64_t fates = sum->window_applied + sum->window_late_dropped +
				 sum->window_ring_full + sum->window_pending_full +
				 sum->window_reload_dropped + sum->window_pending;

		fprintf(f,
			" accounting: window_observations %" PRIu64 " = window_applied %" PRIu64
			" + window_late_dropped %" PRIu64 " + window_ring_full %" PRIu64
			" + window_pending_full %" PRIu64 " + window_reload_dropped %" PRIu64
			" + window_pending %" PRIu64 ": %s\n",
			sum->window_observations, sum->window_applied, sum->window_late_dropped,
			sum->window_ring_full, sum->window_pending_full, sum->window_reload_dropped,
			sum->window_pending, fates == sum->window_observations ? "ok" : "MISMATCH");
	}
	/* Every formatted event went to every sink: each accounts for all. */
	for (i = 0; i < in->n_sinks; i++) {
		/* an observation sink is offered the observation records, the
		 * others everything else (the emitter's routing) */
		uint64_t offered = in->sinks[i].observations
					   ? em->observations
					   : em->events - em->observations - em->drop_format,
			 lost;

		weir_sink_stats(&in->sinks[i], &ss);
		lost = ss.drop_full + ss.drop_backpressure + ss.drop_errors + ss.drop_undelivered;
		fprintf(f,
			" accounting: sink %s: events %" PRIu64 " = written %" PRIu64
			" + skipped %" PRIu64 " + drop_full %" PRIu64
			" + drop_backpressure %" PRIu64 " + drop_errors %" PRIu64
			" + drop_undelivered %" PRIu64 ": %s\n",
			in->sinks[i].name, offered, ss.written, ss.skipped, ss.drop_full,
			ss.drop_backpressure, ss.drop_errors, ss.drop_undelivered,
			offered == ss.written + ss.skipped + lost ? "ok" : "MISMATCH");
	}
	/* The rx stage (pipeline): what it took it dispatched or dropped,
	 * and what it dispatched the workers received. */
	if (in->disp != NULL) {
		const struct weir_dispatch_stats *d = in->disp;

		fprintf(f,
			" accounting: rx stage: rx_packets %" PRIu64 " = dispatched %" PRIu64
			" + drop_dispatch_full %" PRIu64
			"; dispatched = workers' rx_packets %" PRIu64 ": %s\n",
			d->rx_packets, d->dispatched, d->drop_dispatch_full, sum->rx_packets,
			d->rx_packets == d->dispatched + d->drop_dispatch_full &&
					d->dispatched == sum->rx_packets
				? "ok"
				: "MISMATCH");
	}
	/* Each port's packets are those its queues delivered: to the workers
	 * that poll them, or to the rx stage. */
	for (p = 0; (in->n_ports > 1 || in->disp != NULL) && p < in->n_ports; p++) {
		uint64_t wrx = 0;
		unsigned int id = in->ports[p].id;

		if (in->disp != NULL) {
			wrx = in->disp->port_rx_packets[id];
		} else {
			for (i = 0; i < in->n_workers; i++)
				wrx += in->workers[i]->st.port_rx_packets[id];
		}
		fprintf(f,
			" accounting: port %s: rx_packets %" PRIu64 " = its %s rx_packets %" PRIu64
			": %s\n",
			in->ports[p].name, port_rx[p], in->disp != NULL ? "rx stage's" : "workers'",
			wrx, port_rx[p] == wrx ? "ok" : "MISMATCH");
	}
}

/* One drop_* counter into the loss line, when non-zero. */
static void
sum_loss_add(FILE *f, bool *any, const char *what, const char *name, uint64_t v)
{
	if (v == 0)
		return;
	fprintf(f, "%s %s%s%s %" PRIu64, *any ? "," : "weir: LOSS:", what, *what ? " " : "", name,
		v);
	*any = true;
}

/*
 * The loss line: every non-zero drop_* counter of every list, named with
 * where it was counted, or nothing when the run lost nothing.
 * @return true when something was lost.
 */
static bool
sum_loss(FILE *f, const struct weir_summary_in *in, const struct weir_worker_stats *sum)
{
	char what[WEIR_PORT_NAME_MAX + WEIR_SINK_TARGET_MAX + 16];
	struct weir_port_stats ps;
	struct weir_sink_stats ss;
	bool any = false;
	unsigned int i;

#define LOSS(where, s, name)                                                                       \
	if (strncmp(#name, "drop_", 5) == 0)                                                       \
		sum_loss_add(f, &any, where, #name, (s)->name);
#define LOSS_W(name, kind, doc) LOSS("", sum, name)
	WEIR_WORKER_COUNTERS(LOSS_W)
#undef LOSS_W
	for (i = 0; i < in->n_ports; i++) {
		if (weir_port_stats(&in->ports[i], &ps) != 0)
			continue;
		snprintf(what, sizeof(what), "port %s", in->ports[i].name);
#define LOSS_P(name, doc) LOSS(what, &ps, name)
		WEIR_PORT_COUNTERS(LOSS_P)
#undef LOSS_P
	}
	if (in->disp != NULL) {
#define LOSS_D(name, kind, doc) LOSS("rx stage", in->disp, name)
		WEIR_DISPATCH_COUNTERS(LOSS_D)
#undef LOSS_D
	}
#define LOSS_E(name, doc) LOSS("emitter", in->em, name)
	WEIR_EMITTER_COUNTERS(LOSS_E)
#undef LOSS_E
	for (i = 0; i < in->n_sinks; i++) {
		weir_sink_stats(&in->sinks[i], &ss);
		snprintf(what, sizeof(what), "sink %s", in->sinks[i].name);
#define LOSS_S(name, kind, doc) LOSS(what, &ss, name)
		WEIR_SINK_COUNTERS(LOSS_S)
#undef LOSS_S
	}
#undef LOSS
	if (any)
		fprintf(f, "\n");
	return any;
}

int
weir_summary_print(FILE *f, const struct weir_summary_in *in)
{
	struct weir_worker_stats sum;
	uint64_t cycles = 0;
	uint64_t port_rx[WEIR_MAX_PORTS] = {0};
	char error[WEIR_PORT_NAME_MAX + sizeof(((struct weir_port_stats *)0)->error) + 64] = "";
	double elapsed;
	unsigned int i, p;
	int input_error = 0, ret;

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < in->n_workers; i++) {
		uint64_t c = in->workers[i]->end_tsc - in->workers[i]->start_tsc;

		weir_worker_stats_add(&sum, &in->workers[i]->st);
		if (c > cycles)
			cycles = c;
	}
	elapsed = in->hz ? (double)cycles / (double)in->hz : 0.0;
	fprintf(f, "weir: summary: %s %s, %u worker%s%s, %u rules\n", in->driver, in->if_label,
		in->n_workers, in->n_workers == 1 ? "" : "s",
		in->disp != NULL ? " (runmode pipeline)" : "", in->n_rules);
	if (in->reloads_ok + in->reloads_failed > 0)
		fprintf(f,
			"weir: rule reloads: %" PRIu64 " done, %" PRIu64
			" refused; generation %" PRIu64 " in force\n",
			in->reloads_ok, in->reloads_failed, in->generation);
	fprintf(f, " workers:\n");
	sum_workers(f, &sum);
	fprintf(f, "  %-22s %.6f\n", "elapsed_s:", elapsed);
	fprintf(f, "  %-22s %.0f\n",
		"rx_pps:", elapsed > 0 ? (double)sum.rx_packets / elapsed : 0.0);
	fprintf(f, "  %-22s %.3f\n",
		"scanned_gbps:", elapsed > 0 ? (double)sum.scanned_bytes * 8 / elapsed / 1e9 : 0.0);
	for (p = 0; p < in->n_ports && p < WEIR_MAX_PORTS; p++)
		input_error |= sum_port(f, &in->ports[p], &port_rx[p], error, sizeof(error));
	if (in->disp != NULL) {
		fprintf(f, " rx stage:\n");
		sum_dispatch(f, in->disp);
	}
	fprintf(f, " emitter:\n");
	sum_emitter(f, in->em);
	if (in->lat != NULL)
		sum_latency(f, in->lat, in->hz, in->sinks, in->n_sinks);
	for (i = 0; i < in->n_sinks; i++)
		sum_sink(f, &in->sinks[i]);
	sum_accounting(f, in, &sum, port_rx);
	ret = sum_loss(f, in, &sum) ? WEIR_SUMMARY_LOSS : 0;
	if (input_error) {
		fprintf(f, "weir: %s\n", error);
		ret |= WEIR_SUMMARY_INPUT_ERROR;
	}
	return ret;
}
