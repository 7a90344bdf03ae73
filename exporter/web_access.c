// SPDX-License-Identifier: Apache-2.0
/*
 * The web and admin files put to work per request. The loaded state is a
 * reference-counted snapshot: a reload swaps the pointer, and a request
 * that took the old snapshot finishes with it, so no lock is held across
 * a bcrypt run.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "auth.h"
#include "exposition.h"
#include "json.h"
#include "log.h"
#include "tls_identity.h"
#include "web_access.h"

struct access_state {
	unsigned refs; /* under web_access.lock */
	struct web_config *web;
	struct auth *web_auth;
	struct web_config *admin; /* NULL: admin API off */
	struct auth *admin_auth;
};

struct web_access {
	char *web_path;
	char *admin_path;
	pthread_mutex_t lock;
	struct access_state *state;
	/*
	 * The first load, referenced for the whole run: the daemons use its
	 * TLS settings until they stop, and the client certificate policy
	 * stays the one they were started with.
	 */
	struct access_state *boot;
	char priorities[256];
	/*
	 * The certificate and key are handed over per handshake (see
	 * tls_identity.h), so a reload can replace them; false when TLS is
	 * off or libmicrohttpd lacks the callback.
	 */
	bool live_identity;
};

static void state_free(struct access_state *state)
{
	if (!state)
		return;
	auth_free(state->web_auth);
	auth_free(state->admin_auth);
	web_config_free(state->web);
	web_config_free(state->admin);
	free(state);
}

static void warnings_log(const struct web_config *config, const char *path)
{
	size_t i;

	for (i = 0; i < config->n_warnings; i++)
		log_warn("web config key has no effect here", "path", path,
			 "key", config->warnings[i].key, "reason",
			 config->warnings[i].reason, NULL);
}

/* Both files, loaded and checked; NULL with err set. */
static struct access_state *state_load(const char *web_path,
				       const char *admin_path, char *err,
				       size_t err_len)
{
	struct access_state *state = calloc(1, sizeof(*state));
	int ret = 0;

	if (!state)
		return NULL;
	state->refs = 1;
	if (web_path)
		ret = web_config_load(web_path, WEB_CONFIG_WEB, &state->web,
				      err, err_len);
	else
		ret = web_config_parse("", 0, NULL, WEB_CONFIG_WEB, &state->web,
				       err, err_len);
	if (!ret && admin_path)
		ret = web_config_load(admin_path, WEB_CONFIG_ADMIN,
				      &state->admin, err, err_len);
	if (ret)
		goto out_free;
	ret = -errno;
	state->web_auth =
		auth_new(state->web->users, state->web->n_users,
			 WEB_ACCESS_BCRYPT_SLOTS, WEB_ACCESS_BCRYPT_WAIT_MS);
	if (state->web_auth && state->admin)
		state->admin_auth = auth_new(
			state->admin->users, state->admin->n_users,
			WEB_ACCESS_BCRYPT_SLOTS, WEB_ACCESS_BCRYPT_WAIT_MS);
	if (!state->web_auth || (state->admin && !state->admin_auth)) {
		ret = -errno;
		snprintf(err, err_len, "cannot set up password checks: %s",
			 strerror(errno));
		goto out_free;
	}
	if (web_path)
		warnings_log(state->web, web_path);
	return state;
out_free:
	state_free(state);
	errno = ret < 0 ? -ret : EINVAL;
	return NULL;
}

static struct access_state *state_get(struct web_access *access)
{
	struct access_state *state;

	pthread_mutex_lock(&access->lock);
	state = access->state;
	state->refs++;
	pthread_mutex_unlock(&access->lock);
	return state;
}

static void state_put(struct web_access *access, struct access_state *state)
{
	bool last;

	pthread_mutex_lock(&access->lock);
	last = !--state->refs;
	pthread_mutex_unlock(&access->lock);
	if (last)
		state_free(state);
}

static char *strdup_or_null(const char *text)
{
	return text ? strdup(text) : NULL;
}

/*
 * Serves tls's certificate and key from the next handshake on, following
 * their files when both came from files. 0 or a negative errno with err.
 */
static int identity_serve(const struct web_tls *tls, char *err, size_t err_len)
{
	if (tls->cert_path && tls->key_path)
		return tls_identity_follow(tls->cert_path, tls->key_path,
					   TLS_IDENTITY_CHECK_SECONDS, err,
					   err_len);
	return tls_identity_install(tls->cert_pem, tls->key_pem, err, err_len);
}

struct web_access *web_access_new(const char *web_path, const char *admin_path,
				  char *err, size_t err_len)
{
	struct web_access *access = calloc(1, sizeof(*access));

	if (!access)
		return NULL;
	pthread_mutex_init(&access->lock, NULL);
	access->web_path = strdup_or_null(web_path);
	access->admin_path = strdup_or_null(admin_path);
	if ((web_path && !access->web_path) ||
	    (admin_path && !access->admin_path)) {
		web_access_free(access);
		errno = ENOMEM;
		return NULL;
	}
	access->state = state_load(web_path, admin_path, err, err_len);
	if (!access->state) {
		web_access_free(access);
		return NULL;
	}
	access->boot = access->state;
	access->boot->refs++;
	web_config_tls_priorities(&access->boot->web->tls, access->priorities,
				  sizeof(access->priorities));
	if (access->boot->web->tls.enabled &&
	    MHD_is_feature_supported(MHD_FEATURE_HTTPS_CERT_CALLBACK) ==
		    MHD_YES) {
		if (identity_serve(&access->boot->web->tls, err, err_len) < 0) {
			web_access_free(access);
			errno = EINVAL;
			return NULL;
		}
		access->live_identity = true;
	}
	return access;
}

void web_access_free(struct web_access *access)
{
	if (!access)
		return;
	if (access->boot)
		state_put(access, access->boot);
	if (access->state)
		state_put(access, access->state);
	if (access->live_identity)
		tls_identity_release_all();
	pthread_mutex_destroy(&access->lock);
	free(access->web_path);
	free(access->admin_path);
	free(access);
}

static bool text_differs(const char *a, const char *b)
{
	return (a == NULL) != (b == NULL) || (a && strcmp(a, b));
}

static bool identity_differs(const struct web_tls *a, const struct web_tls *b)
{
	return text_differs(a->cert_pem, b->cert_pem) ||
	       text_differs(a->key_pem, b->key_pem) ||
	       text_differs(a->cert_path, b->cert_path) ||
	       text_differs(a->key_path, b->key_path);
}

/*
 * The TLS settings the daemons were started with, apart from the served
 * certificate and key when those are replaceable: TLS on or off, versions,
 * curves, the client CA and client_auth_type.
 */
static bool fixed_tls_differs(const struct web_access *access,
			      const struct web_tls *fresh)
{
	const struct web_tls *boot = &access->boot->web->tls;
	char pa[256];

	web_config_tls_priorities(fresh, pa, sizeof(pa));
	return fresh->enabled != boot->enabled ||
	       (!access->live_identity && identity_differs(fresh, boot)) ||
	       text_differs(fresh->client_ca_pem, boot->client_ca_pem) ||
	       fresh->client_auth != boot->client_auth ||
	       strcmp(pa, access->priorities);
}

/*
 * Serves fresh's certificate and key from the next handshake on, when
 * they or the files they come from changed (files followed meanwhile may
 * be served already). Returns 0, or a negative errno with the reason in
 * err.
 */
static int identity_reload(struct web_access *access,
			   const struct web_tls *fresh, char *err,
			   size_t err_len)
{
	int ret;

	if (!access->live_identity || !fresh->enabled ||
	    !identity_differs(fresh, &access->state->web->tls))
		return 0;
	ret = identity_serve(fresh, err, err_len);
	if (!ret)
		log_info("serving the new TLS certificate and key", "path",
			 access->web_path, NULL);
	return ret;
}

int web_access_reload(struct web_access *access)
{
	struct access_state *fresh, *old;
	char err[512];
	int ret;

	fresh = state_load(access->web_path, access->admin_path, err,
			   sizeof(err));
	ret = fresh ? identity_reload(access, &fresh->web->tls, err,
				      sizeof(err))
		    : -errno;
	if (ret) {
		log_error(
			"cannot reload the web or admin config; the old one stays in force",
			"err", err, NULL);
		state_free(fresh);
		return ret;
	}
	if (fixed_tls_differs(access, &fresh->web->tls))
		log_warn(
			"TLS settings other than the certificate and key changed; they take effect at the next start",
			"path", access->web_path, NULL);
	pthread_mutex_lock(&access->lock);
	old = access->state;
	access->state = fresh;
	pthread_mutex_unlock(&access->lock);
	/* requests still holding old finish with it */
	state_put(access, old);
	log_info("reloaded the web and admin config", "web_config",
		 access->web_path, "admin_config", access->admin_path, NULL);
	return 0;
}

bool web_access_tls(const struct web_access *access, struct http_tls *tls)
{
	const struct web_tls *config = &access->boot->web->tls;

	if (!config->enabled)
		return false;
	tls->cert_pem = config->cert_pem;
	tls->key_pem = config->key_pem;
	tls->retrieve = access->live_identity ? tls_identity_retrieve : NULL;
	tls->connection_opened =
		access->live_identity ? tls_identity_connection_opened : NULL;
	tls->connection_closed =
		access->live_identity ? tls_identity_connection_closed : NULL;
	tls->trust_pem = config->client_ca_pem;
	tls->priorities = access->priorities;
	return true;
}

bool web_access_admin_enabled(const struct web_access *access)
{
	return access->admin_path != NULL;
}

void web_remote_address(struct MHD_Connection *connection, char *buf,
			size_t len)
{
	http_remote_address(connection, buf, len);
}

enum MHD_Result web_respond_error(struct MHD_Connection *connection,
				  unsigned status, const char *message,
				  const char *header, const char *value)
{
	struct MHD_Response *response;
	struct outbuf body;
	enum MHD_Result ret;

	outbuf_init(&body, EXPOSITION_TEXT);
	json_error_body(&body, message);
	response =
		body.err ? NULL
			 : MHD_create_response_from_buffer(
				   body.len, body.data, MHD_RESPMEM_MUST_COPY);
	outbuf_release(&body);
	if (!response)
		return MHD_NO;
	MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
				"application/json");
	if (header)
		MHD_add_response_header(response, header, value);
	ret = http_queue_response(connection, status, response);
	MHD_destroy_response(response);
	return ret;
}

/* One subject alternative name against client_allowed_sans. */
static bool san_allowed(const struct web_tls *tls, int type, char *data,
			size_t size)
{
	char text[INET6_ADDRSTRLEN];
	const char *value = data;
	size_t i;

	if (type == GNUTLS_SAN_IPADDRESS) {
		/* Go compares the address as net.IP.String() writes it */
		if (size != 4 && size != 16)
			return false;
		inet_ntop(size == 4 ? AF_INET : AF_INET6, data, text,
			  sizeof(text));
		value = text;
	} else if (type == GNUTLS_SAN_DNSNAME ||
		   type == GNUTLS_SAN_RFC822NAME || type == GNUTLS_SAN_URI) {
		data[size] = '\0';
	} else {
		return false;
	}
	for (i = 0; i < tls->n_client_allowed_sans; i++)
		if (!strcmp(tls->client_allowed_sans[i], value))
			return true;
	return false;
}

static bool sans_allowed(const struct web_tls *tls, const gnutls_datum_t *der)
{
	gnutls_x509_crt_t crt;
	char data[1024];
	bool allowed = false;
	unsigned i;
	size_t size;
	int type;

	if (gnutls_x509_crt_init(&crt) < 0)
		return false;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) < 0)
		goto out_deinit;
	for (i = 0; !allowed; i++) {
		size = sizeof(data) - 1;
		type = gnutls_x509_crt_get_subject_alt_name(crt, i, data, &size,
							    NULL);
		if (type == GNUTLS_E_SHORT_MEMORY_BUFFER)
			continue; /* longer than any name we could match */
		if (type < 0)
			break;
		allowed = san_allowed(tls, type, data, size);
	}
out_deinit:
	gnutls_x509_crt_deinit(crt);
	return allowed;
}

/*
 * The toolkit's client_auth_type and client_allowed_sans, applied per
 * request: libmicrohttpd asks for the certificate during the handshake
 * but leaves judging it to us. NULL when the connection may go on.
 */
static const char *client_cert_refusal(const struct web_tls *tls,
				       struct MHD_Connection *connection)
{
	const union MHD_ConnectionInfo *info;
	const gnutls_datum_t *certs;
	gnutls_session_t session;
	unsigned n = 0, status = 0;
	bool must_verify;

	if (!tls->enabled || tls->client_auth == WEB_CLIENT_AUTH_NONE ||
	    tls->client_auth == WEB_CLIENT_AUTH_REQUEST)
		return NULL;
	info = MHD_get_connection_info(connection,
				       MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!info || !info->tls_session)
		return "no TLS session";
	session = info->tls_session;
	certs = gnutls_certificate_get_peers(session, &n);
	if (!certs || !n)
		return tls->client_auth == WEB_CLIENT_AUTH_VERIFY_IF_GIVEN
			       ? NULL
			       : "no client certificate";
	must_verify = tls->client_auth == WEB_CLIENT_AUTH_VERIFY_IF_GIVEN ||
		      tls->client_auth == WEB_CLIENT_AUTH_REQUIRE_VERIFY;
	if (must_verify &&
	    (gnutls_certificate_verify_peers2(session, &status) < 0 || status))
		return "the client certificate is not signed by the client CA";
	if (tls->n_client_allowed_sans && !sans_allowed(tls, &certs[0]))
		return "the client certificate has none of client_allowed_sans";
	return NULL;
}

/* A failed login: debug, at a bounded rate, never the password. */
static void log_refusal(struct MHD_Connection *connection, const char *path,
			enum auth_result result)
{
	static struct http_log_limit limit;
	char remote[64];

	if (!log_enabled(LOG_LEVEL_DEBUG) || !http_log_limit_pass(&limit))
		return;
	web_remote_address(connection, remote, sizeof(remote));
	log_debug(result == AUTH_BUSY
			  ? "request refused: password checks backed up"
			  : "request refused: not authenticated",
		  "remote", remote, "path", path, NULL);
}

bool web_access_gate(void *arg, const struct http_request *request,
		     enum MHD_Result *ret, unsigned *status)
{
	struct web_access *access = arg;
	struct MHD_Connection *connection = request->connection;
	struct access_state *state;
	enum auth_result result;
	const char *refusal;
	char user[128], remote[64];

	refusal = client_cert_refusal(&access->boot->web->tls, connection);
	if (refusal) {
		web_remote_address(connection, remote, sizeof(remote));
		log_warn("client certificate refused", "remote", remote,
			 "reason", refusal, NULL);
		/* as a failed handshake would: no answer at all */
		*ret = MHD_NO;
		*status = 0;
		return true;
	}
	state = state_get(access);
	if (!auth_enabled(state->web_auth)) {
		state_put(access, state);
		return false;
	}
	result = auth_check_header(
		state->web_auth,
		MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
					    MHD_HTTP_HEADER_AUTHORIZATION),
		user, sizeof(user));
	state_put(access, state);
	if (result == AUTH_OK)
		return false;
	log_refusal(connection, request->path, result);
	*status = result == AUTH_BUSY ? MHD_HTTP_SERVICE_UNAVAILABLE
				      : MHD_HTTP_UNAUTHORIZED;
	if (result == AUTH_BUSY)
		*ret = web_respond_error(
			connection, *status,
			"too many password checks in progress, try again",
			MHD_HTTP_HEADER_RETRY_AFTER, "1");
	else
		*ret = web_respond_error(connection, *status, "unauthorized",
					 MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					 "Basic");
	return true;
}

void web_access_decorate(void *arg, struct MHD_Response *response)
{
	struct web_access *access = arg;
	struct access_state *state = state_get(access);
	size_t i;

	for (i = 0; i < state->web->n_headers; i++)
		MHD_add_response_header(response, state->web->headers[i].name,
					state->web->headers[i].value);
	state_put(access, state);
}

enum web_admin_verdict web_access_admin_check(struct web_access *access,
					      struct MHD_Connection *connection,
					      char *user, size_t user_len)
{
	struct access_state *state = state_get(access);
	enum web_admin_verdict verdict = WEB_ADMIN_UNAUTHENTICATED;
	enum auth_result result;
	bool web_user;

	/* with basic_auth_users, the gate let only their users through */
	web_user = auth_enabled(state->web_auth);
	if (state->admin_auth) {
		result = auth_check_header(
			state->admin_auth,
			MHD_lookup_connection_value(
				connection, MHD_HEADER_KIND,
				MHD_HTTP_HEADER_AUTHORIZATION),
			user, user_len);
		if (result == AUTH_OK)
			verdict = WEB_ADMIN_ALLOWED;
		else if (result == AUTH_BUSY)
			verdict = WEB_ADMIN_BUSY;
		else if (web_user)
			verdict = WEB_ADMIN_FORBIDDEN;
	}
	state_put(access, state);
	return verdict;
}

static bool sockaddr_is_loopback(const struct sockaddr *addr)
{
	if (addr->sa_family == AF_INET) {
		const struct sockaddr_in *in4 = (const void *)addr;

		return (ntohl(in4->sin_addr.s_addr) >> 24) == 127;
	}
	if (addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)addr;
		const uint8_t *b = in6->sin6_addr.s6_addr;

		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
		       (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && b[12] == 127);
	}
	return false;
}

bool web_access_address_is_loopback(const char *listen_address)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM};
	struct addrinfo *list, *ai;
	bool loopback;
	char host[256];
	uint16_t port;

	if (http_address_split(listen_address, host, sizeof(host), &port) < 0 ||
	    !host[0] || getaddrinfo(host, NULL, &hints, &list))
		return false;
	loopback = list != NULL;
	for (ai = list; ai; ai = ai->ai_next)
		loopback = loopback && sockaddr_is_loopback(ai->ai_addr);
	freeaddrinfo(list);
	return loopback;
}
