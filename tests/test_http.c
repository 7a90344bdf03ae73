/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The real server on loopback, driven by a small HTTP client: routes and
 * status codes, gzip and OpenMetrics, collect[], shared concurrent scrapes,
 * sockets numbered above 1023, 503 over --web.max-requests, a graceful
 * stop with a scrape in flight. Collectors are doubles; ports are chosen
 * by the kernel.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "collector_doubles.h"

#include "config.h"
#include "http.h"
#include "log.h"
#include "scrape_runner.h"

/* --- collector doubles ------------------------------------------------ */

/*
 * Blocks until the gate opens (or the runner reports gate_waiting scrapes
 * waiting for this collection); counts its calls. Gives up after 10 s,
 * which fails the scrape and the test.
 */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_changed = PTHREAD_COND_INITIALIZER;
static bool gate_open = true;
static unsigned gate_calls;
static unsigned gate_waiting;
static struct scrape_runner *gate_runner;

static void gate_set(bool open)
{
	pthread_mutex_lock(&gate_lock);
	gate_open = open;
	pthread_cond_broadcast(&gate_changed);
	pthread_mutex_unlock(&gate_lock);
}

static bool gate_passable(void)
{
	struct scrape_runner_stats stats;

	if (gate_open)
		return true;
	if (!gate_waiting)
		return false;
	scrape_runner_stats(gate_runner, &stats);
	return stats.waiting >= gate_waiting;
}

static int gate_collect(struct scrape *scrape, struct collector_result *result)
{
	struct timespec until;
	int i, err = -ETIMEDOUT;

	pthread_mutex_lock(&gate_lock);
	gate_calls++;
	for (i = 0; i < 10000; i++) {
		if (gate_passable()) {
			err = 0;
			break;
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&gate_changed, &gate_lock, &until);
	}
	pthread_mutex_unlock(&gate_lock);
	result->data = "test_gate_value";
	result->render = double_name_render;
	return err;
}

static const struct collector gate = {"gate", "Gate.", true, gate_collect,
				      NULL};

static const struct collector *const doubles[] = {&alpha, &beta, &deadline,
						  &gate};
#define N_DOUBLES 4

/* --- server fixture --------------------------------------------------- */

struct fixture {
	struct config config;
	struct scrape_runner *runner;
	struct http_server *server;
	unsigned port;
};

static struct fixture *fixture_start_at(const char *address,
					unsigned max_requests)
{
	static const bool enabled[N_DOUBLES] = {true, true, true, true};
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	f->config.procfs = "/proc";
	f->config.listen[0] = address;
	f->config.n_listen = 1;
	f->config.telemetry_path = "/metrics";
	f->config.max_requests = max_requests;
	f->config.timeout_offset = 0.5;
	f->runner = scrape_runner_new(&f->config, doubles, enabled, N_DOUBLES);
	assert_non_null(f->runner);
	f->server = http_server_new(&f->config, f->runner);
	assert_non_null(f->server);
	if (http_server_start(f->server, err, sizeof(err)))
		fail_msg("server did not start: %s", err);
	assert_true(http_server_listener_count(f->server) >= 1);
	f->port = http_server_listener_port(f->server, 0);
	assert_int_not_equal(f->port, 0);
	gate_runner = f->runner;
	return f;
}

static struct fixture *fixture_start(void)
{
	return fixture_start_at("127.0.0.1:0", 40);
}

static void fixture_stop(struct fixture *f)
{
	http_server_free(f->server);
	scrape_runner_free(f->runner);
	free(f);
}

/* --- a small HTTP/1.1 client ------------------------------------------ */

struct response {
	int status;
	char *head; /* status line and headers */
	char *body;
	size_t body_len;
};

static void response_free(struct response *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}

/* Value of a header (case-insensitive name), copied into buf; NULL if absent.
 */
static const char *header(const struct response *r, const char *name, char *buf,
			  size_t len)
{
	const char *line = strstr(r->head, "\r\n");
	size_t n = strlen(name);
	const char *end, *value;

	while (line) {
		line += 2;
		end = strstr(line, "\r\n");
		if (!end)
			end = line + strlen(line);
		if (!strncasecmp(line, name, n) && line[n] == ':') {
			value = line + n + 1;
			while (*value == ' ')
				value++;
			snprintf(buf, len, "%.*s", (int)(end - value), value);
			return buf;
		}
		line = *end ? end : NULL;
	}
	return NULL;
}

/* A connection to 127.0.0.1:port from source (an IPv4 address) or any. */
static int connect_loopback_from(const char *source, unsigned port)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct sockaddr_in from = {.sin_family = AF_INET};
	struct timeval timeout = {.tv_sec = 20};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
	if (source) {
		assert_int_equal(inet_pton(AF_INET, source, &from.sin_addr), 1);
		assert_int_equal(
			bind(fd, (struct sockaddr *)&from, sizeof(from)), 0);
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int connect_loopback(unsigned port)
{
	return connect_loopback_from(NULL, port);
}

/* Decodes a chunked body in place; returns its length. */
static size_t dechunk(char *body, size_t len)
{
	size_t in = 0, out = 0, size;
	char *end;

	for (;;) {
		size = strtoul(body + in, &end, 16);
		assert_true(end != body + in);
		end = strstr(end, "\r\n");
		assert_non_null(end);
		in = (size_t)(end - body) + 2;
		if (!size)
			break;
		assert_true(in + size + 2 <= len);
		memmove(body + out, body + in, size);
		out += size;
		in += size + 2;
	}
	return out;
}

static void send_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, data, len);
		assert_true(n > 0);
		data += n;
		len -= (size_t)n;
	}
}

/*
 * Sends one request (extra: more header lines, each ending in \r\n; body:
 * body_len bytes, or NULL) and reads the whole answer; the connection is
 * closed after it.
 */
static struct response http_exchange(unsigned port, const char *method,
				     const char *path, const char *extra,
				     const char *body, size_t body_len)
{
	struct response r = {0};
	char request[2048], buf[65536], value[64], *data = NULL, *split;
	char length[64] = "";
	size_t len = 0;
	ssize_t n;
	int fd = connect_loopback(port);

	if (fd < 0)
		fail_msg("cannot connect to port %u: %s", port, strerror(-fd));
	if (body)
		snprintf(length, sizeof(length), "Content-Length: %zu\r\n",
			 body_len);
	snprintf(request, sizeof(request),
		 "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n%s",
		 method, path, length);
	send_all(fd, request, strlen(request));
	if (extra)
		send_all(fd, extra, strlen(extra));
	send_all(fd, "\r\n", 2);
	if (body)
		send_all(fd, body, body_len);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		data = realloc(data, len + (size_t)n + 1);
		assert_non_null(data);
		memcpy(data + len, buf, (size_t)n);
		len += (size_t)n;
		data[len] = '\0';
	}
	/* a server that answers before reading everything may then reset */
	if (n < 0 && !(errno == ECONNRESET && len))
		fail_msg("reading the answer: %s", strerror(errno));
	close(fd);
	assert_non_null(data);
	split = strstr(data, "\r\n\r\n");
	assert_non_null(split);
	r.head = strndup(data, (size_t)(split - data));
	r.body_len = len - (size_t)(split + 4 - data);
	r.body = malloc(r.body_len + 1);
	memcpy(r.body, split + 4, r.body_len);
	r.body[r.body_len] = '\0';
	free(data);
	assert_int_equal(sscanf(r.head, "HTTP/1.%*d %d", &r.status), 1);
	if (header(&r, "Transfer-Encoding", value, sizeof(value)) &&
	    !strcasecmp(value, "chunked")) {
		r.body_len = dechunk(r.body, r.body_len);
		r.body[r.body_len] = '\0';
	}
	return r;
}

static struct response http_call(unsigned port, const char *method,
				 const char *path, const char *extra)
{
	return http_exchange(port, method, path, extra, NULL, 0);
}

static struct response http_get(unsigned port, const char *path)
{
	return http_call(port, "GET", path, NULL);
}

static void assert_header(const struct response *r, const char *name,
			  const char *want)
{
	char value[256];

	if (!header(r, name, value, sizeof(value)))
		fail_msg("no %s header in:\n%s", name, r->head);
	if (strcmp(value, want))
		fail_msg("%s is \"%s\", not \"%s\"", name, value, want);
}

/* --- tests ------------------------------------------------------------ */

static void metrics_path_serves_the_text_page(void **state)
{
	struct fixture *f = fixture_start();
	struct response r = http_get(f->port, "/metrics");
	char value[64];

	(void)state;
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type",
		      "text/plain; version=0.0.4; charset=utf-8");
	assert_null(header(&r, "Content-Encoding", value, sizeof(value)));
	assert_true(has_line(r.body, "test_alpha_value 1"));
	assert_true(has_line(r.body, "test_beta_value 1"));
	assert_true(has_line(
		r.body,
		"namespace_scrape_collector_success{collector=\"gate\"} 1"));
	assert_non_null(strstr(r.body, "\nprocess_start_time_seconds "));
	assert_null(strstr(r.body, "# EOF"));
	response_free(&r);
	fixture_stop(f);
}

static void other_routes_and_status_codes(void **state)
{
	struct fixture *f = fixture_start();
	struct response r;

	(void)state;
	r = http_get(f->port, "/");
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type", "text/html; charset=utf-8");
	assert_non_null(strstr(r.body, "href=\"/metrics\""));
	assert_non_null(strstr(r.body, "href=\"/-/healthy\""));
	response_free(&r);

	r = http_get(f->port, "/-/healthy");
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "OK");
	response_free(&r);

	r = http_get(f->port, "/nope");
	assert_int_equal(r.status, 404);
	response_free(&r);
	r = http_get(f->port, "/metrics/extra");
	assert_int_equal(r.status, 404);
	response_free(&r);

	r = http_exchange(f->port, "POST", "/metrics", NULL, "hello", 5);
	assert_int_equal(r.status, 405);
	assert_header(&r, "Allow", "GET, HEAD");
	response_free(&r);
	r = http_call(f->port, "DELETE", "/-/healthy", NULL);
	assert_int_equal(r.status, 405);
	assert_header(&r, "Allow", "GET, HEAD");
	response_free(&r);
	r = http_call(f->port, "BREW", "/", NULL);
	assert_int_equal(r.status, 405);
	response_free(&r);

	/* HEAD: the page's headers, no body and no collection */
	gate_calls = 0;
	r = http_call(f->port, "HEAD", "/metrics", NULL);
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Type",
		      "text/plain; version=0.0.4; charset=utf-8");
	assert_int_equal(r.body_len, 0);
	assert_int_equal(gate_calls, 0);
	response_free(&r);
	fixture_stop(f);
}

static enum MHD_Result echo_rest(void *arg, const struct http_request *request)
{
	char body[256];

	snprintf(body, sizeof(body), "%s %s rest=%s body=%s(%zu)",
		 (const char *)arg, request->method, request->rest,
		 request->body_len < 64 ? request->body : "...",
		 request->body_len);
	return http_respond_text(request->connection, 200, "text/plain", body);
}

static void routes_can_be_added(void **state)
{
	struct config config = {
		.listen = {"127.0.0.1:0"},
		.n_listen = 1,
		.telemetry_path = "/custom-metrics",
		.max_requests = 40,
	};
	static const bool enabled[N_DOUBLES] = {true, false, false, false};
	struct scrape_runner *runner;
	struct http_server *server;
	struct response r;
	char err[256], *big;
	unsigned port;

	(void)state;
	runner = scrape_runner_new(&config, doubles, enabled, N_DOUBLES);
	server = http_server_new(&config, runner);
	assert_non_null(server);
	assert_int_equal(http_route_add(server, "/api/v1/netns/", true,
					HTTP_METHOD_GET | HTTP_METHOD_DELETE,
					echo_rest, "netns"),
			 0);
	assert_int_equal(http_route_add(server, "/api/v1/netns", false,
					HTTP_METHOD_GET | HTTP_METHOD_POST,
					echo_rest, "list"),
			 0);
	assert_int_equal(http_route_add(server, "/api/v1/netns/", true,
					HTTP_METHOD_GET, echo_rest, "again"),
			 -EEXIST);
	assert_int_equal(http_route_add(server, "/-/healthy", false,
					HTTP_METHOD_GET, echo_rest, "again"),
			 -EEXIST);
	assert_int_equal(http_route_add(server, "relative", false,
					HTTP_METHOD_GET, echo_rest, "bad"),
			 -EINVAL);
	assert_int_equal(http_server_start(server, err, sizeof(err)), 0);
	port = http_server_listener_port(server, 0);

	r = http_get(port, "/api/v1/netns/blue");
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "netns GET rest=blue body=(0)");
	response_free(&r);
	r = http_call(port, "DELETE", "/api/v1/netns/blue", NULL);
	assert_string_equal(r.body, "netns DELETE rest=blue body=(0)");
	response_free(&r);
	r = http_get(port, "/api/v1/netns");
	assert_string_equal(r.body, "list GET rest= body=(0)");
	response_free(&r);
	r = http_exchange(port, "POST", "/api/v1/netns", NULL,
			  "{\"name\":\"blue\"}", 15);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body,
			    "list POST rest= body={\"name\":\"blue\"}(15)");
	response_free(&r);
	big = calloc(1, 65 * 1024);
	assert_non_null(big);
	memset(big, 'x', 65 * 1024);
	r = http_exchange(port, "POST", "/api/v1/netns", NULL, big, 65 * 1024);
	assert_int_equal(r.status, 413);
	response_free(&r);
	r = http_exchange(port, "POST", "/api/v1/netns", NULL, big, 64 * 1024);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "(65536)"));
	response_free(&r);
	free(big);
	r = http_call(port, "PUT", "/api/v1/netns/blue", NULL);
	assert_int_equal(r.status, 405);
	assert_header(&r, "Allow", "GET, DELETE");
	response_free(&r);
	r = http_get(port, "/custom-metrics");
	assert_int_equal(r.status, 200);
	assert_true(has_line(r.body, "test_alpha_value 1"));
	response_free(&r);
	r = http_get(port, "/metrics");
	assert_int_equal(r.status, 404);
	response_free(&r);
	r = http_get(port, "/");
	assert_non_null(strstr(r.body, "href=\"/custom-metrics\""));
	response_free(&r);

	http_server_free(server);
	scrape_runner_free(runner);
}

static char *gunzip(const char *data, size_t len, size_t *out_len)
{
	z_stream z = {0};
	size_t cap = 1 << 20;
	char *out = malloc(cap + 1);
	int ret;

	assert_non_null(out);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	ret = inflate(&z, Z_FINISH);
	assert_int_equal(ret, Z_STREAM_END);
	*out_len = z.total_out;
	out[z.total_out] = '\0';
	inflateEnd(&z);
	return out;
}

static void gzip_when_the_client_accepts_it(void **state)
{
	struct fixture *f = fixture_start();
	struct response r;
	char *page;
	size_t len;

	(void)state;
	r = http_call(f->port, "GET", "/metrics",
		      "Accept-Encoding: deflate, gzip;q=0.9\r\n");
	assert_int_equal(r.status, 200);
	assert_header(&r, "Content-Encoding", "gzip");
	assert_header(&r, "Vary", "Accept, Accept-Encoding");
	assert_true(r.body_len > 20);
	page = gunzip(r.body, r.body_len, &len);
	assert_true(has_line(page, "test_alpha_value 1"));
	assert_true(
		has_line(page, "# TYPE namespace_exporter_build_info gauge"));
	free(page);
	response_free(&r);

	r = http_call(f->port, "GET", "/metrics",
		      "Accept-Encoding: gzip;q=0, identity\r\n");
	assert_int_equal(r.status, 200);
	assert_true(has_line(r.body, "test_alpha_value 1"));
	response_free(&r);
	fixture_stop(f);
}

static void openmetrics_when_the_client_prefers_it(void **state)
{
	struct fixture *f = fixture_start();
	struct response r;

	(void)state;
	r = http_call(
		f->port, "GET", "/metrics",
		"Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\r\n");
	assert_int_equal(r.status, 200);
	assert_header(
		&r, "Content-Type",
		"application/openmetrics-text; version=1.0.0; charset=utf-8");
	assert_true(r.body_len > 6);
	assert_string_equal(r.body + r.body_len - 6, "# EOF\n");
	assert_true(has_line(r.body, "# TYPE namespace_exporter_build info"));
	response_free(&r);

	r = http_call(
		f->port, "GET", "/metrics",
		"Accept: text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5\r\n");
	assert_header(&r, "Content-Type",
		      "text/plain; version=0.0.4; charset=utf-8");
	assert_null(strstr(r.body, "# EOF"));
	response_free(&r);
	fixture_stop(f);
}

static void collect_parameter_selects_collectors(void **state)
{
	struct fixture *f = fixture_start();
	struct response r;

	(void)state;
	r = http_get(f->port,
		     "/metrics?collect[]=alpha&collect%5B%5D=deadline");
	assert_int_equal(r.status, 200);
	assert_true(has_line(r.body, "test_alpha_value 1"));
	assert_null(strstr(r.body, "test_beta_value"));
	assert_null(strstr(r.body, "collector=\"beta\""));
	assert_true(has_line(
		r.body,
		"namespace_scrape_collector_success{collector=\"deadline\"} 1"));
	response_free(&r);

	r = http_get(f->port, "/metrics?collect[]=alpha&collect[]=nope");
	assert_int_equal(r.status, 400);
	assert_string_equal(r.body, "unknown collector \"nope\"\n");
	response_free(&r);
	fixture_stop(f);
}

static void timeout_header_becomes_the_deadline(void **state)
{
	struct fixture *f = fixture_start();
	struct response r;
	double before;

	(void)state;
	before = monotonic_seconds();
	r = http_call(f->port, "GET", "/metrics?collect[]=deadline",
		      "X-Prometheus-Scrape-Timeout-Seconds: 10\r\n");
	assert_int_equal(r.status, 200);
	assert_true(seen_deadline >= before + 9.5);
	assert_true(seen_deadline <= monotonic_seconds() + 9.5);
	response_free(&r);

	/* without the header there is no deadline */
	r = http_get(f->port, "/metrics?collect[]=deadline");
	assert_true(seen_deadline == 0);
	response_free(&r);
	fixture_stop(f);
}

/* Waits up to 10 s for the runner to count in_flight admitted scrapes. */
static void wait_in_flight(struct scrape_runner *runner, unsigned in_flight)
{
	struct scrape_runner_stats stats;
	int i;

	for (i = 0; i < 10000; i++) {
		scrape_runner_stats(runner, &stats);
		if (stats.in_flight == in_flight)
			return;
		usleep(1000);
	}
	fail_msg("in_flight stayed %u, wanted %u", stats.in_flight, in_flight);
}

struct client {
	unsigned port;
	const char *path;
	const char *extra;
	struct response response;
};

static void *client_run(void *arg)
{
	struct client *client = arg;

	client->response =
		http_call(client->port, "GET", client->path, client->extra);
	return NULL;
}

#define N_CONCURRENT 4

static void concurrent_scrapes_share_and_complete(void **state)
{
	struct fixture *f = fixture_start();
	struct client clients[N_CONCURRENT];
	pthread_t threads[N_CONCURRENT];
	struct scrape_runner_stats stats;
	int i;

	(void)state;
	/* the first collection waits until the other three have joined it */
	gate_calls = 0;
	gate_waiting = N_CONCURRENT - 1;
	gate_set(false);
	for (i = 0; i < N_CONCURRENT; i++) {
		clients[i] = (struct client){f->port, "/metrics", NULL, {0}};
		assert_int_equal(pthread_create(&threads[i], NULL, client_run,
						&clients[i]),
				 0);
	}
	for (i = 0; i < N_CONCURRENT; i++)
		pthread_join(threads[i], NULL);
	gate_waiting = 0;
	gate_set(true);

	assert_int_equal(gate_calls, 1);
	scrape_runner_stats(f->runner, &stats);
	assert_int_equal(stats.collections, 1);
	assert_int_equal(stats.shared, N_CONCURRENT - 1);
	/* every response ends and gives its admission back */
	wait_in_flight(f->runner, 0);
	for (i = 0; i < N_CONCURRENT; i++) {
		assert_int_equal(clients[i].response.status, 200);
		assert_true(has_line(
			clients[i].response.body,
			"namespace_scrape_collector_success{collector=\"gate\"} 1"));
		assert_non_null(strstr(clients[i].response.body,
				       "\nprocess_start_time_seconds "));
		/* one collection: the same page, byte for byte */
		assert_int_equal(clients[i].response.body_len,
				 clients[0].response.body_len);
		assert_memory_equal(clients[i].response.body,
				    clients[0].response.body,
				    clients[0].response.body_len);
	}
	for (i = 0; i < N_CONCURRENT; i++)
		response_free(&clients[i].response);
	fixture_stop(f);
}

/* Lowest free descriptor number now. */
static int next_fd(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	assert_true(fd >= 0);
	close(fd);
	return fd;
}

#define N_EXTRA_FDS 1100

static int extra_fds[N_EXTRA_FDS];
static int n_extra_fds;
static struct rlimit saved_limit;

static void extra_fds_open(void)
{
	for (; n_extra_fds < N_EXTRA_FDS; n_extra_fds++) {
		extra_fds[n_extra_fds] =
			open("/dev/null", O_RDONLY | O_CLOEXEC);
		assert_true(extra_fds[n_extra_fds] >= 0);
	}
}

static void extra_fds_close(void)
{
	while (n_extra_fds)
		close(extra_fds[--n_extra_fds]);
}

/* Room for the extra descriptors; skips the test where there is none. */
static int extra_fds_setup(void **state)
{
	struct rlimit limit;

	if (getrlimit(RLIMIT_NOFILE, &saved_limit) < 0)
		return -1;
	limit = saved_limit;
	if (limit.rlim_cur >= 4096)
		return 0;
	limit.rlim_cur = 4096;
	if (limit.rlim_max < 4096)
		limit.rlim_max = 4096;
	return setrlimit(RLIMIT_NOFILE, &limit);
}

static int extra_fds_teardown(void **state)
{
	extra_fds_close();
	return setrlimit(RLIMIT_NOFILE, &saved_limit);
}

static void serves_with_descriptors_above_1023(void **state)
{
	struct fixture *f;
	struct response r;

	(void)state;
	extra_fds_open();
	/* the listening socket, and every connection, will be numbered higher
	 */
	assert_true(next_fd() > 1024);
	f = fixture_start();
	r = http_get(f->port, "/metrics");
	assert_int_equal(r.status, 200);
	assert_true(has_line(r.body, "test_alpha_value 1"));
	response_free(&r);
	r = http_get(f->port, "/-/healthy");
	assert_int_equal(r.status, 200);
	response_free(&r);
	fixture_stop(f);

	/* and a server started before the descriptors pile up */
	extra_fds_close();
	f = fixture_start();
	extra_fds_open();
	assert_true(next_fd() > 1024);
	r = http_get(f->port, "/metrics");
	assert_int_equal(r.status, 200);
	assert_true(has_line(r.body, "test_alpha_value 1"));
	response_free(&r);
	fixture_stop(f);
}

static void over_max_requests_gets_503_at_once(void **state)
{
	struct fixture *f = fixture_start_at("127.0.0.1:0", 1);
	struct client slow = {f->port, "/metrics", NULL, {0}};
	char *captured = NULL;
	size_t captured_len = 0;
	struct response r;
	pthread_t thread;
	FILE *capture;
	double start;

	(void)state;
	gate_set(false);
	assert_int_equal(pthread_create(&thread, NULL, client_run, &slow), 0);
	wait_in_flight(f->runner, 1);

	capture = open_memstream(&captured, &captured_len);
	assert_non_null(capture);
	log_setup(LOG_LEVEL_DEBUG, LOG_FORMAT_LOGFMT);
	log_set_stream(capture);
	start = monotonic_seconds();
	r = http_get(f->port, "/metrics");
	assert_int_equal(r.status, 503);
	assert_non_null(strstr(r.body, "--web.max-requests=1"));
	assert_true(monotonic_seconds() - start < 1);
	response_free(&r);
	/* the refusal is in the debug log, with who and what */
	log_set_stream(NULL);
	log_setup(LOG_LEVEL_INFO, LOG_FORMAT_LOGFMT);
	fclose(capture);
	if (!strstr(captured, "level=debug msg=\"scrape refused: too many in "
			      "flight\" remote=127.0.0.1:") ||
	    !strstr(captured, " path=/metrics\n"))
		fail_msg("no debug line for the 503 in:\n%s", captured);
	free(captured);
	/* other routes keep answering while a scrape is stuck */
	r = http_get(f->port, "/-/healthy");
	assert_int_equal(r.status, 200);
	response_free(&r);

	gate_set(true);
	pthread_join(thread, NULL);
	assert_int_equal(slow.response.status, 200);
	assert_true(has_line(slow.response.body, "test_gate_value 1"));
	response_free(&slow.response);

	/* the slot is free again once the page is sent */
	wait_in_flight(f->runner, 0);
	r = http_get(f->port, "/metrics");
	assert_int_equal(r.status, 200);
	response_free(&r);
	fixture_stop(f);
}

struct stopper {
	struct http_server *server;
	double took;
};

static void *stopper_run(void *arg)
{
	struct stopper *stopper = arg;
	double start = monotonic_seconds();

	http_server_stop(stopper->server, 20);
	stopper->took = monotonic_seconds() - start;
	return NULL;
}

static void graceful_stop_finishes_the_scrape_in_flight(void **state)
{
	struct fixture *f = fixture_start();
	struct client slow = {f->port, "/metrics", NULL, {0}};
	struct stopper stopper = {f->server, 0};
	pthread_t client_thread, stop_thread;
	int fd = -1, i;

	(void)state;
	gate_set(false);
	assert_int_equal(
		pthread_create(&client_thread, NULL, client_run, &slow), 0);
	wait_in_flight(f->runner, 1);
	assert_int_equal(
		pthread_create(&stop_thread, NULL, stopper_run, &stopper), 0);
	/*
	 * New connections are refused once the stop has begun. One caught
	 * in the backlog as the socket closes is reset; the next is refused.
	 */
	for (i = 0; i < 1000; i++) {
		fd = connect_loopback(f->port);
		if (fd < 0)
			break;
		close(fd);
		usleep(1000);
	}
	assert_true(fd == -ECONNREFUSED || fd == -ECONNRESET);
	assert_int_equal(connect_loopback(f->port), -ECONNREFUSED);

	gate_set(true);
	pthread_join(client_thread, NULL);
	pthread_join(stop_thread, NULL);
	assert_int_equal(slow.response.status, 200);
	assert_true(has_line(slow.response.body, "test_gate_value 1"));
	assert_non_null(
		strstr(slow.response.body, "\nprocess_start_time_seconds "));
	assert_true(stopper.took < 15);
	response_free(&slow.response);
	fixture_stop(f);
}

static void port_in_use_is_a_clear_error(void **state)
{
	struct fixture *f = fixture_start();
	struct config config = {.n_listen = 1, .telemetry_path = "/metrics"};
	struct http_server *server;
	char address[32], err[256], want[128];

	(void)state;
	snprintf(address, sizeof(address), "127.0.0.1:%u", f->port);
	config.listen[0] = address;
	server = http_server_new(&config, f->runner);
	assert_non_null(server);
	assert_int_equal(http_server_start(server, err, sizeof(err)),
			 -EADDRINUSE);
	snprintf(want, sizeof(want), "cannot listen on %s: %s", address,
		 strerror(EADDRINUSE));
	assert_string_equal(err, want);
	assert_int_equal(http_server_listener_count(server), 0);
	http_server_free(server);
	fixture_stop(f);
}

static bool ipv6_loopback_usable(void)
{
	struct sockaddr_in6 addr = {.sin6_family = AF_INET6,
				    .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	int fd = socket(AF_INET6, SOCK_STREAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0;
	close(fd);
	return ok;
}

static void listen_address_forms(void **state)
{
	struct fixture *f;
	struct response r;
	char want[64];

	(void)state;
	/* every address: one dual-stack socket, reachable over IPv4 */
	f = fixture_start_at(":0", 40);
	snprintf(want, sizeof(want), "[::]:%u", f->port);
	if (ipv6_loopback_usable())
		assert_string_equal(http_server_listener_address(f->server, 0),
				    want);
	r = http_get(f->port, "/-/healthy");
	assert_int_equal(r.status, 200);
	response_free(&r);
	fixture_stop(f);

	f = fixture_start_at("localhost:0", 40);
	assert_true(http_server_listener_count(f->server) >= 1);
	fixture_stop(f);

	f = fixture_start_at("127.0.0.1:0", 40);
	snprintf(want, sizeof(want), "127.0.0.1:%u", f->port);
	assert_string_equal(http_server_listener_address(f->server, 0), want);
	fixture_stop(f);

	if (!ipv6_loopback_usable())
		return;
	f = fixture_start_at("[::1]:0", 40);
	snprintf(want, sizeof(want), "[::1]:%u", f->port);
	assert_string_equal(http_server_listener_address(f->server, 0), want);
	fixture_stop(f);
}

static void libmicrohttpd_messages_go_to_the_log(void **state)
{
	struct fixture *f = fixture_start();
	char *captured = NULL, *big;
	size_t captured_len = 0;
	FILE *capture = open_memstream(&captured, &captured_len);
	long first_second, seconds, lines, i;
	struct response r;
	const char *line;

	(void)state;
	assert_non_null(capture);
	log_set_stream(capture);
	/* headers larger than the connection's memory: MHD answers 431 */
	big = malloc(136 * 1024);
	assert_non_null(big);
	memset(big, 'a', 136 * 1024 - 3);
	memcpy(big + 136 * 1024 - 3, "\r\n", 3);
	memcpy(big, "X-Big: ", 7);
	r = http_call(f->port, "GET", "/metrics", big);
	assert_int_equal(r.status, 431);
	response_free(&r);
	/* a client sending such requests in a loop floods nothing */
	first_second = (long)monotonic_seconds();
	for (i = 0; i < 60; i++) {
		r = http_call(f->port, "GET", "/metrics", big);
		assert_int_equal(r.status, 431);
		response_free(&r);
	}
	seconds = (long)monotonic_seconds() - first_second + 1;
	fixture_stop(f);
	log_set_stream(NULL);
	fclose(capture);
	assert_non_null(strstr(
		captured,
		"level=warn msg=\"libmicrohttpd reported a problem\" detail=\""));
	assert_non_null(strstr(captured, "431"));
	for (line = captured, lines = 0;
	     (line = strstr(line, "reported a problem")); line++)
		lines++;
	assert_in_range(lines, 1, HTTP_REFUSAL_LOG_PER_SECOND * (seconds + 1));
	free(captured);
	free(big);
}

/*
 * Sends raw (a whole request) on a new connection from source (NULL: any)
 * and reads until the server closes it; returns the status it answered,
 * or 0 for none.
 */
static int raw_exchange_from(const char *source, unsigned port, const char *raw)
{
	char buf[4096];
	int fd = connect_loopback_from(source, port), status = 0;
	size_t len = 0;
	ssize_t n;

	assert_true(fd >= 0);
	send_all(fd, raw, strlen(raw));
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += (size_t)n;
		if (len == sizeof(buf) - 1)
			len = 0; /* only the status line matters */
	}
	buf[len] = '\0';
	close(fd);
	if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
		status = 0;
	return status;
}

static int raw_exchange(unsigned port, const char *raw)
{
	return raw_exchange_from(NULL, port, raw);
}

/*
 * A request whose query has thousands of parameters is refused before the
 * handler runs (the connection's memory runs out while MHD splits the
 * query): what the server kept for it must still be freed. M_ARENA_MAX 1
 * puts the connection threads' allocations in the arena mallinfo2 sees;
 * LeakSanitizer checks the same in the sanitizer build.
 */
static void huge_query_refused_without_leaking(void **state)
{
	struct fixture *f = fixture_start();
	size_t query_len = 2000 * strlen("collect[]=pid&"), len, i;
	char *raw = malloc(query_len + 128);
	struct mallinfo2 before, after;
	struct response r;
	int status;

	(void)state;
	assert_non_null(raw);
	len = (size_t)sprintf(raw, "GET /metrics?");
	for (i = 0; i < 2000; i++)
		len += (size_t)sprintf(raw + len, "collect[]=pid&");
	sprintf(raw + len,
		" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
	/* warm up: thread stacks, MHD's first pools */
	for (i = 0; i < 5; i++)
		raw_exchange(f->port, raw);
	before = mallinfo2();
	for (i = 0; i < 200; i++) {
		status = raw_exchange(f->port, raw);
		/* an error status, or a close when MHD could not build one */
		assert_true(status == 0 || status >= 400);
	}
	/* the last connection's thread may still be ending */
	r = http_get(f->port, "/-/healthy");
	assert_int_equal(r.status, 200);
	response_free(&r);
	usleep(100 * 1000);
	after = mallinfo2();
	/* each leak would be more than the 28 KB query: 200 of them, 5.6 MB */
	if (after.uordblks > before.uordblks + 1024 * 1024)
		fail_msg("heap grew by %zu bytes over 200 refused requests",
			 after.uordblks - before.uordblks);
	fixture_stop(f);
	free(raw);
}

/*
 * A request that gives its body's length twice is refused before any route
 * acts on it (400, not the 405 a POST to the metrics path gets), and its
 * connection closes.
 */
static void ambiguous_body_length_is_refused(void **state)
{
	static const char *const ambiguous[] = {
		"POST /metrics HTTP/1.1\r\nHost: x\r\n"
		"Content-Length: 2\r\nContent-Length: 7\r\n\r\n{}",
		"POST /metrics HTTP/1.1\r\nHost: x\r\n"
		"Content-Length: 2\r\ncontent-length: 2\r\n\r\n{}",
		"POST /metrics HTTP/1.1\r\nHost: x\r\n"
		"Content-Length: 7\r\nTransfer-Encoding: chunked\r\n\r\n"
		"2\r\n{}\r\n0\r\n\r\n",
		/* white space before the colon: a proxy may read the length */
		"GET /-/healthy HTTP/1.1\r\nHost: x\r\n"
		"Content-Length : 44\r\nTransfer-Encoding: chunked\r\n\r\n"
		"0\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /-/healthy HTTP/1.1\r\nHost: x\r\n"
		"Content-Length\t: 0\r\n\r\n",
		/* codings other than chunked alone leave the body's end open */
		"POST /metrics HTTP/1.1\r\nHost: x\r\n"
		"Transfer-Encoding: gzip\r\n\r\n"
		"GET /-/healthy HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST /metrics HTTP/1.1\r\nHost: x\r\n"
		"Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
		"POST /metrics HTTP/1.1\r\nHost: x\r\n"
		"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
		/* libmicrohttpd would wait for ever: it keeps the space */
		"POST /metrics HTTP/1.1\r\nHost: x\r\n"
		"Transfer-Encoding: chunked \r\n\r\n0\r\n\r\n",
		/* a body that never ends: answered without waiting for it */
		"POST /metrics HTTP/1.1\r\nHost: x\r\n"
		"Content-Length: 0\r\nTransfer-Encoding: identity\r\n\r\n",
		"POST /metrics HTTP/1.1\r\nHost: x\r\n"
		"Content-Length: 9\r\nTransfer-Encoding: chunked\r\n\r\n"
		"5\r\nab",
	};
	struct fixture *f = fixture_start();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ambiguous) / sizeof(ambiguous[0]); i++)
		assert_int_equal(raw_exchange(f->port, ambiguous[i]), 400);
	assert_int_equal(raw_exchange(f->port,
				      "POST /metrics HTTP/1.1\r\nHost: x\r\n"
				      "Content-Length: 2\r\n"
				      "Connection: close\r\n\r\n{}"),
			 405);
	/* chunked alone still reaches the route */
	assert_int_equal(raw_exchange(f->port,
				      "POST /metrics HTTP/1.1\r\nHost: x\r\n"
				      "Transfer-Encoding: Chunked\r\n"
				      "Connection: close\r\n\r\n"
				      "2\r\n{}\r\n0\r\n\r\n"),
			 405);
	fixture_stop(f);
}

#define IDLE_CLIENTS 70
#define PER_ADDRESS_LIMIT 64 /* HTTP_PER_IP_CONNECTIONS in http.c */

/*
 * One address holding many idle connections (a request line and a header,
 * never finished) reaches its own limit, not the server's: the ones over
 * it are closed unanswered while another address is still served.
 */
static void idle_connections_are_limited_per_address(void **state)
{
	static const char partial[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
	static const char healthy[] = "GET /-/healthy HTTP/1.1\r\nHost: x\r\n"
				      "Connection: close\r\n\r\n";
	struct fixture *f = fixture_start();
	int idle[IDLE_CLIENTS], i, refused = 0;
	ssize_t n;
	char byte;

	(void)state;
	for (i = 0; i < IDLE_CLIENTS; i++) {
		idle[i] = connect_loopback(f->port);
		assert_true(idle[i] >= 0);
		send_all(idle[i], partial, strlen(partial));
	}
	/* the server closes the ones over the limit: EOF or a reset */
	assert_int_equal(raw_exchange_from("127.0.0.1", f->port, healthy), 0);
	for (i = 0; i < IDLE_CLIENTS; i++) {
		n = recv(idle[i], &byte, 1, MSG_DONTWAIT);
		if (!n || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
			refused++;
	}
	assert_int_equal(refused, IDLE_CLIENTS - PER_ADDRESS_LIMIT);
	assert_int_equal(raw_exchange_from("127.0.0.2", f->port, healthy), 200);
	for (i = 0; i < IDLE_CLIENTS; i++)
		close(idle[i]);
	fixture_stop(f);
}

static void address_split_forms(void **state)
{
	char host[64];
	uint16_t port;

	(void)state;
	assert_int_equal(
		http_address_split("127.0.0.1:9879", host, sizeof(host), &port),
		0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 9879);
	assert_int_equal(
		http_address_split("[::1]:80", host, sizeof(host), &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 80);
	assert_int_equal(http_address_split(":0", host, sizeof(host), &port),
			 0);
	assert_string_equal(host, "");
	assert_int_equal(port, 0);
	assert_int_equal(http_address_split("localhost:65535", host,
					    sizeof(host), &port),
			 0);
	assert_string_equal(host, "localhost");
	assert_int_equal(port, 65535);
	assert_int_equal(http_address_split("localhost", NULL, 0, NULL),
			 -EINVAL);
	assert_int_equal(http_address_split("::1:80", NULL, 0, NULL), -EINVAL);
	assert_int_equal(http_address_split("[::1]", NULL, 0, NULL), -EINVAL);
	assert_int_equal(http_address_split("[]:80", NULL, 0, NULL), -EINVAL);
	assert_int_equal(http_address_split("a:65536", NULL, 0, NULL), -EINVAL);
	assert_int_equal(http_address_split("a:-1", NULL, 0, NULL), -EINVAL);
	assert_int_equal(http_address_split("a:", NULL, 0, NULL), -EINVAL);
	assert_int_equal(http_address_split("a:80x", NULL, 0, NULL), -EINVAL);
	assert_int_equal(
		http_address_split("averylonghostname:80", host, 8, &port),
		-EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(metrics_path_serves_the_text_page),
		cmocka_unit_test(other_routes_and_status_codes),
		cmocka_unit_test(routes_can_be_added),
		cmocka_unit_test(gzip_when_the_client_accepts_it),
		cmocka_unit_test(openmetrics_when_the_client_prefers_it),
		cmocka_unit_test(collect_parameter_selects_collectors),
		cmocka_unit_test(timeout_header_becomes_the_deadline),
		cmocka_unit_test(concurrent_scrapes_share_and_complete),
		cmocka_unit_test_setup_teardown(
			serves_with_descriptors_above_1023, extra_fds_setup,
			extra_fds_teardown),
		cmocka_unit_test(over_max_requests_gets_503_at_once),
		cmocka_unit_test(graceful_stop_finishes_the_scrape_in_flight),
		cmocka_unit_test(port_in_use_is_a_clear_error),
		cmocka_unit_test(listen_address_forms),
		cmocka_unit_test(libmicrohttpd_messages_go_to_the_log),
		cmocka_unit_test(address_split_forms),
		cmocka_unit_test(huge_query_refused_without_leaking),
		cmocka_unit_test(idle_connections_are_limited_per_address),
		cmocka_unit_test(ambiguous_body_length_is_refused),
	};

	/* one arena, so mallinfo2 sees the connection threads' memory */
	mallopt(M_ARENA_MAX, 1);
	/* a server writing to a closed connection must not kill the test */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
