/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Settings from the command line that collectors and the server read. One
 * instance lives for the whole run; collectors only read it.
 */
#ifndef NSE_CONFIG_H
#define NSE_CONFIG_H

#include <stdbool.h>
#include <regex.h>
#include <stddef.h>

#define CONFIG_MAX_NETNS_DIRS 16
#define CONFIG_MAX_LISTEN 8

struct config {
	/* root of the proc file system the namespace collectors read */
	const char *procfs;
	/*
	 * Directories whose entries name network namespaces, in order of
	 * preference: /run/netns first, then each --collector.netns.dir.
	 */
	const char *netns_dirs[CONFIG_MAX_NETNS_DIRS];
	size_t n_netns_dirs;
	/* worker threads that enter network namespaces; 0 = one per CPU */
	unsigned netns_workers;
	/*
	 * ask every socket of every process which network namespace it was
	 * made in (--collector.net.socket-holders)
	 */
	bool socket_holders;
	/*
	 * --collector.netns.netns-exclude and --collector.netns.device-exclude:
	 * network namespaces (by their netns label) that are not read, and
	 * devices whose series are dropped; NULL when not given.
	 */
	const regex_t *netns_exclude;
	const regex_t *device_exclude;

	const char *listen[CONFIG_MAX_LISTEN];
	size_t n_listen;
	const char *telemetry_path;
	/* scrapes served at once; one more gets 503 at once; 0 = no bound */
	unsigned max_requests;
	/* seconds kept back from the scraper's timeout for writing the page */
	double timeout_offset;

	/* --web.config.file (exporter-toolkit format) and the admin file */
	const char *web_config_file;
	const char *admin_config_file;
	/* admin API over plain HTTP on a non-loopback address */
	bool admin_allow_insecure;
};

#endif
