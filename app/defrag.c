/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP reassembly (app/defrag.h). Everything is an index into arrays sized
 * at creation: trackers (hash chains and an LRU list by last fragment),
 * fragment slots (each tracker's list, sorted by offset), data blocks
 * (each fragment's chain). Completing a datagram copies the fragments into
 * the one output frame; only a datagram whose fragments overlap pays the
 * byte-wise policy pass (an owner byte per datagram byte, in a scratch
 * array of the table).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <netinet/in.h>

#include "dec_event.h"
#include "defrag.h"

#define DF_NIL	     UINT32_MAX
#define DF_NO_OWNER  0xff
#define DF_MAX_FRAGS 255 /* owner bytes and arrival numbers are uint8_t */

struct df_frag {
	uint32_t next;	/* next by offset (or next free) */
	uint32_t block; /* first data block */
	uint32_t off;	/* in the datagram */
	uint32_t len;
	uint8_t seq; /* arrival order within its tracker */
};

struct df_tracker {
	uint32_t hnext; /* hash chain (or free list) */
	uint32_t lru_prev, lru_next;
	uint32_t head;	  /* fragments by offset */
	uint64_t last_ns; /* last fragment's time */
	uint32_t id;
	uint32_t end; /* datagram length, once seen_last */
	uint16_t vlan[2];
	uint8_t n_vlan;
	uint8_t ip_version;
	uint8_t proto;
	uint8_t n_frags;
	uint8_t n_seq;
	bool seen_last;
	bool have_hdr;
	bool overlap;
	uint8_t nh; /* IPv6: fragment header's next header */
	uint16_t hdr_len, l3_off, nh_off;
	uint8_t src[16], dst[16];
	uint8_t hdr[WEIR_DEFRAG_HDR_MAX];
};

struct weir_defrag {
	struct weir_defrag_conf c;
	struct df_tracker *trk;
	uint32_t *bucket;
	uint32_t mask;
	uint32_t seed;
	uint32_t trk_free;
	uint32_t lru_head, lru_tail;
	struct df_frag *frag;
	uint32_t frag_free;
	uint8_t *blocks;
	uint32_t *block_next;
	uint32_t n_blocks;
	uint32_t block_free;
	uint32_t blocks_free; /* how many on the free list */
	uint8_t *owner;	      /* 65536 bytes: policy pass scratch */
	uint8_t *out;	      /* WEIR_DEFRAG_FRAME_MAX: the rebuilt frame */
	struct weir_defrag_stats st;
	uint64_t events; /* what the last insert raised (weir_defrag_events) */
};

int
weir_defrag_policy_parse(const char *name, enum weir_defrag_policy *p)
{
	static const char *const names[] = {"first", "last", "bsd", "linux", "windows", "solaris"};
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*p = (enum weir_defrag_policy)i;
			return 0;
		}
	}
	return -EINVAL;
}

struct weir_defrag *
weir_defrag_create(const struct weir_defrag_conf *c)
{
	struct weir_defrag *t;
	uint32_t i, nb, buckets = 1;
	uint64_t blocks;

	if (c->trackers == 0 || c->frags == 0 || c->max_frags == 0 || c->max_frags > DF_MAX_FRAGS ||
	    c->trackers > (1u << 24) || c->frags > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	blocks = c->memcap / WEIR_DEFRAG_BLOCK;
	if (blocks == 0 || blocks > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	nb = (uint32_t)blocks;
	while (buckets < c->trackers)
		buckets <<= 1;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->c = *c;
	t->trk = calloc(c->trackers, sizeof(*t->trk));
	t->bucket = malloc((size_t)buckets * sizeof(*t->bucket));
	t->frag = calloc(c->frags, sizeof(*t->frag));
	t->blocks = malloc((size_t)nb * WEIR_DEFRAG_BLOCK);
	t->block_next = malloc((size_t)nb * sizeof(*t->block_next));
	t->owner = malloc(65536);
	t->out = malloc(WEIR_DEFRAG_FRAME_MAX);
	if (t->trk == NULL || t->bucket == NULL || t->frag == NULL || t->blocks == NULL ||
	    t->block_next == NULL || t->owner == NULL || t->out == NULL) {
		weir_defrag_destroy(t);
		errno = ENOMEM;
		return NULL;
	}
	t->mask = buckets - 1;
	for (i = 0; i < buckets; i++)
		t->bucket[i] = DF_NIL;
	for (i = 0; i < c->trackers; i++)
		t->trk[i].hnext = i + 1 < c->trackers ? i + 1 : DF_NIL;
	t->trk_free = 0;
	for (i = 0; i < c->frags; i++)
		t->frag[i].next = i + 1 < c->frags ? i + 1 : DF_NIL;
	t->frag_free = 0;
	for (i = 0; i < nb; i++)
		t->block_next[i] = i + 1 < nb ? i + 1 : DF_NIL;
	t->block_free = 0;
	t->n_blocks = nb;
	t->blocks_free = nb;
	t->lru_head = t->lru_tail = DF_NIL;
	/* a seed per table: chains an attacker cannot line up in advance */
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != (ssize_t)sizeof(t->seed))
		t->seed = (uint32_t)(uintptr_t)t ^ 0x9e3779b9u;
	t->st.memory_bytes = sizeof(*t) + (uint64_t)c->trackers * sizeof(*t->trk) +
			     (uint64_t)buckets * sizeof(*t->bucket) +
			     (uint64_t)c->frags * sizeof(*t->frag) +
			     (uint64_t)nb * (WEIR_DEFRAG_BLOCK + sizeof(*t->block_next)) + 65536 +
			     WEIR_DEFRAG_FRAME_MAX;
	return t;
}

void
weir_defrag_destroy(struct weir_defrag *t)
{
	if (t == NULL)
		return;
	free(t->trk);
	free(t->bucket);
	free(t->frag);
	free(t->blocks);
	free(t->block_next);
	free(t->owner);
	free(t->out);
	free(t);
}

void
weir_defrag_stats_get(const struct weir_defrag *t, struct weir_defrag_stats *s)
{
	*s = t->st;
}

static inline uint32_t
df_mix(uint32_t h, uint32_t v)
{
	h ^= v * 0xcc9e2d51u;
	h = (h << 13) | (h >> 19);
	return h * 5 + 0xe6546b64u;
}

static uint32_t
df_hash(const struct weir_defrag *t, const struct weir_defrag_frag *f)
{
	unsigned int n = f->ip_version == 4 ? 4 : 16, i;
	uint32_t h = t->seed, w;

	for (i = 0; i < n; i += 4) {
		memcpy(&w, f->src + i, 4);
		h = df_mix(h, w);
		memcpy(&w, f->dst + i, 4);
		h = df_mix(h, w);
	}
	h = df_mix(h, f->id);
	h = df_mix(h, (uint32_t)f->vlan[0] << 16 | f->vlan[1]);
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h & t->mask;
}

static bool
df_match(const struct df_tracker *k, const struct weir_defrag_frag *f)
{
	unsigned int n = f->ip_version == 4 ? 4 : 16;

	return k->id == f->id && k->ip_version == f->ip_version &&
	       (f->ip_version == 6 || k->proto == f->proto) && k->vlan[0] == f->vlan[0] &&
	       k->vlan[1] == f->vlan[1] && memcmp(k->src, f->src, n) == 0 &&
	       memcmp(k->dst, f->dst, n) == 0;
}

static void
df_lru_unlink(struct weir_defrag *t, uint32_t i)
{
	struct df_tracker *k = &t->trk[i];

	if (k->lru_prev != DF_NIL)
		t->trk[k->lru_prev].lru_next = k->lru_next;
	else
		t->lru_head = k->lru_next;
	if (k->lru_next != DF_NIL)
		t->trk[k->lru_next].lru_prev = k->lru_prev;
	else
		t->lru_tail = k->lru_prev;
}

static void
df_lru_append(struct weir_defrag *t, uint32_t i)
{
	struct df_tracker *k = &t->trk[i];

	k->lru_next = DF_NIL;
	k->lru_prev = t->lru_tail;
	if (t->lru_tail != DF_NIL)
		t->trk[t->lru_tail].lru_next = i;
	else
		t->lru_head = i;
	t->lru_tail = i;
}

static void
df_free_blocks(struct weir_defrag *t, uint32_t b)
{
	while (b != DF_NIL) {
		uint32_t n = t->block_next[b];

		t->block_next[b] = t->block_free;
		t->block_free = b;
		t->blocks_free++;
		b = n;
	}
}

/* Unhash and free tracker @p i with its fragments. */
static void
df_release(struct weir_defrag *t, uint32_t i, uint32_t bucket)
{
	struct df_tracker *k = &t->trk[i];
	uint32_t *pp = &t->bucket[bucket], fi;

	while (*pp != i)
		pp = &t->trk[*pp].hnext;
	*pp = k->hnext;
	df_lru_unlink(t, i);
	fi = k->head;
	while (fi != DF_NIL) {
		struct df_frag *fr = &t->frag[fi];
		uint32_t n = fr->next;

		df_free_blocks(t, fr->block);
		fr->next = t->frag_free;
		t->frag_free = fi;
		fi = n;
	}
	t->st.held -= k->n_frags;
	k->hnext = t->trk_free;
	t->trk_free = i;
}

/* The bucket of tracker @p k, from its own key. */
static uint32_t
df_bucket_of(const struct weir_defrag *t, const struct df_tracker *k)
{
	struct weir_defrag_frag f = {.src = k->src,
				     .dst = k->dst,
				     .id = k->id,
				     .ip_version = k->ip_version,
				     .vlan = {k->vlan[0], k->vlan[1]}};

	return df_hash(t, &f);
}

static void
df_give_up(struct weir_defrag *t, uint32_t i)
{
	t->st.timeout += t->trk[i].n_frags;
	df_release(t, i, df_bucket_of(t, &t->trk[i]));
}

uint32_t
weir_defrag_expire(struct weir_defrag *t, uint64_t now_ns)
{
	uint32_t n = 0;

	while (t->lru_head != DF_NIL && t->trk[t->lru_head].last_ns + t->c.timeout_ns < now_ns) {
		df_give_up(t, t->lru_head);
		n++;
	}
	return n;
}

void
weir_defrag_flush(struct weir_defrag *t)
{
	while (t->lru_head != DF_NIL)
		df_give_up(t, t->lru_head);
}

/* Does fragment @p n take a byte fragment @p o holds (defrag.h)? */
static inline bool
df_wins(enum weir_defrag_policy p, const struct df_frag *n, const struct df_frag *o)
{
	uint32_t ne = n->off + n->len, oe = o->off + o->len;

	switch (p) {
	case WEIR_DEFRAG_FIRST:
		return false;
	case WEIR_DEFRAG_LAST:
		return true;
	case WEIR_DEFRAG_BSD:
		return n->off < o->off;
	case WEIR_DEFRAG_LINUX:
		return n->off <= o->off;
	case WEIR_DEFRAG_WINDOWS:
		return n->off < o->off && ne > oe;
	case WEIR_DEFRAG_SOLARIS:
		return n->off < o->off && ne >= oe;
	}
	return false;
}

/* Copy @p len bytes of fragment @p fr from its byte @p from to @p dst. */
static void
df_copy_out(const struct weir_defrag *t, const struct df_frag *fr, uint32_t from, uint32_t len,
	    uint8_t *dst)
{
	uint32_t b = fr->block, skip = from;

	while (skip >= WEIR_DEFRAG_BLOCK) {
		b = t->block_next[b];
		skip -= WEIR_DEFRAG_BLOCK;
	}
	while (len > 0) {
		uint32_t n = WEIR_DEFRAG_BLOCK - skip < len ? WEIR_DEFRAG_BLOCK - skip : len;

		memcpy(dst, t->blocks + (size_t)b * WEIR_DEFRAG_BLOCK + skip, n);
		dst += n;
		len -= n;
		skip = 0;
		b = t->block_next[b];
	}
}

static uint16_t
df_csum(const uint8_t *h, uint32_t len)
{
	uint32_t s = 0, i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)h[i] << 8 | h[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* The datagram of tracker @p k (complete) into t->out. @return its length. */
static uint32_t
df_build(struct weir_defrag *t, const struct df_tracker *k)
{
	uint8_t *data = t->out + k->hdr_len, *ip = t->out + k->l3_off;
	uint32_t fi, plen;

	memcpy(t->out, k->hdr, k->hdr_len);
	if (!k->overlap) {
		for (fi = k->head; fi != DF_NIL; fi = t->frag[fi].next)
			df_copy_out(t, &t->frag[fi], 0, t->frag[fi].len, data + t->frag[fi].off);
	} else {
		const struct df_frag *by_seq[DF_MAX_FRAGS];
		uint32_t b, i;

		memset(by_seq, 0, sizeof(by_seq));
		for (fi = k->head; fi != DF_NIL; fi = t->frag[fi].next)
			by_seq[t->frag[fi].seq] = &t->frag[fi];
		memset(t->owner, DF_NO_OWNER, k->end);
		/* in arrival order, each fragment takes the bytes the policy
		 * gives it */
		for (i = 0; i < k->n_seq; i++) {
			const struct df_frag *n = by_seq[i];

			if (n == NULL)
				continue;
			for (b = n->off; b < n->off + n->len; b++) {
				uint8_t o = t->owner[b];

				if (o == DF_NO_OWNER || df_wins(t->c.policy, n, by_seq[o]))
					t->owner[b] = (uint8_t)i;
			}
		}
		/* then each run of one owner in one copy */
		for (b = 0; b < k->end;) {
			uint8_t o = t->owner[b];
			uint32_t e = b + 1;

			while (e < k->end && t->owner[e] == o)
				e++;
			df_copy_out(t, by_seq[o], b - by_seq[o]->off, e - b, data + b);
			b = e;
		}
	}
	plen = k->hdr_len - k->l3_off + k->end; /* IPv4 total length */
	if (k->ip_version == 4) {
		uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;
		uint16_t c;

		ip[2] = (uint8_t)(plen >> 8);
		ip[3] = (uint8_t)plen;
		ip[6] &= 0x40; /* keep DF: MF and the offset are gone */
		ip[7] = 0;
		ip[10] = ip[11] = 0;
		c = df_csum(ip, ihl);
		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	} else {
		plen -= 40; /* IPv6 payload length */
		ip[4] = (uint8_t)(plen >> 8);
		ip[5] = (uint8_t)plen;
		t->out[k->nh_off] = k->nh;
	}
	return k->hdr_len + k->end;
}

/* Smallest header of a TCP, UDP or ICMP datagram's first bytes. */
static bool
df_is_tiny(uint8_t proto, const uint8_t *data, uint32_t len)
{
	switch (proto) {
	case IPPROTO_TCP:
		if (len < 20)
			return true;
		return len < (uint32_t)(data[12] >> 4) * 4;
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return len < 8;
	default:
		return false;
	}
}

/* Refuse @p f: counted in invalid or nomem and in its cause (one of the
 * weir_defrag_stats fields that sum to them, @p cause), and a tracker it
 * left empty is freed. */
static enum weir_defrag_res
df_refuse(struct weir_defrag *t, uint32_t ti, uint32_t bucket, enum weir_defrag_res r,
	  uint64_t *cause)
{
	if (r == WEIR_DEFRAG_INVALID)
		t->st.invalid++;
	else
		t->st.nomem++;
	(*cause)++;
	if (ti != DF_NIL && t->trk[ti].n_frags == 0)
		df_release(t, ti, bucket);
	return r;
}

enum weir_defrag_res
weir_defrag_insert(struct weir_defrag *t, const struct weir_defrag_frag *f, const uint8_t **out,
		   uint32_t *out_len)
{
	uint32_t bucket, ti, fi, prev, cur, b, need, i, end = f->offset + f->data_len;
	uint32_t hdr_ip = f->hdr_len - f->l3_off; /* IP bytes ahead of the data */
	struct df_tracker *k;
	struct df_frag *fr;
	bool overlap = false;

	t->st.fragments++;
	t->events = 0;
	if (f->ip_version == 6)
		hdr_ip -= 40 < hdr_ip ? 40 : hdr_ip; /* IPv6 payload length excludes it */
	if (f->data_len == 0)
		return df_refuse(t, DF_NIL, 0, WEIR_DEFRAG_INVALID, &t->st.invalid_empty);
	if (f->hdr_len < f->l3_off || (f->offset == 0 && f->hdr_len > WEIR_DEFRAG_HDR_MAX))
		return df_refuse(t, DF_NIL, 0, WEIR_DEFRAG_INVALID, &t->st.invalid_header);
	if (hdr_ip + end > 65535) {
		/* Suricata's frag_pkt_too_large */
		t->events = WEIR_PEV_BIT(f->ip_version == 4 ? WEIR_PEV_ipv4_frag_pkt_too_large
							    : WEIR_PEV_ipv6_frag_pkt_too_large);
		return df_refuse(t, DF_NIL, 0, WEIR_DEFRAG_INVALID, &t->st.invalid_too_large);
	}
	weir_defrag_expire(t, f->ts_ns);

	bucket = df_hash(t, f);
	for (ti = t->bucket[bucket]; ti != DF_NIL; ti = t->trk[ti].hnext)
		if (df_match(&t->trk[ti], f))
			break;
	if (ti == DF_NIL) {
		if (t->trk_free == DF_NIL)
			return df_refuse(t, DF_NIL, 0, WEIR_DEFRAG_NOMEM, &t->st.nomem_trackers);
		ti = t->trk_free;
		k = &t->trk[ti];
		t->trk_free = k->hnext;
		memset(k, 0, offsetof(struct df_tracker, hdr));
		k->head = DF_NIL;
		k->id = f->id;
		k->ip_version = f->ip_version;
		k->proto = f->ip_version == 4 ? f->proto : 0;
		k->vlan[0] = f->vlan[0];
		k->vlan[1] = f->vlan[1];
		k->n_vlan = f->n_vlan;
		memcpy(k->src, f->src, f->ip_version == 4 ? 4 : 16);
		memcpy(k->dst, f->dst, f->ip_version == 4 ? 4 : 16);
		k->hnext = t->bucket[bucket];
		t->bucket[bucket] = ti;
		df_lru_append(t, ti);
	} else {
		df_lru_unlink(t, ti);
		df_lru_append(t, ti);
	}
	k = &t->trk[ti];
	k->last_ns = f->ts_ns;

	if (k->n_frags >= t->c.max_frags || k->n_seq == DF_MAX_FRAGS)
		return df_refuse(t, ti, bucket, WEIR_DEFRAG_INVALID, &t->st.invalid_max_frags);
	if (k->seen_last && (end > k->end || (!f->more && end != k->end)))
		return df_refuse(t, ti, bucket, WEIR_DEFRAG_INVALID, &t->st.invalid_past_end);
	if (!f->more && !k->seen_last) {
		for (cur = k->head; cur != DF_NIL; cur = t->frag[cur].next)
			if (t->frag[cur].off + t->frag[cur].len > end)
				return df_refuse(t, ti, bucket, WEIR_DEFRAG_INVALID,
						 &t->st.invalid_past_end);
	}

	need = (f->data_len + WEIR_DEFRAG_BLOCK - 1) / WEIR_DEFRAG_BLOCK;
	if (t->frag_free == DF_NIL)
		return df_refuse(t, ti, bucket, WEIR_DEFRAG_NOMEM, &t->st.nomem_frags);
	if (t->blocks_free < need)
		return df_refuse(t, ti, bucket, WEIR_DEFRAG_NOMEM, &t->st.nomem_memcap);
	fi = t->frag_free;
	fr = &t->frag[fi];
	t->frag_free = fr->next;
	fr->off = f->offset;
	fr->len = f->data_len;
	fr->seq = k->n_seq++;
	/* the data, into a chain of blocks */
	fr->block = DF_NIL;
	{
		uint32_t *link = &fr->block, left = f->data_len;
		const uint8_t *src = f->frame + f->data_off;

		for (i = 0; i < need; i++) {
			uint32_t n = left < WEIR_DEFRAG_BLOCK ? left : WEIR_DEFRAG_BLOCK;

			b = t->block_free;
			t->block_free = t->block_next[b];
			t->blocks_free--;
			memcpy(t->blocks + (size_t)b * WEIR_DEFRAG_BLOCK, src, n);
			src += n;
			left -= n;
			*link = b;
			link = &t->block_next[b];
		}
		*link = DF_NIL;
	}
	/* into the list by offset, after those of the same offset */
	prev = DF_NIL;
	for (cur = k->head; cur != DF_NIL; cur = t->frag[cur].next) {
		const struct df_frag *c = &t->frag[cur];

		if (c->off < end && f->offset < c->off + c->len)
			overlap = true;
		if (c->off > f->offset)
			break;
		prev = cur;
	}
	for (i = cur; i != DF_NIL && !overlap; i = t->frag[i].next)
		if (t->frag[i].off < end)
			overlap = true;
	fr->next = cur;
	if (prev == DF_NIL)
		k->head = fi;
	else
		t->frag[prev].next = fi;
	k->n_frags++;
	t->st.held++;
	if (overlap) {
		k->overlap = true;
		t->st.overlaps++;
		t->events |= WEIR_PEV_BIT(f->ip_version == 4 ? WEIR_PEV_ipv4_frag_overlap
							     : WEIR_PEV_ipv6_frag_overlap);
	}
	if (f->offset == 0 && !k->have_hdr) {
		memcpy(k->hdr, f->frame, f->hdr_len);
		k->hdr_len = (uint16_t)f->hdr_len;
		k->l3_off = f->l3_off;
		k->nh_off = f->nh_off;
		k->nh = f->proto;
		k->have_hdr = true;
		if (df_is_tiny(f->proto, f->frame + f->data_off, f->data_len))
			t->st.tiny++;
	}
	if (!f->more) {
		k->seen_last = true;
		k->end = end;
	}
	if (!k->seen_last || !k->have_hdr)
		return WEIR_DEFRAG_HELD;
	/* complete when the fragments cover [0, end) */
	{
		uint32_t covered = 0;

		for (cur = k->head; cur != DF_NIL; cur = t->frag[cur].next) {
			const struct df_frag *c = &t->frag[cur];

			if (c->off > covered)
				return WEIR_DEFRAG_HELD;
			if (c->off + c->len > covered)
				covered = c->off + c->len;
		}
		if (covered < k->end)
			return WEIR_DEFRAG_HELD;
	}
	*out_len = df_build(t, k);
	*out = t->out;
	t->st.reassembled++;
	t->st.used += k->n_frags;
	df_release(t, ti, bucket);
	return WEIR_DEFRAG_DONE;
}

uint64_t
weir_defrag_events(const struct weir_defrag *t)
{
	return t->events;
}
