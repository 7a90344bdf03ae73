/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the web configuration file and the admin file mean for each
 * request: basic authentication on every route, the client certificate
 * policy, the extra response headers, and who may use the admin API. Both
 * files are loaded together and replaced together on SIGHUP; a request in
 * flight keeps the version it started with.
 */
#ifndef NSE_WEB_ACCESS_H
#define NSE_WEB_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "http.h"
#include "web_config.h"

/* bcrypt runs at once, and how long a check waits for its turn */
#define WEB_ACCESS_BCRYPT_SLOTS 1
#define WEB_ACCESS_BCRYPT_WAIT_MS 5000

struct web_access;

/*
 * Loads web_path (--web.config.file, NULL for none) and admin_path
 * (--admin.config.file, NULL: admin API off) and logs the warnings of the
 * web file. NULL with a message in err when a file is unusable (errno set).
 */
struct web_access *web_access_new(const char *web_path, const char *admin_path,
				  char *err, size_t err_len);
void web_access_free(struct web_access *access);

/*
 * Reads both files again. A file that does not load is refused with a log
 * line and the old version stays in force; 0 or the negative errno. A new
 * certificate or key (also new paths to them) is served from the next
 * handshake on; the other TLS settings are fixed at start-up, and a change
 * to them is logged as taking effect at the next start. Certificate and
 * key files are followed without a reload, see tls_identity.h.
 */
int web_access_reload(struct web_access *access);

/* The TLS material of the start-up file for http_server_set_tls; false without
 * TLS. */
bool web_access_tls(const struct web_access *access, struct http_tls *tls);

bool web_access_admin_enabled(const struct web_access *access);

/*
 * http_hooks gate: the client certificate policy and basic_auth_users for
 * every route. Answers 401 (with WWW-Authenticate) or 503 itself, or drops
 * a connection whose certificate is refused (*status 0), and returns true
 * then; false lets the request through.
 */
bool web_access_gate(void *access, const struct http_request *request,
		     enum MHD_Result *ret, unsigned *status);

/* http_hooks decorate: the headers of http_server_config.headers. */
void web_access_decorate(void *access, struct MHD_Response *response);

enum web_admin_verdict {
	WEB_ADMIN_ALLOWED,
	WEB_ADMIN_UNAUTHENTICATED, /* 401 */
	WEB_ADMIN_FORBIDDEN, /* 403: a basic_auth_users user, not an admin */
	WEB_ADMIN_BUSY,	     /* 503: bcrypt checks are backed up */
};

/*
 * Authorises an admin request against admin_users. The user name sent, if
 * any, is copied into user (for the audit log) whatever the verdict.
 */
enum web_admin_verdict web_access_admin_check(struct web_access *access,
					      struct MHD_Connection *connection,
					      char *user, size_t user_len);

/* The client's address and port as text, for logs ("unknown" if none). */
void web_remote_address(struct MHD_Connection *connection, char *buf,
			size_t len);

/*
 * Queues a JSON error answer {"error": message}; header/value (both or
 * neither NULL) adds one more header, e.g. WWW-Authenticate or Allow.
 */
enum MHD_Result web_respond_error(struct MHD_Connection *connection,
				  unsigned status, const char *message,
				  const char *header, const char *value);

/*
 * True when every address HOST:PORT resolves to is a loopback address
 * (127.0.0.0/8, ::1); false for the wildcard ":PORT" or when it does not
 * resolve.
 */
bool web_access_address_is_loopback(const char *listen_address);

#endif
