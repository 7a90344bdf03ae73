/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Finds every network namespace worth reading: the exporter's own, every
 * nsfs mount of one, every one a process is in, and the names they have
 * under the netns directories. Identity is the nsfs inode; nothing is held
 * open, so discovery never keeps a namespace alive. It comes in two halves
 * so that the named namespaces can be read while the scan is being built.
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
	/*
	 * A process holding it through its descriptor holder_fd: an open
	 * nsfs file, or, when holder_socket, a socket made in it. The only
	 * way into a namespace no process is in and no mount names; taken
	 * with pidfd_getfd, so holder_pid is in the exporter's own PID
	 * namespace. holder_pid is 0 when no holder was seen.
	 */
	pid_t holder_pid;
	int holder_fd;
	bool holder_socket;
};

struct netns_targets {
	struct netns_target *items; /* sorted by inode, one per namespace */
	size_t n;
	/* sorted inodes of the namespaces netns-exclude dropped */
	uint64_t *excluded;
	size_t n_excluded;
};

/*
 * The first half of discovery, which needs no namespace scan: the
 * exporter's own namespace (self_inode) and the entries of
 * config->netns_dirs. An entry that is not a namespace (a plain file, a
 * dangling link) is skipped with a debug log; a missing directory is fine.
 * A namespace with several names gets the one in the first directory, and
 * there the bytewise-smallest. Returns 0 and fills out (the caller frees it
 * with netns_targets_release), or -ENOMEM.
 */
int netns_discover_named(const struct config *config, uint64_t self_inode,
			 struct netns_targets *out);

/*
 * The second half: every network namespace of scan (its processes, nsfs
 * mounts, and the descriptors and sockets that hold it) that named (from
 * netns_discover_named) neither lists nor excluded. Namespaces named already
 * keep their name and gain scan's process and mount as other ways to open them
 * (named must not be in use meanwhile). Returns 0 and fills out (freed with
 * netns_targets_release; both lists then point into scan), or -ENOMEM.
 */
int netns_discover_scan(const struct config *config, const struct ns_scan *scan,
			struct netns_targets *named, struct netns_targets *out);
void netns_targets_release(struct netns_targets *targets);

/*
 * Opens target for setns (O_RDONLY | O_CLOEXEC), through its name, its
 * mount, its process or its holder's descriptor, whichever first proves
 * to be nsfs with the target's inode. Returns the fd (the caller closes it),
 * -ENOENT when the namespace can no longer be found (it vanished: not an
 * error), or the first other error met (-EACCES, ...).
 */
int netns_target_open(const struct netns_target *target,
		      const struct config *config);

/*
 * Checks that fd is an nsfs file and gives its inode. Returns 0, or
 * -EINVAL when fd is on another file system, or -errno from fstat.
 */
int nsfs_fd_inode(int fd, uint64_t *inode);

#endif
