/* SPDX-License-Identifier: Apache-2.0 */
/* Build information and the process_* families, from the real /proc/self. */
#include "self_metrics.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <zlib.h>

/* generated at build time: NSE_REVISION */
#include "nse_revision.h"

#ifndef NSE_LIBMNL_VERSION
#define NSE_LIBMNL_VERSION "unknown"
#endif

/*
 * MHD_VERSION is 0xMMmmpp00 where each byte is written as its decimal
 * digits (0x00097500 is 0.9.75), so the bytes print with %x.
 */
#define MHD_VERSION_PART(shift) ((MHD_VERSION >> (shift)) & 0xff)

static char mhd_version_text[16];
static pthread_once_t mhd_version_once = PTHREAD_ONCE_INIT;

static void mhd_version_format(void)
{
	snprintf(mhd_version_text, sizeof(mhd_version_text), "%x.%x.%x",
		 (unsigned)MHD_VERSION_PART(24), (unsigned)MHD_VERSION_PART(16),
		 (unsigned)MHD_VERSION_PART(8));
}

const struct build_info *build_info_get(void)
{
	static struct build_info info = {
		.version = NSE_VERSION,
		.revision = NSE_REVISION,
		.libmicrohttpd = mhd_version_text,
		.libmnl = NSE_LIBMNL_VERSION,
		.zlib = ZLIB_VERSION,
	};

	pthread_once(&mhd_version_once, mhd_version_format);
	return &info;
}

int self_stat_parse(const char *line, struct self_stat *out)
{
	const char *paren = strrchr(line, ')');
	unsigned long long utime, stime, start, vsize;
	long long rss;

	/*
	 * After ") " come state (field 3) and fields 4..13 we skip, then
	 * utime (14), stime (15), four more, starttime (22), vsize, rss.
	 */
	if (!paren ||
	    sscanf(paren + 1,
		   " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u"
		   " %llu %llu %*d %*d %*d %*d %*d %*d %llu %llu %lld",
		   &utime, &stime, &start, &vsize, &rss) != 5)
		return -EINVAL;
	out->utime_ticks = utime;
	out->stime_ticks = stime;
	out->start_ticks = start;
	out->vsize_bytes = vsize;
	out->rss_pages = rss;
	return 0;
}

/* Reads a small file into buf as a string; 0 or negative errno. */
static int read_small_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		err = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return err;
}

/* System boot time in seconds since the epoch, from /proc/stat's btime. */
static int boot_time_read(double *out)
{
	unsigned long long btime;
	char line[256];
	FILE *f;
	int err = -ENOENT;

	f = fopen("/proc/stat", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "btime %llu", &btime) == 1) {
			*out = (double)btime;
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

/* The start time never changes: work it out once. */
static double start_time_seconds;
static bool start_time_known;
static pthread_once_t start_time_once = PTHREAD_ONCE_INIT;

static void start_time_compute(void)
{
	struct self_stat stat;
	char line[1024];
	double boot = 0;

	if (read_small_file("/proc/self/stat", line, sizeof(line)) < 0 ||
	    self_stat_parse(line, &stat) < 0 || boot_time_read(&boot) < 0)
		return;
	start_time_seconds =
		boot + (double)stat.start_ticks / (double)sysconf(_SC_CLK_TCK);
	start_time_known = true;
}

/* Open descriptors, not counting the one that reads the directory. */
static int open_fds_count(double *out)
{
	struct dirent *entry;
	long count = 0;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	if (!dir)
		return -errno;
	while ((entry = readdir(dir))) {
		if (entry->d_name[0] != '.' &&
		    atoi(entry->d_name) != dirfd(dir))
			count++;
	}
	closedir(dir);
	*out = (double)count;
	return 0;
}

void self_metrics_read(struct self_metrics *snapshot)
{
	struct self_stat stat;
	struct rlimit limit;
	char line[1024];
	double ticks = (double)sysconf(_SC_CLK_TCK);

	memset(snapshot, 0, sizeof(*snapshot));
	admin_api_counts_read(&snapshot->admin);
	if (read_small_file("/proc/self/stat", line, sizeof(line)) == 0 &&
	    self_stat_parse(line, &stat) == 0) {
		snapshot->have_stat = true;
		snapshot->cpu_seconds =
			(double)(stat.utime_ticks + stat.stime_ticks) / ticks;
		snapshot->virtual_bytes = (double)stat.vsize_bytes;
		snapshot->resident_bytes =
			(double)stat.rss_pages * (double)sysconf(_SC_PAGESIZE);
	}
	pthread_once(&start_time_once, start_time_compute);
	snapshot->have_start = start_time_known;
	snapshot->start_time_seconds = start_time_seconds;
	snapshot->have_open_fds = open_fds_count(&snapshot->open_fds) == 0;
	if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
		snapshot->have_max_fds = true;
		snapshot->max_fds = limit.rlim_cur == RLIM_INFINITY
					    ? (double)INT64_MAX
					    : (double)limit.rlim_cur;
	}
}

static void build_info_render(struct outbuf *out)
{
	const struct build_info *info = build_info_get();

	exposition_family(
		out, "namespace_exporter_build_info", METRIC_INFO, NULL,
		"Version and revision of namespace_exporter and the library versions it was built with; always 1.");
	exposition_sample(out, "namespace_exporter_build_info", 1, "version",
			  info->version, "revision", info->revision,
			  "libmicrohttpd", info->libmicrohttpd, "libmnl",
			  info->libmnl, "zlib", info->zlib, NULL);
}

/* A process family: present when have is true. */
struct process_family {
	const char *name;
	enum metric_type type;
	const char *unit;
	const char *help;
	size_t have_offset;
	size_t value_offset;
};

#define SELF_FIELD(field) offsetof(struct self_metrics, field)

static const struct process_family process_families[] = {
	{"process_cpu_seconds_total", METRIC_COUNTER, "seconds",
	 "User and system CPU time the process has used, in seconds.",
	 SELF_FIELD(have_stat), SELF_FIELD(cpu_seconds)},
	{"process_open_fds", METRIC_GAUGE, NULL,
	 "File descriptors the process has open.", SELF_FIELD(have_open_fds),
	 SELF_FIELD(open_fds)},
	{"process_max_fds", METRIC_GAUGE, NULL,
	 "Soft limit on the file descriptors the process may open.",
	 SELF_FIELD(have_max_fds), SELF_FIELD(max_fds)},
	{"process_virtual_memory_bytes", METRIC_GAUGE, "bytes",
	 "Size of the process's virtual address space, in bytes.",
	 SELF_FIELD(have_stat), SELF_FIELD(virtual_bytes)},
	{"process_resident_memory_bytes", METRIC_GAUGE, "bytes",
	 "Memory of the process resident in RAM, in bytes.",
	 SELF_FIELD(have_stat), SELF_FIELD(resident_bytes)},
	{"process_start_time_seconds", METRIC_GAUGE, "seconds",
	 "When the process started, in seconds since the Unix epoch.",
	 SELF_FIELD(have_start), SELF_FIELD(start_time_seconds)},
};

#define N_PROCESS_FAMILIES                                                     \
	(sizeof(process_families) / sizeof(process_families[0]))

bool self_metrics_render(const struct self_metrics *snapshot, size_t *cursor,
			 struct outbuf *out)
{
	const char *base = (const char *)snapshot;
	const struct process_family *family;

	if (*cursor == 0) {
		build_info_render(out);
		(*cursor)++;
		return true;
	}
	if (*cursor > N_PROCESS_FAMILIES) {
		/* the admin API's counter comes last */
		admin_api_counts_render(&snapshot->admin, out);
		return false;
	}
	/* skip families the snapshot lacks, write the next one it has */
	while (*cursor <= N_PROCESS_FAMILIES) {
		family = &process_families[*cursor - 1];
		(*cursor)++;
		if (*(const bool *)(base + family->have_offset)) {
			exposition_family(out, family->name, family->type,
					  family->unit, family->help);
			exposition_sample_raw(
				out, family->name, NULL, 0,
				*(const double *)(base + family->value_offset));
			break;
		}
	}
	return true;
}
