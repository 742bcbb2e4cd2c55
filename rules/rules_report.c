/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What `weir rules check` prints about a built rule set: rules per group,
 * per-keyword counts, database sizes and build time, and the notes about
 * a build that are not rule errors. Control side only; nothing here runs
 * per packet (rules_match.c is the hot half).
 */
#include <stdio.h>

#include "rules.h"
#include "rules_int.h"

static const char *
report_class_names(uint8_t protos, char *buf, size_t len)
{
	static const char *const names[WEIR_PCLASS_N] = {"tcp", "udp", "icmp", "other"};
	size_t o = 0;
	unsigned int c;

	if (protos == (1u << WEIR_PCLASS_N) - 1) {
		snprintf(buf, len, "ip");
		return buf;
	}
	buf[0] = '\0';
	for (c = 0; c < WEIR_PCLASS_N && o < len; c++)
		if (protos & (1u << c))
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "+" : "", names[c]);
	return buf;
}

/* One packet database's line ("rules" and "db bytes" columns as the
 * groups'; "none" when none of its rules has an expression) and what it
 * holds. */
static void
report_pkt_db(FILE *out, const char *label, const struct weir_rgroup *g, const char *holds,
	      const hs_database_t *streamed)
{
	fprintf(out,
		"  packet database: %s %7u %10zu %s\n"
		"        %u expressions: %s\n",
		label, g->n_rules, g->db_bytes,
		g->db == NULL	? "none"
		: g->from_cache ? "hit"
				: "-",
		g->n_expr, holds);
	if (g->db != NULL && streamed == NULL)
		fprintf(out, "        stream-type rules alone: not scanned for a packet whose "
			     "bytes went to its stream\n");
}

void
weir_ruleset_notes(const struct weir_ruleset *rs, FILE *out)
{
	unsigned int g;

	if (rs->n_cache_rebuilt > 0)
		fprintf(out, "note: cached packet database was corrupt or stale; rebuilt\n");
	for (g = 0; g < rs->n_warnings; g++)
		fprintf(out, "warning: %s\n", rs->warnings[g]);
}

#define REPORT_KIND_DOC(name, doc) doc,
static const char *const kind_doc[WEIR_RKIND_N] = {WEIR_RKINDS(REPORT_KIND_DOC)};
#undef REPORT_KIND_DOC

void
weir_ruleset_describe(const struct weir_ruleset *rs, FILE *out)
{
	enum {
		K_CONTENT,
		K_NEG_CONTENT,
		K_NOCASE,
		K_OFFSET,
		K_DEPTH,
		K_DISTANCE,
		K_WITHIN,
		K_PCRE,
		K_STARTSWITH,
		K_ENDSWITH,
		K_BYTE_TEST,
		K_BYTE_JUMP,
		K_BYTE_EXTRACT,
		K_BYTE_MATH,
		K_ISDATAAT,
		K_LUHN,
		K_PAN,
		K_DSIZE,
		K_THRESHOLD,
		K_DFILTER,
		K_PASS,
		K_BIDIR,
		K_FLOW,
		K_FLOWBITS,
		K_FLOWINT,
		K_NOALERT,
		K_STREAM_SIZE,
		K_FLOW_AGE,
		K_FLOW_PKTS,
		K_FLOW_BYTES,
		K_BY_FLOW,
		K_HBUF,
		K_TARGET,
		K_EXACT,
		K_CONFIRM,
		K_SIG,
		K_N
	};
	static const char *const kname[K_N] = {
		"content",
		"content (negated)",
		"nocase",
		"offset",
		"depth",
		"distance",
		"within",
		"pcre",
		"startswith",
		"endswith",
		"byte_test",
		"byte_jump",
		"byte_extract",
		"byte_math",
		"isdataat",
		"luhn",
		"pan",
		"dsize",
		"threshold",
		"detection_filter",
		"pass",
		"<>",
		"flow",
		"flowbits",
		"flowint",
		"noalert",
		"stream_size",
		"flow.age",
		"flow.pkts",
		"flow.bytes",
		"track by_flow",
		"header buffer items",
		"target",
		"decided by Hyperscan alone",
		"confirmed after the scan",
		"signature format",
	};
	unsigned int cnt[K_N] = {0}, i, k;
	char buf[32];

	for (i = 0; i < rs->n_rules; i++) {
		const struct weir_rt_rule *r = &rs->rules[i];
		const struct weir_suri_rule *s = r->sr;

		if (r->protos == 0)
			continue;
		cnt[(r->flags & WEIR_RT_EXACT) ? K_EXACT : K_CONFIRM]++;
		if (s == NULL) {
			cnt[K_SIG]++;
			continue;
		}
		for (k = 0; k < s->n_items; k++) {
			const struct weir_item *it = &s->items[k];

			switch (it->kind) {
			case WEIR_ITEM_CONTENT:
				cnt[it->negated ? K_NEG_CONTENT : K_CONTENT]++;
				cnt[K_NOCASE] += it->nocase;
				cnt[K_OFFSET] += it->has_offset;
				cnt[K_DEPTH] += it->has_depth;
				cnt[K_DISTANCE] += it->has_distance;
				cnt[K_WITHIN] += it->has_within;
				cnt[K_STARTSWITH] += it->startswith;
				cnt[K_ENDSWITH] += it->endswith;
				break;
			case WEIR_ITEM_BYTE_TEST:
			case WEIR_ITEM_BYTE_JUMP:
			case WEIR_ITEM_BYTE_EXTRACT:
			case WEIR_ITEM_BYTE_MATH:
			case WEIR_ITEM_ISDATAAT:
				/* enum weir_item_kind order */
				cnt[K_BYTE_TEST + (it->kind - WEIR_ITEM_BYTE_TEST)]++;
				break;
			case WEIR_ITEM_PCRE:
				cnt[K_PCRE]++;
				break;
			case WEIR_ITEM_PAN:
				cnt[K_PAN]++;
				break;
			}
			cnt[K_LUHN] += it->luhn;
		}
		cnt[K_HBUF] += s->n_hitems;
		cnt[K_TARGET] += s->target != 0;
		cnt[K_DSIZE] += s->has_dsize;
		cnt[K_THRESHOLD] += s->threshold.type != WEIR_THRESH_NONE;
		cnt[K_DFILTER] += s->detection_filter.type != WEIR_THRESH_NONE;
		cnt[K_PASS] += s->action == WEIR_ACTION_PASS;
		cnt[K_BIDIR] += s->bidir;
		cnt[K_FLOW] += s->has_flow;
		cnt[K_NOALERT] += s->noalert;
		for (k = 0; k < s->n_fv; k++)
			cnt[weir_fv_is_flowint(s->fv[k].op) ? K_FLOWINT : K_FLOWBITS]++;
		for (k = 0; k < s->n_fnum; k++)
			cnt[K_STREAM_SIZE + s->fnum[k].kind]++; /* enum weir_fnum_kind order */
		cnt[K_BY_FLOW] += (s->threshold.type != WEIR_THRESH_NONE && s->threshold.by_flow) ||
				  (s->detection_filter.type != WEIR_THRESH_NONE &&
				   s->detection_filter.by_flow);
	}
	weir_ruleset_notes(rs, out);
	fprintf(out, "rules loaded: %u (skipped: %u)\n", cnt[K_EXACT] + cnt[K_CONFIRM],
		rs->n_skipped);
	fprintf(out,
		"groups: %u, database memory: %zu bytes, build time: %.1f ms, "
		"from cache: %u\n",
		rs->n_groups, rs->db_bytes, rs->compile_ms, rs->n_from_cache);
	fprintf(out, "  %-5s %-11s %-24s %7s %7s %10s %s\n", "group", "protocol", "dst ports",
		"rules", "always", "db bytes", "cache");
	for (i = 0; i < rs->n_groups; i++) {
		const struct weir_rgroup *g = &rs->groups[i];

		fprintf(out, "  %-5u %-11s %-24s %7u %7u %10s %s\n", i,
			report_class_names(g->protos, buf, sizeof(buf)), g->ports, g->n_rules,
			g->n_always + g->idx[0].n_rules + g->idx[1].n_rules, "(packet)", "-");
		if (g->idx[0].n_rules + g->idx[1].n_rules > 0)
			fprintf(out,
				"        %u of them found by an address index (by source %u, "
				"by destination %u; %u + %u intervals)\n",
				g->idx[0].n_rules + g->idx[1].n_rules, g->idx[0].n_rules,
				g->idx[1].n_rules, g->idx[0].n, g->idx[1].n);
		if (g->hdrpf != NULL)
			fprintf(out,
				"        header prefilter (TCP flags, flow position): of the %u "
				"not indexed by address, a mid-flow ACK meets %u, a first SYN "
				"%u%s\n",
				g->n_always, g->hdrpf->list[1][0x10].n, g->hdrpf->list[0][0x02].n,
				g->hdrpf->idx_iponly[0] || g->hdrpf->idx_iponly[1]
					? "; IP-only address indexes skipped mid-flow"
					: "");
	}
	if (!rs->dir_split && rs->pkt.db != NULL && rs->addr_part == NULL)
		report_pkt_db(out, "every group, one scan per packet", &rs->pkt,
			      "every flow direction (no rule is split by direction enough to pay "
			      "for two)",
			      rs->dir_sdb[0]);
	if (rs->dir_split && rs->addr_part == NULL) {
		/* no database: none of that side's rules has an expression */
		report_pkt_db(out, "to server, no flow ", &rs->pkt,
			      "the rules a packet from its flow's client, or of no flow, can meet",
			      rs->dir_sdb[0]);
		report_pkt_db(out, "to client          ", &rs->pkt_tc,
			      "the rules a packet from its flow's server can meet", rs->dir_sdb[1]);
	}
	if (rs->addr_part != NULL) {
		static const char *const cls[4] = {
			"neither address in the set", "destination alone in the set",
			"source alone in the set", "both addresses in the set"};
		unsigned int k, nk = weir_ruleset_n_class_dbs(rs);
		char holds[160];

		fprintf(out,
			"  split by address class: the set named by the most rules (%u "
			"range%s); a packet scans its side's database of its class\n",
			rs->addr_part->n, rs->addr_part->n == 1 ? "" : "s");
		for (k = 0; k < nk; k++) {
			snprintf(holds, sizeof(holds), "the rules a packet %s with %s can meet",
				 !rs->dir_split ? "of either side"
				 : k < 4	? "to the server or of no flow"
						: "from its flow's server",
				 cls[k & 3]);
			report_pkt_db(out, "  address class    ", &rs->apkt[k], holds,
				      rs->sadb[k >= 4][k & 3]);
		}
	}
	if (rs->stream_db != NULL)
		fprintf(out,
			"  stream tcp (reassembled bytes)         %7u %7u %10zu %-5s "
			"(state %zu bytes per direction; %u confirm over the last bytes; "
			"scans %s)\n",
			rs->n_stream_rules, 0u, rs->stream_db_bytes,
			rs->stream_from_cache ? "hit" : "-", rs->stream_state_bytes,
			rs->n_stream_confirm,
			rs->stream_dirs == (WEIR_DIR_SERVER | WEIR_DIR_CLIENT) ? "both directions"
			: rs->stream_dirs == WEIR_DIR_SERVER
				? "the client's bytes only: no stream rule applies to the server's"
			: rs->stream_dirs == WEIR_DIR_CLIENT
				? "the server's bytes only: no stream rule applies to the client's"
				: "neither direction: no stream rule can match");
	if (rs->n_stream_pan > 0)
		fprintf(out,
			"        %u of them pan alone, decided by each direction's card scanner "
			"(%zu bytes per direction, in its state slot)\n",
			rs->n_stream_pan, sizeof(struct weir_pan_stream));
	fprintf(out, "inspects (Suricata's rule types, README \"Stream rules\"):\n");
	for (k = 0; k < WEIR_RKIND_N; k++)
		if (rs->n_kind[k] > 0)
			fprintf(out, "  %s: %u\n", kind_doc[k], rs->n_kind[k]);
	fprintf(out, "keywords:\n");
	for (k = 0; k < K_N; k++)
		if (cnt[k] > 0)
			fprintf(out, "  %-28s %u\n", kname[k], cnt[k]);
}

/*
 * The stream bytes a stream rule's confirm step may need, from the start
 * of its first item's match to the end of its last: each relative item
 * adds what its bounds allow (within; a ^-anchored relative pcre its
 * longest match; a relative byte keyword or isdataat its reach). @return
 * UINT64_MAX with @p why set when nothing bounds it.
 */
static uint64_t
report_history(const struct weir_suri_rule *s, const char **why)
{
	uint64_t span = 0;
	unsigned int i;

	for (i = 0; i < s->n_items; i++) {
		const struct weir_item *it = &s->items[i];
		uint32_t w;

		if (i == 0) {
			if (it->kind == WEIR_ITEM_CONTENT) {
				span = it->len;
				continue;
			}
			if (it->kind == WEIR_ITEM_PCRE && weir_pcre_max_width(it, &w)) {
				span = w;
				continue;
			}
			/* luhn reads the digits of the match: a match longer
			 * than the window is cut, and its digit run with it */
			*why = it->luhn ? "a pcre with luhn that has no longest match"
					: "its first condition has no longest match";
			return UINT64_MAX;
		}
		if (weir_item_is_byte(it->kind)) {
			const struct weir_byteop *b = &it->bop;

			if (!b->relative || it->kind == WEIR_ITEM_BYTE_JUMP || b->offset_var != 0 ||
			    b->nbytes_var != 0 || b->offset < 0) {
				*why = "a byte keyword moves the cursor an unbounded way";
				return UINT64_MAX;
			}
			span += it->kind == WEIR_ITEM_ISDATAAT ? b->value
							       : (uint64_t)b->offset + b->nbytes;
			continue;
		}
		if (it->kind == WEIR_ITEM_PCRE) {
			if (!it->relative || it->pcre == NULL || it->pcre[0] != '^' ||
			    !weir_pcre_max_width(it, &w)) {
				*why = it->luhn ? "a pcre with luhn not anchored to the previous "
						  "match, or without a longest match"
						: "a pcre not anchored to the previous match, or "
						  "without "
						  "a longest match";
				return UINT64_MAX;
			}
			span += w;
			continue;
		}
		if (it->kind != WEIR_ITEM_CONTENT || !it->has_within || it->within_var != 0) {
			*why = "a condition not tied to the one before by within";
			return UINT64_MAX;
		}
		span += (uint64_t)it->within;
	}
	return span;
}

/* Is rule @p idx of @p rs a pan-alone stream rule (its card scanner keeps
 * what it needs: no window)? */
static bool
report_pan_alone(const struct weir_ruleset *rs, unsigned int idx)
{
	unsigned int k;

	for (k = 0; k < rs->n_stream_pan; k++)
		if (rs->stream_pan[k] == idx)
			return true;
	return false;
}

void
weir_ruleset_describe_history(const struct weir_ruleset *rs, uint32_t window, FILE *out)
{
	unsigned int i, n = 0;

	for (i = 0; i < rs->n_rules; i++) {
		const struct weir_rt_rule *r = &rs->rules[i];
		const char *why = NULL;
		uint64_t need;

		if (r->sr == NULL || r->prog == NULL ||
		    (r->kind != WEIR_RKIND_STREAM && r->kind != WEIR_RKIND_STREAM_ONLY) ||
		    report_pan_alone(rs, i))
			continue;
		need = report_history(r->sr, &why);
		if (need <= window)
			continue;
		if (n++ == 0)
			fprintf(out,
				"stream history: the confirm step keeps the last %u bytes "
				"(stream.reassembly.confirm-window) plus the bytes released with "
				"the match; these rules can need more, and a match spread wider "
				"is missed:\n",
				window);
		if (need == UINT64_MAX)
			fprintf(out, "  %s:%u: sid %u: unbounded (%s)\n", r->file, r->line, r->sid,
				why);
		else
			fprintf(out, "  %s:%u: sid %u: up to %llu bytes\n", r->file, r->line,
				r->sid, (unsigned long long)need);
	}
}

void
weir_ruleset_describe_kinds(const struct weir_ruleset *rs, FILE *out)
{
	static const char *const names[WEIR_RKIND_N] = {
		"packet",
		"stream",
		"stream only",
		"packet (Suricata: packet+stream)",
		"packet (Suricata: stream)",
	};
	unsigned int i;

	for (i = 0; i < rs->n_rules; i++) {
		const struct weir_rt_rule *r = &rs->rules[i];

		if (r->sr == NULL || r->kind >= WEIR_RKIND_N)
			continue;
		fprintf(out, "%s:%u: sid %u: %s: %s\n", r->file, r->line, r->sid, names[r->kind],
			r->kind_why != NULL ? r->kind_why : "");
	}
}
