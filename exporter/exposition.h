/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writer for the Prometheus text format 0.0.4 and OpenMetrics 1.0 text,
 * over a growable buffer whose first error is sticky, so that a long run of
 * writes is checked once at the end.
 */
#ifndef NSE_EXPOSITION_H
#define NSE_EXPOSITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum exposition_format {
	EXPOSITION_TEXT,	/* text/plain; version=0.0.4 */
	EXPOSITION_OPENMETRICS, /* application/openmetrics-text; 1.0.0 */
};

enum metric_type {
	METRIC_GAUGE,
	METRIC_COUNTER, /* sample name ends in _total */
	METRIC_INFO,	/* sample name ends in _info, value 1 */
};

struct outbuf {
	char *data;
	size_t len;
	size_t cap;
	int err; /* first failure as negative errno; later writes are dropped */
	enum exposition_format format;
};

/* Content-Type header value for a format. */
const char *exposition_content_type(enum exposition_format format);

void outbuf_init(struct outbuf *buf, enum exposition_format format);
/* Frees the data and leaves an empty, reusable buffer. */
void outbuf_release(struct outbuf *buf);
/* Forgets the contents and the error but keeps the memory. */
void outbuf_clear(struct outbuf *buf);
/*
 * Hands the data to the caller, who frees it with free(); the buffer is left
 * empty. Returns NULL (and leaves the buffer alone) when a write failed.
 */
char *outbuf_take(struct outbuf *buf, size_t *len);
/* Makes room for extra bytes; 0 or -ENOMEM (also stored in buf->err). */
int outbuf_reserve(struct outbuf *buf, size_t extra);

void outbuf_put(struct outbuf *buf, const void *data, size_t len);
void outbuf_puts(struct outbuf *buf, const char *s);
void outbuf_putc(struct outbuf *buf, char c);
/* Decimal integers, every digit: a counter past 2^53 keeps its value. */
void outbuf_u64(struct outbuf *buf, uint64_t value);
void outbuf_i64(struct outbuf *buf, int64_t value);
/*
 * A float in the shortest form that reads back to the same double; integral
 * values below 2^53 print as integers; NaN, +Inf and -Inf as Prometheus
 * spells them.
 */
void outbuf_double(struct outbuf *buf, double value);
/*
 * A label value with \, " and line feed escaped. Bytes that are not part of
 * valid UTF-8 are written as the four visible characters \xNN (lower-case
 * hex), because Prometheus refuses a whole page over one invalid value.
 */
void outbuf_label_value(struct outbuf *buf, const char *value, size_t len);

/*
 * Length of the valid UTF-8 sequence at s (left > 0 bytes available), or 0
 * when the byte there starts none.
 */
size_t utf8_sequence_length(const unsigned char *s, size_t left);
/* True when [s, s + len) is valid UTF-8 (no overlongs, surrogates, > U+10FFFF). */
bool utf8_valid(const char *s, size_t len);

/*
 * Appends name="value" to a label list being built in labels (no braces),
 * with a separating comma when the list is not empty. The escaped list can
 * be kept and reused for many samples.
 */
void labels_append(struct outbuf *labels, const char *name, const char *value);
void labels_append_len(struct outbuf *labels, const char *name,
		       const char *value, size_t value_len);
void labels_append_u64(struct outbuf *labels, const char *name,
		       uint64_t value);

/*
 * HELP and TYPE lines of a family (and UNIT in OpenMetrics when unit is not
 * NULL and the family name ends in it). name is the sample name: counters
 * end in _total and info families in _info; the OpenMetrics family name
 * drops that suffix, the text format declares info families as gauges.
 */
void exposition_family(struct outbuf *buf, const char *name,
		       enum metric_type type, const char *unit,
		       const char *help);

/*
 * One sample line, name{labels} value, from pre-escaped label text (as
 * built with labels_append; may be empty). The hot path of large pages.
 */
void exposition_sample_raw(struct outbuf *buf, const char *name,
			   const char *labels, size_t labels_len, double value);
void exposition_sample_raw_u64(struct outbuf *buf, const char *name,
			       const char *labels, size_t labels_len,
			       uint64_t value);
/*
 * One sample line with labels given as name, value string pairs ended by
 * NULL; values are escaped here.
 */
void exposition_sample(struct outbuf *buf, const char *name, double value,
		       ...) __attribute__((sentinel));

/* Ends a page: "# EOF" in OpenMetrics, nothing in the text format. */
void exposition_finish(struct outbuf *buf);

#endif
