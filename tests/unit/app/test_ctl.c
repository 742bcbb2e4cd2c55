/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the stats socket's request handling (app/ctl.c) and of
 * the views it serves (app/obs.c), over a fake weir: two workers whose
 * counter blocks a test thread keeps publishing, a fake port, a three-rule
 * set. Malformed, unknown and odd requests each get an error object with
 * schema_version; "reload" rebuilds the rule files on the reload thread
 * and reports success or every rule error (the running set stays);
 * "disable"/"enable" act on a loaded sid only; every "stats" reply taken while the counters move
 * satisfies the accounting identity. Every row of every list (common/counters.h, common/ctl_cmds.h)
 * shows in every view: the stats JSON, Prometheus, the summary, and the command handlers of the
 * socket and DPDK telemetry.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "counters.h"
#include "ctl.h"
#include "ctl_cmds.h"
#include "metrics.h"
#include "obs.h"
#include "rules_int.h"
#include "summary.h"
#include "telemetry.h"
#include "weir_cunit.h"

static struct weir_worker g_w[2];
static struct weir_rxq g_rxq[2];
static struct weir_port g_port;
static struct weir_reloader g_rl;
static char g_rules_path[64];
static struct weir_emitter g_em;
static struct weir_obs g_obs;
static atomic_bool g_stop, g_reopen;
static struct weir_worker *g_wp[2] = {&g_w[0], &g_w[1]};
static const struct weir_port *g_pp[1] = {&g_port};

static int
fake_port_stats(const struct weir_port *p, struct weir_port_stats *st)
{
	(void)p;
	st->rx_packets = 42;
	st->drop_nic_missed = 3;
	return 0;
}

static const struct weir_capture_ops g_fake_ops = {
	.name = "fake",
	.stats = fake_port_stats,
};

static int
write_rules(const char *text)
{
	FILE *f = fopen(g_rules_path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int
setup(void)
{
	const char *paths[1] = {g_rules_path};
	struct weir_ruleset_opts o = {.n_workers = 2};
	struct weir_ruleset *rs;
	struct weir_diags ds;
	unsigned int i;
	int fd;

	memset(&g_obs, 0, sizeof(g_obs));
	snprintf(g_port.name, sizeof(g_port.name), "fake0");
	g_port.ops = &g_fake_ops;
	snprintf(g_rules_path, sizeof(g_rules_path), "/tmp/weir-ut-ctl-XXXXXX.sigs");
	fd = mkstemps(g_rules_path, 5);
	if (fd < 0)
		return 1;
	close(fd);
	if (write_rules("1001:/abc/\n1002:/def/i\n1003:/never/\n") != 0 ||
	    weir_diags_init(&ds, 8) != 0)
		return 1;
	rs = weir_ruleset_load(paths, 1, &o, &ds);
	weir_diags_free(&ds);
	if (rs == NULL || rs->n_rules != 3)
		return 1;
	/* rule 1002 hit most (5 + 4), then 1001 (2 + 1), 1003 never */
	rs->w[0].hits[0] = 2;
	rs->w[1].hits[0] = 1;
	rs->w[0].hits[1] = 5;
	rs->w[1].hits[1] = 4;
	if (weir_reloader_init(&g_rl, rs, paths, 1, NULL, 0, NULL, 2) != 0 ||
	    weir_reloader_start(&g_rl, NULL, NULL, NULL) != 0)
		return 1;
	for (i = 0; i < 2; i++) {
		g_rxq[i].port = &g_port;
		g_rxq[i].queue_id = (uint16_t)i;
		g_w[i].id = (uint16_t)i;
		g_w[i].rxq[0] = &g_rxq[i];
		g_w[i].n_rxq = 1;
		g_w[i].cur = &g_rxq[i];
		atomic_init(&g_w[i].done, false);
	}
	g_obs.driver = "fake";
	g_obs.workers = g_wp;
	g_obs.n_workers = 2;
	g_obs.ports = g_pp;
	g_obs.n_ports = 1;
	g_obs.em = &g_em;
	g_obs.rules = &g_rl;
	g_obs.hz = 1000000000;
	g_obs.stop = &g_stop;
	g_obs.reopen = &g_reopen;
	return 0;
}

/* Run one request line; parse the reply (must be one JSON object line). */
static json_t *
ask(const char *line)
{
	char *out = weir_ctl_handle(&g_obs, line, strlen(line));
	json_error_t e;
	json_t *j;
	size_t n;

	CU_ASSERT_FATAL(out != NULL);
	n = strlen(out);
	CU_ASSERT(n > 0 && out[n - 1] == '\n');
	CU_ASSERT(memchr(out, '\n', n - 1) == NULL); /* exactly one line */
	j = json_loads(out, 0, &e);
	free(out);
	CU_ASSERT_FATAL(j != NULL && json_is_object(j));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "schema_version")),
			WEIR_OBS_SCHEMA_VERSION);
	return j;
}

static void
expect_error(const char *line, const char *fragment)
{
	json_t *j = ask(line);
	const char *err = json_string_value(json_object_get(j, "error"));

	CU_ASSERT(json_is_false(json_object_get(j, "ok")));
	CU_ASSERT(err != NULL && strstr(err, fragment) != NULL);
	if (err == NULL || strstr(err, fragment) == NULL)
		fprintf(stderr, "request %s: error '%s', wanted '%s'\n", line, err, fragment);
	json_decref(j);
}

static void
test_malformed_requests(void)
{
	expect_error("{", "malformed request");
	expect_error("not json", "malformed request");
	expect_error("[\"stats\"]", "not a JSON object");
	expect_error("\"stats\"", "malformed request");
	expect_error("{}", "\"command\"");
	expect_error("{\"command\":7}", "\"command\"");
	expect_error("{\"command\":\"stats\",\"command\":\"shutdown\"}", "malformed request");
	expect_error("{\"command\":\"stats\"} trailing", "malformed request");
	expect_error("{\"command\":\"st\\u0000ats\"}", "malformed request");
	CU_ASSERT(!atomic_load(&g_stop));
}

static void
test_unknown_and_bad_arguments(void)
{
	char big[300];

	expect_error("{\"command\":\"nope\"}", "unknown command 'nope'");
	memset(big, 'x', sizeof(big));
	memcpy(big, "{\"command\":\"", 12);
	memcpy(big + sizeof(big) - 3, "\"}", 3);
	expect_error(big, "unknown command"); /* long name cut in the reply */
	expect_error("{\"command\":\"rules\",\"top\":0}", "\"top\"");
	expect_error("{\"command\":\"rules\",\"top\":\"5\"}", "\"top\"");
	expect_error("{\"command\":\"rules\",\"top\":100000}", "\"top\"");
}

static int
teardown(void)
{
	weir_reloader_fini(&g_rl);
	unlink(g_rules_path);
	return 0;
}

/* A good file: a new generation with its rules; a broken one: ok false,
 * every error named, and the set in force does not change. */
static void
test_reload_through_the_socket(void)
{
	json_t *j, *e;
	const char *s;

	CU_ASSERT_FATAL(write_rules("2001:/xyz/\n2002:/uvw/\n") == 0);
	j = ask("{\"command\":\"reload\"}");
	CU_ASSERT(json_is_true(json_object_get(j, "ok")));
	CU_ASSERT(json_is_true(json_object_get(j, "reloaded")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "generation")), 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "n_rules")), 2);
	json_decref(j);
	j = ask("{\"command\":\"rules\"}");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "generation")), 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
				json_array_get(json_object_get(j, "rules"), 0), "sid")),
			2001);
	json_decref(j);

	CU_ASSERT_FATAL(write_rules("3001:/ok/\n3002:/(unclosed/\nnot a rule\n") == 0);
	j = ask("{\"command\":\"reload\"}");
	CU_ASSERT(json_is_false(json_object_get(j, "ok")));
	s = json_string_value(json_object_get(j, "error"));
	CU_ASSERT(s != NULL && strstr(s, "stay in force") != NULL);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "generation")), 2);
	CU_ASSERT(json_array_size(json_object_get(j, "errors")) == 2);
	{
		size_t i;
		int l2 = 0, l3 = 0;

		/* line 3 from the parser, line 2 from Hyperscan */
		json_array_foreach(json_object_get(j, "errors"), i, e)
		{
			s = json_is_string(e) ? json_string_value(e) : "";
			l2 += strstr(s, ".sigs:2:") != NULL;
			l3 += strstr(s, ".sigs:3:") != NULL;
		}
		CU_ASSERT(l2 == 1 && l3 == 1);
	}
	json_decref(j);
	j = ask("{\"command\":\"stats\"}");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "n_rules")), 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "rules_generation")), 2);
	json_decref(j);
}

/* disable/enable act on a loaded sid and are remembered over a reload. */
static void
test_disable_enable(void)
{
	json_t *j;

	expect_error("{\"command\":\"disable\"}", "\"sid\"");
	expect_error("{\"command\":\"disable\",\"sid\":-1}", "\"sid\"");
	expect_error("{\"command\":\"disable\",\"sid\":9999}", "no rule with sid 9999");
	CU_ASSERT(!weir_rules_is_disabled(&g_rl, 9999));
	CU_ASSERT_FATAL(write_rules("2001:/xyz/\n2002:/uvw/\n") == 0);
	j = ask("{\"command\":\"disable\",\"sid\":2002}");
	CU_ASSERT(json_is_true(json_object_get(j, "ok")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "rules")), 1);
	json_decref(j);
	j = ask("{\"command\":\"reload\"}");
	CU_ASSERT(json_is_true(json_object_get(j, "ok")));
	json_decref(j);
	{
		const struct weir_ruleset *rs = weir_rules_acquire(&g_rl);
		unsigned int i, off = 0;

		for (i = 0; i < rs->n_rules; i++)
			if (atomic_load(&rs->disabled[i]))
				off += rs->rules[i].sid == 2002 ? 1 : 100;
		weir_rules_release(&g_rl);
		CU_ASSERT_EQUAL(off, 1); /* 2002 only, in the new set too */
	}
	j = ask("{\"command\":\"enable\",\"sid\":2002}");
	CU_ASSERT(json_is_true(json_object_get(j, "ok")));
	json_decref(j);
	CU_ASSERT(!weir_rules_is_disabled(&g_rl, 2002));
}

/* Reload @p rules (@p force); check ok (the generation steps, or stays
 * when refused), the rules in force, forced, and the refusal's reason
 * (@p why, NULL: none). */
static void
reload_expect(const char *rules, bool force, bool ok, unsigned int n_rules, bool forced,
	      const char *why)
{
	static json_int_t gen;
	json_t *j;
	const char *err;

	CU_ASSERT_FATAL(write_rules(rules) == 0);
	j = ask(force ? "{\"command\":\"reload\",\"force\":true}" : "{\"command\":\"reload\"}");
	if (gen == 0)
		gen = json_integer_value(json_object_get(j, "generation")) - (ok ? 1 : 0);
	CU_ASSERT_EQUAL(json_is_true(json_object_get(j, "ok")), ok);
	if (ok)
		gen++;
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "generation")), gen);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "n_rules")), n_rules);
	CU_ASSERT_EQUAL(json_is_true(json_object_get(j, "forced")), forced);
	err = json_string_value(json_object_get(j, "error"));
	if (why != NULL) {
		CU_ASSERT(err != NULL && strstr(err, why) != NULL && strstr(err, "stay in force"));
	} else {
		CU_ASSERT(err == NULL);
	}
	json_decref(j);
}

/* The loss guard: an empty set, or one losing more than max_loss_pct of
 * the running rules, is refused unless forced; exactly the share passes. */
static void
test_reload_loss_guard(void)
{
	expect_error("{\"command\":\"reload\",\"force\":1}", "\"force\" must be true or false");
	reload_expect("2001:/xyz/\n2002:/uvw/\n", false, true, 2, false, NULL);
	/* 1 of 2: 50 %, not more than the default 50 % */
	reload_expect("2001:/xyz/\n", false, true, 1, false, NULL);
	reload_expect("", false, false, 1, false, "has no rule (the running set has 1)");
	reload_expect("# only a comment\n", false, false, 1, false, "has no rule");
	reload_expect("", true, true, 0, true, NULL);
	/* nothing runs, nothing to lose */
	reload_expect("", false, true, 0, false, NULL);
	reload_expect("1:/a/\n2:/b/\n3:/c/\n4:/d/\n", false, true, 4, false, NULL);
	/* 1 of 4: 75 % */
	reload_expect("1:/a/\n", false, false, 4, false,
		      "has 1 rules, 3 fewer than the running 4 (75.0%, more than "
		      "rules.reload-max-loss 50%)");
	weir_reloader_set_max_loss(&g_rl, 0);
	reload_expect("1:/a/\n2:/b/\n3:/c/\n", false, false, 4, false, "(25.0%, more than");
	reload_expect("1:/a/\n2:/b/\n3:/c/\n", true, true, 3, true, NULL);
	weir_reloader_set_max_loss(&g_rl, 100);
	reload_expect("1:/a/\n", false, true, 1, false, NULL);
	reload_expect("", false, false, 1, false, "has no rule");
	weir_reloader_set_max_loss(&g_rl, 50);
}

static void
test_version_and_help(void)
{
	json_t *j = ask("{\"command\":\"version\"}");

	CU_ASSERT(json_is_true(json_object_get(j, "ok")));
	CU_ASSERT(json_is_string(json_object_get(j, "version")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "driver")), "fake");
	json_decref(j);
	j = ask("{\"command\":\"help\"}");
	CU_ASSERT(json_is_string(json_object_get(json_object_get(j, "commands"), "shutdown")));
	json_decref(j);
}

static void
test_rules_top_by_hits(void)
{
	json_t *j = ask("{\"command\":\"rules\",\"top\":2}"), *r;

	CU_ASSERT(json_is_true(json_object_get(j, "ok")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "hits_total")), 12);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "rules_fired")), 2);
	r = json_object_get(j, "rules");
	CU_ASSERT_EQUAL_FATAL(json_array_size(r), 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(r, 0), "sid")), 1002);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(r, 0), "hits")), 9);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(json_array_get(r, 0), "msg")),
			       "/def/i");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(r, 1), "sid")), 1001);
	json_decref(j);
	j = ask("{\"command\":\"rules\"}"); /* default top covers all three */
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "rules")), 3);
	json_decref(j);
}

static void
test_latency_off_is_an_error(void)
{
	expect_error("{\"command\":\"latency\"}", "not recorded");
}

struct burster {
	atomic_bool stop;
};

/* Both fake workers publish bursts, as weir_worker_main does. */
static void *
burster_main(void *arg)
{
	struct burster *b = arg;
	unsigned int i;

	for (i = 0; i < 5000000 && !atomic_load(&b->stop); i++) {
		struct weir_worker_stats *st = &g_w[i & 1].st;

		weir_worker_stats_begin(st);
		st->rx_packets += 32;
		st->port_rx_packets[0] += 32; /* the fake port's index */
		st->scanned += 20;
		st->not_scanned += 10;
		st->fragments += 1;
		st->drop_scan_error += 1;
		st->alerts += 3;
		st->events_enqueued += 2;
		st->drop_ring_full += 1;
		weir_worker_stats_end(st);
	}
	return NULL;
}

static void
test_stats_identity_holds_while_counting(void)
{
	struct burster b;
	pthread_t t;
	unsigned int i;
	uint64_t last = 0;

	atomic_init(&b.stop, false);
	CU_ASSERT_FATAL(pthread_create(&t, NULL, burster_main, &b) == 0);
	for (i = 0; i < 300; i++) {
		json_t *j = ask("{\"command\":\"stats\"}");
		json_t *acc = json_object_get(j, "accounting");
		uint64_t rx = (uint64_t)json_integer_value(json_object_get(acc, "received"));

		CU_ASSERT_FATAL(json_is_true(json_object_get(j, "ok")));
		CU_ASSERT_FATAL(json_is_true(json_object_get(acc, "packets_ok")));
		CU_ASSERT_FATAL(json_is_true(json_object_get(acc, "events_ok")));
		CU_ASSERT_FATAL(json_integer_value(json_object_get(acc, "unaccounted")) == 0);
		CU_ASSERT_FATAL(
			rx ==
			(uint64_t)json_integer_value(json_object_get(acc, "processed")) +
				(uint64_t)json_integer_value(json_object_get(acc, "dropped")));
		CU_ASSERT_FATAL(rx >= last);
		/* the per-queue rx of the port adds up to the workers' */
		CU_ASSERT_FATAL(rx == (uint64_t)json_integer_value(json_object_get(
					      json_object_get(j, "workers"), "rx_packets")));
		last = rx;
		json_decref(j);
	}
	atomic_store(&b.stop, true);
	pthread_join(t, NULL);
	CU_ASSERT(last > 0);
}

static void
test_ports_and_workers_views(void)
{
	json_t *j = ask("{\"command\":\"ports\"}"), *p, *q;

	p = json_array_get(json_object_get(j, "ports"), 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(p, "name")), "fake0");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(p, "drop_nic_missed")), 3);
	q = json_object_get(p, "queues");
	CU_ASSERT_EQUAL(json_array_size(q), 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(json_array_get(q, 1), "rx_packets")),
			(json_int_t)g_w[1].st.port_rx_packets[0]);
	CU_ASSERT_EQUAL(g_w[1].st.port_rx_packets[0], g_w[1].st.rx_packets);
	json_decref(j);
	j = ask("{\"command\":\"workers\"}");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "workers")), 2);
	CU_ASSERT(json_is_integer(
		json_object_get(json_array_get(json_object_get(j, "workers"), 0), "busy_cycles")));
	json_decref(j);
}

static void
test_shutdown_sets_stop(void)
{
	json_t *j = ask("{\"command\":\"shutdown\"}");

	CU_ASSERT(json_is_true(json_object_get(j, "ok")));
	CU_ASSERT(atomic_load(&g_stop));
	json_decref(j);
	atomic_store(&g_stop, false);
}

/* A peer with the monitoring role: every MONITOR row answers, every ADMIN
 * row is refused by name and does nothing (shutdown leaves stop false). */
static void
test_monitor_role_cannot_administer(void)
{
	struct weir_ctl_peer mon = {.known = true, .uid = 4242, .gid = 4242, .pid = 1};
	static const char *const admin[] = {"{\"command\":\"shutdown\"}",
					    "{\"command\":\"reload\"}",
					    "{\"command\":\"disable\",\"sid\":1}",
					    "{\"command\":\"enable\",\"sid\":1}",
					    "{\"command\":\"reopen\"}",
					    "{\"command\":\"reconfigure\"}"};
	unsigned int i;
	json_t *j;
	char *out;

	snprintf(mon.why, sizeof(mon.why), "not in ctl.admin-group 'ops'");
	for (i = 0; i < sizeof(admin) / sizeof(admin[0]); i++) {
		out = weir_ctl_handle_peer(&g_obs, admin[i], strlen(admin[i]), &mon);
		CU_ASSERT_FATAL(out != NULL);
		j = json_loads(out, 0, NULL);
		free(out);
		CU_ASSERT_FATAL(j != NULL);
		CU_ASSERT(json_is_false(json_object_get(j, "ok")));
		CU_ASSERT(strstr(json_string_value(json_object_get(j, "error")),
				 "permission denied") != NULL);
		CU_ASSERT(strstr(json_string_value(json_object_get(j, "error")), "ops") != NULL);
		json_decref(j);
	}
	CU_ASSERT(!atomic_load(&g_stop));
	CU_ASSERT(!atomic_load(&g_reopen));
	out = weir_ctl_handle_peer(&g_obs, "{\"command\":\"stats\"}", 19, &mon);
	CU_ASSERT_FATAL(out != NULL);
	j = json_loads(out, 0, NULL);
	free(out);
	CU_ASSERT(j != NULL && json_is_true(json_object_get(j, "ok")));
	json_decref(j);
	/* the same request from an administrator is served */
	mon.admin = true;
	out = weir_ctl_handle_peer(&g_obs, "{\"command\":\"shutdown\"}", 22, &mon);
	free(out);
	CU_ASSERT(atomic_load(&g_stop));
	atomic_store(&g_stop, false);
}

static void
test_control_keys_checked(void)
{
	struct weir_conf c;
	struct weir_diags ds;
	unsigned int mode;

	CU_ASSERT(weir_ctl_parse_mode("0660", &mode) == 0 && mode == 0660);
	CU_ASSERT(weir_ctl_parse_mode("600", &mode) == 0 && mode == 0600);
	CU_ASSERT(weir_ctl_parse_mode("0o640", &mode) == 0 && mode == 0640);
	CU_ASSERT(weir_ctl_parse_mode("0800", &mode) == -EINVAL);
	CU_ASSERT(weir_ctl_parse_mode("7777", &mode) == -EINVAL);
	CU_ASSERT(weir_ctl_parse_mode("", &mode) == -EINVAL);
	CU_ASSERT_FATAL(weir_conf_defaults(&c) == 0);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 10) == 0);
	CU_ASSERT(c.ctl_enabled && !c.ctl_keep_alive);
	CU_ASSERT_STRING_EQUAL(c.ctl_socket, "/run/weir/weir.sock");
	CU_ASSERT_EQUAL(weir_control_conf_check(&c, &ds), 0);
	CU_ASSERT(weir_conf_set(&c, "ctl.mode", "99", "t", &ds) == 0);
	CU_ASSERT(weir_conf_set(&c, "metrics.listen", "nonsense:x", "t", &ds) == 0);
	CU_ASSERT(weir_conf_set(&c, "ctl.admin-group", "no-such-group-weir", "t", &ds) == 0);
	CU_ASSERT(weir_conf_set(&c, "ctl.monitor-group", "root", "t", &ds) == 0);
	CU_ASSERT_EQUAL(weir_control_conf_check(&c, &ds), -EINVAL);
	CU_ASSERT(ds.total == 3);
	weir_diags_free(&ds);
	weir_conf_free(&c);
}

static void
test_metrics_listen_parse(void)
{
	struct sockaddr_in sa;

	CU_ASSERT(weir_metrics_parse_listen("9470", &sa) == 0);
	CU_ASSERT(sa.sin_addr.s_addr == htonl(INADDR_LOOPBACK) && sa.sin_port == htons(9470));
	CU_ASSERT(weir_metrics_parse_listen(":9470", &sa) == 0);
	CU_ASSERT(sa.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
	CU_ASSERT(weir_metrics_parse_listen("0.0.0.0:80", &sa) == 0);
	CU_ASSERT(sa.sin_addr.s_addr == 0 && sa.sin_port == htons(80));
	CU_ASSERT(weir_metrics_parse_listen("localhost:1", &sa) == 0);
	CU_ASSERT(weir_metrics_parse_listen("0", &sa) == -EINVAL);
	CU_ASSERT(weir_metrics_parse_listen("70000", &sa) == -EINVAL);
	CU_ASSERT(weir_metrics_parse_listen("host:", &sa) == -EINVAL);
	CU_ASSERT(weir_metrics_parse_listen("1.2.3:80", &sa) == -EINVAL);
}

/* ---- every list, in every view ---- */

/* Each row of the command list is served where its role says, with the
 * list's doc: the socket serves MONITOR and ADMIN rows (help lists them,
 * a CLIENT row is an unknown command), DPDK telemetry MONITOR rows only.
 * weirctl's table is generated from the list (a row without cmd_NAME does
 * not link); tests/integration/test_ctl.sh checks its --help. */
static void
test_command_list_served_by_each_view(void)
{
	json_t *help = ask("{\"command\":\"help\"}");
	const json_t *cmds = json_object_get(help, "commands");
	char line[128];
	unsigned int n = 0;

#define CHECK_CMD(name, role, options, doc)                                                        \
	{                                                                                          \
		int client = strcmp(#role, "CLIENT") == 0;                                         \
		const char *d = json_string_value(json_object_get(cmds, #name));                   \
		n++;                                                                               \
		CU_ASSERT(client ? d == NULL : (d != NULL && strcmp(d, doc) == 0));                \
		CU_ASSERT(weir_telemetry_serves(#name) == (strcmp(#role, "MONITOR") == 0));        \
		if (client) {                                                                      \
			snprintf(line, sizeof(line), "{\"command\":\"%s\"}", #name);               \
			expect_error(line, "unknown command");                                     \
		}                                                                                  \
	}
	WEIR_CTL_COMMANDS(CHECK_CMD)
#undef CHECK_CMD
	/* nothing served that the list does not have */
	CU_ASSERT(json_object_size(cmds) <= n);
	CU_ASSERT(!weir_telemetry_serves("shutdown") && !weir_telemetry_serves("nope"));
	json_decref(help);
}

static void
fake_sink_stats(const struct weir_sink *s, struct weir_sink_stats *st)
{
	uint64_t v = 100;

	(void)s;
#define FAKE_SINK(name, kind, doc) st->name = v++;
	WEIR_SINK_COUNTERS(FAKE_SINK)
#undef FAKE_SINK
}

static const struct weir_sink_ops g_fake_sink_ops = {
	.name = "fake",
	.stats = fake_sink_stats,
};

/* A stats reply has every row of every counter list, by its name. */
static void
check_stats_json(const json_t *st)
{
	const json_t *port = json_array_get(json_object_get(st, "ports"), 0);
	const json_t *sink = json_array_get(json_object_get(st, "sinks"), 0);
	const json_t *w = json_object_get(st, "workers");
	const json_t *em = json_object_get(st, "emitter");
	const json_t *rx = json_object_get(st, "rx_stage");
	const json_t *lat = json_object_get(json_object_get(st, "latency"), "since_start");

	CU_ASSERT_FATAL(port != NULL && sink != NULL && lat != NULL);
#define J_PORT(name, doc)	  CU_ASSERT(json_is_integer(json_object_get(port, #name)));
#define J_SINK(name, kind, doc)	  CU_ASSERT(json_is_integer(json_object_get(sink, #name)));
#define J_WORKER(name, kind, doc) CU_ASSERT(json_is_integer(json_object_get(w, #name)));
#define J_EMIT(name, doc)	  CU_ASSERT(json_is_integer(json_object_get(em, #name)));
#define J_DISP(name, kind, doc)	  CU_ASSERT(json_is_integer(json_object_get(rx, #name)));
#define J_PCT(name, pct)	  CU_ASSERT(json_is_real(json_object_get(lat, #name "_us")));
	WEIR_PORT_COUNTERS(J_PORT)
	WEIR_SINK_COUNTERS(J_SINK)
	WEIR_WORKER_COUNTERS(J_WORKER)
	WEIR_EMITTER_COUNTERS(J_EMIT)
	WEIR_DISPATCH_COUNTERS(J_DISP)
	WEIR_LAT_PERCENTILES(J_PCT)
#undef J_DISP
#undef J_PORT
#undef J_SINK
#undef J_WORKER
#undef J_EMIT
#undef J_PCT
	/* the per-type ones too, with the sink's values */
	CU_ASSERT(json_integer_value(json_object_get(sink, "request_time_max")) ==
		  100 + WEIR_N_SINK_COUNTERS - 1);
}

static int
has(const char *text, const char *what)
{
	if (strstr(text, what) != NULL)
		return 1;
	fprintf(stderr, "missing: '%s'\n", what);
	return 0;
}

/* Prometheus names, as metrics.h documents them. */
static void
prom_name(char *out, size_t len, const char *group, const char *drop_infix, const char *name,
	  const char *label, int gauge)
{
	if (strncmp(name, "drop_", 5) == 0)
		snprintf(out, len, "\nweir_drop_%s%s%s{%s", drop_infix, name + 5,
			 gauge ? "" : "_total", label);
	else
		snprintf(out, len, "\nweir_%s_%s%s{%s", group, name, gauge ? "" : "_total", label);
}

static void
test_every_counter_in_every_view(void)
{
	struct weir_sink sink = {.ops = &g_fake_sink_ops, .name = "fakesink"};
	struct weir_sink *sinks[1] = {&sink};
	struct weir_latency *lat = calloc(1, sizeof(*lat));
	char *text = NULL, want[160];
	size_t len = 0;
	json_t *j;
	int rc;
	FILE *f;

	CU_ASSERT_FATAL(lat != NULL);
	snprintf(sink.target, sizeof(sink.target), "/tmp/fake.out");
	weir_latency_init(lat, g_obs.hz);
	weir_latency_record(lat, 1000);
	g_obs.lat = lat;
	g_obs.sink_pub_tsc = 0;
	weir_obs_tick(&g_obs, sinks, 1);

	/* stats socket (and so DPDK telemetry, which flattens it) */
	j = ask("{\"command\":\"stats\"}");
	check_stats_json(j);
	json_decref(j);

	/* Prometheus */
	f = open_memstream(&text, &len);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT(weir_metrics_write(&g_obs, f) == 0);
	fclose(f);
#define P_PORT(name, doc)                                                                          \
	prom_name(want, sizeof(want), "port", "", #name, "port=\"fake0\"", 0);                     \
	CU_ASSERT(has(text, want));
#define P_SINK(name, kind, doc)                                                                    \
	prom_name(want, sizeof(want), "sink", "sink_", #name, "sink=\"fakesink\"",                 \
		  strcmp(#kind, "GAUGE") == 0);                                                    \
	CU_ASSERT(has(text, want));
#define P_WORKER(name, kind, doc)                                                                  \
	prom_name(want, sizeof(want), "worker", "", #name, "worker=\"1\"",                         \
		  strcmp(#kind, "GAUGE") == 0);                                                    \
	CU_ASSERT(has(text, want));
#define P_EMIT(name, doc)                                                                          \
	prom_name(want, sizeof(want), "emitter", "", #name, "", 0);                                \
	want[strlen(want) - 1] = ' ';                                                              \
	CU_ASSERT(has(text, want));
#define P_DISP(name, kind, doc)                                                                    \
	prom_name(want, sizeof(want), "rx_stage", "", #name, "", strcmp(#kind, "GAUGE") == 0);     \
	want[strlen(want) - 1] = ' ';                                                              \
	CU_ASSERT(has(text, want));
#define P_PCT(name, pct)                                                                           \
	snprintf(want, sizeof(want), "weir_latency_seconds{quantile=\"%g\"}", (pct) / 100.0);      \
	CU_ASSERT(has(text, want));                                                                \
	snprintf(want, sizeof(want), "weir_latency_recent_seconds{q=\"%g\"}", (pct) / 100.0);      \
	CU_ASSERT(has(text, want));
	WEIR_PORT_COUNTERS(P_PORT)
	WEIR_SINK_COUNTERS(P_SINK)
	WEIR_WORKER_COUNTERS(P_WORKER)
	WEIR_EMITTER_COUNTERS(P_EMIT)
	WEIR_DISPATCH_COUNTERS(P_DISP)
	WEIR_LAT_PERCENTILES(P_PCT)
	free(text);

	/* the summary (with an rx stage, so its block shows too) */
	{
		struct weir_dispatch_stats disp = {.rx_packets = 7, .dispatched = 7};
		struct weir_summary_in in = {
			.driver = "fake",
			.if_label = "fake0",
			.n_rules = 3,
			.workers = g_wp,
			.n_workers = 2,
			.ports = &g_port,
			.n_ports = 1,
			.disp = &disp,
			.em = &g_em.st,
			.lat = lat,
			.sinks = &sink,
			.n_sinks = 1,
			.hz = g_obs.hz,
		};

		text = NULL;
		f = open_memstream(&text, &len);
		CU_ASSERT_FATAL(f != NULL);
		rc = weir_summary_print(f, &in);
		fclose(f);
		/* the fake counters have losses: flagged, and named last */
		CU_ASSERT(rc == WEIR_SUMMARY_LOSS);
		CU_ASSERT(has(text, "\nweir: LOSS: "));
		CU_ASSERT(
			has(text,
			    "weir: summary: fake fake0, 2 workers (runmode pipeline), 3 rules\n"));
		CU_ASSERT(has(text, "\n rx stage:\n"));
		CU_ASSERT(has(text, "\n sink fakesink /tmp/fake.out:\n"));
#define S_LINE2(name, doc)                                                                         \
	snprintf(want, sizeof(want), "\n  %-22s ", #name ":");                                     \
	CU_ASSERT(has(text, want));
#define S_LINE3(name, kind, doc) S_LINE2(name, doc)
#define S_PCT(name, pct)	 CU_ASSERT(has(text, " " #name " "));
		WEIR_PORT_COUNTERS(S_LINE2)
		WEIR_SINK_COUNTERS(S_LINE3)
		WEIR_WORKER_COUNTERS(S_LINE3)
		WEIR_EMITTER_COUNTERS(S_LINE2)
		WEIR_DISPATCH_COUNTERS(S_LINE3)
		WEIR_LAT_PERCENTILES(S_PCT)
		snprintf(want, sizeof(want), "\n  %-22s %u\n",
			 "request_time_max:", 100 + WEIR_N_SINK_COUNTERS - 1);
		CU_ASSERT(has(text, want));
		free(text);
	}
	g_obs.lat = NULL;
	g_obs.n_sinks = 0;
	free(lat);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("ctl", setup, teardown);
	CU_ADD_TEST(s, test_malformed_requests);
	CU_ADD_TEST(s, test_unknown_and_bad_arguments);
	CU_ADD_TEST(s, test_version_and_help);
	CU_ADD_TEST(s, test_rules_top_by_hits);
	CU_ADD_TEST(s, test_latency_off_is_an_error);
	CU_ADD_TEST(s, test_stats_identity_holds_while_counting);
	CU_ADD_TEST(s, test_ports_and_workers_views);
	CU_ADD_TEST(s, test_shutdown_sets_stop);
	CU_ADD_TEST(s, test_monitor_role_cannot_administer);
	CU_ADD_TEST(s, test_control_keys_checked);
	CU_ADD_TEST(s, test_metrics_listen_parse);
	CU_ADD_TEST(s, test_command_list_served_by_each_view);
	CU_ADD_TEST(s, test_every_counter_in_every_view);
	/* last: they replace the rule set the tests above count on */
	CU_ADD_TEST(s, test_reload_through_the_socket);
	CU_ADD_TEST(s, test_disable_enable);
	CU_ADD_TEST(s, test_reload_loss_guard);
	return weir_ut_run();
}
