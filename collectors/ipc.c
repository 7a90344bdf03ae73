/* SPDX-License-Identifier: Apache-2.0 */
/* The ipc collector: IPC namespaces, from the shared namespace scan. */
#include "ns_type.h"
#include "registry.h"

static int ipc_collect(struct scrape *scrape, struct collector_result *result)
{
	return ns_type_collect(NS_TYPE_IPC, scrape, result);
}

const struct collector ipc_collector = {
	.name = "ipc",
	.help = "IPC namespaces, as lsns -t ipc lists them",
	.enabled_by_default = true,
	.collect = ipc_collect,
	.render_group = ns_type_render_group,
};
