/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the signature-file parser (rules/rules_parse_sig.c), the
 * front of rule loading: rule files come from operators and from feeds
 * nobody on the team wrote. One input is one rule file.
 *
 * The input is parsed twice. First line by line through
 * weir_rules_parse_sig_line(), split the way the file reader splits, so
 * each line's effect can be checked on its own: a rejected line adds at
 * least one diagnostic, all about that line, and leaves the rule list as
 * it was (count at once, content at the end against a shadow copy made as
 * rules were accepted); an accepted line adds at most one rule, with a
 * non-empty pattern and a text that is the "/pattern/flags{ext}" of the
 * line, and no diagnostic. Then the same bytes go through
 * weir_rules_parse_sig_file() from a memfd, which must agree rule for rule
 * and report every problem on a line that exists.
 *
 * Some small inputs are also compiled with weir_ruleset_build(), to
 * exercise rules_compile.c (per-rule checks, diagnostics, skip_invalid).
 * Hyperscan's compiler takes about a millisecond where parsing takes
 * microseconds, so compiling every input would cut the executions per
 * second a hundredfold: only inputs of at most FUZZ_SIG_COMPILE_MAX bytes
 * and FUZZ_SIG_COMPILE_RULES rules whose hash falls in one bucket of
 * FUZZ_SIG_COMPILE_ONE_IN are compiled. The choice depends on the bytes
 * alone, so a saved input replays the same way.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "rules.h"

/* Inputs up to this size with at most FUZZ_SIG_COMPILE_RULES rules are
 * compiled as well as parsed. */
#define FUZZ_SIG_COMPILE_MAX	48 /* bytes */
#define FUZZ_SIG_COMPILE_RULES	2
#define FUZZ_SIG_COMPILE_ONE_IN 16
#define FUZZ_SIG_DIAGS		64

#define FUZZ_SIG_FLAGS                                                                             \
	(HS_FLAG_CASELESS | HS_FLAG_MULTILINE | HS_FLAG_DOTALL | HS_FLAG_SINGLEMATCH |             \
	 HS_FLAG_UTF8 | HS_FLAG_UCP | HS_FLAG_SOM_LEFTMOST)

static int g_fd = -1;
static char g_path[64];

/* Write the input where weir_rules_parse_sig_file() can open it by path.
 * One memfd per process, rewritten for each input: no file system litter,
 * even when libFuzzer dies on a finding. */
static void
fuzz_write_file(const uint8_t *data, size_t size)
{
	size_t off = 0;
	ssize_t n;

	if (g_fd < 0) {
		g_fd = memfd_create("fuzz_sig_parse", MFD_CLOEXEC);
		FUZZ_CHECK(g_fd >= 0, "memfd_create: %s", strerror(errno));
		snprintf(g_path, sizeof(g_path), "/proc/self/fd/%d", g_fd);
	}
	FUZZ_CHECK(ftruncate(g_fd, 0) == 0, "ftruncate: %s", strerror(errno));
	while (off < size) {
		n = pwrite(g_fd, data + off, size - off, (off_t)off);
		FUZZ_CHECK(n > 0, "pwrite: %s", strerror(errno));
		off += (size_t)n;
	}
}

static bool
fuzz_rule_eq(const struct weir_sig_rule *a, const struct weir_sig_rule *b)
{
	return a->sid == b->sid && a->rev == b->rev && a->hs_flags == b->hs_flags &&
	       a->line == b->line && a->has_ext == b->has_ext &&
	       memcmp(&a->ext, &b->ext, sizeof(a->ext)) == 0 &&
	       strcmp(a->pattern, b->pattern) == 0 && strcmp(a->text, b->text) == 0 &&
	       strcmp(a->file, b->file) == 0;
}

/* A deep copy of @p r, so that later changes to the list's own are seen. */
static void
fuzz_rule_copy(struct weir_sig_rule *dst, const struct weir_sig_rule *r)
{
	*dst = *r;
	dst->pattern = strdup(r->pattern);
	dst->text = strdup(r->text);
	dst->file = strdup(r->file);
	FUZZ_CHECK(dst->pattern != NULL && dst->text != NULL && dst->file != NULL, "out of memory");
}

/* What a freshly accepted rule from line @p lineno must look like. */
static void
fuzz_check_rule(const struct weir_sig_rule *r, const char *line, unsigned int lineno)
{
	size_t plen = strlen(r->pattern);

	FUZZ_CHECK(plen > 0, "line %u: accepted with an empty pattern", lineno);
	FUZZ_CHECK(strlen(r->text) >= plen + 2 && r->text[0] == '/' &&
			   memcmp(r->text + 1, r->pattern, plen) == 0 && r->text[plen + 1] == '/',
		   "line %u: text '%s' is not /pattern/...", lineno, r->text);
	FUZZ_CHECK(strstr(line, r->text) != NULL, "line %u: text '%s' not in the line", lineno,
		   r->text);
	FUZZ_CHECK(r->line == lineno && strcmp(r->file, g_path) == 0,
		   "line %u: rule placed at %s:%u", lineno, r->file, r->line);
	FUZZ_CHECK((r->hs_flags & ~(unsigned int)FUZZ_SIG_FLAGS) == 0, "line %u: flags %#x", lineno,
		   r->hs_flags);
	FUZZ_CHECK(r->has_ext == (r->ext.flags != 0), "line %u: has_ext %d with flags %#llx",
		   lineno, r->has_ext, (unsigned long long)r->ext.flags);
	FUZZ_CHECK(r->rev == 1, "line %u: rev %u", lineno, r->rev);
}

/* FNV-1a: a cheap, stable function of the input's bytes. */
static uint32_t
fuzz_hash(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return h;
}

static int
fuzz_cmp_sid(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * Build what was accepted. The list is taken over (emptied) whatever the
 * outcome; without skip_invalid every rule ends up in the set or the build
 * fails with a diagnostic.
 */
static void
fuzz_compile(struct weir_sig_rule_list *list, bool skip_invalid)
{
	struct weir_ruleset_opts opts = {.skip_invalid = skip_invalid};
	unsigned int n = list->n, i;
	struct weir_ruleset *rs;
	struct weir_diags ds;

	FUZZ_CHECK(weir_diags_init(&ds, FUZZ_SIG_DIAGS) == 0, "out of memory");
	errno = 0;
	rs = weir_ruleset_build(list, &opts, &ds);
	FUZZ_CHECK(list->n == 0, "build left %u rules in the list", list->n);
	if (rs == NULL) {
		FUZZ_CHECK(errno == EINVAL || errno == ENOMEM, "build failed with errno %d", errno);
		FUZZ_CHECK(errno == ENOMEM || ds.total > 0, "build refused without a reason");
	} else {
		FUZZ_CHECK(skip_invalid ? rs->n_rules <= n : rs->n_rules == n,
			   "%u rules in, %u compiled", n, rs->n_rules);
		unsigned int live = 0;

		/* a rule only the whole-set compile refused keeps its index
		 * but belongs to no group (protos 0) */
		for (i = 0; i < rs->n_rules; i++)
			live += rs->rules[i].protos != 0;
		FUZZ_CHECK((weir_ruleset_sole_db(rs) != NULL) == (live > 0) &&
				   (rs->scratch_proto != NULL) == (live > 0),
			   "database and rule count disagree");
		for (i = 0; i < rs->n_rules; i++)
			FUZZ_CHECK(rs->rules[i].signature != NULL &&
					   rs->rules[i].signature[0] != '\0',
				   "compiled rule %u has no signature text", i);
		weir_ruleset_free(rs);
	}
	weir_diags_free(&ds);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weir_sig_rule_list list = {0}, flist = {0};
	struct weir_sig_rule *shadow = NULL;
	struct weir_diags ds, fds;
	unsigned int lineno = 0, n_diags = 0, n_rules, i;
	const uint8_t *p = data, *end = data + size;
	bool rejected = false;
	uint32_t *sids;
	char *line;
	int rc;

	fuzz_write_file(data, size);
	FUZZ_CHECK(weir_diags_init(&ds, FUZZ_SIG_DIAGS) == 0, "out of memory");
	line = malloc(size + 1);
	shadow = malloc((size / 2 + 1) * sizeof(*shadow)); /* a rule needs 2+ bytes */
	FUZZ_CHECK(line != NULL && shadow != NULL, "out of memory");

	/* Lines as the file reader sees them: split at '\n', trailing '\r's
	 * dropped, a last line without '\n' still a line. */
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		unsigned int n_before = list.n;

		memcpy(line, p, len);
		p = nl != NULL ? nl + 1 : end;
		lineno++;
		while (len > 0 && line[len - 1] == '\r')
			len--;
		line[len] = '\0';
		if (memchr(line, '\0', len) != NULL) {
			/* The file reader refuses it before parsing. */
			rejected = true;
			n_diags++;
			continue;
		}

		ds.n = 0;
		ds.total = 0;
		rc = weir_rules_parse_sig_line(g_path, lineno, line, &list, &ds);
		n_diags += ds.total;
		if (rc < 0) {
			FUZZ_CHECK(rc == -EINVAL, "line %u: rc %d", lineno, rc);
			FUZZ_CHECK(list.n == n_before,
				   "line %u: rejected, but the list went %u -> %u", lineno,
				   n_before, list.n);
			FUZZ_CHECK(ds.total > 0, "line %u: rejected without a diagnostic", lineno);
			for (i = 0; i < ds.n; i++)
				FUZZ_CHECK(ds.v[i].line == lineno &&
						   strcmp(ds.v[i].file, g_path) == 0 &&
						   ds.v[i].col <= len + 1,
					   "line %u: diagnostic at %s:%u:%u", lineno, ds.v[i].file,
					   ds.v[i].line, ds.v[i].col);
			rejected = true;
			continue;
		}
		FUZZ_CHECK(rc == 0, "line %u: rc %d", lineno, rc);
		FUZZ_CHECK(ds.total == 0, "line %u: accepted with %u diagnostics", lineno,
			   ds.total);
		if (list.n == n_before) {
			const char *s = line + strspn(line, " \t\r\v\f");

			FUZZ_CHECK(*s == '\0' || *s == '#', "line %u: accepted but no rule added",
				   lineno);
			continue;
		}
		FUZZ_CHECK(list.n == n_before + 1, "line %u: %u rules added", lineno,
			   list.n - n_before);
		fuzz_check_rule(&list.v[n_before], line, lineno);
		fuzz_rule_copy(&shadow[n_before], &list.v[n_before]);
	}

	/* Nothing changed behind the count's back, and IDs are unique. */
	n_rules = list.n;
	sids = malloc((list.n + 1) * sizeof(*sids));
	FUZZ_CHECK(sids != NULL, "out of memory");
	for (i = 0; i < list.n; i++) {
		FUZZ_CHECK(fuzz_rule_eq(&list.v[i], &shadow[i]),
			   "rule %u changed after it was added", i);
		sids[i] = list.v[i].sid;
	}
	qsort(sids, list.n, sizeof(*sids), fuzz_cmp_sid);
	for (i = 1; i < list.n; i++)
		FUZZ_CHECK(sids[i] != sids[i - 1], "rule ID %u accepted twice", sids[i]);
	free(sids);

	/* The file reader agrees with the line-by-line run. */
	FUZZ_CHECK(weir_diags_init(&fds, FUZZ_SIG_DIAGS) == 0, "out of memory");
	rc = weir_rules_parse_sig_file(g_path, &flist, &fds);
	FUZZ_CHECK(rc == (rejected ? -EINVAL : 0), "file parse rc %d, lines said %s", rc,
		   rejected ? "rejected" : "fine");
	FUZZ_CHECK(flist.n == list.n, "file parse gave %u rules, lines %u", flist.n, list.n);
	for (i = 0; i < list.n; i++)
		FUZZ_CHECK(fuzz_rule_eq(&flist.v[i], &list.v[i]), "rule %u differs in file parse",
			   i);
	FUZZ_CHECK(fds.total == n_diags, "file parse gave %u diagnostics, lines %u", fds.total,
		   n_diags);
	for (i = 0; i < fds.n; i++)
		FUZZ_CHECK(fds.v[i].line >= 1 && fds.v[i].line <= lineno,
			   "diagnostic on line %u of %u", fds.v[i].line, lineno);

	if (size <= FUZZ_SIG_COMPILE_MAX && list.n > 0 && list.n <= FUZZ_SIG_COMPILE_RULES) {
		uint32_t h = fuzz_hash(data, size);

		if (h % FUZZ_SIG_COMPILE_ONE_IN == 0)
			fuzz_compile(&list, (h >> 16) & 1);
	}

	for (i = 0; i < n_rules; i++) {
		free(shadow[i].pattern);
		free(shadow[i].text);
		free(shadow[i].file);
	}
	free(shadow);
	free(line);
	weir_sig_rule_list_free(&list);
	weir_sig_rule_list_free(&flist);
	weir_diags_free(&ds);
	weir_diags_free(&fds);
	return 0;
}
