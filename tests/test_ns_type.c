/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-type namespace collectors rendered as a group, compared byte for
 * byte with golden pages in tests/fixtures/ns_type-*.txt. Run with
 * NSE_UPDATE_GOLDEN=1 to rewrite them, then review the diff. The host page
 * comes from a scan whose descriptor links are stat'ed through the test
 * double in ns_fixture_stat.c; the user namespace families from a scan
 * built here, since a fixture has no kernel to ask owners and limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "ns_fixture_stat.h"
#include "ns_type.h"
#include "ns_userns.h"
#include "registry.h"

#define HOST_TREE NSE_FIXTURES "/proc/host"
#define CONTAINER_TREE NSE_FIXTURES "/proc/container"

static const struct collector *const type_collectors[] = {
	&cgroup_collector, &ipc_collector,  &mnt_collector,  &net_collector,
	&pid_collector,	   &time_collector, &user_collector, &uts_collector,
};
#define N_TYPES (sizeof(type_collectors) / sizeof(type_collectors[0]))

/* One collection by some of the type collectors, as the runner does it. */
struct group_run {
	struct config config;
	struct scrape scrape;
	struct collector_result results[N_TYPES];
	const struct collector_result *members[N_TYPES];
	size_t n_members;
	int err[N_TYPES];
	struct outbuf out;
	size_t pieces;
};

static struct group_run run;

static int run_teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_TYPES; i++)
		collector_result_release(&run.results[i]);
	scrape_release(&run.scrape);
	outbuf_release(&run.out);
	memset(&run, 0, sizeof(run));
	return 0;
}

/*
 * Collects with the collectors whose bit is set in mask, from procfs, or
 * from scan when it is not NULL (the run takes it).
 */
static void group_collect_scan(const char *procfs, struct ns_scan *scan,
			       unsigned mask)
{
	size_t i;

	memset(&run, 0, sizeof(run));
	run.config.procfs = procfs;
	run.scrape.config = &run.config;
	if (scan) {
		run.scrape.ns_scan = scan;
		run.scrape.ns_scan_done = true;
	}
	for (i = 0; i < N_TYPES; i++) {
		if (!(mask & (1u << i)))
			continue;
		run.err[i] = type_collectors[i]->collect(&run.scrape,
							 &run.results[i]);
		run.members[run.n_members++] = &run.results[i];
	}
}

static void group_collect(const char *procfs, unsigned mask)
{
	group_collect_scan(procfs, NULL, mask);
}

/* The host tree with its descriptor holders, through the stat double. */
static void host_collect(unsigned mask)
{
	struct ns_scan *scan = NULL;

	assert_int_equal(fixture_scan(HOST_TREE, false, &scan), 0);
	group_collect_scan(HOST_TREE, scan, mask);
}

/* Renders the group piece by piece into run.out, as the runner does. */
static void group_render(enum exposition_format format)
{
	size_t cursor = 0, before;
	bool more;

	outbuf_init(&run.out, format);
	do {
		before = run.out.len;
		more = ns_type_render_group(run.members, run.n_members, &cursor,
					    &run.out);
		/* every piece but a final empty one writes something */
		if (more)
			assert_true(run.out.len > before);
		run.pieces++;
		assert_true(run.pieces < 100000);
	} while (more);
	assert_int_equal(run.out.err, 0);
	outbuf_putc(&run.out, '\0');
	run.out.len--;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int c;

	if (!f)
		return NULL;
	mem = open_memstream(&text, &len);
	assert_non_null(mem);
	while ((c = fgetc(f)) != EOF)
		fputc(c, mem);
	fclose(mem);
	fclose(f);
	return text;
}

/* Compares run.out with a golden file, or rewrites it on request. */
static void assert_golden(const char *name)
{
	const char *update = getenv("NSE_UPDATE_GOLDEN");
	char path[512];
	char *want;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", NSE_FIXTURES, name);
	if (update && !strcmp(update, "1")) {
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(run.out.data, 1, run.out.len, f),
				 run.out.len);
		assert_int_equal(fclose(f), 0);
	}
	want = read_file(path);
	if (!want)
		fail_msg("golden file %s missing; NSE_UPDATE_GOLDEN=1 makes it",
			 path);
	if (strcmp(want, run.out.data))
		print_error("got:\n%s", run.out.data);
	assert_string_equal(run.out.data, want);
	free(want);
}

static void host_page_matches_golden_text(void **state)
{
	size_t i;

	(void)state;
	host_collect(0xff);
	for (i = 0; i < N_TYPES; i++)
		assert_int_equal(run.err[i], 0);
	group_render(EXPOSITION_TEXT);
	assert_golden("ns_type-host.txt");
}

static void host_page_matches_golden_openmetrics(void **state)
{
	(void)state;
	host_collect(0xff);
	group_render(EXPOSITION_OPENMETRICS);
	assert_golden("ns_type-host-openmetrics.txt");
}

static void container_page_has_no_time_series(void **state)
{
	(void)state;
	group_collect(CONTAINER_TREE, 0xff);
	group_render(EXPOSITION_TEXT);
	assert_null(strstr(run.out.data, "type=\"time\""));
	assert_golden("ns_type-container.txt");
}

static size_t count(const char *text, const char *needle)
{
	size_t n = 0;

	while ((text = strstr(text, needle))) {
		n++;
		text += strlen(needle);
	}
	return n;
}

static void subset_renders_only_its_types(void **state)
{
	(void)state;
	/* net (bit 3) and user (bit 6) only */
	host_collect(1u << 3 | 1u << 6);
	group_render(EXPOSITION_TEXT);
	assert_non_null(strstr(run.out.data,
			       "namespace_in_use{type=\"net\"} 7\n"
			       "namespace_in_use{type=\"user\"} 3\n"
			       "# HELP namespace_max "));
	assert_int_equal(count(run.out.data, "namespace_processes{"), 10);
	assert_int_equal(count(run.out.data, "namespace_info{"), 10);
	assert_int_equal(count(run.out.data, "type=\"ipc\""), 0);
	/* 421 holds a uts namespace too: not this group's business */
	assert_int_equal(count(run.out.data, "type=\"uts\""), 0);
	assert_int_equal(count(run.out.data, "namespace_holder_info{"), 3);
	assert_int_equal(count(run.out.data, "# TYPE "), 12);
	assert_non_null(
		strstr(run.out.data, "\nnamespace_scan_processes 14\n"));
	assert_non_null(
		strstr(run.out.data, "\nnamespace_scan_processes_skipped 3\n"));
}

static void host_page_names_holders_and_orphans(void **state)
{
	static const char *const want[] = {
		"namespace_holders{type=\"net\",inode=\"4026532400\",holder=\"mount\"} 2\n",
		"namespace_holders{type=\"net\",inode=\"4026532400\",holder=\"fd\"} 2\n",
		"namespace_holders{type=\"net\",inode=\"4026532601\",holder=\"fd\"} 1\n",
		"namespace_mount_info{type=\"net\",inode=\"4026532401\",path=\"/run/nsetest-fixture/netns/with space\ttab\\\\slash\"} 1\n",
		"namespace_holder_info{type=\"net\",inode=\"4026532400\",holder=\"fd\",pid=\"431\",command=\"sleep\"} 1\n",
		"namespace_orphaned{type=\"net\",inode=\"4026532400\",held_by=\"mount\"} 1\n",
		"namespace_orphaned{type=\"net\",inode=\"4026532601\",held_by=\"fd\"} 1\n",
		"namespace_orphaned{type=\"uts\",inode=\"4026532410\",held_by=\"mount\"} 1\n",
		"cgroup=\"/odd \\\"q\\\"\\\\x.scope\"} 1\n",
		"\nnamespace_scan_fd_tables_skipped 1\n",
		"\nnamespace_scan_holders_unresolved 1\n",
	};
	size_t i;

	(void)state;
	host_collect(0xff);
	group_render(EXPOSITION_TEXT);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (!strstr(run.out.data, want[i]))
			fail_msg("missing: %s", want[i]);
	}
	/* namespaces with a process are no orphans; nothing of 500 or 501 */
	assert_int_equal(count(run.out.data, "namespace_orphaned{"), 8);
	assert_int_equal(count(run.out.data, "pid=\"500\""), 0);
	assert_int_equal(count(run.out.data, "pid=\"501\""), 0);
}

/*
 * A scan built here: the initial user namespace (limits 1000), U1 owned by
 * UID 1000 with a limit of 50 network namespaces read inside it, U2 below
 * U1, and U3 owned by UID 1001; network namespaces owned by each.
 */
static struct ns_scan *users_scan(void)
{
	static const struct {
		enum ns_type type;
		uint64_t inode, owner;
	} entries[] = {
		{NS_TYPE_IPC, 4026532800u, 4026532700u},
		{NS_TYPE_NET, 4026531833u, 4026531837u},
		{NS_TYPE_NET, 4026532801u, 4026532700u},
		{NS_TYPE_NET, 4026532802u, 4026532701u},
		{NS_TYPE_NET, 4026532803u, 4026532701u},
		{NS_TYPE_NET, 4026532804u, 4026532702u},
		{NS_TYPE_USER, 4026531837u, 0},
		{NS_TYPE_USER, 4026532700u, 4026531837u},
		{NS_TYPE_USER, 4026532701u, 4026532700u},
		{NS_TYPE_USER, 4026532702u, 4026531837u},
	};
	static const struct {
		uint64_t userns, parent;
		uid_t owner;
		long long max_net;
	} users[] = {
		/* in no order, and one repeated */
		{4026532701u, 4026532700u, 1000, -1},
		{4026531837u, 0, 0, 1000},
		{4026532700u, 4026531837u, 1000, 50},
		{4026532702u, 4026531837u, 1001, -1},
		{4026532700u, 4026531837u, 1000, 50},
	};
	const size_t n_entries = sizeof(entries) / sizeof(entries[0]);
	const size_t n_users = sizeof(users) / sizeof(users[0]);
	struct ns_scan *scan = calloc(1, sizeof(*scan));
	size_t i;
	int t;

	assert_non_null(scan);
	scan->entries = calloc(n_entries, sizeof(*scan->entries));
	scan->users = calloc(n_users, sizeof(*scan->users));
	assert_non_null(scan->entries);
	assert_non_null(scan->users);
	for (i = 0; i < n_entries; i++) {
		scan->entries[i].type = entries[i].type;
		scan->entries[i].inode = entries[i].inode;
		scan->entries[i].owner_userns = entries[i].owner;
		scan->entries[i].processes = 1;
		scan->type_supported[entries[i].type] = true;
	}
	scan->n_entries = n_entries;
	for (i = 0; i < n_users; i++) {
		scan->users[i].userns = users[i].userns;
		scan->users[i].parent = users[i].parent;
		scan->users[i].has_owner_uid = true;
		scan->users[i].owner_uid = users[i].owner;
		for (t = 0; t < NS_TYPE_COUNT; t++)
			scan->users[i].max[t] = users[i].parent ? -1 : 1000;
		scan->users[i].max[NS_TYPE_NET] = users[i].max_net;
	}
	scan->n_users = n_users;
	for (t = 0; t < NS_TYPE_COUNT; t++)
		scan->max[t] = -1;
	assert_int_equal(ns_user_usage_count(scan), 0);
	return scan;
}

static void user_namespaces_count_the_way_the_kernel_charges(void **state)
{
	struct ns_scan *scan = users_scan();
	const struct ns_user_usage *u1, *top;

	(void)state;
	assert_int_equal(scan->n_users, 4);
	top = ns_scan_find_user(scan, 4026531837u);
	u1 = ns_scan_find_user(scan, 4026532700u);
	assert_non_null(top);
	assert_non_null(u1);
	assert_int_equal(top->in_use[NS_TYPE_NET], 1);
	assert_int_equal(top->in_use[NS_TYPE_USER], 2);
	/* U1, U2 and the three network namespaces below them */
	assert_int_equal(u1->subtree[NS_TYPE_USER], 2);
	assert_int_equal(u1->subtree[NS_TYPE_NET], 3);
	assert_int_equal(u1->subtree[NS_TYPE_IPC], 1);
	/* every user namespace, and every network namespace */
	assert_int_equal(top->subtree[NS_TYPE_USER], 4);
	assert_int_equal(top->subtree[NS_TYPE_NET], 5);
	/* (top, 1000), (top, 1001), (U1, 1000) */
	assert_int_equal(scan->n_charges, 3);
	assert_int_equal(scan->charges[0].userns, 4026531837u);
	assert_int_equal(scan->charges[0].uid, 1000);
	assert_int_equal(scan->charges[0].count[NS_TYPE_NET], 3);
	assert_int_equal(scan->charges[0].count[NS_TYPE_USER], 2);
	assert_int_equal(scan->charges[1].uid, 1001);
	assert_int_equal(scan->charges[1].count[NS_TYPE_NET], 1);
	assert_int_equal(scan->charges[2].userns, 4026532700u);
	assert_int_equal(scan->charges[2].count[NS_TYPE_NET], 2);
	assert_int_equal(scan->charges[2].count[NS_TYPE_USER], 1);

	group_collect_scan(HOST_TREE, scan, 0xff);
	group_render(EXPOSITION_TEXT);
	assert_golden("ns_type-users.txt");
}

static void failed_scan_fails_collect_and_renders_nothing(void **state)
{
	size_t cursor = 0;

	(void)state;
	group_collect(NSE_FIXTURES "/proc/absent", 0xff);
	assert_int_equal(run.err[0], -ENOENT);
	assert_int_equal(run.err[7], -ENOENT);
	assert_null(run.results[0].data);
	outbuf_init(&run.out, EXPOSITION_TEXT);
	assert_false(ns_type_render_group(run.members, run.n_members, &cursor,
					  &run.out));
	assert_int_equal(run.out.len, 0);
}

static void result_renders_alone_like_a_group_of_one(void **state)
{
	struct outbuf alone;
	size_t cursor = 0;

	(void)state;
	group_collect(HOST_TREE, 1u << 3);
	group_render(EXPOSITION_TEXT);
	outbuf_init(&alone, EXPOSITION_TEXT);
	while (run.results[3].render(run.results[3].data, &cursor, &alone))
		;
	assert_int_equal(alone.len, run.out.len);
	assert_memory_equal(alone.data, run.out.data, alone.len);
	outbuf_release(&alone);
}

/* A scan made in the test: n net namespaces, no scan of anything. */
static struct ns_scan *big_scan(size_t n)
{
	struct ns_scan *scan = calloc(1, sizeof(*scan));
	size_t i;

	assert_non_null(scan);
	scan->entries = calloc(n, sizeof(*scan->entries));
	assert_non_null(scan->entries);
	for (i = 0; i < n; i++) {
		scan->entries[i].type = NS_TYPE_NET;
		scan->entries[i].inode = 4026532000u + i;
		scan->entries[i].processes = 1;
		scan->entries[i].lowest_pid = (pid_t)(1000 + i);
		strcpy(scan->entries[i].command, "sleep");
	}
	scan->n_entries = n;
	scan->type_supported[NS_TYPE_NET] = true;
	for (i = 0; i < NS_TYPE_COUNT; i++)
		scan->max[i] = -1;
	scan->processes_scanned = n;
	return scan;
}

static void large_families_stream_in_pieces(void **state)
{
	(void)state;
	memset(&run, 0, sizeof(run));
	run.scrape.ns_scan = big_scan(1000);
	run.scrape.ns_scan_done = true;
	assert_int_equal(net_collector.collect(&run.scrape, &run.results[0]),
			 0);
	run.members[0] = &run.results[0];
	run.n_members = 1;
	group_render(EXPOSITION_TEXT);
	/* 4 each for processes and info, and in_use and the scan gauges */
	assert_true(run.pieces >= 8);
	assert_int_equal(count(run.out.data, "# TYPE namespace_processes "), 1);
	assert_int_equal(count(run.out.data, "# TYPE namespace_info "), 1);
	assert_int_equal(count(run.out.data, "# TYPE namespace_max "), 0);
	assert_int_equal(count(run.out.data, "\nnamespace_processes{"), 1000);
	assert_int_equal(count(run.out.data, "\nnamespace_info{"), 1000);
	assert_non_null(strstr(
		run.out.data,
		"namespace_info{type=\"net\",inode=\"4026532999\",pid=\"1999\",command=\"sleep\",initial=\"false\",owner_userns=\"\",parent=\"\",owner_uid=\"\",cgroup=\"\"} 1\n"
		"# HELP namespace_holders "));
	assert_int_equal(count(run.out.data, "\nnamespace_holders{"), 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(host_page_matches_golden_text,
					  run_teardown),
		cmocka_unit_test_teardown(host_page_matches_golden_openmetrics,
					  run_teardown),
		cmocka_unit_test_teardown(container_page_has_no_time_series,
					  run_teardown),
		cmocka_unit_test_teardown(subset_renders_only_its_types,
					  run_teardown),
		cmocka_unit_test_teardown(host_page_names_holders_and_orphans,
					  run_teardown),
		cmocka_unit_test_teardown(
			user_namespaces_count_the_way_the_kernel_charges,
			run_teardown),
		cmocka_unit_test_teardown(
			failed_scan_fails_collect_and_renders_nothing,
			run_teardown),
		cmocka_unit_test_teardown(
			result_renders_alone_like_a_group_of_one, run_teardown),
		cmocka_unit_test_teardown(large_families_stream_in_pieces,
					  run_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
