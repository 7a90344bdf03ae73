/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The descriptor half of the namespace scan: reads one process's table of
 * open files (/proc/PID/fd) and finds the nsfs files and, on request, the
 * sockets made in another network namespace, which keep those namespaces
 * alive. Entries are never opened: each is stat'ed through its link, and
 * a socket is duplicated (pidfd_getfd), never reopened.
 */
#ifndef NSE_NS_HOLDERS_H
#define NSE_NS_HOLDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* One descriptor that refers to a namespace. */
struct ns_fd_ref {
	/* the nsfs inode; for a socket, its network namespace's */
	uint64_t inode;
	int fd;
	bool socket;
};

/* State for reading many descriptor tables; zero it, then set the inputs. */
struct ns_fd_scanner {
	/* inputs */
	int proc_fd;	/* the procfs root */
	dev_t nsfs_dev; /* device of every nsfs file */
	bool prefilter; /* classify by link text before stat'ing */
	bool sockets;	/* ask sockets for their network namespace */
	/* see struct ns_scan_options; NULL means fstatat */
	int (*stat_at)(int dir_fd, const char *name, struct stat *st);

	/* what the last ns_fd_table_scan found, reused between calls */
	struct ns_fd_ref *refs;
	size_t n_refs, cap_refs;

	/* running totals */
	uint64_t fds_examined;
	/* sockets whose network namespace could not be asked */
	uint64_t sockets_unresolved;

	/* getdents64 buffer, allocated on first use */
	char *dirents;
};

/*
 * Device, inode and type (st_dev, st_ino, st_mode; the rest zero) of the
 * file the link dir_fd/name leads to, from the kernel's cache: never
 * waits on a remote file system. 0 or a negative errno.
 */
int ns_stat_follow(int dir_fd, const char *name, struct stat *st);

/*
 * Reads the descriptor table of process pid into scanner->refs (emptied
 * first): every nsfs file, and when scanner->sockets is set, every socket
 * whose network namespace is not own_netns (the process's own; sockets
 * made in it add nothing it does not already hold). A descriptor closed
 * during the read is skipped. Returns 0; a negative errno when the table
 * cannot be read (the process exited, or access is refused), which the
 * caller counts; or -ENOMEM.
 */
int ns_fd_table_scan(struct ns_fd_scanner *scanner, pid_t pid,
		     uint64_t own_netns);

/* Frees what the scanner allocated; the scanner may be reused. NULL-safe. */
void ns_fd_scanner_release(struct ns_fd_scanner *scanner);

/*
 * Opens path (relative to dir_fd) for setns or an nsfs ioctl only once it
 * proved to be the nsfs file with the given inode: it is pinned with
 * O_PATH first, which opens nothing, so a FIFO or a device put at the path
 * (even after an earlier look) sees no open(); the pinned file itself is
 * then opened through /proc/self/fd. Returns the fd (O_CLOEXEC), -ENOENT
 * when the path leads to another file or to none, or another negative
 * errno.
 */
int ns_open_pinned(int dir_fd, const char *path, uint64_t inode);

/*
 * ns_open_pinned for a /proc/PID/ns/<type> link, which leads to an nsfs
 * file or nowhere, never to a FIFO or a device: opened at once, then
 * checked, which saves two system calls per namespace on the scan.
 */
int ns_open_link(int dir_fd, const char *path, uint64_t inode);

/*
 * Duplicates descriptor fd of process pid into the exporter with
 * pidfd_getfd (PTRACE_MODE_ATTACH: CAP_SYS_PTRACE for other users'
 * processes). Nothing is opened, so whatever the number now refers to (a
 * device, a FIFO) sees nothing; only a copy that is an O_PATH descriptor
 * of an nsfs file is opened again for real, since setns and the nsfs
 * ioctls refuse O_PATH. pid is in the exporter's own PID namespace. Returns the new fd (O_CLOEXEC; the caller closes it) or a
 * negative errno (-ESRCH: no such process; -EBADF: no such descriptor).
 */
int ns_fd_dup(pid_t pid, int fd);

/*
 * ns_fd_dup, checking that the copy is still the nsfs file with the given
 * inode, since the number may have been reused (-ESTALE when it is not).
 */
int ns_fd_dup_nsfs(pid_t pid, int fd, dev_t nsfs_dev, uint64_t inode);

/*
 * The network namespace socket fd of process pid was made in, as an nsfs
 * fd (O_CLOEXEC; the caller closes it): the socket is duplicated with
 * pidfd_getfd and asked with SIOCGSKNS, which needs CAP_NET_ADMIN over
 * that namespace. pid is in the exporter's PID namespace. Returns the fd
 * or a negative errno.
 */
int ns_socket_netns(pid_t pid, int fd);

#endif
