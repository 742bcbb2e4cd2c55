/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table (see flow.h): the worker's per-packet flow lookup and update,
 * TCP session tracking after Suricata's stream-tcp.c, incremental expiry
 * and emergency eviction. Hot: weir_flow_process(); everything else runs
 * between bursts or at start and stop.
 *
 * Layout: a power-of-two array of bucket heads (slot indices) and a fixed
 * array of flows chained per bucket through weir_flow::next; free slots
 * form a LIFO list through the same field. Chains rather than open
 * addressing: deletion (expiry, eviction) needs no tombstones, the cursor
 * walks the flow array directly, and a lookup costs one bucket read plus
 * one flow line per chain element (load <= 1).
 *
 * Idle scan: a rotating cursor over the slots, reading first a dense
 * array of per-slot due seconds (a lower bound of when the flow can time
 * out), so a pass costs 4 bytes per slot until a flow may be due.
 *
 * Memory: reserved whole at create (one anonymous mapping, so its pages
 * are zero until written), but only the header and the bucket heads are
 * written then. Slots are handed out in order up to a high-water mark
 * before the free list is used, so the flow array's pages are touched as
 * the table first fills: a 128 MiB table costs nothing at start, and the
 * expiry cursor and flush walk only the slots ever used.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "flow.h"
#include "prefault.h"

#define FLOW_NONE	 UINT32_MAX    /* end of chain / empty bucket */
#define FLOW_EVICT_SCAN	 64	       /* slots sampled per emergency eviction */
#define FLOW_NS		 1000000000ull /* ns per s */
#define FLOW_MAX_ENTRIES (1u << 30)
#define FLOW_HUGE	 (2u << 20) /* huge page size the table is aligned to */
#define FLOW_HASH_KEYS	 8	    /* secrets of the key hash, from the seed */

/* TCP header flags (netinet/tcp.h's TH_* need _DEFAULT_SOURCE; keep ours). */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

/* Largest window RFC 7323 allows (65535 << 14): a segment further than
 * this from next_seq cannot be in window whatever the scale factor, which
 * this module does not see (no TCP options). */
#define TCP_MAX_WINDOW (65535u << 14)

/* Serial number arithmetic (RFC 1982) on 32-bit sequence numbers. */
#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) >= 0)

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

_Static_assert(sizeof(struct weir_flow_key) == 48, "key is six 64-bit words");
_Static_assert(offsetof(struct weir_flow_key, port) == 32 &&
		       offsetof(struct weir_flow_key, vlan) == 36 &&
		       offsetof(struct weir_flow_key, proto) == 40 &&
		       offsetof(struct weir_flow_key, ip_version) == 41 &&
		       offsetof(struct weir_flow_key, depth) == 42,
	       "flow_key_words builds this layout");
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "flow_key_words assumes little-endian");
_Static_assert(offsetof(struct weir_flow, id) == 64, "lookup fields fill line 0");
_Static_assert(offsetof(struct weir_flow, epoch) < 64 && offsetof(struct weir_flow, last_ns) < 64,
	       "the idle scan reads line 0 only (until a flow may be due)");
_Static_assert(sizeof(struct weir_flow) == 256, "a flow is four cache lines");

struct weir_flow_table {
	/* hot: every packet */
	uint32_t *buckets;
	struct weir_flow *flows;
	uint32_t mask;		       /* buckets - 1 */
	uint32_t free_head;	       /* free list */
	uint32_t n_free;	       /* free-list slots plus slots never used */
	uint32_t hwm;		       /* slots ever handed out: [0, hwm) */
	uint32_t epoch;		       /* current burst */
	uint64_t hkey[FLOW_HASH_KEYS]; /* the hash's secrets (flow_hash_words) */
	uint64_t next_id;
	bool use_vlan;
	bool midstream;
	bool emerg;
	/* timeouts in ns, [emerg][class][state], and per class the least of
	 * the states a flow of that class can be in (the idle scan's
	 * one-line test: a flow seen more recently than that is not due) */
	uint64_t to_ns[2][WEIR_FLOW_PROTO_MAX][WEIR_FLOW_STATE_MAX];
	uint64_t min_ns[2][WEIR_FLOW_PROTO_MAX];
	/* the least of them all: a flow seen less than this ago has not
	 * timed out, whatever its class, state or the table's mode (the
	 * lookup's test, before it reads the class and the state) */
	uint64_t min_all_ns;
	/* per slot, a lower bound of the second its flow times out at with
	 * the normal timeouts (UINT32_MAX: free): the idle scan reads this
	 * dense array and a flow's own lines only once the bound is reached */
	uint32_t *due_s;
	/* between bursts */
	uint32_t capacity;
	uint32_t expire_cursor;
	uint32_t evict_cursor;
	uint32_t recovery_free; /* free slots needed to leave emergency */
	struct weir_flow_timeouts timeouts[WEIR_FLOW_PROTO_MAX];
	weir_flow_end_fn on_end;
	void *on_end_arg;
	struct weir_flow_stats st;
	size_t alloc_bytes;
} __attribute__((aligned(64)));

/* A slot is in use iff its epoch is non-zero: epochs start at 1. */
static inline bool
flow_in_use(const struct weir_flow *f)
{
	return f->epoch != 0;
}

void
weir_flow_conf_defaults(struct weir_flow_conf *conf)
{
	static const struct weir_flow_timeouts tcp = {60, 600, 60, 5, 100, 10};
	static const struct weir_flow_timeouts other = {30, 300, 0, 10, 100, 0};

	memset(conf, 0, sizeof(*conf));
	conf->memcap = 128ull << 20;
	conf->use_vlan = true;
	conf->midstream = false;
	conf->emergency_recovery = 30;
	conf->timeouts[WEIR_FLOW_PROTO_DEFAULT] = other;
	conf->timeouts[WEIR_FLOW_PROTO_TCP] = tcp;
	conf->timeouts[WEIR_FLOW_PROTO_UDP] = other;
	conf->timeouts[WEIR_FLOW_PROTO_ICMP] = other;
}

static inline enum weir_flow_proto
flow_class(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return WEIR_FLOW_PROTO_TCP;
	case IPPROTO_UDP:
		return WEIR_FLOW_PROTO_UDP;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return WEIR_FLOW_PROTO_ICMP;
	default:
		return WEIR_FLOW_PROTO_DEFAULT;
	}
}

enum weir_flow_proto
weir_flow_proto_class(uint8_t proto)
{
	return flow_class(proto);
}

static uint32_t
flow_pow2_at_least(uint32_t n)
{
	uint32_t b = 1;

	while (b < n)
		b <<= 1;
	return b;
}

/* Bytes allocated for @p entries: whole huge pages from 2 MiB up. */
static size_t
flow_table_bytes(uint32_t entries)
{
	size_t b = sizeof(struct weir_flow_table) +
		   (size_t)flow_pow2_at_least(entries) * sizeof(uint32_t) +
		   (size_t)entries * sizeof(uint32_t) + 64 +
		   (size_t)entries * sizeof(struct weir_flow);
	size_t align = b >= FLOW_HUGE ? FLOW_HUGE : 64;

	return (b + align - 1) & ~(align - 1);
}

uint32_t
weir_flow_entries_for_memcap(uint64_t bytes)
{
	/* Flow, its due second and at most 2 bucket heads per flow
	 * (power-of-two rounding):
	 * a first guess, then step down until it fits. */
	uint64_t n = bytes / (sizeof(struct weir_flow) + 3 * sizeof(uint32_t));

	if (n > FLOW_MAX_ENTRIES)
		n = FLOW_MAX_ENTRIES;
	while (n > 0 && flow_table_bytes((uint32_t)n) > bytes)
		n -= n / 64 + 1;
	return (uint32_t)n;
}

/*
 * An anonymous mapping of @p bytes; from 2 MiB up (then a multiple of
 * 2 MiB, flow_table_bytes) aligned to 2 MiB, so that every 2 MiB of it can
 * be one transparent huge page: mmap alone aligns only to 4 KiB. The
 * slack mapped for the alignment is given back at once.
 * @return the mapping (munmap(p, bytes) frees it) or NULL.
 */
static uint8_t *
flow_map(size_t bytes)
{
	size_t map = bytes >= FLOW_HUGE ? bytes + FLOW_HUGE : bytes;
	uint8_t *raw = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;
	size_t head;

	if (raw == MAP_FAILED)
		return NULL;
	if (map == bytes)
		return raw;
	a = ((uintptr_t)raw + FLOW_HUGE - 1) & ~(uintptr_t)(FLOW_HUGE - 1);
	head = a - (uintptr_t)raw;
	if (head != 0)
		munmap(raw, head);
	if (map - head - bytes != 0)
		munmap((uint8_t *)a + bytes, map - head - bytes);
	return (uint8_t *)a;
}

/* The ns tables of the timeouts (struct weir_flow_table::to_ns). */
static void
flow_timeouts_ns(struct weir_flow_table *t)
{
	unsigned int e, c;

	t->min_all_ns = UINT64_MAX;
	for (e = 0; e < 2; e++) {
		for (c = 0; c < WEIR_FLOW_PROTO_MAX; c++) {
			const struct weir_flow_timeouts *to = &t->timeouts[c];
			uint64_t *ns = t->to_ns[e][c];

			ns[WEIR_FLOW_STATE_NEW] =
				(uint64_t)(e ? to->emerg_new_s : to->new_s) * FLOW_NS;
			ns[WEIR_FLOW_STATE_ESTABLISHED] =
				(uint64_t)(e ? to->emerg_est_s : to->est_s) * FLOW_NS;
			ns[WEIR_FLOW_STATE_CLOSED] =
				(uint64_t)(e ? to->emerg_closed_s : to->closed_s) * FLOW_NS;
			/* only TCP flows reach CLOSED (tcp_set_state) */
			t->min_ns[e][c] = ns[WEIR_FLOW_STATE_NEW] < ns[WEIR_FLOW_STATE_ESTABLISHED]
						  ? ns[WEIR_FLOW_STATE_NEW]
						  : ns[WEIR_FLOW_STATE_ESTABLISHED];
			if (c == WEIR_FLOW_PROTO_TCP &&
			    ns[WEIR_FLOW_STATE_CLOSED] < t->min_ns[e][c])
				t->min_ns[e][c] = ns[WEIR_FLOW_STATE_CLOSED];
			if (t->min_ns[e][c] < t->min_all_ns)
				t->min_all_ns = t->min_ns[e][c];
		}
	}
}

/* The hash's secrets: splitmix64 of the seed, odd (a multiplier never
 * 0), so two tables seeded alike hash alike. */
static void
flow_hash_keys(uint64_t k[FLOW_HASH_KEYS], uint64_t seed)
{
	unsigned int i;

	for (i = 0; i < FLOW_HASH_KEYS; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ull);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		k[i] = (z ^ (z >> 31)) | 1;
	}
}

struct weir_flow_table *
weir_flow_table_create(const struct weir_flow_conf *conf)
{
	struct weir_flow_table *t;
	uint32_t entries = conf->entries, nb, i;
	size_t bytes;
	uint8_t *mem;

	if (entries == 0)
		entries = weir_flow_entries_for_memcap(conf->memcap);
	if (entries == 0 || entries > FLOW_MAX_ENTRIES || conf->emergency_recovery > 100) {
		errno = EINVAL;
		return NULL;
	}
	nb = flow_pow2_at_least(entries);
	bytes = flow_table_bytes(entries);
	/* Zero pages until written (or backed at once: conf->prefault);
	 * where the kernel does transparent huge pages on request, backed by
	 * them: a lookup at 1 M flows would otherwise pay a TLB miss per
	 * cache miss. */
	mem = flow_map(bytes);
	if (mem == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (bytes >= FLOW_HUGE)
		(void)madvise(mem, bytes, MADV_HUGEPAGE); /* advice only: fine if refused */
	/* backed now, not by the worker's first touch of each page (a 2 MiB
	 * zeroing per huge page, on a new flow's packet); a failure leaves
	 * the pages to be faulted in as before */
	if (conf->prefault)
		(void)weir_prefault(mem, bytes);

	t = (struct weir_flow_table *)mem;
	t->buckets = (uint32_t *)(mem + sizeof(*t));
	t->due_s = t->buckets + nb;
	t->flows = (struct weir_flow *)(((uintptr_t)(t->due_s + entries) + 63) & ~(uintptr_t)63);
	t->mask = nb - 1;
	t->capacity = entries;
	flow_hash_keys(t->hkey, conf->seed);
	t->next_id = ((uint64_t)conf->worker_id << 48) + 1; /* 0: "no flow" in events */
	t->use_vlan = conf->use_vlan;
	t->midstream = conf->midstream;
	t->epoch = 1;
	t->recovery_free = (uint32_t)(((uint64_t)entries * conf->emergency_recovery + 99) / 100);
	memcpy(t->timeouts, conf->timeouts, sizeof(t->timeouts));
	flow_timeouts_ns(t);
	t->on_end = conf->on_end;
	t->on_end_arg = conf->on_end_arg;
	t->alloc_bytes = bytes;
	t->st.memory_bytes = bytes;

	for (i = 0; i < nb; i++)
		t->buckets[i] = FLOW_NONE;
	t->free_head = FLOW_NONE;
	t->hwm = 0;
	t->n_free = entries;
	return t;
}

void
weir_flow_table_destroy(struct weir_flow_table *t)
{
	if (t != NULL)
		munmap(t, t->alloc_bytes);
}

static inline void
flow_burst_begin(struct weir_flow_table *t)
{
	/* 0 marks a free slot: skip it when the counter wraps (after 2^32
	 * bursts a stale flow could look pinned for one burst: harmless). */
	if (unlikely(++t->epoch == 0))
		t->epoch = 1;
}

void
weir_flow_burst_begin(struct weir_flow_table *t)
{
	flow_burst_begin(t);
}

uint32_t
weir_flow_capacity(const struct weir_flow_table *t)
{
	return t->capacity;
}

bool
weir_flow_emergency(const struct weir_flow_table *t)
{
	return t->emerg;
}

void
weir_flow_stats_get(const struct weir_flow_table *t, struct weir_flow_stats *st)
{
#define FLOW_COPY(name, doc) st->name = __atomic_load_n(&t->st.name, __ATOMIC_RELAXED);
	WEIR_FLOW_COUNTERS(FLOW_COPY)
#undef FLOW_COPY
}

/* ---- key and hash ---------------------------------------------------- */

/* 64 x 64 -> 128-bit multiply, folded: the mixing step of wyhash */
static inline uint64_t
flow_mum(uint64_t a, uint64_t b)
{
	unsigned __int128 r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* Word by word, straight from both keys (copying them to arrays first
 * made GCC store them as 16-byte vectors and read 8-byte halves back:
 * store-forwarding stalls on the lookup). */
static inline bool
flow_key_eq(const struct weir_flow_key *a, const struct weir_flow_key *b)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;

	return ((weir_flow_ld64(x) ^ weir_flow_ld64(y)) |
		(weir_flow_ld64(x + 8) ^ weir_flow_ld64(y + 8)) |
		(weir_flow_ld64(x + 16) ^ weir_flow_ld64(y + 16)) |
		(weir_flow_ld64(x + 24) ^ weir_flow_ld64(y + 24)) |
		(weir_flow_ld64(x + 32) ^ weir_flow_ld64(y + 32)) |
		(weir_flow_ld64(x + 40) ^ weir_flow_ld64(y + 40))) == 0;
}

static inline int
flow_key_words(uint64_t w[6], const struct weir_flow_pkt *p, bool use_vlan,
	       const struct weir_flow_pkt *vlan_from)
{
	uint64_t s[2], d[2], sh, dh, sl, dl, v0 = 0, v1 = 0, m;
	unsigned __int128 sa, da;
	uint16_t sp = p->sport, dp = p->dport;
	int swap;

	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6)
		sp = dp = 0;
	/* The addresses as two words each, IPv4 masked to its 4 bytes (so
	 * nothing past them counts even if the caller left it dirty), and
	 * compared as big-endian numbers: the same order as memcmp over the
	 * address length, without a call or a variable-length copy. */
	/* word loads: a 16-byte copy to an array was stored as a vector
	 * and read back */
	s[0] = weir_flow_ld64(p->src);
	s[1] = weir_flow_ld64(p->src + 8);
	d[0] = weir_flow_ld64(p->dst);
	d[1] = weir_flow_ld64(p->dst + 8);
	m = p->ip_version != 6 ? 0 : ~0ull; /* v4: only the first 4 bytes */
	s[0] &= 0xffffffffull | m;	    /* (little-endian) */
	d[0] &= 0xffffffffull | m;
	s[1] &= m;
	d[1] &= m;
	sh = __builtin_bswap64(s[0]);
	dh = __builtin_bswap64(d[0]);
	sl = __builtin_bswap64(s[1]);
	dl = __builtin_bswap64(d[1]);
	/* (source address, port) > (destination address, port), without
	 * branches: the addresses as 128-bit numbers */
	sa = (unsigned __int128)sh << 64 | sl;
	da = (unsigned __int128)dh << 64 | dl;
	swap = (sa > da) | ((sa == da) & (sp > dp));
	if (use_vlan) {
		v0 = vlan_from->n_vlan > 0 ? vlan_from->vlan[0] & 0x0fff : 0;
		v1 = vlan_from->n_vlan > 1 ? vlan_from->vlan[1] & 0x0fff : 0;
	}
	/* the key's bytes as six little-endian words, built in registers (a
	 * key written field by field and read back as words stalls on store
	 * forwarding): addr[0], addr[1], port[2] vlan[2], proto ip_version
	 * depth and zero padding; the swap as masks */
	m = -(uint64_t)swap;
	w[0] = s[0] ^ ((s[0] ^ d[0]) & m);
	w[1] = s[1] ^ ((s[1] ^ d[1]) & m);
	w[2] = d[0] ^ ((s[0] ^ d[0]) & m);
	w[3] = d[1] ^ ((s[1] ^ d[1]) & m);
	w[4] = (((uint64_t)sp | (uint64_t)dp << 16) & ~m) |
	       (((uint64_t)dp | (uint64_t)sp << 16) & m) | v0 << 32 | v1 << 48;
	w[5] = (uint64_t)p->proto | (uint64_t)p->ip_version << 8 | (uint64_t)p->depth << 16;
	return swap;
}

/*
 * Seeded hash of the six key words: three independent multiplies of word
 * pairs keyed by secrets drawn from the seed, then one more (wyhash's
 * construction). Was a chain of six multiply-xorshift rounds and a
 * finaliser, ~45 cycles of dependent latency per packet; this is two
 * multiplies deep. Keyed, so tuples chosen to collide without the seed
 * are not known to collide with it.
 */
static inline uint32_t
flow_hash_words(const uint64_t w[6], const uint64_t k[FLOW_HASH_KEYS])
{
	uint64_t h = flow_mum(w[0] ^ k[0], w[1] ^ k[1]) ^ flow_mum(w[2] ^ k[2], w[3] ^ k[3]) ^
		     flow_mum(w[4] ^ k[4], w[5] ^ k[5]);

	return (uint32_t)flow_mum(h ^ k[6], k[7]);
}

/*
 * Build the canonical key of a tuple and its hash; return 1 when the
 * packet's source is key endpoint 1 (the tuple was swapped). ICMP flows
 * are keyed on the addresses only, as Suricata does (echo request and
 * reply share a flow).
 */
static inline int
flow_key_build(struct weir_flow_key *k, uint32_t *hash, const struct weir_flow_pkt *p,
	       const struct weir_flow_table *t, const struct weir_flow_pkt *vlan_from)
{
	uint64_t w[6];
	int swap = flow_key_words(w, p, t->use_vlan, vlan_from);

	/* word by word, each from a general register: a copy of the array
	 * was built as 16-byte vectors through the stack (8-byte stores
	 * read back as 16-byte loads: a store-forwarding stall per pair) */
	for (int i = 0; i < 6; i++) {
		uint64_t x = w[i];

		__asm__("" : "+r"(x));
		memcpy((uint8_t *)k + 8 * i, &x, sizeof(x));
	}
	*hash = flow_hash_words(w, t->hkey);
	return swap;
}

/* The hash of a stored key (an ended flow's bucket). */
static inline uint32_t
flow_hash(const struct weir_flow_key *k, const uint64_t hkey[FLOW_HASH_KEYS])
{
	uint64_t w[6];

	memcpy(w, k, sizeof(w));
	return flow_hash_words(w, hkey);
}

static inline struct weir_flow *
flow_find(struct weir_flow_table *t, const struct weir_flow_key *k, uint32_t hash)
{
	uint32_t i = t->buckets[hash & t->mask];

	while (i != FLOW_NONE) {
		struct weir_flow *f = &t->flows[i];

		if (flow_key_eq(&f->key, k))
			return f;
		i = f->next;
	}
	return NULL;
}

/* ---- ending flows ---------------------------------------------------- */

static void
flow_unlink(struct weir_flow_table *t, struct weir_flow *f)
{
	uint32_t idx = (uint32_t)(f - t->flows);
	/* the hash is not kept in the flow (line 0 is the key, the scan's
	 * fields and the link): computed again, once per ended flow */
	uint32_t *link = &t->buckets[flow_hash(&f->key, t->hkey) & t->mask];

	while (*link != idx)
		link = &t->flows[*link].next;
	*link = f->next;
}

static void
flow_emerg_check_exit(struct weir_flow_table *t)
{
	if (t->emerg && t->n_free >= t->recovery_free) {
		t->emerg = false;
		t->st.emerg_exited++;
	}
}

/* Hand @p f to on_end and count it; the caller unlinks it. */
static inline void
flow_end_account(struct weir_flow_table *t, struct weir_flow *f, enum weir_flow_end_reason why)
{
	if (t->on_end != NULL)
		t->on_end(t->on_end_arg, f, why);
	switch (why) {
	case WEIR_FLOW_END_TIMEOUT:
		t->st.timeout++;
		break;
	case WEIR_FLOW_END_EVICTED:
		t->st.evicted++;
		break;
	case WEIR_FLOW_END_REUSE:
		t->st.reused++;
		break;
	default:
		t->st.shutdown++;
		break;
	}
	t->st.active--;
}

/* Return @p f's slot, already unlinked, to the free list. */
static inline void
flow_free(struct weir_flow_table *t, struct weir_flow *f)
{
	uint32_t idx = (uint32_t)(f - t->flows);

	t->due_s[idx] = UINT32_MAX;
	f->epoch = 0;
	f->next = t->free_head;
	t->free_head = idx;
	t->n_free++;
}

/* Hand @p f to on_end, count it, return its slot to the free list. */
static void
flow_end(struct weir_flow_table *t, struct weir_flow *f, enum weir_flow_end_reason why)
{
	flow_end_account(t, f, why);
	flow_unlink(t, f);
	flow_free(t, f);
}

/* Timeout of @p f now, in ns. */
static inline uint64_t
flow_timeout_ns(const struct weir_flow_table *t, const struct weir_flow *f)
{
	return t->to_ns[t->emerg][flow_class(f->key.proto)][f->state];
}

uint32_t
weir_flow_timeout_of(const struct weir_flow_table *t, const struct weir_flow *f)
{
	const struct weir_flow_timeouts *to = &t->timeouts[weir_flow_proto_class(f->key.proto)];

	switch (f->state) {
	case WEIR_FLOW_STATE_ESTABLISHED:
		return t->emerg ? to->emerg_est_s : to->est_s;
	case WEIR_FLOW_STATE_CLOSED:
		return t->emerg ? to->emerg_closed_s : to->closed_s;
	default:
		return t->emerg ? to->emerg_new_s : to->new_s;
	}
}

static inline bool
flow_timed_out(const struct weir_flow_table *t, const struct weir_flow *f, uint64_t now_ns)
{
	if (likely(now_ns < f->last_ns + t->min_all_ns))
		return false; /* seen more recently than any timeout */
	return now_ns >= f->last_ns + flow_timeout_ns(t, f);
}

/* The second @p f times out at with the normal timeouts, as it is now. */
static inline uint32_t
flow_due_s(const struct weir_flow_table *t, const struct weir_flow *f)
{
	uint64_t s = (f->last_ns + t->to_ns[0][flow_class(f->key.proto)][f->state]) / FLOW_NS;

	return s < UINT32_MAX ? (uint32_t)s : UINT32_MAX - 1;
}

/*
 * Keep due_s a lower bound after @p f's state changed: a packet only
 * moves last_ns forward (the bound stays valid), but a new state may
 * have a shorter timeout (TCP established -> closed). Rare: a few state
 * changes per flow.
 */
static __attribute__((noinline)) void
flow_due_lower(struct weir_flow_table *t, const struct weir_flow *f)
{
	uint32_t idx = (uint32_t)(f - t->flows), d = flow_due_s(t, f);

	if (d < t->due_s[idx])
		t->due_s[idx] = d;
}

/* Slots the idle scan passes at once when none of them can be due. */
#define FLOW_SCAN_BLOCK 8

/* No due second of the block at @p due has come (a vector min). */
static inline bool
flow_block_not_due(const uint32_t *due, uint32_t now_s)
{
	uint32_t m = UINT32_MAX;
	unsigned int k;

	for (k = 0; k < FLOW_SCAN_BLOCK; k++)
		m = due[k] < m ? due[k] : m;
	return m > now_s;
}

unsigned int
weir_flow_expire(struct weir_flow_table *t, uint64_t now_ns, unsigned int budget)
{
	uint64_t now_s64 = now_ns / FLOW_NS;
	uint32_t now_s = now_s64 < UINT32_MAX ? (uint32_t)now_s64 : UINT32_MAX - 1;
	unsigned int n = 0;

	if (budget > t->hwm)
		budget = t->hwm;
	while (budget > 0) {
		uint32_t i = t->expire_cursor;
		struct weir_flow *f;

		if (i >= t->hwm)
			i = 0;
		/* Normal mode, a whole block not due: passed in one step (the
		 * same slots, cursor and budget as one by one below) */
		if (!t->emerg && budget >= FLOW_SCAN_BLOCK && t->hwm - i >= FLOW_SCAN_BLOCK &&
		    flow_block_not_due(&t->due_s[i], now_s)) {
			t->expire_cursor = i + FLOW_SCAN_BLOCK;
			budget -= FLOW_SCAN_BLOCK;
			continue;
		}
		budget--;
		t->expire_cursor = i + 1;
		/* Normal mode: a slot whose bound is still ahead is neither
		 * free-and-due nor due (free slots are UINT32_MAX), so the
		 * flow's lines are not read; emergency timeouts are shorter,
		 * so there every slot in use is looked at as before. */
		if (!t->emerg && t->due_s[i] > now_s)
			continue;
		f = &t->flows[i];
		if (!flow_in_use(f) || f->epoch == t->epoch)
			continue;
		if (now_ns >= f->last_ns + t->min_ns[t->emerg][flow_class(f->key.proto)] &&
		    flow_timed_out(t, f, now_ns)) {
			flow_end(t, f, WEIR_FLOW_END_TIMEOUT);
			n++;
		} else {
			t->due_s[i] = flow_due_s(t, f); /* seen since: a later bound */
		}
	}
	flow_emerg_check_exit(t);
	return n;
}

/*
 * A flush that ends at least one flow per this many buckets clears the
 * buckets in one pass instead of unlinking each flow (a hash and a
 * random line per flow: one cache miss each at shutdown with hundreds
 * of thousands of flows open).
 */
#define FLOW_FLUSH_BULK_PER_BUCKETS 32

unsigned int
weir_flow_flush(struct weir_flow_table *t)
{
	uint32_t nb = t->mask + 1, i;
	bool bulk = t->st.active >= nb / FLOW_FLUSH_BULK_PER_BUCKETS;
	unsigned int n = 0;

	/* Every chain holds flows in use only, and they all end: the
	 * buckets empty first, so a chain is never walked while its flows
	 * are going back to the free list (on_end finds an empty table) */
	if (bulk)
		for (i = 0; i < nb; i++)
			t->buckets[i] = FLOW_NONE;
	for (i = 0; i < t->hwm; i++) {
		struct weir_flow *f = &t->flows[i];

		if (!flow_in_use(f))
			continue;
		flow_end_account(t, f, WEIR_FLOW_END_SHUTDOWN);
		if (!bulk)
			flow_unlink(t, f);
		flow_free(t, f);
		n++;
	}
	flow_emerg_check_exit(t);
	return n;
}

/*
 * Table full: make room. Samples FLOW_EVICT_SCAN slots from a rotating
 * cursor (bounded work, never a sweep); a flow past its emergency timeout
 * ends as a timeout, else the least recently seen of the sample is evicted
 * (approximate LRU, as Redis does; Suricata takes any unused flow at its
 * rotating bucket index). Flows of the current burst are never chosen.
 * @return 0, or -ENOSPC when every sampled flow belongs to this burst.
 */
static int
flow_make_room(struct weir_flow_table *t, uint64_t now_ns)
{
	struct weir_flow *victim = NULL;
	unsigned int n = t->capacity < FLOW_EVICT_SCAN ? t->capacity : FLOW_EVICT_SCAN;

	if (!t->emerg) {
		t->emerg = true;
		t->st.emerg_entered++;
	}
	while (n-- > 0) {
		struct weir_flow *f = &t->flows[t->evict_cursor];

		if (++t->evict_cursor == t->capacity)
			t->evict_cursor = 0;
		if (!flow_in_use(f) || f->epoch == t->epoch)
			continue;
		if (flow_timed_out(t, f, now_ns)) {
			flow_end(t, f, WEIR_FLOW_END_TIMEOUT);
			return 0;
		}
		if (victim == NULL || f->last_ns < victim->last_ns)
			victim = f;
	}
	if (victim == NULL)
		return -ENOSPC;
	flow_end(t, victim, WEIR_FLOW_END_EVICTED);
	return 0;
}

/* ---- starting flows -------------------------------------------------- */

static void
flow_reset(struct weir_flow_table *t, struct weir_flow *f, const struct weir_flow_pkt *p,
	   int src_is_1)
{
	uint32_t next = f->next;
	struct weir_flow_key key = f->key;

	memset(f, 0, sizeof(*f));
	f->key = key;
	f->next = next;
	f->id = t->next_id++;
	f->start_ns = p->ts_ns;
	f->last_ns = p->ts_ns;
	f->epoch = t->epoch;
	f->flags = src_is_1 ? WEIR_FLOW_F_CLIENT_IS_1 : 0;
	if (t->emerg)
		f->flags |= WEIR_FLOW_F_EMERG_NEW;
	f->icmp_type = p->icmp_type;
	f->icmp_code = p->icmp_code;
	t->due_s[f - t->flows] = flow_due_s(t, f);
	t->st.created++;
}

static struct weir_flow *
flow_new(struct weir_flow_table *t, const struct weir_flow_key *k, uint32_t hash,
	 const struct weir_flow_pkt *p, int src_is_1)
{
	struct weir_flow *f;
	uint32_t idx, *head;

	if (t->free_head == FLOW_NONE && t->hwm < t->capacity) {
		idx = t->hwm++; /* a slot never used: its page is touched now */
		f = &t->flows[idx];
	} else {
		if (t->free_head == FLOW_NONE && flow_make_room(t, p->ts_ns) < 0)
			return NULL;
		idx = t->free_head;
		f = &t->flows[idx];
		t->free_head = f->next;
	}
	t->n_free--;
	head = &t->buckets[hash & t->mask];
	f->key = *k;
	f->next = *head;
	*head = idx;
	flow_reset(t, f, p, src_is_1);
	t->st.active++;
	return f;
}

/* ICMPv4 error messages (Suricata's ICMPV4_IS_ERROR_MSG). */
static inline bool
flow_icmpv4_is_error(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static inline bool
flow_is_icmpv4_error(const struct weir_flow_pkt *p)
{
	return p->proto == IPPROTO_ICMP && flow_icmpv4_is_error(p->icmp_type);
}

/* ---- TCP ------------------------------------------------------------- */

static inline bool
tcp_is_stream_starter(const struct weir_flow_table *t, uint8_t fl)
{
	if (fl & (TCP_RST | TCP_FIN))
		return false;
	if ((fl & (TCP_SYN | TCP_ACK)) == TCP_SYN)
		return true;
	return t->midstream && (fl & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK);
}

/*
 * Suricata's TcpSessionPacketSsnReuse: a SYN (or, with midstream, a
 * SYN/ACK) on a flow without a session, or on a closed one, starts a new
 * flow. A SYN repeating the client's ISN is a retransmission, not a reuse.
 */
static bool
tcp_reuse(const struct weir_flow_table *t, const struct weir_flow *f, const struct weir_flow_pkt *p,
	  int dir)
{
	if (!tcp_is_stream_starter(t, p->tcp_flags))
		return false;
	if (!(f->flags & WEIR_FLOW_F_SESSION))
		return true;
	if (dir == 0 && (p->tcp_flags & TCP_ACK) == 0 && p->tcp_seq == f->dir[0].isn)
		return false;
	/* Suricata reuses at state >= TCP_LAST_ACK (stream-tcp.c,
	 * TcpSessionReuseDoneEnoughSyn): a RST or a completed close (CLOSED),
	 * or a close the client started (its FIN moves the session to
	 * CLOSE_WAIT, then LAST_ACK); a close the server started stays below
	 * (FIN_WAIT1, FIN_WAIT2, TIME_WAIT) until it is complete. */
	return f->tcp_state == WEIR_TCP_CLOSED || (f->flags & WEIR_FLOW_F_FIN_TS_FIRST) != 0;
}

/* Swap client and server (a SYN/ACK picked up first). */
static void
flow_swap(struct weir_flow *f)
{
	uint16_t fl = f->flags;
	struct weir_flow_dir d = f->dir[0];
	uint32_t pk = f->pkts[0];
	uint64_t by = f->bytes[0];

	f->flags ^= WEIR_FLOW_F_CLIENT_IS_1;
	f->flags &= (uint16_t) ~(WEIR_FLOW_F_SEEN_TS | WEIR_FLOW_F_SEEN_TC);
	if (fl & WEIR_FLOW_F_SEEN_TS)
		f->flags |= WEIR_FLOW_F_SEEN_TC;
	if (fl & WEIR_FLOW_F_SEEN_TC)
		f->flags |= WEIR_FLOW_F_SEEN_TS;
	f->dir[0] = f->dir[1];
	f->dir[1] = d;
	f->pkts[0] = f->pkts[1];
	f->pkts[1] = pk;
	f->bytes[0] = f->bytes[1];
	f->bytes[1] = by;
}

static void
tcp_set_state(struct weir_flow *f, enum weir_tcp_state s)
{
	f->tcp_state = (uint8_t)s;
	if (s >= WEIR_TCP_CLOSING)
		f->state = WEIR_FLOW_STATE_CLOSED;
	else if (s >= WEIR_TCP_ESTABLISHED)
		f->state = WEIR_FLOW_STATE_ESTABLISHED;
}

/*
 * Sequence tracking of one segment from side @p d once the session is
 * established: retransmission (nothing new), gap (starts past next_seq),
 * out of window (further than any window allows); next_seq is the highest
 * in-window end seen, as Suricata keeps it.
 */
static uint32_t
tcp_track_seq(struct weir_flow_dir *d, const struct weir_flow_pkt *p)
{
	uint32_t len = p->payload_len + ((p->tcp_flags & TCP_FIN) ? 1 : 0);
	uint32_t seq = p->tcp_seq, end = seq + len, out = 0;

	if (len == 0)
		return 0;
	if (SEQ_LEQ(end, d->next_seq))
		return SEQ_GEQ(end, d->next_seq - TCP_MAX_WINDOW) ? WEIR_FLOW_PKT_RETRANSMIT
								  : WEIR_FLOW_PKT_OUT_OF_WINDOW;
	if (SEQ_GT(seq, d->next_seq + TCP_MAX_WINDOW))
		return WEIR_FLOW_PKT_OUT_OF_WINDOW;
	if (SEQ_GT(seq, d->next_seq))
		out = WEIR_FLOW_PKT_GAP;
	d->next_seq = end;
	return out;
}

/* The FIN/ACK bookkeeping of an established session. */
static void
tcp_closing(struct weir_flow *f, const struct weir_flow_pkt *p, int dir, uint32_t seqfl)
{
	static const uint16_t fin[2] = {WEIR_FLOW_F_FIN_TS, WEIR_FLOW_F_FIN_TC};
	static const uint16_t finack[2] = {WEIR_FLOW_F_FINACK_TS, WEIR_FLOW_F_FINACK_TC};
	int other = !dir;

	if ((p->tcp_flags & TCP_FIN) &&
	    !(seqfl & (WEIR_FLOW_PKT_RETRANSMIT | WEIR_FLOW_PKT_OUT_OF_WINDOW))) {
		if (dir == 0 && !(f->flags & (fin[0] | fin[1])))
			f->flags |= WEIR_FLOW_F_FIN_TS_FIRST;
		f->flags |= fin[dir];
	}
	if ((p->tcp_flags & TCP_ACK) && (f->flags & fin[other]) &&
	    SEQ_GEQ(p->tcp_ack, f->dir[other].next_seq))
		f->flags |= finack[other];

	if ((f->flags & (fin[0] | fin[1])) == (fin[0] | fin[1])) {
		if ((f->flags & (finack[0] | finack[1])) == (finack[0] | finack[1]))
			tcp_set_state(f, WEIR_TCP_CLOSED);
		else
			tcp_set_state(f, WEIR_TCP_CLOSING);
	} else if (f->flags & (fin[0] | fin[1])) {
		tcp_set_state(f, WEIR_TCP_FIN_WAIT);
	}
}

/*
 * The TCP state machine for one packet of side @p dir (0: from the
 * client), after the flow update computed the packet's flags. Returns
 * extra packet flags. May swap the flow (midstream SYN/ACK).
 */
static uint32_t
tcp_update(struct weir_flow_table *t, struct weir_flow *f, const struct weir_flow_pkt *p, int dir)
{
	const uint8_t fl = p->tcp_flags;
	struct weir_flow_dir *me = &f->dir[dir], *peer = &f->dir[!dir];
	uint32_t out = 0;

	if (!(f->flags & WEIR_FLOW_F_SESSION)) {
		if (fl & (TCP_RST | TCP_FIN))
			return 0; /* no session from a RST or FIN */
		if ((fl & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
			/* SYN: its sender is the client (the flow is new: a SYN
			 * on a session-less flow was a reuse) */
			f->flags |= WEIR_FLOW_F_SESSION;
			me->isn = p->tcp_seq;
			me->next_seq = p->tcp_seq + 1;
			if (p->tcp_tfo) {
				/* stream-tcp.c (TCP_HAS_TFO on the SYN): its data
				 * takes sequence space */
				f->flags |= WEIR_FLOW_F_TFO;
				me->next_seq += p->payload_len;
			}
			me->window = p->tcp_window;
			tcp_set_state(f, WEIR_TCP_SYN_SENT);
			return WEIR_FLOW_PKT_TCP_SESSION;
		}
		if (!t->midstream || !(fl & TCP_ACK))
			return 0;
		f->flags |= WEIR_FLOW_F_SESSION | WEIR_FLOW_F_MIDSTREAM;
		if (fl & TCP_SYN) {
			/* SYN/ACK first: its receiver is the client */
			flow_swap(f);
			out |= WEIR_FLOW_PKT_TOCLIENT | WEIR_FLOW_PKT_TCP_SESSION;
			f->dir[1].isn = p->tcp_seq;
			f->dir[1].next_seq = p->tcp_seq + 1;
			f->dir[1].window = p->tcp_window;
			f->dir[0].isn = p->tcp_ack - 1;
			f->dir[0].next_seq = p->tcp_ack;
			f->dir[0].last_ack = p->tcp_seq + 1;
			tcp_set_state(f, WEIR_TCP_SYN_RECV);
			return out;
		}
		/* any other ACK: established at once, its sender the client */
		me->isn = p->tcp_seq;
		me->next_seq = p->tcp_seq + p->payload_len;
		me->window = p->tcp_window;
		me->last_ack = p->tcp_ack;
		peer->isn = p->tcp_ack;
		peer->next_seq = p->tcp_ack;
		tcp_set_state(f, WEIR_TCP_ESTABLISHED);
		return WEIR_FLOW_PKT_TCP_SESSION;
	}

	out = WEIR_FLOW_PKT_TCP_SESSION;
	if (fl & TCP_RST) {
		/* A RST outside any window is ignored (Suricata validates it
		 * against next_seq; we know no scale factor, so the bound is
		 * the largest window). */
		if (f->tcp_state >= WEIR_TCP_ESTABLISHED &&
		    (SEQ_LT(p->tcp_seq, me->next_seq - TCP_MAX_WINDOW) ||
		     SEQ_GT(p->tcp_seq, me->next_seq + TCP_MAX_WINDOW)))
			return out | WEIR_FLOW_PKT_OUT_OF_WINDOW;
		if (f->tcp_state != WEIR_TCP_CLOSED)
			tcp_set_state(f, WEIR_TCP_CLOSED);
		return out;
	}
	me->window = p->tcp_window;

	switch (f->tcp_state) {
	case WEIR_TCP_SYN_SENT:
		if (dir == 1 && (fl & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK)) {
			if (!p->tcp_tfo && !(f->flags & WEIR_FLOW_F_TFO)) {
				if (p->tcp_ack != peer->isn + 1)
					break; /* not an answer to this SYN */
			} else if (p->tcp_ack == peer->isn + 1) {
				/* TFO: the server took the SYN but not its data
				 * (Suricata's tfo_data_ignored): the client sends
				 * it again after the handshake */
				peer->next_seq = peer->isn + 1;
				f->flags |= WEIR_FLOW_F_TFO;
			} else if (p->tcp_ack == peer->next_seq) {
				f->flags |= WEIR_FLOW_F_TFO; /* data acknowledged */
			} else {
				break;
			}
			me->isn = p->tcp_seq;
			me->next_seq = p->tcp_seq + 1;
			peer->last_ack = p->tcp_ack;
			tcp_set_state(f, WEIR_TCP_SYN_RECV);
		} else if (dir == 0 && (fl & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
			if (p->tcp_seq == me->isn) {
				out |= WEIR_FLOW_PKT_RETRANSMIT;
			} else { /* a new ISN replaces the old (SYN resent) */
				me->isn = p->tcp_seq;
				me->next_seq = p->tcp_seq + 1;
				if (f->flags & WEIR_FLOW_F_TFO)
					me->next_seq += p->payload_len;
			}
		}
		break;
	case WEIR_TCP_SYN_RECV:
		if (dir == 0 && (fl & (TCP_SYN | TCP_ACK)) == TCP_ACK) {
			if (p->tcp_ack != peer->next_seq)
				break; /* does not acknowledge the SYN/ACK */
			peer->last_ack = p->tcp_ack;
			tcp_set_state(f, WEIR_TCP_ESTABLISHED);
			/* stream-tcp.c: "normally the packet following the 3whs
			 * is considered flow established, but with data we need
			 * it to be established now" */
			if (p->payload_len > 0)
				out |= WEIR_FLOW_PKT_ESTABLISHED;
			out |= tcp_track_seq(me, p);
			tcp_closing(f, p, dir, out);
		} else if (fl & TCP_SYN) {
			out |= WEIR_FLOW_PKT_RETRANSMIT; /* SYN or SYN/ACK again */
		}
		break;
	case WEIR_TCP_ESTABLISHED:
	case WEIR_TCP_FIN_WAIT:
	case WEIR_TCP_CLOSING:
		if (fl & TCP_SYN) { /* handshake packet again: no data tracked */
			if (p->tcp_seq == me->isn)
				out |= WEIR_FLOW_PKT_RETRANSMIT;
			break;
		}
		out |= tcp_track_seq(me, p);
		if ((fl & TCP_ACK) && SEQ_GT(p->tcp_ack, peer->last_ack))
			peer->last_ack = p->tcp_ack;
		/* no FIN in this packet nor before it: nothing to close */
		if ((fl & TCP_FIN) || (f->flags & (WEIR_FLOW_F_FIN_TS | WEIR_FLOW_F_FIN_TC)))
			tcp_closing(f, p, dir, out);
		break;
	default: /* CLOSED: a new SYN was a reuse, the rest is ignored */
		break;
	}
	return out;
}

/* ---- the per-packet entry points ------------------------------------ */

/*
 * Suricata's FlowHandlePacketUpdate: direction, counters, seen flags and
 * the established flag, before any TCP state changes for this packet.
 */
static inline uint32_t
flow_update(struct weir_flow *f, const struct weir_flow_pkt *p, int dir, bool seen)
{
	static const uint16_t seen_flag[2] = {WEIR_FLOW_F_SEEN_TS, WEIR_FLOW_F_SEEN_TC};
	static const uint32_t first_flag[2] = {WEIR_FLOW_PKT_TOSERVER_FIRST,
					       WEIR_FLOW_PKT_TOCLIENT_FIRST};
	uint32_t out = dir ? WEIR_FLOW_PKT_TOCLIENT : WEIR_FLOW_PKT_TOSERVER;

	if (p->ts_ns > f->last_ns)
		f->last_ns = p->ts_ns;
	f->pkts[dir]++;
	f->bytes[dir] += p->wire_len;
	if (seen && !(f->flags & seen_flag[dir])) {
		f->flags |= seen_flag[dir];
		out |= first_flag[dir];
	}
	if (f->key.proto == IPPROTO_TCP) {
		if ((f->flags & WEIR_FLOW_F_SESSION) && f->tcp_state >= WEIR_TCP_ESTABLISHED)
			out |= WEIR_FLOW_PKT_ESTABLISHED;
	} else if (f->state == WEIR_FLOW_STATE_ESTABLISHED) {
		out |= WEIR_FLOW_PKT_ESTABLISHED;
	} else if ((f->flags & (WEIR_FLOW_F_SEEN_TS | WEIR_FLOW_F_SEEN_TC)) ==
		   (WEIR_FLOW_F_SEEN_TS | WEIR_FLOW_F_SEEN_TC)) {
		out |= WEIR_FLOW_PKT_ESTABLISHED;
		f->state = WEIR_FLOW_STATE_ESTABLISHED;
	}
	return out;
}

/* Packet side: 0 when its source is the flow's client. */
static inline int
flow_dir(const struct weir_flow *f, int src_is_1)
{
	return ((f->flags & WEIR_FLOW_F_CLIENT_IS_1) != 0) != (src_is_1 != 0);
}

/* weir_flow_process once the key and its hash are known. */
static inline struct weir_flow *
flow_process_keyed(struct weir_flow_table *t, const struct weir_flow_pkt *p,
		   const struct weir_flow_key *k, uint32_t hash, int src_is_1, uint32_t *pkt_flags)
{
	struct weir_flow *f;
	uint32_t out = 0;
	uint8_t state;
	int dir;

	f = flow_find(t, k, hash);
	*pkt_flags = 0;
	if (f != NULL && f->epoch != t->epoch && unlikely(flow_timed_out(t, f, p->ts_ns))) {
		/* idle past its timeout but not yet reached by the expiry
		 * cursor: it ends here and the packet starts a new flow, as
		 * Suricata's FlowGetFlowFromHash does (FlowIsTimedOut) */
		flow_end(t, f, WEIR_FLOW_END_TIMEOUT);
		f = NULL;
	}
	if (f != NULL) {
		f->epoch = t->epoch;
		if (p->proto == IPPROTO_TCP &&
		    unlikely(tcp_reuse(t, f, p, flow_dir(f, src_is_1)))) {
			if (t->on_end != NULL)
				t->on_end(t->on_end_arg, f, WEIR_FLOW_END_REUSE);
			t->st.reused++; /* and flow_reset counts it created */
			flow_reset(t, f, p, src_is_1);
			out |= WEIR_FLOW_PKT_NEW;
		}
	} else {
		if (unlikely(t->emerg) && p->proto == IPPROTO_TCP && t->midstream &&
		    (p->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) != TCP_SYN) {
			/* Suricata's FlowCreateCheck: in emergency mode only a
			 * SYN starts a TCP flow when midstream is on */
			t->st.refused_emerg++;
			return NULL;
		}
		f = flow_new(t, k, hash, p, src_is_1);
		if (unlikely(f == NULL)) {
			t->st.refused++;
			return NULL;
		}
		out |= WEIR_FLOW_PKT_NEW;
	}
	dir = flow_dir(f, src_is_1);
	state = f->state;
	out |= flow_update(f, p, dir, true);
	if (p->proto == IPPROTO_TCP) {
		uint32_t tcp = tcp_update(t, f, p, dir);

		if (tcp & WEIR_FLOW_PKT_TOCLIENT) /* swapped: the packet turns too */
			out = (out &
			       ~(uint32_t)(WEIR_FLOW_PKT_TOSERVER | WEIR_FLOW_PKT_TOSERVER_FIRST)) |
			      WEIR_FLOW_PKT_TOCLIENT_FIRST;
		out |= tcp;
	}
	if (unlikely(f->state != state))
		flow_due_lower(t, f);
	*pkt_flags = out;
	return f;
}

struct weir_flow *
weir_flow_process(struct weir_flow_table *t, const struct weir_flow_pkt *p, uint32_t *pkt_flags)
{
	struct weir_flow_key k;
	uint32_t hash;
	int src_is_1;

	*pkt_flags = 0;
	if (unlikely(flow_is_icmpv4_error(p))) {
		/* never a flow of its own: the worker attributes it with
		 * weir_flow_icmp_error() from the quoted header */
		t->st.icmp_error_no_flow++;
		return NULL;
	}
	src_is_1 = flow_key_build(&k, &hash, p, t, p);
	return flow_process_keyed(t, p, &k, hash, src_is_1, pkt_flags);
}

struct weir_flow *
weir_flow_process_prepared(struct weir_flow_table *t, const struct weir_flow_pkt *p,
			   const struct weir_flow_ahead *a, uint32_t *pkt_flags)
{
	*pkt_flags = 0;
	if (unlikely(flow_is_icmpv4_error(p))) {
		t->st.icmp_error_no_flow++;
		return NULL;
	}
	return flow_process_keyed(t, p, &a->key, a->hash, a->src_is_1, pkt_flags);
}

struct weir_flow *
weir_flow_process_next(struct weir_flow_table *t, const struct weir_flow_pkt *p,
		       const struct weir_flow_ahead *a, uint32_t *pkt_flags)
{
	flow_burst_begin(t);
	*pkt_flags = 0;
	if (unlikely(flow_is_icmpv4_error(p))) {
		t->st.icmp_error_no_flow++;
		return NULL;
	}
	return flow_process_keyed(t, p, &a->key, a->hash, a->src_is_1, pkt_flags);
}

void
weir_flow_prepare_key(const struct weir_flow_table *t, const struct weir_flow_pkt *p,
		      struct weir_flow_ahead *a)
{
	a->src_is_1 = (int8_t)flow_key_build(&a->key, &a->hash, p, t, p);
}

void
weir_flow_prefetch_head(const struct weir_flow_table *t, const struct weir_flow_ahead *a)
{
	__builtin_prefetch(&t->buckets[a->hash & t->mask]);
}

void
weir_flow_prepare(const struct weir_flow_table *t, const struct weir_flow_pkt *p,
		  struct weir_flow_ahead *a)
{
	a->src_is_1 = (int8_t)flow_key_build(&a->key, &a->hash, p, t, p);
	__builtin_prefetch(&t->buckets[a->hash & t->mask]);
}

void
weir_flow_prefetch_flow(const struct weir_flow_table *t, const struct weir_flow_ahead *a)
{
	uint32_t idx = t->buckets[a->hash & t->mask];

	if (idx != FLOW_NONE) {
		const char *line = (const char *)&t->flows[idx];

		/* the lines the update and weir_flow_scan_info() read: the
		 * key, the counters and the TCP state of both sides (line 3,
		 * the server side's stream state and the flowbits, is read
		 * only by stream and flowbits rules: not fetched for all) */
		__builtin_prefetch(line);
		__builtin_prefetch(line + 64, 1);
		__builtin_prefetch(line + 128, 1);
	}
}

/*
 * The same for a burst, in three passes so that the cache misses of all
 * packets overlap instead of queueing one behind the other: hash every
 * packet and prefetch its bucket head; read the heads and prefetch the
 * first flow of each chain; then process the packets in order. Only the
 * last pass changes the table, so the result is exactly that of calling
 * weir_flow_process() on each packet in turn.
 */
static unsigned int
flow_process_chunk(struct weir_flow_table *t, const struct weir_flow_pkt *pkts, unsigned int n,
		   struct weir_flow **flows, uint32_t *pkt_flags)
{
	struct weir_flow_ahead a[WEIR_FLOW_BURST_MAX];
	unsigned int i, found = 0;

	for (i = 0; i < n; i++)
		if (!flow_is_icmpv4_error(&pkts[i]))
			weir_flow_prepare(t, &pkts[i], &a[i]);
	for (i = 0; i < n; i++)
		if (!flow_is_icmpv4_error(&pkts[i]))
			weir_flow_prefetch_flow(t, &a[i]);
	for (i = 0; i < n; i++) {
		flows[i] = weir_flow_process_prepared(t, &pkts[i], &a[i], &pkt_flags[i]);
		found += flows[i] != NULL;
	}
	return found;
}

unsigned int
weir_flow_process_burst(struct weir_flow_table *t, const struct weir_flow_pkt *pkts, unsigned int n,
			struct weir_flow **flows, uint32_t *pkt_flags)
{
	unsigned int done = 0, found = 0;

	while (done < n) {
		unsigned int c = n - done < WEIR_FLOW_BURST_MAX ? n - done : WEIR_FLOW_BURST_MAX;

		found += flow_process_chunk(t, pkts + done, c, flows + done, pkt_flags + done);
		done += c;
	}
	return found;
}

struct weir_flow *
weir_flow_icmp_error(struct weir_flow_table *t, const struct weir_flow_pkt *icmp,
		     const struct weir_flow_pkt *quoted, uint32_t *pkt_flags)
{
	size_t alen = quoted->ip_version == 6 ? 16 : 4;
	struct weir_flow_key k;
	struct weir_flow *f;
	uint32_t hash;
	uint8_t state;
	int dir;

	*pkt_flags = 0;
	flow_key_build(&k, &hash, quoted, t, icmp);
	f = flow_find(t, &k, hash);
	if (f == NULL) {
		t->st.icmp_error_no_flow++;
		return NULL;
	}
	f->epoch = t->epoch;
	/* direction of the error itself: from the client's address or not
	 * (Suricata's FlowGetPacketDirection for ICMP) */
	dir = memcmp(icmp->src, weir_flow_addr(f, 0), alen) == 0 ? 0 : 1;
	state = f->state;
	*pkt_flags = flow_update(f, icmp, dir, false);
	if (f->state != state)
		flow_due_lower(t, f);
	return f;
}

/* ---- Community ID ---------------------------------------------------- */

int
weir_flow_community_id_of(const struct weir_flow *f, uint16_t seed, char *buf, size_t len)
{
	uint16_t sp = weir_flow_port(f, 0), dp = weir_flow_port(f, 1);

	if (f->key.proto == IPPROTO_ICMP || f->key.proto == IPPROTO_ICMPV6) {
		sp = f->icmp_type;
		dp = f->icmp_code;
	}
	return weir_flow_community_id(seed, f->key.ip_version, weir_flow_addr(f, 0),
				      weir_flow_addr(f, 1), f->key.proto, sp, dp, buf, len);
}
