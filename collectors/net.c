/* SPDX-License-Identifier: Apache-2.0 */
/* The net collector: network namespaces, from the shared namespace scan. */
#include "ns_type.h"
#include "registry.h"

static int net_collect(struct scrape *scrape, struct collector_result *result)
{
	return ns_type_collect(NS_TYPE_NET, scrape, result);
}

const struct collector net_collector = {
	.name = "net",
	.help = "Network namespaces, as lsns -t net lists them",
	.enabled_by_default = true,
	.collect = net_collect,
	.render_group = ns_type_render_group,
};
