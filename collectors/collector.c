/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by every collector. */
#include "collector.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "ns_scan.h"

struct fixed_text {
	char *data;
	size_t len;
};

static bool fixed_text_render(const void *data, size_t *cursor,
			      struct outbuf *out)
{
	const struct fixed_text *text = data;

	outbuf_put(out, text->data, text->len);
	*cursor = 1;
	return false;
}

static void fixed_text_free(void *data)
{
	struct fixed_text *text = data;

	if (text)
		free(text->data);
	free(text);
}

int collector_result_take_text(struct collector_result *result,
			       struct outbuf *text)
{
	struct fixed_text *fixed;

	if (text->err)
		return text->err;
	fixed = calloc(1, sizeof(*fixed));
	if (!fixed)
		return -ENOMEM;
	fixed->data = outbuf_take(text, &fixed->len);
	if (!fixed->data) {
		free(fixed);
		return -ENOMEM;
	}
	result->data = fixed;
	result->render = fixed_text_render;
	result->free = fixed_text_free;
	return 0;
}

void collector_result_release(struct collector_result *result)
{
	if (result->free)
		result->free(result->data);
	result->data = NULL;
	result->render = NULL;
	result->free = NULL;
}

double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

bool scrape_past_deadline(const struct scrape *scrape)
{
	return scrape->deadline > 0 && monotonic_seconds() >= scrape->deadline;
}

void scrape_release(struct scrape *scrape)
{
	ns_scan_free(scrape->ns_scan);
	scrape->ns_scan = NULL;
	scrape->ns_scan_done = false;
	scrape->ns_scan_err = 0;
}
