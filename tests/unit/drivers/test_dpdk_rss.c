/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the dpdk driver's RSS key (drivers/dpdk/dpdk_setup.c):
 * with DPDK's software Toeplitz (rte_softrss, the function NICs compute),
 * both directions of IPv4 and IPv6 TCP/UDP tuples hash alike, with every
 * key length a NIC asks for; and the key does spread (not every tuple
 * lands in one bucket of 2 and 4 queues). Several ports: the hash
 * functions a group shares, and when two ports' redirection tables send
 * a tuple to the same queue index (checked against the tables
 * themselves, reta[i] = i % n_queues, on software hashes).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_random.h>
#include <rte_thash.h>

#include "dpdk/dpdk_priv.h"
#include "weir_cunit.h"

/* rte_softrss reads key words j and j + 1 for input word j: the key
 * must be 4 bytes longer than the input (a 40-byte key: up to 36-byte
 * input, an IPv6 tuple). */
static uint32_t
rss_v4(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	uint32_t t[3] = {src, dst, (uint32_t)sport << 16 | dport};

	return rte_softrss(t, 3, dpdk_rss_key);
}

static uint32_t
rss_v6(const uint32_t *src, const uint32_t *dst, uint16_t sport, uint16_t dport)
{
	uint32_t t[9];

	memcpy(t, src, 16);
	memcpy(t + 4, dst, 16);
	t[8] = (uint32_t)sport << 16 | dport;
	return rte_softrss(t, 9, dpdk_rss_key);
}

static void
test_ipv4_both_directions_alike(void)
{
	unsigned int i, q2[2] = {0}, q4[4] = {0};

	for (i = 0; i < 10000; i++) {
		uint32_t a = (uint32_t)rte_rand(), b = (uint32_t)rte_rand();
		uint16_t pa = (uint16_t)rte_rand(), pb = (uint16_t)rte_rand();
		uint32_t h = rss_v4(a, b, pa, pb);

		CU_ASSERT_EQUAL_FATAL(h, rss_v4(b, a, pb, pa));
		CU_ASSERT_EQUAL(rss_v4(a, b, 0, 0), rss_v4(b, a, 0, 0)); /* IP only */
		q2[h % 2]++;
		q4[h % 4]++;
	}
	/* spread: each queue gets a fair share (well above 10% of 10000) */
	CU_ASSERT(q2[0] > 1000 && q2[1] > 1000);
	CU_ASSERT(q4[0] > 1000 && q4[1] > 1000 && q4[2] > 1000 && q4[3] > 1000);
}

static void
test_ipv6_both_directions_alike(void)
{
	unsigned int i, k;

	for (i = 0; i < 10000; i++) {
		uint32_t a[4], b[4];
		uint16_t pa = (uint16_t)rte_rand(), pb = (uint16_t)rte_rand();

		for (k = 0; k < 4; k++) {
			a[k] = (uint32_t)rte_rand();
			b[k] = (uint32_t)rte_rand();
		}
		CU_ASSERT_EQUAL_FATAL(rss_v6(a, b, pa, pb), rss_v6(b, a, pb, pa));
	}
}

static void
test_key_is_periodic_for_every_length(void)
{
	unsigned int i;

	/* 40 bytes (most NICs) and 52 (i40e, ice) read the same pattern */
	for (i = 0; i < DPDK_RSS_KEY_MAX; i++)
		CU_ASSERT_EQUAL(dpdk_rss_key[i], i % 2 == 0 ? 0x6d : 0x5a);
}

static void
test_group_hf_is_the_common_subset(void)
{
	const uint64_t all = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;
	struct dpdk_rss_peer p[3] = {
		{.hf = all | RTE_ETH_RSS_SCTP, .reta_size = 128},
		{.hf = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP, .reta_size = 128},
		{.hf = all, .reta_size = 512},
	};

	CU_ASSERT_EQUAL(dpdk_rss_group_hf(p, 1), all); /* weir's set, no more */
	CU_ASSERT_EQUAL(dpdk_rss_group_hf(p, 3), RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP);
	p[1].hf = 0; /* one port without RSS: none in common */
	CU_ASSERT_EQUAL(dpdk_rss_group_hf(p, 3), 0);
}

/* The queue a port with a reta_size-entry table, reta[i] = i % nq, gives
 * hash h (the NIC indexes the table with the hash's low bits). */
static unsigned int
rss_queue(uint32_t h, unsigned int reta_size, unsigned int nq)
{
	return (h % reta_size) % nq;
}

/* Whether two tables agree on every one of 20000 tuples' hashes. */
static bool
rss_tables_agree(unsigned int r1, unsigned int r2, unsigned int nq)
{
	unsigned int i;

	for (i = 0; i < 20000; i++) {
		uint32_t h = rss_v4((uint32_t)rte_rand(), (uint32_t)rte_rand(),
				    (uint16_t)rte_rand(), (uint16_t)rte_rand());

		if (rss_queue(h, r1, nq) != rss_queue(h, r2, nq))
			return false;
	}
	return true;
}

static void
test_group_alignment_matches_the_tables(void)
{
	static const unsigned int sizes[][2] = {{128, 128}, {128, 512}, {64, 512}};
	unsigned int s, nq;

	for (s = 0; s < 3; s++)
		for (nq = 1; nq <= 8; nq++) {
			struct dpdk_rss_peer p[2] = {{.hf = ~0ull, .reta_size = sizes[s][0]},
						     {.hf = ~0ull, .reta_size = sizes[s][1]}};

			CU_ASSERT_EQUAL(dpdk_rss_group_aligned(p, 2, (uint16_t)nq),
					rss_tables_agree(sizes[s][0], sizes[s][1], nq));
		}
}

static void
test_group_alignment_edges(void)
{
	struct dpdk_rss_peer p[2] = {{.hf = ~0ull, .reta_size = 128}, {.hf = ~0ull}};

	CU_ASSERT_TRUE(dpdk_rss_group_aligned(p, 1, 3)); /* a port alone */
	CU_ASSERT_TRUE(dpdk_rss_group_aligned(p, 2, 1)); /* one queue each */
	/* a port reporting no table: nothing to reason with */
	CU_ASSERT_FALSE(dpdk_rss_group_aligned(p, 2, 2));
	p[1].reta_size = 128;
	CU_ASSERT_TRUE(dpdk_rss_group_aligned(p, 2, 3)); /* equal tables */
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("dpdk_rss", NULL, NULL);
	if (s == NULL)
		return 1;
	CU_ADD_TEST(s, test_ipv4_both_directions_alike);
	CU_ADD_TEST(s, test_ipv6_both_directions_alike);
	CU_ADD_TEST(s, test_key_is_periodic_for_every_length);
	CU_ADD_TEST(s, test_group_hf_is_the_common_subset);
	CU_ADD_TEST(s, test_group_alignment_matches_the_tables);
	CU_ADD_TEST(s, test_group_alignment_edges);
	return weir_ut_run();
}
