/* SPDX-License-Identifier: Apache-2.0 */
/* User namespace limits read from inside, and counts grouped as charged. */
#include "ns_userns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "array.h"
#include "ns_scan_parse.h"

/* The child runs a few system calls on a stack of its own. */
#define CHILD_STACK_SIZE (64 * 1024)
#define SYSCTL_PATH_SIZE 256
/* a record: type, length, then up to this much of the file */
#define SYSCTL_TEXT_SIZE 30
/* the kernel's limit on user namespace nesting (create_user_ns) */
#define USERNS_MAX_DEPTH 32

struct limits_child {
	int userns_fd;
	int pipe_fd;
	char paths[NS_TYPE_COUNT][SYSCTL_PATH_SIZE];
};

/*
 * The child. It shares the parent's memory (CLONE_VM) while the parent
 * thread waits, so it makes bare system calls only: no allocation, no
 * lock, no stdio, no sanitizer bookkeeping on a stack the sanitizer does
 * not know. Its exit status is 0 or the errno of a failed setns.
 */
__attribute__((no_sanitize("address", "undefined"))) static int
limits_child_main(void *arg)
{
	const struct limits_child *child = arg;
	char record[2 + SYSCTL_TEXT_SIZE];
	long fd, n;
	int i;

	/* setns is a bare system call wrapper in glibc */
	if (setns(child->userns_fd, CLONE_NEWUSER) < 0)
		return errno & 0xff;
	for (i = 0; i < NS_TYPE_COUNT; i++) {
		n = -1;
		fd = syscall(SYS_openat, AT_FDCWD, child->paths[i],
			     O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = syscall(SYS_read, fd, record + 2, SYSCTL_TEXT_SIZE);
			syscall(SYS_close, fd);
		}
		record[0] = (char)i;
		record[1] = (char)(n > 0 ? n : 0);
		syscall(SYS_write, child->pipe_fd, record,
			2 + (size_t)(unsigned char)record[1]);
	}
	return 0;
}

/* Runs the child and waits for it; 0 or a negative errno. */
static int limits_child_run(struct limits_child *child)
{
	sigset_t all, old;
	char *stack;
	pid_t pid;
	int status, err;

	stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return -errno;
	/* no signal handler may run in the child, on the shared memory */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = clone(limits_child_main, stack + CHILD_STACK_SIZE,
		    CLONE_VM | CLONE_VFORK | SIGCHLD, child);
	err = pid < 0 ? -errno : 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!err) {
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				err = -errno;
				break;
			}
		}
	}
	if (!err && !WIFEXITED(status))
		err = -EIO;
	else if (!err && WEXITSTATUS(status))
		err = -WEXITSTATUS(status);
	munmap(stack, CHILD_STACK_SIZE);
	return err;
}

/* Parses the child's records from buf[0 .. len) into max. */
static void limits_records_parse(const char *buf, size_t len,
				 long long max[NS_TYPE_COUNT])
{
	char text[SYSCTL_TEXT_SIZE + 1];
	size_t off = 0, n;
	long long value;
	int type;

	while (off + 2 <= len) {
		type = (unsigned char)buf[off];
		n = (unsigned char)buf[off + 1];
		if (type >= NS_TYPE_COUNT || n > SYSCTL_TEXT_SIZE ||
		    off + 2 + n > len)
			return;
		memcpy(text, buf + off + 2, n);
		text[n] = '\0';
		if (n && !ns_sysctl_parse(text, &value) && value >= 0)
			max[type] = value;
		off += 2 + n;
	}
}

int ns_userns_limits_read(int userns_fd, const char *procfs,
			  long long max[NS_TYPE_COUNT])
{
	char buf[NS_TYPE_COUNT * (2 + SYSCTL_TEXT_SIZE)];
	struct limits_child child;
	size_t len = 0;
	int pipe_fds[2], err, i;
	ssize_t n;

	for (i = 0; i < NS_TYPE_COUNT; i++) {
		max[i] = -1;
		n = snprintf(child.paths[i], SYSCTL_PATH_SIZE,
			     "%s/sys/user/max_%s_namespaces", procfs,
			     ns_type_names[i]);
		if (n < 0 || n >= SYSCTL_PATH_SIZE)
			return -ENAMETOOLONG;
	}
	if (pipe2(pipe_fds, O_CLOEXEC) < 0)
		return -errno;
	child.userns_fd = userns_fd;
	child.pipe_fd = pipe_fds[1];
	err = limits_child_run(&child);
	/* the child has exited: its records are all in the pipe already */
	close(pipe_fds[1]);
	while (!err && len < sizeof(buf)) {
		n = read(pipe_fds[0], buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pipe_fds[0]);
	if (!err)
		limits_records_parse(buf, len, max);
	return err;
}

static int user_usage_compare(const void *a, const void *b)
{
	const struct ns_user_usage *x = a, *y = b;

	if (x->userns != y->userns)
		return x->userns < y->userns ? -1 : 1;
	return 0;
}

static int user_charge_compare(const void *a, const void *b)
{
	const struct ns_user_charge *x = a, *y = b;

	if (x->userns != y->userns)
		return x->userns < y->userns ? -1 : 1;
	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return 0;
}

/* Index of userns in the sorted users, or -1. */
static ssize_t user_index(const struct ns_scan *scan, uint64_t userns)
{
	size_t low = 0, high = scan->n_users, mid;

	while (low < high) {
		mid = low + (high - low) / 2;
		if (scan->users[mid].userns < userns)
			low = mid + 1;
		else
			high = mid;
	}
	if (userns && low < scan->n_users && scan->users[low].userns == userns)
		return (ssize_t)low;
	return -1;
}

/* Sorts the users and keeps one record of each namespace. */
static void users_sort_unique(struct ns_scan *scan)
{
	size_t i, n = 0;

	for (i = 0; i < scan->n_users; i++) {
		if (scan->users[i].userns)
			scan->users[n++] = scan->users[i];
	}
	scan->n_users = n;
	if (!n)
		return;
	array_sort(scan->users, n, sizeof(*scan->users), user_usage_compare);
	for (n = 1, i = 1; i < scan->n_users; i++) {
		if (scan->users[i].userns != scan->users[n - 1].userns)
			scan->users[n++] = scan->users[i];
	}
	scan->n_users = n;
}

/* Depth of each user namespace below the top of its known chain. */
static void users_depth(const struct ns_scan *scan, unsigned *depth)
{
	ssize_t parent;
	size_t i;
	unsigned d;

	for (i = 0; i < scan->n_users; i++) {
		d = 0;
		parent = user_index(scan, scan->users[i].parent);
		while (parent >= 0 && d < USERNS_MAX_DEPTH) {
			d++;
			parent = user_index(scan, scan->users[parent].parent);
		}
		depth[i] = d;
	}
}

/* Orders positions into the users deepest first (depth is the context). */
static int deeper_first(const void *a, const void *b, void *context)
{
	const unsigned *depth = context;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	if (depth[x] != depth[y])
		return depth[x] > depth[y] ? -1 : 1;
	return x < y ? -1 : (x > y);
}

/*
 * Adds each subtree to its parent's, deepest first, so that a parent is
 * complete before it is added to its own parent. A child user namespace
 * is counted in its parent's in_use already, and again as the +1 of its
 * own subtree: that one is not added twice.
 */
static int users_subtree(struct ns_scan *scan)
{
	unsigned *depth = calloc(scan->n_users, sizeof(*depth));
	size_t *order = calloc(scan->n_users, sizeof(*order));
	struct ns_user_usage *child, *parent;
	ssize_t p;
	size_t i;
	int t;

	if (!depth || !order) {
		free(depth);
		free(order);
		return -ENOMEM;
	}
	users_depth(scan, depth);
	for (i = 0; i < scan->n_users; i++) {
		order[i] = i;
		for (t = 0; t < NS_TYPE_COUNT; t++)
			scan->users[i].subtree[t] = scan->users[i].in_use[t];
		scan->users[i].subtree[NS_TYPE_USER]++;
	}
	qsort_r(order, scan->n_users, sizeof(*order), deeper_first, depth);
	for (i = 0; i < scan->n_users; i++) {
		child = &scan->users[order[i]];
		p = user_index(scan, child->parent);
		if (p < 0)
			continue;
		parent = &scan->users[p];
		for (t = 0; t < NS_TYPE_COUNT; t++)
			parent->subtree[t] += child->subtree[t];
		parent->subtree[NS_TYPE_USER]--;
	}
	free(depth);
	free(order);
	return 0;
}

/* One charge per child user namespace, then merged by (parent, uid). */
static int users_charges(struct ns_scan *scan)
{
	struct ns_user_charge *charges, *c;
	const struct ns_user_usage *u;
	size_t i, n = 0, merged = 0;
	int t;

	free(scan->charges);
	scan->charges = NULL;
	scan->n_charges = 0;
	if (!scan->n_users)
		return 0;
	charges = calloc(scan->n_users, sizeof(*charges));
	if (!charges)
		return -ENOMEM;
	for (i = 0; i < scan->n_users; i++) {
		u = &scan->users[i];
		if (!u->has_owner_uid || user_index(scan, u->parent) < 0)
			continue;
		c = &charges[n++];
		c->userns = u->parent;
		c->uid = u->owner_uid;
		memcpy(c->count, u->subtree, sizeof(c->count));
	}
	if (n)
		array_sort(charges, n, sizeof(*charges), user_charge_compare);
	for (i = 0; i < n; i++) {
		c = merged ? &charges[merged - 1] : NULL;
		if (c && !user_charge_compare(c, &charges[i])) {
			for (t = 0; t < NS_TYPE_COUNT; t++)
				c->count[t] += charges[i].count[t];
			continue;
		}
		charges[merged++] = charges[i];
	}
	scan->charges = charges;
	scan->n_charges = merged;
	return 0;
}

int ns_user_usage_count(struct ns_scan *scan)
{
	const struct ns_entry *entry;
	ssize_t u;
	size_t i;
	int err;

	users_sort_unique(scan);
	for (i = 0; i < scan->n_users; i++)
		memset(scan->users[i].in_use, 0, sizeof(scan->users[i].in_use));
	for (i = 0; i < scan->n_entries; i++) {
		entry = &scan->entries[i];
		u = user_index(scan, entry->owner_userns);
		if (u >= 0)
			scan->users[u].in_use[entry->type]++;
	}
	err = users_subtree(scan);
	if (!err)
		err = users_charges(scan);
	return err;
}
