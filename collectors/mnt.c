/* SPDX-License-Identifier: Apache-2.0 */
/* The mnt collector: mount namespaces, from the shared namespace scan. */
#include "ns_type.h"
#include "registry.h"

static int mnt_collect(struct scrape *scrape, struct collector_result *result)
{
	return ns_type_collect(NS_TYPE_MNT, scrape, result);
}

const struct collector mnt_collector = {
	.name = "mnt",
	.help = "Mount namespaces, as lsns -t mnt lists them",
	.enabled_by_default = true,
	.collect = mnt_collect,
	.render_group = ns_type_render_group,
};
