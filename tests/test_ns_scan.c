/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The namespace scan over the fake /proc trees in tests/fixtures/proc
 * (made by tests/fixtures/make-proc-fixture.sh), and over the real /proc:
 * the holders a real kernel alone can show (a descriptor of an unmounted
 * nsfs file, a socket, the exporter's own descriptors, user namespace
 * limits) are checked there, as root.
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"
#include "ns_fixture_stat.h"
#include "ns_scan.h"

#define HOST_TREE NSE_FIXTURES "/proc/host"
#define CONTAINER_TREE NSE_FIXTURES "/proc/container"

static int host_setup(void **state)
{
	struct ns_scan *scan = NULL;

	if (fixture_scan(HOST_TREE, false, &scan) < 0)
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
		[NS_TYPE_NET] = 7,    [NS_TYPE_PID] = 4, [NS_TYPE_TIME] = 2,
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
	assert_int_equal(scan->processes_scanned, 14);
	assert_int_equal(scan->processes_skipped, 3);
	assert_int_equal(processes_of(scan, NS_TYPE_NET, 4026531992u), 9);
	assert_int_equal(processes_of(scan, NS_TYPE_TIME, 4026531834u), 14);
	assert_int_equal(processes_of(scan, NS_TYPE_USER, 4026531837u), 12);
	assert_int_equal(processes_of(scan, NS_TYPE_PID, 4026532300u), 2);
	assert_int_equal(processes_of(scan, NS_TYPE_UTS, 4026531838u), 9);
	assert_int_equal(processes_of(scan, NS_TYPE_MNT, 4026531840u), 9);
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

static void host_counts_each_kind_of_holder(void **state)
{
	static const struct {
		enum ns_type type;
		uint64_t inode;
		uint32_t processes, mounts, fds;
	} want[] = {
		/* opened through /proc/self/ns/net by a process inside */
		{NS_TYPE_NET, 4026532313u, 2, 0, 1},
		/* two mounts, and two descriptors opened by the mount path */
		{NS_TYPE_NET, FIXTURE_BLUE_INODE, 0, 2, 2},
		/* named by nothing but a descriptor */
		{NS_TYPE_NET, 4026532601u, 0, 0, 1},
		{NS_TYPE_UTS, 4026532410u, 0, 1, 1},
		/* held by the exporter and its child too: not counted */
		{NS_TYPE_NET, 4026532401u, 0, 1, 0},
		{NS_TYPE_NET, 4026531992u, 9, 1, 0},
	};
	const struct ns_scan *scan = *state;
	const struct ns_entry *entry;
	size_t i, fds = 0;

	assert_true(scan->fd_holders_scanned);
	assert_false(scan->socket_holders_scanned);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		entry = must_find(scan, want[i].type, want[i].inode);
		assert_int_equal(entry->processes, want[i].processes);
		assert_int_equal(entry->mounts, want[i].mounts);
		assert_int_equal(entry->fds, want[i].fds);
		assert_int_equal(entry->sockets, 0);
	}
	for (i = 0; i < scan->n_entries; i++)
		fds += scan->entries[i].fds;
	assert_int_equal(fds, 5);
}

static void host_names_each_holding_process_once(void **state)
{
	static const struct ns_holder want[] = {
		{NS_TYPE_NET, 4026532313u, NS_HOLDER_FD, 430, 1, 3,
		 "catatonit"},
		{NS_TYPE_NET, FIXTURE_BLUE_INODE, NS_HOLDER_FD, 431, 2, 3,
		 "sleep"},
		{NS_TYPE_NET, 4026532601u, NS_HOLDER_FD, 421, 1, 7, "nginx"},
		{NS_TYPE_UTS, 4026532410u, NS_HOLDER_FD, 421, 1, 8, "nginx"},
	};
	const struct ns_scan *scan = *state;
	const struct ns_holder *got;
	size_t i;

	assert_int_equal(scan->n_holders, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < scan->n_holders; i++) {
		got = &scan->holders[i];
		assert_int_equal(got->type, want[i].type);
		assert_int_equal(got->inode, want[i].inode);
		assert_int_equal(got->kind, want[i].kind);
		assert_int_equal(got->pid, want[i].pid);
		assert_int_equal(got->count, want[i].count);
		assert_int_equal(got->fd, want[i].fd);
		assert_string_equal(got->command, want[i].command);
	}
}

static void host_never_counts_exporter_or_the_gone(void **state)
{
	const struct ns_scan *scan = *state;
	size_t i;

	/* 500 is the exporter ("self"), 501 its child, 460 exited */
	for (i = 0; i < scan->n_holders; i++) {
		assert_int_not_equal(scan->holders[i].pid, 500);
		assert_int_not_equal(scan->holders[i].pid, 501);
		assert_int_not_equal(scan->holders[i].pid, 460);
	}
	assert_null(ns_scan_find(scan, NS_TYPE_NET, 4026532602u));
	/* the exporter's socket and its own nsfs file are not looked at */
	assert_int_equal(scan->fds_examined, 45);
}

static void host_counts_what_it_cannot_read(void **state)
{
	const struct ns_scan *scan = *state;

	/* 415 has no fd directory; 500 (self) is never read */
	assert_int_equal(scan->fd_tables_skipped, 1);
	assert_int_equal(scan->fd_tables_scanned, 12);
	/*
	 * 440's descriptor reads "/": its pin was unmounted, and on a
	 * fixture no kernel can be asked the type
	 */
	assert_int_equal(scan->holders_unresolved, 1);
	assert_null(ns_scan_find(scan, NS_TYPE_NET, FIXTURE_GONE_INODE));
}

static void host_reads_cgroup_of_lowest_pid(void **state)
{
	static const struct {
		enum ns_type type;
		uint64_t inode;
		const char *cgroup; /* NULL: none */
	} want[] = {
		{NS_TYPE_NET, 4026531992u, "/init.scope"},
		/* hybrid: the v2 line */
		{NS_TYPE_MNT, 4026532297u, "/system.slice/docker-abc.scope"},
		/* v1: name=systemd */
		{NS_TYPE_USER, 4026532310u,
		 "/user.slice/user-1000.slice/user@1000.service/podman-430.scope"},
		/* v1 without systemd: the lowest hierarchy ID */
		{NS_TYPE_UTS, 4026532330u, "/a:b"},
		{NS_TYPE_NET, 4026532320u, "/odd \"q\"\\x.scope"},
		{NS_TYPE_MNT, 4026531860u, "/"},
		/* no process, or no cgroup file left */
		{NS_TYPE_NET, FIXTURE_BLUE_INODE, NULL},
		{NS_TYPE_NET, 4026532601u, NULL},
		{NS_TYPE_CGROUP, 4026532340u, NULL},
	};
	const struct ns_scan *scan = *state;
	const struct ns_entry *entry;
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		entry = must_find(scan, want[i].type, want[i].inode);
		if (want[i].cgroup)
			assert_string_equal(entry->cgroup, want[i].cgroup);
		else
			assert_null(entry->cgroup);
	}
}

/* Reading the link text first must change nothing but the cost. */
static void link_prefilter_changes_no_result(void **state)
{
	const struct ns_scan *without = *state;
	struct ns_scan *with = NULL;
	size_t i;

	assert_int_equal(fixture_scan(HOST_TREE, true, &with), 0);
	assert_int_equal(without->n_entries, with->n_entries);
	for (i = 0; i < with->n_entries; i++) {
		assert_int_equal(without->entries[i].inode,
				 with->entries[i].inode);
		assert_int_equal(without->entries[i].fds, with->entries[i].fds);
	}
	assert_int_equal(without->n_holders, with->n_holders);
	for (i = 0; i < with->n_holders; i++) {
		assert_int_equal(without->holders[i].inode,
				 with->holders[i].inode);
		assert_int_equal(without->holders[i].pid, with->holders[i].pid);
		assert_int_equal(without->holders[i].count,
				 with->holders[i].count);
	}
	assert_int_equal(without->fds_examined, with->fds_examined);
	assert_int_equal(without->holders_unresolved, with->holders_unresolved);
	ns_scan_free(with);
}

static void fd_scan_can_be_switched_off(void **state)
{
	struct ns_scan_options options;
	struct ns_scan *scan = NULL;

	(void)state;
	ns_scan_options_init(&options, HOST_TREE);
	options.stat_at = fixture_stat;
	options.fd_holders = false;
	assert_int_equal(ns_scan_run_with(&options, &scan), 0);
	assert_false(scan->fd_holders_scanned);
	assert_int_equal(scan->n_holders, 0);
	assert_int_equal(scan->fds_examined, 0);
	assert_null(ns_scan_find(scan, NS_TYPE_NET, 4026532601u));
	assert_int_equal(must_find(scan, NS_TYPE_NET, 4026532313u)->fds, 0);
	ns_scan_free(scan);
}

static void container_has_no_descriptor_holders(void **state)
{
	const struct ns_scan *scan = *state;

	/* its "self/ns/net" leads nowhere: no nsfs device, no fd scan */
	assert_false(scan->fd_holders_scanned);
	assert_int_equal(scan->n_holders, 0);
	assert_int_equal(scan->fd_tables_scanned, 0);
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

static void scan_of_directory_without_processes_fails(void **state)
{
	struct ns_scan *scan = (struct ns_scan *)1;
	char dir[] = "/tmp/nse-empty-procfs.XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* not a proc file system: success here would claim an empty host */
	assert_int_equal(ns_scan_run(dir, &scan), -ENOENT);
	assert_ptr_equal(scan, (struct ns_scan *)1);
	assert_int_equal(rmdir(dir), 0);
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
	assert_int_equal(first->processes_scanned, 14);
	/* no fixture link is an nsfs file to a real stat: no fd holders */
	assert_false(first->fd_holders_scanned);
	assert_int_equal(first->n_holders, 0);
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

/* Children the holder tests start; real_holders_teardown ends them. */
static pid_t holder_children[2] = {-1, -1};

static int real_holders_teardown(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(holder_children) / sizeof(holder_children[0]);
	     i++) {
		if (holder_children[i] <= 0)
			continue;
		kill(holder_children[i], SIGKILL);
		waitpid(holder_children[i], NULL, 0);
		holder_children[i] = -1;
	}
	return real_proc_teardown(state);
}

/*
 * Starts a child that runs setup (which returns the inode of the
 * namespace it made, or 0 on failure) and then waits to be killed. The
 * parent gets the child's PID in *pid and the inode as the result.
 */
static uint64_t holder_child_start(uint64_t (*setup)(void), pid_t *pid)
{
	uint64_t inode = 0;
	int ready[2];

	*pid = -1;
	if (pipe2(ready, O_CLOEXEC) < 0)
		return 0;
	*pid = fork();
	if (*pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		prctl(PR_SET_NAME, "nsetest-hold");
		inode = setup();
		if (write(ready[1], &inode, sizeof(inode)) != sizeof(inode))
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (*pid > 0 && read(ready[0], &inode, sizeof(inode)) != sizeof(inode))
		inode = 0;
	close(ready[0]);
	return inode;
}

static uint64_t fd_inode_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 ? 0 : st.st_ino;
}

/*
 * In the child: a new network namespace, opened through a bind mount that
 * is then detached (as `ip netns delete` does), so the descriptor's link
 * reads "/" and only the kernel can say it is a network namespace. The
 * mount lives in a private mount namespace on a tmpfs of the child's own;
 * the child goes back to the host's network namespace.
 */
static uint64_t unmounted_pin_setup(void)
{
	const char *pin = "/tmp/nsetest-hold-pin";
	int home, fd;

	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0 || unshare(CLONE_NEWNS) < 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("nsetest-hold", "/tmp", "tmpfs", 0, "size=64k") < 0)
		return 0;
	fd = open(pin, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0 || close(fd) < 0 || unshare(CLONE_NEWNET) < 0 ||
	    mount("/proc/self/ns/net", pin, "none", MS_BIND, NULL) < 0)
		return 0;
	/* not O_CLOEXEC: nothing execs, and the number must stay 3 or so */
	fd = open(pin, O_RDONLY);
	if (fd < 0 || umount2(pin, MNT_DETACH) < 0 ||
	    setns(home, CLONE_NEWNET) < 0)
		return 0;
	close(home);
	return fd_inode_of(fd);
}

/*
 * pidfd_open works here: valgrind 3.19 does not know it (ENOSYS), and
 * without it the scan cannot ask about a descriptor or a socket.
 */
static bool pidfd_works(void)
{
	int fd = syscall(SYS_pidfd_open, getpid(), 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* The descriptor of pid that refers to inode (found by stat), or -1. */
static int holder_fd_of(pid_t pid, uint64_t inode)
{
	char path[64];
	struct stat st;
	int fd;

	for (fd = 0; fd < 64; fd++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
		if (!stat(path, &st) && st.st_ino == inode)
			return fd;
	}
	return -1;
}

static void real_proc_counts_descriptor_of_unmounted_pin(void **state)
{
	const struct ns_entry *entry;
	const struct ns_holder *holder = NULL;
	char path[64], text[64];
	uint64_t inode;
	ssize_t n;
	size_t i;
	int fd;

	(void)state;
	if (geteuid() != 0 || !pidfd_works())
		skip();
	inode = holder_child_start(unmounted_pin_setup, &holder_children[0]);
	assert_true(inode != 0);
	fd = holder_fd_of(holder_children[0], inode);
	assert_true(fd >= 0);
	/* the text names no type: the scan had to ask the kernel */
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)holder_children[0],
		 fd);
	n = readlink(path, text, sizeof(text));
	assert_int_equal(n, 1);
	assert_memory_equal(text, "/", 1);

	assert_int_equal(ns_scan_run("/proc", &real_scan), 0);
	assert_true(real_scan->fd_holders_scanned);
	entry = ns_scan_find(real_scan, NS_TYPE_NET, inode);
	assert_non_null(entry);
	assert_int_equal(entry->processes, 0);
	assert_int_equal(entry->mounts, 0);
	assert_int_equal(entry->fds, 1);
	/* asked through a duplicate of the holder's descriptor */
	assert_int_equal(entry->owner_userns, own_netns_owner());
	for (i = 0; i < real_scan->n_holders; i++) {
		if (real_scan->holders[i].inode == inode)
			holder = &real_scan->holders[i];
	}
	assert_non_null(holder);
	assert_int_equal(holder->kind, NS_HOLDER_FD);
	assert_int_equal(holder->pid, holder_children[0]);
	assert_int_equal(holder->fd, fd);
	assert_string_equal(holder->command, "nsetest-hold");
}

/* In the child: a socket made in a new network namespace, then home. */
static uint64_t socket_setup(void)
{
	int home, sock, netns;
	uint64_t inode;

	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0 || unshare(CLONE_NEWNET) < 0)
		return 0;
	netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (netns < 0 || sock < 0 || setns(home, CLONE_NEWNET) < 0)
		return 0;
	inode = fd_inode_of(netns);
	close(netns);
	close(home);
	return inode;
}

static void real_proc_counts_socket_only_when_asked(void **state)
{
	struct ns_scan_options options;
	const struct ns_entry *entry;
	const struct ns_holder *holder = NULL;
	uint64_t inode;
	size_t i;

	(void)state;
	if (geteuid() != 0 || !pidfd_works())
		skip();
	inode = holder_child_start(socket_setup, &holder_children[0]);
	assert_true(inode != 0);
	/* by default nothing shows this namespace: only a socket holds it */
	assert_int_equal(ns_scan_run("/proc", &real_scan), 0);
	assert_false(real_scan->socket_holders_scanned);
	assert_null(ns_scan_find(real_scan, NS_TYPE_NET, inode));
	ns_scan_free(real_scan);
	real_scan = NULL;

	ns_scan_options_init(&options, "/proc");
	options.socket_holders = true;
	assert_int_equal(ns_scan_run_with(&options, &real_scan), 0);
	assert_true(real_scan->socket_holders_scanned);
	entry = ns_scan_find(real_scan, NS_TYPE_NET, inode);
	assert_non_null(entry);
	assert_int_equal(entry->processes + entry->mounts + entry->fds, 0);
	assert_int_equal(entry->sockets, 1);
	assert_int_equal(entry->owner_userns, own_netns_owner());
	for (i = 0; i < real_scan->n_holders; i++) {
		if (real_scan->holders[i].inode == inode)
			holder = &real_scan->holders[i];
	}
	assert_non_null(holder);
	assert_int_equal(holder->kind, NS_HOLDER_SOCKET);
	assert_int_equal(holder->pid, holder_children[0]);
	/* a socket in the process's own namespace holds nothing new */
	for (i = 0; i < real_scan->n_holders; i++)
		assert_true(real_scan->holders[i].kind != NS_HOLDER_SOCKET ||
			    real_scan->holders[i].inode !=
				    inode_of("/proc/self/ns/net"));
}

static uint64_t lone_netns_setup(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		return 0;
	return inode_of("/proc/self/ns/net");
}

/* A namespace only the scanning process holds is no one's to report. */
static void real_proc_never_counts_own_descriptors(void **state)
{
	char path[64];
	uint64_t inode;
	size_t i;
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip();
	inode = holder_child_start(lone_netns_setup, &holder_children[0]);
	assert_true(inode != 0);
	snprintf(path, sizeof(path), "/proc/%d/ns/net",
		 (int)holder_children[0]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	kill(holder_children[0], SIGKILL);
	waitpid(holder_children[0], NULL, 0);
	holder_children[0] = -1;
	assert_int_equal(ns_scan_run("/proc", &real_scan), 0);
	close(fd);
	assert_null(ns_scan_find(real_scan, NS_TYPE_NET, inode));
	for (i = 0; i < real_scan->n_holders; i++)
		assert_int_not_equal(real_scan->holders[i].pid, getpid());
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/*
 * In the child: a user namespace whose root is the host's root, with a
 * limit of 33 network namespaces set inside it, and a network namespace
 * it owns. Returns the user namespace's inode.
 */
static uint64_t userns_setup(void)
{
	if (unshare(CLONE_NEWUSER) < 0 ||
	    write_text("/proc/self/setgroups", "deny") < 0 ||
	    write_text("/proc/self/uid_map", "0 0 1") < 0 ||
	    write_text("/proc/self/gid_map", "0 0 1") < 0 ||
	    write_text("/proc/sys/user/max_net_namespaces", "33") < 0 ||
	    unshare(CLONE_NEWNET) < 0)
		return 0;
	return inode_of("/proc/self/ns/user");
}

static void real_proc_reads_limits_inside_child_userns(void **state)
{
	uint64_t userns, host = inode_of("/proc/self/ns/user");
	const struct ns_user_usage *user, *top;
	const struct ns_user_charge *charge = NULL;
	size_t i;

	(void)state;
	if (geteuid() != 0)
		skip();
	userns = holder_child_start(userns_setup, &holder_children[0]);
	assert_true(userns != 0);
	assert_int_equal(ns_scan_run("/proc", &real_scan), 0);
	user = ns_scan_find_user(real_scan, userns);
	assert_non_null(user);
	/* read from inside: the host's limit is another number */
	assert_int_equal(user->max[NS_TYPE_NET], 33);
	assert_true(user->has_owner_uid);
	assert_int_equal(user->owner_uid, 0);
	assert_int_equal(user->parent, host);
	assert_int_equal(user->in_use[NS_TYPE_NET], 1);
	assert_int_equal(user->subtree[NS_TYPE_NET], 1);
	assert_int_equal(user->subtree[NS_TYPE_USER], 1);
	/* the exporter's own user namespace: the limits it reads itself */
	top = ns_scan_find_user(real_scan, host);
	assert_non_null(top);
	assert_int_equal(top->max[NS_TYPE_NET], real_scan->max[NS_TYPE_NET]);
	assert_true(top->in_use[NS_TYPE_USER] >= 1);
	for (i = 0; i < real_scan->n_charges; i++) {
		if (real_scan->charges[i].userns == host &&
		    real_scan->charges[i].uid == 0)
			charge = &real_scan->charges[i];
	}
	assert_non_null(charge);
	assert_true(charge->count[NS_TYPE_NET] >= 1);
	assert_true(charge->count[NS_TYPE_USER] >= 1);
}

/*
 * In a forked child, in a private mount namespace on a tmpfs of its own:
 * a grandchild makes a user namespace and a network namespace it owns;
 * the child pins the network namespace with a bind mount and ends the
 * grandchild. The user namespace then has no process, mount or
 * descriptor, and lives on only because the network namespace it owns
 * does. Returns 0 when the scan found it through the owner, with its
 * owner and parent; a step number otherwise.
 */
static int hidden_userns_check(void)
{
	const char *pin = "/tmp/nsetest-hold-userns-pin";
	uint64_t host = inode_of("/proc/self/ns/user"), userns, netns;
	const struct ns_user_usage *user;
	const struct ns_entry *entry;
	struct ns_scan *scan = NULL;
	char path[64];
	pid_t child;
	int fd, ret = 0;

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("nsetest-hold", "/tmp", "tmpfs", 0, "size=64k") < 0)
		return 1;
	fd = open(pin, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0 || close(fd) < 0)
		return 2;
	userns = holder_child_start(userns_setup, &child);
	if (!userns)
		return 3;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)child);
	netns = inode_of(path);
	ret = mount(path, pin, "none", MS_BIND, NULL) < 0 ? 4 : 0;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	if (ret)
		return ret;
	if (ns_scan_run("/proc", &scan) < 0)
		return 5;
	entry = ns_scan_find(scan, NS_TYPE_NET, netns);
	user = ns_scan_find_user(scan, userns);
	if (!entry || entry->mounts != 1 || entry->owner_userns != userns)
		ret = 6;
	else if (ns_scan_find(scan, NS_TYPE_USER, userns))
		ret = 7;
	else if (!user || user->parent != host || !user->has_owner_uid ||
		 user->owner_uid != 0 || user->in_use[NS_TYPE_NET] != 1)
		ret = 8;
	else if (user->max[NS_TYPE_NET] != 33)
		ret = 9;
	ns_scan_free(scan);
	return ret;
}

static void real_proc_finds_user_namespace_only_its_netns_holds(void **state)
{
	int status;

	(void)state;
	if (geteuid() != 0)
		skip();
	holder_children[1] = fork();
	if (holder_children[1] == 0)
		_exit(hidden_userns_check());
	assert_true(holder_children[1] > 0);
	assert_int_equal(waitpid(holder_children[1], &status, 0),
			 holder_children[1]);
	holder_children[1] = -1;
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
		cmocka_unit_test_setup_teardown(host_counts_each_kind_of_holder,
						host_setup, scan_teardown),
		cmocka_unit_test_setup_teardown(
			host_names_each_holding_process_once, host_setup,
			scan_teardown),
		cmocka_unit_test_setup_teardown(
			host_never_counts_exporter_or_the_gone, host_setup,
			scan_teardown),
		cmocka_unit_test_setup_teardown(host_counts_what_it_cannot_read,
						host_setup, scan_teardown),
		cmocka_unit_test_setup_teardown(host_reads_cgroup_of_lowest_pid,
						host_setup, scan_teardown),
		cmocka_unit_test_setup_teardown(
			link_prefilter_changes_no_result, host_setup,
			scan_teardown),
		cmocka_unit_test(fd_scan_can_be_switched_off),
		cmocka_unit_test_setup_teardown(
			container_has_no_descriptor_holders, container_setup,
			scan_teardown),
		cmocka_unit_test(scan_of_missing_procfs_fails),
		cmocka_unit_test(scan_of_directory_without_processes_fails),
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
		cmocka_unit_test_teardown(
			real_proc_counts_descriptor_of_unmounted_pin,
			real_holders_teardown),
		cmocka_unit_test_teardown(
			real_proc_counts_socket_only_when_asked,
			real_holders_teardown),
		cmocka_unit_test_teardown(
			real_proc_never_counts_own_descriptors,
			real_holders_teardown),
		cmocka_unit_test_teardown(
			real_proc_reads_limits_inside_child_userns,
			real_holders_teardown),
		cmocka_unit_test_teardown(
			real_proc_finds_user_namespace_only_its_netns_holds,
			real_holders_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
