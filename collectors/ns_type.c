/* SPDX-License-Identifier: Apache-2.0 */
/* Collect and render for the per-type namespace collectors. */
#include "ns_type.h"

#include <errno.h>
#include <stdlib.h>

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
	STEP_SCAN_PROCESSES,
	STEP_SCAN_SKIPPED,
	STEP_COUNT,
};

/* Sample names and HELP texts, indexed by step. */
static const char *const family_names[STEP_COUNT] = {
	[STEP_IN_USE] = "namespace_in_use",
	[STEP_MAX] = "namespace_max",
	[STEP_PROCESSES] = "namespace_processes",
	[STEP_INFO] = "namespace_info",
	[STEP_SCAN_PROCESSES] = "namespace_scan_processes",
	[STEP_SCAN_SKIPPED] = "namespace_scan_processes_skipped",
};

static const char *const family_help[STEP_COUNT] = {
	[STEP_IN_USE] =
		"Namespaces of the type that exist, held by a process or an nsfs bind mount.",
	[STEP_MAX] =
		"Limit on namespaces of the type per user in each user namespace, from /proc/sys/user/max_<type>_namespaces.",
	[STEP_PROCESSES] =
		"Processes (thread groups) in the namespace; 0 when only nsfs bind mounts hold it.",
	[STEP_INFO] =
		"A namespace as lsns shows it: lowest PID and its command, whether initial, owning user namespace, parent and owner UID; a label is empty when unknown or none.",
	[STEP_SCAN_PROCESSES] =
		"Processes whose namespace links this scrape's scan read.",
	[STEP_SCAN_SKIPPED] =
		"Processes this scrape's scan skipped because they exited or their namespace links were unreadable; nonzero means a partial view.",
};

static void family_header(struct outbuf *out, enum ns_type_step step)
{
	exposition_family(out, family_names[step],
			  step == STEP_INFO ? METRIC_INFO : METRIC_GAUGE, NULL,
			  family_help[step]);
}

/* The members of a group that have something to show. */
struct ns_group {
	const struct ns_scan *scan;
	enum ns_type types[NS_TYPE_COUNT];
	size_t n_types;
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

	group->scan = NULL;
	group->n_types = 0;
	for (i = 0; i < n_members; i++) {
		data = members[i]->data;
		if (!data)
			continue;
		/* one scrape, one scan: every member points at the same */
		if (!group->scan)
			group->scan = data->scan;
		if (data->scan->type_supported[data->type] &&
		    group->n_types < NS_TYPE_COUNT)
			group->types[group->n_types++] = data->type;
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
	put_sample(out, family_names[STEP_INFO], labels, 1);
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

	family_header(out, step);
	exposition_sample_raw_u64(out, family_names[step], NULL, 0,
				  step == STEP_SCAN_PROCESSES
					  ? scan->processes_scanned
					  : scan->processes_skipped);
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
	default:
		render_scan(group, step, out);
		return true;
	}
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
	/* the cursor is step * stride + entries already written in the step */
	stride = group.scan->n_entries + 1;
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
