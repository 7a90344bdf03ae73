/* SPDX-License-Identifier: Apache-2.0 */
/* Collector doubles shared by the runner and server tests. */
#include "collector_doubles.h"

#include <string.h>

bool double_name_render(const void *data, size_t *cursor, struct outbuf *out)
{
	const char *name = data;

	exposition_family(out, name, METRIC_GAUGE, NULL, "A test family.");
	exposition_sample(out, name, 1, NULL);
	(*cursor)++;
	return false;
}

static int alpha_collect(struct scrape *scrape, struct collector_result *result)
{
	result->data = "test_alpha_value";
	result->render = double_name_render;
	return 0;
}

static int beta_collect(struct scrape *scrape, struct collector_result *result)
{
	result->data = "test_beta_value";
	result->render = double_name_render;
	return 0;
}

double seen_deadline;

static int deadline_collect(struct scrape *scrape,
			    struct collector_result *result)
{
	seen_deadline = scrape->deadline;
	return 0;
}

const struct collector alpha = {"alpha", "Alpha.", true, alpha_collect, NULL};
const struct collector beta = {"beta", "Beta.", true, beta_collect, NULL};
const struct collector deadline = {"deadline", "Deadline.", true,
				   deadline_collect, NULL};

bool has_line(const char *text, const char *line)
{
	size_t len = strlen(line);
	const char *hit;

	for (hit = strstr(text, line); hit; hit = strstr(hit + 1, line)) {
		if ((hit == text || hit[-1] == '\n') && hit[len] == '\n')
			return true;
	}
	return false;
}
