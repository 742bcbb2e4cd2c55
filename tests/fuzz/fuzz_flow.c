/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the flow table (app/flow.c), the worker's second step
 * (decode -> flow -> match). One input is a small table's configuration
 * followed by a program of operations on it: packets through
 * weir_flow_process() and weir_flow_process_burst(), ICMPv4 errors through
 * weir_flow_icmp_error(), weir_flow_burst_begin(), weir_flow_expire(),
 * weir_flow_flush() and jumps of packet time forward and back. Addresses,
 * ports and VLANs come from a few values each, so flows collide in buckets,
 * repeat, get reused, time out and are evicted from a 16-64 entry table
 * with timeouts of 0-7 s.
 *
 * After every operation the harness checks what the worker and the
 * summary rely on:
 * - the accounting identity active = created - timeout - evicted - reused
 *   - shutdown, active <= capacity, memory_bytes constant, emergency
 *   entered - exited = the emergency flag;
 * - on_end is called exactly once per ended flow: per reason the callbacks
 *   equal the counter's growth, an id ends only while live, and after the
 *   final flush every id that was created has ended;
 * - ids are unique (a flow marked NEW has an id never seen) and carry the
 *   worker id in their top 16 bits; a flow returned without NEW is live;
 * - a returned flow is the packet's flow: its endpoints are the packet's
 *   (either order), protocol and version match, VLANs when tracked; the
 *   direction flag says which endpoint sent the packet;
 * - within one burst no flow pointer is returned for two different keys,
 *   and no flow of the burst is ended by expiry or eviction;
 * - weir_flow_process_burst() gives what weir_flow_process() gives packet
 *   by packet: a twin table (same configuration and seed) gets every
 *   operation too, but its bursts in one call; per packet the flags and the
 *   flow (by id, read after the burst) are the same, and after every
 *   operation all counters and the sequence of ended flows (id, reason)
 *   are equal. The checks above run on the packet-by-packet table, whose
 *   results are final when returned (in a burst call a later packet may
 *   already have reused the flow an earlier one got);
 * - a flow ends with the packets and bytes the harness gave it, and a
 *   timeout from weir_flow_expire() only hits a flow idle past its timeout;
 * - NULL only where documented: ICMPv4 errors (counted in
 *   icmp_error_no_flow), a full table or emergency refusal (counted in
 *   refused / refused_emerg); the first packet of a flow is never
 *   established; an ICMP error never creates a flow.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "flow.h"
#include "fuzz.h"

#define FUZZ_WORKER	 7
#define FUZZ_NS		 1000000000ull
#define FUZZ_BURST_PKTS	 40 /* more than WEIR_FLOW_BURST_MAX: the split is reached */
#define FUZZ_MAX_PINNED	 8192
#define FUZZ_ID_LIVE	 1
#define FUZZ_ID_ENDED	 2
#define FUZZ_TCP_MIDSTRM 0x01
#define FUZZ_USE_VLAN	 0x02

/* Input reader: bytes past the end read as 0. */
struct fuzz_in {
	const uint8_t *p;
	size_t n, off;
};

static uint8_t
in_u8(struct fuzz_in *in)
{
	return in->off < in->n ? in->p[in->off++] : 0;
}

static uint32_t
in_u32(struct fuzz_in *in)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++)
		v = v << 8 | in_u8(in);
	return v;
}

/* Per flow id, what the harness saw: state, packets and bytes given. */
struct fuzz_id {
	uint8_t state;
	uint64_t pkts, bytes;
};

/* Canonical tuple, built here independently of flow.c. */
struct fuzz_key {
	uint8_t a[16], b[16];
	uint16_t pa, pb;
	uint16_t vlan[2];
	uint8_t proto, ver;
};

struct fuzz_pin {
	const struct weir_flow *f;
	struct fuzz_key k;
};

static struct {
	struct weir_flow_conf conf;
	struct weir_flow_table *t;
	struct fuzz_id *ids;
	size_t n_ids;
	uint64_t ends[WEIR_FLOW_END_MAX];
	struct fuzz_pin pins[FUZZ_MAX_PINNED];
	size_t n_pins;
	/* set around weir_flow_expire() for the callback's timeout check */
	bool in_expire, expire_emerg;
	uint64_t expire_now;
	bool in_flush;
	uint64_t end_hash; /* (id, reason) of every ended flow, in order */
} g;

/* The twin table: the same operations, bursts through one call. */
static struct {
	struct weir_flow_table *t;
	uint64_t end_hash;
} g2;

static uint64_t
fuzz_mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 31);
}

static void
fuzz_on_end2(void *arg, const struct weir_flow *f, enum weir_flow_end_reason reason)
{
	(void)arg;
	g2.end_hash = fuzz_mix(fuzz_mix(g2.end_hash, f->id), (uint64_t)reason);
}

static const uint8_t g_v4[4][4] = {{10, 0, 0, 1}, {10, 0, 0, 2}, {10, 0, 0, 3}, {192, 168, 1, 1}};
static const uint8_t g_v6[2][16] = {{0x20, 0x01, 0x0d, 0xb8, [15] = 1},
				    {0x20, 0x01, 0x0d, 0xb8, [15] = 2}};
static const uint16_t g_ports[4] = {80, 443, 40000, 0};
static const uint16_t g_vlans[4] = {0, 1, 100, 0x1064}; /* last: PCP bit set, id 100 */
static const uint32_t g_seqs[8] = {100, 101, 110, 500, 501, 510, 0xffffffffu, 0x7fffffffu};
static const uint8_t g_icmp_types[6] = {8, 0, 3, 11, 13, 5};

static struct fuzz_id *
fuzz_id(uint64_t id)
{
	uint64_t n = id & ((1ull << 48) - 1);

	FUZZ_CHECK(id >> 48 == FUZZ_WORKER, "flow id %#llx lacks worker id %d",
		   (unsigned long long)id, FUZZ_WORKER);
	FUZZ_CHECK(n > 0 && n < (1ull << 24), "flow id %llu out of range", (unsigned long long)n);
	if (n >= g.n_ids) {
		size_t m = g.n_ids ? g.n_ids : 256;
		struct fuzz_id *p;

		while (m <= n)
			m *= 2;
		p = realloc(g.ids, m * sizeof(*p));
		FUZZ_CHECK(p != NULL, "out of memory");
		memset(p + g.n_ids, 0, (m - g.n_ids) * sizeof(*p));
		g.ids = p;
		g.n_ids = m;
	}
	return &g.ids[n];
}

static void
fuzz_key_of(struct fuzz_key *k, const struct weir_flow_pkt *p,
	    const struct weir_flow_pkt *vlan_from)
{
	size_t alen = p->ip_version == 6 ? 16 : 4;
	int c;

	memset(k, 0, sizeof(*k));
	c = memcmp(p->src, p->dst, alen);
	if (c < 0 || (c == 0 && p->sport <= p->dport)) {
		memcpy(k->a, p->src, alen);
		memcpy(k->b, p->dst, alen);
		k->pa = p->sport;
		k->pb = p->dport;
	} else {
		memcpy(k->a, p->dst, alen);
		memcpy(k->b, p->src, alen);
		k->pa = p->dport;
		k->pb = p->sport;
	}
	k->proto = p->proto;
	k->ver = p->ip_version;
	if (g.conf.use_vlan) {
		k->vlan[0] = vlan_from->n_vlan > 0 ? vlan_from->vlan[0] & 0x0fff : 0;
		k->vlan[1] = vlan_from->n_vlan > 1 ? vlan_from->vlan[1] & 0x0fff : 0;
	}
}

static bool
fuzz_key_eq(const struct fuzz_key *x, const struct fuzz_key *y)
{
	return memcmp(x->a, y->a, 16) == 0 && memcmp(x->b, y->b, 16) == 0 && x->pa == y->pa &&
	       x->pb == y->pb && x->vlan[0] == y->vlan[0] && x->vlan[1] == y->vlan[1] &&
	       x->proto == y->proto && x->ver == y->ver;
}

static bool
fuzz_pinned(const struct weir_flow *f)
{
	size_t i;

	for (i = 0; i < g.n_pins; i++)
		if (g.pins[i].f == f)
			return true;
	return false;
}

static void
fuzz_on_end(void *arg, const struct weir_flow *f, enum weir_flow_end_reason reason)
{
	struct fuzz_id *id;

	FUZZ_CHECK(arg == &g, "on_end argument %p", arg);
	FUZZ_CHECK(f != NULL && (unsigned int)reason < WEIR_FLOW_END_MAX, "on_end(%p, %d)",
		   (const void *)f, (int)reason);
	id = fuzz_id(f->id);
	FUZZ_CHECK(id->state == FUZZ_ID_LIVE, "flow %#llx ended in state %d (reason %d)",
		   (unsigned long long)f->id, id->state, (int)reason);
	id->state = FUZZ_ID_ENDED;
	g.ends[reason]++;
	g.end_hash = fuzz_mix(fuzz_mix(g.end_hash, f->id), (uint64_t)reason);
	FUZZ_CHECK((uint64_t)f->pkts[0] + f->pkts[1] == id->pkts,
		   "flow %#llx ends with %u+%u packets, was given %llu", (unsigned long long)f->id,
		   f->pkts[0], f->pkts[1], (unsigned long long)id->pkts);
	FUZZ_CHECK(f->bytes[0] + f->bytes[1] == id->bytes,
		   "flow %#llx ends with %llu bytes, was given %llu", (unsigned long long)f->id,
		   (unsigned long long)(f->bytes[0] + f->bytes[1]), (unsigned long long)id->bytes);
	FUZZ_CHECK(f->last_ns >= f->start_ns, "flow %#llx last %llu < start %llu",
		   (unsigned long long)f->id, (unsigned long long)f->last_ns,
		   (unsigned long long)f->start_ns);
	if (reason == WEIR_FLOW_END_TIMEOUT || reason == WEIR_FLOW_END_EVICTED)
		FUZZ_CHECK(!fuzz_pinned(f), "flow %#llx of the current burst ended (reason %d)",
			   (unsigned long long)f->id, (int)reason);
	if (reason == WEIR_FLOW_END_SHUTDOWN)
		FUZZ_CHECK(g.in_flush, "shutdown end outside weir_flow_flush (flow %#llx)",
			   (unsigned long long)f->id);
	if (g.in_expire) {
		const struct weir_flow_timeouts *to =
			&g.conf.timeouts[weir_flow_proto_class(f->key.proto)];
		uint32_t s;

		FUZZ_CHECK(reason == WEIR_FLOW_END_TIMEOUT, "expire ended a flow with reason %d",
			   (int)reason);
		switch (f->state) {
		case WEIR_FLOW_STATE_ESTABLISHED:
			s = g.expire_emerg ? to->emerg_est_s : to->est_s;
			break;
		case WEIR_FLOW_STATE_CLOSED:
			s = g.expire_emerg ? to->emerg_closed_s : to->closed_s;
			break;
		default:
			s = g.expire_emerg ? to->emerg_new_s : to->new_s;
			break;
		}
		FUZZ_CHECK(g.expire_now >= f->last_ns + (uint64_t)s * FUZZ_NS,
			   "flow %#llx expired at %llu, last packet %llu, timeout %u s",
			   (unsigned long long)f->id, (unsigned long long)g.expire_now,
			   (unsigned long long)f->last_ns, s);
	}
}

static void
fuzz_check_stats(const struct weir_flow_stats *st, uint64_t mem)
{
	uint32_t cap = weir_flow_capacity(g.t);
	uint64_t ended = st->timeout + st->evicted + st->reused + st->shutdown;

	FUZZ_CHECK(st->created >= ended && st->active == st->created - ended,
		   "active %llu != created %llu - timeout %llu - evicted %llu - reused %llu - "
		   "shutdown %llu",
		   (unsigned long long)st->active, (unsigned long long)st->created,
		   (unsigned long long)st->timeout, (unsigned long long)st->evicted,
		   (unsigned long long)st->reused, (unsigned long long)st->shutdown);
	FUZZ_CHECK(st->active <= cap, "active %llu > capacity %u", (unsigned long long)st->active,
		   cap);
	FUZZ_CHECK(st->memory_bytes == mem, "memory_bytes %llu, was %llu",
		   (unsigned long long)st->memory_bytes, (unsigned long long)mem);
	FUZZ_CHECK(st->timeout == g.ends[WEIR_FLOW_END_TIMEOUT] &&
			   st->evicted == g.ends[WEIR_FLOW_END_EVICTED] &&
			   st->reused == g.ends[WEIR_FLOW_END_REUSE] &&
			   st->shutdown == g.ends[WEIR_FLOW_END_SHUTDOWN],
		   "callbacks timeout %llu evicted %llu reuse %llu shutdown %llu, counters %llu "
		   "%llu %llu %llu",
		   (unsigned long long)g.ends[WEIR_FLOW_END_TIMEOUT],
		   (unsigned long long)g.ends[WEIR_FLOW_END_EVICTED],
		   (unsigned long long)g.ends[WEIR_FLOW_END_REUSE],
		   (unsigned long long)g.ends[WEIR_FLOW_END_SHUTDOWN],
		   (unsigned long long)st->timeout, (unsigned long long)st->evicted,
		   (unsigned long long)st->reused, (unsigned long long)st->shutdown);
	FUZZ_CHECK(st->emerg_entered - st->emerg_exited == (weir_flow_emergency(g.t) ? 1u : 0u),
		   "emergency entered %llu exited %llu, flag %d",
		   (unsigned long long)st->emerg_entered, (unsigned long long)st->emerg_exited,
		   weir_flow_emergency(g.t));
}

/* One packet from the input, at time @p now. */
static void
fuzz_read_pkt(struct fuzz_in *in, struct weir_flow_pkt *p, uint64_t now)
{
	uint8_t a = in_u8(in), b = in_u8(in), c = in_u8(in), v = in_u8(in), s;

	memset(p, 0, sizeof(*p));
	p->ip_version = (a & 0x80) ? 6 : 4;
	if (p->ip_version == 6) {
		memcpy(p->src, g_v6[a & 1], 16);
		memcpy(p->dst, g_v6[(a >> 1) & 1], 16);
	} else {
		memcpy(p->src, g_v4[a & 3], 4);
		memcpy(p->dst, g_v4[(a >> 2) & 3], 4);
	}
	switch ((a >> 4) & 7) {
	case 0:
	case 1:
	case 2:
		p->proto = IPPROTO_TCP;
		break;
	case 3:
	case 4:
		p->proto = IPPROTO_UDP;
		break;
	case 5:
	case 6:
		p->proto = p->ip_version == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
		break;
	default:
		p->proto = IPPROTO_GRE;
		break;
	}
	if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) {
		p->sport = g_ports[b & 3];
		p->dport = g_ports[(b >> 2) & 3];
	}
	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6) {
		p->icmp_type = g_icmp_types[(b >> 4) % 6];
		p->icmp_code = b >> 7;
	}
	p->n_vlan = (uint8_t)(v % 3);
	p->vlan[0] = g_vlans[(v >> 2) & 3];
	p->vlan[1] = g_vlans[(v >> 4) & 3];
	if (p->proto == IPPROTO_TCP) {
		p->tcp_flags = in_u8(in);
		s = in_u8(in);
		p->tcp_seq = (s & 0x80) ? in_u32(in) : g_seqs[s & 7];
		s = in_u8(in);
		p->tcp_ack = (s & 0x80) ? in_u32(in) : g_seqs[s & 7];
		p->tcp_window = (uint16_t)(c << 8 | c);
		p->tcp_tfo = (p->tcp_flags & 0x02) && (c & 0x40);
	}
	p->payload_len = c & 0x3f;
	p->wire_len = 54 + p->payload_len;
	p->ts_ns = now;
}

/* The time of the next step: mostly small steps forward, some jumps. */
static uint64_t
fuzz_advance(struct fuzz_in *in, uint64_t now)
{
	uint8_t d = in_u8(in);

	if (d < 240)
		return now + (uint64_t)d * (FUZZ_NS / 10);
	if (d < 248)
		return now + (uint64_t)(d - 240) * 100 * FUZZ_NS;
	d = (uint8_t)(d - 247);
	return now > (uint64_t)d * FUZZ_NS ? now - (uint64_t)d * FUZZ_NS : 0;
}

static void
fuzz_pin(const struct weir_flow *f, const struct fuzz_key *k)
{
	size_t i;

	for (i = 0; i < g.n_pins; i++) {
		if (g.pins[i].f != f)
			continue;
		FUZZ_CHECK(fuzz_key_eq(&g.pins[i].k, k),
			   "flow pointer %p returned twice in one burst for different keys",
			   (const void *)f);
		return;
	}
	FUZZ_CHECK(g.n_pins < FUZZ_MAX_PINNED, "too many pins");
	g.pins[g.n_pins].f = f;
	g.pins[g.n_pins].k = *k;
	g.n_pins++;
}

static bool
fuzz_is_icmpv4_error(const struct weir_flow_pkt *p)
{
	return p->proto == IPPROTO_ICMP &&
	       (p->icmp_type == 3 || p->icmp_type == 4 || p->icmp_type == 5 || p->icmp_type == 11 ||
		p->icmp_type == 12);
}

/*
 * What weir_flow_process() or the burst returned for @p p: check it and
 * account the packet to its flow. @p icmp_err: weir_flow_icmp_error() with
 * @p key the quoted tuple's.
 */
static void
fuzz_check_result(const struct weir_flow_pkt *p, const struct fuzz_key *key,
		  const struct weir_flow *f, uint32_t fl, bool icmp_err)
{
	size_t alen = p->ip_version == 6 ? 16 : 4;
	struct weir_flow_stats st;
	struct fuzz_key fk;
	struct fuzz_id *id;
	int dir;

	if (f == NULL) {
		FUZZ_CHECK(fl == 0, "no flow but flags %#x", fl);
		if (icmp_err || fuzz_is_icmpv4_error(p))
			return;
		weir_flow_stats_get(g.t, &st);
		FUZZ_CHECK(st.active == weir_flow_capacity(g.t) || weir_flow_emergency(g.t),
			   "no flow with %llu of %u entries active, not in emergency",
			   (unsigned long long)st.active, weir_flow_capacity(g.t));
		return;
	}
	FUZZ_CHECK(!icmp_err || !(fl & WEIR_FLOW_PKT_NEW), "an ICMP error created a flow");
	FUZZ_CHECK(!fuzz_is_icmpv4_error(p) || icmp_err,
		   "an ICMPv4 error got a flow through weir_flow_process");
	/* the flow is the packet's (or the quoted packet's) */
	memset(&fk, 0, sizeof(fk));
	fk.proto = f->key.proto;
	fk.ver = f->key.ip_version;
	fk.vlan[0] = f->key.vlan[0];
	fk.vlan[1] = f->key.vlan[1];
	{
		const uint8_t *ca = weir_flow_addr(f, 0), *sa = weir_flow_addr(f, 1);
		uint16_t cp = weir_flow_port(f, 0), sp = weir_flow_port(f, 1);
		int c = memcmp(ca, sa, 16);

		if (c < 0 || (c == 0 && cp <= sp)) {
			memcpy(fk.a, ca, 16);
			memcpy(fk.b, sa, 16);
			fk.pa = cp;
			fk.pb = sp;
		} else {
			memcpy(fk.a, sa, 16);
			memcpy(fk.b, ca, 16);
			fk.pa = sp;
			fk.pb = cp;
		}
	}
	FUZZ_CHECK(fuzz_key_eq(&fk, key), "flow %#llx is not the packet's flow",
		   (unsigned long long)f->id);
	fuzz_pin(f, key);

	FUZZ_CHECK(((fl & WEIR_FLOW_PKT_TOSERVER) != 0) + ((fl & WEIR_FLOW_PKT_TOCLIENT) != 0) == 1,
		   "flags %#x: not exactly one direction", fl);
	if (!icmp_err && (memcmp(p->src, p->dst, alen) != 0 || p->sport != p->dport)) {
		dir = (fl & WEIR_FLOW_PKT_TOSERVER) ? 0 : 1;
		FUZZ_CHECK(memcmp(p->src, weir_flow_addr(f, dir), alen) == 0 &&
				   p->sport == weir_flow_port(f, dir),
			   "flags %#x: the packet's sender is not the flow's %s", fl,
			   dir ? "server" : "client");
	}
	if (fl & WEIR_FLOW_PKT_NEW)
		FUZZ_CHECK(!(fl & WEIR_FLOW_PKT_ESTABLISHED),
			   "a flow's first packet is established");

	id = fuzz_id(f->id);
	if (fl & WEIR_FLOW_PKT_NEW) {
		FUZZ_CHECK(id->state == 0, "new flow %#llx has an id seen before (state %d)",
			   (unsigned long long)f->id, id->state);
		id->state = FUZZ_ID_LIVE;
	} else {
		FUZZ_CHECK(id->state == FUZZ_ID_LIVE, "flow %#llx returned in state %d",
			   (unsigned long long)f->id, id->state);
	}
	id->pkts++;
	id->bytes += p->wire_len;
}

static void
fuzz_burst_begin(void)
{
	weir_flow_burst_begin(g.t);
	weir_flow_burst_begin(g2.t);
	g.n_pins = 0;
}

/* The twin agrees with the packet-by-packet table on one packet. */
static void
fuzz_check_twin(unsigned int j, const struct weir_flow *f1, uint32_t ff1,
		const struct weir_flow *f2, uint32_t ff2)
{
	FUZZ_CHECK((f1 == NULL) == (f2 == NULL) && ff1 == ff2,
		   "packet %u: alone flow %p flags %#x, in a burst flow %p flags %#x", j,
		   (const void *)f1, ff1, (const void *)f2, ff2);
	FUZZ_CHECK(f1 == NULL || f1->id == f2->id, "packet %u: alone flow %#llx, in a burst %#llx",
		   j, (unsigned long long)f1->id, (unsigned long long)f2->id);
}

static void
fuzz_check_twin_stats(const struct weir_flow_stats *st)
{
	struct weir_flow_stats st2;

	weir_flow_stats_get(g2.t, &st2);
	FUZZ_CHECK(memcmp(st, &st2, sizeof(st2)) == 0,
		   "twin counters differ: created %llu/%llu active %llu/%llu refused %llu/%llu",
		   (unsigned long long)st->created, (unsigned long long)st2.created,
		   (unsigned long long)st->active, (unsigned long long)st2.active,
		   (unsigned long long)st->refused, (unsigned long long)st2.refused);
	FUZZ_CHECK(g.end_hash == g2.end_hash, "the twin ended other flows or in another order");
	FUZZ_CHECK(weir_flow_emergency(g.t) == weir_flow_emergency(g2.t),
		   "twin emergency flags differ");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {.p = data, .n = size, .off = 0};
	static const uint8_t recov[4] = {0, 10, 30, 100};
	struct weir_flow_stats st, st0;
	uint64_t now = 1000 * FUZZ_NS, mem;
	uint8_t b0, b1, tb[6];
	int i, pr, steps = 0;

	memset(g.ends, 0, sizeof(g.ends));
	g.n_pins = 0;
	if (g.ids != NULL)
		memset(g.ids, 0, g.n_ids * sizeof(*g.ids));
	g.in_expire = g.in_flush = false;
	g.end_hash = g2.end_hash = 0;

	b0 = in_u8(&in);
	b1 = in_u8(&in);
	for (i = 0; i < 6; i++)
		tb[i] = in_u8(&in);
	weir_flow_conf_defaults(&g.conf);
	g.conf.entries = 16 + b0 % 49u; /* 16..64 */
	g.conf.seed = b1 >> 4;		/* few seeds: the buckets differ */
	g.conf.worker_id = FUZZ_WORKER;
	g.conf.midstream = (b1 & FUZZ_TCP_MIDSTRM) != 0;
	g.conf.use_vlan = (b1 & FUZZ_USE_VLAN) != 0;
	g.conf.emergency_recovery = recov[(b1 >> 2) & 3];
	for (pr = 0; pr < WEIR_FLOW_PROTO_MAX; pr++) {
		struct weir_flow_timeouts *to = &g.conf.timeouts[pr];

		to->new_s = (tb[0] + pr) & 7u;
		to->est_s = (tb[1] + pr) & 7u;
		to->closed_s = (tb[2] + pr) & 7u;
		to->emerg_new_s = (tb[3] + pr) & 7u;
		to->emerg_est_s = (tb[4] + pr) & 7u;
		to->emerg_closed_s = (tb[5] + pr) & 7u;
	}
	g.conf.on_end = fuzz_on_end;
	g.conf.on_end_arg = &g;
	g.t = weir_flow_table_create(&g.conf);
	FUZZ_CHECK(g.t != NULL, "weir_flow_table_create failed");
	g.conf.on_end = fuzz_on_end2;
	g.conf.on_end_arg = &g2;
	g2.t = weir_flow_table_create(&g.conf);
	FUZZ_CHECK(g2.t != NULL, "weir_flow_table_create failed");
	g.conf.on_end = fuzz_on_end;
	g.conf.on_end_arg = &g;
	weir_flow_stats_get(g.t, &st);
	mem = st.memory_bytes;
	FUZZ_CHECK(mem > 0, "memory_bytes 0");
	fuzz_burst_begin();

	while (in.off < in.n && steps++ < 20000) {
		uint8_t op = in_u8(&in);
		struct weir_flow_pkt pk[FUZZ_BURST_PKTS], q;
		struct weir_flow *fl[FUZZ_BURST_PKTS], *fl2[FUZZ_BURST_PKTS];
		uint32_t ff[FUZZ_BURST_PKTS], ff2[FUZZ_BURST_PKTS];
		struct fuzz_key k;
		unsigned int n, j, got, nerr;

		weir_flow_stats_get(g.t, &st0);
		switch (op & 15) {
		default: /* 0..8: one packet */
			now = fuzz_advance(&in, now);
			fuzz_read_pkt(&in, &pk[0], now);
			fl[0] = weir_flow_process(g.t, &pk[0], &ff[0]);
			fl2[0] = weir_flow_process(g2.t, &pk[0], &ff2[0]);
			fuzz_check_twin(0, fl[0], ff[0], fl2[0], ff2[0]);
			fuzz_key_of(&k, &pk[0], &pk[0]);
			fuzz_check_result(&pk[0], &k, fl[0], ff[0], false);
			weir_flow_stats_get(g.t, &st);
			FUZZ_CHECK(st.created - st0.created ==
					   (fl[0] != NULL && (ff[0] & WEIR_FLOW_PKT_NEW) ? 1u : 0u),
				   "created grew by %llu for one packet",
				   (unsigned long long)(st.created - st0.created));
			FUZZ_CHECK(st.icmp_error_no_flow - st0.icmp_error_no_flow ==
					   (fuzz_is_icmpv4_error(&pk[0]) ? 1u : 0u),
				   "icmp_error_no_flow grew by %llu",
				   (unsigned long long)(st.icmp_error_no_flow -
							st0.icmp_error_no_flow));
			FUZZ_CHECK(
				(st.refused + st.refused_emerg) -
						(st0.refused + st0.refused_emerg) ==
					(fl[0] == NULL && !fuzz_is_icmpv4_error(&pk[0]) ? 1u : 0u),
				"refused counters do not match one refusal");
			break;
		case 9: /* an ICMPv4 error quoting a packet */
			now = fuzz_advance(&in, now);
			fuzz_read_pkt(&in, &q, now);
			fuzz_read_pkt(&in, &pk[0], now);
			pk[0].proto = IPPROTO_ICMP;
			pk[0].ip_version = 4;
			memset(pk[0].src + 4, 0, 12);
			memset(pk[0].dst + 4, 0, 12);
			pk[0].sport = pk[0].dport = 0;
			pk[0].icmp_type = 3;
			if (q.ip_version != 4) {
				q.ip_version = 4;
				memcpy(q.src, g_v4[q.src[15] & 3], 4);
				memcpy(q.dst, g_v4[q.dst[15] & 3], 4);
				memset(q.src + 4, 0, 12);
				memset(q.dst + 4, 0, 12);
			}
			fl[0] = weir_flow_icmp_error(g.t, &pk[0], &q, &ff[0]);
			fl2[0] = weir_flow_icmp_error(g2.t, &pk[0], &q, &ff2[0]);
			fuzz_check_twin(0, fl[0], ff[0], fl2[0], ff2[0]);
			fuzz_key_of(&k, &q, &pk[0]);
			fuzz_check_result(&pk[0], &k, fl[0], ff[0], true);
			weir_flow_stats_get(g.t, &st);
			FUZZ_CHECK(st.created == st0.created, "an ICMP error created a flow");
			FUZZ_CHECK(st.icmp_error_no_flow - st0.icmp_error_no_flow ==
					   (fl[0] == NULL ? 1u : 0u),
				   "icmp_error_no_flow grew by %llu",
				   (unsigned long long)(st.icmp_error_no_flow -
							st0.icmp_error_no_flow));
			break;
		case 10: /* a burst of packets */
			n = 1 + in_u8(&in) % FUZZ_BURST_PKTS;
			for (j = 0, nerr = 0; j < n; j++) {
				now = fuzz_advance(&in, now);
				fuzz_read_pkt(&in, &pk[j], now);
				nerr += fuzz_is_icmpv4_error(&pk[j]);
			}
			for (j = 0; j < n; j++) {
				fl[j] = weir_flow_process(g.t, &pk[j], &ff[j]);
				fuzz_key_of(&k, &pk[j], &pk[j]);
				fuzz_check_result(&pk[j], &k, fl[j], ff[j], false);
			}
			got = weir_flow_process_burst(g2.t, pk, n, fl2, ff2);
			for (j = 0; j < n; j++) {
				fuzz_check_twin(j, fl[j], ff[j], fl2[j], ff2[j]);
				got -= fl2[j] != NULL;
			}
			FUZZ_CHECK(got == 0, "burst return differs from its non-NULL flows");
			weir_flow_stats_get(g.t, &st);
			FUZZ_CHECK(st.icmp_error_no_flow - st0.icmp_error_no_flow == nerr,
				   "burst: icmp_error_no_flow grew by %llu, %u errors",
				   (unsigned long long)(st.icmp_error_no_flow -
							st0.icmp_error_no_flow),
				   nerr);
			break;
		case 11: /* expiry */
			g.in_expire = true;
			g.expire_now = now;
			g.expire_emerg = weir_flow_emergency(g.t);
			n = in_u8(&in) % 80u;
			got = weir_flow_expire(g.t, now, n);
			g.in_expire = false;
			FUZZ_CHECK(weir_flow_expire(g2.t, now, n) == got,
				   "twin expired other flows");
			break;
		case 12:
		case 13:
			fuzz_burst_begin();
			break;
		case 14: /* flush: every flow ends, the table stays usable */
			g.in_flush = true;
			got = weir_flow_flush(g.t);
			g.in_flush = false;
			FUZZ_CHECK(weir_flow_flush(g2.t) == got, "twin flushed other flows");
			g.n_pins = 0; /* every pointer of the burst is stale now */
			weir_flow_stats_get(g.t, &st);
			FUZZ_CHECK(st.active == 0, "%llu flows active after a flush",
				   (unsigned long long)st.active);
			break;
		case 15:
			now = fuzz_advance(&in, now);
			break;
		}
		weir_flow_stats_get(g.t, &st);
		fuzz_check_stats(&st, mem);
		fuzz_check_twin_stats(&st);
	}

	g.in_flush = true;
	(void)weir_flow_flush(g.t);
	g.in_flush = false;
	(void)weir_flow_flush(g2.t);
	weir_flow_stats_get(g.t, &st);
	fuzz_check_stats(&st, mem);
	fuzz_check_twin_stats(&st);
	FUZZ_CHECK(st.active == 0, "%llu flows active after the last flush",
		   (unsigned long long)st.active);
	for (size_t n = 1; n < g.n_ids; n++)
		FUZZ_CHECK(g.ids[n].state != FUZZ_ID_LIVE, "flow %zu never ended", n);
	weir_flow_table_destroy(g.t);
	weir_flow_table_destroy(g2.t);
	g.t = g2.t = NULL;
	return 0;
}
