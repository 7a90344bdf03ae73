/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line flags in the node_exporter style: GNU long options written
 * --name=value or --name value, --collector.<name> / --no-collector.<name>
 * for each collector in the list given. Parsing never exits or prints: it
 * fills a struct flags or returns an error with a reason, and main decides.
 */
#ifndef NSE_FLAGS_H
#define NSE_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "collector.h"
#include "config.h"
#include "log.h"

#define FLAGS_DEFAULT_LISTEN ":9879"
#define FLAGS_DEFAULT_TELEMETRY_PATH "/metrics"
#define FLAGS_DEFAULT_MAX_REQUESTS 40
#define FLAGS_DEFAULT_PROCFS "/proc"
#define FLAGS_DEFAULT_NETNS_DIR "/run/netns"
#define FLAGS_DEFAULT_TIMEOUT_OFFSET 0.5

enum flags_action {
	FLAGS_RUN,
	FLAGS_HELP,
	FLAGS_VERSION,
};

struct flags {
	/* strings point into argv, which lives as long as the process */
	struct config config;
	enum log_level log_level;
	enum log_format log_format;
	enum flags_action action;
	/* compiled exclude patterns that config points at */
	regex_t netns_exclude;
	regex_t device_exclude;
};

/*
 * Parses argv[1..argc-1] into flags and enabled[i] (one entry per entry of
 * collectors; the caller owns both). Returns 0, or -EINVAL with a message
 * naming the flag in err (err_len bytes, always terminated). On error the
 * outputs hold partial results and must not be used.
 */
int flags_parse(struct flags *flags, bool *enabled, int argc, char *const *argv,
		const struct collector *const *collectors, size_t n_collectors,
		char *err, size_t err_len);

/* Frees what flags_parse compiled; flags may be partly parsed. */
void flags_release(struct flags *flags);

/* Writes --help: every flag with its default, each collector and state. */
void flags_usage(FILE *out, const char *program,
		 const struct collector *const *collectors,
		 size_t n_collectors);

/* Writes --version: ours and the versions of the libraries we were built with.
 */
void flags_version(FILE *out);

#endif
