/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A strict reader of the Prometheus text format 0.0.4 as exposition.h
 * writes it: HELP, TYPE and comment lines, samples with escaped label
 * values, values and optional timestamps, and a family's lines kept
 * together. The landing page reads the exporter's own page through it, and
 * tests use it to check whole pages.
 */
#ifndef NSE_EXPOSITION_PARSE_H
#define NSE_EXPOSITION_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Labels one sample may carry; more is a parse error. */
#define EXPOSITION_PARSE_MAX_LABELS 32
/* Longest line the reader accepts, newline excluded. */
#define EXPOSITION_PARSE_MAX_LINE (64 * 1024)

enum exposition_line_kind {
	EXPOSITION_LINE_BLANK,
	EXPOSITION_LINE_COMMENT,
	EXPOSITION_LINE_HELP,
	EXPOSITION_LINE_TYPE,
	EXPOSITION_LINE_SAMPLE,
};

enum exposition_type {
	EXPOSITION_TYPE_UNTYPED,
	EXPOSITION_TYPE_COUNTER,
	EXPOSITION_TYPE_GAUGE,
	EXPOSITION_TYPE_HISTOGRAM,
	EXPOSITION_TYPE_SUMMARY,
};

struct exposition_label {
	const char *name;
	/* decoded (\\, \" and \n undone), NUL-terminated */
	const char *value;
	size_t value_len;
};

/*
 * One parsed line. Every string points into the line that was parsed and
 * is NUL-terminated there; it lives as long as that line.
 */
struct exposition_line {
	enum exposition_line_kind kind;
	/* metric name of a HELP, TYPE or sample line; NULL otherwise */
	const char *name;
	/* HELP: the docstring, decoded; comment: everything after '#' */
	const char *text;
	/* TYPE only */
	enum exposition_type type;
	/* samples only */
	struct exposition_label labels[EXPOSITION_PARSE_MAX_LABELS];
	size_t n_labels;
	double value;
	const char *value_text; /* the value as written, for exact integers */
	bool has_timestamp;
	int64_t timestamp_ms;
};

/*
 * Parses line, len bytes long with line[len] == '\0', decoding escapes
 * and NUL-terminating the parts in place (the line is changed). Returns 0,
 * or -EINVAL with a fixed English reason in *reason and the 0-based byte
 * offset of the problem in *column (either may be NULL).
 */
int exposition_parse_line(char *line, size_t len, struct exposition_line *out,
			  const char **reason, size_t *column);

/* The value of label name on a sample line, or NULL when it has none. */
const char *exposition_line_label(const struct exposition_line *line,
				  const char *name);

/*
 * Called for every line of a page, in order. Returns 0 to go on, or a
 * negative errno that stops the reader and is returned by its feed.
 */
typedef int (*exposition_line_fn)(void *arg,
				  const struct exposition_line *line);

struct exposition_reader;

/* A reader handing each line to fn. NULL with errno set. */
struct exposition_reader *exposition_reader_new(exposition_line_fn fn,
						void *arg);
void exposition_reader_free(struct exposition_reader *reader); /* NULL-safe */

/*
 * Reads the next len bytes of the page; lines may be split anywhere
 * between calls. Besides each line's syntax it checks that the lines of a
 * family come together: HELP and TYPE at most once each and before the
 * samples, and no family appearing twice. Returns 0, -EINVAL for a page
 * that breaks the format (exposition_reader_error says where and why),
 * -E2BIG for a line over EXPOSITION_PARSE_MAX_LINE, -ENOMEM, or the
 * callback's error. After an error every call returns it again.
 */
int exposition_reader_feed(struct exposition_reader *reader, const char *data,
			   size_t len);
/*
 * Ends the page: -EINVAL when its last line lacks the newline, which the
 * format requires; otherwise what feed last returned.
 */
int exposition_reader_finish(struct exposition_reader *reader);
/* "line 12, column 5: <reason>" after an error, "" before one. */
const char *exposition_reader_error(const struct exposition_reader *reader);
/* Lines read whole so far. */
size_t exposition_reader_lines(const struct exposition_reader *reader);

#endif
