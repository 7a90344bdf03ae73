// SPDX-License-Identifier: Apache-2.0
/*
 * netns add/attach/delete/list. Built twice: without NSE_ROOT_TESTS the
 * unit half (names, URL path decoding, request bodies, errno to status,
 * JSON); with it the root half, which runs in a forked child inside a
 * private mount and network namespace with a tmpfs on /run, so the real
 * /run/netns and the host's namespace ids are never touched. The root half
 * holds cases/03 (stale entries) and cases/05 (parallel first adds, ours
 * and `ip netns add` at once, giving one self-bind).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "exposition.h"
#include "json.h"
#include "netns_admin.h"

#ifndef NSE_ROOT_TESTS

static void create_names_follow_the_strict_rule(void **state)
{
	static const char *const good[] = {"blue", "a",	  "A.b_c-9",
					   "..a",  "a..", "-"};
	static const char *const bad[] = {
		"",	".",	       "..",	"a/b",	"a b",
		"a\nb", "caf\xc3\xa9", "a%2fb", "a\\b", "a:b"};
	char name[80];
	const char *reason = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(
			netns_admin_name_check_create(good[i], &reason), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reason = NULL;
		assert_int_equal(netns_admin_name_check_create(bad[i], &reason),
				 -EINVAL);
		assert_non_null(reason);
	}
	memset(name, 'x', 64);
	name[64] = '\0';
	assert_int_equal(netns_admin_name_check_create(name, &reason), 0);
	name[64] = 'x';
	name[65] = '\0';
	assert_int_equal(netns_admin_name_check_create(name, &reason),
			 -ENAMETOOLONG);
	assert_string_equal(reason, "the name is longer than 64 characters");
}

static void delete_names_take_whatever_ip_netns_makes(void **state)
{
	static const char *const good[] = {"a b",  "a\nb", "caf\xc3\xa9",
					   "'q\"", "\xff", "..."};
	char name[NAME_MAX + 2];
	const char *reason;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(netns_admin_name_check_any(good[i], &reason),
				 0);
	assert_int_equal(netns_admin_name_check_any("", &reason), -EINVAL);
	assert_int_equal(netns_admin_name_check_any(".", &reason), -EINVAL);
	assert_int_equal(netns_admin_name_check_any("..", &reason), -EINVAL);
	assert_int_equal(netns_admin_name_check_any("a/b", &reason), -EINVAL);
	memset(name, 'y', NAME_MAX);
	name[NAME_MAX] = '\0';
	assert_int_equal(netns_admin_name_check_any(name, &reason), 0);
	name[NAME_MAX] = 'y';
	name[NAME_MAX + 1] = '\0';
	assert_int_equal(netns_admin_name_check_any(name, &reason),
			 -ENAMETOOLONG);
}

static int decode(const char *raw, char *out, const char **reason)
{
	*reason = NULL;
	return netns_admin_name_decode(raw, strlen(raw), out, NAME_MAX + 1,
				       reason);
}

static void path_segments_decode_without_escaping(void **state)
{
	char out[NAME_MAX + 1], raw[3 * NAME_MAX + 8];
	const char *reason;

	(void)state;
	assert_int_equal(decode("blue", out, &reason), 0);
	assert_string_equal(out, "blue");
	assert_int_equal(decode("a%20b", out, &reason), 0);
	assert_string_equal(out, "a b");
	assert_int_equal(decode("caf%C3%a9", out, &reason), 0);
	assert_string_equal(out, "caf\xc3\xa9");
	assert_int_equal(decode("a%0Ab", out, &reason), 0); /* newline */
	assert_string_equal(out, "a\nb");
	assert_int_equal(decode("%2e%2e", out, &reason), -EINVAL);
	assert_string_equal(reason, "the name may not be . or ..");
	assert_int_equal(decode("%2E", out, &reason), -EINVAL);
	assert_int_equal(decode("..", out, &reason), -EINVAL);
	assert_int_equal(decode("a/b", out, &reason), -EINVAL);
	assert_int_equal(decode("a%2fb", out, &reason), -EINVAL);
	assert_string_equal(reason, "the name may not contain '/'");
	assert_int_equal(decode("..%2f..%2fetc", out, &reason), -EINVAL);
	/* libmicrohttpd's decoding would turn this into "blue" */
	assert_int_equal(decode("blue%00x", out, &reason), -EINVAL);
	assert_string_equal(reason, "the name contains a NUL byte");
	assert_int_equal(decode("%00", out, &reason), -EINVAL);
	assert_int_equal(decode("%zz", out, &reason), -EINVAL);
	assert_int_equal(decode("abc%2", out, &reason), -EINVAL);
	assert_int_equal(decode("%", out, &reason), -EINVAL);
	assert_string_equal(reason, "malformed percent-encoding in the name");
	assert_int_equal(decode("", out, &reason), -EINVAL);
	memset(raw, 'z', NAME_MAX);
	raw[NAME_MAX] = '\0';
	assert_int_equal(decode(raw, out, &reason), 0);
	strcpy(raw + NAME_MAX, "%7a");
	assert_int_equal(decode(raw, out, &reason), -ENAMETOOLONG);
}

static void create_refuses_what_decodes_but_is_not_strict(void **state)
{
	char out[NAME_MAX + 1];
	const char *reason;

	(void)state;
	/* decodes fine (delete could remove it), but create refuses it */
	assert_int_equal(decode("a%0Ab", out, &reason), 0);
	assert_int_equal(netns_admin_name_check_create(out, &reason), -EINVAL);
}

static int body(const char *text, pid_t *pid)
{
	const char *reason = NULL;
	int err = netns_admin_parse_body(text, strlen(text), pid, &reason);

	if (err)
		assert_non_null(reason);
	return err;
}

static void post_bodies_are_empty_or_a_pid(void **state)
{
	pid_t pid = -5;

	(void)state;
	assert_int_equal(body("", &pid), 0);
	assert_int_equal(pid, 0);
	assert_int_equal(body(" \n", &pid), 0);
	assert_int_equal(body("{}", &pid), 0);
	assert_int_equal(pid, 0);
	assert_int_equal(body("{\"pid\": 42}", &pid), 0);
	assert_int_equal(pid, 42);
	assert_int_equal(body(" { \"pid\" :7 } \n", &pid), 0);
	assert_int_equal(pid, 7);
	assert_int_equal(body("{\"pid\": 0}", &pid), -EINVAL);
	assert_int_equal(body("{\"pid\": -1}", &pid), -EINVAL);
	assert_int_equal(body("{\"pid\": \"1\"}", &pid), -EINVAL);
	assert_int_equal(body("{\"pid\": 1.5}", &pid), -EINVAL);
	assert_int_equal(body("{\"pid\": 99999999999}", &pid), -EINVAL);
	assert_int_equal(body("{\"pid\": 2147483648}", &pid), -EINVAL);
	assert_int_equal(body("{\"pid\": 1, \"x\": 2}", &pid), -EINVAL);
	assert_int_equal(body("{\"name\": 1}", &pid), -EINVAL);
	assert_int_equal(body("{\"pid\": 1}x", &pid), -EINVAL);
	assert_int_equal(body("[1]", &pid), -EINVAL);
	assert_int_equal(body("{", &pid), -EINVAL);
	assert_int_equal(pid, 0);
}

static int status(int err, enum netns_admin_step step)
{
	struct netns_admin_failure fail = {step, err, NULL};

	return netns_admin_http_status(&fail);
}

/*
 * The kernel's refusals cannot all be provoked on a shared machine; the
 * mapping is pinned here (ENOSPC is also provoked for real in the root half).
 */
static void errno_maps_to_http_status(void **state)
{
	(void)state;
	assert_int_equal(status(-EEXIST, NETNS_STEP_FILE), 409);
	assert_int_equal(status(-EEXIST, NETNS_STEP_SHARE), 500);
	assert_int_equal(status(-ENOENT, NETNS_STEP_REMOVE), 404);
	assert_int_equal(status(-ENOENT, NETNS_STEP_PROCESS), 404);
	assert_int_equal(status(-ESRCH, NETNS_STEP_PROCESS), 404);
	assert_int_equal(status(-ENOENT, NETNS_STEP_DIR), 500);
	assert_int_equal(status(-EINVAL, NETNS_STEP_NAME), 400);
	assert_int_equal(status(-ENAMETOOLONG, NETNS_STEP_NAME), 400);
	assert_int_equal(status(-EINVAL, NETNS_STEP_BIND), 500);
	assert_int_equal(status(-EBUSY, NETNS_STEP_REMOVE), 409);
	assert_int_equal(status(-EISDIR, NETNS_STEP_REMOVE), 409);
	assert_int_equal(status(-ENOSPC, NETNS_STEP_UNSHARE), 503);
	assert_int_equal(status(-EUSERS, NETNS_STEP_UNSHARE), 503);
	assert_int_equal(status(-EPERM, NETNS_STEP_UNSHARE), 503);
	assert_int_equal(status(-ENOMEM, NETNS_STEP_UNSHARE), 503);
	assert_int_equal(status(-EAGAIN, NETNS_STEP_UNSHARE), 503);
	assert_int_equal(status(-ENOSPC, NETNS_STEP_BIND), 503);
	assert_int_equal(status(-EMFILE, NETNS_STEP_FILE), 503);
	assert_int_equal(status(-EPERM, NETNS_STEP_BIND), 500);
	assert_int_equal(status(-EACCES, NETNS_STEP_FILE), 500);
	assert_int_equal(status(-EROFS, NETNS_STEP_FILE), 500);
	assert_int_equal(status(-EIO, NETNS_STEP_LIST), 500);
}

static void error_texts_say_what_happened(void **state)
{
	struct netns_admin_failure busy = {NETNS_STEP_REMOVE, -EBUSY, NULL};
	struct netns_admin_failure limit = {NETNS_STEP_UNSHARE, -ENOSPC, NULL};
	struct netns_admin_failure name = {NETNS_STEP_NAME, -EINVAL,
					   "the name may not be . or .."};
	char text[256];

	(void)state;
	netns_admin_error_text(&busy, text, sizeof(text));
	assert_non_null(strstr(text, "stacked"));
	assert_non_null(strstr(text, "still exists"));
	netns_admin_error_text(&limit, text, sizeof(text));
	assert_string_equal(
		text,
		"cannot create a network namespace: No space left on device");
	netns_admin_error_text(&name, text, sizeof(text));
	assert_string_equal(text,
			    "invalid request: the name may not be . or ..");
}

static void list_json_is_exact_for_any_name(void **state)
{
	struct netns_admin_entry entries[] = {
		{"a\"b\n\xff", false, 0, false, 0},
		{"blue", true, 4026532184ULL, true, 7},
		{"caf\xc3\xa9", true, 5, false, 0},
	};
	struct outbuf out;

	(void)state;
	outbuf_init(&out, EXPOSITION_TEXT);
	netns_admin_list_json(entries, 3, &out);
	outbuf_putc(&out, '\0');
	assert_int_equal(out.err, 0);
	assert_string_equal(
		out.data,
		"[\n{\"name\":\"a\\\"b\\n\\ufffd\",\"url_name\":\"a%22b%0A%FF\",\"inode\":null,\"nsid\":null},\n"
		"{\"name\":\"blue\",\"url_name\":\"blue\",\"inode\":4026532184,\"nsid\":7},\n"
		"{\"name\":\"caf\xc3\xa9\",\"url_name\":\"caf%C3%A9\",\"inode\":5,\"nsid\":null}\n]\n");
	outbuf_clear(&out);
	netns_admin_list_json(NULL, 0, &out);
	outbuf_putc(&out, '\0');
	assert_string_equal(out.data, "[]\n");
	outbuf_release(&out);
}

static void error_bodies_are_json(void **state)
{
	struct outbuf out;

	(void)state;
	outbuf_init(&out, EXPOSITION_TEXT);
	json_error_body(&out, "bad \"name\"\t\x01");
	outbuf_putc(&out, '\0');
	assert_string_equal(out.data,
			    "{\"error\":\"bad \\\"name\\\"\\t\\u0001\"}\n");
	outbuf_release(&out);
}

/*
 * Which mount the netns directory lies on, and whether mounts made under
 * it reach other mount namespaces: the nearest mount point, not a longer
 * name that merely starts the same; the last of two stacked ones; escaped
 * mount points; a "master" (receives, does not send) is not shared.
 */
static void netns_directory_mount_is_found(void **state)
{
	static const char mountinfo[] =
		"22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
		"25 22 0:23 / /run rw,nosuid master:5 - tmpfs tmpfs rw\n"
		"26 25 0:23 /netns /run/netns rw shared:7 - tmpfs tmpfs rw\n"
		"27 25 0:24 / /run/netns2 rw - tmpfs tmpfs rw\n"
		"not a mountinfo line\n"
		"28 25 0:25 / /run/with\\040space rw shared:9 master:2 - tmpfs tmpfs rw\n"
		"29 26 0:4 net:[4026532000] /run/netns/blue rw shared:8 - nsfs nsfs rw\n"
		"30 25 0:26 / /var/run/netns rw shared:10 - tmpfs tmpfs rw\n"
		"31 30 0:27 / /var/run/netns rw - tmpfs tmpfs rw";
	static const struct {
		const char *dir;
		int shared;
		const char *point;
	} cases[] = {
		{"/run/netns", 1, "/run/netns"},
		{"/run/netns2", 0, "/run/netns2"},
		{"/run/netnsx", 0, "/run"},
		{"/run/with space/netns", 1, "/run/with space"},
		{"/srv/netns", 1, "/"},
		/* stacked: the one on top (listed last) is what counts */
		{"/var/run/netns", 0, "/var/run/netns"},
		{"relative", -ENOENT, NULL},
	};
	size_t len = sizeof(mountinfo) - 1, i;
	char point[sizeof(mountinfo)];

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(netns_admin_dir_mount(mountinfo, len,
						       cases[i].dir, point,
						       sizeof(point)),
				 cases[i].shared);
		if (cases[i].point)
			assert_string_equal(point, cases[i].point);
	}
	assert_int_equal(netns_admin_dir_mount("", 0, "/run/netns", point,
					       sizeof(point)),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(netns_directory_mount_is_found),
		cmocka_unit_test(create_names_follow_the_strict_rule),
		cmocka_unit_test(delete_names_take_whatever_ip_netns_makes),
		cmocka_unit_test(path_segments_decode_without_escaping),
		cmocka_unit_test(create_refuses_what_decodes_but_is_not_strict),
		cmocka_unit_test(post_bodies_are_empty_or_a_pid),
		cmocka_unit_test(errno_maps_to_http_status),
		cmocka_unit_test(error_texts_say_what_happened),
		cmocka_unit_test(list_json_is_exact_for_any_name),
		cmocka_unit_test(error_bodies_are_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* NSE_ROOT_TESTS */

/* Every test works in this directory on the private tmpfs on /run. */
#define TEST_DIR "/run/nsetest-admin"

static const struct netns_admin admin = {TEST_DIR, "/proc"};

static void entry_path(const char *dir, const char *name, char *path)
{
	snprintf(path, PATH_MAX, "%s/%s", dir, name);
}

/* Mount points in our mountinfo equal to (or, with prefix, under) path. */
static int mountinfo_count(const char *path, bool prefix)
{
	char line[4096], point[4096];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1)
			continue;
		if (prefix ? !strncmp(point, path, strlen(path))
			   : !strcmp(point, path))
			n++;
	}
	fclose(f);
	return n;
}

struct mount_line {
	int id;
	int parent;
	char point[1024];
	char source[256];
};

static bool mount_line_read(FILE *f, struct mount_line *m)
{
	char line[4096];
	const char *dash;

	while (fgets(line, sizeof(line), f)) {
		dash = strstr(line, " - ");
		if (dash &&
		    sscanf(line, "%d %d %*s %*s %1023s", &m->id, &m->parent,
			   m->point) == 3 &&
		    sscanf(dash, " - %*s %255s", m->source) == 1)
			return true;
	}
	return false;
}

/*
 * Mounts at (or under, with prefix) point that belong to the tmpfs named
 * source: the mount itself comes from it, or with by_parent its parent
 * does. Mount ids are not used to tell old from new: the kernel reuses
 * them, e.g. when `ip netns delete` elsewhere detaches a copy in our
 * namespace.
 */
static int tmpfs_mounts_count(const char *source, const char *point,
			      bool prefix, bool by_parent)
{
	int ids[512], n_ids = 0, n = 0, i;
	struct mount_line m;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "r");
	assert_non_null(f);
	while (mount_line_read(f, &m))
		if (!strcmp(m.source, source) && n_ids < 512)
			ids[n_ids++] = m.id;
	rewind(f);
	while (mount_line_read(f, &m)) {
		bool at = prefix ? !strncmp(m.point, point, strlen(point))
				 : !strcmp(m.point, point);

		for (i = 0; at && i < n_ids; i++)
			if ((by_parent ? m.parent : m.id) == ids[i]) {
				n++;
				break;
			}
	}
	fclose(f);
	return n;
}

/* Whether a mount at path (from source, unless NULL) is shared. */
static bool mount_is_shared(const char *path, const char *source)
{
	char line[4096], point[4096], from[256];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	const char *dash, *tag;
	bool shared = false;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		dash = strstr(line, " - ");
		if (!dash ||
		    sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1 ||
		    sscanf(dash, " - %*s %255s", from) != 1)
			continue;
		tag = strstr(line, " shared:");
		if (!strcmp(point, path) && (!source || !strcmp(from, source)))
			shared = shared || (tag && tag < dash);
	}
	fclose(f);
	return shared;
}

static int dir_count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static uint64_t inode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static const struct netns_admin_entry *
entry_find(const struct netns_admin_entry *entries, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(entries[i].name, name))
			return &entries[i];
	return NULL;
}

/* 1 when lo is up in the netns at path, 0 when down, -1 on error. */
static int lo_is_up(const char *path)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct ifreq ifr = {.ifr_name = "lo"};
		int fd = open(path, O_RDONLY | O_CLOEXEC), sock;

		if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
			_exit(2);
		sock = socket(AF_INET, SOCK_DGRAM, 0);
		if (sock < 0 || ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
			_exit(3);
		_exit(ifr.ifr_flags & IFF_UP ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) && WEXITSTATUS(status) < 2
		       ? WEXITSTATUS(status)
		       : -1;
}

static void create_makes_a_netns_like_ip_netns_add(void **state)
{
	struct netns_admin_failure fail = {0};
	struct netns_admin_entry *entries;
	char path[PATH_MAX], before[64], after[64];
	int tasks = dir_count("/proc/self/task");
	struct statfs sfs;
	size_t n;

	(void)state;
	entry_path(TEST_DIR, "nsetest-blue", path);
	assert_true(readlink("/proc/thread-self/ns/net", before,
			     sizeof(before)) > 0);
	assert_int_equal(netns_admin_create(&admin, "nsetest-blue", &fail), 0);
	assert_true(readlink("/proc/thread-self/ns/net", after, sizeof(after)) >
		    0);
	/* we stayed home; the thread that left has gone */
	assert_memory_equal(before, after, strlen("net:[4026531840]"));
	assert_int_equal(dir_count("/proc/self/task"), tasks);
	assert_int_equal(statfs(path, &sfs), 0);
	assert_int_equal(sfs.f_type, 0x6e736673); /* nsfs */
	assert_int_not_equal(inode_of(path), inode_of("/proc/self/ns/net"));
	assert_int_equal(mountinfo_count(path, false), 1);
	assert_true(mount_is_shared(TEST_DIR, NULL));
	assert_int_equal(mountinfo_count(TEST_DIR, false), 1);
	/* as ip netns add leaves it: loopback down */
	assert_int_equal(lo_is_up(path), 0);

	assert_int_equal(netns_admin_list(&admin, &entries, &n, &fail), 0);
	assert_int_equal(n, 1);
	assert_string_equal(entries[0].name, "nsetest-blue");
	assert_true(entries[0].is_netns);
	assert_int_equal(entries[0].inode, inode_of(path));
	assert_false(entries[0].has_nsid);
	netns_admin_entries_free(entries, n);

	assert_int_equal(netns_admin_create(&admin, "nsetest-blue", &fail),
			 -EEXIST);
	assert_int_equal(netns_admin_http_status(&fail), 409);
	assert_int_equal(mountinfo_count(path, false), 1);

	assert_int_equal(netns_admin_delete(&admin, "nsetest-blue", &fail), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(mountinfo_count(path, false), 0);
	assert_int_equal(netns_admin_delete(&admin, "nsetest-blue", &fail),
			 -ENOENT);
	assert_int_equal(netns_admin_http_status(&fail), 404);
	/* the directory mount stays, as iproute2 leaves it */
	assert_int_equal(mountinfo_count(TEST_DIR, false), 1);
}

static void invalid_names_create_nothing(void **state)
{
	static const char *const bad[] = {
		"..", ".", "a/b", "", "a\nb", "../nsetest-out", "x y"};
	struct netns_admin_failure fail;
	int entries = dir_count(TEST_DIR), above = dir_count("/run");
	/* only ours: copies of host mounts may vanish meanwhile */
	int mounts = mountinfo_count(TEST_DIR, true);
	char long_name[66];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(netns_admin_create(&admin, bad[i], &fail),
				 -EINVAL);
		assert_int_equal(fail.step, NETNS_STEP_NAME);
		assert_int_equal(netns_admin_http_status(&fail), 400);
	}
	memset(long_name, 'n', 65);
	long_name[65] = '\0';
	assert_int_equal(netns_admin_create(&admin, long_name, &fail),
			 -ENAMETOOLONG);
	assert_int_equal(netns_admin_http_status(&fail), 400);
	assert_int_equal(netns_admin_attach(&admin, "..", getpid(), &fail),
			 -EINVAL);
	assert_int_equal(dir_count(TEST_DIR), entries);
	assert_int_equal(dir_count("/run"), above);
	assert_int_equal(mountinfo_count(TEST_DIR, true), mounts);
}

/* A pid that has just exited and been reaped. */
static pid_t gone_pid(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	return pid;
}

/* cases/03: the four kinds of entry ip netns list shows. */
static void stale_entries_are_listed_without_inode_and_deleted(void **state)
{
	struct netns_admin_failure fail;
	struct netns_admin_entry *entries;
	const struct netns_admin_entry *e;
	char path[PATH_MAX], target[64];
	uint64_t live_inode;
	size_t n;
	int fd;

	(void)state;
	assert_int_equal(netns_admin_create(&admin, "nsetest-live", &fail), 0);
	entry_path(TEST_DIR, "nsetest-live", path);
	live_inode = inode_of(path);
	/* between the two steps of a delete */
	assert_int_equal(netns_admin_create(&admin, "nsetest-mid", &fail), 0);
	entry_path(TEST_DIR, "nsetest-mid", path);
	assert_int_equal(umount2(path, MNT_DETACH), 0);
	/* a plain file: a crash between the two steps of an add */
	entry_path(TEST_DIR, "nsetest-stale", path);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL, 0);
	assert_true(fd >= 0);
	close(fd);
	entry_path(TEST_DIR, "nsetest-dangling", path);
	snprintf(target, sizeof(target), "/proc/%d/ns/net", (int)gone_pid());
	assert_int_equal(symlink(target, path), 0);

	assert_int_equal(netns_admin_list(&admin, &entries, &n, &fail), 0);
	assert_int_equal(n, 4);
	assert_string_equal(entries[0].name, "nsetest-dangling");
	assert_string_equal(entries[1].name, "nsetest-live");
	assert_string_equal(entries[2].name, "nsetest-mid");
	assert_string_equal(entries[3].name, "nsetest-stale");
	e = entry_find(entries, n, "nsetest-live");
	assert_true(e->is_netns);
	assert_int_equal(e->inode, live_inode);
	/* no tmpfs inode may pass for a netns identity */
	assert_false(entry_find(entries, n, "nsetest-mid")->is_netns);
	assert_false(entry_find(entries, n, "nsetest-stale")->is_netns);
	assert_false(entry_find(entries, n, "nsetest-dangling")->is_netns);
	netns_admin_entries_free(entries, n);

	/* as ip netns delete: the umount error is ignored, the entry goes */
	assert_int_equal(netns_admin_delete(&admin, "nsetest-mid", &fail), 0);
	assert_int_equal(netns_admin_delete(&admin, "nsetest-stale", &fail), 0);
	assert_int_equal(netns_admin_delete(&admin, "nsetest-dangling", &fail),
			 0);
	assert_int_equal(netns_admin_delete(&admin, "nsetest-live", &fail), 0);
	assert_int_equal(dir_count(TEST_DIR), 0);
}

static void delete_never_follows_a_symlink(void **state)
{
	struct netns_admin_failure fail;
	char path[PATH_MAX], link_path[PATH_MAX];

	(void)state;
	assert_int_equal(netns_admin_create(&admin, "nsetest-real", &fail), 0);
	entry_path(TEST_DIR, "nsetest-real", path);
	entry_path(TEST_DIR, "nsetest-link", link_path);
	assert_int_equal(symlink(path, link_path), 0);
	assert_int_equal(netns_admin_delete(&admin, "nsetest-link", &fail), 0);
	/* the link went; what it pointed at is still mounted */
	assert_int_equal(access(link_path, F_OK), -1);
	assert_int_equal(mountinfo_count(path, false), 1);
	assert_int_equal(netns_admin_delete(&admin, "nsetest-real", &fail), 0);
	assert_int_equal(mountinfo_count(path, false), 0);
}

static void stacked_mount_gives_ebusy_and_the_truth(void **state)
{
	struct netns_admin_failure fail;
	struct netns_admin_entry *entries;
	char path[PATH_MAX], other[PATH_MAX];
	uint64_t inode;
	size_t n;
	int fd;

	(void)state;
	assert_int_equal(netns_admin_create(&admin, "nsetest-stack", &fail), 0);
	entry_path(TEST_DIR, "nsetest-stack", path);
	inode = inode_of(path);
	snprintf(other, sizeof(other), "/run/nsetest-admin-other");
	fd = open(other, O_RDONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(mount(other, path, "none", MS_BIND, NULL), 0);
	assert_int_equal(netns_admin_delete(&admin, "nsetest-stack", &fail),
			 -EBUSY);
	assert_int_equal(netns_admin_http_status(&fail), 409);
	/* the top mount went; the name still refers to the netns below */
	assert_int_equal(netns_admin_list(&admin, &entries, &n, &fail), 0);
	assert_int_equal(n, 1);
	assert_true(entries[0].is_netns);
	assert_int_equal(entries[0].inode, inode);
	netns_admin_entries_free(entries, n);
	assert_int_equal(netns_admin_delete(&admin, "nsetest-stack", &fail), 0);
	assert_int_equal(dir_count(TEST_DIR), 0);
	unlink(other);
}

static void attach_names_a_process_netns(void **state)
{
	struct netns_admin_failure fail;
	struct netns_admin_entry *entries;
	char proc_path[64], path[PATH_MAX];
	int ready[2], hold[2];
	pid_t child, gone;
	size_t n;
	char c;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(hold), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(ready[0]);
		close(hold[1]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		/* stay until the test closes the pipe */
		while (read(hold[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	snprintf(proc_path, sizeof(proc_path), "/proc/%d/ns/net", (int)child);

	assert_int_equal(
		netns_admin_attach(&admin, "nsetest-att", child, &fail), 0);
	entry_path(TEST_DIR, "nsetest-att", path);
	assert_int_equal(inode_of(path), inode_of(proc_path));
	assert_int_equal(netns_admin_list(&admin, &entries, &n, &fail), 0);
	assert_int_equal(n, 1);
	assert_int_equal(entries[0].inode, inode_of(proc_path));
	netns_admin_entries_free(entries, n);
	assert_int_equal(
		netns_admin_attach(&admin, "nsetest-att", child, &fail),
		-EEXIST);

	gone = gone_pid();
	assert_int_equal(
		netns_admin_attach(&admin, "nsetest-gone", gone, &fail),
		-ENOENT);
	assert_int_equal(fail.step, NETNS_STEP_PROCESS);
	assert_int_equal(netns_admin_http_status(&fail), 404);
	entry_path(TEST_DIR, "nsetest-gone", path);
	assert_int_equal(access(path, F_OK), -1);

	close(hold[1]);
	close(ready[0]);
	assert_int_equal(waitpid(child, NULL, 0), child);
	/* the mount keeps the netns of the exited process */
	entry_path(TEST_DIR, "nsetest-att", path);
	assert_int_equal(lo_is_up(path), 0);
	assert_int_equal(netns_admin_delete(&admin, "nsetest-att", &fail), 0);
}

static int run_command(char *const argv[])
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void netns_ids_are_read_not_assigned(void **state)
{
	static const struct netns_admin run_netns = {"/run/netns", "/proc"};
	char *set[] = {"ip", "netns", "set", "nsetest-id", "7", NULL};
	struct netns_admin_failure fail;
	struct netns_admin_entry *entries;
	size_t n;

	(void)state;
	assert_int_equal(netns_admin_create(&run_netns, "nsetest-id", &fail),
			 0);
	assert_int_equal(netns_admin_create(&run_netns, "nsetest-noid", &fail),
			 0);
	/* this test's own netns, made for it: the host's ids stay as they are
	 */
	assert_int_equal(run_command(set), 0);
	assert_int_equal(netns_admin_list(&run_netns, &entries, &n, &fail), 0);
	assert_int_equal(n, 2);
	assert_true(entries[0].has_nsid);
	assert_int_equal(entries[0].nsid, 7);
	assert_false(entries[1].has_nsid);
	netns_admin_entries_free(entries, n);
	/* listing twice must not have assigned one */
	assert_int_equal(netns_admin_list(&run_netns, &entries, &n, &fail), 0);
	assert_false(entries[1].has_nsid);
	netns_admin_entries_free(entries, n);
	assert_int_equal(netns_admin_delete(&run_netns, "nsetest-id", &fail),
			 0);
	assert_int_equal(netns_admin_delete(&run_netns, "nsetest-noid", &fail),
			 0);
}

struct racer {
	pthread_barrier_t *start;
	const struct netns_admin *admin;
	char name[32];
	int result;
};

static void *racer_run(void *arg)
{
	struct racer *r = arg;
	struct netns_admin_failure fail;

	pthread_barrier_wait(r->start);
	r->result = netns_admin_create(r->admin, r->name, &fail);
	return NULL;
}

#define RACE_THREADS 20

static bool race_run_mounted;
#define RACE_IP 10

static pid_t ip_netns_add_async(const char *name)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		execlp("ip", "ip", "netns", "add", name, (char *)NULL);
		_exit(127);
	}
	return pid;
}

/*
 * cases/05: on a fresh /run, 20 creates of ours and 10 `ip netns add` at
 * once make exactly one self-bind of /run/netns and one nsfs mount each.
 */
static void parallel_first_adds_make_one_self_bind(void **state)
{
	static const struct netns_admin run_netns = {"/run/netns", "/proc"};
	struct racer racers[RACE_THREADS];
	pthread_t threads[RACE_THREADS];
	pid_t ips[RACE_IP];
	pthread_barrier_t start;
	struct netns_admin_entry *entries;
	struct netns_admin_failure fail;
	char name[32], source[32];
	size_t n, i, j;
	int round, status;

	(void)state;
	for (round = 0; round < 3; round++) {
		/* a fresh /run: /run/netns does not exist yet */
		snprintf(source, sizeof(source), "nsetest-admin-race%d", round);
		assert_int_equal(mount(source, "/run", "tmpfs", 0, "mode=0755"),
				 0);
		race_run_mounted = true;
		pthread_barrier_init(&start, NULL, RACE_THREADS + 1);
		for (i = 0; i < RACE_THREADS; i++) {
			racers[i] = (struct racer){.start = &start,
						   .admin = &run_netns};
			snprintf(racers[i].name, sizeof(racers[i].name),
				 "nsetest-race%zu", i + 1);
			assert_int_equal(pthread_create(&threads[i], NULL,
							racer_run, &racers[i]),
					 0);
		}
		for (i = 0; i < RACE_IP; i++) {
			snprintf(name, sizeof(name), "nsetest-race%zu",
				 RACE_THREADS + i + 1);
			ips[i] = ip_netns_add_async(name);
		}
		pthread_barrier_wait(&start);
		for (i = 0; i < RACE_THREADS; i++) {
			pthread_join(threads[i], NULL);
			assert_int_equal(racers[i].result, 0);
		}
		for (i = 0; i < RACE_IP; i++) {
			assert_int_equal(waitpid(ips[i], &status, 0), ips[i]);
			assert_true(WIFEXITED(status));
			assert_int_equal(WEXITSTATUS(status), 0);
		}
		pthread_barrier_destroy(&start);

		/* one self-bind, however many layers a race would stack */
		assert_int_equal(
			tmpfs_mounts_count(source, "/run/netns", false, false),
			1);
		assert_true(mount_is_shared("/run/netns", source));
		assert_int_equal(tmpfs_mounts_count(source,
						    "/run/netns/nsetest-race",
						    true, true),
				 RACE_THREADS + RACE_IP);
		assert_int_equal(
			netns_admin_list(&run_netns, &entries, &n, &fail), 0);
		assert_int_equal(n, RACE_THREADS + RACE_IP);
		for (i = 0; i < n; i++) {
			assert_true(entries[i].is_netns);
			for (j = 0; j < i; j++)
				assert_int_not_equal(entries[i].inode,
						     entries[j].inode);
			assert_int_equal(netns_admin_delete(&run_netns,
							    entries[i].name,
							    &fail),
					 0);
		}
		netns_admin_entries_free(entries, n);
		assert_int_equal(
			tmpfs_mounts_count(source, "/run/netns/", true, true),
			0);
		assert_int_equal(umount2("/run", MNT_DETACH), 0);
		race_run_mounted = false;
	}
}

/* A failed round must not leave its /run over the one the others use. */
static int race_run_unmount(void **state)
{
	(void)state;
	if (race_run_mounted)
		umount2("/run", MNT_DETACH);
	race_run_mounted = false;
	return 0;
}

struct locked_create {
	int result;
	int done; /* atomic */
};

static void *locked_create_run(void *arg)
{
	struct locked_create *job = arg;
	struct netns_admin_failure fail;

	job->result = netns_admin_create(&admin, "nsetest-locked", &fail);
	__atomic_store_n(&job->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/*
 * The set-up waits for the flock that `ip netns add` takes on the
 * directory; an in-process mutex would not stop a concurrent ip.
 */
static void create_waits_for_the_iproute2_lock(void **state)
{
	struct timespec pause = {0, 150 * 1000 * 1000};
	struct locked_create job = {-1, 0};
	struct netns_admin_failure fail;
	pthread_t thread;
	int lock;

	(void)state;
	lock = open(TEST_DIR, O_RDONLY | O_DIRECTORY);
	assert_true(lock >= 0);
	assert_int_equal(flock(lock, LOCK_EX), 0);
	assert_int_equal(pthread_create(&thread, NULL, locked_create_run, &job),
			 0);
	nanosleep(&pause, NULL);
	assert_int_equal(__atomic_load_n(&job.done, __ATOMIC_SEQ_CST), 0);
	assert_int_equal(access(TEST_DIR "/nsetest-locked", F_OK), -1);
	assert_int_equal(flock(lock, LOCK_UN), 0);
	close(lock);
	pthread_join(thread, NULL);
	assert_int_equal(job.result, 0);
	assert_int_equal(netns_admin_delete(&admin, "nsetest-locked", &fail),
			 0);
}

/* Two creates of the same name at once: one wins, the others get 409. */
static void same_name_races_give_one_winner(void **state)
{
	struct racer racers[RACE_THREADS];
	pthread_t threads[RACE_THREADS];
	pthread_barrier_t start;
	struct netns_admin_failure fail;
	int won = 0, lost = 0;
	size_t i;

	(void)state;
	pthread_barrier_init(&start, NULL, RACE_THREADS + 1);
	for (i = 0; i < RACE_THREADS; i++) {
		racers[i] = (struct racer){.start = &start, .admin = &admin};
		strcpy(racers[i].name, "nsetest-same");
		assert_int_equal(pthread_create(&threads[i], NULL, racer_run,
						&racers[i]),
				 0);
	}
	pthread_barrier_wait(&start);
	for (i = 0; i < RACE_THREADS; i++) {
		pthread_join(threads[i], NULL);
		won += racers[i].result == 0;
		lost += racers[i].result == -EEXIST;
	}
	pthread_barrier_destroy(&start);
	assert_int_equal(won, 1);
	assert_int_equal(lost, RACE_THREADS - 1);
	assert_int_equal(mountinfo_count(TEST_DIR "/nsetest-same", false), 1);
	assert_int_equal(netns_admin_delete(&admin, "nsetest-same", &fail), 0);
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * In a user namespace of its own with max_net_namespaces at 0, so that the
 * host's limits stay untouched: the create fails with ENOSPC (503) and
 * leaves no file. Exit codes: 0 as expected, 10+ set-up failed, 20+ wrong.
 */
static int limit_child(void)
{
	static const struct netns_admin limited = {"/run/nsetest-limit/netns",
						   "/proc"};
	struct netns_admin_failure fail = {0};

	if (unshare(CLONE_NEWUSER) < 0 ||
	    write_file("/proc/self/uid_map", "0 0 1\n") < 0 ||
	    write_file("/proc/self/setgroups", "deny") < 0 ||
	    write_file("/proc/self/gid_map", "0 0 1\n") < 0 ||
	    unshare(CLONE_NEWNS) < 0 ||
	    write_file("/proc/sys/user/max_net_namespaces", "0") < 0)
		return 10;
	if (mkdir("/run/nsetest-limit", 0755) < 0 ||
	    mount("nsetest-admin-limit", "/run/nsetest-limit", "tmpfs", 0,
		  NULL) < 0)
		return 11;
	if (netns_admin_create(&limited, "nsetest-limit", &fail) != -ENOSPC)
		return 20;
	if (fail.step != NETNS_STEP_UNSHARE ||
	    netns_admin_http_status(&fail) != 503)
		return 21;
	if (dir_count("/run/nsetest-limit/netns") != 0)
		return 22;
	return 0;
}

static void namespace_limit_gives_503_and_leaves_nothing(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(limit_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Whatever a failed test left in the directory goes before the next. */
static int test_dir_clean(void **state)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	(void)state;
	d = opendir(TEST_DIR);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		entry_path(TEST_DIR, de->d_name, path);
		while (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
			;
		unlink(path);
	}
	closedir(d);
	return 0;
}

#define ROOT_TEST(f) cmocka_unit_test_teardown(f, test_dir_clean)

static int run_root_tests(void)
{
	const struct CMUnitTest tests[] = {
		ROOT_TEST(create_makes_a_netns_like_ip_netns_add),
		ROOT_TEST(invalid_names_create_nothing),
		ROOT_TEST(stale_entries_are_listed_without_inode_and_deleted),
		ROOT_TEST(delete_never_follows_a_symlink),
		ROOT_TEST(stacked_mount_gives_ebusy_and_the_truth),
		ROOT_TEST(attach_names_a_process_netns),
		ROOT_TEST(netns_ids_are_read_not_assigned),
		cmocka_unit_test_teardown(
			parallel_first_adds_make_one_self_bind,
			race_run_unmount),
		ROOT_TEST(create_waits_for_the_iproute2_lock),
		ROOT_TEST(same_name_races_give_one_winner),
		ROOT_TEST(namespace_limit_gives_503_and_leaves_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The child that runs the tests: its own mount namespace (private, so no
 * mount propagates to the host), its own network namespace (so namespace
 * ids are assigned there), and a tmpfs on /run.
 */
static int private_world_run(void)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0) {
		perror("unshare");
		return 1;
	}
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("nsetest-admin-run", "/run", "tmpfs", 0, "mode=0755") < 0) {
		perror("mount");
		return 1;
	}
	return run_root_tests();
}

int main(void)
{
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		const char *ci = getenv("CI");

		fprintf(stderr, "test_netns_admin_root needs root\n");
		return ci && !strcmp(ci, "true") ? 1 : 77;
	}
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0)
		_exit(private_world_run());
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}

#endif
