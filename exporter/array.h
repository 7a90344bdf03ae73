/* SPDX-License-Identifier: Apache-2.0 */
/*
 * qsort and bsearch for arrays that may be empty and then NULL. The C
 * library declares both array pointers non-null even for zero elements,
 * and the undefined-behaviour sanitizer holds every call to that; these
 * never pass an empty array on.
 */
#ifndef NSE_ARRAY_H
#define NSE_ARRAY_H

#include <stddef.h>
#include <stdlib.h>

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
