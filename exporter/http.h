/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP server: libmicrohttpd with a thread per connection over poll()
 * (never select(), which refuses descriptors above 1023), one daemon per
 * listening socket, and a route table that other modules extend with
 * http_route_add. The telemetry path, / and /-/healthy are built in.
 */
#ifndef NSE_HTTP_H
#define NSE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <gnutls/abstract.h>
#include <microhttpd.h>

#include "config.h"
#include "scrape_runner.h"

/* How long a graceful stop waits for requests in flight, at most. */
#define HTTP_STOP_GRACE_SECONDS 30.0

struct http_server;

enum http_method {
	HTTP_METHOD_GET = 1 << 0,
	HTTP_METHOD_HEAD = 1 << 1,
	HTTP_METHOD_POST = 1 << 2,
	HTTP_METHOD_PUT = 1 << 3,
	HTTP_METHOD_DELETE = 1 << 4,
};

struct http_request {
	struct MHD_Connection *connection;
	const char *method;	     /* as the client sent it */
	enum http_method method_bit; /* the method, known to be allowed */
	const char *path;	     /* URL path, decoded, without the query */
	const char *rest;	     /* for a prefix route, the path after it */
	/* the path as sent, still percent-encoded, with any query */
	const char *raw_path;
	/* the request body, NUL-terminated ("" when none), up to 64 KiB */
	const char *body;
	size_t body_len;
	/*
	 * The body was over 64 KiB and dropped (body is ""); only handlers of
	 * routes with http_route_set_refused see this, the others never run.
	 */
	bool body_too_large;
	double start; /* monotonic seconds when the request was routed */
};

/*
 * Answers one request by queueing a response on request->connection.
 * Returns MHD_YES, or MHD_NO to make libmicrohttpd drop the connection.
 */
typedef enum MHD_Result (*http_handler_fn)(void *arg,
					   const struct http_request *request);

/*
 * A server for config's listen addresses and telemetry path, serving
 * scrapes through runner (both must outlive the server). Nothing listens
 * until http_server_start. NULL with errno set.
 */
struct http_server *http_server_new(const struct config *config,
				    struct scrape_runner *runner);

/*
 * Routes requests for path (or, with prefix true, for every path that
 * starts with it) whose method is in methods (a mask of enum http_method)
 * to handler; other methods get 405 with an Allow header. Call before
 * http_server_start. 0, -EEXIST when the path has a route, -EINVAL for a
 * path not starting with / or an empty mask, -ENOMEM.
 */
int http_route_add(struct http_server *server, const char *path, bool prefix,
		   unsigned methods, http_handler_fn handler, void *arg);

/*
 * Told of a request to a route that was answered before the route's
 * handler ran, by the gate hook: status is what the gate answered, 0 when
 * it dropped the connection without an answer.
 */
typedef void (*http_refused_fn)(void *arg, const struct http_request *request,
				unsigned status);

/*
 * Makes the routes added for path (prefix or not) answer for their
 * refusals, for routes that log and count every request: refused is
 * called for requests the gate answered, and a body too large reaches the
 * handler (request->body_too_large) instead of a plain-text 413. Before
 * http_server_start. 0, or -ENOENT when path has no route.
 */
int http_route_set_refused(struct http_server *server, const char *path,
			   http_refused_fn refused);

/*
 * Binds every listen address and starts serving. Returns 0, or a negative
 * errno with a message naming the address in err (err_len bytes), after
 * releasing whatever it had started.
 */
int http_server_start(struct http_server *server, char *err, size_t err_len);

/* Sockets being listened on after start; an address may give several. */
size_t http_server_listener_count(const struct http_server *server);
/* "127.0.0.1:9879", "[::]:9879": the address as bound, real port included. */
const char *http_server_listener_address(const struct http_server *server,
					 size_t index);
unsigned http_server_listener_port(const struct http_server *server,
				   size_t index);

/*
 * Graceful stop: stops accepting connections, waits up to grace_seconds
 * for requests in flight to be answered, then closes everything. Safe to
 * call on a server that was never started.
 */
void http_server_stop(struct http_server *server, double grace_seconds);
/* Stops the server if needed and frees it. NULL-safe. */
void http_server_free(struct http_server *server);

/*
 * Hooks around every request, for authentication and response headers:
 * gate runs before routing and returns true when it has answered the
 * request itself (*ret is then the result, *status the HTTP status it
 * queued, 0 for none); decorate adds headers to every response queued
 * through http_queue_response, which all of ours are.
 */
struct http_hooks {
	bool (*gate)(void *arg, const struct http_request *request,
		     enum MHD_Result *ret, unsigned *status);
	void (*decorate)(void *arg, struct MHD_Response *response);
	void *arg;
};

/* Installs hooks (copied; arg must outlive the server). Before start. */
void http_server_set_hooks(struct http_server *server,
			   const struct http_hooks *hooks);

/* TLS for every listener: PEM text kept by the caller while serving. */
struct http_tls {
	const char *cert_pem;
	const char *key_pem;
	/* when set, asked for the certificate and key at each handshake */
	gnutls_certificate_retrieve_function2 *retrieve;
	/*
	 * Optional, with retrieve: told of each connection before its
	 * handshake, and when it closes (with what opened returned), so that
	 * the identities a connection may use are kept while it is open.
	 */
	void *(*connection_opened)(void);
	void (*connection_closed)(void *token);
	const char *trust_pem;	/* client CAs: ask for client certificates */
	const char *priorities; /* GnuTLS priority string */
};

/* Serves HTTPS with tls (copied, not the strings). Before start. */
void http_server_set_tls(struct http_server *server,
			 const struct http_tls *tls);

/* Adds the decorate hook's headers to response and queues it. */
enum MHD_Result http_queue_response(struct MHD_Connection *connection,
				    unsigned status,
				    struct MHD_Response *response);

/* Queues a copy of body as a response. */
enum MHD_Result http_respond_text(struct MHD_Connection *connection,
				  unsigned status, const char *content_type,
				  const char *body);
/* The same, as text/plain in UTF-8. */
enum MHD_Result http_respond_plain(struct MHD_Connection *connection,
				   unsigned status, const char *body);

/* The client's address and port as text, for logs ("unknown" if none). */
void http_remote_address(struct MHD_Connection *connection, char *buf,
			 size_t len);

/*
 * Lets a flood of refusals through to the debug log at a bounded rate:
 * true for at most HTTP_REFUSAL_LOG_PER_SECOND calls a second per limit,
 * which starts zeroed. Thread-safe.
 */
#define HTTP_REFUSAL_LOG_PER_SECOND 10
struct http_log_limit {
	int64_t second;
	unsigned n;
};

bool http_log_limit_pass(struct http_log_limit *limit);

/*
 * Splits HOST:PORT, [IPV6]:PORT or :PORT. host gets the host without
 * brackets (empty for every address) when not NULL. 0 or -EINVAL.
 */
int http_address_split(const char *address, char *host, size_t host_len,
		       uint16_t *port);

#endif
