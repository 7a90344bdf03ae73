// SPDX-License-Identifier: Apache-2.0
/*
 * The admin API and the web configuration on a real server on loopback,
 * without root: basic auth on every route (401 with WWW-Authenticate), the
 * configured headers on every answer, 403 for a user who is not an admin,
 * 405 with Allow, 400 for names that must create nothing, the raw path
 * (an encoded NUL is refused, not cut), JSON error bodies, the counter,
 * the admin API off (404), SIGHUP-style reloads that keep the old file
 * when the new one is bad, and the plain-HTTP transport rule. Creating
 * namespaces needs root and is tested in tests/integration/it_admin.sh.
 */
#include <arpa/inet.h>
#include <crypt.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "admin_api.h"
#include "config.h"
#include "http.h"
#include "log.h"
#include "scrape_runner.h"
#include "web_access.h"

struct reply {
	unsigned status;
	char headers[4096];
	char body[8192];
};

struct world {
	char dir[64];
	char web_path[128];
	char admin_path[128];
	char netns_dir[128];
	struct config config;
	struct netns_admin netns;
	struct scrape_runner *runner;
	struct web_access *access;
	struct admin_api *api;
	struct http_server *server;
	unsigned port;
	char hash_alice[61];
	char hash_root[61];
};

static void make_hash(const char *password, char out[61])
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *data = calloc(1, sizeof(*data));

	assert_non_null(data);
	assert_non_null(
		crypt_gensalt_rn("$2y$", 4, NULL, 0, setting, sizeof(setting)));
	assert_non_null(crypt_rn(password, setting, data, sizeof(*data)));
	memcpy(out, data->output, 61);
	free(data);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void base64(const char *in, char *out)
{
	static const char table[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = strlen(in), i;
	unsigned v;

	for (i = 0; i < len; i += 3) {
		v = (unsigned char)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < len)
			v |= (unsigned char)in[i + 2];
		*out++ = table[v >> 18 & 63];
		*out++ = table[v >> 12 & 63];
		*out++ = i + 1 < len ? table[v >> 6 & 63] : '=';
		*out++ = i + 2 < len ? table[v & 63] : '=';
	}
	*out = '\0';
}

/* One request on a fresh connection; credentials "user:password" or NULL. */
static void request(unsigned port, const char *method, const char *path,
		    const char *credentials, const char *body,
		    struct reply *reply)
{
	struct sockaddr_in addr = {.sin_family = AF_INET,
				   .sin_port = htons(port)};
	char auth[256] = "", encoded[200], raw[16384], *out;
	size_t got = 0, out_len, body_len = body ? strlen(body) : 0;
	ssize_t n;
	char *split;
	int fd;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (credentials) {
		base64(credentials, encoded);
		snprintf(auth, sizeof(auth), "Authorization: Basic %s\r\n",
			 encoded);
	}
	out_len = strlen(method) + strlen(path) + strlen(auth) + body_len + 128;
	out = malloc(out_len);
	assert_non_null(out);
	snprintf(out, out_len,
		 "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s"
		 "Content-Length: %zu\r\n\r\n%s",
		 method, path, auth, body_len, body ? body : "");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)),
			 0);
	for (got = 0; got < strlen(out); got += (size_t)n) {
		n = write(fd, out + got, strlen(out) - got);
		assert_true(n > 0);
	}
	free(out);
	got = 0;
	while ((n = read(fd, raw + got, sizeof(raw) - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	raw[got] = '\0';
	memset(reply, 0, sizeof(*reply));
	assert_int_equal(sscanf(raw, "HTTP/1.1 %u", &reply->status), 1);
	split = strstr(raw, "\r\n\r\n");
	assert_non_null(split);
	snprintf(reply->headers, sizeof(reply->headers), "%.*s",
		 (int)(split - raw), raw);
	snprintf(reply->body, sizeof(reply->body), "%s", split + 4);
}

static bool has_header(const struct reply *reply, const char *line)
{
	return strcasestr(reply->headers, line) != NULL;
}

static void world_write_files(struct world *w, bool alice_is_admin)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "basic_auth_users:\n  alice: '%s'\n  root: '%s'\n"
		 "http_server_config:\n  headers:\n    X-Frame-Options: deny\n",
		 w->hash_alice, w->hash_root);
	write_text(w->web_path, text);
	snprintf(text, sizeof(text), "admin_users:\n  root: '%s'\n%s%s%s",
		 w->hash_root, alice_is_admin ? "  alice: '" : "",
		 alice_is_admin ? w->hash_alice : "",
		 alice_is_admin ? "'\n" : "");
	write_text(w->admin_path, text);
}

static const struct collector *no_collectors[1];
static const bool no_flags[1];

static struct world *world_start(bool admin_on)
{
	struct world *w = calloc(1, sizeof(*w));
	char err[512];

	assert_non_null(w);
	strcpy(w->dir, "/tmp/nsetest-admin-api.XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	snprintf(w->web_path, sizeof(w->web_path), "%s/web.yml", w->dir);
	snprintf(w->admin_path, sizeof(w->admin_path), "%s/admin.yml", w->dir);
	snprintf(w->netns_dir, sizeof(w->netns_dir), "%s/netns", w->dir);
	make_hash("alice-pw", w->hash_alice);
	make_hash("root-pw", w->hash_root);
	world_write_files(w, false);
	w->access = web_access_new(w->web_path, admin_on ? w->admin_path : NULL,
				   err, sizeof(err));
	if (!w->access)
		fail_msg("web_access_new: %s", err);
	w->config.listen[0] = "127.0.0.1:0";
	w->config.n_listen = 1;
	w->config.telemetry_path = "/metrics";
	w->config.procfs = "/proc";
	w->netns = (struct netns_admin){w->netns_dir, "/proc"};
	/* no collectors: the self metrics carry the admin counter */
	w->runner = scrape_runner_new(&w->config, no_collectors, no_flags, 0);
	assert_non_null(w->runner);
	w->server = http_server_new(&w->config, w->runner);
	assert_non_null(w->server);
	http_server_set_hooks(w->server,
			      &(struct http_hooks){web_access_gate,
						   web_access_decorate,
						   w->access});
	w->api = admin_api_new(&w->netns, w->access);
	assert_non_null(w->api);
	assert_int_equal(admin_api_register(w->api, w->server), 0);
	assert_int_equal(http_server_start(w->server, err, sizeof(err)), 0);
	w->port = http_server_listener_port(w->server, 0);
	return w;
}

static void world_stop(struct world *w)
{
	http_server_free(w->server);
	admin_api_free(w->api);
	scrape_runner_free(w->runner);
	web_access_free(w->access);
	unlink(w->web_path);
	unlink(w->admin_path);
	rmdir(w->netns_dir);
	assert_int_equal(rmdir(w->dir), 0);
	free(w);
}

static int setup(void **state)
{
	log_setup(LOG_LEVEL_ERROR, LOG_FORMAT_LOGFMT);
	*state = world_start(true);
	return 0;
}

static int teardown(void **state)
{
	world_stop(*state);
	return 0;
}

static void assert_logged(const char *log, const char *text)
{
	if (!strstr(log, text))
		fail_msg("no \"%s\" in the log:\n%s", text, log);
}

static void every_route_wants_credentials(void **state)
{
	struct world *w = *state;
	char *captured = NULL;
	size_t captured_len = 0;
	FILE *capture = open_memstream(&captured, &captured_len);
	struct reply r;

	assert_non_null(capture);
	log_setup(LOG_LEVEL_DEBUG, LOG_FORMAT_LOGFMT);
	log_set_stream(capture);
	request(w->port, "GET", "/metrics", NULL, NULL, &r);
	log_set_stream(NULL);
	log_setup(LOG_LEVEL_ERROR, LOG_FORMAT_LOGFMT);
	fclose(capture);
	assert_logged(captured, "level=debug msg=\"request refused: not "
				"authenticated\" remote=127.0.0.1:");
	assert_logged(captured, " path=/metrics\n");
	free(captured);
	assert_int_equal(r.status, 401);
	assert_true(has_header(&r, "WWW-Authenticate: Basic"));
	assert_true(has_header(&r, "Content-Type: application/json"));
	assert_string_equal(r.body, "{\"error\":\"unauthorized\"}\n");
	/* the configured headers go on every answer, errors too */
	assert_true(has_header(&r, "X-Frame-Options: deny"));
	request(w->port, "GET", "/nosuch", NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	request(w->port, "GET", "/-/healthy", "alice:wrong", NULL, &r);
	assert_int_equal(r.status, 401);
	request(w->port, "GET", "/-/healthy", "mallory:alice-pw", NULL, &r);
	assert_int_equal(r.status, 401);
	request(w->port, "GET", "/-/healthy", "alice:alice-pw", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_true(has_header(&r, "X-Frame-Options: deny"));
	request(w->port, "GET", "/metrics", "alice:alice-pw", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_true(has_header(&r, "X-Frame-Options: deny"));
}

static void admin_routes_want_an_admin(void **state)
{
	struct world *w = *state;
	struct reply r;

	request(w->port, "GET", "/api/v1/netns", NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	request(w->port, "GET", "/api/v1/netns", "alice:alice-pw", NULL, &r);
	assert_int_equal(r.status, 403);
	assert_non_null(strstr(r.body, "{\"error\":"));
	request(w->port, "GET", "/api/v1/netns", "root:nope", NULL, &r);
	assert_int_equal(r.status, 401);
	assert_true(has_header(&r, "WWW-Authenticate: Basic"));
	request(w->port, "GET", "/api/v1/netns", "root:root-pw", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_true(has_header(&r, "Content-Type: application/json"));
	assert_string_equal(r.body, "[]\n"); /* no directory yet */
}

static void wrong_methods_get_405_with_allow(void **state)
{
	struct world *w = *state;
	struct reply r;

	request(w->port, "PUT", "/api/v1/netns/nsetest-x", "root:root-pw", NULL,
		&r);
	assert_int_equal(r.status, 405);
	assert_true(has_header(&r, "Allow: POST, DELETE"));
	assert_non_null(strstr(r.body, "{\"error\":"));
	request(w->port, "POST", "/api/v1/netns", "root:root-pw", NULL, &r);
	assert_int_equal(r.status, 405);
	assert_true(has_header(&r, "Allow: GET"));
	request(w->port, "GET", "/api/v1/netns/nsetest-x", "root:root-pw", NULL,
		&r);
	assert_int_equal(r.status, 405);
}

static void invalid_names_get_400_and_create_nothing(void **state)
{
	static const char *const paths[] = {
		"/api/v1/netns/..",
		"/api/v1/netns/%2e%2e",
		"/api/v1/netns/a%2Fb",
		"/api/v1/netns/nsetest-a%00b",
		"/api/v1/netns/nsetest-a%0Ab",
		"/api/v1/netns/",
		"/api/v1/netns/nsetest-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"/api/v1/netns/nsetest-%zz",
	};
	struct world *w = *state;
	struct stat st;
	struct reply r;
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		request(w->port, "POST", paths[i], "root:root-pw", NULL, &r);
		if (r.status != 400)
			fail_msg("%s: status %u, body %s", paths[i], r.status,
				 r.body);
		assert_non_null(
			strstr(r.body, "{\"error\":\"invalid request: "));
	}
	/* the NUL is refused, not cut: the error is about the NUL */
	request(w->port, "POST", "/api/v1/netns/blue%00x", "root:root-pw", NULL,
		&r);
	assert_non_null(strstr(r.body, "NUL"));
	request(w->port, "POST", "/api/v1/netns/nsetest-b", "root:root-pw",
		"{\"pid\": \"1\"}", &r);
	assert_int_equal(r.status, 400);
	/* nothing anywhere: not even the directory */
	assert_int_equal(stat(w->netns_dir, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void delete_of_a_missing_name_is_404(void **state)
{
	struct world *w = *state;
	struct reply r;

	request(w->port, "DELETE", "/api/v1/netns/nsetest-none", "root:root-pw",
		NULL, &r);
	assert_int_equal(r.status, 404);
	assert_string_equal(
		r.body,
		"{\"error\":\"cannot remove the netns entry: no such netns\"}\n");
}

static void requests_are_counted(void **state)
{
	struct world *w = *state;
	struct admin_api_counts before, after;
	struct outbuf page;
	struct reply r;

	admin_api_counts_read(&before);
	request(w->port, "GET", "/api/v1/netns", "root:root-pw", NULL, &r);
	request(w->port, "GET", "/api/v1/netns", "alice:alice-pw", NULL, &r);
	request(w->port, "POST", "/api/v1/netns/..", "root:root-pw", NULL, &r);
	admin_api_counts_read(&after);
	assert_int_equal(after.n[ADMIN_OP_LIST][0],
			 before.n[ADMIN_OP_LIST][0] + 1);
	assert_int_equal(after.n[ADMIN_OP_LIST][5],
			 before.n[ADMIN_OP_LIST][5] + 1);
	assert_int_equal(after.n[ADMIN_OP_CREATE][3],
			 before.n[ADMIN_OP_CREATE][3] + 1);
	outbuf_init(&page, EXPOSITION_TEXT);
	admin_api_counts_render(&after, &page);
	outbuf_putc(&page, '\0');
	assert_non_null(strstr(
		page.data,
		"# TYPE namespace_exporter_admin_requests_total counter\n"));
	assert_non_null(strstr(
		page.data,
		"namespace_exporter_admin_requests_total{operation=\"list\",code=\"403\"} "));
	outbuf_release(&page);
	/* and it is on the page */
	request(w->port, "GET", "/metrics", "alice:alice-pw", NULL, &r);
	assert_non_null(strstr(
		r.body,
		"namespace_exporter_admin_requests_total{operation=\"create\",code=\"400\"}"));
}

/* Counter indexes of the codes these tests look at (admin_api.c's table). */
enum { CODE_400 = 3, CODE_401 = 4, CODE_413 = 9 };

/*
 * Refusals before the admin handler (the web gate's 401) and a body too
 * large are admin requests too: logged with the operation the method
 * names, and counted. An attach body that is refused counts as attach.
 */
static void refused_admin_requests_are_logged_and_counted(void **state)
{
	struct world *w = *state;
	struct admin_api_counts before, after;
	char *captured = NULL, *big;
	size_t captured_len = 0;
	FILE *capture = open_memstream(&captured, &captured_len);
	struct reply r;

	assert_non_null(capture);
	big = malloc(70 * 1024 + 1);
	assert_non_null(big);
	memset(big, ' ', 70 * 1024);
	big[70 * 1024] = '\0';
	memcpy(big, "{\"pid\": 1}", 10);
	log_setup(LOG_LEVEL_INFO, LOG_FORMAT_LOGFMT);
	log_set_stream(capture);
	admin_api_counts_read(&before);
	request(w->port, "GET", "/api/v1/netns", NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	request(w->port, "DELETE", "/api/v1/netns/nsetest-x", "root:nope", NULL,
		&r);
	assert_int_equal(r.status, 401);
	request(w->port, "POST", "/api/v1/netns/nsetest-x", "root:root-pw", big,
		&r);
	assert_int_equal(r.status, 413);
	assert_true(has_header(&r, "Content-Type: application/json"));
	assert_non_null(strstr(r.body, "{\"error\":"));
	request(w->port, "POST", "/api/v1/netns/nsetest-x", "root:root-pw",
		"{\"pid\": \"one\"}", &r);
	assert_int_equal(r.status, 400);
	admin_api_counts_read(&after);
	log_set_stream(NULL);
	log_setup(LOG_LEVEL_ERROR, LOG_FORMAT_LOGFMT);
	fclose(capture);
	assert_int_equal(after.n[ADMIN_OP_LIST][CODE_401],
			 before.n[ADMIN_OP_LIST][CODE_401] + 1);
	assert_int_equal(after.n[ADMIN_OP_DELETE][CODE_401],
			 before.n[ADMIN_OP_DELETE][CODE_401] + 1);
	assert_int_equal(after.n[ADMIN_OP_ATTACH][CODE_413],
			 before.n[ADMIN_OP_ATTACH][CODE_413] + 1);
	assert_int_equal(after.n[ADMIN_OP_ATTACH][CODE_400],
			 before.n[ADMIN_OP_ATTACH][CODE_400] + 1);
	assert_int_equal(after.n[ADMIN_OP_CREATE][CODE_400],
			 before.n[ADMIN_OP_CREATE][CODE_400]);
	assert_logged(captured, "operation=list netns=\"\" status=401 ");
	assert_logged(captured, "user=root operation=delete "
				"netns=nsetest-x status=401 ");
	assert_logged(captured, "operation=attach netns=nsetest-x status=413 ");
	assert_null(strstr(captured, "nope")); /* never a password */
	free(captured);
	free(big);
}

static void
reload_takes_a_good_file_and_keeps_the_old_on_a_bad_one(void **state)
{
	struct world *w = *state;
	struct reply r;

	world_write_files(w, true);
	assert_int_equal(web_access_reload(w->access), 0);
	request(w->port, "GET", "/api/v1/netns", "alice:alice-pw", NULL, &r);
	assert_int_equal(r.status, 200);
	write_text(w->admin_path, "admin_users:\n  alice: abhWCwoTZY2c6\n");
	assert_int_equal(web_access_reload(w->access), -EINVAL);
	request(w->port, "GET", "/api/v1/netns", "alice:alice-pw", NULL, &r);
	assert_int_equal(r.status, 200);
	write_text(w->web_path, "basic_auth_users: [\n");
	assert_int_equal(web_access_reload(w->access), -EINVAL);
	request(w->port, "GET", "/-/healthy", NULL, NULL, &r);
	assert_int_equal(r.status, 401);
}

static void admin_off_answers_404(void **state)
{
	struct world *w = world_start(false);
	struct reply r;

	(void)state;
	request(w->port, "GET", "/api/v1/netns", "root:root-pw", NULL, &r);
	assert_int_equal(r.status, 404);
	assert_non_null(strstr(r.body, "admin API is off"));
	request(w->port, "POST", "/api/v1/netns/nsetest-x", "root:root-pw",
		NULL, &r);
	assert_int_equal(r.status, 404);
	world_stop(w);
}

static void plain_http_admin_needs_loopback(void **state)
{
	struct config config = {0};
	char err[512];

	(void)state;
	config.listen[0] = "127.0.0.1:9";
	config.listen[1] = "[::1]:9";
	config.listen[2] = "127.3.4.5:9";
	config.n_listen = 3;
	assert_int_equal(admin_api_transport_check(&config, false, false, err,
						   sizeof(err)),
			 0);
	config.listen[3] = ":9";
	config.n_listen = 4;
	assert_int_equal(admin_api_transport_check(&config, false, false, err,
						   sizeof(err)),
			 -EPERM);
	assert_non_null(strstr(err, " :9,"));
	assert_int_equal(admin_api_transport_check(&config, true, false, err,
						   sizeof(err)),
			 0);
	assert_int_equal(admin_api_transport_check(&config, false, true, err,
						   sizeof(err)),
			 0);
	assert_false(web_access_address_is_loopback("0.0.0.0:9"));
	assert_false(web_access_address_is_loopback("[::]:9"));
	assert_false(web_access_address_is_loopback("10.1.2.3:9"));
	assert_true(web_access_address_is_loopback("[::ffff:127.0.0.1]:9"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(every_route_wants_credentials,
						setup, teardown),
		cmocka_unit_test_setup_teardown(admin_routes_want_an_admin,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			wrong_methods_get_405_with_allow, setup, teardown),
		cmocka_unit_test_setup_teardown(
			invalid_names_get_400_and_create_nothing, setup,
			teardown),
		cmocka_unit_test_setup_teardown(delete_of_a_missing_name_is_404,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			refused_admin_requests_are_logged_and_counted, setup,
			teardown),
		cmocka_unit_test_setup_teardown(requests_are_counted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			reload_takes_a_good_file_and_keeps_the_old_on_a_bad_one,
			setup, teardown),
		cmocka_unit_test(admin_off_answers_404),
		cmocka_unit_test(plain_http_admin_needs_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
