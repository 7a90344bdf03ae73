/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs collections and streams their pages. A collection runs the selected
 * collectors in list order on one struct scrape, timing each and noting
 * its success. Scrapes that arrive while a collection with the same
 * collectors and format is running wait for it and share its results,
 * which live until the last response has rendered them. A response is a
 * stream that holds one piece (about one family) at a time, optionally
 * gzip-compressed, so memory does not grow with the page.
 */
#ifndef NSE_SCRAPE_RUNNER_H
#define NSE_SCRAPE_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "collector.h"
#include "config.h"
#include "exposition.h"

struct scrape_runner;
struct scrape_collection;
struct scrape_stream;

/*
 * A runner over collectors[0 .. n_collectors-1] (the array is copied; the
 * collectors themselves must outlive the runner); enabled[i] says whether
 * collectors[i] runs by default. config must outlive the runner. Returns
 * NULL with errno set.
 */
struct scrape_runner *
scrape_runner_new(const struct config *config,
		  const struct collector *const *collectors,
		  const bool *enabled, size_t n_collectors);
/* Call only when no collection or stream of the runner is left. NULL-safe. */
void scrape_runner_free(struct scrape_runner *runner);

/* What one scrape asks for. */
struct scrape_request {
	enum exposition_format format;
	/* CLOCK_MONOTONIC seconds by which collection must end; 0 = none */
	double deadline;
	/* one flag per collector of the runner; owned by the request */
	bool *selected;
	/* false until scrape_request_only narrows the selection */
	bool narrowed;
};

/*
 * Starts a request for every enabled collector, in the text format, with
 * no deadline. 0 or -ENOMEM; release it with scrape_request_release.
 */
int scrape_request_init(struct scrape_request *request,
			const struct scrape_runner *runner);
void scrape_request_release(struct scrape_request *request);
/*
 * Narrows the request to the collectors named so far (collect[] in the
 * query). -ENOENT for a name no collector has, -EPERM for a collector that
 * is disabled; err then says which, in err_len bytes.
 */
int scrape_request_only(struct scrape_request *request,
			const struct scrape_runner *runner, const char *name,
			char *err, size_t err_len);

/*
 * Admits a scrape when fewer than config->max_requests are in flight (0
 * means no bound): 0, or -EBUSY. Every admitted scrape ends with
 * scrape_runner_leave once its response is done.
 */
int scrape_runner_admit(struct scrape_runner *runner);
void scrape_runner_leave(struct scrape_runner *runner);

/*
 * Returns a collection for request: a running one with the same selection
 * and format, waited for, or a new one run in the calling thread. Blocks
 * until the collection is complete. The caller holds a reference, dropped
 * with scrape_collection_put or handed to scrape_stream_new. NULL with
 * errno set when memory runs out.
 */
struct scrape_collection *
scrape_runner_collect(struct scrape_runner *runner,
		      const struct scrape_request *request);
/* Takes another reference, for one more stream; returns collection. */
struct scrape_collection *
scrape_collection_get(struct scrape_collection *collection);
/* Drops a reference; the last one frees the results and the scrape. */
void scrape_collection_put(struct scrape_collection *collection);

/* Counters for tests and logs, read under the runner's lock. */
struct scrape_runner_stats {
	uint64_t collections; /* collections started */
	uint64_t shared;      /* scrapes that joined a running collection */
	unsigned waiting;     /* scrapes waiting for a running collection now */
	unsigned in_flight;   /* admitted scrapes not yet left */
};
void scrape_runner_stats(struct scrape_runner *runner,
			 struct scrape_runner_stats *stats);

/*
 * A response body over collection, gzip-compressed when gzip is true.
 * Takes the caller's reference to collection on success; NULL with errno
 * set otherwise (the reference stays with the caller).
 */
struct scrape_stream *scrape_stream_new(struct scrape_collection *collection,
					bool gzip);
/*
 * Copies the next bytes of the body into buf: returns how many (more than
 * 0), 0 at the end of the body, or a negative errno.
 */
ssize_t scrape_stream_read(struct scrape_stream *stream, char *buf, size_t len);
/* Bytes of page the stream holds in memory now (its one piece). */
size_t scrape_stream_held(const struct scrape_stream *stream);
/* Frees the stream and drops its collection reference. NULL-safe. */
void scrape_stream_free(struct scrape_stream *stream);

/*
 * The format an Accept header asks for: OpenMetrics 1.0 when the client
 * prefers it (by q-value, then by order) to text 0.0.4, text otherwise,
 * also for a NULL or unparsable header.
 */
enum exposition_format scrape_format_negotiate(const char *accept);
/* True when an Accept-Encoding header allows gzip. NULL: false. */
bool scrape_gzip_accepted(const char *accept_encoding);
/*
 * Deadline for a scrape from X-Prometheus-Scrape-Timeout-Seconds: now +
 * timeout - offset, or now + timeout when the offset would eat it all. 0
 * (no deadline) for a NULL, malformed or non-positive header, or one of
 * more than a day.
 */
double scrape_deadline_from_header(const char *timeout, double offset,
				   double now);

#endif
