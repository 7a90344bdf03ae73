/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Growing arrays, and qsort and bsearch for arrays that may be empty and
 * then NULL. The C library declares both array pointers non-null even for
 * zero elements, and the undefined-behaviour sanitizer holds every call to
 * that; these never pass an empty array on.
 */
#ifndef NSE_ARRAY_H
#define NSE_ARRAY_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/*
 * Makes array (of *cap elements of size bytes) hold want elements,
 * doubling from first (when *cap is 0). Returns the possibly moved array,
 * or NULL with the old one untouched (out of memory, or a size that would
 * overflow).
 */
static inline void *array_grow(void *array, size_t *cap, size_t want,
			       size_t size, size_t first)
{
	size_t new_cap = *cap ? *cap : first;
	void *p;

	if (want <= *cap)
		return array;
	while (new_cap < want) {
		if (new_cap > SIZE_MAX / 2 / size)
			return NULL;
		new_cap *= 2;
	}
	p = realloc(array, new_cap * size);
	if (p)
		*cap = new_cap;
	return p;
}

static inline void array_sort(void *base, size_t n, size_t size,
			      int (*compare)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, compare);
}

static inline void *array_search(const void *key, const void *base, size_t n,
				 size_t size,
				 int (*compare)(const void *, const void *))
{
	return n ? bsearch(key, base, n, size, compare) : NULL;
}

#endif
