/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * weir_prefault(): every page of the range is resident afterwards (mincore),
 * nothing outside it is, and the contents are what they were, on private
 * anonymous memory and on a shared memfd mapping (DPDK's memory without
 * hugepages is one), through madvise and through the fallback.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

#include "prefault.h"
#include "weir_cunit.h"

#define PAGES 64u

static size_t g_pg;

/* Resident pages among [first, first + n) of the mapping at @p m. */
static unsigned int
resident(uint8_t *m, unsigned int first, unsigned int n)
{
	return (unsigned int)(weir_ut_resident(m + first * g_pg, n * g_pg) / g_pg);
}

/* A mapping of PAGES pages: private anonymous, or shared on a memfd. */
static uint8_t *
map_pages(bool shared, int *fd)
{
	uint8_t *m;

	*fd = -1;
	if (shared) {
		*fd = memfd_create("weir_test_prefault", MFD_CLOEXEC);
		CU_ASSERT_FATAL(*fd >= 0);
		CU_ASSERT_FATAL(ftruncate(*fd, (off_t)(PAGES * g_pg)) == 0);
	}
	m = mmap(NULL, PAGES * g_pg, PROT_READ | PROT_WRITE,
		 shared ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS, *fd, 0);
	CU_ASSERT_FATAL(m != MAP_FAILED);
	/* the kernel may give a private mapping a huge page on first write
	 * (THP "always"): keep to small pages, or mincore counts 512 */
	(void)madvise(m, PAGES * g_pg, MADV_NOHUGEPAGE);
	return m;
}

/* The range [page 5 + 100 bytes, page 40 - 100 bytes): pages 5..39. */
static void
check_one(bool shared, bool fallback)
{
	int fd;
	uint8_t *m = map_pages(shared, &fd);
	uint8_t *from = m + 5 * g_pg + 100, *to = m + 40 * g_pg - 100;

	/* contents before: two pages written, the rest never touched */
	memset(m + 7 * g_pg, 0xa5, g_pg);
	m[20 * g_pg + 3] = 0x5a;
	CU_ASSERT(resident(m, 0, PAGES) == 2);
	if (fallback)
		weir_prefault_touch(from, (size_t)(to - from));
	else
		CU_ASSERT(weir_prefault(from, (size_t)(to - from)) == 0);
	CU_ASSERT(resident(m, 5, 35) == 35);
	CU_ASSERT(resident(m, 0, 5) == 0);
	CU_ASSERT(resident(m, 40, PAGES - 40) == 0);
	for (size_t i = 0; i < g_pg; i++)
		if (m[7 * g_pg + i] != 0xa5) {
			CU_FAIL("a written page changed");
			break;
		}
	CU_ASSERT(m[20 * g_pg + 3] == 0x5a);
	CU_ASSERT(m[20 * g_pg + 2] == 0 && m[30 * g_pg] == 0 && m[39 * g_pg + 77] == 0);
	munmap(m, PAGES * g_pg);
	if (fd >= 0)
		close(fd);
}

static void
test_private(void)
{
	check_one(false, false);
}

static void
test_shared_memfd(void)
{
	check_one(true, false);
}

static void
test_fallback(void)
{
	check_one(false, true);
	check_one(true, true);
}

static void
test_empty(void)
{
	int fd;
	uint8_t *m = map_pages(false, &fd);

	CU_ASSERT(weir_prefault(NULL, 4096) == 0);
	CU_ASSERT(weir_prefault(m, 0) == 0);
	weir_prefault_touch(m, 0);
	CU_ASSERT(resident(m, 0, PAGES) == 0);
	/* one byte: its page */
	CU_ASSERT(weir_prefault(m + 9 * g_pg + g_pg - 1, 1) == 0);
	CU_ASSERT(resident(m, 0, PAGES) == 1 && resident(m, 9, 1) == 1);
	munmap(m, PAGES * g_pg);
}

int
main(void)
{
	CU_pSuite s;

	g_pg = (size_t)sysconf(_SC_PAGESIZE);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("prefault", NULL, NULL);
	if (s == NULL)
		return 1;
	CU_ADD_TEST(s, test_private);
	CU_ADD_TEST(s, test_shared_memfd);
	CU_ADD_TEST(s, test_fallback);
	CU_ADD_TEST(s, test_empty);
	return weir_ut_run();
}
