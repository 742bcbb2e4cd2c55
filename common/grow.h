/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Growing a heap array by doubling: the one helper behind every list the
 * control plane builds (rule lists, address sets, ...). Control threads
 * only: it allocates.
 */
#ifndef WEIR_GROW_H
#define WEIR_GROW_H

#include <limits.h>
#include <stdlib.h>

/**
 * Make room for at least @p need elements of @p elem bytes in the array
 * @p v of capacity @p *cap (doubling, at least @p min_cap).
 * @return the array to use from now on (@p v itself when it had room; *cap
 * updated when it moved), or NULL with @p v and *cap left as they were
 * (allocation failed or the size would overflow).
 */
static inline void *
weir_grow(void *v, unsigned int *cap, unsigned int need, size_t elem, unsigned int min_cap)
{
	unsigned int c = *cap != 0 ? *cap : min_cap;
	void *nv;

	if (need <= *cap)
		return v;
	while (c < need) {
		if (c > UINT_MAX / 2)
			return NULL;
		c *= 2;
	}
	if (elem != 0 && (size_t)c > (size_t)-1 / elem)
		return NULL;
	nv = realloc(v, (size_t)c * elem);
	if (nv != NULL)
		*cap = c;
	return nv;
}

#endif /* WEIR_GROW_H */
