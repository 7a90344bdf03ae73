/* SPDX-License-Identifier: Apache-2.0 */
/* Command-line parsing and the --help and --version texts. */
#include "flags.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "self_metrics.h"
#include "web_config.h"

/* What the command line said about one collector. */
enum collector_choice {
	CHOICE_DEFAULT,
	CHOICE_ON,
	CHOICE_OFF,
};

struct parse_state {
	struct flags *flags;
	bool listen_given;
	bool disable_defaults;
	enum collector_choice *choices;
	char *err;
	size_t err_len;
};

__attribute__((format(printf, 2, 3))) static int
parse_error(struct parse_state *state, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(state->err, state->err_len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_uint(const char *text, unsigned long max, unsigned long *out)
{
	unsigned long value;
	char *end;

	if (*text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno || *end || value > max)
		return -EINVAL;
	*out = value;
	return 0;
}

static int parse_bool(const char *text, bool *out)
{
	if (!strcmp(text, "true")) {
		*out = true;
		return 0;
	}
	if (!strcmp(text, "false")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

static int set_listen(struct parse_state *state, const char *name,
		      const char *value)
{
	struct config *config = &state->flags->config;
	size_t i;

	if (http_address_split(value, NULL, 0, NULL) < 0)
		return parse_error(
			state,
			"flag --%s: invalid address \"%s\": expected HOST:PORT, [IPV6]:PORT or :PORT",
			name, value);
	/* the first address given replaces the default */
	if (!state->listen_given) {
		config->n_listen = 0;
		state->listen_given = true;
	}
	for (i = 0; i < config->n_listen; i++) {
		if (!strcmp(config->listen[i], value))
			return 0;
	}
	if (config->n_listen == CONFIG_MAX_LISTEN)
		return parse_error(state, "flag --%s: more than %d addresses",
				   name, CONFIG_MAX_LISTEN);
	config->listen[config->n_listen++] = value;
	return 0;
}

static int set_telemetry_path(struct parse_state *state, const char *name,
			      const char *value)
{
	if (value[0] != '/' || !value[1])
		return parse_error(
			state,
			"flag --%s: invalid path \"%s\": it must start with / and name more than /",
			name, value);
	/* the server's own routes are taken, whether or not the admin API is on */
	if (!strcmp(value, "/-/healthy") || !strncmp(value, "/api/", 5))
		return parse_error(
			state,
			"flag --%s: invalid path \"%s\": /-/healthy and /api/ are the server's own routes",
			name, value);
	state->flags->config.telemetry_path = value;
	return 0;
}

static int set_max_requests(struct parse_state *state, const char *name,
			    const char *value)
{
	unsigned long n;

	if (parse_uint(value, UINT_MAX, &n) < 0)
		return parse_error(
			state,
			"flag --%s: invalid value \"%s\": expected a whole number, 0 for no limit",
			name, value);
	state->flags->config.max_requests = (unsigned)n;
	return 0;
}

static int set_timeout_offset(struct parse_state *state, const char *name,
			      const char *value)
{
	double seconds;
	char *end;

	errno = 0;
	seconds = strtod(value, &end);
	if (errno || end == value || *end || !(seconds >= 0 && seconds < 3600))
		return parse_error(
			state,
			"flag --%s: invalid value \"%s\": expected seconds, from 0 to 3600",
			name, value);
	state->flags->config.timeout_offset = seconds;
	return 0;
}

static int set_netns_dir(struct parse_state *state, const char *name,
			 const char *value)
{
	struct config *config = &state->flags->config;
	size_t i;

	if (!*value)
		return parse_error(state,
				   "flag --%s: the directory must not be empty",
				   name);
	for (i = 0; i < config->n_netns_dirs; i++) {
		if (!strcmp(config->netns_dirs[i], value))
			return 0;
	}
	if (config->n_netns_dirs == CONFIG_MAX_NETNS_DIRS)
		return parse_error(state, "flag --%s: more than %d directories",
				   name, CONFIG_MAX_NETNS_DIRS - 1);
	config->netns_dirs[config->n_netns_dirs++] = value;
	return 0;
}

static int set_netns_workers(struct parse_state *state, const char *name,
			     const char *value)
{
	unsigned long n;

	if (parse_uint(value, 1024, &n) < 0)
		return parse_error(
			state,
			"flag --%s: invalid value \"%s\": expected 0 (one per CPU) to 1024",
			name, value);
	state->flags->config.netns_workers = (unsigned)n;
	return 0;
}

static int set_socket_holders(struct parse_state *state, const char *name,
			      const char *value)
{
	state->flags->config.socket_holders = true;
	return 0;
}

/*
 * An extended POSIX regular expression, unanchored as node_exporter's
 * device-exclude is: "lo" drops every name containing lo; "^lo$" only lo.
 */
static int set_exclude(struct parse_state *state, const char *name,
		       const char *value)
{
	struct flags *flags = state->flags;
	bool netns = !strcmp(name, "collector.netns.netns-exclude");
	regex_t *re = netns ? &flags->netns_exclude : &flags->device_exclude;
	const regex_t **slot = netns ? &flags->config.netns_exclude
				     : &flags->config.device_exclude;
	char reason[128];
	int rc;

	if (*slot) {
		regfree(re);
		*slot = NULL;
	}
	rc = regcomp(re, value, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		regerror(rc, re, reason, sizeof(reason));
		return parse_error(state,
				   "flag --%s: invalid regular expression \"%s\": %s",
				   name, value, reason);
	}
	*slot = re;
	return 0;
}

static int set_procfs(struct parse_state *state, const char *name,
		      const char *value)
{
	if (!*value)
		return parse_error(
			state, "flag --%s: the path must not be empty", name);
	state->flags->config.procfs = value;
	return 0;
}

static int set_config_file(struct parse_state *state, const char *name,
			   const char *value)
{
	struct config *config = &state->flags->config;

	if (!*value)
		return parse_error(
			state, "flag --%s: the path must not be empty", name);
	if (!strcmp(name, "admin.config.file"))
		config->admin_config_file = value;
	else
		config->web_config_file = value;
	return 0;
}

static int set_admin_allow_insecure(struct parse_state *state, const char *name,
				    const char *value)
{
	state->flags->config.admin_allow_insecure = true;
	return 0;
}

static int set_log_level(struct parse_state *state, const char *name,
			 const char *value)
{
	if (log_level_parse(value, &state->flags->log_level) < 0)
		return parse_error(
			state,
			"flag --%s: invalid value \"%s\": expected debug, info, warn or error",
			name, value);
	return 0;
}

static int set_log_format(struct parse_state *state, const char *name,
			  const char *value)
{
	if (log_format_parse(value, &state->flags->log_format) < 0)
		return parse_error(
			state,
			"flag --%s: invalid value \"%s\": expected logfmt or json",
			name, value);
	return 0;
}

static int set_disable_defaults(struct parse_state *state, const char *name,
				const char *value)
{
	state->disable_defaults = true;
	return 0;
}

static int set_help(struct parse_state *state, const char *name,
		    const char *value)
{
	state->flags->action = FLAGS_HELP;
	return 0;
}

static int set_version(struct parse_state *state, const char *name,
		       const char *value)
{
	/* --help wins when both are given */
	if (state->flags->action != FLAGS_HELP)
		state->flags->action = FLAGS_VERSION;
	return 0;
}

struct flag_spec {
	const char *name;
	/* NULL for a switch; otherwise how --help names the value */
	const char *value_name;
	const char *default_text;
	const char *help;
	int (*set)(struct parse_state *state, const char *name,
		   const char *value);
};

static const struct flag_spec flag_specs[] = {
	{"help", NULL, NULL, "Show this help and exit.", set_help},
	{"version", NULL, NULL,
	 "Show the version, the revision and the library versions built with, then exit.",
	 set_version},
	{"web.listen-address", "ADDRESS", FLAGS_DEFAULT_LISTEN,
	 "Address to serve on: HOST:PORT, [IPV6]:PORT, or :PORT for every address. Repeat the flag for more; port 0 lets the kernel choose.",
	 set_listen},
	{"web.telemetry-path", "PATH", FLAGS_DEFAULT_TELEMETRY_PATH,
	 "Path under which the metrics are served.", set_telemetry_path},
	{"web.max-requests", "N", "40",
	 "Scrapes served at the same time; one more is answered 503 at once. 0 means no limit.",
	 set_max_requests},
	{"web.config.file", "FILE", NULL,
	 "Web configuration in the exporter-toolkit " WEB_CONFIG_TOOLKIT_VERSION
	 " format: TLS, basic_auth_users, http_server_config.headers. Re-read on SIGHUP.",
	 set_config_file},
	{"admin.config.file", "FILE", NULL,
	 "Turns the admin API (/api/v1/netns) on: admin_users, user names to bcrypt hashes. Re-read on SIGHUP.",
	 set_config_file},
	{"admin.allow-insecure", NULL, NULL,
	 "Serve the admin API over plain HTTP on addresses other than loopback.",
	 set_admin_allow_insecure},
	{"web.timeout-offset", "SECONDS", "0.5",
	 "Seconds subtracted from the scraper's X-Prometheus-Scrape-Timeout-Seconds to leave time for sending the page.",
	 set_timeout_offset},
	{"collector.disable-defaults", NULL, NULL,
	 "Start from every collector disabled; enable the ones wanted with --collector.<name>.",
	 set_disable_defaults},
	{"collector.netns.dir", "DIR", NULL,
	 "Another directory of network namespace bind mounts to name namespaces from, searched after " FLAGS_DEFAULT_NETNS_DIR
	 ". Repeatable.",
	 set_netns_dir},
	{"collector.netns.workers", "N", "0",
	 "Threads that enter network namespaces; 0 means one per CPU.",
	 set_netns_workers},
	{"collector.net.socket-holders", NULL, NULL,
	 "Also count sockets held in another network namespace as its holders: every socket of every process is duplicated (pidfd_getfd) and asked (SIOCGSKNS). Needs CAP_SYS_PTRACE and CAP_NET_ADMIN.",
	 set_socket_holders},
	{"collector.netns.netns-exclude", "REGEX", NULL,
	 "Network namespaces whose netns label (the name, empty when none) matches this extended regular expression are not read.",
	 set_exclude},
	{"collector.netns.device-exclude", "REGEX", NULL,
	 "Devices whose name matches this extended regular expression are left out, with their addresses and peers.",
	 set_exclude},
	{"path.procfs", "PATH", FLAGS_DEFAULT_PROCFS,
	 "Mount point of the proc file system to read processes and namespaces from.",
	 set_procfs},
	{"log.level", "LEVEL", "info",
	 "Lowest level logged: debug, info, warn or error.", set_log_level},
	{"log.format", "FORMAT", "logfmt", "Log line format: logfmt or json.",
	 set_log_format},
};

#define N_FLAG_SPECS (sizeof(flag_specs) / sizeof(flag_specs[0]))

static const struct flag_spec *flag_spec_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < N_FLAG_SPECS; i++) {
		if (strlen(flag_specs[i].name) == len &&
		    !memcmp(flag_specs[i].name, name, len))
			return &flag_specs[i];
	}
	return NULL;
}

/* Index of the collector called [name, name + len), or -ENOENT. */
static int collector_find(const struct collector *const *collectors,
			  size_t n_collectors, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n_collectors; i++) {
		if (strlen(collectors[i]->name) == len &&
		    !memcmp(collectors[i]->name, name, len))
			return (int)i;
	}
	return -ENOENT;
}

/*
 * --collector.<name>[=true|false] or --no-collector.<name>. Returns 1 when
 * name is a collector switch, 0 when it is not, or a negative errno.
 */
static int parse_collector_switch(struct parse_state *state,
				  const struct collector *const *collectors,
				  size_t n_collectors, const char *name,
				  size_t name_len, const char *value)
{
	static const char on[] = "collector.", off[] = "no-collector.";
	bool negated = false, enable = true;
	int index;

	if (name_len > strlen(off) && !strncmp(name, off, strlen(off))) {
		negated = true;
		name += strlen(off);
		name_len -= strlen(off);
	} else if (name_len > strlen(on) && !strncmp(name, on, strlen(on))) {
		name += strlen(on);
		name_len -= strlen(on);
	} else {
		return 0;
	}
	index = collector_find(collectors, n_collectors, name, name_len);
	if (index < 0)
		return 0;
	if (value && (negated || parse_bool(value, &enable) < 0))
		return parse_error(
			state, "flag --%s%.*s: invalid value \"%s\": %s",
			negated ? off : on, (int)name_len, name, value,
			negated ? "it takes no value"
				: "expected true or false");
	if (negated)
		enable = false;
	state->choices[index] = enable ? CHOICE_ON : CHOICE_OFF;
	return 1;
}

/* One argument at argv[*i]; may consume the next one as its value. */
static int parse_one(struct parse_state *state, int argc, char *const *argv,
		     int *i, const struct collector *const *collectors,
		     size_t n_collectors)
{
	const char *arg = argv[*i], *name, *value, *eq;
	const struct flag_spec *spec;
	size_t name_len;
	int err;

	if (!strcmp(arg, "-h"))
		return set_help(state, "help", NULL);
	if (strncmp(arg, "--", 2) || !arg[2])
		return parse_error(
			state,
			"unexpected argument \"%s\": every flag starts with --",
			arg);
	name = arg + 2;
	eq = strchr(name, '=');
	name_len = eq ? (size_t)(eq - name) : strlen(name);
	value = eq ? eq + 1 : NULL;

	err = parse_collector_switch(state, collectors, n_collectors, name,
				     name_len, value);
	if (err)
		return err < 0 ? err : 0;
	spec = flag_spec_find(name, name_len);
	if (!spec)
		return parse_error(state, "unknown flag --%.*s", (int)name_len,
				   name);
	if (!spec->value_name) {
		if (value)
			return parse_error(state, "flag --%s takes no value",
					   spec->name);
		return spec->set(state, spec->name, NULL);
	}
	if (!value) {
		if (*i + 1 >= argc)
			return parse_error(state, "flag --%s needs a value",
					   spec->name);
		value = argv[++*i];
	}
	return spec->set(state, spec->name, value);
}

static void flags_defaults(struct flags *flags)
{
	struct config *config = &flags->config;

	memset(flags, 0, sizeof(*flags));
	config->procfs = FLAGS_DEFAULT_PROCFS;
	config->netns_dirs[0] = FLAGS_DEFAULT_NETNS_DIR;
	config->n_netns_dirs = 1;
	config->netns_workers = 0;
	config->listen[0] = FLAGS_DEFAULT_LISTEN;
	config->n_listen = 1;
	config->telemetry_path = FLAGS_DEFAULT_TELEMETRY_PATH;
	config->max_requests = FLAGS_DEFAULT_MAX_REQUESTS;
	config->timeout_offset = FLAGS_DEFAULT_TIMEOUT_OFFSET;
	flags->log_level = LOG_LEVEL_INFO;
	flags->log_format = LOG_FORMAT_LOGFMT;
	flags->action = FLAGS_RUN;
}

void flags_release(struct flags *flags)
{
	if (flags->config.netns_exclude)
		regfree(&flags->netns_exclude);
	if (flags->config.device_exclude)
		regfree(&flags->device_exclude);
	flags->config.netns_exclude = NULL;
	flags->config.device_exclude = NULL;
}

int flags_parse(struct flags *flags, bool *enabled, int argc, char *const *argv,
		const struct collector *const *collectors, size_t n_collectors,
		char *err, size_t err_len)
{
	struct parse_state state = {
		.flags = flags,
		.err = err,
		.err_len = err_len,
	};
	size_t c;
	int i, ret = 0;

	if (err_len)
		err[0] = '\0';
	flags_defaults(flags);
	state.choices = calloc(n_collectors + 1, sizeof(*state.choices));
	if (!state.choices) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	for (i = 1; i < argc && !ret; i++)
		ret = parse_one(&state, argc, argv, &i, collectors,
				n_collectors);
	/* explicit choices win over --collector.disable-defaults, in any order
	 */
	for (c = 0; c < n_collectors && !ret; c++) {
		if (state.choices[c] == CHOICE_DEFAULT)
			enabled[c] = !state.disable_defaults &&
				     collectors[c]->enabled_by_default;
		else
			enabled[c] = state.choices[c] == CHOICE_ON;
	}
	free(state.choices);
	return ret;
}

/* Prints one help entry with its text starting at column width + 4. */
static void usage_entry(FILE *out, const char *left, int width,
			const char *help, const char *default_text)
{
	fprintf(out, "  %-*s  %s", width, left, help);
	if (default_text)
		fprintf(out, " (default: %s)", default_text);
	fputc('\n', out);
}

static void flag_left_column(const struct flag_spec *spec, char *buf,
			     size_t len)
{
	const char *prefix = strcmp(spec->name, "help") ? "    " : "-h, ";

	if (spec->value_name)
		snprintf(buf, len, "%s--%s=%s", prefix, spec->name,
			 spec->value_name);
	else
		snprintf(buf, len, "%s--%s", prefix, spec->name);
}

void flags_usage(FILE *out, const char *program,
		 const struct collector *const *collectors, size_t n_collectors)
{
	char left[128];
	int width = 0, n;
	size_t i;

	for (i = 0; i < N_FLAG_SPECS; i++) {
		flag_left_column(&flag_specs[i], left, sizeof(left));
		n = (int)strlen(left);
		width = n > width ? n : width;
	}
	for (i = 0; i < n_collectors; i++) {
		n = snprintf(left, sizeof(left), "    --[no-]collector.%s",
			     collectors[i]->name);
		width = n > width ? n : width;
	}

	fprintf(out, "usage: %s [<flags>]\n\n", program);
	fputs("Prometheus exporter for Linux namespaces: every namespace on the host, by\n"
	      "type, and the devices and addresses inside each network namespace.\n\n"
	      "Flags:\n",
	      out);
	for (i = 0; i < N_FLAG_SPECS; i++) {
		flag_left_column(&flag_specs[i], left, sizeof(left));
		usage_entry(out, left, width, flag_specs[i].help,
			    flag_specs[i].default_text);
	}
	fputs("\nCollectors (--collector.<name> enables one, --no-collector.<name> disables it):\n",
	      out);
	for (i = 0; i < n_collectors; i++) {
		snprintf(left, sizeof(left), "    --[no-]collector.%s",
			 collectors[i]->name);
		usage_entry(out, left, width, collectors[i]->help,
			    collectors[i]->enabled_by_default ? "enabled"
							      : "disabled");
	}
}

void flags_version(FILE *out)
{
	const struct build_info *info = build_info_get();

	fprintf(out,
		"namespace_exporter, version %s (revision: %s)\n"
		"  built with: libmicrohttpd %s, libmnl %s, zlib %s\n",
		info->version, info->revision, info->libmicrohttpd,
		info->libmnl, info->zlib);
}
