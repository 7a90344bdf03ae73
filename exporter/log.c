/* SPDX-License-Identifier: Apache-2.0 */
/* logfmt / JSON lines on stderr, one write per line. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "exposition.h"

static enum log_level min_level = LOG_LEVEL_INFO;
static enum log_format line_format = LOG_FORMAT_LOGFMT;
static FILE *log_stream;

static const char *const level_names[] = {
	[LOG_LEVEL_DEBUG] = "debug",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_ERROR] = "error",
};

int log_level_parse(const char *text, enum log_level *level)
{
	size_t i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcmp(text, level_names[i])) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

int log_format_parse(const char *text, enum log_format *format)
{
	if (!strcmp(text, "logfmt")) {
		*format = LOG_FORMAT_LOGFMT;
		return 0;
	}
	if (!strcmp(text, "json")) {
		*format = LOG_FORMAT_JSON;
		return 0;
	}
	return -EINVAL;
}

void log_setup(enum log_level level, enum log_format format)
{
	min_level = level;
	line_format = format;
}

void log_set_stream(FILE *stream)
{
	log_stream = stream;
}

bool log_enabled(enum log_level level)
{
	return level >= min_level;
}

int log_flap_level(struct log_flap *flap, bool troubled, double now)
{
	double last;

	if (!troubled) {
		atomic_store(&flap->troubled, false);
		return -1;
	}
	/* the same stretch of trouble: told already */
	if (atomic_exchange(&flap->troubled, true))
		return LOG_LEVEL_DEBUG;
	last = atomic_load(&flap->last_warn);
	if (last > 0 && now - last < LOG_FLAP_WARN_INTERVAL)
		return LOG_LEVEL_DEBUG;
	atomic_store(&flap->last_warn, now);
	return LOG_LEVEL_WARN;
}

const char *log_num(char buf[32], long long value)
{
	snprintf(buf, 32, "%lld", value);
	return buf;
}

const char *log_float(char buf[32], double value)
{
	snprintf(buf, 32, "%.6g", value);
	return buf;
}

static bool logfmt_needs_quotes(const char *value)
{
	const unsigned char *p = (const unsigned char *)value;

	if (!*p)
		return true;
	for (; *p; p++) {
		if (*p <= ' ' || *p == '=' || *p == '"' || *p == '\\' ||
		    *p >= 0x7f)
			return true;
	}
	return false;
}

/*
 * Quoted string with \, " and control characters escaped (logfmt and JSON).
 * Bytes that are not valid UTF-8 (a user name or a namespace name can hold
 * any) become the visible text \xNN, as in the metrics, so every line stays
 * valid UTF-8 and valid JSON.
 */
static void put_quoted(struct outbuf *line, const char *value)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)value;
	size_t left = strlen(value), n;

	outbuf_putc(line, '"');
	for (; *p; p++, left--) {
		if (*p >= 0x80) {
			n = utf8_sequence_length(p, left);
			if (n) {
				outbuf_put(line, p, n);
				p += n - 1;
				left -= n - 1;
			} else {
				char esc[5] = {'\\', '\\', 'x', hex[*p >> 4],
					       hex[*p & 15]};

				outbuf_put(line, esc, sizeof(esc));
			}
		} else if (*p == '"' || *p == '\\') {
			outbuf_putc(line, '\\');
			outbuf_putc(line, (char)*p);
		} else if (*p == '\n') {
			outbuf_put(line, "\\n", 2);
		} else if (*p == '\t') {
			outbuf_put(line, "\\t", 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			char esc[6] = { '\\', 'u', '0', '0', hex[*p >> 4],
					hex[*p & 15] };

			outbuf_put(line, esc, sizeof(esc));
		} else {
			outbuf_putc(line, (char)*p);
		}
	}
	outbuf_putc(line, '"');
}

static void put_pair(struct outbuf *line, bool first, const char *key,
		     const char *value)
{
	if (line_format == LOG_FORMAT_JSON) {
		outbuf_puts(line, first ? "{" : ",");
		put_quoted(line, key);
		outbuf_putc(line, ':');
		put_quoted(line, value);
		return;
	}
	if (!first)
		outbuf_putc(line, ' ');
	outbuf_puts(line, key);
	outbuf_putc(line, '=');
	if (logfmt_needs_quotes(value))
		put_quoted(line, value);
	else
		outbuf_puts(line, value);
}

void log_write(enum log_level level, const char *msg, ...)
{
	struct outbuf line;
	struct timeval now;
	struct tm tm;
	char ts[64];
	const char *key, *value;
	FILE *stream = log_stream ? log_stream : stderr;
	int saved_errno = errno;
	va_list ap;

	gettimeofday(&now, NULL);
	gmtime_r(&now.tv_sec, &tm);
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(now.tv_usec / 1000) % 1000);

	outbuf_init(&line, EXPOSITION_TEXT);
	put_pair(&line, true, "ts", ts);
	put_pair(&line, false, "level", level_names[level]);
	put_pair(&line, false, "msg", msg);
	va_start(ap, msg);
	while ((key = va_arg(ap, const char *))) {
		value = va_arg(ap, const char *);
		put_pair(&line, false, key, value ? value : "");
	}
	va_end(ap);
	if (line_format == LOG_FORMAT_JSON)
		outbuf_putc(&line, '}');
	outbuf_putc(&line, '\n');
	if (!line.err) {
		fwrite(line.data, 1, line.len, stream);
		fflush(stream);
	}
	outbuf_release(&line);
	errno = saved_errno;
}
