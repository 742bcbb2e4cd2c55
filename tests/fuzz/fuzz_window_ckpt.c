/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the window checkpoint reader (app/window_ckpt.c), which
 * reads a file from the state directory at start: it must refuse anything
 * malformed with a reason and never read outside the file.
 *
 * One input is a mode byte then a checkpoint file. Mode bit 0 set: the
 * harness rewrites the header's body length and CRC32C to match the
 * bytes, so the fuzzer gets past the checksum into the structure parser
 * (without it almost every mutation dies at the CRC). Bits 1-2: load into
 * 1-3 tables (a different owner count from the dump's). Bit 3: a table
 * with room for few slots, so restores run out of memory and evict.
 *
 * Invariants:
 * - the return is 0 or -1; -1 comes with a message starting with the
 *   file's name, and every table is left empty (nothing is touched unless
 *   the whole file is valid);
 * - 0: entries = restored + dropped (rule, duplicate, memory), rules
 *   kept + dropped <= the rules of the first block, the tables hold
 *   keys = restored - evicted, each key on the table owner_of names;
 * - what loaded dumps and loads again into fresh tables with nothing
 *   dropped and the same keys (the writer's output is always readable).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "window_ckpt.h"

#define NAME "fuzz/windows.ckpt"

static void
on_fire(void *ctx, const struct weir_window_def *def, const struct weir_window_obs *obs,
	const struct weir_window_result *res, const void *aux)
{
	(void)ctx;
	(void)def;
	(void)obs;
	(void)res;
	(void)aux;
}

/* The seeds' rules (regress/fuzz_window_ckpt/). */
static void
defs_mk(struct weir_window_def d[3])
{
	memset(d, 0, 3 * sizeof(*d));
	d[0].sid = 9001;
	d[0].rev = 1;
	d[0].clause_hash = 0xaaaa;
	d[0].length_ns = 600000000000ull;
	d[0].n_cond = 1;
	d[0].cond[0] = (struct weir_window_cond){WEIR_WAGG_DISTINCT, WEIR_WOP_GE, 3};
	d[1].sid = 9002;
	d[1].rev = 3;
	d[1].clause_hash = 0xbbbb;
	d[1].length_ns = 60000000000ull;
	d[1].n_cond = 2;
	d[1].cond[0] = (struct weir_window_cond){WEIR_WAGG_COUNT, WEIR_WOP_GT, 5};
	d[1].cond[1] = (struct weir_window_cond){WEIR_WAGG_SUM, WEIR_WOP_GT, 100};
	d[2].sid = 9003;
	d[2].rev = 1;
	d[2].clause_hash = 0xcccc;
	d[2].length_ns = 3600000000000ull;
	d[2].fire_each = true;
	d[2].n_cond = 1;
	d[2].cond[0] = (struct weir_window_cond){WEIR_WAGG_COUNT, WEIR_WOP_GE, 2};
}

static uint32_t
owner_of(uint64_t h, void *arg)
{
	return (uint32_t)(h >> 3) % *(uint32_t *)arg;
}

struct check {
	uint32_t owner, n;
	bool ok;
};

static int
check_entry(void *arg, const struct weir_window_entry *e, const uint64_t *recs)
{
	struct check *c = arg;

	(void)recs;
	if (c->n > 1 && owner_of(e->key_hash, &c->n) != c->owner)
		c->ok = false;
	return 0;
}

static uint64_t
keys_of(struct weir_window_table *t, uint64_t *evicted)
{
	struct weir_window_stats st;

	weir_window_stats(t, &st);
	*evicted += st.evicted;
	return st.keys;
}

static void
make_tables(struct weir_window_table **t, uint32_t n, bool small)
{
	struct weir_window_conf c;
	struct weir_window_def d[3];

	memset(&c, 0, sizeof(c));
	c.memcap = small ? 64u << 10 : 1u << 20;
	c.max_events_per_key = 64;
	c.pending_max = 16;
	c.hash_seed = 7;
	defs_mk(d);
	for (uint32_t i = 0; i < n; i++) {
		t[i] = weir_window_table_create(&c, d, 3, on_fire, NULL);
		FUZZ_CHECK(t[i] != NULL, "create failed");
	}
}

static void
put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct weir_window_table *t[3], *u[3];
	struct weir_window_ckpt_stats st;
	uint32_t n;
	uint8_t *f;
	size_t len;
	char err[256];
	uint64_t keys = 0, evicted = 0, dropped;
	bool small;
	int rc;

	if (size < 1)
		return 0;
	n = 1 + (uint32_t)((data[0] >> 1) & 3) % 3;
	small = data[0] & 8;
	len = size - 1;
	f = malloc(len ? len : 1);
	FUZZ_CHECK(f != NULL, "malloc");
	memcpy(f, data + 1, len);
	if ((data[0] & 1) && len >= WEIR_WINDOW_CKPT_HDR) {
		put_le(f + 16, len - WEIR_WINDOW_CKPT_HDR, 8);
		put_le(f + 24,
		       weir_window_crc32c(0, f + WEIR_WINDOW_CKPT_HDR, len - WEIR_WINDOW_CKPT_HDR),
		       4);
	}
	make_tables(t, n, small);
	memset(&st, 0, sizeof(st));
	err[0] = '\0';
	rc = weir_window_ckpt_load_buf(f, len, NAME, t, n, owner_of, &n, &st, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -1, "return %d", rc);
	for (uint32_t i = 0; i < n; i++)
		keys += keys_of(t[i], &evicted);
	if (rc == -1) {
		FUZZ_CHECK(strncmp(err, NAME ": ", sizeof(NAME) + 1) == 0, "message '%s'", err);
		FUZZ_CHECK(keys == 0, "a refused file left %llu keys", (unsigned long long)keys);
		goto out;
	}
	dropped = st.dropped_rule + st.dropped_duplicate + st.dropped_nomem;
	FUZZ_CHECK(st.entries == st.restored + dropped, "entries %llu restored %llu dropped %llu",
		   (unsigned long long)st.entries, (unsigned long long)st.restored,
		   (unsigned long long)dropped);
	FUZZ_CHECK(st.rules_kept <= 3, "rules kept %u", st.rules_kept);
	FUZZ_CHECK(keys + evicted == st.restored, "keys %llu + evicted %llu != restored %llu",
		   (unsigned long long)keys, (unsigned long long)evicted,
		   (unsigned long long)st.restored);
	for (uint32_t i = 0; i < n; i++) {
		struct check c = {.owner = i, .n = n, .ok = true};

		FUZZ_CHECK(weir_window_walk(t[i], check_entry, &c) == 0, "walk");
		FUZZ_CHECK(c.ok, "a key on table %u that owner_of does not name", i);
	}
	/* what loaded dumps and reloads whole */
	{
		void *blk[3];
		size_t bl[3];
		uint8_t *buf;
		size_t total = WEIR_WINDOW_CKPT_HDR + 4, off;
		struct weir_window_ckpt_stats st2;
		uint64_t keys2 = 0, ev2 = 0;

		for (uint32_t i = 0; i < n; i++) {
			FUZZ_CHECK(weir_window_ckpt_dump(t[i], &blk[i], &bl[i]) == 0, "dump");
			total += 8 + bl[i];
		}
		buf = malloc(total);
		FUZZ_CHECK(buf != NULL, "malloc");
		memset(buf, 0, WEIR_WINDOW_CKPT_HDR);
		memcpy(buf, WEIR_WINDOW_CKPT_MAGIC, 8);
		put_le(buf + 8, WEIR_WINDOW_CKPT_VERSION, 4);
		put_le(buf + WEIR_WINDOW_CKPT_HDR, n, 4);
		off = WEIR_WINDOW_CKPT_HDR + 4;
		for (uint32_t i = 0; i < n; i++) {
			put_le(buf + off, bl[i], 8);
			memcpy(buf + off + 8, blk[i], bl[i]);
			off += 8 + bl[i];
			free(blk[i]);
		}
		put_le(buf + 16, total - WEIR_WINDOW_CKPT_HDR, 8);
		put_le(buf + 24,
		       weir_window_crc32c(0, buf + WEIR_WINDOW_CKPT_HDR,
					  total - WEIR_WINDOW_CKPT_HDR),
		       4);
		make_tables(u, n, false);
		rc = weir_window_ckpt_load_buf(buf, total, NAME, u, n, owner_of, &n, &st2, err,
					       sizeof(err));
		FUZZ_CHECK(rc == 0, "own dump refused: %s", err);
		FUZZ_CHECK(st2.dropped_rule == 0 && st2.dropped_duplicate == 0 &&
				   st2.dropped_nomem == 0,
			   "own dump dropped entries");
		for (uint32_t i = 0; i < n; i++)
			keys2 += keys_of(u[i], &ev2);
		FUZZ_CHECK(keys2 == keys && ev2 == 0, "reload %llu keys of %llu",
			   (unsigned long long)keys2, (unsigned long long)keys);
		for (uint32_t i = 0; i < n; i++)
			weir_window_table_free(u[i]);
		free(buf);
	}
out:
	for (uint32_t i = 0; i < n; i++)
		weir_window_table_free(t[i]);
	free(f);
	return 0;
}
