/* SPDX-License-Identifier: Apache-2.0 */
/* The stat double for descriptor links in the fake /proc trees. */
#include "ns_fixture_stat.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ns_scan_parse.h"

static bool text_starts(const char *text, const char *prefix)
{
	return !strncmp(text, prefix, strlen(prefix));
}

int fixture_stat(int dir_fd, const char *name, struct stat *st)
{
	unsigned long long number = 0;
	enum ns_type type;
	uint64_t inode;
	char text[256];
	ssize_t n;

	n = readlinkat(dir_fd, name, text, sizeof(text) - 1);
	if (n < 0)
		return -errno;
	text[n] = '\0';
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(259, 1);
	st->st_mode = S_IFREG | 0644;
	st->st_ino = 12345;
	if (!ns_link_parse(text, (size_t)n, &type, &inode)) {
		st->st_dev = FIXTURE_NSFS_DEV;
		st->st_mode = S_IFREG | 0444;
		st->st_ino = inode;
	} else if (!strcmp(text, "/run/nsetest-fixture/netns/blue") ||
		   !strcmp(text, "/")) {
		st->st_dev = FIXTURE_NSFS_DEV;
		st->st_mode = S_IFREG | 0444;
		st->st_ino = text[1] ? FIXTURE_BLUE_INODE : FIXTURE_GONE_INODE;
	} else if (sscanf(text, "socket:[%llu]", &number) == 1) {
		st->st_dev = makedev(0, 8);
		st->st_mode = S_IFSOCK | 0777;
		st->st_ino = number;
	} else if (text_starts(text, "pipe:[")) {
		st->st_dev = makedev(0, 13);
		st->st_mode = S_IFIFO | 0600;
	} else if (text_starts(text, "anon_inode:")) {
		/* anonymous inodes carry no file type bits */
		st->st_dev = makedev(0, 15);
		st->st_mode = 0600;
	} else if (!strcmp(text, "/dev/null")) {
		st->st_dev = makedev(0, 5);
		st->st_mode = S_IFCHR | 0666;
	}
	return 0;
}

int fixture_scan(const char *tree, bool prefilter, struct ns_scan **out)
{
	struct ns_scan_options options;

	ns_scan_options_init(&options, tree);
	options.stat_at = fixture_stat;
	options.fd_link_prefilter = prefilter;
	return ns_scan_run_with(&options, out);
}
