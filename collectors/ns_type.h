/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the eight per-type namespace collectors (cgroup, ipc, mnt, net, pid,
 * time, user, uts) share: collecting is taking the scrape's namespace scan,
 * and their families are rendered together so each appears once a page.
 */
#ifndef NSE_NS_TYPE_H
#define NSE_NS_TYPE_H

#include <stdbool.h>
#include <stddef.h>

#include "collector.h"
#include "ns_scan.h"

/*
 * Makes result refer to the scrape's namespace scan (built on first use)
 * for one type. The scan stays owned by the scrape. Returns 0, or the
 * scan's negative errno, leaving result empty. A type the kernel lacks is
 * no error: it renders nothing.
 */
int ns_type_collect(enum ns_type type, struct scrape *scrape,
		    struct collector_result *result);

/*
 * render_group of the per-type collectors: namespace_in_use, _max,
 * _processes and namespace_info, the holders (namespace_holders,
 * _mount_info, _holder_info, _orphaned) and the user namespace limits
 * (namespace_user_in_use, _charged, _max) for every member's type, then
 * the scan's own namespace_scan_processes, _processes_skipped,
 * _fd_tables_skipped and _holders_unresolved, each family once. Members
 * with an empty result are left out. Does not modify the results.
 */
bool ns_type_render_group(const struct collector_result *const *members,
			  size_t n_members, size_t *cursor, struct outbuf *out);

#endif
