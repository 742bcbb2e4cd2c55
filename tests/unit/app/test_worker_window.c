/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the pure parts of app/worker_window.c: SipHash-2-4 (the
 * reference vectors of the SipHash paper's implementation, key 00..0f,
 * messages 00, 00 01, ...), event times from fields (epoch seconds with a
 * fraction, epoch milliseconds, ISO 8601 with Z or an offset, each
 * computed by hand) and their refusals.
 */
#include <stdint.h>
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
	return weir_ut_run();
}
