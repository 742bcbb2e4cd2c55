/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Community ID v1 (corelight/community-id-spec): the flow hash Zeek,
 * Suricata and most network tools print, so an event of one joins the
 * records of the others. The emitter computes it once per formatted event
 * (EVE `community_id`), the flow table for its own users
 * (weir_flow_community_id_of, app/flow.h). Pure computation: a SHA-1 of at
 * most 40 bytes, done here in one block, with no allocation, no lock and no
 * libcrypto (whose EVP one-shot allocates a context and takes the provider
 * lock on every call).
 */
#ifndef WEIR_COMMUNITY_ID_H
#define WEIR_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

/* Buffer size for a Community ID v1 string ("1:" + 28 base64 + NUL). */
#define WEIR_COMMUNITY_ID_LEN 31

/**
 * Community ID v1 of a tuple: SHA-1 of seed (2 bytes, big endian), the
 * ordered addresses, proto, a zero byte and, for TCP, UDP, SCTP, ICMP and
 * ICMPv6, the ordered ports (ICMP: type and code, or the type and its
 * counterpart for request/reply pairs, so both directions agree), base64,
 * prefixed "1:". Symmetric: swapping source and destination gives the same
 * string (except for one-way ICMP types, as the spec says).
 * Thread: any; pure function, writing only the caller's @p buf.
 * @param src, dst 4 (IPv4) or 16 (IPv6) bytes, network order.
 * @param sport source port, or ICMP type; @param dport port, or ICMP code.
 * @return length written (30, without the NUL), -EINVAL (ip_version not
 * 4/6) or -ENOSPC (@p len < WEIR_COMMUNITY_ID_LEN).
 */
int weir_community_id(uint16_t seed, uint8_t ip_version, const uint8_t *src, const uint8_t *dst,
		      uint8_t proto, uint16_t sport, uint16_t dport, char *buf, size_t len);

/**
 * SHA-1 (FIPS 180-4) of @p n bytes, n <= 55 (one block with its padding):
 * what weir_community_id() hashes. Exposed for its unit test.
 * Thread: any; pure function.
 * @return 0, or -EINVAL when @p n > 55.
 */
int weir_sha1_short(const uint8_t *in, size_t n, uint8_t out[20]);

#endif /* WEIR_COMMUNITY_ID_H */
