/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands. A telemetry reply (22.11) is one level deep: a
 * dict of numbers, strings and arrays of scalars. So each view of obs.c is
 * flattened, nested names joined with '_' ("accounting_received",
 * "ports_0_rx_packets": telemetry accepts only [A-Za-z0-9_] in names),
 * numbers as u64 or int, reals and booleans as
 * text and 0/1, cut at RTE_TEL_MAX_DICT_ENTRIES entries. The names are the
 * stats socket's (same schema_version).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "log.h"
#include "telemetry.h"

static pthread_mutex_t g_tel_lock = PTHREAD_MUTEX_INITIALIZER;
static struct weir_obs *g_tel_obs; /* under g_tel_lock; NULL = detached */
static int g_tel_registered;

static void
tel_flatten(struct rte_tel_data *d, const char *prefix, json_t *j, unsigned int *n)
{
	char key[RTE_TEL_MAX_STRING_LEN], txt[64];
	const char *k;
	json_t *v;
	size_t i;

	if (json_is_object(j)) {
		json_object_foreach(j, k, v) {
			snprintf(key, sizeof(key), "%s%s%s", prefix, prefix[0] ? "_" : "", k);
			tel_flatten(d, key, v, n);
		}
		return;
	}
	if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			snprintf(key, sizeof(key), "%s_%zu", prefix, i);
			tel_flatten(d, key, v, n);
		}
		return;
	}
	if (*n >= RTE_TEL_MAX_DICT_ENTRIES)
		return;
	(*n)++;
	if (json_is_integer(j)) {
		json_int_t x = json_integer_value(j);

		if (x >= 0)
			rte_tel_data_add_dict_u64(d, prefix, (uint64_t)x);
		else
			rte_tel_data_add_dict_int(d, prefix, (int)x);
	} else if (json_is_real(j)) {
		snprintf(txt, sizeof(txt), "%.3f", json_real_value(j));
		rte_tel_data_add_dict_string(d, prefix, txt);
	} else if (json_is_boolean(j)) {
		rte_tel_data_add_dict_int(d, prefix, json_is_true(j));
	} else if (json_is_string(j)) {
		rte_tel_data_add_dict_string(d, prefix, json_string_value(j));
	}
}

/* Build the view for @p cmd under the lock, so detach waits for us. */
static json_t *
tel_view(const char *cmd, const char *params, char *err, size_t errlen)
{
	json_t *j = NULL;

	pthread_mutex_lock(&g_tel_lock);
	if (g_tel_obs == NULL) {
		snprintf(err, errlen, "weir is not running");
	} else if (strcmp(cmd, "/weir/stats") == 0) {
		j = weir_obs_stats(g_tel_obs, err, errlen);
	} else if (strcmp(cmd, "/weir/workers") == 0) {
		j = weir_obs_workers(g_tel_obs, err, errlen);
		if (j != NULL && params != NULL && params[0] != '\0') {
			json_t *one = json_array_get(json_object_get(j, "workers"),
						     (size_t)strtoul(params, NULL, 10));

			one = one ? json_incref(one) : NULL;
			json_decref(j);
			j = one;
			if (j == NULL)
				snprintf(err, errlen, "no worker %s", params);
		}
	} else if (strcmp(cmd, "/weir/ports") == 0) {
		j = weir_obs_ports(g_tel_obs, err, errlen);
	} else if (strcmp(cmd, "/weir/rules") == 0) {
		unsigned long top = params && params[0] ? strtoul(params, NULL, 10) : 0;

		j = weir_obs_rules(g_tel_obs, (unsigned int)top, err, errlen);
	} else if (strcmp(cmd, "/weir/latency") == 0) {
		j = weir_obs_latency(g_tel_obs, err, errlen);
	} else {
		snprintf(err, errlen, "unknown command");
	}
	pthread_mutex_unlock(&g_tel_lock);
	return j;
}

static int
tel_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char err[256] = "";
	unsigned int n = 0;
	json_t *j = tel_view(cmd, params, err, sizeof(err));

	rte_tel_data_start_dict(d);
	if (j == NULL) {
		rte_tel_data_add_dict_int(d, "ok", 0);
		rte_tel_data_add_dict_string(d, "error", err);
		return 0;
	}
	rte_tel_data_add_dict_int(d, "schema_version", WEIR_OBS_SCHEMA_VERSION);
	n = 1;
	tel_flatten(d, "", j, &n);
	json_decref(j);
	return 0;
}

void
weir_telemetry_attach(struct weir_obs *obs)
{
	static const struct {
		const char *cmd, *help;
	} cmds[] = {
		{"/weir/stats", "weir counters, accounting identities and latency. No parameters"},
		{"/weir/workers", "weir per-worker counters. Parameter: worker index (optional)"},
		{"/weir/ports", "weir per port and queue counters. No parameters"},
		{"/weir/rules", "weir rules by hits. Parameter: how many (default 10)"},
		{"/weir/latency", "weir rx to sink latency percentiles (us). No parameters"},
	};
	unsigned int i;
	int ret;

	pthread_mutex_lock(&g_tel_lock);
	g_tel_obs = obs;
	pthread_mutex_unlock(&g_tel_lock);
	if (g_tel_registered)
		return;
	g_tel_registered = 1;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		ret = rte_telemetry_register_cmd(cmds[i].cmd, tel_cb, cmds[i].help);
		if (ret < 0)
			WEIR_LOG(WARNING, ctl, "telemetry: cannot register %s: %s", cmds[i].cmd,
				 strerror(-ret));
	}
}

void
weir_telemetry_detach(void)
{
	pthread_mutex_lock(&g_tel_lock);
	g_tel_obs = NULL;
	pthread_mutex_unlock(&g_tel_lock);
}
