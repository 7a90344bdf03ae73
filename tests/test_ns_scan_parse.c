/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The namespace scan's parsers: stat lines, ns links, mountinfo, sysctls,
 * cgroup files, and the classification of open descriptors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cmocka.h>

#include "ns_scan_parse.h"

#define KTHREADD_STAT                                                          \
	"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 25 0 0 "   \
	"18446744073709551615 0 0 0 0 0 0 0 2147483647 0 1 0 0 0 1 0 0 0 0 "   \
	"0 0 0 0 0 0 0 0\n"

static void stat_parse_reads_fields_after_last_paren(void **state)
{
	struct ns_proc_stat stat;

	(void)state;
	assert_int_equal(
		ns_proc_stat_parse(
			"4242 (tmux: a) b) S 17 4242 4242 34816 4242 4194560 1 2\n",
			&stat),
		0);
	assert_int_equal(stat.pid, 4242);
	assert_string_equal(stat.comm, "tmux: a) b");
	assert_int_equal(stat.state, 'S');
	assert_int_equal(stat.ppid, 17);
	assert_int_equal(stat.flags, 4194560);
}

static void stat_parse_sees_kernel_thread_flag(void **state)
{
	struct ns_proc_stat stat;

	(void)state;
	assert_int_equal(ns_proc_stat_parse(KTHREADD_STAT, &stat), 0);
	assert_string_equal(stat.comm, "kthreadd");
	assert_int_equal(stat.ppid, 0);
	assert_true(stat.flags & NS_PF_KTHREAD);
}

static void stat_parse_accepts_line_ending_at_flags(void **state)
{
	struct ns_proc_stat stat;

	(void)state;
	assert_int_equal(ns_proc_stat_parse("9 (a) R 1 9 9 0 -1 64", &stat), 0);
	assert_int_equal(stat.flags, 64);
	assert_false(stat.flags & NS_PF_KTHREAD);
}

static void stat_parse_cuts_long_command_on_utf8_boundary(void **state)
{
	struct ns_proc_stat stat;

	(void)state;
	/* workqueue threads show more than the 15 bytes of comm */
	assert_int_equal(
		ns_proc_stat_parse(
			"3 (kworker/0:0H-events_highpri) I 2 0 0 0 -1 69238880",
			&stat),
		0);
	assert_string_equal(stat.comm, "kworker/0:0H-eve");
	/* 15 ASCII bytes and a two-byte e-acute: the cut would split it */
	assert_int_equal(
		ns_proc_stat_parse("5 (aaaaaaaaaaaaaaa\xc3\xa9) S 1 0 0 0 -1 0",
				   &stat),
		0);
	assert_string_equal(stat.comm, "aaaaaaaaaaaaaaa");
}

static void stat_parse_keeps_empty_and_paren_only_commands(void **state)
{
	struct ns_proc_stat stat;

	(void)state;
	assert_int_equal(ns_proc_stat_parse("6 () S 1 0 0 0 -1 0", &stat), 0);
	assert_string_equal(stat.comm, "");
	assert_int_equal(ns_proc_stat_parse("7 ()) S 1 0 0 0 -1 0", &stat), 0);
	assert_string_equal(stat.comm, ")");
}

static void stat_parse_rejects_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"garbage",
		"12",
		"12 (x",
		"12 x) S 1 0 0 0 -1 0",
		"-12 (x) S 1 0 0 0 -1 0",
		"0 (x) S 1 0 0 0 -1 0",
		"12 (x) S",
		"12 (x) S 1 0 0 0 -1", /* ends before flags */
		"12 (x) S x 0 0 0 -1 0",
		"12 (x) S 1 0 0 0 -1 0x10",
		"99999999999 (x) S 1 0 0 0 -1 0",
		"12 (x) S 1 0 0 0 -1 99999999999",
	};
	struct ns_proc_stat stat = {.pid = 77};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ns_proc_stat_parse(bad[i], &stat), -EINVAL);
		assert_int_equal(stat.pid, 77); /* untouched */
	}
}

static void pid_parse_takes_digits_only(void **state)
{
	pid_t pid = 0;

	(void)state;
	assert_int_equal(ns_pid_parse("4242", &pid), 0);
	assert_int_equal(pid, 4242);
	assert_int_equal(ns_pid_parse("2147483647", &pid), 0);
	assert_int_equal(pid, 2147483647);
	assert_int_equal(ns_pid_parse("self", &pid), -EINVAL);
	assert_int_equal(ns_pid_parse("12a", &pid), -EINVAL);
	assert_int_equal(ns_pid_parse("", &pid), -EINVAL);
	assert_int_equal(ns_pid_parse("0", &pid), -EINVAL);
	assert_int_equal(ns_pid_parse("-1", &pid), -EINVAL);
	assert_int_equal(ns_pid_parse("2147483648", &pid), -EINVAL);
	assert_int_equal(pid, 2147483647);
}

static void link_parse_reads_every_type(void **state)
{
	char text[64];
	enum ns_type type;
	uint64_t inode;
	int i;

	(void)state;
	for (i = 0; i < NS_TYPE_COUNT; i++) {
		snprintf(text, sizeof(text), "%s:[%u]", ns_type_names[i],
			 4026531833u + (unsigned)i);
		assert_int_equal(
			ns_link_parse(text, strlen(text), &type, &inode), 0);
		assert_int_equal(type, i);
		assert_int_equal(inode, 4026531833u + (unsigned)i);
		assert_int_equal(ns_type_from_name(ns_type_names[i]), i);
	}
}

static void link_parse_needs_no_terminator(void **state)
{
	const char text[] = "net:[4026531833]garbage";
	enum ns_type type;
	uint64_t inode;

	(void)state;
	assert_int_equal(ns_link_parse(text, 16, &type, &inode), 0);
	assert_int_equal(type, NS_TYPE_NET);
	assert_int_equal(inode, 4026531833u);
	assert_int_equal(ns_link_parse(text, sizeof(text) - 1, &type, &inode),
			 -EINVAL);
}

static void link_parse_rejects_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"net",
		"net:",
		"net:[",
		"net:[]",
		"net:[12",
		"net:[12]x",
		"net:[x]",
		"net:[-1]",
		"net:12",
		"pid_for_children:[4026531836]",
		"foo:[1]",
		":[1]",
		"/proc/1/ns/net",
		"net:[99999999999999999999]",
	};
	enum ns_type type = NS_TYPE_UTS;
	uint64_t inode = 5;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
			ns_link_parse(bad[i], strlen(bad[i]), &type, &inode),
			-EINVAL);
	assert_int_equal(type, NS_TYPE_UTS);
	assert_int_equal(inode, 5);
	assert_int_equal(ns_type_from_name("network"), -EINVAL);
}

static void unescape_decodes_kernel_escapes(void **state)
{
	const char in[] = "/a\\040b\\011c\\012d\\134e\\\\f\\09g\\";
	char out[sizeof(in)];
	size_t n;

	(void)state;
	n = ns_mount_path_unescape(in, strlen(in), out);
	/* "\\\\f" is not an escape: the first backslash passes as is */
	assert_string_equal(out, "/a b\tc\nd\\e\\\\f\\09g\\");
	assert_int_equal(n, strlen(out));
}

static int parse_line(const char *line, enum ns_type *type, uint64_t *inode,
		      char *path, size_t size)
{
	return ns_mountinfo_parse(line, strlen(line), type, inode, path, size);
}

static void mountinfo_parse_reads_nsfs_of_each_type(void **state)
{
	char line[256], path[256], want[64];
	enum ns_type type;
	uint64_t inode;
	int i;

	(void)state;
	for (i = 0; i < NS_TYPE_COUNT; i++) {
		snprintf(
			line, sizeof(line),
			"40 24 0:4 %s:[%u] /run/pins/%s rw,nosuid shared:20 - nsfs nsfs rw",
			ns_type_names[i], 4026532400u + (unsigned)i,
			ns_type_names[i]);
		assert_int_equal(
			parse_line(line, &type, &inode, path, sizeof(path)), 1);
		assert_int_equal(type, i);
		assert_int_equal(inode, 4026532400u + (unsigned)i);
		snprintf(want, sizeof(want), "/run/pins/%s", ns_type_names[i]);
		assert_string_equal(path, want);
	}
}

static void mountinfo_parse_decodes_mount_point(void **state)
{
	const char *line =
		"42 24 0:4 net:[4026532401] /run/netns/with\\040space\\011tab\\134slash rw - nsfs nsfs rw";
	char path[128];
	enum ns_type type;
	uint64_t inode;

	(void)state;
	assert_int_equal(parse_line(line, &type, &inode, path, sizeof(path)),
			 1);
	assert_int_equal(type, NS_TYPE_NET);
	assert_int_equal(inode, 4026532401u);
	assert_string_equal(path, "/run/netns/with space\ttab\\slash");
}

static void mountinfo_parse_passes_other_file_systems(void **state)
{
	char path[128] = "untouched";
	enum ns_type type;
	uint64_t inode;

	(void)state;
	assert_int_equal(
		parse_line(
			"22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/root rw",
			&type, &inode, path, sizeof(path)),
		0);
	/* no optional fields at all, and several */
	assert_int_equal(
		parse_line("25 22 0:30 / /mnt/a\\040b rw - tmpfs tmpfs rw",
			   &type, &inode, path, sizeof(path)),
		0);
	assert_int_equal(
		parse_line(
			"26 22 0:31 / /x rw shared:1 master:2 propagate_from:3 - proc proc rw",
			&type, &inode, path, sizeof(path)),
		0);
	/* an nsfs-looking root on another file system is not a pin */
	assert_int_equal(parse_line("27 22 0:4 net:[1] /y rw - tmpfs nsfs rw",
				    &type, &inode, path, sizeof(path)),
			 0);
	assert_string_equal(path, "untouched");
}

static void mountinfo_parse_rejects_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"not a mountinfo line",
		"40 24 0:4 net:[1] /run/a rw nsfs nsfs rw", /* no "-" */
		"40 24 0:4 net:[1] /run/a rw -",	    /* no fstype */
		"x 24 0:4 net:[1] /run/a rw - nsfs nsfs rw",
		"40 24 04 net:[1] /run/a rw - nsfs nsfs rw",
		"40 24 0:4 net:[1]  /run/a rw - nsfs nsfs rw", /* empty field */
		"40 24 0:4 / /run/a rw - nsfs nsfs rw", /* unreadable root */
		"40 24 0:4 bogus:[1] /run/a rw - nsfs nsfs rw",
	};
	char path[128];
	enum ns_type type;
	uint64_t inode;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
			parse_line(bad[i], &type, &inode, path, sizeof(path)),
			-EINVAL);
	/* a path buffer too small to hold the mount point */
	assert_int_equal(
		parse_line("40 24 0:4 net:[1] /run/a rw - nsfs nsfs rw", &type,
			   &inode, path, 4),
		-EINVAL);
}

static void sysctl_parse_reads_one_number(void **state)
{
	long long value = 0;

	(void)state;
	assert_int_equal(ns_sysctl_parse("15607\n", &value), 0);
	assert_int_equal(value, 15607);
	assert_int_equal(ns_sysctl_parse("0", &value), 0);
	assert_int_equal(value, 0);
	assert_int_equal(ns_sysctl_parse("-1\n", &value), 0);
	assert_int_equal(value, -1);
	assert_int_equal(ns_sysctl_parse("", &value), -EINVAL);
	assert_int_equal(ns_sysctl_parse("\n", &value), -EINVAL);
	assert_int_equal(ns_sysctl_parse("12 13\n", &value), -EINVAL);
	assert_int_equal(ns_sysctl_parse("abc", &value), -EINVAL);
	assert_int_equal(ns_sysctl_parse("99999999999999999999", &value),
			 -EINVAL);
	assert_int_equal(value, -1);
}

static void fd_parse_takes_descriptor_numbers(void **state)
{
	int fd = -1;

	(void)state;
	assert_int_equal(ns_fd_parse("0", &fd), 0);
	assert_int_equal(fd, 0);
	assert_int_equal(ns_fd_parse("1023", &fd), 0);
	assert_int_equal(fd, 1023);
	assert_int_equal(ns_fd_parse("2147483647", &fd), 0);
	assert_int_equal(fd, 2147483647);
	assert_int_equal(ns_fd_parse("2147483648", &fd), -EINVAL);
	assert_int_equal(ns_fd_parse("", &fd), -EINVAL);
	assert_int_equal(ns_fd_parse(".", &fd), -EINVAL);
	assert_int_equal(ns_fd_parse(".keep", &fd), -EINVAL);
	assert_int_equal(ns_fd_parse("-1", &fd), -EINVAL);
	assert_int_equal(ns_fd_parse("3a", &fd), -EINVAL);
	assert_int_equal(fd, 2147483647);
}

/*
 * (st_dev, st_mode) pairs as a stat of /proc/PID/fd/N gives them on a
 * host whose nsfs is device 0:4.
 */
static void fd_classify_knows_nsfs_by_device(void **state)
{
	const dev_t nsfs = makedev(0, 4);
	static const struct {
		unsigned major, minor;
		mode_t mode;
		enum ns_fd_class want;
	} cases[] = {
		/* /proc/self/ns/net, /run/netns/blue: both nsfs files */
		{0, 4, S_IFREG | 0444, NS_FD_NSFS},
		{0, 4, S_IFREG | 0, NS_FD_NSFS},
		/* a directory on the nsfs device is no namespace file */
		{0, 4, S_IFDIR | 0555, NS_FD_OTHER},
		{0, 8, S_IFSOCK | 0777, NS_FD_SOCKET},
		{0, 13, S_IFIFO | 0600, NS_FD_OTHER},
		/* an anonymous inode has no file type bits */
		{0, 15, 0600, NS_FD_OTHER},
		{0, 5, S_IFCHR | 0666, NS_FD_OTHER},
		/* a regular file on another device, whatever its inode */
		{259, 1, S_IFREG | 0644, NS_FD_OTHER},
		{0, 3, S_IFREG | 0444, NS_FD_OTHER},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(
			ns_fd_classify(makedev(cases[i].major, cases[i].minor),
				       cases[i].mode, nsfs),
			cases[i].want);
}

static void fd_link_classify_trusts_only_kernel_names(void **state)
{
	static const struct {
		const char *text;
		enum ns_fd_class want;
	} cases[] = {
		{"socket:[3841002]", NS_FD_SOCKET},
		{"pipe:[77]", NS_FD_OTHER},
		{"anon_inode:[eventpoll]", NS_FD_OTHER},
		{"anon_inode:inotify", NS_FD_OTHER},
		/* an nsfs file reads like one of these, or like a path */
		{"net:[4026531833]", NS_FD_UNKNOWN},
		{"/run/netns/blue", NS_FD_UNKNOWN},
		{"/", NS_FD_UNKNOWN},
		/* an nsfs bind mount may live under /dev */
		{"/dev/shm/netns-pin", NS_FD_UNKNOWN},
		{"/dev/null", NS_FD_UNKNOWN},
		/* a path that merely contains the words */
		{"/srv/socket:[1]", NS_FD_UNKNOWN},
		{"socket", NS_FD_UNKNOWN},
		{"", NS_FD_UNKNOWN},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(ns_fd_link_classify(cases[i].text,
						     strlen(cases[i].text)),
				 cases[i].want);
	/* the length counts, not a terminator: "socket:[" cut short */
	assert_int_equal(ns_fd_link_classify("socket:[1]", 7), NS_FD_UNKNOWN);
}

static void type_from_clone_flag_maps_each_type(void **state)
{
	(void)state;
	assert_int_equal(ns_type_from_clone_flag(CLONE_NEWCGROUP),
			 NS_TYPE_CGROUP);
	assert_int_equal(ns_type_from_clone_flag(CLONE_NEWIPC), NS_TYPE_IPC);
	assert_int_equal(ns_type_from_clone_flag(CLONE_NEWNS), NS_TYPE_MNT);
	assert_int_equal(ns_type_from_clone_flag(CLONE_NEWNET), NS_TYPE_NET);
	assert_int_equal(ns_type_from_clone_flag(CLONE_NEWPID), NS_TYPE_PID);
	assert_int_equal(ns_type_from_clone_flag(CLONE_NEWTIME), NS_TYPE_TIME);
	assert_int_equal(ns_type_from_clone_flag(CLONE_NEWUSER), NS_TYPE_USER);
	assert_int_equal(ns_type_from_clone_flag(CLONE_NEWUTS), NS_TYPE_UTS);
	assert_int_equal(ns_type_from_clone_flag(0), -EINVAL);
	assert_int_equal(ns_type_from_clone_flag(CLONE_NEWNET | CLONE_NEWUTS),
			 -EINVAL);
}

/* Runs ns_cgroup_parse with room for 128 bytes; the path or "ERR <n>". */
static const char *cgroup_of(const char *text)
{
	static char path[128];
	int err = ns_cgroup_parse(text, path, sizeof(path));

	if (err)
		snprintf(path, sizeof(path), "ERR %d", err);
	return path;
}

static void cgroup_parse_prefers_v2_then_systemd_then_lowest_id(void **state)
{
	(void)state;
	assert_string_equal(cgroup_of("0::/system.slice/sshd.service\n"),
			    "/system.slice/sshd.service");
	/* hybrid: v1 controllers beside the unified line */
	assert_string_equal(
		cgroup_of("12:memory:/docker/abc\n"
			  "1:name=systemd:/system.slice/docker-abc.scope\n"
			  "0::/system.slice/docker-abc.scope\n"),
		"/system.slice/docker-abc.scope");
	/* v1 only: systemd's own hierarchy names the unit */
	assert_string_equal(
		cgroup_of("5:cpu,cpuacct:/user.slice\n"
			  "1:name=systemd:/user.slice/user-1000.slice/x.scope\n"
			  "3:memory:/user.slice\n"),
		"/user.slice/user-1000.slice/x.scope");
	/* v1 without systemd: the lowest hierarchy ID, in any order */
	assert_string_equal(cgroup_of("4:pids:/b\n2:cpuset:/a\n9:blkio:/c"),
			    "/a");
	/* the path may hold ':' and spaces; the root is a path too */
	assert_string_equal(cgroup_of("0::/a:b/c d\n"), "/a:b/c d");
	assert_string_equal(cgroup_of("0::/\n"), "/");
	/* "/" says the least: an unused v2 hierarchy beside v1 ones */
	assert_string_equal(cgroup_of("9:name=systemd:/\n8:pids:/\n"
				      "4:memory:/process_api/6b04\n"
				      "1:cpu:/\n0::/\n"),
			    "/process_api/6b04");
	assert_string_equal(cgroup_of("1:name=systemd:/\n0::/\n"), "/");
	assert_string_equal(cgroup_of("0::/\n1:name=systemd:/s.scope\n"),
			    "/s.scope");
	/* a named v1 hierarchy that is not systemd's ranks as any v1 */
	assert_string_equal(cgroup_of("7:name=elogind:/e\n3:pids:/p\n"), "/p");
}

static void cgroup_parse_rejects_what_it_cannot_use(void **state)
{
	char small[4];

	(void)state;
	assert_string_equal(cgroup_of(""), "ERR -22");
	assert_string_equal(cgroup_of("\n"), "ERR -22");
	assert_string_equal(cgroup_of("garbage\n"), "ERR -22");
	/* no path after the controllers, or one not starting with '/' */
	assert_string_equal(cgroup_of("3:memory:\n0::relative\n"), "ERR -22");
	assert_string_equal(cgroup_of("x::/a\n"), "ERR -22");
	/* a bad line beside a good one is skipped */
	assert_string_equal(cgroup_of("junk\n0::/ok\n"), "/ok");
	/* the path and its terminator must fit */
	assert_int_equal(ns_cgroup_parse("0::/abc\n", small, sizeof(small)),
			 -ENAMETOOLONG);
	assert_int_equal(ns_cgroup_parse("0::/ab\n", small, sizeof(small)), 0);
	assert_string_equal(small, "/ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stat_parse_reads_fields_after_last_paren),
		cmocka_unit_test(stat_parse_sees_kernel_thread_flag),
		cmocka_unit_test(stat_parse_accepts_line_ending_at_flags),
		cmocka_unit_test(stat_parse_cuts_long_command_on_utf8_boundary),
		cmocka_unit_test(
			stat_parse_keeps_empty_and_paren_only_commands),
		cmocka_unit_test(stat_parse_rejects_garbage),
		cmocka_unit_test(pid_parse_takes_digits_only),
		cmocka_unit_test(link_parse_reads_every_type),
		cmocka_unit_test(link_parse_needs_no_terminator),
		cmocka_unit_test(link_parse_rejects_garbage),
		cmocka_unit_test(unescape_decodes_kernel_escapes),
		cmocka_unit_test(mountinfo_parse_reads_nsfs_of_each_type),
		cmocka_unit_test(mountinfo_parse_decodes_mount_point),
		cmocka_unit_test(mountinfo_parse_passes_other_file_systems),
		cmocka_unit_test(mountinfo_parse_rejects_garbage),
		cmocka_unit_test(sysctl_parse_reads_one_number),
		cmocka_unit_test(fd_parse_takes_descriptor_numbers),
		cmocka_unit_test(fd_classify_knows_nsfs_by_device),
		cmocka_unit_test(fd_link_classify_trusts_only_kernel_names),
		cmocka_unit_test(type_from_clone_flag_maps_each_type),
		cmocka_unit_test(
			cgroup_parse_prefers_v2_then_systemd_then_lowest_id),
		cmocka_unit_test(cgroup_parse_rejects_what_it_cannot_use),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
