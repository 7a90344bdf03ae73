/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The text-format reader: each kind of line, escapes, values and
 * timestamps, what it refuses and where it says the fault is, lines split
 * across feeds, family grouping, and a round trip through the writer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exposition.h"
#include "exposition_parse.h"

/* Parses a copy of text; the copy stays alive in *copy for the strings. */
static int parse(const char *text, struct exposition_line *line, char **copy,
		 const char **reason, size_t *column)
{
	*copy = strdup(text);
	assert_non_null(*copy);
	return exposition_parse_line(*copy, strlen(text), line, reason, column);
}

static void parse_ok(const char *text, struct exposition_line *line,
		     char **copy)
{
	const char *reason = NULL;

	if (parse(text, line, copy, &reason, NULL))
		fail_msg("\"%s\" refused: %s", text, reason);
}

/* Asserts text is refused for reason at column, which is 0-based. */
static void parse_refused(const char *text, const char *reason, size_t column)
{
	struct exposition_line line;
	const char *got = NULL;
	size_t at = 99999;
	char *copy;

	assert_int_equal(parse(text, &line, &copy, &got, &at), -EINVAL);
	assert_non_null(got);
	if (strcmp(got, reason) || at != column)
		fail_msg("\"%s\": got \"%s\" at %zu, want \"%s\" at %zu", text,
			 got, at, reason, column);
	free(copy);
}

static void sample_without_labels(void **state)
{
	struct exposition_line line;
	char *copy;

	(void)state;
	parse_ok("namespace_scan_processes 42", &line, &copy);
	assert_int_equal(line.kind, EXPOSITION_LINE_SAMPLE);
	assert_string_equal(line.name, "namespace_scan_processes");
	assert_int_equal(line.n_labels, 0);
	assert_true(line.value == 42);
	assert_string_equal(line.value_text, "42");
	assert_false(line.has_timestamp);
	free(copy);
}

static void sample_with_labels_and_timestamp(void **state)
{
	struct exposition_line line;
	char *copy;

	(void)state;
	parse_ok("a:b_c{type=\"net\",x=\"\"} -1.5e-3 1700000000000", &line,
		 &copy);
	assert_string_equal(line.name, "a:b_c");
	assert_int_equal(line.n_labels, 2);
	assert_string_equal(line.labels[0].name, "type");
	assert_string_equal(line.labels[0].value, "net");
	assert_string_equal(line.labels[1].name, "x");
	assert_string_equal(line.labels[1].value, "");
	assert_int_equal(line.labels[1].value_len, 0);
	assert_true(line.value == -1.5e-3);
	assert_true(line.has_timestamp);
	assert_true(line.timestamp_ms == 1700000000000LL);
	assert_string_equal(exposition_line_label(&line, "type"), "net");
	assert_null(exposition_line_label(&line, "nope"));
	free(copy);
}

static void label_value_escapes_are_decoded(void **state)
{
	struct exposition_line line;
	char *copy;

	(void)state;
	/* a writer's \\xff (an invalid byte shown as text) stays \xff */
	parse_ok("m{d=\"q\\\"<b>&x\",e=\"a\\\\b\\nc\",f=\"\\\\xff\"} 1", &line,
		 &copy);
	assert_string_equal(line.labels[0].value, "q\"<b>&x");
	assert_int_equal(line.labels[0].value_len, 7);
	assert_string_equal(line.labels[1].value, "a\\b\nc");
	assert_string_equal(line.labels[2].value, "\\xff");
	free(copy);
}

static void label_value_keeps_braces_commas_and_utf8(void **state)
{
	struct exposition_line line;
	char *copy;

	(void)state;
	parse_ok("m{a=\"},{=\\\" 1\",b=\"gr\xc3\xbc\xc3\x9f\",} 2", &line,
		 &copy);
	assert_int_equal(line.n_labels, 2);
	assert_string_equal(line.labels[0].value, "},{=\" 1");
	assert_string_equal(line.labels[1].value, "gr\xc3\xbc\xc3\x9f");
	assert_true(line.value == 2);
	free(copy);
}

static void special_values(void **state)
{
	struct exposition_line line;
	char *copy;

	(void)state;
	parse_ok("m NaN", &line, &copy);
	assert_true(isnan(line.value));
	free(copy);
	parse_ok("m +Inf", &line, &copy);
	assert_true(isinf(line.value) && line.value > 0);
	free(copy);
	parse_ok("m{} -Inf", &line, &copy);
	assert_true(isinf(line.value) && line.value < 0);
	free(copy);
	/* counters past 2^53 keep every digit in value_text */
	parse_ok("m_total 18446744073709551615", &line, &copy);
	assert_string_equal(line.value_text, "18446744073709551615");
	free(copy);
	parse_ok("m .5", &line, &copy);
	assert_true(line.value == 0.5);
	free(copy);
}

static void help_type_comment_and_blank(void **state)
{
	struct exposition_line line;
	char *copy;

	(void)state;
	parse_ok("# HELP m Two\\nlines, a \\\\ and \"quotes\".", &line, &copy);
	assert_int_equal(line.kind, EXPOSITION_LINE_HELP);
	assert_string_equal(line.name, "m");
	assert_string_equal(line.text, "Two\nlines, a \\ and \"quotes\".");
	free(copy);
	parse_ok("# HELP m", &line, &copy);
	assert_int_equal(line.kind, EXPOSITION_LINE_HELP);
	assert_string_equal(line.text, "");
	free(copy);
	parse_ok("# TYPE m_total counter", &line, &copy);
	assert_int_equal(line.kind, EXPOSITION_LINE_TYPE);
	assert_string_equal(line.name, "m_total");
	assert_int_equal(line.type, EXPOSITION_TYPE_COUNTER);
	free(copy);
	parse_ok("# TYPE h histogram", &line, &copy);
	assert_int_equal(line.type, EXPOSITION_TYPE_HISTOGRAM);
	free(copy);
	parse_ok("# HELPER is just a comment", &line, &copy);
	assert_int_equal(line.kind, EXPOSITION_LINE_COMMENT);
	assert_string_equal(line.text, " HELPER is just a comment");
	free(copy);
	parse_ok("# EOF", &line, &copy);
	assert_int_equal(line.kind, EXPOSITION_LINE_COMMENT);
	free(copy);
	parse_ok("", &line, &copy);
	assert_int_equal(line.kind, EXPOSITION_LINE_BLANK);
	free(copy);
	parse_ok(" \t", &line, &copy);
	assert_int_equal(line.kind, EXPOSITION_LINE_BLANK);
	free(copy);
}

static void malformed_samples_are_refused_where_they_break(void **state)
{
	(void)state;
	parse_refused("m", "sample has no value", 1);
	parse_refused("m{a=\"b\"}", "sample has no value", 8);
	parse_refused("m{a=\"b\"}1", "expected a blank before the value", 8);
	parse_refused("9m 1", "expected a metric name", 0);
	parse_refused("m-x 1", "invalid character in the metric name", 1);
	parse_refused(" m 1", "sample line starts with a blank", 1);
	parse_refused("m{a=b} 1", "expected '\"' to open the label value", 4);
	parse_refused("m{a} 1", "expected '=' after the label name", 3);
	parse_refused("m{a:b=\"x\"} 1", "expected '=' after the label name", 3);
	parse_refused("m{a=\"x\" b=\"y\"} 1",
		      "expected ',' or '}' after a label", 7);
	parse_refused("m{a=\"x\\t\"} 1", "unknown escape in a label value", 8);
	parse_refused("m{a=\"x} 1", "label value lacks its closing quote", 9);
	parse_refused("m{a=\"x\\", "label value lacks its closing quote", 7);
	parse_refused("m{a=\"x\",a=\"y\"} 1", "label repeated in one sample",
		      8);
	parse_refused("m{,} 1", "expected a label name", 2);
	parse_refused("m 0x10", "invalid sample value", 2);
	parse_refused("m inf", "invalid sample value", 2);
	parse_refused("m 1e", "invalid sample value", 2);
	parse_refused("m .", "invalid sample value", 2);
	parse_refused("m 1 12x", "invalid timestamp", 4);
	parse_refused("m 1 +12", "invalid timestamp", 4);
	parse_refused("m 1 99999999999999999999", "invalid timestamp", 4);
	parse_refused("m 1 2 3", "unexpected text after the sample", 6);
}

static void malformed_metadata_is_refused(void **state)
{
	(void)state;
	parse_refused("# TYPE m", "TYPE line lacks the type", 8);
	parse_refused("# TYPE m countr", "unknown metric type", 9);
	parse_refused("# TYPE m gauge x", "unexpected text after the type", 15);
	parse_refused("# HELP m a\\tb", "unknown escape in HELP text", 12);
	parse_refused("# HELP m a\\", "HELP text ends in a lone backslash", 11);
	parse_refused("# HELP", "expected a blank before the metric name", 6);
	parse_refused("# HELP 1m x", "expected a metric name", 7);
	parse_refused("# TYPE m{ gauge", "invalid character in the metric name",
		      8);
}

static void nul_byte_is_refused(void **state)
{
	char text[] = "m{a=\"x\0y\"} 1";
	struct exposition_line line;
	const char *reason;
	size_t column;

	(void)state;
	assert_int_equal(exposition_parse_line(text, sizeof(text) - 1, &line,
					       &reason, &column),
			 -EINVAL);
	assert_string_equal(reason, "NUL byte in the line");
	assert_int_equal(column, 6);
}

static void too_many_labels_are_refused(void **state)
{
	struct exposition_line line;
	char text[1024] = "m{";
	const char *reason;
	size_t i;

	(void)state;
	for (i = 0; i <= EXPOSITION_PARSE_MAX_LABELS; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "l%zu=\"v\",", i);
	strcat(text, "} 1");
	assert_int_equal(
		exposition_parse_line(text, strlen(text), &line, &reason, NULL),
		-EINVAL);
	assert_string_equal(reason, "too many labels");
}

/* --- the reader ------------------------------------------------------- */

struct collected {
	size_t samples;
	size_t comments;
	char names[16][64];
	double values[16];
	int stop_at; /* return -ECANCELED at this sample, when > 0 */
};

static int collect_line(void *arg, const struct exposition_line *line)
{
	struct collected *c = arg;

	if (line->kind == EXPOSITION_LINE_COMMENT)
		c->comments++;
	if (line->kind != EXPOSITION_LINE_SAMPLE)
		return 0;
	if (c->stop_at && (int)c->samples + 1 == c->stop_at)
		return -ECANCELED;
	if (c->samples < 16) {
		snprintf(c->names[c->samples], 64, "%s/%s", line->name,
			 line->n_labels ? line->labels[0].value : "");
		c->values[c->samples] = line->value;
	}
	c->samples++;
	return 0;
}

/* Feeds text in pieces of step bytes; returns finish's result. */
static int read_page(const char *text, size_t step, struct collected *c,
		     char *error, size_t error_len)
{
	struct exposition_reader *reader;
	size_t len = strlen(text), at, n;
	int err = 0;

	reader = exposition_reader_new(collect_line, c);
	assert_non_null(reader);
	for (at = 0; at < len && !err; at += n) {
		n = len - at < step ? len - at : step;
		err = exposition_reader_feed(reader, text + at, n);
	}
	if (!err)
		err = exposition_reader_finish(reader);
	snprintf(error, error_len, "%s", exposition_reader_error(reader));
	exposition_reader_free(reader);
	return err;
}

static const char page[] = "# HELP namespace_in_use Namespaces.\n"
			   "# TYPE namespace_in_use gauge\n"
			   "namespace_in_use{type=\"net\"} 3\n"
			   "namespace_in_use{type=\"uts\"} 1\n"
			   "\n"
			   "# a comment\n"
			   "# TYPE h histogram\n"
			   "h_bucket{le=\"+Inf\"} 2\n"
			   "h_sum 7\n"
			   "h_count 2\n"
			   "untyped_thing{x=\"a\\nb\"} 5\n";

static void reader_reads_a_page_split_anywhere(void **state)
{
	struct collected c;
	char error[192];
	size_t step;

	(void)state;
	for (step = 1; step <= sizeof(page); step++) {
		memset(&c, 0, sizeof(c));
		assert_int_equal(
			read_page(page, step, &c, error, sizeof(error)), 0);
		assert_int_equal(c.samples, 6);
		assert_int_equal(c.comments, 1);
		assert_string_equal(c.names[0], "namespace_in_use/net");
		assert_string_equal(c.names[1], "namespace_in_use/uts");
		assert_string_equal(c.names[2], "h_bucket/+Inf");
		assert_string_equal(c.names[5], "untyped_thing/a\nb");
		assert_true(c.values[4] == 2);
		assert_string_equal(error, "");
	}
}

static void reader_error(const char *text, int want, const char *message)
{
	struct collected c = {0};
	char error[192];

	assert_int_equal(read_page(text, 7, &c, error, sizeof(error)), want);
	assert_string_equal(error, message);
}

static void reader_refuses_families_out_of_order(void **state)
{
	(void)state;
	reader_error(
		"a 1\nb 1\na 2\n", -EINVAL,
		"line 3, column 1: the family's lines are not all together");
	reader_error("# TYPE a gauge\n# TYPE a counter\n", -EINVAL,
		     "line 2, column 1: second TYPE line for the family");
	reader_error("# HELP a x\n# HELP a y\n", -EINVAL,
		     "line 2, column 1: second HELP line for the family");
	reader_error("a 1\n# TYPE a gauge\n", -EINVAL,
		     "line 2, column 1: TYPE after the family's samples");
	reader_error("# HELP a x\na 1\n# HELP a x\n", -EINVAL,
		     "line 3, column 1: HELP after the family's samples");
	reader_error(
		"# TYPE a gauge\nb 1\n# HELP a x\n", -EINVAL,
		"line 3, column 1: the family's lines are not all together");
	/* a gauge owns no _sum series: that is a family of its own */
	reader_error(
		"# TYPE a gauge\na_sum 1\na 1\n", -EINVAL,
		"line 3, column 1: the family's lines are not all together");
}

static void reader_reports_line_and_column(void **state)
{
	(void)state;
	reader_error("a 1\nb{x=\"y\" 2\n", -EINVAL,
		     "line 2, column 8: expected ',' or '}' after a label");
	reader_error(
		"a 1\nb 2", -EINVAL,
		"line 2, column 4: the last line does not end in a newline");
}

static void reader_stops_when_the_callback_fails(void **state)
{
	struct collected c = {.stop_at = 2};
	char error[192];

	(void)state;
	assert_int_equal(read_page(page, 4096, &c, error, sizeof(error)),
			 -ECANCELED);
	assert_int_equal(c.samples, 1);
	assert_string_equal(error, "line 4, column 1: stopped by the caller");
}

static void reader_refuses_a_line_too_long(void **state)
{
	size_t len = EXPOSITION_PARSE_MAX_LINE + 16;
	struct exposition_reader *reader;
	struct collected c = {0};
	char *text = malloc(len);

	(void)state;
	assert_non_null(text);
	memset(text, 'a', len);
	reader = exposition_reader_new(collect_line, &c);
	assert_non_null(reader);
	assert_int_equal(exposition_reader_feed(reader, text, 100), 0);
	assert_int_equal(exposition_reader_feed(reader, text, len - 100),
			 -E2BIG);
	/* sticky: later feeds give the same error */
	assert_int_equal(exposition_reader_feed(reader, "\n", 1), -E2BIG);
	assert_int_equal(exposition_reader_finish(reader), -E2BIG);
	exposition_reader_free(reader);
	free(text);
}

/* Whatever the writer escapes, the reader gives back byte for byte. */
static void writer_round_trip(void **state)
{
	static const char *const values[] = {
		"plain",     "q\"<b>&x", "back\\slash", "new\nline",
		"tab\there", "},{=\"",	 "caf\xc3\xa9", "",
	};
	struct exposition_line line;
	struct outbuf out;
	const char *reason = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		outbuf_init(&out, EXPOSITION_TEXT);
		exposition_sample(&out, "namespace_network_info", 1, "device",
				  values[i], "netns", "x", NULL);
		assert_int_equal(out.err, 0);
		assert_true(out.len > 0 && out.data[out.len - 1] == '\n');
		out.data[--out.len] = '\0';
		if (exposition_parse_line(out.data, out.len, &line, &reason,
					  NULL))
			fail_msg("value %zu: %s", i, reason);
		assert_string_equal(exposition_line_label(&line, "device"),
				    values[i]);
		assert_int_equal(line.labels[0].value_len, strlen(values[i]));
		outbuf_release(&out);
	}
}

/* An invalid byte is written as the text \xNN and read back as that text. */
static void writer_invalid_utf8_reads_back_visible(void **state)
{
	struct exposition_line line;
	struct outbuf out;

	(void)state;
	outbuf_init(&out, EXPOSITION_TEXT);
	exposition_sample(&out, "m", 1, "device",
			  "a\xff"
			  "b",
			  NULL);
	out.data[--out.len] = '\0';
	assert_int_equal(
		exposition_parse_line(out.data, out.len, &line, NULL, NULL), 0);
	assert_string_equal(line.labels[0].value, "a\\xffb");
	outbuf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sample_without_labels),
		cmocka_unit_test(sample_with_labels_and_timestamp),
		cmocka_unit_test(label_value_escapes_are_decoded),
		cmocka_unit_test(label_value_keeps_braces_commas_and_utf8),
		cmocka_unit_test(special_values),
		cmocka_unit_test(help_type_comment_and_blank),
		cmocka_unit_test(
			malformed_samples_are_refused_where_they_break),
		cmocka_unit_test(malformed_metadata_is_refused),
		cmocka_unit_test(nul_byte_is_refused),
		cmocka_unit_test(too_many_labels_are_refused),
		cmocka_unit_test(reader_reads_a_page_split_anywhere),
		cmocka_unit_test(reader_refuses_families_out_of_order),
		cmocka_unit_test(reader_reports_line_and_column),
		cmocka_unit_test(reader_stops_when_the_callback_fails),
		cmocka_unit_test(reader_refuses_a_line_too_long),
		cmocka_unit_test(writer_round_trip),
		cmocka_unit_test(writer_invalid_utf8_reads_back_visible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
