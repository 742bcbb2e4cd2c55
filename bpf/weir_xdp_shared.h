/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the XDP program (weir_xdp.bpf.c) and its loader (drivers/afxdp)
 * agree on: map sizes, the layout of map keys and values, and the verdict
 * counters. Included by both sides, so only fixed-width types from
 * <linux/types.h> appear here.
 */
#ifndef WEIR_XDP_SHARED_H
#define WEIR_XDP_SHARED_H

#include <linux/types.h>

/* XSKMAP slots: one AF_XDP socket per rx queue, as many as weir has
 * workers (WEIR_MAX_QUEUES in drivers/capture.h). */
#define WEIR_XDP_MAX_QUEUES 64
/* Prefixes per LPM trie (capture prefixes and block list). A trie entry
 * costs about 100 bytes of kernel memory; 16Ki is ample for a block list
 * kept in a config file and still small. */
#define WEIR_XDP_MAX_PREFIXES 16384

/* weir_conf.protocols: which transport protocols the capture filter takes. */
#define WEIR_XDP_PROTO_TCP   (1u << 0)
#define WEIR_XDP_PROTO_UDP   (1u << 1)
#define WEIR_XDP_PROTO_ICMP  (1u << 2) /* ICMP and ICMPv6 */
#define WEIR_XDP_PROTO_OTHER (1u << 3) /* any other IP protocol */

/* weir_conf.flags: a filter dimension that is "any" is not looked up. */
#define WEIR_XDP_F_PORTS_ANY (1u << 0)
#define WEIR_XDP_F_SRC_ANY   (1u << 1)
#define WEIR_XDP_F_DST_ANY   (1u << 2)

/* The single value of the weir_conf array map. */
struct weir_xdp_conf {
	__u32 protocols; /* WEIR_XDP_PROTO_* */
	__u32 flags;	 /* WEIR_XDP_F_* */
};

/*
 * Key of every LPM trie (weir_src_prefixes, weir_dst_prefixes,
 * weir_blocklist). One trie holds both families: the first data byte is
 * the family (4 or 6) and counts for 8 bits of the prefix length, so an
 * IPv4 /24 is prefixlen 8 + 24 and never matches an IPv6 address.
 */
struct weir_xdp_lpm_key {
	__u32 prefixlen;
	__u8 family;
	__u8 addr[16]; /* network order; IPv4 uses the first 4 bytes */
};

/*
 * Verdict counters, one slot each in the per-CPU array weir_counters. The
 * X-macro gives the enum and the names printed in weir's summary from one
 * list. Names starting with drop_ are packets this program dropped.
 */
#define WEIR_XDP_COUNTERS(_)                                                                       \
	_(REDIRECT, "xdp_redirect", "sent to an AF_XDP socket")                                    \
	_(PASS_FILTER, "xdp_pass_filter", "IP, outside the capture filter: to the kernel")         \
	_(PASS_NOT_IP, "xdp_pass_not_ip", "not IPv4/IPv6 (ARP, LLDP...): to the kernel")           \
	_(PASS_MALFORMED, "xdp_pass_malformed", "headers cut short: to the kernel")                \
	_(PASS_NO_SOCKET, "xdp_pass_no_socket", "selected, but no socket on its queue")            \
	_(DROP_BLOCKLIST, "drop_xdp_blocklist", "source in the block list: dropped")

enum weir_xdp_counter {
#define WEIR_XDP_ENUM(e, name, doc) WEIR_XDP_##e,
	WEIR_XDP_COUNTERS(WEIR_XDP_ENUM)
#undef WEIR_XDP_ENUM
		WEIR_XDP_NCOUNTERS
};

#endif /* WEIR_XDP_SHARED_H */
