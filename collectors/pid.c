/* SPDX-License-Identifier: Apache-2.0 */
/* The pid collector: PID namespaces, from the shared namespace scan. */
#include "ns_type.h"
#include "registry.h"

static int pid_collect(struct scrape *scrape, struct collector_result *result)
{
	return ns_type_collect(NS_TYPE_PID, scrape, result);
}

const struct collector pid_collector = {
	.name = "pid",
	.help = "PID namespaces, as lsns -t pid lists them",
	.enabled_by_default = true,
	.collect = pid_collect,
	.render_group = ns_type_render_group,
};
