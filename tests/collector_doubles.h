/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Collector doubles shared by the runner and server tests: fixed families
 * that name themselves, and one that records the deadline it was given;
 * and has_line, to look for a whole line in the pages they make.
 */
#ifndef NSE_TEST_COLLECTOR_DOUBLES_H
#define NSE_TEST_COLLECTOR_DOUBLES_H

#include "collector.h"

/* Renders one gauge family named after the data (a static string). */
bool double_name_render(const void *data, size_t *cursor, struct outbuf *out);

/* Families test_alpha_value and test_beta_value, value 1. */
extern const struct collector alpha;
extern const struct collector beta;
/* Renders nothing; stores the scrape's deadline in seen_deadline. */
extern const struct collector deadline;
extern double seen_deadline;

/* True when text has a line exactly equal to line. */
bool has_line(const char *text, const char *line);

#endif
