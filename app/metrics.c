/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus exposition. The text is rendered from the same views as the
 * stats socket (obs.c), so the two can never disagree about a counter;
 * only the names differ, Prometheus-style: *_total for counters, base
 * units (seconds), labels for port, queue, worker, ring, sink and sid.
 * libmicrohttpd serves it from its internal thread, which polls every
 * connection (never waits on one), with a connection limit and an idle
 * timeout so scrapers cannot pile up: clients that send half a request
 * and stop hold a slot for at most the timeout, and a limit well above
 * what scrapers need (Prometheus opens one connection per target) leaves
 * room for the scrape.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "ctl.h"
#include "log.h"
#include "metrics.h"
#include "weir_config.h"

#if WEIR_HAVE_MICROHTTPD
#include <microhttpd.h>
#endif

int
weir_metrics_parse_listen(const char *text, struct sockaddr_in *sa)
{
	const char *colon = strrchr(text, ':');
	char host[64];
	char *end;
	unsigned long port;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (colon == NULL)
		colon = text - 1;
	if (colon[1] == '\0')
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535 || colon[1] == '-' || colon[1] == '+')
		return -EINVAL;
	sa->sin_port = htons((uint16_t)port);
	if (colon <= text)
		return 0; /* "PORT" or ":PORT": loopback */
	if ((size_t)(colon - text) >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, (size_t)(colon - text));
	host[colon - text] = '\0';
	if (strcmp(host, "localhost") == 0)
		return 0;
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -EINVAL;
	return 0;
}

int
weir_control_conf_check(const struct weir_conf *c, struct weir_diags *ds)
{
	struct sockaddr_in sa;
	unsigned int mode;
	gid_t gid;
	int ret = 0;

	if (weir_ctl_parse_mode(c->ctl_mode, &mode) < 0) {
		weir_diag_add(ds, "configuration", 0, 0, "ctl.mode",
			      "ctl.mode: '%.32s' is not an octal mode in [0, 0777] (e.g. 0660)",
			      c->ctl_mode);
		ret = -EINVAL;
	}
	if (weir_control_group(c->ctl_admin_group, &gid) == -EINVAL) {
		weir_diag_add(ds, "configuration", 0, 0, "ctl.admin-group",
			      "ctl.admin-group: no group '%.32s'", c->ctl_admin_group);
		ret = -EINVAL;
	}
	if (weir_control_group(c->ctl_monitor_group, &gid) == -EINVAL) {
		weir_diag_add(ds, "configuration", 0, 0, "ctl.monitor-group",
			      "ctl.monitor-group: no group '%.32s'", c->ctl_monitor_group);
		ret = -EINVAL;
	}
	if (c->metrics_listen[0] != '\0') {
		if (!WEIR_HAVE_MICROHTTPD) {
			weir_diag_add(ds, "configuration", 0, 0, "metrics.listen",
				      "metrics.listen: not supported yet (weir was built without "
				      "libmicrohttpd)");
			ret = -EINVAL;
		} else if (weir_metrics_parse_listen(c->metrics_listen, &sa) < 0) {
			weir_diag_add(ds, "configuration", 0, 0, "metrics.listen",
				      "metrics.listen: '%.64s' is not PORT or IPV4:PORT",
				      c->metrics_listen);
			ret = -EINVAL;
		}
	}
	return ret;
}

/* ---- exposition ---- */

static void
m_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static uint64_t
m_u(const json_t *o, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(o, key));

	return v > 0 ? (uint64_t)v : 0;
}

/* A label value, escaped as the format wants (\\, \", \n). */
static void
m_label(FILE *f, const char *v)
{
	if (v == NULL)
		return;
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
}

static void m_name(char *out, size_t len, const char *group, const char *drop_infix,
		   const char *name, int gauge);

static void
m_workers(FILE *f, const json_t *workers)
{
	const json_t *w;
	size_t i;

	/* One family per worker counter, from the X-macro: names follow
	 * the stats socket's, drop_* ones as weir_drop_*_total. */
#define M_WORKER(name, kind, doc)                                                                  \
	{                                                                                          \
		const char *n = #name;                                                             \
		int gauge = strcmp(#kind, "GAUGE") == 0;                                           \
		char metric[96];                                                                   \
		m_name(metric, sizeof(metric), "worker", "", n, gauge);                            \
		m_head(f, metric, gauge ? "gauge" : "counter", doc);                               \
		json_array_foreach(workers, i, w) fprintf(f, "%s{worker=\"%zu\"} %llu\n", metric,  \
							  i, (unsigned long long)m_u(w, n));       \
	}
	WEIR_WORKER_COUNTERS(M_WORKER)
#undef M_WORKER
}

/* Prometheus name of a list's counter: drop_X as weir_drop_<infix>X_total
 * (every loss under one prefix), the others weir_<group>_<name>_total;
 * gauges without _total. */
static void
m_name(char *out, size_t len, const char *group, const char *drop_infix, const char *name,
       int gauge)
{
	if (strncmp(name, "drop_", 5) == 0)
		snprintf(out, len, "weir_drop_%s%s%s", drop_infix, name + 5, gauge ? "" : "_total");
	else
		snprintf(out, len, "weir_%s_%s%s", group, name, gauge ? "" : "_total");
}

static void
m_ports(FILE *f, const json_t *ports)
{
	const json_t *p, *q, *x;
	const char *xname;
	size_t i, j;
	int any_x = 0;

	m_head(f, "weir_rx_packets_total", "counter",
	       "packets received by the workers, per port and queue");
	json_array_foreach(ports, i, p) json_array_foreach(json_object_get(p, "queues"), j, q)
	{
		fputs("weir_rx_packets_total{port=\"", f);
		m_label(f, json_string_value(json_object_get(p, "name")));
		fprintf(f, "\",queue=\"%llu\"} %llu\n", (unsigned long long)m_u(q, "queue"),
			(unsigned long long)m_u(q, "rx_packets"));
	}
	m_head(f, "weir_rx_bytes_total", "counter",
	       "bytes received by the workers, per port and queue");
	json_array_foreach(ports, i, p) json_array_foreach(json_object_get(p, "queues"), j, q)
	{
		fputs("weir_rx_bytes_total{port=\"", f);
		m_label(f, json_string_value(json_object_get(p, "name")));
		fprintf(f, "\",queue=\"%llu\"} %llu\n", (unsigned long long)m_u(q, "queue"),
			(unsigned long long)m_u(q, "rx_bytes"));
	}
	/* the driver's counters, one family per row of the list */
#define M_PORT(name, doc)                                                                          \
	{                                                                                          \
		char metric[96];                                                                   \
		m_name(metric, sizeof(metric), "port", "", #name, 0);                              \
		m_head(f, metric, "counter", doc);                                                 \
		json_array_foreach(ports, i, p)                                                    \
		{                                                                                  \
			fprintf(f, "%s{port=\"", metric);                                          \
			m_label(f, json_string_value(json_object_get(p, "name")));                 \
			fprintf(f, "\"} %llu\n", (unsigned long long)m_u(p, #name));               \
		}                                                                                  \
	}
	WEIR_PORT_COUNTERS(M_PORT)
#undef M_PORT
	/* driver-specific counters (afxdp's XDP verdicts, ring stats) by name */
	json_array_foreach(ports, i, p) any_x |=
		json_object_size(json_object_get(p, "xstats")) != 0;
	if (!any_x)
		return;
	m_head(f, "weir_port_driver_total", "counter",
	       "the capture driver's own counters, by name (drop_* are losses)");
	json_array_foreach(ports, i, p) json_object_foreach(json_object_get(p, "xstats"), xname, x)
	{
		fputs("weir_port_driver_total{port=\"", f);
		m_label(f, json_string_value(json_object_get(p, "name")));
		fputs("\",name=\"", f);
		m_label(f, xname);
		fprintf(f, "\"} %llu\n", (unsigned long long)json_integer_value(x));
	}
}

static void
m_rings(FILE *f, const json_t *rings)
{
	static const char *const keys[][3] = {
		{"count", "weir_ring_events", "events waiting in the ring now"},
		{"capacity", "weir_ring_capacity_events", "events the ring can hold"},
		{"high_water", "weir_ring_high_water_events", "most events seen in the ring"},
	};
	const json_t *r;
	size_t i, k;

	for (k = 0; k < 3; k++) {
		m_head(f, keys[k][1], "gauge", keys[k][2]);
		json_array_foreach(rings, i, r)
			fprintf(f, "%s{ring=\"%s\",worker=\"%llu\"} %llu\n", keys[k][1],
				json_string_value(json_object_get(r, "name")),
				(unsigned long long)m_u(r, "worker"),
				(unsigned long long)m_u(r, keys[k][0]));
	}
}

/* The rx stage (pipeline): weir_rx_stage_<name>_total, the loss as
 * weir_drop_dispatch_full_total; all 0 in run mode workers. */
static void
m_rx_stage(FILE *f, const json_t *d)
{
#define M_DISP(name, kind, doc)                                                                    \
	{                                                                                          \
		const char *n = #name;                                                             \
		int gauge = strcmp(#kind, "GAUGE") == 0;                                           \
		char metric[96];                                                                   \
		m_name(metric, sizeof(metric), "rx_stage", "", n, gauge);                          \
		m_head(f, metric, gauge ? "gauge" : "counter", doc);                               \
		fprintf(f, "%s %llu\n", metric, (unsigned long long)m_u(d, n));                    \
	}
	WEIR_DISPATCH_COUNTERS(M_DISP)
#undef M_DISP
}

static void
m_emitter(FILE *f, const json_t *em)
{
#define M_EMIT(name, doc)                                                                          \
	{                                                                                          \
		const char *n = #name;                                                             \
		char metric[96];                                                                   \
		if (strncmp(n, "drop_", 5) == 0)                                                   \
			snprintf(metric, sizeof(metric), "weir_%s_total", n);                      \
		else                                                                               \
			snprintf(metric, sizeof(metric), "weir_emitter_%s_total", n);              \
		m_head(f, metric, "counter", doc);                                                 \
		fprintf(f, "%s %llu\n", metric, (unsigned long long)m_u(em, n));                   \
	}
	WEIR_EMITTER_COUNTERS(M_EMIT)
#undef M_EMIT
}

static void
m_sinks(FILE *f, const json_t *sinks)
{
	const json_t *s;
	size_t i;

	/* one family per row of the list, every sink in each */
#define M_SINK(name, kind, doc)                                                                    \
	{                                                                                          \
		int gauge = strcmp(#kind, "GAUGE") == 0;                                           \
		char metric[96];                                                                   \
		m_name(metric, sizeof(metric), "sink", "sink_", #name, gauge);                     \
		m_head(f, metric, gauge ? "gauge" : "counter", doc);                               \
		json_array_foreach(sinks, i, s)                                                    \
		{                                                                                  \
			fprintf(f, "%s{sink=\"", metric);                                          \
			m_label(f, json_string_value(json_object_get(s, "name")));                 \
			fprintf(f, "\"} %llu\n", (unsigned long long)m_u(s, #name));               \
		}                                                                                  \
	}
	WEIR_SINK_COUNTERS(M_SINK)
#undef M_SINK
}

/* One summary's samples of histogram @p h (weir_obs_latency's form),
 * labelled @p label="@p value". */
static void
m_summary(FILE *f, const char *metric, const char *label, const char *value, const json_t *h)
{
#define M_PCT(name, pct)                                                                           \
	fprintf(f, "%s{%s=\"", metric, label);                                                     \
	m_label(f, value);                                                                         \
	fprintf(f, "\",quantile=\"%g\"} %.9f\n", (pct) / 100.0,                                    \
		json_real_value(json_object_get(h, #name "_us")) / 1e6);
	WEIR_LAT_PERCENTILES(M_PCT)
#undef M_PCT
	fprintf(f, "%s_sum{%s=\"", metric, label);
	m_label(f, value);
	fprintf(f, "\"} %.9f\n",
		json_real_value(json_object_get(h, "mean_us")) * (double)m_u(h, "count") / 1e6);
	fprintf(f, "%s_count{%s=\"", metric, label);
	m_label(f, value);
	fprintf(f, "\"} %llu\n", (unsigned long long)m_u(h, "count"));
}

/* Where the time went since start (the latency reply's "stages"): the
 * emitter's three stages, then per sink rx to its write's return and, for
 * kafka, rx to the delivery report (every sink has the series; empty
 * where the sink keeps none). */
static void
m_latency_stages(FILE *f, const json_t *st)
{
	static const char *const stages[] = {"worker", "ring", "emitter"};
	const json_t *sinks = json_object_get(st, "sinks"), *s;
	size_t i;

	if (st == NULL)
		return;
	m_head(f, "weir_latency_stage_seconds", "summary",
	       "rx burst to the sink queues, by stage (worker: to the event ring, ring: to the "
	       "emitter, emitter: to the sink queues), since start");
	for (i = 0; i < sizeof(stages) / sizeof(stages[0]); i++)
		m_summary(f, "weir_latency_stage_seconds", "stage", stages[i],
			  json_object_get(st, stages[i]));
	m_head(f, "weir_latency_sink_seconds", "summary",
	       "rx burst to the return of the sink's write, per sink, since start");
	json_array_foreach(sinks, i, s)
	{
		m_summary(f, "weir_latency_sink_seconds", "sink",
			  json_string_value(json_object_get(s, "name")), s);
	}
	m_head(f, "weir_latency_delivered_seconds", "summary",
	       "rx burst to the delivery report (kafka; empty for the other sinks), since start");
	json_array_foreach(sinks, i, s)
	{
		m_summary(f, "weir_latency_delivered_seconds", "sink",
			  json_string_value(json_object_get(s, "name")),
			  json_object_get(s, "delivered"));
	}
}

static void
m_latency(FILE *f, const json_t *lat)
{
	const json_t *all = json_object_get(lat, "since_start");
	const json_t *win = json_object_get(lat, "last_10s");

	if (all == NULL)
		return;
	m_head(f, "weir_latency_seconds", "summary",
	       "rx burst to every sink's queue, since start (quantiles within 6.25%)");
#define M_PCT(name, pct)                                                                           \
	fprintf(f, "weir_latency_seconds{quantile=\"%g\"} %.9f\n", (pct) / 100.0,                  \
		json_real_value(json_object_get(all, #name "_us")) / 1e6);
	WEIR_LAT_PERCENTILES(M_PCT)
#undef M_PCT
	fprintf(f, "weir_latency_seconds_sum %.9f\n",
		json_real_value(json_object_get(all, "mean_us")) * (double)m_u(all, "count") / 1e6);
	fprintf(f, "weir_latency_seconds_count %llu\n", (unsigned long long)m_u(all, "count"));
	m_head(f, "weir_latency_max_seconds", "gauge", "largest rx to sink latency since start");
	fprintf(f, "weir_latency_max_seconds %.9f\n",
		json_real_value(json_object_get(all, "max_us")) / 1e6);
	/* a gauge per quantile: Prometheus keeps the "quantile" label for
	 * summaries, whose _count and _sum only grow; a sliding window's do not */
	m_head(f, "weir_latency_recent_seconds", "gauge",
	       "rx to sink latency quantiles (label q) over the last 10 seconds");
#define M_PCT(name, pct)                                                                           \
	fprintf(f, "weir_latency_recent_seconds{q=\"%g\"} %.9f\n", (pct) / 100.0,                  \
		json_real_value(json_object_get(win, #name "_us")) / 1e6);
	WEIR_LAT_PERCENTILES(M_PCT)
#undef M_PCT
	m_latency_stages(f, json_object_get(lat, "stages"));
}

static void
m_rules(FILE *f, const json_t *rules)
{
	const json_t *r;
	size_t i;

	m_head(f, "weir_rule_hits_total", "counter",
	       "alerts raised per rule, for every rule that fired since its rule set was loaded");
	json_array_foreach(json_object_get(rules, "rules"), i, r)
		fprintf(f, "weir_rule_hits_total{sid=\"%llu\"} %llu\n",
			(unsigned long long)m_u(r, "sid"), (unsigned long long)m_u(r, "hits"));
}

int
weir_metrics_write(const struct weir_obs *obs, FILE *f)
{
	char err[256] = "";
	json_t *st = weir_obs_stats(obs, err, sizeof(err));
	json_t *wk = st ? weir_obs_workers(obs, err, sizeof(err)) : NULL;
	json_t *ru = wk ? weir_obs_rules(obs, WEIR_OBS_RULES_FIRED, err, sizeof(err)) : NULL;
	const json_t *acc;
	int ret = 0;

	if (ru == NULL) {
		ret = -EAGAIN;
		goto out;
	}
	acc = json_object_get(st, "accounting");
	m_head(f, "weir_info", "gauge", "weir build and run information");
	fprintf(f, "weir_info{version=\"%s\",driver=\"%s\"} 1\n", WEIR_VERSION,
		json_string_value(json_object_get(st, "driver")));
	m_head(f, "weir_uptime_seconds", "gauge", "seconds since the capture started");
	fprintf(f, "weir_uptime_seconds %.3f\n", json_real_value(json_object_get(st, "uptime_s")));
	m_head(f, "weir_running", "gauge", "1 while any worker is still capturing");
	fprintf(f, "weir_running %d\n", json_is_true(json_object_get(st, "running")));
	m_head(f, "weir_unaccounted_packets", "gauge",
	       "received minus processed minus dropped; 0 when the identity holds");
	fprintf(f, "weir_unaccounted_packets %lld\n",
		(long long)json_integer_value(json_object_get(acc, "unaccounted")));
	m_ports(f, json_object_get(st, "ports"));
	m_workers(f, json_object_get(wk, "workers"));
	m_rings(f, json_object_get(st, "rings"));
	m_rx_stage(f, json_object_get(st, "rx_stage"));
	m_emitter(f, json_object_get(st, "emitter"));
	m_sinks(f, json_object_get(st, "sinks"));
	m_latency(f, json_object_get(st, "latency"));
	m_rules(f, ru);
out:
	json_decref(st);
	json_decref(wk);
	json_decref(ru);
	return ret;
}

#if WEIR_HAVE_MICROHTTPD

struct weir_metrics {
	const struct weir_obs *obs;
	struct MHD_Daemon *d;
};

static enum MHD_Result
metrics_reply(struct MHD_Connection *conn, unsigned int code, const char *type, char *body,
	      size_t len)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
metrics_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
		const char *version, const char *upload_data, size_t *upload_data_size,
		void **con_cls)
{
	struct weir_metrics *m = cls;
	char *body = NULL;
	size_t len = 0;
	FILE *f;

	(void)version;
	(void)upload_data;
	(void)con_cls;
	if (*upload_data_size != 0)
		*upload_data_size = 0; /* ignore any body */
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return metrics_reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
				     strdup("method not allowed\n"), 19);
	if (strcmp(url, "/metrics") != 0)
		return metrics_reply(conn, MHD_HTTP_NOT_FOUND, "text/plain",
				     strdup("not found; try /metrics\n"), 24);
	f = open_memstream(&body, &len);
	if (f == NULL)
		return MHD_NO;
	if (weir_metrics_write(m->obs, f) < 0) {
		fclose(f);
		free(body);
		return metrics_reply(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain",
				     strdup("counters busy, try again\n"), 25);
	}
	fclose(f);
	return metrics_reply(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body,
			     len);
}

struct weir_metrics *
weir_metrics_start(const struct weir_obs *obs, const char *listen, unsigned int max_clients,
		   unsigned int timeout_ms)
{
	struct sockaddr_in sa;
	struct weir_metrics *m;
	unsigned int timeout_s = (timeout_ms + 999) / 1000;

	if (weir_metrics_parse_listen(listen, &sa) < 0) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->obs = obs;
	m->d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, ntohs(sa.sin_port), NULL, NULL,
		metrics_handler, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_CONNECTION_LIMIT, max_clients ? max_clients : WEIR_METRICS_MAX_CLIENTS,
		MHD_OPTION_CONNECTION_TIMEOUT,
		timeout_s ? timeout_s : WEIR_METRICS_TIMEOUT_MS / 1000, MHD_OPTION_END);
	if (m->d == NULL) {
		int e = errno ? errno : EADDRINUSE;

		free(m);
		errno = e;
		return NULL;
	}
	return m;
}

void
weir_metrics_stop(struct weir_metrics *m)
{
	if (m == NULL)
		return;
	MHD_stop_daemon(m->d);
	free(m);
}

#else /* !WEIR_HAVE_MICROHTTPD */

struct weir_metrics *
weir_metrics_start(const struct weir_obs *obs, const char *listen, unsigned int max_clients,
		   unsigned int timeout_ms)
{
	(void)obs;
	(void)listen;
	(void)max_clients;
	(void)timeout_ms;
	errno = ENOTSUP;
	return NULL;
}

void
weir_metrics_stop(struct weir_metrics *m)
{
	(void)m;
}

#endif
