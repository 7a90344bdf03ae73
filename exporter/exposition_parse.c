/* SPDX-License-Identifier: Apache-2.0 */
/* Strict parser of the Prometheus text format 0.0.4, line by line. */
#include "exposition_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where parsing of one line stands: the line and the next byte to read. */
struct cursor {
	char *line;
	size_t len;
	size_t pos;
	const char *reason;
};

static int fail(struct cursor *c, const char *reason)
{
	c->reason = reason;
	return -EINVAL;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

static bool is_name_start(char ch, bool metric)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       ch == '_' || (metric && ch == ':');
}

static bool is_name_char(char ch, bool metric)
{
	return is_name_start(ch, metric) || (ch >= '0' && ch <= '9');
}

static size_t skip_blanks(struct cursor *c)
{
	size_t start = c->pos;

	while (c->pos < c->len && is_blank(c->line[c->pos]))
		c->pos++;
	return c->pos - start;
}

/*
 * Reads a metric name (metric true) or label name at the cursor and
 * returns where it starts; the caller NUL-terminates it once it has looked
 * at the byte that follows. -EINVAL when no name starts here.
 */
static int read_name(struct cursor *c, bool metric, size_t *start)
{
	if (c->pos >= c->len || !is_name_start(c->line[c->pos], metric))
		return fail(c, metric ? "expected a metric name"
				      : "expected a label name");
	*start = c->pos;
	while (c->pos < c->len && is_name_char(c->line[c->pos], metric))
		c->pos++;
	return 0;
}

/*
 * Decodes a quoted label value in place, the opening quote already read:
 * \\, \" and \n are the only escapes the format has. Leaves the cursor
 * after the closing quote, which becomes the value's terminator.
 */
static int read_label_value(struct cursor *c, struct exposition_label *label)
{
	char *out = c->line + c->pos, *value = out;
	char ch;

	while (c->pos < c->len) {
		ch = c->line[c->pos++];
		if (ch == '"') {
			*out = '\0';
			label->value = value;
			label->value_len = (size_t)(out - value);
			return 0;
		}
		if (ch == '\\') {
			if (c->pos >= c->len)
				break;
			ch = c->line[c->pos++];
			if (ch == 'n')
				ch = '\n';
			else if (ch != '\\' && ch != '"')
				return fail(c,
					    "unknown escape in a label value");
		}
		*out++ = ch;
	}
	return fail(c, "label value lacks its closing quote");
}

static int read_label(struct cursor *c, struct exposition_line *out)
{
	struct exposition_label *label;
	size_t start, i;
	int err;

	if (out->n_labels == EXPOSITION_PARSE_MAX_LABELS)
		return fail(c, "too many labels");
	err = read_name(c, false, &start);
	if (err)
		return err;
	if (c->pos >= c->len || c->line[c->pos] != '=')
		return fail(c, "expected '=' after the label name");
	c->line[c->pos++] = '\0';
	if (c->pos >= c->len || c->line[c->pos] != '"')
		return fail(c, "expected '\"' to open the label value");
	c->pos++;
	label = &out->labels[out->n_labels];
	label->name = c->line + start;
	for (i = 0; i < out->n_labels; i++) {
		if (!strcmp(out->labels[i].name, label->name)) {
			c->pos = start;
			return fail(c, "label repeated in one sample");
		}
	}
	err = read_label_value(c, label);
	if (err)
		return err;
	out->n_labels++;
	return 0;
}

/* The label set after '{': label="value" pairs, a trailing comma allowed. */
static int read_labels(struct cursor *c, struct exposition_line *out)
{
	int err;

	for (;;) {
		if (c->pos < c->len && c->line[c->pos] == '}') {
			c->pos++;
			return 0;
		}
		err = read_label(c, out);
		if (err)
			return err;
		if (c->pos < c->len && c->line[c->pos] == ',') {
			c->pos++;
			continue;
		}
		if (c->pos >= c->len || c->line[c->pos] != '}')
			return fail(c, "expected ',' or '}' after a label");
	}
}

static size_t count_digits(const char *s)
{
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

/*
 * True for NaN, +Inf, -Inf and decimal numbers with an optional exponent:
 * what exposition.h writes, and a subset of what Prometheus reads. strtod
 * alone would also take hex floats, "infinity" and leading blanks.
 */
static bool value_is_valid(const char *s)
{
	size_t whole, fraction = 0;

	if (!strcmp(s, "NaN") || !strcmp(s, "+Inf") || !strcmp(s, "-Inf"))
		return true;
	if (*s == '+' || *s == '-')
		s++;
	whole = count_digits(s);
	s += whole;
	if (*s == '.') {
		fraction = count_digits(++s);
		s += fraction;
	}
	if (!whole && !fraction)
		return false;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!count_digits(s))
			return false;
		s += count_digits(s);
	}
	return !*s;
}

/* The next blank-separated token, NUL-terminated in place; NULL at the end. */
static char *read_token(struct cursor *c)
{
	size_t start = c->pos;

	while (c->pos < c->len && !is_blank(c->line[c->pos]))
		c->pos++;
	if (c->pos == start)
		return NULL;
	if (c->pos < c->len)
		c->line[c->pos++] = '\0';
	return c->line + start;
}

static int read_timestamp(struct cursor *c, struct exposition_line *out)
{
	size_t start = c->pos;
	const char *token = read_token(c);
	char *end;

	if (!token)
		return 0;
	errno = 0;
	out->timestamp_ms = strtoll(token, &end, 10);
	if (*end || errno || !count_digits(token + (*token == '-')) ||
	    *token == '+') {
		c->pos = start;
		return fail(c, "invalid timestamp");
	}
	out->has_timestamp = true;
	return 0;
}

/* After the name (and labels) and a blank: the value, maybe a timestamp. */
static int read_value(struct cursor *c, struct exposition_line *out)
{
	size_t start;
	char *token;
	int err;

	skip_blanks(c);
	start = c->pos;
	token = read_token(c);
	if (!token)
		return fail(c, "sample has no value");
	if (!value_is_valid(token)) {
		c->pos = start;
		return fail(c, "invalid sample value");
	}
	out->value = strtod(token, NULL);
	out->value_text = token;
	skip_blanks(c);
	err = read_timestamp(c, out);
	if (err)
		return err;
	skip_blanks(c);
	if (c->pos < c->len)
		return fail(c, "unexpected text after the sample");
	return 0;
}

static int parse_sample(struct cursor *c, struct exposition_line *out)
{
	size_t start;
	char next;
	int err;

	out->kind = EXPOSITION_LINE_SAMPLE;
	err = read_name(c, true, &start);
	if (err)
		return err;
	next = c->line[c->pos];
	if (next == '{') {
		c->line[c->pos++] = '\0';
		err = read_labels(c, out);
		if (err)
			return err;
		if (c->pos < c->len && !is_blank(c->line[c->pos]))
			return fail(c, "expected a blank before the value");
	} else if (c->pos < c->len && !is_blank(next)) {
		return fail(c, "invalid character in the metric name");
	} else if (c->pos < c->len) {
		/* the first blank becomes the name's terminator */
		c->line[c->pos++] = '\0';
	}
	out->name = c->line + start;
	return read_value(c, out);
}

/* The HELP docstring: \\ and \n are its only escapes. */
static int read_help_text(struct cursor *c, struct exposition_line *out)
{
	char *w = c->line + c->pos;
	char ch;

	out->text = w;
	while (c->pos < c->len) {
		ch = c->line[c->pos++];
		if (ch == '\\') {
			if (c->pos >= c->len)
				return fail(
					c,
					"HELP text ends in a lone backslash");
			ch = c->line[c->pos++];
			if (ch == 'n')
				ch = '\n';
			else if (ch != '\\')
				return fail(c, "unknown escape in HELP text");
		}
		*w++ = ch;
	}
	*w = '\0';
	return 0;
}

static const char *const type_names[] = {
	[EXPOSITION_TYPE_UNTYPED] = "untyped",
	[EXPOSITION_TYPE_COUNTER] = "counter",
	[EXPOSITION_TYPE_GAUGE] = "gauge",
	[EXPOSITION_TYPE_HISTOGRAM] = "histogram",
	[EXPOSITION_TYPE_SUMMARY] = "summary",
};

static int read_type_word(struct cursor *c, struct exposition_line *out)
{
	size_t start = c->pos, i;
	const char *word = read_token(c);

	skip_blanks(c);
	if (!word)
		return fail(c, "TYPE line lacks the type");
	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (!strcmp(word, type_names[i])) {
			out->type = (enum exposition_type)i;
			return c->pos < c->len
				       ? fail(c,
					      "unexpected text after the type")
				       : 0;
		}
	}
	c->pos = start;
	return fail(c, "unknown metric type");
}

/* "# HELP name text", "# TYPE name type"; the '#' and blanks read. */
static int parse_metadata(struct cursor *c, struct exposition_line *out,
			  bool help)
{
	size_t start;
	int err;

	out->kind = help ? EXPOSITION_LINE_HELP : EXPOSITION_LINE_TYPE;
	c->pos += 4;
	if (!skip_blanks(c))
		return fail(c, "expected a blank before the metric name");
	err = read_name(c, true, &start);
	if (err)
		return err;
	if (c->pos < c->len && !is_blank(c->line[c->pos]))
		return fail(c, "invalid character in the metric name");
	out->name = c->line + start;
	if (c->pos < c->len) {
		c->line[c->pos++] = '\0';
		skip_blanks(c);
	}
	if (help)
		return read_help_text(c, out);
	return read_type_word(c, out);
}

static bool token_is(const struct cursor *c, const char *word)
{
	size_t n = strlen(word);

	return c->len - c->pos >= n && !memcmp(c->line + c->pos, word, n) &&
	       (c->len - c->pos == n || is_blank(c->line[c->pos + n]));
}

static int parse_comment(struct cursor *c, struct exposition_line *out)
{
	c->pos++;
	out->kind = EXPOSITION_LINE_COMMENT;
	out->text = c->line + c->pos;
	skip_blanks(c);
	if (token_is(c, "HELP"))
		return parse_metadata(c, out, true);
	if (token_is(c, "TYPE"))
		return parse_metadata(c, out, false);
	return 0;
}

int exposition_parse_line(char *line, size_t len, struct exposition_line *out,
			  const char **reason, size_t *column)
{
	struct cursor c = {.line = line, .len = len};
	int err;

	memset(out, 0, sizeof(*out));
	if (memchr(line, '\0', len)) {
		c.pos = (size_t)((char *)memchr(line, '\0', len) - line);
		err = fail(&c, "NUL byte in the line");
	} else {
		skip_blanks(&c);
		if (c.pos == len)
			err = 0; /* blank: kind is already BLANK */
		else if (line[c.pos] == '#')
			err = parse_comment(&c, out);
		else if (c.pos)
			err = fail(&c, "sample line starts with a blank");
		else
			err = parse_sample(&c, out);
	}
	if (err) {
		if (reason)
			*reason = c.reason;
		if (column)
			*column = c.pos;
	}
	return err;
}

const char *exposition_line_label(const struct exposition_line *line,
				  const char *name)
{
	size_t i;

	for (i = 0; i < line->n_labels; i++) {
		if (!strcmp(line->labels[i].name, name))
			return line->labels[i].value;
	}
	return NULL;
}

/* A family seen on the page, to tell when its lines are not together. */
struct family_state {
	char *name;
	enum exposition_type type;
	bool has_help;
	bool has_type;
	bool has_samples;
};

struct exposition_reader {
	exposition_line_fn fn;
	void *arg;
	char *line; /* EXPOSITION_PARSE_MAX_LINE + 1 bytes */
	size_t len;
	size_t lines;
	int err;
	char error[192];
	/* every family so far; the last one is the current one */
	struct family_state *families;
	size_t n_families;
	size_t cap_families;
};

struct exposition_reader *exposition_reader_new(exposition_line_fn fn,
						void *arg)
{
	struct exposition_reader *reader = calloc(1, sizeof(*reader));

	if (!reader)
		return NULL;
	reader->line = malloc(EXPOSITION_PARSE_MAX_LINE + 1);
	if (!reader->line) {
		free(reader);
		errno = ENOMEM;
		return NULL;
	}
	reader->fn = fn;
	reader->arg = arg;
	return reader;
}

void exposition_reader_free(struct exposition_reader *reader)
{
	size_t i;

	if (!reader)
		return;
	for (i = 0; i < reader->n_families; i++)
		free(reader->families[i].name);
	free(reader->families);
	free(reader->line);
	free(reader);
}

static int reader_fail(struct exposition_reader *reader, int err, size_t column,
		       const char *reason)
{
	snprintf(reader->error, sizeof(reader->error),
		 "line %zu, column %zu: %s", reader->lines + 1, column + 1,
		 reason);
	reader->err = err;
	return err;
}

static struct family_state *family_find(struct exposition_reader *reader,
					const char *name)
{
	size_t i;

	for (i = 0; i < reader->n_families; i++) {
		if (!strcmp(reader->families[i].name, name))
			return &reader->families[i];
	}
	return NULL;
}

static int family_start(struct exposition_reader *reader, const char *name)
{
	struct family_state *families = reader->families, *family;
	size_t cap = reader->cap_families;

	if (reader->n_families == cap) {
		cap = cap ? 2 * cap : 32;
		families = realloc(families, cap * sizeof(*families));
		if (!families)
			return -ENOMEM;
		reader->families = families;
		reader->cap_families = cap;
	}
	family = &families[reader->n_families];
	memset(family, 0, sizeof(*family));
	family->name = strdup(name);
	if (!family->name)
		return -ENOMEM;
	reader->n_families++;
	return 0;
}

static struct family_state *family_current(struct exposition_reader *reader)
{
	return reader->n_families ? &reader->families[reader->n_families - 1]
				  : NULL;
}

static bool name_has_suffix(const char *name, const char *base,
			    const char *suffix)
{
	size_t n = strlen(base);

	return !strncmp(name, base, n) && !strcmp(name + n, suffix);
}

/* Whether a sample called name belongs to family (histograms and summaries
 * have _sum, _count and, for histograms, _bucket series). */
static bool family_owns_sample(const struct family_state *family,
			       const char *name)
{
	if (!strcmp(family->name, name))
		return true;
	if (family->type != EXPOSITION_TYPE_HISTOGRAM &&
	    family->type != EXPOSITION_TYPE_SUMMARY)
		return false;
	return name_has_suffix(name, family->name, "_sum") ||
	       name_has_suffix(name, family->name, "_count") ||
	       (family->type == EXPOSITION_TYPE_HISTOGRAM &&
		name_has_suffix(name, family->name, "_bucket"));
}

/* Keeps the lines of each family together; a reason when they are not. */
static const char *family_check(struct exposition_reader *reader,
				const struct exposition_line *line, int *err)
{
	struct family_state *family = family_current(reader);
	bool help = line->kind == EXPOSITION_LINE_HELP;

	*err = 0;
	if (line->kind == EXPOSITION_LINE_SAMPLE) {
		if (family && family_owns_sample(family, line->name)) {
			family->has_samples = true;
			return NULL;
		}
	} else if (family && !strcmp(family->name, line->name)) {
		if (family->has_samples)
			return help ? "HELP after the family's samples"
				    : "TYPE after the family's samples";
		if (help ? family->has_help : family->has_type)
			return help ? "second HELP line for the family"
				    : "second TYPE line for the family";
		goto out_note;
	}
	if (family_find(reader, line->name))
		return "the family's lines are not all together";
	*err = family_start(reader, line->name);
	if (*err)
		return NULL;
	family = family_current(reader);
	family->has_samples = line->kind == EXPOSITION_LINE_SAMPLE;
out_note:
	if (help)
		family->has_help = true;
	if (line->kind == EXPOSITION_LINE_TYPE) {
		family->has_type = true;
		family->type = line->type;
	}
	return NULL;
}

/* Parses the line gathered in reader->line and hands it on. */
static int reader_line(struct exposition_reader *reader)
{
	struct exposition_line line;
	const char *reason;
	size_t column = 0;
	int err;

	reader->line[reader->len] = '\0';
	err = exposition_parse_line(reader->line, reader->len, &line, &reason,
				    &column);
	if (err)
		return reader_fail(reader, err, column, reason);
	if (line.name) {
		reason = family_check(reader, &line, &err);
		if (reason)
			return reader_fail(reader, -EINVAL, 0, reason);
		if (err)
			return reader_fail(reader, err, 0, "out of memory");
	}
	err = reader->fn(reader->arg, &line);
	if (err)
		return reader_fail(reader, err, 0, "stopped by the caller");
	reader->lines++;
	reader->len = 0;
	return 0;
}

int exposition_reader_feed(struct exposition_reader *reader, const char *data,
			   size_t len)
{
	const char *end = data + len, *newline;
	size_t n;
	int err;

	while (!reader->err && data < end) {
		newline = memchr(data, '\n', (size_t)(end - data));
		n = (size_t)((newline ? newline : end) - data);
		if (reader->len + n > EXPOSITION_PARSE_MAX_LINE)
			return reader_fail(reader, -E2BIG, reader->len,
					   "line too long");
		memcpy(reader->line + reader->len, data, n);
		reader->len += n;
		data += n;
		if (!newline)
			break;
		data++;
		err = reader_line(reader);
		if (err)
			return err;
	}
	return reader->err;
}

int exposition_reader_finish(struct exposition_reader *reader)
{
	if (!reader->err && reader->len)
		return reader_fail(reader, -EINVAL, reader->len,
				   "the last line does not end in a newline");
	return reader->err;
}

const char *exposition_reader_error(const struct exposition_reader *reader)
{
	return reader->error;
}

size_t exposition_reader_lines(const struct exposition_reader *reader)
{
	return reader->lines;
}
