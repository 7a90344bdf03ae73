/* SPDX-License-Identifier: Apache-2.0 */
/* Prometheus text and OpenMetrics writer: escaping, numbers, families. */
#include "exposition.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *exposition_content_type(enum exposition_format format)
{
	if (format == EXPOSITION_OPENMETRICS)
		return "application/openmetrics-text; version=1.0.0; charset=utf-8";
	return "text/plain; version=0.0.4; charset=utf-8";
}

void outbuf_init(struct outbuf *buf, enum exposition_format format)
{
	memset(buf, 0, sizeof(*buf));
	buf->format = format;
}

void outbuf_release(struct outbuf *buf)
{
	free(buf->data);
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	buf->err = 0;
}

void outbuf_clear(struct outbuf *buf)
{
	buf->len = 0;
	buf->err = 0;
}

char *outbuf_take(struct outbuf *buf, size_t *len)
{
	char *data;

	if (buf->err)
		return NULL;
	/* An empty page is still a valid, freeable buffer. */
	if (!buf->data && outbuf_reserve(buf, 1) < 0)
		return NULL;
	data = buf->data;
	*len = buf->len;
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
	return data;
}

int outbuf_reserve(struct outbuf *buf, size_t extra)
{
	size_t want, cap;
	char *data;

	if (buf->err)
		return buf->err;
	if (extra <= buf->cap - buf->len)
		return 0;
	want = buf->len + extra;
	if (want < buf->len) {
		buf->err = -ENOMEM;
		return buf->err;
	}
	cap = buf->cap ? buf->cap : 256;
	while (cap < want)
		cap *= 2;
	data = realloc(buf->data, cap);
	if (!data) {
		buf->err = -ENOMEM;
		return buf->err;
	}
	buf->data = data;
	buf->cap = cap;
	return 0;
}

void outbuf_put(struct outbuf *buf, const void *data, size_t len)
{
	if (!len || outbuf_reserve(buf, len) < 0)
		return;
	memcpy(buf->data + buf->len, data, len);
	buf->len += len;
}

void outbuf_puts(struct outbuf *buf, const char *s)
{
	outbuf_put(buf, s, strlen(s));
}

void outbuf_putc(struct outbuf *buf, char c)
{
	if (outbuf_reserve(buf, 1) < 0)
		return;
	buf->data[buf->len++] = c;
}

void outbuf_u64(struct outbuf *buf, uint64_t value)
{
	char digits[20];
	size_t n = sizeof(digits);

	do {
		digits[--n] = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	outbuf_put(buf, digits + n, sizeof(digits) - n);
}

void outbuf_i64(struct outbuf *buf, int64_t value)
{
	if (value < 0) {
		outbuf_putc(buf, '-');
		/* negate in unsigned arithmetic: INT64_MIN has no positive twin */
		outbuf_u64(buf, -(uint64_t)value);
		return;
	}
	outbuf_u64(buf, (uint64_t)value);
}

void outbuf_double(struct outbuf *buf, double value)
{
	char text[32];
	int n;

	if (isnan(value)) {
		outbuf_puts(buf, "NaN");
		return;
	}
	if (isinf(value)) {
		outbuf_puts(buf, value > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (value == floor(value) && fabs(value) < 9007199254740992.0) {
		outbuf_i64(buf, (int64_t)value);
		return;
	}
	/* Shortest of the usual precisions that reads back exactly. */
	n = snprintf(text, sizeof(text), "%.15g", value);
	if (strtod(text, NULL) != value)
		n = snprintf(text, sizeof(text), "%.17g", value);
	outbuf_put(buf, text, (size_t)n);
}

size_t utf8_sequence_length(const unsigned char *s, size_t left)
{
	unsigned char c = s[0];
	size_t need, i;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (left < need)
		return 0;
	for (i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return need;
}

bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		n = utf8_sequence_length(p + i, len - i);
		if (!n)
			return false;
		i += n;
	}
	return true;
}

void outbuf_label_value(struct outbuf *buf, const char *value, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)value;
	size_t i = 0, run = 0, n;
	char esc[5];

	while (i < len) {
		unsigned char c = p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
			i++;
			run++;
			continue;
		}
		n = c < 0x80 ? 1 : utf8_sequence_length(p + i, len - i);
		if (n > 1 || (c < 0x80 && c != '\\' && c != '"' && c != '\n')) {
			/* valid multi-byte text and other control bytes pass */
			i += n;
			run += n;
			continue;
		}
		outbuf_put(buf, p + i - run, run);
		run = 0;
		if (c == '\\') {
			outbuf_put(buf, "\\\\", 2);
		} else if (c == '"') {
			outbuf_put(buf, "\\\"", 2);
		} else if (c == '\n') {
			outbuf_put(buf, "\\n", 2);
		} else {
			/* "\\xNN" in the page reads back as the text \xNN */
			esc[0] = '\\';
			esc[1] = '\\';
			esc[2] = 'x';
			esc[3] = hex[c >> 4];
			esc[4] = hex[c & 15];
			outbuf_put(buf, esc, 5);
		}
		i++;
	}
	outbuf_put(buf, p + i - run, run);
}

void labels_append_len(struct outbuf *labels, const char *name,
		       const char *value, size_t value_len)
{
	if (labels->len)
		outbuf_putc(labels, ',');
	outbuf_puts(labels, name);
	outbuf_put(labels, "=\"", 2);
	outbuf_label_value(labels, value, value_len);
	outbuf_putc(labels, '"');
}

void labels_append(struct outbuf *labels, const char *name, const char *value)
{
	labels_append_len(labels, name, value, strlen(value));
}

void labels_append_u64(struct outbuf *labels, const char *name, uint64_t value)
{
	if (labels->len)
		outbuf_putc(labels, ',');
	outbuf_puts(labels, name);
	outbuf_put(labels, "=\"", 2);
	outbuf_u64(labels, value);
	outbuf_putc(labels, '"');
}

static void put_help_text(struct outbuf *buf, const char *help)
{
	bool openmetrics = buf->format == EXPOSITION_OPENMETRICS;

	for (; *help; help++) {
		if (*help == '\\')
			outbuf_put(buf, "\\\\", 2);
		else if (*help == '\n')
			outbuf_put(buf, "\\n", 2);
		else if (*help == '"' && openmetrics)
			outbuf_put(buf, "\\\"", 2);
		else
			outbuf_putc(buf, *help);
	}
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

void exposition_family(struct outbuf *buf, const char *name,
		       enum metric_type type, const char *unit,
		       const char *help)
{
	static const char *const text_types[] = {
		[METRIC_GAUGE] = "gauge",
		[METRIC_COUNTER] = "counter",
		[METRIC_INFO] = "gauge",
	};
	static const char *const openmetrics_types[] = {
		[METRIC_GAUGE] = "gauge",
		[METRIC_COUNTER] = "counter",
		[METRIC_INFO] = "info",
	};
	size_t len = strlen(name);
	const char *type_name = text_types[type];

	if (buf->format == EXPOSITION_OPENMETRICS) {
		type_name = openmetrics_types[type];
		if (type == METRIC_COUNTER && ends_with(name, len, "_total"))
			len -= strlen("_total");
		else if (type == METRIC_INFO && ends_with(name, len, "_info"))
			len -= strlen("_info");
	}
	outbuf_put(buf, "# HELP ", 7);
	outbuf_put(buf, name, len);
	outbuf_putc(buf, ' ');
	put_help_text(buf, help);
	outbuf_put(buf, "\n# TYPE ", 8);
	outbuf_put(buf, name, len);
	outbuf_putc(buf, ' ');
	outbuf_puts(buf, type_name);
	outbuf_putc(buf, '\n');
	if (buf->format == EXPOSITION_OPENMETRICS && unit && *unit) {
		char suffix[32];

		snprintf(suffix, sizeof(suffix), "_%s", unit);
		if (ends_with(name, len, suffix)) {
			outbuf_put(buf, "# UNIT ", 7);
			outbuf_put(buf, name, len);
			outbuf_putc(buf, ' ');
			outbuf_puts(buf, unit);
			outbuf_putc(buf, '\n');
		}
	}
}

static void put_sample_head(struct outbuf *buf, const char *name,
			    const char *labels, size_t labels_len)
{
	outbuf_puts(buf, name);
	if (labels_len) {
		outbuf_putc(buf, '{');
		outbuf_put(buf, labels, labels_len);
		outbuf_putc(buf, '}');
	}
	outbuf_putc(buf, ' ');
}

void exposition_sample_raw(struct outbuf *buf, const char *name,
			   const char *labels, size_t labels_len, double value)
{
	put_sample_head(buf, name, labels, labels_len);
	outbuf_double(buf, value);
	outbuf_putc(buf, '\n');
}

void exposition_sample_raw_u64(struct outbuf *buf, const char *name,
			       const char *labels, size_t labels_len,
			       uint64_t value)
{
	put_sample_head(buf, name, labels, labels_len);
	outbuf_u64(buf, value);
	outbuf_putc(buf, '\n');
}

void exposition_sample(struct outbuf *buf, const char *name, double value,
		       ...)
{
	struct outbuf labels;
	const char *label, *label_value;
	va_list ap;

	outbuf_init(&labels, buf->format);
	va_start(ap, value);
	while ((label = va_arg(ap, const char *))) {
		label_value = va_arg(ap, const char *);
		labels_append(&labels, label, label_value ? label_value : "");
	}
	va_end(ap);
	if (labels.err && !buf->err)
		buf->err = labels.err;
	exposition_sample_raw(buf, name, labels.data, labels.len, value);
	outbuf_release(&labels);
}

void exposition_finish(struct outbuf *buf)
{
	if (buf->format == EXPOSITION_OPENMETRICS)
		outbuf_puts(buf, "# EOF\n");
}
