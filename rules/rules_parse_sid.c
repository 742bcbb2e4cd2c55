/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The duplicate-ID index both parsers keep over the list they append to:
 * open addressing on the (gid, sid) key, so that a duplicate across many
 * files is found in O(1) per rule instead of a scan of every rule read so
 * far. Each slot keeps its key and the entry's position + 1 (0 = free), so
 * a lookup never touches the list. Control side only; nothing here runs
 * per packet.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

/* Slots of a fresh index; it doubles while the load factor would pass 1/4. */
#define SID_INDEX_MIN_CAP 64

struct weir_sid_slot {
	uint64_t key;
	unsigned int pos; /* list position + 1, 0 = free */
};

static unsigned int
sid_hash(uint64_t key, unsigned int cap)
{
	/* Fibonacci hashing: IDs are often consecutive, so spread them. */
	return (unsigned int)((key * 0x9e3779b97f4a7c15ull) >> 32) & (cap - 1);
}

/* Slot holding @p key, or the free slot where it would go. */
static struct weir_sid_slot *
sid_index_slot(const struct weir_sid_index *idx, uint64_t key)
{
	unsigned int h = sid_hash(key, idx->cap);

	while (idx->slots[h].pos != 0 && idx->slots[h].key != key)
		h = (h + 1) & (idx->cap - 1);
	return &idx->slots[h];
}

int
weir_sid_index_sync(struct weir_sid_index *idx, const void *list, unsigned int n,
		    weir_sid_key_fn key_of)
{
	struct weir_sid_slot *slots;
	unsigned int cap, i;

	/* load factor at or below one half, so probe chains stay short */
	if (idx->n == n && idx->cap >= 2 * (n + 1))
		return 0;
	cap = idx->cap ? idx->cap : SID_INDEX_MIN_CAP;
	while (cap < 4 * (n + 1)) {
		if (cap > UINT_MAX / 4)
			return -ENOMEM;
		cap *= 2;
	}
	slots = calloc(cap, sizeof(*slots));
	if (slots == NULL)
		return -ENOMEM;
	free(idx->slots);
	idx->slots = slots;
	idx->cap = cap;
	for (i = 0; i < n; i++) {
		uint64_t key = key_of(list, i);
		struct weir_sid_slot *slot = sid_index_slot(idx, key);

		/* A list built elsewhere may hold duplicates: keep the first. */
		if (slot->pos == 0) {
			slot->key = key;
			slot->pos = i + 1;
		}
	}
	idx->n = n;
	return 0;
}

unsigned int
weir_sid_index_find(const struct weir_sid_index *idx, uint64_t key)
{
	if (idx->cap == 0)
		return 0;
	return sid_index_slot(idx, key)->pos;
}

void
weir_sid_index_add(struct weir_sid_index *idx, uint64_t key, unsigned int pos)
{
	struct weir_sid_slot *slot = sid_index_slot(idx, key);

	slot->key = key;
	slot->pos = pos + 1;
	idx->n = pos + 1;
}

void
weir_sid_index_free(struct weir_sid_index *idx)
{
	if (idx == NULL)
		return;
	free(idx->slots);
	memset(idx, 0, sizeof(*idx));
}
