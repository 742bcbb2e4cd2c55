/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the address and port fields of Suricata rules
 * (rules/rules_parse_addr.c): the default variables, every accepted form of
 * address and port, membership at the edges of each range, IPv4 and IPv6
 * kept apart in the one 128-bit space, Suricata's list and negation
 * semantics ($EXTERNAL_NET is exactly "not $HOME_NET"), and every error
 * with its reason and byte offset. A randomized port test checks the set
 * algebra against a plain bitmap.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weir_cunit.h"

#include "rules_int.h"

static struct weir_rule_vars g_vars;

static int
suite_init(void)
{
	if (weir_rule_vars_defaults(&g_vars) != 0)
		return 1;
	/* for the tests of variables: a cycle, a bad value, a list */
	if (weir_rule_vars_set(&g_vars, false, "CYC_A", "$CYC_B") != 0 ||
	    weir_rule_vars_set(&g_vars, false, "CYC_B", "[1.2.3.4,$CYC_A]") != 0 ||
	    weir_rule_vars_set(&g_vars, false, "BAD", "[1.2.3.4, x]") != 0 ||
	    weir_rule_vars_set(&g_vars, false, "LAB", "[ 192.0.2.0/24 , !192.0.2.128/25 ]") != 0 ||
	    weir_rule_vars_set(&g_vars, true, "WEB", "[$HTTP_PORTS, 443, 8000:8999]") != 0 ||
	    weir_rule_vars_set(&g_vars, true, "LOOP", "[80,$LOOP]") != 0)
		return 1;
	return 0;
}

static int
suite_fini(void)
{
	weir_rule_vars_free(&g_vars);
	return 0;
}

static bool
has(const struct weir_addrset *s, const char *ip)
{
	uint8_t b[16];

	if (strchr(ip, ':') != NULL) {
		if (inet_pton(AF_INET6, ip, b) != 1) {
			fprintf(stderr, "test bug: bad IPv6 %s\n", ip);
			abort();
		}
		return weir_addrset_has(s, 6, b);
	}
	if (inet_pton(AF_INET, ip, b) != 1) {
		fprintf(stderr, "test bug: bad IPv4 %s\n", ip);
		abort();
	}
	return weir_addrset_has(s, 4, b);
}

/* Parse @p text that must be good, reporting the error otherwise. */
static void
parse_a(const char *text, struct weir_addrset *s)
{
	char err[256];
	unsigned int off = 99;
	int rc;

	rc = weir_addrset_parse(text, &g_vars, s, err, sizeof(err), &off);
	if (rc != 0)
		fprintf(stderr, "\n  \"%s\": rc %d: %s (offset %u)\n", text, rc, err, off);
	WEIR_CU_ASSERT_FATAL(rc == 0);
	CU_ASSERT(s->n >= 1);
}

static void
parse_p(const char *text, struct weir_portset *s)
{
	char err[256];
	unsigned int off = 99;
	int rc;

	rc = weir_portset_parse(text, &g_vars, s, err, sizeof(err), &off);
	if (rc != 0)
		fprintf(stderr, "\n  \"%s\": rc %d: %s (offset %u)\n", text, rc, err, off);
	WEIR_CU_ASSERT_FATAL(rc == 0);
	CU_ASSERT(s->n >= 1);
}

/* Sorted, disjoint, non-adjacent, as the header promises. */
static bool
addr_sorted(const struct weir_addrset *s)
{
	uint8_t next[16];
	unsigned int i, k;
	int carry;

	for (i = 0; i < s->n; i++) {
		if (memcmp(s->r[i].lo, s->r[i].hi, 16) > 0)
			return false;
		if (i == 0)
			continue;
		/* r[i].lo must exceed r[i-1].hi + 1: compute hi + 1 */
		carry = 1;
		memcpy(next, s->r[i - 1].hi, 16);
		for (k = 16; k-- > 0 && carry;) {
			next[k]++;
			carry = next[k] == 0;
		}
		if (carry || memcmp(s->r[i].lo, next, 16) <= 0)
			return false;
	}
	return true;
}

static bool
port_sorted(const struct weir_portset *s)
{
	unsigned int i;

	for (i = 0; i < s->n; i++) {
		if (s->r[i].lo > s->r[i].hi)
			return false;
		if (i > 0 && (uint32_t)s->r[i].lo <= (uint32_t)s->r[i - 1].hi + 1)
			return false;
	}
	return true;
}

static void
test_vars_defaults(void)
{
	static const struct {
		bool port;
		const char *name, *value;
	} want[] = {
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
	struct weir_rule_vars v = {0};
	unsigned int i, j, found;

	CU_ASSERT_EQUAL_FATAL(weir_rule_vars_defaults(&v), 0);
	CU_ASSERT_EQUAL(v.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		found = 0;
		for (j = 0; j < v.n; j++) {
			if (strcmp(v.v[j].name, want[i].name) != 0)
				continue;
			found++;
			CU_ASSERT_EQUAL(v.v[j].is_port, want[i].port);
			CU_ASSERT_STRING_EQUAL(v.v[j].value, want[i].value);
		}
		CU_ASSERT_EQUAL(found, 1);
	}
	/* every default parses in its own kind of field */
	for (j = 0; j < v.n; j++) {
		struct weir_addrset a;
		struct weir_portset p;
		char ref[64];

		snprintf(ref, sizeof(ref), "$%s", v.v[j].name);
		if (v.v[j].is_port) {
			CU_ASSERT_EQUAL(weir_portset_parse(ref, &v, &p, NULL, 0, NULL), 0);
			weir_portset_free(&p);
		} else {
			CU_ASSERT_EQUAL(weir_addrset_parse(ref, &v, &a, NULL, 0, NULL), 0);
			weir_addrset_free(&a);
		}
	}
	/* set replaces within a kind; the same name may exist in both kinds */
	CU_ASSERT_EQUAL(weir_rule_vars_set(&v, false, "HOME_NET", "10.0.0.0/8"), 0);
	CU_ASSERT_EQUAL(v.n, sizeof(want) / sizeof(want[0]));
	CU_ASSERT_EQUAL(weir_rule_vars_set(&v, true, "HOME_NET", "80"), 0);
	CU_ASSERT_EQUAL(v.n, sizeof(want) / sizeof(want[0]) + 1);
	for (j = 0; j < v.n; j++)
		if (strcmp(v.v[j].name, "HOME_NET") == 0 && !v.v[j].is_port)
			CU_ASSERT_STRING_EQUAL(v.v[j].value, "10.0.0.0/8");
	/* names are [A-Za-z0-9_]+ */
	CU_ASSERT_EQUAL(weir_rule_vars_set(&v, false, "", "any"), -EINVAL);
	CU_ASSERT_EQUAL(weir_rule_vars_set(&v, false, "$X", "any"), -EINVAL);
	CU_ASSERT_EQUAL(weir_rule_vars_set(&v, false, "A-B", "any"), -EINVAL);
	CU_ASSERT_EQUAL(weir_rule_vars_set(&v, false, NULL, "any"), -EINVAL);
	CU_ASSERT_EQUAL(weir_rule_vars_set(&v, false, "X", NULL), -EINVAL);
	CU_ASSERT_EQUAL(weir_rule_vars_set(&v, false, "ab_9Z", "any"), 0);

	weir_rule_vars_free(&v);
	CU_ASSERT_PTR_NULL(v.v);
	CU_ASSERT_EQUAL(v.n, 0);
	CU_ASSERT_EQUAL(v.cap, 0);
	weir_rule_vars_free(&v);
	weir_rule_vars_free(NULL);
}

static void
test_addr_any(void)
{
	static const char *const texts[] = {"any",
					    "ANY",
					    "  any  ",
					    "[any]",
					    "[1.2.3.4,any]",
					    "[0.0.0.0/0,::/0]",
					    "[::/1,8000::/1]",
					    "!![any]"};
	struct weir_addrset s;
	unsigned int i;
	static const uint8_t zero[16], ones[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
						   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		parse_a(texts[i], &s);
		CU_ASSERT(s.any);
		CU_ASSERT_EQUAL(s.n, 1);
		CU_ASSERT(memcmp(s.r[0].lo, zero, 16) == 0);
		CU_ASSERT(memcmp(s.r[0].hi, ones, 16) == 0);
		CU_ASSERT(has(&s, "0.0.0.0"));
		CU_ASSERT(has(&s, "255.255.255.255"));
		CU_ASSERT(has(&s, "::"));
		CU_ASSERT(has(&s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
		weir_addrset_free(&s);
	}
}

static void
test_addr_v4(void)
{
	struct weir_addrset s;

	parse_a("1.2.3.4", &s);
	CU_ASSERT(!s.any);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT(has(&s, "1.2.3.4"));
	CU_ASSERT(!has(&s, "1.2.3.3"));
	CU_ASSERT(!has(&s, "1.2.3.5"));
	/* the same address seen as v4-mapped IPv6 is the same point */
	CU_ASSERT(has(&s, "::ffff:1.2.3.4"));
	CU_ASSERT(!has(&s, "::1.2.3.4"));
	{
		static const uint8_t lo[16] = {0, 0, 0,	   0,	 0, 0, 0, 0,
					       0, 0, 0xff, 0xff, 1, 2, 3, 4};

		CU_ASSERT(memcmp(s.r[0].lo, lo, 16) == 0);
		CU_ASSERT(memcmp(s.r[0].hi, lo, 16) == 0);
	}
	weir_addrset_free(&s);

	parse_a("10.0.0.0/8", &s);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT(has(&s, "10.0.0.0"));
	CU_ASSERT(has(&s, "10.255.255.255"));
	CU_ASSERT(has(&s, "10.1.2.3"));
	CU_ASSERT(!has(&s, "11.0.0.0"));
	CU_ASSERT(!has(&s, "9.255.255.255"));
	weir_addrset_free(&s);

	/* host bits set: masked, as Suricata does */
	parse_a("10.0.0.1/8", &s);
	CU_ASSERT(has(&s, "10.0.0.0"));
	CU_ASSERT(has(&s, "10.255.255.255"));
	CU_ASSERT(!has(&s, "11.0.0.0"));
	weir_addrset_free(&s);

	parse_a("192.168.1.77/32", &s);
	CU_ASSERT(has(&s, "192.168.1.77"));
	CU_ASSERT(!has(&s, "192.168.1.76"));
	CU_ASSERT(!has(&s, "192.168.1.78"));
	weir_addrset_free(&s);

	/* /0 is every IPv4 address and no IPv6 one */
	parse_a("0.0.0.0/0", &s);
	CU_ASSERT(!s.any);
	CU_ASSERT(has(&s, "0.0.0.0"));
	CU_ASSERT(has(&s, "255.255.255.255"));
	CU_ASSERT(!has(&s, "::"));
	CU_ASSERT(!has(&s, "2001:db8::1"));
	CU_ASSERT(!has(&s, "::fffe:ffff:ffff"));
	CU_ASSERT(!has(&s, "::1:0:0:0"));
	weir_addrset_free(&s);

	/* dotted netmask and a range, both accepted by Suricata */
	parse_a("172.16.0.0/255.240.0.0", &s);
	CU_ASSERT(has(&s, "172.16.0.0"));
	CU_ASSERT(has(&s, "172.31.255.255"));
	CU_ASSERT(!has(&s, "172.32.0.0"));
	CU_ASSERT(!has(&s, "172.15.255.255"));
	weir_addrset_free(&s);

	parse_a("1.2.3.4-1.2.3.10", &s);
	CU_ASSERT(has(&s, "1.2.3.4"));
	CU_ASSERT(has(&s, "1.2.3.10"));
	CU_ASSERT(!has(&s, "1.2.3.3"));
	CU_ASSERT(!has(&s, "1.2.3.11"));
	weir_addrset_free(&s);
}

static void
test_addr_v6(void)
{
	struct weir_addrset s;

	parse_a("2001:db8::1", &s);
	CU_ASSERT(has(&s, "2001:db8::1"));
	CU_ASSERT(!has(&s, "2001:db8::"));
	CU_ASSERT(!has(&s, "2001:db8::2"));
	weir_addrset_free(&s);

	parse_a("2001:db8::/32", &s);
	CU_ASSERT(has(&s, "2001:db8::"));
	CU_ASSERT(has(&s, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"));
	CU_ASSERT(!has(&s, "2001:db9::"));
	CU_ASSERT(!has(&s, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"));
	/* 32.1.13.184 is 0x20010db8: the IPv4 address is not in the IPv6 net */
	CU_ASSERT(!has(&s, "32.1.13.184"));
	weir_addrset_free(&s);

	parse_a("2001:db8::1/64", &s); /* host bits masked */
	CU_ASSERT(has(&s, "2001:db8::"));
	CU_ASSERT(has(&s, "2001:db8::ffff:ffff:ffff:ffff"));
	CU_ASSERT(!has(&s, "2001:db8:0:1::"));
	weir_addrset_free(&s);

	parse_a("::1/128", &s);
	CU_ASSERT(has(&s, "::1"));
	CU_ASSERT(!has(&s, "::2"));
	CU_ASSERT(!has(&s, "0.0.0.1"));
	weir_addrset_free(&s);

	/* ::/0 is the whole space: v4-mapped addresses are part of it */
	parse_a("::/0", &s);
	CU_ASSERT(s.any);
	weir_addrset_free(&s);

	/* v4 and v6 apart: the same low bits do not meet */
	parse_a("[10.0.0.0/8,fe80::/10]", &s);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT(has(&s, "10.0.0.1"));
	CU_ASSERT(!has(&s, "a00::1"));
	CU_ASSERT(!has(&s, "::a00:1"));
	CU_ASSERT(has(&s, "fe80::1"));
	CU_ASSERT(has(&s, "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
	CU_ASSERT(!has(&s, "fec0::"));
	CU_ASSERT(!has(&s, "254.128.0.1"));
	CU_ASSERT(addr_sorted(&s));
	weir_addrset_free(&s);

	/* unknown version */
	parse_a("10.0.0.0/8", &s);
	{
		static const uint8_t a[16] = {10, 0, 0, 1};

		CU_ASSERT(weir_addrset_has(&s, 4, a));
		CU_ASSERT(!weir_addrset_has(&s, 5, a));
		CU_ASSERT(!weir_addrset_has(&s, 6, a));
	}
	weir_addrset_free(&s);
}

static void
test_addr_lists(void)
{
	struct weir_addrset s;

	parse_a("[1.2.3.4, 5.6.7.8]", &s);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT(has(&s, "1.2.3.4"));
	CU_ASSERT(has(&s, "5.6.7.8"));
	CU_ASSERT(!has(&s, "1.2.3.5"));
	CU_ASSERT(!has(&s, "5.6.7.7"));
	CU_ASSERT(!has(&s, "3.0.0.0"));
	CU_ASSERT(addr_sorted(&s));
	weir_addrset_free(&s);

	/* whitespace anywhere inside, nesting, order does not matter */
	parse_a(" [ [ 5.6.7.8 ] ,\t[[1.2.3.4]] ] ", &s);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT(addr_sorted(&s));
	weir_addrset_free(&s);

	/* adjacent and overlapping ranges merge */
	parse_a("[1.2.3.6/31,1.2.3.4,1.2.3.5,2.0.0.0/8,1.0.0.0/8]", &s);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT(has(&s, "1.0.0.0"));
	CU_ASSERT(has(&s, "2.255.255.255"));
	CU_ASSERT(!has(&s, "3.0.0.0"));
	CU_ASSERT(!has(&s, "0.255.255.255"));
	weir_addrset_free(&s);

	parse_a("[10.0.0.0/8,10.1.0.0/16,10.200.0.0/16]", &s);
	CU_ASSERT_EQUAL(s.n, 1);
	weir_addrset_free(&s);

	/* a mixed list stays sorted (IPv6 :: sorts below v4-mapped) */
	parse_a("[255.0.0.1,2001:db8::1,::1,10.0.0.1]", &s);
	CU_ASSERT_EQUAL(s.n, 4);
	CU_ASSERT(addr_sorted(&s));
	CU_ASSERT(has(&s, "::1"));
	CU_ASSERT(has(&s, "255.0.0.1"));
	CU_ASSERT(!has(&s, "255.0.0.2"));
	weir_addrset_free(&s);
}

static void
test_addr_negation(void)
{
	struct weir_addrset s;

	parse_a("!10.0.0.0/8", &s);
	CU_ASSERT(!s.any);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT(!has(&s, "10.0.0.0"));
	CU_ASSERT(!has(&s, "10.255.255.255"));
	CU_ASSERT(has(&s, "9.255.255.255"));
	CU_ASSERT(has(&s, "11.0.0.0"));
	/* Suricata negates within the family of what is negated: an IPv6
	 * address is not in "!10.0.0.0/8" */
	CU_ASSERT(!has(&s, "::"));
	CU_ASSERT(!has(&s, "2001:db8::1"));
	CU_ASSERT(addr_sorted(&s));
	weir_addrset_free(&s);

	/* a list of only negated items is "any minus those" */
	parse_a("[!10.0.0.0/8]", &s);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT(!has(&s, "10.1.1.1"));
	CU_ASSERT(has(&s, "11.0.0.0"));
	weir_addrset_free(&s);

	parse_a("[!10.0.0.0/8, !192.168.0.0/16]", &s);
	CU_ASSERT_EQUAL(s.n, 3);
	CU_ASSERT(!has(&s, "192.168.255.255"));
	CU_ASSERT(has(&s, "192.169.0.0"));
	CU_ASSERT(has(&s, "192.167.255.255"));
	weir_addrset_free(&s);

	/* nested negation: 10/8 minus 10.1/16 */
	parse_a("[10.0.0.0/8,![10.1.0.0/16]]", &s);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT(has(&s, "10.0.0.0"));
	CU_ASSERT(has(&s, "10.0.255.255"));
	CU_ASSERT(!has(&s, "10.1.0.0"));
	CU_ASSERT(!has(&s, "10.1.255.255"));
	CU_ASSERT(has(&s, "10.2.0.0"));
	CU_ASSERT(has(&s, "10.255.255.255"));
	CU_ASSERT(!has(&s, "11.0.0.0"));
	CU_ASSERT(!has(&s, "::"));
	CU_ASSERT(addr_sorted(&s));
	weir_addrset_free(&s);

	/* order inside the list does not matter */
	parse_a("[!10.1.0.0/16,10.0.0.0/8]", &s);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT(!has(&s, "10.1.2.3"));
	CU_ASSERT(has(&s, "10.2.0.0"));
	weir_addrset_free(&s);

	/* complement of a list with a hole: the hole is back in */
	parse_a("![10.0.0.0/8,!10.1.0.0/16]", &s);
	CU_ASSERT(!has(&s, "10.0.0.1"));
	CU_ASSERT(has(&s, "10.1.0.0"));
	CU_ASSERT(has(&s, "10.1.255.255"));
	CU_ASSERT(!has(&s, "10.2.0.0"));
	CU_ASSERT(has(&s, "11.0.0.0"));
	CU_ASSERT(!has(&s, "fe80::1"));
	weir_addrset_free(&s);

	/* a negated list inside a list subtracts the list as a whole */
	parse_a("[10.0.0.0/8,![10.1.0.0/16,!10.1.1.0/24]]", &s);
	CU_ASSERT(has(&s, "10.0.0.1"));
	CU_ASSERT(!has(&s, "10.1.0.1"));
	CU_ASSERT(has(&s, "10.1.1.1"));
	CU_ASSERT(!has(&s, "10.1.2.1"));
	CU_ASSERT(has(&s, "10.2.0.0"));
	CU_ASSERT_EQUAL(s.n, 3);
	weir_addrset_free(&s);

	/* double negation cancels */
	parse_a("!!1.2.3.4", &s);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT(has(&s, "1.2.3.4"));
	CU_ASSERT(!has(&s, "1.2.3.5"));
	weir_addrset_free(&s);

	/* the complement of a single top address / bottom address */
	/* (IPv6 only: the space minus the v4-mapped block, in two pieces) */
	parse_a("!ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &s);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT(!has(&s, "1.2.3.4"));
	CU_ASSERT(has(&s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe"));
	CU_ASSERT(!has(&s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
	CU_ASSERT(has(&s, "::"));
	weir_addrset_free(&s);
	parse_a("!::", &s);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT(has(&s, "2001:db8::1"));
	CU_ASSERT(!has(&s, "10.0.0.1"));
	CU_ASSERT(!has(&s, "::"));
	CU_ASSERT(has(&s, "::1"));
	weir_addrset_free(&s);
}

static void
test_addr_vars(void)
{
	static const char *const probes[] = {
		"192.168.0.0", "192.168.255.255", "192.167.255.255", "192.169.0.0",
		"10.0.0.0",    "10.255.255.255",  "9.255.255.255",   "11.0.0.0",
		"172.16.0.0",  "172.31.255.255",  "172.15.255.255",  "172.32.0.0",
		"8.8.8.8",     "0.0.0.0",	  "255.255.255.255", "::",
		"::1",	       "2001:db8::1",	  "::ffff:10.0.0.1", "fe80::1",
	};
	struct weir_addrset home, ext, aim, s;
	unsigned int i;

	parse_a("$HOME_NET", &home);
	parse_a("$EXTERNAL_NET", &ext);
	parse_a("$AIM_SERVERS", &aim);
	CU_ASSERT_EQUAL(home.n, 3);
	CU_ASSERT(has(&home, "10.255.255.255"));
	CU_ASSERT(!has(&home, "11.0.0.0"));
	CU_ASSERT(has(&home, "172.31.255.255"));
	CU_ASSERT(!has(&home, "172.32.0.0"));
	CU_ASSERT_EQUAL(ext.n, 4);
	CU_ASSERT(addr_sorted(&ext));
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		/* IPv4: exactly one of the two; IPv6: neither (HOME_NET is
		 * IPv4 only, and its negation stays in IPv4) */
		if (strchr(probes[i], ':') == NULL || strstr(probes[i], "::ffff:") != NULL) {
			CU_ASSERT(has(&ext, probes[i]) == !has(&home, probes[i]));
		} else {
			CU_ASSERT(!has(&ext, probes[i]) && !has(&home, probes[i]));
		}
		CU_ASSERT(has(&aim, probes[i]) == has(&ext, probes[i]));
	}
	weir_addrset_free(&aim);

	/* negating EXTERNAL_NET gives HOME_NET back, range for range */
	parse_a("[!$EXTERNAL_NET]", &s);
	CU_ASSERT_EQUAL_FATAL(s.n, home.n);
	CU_ASSERT(memcmp(s.r, home.r, home.n * sizeof(home.r[0])) == 0);
	weir_addrset_free(&s);

	/* variables inside lists, next to literals and negations */
	parse_a("[$HOME_NET, !192.168.1.0/24, 8.8.8.8]", &s);
	CU_ASSERT(has(&s, "192.168.0.255"));
	CU_ASSERT(!has(&s, "192.168.1.0"));
	CU_ASSERT(!has(&s, "192.168.1.255"));
	CU_ASSERT(has(&s, "192.168.2.0"));
	CU_ASSERT(has(&s, "8.8.8.8"));
	CU_ASSERT(!has(&s, "8.8.8.9"));
	weir_addrset_free(&s);

	/* a variable holding a list with whitespace and its own negation */
	parse_a("$LAB", &s);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT(has(&s, "192.0.2.0"));
	CU_ASSERT(has(&s, "192.0.2.127"));
	CU_ASSERT(!has(&s, "192.0.2.128"));
	weir_addrset_free(&s);

	parse_a("![$HTTP_SERVERS,$LAB]", &s);
	CU_ASSERT(!has(&s, "10.0.0.1"));
	CU_ASSERT(!has(&s, "192.0.2.1"));
	CU_ASSERT(has(&s, "192.0.2.200"));
	weir_addrset_free(&s);

	/* no vars at all: literals still parse */
	CU_ASSERT_EQUAL(weir_addrset_parse("1.2.3.4", NULL, &s, NULL, 0, NULL), 0);
	weir_addrset_free(&s);

	weir_addrset_free(&home);
	weir_addrset_free(&ext);
}

struct err_case {
	const char *text;
	const char *msg;
	unsigned int off;
};

static void
check_errors(const struct err_case *cases, unsigned int n, bool port)
{
	unsigned int i, off;
	char err[256];
	int rc;

	for (i = 0; i < n; i++) {
		off = 12345;
		strcpy(err, "unset");
		if (port) {
			struct weir_portset s;

			memset(&s, 0xa5, sizeof(s));
			rc = weir_portset_parse(cases[i].text, &g_vars, &s, err, sizeof(err), &off);
			CU_ASSERT(s.r == NULL && s.n == 0 && !s.any);
		} else {
			struct weir_addrset s;

			memset(&s, 0xa5, sizeof(s));
			rc = weir_addrset_parse(cases[i].text, &g_vars, &s, err, sizeof(err), &off);
			CU_ASSERT(s.r == NULL && s.n == 0 && !s.any);
		}
		if (rc != -EINVAL || strcmp(err, cases[i].msg) != 0 || off != cases[i].off)
			fprintf(stderr, "\n  \"%s\": rc %d, \"%s\" at %u; want \"%s\" at %u\n",
				cases[i].text, rc, err, off, cases[i].msg, cases[i].off);
		CU_ASSERT_EQUAL(rc, -EINVAL);
		CU_ASSERT_STRING_EQUAL(err, cases[i].msg);
		CU_ASSERT_EQUAL(off, cases[i].off);
	}
}

static void
test_addr_errors(void)
{
	static const struct err_case cases[] = {
		{"", "missing address", 0},
		{"   ", "missing address", 3},
		{"!", "missing address", 1},
		{"$FOO", "unknown variable $FOO", 0},
		{"[1.2.3.4, $FOO_BAR]", "unknown variable $FOO_BAR", 10},
		{"$", "bad variable name after '$'", 0},
		{"[$-x]", "bad variable name after '$'", 1},
		{"$HTTP_PORTS", "$HTTP_PORTS is a port variable, not an address variable", 0},
		{"$CYC_A", "in $CYC_B: recursive variable $CYC_A", 0},
		{"[5.6.7.8, $CYC_B]", "in $CYC_A: recursive variable $CYC_B", 10},
		{"[5.6.7.8,$BAD]", "in $BAD: bad address \"x\"", 9},
		{"1.2.3", "bad address \"1.2.3\"", 0},
		{"[1.2.3.4,1.2.3.256]", "bad address \"1.2.3.256\"", 9},
		{"1.2.3.4.5", "bad address \"1.2.3.4.5\"", 0},
		{"anything", "bad address \"anything\"", 0},
		{"2001:db8:::1", "bad address \"2001:db8:::1\"", 0},
		{"/8", "bad address \"/8\"", 0},
		{"10.0.0.0/33", "bad CIDR prefix /33", 8},
		{"[1.1.1.1, 10.0.0.0/-1]", "bad CIDR prefix /-1", 18},
		{"10.0.0.0/", "bad CIDR prefix /", 8},
		{"10.0.0.0/8x", "bad CIDR prefix /8x", 8},
		{"10.0.0.0/0008", "bad CIDR prefix /0008", 8},
		{"10.0.0.0/255.0.255.0", "bad CIDR prefix /255.0.255.0", 8},
		{"2001:db8::/129", "bad CIDR prefix /129", 10},
		{"2001:db8::/ffff::", "bad CIDR prefix /ffff::", 10},
		{"1.2.3.10-1.2.3.4", "bad address range \"1.2.3.10-1.2.3.4\"", 0},
		{"1.2.3.4-::1", "bad address range \"1.2.3.4-::1\"", 0},
		{"[1.2.3.4", "unbalanced brackets: '[' not closed", 0},
		{"[[1.2.3.4], [5.6.7.8", "unbalanced brackets: '[' not closed", 12},
		{"[[1.2.3.4]", "unbalanced brackets: '[' not closed", 0},
		{"1.2.3.4]", "unbalanced brackets: unexpected ']'", 7},
		{"[1.2.3.4]]", "unbalanced brackets: unexpected ']'", 9},
		{"]", "unbalanced brackets: unexpected ']'", 0},
		{"[]", "empty list", 0},
		{"[ \t]", "empty list", 0},
		{"[1.2.3.4,[]]", "empty list", 9},
		{"[1.2.3.4,]", "empty list item", 9},
		{"[,1.2.3.4]", "empty list item", 1},
		{"[1.2.3.4,,5.6.7.8]", "empty list item", 9},
		{"[1.2.3.4,!]", "empty list item", 10},
		{"[1.2.3.4,", "missing address", 9},
		{",1.2.3.4", "missing address before ','", 0},
		{"1.2.3.4 5.6.7.8", "trailing junk \"5.6.7.8\" after address", 8},
		{"1.2.3.4,5.6.7.8", "trailing junk \",5.6.7.8\" after address", 7},
		{"[1.2.3.4] x", "trailing junk \"x\" after address", 10},
		{"[1.2.3.4 5.6.7.8]", "expected ',' or ']' in list, not '5'", 9},
		{"!any", "address set is empty after negation", 0},
		{"  ![any]", "address set is empty after negation", 2},
		{"[10.0.0.0/8,!10.0.0.0/8]", "address set is empty after negation", 0},
		{"[1.2.3.4,[10.0.0.0/9,10.128.0.0/9,!10.0.0.0/8]]",
		 "address set is empty after negation", 9},
		{"[!0.0.0.0/0, !::/0]", "address set is empty after negation", 0},
		{"[$HOME_NET,!$HOME_NET]", "address set is empty after negation", 0},
	};

	check_errors(cases, sizeof(cases) / sizeof(cases[0]), false);
}

static void
test_depth_limits(void)
{
	struct weir_rule_vars v = {0};
	struct weir_addrset s;
	char text[256], name[16], value[32], err[256];
	unsigned int i, off;
	int rc;

	/* brackets nested past the limit: refused, no crash */
	memset(text, '[', 100);
	strcpy(text + 100, "1.2.3.4");
	memset(text + 107, ']', 100);
	text[207] = '\0';
	rc = weir_addrset_parse(text, NULL, &s, err, sizeof(err), &off);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "lists and variables nested deeper than 64");
	CU_ASSERT_EQUAL(off, 65);
	/* 60 deep is fine */
	memset(text, '[', 60);
	strcpy(text + 60, "1.2.3.4");
	memset(text + 67, ']', 60);
	text[127] = '\0';
	rc = weir_addrset_parse(text, NULL, &s, err, sizeof(err), &off);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT(has(&s, "1.2.3.4"));
	weir_addrset_free(&s);

	/* V0 -> V1 -> ... -> V20 = 1.2.3.4: a long chain, no cycle */
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "V%u", i);
		snprintf(value, sizeof(value), "[$V%u]", i + 1);
		CU_ASSERT_EQUAL_FATAL(weir_rule_vars_set(&v, false, name, value), 0);
	}
	CU_ASSERT_EQUAL_FATAL(weir_rule_vars_set(&v, false, "V20", "1.2.3.4"), 0);
	rc = weir_addrset_parse("$V10", &v, &s, err, sizeof(err), &off);
	CU_ASSERT_EQUAL(rc, 0);
	weir_addrset_free(&s);
	rc = weir_addrset_parse("[1.1.1.1,$V0]", &v, &s, err, sizeof(err), &off);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "in $V15: variables nested deeper than 16 at $V16");
	CU_ASSERT_EQUAL(off, 9);
	weir_rule_vars_free(&v);
}

static void
test_port_forms(void)
{
	struct weir_portset s;
	unsigned int p;

	parse_p("any", &s);
	CU_ASSERT(s.any);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT(s.r[0].lo == 0 && s.r[0].hi == 65535);
	CU_ASSERT(weir_portset_has(&s, 0));
	CU_ASSERT(weir_portset_has(&s, 65535));
	weir_portset_free(&s);

	parse_p("80", &s);
	CU_ASSERT(!s.any);
	CU_ASSERT(weir_portset_has(&s, 80));
	CU_ASSERT(!weir_portset_has(&s, 79));
	CU_ASSERT(!weir_portset_has(&s, 81));
	weir_portset_free(&s);

	parse_p("80:90", &s);
	CU_ASSERT(!weir_portset_has(&s, 79));
	CU_ASSERT(weir_portset_has(&s, 80));
	CU_ASSERT(weir_portset_has(&s, 90));
	CU_ASSERT(!weir_portset_has(&s, 91));
	weir_portset_free(&s);

	parse_p("1024:", &s);
	CU_ASSERT(!weir_portset_has(&s, 1023));
	CU_ASSERT(weir_portset_has(&s, 1024));
	CU_ASSERT(weir_portset_has(&s, 65535));
	weir_portset_free(&s);

	parse_p(":1023", &s);
	CU_ASSERT(weir_portset_has(&s, 0));
	CU_ASSERT(weir_portset_has(&s, 1023));
	CU_ASSERT(!weir_portset_has(&s, 1024));
	weir_portset_free(&s);

	parse_p("0:65535", &s);
	CU_ASSERT(s.any);
	weir_portset_free(&s);
	parse_p("[:1023,1024:]", &s);
	CU_ASSERT(s.any);
	weir_portset_free(&s);

	parse_p("80:80", &s);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT(weir_portset_has(&s, 80));
	weir_portset_free(&s);

	/* a list with a hole: every port checked */
	parse_p("[1:1024,!80]", &s);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT(port_sorted(&s));
	for (p = 0; p <= 65535; p++)
		if (weir_portset_has(&s, (uint16_t)p) != (p >= 1 && p <= 1024 && p != 80))
			break;
	CU_ASSERT_EQUAL(p, 65536);
	CU_ASSERT(!weir_portset_has(&s, 0));
	CU_ASSERT(weir_portset_has(&s, 1));
	CU_ASSERT(weir_portset_has(&s, 79));
	CU_ASSERT(!weir_portset_has(&s, 80));
	CU_ASSERT(weir_portset_has(&s, 81));
	CU_ASSERT(weir_portset_has(&s, 1024));
	CU_ASSERT(!weir_portset_has(&s, 1025));
	weir_portset_free(&s);

	parse_p("!80", &s);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT(weir_portset_has(&s, 0));
	CU_ASSERT(weir_portset_has(&s, 79));
	CU_ASSERT(!weir_portset_has(&s, 80));
	CU_ASSERT(weir_portset_has(&s, 65535));
	weir_portset_free(&s);

	parse_p("!0", &s);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT(!weir_portset_has(&s, 0));
	CU_ASSERT(weir_portset_has(&s, 1));
	weir_portset_free(&s);
	parse_p("!65535", &s);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT(!weir_portset_has(&s, 65535));
	CU_ASSERT(weir_portset_has(&s, 65534));
	weir_portset_free(&s);

	parse_p(" [ 443 , [80, 81], !81, 8080:8090 ] ", &s);
	CU_ASSERT_EQUAL(s.n, 3);
	CU_ASSERT(port_sorted(&s));
	CU_ASSERT(weir_portset_has(&s, 80));
	CU_ASSERT(!weir_portset_has(&s, 81));
	CU_ASSERT(weir_portset_has(&s, 443));
	CU_ASSERT(weir_portset_has(&s, 8085));
	weir_portset_free(&s);

	parse_p("[80,81,82:90,!85]", &s);
	CU_ASSERT_EQUAL(s.n, 2);
	CU_ASSERT(s.r[0].lo == 80 && s.r[0].hi == 84);
	CU_ASSERT(s.r[1].lo == 86 && s.r[1].hi == 90);
	weir_portset_free(&s);

	parse_p("[1:100,![10:20,!15]]", &s);
	CU_ASSERT(weir_portset_has(&s, 9));
	CU_ASSERT(!weir_portset_has(&s, 10));
	CU_ASSERT(weir_portset_has(&s, 15));
	CU_ASSERT(!weir_portset_has(&s, 20));
	CU_ASSERT(weir_portset_has(&s, 21));
	weir_portset_free(&s);

	/* variables */
	parse_p("$HTTP_PORTS", &s);
	CU_ASSERT(s.n == 1 && s.r[0].lo == 80 && s.r[0].hi == 80);
	weir_portset_free(&s);
	parse_p("$SHELLCODE_PORTS", &s);
	CU_ASSERT(!weir_portset_has(&s, 80));
	CU_ASSERT(weir_portset_has(&s, 81));
	weir_portset_free(&s);
	parse_p("$FILE_DATA_PORTS", &s);
	CU_ASSERT_EQUAL(s.n, 3);
	CU_ASSERT(weir_portset_has(&s, 80));
	CU_ASSERT(weir_portset_has(&s, 110));
	CU_ASSERT(weir_portset_has(&s, 143));
	CU_ASSERT(!weir_portset_has(&s, 111));
	weir_portset_free(&s);
	parse_p("[$WEB,!8080,$SSH_PORTS]", &s);
	CU_ASSERT(weir_portset_has(&s, 22));
	CU_ASSERT(weir_portset_has(&s, 80));
	CU_ASSERT(weir_portset_has(&s, 443));
	CU_ASSERT(weir_portset_has(&s, 8000));
	CU_ASSERT(!weir_portset_has(&s, 8080));
	CU_ASSERT(weir_portset_has(&s, 8999));
	CU_ASSERT(!weir_portset_has(&s, 9000));
	weir_portset_free(&s);
	parse_p("![$SHELLCODE_PORTS]", &s); /* !(any minus (any minus 80)) */
	CU_ASSERT(s.n == 1 && s.r[0].lo == 80 && s.r[0].hi == 80);
	weir_portset_free(&s);
}

static void
test_port_errors(void)
{
	static const struct err_case cases[] = {
		{"", "missing port", 0},
		{"65536", "port 65536 out of range (max 65535)", 0},
		{"[80, 70000]", "port 70000 out of range (max 65535)", 5},
		{"1024:99999999999999999999", "port 99999999999999999999 out of range (max 65535)",
		 5},
		{"90:80", "bad range 90:80", 0},
		{"[1,  90:80]", "bad range 90:80", 5},
		{"http", "bad port \"http\"", 0},
		{"8o", "bad port \"8o\"", 0},
		{"-1", "bad port \"-1\"", 0},
		{"+80", "bad port \"+80\"", 0},
		{":", "bad port \":\"", 0},
		{"1:2:3", "bad port \"1:2:3\"", 0},
		{"80:x", "bad port \"80:x\"", 0},
		{"1.2.3.4", "bad port \"1.2.3.4\"", 0},
		{"!any", "port set is empty after negation", 0},
		{"[80,!80]", "port set is empty after negation", 0},
		{"[1:10,[5,!5]]", "port set is empty after negation", 6},
		{"![0:100,101:]", "port set is empty after negation", 0},
		{"$HOME_NET", "$HOME_NET is an address variable, not a port variable", 0},
		{"[80,$NOPE]", "unknown variable $NOPE", 4},
		{"[443,$LOOP]", "in $LOOP: recursive variable $LOOP", 5},
		{"[80", "unbalanced brackets: '[' not closed", 0},
		{"80]", "unbalanced brackets: unexpected ']'", 2},
		{"[]", "empty list", 0},
		{"[80,]", "empty list item", 4},
		{"80 443", "trailing junk \"443\" after port", 3},
		{"[80 443]", "expected ',' or ']' in list, not '4'", 4},
	};

	check_errors(cases, sizeof(cases) / sizeof(cases[0]), true);
}

/* Random port lists against a bitmap: union of positives minus negatives. */
static void
test_port_random_against_bitmap(void)
{
	static uint8_t want[65536];
	char text[512];
	unsigned int iter, i, p, n_items, mismatch = 0;
	uint32_t seed = 12345;
	struct weir_portset s;

	for (iter = 0; iter < 300; iter++) {
		size_t len = 0;
		bool have_pos = false;
		static uint8_t neg[65536];

		memset(want, 0, sizeof(want));
		memset(neg, 0, sizeof(neg));
		n_items = 1 + iter % 7;
		len += (size_t)snprintf(text + len, sizeof(text) - len, "[");
		for (i = 0; i < n_items; i++) {
			unsigned int a, b, t;
			bool is_neg;

			seed = seed * 1103515245u + 12345u;
			a = (seed >> 8) % 400;
			seed = seed * 1103515245u + 12345u;
			b = a + (seed >> 8) % 60;
			seed = seed * 1103515245u + 12345u;
			is_neg = ((seed >> 8) % 3) == 0;
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s%u:%u",
						i ? ", " : "", is_neg ? "!" : "", a, b);
			for (t = a; t <= b; t++) {
				if (is_neg)
					neg[t] = 1;
				else
					want[t] = 1;
			}
			have_pos |= !is_neg;
		}
		snprintf(text + len, sizeof(text) - len, "]");
		for (p = 0; p < 65536; p++) {
			if (!have_pos)
				want[p] = 1;
			if (neg[p])
				want[p] = 0;
		}
		{
			char err[256];
			unsigned int off;
			bool empty = true;

			for (p = 0; p < 65536 && empty; p++)
				empty = !want[p];
			if (weir_portset_parse(text, NULL, &s, err, sizeof(err), &off) != 0) {
				if (!empty) {
					fprintf(stderr, "\n  %s: %s\n", text, err);
					mismatch++;
				}
				continue;
			}
		}
		if (!port_sorted(&s))
			mismatch++;
		for (p = 0; p < 65536; p++) {
			if (weir_portset_has(&s, (uint16_t)p) != (want[p] != 0)) {
				fprintf(stderr, "\n  %s: port %u\n", text, p);
				mismatch++;
				break;
			}
		}
		weir_portset_free(&s);
	}
	CU_ASSERT_EQUAL(mismatch, 0);
}

static void
test_free_and_has_edge_cases(void)
{
	struct weir_addrset a = {0};
	struct weir_portset p = {0};
	static const uint8_t ip[16] = {1, 2, 3, 4};
	char err[64];
	unsigned int off;

	weir_addrset_free(NULL);
	weir_portset_free(NULL);
	weir_addrset_free(&a);
	weir_portset_free(&p);
	CU_ASSERT(!weir_addrset_has(&a, 4, ip));
	CU_ASSERT(!weir_addrset_has(NULL, 4, ip));
	CU_ASSERT(!weir_portset_has(&p, 80));
	CU_ASSERT(!weir_portset_has(NULL, 80));

	parse_a("1.2.3.4", &a);
	weir_addrset_free(&a);
	CU_ASSERT(a.r == NULL && a.n == 0 && !a.any);
	parse_p("80", &p);
	weir_portset_free(&p);
	CU_ASSERT(p.r == NULL && p.n == 0 && !p.any);

	/* NULL text; NULL err buffers are fine; a short buffer truncates */
	CU_ASSERT_EQUAL(weir_addrset_parse(NULL, NULL, &a, NULL, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(weir_portset_parse(NULL, NULL, &p, NULL, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(weir_addrset_parse("$FOO", NULL, &a, NULL, 0, NULL), -EINVAL);
	CU_ASSERT_EQUAL(weir_addrset_parse("$HOME_NET_IS_LONG", &g_vars, &a, err, 10, &off),
			-EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "unknown v");
	CU_ASSERT_EQUAL(weir_addrset_parse("[1.1.1.1,$BAD]", &g_vars, &a, err, 6, &off), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "in $B");
	CU_ASSERT_EQUAL(off, 9);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("parse_addr", suite_init, suite_fini);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_vars_defaults);
	CU_ADD_TEST(s, test_addr_any);
	CU_ADD_TEST(s, test_addr_v4);
	CU_ADD_TEST(s, test_addr_v6);
	CU_ADD_TEST(s, test_addr_lists);
	CU_ADD_TEST(s, test_addr_negation);
	CU_ADD_TEST(s, test_addr_vars);
	CU_ADD_TEST(s, test_addr_errors);
	CU_ADD_TEST(s, test_depth_limits);
	CU_ADD_TEST(s, test_port_forms);
	CU_ADD_TEST(s, test_port_errors);
	CU_ADD_TEST(s, test_port_random_against_bitmap);
	CU_ADD_TEST(s, test_free_and_has_edge_cases);
	return weir_ut_run();
}
