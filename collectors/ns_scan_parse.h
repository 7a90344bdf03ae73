/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure parsers for the text the namespace scan reads from /proc: the stat
 * line, namespace link targets, mountinfo lines, sysctl numbers, cgroup
 * files, and the classification of open descriptors. No I/O happens here,
 * so tests feed them strings and stat results.
 */
#ifndef NSE_NS_SCAN_PARSE_H
#define NSE_NS_SCAN_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ns_scan.h"

/* The task is a kernel thread (include/linux/sched.h). */
#define NS_PF_KTHREAD 0x00200000u

/* The fields of /proc/PID/stat the scan uses. */
struct ns_proc_stat {
	pid_t pid;
	char state;
	pid_t ppid;
	unsigned int flags;
	/*
	 * The command between the first '(' and the last ')', cut to 16
	 * bytes on a UTF-8 boundary (workqueue threads show longer names).
	 */
	char comm[17];
};

/*
 * Parses a NUL-terminated /proc/PID/stat line, reading the fields after
 * the LAST ')' because the command may itself contain ") ". Returns 0 and
 * fills out, or -EINVAL (out untouched) when the line is malformed or ends
 * before the flags field.
 */
int ns_proc_stat_parse(const char *line, struct ns_proc_stat *out);

/*
 * Parses a /proc directory entry name as a PID: decimal digits only, no
 * sign, 1 .. INT_MAX. Returns 0 or -EINVAL.
 */
int ns_pid_parse(const char *name, pid_t *pid);

/*
 * Parses a /proc/PID/fd entry name as a descriptor number: decimal digits
 * only, 0 .. INT_MAX. Returns 0 or -EINVAL.
 */
int ns_fd_parse(const char *name, int *fd);

/*
 * Parses a namespace link target or nsfs mount root such as
 * "net:[4026531833]" (text need not be NUL-terminated). Returns 0, or
 * -EINVAL for any other text, including a type name this build does not
 * know.
 */
int ns_link_parse(const char *text, size_t len, enum ns_type *type,
		  uint64_t *inode);

/*
 * Decodes the octal escapes (\040 space, \011 tab, \012 line feed, \134
 * backslash, any \ooo) the kernel writes in mountinfo paths. out must hold
 * len + 1 bytes; the result is NUL-terminated. Returns the decoded length.
 */
size_t ns_mount_path_unescape(const char *in, size_t len, char *out);

/*
 * Parses one mountinfo line (without its line feed; need not be
 * NUL-terminated). For an nsfs mount, writes its type and inode, decodes
 * the mount point into path (path_size must be at least len + 1) and
 * returns 1. Returns 0 for a well-formed line of any other file system,
 * and -EINVAL for a malformed line or an nsfs root it cannot read.
 */
int ns_mountinfo_parse(const char *line, size_t len, enum ns_type *type,
		       uint64_t *inode, char *path, size_t path_size);

/*
 * Parses one mountinfo line of any file system for its mount point
 * (decoded into path, which must hold len + 1 bytes) and whether the mount
 * is shared ("shared:N": mounts made under it propagate to its peer
 * group). Returns 0, or -EINVAL for a malformed line.
 */
int ns_mountinfo_propagation(const char *line, size_t len, char *path,
			     size_t path_size, bool *shared);

/*
 * Parses the text of a sysctl holding one integer (such as
 * /proc/sys/user/max_net_namespaces), with optional trailing white space.
 * Returns 0 or -EINVAL.
 */
int ns_sysctl_parse(const char *text, long long *value);

/* What an open descriptor is, to the holder scan. */
enum ns_fd_class {
	NS_FD_OTHER,   /* neither a namespace file nor a socket: skipped */
	NS_FD_NSFS,    /* an nsfs file: its inode is the namespace's */
	NS_FD_SOCKET,  /* a socket */
	NS_FD_UNKNOWN, /* the link text alone cannot tell: stat it */
};

/*
 * Classifies a descriptor from a stat of its /proc/PID/fd link (stat
 * follows the link to the open file): every nsfs file lives on the one
 * nsfs device, nsfs_dev, whatever path it was opened by.
 */
enum ns_fd_class ns_fd_classify(dev_t dev, mode_t mode, dev_t nsfs_dev);

/*
 * Classifies a descriptor from its link text, where the text is proof:
 * the kernel names sockets "socket:[N]", pipes "pipe:[N]" and anonymous
 * inodes "anon_inode:...", and a path always starts with '/'. An nsfs
 * file reads "net:[N]" or the path it was opened by (which may be "/"
 * once its mount is gone), and "/dev/..." may be an nsfs bind mount under
 * /dev: all those are NS_FD_UNKNOWN. text need not be NUL-terminated.
 */
enum ns_fd_class ns_fd_link_classify(const char *text, size_t len);

/* The type of a CLONE_NEW* flag, as NS_GET_NSTYPE answers, or -EINVAL. */
int ns_type_from_clone_flag(int flag);

/*
 * Picks one cgroup path out of /proc/PID/cgroup text (NUL-terminated): the
 * cgroup v2 line "0::PATH" when there is one (also on hybrid hosts);
 * otherwise, on a cgroup v1 host, the "name=systemd" hierarchy, where
 * systemd names services and container scopes; otherwise the hierarchy
 * with the lowest ID. A root path "/" counts only when no line says more:
 * a v1 host may mount the v2 hierarchy unused, and then every process
 * shows "0::/". Writes the path, NUL-terminated, to out and returns 0;
 * -EINVAL when no line is usable, -ENAMETOOLONG when out is too small.
 */
int ns_cgroup_parse(const char *text, char *out, size_t size);

#endif
