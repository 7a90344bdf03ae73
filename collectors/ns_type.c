/* SPDX-License-Identifier: Apache-2.0 */
/* Collect and render for the per-type namespace collectors. */
#include "ns_type.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Entries written per piece of the per-namespace families. */
#define NS_TYPE_CHUNK 256

/* What one per-type collector keeps: its type, and the scrape's scan. */
struct ns_type_data {
	enum ns_type type;
	const struct ns_scan *scan;
};

/* The render steps, one family each, in page order. */
enum ns_type_step {
	STEP_IN_USE,
	STEP_MAX,
	STEP_PROCESSES,
	STEP_INFO,
	STEP_HOLDERS,
	STEP_MOUNT_INFO,
	STEP_HOLDER_INFO,
	STEP_ORPHANED,
	STEP_USER_IN_USE,
	STEP_USER_CHARGED,
	STEP_USER_MAX,
	STEP_SCAN_PROCESSES,
	STEP_SCAN_SKIPPED,
	STEP_SCAN_FD_TABLES_SKIPPED,
	STEP_SCAN_UNRESOLVED,
	STEP_COUNT,
};

/* Sample names and HELP texts, indexed by step. */
static const char *const family_names[STEP_COUNT] = {
	[STEP_IN_USE] = "namespace_in_use",
	[STEP_MAX] = "namespace_max",
	[STEP_PROCESSES] = "namespace_processes",
	[STEP_INFO] = "namespace_info",
	[STEP_HOLDERS] = "namespace_holders",
	[STEP_MOUNT_INFO] = "namespace_mount_info",
	[STEP_HOLDER_INFO] = "namespace_holder_info",
	[STEP_ORPHANED] = "namespace_orphaned",
	[STEP_USER_IN_USE] = "namespace_user_in_use",
	[STEP_USER_CHARGED] = "namespace_user_charged",
	[STEP_USER_MAX] = "namespace_user_max",
	[STEP_SCAN_PROCESSES] = "namespace_scan_processes",
	[STEP_SCAN_SKIPPED] = "namespace_scan_processes_skipped",
	[STEP_SCAN_FD_TABLES_SKIPPED] = "namespace_scan_fd_tables_skipped",
	[STEP_SCAN_UNRESOLVED] = "namespace_scan_holders_unresolved",
};

static const char *const family_help[STEP_COUNT] = {
	[STEP_IN_USE] =
		"Namespaces of the type that exist, held by a process, an nsfs bind mount, an open nsfs file or a socket.",
	[STEP_MAX] =
		"Limit on namespaces of the type per user in each user namespace, from /proc/sys/user/max_<type>_namespaces.",
	[STEP_PROCESSES] =
		"Processes (thread groups) in the namespace; 0 when only mounts, open nsfs files or sockets hold it (see namespace_holders).",
	[STEP_INFO] =
		"A namespace as lsns shows it: lowest PID, its command and cgroup (the v2 path, else v1 name=systemd, else the lowest v1 hierarchy, a root \"/\" last; relative to the exporter's cgroup namespace), whether initial, owning user namespace, parent and owner UID; a label is empty when unknown or none.",
	[STEP_HOLDERS] =
		"References keeping the namespace alive, by holder: process (processes in it), mount (nsfs bind mounts), fd (open nsfs files held by processes) and socket (sockets made in it held by processes outside it, with --collector.net.socket-holders). A holder with none is left out; the exporter's own descriptors are never counted.",
	[STEP_MOUNT_INFO] =
		"An nsfs bind mount of the namespace in the exporter's mount namespace, by mount point.",
	[STEP_HOLDER_INFO] =
		"A process that holds the namespace through open nsfs files (holder=fd) or sockets (holder=socket), and its command.",
	[STEP_ORPHANED] =
		"1 for a namespace with no process in it, kept alive only by what held_by names: mount (an nsfs bind mount), or, with no mount left, fd or socket (a descriptor or socket of a process outside it). Absent while a process is in it.",
	[STEP_USER_IN_USE] =
		"Namespaces of the type owned by user namespace userns (NS_GET_USERNS), whose owner is owner_uid. The kernel charges each to its creator in userns and, for the owner of each user namespace on the way up, in every ancestor; a network namespace being torn down still counts there for a while but is no longer visible here.",
	[STEP_USER_CHARGED] =
		"Namespaces of the type the kernel charges in user namespace userns to uid for the child user namespaces uid owns (their whole subtrees; for type user the children themselves too): compare with namespace_user_max of userns. What uid created directly in userns is charged too, but no creator is recorded where the exporter can read it; namespaces being torn down still count.",
	[STEP_USER_MAX] =
		"Limit per user on namespaces of the type in user namespace userns, its /proc/sys/user/max_<type>_namespaces read from inside it; absent where the exporter cannot enter it (its own ancestors, or without CAP_SYS_ADMIN over it).",
	[STEP_SCAN_PROCESSES] =
		"Processes whose namespace links this scrape's scan read.",
	[STEP_SCAN_SKIPPED] =
		"Processes this scrape's scan skipped because they exited or their namespace links were unreadable; nonzero means a partial view.",
	[STEP_SCAN_FD_TABLES_SKIPPED] =
		"Processes whose descriptor table (/proc/PID/fd) this scrape's scan could not read (exited, or access refused); what they hold is missing from namespace_holders.",
	[STEP_SCAN_UNRESOLVED] =
		"Open nsfs files whose namespace type, and sockets whose network namespace, this scrape's scan could not learn; they are missing from namespace_holders.",
};

static enum metric_type family_type(enum ns_type_step step)
{
	switch (step) {
	case STEP_INFO:
	case STEP_MOUNT_INFO:
	case STEP_HOLDER_INFO:
		return METRIC_INFO;
	default:
		return METRIC_GAUGE;
	}
}

static void family_header(struct outbuf *out, enum ns_type_step step)
{
	exposition_family(out, family_names[step], family_type(step), NULL,
			  family_help[step]);
}

/* The members of a group that have something to show. */
struct ns_group {
	const struct ns_scan *scan;
	enum ns_type types[NS_TYPE_COUNT];
	size_t n_types;
	bool has_type[NS_TYPE_COUNT];
};

static bool ns_type_render(const void *data, size_t *cursor, struct outbuf *out)
{
	const struct collector_result self = {.data = (void *)data};
	const struct collector_result *const members[] = {&self};

	return ns_type_render_group(members, 1, cursor, out);
}

int ns_type_collect(enum ns_type type, struct scrape *scrape,
		    struct collector_result *result)
{
	const struct ns_scan *scan = scrape_ns_scan(scrape);
	struct ns_type_data *data;

	if (!scan)
		return scrape->ns_scan_err ? scrape->ns_scan_err : -EIO;
	data = malloc(sizeof(*data));
	if (!data)
		return -ENOMEM;
	data->type = type;
	data->scan = scan;
	result->data = data;
	result->render = ns_type_render;
	result->free = free;
	return 0;
}

/*
 * Gathers the members' types, in member order, that the kernel supports.
 * Returns false when no member has a result (every collect failed).
 */
static bool ns_group_init(struct ns_group *group,
			  const struct collector_result *const *members,
			  size_t n_members)
{
	const struct ns_type_data *data;
	size_t i;

	memset(group, 0, sizeof(*group));
	for (i = 0; i < n_members; i++) {
		data = members[i]->data;
		if (!data)
			continue;
		/* one scrape, one scan: every member points at the same */
		if (!group->scan)
			group->scan = data->scan;
		if (data->scan->type_supported[data->type] &&
		    group->n_types < NS_TYPE_COUNT &&
		    !group->has_type[data->type]) {
			group->types[group->n_types++] = data->type;
			group->has_type[data->type] = true;
		}
	}
	return group->scan;
}

static void put_sample(struct outbuf *out, const char *name,
		       const struct outbuf *labels, uint64_t value)
{
	if (labels->err && !out->err)
		out->err = labels->err;
	exposition_sample_raw_u64(out, name, labels->data, labels->len, value);
}

static void render_in_use(const struct ns_group *group, struct outbuf *out,
			  struct outbuf *labels)
{
	size_t i, count;

	if (!group->n_types)
		return;
	family_header(out, STEP_IN_USE);
	for (i = 0; i < group->n_types; i++) {
		ns_scan_type_entries(group->scan, group->types[i], &count);
		outbuf_clear(labels);
		labels_append(labels, "type", ns_type_names[group->types[i]]);
		put_sample(out, family_names[STEP_IN_USE], labels, count);
	}
}

static void render_max(const struct ns_group *group, struct outbuf *out,
		       struct outbuf *labels)
{
	bool header = false;
	long long max;
	size_t i;

	for (i = 0; i < group->n_types; i++) {
		max = group->scan->max[group->types[i]];
		if (max < 0)
			continue;
		if (!header)
			family_header(out, STEP_MAX);
		header = true;
		outbuf_clear(labels);
		labels_append(labels, "type", ns_type_names[group->types[i]]);
		put_sample(out, family_names[STEP_MAX], labels, (uint64_t)max);
	}
}

static void render_processes_one(const struct ns_entry *entry,
				 struct outbuf *out, struct outbuf *labels)
{
	outbuf_clear(labels);
	labels_append(labels, "type", ns_type_names[entry->type]);
	labels_append_u64(labels, "inode", entry->inode);
	put_sample(out, family_names[STEP_PROCESSES], labels, entry->processes);
}

/* Appends name="value", or name="" when value is 0 (unknown or none). */
static void labels_append_u64_known(struct outbuf *labels, const char *name,
				    uint64_t value)
{
	if (value)
		labels_append_u64(labels, name, value);
	else
		labels_append(labels, name, "");
}

static void render_info_one(const struct ns_entry *entry, struct outbuf *out,
			    struct outbuf *labels)
{
	outbuf_clear(labels);
	labels_append(labels, "type", ns_type_names[entry->type]);
	labels_append_u64(labels, "inode", entry->inode);
	labels_append_u64_known(labels, "pid", (uint64_t)entry->lowest_pid);
	labels_append(labels, "command", entry->command);
	labels_append(labels, "initial", entry->initial ? "true" : "false");
	labels_append_u64_known(labels, "owner_userns", entry->owner_userns);
	labels_append_u64_known(labels, "parent", entry->parent);
	if (entry->has_owner_uid)
		labels_append_u64(labels, "owner_uid", entry->owner_uid);
	else
		labels_append(labels, "owner_uid", "");
	labels_append(labels, "cgroup", entry->cgroup ? entry->cgroup : "");
	put_sample(out, family_names[STEP_INFO], labels, 1);
}

/* type and inode labels, the start of most rows below */
static void labels_namespace(struct outbuf *labels, enum ns_type type,
			     uint64_t inode)
{
	outbuf_clear(labels);
	labels_append(labels, "type", ns_type_names[type]);
	labels_append_u64(labels, "inode", inode);
}

/*
 * A row writer: writes row i of a list family (possibly several lines,
 * possibly none, when the row's type is not in the group) and returns the
 * number of lines written.
 */
typedef size_t (*row_writer)(const struct ns_group *group, size_t i,
			     struct outbuf *out, struct outbuf *labels);

static size_t row_holders(const struct ns_group *group, size_t i,
			  struct outbuf *out, struct outbuf *labels)
{
	const struct ns_entry *entry = &group->scan->entries[i];
	const uint32_t counts[NS_HOLDER_COUNT] = {
		[NS_HOLDER_PROCESS] = entry->processes,
		[NS_HOLDER_MOUNT] = entry->mounts,
		[NS_HOLDER_FD] = entry->fds,
		[NS_HOLDER_SOCKET] = entry->sockets,
	};
	size_t kind, written = 0, base;

	if (!group->has_type[entry->type])
		return 0;
	labels_namespace(labels, entry->type, entry->inode);
	base = labels->len;
	for (kind = 0; kind < NS_HOLDER_COUNT; kind++) {
		if (!counts[kind])
			continue;
		labels->len = base;
		labels_append(labels, "holder", ns_holder_names[kind]);
		put_sample(out, family_names[STEP_HOLDERS], labels,
			   counts[kind]);
		written++;
	}
	return written;
}

static size_t row_mount_info(const struct ns_group *group, size_t i,
			     struct outbuf *out, struct outbuf *labels)
{
	const struct ns_mount *mount = &group->scan->mounts[i];

	if (!group->has_type[mount->type])
		return 0;
	labels_namespace(labels, mount->type, mount->inode);
	labels_append(labels, "path", mount->path);
	put_sample(out, family_names[STEP_MOUNT_INFO], labels, 1);
	return 1;
}

static size_t row_holder_info(const struct ns_group *group, size_t i,
			      struct outbuf *out, struct outbuf *labels)
{
	const struct ns_holder *holder = &group->scan->holders[i];

	if (!group->has_type[holder->type])
		return 0;
	labels_namespace(labels, holder->type, holder->inode);
	labels_append(labels, "holder", ns_holder_names[holder->kind]);
	labels_append_u64(labels, "pid", (uint64_t)holder->pid);
	labels_append(labels, "command", holder->command);
	put_sample(out, family_names[STEP_HOLDER_INFO], labels, 1);
	return 1;
}

static size_t row_orphaned(const struct ns_group *group, size_t i,
			   struct outbuf *out, struct outbuf *labels)
{
	const struct ns_entry *entry = &group->scan->entries[i];
	const char *held_by;

	if (!group->has_type[entry->type] || entry->processes)
		return 0;
	if (entry->mounts)
		held_by = ns_holder_names[NS_HOLDER_MOUNT];
	else if (entry->fds)
		held_by = ns_holder_names[NS_HOLDER_FD];
	else
		held_by = ns_holder_names[NS_HOLDER_SOCKET];
	labels_namespace(labels, entry->type, entry->inode);
	labels_append(labels, "held_by", held_by);
	put_sample(out, family_names[STEP_ORPHANED], labels, 1);
	return 1;
}

/* type, userns and owner_uid labels of a user namespace's rows */
static void labels_userns(struct outbuf *labels, enum ns_type type,
			  const struct ns_user_usage *user)
{
	outbuf_clear(labels);
	labels_append(labels, "type", ns_type_names[type]);
	labels_append_u64(labels, "userns", user->userns);
	if (user->has_owner_uid)
		labels_append_u64(labels, "owner_uid", user->owner_uid);
	else
		labels_append(labels, "owner_uid", "");
}

/* Rows of one user namespace: in use (when any) or limits (when read). */
static size_t row_user(const struct ns_group *group, size_t i,
		       struct outbuf *out, struct outbuf *labels,
		       enum ns_type_step step)
{
	const struct ns_user_usage *user = &group->scan->users[i];
	enum ns_type type;
	size_t t, written = 0;

	for (t = 0; t < group->n_types; t++) {
		type = group->types[t];
		if (step == STEP_USER_IN_USE ? !user->in_use[type]
					     : user->max[type] < 0)
			continue;
		labels_userns(labels, type, user);
		put_sample(out, family_names[step], labels,
			   step == STEP_USER_IN_USE
				   ? user->in_use[type]
				   : (uint64_t)user->max[type]);
		written++;
	}
	return written;
}

static size_t row_user_in_use(const struct ns_group *group, size_t i,
			      struct outbuf *out, struct outbuf *labels)
{
	return row_user(group, i, out, labels, STEP_USER_IN_USE);
}

static size_t row_user_max(const struct ns_group *group, size_t i,
			   struct outbuf *out, struct outbuf *labels)
{
	return row_user(group, i, out, labels, STEP_USER_MAX);
}

static size_t row_user_charged(const struct ns_group *group, size_t i,
			       struct outbuf *out, struct outbuf *labels)
{
	const struct ns_user_charge *charge = &group->scan->charges[i];
	enum ns_type type;
	size_t t, written = 0;

	for (t = 0; t < group->n_types; t++) {
		type = group->types[t];
		if (!charge->count[type])
			continue;
		outbuf_clear(labels);
		labels_append(labels, "type", ns_type_names[type]);
		labels_append_u64(labels, "userns", charge->userns);
		labels_append_u64(labels, "uid", charge->uid);
		put_sample(out, family_names[STEP_USER_CHARGED], labels,
			   charge->count[type]);
		written++;
	}
	return written;
}

/* How each list family is written: its rows and how many there are. */
static void list_of(const struct ns_group *group, enum ns_type_step step,
		    row_writer *writer, size_t *n_rows)
{
	const struct ns_scan *scan = group->scan;

	switch (step) {
	case STEP_HOLDERS:
		*writer = row_holders;
		*n_rows = scan->n_entries;
		break;
	case STEP_MOUNT_INFO:
		*writer = row_mount_info;
		*n_rows = scan->n_mounts;
		break;
	case STEP_HOLDER_INFO:
		*writer = row_holder_info;
		*n_rows = scan->n_holders;
		break;
	case STEP_ORPHANED:
		*writer = row_orphaned;
		*n_rows = scan->n_entries;
		break;
	case STEP_USER_IN_USE:
		*writer = row_user_in_use;
		*n_rows = scan->n_users;
		break;
	case STEP_USER_CHARGED:
		*writer = row_user_charged;
		*n_rows = scan->n_charges;
		break;
	default:
		*writer = row_user_max;
		*n_rows = scan->n_users;
		break;
	}
}

/*
 * Writes rows of a list family from *pos on until NS_TYPE_CHUNK lines are
 * out or the rows end. *pos is twice the next row, plus 1 once the
 * family's header is out (a row may write nothing, so the header cannot
 * be told from the row number). Returns true when the family is complete.
 */
static bool render_list(const struct ns_group *group, enum ns_type_step step,
			size_t *pos, struct outbuf *out, struct outbuf *labels)
{
	size_t row = *pos / 2, written = 0, n_rows, mark, lines;
	bool header = *pos % 2;
	row_writer writer;

	list_of(group, step, &writer, &n_rows);
	for (; row < n_rows && written < NS_TYPE_CHUNK; row++) {
		mark = out->len;
		if (!header)
			family_header(out, step);
		lines = writer(group, row, out, labels);
		if (!lines) {
			/* nothing to say for this row: take the header back */
			out->len = mark;
			continue;
		}
		header = true;
		written += lines;
	}
	*pos = row * 2 + header;
	return row >= n_rows;
}

/*
 * Writes up to NS_TYPE_CHUNK entries of a per-namespace family, starting
 * *pos entries into the group's types taken in order, and advances *pos.
 * Returns true when the family is complete.
 */
static bool render_entries(const struct ns_group *group, enum ns_type_step step,
			   size_t *pos, struct outbuf *out,
			   struct outbuf *labels)
{
	const struct ns_entry *entries;
	size_t skip = *pos, written = 0, i, j, count;

	for (i = 0; i < group->n_types; i++) {
		entries = ns_scan_type_entries(group->scan, group->types[i],
					       &count);
		if (skip >= count) {
			skip -= count;
			continue;
		}
		if (!*pos && !written)
			family_header(out, step);
		for (j = skip; j < count; j++) {
			if (written == NS_TYPE_CHUNK) {
				*pos += written;
				return false;
			}
			if (step == STEP_PROCESSES)
				render_processes_one(&entries[j], out, labels);
			else
				render_info_one(&entries[j], out, labels);
			written++;
		}
		skip = 0;
	}
	*pos += written;
	return true;
}

static void render_scan(const struct ns_group *group, enum ns_type_step step,
			struct outbuf *out)
{
	const struct ns_scan *scan = group->scan;
	uint64_t value;

	switch (step) {
	case STEP_SCAN_PROCESSES:
		value = scan->processes_scanned;
		break;
	case STEP_SCAN_SKIPPED:
		value = scan->processes_skipped;
		break;
	case STEP_SCAN_FD_TABLES_SKIPPED:
		/* no descriptor was looked at: nothing to say */
		if (!scan->fd_holders_scanned)
			return;
		value = scan->fd_tables_skipped;
		break;
	default:
		if (!scan->fd_holders_scanned)
			return;
		value = scan->holders_unresolved;
		break;
	}
	family_header(out, step);
	exposition_sample_raw_u64(out, family_names[step], NULL, 0, value);
}

/* Writes (part of) one family; returns true when the family is done. */
static bool render_step(const struct ns_group *group, enum ns_type_step step,
			size_t *pos, struct outbuf *out, struct outbuf *labels)
{
	switch (step) {
	case STEP_IN_USE:
		render_in_use(group, out, labels);
		return true;
	case STEP_MAX:
		render_max(group, out, labels);
		return true;
	case STEP_PROCESSES:
	case STEP_INFO:
		return render_entries(group, step, pos, out, labels);
	case STEP_HOLDERS:
	case STEP_MOUNT_INFO:
	case STEP_HOLDER_INFO:
	case STEP_ORPHANED:
	case STEP_USER_IN_USE:
	case STEP_USER_CHARGED:
	case STEP_USER_MAX:
		return render_list(group, step, pos, out, labels);
	default:
		render_scan(group, step, out);
		return true;
	}
}

/* The most rows any family of the group has. */
static size_t ns_group_rows(const struct ns_group *group)
{
	const struct ns_scan *scan = group->scan;
	size_t rows = scan->n_entries;

	if (scan->n_mounts > rows)
		rows = scan->n_mounts;
	if (scan->n_holders > rows)
		rows = scan->n_holders;
	if (scan->n_users > rows)
		rows = scan->n_users;
	if (scan->n_charges > rows)
		rows = scan->n_charges;
	return rows;
}

bool ns_type_render_group(const struct collector_result *const *members,
			  size_t n_members, size_t *cursor, struct outbuf *out)
{
	struct outbuf labels;
	struct ns_group group;
	size_t stride, step, pos, start_len = out->len;
	bool done;

	if (!ns_group_init(&group, members, n_members))
		return false;
	/*
	 * the cursor is step * stride + the step's position: entries
	 * written so far, or twice the next row plus a header bit
	 */
	stride = 2 * (ns_group_rows(&group) + 1);
	step = *cursor / stride;
	pos = *cursor % stride;
	outbuf_init(&labels, out->format);
	while (step < STEP_COUNT) {
		done = render_step(&group, (enum ns_type_step)step, &pos, out,
				   &labels);
		if (done) {
			step++;
			pos = 0;
		}
		/* an empty family (no limit readable) takes no piece */
		if (!done || out->len != start_len || out->err)
			break;
	}
	outbuf_release(&labels);
	*cursor = step * stride + pos;
	return step < STEP_COUNT;
}
