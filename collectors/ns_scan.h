/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One pass over /proc that finds every namespace of every type and what
 * keeps each alive: each process's /proc/PID/ns/<type> link, every nsfs
 * bind mount in /proc/self/mountinfo, every nsfs file a process holds open
 * (/proc/PID/fd) and, on request, every socket a process holds in another
 * network namespace. It also groups the namespaces by owning user
 * namespace against that namespace's limits. The per-type collectors and
 * the network namespace collector all read the same scan within a scrape.
 */
#ifndef NSE_NS_SCAN_H
#define NSE_NS_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "collector.h"

enum ns_type {
	NS_TYPE_CGROUP,
	NS_TYPE_IPC,
	NS_TYPE_MNT,
	NS_TYPE_NET,
	NS_TYPE_PID,
	NS_TYPE_TIME,
	NS_TYPE_USER,
	NS_TYPE_UTS,
	NS_TYPE_COUNT,
};

/* "cgroup", "ipc", ... as in /proc/PID/ns and the type label. */
extern const char *const ns_type_names[NS_TYPE_COUNT];
/* Index of a type name, or -EINVAL. */
int ns_type_from_name(const char *name);

/* What keeps a namespace alive: the holder label. */
enum ns_holder_kind {
	NS_HOLDER_PROCESS, /* a process (thread group) in it */
	NS_HOLDER_MOUNT,   /* an nsfs bind mount of it */
	NS_HOLDER_FD,	   /* an open nsfs file (a descriptor) */
	NS_HOLDER_SOCKET,  /* a socket made in it (network only) */
	NS_HOLDER_COUNT,
};

/* "process", "mount", "fd", "socket". */
extern const char *const ns_holder_names[NS_HOLDER_COUNT];

/* An nsfs bind mount, as mountinfo lists it. */
struct ns_mount {
	enum ns_type type;
	uint64_t inode;
	char *path; /* mount point, octal escapes decoded */
};

struct ns_entry {
	enum ns_type type;
	uint64_t inode;
	/* thread groups (processes) whose link names this namespace */
	uint32_t processes;
	/* lowest PID in it, 0 when only mounts hold it */
	pid_t lowest_pid;
	/* command (comm) of lowest_pid; empty when lowest_pid is 0 */
	char command[17];
	/* the host's initial namespace of its type (rule in ns_scan.c) */
	bool initial;
	/* inode of the owning user namespace; 0 when it cannot be read */
	uint64_t owner_userns;
	/* parent namespace (pid and user types); 0 when none or hidden */
	uint64_t parent;
	/* owner UID (user type only) */
	bool has_owner_uid;
	uid_t owner_uid;
	/* references of each other kind (processes counts the first) */
	uint32_t mounts;
	uint32_t fds;
	uint32_t sockets;
	/*
	 * cgroup of lowest_pid (rule at ns_cgroup_parse), relative to the
	 * exporter's cgroup namespace; points into the scan, NULL when
	 * unknown or there is no process.
	 */
	const char *cgroup;
};

/*
 * A process holding a namespace through descriptors (nsfs files) or
 * sockets, one per (namespace, kind, process).
 */
struct ns_holder {
	enum ns_type type;
	uint64_t inode;
	enum ns_holder_kind kind; /* NS_HOLDER_FD or NS_HOLDER_SOCKET */
	pid_t pid;
	/* descriptors of pid of this kind that refer to the namespace */
	uint32_t count;
	/* the lowest of them */
	int fd;
	char command[17];
};

/*
 * One user namespace as the kernel's namespace limits see it. Every
 * namespace is charged to its owning user namespace, and again, for the
 * owner UID of each user namespace on the way, to every ancestor.
 */
struct ns_user_usage {
	uint64_t userns;
	/* its parent user namespace; 0 for the initial one or when hidden */
	uint64_t parent;
	bool has_owner_uid;
	uid_t owner_uid;
	/* namespaces of each type whose owning user namespace this is */
	uint32_t in_use[NS_TYPE_COUNT];
	/*
	 * Namespaces of each type owned by this user namespace or one below
	 * it, plus (for the user type) itself: what the kernel charges in
	 * parent to owner_uid on account of this subtree.
	 */
	uint32_t subtree[NS_TYPE_COUNT];
	/* its /proc/sys/user/max_<type>_namespaces; -1 when unread */
	long long max[NS_TYPE_COUNT];
};

/*
 * What the kernel charges in user namespace userns to uid on account of
 * the child user namespaces uid owns (the sum of their subtree counts).
 * Namespaces uid created directly in userns are charged there too, but the
 * creator's UID is not recorded anywhere the exporter can read.
 */
struct ns_user_charge {
	uint64_t userns;
	uid_t uid;
	uint32_t count[NS_TYPE_COUNT];
};

struct ns_scan {
	/* sorted by type, then inode; one entry per namespace */
	struct ns_entry *entries;
	size_t n_entries;
	struct ns_mount *mounts;
	size_t n_mounts;
	/* the kernel has this type (a /proc/PID/ns/<type> link was seen) */
	bool type_supported[NS_TYPE_COUNT];
	/* /proc/sys/user/max_<type>_namespaces, -1 when unreadable */
	long long max[NS_TYPE_COUNT];
	/* processes that exited mid-scan or whose links were unreadable */
	uint64_t processes_skipped;
	/* processes whose links were read */
	uint64_t processes_scanned;

	/* strings entries point to (cgroup paths), freed with the scan */
	char **strings;
	size_t n_strings;

	/* the descriptor scan ran (the nsfs device was found) */
	bool fd_holders_scanned;
	/*
	 * holder PIDs are in the exporter's own PID namespace, so a holder's
	 * descriptor can be duplicated (ns_fd_dup)
	 */
	bool holders_reachable;
	/* the socket scan ran (requested, and PIDs are the exporter's own) */
	bool socket_holders_scanned;
	/* sorted by type, inode, kind, pid */
	struct ns_holder *holders;
	size_t n_holders;
	/* processes whose descriptor table was read, or could not be */
	uint64_t fd_tables_scanned;
	uint64_t fd_tables_skipped;
	/* descriptors looked at */
	uint64_t fds_examined;
	/*
	 * nsfs descriptors whose namespace type could not be learnt, and
	 * sockets whose namespace could not be asked: left out
	 */
	uint64_t holders_unresolved;

	/* sorted by userns; every user namespace seen, also as an owner */
	struct ns_user_usage *users;
	size_t n_users;
	/* sorted by userns, then uid */
	struct ns_user_charge *charges;
	size_t n_charges;
};

/* What a scan looks at; ns_scan_options_init gives the defaults. */
struct ns_scan_options {
	/* mount point of the proc file system */
	const char *procfs;
	/* read every process's descriptor table (default on) */
	bool fd_holders;
	/*
	 * ask each socket of each process which network namespace it was
	 * made in (SIOCGSKNS; default off: it duplicates every socket)
	 */
	bool socket_holders;
	/*
	 * read the limits of other user namespaces from inside them, in a
	 * short-lived child process (default on)
	 */
	bool user_limits;
	/*
	 * read a descriptor's link text before stat'ing it, and skip
	 * sockets, pipes and anonymous inodes on the text alone. Default
	 * off: it trades one stat for one readlink where it skips, and
	 * costs a readlink more everywhere else, which measured 5-10%
	 * slower (tests/tools/bench_holders.sh); kept to measure again
	 */
	bool fd_link_prefilter;
	/*
	 * How a link under <procfs> is stat'ed (following it): the fd
	 * entries and self/ns/net, whose device is the nsfs device. NULL
	 * means fstatat. Tests put a double here, since no file in a
	 * fixture tree can be an nsfs file. Returns 0 or a negative errno.
	 */
	int (*stat_at)(int dir_fd, const char *name, struct stat *st);
};

/* Defaults for procfs. */
void ns_scan_options_init(struct ns_scan_options *options, const char *procfs);

/*
 * Scans the proc file system mounted at procfs. Returns 0 and a scan the
 * caller frees with ns_scan_free, or a negative errno when procfs itself
 * cannot be read. A process that vanishes or refuses access is counted in
 * processes_skipped, never an error.
 */
int ns_scan_run(const char *procfs, struct ns_scan **out);
/* The same with options (ns_scan_run uses the defaults). */
int ns_scan_run_with(const struct ns_scan_options *options,
		     struct ns_scan **out);
void ns_scan_free(struct ns_scan *scan);

/* The entry for (type, inode), or NULL. */
const struct ns_entry *ns_scan_find(const struct ns_scan *scan,
				    enum ns_type type, uint64_t inode);

/*
 * The entries of one type (a slice of scan->entries, sorted by inode);
 * *count is set to their number, which may be 0.
 */
const struct ns_entry *ns_scan_type_entries(const struct ns_scan *scan,
					    enum ns_type type, size_t *count);

/* The usage record of user namespace userns, or NULL. */
const struct ns_user_usage *ns_scan_find_user(const struct ns_scan *scan,
					      uint64_t userns);

/*
 * The scan of this scrape, made on the first call and shared by later
 * ones, with the options scrape->config asks for. Returns NULL with the
 * error in scrape->ns_scan_err on failure.
 */
const struct ns_scan *scrape_ns_scan(struct scrape *scrape);

#endif
