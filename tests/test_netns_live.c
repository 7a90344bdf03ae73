// SPDX-License-Identifier: Apache-2.0
/*
 * The netns collector on real namespaces (root): collect and render in
 * this process, compare with what `ip -j` reports, and check that entries
 * which are no namespace are skipped, that dumps spanning many datagrams
 * are read whole, that a deleted namespace is freed (nothing pinned), and
 * that odd namespace names come out escaped, that a namespace found both
 * by name and by a process is listed once, by name, and that the peers of
 * veths, macvlans and vxlans across namespaces are named exactly. Every
 * namespace made here is called nsetest-netns-* or nsetest-topo-*; each test's
 * teardown removes them, and the group setup sweeps what a killed run left.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "config.h"
#include "fifo_writer.h"
#include "netns_discover.h"
#include "registry.h"

#define PREFIX "nsetest-netns-"
#define TOPO_PREFIX "nsetest-topo-"
#define NETNS_DIR "/run/netns"

/* Runs argv (NULL-terminated) without a shell; returns the exit status. */
static int run_argv(char *const argv[], bool quiet)
{
	int status, fd;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (quiet) {
			fd = open("/dev/null", O_WRONLY);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* run("ip", "netns", "add", name, NULL): 0 when the command succeeded. */
static int run(const char *arg0, ...)
{
	char *argv[32];
	va_list ap;
	size_t n = 0;

	argv[n++] = (char *)arg0;
	va_start(ap, arg0);
	while ((argv[n] = va_arg(ap, char *)))
		assert_true(++n < 31);
	va_end(ap);
	return run_argv(argv, true);
}

#define must_run(...) assert_int_equal(run(__VA_ARGS__, NULL), 0)

/* Output of a shell command (names used here are plain), malloc'd. */
static char *shell_output(const char *fmt, ...)
{
	char cmd[1024], *text = NULL;
	size_t len = 0;
	va_list ap;
	FILE *pipe;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	pipe = popen(cmd, "r");
	assert_non_null(pipe);
	assert_true(getdelim(&text, &len, '\0', pipe) >= 0 || feof(pipe));
	assert_int_equal(pclose(pipe), 0);
	if (!text)
		text = strdup("");
	return text;
}

/* Runs `ip -n ns -batch` over the given lines. */
static void ip_batch(const char *ns, const char *lines)
{
	char path[] = "/tmp/nsetest-netns-batch.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, lines, strlen(lines)),
			 (ssize_t)strlen(lines));
	close(fd);
	assert_int_equal(run("ip", "-n", ns, "-batch", path, NULL), 0);
	unlink(path);
}

static uint64_t path_inode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (uint64_t)st.st_ino;
}

static uint64_t ns_inode(const char *ns)
{
	char path[256];

	snprintf(path, sizeof(path), NETNS_DIR "/%s", ns);
	return path_inode(path);
}

static bool is_test_name(const char *name)
{
	return !strncmp(name, PREFIX, strlen(PREFIX)) ||
	       !strncmp(name, TOPO_PREFIX, strlen(TOPO_PREFIX));
}

/* Removes every test entry under /run/netns, then waits. */
static int sweep(void **state)
{
	struct dirent *entry;
	char path[512];
	int tries;
	DIR *dir;
	bool left = true;

	(void)state;
	for (tries = 0; left && tries < 50; tries++) {
		left = false;
		dir = opendir(NETNS_DIR);
		if (!dir)
			return 0;
		while ((entry = readdir(dir))) {
			if (!is_test_name(entry->d_name))
				continue;
			left = true;
			if (run("ip", "netns", "delete", entry->d_name, NULL)) {
				snprintf(path, sizeof(path), NETNS_DIR "/%s",
					 entry->d_name);
				unlink(path);
			}
		}
		closedir(dir);
		if (left)
			usleep(100000);
	}
	return left ? -1 : 0;
}

static int group_setup(void **state)
{
	return sweep(state);
}

static struct config test_config(unsigned workers)
{
	struct config config;

	memset(&config, 0, sizeof(config));
	config.procfs = "/proc";
	config.netns_dirs[0] = NETNS_DIR;
	config.n_netns_dirs = 1;
	config.netns_workers = workers;
	return config;
}

static size_t open_fds(void)
{
	struct dirent *entry;
	size_t n = 0;
	DIR *dir = opendir("/proc/self/fd");

	assert_non_null(dir);
	while ((entry = readdir(dir)))
		n++;
	closedir(dir);
	return n;
}

/*
 * Collects and renders the netns collector in this process under config,
 * with a deadline this many seconds away (0: none, < 0: in the past).
 * Returns the page; *err gets collect's return.
 */
static char *collect_page_config(const struct config *config,
				 double deadline_in, int *err)
{
	struct scrape scrape;
	struct collector_result result;
	struct outbuf out;
	size_t cursor = 0, fds = open_fds(), len;
	char *page;

	memset(&scrape, 0, sizeof(scrape));
	memset(&result, 0, sizeof(result));
	scrape.config = config;
	if (deadline_in)
		scrape.deadline = monotonic_seconds() + deadline_in;
	*err = netns_collector.collect(&scrape, &result);
	outbuf_init(&out, EXPOSITION_TEXT);
	while (result.render && result.render(result.data, &cursor, &out))
		;
	outbuf_putc(&out, '\0');
	collector_result_release(&result);
	scrape_release(&scrape);
	/* no namespace fd and no socket outlives the collection */
	assert_int_equal(open_fds(), fds);
	page = outbuf_take(&out, &len);
	assert_non_null(page);
	return page;
}

/* collect_page_config with the test configuration and workers threads. */
static char *collect_page_with(unsigned workers, double deadline_in, int *err)
{
	struct config config = test_config(workers);

	return collect_page_config(&config, deadline_in, err);
}

static char *collect_page(void)
{
	int err;
	char *page = collect_page_with(0, 30, &err);

	/* other namespaces on the machine may fail; ours are checked below */
	if (err)
		fprintf(stderr, "note: netns collector returned %s\n",
			strerror(-err));
	return page;
}

/* How many lines of page are exactly line. */
static size_t count_exact(const char *page, const char *line)
{
	size_t n = 0, len = strlen(line);
	const char *p;

	for (p = page; (p = strstr(p, line)); p += len) {
		if ((p == page || p[-1] == '\n') && p[len] == '\n')
			n++;
	}
	return n;
}

/* How many lines of page start with prefix. */
static size_t count_prefix(const char *page, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);
	const char *p;

	for (p = page; (p = strstr(p, prefix)); p += len) {
		if (p == page || p[-1] == '\n')
			n++;
	}
	return n;
}

static void assert_line(const char *page, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (count_exact(page, line) != 1)
		fail_msg("expected once: %s", line);
}

/*
 * The kernel's view of a namespace's devices, one line per device with the
 * fields of enum kernel_field joined by spaces (empty when ip has none).
 */
static char *kernel_links(const char *ns)
{
	return shell_output(
		"ip -n %s -j -s -s -d link | jq -r '. as $all | .[] | [.ifname, "
		".ifindex, (if .link_index then .link_index elif .link then "
		"(.link as $l | $all[] | select(.ifname == $l) | .ifindex) "
		"else .ifindex end), .mtu, (.operstate | ascii_downcase), "
		"(if .operstate == \"UP\" then 1 else 0 end), "
		"(.linkinfo.info_kind // \"\"), (.address // \"\"), "
		"(.broadcast // \"\"), .stats64.rx.bytes, .stats64.rx.packets, "
		".stats64.rx.errors, (.stats64.rx.dropped + "
		".stats64.rx.missed_errors), .stats64.rx.multicast, "
		".stats64.tx.bytes, .stats64.tx.packets, .stats64.tx.errors, "
		".stats64.tx.dropped] | map(tostring) | join(\" \")'",
		ns);
}

enum kernel_field {
	KF_NAME,
	KF_IFINDEX,
	KF_IFLINK,
	KF_MTU,
	KF_OPERSTATE,
	KF_UP,
	KF_KIND,
	KF_ADDRESS,
	KF_BROADCAST,
	KF_COUNTERS, /* then the nine counters of assert_device */
	KF_COUNT = KF_COUNTERS + 9,
};

/* The kernel's addresses: "device family address prefixlen scope". */
static char *kernel_addrs(const char *ns)
{
	return shell_output(
		"ip -n %s -j addr | jq -r '.[] | .ifname as $d | .addr_info[] | "
		"[$d, .family, .local, .prefixlen, .scope] | map(tostring) | "
		"join(\" \")'",
		ns);
}

static void assert_device(const char *page, const char *labels, char *line)
{
	static const char *const counters[] = {
		"receive_bytes",    "receive_packets",	 "receive_errs",
		"receive_drop",	    "receive_multicast", "transmit_bytes",
		"transmit_packets", "transmit_errs",	 "transmit_drop",
	};
	char *f[KF_COUNT], dev[384];
	int i;

	for (i = 0; i < KF_COUNT; i++) {
		f[i] = strsep(&line, " ");
		assert_non_null(f[i]);
	}
	assert_null(line);
	snprintf(dev, sizeof(dev), "%s,device=\"%s\"", labels, f[KF_NAME]);
	assert_line(page, "namespace_network_iface_id{%s} %s", dev,
		    f[KF_IFINDEX]);
	assert_line(page, "namespace_network_iface_link{%s} %s", dev,
		    f[KF_IFLINK]);
	assert_line(page, "namespace_network_mtu_bytes{%s} %s", dev, f[KF_MTU]);
	assert_line(page, "namespace_network_up{%s} %s", dev, f[KF_UP]);
	assert_line(
		page,
		"namespace_network_info{%s,address=\"%s\",broadcast=\"%s\",operstate=\"%s\",kind=\"%s\"} 1",
		dev, f[KF_ADDRESS], f[KF_BROADCAST], f[KF_OPERSTATE],
		f[KF_KIND]);
	for (i = 0; i < 9; i++)
		assert_line(page, "namespace_network_%s_total{%s} %s",
			    counters[i], dev, f[KF_COUNTERS + i]);
}

static void assert_namespace_matches_kernel(const char *page, const char *ns,
					    const char *links,
					    const char *addrs)
{
	char labels[256], prefix[384], *copy, *line, *save;
	char dev[64], family[16], addr[64], scope[16];
	unsigned prefixlen;
	size_t n_links = 0, n_addrs = 0;

	snprintf(labels, sizeof(labels), "netns=\"%s\",netns_inode=\"%llu\"",
		 ns, (unsigned long long)ns_inode(ns));
	copy = strdup(links);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), n_links++)
		assert_device(page, labels, line);
	free(copy);
	snprintf(prefix, sizeof(prefix), "namespace_network_mtu_bytes{%s,",
		 labels);
	assert_int_equal(count_prefix(page, prefix), n_links);

	copy = strdup(addrs);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), n_addrs++) {
		assert_int_equal(sscanf(line, "%63s %15s %63s %u %15s", dev,
					family, addr, &prefixlen, scope),
				 5);
		assert_line(
			page,
			"namespace_network_address_info{%s,device=\"%s\",family=\"%s\",address=\"%s\",prefix_length=\"%u\",scope=\"%s\"} 1",
			labels, dev, family, addr, prefixlen, scope);
	}
	free(copy);
	snprintf(prefix, sizeof(prefix), "namespace_network_address_info{%s,",
		 labels);
	assert_int_equal(count_prefix(page, prefix), n_addrs);
	assert_line(page, "namespace_netns_collect_success{%s} 1", labels);
}

/* Sends count UDP datagrams to ipv4 (port 9) from inside namespace ns. */
static void send_udp_from(const char *ns, const char *ipv4, int count)
{
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(9)};
	char path[256];
	int status, fd, sock, i;
	pid_t pid;

	assert_int_equal(inet_pton(AF_INET, ipv4, &to.sin_addr), 1);
	snprintf(path, sizeof(path), NETNS_DIR "/%s", ns);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* a child of our own, so the test itself never changes netns */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			_exit(1);
		sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		for (i = 0; i < count; i++) {
			if (sendto(sock, "x", 1, 0, (struct sockaddr *)&to,
				   sizeof(to)) != 1)
				_exit(1);
			usleep(20000);
		}
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void make_device_namespaces(const char *a, const char *b)
{
	must_run("ip", "netns", "add", a);
	must_run("ip", "netns", "add", b);
	/* no link-local addresses and no DAD: nothing sends on its own */
	ip_batch(
		a,
		"link set lo up\n"
		"link add vA type veth peer name vB netns " PREFIX "dev-b\n"
		"link set vA addrgenmode none\n"
		"addr add 192.0.2.1/24 dev vA\n"
		"addr add 2001:db8:10::1/64 dev vA nodad\n"
		"link set vA up\n"
		"link add br0 type bridge\n"
		"link set br0 addrgenmode none\n"
		"addr add 198.51.100.1/32 dev br0\n"
		"link add mv0 link vA type macvlan mode bridge\n"
		"link set mv0 addrgenmode none\n"
		"link add vx0 type vxlan id 42 dstport 4789 local 192.0.2.1 dev vA\n"
		"link set vx0 addrgenmode none\n");
	ip_batch(b, "link set vB addrgenmode none\n"
		    "addr add 192.0.2.2/24 dev vB\n"
		    "addr add 2001:db8:10::2/64 dev vB nodad\n"
		    "link set vB up\n");
	/* some traffic, so the counters are not all zero */
	send_udp_from(a, "192.0.2.2", 5);
}

static void collector_matches_ip_for_every_device(void **state)
{
	const char *a = PREFIX "dev-a", *b = PREFIX "dev-b";
	char *links[2][2], *addrs[2], *page = NULL;
	int attempt;

	(void)state;
	make_device_namespaces(a, b);
	addrs[0] = kernel_addrs(a);
	addrs[1] = kernel_addrs(b);
	/* the kernel's view before and after: equal views mean no change */
	for (attempt = 0; attempt < 3; attempt++) {
		free(page);
		links[0][0] = kernel_links(a);
		links[1][0] = kernel_links(b);
		page = collect_page();
		links[0][1] = kernel_links(a);
		links[1][1] = kernel_links(b);
		if (!strcmp(links[0][0], links[0][1]) &&
		    !strcmp(links[1][0], links[1][1]))
			break;
		for (int i = 0; i < 2; i++) {
			free(links[i][0]);
			free(links[i][1]);
		}
	}
	assert_true(attempt < 3);
	assert_non_null(strstr(links[0][0], "vA "));
	assert_non_null(strstr(links[0][0], " macvlan "));
	assert_non_null(strstr(links[0][0], " vxlan "));
	assert_non_null(strstr(addrs[0], "vA inet6 2001:db8:10::1 64 global"));
	assert_namespace_matches_kernel(page, a, links[0][0], addrs[0]);
	assert_namespace_matches_kernel(page, b, links[1][0], addrs[1]);
	for (int i = 0; i < 2; i++) {
		free(links[i][0]);
		free(links[i][1]);
		free(addrs[i]);
	}
	free(page);
}

/* One worker or many, the same namespaces give the same series. */
static void collector_gives_same_page_with_any_worker_count(void **state)
{
	const char *a = PREFIX "dev-a", *b = PREFIX "dev-b";
	char prefix[128], *page1, *page3, *line;
	size_t lines = 0;
	int err;

	(void)state;
	make_device_namespaces(a, b);
	page1 = collect_page_with(1, 30, &err);
	page3 = collect_page_with(3, 30, &err);
	snprintf(prefix, sizeof(prefix), "netns=\"%s\"", a);
	for (line = page1; *line; line = strchr(line, '\n') + 1) {
		char *end = strchr(line, '\n');

		*end = '\0';
		if (strstr(line, prefix) && !strstr(line, "bytes_total") &&
		    !strstr(line, "packets_total")) {
			assert_int_equal(count_exact(page3, line), 1);
			lines++;
		}
		*end = '\n';
	}
	/* 5 devices in 22 families (less 4 that count bytes or packets),
	 * 5 addresses (2 on lo), the success, and two peer_info series: vA's,
	 * and vB's, whose peer_netns label is a's */
	assert_int_equal(lines, 5 * (22 - 4) + 5 + 1 + 2);
	free(page1);
	free(page3);
}

static void collector_skips_entries_that_are_no_namespace(void **state)
{
	const char *live = PREFIX "stale-live", *mid = PREFIX "stale-mid";
	char path[256], *page, labels[256];
	uint64_t mid_inode, stale_inode;
	pid_t gone;
	int err;

	(void)state;
	must_run("ip", "netns", "add", live);
	must_run("ip", "netns", "add", mid);
	/* the state between the two steps of `ip netns delete` */
	must_run("umount", "-l", NETNS_DIR "/" PREFIX "stale-mid");
	mid_inode = ns_inode(mid);
	/* a plain file left by a crash */
	snprintf(path, sizeof(path), NETNS_DIR "/%s", PREFIX "stale-file");
	close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0));
	stale_inode = path_inode(path);
	/* a link to a process that has exited */
	gone = fork();
	if (!gone)
		_exit(0);
	waitpid(gone, NULL, 0);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)gone);
	assert_int_equal(symlink(path, NETNS_DIR "/" PREFIX "stale-dangling"),
			 0);

	page = collect_page_with(0, 30, &err);
	snprintf(labels, sizeof(labels), "netns=\"%s\",netns_inode=\"%llu\"",
		 live, (unsigned long long)ns_inode(live));
	assert_line(page, "namespace_network_mtu_bytes{%s,device=\"lo\"} 65536",
		    labels);
	assert_line(page, "namespace_network_up{%s,device=\"lo\"} 0", labels);
	assert_line(page, "namespace_netns_collect_success{%s} 1", labels);
	assert_null(strstr(page, "stale-mid"));
	assert_null(strstr(page, "stale-file"));
	assert_null(strstr(page, "stale-dangling"));
	snprintf(labels, sizeof(labels), "netns_inode=\"%llu\"",
		 (unsigned long long)mid_inode);
	assert_null(strstr(page, labels));
	snprintf(labels, sizeof(labels), "netns_inode=\"%llu\"",
		 (unsigned long long)stale_inode);
	assert_null(strstr(page, labels));
	free(page);
}

static void collector_reads_multipart_dumps_whole(void **state)
{
	const char *ns = PREFIX "many";
	char *batch, *p, labels[256], prefix[384], *page;
	size_t size = 64 * 1024;
	int i;

	(void)state;
	must_run("ip", "netns", "add", ns);
	batch = malloc(size);
	assert_non_null(batch);
	p = batch;
	for (i = 0; i < 300; i++)
		p += sprintf(p, "link add br%d type bridge\n", i);
	for (i = 0; i < 250; i++)
		p += sprintf(p, "addr add 198.51.100.%d/32 dev br%d\n", i + 1,
			     i);
	for (i = 250; i < 300; i++)
		p += sprintf(p, "addr add 203.0.113.%d/32 dev br%d\n", i - 249,
			     i);
	for (i = 0; i < 300; i++)
		p += sprintf(p, "addr add 2001:db8:%x::1/64 dev br%d nodad\n",
			     i, i);
	assert_true((size_t)(p - batch) < size);
	ip_batch(ns, batch);
	free(batch);

	page = collect_page();
	snprintf(labels, sizeof(labels), "netns=\"%s\",netns_inode=\"%llu\"",
		 ns, (unsigned long long)ns_inode(ns));
	snprintf(prefix, sizeof(prefix), "namespace_network_mtu_bytes{%s,",
		 labels);
	assert_int_equal(count_prefix(page, prefix), 301);
	snprintf(prefix, sizeof(prefix),
		 "namespace_network_receive_drop_total{%s,", labels);
	assert_int_equal(count_prefix(page, prefix), 301);
	snprintf(prefix, sizeof(prefix), "namespace_network_address_info{%s,",
		 labels);
	assert_int_equal(count_prefix(page, prefix), 600);
	assert_line(page, "namespace_network_mtu_bytes{%s,device=\"br0\"} 1500",
		    labels);
	assert_line(page, "namespace_network_mtu_bytes{%s,device=\"lo\"} 65536",
		    labels);
	assert_line(
		page,
		"namespace_network_address_info{%s,device=\"br299\",family=\"inet\",address=\"203.0.113.50\",prefix_length=\"32\",scope=\"global\"} 1",
		labels);
	assert_line(
		page,
		"namespace_network_address_info{%s,device=\"br299\",family=\"inet6\",address=\"2001:db8:12b::1\",prefix_length=\"64\",scope=\"global\"} 1",
		labels);
	free(page);
}

/* True when the device exists in the namespace. */
static bool device_exists(const char *ns, const char *dev)
{
	return run("ip", "-n", ns, "link", "show", dev, NULL) == 0;
}

static void collector_never_keeps_a_deleted_namespace_alive(void **state)
{
	const char *a = PREFIX "pin-a", *b = PREFIX "pin-b";
	char *page, fd_path[300];
	struct dirent *entry;
	struct stat st;
	uint64_t inode;
	int i, err;
	DIR *dir;

	(void)state;
	must_run("ip", "netns", "add", a);
	must_run("ip", "netns", "add", b);
	must_run("ip", "-n", a, "link", "add", "vpA", "type", "veth", "peer",
		 "name", "vpB", "netns", b);
	inode = ns_inode(b);
	page = collect_page_with(0, 30, &err);
	assert_non_null(strstr(page, "device=\"vpA\""));
	assert_non_null(strstr(page, "device=\"vpB\""));
	free(page);

	must_run("ip", "netns", "delete", b);
	page = collect_page_with(0, 30, &err);
	/*
	 * Not by inode: the kernel hands a freed inode to the next namespace
	 * made anywhere on the machine. vpB lived only in the deleted one.
	 */
	assert_null(strstr(page, "netns=\"" PREFIX "pin-b\""));
	assert_null(strstr(page, "device=\"vpB\""));
	free(page);
	/* the kernel frees the namespace, and the veth pair with it */
	for (i = 0; i < 50 && device_exists(a, "vpA"); i++)
		usleep(100000);
	assert_false(device_exists(a, "vpA"));
	dir = opendir("/proc/self/fd");
	assert_non_null(dir);
	while ((entry = readdir(dir))) {
		snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%s",
			 entry->d_name);
		if (stat(fd_path, &st) == 0)
			assert_true((uint64_t)st.st_ino != inode);
	}
	closedir(dir);
}

static void collector_escapes_odd_namespace_names(void **state)
{
	/* a quote, a backslash and a byte that is not UTF-8 */
	const char *ns = PREFIX "odd\"\\\xff";
	char *page, labels[256];
	int err;

	(void)state;
	must_run("ip", "netns", "add", ns);
	page = collect_page_with(0, 30, &err);
	snprintf(labels, sizeof(labels),
		 "netns=\"" PREFIX "odd\\\"\\\\\\\\xff\",netns_inode=\"%llu\"",
		 (unsigned long long)ns_inode(ns));
	assert_line(page, "namespace_network_mtu_bytes{%s,device=\"lo\"} 65536",
		    labels);
	assert_line(page, "namespace_netns_collect_success{%s} 1", labels);
	free(page);
}

static void collector_prefers_first_directory_then_smallest_name(void **state)
{
	const char *ns = PREFIX "name-b";
	char *page, labels[256];
	int err;

	(void)state;
	must_run("ip", "netns", "add", ns);
	/* a second name for the same namespace, bytewise smaller */
	close(open(NETNS_DIR "/" PREFIX "name-a", O_CREAT | O_WRONLY, 0));
	must_run("mount", "--bind", NETNS_DIR "/" PREFIX "name-b",
		 NETNS_DIR "/" PREFIX "name-a");
	page = collect_page_with(0, 30, &err);
	snprintf(labels, sizeof(labels), "netns=\"%s\",netns_inode=\"%llu\"",
		 PREFIX "name-a", (unsigned long long)ns_inode(ns));
	assert_line(page, "namespace_netns_collect_success{%s} 1", labels);
	assert_null(strstr(page, "netns=\"" PREFIX "name-b\""));
	free(page);
}

/* Processes a test keeps namespaces alive with; its teardown ends them. */
static pid_t holders[4];
static size_t n_holders;

/* Starts argv, which ends in sleep, and waits until it sleeps. */
static pid_t holder_start(char *const argv[])
{
	char path[64], comm[32] = "";
	FILE *file;
	pid_t pid;
	int i;

	assert_true(n_holders < sizeof(holders) / sizeof(holders[0]));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	holders[n_holders++] = pid;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	for (i = 0; i < 250 && strcmp(comm, "sleep\n"); i++) {
		usleep(20000);
		file = fopen(path, "r");
		if (file && !fgets(comm, sizeof(comm), file))
			comm[0] = '\0';
		if (file)
			fclose(file);
	}
	assert_string_equal(comm, "sleep\n");
	return pid;
}

static int holders_stop(void **state)
{
	pid_t pid;

	while (n_holders) {
		pid = holders[--n_holders];
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	return sweep(state);
}

/* How many collect_success lines name the namespace with this inode. */
static size_t count_success_lines(const char *page, uint64_t inode)
{
	const char *prefix = "namespace_netns_collect_success{";
	char label[64];
	const char *p, *end;
	size_t n = 0;

	snprintf(label, sizeof(label), "netns_inode=\"%llu\"",
		 (unsigned long long)inode);
	for (p = page; (p = strstr(p, prefix)); p = end) {
		end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		if ((p == page || p[-1] == '\n') &&
		    memmem(p, (size_t)(end - p), label, strlen(label)))
			n++;
	}
	return n;
}

/*
 * Named namespaces are read before the namespace scan is built, the rest
 * after it: however a namespace is found, by name, by a process or both,
 * it is listed once and by its name, and an excluded name stays excluded
 * when a process also leads to its namespace.
 */
static void collector_lists_each_namespace_once_however_found(void **state)
{
	const char *named = PREFIX "held", *hidden = PREFIX "held-excluded";
	char *const hold_named[] = {"ip",    "netns", "exec", (char *)named,
				    "sleep", "30",    NULL};
	char *const hold_hidden[] = {"ip",    "netns", "exec", (char *)hidden,
				     "sleep", "30",    NULL};
	char *const hold_unnamed[] = {"unshare", "-n", "sleep", "30", NULL};
	struct config config = test_config(0);
	char *page, path[64];
	uint64_t unnamed_inode;
	regex_t exclude;
	pid_t pid;
	int err;

	(void)state;
	must_run("ip", "netns", "add", named);
	must_run("ip", "netns", "add", hidden);
	holder_start(hold_named);
	holder_start(hold_hidden);
	pid = holder_start(hold_unnamed);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	unnamed_inode = path_inode(path);
	assert_int_equal(regcomp(&exclude, "^" PREFIX "held-excluded$",
				 REG_EXTENDED | REG_NOSUB),
			 0);
	config.netns_exclude = &exclude;
	page = collect_page_config(&config, 30, &err);
	regfree(&exclude);

	assert_line(
		page,
		"namespace_netns_collect_success{netns=\"%s\",netns_inode=\"%llu\"} 1",
		named, (unsigned long long)ns_inode(named));
	assert_int_equal(count_success_lines(page, ns_inode(named)), 1);
	assert_int_equal(count_success_lines(page, ns_inode(hidden)), 0);
	assert_line(
		page,
		"namespace_netns_collect_success{netns=\"\",netns_inode=\"%llu\"} 1",
		(unsigned long long)unnamed_inode);
	free(page);
}

static void collector_fails_namespaces_past_the_deadline(void **state)
{
	const char *ns = PREFIX "late";
	char *page, labels[256];
	int err;

	(void)state;
	must_run("ip", "netns", "add", ns);
	page = collect_page_with(0, -1, &err);
	assert_int_equal(err, -ETIMEDOUT);
	snprintf(labels, sizeof(labels), "netns=\"%s\",netns_inode=\"%llu\"",
		 ns, (unsigned long long)ns_inode(ns));
	assert_line(page, "namespace_netns_collect_success{%s} 0", labels);
	assert_null(strstr(page, "device=\"lo\""));
	free(page);
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lines of page starting with prefix: how many, and how many distinct. */
static size_t distinct_lines(const char *page, const char *prefix,
			     size_t *total)
{
	char *copy = strdup(page), *line, *save, **lines = NULL;
	size_t n = 0, cap = 0, distinct = 0, i;

	assert_non_null(copy);
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, prefix, strlen(prefix)))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			lines = realloc(lines, cap * sizeof(*lines));
			assert_non_null(lines);
		}
		lines[n++] = line;
	}
	if (n)
		qsort(lines, n, sizeof(*lines), line_cmp);
	for (i = 0; i < n; i++)
		distinct += !i || strcmp(lines[i], lines[i - 1]);
	free(lines);
	free(copy);
	*total = n;
	return distinct;
}

/*
 * Addresses rotated while we collect (case 07): the kernel interrupts the
 * dumps; every collection is complete (at most one address in flight)
 * with success 1, or a failure with no address of the namespace at all.
 */
static void collector_never_passes_off_an_interrupted_dump(void **state)
{
	const char *ns = PREFIX "intr";
	char *batch, *p, *page, labels[256], prefix[384], success[384];
	char path[] = "/tmp/nsetest-netns-rotate.XXXXXX";
	size_t total, distinct, runs = 0, complete = 0;
	int i, round, fd, status, err;
	pid_t churn;

	(void)state;
	must_run("ip", "netns", "add", ns);
	batch = malloc(512 * 1024);
	assert_non_null(batch);
	p = batch + sprintf(batch, "link add brS type bridge\n");
	for (i = 1; i <= 2000; i++)
		p += sprintf(p, "addr add 2001:db8:1::%x/128 dev brS nodad\n",
			     i);
	ip_batch(ns, batch);
	p = batch;
	for (round = 0; round < 3; round++) {
		for (i = 1; i <= 2000; i++)
			p += sprintf(
				p,
				"addr del 2001:db8:1::%x/128 dev brS\n"
				"addr add 2001:db8:1::%x/128 dev brS nodad\n",
				i, i);
	}
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, batch, (size_t)(p - batch)), p - batch);
	close(fd);
	free(batch);

	snprintf(labels, sizeof(labels), "netns=\"%s\",netns_inode=\"%llu\"",
		 ns, (unsigned long long)ns_inode(ns));
	snprintf(prefix, sizeof(prefix), "namespace_network_address_info{%s,",
		 labels);
	snprintf(success, sizeof(success),
		 "namespace_netns_collect_success{%s} 1", labels);
	churn = fork();
	assert_true(churn >= 0);
	if (churn == 0) {
		execlp("ip", "ip", "-n", ns, "-batch", path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(churn, &status, WNOHANG) == 0) {
		page = collect_page_with(0, 30, &err);
		distinct = distinct_lines(page, prefix, &total);
		assert_int_equal(total, distinct);
		if (count_exact(page, success)) {
			assert_true(distinct >= 1999);
			complete++;
		} else {
			assert_int_equal(distinct, 0);
		}
		runs++;
		free(page);
	}
	unlink(path);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fprintf(stderr, "note: %zu collections under churn, %zu complete\n",
		runs, complete);
	assert_true(runs >= 3);

	page = collect_page_with(0, 30, &err);
	assert_int_equal(distinct_lines(page, prefix, &total), 2000);
	assert_int_equal(total, 2000);
	assert_int_equal(count_exact(page, success), 1);
	free(page);
}

/*
 * The expected peer_info series of namespace ns, from `ip -j -d link` and
 * `ip netns list-id` read in ns itself, one "device peer_netns
 * peer_ifindex" line per device whose link is in another namespace, or
 * which is a veth with its peer in ns (peer_netns "." and the peer's
 * name). vxlans are left out: ip resolves their lower device in the wrong
 * namespace.
 */
static char *kernel_peers(const char *ns)
{
	return shell_output(
		"ids=$(ip -n %s -j netns list-id); ip -n %s -j -d link | "
		"jq -r --argjson ids \"$ids\" '.[] | "
		"select(.linkinfo.info_kind != \"vxlan\") | "
		"select(.link_netnsid != null or "
		"(.linkinfo.info_kind == \"veth\" and .link != null)) | "
		"[.ifname, (if .link_netnsid != null then (.link_netnsid as $i "
		"| $ids[] | select(.nsid == $i) | .name) else \".\" end), "
		"(.link_index // .link)] | map(tostring) | join(\" \")'",
		ns, ns);
}

/* The name of the device with this index in ns, from ip. */
static char *kernel_ifname(const char *ns, const char *ifindex)
{
	char *name = shell_output(
		"ip -n %s -j link | jq -r '.[] | select(.ifindex == %s) | "
		".ifname'",
		ns, ifindex);

	assert_non_null(strchr(name, '\n'));
	*strchr(name, '\n') = '\0';
	return name;
}

static void assert_peer_line(const char *page, const char *ns, const char *dev,
			     const char *peer_ns, const char *peer_dev)
{
	assert_line(
		page,
		"namespace_network_peer_info{netns=\"%s\",netns_inode=\"%llu\",device=\"%s\",peer_netns=\"%s\",peer_netns_inode=\"%llu\",peer_device=\"%s\"} 1",
		ns, (unsigned long long)ns_inode(ns), dev, peer_ns,
		(unsigned long long)ns_inode(peer_ns), peer_dev);
}

/* Checks every peer of ns against the kernel; returns how many. */
static size_t assert_peers_match_kernel(const char *page, const char *ns)
{
	char *peers = kernel_peers(ns), *line, *save, *f[3], *peer_dev;
	const char *peer_ns;
	size_t n = 0;

	for (line = strtok_r(peers, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), n++) {
		f[0] = strsep(&line, " ");
		f[1] = strsep(&line, " ");
		f[2] = strsep(&line, " ");
		assert_non_null(f[2]);
		assert_null(line);
		if (!strcmp(f[1], ".")) {
			peer_ns = ns;
			peer_dev = strdup(f[2]);
		} else {
			peer_ns = f[1];
			peer_dev = kernel_ifname(peer_ns, f[2]);
		}
		assert_peer_line(page, ns, f[0], peer_ns, peer_dev);
		free(peer_dev);
	}
	free(peers);
	return n;
}

static size_t count_peer_lines(const char *page, const char *ns)
{
	char prefix[256];

	snprintf(prefix, sizeof(prefix),
		 "namespace_network_peer_info{netns=\"%s\",", ns);
	return count_prefix(page, prefix);
}

/*
 * Case 11: three namespaces whose veths have the same ifindexes, where
 * each id means another namespace in each; plus a veth into a bridge, a
 * veth pair inside one namespace, and a macvlan and a vxlan made in A on
 * A's veths and moved to B.
 */
static void collector_names_peers_across_namespaces_exactly(void **state)
{
	const char *a = TOPO_PREFIX "A", *b = TOPO_PREFIX "B",
		   *c = TOPO_PREFIX "C";
	const struct {
		const char *ns;
		size_t from_ip;
		size_t on_page;
	} want[] = {{a, 3, 3}, {b, 3, 4}, {c, 5, 5}};
	char *page, *ids;
	size_t i, n;

	(void)state;
	must_run("ip", "netns", "add", a);
	must_run("ip", "netns", "add", b);
	must_run("ip", "netns", "add", c);
	must_run("ip", "-n", a, "link", "add", "vAB", "type", "veth", "peer",
		 "name", "vBA", "netns", b);
	must_run("ip", "-n", a, "link", "add", "vAC", "type", "veth", "peer",
		 "name", "vCA", "netns", c);
	must_run("ip", "-n", b, "link", "add", "vBC", "type", "veth", "peer",
		 "name", "vCB", "netns", c);
	ip_batch(c, "link add br0 type bridge\n"
		    "link add vS1 type veth peer name vS2\n");
	must_run("ip", "-n", a, "link", "add", "vAbr", "type", "veth", "peer",
		 "name", "vCbr", "netns", c);
	must_run("ip", "-n", c, "link", "set", "vCbr", "master", "br0");
	ip_batch(a, "link add mvB link vAB type macvlan mode bridge\n"
		    "link set mvB netns " TOPO_PREFIX "B\n"
		    "link add vxB type vxlan id 42 dstport 4789 dev vAC\n"
		    "link set vxB netns " TOPO_PREFIX "B\n");
	/* the same index in each namespace: vAB, vBA and vCA are 2 */
	ids = shell_output("for n in A B C; do ip -n " TOPO_PREFIX
			   "$n -j link | jq -r '.[] | select(.ifindex == 2) "
			   "| .ifname'; done");
	assert_string_equal(ids, "vAB\nvBA\nvCA\n");
	free(ids);

	page = collect_page();
	/* case 11's table */
	assert_peer_line(page, a, "vAB", b, "vBA");
	assert_peer_line(page, a, "vAC", c, "vCA");
	assert_peer_line(page, b, "vBA", a, "vAB");
	assert_peer_line(page, b, "vBC", c, "vCB");
	assert_peer_line(page, c, "vCA", a, "vAC");
	assert_peer_line(page, c, "vCB", b, "vBC");
	/* the bridge port, the pair at home, the moved macvlan */
	assert_peer_line(page, a, "vAbr", c, "vCbr");
	assert_peer_line(page, c, "vCbr", a, "vAbr");
	assert_peer_line(page, c, "vS1", c, "vS2");
	assert_peer_line(page, c, "vS2", c, "vS1");
	assert_peer_line(page, b, "mvB", a, "vAB");
	/* made with dev vAC in A: ip would name B's index 3 (vBC) */
	assert_peer_line(page, b, "vxB", a, "vAC");

	/*
	 * and every peer as the kernel sees it now, nothing more: B has vxB
	 * beyond what ip can name
	 */
	for (i = 0; i < 3; i++) {
		n = assert_peers_match_kernel(page, want[i].ns);
		assert_int_equal(n, want[i].from_ip);
		assert_int_equal(count_peer_lines(page, want[i].ns),
				 want[i].on_page);
	}
	free(page);
}

/* netns_target_open gives a close-on-exec fd of target's namespace. */
static void assert_opens_target(const struct netns_target *target,
				const struct config *config)
{
	uint64_t inode;
	int fd;

	fd = netns_target_open(target, config);
	assert_true(fd >= 0);
	assert_int_equal(nsfs_fd_inode(fd, &inode), 0);
	assert_int_equal(inode, target->inode);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);
}

static void target_open_checks_identity(void **state)
{
	const char *ns = PREFIX "open-a", *other = PREFIX "open-b";
	struct config config = test_config(0);
	struct netns_target target;

	(void)state;
	must_run("ip", "netns", "add", ns);
	must_run("ip", "netns", "add", other);
	memset(&target, 0, sizeof(target));
	target.name = (char *)ns;
	target.inode = ns_inode(ns);
	assert_opens_target(&target, &config);

	/* the name now leads to another namespace: ours is gone */
	target.inode = ns_inode(other);
	assert_int_equal(netns_target_open(&target, &config), -ENOENT);
	/* deleted: gone as well; through our own PID it is found again */
	target.inode = ns_inode(ns);
	must_run("ip", "netns", "delete", ns);
	assert_int_equal(netns_target_open(&target, &config), -ENOENT);
	target.name = NULL;
	target.pid = getpid();
	target.inode = path_inode("/proc/self/ns/net");
	assert_opens_target(&target, &config);
}

/*
 * An entry of a netns directory that is a FIFO, with a writer waiting for
 * a reader: opening the target must not be that reader, even when the
 * FIFO has the very inode the target expects (as if swapped in after
 * discovery).
 */
static void target_open_never_opens_what_is_not_nsfs(void **state)
{
	char dir[] = "/tmp/nsetest-fifo.XXXXXX", fifo[64], path[64], want[16];
	struct config config = test_config(0);
	struct netns_target target;
	bool blocked = false;
	struct stat st;
	pid_t writer;
	int status, fd, i;
	char *text;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/entry", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(stat(fifo, &st), 0);
	writer = fifo_writer_start(fifo);
	assert_true(writer > 0);
	/* the writer is blocked in openat before the target is opened */
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)writer);
	snprintf(want, sizeof(want), "%d ", SYS_openat);
	for (i = 0; i < 400; i++) {
		text = shell_output("cat %s", path);
		blocked = !strncmp(text, want, strlen(want));
		free(text);
		if (blocked)
			break;
		usleep(5000);
	}
	assert_true(blocked);
	memset(&target, 0, sizeof(target));
	config.netns_dirs[0] = dir;
	target.name = (char *)"entry";
	target.inode = (uint64_t)st.st_ino;
	assert_int_equal(netns_target_open(&target, &config), -ENOENT);
	usleep(200 * 1000);
	assert_int_equal(waitpid(writer, &status, WNOHANG), 0);
	/* let the writer go */
	fd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(waitpid(writer, &status, 0), writer);
	close(fd);
	unlink(fifo);
	rmdir(dir);
}

/*
 * A namespace without a name, a mount or a process in it, kept alive by a
 * descriptor or a socket of a process outside: the holder is the way in.
 */
static void target_open_goes_through_holders(void **state)
{
	const char *ns = PREFIX "held";
	struct config config = test_config(0);
	struct netns_target target;
	int nsfs, opath, home, sock, pipe_fds[2], master, tty;

	(void)state;
	must_run("ip", "netns", "add", ns);
	memset(&target, 0, sizeof(target));
	target.inode = ns_inode(ns);
	nsfs = open(NETNS_DIR "/" PREFIX "held", O_RDONLY | O_CLOEXEC);
	assert_true(nsfs >= 0);
	opath = open(NETNS_DIR "/" PREFIX "held", O_PATH | O_CLOEXEC);
	assert_true(opath >= 0);
	home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	assert_true(home >= 0);
	assert_int_equal(setns(nsfs, CLONE_NEWNET), 0);
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(setns(home, CLONE_NEWNET), 0);
	close(home);
	assert_true(sock >= 0);
	must_run("ip", "netns", "delete", ns);

	/* an nsfs descriptor: reopened through procfs */
	target.holder_pid = getpid();
	target.holder_fd = nsfs;
	assert_opens_target(&target, &config);
	close(nsfs);
	/* an O_PATH one, which setns alone would refuse */
	target.holder_fd = opath;
	assert_opens_target(&target, &config);
	close(opath);

	/* the number now is a socket's or a pipe's: not taken for nsfs */
	target.holder_fd = sock;
	assert_int_equal(netns_target_open(&target, &config), -ENOENT);
	assert_int_equal(pipe2(pipe_fds, O_CLOEXEC), 0);
	target.holder_fd = pipe_fds[0];
	assert_int_equal(netns_target_open(&target, &config), -ENOENT);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	target.holder_fd = sock;

	/* the socket alone: asked which namespace it was made in */
	target.holder_socket = true;
	assert_opens_target(&target, &config);

	/*
	 * The number now is a hung-up terminal's, whose ioctls all fail with
	 * EIO: it is not asked at all, and reads as gone
	 */
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(master >= 0);
	assert_int_equal(unlockpt(master), 0);
	tty = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
	assert_true(tty >= 0);
	close(master);
	target.holder_fd = tty;
	assert_int_equal(netns_target_open(&target, &config), -ENOENT);
	close(tty);
	target.holder_fd = sock;

	/* a socket of the exporter's own namespace is not the target */
	close(sock);
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(sock >= 0);
	target.holder_fd = sock;
	assert_int_equal(netns_target_open(&target, &config), -ENOENT);
	close(sock);

	/* closed: gone, not an error */
	assert_int_equal(netns_target_open(&target, &config), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(collector_matches_ip_for_every_device,
					  sweep),
		cmocka_unit_test_teardown(
			collector_gives_same_page_with_any_worker_count, sweep),
		cmocka_unit_test_teardown(
			collector_skips_entries_that_are_no_namespace, sweep),
		cmocka_unit_test_teardown(collector_reads_multipart_dumps_whole,
					  sweep),
		cmocka_unit_test_teardown(
			collector_never_keeps_a_deleted_namespace_alive, sweep),
		cmocka_unit_test_teardown(collector_escapes_odd_namespace_names,
					  sweep),
		cmocka_unit_test_teardown(
			collector_prefers_first_directory_then_smallest_name,
			sweep),
		cmocka_unit_test_teardown(
			collector_lists_each_namespace_once_however_found,
			holders_stop),
		cmocka_unit_test_teardown(
			collector_fails_namespaces_past_the_deadline, sweep),
		cmocka_unit_test_teardown(
			collector_never_passes_off_an_interrupted_dump, sweep),
		cmocka_unit_test_teardown(target_open_checks_identity, sweep),
		cmocka_unit_test_teardown(target_open_goes_through_holders,
					  sweep),
		cmocka_unit_test(target_open_never_opens_what_is_not_nsfs),
		cmocka_unit_test_teardown(
			collector_names_peers_across_namespaces_exactly, sweep),
	};
	const char *ci = getenv("CI");

	if (geteuid() != 0) {
		if (ci && !strcmp(ci, "true")) {
			fprintf(stderr,
				"test_netns_live needs root, and CI must run it\n");
			return 1;
		}
		fprintf(stderr, "test_netns_live needs root: skipped\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, sweep);
}
