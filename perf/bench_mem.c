/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-mem: what one dependent random read costs on this machine, by
 * working-set size, with the set on 4 KiB pages and on transparent huge
 * pages. A flow table, a window store or a Hyperscan state pool is a
 * random access per packet: its cost here is this table's row for its
 * size, so a benchmark's absolute figures mean little without it (a VM
 * can have a small share of the host's L3 and a slow, shared memory).
 *
 *   bench-mem [-n READS] [SIZE_MB ...]     (default 20,000,000; 1 8 32 128)
 *
 * Each size: a random cycle through one 64-byte line per 320 bytes of the
 * set (so cache sets and pages are spread evenly), followed READS times,
 * each read's address the previous read's value: no overlap, pure latency.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "bench_common.h"

#define STRIDE	320u /* 5 lines: every cache set and page gets its share */
#define HUGE_2M (2u << 20)

/* ns per dependent read over @p mb MiB; -1 when memory is short */
static double
chase(size_t mb, int huge, uint64_t reads)
{
	size_t bytes = mb << 20, n = bytes / STRIDE, i;
	uint8_t *map, *m;
	uint32_t *perm;
	void **p;
	double t0, t;
	uint64_t seed = 1;

	map = mmap(NULL, bytes + HUGE_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		   0);
	if (map == MAP_FAILED)
		return -1;
	m = (uint8_t *)(((uintptr_t)map + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1));
	(void)madvise(m, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE); /* advice only */
	perm = malloc(n * sizeof(*perm));
	if (perm == NULL) {
		munmap(map, bytes + HUGE_2M);
		return -1;
	}
	for (i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	for (i = n - 1; i > 0; i--) { /* Fisher-Yates */
		size_t j = (size_t)(bench_splitmix(&seed) % (i + 1));
		uint32_t x = perm[i];

		perm[i] = perm[j];
		perm[j] = x;
	}
	for (i = 0; i < n; i++)
		*(void **)(m + (size_t)perm[i] * STRIDE) = m + (size_t)perm[(i + 1) % n] * STRIDE;
	free(perm);
	p = (void **)m;
	for (i = 0; i < n; i++) /* one lap to warm the caches the set fits in */
		p = (void **)*p;
	t0 = bench_now();
	for (uint64_t r = 0; r < reads; r++)
		p = (void **)*p;
	t = bench_now() - t0;
	__asm__ volatile("" : : "r"(p));
	munmap(map, bytes + HUGE_2M);
	return t / (double)reads * 1e9;
}

int
main(int argc, char **argv)
{
	uint64_t reads = 20000000;
	int c, i;

	while ((c = getopt(argc, argv, "n:h")) != -1) {
		switch (c) {
		case 'n':
			reads = strtoull(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: bench-mem [-n READS] [SIZE_MB ...]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (reads == 0) {
		fprintf(stderr, "bench-mem: -n must be > 0\n");
		return 2;
	}
	if (optind == argc) { /* the default sizes */
		static char *defs[] = {"1", "8", "32", "128"};

		argv = defs;
		argc = 4;
		optind = 0;
	}
	printf("%10s %14s %14s\n", "set MiB", "4k pages ns", "THP ns");
	for (i = optind; i < argc; i++) {
		size_t mb = strtoull(argv[i], NULL, 10);
		double small, huge;

		if (mb == 0 || mb > 65536) {
			fprintf(stderr, "bench-mem: size '%s': 1 to 65536 MiB\n", argv[i]);
			return 2;
		}
		small = chase(mb, 0, reads);
		huge = chase(mb, 1, reads);
		if (small < 0 || huge < 0) {
			fprintf(stderr, "bench-mem: %zu MiB: %s\n", mb, strerror(ENOMEM));
			return 1;
		}
		printf("%10zu %14.1f %14.1f\n", mb, small, huge);
	}
	return 0;
}
