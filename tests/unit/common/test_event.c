/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of app/event.c, the formatter the emitter runs on every alert.
 * Every line produced here is parsed back with jansson (a test-only
 * dependency), so "valid JSON, valid UTF-8" is checked by a real parser and
 * not by string comparison alone. Run under ASan the -ENOSPC loop also
 * proves the formatter never writes past the caller's buffer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "event.h"
#include "weir_cunit.h"

#define BUF_LEN 16384

static const struct weir_event_rule g_rule = {
	.action = "allowed",
	.gid = 1,
	.signature = "ET TEST weir",
	.category = "Misc activity",
	.severity = 3,
};

static void
fill_event(struct weir_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = 1795532645123456789ull; /* 2026-11-24T15:04:05.123456789Z */
	ev->flow_id = 1234567890123456789ull;
	ev->rule_id = 2000001;
	ev->rule_rev = 7;
	ev->rule_index = 42;
	ev->match_end = 9;
	ev->wire_len = 80;
	ev->payload_len = 3;
	ev->payload_cap = 3;
	ev->worker = 2;
	ev->seq = 77;
	ev->port = 1;
	ev->queue = 3;
	ev->sport = 49152;
	ev->dport = 80;
	ev->ip_version = 4;
	ev->proto = 6;
	memcpy(ev->src, (const uint8_t[]){192, 0, 2, 1}, 4);
	memcpy(ev->dst, (const uint8_t[]){198, 51, 100, 20}, 4);
	memcpy(ev->payload, "foo", 3);
}

/*
 * Format, check the framing (exactly one '\n', at the end; NUL after it)
 * and parse with jansson. Returns the root object (caller decrefs) and the
 * text in @p buf, or NULL after a failed assertion.
 */
static json_t *
format_parse(const struct weir_event *ev, const struct weir_event_rule *rule, const char *iface,
	     char *buf, size_t len)
{
	json_error_t err;
	json_t *root;
	int n;

	n = weir_event_format_json(ev, rule, iface, NULL, buf, len);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT((size_t)n < len);
	CU_ASSERT(buf[n] == '\0');
	CU_ASSERT(buf[n - 1] == '\n');
	CU_ASSERT(memchr(buf, '\n', (size_t)n) == buf + n - 1);
	CU_ASSERT(strlen(buf) == (size_t)n);
	/* jansson refuses integers above INT64_MAX, which JSON allows and a
	 * u64 flow_id or ts_ns may be; such lines are checked as reals. */
	root = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL && strstr(err.text, "too big integer") != NULL)
		root = json_loadb(buf, (size_t)n, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL,
				  &err);
	if (root == NULL)
		fprintf(stderr, "jansson: %s at %d: %s\n", err.text, err.position, buf);
	CU_ASSERT_FATAL(root != NULL);
	CU_ASSERT_FATAL(json_is_object(root));
	return root;
}

static const char *
jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_int_t
jint(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	CU_ASSERT(json_is_integer(v));
	return json_is_integer(v) ? json_integer_value(v) : -1;
}

/* host-id goes into weir.host, before the worker and its seq. */
static void
test_host_and_seq(void)
{
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root, *weir;
	int n;

	fill_event(&ev);
	ev.seq = UINT64_MAX / 2;
	n = weir_event_format_json(&ev, &g_rule, "eth0", "sensor-\"7\"", buf, sizeof(buf));
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT(strstr(buf, ",\"weir\":{\"rule_index\":42,\"match_end\":9,"
			      "\"host\":\"sensor-\\\"7\\\"\",\"worker\":2,"
			      "\"seq\":9223372036854775807,") != NULL);
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	weir = json_object_get(root, "weir");
	CU_ASSERT(json_object_get(weir, "host") == NULL); /* NULL host: left out */
	CU_ASSERT(jint(weir, "seq") == (json_int_t)(UINT64_MAX / 2));
	json_decref(root);
}

static void
test_golden_line(void)
{
	static const char want[] =
		"{\"timestamp\":\"2026-11-24T15:04:05.123456+0000\","
		"\"flow_id\":1234567890123456789,\"in_iface\":\"eth0\","
		"\"event_type\":\"alert\",\"src_ip\":\"192.0.2.1\",\"src_port\":49152,"
		"\"dest_ip\":\"198.51.100.20\",\"dest_port\":80,\"proto\":\"TCP\","
		"\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":2000001,"
		"\"rev\":7,\"signature\":\"ET TEST weir\",\"category\":\"Misc activity\","
		"\"severity\":3},\"payload\":\"Zm9v\",\"weir\":{\"rule_index\":42,"
		"\"match_end\":9,\"worker\":2,\"seq\":77,\"port\":1,\"queue\":3,\"wire_len\":80,"
		"\"payload_len\":3,\"payload_truncated\":false,"
		"\"ts_ns\":1795532645123456789}}\n";
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root;

	fill_event(&ev);
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, want);
	json_decref(root);
}

/* Key order is part of the format (EVE readers that stream may rely on
 * timestamp first); jansson iterates objects in insertion order. */
static void
test_key_order(void)
{
	static const char *const top[] = {
		"timestamp", "flow_id",	  "in_iface", "event_type", "vlan",    "src_ip", "src_port",
		"dest_ip",   "dest_port", "proto",    "alert",	    "payload", "weir",
	};
	static const char *const alert[] = {
		"action", "gid", "signature_id", "rev", "signature", "category", "severity",
	};
	static const char *const weir[] = {
		"rule_index",  "match_end",	    "worker", "seq", "port", "queue", "wire_len",
		"payload_len", "payload_truncated", "ts_ns",
	};
	struct weir_event ev;
	char buf[BUF_LEN];
	const char *key;
	json_t *root, *v;
	size_t i;

	fill_event(&ev);
	ev.n_vlan = 1;
	ev.vlan[0] = 10;
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	i = 0;
	json_object_foreach(root, key, v)
	{
		CU_ASSERT_FATAL(i < sizeof(top) / sizeof(top[0]));
		CU_ASSERT_STRING_EQUAL(key, top[i]);
		i++;
	}
	CU_ASSERT(i == sizeof(top) / sizeof(top[0]));
	i = 0;
	json_object_foreach(json_object_get(root, "alert"), key, v)
	{
		CU_ASSERT_FATAL(i < sizeof(alert) / sizeof(alert[0]));
		CU_ASSERT_STRING_EQUAL(key, alert[i]);
		i++;
	}
	CU_ASSERT(i == sizeof(alert) / sizeof(alert[0]));
	i = 0;
	json_object_foreach(json_object_get(root, "weir"), key, v)
	{
		CU_ASSERT_FATAL(i < sizeof(weir) / sizeof(weir[0]));
		CU_ASSERT_STRING_EQUAL(key, weir[i]);
		i++;
	}
	CU_ASSERT(i == sizeof(weir) / sizeof(weir[0]));
	CU_ASSERT_STRING_EQUAL(jstr(root, "event_type"), "alert");
	json_decref(root);
}

static void
test_escape_quotes_backslash_controls(void)
{
	struct weir_event_rule rule = g_rule;
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root;

	fill_event(&ev);
	rule.signature = "a\"b\\c\nd\re\tf\x01g\x1fh\x7fi/j\bk\fl";
	rule.category = "\"\"";
	root = format_parse(&ev, &rule, "if\"\\\n0", buf, sizeof(buf));
	CU_ASSERT(strstr(buf, "\"signature\":\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u001fh\x7fi/j"
			      "\\u0008k\\u000cl\"") != NULL);
	CU_ASSERT(strstr(buf, "\"in_iface\":\"if\\\"\\\\\\n0\"") != NULL);
	CU_ASSERT(strstr(buf, "\"category\":\"\\\"\\\"\"") != NULL);
	/* The parser gives the original strings back. */
	CU_ASSERT_STRING_EQUAL(jstr(json_object_get(root, "alert"), "signature"), rule.signature);
	CU_ASSERT_STRING_EQUAL(jstr(json_object_get(root, "alert"), "category"), "\"\"");
	CU_ASSERT_STRING_EQUAL(jstr(root, "in_iface"), "if\"\\\n0");
	json_decref(root);
}

/* Each invalid byte becomes \u00XX, which a reader decodes as U+00XX. */
static void
test_escape_invalid_utf8(void)
{
	static const struct {
		const char *in;
		const char *raw;     /* as written in the line */
		const char *decoded; /* as jansson reads it back */
	} cases[] = {
		{"x\xffy", "x\\u00ffy", "x\xc3\xbfy"},
		{"\xc0\x80", "\\u00c0\\u0080", "\xc3\x80\xc2\x80"}, /* overlong NUL */
		{"\xe0\x80\xaf", "\\u00e0\\u0080\\u00af",
		 "\xc3\xa0\xc2\x80\xc2\xaf"}, /* overlong */
		{"\xed\xa0\x80", "\\u00ed\\u00a0\\u0080",
		 "\xc3\xad\xc2\xa0\xc2\x80"}, /* surrogate */
		{"\xf4\x90\x80\x80", "\\u00f4\\u0090\\u0080\\u0080",
		 "\xc3\xb4\xc2\x90\xc2\x80\xc2\x80"}, /* > U+10FFFF */
		{"\xf5", "\\u00f5", "\xc3\xb5"},
		{"\xe2\x82", "\\u00e2\\u0082", "\xc3\xa2\xc2\x82"},    /* cut at the end */
		{"\xe2\x82x", "\\u00e2\\u0082x", "\xc3\xa2\xc2\x82x"}, /* cut in the middle */
		{"\x80", "\\u0080", "\xc2\x80"},		       /* lone continuation */
	};
	struct weir_event_rule rule = g_rule;
	struct weir_event ev;
	char buf[BUF_LEN], want[128];
	json_t *root;
	size_t i;

	fill_event(&ev);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rule.signature = cases[i].in;
		root = format_parse(&ev, &rule, cases[i].in, buf, sizeof(buf));
		snprintf(want, sizeof(want), "\"signature\":\"%s\"", cases[i].raw);
		CU_ASSERT(strstr(buf, want) != NULL);
		snprintf(want, sizeof(want), "\"in_iface\":\"%s\"", cases[i].raw);
		CU_ASSERT(strstr(buf, want) != NULL);
		CU_ASSERT_STRING_EQUAL(jstr(json_object_get(root, "alert"), "signature"),
				       cases[i].decoded);
		CU_ASSERT_STRING_EQUAL(jstr(root, "in_iface"), cases[i].decoded);
		json_decref(root);
	}
}

static void
test_valid_utf8_preserved(void)
{
	/* 2, 3 and 4 byte forms and the edges of each range. */
	static const char sig[] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc2\x80 \xdf\xbf "
				  "\xe0\xa0\x80 \xed\x9f\xbf \xee\x80\x80 \xef\xbf\xbf "
				  "\xf0\x90\x80\x80 \xf4\x8f\xbf\xbf";
	struct weir_event_rule rule = g_rule;
	struct weir_event ev;
	char buf[BUF_LEN], want[256];
	json_t *root;

	fill_event(&ev);
	rule.signature = sig;
	rule.category = "\xe6\x97\xa5\xe6\x9c\xac";
	root = format_parse(&ev, &rule, "p\xc3\xb6rt0", buf, sizeof(buf));
	snprintf(want, sizeof(want), "\"signature\":\"%s\"", sig);
	CU_ASSERT(strstr(buf, want) != NULL); /* bytes passed through, no \u */
	CU_ASSERT_STRING_EQUAL(jstr(json_object_get(root, "alert"), "signature"), sig);
	CU_ASSERT_STRING_EQUAL(jstr(json_object_get(root, "alert"), "category"),
			       "\xe6\x97\xa5\xe6\x9c\xac");
	CU_ASSERT_STRING_EQUAL(jstr(root, "in_iface"), "p\xc3\xb6rt0");
	json_decref(root);
}

/* An interface name is cut at 64 bytes so weir_event_json_max() holds. */
static void
test_iface_cut_at_64_bytes(void)
{
	char iface[100], want[65];
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root;

	memset(iface, 'i', sizeof(iface) - 1);
	iface[sizeof(iface) - 1] = '\0';
	memcpy(want, iface, 64);
	want[64] = '\0';
	fill_event(&ev);
	root = format_parse(&ev, &g_rule, iface, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(jstr(root, "in_iface"), want);
	json_decref(root);
	root = format_parse(&ev, &g_rule, NULL, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(jstr(root, "in_iface"), "");
	json_decref(root);
}

static void
check_addr(uint8_t version, const uint8_t *src, const char *want)
{
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root;

	fill_event(&ev);
	ev.ip_version = version;
	memcpy(ev.src, src, 16);
	memcpy(ev.dst, src, 16);
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(jstr(root, "src_ip"), want);
	CU_ASSERT_STRING_EQUAL(jstr(root, "dest_ip"), want);
	if (strcmp(jstr(root, "src_ip"), want) != 0)
		fprintf(stderr, "got %s want %s\n", jstr(root, "src_ip"), want);
	json_decref(root);
}

static void
test_ipv4_dotted(void)
{
	static const char *const addrs[] = {
		"0.0.0.0", "192.0.2.1", "10.9.99.100", "255.255.255.255", "1.20.3.45",
	};
	uint8_t a[16];
	size_t i;

	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		memset(a, 0xee, sizeof(a)); /* bytes past the 4th are ignored */
		CU_ASSERT_FATAL(inet_pton(AF_INET, addrs[i], a) == 1);
		check_addr(4, a, addrs[i]);
	}
}

static void
test_ipv6_rfc5952(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
		{"::1", "::1"},
		{"::", "::"},
		{"::ffff:192.0.2.1", "::ffff:192.0.2.1"},	  /* v4-mapped, dotted */
		{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},	  /* first of equal runs */
		{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, /* one zero: kept */
		{"2001:db8:0:0:0:1:0:0", "2001:db8::1:0:0"},	  /* longest run wins */
		{"FE80::ABCD:0:0:1", "fe80::abcd:0:0:1"},	  /* lower case */
		{"2001:db8::", "2001:db8::"},
		{"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
		{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		 "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
	};
	uint8_t a[16];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_FATAL(inet_pton(AF_INET6, cases[i].in, a) == 1);
		check_addr(6, a, cases[i].want);
	}
}

/* The hand-written formatter agrees with glibc's inet_ntop on addresses
 * rich in zero groups, where the compression rules matter. */
static void
test_ipv6_matches_inet_ntop(void)
{
	char want[INET6_ADDRSTRLEN];
	unsigned int seed = 12345;
	uint8_t a[16];
	int i, k;

	for (i = 0; i < 3000; i++) {
		for (k = 0; k < 16; k += 2) {
			/* Each group: zero half the time, else 1 to 4 hex digits. */
			unsigned int r = (unsigned int)rand_r(&seed);
			unsigned int v =
				(r & 1) ? 0 : (r >> 1) & (0xffffu >> (4 * ((r >> 20) & 3)));

			a[k] = (uint8_t)(v >> 8);
			a[k + 1] = (uint8_t)v;
		}
		if (i % 7 == 0) { /* the mixed-notation prefixes */
			memset(a, 0, 10);
			a[10] = a[11] = (i % 2) ? 0xff : 0;
		}
		CU_ASSERT_FATAL(inet_ntop(AF_INET6, a, want, sizeof(want)) != NULL);
		check_addr(6, a, want);
	}
}

static void
test_unknown_ip_version_einval(void)
{
	struct weir_event ev;
	char buf[BUF_LEN];

	fill_event(&ev);
	ev.ip_version = 5;
	CU_ASSERT(weir_event_format_json(&ev, &g_rule, "eth0", NULL, buf, sizeof(buf)) == -EINVAL);
}

static void
test_vlan_present_absent(void)
{
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root, *vlan;

	fill_event(&ev);
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	CU_ASSERT(json_object_get(root, "vlan") == NULL);
	CU_ASSERT(strstr(buf, "vlan") == NULL);
	json_decref(root);

	ev.n_vlan = 1;
	ev.vlan[0] = 100;
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	CU_ASSERT(strstr(buf, "\"event_type\":\"alert\",\"vlan\":[100],\"src_ip\"") != NULL);
	vlan = json_object_get(root, "vlan");
	CU_ASSERT(json_is_array(vlan) && json_array_size(vlan) == 1);
	json_decref(root);

	ev.n_vlan = 2;
	ev.vlan[1] = 4094;
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	vlan = json_object_get(root, "vlan");
	CU_ASSERT_FATAL(json_is_array(vlan) && json_array_size(vlan) == 2);
	CU_ASSERT(json_integer_value(json_array_get(vlan, 0)) == 100);
	CU_ASSERT(json_integer_value(json_array_get(vlan, 1)) == 4094);
	json_decref(root);
}

static void
test_proto_names_and_ports(void)
{
	static const struct {
		uint8_t proto;
		const char *name;
		int ports;
	} cases[] = {
		{6, "TCP", 1},	{17, "UDP", 1}, {1, "ICMP", 0},	 {58, "IPv6-ICMP", 0},
		{47, "047", 0}, {2, "002", 0},	{132, "132", 0}, {255, "255", 0},
	};
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fill_event(&ev);
		ev.proto = cases[i].proto;
		root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
		CU_ASSERT_STRING_EQUAL(jstr(root, "proto"), cases[i].name);
		if (cases[i].ports) {
			CU_ASSERT(jint(root, "src_port") == 49152);
			CU_ASSERT(jint(root, "dest_port") == 80);
		} else {
			CU_ASSERT(json_object_get(root, "src_port") == NULL);
			CU_ASSERT(json_object_get(root, "dest_port") == NULL);
		}
		json_decref(root);
	}
}

static void
test_base64_rfc4648_vectors(void)
{
	static const struct {
		const char *in, *out;
	} v[] = {
		{"", ""},
		{"f", "Zg=="},
		{"fo", "Zm8="},
		{"foo", "Zm9v"},
		{"foob", "Zm9vYg=="},
		{"fooba", "Zm9vYmE="},
		{"foobar", "Zm9vYmFy"},
	};
	static const uint8_t bin[] = {0x00, 0xff, 0xfe, 0xfb, 0xef, 0xbe};
	char out[32];
	size_t i, n, need;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = strlen(v[i].in);
		memset(out, 'x', sizeof(out));
		CU_ASSERT(weir_base64((const uint8_t *)v[i].in, n, out, sizeof(out)) ==
			  (int)strlen(v[i].out));
		CU_ASSERT_STRING_EQUAL(out, v[i].out);
		/* Exactly 4 * ceil(n / 3) + 1 is enough, one less is not. */
		need = strlen(v[i].out) + 1;
		CU_ASSERT(weir_base64((const uint8_t *)v[i].in, n, out, need) ==
			  (int)strlen(v[i].out));
		CU_ASSERT(weir_base64((const uint8_t *)v[i].in, n, out, need - 1) == -ENOSPC);
	}
	/* Both extra alphabet characters. */
	CU_ASSERT(weir_base64(bin, sizeof(bin), out, sizeof(out)) == 8);
	CU_ASSERT_STRING_EQUAL(out, "AP/+++++");
}

static void
test_payload_and_truncated_flag(void)
{
	struct weir_event ev;
	char buf[BUF_LEN], b64[600];
	json_t *root, *weir;
	unsigned int i;

	fill_event(&ev);
	for (i = 0; i < WEIR_EVENT_PAYLOAD_MAX; i++)
		ev.payload[i] = (uint8_t)(i * 7);
	ev.payload_cap = 10;
	ev.payload_len = 100;
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	weir = json_object_get(root, "weir");
	CU_ASSERT(json_is_true(json_object_get(weir, "payload_truncated")));
	CU_ASSERT(jint(weir, "payload_len") == 100);
	CU_ASSERT(weir_base64(ev.payload, 10, b64, sizeof(b64)) > 0);
	CU_ASSERT_STRING_EQUAL(jstr(root, "payload"), b64);
	json_decref(root);

	ev.payload_cap = 100;
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	CU_ASSERT(
		json_is_false(json_object_get(json_object_get(root, "weir"), "payload_truncated")));
	CU_ASSERT(weir_base64(ev.payload, 100, b64, sizeof(b64)) > 0);
	CU_ASSERT_STRING_EQUAL(jstr(root, "payload"), b64);
	json_decref(root);

	ev.payload_cap = 0;
	ev.payload_len = 0;
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(jstr(root, "payload"), "");
	CU_ASSERT(
		json_is_false(json_object_get(json_object_get(root, "weir"), "payload_truncated")));
	json_decref(root);

	/* A cap past the array is clamped, never read beyond the event. */
	ev.payload_cap = WEIR_EVENT_PAYLOAD_MAX + 100;
	ev.payload_len = WEIR_EVENT_PAYLOAD_MAX + 100;
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	CU_ASSERT(weir_base64(ev.payload, WEIR_EVENT_PAYLOAD_MAX, b64, sizeof(b64)) > 0);
	CU_ASSERT_STRING_EQUAL(jstr(root, "payload"), b64);
	CU_ASSERT(
		json_is_true(json_object_get(json_object_get(root, "weir"), "payload_truncated")));
	json_decref(root);
}

static void
check_timestamp(uint64_t ts_ns, const char *want)
{
	struct weir_event ev;
	char buf[BUF_LEN], num[48];
	json_t *root;

	fill_event(&ev);
	ev.ts_ns = ts_ns;
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(jstr(root, "timestamp"), want);
	if (strcmp(jstr(root, "timestamp"), want) != 0)
		fprintf(stderr, "ts %llu: got %s want %s\n", (unsigned long long)ts_ns,
			jstr(root, "timestamp"), want);
	snprintf(num, sizeof(num), "\"ts_ns\":%llu}}\n", (unsigned long long)ts_ns);
	CU_ASSERT(strstr(buf, num) != NULL);
	json_decref(root);
}

static void
test_timestamp_known_values(void)
{
	check_timestamp(1795532645123456789ull, "2026-11-24T15:04:05.123456+0000");
	check_timestamp(0, "1970-01-01T00:00:00.000000+0000");
	check_timestamp(999, "1970-01-01T00:00:00.000000+0000");
	check_timestamp(951782400000001000ull, "2000-02-29T00:00:00.000001+0000");  /* leap */
	check_timestamp(4107542399999999999ull, "2100-02-28T23:59:59.999999+0000"); /* no leap */
	check_timestamp(UINT64_MAX, "2554-07-21T23:34:33.709551+0000");
}

/* Against gmtime_r over the whole range, one sample every ~19 days. */
static void
test_timestamp_matches_gmtime(void)
{
	char want[64];
	struct tm tm;
	uint64_t ns;
	time_t t;

	for (ns = 12345678; ns < UINT64_MAX - 1700000000000000ull; ns += 1700000000000000ull) {
		t = (time_t)(ns / 1000000000u);
		CU_ASSERT_FATAL(gmtime_r(&t, &tm) != NULL);
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%06u+0000",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, (unsigned int)(ns % 1000000000u / 1000u));
		check_timestamp(ns, want);
	}
}

/* Every buffer shorter than output + NUL gets -ENOSPC, with the buffer
 * allocated to its exact size so ASan sees any write past it. */
static void
test_enospc_every_short_length(void)
{
	struct weir_event_rule rule = g_rule;
	struct weir_event ev;
	char full[BUF_LEN];
	size_t len;
	char *buf;
	int n, rc;

	fill_event(&ev);
	ev.ip_version = 6;
	ev.n_vlan = 2;
	ev.vlan[0] = 1;
	ev.vlan[1] = 2;
	ev.payload_cap = 50;
	ev.payload_len = 60;
	rule.signature = "q\"uo\\te \x01 \xc3\xa9 \xff";
	n = weir_event_format_json(&ev, &rule, "eth\n0", NULL, full, sizeof(full));
	CU_ASSERT_FATAL(n > 0);
	for (len = 0; len <= (size_t)n; len++) {
		buf = malloc(len != 0 ? len : 1);
		CU_ASSERT_FATAL(buf != NULL);
		rc = weir_event_format_json(&ev, &rule, "eth\n0", NULL, buf, len);
		CU_ASSERT(rc == -ENOSPC);
		if (rc != -ENOSPC)
			fprintf(stderr, "len %zu: rc %d\n", len, rc);
		if (len > 0)
			CU_ASSERT(buf[0] == '\0');
		free(buf);
	}
	buf = malloc((size_t)n + 1);
	CU_ASSERT_FATAL(buf != NULL);
	CU_ASSERT(weir_event_format_json(&ev, &rule, "eth\n0", NULL, buf, (size_t)n + 1) == n);
	CU_ASSERT(memcmp(buf, full, (size_t)n + 1) == 0);
	free(buf);
}

/* The worst case of everything: every string byte escaped to \u00XX, the
 * longest numbers, addresses and payload. json_max must cover it. */
static void
test_json_max_bound_worst_case(void)
{
	static const uint8_t v6[16] = {0xffff >> 8, 0xff, 0xffff >> 8, 0xff, 0xff, 0xff,
				       0xff,	    0xff, 0xff,	       0xff, 0xff, 0xff,
				       0xff,	    0xff, 0xff,	       0xff};
	static const uint8_t mapped[16] = {0, 0, 0,    0,    0,	  0,   0,   0,
					   0, 0, 0xff, 0xff, 255, 255, 255, 255};
	static const size_t sig_lens[] = {0, 1, 100, 1000, 5000};
	struct weir_event_rule rule = g_rule;
	char *buf, *sig, *cat, *act, iface[200];
	struct weir_event ev;
	size_t i, text, max;
	json_t *root;
	int n;

	memset(&ev, 0xff, sizeof(ev));
	ev.n_vlan = 2;
	ev.ip_version = 6;
	ev.proto = 6;
	ev.payload_cap = WEIR_EVENT_PAYLOAD_MAX;
	memcpy(ev.src, v6, 16);
	memcpy(ev.dst, mapped, 16);
	memset(iface, '\x01', sizeof(iface) - 1);
	iface[sizeof(iface) - 1] = '\0';
	rule.gid = UINT32_MAX;
	rule.severity = UINT32_MAX;

	for (i = 0; i < sizeof(sig_lens) / sizeof(sig_lens[0]); i++) {
		sig = malloc(sig_lens[i] + 1);
		cat = malloc(sig_lens[i] + 1);
		act = malloc(sig_lens[i] + 1);
		CU_ASSERT_FATAL(sig != NULL && cat != NULL && act != NULL);
		memset(sig, '"', sig_lens[i]);	  /* 1 -> 2 bytes */
		memset(cat, '\x02', sig_lens[i]); /* 1 -> 6 bytes */
		memset(act, '\xff', sig_lens[i]); /* 1 -> 6 bytes */
		sig[sig_lens[i]] = cat[sig_lens[i]] = act[sig_lens[i]] = '\0';
		rule.signature = cat; /* the 6x expansion in every string */
		rule.category = cat;
		rule.action = act;
		text = 3 * sig_lens[i];
		max = weir_event_json_max(text);
		buf = malloc(max);
		CU_ASSERT_FATAL(buf != NULL);
		n = weir_event_format_json(&ev, &rule, iface, iface, buf, max);
		CU_ASSERT(n > 0 && (size_t)n < max);
		json_decref(format_parse(&ev, &rule, iface, buf, max));
		rule.signature = sig;
		root = format_parse(&ev, &rule, iface, buf, max);
		CU_ASSERT(strlen(jstr(json_object_get(root, "alert"), "signature")) == sig_lens[i]);
		json_decref(root);
		free(buf);
		free(sig);
		free(cat);
		free(act);
	}
}

/* The frame ring: records come back as put, a full ring refuses without
 * losing anything, a record that would wrap starts over at the front, and
 * released bytes are reused. */
static void
test_frame_ring_put_wrap_full_release(void)
{
	/* 3 records of 100 bytes (104 each) + one for a wrap: 416 -> 512 */
	struct weir_frame_ring *fr = weir_frame_ring_create(3, 100);
	uint8_t buf[100];
	uint32_t pos[8], i, n = 0;

	CU_ASSERT_FATAL(fr != NULL);
	CU_ASSERT_FATAL(fr->size == 512);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)i;
	while (n < 8 && weir_frame_ring_put(fr, buf, 100, &pos[n]) == 0)
		n++;
	CU_ASSERT(n == 4); /* 0, 104, 208, 312; the fifth would wrap */
	for (i = 0; i < n; i++) {
		CU_ASSERT(pos[i] == i * 104);
		CU_ASSERT(memcmp(weir_frame_ring_data(fr, pos[i]), buf, 100) == 0);
	}
	/* two released: the next record skips 416..511 and starts a lap */
	weir_frame_ring_release(fr, pos[2]);
	CU_ASSERT(weir_frame_ring_put(fr, buf + 1, 99, &pos[4]) == 0);
	CU_ASSERT(pos[4] == 512);
	CU_ASSERT(weir_frame_ring_data(fr, pos[4]) == weir_frame_ring_data(fr, 0));
	CU_ASSERT(memcmp(weir_frame_ring_data(fr, pos[4]), buf + 1, 99) == 0);
	/* then into the second released record, then full: pos[2] holds 208 */
	CU_ASSERT(weir_frame_ring_put(fr, buf, 100, &pos[5]) == 0);
	CU_ASSERT(pos[5] == 616);
	CU_ASSERT(weir_frame_ring_put(fr, buf, 100, &pos[6]) == -ENOBUFS);
	CU_ASSERT(memcmp(weir_frame_ring_data(fr, pos[3]), buf, 100) == 0); /* untouched */
	weir_frame_ring_release(fr, pos[5]);
	CU_ASSERT(weir_frame_ring_put(fr, buf, 100, &pos[6]) == 0);
	CU_ASSERT(pos[6] == 720);
	weir_frame_ring_free(fr);
	errno = 0;
	CU_ASSERT(weir_frame_ring_create(0, 100) == NULL && errno == EINVAL);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("event", NULL, NULL);
	if (s == NULL)
		return 1;
	CU_ADD_TEST(s, test_golden_line);
	CU_ADD_TEST(s, test_host_and_seq);
	CU_ADD_TEST(s, test_key_order);
	CU_ADD_TEST(s, test_escape_quotes_backslash_controls);
	CU_ADD_TEST(s, test_escape_invalid_utf8);
	CU_ADD_TEST(s, test_valid_utf8_preserved);
	CU_ADD_TEST(s, test_iface_cut_at_64_bytes);
	CU_ADD_TEST(s, test_ipv4_dotted);
	CU_ADD_TEST(s, test_ipv6_rfc5952);
	CU_ADD_TEST(s, test_ipv6_matches_inet_ntop);
	CU_ADD_TEST(s, test_unknown_ip_version_einval);
	CU_ADD_TEST(s, test_vlan_present_absent);
	CU_ADD_TEST(s, test_proto_names_and_ports);
	CU_ADD_TEST(s, test_base64_rfc4648_vectors);
	CU_ADD_TEST(s, test_payload_and_truncated_flag);
	CU_ADD_TEST(s, test_timestamp_known_values);
	CU_ADD_TEST(s, test_timestamp_matches_gmtime);
	CU_ADD_TEST(s, test_enospc_every_short_length);
	CU_ADD_TEST(s, test_json_max_bound_worst_case);
	CU_ADD_TEST(s, test_frame_ring_put_wrap_full_release);
	return weir_ut_run();
}
