/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Namespace limits the way the kernel applies them. Each user namespace
 * has its own /proc/sys/user/max_<type>_namespaces, a limit per user; a
 * new namespace is charged to the creating user in its owning user
 * namespace and, for the owner UID of each user namespace on the way up,
 * to every ancestor (kernel/ucount.c, inc_ucount). Counts are grouped
 * here the same way; the limits of a user namespace are read from inside
 * it, because the sysctl shows the reader's own.
 */
#ifndef NSE_NS_USERNS_H
#define NSE_NS_USERNS_H

#include "ns_scan.h"

/*
 * Reads /proc/sys/user/max_<type>_namespaces (under procfs) as a process
 * inside the user namespace userns_fd sees them. Only a single-threaded
 * process may setns into a user namespace, so a short-lived child does it
 * (clone with CLONE_VM | CLONE_VFORK, as posix_spawn does: no copy of the
 * address space, the calling thread waits for it, about 40 us) and
 * hands the texts back through a pipe. max[type] is -1 for a value it
 * could not read. Returns 0, or a negative errno: -EPERM when the
 * exporter has no CAP_SYS_ADMIN over that namespace (an ancestor of its
 * own, or a filter such as systemd's RestrictNamespaces=), -EINVAL for
 * the exporter's own user namespace.
 */
int ns_userns_limits_read(int userns_fd, const char *procfs,
			  long long max[NS_TYPE_COUNT]);

/*
 * Counts, for scan->users (user namespaces with parent and owner UID
 * filled in, in any order, possibly repeated), the namespaces each owns
 * directly (from scan->entries' owner_userns) and in its subtree, and
 * builds scan->charges. Sorts scan->users and drops repeats (records of
 * one namespace are expected to agree). A parent that is not among the
 * users ends the chain there, and so does a chain deeper than the kernel
 * allows (32 levels). Pure: reads and writes the scan only. Returns 0 or
 * -ENOMEM.
 */
int ns_user_usage_count(struct ns_scan *scan);

#endif
