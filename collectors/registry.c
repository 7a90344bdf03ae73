/* SPDX-License-Identifier: Apache-2.0 */
/* The only list of collectors: adding one means adding a line here. */
#include "registry.h"

#include <errno.h>
#include <string.h>

/*
 * netns comes first: it reads the named network namespaces while it builds
 * the namespace scan, which the per-type collectors after it then share.
 */
static const struct collector *const collectors[] = {
	&netns_collector, &cgroup_collector, &ipc_collector,
	&mnt_collector,	  &net_collector,    &pid_collector,
	&time_collector,  &user_collector,   &uts_collector,
};

size_t registry_count(void)
{
	return sizeof(collectors) / sizeof(collectors[0]);
}

const struct collector *registry_get(size_t index)
{
	return index < registry_count() ? collectors[index] : NULL;
}

int registry_find(const char *name)
{
	size_t i;

	for (i = 0; i < registry_count(); i++) {
		if (!strcmp(collectors[i]->name, name))
			return (int)i;
	}
	return -ENOENT;
}
