/* SPDX-License-Identifier: Apache-2.0 */
/* The uts collector: UTS namespaces, from the shared namespace scan. */
#include "ns_type.h"
#include "registry.h"

static int uts_collect(struct scrape *scrape, struct collector_result *result)
{
	return ns_type_collect(NS_TYPE_UTS, scrape, result);
}

const struct collector uts_collector = {
	.name = "uts",
	.help = "UTS namespaces, as lsns -t uts lists them",
	.enabled_by_default = true,
	.collect = uts_collect,
	.render_group = ns_type_render_group,
};
