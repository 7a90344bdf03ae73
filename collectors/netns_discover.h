/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finds every network namespace worth reading: the exporter's own, every
 * nsfs mount of one, every one a process is in, and the names they have
 * under the netns directories. Identity is the nsfs inode; nothing is held
 * open, so discovery never keeps a namespace alive.
 */
#ifndef NSE_NETNS_DISCOVER_H
#define NSE_NETNS_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct config;
struct ns_scan;

/* One network namespace and the ways to open it. */
struct netns_target {
	uint64_t inode;
	/* the exporter's own: read without entering it */
	bool self;
	/* a process inside it (in procfs's PID namespace), 0 when none */
	pid_t pid;
	/* an nsfs mount of it; points into the scan, NULL when none */
	const char *mount_path;
	/* its entry under a netns directory, NULL when it has none */
	char *name;
	/* index into config->netns_dirs of the directory holding name */
	size_t dir_index;
};

struct netns_targets {
	struct netns_target *items; /* sorted by inode, one per namespace */
	size_t n;
};

/*
 * Builds the list from scan (may be NULL: then only the exporter's own
 * namespace, self_inode, and the netns directories count) and the entries
 * of config->netns_dirs. An entry that is not a namespace (a plain file, a
 * dangling link) is skipped with a debug log; a missing directory is fine.
 * A namespace with several names gets the one in the first directory, and
 * there the bytewise-smallest. Returns 0 and fills out (the caller frees it
 * with netns_targets_release; it points into scan), or -ENOMEM.
 */
int netns_discover(const struct config *config, const struct ns_scan *scan,
		   uint64_t self_inode, struct netns_targets *out);
void netns_targets_release(struct netns_targets *targets);

/*
 * Opens target for setns (O_RDONLY | O_CLOEXEC), through its name, its
 * mount or its process, whichever first proves to be nsfs with the
 * target's inode. Returns the fd (the caller closes it), -ENOENT when the
 * namespace can no longer be found (it vanished: not an error), or the
 * first other error met (-EACCES, ...).
 */
int netns_target_open(const struct netns_target *target,
		      const struct config *config);

/*
 * Checks that fd is an nsfs file and gives its inode. Returns 0, or
 * -EINVAL when fd is on another file system, or -errno from fstat.
 */
int nsfs_fd_inode(int fd, uint64_t *inode);

#endif
