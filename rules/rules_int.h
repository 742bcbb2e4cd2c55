/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The contracts between the stages of rules/, below rules.h: the parsed
 * Suricata rule (struct weir_suri_rule) and the modules that parse,
 * compile and match it. Only rules/, tests and benchmarks include this
 * header; every other folder sees rules.h alone.
 *
 *   parse (control; text -> parsed rules, no Hyperscan)
 *     rules_parse_sig.c      "ID:/regex/flags" lines -> weir_sig_rule (rules.h)
 *     rules_parse_suri.c     rule text -> weir_suri_rule (header, options,
 *                            file:line:col)
 *     rules_parse_byte.c     byte_test/jump/extract/math and isdataat values
 *     rules_parse_addr.c     variables, address sets and port sets
 *     rules_parse_class.c    built-in classification (classtype -> priority)
 *     rules_parse_sid.c      the duplicate-(gid, sid) index of both parsers
 *     rules_parse_hdr.c      header keywords (ttl, flags, itype, ...)
 *   compile (control; parsed rules -> weir_rt_rule and databases)
 *     rules_compile.c        groups, databases, dispatch, per-worker state
 *     rules_compile_hs.c     payload items -> Hyperscan expression(s)
 *     rules_compile_confirm.c  payload items -> confirm program (PCRE2)
 *     rules_dbcache.c        serialized Hyperscan databases cached on disk
 *   match (workers; per packet: no allocation, lock, syscall or log)
 *     rules_match.c          dispatch, scan, header checks, pass, alerts
 *     rules_match_addr.c     address and port set membership
 *     rules_match_hdr.c      header keywords against the packet's headers
 *     rules_match_confirm.c  exact evaluation of payload items
 *     rules_pan.c            the `pan` scanner and the Luhn check
 *     rules_thresh.c         threshold / detection_filter state, bounded
 *   lifecycle (control)
 *     ruleset.c              load, hits, disable, free
 *     rules_report.c         what `weir rules check` prints
 */
#ifndef WEIR_RULES_INT_H
#define WEIR_RULES_INT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <hs/hs.h>

#include "diag.h"
#include "rules.h"

/* ---- parse: the duplicate-sid index (rules_parse_sid.c) ------------- */

/* The key of a rule in a struct weir_sid_index. */
static inline uint64_t
weir_sid_key(uint32_t gid, uint32_t sid)
{
	return (uint64_t)gid << 32 | sid;
}

/** The key of entry @p i of the list an index covers. */
typedef uint64_t (*weir_sid_key_fn)(const void *list, unsigned int i);

/**
 * Make @p idx cover entries [0, @p n) of @p list (entry i has the key
 * key_of(list, i)) with room for one more, rebuilding it when the list
 * changed behind it. Of duplicate keys already in the list the first is
 * indexed. @return 0 or -ENOMEM. Thread: control (the parsers).
 */
int weir_sid_index_sync(struct weir_sid_index *idx, const void *list, unsigned int n,
			weir_sid_key_fn key_of);

/** Position + 1 of the entry holding @p key, 0 when none. The index must
 *  be in sync with its list. Thread: control. */
unsigned int weir_sid_index_find(const struct weir_sid_index *idx, uint64_t key);

/** Record that entry @p pos (the one just appended: the index's n) holds
 *  @p key, which weir_sid_index_find() did not find. Cannot fail:
 *  weir_sid_index_sync() left room for it. Thread: control. */
void weir_sid_index_add(struct weir_sid_index *idx, uint64_t key, unsigned int pos);

/** Free the index and leave it empty (NULL safe). Thread: control. */
void weir_sid_index_free(struct weir_sid_index *idx);

/* ---- parse: address and port sets (rules_parse_addr.c; membership
 *      tests per packet in rules_match_addr.c) ------------------------- */

/*
 * Addresses are kept in one 128-bit space: IPv6 as is, IPv4 a.b.c.d as the
 * v4-mapped ::ffff:a.b.c.d, so one sorted range list serves both families.
 */
struct weir_ip_range {
	uint8_t lo[16]; /* network order, inclusive */
	uint8_t hi[16];
};

/* A set of addresses: sorted, disjoint, non-adjacent ranges. */
struct weir_addrset {
	struct weir_ip_range *r;
	unsigned int n;
	bool any;     /* every address (n is then 1 and r covers all) */
	bool negated; /* a negation applied somewhere in the field, variables
			 included (Suricata's src/dst_contains_negation) */
};

struct weir_port_range {
	uint16_t lo, hi; /* inclusive */
};

/* A set of ports: sorted, disjoint, non-adjacent ranges. */
struct weir_portset {
	struct weir_port_range *r;
	unsigned int n;
	bool any;
};

/**
 * Parse an address field ("any", "1.2.3.4", "10.0.0.0/8", "2001:db8::/32",
 * "[a,b,!c]", "!x", "$VAR", nested lists, variables within lists).
 * Negation is a complement over the whole 128-bit space.
 * @param err  on failure, a reason ("unknown variable $FOO", "bad CIDR
 *             prefix /33", ...) is written here
 * @param err_off on failure, the byte offset in @p text of the problem
 * @return 0, -EINVAL (bad text, unknown or recursive variable, set that is
 *         empty after negation), -ENOMEM.
 * Thread: control. *out is the caller's (weir_addrset_free()).
 */
int weir_addrset_parse(const char *text, const struct weir_rule_vars *vars,
		       struct weir_addrset *out, char *err, size_t errlen, unsigned int *err_off);

/** Same for ports: "any", "80", "1024:", ":1023", "80:90", "[80,443,!8080]",
 *  "!80", "$HTTP_PORTS". Ranges with lo > hi, ports > 65535 are errors.
 *  Thread: control. *out is the caller's (weir_portset_free()). */
int weir_portset_parse(const char *text, const struct weir_rule_vars *vars,
		       struct weir_portset *out, char *err, size_t errlen, unsigned int *err_off);

/** @p out = @p a union @p b (for `<>` rules' grouping); *out is the
 *  caller's to free. @return 0 or -ENOMEM. Thread: control. */
int weir_portset_union(const struct weir_portset *a, const struct weir_portset *b,
		       struct weir_portset *out);

/** Free the ranges of @p s and leave it empty (NULL safe). Thread: control. */
void weir_addrset_free(struct weir_addrset *s);
void weir_portset_free(struct weir_portset *s);

/** Does @p s contain the address? @p ip_version 4 (addr[0..3]) or 6.
 *  Thread: any (workers: per packet). Binary search, no allocation. */
bool weir_addrset_has(const struct weir_addrset *s, unsigned int ip_version, const uint8_t *addr);

/** Does @p s contain @p port? Thread: any (workers: per packet). */
bool weir_portset_has(const struct weir_portset *s, uint16_t port);

/* ---- parse: the Suricata subset (rules_parse_suri.c) ---------------- */

enum weir_action {
	WEIR_ACTION_ALERT = 0,
	WEIR_ACTION_PASS,
};

enum weir_rproto {
	WEIR_RPROTO_IP = 0, /* any IP protocol */
	WEIR_RPROTO_TCP,
	WEIR_RPROTO_UDP,
	WEIR_RPROTO_ICMP, /* ICMP and ICMPv6 */
	WEIR_RPROTO_N,
};

enum weir_item_kind {
	WEIR_ITEM_CONTENT = 0,
	WEIR_ITEM_PCRE,
	WEIR_ITEM_PAN, /* our `pan` keyword: a Luhn-valid card number */
	/* Suricata's byte keywords and isdataat (rules_parse_byte.c): they
	 * read the payload at a position (absolute, or relative to the end
	 * of the previous match) and hold weir_item.bop */
	WEIR_ITEM_BYTE_TEST,
	WEIR_ITEM_BYTE_JUMP,
	WEIR_ITEM_BYTE_EXTRACT,
	WEIR_ITEM_BYTE_MATH,
	WEIR_ITEM_ISDATAAT,
};

/* The value of hex digit @p c, -1 when it is none. */
static inline int
weir_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The buffer an item inspects (weir_item.buf): the payload, or one of
 * Suricata's header sticky buffers (detect-ipv4hdr.c and its siblings),
 * each the header's bytes as Suricata's GetData gives them:
 *   ipv4.hdr    the IPv4 header with its options (IHL * 4 bytes)
 *   ipv6.hdr    the IPv6 header and its extension headers
 *   tcp.hdr     the TCP header with its options (data offset * 4 bytes)
 *   udp.hdr     the 8-byte UDP header
 *   icmpv4.hdr  8 bytes, plus the 12 timestamp bytes of a (reply to a)
 *               timestamp request, plus the addresses of a router
 *               advertisement (decode-icmpv4.c's hlen)
 *   icmpv6.hdr  the 8-byte ICMPv6 header
 * A packet without the header fails every item of its buffer.
 */
enum weir_buf {
	WEIR_BUF_PAYLOAD = 0,
	WEIR_BUF_IPV4_HDR,
	WEIR_BUF_IPV6_HDR,
	WEIR_BUF_TCP_HDR,
	WEIR_BUF_UDP_HDR,
	WEIR_BUF_ICMPV4_HDR,
	WEIR_BUF_ICMPV6_HDR,
	WEIR_BUF_N,
};

static inline bool
weir_item_is_byte(unsigned int kind)
{
	return kind >= WEIR_ITEM_BYTE_TEST && kind <= WEIR_ITEM_ISDATAAT;
}

/* byte_test operators (weir_byteop.op), Suricata's DETECT_BYTETEST_OP_* */
enum weir_bt_op {
	WEIR_BT_EQ = 0,
	WEIR_BT_LT,
	WEIR_BT_GT,
	WEIR_BT_LE,
	WEIR_BT_GE,
	WEIR_BT_AND, /* (v & value) != 0 */
	WEIR_BT_XOR, /* "^" (documented as OR): (v ^ value) != 0 */
};

/* byte_math operators (weir_byteop.op) */
enum weir_bm_op {
	WEIR_BM_ADD = 0,
	WEIR_BM_SUB,
	WEIR_BM_MUL,
	WEIR_BM_DIV,
	WEIR_BM_SHL,
	WEIR_BM_SHR,
};

/* Byte variables (byte_extract, byte_math result) one rule may define. */
#define WEIR_BYTE_VARS_MAX 32

/*
 * What a byte keyword or isdataat says (rules_parse_byte.c fills it; the
 * confirm step runs it). A *_var field is the slot + 1 of the byte
 * variable that gives the value at run time, 0 when the value is the
 * literal beside it.
 */
struct weir_byteop {
	uint8_t nbytes;	       /* bytes read (with string: characters) */
	uint8_t nbytes_var;    /* byte_test, byte_jump, byte_math */
	uint8_t offset_var;    /* byte_test, byte_jump, isdataat (its position) */
	uint8_t value_var;     /* byte_test value, byte_math rvalue */
	uint8_t op;	       /* enum weir_bt_op or enum weir_bm_op */
	uint8_t base;	       /* string: 0 (strtoull's automatic base), 8, 10, 16 */
	uint8_t align;	       /* byte_jump: 4; byte_extract: 2 or 4; 0: none */
	uint8_t slot;	       /* byte_extract, byte_math: the variable it sets */
	uint8_t bitmask_shift; /* trailing zero bits of bitmask */
	bool neg;	       /* byte_test !op, isdataat:! */
	bool relative;
	bool little;		       /* little endian (else big) */
	bool string;		       /* the bytes are a number written in text */
	bool from_beginning, from_end; /* byte_jump */
	bool has_bitmask;
	uint16_t multiplier; /* byte_jump, byte_extract: >= 1 */
	int32_t offset;	     /* isdataat: unused (value holds the position) */
	int32_t post_offset; /* byte_jump */
	uint32_t bitmask;
	uint64_t value; /* byte_test value, byte_math rvalue, isdataat position */
	char *name;	/* byte_extract, byte_math: the variable's name (owned) */
};

/* pcre flags (weir_item.pcre_flags) */
#define WEIR_PCRE_I 0x1u /* caseless */
#define WEIR_PCRE_S 0x2u /* dot matches newline */
#define WEIR_PCRE_M 0x4u /* multiline ^ $ */
#define WEIR_PCRE_X 0x8u /* extended */

/*
 * One payload condition, in rule order. Relative items (has_distance or
 * has_within for content, `R` for pcre, `pan` never) are anchored at the
 * end of the previous item's match; the others search from the payload
 * start. `luhn` after an item sets that item's luhn flag.
 */
struct weir_item {
	enum weir_item_kind kind;
	bool negated;	   /* content:!"..." or pcre:!"/../" */
	bool nocase;	   /* content */
	bool fast_pattern; /* its chain is the one Hyperscan gets (no effect on
			      what matches) */
	bool fp_only;	   /* fast_pattern:only (parse-time checks only) */
	uint8_t buf;	   /* enum weir_buf: what it inspects */
	bool relative;	   /* content: has_distance || has_within; pcre: R */
	bool has_offset, has_depth, has_distance, has_within;
	int32_t offset;	  /* >= 0 */
	int32_t depth;	  /* >= 1, >= content length */
	int32_t distance; /* may be negative */
	int32_t within;	  /* >= 1, >= content length */
	bool luhn;	  /* match must contain a Luhn-valid digit run */
	uint8_t *bytes;	  /* content, escapes and |hex| decoded */
	uint32_t len;
	char *pcre;	     /* pcre pattern without delimiters (NUL terminated) */
	uint32_t pcre_flags; /* WEIR_PCRE_* */
	unsigned int col;    /* 1-based column of the keyword, for diagnostics */
	/* content: startswith (also sets depth = len), endswith (the match
	 * must end at the payload's end; also isdataat:!1,relative right after
	 * the content, as Suricata rewrites it) */
	bool startswith, endswith;
	/* content: offset/depth/distance/within from a byte variable (slot +
	 * 1; 0: the literal field above) */
	uint8_t offset_var, depth_var, distance_var, within_var;
	struct weir_byteop bop; /* the byte kinds and isdataat */
};

enum weir_thresh_type {
	WEIR_THRESH_NONE = 0,
	WEIR_THRESH_LIMIT,     /* alert on the first `count` per window */
	WEIR_THRESH_THRESHOLD, /* alert on every `count`-th */
	WEIR_THRESH_BOTH,      /* once per window, after `count` */
	WEIR_THRESH_DETECTION, /* detection_filter: alert after `count` */
	WEIR_THRESH_BACKOFF,   /* alert on the count-th, count*M-th, count*M^2-th
				  match (track by_flow only, no window) */
};

struct weir_thresh_spec {
	enum weir_thresh_type type;
	bool by_dst;	     /* track by_dst; by_src otherwise */
	bool by_flow;	     /* track by_flow (by_dst is then false): keyed on the
				packet's flow id; a packet without a flow never
				alerts (detect-engine-threshold.c) */
	bool by_rule;	     /* track by_rule: one counter per rule (per worker) */
	bool by_both;	     /* track by_both: keyed on the address pair, either
				direction (Suricata's IPPair) */
	uint32_t count;	     /* >= 1 */
	uint32_t seconds;    /* >= 1; 0 for backoff */
	uint32_t multiplier; /* backoff only, >= 1 */
};

/*
 * flow: options (weir_suri_rule.flow), Suricata's DETECT_FLOW_FLAG_*
 * (detect-flow.c). to_server/from_client and to_client/from_server are
 * one option each. only_stream is weir_suri_rule.stream_only (the
 * bits are full).
 */
enum weir_flow_opt {
	WEIR_FLOW_TOSERVER = 1u << 0,
	WEIR_FLOW_TOCLIENT = 1u << 1,
	WEIR_FLOW_ESTABLISHED = 1u << 2,
	WEIR_FLOW_NOT_ESTABLISHED = 1u << 3,
	WEIR_FLOW_STATELESS = 1u << 4,
	WEIR_FLOW_NO_STREAM = 1u << 5,
	WEIR_FLOW_ONLY_FRAG = 1u << 6,
	WEIR_FLOW_NO_FRAG = 1u << 7,
};

/*
 * One flowbits or flowint keyword of a rule, in rule order. Conditions are
 * part of the rule's match (Suricata's DETECT_SM_LIST_MATCH); actions run
 * only once the whole rule matched, in the order written (its
 * DETECT_SM_LIST_POSTMATCH).
 */
enum weir_fv_op {
	/* flowbits conditions: any name of the '|' group */
	WEIR_FB_ISSET = 0,
	WEIR_FB_ISNOTSET,
	/* flowbits actions (one name) */
	WEIR_FB_SET,
	WEIR_FB_UNSET,
	WEIR_FB_TOGGLE,
	/* flowint conditions: names[0] compared with the value */
	WEIR_FI_EQ,
	WEIR_FI_NE,
	WEIR_FI_LT,
	WEIR_FI_LE,
	WEIR_FI_GT,
	WEIR_FI_GE,
	WEIR_FI_ISSET,
	WEIR_FI_NOTSET,
	/* flowint actions: names[0] = value, += value, -= value */
	WEIR_FI_SET,
	WEIR_FI_ADD,
	WEIR_FI_SUB,
};

static inline bool
weir_fv_is_action(unsigned int op)
{
	return (op >= WEIR_FB_SET && op <= WEIR_FB_TOGGLE) || op >= WEIR_FI_SET;
}

static inline bool
weir_fv_is_flowint(unsigned int op)
{
	return op >= WEIR_FI_EQ;
}

struct weir_fvop {
	uint8_t op;	    /* enum weir_fv_op */
	uint8_t target_var; /* flowint: the value is the flowint names[1] */
	uint16_t n;	    /* names: the '|' group (flowbits), 1 or 2 (flowint) */
	uint32_t value;	    /* flowint: the number, when not target_var */
	char **names;	    /* owned */
	uint16_t *idx;	    /* per name: its bit or slot, set when the set is built */
	unsigned int col;   /* of the keyword, in the rule's joined text */
};

/*
 * Suricata's unsigned integer condition (rust/src/detect/uint.rs,
 * detect_match_uint): one operator and up to two arguments. RANGE is
 * exclusive (a < v < b), NEG_RANGE its complement (v <= a || v >= b).
 */
enum weir_uint_mode {
	WEIR_UINT_EQ = 0,
	WEIR_UINT_NE,
	WEIR_UINT_LT,
	WEIR_UINT_LE,
	WEIR_UINT_GT,
	WEIR_UINT_GE,
	WEIR_UINT_RANGE,
	WEIR_UINT_NEG_RANGE,
	WEIR_UINT_BITMASK,     /* (v & a) == b */
	WEIR_UINT_NEG_BITMASK, /* (v & a) != b */
};

struct weir_uint_cond {
	uint8_t mode; /* enum weir_uint_mode */
	uint64_t a, b;
};

/* The flow counter keywords (weir_fnum.kind). */
enum weir_fnum_kind {
	WEIR_FNUM_STREAM_SIZE = 0, /* stream_size: next_seq - isn, TCP session */
	WEIR_FNUM_AGE,		   /* flow.age: whole seconds */
	WEIR_FNUM_PKTS,		   /* flow.pkts, flow.pkts_toserver/_toclient */
	WEIR_FNUM_BYTES,	   /* flow.bytes, flow.bytes_toserver/_toclient */
};

/* Which side's counter (weir_fnum.dir); TOSERVER is the client's side
 * (weir_scan_flowinfo index 0, stream_size's "client"). */
enum weir_fnum_dir {
	WEIR_FNUM_TOSERVER = 0,
	WEIR_FNUM_TOCLIENT,
	WEIR_FNUM_EITHER, /* one side holds */
	WEIR_FNUM_BOTH,	  /* both sides hold */
};

/* One flow counter keyword of a rule: part of the rule's match; a packet
 * without a flow (or, for stream_size, without a TCP session) fails it. */
struct weir_fnum {
	uint8_t kind; /* enum weir_fnum_kind */
	uint8_t dir;  /* enum weir_fnum_dir (flow.age: unused) */
	struct weir_uint_cond c;
};

/** Does @p v satisfy @p c? Thread: any; per packet. */
static inline bool
weir_uint_match(const struct weir_uint_cond *c, uint64_t v)
{
	switch (c->mode) {
	case WEIR_UINT_EQ:
		return v == c->a;
	case WEIR_UINT_NE:
		return v != c->a;
	case WEIR_UINT_LT:
		return v < c->a;
	case WEIR_UINT_LE:
		return v <= c->a;
	case WEIR_UINT_GT:
		return v > c->a;
	case WEIR_UINT_GE:
		return v >= c->a;
	case WEIR_UINT_RANGE:
		return v > c->a && v < c->b;
	case WEIR_UINT_NEG_RANGE:
		return v <= c->a || v >= c->b;
	case WEIR_UINT_BITMASK:
		return (v & c->a) == c->b;
	case WEIR_UINT_NEG_BITMASK:
		return (v & c->a) != c->b;
	default:
		return false;
	}
}

/*
 * The header keywords (rules_parse_hdr.c parses them, rules_match_hdr.c
 * tests them per packet): one per keyword written, each a Suricata
 * condition on one header field. A packet that lacks the field (flags on
 * a UDP packet, itype on TCP, tos on IPv6, icmp_id on an ICMP type without
 * an id) fails the condition, as each keyword's Match does in Suricata.
 */
enum weir_hdr_kind {
	WEIR_HDR_TCP_FLAGS = 0, /* flags / tcp.flags: u8 on the flags byte */
	WEIR_HDR_ITYPE,		/* itype: u8, ICMP or ICMPv6 type */
	WEIR_HDR_ICODE,		/* icode: u8 */
	WEIR_HDR_ICMP_ID,	/* icmp_id: u16, echo-like types only */
	WEIR_HDR_ICMP_SEQ,	/* icmp_seq: u16, echo-like types only */
	WEIR_HDR_TTL,		/* ttl: u8, IPv4 TTL or IPv6 hop limit */
	WEIR_HDR_TOS,		/* tos: EQ or NE on the IPv4 TOS byte */
	WEIR_HDR_IP_ID,		/* id: u16, IPv4 identification */
	WEIR_HDR_IP_PROTO,	/* ip_proto: EQ, NE, LT or GT on the IP protocol */
	WEIR_HDR_SAMEIP,	/* sameip: source address == destination */
	WEIR_HDR_FRAGBITS,	/* fragbits: u16 on the IPv4 flags+offset field */
	WEIR_HDR_FRAGOFFSET,	/* fragoffset: u16, IPv4 offset (8-byte units),
				   IPv6 fragment header's offset */
	WEIR_HDR_IPOPTS,	/* ipopts: c.a = the WEIR_IPOPT_* bits wanted */
	WEIR_HDR_TCP_SEQ,	/* seq / tcp.seq: u32 */
	WEIR_HDR_TCP_ACK,	/* ack / tcp.ack: u32 */
	WEIR_HDR_TCP_WINDOW,	/* window / tcp.window: u16 */
	WEIR_HDR_TCP_MSS,	/* tcp.mss: u16, the MSS option's value */
	WEIR_HDR_ICMPV6_MTU,	/* icmpv6.mtu: u32, packet-too-big messages */
	WEIR_HDR_VLAN_ID,	/* vlan.id: u16 on the layer weir_hdr_cond.layer */
	WEIR_HDR_VLAN_LAYERS,	/* vlan.layers: u8 on the number of VLAN tags */
	WEIR_HDR_N,
};

/* IPv4 options as Suricata's decoder records them (decode-ipv4.h
 * IPV4_OPT_FLAG_*), for ipopts. */
enum weir_ipopt {
	WEIR_IPOPT_EOL = 1u << 0,
	WEIR_IPOPT_NOP = 1u << 1,
	WEIR_IPOPT_RR = 1u << 2,
	WEIR_IPOPT_TS = 1u << 3,
	WEIR_IPOPT_SEC = 1u << 4,
	WEIR_IPOPT_LSRR = 1u << 5,
	WEIR_IPOPT_ESEC = 1u << 6,
	WEIR_IPOPT_SSRR = 1u << 7,
	WEIR_IPOPT_SID = 1u << 8,
	WEIR_IPOPT_OTHER = 1u << 9, /* QS, CIPSO, RTRALT: decoded, no name */
	WEIR_IPOPT_ANY = 0x3ffu,
};

/* vlan.id's layer (weir_hdr_cond.layer) besides an index -3..2 (a
 * negative one counts from the innermost tag). */
#define WEIR_VLAN_ANY INT8_MIN /* some tag holds */
#define WEIR_VLAN_ALL INT8_MAX /* every tag holds (and there is one) */

struct weir_hdr_cond {
	uint8_t kind; /* enum weir_hdr_kind */
	int8_t layer; /* vlan.id: an index or WEIR_VLAN_ANY/ALL */
	struct weir_uint_cond c;
	unsigned int col; /* of the keyword, in the rule's joined text */
};

/* A header keyword's refusal (weir_hdr_kw_parse): where in the value and
 * why, for the parser's "file:line:col" diagnostic. */
struct weir_hdr_perr {
	const char *at; /* inside the value given, or NULL: at the keyword */
	char msg[224];
};

/*
 * field: and window: (rules_parse_window.c). The parser keeps, while it
 * reads one rule, where each clause was (for diagnostics) and the names
 * window: uses, resolved against the rule's fields at its end (a field:
 * may follow the window: that uses it).
 */
struct weir_wparse {
	struct {
		char name[WEIR_RFIELD_NAME_MAX + 1];
		const char *at; /* in the rule text */
		int8_t *slot;	/* where its field index goes (in r->win) */
		uint8_t need_time;
	} ref[WEIR_RWIN_KEY_MAX + WEIR_RWIN_COND_MAX + 1];
	unsigned int n_ref;
	const char *field_at; /* the first field: keyword */
	const char *field_val[WEIR_RFIELD_MAX];
	size_t field_len[WEIR_RFIELD_MAX];
	const char *win_at; /* the window: keyword */
	const char *win_val;
	size_t win_len;
	const char *thresh_at; /* a threshold or detection_filter keyword */
};

/* A field:/window: refusal: where in the rule text, and why. */
struct weir_wperr {
	const char *at; /* NULL: at the keyword */
	char msg[224];
};

/** field:NAME,EXTRACTOR,... into r->fields. @return 0, -EINVAL (*@p e
 *  filled), -ENOMEM. */
int weir_field_kw_parse(struct weir_suri_rule *r, struct weir_wparse *wp, const char *val,
			size_t len, struct weir_wperr *e);

/** window:CLAUSE, CLAUSE, ... into r->win. @return as above. */
int weir_window_kw_parse(struct weir_suri_rule *r, struct weir_wparse *wp, const char *val,
			 size_t len, struct weir_wperr *e);

/** At the end of a rule: resolve window:'s names, check what needs the
 *  whole rule, compute the clause hash. @return as above. */
int weir_window_finish(struct weir_suri_rule *r, struct weir_wparse *wp, struct weir_wperr *e);

/** After the rule's buffers are split (its payload items alone in
 *  r->items): resolve pcre and byte_extract fields to the rule's items
 *  and build r->fprog for them. @return as above. */
int weir_field_finish(struct weir_suri_rule *r, struct weir_wparse *wp, struct weir_wperr *e);

/** Is @p name (@p len bytes, any case) a header keyword of
 *  rules_parse_hdr.c? Thread: any. */
bool weir_hdr_kw_known(const char *name, size_t len);

/**
 * Parse header keyword @p kw (a name weir_hdr_kw_known() accepted) with
 * value [@p val, @p val + @p len) (NULL for none; blanks already trimmed)
 * into @p r, as Suricata's Setup for it parses and checks it (including
 * what it refuses in combination with the rule's protocol and its earlier
 * keywords). @p col is the keyword's column in the joined rule text.
 * @return 0, -EINVAL with @p e filled, or -ENOMEM. Thread: control.
 */
int weir_hdr_kw_parse(struct weir_suri_rule *r, const char *kw, const char *val, size_t len,
		      unsigned int col, struct weir_hdr_perr *e);

/**
 * Suricata's unsigned integer condition parser (rust/src/detect/uint.rs
 * detect_parse_uint) over [@p p, @p end), values at most @p max
 * (rules_parse_suri.c). @return true, or false with *@p err_at and *@p why.
 */
bool weir_uint_parse(const char *p, const char *end, uint64_t max, struct weir_uint_cond *c,
		     const char **err_at, const char **why);

/* A threshold-file `suppress ..., track T, ip LIST` entry of one rule. */
enum weir_supp_track {
	WEIR_SUPP_SRC = 0,
	WEIR_SUPP_DST,
	WEIR_SUPP_EITHER,
};

struct weir_suppress {
	enum weir_supp_track track;
	struct weir_addrset ips;
};

struct weir_suri_rule {
	enum weir_action action;
	enum weir_rproto proto;
	struct weir_addrset src, dst;
	struct weir_portset sport, dport;
	bool bidir;		 /* <> */
	uint32_t sid, rev, gid;	 /* rev and gid default to 1 */
	char *msg;		 /* "" when absent */
	char *classtype;	 /* NULL when absent */
	uint32_t priority;	 /* priority keyword, else the classtype's, else 3 */
	char *metadata;		 /* "k v, k v" as written (all metadata keywords
				    joined by ", "), NULL when absent */
	char *reference;	 /* same for reference */
	char *eve_metadata;	 /* EVE alert.metadata: a JSON object, keys grouped
				    as Suricata groups them; NULL = none */
	char *eve_references;	 /* EVE alert.references: a JSON array of each
				    reference as Suricata writes it; NULL = none */
	struct weir_item *items; /* the payload's (buf WEIR_BUF_PAYLOAD) */
	unsigned int n_items;
	struct weir_item *hitems; /* the header sticky buffers' items, in rule
				     order (the parser moves them here) */
	unsigned int n_hitems;
	uint8_t ip_only;	     /* 4 or 6: ipv4.hdr, icmpv4.hdr (4), ipv6.hdr,
					icmpv6.hdr (6) limit the rule to that IP
					version (Suricata's DETECT_PROTO_IPV4/6) */
	uint8_t target;		     /* target: 0 none, 1 src_ip, 2 dest_ip (kept for
					EVE alert.source/target) */
	bool has_dsize;		     /* a dsize keyword (one per rule) */
	bool tcp_pkt;		     /* protocol tcp-pkt: a tcp rule inspected per
					packet only (Suricata's packet rule type);
					weir inspects per packet anyway */
	struct weir_uint_cond dsize; /* Suricata's u16 condition on the payload size */
	struct weir_hdr_cond *hdr;   /* header keywords (ttl, flags, itype, ...), in
					rule order, every one must hold */
	unsigned int n_hdr;
	struct weir_thresh_spec threshold;
	struct weir_thresh_spec detection_filter;
	struct weir_suppress *supp; /* threshold-file suppress entries with an
				       address (one without is noalert) */
	unsigned int n_supp;
	bool has_flow;			      /* a flow: keyword */
	uint8_t flow;			      /* enum weir_flow_opt bits of it */
	bool stream_only;		      /* flow:only_stream or tcp-stream: a stream
						 rule (app/stream.h) */
	bool tcp_stream;		      /* the protocol was tcp-stream */
	unsigned int stream_line, stream_col; /* where only_stream or tcp-stream is */
	bool noalert;			      /* flowbits:noalert */
	struct weir_fvop *fv;		      /* flowbits and flowint keywords, in rule order */
	unsigned int n_fv;
	uint32_t fv_order;	/* rank in Suricata's signature order, for rules with
				   fv (set when the set is built) */
	struct weir_fnum *fnum; /* stream_size, flow.age/pkts/bytes, in rule order */
	unsigned int n_fnum;
	uint64_t ev_mask; /* decode-event, stream-event, engine-event: the events
			     (WEIR_PEV_BIT of enum weir_pkt_event) the packet must all
			     carry (Suricata ANDs the keywords) */
	char *file;	  /* owned */
	unsigned int line;
	char *text;		    /* the rule as written (joined continuation lines) */
	struct weir_rfield *fields; /* field: keywords, in rule order (owned) */
	unsigned int n_fields;
	struct weir_rwin *win; /* window:, NULL when none (owned) */
	/* with pcre or byte_extract fields: the payload's confirm program
	 * built to capture (weir_sprog_build_fields), which the worker runs
	 * again on a match to read them (rules_field_rule.c); NULL when none
	 * (owned) */
	struct weir_sprog *fprog;
};

/**
 * The value @p val (@p len bytes) of decode-event, stream-event or
 * engine-event (@p kw names which), as Suricata reads it
 * (rules_parse_event.c). @return its enum weir_pkt_event (common/dec_event.h),
 * or -1 with the reason in @p err: unknown event, or one weir does not
 * raise ("not supported yet").
 */
int weir_event_parse(const char *kw, const char *val, size_t len, char *err, size_t errlen);

struct weir_suri_rule_list {
	struct weir_suri_rule *v;
	unsigned int n, cap;
};

/**
 * Read Suricata's threshold.config format from @p path and apply it to
 * @p rules (rules_parse_threshconf.c, util-threshold-config.c and doc
 * configuration/global-thresholds.rst):
 *   suppress gen_id G, sig_id S[, track by_src|by_dst|by_either, ip LIST]
 *   threshold|event_filter gen_id G, sig_id S, type limit|threshold|both,
 *       track by_src|by_dst|by_both|by_rule, count N, seconds T
 * sig_id 0 names every rule (of gen_id G, or of every gid when G is 0);
 * a threshold entry replaces the rule's threshold and detection_filter
 * (for sig_id 0: only on rules that have neither). `rate_filter` is refused
 * by name. Each bad line adds one diagnostic "file:line:col: keyword:
 * reason" and is skipped. Entries for rules not in @p rules do nothing.
 * @return number of bad lines (>= 0), or -errno when the file cannot be
 *         read (one diagnostic, line 0).
 * Thread: control.
 */
int weir_threshconf_apply(const char *path, const struct weir_rule_vars *vars,
			  struct weir_suri_rule_list *rules, struct weir_diags *diags);

/**
 * Parse threshold.config @p text (named @p file in diagnostics) and apply
 * it as weir_threshconf_apply() does. @return the number of bad lines, or
 * -ENOMEM.
 */
int weir_threshconf_apply_text(const char *file, const char *text,
			       const struct weir_rule_vars *vars, struct weir_suri_rule_list *rules,
			       struct weir_diags *diags);

/**
 * Parse one .rules file, appending every rule that parsed to @p out.
 * Lines: rules, blank lines, '#' comments (a commented-out rule is a
 * comment), a trailing '\' continues a rule on the next line. Each bad
 * rule adds one diagnostic "file:line:col: keyword: reason" and is
 * skipped; parsing goes on. Duplicate sid (gid+sid) across everything in
 * @p out is an error naming the first place.
 * @return number of bad rules (>= 0), or -errno when the file cannot be
 *         read (one diagnostic, line 0).
 * Thread: control.
 */
int weir_rules_parse_suri_file(const char *path, const struct weir_rule_vars *vars,
			       struct weir_suri_rule_list *out, struct weir_diags *diags);

/** Parse one rule text (no trailing newline). @return 0, or -EINVAL with one
 *  diagnostic added (the rule is not appended). */
int weir_rules_parse_suri_rule(const char *file, unsigned int line, const char *text,
			       const struct weir_rule_vars *vars, struct weir_suri_rule_list *out,
			       struct weir_diags *diags);

/** Free what @p r owns (not @p r: rules live by value in a list) and zero
 *  it; the list form frees every rule and the array (both NULL safe).
 *  Thread: control, once no built rule set points into the list. */
void weir_suri_rule_free(struct weir_suri_rule *r);
void weir_suri_rule_list_free(struct weir_suri_rule_list *l);

/* ---- parse: byte keywords and isdataat (rules_parse_byte.c) -------- */

/* Where and why a byte keyword's value was refused. */
struct weir_byte_err {
	size_t off; /* byte offset in the value of the problem */
	char msg[200];
};

/**
 * Parse the value [val, val+len) of byte_test, byte_jump, byte_extract,
 * byte_math or isdataat (@p kind) into @p it (kind and bop; nothing else
 * is touched) as Suricata's parser reads it. A variable it names must be
 * the result of an earlier byte_extract or byte_math among @p r's items;
 * byte_extract and byte_math take the next free variable slot. dce is
 * refused by name (it needs the DCERPC parser).
 * @return 0, -EINVAL (@p e says where and why; bop.name may need
 *         freeing: the caller frees it), -ENOMEM. Thread: control.
 */
int weir_parse_byte(enum weir_item_kind kind, const char *val, size_t len,
		    const struct weir_suri_rule *r, struct weir_item *it, struct weir_byte_err *e);

/** The slot of byte variable [name, name+len) among @p r's items so far
 *  that inspect buffer @p buf (enum weir_buf: Suricata looks a variable up
 *  in the keyword's own list), looked up as Suricata does (byte_extract
 *  first, then byte_math; the first definition wins), or -1.
 *  Thread: control. */
int weir_byte_var_find(const struct weir_suri_rule *r, unsigned int buf, const char *name,
		       size_t len);

/*
 * strtoull(3) in the C locale over [s, s+n) (no NUL needed), which is how
 * Suricata reads numbers written in text (ByteExtractString): leading
 * blanks, an optional sign (a '-' negates modulo 2^64), then digits of
 * @p base; base 16 takes an optional 0x, base 0 picks 16 for 0x, 8 for a
 * leading 0 and 10 otherwise. *used gets the characters consumed.
 * @return 0, -EINVAL (no digits), -ERANGE (above 2^64 - 1).
 * Thread: any; per packet (no allocation, no locale).
 */
static inline int
weir_strtou64(const char *s, size_t n, unsigned int base, uint64_t *out, size_t *used)
{
	size_t i = 0, start;
	uint64_t v = 0;
	bool neg = false, over = false;

	while (i < n && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r')))
		i++;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	if ((base == 0 || base == 16) && i + 2 < n && s[i] == '0' && (s[i + 1] | 0x20) == 'x' &&
	    ((s[i + 2] >= '0' && s[i + 2] <= '9') ||
	     ((s[i + 2] | 0x20) >= 'a' && (s[i + 2] | 0x20) <= 'f'))) {
		base = 16;
		i += 2;
	} else if (base == 0) {
		base = i < n && s[i] == '0' ? 8 : 10;
	}
	for (start = i; i < n; i++) {
		unsigned int c = (unsigned char)s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
			d = (c | 0x20) - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		if (v > (UINT64_MAX - d) / base)
			over = true;
		v = v * base + d;
	}
	if (i == start) {
		*used = 0;
		return -EINVAL;
	}
	*used = i;
	if (over)
		return -ERANGE;
	*out = neg ? (uint64_t)0 - v : v;
	return 0;
}

/** Built-in classification (Suricata's classification.config):
 *  @return priority 1..4 of @p classtype, or 0 when unknown; *description
 *  (when not NULL) points into a static table. Thread: any. */
unsigned int weir_classtype_priority(const char *classtype, const char **description);

/* ---- match: the `pan` scanner and Luhn (rules_pan.c) ---------------- */

/* struct weir_pan_match: rules.h */

/** Luhn check over @p n ASCII digits (separators not allowed here).
 *  Thread: any; no allocation. */
bool weir_luhn_ok(const uint8_t *digits, size_t n);

/**
 * Find card numbers in @p data: 13 to 19 digits, contiguous or in the usual
 * groups (4-4-4-4, 4-6-5, 4-4-4-4-3, ...) split by single spaces or dashes,
 * not inside a longer letter-or-digit token, that pass the Luhn check and
 * start with a known issuer prefix (the full definition: rules_pan.c).
 * Writes at most @p max matches in order of start.
 * @return number of matches found (may exceed @p max: only @p max written).
 * Hot path: no allocation.
 */
unsigned int weir_pan_scan(const uint8_t *data, size_t len, struct weir_pan_match *out,
			   unsigned int max);

/** Does [data, data+len) contain a Luhn-valid run of 13..19 consecutive
 *  digits (the `luhn` keyword's check of a match)? Thread: any; no
 *  allocation. */
bool weir_luhn_in(const uint8_t *data, size_t len);

/* ---- match: header keywords (rules_match_hdr.c) ------------------- */

/** Do every header condition of @p s (s->hdr) hold for @p p? A packet
 *  without the header a keyword reads fails it. Thread: any; per packet,
 *  no allocation. */
bool weir_hdr_match(const struct weir_suri_rule *s, const struct weir_scan_pkt *p);

/** The bytes of header sticky buffer @p buf (enum weir_buf, not the
 *  payload) in @p p, as Suricata's GetData for it gives them. @return
 *  false when the packet has no such header (every item on it fails).
 *  Thread: any; per packet, no allocation. */
bool weir_hdr_buf(const struct weir_scan_pkt *p, unsigned int buf, const uint8_t **data,
		  uint32_t *len);

/* ---- compile: payload items -> Hyperscan (rules_compile_hs.c) ------- */

/* One Hyperscan expression of a plan. */
struct weir_hs_expr {
	char *expr;	    /* NUL-terminated, for hs_compile_ext_multi */
	unsigned int flags; /* HS_FLAG_*: DOTALL etc., PREFILTER when used;
			       never SINGLEMATCH/QUIET (the compiler adds) */
	bool has_ext;
	hs_expr_ext_t ext; /* min_offset/max_offset bounds */
	bool negated;	   /* appears negated in the combination */
	bool fast_pattern; /* holds the rule's fast_pattern content: the chain
			      weir_compile_one_chain() gives Hyperscan */
};

/*
 * How one rule's payload items are decided by Hyperscan. Items split into
 * chains (an absolute item and the relative items that follow it); each
 * chain becomes one expression. One expression: it is the rule's match.
 * Several: the compiler makes them HS_FLAG_QUIET and adds a logical
 * combination (AND of all, `!` for negated ones) as the rule's match.
 */
struct weir_hs_plan {
	struct weir_hs_expr *sub;
	unsigned int n_sub; /* 0 when `always` */
	bool exact;	    /* true: a plan match is exactly the payload conditions;
			       false: candidates must be confirmed by weir_sprog_match */
	bool always;	    /* nothing Hyperscan can look for (no items, only
			       negated items, only pan): the rule is a candidate for
			       every packet of its group, confirmed by weir_sprog_match
			       when it has items */
};

/**
 * Translate @p r's items. @return 0, or -EINVAL with a reason in @p err
 * (e.g. pcre rejected by Hyperscan even in prefilter mode, with its text)
 * and the offending item's column in @p err_col; -ENOMEM.
 * Thread: control. *out is the caller's (weir_hs_plan_free()).
 */
int weir_hs_plan_build(const struct weir_suri_rule *r, struct weir_hs_plan *out, char *err,
		       size_t errlen, unsigned int *err_col);
/** Free what @p p owns and zero it (NULL safe). Thread: control. */
void weir_hs_plan_free(struct weir_hs_plan *p);

/** The longest match of pcre item @p it as Hyperscan measures it
 *  (hs_expression_info max_width, with the prefilter's approximation when
 *  Hyperscan cannot take it as is). @return false when unbounded or
 *  unreadable. Thread: control. */
bool weir_pcre_max_width(const struct weir_item *it, uint32_t *out);

/* ---- the confirm step: built by rules_compile_confirm.c, run per
 *      packet by rules_match_confirm.c -------------------------------- */

struct weir_sprog;     /* one rule's items, pcre2 patterns compiled */
struct weir_match_ctx; /* per worker: pcre2 match data, pan cache */

/** Compile @p r's items (PCRE2 for pcre items). @return 0, or -EINVAL with
 *  PCRE2's reason in @p err and the item's column; -ENOMEM. A rule with no
 *  items gives a program that always matches. Thread: control; *out is
 *  the caller's (weir_sprog_free()) and does not point into @p r. */
int weir_sprog_build(const struct weir_suri_rule *r, struct weir_sprog **out, char *err,
		     size_t errlen, unsigned int *err_col);
/** Free a program (NULL safe). Thread: control, once no worker can run it. */
void weir_sprog_free(struct weir_sprog *p);

/* Capture groups a field can name: 1..9 (field:NAME,pcre,N). */
#define WEIR_SPROG_CAPS 10

/**
 * weir_sprog_build() for weir_sprog_capture(): the same program, except
 * that item @p cap_item (a pcre, or -1 for none) is compiled with its
 * groups capturing (PCRE numbering: every `(` that is not `(?`, named
 * groups included), which changes no match. *@p n_groups: that pattern's
 * capture groups. Thread: control.
 */
int weir_sprog_build_fields(const struct weir_suri_rule *r, int cap_item, struct weir_sprog **out,
			    unsigned int *n_groups, char *err, size_t errlen,
			    unsigned int *err_col);

/* What one weir_sprog_capture() saw. */
struct weir_sprog_caps {
	/* capture group g of the capture item's last match in the chain
	 * that matched: [start[g], end[g]) of the payload; start UINT32_MAX
	 * when the group took no part */
	uint32_t start[WEIR_SPROG_CAPS], end[WEIR_SPROG_CAPS];
	uint64_t vals[WEIR_BYTE_VARS_MAX]; /* byte_extract/byte_math values */
};

/**
 * weir_sprog_match() that also records what a rule's fields read: the
 * capture item's groups and the byte variables, as they were on the
 * chain of matches that made the rule hold (Suricata's captures are
 * taken from the successful pcre match, byte values from the last
 * evaluation: both are those of the final chain). Thread: @p ctx's
 * worker; allocates nothing.
 */
bool weir_sprog_capture(const struct weir_sprog *p, const uint8_t *payload, uint32_t len,
			struct weir_match_ctx *ctx, struct weir_sprog_caps *out);

/** A worker's confirm-step context (PCRE2 match data, pan cache), owned
 *  by the rule set's per-worker state. NULL with errno ENOMEM.
 *  Thread: control (at build); used only by its worker afterwards. */
struct weir_match_ctx *weir_match_ctx_new(void);
/** Free @p c (NULL safe). Thread: control, once its worker is done. */
void weir_match_ctx_free(struct weir_match_ctx *c);

/** Forget per-packet caches (the pan scan of the last payload). Call once
 *  per packet before the first weir_sprog_match(). Thread: @p c's worker. */
void weir_match_ctx_reset(struct weir_match_ctx *c);

/** Take @p found as the `pan` answer for the buffer [@p data, +@p len)
 *  until the next reset: a stream's card scanner decided it (a stream
 *  chunk's pan rules). Thread: the owning worker. */
void weir_match_ctx_pan_set(struct weir_match_ctx *c, const uint8_t *data, uint32_t len,
			    bool found);

/**
 * Suricata's payload inspection of @p p over [payload, payload+len):
 * every item holds, relative items backtracking over earlier matches as
 * Suricata does. Hot path: no allocation, no syscall.
 */
bool weir_sprog_match(const struct weir_sprog *p, const uint8_t *payload, uint32_t len,
		      struct weir_match_ctx *ctx);

/* ---- match: threshold / detection_filter (rules_thresh.c) ---------- */

struct weir_thresh_table; /* per worker, fixed capacity, no locks */

/** @p capacity entries (rounded up to a power of two). NULL on ENOMEM.
 *  Thread: control (at build); the table then belongs to one worker. */
struct weir_thresh_table *weir_thresh_new(unsigned int capacity);
/** Free @p t (NULL safe). Thread: control, once its worker is done. */
void weir_thresh_free(struct weir_thresh_table *t);

/**
 * Account one match of rule @p rule_idx for the tracked key @p addr
 * (16 bytes: the address, v4-mapped for IPv4; for by_flow the flow id in
 * the first 8 bytes, the rest zero) at @p now_ns (packet time) and say
 * whether it raises an alert under @p spec. When the table is full the
 * oldest entry in the probe window is evicted (counted).
 * Hot path: no allocation.
 */
bool weir_thresh_check(struct weir_thresh_table *t, const struct weir_thresh_spec *spec,
		       uint32_t rule_idx, const uint8_t *addr, uint64_t now_ns);

/** Entries evicted so far (a bounded table forgets; this says how often).
 *  Thread: its worker, or any with a relaxed view of the count. */
uint64_t weir_thresh_evictions(const struct weir_thresh_table *t);

/* Key length of weir_thresh_check_key: two addresses (by_both), or one
 * address / a flow id / nothing (by_rule), zero-padded. */
#define WEIR_THR_KEY_LEN 32

/* weir_thresh_check with the full @p key (WEIR_THR_KEY_LEN bytes);
 * weir_thresh_check is this with @p addr then 16 zero bytes. */
bool weir_thresh_check_key(struct weir_thresh_table *t, const struct weir_thresh_spec *spec,
			   uint32_t rule_idx, const uint8_t *key, uint64_t now_ns);

/* ---- compile: flow, flowbits, flowint (rules_compile_flow.c) ------- */

/* The flowbit and flowint names of a set being built: a name's index is
 * its bit (weir_flowvars.bits) or slot (weir_flowvars.ints). The names
 * point into the parsed rules. */
struct weir_fvnames {
	const char *bits[WEIR_FLOWBITS_MAX];
	unsigned int n_bits;
	const char *ints[WEIR_FLOWINTS_MAX];
	unsigned int n_ints;
};

/**
 * Number @p s's flowbit and flowint names into @p t (fills each
 * weir_fvop.idx). @return 0, or -EINVAL with a diagnostic at the name that
 * would be the 129th flowbit (or 5th flowint) of the set.
 * Thread: control.
 */
int weir_compile_flow_names(struct weir_fvnames *t, struct weir_suri_rule *s,
			    struct weir_diags *diags);

/** The flow: check of @p s as weir_rt_rule.flow_mask/flow_want. */
void weir_compile_flow_check(const struct weir_suri_rule *s, uint8_t *mask, uint8_t *want);

/* The sides of weir_ruleset.dir_db (rules.h) a rule can apply to. */
#define WEIR_DIR_SERVER 1u /* packets without WEIR_SCAN_FLOW_TOCLIENT */
#define WEIR_DIR_CLIENT 2u /* packets with it */

/** The sides (WEIR_DIR_* bits) on which a rule whose flow check is
 *  @p mask / @p want (weir_compile_flow_check()) can match a packet:
 *  both for a rule without a direction, 0 for one that never matches.
 *  Exact: the other flow bits (established, fragment, first) do not
 *  depend on the side. Thread: any. */
unsigned int weir_compile_flow_dirs(uint8_t mask, uint8_t want);

/** Rank every rule of @p l that has flowbits or flowint in Suricata's
 *  signature order (detect-engine-sigorder.c: action, flowbits use,
 *  flowint use, priority, sid) into fv_order. @return 0 or -ENOMEM. */
int weir_compile_flow_order(struct weir_suri_rule_list *l);

/* A warning (rs->warnings) when stream-event rules cannot match: the set
 * has no stream rule, so no stream engine runs. @return 0 or -ENOMEM. */
int weir_compile_event_warnings(struct weir_ruleset *rs);

/** Add to @p rs->warnings Suricata's load-time warning for each flowbit
 *  that rules check (isset) but no rule sets. @return 0 or -ENOMEM. */
int weir_compile_flow_warnings(struct weir_ruleset *rs, const struct weir_fvnames *t);

/* ---- compile: compiled-database cache (rules_dbcache.c) ------------ */

struct weir_dbkey {
	uint8_t sha256[32];
};

/**
 * Key of one compile: SHA-256 over every input of hs_compile_ext_multi
 * (expressions, flags, ids, ext fields, mode), @p weir_compiler_version,
 * hs_version() and this host's hs_platform_info_t.
 * @return 0, -EINVAL (bad arguments), -ENOMEM or -EIO (a libcrypto
 * failure). Thread: control.
 */
int weir_dbkey_compute(const char *const *exprs, const unsigned int *flags, const unsigned int *ids,
		       const hs_expr_ext_t *const *ext, unsigned int n, unsigned int mode,
		       const char *weir_compiler_version, struct weir_dbkey *out);

/**
 * Load the database cached under @p key in directory @p dir.
 * @return 0 (hit, *db set), -ENOENT (miss), -EINVAL (entry corrupt, for
 *         another Hyperscan version or platform: it is removed and the
 *         caller rebuilds; never trusted), or another -errno.
 * Thread: control (file I/O). *db is the caller's (hs_free_database()).
 */
int weir_dbcache_load(const char *dir, const struct weir_dbkey *key, hs_database_t **db);

/** Store @p db under @p key (write to a temp file, fsync, rename: readers
 *  never see half an entry; creates @p dir). @return 0 or -errno.
 *  Thread: control (file I/O); @p db stays the caller's. */
int weir_dbcache_store(const char *dir, const struct weir_dbkey *key, const hs_database_t *db);

/**
 * Bound the cache in @p dir: keep the most recently used entries (by mtime,
 * which a store sets and a load that hits refreshes) while they number at
 * most @p max_entries and weigh at most @p max_bytes, and remove the rest,
 * except entries used since @p keep_since (NULL: none; the build that just
 * ran passes its start, so its own entries stay whatever the bounds).
 * Files that are not entries (other names, temporaries) are left alone.
 * @return 0 (also when @p dir does not exist), -EINVAL or -errno of
 *         opendir, or -ENOMEM; *@p n_removed (may be NULL) the entries
 *         removed. Thread: control.
 */
int weir_dbcache_prune(const char *dir, unsigned int max_entries, uint64_t max_bytes,
		       const struct timespec *keep_since, unsigned int *n_removed);

/*
 * One worker's private state for one rule set. Written by that worker
 * only, except hits[], which the control side reads with relaxed loads
 * (a torn read of a 64-bit counter cannot happen on x86-64).
 */
struct weir_rs_worker {
	hs_scratch_t *scratch;
	uint32_t *seen; /* per rule: seq of the packet that last
			   evaluated it (one verdict per packet) */
	uint32_t seq;
	uint32_t n_matched;
	uint32_t *matched;	       /* this packet's rules that matched, in order */
	uint32_t *match_end;	       /* their match offsets */
	uint64_t *hits;		       /* per rule: alerts raised (pass: matches) */
	struct weir_thresh_table *thr; /* NULL when no rule has a threshold */
	struct weir_match_ctx *mctx;   /* NULL when no rule needs confirming */
	/* what the current scan looks at */
	const struct weir_ruleset *rs;
	const struct weir_scan_pkt *pkt;
	uint8_t pass;	 /* a pass rule matched this packet */
	uint8_t aclass;	 /* the packet's address class for the header
			    checks (rules_match.c SCAN_AC_V4), 0: none */
	uint8_t acbit;	 /* 1 << the packet's address class, 0: none (a rule
			    whose amask lacks it cannot match) */
	uint32_t n_fv;	 /* of matched[]: rules with WEIR_RT_FVAR */
	uint32_t *fv_at; /* their positions in matched[]; NULL when no rule
			    of the set has flowbits or flowint */
} __attribute__((aligned(64)));

/* ---- header prefilter of `always` rules (rules_compile.c builds it,
 * rules_match.c reads it) ---------------------------------------------- */

/*
 * Suricata's packet header prefilter engines (detect-engine-prefilter-
 * common.c, detect-tcp-flags.c PrefilterSetupTcpFlags) for the rules of a
 * group that have no Hyperscan expression: instead of considering each of
 * them on every packet, a packet takes the list of its key, the rules
 * that can still match it. The key is two header facts scan_consider()
 * would otherwise test per rule:
 *  - the TCP flags byte (WEIR_HDRPF_NOTCP for a packet without a TCP
 *    header, where every flags condition fails): a rule with flags is
 *    on the lists of the bytes its conditions accept, computed at build
 *    with the same weir_uint_match() the header check runs;
 *  - mid-flow (a packet of a flow that is not its direction's first):
 *    IP-only rules (WEIR_RT_IPONLY) are not on those lists.
 * Each list keeps the group's `always` order, so the rules considered,
 * and the order of their alerts, are those of the plain list less the
 * rules that would have failed; scan_consider() still runs every check.
 * Lists that are equal are stored once.
 */
#define WEIR_HDRPF_NOTCP 256u
#define WEIR_HDRPF_KEYS	 257u

struct weir_hdrpf_list {
	uint32_t off; /* into weir_hdrpf.rules */
	uint32_t n;
};

struct weir_hdrpf {
	/* [mid-flow][TCP flags byte, or WEIR_HDRPF_NOTCP] */
	struct weir_hdrpf_list list[2][WEIR_HDRPF_KEYS];
	/* idx[side] holds IP-only rules alone: a mid-flow packet skips it */
	uint8_t idx_iponly[2];
	uint32_t n_rules; /* of rules[], every list's entries */
	uint32_t rules[];
};

/* ---- compile internals (rules_compile.c) ---------------------------- */

/**
 * Compile the parsed lists (either may be NULL; both taken over: emptied,
 * on failure too) into a rule set, as weir_ruleset_build() does for one
 * signature list. @p parse_bad: rules the parsers already refused
 * (skip_invalid), so that n_skipped counts every skipped rule.
 * @return the set, or NULL with errno. Thread: control; the caller owns
 * the set.
 */
struct weir_ruleset *weir_compile_lists(struct weir_sig_rule_list *sig,
					struct weir_suri_rule_list *suri,
					const struct weir_ruleset_opts *opts,
					struct weir_diags *diags, unsigned int parse_bad);

/** Free @p rt's header buffer programs and zero them (NULL safe inside).
 *  Thread: control, once no worker can run them. */
void weir_rt_hbuf_free(struct weir_rt_rule *rt);

/** Suricata's dsize-as-depth on @p s's contents (see rules_compile.c);
 *  applied before weir_hs_plan_build(). Exposed for the same reason. */
void weir_compile_dsize_depth(struct weir_suri_rule *s);

/**
 * The compiler's policy for a plan of rules_compile_hs.c: keep only the most
 * selective positive chain when there are several or any negated part
 * (logical combinations cost ~7 ns per packet each), and leave the rest
 * to the confirm step. Exposed so benchmarks compile what weir compiles.
 */
void weir_compile_one_chain(struct weir_hs_plan *p);

#endif /* WEIR_RULES_INT_H */
