/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scrape runner with collector doubles: failures become metrics,
 * pages are valid in both formats, render groups, collect[] selection,
 * shared collections, streaming in pieces, gzip, content negotiation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdatomic.h>
#include <zlib.h>

#include <cmocka.h>

#include "collector_doubles.h"

#include "config.h"
#include "log.h"
#include "nse_revision.h"
#include "scrape_runner.h"
#include "self_metrics.h"

static struct config test_config = {
	.procfs = "/proc",
	.timeout_offset = 0.5,
	.max_requests = 2,
};

/* --- collector doubles ------------------------------------------------ */

/* Fails, but leaves a partial result that still renders. */
static int failing_collect(struct scrape *scrape,
			   struct collector_result *result)
{
	result->data = "test_failing_partial";
	result->render = double_name_render;
	return -EIO;
}

/* Collects into memory it allocates, to check results are freed. */
static int text_collect(struct scrape *scrape, struct collector_result *result)
{
	struct outbuf text;

	outbuf_init(&text, scrape->format);
	exposition_family(&text, "test_text_events_total", METRIC_COUNTER, NULL,
			  "Events counted by a test double.");
	exposition_sample(&text, "test_text_events_total", 7, NULL);
	return collector_result_take_text(result, &text);
}

static const struct collector failing = {"failing", "Fails.", true,
					 failing_collect, NULL};
static const struct collector fixed_text = {"text", "Text.", true, text_collect,
					    NULL};

/*
 * Render-group doubles: each member's data is its name; the group writes
 * one family with a sample per member, two pieces (family, samples).
 */
static bool group_render(const struct collector_result *const *members,
			 size_t n_members, size_t *cursor, struct outbuf *out)
{
	size_t i;

	if (*cursor == 0) {
		exposition_family(out, "test_group_members", METRIC_GAUGE, NULL,
				  "Members rendered together.");
		*cursor = 1;
		return true;
	}
	for (i = 0; i < n_members; i++)
		exposition_sample(out, "test_group_members", (double)n_members,
				  "member", (const char *)members[i]->data,
				  NULL);
	return false;
}

static int g1_collect(struct scrape *scrape, struct collector_result *result)
{
	result->data = "g1";
	return 0;
}

static int g2_collect(struct scrape *scrape, struct collector_result *result)
{
	result->data = "g2";
	return 0;
}

static int g3_collect(struct scrape *scrape, struct collector_result *result)
{
	result->data = "g3";
	return 0;
}

static const struct collector g1 = {"g1", "Group one.", true, g1_collect,
				    group_render};
static const struct collector g2 = {"g2", "Group two.", true, g2_collect,
				    group_render};
static const struct collector g3 = {"g3", "Group three.", true, g3_collect,
				    group_render};

/* A large page: BIG_PIECES pieces of about BIG_PIECE_BYTES each. */
#define BIG_PIECES 120
#define BIG_PIECE_BYTES 50000
#define BIG_SAMPLES_PER_PIECE (BIG_PIECE_BYTES / 50)

static bool big_render(const void *data, size_t *cursor, struct outbuf *out)
{
	char name[48];
	char index[24];
	size_t i;

	snprintf(name, sizeof(name), "test_big_%03zu_bytes", *cursor);
	exposition_family(out, name, METRIC_GAUGE, NULL, "A large family.");
	for (i = 0; i < BIG_SAMPLES_PER_PIECE; i++) {
		snprintf(index, sizeof(index), "%08zu", i);
		exposition_sample(out, name, (double)i, "sample_index", index,
				  NULL);
	}
	(*cursor)++;
	return *cursor < BIG_PIECES;
}

static int big_collect(struct scrape *scrape, struct collector_result *result)
{
	result->render = big_render;
	return 0;
}

static const struct collector big = {"big", "Big.", true, big_collect, NULL};

/*
 * Counts its calls and blocks until the runner reports as many scrapes
 * waiting as the test expects (or 5 s pass, which fails the test).
 */
static struct scrape_runner *blocking_runner;
static unsigned blocking_calls;
static unsigned blocking_expect_waiting;
static unsigned blocking_expect_calls;
static pthread_mutex_t blocking_lock = PTHREAD_MUTEX_INITIALIZER;

static int blocking_collect(struct scrape *scrape,
			    struct collector_result *result)
{
	struct scrape_runner_stats stats;
	unsigned calls;
	int i;

	pthread_mutex_lock(&blocking_lock);
	calls = ++blocking_calls;
	pthread_mutex_unlock(&blocking_lock);
	for (i = 0; i < 5000; i++) {
		scrape_runner_stats(blocking_runner, &stats);
		pthread_mutex_lock(&blocking_lock);
		calls = blocking_calls;
		pthread_mutex_unlock(&blocking_lock);
		if (stats.waiting >= blocking_expect_waiting &&
		    calls >= blocking_expect_calls)
			break;
		usleep(1000);
	}
	result->data = "test_blocking_value";
	result->render = double_name_render;
	return i == 5000 ? -ETIMEDOUT : 0;
}

static const struct collector blocking = {"blocking", "Blocks.", true,
					  blocking_collect, NULL};

/* --- helpers ------------------------------------------------------------ */

struct page {
	char *data;
	size_t len;
	size_t reads;
	size_t max_held;
};

/*
 * Ignores the deadline and blocks for 1.5 s, as a netlink dump waiting for
 * the kernel's RTNL lock does; counts its completed runs.
 */
static atomic_int stuck_finished;

static int stuck_collect(struct scrape *scrape, struct collector_result *result)
{
	(void)scrape;
	(void)result;
	usleep(1500 * 1000);
	atomic_fetch_add(&stuck_finished, 1);
	return 0;
}

static const struct collector stuck = {"stuck", "Stuck.", true, stuck_collect,
				       NULL};

static struct scrape_runner *
runner_over(const struct collector *const *collectors, size_t n)
{
	bool enabled[16];
	struct scrape_runner *runner;
	size_t i;

	for (i = 0; i < n; i++)
		enabled[i] = collectors[i]->enabled_by_default;
	runner = scrape_runner_new(&test_config, collectors, enabled, n);
	assert_non_null(runner);
	return runner;
}

static void page_free(struct page *page)
{
	free(page->data);
	memset(page, 0, sizeof(*page));
}

/* Reads a whole stream in reads of chunk bytes; takes the reference. */
static struct page stream_read_all(struct scrape_collection *collection,
				   bool gzip, size_t chunk)
{
	struct scrape_stream *stream = scrape_stream_new(collection, gzip);
	struct page page = {0};
	char *buf = malloc(chunk);
	ssize_t n;

	assert_non_null(stream);
	assert_non_null(buf);
	for (;;) {
		n = scrape_stream_read(stream, buf, chunk);
		assert_true(n >= 0);
		if (scrape_stream_held(stream) > page.max_held)
			page.max_held = scrape_stream_held(stream);
		if (!n)
			break;
		assert_true((size_t)n <= chunk);
		page.data = realloc(page.data, page.len + (size_t)n + 1);
		assert_non_null(page.data);
		memcpy(page.data + page.len, buf, (size_t)n);
		page.len += (size_t)n;
		page.data[page.len] = '\0';
		page.reads++;
	}
	/* the end stays the end */
	assert_int_equal(scrape_stream_read(stream, buf, chunk), 0);
	scrape_stream_free(stream);
	free(buf);
	return page;
}

/* Collects with request and reads the page in plain text. */
static struct page scrape_page(struct scrape_runner *runner,
			       const struct scrape_request *request)
{
	struct scrape_collection *collection;

	collection = scrape_runner_collect(runner, request);
	assert_non_null(collection);
	return stream_read_all(collection, false, 4096);
}

static struct page scrape_default(struct scrape_runner *runner,
				  enum exposition_format format)
{
	struct scrape_request request;
	struct page page;

	assert_int_equal(scrape_request_init(&request, runner), 0);
	request.format = format;
	page = scrape_page(runner, &request);
	scrape_request_release(&request);
	return page;
}

static size_t count_occurrences(const char *text, const char *needle)
{
	size_t n = 0;

	for (text = strstr(text, needle); text; text = strstr(text + 1, needle))
		n++;
	return n;
}

/*
 * Checks the page is well formed: every sample belongs to the family
 * declared just before it (HELP then TYPE), no family is declared twice,
 * values parse, and OpenMetrics ends with exactly one "# EOF".
 */
static void check_page(const char *page, enum exposition_format format)
{
	char family[256] = "", name[300], type[32], declared[64 * 1024] = "|";
	char text[1024];
	const char *line = page, *end, *value;
	bool openmetrics = format == EXPOSITION_OPENMETRICS, eof = false;
	char *value_end;
	size_t n;

	assert_true(*page);
	assert_int_equal(page[strlen(page) - 1], '\n');
	for (; *line; line = end + 1) {
		end = strchr(line, '\n');
		n = (size_t)(end - line);
		/* sscanf would measure the whole rest of the page each time */
		snprintf(text, sizeof(text), "%.*s", (int)n, line);
		if (eof)
			fail_msg("text after # EOF: %.*s", (int)n, line);
		if (n == 5 && !memcmp(line, "# EOF", 5)) {
			assert_true(openmetrics);
			eof = true;
			continue;
		}
		if (sscanf(text, "# HELP %255s", family) == 1) {
			snprintf(name, sizeof(name), "|%s|", family);
			if (strstr(declared, name))
				fail_msg("family %s declared twice", family);
			strncat(declared, name + 1,
				sizeof(declared) - strlen(declared) - 1);
			continue;
		}
		if (sscanf(text, "# TYPE %255s %31s", name, type) == 2) {
			assert_string_equal(name, family);
			continue;
		}
		if (!strncmp(line, "# UNIT ", 7)) {
			assert_true(openmetrics);
			continue;
		}
		assert_int_not_equal(line[0], '#');
		n = strcspn(line, "{ ");
		snprintf(name, sizeof(name), "%.*s", (int)n, line);
		if (strcmp(name, family)) {
			/* OpenMetrics names counters and infos without suffix
			 */
			char with_total[300], with_info[300];

			snprintf(with_total, sizeof(with_total), "%s_total",
				 family);
			snprintf(with_info, sizeof(with_info), "%s_info",
				 family);
			if (!openmetrics || (strcmp(name, with_total) &&
					     strcmp(name, with_info)))
				fail_msg("sample %s outside its family %s",
					 name, family);
		}
		value = memrchr(line, ' ', (size_t)(end - line));
		assert_non_null(value);
		strtod(value + 1, &value_end);
		if (value_end != end)
			fail_msg("bad value in: %.*s", (int)(end - line), line);
	}
	assert_int_equal(eof, openmetrics);
}

/* --- tests ------------------------------------------------------------ */

static char *log_text;
static size_t log_len;
static FILE *log_capture;

static int capture_logs(void **state)
{
	log_capture = open_memstream(&log_text, &log_len);
	if (!log_capture)
		return -1;
	log_set_stream(log_capture);
	return 0;
}

static int release_logs(void **state)
{
	log_set_stream(NULL);
	fclose(log_capture);
	free(log_text);
	log_text = NULL;
	return 0;
}

static void failing_collector_is_a_metric_not_an_outage(void **state)
{
	const struct collector *const list[] = {&alpha, &failing, &beta};
	struct scrape_runner *runner = runner_over(list, 3);
	struct page page = scrape_default(runner, EXPOSITION_TEXT);
	int i;

	check_page(page.data, EXPOSITION_TEXT);
	assert_true(has_line(
		page.data,
		"namespace_scrape_collector_success{collector=\"alpha\"} 1"));
	assert_true(has_line(
		page.data,
		"namespace_scrape_collector_success{collector=\"failing\"} 0"));
	assert_true(has_line(
		page.data,
		"namespace_scrape_collector_success{collector=\"beta\"} 1"));
	/* the others' families and the failing one's partial result */
	assert_true(has_line(page.data, "test_alpha_value 1"));
	assert_true(has_line(page.data, "test_beta_value 1"));
	assert_true(has_line(page.data, "test_failing_partial 1"));
	/* families come in list order */
	assert_true(strstr(page.data, "test_alpha_value") <
		    strstr(page.data, "test_failing_partial"));
	assert_true(strstr(page.data, "test_failing_partial") <
		    strstr(page.data, "test_beta_value"));

	fflush(log_capture);
	assert_non_null(strstr(
		log_text,
		"level=warn msg=\"collector failed\" collector=failing err=\"Input/output error\" duration_seconds="));
	assert_int_equal(count_occurrences(log_text, "level=warn"), 1);
	page_free(&page);

	/* failing at every scrape: told once, not at each */
	for (i = 0; i < 3; i++) {
		page = scrape_default(runner, EXPOSITION_TEXT);
		page_free(&page);
	}
	fflush(log_capture);
	assert_int_equal(count_occurrences(log_text, "level=warn"), 1);
	scrape_runner_free(runner);
}

static void durations_are_reported_per_collector(void **state)
{
	const struct collector *const list[] = {&alpha, &failing, &fixed_text};
	struct scrape_runner *runner = runner_over(list, 3);
	struct page page = scrape_default(runner, EXPOSITION_TEXT);
	const char *names[] = {"alpha", "failing", "text"};
	char prefix[128];
	const char *hit;
	size_t i;

	assert_int_equal(
		count_occurrences(
			page.data,
			"# TYPE namespace_scrape_collector_duration_seconds gauge\n"),
		1);
	for (i = 0; i < 3; i++) {
		snprintf(
			prefix, sizeof(prefix),
			"\nnamespace_scrape_collector_duration_seconds{collector=\"%s\"} ",
			names[i]);
		hit = strstr(page.data, prefix);
		assert_non_null(hit);
		assert_true(strtod(hit + strlen(prefix), NULL) >= 0);
		assert_true(strtod(hit + strlen(prefix), NULL) < 5);
	}
	/* the double's own text, made at collect time, renders as it was */
	assert_true(has_line(page.data, "test_text_events_total 7"));
	page_free(&page);
	scrape_runner_free(runner);
}

static void page_is_valid_in_both_formats(void **state)
{
	const struct collector *const list[] = {&alpha, &fixed_text, &failing};
	struct scrape_runner *runner = runner_over(list, 3);
	struct page page;

	page = scrape_default(runner, EXPOSITION_TEXT);
	check_page(page.data, EXPOSITION_TEXT);
	assert_null(strstr(page.data, "# EOF"));
	assert_true(
		has_line(page.data, "# TYPE test_text_events_total counter"));
	assert_true(has_line(page.data,
			     "# TYPE namespace_exporter_build_info gauge"));
	assert_non_null(strstr(page.data, "\nprocess_cpu_seconds_total "));
	assert_non_null(strstr(page.data, "\nprocess_resident_memory_bytes "));
	assert_non_null(strstr(page.data, "\nprocess_virtual_memory_bytes "));
	assert_non_null(strstr(page.data, "\nprocess_start_time_seconds "));
	assert_non_null(strstr(page.data, "\nprocess_open_fds "));
	assert_non_null(strstr(page.data, "\nprocess_max_fds "));
	page_free(&page);

	page = scrape_default(runner, EXPOSITION_OPENMETRICS);
	check_page(page.data, EXPOSITION_OPENMETRICS);
	assert_int_equal(count_occurrences(page.data, "# EOF\n"), 1);
	assert_string_equal(page.data + page.len - 6, "# EOF\n");
	/* the double rendered in the collection's format */
	assert_true(has_line(page.data, "# TYPE test_text_events counter"));
	assert_true(
		has_line(page.data, "# TYPE namespace_exporter_build info"));
	assert_non_null(
		strstr(page.data,
		       "\nnamespace_exporter_build_info{version=\"" NSE_VERSION
		       "\",revision=\"" NSE_REVISION "\",libmicrohttpd=\""));
	page_free(&page);
	scrape_runner_free(runner);
}

static void render_group_renders_consecutive_members_together(void **state)
{
	const struct collector *const list[] = {&g1, &g2, &alpha, &g3};
	struct scrape_runner *runner = runner_over(list, 4);
	struct page page = scrape_default(runner, EXPOSITION_TEXT);
	const char *first, *second;

	/* g1 and g2 share one family; alpha breaks the run; g3 alone */
	assert_true(has_line(page.data, "test_group_members{member=\"g1\"} 2"));
	assert_true(has_line(page.data, "test_group_members{member=\"g2\"} 2"));
	assert_true(has_line(page.data, "test_group_members{member=\"g3\"} 1"));
	first = strstr(page.data, "# HELP test_group_members");
	assert_non_null(first);
	second = strstr(first + 1, "# HELP test_group_members");
	assert_non_null(second);
	assert_true(strstr(page.data, "test_alpha_value") > first);
	assert_true(strstr(page.data, "test_alpha_value") < second);
	page_free(&page);
	scrape_runner_free(runner);
}

static void
render_group_joins_members_when_those_between_are_left_out(void **state)
{
	const struct collector *const list[] = {&g1, &g2, &alpha, &g3};
	struct scrape_runner *runner = runner_over(list, 4);
	struct scrape_request request;
	char err[128];
	struct page page;

	assert_int_equal(scrape_request_init(&request, runner), 0);
	assert_int_equal(
		scrape_request_only(&request, runner, "g1", err, sizeof(err)),
		0);
	assert_int_equal(
		scrape_request_only(&request, runner, "g3", err, sizeof(err)),
		0);
	page = scrape_page(runner, &request);
	check_page(page.data, EXPOSITION_TEXT);
	/* with g2 and alpha left out, g1 and g3 are consecutive: one family */
	assert_int_equal(
		count_occurrences(page.data, "# HELP test_group_members"), 1);
	assert_true(has_line(page.data, "test_group_members{member=\"g1\"} 2"));
	assert_true(has_line(page.data, "test_group_members{member=\"g3\"} 2"));
	assert_null(strstr(page.data, "member=\"g2\""));
	assert_null(strstr(page.data, "test_alpha_value"));
	page_free(&page);
	scrape_request_release(&request);
	scrape_runner_free(runner);
}

static void collect_parameter_limits_the_scrape(void **state)
{
	const struct collector *const list[] = {&alpha, &beta, &failing};
	bool enabled[] = {true, true, false};
	struct scrape_runner *runner;
	struct scrape_request request;
	char err[128];
	struct page page;

	runner = scrape_runner_new(&test_config, list, enabled, 3);
	assert_non_null(runner);
	assert_int_equal(scrape_request_init(&request, runner), 0);
	assert_int_equal(
		scrape_request_only(&request, runner, "nope", err, sizeof(err)),
		-ENOENT);
	assert_string_equal(err, "unknown collector \"nope\"");
	assert_int_equal(scrape_request_only(&request, runner, "failing", err,
					     sizeof(err)),
			 -EPERM);
	assert_string_equal(err, "collector \"failing\" is disabled");
	assert_int_equal(
		scrape_request_only(&request, runner, "beta", err, sizeof(err)),
		0);
	page = scrape_page(runner, &request);
	check_page(page.data, EXPOSITION_TEXT);
	assert_true(has_line(page.data, "test_beta_value 1"));
	assert_null(strstr(page.data, "test_alpha_value"));
	assert_null(strstr(page.data, "collector=\"alpha\""));
	assert_null(strstr(page.data, "collector=\"failing\""));
	assert_true(has_line(
		page.data,
		"namespace_scrape_collector_success{collector=\"beta\"} 1"));
	page_free(&page);

	/* a disabled collector never runs without collect[] either */
	scrape_request_release(&request);
	page = scrape_default(runner, EXPOSITION_TEXT);
	assert_null(strstr(page.data, "test_failing_partial"));
	assert_null(strstr(page.data, "collector=\"failing\""));
	assert_true(has_line(page.data, "test_alpha_value 1"));
	page_free(&page);
	scrape_runner_free(runner);
}

struct scraper {
	struct scrape_runner *runner;
	enum exposition_format format;
	struct scrape_collection *collection;
	struct page page;
};

static void *scraper_collect(void *arg)
{
	struct scraper *scraper = arg;
	struct scrape_request request;

	if (scrape_request_init(&request, scraper->runner) < 0)
		return NULL;
	request.format = scraper->format;
	scraper->collection = scrape_runner_collect(scraper->runner, &request);
	scrape_request_release(&request);
	return NULL;
}

static void *scraper_render(void *arg)
{
	struct scraper *scraper = arg;

	scraper->page = stream_read_all(scraper->collection, false, 1000);
	return NULL;
}

static void run_two_scrapers(struct scraper *a, struct scraper *b,
			     void *(*fn)(void *))
{
	pthread_t ta, tb;

	assert_int_equal(pthread_create(&ta, NULL, fn, a), 0);
	assert_int_equal(pthread_create(&tb, NULL, fn, b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
}

static void concurrent_scrapes_share_one_collection(void **state)
{
	const struct collector *const list[] = {&alpha, &blocking, &fixed_text};
	struct scrape_runner *runner = runner_over(list, 3);
	struct scraper a = {runner, EXPOSITION_TEXT, NULL, {0}};
	struct scraper b = {runner, EXPOSITION_TEXT, NULL, {0}};
	struct scrape_runner_stats stats;

	blocking_runner = runner;
	blocking_calls = 0;
	blocking_expect_waiting = 1;
	blocking_expect_calls = 1;
	run_two_scrapers(&a, &b, scraper_collect);
	assert_int_equal(blocking_calls, 1);
	assert_non_null(a.collection);
	assert_ptr_equal(a.collection, b.collection);
	scrape_runner_stats(runner, &stats);
	assert_int_equal(stats.collections, 1);
	assert_int_equal(stats.shared, 1);
	assert_int_equal(stats.waiting, 0);

	/* both render at once, each whole, byte for byte the same */
	run_two_scrapers(&a, &b, scraper_render);
	check_page(a.page.data, EXPOSITION_TEXT);
	assert_true(has_line(
		a.page.data,
		"namespace_scrape_collector_success{collector=\"blocking\"} 1"));
	assert_int_equal(a.page.len, b.page.len);
	assert_memory_equal(a.page.data, b.page.data, a.page.len);
	page_free(&a.page);
	page_free(&b.page);

	/* a later scrape starts a new collection */
	blocking_expect_waiting = 0;
	a.page = scrape_default(runner, EXPOSITION_TEXT);
	scrape_runner_stats(runner, &stats);
	assert_int_equal(stats.collections, 2);
	assert_int_equal(blocking_calls, 2);
	assert_true(has_line(
		a.page.data,
		"namespace_scrape_collector_success{collector=\"blocking\"} 1"));
	page_free(&a.page);
	scrape_runner_free(runner);
}

static void concurrent_scrapes_in_other_formats_do_not_share(void **state)
{
	const struct collector *const list[] = {&blocking};
	struct scrape_runner *runner = runner_over(list, 1);
	struct scraper a = {runner, EXPOSITION_TEXT, NULL, {0}};
	struct scraper b = {runner, EXPOSITION_OPENMETRICS, NULL, {0}};
	struct scrape_runner_stats stats;

	blocking_runner = runner;
	blocking_calls = 0;
	blocking_expect_waiting = 0;
	blocking_expect_calls = 2; /* both run at the same time */
	run_two_scrapers(&a, &b, scraper_collect);
	assert_int_equal(blocking_calls, 2);
	assert_ptr_not_equal(a.collection, b.collection);
	scrape_runner_stats(runner, &stats);
	assert_int_equal(stats.collections, 2);
	assert_int_equal(stats.shared, 0);
	run_two_scrapers(&a, &b, scraper_render);
	check_page(a.page.data, EXPOSITION_TEXT);
	check_page(b.page.data, EXPOSITION_OPENMETRICS);
	assert_true(has_line(
		a.page.data,
		"namespace_scrape_collector_success{collector=\"blocking\"} 1"));
	assert_true(has_line(
		b.page.data,
		"namespace_scrape_collector_success{collector=\"blocking\"} 1"));
	page_free(&a.page);
	page_free(&b.page);
	scrape_runner_free(runner);
}

static void large_page_streams_one_piece_at_a_time(void **state)
{
	const struct collector *const list[] = {&big};
	struct scrape_runner *runner = runner_over(list, 1);
	struct scrape_request request;
	struct scrape_collection *collection;
	struct page page;
	char name[64];
	size_t i;

	assert_int_equal(scrape_request_init(&request, runner), 0);
	collection = scrape_runner_collect(runner, &request);
	assert_non_null(collection);
	page = stream_read_all(collection, false, 16 * 1024);
	assert_true(page.len > BIG_PIECES * BIG_PIECE_BYTES * 9 / 10);
	/* never more than one piece (its buffer rounds up to a power of 2) */
	assert_true(page.max_held <= 2 * BIG_PIECE_BYTES);
	assert_true(page.max_held * 50 < page.len);
	assert_true(page.reads > BIG_PIECES);
	check_page(page.data, EXPOSITION_TEXT);
	for (i = 0; i < BIG_PIECES; i++) {
		snprintf(name, sizeof(name),
			 "# TYPE test_big_%03zu_bytes gauge", i);
		assert_true(has_line(page.data, name));
	}
	page_free(&page);
	scrape_request_release(&request);
	scrape_runner_free(runner);
}

/* Inflates a gzip stream (header and trailer checked by zlib). */
static char *gunzip(const char *data, size_t len, size_t *out_len)
{
	z_stream z = {0};
	size_t cap = len * 4 + 1024;
	char *out = malloc(cap);
	int ret;

	assert_non_null(out);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	do {
		if (z.total_out == cap) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		z.next_out = (Bytef *)out + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		ret = inflate(&z, Z_NO_FLUSH);
		assert_true(ret == Z_OK || ret == Z_STREAM_END);
	} while (ret != Z_STREAM_END);
	assert_int_equal(z.avail_in, 0);
	*out_len = z.total_out;
	inflateEnd(&z);
	return out;
}

static void gzip_output_inflates_to_the_plain_page(void **state)
{
	const struct collector *const list[] = {&alpha, &big, &failing};
	struct scrape_runner *runner = runner_over(list, 3);
	struct scrape_collection *collection;
	struct scrape_request request;
	struct page plain, zipped;
	size_t plain_len;
	char *inflated;

	assert_int_equal(scrape_request_init(&request, runner), 0);
	collection = scrape_runner_collect(runner, &request);
	assert_non_null(collection);
	scrape_collection_get(collection);
	plain = stream_read_all(collection, false, 8192);
	zipped = stream_read_all(collection, true, 8192);
	assert_true(zipped.max_held <= 2 * BIG_PIECE_BYTES);
	assert_true(zipped.len < plain.len / 4);
	inflated = gunzip(zipped.data, zipped.len, &plain_len);
	assert_int_equal(plain_len, plain.len);
	assert_memory_equal(inflated, plain.data, plain.len);
	free(inflated);
	page_free(&plain);
	page_free(&zipped);
	scrape_request_release(&request);
	scrape_runner_free(runner);
}

static void small_reads_give_the_same_page(void **state)
{
	const struct collector *const list[] = {&alpha, &fixed_text, &failing};
	struct scrape_runner *runner = runner_over(list, 3);
	struct scrape_collection *collection;
	struct scrape_request request;
	struct page whole, bytes, zipped;
	size_t inflated_len;
	char *inflated;

	assert_int_equal(scrape_request_init(&request, runner), 0);
	collection = scrape_runner_collect(runner, &request);
	assert_non_null(collection);
	scrape_collection_get(collection);
	scrape_collection_get(collection);
	whole = stream_read_all(collection, false, 1 << 20);
	bytes = stream_read_all(collection, false, 1);
	assert_int_equal(bytes.reads, whole.len);
	assert_int_equal(bytes.len, whole.len);
	assert_memory_equal(bytes.data, whole.data, whole.len);
	/* gzip a few bytes at a time: zlib keeps what does not fit */
	zipped = stream_read_all(collection, true, 7);
	assert_true(zipped.reads > 1);
	inflated = gunzip(zipped.data, zipped.len, &inflated_len);
	assert_int_equal(inflated_len, whole.len);
	assert_memory_equal(inflated, whole.data, whole.len);
	free(inflated);
	page_free(&whole);
	page_free(&bytes);
	page_free(&zipped);
	scrape_request_release(&request);
	scrape_runner_free(runner);
}

static void stuck_collector_cannot_hold_the_page_past_the_deadline(void **state)
{
	const struct collector *const list[] = {&alpha, &stuck};
	struct scrape_runner *runner = runner_over(list, 2);
	struct scrape_request request;
	struct page page;
	double start;

	(void)state;
	atomic_store(&stuck_finished, 0);
	assert_int_equal(scrape_request_init(&request, runner), 0);
	start = monotonic_seconds();
	request.deadline = start + 0.2;
	page = scrape_page(runner, &request);
	/* answered at the deadline, well before the collector is done */
	assert_true(monotonic_seconds() - start < 1.0);
	assert_int_equal(atomic_load(&stuck_finished), 0);
	assert_true(has_line(
		page.data,
		"namespace_scrape_collector_success{collector=\"stuck\"} 0"));
	assert_true(has_line(
		page.data,
		"namespace_scrape_collector_success{collector=\"alpha\"} 0"));
	check_page(page.data, EXPOSITION_TEXT);
	page_free(&page);
	scrape_request_release(&request);
	/* the collection left behind finishes before the runner goes */
	scrape_runner_free(runner);
	assert_int_equal(atomic_load(&stuck_finished), 1);
}

static void deadline_reaches_collectors_and_stops_late_ones(void **state)
{
	const struct collector *const list[] = {&deadline, &alpha};
	struct scrape_runner *runner = runner_over(list, 2);
	struct scrape_request request;
	struct page page;

	assert_int_equal(scrape_request_init(&request, runner), 0);
	request.deadline = monotonic_seconds() + 60;
	page = scrape_page(runner, &request);
	assert_true(seen_deadline == request.deadline);
	assert_true(has_line(
		page.data,
		"namespace_scrape_collector_success{collector=\"alpha\"} 1"));
	page_free(&page);

	/* past the deadline no collector starts: each reports failure */
	request.deadline = monotonic_seconds() - 1;
	seen_deadline = 0;
	page = scrape_page(runner, &request);
	assert_true(seen_deadline == 0);
	assert_true(has_line(
		page.data,
		"namespace_scrape_collector_success{collector=\"deadline\"} 0"));
	assert_true(has_line(
		page.data,
		"namespace_scrape_collector_success{collector=\"alpha\"} 0"));
	assert_null(strstr(page.data, "test_alpha_value"));
	check_page(page.data, EXPOSITION_TEXT);
	page_free(&page);
	scrape_request_release(&request);
	scrape_runner_free(runner);
}

static void admission_is_bounded_by_max_requests(void **state)
{
	const struct collector *const list[] = {&alpha};
	struct scrape_runner *runner = runner_over(list, 1);
	struct scrape_runner_stats stats;
	int i;

	/* test_config allows two */
	assert_int_equal(scrape_runner_admit(runner), 0);
	assert_int_equal(scrape_runner_admit(runner), 0);
	assert_int_equal(scrape_runner_admit(runner), -EBUSY);
	scrape_runner_stats(runner, &stats);
	assert_int_equal(stats.in_flight, 2);
	scrape_runner_leave(runner);
	assert_int_equal(scrape_runner_admit(runner), 0);
	scrape_runner_leave(runner);
	scrape_runner_leave(runner);
	scrape_runner_free(runner);

	/* 0: no bound */
	test_config.max_requests = 0;
	runner = runner_over(list, 1);
	for (i = 0; i < 100; i++)
		assert_int_equal(scrape_runner_admit(runner), 0);
	for (i = 0; i < 100; i++)
		scrape_runner_leave(runner);
	scrape_runner_free(runner);
	test_config.max_requests = 2;
}

static void accept_header_chooses_the_format(void **state)
{
	static const struct {
		const char *accept;
		enum exposition_format want;
	} cases[] = {
		{NULL, EXPOSITION_TEXT},
		{"", EXPOSITION_TEXT},
		/* Prometheus 2.42 */
		{"application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
		 EXPOSITION_OPENMETRICS},
		/* Prometheus 3 */
		{"application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
		 EXPOSITION_OPENMETRICS},
		{"text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.4",
		 EXPOSITION_TEXT},
		{"application/openmetrics-text", EXPOSITION_OPENMETRICS},
		{"Application/OpenMetrics-Text ; Version=1.0.0",
		 EXPOSITION_OPENMETRICS},
		{"application/openmetrics-text; version=\"1.0.0\"; q=\"0.9\", text/plain;q=0.5",
		 EXPOSITION_OPENMETRICS},
		/* we write 1.0.0 only */
		{"application/openmetrics-text;version=0.0.1", EXPOSITION_TEXT},
		{"application/openmetrics-text;q=0", EXPOSITION_TEXT},
		{"application/openmetrics-text;q=0,*/*", EXPOSITION_TEXT},
		{"*/*", EXPOSITION_TEXT},
		{"application/json", EXPOSITION_TEXT},
		{"text/html,application/*;q=0.9", EXPOSITION_OPENMETRICS},
		{"application/*;q=0.9,text/plain;q=0.8",
		 EXPOSITION_OPENMETRICS},
		/* equal q: the one named first */
		{"application/openmetrics-text;q=0.5,text/plain;q=0.5",
		 EXPOSITION_OPENMETRICS},
		{"text/plain,application/openmetrics-text", EXPOSITION_TEXT},
		/* the most specific range decides, not the highest q */
		{"application/openmetrics-text;q=0.1,*/*;q=1,text/plain;q=0.2",
		 EXPOSITION_TEXT},
		{"application/openmetrics-text;q=abc", EXPOSITION_TEXT},
		{",,;;,", EXPOSITION_TEXT},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (scrape_format_negotiate(cases[i].accept) != cases[i].want)
			fail_msg("Accept: %s gave the wrong format",
				 cases[i].accept ? cases[i].accept : "(none)");
	}
}

static void accept_encoding_allows_gzip(void **state)
{
	static const struct {
		const char *header;
		bool gzip;
	} cases[] = {
		{NULL, false},
		{"", false},
		{"gzip", true},
		{"GZip", true},
		{"x-gzip", true},
		{"gzip, deflate, br", true},
		{"deflate, br", false},
		{"identity", false},
		{"gzip;q=0", false},
		{"gzip; q=0.001", true},
		{"*", true},
		{"*;q=0", false},
		{"gzip;q=0, *", false},
		{"br;q=1.0, gzip;q=0.8, *;q=0.1", true},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (scrape_gzip_accepted(cases[i].header) != cases[i].gzip)
			fail_msg("Accept-Encoding: %s gave the wrong answer",
				 cases[i].header ? cases[i].header : "(none)");
	}
}

static void timeout_header_sets_the_deadline(void **state)
{
	(void)state;
	assert_true(scrape_deadline_from_header("10", 0.5, 100) == 109.5);
	assert_true(scrape_deadline_from_header("2.5", 0.5, 100) == 102);
	/* an offset larger than the timeout is not applied */
	assert_true(scrape_deadline_from_header("0.4", 0.5, 100) == 100.4);
	assert_true(scrape_deadline_from_header(" 10 ", 0, 100) == 110);
	assert_true(scrape_deadline_from_header(NULL, 0.5, 100) == 0);
	assert_true(scrape_deadline_from_header("", 0.5, 100) == 0);
	assert_true(scrape_deadline_from_header("ten", 0.5, 100) == 0);
	assert_true(scrape_deadline_from_header("10s", 0.5, 100) == 0);
	assert_true(scrape_deadline_from_header("-3", 0.5, 100) == 0);
	/* past a day: no deadline, never an overflowing timeval */
	assert_true(scrape_deadline_from_header("86400", 0, 100) == 86500);
	assert_true(scrape_deadline_from_header("86401", 0, 100) == 0);
	assert_true(scrape_deadline_from_header("1e19", 0.5, 100) == 0);
	assert_true(scrape_deadline_from_header("1e308", 0.5, 100) == 0);
	assert_true(scrape_deadline_from_header("0", 0.5, 100) == 0);
	assert_true(scrape_deadline_from_header("inf", 0.5, 100) == 0);
	assert_true(scrape_deadline_from_header("nan", 0.5, 100) == 0);
}

static void self_stat_parse_reads_after_the_last_paren(void **state)
{
	struct self_stat stat;

	(void)state;
	assert_int_equal(
		self_stat_parse(
			"4242 (a) b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 "
			"250 75 0 0 20 0 1 0 12345 104857600 2560 "
			"18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0",
			&stat),
		0);
	assert_int_equal(stat.utime_ticks, 250);
	assert_int_equal(stat.stime_ticks, 75);
	assert_int_equal(stat.start_ticks, 12345);
	assert_int_equal(stat.vsize_bytes, 104857600);
	assert_int_equal(stat.rss_pages, 2560);
	assert_int_equal(self_stat_parse("4242 no paren S 1", &stat), -EINVAL);
	assert_int_equal(self_stat_parse("4242 (x) S 1 2", &stat), -EINVAL);
}

static void self_metrics_read_this_process(void **state)
{
	struct self_metrics snapshot, again;
	long ticks = sysconf(_SC_CLK_TCK);
	int fd;

	(void)state;
	fd = dup(0);
	assert_true(fd >= 0);
	self_metrics_read(&snapshot);
	assert_true(snapshot.have_stat);
	assert_true(snapshot.resident_bytes > 1024 * 1024);
	assert_true(snapshot.virtual_bytes >= snapshot.resident_bytes);
	assert_true(snapshot.cpu_seconds >= 0 && ticks > 0);
	assert_true(snapshot.have_start);
	assert_true(snapshot.start_time_seconds > 1.5e9);
	assert_true(snapshot.have_open_fds && snapshot.open_fds >= 4);
	assert_true(snapshot.have_max_fds && snapshot.max_fds >= 64);
	/* one more descriptor is seen as one more */
	close(fd);
	self_metrics_read(&again);
	assert_true(again.open_fds == snapshot.open_fds - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			failing_collector_is_a_metric_not_an_outage,
			capture_logs, release_logs),
		cmocka_unit_test_setup_teardown(
			durations_are_reported_per_collector, capture_logs,
			release_logs),
		cmocka_unit_test_setup_teardown(page_is_valid_in_both_formats,
						capture_logs, release_logs),
		cmocka_unit_test(
			render_group_renders_consecutive_members_together),
		cmocka_unit_test(
			render_group_joins_members_when_those_between_are_left_out),
		cmocka_unit_test_setup_teardown(
			collect_parameter_limits_the_scrape, capture_logs,
			release_logs),
		cmocka_unit_test(concurrent_scrapes_share_one_collection),
		cmocka_unit_test(
			concurrent_scrapes_in_other_formats_do_not_share),
		cmocka_unit_test(large_page_streams_one_piece_at_a_time),
		cmocka_unit_test_setup_teardown(
			gzip_output_inflates_to_the_plain_page, capture_logs,
			release_logs),
		cmocka_unit_test_setup_teardown(small_reads_give_the_same_page,
						capture_logs, release_logs),
		cmocka_unit_test_setup_teardown(
			deadline_reaches_collectors_and_stops_late_ones,
			capture_logs, release_logs),
		cmocka_unit_test_setup_teardown(
			stuck_collector_cannot_hold_the_page_past_the_deadline,
			capture_logs, release_logs),
		cmocka_unit_test(admission_is_bounded_by_max_requests),
		cmocka_unit_test(accept_header_chooses_the_format),
		cmocka_unit_test(accept_encoding_allows_gzip),
		cmocka_unit_test(timeout_header_sets_the_deadline),
		cmocka_unit_test(self_stat_parse_reads_after_the_last_paren),
		cmocka_unit_test(self_metrics_read_this_process),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
