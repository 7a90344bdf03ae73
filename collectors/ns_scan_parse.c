/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsers for /proc stat lines, namespace links, mountinfo lines and
 * cgroup files, and the classification of open descriptors.
 */
#include "ns_scan_parse.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>

const char *const ns_type_names[NS_TYPE_COUNT] = {
	[NS_TYPE_CGROUP] = "cgroup", [NS_TYPE_IPC] = "ipc",
	[NS_TYPE_MNT] = "mnt",	     [NS_TYPE_NET] = "net",
	[NS_TYPE_PID] = "pid",	     [NS_TYPE_TIME] = "time",
	[NS_TYPE_USER] = "user",     [NS_TYPE_UTS] = "uts",
};

/* Index of the type called [name, name + len), or -EINVAL. */
static int ns_type_from_text(const char *name, size_t len)
{
	int i;

	for (i = 0; i < NS_TYPE_COUNT; i++) {
		if (strlen(ns_type_names[i]) == len &&
		    !memcmp(ns_type_names[i], name, len))
			return i;
	}
	return -EINVAL;
}

int ns_type_from_name(const char *name)
{
	return ns_type_from_text(name, strlen(name));
}

/*
 * Reads an unsigned decimal from [*p, end) into *value and advances *p.
 * Returns 0, or -EINVAL when no digit is there or the value passes max.
 */
static int parse_u64(const char **p, const char *end, uint64_t max,
		     uint64_t *value)
{
	const char *s = *p;
	uint64_t v = 0;

	if (s >= end || *s < '0' || *s > '9')
		return -EINVAL;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*p = s;
	*value = v;
	return 0;
}

/* Like parse_u64 after one space, for an int field that may be negative. */
static int parse_field_int(const char **p, const char *end, long long *value)
{
	const char *s = *p;
	bool negative = false;
	uint64_t v;

	if (s >= end || *s != ' ')
		return -EINVAL;
	s++;
	if (s < end && *s == '-') {
		negative = true;
		s++;
	}
	if (parse_u64(&s, end, (uint64_t)UINT_MAX, &v) < 0)
		return -EINVAL;
	*p = s;
	*value = negative ? -(long long)v : (long long)v;
	return 0;
}

/* Copies at most size - 1 bytes of src, backing off a cut UTF-8 character. */
static void copy_comm(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size) {
		len = size - 1;
		/* drop continuation bytes, then the lead byte they belong to */
		while (len && ((unsigned char)src[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
}

int ns_proc_stat_parse(const char *line, struct ns_proc_stat *out)
{
	const char *end = line + strlen(line);
	const char *p = line, *open, *close;
	long long ppid, ignored, flags;
	uint64_t pid;
	char state;
	int i;

	if (parse_u64(&p, end, INT_MAX, &pid) < 0 || !pid)
		return -EINVAL;
	if (end - p < 2 || p[0] != ' ' || p[1] != '(')
		return -EINVAL;
	open = p + 1;
	/* the command may contain ") ": only the last ')' ends it */
	close = strrchr(open, ')');
	if (!close || end - close < 3 || close[1] != ' ')
		return -EINVAL;
	state = close[2];
	p = close + 3;
	if (parse_field_int(&p, end, &ppid) < 0 || ppid < 0)
		return -EINVAL;
	/* pgrp, session, tty_nr, tpgid */
	for (i = 0; i < 4; i++) {
		if (parse_field_int(&p, end, &ignored) < 0)
			return -EINVAL;
	}
	if (parse_field_int(&p, end, &flags) < 0 || flags < 0)
		return -EINVAL;
	if (p < end && *p != ' ' && *p != '\n')
		return -EINVAL;

	out->pid = (pid_t)pid;
	out->state = state;
	out->ppid = (pid_t)ppid;
	out->flags = (unsigned int)flags;
	copy_comm(out->comm, sizeof(out->comm), open + 1,
		  (size_t)(close - open - 1));
	return 0;
}

int ns_pid_parse(const char *name, pid_t *pid)
{
	const char *p = name, *end = name + strlen(name);
	uint64_t value;

	if (parse_u64(&p, end, INT_MAX, &value) < 0 || p != end || !value)
		return -EINVAL;
	*pid = (pid_t)value;
	return 0;
}

int ns_fd_parse(const char *name, int *fd)
{
	const char *p = name, *end = name + strlen(name);
	uint64_t value;

	if (parse_u64(&p, end, INT_MAX, &value) < 0 || p != end)
		return -EINVAL;
	*fd = (int)value;
	return 0;
}

int ns_link_parse(const char *text, size_t len, enum ns_type *type,
		  uint64_t *inode)
{
	const char *colon = memchr(text, ':', len);
	const char *end = text + len, *p;
	uint64_t value;
	int t;

	if (!colon)
		return -EINVAL;
	t = ns_type_from_text(text, (size_t)(colon - text));
	if (t < 0)
		return -EINVAL;
	p = colon + 1;
	if (p >= end || *p != '[')
		return -EINVAL;
	p++;
	if (parse_u64(&p, end, UINT64_MAX, &value) < 0)
		return -EINVAL;
	if (end - p != 1 || *p != ']')
		return -EINVAL;
	*type = (enum ns_type)t;
	*inode = value;
	return 0;
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

size_t ns_mount_path_unescape(const char *in, size_t len, char *out)
{
	size_t i = 0, n = 0;

	while (i < len) {
		if (in[i] == '\\' && len - i >= 4 && in[i + 1] >= '0' &&
		    in[i + 1] <= '3' && is_octal(in[i + 2]) &&
		    is_octal(in[i + 3])) {
			out[n++] = (char)((in[i + 1] - '0') << 6 |
					  (in[i + 2] - '0') << 3 |
					  (in[i + 3] - '0'));
			i += 4;
		} else {
			out[n++] = in[i++];
		}
	}
	out[n] = '\0';
	return n;
}

/* Fields before the optional ones, and the most we look at in a line. */
#define MOUNTINFO_FIXED_FIELDS 6
#define MOUNTINFO_MAX_FIELDS 64

struct field {
	const char *text;
	size_t len;
};

static bool field_is(const struct field *f, const char *text)
{
	return f->len == strlen(text) && !memcmp(f->text, text, f->len);
}

static bool field_is_number(const struct field *f)
{
	const char *p = f->text;
	uint64_t value;

	return !parse_u64(&p, f->text + f->len, UINT64_MAX, &value) &&
	       p == f->text + f->len;
}

/* Splits at single spaces; returns the field count or -EINVAL. */
static int mountinfo_split(const char *line, size_t len, struct field *fields)
{
	const char *p = line, *end = line + len, *space;
	int n = 0;

	while (p < end) {
		if (n == MOUNTINFO_MAX_FIELDS)
			return -EINVAL;
		space = memchr(p, ' ', (size_t)(end - p));
		if (!space)
			space = end;
		/* an empty field is not what the kernel writes */
		if (space == p)
			return -EINVAL;
		fields[n].text = p;
		fields[n].len = (size_t)(space - p);
		n++;
		p = space + 1;
	}
	return n;
}

int ns_mountinfo_parse(const char *line, size_t len, enum ns_type *type,
		       uint64_t *inode, char *path, size_t path_size)
{
	struct field fields[MOUNTINFO_MAX_FIELDS];
	const struct field *root, *point;
	int n, sep;

	n = mountinfo_split(line, len, fields);
	if (n < MOUNTINFO_FIXED_FIELDS + 2)
		return -EINVAL;
	if (!field_is_number(&fields[0]) || !field_is_number(&fields[1]) ||
	    !memchr(fields[2].text, ':', fields[2].len))
		return -EINVAL;
	/* optional fields ("shared:1 master:2") run up to a lone "-" */
	for (sep = MOUNTINFO_FIXED_FIELDS; sep < n; sep++) {
		if (field_is(&fields[sep], "-"))
			break;
	}
	if (sep + 1 >= n)
		return -EINVAL;
	if (!field_is(&fields[sep + 1], "nsfs"))
		return 0;

	root = &fields[3];
	point = &fields[4];
	if (path_size < point->len + 1)
		return -EINVAL;
	if (ns_link_parse(root->text, root->len, type, inode) < 0)
		return -EINVAL;
	ns_mount_path_unescape(point->text, point->len, path);
	return 1;
}

int ns_mountinfo_propagation(const char *line, size_t len, char *path,
			     size_t path_size, bool *shared)
{
	struct field fields[MOUNTINFO_MAX_FIELDS];
	const struct field *point;
	int n, i;

	n = mountinfo_split(line, len, fields);
	if (n < MOUNTINFO_FIXED_FIELDS + 2 || !field_is_number(&fields[0]))
		return -EINVAL;
	point = &fields[4];
	if (path_size < point->len + 1)
		return -EINVAL;
	*shared = false;
	for (i = MOUNTINFO_FIXED_FIELDS; i < n && !field_is(&fields[i], "-");
	     i++)
		if (fields[i].len > 7 && !memcmp(fields[i].text, "shared:", 7))
			*shared = true;
	if (i >= n)
		return -EINVAL; /* no "-" before the file system type */
	ns_mount_path_unescape(point->text, point->len, path);
	return 0;
}

int ns_sysctl_parse(const char *text, long long *value)
{
	const char *p = text, *end = text + strlen(text);
	bool negative = false;
	uint64_t v;

	if (p < end && *p == '-') {
		negative = true;
		p++;
	}
	if (parse_u64(&p, end, (uint64_t)LLONG_MAX, &v) < 0)
		return -EINVAL;
	while (p < end && (*p == '\n' || *p == ' ' || *p == '\t'))
		p++;
	if (p != end)
		return -EINVAL;
	*value = negative ? -(long long)v : (long long)v;
	return 0;
}

enum ns_fd_class ns_fd_classify(dev_t dev, mode_t mode, dev_t nsfs_dev)
{
	if (S_ISSOCK(mode))
		return NS_FD_SOCKET;
	/* nsfs files are regular files on the nsfs device */
	if (dev == nsfs_dev && S_ISREG(mode))
		return NS_FD_NSFS;
	return NS_FD_OTHER;
}

static bool has_prefix(const char *text, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(text, prefix, n);
}

enum ns_fd_class ns_fd_link_classify(const char *text, size_t len)
{
	if (has_prefix(text, len, "socket:["))
		return NS_FD_SOCKET;
	if (has_prefix(text, len, "pipe:[") ||
	    has_prefix(text, len, "anon_inode:"))
		return NS_FD_OTHER;
	return NS_FD_UNKNOWN;
}

int ns_type_from_clone_flag(int flag)
{
	static const int flags[NS_TYPE_COUNT] = {
		[NS_TYPE_CGROUP] = CLONE_NEWCGROUP,
		[NS_TYPE_IPC] = CLONE_NEWIPC,
		[NS_TYPE_MNT] = CLONE_NEWNS,
		[NS_TYPE_NET] = CLONE_NEWNET,
		[NS_TYPE_PID] = CLONE_NEWPID,
		[NS_TYPE_TIME] = CLONE_NEWTIME,
		[NS_TYPE_USER] = CLONE_NEWUSER,
		[NS_TYPE_UTS] = CLONE_NEWUTS,
	};
	int i;

	for (i = 0; i < NS_TYPE_COUNT; i++) {
		if (flags[i] == flag)
			return i;
	}
	return -EINVAL;
}

/* The cgroup line ns_cgroup_parse picks, best so far. */
struct cgroup_pick {
	const char *path;
	size_t len;
	/*
	 * 0: v2, 1: name=systemd, 2: any v1 hierarchy; 3 more for the root
	 * "/", which says nothing where another line says more (a v1 host
	 * mounts the v2 hierarchy unused, and every process shows "0::/");
	 * CGROUP_RANK_NONE until a line is usable
	 */
	int rank;
	uint64_t id;
};

#define CGROUP_RANK_NONE 6

/*
 * Looks at one "ID:CONTROLLERS:PATH" line and keeps it in pick when it
 * ranks better. The path may itself contain ':', so it runs from the
 * second colon to the end of the line.
 */
static void cgroup_line_consider(const char *line, size_t len,
				 struct cgroup_pick *pick)
{
	const char *end = line + len, *p = line, *controllers, *colon;
	uint64_t id;
	int rank;

	if (parse_u64(&p, end, UINT64_MAX, &id) < 0 || p >= end || *p != ':')
		return;
	controllers = p + 1;
	colon = memchr(controllers, ':', (size_t)(end - controllers));
	if (!colon || colon + 1 >= end || colon[1] != '/')
		return;
	if (id == 0 && colon == controllers)
		rank = 0;
	else if ((size_t)(colon - controllers) == strlen("name=systemd") &&
		 !memcmp(controllers, "name=systemd", strlen("name=systemd")))
		rank = 1;
	else
		rank = 2;
	if (end - colon == 2)
		rank += 3;
	if (rank > pick->rank || (rank == pick->rank && id >= pick->id))
		return;
	pick->rank = rank;
	pick->id = id;
	pick->path = colon + 1;
	pick->len = (size_t)(end - pick->path);
}

int ns_cgroup_parse(const char *text, char *out, size_t size)
{
	struct cgroup_pick pick = {.rank = CGROUP_RANK_NONE, .id = UINT64_MAX};
	const char *line = text, *end = text + strlen(text), *next;

	for (; line < end; line = next + 1) {
		next = memchr(line, '\n', (size_t)(end - line));
		if (!next)
			next = end;
		cgroup_line_consider(line, (size_t)(next - line), &pick);
	}
	if (pick.rank == CGROUP_RANK_NONE)
		return -EINVAL;
	if (pick.len + 1 > size)
		return -ENAMETOOLONG;
	memcpy(out, pick.path, pick.len);
	out[pick.len] = '\0';
	return 0;
}
