/* SPDX-License-Identifier: Apache-2.0 */
/* The user collector: user namespaces, from the shared namespace scan. */
#include "ns_type.h"
#include "registry.h"

static int user_collect(struct scrape *scrape, struct collector_result *result)
{
	return ns_type_collect(NS_TYPE_USER, scrape, result);
}

const struct collector user_collector = {
	.name = "user",
	.help = "User namespaces, as lsns -t user lists them",
	.enabled_by_default = true,
	.collect = user_collect,
	.render_group = ns_type_render_group,
};
