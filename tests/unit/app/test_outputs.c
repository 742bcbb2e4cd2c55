/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of app/outputs.c: sinks opened from configuration keys through
 * the one key-to-field table, in a fresh mkdtemp() directory. Each enabling
 * key opens its sink and nothing else, the fields reach the sink (the unix
 * socket's mode, the pcap snaplen as the workers' frame bytes), a bad value
 * fails with the sinks opened so far still closable.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "conf.h"
#include "emitter.h"
#include "outputs.h"
#include "sink.h"
#include "weir_cunit.h"

static char g_dir[64];

struct outputs_fixture {
	struct weir_conf conf;
	struct weir_emitter em;
	struct weir_port port;
	const struct weir_port *ports[1];
	struct weir_sink sinks[WEIR_MAX_SINKS];
	unsigned int n_sinks;
	uint32_t frame_bytes;
};

static int
suite_init(void)
{
	strcpy(g_dir, "/tmp/weir-outputs-XXXXXX");
	return mkdtemp(g_dir) == NULL ? -1 : 0;
}

static int
suite_fini(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Defaults with every sink off, then KEY=VALUE pairs (NULL-terminated). */
static void
fixture_init(struct outputs_fixture *f, ...)
{
	struct weir_diags ds;
	const char *k, *v;
	va_list ap;

	memset(f, 0, sizeof(*f));
	CU_ASSERT_FATAL(weir_diags_init(&ds, 10) == 0);
	CU_ASSERT_FATAL(weir_conf_defaults(&f->conf) == 0);
	CU_ASSERT_FATAL(weir_conf_set(&f->conf, "output.jsonl", "", "test", &ds) == 0);
	va_start(ap, f);
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		CU_ASSERT_FATAL(weir_conf_set(&f->conf, k, v, "test", &ds) == 0);
	}
	va_end(ap);
	weir_diags_free(&ds);
	CU_ASSERT_FATAL(weir_emitter_init(&f->em) == 0);
	f->em.fmt.host = "test-host";
	snprintf(f->port.name, sizeof(f->port.name), "p0");
	f->port.l2 = WEIR_L2_ETH;
	f->ports[0] = &f->port;
}

static int
fixture_open(struct outputs_fixture *f)
{
	return weir_outputs_open(f->sinks, &f->n_sinks, &f->em, &f->conf, f->ports, 1,
				 &f->frame_bytes);
}

static void
fixture_fini(struct outputs_fixture *f)
{
	weir_outputs_close(f->sinks, f->n_sinks, NULL);
	weir_emitter_fini(&f->em);
	weir_conf_free(&f->conf);
}

static void
test_no_key_no_sink(void)
{
	struct outputs_fixture f;

	fixture_init(&f, NULL);
	CU_ASSERT_EQUAL(fixture_open(&f), 0);
	CU_ASSERT_EQUAL(f.n_sinks, 0);
	CU_ASSERT_EQUAL(f.em.n_sinks, 0);
	CU_ASSERT_EQUAL(f.frame_bytes, 0);
	fixture_fini(&f);
}

static void
test_jsonl_key_opens_jsonl(void)
{
	struct outputs_fixture f;
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/eve.json", g_dir);
	fixture_init(&f, "output.jsonl", path, NULL);
	CU_ASSERT_EQUAL(fixture_open(&f), 0);
	CU_ASSERT_EQUAL(f.n_sinks, 1);
	CU_ASSERT_EQUAL(f.em.n_sinks, 1);
	CU_ASSERT_PTR_EQUAL(f.em.sinks[0], &f.sinks[0]);
	CU_ASSERT_STRING_EQUAL(f.sinks[0].name, "jsonl");
	CU_ASSERT_EQUAL(f.frame_bytes, 0);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(weir_outputs_reopen(f.em.sinks, f.em.n_sinks), 0);
	fixture_fini(&f);
}

static void
test_unix_mode_reaches_socket(void)
{
	struct outputs_fixture f;
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/eve.sock", g_dir);
	fixture_init(&f, "outputs.unix.path", path, "outputs.unix.mode", "0604", NULL);
	CU_ASSERT_EQUAL(fixture_open(&f), 0);
	CU_ASSERT_EQUAL(f.n_sinks, 1);
	CU_ASSERT_STRING_EQUAL(f.sinks[0].name, "unix");
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0604);
	fixture_fini(&f);
}

static void
test_bad_unix_mode_refused_after_jsonl(void)
{
	struct outputs_fixture f;
	char jpath[128], upath[128];

	snprintf(jpath, sizeof(jpath), "%s/eve2.json", g_dir);
	snprintf(upath, sizeof(upath), "%s/bad.sock", g_dir);
	fixture_init(&f, "output.jsonl", jpath, "outputs.unix.path", upath, "outputs.unix.mode",
		     "0689", NULL);
	CU_ASSERT_EQUAL(fixture_open(&f), -EINVAL);
	/* jsonl came first and is open: the caller closes it */
	CU_ASSERT_EQUAL(f.n_sinks, 1);
	CU_ASSERT_NOT_EQUAL(access(upath, F_OK), 0);
	fixture_fini(&f);
}

static void
test_pcap_snaplen_is_frame_bytes(void)
{
	struct outputs_fixture f;
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "%s/flagged", g_dir);
	fixture_init(&f, "outputs.pcap.file", prefix, "outputs.pcap.snaplen", "200", NULL);
	CU_ASSERT_EQUAL(fixture_open(&f), 0);
	CU_ASSERT_EQUAL(f.n_sinks, 1);
	CU_ASSERT_STRING_EQUAL(f.sinks[0].name, "pcap");
	CU_ASSERT_EQUAL(f.frame_bytes, 200);
	fixture_fini(&f);
}

static void
test_host_id_wins(void)
{
	struct weir_conf c;
	char host[64];

	CU_ASSERT_FATAL(weir_conf_defaults(&c) == 0);
	free(c.host_id);
	c.host_id = strdup("probe-7");
	CU_ASSERT_FATAL(c.host_id != NULL);
	weir_outputs_host(&c, host, sizeof(host));
	CU_ASSERT_STRING_EQUAL(host, "probe-7");
	weir_conf_free(&c);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("outputs", suite_init, suite_fini);
	CU_ADD_TEST(s, test_no_key_no_sink);
	CU_ADD_TEST(s, test_jsonl_key_opens_jsonl);
	CU_ADD_TEST(s, test_unix_mode_reaches_socket);
	CU_ADD_TEST(s, test_bad_unix_mode_refused_after_jsonl);
	CU_ADD_TEST(s, test_pcap_snaplen_is_frame_bytes);
	CU_ADD_TEST(s, test_host_id_wins);
	return weir_ut_run();
}
