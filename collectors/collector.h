/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The contract between the scrape runner and each collector. A collector
 * gathers what it needs into memory of its own (collect), and later writes
 * its metric families from that memory, piece by piece (render), so that a
 * large page is streamed instead of held whole. Concurrent responses may
 * render one result at the same time: render must not modify it.
 */
#ifndef NSE_COLLECTOR_H
#define NSE_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>

#include "exposition.h"

struct config;
struct ns_scan;

/*
 * What one collection shares between the collectors it runs. The runner
 * keeps it alive until the last response has rendered the collection, so
 * results may point into data it owns (such as the namespace scan).
 */
struct scrape {
	const struct config *config;
	/* CLOCK_MONOTONIC seconds by which collection must end; 0 = none */
	double deadline;
	/*
	 * The format every response of this collection is written in, for
	 * results rendered at collect time (collector_result_take_text).
	 */
	enum exposition_format format;
	/* built on first use by scrape_ns_scan(), freed with the scrape */
	struct ns_scan *ns_scan;
	int ns_scan_err;
	bool ns_scan_done;
};

struct collector_result {
	void *data;
	/*
	 * Appends the next piece of the collector's page to out (in out's
	 * format), starting from *cursor == 0, and advances *cursor. Returns
	 * true while more remains. A piece should be about one family.
	 */
	bool (*render)(const void *data, size_t *cursor, struct outbuf *out);
	/* Frees data; may be NULL when there is nothing to free. */
	void (*free)(void *data);
};

struct collector {
	const char *name;
	/* one line for --help */
	const char *help;
	bool enabled_by_default;
	/*
	 * Fills result (which starts zeroed) and returns 0, or a negative
	 * errno when the collector failed; a failed collector may still
	 * leave a partial result to render.
	 */
	int (*collect)(struct scrape *scrape, struct collector_result *result);
	/*
	 * For collectors that share metric families (the per-type namespace
	 * collectors all write namespace_in_use{type}): the runner renders
	 * consecutive enabled collectors with the same render_group together,
	 * handing it their results in registry order, so that each family
	 * appears once on the page. NULL: results render on their own.
	 */
	bool (*render_group)(const struct collector_result *const *members,
			     size_t n_members, size_t *cursor,
			     struct outbuf *out);
};

/*
 * Makes result render the fixed text in text (taking its memory; text is
 * left empty). Returns 0 or text's write error; on error nothing is taken.
 */
int collector_result_take_text(struct collector_result *result,
			       struct outbuf *text);
/* Releases what result holds and zeroes it; NULL-safe for an empty result. */
void collector_result_release(struct collector_result *result);

/* CLOCK_MONOTONIC in seconds. */
double monotonic_seconds(void);
/* True when the scrape has a deadline and it has passed. */
bool scrape_past_deadline(const struct scrape *scrape);
/* Frees what the collectors built in scrape (not scrape itself). */
void scrape_release(struct scrape *scrape);

#endif
