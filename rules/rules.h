/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rules: the only header other folders include from rules/. rules/ is a
 * pipeline with one rule type per stage:
 *
 *   parse    text -> parsed rules, no Hyperscan (rules_parse_*.c):
 *            struct weir_sig_rule (Hyperscan's "ID:/regex/flags" format,
 *            below) and struct weir_suri_rule (the Suricata subset,
 *            rules_int.h), each file format parsed into its own list
 *   compile  parsed rules -> run-time rules and databases
 *            (rules_compile*.c, rules_dbcache.c): struct weir_rt_rule,
 *            grouped into struct weir_rgroup, all in a struct weir_ruleset
 *   match    one packet against a rule set, per worker (rules_match*.c,
 *            rules_pan.c, rules_thresh.c): the hot path
 *   lifecycle  load and free a rule set, its per-rule counters and
 *            switches (ruleset.c); `weir rules check` output
 *            (rules_report.c)
 *
 * A rule set is built on the control side and is read-only for the
 * workers once published, except for what it keeps per worker (scratch,
 * match state, thresholds, hits: written only by that worker) and the
 * per-rule disabled flags (written by the control side, relaxed). Who
 * publishes a set and when an old one may be freed is the caller's
 * business (app/reload.h).
 */
#ifndef WEIR_RULES_H
#define WEIR_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <hs/hs.h>

#include "diag.h"

/* ---- address and port variables ------------------------------------- */

/* Named variables: $HOME_NET (address-groups), $HTTP_PORTS (port-groups). */
struct weir_rule_var {
	char *name;  /* without '$' */
	char *value; /* as written, may itself use variables */
	bool is_port;
};

/* The variables rule headers may use; a zero-initialised set is empty. The
 * set owns every name and value string. */
struct weir_rule_vars {
	struct weir_rule_var *v;
	unsigned int n, cap;
};

/**
 * Fill @p vars with Suricata's default address-groups and port-groups
 * (suricata.yaml of 7.0: HOME_NET [192.168.0.0/16,10.0.0.0/8,172.16.0.0/12],
 * EXTERNAL_NET !$HOME_NET, HTTP_SERVERS $HOME_NET, ..., HTTP_PORTS 80, ...),
 * adding to what it holds.
 * @return 0, or -ENOMEM (@p vars then holds some of them; free it).
 * Thread: control. The caller owns @p vars.
 */
int weir_rule_vars_defaults(struct weir_rule_vars *vars);

/**
 * Set (add or replace) one variable; @p name and @p value are copied.
 * @param is_port  a port variable (port-groups), else an address one
 * @return 0, -ENOMEM, or -EINVAL (name not [A-Za-z0-9_]+).
 * Thread: control. The caller owns @p vars.
 */
int weir_rule_vars_set(struct weir_rule_vars *vars, bool is_port, const char *name,
		       const char *value);

/** Free every variable of @p vars and leave it empty (NULL safe).
 *  Thread: control; no rule set holds on to @p vars after it was built. */
void weir_rule_vars_free(struct weir_rule_vars *vars);

/* ---- parse: the signature format (rules_parse_sig.c) ----------------- */

/*
 * The index of (gid, sid) over a list of parsed rules that both parsers
 * use to refuse a duplicate in O(1) per rule (rules_parse_sid.c).
 * Private to the parsers: a zero-initialised index is empty, and one that
 * covers fewer entries than its list (the list was changed behind it) is
 * rebuilt on the next lookup.
 */
struct weir_sid_slot;
struct weir_sid_index {
	struct weir_sid_slot *slots;
	unsigned int cap; /* power of two, or 0 */
	unsigned int n;	  /* list entries the index covers */
};

/* One rule of the signature format as parsed (the parse stage's rule for
 * that format; the list owns every string). */
struct weir_sig_rule {
	uint32_t sid; /* the signature ID */
	uint32_t rev;
	unsigned int hs_flags; /* HS_FLAG_* as written; the compiler adds SINGLEMATCH */
	char *pattern;	       /* regex text without delimiters */
	char *text;	       /* "/pattern/flags{ext}" as written, for events */
	char *file;	       /* source file (owned) */
	unsigned int line;
	/* hs_expr_ext, when the line had {key=value,...} */
	int has_ext;
	hs_expr_ext_t ext;
};

/*
 * A growable list of signature-format rules; a zero-initialised list is
 * empty and valid. @sids is the parser's duplicate-ID index (gid 1).
 */
struct weir_sig_rule_list {
	struct weir_sig_rule *v;
	unsigned int n;
	unsigned int cap;
	struct weir_sid_index sids;
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
int weir_rules_parse_sig_file(const char *path, struct weir_sig_rule_list *list,
			      struct weir_diags *diags);

/** Parse one line (no newline) as weir_rules_parse_sig_file() would, and
 *  append it to @p list. @return 0, -EINVAL (diagnostic added), -ENOMEM.
 *  Thread: control; the list owns what is appended. */
int weir_rules_parse_sig_line(const char *file, unsigned int lineno, const char *line,
			      struct weir_sig_rule_list *list, struct weir_diags *diags);

/** Free every rule and string @p list owns and leave it empty (NULL safe).
 *  Thread: control. */
void weir_sig_rule_list_free(struct weir_sig_rule_list *list);

/* ---- window rules: field: and window: (rules_parse_window.c) -------- */

/*
 * weir's stateful rule keywords (tracker issue 18, README "Stateful rules
 * (windows)"): `field:` names values taken from the payload a rule
 * matched, `window:` aggregates them per key over a sliding window of
 * event time. The parser checks them; the worker extracts the fields
 * (rules_field.h) and app/window.h keeps the state. These are the parsed
 * forms the run-time rule points to (read-only once the set is built).
 */
#define WEIR_RFIELD_MAX	     8	/* field: per rule */
#define WEIR_RFIELD_NAME_MAX 32 /* [a-z_][a-z0-9_]{0,31} */
#define WEIR_RFIELD_KEY_MAX  64 /* JSON member / kv key, bytes */
#define WEIR_RWIN_KEY_MAX    4	/* items of a window key */
#define WEIR_RWIN_COND_MAX   4	/* conditions (AND); app/window.h's too */

enum weir_rfield_src {
	WEIR_RFS_JSON = 0,
	WEIR_RFS_KV,
	WEIR_RFS_PCRE,	       /* a capture group of the rule's last payload pcre */
	WEIR_RFS_BYTE_EXTRACT, /* a byte_extract variable of the rule */
};

enum weir_rfield_time {
	WEIR_RFT_NONE = 0,
	WEIR_RFT_EPOCH,	   /* seconds, may be fractional */
	WEIR_RFT_EPOCH_MS, /* integer milliseconds */
	WEIR_RFT_ISO8601,  /* YYYY-MM-DDTHH:MM:SS[.frac](Z|+-HH:MM) */
};

struct weir_rfield {
	char name[WEIR_RFIELD_NAME_MAX + 1];
	char key[WEIR_RFIELD_KEY_MAX + 1]; /* as written (JSON: without quotes) */
	uint8_t klen;
	uint8_t src;  /* enum weir_rfield_src */
	uint8_t time; /* enum weir_rfield_time */
	char sep;     /* kv: the separator, '=' by default */
	bool form;    /* kv: x-www-form-urlencoded */
	bool sensitive;
	uint8_t arg; /* pcre: the capture group (1-9); byte_extract: the
			variable's slot (key holds its name) */
};

/* What a window key item is. */
enum weir_rwkey {
	WEIR_RWK_FIELD = 0,
	WEIR_RWK_SRC_IP,
	WEIR_RWK_DST_IP,
	WEIR_RWK_SRC_PORT,
	WEIR_RWK_DST_PORT,
	WEIR_RWK_FLOW, /* the flow id */
};

/* agg and op use app/window.h's numbering (enum weir_window_agg: count,
 * sum, min, max, distinct; enum weir_window_op: > >= < <= ==). */
enum weir_rwagg { WEIR_RWA_COUNT = 0, WEIR_RWA_SUM, WEIR_RWA_MIN, WEIR_RWA_MAX, WEIR_RWA_DISTINCT };
enum weir_rwop { WEIR_RWO_GT = 0, WEIR_RWO_GE, WEIR_RWO_LT, WEIR_RWO_LE, WEIR_RWO_EQ };

struct weir_rwin_cond {
	uint8_t agg;  /* enum weir_rwagg */
	uint8_t op;   /* enum weir_rwop */
	int8_t field; /* index into the rule's fields; -1 for count */
	double n;
};

struct weir_rwin {
	uint64_t clause_hash; /* FNV-1a 64 of the normalised window: and field:
				 clause text (whitespace squeezed, in rule
				 order): reload and checkpoint keep state only
				 when (sid, rev, clause_hash) is unchanged */
	uint64_t length_ns;
	uint8_t n_key;
	struct {
		uint8_t kind; /* enum weir_rwkey */
		int8_t field; /* WEIR_RWK_FIELD: index into the fields */
	} key[WEIR_RWIN_KEY_MAX];
	uint8_t n_cond;
	struct weir_rwin_cond cond[WEIR_RWIN_COND_MAX];
	bool fire_each;	   /* false: once per key per length */
	int8_t time_field; /* event time from this field, -1: the packet's */
};

/** One line explaining @p w (key, length, conditions, fire mode, time
 *  source) into @p out (NUL terminated, cut to @p cap) with the names of
 *  @p f. Thread: any. */
void weir_rwin_explain(const struct weir_rwin *w, const struct weir_rfield *f, char *out,
		       size_t cap);

/* ---- compile: the run-time rule and the rule set (rules_compile.c) -- */

/* Packet classes a rule can apply to (weir_rt_rule.protos). */
enum weir_pclass {
	WEIR_PCLASS_TCP = 0,
	WEIR_PCLASS_UDP,
	WEIR_PCLASS_ICMP,  /* ICMP and ICMPv6: payload after the 8-byte header */
	WEIR_PCLASS_OTHER, /* any other IP protocol: header conditions only */
	WEIR_PCLASS_N,
};

#define WEIR_RT_EXACT  0x1u /* Hyperscan's match decides the payload part */
#define WEIR_RT_HEADER 0x2u /* addresses/ports/dsize to check on a match */
#define WEIR_RT_THRESH 0x4u /* threshold or detection_filter */
#define WEIR_RT_PASS   0x8u /* action pass */
#define WEIR_RT_FVAR                                                                               \
	0x10u		       /* flowbits/flowint: checked and applied in                         \
				  Suricata's signature order after the scan */
#define WEIR_RT_NOALERT 0x20u  /* flowbits:noalert: matches, never alerts */
#define WEIR_RT_FNUM	0x40u  /* stream_size, flow.age/pkts/bytes to check */
#define WEIR_RT_HDR	0x80u  /* header keywords (ttl, flags, itype, ...) */
#define WEIR_RT_STREAM	0x100u /* a stream rule: in stream_db, never in a group */
#define WEIR_RT_STREAM_PKT                                                                         \
	0x200u		    /* Suricata's stream type: in stream_db and in its group, where it     \
			       is skipped for packets whose bytes went to the stream */
#define WEIR_RT_HBUF 0x400u /* header sticky buffers (rt->hbuf) */
#define WEIR_RT_IPONLY                                                                             \
	0x8000u /* Suricata's IP-only signature (no payload, header or flow keyword, no            \
		   negated address): inspected on the first packet of each flow direction only */
#define WEIR_RT_EVENT                                                                              \
	0x800u /* decode-event/stream-event/engine-event: the packet must carry every              \
		  event of sr->ev_mask; the only rules a packet the decoder rejected               \
		  (weir_scan_pkt.invalid) is matched against */

/*
 * What a rule inspects (Suricata's signature types, detect-engine-build.c
 * SignatureSetType, and where weir stands): `weir rules check` counts them.
 */
#define WEIR_RKINDS(_)                                                                             \
	_(PACKET, "packet: each packet (packet keywords, no payload, not tcp)")                    \
	_(STREAM, "stream: the reassembled stream, packets outside one")                           \
	_(STREAM_ONLY, "stream only: flow:only_stream or tcp-stream")                              \
	_(PKT_STREAM_AS_PACKET, "packet+stream in Suricata (offset/depth), each packet only here") \
	_(STREAM_AS_PACKET, "stream in Suricata, each packet only here (endswith, an absolute "    \
			    "byte keyword, only negated contents, pan with other conditions "      \
			    "and no content)")

#define WEIR_RKIND_ENUM(name, doc) WEIR_RKIND_##name,
enum weir_rkind { WEIR_RKINDS(WEIR_RKIND_ENUM) WEIR_RKIND_N };
#undef WEIR_RKIND_ENUM

/* weir_rt_rule.group of a stream rule (it has no packet group). */
#define WEIR_RGROUP_STREAM UINT16_MAX

struct weir_suri_rule;
struct weir_suri_rule_list;
struct weir_hdrpf;
struct weir_sprog;

/*
 * The run-time rule: one rule of a built set, whatever file format it came
 * from; its index is its Hyperscan expression id. The set owns it and what
 * it points to; read-only once the set is published.
 */
/* One header sticky buffer of a rule: the items on it, as a confirm
 * program run over that header's bytes (rules_int.h enum weir_buf). */
struct weir_rt_hbuf {
	unsigned int buf;
	struct weir_sprog *prog;
};

struct weir_rt_rule {
	uint32_t sid, rev, gid;
	uint32_t priority;		 /* 1 = highest; EVE severity */
	uint8_t protos;			 /* bit (1 << WEIR_PCLASS_*) per class it applies to */
	uint16_t flags;			 /* WEIR_RT_* */
	uint16_t group;			 /* index of the group (database) holding it */
	uint8_t kind;			 /* enum weir_rkind */
	uint8_t apart;			 /* WEIR_RT_AP_*: which header sets an IPv4
					    packet's address class answers */
	uint8_t amask;			 /* address classes (weir_ruleset.addr_part)
					    its header can match: bit c */
	const char *kind_why;		 /* why that kind (static text) */
	uint8_t flow_mask, flow_want;	 /* flow: the rule applies when
					    (weir_scan_pkt.flow & flow_mask) ==
					    flow_want; 0, 0 without flow: */
	const struct weir_suri_rule *sr; /* header, dsize, thresholds; NULL for
					the signature format */
	struct weir_sprog *prog;	 /* confirm step; NULL when exact */
	struct weir_rt_hbuf *hbuf;	 /* header sticky buffers' programs (ipv4.hdr,
					    tcp.hdr, ...), checked before the payload's;
					    NULL when none (WEIR_RT_HBUF) */
	uint8_t n_hbuf;
	uint8_t target;		     /* target: 0 none, 1 src_ip, 2 dest_ip (for
					EVE alert.source/target) */
	const char *signature;	     /* EVE alert.signature: msg, or the pattern as
					written; at most WEIR_RULE_SIG_MAX bytes */
	const char *category;	     /* classtype description, "" when none */
	const char *metadata_json;   /* EVE alert.metadata object, NULL = none
					(the set owns it: sr's eve_metadata) */
	const char *references_json; /* EVE alert.references array, NULL = none */
	const char *file;
	unsigned int line;
	/* field: and window: (issue 18), in sr; n_fields 0 and win NULL when
	 * the rule has none. A rule with win raises no alert per match: its
	 * matches are observations for the window (app/worker.c). */
	const struct weir_rfield *fields;
	uint8_t n_fields;
	const struct weir_rwin *win;
};

/* weir_rt_rule.apart, when the packet databases are split by address
 * class (weir_ruleset.addr_part): the rule's source (SRC_*) or
 * destination (DST_*) set holds, among IPv4 addresses, exactly those of
 * addr_part (*_IN) or exactly the others (*_OUT), so an IPv4 packet's
 * class, computed once for its database, answers that address check
 * instead of a search of the set (ET Open's $HOME_NET and $EXTERNAL_NET
 * when the split is by one of them). */
#define WEIR_RT_AP_SRC_IN  0x1u
#define WEIR_RT_AP_SRC_OUT 0x2u
#define WEIR_RT_AP_DST_IN  0x4u
#define WEIR_RT_AP_DST_OUT 0x8u

/* Longest alert.signature weir emits: a longer msg is refused by the
 * parser (precise error); a signature-format pattern, or the rule text of
 * a rule without msg, is cut to it with a warning in the set's warnings. */
#define WEIR_RULE_SIG_MAX 1024

/* A group of packet rules (same protocol classes and destination-port
 * set): which packets they apply to, and those of them without a
 * Hyperscan expression (`always`). Their expressions are all in the
 * set's one packet database (weir_ruleset.pkt), which is a weir_rgroup
 * too: every class, ports "any", no `always` list. */
/* The `always` rules of a group that name addresses (IP reputation lists:
 * `alert ip [a,b,...] any -> $HOME_NET any`), indexed by one side's
 * address: the address space cut into intervals (start[i] .. start[i+1]
 * - 1, as 128-bit numbers, IPv4 mapped into ::ffff:0:0/96), each with the
 * rules whose set on that side holds it. A packet then considers only the
 * rules of its address's interval instead of every rule's set; the rules'
 * own header checks still decide. */
struct weir_ipidx {
	uint64_t *start_hi; /* n interval starts, high and low 64 bits */
	uint64_t *start_lo;
	uint32_t *off;	 /* n + 1: interval i's rules are rules[off[i]..off[i+1]) */
	uint32_t *rules; /* rule indexes */
	unsigned int n;	 /* 0: no index */
	unsigned int n_rules;
};

struct weir_rgroup {
	hs_database_t *db; /* the packet database only; NULL in the groups */
	uint32_t *always;  /* rules evaluated for every packet of the group
			      (those not in idx) */
	unsigned int n_always;
	struct weir_ipidx idx[2]; /* always rules by source [0] and by
				     destination [1] address */
	/* the always list and idx by TCP flags and flow position
	 * (rules_int.h); NULL: none. Inside always's allocation, not
	 * freed on its own. */
	const struct weir_hdrpf *hdrpf;
	unsigned int n_rules;
	uint8_t protos; /* WEIR_PCLASS_* bits */
	char ports[64]; /* destination-port group as text, "any" */
	size_t db_bytes;
	unsigned int n_expr; /* expressions in db */
	int from_cache;	     /* loaded from the on-disk cache */
	int cache_rebuilt;   /* its cache entry was corrupt or stale */
};

/* Per worker state owned by a rule set (sized at build for n_workers;
 * rules_int.h). */
struct weir_rs_worker;

/*
 * A compiled rule set. Built and freed on the control side; once
 * published, workers only read it, except for their own w[k] (written by
 * worker k alone) and disabled[] (written by the control side with relaxed
 * stores, read by workers with relaxed loads).
 */
struct weir_addrset;

struct weir_ruleset {
	struct weir_rt_rule *rules;
	unsigned int n_rules;
	struct weir_rgroup *groups;
	unsigned int n_groups;
	/* Every packet rule's expression in one block-mode database: a packet
	 * some group applies to is scanned once (perf/RESULTS.md, "One scan
	 * per packet"); the rules' own header checks (ports, classes) then
	 * keep what applies. pkt.db NULL: no packet rule has an expression.
	 * Per flow direction, as Suricata's signature group heads are
	 * (detect-engine-build.c: toserver and toclient): when some packet
	 * rule can apply to one direction only (flow:to_client, to_server,
	 * from_server, ...), pkt holds the rules that can apply to a packet
	 * without WEIR_SCAN_FLOW_TOCLIENT (to the server, no flow, direction
	 * unknown) and pkt_tc those that can apply to one with it; a rule of
	 * neither direction is in both. A set without such a rule has pkt
	 * alone (pkt_tc.db NULL). dir_db[] is what a packet scans: [0] pkt.db,
	 * [1] pkt_tc.db or pkt.db (not owned). */
	struct weir_rgroup pkt;
	struct weir_rgroup pkt_tc;
	hs_database_t *dir_db[2];
	bool dir_split; /* pkt_tc is a database of its own */
	/* And per address class (rules_compile.c compile_addr_split), when
	 * most packet rules name one address set or its other side (ET
	 * Open's $HOME_NET and $EXTERNAL_NET): a packet's class c has bit 1
	 * set when its source is in addr_part, bit 0 when its destination
	 * is; apkt[side * 4 + c] holds the rules of that side (0: pkt's, 1:
	 * pkt_tc's; 4 entries when not split by direction) whose source and
	 * destination sets can hold such addresses (either way round for
	 * `<>`), and adb[side][c] is what such a packet scans. The rules'
	 * own header checks still decide. addr_part NULL: no such split (a
	 * rule's set, not owned). */
	const struct weir_addrset *addr_part;
	struct weir_ip4_range {
		uint32_t lo, hi; /* host order, inclusive */
	} * apart4;		 /* addr_part's IPv4 addresses, sorted (owned) */
	unsigned int n_apart4;
	struct weir_rgroup *apkt; /* 8 entries, NULL without the split; then pkt
				     and pkt_tc are counted, not built */
	hs_database_t *adb[2][4];
	/* What a packet whose bytes went to its TCP stream (weir_scan_pkt
	 * streamed) scans instead of dir_db[] and adb[][]: the same
	 * database, or NULL when every rule with an expression in it is of
	 * Suricata's stream type (WEIR_RT_STREAM_PKT), which scan_consider()
	 * turns away for such a packet anyway (a set of stream rules alone
	 * scans a streamed packet's bytes once, in its stream). */
	hs_database_t *dir_sdb[2];
	hs_database_t *sadb[2][4];
	/* dispatch: glist offsets into glists (count, then group ids) */
	uint16_t *port_glist[2];	     /* TCP, UDP: 65536 entries each */
	uint16_t class_glist[WEIR_PCLASS_N]; /* ICMP, OTHER (TCP/UDP: unused) */
	uint16_t *glists;
	/* The same as port_glist, as the packet path reads it: per class and
	 * high byte of the destination port, the offset in glists of a block
	 * of 256 glist offsets (by the port's low byte), equal blocks stored
	 * once after the lists. 2 KB here and a few blocks there stay in the
	 * L1 where a 128 KB table per class missed it on most packets of
	 * varied ports (weir_ruleset_glist()). */
	uint32_t port_blk[2][256];
	hs_scratch_t *scratch_proto; /* valid for every group and stream_db;
					NULL = no db */
	/* Stream rules (flow:only_stream): one HS_MODE_STREAM database, fed
	 * each TCP direction's reassembled bytes in order (app/stream.h). */
	hs_database_t *stream_db; /* NULL: the set has no stream rule */
	unsigned int n_stream_rules;
	unsigned int n_stream_confirm; /* of them, with a confirm step or a
					  window: they read the stream's last
					  bytes (app/stream.h) */
	/* Of them, the rules whose only payload condition is `pan`: no
	 * expression in stream_db; the direction's card scanner
	 * (weir_pan_stream_feed) decides them (weir_scan_pkt.pan_found). */
	uint32_t *stream_pan;
	unsigned int n_stream_pan;
	bool stream_pan_only; /* every stream rule is one: stream_db holds no
				 rule's expression and is never scanned */
	/* The stream directions some stream rule can apply to
	 * (WEIR_DIR_SERVER: the client's bytes, WEIR_DIR_CLIENT: the
	 * server's), from each rule's flow options as for the packet
	 * databases: a direction no rule reads is not scanned at all, as
	 * Suricata inspects a direction only with its own rule group. */
	unsigned int stream_dirs;
	/* Of them, the directions (the same bits) some stream rule whose
	 * expression can match at the end of data (hs_expression_info's
	 * matches_at_eod: `$`, `\z`, `\Z`, a trailing `\b`) can apply to:
	 * closing a stream of another direction reports nothing from
	 * stream_db (app/stream.c ends it without expanding it). */
	unsigned int stream_eod_dirs;
	size_t stream_db_bytes;
	size_t stream_state_bytes;	   /* hs_stream_size(): per open direction */
	int stream_from_cache;		   /* stream_db came from the on-disk cache */
	unsigned int n_kind[WEIR_RKIND_N]; /* rules per enum weir_rkind */
	uint32_t *win_rules;		   /* indices of the rules with a window:, in rule
					      order (weir_ruleset_window()) */
	unsigned int n_win;
	uint64_t events; /* every event some rule needs (the union of
			    the rules' ev_mask): 0, no event rule */
	struct weir_rs_worker *w;
	unsigned int n_workers;
	_Atomic uint8_t *disabled; /* per rule: 1 = matches dropped */
	size_t db_bytes;	   /* all groups */
	double compile_ms;
	unsigned int n_from_cache;    /* groups loaded from the cache */
	unsigned int n_cache_rebuilt; /* groups whose cache entry was refused */
	unsigned int n_cache_pruned;  /* cache entries removed to keep the cache
					 within its bounds after this build */
	unsigned int n_skipped;	      /* rules skipped (skip_invalid) */
	uint64_t generation;	      /* set by whoever publishes it */
	char **warnings;	      /* "file:line: ..." about the set, not errors
					 (a flowbit checked but never set) */
	unsigned int n_warnings;
	/* owned storage: the parsed lists the run-time rules point into */
	struct weir_sig_rule_list *own_sig;
	struct weir_suri_rule_list *own_suri;
};

/* Options for weir_ruleset_build() / weir_ruleset_load(). */
struct weir_ruleset_opts {
	int skip_invalid;		   /* drop bad rules (each reported) instead of failing */
	const struct weir_rule_vars *vars; /* address/port variables; NULL =
					      Suricata's defaults */
	const char *cache_dir;		   /* compiled-database cache, NULL = none */
	unsigned int cache_max_entries;	   /* after the build, the cache keeps at most
					      this many entries (least recently used
					      go first; the build's own stay); 0 = no
					      bound */
	uint64_t cache_max_bytes;	   /* and at most this many bytes; 0 = no bound */
	unsigned int n_workers;		   /* per-worker state to allocate (0 = 1) */
	bool no_addr_split;		   /* never split the packet databases by
					      address class (tests, benchmarks) */
};

/**
 * Compile @p list (signature format; taken over: emptied, on failure too)
 * into a rule set. Every expression gets HS_FLAG_SINGLEMATCH (one alert per
 * packet and rule) except those with HS_FLAG_SOM_LEFTMOST, which Hyperscan
 * cannot combine with it. Each expression is first checked alone so that
 * every refused one is reported as "file:line: <hs text>".
 * @return the rule set, or NULL with errno (EINVAL: some rule refused and
 *         skip_invalid not set, or the set as a whole refused; ENOMEM).
 * Thread: control (allocates, compiles). The caller owns the set and frees
 * it with weir_ruleset_free(); @p opts and @p diags stay the caller's.
 */
struct weir_ruleset *weir_ruleset_build(struct weir_sig_rule_list *list,
					const struct weir_ruleset_opts *opts,
					struct weir_diags *diags);

/* ---- lifecycle (ruleset.c) ------------------------------------------- */

/*
 * A path of weir_ruleset_load() that starts with this names a threshold
 * file (Suricata's threshold.config: suppress, threshold, event_filter;
 * rules_parse_threshconf.c), applied to the .rules rules of every file of
 * the call once all are parsed, in list order. Keeping it in the path list
 * lets whatever reloads the rules reload it with them.
 */
#define WEIR_RULES_THRESHOLD_PREFIX "threshold-file:"

/**
 * Load every file of @p paths and build one rule set: files ending in
 * ".rules" are the Suricata subset, any other the signature format.
 * Refuses (NULL, errno EINVAL) when any rule of any file is bad (unless
 * skip_invalid), after reporting every problem into @p diags; an
 * unreadable file gives its own errno (e.g. ENOENT) when it is the first
 * problem met. Thread: control (allocates, compiles, may take seconds).
 * The caller owns the set (weir_ruleset_free()); @p opts->vars is only
 * read during the call.
 */
struct weir_ruleset *weir_ruleset_load(const char *const *paths, unsigned int n_paths,
				       const struct weir_ruleset_opts *opts,
				       struct weir_diags *diags);

/** Free everything the set owns (NULL safe). Thread: control, once no
 *  worker can still reach @p rs (after the caller's grace period). */
void weir_ruleset_free(struct weir_ruleset *rs);

/* ---- match: per packet (rules_match.c) ------------------------------- */

/*
 * What the flow table says of one packet (struct weir_scan_pkt.flow), for
 * `flow:` and the other flow keywords. The worker sets it from its flow
 * table (app/flow.h) before matching; 0 means the packet has no flow
 * (table full, or an ICMPv4 error quoting no known flow).
 */
enum weir_scan_flow {
	WEIR_SCAN_FLOW = 1u << 0,	      /* the packet belongs to a flow */
	WEIR_SCAN_FLOW_TOSERVER = 1u << 1,    /* from the flow's client */
	WEIR_SCAN_FLOW_TOCLIENT = 1u << 2,    /* from the flow's server */
	WEIR_SCAN_FLOW_ESTABLISHED = 1u << 3, /* Suricata's FLOW_PKT_ESTABLISHED */
	/* a packet rebuilt from IP fragments (Suricata's PKT_REBUILT_FRAGMENT,
	 * for flow:only_frag/no_frag): the worker sets it on the datagram
	 * app/defrag.c rebuilt */
	WEIR_SCAN_FLOW_REBUILT_FRAG = 1u << 4,
	/* the first packet of its flow direction (IP-only rules look at no
	 * other: Suricata's FLOW_TOSERVER/TOCLIENT_IPONLY_SET) */
	WEIR_SCAN_FLOW_FIRST = 1u << 7,
};

/* Per-flow rule variables (flowbits, flowint): the flow table keeps one
 * per flow, zeroed when the flow starts; the rule set numbers them
 * (flowbit names to bit indices, flowint names to slots) when it builds. */
#define WEIR_FLOWBITS_MAX 128
#define WEIR_FLOWINTS_MAX 4

struct weir_flowvars {
	uint64_t bits[WEIR_FLOWBITS_MAX / 64];
	uint32_t ints[WEIR_FLOWINTS_MAX];
	uint8_t int_isset; /* bit i: ints[i] was set */
	uint8_t pad[7];
};

/* The flow's counters as of this packet (this packet included), for
 * flow.age, flow.pkts, flow.bytes, stream_size and track by_flow. Index 0
 * is the client's direction (to server), 1 the server's. */
struct weir_scan_flowinfo {
	uint64_t id;	   /* the flow's id (unique per worker run, never 0) */
	uint64_t start_ns; /* its first packet's time */
	uint64_t bytes[2]; /* wire bytes */
	uint32_t pkts[2];
	/* TCP with a session (tcp_session != 0): the sequence numbers of
	 * each side as the flow table tracks them after this packet
	 * (Suricata's TcpStream isn and next_seq) */
	uint32_t isn[2];
	uint32_t next_seq[2];
	uint8_t tcp_session;
	uint8_t pad[7];
};

/* A packet as the rule set sees it (the caller's; only read, except
 * *vars, which flowbits and flowint write). */
struct weir_scan_pkt {
	const uint8_t *payload;
	uint32_t len;
	uint8_t pclass;	    /* enum weir_pclass */
	uint8_t ip_version; /* 4 or 6 */
	uint16_t sport, dport;
	const uint8_t *src, *dst; /* IPv4: first 4 bytes */
	uint64_t ts_ns;		  /* packet time, for thresholds */
	uint32_t flow;		  /* enum weir_scan_flow bits, 0: no flow */
	uint8_t streamed;	  /* the packet's bytes went to its TCP stream: Suricata's
				     stream-type rules (WEIR_RT_STREAM_PKT) skip it */
	/* weir_ruleset_scan_stream(): the stream's last bytes up to the end of
	 * payload (payload included), which confirm steps read; NULL: the
	 * payload alone */
	const uint8_t *confirm;
	uint32_t confirm_len;
	/* weir_ruleset_scan_stream()/_stream_close(): the direction's card
	 * scanner settled a card with these bytes (pan_end: the stream offset
	 * of the first one's end, as Hyperscan's match ends count) */
	uint8_t pan_found;
	uint32_t pan_end;
	struct weir_flowvars *vars;	     /* the flow's variables, NULL: no flow */
	const struct weir_scan_flowinfo *fi; /* the flow's counters, NULL: no flow */
	/* the headers, for the header keywords (ttl, flags, itype, ...):
	 * l3 is the IP header with its options or IPv6 extension headers
	 * (l3_len bytes, up to the L4 header); l4 the TCP, UDP, ICMP or
	 * ICMPv6 header and what follows it to the end of the datagram
	 * (l4_len bytes; the TCP header's own length is in its data
	 * offset), NULL for another protocol */
	const uint8_t *l3, *l4;
	uint16_t l3_len, l4_len;
	uint8_t ip_proto; /* the final L4 protocol (IPPROTO_*) */
	uint8_t n_vlan;	  /* VLAN tags recorded (<= 2), for vlan.id/vlan.layers */
	uint16_t vlan[2]; /* their ids, outer first */
	uint64_t events;  /* the events it raised, WEIR_PEV_BIT of enum weir_pkt_event
			     (common/dec_event.h): decode-event rules */
	uint8_t invalid;  /* the decoder rejected it: event rules only */
};

/** Called once per alert raised, in rule index order of matching, on the
 *  scanning worker's thread. */
typedef void (*weir_alert_fn)(void *ctx, uint32_t rule_idx, uint32_t match_end);

/* What one weir_ruleset_scan() call did. */
struct weir_scan_res {
	uint32_t alerts;     /* alerts raised (fn calls) */
	uint8_t evaluated;   /* some group applied to the packet */
	uint8_t scan_error;  /* hs_scan failed (counted by the caller) */
	uint8_t passed;	     /* a pass rule matched: alerts suppressed */
	uint32_t suppressed; /* alerts withheld by pass or thresholds */
};

/**
 * Match one packet against the set as worker @p worker (< n_workers):
 * pick the groups for its class and destination port, scan, check each
 * candidate's header, dsize and confirm step, apply pass and thresholds,
 * and call @p fn for each alert.
 * Thread: worker @p worker only (it owns rs->w[worker]); several workers
 * scan one set at once. Hot path: no lock, no allocation, no syscall.
 */
void weir_ruleset_scan(const struct weir_ruleset *rs, unsigned int worker,
		       const struct weir_scan_pkt *p, weir_alert_fn fn, void *ctx,
		       struct weir_scan_res *res);

/**
 * Stream matching (stream rules, WEIR_RT_STREAM). A stream is one TCP
 * direction's bytes in sequence order; its Hyperscan state is opened on
 * rs->stream_db. Hyperscan allocates it through its stream allocator
 * (hs_set_stream_allocator), which app/stream.c points at per-worker
 * preallocated slots.
 * weir_ruleset_stream_open: @return 0 or -ENOMEM (allocator refused),
 * -EINVAL (the set has no stream rule). Thread: the worker.
 */
int weir_ruleset_stream_open(const struct weir_ruleset *rs, hs_stream_t **out);

/**
 * Feed @p p->payload[0..p->len) as the next bytes of @p st (opened on
 * @p rs) and decide every stream rule it completes as weir_ruleset_scan()
 * decides packet rules: @p p describes the data's direction (its sender
 * is p->src, its flow flags are the direction's). match_end passed to
 * @p fn is the stream offset of the match's end (bytes since the stream
 * was opened). A rule alerts at most once per call. Hot path.
 * Thread: worker @p worker.
 */
void weir_ruleset_scan_stream(const struct weir_ruleset *rs, unsigned int worker, hs_stream_t *st,
			      const struct weir_scan_pkt *p, weir_alert_fn fn, void *ctx,
			      struct weir_scan_res *res);

/**
 * End @p st: with @p fn, report the matches that need the end of data
 * (`$`, `\b` at the end) as weir_ruleset_scan_stream() would; then free
 * it (through the stream allocator). @p rs must be the set @p st was
 * opened on, or NULL with @p fn NULL (the set may be gone: nothing of it
 * is read then). Thread: the worker.
 */
void weir_ruleset_stream_close(const struct weir_ruleset *rs, unsigned int worker, hs_stream_t *st,
			       const struct weir_scan_pkt *p, weir_alert_fn fn, void *ctx,
			       struct weir_scan_res *res);

/*
 * The `pan` keyword on a stream (rules_pan.c): one direction's card
 * scanner, fed its bytes in order. A card is reported once, by the call
 * whose bytes settle it (every byte the definition reads around it is
 * known, or the stream ended), exactly as a scan of the whole stream
 * would find it. Fixed size, no allocation: it lives in the direction's
 * stream state (app/stream.c), and WEIR_PAN_STREAM_TAIL bounds the bytes
 * it keeps between calls.
 */
#define WEIR_PAN_STREAM_TAIL 40

struct weir_pan_match {
	uint32_t start; /* offset of the first digit */
	uint32_t end;	/* offset just past the last digit */
	uint8_t n_digits;
};

struct weir_pan_stream {
	uint32_t pos;	 /* bytes fed since the reset */
	uint32_t resume; /* stream offset of the first group not decided */
	uint8_t len;	 /* bytes in tail, right-aligned (tail[TAIL - len] on):
			    the stream's bytes pos - len .. pos */
	uint8_t tail[WEIR_PAN_STREAM_TAIL];
};

/** Start @p ps at stream offset 0 (a new stream, or one restarted after a
 *  hole). Thread: the owner of @p ps. */
void weir_pan_stream_reset(struct weir_pan_stream *ps);

/**
 * Feed the next @p len bytes of @p ps's stream (@p final: they are its
 * last; @p len may be 0 then). Writes at most @p max of the cards this
 * call settles to @p out, in order, offsets in the stream (bytes since
 * the reset). @return how many it settled (may exceed @p max). Hot path:
 * no allocation; it copies at most WEIR_PAN_STREAM_TAIL + 64 bytes.
 * Thread: the owner of @p ps.
 */
unsigned int weir_pan_stream_feed(struct weir_pan_stream *ps, const uint8_t *data, size_t len,
				  bool final, struct weir_pan_match *out, unsigned int max);

/** The index of the @p i th window rule of @p rs (i < rs->n_win); its
 *  rules[idx].win and .fields describe it. Thread: any holding the set. */
static inline uint32_t
weir_ruleset_window(const struct weir_ruleset *rs, unsigned int i)
{
	return rs->win_rules[i];
}

/** The packet database a packet of flow bits @p flow (struct
 *  weir_scan_pkt.flow) scans: the to-client side's for a packet from its
 *  flow's server, else the other (to the server, no flow, direction
 *  unknown); the same database when the set is not split by direction.
 *  NULL: no packet rule of that side has an expression, or the set is
 *  split by address class too (addr_part: the side databases are not
 *  built; weir_ruleset_scan() picks the class's, adb). Thread: any
 *  holding the set (workers per packet). */
static inline hs_database_t *
weir_ruleset_pkt_db(const struct weir_ruleset *rs, uint32_t flow)
{
	return rs->dir_db[(flow & WEIR_SCAN_FLOW_TOCLIENT) != 0];
}

/** How many of apkt a set split by address class builds: 8 (4 per
 *  flow side), 4 when not split by direction, 0 when not split. */
static inline unsigned int
weir_ruleset_n_class_dbs(const struct weir_ruleset *rs)
{
	return rs->apkt == NULL ? 0 : rs->dir_split ? 8 : 4;
}

/** The group list of a packet of class @p pclass to destination port
 *  @p dport: glists[off] groups, their ids after it. The same answer as
 *  port_glist / class_glist, from the small tables. Thread: any holding
 *  the set (workers per packet). */
static inline const uint16_t *
weir_ruleset_glist(const struct weir_ruleset *rs, unsigned int pclass, uint16_t dport)
{
	if (pclass < 2)
		return &rs->glists[rs->glists[rs->port_blk[pclass][dport >> 8] + (dport & 255u)]];
	return &rs->glists[rs->class_glist[pclass]];
}

/** The packet database of a set of one group (every signature-format
 *  set), else NULL: what benchmarks hand to a bare hs_scan baseline. The
 *  set keeps owning it. Thread: any holding the set. */
static inline hs_database_t *
weir_ruleset_sole_db(const struct weir_ruleset *rs)
{
	return rs->n_groups == 1 && !rs->dir_split ? rs->pkt.db : NULL;
}

/** Alerts raised by rule @p idx (0 when out of range), summed over
 *  workers with relaxed reads, so it may lag the workers by a burst.
 *  Thread: any holding the set (control: stats socket, metrics). */
uint64_t weir_ruleset_hits(const struct weir_ruleset *rs, unsigned int idx);

/** Take back one alert of rule @p idx that worker @p worker counted in a
 *  round it then undid (app/stream.c's run-ahead: the round is matched
 *  again later and counted then). Thread: worker @p worker. */
void weir_ruleset_unhit(const struct weir_ruleset *rs, unsigned int worker, unsigned int idx);

/** Disable (@p off true) or enable every rule of the set with sid
 *  @p sid; workers drop a disabled rule's matches from their next packet
 *  on (relaxed store, read relaxed by the workers).
 *  @return rules changed (0 when no such sid). Thread: any holding the
 *  set (in practice control). */
unsigned int weir_ruleset_set_disabled(struct weir_ruleset *rs, uint32_t sid, bool off);

/* ---- reports (rules_report.c) ----------------------------------------- */

/**
 * Print what `weir rules check` reports about @p rs to @p out: rules per
 * group, per keyword counts, database sizes, compile time.
 * Thread: control (stdio); never on the packet path.
 */
void weir_ruleset_describe(const struct weir_ruleset *rs, FILE *out);

/** One line per rule of @p rs: "file:line: sid N: kind: why" (the kinds of
 *  WEIR_RKINDS). Thread: control. */
void weir_ruleset_describe_kinds(const struct weir_ruleset *rs, FILE *out);

/** Lines naming each stream rule whose confirm step can need more stream
 *  bytes than the @p window it keeps (stream.reassembly.confirm-window),
 *  with the bound or why there is none; nothing when every rule fits.
 *  Thread: control. */
void weir_ruleset_describe_history(const struct weir_ruleset *rs, uint32_t window, FILE *out);

/** Print "note: ..." lines to @p out about the build that are not rule
 *  errors (a cache entry found corrupt or stale and rebuilt), and
 *  "warning: file:line: ..." lines about the rules (a flowbit checked but
 *  set by no rule, as Suricata warns at load).
 *  Thread: control (stdio). */
void weir_ruleset_notes(const struct weir_ruleset *rs, FILE *out);

/** "Vectorscan" or "Hyperscan": which libhs is loaded, from hs_version()
 *  (Hyperscan's releases end at 5.4.2, Vectorscan's begin at 5.4.9; the two
 *  share the soname libhs.so.5, so this is the library running, not the
 *  one weir was built against). Thread: any. */
const char *weir_regex_engine(void);

#endif /* WEIR_RULES_H */
