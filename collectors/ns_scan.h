/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One pass over /proc that finds every namespace of every type the way
 * lsns does: each process's /proc/PID/ns/<type> link, plus every nsfs bind
 * mount in /proc/self/mountinfo. The per-type collectors and the network
 * namespace collector all read the same scan within a scrape.
 */
#ifndef NSE_NS_SCAN_H
#define NSE_NS_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
};

/*
 * Scans the proc file system mounted at procfs. Returns 0 and a scan the
 * caller frees with ns_scan_free, or a negative errno when procfs itself
 * cannot be read. A process that vanishes or refuses access is counted in
 * processes_skipped, never an error.
 */
int ns_scan_run(const char *procfs, struct ns_scan **out);
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

/*
 * The scan of this scrape, made on the first call and shared by later
 * ones. Returns NULL with the error in scrape->ns_scan_err on failure.
 */
const struct ns_scan *scrape_ns_scan(struct scrape *scrape);

#endif
