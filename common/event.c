/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event formatting, on the emitter thread: each weir_event a worker queued
 * becomes one EVE alert line (Suricata's eve.json schema, so tools that read
 * Suricata alerts read ours) that the emitter hands to every sink. It runs
 * once per event, so it writes straight into the caller's buffer with
 * hand-written number, address and time conversion: no allocation, no
 * snprintf, and no gmtime_r (glibc takes its tzset lock even for UTC).
 * At the end, the frame ring's control half (creation and free); its data
 * path is inline in event.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "community_id.h"
#include "event.h"

/*
 * in_iface is a port name, not a rule string, so it is not covered by the
 * rule_text argument of weir_event_json_max(). Only its first bytes are
 * written so that the bound holds for any name; 64 is DPDK's
 * RTE_ETH_NAME_MAX_LEN, longer than any real port name.
 */
#define EVENT_IFACE_MAX 64

/* host-id is cut the same way; Linux host names are at most 64 bytes. */
#define EVENT_HOST_MAX 64

/* A JSON string escape expands one input byte to at most "\u00XX". */
#define EVENT_ESC_MAX 6

/*
 * Everything in a line except the escaped strings and the payload: about
 * 620 bytes of keys and punctuation plus at most about 600 of values
 * (3 x 31 timestamps, 4 x 46 addresses, 20 flow_id, 20 pcap_cnt,
 * 30 community_id, 4 x 20 u64, 11 x 10 u32/u16, 4 x 5 ports, 2 x 5 vlan,
 * 17 proto, 2 x 3 icmp, 11 direction, 5 bool), and about 320 for the
 * tunnel object (2 x 46 addresses, 20 pcap_cnt, keys). A flow record holds less
 * than an alert. tests/unit/common/test_event.c measures the real worst case of
 * both against this.
 */
#define EVENT_FIXED_MAX 1856

/* Output cursor. One byte before the end of the caller's buffer is kept
 * for the NUL; after the first overflow every later write fails too. */
struct ev_out {
	char *p;
	char *end;
	bool full;
};

static inline char *
out_reserve(struct ev_out *o, size_t n)
{
	char *p = o->p;

	if ((size_t)(o->end - p) < n) {
		o->full = true;
		o->p = o->end;
		return NULL;
	}
	o->p = p + n;
	return p;
}

static inline void
out_put(struct ev_out *o, const void *s, size_t n)
{
	char *p = out_reserve(o, n);

	if (p != NULL)
		memcpy(p, s, n);
}

/* Literal keys and punctuation; sizeof keeps the length a constant. */
#define OUT_LIT(o, lit) out_put((o), (lit), sizeof(lit) - 1)

static void
out_u64(struct ev_out *o, uint64_t v)
{
	char tmp[20]; /* UINT64_MAX has 20 digits */
	char *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	out_put(o, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* Fixed-width zero-padded decimal, for the timestamp fields. */
static inline void
put_dec(char *p, unsigned int v, unsigned int width)
{
	while (width-- > 0) {
		p[width] = (char)('0' + v % 10);
		v /= 10;
	}
}

/*
 * Length of the well-formed UTF-8 sequence starting at @p s (RFC 3629
 * table), or 0 when it is not one: overlong forms, surrogates and code
 * points above U+10FFFF are rejected like any stray byte.
 */
static inline size_t
utf8_seq_len(const uint8_t *s, size_t avail)
{
	uint8_t c = s[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static inline bool
json_plain_ascii(uint8_t c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/*
 * Write at most @p max bytes of @p str as a quoted JSON string. Rule text
 * comes from files anyone may have written and iface names from the
 * config, so neither is trusted to be UTF-8: valid sequences pass through,
 * any other byte becomes \u00XX, and the line stays valid UTF-8 JSON.
 * Runs of bytes that need no escaping are copied with one memcpy.
 */
static void
out_json_str(struct ev_out *o, const char *str, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *s = (const uint8_t *)(str != NULL ? str : "");
	size_t n = strnlen((const char *)s, max);
	size_t i = 0, run, k;
	char esc[EVENT_ESC_MAX];

	OUT_LIT(o, "\"");
	while (i < n) {
		run = i;
		for (;;) {
			if (i < n && json_plain_ascii(s[i]))
				i++;
			else if (i < n && s[i] >= 0x80 && (k = utf8_seq_len(s + i, n - i)) != 0)
				i += k;
			else
				break;
		}
		out_put(o, s + run, i - run);
		if (i == n)
			break;

		esc[0] = '\\';
		switch (s[i]) {
		case '"':
		case '\\':
			esc[1] = (char)s[i];
			out_put(o, esc, 2);
			break;
		case '\n':
			OUT_LIT(o, "\\n");
			break;
		case '\r':
			OUT_LIT(o, "\\r");
			break;
		case '\t':
			OUT_LIT(o, "\\t");
			break;
		default: /* other control bytes and invalid UTF-8 */
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[s[i] >> 4];
			esc[5] = hex[s[i] & 0xf];
			out_put(o, esc, 6);
			break;
		}
		i++;
	}
	OUT_LIT(o, "\"");
}

/*
 * Days since 1970-01-01 to a civil date (proleptic Gregorian), after
 * Howard Hinnant's days_from_civil inverse: shift the year to start in
 * March so the leap day ends it, then split into 400-year eras.
 */
static void
civil_from_days(uint64_t days, unsigned int *y, unsigned int *m, unsigned int *d)
{
	uint64_t z = days + 719468; /* days from 0000-03-01 */
	uint64_t era = z / 146097;
	uint64_t doe = z - era * 146097;				      /* [0, 146096] */
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);		      /* [0, 365] */
	uint64_t mp = (5 * doy + 2) / 153; /* [0, 11], March = 0 */

	*d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (unsigned int)(yoe + era * 400 + (*m <= 2));
}

/* Suricata's timestamp form, in UTC: 2026-11-24T15:04:05.123456+0000.
 * UINT64_MAX ns is in year 2554, so four year digits always suffice. */
static void
out_timestamp(struct ev_out *o, uint64_t ts_ns)
{
	uint64_t secs = ts_ns / 1000000000u;
	unsigned int usec = (unsigned int)(ts_ns % 1000000000u / 1000u);
	unsigned int sod = (unsigned int)(secs % 86400);
	unsigned int y, mo, d;
	char *p = out_reserve(o, 31);

	if (p == NULL)
		return;
	civil_from_days(secs / 86400, &y, &mo, &d);
	memcpy(p, "0000-00-00T00:00:00.000000+0000", 31);
	put_dec(p, y, 4);
	put_dec(p + 5, mo, 2);
	put_dec(p + 8, d, 2);
	put_dec(p + 11, sod / 3600, 2);
	put_dec(p + 14, sod / 60 % 60, 2);
	put_dec(p + 17, sod % 60, 2);
	put_dec(p + 20, usec, 6);
}

/* Dotted quad; returns the length (at most 15). */
static size_t
fmt_ipv4(char *dst, const uint8_t *a)
{
	char *p = dst;
	unsigned int i, v;

	for (i = 0; i < 4; i++) {
		v = a[i];
		if (i != 0)
			*p++ = '.';
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
	}
	return (size_t)(p - dst);
}

/*
 * RFC 5952 text, byte for byte what glibc's inet_ntop(AF_INET6) writes
 * (the unit test checks that on random addresses), without its sprintf per
 * group: lower-case hex without leading zeros, the first longest run of
 * two or more zero groups as "::", and the IPv4-mapped (::ffff:a.b.c.d)
 * and IPv4-compatible (::a.b.c.d) forms in dotted notation.
 * Returns the length (at most 45).
 */
static size_t
fmt_ipv6(char *dst, const uint8_t *a)
{
	static const char hex[] = "0123456789abcdef";
	unsigned int w[8];
	int best = -1, best_len = 0, cur = -1, cur_len = 0;
	char *p = dst;
	int i, shift;

	for (i = 0; i < 8; i++) {
		w[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
		if (w[i] == 0) {
			if (cur < 0)
				cur = i;
			cur_len = i - cur + 1;
			if (cur_len > best_len) {
				best = cur;
				best_len = cur_len;
			}
		} else {
			cur = -1;
		}
	}
	if (best_len < 2)
		best = -1;

	for (i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i != 0)
			*p++ = ':';
		if (i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))
			return (size_t)(p - dst) + fmt_ipv4(p, a + 12);
		for (shift = 12; shift > 0 && (w[i] >> shift) == 0; shift -= 4)
			;
		for (; shift >= 0; shift -= 4)
			*p++ = hex[(w[i] >> shift) & 0xf];
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	return (size_t)(p - dst);
}

/* Returns false for an ip_version that is neither 4 nor 6. */
static bool
out_ip(struct ev_out *o, uint8_t version, const uint8_t *addr)
{
	char tmp[48];
	size_t n;

	if (version == 4)
		n = fmt_ipv4(tmp, addr);
	else if (version == 6)
		n = fmt_ipv6(tmp, addr);
	else
		return false;
	OUT_LIT(o, "\"");
	out_put(o, tmp, n);
	OUT_LIT(o, "\"");
	return true;
}

/*
 * Suricata's protocol name table (util-proto-name.c known_proto[], IANA's
 * keywords as Suricata spells them, "Any" where IANA names none), indexed
 * by protocol number; numbers past it have no name.
 */
static const char *const g_proto_names[] = {
	"HOPOPT",      "ICMP",	     "IGMP",	    "GGP",	  "IP-in-IP",
	"ST",	       "TCP",	     "CBT",	    "EGP",	  "IGP",
	"BBN-RCC-MON", "NVP-II",     "PUP",	    "ARGUS",	  "EMCON",
	"XNET",	       "CHAOS",	     "UDP",	    "MUX",	  "DCN-MEAS",
	"HMP",	       "PRM",	     "XNS-IDP",	    "TRUNK-1",	  "TRUNK-2",
	"LEAF-1",      "LEAF-2",     "RDP",	    "IRTP",	  "ISO-TP4",
	"NETBLT",      "MFE-NSP",    "MERIT-INP",   "DCCP",	  "3PC",
	"IDPR",	       "XTP",	     "DDP",	    "IDPR-CMTP",  "TP++",
	"IL",	       "IPv6",	     "SDRP",	    "IPv6-Route", "IPv6-Frag",
	"IDRP",	       "RSVP",	     "GRE",	    "DSR",	  "BNA",
	"ESP",	       "AH",	     "I-NLSP",	    "SwIPe",	  "NARP",
	"MOBILE",      "TLSP",	     "SKIP",	    "IPv6-ICMP",  "IPv6-NoNxt",
	"IPv6-Opts",   "Any",	     "CFTP",	    "Any",	  "SAT-EXPAK",
	"KRYPTOLAN",   "RVD",	     "IPPC",	    "Any",	  "SAT-MON",
	"VISA",	       "IPCU",	     "CPNX",	    "CPHB",	  "WSN",
	"PVP",	       "BR-SAT-MON", "SUN-ND",	    "WB-MON",	  "WB-EXPAK",
	"ISO-IP",      "VMTP",	     "SECURE-VMTP", "VINES",	  "TTP",
	"NSFNET-IGP",  "DGP",	     "TCF",	    "EIGRP",	  "OSPF",
	"Sprite-RPC",  "LARP",	     "MTP",	    "AX.25",	  "OS",
	"MICP",	       "SCC-SP",     "ETHERIP",	    "ENCAP",	  "Any",
	"GMTP",	       "IFMP",	     "PNNI",	    "PIM",	  "ARIS",
	"SCPS",	       "QNX",	     "A/N",	    "IPComp",	  "SNP",
	"Compaq-Peer", "IPX-in-IP",  "VRRP",	    "PGM",	  "Any",
	"L2TP",	       "DDX",	     "IATP",	    "STP",	  "SRP",
	"UTI",	       "SMP",	     "SM",	    "PTP",	  "IS-IS",
	"FIRE",	       "CRTP",	     "CRUDP",	    "SSCOPMCE",	  "IPLT",
	"SPS",	       "PIPE",	     "SCTP",	    "FC",	  "RSVP-E2E-IGNORE",
	"Mobility",    "UDPLite",    "MPLS-in-IP",  "manet",	  "HIP",
	"Shim6",       "WESP",	     "ROHC",	    "Ethernet",
};

const char *
weir_event_proto_name(uint8_t proto)
{
	return proto < sizeof(g_proto_names) / sizeof(g_proto_names[0]) ? g_proto_names[proto]
									: NULL;
}

/* A protocol without a name is printed as its number, as Suricata's
 * EVE header does ("%" PRIu8). */
static void
out_proto(struct ev_out *o, uint8_t proto)
{
	const char *name = weir_event_proto_name(proto);

	OUT_LIT(o, "\"");
	if (name != NULL)
		out_put(o, name, strlen(name));
	else
		out_u64(o, proto);
	OUT_LIT(o, "\"");
}

/* The alphabet and padding of RFC 4648 section 4; writes exactly
 * 4 * ceil(n / 3) bytes and no NUL. */
static void
base64_encode(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t v;

	for (; n >= 3; n -= 3, in += 3, out += 4) {
		v = (uint32_t)in[0] << 16 | (uint32_t)in[1] << 8 | in[2];
		out[0] = tab[v >> 18];
		out[1] = tab[(v >> 12) & 0x3f];
		out[2] = tab[(v >> 6) & 0x3f];
		out[3] = tab[v & 0x3f];
	}
	if (n == 0)
		return;
	v = (uint32_t)in[0] << 16 | (n == 2 ? (uint32_t)in[1] << 8 : 0);
	out[0] = tab[v >> 18];
	out[1] = tab[(v >> 12) & 0x3f];
	out[2] = n == 2 ? tab[(v >> 6) & 0x3f] : '=';
	out[3] = '=';
}

int
weir_base64(const uint8_t *in, size_t n, char *out, size_t outlen)
{
	size_t need;

	if (n > (size_t)INT_MAX / 4 * 3)
		return -EOVERFLOW; /* the length would not fit the int result */
	need = (n + 2) / 3 * 4;
	if (outlen < need + 1)
		return -ENOSPC;
	base64_encode(in, n, out);
	out[need] = '\0';
	return (int)need;
}

size_t
weir_event_json_max(size_t rule_text)
{
	/* + a window alert's context: its text shares payload[] with the
	 * excerpt, so base64 of the whole array bounds both; 32 for its keys */
	return EVENT_FIXED_MAX + EVENT_ESC_MAX * (rule_text + EVENT_IFACE_MAX + EVENT_HOST_MAX) +
	       (WEIR_EVENT_PAYLOAD_MAX + 2) / 3 * 4 + 2 * WEIR_EVENT_RULE_JSON_MAX + 32;
}

int
weir_event_addr_text(const struct weir_event *ev, int dst, char *buf, size_t len)
{
	const uint8_t *a = dst ? ev->dst : ev->src;
	size_t n;

	if (len < 47)
		return -ENOSPC;
	if (ev->ip_version == 4)
		n = fmt_ipv4(buf, a);
	else if (ev->ip_version == 6)
		n = fmt_ipv6(buf, a);
	else
		return -EINVAL;
	buf[n] = '\0';
	return (int)n;
}

/* An event names its flow when the worker found one: flow_id (0 = none,
 * and then Suricata writes no flow_id either) and the packet's direction. */
static inline bool
ev_has_flow(const struct weir_event *ev)
{
	return ev->flow_id != 0 &&
	       (ev->direction == WEIR_EV_DIR_TOSERVER || ev->direction == WEIR_EV_DIR_TOCLIENT);
}

static inline bool
ev_is_icmp(const struct weir_event *ev)
{
	return ev->proto == 1 || ev->proto == 58;
}

static inline bool
ev_has_ports(const struct weir_event *ev)
{
	return ev->proto == 6 || ev->proto == 17;
}

static const char *const g_tun_src[] = {
	[WEIR_EV_TUN_NONE] = "wire/pcap",
	[WEIR_EV_TUN_DEFRAG] = "defrag",
	[WEIR_EV_TUN_GRE] = "gre tunnel",
	[WEIR_EV_TUN_IPV4] = "ipv4 tunnel",
	[WEIR_EV_TUN_IPV6] = "ipv6 tunnel",
	[WEIR_EV_TUN_TEREDO] = "teredo tunnel",
	[WEIR_EV_TUN_VXLAN] = "vxlan encapsulation",
	[WEIR_EV_TUN_GENEVE] = "geneve encapsulation",
};

/* An alert on a packet decoded through a tunnel or rebuilt from
 * fragments (Suricata's IS_TUNNEL_PKT), with an outer layer to name. */
static inline bool
ev_has_tunnel(const struct weir_event *ev)
{
	return ev->tun_kind != WEIR_EV_TUN_NONE &&
	       ev->tun_kind < sizeof(g_tun_src) / sizeof(g_tun_src[0]) &&
	       (ev->tun_ip_version == 4 || ev->tun_ip_version == 6);
}

/* Suricata's AlertJsonTunnel: the root packet's tuple (ports written even
 * when 0), the depth, its pcap_cnt and its pkt_src (the wire's). */
static void
out_tunnel(struct ev_out *o, const struct weir_event *ev)
{
	if (!ev_has_tunnel(ev))
		return;
	OUT_LIT(o, ",\"tunnel\":{\"src_ip\":");
	out_ip(o, ev->tun_ip_version, ev->tun_src);
	OUT_LIT(o, ",\"src_port\":");
	out_u64(o, ev->tun_sport);
	OUT_LIT(o, ",\"dest_ip\":");
	out_ip(o, ev->tun_ip_version, ev->tun_dst);
	OUT_LIT(o, ",\"dest_port\":");
	out_u64(o, ev->tun_dport);
	OUT_LIT(o, ",\"proto\":");
	out_proto(o, ev->tun_proto);
	OUT_LIT(o, ",\"depth\":");
	out_u64(o, ev->tun_depth);
	if (ev->pcap_cnt != 0) {
		OUT_LIT(o, ",\"pcap_cnt\":");
		out_u64(o, ev->pcap_cnt);
	}
	OUT_LIT(o, ",\"pkt_src\":\"wire/pcap\"}");
}

/* Start the line, as Suricata's CreateEveHeader (alerts) and
 * CreateEveHeaderFromFlow (flow records) do: timestamp, flow_id, in_iface,
 * event_type, vlan, the tuple, ip_v, proto, icmp_type and icmp_code.
 * Returns false for an ip_version that is neither 4 nor 6. */
static bool
out_head(struct ev_out *o, const struct weir_event *ev, const char *iface, const char *event_type)
{
	bool has_ports = ev_has_ports(ev);
	unsigned int i, n_vlan;

	OUT_LIT(o, "{\"timestamp\":\"");
	out_timestamp(o, ev->ts_ns);
	OUT_LIT(o, "\"");
	if (ev->flow_id != 0) {
		OUT_LIT(o, ",\"flow_id\":");
		out_u64(o, ev->flow_id);
	}
	/* a tunnelled or rebuilt packet is Suricata's pseudo packet, which
	 * has no capture record of its own: its count is in tunnel{} */
	if (ev->pcap_cnt != 0 && !ev_has_tunnel(ev)) {
		OUT_LIT(o, ",\"pcap_cnt\":");
		out_u64(o, ev->pcap_cnt);
	}
	OUT_LIT(o, ",\"in_iface\":");
	out_json_str(o, iface, EVENT_IFACE_MAX);
	OUT_LIT(o, ",\"event_type\":\"");
	out_put(o, event_type, strlen(event_type));
	OUT_LIT(o, "\"");

	if (ev->n_vlan > 0) {
		n_vlan = ev->n_vlan < 2 ? ev->n_vlan : 2;
		OUT_LIT(o, ",\"vlan\":[");
		for (i = 0; i < n_vlan; i++) {
			if (i != 0)
				OUT_LIT(o, ",");
			out_u64(o, ev->vlan[i]);
		}
		OUT_LIT(o, "]");
	}

	if (ev->ip_version == 0) /* no IP layer: a decoder event raised before
				    it (ethernet.pkt_too_small...); Suricata
				    writes no tuple either */
		return true;
	OUT_LIT(o, ",\"src_ip\":");
	if (!out_ip(o, ev->ip_version, ev->src))
		return false;
	if (has_ports) {
		OUT_LIT(o, ",\"src_port\":");
		out_u64(o, ev->sport);
	}
	OUT_LIT(o, ",\"dest_ip\":");
	out_ip(o, ev->ip_version, ev->dst);
	if (has_ports) {
		OUT_LIT(o, ",\"dest_port\":");
		out_u64(o, ev->dport);
	}
	if (ev->ip_version == 4)
		OUT_LIT(o, ",\"ip_v\":4,\"proto\":");
	else
		OUT_LIT(o, ",\"ip_v\":6,\"proto\":");
	out_proto(o, ev->proto);
	if (ev_is_icmp(ev)) {
		OUT_LIT(o, ",\"icmp_type\":");
		out_u64(o, ev->icmp_type);
		OUT_LIT(o, ",\"icmp_code\":");
		out_u64(o, ev->icmp_code);
	}
	return true;
}

/* community_id, when enabled and the event has a flow (Suricata computes
 * it from the flow, so a packet without one has none). Symmetric, so the
 * packet's own tuple gives the flow's value; ICMP hashes the type and
 * code (an echo reply's type pairs with its request's). */
static void
out_community_id(struct ev_out *o, const struct weir_event *ev, const struct weir_event_fmt *fmt)
{
	char cid[WEIR_COMMUNITY_ID_LEN];
	uint16_t sp = ev->sport, dp = ev->dport;
	int n;

	if (fmt == NULL || !fmt->community_id || ev->flow_id == 0)
		return;
	if (ev_is_icmp(ev)) {
		sp = ev->icmp_type;
		dp = ev->icmp_code;
	} else if (!ev_has_ports(ev)) {
		sp = dp = 0;
	}
	n = weir_community_id(fmt->community_id_seed, ev->ip_version, ev->src, ev->dst, ev->proto,
			      sp, dp, cid, sizeof(cid));
	if (n <= 0)
		return; /* bad ip_version: out_head already refused it */
	OUT_LIT(o, ",\"community_id\":\"");
	out_put(o, cid, (size_t)n);
	OUT_LIT(o, "\"");
}

/* Suricata's EveAddFlow: the counters per direction and the start. */
static void
out_flow_counters(struct ev_out *o, const struct weir_event *ev)
{
	OUT_LIT(o, "\"pkts_toserver\":");
	out_u64(o, ev->flow_pkts[0]);
	OUT_LIT(o, ",\"pkts_toclient\":");
	out_u64(o, ev->flow_pkts[1]);
	OUT_LIT(o, ",\"bytes_toserver\":");
	out_u64(o, ev->flow_bytes[0]);
	OUT_LIT(o, ",\"bytes_toclient\":");
	out_u64(o, ev->flow_bytes[1]);
	OUT_LIT(o, ",\"start\":\"");
	out_timestamp(o, ev->flow_start_ns);
	OUT_LIT(o, "\"");
}

/* An alert's direction and flow object (output-json-alert.c): the flow's
 * own direction, client to server, whichever way the packet went; ports
 * only when the packet's source port is not 0, as Suricata checks. */
static void
out_alert_flow(struct ev_out *o, const struct weir_event *ev)
{
	bool tc = ev->direction == WEIR_EV_DIR_TOCLIENT;
	const uint8_t *cli = tc ? ev->dst : ev->src, *srv = tc ? ev->src : ev->dst;

	if (tc)
		OUT_LIT(o, ",\"direction\":\"to_client\",\"flow\":{");
	else
		OUT_LIT(o, ",\"direction\":\"to_server\",\"flow\":{");
	out_flow_counters(o, ev);
	OUT_LIT(o, ",\"src_ip\":");
	out_ip(o, ev->ip_version, cli);
	OUT_LIT(o, ",\"dest_ip\":");
	out_ip(o, ev->ip_version, srv);
	if (ev_has_ports(ev) && ev->sport > 0) {
		OUT_LIT(o, ",\"src_port\":");
		out_u64(o, tc ? ev->dport : ev->sport);
		OUT_LIT(o, ",\"dest_port\":");
		out_u64(o, tc ? ev->sport : ev->dport);
	}
	OUT_LIT(o, "}");
}

/* Suricata's sensor-name, which OutputJsonBuilderBuffer adds last. */
static void
out_host(struct ev_out *o, const struct weir_event_fmt *fmt)
{
	if (fmt != NULL && fmt->host != NULL) {
		OUT_LIT(o, ",\"host\":");
		out_json_str(o, fmt->host, EVENT_HOST_MAX);
	}
}

static inline bool
fmt_weir_fields(const struct weir_event_fmt *fmt)
{
	return fmt != NULL && fmt->weir_fields;
}

/* weir's own fields every kind of event carries, after the kind's own
 * (the caller writes the comma before them): what loss accounting needs
 * (worker, seq: one sequence per worker over every kind of event) and
 * where the packet came in. */
static void
out_weir_common(struct ev_out *o, const struct weir_event *ev)
{
	OUT_LIT(o, "\"worker\":");
	out_u64(o, ev->worker);
	OUT_LIT(o, ",\"seq\":");
	out_u64(o, ev->seq);
	OUT_LIT(o, ",\"port\":");
	out_u64(o, ev->port);
	OUT_LIT(o, ",\"queue\":");
	out_u64(o, ev->queue);
}

/* A rule's preformatted alert.metadata or alert.references (JSON text the
 * rule parser built and escaped): written as is after @p key, unless
 * empty or past its bound (which the parser never lets through). */
static void
out_rule_json(struct ev_out *o, const char *key, const char *json)
{
	size_t n = json != NULL ? strnlen(json, WEIR_EVENT_RULE_JSON_MAX + 1) : 0;

	if (n == 0 || n > WEIR_EVENT_RULE_JSON_MAX)
		return;
	out_put(o, key, strlen(key));
	out_put(o, json, n);
}

int
weir_json_str(const char *s, size_t n, char *out, size_t outlen)
{
	struct ev_out o;

	if (outlen < weir_json_str_max(n) || outlen > INT_MAX)
		return -ENOSPC;
	o.p = out;
	o.end = out + outlen;
	o.full = false;
	out_json_str(&o, s, n);
	return o.full ? -ENOSPC : (int)(o.p - out);
}

/* Terminate the line; the common return of both formatters. */
static int
out_finish(struct ev_out *o, char *buf)
{
	size_t n;

	if (o->full) {
		buf[0] = '\0';
		return -ENOSPC;
	}
	n = (size_t)(o->p - buf);
	if (n > INT_MAX) {
		buf[0] = '\0';
		return -EOVERFLOW; /* only with multi-GB rule strings */
	}
	*o->p = '\0';
	return (int)n;
}

int
weir_event_format_json(const struct weir_event *ev, const struct weir_event_rule *rule,
		       const char *iface, const struct weir_event_fmt *fmt, char *buf, size_t len)
{
	struct ev_out o;
	/* A payload_cap past the array would read beyond the event. */
	size_t cap =
		ev->payload_cap < WEIR_EVENT_PAYLOAD_MAX ? ev->payload_cap : WEIR_EVENT_PAYLOAD_MAX;
	size_t n;
	char *p;

	if (len == 0)
		return -ENOSPC;
	o.p = buf;
	o.end = buf + len - 1;
	o.full = false;

	if (!out_head(&o, ev, iface, "alert"))
		goto err_inval;
	out_community_id(&o, ev, fmt);

	OUT_LIT(&o, ",\"alert\":{\"action\":");
	out_json_str(&o, rule->action, SIZE_MAX);
	OUT_LIT(&o, ",\"gid\":");
	out_u64(&o, rule->gid);
	OUT_LIT(&o, ",\"signature_id\":");
	out_u64(&o, ev->rule_id);
	OUT_LIT(&o, ",\"rev\":");
	out_u64(&o, ev->rule_rev);
	OUT_LIT(&o, ",\"signature\":");
	out_json_str(&o, rule->signature, SIZE_MAX);
	OUT_LIT(&o, ",\"category\":");
	out_json_str(&o, rule->category, SIZE_MAX);
	OUT_LIT(&o, ",\"severity\":");
	out_u64(&o, rule->severity);
	if (fmt != NULL && fmt->rule_metadata)
		out_rule_json(&o, ",\"metadata\":", rule->metadata);
	if (fmt != NULL && fmt->rule_references)
		out_rule_json(&o, ",\"references\":", rule->references);
	if (ev->win_ctx_len > 0 && cap + ev->win_ctx_len <= WEIR_EVENT_PAYLOAD_MAX) {
		/* alert.context, JSON text after the payload excerpt: a window
		 * alert's object (app/worker_window.c, it starts with '{'),
		 * or an ordinary alert's members ("fields":{...}, app/worker.c) */
		bool win = ev->payload[cap] == '{';

		OUT_LIT(&o, ",\"context\":{");
		if (win)
			OUT_LIT(&o, "\"window\":");
		p = out_reserve(&o, ev->win_ctx_len);
		if (p != NULL)
			memcpy(p, ev->payload + cap, ev->win_ctx_len);
		OUT_LIT(&o, "}");
	}
	OUT_LIT(&o, "}");
	out_tunnel(&o, ev);

	if (ev_has_flow(ev))
		out_alert_flow(&o, ev);

	OUT_LIT(&o, ",\"payload\":\"");
	n = (cap + 2) / 3 * 4;
	p = out_reserve(&o, n);
	if (p != NULL)
		base64_encode(ev->payload, cap, p);

	OUT_LIT(&o, "\",\"stream\":");
	out_u64(&o, ev->pkt_src != WEIR_EV_SRC_PACKET);
	if (ev->pkt_src == WEIR_EV_SRC_FLOW_END) {
		OUT_LIT(&o, ",\"pkt_src\":\"stream (flow timeout)\"");
	} else if (ev->pkt_src == WEIR_EV_SRC_PACKET && ev_has_tunnel(ev)) {
		OUT_LIT(&o, ",\"pkt_src\":\"");
		out_put(&o, g_tun_src[ev->tun_kind], strlen(g_tun_src[ev->tun_kind]));
		OUT_LIT(&o, "\"");
	} else {
		OUT_LIT(&o, ",\"pkt_src\":\"wire/pcap\"");
	}
	out_host(&o, fmt);
	if (!fmt_weir_fields(fmt)) {
		OUT_LIT(&o, "}\n");
		return out_finish(&o, buf);
	}
	OUT_LIT(&o, ",\"weir\":{\"rule_index\":");
	out_u64(&o, ev->rule_index);
	OUT_LIT(&o, ",\"match_end\":");
	out_u64(&o, ev->match_end);
	OUT_LIT(&o, ",");
	out_weir_common(&o, ev);
	OUT_LIT(&o, ",\"wire_len\":");
	out_u64(&o, ev->wire_len);
	OUT_LIT(&o, ",\"payload_len\":");
	out_u64(&o, ev->payload_len);
	if (cap < ev->payload_len)
		OUT_LIT(&o, ",\"payload_truncated\":true");
	else
		OUT_LIT(&o, ",\"payload_truncated\":false");
	OUT_LIT(&o, ",\"ts_ns\":");
	out_u64(&o, ev->ts_ns);
	OUT_LIT(&o, "}}\n");
	return out_finish(&o, buf);

err_inval:
	buf[0] = '\0';
	return -EINVAL;
}

int
weir_event_format_flow_json(const struct weir_event *ev, const char *iface,
			    const struct weir_event_fmt *fmt, char *buf, size_t len)
{
	static const char *const states[] = {
		[WEIR_EV_FLOW_NEW] = "new",
		[WEIR_EV_FLOW_ESTABLISHED] = "established",
		[WEIR_EV_FLOW_CLOSED] = "closed",
	};
	static const char *const reasons[] = {
		[WEIR_EV_FLOW_TIMEOUT] = "timeout",
		[WEIR_EV_FLOW_FORCED] = "forced",
		[WEIR_EV_FLOW_SHUTDOWN] = "shutdown",
		[WEIR_EV_FLOW_TCP_REUSE] = "tcp_reuse",
	};
	uint64_t end_s = ev->ts_ns / 1000000000u, start_s = ev->flow_start_ns / 1000000000u;
	struct ev_out o;

	if (len == 0)
		return -ENOSPC;
	if (ev->flow_id == 0 || ev->flow_state >= sizeof(states) / sizeof(states[0]) ||
	    ev->flow_reason >= sizeof(reasons) / sizeof(reasons[0])) {
		buf[0] = '\0';
		return -EINVAL;
	}
	o.p = buf;
	o.end = buf + len - 1;
	o.full = false;

	if (!out_head(&o, ev, iface, "flow")) {
		buf[0] = '\0';
		return -EINVAL;
	}
	/* output-json-flow.c's EveFlowLogJSON: end is the last packet's time
	 * and age the difference of the whole seconds of end and start. */
	OUT_LIT(&o, ",\"flow\":{");
	out_flow_counters(&o, ev);
	OUT_LIT(&o, ",\"end\":\"");
	out_timestamp(&o, ev->ts_ns);
	OUT_LIT(&o, "\",\"age\":");
	out_u64(&o, end_s > start_s ? end_s - start_s : 0);
	OUT_LIT(&o, ",\"state\":\"");
	out_put(&o, states[ev->flow_state], strlen(states[ev->flow_state]));
	OUT_LIT(&o, "\",\"reason\":\"");
	out_put(&o, reasons[ev->flow_reason], strlen(reasons[ev->flow_reason]));
	if (ev->flow_alerted)
		OUT_LIT(&o, "\",\"alerted\":true}");
	else
		OUT_LIT(&o, "\",\"alerted\":false}");
	out_community_id(&o, ev, fmt);
	out_host(&o, fmt);
	if (!fmt_weir_fields(fmt)) {
		OUT_LIT(&o, "}\n");
		return out_finish(&o, buf);
	}
	OUT_LIT(&o, ",\"weir\":{");
	out_weir_common(&o, ev);
	OUT_LIT(&o, ",\"ts_ns\":");
	out_u64(&o, ev->ts_ns);
	OUT_LIT(&o, "}}\n");
	return out_finish(&o, buf);
}

struct weir_frame_ring *
weir_frame_ring_create(uint32_t n_records, uint32_t max_len)
{
	uint64_t want = (uint64_t)n_records * weir_frame_rec_size(max_len);
	struct weir_frame_ring *fr;
	uint64_t size = 64;

	/* A record that wraps is moved to the start, so one more record's
	 * worth of bytes may be skipped per lap. */
	want += weir_frame_rec_size(max_len);
	while (size < want)
		size <<= 1;
	if (n_records == 0 || max_len == 0 || size > (1ull << 31)) {
		errno = EINVAL;
		return NULL;
	}
	fr = aligned_alloc(64, (sizeof(*fr) + 63) & ~(size_t)63);
	if (fr == NULL)
		return NULL;
	memset(fr, 0, sizeof(*fr));
	fr->size = (uint32_t)size;
	fr->mask = (uint32_t)size - 1;
	atomic_init(&fr->tail, 0);
	/* Not touched here: the producer's first lap commits it, locally. */
	fr->data = aligned_alloc(64, (size_t)size);
	if (fr->data == NULL) {
		free(fr);
		errno = ENOMEM;
		return NULL;
	}
	return fr;
}

void
weir_frame_ring_free(struct weir_frame_ring *fr)
{
	if (fr == NULL)
		return;
	free(fr->data);
	free(fr);
}
