/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-hs: the floor under weir's scan path. It reads a pcap, keeps exactly
 * the TCP/UDP payloads weir's decoder would scan, builds the same Hyperscan
 * database from the same signature files (through weir's own rules loader,
 * or its own small parser with -P), and times bare hs_scan over all
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
#include <pcap/pcap.h>

#include "rules.h"

#define BENCH_MAX_RULE_FILES 16
#define BENCH_MAX_VLAN 2          /* as weir: 802.1Q, or 802.1ad QinQ */

/* All scanned payloads, back to back, and where each one starts. */
struct bench_payloads {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t *off;              /* n + 1 entries: payload i is [off[i], off[i+1]) */
	size_t n;
	size_t n_cap;
	uint64_t rx;              /* packets read */
	uint64_t skipped;         /* not TCP/UDP, fragments, malformed */
};

/* The database under test, whichever way it was built. */
struct bench_db {
	hs_database_t *db;
	hs_scratch_t *scratch;
	uint32_t *sid;            /* Hyperscan expression id -> signature id */
	unsigned int n;
	struct weir_ruleset *rs;  /* set when weir's loader built it */
	double compile_ms;
};

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint16_t
bench_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Find the L4 payload of an Ethernet frame the way weir's decoder does:
 * every length checked against the capture and bounded by the IP length;
 * non-first fragments and anything but TCP/UDP are not scanned.
 * @return 0 and the payload, or -1 when weir would not scan the packet.
 */
static int
bench_payload(const uint8_t *p, uint32_t len, const uint8_t **pl, uint32_t *pl_len)
{
	uint32_t off = 14, end, l4;
	uint16_t type;
	uint8_t proto;
	int n_vlan = 0;

	if (len < 14)
		return -1;
	type = bench_get16(p + 12);
	while ((type == 0x8100 || type == 0x88a8) && n_vlan < BENCH_MAX_VLAN) {
		if (len < off + 4)
			return -1;
		type = bench_get16(p + off + 2);
		off += 4;
		n_vlan++;
	}
	if (type == 0x0800) {
		uint32_t ihl, tot;

		if (len < off + 20 || (p[off] >> 4) != 4)
			return -1;
		ihl = (uint32_t)(p[off] & 0xf) * 4;
		tot = bench_get16(p + off + 2);
		if (ihl < 20 || tot < ihl || off + tot > len)
			return -1;
		if ((bench_get16(p + off + 6) & 0x1fff) != 0)
			return -1; /* non-first fragment */
		proto = p[off + 9];
		end = off + tot;
		off += ihl;
	} else if (type == 0x86dd) {
		uint8_t nh;

		if (len < off + 40 || (p[off] >> 4) != 6)
			return -1;
		end = off + 40 + bench_get16(p + off + 4);
		if (end > len)
			return -1;
		nh = p[off + 6];
		off += 40;
		for (;;) {
			if (nh == 0 || nh == 43 || nh == 60) {
				if (end < off + 8)
					return -1;
				nh = p[off];
				off += ((uint32_t)p[off + 1] + 1) * 8;
			} else if (nh == 44) {
				if (end < off + 8)
					return -1;
				if ((bench_get16(p + off + 2) & 0xfff8) != 0)
					return -1;
				nh = p[off];
				off += 8;
			} else {
				break;
			}
			if (off > end)
				return -1;
		}
		proto = nh;
	} else {
		return -1;
	}
	if (proto == 6) {
		if (end < off + 20)
			return -1;
		l4 = (uint32_t)(p[off + 12] >> 4) * 4;
		if (l4 < 20 || end < off + l4)
			return -1;
	} else if (proto == 17) {
		l4 = 8;
		if (end < off + l4)
			return -1;
	} else {
		return -1;
	}
	*pl = p + off + l4;
	*pl_len = end - off - l4;
	return 0;
}

static int
bench_payloads_add(struct bench_payloads *ps, const uint8_t *p, uint32_t n)
{
	if (ps->n + 2 > ps->n_cap) {
		size_t cap = ps->n_cap ? ps->n_cap * 2 : 4096;
		size_t *v = realloc(ps->off, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		ps->off = v;
		ps->n_cap = cap;
	}
	if (ps->len + n > ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 1 << 20;
		uint8_t *v;

		while (cap < ps->len + n)
			cap *= 2;
		v = realloc(ps->data, cap);
		if (v == NULL)
			return -ENOMEM;
		ps->data = v;
		ps->cap = cap;
	}
	memcpy(ps->data + ps->len, p, n);
	ps->off[ps->n] = ps->len;
	ps->len += n;
	ps->off[++ps->n] = ps->len;
	return 0;
}

static int
bench_read_pcap(const char *path, struct bench_payloads *ps)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *pkt;
	pcap_t *pc;
	int rc = 0, r;

	pc = pcap_open_offline(path, errbuf);
	if (pc == NULL) {
		fprintf(stderr, "bench-hs: %s: %s\n", path, errbuf);
		return -EIO;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		fprintf(stderr, "bench-hs: %s: only Ethernet captures are supported\n", path);
		rc = -ENOTSUP;
		goto out;
	}
	while ((r = pcap_next_ex(pc, &h, &pkt)) == 1) {
		const uint8_t *pl;
		uint32_t pl_len;

		ps->rx++;
		if (bench_payload(pkt, h->caplen, &pl, &pl_len) < 0) {
			ps->skipped++;
			continue;
		}
		rc = bench_payloads_add(ps, pl, pl_len);
		if (rc < 0)
			goto out;
	}
	if (r == -1) {
		fprintf(stderr, "bench-hs: %s: %s\n", path, pcap_geterr(pc));
		rc = -EIO;
	}
out:
	pcap_close(pc);
	return rc;
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
	if (b->rs->db == NULL) {
		fprintf(stderr, "bench-hs: the rule files hold no rule\n");
		rc = -EINVAL;
		goto out;
	}
	b->db = b->rs->db;
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

struct bench_rules {
	char **expr;
	unsigned int *flags;
	uint32_t *sid;
	unsigned int n;
	unsigned int cap;
};

static int
bench_rules_add(struct bench_rules *r, uint32_t sid, const char *expr, size_t len,
		unsigned int flags)
{
	if (r->n == r->cap) {
		unsigned int cap = r->cap ? r->cap * 2 : 256;
		char **e = realloc(r->expr, cap * sizeof(*e));
		unsigned int *f;
		uint32_t *s;

		if (e == NULL)
			return -ENOMEM;
		r->expr = e;
		f = realloc(r->flags, cap * sizeof(*f));
		if (f == NULL)
			return -ENOMEM;
		r->flags = f;
		s = realloc(r->sid, cap * sizeof(*s));
		if (s == NULL)
			return -ENOMEM;
		r->sid = s;
		r->cap = cap;
	}
	r->expr[r->n] = strndup(expr, len);
	if (r->expr[r->n] == NULL)
		return -ENOMEM;
	r->flags[r->n] = flags;
	r->sid[r->n] = sid;
	r->n++;
	return 0;
}

/*
 * Our own reading of "ID:/regex/flags", for when weir's loader is not
 * there yet or is itself under suspicion. Every rule gets SINGLEMATCH
 * (except with L, which Hyperscan refuses it with), as weir's one alert per
 * packet and rule amounts to.
 */
static int
bench_parse_sig(const char *path, struct bench_rules *r)
{
	char *line = NULL, *end, *slash, *fl;
	unsigned int lineno = 0, flags;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int rc = 0;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "bench-hs: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		unsigned long sid;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' ||
				 line[n - 1] == ' ' || line[n - 1] == '\t'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		sid = strtoul(line, &end, 10);
		slash = strrchr(line, '/');
		if (end == line || end[0] != ':' || end[1] != '/' || slash == end + 1)
			goto bad;
		flags = HS_FLAG_SINGLEMATCH;
		for (fl = slash + 1; *fl != '\0' && *fl != ' ' && *fl != '\t'; fl++) {
			switch (*fl) {
			case 'i': flags |= HS_FLAG_CASELESS; break;
			case 'm': flags |= HS_FLAG_MULTILINE; break;
			case 's': flags |= HS_FLAG_DOTALL; break;
			case 'H': flags |= HS_FLAG_SINGLEMATCH; break;
			case '8': flags |= HS_FLAG_UTF8; break;
			case 'W': flags |= HS_FLAG_UCP; break;
			case 'L': flags |= HS_FLAG_SOM_LEFTMOST; break;
			default: goto bad;
			}
		}
		if (flags & HS_FLAG_SOM_LEFTMOST)
			flags &= ~(unsigned int)HS_FLAG_SINGLEMATCH;
		rc = bench_rules_add(r, (uint32_t)sid, end + 2, (size_t)(slash - end - 2), flags);
		if (rc < 0)
			goto out;
		continue;
bad:
		fprintf(stderr, "bench-hs: %s:%u: not ID:/regex/flags\n", path, lineno);
		rc = -EINVAL;
		goto out;
	}
out:
	free(line);
	fclose(f);
	return rc;
}

static int
bench_db_own(const char *const *paths, unsigned int n_paths, struct bench_db *b)
{
	struct bench_rules r = {0};
	hs_compile_error_t *cerr = NULL;
	unsigned int i, *ids = NULL;
	hs_error_t err;
	double t0;
	int rc = 0;

	for (i = 0; i < n_paths; i++) {
		rc = bench_parse_sig(paths[i], &r);
		if (rc < 0)
			goto out;
	}
	if (r.n == 0) {
		fprintf(stderr, "bench-hs: the rule files hold no rule\n");
		rc = -EINVAL;
		goto out;
	}
	ids = malloc(r.n * sizeof(*ids));
	if (ids == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < r.n; i++)
		ids[i] = i;
	t0 = bench_now();
	err = hs_compile_multi((const char *const *)r.expr, r.flags, ids, r.n, HS_MODE_BLOCK,
			       NULL, &b->db, &cerr);
	b->compile_ms = (bench_now() - t0) * 1e3;
	if (err != HS_SUCCESS) {
		fprintf(stderr, "bench-hs: hs_compile_multi failed: rule %" PRIu32 ": %s\n",
			cerr->expression >= 0 ? r.sid[cerr->expression] : 0, cerr->message);
		hs_free_compile_error(cerr);
		rc = -EINVAL;
		goto out;
	}
	err = hs_alloc_scratch(b->db, &b->scratch);
	if (err != HS_SUCCESS) {
		fprintf(stderr, "bench-hs: hs_alloc_scratch failed: %d\n", err);
		rc = -ENOMEM;
		goto out;
	}
	b->sid = r.sid;
	b->n = r.n;
	r.sid = NULL;
out:
	for (i = 0; i < r.n; i++)
		free(r.expr[i]);
	free(r.expr);
	free(r.flags);
	free(r.sid);
	free(ids);
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
bench_on_match(unsigned int id, unsigned long long from, unsigned long long to,
	       unsigned int flags, void *ctx)
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
	uint64_t pkt;             /* current packet, 1-based */
	uint64_t *last;           /* per expression id: last packet that alerted */
	uint64_t *alerts;         /* per expression id */
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
	unsigned long sid;
	uint64_t *want = NULL;
	unsigned long long cnt;
	unsigned int i, bad = 0;
	FILE *f = NULL;
	size_t k;
	int rc = 0;

	c.last = calloc(b->n, sizeof(*c.last));
	c.alerts = calloc(b->n, sizeof(*c.alerts));
	want = calloc(b->n, sizeof(*want));
	if (c.last == NULL || c.alerts == NULL || want == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (k = 0; k < ps->n; k++) {
		hs_error_t err;

		c.pkt = k + 1;
		err = hs_scan(b->db, (const char *)ps->data + ps->off[k],
			      (unsigned int)(ps->off[k + 1] - ps->off[k]), 0, b->scratch,
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

	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		fprintf(stderr, "bench-hs: %s: %s\n", path, strerror(errno));
		goto out;
	}
	while (fscanf(f, "%lu\t%llu", &sid, &cnt) == 2) {
		for (i = 0; i < b->n && b->sid[i] != sid; i++)
			;
		if (i == b->n) {
			fprintf(stderr, "bench-hs: %s: signature %lu is no rule\n", path, sid);
			bad++;
			continue;
		}
		want[i] += cnt;
	}
	for (i = 0; i < b->n; i++) {
		if (want[i] == c.alerts[i])
			continue;
		fprintf(stderr, "bench-hs: signature %" PRIu32 ": %" PRIu64 " alerts, want %" PRIu64
			"\n", b->sid[i], c.alerts[i], want[i]);
		bad++;
	}
	rc = bad ? 1 : 0;
out:
	if (f != NULL)
		fclose(f);
	free(c.last);
	free(c.alerts);
	free(want);
	return rc;
}

static void
bench_usage(FILE *f)
{
	fprintf(f,
		"usage: bench-hs -r CAPTURE.pcap -S RULES.sigs [-S ...] [-t SECONDS]\n"
		"                [-e EXPECTED.tsv] [-P]\n"
		"\n"
		"  -r FILE     Ethernet pcap; the TCP/UDP payloads weir would scan are kept\n"
		"  -S FILE     signature file (ID:/regex/flags), may repeat\n"
		"  -t SECONDS  how long to scan, in full passes over the capture (default 5)\n"
		"  -e FILE     first check alerts per rule against weir-gen's expected.tsv;\n"
		"              exit 1 on any difference\n"
		"  -P          build the database with bench-hs's own parser, not weir's\n");
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
	int c, rc, own = 0, ret = 1;
	size_t k;

	while ((c = getopt(argc, argv, "r:S:t:e:Ph")) != -1) {
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
		case 'P':
			own = 1;
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

	rc = own ? bench_db_own(paths, n_paths, &b) : bench_db_weir(paths, n_paths, &b);
	if (rc < 0)
		goto out;
	rc = bench_read_pcap(pcap_path, &ps);
	if (rc < 0)
		goto out;
	if (ps.n == 0) {
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
		for (k = 0; k < ps.n; k++) {
			hs_error_t err;

			err = hs_scan(b.db, (const char *)ps.data + ps.off[k],
				      (unsigned int)(ps.off[k + 1] - ps.off[k]), 0, b.scratch,
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

	printf("bench-hs: %s, %u rules (%s parser), %s\n", pcap_path, b.n, own ? "own" : "weir",
	       hs_version());
	printf("  rx_packets: %" PRIu64 "\n", ps.rx);
	printf("  not_scanned: %" PRIu64 "\n", ps.skipped);
	printf("  scanned_per_pass: %zu\n", ps.n);
	printf("  payload_bytes_per_pass: %zu\n", ps.len);
	printf("  alerts_per_pass: %" PRIu64 "\n", alerts);
	printf("  compile_ms: %.1f\n", b.compile_ms);
	printf("  passes: %" PRIu64 "\n", passes);
	printf("  matches: %" PRIu64 "\n", matches);
	printf("  elapsed_s: %.3f\n", el);
	printf("  pps: %.0f\n", (double)ps.n * (double)passes / el);
	printf("  gbps: %.3f\n", (double)ps.len * (double)passes * 8 / el / 1e9);
out:
	bench_db_free(&b);
	free(ps.data);
	free(ps.off);
	return ret;
}
