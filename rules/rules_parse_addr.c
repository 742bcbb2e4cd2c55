/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The address and port fields of a Suricata rule header, and the named
 * variables ($HOME_NET, $HTTP_PORTS) they may use. Parsing happens once on
 * the control side and turns a field such as "[$HOME_NET,!10.1.0.0/16]"
 * into a sorted list of disjoint, non-adjacent ranges; the workers then
 * only run a binary search over that list (weir_addrset_has,
 * weir_portset_has in rules_match_addr.c), with no allocation. Nothing
 * here runs per packet.
 *
 * Both kinds of field share one parser and one set algebra: a value is a
 * 128-bit number (an address, IPv4 v4-mapped, or a port) and the universe
 * is [0, max] with max 2^128-1 for addresses and 65535 for ports. The
 * semantics are Suricata's: a list is the union of its positive items
 * minus the union of its negated items (all of the universe when it has
 * only negated items), and "!x" outside a list is the complement of x. For
 * addresses, the universe of a negation is only the families (IPv4, IPv6)
 * the negated items belong to, as Suricata keeps the two lists apart. A
 * set that ends up empty is an error, as in Suricata.
 *
 * Errors carry a reason and a byte offset in the field as written; a
 * problem inside a variable's value is reported at the "$NAME" that
 * brought it in, the reason naming the variable ("in $HOME_NET: ...").
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "grow.h"
#include "rules_int.h"

/* A cycle is caught by name; this bounds legitimate chains of variables. */
#define ADDR_MAX_VAR_DEPTH 16
/* Bounds the parser's recursion ("[[[[...": lists and variables). */
#define ADDR_MAX_DEPTH 64
/* How much of a bad token an error message quotes. */
#define ADDR_SHOW 64

/* A value of either kind: an address in network order, or a port in l. */
struct addr_u128 {
	uint64_t h, l;
};

struct addr_iv {
	struct addr_u128 lo, hi; /* inclusive */
};

/* Working set while parsing; normalized = sorted, disjoint, non-adjacent. */
struct addr_set {
	struct addr_iv *v;
	unsigned int n, cap;
};

struct addr_ctx {
	bool port; /* parsing a port field */
	const struct weir_rule_vars *vars;
	struct addr_u128 max;	/* last value of the universe */
	const char *base;	/* the field, or the value being expanded */
	unsigned int var_depth; /* variables being expanded */
	unsigned int var_off;	/* offset in the field of the outer "$" */
	const char *var_stack[ADDR_MAX_VAR_DEPTH];
	char *err;
	size_t errlen;
	unsigned int *err_off;
	bool negated; /* some element was negated */
};

static const struct {
	bool is_port;
	const char *name;
	const char *value;
} addr_defaults[] = {
	/* suricata.yaml of Suricata 7.0, vars: address-groups */
	{false, "HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"},
	{false, "EXTERNAL_NET", "!$HOME_NET"},
	{false, "HTTP_SERVERS", "$HOME_NET"},
	{false, "SMTP_SERVERS", "$HOME_NET"},
	{false, "SQL_SERVERS", "$HOME_NET"},
	{false, "DNS_SERVERS", "$HOME_NET"},
	{false, "TELNET_SERVERS", "$HOME_NET"},
	{false, "AIM_SERVERS", "$EXTERNAL_NET"},
	{false, "DC_SERVERS", "$HOME_NET"},
	{false, "DNP3_SERVER", "$HOME_NET"},
	{false, "DNP3_CLIENT", "$HOME_NET"},
	{false, "MODBUS_CLIENT", "$HOME_NET"},
	{false, "MODBUS_SERVER", "$HOME_NET"},
	{false, "ENIP_CLIENT", "$HOME_NET"},
	{false, "ENIP_SERVER", "$HOME_NET"},
	/* vars: port-groups */
	{true, "HTTP_PORTS", "80"},
	{true, "SHELLCODE_PORTS", "!80"},
	{true, "ORACLE_PORTS", "1521"},
	{true, "SSH_PORTS", "22"},
	{true, "DNP3_PORTS", "20000"},
	{true, "MODBUS_PORTS", "502"},
	{true, "FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]"},
	{true, "FTP_PORTS", "21"},
	{true, "GENEVE_PORTS", "6081"},
	{true, "VXLAN_PORTS", "4789"},
	{true, "TEREDO_PORTS", "3544"},
};

#define ADDR_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- variables ------------------------------------------------------ */

static bool
addr_is_name_char(char ch)
{
	return isalnum((unsigned char)ch) || ch == '_';
}

static bool
addr_name_ok(const char *name)
{
	const char *p;

	if (name == NULL || *name == '\0')
		return false;
	for (p = name; *p != '\0'; p++)
		if (!addr_is_name_char(*p))
			return false;
	return true;
}

int
weir_rule_vars_set(struct weir_rule_vars *vars, bool is_port, const char *name, const char *value)
{
	struct weir_rule_var *v;
	char *nv, *nn;
	unsigned int i;

	if (vars == NULL || value == NULL || !addr_name_ok(name))
		return -EINVAL;
	nv = strdup(value);
	if (nv == NULL)
		return -ENOMEM;
	for (i = 0; i < vars->n; i++) {
		v = &vars->v[i];
		if (v->is_port == is_port && strcmp(v->name, name) == 0) {
			free(v->value);
			v->value = nv;
			return 0;
		}
	}
	v = weir_grow(vars->v, &vars->cap, vars->n + 1, sizeof(*v), 32);
	if (v == NULL) {
		free(nv);
		return -ENOMEM;
	}
	vars->v = v;
	nn = strdup(name);
	if (nn == NULL) {
		free(nv);
		return -ENOMEM;
	}
	v = &vars->v[vars->n++];
	v->name = nn;
	v->value = nv;
	v->is_port = is_port;
	return 0;
}

int
weir_rule_vars_defaults(struct weir_rule_vars *vars)
{
	unsigned int i;
	int rc;

	for (i = 0; i < ADDR_ARRAY_SIZE(addr_defaults); i++) {
		rc = weir_rule_vars_set(vars, addr_defaults[i].is_port, addr_defaults[i].name,
					addr_defaults[i].value);
		if (rc != 0)
			return rc;
	}
	return 0;
}

void
weir_rule_vars_free(struct weir_rule_vars *vars)
{
	unsigned int i;

	if (vars == NULL)
		return;
	for (i = 0; i < vars->n; i++) {
		free(vars->v[i].name);
		free(vars->v[i].value);
	}
	free(vars->v);
	memset(vars, 0, sizeof(*vars));
}

/* ---- 128-bit values and range sets ---------------------------------- */

static int
addr_cmp(struct addr_u128 a, struct addr_u128 b)
{
	if (a.h != b.h)
		return a.h < b.h ? -1 : 1;
	if (a.l != b.l)
		return a.l < b.l ? -1 : 1;
	return 0;
}

static bool
addr_is_top(struct addr_u128 a)
{
	return a.h == UINT64_MAX && a.l == UINT64_MAX;
}

/* a + 1; the caller makes sure a is not the top value. */
static struct addr_u128
addr_inc(struct addr_u128 a)
{
	a.l++;
	if (a.l == 0)
		a.h++;
	return a;
}

/* a - 1; the caller makes sure a is not 0. */
static struct addr_u128
addr_dec(struct addr_u128 a)
{
	if (a.l == 0)
		a.h--;
	a.l--;
	return a;
}

static struct addr_u128
addr_from_bytes(const uint8_t *b)
{
	struct addr_u128 a = {0, 0};
	unsigned int i;

	for (i = 0; i < 8; i++) {
		a.h = (a.h << 8) | b[i];
		a.l = (a.l << 8) | b[8 + i];
	}
	return a;
}

static void
addr_to_bytes(struct addr_u128 a, uint8_t *b)
{
	unsigned int i;

	for (i = 0; i < 8; i++) {
		b[7 - i] = (uint8_t)(a.h >> (8 * i));
		b[15 - i] = (uint8_t)(a.l >> (8 * i));
	}
}

/* The network mask of a /prefix (0..128) in the 128-bit space. */
static struct addr_u128
addr_mask(unsigned int prefix)
{
	struct addr_u128 m = {0, 0};

	if (prefix == 0)
		return m;
	if (prefix <= 64) {
		m.h = UINT64_MAX << (64 - prefix);
		return m;
	}
	m.h = UINT64_MAX;
	m.l = UINT64_MAX << (128 - prefix);
	return m;
}

static void
addr_set_free(struct addr_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int
addr_set_push(struct addr_set *s, struct addr_u128 lo, struct addr_u128 hi)
{
	struct addr_iv *v = weir_grow(s->v, &s->cap, s->n + 1, sizeof(*v), 8);

	if (v == NULL)
		return -ENOMEM;
	s->v = v;
	s->v[s->n].lo = lo;
	s->v[s->n].hi = hi;
	s->n++;
	return 0;
}

static int
addr_set_append(struct addr_set *dst, const struct addr_set *src)
{
	unsigned int i;
	int rc;

	for (i = 0; i < src->n; i++) {
		rc = addr_set_push(dst, src->v[i].lo, src->v[i].hi);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
addr_iv_cmp(const void *a, const void *b)
{
	const struct addr_iv *x = a, *y = b;
	int c = addr_cmp(x->lo, y->lo);

	return c != 0 ? c : addr_cmp(x->hi, y->hi);
}

/* Sort, then merge ranges that overlap or touch. */
static void
addr_set_normalize(struct addr_set *s)
{
	unsigned int i, k;

	if (s->n < 2)
		return;
	qsort(s->v, s->n, sizeof(s->v[0]), addr_iv_cmp);
	k = 0;
	for (i = 1; i < s->n; i++) {
		struct addr_iv *prev = &s->v[k];
		const struct addr_iv *cur = &s->v[i];

		if (addr_is_top(prev->hi) || addr_cmp(cur->lo, addr_inc(prev->hi)) <= 0) {
			if (addr_cmp(cur->hi, prev->hi) > 0)
				prev->hi = cur->hi;
		} else {
			s->v[++k] = *cur;
		}
	}
	s->n = k + 1;
}

/* @p out = [0, max] minus normalized @p s. */
static int
addr_set_complement(const struct addr_set *s, struct addr_u128 max, struct addr_set *out)
{
	struct addr_u128 cur = {0, 0};
	unsigned int i;
	int rc;

	for (i = 0; i < s->n; i++) {
		if (addr_cmp(s->v[i].lo, cur) > 0) {
			rc = addr_set_push(out, cur, addr_dec(s->v[i].lo));
			if (rc != 0)
				return rc;
		}
		if (addr_cmp(s->v[i].hi, max) >= 0)
			return 0;
		cur = addr_inc(s->v[i].hi);
	}
	return addr_set_push(out, cur, max);
}

/* @p out = normalized @p a minus normalized @p b (both sweeps in order). */
static int
addr_set_subtract(const struct addr_set *a, const struct addr_set *b, struct addr_u128 max,
		  struct addr_set *out)
{
	struct addr_set nb = {0};
	unsigned int i = 0, j = 0;
	int rc;

	rc = addr_set_complement(b, max, &nb);
	while (rc == 0 && i < a->n && j < nb.n) {
		struct addr_u128 lo = a->v[i].lo, hi = a->v[i].hi;

		if (addr_cmp(nb.v[j].lo, lo) > 0)
			lo = nb.v[j].lo;
		if (addr_cmp(nb.v[j].hi, hi) < 0)
			hi = nb.v[j].hi;
		if (addr_cmp(lo, hi) <= 0)
			rc = addr_set_push(out, lo, hi);
		if (addr_cmp(a->v[i].hi, nb.v[j].hi) < 0)
			i++;
		else
			j++;
	}
	addr_set_free(&nb);
	if (rc == 0)
		addr_set_normalize(out);
	return rc;
}

/* ---- the field parser ----------------------------------------------- */

static int addr_parse_elem(struct addr_ctx *c, const char **pp, struct addr_set *out, bool *neg,
			   bool in_list, unsigned int depth);
static int addr_parse_field(struct addr_ctx *c, const char *text, struct addr_set *out,
			    unsigned int depth);

static const char *
addr_what(const struct addr_ctx *c)
{
	return c->port ? "port" : "address";
}

/*
 * Record the first error: @p at points into c->base. Inside a variable the
 * offset is that of the "$" in the field, and the reason names the
 * variable whose value holds the problem.
 */
static int addr_fail(struct addr_ctx *c, const char *at, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
addr_fail(struct addr_ctx *c, const char *at, int rc, const char *fmt, ...)
{
	va_list ap;
	size_t used = 0;
	int n;

	if (c->err_off != NULL)
		*c->err_off = c->var_depth > 0 ? c->var_off : (unsigned int)(at - c->base);
	if (c->err == NULL || c->errlen == 0)
		return rc;
	c->err[0] = '\0';
	if (c->var_depth > 0) {
		n = snprintf(c->err, c->errlen, "in $%s: ", c->var_stack[c->var_depth - 1]);
		if (n > 0)
			used = (size_t)n < c->errlen ? (size_t)n : c->errlen - 1;
	}
	va_start(ap, fmt);
	vsnprintf(c->err + used, c->errlen - used, fmt, ap);
	va_end(ap);
	return rc;
}

static int
addr_nomem(struct addr_ctx *c, const char *at)
{
	return addr_fail(c, at, -ENOMEM, "out of memory");
}

static bool
addr_is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
}

static const char *
addr_skip_space(const char *p)
{
	while (addr_is_space(*p))
		p++;
	return p;
}

/* Characters that end a literal ("10.0.0.0/8", "1024:", "any"). */
static bool
addr_is_delim(char ch)
{
	return ch == '\0' || ch == ',' || ch == '[' || ch == ']' || ch == '!' || ch == '$' ||
	       addr_is_space(ch);
}

/* Parse one address (no prefix) of @p n bytes; *v4 says which family. */
static bool
addr_parse_ip(const char *s, size_t n, struct addr_u128 *out, bool *v4)
{
	char buf[INET6_ADDRSTRLEN + 8];
	uint8_t b[16];

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (memchr(buf, ':', n) != NULL) {
		if (inet_pton(AF_INET6, buf, b) != 1)
			return false;
		*v4 = false;
	} else {
		memset(b, 0, 10);
		b[10] = 0xff;
		b[11] = 0xff;
		if (inet_pton(AF_INET, buf, b + 12) != 1)
			return false;
		*v4 = true;
	}
	*out = addr_from_bytes(b);
	return true;
}

/* The prefix after '/': digits, or (IPv4) a contiguous dotted netmask. */
static bool
addr_parse_prefix(const char *s, size_t n, bool v4, unsigned int *prefix)
{
	unsigned int v = 0;
	size_t i;

	if (n == 0 || n > 15)
		return false;
	if (v4 && memchr(s, '.', n) != NULL) {
		char buf[16];
		struct in_addr m;
		uint32_t mask;

		memcpy(buf, s, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET, buf, &m) != 1)
			return false;
		mask = ntohl(m.s_addr);
		if ((~mask & (~mask + 1)) != 0) /* ones then zeros only */
			return false;
		*prefix = (unsigned int)__builtin_popcount(mask);
		return true;
	}
	if (n > 3)
		return false;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v > (v4 ? 32u : 128u))
		return false;
	*prefix = v;
	return true;
}

/* "any", "a", "a/p", "a/mask", "a-b" (a range, as Suricata allows). */
static int
addr_parse_ip_token(struct addr_ctx *c, const char *tok, size_t n, struct addr_set *out)
{
	const char *slash = memchr(tok, '/', n);
	const char *dash = memchr(tok, '-', n);
	struct addr_u128 lo, hi, m;
	unsigned int prefix;
	bool v4, v4b;
	int len = n > ADDR_SHOW ? ADDR_SHOW : (int)n;

	if (n == 3 && strncasecmp(tok, "any", 3) == 0) {
		lo.h = lo.l = 0;
		if (addr_set_push(out, lo, c->max) != 0)
			return addr_nomem(c, tok);
		return 0;
	}
	if (dash != NULL && slash == NULL) {
		size_t n1 = (size_t)(dash - tok);

		if (!addr_parse_ip(tok, n1, &lo, &v4) ||
		    !addr_parse_ip(dash + 1, n - n1 - 1, &hi, &v4b) || v4 != v4b ||
		    addr_cmp(lo, hi) > 0)
			return addr_fail(c, tok, -EINVAL, "bad address range \"%.*s\"", len, tok);
		if (addr_set_push(out, lo, hi) != 0)
			return addr_nomem(c, tok);
		return 0;
	}
	if (!addr_parse_ip(tok, slash ? (size_t)(slash - tok) : n, &lo, &v4))
		return addr_fail(c, tok, -EINVAL, "bad address \"%.*s\"", len, tok);
	hi = lo;
	if (slash != NULL) {
		size_t pn = n - (size_t)(slash - tok) - 1;
		int plen = pn > ADDR_SHOW ? ADDR_SHOW : (int)pn;

		if (!addr_parse_prefix(slash + 1, pn, v4, &prefix))
			return addr_fail(c, slash, -EINVAL, "bad CIDR prefix /%.*s", plen,
					 slash + 1);
		/* host bits set (10.0.0.1/8) are masked off, as Suricata does */
		m = addr_mask(prefix + (v4 ? 96 : 0));
		lo.h &= m.h;
		lo.l &= m.l;
		hi.h = lo.h | ~m.h;
		hi.l = lo.l | ~m.l;
	}
	if (addr_set_push(out, lo, hi) != 0)
		return addr_nomem(c, tok);
	return 0;
}

/* Digits of one port, 0..65535. */
static int
addr_parse_port_num(struct addr_ctx *c, const char *tok, size_t tn, const char *s, size_t n,
		    uint32_t *v)
{
	int len = tn > ADDR_SHOW ? ADDR_SHOW : (int)tn;
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return addr_fail(c, tok, -EINVAL, "bad port \"%.*s\"", len, tok);
		if (*v <= 65535)
			*v = *v * 10 + (uint32_t)(s[i] - '0');
	}
	if (*v > 65535)
		return addr_fail(c, s, -EINVAL, "port %.*s out of range (max 65535)",
				 n > ADDR_SHOW ? ADDR_SHOW : (int)n, s);
	return 0;
}

/* "any", "80", "80:90", "1024:", ":1023". */
static int
addr_parse_port_token(struct addr_ctx *c, const char *tok, size_t n, struct addr_set *out)
{
	const char *colon = memchr(tok, ':', n);
	struct addr_u128 lo = {0, 0}, hi = {0, 0};
	uint32_t a = 0, b = 65535;
	int len = n > ADDR_SHOW ? ADDR_SHOW : (int)n;
	int rc;

	if (n == 3 && strncasecmp(tok, "any", 3) == 0) {
		b = 65535;
	} else if (colon == NULL) {
		rc = addr_parse_port_num(c, tok, n, tok, n, &a);
		if (rc != 0)
			return rc;
		b = a;
	} else {
		size_t n1 = (size_t)(colon - tok), n2 = n - n1 - 1;

		if ((n1 == 0 && n2 == 0) || memchr(colon + 1, ':', n2) != NULL)
			return addr_fail(c, tok, -EINVAL, "bad port \"%.*s\"", len, tok);
		if (n1 > 0) {
			rc = addr_parse_port_num(c, tok, n, tok, n1, &a);
			if (rc != 0)
				return rc;
		}
		if (n2 > 0) {
			rc = addr_parse_port_num(c, tok, n, colon + 1, n2, &b);
			if (rc != 0)
				return rc;
		}
		if (a > b)
			return addr_fail(c, tok, -EINVAL, "bad range %u:%u", a, b);
	}
	lo.l = a;
	hi.l = b;
	if (addr_set_push(out, lo, hi) != 0)
		return addr_nomem(c, tok);
	return 0;
}

static const struct weir_rule_var *
addr_var_find(const struct weir_rule_vars *vars, const char *name, size_t n, bool is_port)
{
	unsigned int i;

	if (vars == NULL)
		return NULL;
	for (i = 0; i < vars->n; i++) {
		const struct weir_rule_var *v = &vars->v[i];

		if (v->is_port == is_port && strncmp(v->name, name, n) == 0 && v->name[n] == '\0')
			return v;
	}
	return NULL;
}

/* "$NAME" at *pp: the variable's value, parsed as a whole field. */
static int
addr_parse_var(struct addr_ctx *c, const char **pp, struct addr_set *out, unsigned int depth)
{
	const char *dollar = *pp, *name = dollar + 1, *p = name;
	const struct weir_rule_var *v;
	const char *saved_base;
	unsigned int i;
	size_t n;
	int len, rc;

	while (addr_is_name_char(*p))
		p++;
	n = (size_t)(p - name);
	len = n > ADDR_SHOW ? ADDR_SHOW : (int)n;
	if (n == 0)
		return addr_fail(c, dollar, -EINVAL, "bad variable name after '$'");
	v = addr_var_find(c->vars, name, n, c->port);
	if (v == NULL) {
		if (addr_var_find(c->vars, name, n, !c->port) != NULL)
			return addr_fail(c, dollar, -EINVAL, "$%.*s is %s variable, not %s", len,
					 name, c->port ? "an address" : "a port",
					 c->port ? "a port variable" : "an address variable");
		return addr_fail(c, dollar, -EINVAL, "unknown variable $%.*s", len, name);
	}
	for (i = 0; i < c->var_depth; i++)
		if (strcmp(c->var_stack[i], v->name) == 0)
			return addr_fail(c, dollar, -EINVAL, "recursive variable $%s", v->name);
	if (c->var_depth == ADDR_MAX_VAR_DEPTH)
		return addr_fail(c, dollar, -EINVAL, "variables nested deeper than %d at $%s",
				 ADDR_MAX_VAR_DEPTH, v->name);
	if (c->var_depth == 0)
		c->var_off = (unsigned int)(dollar - c->base);
	c->var_stack[c->var_depth++] = v->name;
	saved_base = c->base;
	c->base = v->value;
	rc = addr_parse_field(c, v->value, out, depth + 1);
	c->base = saved_base;
	c->var_depth--;
	*pp = p;
	return rc;
}

/*
 * The universe a negation is taken in. Ports: [0, 65535]. Addresses:
 * Suricata keeps IPv4 and IPv6 lists apart and negates within each family
 * the negated set has members in ("!10.0.0.0/8" is every other IPv4
 * address and no IPv6 one; an IPv6 packet never matches it), so the
 * universe is the v4-mapped block ::ffff:0:0/96 if @p s touches it, plus
 * the rest of the 128-bit space if @p s touches that.
 */
static int
addr_neg_universe(const struct addr_ctx *c, const struct addr_set *s, struct addr_set *out)
{
	const struct addr_u128 v4lo = {0, 0x0000ffff00000000ull};
	const struct addr_u128 v4hi = {0, 0x0000ffffffffffffull};
	const struct addr_u128 zero = {0, 0};
	bool v4 = false, v6 = false;
	unsigned int i;
	int rc = 0;

	if (c->port)
		return addr_set_push(out, zero, c->max);
	for (i = 0; i < s->n; i++) {
		/* [lo, hi] meets the v4 block, and/or lies partly outside it */
		if (addr_cmp(s->v[i].hi, v4lo) >= 0 && addr_cmp(s->v[i].lo, v4hi) <= 0)
			v4 = true;
		if (addr_cmp(s->v[i].lo, v4lo) < 0 || addr_cmp(s->v[i].hi, v4hi) > 0)
			v6 = true;
	}
	if (v6 && addr_cmp(v4lo, zero) > 0)
		rc = addr_set_push(out, zero, addr_dec(v4lo));
	if (rc == 0 && v4)
		rc = addr_set_push(out, v4lo, v4hi);
	if (rc == 0 && v6)
		rc = addr_set_push(out, addr_inc(v4hi), c->max);
	if (rc == 0)
		addr_set_normalize(out);
	return rc;
}

/* "!s": the family-wise complement of normalized @p s (see above). */
static int
addr_negate(const struct addr_ctx *c, const struct addr_set *s, struct addr_set *out)
{
	struct addr_set u = {0};
	int rc = addr_neg_universe(c, s, &u);

	if (rc == 0)
		rc = addr_set_subtract(&u, s, c->max, out);
	addr_set_free(&u);
	return rc;
}

/* "[" item ("," item)* "]": positives minus negatives. */
static int
addr_parse_list(struct addr_ctx *c, const char **pp, struct addr_set *out, unsigned int depth)
{
	const char *open = *pp, *p = open + 1;
	struct addr_set pos = {0}, neg = {0}, item = {0};
	bool any_pos = false, is_neg;
	int rc;

	p = addr_skip_space(p);
	if (*p == ']')
		return addr_fail(c, open, -EINVAL, "empty list");
	for (;;) {
		rc = addr_parse_elem(c, &p, &item, &is_neg, true, depth);
		if (rc != 0)
			goto out;
		rc = addr_set_append(is_neg ? &neg : &pos, &item);
		if (rc != 0) {
			rc = addr_nomem(c, p);
			goto out;
		}
		any_pos |= !is_neg;
		addr_set_free(&item);
		p = addr_skip_space(p);
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == ']')
			break;
		if (*p == '\0')
			rc = addr_fail(c, open, -EINVAL, "unbalanced brackets: '[' not closed");
		else
			rc = addr_fail(c, p, -EINVAL, "expected ',' or ']' in list, not '%c'", *p);
		goto out;
	}
	p++;
	addr_set_normalize(&neg);
	if (!any_pos) {
		/* only negated items: the universe of their families */
		if (addr_neg_universe(c, &neg, &pos) != 0) {
			rc = addr_nomem(c, open);
			goto out;
		}
	}
	addr_set_normalize(&pos);
	rc = addr_set_subtract(&pos, &neg, c->max, out);
	if (rc != 0)
		rc = addr_nomem(c, open);
	else if (out->n == 0)
		rc = addr_fail(c, open, -EINVAL, "%s set is empty after negation", addr_what(c));
	*pp = p;
out:
	addr_set_free(&pos);
	addr_set_free(&neg);
	addr_set_free(&item);
	return rc;
}

/* One list, variable or literal at *pp (no leading '!'). */
static int
addr_parse_atom(struct addr_ctx *c, const char **pp, struct addr_set *out, bool in_list,
		unsigned int depth)
{
	const char *p = *pp, *tok;
	int rc;

	if (depth > ADDR_MAX_DEPTH)
		return addr_fail(c, p, -EINVAL, "lists and variables nested deeper than %d",
				 ADDR_MAX_DEPTH);
	switch (*p) {
	case '[':
		return addr_parse_list(c, pp, out, depth + 1);
	case '$':
		return addr_parse_var(c, pp, out, depth);
	case ']':
	case ',':
		if (in_list)
			return addr_fail(c, p, -EINVAL, "empty list item");
		if (*p == ']')
			return addr_fail(c, p, -EINVAL, "unbalanced brackets: unexpected ']'");
		return addr_fail(c, p, -EINVAL, "missing %s before ','", addr_what(c));
	case '\0':
		return addr_fail(c, p, -EINVAL, "missing %s", addr_what(c));
	default:
		break;
	}
	tok = p;
	while (!addr_is_delim(*p))
		p++;
	if (c->port)
		rc = addr_parse_port_token(c, tok, (size_t)(p - tok), out);
	else
		rc = addr_parse_ip_token(c, tok, (size_t)(p - tok), out);
	*pp = p;
	return rc;
}

/* '!'* atom: *neg says whether an odd number of '!' came first. */
static int
addr_parse_elem(struct addr_ctx *c, const char **pp, struct addr_set *out, bool *neg, bool in_list,
		unsigned int depth)
{
	const char *p = addr_skip_space(*pp);
	int rc;

	*neg = false;
	while (*p == '!') {
		*neg = !*neg;
		p = addr_skip_space(p + 1);
	}
	if (*neg)
		c->negated = true;
	rc = addr_parse_atom(c, &p, out, in_list, depth);
	*pp = p;
	return rc;
}

/* A whole field (or a variable's value): one element, then the end. */
static int
addr_parse_field(struct addr_ctx *c, const char *text, struct addr_set *out, unsigned int depth)
{
	const char *p = addr_skip_space(text), *start = p;
	struct addr_set s = {0};
	bool neg;
	int rc;

	rc = addr_parse_elem(c, &p, &s, &neg, false, depth);
	if (rc != 0)
		goto out;
	addr_set_normalize(&s);
	if (neg) {
		rc = addr_negate(c, &s, out);
		if (rc != 0) {
			rc = addr_nomem(c, start);
			goto out;
		}
		if (out->n == 0) {
			rc = addr_fail(c, start, -EINVAL, "%s set is empty after negation",
				       addr_what(c));
			goto out;
		}
	} else {
		*out = s;
		memset(&s, 0, sizeof(s));
	}
	p = addr_skip_space(p);
	if (*p == ']')
		rc = addr_fail(c, p, -EINVAL, "unbalanced brackets: unexpected ']'");
	else if (*p != '\0')
		rc = addr_fail(c, p, -EINVAL, "trailing junk \"%.*s\" after %s", ADDR_SHOW, p,
			       addr_what(c));
out:
	addr_set_free(&s);
	if (rc != 0)
		addr_set_free(out);
	return rc;
}

static void
addr_ctx_init(struct addr_ctx *c, bool port, const char *text, const struct weir_rule_vars *vars,
	      char *err, size_t errlen, unsigned int *err_off)
{
	memset(c, 0, sizeof(*c));
	c->port = port;
	c->vars = vars;
	c->base = text;
	c->err = err;
	c->errlen = errlen;
	c->err_off = err_off;
	if (port) {
		c->max.l = 65535;
	} else {
		c->max.h = UINT64_MAX;
		c->max.l = UINT64_MAX;
	}
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (err_off != NULL)
		*err_off = 0;
}

/* ---- public parse, set algebra, free -------------------------------- */

/*
 * What both public parsers share: set up @p c for a field of the kind
 * @p port says and parse @p text into the normalized working set @p s;
 * they only differ in how they copy @p s out.
 */
static int
addr_parse_text(struct addr_ctx *c, bool port, const char *text, const struct weir_rule_vars *vars,
		bool have_out, struct addr_set *s, char *err, size_t errlen, unsigned int *err_off)
{
	addr_ctx_init(c, port, text != NULL ? text : "", vars, err, errlen, err_off);
	if (text == NULL || !have_out)
		return addr_fail(c, c->base, -EINVAL, "missing %s", addr_what(c));
	return addr_parse_field(c, text, s, 0);
}

int
weir_addrset_parse(const char *text, const struct weir_rule_vars *vars, struct weir_addrset *out,
		   char *err, size_t errlen, unsigned int *err_off)
{
	struct addr_ctx c;
	struct addr_set s = {0};
	unsigned int i;
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	rc = addr_parse_text(&c, false, text, vars, out != NULL, &s, err, errlen, err_off);
	if (rc != 0)
		return rc;
	out->r = calloc(s.n, sizeof(*out->r));
	if (out->r == NULL) {
		rc = addr_nomem(&c, text);
		goto out;
	}
	for (i = 0; i < s.n; i++) {
		addr_to_bytes(s.v[i].lo, out->r[i].lo);
		addr_to_bytes(s.v[i].hi, out->r[i].hi);
	}
	out->n = s.n;
	out->any = s.n == 1 && s.v[0].lo.h == 0 && s.v[0].lo.l == 0 && addr_is_top(s.v[0].hi);
	out->negated = c.negated;
out:
	addr_set_free(&s);
	return rc;
}

int
weir_portset_parse(const char *text, const struct weir_rule_vars *vars, struct weir_portset *out,
		   char *err, size_t errlen, unsigned int *err_off)
{
	struct addr_ctx c;
	struct addr_set s = {0};
	unsigned int i;
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	rc = addr_parse_text(&c, true, text, vars, out != NULL, &s, err, errlen, err_off);
	if (rc != 0)
		return rc;
	out->r = calloc(s.n, sizeof(*out->r));
	if (out->r == NULL) {
		rc = addr_nomem(&c, text);
		goto out;
	}
	for (i = 0; i < s.n; i++) {
		out->r[i].lo = (uint16_t)s.v[i].lo.l;
		out->r[i].hi = (uint16_t)s.v[i].hi.l;
	}
	out->n = s.n;
	out->any = s.n == 1 && s.v[0].lo.l == 0 && s.v[0].hi.l == 65535;
out:
	addr_set_free(&s);
	return rc;
}

int
weir_portset_union(const struct weir_portset *a, const struct weir_portset *b,
		   struct weir_portset *out)
{
	struct weir_port_range *v;
	unsigned int i = 0, j = 0, n = 0;

	memset(out, 0, sizeof(*out));
	if (a->any || b->any) {
		out->any = true;
		return 0;
	}
	v = calloc(a->n + b->n + 1, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	while (i < a->n || j < b->n) {
		struct weir_port_range r;

		if (j >= b->n || (i < a->n && a->r[i].lo <= b->r[j].lo))
			r = a->r[i++];
		else
			r = b->r[j++];
		if (n > 0 && (uint32_t)v[n - 1].hi + 1 >= r.lo) {
			if (r.hi > v[n - 1].hi)
				v[n - 1].hi = r.hi;
		} else {
			v[n++] = r;
		}
	}
	out->r = v;
	out->n = n;
	out->any = n == 1 && v[0].lo == 0 && v[0].hi == 65535;
	return 0;
}

void
weir_addrset_free(struct weir_addrset *s)
{
	if (s == NULL)
		return;
	free(s->r);
	memset(s, 0, sizeof(*s));
}

void
weir_portset_free(struct weir_portset *s)
{
	if (s == NULL)
		return;
	free(s->r);
	memset(s, 0, sizeof(*s));
}
