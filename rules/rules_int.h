/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals shared by the compiler (rules_compile.c) and the matcher
 * (rules_scan.c): the per-worker state a rule set owns. Tests may include
 * it; app/ must not.
 */
#ifndef WEIR_RULES_INT_H
#define WEIR_RULES_INT_H

#include <stdint.h>

#include <hs/hs.h>

#include "suri.h"

/*
 * One worker's private state for one rule set. Written by that worker
 * only, except hits[], which the control side reads with relaxed loads
 * (a torn read of a 64-bit counter cannot happen on x86-64).
 */
struct weir_rs_worker {
	hs_scratch_t *scratch;
	uint32_t *seen;       /* per rule: seq of the packet that last
				 evaluated it (one verdict per packet) */
	uint32_t seq;
	uint32_t n_matched;
	uint32_t *matched;    /* this packet's rules that matched, in order */
	uint32_t *match_end;  /* their match offsets */
	uint64_t *hits;       /* per rule: alerts raised (pass: matches) */
	struct weir_thresh_table *thr; /* NULL when no rule has a threshold */
	struct weir_match_ctx *mctx;   /* NULL when no rule needs confirming */
	/* what the current scan looks at */
	const struct weir_ruleset *rs;
	const struct weir_scan_pkt *pkt;
	uint8_t pass;         /* a pass rule matched this packet */
} __attribute__((aligned(64)));

/** Suricata's dsize-as-depth on @p s's contents (see rules_compile.c);
 *  applied before weir_hs_plan_build(). Exposed for the same reason. */
void weir_compile_dsize_depth(struct weir_srule *s);

/**
 * The compiler's policy for a plan of suri_hs.c: keep only the most
 * selective positive chain when there are several or any negated part
 * (logical combinations cost ~7 ns per packet each), and leave the rest
 * to the confirm step. Exposed so benchmarks compile what weir compiles.
 */
void weir_compile_one_chain(struct weir_hs_plan *p);

#endif /* WEIR_RULES_INT_H */
