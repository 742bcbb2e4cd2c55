/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prints one EVE line per kind of event the formatters write (alerts with
 * and without a flow, both directions, ICMP and ICMPv6, VLANs, flow
 * records in every state and reason, IPv4 and IPv6, protocols with and
 * without a name, stream alerts, pcap_cnt), with every optional field of
 * Suricata's EVE present (host, community_id, alert.metadata and
 * alert.references), for tests/unit/common/eve_samples_schema.sh to
 * validate against Suricata's EVE schema: a field the schema does not
 * allow, or of the wrong type, fails that test. weir's own "weir" object
 * (outputs.weir-fields) is off here, as by default. Exits 1 if a
 * formatter fails.
 */
#include <stdio.h>
#include <string.h>

#include "event.h"

static const struct weir_event_rule g_rule = {
	.action = "allowed",
	.gid = 1,
	.signature = "weir sample",
	.category = "Misc activity",
	.severity = 2,
	.metadata = "{\"created_at\":[\"2026_01_02\"],\"tag\":[\"b\",\"a\"]}",
	.references = "[\"https://cve.mitre.org/cgi-bin/cvename.cgi?name=2024-1\"]",
};

static int
emit(const struct weir_event *ev, const struct weir_event_fmt *fmt)
{
	char buf[8192];
	int n;

	if (ev->kind == WEIR_EV_FLOW)
		n = weir_event_format_flow_json(ev, "net_pcap0", fmt, buf, sizeof(buf));
	else
		n = weir_event_format_json(ev, &g_rule, "net_pcap0", fmt, buf, sizeof(buf));
	if (n < 0) {
		fprintf(stderr, "eve_samples: format failed: %d\n", n);
		return 1;
	}
	fputs(buf, stdout);
	return 0;
}

static void
base(struct weir_event *ev, uint8_t version, uint8_t proto)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = 1700000000000180000ull;
	ev->flow_start_ns = 1699999990500000000ull;
	ev->flow_id = (3ull << 48) | 42;
	ev->rule_id = 1000001;
	ev->rule_rev = 2;
	ev->rule_gid = 1;
	ev->wire_len = 120;
	ev->payload_len = 5;
	ev->payload_cap = 5;
	memcpy(ev->payload, "hello", 5);
	ev->worker = 3;
	ev->seq = 9;
	ev->ip_version = version;
	ev->proto = proto;
	ev->flow_pkts[0] = 4;
	ev->flow_pkts[1] = 3;
	ev->flow_bytes[0] = 400;
	ev->flow_bytes[1] = 3000;
	if (version == 4) {
		memcpy(ev->src, (const uint8_t[]){10, 0, 0, 1}, 4);
		memcpy(ev->dst, (const uint8_t[]){10, 0, 0, 2}, 4);
	} else {
		memcpy(ev->src, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 4);
		memcpy(ev->dst, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 4);
		ev->src[15] = 1;
		ev->dst[15] = 2;
	}
	if (proto == 6 || proto == 17) {
		ev->sport = 40000;
		ev->dport = proto == 6 ? 80 : 53;
	} else {
		ev->icmp_type = proto == 1 ? 8 : 128;
	}
}

int
main(void)
{
	static const uint8_t protos[] = {6, 17, 1, 58, 47, 50, 200};
	const struct weir_event_fmt fmt = {
		.host = "sensor-1",
		.community_id = true,
		.rule_metadata = true,
		.rule_references = true,
	};
	struct weir_event ev;
	unsigned int p, v, s, r;
	int bad = 0;

	for (v = 4; v <= 6; v += 2) {
		for (p = 0; p < sizeof(protos); p++) {
			if ((protos[p] == 1 && v == 6) || (protos[p] == 58 && v == 4))
				continue;
			/* alerts: to_server, to_client, a flow without a
			 * direction, no flow at all; with two VLANs */
			base(&ev, (uint8_t)v, protos[p]);
			ev.n_vlan = 2;
			ev.vlan[0] = 10;
			ev.vlan[1] = 20;
			ev.direction = WEIR_EV_DIR_TOSERVER;
			bad |= emit(&ev, &fmt);
			ev.direction = WEIR_EV_DIR_TOCLIENT;
			bad |= emit(&ev, &fmt);
			ev.direction = WEIR_EV_DIR_NONE;
			ev.pcap_cnt = 12345;
			bad |= emit(&ev, &fmt);
			if (protos[p] == 6) { /* stream alerts: released, flow end */
				ev.direction = WEIR_EV_DIR_TOSERVER;
				ev.pkt_src = WEIR_EV_SRC_STREAM;
				bad |= emit(&ev, &fmt);
				ev.pcap_cnt = 0;
				ev.pkt_src = WEIR_EV_SRC_FLOW_END;
				bad |= emit(&ev, &fmt);
				ev.pkt_src = WEIR_EV_SRC_PACKET;
				ev.direction = WEIR_EV_DIR_NONE;
			}
			ev.flow_id = 0;
			bad |= emit(&ev, NULL);
			/* flow records: every state and reason */
			base(&ev, (uint8_t)v, protos[p]);
			ev.kind = WEIR_EV_FLOW;
			for (s = WEIR_EV_FLOW_NEW; s <= WEIR_EV_FLOW_CLOSED; s++) {
				for (r = WEIR_EV_FLOW_TIMEOUT; r <= WEIR_EV_FLOW_TCP_REUSE; r++) {
					ev.flow_state = (uint8_t)s;
					ev.flow_reason = (uint8_t)r;
					ev.flow_alerted = (uint8_t)(r & 1);
					bad |= emit(&ev, &fmt);
				}
			}
			ev.n_vlan = 1;
			ev.vlan[0] = 7;
			bad |= emit(&ev, NULL);
		}
	}
	return bad;
}
