/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands. A telemetry reply (22.11) is one level deep: a
 * dict of numbers, strings and arrays of scalars. So each view of obs.c is
 * flattened, nested names joined with '_' ("accounting_received",
 * "ports_0_rx_packets": telemetry accepts only [A-Za-z0-9_] in names),
 * numbers as u64 or int, reals and booleans as
 * text and 0/1, cut at RTE_TEL_MAX_DICT_ENTRIES entries. The names are the
 * stats socket's (same schema_version). The commands are the MONITOR rows
 * of common/ctl_cmds.h, as /weir/NAME.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "ctl_cmds.h"
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
		json_object_foreach(j, k, v)
		{
			snprintf(key, sizeof(key), "%s%s%s", prefix, prefix[0] ? "_" : "", k);
			tel_flatten(d, key, v, n);
		}
		return;
	}
	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
		{
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

/* The handlers of the MONITOR rows of common/ctl_cmds.h (params: the
 * text after the comma of "/weir/NAME,PARAMS", or NULL). */
typedef json_t *(*tel_fn)(const struct weir_obs *o, const char *params, char *err, size_t errlen);

static json_t *
tel_version(const struct weir_obs *o, const char *params, char *err, size_t errlen)
{
	(void)params;
	return weir_obs_version(o, err, errlen);
}

static json_t *
tel_stats(const struct weir_obs *o, const char *params, char *err, size_t errlen)
{
	(void)params;
	return weir_obs_stats(o, err, errlen);
}

static json_t *
tel_ports(const struct weir_obs *o, const char *params, char *err, size_t errlen)
{
	(void)params;
	return weir_obs_ports(o, err, errlen);
}

/* Parameter: a worker index (optional). */
static json_t *
tel_workers(const struct weir_obs *o, const char *params, char *err, size_t errlen)
{
	json_t *j = weir_obs_workers(o, err, errlen), *one;

	if (j == NULL || params == NULL || params[0] == '\0')
		return j;
	one = json_array_get(json_object_get(j, "workers"), (size_t)strtoul(params, NULL, 10));
	one = one ? json_incref(one) : NULL;
	json_decref(j);
	if (one == NULL)
		snprintf(err, errlen, "no worker %s", params);
	return one;
}

/* Parameter: how many rules (default 10). */
static json_t *
tel_rules(const struct weir_obs *o, const char *params, char *err, size_t errlen)
{
	unsigned long top = params && params[0] ? strtoul(params, NULL, 10) : 0;

	return weir_obs_rules(o, (unsigned int)top, err, errlen);
}

static json_t *
tel_latency(const struct weir_obs *o, const char *params, char *err, size_t errlen)
{
	(void)params;
	return weir_obs_latency(o, err, errlen);
}

static json_t *
tel_sinks(const struct weir_obs *o, const char *params, char *err, size_t errlen)
{
	json_t *j = json_object();

	(void)params;
	json_object_set_new(j, "sinks", weir_obs_sinks(o, err, errlen));
	return j;
}

static json_t *tel_help(const struct weir_obs *o, const char *params, char *err, size_t errlen);

/* MONITOR rows only: telemetry's socket is not guarded by ctl.mode, so
 * nothing that changes weir is served there (a missing tel_NAME for a
 * MONITOR row does not compile). */
#define TEL_FN_MONITOR(name)		  tel_##name
#define TEL_FN_ADMIN(name)		  NULL
#define TEL_FN_CLIENT(name)		  NULL
#define TEL_ROW(name, role, options, doc) {"/weir/" #name, #name, TEL_FN_##role(name), doc},
static const struct {
	const char *cmd, *name;
	tel_fn fn;
	const char *doc;
} g_tel_cmds[] = {WEIR_CTL_COMMANDS(TEL_ROW)};
#undef TEL_ROW

#define TEL_NCMDS (sizeof(g_tel_cmds) / sizeof(g_tel_cmds[0]))

static json_t *
tel_help(const struct weir_obs *o, const char *params, char *err, size_t errlen)
{
	json_t *j = json_object();
	unsigned int i;

	(void)o;
	(void)params;
	(void)err;
	(void)errlen;
	for (i = 0; i < TEL_NCMDS; i++)
		if (g_tel_cmds[i].fn != NULL)
			json_object_set_new(j, g_tel_cmds[i].cmd, json_string(g_tel_cmds[i].doc));
	return j;
}

bool
weir_telemetry_serves(const char *name)
{
	unsigned int i;

	for (i = 0; i < TEL_NCMDS; i++)
		if (g_tel_cmds[i].fn != NULL && strcmp(g_tel_cmds[i].name, name) == 0)
			return true;
	return false;
}

/* Build the view for @p cmd under the lock, so detach waits for us. */
static json_t *
tel_view(const char *cmd, const char *params, char *err, size_t errlen)
{
	json_t *j = NULL;
	unsigned int i;

	for (i = 0; i < TEL_NCMDS; i++)
		if (g_tel_cmds[i].fn != NULL && strcmp(g_tel_cmds[i].cmd, cmd) == 0)
			break;
	pthread_mutex_lock(&g_tel_lock);
	if (g_tel_obs == NULL)
		snprintf(err, errlen, "weir is not running");
	else if (i == TEL_NCMDS)
		snprintf(err, errlen, "unknown command");
	else
		j = g_tel_cmds[i].fn(g_tel_obs, params, err, errlen);
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
	unsigned int i;
	int ret;

	pthread_mutex_lock(&g_tel_lock);
	g_tel_obs = obs;
	pthread_mutex_unlock(&g_tel_lock);
	if (g_tel_registered)
		return;
	g_tel_registered = 1;
	for (i = 0; i < TEL_NCMDS; i++) {
		if (g_tel_cmds[i].fn == NULL)
			continue;
		ret = rte_telemetry_register_cmd(g_tel_cmds[i].cmd, tel_cb, g_tel_cmds[i].doc);
		if (ret < 0)
			WEIR_LOG(WARNING, ctl, "telemetry: cannot register %s: %s",
				 g_tel_cmds[i].cmd, strerror(-ret));
	}
}

void
weir_telemetry_detach(void)
{
	pthread_mutex_lock(&g_tel_lock);
	g_tel_obs = NULL;
	pthread_mutex_unlock(&g_tel_lock);
}
