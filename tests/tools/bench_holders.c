/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Times the namespace scan over the real /proc in this process, with each
 * part of the holder scan switched on in turn, and prints the median and
 * spread of each. bench_holders.sh sets up the holders; run as root.
 *
 *	bench_holders [RUNS]
 *
 *	base          links and mounts only (no descriptor tables, no limits)
 *	+limits       and the limits of every other user namespace
 *	+fds          and every descriptor table, every entry stat'ed
 *	+fds textfirst the same, reading each link's text first and
 *	              stat'ing only what the text cannot rule out
 *	+fds+sockets  and every socket asked for its network namespace
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ns_scan.h"

#define MAX_RUNS 200

struct variant {
	const char *name;
	bool fds, prefilter, sockets, limits;
};

static const struct variant variants[] = {
	{"base", false, false, false, false},
	{"+limits", false, false, false, true},
	{"+fds", true, false, false, false},
	{"+fds textfirst", true, true, false, false},
	{"+fds+sockets", true, false, true, false},
	{"all (+limits)", true, false, false, true},
};
#define N_VARIANTS (sizeof(variants) / sizeof(variants[0]))

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int double_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One scan; its time in seconds, or a negative value on failure. */
static double scan_once(const struct variant *v, struct ns_scan **last)
{
	struct ns_scan_options options;
	struct ns_scan *scan = NULL;
	double start;

	ns_scan_options_init(&options, "/proc");
	options.fd_holders = v->fds;
	options.fd_link_prefilter = v->prefilter;
	options.socket_holders = v->sockets;
	options.user_limits = v->limits;
	start = now();
	if (ns_scan_run_with(&options, &scan) < 0)
		return -1;
	start = now() - start;
	ns_scan_free(*last);
	*last = scan;
	return start;
}

int main(int argc, char **argv)
{
	double times[N_VARIANTS][MAX_RUNS], t;
	struct ns_scan *last[N_VARIANTS] = {0};
	int runs = argc > 1 ? atoi(argv[1]) : 20;
	size_t v, i, holders;
	int r;

	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: bench_holders [RUNS (1-%d)]\n",
			MAX_RUNS);
		return 2;
	}
	/* interleaved, so that a busy moment hurts every variant alike */
	for (r = 0; r < runs; r++) {
		for (v = 0; v < N_VARIANTS; v++) {
			t = scan_once(&variants[v], &last[v]);
			if (t < 0) {
				fprintf(stderr, "scan failed\n");
				return 1;
			}
			times[v][r] = t;
		}
	}
	for (v = 0; v < N_VARIANTS; v++) {
		qsort(times[v], (size_t)runs, sizeof(double), double_cmp);
		for (holders = 0, i = 0; i < last[v]->n_holders; i++)
			holders += last[v]->holders[i].count;
		printf("%-15s median %7.2f ms  min %7.2f  max %7.2f  "
		       "processes %llu  fds %llu  holders %zu  users %zu\n",
		       variants[v].name, times[v][runs / 2] * 1e3,
		       times[v][0] * 1e3, times[v][runs - 1] * 1e3,
		       (unsigned long long)last[v]->processes_scanned,
		       (unsigned long long)last[v]->fds_examined, holders,
		       last[v]->n_users);
		ns_scan_free(last[v]);
	}
	return 0;
}
