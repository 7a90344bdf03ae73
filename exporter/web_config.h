/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The web configuration file (--web.config.file) in the format of the
 * Prometheus exporter-toolkit v0.14.0, so one file serves node_exporter and
 * us, and the admin file (--admin.config.file: admin_users only), parsed by
 * the same code. Loading reads every file the configuration names, so a
 * loaded configuration needs no further I/O and a SIGHUP either replaces it
 * whole or not at all.
 */
#ifndef NSE_WEB_CONFIG_H
#define NSE_WEB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

/* The exporter-toolkit release whose web configuration format we follow. */
#define WEB_CONFIG_TOOLKIT_VERSION "v0.14.0"

enum web_config_kind {
	WEB_CONFIG_WEB,	  /* tls_server_config, http_server_config,
			     basic_auth_users */
	WEB_CONFIG_ADMIN, /* admin_users */
};

enum web_client_auth {
	WEB_CLIENT_AUTH_NONE,		 /* NoClientCert */
	WEB_CLIENT_AUTH_REQUEST,	 /* RequestClientCert */
	WEB_CLIENT_AUTH_REQUIRE_ANY,	 /* RequireAnyClientCert */
	WEB_CLIENT_AUTH_VERIFY_IF_GIVEN, /* VerifyClientCertIfGiven */
	WEB_CLIENT_AUTH_REQUIRE_VERIFY,	 /* RequireAndVerifyClientCert */
};

enum web_tls_version {
	WEB_TLS10,
	WEB_TLS11,
	WEB_TLS12,
	WEB_TLS13,
};

enum web_curve {
	WEB_CURVE_P256,
	WEB_CURVE_P384,
	WEB_CURVE_P521,
	WEB_CURVE_X25519,
};

#define WEB_CONFIG_MAX_CURVES 4
#define WEB_CONFIG_MAX_HEADERS 5
#define WEB_CONFIG_MAX_WARNINGS 8

struct web_tls {
	bool enabled; /* any TLS key given: serve HTTPS */
	/* PEM text read from cert/key/client_ca or the *_file keys */
	char *cert_pem;
	char *key_pem;
	/* the files cert_pem and key_pem were read from; NULL when inline */
	char *cert_path;
	char *key_path;
	char *client_ca_pem; /* NULL: no client certificates asked for */
	enum web_client_auth client_auth;
	enum web_tls_version min_version;
	enum web_tls_version max_version;
	bool prefer_server_cipher_suites;
	char **cipher_suites; /* Go names, checked; see the warning */
	size_t n_cipher_suites;
	enum web_curve curves[WEB_CONFIG_MAX_CURVES];
	size_t n_curves;
	char **client_allowed_sans;
	size_t n_client_allowed_sans;
};

struct web_header {
	const char *name; /* static: one of the five the toolkit allows */
	char *value;
};

struct web_user {
	char *name;
	char *hash;    /* bcrypt, $2a$/$2b$/$2x$/$2y$ */
	unsigned cost; /* log2 of the rounds, from the hash */
};

/* A key that was understood but cannot take effect here. */
struct web_config_warning {
	const char *key;    /* static, e.g. "http_server_config.http2" */
	const char *reason; /* static */
};

struct web_config {
	enum web_config_kind kind;
	struct web_tls tls;
	bool http2;
	struct web_header headers[WEB_CONFIG_MAX_HEADERS];
	size_t n_headers;
	/* basic_auth_users, or admin_users in an admin file; in file order */
	struct web_user *users;
	size_t n_users;
	struct web_config_warning warnings[WEB_CONFIG_MAX_WARNINGS];
	size_t n_warnings;
};

/*
 * Reads and checks the file at path. Relative file names inside it are
 * taken from the file's directory, as the toolkit does. Returns 0 and a new
 * configuration in *out (free with web_config_free), or a negative errno
 * with a message in err naming the key, user or file at fault.
 */
int web_config_load(const char *path, enum web_config_kind kind,
		    struct web_config **out, char *err, size_t err_len);

/* The same from text in memory; base_dir resolves relative file names. */
int web_config_parse(const char *text, size_t len, const char *base_dir,
		     enum web_config_kind kind, struct web_config **out,
		     char *err, size_t err_len);

void web_config_free(struct web_config *config);

/*
 * The GnuTLS priority string that applies min_version, max_version,
 * prefer_server_cipher_suites and curve_preferences. 0, or -ENOSPC when
 * buf is too small.
 */
int web_config_tls_priorities(const struct web_tls *tls, char *buf, size_t len);

/* Looks a user up by name; NULL when there is none. */
const struct web_user *web_config_user(const struct web_config *config,
				       const char *name);

/*
 * Checks that hash is a bcrypt hash libcrypt reads ($2a$, $2b$, $2x$ or
 * $2y$, cost 4 to 31, 53 characters of salt and digest) and stores its
 * cost. 0 or -EINVAL.
 */
int web_config_bcrypt_cost(const char *hash, unsigned *cost);

const char *web_config_client_auth_name(enum web_client_auth auth);
const char *web_config_tls_version_name(enum web_tls_version version);

#endif
