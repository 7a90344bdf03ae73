/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure parsers for the text the namespace scan reads from /proc: the stat
 * line, namespace link targets, mountinfo lines and sysctl numbers. No I/O
 * happens here, so tests feed them strings.
 */
#ifndef NSE_NS_SCAN_PARSE_H
#define NSE_NS_SCAN_PARSE_H

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
 * Parses the text of a sysctl holding one integer (such as
 * /proc/sys/user/max_net_namespaces), with optional trailing white space.
 * Returns 0 or -EINVAL.
 */
int ns_sysctl_parse(const char *text, long long *value);

#endif
