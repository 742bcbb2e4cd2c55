/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weir-gen: the traffic generator behind weir's benchmarks and bundled test
 * capture. It sits before the packet path: it writes a classic pcap
 * (Ethernet, microsecond timestamps) of synthetic payment/API traffic
 * (IMIX-like 7:4:1 frame sizes of 64/576/1500 bytes, IPv4 and IPv6, some
 * 802.1Q tagged, TCP and UDP, JSON or ISO8583-ish text payloads), plants
 * rule triggers into a chosen fraction of the packets, and writes the exact
 * alert count weir must produce per rule. It also writes large synthetic
 * signature files and Suricata-subset .rules files (--emit-rules) together
 * with their triggers. Everything comes from one seeded PRNG, so a seed
 * names a capture.
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
 * In .rules files (Suricata subset, --emit-rules suricata) a rule's sid is
 * its id, and a trigger may also say where it must be planted to fire:
 *
 *     # trigger-on: <id> proto=tcp|udp|any [sport=N] [dport=N]
 *                        [layout=http|json|iso] [frame=64|576|1500]
 *
 * The packet carrying it then gets that protocol, those ports, that payload
 * layout (for rules anchored on "POST"/"MTI="/'{"' with depth/offset) and
 * that frame length (for dsize); a second trigger joins it only when both
 * can hold in one packet and neither constrains the frame. Captures of files
 * without such lines are byte-identical to what earlier weir-gen wrote.
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

#define GEN_SNAPLEN	     65535
#define GEN_MAX_FRAME	     2048 /* room for 1514 plus planted triggers */
#define GEN_MAX_TRIGGERS_PKT 2	  /* a packet carries at most this many */
#define GEN_TAG_LEN	     4	  /* letters after '~' in synthetic rules */
#define GEN_TAG_SPACE	     (26 * 26 * 26 * 26)
#define GEN_TS_START	     1700000000 /* s: fixed, so the capture is byte-stable */
#define GEN_TS_STEP_US	     20		/* us between packets */

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

static void gen_putf(struct gen_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

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
static const char *const g_words[] = {"coffee",	 "grocery",  "fuel",	"books",   "transit",
				      "parking", "pharmacy", "hotel",	"airfare", "streaming",
				      "bakery",	 "hardware", "florist", "taxi",	   "cinema"};
static const char *const g_paths[] = {"/v1/payments", "/v1/refunds", "/v2/authorize", "/v2/capture",
				      "/v1/tokens"};

/* Random token: letters at every 4th place keep digit runs short. */
static void
gen_put_token(struct gen_text *t, struct gen_rng *r, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		gen_put_chars(t, r,
			      i % 4 == 3 ? "abcdefghjkmnpqrstvwxyz"
					 : "abcdefghjkmnpqrstvwxyz23456789",
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

/* Payload layouts weir-gen writes (see gen_payload). */
enum gen_layout {
	GEN_LAYOUT_ANY = 0,
	GEN_LAYOUT_HTTP, /* "POST /v.. HTTP/1.1" head, then JSON (TCP) */
	GEN_LAYOUT_JSON, /* JSON without HTTP head: starts with '{"' */
	GEN_LAYOUT_ISO,	 /* "MTI=0x00|Fnn=...|" */
};

/*
 * Where a trigger must be planted for its rule to fire ("# trigger-on:"
 * lines of .rules files): 0 fields mean "any". A rule's header, payload
 * anchors and dsize all hold for a packet of this shape.
 */
struct gen_on {
	uint8_t proto;	/* 0, 6 (tcp) or 17 (udp) */
	uint8_t layout; /* enum gen_layout */
	uint16_t sport, dport;
	uint16_t frame; /* frame length (64, 576, 1500) */
};

struct gen_trigger {
	uint32_t sid;
	char *text;
	size_t len;
	struct gen_on on;
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
	memset(&t->on, 0, sizeof(t->on));
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
 * The sid of a Suricata-style rule line ("alert ... (...; sid:123; ...)"),
 * found as "sid:" after '(', ';' or a blank. @return 1 when found.
 */
static int
gen_rule_line_sid(const char *line, unsigned long *sid)
{
	const char *p = line;
	char *end;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p < 'a' || *p > 'z' || strchr(p, '(') == NULL)
		return 0;
	for (p = strchr(p, '('); (p = strstr(p, "sid:")) != NULL; p += 4) {
		if (p[-1] != '(' && p[-1] != ';' && p[-1] != ' ' && p[-1] != '\t')
			continue;
		*sid = strtoul(p + 4 + strspn(p + 4, " "), &end, 10);
		if (end != p + 4 + strspn(p + 4, " ") && *sid <= UINT32_MAX)
			return 1;
	}
	return 0;
}

/* "proto=tcp dport=80 layout=http ..." -> @p on. @return 0 or -EINVAL. */
static int
gen_on_parse(const char *s, struct gen_on *on)
{
	memset(on, 0, sizeof(*on));
	while (*s != '\0') {
		size_t n = strcspn(s, " ");
		const char *v = memchr(s, '=', n);
		unsigned long x;
		char *end;

		if (v == NULL)
			return -EINVAL;
		v++;
		if (strncmp(s, "proto=", 6) == 0) {
			if (strncmp(v, "tcp", 3) == 0)
				on->proto = 6;
			else if (strncmp(v, "udp", 3) == 0)
				on->proto = 17;
			else if (strncmp(v, "any", 3) != 0)
				return -EINVAL;
		} else if (strncmp(s, "layout=", 7) == 0) {
			if (strncmp(v, "http", 4) == 0)
				on->layout = GEN_LAYOUT_HTTP;
			else if (strncmp(v, "json", 4) == 0)
				on->layout = GEN_LAYOUT_JSON;
			else if (strncmp(v, "iso", 3) == 0)
				on->layout = GEN_LAYOUT_ISO;
			else if (strncmp(v, "any", 3) != 0)
				return -EINVAL;
		} else {
			x = strtoul(v, &end, 10);
			if (end == v || x > 65535)
				return -EINVAL;
			if (strncmp(s, "sport=", 6) == 0)
				on->sport = (uint16_t)x;
			else if (strncmp(s, "dport=", 6) == 0)
				on->dport = (uint16_t)x;
			else if (strncmp(s, "frame=", 6) == 0)
				on->frame = (uint16_t)x;
			else
				return -EINVAL;
		}
		s += n;
		s += strspn(s, " ");
	}
	return 0;
}

/*
 * Read the "# trigger: <id> <text>" lines of a rule file (signature format,
 * or Suricata-style .rules whose rule lines carry "sid:N;"), and the
 * "# trigger-on: <id> key=value..." lines that say which packets a trigger
 * must be planted in. Every trigger must name a rule of the same file, so
 * a typo cannot silently plant traffic that no rule is meant to match.
 */
static int
gen_triggers_load(const char *path, struct gen_triggers *ts)
{
	static const char key[] = "# trigger: ";
	static const char key_on[] = "# trigger-on: ";
	struct gen_on *ons = NULL;
	uint32_t *sids = NULL, *on_sids = NULL;
	unsigned int n_sids = 0, cap_sids = 0, n_on = 0, cap_on = 0, lineno = 0, i, j;
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
		if ((line[0] >= '0' && line[0] <= '9') || gen_rule_line_sid(line, &sid)) {
			if (line[0] >= '0' && line[0] <= '9') {
				sid = strtoul(line, &end, 10);
				if (*end != ':')
					continue;
			}
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
		if (strncmp(line, key_on, sizeof(key_on) - 1) == 0) {
			sid = strtoul(line + sizeof(key_on) - 1, &end, 10);
			if (n_on == cap_on) {
				struct gen_on *v;
				uint32_t *w;

				cap_on = cap_on ? cap_on * 2 : 64;
				v = realloc(ons, cap_on * sizeof(*v));
				if (v != NULL)
					ons = v;
				w = realloc(on_sids, cap_on * sizeof(*w));
				if (w != NULL)
					on_sids = w;
				if (v == NULL || w == NULL) {
					rc = -ENOMEM;
					goto out;
				}
			}
			if (end == line + sizeof(key_on) - 1 || *end != ' ' || sid > UINT32_MAX ||
			    gen_on_parse(end + 1, &ons[n_on]) < 0) {
				fprintf(stderr,
					"weir-gen: %s:%u: bad trigger-on line (want \"%s<id> "
					"key=value...\")\n",
					path, lineno, key_on);
				rc = -EINVAL;
				goto out;
			}
			on_sids[n_on++] = (uint32_t)sid;
			continue;
		}
		if (strncmp(line, key, sizeof(key) - 1) != 0)
			continue;
		sid = strtoul(line + sizeof(key) - 1, &end, 10);
		if (end == line + sizeof(key) - 1 || *end != ' ' || end[1] == '\0' ||
		    sid > UINT32_MAX) {
			fprintf(stderr,
				"weir-gen: %s:%u: bad trigger line (want \"%s<id> <text>\")\n",
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
		/* n x m steps: about 10^8 at 10,000 rules, well under a second */
		for (j = 0; j < n_on; j++)
			if (on_sids[j] == ts->v[i].sid)
				ts->v[i].on = ons[j];
	}
out:
	free(sids);
	free(on_sids);
	free(ons);
	free(line);
	fclose(f);
	return rc;
}

/* What a packet looks like on the wire, drawn before its payload. */
struct gen_shape {
	unsigned int frame_len; /* target, headers included */
	int ipv6;
	int vlan;
	int udp;
	int iso;	       /* ISO8583-ish text instead of JSON */
	int http;	       /* JSON behind an HTTP request head (TCP) */
	uint16_t sport, dport; /* forced ports, 0 = drawn as usual */
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
	const char *emit; /* "literal", "regex" or "suricata" */
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
	sh->sport = 0;
	sh->dport = 0;
}

/* Can one packet satisfy both @p a and @p b? Frame constraints (dsize)
 * never share: a second trigger would change the payload length. */
static int
gen_on_compat(const struct gen_on *a, const struct gen_on *b)
{
	if (a->frame || b->frame)
		return 0;
	if (a->proto && b->proto && a->proto != b->proto)
		return 0;
	if (a->sport && b->sport && a->sport != b->sport)
		return 0;
	if (a->dport && b->dport && a->dport != b->dport)
		return 0;
	if (a->layout && b->layout && a->layout != b->layout)
		return 0;
	if ((a->layout == GEN_LAYOUT_HTTP && b->proto == 17) ||
	    (b->layout == GEN_LAYOUT_HTTP && a->proto == 17))
		return 0;
	return 1;
}

/* Make @p sh a packet @p on's rule fires on. Draws nothing from the PRNG,
 * so captures of rule files without "trigger-on" stay byte-identical. */
static void
gen_shape_force(struct gen_shape *sh, const struct gen_on *on)
{
	if (on->proto == 6)
		sh->udp = 0;
	else if (on->proto == 17)
		sh->udp = 1;
	if (on->frame)
		sh->frame_len = on->frame;
	switch (on->layout) {
	case GEN_LAYOUT_HTTP:
		sh->udp = 0;
		sh->iso = 0;
		sh->http = 1;
		if (sh->frame_len <= 64)
			sh->frame_len = 576;
		break;
	case GEN_LAYOUT_JSON:
		sh->iso = 0;
		sh->http = 0;
		break;
	case GEN_LAYOUT_ISO:
		sh->iso = 1;
		sh->http = 0;
		break;
	default:
		break;
	}
	/* an HTTP head needs TCP and room */
	if (sh->udp || sh->frame_len <= 64)
		sh->http = 0;
	if (on->sport)
		sh->sport = on->sport;
	if (on->dport)
		sh->dport = on->dport;
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

	if (sh->sport)
		sport = sh->sport;
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
		if (sh->dport)
			dport = sh->dport;
		gen_put16(th, sport);
		gen_put16(th + 2, dport);
		gen_put16(th + 4, (uint16_t)l4len);
		gen_put16(th + 6, 0);
		sum = gen_csum_fold(gen_csum_add(sum, th, l4len));
		gen_put16(th + 6, sum ? (uint16_t)sum : 0xffff); /* 0 means "none" */
	} else {
		dport = sh->dport ? sh->dport : sh->http ? 80 : 8443;
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
				if (ts.v[k].sid != ts.v[idx[0]].sid &&
				    gen_on_compat(&ts.v[k].on, &ts.v[idx[0]].on))
					idx[n_trig++] = k;
			}
		}
		for (k = 0; k < n_trig; k++) {
			trig[k] = &ts.v[idx[k]];
			hits[idx[k]]++;
			gen_shape_force(&sh, &trig[k]->on);
		}
		planted += n_trig > 0;
		alerts += n_trig;

		memset(&h, 0, sizeof(h));
		h.len = h.caplen =
			(bpf_u_int32)gen_frame(&rng, &sh, trig, n_trig, pkt, sizeof(pkt));
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
	"chargeback",	 "mule",     "refund",	"velocity", "carding",	"skimmer",
	"phish",	 "dropship", "reship",	"giftcard", "cashout",	"bustout",
	"synthetic",	 "stolen",   "botnet",	"proxy",    "emulator", "rooted",
	"geomismatch",	 "burner",   "tumbler", "launder",  "smurf",	"friendly",
	"triangulation", "overpay",  "account", "takeover"};

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

/*
 * Suricata-subset rule sets (--emit-rules suricata), shaped like public
 * sets such as ET Open: mostly "alert tcp $EXTERNAL_NET any -> $HOME_NET
 * <port>" with one to three contents (some nocase, some with offset/depth
 * anchored on the payload layout, some chained by distance/within), some
 * pcre (exact in Hyperscan, relative to a content, a back-reference that
 * needs PCRE2), some udp and ip, a few dsize and negated contents,
 * msg/classtype/reference/metadata/rev. Every rule holds a content or pcre
 * that needs its own "~<tag>", as --emit-rules literal|regex do, so only its
 * own trigger makes it match. Outbound rules ($HOME_NET -> $EXTERNAL_NET)
 * get no trigger: they cost scan time and never alert, as in real traffic.
 *
 * Each triggered rule also gets "# trigger-on: <sid> key=value..." saying
 * which packets its trigger must be planted in (proto, sport, dport,
 * layout http|json|iso, frame length for dsize); the capture writer forces
 * the packet's shape accordingly, so every planted trigger raises exactly
 * one alert, and expected.tsv holds. The traffic's servers (destination
 * addresses 10.2.0.0/16 and fd00:0:0:2::/64) must be $HOME_NET, e.g.
 * weir --set vars.address-groups.HOME_NET=[10.2.0.0/16,fd00:0:0:2::/64].
 */
#define GEN_SRULE_SID_BASE 9000000u

static const char *const g_attack_words[] = {
	"cmd.exe",	 "/bin/sh",    "/etc/passwd", "../..",	  "union select", "xp_cmdshell",
	"base64_decode", "eval(",      "<script>",    "onerror=", "jndi:ldap",	  "wp-admin",
	"phpunit",	 "xmlrpc.php", "webshell",    "c99shell", "struts",	  "ognl",
	"sqlmap",	 "nikto",      "masscan",     "mimikatz", "beacon",	  "meterpreter",
	"powershell",	 "certutil",   "bitsadmin",   "regsvr32", "rundll32",	  "wget http",
	"curl -s",	 "chmod 777"};
static const char *const g_srule_seps[] = {"-", "_", " ", "/", "="};
static const char *const g_classtypes[] = {
	"web-application-attack", "trojan-activity", "attempted-admin",	 "attempted-user",
	"policy-violation",	  "bad-unknown",     "attempted-recon",	 "misc-activity",
	"command-and-control",	  "exploit-kit",     "credential-theft", "misc-attack"};
static const char *const g_categories[] = {"WEB_SPECIFIC_APPS",
					   "WEB_SERVER",
					   "EXPLOIT",
					   "MALWARE",
					   "POLICY",
					   "SCAN",
					   "FRAUD",
					   "TROJAN"};

/* A destination (or source) port field and a port of it to plant in. */
struct gen_portsel {
	const char *text;
	uint16_t plant; /* 0: any port will do */
	unsigned int weight;
};

static const struct gen_portsel g_tcp_dports[] = {
	{"$HTTP_PORTS", 80, 300},	{"any", 0, 180},	{"[80,8080,8443]", 8080, 30},
	{"[443,8443]", 8443, 20},	{"[139,445]", 445, 20}, {"$FILE_DATA_PORTS", 110, 20},
	{"[1433,3306,5432]", 3306, 20}, {"1024:", 8443, 20},	{"![80,443]", 8443, 20},
	{"$SHELLCODE_PORTS", 8443, 20}, {"$SSH_PORTS", 22, 20}, {"$ORACLE_PORTS", 1521, 10},
	{"$FTP_PORTS", 21, 10},		{NULL, 0, 300} /* one port of g_tcp_single */};
static const uint16_t g_tcp_single[] = {21,   23,    25,    110,  139,	143,  445,  1433, 3306,
					3389, 5432,  5900,  6379, 8000, 8080, 8443, 8888, 9000,
					9200, 11211, 27017, 502,  2375, 5985, 7001};
static const struct gen_portsel g_udp_dports[] = {
	{"53", 53, 250},	 {"any", 0, 200},    {"123", 123, 80},	 {"161", 161, 80},
	{"1900", 1900, 50},	 {"5060", 5060, 80}, {"8583", 8583, 80}, {"7070", 7070, 60},
	{"[500,4500]", 500, 40}, {"69", 69, 40},     {"1024:", 8583, 40}};

static const struct gen_portsel *
gen_pick_port(struct gen_rng *r, const struct gen_portsel *v, unsigned int n)
{
	unsigned int total = 0, i, x;

	for (i = 0; i < n; i++)
		total += v[i].weight;
	x = gen_rng_below(r, total);
	for (i = 0; i + 1 < n && x >= v[i].weight; i++)
		x -= v[i].weight;
	return &v[i];
}

/* Bytes a content may hold as they are; everything else goes as |hh|. */
static int
gen_content_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != 0 && strchr(" -_./=~<>()@,'", c) != NULL);
}

/* content:"..."; with the bytes escaped as Suricata wants. */
static void
gen_put_content(struct gen_text *t, const char *neg, const char *s, size_t n)
{
	size_t i;

	gen_putf(t, " content:%s\"", neg);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (gen_content_safe(c))
			gen_put(t, (const char *)&c, 1);
		else
			gen_putf(t, "|%02x|", c);
	}
	gen_puts(t, "\";");
}

/* A literal inside a pcre: letters and digits as they are, else \xhh
 * (no metacharacter, '/', ';' or '"' then needs a thought). */
static void
gen_put_re_lit(struct gen_text *t, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			gen_put(t, (const char *)&c, 1);
		else
			gen_putf(t, "\\x%02x", c);
	}
}

/* Payload anchors: contents at fixed places of a layout's head. */
static void
gen_srule_anchor(struct gen_rng *r, struct gen_text *o, uint8_t layout)
{
	switch (layout) {
	case GEN_LAYOUT_HTTP:
		switch (gen_rng_below(r, 4)) {
		case 0:
			gen_puts(o, " content:\"POST\"; depth:4;");
			break;
		case 1:
			gen_puts(o, " content:\"POST /v\"; depth:7;");
			break;
		case 2: /* "HTTP/1.1\r\n" starts at 16..19 after the five paths */
			gen_puts(o, " content:\"HTTP/1.1|0d 0a|\"; offset:12; depth:24;");
			break;
		default:
			gen_puts(o,
				 " content:\"POST\"; depth:4; content:\"Host|3a| api.pay.example\";"
				 " nocase; distance:0;");
			break;
		}
		break;
	case GEN_LAYOUT_ISO:
		if (gen_rng_below(r, 2))
			gen_puts(o, " content:\"MTI=0\"; depth:5;");
		else
			gen_puts(o, " content:\"MTI=\"; depth:4; content:\"0|7c|\"; offset:7; "
				    "depth:2;");
		break;
	default:
		gen_puts(o, " content:\"{|22|\"; depth:2;");
		break;
	}
}

static int
gen_srules(const struct gen_opts *o, FILE *f)
{
	struct gen_rng rng;
	unsigned long i;

	fprintf(f,
		"# Synthetic Suricata-subset rule set written by: weir-gen --emit-rules suricata"
		" -N %lu -s %" PRIu64 " -o ...\n"
		"# Every rule needs \"~<tag>\" (its own 4-letter tag); generated filler never\n"
		"# holds '~', so only a rule's own \"# trigger:\" text can make it match, when\n"
		"# planted in a packet as its \"# trigger-on:\" line says. The capture's servers\n"
		"# must be $HOME_NET: HOME_NET=[10.2.0.0/16,fd00:0:0:2::/64]\n",
		o->n_rules, o->seed);
	gen_rng_seed(&rng, o->seed);
	for (i = 0; i < o->n_rules; i++) {
		char obuf[4096], tbuf[256], hbuf[256], tag[GEN_TAG_LEN + 1], num[16];
		struct gen_text opt = {.p = obuf, .cap = sizeof(obuf) - 1};
		struct gen_text tr = {.p = tbuf, .cap = sizeof(tbuf) - 1};
		struct gen_text hd = {.p = hbuf, .cap = sizeof(hbuf) - 1};
		struct gen_on on = {0};
		const char *w1, *w2, *sep;
		size_t o0, l0, o2, l2, o3, o4;
		uint32_t sid = GEN_SRULE_SID_BASE + (uint32_t)i + 1;
		unsigned int kind, form, dsize = 0, mix, ci, anchor = 0, rel_first = 0;
		int outbound = 0, response = 0, attack;

		gen_tag(tag, i);
		/* ---- header */
		kind = gen_rng_below(&rng, 100);
		if (kind < 8) {
			static const char *const out_ports[] = {"$HTTP_PORTS", "any", "443"};

			outbound = 1;
			gen_putf(&hd, "alert tcp $HOME_NET any -> $EXTERNAL_NET %s",
				 GEN_PICK(&rng, out_ports));
		} else if (kind < 12) {
			gen_puts(&hd, "alert ip $EXTERNAL_NET any -> $HOME_NET any");
		} else if (kind < 26) {
			on.proto = 17;
			if (gen_rng_below(&rng, 5) == 0) {
				response = 1;
				on.sport = 53;
				gen_puts(&hd, "alert udp $EXTERNAL_NET 53 -> $HOME_NET any");
			} else {
				const struct gen_portsel *ps = gen_pick_port(
					&rng, g_udp_dports,
					sizeof(g_udp_dports) / sizeof(g_udp_dports[0]));

				on.dport = ps->plant;
				gen_putf(&hd, "alert udp $EXTERNAL_NET any -> $HOME_NET %s",
					 ps->text);
			}
		} else {
			on.proto = 6;
			if (gen_rng_below(&rng, 8) == 0) {
				response = 1;
				on.sport = 80;
				gen_puts(&hd,
					 "alert tcp $EXTERNAL_NET $HTTP_PORTS -> $HOME_NET any");
			} else {
				const struct gen_portsel *ps = gen_pick_port(
					&rng, g_tcp_dports,
					sizeof(g_tcp_dports) / sizeof(g_tcp_dports[0]));

				if (ps->text != NULL) {
					on.dport = ps->plant;
					gen_putf(&hd, "alert tcp $EXTERNAL_NET any -> $HOME_NET %s",
						 ps->text);
				} else {
					uint16_t port = g_tcp_single[gen_rng_below(
						&rng,
						sizeof(g_tcp_single) / sizeof(g_tcp_single[0]))];

					on.dport = port;
					gen_putf(&hd, "alert tcp $EXTERNAL_NET any -> $HOME_NET %u",
						 (unsigned int)port);
				}
			}
		}

		/* ---- the trigger: w1 sep w2 num ~tag [suffix] */
		attack = gen_rng_below(&rng, 10) < 4;
		w1 = attack ? GEN_PICK(&rng, g_attack_words) : GEN_PICK(&rng, g_rule_words);
		w2 = GEN_PICK(&rng, g_rule_words);
		sep = GEN_PICK(&rng, g_srule_seps);
		snprintf(num, sizeof(num), "%u", gen_rng_below(&rng, 100000));
		o0 = 0;
		l0 = strlen(w1);
		gen_puts(&tr, w1);
		gen_puts(&tr, sep);
		o2 = tr.len;
		gen_puts(&tr, w2);
		gen_puts(&tr, num);
		l2 = tr.len - o2;
		o3 = tr.len;
		gen_putf(&tr, "~%s", tag);
		o4 = tr.len;

		/* ---- form of the payload part (weights out of 100) */
		kind = gen_rng_below(&rng, 100);
		form = kind < 25   ? 0
		       : kind < 50 ? 1
		       : kind < 65 ? 2
		       : kind < 75 ? 3
		       : kind < 88 ? 4
		       : kind < 98 ? 5
				   : 6;
		/* suffix: "=" and 4..10 letters/digits (a doubled letter first
		 * for the back-reference form) */
		if (form == 6) {
			char c = (char)('a' + gen_rng_below(&rng, 26));

			gen_puts(&tr, "=");
			gen_put(&tr, &c, 1);
			gen_put(&tr, &c, 1);
			gen_put_chars(&tr, &rng, "abcdefghijklmnopqrstuvwxyz0123456789",
				      2 + gen_rng_below(&rng, 7));
		} else if (form == 5) {
			gen_puts(&tr, "=");
			gen_put_chars(&tr, &rng, "abcdefghijklmnopqrstuvwxyz0123456789",
				      4 + gen_rng_below(&rng, 7));
		}
		mix = form != 6 && gen_rng_below(&rng, 5) == 0;

		/* ---- anchor on the payload layout (inbound requests only) */
		if (!outbound && !response && form != 6 && gen_rng_below(&rng, 100) < 22) {
			unsigned int a = gen_rng_below(&rng, 10);

			if (on.proto == 17)
				anchor = a < 7 ? GEN_LAYOUT_ISO : GEN_LAYOUT_JSON;
			else
				anchor = a < 6	 ? GEN_LAYOUT_HTTP
					 : a < 8 ? GEN_LAYOUT_ISO
						 : GEN_LAYOUT_JSON;
			on.layout = (uint8_t)anchor;
			if (anchor == GEN_LAYOUT_HTTP)
				on.proto = 6;
			rel_first = gen_rng_below(&rng, 2);
			gen_srule_anchor(&rng, &opt, (uint8_t)anchor);
		}
		/* ---- dsize on a few */
		if (!outbound && gen_rng_below(&rng, 100) < 4) {
			dsize = 1 + gen_rng_below(&rng, 3);
			if (dsize == 1 && anchor == GEN_LAYOUT_HTTP)
				dsize = 2;
			on.frame = dsize == 1 ? 64 : dsize == 2 ? 1500 : 576;
		}

#define GEN_NOCASE(t)                                                                              \
	do {                                                                                       \
		if (mix || gen_rng_below(&rng, 100) < 15)                                          \
			gen_puts((t), " nocase;");                                                 \
	} while (0)
#define GEN_REL_FIRST(t)                                                                           \
	do {                                                                                       \
		if (rel_first)                                                                     \
			gen_puts((t), " distance:0;");                                             \
	} while (0)

		/* ---- the items that find the trigger */
		ci = mix;
		switch (form) {
		case 0: /* one content over w1..tag */
			gen_put_content(&opt, "", tbuf + o0, o4 - o0);
			GEN_NOCASE(&opt);
			GEN_REL_FIRST(&opt);
			break;
		case 1: { /* w1, then the tag distance/within after it */
			size_t gap = o3 - (o0 + l0);
			size_t d =
				gen_rng_below(&rng, 2) ? 0 : gen_rng_below(&rng, (uint32_t)gap + 1);

			gen_put_content(&opt, "", tbuf + o0, l0);
			GEN_NOCASE(&opt);
			GEN_REL_FIRST(&opt);
			gen_put_content(&opt, "", tbuf + o3, o4 - o3);
			GEN_NOCASE(&opt);
			gen_putf(&opt, " distance:%zu;", d);
			if (gen_rng_below(&rng, 10) < 6)
				gen_putf(&opt, " within:%zu;",
					 gap - d + (o4 - o3) + gen_rng_below(&rng, 8));
			break;
		}
		case 2: /* three contents chained */
			gen_put_content(&opt, "", tbuf + o0, l0);
			GEN_NOCASE(&opt);
			GEN_REL_FIRST(&opt);
			gen_put_content(&opt, "", tbuf + o2, l2);
			GEN_NOCASE(&opt);
			gen_putf(&opt, " distance:0; within:%zu;",
				 (o2 - (o0 + l0)) + l2 + gen_rng_below(&rng, 6));
			gen_put_content(&opt, "", tbuf + o3, o4 - o3);
			GEN_NOCASE(&opt);
			gen_putf(&opt, " distance:0; within:%zu;",
				 (o4 - o3) + gen_rng_below(&rng, 4));
			break;
		case 3: /* two absolute contents, tag first */
			gen_put_content(&opt, "", tbuf + o3, o4 - o3);
			GEN_NOCASE(&opt);
			GEN_REL_FIRST(&opt);
			if (gen_rng_below(&rng, 3) == 0)
				gen_puts(&opt, " fast_pattern;");
			gen_put_content(&opt, "", tbuf + o0, l0);
			GEN_NOCASE(&opt);
			break;
		case 4: /* pcre over the whole trigger, often after a content */
			if (gen_rng_below(&rng, 10) < 6) {
				gen_put_content(&opt, "", tbuf + o3, o4 - o3);
				gen_puts(&opt, " nocase;");
				GEN_REL_FIRST(&opt);
			}
			gen_puts(&opt, " pcre:\"/");
			gen_put_re_lit(&opt, tbuf + o0, l0);
			gen_puts(&opt, "[-_\\x20\\x2f=]");
			gen_put_re_lit(&opt, w2, strlen(w2));
			gen_putf(&opt, "\\d{1,5}\\x7e%s/%s\";", tag, ci ? "i" : "");
			break;
		case 5: /* the tag, then a pcre relative to it (PCRE2 confirms) */
			gen_put_content(&opt, "", tbuf + o3, o4 - o3);
			GEN_NOCASE(&opt);
			GEN_REL_FIRST(&opt);
			gen_putf(&opt, " pcre:\"/^=[a-z0-9]{4,10}/R%s\";", ci ? "i" : "");
			break;
		default:
			/* A back-reference: prefilter in Hyperscan, PCRE2 confirms.
			 * Alone: with any other item (content, anchor, negated
			 * content) weir's compiler puts the prefilter sub in a
			 * logical combination, which Hyperscan refuses ("Have
			 * PREFILTER flag in sub-expression"). */
			gen_putf(&opt, " pcre:\"/\\x7e%s=([a-z])\\1/\";", tag);
			break;
		}
#undef GEN_NOCASE
#undef GEN_REL_FIRST
		/* ---- a negated content that the traffic never holds */
		if (form != 6 && gen_rng_below(&rng, 100) < 5) {
			static const char *const negs[] = {"X-Forwarded-For", "Mozilla/", "MRC9",
							   "|0d 0a|Referer|3a|"};
			unsigned int k = gen_rng_below(&rng, 4);

			if (k == 3)
				gen_puts(&opt, " content:!\"|0d 0a|Referer|3a|\";");
			else
				gen_put_content(&opt, "!", negs[k], strlen(negs[k]));
			if (k == 0)
				gen_puts(&opt, " nocase;");
		}
		if (dsize == 1)
			gen_putf(&opt, " dsize:<%u;", 100 + 25 * gen_rng_below(&rng, 5));
		else if (dsize == 2)
			gen_putf(&opt, " dsize:>%u;", 300 + 100 * gen_rng_below(&rng, 8));
		else if (dsize == 3)
			gen_puts(&opt, " dsize:400<>600;");
		if (gen_rng_below(&rng, 10) < 4)
			gen_putf(&opt, " reference:url,example.org/advisory/%u;",
				 gen_rng_below(&rng, 100000));
		gen_putf(&opt, " classtype:%s; sid:%" PRIu32 "; rev:%u;",
			 GEN_PICK(&rng, g_classtypes), sid, 1 + gen_rng_below(&rng, 6));
		if (gen_rng_below(&rng, 2))
			gen_putf(&opt,
				 " metadata:created_at 20%02u_%02u_%02u, signature_severity %s;",
				 18 + gen_rng_below(&rng, 7), 1 + gen_rng_below(&rng, 12),
				 1 + gen_rng_below(&rng, 28),
				 gen_rng_below(&rng, 2) ? "Major" : "Minor");
		if (mix)
			gen_mix_case(&rng, tbuf, form == 4 || form == 5 ? tr.len : o4);
		obuf[opt.len] = '\0';
		tbuf[tr.len] = '\0';
		hbuf[hd.len] = '\0';
		if (!outbound) {
			fprintf(f, "# trigger: %" PRIu32 " %s\n# trigger-on: %" PRIu32 " proto=%s",
				sid, tbuf, sid,
				on.proto == 6	 ? "tcp"
				: on.proto == 17 ? "udp"
						 : "any");
			if (on.sport)
				fprintf(f, " sport=%u", on.sport);
			if (on.dport)
				fprintf(f, " dport=%u", on.dport);
			if (on.layout)
				fprintf(f, " layout=%s",
					on.layout == GEN_LAYOUT_HTTP  ? "http"
					: on.layout == GEN_LAYOUT_ISO ? "iso"
								      : "json");
			if (on.frame)
				fprintf(f, " frame=%u", on.frame);
			fputc('\n', f);
		}
		fprintf(f, "%s (msg:\"WEIR-GEN %s %s %s %lu\";%s)\n", hbuf,
			GEN_PICK(&rng, g_categories), w1, w2, i + 1, obuf);
	}
	return 0;
}

static int
gen_rules(const struct gen_opts *o)
{
	int literal = strcmp(o->emit, "literal") == 0;
	int suricata = strcmp(o->emit, "suricata") == 0;
	uint32_t base = literal ? 100000 : 200000;
	struct gen_rng rng;
	unsigned long i;
	FILE *f;
	int rc = 0;

	if (!literal && !suricata && strcmp(o->emit, "regex") != 0) {
		fprintf(stderr, "weir-gen: --emit-rules wants literal, regex or suricata, not %s\n",
			o->emit);
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
	if (suricata) {
		rc = gen_srules(o, f);
		goto out;
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
out:
	if (fclose(f) != 0 && rc == 0) {
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
		"       weir-gen --emit-rules suricata -N COUNT [-s SEED] -o RULES.rules\n"
		"\n"
		"  -n COUNT       packets to write (default 1000)\n"
		"  -s SEED        PRNG seed (default 1); same seed, same bytes\n"
		"  -f FRACTION    share of packets carrying a trigger (default 0)\n"
		"  -R FILE        rule file whose \"# trigger: <id> <text>\" lines to plant\n"
		"                 (and \"# trigger-on: <id> key=value...\": where, see the "
		"source)\n"
		"  -e FILE        write \"signature_id<TAB>alerts\" for every rule that must "
		"alert\n"
		"  --ipv6/--vlan/--udp P   share of IPv6, 802.1Q-tagged, UDP packets\n"
		"                 (defaults 0.25, 0.2, 0.3)\n"
		"  --emit-rules KIND -N COUNT   write COUNT synthetic rules with triggers\n"
		"                 (KIND suricata: a .rules file in weir's Suricata subset)\n");
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
			p = c == 'f'   ? &o.fraction
			    : c == '6' ? &o.p_ipv6
			    : c == 'V' ? &o.p_vlan
				       : &o.p_udp;
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
