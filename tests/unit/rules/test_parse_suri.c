/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the Suricata rule parser (rules/rules_parse_suri.c) and the
 * classification table (rules/rules_parse_class.c): every keyword fills its
 * weir_suri_rule fields, every class of bad rule gives exactly one
 * "file:line:col" diagnostic naming the keyword and skips only that rule,
 * continuation lines and comments are read as Suricata reads them,
 * duplicate sids are caught across files, a 10,000-rule file parses
 * quickly, and the real ET Open and Snort community files load with every
 * active rule either parsed or refused once, for a known reason.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "weir_cunit.h"

#include "rules_int.h"

#define DIAG_CAP 8192
#define HDR	 "alert tcp any any -> any any ("

static char g_data_dir[4096];
static int g_have_data;
static struct weir_rule_vars g_vars;

static int
suite_init(void)
{
	const char *d = weir_ut_shared_data();

	g_have_data = d != NULL;
	if (g_have_data) {
		snprintf(g_data_dir, sizeof(g_data_dir), "%s", d);
		fprintf(stderr, "shared data: %s\n", g_data_dir);
	}
	return weir_rule_vars_defaults(&g_vars) == 0 ? 0 : 1;
}

static int
suite_clean(void)
{
	weir_rule_vars_free(&g_vars);
	return 0;
}

static int
need_data(void)
{
	if (g_have_data)
		return 1;
	weir_ut_skip("shared data not found (set WEIR_SHARED_DATA)");
	return 0;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Write @p text to a fresh temporary file; @p path gets its name. */
static int
write_tmp(const char *text, char *path, size_t len)
{
	FILE *f;
	int fd;

	snprintf(path, len, "/tmp/weir_suri_XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		return -EIO;
	}
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -EIO;
}

/* Parse one rule text into @p l; the list and diagnostics are the caller's. */
static int
parse1(const char *text, struct weir_suri_rule_list *l, struct weir_diags *ds)
{
	return weir_rules_parse_suri_rule("t.rules", 7, text, &g_vars, l, ds);
}

/* Parse one good rule and hand back its copy in a fresh list. */
static struct weir_suri_rule *
good(const char *text, struct weir_suri_rule_list *l)
{
	struct weir_diags ds;
	int rc;

	memset(l, 0, sizeof(*l));
	if (weir_diags_init(&ds, 4) != 0)
		return NULL;
	rc = parse1(text, l, &ds);
	if (rc != 0 || ds.total != 0 || l->n != 1) {
		char buf[512] = "";

		if (ds.n > 0)
			weir_diag_format(&ds.v[0], buf, sizeof(buf));
		fprintf(stderr, "\n  rule refused: %s\n  %s\n", text, buf);
		weir_diags_free(&ds);
		return NULL;
	}
	weir_diags_free(&ds);
	return &l->v[0];
}

/*
 * @p text must be refused with exactly one diagnostic "t.rules:7:COL: MSG"
 * where COL is the column of the first occurrence of @p at in the text
 * (NULL: one past the end), MSG contains @p msg, and the keyword is @p kw.
 */
static void
expect_err(const char *text, const char *at, const char *kw, const char *msg)
{
	struct weir_suri_rule_list l = {0};
	struct weir_diags ds;
	char want[64], got[512];
	unsigned int col;
	const char *p;
	int rc;

	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	p = at != NULL ? strstr(text, at) : text + strlen(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	col = (unsigned int)(p - text) + 1;
	rc = parse1(text, &l, &ds);
	CU_ASSERT(rc == -EINVAL);
	CU_ASSERT(l.n == 0);
	CU_ASSERT(ds.total == 1);
	if (ds.n == 0) {
		fprintf(stderr, "\n  accepted: %s\n", text);
		weir_suri_rule_list_free(&l);
		weir_diags_free(&ds);
		return;
	}
	weir_diag_format(&ds.v[0], got, sizeof(got));
	snprintf(want, sizeof(want), "t.rules:7:%u: ", col);
	if (strncmp(got, want, strlen(want)) != 0 || strstr(got, msg) == NULL ||
	    strcmp(ds.v[0].keyword, kw) != 0)
		fprintf(stderr, "\n  %s\n  got \"%s\" [%s], want \"%s...%s\" [%s]\n", text, got,
			ds.v[0].keyword, want, msg, kw);
	CU_ASSERT(strncmp(got, want, strlen(want)) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, msg));
	CU_ASSERT_STRING_EQUAL(ds.v[0].keyword, kw);
	weir_suri_rule_list_free(&l);
	weir_diags_free(&ds);
}

static const uint8_t *
v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	static uint8_t ip[4];

	ip[0] = a;
	ip[1] = b;
	ip[2] = c;
	ip[3] = d;
	return ip;
}

/* ---- classification ---------------------------------------------------- */

static void
test_classtype_table(void)
{
	static const struct {
		const char *name;
		unsigned int prio;
	} want[] = {
		{"not-suspicious", 3},
		{"unknown", 3},
		{"bad-unknown", 2},
		{"attempted-recon", 2},
		{"successful-recon-limited", 2},
		{"successful-recon-largescale", 2},
		{"attempted-dos", 2},
		{"successful-dos", 2},
		{"attempted-user", 1},
		{"unsuccessful-user", 1},
		{"successful-user", 1},
		{"attempted-admin", 1},
		{"successful-admin", 1},
		{"rpc-portmap-decode", 2},
		{"shellcode-detect", 1},
		{"string-detect", 3},
		{"suspicious-filename-detect", 2},
		{"suspicious-login", 2},
		{"system-call-detect", 2},
		{"tcp-connection", 4},
		{"trojan-activity", 1},
		{"unusual-client-port-connection", 2},
		{"network-scan", 3},
		{"denial-of-service", 2},
		{"non-standard-protocol", 2},
		{"protocol-command-decode", 3},
		{"web-application-activity", 2},
		{"web-application-attack", 1},
		{"misc-activity", 3},
		{"misc-attack", 2},
		{"icmp-event", 3},
		{"inappropriate-content", 1},
		{"policy-violation", 1},
		{"default-login-attempt", 2},
		{"targeted-activity", 1},
		{"exploit-kit", 1},
		{"external-ip-check", 2},
		{"domain-c2", 1},
		{"pup-activity", 2},
		{"credential-theft", 1},
		{"social-engineering", 2},
		{"coin-mining", 2},
		{"command-and-control", 1},
	};
	const char *desc = "x";
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		desc = NULL;
		CU_ASSERT(weir_classtype_priority(want[i].name, &desc) == want[i].prio);
		CU_ASSERT(desc != NULL && desc[0] != '\0');
	}
	CU_ASSERT(weir_classtype_priority("trojan-activity", &desc) == 1);
	CU_ASSERT_STRING_EQUAL(desc, "A Network Trojan was detected");
	CU_ASSERT(weir_classtype_priority("Trojan-Activity", NULL) == 1);
	desc = "x";
	CU_ASSERT(weir_classtype_priority("no-such-class", &desc) == 0);
	CU_ASSERT_PTR_NULL(desc);
	CU_ASSERT(weir_classtype_priority("", NULL) == 0);
	CU_ASSERT(weir_classtype_priority(NULL, NULL) == 0);
	/* Snort-only classes are not in Suricata's table. */
	CU_ASSERT(weir_classtype_priority("sdf", NULL) == 0);
}

/* ---- good rules: header and identity ----------------------------------- */

static void
test_header_and_defaults(void)
{
	struct weir_suri_rule_list l;
	struct weir_suri_rule *r;

	r = good("  alert tcp any any -> any any (sid:1;)  ", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->action == WEIR_ACTION_ALERT && r->proto == WEIR_RPROTO_TCP && !r->bidir);
	CU_ASSERT(r->src.any && r->dst.any && r->sport.any && r->dport.any);
	CU_ASSERT(r->sid == 1 && r->rev == 1 && r->gid == 1);
	CU_ASSERT_STRING_EQUAL(r->msg, "");
	CU_ASSERT_PTR_NULL(r->classtype);
	CU_ASSERT_PTR_NULL(r->metadata);
	CU_ASSERT_PTR_NULL(r->reference);
	CU_ASSERT(r->priority == 3);
	CU_ASSERT(r->n_items == 0 && !r->has_dsize);
	CU_ASSERT(r->threshold.type == WEIR_THRESH_NONE);
	CU_ASSERT(r->detection_filter.type == WEIR_THRESH_NONE);
	CU_ASSERT_STRING_EQUAL(r->file, "t.rules");
	CU_ASSERT(r->line == 7);
	CU_ASSERT_STRING_EQUAL(r->text, "alert tcp any any -> any any (sid:1;)");
	weir_suri_rule_list_free(&l);

	r = good("pass udp any any <> any any (sid:2;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->action == WEIR_ACTION_PASS && r->proto == WEIR_RPROTO_UDP && r->bidir);
	weir_suri_rule_list_free(&l);
	r = good("ALERT ICMP any any -> any any (SID:3;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->proto == WEIR_RPROTO_ICMP && r->sid == 3);
	weir_suri_rule_list_free(&l);
	r = good("alert ip any any -> any any(sid:4;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->proto == WEIR_RPROTO_IP);
	weir_suri_rule_list_free(&l);

	/* Lists with blanks inside brackets are one field; variables expand. */
	r = good("alert tcp [10.0.0.0/8, ![10.1.0.0/16, 10.2.0.0/16]] [1024: , 80] -> "
		 "$HOME_NET [80, 443,8080:8090] (sid:5;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(weir_addrset_has(&r->src, 4, v4(10, 3, 0, 1)));
	CU_ASSERT(!weir_addrset_has(&r->src, 4, v4(10, 1, 0, 1)));
	CU_ASSERT(!weir_addrset_has(&r->src, 4, v4(11, 0, 0, 1)));
	CU_ASSERT(weir_portset_has(&r->sport, 80) && weir_portset_has(&r->sport, 1024));
	CU_ASSERT(!weir_portset_has(&r->sport, 81));
	CU_ASSERT(weir_addrset_has(&r->dst, 4, v4(192, 168, 1, 1)));
	CU_ASSERT(!weir_addrset_has(&r->dst, 4, v4(8, 8, 8, 8)));
	CU_ASSERT(weir_portset_has(&r->dport, 8085) && !weir_portset_has(&r->dport, 81));
	CU_ASSERT(!r->dport.any);
	weir_suri_rule_list_free(&l);

	r = good("alert tcp $EXTERNAL_NET any -> $HOME_NET $HTTP_PORTS (sid:6;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(weir_addrset_has(&r->src, 4, v4(8, 8, 8, 8)));
	CU_ASSERT(!weir_addrset_has(&r->src, 4, v4(10, 0, 0, 1)));
	CU_ASSERT(weir_portset_has(&r->dport, 80));
	weir_suri_rule_list_free(&l);

	/* A blank or comment text is no rule and no error. */
	memset(&l, 0, sizeof(l));
	CU_ASSERT(weir_rules_parse_suri_rule("t", 1, "   ", &g_vars, &l, NULL) == 0);
	CU_ASSERT(weir_rules_parse_suri_rule("t", 1, "# alert tcp any any -> any any (sid:1;)",
					     &g_vars, &l, NULL) == 0);
	CU_ASSERT(l.n == 0);
}

static void
test_identity_keywords(void)
{
	struct weir_suri_rule_list l;
	struct weir_suri_rule *r;

	r = good(HDR "msg:\"a \\\"quoted\\\" \\; \\: \\\\ \\, msg\"; sid:4294967295; rev:0; gid:0; "
		     "classtype:Trojan-Activity; metadata:created_at 2010_07_30, updated_at 2019; "
		     "reference:url,example.com/a; metadata: k v ; reference:cve,2020-1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_STRING_EQUAL(r->msg, "a \"quoted\" ; : \\ , msg");
	CU_ASSERT(r->sid == 4294967295u && r->rev == 0 && r->gid == 0);
	CU_ASSERT_STRING_EQUAL(r->classtype, "trojan-activity");
	CU_ASSERT(r->priority == 1);
	CU_ASSERT_STRING_EQUAL(r->metadata, "created_at 2010_07_30, updated_at 2019, k v");
	CU_ASSERT_STRING_EQUAL(r->reference, "url,example.com/a, cve,2020-1");
	weir_suri_rule_list_free(&l);

	/* priority overrides the classtype's, whichever comes first. */
	r = good(HDR "priority:9; classtype:tcp-connection; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->priority == 9);
	weir_suri_rule_list_free(&l);
	r = good(HDR "classtype:tcp-connection; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->priority == 4);
	weir_suri_rule_list_free(&l);
	r = good(HDR "sid:1; classtype:misc-activity; priority:\"255\";)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->priority == 255);
	weir_suri_rule_list_free(&l);
	r = good(HDR "sid : 12 ; rev: 3 ;gid:5;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->sid == 12 && r->rev == 3 && r->gid == 5);
	weir_suri_rule_list_free(&l);
}

/*
 * EVE alert.metadata and alert.references, golden answers from Suricata's
 * source: detect-metadata.c's own test (metadata: toto 1; metadata: titi 2,
 * jaivu gros_minet -> {"jaivu":["gros_minet"],"titi":["2"],"toto":["1"]}),
 * its grouping (keys sorted without regard to case, values of one key
 * newest first, entries without a value left out) and etc/reference.config
 * (url -> https://, cve -> https://cve.mitre.org/cgi-bin/cvename.cgi?name=).
 */
static void
test_eve_metadata_references(void)
{
	struct weir_suri_rule_list l;
	struct weir_suri_rule *r;
	char *msg, *rule;

	r = good(HDR "metadata: toto 1; metadata: titi 2, jaivu gros_minet; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_STRING_EQUAL(r->eve_metadata,
			       "{\"jaivu\":[\"gros_minet\"],\"titi\":[\"2\"],\"toto\":[\"1\"]}");
	CU_ASSERT_PTR_NULL(r->eve_references);
	weir_suri_rule_list_free(&l);

	r = good(HDR "metadata: tag a, Former x, tag b, novalue, tag  c d, former y; "
		     "reference:url,example.com/a; reference: cve , \"2020-1\"; "
		     "reference:URL,x.example/q?a=\\;b; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_STRING_EQUAL(r->eve_metadata, "{\"former\":[\"y\",\"x\"],"
						"\"tag\":[\"c d\",\"b\",\"a\"]}");
	CU_ASSERT_STRING_EQUAL(r->eve_references,
			       "[\"https://example.com/a\","
			       "\"https://cve.mitre.org/cgi-bin/cvename.cgi?name=2020-1\","
			       "\"https://x.example/q?a=\\\\;b\"]");
	weir_suri_rule_list_free(&l);

	/* metadata with no "key value" entry at all: none */
	r = good(HDR "metadata: lonely; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NULL(r->eve_metadata);
	weir_suri_rule_list_free(&l);

	/* bytes of a binary rule file are quoted escaped, never raw */
	expect_err(HDR "classtype:\x1b[31mred\x07; sid:1;)", "\x1b", "classtype",
		   "unknown classtype '\\x1b[31mred\\x07'");

	/* Suricata refuses a reference its reference.config lacks */
	expect_err(HDR "reference:nosuch,1; sid:1;)", "nosuch", "reference",
		   "unknown system 'nosuch'");
	expect_err(HDR "reference:url; sid:1;)", "url;", "reference", "expected SYSTEM,ID");

	/* msg: whole up to WEIR_RULE_SIG_MAX bytes, a precise error past it */
	msg = malloc(WEIR_RULE_SIG_MAX + 2);
	rule = malloc(WEIR_RULE_SIG_MAX + 64);
	CU_ASSERT_FATAL(msg != NULL && rule != NULL);
	memset(msg, 'm', WEIR_RULE_SIG_MAX);
	msg[WEIR_RULE_SIG_MAX] = '\0';
	snprintf(rule, WEIR_RULE_SIG_MAX + 64, HDR "msg:\"%s\"; sid:1;)", msg);
	r = good(rule, &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(strlen(r->msg) == WEIR_RULE_SIG_MAX);
	weir_suri_rule_list_free(&l);
	msg[WEIR_RULE_SIG_MAX] = 'm';
	msg[WEIR_RULE_SIG_MAX + 1] = '\0';
	snprintf(rule, WEIR_RULE_SIG_MAX + 64, HDR "msg:\"%s\"; sid:1;)", msg);
	expect_err(rule, "\"mmm", "msg", "msg: 1025 bytes, weir writes alert.signature whole");
	free(msg);
	free(rule);
}

/* ---- good rules: payload ------------------------------------------------ */

static void
test_content_and_modifiers(void)
{
	struct weir_suri_rule_list l;
	struct weir_item *it;
	struct weir_suri_rule *r;

	r = good(HDR "content:\"a\\\"b\\\\c\\;d\\:e\"; content:!\"|41 42|C| 0d0A |\"; nocase; "
		     "content: ! \"x\"; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_FATAL(r->n_items == 3);
	it = &r->items[0];
	CU_ASSERT(it->kind == WEIR_ITEM_CONTENT && !it->negated && !it->nocase);
	CU_ASSERT(it->len == 9 && memcmp(it->bytes, "a\"b\\c;d:e", 9) == 0);
	CU_ASSERT(it->col == strlen(HDR) + 1);
	it = &r->items[1];
	CU_ASSERT(it->negated && it->nocase && !it->relative);
	CU_ASSERT(it->len == 5 && memcmp(it->bytes, "ABC\r\n", 5) == 0);
	it = &r->items[2];
	CU_ASSERT(it->negated && it->len == 1 && it->bytes[0] == 'x');
	weir_suri_rule_list_free(&l);

	r = good(HDR "content:\"abc\"; offset:0; depth:3; rawbytes; "
		     "content:\"de\"; distance:-5; within:2; content:\"f\"; distance:0; "
		     "content:\"gh\"; within:65535; fast_pattern; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_FATAL(r->n_items == 4);
	it = &r->items[0];
	CU_ASSERT(it->has_offset && it->offset == 0 && it->has_depth && it->depth == 3);
	CU_ASSERT(!it->has_distance && !it->has_within && !it->relative && !it->fast_pattern);
	it = &r->items[1];
	CU_ASSERT(it->has_distance && it->distance == -5 && it->has_within && it->within == 2);
	CU_ASSERT(it->relative && !it->has_offset && !it->has_depth);
	it = &r->items[2];
	CU_ASSERT(it->relative && it->has_distance && it->distance == 0 && !it->has_within);
	it = &r->items[3];
	CU_ASSERT(it->relative && it->has_within && it->within == 65535 && it->fast_pattern);
	weir_suri_rule_list_free(&l);

	/* fast_pattern:N,M within the content; one fast_pattern per rule. */
	r = good(HDR "content:\"abcdef\"; fast_pattern:2,4; distance:1048576; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->items[0].fast_pattern && r->items[0].distance == 1048576);
	weir_suri_rule_list_free(&l);
	r = good(HDR "content:\"a\"; offset:65535; depth:65535; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->items[0].offset == 65535 && r->items[0].depth == 65535);
	weir_suri_rule_list_free(&l);

	/* A modifier after a pcre applies to the last content. */
	r = good(HDR "content:\"a\"; pcre:\"/b/\"; nocase; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->items[0].nocase && r->items[1].kind == WEIR_ITEM_PCRE);
	weir_suri_rule_list_free(&l);
}

static void
test_pcre(void)
{
	struct weir_suri_rule_list l;
	struct weir_item *it;
	struct weir_suri_rule *r;

	r = good(HDR "pcre:\"/^GET \\/a\\;b\\\"c[0-9]{2}/smix\"; pcre:!\"/x/R\"; "
		     "pcre: \"/a/b/\"; pcre:\"/d/\"; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_FATAL(r->n_items == 4);
	it = &r->items[0];
	CU_ASSERT(it->kind == WEIR_ITEM_PCRE && !it->negated && !it->relative);
	CU_ASSERT_STRING_EQUAL(it->pcre, "^GET \\/a\\;b\\\"c[0-9]{2}");
	CU_ASSERT(it->pcre_flags == (WEIR_PCRE_I | WEIR_PCRE_S | WEIR_PCRE_M | WEIR_PCRE_X));
	it = &r->items[1];
	CU_ASSERT(it->negated && it->relative && it->pcre_flags == 0);
	CU_ASSERT_STRING_EQUAL(it->pcre, "x");
	/* The last '/' ends the pattern: "/a/b/" is the pattern "a/b". */
	CU_ASSERT_STRING_EQUAL(r->items[2].pcre, "a/b");
	CU_ASSERT(r->items[3].pcre_flags == 0 && !r->items[3].relative);
	weir_suri_rule_list_free(&l);
}

static void
test_dsize_threshold_fraud(void)
{
	static const struct {
		const char *opt;
		uint8_t mode;
		uint64_t a, b;
	} ds[] = {
		{"dsize:5;", WEIR_UINT_EQ, 5, 0},
		{"dsize: !0;", WEIR_UINT_NE, 0, 0},
		{"dsize:<135;", WEIR_UINT_LT, 135, 0},
		{"dsize: > 128;", WEIR_UINT_GT, 128, 0},
		{"dsize:10<>20;", WEIR_UINT_RANGE, 10, 20},
		{"dsize: 0 <> 65535 ;", WEIR_UINT_RANGE, 0, 65535},
		{"dsize:65535;", WEIR_UINT_EQ, 65535, 0},
		/* Suricata's whole u16 syntax (uint.rs) */
		{"dsize:<=5;", WEIR_UINT_LE, 5, 0},
		{"dsize:>=5;", WEIR_UINT_GE, 5, 0},
		{"dsize:!=5;", WEIR_UINT_NE, 5, 0},
		{"dsize:=5;", WEIR_UINT_EQ, 5, 0},
		{"dsize:10-20;", WEIR_UINT_RANGE, 10, 20},
		{"dsize:!10-20;", WEIR_UINT_NEG_RANGE, 10, 20},
		{"dsize:0x10;", WEIR_UINT_EQ, 16, 0},
		{"dsize:1kb;", WEIR_UINT_EQ, 1024, 0},
		{"dsize:&0x3=1;", WEIR_UINT_BITMASK, 3, 1},
	};
	struct weir_suri_rule_list l;
	struct weir_suri_rule *r;
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
		snprintf(text, sizeof(text), HDR "%s sid:1;)", ds[i].opt);
		r = good(text, &l);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT(r->has_dsize && r->dsize.mode == ds[i].mode && r->dsize.a == ds[i].a);
		if (ds[i].mode == WEIR_UINT_RANGE || ds[i].mode == WEIR_UINT_NEG_RANGE ||
		    ds[i].mode == WEIR_UINT_BITMASK)
			CU_ASSERT(r->dsize.b == ds[i].b);
		weir_suri_rule_list_free(&l);
	}

	r = good(HDR "threshold: type limit, track by_src, seconds 3600, count 1; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->threshold.type == WEIR_THRESH_LIMIT && !r->threshold.by_dst);
	CU_ASSERT(r->threshold.count == 1 && r->threshold.seconds == 3600);
	CU_ASSERT(r->detection_filter.type == WEIR_THRESH_NONE);
	weir_suri_rule_list_free(&l);
	r = good(HDR "threshold:type both,track by_dst,count 5,seconds 60; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->threshold.type == WEIR_THRESH_BOTH && r->threshold.by_dst);
	weir_suri_rule_list_free(&l);
	r = good(HDR "threshold:count 2,  seconds 300 ,track by_src, type threshold; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->threshold.type == WEIR_THRESH_THRESHOLD && r->threshold.count == 2 &&
		  r->threshold.seconds == 300);
	weir_suri_rule_list_free(&l);
	r = good(HDR "detection_filter: track by_dst, count 10, seconds 1; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->detection_filter.type == WEIR_THRESH_DETECTION && r->detection_filter.by_dst &&
		  r->detection_filter.count == 10 && r->detection_filter.seconds == 1);
	CU_ASSERT(r->threshold.type == WEIR_THRESH_NONE);
	weir_suri_rule_list_free(&l);

	/* luhn marks the item before it; pan is an item of its own. */
	r = good(HDR "content:\"4\"; luhn; pcre:\"/[0-9]{16}/\"; luhn; pan; content:\"x\"; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_FATAL(r->n_items == 4);
	CU_ASSERT(r->items[0].luhn && r->items[1].luhn);
	CU_ASSERT(r->items[2].kind == WEIR_ITEM_PAN && !r->items[2].luhn && !r->items[2].relative);
	CU_ASSERT(r->items[2].col == (unsigned int)(strstr(r->text, "pan;") - r->text) + 1);
	CU_ASSERT(!r->items[3].luhn);
	weir_suri_rule_list_free(&l);
}

/* ---- bad rules: one diagnostic each, at the offending token -------------- */

/* ---- flow, flowbits, flowint ------------------------------------------ */

static void
test_flow_keywords(void)
{
	static const struct {
		const char *opt;
		unsigned int flow;
	} fl[] = {
		{"flow:to_server;", WEIR_FLOW_TOSERVER},
		{"flow:from_client;", WEIR_FLOW_TOSERVER},
		{"flow:To_Client;", WEIR_FLOW_TOCLIENT},
		{"flow:from_server;", WEIR_FLOW_TOCLIENT},
		{"flow:established,to_server;", WEIR_FLOW_ESTABLISHED | WEIR_FLOW_TOSERVER},
		{"flow: to_client , established ;", WEIR_FLOW_ESTABLISHED | WEIR_FLOW_TOCLIENT},
		{"flow:not_established;", WEIR_FLOW_NOT_ESTABLISHED},
		{"flow:stateless;", WEIR_FLOW_STATELESS},
		{"flow:to_server,not_established,no_frag;",
		 WEIR_FLOW_TOSERVER | WEIR_FLOW_NOT_ESTABLISHED | WEIR_FLOW_NO_FRAG},
		{"flow:established,no_stream;", WEIR_FLOW_ESTABLISHED | WEIR_FLOW_NO_STREAM},
		{"flow:only_frag;", WEIR_FLOW_ONLY_FRAG},
		/* Suricata accepts it (and the rule never matches) */
		{"flow:not_established,stateless;",
		 WEIR_FLOW_NOT_ESTABLISHED | WEIR_FLOW_STATELESS},
	};
	struct weir_suri_rule_list l;
	struct weir_suri_rule *r;
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
		snprintf(text, sizeof(text), HDR "%s sid:1;)", fl[i].opt);
		r = good(text, &l);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT(r->has_flow);
		CU_ASSERT(r->flow == fl[i].flow);
		weir_suri_rule_list_free(&l);
	}
	r = good(HDR "sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(!r->has_flow && r->n_fv == 0 && !r->noalert);
	weir_suri_rule_list_free(&l);

	r = good(HDR "flowbits:set,a.b; flowbits: isset, x|y | z ; flowbits:noalert; "
		     "flowbits:toggle,c&d; flowbits:unset,e; flowbits:isnotset,f|g; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->noalert);
	CU_ASSERT_FATAL(r->n_fv == 5);
	CU_ASSERT(r->fv[0].op == WEIR_FB_SET && r->fv[0].n == 1);
	CU_ASSERT_STRING_EQUAL(r->fv[0].names[0], "a.b");
	CU_ASSERT(r->fv[1].op == WEIR_FB_ISSET && r->fv[1].n == 3);
	CU_ASSERT_STRING_EQUAL(r->fv[1].names[0], "x");
	CU_ASSERT_STRING_EQUAL(r->fv[1].names[1], "y");
	CU_ASSERT_STRING_EQUAL(r->fv[1].names[2], "z");
	/* '&' is part of a name in Suricata, not a grouping */
	CU_ASSERT(r->fv[2].op == WEIR_FB_TOGGLE && r->fv[2].n == 1);
	CU_ASSERT_STRING_EQUAL(r->fv[2].names[0], "c&d");
	CU_ASSERT(r->fv[3].op == WEIR_FB_UNSET);
	CU_ASSERT(r->fv[4].op == WEIR_FB_ISNOTSET && r->fv[4].n == 2);
	CU_ASSERT(r->fv[0].col == strlen(HDR) + 1);
	weir_suri_rule_list_free(&l);

	r = good(HDR "noalert; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->noalert && r->n_fv == 0);
	weir_suri_rule_list_free(&l);

	r = good(HDR "flowint:cnt,+,1; flowint: cnt , > , 5 ; flowint:lim,=,other; "
		     "flowint:cnt,isset; flowint:cnt,notset; flowint:cnt,isnotset; "
		     "flowint:cnt,-,4294967295; flowint:cnt,==,lim; flowint:cnt,+2; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_FATAL(r->n_fv == 9);
	CU_ASSERT(r->fv[0].op == WEIR_FI_ADD && r->fv[0].value == 1 && !r->fv[0].target_var);
	CU_ASSERT_STRING_EQUAL(r->fv[0].names[0], "cnt");
	CU_ASSERT(r->fv[1].op == WEIR_FI_GT && r->fv[1].value == 5);
	CU_ASSERT(r->fv[2].op == WEIR_FI_SET && r->fv[2].target_var && r->fv[2].n == 2);
	CU_ASSERT_STRING_EQUAL(r->fv[2].names[1], "other");
	CU_ASSERT(r->fv[3].op == WEIR_FI_ISSET);
	CU_ASSERT(r->fv[4].op == WEIR_FI_NOTSET && r->fv[5].op == WEIR_FI_NOTSET);
	CU_ASSERT(r->fv[6].op == WEIR_FI_SUB && r->fv[6].value == 4294967295u);
	CU_ASSERT(r->fv[7].op == WEIR_FI_EQ && r->fv[7].target_var);
	/* the ',' before the value is optional in Suricata's regex */
	CU_ASSERT(r->fv[8].op == WEIR_FI_ADD && r->fv[8].value == 2);
	weir_suri_rule_list_free(&l);
	r = good(HDR "flowint:a1,<=,3; flowint:a1,<,3; flowint:a1,>=,3; flowint:a1,!=,3; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_FATAL(r->n_fv == 4);
	CU_ASSERT(r->fv[0].op == WEIR_FI_LE && r->fv[1].op == WEIR_FI_LT);
	CU_ASSERT(r->fv[2].op == WEIR_FI_GE && r->fv[3].op == WEIR_FI_NE);
	weir_suri_rule_list_free(&l);
}

static void
test_flow_keyword_errors(void)
{
	expect_err(HDR "flow:to_server,to_client; sid:1;)", "to_client", "flow",
		   "flow: 'to_client' cannot be used with 'to_server'");
	expect_err(HDR "flow:from_server,from_client; sid:1;)", "from_client", "flow",
		   "flow: 'from_client' cannot be used with 'to_client'");
	expect_err(HDR "flow:established,not_established; sid:1;)", "not_est", "flow",
		   "flow: 'not_established' cannot be used with 'established'");
	expect_err(HDR "flow:stateless,established; sid:1;)", "established", "flow",
		   "flow: 'established' cannot be used with 'stateless'");
	expect_err(HDR "flow:established,stateless; sid:1;)", "stateless", "flow",
		   "flow: 'stateless' cannot be used with 'established'");
	expect_err(HDR "flow:no_frag,only_frag; sid:1;)", "only_frag", "flow",
		   "flow: 'only_frag' cannot be used with 'no_frag'");
	expect_err(HDR "flow:established,established; sid:1;)", "established;", "flow",
		   "flow: 'established' is already set");
	expect_err(HDR "flow:to_server; flow:established; sid:1;)", "flow:est", "flow",
		   "flow: a rule may have only one flow option");
	expect_err(HDR "flow:no_stream,only_stream; sid:1;)", "only_stream", "flow",
		   "flow: 'only_stream' cannot be used with 'no_stream'");
	expect_err(HDR "flow:only_stream,no_stream; sid:1;)", "no_stream", "flow",
		   "flow: 'no_stream' cannot be used with 'only_stream'");
	expect_err(HDR "flow:only_stream,only_stream; sid:1;)", "only_stream;", "flow",
		   "flow: 'only_stream' is already set");
	expect_err(HDR "flow:to_server,established,no_stream,no_frag; sid:1;)", "no_frag", "flow",
		   "flow: at most 3 options");
	expect_err(HDR "flow:to_srv; sid:1;)", "to_srv", "flow",
		   "flow: invalid flow option 'to_srv'");
	expect_err(HDR "flow:established,; sid:1;)", "; sid", "flow", "flow: empty option");
	expect_err(HDR "sid:1; flow;)", "flow", "flow", "flow needs a value");

	expect_err(HDR "flowbits:set; sid:1;)", "set", "flowbits",
		   "flowbits: set needs a flowbit name");
	expect_err(HDR "flowbits:isset,; sid:1;)", "isset", "flowbits",
		   "flowbits: isset needs a flowbit name");
	expect_err(HDR "flowbits:noalert,x; sid:1;)", "x;", "flowbits",
		   "flowbits: noalert takes no name");
	expect_err(HDR "flowbits:flip,x; sid:1;)", "flip", "flowbits",
		   "flowbits: action 'flip' is not supported");
	expect_err(HDR "flowbits:SET,x; sid:1;)", "SET", "flowbits",
		   "is not a valid setting for flowbits");
	expect_err(HDR "flowbits:set,a|b; sid:1;)", "a|b", "flowbits",
		   "flowbits: '|' (any of) works only with isset and isnotset");
	expect_err(HDR "flowbits:isset,a b; sid:1;)", " b;", "flowbits",
		   "flowbits: spaces are not allowed in flowbit names");
	expect_err(HDR "flowbits:isset,a|b c; sid:1;)", " c;", "flowbits",
		   "flowbits: spaces are not allowed in flowbit names");
	expect_err(HDR "flowbits:isset,||; sid:1;)", "||", "flowbits",
		   "flowbits: no valid flowbit name");
	expect_err(HDR "flowbits:isset,x; flowbits:isnotset,x; sid:1;)", "flowbits:isnotset",
		   "flowbits", "flowbits: isset and isnotset of 'x' in one rule");
	expect_err(HDR "sid:1; flowbits;)", "flowbits", "flowbits", "flowbits needs a value");

	expect_err(HDR "flowint:x,=,1; sid:1;)", "x,", "flowint",
		   "flowint: a variable name starts with a letter and has at least 2");
	expect_err(HDR "flowint:1ab,=,1; sid:1;)", "1ab", "flowint",
		   "flowint: a variable name starts with a letter");
	expect_err(HDR "flowint:ab; sid:1;)", "ab;", "flowint",
		   "flowint: expected <name>,<operator>[,<value>]");
	expect_err(HDR "flowint:ab,*,2; sid:1;)", "*,2", "flowint",
		   "flowint: unknown operator '*'");
	expect_err(HDR "flowint:ab,+; sid:1;)", "ab,+", "flowint",
		   "flowint: operator '+' needs a value");
	expect_err(HDR "flowint:ab,==,4294967296; sid:1;)", "4294967296", "flowint",
		   "flowint: value must be a number from 0 to 4294967295");
	expect_err(HDR "flowint:ab,==,12x; sid:1;)", "12x", "flowint",
		   "flowint: value must be a number");
	expect_err(HDR "flowint:ab,==,c; sid:1;)", "c;", "flowint",
		   "flowint: value must be a number from 0 to 4294967295 or a flowint name");
	expect_err(HDR "flowint:ab,==,c.d; sid:1;)", "c.d", "flowint",
		   "flowint: value must be a number");
}

/* ---- stream_size, flow.age, flow.pkts, flow.bytes, track by_flow -------- */

static void
test_flow_counter_keywords(void)
{
	static const struct {
		const char *opt;
		uint8_t kind, dir, mode;
		uint64_t a, b;
	} fk[] = {
		/* detect-stream_size.c / stream_size.rs */
		{"stream_size:server,<,5;", WEIR_FNUM_STREAM_SIZE, WEIR_FNUM_TOCLIENT, WEIR_UINT_LT,
		 5, 0},
		{"stream_size: client , >= , 8 ;", WEIR_FNUM_STREAM_SIZE, WEIR_FNUM_TOSERVER,
		 WEIR_UINT_GE, 8, 0},
		{"stream_size:both,=,0;", WEIR_FNUM_STREAM_SIZE, WEIR_FNUM_BOTH, WEIR_UINT_EQ, 0,
		 0},
		{"stream_size:either,!,4294967295;", WEIR_FNUM_STREAM_SIZE, WEIR_FNUM_EITHER,
		 WEIR_UINT_NE, 4294967295u, 0},
		{"stream_size:client,<=,0;", WEIR_FNUM_STREAM_SIZE, WEIR_FNUM_TOSERVER,
		 WEIR_UINT_LE, 0, 0},
		/* uint.rs's forms, through flow.age */
		{"flow.age:3;", WEIR_FNUM_AGE, 0, WEIR_UINT_EQ, 3, 0},
		{"flow.age:= 3;", WEIR_FNUM_AGE, 0, WEIR_UINT_EQ, 3, 0},
		{"flow.age:<3;", WEIR_FNUM_AGE, 0, WEIR_UINT_LT, 3, 0},
		{"flow.age:>= 2;", WEIR_FNUM_AGE, 0, WEIR_UINT_GE, 2, 0},
		{"flow.age:<=4294967294;", WEIR_FNUM_AGE, 0, WEIR_UINT_LE, 4294967294u, 0},
		{"flow.age:!5;", WEIR_FNUM_AGE, 0, WEIR_UINT_NE, 5, 0},
		{"flow.age:!=5;", WEIR_FNUM_AGE, 0, WEIR_UINT_NE, 5, 0},
		{"flow.age:1-10;", WEIR_FNUM_AGE, 0, WEIR_UINT_RANGE, 1, 10},
		{"flow.age:1 <> 3;", WEIR_FNUM_AGE, 0, WEIR_UINT_RANGE, 1, 3},
		{"flow.age:!1-10;", WEIR_FNUM_AGE, 0, WEIR_UINT_NEG_RANGE, 1, 10},
		{"flow.age:0x10;", WEIR_FNUM_AGE, 0, WEIR_UINT_EQ, 16, 0},
		{"flow.age:>2kb;", WEIR_FNUM_AGE, 0, WEIR_UINT_GT, 2048, 0},
		{"flow.age:1MiB;", WEIR_FNUM_AGE, 0, WEIR_UINT_EQ, 1048576, 0},
		{"flow.age:&0xf=3;", WEIR_FNUM_AGE, 0, WEIR_UINT_BITMASK, 15, 3},
		{"flow.age:& 12 != 4;", WEIR_FNUM_AGE, 0, WEIR_UINT_NEG_BITMASK, 12, 4},
		/* detect-flow-pkts.c, flow.rs; "both" from flow-keywords.rst */
		{"flow.pkts:toserver,300;", WEIR_FNUM_PKTS, WEIR_FNUM_TOSERVER, WEIR_UINT_EQ, 300,
		 0},
		{"flow.pkts: toclient\t,  <3;", WEIR_FNUM_PKTS, WEIR_FNUM_TOCLIENT, WEIR_UINT_LT, 3,
		 0},
		{"flow.pkts:either,>=2;", WEIR_FNUM_PKTS, WEIR_FNUM_EITHER, WEIR_UINT_GE, 2, 0},
		{"flow.pkts:both,2-5;", WEIR_FNUM_PKTS, WEIR_FNUM_BOTH, WEIR_UINT_RANGE, 2, 5},
		{"flow.pkts_toserver:5;", WEIR_FNUM_PKTS, WEIR_FNUM_TOSERVER, WEIR_UINT_EQ, 5, 0},
		{"flow.pkts_toclient:>5;", WEIR_FNUM_PKTS, WEIR_FNUM_TOCLIENT, WEIR_UINT_GT, 5, 0},
		{"flow.bytes:toserver,<2000;", WEIR_FNUM_BYTES, WEIR_FNUM_TOSERVER, WEIR_UINT_LT,
		 2000, 0},
		{"flow.bytes:toclient,18446744073709551614;", WEIR_FNUM_BYTES, WEIR_FNUM_TOCLIENT,
		 WEIR_UINT_EQ, 18446744073709551614ull, 0},
		{"flow.bytes:either,>4gb;", WEIR_FNUM_BYTES, WEIR_FNUM_EITHER, WEIR_UINT_GT,
		 4294967296ull, 0},
		{"flow.bytes_toserver:>=1;", WEIR_FNUM_BYTES, WEIR_FNUM_TOSERVER, WEIR_UINT_GE, 1,
		 0},
		{"flow.bytes_toclient:0xffffffffff;", WEIR_FNUM_BYTES, WEIR_FNUM_TOCLIENT,
		 WEIR_UINT_EQ, 0xffffffffffull, 0},
	};
	struct weir_suri_rule_list l;
	struct weir_suri_rule *r;
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(fk) / sizeof(fk[0]); i++) {
		snprintf(text, sizeof(text), HDR "%s sid:1;)", fk[i].opt);
		r = good(text, &l);
		CU_ASSERT_PTR_NOT_NULL_FATAL(r);
		CU_ASSERT_FATAL(r->n_fnum == 1);
		if (r->fnum[0].kind != fk[i].kind || r->fnum[0].c.mode != fk[i].mode ||
		    r->fnum[0].c.a != fk[i].a || r->fnum[0].c.b != fk[i].b ||
		    (fk[i].kind != WEIR_FNUM_AGE && r->fnum[0].dir != fk[i].dir))
			fprintf(stderr, "\n  %s: kind %u dir %u mode %u a %llu b %llu\n", fk[i].opt,
				r->fnum[0].kind, r->fnum[0].dir, r->fnum[0].c.mode,
				(unsigned long long)r->fnum[0].c.a,
				(unsigned long long)r->fnum[0].c.b);
		CU_ASSERT(r->fnum[0].kind == fk[i].kind && r->fnum[0].c.mode == fk[i].mode);
		CU_ASSERT(r->fnum[0].c.a == fk[i].a && r->fnum[0].c.b == fk[i].b);
		if (fk[i].kind != WEIR_FNUM_AGE)
			CU_ASSERT(r->fnum[0].dir == fk[i].dir);
		weir_suri_rule_list_free(&l);
	}

	/* several in one rule: all must hold, kept in rule order */
	r = good(HDR "flow.age:>1; stream_size:server,>,0; flow.pkts:toserver,<9; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_FATAL(r->n_fnum == 3);
	CU_ASSERT(r->fnum[0].kind == WEIR_FNUM_AGE && r->fnum[1].kind == WEIR_FNUM_STREAM_SIZE &&
		  r->fnum[2].kind == WEIR_FNUM_PKTS);
	weir_suri_rule_list_free(&l);

	r = good(HDR "threshold: type limit, track by_flow, count 1, seconds 60; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->threshold.type == WEIR_THRESH_LIMIT && r->threshold.by_flow &&
		  !r->threshold.by_dst);
	weir_suri_rule_list_free(&l);
	r = good(HDR "detection_filter:track by_flow,count 3,seconds 10; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->detection_filter.type == WEIR_THRESH_DETECTION &&
		  r->detection_filter.by_flow && r->detection_filter.count == 3);
	weir_suri_rule_list_free(&l);
}

static void
test_flow_counter_errors(void)
{
	expect_err(HDR "stream_size:Server,<,5; sid:1;)", "Server", "stream_size",
		   "stream_size: 'Server' is not server, client, both or either");
	expect_err(HDR "stream_size:server,<>,5; sid:1;)", ">,5", "stream_size",
		   "stream_size: expected <server|client|both|either>,<operator>,<number>");
	expect_err(HDR "stream_size:server,~,5; sid:1;)", "~", "stream_size",
		   "stream_size: unknown operator '~'");
	expect_err(HDR "stream_size:server,<,4294967296; sid:1;)", "4294967296", "stream_size",
		   "stream_size: size must be a number from 0 to 4294967295");
	expect_err(HDR "stream_size:server,<,5x; sid:1;)", "5x", "stream_size",
		   "stream_size: size must be a number");
	expect_err(HDR "stream_size:server,<,-1; sid:1;)", "-1", "stream_size",
		   "stream_size: size must be a number");
	expect_err(HDR "stream_size:server,<; sid:1;)", "server,<", "stream_size",
		   "stream_size: expected <server|client|both|either>");
	expect_err(HDR "sid:1; stream_size;)", "stream_size", "stream_size",
		   "stream_size needs a value");

	expect_err(HDR "flow.age:<0; sid:1;)", "<0", "flow.age",
		   "flow.age: the condition always or never holds in '<0'");
	expect_err(HDR "flow.age:>=0; sid:1;)", ">=0", "flow.age",
		   "flow.age: the condition always or never holds");
	expect_err(HDR "flow.age:>4294967295; sid:1;)", ">4294967295", "flow.age",
		   "the condition always or never holds");
	expect_err(HDR "flow.age:<=4294967295; sid:1;)", "<=4294967295", "flow.age",
		   "the condition always or never holds");
	expect_err(HDR "flow.age:4294967296; sid:1;)", "4294967296", "flow.age",
		   "flow.age: number out of range in '4294967296' (expected N, =N");
	expect_err(HDR "flow.age:4gb; sid:1;)", "4gb", "flow.age", "number out of range");
	expect_err(HDR "flow.age:0x100000000; sid:1;)", "0x1", "flow.age", "number out of range");
	expect_err(HDR "flow.age:5-6; sid:1;)", "6;", "flow.age", "range A-B needs B above A + 1");
	expect_err(HDR "flow.age:7<>3; sid:1;)", "3;", "flow.age", "range A-B needs B above A + 1");
	expect_err(HDR "flow.age:abc; sid:1;)", "abc", "flow.age",
		   "flow.age: expected a number or an operator");
	expect_err(HDR "flow.age:5 x; sid:1;)", "x;", "flow.age",
		   "flow.age: unexpected text after the condition");
	expect_err(HDR "flow.age:5k; sid:1;)", "k;", "flow.age", "unexpected text after");
	expect_err(HDR "flow.age:\"5\"; sid:1;)", "\"5", "flow.age", "expected a number");
	expect_err(HDR "flow.age:&0xf=0x10; sid:1;)", "0x10", "flow.age",
		   "value has bits outside the mask");
	expect_err(HDR "flow.age:&0xf; sid:1;)", "; sid", "flow.age",
		   "expected '=' or '!=' after the mask");
	expect_err(HDR "flow.age:=; sid:1;)", "=;", "flow.age", "expected a number or an operator");

	expect_err(HDR "flow.pkts:toserver; sid:1;)", "toserver", "flow.pkts",
		   "flow.pkts: expected <direction>,<condition>");
	expect_err(HDR "flow.pkts:tosrv,5; sid:1;)", "tosrv", "flow.pkts",
		   "flow.pkts: direction 'tosrv' is not toserver, toclient, either or both");
	expect_err(HDR "flow.pkts:ToServer,5; sid:1;)", "ToServer", "flow.pkts",
		   "flow.pkts: direction 'ToServer' is not");
	expect_err(HDR "flow.pkts:toserver,<=4294967295; sid:1;)", "<=", "flow.pkts",
		   "the condition always or never holds");
	expect_err(HDR "flow.pkts:either,; sid:1;)", "; sid", "flow.pkts",
		   "flow.pkts: expected a number or an operator");
	expect_err(HDR "flow.pkts_toserver:toserver,5; sid:1;)", "toserver,", "flow.pkts_toserver",
		   "flow.pkts_toserver: expected a number or an operator");
	expect_err(HDR "flow.bytes:toclient,18446744073709551616; sid:1;)", "1844", "flow.bytes",
		   "flow.bytes: number out of range");
	expect_err(HDR "flow.bytes:toclient,>18446744073709551615; sid:1;)", ">1844", "flow.bytes",
		   "the condition always or never holds");
	expect_err(HDR "flow.bytes_toclient:<x; sid:1;)", "x;", "flow.bytes_toclient",
		   "flow.bytes_toclient: expected a number");
	expect_err(HDR "flow.elephant:toserver; sid:1;)", "flow.elephant", "flow.elephant",
		   "flow.elephant is not supported yet");

	expect_err(HDR "detection_filter:track by_host, count 1, seconds 2; sid:1;)", "by_host",
		   "detection_filter",
		   "detection_filter: track 'by_host' is not supported (expected by_src, by_dst, "
		   "by_both, by_rule or by_flow)");
}

/* ---- threshold file (rules_parse_threshconf.c) ------------------------ */

/* Three rules: sid 1 (threshold limit), sid 2 (none), sid 3 gid 5. */
static void
tc_rules(struct weir_suri_rule_list *l)
{
	struct weir_diags ds;

	memset(l, 0, sizeof(*l));
	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	CU_ASSERT(parse1(HDR "threshold:type limit,track by_src,count 1,seconds 9; sid:1;)", l,
			 &ds) == 0);
	CU_ASSERT(parse1(HDR "sid:2;)", l, &ds) == 0);
	CU_ASSERT(parse1(HDR "gid:5; sid:3;)", l, &ds) == 0);
	CU_ASSERT_FATAL(l->n == 3 && ds.total == 0);
	weir_diags_free(&ds);
}

static void
test_threshconf_apply(void)
{
	struct weir_suri_rule_list l;
	struct weir_diags ds;
	static const uint8_t a1[4] = {192, 168, 1, 5}, a2[4] = {10, 0, 0, 1};

	tc_rules(&l);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	CU_ASSERT(weir_threshconf_apply_text(
			  "t.conf",
			  "# comment\n"
			  "\n"
			  "threshold gen_id 1, sig_id 1, type both, track by_dst, count 3, seconds "
			  "5\n"
			  "event_filter gen_id 1, sig_id 2, type threshold, track by_rule, \\\n"
			  "   count 10, seconds 60\n"
			  "suppress gen_id 5, sig_id 3\n"
			  "suppress gen_id 1, sig_id 2, track by_either, ip [192.168.0.0/16, "
			  "10.0.0.1]\n"
			  "suppress gen_id 0, sig_id 0, track by_src, ip $HOME_NET\n"
			  "threshold gen_id 0, sig_id 0, type limit, track by_both, count 7, "
			  "seconds 8\n",
			  &g_vars, &l, &ds) == 0);
	CU_ASSERT(ds.total == 0);
	/* replaced, not touched by the sig_id 0 threshold */
	CU_ASSERT(l.v[0].threshold.type == WEIR_THRESH_BOTH && l.v[0].threshold.by_dst &&
		  l.v[0].threshold.count == 3 && l.v[0].threshold.seconds == 5);
	CU_ASSERT(l.v[1].threshold.type == WEIR_THRESH_THRESHOLD && l.v[1].threshold.by_rule &&
		  l.v[1].threshold.count == 10 && l.v[1].threshold.seconds == 60);
	/* sid 3 had none: the sig_id 0 one applies */
	CU_ASSERT(l.v[2].threshold.type == WEIR_THRESH_LIMIT && l.v[2].threshold.by_both &&
		  l.v[2].threshold.count == 7);
	CU_ASSERT(l.v[2].noalert && !l.v[0].noalert && !l.v[1].noalert);
	CU_ASSERT_FATAL(l.v[1].n_supp == 2);
	CU_ASSERT(l.v[1].supp[0].track == WEIR_SUPP_EITHER);
	CU_ASSERT(weir_addrset_has(&l.v[1].supp[0].ips, 4, a1));
	CU_ASSERT(weir_addrset_has(&l.v[1].supp[0].ips, 4, a2));
	CU_ASSERT(l.v[0].n_supp == 1 && l.v[2].n_supp == 1 &&
		  l.v[0].supp[0].track == WEIR_SUPP_SRC);
	weir_diags_free(&ds);
	weir_suri_rule_list_free(&l);
}

/* One bad line: "t.conf:LINE:COL: KW: ...MSG..." */
static void
tc_bad(const char *text, unsigned int line, unsigned int col, const char *kw, const char *msg)
{
	struct weir_suri_rule_list l;
	struct weir_diags ds;
	char want[64], got[512];

	tc_rules(&l);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	CU_ASSERT(weir_threshconf_apply_text("t.conf", text, &g_vars, &l, &ds) == 1);
	CU_ASSERT_FATAL(ds.n == 1);
	weir_diag_format(&ds.v[0], got, sizeof(got));
	snprintf(want, sizeof(want), "t.conf:%u:%u: ", line, col);
	if (strncmp(got, want, strlen(want)) != 0 || strstr(got, msg) == NULL ||
	    (kw != NULL && strcmp(ds.v[0].keyword, kw) != 0))
		fprintf(stderr, "\n  %s  got \"%s\", want \"%s...%s\"\n", text, got, want, msg);
	CU_ASSERT(strncmp(got, want, strlen(want)) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, msg));
	weir_diags_free(&ds);
	weir_suri_rule_list_free(&l);
}

static void
test_threshconf_errors(void)
{
	tc_bad("rate_filter gen_id 1, sig_id 1, track by_rule, count 1, seconds 1, new_action "
	       "drop, timeout 9\n",
	       1, 1, "rate_filter", "rate_filter is not supported yet");
	tc_bad("\nsupress gen_id 1, sig_id 1\n", 2, 1, NULL, "unknown entry 'supress'");
	tc_bad("suppress gen_id 1, sig_id x\n", 1, 27, "suppress",
	       "sig_id must be a number from 0");
	tc_bad("suppress gen_id 1, sig_id 1, track by_both, ip 1.2.3.4\n", 1, 36, "suppress",
	       "track 'by_both' is not supported (expected by_src, by_dst or by_either)");
	tc_bad("suppress gen_id 1, sig_id 1, track by_src\n", 1, 42, "suppress",
	       "missing ',' and the parts after 'track'");
	tc_bad("suppress gen_id 1, sig_id 1, track by_src, 1.2.3.4\n", 1, 44, "suppress",
	       "expected 'ip' after track");
	tc_bad("suppress gen_id 1, sig_id 1, track by_src, ip $NOPE\n", 1, 47, "suppress",
	       "unknown variable");
	tc_bad("threshold gen_id 1, sig_id 1, type backoff, track by_src, count 1, seconds 1\n", 1,
	       36, "threshold", "type 'backoff' is not supported");
	tc_bad("threshold gen_id 1, sig_id 1, type limit, track by_flow, count 1, seconds 1\n", 1,
	       49, "threshold", "track 'by_flow' is not supported");
	tc_bad("threshold gen_id 1, sig_id 1, type limit, count 1, track by_src, seconds 1\n", 1,
	       43, "threshold", "expected 'track', got 'count'");
	tc_bad("threshold gen_id 1, sig_id 1, type limit, track by_src, count 0, seconds 1\n", 1,
	       63, "threshold", "count must be a number from 1");
	tc_bad("threshold gen_id 1, sig_id 1, type limit, track by_src, count 1\n", 1, 64,
	       "threshold", "missing ',' and the parts after 'count'");
	tc_bad("# x\nthreshold gen_id 1, sig_id 1, type limit, \\\n track by_src, count 1, "
	       "seconds 1, x\n",
	       3, 34, "threshold", "unexpected ',' after 'seconds'");
}

/* track by_both / by_rule and type backoff (doc rules/thresholding.rst). */
static void
test_threshold_tracks_backoff(void)
{
	struct weir_suri_rule_list l = {0};
	const struct weir_suri_rule *r;

	r = good(HDR "threshold:type limit, track by_both, count 1, seconds 2; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->threshold.by_both && !r->threshold.by_rule && !r->threshold.by_dst);
	weir_suri_rule_list_free(&l);
	r = good(HDR "detection_filter:track by_rule, count 4, seconds 2; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->detection_filter.by_rule && r->detection_filter.count == 4);
	weir_suri_rule_list_free(&l);
	r = good(HDR "threshold:type backoff, track by_flow, count 1, multiplier 10; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->threshold.type == WEIR_THRESH_BACKOFF && r->threshold.by_flow &&
		  r->threshold.count == 1 && r->threshold.multiplier == 10 &&
		  r->threshold.seconds == 0);
	weir_suri_rule_list_free(&l);
	r = good(HDR "threshold:multiplier 5,count 5,track by_flow,type backoff; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->threshold.type == WEIR_THRESH_BACKOFF && r->threshold.multiplier == 5);
	weir_suri_rule_list_free(&l);

	expect_err(HDR "threshold:type backoff, track by_src, count 1, multiplier 10; sid:1;)",
		   "type backoff", "threshold",
		   "threshold: type backoff is only supported with track by_flow");
	expect_err(HDR "threshold:type backoff, track by_flow, count 1, seconds 10; sid:1;)",
		   "type backoff", "threshold",
		   "threshold: type backoff takes 'multiplier', not 'seconds'");
	expect_err(HDR "threshold:type backoff, track by_flow, count 1; sid:1;)", "type backoff",
		   "threshold", "threshold: missing 'multiplier'");
	expect_err(HDR "threshold:type limit, track by_src, count 1, seconds 1, multiplier 2; "
		       "sid:1;)",
		   "type limit", "threshold",
		   "threshold: 'multiplier' is only valid with type backoff");
	expect_err(HDR "detection_filter:track by_src, count 1, seconds 1, multiplier 2; sid:1;)",
		   "multiplier", "detection_filter", "detection_filter: unknown part 'multiplier'");
	expect_err(HDR "detection_filter:track by_src, count 1, seconds 1, unique_on dst_port; "
		       "sid:1;)",
		   "unique_on", "detection_filter",
		   "detection_filter: 'unique_on' is not supported yet");
	expect_err(HDR "threshold:type backoff, track by_flow, count 1, multiplier 0; sid:1;)",
		   "0;", "threshold", "threshold: multiplier must be a number from 1");
}

/* ---- errors ------------------------------------------------------------ */

static void
test_header_errors(void)
{
	expect_err("drop tcp any any -> any any (sid:1;)", "drop", "action",
		   "unsupported action 'drop'");
	expect_err("  reject tcp any any -> any any (sid:1;)", "reject", "action",
		   "unsupported action 'reject'");
	expect_err("alert http any any -> any any (sid:1;)", "http", "protocol",
		   "protocol 'http' is not supported (app-layer)");
	expect_err("alert dns any any -> any any (sid:1;)", "dns", "protocol",
		   "protocol 'dns' is not supported (app-layer)");
	expect_err("alert tls any any -> any any (sid:1;)", "tls", "protocol",
		   "protocol 'tls' is not supported (app-layer)");
	expect_err("alert tcp-stream any any -> any any (flow:no_stream; sid:1;)", "no_stream",
		   "flow", "flow: 'no_stream' cannot be used with protocol tcp-stream");
	expect_err("alert tcp any any <- any any (sid:1;)", "<-", "direction",
		   "direction '<-' is not supported");
	expect_err("alert tcp any any => any any (sid:1;)", "=>", "direction",
		   "bad direction '=>'");
	expect_err("alert tcp any any -> any (sid:1;)", "(", "dport", "incomplete rule header");
	expect_err("alert", NULL, "protocol", "incomplete rule header");
	expect_err("alert tcp [1.2.3.4, 5.6.7.8 any -> any any (sid:1;)", "[", "src",
		   "'[' is never closed");
	expect_err("alert tcp 1.2.3.4/33 any -> any any (sid:1;)", "/33", "src", "src: ");
	expect_err("alert tcp any any -> $NOPE_NET any (sid:1;)", "$NOPE_NET", "dst",
		   "dst: unknown variable $NOPE_NET");
	expect_err("alert tcp any 70000 -> any any (sid:1;)", "70000", "sport", "sport: ");
	expect_err("alert tcp any any -> any [80, x] (sid:1;)", "x]", "dport", "dport: ");
	expect_err("alert tcp any any -> any any sid:1;", "sid", "",
		   "unexpected 'sid:1;' after the header");
	expect_err("alert tcp any any -> any any", NULL, "", "missing '('");
}

static void
test_syntax_errors(void)
{
	expect_err(HDR "msg:\"foo; sid:1;)", "\"foo", "msg",
		   "msg: unbalanced quotes: the '\"' here is never closed");
	expect_err(HDR "msg:\"foo\\\"; sid:1;)", "\"foo", "msg", "unbalanced quotes");
	expect_err(HDR "msg:foo\"; sid:1;)", "\"; sid", "msg", "unbalanced quotes");
	expect_err(HDR "msg:\"x\" sid:1;)", "sid:1", "msg",
		   "unexpected 'sid:1' after the closing '\"' (missing ';'?)");
	expect_err(HDR "msg:foo; sid:1;)", "foo", "msg", "msg needs a quoted string");
	expect_err(HDR "msg:\"a\\x\"; sid:1;)", "\\x", "msg", "msg: invalid escape '\\x'");
	expect_err(HDR "msg:\"x\"; sid:1)", ")", "sid", "missing ';' after option 'sid'");
	expect_err(HDR "msg:\"x\"; sid:1; content:\"a\"; nocase)", ")", "nocase",
		   "missing ';' after option 'nocase'");
	expect_err(HDR "msg:\"x\"; sid:1;", NULL, "", "missing ')' at the end of the rule");
	expect_err(HDR "sid:1;) # note", "# note", "", "unexpected text after the closing ')'");
	expect_err(HDR "sid:1; ;)", ";)", "", "unexpected ';' where an option name should be");
	expect_err(HDR "msg \"x\"; sid:1;)", "\"x\"", "msg", "expected ':' or ';' after 'msg'");
	expect_err(HDR "sid;)", "sid", "sid", "sid needs a value");
	expect_err(HDR "sid:1; content:\"a\"; nocase:1;)", "nocase", "nocase",
		   "nocase takes no value");
	expect_err(HDR "msg:\"x\"; rev:1;)", "alert", "sid", "rule has no sid");
}

static void
test_keyword_errors(void)
{
	static const char *const unsupported[] = {
		"http.uri",
		"http_uri",
		"dns.query",
		"tls.sni",
		"app-layer-protocol:http",
		"flow.elephants:toserver",
	};
	char text[256], kw[64], msg[128];
	size_t i;

	for (i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		snprintf(text, sizeof(text), HDR "content:\"a\"; %s; sid:1;)", unsupported[i]);
		snprintf(kw, sizeof(kw), "%.*s", (int)strcspn(unsupported[i], ":"), unsupported[i]);
		snprintf(msg, sizeof(msg), "unknown or unsupported keyword '%s'", kw);
		expect_err(text, unsupported[i], kw, msg);
	}

	expect_err(HDR "sid:0;)", "0;", "sid", "sid must be a number from 1 to 4294967295");
	expect_err(HDR "sid:4294967296;)", "4294967296", "sid", "sid must be a number");
	expect_err(HDR "sid:12a;)", "12a", "sid", "sid must be a number");
	expect_err(HDR "sid:-1;)", "-1", "sid", "sid must be a number");
	expect_err(HDR "sid:1; sid:2;)", "sid:2", "sid", "duplicate 'sid' keyword");
	expect_err(HDR "sid:1; msg:\"a\"; msg:\"b\";)", "msg:\"b", "msg", "duplicate 'msg'");
	expect_err(HDR "sid:1; rev:1; rev:2;)", "rev:2", "rev", "duplicate 'rev'");
	expect_err(HDR "sid:1; gid:x;)", "x;", "gid", "gid must be a number");
	expect_err(HDR "sid:1; classtype:nope;)", "nope", "classtype", "unknown classtype 'nope'");
	expect_err(HDR "sid:1; classtype:misc-activity; classtype:misc-attack;)",
		   "classtype:misc-at", "classtype", "duplicate 'classtype'");
	expect_err(HDR "sid:1; priority:0;)", "0;", "priority",
		   "priority must be a number from 1 to 255");
	expect_err(HDR "sid:1; priority:256;)", "256", "priority", "priority must be a number");
	expect_err(HDR "sid:1; priority:1; priority:2;)", "priority:2", "priority",
		   "duplicate 'priority'");
}

/* ipv4.hdr and its siblings: items after the keyword go to that buffer
 * (r->hitems, rule order), pkt_data goes back to the payload; byte
 * variables are per buffer; Suricata's refusals, file:line:col each. */
static void
test_header_buffers(void)
{
	struct weir_suri_rule_list l = {0};
	const struct weir_suri_rule *r;

	r = good("alert tcp any any -> any any (content:\"P1\"; tcp.hdr; content:\"|00 50|\"; "
		 "offset:2; depth:2; byte_extract:1,12,hl; ipv4.hdr; content:!\"|40|\"; "
		 "offset:8; depth:1; pkt_data; content:\"P2\"; distance:0; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_FATAL(r->n_items == 2 && r->n_hitems == 3);
	CU_ASSERT(r->items[0].buf == WEIR_BUF_PAYLOAD && r->items[1].buf == WEIR_BUF_PAYLOAD);
	CU_ASSERT(r->items[1].relative && r->items[1].len == 2);
	CU_ASSERT(r->hitems[0].buf == WEIR_BUF_TCP_HDR && r->hitems[0].has_offset);
	CU_ASSERT(r->hitems[1].buf == WEIR_BUF_TCP_HDR &&
		  r->hitems[1].kind == WEIR_ITEM_BYTE_EXTRACT);
	CU_ASSERT(r->hitems[2].buf == WEIR_BUF_IPV4_HDR && r->hitems[2].negated);
	CU_ASSERT(r->ip_only == 4);
	weir_suri_rule_list_free(&l);

	r = good("alert icmp any any -> any any (icmpv6.hdr; content:\"|80|\"; depth:1; "
		 "ipv6.hdr; byte_test:1,=,64,7; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->n_items == 0 && r->n_hitems == 2 && r->ip_only == 6);
	weir_suri_rule_list_free(&l);

	r = good("alert ip any any -> any any (udp.hdr; content:\"|00 35|\"; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->n_hitems == 1 && r->hitems[0].buf == WEIR_BUF_UDP_HDR);
	weir_suri_rule_list_free(&l);

	expect_err(HDR "udp.hdr; content:\"x\"; sid:1;)", "udp.hdr", "udp.hdr",
		   "udp.hdr needs a rule whose protocol contains udp");
	expect_err("alert udp any any -> any any (tcp.hdr; content:\"x\"; sid:1;)", "tcp.hdr",
		   "tcp.hdr", "tcp.hdr needs a rule whose protocol contains tcp");
	expect_err(HDR "icmpv4.hdr; content:\"x\"; sid:1;)", "icmpv4.hdr", "icmpv4.hdr",
		   "icmpv4.hdr needs a rule whose protocol contains icmp");
	expect_err(HDR "ipv4.hdr; sid:1;)", "ipv4.hdr", "ipv4.hdr",
		   "rule sets up buffer ipv4.hdr but didn't add matches to it");
	expect_err(HDR "tcp.hdr; ipv4.hdr; content:\"x\"; sid:1;)", "tcp.hdr", "tcp.hdr",
		   "rule sets up buffer tcp.hdr but didn't add matches to it");
	expect_err(HDR "ipv4.hdr; content:\"x\"; ipv6.hdr; content:\"y\"; sid:1;)", "ipv6.hdr",
		   "ipv6.hdr", "ipv6.hdr limits the rule to IPv6, an earlier buffer to IPv4");
	expect_err(HDR "tcp.hdr; content:\"x\"; rawbytes; sid:1;)", "rawbytes", "rawbytes",
		   "rawbytes cannot be used in the tcp.hdr sticky buffer");
	expect_err(HDR "tcp.hdr; pan; sid:1;)", "pan", "pan",
		   "pan cannot be used in the tcp.hdr sticky buffer");
	expect_err(HDR "tcp.hdr; content:\"x\"; bsize:3; sid:1;)", "bsize", "bsize",
		   "bsize on the tcp.hdr sticky buffer is not supported yet");
	/* a variable is looked up in its own buffer (Suricata's list) */
	expect_err(HDR "tcp.hdr; byte_extract:1,0,v; pkt_data; content:\"x\"; offset:v; sid:1;)",
		   "v; sid", "offset", "unknown variable 'v'");
	/* a modifier after a buffer switch has no content in that buffer */
	expect_err(HDR "content:\"a\"; tcp.hdr; nocase; sid:1;)", "nocase", "nocase",
		   "nocase needs a preceding content");
}

/* fast_pattern combinations Suricata refuses (detect-fast-pattern.c and
 * the content modifiers' Setup), whichever comes first. */
static void
test_fast_pattern_refusals(void)
{
	struct weir_suri_rule_list l = {0};

	expect_err(HDR "content:!\"x\"; offset:3; fast_pattern; sid:1;)", "fast_pattern",
		   "fast_pattern",
		   "fast_pattern; cannot be used with negated content, along with relative "
		   "modifiers");
	expect_err(HDR "content:!\"x\"; fast_pattern; depth:4; sid:1;)", "depth", "depth",
		   "can't have a relative negated keyword set along with a fast_pattern");
	expect_err(HDR "content:!\"x\"; fast_pattern; distance:1; sid:1;)", "distance", "distance",
		   "can't have a relative negated keyword set along with a fast_pattern");
	expect_err(HDR "content:\"x\"; depth:3; fast_pattern:only; sid:1;)", "fast_pattern",
		   "fast_pattern",
		   "fast_pattern: only; cannot be used with negated content or with any of the "
		   "relative modifiers like distance, within, offset, depth");
	expect_err(HDR "content:!\"x\"; fast_pattern:only; sid:1;)", "fast_pattern", "fast_pattern",
		   "fast_pattern: only; cannot be used with negated content");
	expect_err(HDR "content:\"x\"; fast_pattern:only; offset:2; sid:1;)", "offset", "offset",
		   "can't have a relative keyword set along with a fast_pattern:only;");
	expect_err(HDR "content:\"x\"; fast_pattern:only; within:5; sid:1;)", "within", "within",
		   "can't have a relative keyword set along with a fast_pattern:only;");
	expect_err(HDR "content:\"x\"; fast_pattern:only; content:\"y\"; distance:0; sid:1;)",
		   "distance", "distance",
		   "previous keyword has a fast_pattern:only; set. Can't have relative keywords "
		   "around a fast_pattern only content");
	expect_err(HDR "content:\"x\"; fast_pattern; content:\"y\"; fast_pattern; sid:1;)",
		   "fast_pattern; sid", "fast_pattern",
		   "fast_pattern can be used on only one content in a rule");
	/* what Suricata takes */
	CU_ASSERT(good(HDR "content:!\"x\"; fast_pattern; sid:1;)", &l) != NULL);
	weir_suri_rule_list_free(&l);
	CU_ASSERT(good(HDR "content:\"x\"; fast_pattern:only; content:\"y\"; sid:1;)", &l) != NULL);
	weir_suri_rule_list_free(&l);
	CU_ASSERT(good(HDR "content:\"x\"; offset:1; fast_pattern; sid:1;)", &l) != NULL);
	weir_suri_rule_list_free(&l);
}

/* target, pkthdr, vlan.id, vlan.layers and the keywords refused by name */
static void
test_meta_and_vlan(void)
{
	struct weir_suri_rule_list l = {0};
	const struct weir_suri_rule *r;

	r = good(HDR "content:\"a\"; target:dest_ip; target:dest_ip; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->target == 2);
	weir_suri_rule_list_free(&l);
	r = good(HDR "target: src_ip ; content:\"a\"; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->target == 1);
	weir_suri_rule_list_free(&l);
	expect_err(HDR "target:src_ip; target:dest_ip; sid:1;)", "target:dest", "target",
		   "Conflicting values of target keyword");
	expect_err(HDR "target:both; sid:1;)", "both", "target",
		   "only 'src_ip' and 'dest_ip' are supported as target value");

	/* priority overrides the classtype's (misc-activity is 3) */
	r = good(HDR "classtype:misc-activity; priority:1; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->priority == 1);
	weir_suri_rule_list_free(&l);
	r = good(HDR "priority:2; classtype:misc-activity; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->priority == 2);
	weir_suri_rule_list_free(&l);

	r = good("alert pkthdr any any -> any any (ttl:1; sid:1;)", &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(r->proto == WEIR_RPROTO_IP);
	weir_suri_rule_list_free(&l);

	r = good(HDR "vlan.id:200-300,0; vlan.id:!5,-1; vlan.id:7,all; vlan.id:0x10; "
		     "vlan.layers:>=1; sid:1;)",
		 &l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_FATAL(r->n_hdr == 5);
	CU_ASSERT(r->hdr[0].kind == WEIR_HDR_VLAN_ID && r->hdr[0].layer == 0 &&
		  r->hdr[0].c.mode == WEIR_UINT_RANGE && r->hdr[0].c.a == 200 &&
		  r->hdr[0].c.b == 300);
	CU_ASSERT(r->hdr[1].layer == -1 && r->hdr[1].c.mode == WEIR_UINT_NE);
	CU_ASSERT(r->hdr[2].layer == WEIR_VLAN_ALL && r->hdr[2].c.a == 7);
	CU_ASSERT(r->hdr[3].layer == WEIR_VLAN_ANY && r->hdr[3].c.a == 16);
	CU_ASSERT(r->hdr[4].kind == WEIR_HDR_VLAN_LAYERS && r->hdr[4].c.mode == WEIR_UINT_GE);
	weir_suri_rule_list_free(&l);
	expect_err(HDR "vlan.id:4096; sid:1;)", "4096", "vlan.id",
		   "vlan id should be less than 4096");
	expect_err(HDR "vlan.id:1,-4; sid:1;)", "-4", "vlan.id", "index should belong in range");
	expect_err(HDR "vlan.id:1,3; sid:1;)", "3; sid", "vlan.id", "index should belong in range");
	expect_err(HDR "vlan.id:1,abc; sid:1;)", "abc", "vlan.id", "expected any, all or a layer");
	expect_err(HDR "vlan.id:1,2; sid:1;)", "2; sid", "vlan.id", "layer 2 is not supported yet");
	expect_err(HDR "vlan.layers:4; sid:1;)", "4; sid", "vlan.layers",
		   "number of layers out of range");
	expect_err(HDR "vlan.layers:3; sid:1;)", "3; sid", "vlan.layers",
		   "3 layers is not supported yet");

	expect_err(HDR "content:\"a\"; tag:session,5,packets; sid:1;)", "tag:", "tag",
		   "tag is not supported yet");
	expect_err(HDR "content:\"a\"; xbits:set,x,track ip_src; sid:1;)", "xbits", "xbits",
		   "xbits is not supported yet");
	expect_err(HDR "content:\"a\"; asn1:oversize_length 100; sid:1;)", "asn1", "asn1",
		   "asn1 is not supported yet");
	expect_err(HDR "content:\"a\"; file_data; sid:1;)", "file_data", "file_data",
		   "file_data needs the app-layer");
}

static void
test_content_errors(void)
{
	static const char *const mods[] = {"nocase",   "offset:1",     "depth:1", "distance:1",
					   "within:1", "fast_pattern", "rawbytes"};
	char text[256], kw[32], msg[96];
	size_t i;

	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		snprintf(text, sizeof(text), HDR "sid:1; %s; content:\"a\";)", mods[i]);
		snprintf(kw, sizeof(kw), "%.*s", (int)strcspn(mods[i], ":"), mods[i]);
		snprintf(msg, sizeof(msg), "%s needs a preceding content", kw);
		expect_err(text, mods[i], kw, msg);
	}
	/* pcre and pan are no contents. */
	expect_err(HDR "sid:1; pcre:\"/a/\"; nocase;)", "nocase", "nocase",
		   "nocase needs a preceding content");
	expect_err(HDR "sid:1; pan; depth:4;)", "depth", "depth",
		   "depth needs a preceding content");

	expect_err(HDR "sid:1; content:\"a\\x\";)", "\\x", "content",
		   "content: invalid escape '\\x'");
	expect_err(HDR "sid:1; content:\"|41 4|\";)", "4|\"", "content",
		   "content: odd number of hex digits");
	expect_err(HDR "sid:1; content:\"|4G|\";)", "G|", "content", "content: bad hex digit 'G'");
	expect_err(HDR "sid:1; content:\"|41\";)", "|41", "content",
		   "content: '|' hex block is never closed");
	expect_err(HDR "sid:1; content:\"\";)", "\"\"", "content", "content: empty content");
	expect_err(HDR "sid:1; content:\"||\";)", "\"||", "content", "content: empty content");
	expect_err(HDR "sid:1; content:\"a\"b\";)", "\"b\"", "content",
		   "content: unescaped '\"' inside the string");
	expect_err(HDR "sid:1; content:abc;)", "abc", "content", "content needs a quoted string");
	expect_err(HDR "sid:1; content:\"abc;)", "\"abc", "content", "unbalanced quotes");

	expect_err(HDR "sid:1; content:\"abcd\"; depth:3;)", "3;)", "depth",
		   "depth 3 is smaller than the content length 4");
	expect_err(HDR "sid:1; content:\"a\"; content:\"abcd\"; within:3;)", "3;)", "within",
		   "within 3 is smaller than the content length 4");
	expect_err(HDR "sid:1; content:\"a\"; offset:1; distance:2;)", "distance", "distance",
		   "offset and distance cannot be used together");
	expect_err(HDR "sid:1; content:\"a\"; distance:2; offset:1;)", "offset", "offset",
		   "offset and distance cannot be used together");
	expect_err(HDR "sid:1; content:\"a\"; depth:5; within:5;)", "within", "within",
		   "depth and within cannot be used together");
	expect_err(HDR "sid:1; content:\"a\"; within:5; depth:5;)", "depth", "depth",
		   "depth and within cannot be used together");
	expect_err(HDR "sid:1; content:\"a\"; nocase; nocase;)", "nocase;)", "nocase",
		   "duplicate 'nocase' for one content");
	expect_err(HDR "sid:1; content:\"a\"; offset:1; offset:2;)", "offset:2", "offset",
		   "duplicate 'offset' for one content");
	expect_err(HDR "sid:1; content:\"a\"; distance:1; distance:2;)", "distance:2", "distance",
		   "duplicate 'distance'");
	expect_err(HDR "sid:1; content:\"a\"; fast_pattern; fast_pattern;)", "fast_pattern;)",
		   "fast_pattern", "duplicate 'fast_pattern'");
	expect_err(HDR "sid:1; content:\"a\"; fast_pattern; content:\"b\"; fast_pattern;)",
		   "fast_pattern;)", "fast_pattern",
		   "fast_pattern can be used on only one content in a rule");
	expect_err(HDR "sid:1; content:\"abc\"; fast_pattern:2,2;)", "2,2", "fast_pattern",
		   "fast_pattern: 2,2 goes past the content's 3 bytes");
	expect_err(HDR "sid:1; content:\"abc\"; fast_pattern:x;)", "x;", "fast_pattern",
		   "fast_pattern: expected nothing, 'only' or 'offset,length'");
	expect_err(HDR "sid:1; content:\"a\"; offset:-1;)", "-1", "offset",
		   "offset must not be negative");
	expect_err(HDR "sid:1; content:\"a\"; depth:-5;)", "-5", "depth",
		   "depth must not be negative");
	expect_err(HDR "sid:1; content:\"a\"; offset:65536;)", "65536", "offset",
		   "offset 65536 is out of range (0 to 65535)");
	expect_err(HDR "sid:1; content:\"a\"; distance:-1048577;)", "-1048577", "distance",
		   "distance -1048577 is out of range (-1048576 to 1048576)");
	expect_err(HDR "sid:1; content:\"a\"; within:99999999999999999999;)", "999", "within",
		   "within 99999999999999999999 is out of range");
	expect_err(HDR "sid:1; content:\"a\"; offset:myvar;)", "myvar", "offset",
		   "offset: unknown variable 'myvar' (it must be the result of an earlier "
		   "byte_extract or byte_math)");
	expect_err(HDR "sid:1; content:\"a\"; offset:-myvar;)", "-myvar", "offset",
		   "offset needs a number or a byte_extract/byte_math variable, got "
		   "'-myvar'");
}

static void
test_pcre_dsize_threshold_errors(void)
{
	static const struct {
		char flag;
		const char *msg;
	} flags[] = {
		{'U', "pcre flag 'U' (http buffer) is not supported"},
		{'H', "pcre flag 'H' (http buffer) is not supported"},
		{'P', "pcre flag 'P' (http buffer) is not supported"},
		{'O', "pcre flag 'O' (match-limit override) is not supported"},
		{'G', "pcre flag 'G' (ungreedy) is not supported"},
		{'E', "pcre flag 'E' (dollar-endonly) is not supported"},
		{'A', "pcre flag 'A' (anchored) is not supported"},
		{'q', "unknown pcre flag 'q'"},
	};
	char text[256], at[8];
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		snprintf(text, sizeof(text), HDR "sid:1; pcre:\"/a/i%c\";)", flags[i].flag);
		snprintf(at, sizeof(at), "%c\";", flags[i].flag);
		expect_err(text, at, "pcre", flags[i].msg);
	}
	expect_err(HDR "sid:1; pcre:\"a\";)", "a\";", "pcre", "pcre needs \"/pattern/flags\"");
	expect_err(HDR "sid:1; pcre:\"/a\";)", "/a", "pcre", "pcre needs \"/pattern/flags\"");
	expect_err(HDR "sid:1; pcre:\"//i\";)", "//i", "pcre", "pcre: empty pattern");
	expect_err(HDR "sid:1; pcre:/a/i;)", "/a/i", "pcre", "pcre needs a quoted string");

	/* dsize is Suricata's u16 condition (uint.rs): its refusals */
	expect_err(HDR "sid:1; dsize:5<>3;)", "3;)", "dsize",
		   "dsize: range A-B needs B above A + 1 (both bounds are excluded) in '5<>3'");
	expect_err(HDR "sid:1; dsize:4<>5;)", "5;)", "dsize", "dsize: range A-B needs B above");
	expect_err(HDR "sid:1; dsize:abc;)", "abc", "dsize",
		   "dsize: expected a number or an operator in 'abc' (expected N, =N, !N");
	expect_err(HDR "sid:1; dsize:70000;)", "70000", "dsize", "dsize: number out of range");
	expect_err(HDR "sid:1; dsize:<=65535;)", "<=65535", "dsize",
		   "dsize: the condition always or never holds");
	expect_err(HDR "sid:1; dsize:<0;)", "<0", "dsize",
		   "dsize: the condition always or never holds");
	expect_err(HDR "sid:1; dsize:&0x3=4;)", "4;)", "dsize", "dsize: value has bits outside");
	expect_err(HDR "sid:1; dsize:5 x;)", "x;)", "dsize",
		   "dsize: unexpected text after the condition");
	expect_err(HDR "sid:1; dsize:5; dsize:6;)", "dsize:6", "dsize", "duplicate 'dsize'");

	expect_err(HDR "sid:1; threshold: type limit, track by_src, count 1;)", "type", "threshold",
		   "threshold: missing 'seconds'");
	expect_err(HDR "sid:1; threshold: track by_src, count 1, seconds 2;)", "track", "threshold",
		   "threshold: missing 'type'");
	expect_err(HDR "sid:1; threshold: type rate, track by_src, count 1, seconds 2;)", "rate",
		   "threshold", "threshold: type 'rate' is not supported");
	expect_err(HDR "sid:1; threshold: type limit, track by_either, count 1, seconds 2;)",
		   "by_either", "threshold", "threshold: track 'by_either' is not supported");
	expect_err(HDR "sid:1; threshold: type limit, track by_src, count 0, seconds 2;)", "0,",
		   "threshold", "threshold: count must be a number from 1 to 4294967295");
	expect_err(HDR "sid:1; threshold: type limit, track by_src, count 1, seconds x;)", "x;",
		   "threshold", "threshold: seconds must be a number");
	expect_err(HDR "sid:1; threshold: type limit, count 1, count 2, track by_src;)", "count 2",
		   "threshold", "threshold: duplicate 'count'");
	expect_err(HDR "sid:1; threshold: type limit, track by_src, count 1, seconds 2, foo 3;)",
		   "foo", "threshold", "threshold: unknown part 'foo'");
	expect_err(HDR "sid:1; threshold: type limit,, track by_src;)", ", track", "threshold",
		   "threshold: empty part");
	expect_err(HDR "sid:1; threshold: type, track by_src;)", "type", "threshold",
		   "threshold: 'type' needs a value");
	expect_err(HDR "sid:1; detection_filter: type limit, track by_src, count 1, seconds 2;)",
		   "type", "detection_filter", "detection_filter: unknown part 'type'");
	expect_err(HDR "sid:1; detection_filter: track by_src, count 1;)", "track",
		   "detection_filter", "detection_filter: missing 'seconds'");
	expect_err(HDR "sid:1; threshold:type limit,track by_src,count 1,seconds 1; "
		       "detection_filter:track by_src,count 1,seconds 1;)",
		   "detection_filter", "detection_filter",
		   "threshold and detection_filter cannot be used in one rule");
	expect_err(HDR "sid:1; threshold:type limit,track by_src,count 1,seconds 1; "
		       "threshold:type limit,track by_src,count 1,seconds 1;)",
		   "threshold:type limit,track by_src,count 1,seconds 1;)", "threshold",
		   "duplicate 'threshold'");

	expect_err(HDR "sid:1; luhn;)", "luhn", "luhn", "luhn needs a preceding content or pcre");
	expect_err(HDR "sid:1; pan; luhn;)", "luhn", "luhn", "luhn needs a preceding content");
	expect_err(HDR "sid:1; content:!\"1\"; luhn;)", "luhn", "luhn",
		   "luhn cannot apply to a negated content or pcre");
	expect_err(HDR "sid:1; content:\"1\"; luhn; luhn;)", "luhn;)", "luhn", "duplicate 'luhn'");
	expect_err(HDR "sid:1; pan:1;)", "pan", "pan", "pan takes no value");
}

/* ---- files --------------------------------------------------------------- */

static void
test_file_comments_continuations(void)
{
	static const char text[] = "# a comment\n"					    /* 1 */
				   "\n"							    /* 2 */
				   "  # alert tcp any any -> any any (sid:99;) \\\n"	    /* 3 */
				   "alert tcp any any -> any any (msg:\"one\"; sid:1;)\r\n" /* 4 */
				   "alert tcp any any -> any any (msg:\"two\"; \\\n"	    /* 5 */
				   "    content:\"ab\"; \\  \n"				    /* 6 */
				   "    sid:2;)\n"					    /* 7 */
				   "\t \n"						    /* 8 */
				   "alert tcp any any -> any any (msg:\"three\"; \\\n"	    /* 9 */
				   "  content:\"a\"; depth:0; sid:3;)\n"		    /* 10 */
				   "alert tcp any any -> any any (msg:\"four\"; sid:4;)\n"  /* 11 */
				   "alert tcp any any -> any any (msg:\"x\"; sid:4;)\n"	    /* 12 */
				   "alert tcp any any -> any any (msg:\"last\"; \\\n"	    /* 13 */
				   "sid:5;)";						    /* 14 */
	struct weir_suri_rule_list l = {0};
	struct weir_diags ds;
	char path[64], want[256], got[512];
	int rc;

	CU_ASSERT_FATAL(weir_diags_init(&ds, 16) == 0);
	CU_ASSERT_FATAL(write_tmp(text, path, sizeof(path)) == 0);
	rc = weir_rules_parse_suri_file(path, &g_vars, &l, &ds);
	CU_ASSERT(rc == 2);
	CU_ASSERT(ds.total == 2);
	CU_ASSERT_FATAL(l.n == 4);
	CU_ASSERT(l.v[0].sid == 1 && l.v[0].line == 4);
	CU_ASSERT_STRING_EQUAL(l.v[0].text, "alert tcp any any -> any any (msg:\"one\"; sid:1;)");
	/* Joined where the '\' was, blanks after it dropped, first line kept. */
	CU_ASSERT(l.v[1].sid == 2 && l.v[1].line == 5);
	CU_ASSERT_STRING_EQUAL(l.v[1].text, "alert tcp any any -> any any (msg:\"two\";     "
					    "content:\"ab\";     sid:2;)");
	CU_ASSERT(l.v[1].n_items == 1 && l.v[1].items[0].len == 2);
	/* An item's column is in the joined text, to go with r->line. */
	CU_ASSERT(l.v[1].items[0].col ==
		  (unsigned int)(strstr(l.v[1].text, "content") - l.v[1].text) + 1);
	CU_ASSERT(l.v[2].sid == 4 && l.v[2].line == 11);
	CU_ASSERT(l.v[3].sid == 5 && l.v[3].line == 13);
	CU_ASSERT_STRING_EQUAL(l.v[3].msg, "last");
	CU_ASSERT_FATAL(ds.n == 2);
	/* An error in a continuation line points into that physical line. */
	weir_diag_format(&ds.v[0], got, sizeof(got));
	snprintf(want, sizeof(want), "%s:10:22: depth 0 is smaller", path);
	CU_ASSERT(strncmp(got, want, strlen(want)) == 0);
	CU_ASSERT_STRING_EQUAL(ds.v[0].keyword, "depth");
	weir_diag_format(&ds.v[1], got, sizeof(got));
	snprintf(want, sizeof(want), "%s:12:40: duplicate sid 4 (gid 1): first defined at %s:11",
		 path, path);
	CU_ASSERT_STRING_EQUAL(got, want);
	CU_ASSERT_STRING_EQUAL(ds.v[1].keyword, "sid");
	weir_suri_rule_list_free(&l);
	unlink(path);

	/* A NUL byte refuses its rule, and only that one. */
	{
		static const char nul[] = "alert tcp any any -> any any (sid:1;)\n"
					  "alert tcp any any -> any any (msg:\"a\0b\"; sid:2;)\n"
					  "alert tcp any any -> any any (sid:3;)\n";
		FILE *f;

		snprintf(path, sizeof(path), "/tmp/weir_suri_XXXXXX");
		rc = mkstemp(path);
		CU_ASSERT_FATAL(rc >= 0);
		f = fdopen(rc, "w");
		CU_ASSERT_FATAL(f != NULL);
		fwrite(nul, 1, sizeof(nul) - 1, f);
		fclose(f);
		ds.n = ds.total = 0;
		rc = weir_rules_parse_suri_file(path, &g_vars, &l, &ds);
		CU_ASSERT(rc == 1 && l.n == 2 && ds.total == 1);
		CU_ASSERT(ds.n == 1 && ds.v[0].line == 2 && ds.v[0].col == 37);
		CU_ASSERT_PTR_NOT_NULL(strstr(ds.v[0].msg, "NUL byte"));
		weir_suri_rule_list_free(&l);
		unlink(path);
	}
	weir_diags_free(&ds);
}

static void
test_duplicate_sid_across_files(void)
{
	struct weir_suri_rule_list l = {0};
	struct weir_diags ds;
	char a[64], b[64], want[256], got[512];

	CU_ASSERT_FATAL(weir_diags_init(&ds, 16) == 0);
	CU_ASSERT_FATAL(write_tmp("# file a\n"
				  "alert tcp any any -> any any (sid:100;)\n"
				  "alert tcp any any -> any any (sid:101; gid:2;)\n",
				  a, sizeof(a)) == 0);
	CU_ASSERT_FATAL(write_tmp("alert tcp any any -> any any (sid:101;)\n"
				  "\n"
				  "alert udp any any -> any any (msg:\"again\"; sid:100;)\n"
				  "alert tcp any any -> any any (sid:101; gid:2;)\n",
				  b, sizeof(b)) == 0);
	CU_ASSERT(weir_rules_parse_suri_file(a, &g_vars, &l, &ds) == 0);
	CU_ASSERT(weir_rules_parse_suri_file(b, &g_vars, &l, &ds) == 2);
	/* (gid 1, sid 101) is not (gid 2, sid 101). */
	CU_ASSERT(l.n == 3);
	CU_ASSERT_FATAL(ds.n == 2);
	weir_diag_format(&ds.v[0], got, sizeof(got));
	snprintf(want, sizeof(want), "%s:3:44: duplicate sid 100 (gid 1): first defined at %s:2", b,
		 a);
	CU_ASSERT_STRING_EQUAL(got, want);
	CU_ASSERT_STRING_EQUAL(ds.v[0].keyword, "sid");
	weir_diag_format(&ds.v[1], got, sizeof(got));
	snprintf(want, sizeof(want), "%s:4:31: duplicate sid 101 (gid 2): first defined at %s:3", b,
		 a);
	CU_ASSERT_STRING_EQUAL(got, want);

	/* The one-rule entry point checks against the list too. */
	ds.n = ds.total = 0;
	CU_ASSERT(weir_rules_parse_suri_rule("c.rules", 1, "alert ip any any -> any any (sid:100;)",
					     &g_vars, &l, &ds) == -EINVAL);
	CU_ASSERT(ds.total == 1 && l.n == 3);
	weir_suri_rule_list_free(&l);
	weir_diags_free(&ds);
	unlink(a);
	unlink(b);
}

static void
test_missing_file(void)
{
	struct weir_suri_rule_list l = {0};
	struct weir_diags ds;

	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	CU_ASSERT(weir_rules_parse_suri_file("/nonexistent/x.rules", &g_vars, &l, &ds) == -ENOENT);
	CU_ASSERT(ds.total == 1 && ds.n == 1 && ds.v[0].line == 0);
	CU_ASSERT(l.n == 0);
	ds.n = ds.total = 0;
	CU_ASSERT(weir_rules_parse_suri_file("/tmp", &g_vars, &l, &ds) == -EISDIR);
	CU_ASSERT(ds.total == 1 && l.n == 0);
	weir_diags_free(&ds);
}

/* 10,000 rules in one file: linear time, then all duplicates of themselves. */
static void
test_ten_thousand_rules(void)
{
	const unsigned int n = 10000;
	struct weir_suri_rule_list l = {0};
	struct weir_diags ds;
	char path[64];
	double t0, t1, t2;
	unsigned int i;
	FILE *f;
	int fd, rc;

	snprintf(path, sizeof(path), "/tmp/weir_suri_XXXXXX");
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	f = fdopen(fd, "w");
	CU_ASSERT_FATAL(f != NULL);
	for (i = 0; i < n; i++)
		fprintf(f,
			"alert tcp $EXTERNAL_NET any -> $HOME_NET [80,443,%u] (msg:\"gen %u\"; "
			"content:\"tok%u|0d 0a|\"; nocase; depth:64; content:\"x\"; distance:0; "
			"pcre:\"/v%u[0-9]+/i\"; classtype:misc-activity; sid:%u; rev:1;)\n",
			1024 + i % 60000, i, i, i, 1000000 + i);
	CU_ASSERT_FATAL(fclose(f) == 0);
	CU_ASSERT_FATAL(weir_diags_init(&ds, 16) == 0);
	t0 = now_ms();
	rc = weir_rules_parse_suri_file(path, &g_vars, &l, &ds);
	t1 = now_ms();
	CU_ASSERT(rc == 0 && l.n == n && ds.total == 0);
	rc = weir_rules_parse_suri_file(path, &g_vars, &l, &ds);
	t2 = now_ms();
	CU_ASSERT(rc == (int)n && l.n == n && ds.total == n);
	fprintf(stderr, "\n  %u rules: %.1f ms, again as duplicates: %.1f ms\n", n, t1 - t0,
		t2 - t1);
	/* Times are printed, not asserted (speed is perf/'s, never a test's:
	 * the bound failed under load); about 30 ms each on a quiet machine,
	 * where a quadratic duplicate check would take seconds. */
	weir_suri_rule_list_free(&l);
	weir_diags_free(&ds);
	unlink(path);
}

/* ---- the shared rule files ------------------------------------------------- */

struct text_lines {
	char *buf;
	char **v;
	unsigned int n;
};

static int
read_lines(const char *path, struct text_lines *tl)
{
	size_t cap = 0, len = 0;
	unsigned int n_alloc = 0;
	char *p;
	FILE *f;

	memset(tl, 0, sizeof(*tl));
	f = fopen(path, "r");
	if (f == NULL)
		return -errno;
	for (;;) {
		size_t got;

		if (len + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 1 << 20;
			tl->buf = realloc(tl->buf, cap);
			if (tl->buf == NULL) {
				fclose(f);
				return -ENOMEM;
			}
		}
		got = fread(tl->buf + len, 1, 65536, f);
		len += got;
		if (got == 0)
			break;
	}
	fclose(f);
	tl->buf[len] = '\0';
	p = tl->buf;
	while (*p != '\0') {
		char *nl = strchr(p, '\n');

		if (tl->n == n_alloc) {
			n_alloc = n_alloc ? n_alloc * 2 : 1024;
			tl->v = realloc(tl->v, n_alloc * sizeof(*tl->v));
			if (tl->v == NULL)
				return -ENOMEM;
		}
		tl->v[tl->n++] = p;
		if (nl == NULL)
			break;
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		p = nl + 1;
	}
	return 0;
}

static void
free_lines(struct text_lines *tl)
{
	free(tl->v);
	free(tl->buf);
	memset(tl, 0, sizeof(*tl));
}

static int
is_rule_line(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s != '\0' && *s != '#';
}

/* The reasons a real rule may be refused for; anything else is a bug. */
static const char *const g_known_refusals[] = {
	"is not supported (app-layer)", "unknown or unsupported keyword '",
	"is not supported yet (",	"needs the app-layer",
	") is not supported",	/* pcre buffer flags */
	": unknown variable $", /* Snort's $SIP_SERVERS etc. are not Suricata's */
};

static int
known_refusal(const char *msg)
{
	size_t i;

	for (i = 0; i < sizeof(g_known_refusals) / sizeof(g_known_refusals[0]); i++)
		if (strstr(msg, g_known_refusals[i]) != NULL)
			return (int)i;
	return -1;
}

/* Reasons, counted by the first 40 characters of the message. */
struct reason_count {
	char key[48];
	unsigned int n;
};

static void
count_reason(struct reason_count *rc, unsigned int cap, const struct weir_diag *d)
{
	char key[48];
	unsigned int i;

	if (strncmp(d->msg, "unknown or unsupported keyword", 30) == 0 ||
	    strncmp(d->msg, "protocol '", 10) == 0)
		snprintf(key, sizeof(key), "%.47s", d->msg);
	else
		snprintf(key, sizeof(key), "%.40s", d->msg);
	for (i = 0; i < cap && rc[i].n > 0; i++) {
		if (strcmp(rc[i].key, key) == 0) {
			rc[i].n++;
			return;
		}
	}
	if (i < cap) {
		snprintf(rc[i].key, sizeof(rc[i].key), "%s", key);
		rc[i].n = 1;
	}
}

static int
cmp_reason(const void *a, const void *b)
{
	const struct reason_count *x = a, *y = b;

	return (x->n < y->n) - (x->n > y->n);
}

/*
 * One shared file: every active line is a rule that either parsed or got
 * exactly one diagnostic on its own line, for a known reason.
 */
static void
check_shared_file(const char *path, unsigned int *active_out, unsigned int *parsed_out,
		  struct reason_count *reasons, unsigned int n_reasons)
{
	struct weir_suri_rule_list l = {0};
	struct text_lines tl;
	struct weir_diags ds;
	unsigned int active = 0, i;
	unsigned char *seen;
	int rc;

	CU_ASSERT_FATAL(read_lines(path, &tl) == 0);
	for (i = 0; i < tl.n; i++)
		active += (unsigned int)is_rule_line(tl.v[i]);
	CU_ASSERT_FATAL(weir_diags_init(&ds, DIAG_CAP) == 0);
	rc = weir_rules_parse_suri_file(path, &g_vars, &l, &ds);
	CU_ASSERT(rc >= 0);
	CU_ASSERT(ds.total == (unsigned int)rc && ds.n == ds.total);
	CU_ASSERT(l.n + (unsigned int)rc == active);
	seen = calloc(tl.n + 1, 1);
	CU_ASSERT_FATAL(seen != NULL);
	for (i = 0; i < ds.n; i++) {
		const struct weir_diag *d = &ds.v[i];
		int ok = d->line >= 1 && d->line <= tl.n && is_rule_line(tl.v[d->line - 1]) &&
			 !seen[d->line] && d->col >= 1 && d->col <= strlen(tl.v[d->line - 1]) + 1 &&
			 known_refusal(d->msg) >= 0;

		if (!ok)
			fprintf(stderr, "\n  %s:%u:%u: %s [%s]\n", path, d->line, d->col, d->msg,
				d->keyword);
		CU_ASSERT(ok);
		if (d->line <= tl.n)
			seen[d->line] = 1;
		count_reason(reasons, n_reasons, d);
	}
	for (i = 0; i < l.n; i++) {
		CU_ASSERT(l.v[i].line >= 1 && l.v[i].line <= tl.n && !seen[l.v[i].line]);
		if (l.v[i].line <= tl.n)
			CU_ASSERT_STRING_EQUAL(l.v[i].text, tl.v[l.v[i].line - 1]);
	}
	*active_out = active;
	*parsed_out = l.n;
	free(seen);
	weir_suri_rule_list_free(&l);
	weir_diags_free(&ds);
	free_lines(&tl);
}

static void
test_shared_rule_files(void)
{
	static const char *const dirs[] = {"rules/et-open", "rules/snort-community"};
	unsigned int tot_active[2] = {0}, tot_parsed[2] = {0}, d, i;
	struct reason_count reasons[256];
	char dir[4300], path[4600];
	double t0 = now_ms();

	if (!need_data())
		return;
	memset(reasons, 0, sizeof(reasons));
	for (d = 0; d < 2; d++) {
		struct dirent *e;
		DIR *dp;

		snprintf(dir, sizeof(dir), "%s/%s", g_data_dir, dirs[d]);
		dp = opendir(dir);
		CU_ASSERT_PTR_NOT_NULL_FATAL(dp);
		while ((e = readdir(dp)) != NULL) {
			size_t n = strlen(e->d_name);
			unsigned int active, parsed;

			if (n < 6 || strcmp(e->d_name + n - 6, ".rules") != 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			check_shared_file(path, &active, &parsed, reasons, 256);
			fprintf(stderr, "\n  %-40s active %5u parsed %4u refused %5u", e->d_name,
				active, parsed, active - parsed);
			if (strcmp(e->d_name, "ciarmy.rules") == 0)
				CU_ASSERT(parsed == active && active == 100);
			tot_active[d] += active;
			tot_parsed[d] += parsed;
		}
		closedir(dp);
	}
	qsort(reasons, 256, sizeof(reasons[0]), cmp_reason);
	fprintf(stderr,
		"\n  et-open: %u active, %u parsed; snort-community: %u active, %u "
		"parsed; %.0f ms\n  top refusals:",
		tot_active[0], tot_parsed[0], tot_active[1], tot_parsed[1], now_ms() - t0);
	for (i = 0; i < 8 && reasons[i].n > 0; i++)
		fprintf(stderr, "\n    %5u %s", reasons[i].n, reasons[i].key);
	fprintf(stderr, "\n");
	/* The counts the data's README gives. */
	CU_ASSERT(tot_active[0] == 4718);
	CU_ASSERT(tot_active[1] == 545);
	/* What weir supports today: ciarmy's 100 plus the basic-subset rules,
	 * with flow, flowbits and flowint (219 before flow was supported,
	 * 789 since: the per-file counts above, summed), and stream_size: 792
	 * (of the 19 active ET rules with stream_size, `weir rules check
	 * --rules-skip-invalid` loads 2034839, 2034673 and 2034786; the other
	 * 16 need startswith, tcp-pkt or xbits), the header keywords
	 * (flags, itype, icode, ip_proto) and tcp-pkt, flow:only_stream and
	 * the payload keywords (byte_test, byte_jump, byte_extract, isdataat,
	 * startswith, endswith, pcre flag B): 1282; with target kept for EVE
	 * (4 rules): 1286. */
	CU_ASSERT(tot_parsed[0] == 1286);
	/* Every active Snort community rule uses flow; 157 of them
	 * need nothing else the parser refuses. */
	CU_ASSERT(tot_parsed[1] == 157);
}

/* A known simple ET rule, field by field. */
static void
test_known_et_rule(void)
{
	struct weir_suri_rule_list l = {0};
	const struct weir_suri_rule *r = NULL;
	struct weir_diags ds;
	struct text_lines tl;
	char path[4300];
	unsigned int i, line = 0;

	if (!need_data())
		return;
	snprintf(path, sizeof(path), "%s/rules/et-open/emerging-scan.rules", g_data_dir);
	CU_ASSERT_FATAL(read_lines(path, &tl) == 0);
	for (i = 0; i < tl.n && line == 0; i++)
		if (strstr(tl.v[i], "sid:2010372;") != NULL && tl.v[i][0] != '#')
			line = i + 1;
	CU_ASSERT_FATAL(line != 0);
	CU_ASSERT_FATAL(weir_diags_init(&ds, DIAG_CAP) == 0);
	CU_ASSERT(weir_rules_parse_suri_file(path, &g_vars, &l, &ds) >= 0);
	for (i = 0; i < l.n; i++)
		if (l.v[i].sid == 2010372)
			r = &l.v[i];
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	/* alert udp $EXTERNAL_NET any -> $HOME_NET any (msg:"ET SCAN Amap UDP
	 * Service Scan Detected"; dsize:<135; content:"THCTHCTHCTHCTHC|20 20 20|";
	 * reference:url,freeworld.thc.org/thc-amap/; classtype:attempted-recon;
	 * sid:2010372; rev:2; metadata:created_at 2010_07_30, updated_at 2019_07_26;) */
	CU_ASSERT(r->line == line);
	CU_ASSERT_STRING_EQUAL(r->text, tl.v[line - 1]);
	CU_ASSERT_STRING_EQUAL(r->file, path);
	CU_ASSERT(r->action == WEIR_ACTION_ALERT && r->proto == WEIR_RPROTO_UDP && !r->bidir);
	CU_ASSERT(weir_addrset_has(&r->src, 4, v4(8, 8, 8, 8)));
	CU_ASSERT(!weir_addrset_has(&r->src, 4, v4(192, 168, 0, 1)));
	CU_ASSERT(weir_addrset_has(&r->dst, 4, v4(172, 16, 5, 4)));
	CU_ASSERT(!weir_addrset_has(&r->dst, 4, v4(8, 8, 8, 8)));
	CU_ASSERT(r->sport.any && r->dport.any);
	CU_ASSERT_STRING_EQUAL(r->msg, "ET SCAN Amap UDP Service Scan Detected");
	CU_ASSERT(r->has_dsize && r->dsize.mode == WEIR_UINT_LT && r->dsize.a == 135);
	CU_ASSERT_FATAL(r->n_items == 1);
	CU_ASSERT(r->items[0].kind == WEIR_ITEM_CONTENT && r->items[0].len == 18 &&
		  memcmp(r->items[0].bytes, "THCTHCTHCTHCTHC   ", 18) == 0);
	CU_ASSERT(!r->items[0].nocase && !r->items[0].negated && !r->items[0].relative);
	CU_ASSERT_STRING_EQUAL(r->reference, "url,freeworld.thc.org/thc-amap/");
	CU_ASSERT_STRING_EQUAL(r->classtype, "attempted-recon");
	CU_ASSERT(r->priority == 2 && r->rev == 2 && r->gid == 1);
	CU_ASSERT_STRING_EQUAL(r->metadata, "created_at 2010_07_30, updated_at 2019_07_26");
	weir_suri_rule_list_free(&l);
	weir_diags_free(&ds);
	free_lines(&tl);
}

/*
 * The same files with their app-layer protocols made "tcp", flow options
 * removed and Snort's commented-out rules uncommented: thousands more
 * real rules reach the option parser. Every one must parse or be refused
 * for an unsupported keyword, pcre flag or variable: never for syntax.
 */
static void
test_shared_rules_relaxed(void)
{
	static const char *const files[] = {
		"rules/et-open/emerging-attack_response.rules",
		"rules/et-open/emerging-exploit.rules",
		"rules/et-open/emerging-netbios.rules",
		"rules/et-open/emerging-policy.rules",
		"rules/et-open/emerging-scan.rules",
		"rules/et-open/emerging-shellcode.rules",
		"rules/et-open/emerging-sql.rules",
		"rules/et-open/emerging-web_server.rules",
		"rules/snort-community/community.rules",
	};
	unsigned int n_rules = 0, n_parsed = 0, n_bad = 0, f, i;
	struct weir_suri_rule_list l = {0};
	struct weir_diags ds;
	char path[4300], *buf = NULL;
	size_t cap = 0;

	if (!need_data())
		return;
	CU_ASSERT_FATAL(weir_diags_init(&ds, 4) == 0);
	for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		struct text_lines tl;

		snprintf(path, sizeof(path), "%s/%s", g_data_dir, files[f]);
		CU_ASSERT_FATAL(read_lines(path, &tl) == 0);
		for (i = 0; i < tl.n; i++) {
			const char *s = tl.v[i], *p, *q;
			size_t len = strlen(s), o = 0;

			if (strncmp(s, "# alert ", 8) == 0)
				s += 2;
			if (!is_rule_line(s))
				continue;
			if (len * 2 + 16 > cap) {
				cap = len * 2 + 16;
				buf = realloc(buf, cap);
				CU_ASSERT_FATAL(buf != NULL);
			}
			/* action, then "tcp" unless ip/tcp/udp/icmp */
			p = strchr(s, ' ');
			if (p == NULL)
				continue;
			q = strchr(p + 1, ' ');
			if (q == NULL)
				continue;
			memcpy(buf, s, (size_t)(p - s + 1));
			o = (size_t)(p - s + 1);
			if (strncmp(p + 1, "ip ", 3) == 0 || strncmp(p + 1, "tcp ", 4) == 0 ||
			    strncmp(p + 1, "udp ", 4) == 0 || strncmp(p + 1, "icmp ", 5) == 0) {
				memcpy(buf + o, p + 1, (size_t)(q - p - 1));
				o += (size_t)(q - p - 1);
			} else {
				memcpy(buf + o, "tcp", 3);
				o += 3;
			}
			/* the rest, without "flow:...;" options */
			for (p = q; *p != '\0';) {
				if ((strncmp(p, " flow:", 6) == 0 ||
				     strncmp(p, "(flow:", 6) == 0)) {
					buf[o++] = *p;
					q = strchr(p, ';');
					p = q != NULL ? q + 1 : p + strlen(p);
					continue;
				}
				buf[o++] = *p++;
			}
			buf[o] = '\0';
			n_rules++;
			ds.n = ds.total = 0;
			if (weir_rules_parse_suri_rule(path, i + 1, buf, &g_vars, &l, &ds) == 0) {
				n_parsed++;
				continue;
			}
			CU_ASSERT(ds.total == 1);
			if (ds.n == 1 &&
			    (strstr(ds.v[0].msg, "unknown or unsupported keyword") == NULL &&
			     strstr(ds.v[0].msg, "pcre flag") == NULL &&
			     strstr(ds.v[0].msg, "unknown variable") == NULL &&
			     strstr(ds.v[0].msg, "duplicate sid") == NULL &&
			     strstr(ds.v[0].msg, "is not supported yet (") == NULL &&
			     strstr(ds.v[0].msg, "needs the app-layer") == NULL &&
			     /* Snort's fragbits:M+, which Suricata's fragbits
			      * parser (uint.rs, modifier first) refuses too */
			     strstr(ds.v[0].msg, "fragbits: unexpected '+'") == NULL)) {
				if (n_bad++ < 40)
					fprintf(stderr, "\n  %s:%u:%u: %s\n    %s\n", files[f],
						i + 1, ds.v[0].col, ds.v[0].msg, buf);
			}
		}
		free_lines(&tl);
	}
	fprintf(stderr, "\n  relaxed: %u rules, %u parsed, %u refused for syntax\n", n_rules,
		n_parsed, n_bad);
	CU_ASSERT(n_bad == 0);
	CU_ASSERT(n_rules > 8000);
	CU_ASSERT(n_parsed > 1500);
	free(buf);
	weir_suri_rule_list_free(&l);
	weir_diags_free(&ds);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("parse_suri", suite_init, suite_clean);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_classtype_table);
	CU_ADD_TEST(s, test_header_and_defaults);
	CU_ADD_TEST(s, test_identity_keywords);
	CU_ADD_TEST(s, test_eve_metadata_references);
	CU_ADD_TEST(s, test_threshold_tracks_backoff);
	CU_ADD_TEST(s, test_threshconf_apply);
	CU_ADD_TEST(s, test_threshconf_errors);
	CU_ADD_TEST(s, test_content_and_modifiers);
	CU_ADD_TEST(s, test_pcre);
	CU_ADD_TEST(s, test_dsize_threshold_fraud);
	CU_ADD_TEST(s, test_flow_keywords);
	CU_ADD_TEST(s, test_flow_keyword_errors);
	CU_ADD_TEST(s, test_flow_counter_keywords);
	CU_ADD_TEST(s, test_flow_counter_errors);
	CU_ADD_TEST(s, test_header_errors);
	CU_ADD_TEST(s, test_syntax_errors);
	CU_ADD_TEST(s, test_keyword_errors);
	CU_ADD_TEST(s, test_content_errors);
	CU_ADD_TEST(s, test_pcre_dsize_threshold_errors);
	CU_ADD_TEST(s, test_file_comments_continuations);
	CU_ADD_TEST(s, test_duplicate_sid_across_files);
	CU_ADD_TEST(s, test_header_buffers);
	CU_ADD_TEST(s, test_fast_pattern_refusals);
	CU_ADD_TEST(s, test_meta_and_vlan);
	CU_ADD_TEST(s, test_missing_file);
	CU_ADD_TEST(s, test_ten_thousand_rules);
	CU_ADD_TEST(s, test_shared_rule_files);
	CU_ADD_TEST(s, test_known_et_rule);
	CU_ADD_TEST(s, test_shared_rules_relaxed);
	return weir_ut_run();
}
