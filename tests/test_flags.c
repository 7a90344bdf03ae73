/* SPDX-License-Identifier: Apache-2.0 */
/* Command-line parsing: defaults, repeatable flags, collector switches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <microhttpd.h>

#include "flags.h"
#include "nse_revision.h"

static int no_collect(struct scrape *scrape, struct collector_result *result)
{
	return 0;
}

static const struct collector alpha = {
	.name = "alpha",
	.help = "Alpha things.",
	.enabled_by_default = true,
	.collect = no_collect,
};
static const struct collector beta = {
	.name = "beta",
	.help = "Beta things, off unless asked for.",
	.enabled_by_default = false,
	.collect = no_collect,
};
static const struct collector netns = {
	.name = "netns",
	.help = "Network namespaces.",
	.enabled_by_default = true,
	.collect = no_collect,
};

static const struct collector *const doubles[] = {&alpha, &beta, &netns};
#define N_DOUBLES 3

struct parsed {
	struct flags flags;
	bool enabled[N_DOUBLES];
	char err[256];
	int ret;
};

/* Parses the NULL-terminated arguments after a program name. */
static struct parsed *parse(const char *first, ...)
{
	static struct parsed result;
	char *argv[32];
	const char *arg;
	int argc = 0;
	va_list ap;

	argv[argc++] = "namespace_exporter";
	va_start(ap, first);
	for (arg = first; arg; arg = va_arg(ap, const char *))
		argv[argc++] = (char *)arg;
	va_end(ap);
	memset(&result, 0, sizeof(result));
	result.ret =
		flags_parse(&result.flags, result.enabled, argc, argv, doubles,
			    N_DOUBLES, result.err, sizeof(result.err));
	return &result;
}

static void defaults_without_arguments(void **state)
{
	struct parsed *p = parse(NULL);
	const struct config *config = &p->flags.config;

	(void)state;
	assert_int_equal(p->ret, 0);
	assert_int_equal(p->flags.action, FLAGS_RUN);
	assert_int_equal(config->n_listen, 1);
	assert_string_equal(config->listen[0], ":9879");
	assert_string_equal(config->telemetry_path, "/metrics");
	assert_int_equal(config->max_requests, 40);
	assert_string_equal(config->procfs, "/proc");
	assert_int_equal(config->n_netns_dirs, 1);
	assert_string_equal(config->netns_dirs[0], "/run/netns");
	assert_int_equal(config->netns_workers, 0);
	assert_true(config->timeout_offset == 0.5);
	assert_int_equal(p->flags.log_level, LOG_LEVEL_INFO);
	assert_int_equal(p->flags.log_format, LOG_FORMAT_LOGFMT);
	assert_true(p->enabled[0]);
	assert_false(p->enabled[1]);
	assert_true(p->enabled[2]);
}

static void listen_address_repeats_and_replaces_default(void **state)
{
	struct parsed *p = parse("--web.listen-address=127.0.0.1:1234",
				 "--web.listen-address", "[::1]:5678",
				 "--web.listen-address=:0", NULL);
	const struct config *config = &p->flags.config;

	(void)state;
	assert_int_equal(p->ret, 0);
	assert_int_equal(config->n_listen, 3);
	assert_string_equal(config->listen[0], "127.0.0.1:1234");
	assert_string_equal(config->listen[1], "[::1]:5678");
	assert_string_equal(config->listen[2], ":0");
}

static void both_value_forms_are_read(void **state)
{
	struct parsed *p =
		parse("--web.telemetry-path", "/m", "--web.max-requests=0",
		      "--path.procfs", "/host/proc", "--log.level=debug",
		      "--log.format", "json", "--collector.netns.workers=4",
		      "--web.timeout-offset", "0.25", NULL);
	const struct config *config = &p->flags.config;

	(void)state;
	assert_int_equal(p->ret, 0);
	assert_string_equal(config->telemetry_path, "/m");
	assert_int_equal(config->max_requests, 0);
	assert_string_equal(config->procfs, "/host/proc");
	assert_int_equal(p->flags.log_level, LOG_LEVEL_DEBUG);
	assert_int_equal(p->flags.log_format, LOG_FORMAT_JSON);
	assert_int_equal(config->netns_workers, 4);
	assert_true(config->timeout_offset == 0.25);
}

static void netns_dirs_add_to_run_netns(void **state)
{
	struct parsed *p = parse("--collector.netns.dir=/var/run/docker/netns",
				 "--collector.netns.dir", "/run/user/netns",
				 "--collector.netns.dir=/run/netns", NULL);
	const struct config *config = &p->flags.config;

	(void)state;
	assert_int_equal(p->ret, 0);
	/* /run/netns stays first; naming it again adds nothing */
	assert_int_equal(config->n_netns_dirs, 3);
	assert_string_equal(config->netns_dirs[0], "/run/netns");
	assert_string_equal(config->netns_dirs[1], "/var/run/docker/netns");
	assert_string_equal(config->netns_dirs[2], "/run/user/netns");
}

static void no_collector_disables_one(void **state)
{
	struct parsed *p =
		parse("--no-collector.alpha", "--collector.beta", NULL);

	(void)state;
	assert_int_equal(p->ret, 0);
	assert_false(p->enabled[0]);
	assert_true(p->enabled[1]);
	assert_true(p->enabled[2]);
}

static void collector_switch_takes_true_or_false(void **state)
{
	struct parsed *p =
		parse("--collector.alpha=false", "--collector.beta=true", NULL);

	(void)state;
	assert_int_equal(p->ret, 0);
	assert_false(p->enabled[0]);
	assert_true(p->enabled[1]);

	p = parse("--collector.alpha=maybe", NULL);
	assert_int_equal(p->ret, -EINVAL);
	assert_non_null(strstr(p->err, "--collector.alpha"));
	p = parse("--no-collector.alpha=true", NULL);
	assert_int_equal(p->ret, -EINVAL);
	assert_non_null(strstr(p->err, "--no-collector.alpha"));
}

static void disable_defaults_then_enable_one(void **state)
{
	struct parsed *p;

	(void)state;
	p = parse("--collector.disable-defaults", "--collector.netns", NULL);
	assert_int_equal(p->ret, 0);
	assert_false(p->enabled[0]);
	assert_false(p->enabled[1]);
	assert_true(p->enabled[2]);

	/* the order does not matter: an explicit choice wins */
	p = parse("--collector.beta", "--collector.disable-defaults", NULL);
	assert_int_equal(p->ret, 0);
	assert_false(p->enabled[0]);
	assert_true(p->enabled[1]);
	assert_false(p->enabled[2]);
}

static void last_choice_for_a_collector_wins(void **state)
{
	struct parsed *p =
		parse("--collector.beta", "--no-collector.beta",
		      "--no-collector.alpha", "--collector.alpha", NULL);

	(void)state;
	assert_int_equal(p->ret, 0);
	assert_true(p->enabled[0]);
	assert_false(p->enabled[1]);
}

static void help_and_version_are_actions(void **state)
{
	(void)state;
	assert_int_equal(parse("--help", NULL)->flags.action, FLAGS_HELP);
	assert_int_equal(parse("-h", NULL)->flags.action, FLAGS_HELP);
	assert_int_equal(parse("--version", NULL)->flags.action, FLAGS_VERSION);
	assert_int_equal(parse("--version", "--help", NULL)->flags.action,
			 FLAGS_HELP);
}

/* Each bad argument is refused with -EINVAL and a message naming it. */
static void expect_refused(const char *arg, const char *value,
			   const char *named)
{
	struct parsed *p = value ? parse(arg, value, NULL) : parse(arg, NULL);

	assert_int_equal(p->ret, -EINVAL);
	if (!strstr(p->err, named))
		fail_msg("error for %s is \"%s\", which does not name %s", arg,
			 p->err, named);
}

static void bad_values_are_refused_by_name(void **state)
{
	(void)state;
	expect_refused("--no-such-flag", NULL, "--no-such-flag");
	expect_refused("--collector.gamma", NULL, "--collector.gamma");
	expect_refused("--no-collector.netns.dir", NULL,
		       "--no-collector.netns.dir");
	expect_refused("--web.max-requests=-1", NULL, "--web.max-requests");
	expect_refused("--web.max-requests=ten", NULL, "--web.max-requests");
	expect_refused("--web.max-requests=", NULL, "--web.max-requests");
	expect_refused("--web.listen-address=9879", NULL,
		       "--web.listen-address");
	expect_refused("--web.listen-address=::1:9879", NULL,
		       "--web.listen-address");
	expect_refused("--web.listen-address=host:99999", NULL,
		       "--web.listen-address");
	expect_refused("--web.listen-address=[::1]9879", NULL,
		       "--web.listen-address");
	expect_refused("--web.telemetry-path=metrics", NULL,
		       "--web.telemetry-path");
	expect_refused("--web.telemetry-path=/", NULL, "--web.telemetry-path");
	expect_refused("--log.level=loud", NULL, "--log.level");
	expect_refused("--log.format=xml", NULL, "--log.format");
	expect_refused("--collector.netns.workers=x", NULL,
		       "--collector.netns.workers");
	expect_refused("--collector.netns.dir=", NULL, "--collector.netns.dir");
	expect_refused("--web.timeout-offset=-1", NULL, "--web.timeout-offset");
	expect_refused("--path.procfs", NULL, "--path.procfs");
	expect_refused("--help=yes", NULL, "--help");
	expect_refused("stray", NULL, "stray");
	expect_refused("-x", NULL, "-x");
}

static void socket_holders_is_a_switch_off_by_default(void **state)
{
	(void)state;
	assert_false(parse(NULL)->flags.config.socket_holders);
	assert_true(parse("--collector.net.socket-holders", NULL)
			    ->flags.config.socket_holders);
	expect_refused("--collector.net.socket-holders=true", NULL,
		       "--collector.net.socket-holders");
}

static void telemetry_path_cannot_take_a_route_of_the_server(void **state)
{
	(void)state;
	expect_refused("--web.telemetry-path=/-/healthy", NULL,
		       "--web.telemetry-path");
	expect_refused("--web.telemetry-path=/api/v1/netns", NULL,
		       "--web.telemetry-path");
	assert_int_equal(parse("--web.telemetry-path=/apis", NULL)->ret, 0);
}

static void exclude_patterns_compile_and_match_unanchored(void **state)
{
	struct parsed *p = parse("--collector.netns.device-exclude=^(lo|veth[0-9]+)$",
				 "--collector.netns.netns-exclude", "cni-",
				 "--collector.netns.netns-exclude", "^$", NULL);
	const struct config *config = &p->flags.config;

	(void)state;
	assert_int_equal(p->ret, 0);
	assert_non_null(config->device_exclude);
	assert_int_equal(regexec(config->device_exclude, "lo", 0, NULL, 0), 0);
	assert_int_equal(regexec(config->device_exclude, "veth12", 0, NULL, 0), 0);
	assert_int_not_equal(regexec(config->device_exclude, "lo0", 0, NULL, 0), 0);
	/* the last one given wins: the empty name only, not "cni-" */
	assert_int_equal(regexec(config->netns_exclude, "", 0, NULL, 0), 0);
	assert_int_not_equal(regexec(config->netns_exclude, "cni-1", 0, NULL, 0), 0);
	flags_release(&p->flags);
	assert_null(p->flags.config.device_exclude);
	assert_null(p->flags.config.netns_exclude);
}

static void bad_exclude_pattern_is_refused_by_name(void **state)
{
	struct parsed *p = parse("--collector.netns.device-exclude=(lo", NULL);

	(void)state;
	assert_int_equal(p->ret, -EINVAL);
	assert_non_null(strstr(p->err, "collector.netns.device-exclude"));
	assert_non_null(strstr(p->err, "(lo"));
	flags_release(&p->flags);
}

static void too_many_netns_dirs_are_refused(void **state)
{
	char dirs[CONFIG_MAX_NETNS_DIRS][48];
	char *argv[CONFIG_MAX_NETNS_DIRS + 1];
	struct flags flags;
	bool enabled[N_DOUBLES];
	char err[256];
	int i;

	(void)state;
	argv[0] = "namespace_exporter";
	for (i = 0; i < CONFIG_MAX_NETNS_DIRS; i++) {
		snprintf(dirs[i], sizeof(dirs[i]), "--collector.netns.dir=/d%d",
			 i);
		argv[i + 1] = dirs[i];
	}
	/* /run/netns plus 15 more fit; the 16th added does not */
	assert_int_equal(flags_parse(&flags, enabled, CONFIG_MAX_NETNS_DIRS,
				     argv, doubles, N_DOUBLES, err,
				     sizeof(err)),
			 0);
	assert_int_equal(flags.config.n_netns_dirs, CONFIG_MAX_NETNS_DIRS);
	assert_int_equal(flags_parse(&flags, enabled, CONFIG_MAX_NETNS_DIRS + 1,
				     argv, doubles, N_DOUBLES, err,
				     sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "--collector.netns.dir"));
}

/* The line of text that contains needle, copied into line. */
static void line_with(const char *text, const char *needle, char *line,
		      size_t len)
{
	const char *hit = strstr(text, needle), *start, *end;

	if (!hit)
		fail_msg("help lacks \"%s\"", needle);
	for (start = hit; start > text && start[-1] != '\n'; start--)
		;
	end = strchr(hit, '\n');
	snprintf(line, len, "%.*s", (int)(end - start), start);
}

static void help_lists_flags_with_defaults_and_collectors(void **state)
{
	char *text = NULL, line[512];
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_non_null(out);
	flags_usage(out, "namespace_exporter", doubles, N_DOUBLES);
	fclose(out);
	line_with(text, "--web.listen-address=", line, sizeof(line));
	assert_non_null(strstr(line, "(default: :9879)"));
	line_with(text, "--web.telemetry-path=", line, sizeof(line));
	assert_non_null(strstr(line, "(default: /metrics)"));
	line_with(text, "--web.max-requests=", line, sizeof(line));
	assert_non_null(strstr(line, "(default: 40)"));
	line_with(text, "--path.procfs=", line, sizeof(line));
	assert_non_null(strstr(line, "(default: /proc)"));
	line_with(text, "--log.level=", line, sizeof(line));
	assert_non_null(strstr(line, "(default: info)"));
	line_with(text, "--log.format=", line, sizeof(line));
	assert_non_null(strstr(line, "(default: logfmt)"));
	line_with(text, "--collector.netns.dir=", line, sizeof(line));
	assert_non_null(strstr(line, "/run/netns"));
	line_with(text, "--collector.netns.workers=", line, sizeof(line));
	line_with(text, "--collector.disable-defaults", line, sizeof(line));
	line_with(text, "--version", line, sizeof(line));
	line_with(text, "-h, --help", line, sizeof(line));
	line_with(text, "--[no-]collector.alpha ", line, sizeof(line));
	assert_non_null(strstr(line, "Alpha things. (default: enabled)"));
	line_with(text, "--[no-]collector.beta ", line, sizeof(line));
	assert_non_null(strstr(line, "(default: disabled)"));
	free(text);
}

static void version_names_the_libraries(void **state)
{
	char *text = NULL, version[16];
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	(void)state;
	assert_non_null(out);
	flags_version(out);
	fclose(out);
	assert_non_null(
		strstr(text, "namespace_exporter, version " NSE_VERSION));
	assert_non_null(strstr(text, "revision: " NSE_REVISION));
	/* MHD_VERSION 0x00097500 reads 0.9.75 */
	snprintf(version, sizeof(version), "%x.%x.%x",
		 (unsigned)(MHD_VERSION >> 24) & 0xff,
		 (unsigned)(MHD_VERSION >> 16) & 0xff,
		 (unsigned)(MHD_VERSION >> 8) & 0xff);
	assert_non_null(strstr(text, "libmicrohttpd "));
	assert_non_null(strstr(text, version));
	assert_non_null(strstr(text, "libmnl " NSE_LIBMNL_VERSION));
	assert_non_null(strstr(text, "zlib "));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults_without_arguments),
		cmocka_unit_test(listen_address_repeats_and_replaces_default),
		cmocka_unit_test(both_value_forms_are_read),
		cmocka_unit_test(netns_dirs_add_to_run_netns),
		cmocka_unit_test(no_collector_disables_one),
		cmocka_unit_test(collector_switch_takes_true_or_false),
		cmocka_unit_test(disable_defaults_then_enable_one),
		cmocka_unit_test(last_choice_for_a_collector_wins),
		cmocka_unit_test(help_and_version_are_actions),
		cmocka_unit_test(bad_values_are_refused_by_name),
		cmocka_unit_test(socket_holders_is_a_switch_off_by_default),
		cmocka_unit_test(too_many_netns_dirs_are_refused),
		cmocka_unit_test(exclude_patterns_compile_and_match_unanchored),
		cmocka_unit_test(telemetry_path_cannot_take_a_route_of_the_server),
		cmocka_unit_test(bad_exclude_pattern_is_refused_by_name),
		cmocka_unit_test(help_lists_flags_with_defaults_and_collectors),
		cmocka_unit_test(version_names_the_libraries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
