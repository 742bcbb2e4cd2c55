/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Window checkpoint (see window_ckpt.h): cold code run at shutdown, on
 * `weirctl checkpoint` and at start, never per packet.
 *
 * The reader trusts nothing: every length is checked against what is
 * left before it is used, counts are bounded by the bytes that would hold
 * them, and the file is walked twice, first only to verify it whole, then
 * to restore, so a bad file leaves the tables as they were.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "window_ckpt.h"

#define BLOCK_MAGIC 0x42545757u /* "WWTB" little-endian */
#define MAX_RULES   65535u
#define MAX_RECORDS 65535u
#define SKETCH_REC  12u /* bytes of a sketch record in the file */

uint32_t
weir_window_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t table[256];

	/* reflected Castagnoli polynomial; the table is cheap next to a file */
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1u)));
		table[i] = c;
	}
	crc = ~crc;
	while (len-- > 0)
		crc = table[(crc ^ *p++) & 0xffu] ^ (crc >> 8);
	return ~crc;
}

/* ---- writing a block ---- */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

static void
wb_put(struct wbuf *b, const void *src, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *np;

		while (cap < b->len + n)
			cap *= 2;
		np = realloc(b->p, cap);
		if (np == NULL) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, src, n);
	b->len += n;
}

static void
wb_u8(struct wbuf *b, uint8_t v)
{
	wb_put(b, &v, 1);
}

static void
wb_u16(struct wbuf *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	wb_put(b, x, 2);
}

static void
wb_u32(struct wbuf *b, uint32_t v)
{
	uint8_t x[4];

	for (int i = 0; i < 4; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	wb_put(b, x, 4);
}

static void
wb_u64(struct wbuf *b, uint64_t v)
{
	uint8_t x[8];

	for (int i = 0; i < 8; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	wb_put(b, x, 8);
}

struct dump_ctx {
	struct wbuf *b;
	const struct weir_window_def *defs;
	uint64_t entries;
};

static int
dump_entry(void *arg, const struct weir_window_entry *e, const uint64_t *recs)
{
	struct dump_ctx *d = arg;
	uint32_t rw = weir_window_record_words(&d->defs[e->def]);

	wb_u32(d->b, e->def);
	wb_u64(d->b, e->key_hash);
	wb_u16(d->b, e->key_len);
	wb_put(d->b, e->key, e->key_len);
	wb_u8(d->b, e->fired ? 1 : 0);
	wb_u64(d->b, e->fired_t);
	wb_u32(d->b, e->n);
	for (size_t i = 0; i < (size_t)e->n * rw; i++)
		wb_u64(d->b, recs[i]);
	wb_u8(d->b, e->sketch ? 1 : 0);
	if (e->sketch) {
		const uint64_t *sr = &recs[(size_t)e->n * rw];

		wb_u64(d->b, e->overflow_t);
		wb_u32(d->b, e->n_sketch);
		for (uint32_t i = 0; i < e->n_sketch; i++) {
			wb_u64(d->b, sr[2 * i]);
			wb_u32(d->b, (uint32_t)sr[2 * i + 1]);
		}
	}
	d->entries++;
	return d->b->oom ? -ENOMEM : 0;
}

int
weir_window_ckpt_dump(const struct weir_window_table *t, void **blk, size_t *len)
{
	struct wbuf b = {0};
	struct dump_ctx d = {.b = &b};
	uint32_t n_defs;
	int rc;

	d.defs = weir_window_defs(t, &n_defs);
	wb_u32(&b, BLOCK_MAGIC);
	wb_u32(&b, n_defs);
	wb_u64(&b, 0); /* entries, filled in below */
	for (uint32_t i = 0; i < n_defs; i++) {
		const struct weir_window_def *w = &d.defs[i];

		wb_u32(&b, w->sid);
		wb_u32(&b, w->rev);
		wb_u64(&b, w->clause_hash);
		wb_u64(&b, w->length_ns);
		wb_u8(&b, w->n_cond);
		wb_u8(&b, w->fire_each ? 1 : 0);
		for (uint32_t c = 0; c < WEIR_WINDOW_COND_MAX; c++)
			wb_u8(&b, c < w->n_cond ? w->cond[c].agg : 0);
		wb_u16(&b, 0);
	}
	rc = b.oom ? -ENOMEM : weir_window_walk(t, dump_entry, &d);
	if (rc != 0 || b.oom) {
		free(b.p);
		return rc != 0 ? rc : -ENOMEM;
	}
	for (int i = 0; i < 8; i++)
		b.p[8 + i] = (uint8_t)(d.entries >> (8 * i));
	*blk = b.p;
	*len = b.len;
	return 0;
}

/* ---- writing the file ---- */

static int
write_all(int fd, const void *p, size_t n)
{
	const uint8_t *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void
le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int
weir_window_ckpt_write(const char *path, void *const *blks, const size_t *lens, uint32_t n,
		       char *err, size_t errlen)
{
	uint8_t hdr[WEIR_WINDOW_CKPT_HDR] = {0}, num[8];
	char tmp[PATH_MAX], dir[PATH_MAX];
	uint64_t body = 4;
	uint32_t crc;
	int fd, dfd, rc;
	const char *step;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp) ||
	    snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -ENAMETOOLONG;
	}
	le32(num, n);
	crc = weir_window_crc32c(0, num, 4);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t l[8];

		le64(l, lens[i]);
		crc = weir_window_crc32c(crc, l, 8);
		crc = weir_window_crc32c(crc, blks[i], lens[i]);
		body += 8 + lens[i];
	}
	memcpy(hdr, WEIR_WINDOW_CKPT_MAGIC, 8);
	le32(hdr + 8, WEIR_WINDOW_CKPT_VERSION);
	le32(hdr + 12, 0);
	le64(hdr + 16, body);
	le32(hdr + 24, crc);

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: create: %s", tmp, strerror(-rc));
		return rc;
	}
	step = "write";
	rc = write_all(fd, hdr, sizeof(hdr));
	if (rc == 0)
		rc = write_all(fd, num, 4);
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		uint8_t l[8];

		le64(l, lens[i]);
		rc = write_all(fd, l, 8);
		if (rc == 0)
			rc = write_all(fd, blks[i], lens[i]);
	}
	if (rc == 0 && fsync(fd) != 0) {
		step = "fsync";
		rc = -errno;
	}
	if (close(fd) != 0 && rc == 0) {
		step = "close";
		rc = -errno;
	}
	if (rc != 0)
		goto err_unlink;
	if (rename(tmp, path) != 0) {
		step = "rename";
		rc = -errno;
		goto err_unlink;
	}
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) != 0) {
		rc = -errno;
		if (dfd >= 0)
			close(dfd);
		snprintf(err, errlen, "%s: fsync of its directory: %s", path, strerror(-rc));
		return rc;
	}
	close(dfd);
	return 0;

err_unlink:
	snprintf(err, errlen, "%s: %s: %s", tmp, step, strerror(-rc));
	unlink(tmp);
	return rc;
}

/* ---- reading ---- */

struct rd {
	const uint8_t *p;
	size_t left;
};

static bool
rd_take(struct rd *r, void *dst, size_t n)
{
	if (r->left < n)
		return false;
	if (dst != NULL)
		memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
	return true;
}

static bool
rd_u8(struct rd *r, uint8_t *v)
{
	return rd_take(r, v, 1);
}

static bool
rd_u16(struct rd *r, uint16_t *v)
{
	uint8_t x[2];

	if (!rd_take(r, x, 2))
		return false;
	*v = (uint16_t)(x[0] | x[1] << 8);
	return true;
}

static bool
rd_u32(struct rd *r, uint32_t *v)
{
	uint8_t x[4];

	if (!rd_take(r, x, 4))
		return false;
	*v = 0;
	for (int i = 3; i >= 0; i--)
		*v = *v << 8 | x[i];
	return true;
}

static bool
rd_u64(struct rd *r, uint64_t *v)
{
	uint8_t x[8];

	if (!rd_take(r, x, 8))
		return false;
	*v = 0;
	for (int i = 7; i >= 0; i--)
		*v = *v << 8 | x[i];
	return true;
}

/* One rule of a block. */
struct crule {
	struct weir_window_def def; /* sid, rev, clause_hash, length, conds' agg */
	uint32_t rw;
	int64_t target; /* index into the tables' defs, -1: dropped */
};

struct load {
	const char *name;
	char *err;
	size_t errlen;
	struct weir_window_table *const *tables;
	uint32_t n;
	uint32_t (*owner_of)(uint64_t, void *);
	void *arg;
	struct weir_window_ckpt_stats st;
	uint64_t *recs; /* body / 8 words: room for any entry's records */
};

static int __attribute__((format(printf, 2, 3))) load_fail(struct load *l, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(l->err, l->errlen, "%s: ", l->name);

	if (n >= 0 && (size_t)n < l->errlen) {
		va_start(ap, fmt);
		vsnprintf(l->err + n, l->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int64_t
rule_target(const struct load *l, const struct weir_window_def *d)
{
	uint32_t n_defs;
	const struct weir_window_def *defs = weir_window_defs(l->tables[0], &n_defs);

	for (uint32_t i = 0; i < n_defs; i++) {
		const struct weir_window_def *t = &defs[i];
		bool same = t->sid == d->sid && t->rev == d->rev &&
			    t->clause_hash == d->clause_hash && t->n_cond == d->n_cond &&
			    t->length_ns == d->length_ns;

		for (uint32_t c = 0; same && c < d->n_cond; c++)
			same = t->cond[c].agg == d->cond[c].agg;
		if (same)
			return i;
	}
	return -1;
}

static bool
rule_seen_before(struct crule *rules, uint32_t upto, const struct weir_window_def *d)
{
	for (uint32_t i = 0; i < upto; i++)
		if (rules[i].def.sid == d->sid && rules[i].def.rev == d->rev &&
		    rules[i].def.clause_hash == d->clause_hash)
			return true;
	return false;
}

/* Walk one block; restore into the tables when @p apply. */
static int
load_block(struct load *l, uint32_t bi, struct rd *r, bool apply)
{
	uint32_t magic, n_rules;
	uint64_t n_entries;
	struct crule *rules = NULL;
	int rc = -1;

	if (!rd_u32(r, &magic) || !rd_u32(r, &n_rules) || !rd_u64(r, &n_entries)) {
		load_fail(l, "block %u: truncated block header", bi);
		goto out;
	}
	if (magic != BLOCK_MAGIC) {
		load_fail(l, "block %u: bad block magic 0x%08x", bi, magic);
		goto out;
	}
	if (n_rules > MAX_RULES || (uint64_t)n_rules * 32 > r->left) {
		load_fail(l, "block %u: %u rules do not fit in the block", bi, n_rules);
		goto out;
	}
	if (n_entries > r->left / 28) { /* an entry takes at least 28 bytes */
		load_fail(l, "block %u: %llu entries do not fit in the block", bi,
			  (unsigned long long)n_entries);
		goto out;
	}
	rules = calloc(n_rules ? n_rules : 1, sizeof(*rules));
	if (rules == NULL) {
		load_fail(l, "out of memory");
		goto out;
	}
	for (uint32_t i = 0; i < n_rules; i++) {
		struct weir_window_def *d = &rules[i].def;
		uint8_t fe, agg[WEIR_WINDOW_COND_MAX];
		uint16_t pad;

		if (!rd_u32(r, &d->sid) || !rd_u32(r, &d->rev) || !rd_u64(r, &d->clause_hash) ||
		    !rd_u64(r, &d->length_ns) || !rd_u8(r, &d->n_cond) || !rd_u8(r, &fe) ||
		    !rd_take(r, agg, sizeof(agg)) || !rd_u16(r, &pad)) {
			load_fail(l, "block %u: rule %u: truncated", bi, i);
			goto out;
		}
		if (d->n_cond == 0 || d->n_cond > WEIR_WINDOW_COND_MAX || fe > 1 || pad != 0 ||
		    d->length_ns == 0) {
			load_fail(l, "block %u: rule %u (sid %u): bad definition", bi, i, d->sid);
			goto out;
		}
		d->fire_each = fe;
		for (uint32_t c = 0; c < WEIR_WINDOW_COND_MAX; c++) {
			if (agg[c] > WEIR_WAGG_DISTINCT || (c >= d->n_cond && agg[c] != 0)) {
				load_fail(l, "block %u: rule %u (sid %u): bad aggregate %u", bi, i,
					  d->sid, agg[c]);
				goto out;
			}
			d->cond[c].agg = agg[c];
		}
		rules[i].rw = weir_window_record_words(d);
		rules[i].target = rule_target(l, d);
	}
	/* every block lists the same rules: count them once, from the first */
	if (apply && bi == 0) {
		for (uint32_t i = 0; i < n_rules; i++) {
			if (rule_seen_before(rules, i, &rules[i].def))
				continue;
			if (rules[i].target >= 0)
				l->st.rules_kept++;
			else
				l->st.rules_dropped++;
		}
	}
	for (uint64_t k = 0; k < n_entries; k++) {
		struct weir_window_entry e;
		uint32_t rule;
		uint8_t fired;
		const uint8_t *recp;
		size_t bytes;

		memset(&e, 0, sizeof(e));
		if (!rd_u32(r, &rule) || !rd_u64(r, &e.key_hash) || !rd_u16(r, &e.key_len)) {
			load_fail(l, "block %u: entry %llu: truncated", bi, (unsigned long long)k);
			goto out;
		}
		if (rule >= n_rules) {
			load_fail(l, "block %u: entry %llu: rule %u of %u", bi,
				  (unsigned long long)k, rule, n_rules);
			goto out;
		}
		if (e.key_len > WEIR_WINDOW_KEY_MAX) {
			load_fail(l, "block %u: entry %llu: key length %u > %u", bi,
				  (unsigned long long)k, e.key_len, WEIR_WINDOW_KEY_MAX);
			goto out;
		}
		if (!rd_take(r, e.key, e.key_len) || !rd_u8(r, &fired) || !rd_u64(r, &e.fired_t) ||
		    !rd_u32(r, &e.n)) {
			load_fail(l, "block %u: entry %llu: truncated", bi, (unsigned long long)k);
			goto out;
		}
		if (fired > 1 || e.n > MAX_RECORDS) {
			load_fail(l, "block %u: entry %llu: bad fired flag or %u observations", bi,
				  (unsigned long long)k, e.n);
			goto out;
		}
		e.fired = fired;
		bytes = (size_t)e.n * rules[rule].rw * 8;
		recp = r->p;
		if (!rd_take(r, NULL, bytes)) {
			load_fail(l, "block %u: entry %llu: truncated observations", bi,
				  (unsigned long long)k);
			goto out;
		}
		for (uint32_t o = 0; o < e.n; o++) {
			size_t base = (size_t)o * rules[rule].rw;

			for (uint32_t w = 0; w < rules[rule].rw; w++) {
				uint64_t v = 0;

				for (int b = 7; b >= 0; b--)
					v = v << 8 | recp[(base + w) * 8 + (size_t)b];
				l->recs[base + w] = v;
			}
			if (o > 0 && l->recs[base] < l->recs[base - rules[rule].rw]) {
				load_fail(l, "block %u: entry %llu: observations out of time order",
					  bi, (unsigned long long)k);
				goto out;
			}
		}
		{
			uint8_t sketch;
			uint64_t *sr = &l->recs[(size_t)e.n * rules[rule].rw];

			if (!rd_u8(r, &sketch) || sketch > 1) {
				load_fail(l, "block %u: entry %llu: %s", bi, (unsigned long long)k,
					  r->left == 0 ? "truncated" : "bad sketch flag");
				goto out;
			}
			e.sketch = sketch;
			if (sketch && (!rd_u64(r, &e.overflow_t) || !rd_u32(r, &e.n_sketch) ||
				       (uint64_t)e.n_sketch * SKETCH_REC > r->left)) {
				load_fail(l, "block %u: entry %llu: truncated sketch", bi,
					  (unsigned long long)k);
				goto out;
			}
			for (uint32_t s = 0; sketch && s < e.n_sketch; s++) {
				uint32_t w = 0;

				rd_u64(r, &sr[2 * s]);
				rd_u32(r, &w);
				sr[2 * s + 1] = w;
			}
			if (sketch &&
			    weir_window_sketch_check(&rules[rule].def, e.n_sketch, sr) != 0) {
				load_fail(l, "block %u: entry %llu: bad sketch (%u records)", bi,
					  (unsigned long long)k, e.n_sketch);
				goto out;
			}
		}
		if (!apply)
			continue;
		l->st.entries++;
		if (rules[rule].target < 0) {
			l->st.dropped_rule++;
			continue;
		}
		{
			uint32_t owner = 0;
			int rr;

			if (l->n > 1)
				owner = (l->owner_of != NULL ? l->owner_of(e.key_hash, l->arg)
							     : (uint32_t)e.key_hash) %
					l->n;
			e.def = (uint32_t)rules[rule].target;
			rr = weir_window_restore(l->tables[owner], &e, l->recs);
			if (rr == 0)
				l->st.restored++;
			else if (rr == -EEXIST)
				l->st.dropped_duplicate++;
			else
				l->st.dropped_nomem++;
		}
	}
	if (r->left != 0) {
		load_fail(l, "block %u: %zu bytes after the last entry", bi, r->left);
		goto out;
	}
	rc = 0;
out:
	free(rules);
	return rc;
}

static int
load_body(struct load *l, const uint8_t *body, size_t len, bool apply)
{
	struct rd r = {body, len};
	uint32_t n_blocks;

	if (!rd_u32(&r, &n_blocks))
		return load_fail(l, "truncated body");
	if (n_blocks > r.left / 8)
		return load_fail(l, "%u blocks do not fit in the body", n_blocks);
	for (uint32_t b = 0; b < n_blocks; b++) {
		uint64_t bl;
		struct rd br;

		if (!rd_u64(&r, &bl) || bl > r.left)
			return load_fail(l, "block %u: length beyond the body", b);
		br.p = r.p;
		br.left = (size_t)bl;
		if (load_block(l, b, &br, apply) != 0)
			return -1;
		rd_take(&r, NULL, (size_t)bl);
	}
	if (r.left != 0)
		return load_fail(l, "%zu bytes after the last block", r.left);
	if (apply)
		l->st.blocks = n_blocks;
	return 0;
}

int
weir_window_ckpt_load_buf(const void *buf, size_t len, const char *name,
			  struct weir_window_table *const *tables, uint32_t n,
			  uint32_t (*owner_of)(uint64_t key_hash, void *arg), void *arg,
			  struct weir_window_ckpt_stats *st, char *err, size_t errlen)
{
	const uint8_t *p = buf;
	struct load l = {.name = name,
			 .err = err,
			 .errlen = errlen,
			 .tables = tables,
			 .n = n,
			 .owner_of = owner_of,
			 .arg = arg};
	uint32_t version, flags, crc, pad, n_defs0;
	uint64_t body;
	int rc = -1;

	if (n == 0 || tables == NULL)
		return load_fail(&l, "no table to load into");
	weir_window_defs(tables[0], &n_defs0);
	for (uint32_t i = 1; i < n; i++) {
		uint32_t nd;
		const struct weir_window_def *a = weir_window_defs(tables[0], &n_defs0);
		const struct weir_window_def *b = weir_window_defs(tables[i], &nd);

		bool same = nd == n_defs0;

		for (uint32_t k = 0; same && k < nd; k++)
			same = a[k].sid == b[k].sid && a[k].rev == b[k].rev &&
			       a[k].clause_hash == b[k].clause_hash;
		if (!same)
			return load_fail(&l, "tables with different rules");
	}
	if (len < WEIR_WINDOW_CKPT_HDR)
		return load_fail(&l, "truncated header (%zu of %u bytes)", len,
				 WEIR_WINDOW_CKPT_HDR);
	if (memcmp(p, WEIR_WINDOW_CKPT_MAGIC, 8) != 0)
		return load_fail(&l, "not a window checkpoint (bad magic)");
	{
		struct rd r = {p + 8, WEIR_WINDOW_CKPT_HDR - 8};

		rd_u32(&r, &version);
		rd_u32(&r, &flags);
		rd_u64(&r, &body);
		rd_u32(&r, &crc);
		rd_u32(&r, &pad);
	}
	if (version != WEIR_WINDOW_CKPT_VERSION)
		return load_fail(&l, "format version %u, this weir reads %u", version,
				 WEIR_WINDOW_CKPT_VERSION);
	if (flags != 0 || pad != 0)
		return load_fail(&l, "unknown header flags 0x%x", flags | pad);
	if (body != len - WEIR_WINDOW_CKPT_HDR)
		return load_fail(&l, "body of %llu bytes, the file has %zu after the header",
				 (unsigned long long)body, len - WEIR_WINDOW_CKPT_HDR);
	if (weir_window_crc32c(0, p + WEIR_WINDOW_CKPT_HDR, (size_t)body) != crc)
		return load_fail(&l, "checksum mismatch (CRC32C of the body)");
	/* an entry's records are in the body: no more words than it holds (a
	 * sketch record, 12 bytes, takes two) */
	l.recs = malloc(((size_t)body / 6 + 2) * sizeof(uint64_t));
	if (l.recs == NULL)
		return load_fail(&l, "out of memory");
	if (load_body(&l, p + WEIR_WINDOW_CKPT_HDR, (size_t)body, false) != 0)
		goto out;
	rc = load_body(&l, p + WEIR_WINDOW_CKPT_HDR, (size_t)body, true);
	if (st != NULL)
		*st = l.st;
out:
	free(l.recs);
	return rc;
}

int
weir_window_ckpt_load(const char *path, struct weir_window_table *const *tables, uint32_t n,
		      uint32_t (*owner_of)(uint64_t key_hash, void *arg), void *arg,
		      struct weir_window_ckpt_stats *st, char *err, size_t errlen)
{
	struct stat sb;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path,
			 errno == ENOENT ? "not found" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	buf = malloc(sb.st_size > 0 ? (size_t)sb.st_size : 1);
	if (buf == NULL) {
		snprintf(err, errlen, "%s: out of memory for %lld bytes", path,
			 (long long)sb.st_size);
		goto out;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "%s: read: %s", path,
				 r < 0 ? strerror(errno) : "file shrank while read");
			goto out;
		}
		got += (size_t)r;
	}
	rc = weir_window_ckpt_load_buf(buf, got, path, tables, n, owner_of, arg, st, err, errlen);
out:
	free(buf);
	close(fd);
	return rc;
}
