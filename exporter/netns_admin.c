// SPDX-License-Identifier: Apache-2.0
/*
 * `ip netns add/attach/delete/list` as library calls, step for step what
 * iproute2 6.1 does (checked with strace), with two differences that only
 * make failures cleaner: a failed create removes its empty file, and the new
 * namespace is made on a short-lived thread, so no serving thread ever
 * leaves the exporter's network namespace.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/magic.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

#include "array.h"
#include "json.h"
#include "log.h"
#include "netns_admin.h"
#include "ns_scan_parse.h"
#include "rtnl.h"

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

static void fail_set(struct netns_admin_failure *fail,
		     enum netns_admin_step step, int err, const char *reason)
{
	if (fail) {
		fail->step = step;
		fail->err = err;
		fail->reason = reason;
	}
}

static bool is_dot_or_dotdot(const char *name)
{
	return !strcmp(name, ".") || !strcmp(name, "..");
}

int netns_admin_name_check_create(const char *name, const char **reason)
{
	size_t len = strlen(name), i;

	if (!len) {
		*reason = "the name is empty";
		return -EINVAL;
	}
	if (len > NETNS_ADMIN_NAME_MAX) {
		*reason = "the name is longer than 64 characters";
		return -ENAMETOOLONG;
	}
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-')) {
			*reason =
				"the name may only hold A-Z, a-z, 0-9, '.', '_' and '-'";
			return -EINVAL;
		}
	}
	if (is_dot_or_dotdot(name)) {
		*reason = "the name may not be . or ..";
		return -EINVAL;
	}
	return 0;
}

/* iproute2's own rule (invalid_name() in ip/ipnetns.c). */
int netns_admin_name_check_any(const char *name, const char **reason)
{
	size_t len = strlen(name);

	if (!len) {
		*reason = "the name is empty";
		return -EINVAL;
	}
	if (len > NAME_MAX) {
		*reason = "the name is longer than 255 bytes";
		return -ENAMETOOLONG;
	}
	if (strchr(name, '/')) {
		*reason = "the name may not contain '/'";
		return -EINVAL;
	}
	if (is_dot_or_dotdot(name)) {
		*reason = "the name may not be . or ..";
		return -EINVAL;
	}
	return 0;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int netns_admin_name_decode(const char *raw, size_t raw_len, char *out,
			    size_t out_size, const char **reason)
{
	size_t i, n = 0;
	int hi, lo;
	char c;

	for (i = 0; i < raw_len; i++) {
		c = raw[i];
		if (c == '%') {
			hi = raw_len - i >= 3 ? hex_value(raw[i + 1]) : -1;
			lo = raw_len - i >= 3 ? hex_value(raw[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				*reason =
					"malformed percent-encoding in the name";
				return -EINVAL;
			}
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (c == '\0') {
			*reason = "the name contains a NUL byte";
			return -EINVAL;
		}
		if (n + 1 >= out_size) {
			*reason = "the name is longer than 255 bytes";
			return -ENAMETOOLONG;
		}
		out[n++] = c;
	}
	out[n] = '\0';
	return netns_admin_name_check_any(out, reason);
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* The value of "pid": a positive integer no larger than INT_MAX. */
static const char *parse_pid(const char *p, const char *end, pid_t *pid)
{
	long long value = 0;
	const char *start = p;

	while (p < end && *p >= '0' && *p <= '9' && p - start < 11)
		value = value * 10 + (*p++ - '0');
	if (p == start || (p < end && *p >= '0' && *p <= '9') || value < 1 ||
	    value > INT_MAX)
		return NULL;
	*pid = (pid_t)value;
	return p;
}

int netns_admin_parse_body(const char *body, size_t len, pid_t *pid,
			   const char **reason)
{
	static const char key[] = "\"pid\"";
	const char *end = body + len, *p;

	*pid = 0;
	p = skip_space(body, end);
	if (p == end)
		return 0;
	*reason = "the body must be empty, {} or {\"pid\": N}";
	if (*p++ != '{')
		return -EINVAL;
	p = skip_space(p, end);
	if (p < end && *p == '}')
		return skip_space(p + 1, end) == end ? 0 : -EINVAL;
	if ((size_t)(end - p) < sizeof(key) - 1 ||
	    memcmp(p, key, sizeof(key) - 1))
		return -EINVAL;
	p = skip_space(p + sizeof(key) - 1, end);
	if (p == end || *p++ != ':')
		return -EINVAL;
	p = parse_pid(skip_space(p, end), end, pid);
	if (!p) {
		*reason = "pid must be a positive integer";
		*pid = 0;
		return -EINVAL;
	}
	p = skip_space(p, end);
	if (p == end || *p++ != '}' || skip_space(p, end) != end) {
		*pid = 0;
		return -EINVAL;
	}
	return 0;
}

int netns_admin_http_status(const struct netns_admin_failure *fail)
{
	enum netns_admin_step step = fail->step;

	switch (-fail->err) {
	case EEXIST:
		return step == NETNS_STEP_FILE ? 409 : 500;
	case ENOENT:
	case ESRCH:
		/* no such process (attach) or no such name (delete) */
		return step == NETNS_STEP_PROCESS || step == NETNS_STEP_REMOVE
			       ? 404
			       : 500;
	case EINVAL:
	case ENAMETOOLONG:
		return step == NETNS_STEP_NAME ? 400 : 500;
	case EBUSY:
	case ENOTEMPTY:
	case EISDIR:
		/* the entry is in a state that keeps it, e.g. a stacked mount
		 */
		return 409;
	case ENOSPC:
	case EUSERS:
	case EAGAIN:
	case ENOMEM:
	case EMFILE:
	case ENFILE:
	case EDQUOT:
		/* the kernel refuses for now: a limit or a resource */
		return 503;
	case EPERM:
	case EACCES:
		/* refusing a new namespace is a limit; anywhere else a fault */
		return step == NETNS_STEP_UNSHARE ? 503 : 500;
	default:
		return 500;
	}
}

static const char *const step_texts[] = {
	[NETNS_STEP_NONE] = "",
	[NETNS_STEP_NAME] = "invalid request",
	[NETNS_STEP_DIR] = "cannot create or open the netns directory",
	[NETNS_STEP_SHARE] =
		"cannot make the netns directory a shared mount point",
	[NETNS_STEP_FILE] = "cannot create the netns entry",
	[NETNS_STEP_UNSHARE] = "cannot create a network namespace",
	[NETNS_STEP_BIND] =
		"cannot bind-mount the network namespace onto the entry",
	[NETNS_STEP_PROCESS] =
		"cannot open the network namespace of the process",
	[NETNS_STEP_REMOVE] = "cannot remove the netns entry",
	[NETNS_STEP_LIST] = "cannot read the netns directory",
};

void netns_admin_error_text(const struct netns_admin_failure *fail, char *buf,
			    size_t len)
{
	const char *detail = fail->reason ? fail->reason : strerror(-fail->err);

	if (fail->step == NETNS_STEP_REMOVE && fail->err == -EBUSY)
		detail =
			"Device or resource busy: another mount is stacked on the entry; the top one was detached and the name still exists";
	else if (fail->step == NETNS_STEP_FILE && fail->err == -EEXIST)
		detail = "the name exists";
	else if (fail->step == NETNS_STEP_PROCESS && fail->err == -ENOENT)
		detail = "no such process";
	else if (fail->step == NETNS_STEP_REMOVE && fail->err == -ENOENT)
		detail = "no such netns";
	snprintf(buf, len, "%s: %s", step_texts[fail->step], detail);
}

static int entry_path(const struct netns_admin *admin, const char *name,
		      char *path, size_t len)
{
	int n = snprintf(path, len, "%s/%s", admin->dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/*
 * Makes the directory a shared mount point, once, under the flock that
 * iproute2 takes on it: racing first-time creates (ours or `ip netns add`)
 * would otherwise stack one self-bind each (Debian bug 949235).
 */
static int dir_prepare(const char *dir, struct netns_admin_failure *fail)
{
	bool made_mount = false;
	int lock, err = 0;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		err = -errno;
		fail_set(fail, NETNS_STEP_DIR, err, NULL);
		return err;
	}
	lock = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0) {
		err = -errno;
		fail_set(fail, NETNS_STEP_DIR, err, NULL);
		return err;
	}
	while (flock(lock, LOCK_EX) < 0 && errno == EINTR)
		;
	while (mount("", dir, "none", MS_SHARED | MS_REC, NULL) < 0) {
		/* EINVAL: not a mount point yet; bind it onto itself once */
		if (errno != EINVAL || made_mount ||
		    mount(dir, dir, "none", MS_BIND | MS_REC, NULL) < 0) {
			err = -errno;
			fail_set(fail, NETNS_STEP_SHARE, err, NULL);
			break;
		}
		made_mount = true;
	}
	flock(lock, LOCK_UN);
	close(lock);
	return err;
}

struct bind_job {
	const char *source; /* NULL: a new network namespace */
	const char *target;
	enum netns_admin_step step;
	int err;
};

static void *bind_job_run(void *arg)
{
	struct bind_job *job = arg;
	const char *source = job->source;

	if (!source) {
		/* this thread's netns only; the thread exits right after */
		if (unshare(CLONE_NEWNET) < 0) {
			job->err = -errno;
			job->step = NETNS_STEP_UNSHARE;
			return NULL;
		}
		source = "/proc/thread-self/ns/net";
	}
	if (mount(source, job->target, "none", MS_BIND, NULL) < 0) {
		job->err = -errno;
		job->step = NETNS_STEP_BIND;
	}
	return NULL;
}

/*
 * Runs the bind on a thread of its own, with every signal blocked so that
 * none is delivered to a thread that is about to vanish.
 */
static int bind_on_thread(struct bind_job *job)
{
	sigset_t all, old;
	pthread_t thread;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&thread, NULL, bind_job_run, job);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		job->err = -err;
		job->step = NETNS_STEP_UNSHARE;
		return job->err;
	}
	pthread_join(thread, NULL);
	return job->err;
}

static int create_name_check(const char *name, struct netns_admin_failure *fail)
{
	const char *reason;
	int err = netns_admin_name_check_create(name, &reason);

	if (err)
		fail_set(fail, NETNS_STEP_NAME, err, reason);
	return err;
}

/*
 * Held by this process's creates and deletes from the empty file to the
 * bind mount and from the unmount to the removal: a delete of a name that
 * a create is still mounting would remove the file under it, and the
 * create would fail halfway. `ip netns` takes no such lock, so a racing
 * `ip netns delete` can still do that (the create then answers 500).
 */
static pthread_mutex_t entry_change_lock = PTHREAD_MUTEX_INITIALIZER;

/* The common part of create and attach: directory, file, bind mount. */
static int entry_make(const struct netns_admin *admin, const char *name,
		      const char *source, struct netns_admin_failure *fail)
{
	struct bind_job job = {.source = source};
	char path[PATH_MAX], target[64];
	struct stat made, now;
	int fd, err;

	err = entry_path(admin, name, path, sizeof(path));
	if (!err)
		err = dir_prepare(admin->dir, fail);
	else
		fail_set(fail, NETNS_STEP_NAME, err, "the path is too long");
	if (err)
		return err;
	pthread_mutex_lock(&entry_change_lock);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		fail_set(fail, NETNS_STEP_FILE, err, NULL);
		goto out_unlock;
	}
	/*
	 * Mount on the file made here, through its descriptor, not on
	 * whatever the name leads to by then: an `ip netns delete` and `ip
	 * netns add` of the same name in between would otherwise get our
	 * namespace stacked on theirs. Gone meanwhile, the mount fails.
	 */
	snprintf(target, sizeof(target), "/proc/self/fd/%d", fd);
	job.target = target;
	err = bind_on_thread(&job);
	if (err) {
		fail_set(fail, job.step, err, NULL);
		/* nothing is mounted on it: the file is all there is to undo */
		if (!fstat(fd, &made) && !lstat(path, &now) &&
		    made.st_dev == now.st_dev && made.st_ino == now.st_ino)
			unlink(path);
	}
	close(fd);
out_unlock:
	pthread_mutex_unlock(&entry_change_lock);
	return err;
}

int netns_admin_create(const struct netns_admin *admin, const char *name,
		       struct netns_admin_failure *fail)
{
	int err = create_name_check(name, fail);

	return err ? err : entry_make(admin, name, NULL, fail);
}

int netns_admin_attach(const struct netns_admin *admin, const char *name,
		       pid_t pid, struct netns_admin_failure *fail)
{
	char proc_path[PATH_MAX], fd_path[64];
	int ns_fd, err;

	err = create_name_check(name, fail);
	if (err)
		return err;
	if (pid <= 0) {
		fail_set(fail, NETNS_STEP_NAME, -EINVAL,
			 "pid must be a positive integer");
		return -EINVAL;
	}
	snprintf(proc_path, sizeof(proc_path), "%s/%d/ns/net", admin->procfs,
		 (int)pid);
	/* hold the namespace itself: the pid may exit or be reused meanwhile */
	ns_fd = open(proc_path, O_RDONLY | O_CLOEXEC);
	if (ns_fd < 0) {
		err = -errno;
		fail_set(fail, NETNS_STEP_PROCESS, err, NULL);
		return err;
	}
	snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", ns_fd);
	err = entry_make(admin, name, fd_path, fail);
	close(ns_fd);
	return err;
}

int netns_admin_delete(const struct netns_admin *admin, const char *name,
		       struct netns_admin_failure *fail)
{
	char path[PATH_MAX];
	const char *reason;
	int err;

	err = netns_admin_name_check_any(name, &reason);
	if (!err && entry_path(admin, name, path, sizeof(path)) < 0) {
		err = -ENAMETOOLONG;
		reason = "the path is too long";
	}
	if (err) {
		fail_set(fail, NETNS_STEP_NAME, err, reason);
		return err;
	}
	/*
	 * As iproute2: a stale entry has nothing mounted, so the error is
	 * ignored. UMOUNT_NOFOLLOW keeps a symlink entry from unmounting
	 * whatever it points at.
	 */
	pthread_mutex_lock(&entry_change_lock);
	umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
	if (unlink(path) < 0) {
		err = -errno;
		fail_set(fail, NETNS_STEP_REMOVE, err, NULL);
	}
	pthread_mutex_unlock(&entry_change_lock);
	return err;
}

/*
 * Asks our netns which id it gives the netns behind ns_fd (RTM_GETNSID only
 * reads; we never send RTM_NEWNSID). *nsid is -1 when none is assigned.
 */
static int nsid_get(struct mnl_socket *nl, int ns_fd, int32_t *nsid)
{
	void *buf = malloc(MNL_SOCKET_DUMP_SIZE);
	int err;

	if (!buf)
		return -ENOMEM;
	err = rtnl_nsid_get(nl, ns_fd, buf, 0, nsid);
	free(buf);
	return err;
}

/*
 * Fills inode and nsid when the entry is an nsfs file. O_PATH opens
 * nothing (a FIFO or device left in the directory is not touched); the
 * netns file is reopened for reading only once fstatfs says it is one.
 */
static void entry_probe(int dir_fd, struct mnl_socket *nl,
			struct netns_admin_entry *entry)
{
	char fd_path[64];
	struct statfs sfs;
	struct stat st;
	int path_fd, ns_fd;

	path_fd = openat(dir_fd, entry->name, O_PATH | O_CLOEXEC);
	if (path_fd < 0)
		return; /* e.g. a dangling symlink: listed, not a netns */
	if (fstatfs(path_fd, &sfs) == 0 && sfs.f_type == NSFS_MAGIC &&
	    fstat(path_fd, &st) == 0) {
		entry->is_netns = true;
		entry->inode = st.st_ino;
	}
	if (entry->is_netns && nl) {
		snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", path_fd);
		ns_fd = open(fd_path, O_RDONLY | O_CLOEXEC);
		if (ns_fd >= 0) {
			entry->has_nsid =
				nsid_get(nl, ns_fd, &entry->nsid) == 0 &&
				entry->nsid >= 0;
			close(ns_fd);
		}
	}
	close(path_fd);
}

static int entry_compare(const void *a, const void *b)
{
	const struct netns_admin_entry *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int entries_read(DIR *dir, struct mnl_socket *nl,
			struct netns_admin_entry **entries, size_t *n_entries)
{
	struct netns_admin_entry *list = NULL, *grown;
	size_t n = 0, cap = 0;
	struct dirent *de;

	while ((errno = 0, de = readdir(dir))) {
		if (is_dot_or_dotdot(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(list, cap * sizeof(*list));
			if (!grown)
				goto out_free;
			list = grown;
		}
		memset(&list[n], 0, sizeof(list[n]));
		list[n].name = strdup(de->d_name);
		if (!list[n].name)
			goto out_free;
		entry_probe(dirfd(dir), nl, &list[n++]);
	}
	if (errno)
		goto out_free;
	if (n)
		array_sort(list, n, sizeof(*list), entry_compare);
	*entries = list;
	*n_entries = n;
	return 0;
out_free:
	netns_admin_entries_free(list, n);
	return errno ? -errno : -ENOMEM;
}

/* An rtnetlink socket for nsid queries, or NULL (ids are then left out). */
static struct mnl_socket *nsid_socket_open(void)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	int err;

	if (nl) {
		err = rtnl_setup(nl, 0);
		if (err) {
			mnl_socket_close(nl);
			nl = NULL;
			errno = -err;
		}
	}
	if (!nl)
		log_debug("cannot open rtnetlink; netns ids left out", "err",
			  strerror(errno), NULL);
	return nl;
}

int netns_admin_list(const struct netns_admin *admin,
		     struct netns_admin_entry **entries, size_t *n_entries,
		     struct netns_admin_failure *fail)
{
	struct mnl_socket *nl;
	DIR *dir;
	int err;

	*entries = NULL;
	*n_entries = 0;
	dir = opendir(admin->dir);
	if (!dir) {
		err = errno == ENOENT ? 0 : -errno; /* nothing made yet */
		if (err)
			fail_set(fail, NETNS_STEP_LIST, err, NULL);
		return err;
	}
	/* without netlink the list still has names and inodes */
	nl = nsid_socket_open();
	err = entries_read(dir, nl, entries, n_entries);
	if (err)
		fail_set(fail, NETNS_STEP_LIST, err, NULL);
	if (nl)
		mnl_socket_close(nl);
	closedir(dir);
	return err;
}

int netns_admin_lookup(const struct netns_admin *admin, const char *name,
		       struct netns_admin_entry *entry)
{
	struct mnl_socket *nl;
	struct stat st;
	int dir_fd, err = 0;

	memset(entry, 0, sizeof(*entry));
	dir_fd = open(admin->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0)
		return -errno;
	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		err = -errno;
		goto out_close;
	}
	entry->name = strdup(name);
	if (!entry->name) {
		err = -ENOMEM;
		goto out_close;
	}
	nl = nsid_socket_open();
	entry_probe(dir_fd, nl, entry);
	if (nl)
		mnl_socket_close(nl);
out_close:
	close(dir_fd);
	return err;
}

void netns_admin_entries_free(struct netns_admin_entry *entries, size_t n)
{
	size_t i;

	for (i = 0; entries && i < n; i++)
		free(entries[i].name);
	free(entries);
}

/* Percent-encodes all but RFC 3986's unreserved characters. */
static void url_name(struct outbuf *out, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)name;
	char esc[4] = {'%', 0, 0, 0};

	outbuf_putc(out, '"');
	for (; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p)) {
			outbuf_putc(out, (char)*p);
			continue;
		}
		esc[1] = hex[*p >> 4];
		esc[2] = hex[*p & 15];
		outbuf_puts(out, esc);
	}
	outbuf_putc(out, '"');
}

void netns_admin_entry_json(const struct netns_admin_entry *entry,
			    struct outbuf *out)
{
	outbuf_puts(out, "{\"name\":");
	json_string(out, entry->name, strlen(entry->name));
	outbuf_puts(out, ",\"url_name\":");
	url_name(out, entry->name);
	outbuf_puts(out, ",\"inode\":");
	if (entry->is_netns)
		outbuf_u64(out, entry->inode);
	else
		outbuf_puts(out, "null");
	outbuf_puts(out, ",\"nsid\":");
	if (entry->has_nsid)
		outbuf_i64(out, entry->nsid);
	else
		outbuf_puts(out, "null");
	outbuf_putc(out, '}');
}

void netns_admin_list_json(const struct netns_admin_entry *entries, size_t n,
			   struct outbuf *out)
{
	size_t i;

	outbuf_putc(out, '[');
	for (i = 0; i < n; i++) {
		outbuf_puts(out, i ? ",\n" : "\n");
		netns_admin_entry_json(&entries[i], out);
	}
	outbuf_puts(out, n ? "\n]\n" : "]\n");
}

/* Whether mount point point is path or one of its parents. */
static bool mount_covers(const char *point, const char *path)
{
	size_t len = strlen(point);

	if (!strcmp(point, "/"))
		return path[0] == '/';
	return !strncmp(point, path, len) &&
	       (path[len] == '\0' || path[len] == '/');
}

int netns_admin_dir_mount(const char *mountinfo, size_t len, const char *dir,
			  char *point, size_t point_size)
{
	const char *line = mountinfo, *end = mountinfo + len, *eol;
	char *candidate = malloc(point_size);
	size_t best_len = 0;
	int found = -ENOENT;
	bool shared;

	if (!candidate)
		return -ENOMEM;
	for (; line < end; line = eol + 1) {
		eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			eol = end;
		if (ns_mountinfo_propagation(line, (size_t)(eol - line),
					     candidate, point_size,
					     &shared) < 0 ||
		    !mount_covers(candidate, dir) ||
		    strlen(candidate) < best_len)
			continue;
		/* a longer mount point, or one stacked on the same: this one */
		best_len = strlen(candidate);
		strcpy(point, candidate);
		found = shared;
	}
	free(candidate);
	return found;
}

/* The whole of a small procfs file, NUL-terminated; NULL with errno set. */
static char *procfs_text(const char *path, size_t *len)
{
	FILE *file = fopen(path, "re");
	char *text = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!file)
		return NULL;
	n = getdelim(&text, &cap, '\0', file);
	fclose(file);
	if (n < 0) {
		free(text);
		return NULL;
	}
	*len = (size_t)n;
	return text;
}

/*
 * The inode of the host's mount namespace, that of kthreadd (PID 2, which
 * the kernel starts in the initial namespaces); 0 when procfs does not
 * show it (a PID namespace of our own) or we may not look.
 */
static uint64_t host_mnt_inode(const char *procfs)
{
	char path[PATH_MAX], comm[32] = "";
	struct stat st;
	FILE *file;

	snprintf(path, sizeof(path), "%s/2/comm", procfs);
	file = fopen(path, "re");
	if (!file)
		return 0;
	if (!fgets(comm, sizeof(comm), file))
		comm[0] = '\0';
	fclose(file);
	snprintf(path, sizeof(path), "%s/2/ns/mnt", procfs);
	if (strcmp(comm, "kthreadd\n") || stat(path, &st) < 0)
		return 0;
	return (uint64_t)st.st_ino;
}

void netns_admin_mount_check(const struct netns_admin *admin)
{
	char path[PATH_MAX], *mountinfo, *point = NULL;
	uint64_t host;
	struct stat own;
	size_t len = 0;
	int shared = -ENOENT;

	snprintf(path, sizeof(path), "%s/self/ns/mnt", admin->procfs);
	host = host_mnt_inode(admin->procfs);
	if (host && !stat(path, &own) && (uint64_t)own.st_ino == host) {
		log_debug("the admin API mounts in the host's mount namespace",
			  "dir", admin->dir, NULL);
		return;
	}
	snprintf(path, sizeof(path), "%s/self/mountinfo", admin->procfs);
	mountinfo = procfs_text(path, &len);
	if (mountinfo && (point = malloc(len + 1)))
		shared = netns_admin_dir_mount(mountinfo, len, admin->dir,
					       point, len + 1);
	if (shared == 1)
		log_info(
			"the admin API's mounts reach other mount namespaces through the shared mount the netns directory lies on",
			"dir", admin->dir, "mount", point, NULL);
	else
		log_warn(
			host ? "the exporter has a mount namespace of its own and the netns directory is not on a shared mount: namespaces the admin API creates stay invisible to `ip netns` on the host; run it in the host's mount namespace, or give the directory Bidirectional propagation"
			     : "the exporter cannot see the host's mount namespace and the netns directory is not on a shared mount: namespaces the admin API creates may stay invisible to `ip netns` on the host",
			"dir", admin->dir, "mount", point ? point : "", NULL);
	free(point);
	free(mountinfo);
}
