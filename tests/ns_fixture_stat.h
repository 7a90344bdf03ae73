/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A test double for stat of descriptor links in the fake /proc trees of
 * tests/fixtures/proc: no file there can be an nsfs file, so the link's
 * text decides what a stat on the host the fixture pretends to be would
 * say (struct ns_scan_options, stat_at).
 */
#ifndef NSE_NS_FIXTURE_STAT_H
#define NSE_NS_FIXTURE_STAT_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "ns_scan.h"

/* The fixture host's nsfs device, and the inodes of two of its pins. */
#define FIXTURE_NSFS_DEV makedev(0, 4)
#define FIXTURE_BLUE_INODE 4026532400u
#define FIXTURE_GONE_INODE 4026532600u

/*
 * Namespace files ("net:[N]"; the blue pin's path; "/" for a pin whose
 * mount is gone) are on FIXTURE_NSFS_DEV; sockets, pipes, anonymous
 * inodes, /dev/null and other paths elsewhere. Returns 0 or -errno.
 */
int fixture_stat(int dir_fd, const char *name, struct stat *st);

/* Scans tree with fixture_stat and otherwise the default options. */
int fixture_scan(const char *tree, bool prefilter, struct ns_scan **out);

#endif
