/* SPDX-License-Identifier: Apache-2.0 */
/* The logger: logfmt and JSON quoting, level filtering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log.h"

static char *captured;
static size_t captured_len;
static FILE *capture;

static int capture_setup(void **state)
{
	(void)state;
	capture = open_memstream(&captured, &captured_len);
	if (!capture)
		return -1;
	log_set_stream(capture);
	return 0;
}

static int capture_teardown(void **state)
{
	(void)state;
	log_set_stream(NULL);
	fclose(capture);
	free(captured);
	captured = NULL;
	log_setup(LOG_LEVEL_INFO, LOG_FORMAT_LOGFMT);
	return 0;
}

/* The captured text after its "ts=..." field. */
static const char *after_timestamp(void)
{
	const char *space;

	fflush(capture);
	space = strchr(captured, ' ');
	assert_non_null(space);
	return space + 1;
}

static void logfmt_quotes_values_that_need_it(void **state)
{
	(void)state;
	log_setup(LOG_LEVEL_INFO, LOG_FORMAT_LOGFMT);
	log_warn("cannot enter network namespace", "netns", "blue", "path",
		 "/run/netns/a b", "err", "say \"no\"\n", NULL);
	assert_string_equal(after_timestamp(),
			    "level=warn msg=\"cannot enter network namespace\" netns=blue path=\"/run/netns/a b\" err=\"say \\\"no\\\"\\n\"\n");
}

static void level_below_minimum_writes_nothing(void **state)
{
	(void)state;
	log_setup(LOG_LEVEL_WARN, LOG_FORMAT_LOGFMT);
	log_info("quiet", NULL);
	log_debug("quieter", NULL);
	fflush(capture);
	assert_int_equal(captured_len, 0);
	log_error("loud", NULL);
	assert_string_equal(after_timestamp(), "level=error msg=loud\n");
}

static void json_lines_are_objects(void **state)
{
	(void)state;
	log_setup(LOG_LEVEL_DEBUG, LOG_FORMAT_JSON);
	log_debug("scrape done", "collector", "netns", "empty", NULL, NULL);
	fflush(capture);
	assert_true(captured[0] == '{');
	assert_non_null(strstr(captured, "\"level\":\"debug\",\"msg\":\"scrape done\",\"collector\":\"netns\",\"empty\":\"\"}\n"));
}

static void invalid_utf8_becomes_visible_hex(void **state)
{
	(void)state;
	log_setup(LOG_LEVEL_INFO, LOG_FORMAT_JSON);
	log_info("admin request", "user", "ad\"m\xffin", "netns",
		 "gr\xc3\xbcn\xc3", NULL);
	assert_non_null(strstr(after_timestamp(),
			       "\"user\":\"ad\\\"m\\\\xffin\",\"netns\":\"gr\xc3\xbcn\\\\xc3\"}\n"));
	fclose(capture);
	free(captured);
	capture = open_memstream(&captured, &captured_len);
	log_set_stream(capture);
	log_setup(LOG_LEVEL_INFO, LOG_FORMAT_LOGFMT);
	log_info("x", "netns", "a\x80", NULL);
	assert_string_equal(after_timestamp(),
			    "level=info msg=x netns=\"a\\\\x80\"\n");
}

static void level_and_format_names_parse(void **state)
{
	enum log_level level;
	enum log_format format;

	(void)state;
	assert_int_equal(log_level_parse("warn", &level), 0);
	assert_int_equal(level, LOG_LEVEL_WARN);
	assert_int_equal(log_level_parse("verbose", &level), -EINVAL);
	assert_int_equal(log_format_parse("json", &format), 0);
	assert_int_equal(format, LOG_FORMAT_JSON);
	assert_int_equal(log_format_parse("xml", &format), -EINVAL);
}

/*
 * A trouble that flaps (fails, clears, fails again within seconds) warns
 * once a minute; a steady one warns once; a new one after a quiet minute
 * warns again.
 */
static void flapping_trouble_warns_once_a_minute(void **state)
{
	struct log_flap flap = {0};
	double t = 1000.0;
	int i, warnings = 0;

	(void)state;
	assert_int_equal(log_flap_level(&flap, false, t), -1);
	assert_int_equal(log_flap_level(&flap, true, t), LOG_LEVEL_WARN);
	assert_int_equal(log_flap_level(&flap, true, t + 1), LOG_LEVEL_DEBUG);
	/* two minutes of fail, clear, fail, every second */
	for (i = 1; i <= 120; i++) {
		log_flap_level(&flap, false, t + i);
		if (log_flap_level(&flap, true, t + i) == LOG_LEVEL_WARN)
			warnings++;
	}
	assert_int_equal(warnings, 2); /* at t + 60 and t + 120 */
	/* steady for ten minutes: nothing more at warn */
	for (i = 121; i <= 720; i++)
		assert_int_equal(log_flap_level(&flap, true, t + i),
				 LOG_LEVEL_DEBUG);
	/* it clears, and comes back later: told again */
	assert_int_equal(log_flap_level(&flap, false, t + 721), -1);
	assert_int_equal(log_flap_level(&flap, true, t + 722), LOG_LEVEL_WARN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(logfmt_quotes_values_that_need_it, capture_setup, capture_teardown),
		cmocka_unit_test_setup_teardown(level_below_minimum_writes_nothing, capture_setup, capture_teardown),
		cmocka_unit_test_setup_teardown(json_lines_are_objects, capture_setup, capture_teardown),
		cmocka_unit_test_setup_teardown(invalid_utf8_becomes_visible_hex, capture_setup, capture_teardown),
		cmocka_unit_test_setup_teardown(level_and_format_names_parse, capture_setup, capture_teardown),
		cmocka_unit_test(flapping_trouble_warns_once_a_minute),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
