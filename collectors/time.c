/* SPDX-License-Identifier: Apache-2.0 */
/* The time collector: time namespaces, from the shared namespace scan. */
#include "ns_type.h"
#include "registry.h"

static int time_collect(struct scrape *scrape, struct collector_result *result)
{
	return ns_type_collect(NS_TYPE_TIME, scrape, result);
}

const struct collector time_collector = {
	.name = "time",
	.help = "Time namespaces, as lsns -t time lists them",
	.enabled_by_default = true,
	.collect = time_collect,
	.render_group = ns_type_render_group,
};
