/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rule compiler: the second step of rule loading on the control side. It
 * turns a parsed weir_rule_list into one immutable block-mode Hyperscan
 * database plus a scratch prototype that each worker clones; expression id
 * i is rs->rules[i], which is how a match becomes an alert. Hyperscan's
 * refusals are reported against the rule's own file:line with Hyperscan's
 * text, and weir_ruleset_load() ties parser and compiler together.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rules.h"

static void
compile_rule_clear(struct weir_rule *r)
{
	free(r->pattern);
	free(r->text);
	free(r->file);
	memset(r, 0, sizeof(*r));
}

static void
compile_rules_free(struct weir_rule *rules, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		compile_rule_clear(&rules[i]);
	free(rules);
}

static const char *
compile_hs_strerror(hs_error_t err)
{
	switch (err) {
	case HS_INVALID:
		return "invalid parameter";
	case HS_NOMEM:
		return "out of memory";
	case HS_COMPILER_ERROR:
		return "compiler error";
	case HS_DB_PLATFORM_ERROR:
		return "database built for another platform";
	case HS_ARCH_ERROR:
		return "CPU lacks SSSE3, which Hyperscan requires";
	case HS_BAD_ALIGN:
		return "misaligned parameter";
	case HS_BAD_ALLOC:
		return "allocator returned misaligned memory";
	case HS_SCRATCH_IN_USE:
		return "scratch in use";
	default:
		return "unknown error";
	}
}

static int
compile_hs_errno(hs_error_t err)
{
	return err == HS_NOMEM ? ENOMEM : EINVAL;
}

/* Remove rules[k] (and its compile flags), keeping the order of the rest. */
static void
compile_drop(struct weir_rule *rules, unsigned int *flags, unsigned int *n, unsigned int k)
{
	compile_rule_clear(&rules[k]);
	memmove(&rules[k], &rules[k + 1], (*n - k - 1) * sizeof(*rules));
	memmove(&flags[k], &flags[k + 1], (*n - k - 1) * sizeof(*flags));
	(*n)--;
}

/*
 * Check each expression alone, so that every refused one is reported with
 * its own line: a multi compile stops at the first error, which would make
 * the author fix a file one line per run. Refused rules are dropped from
 * @p rules. @return the number refused, or -ENOMEM.
 */
static int
compile_validate(struct weir_rule *rules, unsigned int *flags, unsigned int *n,
		 struct weir_diags *diags)
{
	unsigned int i = 0;
	int refused = 0;

	while (i < *n) {
		hs_compile_error_t *cerr = NULL;
		hs_expr_info_t *info = NULL;
		hs_error_t err;

		err = hs_expression_ext_info(rules[i].pattern, flags[i],
					     rules[i].has_ext ? &rules[i].ext : NULL, &info, &cerr);
		/* info comes from Hyperscan's misc allocator: malloc() here. */
		free(info);
		if (err == HS_SUCCESS) {
			i++;
			continue;
		}
		if (err != HS_COMPILER_ERROR) {
			weir_diag_add(diags, rules[i].file, rules[i].line, 0, NULL,
				      "hs_expression_ext_info failed: %s",
				      cerr ? cerr->message : compile_hs_strerror(err));
			hs_free_compile_error(cerr);
			return -compile_hs_errno(err);
		}
		weir_diag_add(diags, rules[i].file, rules[i].line, 0, NULL, "%s",
			      cerr ? cerr->message : compile_hs_strerror(err));
		hs_free_compile_error(cerr);
		compile_drop(rules, flags, n, i);
		refused++;
	}
	return refused;
}

/*
 * Compile rules[0..*n) into @p db. What only the whole set reveals (e.g.
 * "Pattern is too large.") names one expression per attempt: with
 * @p skip_invalid that rule is reported, dropped and the rest retried.
 * @return 0 (db NULL when no rule is left) or -errno.
 */
static int
compile_multi(struct weir_rule *rules, unsigned int *flags, unsigned int *n, int skip_invalid,
	      hs_database_t **db, struct weir_diags *diags)
{
	const hs_expr_ext_t **exts = NULL;
	const char **exprs = NULL;
	unsigned int *ids = NULL;
	unsigned int i;
	int rc = 0;

	*db = NULL;
	if (*n == 0)
		return 0;
	exprs = calloc(*n, sizeof(*exprs));
	ids = calloc(*n, sizeof(*ids));
	exts = calloc(*n, sizeof(*exts));
	if (exprs == NULL || ids == NULL || exts == NULL) {
		rc = -ENOMEM;
		goto out_free_arrays;
	}
	while (*n > 0) {
		hs_compile_error_t *cerr = NULL;
		hs_error_t err;
		int k;

		for (i = 0; i < *n; i++) {
			exprs[i] = rules[i].pattern;
			ids[i] = i;
			exts[i] = rules[i].has_ext ? &rules[i].ext : NULL;
		}
		err = hs_compile_ext_multi(exprs, flags, ids, exts, *n, HS_MODE_BLOCK, NULL, db,
					   &cerr);
		if (err == HS_SUCCESS)
			break;
		k = cerr ? cerr->expression : -1;
		if (err != HS_COMPILER_ERROR || k < 0 || (unsigned int)k >= *n) {
			/* Not one rule's fault (resource limits, memory): the set's. */
			weir_diag_add(diags, rules[0].file, 0, 0, NULL,
				      "hs_compile_ext_multi of %u rules failed: %s", *n,
				      cerr ? cerr->message : compile_hs_strerror(err));
			rc = -compile_hs_errno(err);
			hs_free_compile_error(cerr);
			goto out_free_arrays;
		}
		weir_diag_add(diags, rules[k].file, rules[k].line, 0, NULL, "%s", cerr->message);
		hs_free_compile_error(cerr);
		if (!skip_invalid) {
			rc = -EINVAL;
			goto out_free_arrays;
		}
		compile_drop(rules, flags, n, (unsigned int)k);
	}

out_free_arrays:
	free(exts);
	free(ids);
	free(exprs);
	return rc;
}

struct weir_ruleset *
weir_ruleset_build(struct weir_rule_list *list, const struct weir_ruleset_opts *opts,
		   struct weir_diags *diags)
{
	int skip_invalid = opts != NULL && opts->skip_invalid;
	struct weir_ruleset *rs = NULL;
	struct weir_rule *rules;
	unsigned int *flags = NULL;
	struct timespec t0, t1;
	unsigned int n, i;
	hs_error_t err;
	int rc, refused;

	/* Take the rules over; the list keeps nothing, whatever happens. */
	rules = list->v;
	n = list->n;
	list->v = NULL;
	list->n = 0;
	weir_rule_list_free(list);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rs = calloc(1, sizeof(*rs));
	if (n > 0)
		flags = calloc(n, sizeof(*flags));
	if (rs == NULL || (n > 0 && flags == NULL)) {
		rc = -ENOMEM;
		goto err_free_rules;
	}

	/*
	 * One alert per (packet, rule): SINGLEMATCH lets Hyperscan stop
	 * tracking a rule once it fired, so a rule matching all over a packet
	 * costs one callback (13x the scan rate on collider utf8.txt against
	 * pcap payloads). It is not free at compile time: on UTF-8/UCP-heavy
	 * sets the database grows and the compile slows by an order of
	 * magnitude (collider ucp.txt: 41-53 s and 56 MB, against 2.9 s
	 * without). Hyperscan refuses it together with SOM_LEFTMOST, so those
	 * rules keep reporting every match and rely on the worker's dedup.
	 */
	for (i = 0; i < n; i++) {
		flags[i] = rules[i].hs_flags;
		if (!(flags[i] & HS_FLAG_SOM_LEFTMOST))
			flags[i] |= HS_FLAG_SINGLEMATCH;
	}

	refused = compile_validate(rules, flags, &n, diags);
	if (refused < 0) {
		rc = refused;
		goto err_free_rules;
	}
	if (refused > 0 && !skip_invalid) {
		rc = -EINVAL;
		goto err_free_rules;
	}

	rc = compile_multi(rules, flags, &n, skip_invalid, &rs->db, diags);
	if (rc < 0)
		goto err_free_rules;

	if (rs->db != NULL) {
		err = hs_alloc_scratch(rs->db, &rs->scratch_proto);
		if (err != HS_SUCCESS) {
			weir_diag_add(diags, rules[0].file, 0, 0, NULL,
				      "hs_alloc_scratch failed: %s", compile_hs_strerror(err));
			rc = -compile_hs_errno(err);
			goto err_free_db;
		}
		err = hs_database_size(rs->db, &rs->db_bytes);
		if (err != HS_SUCCESS) {
			weir_diag_add(diags, rules[0].file, 0, 0, NULL,
				      "hs_database_size failed: %s", compile_hs_strerror(err));
			rc = -compile_hs_errno(err);
			goto err_free_scratch;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);

	if (n == 0) {
		free(rules);
		rules = NULL;
	}
	rs->rules = rules;
	rs->n_rules = n;
	rs->compile_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			 (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	free(flags);
	return rs;

err_free_scratch:
	hs_free_scratch(rs->scratch_proto);
err_free_db:
	hs_free_database(rs->db);
err_free_rules:
	compile_rules_free(rules, n);
	free(flags);
	free(rs);
	errno = -rc;
	return NULL;
}

struct weir_ruleset *
weir_ruleset_load(const char *const *paths, unsigned int n_paths,
		  const struct weir_ruleset_opts *opts, struct weir_diags *diags)
{
	struct weir_rule_list list = { 0 };
	unsigned int i;
	int rc = 0, ret;

	/* Parse every file before giving up, so one run reports every line. */
	for (i = 0; i < n_paths; i++) {
		ret = weir_rules_parse_sig_file(paths[i], &list, diags);
		if (ret == -ENOMEM) {
			rc = ret;
			break;
		}
		if (ret < 0 && rc == 0)
			rc = ret;
	}
	if (rc == -EINVAL && list.n > 0) {
		/* The file is refused anyway, but one run should list every
		 * problem: ask Hyperscan about the lines that did parse. */
		unsigned int *flags = calloc(list.n, sizeof(*flags));

		if (flags != NULL) {
			for (i = 0; i < list.n; i++)
				flags[i] = list.v[i].hs_flags;
			compile_validate(list.v, flags, &list.n, diags);
			free(flags);
		}
	}
	if (rc < 0) {
		weir_rule_list_free(&list);
		errno = -rc;
		return NULL;
	}
	return weir_ruleset_build(&list, opts, diags);
}

void
weir_ruleset_free(struct weir_ruleset *rs)
{
	if (rs == NULL)
		return;
	hs_free_scratch(rs->scratch_proto);
	hs_free_database(rs->db);
	compile_rules_free(rs->rules, rs->n_rules);
	free(rs);
}
