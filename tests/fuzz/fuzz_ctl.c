/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the stats socket's request handling (app/ctl.c,
 * weir_ctl_handle): the bytes a local client sends as one request line.
 * The handler runs over a small fake weir (two workers, one port, three
 * rules), as the control thread would over the real one.
 *
 * Beyond "no crash": every request, however broken, gets exactly one reply
 * line, which is a JSON object carrying schema_version and a boolean "ok";
 * a refused request also carries a non-empty "error" string. A "shutdown"
 * only raises the stop flag, which is put down again for the next input.
 * A "reopen" waits for main's answer, so a thread here plays main's part
 * and answers at once, as main does once per loop round. A "reload"
 * rebuilds the same three-rule file on a real reload thread.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "capture.h"
#include "ctl.h"
#include "emitter.h"
#include "fuzz.h"
#include "obs.h"
#include "rules.h"
#include "rules_int.h"
#include "worker.h"

static struct weir_worker g_w[2];
static struct weir_rxq g_rxq[2];
static struct weir_port g_port;
static struct weir_reloader g_rl;
static struct weir_emitter g_em;
static struct weir_obs g_obs;
static atomic_bool g_stop, g_reopen;
static struct weir_worker *g_wp[2] = {&g_w[0], &g_w[1]};
static const struct weir_port *g_pp[1] = {&g_port};

static int
fuzz_port_stats(const struct weir_port *p, struct weir_port_stats *st)
{
	(void)p;
	st->rx_packets = 12;
	return 0;
}

static const struct weir_capture_ops g_fuzz_ops = {
	.name = "fuzz",
	.stats = fuzz_port_stats,
};

/* Main's side of the reopen hand-shake: answer every request at once. */
static void *
fuzz_main_thread(void *arg)
{
	const struct timespec tick = {.tv_sec = 0, .tv_nsec = 100000};

	(void)arg;
	for (;;) {
		if (atomic_exchange(&g_reopen, false))
			weir_obs_reopen_done(&g_obs, 0);
		nanosleep(&tick, NULL);
	}
	return NULL;
}

static void
fuzz_setup(void)
{
	static char path[64] = "/tmp/weir-fuzz-ctl-XXXXXX.sigs";
	const char *paths[1] = {path};
	struct weir_ruleset_opts o = {.n_workers = 2};
	struct weir_ruleset *rs;
	struct weir_diags ds;
	pthread_t th;
	unsigned int i;
	FILE *f;
	int fd;

	snprintf(g_port.name, sizeof(g_port.name), "fuzz0");
	g_port.ops = &g_fuzz_ops;
	/* the file stays for the run: reloads re-read it */
	fd = mkstemps(path, 5);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL)
		abort();
	fputs("1001:/abc/\n1002:/def/i\n1003:/never/\n", f);
	fclose(f);
	if (weir_diags_init(&ds, 8) != 0)
		abort();
	rs = weir_ruleset_load(paths, 1, &o, &ds);
	weir_diags_free(&ds);
	if (rs == NULL)
		abort();
	rs->w[0].hits[1] = 5;
	rs->w[1].hits[0] = 1;
	if (weir_reloader_init(&g_rl, rs, paths, 1, NULL, 0, NULL, 2) != 0 ||
	    weir_reloader_start(&g_rl, NULL, NULL, NULL) != 0)
		abort();
	for (i = 0; i < 2; i++) {
		g_rxq[i].port = &g_port;
		g_rxq[i].queue_id = (uint16_t)i;
		g_w[i].id = (uint16_t)i;
		g_w[i].rxq[0] = &g_rxq[i];
		g_w[i].n_rxq = 1;
		g_w[i].cur = &g_rxq[i];
		atomic_init(&g_w[i].done, false);
	}
	g_obs.driver = "fuzz";
	g_obs.workers = g_wp;
	g_obs.n_workers = 2;
	g_obs.ports = g_pp;
	g_obs.n_ports = 1;
	g_obs.em = &g_em;
	g_obs.rules = &g_rl;
	g_obs.hz = 1000000000;
	g_obs.stop = &g_stop;
	g_obs.reopen = &g_reopen;
	if (pthread_create(&th, NULL, fuzz_main_thread, NULL) == 0)
		pthread_detach(th);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	json_error_t jerr;
	json_t *rep, *ok, *err;
	char *out;
	size_t n;

	if (!ready) {
		fuzz_setup();
		ready = true;
	}
	atomic_store(&g_stop, false);
	out = weir_ctl_handle(&g_obs, (const char *)data, size);
	FUZZ_CHECK(out != NULL, "no reply to a %zu-byte request", size);
	n = strlen(out);
	FUZZ_CHECK(n > 0 && out[n - 1] == '\n', "reply is not one terminated line");
	FUZZ_CHECK(memchr(out, '\n', n - 1) == NULL, "reply spans several lines");
	rep = json_loadb(out, n, 0, &jerr);
	FUZZ_CHECK(rep != NULL && json_is_object(rep), "reply is not a JSON object: %s", out);
	FUZZ_CHECK(json_is_integer(json_object_get(rep, "schema_version")),
		   "reply lacks schema_version: %s", out);
	ok = json_object_get(rep, "ok");
	FUZZ_CHECK(json_is_boolean(ok), "reply lacks a boolean ok: %s", out);
	if (json_is_false(ok)) {
		err = json_object_get(rep, "error");
		FUZZ_CHECK(json_is_string(err) && json_string_length(err) > 0,
			   "refusal without an error text: %s", out);
	}
	json_decref(rep);
	free(out);
	return 0;
}
