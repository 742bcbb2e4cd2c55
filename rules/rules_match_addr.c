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

bool
weir_addrset_has(const struct weir_addrset *s, unsigned int ip_version, const uint8_t *addr)
{
	uint8_t mapped[16];
	const uint8_t *key;
	unsigned int lo, hi, mid;

	if (s == NULL || s->n == 0)
		return false;
	if (s->any)
		return true;
	if (ip_version == 4) {
		memset(mapped, 0, 10);
		mapped[10] = 0xff;
		mapped[11] = 0xff;
		memcpy(mapped + 12, addr, 4);
		key = mapped;
	} else if (ip_version == 6) {
		key = addr;
	} else {
		return false;
	}
	/* first range whose hi >= key; the key is inside iff its lo <= key */
	lo = 0;
	hi = s->n;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (memcmp(s->r[mid].hi, key, 16) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && memcmp(s->r[lo].lo, key, 16) <= 0;
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
