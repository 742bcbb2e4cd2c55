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
 * Format (an alert with @p rule, a flow record when @p rule is NULL),
 * check the framing (exactly one '\n', at the end; NUL after it) and parse
 * with jansson. Returns the root object (caller decrefs) and the text in
 * @p buf, or NULL after a failed assertion.
 */
static json_t *
format_parse_fmt(const struct weir_event *ev, const struct weir_event_rule *rule, const char *iface,
		 const struct weir_event_fmt *fmt, char *buf, size_t len)
{
	json_error_t err;
	json_t *root;
	int n;

	if (rule != NULL)
		n = weir_event_format_json(ev, rule, iface, fmt, buf, len);
	else
		n = weir_event_format_flow_json(ev, iface, fmt, buf, len);
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

/* Most tests read weir's own fields: the "weir" object is on for them
 * (outputs.weir-fields); test_default_is_suricata_eve checks it is off
 * by default. */
static const struct weir_event_fmt g_fmt_weir = {.weir_fields = true};

static json_t *
format_parse(const struct weir_event *ev, const struct weir_event_rule *rule, const char *iface,
	     char *buf, size_t len)
{
	return format_parse_fmt(ev, rule, iface, &g_fmt_weir, buf, len);
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

/* host-id is Suricata's sensor-name: the top-level "host", written last
 * as OutputJsonBuilderBuffer adds it, before weir's own object. */
static void
test_host_and_seq(void)
{
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root, *weir;
	int n;

	fill_event(&ev);
	ev.seq = UINT64_MAX / 2;
	n = weir_event_format_json(
		&ev, &g_rule, "eth0",
		&(struct weir_event_fmt){.host = "sensor-\"7\"", .weir_fields = true}, buf,
		sizeof(buf));
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT(strstr(buf, "\"pkt_src\":\"wire/pcap\",\"host\":\"sensor-\\\"7\\\"\","
			      "\"weir\":{\"rule_index\":42,\"match_end\":9,\"worker\":2,"
			      "\"seq\":9223372036854775807,") != NULL);
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	weir = json_object_get(root, "weir");
	CU_ASSERT(json_object_get(root, "host") == NULL); /* NULL host: left out */
	CU_ASSERT(json_object_get(weir, "host") == NULL);
	CU_ASSERT(jint(weir, "seq") == (json_int_t)(UINT64_MAX / 2));
	json_decref(root);
}

/* By default (outputs.weir-fields off) a line holds only keys of
 * Suricata's EVE: the golden line below without its "weir" object. */
static void
test_default_is_suricata_eve(void)
{
	static const char want[] =
		"{\"timestamp\":\"2026-11-24T15:04:05.123456+0000\","
		"\"flow_id\":1234567890123456789,\"in_iface\":\"eth0\","
		"\"event_type\":\"alert\",\"src_ip\":\"192.0.2.1\",\"src_port\":49152,"
		"\"dest_ip\":\"198.51.100.20\",\"dest_port\":80,\"ip_v\":4,\"proto\":\"TCP\","
		"\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":2000001,"
		"\"rev\":7,\"signature\":\"ET TEST weir\",\"category\":\"Misc activity\","
		"\"severity\":3},\"payload\":\"Zm9v\",\"stream\":0,\"pkt_src\":\"wire/"
		"pcap\"}\n";
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root;

	fill_event(&ev);
	root = format_parse_fmt(&ev, &g_rule, "eth0", NULL, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, want);
	json_decref(root);
	root = format_parse_fmt(&ev, &g_rule, "eth0", &(struct weir_event_fmt){0}, buf,
				sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, want);
	json_decref(root);
}

/*
 * alert.metadata and alert.references are written as the rule parser
 * built them, each only when its key is on (outputs.rule-metadata,
 * outputs.rule-references) and the rule has any; pcap_cnt follows
 * flow_id when the packet came from a file; host is last.
 */
static void
test_metadata_references_pcap_cnt(void)
{
	static const char want[] =
		"{\"timestamp\":\"2026-11-24T15:04:05.123456+0000\","
		"\"flow_id\":1234567890123456789,\"pcap_cnt\":17,\"in_iface\":\"eth0\","
		"\"event_type\":\"alert\",\"src_ip\":\"192.0.2.1\",\"src_port\":49152,"
		"\"dest_ip\":\"198.51.100.20\",\"dest_port\":80,\"ip_v\":4,\"proto\":\"TCP\","
		"\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":2000001,"
		"\"rev\":7,\"signature\":\"ET TEST weir\",\"category\":\"Misc activity\","
		"\"severity\":3,\"metadata\":{\"tag\":[\"b\",\"a\"]},"
		"\"references\":[\"https://x.example/1\"]},\"payload\":\"Zm9v\",\"stream\":0,"
		"\"pkt_src\":\"wire/pcap\",\"host\":\"s1\"}\n";
	struct weir_event_rule rule = g_rule;
	struct weir_event_fmt fmt = {.host = "s1", .rule_metadata = true, .rule_references = true};
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root;

	fill_event(&ev);
	ev.pcap_cnt = 17;
	rule.metadata = "{\"tag\":[\"b\",\"a\"]}";
	rule.references = "[\"https://x.example/1\"]";
	root = format_parse_fmt(&ev, &rule, "eth0", &fmt, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, want);
	json_decref(root);
	/* each key off, or the rule without any: left out */
	fmt.rule_metadata = false;
	root = format_parse_fmt(&ev, &rule, "eth0", &fmt, buf, sizeof(buf));
	CU_ASSERT(json_object_get(json_object_get(root, "alert"), "metadata") == NULL);
	CU_ASSERT(json_object_get(json_object_get(root, "alert"), "references") != NULL);
	json_decref(root);
	fmt.rule_metadata = true;
	rule.references = "";
	root = format_parse_fmt(&ev, &rule, "eth0", &fmt, buf, sizeof(buf));
	CU_ASSERT(json_object_get(json_object_get(root, "alert"), "metadata") != NULL);
	CU_ASSERT(json_object_get(json_object_get(root, "alert"), "references") == NULL);
	json_decref(root);
	/* a stream alert at the flow's end has no packet: no pcap_cnt */
	ev.pcap_cnt = 0;
	ev.pkt_src = WEIR_EV_SRC_FLOW_END;
	root = format_parse_fmt(&ev, &rule, "eth0", &fmt, buf, sizeof(buf));
	CU_ASSERT(json_object_get(root, "pcap_cnt") == NULL);
	CU_ASSERT_STRING_EQUAL(jstr(root, "pkt_src"), "stream (flow timeout)");
	json_decref(root);
}

/* weir_json_str: what the rule parser escapes metadata with. */
static void
test_json_str(void)
{
	char out[64];
	int n;

	n = weir_json_str("a\"b\\\x01\xc3\xa9", 7, out, sizeof(out));
	CU_ASSERT_FATAL(n > 0);
	out[n] = '\0';
	CU_ASSERT_STRING_EQUAL(out, "\"a\\\"b\\\\\\u0001\xc3\xa9\"");
	CU_ASSERT(weir_json_str("abc", 3, out, weir_json_str_max(3) - 1) == -ENOSPC);
	CU_ASSERT(weir_json_str("abc", 3, out, weir_json_str_max(3)) == 5);
}

static void
test_golden_line(void)
{
	static const char want[] =
		"{\"timestamp\":\"2026-11-24T15:04:05.123456+0000\","
		"\"flow_id\":1234567890123456789,\"in_iface\":\"eth0\","
		"\"event_type\":\"alert\",\"src_ip\":\"192.0.2.1\",\"src_port\":49152,"
		"\"dest_ip\":\"198.51.100.20\",\"dest_port\":80,\"ip_v\":4,\"proto\":\"TCP\","
		"\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":2000001,"
		"\"rev\":7,\"signature\":\"ET TEST weir\",\"category\":\"Misc activity\","
		"\"severity\":3},\"payload\":\"Zm9v\",\"stream\":0,\"pkt_src\":\"wire/"
		"pcap\",\"weir\":{\"rule_index\":42,"
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

/* An alert on a packet found inside a tunnel: Suricata's tunnel object
 * after alert{} (the root's tuple, ports even when 0, depth, pcap_cnt,
 * pkt_src), the decoder's pkt_src, and no pcap_cnt of its own. */
static void
test_tunnel_object(void)
{
	static const char want_tun[] = ",\"tunnel\":{\"src_ip\":\"10.60.0.4\",\"src_port\":0,"
				       "\"dest_ip\":\"10.60.1.1\",\"dest_port\":0,\"proto\":"
				       "\"GRE\",\"depth\":2,\"pcap_cnt\":17,\"pkt_src\":\"wire/"
				       "pcap\"},\"payload\":";
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root, *t;

	fill_event(&ev);
	ev.pcap_cnt = 17;
	ev.tun_kind = WEIR_EV_TUN_GRE;
	ev.tun_ip_version = 4;
	ev.tun_proto = 47;
	ev.tun_depth = 2;
	memcpy(ev.tun_src, (const uint8_t[]){10, 60, 0, 4}, 4);
	memcpy(ev.tun_dst, (const uint8_t[]){10, 60, 1, 1}, 4);
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	CU_ASSERT(strstr(buf, want_tun) != NULL);
	CU_ASSERT(strstr(buf, "\"pkt_src\":\"gre tunnel\"") != NULL);
	CU_ASSERT(json_object_get(root, "pcap_cnt") == NULL);
	json_decref(root);

	/* IPv6 root with ports (VXLAN over IPv6), no pcap_cnt when live */
	ev.pcap_cnt = 0;
	ev.tun_kind = WEIR_EV_TUN_VXLAN;
	ev.tun_ip_version = 6;
	ev.tun_proto = 17;
	ev.tun_sport = 50001;
	ev.tun_dport = 4789;
	ev.tun_depth = 1;
	memcpy(ev.tun_src, v6, 16);
	memcpy(ev.tun_dst, v6, 16);
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	t = json_object_get(root, "tunnel");
	CU_ASSERT_FATAL(t != NULL);
	CU_ASSERT_STRING_EQUAL(jstr(t, "src_ip"), "2001:db8::1");
	CU_ASSERT(json_integer_value(json_object_get(t, "src_port")) == 50001);
	CU_ASSERT(json_integer_value(json_object_get(t, "dest_port")) == 4789);
	CU_ASSERT_STRING_EQUAL(jstr(t, "proto"), "UDP");
	CU_ASSERT(json_object_get(t, "pcap_cnt") == NULL);
	CU_ASSERT_STRING_EQUAL(jstr(root, "pkt_src"), "vxlan encapsulation");
	json_decref(root);

	/* rebuilt from fragments: "defrag"; a stream alert keeps its own */
	ev.tun_kind = WEIR_EV_TUN_DEFRAG;
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(jstr(root, "pkt_src"), "defrag");
	json_decref(root);
	ev.pkt_src = WEIR_EV_SRC_STREAM;
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(jstr(root, "pkt_src"), "wire/pcap");
	json_decref(root);

	/* none, or a kind or version out of range: no object */
	ev.pkt_src = WEIR_EV_SRC_PACKET;
	ev.tun_kind = 200;
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	CU_ASSERT(json_object_get(root, "tunnel") == NULL);
	CU_ASSERT_STRING_EQUAL(jstr(root, "pkt_src"), "wire/pcap");
	json_decref(root);
	ev.tun_kind = WEIR_EV_TUN_GRE;
	ev.tun_ip_version = 0;
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	CU_ASSERT(json_object_get(root, "tunnel") == NULL);
	json_decref(root);
}

/* Key order is part of the format (EVE readers that stream may rely on
 * timestamp first); jansson iterates objects in insertion order. */
static void
test_key_order(void)
{
	static const char *const top[] = {
		"timestamp", "flow_id", "in_iface",  "event_type", "vlan",  "src_ip",
		"src_port",  "dest_ip", "dest_port", "ip_v",	   "proto", "alert",
		"payload",   "stream",	"pkt_src",   "weir",
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

/* ip_version 0: a decoder event's alert on a frame with no valid IP
 * layer (ethernet.pkt_too_small, ipv4.wrong_ip_version...): no tuple, as
 * Suricata writes none for a packet that is not IPv4 or IPv6. */
static void
test_no_ip_layer_no_tuple(void)
{
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root;

	fill_event(&ev);
	ev.ip_version = 0;
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	CU_ASSERT(json_object_get(root, "src_ip") == NULL);
	CU_ASSERT(json_object_get(root, "dest_ip") == NULL);
	CU_ASSERT(json_object_get(root, "proto") == NULL);
	CU_ASSERT(json_object_get(root, "alert") != NULL);
	json_decref(root);
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
		/* Suricata's names (util-proto-name.c), else the number */
		{6, "TCP", 1},	  {17, "UDP", 1},     {1, "ICMP", 0},	    {58, "IPv6-ICMP", 0},
		{47, "GRE", 0},	  {2, "IGMP", 0},     {132, "SCTP", 0},	    {50, "ESP", 0},
		{0, "HOPOPT", 0}, {61, "Any", 0},     {143, "Ethernet", 0}, {144, "144", 0},
		{255, "255", 0},  {4, "IP-in-IP", 0}, {41, "IPv6", 0},
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
	struct weir_event_fmt fmt = {.host = iface,
				     .community_id = true,
				     .weir_fields = true,
				     .rule_metadata = true,
				     .rule_references = true};
	char *meta;
	struct weir_event ev;
	size_t i, text, max;
	json_t *root;
	int n;

	memset(&ev, 0xff, sizeof(ev));
	ev.direction = WEIR_EV_DIR_TOCLIENT; /* with its flow object */
	ev.flow_state = WEIR_EV_FLOW_ESTABLISHED;
	ev.flow_reason = WEIR_EV_FLOW_TCP_REUSE;
	ev.n_vlan = 2;
	ev.ip_version = 6;
	ev.proto = 6;
	ev.payload_cap = WEIR_EVENT_PAYLOAD_MAX;
	ev.pcap_cnt = UINT64_MAX;
	/* a tunnel object with IPv6 addresses and the longest pkt_src */
	ev.tun_kind = WEIR_EV_TUN_GENEVE;
	ev.tun_ip_version = 6;
	memcpy(ev.tun_src, v6, 16);
	memcpy(ev.tun_dst, v6, 16);
	/* metadata and references at their bound (JSON text written as is:
	 * here one JSON string of that many bytes) */
	meta = malloc(WEIR_EVENT_RULE_JSON_MAX + 1);
	CU_ASSERT_FATAL(meta != NULL);
	memset(meta, 'm', WEIR_EVENT_RULE_JSON_MAX);
	meta[0] = meta[WEIR_EVENT_RULE_JSON_MAX - 1] = '"';
	meta[WEIR_EVENT_RULE_JSON_MAX] = '\0';
	rule.metadata = meta;
	rule.references = meta;
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
		n = weir_event_format_json(&ev, &rule, iface, &fmt, buf, max);
		CU_ASSERT(n > 0 && (size_t)n < max);
		CU_ASSERT(strstr(buf, "\"flow\":{") != NULL);
		CU_ASSERT(strstr(buf, "\"community_id\":") != NULL);
		CU_ASSERT(strstr(buf, "\"tunnel\":{") != NULL);
		json_decref(format_parse_fmt(&ev, &rule, iface, &fmt, buf, max));
		/* a flow record of the same event fits the same bound */
		n = weir_event_format_flow_json(&ev, iface, &fmt, buf, weir_event_json_max(0));
		CU_ASSERT(n > 0 && (size_t)n < weir_event_json_max(0));
		rule.signature = sig;
		root = format_parse(&ev, &rule, iface, buf, max);
		CU_ASSERT(strlen(jstr(json_object_get(root, "alert"), "signature")) == sig_lens[i]);
		json_decref(root);
		free(buf);
		free(sig);
		free(cat);
		free(act);
	}
	free(meta);
}

/* ---- events with a flow, flow records ---------------------------------- */

static const struct weir_event_fmt g_fmt_cid = {.community_id = true, .weir_fields = true};

/* fill_event's packet as part of its flow: 3 packets and 300 bytes to the
 * server, 2 and 1200 back, started 55 s before it. */
static void
fill_flow(struct weir_event *ev, enum weir_event_dir dir)
{
	fill_event(ev);
	ev->direction = (uint8_t)dir;
	ev->flow_start_ns = 1795532590000180000ull; /* 2026-11-24T15:03:10.000180 */
	ev->flow_pkts[0] = 3;
	ev->flow_pkts[1] = 2;
	ev->flow_bytes[0] = 300;
	ev->flow_bytes[1] = 1200;
	if (dir == WEIR_EV_DIR_TOCLIENT) { /* the server's answer */
		memcpy(ev->src, (const uint8_t[]){198, 51, 100, 20}, 4);
		memcpy(ev->dst, (const uint8_t[]){192, 0, 2, 1}, 4);
		ev->sport = 80;
		ev->dport = 49152;
	}
}

/* Keys of @p obj, in order, against the NULL-terminated @p want. */
static void
check_keys(json_t *obj, const char *const *want)
{
	const char *key;
	json_t *v;
	size_t i = 0;

	CU_ASSERT_FATAL(json_is_object(obj));
	json_object_foreach(obj, key, v)
	{
		CU_ASSERT_FATAL(want[i] != NULL);
		if (strcmp(key, want[i]) != 0)
			fprintf(stderr, "key %zu: got %s, want %s\n", i, key, want[i]);
		CU_ASSERT_STRING_EQUAL(key, want[i]);
		i++;
	}
	CU_ASSERT(want[i] == NULL);
}

/* Suricata 8's alert with a flow (output-json-alert.c): community_id in
 * the header, direction and flow{} after alert{}, the flow's tuple from
 * its client whichever way the packet went. Built by hand; the community
 * id is the spec's algorithm run independently (Python hashlib). */
static void
test_alert_flow_to_server_golden(void)
{
	static const char want[] =
		"{\"timestamp\":\"2026-11-24T15:04:05.123456+0000\","
		"\"flow_id\":1234567890123456789,\"in_iface\":\"eth0\","
		"\"event_type\":\"alert\",\"src_ip\":\"192.0.2.1\",\"src_port\":49152,"
		"\"dest_ip\":\"198.51.100.20\",\"dest_port\":80,\"ip_v\":4,\"proto\":\"TCP\","
		"\"community_id\":\"1:9zYdWumU7dFmP78rrKWcQQRsfPs=\","
		"\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":2000001,"
		"\"rev\":7,\"signature\":\"ET TEST weir\",\"category\":\"Misc activity\","
		"\"severity\":3},\"direction\":\"to_server\",\"flow\":{\"pkts_toserver\":3,"
		"\"pkts_toclient\":2,\"bytes_toserver\":300,\"bytes_toclient\":1200,"
		"\"start\":\"2026-11-24T15:03:10.000180+0000\",\"src_ip\":\"192.0.2.1\","
		"\"dest_ip\":\"198.51.100.20\",\"src_port\":49152,\"dest_port\":80},"
		"\"payload\":\"Zm9v\",\"stream\":0,\"pkt_src\":\"wire/"
		"pcap\",\"weir\":{\"rule_index\":42,"
		"\"match_end\":9,\"worker\":2,\"seq\":77,\"port\":1,\"queue\":3,\"wire_len\":80,"
		"\"payload_len\":3,\"payload_truncated\":false,"
		"\"ts_ns\":1795532645123456789}}\n";
	static const char *const top[] = {
		"timestamp",	"flow_id", "in_iface",	"event_type", "src_ip",
		"src_port",	"dest_ip", "dest_port", "ip_v",	      "proto",
		"community_id", "alert",   "direction", "flow",	      "payload",
		"stream",	"pkt_src", "weir",	NULL,
	};
	static const char *const flow[] = {
		"pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient", "start",
		"src_ip",	 "dest_ip",	  "src_port",	    "dest_port",      NULL,
	};
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root;

	fill_flow(&ev, WEIR_EV_DIR_TOSERVER);
	root = format_parse_fmt(&ev, &g_rule, "eth0", &g_fmt_cid, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, want);
	check_keys(root, top);
	check_keys(json_object_get(root, "flow"), flow);
	json_decref(root);
	/* seeded */
	weir_event_format_json(
		&ev, &g_rule, "eth0",
		&(struct weir_event_fmt){.community_id = true, .community_id_seed = 7}, buf,
		sizeof(buf));
	CU_ASSERT(strstr(buf, "\"community_id\":\"1:DInTxx1Dl8mpvos9FJ1UAK/s/NE=\"") != NULL);
	/* community id off: the rest unchanged */
	root = format_parse(&ev, &g_rule, "eth0", buf, sizeof(buf));
	CU_ASSERT(json_object_get(root, "community_id") == NULL);
	CU_ASSERT_STRING_EQUAL(jstr(root, "direction"), "to_server");
	json_decref(root);
}

/* The server's answer: the packet's tuple reversed at the top, the flow's
 * (client first) in flow{}, and the same community_id. */
static void
test_alert_flow_to_client_golden(void)
{
	static const char want[] =
		"{\"timestamp\":\"2026-11-24T15:04:05.123456+0000\","
		"\"flow_id\":1234567890123456789,\"in_iface\":\"eth0\","
		"\"event_type\":\"alert\",\"src_ip\":\"198.51.100.20\",\"src_port\":80,"
		"\"dest_ip\":\"192.0.2.1\",\"dest_port\":49152,\"ip_v\":4,\"proto\":\"TCP\","
		"\"community_id\":\"1:9zYdWumU7dFmP78rrKWcQQRsfPs=\","
		"\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":2000001,"
		"\"rev\":7,\"signature\":\"ET TEST weir\",\"category\":\"Misc activity\","
		"\"severity\":3},\"direction\":\"to_client\",\"flow\":{\"pkts_toserver\":3,"
		"\"pkts_toclient\":2,\"bytes_toserver\":300,\"bytes_toclient\":1200,"
		"\"start\":\"2026-11-24T15:03:10.000180+0000\",\"src_ip\":\"192.0.2.1\","
		"\"dest_ip\":\"198.51.100.20\",\"src_port\":49152,\"dest_port\":80},"
		"\"payload\":\"Zm9v\",\"stream\":0,\"pkt_src\":\"wire/"
		"pcap\",\"weir\":{\"rule_index\":42,"
		"\"match_end\":9,\"worker\":2,\"seq\":77,\"port\":1,\"queue\":3,\"wire_len\":80,"
		"\"payload_len\":3,\"payload_truncated\":false,"
		"\"ts_ns\":1795532645123456789}}\n";
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root;

	fill_flow(&ev, WEIR_EV_DIR_TOCLIENT);
	root = format_parse_fmt(&ev, &g_rule, "eth0", &g_fmt_cid, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, want);
	json_decref(root);
	/* a source port of 0: Suricata leaves the flow's ports out */
	ev.sport = 0;
	root = format_parse_fmt(&ev, &g_rule, "eth0", &g_fmt_cid, buf, sizeof(buf));
	CU_ASSERT(json_object_get(json_object_get(root, "flow"), "src_port") == NULL);
	CU_ASSERT(json_object_get(json_object_get(root, "flow"), "dest_port") == NULL);
	CU_ASSERT(jint(root, "src_port") == 0);
	json_decref(root);
}

/* No flow (flow_id 0): Suricata writes no flow_id, community_id,
 * direction or flow{}; a flow_id without a direction names the flow but
 * has no counters to show. */
static void
test_alert_without_flow(void)
{
	static const char want[] =
		"{\"timestamp\":\"2026-11-24T15:04:05.123456+0000\",\"in_iface\":\"eth0\","
		"\"event_type\":\"alert\",\"src_ip\":\"192.0.2.1\",\"src_port\":49152,"
		"\"dest_ip\":\"198.51.100.20\",\"dest_port\":80,\"ip_v\":4,\"proto\":\"TCP\","
		"\"alert\":{\"action\":\"allowed\",\"gid\":1,\"signature_id\":2000001,"
		"\"rev\":7,\"signature\":\"ET TEST weir\",\"category\":\"Misc activity\","
		"\"severity\":3},\"payload\":\"Zm9v\",\"stream\":0,\"pkt_src\":\"wire/"
		"pcap\",\"weir\":{\"rule_index\":42,"
		"\"match_end\":9,\"worker\":2,\"seq\":77,\"port\":1,\"queue\":3,\"wire_len\":80,"
		"\"payload_len\":3,\"payload_truncated\":false,"
		"\"ts_ns\":1795532645123456789}}\n";
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root;

	fill_flow(&ev, WEIR_EV_DIR_TOSERVER);
	ev.flow_id = 0;
	root = format_parse_fmt(&ev, &g_rule, "eth0", &g_fmt_cid, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, want);
	json_decref(root);

	fill_event(&ev); /* flow_id set, direction none */
	root = format_parse_fmt(&ev, &g_rule, "eth0", &g_fmt_cid, buf, sizeof(buf));
	CU_ASSERT(jint(root, "flow_id") == 1234567890123456789ll);
	CU_ASSERT_STRING_EQUAL(jstr(root, "community_id"), "1:9zYdWumU7dFmP78rrKWcQQRsfPs=");
	CU_ASSERT(json_object_get(root, "direction") == NULL);
	CU_ASSERT(json_object_get(root, "flow") == NULL);
	json_decref(root);
	/* and a flow record needs a flow */
	ev.flow_id = 0;
	CU_ASSERT(weir_event_format_flow_json(&ev, "eth0", NULL, buf, sizeof(buf)) == -EINVAL);
}

/* ICMP: icmp_type and icmp_code after proto, no ports, and a community id
 * of type and code in which an echo reply pairs with its request (the
 * spec's baseline value for 192.168.0.89 -> 192.168.0.1 echo). */
static void
test_icmp_community_id(void)
{
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root;

	fill_flow(&ev, WEIR_EV_DIR_TOSERVER);
	ev.proto = 1;
	ev.sport = ev.dport = 0;
	memcpy(ev.src, (const uint8_t[]){192, 168, 0, 89}, 4);
	memcpy(ev.dst, (const uint8_t[]){192, 168, 0, 1}, 4);
	ev.icmp_type = 8;
	ev.icmp_code = 0;
	root = format_parse_fmt(&ev, &g_rule, "eth0", &g_fmt_cid, buf, sizeof(buf));
	CU_ASSERT(strstr(buf, ",\"dest_ip\":\"192.168.0.1\",\"ip_v\":4,\"proto\":\"ICMP\","
			      "\"icmp_type\":8,\"icmp_code\":0,"
			      "\"community_id\":\"1:X0snYXpgwiv9TZtqg64sgzUn6Dk=\",") != NULL);
	CU_ASSERT(json_object_get(root, "src_port") == NULL);
	CU_ASSERT(json_object_get(json_object_get(root, "flow"), "src_port") == NULL);
	json_decref(root);
	/* the reply */
	memcpy(ev.src, (const uint8_t[]){192, 168, 0, 1}, 4);
	memcpy(ev.dst, (const uint8_t[]){192, 168, 0, 89}, 4);
	ev.icmp_type = 0;
	ev.direction = WEIR_EV_DIR_TOCLIENT;
	root = format_parse_fmt(&ev, &g_rule, "eth0", &g_fmt_cid, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(jstr(root, "community_id"), "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
	CU_ASSERT(jint(root, "icmp_type") == 0);
	CU_ASSERT_STRING_EQUAL(jstr(json_object_get(root, "flow"), "src_ip"), "192.168.0.89");
	json_decref(root);
	/* ICMPv6 echo: IPv6-ICMP, type and code, no ports */
	memset(ev.src, 0, 16);
	memset(ev.dst, 0, 16);
	memcpy(ev.src, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 4);
	memcpy(ev.dst, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 4);
	ev.src[15] = 1;
	ev.dst[15] = 2;
	ev.ip_version = 6;
	ev.proto = 58;
	ev.icmp_type = 128;
	ev.direction = WEIR_EV_DIR_TOSERVER;
	root = format_parse_fmt(&ev, &g_rule, "eth0", &g_fmt_cid, buf, sizeof(buf));
	CU_ASSERT(strstr(buf,
			 "\"ip_v\":6,\"proto\":\"IPv6-ICMP\",\"icmp_type\":128,"
			 "\"icmp_code\":0,\"community_id\":\"1:u2vMS3HiWth2lIMKHB1fjELshpQ=\",") !=
		  NULL);
	json_decref(root);
}

/* A flow record as output-json-flow.c writes it, by hand. */
static void
test_flow_record_golden(void)
{
	static const char want[] =
		"{\"timestamp\":\"2026-11-24T15:04:05.123456+0000\","
		"\"flow_id\":1234567890123456789,\"in_iface\":\"eth0\","
		"\"event_type\":\"flow\",\"vlan\":[10],\"src_ip\":\"192.0.2.1\",\"src_port\":49152,"
		"\"dest_ip\":\"198.51.100.20\",\"dest_port\":80,\"ip_v\":4,\"proto\":\"TCP\","
		"\"flow\":{\"pkts_toserver\":3,\"pkts_toclient\":2,\"bytes_toserver\":300,"
		"\"bytes_toclient\":1200,\"start\":\"2026-11-24T15:03:10.000180+0000\","
		"\"end\":\"2026-11-24T15:04:05.123456+0000\",\"age\":55,\"state\":\"closed\","
		"\"reason\":\"timeout\",\"alerted\":true},"
		"\"community_id\":\"1:9zYdWumU7dFmP78rrKWcQQRsfPs=\",\"host\":\"s1\","
		"\"weir\":{\"worker\":2,\"seq\":77,\"port\":1,\"queue\":3,"
		"\"ts_ns\":1795532645123456789}}\n";
	static const char *const top[] = {
		"timestamp",	"flow_id", "in_iface",	"event_type", "vlan",  "src_ip",
		"src_port",	"dest_ip", "dest_port", "ip_v",	      "proto", "flow",
		"community_id", "host",	   "weir",	NULL,
	};
	static const char *const flow[] = {
		"pkts_toserver",
		"pkts_toclient",
		"bytes_toserver",
		"bytes_toclient",
		"start",
		"end",
		"age",
		"state",
		"reason",
		"alerted",
		NULL,
	};
	static const char *const weir[] = {"worker", "seq", "port", "queue", "ts_ns", NULL};
	struct weir_event_fmt fmt = {.host = "s1", .community_id = true, .weir_fields = true};
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root;

	fill_flow(&ev, WEIR_EV_DIR_NONE);
	ev.kind = WEIR_EV_FLOW;
	ev.n_vlan = 1;
	ev.vlan[0] = 10;
	ev.flow_state = WEIR_EV_FLOW_CLOSED;
	ev.flow_reason = WEIR_EV_FLOW_TIMEOUT;
	ev.flow_alerted = 1;
	root = format_parse_fmt(&ev, NULL, "eth0", &fmt, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, want);
	check_keys(root, top);
	check_keys(json_object_get(root, "flow"), flow);
	check_keys(json_object_get(root, "weir"), weir);
	json_decref(root);
}

/* Every state and reason by name, alerted false, and what is refused. */
static void
test_flow_record_states_reasons(void)
{
	static const char *const states[] = {"new", "established", "closed"};
	static const char *const reasons[] = {"timeout", "forced", "shutdown", "tcp_reuse"};
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root, *flow;
	unsigned int i, j;

	fill_flow(&ev, WEIR_EV_DIR_NONE);
	ev.kind = WEIR_EV_FLOW;
	for (i = 0; i < 3; i++) {
		for (j = 0; j < 4; j++) {
			ev.flow_state = (uint8_t)i;
			ev.flow_reason = (uint8_t)j;
			root = format_parse(&ev, NULL, "eth0", buf, sizeof(buf));
			flow = json_object_get(root, "flow");
			CU_ASSERT_STRING_EQUAL(jstr(flow, "state"), states[i]);
			CU_ASSERT_STRING_EQUAL(jstr(flow, "reason"), reasons[j]);
			CU_ASSERT(json_is_false(json_object_get(flow, "alerted")));
			CU_ASSERT(json_object_get(root, "community_id") == NULL); /* off */
			CU_ASSERT(json_object_get(root, "direction") == NULL);
			CU_ASSERT(json_object_get(json_object_get(root, "weir"), "host") == NULL);
			json_decref(root);
		}
	}
	ev.flow_state = 3;
	CU_ASSERT(weir_event_format_flow_json(&ev, "eth0", NULL, buf, sizeof(buf)) == -EINVAL);
	CU_ASSERT(buf[0] == '\0');
	ev.flow_state = 0;
	ev.flow_reason = 4;
	CU_ASSERT(weir_event_format_flow_json(&ev, "eth0", NULL, buf, sizeof(buf)) == -EINVAL);
	ev.flow_reason = 0;
	ev.ip_version = 5;
	CU_ASSERT(weir_event_format_flow_json(&ev, "eth0", NULL, buf, sizeof(buf)) == -EINVAL);
	ev.ip_version = 4;
	CU_ASSERT(weir_event_format_flow_json(&ev, "eth0", NULL, buf, 100) == -ENOSPC);
	CU_ASSERT(weir_event_format_flow_json(&ev, "eth0", NULL, buf, 0) == -ENOSPC);
}

/* age is end's whole seconds minus start's (Suricata: lastts.tv_sec -
 * startts.tv_sec), not the rounded difference; a start after the end
 * (a clock step) gives 0, not a huge number. */
static void
test_flow_record_age(void)
{
	static const struct {
		uint64_t start, end, age;
	} cases[] = {
		{1795532644900000000ull, 1795532645100000000ull, 1}, /* 0.2 s apart */
		{1795532645000000000ull, 1795532645999999999ull, 0}, /* 0.99 s apart */
		{1795532645123456789ull, 1795532645123456789ull, 0}, /* one packet */
		{1795532590000180000ull, 1795532645123456789ull, 55},
		{1795532000000000000ull, 1795535600000000000ull, 3600},
		{1795532646000000000ull, 1795532645000000000ull, 0}, /* start after end */
	};
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root;
	size_t i;

	fill_flow(&ev, WEIR_EV_DIR_NONE);
	ev.kind = WEIR_EV_FLOW;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ev.flow_start_ns = cases[i].start;
		ev.ts_ns = cases[i].end;
		root = format_parse(&ev, NULL, "eth0", buf, sizeof(buf));
		CU_ASSERT(jint(json_object_get(root, "flow"), "age") == (json_int_t)cases[i].age);
		json_decref(root);
	}
}

/* IPv6: RFC 5952 addresses, ip_v 6, the flow's ports; UDP by hand. */
static void
test_flow_record_ipv6_golden(void)
{
	static const char want[] =
		"{\"timestamp\":\"2026-11-24T15:04:05.123456+0000\","
		"\"flow_id\":281474976710657,\"in_iface\":\"net_pcap0\","
		"\"event_type\":\"flow\",\"src_ip\":\"2001:db8::1\",\"src_port\":40000,"
		"\"dest_ip\":\"2001:db8::2\",\"dest_port\":53,\"ip_v\":6,\"proto\":\"UDP\","
		"\"flow\":{\"pkts_toserver\":1,\"pkts_toclient\":0,\"bytes_toserver\":90,"
		"\"bytes_toclient\":0,\"start\":\"2026-11-24T15:04:05.123456+0000\","
		"\"end\":\"2026-11-24T15:04:05.123456+0000\",\"age\":0,\"state\":\"new\","
		"\"reason\":\"shutdown\",\"alerted\":false},"
		"\"community_id\":\"1:eO0ltZ3MqOvc7QA+zuku3dNgCuE=\","
		"\"weir\":{\"worker\":1,\"seq\":0,\"port\":0,\"queue\":0,"
		"\"ts_ns\":1795532645123456789}}\n";
	struct weir_event ev;
	char buf[BUF_LEN];
	json_t *root;

	memset(&ev, 0, sizeof(ev));
	ev.kind = WEIR_EV_FLOW;
	ev.ts_ns = ev.flow_start_ns = 1795532645123456789ull;
	ev.flow_id = (1ull << 48) | 1; /* worker 1, its first flow */
	ev.worker = 1;
	ev.ip_version = 6;
	ev.proto = 17;
	memcpy(ev.src, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 4);
	memcpy(ev.dst, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 4);
	ev.src[15] = 1;
	ev.dst[15] = 2;
	ev.sport = 40000;
	ev.dport = 53;
	ev.flow_pkts[0] = 1;
	ev.flow_bytes[0] = 90;
	ev.flow_state = WEIR_EV_FLOW_NEW;
	ev.flow_reason = WEIR_EV_FLOW_SHUTDOWN;
	root = format_parse_fmt(&ev, NULL, "net_pcap0", &g_fmt_cid, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, want);
	json_decref(root);
	/* the same flow as an IPv6 TCP alert */
	ev.kind = WEIR_EV_ALERT;
	ev.proto = 6;
	ev.dport = 443;
	ev.direction = WEIR_EV_DIR_TOSERVER;
	root = format_parse_fmt(&ev, &g_rule, "net_pcap0", &g_fmt_cid, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(jstr(root, "community_id"), "1:RYG3Msb11GthNt1OYXJouPzmrvA=");
	CU_ASSERT_STRING_EQUAL(jstr(json_object_get(root, "flow"), "dest_ip"), "2001:db8::2");
	CU_ASSERT(jint(root, "ip_v") == 6);
	json_decref(root);
}

/* Every buffer shorter than a flow record + NUL gets -ENOSPC (ASan sees
 * any write past the exact-size buffer). */
static void
test_flow_record_enospc_every_short_length(void)
{
	struct weir_event_fmt fmt = {.host = "h\x01", .community_id = true};
	struct weir_event ev;
	char full[BUF_LEN];
	size_t len;
	char *buf;
	int n;

	fill_flow(&ev, WEIR_EV_DIR_NONE);
	ev.kind = WEIR_EV_FLOW;
	n = weir_event_format_flow_json(&ev, "eth\n0", &fmt, full, sizeof(full));
	CU_ASSERT_FATAL(n > 0);
	for (len = 1; len <= (size_t)n; len++) {
		buf = malloc(len);
		CU_ASSERT_FATAL(buf != NULL);
		CU_ASSERT(weir_event_format_flow_json(&ev, "eth\n0", &fmt, buf, len) == -ENOSPC);
		CU_ASSERT(buf[0] == '\0');
		free(buf);
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
	CU_ADD_TEST(s, test_tunnel_object);
	CU_ADD_TEST(s, test_host_and_seq);
	CU_ADD_TEST(s, test_default_is_suricata_eve);
	CU_ADD_TEST(s, test_metadata_references_pcap_cnt);
	CU_ADD_TEST(s, test_json_str);
	CU_ADD_TEST(s, test_key_order);
	CU_ADD_TEST(s, test_escape_quotes_backslash_controls);
	CU_ADD_TEST(s, test_escape_invalid_utf8);
	CU_ADD_TEST(s, test_valid_utf8_preserved);
	CU_ADD_TEST(s, test_iface_cut_at_64_bytes);
	CU_ADD_TEST(s, test_ipv4_dotted);
	CU_ADD_TEST(s, test_ipv6_rfc5952);
	CU_ADD_TEST(s, test_ipv6_matches_inet_ntop);
	CU_ADD_TEST(s, test_unknown_ip_version_einval);
	CU_ADD_TEST(s, test_no_ip_layer_no_tuple);
	CU_ADD_TEST(s, test_vlan_present_absent);
	CU_ADD_TEST(s, test_proto_names_and_ports);
	CU_ADD_TEST(s, test_base64_rfc4648_vectors);
	CU_ADD_TEST(s, test_payload_and_truncated_flag);
	CU_ADD_TEST(s, test_timestamp_known_values);
	CU_ADD_TEST(s, test_timestamp_matches_gmtime);
	CU_ADD_TEST(s, test_enospc_every_short_length);
	CU_ADD_TEST(s, test_json_max_bound_worst_case);
	CU_ADD_TEST(s, test_alert_flow_to_server_golden);
	CU_ADD_TEST(s, test_alert_flow_to_client_golden);
	CU_ADD_TEST(s, test_alert_without_flow);
	CU_ADD_TEST(s, test_icmp_community_id);
	CU_ADD_TEST(s, test_flow_record_golden);
	CU_ADD_TEST(s, test_flow_record_states_reasons);
	CU_ADD_TEST(s, test_flow_record_age);
	CU_ADD_TEST(s, test_flow_record_ipv6_golden);
	CU_ADD_TEST(s, test_flow_record_enospc_every_short_length);
	CU_ADD_TEST(s, test_frame_ring_put_wrap_full_release);
	return weir_ut_run();
}
