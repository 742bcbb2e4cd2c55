/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory the packet path will write, faulted in before the first packet.
 * An anonymous or memfd mapping (DPDK's memory under --no-huge, the
 * window tables) gets its pages on first write: a page fault with the
 * page's zeroing, paid by whichever worker touches it first, 20 us and
 * more for a 4 KiB page on a virtual machine whose host backs the page
 * on that first touch as well. Control threads only: it blocks for as
 * long as the kernel takes to back the range.
 */
#ifndef WEIR_PREFAULT_H
#define WEIR_PREFAULT_H

#include <stddef.h>

/**
 * Back every page of [@p addr, @p addr + @p len) with memory, writable,
 * keeping its contents: madvise(MADV_POPULATE_WRITE) (Linux 5.14), or
 * where the kernel lacks it, a read and write back of one byte per
 * 4 KiB page (then no other thread may write the range meanwhile).
 * @return 0, or -errno from madvise other than EINVAL (for example
 * ENOMEM: the range could not be backed; what was backed stays).
 */
int weir_prefault(void *addr, size_t len);

/**
 * weir_prefault()'s way on a kernel without MADV_POPULATE_WRITE: a read
 * and write back of one byte in every page of [@p addr, @p addr + @p len).
 * The range must be writable and no other thread may write it meanwhile.
 */
void weir_prefault_touch(void *addr, size_t len);

#endif
