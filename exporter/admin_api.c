// SPDX-License-Identifier: Apache-2.0
/*
 * HTTP handlers of the admin API. Names come from the raw request path,
 * not the one libmicrohttpd decoded, so that an encoded NUL is refused
 * instead of cutting the name short.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_api.h"
#include "auth.h"
#include "collector.h"
#include "json.h"
#include "log.h"

struct admin_api {
	const struct netns_admin *netns;
	struct web_access *access; /* NULL: the API is off */
};

static const unsigned codes[ADMIN_N_CODES] = {200, 201, 204, 400, 401, 403,
					      404, 405, 409, 413, 500, 503};
#define CODE_500_INDEX 10

static const char *const op_names[ADMIN_N_OPS] = {
	[ADMIN_OP_LIST] = "list",     [ADMIN_OP_CREATE] = "create",
	[ADMIN_OP_ATTACH] = "attach", [ADMIN_OP_DELETE] = "delete",
	[ADMIN_OP_OTHER] = "other",
};

/* Process-wide, as the page they appear on. Updated atomically. */
static struct admin_api_counts counters;

const char *admin_operation_name(enum admin_operation op)
{
	return op_names[op];
}

void admin_api_count(enum admin_operation op, unsigned status)
{
	size_t i;

	for (i = 0; i < ADMIN_N_CODES; i++)
		if (codes[i] == status)
			break;
	if (i == ADMIN_N_CODES)
		i = CODE_500_INDEX; /* we answer nothing outside the table */
	__atomic_add_fetch(&counters.n[op][i], 1, __ATOMIC_RELAXED);
}

void admin_api_counts_read(struct admin_api_counts *counts)
{
	size_t op, i;

	for (op = 0; op < ADMIN_N_OPS; op++)
		for (i = 0; i < ADMIN_N_CODES; i++)
			counts->n[op][i] = __atomic_load_n(&counters.n[op][i],
							   __ATOMIC_RELAXED);
}

void admin_api_counts_render(const struct admin_api_counts *counts,
			     struct outbuf *out)
{
	struct outbuf labels;
	bool any = false;
	size_t op, i;
	char code[8];

	for (op = 0; op < ADMIN_N_OPS; op++)
		for (i = 0; i < ADMIN_N_CODES; i++)
			any = any || counts->n[op][i];
	if (!any)
		return;
	exposition_family(
		out, "namespace_exporter_admin_requests_total", METRIC_COUNTER,
		NULL,
		"Admin API requests answered, by operation and HTTP status code.");
	outbuf_init(&labels, out->format);
	for (op = 0; op < ADMIN_N_OPS; op++) {
		for (i = 0; i < ADMIN_N_CODES; i++) {
			if (!counts->n[op][i])
				continue;
			outbuf_clear(&labels);
			snprintf(code, sizeof(code), "%u", codes[i]);
			labels_append(&labels, "operation", op_names[op]);
			labels_append(&labels, "code", code);
			exposition_sample_raw_u64(
				out, "namespace_exporter_admin_requests_total",
				labels.data, labels.len, counts->n[op][i]);
		}
	}
	if (labels.err && !out->err)
		out->err = labels.err;
	outbuf_release(&labels);
}

/* What one request is, for the log line and the counter. */
struct admin_call {
	enum admin_operation op;
	char user[128];
	char name[NAME_MAX + 1];
	unsigned status;
};

static enum admin_operation operation_of(const struct http_request *request,
					 pid_t *pid)
{
	const char *reason;

	*pid = 0;
	if (request->method_bit == HTTP_METHOD_DELETE)
		return ADMIN_OP_DELETE;
	if (request->method_bit == HTTP_METHOD_GET)
		return ADMIN_OP_LIST;
	if (request->method_bit != HTTP_METHOD_POST)
		return ADMIN_OP_OTHER;
	/*
	 * A create has no body (or {}): any other body, even one that does
	 * not parse or was too large to keep, was meant to attach.
	 */
	if (request->body_too_large)
		return ADMIN_OP_ATTACH;
	if (netns_admin_parse_body(request->body, request->body_len, pid,
				   &reason) == 0)
		return *pid ? ADMIN_OP_ATTACH : ADMIN_OP_CREATE;
	*pid = 0;
	return ADMIN_OP_ATTACH;
}

static enum MHD_Result respond_json(struct MHD_Connection *connection,
				    unsigned status, struct outbuf *body)
{
	struct MHD_Response *response;
	enum MHD_Result ret;

	if (body->err)
		return web_respond_error(connection, 500, "out of memory", NULL,
					 NULL);
	response = MHD_create_response_from_buffer(body->len, body->data,
						   MHD_RESPMEM_MUST_COPY);
	if (!response)
		return MHD_NO;
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json");
	ret = http_queue_response(connection, status, response);
	MHD_destroy_response(response);
	return ret;
}

static enum MHD_Result respond_empty(struct MHD_Connection *connection,
				     unsigned status)
{
	struct MHD_Response *response;
	enum MHD_Result ret;

	response = MHD_create_response_from_buffer(0, (void *)"",
						   MHD_RESPMEM_PERSISTENT);
	if (!response)
		return MHD_NO;
	ret = http_queue_response(connection, status, response);
	MHD_destroy_response(response);
	return ret;
}

static enum MHD_Result respond_failure(struct MHD_Connection *connection,
				       const struct netns_admin_failure *fail,
				       struct admin_call *call)
{
	char message[320];

	call->status = netns_admin_http_status(fail);
	netns_admin_error_text(fail, message, sizeof(message));
	return web_respond_error(connection, call->status, message, NULL, NULL);
}

static enum MHD_Result do_list(struct admin_api *api,
			       struct MHD_Connection *connection,
			       struct admin_call *call)
{
	struct netns_admin_failure fail = {0};
	struct netns_admin_entry *entries;
	enum MHD_Result ret;
	struct outbuf body;
	size_t n;

	if (netns_admin_list(api->netns, &entries, &n, &fail) < 0)
		return respond_failure(connection, &fail, call);
	outbuf_init(&body, EXPOSITION_TEXT);
	netns_admin_list_json(entries, n, &body);
	netns_admin_entries_free(entries, n);
	call->status = body.err ? 500 : 200;
	ret = respond_json(connection, 200, &body);
	outbuf_release(&body);
	return ret;
}

/* 201 with the new entry as the list shows it. */
static enum MHD_Result respond_created(struct admin_api *api,
				       struct MHD_Connection *connection,
				       struct admin_call *call)
{
	struct netns_admin_entry entry = {0};
	enum MHD_Result ret;
	struct outbuf body;

	outbuf_init(&body, EXPOSITION_TEXT);
	if (netns_admin_lookup(api->netns, call->name, &entry) < 0)
		entry.name = NULL; /* deleted again already: the name only */
	if (!entry.name) {
		struct netns_admin_entry bare = {.name = call->name};

		netns_admin_entry_json(&bare, &body);
	} else {
		netns_admin_entry_json(&entry, &body);
	}
	outbuf_putc(&body, '\n');
	free(entry.name);
	call->status = 201;
	ret = respond_json(connection, 201, &body);
	outbuf_release(&body);
	return ret;
}

/* The name from the raw path: percent-decoded here, NUL refused. */
static int name_from_path(const struct http_request *request,
			  struct admin_call *call, const char **reason)
{
	static const char prefix[] = ADMIN_API_PATH "/";
	const char *raw = request->raw_path, *end;

	if (strncmp(raw, prefix, sizeof(prefix) - 1)) {
		*reason = "the path must start with " ADMIN_API_PATH
			  "/ as written, without escapes";
		return -EINVAL;
	}
	raw += sizeof(prefix) - 1;
	end = raw + strcspn(raw, "?");
	return netns_admin_name_decode(raw, (size_t)(end - raw), call->name,
				       sizeof(call->name), reason);
}

static enum MHD_Result do_change(struct admin_api *api,
				 const struct http_request *request,
				 struct admin_call *call, pid_t pid)
{
	struct MHD_Connection *connection = request->connection;
	struct netns_admin_failure fail = {NETNS_STEP_NAME, 0, NULL};
	const char *reason = NULL;
	int err;

	err = name_from_path(request, call, &reason);
	if (!err && call->op != ADMIN_OP_DELETE)
		err = netns_admin_parse_body(request->body, request->body_len,
					     &pid, &reason);
	if (err) {
		fail.err = err;
		fail.reason = reason;
		return respond_failure(connection, &fail, call);
	}
	if (call->op == ADMIN_OP_DELETE)
		err = netns_admin_delete(api->netns, call->name, &fail);
	else if (call->op == ADMIN_OP_ATTACH)
		err = netns_admin_attach(api->netns, call->name, pid, &fail);
	else
		err = netns_admin_create(api->netns, call->name, &fail);
	if (err)
		return respond_failure(connection, &fail, call);
	if (call->op != ADMIN_OP_DELETE)
		return respond_created(api, connection, call);
	call->status = 204;
	return respond_empty(connection, 204);
}

/* Authorisation, then the method; 0 when the request may proceed. */
static enum MHD_Result admin_refusal(struct admin_api *api,
				     const struct http_request *request,
				     struct admin_call *call, unsigned allowed,
				     const char *allow_text, bool *refused)
{
	struct MHD_Connection *connection = request->connection;

	*refused = true;
	if (!api->access || !web_access_admin_enabled(api->access)) {
		call->status = 404;
		return web_respond_error(
			connection, 404,
			"the admin API is off: start the exporter with --admin.config.file",
			NULL, NULL);
	}
	switch (web_access_admin_check(api->access, connection, call->user,
				       sizeof(call->user))) {
	case WEB_ADMIN_UNAUTHENTICATED:
		call->status = 401;
		return web_respond_error(connection, 401, "unauthorized",
					 MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					 "Basic");
	case WEB_ADMIN_FORBIDDEN:
		call->status = 403;
		return web_respond_error(connection, 403,
					 "this user may not use the admin API",
					 NULL, NULL);
	case WEB_ADMIN_BUSY:
		call->status = 503;
		return web_respond_error(
			connection, 503,
			"too many password checks in progress, try again",
			MHD_HTTP_HEADER_RETRY_AFTER, "1");
	case WEB_ADMIN_ALLOWED:
		break;
	}
	if (!(request->method_bit & allowed)) {
		call->status = 405;
		return web_respond_error(connection, 405, "method not allowed",
					 MHD_HTTP_HEADER_ALLOW, allow_text);
	}
	if (request->body_too_large) {
		call->status = 413;
		return web_respond_error(connection, 413,
					 "request body too large", NULL, NULL);
	}
	*refused = false;
	return MHD_YES;
}

static void audit_log(const struct http_request *request,
		      const struct admin_call *call)
{
	char remote[64], status[32], seconds[32];

	web_remote_address(request->connection, remote, sizeof(remote));
	log_info("admin request", "remote", remote, "user", call->user,
		 "operation", op_names[call->op], "netns", call->name, "status",
		 log_num(status, call->status), "duration_seconds",
		 log_float(seconds, monotonic_seconds() - request->start),
		 NULL);
	admin_api_count(call->op, call->status);
}

/* What the request is on the list (entry false) or on a name (entry true). */
static void call_init(struct admin_call *call,
		      const struct http_request *request, bool entry,
		      pid_t *pid)
{
	call->op = operation_of(request, pid);
	/* the list has no name to change; a name is not listed */
	if (entry ? call->op == ADMIN_OP_LIST : call->op != ADMIN_OP_LIST)
		call->op = ADMIN_OP_OTHER;
}

/* The name of a refused request, for the log, when the path has one. */
static void call_name(struct admin_call *call,
		      const struct http_request *request)
{
	const char *reason;

	if (name_from_path(request, call, &reason))
		call->name[0] = '\0';
}

/* One request on the list (entry false) or on a name (entry true). */
static enum MHD_Result admin_handle(struct admin_api *api,
				    const struct http_request *request,
				    bool entry)
{
	struct admin_call call = {.status = 500};
	enum MHD_Result ret;
	bool refused;
	pid_t pid;

	call_init(&call, request, entry, &pid);
	ret = admin_refusal(api, request, &call,
			    entry ? HTTP_METHOD_POST | HTTP_METHOD_DELETE
				  : HTTP_METHOD_GET,
			    entry ? "POST, DELETE" : "GET", &refused);
	if (!refused)
		ret = entry ? do_change(api, request, &call, pid)
			    : do_list(api, request->connection, &call);
	else if (entry)
		call_name(&call, request);
	audit_log(request, &call);
	return ret;
}

/* The user name a request sent, for the log; "" when it sent none. */
static void user_sent(const struct http_request *request, char *user,
		      size_t len)
{
	const char *header, *name, *password;
	char buf[512];

	user[0] = '\0';
	header = MHD_lookup_connection_value(request->connection,
					     MHD_HEADER_KIND,
					     MHD_HTTP_HEADER_AUTHORIZATION);
	if (header && !auth_parse_basic(header, buf, sizeof(buf), &name,
					&password))
		snprintf(user, len, "%s", name);
	explicit_bzero(buf, sizeof(buf));
}

/*
 * A request the web gate answered (401, 503) is an admin request too:
 * logged and counted like the ones that reach admin_handle. A connection
 * dropped for its client certificate has no status and was logged by the
 * gate already.
 */
static void admin_refused(void *arg, const struct http_request *request,
			  unsigned status)
{
	struct admin_call call = {.status = status};
	bool entry;
	pid_t pid;

	if (!status)
		return;
	entry = strcmp(request->path, ADMIN_API_PATH) != 0;
	call_init(&call, request, entry, &pid);
	user_sent(request, call.user, sizeof(call.user));
	if (entry)
		call_name(&call, request);
	audit_log(request, &call);
}

static enum MHD_Result handle_collection(void *arg,
					 const struct http_request *request)
{
	return admin_handle(arg, request, false);
}

static enum MHD_Result handle_entry(void *arg,
				    const struct http_request *request)
{
	return admin_handle(arg, request, true);
}

#define ALL_METHODS                                                            \
	(HTTP_METHOD_GET | HTTP_METHOD_HEAD | HTTP_METHOD_POST |               \
	 HTTP_METHOD_PUT | HTTP_METHOD_DELETE)

struct admin_api *admin_api_new(const struct netns_admin *netns,
				struct web_access *access)
{
	struct admin_api *api = calloc(1, sizeof(*api));

	if (!api)
		return NULL;
	api->netns = netns;
	api->access = access;
	return api;
}

void admin_api_free(struct admin_api *api)
{
	free(api);
}

int admin_api_register(struct admin_api *api, struct http_server *server)
{
	int err;

	/* every method reaches us, so that a 405 has a JSON body too */
	err = http_route_add(server, ADMIN_API_PATH, false, ALL_METHODS,
			     handle_collection, api);
	if (!err)
		err = http_route_add(server, ADMIN_API_PATH "/", true,
				     ALL_METHODS, handle_entry, api);
	if (!err)
		err = http_route_set_refused(server, ADMIN_API_PATH,
					     admin_refused);
	if (!err)
		err = http_route_set_refused(server, ADMIN_API_PATH "/",
					     admin_refused);
	return err;
}

int admin_api_transport_check(const struct config *config, bool tls,
			      bool allow_insecure, char *err, size_t err_len)
{
	size_t i;

	if (tls || allow_insecure)
		return 0;
	for (i = 0; i < config->n_listen; i++) {
		if (!web_access_address_is_loopback(config->listen[i])) {
			snprintf(
				err, err_len,
				"the admin API would be served over plain HTTP on %s, which is not a loopback address: configure TLS in --web.config.file, listen on loopback only, or pass --admin.allow-insecure",
				config->listen[i]);
			return -EPERM;
		}
	}
	return 0;
}
