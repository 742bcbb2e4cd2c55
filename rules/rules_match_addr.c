/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Address and port set membership, per packet: a Suricata rule's header
 * check on the workers. rules_parse_addr.c built each set on the control
 * side as sorted, disjoint, non-adjacent ranges (addresses in one 128-bit
 * space, IPv4 v4-mapped), so a test is one binary search with no
 * allocation.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rules_int.h"

/* 8 bytes in network order as a number. */
static inline uint64_t
addr_be64(const uint8_t *b)
{
	uint64_t v;

	memcpy(&v, b, sizeof(v));
	return __builtin_bswap64(v);
}

/* -1, 0, 1 as @p b (16 bytes) is below, equal to or above (khi, klo). */
static inline int
addr_cmp(const uint8_t *b, uint64_t khi, uint64_t klo)
{
	uint64_t h = addr_be64(b), l;

	if (h != khi)
		return h < khi ? -1 : 1;
	l = addr_be64(b + 8);
	return l < klo ? -1 : l > klo;
}

bool
weir_addrset_has(const struct weir_addrset *s, unsigned int ip_version, const uint8_t *addr)
{
	uint64_t khi, klo;
	unsigned int lo, hi, mid;

	if (s == NULL || s->n == 0)
		return false;
	if (s->any)
		return true;
	/* the key as two numbers (IPv4 v4-mapped: ::ffff:a.b.c.d): two
	 * integer comparisons per step instead of a 16-byte memcmp, which
	 * was most of the header check's cost with ET Open's address lists */
	if (ip_version == 4) {
		khi = 0;
		klo = 0xffff00000000ull | ((uint64_t)addr[0] << 24) | ((uint64_t)addr[1] << 16) |
		      ((uint64_t)addr[2] << 8) | addr[3];
	} else if (ip_version == 6) {
		khi = addr_be64(addr);
		klo = addr_be64(addr + 8);
	} else {
		return false;
	}
	/* first range whose hi >= key; the key is inside iff its lo <= key */
	lo = 0;
	hi = s->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (addr_cmp(s->r[mid].hi, khi, klo) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && addr_cmp(s->r[lo].lo, khi, klo) <= 0;
}

bool
weir_portset_has(const struct weir_portset *s, uint16_t port)
{
	unsigned int lo, hi, mid;

	if (s == NULL || s->n == 0)
		return false;
	if (s->any)
		return true;
	lo = 0;
	hi = s->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->r[mid].hi < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->r[lo].lo <= port;
}
