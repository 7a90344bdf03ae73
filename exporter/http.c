/* SPDX-License-Identifier: Apache-2.0 */
/* libmicrohttpd daemons, the route table and the built-in routes. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "exposition.h"
#include "landing.h"
#include "log.h"
#include "self_metrics.h"

/*
 * MHD's per-connection memory pool holds the request headers and the
 * response buffer the page is streamed through; its default (32 KiB)
 * would cut the buffer to a few KiB.
 */
#define HTTP_CONNECTION_MEMORY (128 * 1024)
#define HTTP_STREAM_BLOCK (64 * 1024)
/*
 * Idle connections are closed after this many seconds: long enough for
 * Prometheus to reuse a keep-alive connection between scrapes (its
 * interval is usually 15-60 s), short enough that a client holding
 * connections open without sending anything does not keep them for long.
 */
#define HTTP_IDLE_TIMEOUT 60
/*
 * Connections one client address may hold at once; more are closed as
 * soon as they are accepted. Each connection is a thread, and MHD's global
 * limit (about 1020 with poll) is shared: without this, one client could
 * open them all, idle, and lock every other client out. 64 leaves room for
 * several Prometheus servers behind one NAT address, each scraping
 * concurrently with retries.
 */
#define HTTP_PER_IP_CONNECTIONS 64

struct http_route {
	char *path;
	size_t path_len;
	bool prefix;
	unsigned methods;
	http_handler_fn handler;
	http_refused_fn refused; /* NULL: the server answers refusals alone */
	void *arg;
};

struct http_listener {
	struct MHD_Daemon *daemon;
	char address[INET6_ADDRSTRLEN + 8];
	unsigned port;
};

struct http_server {
	const struct config *config;
	struct scrape_runner *runner;

	struct http_route *routes;
	size_t n_routes;

	struct http_listener *listeners;
	size_t n_listeners;

	pthread_mutex_t lock;
	pthread_cond_t idle;
	unsigned in_flight; /* requests seen by the handler, not completed */
	bool stopped;

	struct http_hooks hooks;
	struct http_tls tls;
	bool use_tls;
};

/* Bodies beyond this are refused with 413: no route needs a large one. */
#define HTTP_MAX_BODY (64 * 1024)

/* What the access handler keeps between the calls for one request. */
struct http_pending {
	struct outbuf body;
	bool too_large;
	bool counted;  /* the access handler has seen the request */
	char *raw_uri; /* as sent, before libmicrohttpd decoded it */
};

/*
 * What a connection keeps (MHD's socket context): the server, and the
 * request being read. libmicrohttpd 0.9.75 calls the completion callback
 * only for requests the access handler has seen, so one refused before
 * (a query too large for the connection's memory) is freed when its
 * connection closes.
 */
struct http_conn {
	struct http_server *server;
	struct http_pending *pending;
	void *tls_token; /* from tls.connection_opened */
};

static const struct {
	const char *name;
	enum http_method bit;
} http_methods[] = {
	{"GET", HTTP_METHOD_GET},	{"HEAD", HTTP_METHOD_HEAD},
	{"POST", HTTP_METHOD_POST},	{"PUT", HTTP_METHOD_PUT},
	{"DELETE", HTTP_METHOD_DELETE},
};

#define N_HTTP_METHODS (sizeof(http_methods) / sizeof(http_methods[0]))

enum MHD_Result http_queue_response(struct MHD_Connection *connection,
				    unsigned status,
				    struct MHD_Response *response)
{
	const union MHD_ConnectionInfo *info;
	struct http_server *server;
	struct http_conn *conn;

	info = MHD_get_connection_info(connection,
				       MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	conn = info ? info->socket_context : NULL;
	server = conn ? conn->server : NULL;
	if (server && server->hooks.decorate)
		server->hooks.decorate(server->hooks.arg, response);
	return MHD_queue_response(connection, status, response);
}

enum MHD_Result http_respond_text(struct MHD_Connection *connection,
				  unsigned status, const char *content_type,
				  const char *body)
{
	struct MHD_Response *response;
	enum MHD_Result ret;

	response = MHD_create_response_from_buffer(strlen(body), (void *)body,
						   MHD_RESPMEM_MUST_COPY);
	if (!response)
		return MHD_NO;
	if (content_type)
		MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
					content_type);
	ret = http_queue_response(connection, status, response);
	MHD_destroy_response(response);
	return ret;
}

enum MHD_Result http_respond_plain(struct MHD_Connection *connection,
				   unsigned status, const char *body)
{
	return http_respond_text(connection, status,
				 "text/plain; charset=utf-8", body);
}

/* Per scrape response: the stream and the admission it holds. */
struct http_scrape {
	struct scrape_runner *runner;
	struct scrape_stream *stream;
};

static ssize_t http_scrape_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct http_scrape *scrape = cls;
	ssize_t n;

	n = scrape_stream_read(scrape->stream, buf, max);
	if (n > 0)
		return n;
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	log_warn("cannot write the metrics page", "err", strerror((int)-n),
		 NULL);
	return MHD_CONTENT_READER_END_WITH_ERROR;
}

static void http_scrape_free(void *cls)
{
	struct http_scrape *scrape = cls;

	scrape_stream_free(scrape->stream);
	scrape_runner_leave(scrape->runner);
	free(scrape);
}

/* The HEAD answer of the metrics path: GET's headers, no collection. */
static ssize_t empty_body_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	return MHD_CONTENT_READER_END_OF_STREAM;
}

static void add_scrape_headers(struct MHD_Response *response,
			       enum exposition_format format, bool gzip)
{
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
				exposition_content_type(format));
	MHD_add_response_header(response, MHD_HTTP_HEADER_VARY,
				"Accept, Accept-Encoding");
	if (gzip)
		MHD_add_response_header(
			response, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
}

static enum MHD_Result queue_scrape_response(struct MHD_Connection *connection,
					     struct MHD_Response *response,
					     enum exposition_format format,
					     bool gzip)
{
	enum MHD_Result ret;

	add_scrape_headers(response, format, gzip);
	ret = http_queue_response(connection, MHD_HTTP_OK, response);
	MHD_destroy_response(response);
	return ret;
}

struct collect_args {
	struct scrape_runner *runner;
	struct scrape_request *request;
	int err;
	char message[160];
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind,
				   const char *key, const char *value)
{
	struct collect_args *args = cls;

	if (strcmp(key, "collect[]"))
		return MHD_YES;
	args->err = scrape_request_only(args->request, args->runner,
					value ? value : "", args->message,
					sizeof(args->message) - 1);
	if (args->err)
		strcat(args->message, "\n");
	return args->err ? MHD_NO : MHD_YES;
}

/* Format, deadline and collect[] of a scrape; an error answer on failure. */
static int scrape_request_from(struct http_server *server,
			       struct MHD_Connection *connection,
			       struct scrape_request *request,
			       struct collect_args *args)
{
	const char *timeout;
	int err;

	err = scrape_request_init(request, server->runner);
	if (err)
		return err;
	request->format = scrape_format_negotiate(MHD_lookup_connection_value(
		connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT));
	timeout = MHD_lookup_connection_value(
		connection, MHD_HEADER_KIND,
		"X-Prometheus-Scrape-Timeout-Seconds");
	request->deadline = scrape_deadline_from_header(
		timeout, server->config->timeout_offset, monotonic_seconds());
	args->runner = server->runner;
	args->request = request;
	MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND,
				  collect_arg, args);
	return args->err;
}

static enum MHD_Result serve_collection(struct http_server *server,
					struct MHD_Connection *connection,
					const struct scrape_request *request,
					bool gzip)
{
	struct scrape_collection *collection;
	struct MHD_Response *response;
	struct http_scrape *scrape;

	scrape = calloc(1, sizeof(*scrape));
	if (!scrape)
		goto out_leave;
	scrape->runner = server->runner;
	collection = scrape_runner_collect(server->runner, request);
	if (!collection)
		goto out_free_scrape;
	scrape->stream = scrape_stream_new(collection, gzip);
	if (!scrape->stream) {
		scrape_collection_put(collection);
		goto out_free_scrape;
	}
	response = MHD_create_response_from_callback(
		MHD_SIZE_UNKNOWN, HTTP_STREAM_BLOCK, http_scrape_read, scrape,
		http_scrape_free);
	if (!response) {
		scrape_stream_free(scrape->stream);
		goto out_free_scrape;
	}
	/* the response owns scrape and the admission from here */
	return queue_scrape_response(connection, response, request->format,
				     gzip);

out_free_scrape:
	free(scrape);
out_leave:
	scrape_runner_leave(server->runner);
	return http_respond_plain(connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "out of memory\n");
}

bool http_log_limit_pass(struct http_log_limit *limit)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	int64_t now = (int64_t)monotonic_seconds();
	bool pass;

	pthread_mutex_lock(&lock);
	if (limit->second != now) {
		limit->second = now;
		limit->n = 0;
	}
	pass = limit->n < HTTP_REFUSAL_LOG_PER_SECOND;
	limit->n += pass;
	pthread_mutex_unlock(&lock);
	return pass;
}

void http_remote_address(struct MHD_Connection *connection, char *buf,
			 size_t len)
{
	const union MHD_ConnectionInfo *info;
	const struct sockaddr *addr;
	char host[INET6_ADDRSTRLEN] = "";

	snprintf(buf, len, "unknown");
	info = MHD_get_connection_info(connection,
				       MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!info || !info->client_addr)
		return;
	addr = info->client_addr;
	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *in4 = (const void *)addr;

		inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(in4->sin_port));
	} else if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)addr;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(in6->sin6_port));
	}
}

/* A scrape refused over --web.max-requests: debug, at a bounded rate. */
static void log_busy(struct MHD_Connection *connection, const char *path)
{
	static struct http_log_limit limit;
	char remote[INET6_ADDRSTRLEN + 16];

	if (!log_enabled(LOG_LEVEL_DEBUG) || !http_log_limit_pass(&limit))
		return;
	http_remote_address(connection, remote, sizeof(remote));
	log_debug("scrape refused: too many in flight", "remote", remote,
		  "path", path, NULL);
}

static enum MHD_Result handle_metrics(void *arg,
				      const struct http_request *http_request)
{
	struct http_server *server = arg;
	struct MHD_Connection *connection = http_request->connection;
	struct collect_args args = {0};
	struct scrape_request request;
	struct MHD_Response *response;
	enum MHD_Result ret;
	char busy[96];
	bool gzip;
	int err;

	gzip = scrape_gzip_accepted(MHD_lookup_connection_value(
		connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING));
	err = scrape_request_from(server, connection, &request, &args);
	if (err) {
		ret = err == -ENOMEM ? http_respond_plain(
					       connection,
					       MHD_HTTP_INTERNAL_SERVER_ERROR,
					       "out of memory\n")
				     : http_respond_plain(connection,
							  MHD_HTTP_BAD_REQUEST,
							  args.message);
		goto out_release;
	}
	if (http_request->method_bit == HTTP_METHOD_HEAD) {
		response = MHD_create_response_from_callback(
			MHD_SIZE_UNKNOWN, 1024, empty_body_read, NULL, NULL);
		ret = response ? queue_scrape_response(connection, response,
						       request.format, gzip)
			       : MHD_NO;
		goto out_release;
	}
	if (scrape_runner_admit(server->runner) < 0) {
		log_busy(connection, http_request->path);
		snprintf(busy, sizeof(busy),
			 "too many scrapes in flight (--web.max-requests=%u)\n",
			 server->config->max_requests);
		ret = http_respond_plain(connection,
					 MHD_HTTP_SERVICE_UNAVAILABLE, busy);
		goto out_release;
	}
	ret = serve_collection(server, connection, &request, gzip);
out_release:
	scrape_request_release(&request);
	return ret;
}

static enum MHD_Result handle_healthy(void *arg,
				      const struct http_request *request)
{
	return http_respond_plain(request->connection, MHD_HTTP_OK, "OK");
}

/* The landing page, built from a collection read back (landing.c). */
static enum MHD_Result handle_landing(void *arg,
				      const struct http_request *request)
{
	struct http_server *server = arg;

	return landing_serve(request, server->config, server->runner);
}

int http_route_add(struct http_server *server, const char *path, bool prefix,
		   unsigned methods, http_handler_fn handler, void *arg)
{
	struct http_route *routes, *route;
	size_t i;

	if (path[0] != '/' || !methods || !handler)
		return -EINVAL;
	for (i = 0; i < server->n_routes; i++) {
		if (!strcmp(server->routes[i].path, path) &&
		    server->routes[i].prefix == prefix)
			return -EEXIST;
	}
	routes = realloc(server->routes,
			 (server->n_routes + 1) * sizeof(*routes));
	if (!routes)
		return -ENOMEM;
	server->routes = routes;
	route = &routes[server->n_routes];
	route->path = strdup(path);
	if (!route->path)
		return -ENOMEM;
	route->path_len = strlen(path);
	route->prefix = prefix;
	route->methods = methods;
	route->handler = handler;
	route->refused = NULL;
	route->arg = arg;
	server->n_routes++;
	return 0;
}

int http_route_set_refused(struct http_server *server, const char *path,
			   http_refused_fn refused)
{
	int err = -ENOENT;
	size_t i;

	for (i = 0; i < server->n_routes; i++) {
		if (!strcmp(server->routes[i].path, path)) {
			server->routes[i].refused = refused;
			err = 0;
		}
	}
	return err;
}

/* The exact route for path, else the longest prefix route; or NULL. */
static const struct http_route *route_find(const struct http_server *server,
					   const char *path)
{
	const struct http_route *best = NULL, *route;
	size_t i;

	for (i = 0; i < server->n_routes; i++) {
		route = &server->routes[i];
		if (!route->prefix) {
			if (!strcmp(route->path, path))
				return route;
			continue;
		}
		if (!strncmp(route->path, path, route->path_len) &&
		    (!best || route->path_len > best->path_len))
			best = route;
	}
	return best;
}

static unsigned method_bit(const char *method)
{
	size_t i;

	for (i = 0; i < N_HTTP_METHODS; i++) {
		if (!strcmp(http_methods[i].name, method))
			return http_methods[i].bit;
	}
	return 0;
}

static enum MHD_Result respond_not_allowed(struct MHD_Connection *connection,
					   unsigned methods)
{
	struct MHD_Response *response;
	enum MHD_Result ret;
	char allow[64] = "";
	size_t i;

	for (i = 0; i < N_HTTP_METHODS; i++) {
		if (!(methods & http_methods[i].bit))
			continue;
		if (allow[0])
			strcat(allow, ", ");
		strcat(allow, http_methods[i].name);
	}
	response = MHD_create_response_from_buffer(
		strlen("method not allowed\n"), (void *)"method not allowed\n",
		MHD_RESPMEM_PERSISTENT);
	if (!response)
		return MHD_NO;
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, allow);
	ret = http_queue_response(connection, MHD_HTTP_METHOD_NOT_ALLOWED,
				  response);
	MHD_destroy_response(response);
	return ret;
}

/*
 * Whether value is "chunked", in any case: exactly what libmicrohttpd
 * reads as chunked. It keeps trailing white space in the value, and then
 * waits for a body whose end it cannot know.
 */
static bool transfer_coding_is_chunked(const char *value)
{
	return value && !strcasecmp(value + strspn(value, " \t"), "chunked");
}

static enum MHD_Result framing_count(void *cls, enum MHD_ValueKind kind,
				     const char *key, const char *value)
{
	unsigned *counts = cls;

	(void)kind;
	/* "Content-Length :" is still the length to a lenient proxy */
	if (strpbrk(key, " \t"))
		counts[2]++;
	else if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH))
		counts[0]++;
	else if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
		counts[1]++;
		/* only "chunked" alone says where the body ends */
		if (!transfer_coding_is_chunked(value))
			counts[2]++;
	}
	return MHD_YES;
}

/*
 * Whether the request's framing is in doubt: two Content-Length headers,
 * one beside Transfer-Encoding, a Transfer-Encoding other than "chunked"
 * alone (libmicrohttpd reads chunks only; any other coding leaves the end
 * of the body unknown), or a header name with white space before its
 * colon (which libmicrohttpd 0.9.75 keeps in the name, while a proxy may
 * strip it). libmicrohttpd picks one reading and goes on; a proxy in
 * front may have picked another, and the next request on the connection
 * would then be read from the middle of this body (request smuggling).
 * RFC 9112 (5.1, 6.3) makes each of these an error.
 */
static bool framing_ambiguous(struct MHD_Connection *connection)
{
	unsigned counts[3] = {0, 0, 0};

	MHD_get_connection_values(connection, MHD_HEADER_KIND, framing_count,
				  counts);
	return counts[0] > 1 || counts[1] > 1 || (counts[0] && counts[1]) ||
	       counts[2];
}

/* 400 for an ambiguous request, and the connection closed after it. */
static enum MHD_Result
respond_framing_refused(struct MHD_Connection *connection)
{
	static const char body[] =
		"the request's framing is ambiguous: its body's length is given more than once or in a transfer coding other than chunked alone, or a header name has white space before its colon\n";
	struct MHD_Response *response;
	enum MHD_Result ret;

	response = MHD_create_response_from_buffer(
		sizeof(body) - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!response)
		return MHD_NO;
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
				"text/plain; charset=utf-8");
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = http_queue_response(connection, MHD_HTTP_BAD_REQUEST, response);
	MHD_destroy_response(response);
	return ret;
}

static enum MHD_Result dispatch(struct http_server *server,
				struct MHD_Connection *connection,
				const char *path, const char *method,
				struct http_pending *pending)
{
	const struct http_route *route = route_find(server, path);
	struct http_request request = {
		.connection = connection,
		.method = method,
		.method_bit = method_bit(method),
		.path = path,
		.rest = route ? path + route->path_len : NULL,
		.raw_path = pending->raw_uri ? pending->raw_uri : path,
		.body = "",
		.body_too_large = pending->too_large,
		.start = monotonic_seconds(),
	};
	enum MHD_Result ret;
	unsigned status = 0;

	/* the body first, so that a refused request can be told apart */
	if (pending->body.len) {
		outbuf_putc(&pending->body, '\0');
		if (!pending->body.err) {
			request.body = pending->body.data;
			request.body_len = pending->body.len - 1;
		}
	}
	/* authentication comes first, also for paths that have no route */
	if (server->hooks.gate &&
	    server->hooks.gate(server->hooks.arg, &request, &ret, &status)) {
		if (route && route->refused)
			route->refused(route->arg, &request, status);
		return ret;
	}
	if (!route)
		return http_respond_plain(connection, MHD_HTTP_NOT_FOUND,
					  "not found\n");
	if (!(route->methods & request.method_bit))
		return respond_not_allowed(connection, route->methods);
	if (pending->too_large && !route->refused)
		return http_respond_plain(connection,
					  MHD_HTTP_CONTENT_TOO_LARGE,
					  "request body too large\n");
	if (pending->body.err)
		return http_respond_plain(connection,
					  MHD_HTTP_INTERNAL_SERVER_ERROR,
					  "out of memory\n");
	return route->handler(route->arg, &request);
}

static struct http_pending *http_pending_new(const char *raw_uri)
{
	struct http_pending *pending = calloc(1, sizeof(*pending));

	if (!pending)
		return NULL;
	outbuf_init(&pending->body, EXPOSITION_TEXT);
	pending->raw_uri = raw_uri ? strdup(raw_uri) : NULL;
	if (raw_uri && !pending->raw_uri) {
		free(pending);
		return NULL;
	}
	return pending;
}

/* Frees pending, ending the request in flight it counted. NULL-safe. */
static void http_pending_end(struct http_server *server,
			     struct http_pending *pending)
{
	bool counted;

	if (!pending)
		return;
	counted = pending->counted;
	outbuf_release(&pending->body);
	free(pending->raw_uri);
	free(pending);
	if (!counted) /* refused before the handler, e.g. headers too large */
		return;
	pthread_mutex_lock(&server->lock);
	if (!--server->in_flight)
		pthread_cond_broadcast(&server->idle);
	pthread_mutex_unlock(&server->lock);
}

static struct http_conn *http_conn_of(struct MHD_Connection *connection)
{
	const union MHD_ConnectionInfo *info;

	info = MHD_get_connection_info(connection,
				       MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return info ? info->socket_context : NULL;
}

/*
 * libmicrohttpd decodes the path before the handler sees it, and "%00"
 * would end it early: keep the path as sent for routes that need it. The
 * connection owns the copy until the request completes.
 */
static void *http_uri_seen(void *cls, const char *uri,
			   struct MHD_Connection *connection)
{
	struct http_conn *conn = http_conn_of(connection);
	struct http_pending *pending;

	if (!conn)
		return NULL;
	pending = http_pending_new(uri);
	/* a request that never completed: should not happen, costs nothing */
	http_pending_end(conn->server, conn->pending);
	conn->pending = pending;
	return pending;
}

/*
 * The connection's state: created when it opens, freed when it closes,
 * with whatever request it was still reading.
 */
static void http_connection_notify(void *cls, struct MHD_Connection *connection,
				   void **socket_context,
				   enum MHD_ConnectionNotificationCode code)
{
	struct http_conn *conn;

	struct http_server *server = cls;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		conn = calloc(1, sizeof(*conn));
		if (conn) {
			conn->server = server;
			/* before its handshake, which may take the identity */
			if (server->use_tls && server->tls.connection_opened)
				conn->tls_token =
					server->tls.connection_opened();
		}
		*socket_context = conn;
		return;
	}
	conn = *socket_context;
	*socket_context = NULL;
	if (!conn)
		return;
	http_pending_end(conn->server, conn->pending);
	if (conn->tls_token)
		server->tls.connection_closed(conn->tls_token);
	free(conn);
}

static enum MHD_Result http_access(void *cls, struct MHD_Connection *connection,
				   const char *url, const char *method,
				   const char *version, const char *upload_data,
				   size_t *upload_data_size, void **con_cls)
{
	struct http_server *server = cls;
	struct http_pending *pending = *con_cls;
	struct http_conn *conn;

	/* the first call only announces the headers: count the request */
	if (!pending || !pending->counted) {
		/* no connection state (out of memory): no security headers */
		conn = http_conn_of(connection);
		if (!conn)
			return MHD_NO;
		if (!pending)
			pending = http_pending_new(NULL);
		if (!pending)
			return MHD_NO;
		pending->counted = true;
		*con_cls = pending;
		conn->pending = pending;
		pthread_mutex_lock(&server->lock);
		server->in_flight++;
		pthread_mutex_unlock(&server->lock);
		/* at once: waiting for a body whose end is in doubt may hang */
		if (framing_ambiguous(connection))
			return respond_framing_refused(connection);
		return MHD_YES;
	}
	/* the body arrives in parts; one too large is read and dropped */
	if (*upload_data_size) {
		if (pending->body.len + *upload_data_size > HTTP_MAX_BODY)
			pending->too_large = true;
		else
			outbuf_put(&pending->body, upload_data,
				   *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	return dispatch(server, connection, url, method, pending);
}

static void http_completed(void *cls, struct MHD_Connection *connection,
			   void **con_cls, enum MHD_RequestTerminationCode code)
{
	struct http_server *server = cls;
	struct http_pending *pending = *con_cls;
	struct http_conn *conn = http_conn_of(connection);

	*con_cls = NULL;
	if (conn && conn->pending == pending)
		conn->pending = NULL;
	http_pending_end(server, pending);
}

/*
 * libmicrohttpd's own messages, mostly about malformed or oversized
 * requests: at a bounded rate, so that a client cannot flood the log.
 */
static void http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	static struct http_log_limit limit;
	char text[512];
	size_t len;

	if (!log_enabled(LOG_LEVEL_WARN) || !http_log_limit_pass(&limit))
		return;
	vsnprintf(text, sizeof(text), fmt, ap);
	len = strlen(text);
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	log_warn("libmicrohttpd reported a problem", "detail", text, NULL);
}

struct http_server *http_server_new(const struct config *config,
				    struct scrape_runner *runner)
{
	struct http_server *server;
	int err;

	server = calloc(1, sizeof(*server));
	if (!server)
		return NULL;
	server->config = config;
	server->runner = runner;
	pthread_mutex_init(&server->lock, NULL);
	pthread_cond_init(&server->idle, NULL);
	err = http_route_add(server, config->telemetry_path, false,
			     HTTP_METHOD_GET | HTTP_METHOD_HEAD, handle_metrics,
			     server);
	if (!err)
		err = http_route_add(server, "/", false,
				     HTTP_METHOD_GET | HTTP_METHOD_HEAD,
				     handle_landing, server);
	if (!err)
		err = http_route_add(server, "/-/healthy", false,
				     HTTP_METHOD_GET | HTTP_METHOD_HEAD,
				     handle_healthy, server);
	if (err) {
		http_server_free(server);
		errno = -err;
		return NULL;
	}
	return server;
}

void http_server_set_hooks(struct http_server *server,
			   const struct http_hooks *hooks)
{
	server->hooks = *hooks;
}

void http_server_set_tls(struct http_server *server, const struct http_tls *tls)
{
	server->tls = *tls;
	server->use_tls = true;
}

int http_address_split(const char *address, char *host, size_t host_len,
		       uint16_t *port)
{
	const char *colon, *host_start = address, *host_end;
	unsigned long value;
	char *end;

	if (address[0] == '[') {
		host_start = address + 1;
		host_end = strchr(host_start, ']');
		if (!host_end || host_end == host_start || host_end[1] != ':')
			return -EINVAL;
		colon = host_end + 1;
	} else {
		colon = strrchr(address, ':');
		/* a bare IPv6 address needs brackets to tell its port apart */
		if (!colon || memchr(address, ':', (size_t)(colon - address)))
			return -EINVAL;
		host_end = colon;
	}
	if (colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	errno = 0;
	value = strtoul(colon + 1, &end, 10);
	if (errno || *end || value > 65535)
		return -EINVAL;
	if (host) {
		if ((size_t)(host_end - host_start) >= host_len)
			return -EINVAL;
		memcpy(host, host_start, (size_t)(host_end - host_start));
		host[host_end - host_start] = '\0';
	}
	if (port)
		*port = (uint16_t)value;
	return 0;
}

/* Formats a bound socket's address as "1.2.3.4:port" or "[::1]:port". */
static int listener_describe(int fd, struct http_listener *listener)
{
	struct sockaddr_storage addr;
	socklen_t len = sizeof(addr);
	char host[INET6_ADDRSTRLEN];
	const void *raw;

	if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0)
		return -errno;
	if (addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)&addr;

		raw = &in6->sin6_addr;
		listener->port = ntohs(in6->sin6_port);
	} else {
		const struct sockaddr_in *in4 = (const void *)&addr;

		raw = &in4->sin_addr;
		listener->port = ntohs(in4->sin_port);
	}
	inet_ntop(addr.ss_family, raw, host, sizeof(host));
	snprintf(listener->address, sizeof(listener->address),
		 addr.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host,
		 listener->port);
	return 0;
}

/* A listening socket on addr; dual stack for the IPv6 wildcard. */
static int socket_listen(const struct sockaddr *addr, socklen_t addr_len,
			 bool v6_only)
{
	int fd, one = 1, v6_flag = v6_only, err;

	fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd < 0)
		return -errno;
	/* a restart must not wait for the old connections' TIME_WAIT */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (addr->sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6_flag,
			sizeof(v6_flag)) < 0) ||
	    bind(fd, addr, addr_len) < 0 || listen(fd, SOMAXCONN) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static void option_add(struct MHD_OptionItem *items, size_t *n,
		       enum MHD_OPTION option, const char *value)
{
	items[(*n)++] = (struct MHD_OptionItem){option, 0, (void *)value};
}

/* The GnuTLS options of a daemon, ended by MHD_OPTION_END; none without TLS. */
static void tls_options(const struct http_server *server,
			struct MHD_OptionItem items[5])
{
	size_t n = 0;

	if (server->use_tls && server->tls.retrieve) {
		items[n++] = (struct MHD_OptionItem){
			MHD_OPTION_HTTPS_CERT_CALLBACK, 0,
			(void *)server->tls.retrieve};
	} else if (server->use_tls) {
		option_add(items, &n, MHD_OPTION_HTTPS_MEM_KEY,
			   server->tls.key_pem);
		option_add(items, &n, MHD_OPTION_HTTPS_MEM_CERT,
			   server->tls.cert_pem);
	}
	if (server->use_tls) {
		option_add(items, &n, MHD_OPTION_HTTPS_PRIORITIES,
			   server->tls.priorities);
		if (server->tls.trust_pem)
			option_add(items, &n, MHD_OPTION_HTTPS_MEM_TRUST,
				   server->tls.trust_pem);
	}
	items[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
}

/*
 * Hands fd to a new daemon (which closes it when stopped); closes it on
 * failure. MHD says why it refused through the logger.
 */
static int listener_start(struct http_server *server, int fd, int family,
			  char *err_text, size_t err_len)
{
	struct http_listener *listener =
		&server->listeners[server->n_listeners];
	/*
	 * A thread per connection, over poll(). A scrape blocks its handler
	 * for the whole collection (setns, netlink dumps), so each connection
	 * has its own thread and /-/healthy or a 503 never waits behind one;
	 * a pool would stall once all its threads held scrapes. poll()
	 * because select() refuses descriptors above 1023, which a scrape
	 * over many namespaces reaches. MHD's connection limit caps threads.
	 */
	struct MHD_OptionItem tls[5];
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
			 MHD_USE_ITC | MHD_USE_ERROR_LOG;
	int err;

	err = listener_describe(fd, listener);
	if (err)
		goto out_close_fd;
	if (family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (server->use_tls)
		flags |= MHD_USE_TLS;
	tls_options(server, tls);
	/* the logger goes first so that MHD reports nothing around it */
	listener->daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, http_access, server,
		MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED,
		http_completed, server, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
		(size_t)HTTP_CONNECTION_MEMORY, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)HTTP_IDLE_TIMEOUT, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned)HTTP_PER_IP_CONNECTIONS, MHD_OPTION_URI_LOG_CALLBACK,
		http_uri_seen, server, MHD_OPTION_NOTIFY_CONNECTION,
		http_connection_notify, server, MHD_OPTION_ARRAY, tls,
		MHD_OPTION_END);
	if (!listener->daemon) {
		snprintf(
			err_text, err_len,
			"libmicrohttpd refused to serve on %s (its message says why)",
			listener->address);
		err = -EIO;
		goto out_close_fd;
	}
	server->n_listeners++;
	return 0;

out_close_fd:
	close(fd);
	return err;
}

static int listeners_grow(struct http_server *server, size_t more)
{
	struct http_listener *listeners;

	listeners = realloc(server->listeners,
			    (server->n_listeners + more) * sizeof(*listeners));
	if (!listeners)
		return -ENOMEM;
	server->listeners = listeners;
	memset(listeners + server->n_listeners, 0, more * sizeof(*listeners));
	return 0;
}

/* ":PORT": every address, IPv6 and IPv4 on one socket when we can. */
static int listen_wildcard(struct http_server *server, uint16_t port,
			   char *err_text, size_t err_len)
{
	struct sockaddr_in6 in6 = {
		.sin6_family = AF_INET6,
		.sin6_addr = IN6ADDR_ANY_INIT,
		.sin6_port = htons(port),
	};
	struct sockaddr_in in4 = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY),
		.sin_port = htons(port),
	};
	int fd, err;

	err = listeners_grow(server, 1);
	if (err)
		return err;
	fd = socket_listen((struct sockaddr *)&in6, sizeof(in6), false);
	if (fd >= 0)
		return listener_start(server, fd, AF_INET6, err_text, err_len);
	/* a kernel without IPv6 */
	if (fd != -EAFNOSUPPORT)
		return fd;
	fd = socket_listen((struct sockaddr *)&in4, sizeof(in4), false);
	if (fd < 0)
		return fd;
	return listener_start(server, fd, AF_INET, err_text, err_len);
}

/*
 * A named or numeric host: every address it resolves to (localhost may be
 * 127.0.0.1 and ::1). An address the machine lacks is skipped as long as
 * another one works; any other failure stops the start.
 */
static int listen_host(struct http_server *server, const char *host,
		       uint16_t port, char *err_text, size_t err_len)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	};
	struct addrinfo *list, *ai;
	char service[8];
	size_t n = 0, started = 0;
	int fd, err = 0, skipped = 0, gai;

	snprintf(service, sizeof(service), "%u", port);
	gai = getaddrinfo(host, service, &hints, &list);
	if (gai) {
		snprintf(err_text, err_len, "cannot resolve \"%s\": %s", host,
			 gai_strerror(gai));
		return -EINVAL;
	}
	for (ai = list; ai; ai = ai->ai_next)
		n++;
	err = listeners_grow(server, n);
	for (ai = list; ai && !err; ai = ai->ai_next) {
		fd = socket_listen(ai->ai_addr, ai->ai_addrlen, true);
		if (fd == -EADDRNOTAVAIL || fd == -EAFNOSUPPORT) {
			skipped = fd;
			continue;
		}
		err = fd < 0 ? fd
			     : listener_start(server, fd, ai->ai_family,
					      err_text, err_len);
		started += !err;
	}
	if (!err && !started)
		err = skipped;
	freeaddrinfo(list);
	return err;
}

int http_server_start(struct http_server *server, char *err_text,
		      size_t err_len)
{
	const struct config *config = server->config;
	char host[256];
	uint16_t port;
	size_t i;
	int err = 0;

	err_text[0] = '\0';
	for (i = 0; i < config->n_listen && !err; i++) {
		err = http_address_split(config->listen[i], host, sizeof(host),
					 &port);
		if (err) {
			snprintf(err_text, err_len,
				 "invalid listen address \"%s\"",
				 config->listen[i]);
			break;
		}
		err = host[0] ? listen_host(server, host, port, err_text,
					    err_len)
			      : listen_wildcard(server, port, err_text,
						err_len);
		if (err && !err_text[0])
			snprintf(err_text, err_len, "cannot listen on %s: %s",
				 config->listen[i], strerror(-err));
	}
	if (err)
		http_server_stop(server, 0);
	return err;
}

size_t http_server_listener_count(const struct http_server *server)
{
	return server->n_listeners;
}

const char *http_server_listener_address(const struct http_server *server,
					 size_t index)
{
	return index < server->n_listeners ? server->listeners[index].address
					   : NULL;
}

unsigned http_server_listener_port(const struct http_server *server,
				   size_t index)
{
	return index < server->n_listeners ? server->listeners[index].port : 0;
}

static void wait_for_requests(struct http_server *server, double grace_seconds)
{
	struct timespec until;
	double whole;

	clock_gettime(CLOCK_REALTIME, &until);
	whole = (double)until.tv_sec + (double)until.tv_nsec / 1e9 +
		grace_seconds;
	until.tv_sec = (time_t)whole;
	until.tv_nsec = (long)((whole - (double)until.tv_sec) * 1e9);
	pthread_mutex_lock(&server->lock);
	while (server->in_flight) {
		if (pthread_cond_timedwait(&server->idle, &server->lock,
					   &until) == ETIMEDOUT)
			break;
	}
	if (server->in_flight) {
		char count[32];

		log_warn(
			"requests still in flight at the end of the grace period",
			"requests", log_num(count, server->in_flight), NULL);
	}
	pthread_mutex_unlock(&server->lock);
}

void http_server_stop(struct http_server *server, double grace_seconds)
{
	MHD_socket fd;
	size_t i;

	if (server->stopped)
		return;
	server->stopped = true;
	/* stop accepting first; connections already open keep being served */
	for (i = 0; i < server->n_listeners; i++) {
		fd = MHD_quiesce_daemon(server->listeners[i].daemon);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	}
	if (grace_seconds > 0)
		wait_for_requests(server, grace_seconds);
	for (i = 0; i < server->n_listeners; i++)
		MHD_stop_daemon(server->listeners[i].daemon);
	free(server->listeners);
	server->listeners = NULL;
	server->n_listeners = 0;
}

void http_server_free(struct http_server *server)
{
	size_t i;

	if (!server)
		return;
	http_server_stop(server, 0);
	for (i = 0; i < server->n_routes; i++)
		free(server->routes[i].path);
	free(server->routes);
	pthread_cond_destroy(&server->idle);
	pthread_mutex_destroy(&server->lock);
	free(server);
}
