/* SPDX-License-Identifier: BSD-3-Clause */
#include "prefault.h"

#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older headers lack it */
#endif

void
weir_prefault_touch(void *addr, size_t len)
{
	const uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	const uintptr_t end = (uintptr_t)addr + len;

	if (addr == NULL)
		return;
	for (uintptr_t p = (uintptr_t)addr; p < end; p = (p & ~(pg - 1)) + pg) {
		volatile uint8_t *b = (volatile uint8_t *)p;

		*b = *b;
	}
}

int
weir_prefault(void *addr, size_t len)
{
	const uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a;

	if (addr == NULL || len == 0)
		return 0;
	a = (uintptr_t)addr & ~(pg - 1);
	if (madvise((void *)a, (uintptr_t)addr + len - a, MADV_POPULATE_WRITE) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	weir_prefault_touch(addr, len); /* a kernel without it */
	return 0;
}
