/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the benchmarks share (bench-hs, bench-rules, bench-pan): a monotonic
 * clock, byte strings packed back to back (payloads or frames, so that a
 * timed pass walks one array), and the loop over a capture's Ethernet
 * frames. Single-threaded, like the benchmarks.
 */
#ifndef WEIR_BENCH_COMMON_H
#define WEIR_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <pcap/pcap.h>

/* Items back to back: item i is data[off[i] .. off[i + 1]). */
struct bench_bytes {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t *off; /* n + 1 entries once an item is ended */
	size_t n;    /* ended items */
	size_t n_cap;
};

/** Seconds on CLOCK_MONOTONIC. */
double bench_now(void);

/** The next value of the splitmix64 sequence at @p s (advanced). */
uint64_t bench_splitmix(uint64_t *s);

/**
 * Append @p n bytes to the open item (the one after the last ended one).
 * @return 0 or -ENOMEM.
 */
int bench_bytes_append(struct bench_bytes *b, const void *p, size_t n);

/** End the open item (possibly empty). @return 0 or -ENOMEM. */
int bench_bytes_end(struct bench_bytes *b);

/** One whole item: append then end. @return 0 or -ENOMEM. */
int bench_bytes_add(struct bench_bytes *b, const void *p, size_t n);

/** Free the storage and zero @p b. */
void bench_bytes_free(struct bench_bytes *b);

/* Called once per frame, in file order; a negative return stops the loop. */
typedef int (*bench_frame_fn)(void *ctx, const struct pcap_pkthdr *h, const uint8_t *frame);

/**
 * Call @p fn for every frame of the Ethernet capture at @p path. Errors are
 * printed on stderr, prefixed with @p prog and the path.
 * @return 0, -EIO (unreadable or a read error), -ENOTSUP (not Ethernet) or
 * the negative value @p fn returned.
 */
int bench_pcap_frames(const char *prog, const char *path, bench_frame_fn fn, void *ctx);

/* Index of the rule with signature id @p sid, or -1 when there is none. */
typedef long (*bench_rule_index_fn)(const void *ctx, unsigned long sid);

/**
 * Add weir-gen's expected-alerts file at @p path ("signature_id<TAB>count"
 * lines) into want[index_of(sid)]. A signature id that is no rule is
 * printed (prefixed with @p prog) and counted.
 * @return how many such ids there were, or -errno when the file cannot
 * be opened.
 */
int bench_expected_read(const char *prog, const char *path, bench_rule_index_fn index_of,
			const void *ctx, uint64_t *want);

#endif /* WEIR_BENCH_COMMON_H */
