/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared CUnit runner for weir's unit tests: each test binary builds its
 * registry, then returns weir_ut_run() from main(), i.e. the number of
 * failures (0 = pass), which is what meson test reads. A case whose input
 * is absent (../shared/data) calls weir_ut_skip() and returns; the binary
 * then exits 77, which meson test reports as SKIP: absent data never
 * passes. A failure anywhere still wins over a skip.
 */
#ifndef WEIR_CUNIT_H
#define WEIR_CUNIT_H

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#define WEIR_CU_ASSERT_FATAL(cond) CU_ASSERT_FATAL(cond)

#define WEIR_UT_SKIP 77 /* meson test: the test was skipped */

/* Cases that called weir_ut_skip(): the binary exits WEIR_UT_SKIP. */
static unsigned int g_weir_ut_skipped;

/**
 * Mark the running case skipped because @p why (its input is absent); the
 * caller returns from the case without asserting. Whatever else passes, the
 * run exits WEIR_UT_SKIP unless something failed.
 */
static inline void
weir_ut_skip(const char *why)
{
	fprintf(stderr, "\n  SKIPPED: %s\n", why);
	g_weir_ut_skipped++;
}

/*
 * The source tree from where the binary sits, for a run outside meson test:
 * meson puts the tests in <build>/tests/unit/ and compiles with this header
 * named relative to <build> (or absolutely), which is __FILE__ here.
 */
static inline int
weir_ut_source_root(char *buf, size_t len)
{
	static const char self[] = "tests/unit/weir_cunit.h";
	static const char this_file[] = __FILE__;
	size_t n = strlen(this_file);
	char exe[PATH_MAX];
	ssize_t r;
	int up;

	if (n < sizeof(self) - 1 || strcmp(&this_file[n - (sizeof(self) - 1)], self) != 0)
		return -ENOENT;
	n -= sizeof(self) - 1;
	if (this_file[0] == '/')
		return snprintf(buf, len, "%.*s", (int)n, this_file) < (int)len ? 0 : -ENAMETOOLONG;
	r = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (r <= 0)
		return -ENOENT;
	exe[r] = '\0';
	/* <build>/tests/unit/test_x -> <build> */
	for (up = 0; up < 3; up++) {
		char *slash = strrchr(exe, '/');

		if (slash == NULL)
			return -ENOENT;
		*slash = '\0';
	}
	return snprintf(buf, len, "%s/%.*s", exe, (int)n, this_file) < (int)len ? 0 : -ENAMETOOLONG;
}

/**
 * The directory of ../shared/data (real-world captures, rule and pattern
 * files): $WEIR_SHARED_DATA (meson test sets it), else
 * $WEIR_SOURCE_ROOT/../shared/data, else beside the source tree this binary
 * was built from. Main thread.
 * @return the directory (static storage), or NULL when it is not there.
 */
static inline const char *
weir_ut_shared_data(void)
{
	static char dir[PATH_MAX];
	const char *d = getenv("WEIR_SHARED_DATA");
	const char *root = getenv("WEIR_SOURCE_ROOT");
	char src[PATH_MAX];
	int n;

	if (d != NULL && d[0] != '\0')
		n = snprintf(dir, sizeof(dir), "%s", d);
	else if (root != NULL && root[0] != '\0')
		n = snprintf(dir, sizeof(dir), "%s/../shared/data", root);
	else if (weir_ut_source_root(src, sizeof(src)) == 0)
		n = snprintf(dir, sizeof(dir), "%s../shared/data", src);
	else
		return NULL;
	if (n >= (int)sizeof(dir) || access(dir, R_OK | X_OK) != 0)
		return NULL;
	return dir;
}

/* The tests' pseudo-random numbers: xorshift64 over @p *s (never 0), the
 * same sequence for the same seed on every run. */
static inline uint64_t
weir_ut_xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Bytes of [@p p, @p p + @p len) backed by memory (mincore), counted in
 * whole pages; @p p page aligned. The prefault tests read it. */
static inline size_t
weir_ut_resident(const void *p, size_t len)
{
	const size_t pg = (size_t)sysconf(_SC_PAGESIZE), n = (len + pg - 1) / pg;
	unsigned char *vec = malloc(n ? n : 1);
	size_t r = 0;

	CU_ASSERT_FATAL(vec != NULL && (uintptr_t)p % pg == 0);
	CU_ASSERT_FATAL(mincore((void *)(uintptr_t)p, n * pg, vec) == 0);
	for (size_t i = 0; i < n; i++)
		r += vec[i] & 1u;
	free(vec);
	return r * pg;
}

static inline int
weir_ut_run(void)
{
	unsigned int failures;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	if (CU_get_number_of_tests_run() == 0) {
		fprintf(stderr, "no test ran\n");
		failures = 1;
	}
	CU_cleanup_registry();
	if (failures == 0 && g_weir_ut_skipped > 0) {
		fprintf(stderr, "%u case(s) skipped: their input is absent\n", g_weir_ut_skipped);
		return WEIR_UT_SKIP;
	}
	/* 77 and above would read as a skip or an error: cap below. */
	return failures < WEIR_UT_SKIP ? (int)failures : WEIR_UT_SKIP - 1;
}

#endif /* WEIR_CUNIT_H */
