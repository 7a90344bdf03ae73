/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The namespace scan over the fake /proc trees in tests/fixtures/proc
 * (made by tests/fixtures/make-proc-fixture.sh), and once over the real
 * /proc.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"
#include "ns_scan.h"

#define HOST_TREE NSE_FIXTURES "/proc/host"
#define CONTAINER_TREE NSE_FIXTURES "/proc/container"

static int host_setup(void **state)
{
	struct ns_scan *scan = NULL;

	if (ns_scan_run(HOST_TREE, &scan) < 0)
		return -1;
	*state = scan;
	return 0;
}

static int container_setup(void **state)
{
	struct ns_scan *scan = NULL;

	if (ns_scan_run(CONTAINER_TREE, &scan) < 0)
		return -1;
	*state = scan;
	return 0;
}

static int scan_teardown(void **state)
{
	ns_scan_free(*state);
	return 0;
}

static const struct ns_entry *must_find(const struct ns_scan *scan,
					enum ns_type type, uint64_t inode)
{
	const struct ns_entry *entry = ns_scan_find(scan, type, inode);

	assert_non_null(entry);
	return entry;
}

static uint32_t processes_of(const struct ns_scan *scan, enum ns_type type,
			     uint64_t inode)
{
	return must_find(scan, type, inode)->processes;
}

static size_t type_count(const struct ns_scan *scan, enum ns_type type)
{
	size_t count;

	ns_scan_type_entries(scan, type, &count);
	return count;
}

static void host_counts_namespaces_per_type(void **state)
{
	static const size_t want[NS_TYPE_COUNT] = {
		[NS_TYPE_CGROUP] = 4, [NS_TYPE_IPC] = 3, [NS_TYPE_MNT] = 5,
		[NS_TYPE_NET] = 6,    [NS_TYPE_PID] = 4, [NS_TYPE_TIME] = 2,
		[NS_TYPE_USER] = 3,   [NS_TYPE_UTS] = 5,
	};
	const struct ns_scan *scan = *state;
	size_t total = 0;
	int i;

	for (i = 0; i < NS_TYPE_COUNT; i++) {
		assert_true(scan->type_supported[i]);
		assert_int_equal(type_count(scan, i), want[i]);
		total += want[i];
	}
	assert_int_equal(scan->n_entries, total);
}

static void host_entries_are_sorted_and_unique(void **state)
{
	const struct ns_scan *scan = *state;
	const struct ns_entry *a, *b;
	size_t i;

	for (i = 1; i < scan->n_entries; i++) {
		a = &scan->entries[i - 1];
		b = &scan->entries[i];
		assert_true(a->type < b->type ||
			    (a->type == b->type && a->inode < b->inode));
	}
}

static void host_counts_processes_once_and_skips_broken_ones(void **state)
{
	const struct ns_scan *scan = *state;

	/* 450 has no ns links, 451 a garbled link, 452 no type link */
	assert_int_equal(scan->processes_scanned, 13);
	assert_int_equal(scan->processes_skipped, 3);
	assert_int_equal(processes_of(scan, NS_TYPE_NET, 4026531992u), 8);
	assert_int_equal(processes_of(scan, NS_TYPE_TIME, 4026531834u), 13);
	assert_int_equal(processes_of(scan, NS_TYPE_USER, 4026531837u), 11);
	assert_int_equal(processes_of(scan, NS_TYPE_PID, 4026532300u), 2);
	assert_int_equal(processes_of(scan, NS_TYPE_UTS, 4026531838u), 8);
	assert_int_equal(processes_of(scan, NS_TYPE_MNT, 4026531840u), 8);
}

static void host_names_lowest_pid_and_its_command(void **state)
{
	static const struct {
		enum ns_type type;
		uint64_t inode;
		pid_t pid;
		const char *command;
	} want[] = {
		{NS_TYPE_NET, 4026531992u, 1, "systemd"},
		{NS_TYPE_MNT, 4026532297u, 420, "nginx"},
		{NS_TYPE_USER, 4026532310u, 430, "catatonit"},
		/* ") " in it: stat is read from the last ')' */
		{NS_TYPE_UTS, 4026532330u, 415, "tmux: a) b"},
		{NS_TYPE_NET, 4026532320u, 440, "we\"ird\\name"},
		/* gone before its command was read */
		{NS_TYPE_CGROUP, 4026532340u, 460, ""},
	};
	const struct ns_scan *scan = *state;
	const struct ns_entry *entry;
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		entry = must_find(scan, want[i].type, want[i].inode);
		assert_int_equal(entry->lowest_pid, want[i].pid);
		assert_string_equal(entry->command, want[i].command);
	}
	assert_int_equal(processes_of(scan, NS_TYPE_CGROUP, 4026532340u), 1);
}

static void host_keeps_namespaces_held_only_by_mounts(void **state)
{
	const struct ns_scan *scan = *state;
	static const struct {
		enum ns_type type;
		uint64_t inode;
	} pinned[] = {
		{NS_TYPE_NET, 4026532400u}, {NS_TYPE_NET, 4026532401u},
		{NS_TYPE_UTS, 4026532410u}, {NS_TYPE_USER, 4026532411u},
		{NS_TYPE_PID, 4026532412u}, {NS_TYPE_TIME, 4026532413u},
		{NS_TYPE_MNT, 4026532414u},
	};
	const struct ns_entry *entry;
	size_t i;

	for (i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++) {
		entry = must_find(scan, pinned[i].type, pinned[i].inode);
		assert_int_equal(entry->processes, 0);
		assert_int_equal(entry->lowest_pid, 0);
		assert_string_equal(entry->command, "");
		assert_false(entry->initial);
	}
	/* a mount of a namespace that processes hold adds no entry */
	entry = must_find(scan, NS_TYPE_IPC, 4026532299u);
	assert_int_equal(entry->processes, 2);
	assert_int_equal(entry->lowest_pid, 420);
}

static void host_lists_mounts_with_decoded_paths(void **state)
{
	const struct ns_scan *scan = *state;

	assert_int_equal(scan->n_mounts, 10);
	assert_int_equal(scan->mounts[0].type, NS_TYPE_NET);
	assert_int_equal(scan->mounts[0].inode, 4026532400u);
	assert_string_equal(scan->mounts[0].path,
			    "/run/nsetest-fixture/netns/blue");
	assert_string_equal(scan->mounts[1].path,
			    "/run/nsetest-fixture/netns/blue copy");
	assert_string_equal(
		scan->mounts[2].path,
		"/run/nsetest-fixture/netns/with space\ttab\\slash");
	assert_int_equal(scan->mounts[9].type, NS_TYPE_MNT);
}

static void host_marks_initial_by_kthreadd_or_fixed_inode(void **state)
{
	const struct ns_scan *scan = *state;
	size_t i;
	int initial[NS_TYPE_COUNT] = {0};

	/* dynamic inodes (kernel < 6.18): only kthreadd tells them apart */
	assert_true(must_find(scan, NS_TYPE_NET, 4026531992u)->initial);
	assert_true(must_find(scan, NS_TYPE_MNT, 4026531840u)->initial);
	/* a kernel thread, but not kthreadd: kdevtmpfs's own mounts */
	assert_false(must_find(scan, NS_TYPE_MNT, 4026531860u)->initial);
	assert_int_equal(must_find(scan, NS_TYPE_MNT, 4026531860u)->lowest_pid,
			 27);
	assert_true(must_find(scan, NS_TYPE_USER, 4026531837u)->initial);
	assert_true(must_find(scan, NS_TYPE_TIME, 4026531834u)->initial);
	for (i = 0; i < scan->n_entries; i++)
		initial[scan->entries[i].type] += scan->entries[i].initial;
	for (i = 0; i < NS_TYPE_COUNT; i++)
		assert_int_equal(initial[i], 1);
}

static void host_reads_namespace_limits(void **state)
{
	const struct ns_scan *scan = *state;
	int i;

	for (i = 0; i < NS_TYPE_COUNT; i++)
		assert_int_equal(scan->max[i], 15601 + i);
}

static void fixture_leaves_kernel_only_fields_unknown(void **state)
{
	const struct ns_scan *scan = *state;
	size_t i;

	/* the fixture's links lead to no nsfs file: nothing to ask */
	for (i = 0; i < scan->n_entries; i++) {
		assert_int_equal(scan->entries[i].owner_userns, 0);
		assert_int_equal(scan->entries[i].parent, 0);
		assert_false(scan->entries[i].has_owner_uid);
	}
}

static void container_lacks_time_namespaces(void **state)
{
	const struct ns_scan *scan = *state;
	int i;

	for (i = 0; i < NS_TYPE_COUNT; i++)
		assert_int_equal(scan->type_supported[i], i != NS_TYPE_TIME);
	assert_int_equal(type_count(scan, NS_TYPE_TIME), 0);
	assert_int_equal(type_count(scan, NS_TYPE_NET), 2);
	assert_int_equal(type_count(scan, NS_TYPE_CGROUP), 1);
	assert_int_equal(scan->n_entries, 8);
	assert_int_equal(scan->n_mounts, 0);
	assert_int_equal(scan->processes_scanned, 4);
	assert_int_equal(scan->processes_skipped, 1);
}

static void container_marks_initial_by_fixed_inode_only(void **state)
{
	const struct ns_scan *scan = *state;
	size_t i, initial = 0;

	assert_true(must_find(scan, NS_TYPE_USER, 4026531837u)->initial);
	assert_true(must_find(scan, NS_TYPE_IPC, 4026531839u)->initial);
	/*
	 * Pins arguable behaviour: this process shares the host's network
	 * namespace, but on a kernel before 6.18 its inode is dynamic and no
	 * kernel thread is visible, so it cannot be known as initial.
	 */
	assert_false(must_find(scan, NS_TYPE_NET, 4026531992u)->initial);
	for (i = 0; i < scan->n_entries; i++)
		initial += scan->entries[i].initial;
	assert_int_equal(initial, 2);
}

static void container_reads_limits_it_can(void **state)
{
	const struct ns_scan *scan = *state;
	int i;

	for (i = 0; i < NS_TYPE_COUNT; i++) {
		if (i == NS_TYPE_MNT || i == NS_TYPE_TIME)
			assert_int_equal(scan->max[i], -1);
		else
			assert_int_equal(scan->max[i], 7000);
	}
}

/* A tree made in the test: one process, and no self/mountinfo. */
static char bare_tree[] = "/tmp/nsetest-scan-XXXXXX";

static int bare_tree_setup(void **state)
{
	char path[128];

	(void)state;
	if (!mkdtemp(bare_tree))
		return -1;
	snprintf(path, sizeof(path), "%s/7", bare_tree);
	if (mkdir(path, 0755) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/7/ns", bare_tree);
	if (mkdir(path, 0755) < 0)
		return -1;
	snprintf(path, sizeof(path), "%s/7/ns/net", bare_tree);
	return symlink("net:[4026532999]", path);
}

static int bare_tree_teardown(void **state)
{
	char path[128];

	(void)state;
	log_set_stream(NULL);
	snprintf(path, sizeof(path), "%s/7/ns/net", bare_tree);
	unlink(path);
	snprintf(path, sizeof(path), "%s/7/ns", bare_tree);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/7", bare_tree);
	rmdir(path);
	rmdir(bare_tree);
	return 0;
}

static void scan_without_mountinfo_keeps_processes_and_warns_once(void **state)
{
	struct ns_scan *scan = NULL;
	char *logged = NULL, *p;
	size_t logged_len = 0;
	FILE *log_stream;
	int i;

	(void)state;
	log_stream = open_memstream(&logged, &logged_len);
	assert_non_null(log_stream);
	log_setup(LOG_LEVEL_INFO, LOG_FORMAT_LOGFMT);
	log_set_stream(log_stream);
	for (i = 0; i < 2; i++) {
		assert_int_equal(ns_scan_run(bare_tree, &scan), 0);
		assert_int_equal(scan->processes_scanned, 1);
		assert_int_equal(scan->n_mounts, 0);
		assert_int_equal(scan->n_entries, 1);
		assert_int_equal(scan->entries[0].inode, 4026532999u);
		ns_scan_free(scan);
	}
	log_set_stream(NULL);
	fclose(log_stream);
	/* a repeating failure says so once at warn, then only at debug */
	i = 0;
	for (p = logged; (p = strstr(p, "level=warn")); p++)
		i++;
	assert_non_null(strstr(logged, "msg=\"cannot read mountinfo\""));
	free(logged);
	assert_int_equal(i, 1);
}

static void find_needs_type_and_inode(void **state)
{
	const struct ns_scan *scan = *state;

	assert_non_null(ns_scan_find(scan, NS_TYPE_NET, 4026532302u));
	assert_null(ns_scan_find(scan, NS_TYPE_UTS, 4026532302u));
	assert_null(ns_scan_find(scan, NS_TYPE_NET, 4026532303u));
	assert_null(ns_scan_find(scan, NS_TYPE_CGROUP, 0));
	assert_null(ns_scan_find(scan, NS_TYPE_UTS, UINT64_MAX));
}

static void scan_of_missing_procfs_fails(void **state)
{
	struct ns_scan *scan = (struct ns_scan *)1;

	(void)state;
	assert_int_equal(ns_scan_run(NSE_FIXTURES "/proc/absent", &scan),
			 -ENOENT);
	assert_ptr_equal(scan, (struct ns_scan *)1);
	assert_int_equal(ns_scan_run(HOST_TREE "/1/stat", &scan), -ENOTDIR);
}

static void scrape_builds_scan_once(void **state)
{
	struct config config = {.procfs = HOST_TREE};
	struct scrape scrape = {.config = &config};
	const struct ns_scan *first;

	(void)state;
	first = scrape_ns_scan(&scrape);
	assert_non_null(first);
	assert_ptr_equal(scrape_ns_scan(&scrape), first);
	assert_int_equal(first->processes_scanned, 13);
	scrape_release(&scrape);
	assert_null(scrape.ns_scan);

	config.procfs = NSE_FIXTURES "/proc/absent";
	assert_null(scrape_ns_scan(&scrape));
	assert_int_equal(scrape.ns_scan_err, -ENOENT);
	assert_true(scrape.ns_scan_done);
	/* a failed scan is not retried within the scrape */
	config.procfs = HOST_TREE;
	assert_null(scrape_ns_scan(&scrape));
	scrape_release(&scrape);
}

/* Scans of the real /proc, and a child alone in a netns of its own. */
static struct ns_scan *real_scan;
static pid_t lone_child = -1;

static int real_proc_teardown(void **state)
{
	(void)state;
	ns_scan_free(real_scan);
	real_scan = NULL;
	if (lone_child > 0) {
		kill(lone_child, SIGKILL);
		waitpid(lone_child, NULL, 0);
	}
	lone_child = -1;
	return 0;
}

static uint64_t inode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* What NS_GET_USERNS says of our own network namespace, or 0. */
static uint64_t own_netns_owner(void)
{
	struct stat st;
	uint64_t inode = 0;
	int fd, user_fd;

	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	user_fd = ioctl(fd, NS_GET_USERNS);
	if (user_fd >= 0 && !fstat(user_fd, &st))
		inode = st.st_ino;
	if (user_fd >= 0)
		close(user_fd);
	close(fd);
	return inode;
}

static void real_proc_finds_own_network_namespace(void **state)
{
	uint64_t inode = inode_of("/proc/self/ns/net");
	const struct ns_entry *entry;
	struct ns_scan *scan;

	(void)state;
	assert_int_equal(ns_scan_run("/proc", &real_scan), 0);
	scan = real_scan;
	assert_true(scan->type_supported[NS_TYPE_NET]);
	assert_true(scan->processes_scanned >= 1);
	entry = ns_scan_find(scan, NS_TYPE_NET, inode);
	assert_non_null(entry);
	assert_true(entry->processes >= 1);
	assert_true(entry->lowest_pid >= 1 && entry->lowest_pid <= getpid());
	/* root can open every readable process's namespace files */
	if (geteuid() == 0)
		assert_int_equal(entry->owner_userns, own_netns_owner());
	entry = ns_scan_find(scan, NS_TYPE_USER,
			     inode_of("/proc/self/ns/user"));
	assert_non_null(entry);
	if (geteuid() == 0)
		assert_true(entry->has_owner_uid);
}

static int open_fd_count(void)
{
	struct dirent *dent;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(dir);
	while ((dent = readdir(dir)))
		n += dent->d_name[0] != '.';
	closedir(dir);
	return n;
}

/* An fd left open on a namespace file would keep the namespace alive. */
static void scan_leaves_no_fd_open(void **state)
{
	int before = open_fd_count();

	(void)state;
	assert_int_equal(ns_scan_run(HOST_TREE, &real_scan), 0);
	ns_scan_free(real_scan);
	real_scan = NULL;
	assert_int_equal(ns_scan_run("/proc", &real_scan), 0);
	assert_int_equal(open_fd_count(), before);
}

/*
 * Starts a child in a new, anonymous network namespace (it dies with the
 * child: nothing is named, mounted or configured) and returns its PID once
 * it is there, or -1.
 */
static pid_t lone_child_start(void)
{
	int ready[2];
	char byte = 0;
	pid_t pid;

	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_NAME, "nsetest-scan");
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (write(ready[1], &byte, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (pid > 0 && read(ready[0], &byte, 1) != 1) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(ready[0]);
	return pid;
}

static void real_proc_finds_process_alone_in_its_netns(void **state)
{
	const struct ns_entry *entry;
	char path[64];

	(void)state;
	if (geteuid() != 0)
		skip();
	lone_child = lone_child_start();
	assert_true(lone_child > 0);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)lone_child);
	assert_int_equal(ns_scan_run("/proc", &real_scan), 0);
	entry = ns_scan_find(real_scan, NS_TYPE_NET, inode_of(path));
	assert_non_null(entry);
	assert_int_equal(entry->processes, 1);
	assert_int_equal(entry->lowest_pid, lone_child);
	assert_string_equal(entry->command, "nsetest-scan");
	assert_false(entry->initial);
}

/*
 * In a forked child: pins a new network namespace with a bind mount in a
 * private mount namespace (on a tmpfs over /tmp, so nothing outside the
 * child changes), leaves it, and scans. Returns 0 when the scan found
 * the namespace held only by the mount and could ask the kernel its owner
 * through the mount path; a step number otherwise. The kernel ignores the
 * "none" type of a bind or propagation change; valgrind wants a string.
 */
static int pinned_netns_check(void)
{
	const char *pin = "/tmp/nsetest-scan-pin";
	const struct ns_entry *entry;
	struct ns_scan *scan = NULL;
	struct stat net, user;
	int home, fd, ret = 0;

	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("nsetest-scan", "/tmp", "tmpfs", 0, "size=64k") < 0)
		return 1;
	fd = open(pin, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0 || close(fd) < 0 || unshare(CLONE_NEWNET) < 0 ||
	    stat("/proc/self/ns/net", &net) < 0 ||
	    mount("/proc/self/ns/net", pin, "none", MS_BIND, NULL) < 0 ||
	    setns(home, CLONE_NEWNET) < 0 ||
	    stat("/proc/self/ns/user", &user) < 0)
		return 2;
	if (ns_scan_run("/proc", &scan) < 0)
		return 3;
	entry = ns_scan_find(scan, NS_TYPE_NET, net.st_ino);
	if (!entry)
		ret = 4;
	else if (entry->processes || entry->lowest_pid || entry->initial)
		ret = 5;
	else if (entry->owner_userns != user.st_ino)
		ret = 6;
	ns_scan_free(scan);
	return ret;
}

static void real_proc_asks_owner_through_mount_path(void **state)
{
	int status;

	(void)state;
	if (geteuid() != 0)
		skip();
	lone_child = fork();
	if (lone_child == 0)
		_exit(pinned_netns_check());
	assert_true(lone_child > 0);
	assert_int_equal(waitpid(lone_child, &status, 0), lone_child);
	lone_child = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(host_counts_namespaces_per_type,
						host_setup, scan_teardown),
		cmocka_unit_test_setup_teardown(
			host_entries_are_sorted_and_unique, host_setup,
			scan_teardown),
		cmocka_unit_test_setup_teardown(
			host_counts_processes_once_and_skips_broken_ones,
			host_setup, scan_teardown),
		cmocka_unit_test_setup_teardown(
			host_names_lowest_pid_and_its_command, host_setup,
			scan_teardown),
		cmocka_unit_test_setup_teardown(
			host_keeps_namespaces_held_only_by_mounts, host_setup,
			scan_teardown),
		cmocka_unit_test_setup_teardown(
			host_lists_mounts_with_decoded_paths, host_setup,
			scan_teardown),
		cmocka_unit_test_setup_teardown(
			host_marks_initial_by_kthreadd_or_fixed_inode,
			host_setup, scan_teardown),
		cmocka_unit_test_setup_teardown(host_reads_namespace_limits,
						host_setup, scan_teardown),
		cmocka_unit_test_setup_teardown(
			fixture_leaves_kernel_only_fields_unknown, host_setup,
			scan_teardown),
		cmocka_unit_test_setup_teardown(container_lacks_time_namespaces,
						container_setup, scan_teardown),
		cmocka_unit_test_setup_teardown(
			container_marks_initial_by_fixed_inode_only,
			container_setup, scan_teardown),
		cmocka_unit_test_setup_teardown(container_reads_limits_it_can,
						container_setup, scan_teardown),
		cmocka_unit_test_setup_teardown(find_needs_type_and_inode,
						host_setup, scan_teardown),
		cmocka_unit_test(scan_of_missing_procfs_fails),
		cmocka_unit_test_setup_teardown(
			scan_without_mountinfo_keeps_processes_and_warns_once,
			bare_tree_setup, bare_tree_teardown),
		cmocka_unit_test(scrape_builds_scan_once),
		cmocka_unit_test_teardown(real_proc_finds_own_network_namespace,
					  real_proc_teardown),
		cmocka_unit_test_teardown(scan_leaves_no_fd_open,
					  real_proc_teardown),
		cmocka_unit_test_teardown(
			real_proc_finds_process_alone_in_its_netns,
			real_proc_teardown),
		cmocka_unit_test_teardown(
			real_proc_asks_owner_through_mount_path,
			real_proc_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
