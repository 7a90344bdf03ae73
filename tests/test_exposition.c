/* SPDX-License-Identifier: Apache-2.0 */
/* The exposition writer: escaping, numbers, family headers, both formats. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exposition.h"

/* Compares the buffer's contents with the expected text, then frees it. */
static void assert_outbuf_equals(struct outbuf *buf, const char *expected)
{
	char *text;

	assert_int_equal(buf->err, 0);
	text = strndup(buf->data ? buf->data : "", buf->len);
	assert_non_null(text);
	assert_string_equal(text, expected);
	free(text);
	outbuf_release(buf);
}

static void label_value_escapes_backslash_quote_and_newline(void **state)
{
	struct outbuf buf;

	(void)state;
	outbuf_init(&buf, EXPOSITION_TEXT);
	outbuf_label_value(&buf, "q\"uote back\\slash line\nfeed", 27);
	assert_outbuf_equals(&buf, "q\\\"uote back\\\\slash line\\nfeed");
}

static void label_value_trailing_backslash_is_doubled(void **state)
{
	struct outbuf buf;

	(void)state;
	outbuf_init(&buf, EXPOSITION_TEXT);
	outbuf_label_value(&buf, "bs\\", 3);
	assert_outbuf_equals(&buf, "bs\\\\");
}

static void label_value_keeps_punctuation_that_needs_no_escape(void **state)
{
	struct outbuf buf;

	(void)state;
	outbuf_init(&buf, EXPOSITION_TEXT);
	outbuf_label_value(&buf, "#{x=1},}", 8);
	assert_outbuf_equals(&buf, "#{x=1},}");
}

static void label_value_passes_valid_utf8(void **state)
{
	struct outbuf buf;
	const char *name = "gr\xc3\xbcn-\xe2\x82\xac-\xf0\x9f\x90\xa7";

	(void)state;
	outbuf_init(&buf, EXPOSITION_TEXT);
	outbuf_label_value(&buf, name, strlen(name));
	assert_outbuf_equals(&buf, name);
}

static void label_value_writes_invalid_bytes_as_visible_hex(void **state)
{
	struct outbuf buf;

	(void)state;
	outbuf_init(&buf, EXPOSITION_TEXT);
	/* lone continuation, truncated sequence, overlong '/', surrogate */
	outbuf_label_value(&buf, "a\x80" "b\xc3" "c\xc0\xaf" "d\xed\xa0\x80", 12);
	assert_outbuf_equals(&buf, "a\\\\x80b\\\\xc3c\\\\xc0\\\\xafd\\\\xed\\\\xa0\\\\x80");
}

static void utf8_valid_rejects_what_prometheus_rejects(void **state)
{
	(void)state;
	assert_true(utf8_valid("plain", 5));
	assert_true(utf8_valid("\xf4\x8f\xbf\xbf", 4));
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
	assert_false(utf8_valid("\xe0\x80\xaf", 3));	  /* overlong */
	assert_false(utf8_valid("\xff", 1));
}

static void u64_prints_every_digit(void **state)
{
	struct outbuf buf;

	(void)state;
	outbuf_init(&buf, EXPOSITION_TEXT);
	outbuf_u64(&buf, 0);
	outbuf_putc(&buf, ' ');
	outbuf_u64(&buf, 5016444477ULL);
	outbuf_putc(&buf, ' ');
	outbuf_u64(&buf, UINT64_MAX);
	outbuf_putc(&buf, ' ');
	outbuf_i64(&buf, INT64_MIN);
	assert_outbuf_equals(&buf,
			     "0 5016444477 18446744073709551615 -9223372036854775808");
}

static void double_uses_shortest_exact_form(void **state)
{
	struct outbuf buf;

	(void)state;
	outbuf_init(&buf, EXPOSITION_TEXT);
	outbuf_double(&buf, 0.1);
	outbuf_putc(&buf, ' ');
	outbuf_double(&buf, 1.0 / 3.0);
	outbuf_putc(&buf, ' ');
	outbuf_double(&buf, 42.0);
	outbuf_putc(&buf, ' ');
	outbuf_double(&buf, -0.5);
	outbuf_putc(&buf, ' ');
	outbuf_double(&buf, 1e300);
	assert_outbuf_equals(&buf, "0.1 0.33333333333333331 42 -0.5 1e+300");
}

static void double_spells_special_values(void **state)
{
	struct outbuf buf;

	(void)state;
	outbuf_init(&buf, EXPOSITION_TEXT);
	outbuf_double(&buf, 0.0 / 0.0);
	outbuf_putc(&buf, ' ');
	outbuf_double(&buf, 1.0 / 0.0);
	outbuf_putc(&buf, ' ');
	outbuf_double(&buf, -1.0 / 0.0);
	assert_outbuf_equals(&buf, "NaN +Inf -Inf");
}

static void help_escapes_backslash_and_newline(void **state)
{
	struct outbuf buf;

	(void)state;
	outbuf_init(&buf, EXPOSITION_TEXT);
	exposition_family(&buf, "namespace_x", METRIC_GAUGE, NULL,
			  "a \\ b\nc \"q\"");
	assert_outbuf_equals(&buf, "# HELP namespace_x a \\\\ b\\nc \"q\"\n"
				   "# TYPE namespace_x gauge\n");
}

static void text_family_declares_counters_and_info(void **state)
{
	struct outbuf buf;

	(void)state;
	outbuf_init(&buf, EXPOSITION_TEXT);
	exposition_family(&buf, "namespace_network_receive_bytes_total",
			  METRIC_COUNTER, "bytes", "Received bytes.");
	exposition_family(&buf, "namespace_info", METRIC_INFO, NULL, "Info.");
	assert_outbuf_equals(&buf,
			     "# HELP namespace_network_receive_bytes_total Received bytes.\n"
			     "# TYPE namespace_network_receive_bytes_total counter\n"
			     "# HELP namespace_info Info.\n"
			     "# TYPE namespace_info gauge\n");
}

static void openmetrics_family_drops_suffixes_and_adds_unit(void **state)
{
	struct outbuf buf;

	(void)state;
	outbuf_init(&buf, EXPOSITION_OPENMETRICS);
	exposition_family(&buf, "namespace_network_receive_bytes_total",
			  METRIC_COUNTER, "bytes", "Received \"bytes\".");
	exposition_family(&buf, "namespace_info", METRIC_INFO, NULL, "Info.");
	exposition_family(&buf, "namespace_in_use", METRIC_GAUGE, "bytes",
			  "No unit suffix, so no UNIT line.");
	exposition_finish(&buf);
	assert_outbuf_equals(&buf,
			     "# HELP namespace_network_receive_bytes Received \\\"bytes\\\".\n"
			     "# TYPE namespace_network_receive_bytes counter\n"
			     "# UNIT namespace_network_receive_bytes bytes\n"
			     "# HELP namespace Info.\n"
			     "# TYPE namespace info\n"
			     "# HELP namespace_in_use No unit suffix, so no UNIT line.\n"
			     "# TYPE namespace_in_use gauge\n"
			     "# EOF\n");
}

static void sample_escapes_label_values(void **state)
{
	struct outbuf buf;

	(void)state;
	outbuf_init(&buf, EXPOSITION_TEXT);
	exposition_sample(&buf, "namespace_network_mtu_bytes", 1500, "netns",
			  "case\"esc", "device", "back\\slash", NULL);
	exposition_sample(&buf, "namespace_exporter_up", 1, NULL);
	assert_outbuf_equals(&buf,
			     "namespace_network_mtu_bytes{netns=\"case\\\"esc\",device=\"back\\\\slash\"} 1500\n"
			     "namespace_exporter_up 1\n");
}

static void prebuilt_labels_are_reused(void **state)
{
	struct outbuf labels, buf;

	(void)state;
	outbuf_init(&labels, EXPOSITION_TEXT);
	outbuf_init(&buf, EXPOSITION_TEXT);
	labels_append(&labels, "netns", "blue");
	labels_append_u64(&labels, "netns_inode", 4026532184ULL);
	labels_append_len(&labels, "device", "abcdefghijklmno", 15);
	exposition_sample_raw_u64(&buf, "a_total", labels.data, labels.len,
				  5016444477ULL);
	exposition_sample_raw(&buf, "b", labels.data, labels.len, 0.25);
	outbuf_release(&labels);
	assert_outbuf_equals(&buf,
			     "a_total{netns=\"blue\",netns_inode=\"4026532184\",device=\"abcdefghijklmno\"} 5016444477\n"
			     "b{netns=\"blue\",netns_inode=\"4026532184\",device=\"abcdefghijklmno\"} 0.25\n");
}

static void take_hands_over_memory_and_empties_buffer(void **state)
{
	struct outbuf buf;
	size_t len = 99;
	char *data;

	(void)state;
	outbuf_init(&buf, EXPOSITION_TEXT);
	data = outbuf_take(&buf, &len);
	assert_non_null(data);
	assert_int_equal(len, 0);
	free(data);
	outbuf_puts(&buf, "abc");
	data = outbuf_take(&buf, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(data, "abc", 3);
	assert_null(buf.data);
	assert_int_equal(buf.len, 0);
	free(data);
}

static void write_error_is_sticky(void **state)
{
	struct outbuf buf;
	size_t len;

	(void)state;
	outbuf_init(&buf, EXPOSITION_TEXT);
	outbuf_puts(&buf, "ok");
	/* a request the allocator cannot meet poisons the buffer */
	assert_int_equal(outbuf_reserve(&buf, SIZE_MAX - 1), -ENOMEM);
	outbuf_puts(&buf, "more");
	assert_int_equal(buf.len, 2);
	assert_null(outbuf_take(&buf, &len));
	outbuf_release(&buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(label_value_escapes_backslash_quote_and_newline),
		cmocka_unit_test(label_value_trailing_backslash_is_doubled),
		cmocka_unit_test(label_value_keeps_punctuation_that_needs_no_escape),
		cmocka_unit_test(label_value_passes_valid_utf8),
		cmocka_unit_test(label_value_writes_invalid_bytes_as_visible_hex),
		cmocka_unit_test(utf8_valid_rejects_what_prometheus_rejects),
		cmocka_unit_test(u64_prints_every_digit),
		cmocka_unit_test(double_uses_shortest_exact_form),
		cmocka_unit_test(double_spells_special_values),
		cmocka_unit_test(help_escapes_backslash_and_newline),
		cmocka_unit_test(text_family_declares_counters_and_info),
		cmocka_unit_test(openmetrics_family_drops_suffixes_and_adds_unit),
		cmocka_unit_test(sample_escapes_label_values),
		cmocka_unit_test(prebuilt_labels_are_reused),
		cmocka_unit_test(take_hands_over_memory_and_empties_buffer),
		cmocka_unit_test(write_error_is_sticky),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
