/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weir-gen: the traffic generator behind weir's benchmarks and bundled test
 * capture. It sits before the packet path: it writes a classic pcap
 * (Ethernet, microsecond timestamps) of synthetic payment/API traffic
 * (IMIX-like 7:4:1 frame sizes of 64/576/1500 bytes, IPv4 and IPv6, some
 * 802.1Q tagged, TCP and UDP, JSON or ISO8583-ish text payloads), plants
 * rule triggers into a chosen fraction of the packets, and writes the exact
 * alert count weir must produce per rule. It also writes large synthetic
 * signature files (--emit-rules) together with their triggers. Everything
 * comes from one seeded PRNG, so a seed names a capture.
 *
 * Trigger convention (in the .sigs file, which weir reads as comments):
 *
 *     # trigger: <id> <text>
 *
 * <text> is everything after the single space following <id>, up to the end
 * of the line: a literal string that matches rule <id> and no other rule of
 * the file. A rule may have several trigger lines; a rule without one is
 * never planted. The generator puts a trigger between non-word characters
 * (inside a JSON string after "note":" or after "|NOTE="), so rules may use
 * \b at a trigger's edges.
 *
 * Why filler never matches (by design, checked by bench-hs -e):
 *   - filler is printable ASCII drawn from fixed field templates, and never
 *     contains '~'. Every rule --emit-rules writes contains the mandatory
 *     literal "~<tag>", a tag unique to the rule (4 letters, distinct even
 *     caselessly), and each of its triggers holds exactly one '~', followed
 *     by its own tag: so a rule can only match where its own trigger is;
 *   - for rules/examples/sample.sigs: filler has no digit run longer than
 *     13, amounts of at most 5 integer digits, merchant ids MRC[1-5]dddddd,
 *     and none of "cvv", "union", "select", "authorization", "sleep",
 *     "benchmark", "<", "(", "${", "../", "TESTMERCH".
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <pcap/pcap.h>

#define GEN_SNAPLEN 65535
#define GEN_MAX_FRAME 2048        /* room for 1514 plus planted triggers */
#define GEN_MAX_TRIGGERS_PKT 2    /* a packet carries at most this many */
#define GEN_TAG_LEN 4             /* letters after '~' in synthetic rules */
#define GEN_TAG_SPACE (26 * 26 * 26 * 26)
#define GEN_TS_START 1700000000   /* s: fixed, so the capture is byte-stable */
#define GEN_TS_STEP_US 20         /* us between packets */

/* xorshift64* seeded through splitmix64: small, fast, identical everywhere. */
struct gen_rng {
	uint64_t s;
};

static uint64_t
gen_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
gen_rng_seed(struct gen_rng *r, uint64_t seed)
{
	uint64_t x = seed;

	r->s = gen_splitmix64(&x);
	if (r->s == 0) /* xorshift's one fixed point */
		r->s = 1;
}

static uint64_t
gen_rng_next(struct gen_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dULL;
}

/* Uniform in [0, n) by multiply-shift: no modulo bias worth the name. */
static uint32_t
gen_rng_below(struct gen_rng *r, uint32_t n)
{
	return (uint32_t)(((gen_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static double
gen_rng_unit(struct gen_rng *r)
{
	return (double)(gen_rng_next(r) >> 11) * 0x1p-53;
}

/* A bounded text buffer: appends past the end are cut, never overflow. */
struct gen_text {
	char *p;
	size_t len;
	size_t cap;
};

static void
gen_put(struct gen_text *t, const char *s, size_t n)
{
	if (n > t->cap - t->len)
		n = t->cap - t->len;
	memcpy(t->p + t->len, s, n);
	t->len += n;
}

static void
gen_puts(struct gen_text *t, const char *s)
{
	gen_put(t, s, strlen(s));
}

static void
gen_putf(struct gen_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
gen_putf(struct gen_text *t, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		gen_put(t, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void
gen_put_chars(struct gen_text *t, struct gen_rng *r, const char *alphabet, unsigned int n)
{
	size_t k = strlen(alphabet);
	unsigned int i;

	for (i = 0; i < n; i++)
		gen_put(t, &alphabet[gen_rng_below(r, (uint32_t)k)], 1);
}

static void
gen_put_digits(struct gen_text *t, struct gen_rng *r, unsigned int n)
{
	gen_put_chars(t, r, "0123456789", n);
}

static const char *
gen_pick(struct gen_rng *r, const char *const *v, unsigned int n)
{
	return v[gen_rng_below(r, n)];
}

#define GEN_PICK(r, arr) gen_pick((r), (arr), sizeof(arr) / sizeof((arr)[0]))

/*
 * Filler vocabulary. Every word here was chosen not to contain a keyword of
 * rules/examples/sample.sigs; add words with that file open.
 */
static const char *const g_currencies[] = {"EUR", "USD", "GBP", "CHF", "JPY", "SEK", "PLN"};
static const char *const g_status[] = {"approved", "declined", "pending", "review", "settled"};
static const char *const g_channels[] = {"ecom", "pos", "moto", "recurring", "wallet"};
static const char *const g_countries[] = {"DE", "FR", "NL", "US", "GB", "ES", "IT", "PL"};
static const char *const g_agents[] = {"okhttp/4.9.3", "curl/8.4.0", "pay-sdk-ios/3.2.1",
				      "pay-sdk-android/3.1.7", "python-requests/2.31.0"};
static const char *const g_words[] = {"coffee",  "grocery", "fuel",     "books",  "transit",
				      "parking", "pharmacy", "hotel",   "airfare", "streaming",
				      "bakery",  "hardware", "florist", "taxi",    "cinema"};
static const char *const g_paths[] = {"/v1/payments", "/v1/refunds", "/v2/authorize",
				     "/v2/capture", "/v1/tokens"};

/* Random token: letters at every 4th place keep digit runs short. */
static void
gen_put_token(struct gen_text *t, struct gen_rng *r, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		gen_put_chars(t, r, i % 4 == 3 ? "abcdefghjkmnpqrstvwxyz" :
						 "abcdefghjkmnpqrstvwxyz23456789",
			      1);
}

static void
gen_put_masked_pan(struct gen_text *t, struct gen_rng *r)
{
	gen_put_chars(t, r, "45", 1);
	gen_put_digits(t, r, 5);
	gen_puts(t, "******");
	gen_put_digits(t, r, 4);
}

/* One JSON member ("key":value), without separator. */
static void
gen_json_field(struct gen_text *t, struct gen_rng *r)
{
	switch (gen_rng_below(r, 14)) {
	case 0:
		gen_puts(t, "\"txn_id\":\"");
		gen_put_chars(t, r, "0123456789abcdef", 8);
		gen_puts(t, "-");
		gen_put_chars(t, r, "0123456789abcdef", 4);
		gen_puts(t, "-");
		gen_put_chars(t, r, "0123456789abcdef", 4);
		gen_puts(t, "\"");
		break;
	case 1:
		/* at most 5 integer digits: never a "large amount" */
		gen_putf(t, "\"amount\":\"%u.%02u\"", gen_rng_below(r, 100000),
			 gen_rng_below(r, 100));
		break;
	case 2:
		gen_putf(t, "\"currency\":\"%s\"", GEN_PICK(r, g_currencies));
		break;
	case 3:
		gen_putf(t, "\"merchant_id\":\"MRC%u%06u\"", 1 + gen_rng_below(r, 5),
			 gen_rng_below(r, 1000000));
		break;
	case 4:
		gen_puts(t, "\"pan\":\"");
		gen_put_masked_pan(t, r);
		gen_puts(t, "\"");
		break;
	case 5:
		gen_puts(t, "\"token\":\"tok_");
		gen_put_token(t, r, 24);
		gen_puts(t, "\"");
		break;
	case 6:
		gen_putf(t, "\"ts\":17%011" PRIu64, (uint64_t)(gen_rng_next(r) % 100000000000ULL));
		break;
	case 7:
		gen_putf(t, "\"status\":\"%s\"", GEN_PICK(r, g_status));
		break;
	case 8:
		gen_putf(t, "\"mcc\":\"%04u\"", gen_rng_below(r, 10000));
		break;
	case 9:
		gen_putf(t, "\"client_ip\":\"10.%u.%u.%u\"", gen_rng_below(r, 256),
			 gen_rng_below(r, 256), 1 + gen_rng_below(r, 254));
		break;
	case 10:
		gen_putf(t, "\"channel\":\"%s\"", GEN_PICK(r, g_channels));
		break;
	case 11:
		gen_putf(t, "\"country\":\"%s\"", GEN_PICK(r, g_countries));
		break;
	case 12:
		gen_putf(t, "\"desc\":\"%s %s\"", GEN_PICK(r, g_words), GEN_PICK(r, g_words));
		break;
	default:
		gen_putf(t, "\"terminal\":\"T%04u\"", gen_rng_below(r, 10000));
		break;
	}
}

/* One ISO8583-ish field (Fnn=value), without separator. */
static void
gen_iso_field(struct gen_text *t, struct gen_rng *r)
{
	switch (gen_rng_below(r, 10)) {
	case 0:
		gen_puts(t, "F2=");
		gen_put_masked_pan(t, r);
		break;
	case 1:
		gen_putf(t, "F3=%s", gen_rng_below(r, 2) ? "000000" : "200000");
		break;
	case 2:
		/* 12 digits, zero padded, at most 5 significant integer ones */
		gen_putf(t, "F4=%012u", gen_rng_below(r, 10000000));
		break;
	case 3:
		gen_puts(t, "F7=");
		gen_put_digits(t, r, 10);
		break;
	case 4:
		gen_puts(t, "F11=");
		gen_put_digits(t, r, 6);
		break;
	case 5:
		gen_puts(t, "F37=");
		gen_put_token(t, r, 12);
		break;
	case 6:
		gen_putf(t, "F41=TERM%04u", gen_rng_below(r, 10000));
		break;
	case 7:
		gen_putf(t, "F42=MRC%u%06u", 1 + gen_rng_below(r, 5), gen_rng_below(r, 1000000));
		break;
	case 8:
		gen_putf(t, "F49=%s", gen_rng_below(r, 2) ? "978" : "840");
		break;
	default:
		gen_putf(t, "F43=%s %s %s", GEN_PICK(r, g_words), GEN_PICK(r, g_words),
			 GEN_PICK(r, g_countries));
		break;
	}
}

struct gen_trigger {
	uint32_t sid;
	char *text;
	size_t len;
};

struct gen_triggers {
	struct gen_trigger *v;
	unsigned int n;
	unsigned int cap;
};

static int
gen_triggers_add(struct gen_triggers *ts, uint32_t sid, const char *text, size_t len)
{
	struct gen_trigger *t;

	if (ts->n == ts->cap) {
		unsigned int cap = ts->cap ? ts->cap * 2 : 64;
		struct gen_trigger *v = realloc(ts->v, cap * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		ts->v = v;
		ts->cap = cap;
	}
	t = &ts->v[ts->n];
	t->text = strndup(text, len);
	if (t->text == NULL)
		return -ENOMEM;
	t->sid = sid;
	t->len = len;
	ts->n++;
	return 0;
}

static void
gen_triggers_free(struct gen_triggers *ts)
{
	unsigned int i;

	for (i = 0; i < ts->n; i++)
		free(ts->v[i].text);
	free(ts->v);
	memset(ts, 0, sizeof(*ts));
}

/*
 * Read the "# trigger: <id> <text>" lines of a signature file. Every trigger
 * must name a rule of the same file, so a typo cannot silently plant
 * traffic that no rule is meant to match.
 */
static int
gen_triggers_load(const char *path, struct gen_triggers *ts)
{
	static const char key[] = "# trigger: ";
	uint32_t *sids = NULL;
	unsigned int n_sids = 0, cap_sids = 0, lineno = 0, i, j;
	char *line = NULL;
	size_t linecap = 0;
	ssize_t n;
	FILE *f;
	int rc = 0;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "weir-gen: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while ((n = getline(&line, &linecap, f)) >= 0) {
		char *end;
		unsigned long sid;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (line[0] >= '0' && line[0] <= '9') {
			sid = strtoul(line, &end, 10);
			if (*end != ':')
				continue;
			if (n_sids == cap_sids) {
				uint32_t *v;

				cap_sids = cap_sids ? cap_sids * 2 : 64;
				v = realloc(sids, cap_sids * sizeof(*v));
				if (v == NULL) {
					rc = -ENOMEM;
					goto out;
				}
				sids = v;
			}
			sids[n_sids++] = (uint32_t)sid;
			continue;
		}
		if (strncmp(line, key, sizeof(key) - 1) != 0)
			continue;
		sid = strtoul(line + sizeof(key) - 1, &end, 10);
		if (end == line + sizeof(key) - 1 || *end != ' ' || end[1] == '\0' ||
		    sid > UINT32_MAX) {
			fprintf(stderr, "weir-gen: %s:%u: bad trigger line (want \"%s<id> <text>\")\n",
				path, lineno, key);
			rc = -EINVAL;
			goto out;
		}
		rc = gen_triggers_add(ts, (uint32_t)sid, end + 1, (size_t)(line + n - end - 1));
		if (rc < 0)
			goto out;
	}
	for (i = 0; i < ts->n; i++) {
		for (j = 0; j < n_sids && sids[j] != ts->v[i].sid; j++)
			;
		if (j == n_sids) {
			fprintf(stderr, "weir-gen: %s: trigger for %" PRIu32 ", which is no rule\n",
				path, ts->v[i].sid);
			rc = -EINVAL;
			goto out;
		}
	}
out:
	free(sids);
	free(line);
	fclose(f);
	return rc;
}

/* What a packet looks like on the wire, drawn before its payload. */
struct gen_shape {
	unsigned int frame_len;  /* target, headers included */
	int ipv6;
	int vlan;
	int udp;
	int iso;                 /* ISO8583-ish text instead of JSON */
	int http;                /* JSON behind an HTTP request head (TCP) */
};

struct gen_opts {
	unsigned long count;
	uint64_t seed;
	double fraction;
	double p_ipv6;
	double p_vlan;
	double p_udp;
	const char *out;
	const char *expected;
	const char *rules;
	const char *emit;        /* "literal" or "regex" */
	unsigned long n_rules;
};

/*
 * Build one payload of about @p want bytes. Triggers go in early, as whole
 * fields, and only the trailing filler is cut to length, so a trigger is
 * never truncated; with triggers the payload may run a little longer.
 */
static size_t
gen_payload(struct gen_rng *r, const struct gen_shape *sh, size_t want,
	    const struct gen_trigger *const *trig, unsigned int n_trig, char *buf, size_t cap)
{
	struct gen_text t = {.p = buf, .len = 0, .cap = cap};
	const char *sep = sh->iso ? "|" : ",";
	size_t min_len;
	unsigned int i, pre;

	if (sh->iso) {
		gen_putf(&t, "MTI=%s|", gen_rng_below(r, 2) ? "0200" : "0100");
	} else {
		if (sh->http)
			gen_putf(&t,
				 "POST %s HTTP/1.1\r\nHost: api.pay.example\r\n"
				 "Content-Type: application/json\r\nUser-Agent: %s\r\n\r\n",
				 GEN_PICK(r, g_paths), GEN_PICK(r, g_agents));
		gen_puts(&t, "{");
	}
	pre = gen_rng_below(r, 3);
	for (i = 0; i < pre && n_trig > 0 && t.len + 64 < want; i++) {
		sh->iso ? gen_iso_field(&t, r) : gen_json_field(&t, r);
		gen_puts(&t, sep);
	}
	for (i = 0; i < n_trig; i++) {
		gen_puts(&t, sh->iso ? "NOTE=" : "\"note\":\"");
		gen_put(&t, trig[i]->text, trig[i]->len);
		gen_puts(&t, sh->iso ? "|" : "\",");
	}
	min_len = t.len;
	while (t.len < want && t.len < t.cap) {
		sh->iso ? gen_iso_field(&t, r) : gen_json_field(&t, r);
		gen_puts(&t, sep);
	}
	if (!sh->iso && t.len < t.cap)
		gen_puts(&t, "}");
	return want > min_len ? want : min_len;
}

static uint32_t
gen_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t
gen_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
gen_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
gen_put32(uint8_t *p, uint32_t v)
{
	gen_put16(p, (uint16_t)(v >> 16));
	gen_put16(p + 2, (uint16_t)v);
}

static void
gen_shape_draw(struct gen_rng *r, const struct gen_opts *o, struct gen_shape *sh)
{
	uint32_t k = gen_rng_below(r, 12);

	/* simple IMIX: 7 small, 4 medium, 1 large */
	sh->frame_len = k < 7 ? 64 : k < 11 ? 576 : 1500;
	sh->ipv6 = gen_rng_unit(r) < o->p_ipv6;
	sh->vlan = gen_rng_unit(r) < o->p_vlan;
	sh->udp = gen_rng_unit(r) < o->p_udp;
	sh->iso = sh->udp ? gen_rng_below(r, 2) : gen_rng_below(r, 4) == 0;
	sh->http = !sh->udp && !sh->iso && sh->frame_len > 64 && gen_rng_below(r, 2);
}

/*
 * Write one frame into @p pkt: Ethernet [802.1Q] IPv4|IPv6 TCP|UDP payload.
 * IPv4 header, TCP and UDP checksums are all correct.
 * @return the frame length.
 */
static size_t
gen_frame(struct gen_rng *r, const struct gen_shape *sh, const struct gen_trigger *const *trig,
	  unsigned int n_trig, uint8_t *pkt, size_t cap)
{
	size_t l2 = 14 + (sh->vlan ? 4 : 0);
	size_t l3 = sh->ipv6 ? 40 : 20;
	size_t l4 = sh->udp ? 8 : 20;
	size_t hdr = l2 + l3 + l4, want, plen, l4len;
	uint8_t *ip = pkt + l2, *th = ip + l3, *pl = th + l4;
	uint16_t sport = (uint16_t)(32768 + gen_rng_below(r, 28000));
	uint16_t dport;
	uint32_t sum;

	/* tiny frames still carry a few bytes: a 64-byte v6+VLAN+TCP has none */
	want = sh->frame_len > hdr + 6 ? sh->frame_len - hdr : 6;
	plen = gen_payload(r, sh, want, trig, n_trig, (char *)pl, cap - hdr);

	memcpy(pkt, "\x02\x00\x5e\x10\x00\x01", 6);
	memcpy(pkt + 6, "\x02\x00\x5e\x20\x00", 5);
	pkt[11] = (uint8_t)gen_rng_below(r, 16);
	if (sh->vlan) {
		gen_put16(pkt + 12, 0x8100);
		gen_put16(pkt + 14, (uint16_t)(100 * (1 + gen_rng_below(r, 3))));
	}
	gen_put16(pkt + l2 - 2, sh->ipv6 ? 0x86dd : 0x0800);

	l4len = l4 + plen;
	if (sh->ipv6) {
		gen_put32(ip, 0x60000000u | gen_rng_below(r, 1u << 20));
		gen_put16(ip + 4, (uint16_t)l4len);
		ip[6] = sh->udp ? 17 : 6;
		ip[7] = 64;
		memcpy(ip + 8, "\xfd\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00", 15);
		ip[23] = (uint8_t)(1 + gen_rng_below(r, 200));
		memcpy(ip + 24, "\xfd\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00", 15);
		ip[39] = (uint8_t)(1 + gen_rng_below(r, 8));
		sum = gen_csum_add(0, ip + 8, 32);
	} else {
		ip[0] = 0x45;
		ip[1] = 0;
		gen_put16(ip + 2, (uint16_t)(20 + l4len));
		gen_put16(ip + 4, (uint16_t)gen_rng_below(r, 65536));
		gen_put16(ip + 6, 0x4000); /* DF, never a fragment */
		ip[8] = 64;
		ip[9] = sh->udp ? 17 : 6;
		gen_put16(ip + 10, 0);
		ip[12] = 10;
		ip[13] = 1;
		ip[14] = (uint8_t)gen_rng_below(r, 4);
		ip[15] = (uint8_t)(1 + gen_rng_below(r, 200));
		ip[16] = 10;
		ip[17] = 2;
		ip[18] = 0;
		ip[19] = (uint8_t)(1 + gen_rng_below(r, 8));
		gen_put16(ip + 10, gen_csum_fold(gen_csum_add(0, ip, 20)));
		sum = gen_csum_add(0, ip + 12, 8);
	}
	sum += (uint32_t)(sh->udp ? 17 : 6) + (uint32_t)l4len;

	if (sh->udp) {
		dport = gen_rng_below(r, 2) ? 8583 : 7070;
		gen_put16(th, sport);
		gen_put16(th + 2, dport);
		gen_put16(th + 4, (uint16_t)l4len);
		gen_put16(th + 6, 0);
		sum = gen_csum_fold(gen_csum_add(sum, th, l4len));
		gen_put16(th + 6, sum ? (uint16_t)sum : 0xffff); /* 0 means "none" */
	} else {
		dport = sh->http ? 80 : 8443;
		gen_put16(th, sport);
		gen_put16(th + 2, dport);
		gen_put32(th + 4, (uint32_t)gen_rng_next(r));
		gen_put32(th + 8, (uint32_t)gen_rng_next(r));
		th[12] = 5 << 4;
		th[13] = 0x18; /* PSH|ACK */
		gen_put16(th + 14, 65535);
		gen_put16(th + 16, 0);
		gen_put16(th + 18, 0);
		gen_put16(th + 16, gen_csum_fold(gen_csum_add(sum, th, l4len)));
	}
	return hdr + plen;
}

struct gen_count {
	uint32_t sid;
	uint64_t n;
};

static int
gen_count_cmp(const void *a, const void *b)
{
	const struct gen_count *x = a, *y = b;

	return x->sid < y->sid ? -1 : x->sid > y->sid;
}

static int
gen_write_expected(const char *path, const struct gen_triggers *ts, const uint64_t *hits)
{
	struct gen_count *c;
	unsigned int i, j, n = 0;
	FILE *f;
	int rc = 0;

	c = calloc(ts->n ? ts->n : 1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	/* several trigger lines may share a rule: sum them per sid */
	for (i = 0; i < ts->n; i++) {
		for (j = 0; j < n && c[j].sid != ts->v[i].sid; j++)
			;
		if (j == n)
			c[n++].sid = ts->v[i].sid;
		c[j].n += hits[i];
	}
	qsort(c, n, sizeof(*c), gen_count_cmp);
	f = fopen(path, "w");
	if (f == NULL) {
		rc = -errno;
		fprintf(stderr, "weir-gen: %s: %s\n", path, strerror(errno));
		goto out;
	}
	for (i = 0; i < n; i++)
		if (c[i].n > 0)
			fprintf(f, "%" PRIu32 "\t%" PRIu64 "\n", c[i].sid, c[i].n);
	if (fclose(f) != 0) {
		rc = -errno;
		fprintf(stderr, "weir-gen: %s: %s\n", path, strerror(errno));
	}
out:
	free(c);
	return rc;
}

static int
gen_capture(const struct gen_opts *o)
{
	struct gen_triggers ts = {0};
	struct gen_rng rng;
	pcap_t *dead = NULL;
	pcap_dumper_t *dump = NULL;
	uint64_t *hits = NULL, planted = 0, alerts = 0, bytes = 0;
	uint8_t pkt[GEN_MAX_FRAME];
	unsigned long i;
	int rc = 0;

	if (o->rules != NULL) {
		rc = gen_triggers_load(o->rules, &ts);
		if (rc < 0)
			goto out;
	}
	if (o->fraction > 0 && ts.n == 0) {
		fprintf(stderr, "weir-gen: -f %g needs -R with \"# trigger:\" lines\n",
			o->fraction);
		rc = -EINVAL;
		goto out;
	}
	hits = calloc(ts.n ? ts.n : 1, sizeof(*hits));
	if (hits == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	dead = pcap_open_dead(DLT_EN10MB, GEN_SNAPLEN);
	if (dead == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	dump = pcap_dump_open(dead, o->out);
	if (dump == NULL) {
		fprintf(stderr, "weir-gen: %s: %s\n", o->out, pcap_geterr(dead));
		rc = -EIO;
		goto out;
	}

	gen_rng_seed(&rng, o->seed);
	for (i = 0; i < o->count; i++) {
		const struct gen_trigger *trig[GEN_MAX_TRIGGERS_PKT];
		unsigned int idx[GEN_MAX_TRIGGERS_PKT], n_trig = 0, k;
		struct pcap_pkthdr h;
		struct gen_shape sh;
		uint64_t us;

		gen_shape_draw(&rng, o, &sh);
		if (ts.n > 0 && gen_rng_unit(&rng) < o->fraction) {
			idx[n_trig++] = gen_rng_below(&rng, ts.n);
			/* one in eight carries a second trigger of another rule */
			if (gen_rng_below(&rng, 8) == 0) {
				k = gen_rng_below(&rng, ts.n);
				if (ts.v[k].sid != ts.v[idx[0]].sid)
					idx[n_trig++] = k;
			}
		}
		for (k = 0; k < n_trig; k++) {
			trig[k] = &ts.v[idx[k]];
			hits[idx[k]]++;
		}
		planted += n_trig > 0;
		alerts += n_trig;

		memset(&h, 0, sizeof(h));
		h.len = h.caplen = (bpf_u_int32)gen_frame(&rng, &sh, trig, n_trig, pkt, sizeof(pkt));
		us = (uint64_t)i * GEN_TS_STEP_US;
		h.ts.tv_sec = (time_t)(GEN_TS_START + us / 1000000);
		h.ts.tv_usec = (suseconds_t)(us % 1000000);
		pcap_dump((u_char *)dump, &h, pkt);
		bytes += h.len;
	}
	if (pcap_dump_flush(dump) != 0) {
		fprintf(stderr, "weir-gen: %s: write failed\n", o->out);
		rc = -EIO;
		goto out;
	}
	if (o->expected != NULL) {
		rc = gen_write_expected(o->expected, &ts, hits);
		if (rc < 0)
			goto out;
	}
	fprintf(stderr,
		"weir-gen: %lu packets, %" PRIu64 " bytes, %" PRIu64 " with triggers, %" PRIu64
		" expected alerts\n",
		o->count, bytes, planted, alerts);
out:
	if (dump != NULL)
		pcap_dump_close(dump);
	if (dead != NULL)
		pcap_close(dead);
	free(hits);
	gen_triggers_free(&ts);
	return rc;
}

/*
 * Synthetic rule sets. Each rule is built from parts, and each part writes
 * its regex text and a string it matches side by side, so the trigger
 * matches by construction. The "~<tag>" part is mandatory (never optional,
 * never inside an alternation) and is what keeps rules apart.
 */
static const char *const g_rule_words[] = {
	"chargeback", "mule",    "refund",   "velocity", "carding",  "skimmer", "phish",
	"dropship",   "reship",  "giftcard", "cashout",  "bustout",  "synthetic", "stolen",
	"botnet",     "proxy",   "emulator", "rooted",   "geomismatch", "burner", "tumbler",
	"launder",    "smurf",   "friendly", "triangulation", "overpay", "account", "takeover"};

static void
gen_tag(char *tag, unsigned long i)
{
	/* an odd multiplier permutes [0, 26^4): distinct tags that look random */
	unsigned long v = (i * 104729UL + 7919UL) % GEN_TAG_SPACE;
	int k;

	for (k = GEN_TAG_LEN - 1; k >= 0; k--) {
		tag[k] = (char)('a' + v % 26);
		v /= 26;
	}
	tag[GEN_TAG_LEN] = '\0';
}

/* Uppercase some letters of a caseless rule's trigger, to exercise 'i'. */
static void
gen_mix_case(struct gen_rng *r, char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] >= 'a' && s[i] <= 'z' && gen_rng_below(r, 3) == 0)
			s[i] = (char)(s[i] - 'a' + 'A');
}

static void
gen_rule_literal(struct gen_rng *r, const char *tag, struct gen_text *re, struct gen_text *tr,
		 const char **flags)
{
	const char *w1 = GEN_PICK(r, g_rule_words), *w2 = GEN_PICK(r, g_rule_words);
	char num[16];

	snprintf(num, sizeof(num), "%u", gen_rng_below(r, 100000));
	gen_putf(re, "%s", w1);
	gen_putf(tr, "%s", w1);
	/* mostly literal: one in ten gets a whitespace or separator class */
	switch (gen_rng_below(r, 10)) {
	case 0:
		gen_puts(re, "\\s+");
		gen_puts(tr, " ");
		break;
	case 1:
		gen_puts(re, "[-_]");
		gen_puts(tr, "_");
		break;
	default:
		gen_puts(re, "-");
		gen_puts(tr, "-");
		break;
	}
	gen_putf(re, "%s%s~%s", w2, num, tag);
	gen_putf(tr, "%s%s~%s", w2, num, tag);
	*flags = gen_rng_below(r, 10) < 3 ? "i" : "";
}

static void
gen_rule_regex_part(struct gen_rng *r, struct gen_text *re, struct gen_text *tr)
{
	unsigned int m, n, k, i;

	switch (gen_rng_below(r, 9)) {
	case 0: /* alternation of words */
		k = 2 + gen_rng_below(r, 3);
		i = gen_rng_below(r, k);
		gen_puts(re, "(?:");
		for (m = 0; m < k; m++) {
			const char *w = GEN_PICK(r, g_rule_words);

			gen_putf(re, "%s%s", m ? "|" : "", w);
			if (m == i)
				gen_puts(tr, w);
		}
		gen_puts(re, ")");
		break;
	case 1: /* bounded class repetition */
		m = 2 + gen_rng_below(r, 3);
		n = m + gen_rng_below(r, 5);
		gen_putf(re, "[a-z]{%u,%u}", m, n);
		gen_put_chars(tr, r, "abcdefghijklmnopqrstuvwxyz", m + gen_rng_below(r, n - m + 1));
		break;
	case 2:
		m = 2 + gen_rng_below(r, 3);
		n = m + gen_rng_below(r, 5);
		gen_putf(re, "\\d{%u,%u}", m, n);
		gen_put_digits(tr, r, m + gen_rng_below(r, n - m + 1));
		break;
	case 3:
		gen_puts(re, "[0-9a-f]+");
		gen_put_chars(tr, r, "0123456789abcdef", 1 + gen_rng_below(r, 8));
		break;
	case 4:
		gen_puts(re, "[=:]\\s*");
		gen_puts(tr, gen_rng_below(r, 2) ? "=" : ":");
		break;
	case 5: /* a bounded gap */
		n = 4 + gen_rng_below(r, 13);
		gen_putf(re, ".{0,%u}", n);
		gen_put_chars(tr, r, "abcdefghijklmnopqrstuvwxyz0123456789",
			      gen_rng_below(r, n + 1));
		break;
	case 6: {
		const char *w = GEN_PICK(r, g_rule_words);

		gen_putf(re, "(?:%s)?", w);
		if (gen_rng_below(r, 2))
			gen_puts(tr, w);
		break;
	}
	case 7:
		m = 4 + gen_rng_below(r, 4);
		gen_putf(re, "[^\"\\s]{%u,%u}", m, m + 8);
		gen_put_chars(tr, r, "ABCDEFGHJKLMNPQRSTVWXYZ23456789", m + gen_rng_below(r, 9));
		break;
	default: {
		const char *w = GEN_PICK(r, g_rule_words);

		gen_puts(re, w);
		gen_puts(tr, w);
		break;
	}
	}
}

static void
gen_rule_regex(struct gen_rng *r, const char *tag, struct gen_text *re, struct gen_text *tr,
	       const char **flags)
{
	static const char *const g_flags[] = {"", "", "i", "s", "is", "m"};
	unsigned int n = 2 + gen_rng_below(r, 3), at = gen_rng_below(r, n + 1), i;

	const char *w = GEN_PICK(r, g_rule_words);

	/* a word first: real rules rarely start with a bare class or gap */
	gen_puts(re, w);
	gen_puts(tr, w);
	for (i = 0; i <= n; i++) {
		if (i == at) {
			gen_putf(re, "~%s", tag);
			gen_putf(tr, "~%s", tag);
		}
		if (i < n)
			gen_rule_regex_part(r, re, tr);
	}
	*flags = GEN_PICK(r, g_flags);
}

static int
gen_rules(const struct gen_opts *o)
{
	int literal = strcmp(o->emit, "literal") == 0;
	uint32_t base = literal ? 100000 : 200000;
	struct gen_rng rng;
	unsigned long i;
	FILE *f;
	int rc = 0;

	if (!literal && strcmp(o->emit, "regex") != 0) {
		fprintf(stderr, "weir-gen: --emit-rules wants literal or regex, not %s\n", o->emit);
		return -EINVAL;
	}
	if (o->n_rules == 0 || o->n_rules > GEN_TAG_SPACE) {
		fprintf(stderr, "weir-gen: -N must be in [1, %d]\n", GEN_TAG_SPACE);
		return -EINVAL;
	}
	f = fopen(o->out, "w");
	if (f == NULL) {
		fprintf(stderr, "weir-gen: %s: %s\n", o->out, strerror(errno));
		return -errno;
	}
	fprintf(f,
		"# Synthetic %s rule set written by: weir-gen --emit-rules %s -N %lu -s %" PRIu64
		" -o ...\n"
		"# Every rule needs \"~<tag>\" (its own 4-letter tag); generated filler never\n"
		"# holds '~', so only a rule's own \"# trigger:\" text can make it match.\n",
		o->emit, o->emit, o->n_rules, o->seed);
	gen_rng_seed(&rng, o->seed);
	for (i = 0; i < o->n_rules; i++) {
		char rebuf[512], trbuf[512], tag[GEN_TAG_LEN + 1];
		struct gen_text re = {.p = rebuf, .cap = sizeof(rebuf) - 1};
		struct gen_text tr = {.p = trbuf, .cap = sizeof(trbuf) - 1};
		const char *flags = "";

		gen_tag(tag, i);
		if (literal)
			gen_rule_literal(&rng, tag, &re, &tr, &flags);
		else
			gen_rule_regex(&rng, tag, &re, &tr, &flags);
		if (strchr(flags, 'i') != NULL)
			gen_mix_case(&rng, trbuf, tr.len);
		rebuf[re.len] = '\0';
		trbuf[tr.len] = '\0';
		fprintf(f, "# trigger: %lu %s\n%lu:/%s/%s\n", base + i + 1, trbuf, base + i + 1,
			rebuf, flags);
	}
	if (fclose(f) != 0) {
		rc = -errno;
		fprintf(stderr, "weir-gen: %s: %s\n", o->out, strerror(errno));
	}
	return rc;
}

static void
gen_usage(FILE *f)
{
	fprintf(f,
		"usage: weir-gen [-n COUNT] [-s SEED] [-f FRACTION] [-R RULES.sigs] -o OUT.pcap\n"
		"                [-e EXPECTED.tsv] [--ipv6 P] [--vlan P] [--udp P]\n"
		"       weir-gen --emit-rules literal|regex -N COUNT [-s SEED] -o RULES.sigs\n"
		"\n"
		"  -n COUNT       packets to write (default 1000)\n"
		"  -s SEED        PRNG seed (default 1); same seed, same bytes\n"
		"  -f FRACTION    share of packets carrying a trigger (default 0)\n"
		"  -R FILE        signature file whose \"# trigger: <id> <text>\" lines to plant\n"
		"  -e FILE        write \"signature_id<TAB>alerts\" for every rule that must alert\n"
		"  --ipv6/--vlan/--udp P   share of IPv6, 802.1Q-tagged, UDP packets\n"
		"                 (defaults 0.25, 0.2, 0.3)\n"
		"  --emit-rules KIND -N COUNT   write COUNT synthetic rules with triggers\n");
}

static int
gen_parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || *out < 0 || *out > 1)
		return -EINVAL;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"emit-rules", required_argument, NULL, 'E'},
		{"ipv6", required_argument, NULL, '6'},
		{"vlan", required_argument, NULL, 'V'},
		{"udp", required_argument, NULL, 'U'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct gen_opts o = {
		.count = 1000,
		.seed = 1,
		.p_ipv6 = 0.25,
		.p_vlan = 0.2,
		.p_udp = 0.3,
	};
	double *p;
	int c, rc;

	while ((c = getopt_long(argc, argv, "n:s:f:o:e:R:N:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			o.count = strtoul(optarg, NULL, 10);
			break;
		case 's':
			o.seed = strtoull(optarg, NULL, 0);
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'e':
			o.expected = optarg;
			break;
		case 'R':
			o.rules = optarg;
			break;
		case 'N':
			o.n_rules = strtoul(optarg, NULL, 10);
			break;
		case 'E':
			o.emit = optarg;
			break;
		case 'f':
		case '6':
		case 'V':
		case 'U':
			p = c == 'f' ? &o.fraction : c == '6' ? &o.p_ipv6 : c == 'V' ? &o.p_vlan :
									&o.p_udp;
			if (gen_parse_double(optarg, p) < 0) {
				fprintf(stderr, "weir-gen: %s: want a number in [0, 1]\n", optarg);
				return 2;
			}
			break;
		case 'h':
			gen_usage(stdout);
			return 0;
		default:
			gen_usage(stderr);
			return 2;
		}
	}
	if (o.out == NULL || optind != argc) {
		gen_usage(stderr);
		return 2;
	}
	rc = o.emit != NULL ? gen_rules(&o) : gen_capture(&o);
	return rc < 0 ? 1 : 0;
}
