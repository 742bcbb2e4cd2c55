/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Community ID v1, on the emitter thread (once per formatted event) and
 * wherever the flow table is asked for one. The spec's input is at most
 * 2 + 16 + 16 + 2 + 4 = 40 bytes, so the SHA-1 below handles one padded
 * block and nothing else; the unit test checks it against libcrypto and
 * the spec's baseline values.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "community_id.h"
#include "event.h" /* weir_base64 */

/* IP protocol numbers (netinet/in.h names them too; kept local so this
 * file needs no system network header) */
#define CID_ICMP   1
#define CID_TCP	   6
#define CID_UDP	   17
#define CID_ICMPV6 58
#define CID_SCTP   132

static inline uint32_t
sha1_rol(uint32_t v, unsigned int n)
{
	return v << n | v >> (32 - n);
}

int
weir_sha1_short(const uint8_t *in, size_t n, uint8_t out[20])
{
	uint32_t h[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u};
	uint32_t w[80], a, b, c, d, e, f, k, t;
	uint8_t blk[64];
	unsigned int i;

	if (n > 55)
		return -EINVAL;
	/* message, 0x80, zeros, then the length in bits (big endian) */
	memset(blk, 0, sizeof(blk));
	memcpy(blk, in, n);
	blk[n] = 0x80;
	blk[62] = (uint8_t)((n * 8) >> 8);
	blk[63] = (uint8_t)(n * 8);
	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)blk[4 * i] << 24 | (uint32_t)blk[4 * i + 1] << 16 |
		       (uint32_t)blk[4 * i + 2] << 8 | blk[4 * i + 3];
	for (i = 16; i < 80; i++)
		w[i] = sha1_rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = h[0];
	b = h[1];
	c = h[2];
	d = h[3];
	e = h[4];
	for (i = 0; i < 80; i++) {
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999u;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1u;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdcu;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6u;
		}
		t = sha1_rol(a, 5) + f + e + k + w[i];
		e = d;
		d = c;
		c = sha1_rol(b, 30);
		b = a;
		a = t;
	}
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
	for (i = 0; i < 5; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
	return 0;
}

/* ICMP type counterparts of the spec (Zeek's ICMP4_counterpart and
 * ICMP6_counterpart); -1: one-way. */
static int
cid_icmp_counterpart(bool v6, uint8_t type)
{
	static const int8_t v4[19] = {
		[8] = 0,   [0] = 8,   [13] = 14, [14] = 13, [15] = 16, [16] = 15, [10] = 9,
		[17] = 18, [18] = 17, [1] = -1,	 [2] = -1,  [3] = -1,  [4] = -1,  [5] = -1,
		[6] = -1,  [7] = -1,  [9] = -1,	 [11] = -1, [12] = -1,
	};

	if (!v6)
		return type < 19 ? v4[type] : -1;
	switch (type) {
	case 128:
		return 129;
	case 129:
		return 128;
	case 133:
		return 134;
	case 134:
		return 133;
	case 135:
		return 136;
	case 136:
		return 135;
	case 130:
		return 131;
	case 131:
		return 130;
	case 139:
		return 140;
	case 140:
		return 139;
	case 144:
		return 145;
	case 145:
		return 144;
	default:
		return -1;
	}
}

int
weir_community_id(uint16_t seed, uint8_t ip_version, const uint8_t *src, const uint8_t *dst,
		  uint8_t proto, uint16_t sport, uint16_t dport, char *buf, size_t len)
{
	uint8_t in[2 + 16 + 16 + 2 + 4], md[20];
	size_t alen = ip_version == 6 ? 16 : 4, n = 0;
	bool ports = proto == CID_TCP || proto == CID_UDP || proto == CID_SCTP ||
		     proto == CID_ICMP || proto == CID_ICMPV6;
	bool one_way = false;
	const uint8_t *a = src, *b = dst;
	uint16_t pa = sport, pb = dport;
	int c;

	if (ip_version != 4 && ip_version != 6)
		return -EINVAL;
	if (len < WEIR_COMMUNITY_ID_LEN)
		return -ENOSPC;
	if (proto == CID_ICMP || proto == CID_ICMPV6) {
		int cp = cid_icmp_counterpart(proto == CID_ICMPV6, (uint8_t)sport);

		if (cp < 0)
			one_way = true; /* type and code, as given */
		else
			pb = (uint16_t)cp;
	}
	c = memcmp(src, dst, alen);
	if (!one_way && (c > 0 || (c == 0 && ports && pa > pb))) {
		uint16_t tp = pa;

		a = dst;
		b = src;
		pa = pb;
		pb = tp;
	}
	in[n++] = (uint8_t)(seed >> 8);
	in[n++] = (uint8_t)seed;
	memcpy(in + n, a, alen);
	n += alen;
	memcpy(in + n, b, alen);
	n += alen;
	in[n++] = proto;
	in[n++] = 0;
	if (ports) {
		in[n++] = (uint8_t)(pa >> 8);
		in[n++] = (uint8_t)pa;
		in[n++] = (uint8_t)(pb >> 8);
		in[n++] = (uint8_t)pb;
	}
	weir_sha1_short(in, n, md); /* n <= 40: cannot fail */
	buf[0] = '1';
	buf[1] = ':';
	/* 20 bytes -> 28 base64 characters and a NUL */
	return 2 + weir_base64(md, sizeof(md), buf + 2, len - 2);
}
