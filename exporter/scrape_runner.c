/* SPDX-License-Identifier: Apache-2.0 */
/* Shared collections, streamed and optionally gzip-compressed pages. */
#include "scrape_runner.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "log.h"
#include "self_metrics.h"

struct scrape_runner {
	const struct config *config;
	const struct collector **collectors;
	bool *enabled;
	size_t n_collectors;
	/* per collector: its failures are told at warn when they start */
	struct log_flap *failure_logs;

	pthread_mutex_t lock;
	pthread_cond_t collection_done;
	/* collections still running, which a new scrape may join */
	struct scrape_collection *running;
	/* collections on threads of their own (see collection_thread) */
	unsigned background;
	struct scrape_runner_stats stats;
};

struct collector_outcome {
	struct collector_result result;
	int err;
	double duration;
	bool ran;
};

struct scrape_collection {
	struct scrape_runner *runner;
	struct scrape_collection *next; /* in runner->running */
	unsigned refs;			/* under runner->lock */
	bool done;			/* under runner->lock */
	struct scrape scrape;
	bool *selected;
	struct collector_outcome *outcomes;
	struct self_metrics self;
};

struct scrape_runner *
scrape_runner_new(const struct config *config,
		  const struct collector *const *collectors,
		  const bool *enabled, size_t n_collectors)
{
	pthread_condattr_t cond_attr;
	struct scrape_runner *runner;

	runner = calloc(1, sizeof(*runner));
	if (!runner)
		return NULL;
	/* one spare entry so that an empty list still allocates */
	runner->collectors = calloc(n_collectors + 1, sizeof(*collectors));
	runner->enabled = calloc(n_collectors + 1, sizeof(*enabled));
	runner->failure_logs =
		calloc(n_collectors + 1, sizeof(*runner->failure_logs));
	if (!runner->collectors || !runner->enabled || !runner->failure_logs) {
		free(runner->collectors);
		free(runner->enabled);
		free(runner->failure_logs);
		free(runner);
		errno = ENOMEM;
		return NULL;
	}
	memcpy(runner->collectors, collectors,
	       n_collectors * sizeof(*collectors));
	memcpy(runner->enabled, enabled, n_collectors * sizeof(*enabled));
	runner->n_collectors = n_collectors;
	runner->config = config;
	pthread_mutex_init(&runner->lock, NULL);
	/* timed waits count in CLOCK_MONOTONIC, as deadlines do */
	pthread_condattr_init(&cond_attr);
	pthread_condattr_setclock(&cond_attr, CLOCK_MONOTONIC);
	pthread_cond_init(&runner->collection_done, &cond_attr);
	pthread_condattr_destroy(&cond_attr);
	return runner;
}

void scrape_runner_free(struct scrape_runner *runner)
{
	if (!runner)
		return;
	/* a collection left behind by a scrape that timed out still uses us */
	pthread_mutex_lock(&runner->lock);
	while (runner->background)
		pthread_cond_wait(&runner->collection_done, &runner->lock);
	pthread_mutex_unlock(&runner->lock);
	pthread_cond_destroy(&runner->collection_done);
	pthread_mutex_destroy(&runner->lock);
	free(runner->collectors);
	free(runner->enabled);
	free(runner->failure_logs);
	free(runner);
}

int scrape_request_init(struct scrape_request *request,
			const struct scrape_runner *runner)
{
	memset(request, 0, sizeof(*request));
	request->format = EXPOSITION_TEXT;
	request->selected =
		calloc(runner->n_collectors + 1, sizeof(*request->selected));
	if (!request->selected)
		return -ENOMEM;
	memcpy(request->selected, runner->enabled,
	       runner->n_collectors * sizeof(*request->selected));
	return 0;
}

void scrape_request_release(struct scrape_request *request)
{
	free(request->selected);
	request->selected = NULL;
}

int scrape_request_only(struct scrape_request *request,
			const struct scrape_runner *runner, const char *name,
			char *err, size_t err_len)
{
	size_t i;

	for (i = 0; i < runner->n_collectors; i++) {
		if (!strcmp(runner->collectors[i]->name, name))
			break;
	}
	if (i == runner->n_collectors) {
		snprintf(err, err_len, "unknown collector \"%s\"", name);
		return -ENOENT;
	}
	if (!runner->enabled[i]) {
		snprintf(err, err_len, "collector \"%s\" is disabled", name);
		return -EPERM;
	}
	/* the first name replaces "every enabled collector" */
	if (!request->narrowed) {
		memset(request->selected, 0,
		       runner->n_collectors * sizeof(*request->selected));
		request->narrowed = true;
	}
	request->selected[i] = true;
	return 0;
}

int scrape_runner_admit(struct scrape_runner *runner)
{
	unsigned max = runner->config->max_requests;
	int err = 0;

	pthread_mutex_lock(&runner->lock);
	if (max && runner->stats.in_flight >= max)
		err = -EBUSY;
	else
		runner->stats.in_flight++;
	pthread_mutex_unlock(&runner->lock);
	return err;
}

void scrape_runner_leave(struct scrape_runner *runner)
{
	pthread_mutex_lock(&runner->lock);
	runner->stats.in_flight--;
	pthread_mutex_unlock(&runner->lock);
}

void scrape_runner_stats(struct scrape_runner *runner,
			 struct scrape_runner_stats *stats)
{
	pthread_mutex_lock(&runner->lock);
	*stats = runner->stats;
	pthread_mutex_unlock(&runner->lock);
}

static void collection_free(struct scrape_collection *collection)
{
	size_t i;

	if (!collection)
		return;
	/* results may point into the scrape: free them first */
	for (i = 0;
	     collection->outcomes && i < collection->runner->n_collectors; i++)
		collector_result_release(&collection->outcomes[i].result);
	scrape_release(&collection->scrape);
	free(collection->outcomes);
	free(collection->selected);
	free(collection);
}

static struct scrape_collection *
collection_new(struct scrape_runner *runner,
	       const struct scrape_request *request)
{
	struct scrape_collection *collection;
	size_t n = runner->n_collectors;

	collection = calloc(1, sizeof(*collection));
	if (!collection)
		return NULL;
	collection->runner = runner;
	collection->refs = 1;
	collection->selected = calloc(n + 1, sizeof(*collection->selected));
	collection->outcomes = calloc(n + 1, sizeof(*collection->outcomes));
	if (!collection->selected || !collection->outcomes) {
		collection_free(collection);
		errno = ENOMEM;
		return NULL;
	}
	memcpy(collection->selected, request->selected,
	       n * sizeof(*collection->selected));
	collection->scrape.config = runner->config;
	collection->scrape.deadline = request->deadline;
	collection->scrape.format = request->format;
	return collection;
}

static void collector_run(struct scrape_collection *collection, size_t index)
{
	const struct collector *collector =
		collection->runner->collectors[index];
	struct collector_outcome *outcome = &collection->outcomes[index];
	char seconds[32];
	double start;
	int level;

	outcome->ran = true;
	start = monotonic_seconds();
	/* a collector starting after the deadline only makes it later */
	if (scrape_past_deadline(&collection->scrape))
		outcome->err = -ETIMEDOUT;
	else
		outcome->err = collector->collect(&collection->scrape,
						  &outcome->result);
	outcome->duration = monotonic_seconds() - start;
	/* failing at every scrape is one story: told once, then at debug */
	level = log_flap_level(&collection->runner->failure_logs[index],
			       outcome->err != 0, start);
	if (level >= 0)
		log_at((enum log_level)level, "collector failed", "collector",
		       collector->name, "err", strerror(-outcome->err),
		       "duration_seconds",
		       log_float(seconds, outcome->duration), NULL);
}

static void collection_run(struct scrape_collection *collection)
{
	size_t i;

	for (i = 0; i < collection->runner->n_collectors; i++) {
		if (collection->selected[i])
			collector_run(collection, i);
	}
	self_metrics_read(&collection->self);
}

/* A running collection that request may share, or NULL. Under the lock. */
static struct scrape_collection *
collection_find_running(struct scrape_runner *runner,
			const struct scrape_request *request)
{
	struct scrape_collection *collection;

	for (collection = runner->running; collection;
	     collection = collection->next) {
		if (collection->scrape.format == request->format &&
		    !memcmp(collection->selected, request->selected,
			    runner->n_collectors * sizeof(bool)))
			return collection;
	}
	return NULL;
}

static void collection_unlink(struct scrape_collection *collection)
{
	struct scrape_collection **link = &collection->runner->running;

	while (*link != collection)
		link = &(*link)->next;
	*link = collection->next;
	collection->next = NULL;
}

/* Marks collection done and wakes the scrapes waiting for it. */
static void collection_finish(struct scrape_collection *collection)
{
	struct scrape_runner *runner = collection->runner;

	pthread_mutex_lock(&runner->lock);
	collection->done = true;
	collection_unlink(collection);
	pthread_cond_broadcast(&runner->collection_done);
	pthread_mutex_unlock(&runner->lock);
}

/*
 * Runs a collection for a scrape with a deadline on a thread of its own,
 * so that the scrape can answer at its deadline even when a collector is
 * stuck in the kernel: a netlink dump waits for the RTNL lock while
 * namespaces are being torn down, and no socket timeout covers that wait.
 */
static void *collection_thread(void *arg)
{
	struct scrape_collection *collection = arg;
	struct scrape_runner *runner = collection->runner;

	collection_run(collection);
	collection_finish(collection);
	scrape_collection_put(collection);
	pthread_mutex_lock(&runner->lock);
	runner->background--;
	pthread_cond_broadcast(&runner->collection_done);
	pthread_mutex_unlock(&runner->lock);
	return NULL;
}

/* Starts collection_thread; false when no thread could be made. Locked. */
static bool collection_start_thread(struct scrape_collection *collection)
{
	pthread_attr_t attr;
	pthread_t thread;
	int err;

	if (pthread_attr_init(&attr))
		return false;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	collection->refs++; /* the thread's */
	err = pthread_create(&thread, &attr, collection_thread, collection);
	pthread_attr_destroy(&attr);
	if (err) {
		collection->refs--;
		return false;
	}
	collection->runner->background++;
	return true;
}

/*
 * Waits, under the lock, until collection is done or CLOCK_MONOTONIC
 * reaches answer_by (0: no limit). True when it is done.
 */
static bool collection_wait(struct scrape_runner *runner,
			    struct scrape_collection *collection,
			    double answer_by)
{
	struct timespec until;

	until.tv_sec = (time_t)answer_by;
	until.tv_nsec = (long)((answer_by - (double)until.tv_sec) * 1e9);
	while (!collection->done) {
		if (answer_by <= 0) {
			pthread_cond_wait(&runner->collection_done,
					  &runner->lock);
			continue;
		}
		if (pthread_cond_timedwait(&runner->collection_done,
					   &runner->lock, &until) == ETIMEDOUT)
			return collection->done;
	}
	return true;
}

/*
 * The page of a scrape whose collection was not done by its deadline:
 * every selected collector failed with ETIMEDOUT (so the scraper learns
 * why), and the exporter's own metrics.
 */
static struct scrape_collection *
collection_timed_out(struct scrape_runner *runner,
		     const struct scrape_request *request, double started)
{
	struct scrape_collection *collection;
	double now = monotonic_seconds();
	size_t i;

	collection = collection_new(runner, request);
	if (!collection)
		return NULL;
	for (i = 0; i < runner->n_collectors; i++) {
		if (!collection->selected[i])
			continue;
		collection->outcomes[i].ran = true;
		collection->outcomes[i].err = -ETIMEDOUT;
		collection->outcomes[i].duration = now - started;
	}
	self_metrics_read(&collection->self);
	collection->done = true;
	log_warn(
		"collection not done by the scrape deadline; answering without it",
		NULL);
	return collection;
}

struct scrape_collection *
scrape_runner_collect(struct scrape_runner *runner,
		      const struct scrape_request *request)
{
	struct scrape_collection *collection;
	double started = monotonic_seconds(), answer_by = 0;
	bool joined, done;

	/* half the offset is left for writing the page */
	if (request->deadline > 0)
		answer_by =
			request->deadline + runner->config->timeout_offset / 2;
	pthread_mutex_lock(&runner->lock);
	collection = collection_find_running(runner, request);
	joined = collection != NULL;
	if (joined) {
		collection->refs++;
		runner->stats.shared++;
	} else {
		collection = collection_new(runner, request);
		if (!collection) {
			pthread_mutex_unlock(&runner->lock);
			errno = ENOMEM;
			return NULL;
		}
		collection->next = runner->running;
		runner->running = collection;
		runner->stats.collections++;
		if (!answer_by || !collection_start_thread(collection)) {
			/* no deadline to keep: collect on this thread */
			pthread_mutex_unlock(&runner->lock);
			collection_run(collection);
			collection_finish(collection);
			return collection;
		}
	}
	if (joined)
		runner->stats.waiting++;
	done = collection_wait(runner, collection, answer_by);
	if (joined)
		runner->stats.waiting--;
	if (!done)
		collection->refs--; /* the running thread holds its own */
	pthread_mutex_unlock(&runner->lock);
	if (done)
		return collection;
	return collection_timed_out(runner, request, started);
}

struct scrape_collection *
scrape_collection_get(struct scrape_collection *collection)
{
	pthread_mutex_lock(&collection->runner->lock);
	collection->refs++;
	pthread_mutex_unlock(&collection->runner->lock);
	return collection;
}

void scrape_collection_put(struct scrape_collection *collection)
{
	struct scrape_runner *runner;
	unsigned refs;

	if (!collection)
		return;
	runner = collection->runner;
	pthread_mutex_lock(&runner->lock);
	refs = --collection->refs;
	pthread_mutex_unlock(&runner->lock);
	if (!refs)
		collection_free(collection);
}

enum stream_stage {
	STAGE_COLLECTORS,
	STAGE_DURATIONS,
	STAGE_SUCCESS,
	STAGE_SELF,
	STAGE_FINISH,
	STAGE_DONE,
};

struct scrape_stream {
	struct scrape_collection *collection;
	enum stream_stage stage;
	size_t index;  /* next collector, in STAGE_COLLECTORS */
	size_t cursor; /* within the current collector, group or stage */
	/* results handed to a render_group, one slot per collector */
	const struct collector_result **members;
	struct outbuf piece;
	size_t piece_sent;
	bool gzip;
	bool gzip_done;
	z_stream zlib;
};

struct scrape_stream *scrape_stream_new(struct scrape_collection *collection,
					bool gzip)
{
	struct scrape_stream *stream;
	size_t n = collection->runner->n_collectors;

	stream = calloc(1, sizeof(*stream));
	if (!stream)
		return NULL;
	stream->members = calloc(n + 1, sizeof(*stream->members));
	if (!stream->members)
		goto out_free_stream;
	/* windowBits 15 + 16 asks zlib for a gzip header and trailer */
	if (gzip && deflateInit2(&stream->zlib, 1, Z_DEFLATED, 15 + 16, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
		goto out_free_members;
	stream->gzip = gzip;
	outbuf_init(&stream->piece, collection->scrape.format);
	stream->collection = collection;
	return stream;

out_free_members:
	free(stream->members);
out_free_stream:
	free(stream);
	errno = ENOMEM;
	return NULL;
}

void scrape_stream_free(struct scrape_stream *stream)
{
	if (!stream)
		return;
	if (stream->gzip)
		deflateEnd(&stream->zlib);
	outbuf_release(&stream->piece);
	free(stream->members);
	scrape_collection_put(stream->collection);
	free(stream);
}

size_t scrape_stream_held(const struct scrape_stream *stream)
{
	return stream->piece.cap;
}

/*
 * Renders the next piece of the collector at stream->index, or of the
 * render group starting there; moves on when it is complete.
 */
static void stream_render_collector(struct scrape_stream *stream)
{
	struct scrape_collection *collection = stream->collection;
	const struct collector *const *collectors =
		collection->runner->collectors;
	size_t n = collection->runner->n_collectors, i, n_members = 0;
	const struct collector *first = collectors[stream->index];
	const struct collector_result *result;
	size_t end = stream->index + 1;
	bool more;

	if (first->render_group) {
		/* consecutive selected collectors of the same group */
		for (i = stream->index; i < n; i++) {
			if (!collection->selected[i])
				continue;
			if (collectors[i]->render_group != first->render_group)
				break;
			stream->members[n_members++] =
				&collection->outcomes[i].result;
			end = i + 1;
		}
		more = first->render_group(stream->members, n_members,
					   &stream->cursor, &stream->piece);
	} else {
		result = &collection->outcomes[stream->index].result;
		/* a collector that failed early may have nothing to render */
		more = result->render &&
		       result->render(result->data, &stream->cursor,
				      &stream->piece);
	}
	if (!more) {
		stream->index = end;
		stream->cursor = 0;
	}
}

static void stream_render_outcomes(struct scrape_stream *stream, bool durations)
{
	struct scrape_collection *collection = stream->collection;
	const char *name =
		durations ? "namespace_scrape_collector_duration_seconds"
			  : "namespace_scrape_collector_success";
	struct outbuf *out = &stream->piece;
	const struct collector_outcome *outcome;
	size_t i;

	if (durations)
		exposition_family(out, name, METRIC_GAUGE, "seconds",
				  "Seconds a collector took in this scrape.");
	else
		exposition_family(
			out, name, METRIC_GAUGE, NULL,
			"Whether a collector succeeded in this scrape (1) or returned an error (0).");
	for (i = 0; i < collection->runner->n_collectors; i++) {
		outcome = &collection->outcomes[i];
		if (!outcome->ran)
			continue;
		exposition_sample(
			out, name,
			durations ? outcome->duration : (outcome->err ? 0 : 1),
			"collector", collection->runner->collectors[i]->name,
			NULL);
	}
}

/* Replaces the piece with the next one; the stage moves on as needed. */
static int stream_next_piece(struct scrape_stream *stream)
{
	struct scrape_collection *collection = stream->collection;
	size_t n = collection->runner->n_collectors;

	outbuf_clear(&stream->piece);
	stream->piece_sent = 0;
	switch (stream->stage) {
	case STAGE_COLLECTORS:
		while (stream->index < n &&
		       !collection->selected[stream->index])
			stream->index++;
		if (stream->index == n) {
			stream->stage = STAGE_DURATIONS;
			break;
		}
		stream_render_collector(stream);
		break;
	case STAGE_DURATIONS:
	case STAGE_SUCCESS:
		stream_render_outcomes(stream,
				       stream->stage == STAGE_DURATIONS);
		stream->stage++;
		break;
	case STAGE_SELF:
		if (!self_metrics_render(&collection->self, &stream->cursor,
					 &stream->piece)) {
			stream->cursor = 0;
			stream->stage = STAGE_FINISH;
		}
		break;
	case STAGE_FINISH:
		exposition_finish(&stream->piece);
		stream->stage = STAGE_DONE;
		break;
	case STAGE_DONE:
		break;
	}
	return stream->piece.err;
}

static ssize_t stream_read_plain(struct scrape_stream *stream, char *buf,
				 size_t len)
{
	size_t n;
	int err;

	while (stream->piece_sent == stream->piece.len) {
		if (stream->stage == STAGE_DONE)
			return 0;
		err = stream_next_piece(stream);
		if (err)
			return err;
	}
	n = stream->piece.len - stream->piece_sent;
	if (n > len)
		n = len;
	memcpy(buf, stream->piece.data + stream->piece_sent, n);
	stream->piece_sent += n;
	return (ssize_t)n;
}

/*
 * Compresses pieces into buf until it is full or the body ends. A piece is
 * replaced only once zlib has taken all of it (into its window), so one
 * piece is all the page this stream holds.
 */
static ssize_t stream_read_gzip(struct scrape_stream *stream, char *buf,
				size_t len)
{
	z_stream *zlib = &stream->zlib;
	int err, flush, ret;

	zlib->next_out = (Bytef *)buf;
	zlib->avail_out = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
	while (zlib->avail_out && !stream->gzip_done) {
		if (!zlib->avail_in && stream->stage != STAGE_DONE) {
			err = stream_next_piece(stream);
			if (err)
				return err;
			zlib->next_in = (Bytef *)stream->piece.data;
			zlib->avail_in = (uInt)stream->piece.len;
			continue;
		}
		flush = stream->stage == STAGE_DONE ? Z_FINISH : Z_NO_FLUSH;
		ret = deflate(zlib, flush);
		if (ret == Z_STREAM_END)
			stream->gzip_done = true;
		else if (ret != Z_OK && ret != Z_BUF_ERROR)
			return -EIO;
	}
	return (ssize_t)((Bytef *)zlib->next_out - (Bytef *)buf);
}

ssize_t scrape_stream_read(struct scrape_stream *stream, char *buf, size_t len)
{
	if (!len)
		return -EINVAL;
	if (stream->gzip)
		return stream_read_gzip(stream, buf, len);
	return stream_read_plain(stream, buf, len);
}

/* One element of a comma-separated header value, with its parameters. */
struct header_element {
	const char *value;
	size_t value_len;
	const char *params; /* after the first ';', up to the element's end */
	size_t params_len;
};

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static size_t trim_length(const char *start, const char *end)
{
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return (size_t)(end - start);
}

/*
 * Splits the next element off *cursor. Commas inside quoted parameter
 * values do not end an element. Returns false when none is left.
 */
static bool header_next(const char **cursor, struct header_element *element)
{
	const char *p = *cursor, *start, *semi = NULL;
	bool quoted = false;

	while (*p == ',' || *p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return false;
	start = p;
	for (; *p && (quoted || *p != ','); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '\\' && quoted && p[1])
			p++;
		else if (*p == ';' && !quoted && !semi)
			semi = p;
	}
	element->value = start;
	element->value_len = trim_length(start, semi ? semi : p);
	element->params = semi ? semi + 1 : p;
	element->params_len = semi ? (size_t)(p - semi - 1) : 0;
	*cursor = p;
	return true;
}

/*
 * Copies the value of parameter name (case-insensitive, quotes removed)
 * into buf. Returns false when the element lacks it.
 */
static bool header_param(const struct header_element *element, const char *name,
			 char *buf, size_t len)
{
	const char *p = element->params, *end = p + element->params_len;
	const char *key, *eq, *next, *v;
	size_t name_len = strlen(name), n;

	while (p < end) {
		next = memchr(p, ';', (size_t)(end - p));
		if (!next)
			next = end;
		key = skip_space(p, next);
		eq = memchr(key, '=', (size_t)(next - key));
		if (eq && trim_length(key, eq) == name_len &&
		    !strncasecmp(key, name, name_len)) {
			v = skip_space(eq + 1, next);
			n = trim_length(v, next);
			if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
				v++;
				n -= 2;
			}
			if (n >= len)
				n = len - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			return true;
		}
		p = next + 1;
	}
	return false;
}

/* The q-value of an element: 1 when absent, 0 when malformed. */
static double header_quality(const struct header_element *element)
{
	char text[16];
	double q;
	char *end;

	if (!header_param(element, "q", text, sizeof(text)))
		return 1;
	q = strtod(text, &end);
	if (end == text || *end || !(q >= 0 && q <= 1))
		return 0;
	return q;
}

static bool element_is(const struct header_element *element, const char *value)
{
	return element->value_len == strlen(value) &&
	       !strncasecmp(element->value, value, element->value_len);
}

/* How well a media range matched a format: the most specific one counts. */
struct format_match {
	int specificity; /* -1: no range matched */
	double q;
	size_t position;
};

static void format_match_offer(struct format_match *match, int specificity,
			       double q, size_t position)
{
	if (specificity > match->specificity) {
		match->specificity = specificity;
		match->q = q;
		match->position = position;
	}
}

/*
 * A media range with a version parameter matches only the version we
 * write; without one it matches any version.
 */
static int media_specificity(const struct header_element *element,
			     const char *version)
{
	char text[32];

	if (!header_param(element, "version", text, sizeof(text)))
		return 2;
	return strcmp(text, version) ? -1 : 3;
}

enum exposition_format scrape_format_negotiate(const char *accept)
{
	struct format_match text = {-1, 0, 0}, openmetrics = {-1, 0, 0};
	struct header_element element;
	const char *cursor = accept;
	size_t position = 0;
	double q;

	if (!accept)
		return EXPOSITION_TEXT;
	while (header_next(&cursor, &element)) {
		q = header_quality(&element);
		if (element_is(&element, "application/openmetrics-text"))
			format_match_offer(&openmetrics,
					   media_specificity(&element, "1.0.0"),
					   q, position);
		else if (element_is(&element, "text/plain"))
			format_match_offer(&text,
					   media_specificity(&element, "0.0.4"),
					   q, position);
		else if (element_is(&element, "application/*"))
			format_match_offer(&openmetrics, 1, q, position);
		else if (element_is(&element, "text/*"))
			format_match_offer(&text, 1, q, position);
		else if (element_is(&element, "*/*")) {
			format_match_offer(&openmetrics, 0, q, position);
			format_match_offer(&text, 0, q, position);
		}
		position++;
	}
	if (openmetrics.specificity < 0 || openmetrics.q <= 0)
		return EXPOSITION_TEXT;
	if (text.specificity < 0 || openmetrics.q > text.q)
		return EXPOSITION_OPENMETRICS;
	/* equal preference: OpenMetrics only when named, and named first */
	if (openmetrics.q == text.q && openmetrics.specificity >= 2 &&
	    openmetrics.position < text.position)
		return EXPOSITION_OPENMETRICS;
	return EXPOSITION_TEXT;
}

bool scrape_gzip_accepted(const char *accept_encoding)
{
	struct header_element element;
	const char *cursor = accept_encoding;
	double gzip_q = -1, any_q = -1;

	if (!accept_encoding)
		return false;
	while (header_next(&cursor, &element)) {
		if (element_is(&element, "gzip") ||
		    element_is(&element, "x-gzip"))
			gzip_q = header_quality(&element);
		else if (element_is(&element, "*"))
			any_q = header_quality(&element);
	}
	/* gzip named, even with q=0, overrides the wildcard */
	return gzip_q >= 0 ? gzip_q > 0 : any_q > 0;
}

double scrape_deadline_from_header(const char *timeout, double offset,
				   double now)
{
	double seconds;
	char *end;

	if (!timeout)
		return 0;
	errno = 0;
	seconds = strtod(timeout, &end);
	/*
	 * A timeout beyond a day is no deadline any scraper keeps; taken
	 * literally it overflows the timevals the collectors derive from it.
	 */
	if (errno || end == timeout || *skip_space(end, end + strlen(end)) ||
	    !isfinite(seconds) || seconds <= 0 || seconds > 86400)
		return 0;
	if (seconds > offset)
		seconds -= offset;
	return now + seconds;
}
