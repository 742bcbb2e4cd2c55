/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for rule loading (rules_parse_sig.c, rules_compile.c): each
 * class of bad line gives its exact "file:line[:col]:" diagnostic, a rule
 * set is built with the flags the product needs (one alert per packet and
 * rule), and the real Hyperscan pattern files from shared/data load with
 * every refusal pinned to its own line and Hyperscan's own message.
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

#include "rules.h"

#define DIAG_CAP 4096

/*
 * Hyperscan's compiler is allocation-heavy C++; under ASan every malloc is
 * intercepted and the full data cases take minutes (measured ~400 s against
 * ~90 s), past meson's 120 s timeout. Sanitized builds therefore build only
 * the first QUICK_RULES rules of each collider file and leave out of
 * bad_patterns the few rules only a full compile refuses (seconds each:
 * "Pattern is too large."); every line is still parsed and accounted for.
 * WEIR_UT_FULL=1 runs everything anyway.
 */
#if defined(__SANITIZE_ADDRESS__)
#define UT_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UT_SANITIZED 1
#endif
#endif
#ifndef UT_SANITIZED
#define UT_SANITIZED 0
#endif
#define QUICK_RULES 32
/*
 * Unsanitized builds compile each collider file's first BIG_RULES rules:
 * ucp.txt's and utf8.txt's whole databases (508 and 193 Unicode-class
 * rules, 56 MB and 22 MB) take Hyperscan's compiler four and a half
 * minutes, their first 128 rules under a minute, every other file whole
 * seconds. Every line is still parsed and accounted for; WEIR_UT_FULL=1
 * compiles every rule.
 */
#define BIG_RULES 128

/* A whole text file split into lines, to check diagnostics against. */
struct text_lines {
	char *buf;
	char **v;
	unsigned int n;
};

static char g_data_dir[4096];
static int g_have_data;
static int g_quick;
static unsigned int g_cap; /* rules compiled per collider file; 0: all */

/*
 * ../shared/data as weir_ut_shared_data() finds it. Without it the data
 * cases skip, and so does the binary (exit 77): they never pass by accident.
 */
static int
suite_init(void)
{
	const char *d = weir_ut_shared_data();

	g_have_data = d != NULL;
	if (g_have_data) {
		snprintf(g_data_dir, sizeof(g_data_dir), "%s", d);
		fprintf(stderr, "shared data: %s\n", g_data_dir);
	}
	d = getenv("WEIR_UT_FULL");
	g_quick = UT_SANITIZED && !(d != NULL && strcmp(d, "1") == 0);
	if (g_quick)
		fprintf(stderr, "sanitized build: quick data cases (WEIR_UT_FULL=1 for all)\n");
	g_cap = g_quick ? QUICK_RULES : d != NULL && strcmp(d, "1") == 0 ? 0 : BIG_RULES;
	if (g_cap == BIG_RULES)
		fprintf(stderr,
			"collider files: first %u rules compiled (WEIR_UT_FULL=1 for all)\n",
			BIG_RULES);
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

	snprintf(path, len, "/tmp/weir_sig_XXXXXX");
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
	/* Slurp, then split in place on '\n'. */
	for (;;) {
		size_t got;

		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 65536;
			tl->buf = realloc(tl->buf, cap);
			if (tl->buf == NULL) {
				fclose(f);
				return -ENOMEM;
			}
		}
		got = fread(tl->buf + len, 1, 4096, f);
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
			n_alloc = n_alloc ? n_alloc * 2 : 256;
			tl->v = realloc(tl->v, n_alloc * sizeof(*tl->v));
			if (tl->v == NULL)
				return -ENOMEM;
		}
		tl->v[tl->n++] = p;
		if (nl == NULL)
			break;
		*nl = '\0';
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

/* A line the parser must treat as a rule: not blank, not a '#' comment. */
static int
is_rule_line(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return *s != '\0' && *s != '#';
}

static const struct weir_diag *
diag_at(const struct weir_diags *ds, unsigned int line)
{
	unsigned int i;

	for (i = 0; i < ds->n; i++) {
		if (ds->v[i].line == line)
			return &ds->v[i];
	}
	return NULL;
}

/* The keyword of the diagnostic for @p line, "" when there is none. */
static const char *
diag_keyword(const struct weir_diags *ds, unsigned int line)
{
	const struct weir_diag *d = diag_at(ds, line);

	return d != NULL ? d->keyword : "";
}

/*
 * The diagnostic for @p line, formatted, must start with @p prefix (the
 * "file:line[:col]: " part after the temp file name) and contain @p msg.
 */
static void
check_diag(const struct weir_diags *ds, const char *file, unsigned int line, const char *prefix,
	   const char *msg)
{
	const struct weir_diag *d = diag_at(ds, line);
	char want[512], got[1024];

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	weir_diag_format(d, got, sizeof(got));
	snprintf(want, sizeof(want), "%s%s", file, prefix);
	if (strncmp(got, want, strlen(want)) != 0 || strstr(got, msg) == NULL)
		fprintf(stderr, "\n  line %u: got \"%s\", want prefix \"%s\" and \"%s\"\n", line,
			got, want, msg);
	CU_ASSERT(strncmp(got, want, strlen(want)) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(got, msg));
}

static void
test_good_lines_fill_rules(void)
{
	static const char text[] = "# a comment line\n"
				   "   \t# an indented comment\n"
				   "\n"
				   "   \n"
				   "1:/foo/i\n"
				   "2:/a/b/c/sm  # slashes inside the regex\n"
				   "3:/bar/imsH8WL\n"
				   "4:/x{2}y/{min_offset=3,max_offset=40,min_length=2}\n"
				   "5:/ab/{edit_distance=1}#no blank before the comment\n"
				   "6:/ab/{hamming_distance=2} # see http://example.com/a/b\n"
				   "7:/path\\/to/ \t#escaped slash\n"
				   "4294967295:/max/\r\n"
				   "0:/zero/\n"
				   "  8:/lead/\n";
	struct weir_sig_rule_list list = {0};
	struct weir_diags ds;
	struct weir_sig_rule *r;
	char path[64];

	CU_ASSERT_FATAL(weir_diags_init(&ds, 16) == 0);
	CU_ASSERT_FATAL(write_tmp(text, path, sizeof(path)) == 0);
	CU_ASSERT(weir_rules_parse_sig_file(path, &list, &ds) == 0);
	CU_ASSERT(ds.total == 0);
	CU_ASSERT_FATAL(list.n == 10);

	r = &list.v[0];
	CU_ASSERT(r->sid == 1 && r->rev == 1 && r->line == 5);
	CU_ASSERT_STRING_EQUAL(r->pattern, "foo");
	CU_ASSERT_STRING_EQUAL(r->text, "/foo/i");
	CU_ASSERT_STRING_EQUAL(r->file, path);
	CU_ASSERT(r->hs_flags == HS_FLAG_CASELESS);
	CU_ASSERT(r->has_ext == 0);

	r = &list.v[1];
	CU_ASSERT(r->sid == 2 && r->line == 6);
	CU_ASSERT_STRING_EQUAL(r->pattern, "a/b/c");
	CU_ASSERT_STRING_EQUAL(r->text, "/a/b/c/sm");
	CU_ASSERT(r->hs_flags == (HS_FLAG_DOTALL | HS_FLAG_MULTILINE));

	r = &list.v[2];
	CU_ASSERT(r->hs_flags ==
		  (HS_FLAG_CASELESS | HS_FLAG_MULTILINE | HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH |
		   HS_FLAG_UTF8 | HS_FLAG_UCP | HS_FLAG_SOM_LEFTMOST));

	r = &list.v[3];
	CU_ASSERT_STRING_EQUAL(r->pattern, "x{2}y");
	CU_ASSERT_STRING_EQUAL(r->text, "/x{2}y/{min_offset=3,max_offset=40,min_length=2}");
	CU_ASSERT(r->has_ext == 1);
	CU_ASSERT(r->ext.flags ==
		  (HS_EXT_FLAG_MIN_OFFSET | HS_EXT_FLAG_MAX_OFFSET | HS_EXT_FLAG_MIN_LENGTH));
	CU_ASSERT(r->ext.min_offset == 3 && r->ext.max_offset == 40 && r->ext.min_length == 2);

	r = &list.v[4];
	CU_ASSERT(r->has_ext && r->ext.flags == HS_EXT_FLAG_EDIT_DISTANCE);
	CU_ASSERT(r->ext.edit_distance == 1);
	CU_ASSERT_STRING_EQUAL(r->text, "/ab/{edit_distance=1}");

	/* A '/' in the trailing comment does not move the end of the regex. */
	r = &list.v[5];
	CU_ASSERT_STRING_EQUAL(r->pattern, "ab");
	CU_ASSERT(r->ext.flags == HS_EXT_FLAG_HAMMING_DISTANCE && r->ext.hamming_distance == 2);

	r = &list.v[6];
	CU_ASSERT_STRING_EQUAL(r->pattern, "path\\/to");
	CU_ASSERT(r->hs_flags == 0);

	r = &list.v[7];
	CU_ASSERT(r->sid == UINT32_MAX && r->line == 12);
	CU_ASSERT_STRING_EQUAL(r->pattern, "max");

	CU_ASSERT(list.v[8].sid == 0);
	CU_ASSERT(list.v[9].sid == 8 && list.v[9].line == 14);

	weir_sig_rule_list_free(&list);
	CU_ASSERT(list.v == NULL && list.n == 0);
	weir_diags_free(&ds);
	unlink(path);
}

static void
test_bad_lines_report_file_line_col(void)
{
	static const char text[] = "x:/a/\n"		       /* 1 */
				   ":/a/\n"		       /* 2 */
				   "4294967296:/a/\n"	       /* 3 */
				   "12a:/a/\n"		       /* 4 */
				   "10 /a/\n"		       /* 5 */
				   "11:abc/\n"		       /* 6 */
				   "12:/abc\n"		       /* 7 */
				   "13:/abc/iq\n"	       /* 8 */
				   "14:/abc/{foo=1}\n"	       /* 9 */
				   "15://i\n"		       /* 10 */
				   "16:/ok/ # first\n"	       /* 11 */
				   "16:/dup/\n"		       /* 12 */
				   "# 17:/commented/out\n"     /* 13 */
				   "18:/abc/{min_offset=x1}\n" /* 14 */
				   "19:/abc/ junk\n"	       /* 15 */
				   "20:/abc/{min_offset=1\n"   /* 16 */
				   "21:/good/s\n";	       /* 17 */
	struct weir_sig_rule_list list = {0};
	struct weir_diags ds;
	char path[64];

	CU_ASSERT_FATAL(weir_diags_init(&ds, 64) == 0);
	CU_ASSERT_FATAL(write_tmp(text, path, sizeof(path)) == 0);
	CU_ASSERT(weir_rules_parse_sig_file(path, &list, &ds) == -EINVAL);

	/* Parsing went on after each bad line: one diagnostic per bad line. */
	CU_ASSERT(ds.total == 14);
	CU_ASSERT(ds.n == ds.total);
	CU_ASSERT_FATAL(list.n == 2);
	CU_ASSERT(list.v[0].sid == 16 && list.v[1].sid == 21);

	check_diag(&ds, path, 1, ":1:1: ", "rule ID 'x' is not a decimal number");
	check_diag(&ds, path, 2, ":2:1: ", "empty rule ID");
	check_diag(&ds, path, 3, ":3:1: ", "rule ID '4294967296' does not fit in 32 bits");
	check_diag(&ds, path, 4, ":4:3: ", "rule ID '12a' is not a decimal number");
	check_diag(&ds, path, 5, ":5:1: ", "missing ':'");
	check_diag(&ds, path, 6, ":6:4: ", "missing '/' before the pattern");
	check_diag(&ds, path, 7, ":7:8: ", "missing closing '/'");
	check_diag(&ds, path, 8, ":8:10: ", "unknown flag 'q'");
	CU_ASSERT_STRING_EQUAL(diag_keyword(&ds, 8), "q");
	check_diag(&ds, path, 9, ":9:10: ", "unknown extended parameter 'foo'");
	CU_ASSERT_STRING_EQUAL(diag_keyword(&ds, 9), "foo");
	check_diag(&ds, path, 10, ":10:5: ", "empty pattern");
	check_diag(&ds, path, 12, ":12: ", "duplicate rule ID 16");
	{
		char first[128];

		/* Names both places: this line, and where 16 was first defined. */
		snprintf(first, sizeof(first), "first defined at %s:11", path);
		check_diag(&ds, path, 12, ":12: ", first);
	}
	CU_ASSERT_PTR_NULL(diag_at(&ds, 11));
	CU_ASSERT_PTR_NULL(diag_at(&ds, 13));
	check_diag(&ds, path, 14, ":14:21: ", "min_offset needs an unsigned decimal value");
	check_diag(&ds, path, 15, ":15:10: ", "unexpected 'j' after the closing '/'");
	check_diag(&ds, path, 16, ":16:9: ", "unterminated extended parameter block");
	CU_ASSERT_PTR_NULL(diag_at(&ds, 17));

	weir_sig_rule_list_free(&list);
	weir_diags_free(&ds);
	unlink(path);
}

static void
test_unknown_flags_each_reported_with_column(void)
{
	struct weir_sig_rule_list list = {0};
	struct weir_diags ds;
	char buf[256];

	CU_ASSERT_FATAL(weir_diags_init(&ds, 8) == 0);
	CU_ASSERT(weir_rules_parse_sig_line("f.sigs", 7, "5:/a/iPsO", &list, &ds) == -EINVAL);
	CU_ASSERT(list.n == 0);
	CU_ASSERT_FATAL(ds.n == 2);
	weir_diag_format(&ds.v[0], buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "f.sigs:7:7: unknown flag 'P' (expected i m s H 8 W L)");
	CU_ASSERT_STRING_EQUAL(ds.v[0].keyword, "P");
	CU_ASSERT(ds.v[1].col == 9 && strcmp(ds.v[1].keyword, "O") == 0);
	weir_diags_free(&ds);
}

static void
test_duplicate_id_across_files(void)
{
	struct weir_ruleset_opts opts = {0};
	struct weir_diags ds;
	char a[64], b[64], buf[512], want[256];
	const char *paths[2] = {a, b};
	struct weir_ruleset *rs;

	CU_ASSERT_FATAL(weir_diags_init(&ds, 8) == 0);
	CU_ASSERT_FATAL(write_tmp("1:/one/\n2:/two/\n", a, sizeof(a)) == 0);
	CU_ASSERT_FATAL(write_tmp("# b\n3:/three/\n2:/again/\n", b, sizeof(b)) == 0);
	errno = 0;
	rs = weir_ruleset_load(paths, 2, &opts, &ds);
	CU_ASSERT_PTR_NULL(rs);
	CU_ASSERT(errno == EINVAL);
	CU_ASSERT_FATAL(ds.n == 1);
	weir_diag_format(&ds.v[0], buf, sizeof(buf));
	snprintf(want, sizeof(want), "%s:3: duplicate rule ID 2 (first defined at %s:2)", b, a);
	CU_ASSERT_STRING_EQUAL(buf, want);
	weir_ruleset_free(rs);
	weir_diags_free(&ds);
	unlink(a);
	unlink(b);
}

static void
test_missing_file_one_diag_line_zero(void)
{
	struct weir_sig_rule_list list = {0};
	const char *path = "/nonexistent/weir/rules.sigs";
	struct weir_diags ds;
	char buf[512], want[256];

	CU_ASSERT_FATAL(weir_diags_init(&ds, 8) == 0);
	CU_ASSERT(weir_rules_parse_sig_file(path, &list, &ds) == -ENOENT);
	CU_ASSERT_FATAL(ds.n == 1);
	CU_ASSERT(ds.v[0].line == 0);
	weir_diag_format(&ds.v[0], buf, sizeof(buf));
	snprintf(want, sizeof(want), "%s: cannot open: %s", path, strerror(ENOENT));
	CU_ASSERT_STRING_EQUAL(buf, want);

	/* Through the loader: refused with the file's own errno. */
	errno = 0;
	CU_ASSERT_PTR_NULL(weir_ruleset_load(&path, 1, NULL, &ds));
	CU_ASSERT(errno == ENOENT);
	CU_ASSERT(ds.n == 2);

	/* A directory opens but cannot be read: still one diagnostic. */
	CU_ASSERT(weir_rules_parse_sig_file("/tmp", &list, &ds) == -EISDIR);
	CU_ASSERT(ds.n == 3 && ds.v[2].line == 0);
	CU_ASSERT(list.n == 0);
	weir_diags_free(&ds);
}

static void
test_zero_rules_give_empty_ruleset(void)
{
	struct weir_sig_rule_list list = {0};
	struct weir_ruleset *rs;
	struct weir_diags ds;
	char path[64];
	const char *paths[1] = {path};

	CU_ASSERT_FATAL(weir_diags_init(&ds, 8) == 0);
	CU_ASSERT_FATAL(write_tmp("# nothing here\n\n", path, sizeof(path)) == 0);
	rs = weir_ruleset_load(paths, 1, NULL, &ds);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_PTR_NULL(weir_ruleset_sole_db(rs));
	CU_ASSERT_PTR_NULL(rs->scratch_proto);
	CU_ASSERT(rs->n_rules == 0 && rs->db_bytes == 0);
	weir_ruleset_free(rs);

	rs = weir_ruleset_load(NULL, 0, NULL, &ds);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT(rs->n_rules == 0 && weir_ruleset_sole_db(rs) == NULL);
	weir_ruleset_free(rs);

	rs = weir_ruleset_build(&list, NULL, &ds);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_PTR_NULL(weir_ruleset_sole_db(rs));
	weir_ruleset_free(rs);
	weir_ruleset_free(NULL);
	CU_ASSERT(ds.total == 0);
	weir_diags_free(&ds);
	unlink(path);
}

static void
test_build_reports_every_refused_rule(void)
{
	static const char *const lines[] = {
		"1:/good/",
		"2:/a(?=b)/", /* lookahead: unsupported */
		"3:/ok.*fine/s",
		"4:/[z-a]/", /* bad range */
		"5:/fine/i",
		"6:/x/HL", /* SINGLEMATCH with SOM_LEFTMOST, as written */
		/* Passes the per-expression check, refused by the set compile. */
		"7:/(i{13,}|i\\Z)/s{min_length=3,max_offset=5}",
		"8:/last/",
	};
	struct weir_ruleset_opts skip = {.skip_invalid = 1};
	struct weir_sig_rule_list list = {0};
	struct weir_ruleset *rs;
	struct weir_diags ds;
	unsigned int i, pass;

	CU_ASSERT_FATAL(weir_diags_init(&ds, 16) == 0);
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
			CU_ASSERT(weir_rules_parse_sig_line("r.sigs", i + 1, lines[i], &list,
							    &ds) == 0);
		CU_ASSERT(ds.total == 0);
		errno = 0;
		rs = weir_ruleset_build(&list, pass ? &skip : NULL, &ds);
		CU_ASSERT(list.n == 0 && list.v == NULL);
		/* Every refused rule is reported, not just the first. */
		CU_ASSERT_PTR_NOT_NULL(diag_at(&ds, 2));
		CU_ASSERT_PTR_NOT_NULL(diag_at(&ds, 4));
		CU_ASSERT_PTR_NOT_NULL(diag_at(&ds, 6));
		/* Without skip_invalid the info-pass refusals stop the build. */
		CU_ASSERT(ds.n == (pass ? 4u : 3u));
		if (pass)
			check_diag(&ds, "r.sigs", 7, ":7: ", "Extended parameter constraints");
		for (i = 0; i < ds.n; i++) {
			CU_ASSERT_STRING_EQUAL(ds.v[i].file, "r.sigs");
			CU_ASSERT(ds.v[i].msg[0] != '\0');
		}
		if (pass == 0) {
			CU_ASSERT_PTR_NULL(rs);
			CU_ASSERT(errno == EINVAL);
		} else {
			CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
			CU_ASSERT_FATAL(rs->n_rules == 4);
			CU_ASSERT(rs->rules[0].sid == 1 && rs->rules[1].sid == 3 &&
				  rs->rules[2].sid == 5 && rs->rules[3].sid == 8);
			CU_ASSERT_PTR_NOT_NULL(weir_ruleset_sole_db(rs));
			CU_ASSERT_PTR_NOT_NULL(rs->scratch_proto);
			CU_ASSERT(rs->db_bytes > 0);
			CU_ASSERT(rs->compile_ms > 0.0);
		}
		weir_ruleset_free(rs);
		ds.n = ds.total = 0;
	}
	weir_diags_free(&ds);
}

static void
test_build_refuses_set_compile_error_without_skip(void)
{
	struct weir_sig_rule_list list = {0};
	struct weir_diags ds;
	char buf[512];

	CU_ASSERT_FATAL(weir_diags_init(&ds, 8) == 0);
	CU_ASSERT(weir_rules_parse_sig_line("s.sigs", 3, "1:/ok/", &list, &ds) == 0);
	CU_ASSERT(weir_rules_parse_sig_line("s.sigs", 9,
					    "2:/(i{13,}|i\\Z)/s{min_length=3,max_offset=5}", &list,
					    &ds) == 0);
	errno = 0;
	CU_ASSERT_PTR_NULL(weir_ruleset_build(&list, NULL, &ds));
	CU_ASSERT(errno == EINVAL);
	CU_ASSERT(list.n == 0 && list.v == NULL);
	CU_ASSERT_FATAL(ds.n == 1);
	weir_diag_format(&ds.v[0], buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "s.sigs:9: Extended parameter constraints can not be "
				    "satisfied for any match from this expression.");
	weir_diags_free(&ds);
}

static void
test_load_refuses_any_parse_error(void)
{
	struct weir_diags ds;
	char path[64];
	const char *paths[1] = {path};

	CU_ASSERT_FATAL(weir_diags_init(&ds, 8) == 0);
	CU_ASSERT_FATAL(write_tmp("1:/good/\n2:/bad/z\n3:/good too/\n", path, sizeof(path)) == 0);
	errno = 0;
	CU_ASSERT_PTR_NULL(weir_ruleset_load(paths, 1, NULL, &ds));
	CU_ASSERT(errno == EINVAL);
	CU_ASSERT(ds.n == 1 && ds.v[0].line == 2 && ds.v[0].col == 8);
	weir_diags_free(&ds);
	unlink(path);
}

struct scan_counts {
	unsigned int hits[8];
};

static int
count_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
	    void *ctx)
{
	struct scan_counts *c = ctx;

	(void)from;
	(void)to;
	(void)flags;
	if (id < 8)
		c->hits[id]++;
	return 0;
}

static void
test_scan_reports_each_rule_once(void)
{
	static const char text[] = "100:/abc/\n"
				   "200:/a.c/L\n"
				   "300:/zzz/\n"
				   "400:/b/i\n";
	static const char buf[] = "abc xx abc yy aBc";
	struct scan_counts c = {{0}};
	struct weir_ruleset *rs;
	struct weir_diags ds;
	hs_scratch_t *scratch = NULL;
	char path[64];
	const char *paths[1] = {path};
	unsigned int i;

	CU_ASSERT_FATAL(weir_diags_init(&ds, 8) == 0);
	CU_ASSERT_FATAL(write_tmp(text, path, sizeof(path)) == 0);
	rs = weir_ruleset_load(paths, 1, NULL, &ds);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT_FATAL(rs->n_rules == 4);
	CU_ASSERT_FATAL(hs_clone_scratch(rs->scratch_proto, &scratch) == HS_SUCCESS);
	CU_ASSERT(hs_scan(weir_ruleset_sole_db(rs), buf, sizeof(buf) - 1, 0, scratch, count_match,
			  &c) == HS_SUCCESS);
	for (i = 0; i < rs->n_rules; i++) {
		switch (rs->rules[i].sid) {
		case 100:
			/* "abc" is there twice (case-sensitive), reported once. */
			CU_ASSERT(c.hits[i] == 1);
			break;
		case 200:
			/* abc, abc and aBc: SOM_LEFTMOST rules report each. */
			CU_ASSERT(c.hits[i] == 3);
			break;
		case 300:
			CU_ASSERT(c.hits[i] == 0);
			break;
		case 400:
			/* Three b/B in the buffer, one alert. */
			CU_ASSERT(c.hits[i] == 1);
			break;
		default:
			CU_FAIL("unexpected sid");
		}
	}
	hs_free_scratch(scratch);
	weir_ruleset_free(rs);
	weir_diags_free(&ds);
	unlink(path);
}

/*
 * Every rule line either became a rule or carries a diagnostic, and no
 * diagnostic points at a line that is not a rule line. Lines in @p exempt
 * (may be NULL) were taken out of the build on purpose (quick mode).
 */
static void
check_lines_accounted(const char *path, const struct text_lines *tl, const struct weir_ruleset *rs,
		      const struct weir_diags *ds, const unsigned char *exempt)
{
	unsigned char *loaded = calloc(tl->n + 2, 1);
	unsigned int i;

	CU_ASSERT_PTR_NOT_NULL_FATAL(loaded);
	for (i = 0; i < rs->n_rules; i++) {
		CU_ASSERT(rs->rules[i].line >= 1 && rs->rules[i].line <= tl->n);
		if (rs->rules[i].line <= tl->n)
			loaded[rs->rules[i].line] = 1;
	}
	for (i = 0; i < ds->n; i++) {
		const struct weir_diag *d = &ds->v[i];

		CU_ASSERT_STRING_EQUAL(d->file, path);
		CU_ASSERT(d->msg[0] != '\0');
		CU_ASSERT(d->line >= 1 && d->line <= tl->n);
		if (d->line < 1 || d->line > tl->n)
			continue;
		CU_ASSERT(is_rule_line(tl->v[d->line - 1]));
		CU_ASSERT(!loaded[d->line]);
	}
	for (i = 1; i <= tl->n; i++) {
		if (is_rule_line(tl->v[i - 1]) && !loaded[i] && diag_at(ds, i) == NULL &&
		    (exempt == NULL || !exempt[i])) {
			fprintf(stderr, "\n  %s:%u: neither loaded nor reported\n", path, i);
			CU_FAIL("rule line neither loaded nor reported");
		}
	}
	free(loaded);
}

/* Take rule @p k out of @p list (quick mode), marking its line exempt. */
static void
drop_rule(struct weir_sig_rule_list *list, unsigned int k, unsigned char *exempt)
{
	struct weir_sig_rule *r = &list->v[k];

	exempt[r->line] = 1;
	free(r->pattern);
	free(r->text);
	free(r->file);
	memmove(r, r + 1, (list->n - k - 1) * sizeof(*r));
	list->n--;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
test_collider_files_load_with_skip_invalid(void)
{
	struct weir_ruleset_opts opts = {.skip_invalid = 1};
	unsigned int n_files = 0, n_loaded_files = 0, i;
	unsigned int tot_lines = 0, tot_rules = 0, tot_parse = 0, tot_hs = 0;
	char dir[4200], *names[64];
	double t_all = now_ms();
	struct dirent *de;
	DIR *dp;

	if (!need_data())
		return;
	snprintf(dir, sizeof(dir), "%s/patterns/hyperscan/collider/pcre", g_data_dir);
	dp = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dp);
	while ((de = readdir(dp)) != NULL && n_files < 64) {
		size_t len = strlen(de->d_name);

		if (len > 4 && strcmp(de->d_name + len - 4, ".txt") == 0)
			names[n_files++] = strdup(de->d_name);
	}
	closedir(dp);
	qsort(names, n_files, sizeof(names[0]), cmp_str);
	CU_ASSERT(n_files >= 20);

	for (i = 0; i < n_files; i++) {
		struct weir_sig_rule_list list = {0};
		struct weir_ruleset *rs;
		unsigned char *exempt;
		struct text_lines tl;
		struct weir_diags ds;
		char path[4400];
		unsigned int n_parse;
		double t0 = now_ms();

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		CU_ASSERT_FATAL(weir_diags_init(&ds, DIAG_CAP) == 0);
		CU_ASSERT_FATAL(read_lines(path, &tl) == 0);
		/* Lines with collider-only flags (O, P, V...) are refused here. */
		CU_ASSERT(weir_rules_parse_sig_file(path, &list, &ds) != -ENOMEM);
		n_parse = ds.total;
		exempt = calloc(tl.n + 2, 1);
		CU_ASSERT_PTR_NOT_NULL_FATAL(exempt);
		while (g_cap != 0 && list.n > g_cap)
			drop_rule(&list, list.n - 1, exempt);
		rs = weir_ruleset_build(&list, &opts, &ds);
		CU_ASSERT_PTR_NOT_NULL(rs);
		CU_ASSERT(ds.total == ds.n);
		if (rs != NULL) {
			check_lines_accounted(path, &tl, rs, &ds, exempt);
			if (rs->n_rules > 0) {
				n_loaded_files++;
				CU_ASSERT_PTR_NOT_NULL(weir_ruleset_sole_db(rs));
			}
			fprintf(stderr,
				"\n  %-26s %4u lines %4u rules, %3u parse + %3u hs refused, "
				"%6.1f ms (hs %.1f ms, %zu B)",
				names[i], tl.n, rs->n_rules, n_parse, ds.total - n_parse,
				now_ms() - t0, rs->compile_ms, rs->db_bytes);
			tot_rules += rs->n_rules;
		}
		tot_lines += tl.n;
		tot_parse += n_parse;
		tot_hs += ds.total - n_parse;
		weir_ruleset_free(rs);
		free(exempt);
		free_lines(&tl);
		weir_diags_free(&ds);
		free(names[i]);
	}
	fprintf(stderr,
		"\n  collider: %u files, %u lines, %u rules loaded, %u parse refusals, "
		"%u Hyperscan refusals, %u files with rules, %.0f ms\n",
		n_files, tot_lines, tot_rules, tot_parse, tot_hs, n_loaded_files, now_ms() - t_all);
	/* Some files use only collider-only flags ("O"), so not all of them. */
	CU_ASSERT(n_loaded_files * 4 >= n_files * 3);
	CU_ASSERT(tot_rules > (g_quick ? 400u : 1000u));
}

/* Text after the first '#', as Hyperscan's bad_patterns.cpp reads it. */
static const char *
expected_message(const char *line)
{
	const char *h = strchr(line, '#');

	return h != NULL && h[1] != '\0' ? h + 1 : NULL;
}

static void
test_bad_patterns_all_refused_with_hs_text(void)
{
	struct weir_ruleset_opts opts = {.skip_invalid = 1};
	unsigned int n_rule_lines = 0, n_flag = 0, n_other_parse = 0, n_hs = 0;
	unsigned int n_cmp = 0, n_mismatch = 0, n_quick = 0, i;
	struct weir_sig_rule_list list = {0};
	unsigned char *exempt;
	struct weir_ruleset *rs;
	struct text_lines tl;
	struct weir_diags ds;
	char path[4200];
	double t0 = now_ms();

	if (!need_data())
		return;
	snprintf(path, sizeof(path), "%s/patterns/hyperscan/bad_patterns.txt", g_data_dir);
	CU_ASSERT_FATAL(read_lines(path, &tl) == 0);
	CU_ASSERT_FATAL(weir_diags_init(&ds, DIAG_CAP) == 0);
	CU_ASSERT(weir_rules_parse_sig_file(path, &list, &ds) == -EINVAL);
	exempt = calloc(tl.n + 2, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(exempt);
	for (i = 0; g_quick && i < list.n;) {
		unsigned int flags = list.v[i].hs_flags;
		hs_compile_error_t *cerr = NULL;
		hs_expr_info_t *info = NULL;
		hs_error_t err;

		/* The compiler's own flags: see weir_ruleset_build(). */
		if (!(flags & HS_FLAG_SOM_LEFTMOST))
			flags |= HS_FLAG_SINGLEMATCH;
		err = hs_expression_ext_info(list.v[i].pattern, flags,
					     list.v[i].has_ext ? &list.v[i].ext : NULL, &info,
					     &cerr);
		free(info);
		hs_free_compile_error(cerr);
		if (err == HS_SUCCESS) {
			drop_rule(&list, i, exempt);
			n_quick++;
		} else {
			i++;
		}
	}
	rs = weir_ruleset_build(&list, &opts, &ds);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
	CU_ASSERT(rs->n_rules == 0);
	CU_ASSERT_PTR_NULL(weir_ruleset_sole_db(rs));
	CU_ASSERT(ds.total == ds.n);
	check_lines_accounted(path, &tl, rs, &ds, exempt);

	for (i = 1; i <= tl.n; i++) {
		const struct weir_diag *d;
		const char *want;

		if (!is_rule_line(tl.v[i - 1]))
			continue;
		n_rule_lines++;
		if (exempt[i]) {
			n_hs++;
			continue;
		}
		d = diag_at(&ds, i);
		if (d == NULL)
			continue; /* already failed in check_lines_accounted() */
		if (strncmp(d->msg, "unknown flag", 12) == 0) {
			n_flag++;
			continue;
		}
		if (d->col != 0 || strncmp(d->msg, "duplicate rule ID", 17) == 0) {
			n_other_parse++;
			continue;
		}
		n_hs++;
		want = expected_message(tl.v[i - 1]);
		if (want == NULL)
			continue;
		n_cmp++;
		if (strstr(d->msg, want) == NULL) {
			if (n_mismatch < 10)
				fprintf(stderr, "\n  line %u: hs says \"%s\", file expects \"%s\"",
					i, d->msg, want);
			n_mismatch++;
		}
	}
	fprintf(stderr,
		"\n  bad_patterns: %u rule lines, %u refused for an unsupported flag, %u other "
		"parse refusals, %u by Hyperscan (%u compared, %u differ; %u left out in "
		"quick mode), %.0f ms\n",
		n_rule_lines, n_flag, n_other_parse, n_hs, n_cmp, n_mismatch, n_quick,
		now_ms() - t0);
	CU_ASSERT(n_rule_lines == 160);
	CU_ASSERT(n_flag + n_other_parse + n_hs == n_rule_lines);
	CU_ASSERT(n_hs >= 100);
	CU_ASSERT(n_mismatch == 0);

	weir_ruleset_free(rs);
	free(exempt);
	free_lines(&tl);
	weir_diags_free(&ds);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("parse_sig", suite_init, NULL);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_good_lines_fill_rules);
	CU_ADD_TEST(s, test_bad_lines_report_file_line_col);
	CU_ADD_TEST(s, test_unknown_flags_each_reported_with_column);
	CU_ADD_TEST(s, test_duplicate_id_across_files);
	CU_ADD_TEST(s, test_missing_file_one_diag_line_zero);
	CU_ADD_TEST(s, test_zero_rules_give_empty_ruleset);
	CU_ADD_TEST(s, test_build_reports_every_refused_rule);
	CU_ADD_TEST(s, test_build_refuses_set_compile_error_without_skip);
	CU_ADD_TEST(s, test_load_refuses_any_parse_error);
	CU_ADD_TEST(s, test_scan_reports_each_rule_once);
	CU_ADD_TEST(s, test_collider_files_load_with_skip_invalid);
	CU_ADD_TEST(s, test_bad_patterns_all_refused_with_hs_text);
	return weir_ut_run();
}
