// SPDX-License-Identifier: Apache-2.0
/*
 * Times the netns collector in this process: collection (discovery, the
 * link and address dumps of every namespace) and rendering of the whole
 * page, each run on a fresh scrape. Prints the median and the spread.
 * bench_netns.sh sets up the namespaces; run as root.
 *
 *	bench_netns [RUNS [WORKERS]]
 *
 * NSEBENCH_LOG=debug shows the collector's debug lines, among them the
 * time and the asks of peer resolution in each run.
 *
 * For comparison it also writes the same samples with snprintf, from the
 * same pre-escaped labels, so the cost of formatting shows on its own.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "config.h"
#include "log.h"
#include "netns_render.h"
#include "ns_scan.h"
#include "registry.h"

#define MAX_RUNS 100

static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *values, int n)
{
	qsort(values, (size_t)n, sizeof(*values), double_cmp);
	return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

/* Prints the median, minimum and maximum of values (sorting them). */
static void report(const char *what, double *values, int n)
{
	double mid = median(values, n);

	printf("%-24s median %7.1f ms  min %7.1f  max %7.1f\n", what, mid * 1e3,
	       values[0] * 1e3, values[n - 1] * 1e3);
}

/* The counter and gauge samples of every device, through snprintf. */
static size_t render_printf(const struct netns_set *set, char *buf, size_t size)
{
	size_t i, j, v, len = 0;
	const struct netns_ns *ns;
	const struct netns_device *dev;

	for (v = 0; v < NETNS_VALUE_COUNT; v++) {
		for (i = 0; i < set->n; i++) {
			ns = &set->items[i];
			if (ns->state != NETNS_STATE_READ)
				continue;
			for (j = 0; j < ns->n_devices && len < size; j++) {
				dev = &ns->devices[j];
				len += (size_t)snprintf(
					buf + len, size - len,
					"namespace_network_value_%zu{%.*s} %" PRIu64
					"\n",
					v, (int)dev->label_len,
					ns->labels.data + dev->label_off,
					dev->values[v]);
			}
		}
	}
	return len;
}

int main(int argc, char **argv)
{
	double collect_s[MAX_RUNS], render_s[MAX_RUNS], printf_s[MAX_RUNS];
	double total_s[MAX_RUNS], scan_s[MAX_RUNS];
	int runs = argc > 1 ? atoi(argv[1]) : 10;
	struct config config;
	size_t series = 0, bytes = 0, cursor, namespaces = 0, printed = 0;
	const char *log = getenv("NSEBENCH_LOG");
	enum log_level level;
	char *scratch;
	int r, err;

	if (log && !log_level_parse(log, &level))
		log_setup(level, LOG_FORMAT_LOGFMT);
	if (runs < 1 || runs > MAX_RUNS)
		runs = 10;
	memset(&config, 0, sizeof(config));
	config.procfs = "/proc";
	config.netns_dirs[0] = "/run/netns";
	config.n_netns_dirs = 1;
	config.netns_workers = argc > 2 ? (unsigned)atoi(argv[2]) : 0;
	scratch = malloc(64 << 20);
	if (!scratch)
		return 1;

	for (r = 0; r < runs; r++) {
		struct scrape scrape = {.config = &config};
		struct collector_result result = {0};
		const struct netns_set *set;
		struct outbuf out;
		double t0, t1, t2, t3;
		char *p;

		/* the scan is shared by every collector of a scrape: apart */
		t0 = monotonic_seconds();
		scrape_ns_scan(&scrape);
		scan_s[r] = monotonic_seconds() - t0;
		t0 = monotonic_seconds();
		err = netns_collector.collect(&scrape, &result);
		t1 = monotonic_seconds();
		if (err)
			fprintf(stderr, "collect: %s\n", strerror(-err));
		outbuf_init(&out, EXPOSITION_TEXT);
		cursor = 0;
		while (result.render(result.data, &cursor, &out))
			;
		t2 = monotonic_seconds();
		set = result.data;
		printed = render_printf(set, scratch, 64 << 20);
		t3 = monotonic_seconds();
		collect_s[r] = t1 - t0;
		render_s[r] = t2 - t1;
		printf_s[r] = t3 - t2;
		total_s[r] = t2 - t0;
		bytes = out.len;
		series = 0;
		for (p = out.data; p < out.data + out.len;
		     p = memchr(p, '\n', (size_t)(out.data + out.len - p)) + 1)
			series += *p != '#';
		namespaces = set->n;
		outbuf_release(&out);
		collector_result_release(&result);
		scrape_release(&scrape);
	}
	free(scratch);
	printf("namespaces %zu, series %zu, page %zu bytes, runs %d\n",
	       namespaces, series, bytes, runs);
	report("namespace scan (shared)", scan_s, runs);
	report("collect", collect_s, runs);
	report("render", render_s, runs);
	report("collect + render", total_s, runs);
	printf("(snprintf of the %d device families alone: %zu bytes)\n",
	       NETNS_VALUE_COUNT, printed);
	report("snprintf", printf_s, runs);
	return 0;
}
