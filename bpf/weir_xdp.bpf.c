// SPDX-License-Identifier: (BSD-3-Clause OR GPL-2.0-only)
/*
 * weir's XDP program: the first thing a packet meets on an interface that
 * weir captures through AF_XDP. It parses Ethernet, VLAN/QinQ, IPv4/IPv6
 * and TCP/UDP, drops sources on the block list, redirects what the capture
 * filter selects into the AF_XDP socket of the receiving queue (XSKMAP
 * weir_xsks) and passes everything else to the kernel untouched. Filter and
 * block list live in maps that user space rewrites at run time; the
 * program itself is never reloaded for a rule change.
 *
 * Order of decisions, each counted in weir_counters (per CPU):
 *   not IP / malformed                -> XDP_PASS
 *   source in weir_blocklist          -> XDP_DROP
 *   protocol, port, prefixes selected -> redirect to weir_xsks[rx_queue]
 *                                        (XDP_PASS if no socket there)
 *   otherwise                         -> XDP_PASS
 */
#include "weir_parse.bpf.h"
#include "weir_xdp_shared.h"

#include <xdp/xdp_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, WEIR_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} weir_xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct weir_xdp_conf);
} weir_conf SEC(".maps");

/* One byte per destination port: 1 = selected. An array lookup is cheaper
 * than walking a list of ranges, and 64 KiB is a fixed, small cost. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} weir_dst_ports SEC(".maps");

#define WEIR_LPM_MAP(name)                                                                         \
	struct {                                                                                   \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);                                               \
		__uint(max_entries, WEIR_XDP_MAX_PREFIXES);                                        \
		__uint(map_flags, BPF_F_NO_PREALLOC); /* the kernel requires it for LPM */         \
		__type(key, struct weir_xdp_lpm_key);                                              \
		__type(value, __u8);                                                               \
	} name SEC(".maps")

WEIR_LPM_MAP(weir_src_prefixes);
WEIR_LPM_MAP(weir_dst_prefixes);
WEIR_LPM_MAP(weir_blocklist);

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, WEIR_XDP_NCOUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} weir_counters SEC(".maps");

/* Under libxdp's dispatcher: run early (weir sees traffic before other
 * programs can consume it) and let the next program run on XDP_PASS, so a
 * packet we do not want still reaches whatever else is attached. */
struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(weir_xdp);

static __always_inline int
weir_count(__u32 idx, int verdict)
{
	__u64 *v = bpf_map_lookup_elem(&weir_counters, &idx);

	if (v)
		*v += 1; /* per-CPU slot: no atomic needed */
	return verdict;
}

static __always_inline void
weir_key_ipv4(struct weir_xdp_lpm_key *k, __be32 addr)
{
	k->prefixlen = 8 + 32;
	k->family = 4;
	__builtin_memcpy(k->addr, &addr, 4);
}

static __always_inline void
weir_key_ipv6(struct weir_xdp_lpm_key *k, const struct in6_addr *addr)
{
	k->prefixlen = 8 + 128;
	k->family = 6;
	__builtin_memcpy(k->addr, addr, 16);
}

SEC("xdp")
int
weir_xdp(struct xdp_md *ctx)
{
	struct weir_cursor c = {.pos = (void *)(long)ctx->data, .end = (void *)(long)ctx->data_end};
	struct weir_xdp_lpm_key src = {}, dst = {};
	const struct weir_xdp_conf *conf;
	struct iphdr *ip4 = NULL;
	struct ipv6hdr *ip6 = NULL;
	__u32 zero = 0, pbit, port;
	int eth_proto, proto, dport, frag = 0;
	__u8 *sel;

	eth_proto = weir_parse_eth(&c);
	if (eth_proto < 0)
		return weir_count(WEIR_XDP_PASS_MALFORMED, XDP_PASS);
	if (eth_proto == bpf_htons(ETH_P_IP)) {
		proto = weir_parse_ipv4(&c, &ip4, &frag);
		if (proto < 0)
			return weir_count(WEIR_XDP_PASS_MALFORMED, XDP_PASS);
		weir_key_ipv4(&src, ip4->saddr);
		weir_key_ipv4(&dst, ip4->daddr);
	} else if (eth_proto == bpf_htons(ETH_P_IPV6)) {
		proto = weir_parse_ipv6(&c, &ip6, &frag);
		if (ip6 == NULL)
			return weir_count(WEIR_XDP_PASS_MALFORMED, XDP_PASS);
		/* The addresses are known even when the extension headers
		 * are cut short: the block list still applies. */
		weir_key_ipv6(&src, &ip6->saddr);
		weir_key_ipv6(&dst, &ip6->daddr);
	} else {
		return weir_count(WEIR_XDP_PASS_NOT_IP, XDP_PASS);
	}

	if (bpf_map_lookup_elem(&weir_blocklist, &src))
		return weir_count(WEIR_XDP_DROP_BLOCKLIST, XDP_DROP);
	if (proto < 0)
		return weir_count(WEIR_XDP_PASS_MALFORMED, XDP_PASS);

	conf = bpf_map_lookup_elem(&weir_conf, &zero);
	if (!conf)
		return weir_count(WEIR_XDP_PASS_FILTER, XDP_PASS);
	if (proto == IPPROTO_TCP)
		pbit = WEIR_XDP_PROTO_TCP;
	else if (proto == IPPROTO_UDP)
		pbit = WEIR_XDP_PROTO_UDP;
	else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
		pbit = WEIR_XDP_PROTO_ICMP;
	else
		pbit = WEIR_XDP_PROTO_OTHER;
	if (!(conf->protocols & pbit))
		return weir_count(WEIR_XDP_PASS_FILTER, XDP_PASS);
	if (!(conf->flags & WEIR_XDP_F_PORTS_ANY) &&
	    (pbit == WEIR_XDP_PROTO_TCP || pbit == WEIR_XDP_PROTO_UDP)) {
		/* A later fragment carries no port: it cannot be shown to
		 * match a port filter, so the kernel gets it. */
		if (frag)
			return weir_count(WEIR_XDP_PASS_FILTER, XDP_PASS);
		dport = weir_parse_l4_dport(&c, proto);
		if (dport < 0)
			return weir_count(WEIR_XDP_PASS_MALFORMED, XDP_PASS);
		port = (__u32)dport;
		sel = bpf_map_lookup_elem(&weir_dst_ports, &port);
		if (!sel || !*sel)
			return weir_count(WEIR_XDP_PASS_FILTER, XDP_PASS);
	}
	if (!(conf->flags & WEIR_XDP_F_SRC_ANY) && !bpf_map_lookup_elem(&weir_src_prefixes, &src))
		return weir_count(WEIR_XDP_PASS_FILTER, XDP_PASS);
	if (!(conf->flags & WEIR_XDP_F_DST_ANY) && !bpf_map_lookup_elem(&weir_dst_prefixes, &dst))
		return weir_count(WEIR_XDP_PASS_FILTER, XDP_PASS);

	/* XDP_PASS as the fallback action: a queue without a socket (more
	 * NIC queues than weir workers) hands its traffic to the kernel
	 * instead of dropping it. */
	if (bpf_redirect_map(&weir_xsks, ctx->rx_queue_index, XDP_PASS) == XDP_REDIRECT)
		return weir_count(WEIR_XDP_REDIRECT, XDP_REDIRECT);
	return weir_count(WEIR_XDP_PASS_NO_SOCKET, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
