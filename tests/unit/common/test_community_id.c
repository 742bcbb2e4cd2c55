/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of common/community_id.c: its one-block SHA-1 against
 * libcrypto on every input length it takes, and Community ID v1 against
 * the spec's published baseline (corelight/community-id-spec,
 * baseline/baseline_deflt.json and baseline_seed1.json), both directions.
 * tests/unit/app/test_flow.c runs the whole baseline through the flow
 * table's name for it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "community_id.h"
#include "weir_cunit.h"

static void
addr(uint8_t *out, const char *s)
{
	int ok;

	memset(out, 0, 16);
	ok = strchr(s, ':') != NULL ? inet_pton(AF_INET6, s, out) : inet_pton(AF_INET, s, out);
	CU_ASSERT_FATAL(ok == 1);
}

static void
test_sha1_fips_vectors(void)
{
	/* FIPS 180-2 appendix A.1 and the empty message */
	static const uint8_t abc[20] = {0xa9, 0x99, 0x3e, 0x36, 0x47, 0x06, 0x81, 0x6a, 0xba, 0x3e,
					0x25, 0x71, 0x78, 0x50, 0xc2, 0x6c, 0x9c, 0xd0, 0xd8, 0x9d};
	static const uint8_t empty[20] = {0xda, 0x39, 0xa3, 0xee, 0x5e, 0x6b, 0x4b,
					  0x0d, 0x32, 0x55, 0xbf, 0xef, 0x95, 0x60,
					  0x18, 0x90, 0xaf, 0xd8, 0x07, 0x09};
	uint8_t md[20];

	CU_ASSERT(weir_sha1_short((const uint8_t *)"abc", 3, md) == 0);
	CU_ASSERT(memcmp(md, abc, 20) == 0);
	CU_ASSERT(weir_sha1_short((const uint8_t *)"", 0, md) == 0);
	CU_ASSERT(memcmp(md, empty, 20) == 0);
	CU_ASSERT(weir_sha1_short(md, 56, md) == -EINVAL);
}

/* Every length 0..55 with pseudo-random bytes, against libcrypto. */
static void
test_sha1_matches_libcrypto(void)
{
	uint8_t in[55], md[20], want[EVP_MAX_MD_SIZE];
	unsigned int wlen, round;
	uint32_t x = 12345;
	size_t n, i;

	for (round = 0; round < 20; round++) {
		for (n = 0; n <= sizeof(in); n++) {
			for (i = 0; i < n; i++) {
				x = x * 1103515245u + 12345u;
				in[i] = (uint8_t)(x >> 16);
			}
			CU_ASSERT_FATAL(weir_sha1_short(in, n, md) == 0);
			CU_ASSERT_FATAL(EVP_Digest(in, n, want, &wlen, EVP_sha1(), NULL) == 1);
			CU_ASSERT(wlen == 20 && memcmp(md, want, 20) == 0);
		}
	}
}

static const struct {
	uint8_t proto;
	const char *s, *d;
	uint16_t sp, dp;
	const char *want, *want_seed1;
} g_cases[] = {
	{6, "128.232.110.120", "66.35.250.204", 34855, 80,
	 "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
	{17, "192.168.1.52", "8.8.8.8", 54585, 53,
	 "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
	{1, "192.168.0.89", "192.168.0.1", 8, 0,
	 "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
	{1, "10.0.0.1", "10.0.0.2", 11, 0,
	 "1:YHxtAirCG//0OzkcVAukqKQN9xM=", "1:XjUibYHaafLQ3pxQeiMI8g25q20="},
	{6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
	 "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
	{132, "192.168.170.8", "192.168.170.56", 7, 7,
	 "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
	{46, "10.1.12.1", "10.1.12.2", 0, 0,
	 "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI="},
	{58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136,
	 "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
	{58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129,
	 "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ="},
};

/* The baseline, and the same value with the tuple reversed (ICMP: the
 * reply's type and the code), except for the one-way ICMP type 11. */
static void
test_baseline_both_directions(void)
{
	char buf[WEIR_COMMUNITY_ID_LEN];
	uint8_t s[16], d[16], v;
	unsigned int i;
	uint16_t rsp, rdp;

	for (i = 0; i < sizeof(g_cases) / sizeof(g_cases[0]); i++) {
		v = strchr(g_cases[i].s, ':') != NULL ? 6 : 4;
		addr(s, g_cases[i].s);
		addr(d, g_cases[i].d);
		CU_ASSERT(weir_community_id(0, v, s, d, g_cases[i].proto, g_cases[i].sp,
					    g_cases[i].dp, buf, sizeof(buf)) == 30);
		CU_ASSERT_STRING_EQUAL(buf, g_cases[i].want);
		CU_ASSERT(weir_community_id(1, v, s, d, g_cases[i].proto, g_cases[i].sp,
					    g_cases[i].dp, buf, sizeof(buf)) == 30);
		CU_ASSERT_STRING_EQUAL(buf, g_cases[i].want_seed1);
		if (g_cases[i].proto == 1 && g_cases[i].sp == 11)
			continue;
		rsp = g_cases[i].dp;
		rdp = g_cases[i].sp;
		if (g_cases[i].proto == 1 || g_cases[i].proto == 58) {
			rsp = g_cases[i].dp; /* the reply's type */
			rdp = 0;
		}
		weir_community_id(0, v, d, s, g_cases[i].proto, rsp, rdp, buf, sizeof(buf));
		CU_ASSERT_STRING_EQUAL(buf, g_cases[i].want);
	}
	CU_ASSERT(weir_community_id(0, 4, s, d, 6, 1, 2, buf, 30) == -ENOSPC);
	CU_ASSERT(weir_community_id(0, 0, s, d, 6, 1, 2, buf, sizeof(buf)) == -EINVAL);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("community_id", NULL, NULL);
	if (s == NULL)
		return 1;
	CU_ADD_TEST(s, test_sha1_fips_vectors);
	CU_ADD_TEST(s, test_sha1_matches_libcrypto);
	CU_ADD_TEST(s, test_baseline_both_directions);
	return weir_ut_run();
}
