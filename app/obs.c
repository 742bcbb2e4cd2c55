/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Observation views: counters summed on read, as jansson objects. Runs on
 * the control thread (stats socket), DPDK's telemetry thread or
 * libmicrohttpd's thread, never on a worker lcore; it allocates freely and
 * may take a few microseconds per worker, which no packet ever waits for.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ring.h>
#include <rte_version.h>

#include "capture.h"
#include "obs.h"
#include "rules.h"
#include "weir_config.h"

#define OBS_SINK_PUBLISH_MS 10 /* sink counters are at most this stale */

static uint64_t
obs_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static json_t *
obs_u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static void
obs_err(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
}

void
weir_obs_tick(struct weir_obs *o, struct weir_sink *const *sinks, unsigned int n_sinks)
{
	uint64_t now = rte_rdtsc();
	unsigned int s;

	if (now - o->sink_pub_tsc < o->hz / (1000 / OBS_SINK_PUBLISH_MS) && o->sink_pub_tsc != 0)
		return;
	o->sink_pub_tsc = now;
	if (n_sinks > WEIR_MAX_SINKS)
		n_sinks = WEIR_MAX_SINKS;
	/* seqlock writer: odd, copy, even (see weir_worker_stats_begin) */
	__atomic_store_n(&o->sink_seq, o->sink_seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (s = 0; s < n_sinks; s++) {
		weir_sink_stats(sinks[s], &o->sink_st[s]);
		o->sink_name[s] = sinks[s]->name ? sinks[s]->name : sinks[s]->ops->name;
		o->sink_lat[s] = &sinks[s]->lat;
		o->sink_lat_delivered[s] = &sinks[s]->lat_delivered;
	}
	o->n_sinks = n_sinks;
	__atomic_store_n(&o->sink_seq, o->sink_seq + 1, __ATOMIC_RELEASE);
}

void
weir_obs_reconf_done(struct weir_obs *o, int rc)
{
	atomic_store(&o->reconf_rc, rc);
	atomic_store(&o->reconf_ack, atomic_load(&o->reconf_req));
}

void
weir_obs_reopen_done(struct weir_obs *o, int rc)
{
	atomic_store(&o->reopen_rc, rc);
	/* seq_cst: rc is visible before the ack that the requester polls */
	atomic_store(&o->reopen_ack, atomic_load(&o->reopen_req));
}

double
weir_obs_uptime(const struct weir_obs *o)
{
	return o->hz ? (double)(rte_rdtsc() - o->start_tsc) / (double)o->hz : 0.0;
}

int
weir_obs_sum_workers(const struct weir_obs *o, struct weir_worker_stats *sum)
{
	unsigned int i;
	int ret;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < o->n_workers; i++) {
		struct weir_worker_stats one;

		ret = weir_worker_stats_read(&o->workers[i]->st, &one);
		if (ret < 0)
			return ret;
		weir_worker_stats_add(sum, &one);
	}
	return 0;
}

static json_t *
obs_worker_counters(const struct weir_worker_stats *s)
{
	json_t *o = json_object();

#define OBS_SET(name, kind, doc) json_object_set_new(o, #name, obs_u64(s->name));
	WEIR_WORKER_COUNTERS(OBS_SET)
#undef OBS_SET
	return o;
}

/* The packet and event identities, from one consistent sum. */
static json_t *
obs_accounting(const struct weir_worker_stats *s, const struct weir_emitter_stats *em)
{
	/* a rebuilt datagram, or a packet found in a tunnel, is processed
	 * like a packet, never received */
	uint64_t processed = s->scanned + s->not_scanned + s->fragments + s->malformed -
			     s->reassembled - s->decapsulated;
	uint64_t drops = s->drop_scan_error;
	json_t *a = json_object();

	json_object_set_new(a, "received", obs_u64(s->rx_packets));
	json_object_set_new(a, "processed", obs_u64(processed));
	json_object_set_new(a, "dropped", obs_u64(drops));
	json_object_set_new(a, "unaccounted",
			    json_integer((json_int_t)(s->rx_packets - processed - drops)));
	json_object_set_new(a, "packets_ok", json_boolean(s->rx_packets == processed + drops));
	json_object_set_new(a, "alerts", obs_u64(s->alerts));
	json_object_set_new(a, "flow_records", obs_u64(s->flow_records));
	json_object_set_new(a, "events_enqueued", obs_u64(s->events_enqueued));
	json_object_set_new(a, "drop_ring_full", obs_u64(s->drop_ring_full));
	json_object_set_new(a, "window_obs_records", obs_u64(s->window_obs_records));
	json_object_set_new(a, "events_ok",
			    json_boolean(s->alerts + s->flow_records + s->window_obs_records ==
					 s->events_enqueued + s->drop_ring_full));
	/* Enqueued but not yet taken by the emitter: the rings' contents
	 * (read from another thread, so only exact at rest). */
	json_object_set_new(a, "events_in_flight",
			    json_integer((json_int_t)(s->events_enqueued - em->events)));
	return a;
}

/* The rx stage's counters (all 0 in run mode workers, so every view has
 * every row). @return 0 or -EAGAIN. */
static int
obs_dispatch_copy(const struct weir_obs *o, struct weir_dispatch_stats *d)
{
	memset(d, 0, sizeof(*d));
	return o->disp != NULL ? weir_dispatch_stats_read(&o->disp->st, d) : 0;
}

static json_t *
obs_dispatch_json(const struct weir_obs *o, const struct weir_dispatch_stats *d)
{
	json_t *j = json_object();

#define OBS_SET(name, kind, doc) json_object_set_new(j, #name, obs_u64(d->name));
	WEIR_DISPATCH_COUNTERS(OBS_SET)
#undef OBS_SET
	json_object_set_new(
		j, "running",
		json_boolean(o->disp != NULL &&
			     !atomic_load_explicit(&o->disp->done, memory_order_acquire)));
	json_object_set_new(j, "dispatch_ok",
			    json_boolean(d->rx_packets == d->dispatched + d->drop_dispatch_full));
	return j;
}

static void
obs_emitter_copy(const struct weir_obs *o, struct weir_emitter_stats *em)
{
	memset(em, 0, sizeof(*em));
	if (o->em == NULL)
		return;
#define OBS_COPY(name, doc) em->name = obs_load(&o->em->st.name);
	WEIR_EMITTER_COUNTERS(OBS_COPY)
#undef OBS_COPY
}

static json_t *
obs_emitter_json(const struct weir_emitter_stats *em)
{
	json_t *j = json_object();

#define OBS_SET(name, doc) json_object_set_new(j, #name, obs_u64(em->name));
	WEIR_EMITTER_COUNTERS(OBS_SET)
#undef OBS_SET
	return j;
}

static json_t *
obs_rings_json(const struct weir_obs *o)
{
	json_t *a = json_array();
	unsigned int i;

	for (i = 0; i < o->n_workers && o->rings != NULL; i++) {
		const struct rte_ring *r = o->rings[i];
		json_t *j = json_object();

		if (r == NULL) {
			json_decref(j);
			continue;
		}
		json_object_set_new(j, "name", json_string(r->name));
		json_object_set_new(j, "worker", json_integer(i));
		json_object_set_new(j, "count", obs_u64(rte_ring_count(r)));
		json_object_set_new(j, "capacity", obs_u64(rte_ring_get_capacity(r)));
		json_object_set_new(
			j, "high_water",
			obs_u64(o->em != NULL && i < WEIR_EMIT_MAX_RINGS
					? __atomic_load_n(&o->em->ring_hwm[i], __ATOMIC_RELAXED)
					: 0));
		json_array_append_new(a, j);
	}
	return a;
}

/* Seqlock copy of the published sink counters. @return how many sinks. */
static unsigned int
obs_sink_copy(const struct weir_obs *o, struct weir_sink_stats *st, const char **names)
{
	unsigned int i, n = 0;

	for (i = 0; i < 1000; i++) {
		uint64_t s1 = __atomic_load_n(&o->sink_seq, __ATOMIC_ACQUIRE);

		if (s1 & 1)
			continue;
		n = o->n_sinks;
		if (n > WEIR_MAX_SINKS)
			n = WEIR_MAX_SINKS;
		memcpy(st, o->sink_st, sizeof(*st) * n);
		memcpy(names, o->sink_name, sizeof(*names) * n);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&o->sink_seq, __ATOMIC_RELAXED) == s1)
			return n;
	}
	return n; /* main is never inside the window for long; last copy */
}

json_t *
weir_obs_sinks(const struct weir_obs *o, char *err, size_t errlen)
{
	struct weir_sink_stats st[WEIR_MAX_SINKS];
	const char *names[WEIR_MAX_SINKS];
	unsigned int n = obs_sink_copy(o, st, names), s;
	json_t *a = json_array();

	(void)err;
	(void)errlen;
	for (s = 0; s < n; s++) {
		json_t *j = json_object();

		json_object_set_new(j, "name", json_string(names[s] ? names[s] : ""));
/* every row for every sink (0 where the type keeps none) */
#define OBS_SINK(name, kind, doc) json_object_set_new(j, #name, obs_u64(st[s].name));
		WEIR_SINK_COUNTERS(OBS_SINK)
#undef OBS_SINK
		json_array_append_new(a, j);
	}
	return a;
}

static int
obs_any_running(const struct weir_obs *o)
{
	unsigned int i;

	for (i = 0; i < o->n_workers; i++)
		if (!atomic_load_explicit(&o->workers[i]->done, memory_order_acquire))
			return 1;
	return 0;
}

json_t *
weir_obs_version(const struct weir_obs *o, char *err, size_t errlen)
{
	json_t *j = json_object();

	(void)err;
	(void)errlen;
	json_object_set_new(j, "version", json_string(WEIR_VERSION));
	json_object_set_new(j, "dpdk", json_string(rte_version()));
	json_object_set_new(j, "hyperscan", json_string(hs_version()));
	json_object_set_new(j, "regex_engine", json_string(weir_regex_engine()));
	json_object_set_new(j, "driver", json_string(o->driver ? o->driver : ""));
	return j;
}

/* One port: the driver's own counters plus one entry per queue, whose
 * packets are the counters of the worker that owns it. */
static json_t *
obs_port_json(const struct weir_obs *o, unsigned int p, const struct weir_worker_stats *per_w)
{
	const struct weir_port *port = o->ports[p];
	struct weir_port_stats ps;
	json_t *j = json_object(), *qs = json_array();
	unsigned int i;

	memset(&ps, 0, sizeof(ps));
	json_object_set_new(j, "name", json_string(port->name));
	json_object_set_new(j, "index", json_integer(port->id));
	json_object_set_new(j, "driver", json_string(port->ops ? port->ops->name : ""));
	/* The driver's stats op is a control op; DPDK's ethdev stats and the
	 * pcap driver's counters are both safe to read from here. */
	if (weir_port_stats(port, &ps) == 0) {
		json_t *xs = json_object();

#define OBS_PORT(name, doc) json_object_set_new(j, #name, obs_u64(ps.name));
		WEIR_PORT_COUNTERS(OBS_PORT)
#undef OBS_PORT
		json_object_set_new(j, "error", json_string(ps.error));
		/* the driver's own counters (afxdp), by their names */
		json_object_set_new(j, "mode", json_string(ps.mode));
		for (i = 0; i < ps.n_xstats; i++)
			json_object_set_new(xs, ps.xstats[i].name, obs_u64(ps.xstats[i].value));
		json_object_set_new(j, "xstats", xs);
	}
	/* One entry per worker: what it got from this port, from its own
	 * queue (run mode workers: queue i) or through the rx stage
	 * (pipeline: "queue" is the worker's ring, "via" says so). */
	for (i = 0; i < o->n_workers; i++) {
		json_t *q = json_object();

		json_object_set_new(q, "queue", json_integer(i));
		json_object_set_new(q, "worker", json_integer(o->workers[i]->id));
		if (o->disp != NULL)
			json_object_set_new(q, "via", json_string("rx_stage"));
		json_object_set_new(q, "rx_packets", obs_u64(per_w[i].port_rx_packets[port->id]));
		json_object_set_new(q, "rx_bytes", obs_u64(per_w[i].port_rx_bytes[port->id]));
		json_array_append_new(qs, q);
	}
	json_object_set_new(j, "queues", qs);
	return j;
}

/* Copy each worker's block; -EAGAIN if one stayed busy. */
static struct weir_worker_stats *
obs_copy_workers(const struct weir_obs *o, char *err, size_t errlen)
{
	struct weir_worker_stats *v = calloc(o->n_workers ? o->n_workers : 1, sizeof(*v));
	unsigned int i;

	if (v == NULL) {
		obs_err(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < o->n_workers; i++) {
		if (weir_worker_stats_read(&o->workers[i]->st, &v[i]) < 0) {
			obs_err(err, errlen, "worker counters busy, try again");
			free(v);
			return NULL;
		}
	}
	return v;
}

static json_t *
obs_ports_array(const struct weir_obs *o, const struct weir_worker_stats *per_w)
{
	json_t *a = json_array();
	unsigned int p;

	for (p = 0; p < o->n_ports; p++)
		json_array_append_new(a, obs_port_json(o, p, per_w));
	return a;
}

json_t *
weir_obs_ports(const struct weir_obs *o, char *err, size_t errlen)
{
	struct weir_worker_stats *v = obs_copy_workers(o, err, errlen);
	json_t *j;

	if (v == NULL)
		return NULL;
	j = json_object();
	json_object_set_new(j, "ports", obs_ports_array(o, v));
	free(v);
	return j;
}

json_t *
weir_obs_workers(const struct weir_obs *o, char *err, size_t errlen)
{
	struct weir_worker_stats *v = obs_copy_workers(o, err, errlen);
	json_t *j, *a;
	unsigned int i;

	if (v == NULL)
		return NULL;
	j = json_object();
	a = json_array();
	for (i = 0; i < o->n_workers; i++) {
		json_t *w = obs_worker_counters(&v[i]);
		uint64_t cyc = v[i].busy_cycles + v[i].idle_cycles;

		json_object_set_new(w, "worker", json_integer(i));
		json_object_set_new(w, "running",
				    json_boolean(!atomic_load_explicit(&o->workers[i]->done,
								       memory_order_acquire)));
		json_object_set_new(w, "busy_ratio",
				    json_real(cyc ? (double)v[i].busy_cycles / (double)cyc : 0.0));
		json_object_set_new(w, "unaccounted",
				    json_integer(weir_worker_stats_unaccounted(&v[i])));
		json_array_append_new(a, w);
	}
	json_object_set_new(j, "workers", a);
	free(v);
	return j;
}

struct obs_rule_hit {
	unsigned int index;
	uint64_t hits;
	uint32_t sid;
};

static int
obs_rule_cmp(const void *a, const void *b)
{
	const struct obs_rule_hit *x = a, *y = b;

	if (x->hits != y->hits)
		return x->hits > y->hits ? -1 : 1;
	if (x->sid != y->sid)
		return x->sid < y->sid ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

json_t *
weir_obs_rules(const struct weir_obs *o, unsigned int top, char *err, size_t errlen)
{
	const struct weir_ruleset *rs;
	unsigned int n, i, fired = 0;
	struct obs_rule_hit *v;
	uint64_t total = 0;
	json_t *j, *a;

	if (o->rules == NULL) {
		obs_err(err, errlen, "no rule set");
		return NULL;
	}
	if (top == 0)
		top = WEIR_OBS_RULES_TOP_DEFAULT;
	if (top > WEIR_OBS_RULES_TOP_MAX && top != WEIR_OBS_RULES_FIRED)
		top = WEIR_OBS_RULES_TOP_MAX;
	/* Held briefly: a reload's final free waits for it, nothing else. */
	rs = weir_rules_acquire(o->rules);
	n = rs ? rs->n_rules : 0;
	v = calloc(n ? n : 1, sizeof(*v));
	if (v == NULL) {
		weir_rules_release(o->rules);
		obs_err(err, errlen, "out of memory");
		return NULL;
	}
	for (i = 0; i < n; i++) {
		v[i].index = i;
		v[i].sid = rs->rules[i].sid;
		v[i].hits = weir_ruleset_hits(rs, i);
		total += v[i].hits;
		fired += v[i].hits != 0;
	}
	qsort(v, n, sizeof(*v), obs_rule_cmp);
	j = json_object();
	a = json_array();
	for (i = 0; i < n && i < top; i++) {
		const struct weir_rt_rule *r = &rs->rules[v[i].index];

		if (top == WEIR_OBS_RULES_FIRED && v[i].hits == 0)
			break; /* sorted by hits: the rest never fired */
		json_t *e = json_object();

		json_object_set_new(e, "sid", json_integer(r->sid));
		json_object_set_new(e, "rev", json_integer(r->rev));
		json_object_set_new(e, "gid", json_integer(r->gid));
		json_object_set_new(e, "msg", json_string(r->signature ? r->signature : ""));
		json_object_set_new(e, "index", json_integer(v[i].index));
		json_object_set_new(e, "hits", obs_u64(v[i].hits));
		json_object_set_new(e, "disabled",
				    json_boolean(atomic_load_explicit(&rs->disabled[v[i].index],
								      memory_order_relaxed)));
		json_array_append_new(a, e);
	}
	json_object_set_new(j, "rules_loaded", json_integer(n));
	json_object_set_new(j, "rules_fired", json_integer(fired));
	json_object_set_new(j, "hits_total", obs_u64(total));
	json_object_set_new(j, "generation", obs_u64(rs ? rs->generation : 0));
	json_object_set_new(j, "top", json_integer(top));
	json_object_set_new(j, "rules", a);
	weir_rules_release(o->rules);
	free(v);
	return j;
}

/* Percentiles of @p h in microseconds (the histogram counts TSC cycles). */
static json_t *
obs_hist_json(const struct weir_hist *h, uint64_t hz)
{
	double us = hz ? 1e6 / (double)hz : 0.0;
	json_t *j = json_object();

	json_object_set_new(j, "count", obs_u64(h->count));
#define OBS_PCT(name, pct)                                                                         \
	json_object_set_new(j, #name "_us", json_real((double)weir_hist_percentile(h, pct) * us));
	WEIR_LAT_PERCENTILES(OBS_PCT)
#undef OBS_PCT
	json_object_set_new(j, "max_us", json_real((double)h->max * us));
	json_object_set_new(j, "mean_us",
			    json_real(h->count ? (double)h->sum / (double)h->count * us : 0.0));
	return j;
}

/* Where the time went, since start: the emitter's stages, then each
 * sink's rx to its write's return; @p h is scratch. */
static json_t *
obs_stages_json(const struct weir_obs *o, struct weir_hist *h)
{
	json_t *j = json_object(), *sinks = json_array();
	unsigned int s, n;
	uint64_t seq;

	memset(h, 0, sizeof(*h));
	weir_hist_merge(h, &o->lat->stages.worker);
	json_object_set_new(j, "worker", obs_hist_json(h, o->hz));
	memset(h, 0, sizeof(*h));
	weir_hist_merge(h, &o->lat->stages.ring);
	json_object_set_new(j, "ring", obs_hist_json(h, o->hz));
	memset(h, 0, sizeof(*h));
	weir_hist_merge(h, &o->lat->stages.emitter);
	json_object_set_new(j, "emitter", obs_hist_json(h, o->hz));
	/* the names and histograms are set once the first tick ran and
	 * never change after: read n_sinks under the seqlock's acquire */
	seq = __atomic_load_n(&o->sink_seq, __ATOMIC_ACQUIRE);
	n = seq == 0 ? 0 : __atomic_load_n(&o->n_sinks, __ATOMIC_RELAXED);
	for (s = 0; s < n && s < WEIR_MAX_SINKS; s++) {
		if (o->sink_lat[s] == NULL || o->sink_name[s] == NULL)
			continue;
		json_t *one;

		memset(h, 0, sizeof(*h));
		weir_hist_merge(h, o->sink_lat[s]);
		one = obs_hist_json(h, o->hz);
		json_object_set_new(one, "name", json_string(o->sink_name[s]));
		/* kafka: rx to the delivery report, apart (empty elsewhere) */
		memset(h, 0, sizeof(*h));
		weir_hist_merge(h, o->sink_lat_delivered[s]);
		json_object_set_new(one, "delivered", obs_hist_json(h, o->hz));
		json_array_append_new(sinks, one);
	}
	json_object_set_new(j, "sinks", sinks);
	return j;
}

json_t *
weir_obs_latency(const struct weir_obs *o, char *err, size_t errlen)
{
	struct weir_hist *h;
	json_t *j;

	if (o->lat == NULL) {
		obs_err(err, errlen, "latency is not recorded in this run");
		return NULL;
	}
	h = malloc(sizeof(*h));
	if (h == NULL) {
		obs_err(err, errlen, "out of memory");
		return NULL;
	}
	j = json_object();
	json_object_set_new(j, "what", json_string("rx burst to every sink's queue"));
	weir_latency_total(o->lat, h);
	json_object_set_new(j, "since_start", obs_hist_json(h, o->hz));
	weir_latency_window(o->lat, rte_rdtsc(), h);
	json_object_set_new(j, "last_10s", obs_hist_json(h, o->hz));
	json_object_set_new(j, "stages", obs_stages_json(o, h));
	free(h);
	return j;
}

json_t *
weir_obs_stats(const struct weir_obs *o, char *err, size_t errlen)
{
	struct weir_worker_stats *v, sum;
	struct weir_dispatch_stats disp;
	struct weir_emitter_stats em;
	json_t *j, *lat;
	unsigned int i;

	/* The emitter's counters are read before the workers': the emitter
	 * only takes what workers enqueued earlier, so events_in_flight can
	 * be overstated by what moved meanwhile, never negative. */
	obs_emitter_copy(o, &em);
	if (obs_dispatch_copy(o, &disp) < 0) {
		obs_err(err, errlen, "rx stage counters busy, try again");
		return NULL;
	}
	v = obs_copy_workers(o, err, errlen);
	if (v == NULL)
		return NULL;
	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < o->n_workers; i++)
		weir_worker_stats_add(&sum, &v[i]);
	j = json_object();
	json_object_set_new(j, "uptime_s", json_real(weir_obs_uptime(o)));
	json_object_set_new(j, "running", json_boolean(obs_any_running(o)));
	json_object_set_new(j, "driver", json_string(o->driver ? o->driver : ""));
	json_object_set_new(j, "n_workers", json_integer(o->n_workers));
	json_object_set_new(j, "runmode", json_string(o->disp != NULL ? "pipeline" : "workers"));
	if (o->rules != NULL) {
		const struct weir_ruleset *rs = weir_rules_acquire(o->rules);

		json_object_set_new(j, "n_rules", json_integer(rs ? rs->n_rules : 0));
		json_object_set_new(j, "rules_generation", obs_u64(rs ? rs->generation : 0));
		weir_rules_release(o->rules);
	} else {
		json_object_set_new(j, "n_rules", json_integer(0));
	}
	json_object_set_new(j, "workers", obs_worker_counters(&sum));
	json_object_set_new(j, "accounting", obs_accounting(&sum, &em));
	json_object_set_new(j, "ports", obs_ports_array(o, v));
	json_object_set_new(j, "rings", obs_rings_json(o));
	json_object_set_new(j, "rx_stage", obs_dispatch_json(o, &disp));
	json_object_set_new(j, "emitter", obs_emitter_json(&em));
	json_object_set_new(j, "sinks", weir_obs_sinks(o, err, errlen));
	lat = weir_obs_latency(o, err, errlen);
	if (lat != NULL)
		json_object_set_new(j, "latency", lat);
	err[0] = '\0';
	free(v);
	return j;
}
