/* SPDX-License-Identifier: Apache-2.0 */
/*
 * namespace_exporter_admin_requests_total{operation,code}: the admin API's
 * requests by operation and HTTP status, kept process-wide and rendered
 * with the exporter's own families.
 */
#ifndef NSE_ADMIN_METRICS_H
#define NSE_ADMIN_METRICS_H

#include <stdint.h>

#include "exposition.h"

enum admin_operation {
	ADMIN_OP_LIST,
	ADMIN_OP_CREATE,
	ADMIN_OP_ATTACH,
	ADMIN_OP_DELETE,
	ADMIN_OP_OTHER, /* a method the API does not have */
	ADMIN_N_OPS,
};

#define ADMIN_N_CODES 12

/* Requests answered since start, by operation and status code. */
struct admin_api_counts {
	uint64_t n[ADMIN_N_OPS][ADMIN_N_CODES];
};

/* Counts one answer; a status outside the table counts as 500. */
void admin_api_count(enum admin_operation op, unsigned status);
/* A snapshot of the counters. */
void admin_api_counts_read(struct admin_api_counts *counts);
/* The counter family; nothing at all before the first admin request. */
void admin_api_counts_render(const struct admin_api_counts *counts,
			     struct outbuf *out);
const char *admin_operation_name(enum admin_operation op);

#endif
