/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for IP reassembly (app/defrag.c, fed through app/decode.c as
 * the worker feeds it), against an oracle written here from the contract
 * of app/defrag.h. One input is a program:
 *
 *   byte 0: policy (% 6); byte 1: table size (trackers 1-4, fragment slots
 *   2-17); byte 2: data blocks (1-32) and the per-datagram cap (1-8);
 *   byte 3: IPv4 or IPv6 (bit 0), then 5-byte operations:
 *     op & 3 == 0..2: a fragment of datagram (op >> 2) & 1: offset b1 (in
 *       8-byte units, b1 == 255: 8189, far out), length b2 bytes (b2 & 1:
 *       times 8, a multiple of 8; 0 = empty), more-fragments b3 & 1, fill
 *       b4 (each byte is fill + its position in the datagram, so the bytes
 *       name the fragment that wrote them);
 *     op & 3 == 3: the clock moves b1 seconds forward (b2 & 1: flush).
 *
 * The oracle predicts every result exactly: refusals (empty, too large,
 * past the end, other end, per-datagram cap), drops for memory (it knows
 * which trackers, slots and blocks are held), timeouts by the clock, and,
 * when the datagram completes, every byte of it by the policy table; then
 * the rebuilt frame is decoded again and must be a whole datagram. After
 * every operation the counters hold the accounting identity.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "decode.h"
#include "defrag.h"
#include "fuzz.h"

#define FZ_SEC	     1000000000ull
#define FZ_TIMEOUT   30
#define FZ_MAX_FRAGS 8
#define FZ_DGRAM_MAX 65536

struct fz_frag {
	uint32_t off, len;
	uint8_t fill;
};

struct fz_dgram {
	bool live;
	bool seen_last;
	uint32_t end;
	uint64_t last_s;
	unsigned int n;
	struct fz_frag f[FZ_MAX_FRAGS];
};

struct fz {
	struct weir_defrag *t;
	enum weir_defrag_policy pol;
	uint32_t trackers, slots, blocks, max_frags;
	int version;
	uint64_t now_s;
	struct fz_dgram d[2];
	struct weir_defrag_stats want;
	uint8_t frame[128 + 2048];
};

static uint32_t
fz_blocks(uint32_t len)
{
	return (len + WEIR_DEFRAG_BLOCK - 1) / WEIR_DEFRAG_BLOCK;
}

static void
fz_held(const struct fz *z, uint32_t *frags, uint32_t *blocks, uint32_t *trk)
{
	unsigned int k, i;

	*frags = *blocks = *trk = 0;
	for (k = 0; k < 2; k++) {
		if (!z->d[k].live)
			continue;
		(*trk)++;
		for (i = 0; i < z->d[k].n; i++) {
			(*frags)++;
			*blocks += fz_blocks(z->d[k].f[i].len);
		}
	}
}

static void
fz_drop(struct fz *z, unsigned int k, bool timeout)
{
	if (timeout)
		z->want.timeout += z->d[k].n;
	memset(&z->d[k], 0, sizeof(z->d[k]));
}

static void
fz_expire(struct fz *z)
{
	unsigned int k;

	for (k = 0; k < 2; k++)
		if (z->d[k].live && z->d[k].last_s + FZ_TIMEOUT < z->now_s)
			fz_drop(z, k, true);
}

static bool
fz_wins(enum weir_defrag_policy p, const struct fz_frag *n, const struct fz_frag *o)
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

/* The frame of one fragment: Ethernet, IPv4 or IPv6 + fragment header. */
static uint32_t
fz_frame(struct fz *z, unsigned int id, uint32_t off, uint32_t len, bool mf, uint8_t fill)
{
	uint8_t *p = z->frame, *ip = p + 14, *data;
	uint32_t i, hl;

	memset(p, 0, 14 + 48);
	if (z->version == 4) {
		p[12] = 0x08;
		ip[0] = 0x45;
		ip[2] = (uint8_t)((20 + len) >> 8);
		ip[3] = (uint8_t)(20 + len);
		ip[5] = (uint8_t)(id + 1);
		ip[6] = (uint8_t)((mf ? 0x20 : 0) | ((off / 8) >> 8));
		ip[7] = (uint8_t)(off / 8);
		ip[8] = 64;
		ip[9] = IPPROTO_UDP;
		ip[12] = 10;
		ip[15] = 1;
		ip[16] = 10;
		ip[19] = 2;
		hl = 20;
	} else {
		p[12] = 0x86;
		p[13] = 0xdd;
		ip[0] = 0x60;
		ip[4] = (uint8_t)((8 + len) >> 8);
		ip[5] = (uint8_t)(8 + len);
		ip[6] = IPPROTO_FRAGMENT;
		ip[7] = 64;
		ip[8] = 0x20;
		ip[23] = 1;
		ip[24] = 0x20;
		ip[39] = 2;
		ip[40] = IPPROTO_UDP;
		ip[42] = (uint8_t)(off >> 8);
		ip[43] = (uint8_t)((off & 0xf8) | (mf ? 1 : 0));
		ip[47] = (uint8_t)(id + 1);
		hl = 48;
	}
	data = ip + hl;
	for (i = 0; i < len; i++)
		data[i] = (uint8_t)(fill + off + i);
	return 14 + hl + len;
}

static void
fz_fragment(struct fz *z, unsigned int k, uint32_t off, uint32_t len, bool mf, uint8_t fill)
{
	struct fz_dgram *d = &z->d[k];
	struct weir_decoded dec;
	struct weir_defrag_frag f;
	enum weir_defrag_res r, want;
	uint32_t flen, end = off + len, hfr, hbl, htr, i, b, hdr_ip = z->version == 4 ? 20 : 0;
	const uint8_t *out = NULL;
	uint32_t out_len = 0;
	bool created = false, complete;

	flen = fz_frame(z, k, off, len, mf, fill);
	(void)weir_decode(z->frame, flen, WEIR_L2_ETH, &dec);
	if (!dec.frag)
		return; /* offset 0 without more: a whole datagram, not ours */
	memset(&f, 0, sizeof(f));
	f.frame = z->frame;
	f.hdr_len = dec.frag_hdr_len;
	f.data_off = dec.frag_data_off;
	f.data_len = dec.frag_data_len;
	f.offset = dec.frag_offset;
	f.id = dec.frag_id;
	f.src = dec.src;
	f.dst = dec.dst;
	f.l3_off = dec.l3_off;
	f.nh_off = dec.frag_nh_off;
	f.ip_version = dec.ip_version;
	f.proto = dec.ip_version == 4 ? dec.proto : dec.frag_nh;
	f.more = dec.frag_more != 0;
	f.ts_ns = z->now_s * FZ_SEC;
	FUZZ_CHECK(f.offset == off && f.data_len == len, "decoder: offset %u len %u", f.offset,
		   f.data_len);

	/* the oracle, step by step as defrag.h states it */
	z->want.fragments++;
	if (len == 0 || hdr_ip + end > 65535) {
		want = WEIR_DEFRAG_INVALID;
		goto predicted;
	}
	fz_expire(z);
	fz_held(z, &hfr, &hbl, &htr);
	if (!d->live) {
		if (htr == z->trackers) {
			want = WEIR_DEFRAG_NOMEM;
			goto predicted;
		}
		d->live = true;
		created = true;
	}
	d->last_s = z->now_s;
	if (d->n >= z->max_frags || (d->seen_last && (end > d->end || (!mf && end != d->end)))) {
		want = WEIR_DEFRAG_INVALID;
		goto refused;
	}
	if (!mf && !d->seen_last)
		for (i = 0; i < d->n; i++)
			if (d->f[i].off + d->f[i].len > end) {
				want = WEIR_DEFRAG_INVALID;
				goto refused;
			}
	if (hfr == z->slots || z->blocks - hbl < fz_blocks(len)) {
		want = WEIR_DEFRAG_NOMEM;
		goto refused;
	}
	d->f[d->n++] = (struct fz_frag){off, len, fill};
	if (!mf) {
		d->seen_last = true;
		d->end = end;
	}
	complete = d->seen_last;
	if (complete) {
		/* covered without a hole, with the offset-0 bytes among them */
		static uint8_t cov[FZ_DGRAM_MAX];

		memset(cov, 0, d->end);
		for (i = 0; i < d->n; i++)
			memset(cov + d->f[i].off, 1, d->f[i].len);
		for (b = 0; b < d->end && complete; b++)
			complete = cov[b] != 0;
	}
	want = complete ? WEIR_DEFRAG_DONE : WEIR_DEFRAG_HELD;
	goto predicted;
refused:
	if (created)
		d->live = false;
predicted:
	r = weir_defrag_insert(z->t, &f, &out, &out_len);
	FUZZ_CHECK(r == want, "fragment off %u len %u mf %d of datagram %u: got %d, oracle %d", off,
		   len, mf, k, (int)r, (int)want);
	if (r == WEIR_DEFRAG_INVALID)
		z->want.invalid++;
	else if (r == WEIR_DEFRAG_NOMEM)
		z->want.nomem++;
	if (r != WEIR_DEFRAG_DONE)
		return;

	/* every byte from the fragment the policy gives it */
	{
		static int16_t owner[FZ_DGRAM_MAX];
		struct weir_decoded rd;
		uint32_t hdr = out_len - d->end;

		FUZZ_CHECK(out_len > d->end && hdr == (z->version == 4 ? 34u : 54u),
			   "rebuilt frame of %u bytes for a %u-byte datagram", out_len, d->end);
		for (b = 0; b < d->end; b++)
			owner[b] = -1;
		for (i = 0; i < d->n; i++)
			for (b = d->f[i].off; b < d->f[i].off + d->f[i].len; b++)
				if (owner[b] < 0 || fz_wins(z->pol, &d->f[i], &d->f[owner[b]]))
					owner[b] = (int16_t)i;
		for (b = 0; b < d->end; b++)
			FUZZ_CHECK(out[hdr + b] == (uint8_t)(d->f[owner[b]].fill + b),
				   "byte %u of the datagram is %#x, oracle %#x", b, out[hdr + b],
				   (uint8_t)(d->f[owner[b]].fill + b));
		(void)weir_decode(out, out_len, WEIR_L2_ETH, &rd);
		FUZZ_CHECK(rd.ip_version == (uint8_t)z->version && rd.frag == 0,
			   "rebuilt frame decodes as a fragment or not as IPv%d", z->version);
		z->want.reassembled++;
		z->want.used += d->n;
		fz_drop(z, k, false);
	}
}

static void
fz_check_counters(struct fz *z)
{
	struct weir_defrag_stats s;
	uint32_t hfr, hbl, htr;

	weir_defrag_stats_get(z->t, &s);
	fz_held(z, &hfr, &hbl, &htr);
	z->want.held = hfr;
	FUZZ_CHECK(s.fragments == s.used + s.timeout + s.nomem + s.invalid + s.held,
		   "accounting: %llu != %llu + %llu + %llu + %llu + %llu",
		   (unsigned long long)s.fragments, (unsigned long long)s.used,
		   (unsigned long long)s.timeout, (unsigned long long)s.nomem,
		   (unsigned long long)s.invalid, (unsigned long long)s.held);
	FUZZ_CHECK(s.fragments == z->want.fragments && s.used == z->want.used &&
			   s.timeout == z->want.timeout && s.nomem == z->want.nomem &&
			   s.invalid == z->want.invalid && s.held == z->want.held &&
			   s.reassembled == z->want.reassembled,
		   "counters differ from the oracle (timeout %llu vs %llu, held %llu vs %llu)",
		   (unsigned long long)s.timeout, (unsigned long long)z->want.timeout,
		   (unsigned long long)s.held, (unsigned long long)z->want.held);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz z;
	struct weir_defrag_conf c;
	size_t i;

	if (size < 4)
		return 0;
	memset(&z, 0, sizeof(z));
	z.pol = (enum weir_defrag_policy)(data[0] % 6);
	z.trackers = 1 + (data[1] & 3);
	z.slots = 2 + ((data[1] >> 2) & 15);
	z.blocks = 1 + (data[2] & 31);
	z.max_frags = 1 + ((data[2] >> 5) & 7);
	z.version = (data[3] & 1) ? 6 : 4;
	z.now_s = 1000;
	c = (struct weir_defrag_conf){.trackers = z.trackers,
				      .frags = z.slots,
				      .memcap = (uint64_t)z.blocks * WEIR_DEFRAG_BLOCK,
				      .max_frags = z.max_frags,
				      .timeout_ns = FZ_TIMEOUT * FZ_SEC,
				      .policy = z.pol};
	z.t = weir_defrag_create(&c);
	FUZZ_CHECK(z.t != NULL, "create failed");
	for (i = 4; i + 5 <= size; i += 5) {
		const uint8_t *op = data + i;

		if ((op[0] & 3) == 3) {
			z.now_s += op[1];
			if (op[2] & 1) {
				unsigned int k;

				weir_defrag_flush(z.t);
				for (k = 0; k < 2; k++)
					if (z.d[k].live)
						fz_drop(&z, k, true);
			} else {
				fz_expire(&z);
				weir_defrag_expire(z.t, z.now_s * FZ_SEC);
			}
		} else {
			uint32_t off = op[1] == 255 ? 8189u * 8 : (uint32_t)op[1] * 8;
			uint32_t len = (op[2] & 1) ? (uint32_t)(op[2] >> 1) * 8 : op[2] >> 1;

			fz_fragment(&z, (op[0] >> 2) & 1, off, len, (op[3] & 1) != 0, op[4]);
		}
		fz_check_counters(&z);
	}
	weir_defrag_flush(z.t);
	for (i = 0; i < 2; i++)
		if (z.d[i].live)
			fz_drop(&z, (unsigned int)i, true);
	fz_check_counters(&z);
	weir_defrag_destroy(z.t);
	return 0;
}
