/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Suricata's header keywords, parse side: ttl, tos, id, ipopts, fragbits,
 * fragoffset, ip_proto, sameip, flags (tcp.flags), seq, ack, window,
 * tcp.mss, itype, icode, icmp_id, icmp_seq and icmpv6.mtu. The Suricata
 * rule parser (rules_parse_suri.c) hands each one's value here; what comes
 * back is one struct weir_hdr_cond on the rule, or a refusal with the
 * place and the reason, which that parser turns into the rule's
 * "file:line:col" diagnostic. rules_match_hdr.c tests the conditions per
 * packet.
 *
 * Each keyword reads its value as Suricata (main, after 8.0) does: most
 * are its unsigned integer condition (rust/src/detect/uint.rs, through
 * weir_uint_parse()), of the keyword's width; flags and fragbits its bit
 * flag syntax (rust/src/detect/tcp/flags.rs, rust/src/detect/ipv4.rs's
 * fragbits over uint.rs's detect_parse_uint_bitflags); tos, icmp_id,
 * icmp_seq, ipopts and ip_proto keep their C parsers (detect-tos.c,
 * detect-icmp-id.c, detect-icmp-seq.c, detect-ipopts.c, detect-ipproto.c).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_int.h"

#define HDR_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define HDR_SHOW	  48

#define HDR_UINT_FORMS "N, =N, !N, !=N, <N, <=N, >N, >=N, A-B, A<>B, !A-B, &M=V or &M!=V"

static int hdr_fail(struct weir_hdr_perr *e, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
hdr_fail(struct weir_hdr_perr *e, const char *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->at = at;
	return -EINVAL;
}

static int
hdr_add(struct weir_suri_rule *r, uint8_t kind, const struct weir_uint_cond *c, unsigned int col)
{
	struct weir_hdr_cond *v = realloc(r->hdr, (r->n_hdr + 1) * sizeof(*v));

	if (v == NULL)
		return -ENOMEM;
	r->hdr = v;
	memset(&v[r->n_hdr], 0, sizeof(v[r->n_hdr]));
	v[r->n_hdr].kind = kind;
	if (c != NULL)
		v[r->n_hdr].c = *c;
	v[r->n_hdr].col = col;
	r->n_hdr++;
	return 0;
}

/* A whole value as detect_parse_uint::<T> reads it, T's maximum @p max. */
static int
hdr_uint(const char *kw, const char *val, size_t len, uint64_t max, struct weir_uint_cond *c,
	 struct weir_hdr_perr *e)
{
	const char *at = NULL, *why = NULL;

	if (weir_uint_parse(val, val + len, max, c, &at, &why))
		return 0;
	return hdr_fail(e, at != NULL ? at : val, "%s: %s in '%.*s' (expected %s, numbers 0..%llu)",
			kw, why != NULL ? why : "bad condition",
			(int)len > HDR_SHOW ? HDR_SHOW : (int)len, val, HDR_UINT_FORMS,
			(unsigned long long)max);
}

/* ---- flags / tcp.flags (rust/src/detect/tcp/flags.rs) ---------------- */

/* The TCP flag bits by letter; '1' and '2' are the old names of C and E. */
static unsigned int
hdr_tcp_flag(char ch)
{
	switch (ch) {
	case 'F':
	case 'f':
		return 0x01;
	case 'S':
	case 's':
		return 0x02;
	case 'R':
	case 'r':
		return 0x04;
	case 'P':
	case 'p':
		return 0x08;
	case 'A':
	case 'a':
		return 0x10;
	case 'U':
	case 'u':
		return 0x20;
	case 'E':
	case 'e':
	case '2':
		return 0x40;
	case 'C':
	case 'c':
	case '1':
		return 0x80;
	default:
		return 0;
	}
}

/* The bit flag modifiers of uint.rs's parse_bitchars_modifier: '!' and
 * '-' negate (Not), '+' all of (Plus), '*' any of (Any), '=' exactly
 * (Equal). @return the mode, or -1 for another character. */
enum hdr_bitmod {
	HDR_MOD_EQUAL = 0,
	HDR_MOD_PLUS,
	HDR_MOD_ANY,
	HDR_MOD_NOT,
};

static int
hdr_bitmod(char ch)
{
	switch (ch) {
	case '!':
	case '-':
		return HDR_MOD_NOT;
	case '+':
		return HDR_MOD_PLUS;
	case '*':
		return HDR_MOD_ANY;
	case '=':
		return HDR_MOD_EQUAL;
	default:
		return -1;
	}
}

/*
 * tcp_flags_parse: a u8 condition first (flags:0, flags:&0x12=0x02); else
 * one character at a time: flag letters (and 1, 2) set the flags, or the
 * ignored flags after one ',' (only in Equal mode), and one modifier
 * anywhere before the ','. A flag named twice is refused. Equal with
 * ignored flags is (flags & ~ignored) == listed.
 */
static int
hdr_kw_flags(struct weir_suri_rule *r, const char *kw, const char *val, size_t len,
	     unsigned int col, struct weir_hdr_perr *e)
{
	struct weir_uint_cond c = {0};
	const char *at = NULL, *why = NULL;
	unsigned int set = 0, mask = 0xff, bit;
	bool modset = false, ignoring = false;
	int mod = HDR_MOD_EQUAL, m;
	size_t i;

	if (weir_uint_parse(val, val + len, UINT8_MAX, &c, &at, &why))
		return hdr_add(r, WEIR_HDR_TCP_FLAGS, &c, col);
	for (i = 0; i < len; i++) {
		char ch = val[i];

		if (ch == ',') {
			if (ignoring)
				return hdr_fail(e, val + i, "%s: too many commas", kw);
			if (mod != HDR_MOD_EQUAL)
				return hdr_fail(e, val + i,
						"%s: ignored flags after ',' are only meaningful "
						"without a modifier (or with '=')",
						kw);
			ignoring = true;
			continue;
		}
		bit = hdr_tcp_flag(ch);
		if (bit != 0) {
			if (set & bit)
				return hdr_fail(e, val + i, "%s: flag '%c' is repeated", kw, ch);
			if (ignoring)
				mask &= ~bit;
			else
				set |= bit;
			continue;
		}
		m = hdr_bitmod(ch);
		if (m < 0)
			return hdr_fail(e, val + i,
					"%s: bad character '%c' (expected flags among S A P R F U "
					"C E 1 2, a modifier + * ! - =, ',' and ignored flags, or "
					"a number condition)",
					kw, ch);
		if (modset || ignoring)
			return hdr_fail(e, val + i, "%s: only one modifier, before any ','", kw);
		mod = m;
		modset = true;
	}
	switch (mod) {
	case HDR_MOD_EQUAL:
		c.mode = WEIR_UINT_BITMASK;
		c.a = mask;
		c.b = set;
		break;
	case HDR_MOD_PLUS:
		c.mode = WEIR_UINT_BITMASK;
		c.a = set;
		c.b = set;
		break;
	case HDR_MOD_ANY:
		c.mode = WEIR_UINT_NEG_BITMASK;
		c.a = set;
		c.b = 0;
		break;
	default:
		c.mode = WEIR_UINT_NEG_BITMASK;
		c.a = set;
		c.b = set;
		break;
	}
	return hdr_add(r, WEIR_HDR_TCP_FLAGS, &c, col);
}

/* ---- fragbits (uint.rs detect_parse_uint_bitflags, single chars) ------ */

static unsigned int
hdr_frag_flag(char ch)
{
	switch (ch) {
	case 'M':
	case 'm':
		return 0x2000;
	case 'D':
	case 'd':
		return 0x4000;
	case 'R':
	case 'r':
		return 0x8000;
	default:
		return 0;
	}
}

/*
 * A u16 condition on the whole flags+offset field first; else an optional
 * leading modifier, blanks, then flags one character each, a '!' before a
 * flag naming it as one that must be clear (for + and !), blanks between.
 * Equal compares the whole field with every flag named (negated ones too,
 * as uint.rs does), so fragbits:M holds only on a fragment at offset 0.
 */
static int
hdr_kw_fragbits(struct weir_suri_rule *r, const char *kw, const char *val, size_t len,
		unsigned int col, struct weir_hdr_perr *e)
{
	struct weir_uint_cond c = {0};
	const char *at = NULL, *why = NULL, *p = val, *end = val + len;
	unsigned int all = 0, pos = 0, bit;
	int mod = HDR_MOD_EQUAL;

	if (weir_uint_parse(val, end, UINT16_MAX, &c, &at, &why))
		return hdr_add(r, WEIR_HDR_FRAGBITS, &c, col);
	if (p < end && hdr_bitmod(*p) >= 0)
		mod = hdr_bitmod(*p++);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (p < end) {
		bool neg;

		while (p < end && *p == ' ')
			p++;
		neg = p < end && *p == '!';
		if (neg)
			p++;
		if (p >= end)
			return hdr_fail(e, p - 1, "%s: a flag is missing after '!'", kw);
		bit = hdr_frag_flag(*p);
		if (bit == 0)
			return hdr_fail(e, p,
					"%s: unexpected '%c' (expected flags M, D, R, each maybe "
					"after '!', after an optional modifier + * ! - =)",
					kw, *p);
		if (all & bit)
			return hdr_fail(e, p, "%s: flag '%c' is repeated", kw, *p);
		all |= bit;
		if (!neg)
			pos |= bit;
		p++;
	}
	switch (mod) {
	case HDR_MOD_EQUAL:
		c.mode = WEIR_UINT_EQ;
		c.a = all;
		c.b = 0;
		break;
	case HDR_MOD_PLUS:
		c.mode = WEIR_UINT_BITMASK;
		c.a = all;
		c.b = pos;
		break;
	case HDR_MOD_ANY:
		c.mode = WEIR_UINT_NEG_BITMASK;
		c.a = all;
		c.b = 0;
		break;
	default:
		c.mode = WEIR_UINT_NEG_BITMASK;
		c.a = all;
		c.b = pos;
		break;
	}
	return hdr_add(r, WEIR_HDR_FRAGBITS, &c, col);
}

/* ---- tos (detect-tos.c) ------------------------------------------------ */

/*
 * [!]["]N["] with N decimal (1 to 3 digits, 0..255) or x/X and 1 or 2 hex
 * digits. The '!' is the rule parser's negation (SIGMATCH_HANDLE_NEGATION),
 * the quotes optional (SIGMATCH_QUOTES_OPTIONAL).
 */
static int
hdr_kw_tos(struct weir_suri_rule *r, const char *kw, const char *val, size_t len, unsigned int col,
	   struct weir_hdr_perr *e)
{
	const char *p = val, *end = val + len, *num;
	struct weir_uint_cond c = {0};
	unsigned long v = 0;
	bool neg = false, hex = false;
	size_t n;

	if (p < end && *p == '!') {
		neg = true;
		for (p++; p < end && isspace((unsigned char)*p); p++)
			;
	}
	if (end - p >= 2 && *p == '"' && end[-1] == '"') {
		p++;
		end--;
	}
	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	num = p;
	if (p < end && (*p == 'x' || *p == 'X')) {
		hex = true;
		num = ++p;
	}
	for (n = 0; p < end && (hex ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p));
	     p++, n++)
		v = v * (hex ? 16 : 10) +
		    (unsigned long)(isdigit((unsigned char)*p)
					    ? *p - '0'
					    : tolower((unsigned char)*p) - 'a' + 10);
	if (n == 0 || p != end || n > (hex ? 2u : 3u))
		return hdr_fail(e, num,
				"%s: expected [!]N with N 0..255 in decimal (up to 3 digits) or "
				"xHH in hex, got '%.*s'",
				kw, (int)len > HDR_SHOW ? HDR_SHOW : (int)len, val);
	if (v > 255)
		return hdr_fail(e, num, "%s: %lu is out of range (0..255)", kw, v);
	c.mode = neg ? WEIR_UINT_NE : WEIR_UINT_EQ;
	c.a = v;
	return hdr_add(r, WEIR_HDR_TOS, &c, col);
}

/* ---- id (detect-id.c: SCDetectU16UnquoteParse) ------------------------- */

/* A u16 condition, optionally inside quotes; what follows the closing
 * quote is not looked at (uint.rs detect_parse_unquote_uint). */
static int
hdr_kw_id(struct weir_suri_rule *r, const char *kw, const char *val, size_t len, unsigned int col,
	  struct weir_hdr_perr *e)
{
	struct weir_uint_cond c;
	const char *q;
	int rc;

	if (len > 0 && val[0] == '"') {
		q = memchr(val + 1, '"', len - 1);
		if (q == NULL)
			return hdr_fail(e, val, "%s: the '\"' here is never closed", kw);
		rc = hdr_uint(kw, val + 1, (size_t)(q - val - 1), UINT16_MAX, &c, e);
	} else {
		rc = hdr_uint(kw, val, len, UINT16_MAX, &c, e);
	}
	return rc < 0 ? rc : hdr_add(r, WEIR_HDR_IP_ID, &c, col);
}

/* ---- icmp_id, icmp_seq (detect-icmp-id.c, detect-icmp-seq.c) ----------- */

/* ^\s*("\s*)?([0-9]+)(\s*")?\s*$, quotes balanced, the number 0..65535. */
static int
hdr_icmp_u16(struct weir_suri_rule *r, uint8_t kind, const char *kw, const char *val, size_t len,
	     unsigned int col, struct weir_hdr_perr *e)
{
	const char *p = val, *end = val + len, *num;
	struct weir_uint_cond c = {0};
	bool open = false, close = false;
	unsigned long v = 0;

	if (p < end && *p == '"') {
		open = true;
		for (p++; p < end && isspace((unsigned char)*p); p++)
			;
	}
	num = p;
	for (; p < end && isdigit((unsigned char)*p); p++)
		if (v <= 65535)
			v = v * 10 + (unsigned long)(*p - '0');
	if (p == num)
		goto bad;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p < end && *p == '"') {
		close = true;
		p++;
	}
	if (p != end)
		goto bad;
	if (open && !close)
		return hdr_fail(e, val, "%s: missing close quote", kw);
	if (!open && close)
		return hdr_fail(e, end - 1, "%s: missing open quote", kw);
	if (v > 65535)
		return hdr_fail(e, num, "%s: %.*s is out of range (0..65535)", kw, (int)(p - num),
				num);
	c.mode = WEIR_UINT_EQ;
	c.a = v;
	return hdr_add(r, kind, &c, col);

bad:
	return hdr_fail(e, p, "%s: expected a number 0..65535, maybe in quotes, got '%.*s'", kw,
			(int)len > HDR_SHOW ? HDR_SHOW : (int)len, val);
}

/* ---- ipopts (detect-ipopts.c) ------------------------------------------ */

static int
hdr_kw_ipopts(struct weir_suri_rule *r, const char *kw, const char *val, size_t len,
	      unsigned int col, struct weir_hdr_perr *e)
{
	static const struct {
		const char *name;
		unsigned int bits;
	} opts[] = {
		{"rr", WEIR_IPOPT_RR},	   {"eol", WEIR_IPOPT_EOL},   {"nop", WEIR_IPOPT_NOP},
		{"ts", WEIR_IPOPT_TS},	   {"sec", WEIR_IPOPT_SEC},   {"esec", WEIR_IPOPT_ESEC},
		{"lsrr", WEIR_IPOPT_LSRR}, {"ssrr", WEIR_IPOPT_SSRR}, {"satid", WEIR_IPOPT_SID},
		{"any", WEIR_IPOPT_ANY},
	};
	struct weir_uint_cond c = {0};
	size_t i;

	for (i = 0; i < HDR_ARRAY_SIZE(opts); i++)
		if (strlen(opts[i].name) == len && strncasecmp(val, opts[i].name, len) == 0)
			break;
	if (i == HDR_ARRAY_SIZE(opts))
		return hdr_fail(e, val,
				"%s: unknown option '%.*s' (expected rr, eol, nop, ts, sec, esec, "
				"lsrr, ssrr, satid or any)",
				kw, (int)len > HDR_SHOW ? HDR_SHOW : (int)len, val);
	c.mode = WEIR_UINT_BITMASK; /* unused: rules_match_hdr.c tests c.a */
	c.a = opts[i].bits;
	return hdr_add(r, WEIR_HDR_IPOPTS, &c, col);
}

/* ---- ip_proto (detect-ipproto.c) --------------------------------------- */

/* /etc/protocols as Debian's netbase ships it: the names
 * SCGetProtoByName knows (util-proto-name.c reads that file). */
static const struct {
	const char *name;
	uint8_t proto;
} hdr_protos[] = {
	{"ip", 0},	  {"hopopt", 0},       {"icmp", 1},	   {"igmp", 2},
	{"ggp", 3},	  {"ipencap", 4},      {"st", 5},	   {"tcp", 6},
	{"egp", 8},	  {"igp", 9},	       {"pup", 12},	   {"udp", 17},
	{"hmp", 20},	  {"xns-idp", 22},     {"rdp", 27},	   {"iso-tp4", 29},
	{"dccp", 33},	  {"xtp", 36},	       {"ddp", 37},	   {"idpr-cmtp", 38},
	{"ipv6", 41},	  {"ipv6-route", 43},  {"ipv6-frag", 44},  {"idrp", 45},
	{"rsvp", 46},	  {"gre", 47},	       {"esp", 50},	   {"ah", 51},
	{"skip", 57},	  {"ipv6-icmp", 58},   {"ipv6-nonxt", 59}, {"ipv6-opts", 60},
	{"rspf", 73},	  {"vmtp", 81},	       {"eigrp", 88},	   {"ospf", 89},
	{"ax.25", 93},	  {"ipip", 94},	       {"etherip", 97},	   {"encap", 98},
	{"pim", 103},	  {"ipcomp", 108},     {"vrrp", 112},	   {"l2tp", 115},
	{"isis", 124},	  {"sctp", 132},       {"fc", 133},	   {"mobility-header", 135},
	{"udplite", 136}, {"mpls-in-ip", 137}, {"manet", 138},	   {"hip", 139},
	{"shim6", 140},	  {"wesp", 141},       {"rohc", 142},	   {"ethernet", 143},
};

/* The rule's ip_proto conditions so far with mode @p mode, or NULL; the
 * first one's value goes to *@p first. */
static bool
hdr_ipproto_has(const struct weir_suri_rule *r, uint8_t mode, uint64_t *first)
{
	unsigned int i;

	for (i = 0; i < r->n_hdr; i++) {
		if (r->hdr[i].kind != WEIR_HDR_IP_PROTO || r->hdr[i].c.mode != mode)
			continue;
		if (first != NULL)
			*first = r->hdr[i].c.a;
		return true;
	}
	return false;
}

/*
 * ^([!<>]?)\s*([^\s]+)$: an operator, then a protocol number (0..255) or
 * name. Only on `ip` rules. Suricata refines the rule's protocol set with
 * each ip_proto; the combinations it accepts amount to every condition
 * holding (an = alone; at most one < and one >, the < above the >; any
 * number of !), which is how rules_match_hdr.c tests them.
 */
static int
hdr_kw_ip_proto(struct weir_suri_rule *r, const char *kw, const char *val, size_t len,
		unsigned int col, struct weir_hdr_perr *e)
{
	const char *p = val, *end = val + len, *name;
	struct weir_uint_cond c = {0};
	uint64_t other = 0;
	bool eq, gt, lt, ne;
	size_t i, n;

	if (len >= 2 && val[0] == '"' && val[len - 1] == '"') {
		p++;
		end--;
	}
	c.mode = WEIR_UINT_EQ;
	if (p < end && (*p == '!' || *p == '<' || *p == '>')) {
		c.mode = *p == '!' ? WEIR_UINT_NE : *p == '<' ? WEIR_UINT_LT : WEIR_UINT_GT;
		p++;
	}
	while (p < end && isspace((unsigned char)*p))
		p++;
	name = p;
	while (p < end && !isspace((unsigned char)*p))
		p++;
	n = (size_t)(p - name);
	if (n == 0 || p != end)
		return hdr_fail(e, n == 0 ? name : p,
				"%s: expected [!|<|>]<protocol number or name>, got '%.*s'", kw,
				(int)len > HDR_SHOW ? HDR_SHOW : (int)len, val);
	if (r->proto != WEIR_RPROTO_IP || r->tcp_pkt)
		return hdr_fail(e, NULL,
				"%s: only on rules of protocol ip (Suricata: \"ip_proto keyword "
				"only when we use alert ip\")",
				kw);
	if (isdigit((unsigned char)*name)) {
		unsigned long v = 0;

		for (i = 0; i < n; i++) {
			if (!isdigit((unsigned char)name[i]))
				return hdr_fail(e, name + i, "%s: malformed protocol number '%.*s'",
						kw, (int)n, name);
			if (v <= 255)
				v = v * 10 + (unsigned long)(name[i] - '0');
		}
		if (v > 255)
			return hdr_fail(e, name,
					"%s: protocol number %.*s is out of range (0..255)", kw,
					(int)n, name);
		c.a = v;
	} else {
		for (i = 0; i < HDR_ARRAY_SIZE(hdr_protos); i++)
			if (strlen(hdr_protos[i].name) == n &&
			    strncasecmp(name, hdr_protos[i].name, n) == 0)
				break;
		if (i == HDR_ARRAY_SIZE(hdr_protos))
			return hdr_fail(e, name, "%s: unknown protocol name \"%.*s\"", kw, (int)n,
					name);
		c.a = hdr_protos[i].proto;
	}
	eq = hdr_ipproto_has(r, WEIR_UINT_EQ, NULL);
	gt = hdr_ipproto_has(r, WEIR_UINT_GT, c.mode == WEIR_UINT_LT ? &other : NULL);
	lt = hdr_ipproto_has(r, WEIR_UINT_LT, c.mode == WEIR_UINT_GT ? &other : NULL);
	ne = hdr_ipproto_has(r, WEIR_UINT_NE, NULL);
	switch (c.mode) {
	case WEIR_UINT_EQ:
		if (eq || gt || lt || ne)
			return hdr_fail(e, NULL,
					"%s: an ip_proto without an operator cannot be combined "
					"with another ip_proto",
					kw);
		break;
	case WEIR_UINT_GT:
		if (eq || gt)
			return hdr_fail(e, NULL,
					"%s: '>' cannot be combined with an ip_proto without an "
					"operator or another '>'",
					kw);
		if (lt && other <= c.a)
			return hdr_fail(e, name,
					"%s: '>%llu' with '<%llu': the '<' must be above the '>'",
					kw, (unsigned long long)c.a, (unsigned long long)other);
		break;
	case WEIR_UINT_LT:
		if (eq || lt)
			return hdr_fail(e, NULL,
					"%s: '<' cannot be combined with an ip_proto without an "
					"operator or another '<'",
					kw);
		if (gt && other >= c.a)
			return hdr_fail(e, name,
					"%s: '<%llu' with '>%llu': the '<' must be above the '>'",
					kw, (unsigned long long)c.a, (unsigned long long)other);
		break;
	default:
		if (eq)
			return hdr_fail(e, NULL,
					"%s: '!' cannot be combined with an ip_proto without an "
					"operator",
					kw);
		break;
	}
	return hdr_add(r, WEIR_HDR_IP_PROTO, &c, col);
}

/* ---- vlan.id, vlan.layers (detect-vlan.c, rust/src/detect/vlan.rs) ----- */

/* Suricata's VLAN_MAX_LAYERS; weir's decoder records two tags (a third is
 * walked but not kept), so what needs the third is refused. */
#define HDR_VLAN_SURI_LAYERS 3
#define HDR_VLAN_WEIR_LAYERS 2

/*
 * vlan.id:<u16 cond>[,any|all|N]: the condition on the tag of layer N
 * (0 the outermost; -1 the innermost, -2 the one outside it), on any tag
 * (the default) or on every tag (there must be one). Ids are 12 bits.
 */
static int
hdr_kw_vlan_id(struct weir_suri_rule *r, const char *kw, const char *val, size_t len,
	       unsigned int col, struct weir_hdr_perr *e)
{
	const char *comma = memchr(val, ',', len), *ix;
	size_t clen = comma != NULL ? (size_t)(comma - val) : len, ilen;
	struct weir_uint_cond c;
	long layer;
	int rc;

	while (clen > 0 && (val[clen - 1] == ' ' || val[clen - 1] == '\t'))
		clen--;
	rc = hdr_uint(kw, val, clen, UINT16_MAX, &c, e);
	if (rc < 0)
		return rc;
	if (c.a > 0xfff || c.b > 0xfff)
		return hdr_fail(e, val, "%s: vlan id should be less than 4096", kw);
	layer = WEIR_VLAN_ANY;
	if (comma != NULL) {
		char num[8], *end;

		ix = comma + 1;
		ilen = len - (size_t)(ix - val);
		while (ilen > 0 && (*ix == ' ' || *ix == '\t')) {
			ix++;
			ilen--;
		}
		if (ilen == 3 && strncmp(ix, "any", 3) == 0) {
			layer = WEIR_VLAN_ANY;
		} else if (ilen == 3 && strncmp(ix, "all", 3) == 0) {
			layer = WEIR_VLAN_ALL;
		} else {
			if (ilen == 0 || ilen >= sizeof(num) || memchr(ix, ',', ilen) != NULL)
				return hdr_fail(e, ix,
						"%s: expected any, all or a layer index after ','",
						kw);
			memcpy(num, ix, ilen);
			num[ilen] = '\0';
			layer = strtol(num, &end, 10);
			if (*end != '\0' || end == num)
				return hdr_fail(e, ix,
						"%s: expected any, all or a layer index after ','",
						kw);
			if (layer < -HDR_VLAN_SURI_LAYERS || layer > HDR_VLAN_SURI_LAYERS - 1)
				return hdr_fail(e, ix,
						"%s: vlan id index should belong in range -3..=2",
						kw);
			if (layer < -HDR_VLAN_WEIR_LAYERS || layer > HDR_VLAN_WEIR_LAYERS - 1)
				return hdr_fail(
					e, ix,
					"%s: layer %ld is not supported yet (weir's decoder "
					"records the first two VLAN tags)",
					kw, layer);
		}
	}
	rc = hdr_add(r, WEIR_HDR_VLAN_ID, &c, col);
	if (rc == 0)
		r->hdr[r->n_hdr - 1].layer = (int8_t)layer;
	return rc;
}

/* vlan.layers:<u8 cond> on the number of tags, at most 3 in Suricata;
 * weir counts two at most, so a value of 3 is refused. */
static int
hdr_kw_vlan_layers(struct weir_suri_rule *r, const char *kw, const char *val, size_t len,
		   unsigned int col, struct weir_hdr_perr *e)
{
	struct weir_uint_cond c;
	int rc = hdr_uint(kw, val, len, UINT8_MAX, &c, e);

	if (rc < 0)
		return rc;
	if (c.mode != WEIR_UINT_BITMASK && c.mode != WEIR_UINT_NEG_BITMASK &&
	    (c.a > HDR_VLAN_SURI_LAYERS || c.b > HDR_VLAN_SURI_LAYERS))
		return hdr_fail(e, val, "%s: number of layers out of range %.*s", kw,
				(int)len > HDR_SHOW ? HDR_SHOW : (int)len, val);
	if (c.mode != WEIR_UINT_BITMASK && c.mode != WEIR_UINT_NEG_BITMASK &&
	    (c.a > HDR_VLAN_WEIR_LAYERS || c.b > HDR_VLAN_WEIR_LAYERS))
		return hdr_fail(e, val,
				"%s: 3 layers is not supported yet (weir's decoder records the "
				"first two VLAN tags)",
				kw);
	return hdr_add(r, WEIR_HDR_VLAN_LAYERS, &c, col);
}

/* ---- the table ----------------------------------------------------------- */

enum hdr_form {
	HDR_FORM_U8,
	HDR_FORM_U16,
	HDR_FORM_U32,
	HDR_FORM_NONE, /* takes no value */
	HDR_FORM_OWN,  /* its own parser */
};

static int hdr_kw_icmp_id(struct weir_suri_rule *r, const char *kw, const char *val, size_t len,
			  unsigned int col, struct weir_hdr_perr *e);
static int hdr_kw_icmp_seq(struct weir_suri_rule *r, const char *kw, const char *val, size_t len,
			   unsigned int col, struct weir_hdr_perr *e);

static const struct {
	const char *name;
	uint8_t kind;
	uint8_t form;
	int (*fn)(struct weir_suri_rule *r, const char *kw, const char *val, size_t len,
		  unsigned int col, struct weir_hdr_perr *e);
} hdr_keywords[] = {
	{"flags", WEIR_HDR_TCP_FLAGS, HDR_FORM_OWN, hdr_kw_flags},
	{"tcp.flags", WEIR_HDR_TCP_FLAGS, HDR_FORM_OWN, hdr_kw_flags},
	{"itype", WEIR_HDR_ITYPE, HDR_FORM_U8, NULL},
	{"icode", WEIR_HDR_ICODE, HDR_FORM_U8, NULL},
	{"icmp_id", WEIR_HDR_ICMP_ID, HDR_FORM_OWN, hdr_kw_icmp_id},
	{"icmp_seq", WEIR_HDR_ICMP_SEQ, HDR_FORM_OWN, hdr_kw_icmp_seq},
	{"ttl", WEIR_HDR_TTL, HDR_FORM_U8, NULL},
	{"tos", WEIR_HDR_TOS, HDR_FORM_OWN, hdr_kw_tos},
	{"id", WEIR_HDR_IP_ID, HDR_FORM_OWN, hdr_kw_id},
	{"ip_proto", WEIR_HDR_IP_PROTO, HDR_FORM_OWN, hdr_kw_ip_proto},
	{"sameip", WEIR_HDR_SAMEIP, HDR_FORM_NONE, NULL},
	{"fragbits", WEIR_HDR_FRAGBITS, HDR_FORM_OWN, hdr_kw_fragbits},
	{"fragoffset", WEIR_HDR_FRAGOFFSET, HDR_FORM_U16, NULL},
	{"ipopts", WEIR_HDR_IPOPTS, HDR_FORM_OWN, hdr_kw_ipopts},
	{"seq", WEIR_HDR_TCP_SEQ, HDR_FORM_U32, NULL},
	{"tcp.seq", WEIR_HDR_TCP_SEQ, HDR_FORM_U32, NULL},
	{"ack", WEIR_HDR_TCP_ACK, HDR_FORM_U32, NULL},
	{"tcp.ack", WEIR_HDR_TCP_ACK, HDR_FORM_U32, NULL},
	{"window", WEIR_HDR_TCP_WINDOW, HDR_FORM_U16, NULL},
	{"tcp.window", WEIR_HDR_TCP_WINDOW, HDR_FORM_U16, NULL},
	{"tcp.mss", WEIR_HDR_TCP_MSS, HDR_FORM_U16, NULL},
	{"icmpv6.mtu", WEIR_HDR_ICMPV6_MTU, HDR_FORM_U32, NULL},
	{"vlan.id", WEIR_HDR_VLAN_ID, HDR_FORM_OWN, hdr_kw_vlan_id},
	{"vlan.layers", WEIR_HDR_VLAN_LAYERS, HDR_FORM_OWN, hdr_kw_vlan_layers},
};

static int
hdr_kw_icmp_id(struct weir_suri_rule *r, const char *kw, const char *val, size_t len,
	       unsigned int col, struct weir_hdr_perr *e)
{
	return hdr_icmp_u16(r, WEIR_HDR_ICMP_ID, kw, val, len, col, e);
}

static int
hdr_kw_icmp_seq(struct weir_suri_rule *r, const char *kw, const char *val, size_t len,
		unsigned int col, struct weir_hdr_perr *e)
{
	return hdr_icmp_u16(r, WEIR_HDR_ICMP_SEQ, kw, val, len, col, e);
}

static int
hdr_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < HDR_ARRAY_SIZE(hdr_keywords); i++)
		if (strlen(hdr_keywords[i].name) == len &&
		    strncasecmp(name, hdr_keywords[i].name, len) == 0)
			return (int)i;
	return -1;
}

bool
weir_hdr_kw_known(const char *name, size_t len)
{
	return hdr_find(name, len) >= 0;
}

int
weir_hdr_kw_parse(struct weir_suri_rule *r, const char *kw, const char *val, size_t len,
		  unsigned int col, struct weir_hdr_perr *e)
{
	static const uint64_t max[] = {
		[HDR_FORM_U8] = UINT8_MAX,
		[HDR_FORM_U16] = UINT16_MAX,
		[HDR_FORM_U32] = UINT32_MAX,
	};
	struct weir_uint_cond c;
	int k = hdr_find(kw, strlen(kw)), rc;

	e->at = NULL;
	e->msg[0] = '\0';
	if (k < 0)
		return hdr_fail(e, NULL, "%s: not a header keyword", kw);
	if (hdr_keywords[k].form == HDR_FORM_NONE) {
		if (val != NULL)
			return hdr_fail(e, val, "%s takes no value", kw);
		return hdr_add(r, hdr_keywords[k].kind, NULL, col);
	}
	if (val == NULL || len == 0)
		return hdr_fail(e, NULL, "%s needs a value", kw);
	if (hdr_keywords[k].form == HDR_FORM_OWN)
		return hdr_keywords[k].fn(r, kw, val, len, col, e);
	rc = hdr_uint(kw, val, len, max[hdr_keywords[k].form], &c, e);
	return rc < 0 ? rc : hdr_add(r, hdr_keywords[k].kind, &c, col);
}
