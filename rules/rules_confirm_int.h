/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The confirm step's program: what rules_compile_confirm.c builds from a
 * parsed Suricata rule on the control side and rules_match_confirm.c runs
 * per packet on the workers. A built program is immutable and shared by
 * every worker. Only those two files include this header.
 */
#ifndef WEIR_RULES_CONFIRM_INT_H
#define WEIR_RULES_CONFIRM_INT_H

#include <stdbool.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rules_int.h"

/*
 * Suricata's pcre defaults (SC_MATCH_LIMIT_DEFAULT and
 * SC_MATCH_LIMIT_RECURSION_DEFAULT in detect-pcre.h), which it applies to
 * every pcre without the `O` flag: a pattern that needs more backtracking
 * than this on a packet is "no match" there, in Suricata and here. This is
 * what keeps a hostile pattern ((a+)+$ on a run of a's) from holding a
 * worker: the match limit caps the work of one pcre2_match() call (the JIT
 * honours it too), and with SM_STEP_LIMIT calls at most this many times
 * per packet and rule.
 */
#define SM_PCRE_MATCH_LIMIT 3500
#define SM_PCRE_DEPTH_LIMIT 1500

/* Flags an item receives from the relative items after it (Suricata's
 * DETECT_CONTENT_WITHIN_NEXT, DETECT_CONTENT_DISTANCE_NEXT and
 * DETECT_PCRE_RELATIVE_NEXT). */
#define SM_WITHIN_NEXT	      0x1u
#define SM_DISTANCE_NEXT      0x2u
#define SM_RELATIVE_NEXT      (SM_WITHIN_NEXT | SM_DISTANCE_NEXT)
#define SM_PCRE_RELATIVE_NEXT 0x4u

struct sm_item {
	enum weir_item_kind kind;
	bool negated;
	bool nocase;
	bool relative; /* content: distance or within; pcre: R */
	bool luhn;
	bool has_offset, has_depth, has_distance, has_within;
	bool never;    /* content with luhn whose bytes hold no valid run */
	bool endswith; /* content: the match must end at the payload's end */
	uint8_t offset_var, depth_var, distance_var, within_var; /* slot + 1, 0 none */
	unsigned int next;					 /* SM_*_NEXT */
	int32_t offset, depth, distance, within;
	uint8_t *bytes; /* content; folded to lower case when nocase */
	uint32_t len;
	uint32_t *skip; /* nocase: Horspool shift per (folded) byte */
	pcre2_code *code;
	struct weir_byteop bop; /* byte keywords, isdataat (name not kept) */
};

struct weir_sprog {
	unsigned int n;
	unsigned int n_vars;	   /* byte variables the items set (slots 0..n_vars-1) */
	bool needs_ctx;		   /* has pcre or pan items */
	int cap_item;		   /* weir_sprog_capture's pcre item, -1 none */
	pcre2_match_context *mctx; /* limits for every pcre item */
	struct sm_item items[];
};

static inline uint8_t
sm_fold(uint8_t c)
{
	/* ASCII only, as Suricata's u8_tolower: 0xC1 and 0xE1 stay apart. */
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
}

#endif /* WEIR_RULES_CONFIRM_INT_H */
