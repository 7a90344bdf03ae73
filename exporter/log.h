/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Structured logging on stderr, logfmt or JSON: a fixed message and
 * snake_case key/value pairs. The level is checked before anything is
 * formatted, so debug calls on a hot path cost one comparison.
 */
#ifndef NSE_LOG_H
#define NSE_LOG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
};

enum log_format {
	LOG_FORMAT_LOGFMT,
	LOG_FORMAT_JSON,
};

/* Parses "debug", "info", "warn" or "error"; 0 or -EINVAL. */
int log_level_parse(const char *text, enum log_level *level);
/* Parses "logfmt" or "json"; 0 or -EINVAL. */
int log_format_parse(const char *text, enum log_format *format);

void log_setup(enum log_level level, enum log_format format);
/* Sends log lines to stream instead of stderr (tests); NULL restores. */
void log_set_stream(FILE *stream);
bool log_enabled(enum log_level level);

/*
 * Writes one line: ts, level, msg, then the key/value string pairs up to
 * the NULL key. A NULL value is written as an empty string. The line goes
 * out in a single write so concurrent threads do not interleave.
 */
void log_write(enum log_level level, const char *msg, ...)
	__attribute__((sentinel));

#define log_at(level, ...)                                                     \
	do {                                                                   \
		if (log_enabled(level))                                        \
			log_write(level, __VA_ARGS__);                         \
	} while (0)
#define log_debug(...) log_at(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_at(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_at(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_at(LOG_LEVEL_ERROR, __VA_ARGS__)

/*
 * The level for a trouble that comes and goes (a namespace whose dumps are
 * interrupted under churn fails one scrape in a few): warn when it starts,
 * but at most once per LOG_FLAP_WARN_INTERVAL seconds, debug otherwise.
 * troubled says whether the trouble is there now; now is a monotonic time
 * in seconds. Returns the level to log at, or -1 when there is nothing to
 * tell (no trouble). Zero-initialise the state; it is safe across threads.
 */
#define LOG_FLAP_WARN_INTERVAL 60.0
struct log_flap {
	_Atomic bool troubled;
	_Atomic double last_warn; /* 0: never */
};
int log_flap_level(struct log_flap *flap, bool troubled, double now);

/* Formats a number into buf for use as a log value; returns buf. */
const char *log_num(char buf[32], long long value);
const char *log_float(char buf[32], double value);

#endif
