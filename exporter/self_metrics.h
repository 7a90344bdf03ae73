/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The exporter's own families: namespace_exporter_build_info and the
 * process_* families that Prometheus client libraries export, read from the
 * real /proc/self (never --path.procfs, which may point at a host's /proc).
 */
#ifndef NSE_SELF_METRICS_H
#define NSE_SELF_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "admin_metrics.h"
#include "exposition.h"

struct build_info {
	const char *version;
	const char *revision;
	/* versions of the libraries as their headers said at build time */
	const char *libmicrohttpd;
	const char *libmnl;
	const char *zlib;
};

/* Static strings; valid for the whole run. */
const struct build_info *build_info_get(void);

/* /proc/self/stat fields the process families need. */
struct self_stat {
	uint64_t utime_ticks;
	uint64_t stime_ticks;
	uint64_t start_ticks; /* since boot */
	uint64_t vsize_bytes;
	int64_t rss_pages;
};

/*
 * Parses one /proc/self/stat line. The command may contain spaces and
 * parentheses, so fields are counted from the last ')'. 0 or -EINVAL.
 */
int self_stat_parse(const char *line, struct self_stat *out);

/* A snapshot of the process, taken once per collection. */
struct self_metrics {
	bool have_stat; /* false when /proc/self/stat could not be read */
	double cpu_seconds;
	double resident_bytes;
	double virtual_bytes;
	bool have_start;
	double start_time_seconds; /* since the epoch */
	bool have_open_fds;
	double open_fds;
	bool have_max_fds;
	double max_fds;
	struct admin_api_counts admin;
};

/*
 * Fills snapshot from /proc/self and getrlimit. Whatever cannot be read is
 * left out of the page (have_* false) rather than failing the scrape.
 */
void self_metrics_read(struct self_metrics *snapshot);

/*
 * Writes the next family of the snapshot (build info first) to out,
 * starting from *cursor == 0; returns true while more remain.
 */
bool self_metrics_render(const struct self_metrics *snapshot, size_t *cursor,
			 struct outbuf *out);

#endif
