/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for app/conf.c: defaults, YAML loading (nested and flat keys,
 * each error class with its exact message and line), command-line set and
 * clear, the dump -> load round trip, --help, and the vars.* families
 * (NAME=VALUE lists set from YAML mappings and --set vars.GROUP.NAME=...).
 * The unit's .c is included so that static parsers (booleans have no key
 * yet) can be reached. YAML snippets are written to files in a mkdtemp directory.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "weir_cunit.h"

#include "conf.c"

static char g_dir[64];
static unsigned int g_nfiles;

static int
suite_init(void)
{
	snprintf(g_dir, sizeof(g_dir), "/tmp/weir-conf-XXXXXX");
	return mkdtemp(g_dir) == NULL ? -1 : 0;
}

static int
suite_fini(void)
{
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; i < g_nfiles; i++) {
		snprintf(path, sizeof(path), "%s/%u.yaml", g_dir, i);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/dir", g_dir);
	rmdir(path);
	return rmdir(g_dir);
}

/* Write @p text to a fresh file; the path stays valid until the next call. */
static const char *
write_yaml(const char *text)
{
	static char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u.yaml", g_dir, g_nfiles++);
	f = fopen(path, "w");
	WEIR_CU_ASSERT_FATAL(f != NULL);
	fputs(text, f);
	fclose(f);
	return path;
}

/* Defaults, then @p text loaded over them. */
static int
load(const char *text, struct weir_conf *c, struct weir_diags *ds, const char **path)
{
	const char *p = write_yaml(text);

	WEIR_CU_ASSERT_FATAL(weir_conf_defaults(c) == 0);
	WEIR_CU_ASSERT_FATAL(weir_diags_init(ds, 16) == 0);
	if (path != NULL)
		*path = p;
	return weir_conf_load_file(c, p, ds);
}

/* Diagnostic @p i reads exactly "@p file:@p line: @p msg" (line 0: no line). */
static void
check_diag(const struct weir_diags *ds, unsigned int i, const char *file, unsigned int line,
	   const char *msg)
{
	char got[600], want[600];

	CU_ASSERT_FATAL(i < ds->n);
	weir_diag_format(&ds->v[i], got, sizeof(got));
	if (line == 0)
		snprintf(want, sizeof(want), "%s: %s", file, msg);
	else
		snprintf(want, sizeof(want), "%s:%u: %s", file, line, msg);
	if (strcmp(got, want) != 0)
		fprintf(stderr, "\n  got:  %s\n  want: %s\n", got, want);
	CU_ASSERT_STRING_EQUAL(got, want);
}

/* A file holding one error: the load fails with exactly that diagnostic. */
static void
check_load_error(const char *text, unsigned int line, const char *msg)
{
	struct weir_conf c, before;
	struct weir_diags ds;
	const char *path;

	CU_ASSERT_EQUAL(load(text, &c, &ds, &path), -EINVAL);
	CU_ASSERT_EQUAL(ds.total, 1);
	check_diag(&ds, 0, path, line, msg);
	/* All or nothing: the failed load left the defaults in place. */
	CU_ASSERT_FATAL(weir_conf_defaults(&before) == 0);
	CU_ASSERT(weir_conf_equal(&c, &before));
	weir_conf_free(&before);
	weir_conf_free(&c);
	weir_diags_free(&ds);
}

static void
test_defaults_match_spec(void)
{
	struct weir_conf c;

	CU_ASSERT_FATAL(weir_conf_defaults(&c) == 0);
	CU_ASSERT_STRING_EQUAL(c.capture_driver, "auto");
	CU_ASSERT_STRING_EQUAL(c.capture_interface, "0");
	CU_ASSERT_STRING_EQUAL(c.capture_pcap_file, "");
	CU_ASSERT_EQUAL(c.capture_rx_desc, 1024);
	CU_ASSERT_EQUAL(c.capture_mempool, 16383);
	CU_ASSERT_EQUAL(c.capture_count, 0);
	CU_ASSERT_EQUAL(c.workers, 1);
	CU_ASSERT_EQUAL(c.rules_files.n, 0);
	CU_ASSERT(!c.rules_skip_invalid);
	CU_ASSERT_STRING_EQUAL(c.rules_cache_dir, "/var/cache/weir");
	/* Empty: the rule loader applies Suricata's defaults to unset names. */
	CU_ASSERT_EQUAL(c.vars_address_groups.n, 0);
	CU_ASSERT_EQUAL(c.vars_port_groups.n, 0);
	CU_ASSERT_EQUAL(c.events_ring_size, 8192);
	CU_ASSERT_EQUAL(c.events_payload_bytes, 256);
	CU_ASSERT_STRING_EQUAL(c.output_jsonl, "-");
	CU_ASSERT(!c.outputs_flow_records);
	CU_ASSERT(c.outputs_community_id); /* on, unlike Suricata: joining logs is the point */
	CU_ASSERT_EQUAL(c.outputs_community_id_seed, 0);
	CU_ASSERT_EQUAL(c.eal_args.n, 0);
	CU_ASSERT_STRING_EQUAL(c.log_level, "notice");
	weir_conf_free(&c);
}

static void
test_key_table_is_consistent(void)
{
	const struct weir_conf_key *keys;
	unsigned int n, i, j, families = 0;

	keys = weir_conf_keys(&n);
	/* incl. ctl.* (6), metrics.* (3), rules.* (3), vars.* (2),
	 * outputs.flow-records, outputs.community-id(-seed), flow.* (4),
	 * flow-timeouts.* (24), stream.midstream, vlan.use-for-tracking,
	 * runmode, threshold-file, the stream.* keys, outputs.backpressure and
	 * outputs.loss-exit, outputs.kinesis.* (12), outputs.weir-fields,
	 * outputs.rule-metadata and outputs.rule-references, rules.cache-max-entries
	 * and -max-mib, defrag.* (7), decoder.* (10), windows.* (10),
	 * outputs.sensitive-rendering and -hmac-key-file,
	 * stream.idle-compress, outputs.stream-payload-before,
	 * rules.address-split */
	CU_ASSERT_EQUAL(n, 161);
	for (i = 0; i < n; i++) {
		const struct weir_conf_key *k = &keys[i];

		/* A family is a list of NAME=VALUE under a section of its own. */
		if (k->family) {
			families++;
			CU_ASSERT(k->type == WEIR_CT_STRLIST && k->def[0] == '\0');
			CU_ASSERT(strchr(k->name, '.') != NULL);
			CU_ASSERT_EQUAL(conf_family_index(k), families - 1);
		}

		CU_ASSERT(k->doc != NULL && k->doc[0] != '\0');
		/* The dump's comment holds the doc and a summary of 256 at most. */
		CU_ASSERT(strlen(k->doc) + sizeof(" ()") + 256 <= CONF_DOC_MAX);
		CU_ASSERT(k->def != NULL);
		CU_ASSERT(k->offset < sizeof(struct weir_conf));
		CU_ASSERT((k->type == WEIR_CT_ENUM) == (k->enum_vals != NULL));
		if (k->type == WEIR_CT_U32) {
			CU_ASSERT(k->min <= k->max && k->max <= UINT32_MAX);
		}
		/* Each default passes the key's own validation. */
		if (k->type != WEIR_CT_STRLIST) {
			struct weir_conf c = {0};

			CU_ASSERT_EQUAL(weir_conf_set(&c, k->name, k->def, "t", NULL), 0);
			weir_conf_free(&c);
		}
		for (j = 0; j < i; j++)
			CU_ASSERT(strcmp(keys[j].name, k->name) != 0);
		/* A key must not also be a section ("a" and "a.b"). */
		CU_ASSERT(!conf_is_section(k->name));
	}
	CU_ASSERT(families >= 2 && families <= CONF_FAMILY_MAX);
	CU_ASSERT(conf_find("events.payload-bytes")->max == WEIR_EVENT_PAYLOAD_MAX);
}

static void
test_nested_keys_set_fields(void)
{
	struct weir_conf c;
	struct weir_diags ds;

	CU_ASSERT_EQUAL(load("# weir\n"
			     "capture:\n"
			     "  driver: dpdk\n"
			     "  interface: net_pcap0\n"
			     "  rx-descriptors: 2048\n"
			     "  mempool-size: 8191\n"
			     "  count: 4294967295\n"
			     "workers: 4\n"
			     "rules:\n"
			     "  files:\n"
			     "    - a.rules\n"
			     "    - 'b c.rules'\n"
			     "events:\n"
			     "  ring-size: 1024\n"
			     "  payload-bytes: 280\n"
			     "output:\n"
			     "  jsonl: /var/log/eve.json\n"
			     "dpdk:\n"
			     "  eal-args: [\"--vdev\", \"net_null0\"]\n"
			     "log:\n"
			     "  level: debug\n",
			     &c, &ds, NULL),
			0);
	CU_ASSERT_EQUAL(ds.total, 0);
	CU_ASSERT_STRING_EQUAL(c.capture_driver, "dpdk");
	CU_ASSERT_STRING_EQUAL(c.capture_interface, "net_pcap0");
	CU_ASSERT_EQUAL(c.capture_rx_desc, 2048);
	CU_ASSERT_EQUAL(c.capture_mempool, 8191);
	CU_ASSERT_EQUAL(c.capture_count, UINT32_MAX);
	CU_ASSERT_EQUAL(c.workers, 4);
	CU_ASSERT_FATAL(c.rules_files.n == 2);
	CU_ASSERT_STRING_EQUAL(c.rules_files.v[0], "a.rules");
	CU_ASSERT_STRING_EQUAL(c.rules_files.v[1], "b c.rules");
	CU_ASSERT_EQUAL(c.events_ring_size, 1024);
	CU_ASSERT_EQUAL(c.events_payload_bytes, 280);
	CU_ASSERT_STRING_EQUAL(c.output_jsonl, "/var/log/eve.json");
	CU_ASSERT_FATAL(c.eal_args.n == 2);
	CU_ASSERT_STRING_EQUAL(c.eal_args.v[0], "--vdev");
	CU_ASSERT_STRING_EQUAL(c.eal_args.v[1], "net_null0");
	CU_ASSERT_STRING_EQUAL(c.log_level, "debug");
	/* Untouched keys keep their defaults. */
	CU_ASSERT_STRING_EQUAL(c.capture_pcap_file, "");
	weir_conf_free(&c);
	weir_diags_free(&ds);
}

static void
test_flat_dotted_keys_accepted(void)
{
	struct weir_conf c;
	struct weir_diags ds;

	CU_ASSERT_EQUAL(load("capture.driver: pcap\n"
			     "capture.pcap-file: x.pcap\n"
			     "events.ring-size: 0x100\n"
			     "events:\n"
			     "  payload-bytes: 0\n"
			     "rules.files: one.rules\n",
			     &c, &ds, NULL),
			0);
	CU_ASSERT_EQUAL(ds.total, 0);
	CU_ASSERT_STRING_EQUAL(c.capture_driver, "pcap");
	CU_ASSERT_STRING_EQUAL(c.capture_pcap_file, "x.pcap");
	CU_ASSERT_EQUAL(c.events_ring_size, 256);
	CU_ASSERT_EQUAL(c.events_payload_bytes, 0);
	/* A lone scalar for a list key is a one-element list. */
	CU_ASSERT_FATAL(c.rules_files.n == 1);
	CU_ASSERT_STRING_EQUAL(c.rules_files.v[0], "one.rules");
	weir_conf_free(&c);
	weir_diags_free(&ds);
}

static void
test_unknown_key_named_with_suggestion(void)
{
	check_load_error("workers: 2\ncapture:\n  drivr: dpdk\n", 3,
			 "unknown key 'capture.drivr' (did you mean 'capture.driver'?)");
	check_load_error("capture.drivr: dpdk\n", 1,
			 "unknown key 'capture.drivr' (did you mean 'capture.driver'?)");
	check_load_error("captur:\n  driver: dpdk\n", 1,
			 "unknown key 'captur' (did you mean 'capture'?)");
	check_load_error("\n\nbogus: 1\n", 3, "unknown key 'bogus'");
	check_load_error("[1]: 2\n", 1, "a key must be a scalar, got a sequence");
}

static void
test_wrong_type_names_key_and_type(void)
{
	check_load_error("workers:\n  a: 1\n", 1,
			 "workers: expected an integer in [1, 64], got a mapping");
	check_load_error("capture:\n  driver: [dpdk]\n", 2,
			 "capture.driver: expected one of auto, dpdk, pcap, afxdp, got a sequence");
	check_load_error("output:\n  jsonl:\n    - a\n", 2,
			 "output.jsonl: expected a string, got a sequence");
	check_load_error("rules:\n  files: {a: 1}\n", 2,
			 "rules.files: expected a list of strings, got a mapping");
	check_load_error("rules:\n  files:\n    - ok\n    - [a]\n", 4,
			 "rules.files: item 2: expected a string, got a sequence");
	check_load_error("capture: dpdk\n", 1,
			 "capture: expected a mapping of capture.* keys, got a scalar");
	check_load_error("- workers\n", 1,
			 "expected a mapping of keys at top level, got a sequence");
	/* A self-referencing alias is a type error, not endless recursion. */
	check_load_error("capture: &a\n  driver: *a\n", 2,
			 "capture.driver: expected one of auto, dpdk, pcap, afxdp, got a mapping");
}

static void
test_u32_parsing_and_ranges(void)
{
	static const struct {
		const char *key, *val;
		int rc;
		uint32_t want;
		const char *msg;
	} cases[] = {
		{"workers", "64", 0, 64, NULL},
		{"workers", "0x10", 0, 16, NULL},
		{"workers", "0X1f", 0, 31, NULL},
		{"workers", "010", 0, 10, NULL}, /* not octal */
		{"capture.count", "4294967295", 0, UINT32_MAX, NULL},
		{"capture.count", "0", 0, 0, NULL},
		{"workers", "0", -EINVAL, 0, "command line: workers: 0 is out of range [1, 64]"},
		{"workers", "65", -EINVAL, 0, "command line: workers: 65 is out of range [1, 64]"},
		{"workers", "-1", -EINVAL, 0, "command line: workers: -1 is out of range [1, 64]"},
		{"capture.count", "4294967296", -EINVAL, 0,
		 "command line: capture.count: 4294967296 is out of range [0, 4294967295]"},
		{"capture.count", "99999999999999999999999", -EINVAL, 0,
		 "command line: capture.count: 99999999999999999999999 is out of range [0, "
		 "4294967295]"},
		{"capture.rx-descriptors", "0x10", -EINVAL, 0,
		 "command line: capture.rx-descriptors: 0x10 is out of range [64, 32768]"},
		{"workers", "abc", -EINVAL, 0,
		 "command line: workers: 'abc' is not a number (expected an integer in [1, 64])"},
		{"workers", "1.5", -EINVAL, 0,
		 "command line: workers: '1.5' is not a number (expected an integer in [1, 64])"},
		{"workers", "", -EINVAL, 0,
		 "command line: workers: '' is not a number (expected an integer in [1, 64])"},
		{"workers", " 2", -EINVAL, 0,
		 "command line: workers: ' 2' is not a number (expected an integer in [1, 64])"},
		{"workers", "+2", -EINVAL, 0,
		 "command line: workers: '+2' is not a number (expected an integer in [1, 64])"},
		{"workers", "0x", -EINVAL, 0,
		 "command line: workers: '0x' is not a number (expected an integer in [1, 64])"},
		{"workers", "4k", -EINVAL, 0,
		 "command line: workers: '4k' is not a number (expected an integer in [1, 64])"},
	};
	unsigned int i;

	for (i = 0; i < CONF_ARRAY_SIZE(cases); i++) {
		const struct weir_conf_key *k = conf_find(cases[i].key);
		struct weir_conf c;
		struct weir_diags ds;
		char got[600];

		CU_ASSERT_FATAL(k != NULL && weir_conf_defaults(&c) == 0);
		CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
		CU_ASSERT_EQUAL(weir_conf_set(&c, cases[i].key, cases[i].val, "command line", &ds),
				cases[i].rc);
		if (cases[i].rc == 0) {
			CU_ASSERT_EQUAL(*(uint32_t *)conf_field(&c, k), cases[i].want);
			CU_ASSERT_EQUAL(ds.total, 0);
		} else {
			CU_ASSERT_FATAL(ds.n == 1);
			weir_diag_format(&ds.v[0], got, sizeof(got));
			const char *want = cases[i].msg ? cases[i].msg : "";

			if (strcmp(got, want) != 0)
				fprintf(stderr, "\n  got:  %s\n  want: %s\n", got, want);
			CU_ASSERT_STRING_EQUAL(got, want);
		}
		weir_conf_free(&c);
		weir_diags_free(&ds);
	}
	/* The same checks, with a line, from a file. */
	check_load_error("\nworkers: 0\n", 2, "workers: 0 is out of range [1, 64]");
	check_load_error("events:\n  payload-bytes: 281\n", 2,
			 "events.payload-bytes: 281 is out of range [0, 280]");
	check_load_error("workers: \"x\"\n", 1,
			 "workers: 'x' is not a number (expected an integer in [1, 64])");
}

static void
test_enum_rejects_unlisted_value(void)
{
	struct weir_conf c;
	struct weir_diags ds;

	check_load_error("capture:\n  driver: foo\n", 2,
			 "capture.driver: 'foo' is not one of auto, dpdk, pcap, afxdp");
	check_load_error("log.level: DEBUG\n", 1,
			 "log.level: 'DEBUG' is not one of error, warning, notice, info, debug");
	CU_ASSERT_FATAL(weir_conf_defaults(&c) == 0);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "log.level", "warning", "command line", &ds), 0);
	CU_ASSERT_STRING_EQUAL(c.log_level, "warning");
	CU_ASSERT_EQUAL(weir_conf_set(&c, "log.level", "warn", "command line", &ds), -EINVAL);
	CU_ASSERT_STRING_EQUAL(c.log_level, "warning");
	check_diag(&ds, 0, "command line", 0,
		   "log.level: 'warn' is not one of error, warning, notice, info, debug");
	weir_conf_free(&c);
	weir_diags_free(&ds);
}

static void
test_bool_words(void)
{
	static const char *const yes[] = {"true", "yes", "on", "TRUE", "Yes", "ON"};
	static const char *const no[] = {"false", "no", "off", "False", "NO", "Off"};
	static const char *const bad[] = {"", "1", "0", "y", "n", "truex", "enable"};
	unsigned int i;
	bool b;

	for (i = 0; i < CONF_ARRAY_SIZE(yes); i++) {
		b = false;
		CU_ASSERT(conf_parse_bool(yes[i], &b) == 0 && b);
	}
	for (i = 0; i < CONF_ARRAY_SIZE(no); i++) {
		b = true;
		CU_ASSERT(conf_parse_bool(no[i], &b) == 0 && !b);
	}
	for (i = 0; i < CONF_ARRAY_SIZE(bad); i++)
		CU_ASSERT_EQUAL(conf_parse_bool(bad[i], &b), -EINVAL);
}

static void
test_yaml_null_values(void)
{
	struct weir_conf c;
	struct weir_diags ds;

	CU_ASSERT_EQUAL(load("capture:\n"
			     "output:\n"
			     "  jsonl:\n"
			     "capture.pcap-file: 'null'\n"
			     "rules:\n"
			     "  files: ~\n"
			     "dpdk.eal-args:\n"
			     "  - ''\n"
			     "  -\n",
			     &c, &ds, NULL),
			0);
	CU_ASSERT_EQUAL(ds.total, 0);
	CU_ASSERT_STRING_EQUAL(c.output_jsonl, "");
	CU_ASSERT_STRING_EQUAL(c.capture_pcap_file, "null");
	CU_ASSERT_EQUAL(c.rules_files.n, 0);
	CU_ASSERT_FATAL(c.eal_args.n == 2);
	CU_ASSERT_STRING_EQUAL(c.eal_args.v[0], "");
	CU_ASSERT_STRING_EQUAL(c.eal_args.v[1], "");
	weir_conf_free(&c);
	weir_diags_free(&ds);
	check_load_error("workers:\n", 1,
			 "workers: missing value (expected an integer in [1, 64])");
	check_load_error("log:\n  level: ~\n", 2,
			 "log.level: missing value (expected one of error, warning, notice, info, "
			 "debug)");
}

static void
test_all_errors_in_file_reported(void)
{
	struct weir_conf c, before;
	struct weir_diags ds;
	const char *path;

	CU_ASSERT_EQUAL(load("capture:\n"
			     "  driver: foo\n"
			     "  interface: eth0\n"
			     "  rx-descriptors: 1\n"
			     "workerz: 2\n"
			     "workers: 3\n"
			     "events:\n"
			     "  ring-size: lots\n"
			     "output:\n"
			     "  jsonl: [a]\n",
			     &c, &ds, &path),
			-EINVAL);
	CU_ASSERT_EQUAL(ds.total, 5);
	check_diag(&ds, 0, path, 2, "capture.driver: 'foo' is not one of auto, dpdk, pcap, afxdp");
	check_diag(&ds, 1, path, 4, "capture.rx-descriptors: 1 is out of range [64, 32768]");
	check_diag(&ds, 2, path, 5, "unknown key 'workerz' (did you mean 'workers'?)");
	check_diag(&ds, 3, path, 8,
		   "events.ring-size: 'lots' is not a number (expected an integer in [64, "
		   "1048576])");
	check_diag(&ds, 4, path, 10, "output.jsonl: expected a string, got a sequence");
	/* The valid keys of a bad file are not applied either. */
	CU_ASSERT_FATAL(weir_conf_defaults(&before) == 0);
	CU_ASSERT(weir_conf_equal(&c, &before));
	CU_ASSERT_EQUAL(c.workers, 1);
	weir_conf_free(&before);
	weir_conf_free(&c);
	weir_diags_free(&ds);

	/* Without a diagnostics list the result is the same. */
	CU_ASSERT_FATAL(weir_conf_defaults(&c) == 0);
	CU_ASSERT_EQUAL(weir_conf_load_file(&c, path, NULL), -EINVAL);
	weir_conf_free(&c);
}

static void
test_duplicate_key_names_both_lines(void)
{
	struct weir_conf c;
	struct weir_diags ds;
	const char *path;

	CU_ASSERT_EQUAL(load("workers: 2\n"
			     "capture:\n"
			     "  driver: dpdk\n"
			     "workers: 3\n"
			     "capture.driver: pcap\n",
			     &c, &ds, &path),
			-EINVAL);
	CU_ASSERT_EQUAL(ds.total, 2);
	check_diag(&ds, 0, path, 4, "duplicate key 'workers' (first set at line 1)");
	check_diag(&ds, 1, path, 5, "duplicate key 'capture.driver' (first set at line 3)");
	weir_conf_free(&c);
	weir_diags_free(&ds);
}

static void
test_command_line_overrides_file(void)
{
	struct weir_conf c;
	struct weir_diags ds;

	CU_ASSERT_EQUAL(load("workers: 4\nrules:\n  files: [a.rules]\n", &c, &ds, NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "workers", "8", "command line", &ds), 0);
	CU_ASSERT_EQUAL(c.workers, 8);
	/* A list key appends to the file's list... */
	CU_ASSERT_EQUAL(weir_conf_set(&c, "rules.files", "b.rules", "command line", &ds), 0);
	CU_ASSERT_FATAL(c.rules_files.n == 2);
	CU_ASSERT_STRING_EQUAL(c.rules_files.v[1], "b.rules");
	/* ...unless it was cleared first (-S replaces the file's rules). */
	CU_ASSERT_EQUAL(weir_conf_clear(&c, "rules.files"), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "rules.files", "c.rules", "command line", &ds), 0);
	CU_ASSERT_FATAL(c.rules_files.n == 1);
	CU_ASSERT_STRING_EQUAL(c.rules_files.v[0], "c.rules");
	CU_ASSERT_EQUAL(ds.total, 0);
	weir_conf_free(&c);
	weir_diags_free(&ds);
}

static void
test_set_rejects_unknown_key_and_bad_text(void)
{
	struct weir_conf c;
	struct weir_diags ds;

	CU_ASSERT_FATAL(weir_conf_defaults(&c) == 0);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 8) == 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "worker", "2", "command line", &ds), -ENOENT);
	check_diag(&ds, 0, "command line", 0, "unknown key 'worker' (did you mean 'workers'?)");
	CU_ASSERT_EQUAL(weir_conf_set(&c, "output.jsonl", "a\xff", "command line", &ds), -EINVAL);
	check_diag(&ds, 1, "command line", 0, "output.jsonl: value is not valid UTF-8");
	/* Overlong encoding and a lone surrogate are not UTF-8 either. */
	CU_ASSERT_EQUAL(weir_conf_set(&c, "output.jsonl", "\xc0\xaf", "x", NULL), -EINVAL);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "output.jsonl", "\xed\xa0\x80", "x", NULL), -EINVAL);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "output.jsonl", "\xe2\x82", "x", NULL), -EINVAL);
	CU_ASSERT_STRING_EQUAL(c.output_jsonl, "-");
	CU_ASSERT_EQUAL(
		weir_conf_set(&c, "output.jsonl", "caf\xc3\xa9 \xf0\x9f\x90\x9f", "x", NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "workers", NULL, "x", NULL), -EINVAL);
	CU_ASSERT_EQUAL(weir_conf_clear(&c, "workers"), -EINVAL);
	CU_ASSERT_EQUAL(weir_conf_clear(&c, "nope"), -ENOENT);
	weir_conf_free(&c);
	weir_diags_free(&ds);
}

static void
test_list_append_is_bounded(void)
{
	struct weir_conf c;
	struct weir_diags ds;
	char text[64 * 16 + 64], *p = text;
	const char *path;
	unsigned int i;

	CU_ASSERT_FATAL(weir_conf_defaults(&c) == 0);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	for (i = 0; i < WEIR_CONF_LIST_MAX; i++)
		CU_ASSERT_EQUAL(weir_conf_set(&c, "dpdk.eal-args", "-v", "command line", &ds), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "dpdk.eal-args", "-v", "command line", &ds), -E2BIG);
	CU_ASSERT_EQUAL(c.eal_args.n, WEIR_CONF_LIST_MAX);
	check_diag(&ds, 0, "command line", 0, "dpdk.eal-args: too many values (at most 64)");
	CU_ASSERT_EQUAL(weir_conf_clear(&c, "dpdk.eal-args"), 0);
	CU_ASSERT_EQUAL(c.eal_args.n, 0);
	weir_conf_free(&c);
	weir_diags_free(&ds);

	/* 65 items in a file: one error, at the 65th item's line. */
	p += sprintf(p, "rules:\n  files:\n");
	for (i = 0; i <= WEIR_CONF_LIST_MAX; i++)
		p += sprintf(p, "    - r%u\n", i);
	CU_ASSERT_EQUAL(load(text, &c, &ds, &path), -EINVAL);
	CU_ASSERT_EQUAL(ds.total, 1);
	check_diag(&ds, 0, path, 3 + WEIR_CONF_LIST_MAX,
		   "rules.files: too many values (at most 64)");
	weir_conf_free(&c);
	weir_diags_free(&ds);
}

/* Dump @p c to a file and load it over fresh defaults: must be equal. */
static void
check_round_trip(const struct weir_conf *c)
{
	char path[PATH_MAX], line[512];
	struct weir_conf back;
	struct weir_diags ds;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%u.yaml", g_dir, g_nfiles++);
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(weir_conf_dump(c, f), 0);
	fclose(f);
	CU_ASSERT_FATAL(weir_conf_defaults(&back) == 0);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 8) == 0);
	CU_ASSERT_EQUAL(weir_conf_load_file(&back, path, &ds), 0);
	for (unsigned int i = 0; i < ds.n; i++) {
		weir_diag_format(&ds.v[i], line, sizeof(line));
		fprintf(stderr, "\n  %s", line);
	}
	CU_ASSERT_EQUAL(ds.total, 0);
	CU_ASSERT(weir_conf_equal(c, &back));
	/* Comment lines keep to 80 columns. */
	f = fopen(path, "r");
	CU_ASSERT_FATAL(f != NULL);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strchr(line, '#') != NULL && line[strspn(line, " ")] == '#')
			CU_ASSERT(strlen(line) <= 81);
	fclose(f);
	weir_conf_free(&back);
	weir_diags_free(&ds);
}

static void
test_dump_loads_back_equal(void)
{
	static const char *const tricky[] = {
		"plain",
		"",
		"-",
		"null",
		"~",
		"yes",
		"0x10",
		"with \"quotes\" and \\backslash\\",
		"# not a comment",
		"key: value",
		" leading and trailing ",
		"line\nbreak\ttab\rcr",
		"\x01\x1f\x7f",
		"caf\xc3\xa9 \xf0\x9f\x90\x9f",
		"nel\xc2\x85 c1\xc2\x80 ls\xe2\x80\xa8 ps\xe2\x80\xa9 nc\xef\xbf\xbe\xef\xbf\xbf",
		"[not, a, list]",
		"{not: a map}",
		"&anchor *alias !tag",
		"'single'",
	};
	struct weir_conf c;
	unsigned int i;

	CU_ASSERT_FATAL(weir_conf_defaults(&c) == 0);
	check_round_trip(&c);

	CU_ASSERT_EQUAL(weir_conf_set(&c, "capture.driver", "pcap", "t", NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "capture.count", "4294967295", "t", NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "workers", "64", "t", NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "events.payload-bytes", "0", "t", NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "log.level", "error", "t", NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "output.jsonl", "", "t", NULL), 0);
	for (i = 0; i < CONF_ARRAY_SIZE(tricky); i++)
		CU_ASSERT_EQUAL(weir_conf_set(&c, "rules.files", tricky[i], "t", NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "capture.pcap-file", tricky[11], "t", NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "capture.interface", tricky[14], "t", NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "dpdk.eal-args", "--vdev", "t", NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "dpdk.eal-args", "net_null0", "t", NULL), 0);
	check_round_trip(&c);
	weir_conf_free(&c);
}

static void
test_dump_layout_is_nested_and_commented(void)
{
	struct weir_conf c;
	char *buf = NULL, *p;
	size_t len = 0;
	FILE *f;

	CU_ASSERT_FATAL(weir_conf_defaults(&c) == 0);
	f = open_memstream(&buf, &len);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(weir_conf_dump(&c, f), 0);
	fclose(f);
	CU_ASSERT(strstr(buf, "\ncapture:\n  # Capture driver; auto = pcap when") != NULL);
	CU_ASSERT(strstr(buf, "default auto)\n  driver: \"auto\"\n") != NULL);
	CU_ASSERT(strstr(buf, "\n# Worker lcores. Run mode workers:") != NULL);
	CU_ASSERT(strstr(buf, "default\n# 1)\nworkers: 1\n") != NULL);
	CU_ASSERT(strstr(buf,
			 "(one of auto | workers | pipeline, default auto)\nrunmode: \"auto\"\n") !=
		  NULL);
	CU_ASSERT(strstr(buf, "\n  files: []\n") != NULL);
	/* Each section is opened once. */
	p = strstr(buf, "\ncapture:\n");
	CU_ASSERT(p != NULL && strstr(p + 1, "\ncapture:\n") == NULL);
	free(buf);
	weir_conf_free(&c);
}

static void
test_equal_sees_every_difference(void)
{
	struct weir_conf a, b;

	CU_ASSERT_FATAL(weir_conf_defaults(&a) == 0 && weir_conf_defaults(&b) == 0);
	CU_ASSERT(weir_conf_equal(&a, &b));
	CU_ASSERT_EQUAL(weir_conf_set(&b, "workers", "2", "t", NULL), 0);
	CU_ASSERT(!weir_conf_equal(&a, &b));
	CU_ASSERT_EQUAL(weir_conf_set(&b, "workers", "1", "t", NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&b, "dpdk.eal-args", "x", "t", NULL), 0);
	CU_ASSERT(!weir_conf_equal(&a, &b));
	CU_ASSERT_EQUAL(weir_conf_set(&a, "dpdk.eal-args", "y", "t", NULL), 0);
	CU_ASSERT(!weir_conf_equal(&a, &b));
	CU_ASSERT_EQUAL(weir_conf_set(&a, "log.level", "info", "t", NULL), 0);
	CU_ASSERT(!weir_conf_equal(&a, &b));
	weir_conf_free(&a);
	weir_conf_free(&b);
}

/*
 * A malloc'ed copy of wrapped text with each line break, the indent after
 * it and a comment's "# " turned into one space, so that a test can look
 * for a sentence wherever the lines were broken.
 */
static char *
flatten(const char *in)
{
	char *out = malloc(strlen(in) + 1), *o = out;

	CU_ASSERT_FATAL(out != NULL);
	while (*in != '\0') {
		if (*in == '\n') {
			in++;
			in += strspn(in, " ");
			if (in[0] == '#' && in[1] == ' ')
				in += 2;
			*o++ = ' ';
			continue;
		}
		*o++ = *in++;
	}
	*o = '\0';
	return out;
}

/* Member @p i of family list @p l reads "@p want". */
static void
check_var(const struct weir_strlist *l, unsigned int i, const char *want)
{
	CU_ASSERT_FATAL(i < l->n);
	if (strcmp(l->v[i], want) != 0)
		fprintf(stderr, "\n  got:  %s\n  want: %s\n", l->v[i], want);
	CU_ASSERT_STRING_EQUAL(l->v[i], want);
}

static void
test_vars_from_yaml_string_and_list(void)
{
	struct weir_conf c;
	struct weir_diags ds;

	CU_ASSERT_EQUAL(load("vars:\n"
			     "  address-groups:\n"
			     "    HOME_NET: \"[10.0.0.0/8,192.168.0.0/16]\"\n"
			     "    EXTERNAL_NET: \"!$HOME_NET\"\n"
			     "    DNS_SERVERS:\n"
			     "      - 10.0.0.53\n"
			     "      - \"10.0.1.53\"\n"
			     "    _x9: [a, '$HOME_NET', \"!1.2.3.4\"]\n"
			     "    EMPTY: []\n"
			     "    NOTHING:\n"
			     "  port-groups:\n"
			     "    HTTP_PORTS: 80\n"
			     "    SHELLCODE_PORTS: \"!80\"\n"
			     "    WEB: [80, 443, \"8000:8100\"]\n"
			     "vars.port-groups.SSH_PORTS: 22\n"
			     "vars.address-groups:\n"
			     "  SQL_SERVERS: $HOME_NET\n",
			     &c, &ds, NULL),
			0);
	CU_ASSERT_EQUAL(ds.total, 0);
	CU_ASSERT_EQUAL(c.vars_address_groups.n, 7);
	check_var(&c.vars_address_groups, 0, "HOME_NET=[10.0.0.0/8,192.168.0.0/16]");
	check_var(&c.vars_address_groups, 1, "EXTERNAL_NET=!$HOME_NET");
	check_var(&c.vars_address_groups, 2, "DNS_SERVERS=[10.0.0.53,10.0.1.53]");
	check_var(&c.vars_address_groups, 3, "_x9=[a,$HOME_NET,!1.2.3.4]");
	check_var(&c.vars_address_groups, 4, "EMPTY=[]");
	check_var(&c.vars_address_groups, 5, "NOTHING=");
	check_var(&c.vars_address_groups, 6, "SQL_SERVERS=$HOME_NET");
	CU_ASSERT_EQUAL(c.vars_port_groups.n, 4);
	check_var(&c.vars_port_groups, 0, "HTTP_PORTS=80");
	check_var(&c.vars_port_groups, 1, "SHELLCODE_PORTS=!80");
	check_var(&c.vars_port_groups, 2, "WEB=[80,443,8000:8100]");
	check_var(&c.vars_port_groups, 3, "SSH_PORTS=22");
	CU_ASSERT_STRING_EQUAL(weir_conf_var_get(&c.vars_address_groups, "HOME_NET"),
			       "[10.0.0.0/8,192.168.0.0/16]");
	CU_ASSERT_STRING_EQUAL(weir_conf_var_get(&c.vars_address_groups, "NOTHING"), "");
	CU_ASSERT_STRING_EQUAL(weir_conf_var_get(&c.vars_port_groups, "SSH_PORTS"), "22");
	CU_ASSERT(weir_conf_var_get(&c.vars_address_groups, "HOME") == NULL);
	CU_ASSERT(weir_conf_var_get(&c.vars_address_groups, "HOME_NET=[10.0.0.0/8") == NULL);
	CU_ASSERT(weir_conf_var_get(&c.vars_port_groups, "HOME_NET") == NULL);
	/* Other keys are untouched. */
	CU_ASSERT_EQUAL(c.workers, 1);
	weir_conf_free(&c);
	weir_diags_free(&ds);
}

static void
test_vars_set_overrides_file(void)
{
	struct weir_conf c, before;
	struct weir_diags ds;
	const char *path;

	CU_ASSERT_EQUAL(load("vars:\n"
			     "  address-groups:\n"
			     "    HOME_NET: \"[192.168.0.0/16]\"\n"
			     "    EXTERNAL_NET: any\n"
			     "  port-groups: {HTTP_PORTS: \"80\"}\n",
			     &c, &ds, &path),
			0);
	/* The same name again replaces the value and keeps its place. */
	CU_ASSERT_EQUAL(weir_conf_set(&c, "vars.address-groups.HOME_NET", "[10.0.0.0/8]",
				      "command line", &ds),
			0);
	CU_ASSERT_EQUAL(c.vars_address_groups.n, 2);
	check_var(&c.vars_address_groups, 0, "HOME_NET=[10.0.0.0/8]");
	check_var(&c.vars_address_groups, 1, "EXTERNAL_NET=any");
	/* A new name is appended. */
	CU_ASSERT_EQUAL(
		weir_conf_set(&c, "vars.port-groups.SSH_PORTS", "[22,2222]", "command line", &ds),
		0);
	CU_ASSERT_EQUAL(c.vars_port_groups.n, 2);
	check_var(&c.vars_port_groups, 0, "HTTP_PORTS=80");
	check_var(&c.vars_port_groups, 1, "SSH_PORTS=[22,2222]");
	/* A value may hold '=' and spaces. */
	CU_ASSERT_EQUAL(weir_conf_set(&c, "vars.port-groups.X", "a = b", "command line", &ds), 0);
	CU_ASSERT_STRING_EQUAL(weir_conf_var_get(&c.vars_port_groups, "X"), "a = b");
	CU_ASSERT_EQUAL(ds.total, 0);

	/* Errors leave the configuration as it was. */
	CU_ASSERT_FATAL(conf_copy(&before, &c) == 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "vars.address-groups.HOME-NET", "x", "command line", &ds),
			-EINVAL);
	check_diag(&ds, 0, "command line", 0,
		   "vars.address-groups: 'HOME-NET' is not a variable name (expected "
		   "[A-Za-z_][A-Za-z0-9_]*, at most 64 characters)");
	CU_ASSERT_EQUAL(weir_conf_set(&c, "vars.address-groups.", "x", "command line", &ds),
			-EINVAL);
	check_diag(&ds, 1, "command line", 0,
		   "vars.address-groups: '' is not a variable name (expected "
		   "[A-Za-z_][A-Za-z0-9_]*, at most 64 characters)");
	CU_ASSERT_EQUAL(
		weir_conf_set(&c, "vars.address-groups.HOME_NET.x", "x", "command line", &ds),
		-EINVAL);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "vars.address-groups", "HOME_NET=x", "command line", &ds),
			-EINVAL);
	check_diag(&ds, 3, "command line", 0,
		   "vars.address-groups: name the variable: vars.address-groups.NAME=VALUE");
	CU_ASSERT_EQUAL(weir_conf_set(&c, "vars.port-groups.P", "\xff", "command line", &ds),
			-EINVAL);
	check_diag(&ds, 4, "command line", 0, "vars.port-groups.P: value is not valid UTF-8");
	CU_ASSERT_EQUAL(weir_conf_set(&c, "vars.foo.X", "1", "command line", &ds), -ENOENT);
	check_diag(&ds, 5, "command line", 0,
		   "unknown key 'vars.foo.X' (expected vars.address-groups.NAME or "
		   "vars.port-groups.NAME)");
	CU_ASSERT(weir_conf_equal(&c, &before));
	weir_conf_free(&before);

	/* Clearing a family empties it. */
	CU_ASSERT_EQUAL(weir_conf_clear(&c, "vars.address-groups"), 0);
	CU_ASSERT_EQUAL(c.vars_address_groups.n, 0);
	CU_ASSERT_EQUAL(c.vars_port_groups.n, 3);

	/* A file loaded over --set values merges by name. */
	CU_ASSERT_EQUAL(weir_conf_load_file(&c, path, &ds), 0);
	CU_ASSERT_EQUAL(c.vars_port_groups.n, 3);
	check_var(&c.vars_port_groups, 0, "HTTP_PORTS=80");
	check_var(&c.vars_address_groups, 0, "HOME_NET=[192.168.0.0/16]");
	weir_conf_free(&c);
	weir_diags_free(&ds);
}

static void
test_vars_errors_name_the_line(void)
{
	check_load_error("workers: 2\n"
			 "vars:\n"
			 "  address-groups:\n"
			 "    HOME_NET: any\n"
			 "    1BAD: \"[1.2.3.4]\"\n",
			 5,
			 "vars.address-groups: '1BAD' is not a variable name (expected "
			 "[A-Za-z_][A-Za-z0-9_]*, at most 64 characters)");
	check_load_error("\nvars.port-groups.HTTP-PORTS: 80\n", 2,
			 "vars.port-groups: 'HTTP-PORTS' is not a variable name (expected "
			 "[A-Za-z_][A-Za-z0-9_]*, at most 64 characters)");
	check_load_error("vars:\n  port-groups:\n    "
			 "A2345678901234567890123456789012345678901234567890123456789012345: 1\n",
			 3,
			 "vars.port-groups: "
			 "'A234567890123456789012345678901234567890123456789012345678901234' is "
			 "not a variable name (expected [A-Za-z_][A-Za-z0-9_]*, at most 64 "
			 "characters)");
	check_load_error("vars:\n  address-groups:\n    \"\": x\n", 3,
			 "vars.address-groups: '' is not a variable name (expected "
			 "[A-Za-z_][A-Za-z0-9_]*, at most 64 characters)");
	check_load_error("vars:\n  address-groups:\n    [A]: x\n", 3,
			 "a key must be a scalar, got a sequence");
	/* Unknown sub-sections of vars, nested, flat, and misspelt. */
	check_load_error("vars:\n  foo:\n    X: 1\n", 2,
			 "unknown key 'vars.foo' (expected vars.address-groups.NAME or "
			 "vars.port-groups.NAME)");
	check_load_error("workers: 1\nvars.foo.X: 1\n", 2,
			 "unknown key 'vars.foo.X' (expected vars.address-groups.NAME or "
			 "vars.port-groups.NAME)");
	check_load_error("vars:\n  adress-groups:\n    HOME_NET: any\n", 2,
			 "unknown key 'vars.adress-groups' (did you mean 'vars.address-groups'?)");
	check_load_error("vars.port-group.HTTP_PORTS: 80\n", 1,
			 "unknown key 'vars.port-group.HTTP_PORTS' (did you mean "
			 "'vars.port-groups.HTTP_PORTS'?)");
	check_load_error("varz:\n  port-groups: {}\n", 1,
			 "unknown key 'varz' (did you mean 'vars'?)");
	/* Wrong shapes. */
	check_load_error("vars:\n  address-groups: [a, b]\n", 2,
			 "vars.address-groups: expected a mapping of NAME: value, got a sequence");
	check_load_error("vars:\n  address-groups: any\n", 2,
			 "vars.address-groups: expected a mapping of NAME: value, got a scalar");
	check_load_error("vars: [a]\n", 1,
			 "vars: expected a mapping of vars.* keys, got a sequence");
	check_load_error(
		"vars:\n  address-groups:\n    HOME_NET: {a: 1}\n", 3,
		"vars.address-groups.HOME_NET: expected a string or a list of strings, got "
		"a mapping");
	check_load_error("vars:\n  address-groups:\n    HOME_NET:\n      - a\n      - [b]\n", 5,
			 "vars.address-groups.HOME_NET: item 2: expected a string, got a sequence");
	check_load_error("vars:\n  address-groups:\n    HOME_NET:\n      - a\n      -\n", 5,
			 "vars.address-groups.HOME_NET: item 2: missing value");
	check_load_error("vars:\n  address-groups:\n    HOME_NET: \"a\\0b\"\n", 3,
			 "vars.address-groups.HOME_NET: value contains a NUL byte");
	/* A self-referencing alias is a type error, not endless recursion. */
	check_load_error("vars:\n  address-groups: &a\n    X: *a\n", 3,
			 "vars.address-groups.X: expected a string or a list of strings, got a "
			 "mapping");
	check_load_error("vars:\n  port-groups:\n    X: &s [1, *s]\n", 3,
			 "vars.port-groups.X: item 2: expected a string, got a sequence");
	/* A member set twice in one file, in any spelling. */
	check_load_error("vars:\n"
			 "  address-groups:\n"
			 "    HOME_NET: a\n"
			 "vars.address-groups.EXTERNAL_NET: b\n"
			 "vars.address-groups.HOME_NET: c\n",
			 5, "duplicate key 'vars.address-groups.HOME_NET' (first set at line 3)");
}

static void
test_vars_all_errors_and_limit(void)
{
	struct weir_conf c, before;
	struct weir_diags ds;
	char text[64 * 16 + 64], *p = text, name[32];
	const char *path;
	unsigned int i;

	/* Every bad member is reported; the good ones are not applied. */
	CU_ASSERT_EQUAL(load("vars:\n"
			     "  address-groups:\n"
			     "    GOOD: any\n"
			     "    9X: a\n"
			     "  bogus: {}\n"
			     "  port-groups:\n"
			     "    P: {}\n",
			     &c, &ds, &path),
			-EINVAL);
	CU_ASSERT_EQUAL(ds.total, 3);
	check_diag(&ds, 0, path, 4,
		   "vars.address-groups: '9X' is not a variable name (expected "
		   "[A-Za-z_][A-Za-z0-9_]*, at most 64 characters)");
	check_diag(&ds, 1, path, 5,
		   "unknown key 'vars.bogus' (expected vars.address-groups.NAME or "
		   "vars.port-groups.NAME)");
	check_diag(&ds, 2, path, 7,
		   "vars.port-groups.P: expected a string or a list of strings, got a mapping");
	CU_ASSERT_EQUAL(c.vars_address_groups.n, 0);
	weir_conf_free(&c);
	weir_diags_free(&ds);

	/* 64 names fit, the 65th does not; replacing one still works. */
	CU_ASSERT_FATAL(weir_conf_defaults(&c) == 0);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	for (i = 0; i < WEIR_CONF_LIST_MAX; i++) {
		snprintf(name, sizeof(name), "vars.port-groups.P%u", i);
		CU_ASSERT_EQUAL(weir_conf_set(&c, name, "1", "command line", &ds), 0);
	}
	CU_ASSERT_EQUAL(weir_conf_set(&c, "vars.port-groups.Q", "1", "command line", &ds), -E2BIG);
	check_diag(&ds, 0, "command line", 0, "vars.port-groups: too many names (at most 64)");
	CU_ASSERT_EQUAL(weir_conf_set(&c, "vars.port-groups.P7", "2", "command line", &ds), 0);
	check_var(&c.vars_port_groups, 7, "P7=2");
	CU_ASSERT_EQUAL(c.vars_port_groups.n, WEIR_CONF_LIST_MAX);
	weir_conf_free(&c);
	weir_diags_free(&ds);

	p += sprintf(p, "vars:\n  port-groups:\n");
	for (i = 0; i <= WEIR_CONF_LIST_MAX; i++)
		p += sprintf(p, "    P%u: %u\n", i, i);
	CU_ASSERT_EQUAL(load(text, &c, &ds, &path), -EINVAL);
	CU_ASSERT_EQUAL(ds.total, 1);
	check_diag(&ds, 0, path, 3 + WEIR_CONF_LIST_MAX,
		   "vars.port-groups: too many names (at most 64)");
	CU_ASSERT_FATAL(weir_conf_defaults(&before) == 0);
	CU_ASSERT(weir_conf_equal(&c, &before));
	weir_conf_free(&before);
	weir_conf_free(&c);
	weir_diags_free(&ds);
}

static void
test_vars_dump_round_trip(void)
{
	struct weir_conf c, back;
	struct weir_diags ds;
	char *buf = NULL, *flat, path[PATH_MAX];
	size_t len = 0;
	FILE *f;

	CU_ASSERT_FATAL(weir_conf_defaults(&c) == 0);
	/* Empty families dump as {} and load back. */
	f = open_memstream(&buf, &len);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(weir_conf_dump(&c, f), 0);
	fclose(f);
	CU_ASSERT(strstr(buf, "\n  address-groups: {}\n") != NULL);
	CU_ASSERT(strstr(buf, "\n  port-groups: {}\n") != NULL);
	CU_ASSERT(strstr(buf, "\n  skip-invalid: false\n") != NULL);
	CU_ASSERT(strstr(buf, "\n  cache-dir: \"/var/cache/weir\"\n") != NULL);
	free(buf);
	buf = NULL;
	check_round_trip(&c);

	CU_ASSERT_EQUAL(weir_conf_set(&c, "rules.skip-invalid", "yes", "t", NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "rules.cache-dir", "", "t", NULL), 0);
	CU_ASSERT_EQUAL(
		weir_conf_set(&c, "vars.address-groups.HOME_NET", "[10.0.0.0/8]", "t", NULL), 0);
	CU_ASSERT_EQUAL(
		weir_conf_set(&c, "vars.address-groups.EXTERNAL_NET", "!$HOME_NET", "t", NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "vars.address-groups.null", "", "t", NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "vars.address-groups.yes", "~", "t", NULL), 0);
	CU_ASSERT_EQUAL(
		weir_conf_set(&c, "vars.address-groups.Q", "a \"q\" \\ #x\n&y: *z", "t", NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "vars.port-groups.HTTP_PORTS", "[80,8080]", "t", NULL),
			0);
	CU_ASSERT_EQUAL(
		weir_conf_set(&c, "vars.port-groups.U", "caf\xc3\xa9 \xe2\x80\xa8", "t", NULL), 0);
	f = open_memstream(&buf, &len);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(weir_conf_dump(&c, f), 0);
	fclose(f);
	/* Under vars:, in order, each family after its doc. */
	CU_ASSERT(strstr(buf, "\n  skip-invalid: true\n") != NULL);
	CU_ASSERT(strstr(buf, "\n  cache-dir: \"\"\n") != NULL);
	CU_ASSERT(strstr(buf, "default empty)\n"
			      "  address-groups:\n"
			      "    HOME_NET: \"[10.0.0.0/8]\"\n"
			      "    EXTERNAL_NET: \"!$HOME_NET\"\n"
			      "    null: \"\"\n"
			      "    yes: \"~\"\n"
			      "    Q: \"a \\\"q\\\" \\\\ #x\\n&y: *z\"\n") != NULL);
	CU_ASSERT(strstr(buf, "  port-groups:\n"
			      "    HTTP_PORTS: \"[80,8080]\"\n"
			      "    U: \"caf\xc3\xa9 \\u2028\"\n") != NULL);
	CU_ASSERT(strstr(buf, "\nvars:\n  # Address variables") != NULL);
	flat = flatten(buf);
	CU_ASSERT(strstr(flat, "ENIP_SERVER. Values are checked when the rules load. (mapping of "
			       "NAME: string or list, default empty) address-groups:") != NULL);
	CU_ASSERT(strstr(flat,
			 "TEREDO_PORTS 3544. Values are checked when the rules load. "
			 "(mapping of NAME: string or list, default empty) port-groups:") != NULL);
	free(flat);
	free(buf);
	check_round_trip(&c);

	/* The dump loaded over a configuration with other vars merges. */
	snprintf(path, sizeof(path), "%s/%u.yaml", g_dir, g_nfiles++);
	f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(weir_conf_dump(&c, f), 0);
	fclose(f);
	CU_ASSERT_FATAL(weir_conf_defaults(&back) == 0);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	CU_ASSERT_EQUAL(weir_conf_set(&back, "vars.port-groups.HTTP_PORTS", "1", "t", NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_set(&back, "vars.port-groups.OTHER", "2", "t", NULL), 0);
	CU_ASSERT_EQUAL(weir_conf_load_file(&back, path, &ds), 0);
	CU_ASSERT_EQUAL(back.vars_port_groups.n, 3);
	check_var(&back.vars_port_groups, 0, "HTTP_PORTS=[80,8080]");
	check_var(&back.vars_port_groups, 1, "OTHER=2");
	CU_ASSERT(!weir_conf_equal(&c, &back));
	weir_conf_free(&back);
	weir_diags_free(&ds);
	weir_conf_free(&c);
}

static void
test_rules_keys(void)
{
	struct weir_conf c;
	struct weir_diags ds;

	CU_ASSERT_EQUAL(load("rules:\n"
			     "  files: [a.rules, b.sigs]\n"
			     "  skip-invalid: on\n"
			     "  cache-dir: /tmp/weir-cache\n",
			     &c, &ds, NULL),
			0);
	CU_ASSERT(c.rules_skip_invalid);
	CU_ASSERT_STRING_EQUAL(c.rules_cache_dir, "/tmp/weir-cache");
	CU_ASSERT_EQUAL(weir_conf_set(&c, "rules.cache-dir", "", "command line", &ds), 0);
	CU_ASSERT_STRING_EQUAL(c.rules_cache_dir, "");
	CU_ASSERT_EQUAL(weir_conf_set(&c, "rules.skip-invalid", "false", "command line", &ds), 0);
	CU_ASSERT(!c.rules_skip_invalid);
	CU_ASSERT_EQUAL(ds.total, 0);
	weir_conf_free(&c);
	weir_diags_free(&ds);
	check_load_error("rules:\n  skip-invalid: 1\n", 2,
			 "rules.skip-invalid: '1' is not a boolean (true/false, yes/no, on/off)");
	check_load_error("rules:\n  cache-dir: [a]\n", 2,
			 "rules.cache-dir: expected a string, got a sequence");
	check_load_error("rules.skip-invalids: true\n", 1,
			 "unknown key 'rules.skip-invalids' (did you mean 'rules.skip-invalid'?)");
}

static void
test_equal_sees_vars(void)
{
	struct weir_conf a, b;

	CU_ASSERT_FATAL(weir_conf_defaults(&a) == 0 && weir_conf_defaults(&b) == 0);
	CU_ASSERT_EQUAL(weir_conf_set(&a, "vars.address-groups.A", "1", "t", NULL), 0);
	CU_ASSERT(!weir_conf_equal(&a, &b));
	CU_ASSERT_EQUAL(weir_conf_set(&b, "vars.address-groups.A", "2", "t", NULL), 0);
	CU_ASSERT(!weir_conf_equal(&a, &b));
	CU_ASSERT_EQUAL(weir_conf_set(&b, "vars.address-groups.A", "1", "t", NULL), 0);
	CU_ASSERT(weir_conf_equal(&a, &b));
	/* The same name in the other family is another variable. */
	CU_ASSERT_EQUAL(weir_conf_set(&b, "vars.port-groups.A", "1", "t", NULL), 0);
	CU_ASSERT(!weir_conf_equal(&a, &b));
	weir_conf_free(&a);
	weir_conf_free(&b);
}

static void
test_empty_and_comment_only_files_give_defaults(void)
{
	static const char *const texts[] = {"", "# only a comment\n\n   # another\n", "---\n",
					    "~\n", "\n\n"};
	struct weir_conf c, def;
	struct weir_diags ds;
	unsigned int i;

	CU_ASSERT_FATAL(weir_conf_defaults(&def) == 0);
	for (i = 0; i < CONF_ARRAY_SIZE(texts); i++) {
		CU_ASSERT_EQUAL(load(texts[i], &c, &ds, NULL), 0);
		CU_ASSERT_EQUAL(ds.total, 0);
		CU_ASSERT(weir_conf_equal(&c, &def));
		weir_conf_free(&c);
		weir_diags_free(&ds);
	}
	weir_conf_free(&def);
}

static void
test_unreadable_file_gives_errno_and_diag(void)
{
	char path[PATH_MAX];
	struct weir_conf c;
	struct weir_diags ds;

	CU_ASSERT_FATAL(weir_conf_defaults(&c) == 0);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	snprintf(path, sizeof(path), "%s/missing.yaml", g_dir);
	CU_ASSERT_EQUAL(weir_conf_load_file(&c, path, &ds), -ENOENT);
	check_diag(&ds, 0, path, 0, "cannot open: No such file or directory");
	snprintf(path, sizeof(path), "%s/dir", g_dir);
	CU_ASSERT_FATAL(mkdir(path, 0700) == 0);
	CU_ASSERT_EQUAL(weir_conf_load_file(&c, path, &ds), -EISDIR);
	check_diag(&ds, 1, path, 0, "cannot read: Is a directory");
	CU_ASSERT_EQUAL(c.workers, 1);
	weir_conf_free(&c);
	weir_diags_free(&ds);
}

static void
test_syntax_error_has_line(void)
{
	check_load_error("workers: 2\ncapture:\n  driver: \"dpdk\n", 4,
			 "found unexpected end of stream (while scanning a quoted scalar at "
			 "line 3)");
	check_load_error("capture:\n  driver: dpdk\n interface: x\n", 3,
			 "did not find expected key (while parsing a block mapping at line 1)");
	check_load_error("workers: [1, 2\n", 2,
			 "did not find expected ',' or ']' (while parsing a flow sequence at "
			 "line 1)");
	check_load_error("workers: *nope\n", 1, "found undefined alias");
	check_load_error("workers: 2\noutput:\n  jsonl: a\xff\n", 3, "invalid leading UTF-8 octet");
	check_load_error("workers: 2\n---\nworkers: 3\n", 3,
			 "only one YAML document is allowed per file");
}

static void
test_help_lists_every_key_within_80_columns(void)
{
	const struct weir_conf_key *keys;
	char *buf = NULL, *line, *save = NULL, *flat;
	unsigned int n, i;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	CU_ASSERT_FATAL(f != NULL);
	weir_conf_help(f);
	fclose(f);
	keys = weir_conf_keys(&n);
	for (i = 0; i < n; i++) {
		char want[128];

		snprintf(want, sizeof(want), "\n  %s%s\n", keys[i].name,
			 keys[i].family ? ".NAME" : "");
		CU_ASSERT(strstr(buf, want) != NULL);
	}
	CU_ASSERT(strstr(buf, "one of auto | dpdk | pcap | afxdp, default auto") != NULL);
	CU_ASSERT(strstr(buf, "u32 in [64, 32768], default 1024") != NULL);
	CU_ASSERT(strstr(buf, "string, default \"-\"") != NULL);
	CU_ASSERT(strstr(buf, "list of strings, default empty") != NULL);
	CU_ASSERT(strstr(buf, "\n  vars.address-groups.NAME\n") != NULL);
	CU_ASSERT(strstr(buf, "\n  vars.port-groups.NAME\n") != NULL);
	CU_ASSERT(strstr(buf, "mapping of NAME: string or list, default empty") != NULL);
	flat = flatten(buf);
	CU_ASSERT(strstr(flat,
			 "Names not set keep Suricata's defaults: HOME_NET "
			 "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12], EXTERNAL_NET !$HOME_NET,") !=
		  NULL);
	CU_ASSERT(strstr(flat, "Names not set keep Suricata's defaults: HTTP_PORTS 80,") != NULL);
	CU_ASSERT(strstr(flat, "ENIP_SERVER. Values are checked when the rules load.") != NULL);
	CU_ASSERT(strstr(flat, "TEREDO_PORTS 3544. Values are checked when the rules load.") !=
		  NULL);
	CU_ASSERT(strstr(flat, "Rule files: *.rules in the Suricata subset (see README), any other "
			       "name in Hyperscan's signature format (ID:/regex/flags).") != NULL);
	CU_ASSERT(strstr(flat,
			 "Load the valid rules of a file that has bad ones, listing every "
			 "skipped rule; default: any bad rule refuses the whole set.") != NULL);
	CU_ASSERT(strstr(flat,
			 "Directory of compiled Hyperscan databases, keyed by rule text, "
			 "weir's compiler version, the Hyperscan version and the CPU; \"\" = no "
			 "cache.") != NULL);
	free(flat);
	CU_ASSERT(strstr(buf, "\n  rules.skip-invalid\n      bool, default false\n") != NULL);
	CU_ASSERT(strstr(buf, "\n  rules.cache-dir\n      string, default \"/var/cache/weir\"\n") !=
		  NULL);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		CU_ASSERT(strlen(line) <= 80);
	free(buf);
}

static void
test_free_is_idempotent(void)
{
	struct weir_conf c = {0};

	weir_conf_free(&c);
	weir_conf_free(NULL);
	CU_ASSERT_FATAL(weir_conf_defaults(&c) == 0);
	CU_ASSERT_EQUAL(weir_conf_set(&c, "rules.files", "a", "t", NULL), 0);
	weir_conf_free(&c);
	CU_ASSERT(c.capture_driver == NULL && c.rules_files.n == 0);
	weir_conf_free(&c);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("conf", suite_init, suite_fini);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_defaults_match_spec);
	CU_ADD_TEST(s, test_key_table_is_consistent);
	CU_ADD_TEST(s, test_nested_keys_set_fields);
	CU_ADD_TEST(s, test_flat_dotted_keys_accepted);
	CU_ADD_TEST(s, test_unknown_key_named_with_suggestion);
	CU_ADD_TEST(s, test_wrong_type_names_key_and_type);
	CU_ADD_TEST(s, test_u32_parsing_and_ranges);
	CU_ADD_TEST(s, test_enum_rejects_unlisted_value);
	CU_ADD_TEST(s, test_bool_words);
	CU_ADD_TEST(s, test_yaml_null_values);
	CU_ADD_TEST(s, test_all_errors_in_file_reported);
	CU_ADD_TEST(s, test_duplicate_key_names_both_lines);
	CU_ADD_TEST(s, test_command_line_overrides_file);
	CU_ADD_TEST(s, test_set_rejects_unknown_key_and_bad_text);
	CU_ADD_TEST(s, test_list_append_is_bounded);
	CU_ADD_TEST(s, test_dump_loads_back_equal);
	CU_ADD_TEST(s, test_dump_layout_is_nested_and_commented);
	CU_ADD_TEST(s, test_equal_sees_every_difference);
	CU_ADD_TEST(s, test_empty_and_comment_only_files_give_defaults);
	CU_ADD_TEST(s, test_unreadable_file_gives_errno_and_diag);
	CU_ADD_TEST(s, test_syntax_error_has_line);
	CU_ADD_TEST(s, test_help_lists_every_key_within_80_columns);
	CU_ADD_TEST(s, test_free_is_idempotent);
	CU_ADD_TEST(s, test_vars_from_yaml_string_and_list);
	CU_ADD_TEST(s, test_vars_set_overrides_file);
	CU_ADD_TEST(s, test_vars_errors_name_the_line);
	CU_ADD_TEST(s, test_vars_all_errors_and_limit);
	CU_ADD_TEST(s, test_vars_dump_round_trip);
	CU_ADD_TEST(s, test_rules_keys);
	CU_ADD_TEST(s, test_equal_sees_vars);
	return weir_ut_run();
}
