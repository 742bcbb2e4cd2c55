/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the Suricata rule parser (rules/rules_parse_suri.c, with
 * rules_parse_addr.c for the header's addresses and ports and rules_parse_class.c for
 * classtype): rule files come from operators and from feeds nobody on the
 * team wrote. One input is one .rules file, read by
 * weir_rules_parse_suri_file() from a memfd.
 *
 * Invariants:
 * - the return is the number of bad rules, and there is exactly one
 *   diagnostic per bad rule, each on a line the input has, with a column
 *   inside that line (at most one past its end);
 * - every rule that parsed is well formed (see fuzz_check_rule: sid > 0,
 *   (gid, sid) unique, text trimmed and non-empty, priority 1..255, a known
 *   classtype, non-empty address and port sets, items as rules_int.h promises:
 *   content length >= 1, depth/within >= length, never absolute and
 *   relative on one content, `relative` = distance || within, luhn only on
 *   a positive content or pcre, dsize and threshold in range);
 * - a rule's text is the rule: weir_rules_parse_suri_rule() on r->text gives
 *   the same rule, field by field (columns aside: the text is trimmed and
 *   joined), and no diagnostic;
 * - the same file parsed again into the same list adds nothing: every rule
 *   is now a duplicate, so the second return is the first plus the number
 *   of rules;
 * - a rule with byte keywords, isdataat, endswith or byte variables runs
 *   its confirm step over the input without reading outside it.
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
#include "rules_int.h"

#define FUZZ_SURI_DIAGS 4096

static int g_fd = -1;
static char g_path[64];
static struct weir_rule_vars g_vars;
static bool g_vars_ready;

static void
fuzz_write_file(const uint8_t *data, size_t size)
{
	size_t off = 0;
	ssize_t n;

	if (g_fd < 0) {
		g_fd = memfd_create("fuzz_suri_parse", MFD_CLOEXEC);
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
fuzz_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool
fuzz_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
fuzz_check_item(const struct weir_suri_rule *r, const struct weir_item *it, unsigned int i)
{
	FUZZ_CHECK(it->col >= 1, "sid %u item %u: column 0", r->sid, i);
	switch (it->kind) {
	case WEIR_ITEM_CONTENT:
		FUZZ_CHECK(it->bytes != NULL && it->len >= 1, "sid %u item %u: empty content",
			   r->sid, i);
		FUZZ_CHECK(it->pcre == NULL, "sid %u item %u: content with a pcre", r->sid, i);
		FUZZ_CHECK(it->relative == (it->has_distance || it->has_within),
			   "sid %u item %u: relative %d", r->sid, i, it->relative);
		FUZZ_CHECK(!((it->has_offset || it->has_depth) &&
			     (it->has_distance || it->has_within)),
			   "sid %u item %u: absolute and relative", r->sid, i);
		FUZZ_CHECK(!it->has_offset || (it->offset >= 0 && it->offset <= 65535),
			   "sid %u item %u: offset %d", r->sid, i, it->offset);
		FUZZ_CHECK(!it->has_depth || it->depth_var ||
				   (it->depth >= (int32_t)it->len && it->depth <= 65535),
			   "sid %u item %u: depth %d, length %u", r->sid, i, it->depth, it->len);
		FUZZ_CHECK(!it->has_within || it->within_var ||
				   (it->within >= (int32_t)it->len && it->within <= 1048576),
			   "sid %u item %u: within %d, length %u", r->sid, i, it->within, it->len);
		FUZZ_CHECK((!it->offset_var || it->has_offset) &&
				   (!it->depth_var || it->has_depth) &&
				   (!it->distance_var || it->has_distance) &&
				   (!it->within_var || it->has_within),
			   "sid %u item %u: a variable without its modifier", r->sid, i);
		FUZZ_CHECK(it->offset_var <= WEIR_BYTE_VARS_MAX &&
				   it->depth_var <= WEIR_BYTE_VARS_MAX &&
				   it->distance_var <= WEIR_BYTE_VARS_MAX &&
				   it->within_var <= WEIR_BYTE_VARS_MAX,
			   "sid %u item %u: variable out of range", r->sid, i);
		FUZZ_CHECK(!it->startswith || (it->has_depth && it->depth == (int32_t)it->len &&
					       !it->has_offset && !it->relative),
			   "sid %u item %u: startswith is not depth = length", r->sid, i);
		FUZZ_CHECK(!it->has_distance ||
				   (it->distance >= -1048576 && it->distance <= 1048576),
			   "sid %u item %u: distance %d", r->sid, i, it->distance);
		FUZZ_CHECK(it->has_offset || it->offset == 0, "sid %u item %u: stray offset",
			   r->sid, i);
		FUZZ_CHECK(it->has_depth || it->depth == 0, "sid %u item %u: stray depth", r->sid,
			   i);
		FUZZ_CHECK(it->pcre_flags == 0, "sid %u item %u: content with pcre flags", r->sid,
			   i);
		break;
	case WEIR_ITEM_PCRE:
		FUZZ_CHECK(it->pcre != NULL && it->pcre[0] != '\0', "sid %u item %u: empty pcre",
			   r->sid, i);
		FUZZ_CHECK(it->bytes == NULL && it->len == 0, "sid %u item %u: pcre with bytes",
			   r->sid, i);
		FUZZ_CHECK((it->pcre_flags &
			    ~(WEIR_PCRE_I | WEIR_PCRE_S | WEIR_PCRE_M | WEIR_PCRE_X)) == 0,
			   "sid %u item %u: pcre flags %#x", r->sid, i, it->pcre_flags);
		FUZZ_CHECK(!it->nocase && !it->fast_pattern && !it->has_offset && !it->has_depth &&
				   !it->has_distance && !it->has_within,
			   "sid %u item %u: content modifier on a pcre", r->sid, i);
		break;
	case WEIR_ITEM_PAN:
		FUZZ_CHECK(it->bytes == NULL && it->pcre == NULL && !it->negated && !it->relative &&
				   !it->luhn && !it->nocase,
			   "sid %u item %u: pan with fields", r->sid, i);
		break;
	case WEIR_ITEM_BYTE_TEST:
	case WEIR_ITEM_BYTE_JUMP:
	case WEIR_ITEM_BYTE_EXTRACT:
	case WEIR_ITEM_BYTE_MATH:
	case WEIR_ITEM_ISDATAAT: {
		const struct weir_byteop *b = &it->bop;
		bool sets = it->kind == WEIR_ITEM_BYTE_EXTRACT || it->kind == WEIR_ITEM_BYTE_MATH;

		FUZZ_CHECK(it->bytes == NULL && it->pcre == NULL && !it->negated && !it->luhn &&
				   !it->has_offset && !it->has_depth && !it->has_distance &&
				   !it->has_within && !it->startswith && !it->endswith,
			   "sid %u item %u: byte keyword with content fields", r->sid, i);
		FUZZ_CHECK(b->nbytes_var <= WEIR_BYTE_VARS_MAX &&
				   b->offset_var <= WEIR_BYTE_VARS_MAX &&
				   b->value_var <= WEIR_BYTE_VARS_MAX,
			   "sid %u item %u: variable out of range", r->sid, i);
		FUZZ_CHECK(sets == (b->name != NULL) && (!sets || b->slot < WEIR_BYTE_VARS_MAX),
			   "sid %u item %u: variable name/slot", r->sid, i);
		FUZZ_CHECK(b->nbytes_var != 0 || (b->string ? b->nbytes <= 23 : b->nbytes <= 10),
			   "sid %u item %u: nbytes %u", r->sid, i, b->nbytes);
		FUZZ_CHECK(!b->from_beginning || !b->from_end, "sid %u item %u: both ends", r->sid,
			   i);
		break;
	}
	default:
		FUZZ_CHECK(0, "sid %u item %u: kind %d", r->sid, i, (int)it->kind);
	}
	FUZZ_CHECK(!it->luhn || !it->negated, "sid %u item %u: luhn on a negated item", r->sid, i);
}

static void
fuzz_check_rule(const struct weir_suri_rule *r, unsigned int n_lines)
{
	size_t tlen = r->text != NULL ? strlen(r->text) : 0;
	unsigned int i, n_fp = 0;

	FUZZ_CHECK(r->sid >= 1, "sid 0 accepted");
	FUZZ_CHECK(r->file != NULL && strcmp(r->file, g_path) == 0, "sid %u: file %s", r->sid,
		   r->file);
	FUZZ_CHECK(r->line >= 1 && r->line <= n_lines, "sid %u: line %u of %u", r->sid, r->line,
		   n_lines);
	FUZZ_CHECK(tlen > 0 && !fuzz_is_space(r->text[0]) && !fuzz_is_space(r->text[tlen - 1]),
		   "sid %u: text not trimmed", r->sid);
	FUZZ_CHECK(r->text[tlen - 1] == ')', "sid %u: text does not end with ')'", r->sid);
	FUZZ_CHECK(r->msg != NULL, "sid %u: msg NULL", r->sid);
	FUZZ_CHECK(r->action == WEIR_ACTION_ALERT || r->action == WEIR_ACTION_PASS,
		   "sid %u: action %d", r->sid, (int)r->action);
	FUZZ_CHECK((unsigned int)r->proto < WEIR_RPROTO_N, "sid %u: proto %d", r->sid,
		   (int)r->proto);
	FUZZ_CHECK(r->priority >= 1 && r->priority <= 255, "sid %u: priority %u", r->sid,
		   r->priority);
	FUZZ_CHECK(r->classtype == NULL || weir_classtype_priority(r->classtype, NULL) != 0,
		   "sid %u: classtype %s", r->sid, r->classtype);
	FUZZ_CHECK(r->src.n >= 1 && r->dst.n >= 1 && r->sport.n >= 1 && r->dport.n >= 1,
		   "sid %u: empty address or port set", r->sid);
	for (i = 1; i < r->sport.n; i++)
		FUZZ_CHECK(r->sport.r[i - 1].hi < r->sport.r[i].lo, "sid %u: sport unsorted",
			   r->sid);
	for (i = 1; i < r->dport.n; i++)
		FUZZ_CHECK(r->dport.r[i - 1].hi < r->dport.r[i].lo, "sid %u: dport unsorted",
			   r->sid);
	for (i = 0; i < r->n_items; i++) {
		fuzz_check_item(r, &r->items[i], i);
		n_fp += r->items[i].fast_pattern;
	}
	FUZZ_CHECK(n_fp <= 1, "sid %u: %u fast_patterns", r->sid, n_fp);
	FUZZ_CHECK(r->has_dsize || (r->dsize.mode == 0 && r->dsize.a == 0 && r->dsize.b == 0),
		   "sid %u: stray dsize", r->sid);
	FUZZ_CHECK(r->dsize.a <= 65535 && r->dsize.b <= 65535 &&
			   r->dsize.mode <= WEIR_UINT_NEG_BITMASK,
		   "sid %u: dsize mode %u %llu %llu", r->sid, (unsigned int)r->dsize.mode,
		   (unsigned long long)r->dsize.a, (unsigned long long)r->dsize.b);
	for (i = 0; i < r->n_hdr; i++)
		FUZZ_CHECK(r->hdr[i].kind < WEIR_HDR_N && r->hdr[i].c.mode <= WEIR_UINT_NEG_BITMASK,
			   "sid %u: header keyword %u: kind %u mode %u", r->sid, i,
			   (unsigned int)r->hdr[i].kind, (unsigned int)r->hdr[i].c.mode);
	FUZZ_CHECK(r->threshold.type == WEIR_THRESH_NONE ||
			   r->detection_filter.type == WEIR_THRESH_NONE,
		   "sid %u: threshold and detection_filter", r->sid);
	FUZZ_CHECK(r->threshold.type != WEIR_THRESH_DETECTION, "sid %u: threshold type", r->sid);
	FUZZ_CHECK(r->detection_filter.type == WEIR_THRESH_NONE ||
			   r->detection_filter.type == WEIR_THRESH_DETECTION,
		   "sid %u: detection_filter type", r->sid);
	if (r->threshold.type != WEIR_THRESH_NONE)
		FUZZ_CHECK(r->threshold.count >= 1 && r->threshold.seconds >= 1,
			   "sid %u: threshold count %u seconds %u", r->sid, r->threshold.count,
			   r->threshold.seconds);
	if (r->detection_filter.type != WEIR_THRESH_NONE)
		FUZZ_CHECK(r->detection_filter.count >= 1 && r->detection_filter.seconds >= 1,
			   "sid %u: detection_filter count %u seconds %u", r->sid,
			   r->detection_filter.count, r->detection_filter.seconds);
}

static bool
fuzz_bop_eq(const struct weir_byteop *a, const struct weir_byteop *b)
{
	return a->nbytes == b->nbytes && a->nbytes_var == b->nbytes_var &&
	       a->offset_var == b->offset_var && a->value_var == b->value_var && a->op == b->op &&
	       a->base == b->base && a->align == b->align && a->slot == b->slot &&
	       a->bitmask_shift == b->bitmask_shift && a->neg == b->neg &&
	       a->relative == b->relative && a->little == b->little && a->string == b->string &&
	       a->from_beginning == b->from_beginning && a->from_end == b->from_end &&
	       a->has_bitmask == b->has_bitmask && a->multiplier == b->multiplier &&
	       a->offset == b->offset && a->post_offset == b->post_offset &&
	       a->bitmask == b->bitmask && a->value == b->value && fuzz_str_eq(a->name, b->name);
}

static bool
fuzz_item_eq(const struct weir_item *a, const struct weir_item *b)
{
	return a->kind == b->kind && a->negated == b->negated && a->nocase == b->nocase &&
	       a->fast_pattern == b->fast_pattern && a->relative == b->relative &&
	       a->has_offset == b->has_offset && a->has_depth == b->has_depth &&
	       a->has_distance == b->has_distance && a->has_within == b->has_within &&
	       a->offset == b->offset && a->depth == b->depth && a->distance == b->distance &&
	       a->within == b->within && a->luhn == b->luhn && a->len == b->len &&
	       (a->len == 0 || memcmp(a->bytes, b->bytes, a->len) == 0) &&
	       fuzz_str_eq(a->pcre, b->pcre) && a->pcre_flags == b->pcre_flags &&
	       a->startswith == b->startswith && a->endswith == b->endswith &&
	       a->offset_var == b->offset_var && a->depth_var == b->depth_var &&
	       a->distance_var == b->distance_var && a->within_var == b->within_var &&
	       fuzz_bop_eq(&a->bop, &b->bop);
}

static bool
fuzz_rule_eq(const struct weir_suri_rule *a, const struct weir_suri_rule *b)
{
	unsigned int i;

	if (a->action != b->action || a->proto != b->proto || a->bidir != b->bidir ||
	    a->sid != b->sid || a->rev != b->rev || a->gid != b->gid ||
	    a->priority != b->priority || a->n_items != b->n_items ||
	    a->has_dsize != b->has_dsize || memcmp(&a->dsize, &b->dsize, sizeof(a->dsize)) != 0 ||
	    a->n_hdr != b->n_hdr || a->tcp_pkt != b->tcp_pkt ||
	    memcmp(&a->threshold, &b->threshold, sizeof(a->threshold)) != 0 ||
	    memcmp(&a->detection_filter, &b->detection_filter, sizeof(a->detection_filter)) != 0 ||
	    !fuzz_str_eq(a->msg, b->msg) || !fuzz_str_eq(a->classtype, b->classtype) ||
	    !fuzz_str_eq(a->metadata, b->metadata) || !fuzz_str_eq(a->reference, b->reference) ||
	    !fuzz_str_eq(a->text, b->text))
		return false;
	if (a->src.n != b->src.n || a->dst.n != b->dst.n || a->sport.n != b->sport.n ||
	    a->dport.n != b->dport.n ||
	    memcmp(a->src.r, b->src.r, a->src.n * sizeof(*a->src.r)) != 0 ||
	    memcmp(a->dst.r, b->dst.r, a->dst.n * sizeof(*a->dst.r)) != 0 ||
	    memcmp(a->sport.r, b->sport.r, a->sport.n * sizeof(*a->sport.r)) != 0 ||
	    memcmp(a->dport.r, b->dport.r, a->dport.n * sizeof(*a->dport.r)) != 0)
		return false;
	for (i = 0; i < a->n_items; i++)
		if (!fuzz_item_eq(&a->items[i], &b->items[i]))
			return false;
	return true;
}

static int
fuzz_cmp_id(const void *x, const void *y)
{
	const uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return (a > b) - (a < b);
}

/*
 * A rule with byte keywords or isdataat also runs its confirm step over
 * the input itself: the offsets those keywords compute from the payload
 * (negative, past the end, jumps, variables) must never read outside it
 * (ASan and UBSan watch; the answer itself is not checked here).
 */
static void
fuzz_run_bytes(const struct weir_suri_rule *r, const uint8_t *data, size_t size)
{
	static struct weir_match_ctx *ctx;
	struct weir_sprog *p = NULL;
	unsigned int i, col;
	char err[256];
	bool any = false;

	for (i = 0; i < r->n_items; i++)
		any |= weir_item_is_byte(r->items[i].kind) || r->items[i].endswith ||
		       r->items[i].offset_var || r->items[i].depth_var ||
		       r->items[i].distance_var || r->items[i].within_var;
	if (!any)
		return;
	if (ctx == NULL) {
		ctx = weir_match_ctx_new();
		FUZZ_CHECK(ctx != NULL, "out of memory");
	}
	if (weir_sprog_build(r, &p, err, sizeof(err), &col) != 0)
		return; /* a pcre PCRE2 refuses */
	weir_match_ctx_reset(ctx);
	(void)weir_sprog_match(p, data, (uint32_t)(size > 65535 ? 65535 : size), ctx);
	weir_sprog_free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weir_suri_rule_list list = {0}, one = {0};
	unsigned int n_lines = 0, i, n_rules;
	size_t *line_len, cur = 0, k;
	struct weir_diags ds, ods;
	uint64_t *ids;
	int rc, rc2;

	if (!g_vars_ready) {
		FUZZ_CHECK(weir_rule_vars_defaults(&g_vars) == 0, "out of memory");
		g_vars_ready = true;
	}
	fuzz_write_file(data, size);

	/* Physical lines as the reader sees them: split at '\n', '\r's dropped
	 * at the end. A column may point one past a line's end. */
	line_len = malloc((size + 2) * sizeof(*line_len));
	FUZZ_CHECK(line_len != NULL, "out of memory");
	for (k = 0; k < size; k++) {
		if (data[k] == '\n') {
			line_len[n_lines++] = cur;
			cur = 0;
		} else {
			cur++;
		}
	}
	if (cur > 0)
		line_len[n_lines++] = cur;

	FUZZ_CHECK(weir_diags_init(&ds, FUZZ_SURI_DIAGS) == 0, "out of memory");
	rc = weir_rules_parse_suri_file(g_path, &g_vars, &list, &ds);
	FUZZ_CHECK(rc >= 0, "parse_file rc %d", rc);
	FUZZ_CHECK(ds.total == (unsigned int)rc, "%d bad rules, %u diagnostics", rc, ds.total);
	for (i = 0; i < ds.n; i++) {
		const struct weir_diag *d = &ds.v[i];

		FUZZ_CHECK(strcmp(d->file, g_path) == 0, "diagnostic for %s", d->file);
		FUZZ_CHECK(d->line >= 1 && d->line <= n_lines, "diagnostic on line %u of %u: %s",
			   d->line, n_lines, d->msg);
		FUZZ_CHECK(d->col >= 1 && d->col <= line_len[d->line - 1] + 1,
			   "diagnostic %u:%u past the line's %zu bytes: %s", d->line, d->col,
			   line_len[d->line - 1], d->msg);
		FUZZ_CHECK(d->msg[0] != '\0', "diagnostic without a reason");
	}

	n_rules = list.n;
	ids = malloc((n_rules + 1) * sizeof(*ids));
	FUZZ_CHECK(ids != NULL, "out of memory");
	FUZZ_CHECK(weir_diags_init(&ods, 4) == 0, "out of memory");
	for (i = 0; i < n_rules; i++) {
		const struct weir_suri_rule *r = &list.v[i];

		fuzz_check_rule(r, n_lines);
		ids[i] = (uint64_t)r->gid << 32 | r->sid;

		/* The text alone gives the same rule. */
		ods.n = ods.total = 0;
		rc2 = weir_rules_parse_suri_rule(g_path, r->line, r->text, &g_vars, &one, &ods);
		FUZZ_CHECK(rc2 == 0 && ods.total == 0 && one.n == 1,
			   "sid %u: its text alone gives rc %d, %u diagnostics (%s)", r->sid, rc2,
			   ods.total, ods.n > 0 ? ods.v[0].msg : "");
		FUZZ_CHECK(fuzz_rule_eq(r, &one.v[0]), "sid %u: its text parses differently",
			   r->sid);
		weir_suri_rule_list_free(&one);
		fuzz_run_bytes(r, data, size);
	}
	qsort(ids, n_rules, sizeof(*ids), fuzz_cmp_id);
	for (i = 1; i < n_rules; i++)
		FUZZ_CHECK(ids[i] != ids[i - 1], "gid %u sid %u accepted twice",
			   (unsigned int)(ids[i] >> 32), (unsigned int)ids[i]);

	/* Again into the same list: all duplicates now. */
	ds.n = ds.total = 0;
	rc2 = weir_rules_parse_suri_file(g_path, &g_vars, &list, &ds);
	FUZZ_CHECK(rc2 == rc + (int)n_rules, "second parse rc %d, first %d with %u rules", rc2, rc,
		   n_rules);
	FUZZ_CHECK(list.n == n_rules, "second parse added rules: %u -> %u", n_rules, list.n);

	free(ids);
	free(line_len);
	weir_suri_rule_list_free(&list);
	weir_diags_free(&ds);
	weir_diags_free(&ods);
	return 0;
}
