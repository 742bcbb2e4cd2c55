/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The XDP program's verdicts on crafted frames, through BPF_PROG_TEST_RUN
 * (bpf_prog_test_run_opts): no NIC needed. The filter is installed the way
 * the afxdp driver installs it (weir_afxdp_filter_parse + _apply), so a
 * case here covers the configuration text, the map layout and the program
 * together. A frame the filter selects meets an empty XSKMAP here and comes
 * back as XDP_PASS: the weir_counters slot that moved tells "selected, no
 * socket" (xdp_pass_no_socket) from "not selected" (xdp_pass_filter).
 * After the kernel selftests' xdp_context_test_run.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_ether.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "afxdp/afxdp.h"
#include "weir_xdp.skel.h"

static int g_failed, g_run;

#define ASSERT(cond, ...)                                                                          \
	({                                                                                         \
		bool ok_ = (cond);                                                                 \
		if (!ok_) {                                                                        \
			fprintf(stderr, "    FAIL %s:%d: ", __FILE__, __LINE__);                   \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			g_failed++;                                                                \
		}                                                                                  \
		ok_;                                                                               \
	})

/* A frame under construction. */
struct frame {
	uint8_t b[256];
	size_t len;
};

static void
put(struct frame *f, const void *p, size_t n)
{
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void
put16(struct frame *f, uint16_t v)
{
	v = htons(v);
	put(f, &v, 2);
}

static void
eth(struct frame *f, uint16_t type, int vlans)
{
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
	int i;

	f->len = 0;
	put(f, macs, sizeof(macs));
	for (i = 0; i < vlans; i++) {
		put16(f, i == 0 && vlans == 2 ? 0x88a8 : 0x8100); /* QinQ outer, 802.1Q inner */
		put16(f, (uint16_t)(100 + i));
	}
	put16(f, type);
}

/* IPv4 header + 8 bytes of TCP/UDP ports and filler (enough for UDP; TCP
 * gets a full 20-byte header). */
static void
ipv4(struct frame *f, const char *src, const char *dst, uint8_t proto, uint16_t dport)
{
	uint8_t h[20] = {0x45, 0, 0, 0, 0, 1, 0, 0, 64, proto};
	uint8_t l4[20] = {0};
	size_t l4len = proto == IPPROTO_TCP ? 20 : 8;

	h[3] = (uint8_t)(20 + l4len);
	inet_pton(AF_INET, src, h + 12);
	inet_pton(AF_INET, dst, h + 16);
	put(f, h, sizeof(h));
	l4[0] = 0x30; /* source port 12345 */
	l4[1] = 0x39;
	l4[2] = (uint8_t)(dport >> 8);
	l4[3] = (uint8_t)dport;
	if (proto == IPPROTO_TCP)
		l4[12] = 5 << 4; /* data offset: 5 words */
	put(f, l4, l4len);
}

static void
ipv6(struct frame *f, const char *src, const char *dst, uint8_t proto, uint16_t dport)
{
	uint8_t h[40] = {0x60, 0, 0, 0, 0, 20, proto, 64};
	uint8_t l4[20] = {0x30, 0x39, (uint8_t)(dport >> 8), (uint8_t)dport};

	inet_pton(AF_INET6, src, h + 8);
	inet_pton(AF_INET6, dst, h + 24);
	put(f, h, sizeof(h));
	l4[12] = 5 << 4;
	put(f, l4, sizeof(l4));
}

static uint64_t
counter(struct weir_xdp *skel, uint32_t idx)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	uint64_t v[ncpu > 0 ? ncpu : 1], sum = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.weir_counters), &idx, v) < 0)
		return UINT64_MAX;
	for (c = 0; c < ncpu; c++)
		sum += v[c];
	return sum;
}

/* Run @p f once; check the verdict and which counter moved. */
static void
expect(struct weir_xdp *skel, const char *name, struct frame *f, int verdict, uint32_t idx)
{
	static const char *const names[] = {
#define N(e, n, d) n,
		WEIR_XDP_COUNTERS(N)
#undef N
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->b, .data_size_in = (uint32_t)f->len,
		    .repeat = 1);
	uint64_t before = counter(skel, idx);
	int ret;

	g_run++;
	printf("  %s\n", name);
	ret = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.weir_xdp), &opts);
	if (!ASSERT(ret == 0, "%s: bpf_prog_test_run_opts: %s", name, strerror(errno)))
		return;
	ASSERT((int)opts.retval == verdict, "%s: verdict %u, want %d", name, opts.retval, verdict);
	ASSERT(counter(skel, idx) == before + 1, "%s: counter %s did not move", name, names[idx]);
}

static int
install(struct weir_xdp *skel, struct weir_afxdp_filter *cur, const struct weir_afxdp_conf *c)
{
	struct weir_afxdp_filter f;
	char err[256];
	int ret;

	ret = weir_afxdp_filter_parse(c, &f, err, sizeof(err));
	if (!ASSERT(ret == 0, "filter parse: %s", err))
		return ret;
	ret = weir_afxdp_filter_apply(skel, &f, cur->ports ? cur : NULL);
	if (!ASSERT(ret == 0, "filter apply: %s", strerror(-ret))) {
		weir_afxdp_filter_free(&f);
		return ret;
	}
	weir_afxdp_filter_free(cur);
	*cur = f;
	return 0;
}

static void
test_parse_errors(void)
{
	static const char *const bad_ports[] = {"80-70"};
	static const char *const bad_port2[] = {"65536"};
	static const char *const bad_prefix[] = {"10.0.0.0/33"};
	static const char *const bad_proto[] = {"sctp"};
	struct weir_afxdp_conf c;
	struct weir_afxdp_filter f;
	char err[256];

	printf("  configuration errors refused\n");
	memset(&c, 0, sizeof(c));
	c.dst_ports = bad_ports;
	c.n_dst_ports = 1;
	ASSERT(weir_afxdp_filter_parse(&c, &f, err, sizeof(err)) == -EINVAL, "80-70 accepted");
	c.dst_ports = bad_port2;
	ASSERT(weir_afxdp_filter_parse(&c, &f, err, sizeof(err)) == -EINVAL, "65536 accepted");
	ASSERT(strstr(err, "afxdp.filter.dst-ports") != NULL, "error names the key: %s", err);
	c.n_dst_ports = 0;
	c.blocklist = bad_prefix;
	c.n_blocklist = 1;
	ASSERT(weir_afxdp_filter_parse(&c, &f, err, sizeof(err)) == -EINVAL, "/33 accepted");
	c.n_blocklist = 0;
	c.protocols = bad_proto;
	c.n_protocols = 1;
	ASSERT(weir_afxdp_filter_parse(&c, &f, err, sizeof(err)) == -EINVAL, "sctp accepted");
}

int
main(void)
{
	static const char *const protos[] = {"tcp", "udp"};
	static const char *const ports[] = {"80", "8000-8100"};
	static const char *const block[] = {"192.0.2.0/24", "2001:db8:bad::/48"};
	static const char *const src_only[] = {"10.1.0.0/16", "fd00::/8"};
	struct weir_afxdp_filter cur = {0};
	struct weir_afxdp_conf c = {0};
	struct weir_xdp *skel;
	struct frame f;

	skel = weir_xdp__open_and_load();
	if (skel == NULL) {
		fprintf(stderr,
			"SKIP: cannot load the XDP program (%s): needs CAP_BPF and "
			"CAP_NET_ADMIN\n",
			strerror(errno));
		return errno == EPERM || errno == EACCES ? 77 : 1;
	}
	test_parse_errors();

	c.protocols = protos;
	c.n_protocols = 2;
	c.dst_ports = ports;
	c.n_dst_ports = 2;
	c.blocklist = block;
	c.n_blocklist = 2;
	if (install(skel, &cur, &c) < 0)
		goto out;

	eth(&f, ETH_P_IP, 0);
	ipv4(&f, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 80);
	expect(skel, "ipv4 tcp/80 selected", &f, XDP_PASS, WEIR_XDP_PASS_NO_SOCKET);
	eth(&f, ETH_P_IP, 0);
	ipv4(&f, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 22);
	expect(skel, "ipv4 tcp/22 outside the filter", &f, XDP_PASS, WEIR_XDP_PASS_FILTER);
	eth(&f, ETH_P_IP, 0);
	ipv4(&f, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, 8050);
	expect(skel, "ipv4 udp/8050 in range 8000-8100", &f, XDP_PASS, WEIR_XDP_PASS_NO_SOCKET);
	eth(&f, ETH_P_IP, 0);
	ipv4(&f, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, 8101);
	expect(skel, "ipv4 udp/8101 past the range", &f, XDP_PASS, WEIR_XDP_PASS_FILTER);
	eth(&f, ETH_P_IP, 0);
	ipv4(&f, "10.0.0.1", "10.0.0.2", IPPROTO_ICMP, 0);
	expect(skel, "icmp not in protocols", &f, XDP_PASS, WEIR_XDP_PASS_FILTER);
	eth(&f, ETH_P_IP, 0);
	ipv4(&f, "192.0.2.7", "10.0.0.2", IPPROTO_TCP, 80);
	expect(skel, "ipv4 block-listed source dropped", &f, XDP_DROP, WEIR_XDP_DROP_BLOCKLIST);
	eth(&f, ETH_P_IP, 0);
	ipv4(&f, "10.0.0.1", "192.0.2.7", IPPROTO_TCP, 80);
	expect(skel, "block list is by source only", &f, XDP_PASS, WEIR_XDP_PASS_NO_SOCKET);
	eth(&f, ETH_P_IPV6, 0);
	ipv6(&f, "2001:db8:bad::1", "2001:db8::2", IPPROTO_TCP, 22);
	expect(skel, "ipv6 block-listed source dropped", &f, XDP_DROP, WEIR_XDP_DROP_BLOCKLIST);
	eth(&f, ETH_P_IPV6, 0);
	ipv6(&f, "2001:db8::1", "2001:db8::2", IPPROTO_TCP, 80);
	expect(skel, "ipv6 tcp/80 selected", &f, XDP_PASS, WEIR_XDP_PASS_NO_SOCKET);
	eth(&f, ETH_P_IP, 2);
	ipv4(&f, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 80);
	expect(skel, "QinQ ipv4 tcp/80 selected", &f, XDP_PASS, WEIR_XDP_PASS_NO_SOCKET);
	eth(&f, ETH_P_IP, 1);
	ipv4(&f, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, 9999);
	expect(skel, "802.1Q ipv4 udp/9999 outside", &f, XDP_PASS, WEIR_XDP_PASS_FILTER);
	eth(&f, ETH_P_ARP, 0);
	put(&f, "\0\1\10\0\6\4\0\1", 8);
	expect(skel, "arp passed", &f, XDP_PASS, WEIR_XDP_PASS_NOT_IP);
	eth(&f, ETH_P_IP, 0);
	put(&f, "\x45\0\0\x28\0\1\0\0", 8); /* IPv4 header cut at 8 bytes */
	expect(skel, "truncated ipv4 passed", &f, XDP_PASS, WEIR_XDP_PASS_MALFORMED);
	eth(&f, ETH_P_IP, 0);
	ipv4(&f, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 80);
	f.b[14] = 0x43; /* IHL 3: shorter than an IPv4 header */
	expect(skel, "ipv4 ihl < 5 passed", &f, XDP_PASS, WEIR_XDP_PASS_MALFORMED);
	eth(&f, ETH_P_IP, 0);
	ipv4(&f, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 80);
	f.len -= 12; /* TCP header cut short */
	expect(skel, "truncated tcp passed", &f, XDP_PASS, WEIR_XDP_PASS_MALFORMED);
	eth(&f, 0x8100, 0);
	put(&f, "\0", 1); /* a VLAN tag cut short */
	expect(skel, "truncated vlan tag passed", &f, XDP_PASS, WEIR_XDP_PASS_MALFORMED);

	/* Run-time change, as SIGUSR2 does it: maps rewritten in place, the
	 * program (same fd) keeps running. */
	c.src_prefixes = src_only;
	c.n_src_prefixes = 2;
	c.n_blocklist = 1; /* the IPv6 block list entry goes away */
	if (install(skel, &cur, &c) < 0)
		goto out;
	eth(&f, ETH_P_IP, 0);
	ipv4(&f, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 80);
	expect(skel, "after update: source outside src-prefixes", &f, XDP_PASS,
	       WEIR_XDP_PASS_FILTER);
	eth(&f, ETH_P_IP, 0);
	ipv4(&f, "10.1.2.3", "10.0.0.2", IPPROTO_TCP, 80);
	expect(skel, "after update: source in src-prefixes", &f, XDP_PASS, WEIR_XDP_PASS_NO_SOCKET);
	eth(&f, ETH_P_IPV6, 0);
	ipv6(&f, "2001:db8:bad::1", "2001:db8::2", IPPROTO_TCP, 80);
	expect(skel, "after update: removed block list entry no longer drops", &f, XDP_PASS,
	       WEIR_XDP_PASS_FILTER);
	eth(&f, ETH_P_IPV6, 0);
	ipv6(&f, "fd00::1", "2001:db8::2", IPPROTO_TCP, 8080);
	expect(skel, "after update: ipv6 source in src-prefixes", &f, XDP_PASS,
	       WEIR_XDP_PASS_NO_SOCKET);

out:
	weir_afxdp_filter_free(&cur);
	weir_xdp__destroy(skel);
	printf("%d cases, %d failures\n", g_run, g_failed);
	return g_failed ? 1 : 0;
}
