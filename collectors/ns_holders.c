/* SPDX-License-Identifier: Apache-2.0 */
/* Open nsfs files and sockets in one process's descriptor table. */
#include "ns_holders.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "array.h"
#include "ns_scan_parse.h"

/* getdents64 reads this much of a descriptor directory at a time. */
#define DIRENTS_SIZE (32 * 1024)

/* Long enough for every text ns_fd_link_classify can prove something by. */
#define LINK_TEXT_SIZE 64

/*
 * AT_STATX_DONT_SYNC: a descriptor may be a file on an NFS or FUSE mount
 * whose server hangs, and a plain stat would wait for it to revalidate
 * the attributes; device, inode and type come from the cache instead.
 */
int ns_stat_follow(int dir_fd, const char *name, struct stat *st)
{
	struct statx stx;

	if (statx(dir_fd, name, AT_STATX_DONT_SYNC, STATX_TYPE | STATX_INO,
		  &stx) < 0)
		return -errno;
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
	st->st_ino = stx.stx_ino;
	st->st_mode = stx.stx_mode;
	return 0;
}

static int fd_ref_add(struct ns_fd_scanner *scanner, uint64_t inode, int fd,
		      bool socket)
{
	struct ns_fd_ref *ref;

	ref = array_grow(scanner->refs, &scanner->cap_refs, scanner->n_refs + 1,
			 sizeof(*ref), 16);
	if (!ref)
		return -ENOMEM;
	scanner->refs = ref;
	ref = &scanner->refs[scanner->n_refs++];
	ref->inode = inode;
	ref->fd = fd;
	ref->socket = socket;
	return 0;
}

/*
 * The process's pidfd, opened on first use; -1 after a failure, which
 * is not retried for the same table.
 */
struct table_pidfd {
	pid_t pid;
	int fd;
	bool tried;
};

static int table_pidfd_get(struct table_pidfd *pidfd)
{
	if (!pidfd->tried) {
		pidfd->tried = true;
		pidfd->fd = pidfd_open(pidfd->pid, 0);
	}
	return pidfd->fd;
}

/*
 * The network namespace of socket fd of the process behind pidfd, as an
 * nsfs fd, or a negative errno. Needs PTRACE_MODE_ATTACH on the process
 * (pidfd_getfd) and CAP_NET_ADMIN over that namespace (SIOCGSKNS). The
 * copy of the socket stays open here for one ioctl; its owner closing it
 * meanwhile only delays the close by as much.
 */
static int socket_netns_fd(int pidfd, int fd)
{
	struct stat st;
	int sock, netns, err;

	sock = pidfd_getfd(pidfd, fd, 0);
	if (sock < 0)
		return -errno;
	/*
	 * The number may hold another file by now: ask only a socket (an
	 * ioctl means something else to a tty or a device)
	 */
	if (fstat(sock, &st) < 0)
		err = -errno;
	else if (!S_ISSOCK(st.st_mode))
		err = -ENOTSOCK;
	else if ((netns = ioctl(sock, SIOCGSKNS)) < 0)
		err = -errno;
	else
		err = netns;
	close(sock);
	return err;
}

/*
 * Asks socket fd of the process which network namespace it was made in;
 * one that cannot be asked is counted unresolved.
 */
static int socket_ask(struct ns_fd_scanner *scanner, struct table_pidfd *pidfd,
		      int fd, uint64_t own_netns)
{
	struct stat st;
	int netns, err;

	if (table_pidfd_get(pidfd) < 0)
		goto out_unresolved;
	netns = socket_netns_fd(pidfd->fd, fd);
	if (netns < 0)
		goto out_unresolved;
	err = fstat(netns, &st);
	close(netns);
	if (err < 0)
		goto out_unresolved;
	if ((uint64_t)st.st_ino == own_netns)
		return 0;
	return fd_ref_add(scanner, (uint64_t)st.st_ino, fd, true);
out_unresolved:
	scanner->sockets_unresolved++;
	return 0;
}

/* Looks at one entry of the table; 0 or -ENOMEM. */
static int table_entry(struct ns_fd_scanner *scanner, int dir_fd,
		       const char *name, struct table_pidfd *pidfd,
		       uint64_t own_netns)
{
	enum ns_fd_class class = NS_FD_UNKNOWN;
	char text[LINK_TEXT_SIZE];
	struct stat st;
	ssize_t len;
	int fd;

	if (ns_fd_parse(name, &fd) < 0)
		return 0;
	scanner->fds_examined++;
	if (scanner->prefilter) {
		/* a descriptor closed since readdir: nothing to hold */
		len = readlinkat(dir_fd, name, text, sizeof(text));
		if (len < 0)
			return 0;
		class = ns_fd_link_classify(text, (size_t)len);
	}
	if (class == NS_FD_UNKNOWN) {
		if ((scanner->stat_at ? scanner->stat_at
				      : ns_stat_follow)(dir_fd, name, &st) < 0)
			return 0;
		class = ns_fd_classify(st.st_dev, st.st_mode,
				       scanner->nsfs_dev);
		if (class == NS_FD_NSFS)
			return fd_ref_add(scanner, (uint64_t)st.st_ino, fd,
					  false);
	}
	if (class == NS_FD_SOCKET && scanner->sockets)
		return socket_ask(scanner, pidfd, fd, own_netns);
	return 0;
}

int ns_fd_table_scan(struct ns_fd_scanner *scanner, pid_t pid,
		     uint64_t own_netns)
{
	struct table_pidfd pidfd = {.pid = pid, .fd = -1};
	struct dirent64 *dent;
	char path[32];
	ssize_t n, off;
	int dir_fd, err = 0;

	scanner->n_refs = 0;
	if (!scanner->dirents) {
		scanner->dirents = malloc(DIRENTS_SIZE);
		if (!scanner->dirents)
			return -ENOMEM;
	}
	snprintf(path, sizeof(path), "%d/fd", (int)pid);
	dir_fd = openat(scanner->proc_fd, path,
			O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return -errno;
	while (!err) {
		n = getdents64(dir_fd, scanner->dirents, DIRENTS_SIZE);
		if (n < 0)
			err = -errno;
		if (n <= 0)
			break;
		for (off = 0; off < n && !err; off += dent->d_reclen) {
			dent = (struct dirent64 *)(scanner->dirents + off);
			err = table_entry(scanner, dir_fd, dent->d_name, &pidfd,
					  own_netns);
		}
	}
	close(dir_fd);
	if (pidfd.fd >= 0)
		close(pidfd.fd);
	return err;
}

void ns_fd_scanner_release(struct ns_fd_scanner *scanner)
{
	if (!scanner)
		return;
	free(scanner->refs);
	free(scanner->dirents);
	scanner->refs = NULL;
	scanner->dirents = NULL;
	scanner->n_refs = 0;
	scanner->cap_refs = 0;
}

/* 0 when fd is the nsfs file inode, -ENOENT when another, or -errno. */
static int nsfs_check(int fd, uint64_t inode)
{
	struct statfs fs;
	struct stat st;

	if (fstatfs(fd, &fs) < 0 || fstat(fd, &st) < 0)
		return -errno;
	return fs.f_type == NSFS_MAGIC && (uint64_t)st.st_ino == inode
		       ? 0
		       : -ENOENT;
}

int ns_open_link(int dir_fd, const char *path, uint64_t inode)
{
	int fd, err;

	/* a --path.procfs that is no procfs must not block us either */
	fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	err = nsfs_check(fd, inode);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int ns_open_pinned(int dir_fd, const char *path, uint64_t inode)
{
	char reopen[64];
	int pin, fd = -1, err;

	pin = openat(dir_fd, path, O_PATH | O_CLOEXEC);
	if (pin < 0)
		return -errno;
	err = nsfs_check(pin, inode);
	if (!err) {
		/* setns and the nsfs ioctls need a real open */
		snprintf(reopen, sizeof(reopen), "/proc/self/fd/%d", pin);
		fd = open(reopen, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			err = -errno;
	}
	close(pin);
	return err ? err : fd;
}

/*
 * A copy of an O_PATH descriptor can be neither entered nor asked with an
 * ioctl: when it is an nsfs file, that same file is opened for real (an
 * nsfs file has no open side effects). Anything else is handed back as it
 * is, for the caller to refuse.
 */
static int nsfs_path_reopen(int copy)
{
	char reopen[64];
	struct statfs fs;
	int flags, fd;

	flags = fcntl(copy, F_GETFL);
	if (flags < 0 || !(flags & O_PATH) || fstatfs(copy, &fs) < 0 ||
	    fs.f_type != NSFS_MAGIC)
		return copy;
	snprintf(reopen, sizeof(reopen), "/proc/self/fd/%d", copy);
	fd = open(reopen, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return copy;
	close(copy);
	return fd;
}

int ns_fd_dup(pid_t pid, int fd)
{
	int pidfd, copy, err;

	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0)
		return -errno;
	copy = pidfd_getfd(pidfd, fd, 0);
	err = copy < 0 ? -errno : 0;
	close(pidfd);
	return err ? err : nsfs_path_reopen(copy);
}

int ns_fd_dup_nsfs(pid_t pid, int fd, dev_t nsfs_dev, uint64_t inode)
{
	struct stat st;
	int copy;

	copy = ns_fd_dup(pid, fd);
	if (copy < 0)
		return copy;
	if (fstat(copy, &st) < 0 || st.st_dev != nsfs_dev ||
	    !S_ISREG(st.st_mode) || (uint64_t)st.st_ino != inode) {
		close(copy);
		return -ESTALE;
	}
	return copy;
}

int ns_socket_netns(pid_t pid, int fd)
{
	int pidfd, netns;

	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0)
		return -errno;
	netns = socket_netns_fd(pidfd, fd);
	close(pidfd);
	return netns;
}
