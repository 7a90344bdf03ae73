/* SPDX-License-Identifier: Apache-2.0 */
/* The one list of collectors, in the order their families appear. */
#ifndef NSE_REGISTRY_H
#define NSE_REGISTRY_H

#include <stddef.h>

#include "collector.h"

extern const struct collector cgroup_collector;
extern const struct collector ipc_collector;
extern const struct collector mnt_collector;
extern const struct collector net_collector;
extern const struct collector pid_collector;
extern const struct collector time_collector;
extern const struct collector user_collector;
extern const struct collector uts_collector;
extern const struct collector netns_collector;

/* Number of registered collectors; indexes below are 0 .. count-1. */
size_t registry_count(void);
const struct collector *registry_get(size_t index);
/* Index of the collector called name, or -ENOENT. */
int registry_find(const char *name);

#endif
