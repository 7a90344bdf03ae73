/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The namespace scan: every process's /proc/PID/ns links and every nsfs
 * bind mount, folded into one entry per (type, inode), the way lsns
 * finds namespaces.
 */
#include "ns_scan.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "ns_scan_parse.h"

/* A process whose links were read. */
struct scan_proc {
	pid_t pid;
	/* comm is read only for PIDs an entry names, once */
	bool comm_read;
	char comm[17];
};

/* One namespace reference: a process's link or a bind mount. */
struct scan_ref {
	uint64_t inode;
	pid_t pid;	/* 0 for a mount */
	uint32_t index; /* into procs, or into mounts for a mount */
	uint8_t type;
	bool is_mount;
};

struct scan_state {
	const char *procfs;
	int proc_fd;
	/* 2 when PID 2 is kthreadd (scan_kthreadd_check), else 0 */
	pid_t kthreadd;
	struct ns_scan *scan;
	struct scan_proc *procs;
	size_t n_procs, cap_procs;
	struct scan_ref *refs;
	size_t n_refs, cap_refs;
	/* per entry: index of a mount holding it, or NO_MOUNT */
	uint32_t *entry_mount;
};

#define NO_MOUNT UINT32_MAX

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

/*
 * Makes array (of *cap elements of size bytes) hold want elements,
 * doubling. Returns the possibly moved array, or NULL with the old one
 * untouched.
 */
static void *grow(void *array, size_t *cap, size_t want, size_t size)
{
	size_t new_cap = *cap ? *cap : 64;
	void *p;

	if (want <= *cap)
		return array;
	while (new_cap < want) {
		if (new_cap > SIZE_MAX / 2 / size)
			return NULL;
		new_cap *= 2;
	}
	p = realloc(array, new_cap * size);
	if (p)
		*cap = new_cap;
	return p;
}

static int scan_ref_add(struct scan_state *st, enum ns_type type,
			uint64_t inode, pid_t pid, uint32_t index,
			bool is_mount)
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
	ref->type = (uint8_t)type;
	ref->is_mount = is_mount;
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
 * The command of a process, read on first use: only the lowest PID of
 * each namespace needs one, so the scan does not read 1000 stat files
 * for ten names. Empty when the process has gone since its links were
 * read.
 */
static const char *scan_proc_comm(struct scan_state *st, uint32_t index)
{
	struct scan_proc *proc = &st->procs[index];
	struct ns_proc_stat stat;

	if (!proc->comm_read && !proc_stat_read(st->proc_fd, proc->pid, &stat))
		memcpy(proc->comm, stat.comm, sizeof(proc->comm));
	proc->comm_read = true;
	return proc->comm;
}

/*
 * kthreadd, the kernel thread that starts all others, is PID 2 of the
 * initial PID namespace and has parent PID 0; in any other PID namespace
 * PID 2 is an ordinary process without PF_KTHREAD.
 */
static void scan_kthreadd_check(struct scan_state *st, struct scan_proc *proc)
{
	struct ns_proc_stat stat;

	if (proc_stat_read(st->proc_fd, proc->pid, &stat) < 0)
		return;
	memcpy(proc->comm, stat.comm, sizeof(proc->comm));
	proc->comm_read = true;
	if ((stat.flags & NS_PF_KTHREAD) && stat.ppid == 0)
		st->kthreadd = proc->pid;
}

/*
 * Scans one process. Returns 0 (also when the process was skipped, which
 * is counted) or -ENOMEM.
 */
static int scan_process(struct scan_state *st, pid_t pid)
{
	struct proc_links links;
	struct scan_proc *proc;
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
	proc = &st->procs[st->n_procs];
	memset(proc, 0, sizeof(*proc));
	proc->pid = pid;
	for (i = 0; i < NS_TYPE_COUNT; i++) {
		if (!links.present[i])
			continue;
		if (scan_ref_add(st, (enum ns_type)i, links.inode[i], pid,
				 (uint32_t)st->n_procs, false) < 0)
			return -ENOMEM;
		st->scan->type_supported[i] = true;
	}
	st->n_procs++;
	st->scan->processes_scanned++;
	if (pid == 2)
		scan_kthreadd_check(st, proc);
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
		err = scan_process(st, pid);
		if (err < 0)
			break;
	}
	closedir(dir);
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
	if (scan_ref_add(st, type, inode, 0, (uint32_t)scan->n_mounts, true) <
	    0) {
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
	return 0;
}

/*
 * Folds refs[0 .. n) (one namespace, sorted by PID with mounts first)
 * into entry.
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
static void ns_scan_entry_fold(struct scan_state *st,
			       const struct scan_ref *refs, size_t n,
			       struct ns_entry *entry, uint32_t *mount)
{
	size_t i;

	memset(entry, 0, sizeof(*entry));
	entry->type = (enum ns_type)refs[0].type;
	entry->inode = refs[0].inode;
	entry->initial = entry->inode == ns_initial_inode[entry->type];
	*mount = refs[0].is_mount ? refs[0].index : NO_MOUNT;
	for (i = 0; i < n; i++) {
		if (refs[i].is_mount)
			continue;
		if (!entry->processes++) {
			entry->lowest_pid = refs[i].pid;
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
	qsort(st->refs, st->n_refs, sizeof(*st->refs), scan_ref_compare);
	/* at most one entry per ref: allocate once */
	scan->entries = calloc(st->n_refs, sizeof(*scan->entries));
	st->entry_mount = calloc(st->n_refs, sizeof(*st->entry_mount));
	if (!scan->entries || !st->entry_mount)
		return -ENOMEM;
	for (start = 0, i = 1; i <= st->n_refs; i++) {
		if (i < st->n_refs &&
		    st->refs[i].type == st->refs[start].type &&
		    st->refs[i].inode == st->refs[start].inode)
			continue;
		ns_scan_entry_fold(st, st->refs + start, i - start,
				   &scan->entries[scan->n_entries],
				   &st->entry_mount[scan->n_entries]);
		scan->n_entries++;
		start = i;
	}
	return 0;
}

/*
 * Opens a namespace file and makes sure it is the namespace we mean: on a
 * fixture tree the links lead nowhere, and a PID or a mount point may have
 * been reused since it was read. Returns the fd or -1.
 */
static int ns_open_checked(int dir_fd, const char *path, uint64_t inode)
{
	struct statfs fs;
	struct stat st;
	int fd;

	/* a mount point may have become something else: never block on it */
	fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstatfs(fd, &fs) < 0 || fs.f_type != NSFS_MAGIC ||
	    fstat(fd, &st) < 0 || (uint64_t)st.st_ino != inode) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Inode of the namespace an nsfs ioctl hands back, or 0; closes that fd. */
static uint64_t ns_ioctl_inode(int fd, unsigned long request)
{
	struct stat st;
	uint64_t inode = 0;
	int ns_fd;

	/* EPERM: the answer lies outside our user namespace; leave it 0 */
	ns_fd = ioctl(fd, request);
	if (ns_fd < 0)
		return 0;
	if (!fstat(ns_fd, &st))
		inode = (uint64_t)st.st_ino;
	close(ns_fd);
	return inode;
}

/* Opens the entry's namespace through its lowest PID, else a mount. */
static int ns_entry_open(const struct scan_state *st, size_t index)
{
	const struct ns_entry *entry = &st->scan->entries[index];
	uint32_t mount = st->entry_mount[index];
	char path[64];
	int fd = -1;

	if (entry->lowest_pid) {
		snprintf(path, sizeof(path), "%d/ns/%s", (int)entry->lowest_pid,
			 ns_type_names[entry->type]);
		fd = ns_open_checked(st->proc_fd, path, entry->inode);
	}
	if (fd < 0 && mount != NO_MOUNT)
		fd = ns_open_checked(AT_FDCWD, st->scan->mounts[mount].path,
				     entry->inode);
	return fd;
}

/* Fills owner, parent and owner UID where the kernel will tell us. */
static void ns_entry_query(const struct scan_state *st, size_t index)
{
	struct ns_entry *entry = &st->scan->entries[index];
	uid_t uid;
	int fd;

	fd = ns_entry_open(st, index);
	if (fd < 0)
		return;
	entry->owner_userns = ns_ioctl_inode(fd, NS_GET_USERNS);
	if (entry->type == NS_TYPE_PID || entry->type == NS_TYPE_USER)
		entry->parent = ns_ioctl_inode(fd, NS_GET_PARENT);
	if (entry->type == NS_TYPE_USER && !ioctl(fd, NS_GET_OWNER_UID, &uid)) {
		entry->has_owner_uid = true;
		entry->owner_uid = uid;
	}
	close(fd);
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

int ns_scan_run(const char *procfs, struct ns_scan **out)
{
	struct scan_state st = {.proc_fd = -1};
	size_t i;
	int err;

	st.procfs = procfs;
	st.scan = calloc(1, sizeof(*st.scan));
	if (!st.scan)
		return -ENOMEM;
	st.proc_fd = open(procfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st.proc_fd < 0) {
		err = -errno;
		goto out;
	}
	err = scan_processes(&st);
	if (!err)
		err = scan_mounts(&st);
	if (!err)
		err = scan_entries_build(&st);
	if (err)
		goto out;
	for (i = 0; i < st.scan->n_entries; i++)
		ns_entry_query(&st, i);
	scan_max_read(&st);
	*out = st.scan;
	st.scan = NULL;
out:
	if (st.proc_fd >= 0)
		close(st.proc_fd);
	free(st.procs);
	free(st.refs);
	free(st.entry_mount);
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
	free(scan->entries);
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

const struct ns_scan *scrape_ns_scan(struct scrape *scrape)
{
	const char *procfs = "/proc";

	if (scrape->ns_scan_done)
		return scrape->ns_scan;
	if (scrape->config && scrape->config->procfs)
		procfs = scrape->config->procfs;
	scrape->ns_scan_err = ns_scan_run(procfs, &scrape->ns_scan);
	scrape->ns_scan_done = true;
	if (scrape->ns_scan_err)
		scrape->ns_scan = NULL;
	return scrape->ns_scan;
}
