/* SPDX-License-Identifier: Apache-2.0 */
/* Discovery of network namespaces: processes, nsfs mounts, named entries. */
#include "netns_discover.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "array.h"
#include "config.h"
#include "log.h"
#include "ns_holders.h"
#include "ns_scan.h"

/* A growable list of sightings: one namespace may be seen many times. */
struct sightings {
	struct netns_target *items;
	size_t n;
	size_t cap;
};

int nsfs_fd_inode(int fd, uint64_t *inode)
{
	struct statfs fs;
	struct stat st;

	if (fstatfs(fd, &fs) < 0 || fstat(fd, &st) < 0)
		return -errno;
	/* a tmpfs inode left by a crashed `ip netns add` is no identity */
	if (fs.f_type != NSFS_MAGIC)
		return -EINVAL;
	*inode = (uint64_t)st.st_ino;
	return 0;
}

static struct netns_target *sightings_add(struct sightings *list,
					  uint64_t inode)
{
	struct netns_target *items;

	items = array_grow(list->items, &list->cap, list->n + 1, sizeof(*items),
			   64);
	if (!items)
		return NULL;
	list->items = items;
	items = &list->items[list->n++];
	memset(items, 0, sizeof(*items));
	items->inode = inode;
	return items;
}

static int sightings_add_scan(struct sightings *list,
			      const struct ns_scan *scan)
{
	struct netns_target *t;
	size_t i;

	for (i = 0; i < scan->n_entries; i++) {
		if (scan->entries[i].type != NS_TYPE_NET)
			continue;
		t = sightings_add(list, scan->entries[i].inode);
		if (!t)
			return -ENOMEM;
		t->pid = scan->entries[i].lowest_pid;
	}
	for (i = 0; i < scan->n_mounts; i++) {
		if (scan->mounts[i].type != NS_TYPE_NET)
			continue;
		t = sightings_add(list, scan->mounts[i].inode);
		if (!t)
			return -ENOMEM;
		t->mount_path = scan->mounts[i].path;
	}
	/* holders are only reached through pidfds, never by opening */
	for (i = 0; scan->holders_reachable && i < scan->n_holders; i++) {
		const struct ns_holder *holder = &scan->holders[i];

		if (holder->type != NS_TYPE_NET)
			continue;
		t = sightings_add(list, holder->inode);
		if (!t)
			return -ENOMEM;
		t->holder_pid = holder->pid;
		t->holder_fd = holder->fd;
		t->holder_socket = holder->kind == NS_HOLDER_SOCKET;
	}
	return 0;
}

/*
 * The inode of the namespace entry name in dir names, or a negative errno
 * when it is none. O_PATH opens nothing: a FIFO or a device left in the
 * directory cannot block us or see an open().
 */
static int netns_entry_inode(DIR *dir, const char *path, const char *name,
			     uint64_t *inode)
{
	int fd, err;

	fd = openat(dirfd(dir), name, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
	} else {
		err = nsfs_fd_inode(fd, inode);
		close(fd);
	}
	if (err)
		log_debug("skipping entry that is not a network namespace",
			  "collector", "netns", "path", path, "name", name,
			  "err", strerror(-err), NULL);
	return err;
}

static int sightings_add_dir(struct sightings *list, const char *path,
			     size_t dir_index)
{
	struct netns_target *t;
	struct dirent *entry;
	uint64_t inode;
	DIR *dir;
	int err = 0;

	dir = opendir(path);
	if (!dir) {
		/* no /run/netns until the first `ip netns add` */
		log_debug("cannot read netns directory", "collector", "netns",
			  "path", path, "err", strerror(errno), NULL);
		return 0;
	}
	while ((entry = readdir(dir))) {
		if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, ".."))
			continue;
		if (netns_entry_inode(dir, path, entry->d_name, &inode) < 0)
			continue;
		t = sightings_add(list, inode);
		if (!t || !(t->name = strdup(entry->d_name))) {
			err = -ENOMEM;
			break;
		}
		t->dir_index = dir_index;
	}
	closedir(dir);
	return err;
}

static int target_cmp(const void *a, const void *b)
{
	const struct netns_target *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return 0;
}

/* True when name b in directory b_dir is preferred to name a in a_dir. */
static bool name_better(const char *a, size_t a_dir, const char *b,
			size_t b_dir)
{
	if (!a)
		return true;
	if (a_dir != b_dir)
		return b_dir < a_dir;
	return strcmp(b, a) < 0; /* strcmp compares as unsigned char */
}

/* Folds sighting from into target into, which has the same inode. */
static void target_merge(struct netns_target *into, struct netns_target *from)
{
	/* an nsfs file reopens more cheaply than a socket is duplicated */
	bool holder_better = !into->holder_pid ||
			     (into->holder_socket && !from->holder_socket);

	into->self = into->self || from->self;
	if (!into->pid)
		into->pid = from->pid;
	if (!into->mount_path)
		into->mount_path = from->mount_path;
	if (from->holder_pid && holder_better) {
		into->holder_pid = from->holder_pid;
		into->holder_fd = from->holder_fd;
		into->holder_socket = from->holder_socket;
	}
	if (from->name && name_better(into->name, into->dir_index, from->name,
				      from->dir_index)) {
		free(into->name);
		into->name = from->name;
		into->dir_index = from->dir_index;
		from->name = NULL;
	}
	free(from->name);
	from->name = NULL;
}

/* Sorts the sightings by inode and keeps one target per namespace. */
static void sightings_fold(struct sightings *list)
{
	size_t i, n = 0;

	if (!list->n)
		return;
	array_sort(list->items, list->n, sizeof(*list->items), target_cmp);
	for (i = 1; i < list->n; i++) {
		if (list->items[i].inode == list->items[n].inode)
			target_merge(&list->items[n], &list->items[i]);
		else
			list->items[++n] = list->items[i];
	}
	list->n = n + 1;
}

/*
 * Drops the targets whose netns label matches --collector.netns.netns-exclude
 * (the label is empty for a namespace without a name), before anything is
 * opened: an excluded namespace is never entered. Their inodes are kept in
 * targets->excluded, so that a later sighting without the name is dropped
 * too. Returns 0 or -ENOMEM, leaving targets as they were.
 */
static int targets_exclude(struct netns_targets *targets,
			   const regex_t *exclude)
{
	size_t i, kept = 0;

	targets->excluded = malloc((targets->n ? targets->n : 1) *
				   sizeof(*targets->excluded));
	if (!targets->excluded)
		return -ENOMEM;
	for (i = 0; i < targets->n; i++) {
		struct netns_target *target = &targets->items[i];
		const char *label = target->name ? target->name : "";

		if (!regexec(exclude, label, 0, NULL, 0)) {
			targets->excluded[targets->n_excluded++] =
				target->inode;
			free(target->name);
			continue;
		}
		targets->items[kept++] = *target;
	}
	targets->n = kept;
	return 0;
}

/* Hands list over to out, folded and filtered. Returns 0 or -ENOMEM. */
static int targets_from(const struct config *config, struct sightings *list,
			struct netns_targets *out)
{
	struct netns_targets targets = {list->items, list->n, NULL, 0};
	int err = 0;

	if (config->netns_exclude)
		err = targets_exclude(&targets, config->netns_exclude);
	if (err) {
		netns_targets_release(&targets);
		return err;
	}
	*out = targets;
	return 0;
}

int netns_discover_named(const struct config *config, uint64_t self_inode,
			 struct netns_targets *out)
{
	struct sightings list = {NULL, 0, 0};
	struct netns_target *self;
	size_t i;
	int err = 0;

	self = sightings_add(&list, self_inode);
	if (!self)
		return -ENOMEM;
	self->self = true;
	for (i = 0; !err && i < config->n_netns_dirs; i++)
		err = sightings_add_dir(&list, config->netns_dirs[i], i);
	if (err) {
		out->items = list.items;
		out->n = list.n;
		netns_targets_release(out);
		return err;
	}
	sightings_fold(&list);
	return targets_from(config, &list, out);
}

static int inode_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x == *y ? 0 : *x < *y ? -1 : 1;
}

/*
 * Folds sighting into the target of named with its inode, if any. Returns
 * false when named neither lists nor excluded that namespace.
 */
static bool named_absorb(struct netns_targets *named,
			 struct netns_target *sighting)
{
	struct netns_target *known;

	known = array_search(sighting, named->items, named->n,
			     sizeof(*named->items), target_cmp);
	if (known)
		target_merge(known, sighting);
	return known || array_search(&sighting->inode, named->excluded,
				     named->n_excluded,
				     sizeof(*named->excluded), inode_cmp);
}

int netns_discover_scan(const struct config *config, const struct ns_scan *scan,
			struct netns_targets *named, struct netns_targets *out)
{
	struct sightings list = {NULL, 0, 0};
	size_t i, kept = 0;
	int err = 0;

	if (scan)
		err = sightings_add_scan(&list, scan);
	if (err) {
		free(list.items);
		return err;
	}
	sightings_fold(&list);
	for (i = 0; i < list.n; i++) {
		if (!named_absorb(named, &list.items[i]))
			list.items[kept++] = list.items[i];
	}
	list.n = kept;
	return targets_from(config, &list, out);
}

void netns_targets_release(struct netns_targets *targets)
{
	size_t i;

	for (i = 0; i < targets->n; i++)
		free(targets->items[i].name);
	free(targets->items);
	free(targets->excluded);
	targets->items = NULL;
	targets->n = 0;
	targets->excluded = NULL;
	targets->n_excluded = 0;
}

/*
 * Opens path and keeps the fd only when it is the namespace we expect.
 * Returns the fd, -ENOENT when the path leads elsewhere or nowhere, or
 * another negative errno.
 */
static int open_expected(const char *path, uint64_t expected, bool link)
{
	int fd = link ? ns_open_link(AT_FDCWD, path, expected)
		      : ns_open_pinned(AT_FDCWD, path, expected);

	/* ESRCH: the process is exiting; ENOTDIR: a directory went */
	return fd == -ESRCH || fd == -ENOTDIR ? -ENOENT : fd;
}

/*
 * Writes the way-th path to target into path: its name, its mount, its
 * process. Returns false when the target has no such way (or it is longer
 * than PATH_MAX).
 */
static bool target_path(const struct netns_target *target,
			const struct config *config, int way, char *path)
{
	int n = -1;

	if (way == 0 && target->name &&
	    target->dir_index < config->n_netns_dirs)
		n = snprintf(path, PATH_MAX, "%s/%s",
			     config->netns_dirs[target->dir_index],
			     target->name);
	else if (way == 1 && target->mount_path)
		n = snprintf(path, PATH_MAX, "%s", target->mount_path);
	else if (way == 2 && target->pid > 0)
		n = snprintf(path, PATH_MAX, "%s/%d/ns/net", config->procfs,
			     (int)target->pid);
	return n >= 0 && n < PATH_MAX;
}

/*
 * The target's namespace through its holder: the holder's nsfs descriptor
 * duplicated, or the namespace its socket was made in. Kept only when it
 * is the target's. Returns the fd, -ENOENT when the process or descriptor
 * is gone or the number now is another file's, or another negative errno.
 */
static int open_holder(const struct netns_target *target)
{
	uint64_t inode;
	int fd, err;

	fd = target->holder_socket
		     ? ns_socket_netns(target->holder_pid, target->holder_fd)
		     : ns_fd_dup(target->holder_pid, target->holder_fd);
	/*
	 * ESRCH: the process exited; EBADF: the descriptor was closed;
	 * ENOTSOCK, ENOTTY: a socket's number now is another file's
	 */
	if (fd == -ESRCH || fd == -EBADF || fd == -ENOTSOCK || fd == -ENOTTY)
		return -ENOENT;
	if (fd < 0)
		return fd;
	err = nsfs_fd_inode(fd, &inode);
	if (!err && inode != target->inode)
		err = -ENOENT;
	if (err) {
		close(fd);
		return err == -EINVAL ? -ENOENT : err;
	}
	return fd;
}

/* Opens target the way-th way (0-3); -ENOENT when it has no such way. */
static int open_way(const struct netns_target *target,
		    const struct config *config, int way)
{
	char path[PATH_MAX];

	if (way == 3)
		return target->holder_pid > 0 ? open_holder(target) : -ENOENT;
	if (!target_path(target, config, way, path))
		return -ENOENT;
	/* way 2 is a /proc/PID/ns link: nothing but nsfs can be there */
	return open_expected(path, target->inode, way == 2);
}

int netns_target_open(const struct netns_target *target,
		      const struct config *config)
{
	int way, fd, err = -ENOENT;

	for (way = 0; way < 4; way++) {
		fd = open_way(target, config, way);
		if (fd >= 0)
			return fd;
		/* report the first real refusal, not a later "gone" */
		if (err == -ENOENT)
			err = fd;
	}
	return err;
}
