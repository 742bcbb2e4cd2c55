/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of app/flow.c. The golden answers come from Suricata's
 * documented semantics (src/flow.c FlowHandlePacketUpdate, src/stream-tcp.c
 * handshake handling, suricata.yaml's flow-timeouts) built into hand-made
 * sessions, and from the Community ID spec's published baseline
 * (corelight/community-id-spec, baseline/baseline_deflt.json and
 * baseline_seed1.json).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "weir_cunit.h"

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10

#define S(x) ((uint64_t)(x)*1000000000ull) /* s -> ns */

#define C "10.0.0.1" /* client */
#define V "10.0.0.2" /* server */

static struct {
	unsigned int n[WEIR_FLOW_END_MAX];
	uint64_t last_id;
} g_ended;

static void
on_end(void *arg, const struct weir_flow *f, enum weir_flow_end_reason why)
{
	(void)arg;
	g_ended.n[why]++;
	g_ended.last_id = f->id;
}

static struct weir_flow_table *
mk(uint32_t entries, bool midstream, bool use_vlan)
{
	struct weir_flow_conf conf;

	weir_flow_conf_defaults(&conf);
	conf.entries = entries;
	conf.seed = 0x1234567890abcdefull;
	conf.worker_id = 3;
	conf.midstream = midstream;
	conf.use_vlan = use_vlan;
	conf.on_end = on_end;
	memset(&g_ended, 0, sizeof(g_ended));
	return weir_flow_table_create(&conf);
}

static void
addr(uint8_t *out, const char *s)
{
	memset(out, 0, 16);
	int ok = strchr(s, ':') != NULL ? inet_pton(AF_INET6, s, out) : inet_pton(AF_INET, s, out);

	CU_ASSERT_FATAL(ok == 1);
}

static struct weir_flow_pkt
pkt(uint8_t proto, const char *src, uint16_t sp, const char *dst, uint16_t dp, uint64_t ts)
{
	struct weir_flow_pkt p;

	memset(&p, 0, sizeof(p));
	addr(p.src, src);
	addr(p.dst, dst);
	p.ip_version = strchr(src, ':') != NULL ? 6 : 4;
	p.proto = proto;
	p.sport = sp;
	p.dport = dp;
	p.wire_len = 60;
	p.ts_ns = ts;
	return p;
}

static struct weir_flow_pkt
tcp(const char *src, uint16_t sp, const char *dst, uint16_t dp, uint8_t flags, uint32_t seq,
    uint32_t ack, uint32_t len, uint64_t ts)
{
	struct weir_flow_pkt p = pkt(IPPROTO_TCP, src, sp, dst, dp, ts);

	p.tcp_flags = flags;
	p.tcp_seq = seq;
	p.tcp_ack = ack;
	p.tcp_window = 65535;
	p.payload_len = len;
	p.wire_len = 54 + len;
	return p;
}

/* client -> server and back, on 10.0.0.1:40000 <-> 10.0.0.2:80 */
static struct weir_flow *
cs(struct weir_flow_table *t, uint8_t fl, uint32_t seq, uint32_t ack, uint32_t len, uint64_t ts,
   uint32_t *out)
{
	struct weir_flow_pkt p = tcp(C, 40000, V, 80, fl, seq, ack, len, ts);

	return weir_flow_process(t, &p, out);
}

static struct weir_flow *
sc(struct weir_flow_table *t, uint8_t fl, uint32_t seq, uint32_t ack, uint32_t len, uint64_t ts,
   uint32_t *out)
{
	struct weir_flow_pkt p = tcp(V, 80, C, 40000, fl, seq, ack, len, ts);

	return weir_flow_process(t, &p, out);
}

#define DIRS (WEIR_FLOW_PKT_TOSERVER | WEIR_FLOW_PKT_TOCLIENT)
#define EST  WEIR_FLOW_PKT_ESTABLISHED
#define TS   WEIR_FLOW_PKT_TOSERVER
#define TC   WEIR_FLOW_PKT_TOCLIENT

static bool
client_is(const struct weir_flow *f, const char *a, uint16_t port)
{
	uint8_t b[16];

	addr(b, a);
	return memcmp(weir_flow_addr(f, 0), b, 16) == 0 && weir_flow_port(f, 0) == port;
}

/* Full handshake, client ISN 1000, server ISN 5000; returns the flow. */
static struct weir_flow *
handshake(struct weir_flow_table *t)
{
	uint32_t o;
	struct weir_flow *f;

	f = cs(t, SYN, 1000, 0, 0, S(1), &o);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TS);
	CU_ASSERT(o & WEIR_FLOW_PKT_NEW);
	CU_ASSERT(sc(t, SYN | ACK, 5000, 1001, 0, S(1), &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TC);
	CU_ASSERT(cs(t, ACK, 1001, 5001, 0, S(1), &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TS); /* handshake-completing ACK: not yet */
	CU_ASSERT_EQUAL(f->tcp_state, WEIR_TCP_ESTABLISHED);
	return f;
}

static void
test_handshake(void)
{
	struct weir_flow_table *t = mk(64, false, true);
	struct weir_flow *f;
	uint64_t id;
	uint32_t o;

	f = handshake(t);
	id = f->id;
	CU_ASSERT(client_is(f, C, 40000));
	CU_ASSERT(cs(t, ACK | PSH, 1001, 5001, 100, S(2), &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TS | EST);
	CU_ASSERT(sc(t, ACK | PSH, 5001, 1101, 200, S(2), &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TC | EST);
	CU_ASSERT_EQUAL(f->id, id);
	CU_ASSERT_EQUAL(f->pkts[0], 3);
	CU_ASSERT_EQUAL(f->pkts[1], 2);
	CU_ASSERT_EQUAL(f->bytes[0], 54 * 3 + 100);
	CU_ASSERT_EQUAL(f->bytes[1], 54 * 2 + 200);
	CU_ASSERT_EQUAL(f->dir[0].next_seq, 1101);
	CU_ASSERT_EQUAL(f->dir[1].next_seq, 5201);
	CU_ASSERT_EQUAL(f->start_ns, S(1));
	CU_ASSERT_EQUAL(f->last_ns, S(2));
	CU_ASSERT_EQUAL(f->state, WEIR_FLOW_STATE_ESTABLISHED);
	weir_flow_table_destroy(t);
}

static void
test_handshake_ack_with_data(void)
{
	struct weir_flow_table *t = mk(64, false, true);
	struct weir_flow *f;
	uint32_t o;

	f = cs(t, SYN, 1000, 0, 0, S(1), &o);
	CU_ASSERT(sc(t, SYN | ACK, 5000, 1001, 0, S(1), &o) == f);
	CU_ASSERT_EQUAL(o & EST, 0);
	CU_ASSERT(cs(t, ACK | PSH, 1001, 5001, 10, S(1), &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TS | EST); /* stream-tcp.c's special case */
	CU_ASSERT_EQUAL(f->dir[0].next_seq, 1011);
	weir_flow_table_destroy(t);
}

static void
test_synack_first_midstream_off(void)
{
	struct weir_flow_table *t = mk(64, false, true);
	struct weir_flow *f;
	uint32_t o;

	f = sc(t, SYN | ACK, 5000, 1001, 0, S(1), &o);
	CU_ASSERT_FATAL(f != NULL);
	/* no session: nothing swaps, the sender stays the client */
	CU_ASSERT_EQUAL(o & (DIRS | EST | WEIR_FLOW_PKT_TCP_SESSION), TS);
	CU_ASSERT(client_is(f, V, 80));
	CU_ASSERT(cs(t, ACK, 1001, 5001, 0, S(1), &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TC);
	CU_ASSERT(cs(t, ACK, 1001, 5001, 10, S(1), &o) == f);
	CU_ASSERT_EQUAL(o & EST, 0); /* never established without a session */
	CU_ASSERT(sc(t, ACK, 5001, 1011, 10, S(1), &o) == f);
	CU_ASSERT_EQUAL(o & EST, 0);
	CU_ASSERT_EQUAL(f->state, WEIR_FLOW_STATE_NEW);
	weir_flow_table_destroy(t);
}

static void
test_synack_first_midstream_on(void)
{
	struct weir_flow_table *t = mk(64, true, true);
	struct weir_flow *f;
	uint32_t o;

	f = sc(t, SYN | ACK, 5000, 1001, 0, S(1), &o);
	CU_ASSERT_FATAL(f != NULL);
	/* picked up: the SYN/ACK's receiver is the client */
	CU_ASSERT_EQUAL(o & (DIRS | EST), TC);
	CU_ASSERT(o & WEIR_FLOW_PKT_TOCLIENT_FIRST);
	CU_ASSERT(client_is(f, C, 40000));
	CU_ASSERT_EQUAL(f->pkts[1], 1);
	CU_ASSERT_EQUAL(f->pkts[0], 0);
	CU_ASSERT_EQUAL(f->tcp_state, WEIR_TCP_SYN_RECV);
	CU_ASSERT(cs(t, ACK, 1001, 5001, 0, S(1), &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TS);
	CU_ASSERT(o & WEIR_FLOW_PKT_TOSERVER_FIRST);
	CU_ASSERT(cs(t, ACK | PSH, 1001, 5001, 10, S(1), &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TS | EST);
	CU_ASSERT(sc(t, ACK, 5001, 1011, 0, S(1), &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TC | EST);
	weir_flow_table_destroy(t);
}

static void
test_midstream_off(void)
{
	struct weir_flow_table *t = mk(64, false, true);
	struct weir_flow *f;
	uint32_t o;
	int i;

	f = cs(t, ACK | PSH, 1001, 5001, 10, S(1), &o);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(o & (DIRS | EST | WEIR_FLOW_PKT_TCP_SESSION), TS);
	for (i = 0; i < 3; i++) {
		CU_ASSERT(sc(t, ACK, 5001, 1011, 10, S(1), &o) == f);
		CU_ASSERT_EQUAL(o & (DIRS | EST), TC);
		CU_ASSERT(cs(t, ACK, 1011, 5011, 10, S(1), &o) == f);
		CU_ASSERT_EQUAL(o & (DIRS | EST), TS);
	}
	CU_ASSERT_EQUAL(f->tcp_state, WEIR_TCP_NONE);
	CU_ASSERT_EQUAL(weir_flow_timeout_of(t, f), 60);
	weir_flow_table_destroy(t);
}

static void
test_midstream_on(void)
{
	struct weir_flow_table *t = mk(64, true, true);
	struct weir_flow *f;
	uint32_t o;

	/* first packet from the server side: its sender becomes the client */
	f = sc(t, ACK | PSH, 5001, 1001, 10, S(1), &o);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TS); /* computed before the pickup */
	CU_ASSERT(o & WEIR_FLOW_PKT_TCP_SESSION);
	CU_ASSERT(client_is(f, V, 80));
	CU_ASSERT(cs(t, ACK, 1001, 5011, 0, S(1), &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TC | EST);
	CU_ASSERT(sc(t, ACK, 5011, 1001, 10, S(1), &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TS | EST);
	/* a RST or FIN first never starts a session, even midstream */
	{
		struct weir_flow_pkt p = tcp("10.9.9.9", 1, V, 2, RST | ACK, 1, 1, 0, S(1));

		f = weir_flow_process(t, &p, &o);
		CU_ASSERT(f != NULL && !(o & WEIR_FLOW_PKT_TCP_SESSION));
	}
	weir_flow_table_destroy(t);
}

static void
test_rst(void)
{
	struct weir_flow_table *t = mk(64, false, true);
	struct weir_flow *f = handshake(t);
	uint32_t o;

	CU_ASSERT(cs(t, ACK | PSH, 1001, 5001, 100, S(2), &o) == f);
	CU_ASSERT(sc(t, RST | ACK, 5001, 1101, 0, S(3), &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TC | EST); /* established before the RST runs */
	CU_ASSERT_EQUAL(f->tcp_state, WEIR_TCP_CLOSED);
	CU_ASSERT_EQUAL(f->state, WEIR_FLOW_STATE_CLOSED);
	CU_ASSERT_EQUAL(weir_flow_timeout_of(t, f), 60);
	weir_flow_table_destroy(t);

	/* a RST far outside any window is ignored */
	t = mk(64, false, true);
	f = handshake(t);
	CU_ASSERT(sc(t, RST, 5001 + 0x80000000u, 0, 0, S(3), &o) == f);
	CU_ASSERT(o & WEIR_FLOW_PKT_OUT_OF_WINDOW);
	CU_ASSERT_EQUAL(f->tcp_state, WEIR_TCP_ESTABLISHED);
	weir_flow_table_destroy(t);
}

static void
test_fin(void)
{
	struct weir_flow_table *t = mk(64, false, true);
	struct weir_flow *f = handshake(t);
	uint32_t o;

	CU_ASSERT(cs(t, ACK | PSH, 1001, 5001, 100, S(2), &o) == f);
	CU_ASSERT(cs(t, FIN | ACK, 1101, 5001, 0, S(3), &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TS | EST);
	CU_ASSERT_EQUAL(f->tcp_state, WEIR_TCP_FIN_WAIT);
	CU_ASSERT_EQUAL(weir_flow_timeout_of(t, f), 600);
	CU_ASSERT(sc(t, FIN | ACK, 5001, 1102, 0, S(3), &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TC | EST);
	CU_ASSERT_EQUAL(f->tcp_state, WEIR_TCP_CLOSING);
	CU_ASSERT_EQUAL(f->state, WEIR_FLOW_STATE_CLOSED);
	CU_ASSERT_EQUAL(weir_flow_timeout_of(t, f), 60);
	CU_ASSERT(cs(t, ACK, 1102, 5002, 0, S(3), &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TS | EST);
	CU_ASSERT_EQUAL(f->tcp_state, WEIR_TCP_CLOSED);
	weir_flow_table_destroy(t);
}

static void
test_seq_tracking(void)
{
	struct weir_flow_table *t = mk(64, false, true);
	struct weir_flow *f;
	const uint32_t isn = 0xfffffff0u; /* data crosses 2^32 */
	uint32_t o;

	f = cs(t, SYN, isn, 0, 0, S(1), &o);
	sc(t, SYN | ACK, 5000, isn + 1, 0, S(1), &o);
	cs(t, ACK, isn + 1, 5001, 0, S(1), &o);
	CU_ASSERT(cs(t, ACK, isn + 1, 5001, 100, S(1), &o) == f);
	CU_ASSERT_EQUAL(o & (WEIR_FLOW_PKT_RETRANSMIT | WEIR_FLOW_PKT_GAP), 0);
	CU_ASSERT_EQUAL(f->dir[0].next_seq, isn + 101); /* wrapped: 0x55 */
	CU_ASSERT_EQUAL(f->dir[0].next_seq, 0x55u);
	/* the same segment again, and a part of it */
	cs(t, ACK, isn + 1, 5001, 100, S(1), &o);
	CU_ASSERT(o & WEIR_FLOW_PKT_RETRANSMIT);
	cs(t, ACK, isn + 50, 5001, 20, S(1), &o);
	CU_ASSERT(o & WEIR_FLOW_PKT_RETRANSMIT);
	/* overlapping new data advances, no gap */
	cs(t, ACK, isn + 90, 5001, 20, S(1), &o);
	CU_ASSERT_EQUAL(o & (WEIR_FLOW_PKT_RETRANSMIT | WEIR_FLOW_PKT_GAP), 0);
	CU_ASSERT_EQUAL(f->dir[0].next_seq, isn + 110);
	/* a hole */
	cs(t, ACK, isn + 200, 5001, 10, S(1), &o);
	CU_ASSERT(o & WEIR_FLOW_PKT_GAP);
	CU_ASSERT_EQUAL(f->dir[0].next_seq, isn + 210);
	/* filling it is old data now (retransmission for the stream layer) */
	cs(t, ACK, isn + 110, 5001, 90, S(1), &o);
	CU_ASSERT(o & WEIR_FLOW_PKT_RETRANSMIT);
	/* far beyond any window */
	cs(t, ACK, isn + 210 + 0x50000000u, 5001, 10, S(1), &o);
	CU_ASSERT(o & WEIR_FLOW_PKT_OUT_OF_WINDOW);
	CU_ASSERT_EQUAL(f->dir[0].next_seq, isn + 210);
	/* the server's ack moves last_ack of the client's side */
	sc(t, ACK, 5001, isn + 210, 0, S(1), &o);
	CU_ASSERT_EQUAL(f->dir[0].last_ack, isn + 210);
	weir_flow_table_destroy(t);
}

static void
test_tcp_reuse(void)
{
	struct weir_flow_table *t = mk(64, false, true);
	struct weir_flow *f;
	uint64_t id;
	uint32_t o;

	/* SYN resent in SYN_SENT: a retransmission, same flow */
	f = cs(t, SYN, 1000, 0, 0, S(1), &o);
	id = f->id;
	CU_ASSERT(cs(t, SYN, 1000, 0, 0, S(2), &o) == f);
	CU_ASSERT(o & WEIR_FLOW_PKT_RETRANSMIT);
	CU_ASSERT_EQUAL(o & WEIR_FLOW_PKT_NEW, 0);
	CU_ASSERT_EQUAL(f->id, id);
	sc(t, SYN | ACK, 5000, 1001, 0, S(2), &o);
	cs(t, ACK, 1001, 5001, 0, S(2), &o);
	cs(t, FIN | ACK, 1001, 5001, 0, S(3), &o);
	sc(t, FIN | ACK, 5001, 1002, 0, S(3), &o);
	cs(t, ACK, 1002, 5002, 0, S(3), &o);
	CU_ASSERT_EQUAL(f->tcp_state, WEIR_TCP_CLOSED);
	/* a new SYN on the closed session: the old flow ends, a new starts */
	CU_ASSERT(cs(t, SYN, 9000, 0, 0, S(4), &o) == f);
	CU_ASSERT(o & WEIR_FLOW_PKT_NEW);
	CU_ASSERT_NOT_EQUAL(f->id, id);
	CU_ASSERT_EQUAL(g_ended.n[WEIR_FLOW_END_REUSE], 1);
	CU_ASSERT_EQUAL(g_ended.last_id, id);
	CU_ASSERT_EQUAL(f->pkts[0], 1);
	CU_ASSERT_EQUAL(f->tcp_state, WEIR_TCP_SYN_SENT);
	{
		struct weir_flow_stats st;

		weir_flow_stats_get(t, &st);
		CU_ASSERT_EQUAL(st.created, 2);
		CU_ASSERT_EQUAL(st.reused, 1);
		CU_ASSERT_EQUAL(st.active, 1);
	}
	weir_flow_table_destroy(t);
}

static void
test_udp_both_directions(void)
{
	struct weir_flow_table *t = mk(64, false, true);
	struct weir_flow_pkt q = pkt(IPPROTO_UDP, C, 5353, V, 53, S(1));
	struct weir_flow_pkt r = pkt(IPPROTO_UDP, V, 53, C, 5353, S(2));
	struct weir_flow *f;
	uint32_t o;

	f = weir_flow_process(t, &q, &o);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TS);
	CU_ASSERT(o & WEIR_FLOW_PKT_TOSERVER_FIRST);
	CU_ASSERT_EQUAL(weir_flow_timeout_of(t, f), 30);
	CU_ASSERT(weir_flow_process(t, &q, &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TS);
	CU_ASSERT_EQUAL(o & WEIR_FLOW_PKT_TOSERVER_FIRST, 0);
	CU_ASSERT(weir_flow_process(t, &r, &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TC | EST);
	CU_ASSERT(o & WEIR_FLOW_PKT_TOCLIENT_FIRST);
	CU_ASSERT(weir_flow_process(t, &q, &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TS | EST);
	CU_ASSERT_EQUAL(weir_flow_timeout_of(t, f), 300);
	CU_ASSERT(client_is(f, C, 5353));
	weir_flow_table_destroy(t);
}

static void
test_icmp(void)
{
	struct weir_flow_table *t = mk(64, false, true);
	struct weir_flow_pkt q = pkt(IPPROTO_UDP, C, 5353, V, 53, S(1));
	struct weir_flow_pkt err = pkt(IPPROTO_ICMP, V, 0, C, 0, S(2));
	struct weir_flow_pkt echo = pkt(IPPROTO_ICMP, C, 0, V, 0, S(3));
	struct weir_flow_pkt reply = pkt(IPPROTO_ICMP, V, 0, C, 0, S(3));
	struct weir_flow_stats st;
	struct weir_flow *f, *e;
	uint32_t o;

	f = weir_flow_process(t, &q, &o);
	/* port unreachable from the server, quoting the client's datagram */
	err.icmp_type = 3;
	err.icmp_code = 3;
	CU_ASSERT(weir_flow_icmp_error(t, &err, &q, &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TC);
	CU_ASSERT_EQUAL(o & WEIR_FLOW_PKT_TOCLIENT_FIRST, 0); /* no seen flag */
	CU_ASSERT_EQUAL(f->pkts[1], 1);
	CU_ASSERT_EQUAL(f->last_ns, S(2));
	CU_ASSERT(weir_flow_process(t, &q, &o) == f);
	CU_ASSERT_EQUAL(o & EST, 0); /* the error did not count as a reply */
	/* an ICMP error on its own never makes a flow */
	CU_ASSERT(weir_flow_process(t, &err, &o) == NULL);
	CU_ASSERT_EQUAL(o, 0);
	/* quoting a flow that does not exist */
	q.sport = 1;
	CU_ASSERT(weir_flow_icmp_error(t, &err, &q, &o) == NULL);
	weir_flow_stats_get(t, &st);
	CU_ASSERT_EQUAL(st.icmp_error_no_flow, 2);
	CU_ASSERT_EQUAL(st.created, 1);
	/* echo and reply share one flow, established on the reply */
	echo.icmp_type = 8;
	reply.icmp_type = 0;
	e = weir_flow_process(t, &echo, &o);
	CU_ASSERT(e != NULL && e != f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TS);
	CU_ASSERT(weir_flow_process(t, &reply, &o) == e);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TC | EST);
	CU_ASSERT_EQUAL(weir_flow_timeout_of(t, e), 300);
	weir_flow_table_destroy(t);
}

static void
test_vlan_tracking(void)
{
	struct weir_flow_pkt a = pkt(IPPROTO_UDP, C, 1, V, 2, S(1));
	struct weir_flow_pkt b = pkt(IPPROTO_UDP, V, 2, C, 1, S(1));
	struct weir_flow_table *t;
	struct weir_flow *f;
	uint32_t o;

	a.n_vlan = 1;
	a.vlan[0] = 10;
	b.n_vlan = 1;
	b.vlan[0] = 20;
	t = mk(64, false, true);
	f = weir_flow_process(t, &a, &o);
	CU_ASSERT(weir_flow_process(t, &b, &o) != f);
	CU_ASSERT_EQUAL(o & EST, 0);
	b.vlan[0] = 10;
	CU_ASSERT(weir_flow_process(t, &b, &o) == f);
	CU_ASSERT(o & EST);
	weir_flow_table_destroy(t);

	t = mk(64, false, false);
	b.vlan[0] = 20;
	f = weir_flow_process(t, &a, &o);
	CU_ASSERT(weir_flow_process(t, &b, &o) == f);
	CU_ASSERT_EQUAL(o & (DIRS | EST), TC | EST);
	weir_flow_table_destroy(t);
}

static void
test_symmetric_key(void)
{
	static const char *const v6a = "2001:db8::1", *const v6b = "2001:db8::2";
	struct weir_flow_table *t = mk(64, false, true);
	struct weir_flow_pkt p;
	struct weir_flow *f, *g;
	uint32_t o;

	/* same addresses, ports ordered the other way round */
	p = pkt(IPPROTO_UDP, C, 9, C, 7, S(1));
	f = weir_flow_process(t, &p, &o);
	p = pkt(IPPROTO_UDP, C, 7, C, 9, S(1));
	CU_ASSERT(weir_flow_process(t, &p, &o) == f);
	CU_ASSERT_EQUAL(o & DIRS, TC);
	p = pkt(IPPROTO_UDP, v6b, 80, v6a, 81, S(1));
	g = weir_flow_process(t, &p, &o);
	CU_ASSERT(g != NULL && g != f);
	p = pkt(IPPROTO_UDP, v6a, 81, v6b, 80, S(1));
	CU_ASSERT(weir_flow_process(t, &p, &o) == g);
	CU_ASSERT_EQUAL(o & DIRS, TC);
	CU_ASSERT(client_is(g, v6b, 80));
	/* another protocol on the same tuple is another flow */
	p = pkt(IPPROTO_TCP, v6a, 81, v6b, 80, S(1));
	CU_ASSERT(weir_flow_process(t, &p, &o) != g);
	/* an IPv4 address is not the IPv6 one with the same first bytes */
	p = pkt(IPPROTO_UDP, "32.1.13.184", 81, "32.1.13.185", 80, S(1));
	CU_ASSERT(weir_flow_process(t, &p, &o) != g);
	weir_flow_table_destroy(t);
}

/* One flow of @p proto in @p state (via its packets), then: not expired
 * one second before its timeout, expired at it. */
static void
check_timeout(uint8_t proto, bool both_dirs, uint8_t last_tcp_flags, uint32_t want_s)
{
	struct weir_flow_table *t = mk(16, false, true);
	struct weir_flow *f = NULL;
	uint32_t o;

	if (proto == IPPROTO_TCP) {
		f = cs(t, SYN, 1000, 0, 0, S(100), &o);
		if (both_dirs) {
			sc(t, SYN | ACK, 5000, 1001, 0, S(100), &o);
			cs(t, ACK, 1001, 5001, 0, S(100), &o);
		}
		if (last_tcp_flags)
			sc(t, last_tcp_flags, 5001, 1001, 0, S(100), &o);
	} else {
		struct weir_flow_pkt a = pkt(proto, C, 1, V, 2, S(100));
		struct weir_flow_pkt b = pkt(proto, V, 2, C, 1, S(100));

		f = weir_flow_process(t, &a, &o);
		if (both_dirs)
			weir_flow_process(t, &b, &o);
	}
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(weir_flow_timeout_of(t, f), want_s);
	weir_flow_burst_begin(t);
	CU_ASSERT_EQUAL(weir_flow_expire(t, S(100 + want_s) - 1, 16), 0);
	CU_ASSERT_EQUAL(weir_flow_expire(t, S(100 + want_s), 16), 1);
	CU_ASSERT_EQUAL(g_ended.n[WEIR_FLOW_END_TIMEOUT], 1);
	weir_flow_table_destroy(t);
}

static void
test_timeouts(void)
{
	check_timeout(IPPROTO_TCP, false, 0, 60);	 /* new (SYN only) */
	check_timeout(IPPROTO_TCP, true, 0, 600);	 /* established */
	check_timeout(IPPROTO_TCP, true, RST | ACK, 60); /* closed */
	check_timeout(IPPROTO_UDP, false, 0, 30);
	check_timeout(IPPROTO_UDP, true, 0, 300);
	check_timeout(IPPROTO_ICMP, false, 0, 30);
	check_timeout(IPPROTO_ICMP, true, 0, 300);
	check_timeout(47 /* GRE */, false, 0, 30);
	check_timeout(47, true, 0, 300);
}

/*
 * The idle scan skips a slot until the second its flow could be due; a
 * state with a shorter timeout (TCP established 600 s -> closed 60 s)
 * must bring that second forward, or a closed flow would outlive its
 * timeout by up to nine minutes.
 */
static void
test_expire_after_close(void)
{
	struct weir_flow_table *t = mk(16, false, true);
	uint32_t o;

	CU_ASSERT_FATAL(cs(t, SYN, 1000, 0, 0, S(100), &o) != NULL);
	sc(t, SYN | ACK, 5000, 1001, 0, S(100), &o);
	cs(t, ACK, 1001, 5001, 0, S(100), &o);
	cs(t, ACK | PSH, 1001, 5001, 10, S(650), &o);
	weir_flow_burst_begin(t);
	/* at 700 s the first bound (100 + 600) is reached, the flow is not due
	 * (seen at 650): the scan moves its bound to 1250 */
	CU_ASSERT_EQUAL(weir_flow_expire(t, S(700), 16), 0);
	sc(t, RST | ACK, 5001, 1011, 0, S(705), &o); /* closed: due at 765 */
	weir_flow_burst_begin(t);
	CU_ASSERT_EQUAL(weir_flow_expire(t, S(765) - 1, 16), 0);
	CU_ASSERT_EQUAL(weir_flow_expire(t, S(765), 16), 1);
	CU_ASSERT_EQUAL(g_ended.n[WEIR_FLOW_END_TIMEOUT], 1);
	weir_flow_table_destroy(t);
}

/* IPv4 addresses are the first 4 bytes: whatever follows them in the
 * packet's 16-byte fields is not part of the key. */
static void
test_ipv4_key_ignores_tail(void)
{
	struct weir_flow_table *t = mk(16, false, true);
	struct weir_flow_pkt a = pkt(IPPROTO_UDP, C, 1000, V, 53, S(1));
	struct weir_flow_pkt b = pkt(IPPROTO_UDP, V, 53, C, 1000, S(1));
	struct weir_flow *fa, *fb;
	uint32_t o;

	memset(a.src + 4, 0xa5, 12);
	memset(b.dst + 4, 0x5a, 12);
	fa = weir_flow_process(t, &a, &o);
	fb = weir_flow_process(t, &b, &o);
	CU_ASSERT_FATAL(fa != NULL);
	CU_ASSERT(fa == fb);
	CU_ASSERT_EQUAL(o & DIRS, TC);
	weir_flow_table_destroy(t);
}

static void
test_expire_budget(void)
{
	struct weir_flow_table *t = mk(64, false, true);
	struct weir_flow_stats st;
	unsigned int i, n, calls = 0;
	uint32_t o;

	for (i = 0; i < 64; i++) {
		struct weir_flow_pkt p = pkt(IPPROTO_UDP, C, (uint16_t)(1000 + i), V, 53, S(1));

		CU_ASSERT_FATAL(weir_flow_process(t, &p, &o) != NULL);
	}
	weir_flow_burst_begin(t);
	CU_ASSERT_EQUAL(weir_flow_expire(t, S(10), 64), 0); /* none due yet */
	for (n = 0; n < 64; calls++) {
		unsigned int k = weir_flow_expire(t, S(1000), 10);

		CU_ASSERT(k <= 10);
		n += k;
		CU_ASSERT_FATAL(calls < 10);
	}
	CU_ASSERT_EQUAL(calls, 7); /* 64 slots, 10 a call */
	weir_flow_stats_get(t, &st);
	CU_ASSERT_EQUAL(st.timeout, 64);
	CU_ASSERT_EQUAL(st.active, 0);
	weir_flow_table_destroy(t);
}

static void
test_table_full(void)
{
	struct weir_flow_table *t = mk(10, false, true);
	struct weir_flow_stats st;
	struct weir_flow_pkt p;
	struct weir_flow *f;
	unsigned int i;
	uint32_t o;

	/* ten flows in one burst: the eleventh is refused, nothing evictable */
	for (i = 0; i < 10; i++) {
		p = pkt(IPPROTO_UDP, C, (uint16_t)(1000 + i), V, 53, S(1) + i);
		CU_ASSERT_FATAL(weir_flow_process(t, &p, &o) != NULL);
	}
	p = pkt(IPPROTO_UDP, C, 2000, V, 53, S(2));
	CU_ASSERT(weir_flow_process(t, &p, &o) == NULL);
	CU_ASSERT_EQUAL(o, 0);
	weir_flow_stats_get(t, &st);
	CU_ASSERT_EQUAL(st.refused, 1);
	CU_ASSERT_EQUAL(st.emerg_entered, 1);
	CU_ASSERT(weir_flow_emergency(t));
	/* next burst: the least recently seen flow (port 1000) makes room */
	weir_flow_burst_begin(t);
	p = pkt(IPPROTO_UDP, C, 1000 + 5, V, 53, S(3)); /* refresh one */
	weir_flow_process(t, &p, &o);
	p = pkt(IPPROTO_UDP, C, 2000, V, 53, S(3));
	f = weir_flow_process(t, &p, &o);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT(o & WEIR_FLOW_PKT_NEW);
	CU_ASSERT_EQUAL(g_ended.n[WEIR_FLOW_END_EVICTED], 1);
	p = pkt(IPPROTO_UDP, C, 1000, V, 53, S(3));
	weir_flow_process(t, &p, &o);
	CU_ASSERT(o & WEIR_FLOW_PKT_NEW); /* it was the one evicted */
	weir_flow_stats_get(t, &st);
	CU_ASSERT_EQUAL(st.evicted, 2); /* port 1000, then port 1001 for it */
	CU_ASSERT_EQUAL(st.active, 10);
	/* emergency timeouts (UDP new: 10 s instead of 30) end the seven
	 * flows last seen at 1 s; then enough slots are free to leave
	 * emergency mode, and the normal timeouts apply again */
	weir_flow_burst_begin(t);
	CU_ASSERT_EQUAL(weir_flow_expire(t, S(11) - 1, 10), 0);
	CU_ASSERT(weir_flow_emergency(t));
	CU_ASSERT_EQUAL(weir_flow_expire(t, S(11) + 100, 10), 7);
	CU_ASSERT(!weir_flow_emergency(t));
	CU_ASSERT_EQUAL(weir_flow_expire(t, S(3) + S(30) - 1, 10), 0);
	CU_ASSERT_EQUAL(weir_flow_expire(t, S(3) + S(30), 10), 3);
	weir_flow_stats_get(t, &st);
	CU_ASSERT_EQUAL(st.emerg_exited, 1);
	CU_ASSERT_EQUAL(st.active, 0);
	CU_ASSERT_EQUAL(st.created - st.timeout - st.evicted - st.reused - st.shutdown, st.active);
	weir_flow_table_destroy(t);
}

static void
test_ids_stable_and_unique(void)
{
	struct weir_flow_table *t = mk(256, false, true);
	uint64_t ids[200];
	unsigned int i, j;
	uint32_t o;

	for (i = 0; i < 200; i++) {
		struct weir_flow_pkt p = pkt(IPPROTO_UDP, C, (uint16_t)i, V, 53, S(1));
		struct weir_flow *f = weir_flow_process(t, &p, &o);

		CU_ASSERT_FATAL(f != NULL);
		ids[i] = f->id;
		CU_ASSERT_EQUAL(f->id >> 48, 3); /* worker id */
	}
	for (i = 0; i < 200; i++) {
		struct weir_flow_pkt p = pkt(IPPROTO_UDP, V, 53, C, (uint16_t)i, S(2));

		CU_ASSERT_EQUAL(weir_flow_process(t, &p, &o)->id, ids[i]);
		for (j = 0; j < i; j++)
			CU_ASSERT_FATAL(ids[j] != ids[i]);
	}
	/* a flow that ends and comes back gets a new id */
	CU_ASSERT_EQUAL(weir_flow_flush(t), 200);
	{
		struct weir_flow_pkt p = pkt(IPPROTO_UDP, C, 0, V, 53, S(3));

		CU_ASSERT(weir_flow_process(t, &p, &o)->id > ids[199]);
	}
	weir_flow_table_destroy(t);
}

/*
 * weir_flow_flush with few flows (each unlinked from its chain) and with
 * many (the buckets cleared at once: at least one flow per 32 buckets):
 * every flow ends once as shutdown, the table is empty afterwards (the
 * same keys make new flows), and every slot is free again (the table
 * fills to its capacity with no eviction).
 */
static void
test_flush(void)
{
	static const unsigned int counts[] = {0, 1, 3, 127, 128, 129, 1000, 4096};
	unsigned int c;

	for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		struct weir_flow_table *t = mk(4096, false, true);
		unsigned int n = counts[c], i, round;
		struct weir_flow_stats st;
		uint64_t max_id = 0;
		uint32_t o;

		CU_ASSERT_FATAL(t != NULL && weir_flow_capacity(t) == 4096);
		for (round = 0; round < 2; round++) {
			weir_flow_burst_begin(t);
			for (i = 0; i < n; i++) {
				/* ports spread over both bytes: distinct keys */
				struct weir_flow_pkt p =
					pkt(IPPROTO_UDP, C, (uint16_t)(1024 + i), V,
					    (uint16_t)(53 + round), S(1 + round));
				struct weir_flow *f = weir_flow_process(t, &p, &o);

				CU_ASSERT_FATAL(f != NULL);
				CU_ASSERT_FATAL(f->id > max_id); /* a new flow, not a stale one */
				max_id = f->id;
			}
			/* a second packet of each finds its flow */
			for (i = 0; i < n; i += 7) {
				struct weir_flow_pkt p = pkt(IPPROTO_UDP, V, (uint16_t)(53 + round),
							     C, (uint16_t)(1024 + i), S(1 + round));

				CU_ASSERT_FATAL(weir_flow_process(t, &p, &o) != NULL);
			}
			memset(&g_ended, 0, sizeof(g_ended));
			CU_ASSERT_EQUAL(weir_flow_flush(t), n);
			CU_ASSERT_EQUAL(g_ended.n[WEIR_FLOW_END_SHUTDOWN], n);
			weir_flow_stats_get(t, &st);
			CU_ASSERT_EQUAL(st.active, 0);
			CU_ASSERT_EQUAL(st.created, (uint64_t)n * (round + 1));
			CU_ASSERT_EQUAL(weir_flow_flush(t), 0);
		}
		/* the same keys again: new flows, not the ended ones */
		weir_flow_burst_begin(t);
		for (i = 0; i < n; i++) {
			struct weir_flow_pkt p =
				pkt(IPPROTO_UDP, C, (uint16_t)(1024 + i), V, 53, S(5));
			struct weir_flow *f = weir_flow_process(t, &p, &o);

			CU_ASSERT_FATAL(f != NULL && f->id > max_id);
		}
		/* every slot free: the table fills with no eviction or refusal */
		for (i = n; i < 4096; i++) {
			struct weir_flow_pkt p =
				pkt(IPPROTO_UDP, C, (uint16_t)(1024 + i), V, 53, S(5));

			CU_ASSERT_FATAL(weir_flow_process(t, &p, &o) != NULL);
		}
		weir_flow_stats_get(t, &st);
		CU_ASSERT_EQUAL(st.active, 4096);
		CU_ASSERT_EQUAL(st.evicted + st.refused + st.timeout, 0);
		CU_ASSERT_EQUAL(weir_flow_flush(t), 4096);
		weir_flow_table_destroy(t);
	}
}

struct cid_case {
	uint8_t proto;
	const char *s, *d;
	uint16_t sp, dp;
	const char *want, *want_seed1;
};

/* From the spec's baseline (default seed 0, and seed 1). */
static const struct cid_case g_cid[] = {
	{6, "128.232.110.120", "66.35.250.204", 34855, 80,
	 "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
	{6, "66.35.250.204", "128.232.110.120", 80, 34855,
	 "1:LQU9qZlK+B5F3KDmev6m5PMibrg=", "1:3V71V58M3Ksw/yuFALMcW0LAHvc="},
	{17, "192.168.1.52", "8.8.8.8", 54585, 53,
	 "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
	{17, "8.8.8.8", "192.168.1.52", 53, 54585,
	 "1:d/FP5EW3wiY1vCndhwleRRKHowQ=", "1:Q9We8WO3piVF8yEQBNJF4uiSVrI="},
	{1, "192.168.0.89", "192.168.0.1", 8, 0,
	 "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
	{1, "192.168.0.1", "192.168.0.89", 0, 8,
	 "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", "1:03g6IloqVBdcZlPyX8r0hgoE7kA="},
	{1, "10.0.0.1", "10.0.0.2", 11, 0,
	 "1:YHxtAirCG//0OzkcVAukqKQN9xM=", "1:XjUibYHaafLQ3pxQeiMI8g25q20="},
	{6, "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 63943, 25,
	 "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", "1:eJYTW6AOzFLlSUoESovMjnu7rMw="},
	{132, "192.168.170.8", "192.168.170.56", 7, 7,
	 "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
	{132, "192.168.170.56", "192.168.170.8", 7, 7,
	 "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=", "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg="},
	{46, "10.1.12.1", "10.1.12.2", 0, 0,
	 "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI="},
	{46, "10.1.12.2", "10.1.12.1", 0, 0,
	 "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=", "1:rYir8gphR31noO9iDRQmF/BteEI="},
	{58, "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 135, 136,
	 "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
	{58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 136, 135,
	 "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=", "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY="},
	{58, "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 135, 136,
	 "1:zavyT/cezQr1fmImYCwYnMXbgck=", "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM="},
	{58, "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 3, 0,
	 "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=", "1:lVEtCZpYu84Xqaa++3lXFyuu2n4="},
	{58, "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 1, 4,
	 "1:hLZd0XGWojozrvxqE0dWB1iM6R0=", "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8="},
	{58, "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 128, 129,
	 "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=", "1:GfZxjAkDk2MkegpBYHV6tadtFXQ="},
	{58, "fe80::200:86ff:fe05:80da", "ff02::2", 133, 134,
	 "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=", "1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8="},
	{58, "fe80::260:97ff:fe07:69ea", "ff02::1", 134, 133,
	 "1:pkvHqCL88/tg1k4cPigmZXUtL00=", "1:K/ee5UCqAMAQXDorP5nSa2CGLjc="},
};

static void
test_community_id(void)
{
	char buf[WEIR_FLOW_COMMUNITY_ID_LEN];
	unsigned int i;

	for (i = 0; i < sizeof(g_cid) / sizeof(g_cid[0]); i++) {
		const struct cid_case *c = &g_cid[i];
		uint8_t s[16], d[16];
		uint8_t v = strchr(c->s, ':') != NULL ? 6 : 4;

		addr(s, c->s);
		addr(d, c->d);
		CU_ASSERT_EQUAL(weir_flow_community_id(0, v, s, d, c->proto, c->sp, c->dp, buf,
						       sizeof(buf)),
				30);
		if (strcmp(buf, c->want) != 0)
			fprintf(stderr, "community id case %u: got %s\n", i, buf);
		CU_ASSERT_STRING_EQUAL(buf, c->want);
		weir_flow_community_id(1, v, s, d, c->proto, c->sp, c->dp, buf, sizeof(buf));
		CU_ASSERT_STRING_EQUAL(buf, c->want_seed1);
	}
	CU_ASSERT_EQUAL(
		weir_flow_community_id(0, 4, (uint8_t[16]){0}, (uint8_t[16]){0}, 6, 1, 2, buf, 30),
		-ENOSPC);
	CU_ASSERT_EQUAL(weir_flow_community_id(0, 5, (uint8_t[16]){0}, (uint8_t[16]){0}, 6, 1, 2,
					       buf, sizeof(buf)),
			-EINVAL);
	/* of a flow: from its client to its server, whichever packet made it */
	{
		struct weir_flow_table *t = mk(16, false, true);
		struct weir_flow_pkt p =
			pkt(IPPROTO_TCP, "66.35.250.204", 80, "128.232.110.120", 34855, S(1));
		struct weir_flow *f;
		uint32_t o;

		p.tcp_flags = ACK;
		f = weir_flow_process(t, &p, &o);
		CU_ASSERT(weir_flow_community_id_of(f, 0, buf, sizeof(buf)) == 30);
		CU_ASSERT_STRING_EQUAL(buf, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
		p = pkt(IPPROTO_ICMP, "192.168.0.89", 0, "192.168.0.1", 0, S(1));
		p.icmp_type = 8;
		f = weir_flow_process(t, &p, &o);
		weir_flow_community_id_of(f, 0, buf, sizeof(buf));
		CU_ASSERT_STRING_EQUAL(buf, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=");
		weir_flow_table_destroy(t);
	}
}

static uint64_t
xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
test_random_sequence(void)
{
	static const uint8_t protos[] = {IPPROTO_TCP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, 47};
	static const uint8_t tcpfl[] = {SYN, SYN | ACK, ACK, ACK | PSH, FIN | ACK,
					RST, RST | ACK, 0,   SYN | FIN, FIN};
	struct weir_flow_table *t;
	struct weir_flow_conf conf;
	struct weir_flow_stats st, st0;
	uint64_t s = 0x9e3779b97f4a7c15ull, now = S(1000);
	unsigned int i, midstream;

	for (midstream = 0; midstream < 2; midstream++) {
		t = mk(128, midstream, true);
		weir_flow_stats_get(t, &st0);
		for (i = 0; i < 300000; i++) {
			uint64_t r = xorshift(&s);
			unsigned int key = (unsigned int)(r % 1000);
			struct weir_flow_pkt p;
			char a[16], b[16];
			uint32_t o;
			struct weir_flow *f;

			snprintf(a, sizeof(a), "10.1.%u.%u", key % 7, key % 251);
			snprintf(b, sizeof(b), "10.2.0.%u", (key / 7) % 5);
			p = pkt(protos[key % 5], (r >> 20) & 1 ? a : b, (uint16_t)(key % 13),
				(r >> 20) & 1 ? b : a, 80, now);
			p.tcp_flags = tcpfl[(r >> 24) % 10];
			p.tcp_seq = (uint32_t)(r >> 32) & ((r >> 30) & 1 ? 0xffffffffu : 0x3ff);
			p.tcp_ack = (uint32_t)(r >> 16) & 0x3ff;
			p.payload_len = (uint32_t)(r >> 40) % 1500;
			p.icmp_type = (uint8_t)((r >> 50) % 20);
			p.n_vlan = (uint8_t)((r >> 56) % 3);
			p.vlan[0] = (uint16_t)((r >> 58) & 1);
			now += (r >> 8) % S(2) / 100;
			if (i % 50000 == 49999)
				now += S(700); /* let every timeout pass */
			if (i % 32 == 0)
				weir_flow_burst_begin(t);
			if ((r >> 61) == 0) {
				struct weir_flow_pkt e = p;

				e.proto = IPPROTO_ICMP;
				e.icmp_type = 3;
				f = weir_flow_icmp_error(t, &e, &p, &o);
			} else {
				f = weir_flow_process(t, &p, &o);
			}
			if (f != NULL) {
				CU_ASSERT_FATAL(f->last_ns <= now && f->start_ns <= f->last_ns);
				CU_ASSERT_FATAL((o & DIRS) == TS || (o & DIRS) == TC);
			}
			if (i % 97 == 0)
				weir_flow_expire(t, now, 16);
			if (i % 1024 == 0) {
				weir_flow_stats_get(t, &st);
				CU_ASSERT_FATAL(st.active <= weir_flow_capacity(t));
				CU_ASSERT_FATAL(st.created - st.timeout - st.evicted - st.reused -
							st.shutdown ==
						st.active);
				CU_ASSERT_FATAL(st.memory_bytes == st0.memory_bytes);
			}
		}
		weir_flow_stats_get(t, &st);
		CU_ASSERT(st.created > 1000);
		CU_ASSERT(st.timeout > 0);
		CU_ASSERT(st.evicted > 0 || st.refused > 0 || midstream);
		weir_flow_flush(t);
		weir_flow_stats_get(t, &st);
		CU_ASSERT_EQUAL(st.active, 0);
		CU_ASSERT_EQUAL(st.created, st.timeout + st.evicted + st.reused + st.shutdown);
		weir_flow_table_destroy(t);
	}
	/* the memcap path of create */
	weir_flow_conf_defaults(&conf);
	CU_ASSERT(weir_flow_entries_for_memcap(conf.memcap) > 400000);
	conf.memcap = 1 << 20;
	t = weir_flow_table_create(&conf);
	CU_ASSERT_FATAL(t != NULL);
	weir_flow_stats_get(t, &st);
	CU_ASSERT(st.memory_bytes <= conf.memcap);
	CU_ASSERT(st.memory_bytes > conf.memcap * 9 / 10);
	CU_ASSERT(weir_flow_capacity(t) > 3000);
	weir_flow_table_destroy(t);
	conf.memcap = 100;
	errno = 0;
	CU_ASSERT(weir_flow_table_create(&conf) == NULL && errno == EINVAL);
}

/* conf.prefault backs the whole table at create; without it the flows'
 * pages wait for their first flow. Either way the table works. */
static void
test_prefault(void)
{
	struct weir_flow_conf conf;
	struct weir_flow_stats st;

	for (int pre = 0; pre < 2; pre++) {
		struct weir_flow_table *t;
		struct weir_flow_pkt p;
		uint32_t ff;

		weir_flow_conf_defaults(&conf);
		conf.memcap = 16u << 20;
		conf.prefault = pre != 0;
		t = weir_flow_table_create(&conf);
		CU_ASSERT_FATAL(t != NULL);
		weir_flow_stats_get(t, &st);
		CU_ASSERT(pre ? weir_ut_resident(t, st.memory_bytes) >= st.memory_bytes
			      : weir_ut_resident(t, st.memory_bytes) < st.memory_bytes / 2);
		p = tcp(C, 1000, V, 80, SYN, 1000, 0, 0, S(1));
		CU_ASSERT(weir_flow_process(t, &p, &ff) != NULL);
		weir_flow_stats_get(t, &st);
		CU_ASSERT_EQUAL(st.created, 1);
		weir_flow_table_destroy(t);
	}
}

/* The burst entry point gives exactly what packet-by-packet calls give. */
static void
test_burst_same_as_single(void)
{
	static const uint8_t tcpfl[] = {SYN, SYN | ACK, ACK, ACK | PSH, FIN | ACK, RST};
	struct weir_flow_table *a = mk(64, true, true), *b = mk(64, true, true);
	struct weir_flow_pkt p[45];
	struct weir_flow *fa[45], *fb[45];
	uint32_t oa, ob[45];
	uint64_t s = 7, now = S(1);
	unsigned int round, i, n;

	for (round = 0; round < 400; round++) {
		n = 1 + (unsigned int)(xorshift(&s) % 45);
		for (i = 0; i < n; i++) {
			uint64_t r = xorshift(&s);
			char x[16];

			snprintf(x, sizeof(x), "10.3.0.%u", (unsigned int)(r % 90));
			p[i] = (r >> 8) & 1
				       ? tcp(x, 1, V, 2, tcpfl[(r >> 9) % 6], (uint32_t)(r >> 32),
					     (uint32_t)(r >> 40), (uint32_t)(r >> 50) % 100, now)
				       : pkt((r >> 10) & 1 ? IPPROTO_UDP : IPPROTO_ICMP, V, 2, x, 1,
					     now);
			p[i].icmp_type = (uint8_t)((r >> 12) % 12);
			now += S(1) / 10;
		}
		weir_flow_burst_begin(a);
		weir_flow_burst_begin(b);
		weir_flow_process_burst(b, p, n, fb, ob);
		for (i = 0; i < n; i++) {
			fa[i] = weir_flow_process(a, &p[i], &oa);
			CU_ASSERT_FATAL((fa[i] == NULL) == (fb[i] == NULL));
			CU_ASSERT_FATAL(oa == ob[i]);
		}
		for (i = 0; i < n; i++) /* the same flows, in the same end state */
			if (fa[i] != NULL)
				CU_ASSERT_FATAL(fa[i]->id == fb[i]->id &&
						fa[i]->pkts[0] == fb[i]->pkts[0] &&
						fa[i]->bytes[1] == fb[i]->bytes[1] &&
						fa[i]->tcp_state == fb[i]->tcp_state &&
						fa[i]->dir[0].next_seq == fb[i]->dir[0].next_seq);
		weir_flow_expire(a, now, 8);
		weir_flow_expire(b, now, 8);
	}
	weir_flow_table_destroy(a);
	weir_flow_table_destroy(b);
}

/*
 * A packet that comes back after its flow's timeout, before the idle scan
 * reached the flow, starts a new flow (Suricata's FlowGetFlowFromHash with
 * FlowIsTimedOut); one nanosecond earlier it continues the old one. For
 * each class and state, so the lookup's shortcut (seen more recently than
 * the least timeout) never hides a timeout.
 */
static void
check_lookup_timeout(uint8_t proto, bool both_dirs, uint8_t last_tcp_flags, uint32_t want_s)
{
	for (int late = 0; late < 2; late++) {
		struct weir_flow_table *t = mk(16, false, true);
		struct weir_flow_pkt a = pkt(proto, C, 1, V, 2, S(100));
		struct weir_flow_pkt b = pkt(proto, V, 2, C, 1, S(100));
		struct weir_flow *f, *g;
		uint64_t id;
		uint32_t o;

		if (proto == IPPROTO_TCP) {
			a = tcp(C, 1, V, 2, SYN, 1000, 0, 0, S(100));
			f = weir_flow_process(t, &a, &o);
			if (both_dirs) {
				b = tcp(V, 2, C, 1, SYN | ACK, 5000, 1001, 0, S(100));
				weir_flow_process(t, &b, &o);
				a = tcp(C, 1, V, 2, ACK, 1001, 5001, 0, S(100));
				weir_flow_process(t, &a, &o);
			}
			if (last_tcp_flags) {
				b = tcp(V, 2, C, 1, last_tcp_flags, 5001, 1001, 0, S(100));
				weir_flow_process(t, &b, &o);
			}
			a = tcp(C, 1, V, 2, SYN, 7000, 0, 0, 0);
		} else {
			f = weir_flow_process(t, &a, &o);
			if (both_dirs)
				weir_flow_process(t, &b, &o);
		}
		CU_ASSERT_FATAL(f != NULL);
		CU_ASSERT_EQUAL_FATAL(weir_flow_timeout_of(t, f), want_s);
		id = f->id;
		a.ts_ns = S(100 + want_s) - (late ? 0 : 1);
		weir_flow_burst_begin(t);
		g = weir_flow_process(t, &a, &o);
		CU_ASSERT_FATAL(g != NULL);
		if (late) {
			CU_ASSERT(g->id != id);
			CU_ASSERT(o & WEIR_FLOW_PKT_NEW);
			CU_ASSERT_EQUAL(g_ended.n[WEIR_FLOW_END_TIMEOUT], 1);
		} else if (proto != IPPROTO_TCP || !last_tcp_flags) {
			/* (a SYN on a closed session is a port reuse instead) */
			CU_ASSERT_EQUAL(g->id, id);
			CU_ASSERT_EQUAL(g_ended.n[WEIR_FLOW_END_TIMEOUT], 0);
		}
		weir_flow_table_destroy(t);
	}
}

static void
test_lookup_timeouts(void)
{
	check_lookup_timeout(IPPROTO_TCP, false, 0, 60);
	check_lookup_timeout(IPPROTO_TCP, true, 0, 600);
	check_lookup_timeout(IPPROTO_TCP, true, RST | ACK, 60);
	check_lookup_timeout(IPPROTO_UDP, false, 0, 30);
	check_lookup_timeout(IPPROTO_UDP, true, 0, 300);
	check_lookup_timeout(IPPROTO_ICMP, false, 0, 30);
	check_lookup_timeout(47, true, 0, 300);
}

/*
 * weir_flow_prepare_key_after() gives exactly weir_flow_prepare_key()'s
 * key, hash and direction, whether the packet repeats the previous
 * packet's tuple, reverses it, or differs from it in any one field
 * (including bytes the key ignores), with VLAN tracking on and off.
 */
static void
test_prepare_key_after(void)
{
	static const uint8_t protos[] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6,
					 47};
	static const char *const v4[] = {"10.0.0.1", "10.0.0.2", "192.168.1.1"};
	static const char *const v6[] = {"2001:db8::1", "2001:db8::2", "fe80::1"};
	uint64_t s = 99;
	unsigned int same = 0, rev = 0, other = 0;

	for (int use_vlan = 0; use_vlan < 2; use_vlan++) {
		struct weir_flow_table *t = mk(64, true, use_vlan != 0);

		for (unsigned int round = 0; round < 20000; round++) {
			uint64_t r = xorshift(&s);
			const char *const *as = (r & 1) ? v6 : v4;
			struct weir_flow_pkt prev, p;
			struct weir_flow_ahead pa, a, want;

			prev = pkt(protos[(r >> 1) % 5], as[(r >> 4) % 3], (uint16_t)((r >> 6) % 3),
				   as[(r >> 8) % 3], (uint16_t)((r >> 10) % 3), S(1));
			prev.n_vlan = (uint8_t)((r >> 12) % 3);
			prev.vlan[0] = (uint16_t)((r >> 14) % 2);
			prev.vlan[1] = (uint16_t)((r >> 15) % 2);
			prev.depth = (uint8_t)((r >> 16) % 2);
			p = prev;
			if ((r >> 20) & 1) { /* the reply */
				memcpy(p.src, prev.dst, 16);
				memcpy(p.dst, prev.src, 16);
				p.sport = prev.dport;
				p.dport = prev.sport;
			}
			switch ((r >> 21) % 12) { /* then maybe one field changed */
			case 0:
				p.src[(r >> 30) % 16] ^= 1;
				break;
			case 1:
				p.dst[(r >> 30) % 16] ^= 0x80;
				break;
			case 2:
				p.sport++;
				break;
			case 3:
				p.dport ^= 0x100;
				break;
			case 4:
				p.vlan[(r >> 30) & 1] ^= 0x1000; /* outside the 12-bit id */
				break;
			case 5:
				p.n_vlan = (uint8_t)((p.n_vlan + 1) % 3);
				break;
			case 6:
				p.depth ^= 1;
				break;
			case 7:
				p.proto = p.proto == IPPROTO_TCP ? IPPROTO_UDP : IPPROTO_TCP;
				break;
			default:
				break;
			}
			p.tcp_flags = (uint8_t)(r >> 40); /* not part of the tuple */
			p.ts_ns = S(2);
			weir_flow_prepare_key(t, &prev, &pa);
			weir_flow_prepare_key(t, &p, &want);
			weir_flow_prepare_key_after(t, &p, &a, &prev, &pa);
			CU_ASSERT_FATAL(memcmp(&a.key, &want.key, sizeof(a.key)) == 0);
			CU_ASSERT_FATAL(a.hash == want.hash);
			CU_ASSERT_FATAL(a.src_is_1 == want.src_is_1);
			switch (weir_flow_tuple_cmp(&p, &prev)) {
			case 0:
				same++;
				break;
			case 1:
				rev++;
				break;
			default:
				other++;
				break;
			}
		}
		weir_flow_table_destroy(t);
	}
	/* every branch was taken many times */
	CU_ASSERT(same > 1000 && rev > 1000 && other > 1000);
}

int
main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("flow", NULL, NULL);
	CU_ADD_TEST(s, test_handshake);
	CU_ADD_TEST(s, test_handshake_ack_with_data);
	CU_ADD_TEST(s, test_synack_first_midstream_off);
	CU_ADD_TEST(s, test_synack_first_midstream_on);
	CU_ADD_TEST(s, test_midstream_off);
	CU_ADD_TEST(s, test_midstream_on);
	CU_ADD_TEST(s, test_rst);
	CU_ADD_TEST(s, test_fin);
	CU_ADD_TEST(s, test_seq_tracking);
	CU_ADD_TEST(s, test_tcp_reuse);
	CU_ADD_TEST(s, test_udp_both_directions);
	CU_ADD_TEST(s, test_icmp);
	CU_ADD_TEST(s, test_vlan_tracking);
	CU_ADD_TEST(s, test_symmetric_key);
	CU_ADD_TEST(s, test_timeouts);
	CU_ADD_TEST(s, test_expire_budget);
	CU_ADD_TEST(s, test_expire_after_close);
	CU_ADD_TEST(s, test_ipv4_key_ignores_tail);
	CU_ADD_TEST(s, test_table_full);
	CU_ADD_TEST(s, test_ids_stable_and_unique);
	CU_ADD_TEST(s, test_flush);
	CU_ADD_TEST(s, test_community_id);
	CU_ADD_TEST(s, test_random_sequence);
	CU_ADD_TEST(s, test_burst_same_as_single);
	CU_ADD_TEST(s, test_lookup_timeouts);
	CU_ADD_TEST(s, test_prepare_key_after);
	CU_ADD_TEST(s, test_prefault);
	return weir_ut_run();
}
