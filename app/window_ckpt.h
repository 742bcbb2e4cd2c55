/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Window checkpoint (tracker issue 18): the state of every owner's window
 * table (app/window.h) written to windows.state-dir/windows.ckpt on
 * shutdown and on `weirctl checkpoint`, read back at start.
 *
 * Who does what: each owner serialises its own table on its own thread
 * (weir_window_ckpt_dump(), a malloc'd block the caller frees); the
 * control thread writes the blocks as one file (weir_window_ckpt_write())
 * and, at start before the owners run, loads it into the new tables
 * (weir_window_ckpt_load()), which may be more or fewer than were dumped:
 * each entry goes to the table owner_of() names for its key hash.
 *
 * File format, all integers little-endian:
 *
 *   header (32 bytes): magic "WEIRWIN\0" | u32 version (2) | u32 flags (0)
 *                      | u64 body length | u32 CRC32C of the body | u32 0
 *   body:   u32 number of blocks, then per block u64 length + the block
 *   block:  u32 "WWTB" | u32 number of rules | u64 number of entries
 *           | per rule: u32 sid, u32 rev, u64 clause_hash, u64 length_ns,
 *             u8 n_cond, u8 fire_each, u8 agg[4], u16 0
 *           | per entry: u32 rule (index in this block), u64 key_hash,
 *             u16 key_len, key bytes, u8 fired, u64 fired_t, u32 n,
 *             n records of (1 + non-count conditions) u64 words
 *             (t_ns, then each value: a number's bits or a distinct hash),
 *             u8 sketch (1: distinct past the store), and when 1:
 *             u64 overflow_t, u32 n_sketch, n_sketch records of u64 t_ns +
 *             u32 word (condition << 15 | register << 6 | rank)
 *   Version 1 (no sketch byte) is refused as any other version.
 *
 * No card number is ever in a checkpoint: keys are stored as the caller
 * rendered them for alerts (masked or tokenised) with their keyed hash,
 * distinct values only as 64-bit keyed hashes.
 *
 * A file is checked whole (header, length, checksum, every block's
 * structure and bounds, times in order) before any table is touched; a
 * bad one is refused with a message naming the file and what is wrong.
 */
#ifndef WEIR_WINDOW_CKPT_H
#define WEIR_WINDOW_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "window.h"

#define WEIR_WINDOW_CKPT_MAGIC	 "WEIRWIN" /* + its NUL: 8 bytes */
#define WEIR_WINDOW_CKPT_VERSION 2u
#define WEIR_WINDOW_CKPT_HDR	 32u

/* What a load did. */
struct weir_window_ckpt_stats {
	uint32_t blocks;	    /* tables in the file */
	uint32_t rules_kept;	    /* rules of the file matched by a definition */
	uint32_t rules_dropped;	    /* rules matching no (sid, rev, clause_hash) */
	uint64_t entries;	    /* entries in the file */
	uint64_t restored;	    /* put back into a table */
	uint64_t dropped_rule;	    /* of a dropped rule */
	uint64_t dropped_duplicate; /* the same (rule, key) twice: first kept */
	uint64_t dropped_nomem;	    /* no memory in the target table */
};

/**
 * Serialise the table's applied state (not its pending observations,
 * which the caller flushes first) into a malloc'd block (@p blk, @p len;
 * the caller frees it). Owner's thread, or any while the owner is
 * stopped. @return 0 or -ENOMEM.
 */
int weir_window_ckpt_dump(const struct weir_window_table *t, void **blk, size_t *len);

/**
 * Write @p n blocks as one checkpoint at @p path, atomically: a temporary
 * file in the same directory, fsync, rename over @p path, fsync of the
 * directory. Control thread. @return 0, or -errno with a message in
 * @p err naming the file and the failing step.
 */
int weir_window_ckpt_write(const char *path, void *const *blks, const size_t *lens, uint32_t n,
			   char *err, size_t errlen);

/**
 * Verify the checkpoint in @p buf (@p len bytes, named @p name in
 * messages) whole, then restore its entries into @p tables: an entry of a
 * rule whose (sid, rev, clause_hash) matches a definition of the tables
 * (all @p n tables have the same definitions) goes to tables[owner_of(
 * key_hash, arg) % n]; the others are dropped and counted. Nothing is
 * touched unless the whole file is valid. @p st may be NULL. Control
 * thread, before the owners run. @return 0, or -1 with the reason in
 * @p err.
 */
int weir_window_ckpt_load_buf(const void *buf, size_t len, const char *name,
			      struct weir_window_table *const *tables, uint32_t n,
			      uint32_t (*owner_of)(uint64_t key_hash, void *arg), void *arg,
			      struct weir_window_ckpt_stats *st, char *err, size_t errlen);

/**
 * weir_window_ckpt_load_buf() on the file at @p path (read whole). A
 * missing file is an error too (-1, "not found"): the caller decides
 * whether that matters. Control thread. @return 0 or -1 with @p err.
 */
int weir_window_ckpt_load(const char *path, struct weir_window_table *const *tables, uint32_t n,
			  uint32_t (*owner_of)(uint64_t key_hash, void *arg), void *arg,
			  struct weir_window_ckpt_stats *st, char *err, size_t errlen);

/** CRC32C (Castagnoli) of @p len bytes, continuing @p crc (0 to start). */
uint32_t weir_window_crc32c(uint32_t crc, const void *buf, size_t len);

#endif /* WEIR_WINDOW_CKPT_H */
