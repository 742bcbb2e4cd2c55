/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rules: the only header other folders include from rules/. A rule set is
 * built from rule files on the control side (parse, then compile to a
 * Hyperscan database), is immutable once built, and is read by workers,
 * each with its own scratch. The signature format (Hyperscan's
 * "ID:/regex/flags") is supported now; the Suricata subset comes later.
 */
#ifndef WEIR_RULES_H
#define WEIR_RULES_H

#include <stddef.h>
#include <stdint.h>

#include <hs/hs.h>

#include "diag.h"

/* One rule as parsed. */
struct weir_rule {
	uint32_t sid;         /* the signature ID */
	uint32_t rev;
	unsigned int hs_flags; /* HS_FLAG_* as written; the compiler adds SINGLEMATCH */
	char *pattern;        /* regex text without delimiters */
	char *text;           /* "/pattern/flags{ext}" as written, for events */
	char *file;           /* source file (owned) */
	unsigned int line;
	/* hs_expr_ext, when the line had {key=value,...} */
	int has_ext;
	hs_expr_ext_t ext;
};

/*
 * A growable list of rules; a zero-initialised list is empty and valid.
 * The sid_* fields are the parser's private open-addressing index of IDs
 * (slot = index into v plus 1, 0 = free), kept so that duplicate IDs across
 * many files are found in O(1) per line; it is rebuilt whenever v changed
 * behind the parser's back (sid_n != n).
 */
struct weir_rule_list {
	struct weir_rule *v;
	unsigned int n;
	unsigned int cap;
	unsigned int *sid_slots;
	unsigned int sid_cap; /* power of two, or 0 */
	unsigned int sid_n;   /* rules of v the index covers */
};

/**
 * Parse one file in Hyperscan's signature format into @p list (appending).
 * Lines: "ID:/regex/flags", blank lines, '#' comments, and a trailing
 * " #comment" after the flags. Flags among i m s H 8 W L, then an optional
 * {key=value,...} block (min_offset, max_offset, min_length, edit_distance,
 * hamming_distance). The closing '/' is the first '/' after the opening one
 * that is followed only by flag letters, an optional {...}, blanks and an
 * optional '#' comment, so '/' inside the regex needs no escape unless it
 * is itself followed by such a tail (write "\/" there). An ID already in
 * @p list (from this or an earlier file) is an error naming both places.
 * Every bad line adds a diagnostic; parsing goes on to report them all.
 * @return 0 when every line parsed, -EINVAL when any line was bad,
 *         -errno when the file cannot be read (one diagnostic, line 0).
 * Thread: control; not reentrant on the same list.
 */
int weir_rules_parse_sig_file(const char *path, struct weir_rule_list *list,
			      struct weir_diags *diags);

/** Parse one line (no newline) as weir_rules_parse_sig_file() would. */
int weir_rules_parse_sig_line(const char *file, unsigned int lineno, const char *line,
			      struct weir_rule_list *list, struct weir_diags *diags);

/** Free every rule and string @p list owns and leave it empty (NULL safe). */
void weir_rule_list_free(struct weir_rule_list *list);

/* An immutable, compiled rule set. */
struct weir_ruleset {
	hs_database_t *db;    /* block mode; NULL when there are no rules */
	hs_scratch_t *scratch_proto; /* clone one per worker */
	struct weir_rule *rules; /* indexed by Hyperscan expression id */
	unsigned int n_rules;
	size_t db_bytes;
	double compile_ms;
};

/* Options for weir_ruleset_build(). */
struct weir_ruleset_opts {
	int skip_invalid;     /* drop rules Hyperscan refuses instead of failing */
};

/**
 * Compile @p list (taken over: the list is emptied, on failure too) into one
 * block-mode database; expression id i is rs->rules[i]. Every expression
 * gets HS_FLAG_SINGLEMATCH (one alert per packet and rule) except those with
 * HS_FLAG_SOM_LEFTMOST, which Hyperscan cannot combine with it.
 * Each expression is first checked alone so that every refused one is
 * reported as "file:line: <hs text>", not only the first; what only the
 * whole-set compile refuses comes one at a time (dropped and retried with
 * skip_invalid). Zero rules (or all skipped) give db and scratch_proto NULL.
 * @return the rule set, or NULL with errno (EINVAL: some rule refused and
 *         skip_invalid not set, or the set as a whole refused; ENOMEM).
 *         Thread: control.
 */
struct weir_ruleset *weir_ruleset_build(struct weir_rule_list *list,
					const struct weir_ruleset_opts *opts,
					struct weir_diags *diags);

/**
 * Load every file of @p paths (signature format) and build a rule set.
 * Refuses (NULL, errno EINVAL) when any line of any file is bad, after
 * reporting every problem into @p diags; an unreadable file gives its own
 * errno (e.g. ENOENT) when it is the first problem met.
 */
struct weir_ruleset *weir_ruleset_load(const char *const *paths, unsigned int n_paths,
				       const struct weir_ruleset_opts *opts,
				       struct weir_diags *diags);

/** Free the database, scratch prototype and rules (NULL safe). */
void weir_ruleset_free(struct weir_ruleset *rs);

#endif /* WEIR_RULES_H */
