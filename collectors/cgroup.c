/* SPDX-License-Identifier: Apache-2.0 */
/* The cgroup collector: cgroup namespaces, from the shared namespace scan. */
#include "ns_type.h"
#include "registry.h"

static int cgroup_collect(struct scrape *scrape,
			  struct collector_result *result)
{
	return ns_type_collect(NS_TYPE_CGROUP, scrape, result);
}

const struct collector cgroup_collector = {
	.name = "cgroup",
	.help = "Cgroup namespaces, as lsns -t cgroup lists them",
	.enabled_by_default = true,
	.collect = cgroup_collect,
	.render_group = ns_type_render_group,
};
