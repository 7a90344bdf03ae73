/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Entry point, and the only place that exits: parses flags, serves until
 * SIGTERM or SIGINT, then stops gracefully. Exit status 0 after a clean
 * stop or --help/--version, 1 when the server cannot start, 2 for a bad
 * command line.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_api.h"
#include "exposition.h"
#include "flags.h"
#include "http.h"
#include "log.h"
#include "netns_admin.h"
#include "registry.h"
#include "scrape_runner.h"
#include "self_metrics.h"
#include "web_access.h"

static void log_start(const struct config *config,
		      const struct collector *const *collectors,
		      const bool *enabled, size_t n_collectors)
{
	const struct build_info *info = build_info_get();
	struct outbuf names;
	size_t i;

	log_info("starting namespace_exporter", "version", info->version,
		 "revision", info->revision, "libmicrohttpd",
		 info->libmicrohttpd, "libmnl", info->libmnl, "zlib",
		 info->zlib, NULL);
	outbuf_init(&names, EXPOSITION_TEXT);
	for (i = 0; i < n_collectors; i++) {
		if (!enabled[i])
			continue;
		if (names.len)
			outbuf_putc(&names, ',');
		outbuf_puts(&names, collectors[i]->name);
	}
	outbuf_putc(&names, '\0');
	log_info("enabled collectors", "collectors",
		 names.err ? "" : names.data, "procfs", config->procfs,
		 "telemetry_path", config->telemetry_path, NULL);
	outbuf_release(&names);
}

/*
 * Loads --web.config.file and --admin.config.file and refuses an admin API
 * over plain HTTP off loopback. NULL after logging why.
 */
static struct web_access *access_setup(const struct config *config)
{
	struct web_access *access;
	struct http_tls tls;
	char message[512];

	access = web_access_new(config->web_config_file,
				config->admin_config_file, message,
				sizeof(message));
	if (!access) {
		log_error("cannot load the web configuration", "err", message,
			  NULL);
		return NULL;
	}
	if (!web_access_admin_enabled(access)) {
		log_info(
			"the admin API is off; --admin.config.file turns it on",
			NULL);
		return access;
	}
	if (admin_api_transport_check(config, web_access_tls(access, &tls),
				      config->admin_allow_insecure, message,
				      sizeof(message)) < 0) {
		log_error("refusing to serve the admin API", "err", message,
			  NULL);
		web_access_free(access);
		return NULL;
	}
	return access;
}

/* Puts authentication, headers, TLS and the admin routes on server. */
static int access_install(struct http_server *server, struct web_access *access,
			  struct admin_api *api)
{
	struct http_hooks hooks = {web_access_gate, web_access_decorate,
				   access};
	struct http_tls tls;

	http_server_set_hooks(server, &hooks);
	if (web_access_tls(access, &tls)) {
		http_server_set_tls(server, &tls);
		log_info("TLS is on", NULL);
	}
	return admin_api_register(api, server);
}

/* Waits for SIGTERM or SIGINT, reloading the config files on SIGHUP. */
static int wait_for_stop(const sigset_t *signals, struct web_access *access)
{
	int signal_number;

	for (;;) {
		/* sigwait fails only for an invalid set: a stop, then */
		if (sigwait(signals, &signal_number))
			return SIGTERM;
		if (signal_number != SIGHUP)
			return signal_number;
		log_info("reloading the web and admin config", "signal",
			 "SIGHUP", NULL);
		web_access_reload(access);
	}
}

/* Serves until a stop signal; 0, or 1 when the server cannot start. */
static int serve(const struct flags *flags,
		 const struct collector *const *collectors, const bool *enabled,
		 size_t n_collectors, const sigset_t *stop_signals)
{
	const struct config *config = &flags->config;
	struct netns_admin netns = {config->netns_dirs[0], config->procfs};
	struct scrape_runner *runner = NULL;
	struct http_server *server = NULL;
	struct web_access *access;
	struct admin_api *api = NULL;
	char message[256];
	int err, signal_number, status = 1;
	size_t i;

	log_start(&flags->config, collectors, enabled, n_collectors);
	access = access_setup(config);
	if (!access)
		return 1;
	runner = scrape_runner_new(&flags->config, collectors, enabled,
				   n_collectors);
	api = admin_api_new(&netns, access);
	if (api && web_access_admin_enabled(access))
		netns_admin_mount_check(&netns);
	if (runner && api)
		server = http_server_new(&flags->config, runner);
	err = server ? access_install(server, access, api) : -errno;
	if (err) {
		errno = -err;
		log_error("cannot set up the server", "err", strerror(errno),
			  NULL);
		goto out;
	}
	err = http_server_start(server, message, sizeof(message));
	if (err) {
		log_error("cannot start the server", "err", message, NULL);
		goto out;
	}
	for (i = 0; i < http_server_listener_count(server); i++)
		log_info("listening", "address",
			 http_server_listener_address(server, i), NULL);

	signal_number = wait_for_stop(stop_signals, access);
	log_info("shutting down", "signal",
		 signal_number == SIGTERM ? "SIGTERM" : "SIGINT", NULL);
	http_server_stop(server, HTTP_STOP_GRACE_SECONDS);
	log_info("stopped", NULL);
	status = 0;
out:
	http_server_free(server);
	admin_api_free(api);
	web_access_free(access);
	scrape_runner_free(runner);
	return status;
}

int main(int argc, char **argv)
{
	size_t n_collectors = registry_count(), i;
	const struct collector **collectors;
	struct flags flags = {0};
	sigset_t stop_signals;
	char message[256];
	bool *enabled;
	int status = 1;

	collectors = calloc(n_collectors + 1, sizeof(*collectors));
	enabled = calloc(n_collectors + 1, sizeof(*enabled));
	if (!collectors || !enabled) {
		fputs("namespace_exporter: out of memory\n", stderr);
		goto out;
	}
	for (i = 0; i < n_collectors; i++)
		collectors[i] = registry_get(i);

	if (flags_parse(&flags, enabled, argc, argv, collectors, n_collectors,
			message, sizeof(message)) < 0) {
		fprintf(stderr, "namespace_exporter: error: %s (see --help)\n",
			message);
		status = 2;
		goto out;
	}
	if (flags.action == FLAGS_HELP) {
		flags_usage(stdout, "namespace_exporter", collectors,
			    n_collectors);
		status = 0;
		goto out;
	}
	if (flags.action == FLAGS_VERSION) {
		flags_version(stdout);
		status = 0;
		goto out;
	}
	log_setup(flags.log_level, flags.log_format);

	/*
	 * Block the stop signals before any thread exists, so every thread
	 * inherits the mask and only sigwait below ever sees them.
	 */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGHUP); /* reloads the config files */
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	/* a client that goes away mid-page must not kill the process */
	signal(SIGPIPE, SIG_IGN);

	status =
		serve(&flags, collectors, enabled, n_collectors, &stop_signals);
out:
	flags_release(&flags);
	free(collectors);
	free(enabled);
	return status;
}
