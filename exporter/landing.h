/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The landing page at /: the exporter's name, version and links, then what
 * it sees, for a person with a browser: namespaces per type against their
 * limit, and each network namespace with its devices and addresses. The
 * page is built from the exporter's own text page, collected through the
 * scrape runner and read back with exposition_parse.h, so it shows exactly
 * what the metrics path shows and knows nothing of collector internals.
 * Plain server-rendered HTML, no script.
 */
#ifndef NSE_LANDING_H
#define NSE_LANDING_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "exposition.h"
#include "http.h"
#include "scrape_runner.h"

/*
 * Bounds on the detail kept and shown, so that a host with thousands of
 * namespaces gets a page of bounded size: network namespaces past the
 * first LANDING_MAX_NETNS (in the order of the metrics page), devices past
 * LANDING_MAX_DEVICES in one namespace and addresses past
 * LANDING_MAX_ADDRESSES on one device are counted, not listed.
 */
#define LANDING_MAX_NETNS 200
#define LANDING_MAX_DEVICES 100
#define LANDING_MAX_ADDRESSES 16

/* What the page shows, read from exposition text. */
struct landing_view;

/* An empty view. NULL with errno set. */
struct landing_view *landing_view_new(void);
void landing_view_free(struct landing_view *view); /* NULL-safe */

/*
 * Reads the next len bytes of a text-format page into view. Returns 0,
 * -EINVAL for text that breaks the format (landing_view_error says where),
 * -E2BIG for an overlong line, or -ENOMEM; errors are sticky.
 */
int landing_view_feed(struct landing_view *view, const char *data, size_t len);
/* Ends the page; 0 or the error of the page (as feed). */
int landing_view_finish(struct landing_view *view);
/* Where and why reading failed; "" while it has not. */
const char *landing_view_error(const struct landing_view *view);

/*
 * Runs a collection of the runner's enabled collectors in the text format
 * (sharing one already running, as scrapes do) and reads its page into
 * view, which must be new. The caller has been admitted by the runner.
 * Returns 0 or an error as landing_view_feed, or -ENOMEM.
 */
int landing_view_collect(struct landing_view *view,
			 struct scrape_runner *runner);

/* The parts of the page that do not come from the metrics. */
struct landing_page {
	const char *version;
	const char *revision;
	const char *telemetry_path;
	/* seconds the collection and reading took; below 0: not shown */
	double collect_seconds;
};

/* Appends the whole HTML page to html; its error is html->err. */
void landing_render(const struct landing_view *view,
		    const struct landing_page *page, struct outbuf *html);

/*
 * Appends len bytes of text as HTML text or attribute content: &, <, >, "
 * and ' become character references; control bytes and bytes that are
 * not part of valid UTF-8 become the visible text \xNN, as label values
 * show invalid bytes on the metrics page.
 */
void landing_html_escape(struct outbuf *html, const char *text, size_t len);

/*
 * Answers GET (collecting, admitted by the runner: 503 when
 * --web.max-requests are in flight) or HEAD (headers only, no collection)
 * for the landing page.
 */
enum MHD_Result landing_serve(const struct http_request *request,
			      const struct config *config,
			      struct scrape_runner *runner);

#endif
