/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The namespace scan: every process's /proc/PID/ns links, every nsfs bind
 * mount, every nsfs file a process holds open and (on request) every
 * socket held in another network namespace, folded into one entry per
 * (type, inode) with its holders; then what the kernel will tell about
 * each namespace, and the user namespaces' limits.
 */
#include "ns_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "array.h"
#include "config.h"
#include "log.h"
#include "ns_holders.h"
#include "ns_scan_parse.h"
#include "ns_userns.h"

const char *const ns_holder_names[NS_HOLDER_COUNT] = {
	[NS_HOLDER_PROCESS] = "process",
	[NS_HOLDER_MOUNT] = "mount",
	[NS_HOLDER_FD] = "fd",
	[NS_HOLDER_SOCKET] = "socket",
};

/* A process whose links were read. */
struct scan_proc {
	pid_t pid;
	/* stat is read only for PIDs an entry or a holder names, once */
	bool stat_read;
	bool stat_ok;
	pid_t ppid;
	char comm[17];
	/* cgroup, read only for the lowest PID of some namespace, once */
	bool cgroup_read;
	const char *cgroup;
};

/* One namespace reference: a process's link, a mount, a descriptor. */
struct scan_ref {
	uint64_t inode;
	pid_t pid;	/* 0 for a mount */
	uint32_t index; /* into procs, or into mounts for a mount */
	int fd;		/* the descriptor, for fd and socket references */
	uint8_t type;
	uint8_t kind; /* enum ns_holder_kind */
};

/* An nsfs descriptor whose namespace type is not known yet. */
struct scan_pending {
	uint64_t inode;
	pid_t pid;
	uint32_t index; /* into procs */
	int fd;
};

struct scan_state {
	const struct ns_scan_options *options;
	const char *procfs;
	int proc_fd;
	/* 2 when PID 2 is kthreadd (scan_kthreadd_check), else 0 */
	pid_t kthreadd;
	/* the exporter in procfs's PID namespace; 0 when unknown */
	pid_t self_pid;
	/*
	 * procfs shows the exporter's own PID namespace, so its PIDs can be
	 * handed to pidfd_open (false for a fixture tree, or a host /proc
	 * seen from a container without hostPID)
	 */
	bool pidfd_ok;
	/* the exporter's user namespace (it reads its own limits directly) */
	uint64_t own_userns;
	struct ns_scan *scan;
	struct scan_proc *procs;
	size_t n_procs, cap_procs;
	struct scan_ref *refs;
	size_t n_refs, cap_refs;
	struct scan_pending *pending;
	size_t n_pending, cap_pending;
	struct ns_fd_scanner fds;
	/* per entry: index of a mount holding it, or NO_INDEX */
	uint32_t *entry_mount;
	/* per entry: index into refs of an fd or socket holder, or NO_INDEX */
	uint32_t *entry_holder;
	/* per entry: index into procs of its lowest PID, or NO_INDEX */
	uint32_t *entry_proc;
	size_t cap_users;
	/* user namespaces met only as owners or parents: scan_userns_note */
	uint64_t *hidden_users;
	size_t n_hidden_users, cap_hidden_users;
};

#define NO_INDEX UINT32_MAX

/*
 * Inodes the kernel gives the initial namespaces (PROC_*_INIT_INO in
 * include/linux/proc_ns.h). Dynamic inodes start at 0xF0000000, so no
 * other namespace can have one of these. net and mnt got fixed inodes in
 * Linux 6.18; older kernels allocate theirs dynamically, so there these
 * two match only through the kthreadd rule in ns_scan_entry_fold().
 */
static const uint64_t ns_initial_inode[NS_TYPE_COUNT] = {
	[NS_TYPE_IPC] = 0xEFFFFFFFu,	[NS_TYPE_UTS] = 0xEFFFFFFEu,
	[NS_TYPE_USER] = 0xEFFFFFFDu,	[NS_TYPE_PID] = 0xEFFFFFFCu,
	[NS_TYPE_CGROUP] = 0xEFFFFFFBu, [NS_TYPE_TIME] = 0xEFFFFFFAu,
	[NS_TYPE_NET] = 0xEFFFFFF9u,	[NS_TYPE_MNT] = 0xEFFFFFF8u,
};

/* The scan's arrays start at 64 elements and double. */
static void *grow(void *array, size_t *cap, size_t want, size_t size)
{
	return array_grow(array, cap, want, size, 64);
}

static int scan_ref_add(struct scan_state *st, enum ns_type type,
			uint64_t inode, pid_t pid, uint32_t index,
			enum ns_holder_kind kind, int fd)
{
	struct scan_ref *ref;

	ref = grow(st->refs, &st->cap_refs, st->n_refs + 1, sizeof(*ref));
	if (!ref)
		return -ENOMEM;
	st->refs = ref;
	ref = &st->refs[st->n_refs++];
	ref->inode = inode;
	ref->pid = pid;
	ref->index = index;
	ref->fd = fd;
	ref->type = (uint8_t)type;
	ref->kind = (uint8_t)kind;
	return 0;
}

/*
 * Reads a small file under dir_fd into buf (NUL-terminated). Returns the
 * length or a negative errno; open, read and close, without stdio.
 */
static ssize_t read_small(int dir_fd, const char *name, char *buf, size_t size)
{
	ssize_t n;
	int fd, err;

	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	close(fd);
	buf[n] = '\0';
	return n;
}

/* The links of one process, read before any is kept. */
struct proc_links {
	uint64_t inode[NS_TYPE_COUNT];
	bool present[NS_TYPE_COUNT];
	int n_present;
};

/*
 * Reads every link in the ns directory at ns_fd. Returns 0, or a negative
 * errno when the process must be skipped: EACCES (the ptrace check fails,
 * or the task has exited), ESRCH, or anything else unexpected. A missing
 * link (ENOENT) is a type the kernel lacks, not a failure.
 */
static int proc_links_read(int ns_fd, struct proc_links *links)
{
	char target[64];
	enum ns_type type;
	ssize_t n;
	int i;

	memset(links, 0, sizeof(*links));
	for (i = 0; i < NS_TYPE_COUNT; i++) {
		n = readlinkat(ns_fd, ns_type_names[i], target, sizeof(target));
		if (n < 0 && errno == ENOENT)
			continue;
		if (n < 0)
			return -errno;
		if (ns_link_parse(target, (size_t)n, &type, &links->inode[i]) <
			    0 ||
		    type != (enum ns_type)i)
			return -EINVAL;
		links->present[i] = true;
		links->n_present++;
	}
	return 0;
}

/* Reads and parses <procfs>/PID/stat; 0 or a negative errno. */
static int proc_stat_read(int proc_fd, pid_t pid, struct ns_proc_stat *stat)
{
	char name[32], buf[1024];
	ssize_t n;
	int err;

	snprintf(name, sizeof(name), "%d/stat", (int)pid);
	n = read_small(proc_fd, name, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	err = ns_proc_stat_parse(buf, stat);
	if (!err && stat->pid != pid)
		err = -EINVAL;
	return err;
}

/*
 * Reads a process's stat on first use: only the lowest PID of each
 * namespace and the holders of descriptors need a command, so the scan
 * does not read 1000 stat files for ten names. Returns false (with an
 * empty command) when the process has gone since its links were read.
 */
static bool scan_proc_stat(struct scan_state *st, uint32_t index,
			   struct ns_proc_stat *out)
{
	struct scan_proc *proc = &st->procs[index];
	struct ns_proc_stat stat = {0};

	if (!proc->stat_read &&
	    !proc_stat_read(st->proc_fd, proc->pid, &stat)) {
		memcpy(proc->comm, stat.comm, sizeof(proc->comm));
		proc->ppid = stat.ppid;
		proc->stat_ok = true;
		if (out)
			*out = stat;
	}
	proc->stat_read = true;
	return proc->stat_ok;
}

static const char *scan_proc_comm(struct scan_state *st, uint32_t index)
{
	scan_proc_stat(st, index, NULL);
	return st->procs[index].comm;
}

/*
 * kthreadd, the kernel thread that starts all others, is PID 2 of the
 * initial PID namespace and has parent PID 0; in any other PID namespace
 * PID 2 is an ordinary process without PF_KTHREAD.
 */
static void scan_kthreadd_check(struct scan_state *st, uint32_t index)
{
	struct ns_proc_stat stat = {0};

	if (st->procs[index].stat_read || !scan_proc_stat(st, index, &stat))
		return;
	if ((stat.flags & NS_PF_KTHREAD) && stat.ppid == 0)
		st->kthreadd = stat.pid;
}

/*
 * True for the exporter's limits helper (ns_userns_limits_read), met by a
 * scan running at the same time: its descriptors are copies of the
 * exporter's own. It is a child that shares the exporter's memory, which
 * kcmp tells exactly; where procfs PIDs are not the exporter's (or kcmp
 * is missing), any child of the exporter is taken for it.
 */
static bool scan_proc_is_helper(const struct scan_state *st, uint32_t index)
{
	const struct scan_proc *proc = &st->procs[index];
	long same;

	if (!st->self_pid || proc->ppid != st->self_pid)
		return false;
	if (!st->pidfd_ok)
		return true;
	same = syscall(SYS_kcmp, getpid(), proc->pid, KCMP_VM, 0, 0);
	return same == 0 || (same < 0 && errno == ENOSYS);
}

static int scan_pending_add(struct scan_state *st, uint64_t inode, pid_t pid,
			    uint32_t index, int fd)
{
	struct scan_pending *p;

	p = grow(st->pending, &st->cap_pending, st->n_pending + 1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	st->pending = p;
	p = &st->pending[st->n_pending++];
	p->inode = inode;
	p->pid = pid;
	p->index = index;
	p->fd = fd;
	return 0;
}

/*
 * Reads the descriptor table of procs[index]. A table that cannot be read
 * is counted, never an error; -ENOMEM is. Socket references go in at
 * once (a socket's namespace is a network namespace); nsfs files wait
 * until every namespace a process or mount names is known, which gives
 * most of them their type.
 */
static int scan_fd_table(struct scan_state *st, uint32_t index,
			 uint64_t own_netns)
{
	const struct ns_fd_ref *ref;
	pid_t pid = st->procs[index].pid;
	size_t i;
	int err;

	err = ns_fd_table_scan(&st->fds, pid, own_netns);
	if (err == -ENOMEM)
		return err;
	if (err < 0) {
		st->scan->fd_tables_skipped++;
		return 0;
	}
	st->scan->fd_tables_scanned++;
	if (!st->fds.n_refs)
		return 0;
	/* one that has exited holds nothing any more; the helper, ours */
	if (!scan_proc_stat(st, index, NULL) || scan_proc_is_helper(st, index))
		return 0;
	for (i = 0; i < st->fds.n_refs; i++) {
		ref = &st->fds.refs[i];
		if (ref->socket)
			err = scan_ref_add(st, NS_TYPE_NET, ref->inode, pid,
					   index, NS_HOLDER_SOCKET, ref->fd);
		else
			err = scan_pending_add(st, ref->inode, pid, index,
					       ref->fd);
		if (err < 0)
			return err;
	}
	return 0;
}

/*
 * Scans one process. Returns 0 (also when the process was skipped, which
 * is counted) or -ENOMEM.
 */
static int scan_process(struct scan_state *st, pid_t pid)
{
	struct proc_links links;
	struct scan_proc *proc;
	uint32_t index;
	char path[32];
	int ns_fd, err, i;

	/*
	 * The process may exit at any point from here on: never an error.
	 * One fd on its ns directory makes each readlinkat a one-step lookup.
	 */
	snprintf(path, sizeof(path), "%d/ns", (int)pid);
	ns_fd = openat(st->proc_fd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ns_fd < 0)
		goto out_skip;
	err = proc_links_read(ns_fd, &links);
	close(ns_fd);
	if (err < 0 || !links.n_present)
		goto out_skip;

	proc = grow(st->procs, &st->cap_procs, st->n_procs + 1, sizeof(*proc));
	if (!proc)
		return -ENOMEM;
	st->procs = proc;
	index = (uint32_t)st->n_procs;
	proc = &st->procs[index];
	memset(proc, 0, sizeof(*proc));
	proc->pid = pid;
	for (i = 0; i < NS_TYPE_COUNT; i++) {
		if (!links.present[i])
			continue;
		if (scan_ref_add(st, (enum ns_type)i, links.inode[i], pid,
				 index, NS_HOLDER_PROCESS, -1) < 0)
			return -ENOMEM;
		st->scan->type_supported[i] = true;
	}
	st->n_procs++;
	st->scan->processes_scanned++;
	if (pid == 2)
		scan_kthreadd_check(st, index);
	/*
	 * the exporter's own descriptors (its threads share one table) are
	 * how it reads namespaces, not what keeps them alive
	 */
	if (st->scan->fd_holders_scanned && pid != st->self_pid)
		return scan_fd_table(st, index,
				     links.present[NS_TYPE_NET]
					     ? links.inode[NS_TYPE_NET]
					     : 0);
	return 0;
out_skip:
	st->scan->processes_skipped++;
	return 0;
}

/*
 * Walks <procfs>: its numeric entries are thread-group leaders (threads
 * live under PID/task), so each process counts once, as in lsns.
 */
static int scan_processes(struct scan_state *st)
{
	struct dirent *dent;
	size_t seen = 0;
	DIR *dir;
	pid_t pid;
	int fd, err = 0;

	fd = dup(st->proc_fd);
	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		err = -errno;
		close(fd);
		return err;
	}
	while ((dent = readdir(dir))) {
		if (ns_pid_parse(dent->d_name, &pid) < 0)
			continue;
		seen++;
		err = scan_process(st, pid);
		if (err < 0)
			break;
	}
	closedir(dir);
	/*
	 * A proc file system always lists at least the reader itself: a
	 * directory without a single PID is not one, and an empty answer
	 * would pass for a host without namespaces.
	 */
	if (!err && !seen)
		err = -ENOENT;
	return err;
}

/* Reads a whole file under dir_fd into a malloc'ed, NUL-terminated buffer. */
static int read_whole(int dir_fd, const char *name, char **out, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL, *bigger;
	ssize_t got;
	int fd, err = 0;

	fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		bigger = grow(buf, &cap, n + 4096, 1);
		if (!bigger) {
			err = -ENOMEM;
			break;
		}
		buf = bigger;
		got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = -errno;
			break;
		}
		if (!got)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

static int scan_mount_add(struct scan_state *st, size_t *cap, enum ns_type type,
			  uint64_t inode, const char *path)
{
	struct ns_scan *scan = st->scan;
	struct ns_mount *mount;
	char *copy;

	mount = grow(scan->mounts, cap, scan->n_mounts + 1, sizeof(*mount));
	if (!mount)
		return -ENOMEM;
	scan->mounts = mount;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	if (scan_ref_add(st, type, inode, 0, (uint32_t)scan->n_mounts,
			 NS_HOLDER_MOUNT, -1) < 0) {
		free(copy);
		return -ENOMEM;
	}
	mount = &scan->mounts[scan->n_mounts++];
	mount->type = type;
	mount->inode = inode;
	mount->path = copy;
	scan->type_supported[type] = true;
	return 0;
}

/*
 * Says once at warn level that mountinfo cannot be read (namespaces held
 * only by bind mounts are then missing), then at debug until it clears.
 */
static void scan_mounts_report(const struct scan_state *st, int err)
{
	static atomic_bool failing;
	bool was_failing = atomic_exchange(&failing, err < 0);

	if (err >= 0) {
		if (was_failing)
			log_info("mountinfo readable again", "path", st->procfs,
				 NULL);
		return;
	}
	if (was_failing)
		log_debug("cannot read mountinfo", "path", st->procfs, "err",
			  strerror(-err), NULL);
	else
		log_warn("cannot read mountinfo", "path", st->procfs, "err",
			 strerror(-err), NULL);
}

/*
 * Adds every nsfs mount in <procfs>/self/mountinfo, of any type and at any
 * path: ip netns pins network namespaces under /run/netns, and container
 * runtimes pin ipc, uts, user and pid namespaces the same way. An
 * unreadable mountinfo leaves the process view alone.
 */
static int scan_mounts(struct scan_state *st)
{
	size_t len = 0, cap = 0, line_len;
	char *text = NULL, *line, *next, *path;
	enum ns_type type;
	uint64_t inode;
	int err, ret;

	err = read_whole(st->proc_fd, "self/mountinfo", &text, &len);
	if (err == -ENOMEM)
		return err;
	if (err < 0) {
		scan_mounts_report(st, err);
		return 0;
	}
	scan_mounts_report(st, 0);
	path = malloc(len + 1);
	if (!path) {
		free(text);
		return -ENOMEM;
	}
	for (line = text; line < text + len; line = next) {
		next = memchr(line, '\n', (size_t)(text + len - line));
		next = next ? next : text + len;
		line_len = (size_t)(next - line);
		next++;
		ret = ns_mountinfo_parse(line, line_len, &type, &inode, path,
					 len + 1);
		if (ret <= 0)
			continue;
		err = scan_mount_add(st, &cap, type, inode, path);
		if (err < 0)
			break;
	}
	free(path);
	free(text);
	return err;
}

static int scan_ref_compare(const void *a, const void *b)
{
	const struct scan_ref *x = a, *y = b;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->fd != y->fd)
		return x->fd < y->fd ? -1 : 1;
	return 0;
}

/* A namespace some process or mount names, by inode. */
struct known_ns {
	uint64_t inode;
	enum ns_type type;
};

static int known_ns_compare(const void *a, const void *b)
{
	const struct known_ns *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return 0;
}

static int pending_compare(const void *a, const void *b)
{
	const struct scan_pending *x = a, *y = b;

	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	return 0;
}

/*
 * The type of a namespace no process or mount names, from the text of
 * the descriptor's link: "net:[N]" for a file opened through /proc/PID/ns,
 * but the mount path (or "/" once unmounted) for one opened through a
 * bind mount. Returns the type or -ENOENT.
 */
static int pending_type_from_link(const struct scan_state *st,
				  const struct scan_pending *p)
{
	char path[48], text[64];
	enum ns_type type;
	uint64_t inode;
	ssize_t n;

	snprintf(path, sizeof(path), "%d/fd/%d", (int)p->pid, p->fd);
	n = readlinkat(st->proc_fd, path, text, sizeof(text));
	if (n < 0 || (size_t)n == sizeof(text) ||
	    ns_link_parse(text, (size_t)n, &type, &inode) < 0 ||
	    inode != p->inode)
		return -ENOENT;
	return type;
}

/*
 * The type, asked of the kernel (NS_GET_NSTYPE) on a duplicate of the
 * descriptor: nothing is opened. Returns the type or a negative errno.
 */
static int pending_type_from_kernel(const struct scan_state *st,
				    const struct scan_pending *p)
{
	int fd, flag;

	if (!st->pidfd_ok)
		return -EPERM;
	fd = ns_fd_dup_nsfs(p->pid, p->fd, st->fds.nsfs_dev, p->inode);
	if (fd < 0)
		return fd;
	flag = ioctl(fd, NS_GET_NSTYPE);
	close(fd);
	return flag < 0 ? -errno : ns_type_from_clone_flag(flag);
}

/*
 * The type of a pending descriptor's namespace: known from a process or
 * a mount, else read from the link, else asked of the kernel. Returns the
 * type or a negative errno.
 */
static int pending_type(const struct scan_state *st,
			const struct known_ns *known, size_t n_known,
			const struct scan_pending *p)
{
	struct known_ns key = {.inode = p->inode};
	const struct known_ns *hit;
	int type;

	hit = array_search(&key, known, n_known, sizeof(*known),
			   known_ns_compare);
	if (hit)
		return (int)hit->type;
	type = pending_type_from_link(st, p);
	return type >= 0 ? type : pending_type_from_kernel(st, p);
}

/* The namespace type of every pending nsfs descriptor, found once per inode. */
static int scan_pending_resolve(struct scan_state *st)
{
	const struct scan_pending *p;
	size_t i, n_known = st->n_refs;
	struct known_ns *known;
	int type = -ENOENT, err = 0;

	if (!st->n_pending)
		return 0;
	known = malloc((n_known ? n_known : 1) * sizeof(*known));
	if (!known)
		return -ENOMEM;
	for (i = 0; i < n_known; i++) {
		known[i].inode = st->refs[i].inode;
		known[i].type = (enum ns_type)st->refs[i].type;
	}
	array_sort(known, n_known, sizeof(*known), known_ns_compare);
	array_sort(st->pending, st->n_pending, sizeof(*st->pending),
		   pending_compare);
	for (i = 0; i < st->n_pending && !err; i++) {
		p = &st->pending[i];
		/* 1000 holders of one namespace ask the kernel once */
		if (!i || p->inode != st->pending[i - 1].inode)
			type = pending_type(st, known, n_known, p);
		if (type < 0) {
			st->scan->holders_unresolved++;
			continue;
		}
		err = scan_ref_add(st, (enum ns_type)type, p->inode, p->pid,
				   p->index, NS_HOLDER_FD, p->fd);
		st->scan->type_supported[type] = true;
	}
	free(known);
	return err;
}

/*
 * Folds refs[0 .. n) (one namespace, sorted by PID with mounts first)
 * into entry, and notes where the namespace can be opened: a mount, a
 * descriptor holder, the lowest PID.
 *
 * The initial rule: a namespace is the host's initial one of its type when
 * kthreadd (see scan_kthreadd_check) is in it, or when its inode is the
 * kernel's fixed initial inode for the type (ns_initial_inode). Not any kernel
 * thread: kdevtmpfs unshares its mount namespace (drivers/base/devtmpfs.c), so
 * a second mnt namespace holds a kernel thread. The first half works when PID
 * 1's links are unreadable; the second works inside a container, where no
 * kernel thread is visible but a namespace shared with the host still
 * carries its fixed inode.
 */
static void ns_scan_entry_fold(struct scan_state *st, size_t first, size_t n,
			       size_t index)
{
	struct ns_entry *entry = &st->scan->entries[index];
	const struct scan_ref *refs = st->refs + first;
	size_t i;

	memset(entry, 0, sizeof(*entry));
	entry->type = (enum ns_type)refs[0].type;
	entry->inode = refs[0].inode;
	entry->initial = entry->inode == ns_initial_inode[entry->type];
	st->entry_mount[index] = NO_INDEX;
	st->entry_holder[index] = NO_INDEX;
	st->entry_proc[index] = NO_INDEX;
	for (i = 0; i < n; i++) {
		switch (refs[i].kind) {
		case NS_HOLDER_MOUNT:
			if (!entry->mounts++)
				st->entry_mount[index] = refs[i].index;
			continue;
		case NS_HOLDER_FD:
		case NS_HOLDER_SOCKET:
			if (refs[i].kind == NS_HOLDER_FD)
				entry->fds++;
			else
				entry->sockets++;
			if (st->entry_holder[index] == NO_INDEX)
				st->entry_holder[index] = (uint32_t)(first + i);
			continue;
		default:
			break;
		}
		if (!entry->processes++) {
			entry->lowest_pid = refs[i].pid;
			st->entry_proc[index] = refs[i].index;
			memcpy(entry->command,
			       scan_proc_comm(st, refs[i].index),
			       sizeof(entry->command));
		}
		if (st->kthreadd && refs[i].pid == st->kthreadd)
			entry->initial = true;
	}
}

static int scan_entries_build(struct scan_state *st)
{
	struct ns_scan *scan = st->scan;
	size_t i, start;

	if (!st->n_refs)
		return 0;
	array_sort(st->refs, st->n_refs, sizeof(*st->refs), scan_ref_compare);
	/* at most one entry per ref: allocate once */
	scan->entries = calloc(st->n_refs, sizeof(*scan->entries));
	st->entry_mount = calloc(st->n_refs, sizeof(*st->entry_mount));
	st->entry_holder = calloc(st->n_refs, sizeof(*st->entry_holder));
	st->entry_proc = calloc(st->n_refs, sizeof(*st->entry_proc));
	if (!scan->entries || !st->entry_mount || !st->entry_holder ||
	    !st->entry_proc)
		return -ENOMEM;
	for (start = 0, i = 1; i <= st->n_refs; i++) {
		if (i < st->n_refs &&
		    st->refs[i].type == st->refs[start].type &&
		    st->refs[i].inode == st->refs[start].inode)
			continue;
		ns_scan_entry_fold(st, start, i - start, scan->n_entries);
		scan->n_entries++;
		start = i;
	}
	return 0;
}

static int holder_compare(const void *a, const void *b)
{
	const struct ns_holder *x = a, *y = b;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if (x->inode != y->inode)
		return x->inode < y->inode ? -1 : 1;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return 0;
}

/*
 * One holder record per (namespace, kind, process) from the sorted fd
 * and socket references; the first reference of a run has the lowest
 * descriptor.
 */
static int scan_holders_build(struct scan_state *st)
{
	struct ns_scan *scan = st->scan;
	const struct scan_ref *ref, *prev = NULL;
	struct ns_holder *holder = NULL;
	size_t i;

	for (i = 0; i < st->n_refs; i++) {
		ref = &st->refs[i];
		if (ref->kind != NS_HOLDER_FD && ref->kind != NS_HOLDER_SOCKET)
			continue;
		if (holder && prev->type == ref->type &&
		    prev->inode == ref->inode && prev->pid == ref->pid &&
		    prev->kind == ref->kind) {
			holder->count++;
			continue;
		}
		if (!scan->holders) {
			scan->holders = calloc(st->n_refs, sizeof(*holder));
			if (!scan->holders)
				return -ENOMEM;
		}
		holder = &scan->holders[scan->n_holders++];
		holder->type = (enum ns_type)ref->type;
		holder->inode = ref->inode;
		holder->kind = (enum ns_holder_kind)ref->kind;
		holder->pid = ref->pid;
		holder->count = 1;
		holder->fd = ref->fd;
		memcpy(holder->command, scan_proc_comm(st, ref->index),
		       sizeof(holder->command));
		prev = ref;
	}
	if (scan->n_holders)
		array_sort(scan->holders, scan->n_holders,
			   sizeof(*scan->holders), holder_compare);
	return 0;
}

/*
 * Opens a namespace file and makes sure it is the namespace we mean: on a
 * fixture tree the links lead nowhere, and a PID or a mount point may have
 * been reused since it was read. Returns the fd or -1.
 */
static int ns_open_checked(int dir_fd, const char *path, uint64_t inode,
			   bool link)
{
	/* a mount point may have become something else: never open that */
	int fd = link ? ns_open_link(dir_fd, path, inode)
		      : ns_open_pinned(dir_fd, path, inode);

	return fd < 0 ? -1 : fd;
}

/* Inode of the file fd, or 0. */
static uint64_t fd_inode(int fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 ? 0 : (uint64_t)st.st_ino;
}

/* Inode of the namespace an nsfs ioctl hands back, or 0; closes that fd. */
static uint64_t ns_ioctl_inode(int fd, unsigned long request)
{
	uint64_t inode;
	int ns_fd;

	/* EPERM: the answer lies outside our user namespace; leave it 0 */
	ns_fd = ioctl(fd, request);
	if (ns_fd < 0)
		return 0;
	inode = fd_inode(ns_fd);
	close(ns_fd);
	return inode;
}

/*
 * Opens the entry's namespace through its lowest PID, else a mount, else
 * a duplicate of a holder's descriptor (a namespace only descriptors or
 * sockets hold has no path left).
 */
static int ns_entry_open(const struct scan_state *st, size_t index)
{
	const struct ns_entry *entry = &st->scan->entries[index];
	uint32_t mount = st->entry_mount[index];
	uint32_t holder = st->entry_holder[index];
	const struct scan_ref *ref;
	char path[64];
	int fd = -1, netns;

	if (entry->lowest_pid) {
		snprintf(path, sizeof(path), "%d/ns/%s", (int)entry->lowest_pid,
			 ns_type_names[entry->type]);
		fd = ns_open_checked(st->proc_fd, path, entry->inode, true);
	}
	if (fd < 0 && mount != NO_INDEX)
		fd = ns_open_checked(AT_FDCWD, st->scan->mounts[mount].path,
				     entry->inode, false);
	if (fd >= 0 || holder == NO_INDEX || !st->pidfd_ok)
		return fd;
	ref = &st->refs[holder];
	if (ref->kind == NS_HOLDER_FD)
		return ns_fd_dup_nsfs(ref->pid, ref->fd, st->fds.nsfs_dev,
				      entry->inode);
	netns = ns_socket_netns(ref->pid, ref->fd);
	if (netns < 0)
		return -1;
	if (fd_inode(netns) != entry->inode) {
		close(netns);
		return -1;
	}
	return netns;
}

static struct ns_user_usage *scan_user_add(struct scan_state *st,
					   uint64_t userns)
{
	struct ns_scan *scan = st->scan;
	struct ns_user_usage *user;
	int i;

	user = grow(scan->users, &st->cap_users, scan->n_users + 1,
		    sizeof(*user));
	if (!user)
		return NULL;
	scan->users = user;
	user = &scan->users[scan->n_users++];
	memset(user, 0, sizeof(*user));
	user->userns = userns;
	for (i = 0; i < NS_TYPE_COUNT; i++)
		user->max[i] = -1;
	return user;
}

/*
 * Reads the limits of the user namespace at fd: the exporter's own from
 * the scan's, any other from inside it. Failing (EPERM for an ancestor
 * of the exporter's own, or under a seccomp filter) leaves them unknown;
 * that repeats every scrape, so it is said at debug level only.
 */
static void scan_user_limits(struct scan_state *st, struct ns_user_usage *user,
			     int fd)
{
	char inode[32];
	int err;

	if (user->userns == st->own_userns) {
		memcpy(user->max, st->scan->max, sizeof(user->max));
		return;
	}
	if (!st->options->user_limits)
		return;
	err = ns_userns_limits_read(fd, st->procfs, user->max);
	if (err < 0)
		log_debug("cannot read the limits of a user namespace",
			  "userns", log_num(inode, (long long)user->userns),
			  "err", strerror(-err), NULL);
}

static bool hidden_user_seen(const struct scan_state *st, uint64_t userns)
{
	size_t i;

	for (i = 0; i < st->n_hidden_users; i++) {
		if (st->hidden_users[i] == userns)
			return true;
	}
	return false;
}

/*
 * Notes the user namespace at fd (an owner or parent the kernel handed
 * back) when the scan has no entry for it: a user namespace that no
 * process, mount or descriptor holds lives on while namespaces it owns
 * do, and its limits and owner still apply to them. Climbs to its
 * parents the same way. Returns 0 or -ENOMEM.
 */
static int scan_userns_note(struct scan_state *st, int fd, uint64_t userns)
{
	struct ns_user_usage *user;
	uint64_t *seen;
	int parent_fd, err = 0;
	unsigned depth;
	uid_t uid;

	for (depth = 0; userns && depth < 33; depth++) {
		if (ns_scan_find(st->scan, NS_TYPE_USER, userns) ||
		    hidden_user_seen(st, userns))
			break;
		seen = grow(st->hidden_users, &st->cap_hidden_users,
			    st->n_hidden_users + 1, sizeof(*seen));
		user = seen ? scan_user_add(st, userns) : NULL;
		if (!user) {
			err = -ENOMEM;
			break;
		}
		st->hidden_users = seen;
		st->hidden_users[st->n_hidden_users++] = userns;
		if (!ioctl(fd, NS_GET_OWNER_UID, &uid)) {
			user->has_owner_uid = true;
			user->owner_uid = uid;
		}
		scan_user_limits(st, user, fd);
		parent_fd = ioctl(fd, NS_GET_PARENT);
		if (depth)
			close(fd);
		if (parent_fd < 0)
			return 0;
		fd = parent_fd;
		userns = user->parent = fd_inode(fd);
	}
	if (depth)
		close(fd);
	return err;
}

/* Records a user namespace entry, with its limits, among the users. */
static int scan_user_entry(struct scan_state *st, const struct ns_entry *entry,
			   int fd)
{
	struct ns_user_usage *user = scan_user_add(st, entry->inode);

	if (!user)
		return -ENOMEM;
	user->parent = entry->parent;
	user->has_owner_uid = entry->has_owner_uid;
	user->owner_uid = entry->owner_uid;
	scan_user_limits(st, user, fd);
	return 0;
}

/*
 * Fills owner, parent and owner UID where the kernel will tell us, and
 * notes user namespaces. Returns 0 or -ENOMEM.
 */
static int ns_entry_query(struct scan_state *st, size_t index)
{
	struct ns_entry *entry = &st->scan->entries[index];
	int fd, owner_fd, err = 0;
	uid_t uid;

	fd = ns_entry_open(st, index);
	if (fd < 0)
		return 0;
	/* EPERM: the answer lies outside our user namespace; leave it 0 */
	owner_fd = ioctl(fd, NS_GET_USERNS);
	if (owner_fd >= 0) {
		entry->owner_userns = fd_inode(owner_fd);
		err = scan_userns_note(st, owner_fd, entry->owner_userns);
		close(owner_fd);
	}
	if (entry->type == NS_TYPE_PID || entry->type == NS_TYPE_USER)
		entry->parent = ns_ioctl_inode(fd, NS_GET_PARENT);
	if (entry->type == NS_TYPE_USER && !ioctl(fd, NS_GET_OWNER_UID, &uid)) {
		entry->has_owner_uid = true;
		entry->owner_uid = uid;
	}
	if (!err && entry->type == NS_TYPE_USER)
		err = scan_user_entry(st, entry, fd);
	close(fd);
	return err;
}

/* Keeps a copy of text among the scan's strings; NULL when out of memory. */
static const char *scan_string_add(struct ns_scan *scan, size_t *cap,
				   const char *text)
{
	char **strings, *copy;

	strings =
		grow(scan->strings, cap, scan->n_strings + 1, sizeof(*strings));
	if (!strings)
		return NULL;
	scan->strings = strings;
	copy = strdup(text);
	if (copy)
		scan->strings[scan->n_strings++] = copy;
	return copy;
}

/*
 * The cgroup of each namespace's lowest PID, read once per process. A
 * process that has exited, or an unreadable file, leaves it NULL.
 */
static int scan_cgroups(struct scan_state *st)
{
	struct ns_scan *scan = st->scan;
	struct scan_proc *proc;
	size_t cap = 0, len, i;
	char name[32], *text, *path;
	int err = 0;

	for (i = 0; i < scan->n_entries && !err; i++) {
		if (st->entry_proc[i] == NO_INDEX)
			continue;
		proc = &st->procs[st->entry_proc[i]];
		if (!proc->cgroup_read) {
			proc->cgroup_read = true;
			snprintf(name, sizeof(name), "%d/cgroup",
				 (int)proc->pid);
			err = read_whole(st->proc_fd, name, &text, &len);
			if (err) {
				err = err == -ENOMEM ? err : 0;
				continue;
			}
			path = malloc(len + 1);
			if (!path)
				err = -ENOMEM;
			else if (!ns_cgroup_parse(text, path, len + 1) &&
				 !(proc->cgroup =
					   scan_string_add(scan, &cap, path)))
				err = -ENOMEM;
			free(path);
			free(text);
		}
		scan->entries[i].cgroup = proc->cgroup;
	}
	return err;
}

static void scan_max_read(struct scan_state *st)
{
	char name[64], buf[32];
	long long value;
	int i;

	for (i = 0; i < NS_TYPE_COUNT; i++) {
		st->scan->max[i] = -1;
		snprintf(name, sizeof(name), "sys/user/max_%s_namespaces",
			 ns_type_names[i]);
		if (read_small(st->proc_fd, name, buf, sizeof(buf)) >= 0 &&
		    !ns_sysctl_parse(buf, &value) && value >= 0)
			st->scan->max[i] = value;
	}
}

/*
 * Who the exporter is in procfs: its PID there (what "self" names) and
 * whether that is its PID (then pidfd_open may be given procfs PIDs),
 * its user namespace, and the nsfs device, without which no descriptor
 * can be told to be a namespace file.
 */
static void scan_self(struct scan_state *st)
{
	const struct ns_scan_options *options = st->options;
	struct statfs fs;
	struct stat self;
	char text[32];
	ssize_t n;

	n = readlinkat(st->proc_fd, "self", text, sizeof(text) - 1);
	if (n > 0) {
		text[n] = '\0';
		if (ns_pid_parse(text, &st->self_pid) < 0)
			st->self_pid = 0;
	}
	st->pidfd_ok = st->self_pid == getpid() && !fstatfs(st->proc_fd, &fs) &&
		       fs.f_type == PROC_SUPER_MAGIC;
	st->scan->holders_reachable = st->pidfd_ok;
	if (!fstatat(st->proc_fd, "self/ns/user", &self, 0))
		st->own_userns = (uint64_t)self.st_ino;

	st->fds.proc_fd = st->proc_fd;
	st->fds.prefilter = options->fd_link_prefilter;
	st->fds.stat_at = options->stat_at ? options->stat_at : ns_stat_follow;
	if (options->fd_holders &&
	    !st->fds.stat_at(st->proc_fd, "self/ns/net", &self)) {
		st->fds.nsfs_dev = self.st_dev;
		st->scan->fd_holders_scanned = true;
	}
	/* sockets are asked through pidfds: PIDs must be the exporter's */
	if (options->socket_holders && st->scan->fd_holders_scanned &&
	    st->pidfd_ok) {
		st->fds.sockets = true;
		st->scan->socket_holders_scanned = true;
	}
}

void ns_scan_options_init(struct ns_scan_options *options, const char *procfs)
{
	memset(options, 0, sizeof(*options));
	options->procfs = procfs;
	options->fd_holders = true;
	options->user_limits = true;
}

int ns_scan_run(const char *procfs, struct ns_scan **out)
{
	struct ns_scan_options options;

	ns_scan_options_init(&options, procfs);
	return ns_scan_run_with(&options, out);
}

/* Everything after the walk over /proc; 0 or -ENOMEM. */
static int scan_finish(struct scan_state *st)
{
	size_t i;
	int err;

	err = scan_pending_resolve(st);
	if (!err)
		err = scan_entries_build(st);
	if (!err)
		err = scan_holders_build(st);
	if (!err)
		err = scan_cgroups(st);
	scan_max_read(st);
	for (i = 0; i < st->scan->n_entries && !err; i++)
		err = ns_entry_query(st, i);
	if (!err)
		err = ns_user_usage_count(st->scan);
	st->scan->holders_unresolved += st->fds.sockets_unresolved;
	st->scan->fds_examined = st->fds.fds_examined;
	return err;
}

int ns_scan_run_with(const struct ns_scan_options *options,
		     struct ns_scan **out)
{
	struct scan_state st = {.proc_fd = -1};
	int err;

	st.options = options;
	st.procfs = options->procfs;
	st.scan = calloc(1, sizeof(*st.scan));
	if (!st.scan)
		return -ENOMEM;
	st.proc_fd = open(st.procfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st.proc_fd < 0) {
		err = -errno;
		goto out;
	}
	scan_self(&st);
	err = scan_processes(&st);
	if (!err)
		err = scan_mounts(&st);
	if (!err)
		err = scan_finish(&st);
	if (err)
		goto out;
	*out = st.scan;
	st.scan = NULL;
out:
	if (st.proc_fd >= 0)
		close(st.proc_fd);
	ns_fd_scanner_release(&st.fds);
	free(st.procs);
	free(st.refs);
	free(st.pending);
	free(st.entry_mount);
	free(st.entry_holder);
	free(st.entry_proc);
	free(st.hidden_users);
	ns_scan_free(st.scan);
	return err;
}

void ns_scan_free(struct ns_scan *scan)
{
	size_t i;

	if (!scan)
		return;
	for (i = 0; i < scan->n_mounts; i++)
		free(scan->mounts[i].path);
	free(scan->mounts);
	for (i = 0; i < scan->n_strings; i++)
		free(scan->strings[i]);
	free(scan->strings);
	free(scan->entries);
	free(scan->holders);
	free(scan->users);
	free(scan->charges);
	free(scan);
}

/* Index of the first entry not before (type, inode). */
static size_t ns_scan_lower_bound(const struct ns_scan *scan, enum ns_type type,
				  uint64_t inode)
{
	size_t low = 0, high = scan->n_entries, mid;
	const struct ns_entry *e;

	while (low < high) {
		mid = low + (high - low) / 2;
		e = &scan->entries[mid];
		if (e->type < type || (e->type == type && e->inode < inode))
			low = mid + 1;
		else
			high = mid;
	}
	return low;
}

const struct ns_entry *ns_scan_find(const struct ns_scan *scan,
				    enum ns_type type, uint64_t inode)
{
	size_t i = ns_scan_lower_bound(scan, type, inode);

	if (i < scan->n_entries && scan->entries[i].type == type &&
	    scan->entries[i].inode == inode)
		return &scan->entries[i];
	return NULL;
}

const struct ns_entry *ns_scan_type_entries(const struct ns_scan *scan,
					    enum ns_type type, size_t *count)
{
	size_t first, end;

	if (!scan->n_entries) {
		*count = 0;
		return NULL;
	}
	first = ns_scan_lower_bound(scan, type, 0);
	end = type + 1 < NS_TYPE_COUNT ? ns_scan_lower_bound(scan, type + 1, 0)
				       : scan->n_entries;
	*count = end - first;
	return scan->entries + first;
}

const struct ns_user_usage *ns_scan_find_user(const struct ns_scan *scan,
					      uint64_t userns)
{
	size_t low = 0, high = scan->n_users, mid;

	while (low < high) {
		mid = low + (high - low) / 2;
		if (scan->users[mid].userns < userns)
			low = mid + 1;
		else
			high = mid;
	}
	if (low < scan->n_users && scan->users[low].userns == userns)
		return &scan->users[low];
	return NULL;
}

const struct ns_scan *scrape_ns_scan(struct scrape *scrape)
{
	struct ns_scan_options options;

	if (scrape->ns_scan_done)
		return scrape->ns_scan;
	ns_scan_options_init(&options, "/proc");
	if (scrape->config && scrape->config->procfs)
		options.procfs = scrape->config->procfs;
	if (scrape->config)
		options.socket_holders = scrape->config->socket_holders;
	scrape->ns_scan_err = ns_scan_run_with(&options, &scrape->ns_scan);
	scrape->ns_scan_done = true;
	if (scrape->ns_scan_err)
		scrape->ns_scan = NULL;
	return scrape->ns_scan;
}
