/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-hs: the floor under weir's scan path. It reads a pcap, keeps exactly
 * the TCP/UDP payloads weir's decoder would scan, builds the same Hyperscan
 * database from the same signature files through weir's own rules loader,
 * and times bare hs_scan over all
 * payloads, again and again for a fixed time, with a callback that only
 * counts. No capture, no decode, no events: whatever weir runs slower than
 * this is weir's overhead. With -e it first checks that every packet raises
 * exactly the alerts the generator promised (one per packet and rule).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hs/hs.h>

#include "bench_common.h"
#include "decode.h"
#include "rules.h"

#define BENCH_MAX_RULE_FILES 16

/* All scanned payloads, back to back. */
struct bench_payloads {
	struct bench_bytes b;
	uint64_t rx;	  /* packets read */
	uint64_t skipped; /* not TCP/UDP, fragments, malformed */
};

/* The database under test, whichever way it was built. */
struct bench_db {
	hs_database_t *db;
	hs_scratch_t *scratch;
	uint32_t *sid; /* Hyperscan expression id -> signature id */
	unsigned int n;
	struct weir_ruleset *rs; /* set when weir's loader built it */
	double compile_ms;
};

/* One frame: its payload joins the set when weir's decoder would scan it. */
static int
bench_on_frame(void *ctx, const struct pcap_pkthdr *h, const uint8_t *frame)
{
	struct bench_payloads *ps = ctx;
	struct weir_decoded d;

	ps->rx++;
	/* weir's own decoder: exactly the bytes weir scans, no others */
	if (weir_decode(frame, h->caplen, WEIR_L2_ETH, &d) != WEIR_DEC_OK || d.payload_len == 0) {
		ps->skipped++;
		return 0;
	}
	return bench_bytes_add(&ps->b, d.payload, d.payload_len);
}

/* The rules as weir builds them: the fair comparison, and the default. */
static int
bench_db_weir(const char *const *paths, unsigned int n_paths, struct bench_db *b)
{
	struct weir_ruleset_opts opts = {.skip_invalid = 0};
	struct weir_diags diags;
	unsigned int i;
	hs_error_t err;
	int rc = 0;

	if (weir_diags_init(&diags, 32) < 0)
		return -ENOMEM;
	b->rs = weir_ruleset_load(paths, n_paths, &opts, &diags);
	if (b->rs == NULL) {
		char line[600];

		rc = -errno;
		fprintf(stderr, "bench-hs: weir_ruleset_load failed: %s\n", strerror(errno));
		for (i = 0; i < diags.n; i++) {
			weir_diag_format(&diags.v[i], line, sizeof(line));
			fprintf(stderr, "  %s\n", line);
		}
		goto out;
	}
	if (weir_ruleset_sole_db(b->rs) == NULL) {
		fprintf(stderr, "bench-hs: the rule files hold no rule\n");
		rc = -EINVAL;
		goto out;
	}
	b->db = weir_ruleset_sole_db(b->rs);
	b->n = b->rs->n_rules;
	b->compile_ms = b->rs->compile_ms;
	err = hs_clone_scratch(b->rs->scratch_proto, &b->scratch);
	if (err != HS_SUCCESS) {
		fprintf(stderr, "bench-hs: hs_clone_scratch failed: %d\n", err);
		rc = -ENOMEM;
		goto out;
	}
	b->sid = calloc(b->n, sizeof(*b->sid));
	if (b->sid == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < b->n; i++)
		b->sid[i] = b->rs->rules[i].sid;
out:
	weir_diags_free(&diags);
	return rc;
}

static void
bench_db_free(struct bench_db *b)
{
	if (b->scratch != NULL)
		hs_free_scratch(b->scratch);
	if (b->rs != NULL)
		weir_ruleset_free(b->rs);
	else if (b->db != NULL)
		hs_free_database(b->db);
	free(b->sid);
}

/* The timed callback: count, nothing else, and never stop the scan. */
static int
bench_on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
	       void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	(*(uint64_t *)ctx)++;
	return 0;
}

/* The checking callback: one alert per packet and rule, as weir counts. */
struct bench_check {
	uint64_t pkt;	  /* current packet, 1-based */
	uint64_t *last;	  /* per expression id: last packet that alerted */
	uint64_t *alerts; /* per expression id */
};

static int
bench_on_match_check(unsigned int id, unsigned long long from, unsigned long long to,
		     unsigned int flags, void *ctx)
{
	struct bench_check *c = ctx;

	(void)from;
	(void)to;
	(void)flags;
	if (c->last[id] != c->pkt) {
		c->last[id] = c->pkt;
		c->alerts[id]++;
	}
	return 0;
}

static long
bench_rule_index(const void *ctx, unsigned long sid)
{
	const struct bench_db *b = ctx;
	unsigned int i;

	for (i = 0; i < b->n; i++)
		if (b->sid[i] == sid)
			return i;
	return -1;
}

/*
 * One pass counting alerts per rule, compared with the generator's
 * "signature_id<TAB>count" file. Rules absent from the file must not alert.
 * @return 0 when they agree, 1 when not, -errno on error.
 */
static int
bench_check(const struct bench_db *b, const struct bench_payloads *ps, const char *path,
	    uint64_t *total)
{
	struct bench_check c = {0};
	uint64_t *want = NULL;
	unsigned int i, bad = 0;
	size_t k;
	int rc = 0;

	c.last = calloc(b->n, sizeof(*c.last));
	c.alerts = calloc(b->n, sizeof(*c.alerts));
	want = calloc(b->n, sizeof(*want));
	if (c.last == NULL || c.alerts == NULL || want == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (k = 0; k < ps->b.n; k++) {
		hs_error_t err;

		c.pkt = k + 1;
		err = hs_scan(b->db, (const char *)ps->b.data + ps->b.off[k],
			      (unsigned int)(ps->b.off[k + 1] - ps->b.off[k]), 0, b->scratch,
			      bench_on_match_check, &c);
		if (err != HS_SUCCESS) {
			fprintf(stderr, "bench-hs: hs_scan failed: %d\n", err);
			rc = -EIO;
			goto out;
		}
	}
	*total = 0;
	for (i = 0; i < b->n; i++)
		*total += c.alerts[i];
	if (path == NULL)
		goto out;
	rc = bench_expected_read("bench-hs", path, bench_rule_index, b, want);
	if (rc < 0)
		goto out;
	bad = (unsigned int)rc;
	for (i = 0; i < b->n; i++) {
		if (want[i] == c.alerts[i])
			continue;
		fprintf(stderr,
			"bench-hs: signature %" PRIu32 ": %" PRIu64 " alerts, want %" PRIu64 "\n",
			b->sid[i], c.alerts[i], want[i]);
		bad++;
	}
	rc = bad ? 1 : 0;
out:
	free(c.last);
	free(c.alerts);
	free(want);
	return rc;
}

static void
bench_usage(FILE *f)
{
	fprintf(f, "usage: bench-hs -r CAPTURE.pcap -S RULES.sigs [-S ...] [-t SECONDS]\n"
		   "                [-e EXPECTED.tsv]\n"
		   "\n"
		   "  -r FILE     Ethernet pcap; the TCP/UDP payloads weir would scan are kept\n"
		   "  -S FILE     signature file (ID:/regex/flags), may repeat\n"
		   "  -t SECONDS  how long to scan, in full passes over the capture (default 5)\n"
		   "  -e FILE     first check alerts per rule against weir-gen's expected.tsv;\n"
		   "              exit 1 on any difference\n");
}

int
main(int argc, char **argv)
{
	const char *paths[BENCH_MAX_RULE_FILES];
	struct bench_payloads ps = {0};
	struct bench_db b = {0};
	const char *pcap_path = NULL, *expected = NULL;
	unsigned int n_paths = 0;
	uint64_t matches = 0, passes = 0, alerts = 0;
	double secs = 5, t0, el;
	int c, rc, ret = 1;
	size_t k;

	while ((c = getopt(argc, argv, "r:S:t:e:h")) != -1) {
		switch (c) {
		case 'r':
			pcap_path = optarg;
			break;
		case 'S':
			if (n_paths == BENCH_MAX_RULE_FILES) {
				fprintf(stderr, "bench-hs: at most %d -S\n", BENCH_MAX_RULE_FILES);
				return 2;
			}
			paths[n_paths++] = optarg;
			break;
		case 't':
			secs = strtod(optarg, NULL);
			break;
		case 'e':
			expected = optarg;
			break;
		case 'h':
			bench_usage(stdout);
			return 0;
		default:
			bench_usage(stderr);
			return 2;
		}
	}
	if (pcap_path == NULL || n_paths == 0 || optind != argc || !(secs > 0)) {
		bench_usage(stderr);
		return 2;
	}

	rc = bench_db_weir(paths, n_paths, &b);
	if (rc < 0)
		goto out;
	rc = bench_pcap_frames("bench-hs", pcap_path, bench_on_frame, &ps);
	if (rc < 0)
		goto out;
	if (ps.b.n == 0) {
		fprintf(stderr, "bench-hs: %s: no TCP/UDP packet to scan\n", pcap_path);
		goto out;
	}

	/* the checking pass doubles as warm-up for caches and branch history */
	rc = bench_check(&b, &ps, expected, &alerts);
	if (rc < 0)
		goto out;
	if (expected != NULL)
		fprintf(stderr, "bench-hs: %s: %s\n", expected,
			rc == 0 ? "every rule alerts as expected" : "MISMATCH");
	ret = rc;

	t0 = bench_now();
	do {
		for (k = 0; k < ps.b.n; k++) {
			hs_error_t err;

			err = hs_scan(b.db, (const char *)ps.b.data + ps.b.off[k],
				      (unsigned int)(ps.b.off[k + 1] - ps.b.off[k]), 0, b.scratch,
				      bench_on_match, &matches);
			if (err != HS_SUCCESS) {
				fprintf(stderr, "bench-hs: hs_scan failed: %d\n", err);
				ret = 1;
				goto out;
			}
		}
		passes++;
		el = bench_now() - t0;
	} while (el < secs);

	printf("bench-hs: %s, %u rules, %s\n", pcap_path, b.n, hs_version());
	printf("  rx_packets: %" PRIu64 "\n", ps.rx);
	printf("  not_scanned: %" PRIu64 "\n", ps.skipped);
	printf("  scanned_per_pass: %zu\n", ps.b.n);
	printf("  payload_bytes_per_pass: %zu\n", ps.b.len);
	printf("  alerts_per_pass: %" PRIu64 "\n", alerts);
	printf("  compile_ms: %.1f\n", b.compile_ms);
	printf("  passes: %" PRIu64 "\n", passes);
	printf("  matches: %" PRIu64 "\n", matches);
	printf("  elapsed_s: %.3f\n", el);
	printf("  pps: %.0f\n", (double)ps.b.n * (double)passes / el);
	printf("  gbps: %.3f\n", (double)ps.b.len * (double)passes * 8 / el / 1e9);
out:
	bench_db_free(&b);
	bench_bytes_free(&ps.b);
	return ret;
}
