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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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

/* Packet classes a rule can apply to (weir_rt_rule.protos). */
enum weir_pclass {
	WEIR_PCLASS_TCP = 0,
	WEIR_PCLASS_UDP,
	WEIR_PCLASS_ICMP,  /* ICMP and ICMPv6: payload after the 8-byte header */
	WEIR_PCLASS_OTHER, /* any other IP protocol: header conditions only */
	WEIR_PCLASS_N,
};

#define WEIR_RT_EXACT    0x1u /* Hyperscan's match decides the payload part */
#define WEIR_RT_HEADER   0x2u /* addresses/ports/dsize to check on a match */
#define WEIR_RT_THRESH   0x4u /* threshold or detection_filter */
#define WEIR_RT_PASS     0x8u /* action pass */

struct weir_srule;
struct weir_sprog;
struct weir_rule_vars;

/*
 * One rule of a built set, whatever file format it came from; its index
 * is its Hyperscan expression id. Immutable once the set is published.
 */
struct weir_rt_rule {
	uint32_t sid, rev, gid;
	uint32_t priority;     /* 1 = highest; EVE severity */
	uint8_t protos;        /* bit (1 << WEIR_PCLASS_*) per class it applies to */
	uint8_t flags;         /* WEIR_RT_* */
	uint16_t group;        /* index of the group (database) holding it */
	const struct weir_srule *sr;  /* header, dsize, thresholds; NULL for
					 the signature format */
	struct weir_sprog *prog;      /* confirm step; NULL when exact */
	const char *signature; /* EVE alert.signature: msg, or the pattern as
				  written; at most WEIR_RULE_SIG_MAX bytes */
	const char *category;  /* classtype description, "" when none */
	const char *file;
	unsigned int line;
};

/* Longest alert.signature weir emits (longer msg/pattern text is cut). */
#define WEIR_RULE_SIG_MAX 1024

/* One Hyperscan database: the rules of one protocol and port group. */
struct weir_rgroup {
	hs_database_t *db;     /* NULL when every rule of it is `always` */
	uint32_t *always;      /* rules evaluated for every packet of the group */
	unsigned int n_always;
	unsigned int n_rules;
	uint8_t protos;        /* WEIR_PCLASS_* bits */
	char ports[64];        /* destination-port group as text, "any" */
	size_t db_bytes;
	int from_cache;        /* loaded from the on-disk cache */
	int cache_rebuilt;     /* its cache entry was corrupt or stale */
};

/* Per worker state owned by a rule set (sized at build for n_workers). */
struct weir_rs_worker;

/* An immutable, compiled rule set. */
struct weir_ruleset {
	struct weir_rt_rule *rules;
	unsigned int n_rules;
	struct weir_rgroup *groups;
	unsigned int n_groups;
	/* dispatch: glist offsets into glists (count, then group ids) */
	uint16_t *port_glist[2]; /* TCP, UDP: 65536 entries each */
	uint16_t class_glist[WEIR_PCLASS_N]; /* ICMP, OTHER (TCP/UDP: unused) */
	uint16_t *glists;
	hs_scratch_t *scratch_proto; /* valid for every group; NULL = no db */
	struct weir_rs_worker *w;
	unsigned int n_workers;
	_Atomic uint8_t *disabled;   /* per rule: 1 = matches dropped */
	size_t db_bytes;             /* all groups */
	double compile_ms;
	unsigned int n_from_cache;   /* groups loaded from the cache */
	unsigned int n_cache_rebuilt; /* groups whose cache entry was refused */
	unsigned int n_skipped;      /* rules skipped (skip_invalid) */
	uint64_t generation;         /* set by whoever publishes it */
	/* owned storage */
	void *own_sig;               /* struct weir_rule_list */
	void *own_suri;              /* struct weir_srule_list */
};

/* Options for weir_ruleset_build() / weir_ruleset_load(). */
struct weir_ruleset_opts {
	int skip_invalid;     /* drop bad rules (each reported) instead of failing */
	const struct weir_rule_vars *vars; /* address/port variables; NULL =
					      Suricata's defaults */
	const char *cache_dir;  /* compiled-database cache, NULL = none */
	unsigned int n_workers; /* per-worker state to allocate (0 = 1) */
};

/**
 * Compile @p list (signature format; taken over: emptied, on failure too)
 * into a rule set. Every expression gets HS_FLAG_SINGLEMATCH (one alert per
 * packet and rule) except those with HS_FLAG_SOM_LEFTMOST, which Hyperscan
 * cannot combine with it. Each expression is first checked alone so that
 * every refused one is reported as "file:line: <hs text>".
 * @return the rule set, or NULL with errno (EINVAL: some rule refused and
 *         skip_invalid not set, or the set as a whole refused; ENOMEM).
 *         Thread: control.
 */
struct weir_ruleset *weir_ruleset_build(struct weir_rule_list *list,
					const struct weir_ruleset_opts *opts,
					struct weir_diags *diags);

/**
 * Load every file of @p paths and build one rule set: files ending in
 * ".rules" are the Suricata subset, any other the signature format.
 * Refuses (NULL, errno EINVAL) when any rule of any file is bad (unless
 * skip_invalid), after reporting every problem into @p diags; an
 * unreadable file gives its own errno (e.g. ENOENT) when it is the first
 * problem met. Thread: control (allocates, compiles, may take seconds).
 */
struct weir_ruleset *weir_ruleset_load(const char *const *paths, unsigned int n_paths,
				       const struct weir_ruleset_opts *opts,
				       struct weir_diags *diags);

/** Free everything the set owns (NULL safe). No worker may still use it. */
void weir_ruleset_free(struct weir_ruleset *rs);

/* A packet as the rule set sees it. */
struct weir_scan_pkt {
	const uint8_t *payload;
	uint32_t len;
	uint8_t pclass;       /* enum weir_pclass */
	uint8_t ip_version;   /* 4 or 6 */
	uint16_t sport, dport;
	const uint8_t *src, *dst; /* IPv4: first 4 bytes */
	uint64_t ts_ns;       /* packet time, for thresholds */
};

/** Called once per alert raised, in rule index order of matching. */
typedef void (*weir_alert_fn)(void *ctx, uint32_t rule_idx, uint32_t match_end);

/* What one weir_ruleset_scan() call did. */
struct weir_scan_res {
	uint32_t alerts;      /* alerts raised (fn calls) */
	uint8_t evaluated;    /* some group applied to the packet */
	uint8_t scan_error;   /* hs_scan failed (counted by the caller) */
	uint8_t passed;       /* a pass rule matched: alerts suppressed */
	uint32_t suppressed;  /* alerts withheld by pass or thresholds */
};

/**
 * Match one packet against the set as worker @p worker (< n_workers):
 * pick the groups for its class and destination port, scan, check each
 * candidate's header, dsize and confirm step, apply pass and thresholds,
 * and call @p fn for each alert. Hot path: no lock, no allocation.
 */
void weir_ruleset_scan(const struct weir_ruleset *rs, unsigned int worker,
		       const struct weir_scan_pkt *p, weir_alert_fn fn, void *ctx,
		       struct weir_scan_res *res);

/** The database of a set with exactly one group (every signature-format
 *  set), else NULL: what benchmarks hand to a bare hs_scan baseline. */
static inline hs_database_t *
weir_ruleset_sole_db(const struct weir_ruleset *rs)
{
	return rs->n_groups == 1 ? rs->groups[0].db : NULL;
}

/** Alerts raised by rule @p idx, summed over workers (relaxed reads). */
uint64_t weir_ruleset_hits(const struct weir_ruleset *rs, unsigned int idx);

/** Disable (@p off true) or enable the rule with gid 1 and sid @p sid.
 *  @return rules changed (0 when no such sid). Any thread. */
unsigned int weir_ruleset_set_disabled(struct weir_ruleset *rs, uint32_t sid, bool off);

/**
 * Print what `weir rules check` reports about @p rs: rules per group,
 * per keyword counts, database sizes, compile time.
 */
void weir_ruleset_describe(const struct weir_ruleset *rs, FILE *out);

/** Print "note: ..." lines about the build that are not rule errors (a
 *  cache entry found corrupt or stale and rebuilt). */
void weir_ruleset_notes(const struct weir_ruleset *rs, FILE *out);

#endif /* WEIR_RULES_H */
