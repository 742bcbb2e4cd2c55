/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the pure parts of app/worker_window.c: SipHash-2-4 (the
 * reference vectors of the SipHash paper's implementation, key 00..0f,
 * messages 00, 00 01, ...), event times from fields (epoch seconds with a
 * fraction, epoch milliseconds, ISO 8601 with Z or an offset, each
 * computed by hand) and their refusals, and the window alert's "%.17g"
 * without printf (against the C library's).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "weir_cunit.h"

#include "worker_window.h"

static void
test_siphash_vectors(void)
{
	uint8_t key[16], msg[64];
	unsigned int i;

	for (i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	CU_ASSERT_EQUAL(weir_wwin_siphash(key, msg, 0), 0x726fdb47dd0e0e31ull);
	CU_ASSERT_EQUAL(weir_wwin_siphash(key, msg, 15), 0xa129ca6149be45e5ull);
	/* a tail of 1 and 7 bytes, one whole word, a word and a byte */
	CU_ASSERT_EQUAL(weir_wwin_siphash(key, msg, 1), 0x74f839c593dc67fdull);
	CU_ASSERT_EQUAL(weir_wwin_siphash(key, msg, 7), 0xab0200f58b01d137ull);
	CU_ASSERT_EQUAL(weir_wwin_siphash(key, msg, 8), 0x93f5f5799a932462ull);
	CU_ASSERT_EQUAL(weir_wwin_siphash(key, msg, 9), 0x9e0082df0ba9e4b0ull);
	/* keyed: another key, another hash */
	key[0] ^= 1;
	CU_ASSERT_NOT_EQUAL(weir_wwin_siphash(key, msg, 15), 0xa129ca6149be45e5ull);
}

static struct weir_field_val
val(const char *s, uint8_t type)
{
	struct weir_field_val v;

	memset(&v, 0, sizeof(v));
	v.type = type;
	v.len = (uint16_t)strlen(s);
	memcpy(v.bytes, s, v.len);
	return v;
}

static void
test_parse_time(void)
{
	static const struct {
		const char *s;
		uint8_t how;
		bool ok;
		uint64_t ns;
	} cases[] = {
		{"1700000000", WEIR_RFT_EPOCH, true, 1700000000000000000ull},
		{"1700000000.5", WEIR_RFT_EPOCH, true, 1700000000500000000ull},
		{"1700000000.123456789123", WEIR_RFT_EPOCH, true, 1700000000123456789ull},
		{"1700000000123", WEIR_RFT_EPOCH_MS, true, 1700000000123000000ull},
		/* 2023-11-14: 19675 days after 1970-01-01; 22:13:20 = 80000 s */
		{"2023-11-14T22:13:20Z", WEIR_RFT_ISO8601, true, 1700000000000000000ull},
		{"2023-11-14T23:13:20.25+01:00", WEIR_RFT_ISO8601, true, 1700000000250000000ull},
		{"2023-11-14T20:43:20-01:30", WEIR_RFT_ISO8601, true, 1700000000000000000ull},
		{"2000-02-29T00:00:00Z", WEIR_RFT_ISO8601, true, 951782400000000000ull},
		{"", WEIR_RFT_EPOCH, false, 0},
		{"17e9", WEIR_RFT_EPOCH, false, 0},
		{"1700000000.", WEIR_RFT_EPOCH, false, 0},
		{"-5", WEIR_RFT_EPOCH, false, 0},
		{"1700000000.5", WEIR_RFT_EPOCH_MS, false, 0},
		{"2023-11-14 22:13:20Z", WEIR_RFT_ISO8601, false, 0},
		{"2023-11-14T22:13:20", WEIR_RFT_ISO8601, false, 0},
		{"2023-13-14T22:13:20Z", WEIR_RFT_ISO8601, false, 0},
		{"2023-11-14T22:13:20+0100", WEIR_RFT_ISO8601, false, 0},
		{"2023-11-14T22:13:20Zx", WEIR_RFT_ISO8601, false, 0},
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct weir_field_val v = val(cases[i].s, WEIR_FV_STRING);
		uint64_t ns = 0;
		bool ok = weir_wwin_parse_time(&v, cases[i].how, &ns);

		if (ok != cases[i].ok || (ok && ns != cases[i].ns))
			fprintf(stderr, "\n  %s: got %d %llu\n", cases[i].s, ok,
				(unsigned long long)ns);
		CU_ASSERT_EQUAL(ok, cases[i].ok);
		if (ok && cases[i].ok)
			CU_ASSERT_EQUAL(ns, cases[i].ns);
	}
	/* a JSON number works as well as a string */
	{
		struct weir_field_val v = val("1700000000", WEIR_FV_NUMBER);
		uint64_t ns = 0;

		CU_ASSERT(weir_wwin_parse_time(&v, WEIR_RFT_EPOCH, &ns));
		CU_ASSERT_EQUAL(ns, 1700000000000000000ull);
		v = val("true", WEIR_FV_BOOL);
		CU_ASSERT(!weir_wwin_parse_time(&v, WEIR_RFT_EPOCH, &ns));
	}
}

/* weir_wwin_g17 against the C library's "%.17g" (C11 7.21.6.1: 17
 * significant digits of the exact value, correctly rounded; style f for
 * these exponents, trailing zeros removed): amounts in cents, binary
 * fractions (exact ties at the 17th digit), random doubles of the range,
 * and both ends of it. Outside the range it writes nothing. */
static uint64_t
g17_next(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double
p10(uint64_t k)
{
	double v = 1;

	while (k-- > 0)
		v *= 10;
	return v;
}

static unsigned int
g17_check(double v)
{
	char want[64], got[64];
	size_t n = weir_wwin_g17(v, got);

	snprintf(want, sizeof(want), "%.17g", v);
	if (n == 0 || n != strlen(want) || memcmp(got, want, n) != 0) {
		got[n < sizeof(got) ? n : 0] = '\0';
		fprintf(stderr, "g17 %a: want %s got %s\n", v, want, got);
		return 1;
	}
	return 0;
}

static void
test_g17(void)
{
	static const double edge[] = {1e-4,
				      0.0001000000000000001,
				      0.5,
				      1,
				      0.1,
				      0.3,
				      9.95,
				      99.995,
				      6660.25,
				      1e15,
				      9007199254740991.0,
				      9007199254740990.5,
				      4503599627370495.5,
				      0.00012345678901234567,
				      1.0000000000000002};
	uint64_t x = 7;
	unsigned int bad = 0, i;
	char out[64];

	for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
		bad += g17_check(edge[i]);
		bad += g17_check(-edge[i]);
	}
	for (i = 0; i < 200000; i++) {
		uint64_t r = g17_next(&x);
		double v;

		switch (i % 4) {
		case 0: /* cents, and their sums */
			v = (double)(r % 100000000) / 100.0 + (double)(r >> 40 & 0xff) / 100.0;
			break;
		case 1: /* binary fractions: exact ties */
			v = ldexp((double)(r >> 11), -(int)(r % 60));
			break;
		case 2: /* any double of the range */
			v = ldexp(0.5 + (double)(r >> 11) / 18014398509481984.0,
				  (int)(r % 67) - 13);
			break;
		default: /* decimals of 1 to 17 digits */
			v = (double)(r % (uint64_t)p10(1 + r % 17)) / p10(r % 20);
			break;
		}
		if (v < 1e-4 || v >= 9007199254740992.0)
			continue;
		bad += g17_check(r & 1 ? v : -v);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(weir_wwin_g17(0.0, out), 0);
	CU_ASSERT_EQUAL(weir_wwin_g17(9.9e-5, out), 0);
	CU_ASSERT_EQUAL(weir_wwin_g17(9007199254740992.0, out), 0);
	CU_ASSERT_EQUAL(weir_wwin_g17(INFINITY, out), 0);
	CU_ASSERT_EQUAL(weir_wwin_g17(NAN, out), 0);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("worker_window", NULL, NULL);
	if (s == NULL) {
		CU_cleanup_registry();
		return 1;
	}
	CU_ADD_TEST(s, test_siphash_vectors);
	CU_ADD_TEST(s, test_parse_time);
	CU_ADD_TEST(s, test_g17);
	return weir_ut_run();
}
