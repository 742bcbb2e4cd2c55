/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A rule set's lifecycle on the control side: load (read every file with
 * the parser of its format, then hand the lists to the compiler), the
 * per-rule counters and switches the control thread reads and flips while
 * workers run, and free. Publishing a set to the workers (RCU, generations)
 * is the caller's: app/reload.c. Nothing here runs per packet.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "rules_int.h"

static int
ruleset_is_suri(const char *path)
{
	size_t n = strlen(path);

	return n >= 6 && strcmp(path + n - 6, ".rules") == 0;
}

/* "threshold-file:PATH": Suricata's threshold.config format. */
static bool
ruleset_is_threshconf(const char *path)
{
	return strncmp(path, WEIR_RULES_THRESHOLD_PREFIX, strlen(WEIR_RULES_THRESHOLD_PREFIX)) == 0;
}

struct weir_ruleset *
weir_ruleset_load(const char *const *paths, unsigned int n_paths,
		  const struct weir_ruleset_opts *opts, struct weir_diags *diags)
{
	struct weir_sig_rule_list sig = {0};
	struct weir_suri_rule_list suri = {0};
	struct weir_rule_vars defvars = {0};
	const struct weir_rule_vars *vars = opts ? opts->vars : NULL;
	int skip = opts != NULL && opts->skip_invalid;
	unsigned int i, diags_before, thr_diags = 0, d0;
	int rc = 0, ret;

	if (vars == NULL) {
		if (weir_rule_vars_defaults(&defvars) < 0) {
			errno = ENOMEM;
			return NULL;
		}
		vars = &defvars;
	}
	diags_before = diags != NULL ? diags->total : 0;
	/* Parse every file before giving up, so one run reports every rule. */
	for (i = 0; i < n_paths; i++) {
		if (ruleset_is_threshconf(paths[i]))
			continue; /* after every rule file */
		if (ruleset_is_suri(paths[i])) {
			ret = weir_rules_parse_suri_file(paths[i], vars, &suri, diags);
			if (ret > 0)
				ret = skip ? 0 : -EINVAL;
		} else {
			ret = weir_rules_parse_sig_file(paths[i], &sig, diags);
			if (ret == -EINVAL && skip)
				ret = 0;
		}
		if (ret == -ENOMEM) {
			rc = ret;
			break;
		}
		if (ret < 0 && (rc == 0 || (rc == -EINVAL && ret != -EINVAL)))
			rc = rc == 0 ? ret : rc;
	}
	/* threshold.config files apply to the .rules rules of every file */
	for (i = 0; i < n_paths && rc != -ENOMEM; i++) {
		if (!ruleset_is_threshconf(paths[i]))
			continue;
		d0 = diags != NULL ? diags->total : 0;
		ret = weir_threshconf_apply(paths[i] + strlen(WEIR_RULES_THRESHOLD_PREFIX), vars,
					    &suri, diags);
		/* bad threshold lines are not skipped rules */
		thr_diags += diags != NULL ? diags->total - d0 : 0;
		if (ret > 0)
			ret = skip ? 0 : -EINVAL;
		if (ret == -ENOMEM)
			rc = ret;
		else if (ret < 0 && (rc == 0 || (rc == -EINVAL && ret != -EINVAL)))
			rc = rc == 0 ? ret : rc;
	}
	weir_rule_vars_free(&defvars);
	if (rc == -EINVAL && (sig.n > 0 || suri.n > 0)) {
		/* Refused anyway, but one run should list every problem: let
		 * the compiler look at what did parse. */
		struct weir_ruleset_opts o = {.skip_invalid = 1};
		struct weir_ruleset *probe = weir_compile_lists(&sig, &suri, &o, diags, 0);

		weir_ruleset_free(probe);
	}
	if (rc < 0) {
		weir_sig_rule_list_free(&sig);
		weir_suri_rule_list_free(&suri);
		errno = -rc;
		return NULL;
	}
	/* each refused rule or line left exactly one diagnostic */
	return weir_compile_lists(&sig, &suri, opts, diags,
				  diags != NULL ? diags->total - diags_before - thr_diags : 0);
}

void
weir_ruleset_free(struct weir_ruleset *rs)
{
	unsigned int i;

	if (rs == NULL)
		return;
	for (i = 0; rs->w != NULL && i < rs->n_workers; i++) {
		struct weir_rs_worker *w = &rs->w[i];

		free(w->seen);
		free(w->matched);
		free(w->match_end);
		free(w->hits);
		free(w->fv_at);
		hs_free_scratch(w->scratch);
		weir_thresh_free(w->thr);
		weir_match_ctx_free(w->mctx);
	}
	free(rs->w);
	for (i = 0; i < rs->n_rules; i++) {
		weir_sprog_free(rs->rules[i].prog);
		weir_rt_hbuf_free(&rs->rules[i]);
		free((char *)rs->rules[i].signature);
	}
	free(rs->rules);
	free(rs->win_rules);
	for (i = 0; i < rs->n_groups; i++) {
		unsigned int k;

		free(rs->groups[i].always);
		for (k = 0; k < 2; k++) {
			free(rs->groups[i].idx[k].start_hi);
			free(rs->groups[i].idx[k].start_lo);
			free(rs->groups[i].idx[k].off);
			free(rs->groups[i].idx[k].rules);
		}
	}
	hs_free_database(rs->pkt.db);
	hs_free_database(rs->pkt_tc.db);
	for (i = 0; rs->apkt != NULL && i < 8; i++)
		hs_free_database(rs->apkt[i].db);
	free(rs->apkt);
	free(rs->apart4);
	free(rs->groups);
	hs_free_database(rs->stream_db);
	free(rs->stream_pan);
	free(rs->port_glist[0]);
	free(rs->port_glist[1]);
	free(rs->glists);
	free((void *)rs->disabled);
	hs_free_scratch(rs->scratch_proto);
	weir_sig_rule_list_free(rs->own_sig);
	free(rs->own_sig);
	weir_suri_rule_list_free(rs->own_suri);
	free(rs->own_suri);
	for (i = 0; i < rs->n_warnings; i++)
		free(rs->warnings[i]);
	free(rs->warnings);
	free(rs);
}

uint64_t
weir_ruleset_hits(const struct weir_ruleset *rs, unsigned int idx)
{
	uint64_t sum = 0;
	unsigned int k;

	if (idx >= rs->n_rules)
		return 0;
	for (k = 0; k < rs->n_workers; k++)
		sum += __atomic_load_n(&rs->w[k].hits[idx], __ATOMIC_RELAXED);
	return sum;
}

void
weir_ruleset_unhit(const struct weir_ruleset *rs, unsigned int worker, unsigned int idx)
{
	uint64_t *h;

	if (idx >= rs->n_rules || worker >= rs->n_workers)
		return;
	h = &rs->w[worker].hits[idx];
	/* the worker's own counter: one writer, readers load relaxed */
	if (*h > 0)
		__atomic_store_n(h, *h - 1, __ATOMIC_RELAXED);
}

unsigned int
weir_ruleset_set_disabled(struct weir_ruleset *rs, uint32_t sid, bool off)
{
	unsigned int i, n = 0;

	for (i = 0; i < rs->n_rules; i++) {
		if (rs->rules[i].sid != sid)
			continue;
		atomic_store_explicit(&rs->disabled[i], off ? 1 : 0, memory_order_relaxed);
		n++;
	}
	return n;
}
