// SPDX-License-Identifier: Apache-2.0
/*
 * Parser for the web configuration file of exporter-toolkit v0.14.0 and for
 * the admin file, on libyaml's document API. The toolkit decodes the file
 * strictly (an unknown or repeated key is an error), and so do we; a key we
 * understand but cannot honour with libmicrohttpd and GnuTLS is kept as a
 * warning for the caller to log at start-up.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <yaml.h>

#include "web_config.h"

/* Far above any real configuration, certificate chain or CA bundle. */
#define WEB_CONFIG_MAX_FILE (4 << 20)
/* the format itself nests four deep; room for any reasonable file */
#define WEB_CONFIG_MAX_DEPTH 32

struct parse_ctx {
	yaml_document_t *doc;
	const char *base_dir;
	struct web_config *config;
	char *err;
	size_t err_len;
	/* TLS values as written; turned into PEM text once all are known */
	char *cert;
	char *key;
	char *client_ca;
	char *cert_file;
	char *key_file;
	char *client_ca_file;
	char *client_auth_type;
	bool http2_given;
};

typedef int (*key_handler)(struct parse_ctx *ctx, yaml_node_t *value,
			   const char *path);

struct key_entry {
	const char *name;
	key_handler handle;
};

static int fail(struct parse_ctx *ctx, const yaml_node_t *node, const char *fmt,
		...) __attribute__((format(printf, 3, 4)));

static int fail(struct parse_ctx *ctx, const yaml_node_t *node, const char *fmt,
		...)
{
	va_list ap;
	int n = 0;

	if (!ctx->err_len)
		return -EINVAL;
	if (node)
		n = snprintf(ctx->err, ctx->err_len,
			     "line %zu: ", node->start_mark.line + 1);
	if (n < 0 || (size_t)n >= ctx->err_len)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(ctx->err + n, ctx->err_len - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static yaml_node_t *node_at(struct parse_ctx *ctx, int index)
{
	return yaml_document_get_node(ctx->doc, index);
}

static const char *scalar_text(const yaml_node_t *node)
{
	return (const char *)node->data.scalar.value;
}

/* A plain ~, null or empty scalar: YAML's null, which leaves a default. */
static bool node_is_null(const yaml_node_t *node)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
	size_t i;

	if (node->type != YAML_SCALAR_NODE ||
	    node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (!strcmp(scalar_text(node), nulls[i]))
			return true;
	return false;
}

static int take_string(struct parse_ctx *ctx, yaml_node_t *value,
		       const char *path, char **out)
{
	char *copy;

	if (node_is_null(value))
		return 0;
	if (value->type != YAML_SCALAR_NODE)
		return fail(ctx, value, "%s must be a string", path);
	if (strlen(scalar_text(value)) != value->data.scalar.length)
		return fail(ctx, value, "%s contains a NUL byte", path);
	copy = strdup(scalar_text(value));
	if (!copy)
		return -ENOMEM;
	free(*out);
	*out = copy;
	return 0;
}

/* YAML 1.1 booleans, as the toolkit's yaml.v2 reads them. */
static int take_bool(struct parse_ctx *ctx, yaml_node_t *value,
		     const char *path, bool *out)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes",
					  "Yes",  "YES",  "on",	  "On",
					  "ON",	  "y",	  "Y"};
	static const char *const no[] = {"false", "False", "FALSE", "no",
					 "No",	  "NO",	   "off",   "Off",
					 "OFF",	  "n",	   "N"};
	size_t i;

	if (value->type == YAML_SCALAR_NODE &&
	    value->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (!strcmp(scalar_text(value), yes[i])) {
				*out = true;
				return 0;
			}
			if (!strcmp(scalar_text(value), no[i])) {
				*out = false;
				return 0;
			}
		}
	}
	return fail(ctx, value, "%s must be true or false", path);
}

static void string_list_free(char **list, size_t n)
{
	size_t i;

	for (i = 0; list && i < n; i++)
		free(list[i]);
	free(list);
}

static int take_string_list(struct parse_ctx *ctx, yaml_node_t *value,
			    const char *path, char ***out, size_t *n_out)
{
	yaml_node_item_t *item;
	char **list = NULL;
	size_t n = 0, cap;
	int err;

	if (node_is_null(value))
		return 0;
	if (value->type != YAML_SEQUENCE_NODE)
		return fail(ctx, value, "%s must be a list of strings", path);
	cap = value->data.sequence.items.top - value->data.sequence.items.start;
	list = calloc(cap + 1, sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (item = value->data.sequence.items.start;
	     item < value->data.sequence.items.top; item++, n++) {
		yaml_node_t *elem = node_at(ctx, *item);

		if (elem->type != YAML_SCALAR_NODE || node_is_null(elem)) {
			err = fail(ctx, elem, "%s must be a list of strings",
				   path);
			goto out_free;
		}
		err = take_string(ctx, elem, path, &list[n]);
		if (err)
			goto out_free;
	}
	string_list_free(*out, *n_out);
	*out = list;
	*n_out = n;
	return 0;
out_free:
	string_list_free(list, n + 1);
	return err;
}

/*
 * The key of one pair of a mapping, checked: a string without NUL bytes and
 * not given before in the same mapping (the toolkit decodes strictly).
 */
static int pair_key(struct parse_ctx *ctx, yaml_node_t *map,
		    yaml_node_pair_t *pair, const char *where,
		    yaml_node_t **key_out)
{
	yaml_node_t *key = node_at(ctx, pair->key);
	yaml_node_pair_t *prev;

	if (key->type != YAML_SCALAR_NODE ||
	    strlen(scalar_text(key)) != key->data.scalar.length)
		return fail(ctx, key, "%s: keys must be strings", where);
	for (prev = map->data.mapping.pairs.start; prev < pair; prev++)
		if (!strcmp(scalar_text(node_at(ctx, prev->key)),
			    scalar_text(key)))
			return fail(ctx, key, "%s: \"%s\" is given twice",
				    where, scalar_text(key));
	*key_out = key;
	return 0;
}

/*
 * Walks a mapping whose keys come from a fixed table: the toolkit decodes
 * strictly, so a key it does not know, or one given twice, is an error.
 */
static int parse_mapping(struct parse_ctx *ctx, yaml_node_t *node,
			 const char *section, const struct key_entry *keys,
			 size_t n_keys, const char *unknown_hint)
{
	const char *where = *section ? section : "top level";
	yaml_node_pair_t *pair;
	yaml_node_t *key;
	char path[128];
	size_t i;
	int err;

	if (node_is_null(node))
		return 0;
	if (node->type != YAML_MAPPING_NODE)
		return fail(ctx, node, "%s must be a mapping",
			    *section ? section : "the file");
	for (pair = node->data.mapping.pairs.start;
	     pair < node->data.mapping.pairs.top; pair++) {
		err = pair_key(ctx, node, pair, where, &key);
		if (err)
			return err;
		for (i = 0; i < n_keys; i++)
			if (!strcmp(keys[i].name, scalar_text(key)))
				break;
		snprintf(path, sizeof(path), "%s%s%s", section,
			 *section ? "." : "", scalar_text(key));
		if (i == n_keys)
			return fail(ctx, key, "unknown key \"%s\"%s", path,
				    unknown_hint);
		err = keys[i].handle(ctx, node_at(ctx, pair->value), path);
		if (err)
			return err;
	}
	return 0;
}

static void add_warning(struct parse_ctx *ctx, const char *key,
			const char *reason)
{
	struct web_config *config = ctx->config;

	if (config->n_warnings < WEB_CONFIG_MAX_WARNINGS) {
		config->warnings[config->n_warnings].key = key;
		config->warnings[config->n_warnings].reason = reason;
		config->n_warnings++;
	}
}

#define TLS_STRING_HANDLER(field)                                              \
	static int tls_##field(struct parse_ctx *ctx, yaml_node_t *value,      \
			       const char *path)                               \
	{                                                                      \
		return take_string(ctx, value, path, &ctx->field);             \
	}
TLS_STRING_HANDLER(cert)
TLS_STRING_HANDLER(key)
TLS_STRING_HANDLER(client_ca)
TLS_STRING_HANDLER(cert_file)
TLS_STRING_HANDLER(key_file)
TLS_STRING_HANDLER(client_ca_file)
TLS_STRING_HANDLER(client_auth_type)

static const char *const tls_version_names[] = {
	[WEB_TLS10] = "TLS10",
	[WEB_TLS11] = "TLS11",
	[WEB_TLS12] = "TLS12",
	[WEB_TLS13] = "TLS13",
};

const char *web_config_tls_version_name(enum web_tls_version version)
{
	return tls_version_names[version];
}

static int take_tls_version(struct parse_ctx *ctx, yaml_node_t *value,
			    const char *path, enum web_tls_version *out)
{
	size_t i;

	if (value->type == YAML_SCALAR_NODE) {
		for (i = 0; i <= WEB_TLS13; i++) {
			if (!strcmp(scalar_text(value), tls_version_names[i])) {
				*out = i;
				return 0;
			}
		}
	}
	return fail(ctx, value,
		    "%s: unknown TLS version (TLS10, TLS11, TLS12 or TLS13)",
		    path);
}

static int tls_min_version(struct parse_ctx *ctx, yaml_node_t *value,
			   const char *path)
{
	return take_tls_version(ctx, value, path,
				&ctx->config->tls.min_version);
}

static int tls_max_version(struct parse_ctx *ctx, yaml_node_t *value,
			   const char *path)
{
	return take_tls_version(ctx, value, path,
				&ctx->config->tls.max_version);
}

/* The names Go's tls.CipherSuites() lists, which the toolkit accepts. */
static const char *const go_cipher_suites[] = {
	"TLS_RSA_WITH_AES_128_CBC_SHA",
	"TLS_RSA_WITH_AES_256_CBC_SHA",
	"TLS_RSA_WITH_AES_128_GCM_SHA256",
	"TLS_RSA_WITH_AES_256_GCM_SHA384",
	"TLS_AES_128_GCM_SHA256",
	"TLS_AES_256_GCM_SHA384",
	"TLS_CHACHA20_POLY1305_SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
	"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
	"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
	"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
	"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
	"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
	"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
	"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
};

static int tls_cipher_suites(struct parse_ctx *ctx, yaml_node_t *value,
			     const char *path)
{
	struct web_tls *tls = &ctx->config->tls;
	size_t i, j, n = sizeof(go_cipher_suites) / sizeof(go_cipher_suites[0]);
	int err;

	err = take_string_list(ctx, value, path, &tls->cipher_suites,
			       &tls->n_cipher_suites);
	if (err)
		return err;
	for (i = 0; i < tls->n_cipher_suites; i++) {
		for (j = 0; j < n; j++)
			if (!strcmp(tls->cipher_suites[i], go_cipher_suites[j]))
				break;
		if (j == n)
			return fail(ctx, value,
				    "%s: unknown cipher suite \"%s\"", path,
				    tls->cipher_suites[i]);
	}
	if (tls->n_cipher_suites)
		add_warning(
			ctx, "tls_server_config.cipher_suites",
			"checked but not applied: GnuTLS picks key exchange, cipher and MAC separately, so a list of Go cipher suites has no exact equivalent");
	return 0;
}

static const char *const curve_names[] = {
	[WEB_CURVE_P256] = "CurveP256",
	[WEB_CURVE_P384] = "CurveP384",
	[WEB_CURVE_P521] = "CurveP521",
	[WEB_CURVE_X25519] = "X25519",
};

static int tls_curve_preferences(struct parse_ctx *ctx, yaml_node_t *value,
				 const char *path)
{
	struct web_tls *tls = &ctx->config->tls;
	yaml_node_item_t *item;
	size_t i;

	if (node_is_null(value))
		return 0;
	if (value->type != YAML_SEQUENCE_NODE)
		return fail(ctx, value, "%s must be a list of strings", path);
	tls->n_curves = 0;
	for (item = value->data.sequence.items.start;
	     item < value->data.sequence.items.top; item++) {
		yaml_node_t *elem = node_at(ctx, *item);

		for (i = 0; i <= WEB_CURVE_X25519; i++)
			if (elem->type == YAML_SCALAR_NODE &&
			    !strcmp(scalar_text(elem), curve_names[i]))
				break;
		if (i > WEB_CURVE_X25519)
			return fail(
				ctx, elem,
				"%s: unknown curve (CurveP256, CurveP384, CurveP521 or X25519)",
				path);
		/* a repeated curve changes nothing in the preference order */
		if (tls->n_curves < WEB_CONFIG_MAX_CURVES)
			tls->curves[tls->n_curves++] = i;
	}
	return 0;
}

static int tls_prefer_server(struct parse_ctx *ctx, yaml_node_t *value,
			     const char *path)
{
	return take_bool(ctx, value, path,
			 &ctx->config->tls.prefer_server_cipher_suites);
}

static int tls_client_allowed_sans(struct parse_ctx *ctx, yaml_node_t *value,
				   const char *path)
{
	struct web_tls *tls = &ctx->config->tls;

	return take_string_list(ctx, value, path, &tls->client_allowed_sans,
				&tls->n_client_allowed_sans);
}

static const struct key_entry tls_keys[] = {
	{"cert", tls_cert},
	{"key", tls_key},
	{"client_ca", tls_client_ca},
	{"cert_file", tls_cert_file},
	{"key_file", tls_key_file},
	{"client_auth_type", tls_client_auth_type},
	{"client_ca_file", tls_client_ca_file},
	{"client_allowed_sans", tls_client_allowed_sans},
	{"min_version", tls_min_version},
	{"max_version", tls_max_version},
	{"cipher_suites", tls_cipher_suites},
	{"prefer_server_cipher_suites", tls_prefer_server},
	{"curve_preferences", tls_curve_preferences},
};

static int http2_key(struct parse_ctx *ctx, yaml_node_t *value,
		     const char *path)
{
	ctx->http2_given = true;
	return take_bool(ctx, value, path, &ctx->config->http2);
}

/* The toolkit allows these five, two of them with fixed values only. */
static const struct {
	const char *name;
	const char *values[2];
} allowed_headers[WEB_CONFIG_MAX_HEADERS] = {
	{"Strict-Transport-Security", {NULL}},
	{"X-Content-Type-Options", {"nosniff"}},
	{"X-Frame-Options", {"deny", "sameorigin"}},
	{"X-XSS-Protection", {NULL}},
	{"Content-Security-Policy", {NULL}},
};

static int header_add(struct parse_ctx *ctx, yaml_node_t *key,
		      yaml_node_t *value, const char *path)
{
	struct web_config *config = ctx->config;
	const char *name = scalar_text(key);
	char *text = NULL;
	size_t i, j;
	int err;

	for (i = 0; i < WEB_CONFIG_MAX_HEADERS; i++)
		if (!strcmp(allowed_headers[i].name, name))
			break;
	if (i == WEB_CONFIG_MAX_HEADERS)
		return fail(ctx, key,
			    "%s: the HTTP header \"%s\" can not be configured",
			    path, name);
	err = take_string(ctx, value, path, &text);
	if (err)
		return err;
	if (!text || !*text) { /* "unset if blank" */
		free(text);
		return 0;
	}
	for (j = 0; j < 2 && allowed_headers[i].values[j]; j++)
		if (!strcmp(allowed_headers[i].values[j], text))
			break;
	if (allowed_headers[i].values[0] &&
	    (j == 2 || !allowed_headers[i].values[j])) {
		free(text);
		return fail(ctx, value, "%s.%s: invalid value", path, name);
	}
	config->headers[config->n_headers].name = allowed_headers[i].name;
	config->headers[config->n_headers].value = text;
	config->n_headers++;
	return 0;
}

typedef int (*pair_handler)(struct parse_ctx *ctx, yaml_node_t *key,
			    yaml_node_t *value, const char *path);

/* Calls handle for each pair of a mapping whose keys are free-form. */
static int each_pair(struct parse_ctx *ctx, yaml_node_t *map, const char *path,
		     pair_handler handle)
{
	yaml_node_pair_t *pair;
	yaml_node_t *key;
	int err;

	for (pair = map->data.mapping.pairs.start;
	     pair < map->data.mapping.pairs.top; pair++) {
		err = pair_key(ctx, map, pair, path, &key);
		if (!err)
			err = handle(ctx, key, node_at(ctx, pair->value), path);
		if (err)
			return err;
	}
	return 0;
}

static int headers_key(struct parse_ctx *ctx, yaml_node_t *value,
		       const char *path)
{
	if (node_is_null(value))
		return 0;
	if (value->type != YAML_MAPPING_NODE)
		return fail(ctx, value, "%s must be a mapping", path);
	return each_pair(ctx, value, path, header_add);
}

static const struct key_entry http_keys[] = {
	{"http2", http2_key},
	{"headers", headers_key},
};

int web_config_bcrypt_cost(const char *hash, unsigned *cost)
{
	static const char alphabet[] =
		"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned value;
	size_t i;

	/* $2?$NN$ then 22 characters of salt and 31 of digest */
	if (strlen(hash) != 60 || hash[0] != '$' || hash[1] != '2' ||
	    !strchr("abxy", hash[2]) || hash[2] == '\0' || hash[3] != '$' ||
	    hash[6] != '$')
		return -EINVAL;
	if (hash[4] < '0' || hash[4] > '9' || hash[5] < '0' || hash[5] > '9')
		return -EINVAL;
	value = (hash[4] - '0') * 10 + (hash[5] - '0');
	if (value < 4 || value > 31)
		return -EINVAL;
	for (i = 7; i < 60; i++)
		if (!strchr(alphabet, hash[i]) || hash[i] == '\0')
			return -EINVAL;
	*cost = value;
	return 0;
}

static int user_add(struct parse_ctx *ctx, yaml_node_t *key, yaml_node_t *value,
		    const char *path)
{
	struct web_config *config = ctx->config;
	struct web_user *user = &config->users[config->n_users];
	char *hash = NULL;
	int err;

	if (value->type != YAML_SCALAR_NODE || node_is_null(value))
		return fail(
			ctx, value,
			"%s: the password of user \"%s\" must be a bcrypt hash",
			path, scalar_text(key));
	err = take_string(ctx, value, path, &hash);
	if (err)
		return err;
	/* never echo the value: it may be a password written in clear */
	if (web_config_bcrypt_cost(hash, &user->cost) < 0) {
		free(hash);
		return fail(
			ctx, value,
			"%s: the password of user \"%s\" is not a bcrypt hash ($2a$, $2b$ or $2y$); plaintext, DES and other schemes are refused",
			path, scalar_text(key));
	}
	user->hash = hash;
	user->name = strdup(scalar_text(key));
	if (!user->name) {
		free(hash);
		return -ENOMEM;
	}
	config->n_users++;
	return 0;
}

static int users_key(struct parse_ctx *ctx, yaml_node_t *value,
		     const char *path)
{
	size_t n;

	if (node_is_null(value))
		return 0;
	if (value->type != YAML_MAPPING_NODE)
		return fail(
			ctx, value,
			"%s must be a mapping of user names to bcrypt hashes",
			path);
	n = value->data.mapping.pairs.top - value->data.mapping.pairs.start;
	ctx->config->users = calloc(n + 1, sizeof(*ctx->config->users));
	if (!ctx->config->users)
		return -ENOMEM;
	return each_pair(ctx, value, path, user_add);
}

static int tls_section(struct parse_ctx *ctx, yaml_node_t *value,
		       const char *path)
{
	return parse_mapping(ctx, value, path, tls_keys,
			     sizeof(tls_keys) / sizeof(tls_keys[0]), "");
}

static int http_section(struct parse_ctx *ctx, yaml_node_t *value,
			const char *path)
{
	return parse_mapping(ctx, value, path, http_keys,
			     sizeof(http_keys) / sizeof(http_keys[0]), "");
}

static const struct key_entry web_keys[] = {
	{"tls_server_config", tls_section},
	{"http_server_config", http_section},
	{"basic_auth_users", users_key},
};

static const struct key_entry admin_keys[] = {
	{"admin_users", users_key},
};

static int read_text(const char *path, char **out, size_t *len_out)
{
	struct stat st;
	char *text;
	size_t done = 0;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > WEB_CONFIG_MAX_FILE) {
		err = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
		goto out_close;
	}
	text = malloc(st.st_size + 1);
	if (!text) {
		err = -ENOMEM;
		goto out_close;
	}
	while ((n = read(fd, text + done, st.st_size - done)) > 0)
		done += n;
	if (n < 0) {
		err = -errno;
		free(text);
		goto out_close;
	}
	text[done] = '\0';
	*out = text;
	if (len_out)
		*len_out = done;
	err = 0;
out_close:
	close(fd);
	return err;
}

/* Inline PEM text, or the contents of the file the *_file key names. */
static int pem_take(struct parse_ctx *ctx, char **inline_text, const char *file,
		    const char *inline_key, const char *file_key, char **out,
		    char **path_out)
{
	char path[4096];
	int err;

	if (*inline_text && file)
		return fail(ctx, NULL,
			    "tls_server_config: give %s or %s, not both",
			    inline_key, file_key);
	if (*inline_text) {
		*out = *inline_text;
		*inline_text = NULL;
		return 0;
	}
	if (!file)
		return 0;
	if (file[0] == '/' || !ctx->base_dir)
		snprintf(path, sizeof(path), "%s", file);
	else
		snprintf(path, sizeof(path), "%s/%s", ctx->base_dir, file);
	err = read_text(path, out, NULL);
	if (err)
		return fail(ctx, NULL,
			    "tls_server_config.%s: cannot read %s: %s",
			    file_key, path, strerror(-err));
	if (path_out && !(*path_out = strdup(path)))
		return -ENOMEM;
	return 0;
}

static const char *const client_auth_names[] = {
	[WEB_CLIENT_AUTH_NONE] = "NoClientCert",
	[WEB_CLIENT_AUTH_REQUEST] = "RequestClientCert",
	[WEB_CLIENT_AUTH_REQUIRE_ANY] = "RequireAnyClientCert",
	[WEB_CLIENT_AUTH_VERIFY_IF_GIVEN] = "VerifyClientCertIfGiven",
	[WEB_CLIENT_AUTH_REQUIRE_VERIFY] = "RequireAndVerifyClientCert",
};

const char *web_config_client_auth_name(enum web_client_auth auth)
{
	return client_auth_names[auth];
}

static int client_auth_check(struct parse_ctx *ctx)
{
	struct web_tls *tls = &ctx->config->tls;
	const char *text = ctx->client_auth_type;
	size_t i;

	tls->client_auth = WEB_CLIENT_AUTH_NONE;
	if (text && *text) {
		for (i = 0; i <= WEB_CLIENT_AUTH_REQUIRE_VERIFY; i++)
			if (!strcmp(text, client_auth_names[i]))
				break;
		/* the toolkit keeps the old spelling working */
		if (!strcmp(text, "RequireClientCert"))
			i = WEB_CLIENT_AUTH_REQUIRE_ANY;
		if (i > WEB_CLIENT_AUTH_REQUIRE_VERIFY)
			return fail(
				ctx, NULL,
				"tls_server_config.client_auth_type: unknown policy \"%s\"",
				text);
		tls->client_auth = i;
	}
	if (tls->client_ca_pem && tls->client_auth == WEB_CLIENT_AUTH_NONE)
		return fail(
			ctx, NULL,
			"tls_server_config: a client CA is configured without a client_auth_type");
	/* libmicrohttpd asks for a client certificate only with CAs to offer */
	if (!tls->client_ca_pem && tls->client_auth != WEB_CLIENT_AUTH_NONE)
		return fail(
			ctx, NULL,
			"tls_server_config.client_auth_type %s needs client_ca_file or client_ca here: libmicrohttpd requests client certificates only when it has a CA list",
			client_auth_names[tls->client_auth]);
	if (tls->n_client_allowed_sans &&
	    tls->client_auth != WEB_CLIENT_AUTH_REQUIRE_ANY &&
	    tls->client_auth != WEB_CLIENT_AUTH_REQUIRE_VERIFY)
		return fail(
			ctx, NULL,
			"tls_server_config.client_allowed_sans needs client_auth_type RequireAnyClientCert or RequireAndVerifyClientCert");
	return 0;
}

/* Lets GnuTLS read the PEM now, so a bad file stops start-up, not a scrape. */
static int tls_gnutls_check(struct parse_ctx *ctx)
{
	struct web_tls *tls = &ctx->config->tls;
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t prio;
	gnutls_datum_t cert = {(unsigned char *)tls->cert_pem,
			       (unsigned)strlen(tls->cert_pem)};
	gnutls_datum_t key = {(unsigned char *)tls->key_pem,
			      (unsigned)strlen(tls->key_pem)};
	char priorities[256];
	const char *where;
	int ret, err = 0;

	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return -ENOMEM;
	ret = gnutls_certificate_set_x509_key_mem(cred, &cert, &key,
						  GNUTLS_X509_FMT_PEM);
	if (ret < 0) {
		err = fail(
			ctx, NULL,
			"tls_server_config: the certificate and key cannot be used: %s",
			gnutls_strerror(ret));
		goto out_free;
	}
	if (tls->client_ca_pem) {
		gnutls_datum_t ca = {(unsigned char *)tls->client_ca_pem,
				     (unsigned)strlen(tls->client_ca_pem)};

		ret = gnutls_certificate_set_x509_trust_mem(
			cred, &ca, GNUTLS_X509_FMT_PEM);
		if (ret <= 0) {
			err = fail(
				ctx, NULL,
				"tls_server_config: no usable CA certificate in the client CA: %s",
				ret < 0 ? gnutls_strerror(ret) : "none found");
			goto out_free;
		}
	}
	web_config_tls_priorities(tls, priorities, sizeof(priorities));
	ret = gnutls_priority_init(&prio, priorities, &where);
	if (ret < 0) {
		err = fail(
			ctx, NULL,
			"tls_server_config: GnuTLS refuses the priorities \"%s\": %s",
			priorities, gnutls_strerror(ret));
		goto out_free;
	}
	gnutls_priority_deinit(prio);
out_free:
	gnutls_certificate_free_credentials(cred);
	return err;
}

static int tls_finish(struct parse_ctx *ctx)
{
	struct web_tls *tls = &ctx->config->tls;
	int err;

	/* the toolkit's rule: any of these switches TLS on */
	tls->enabled = ctx->cert || ctx->key || ctx->client_ca ||
		       ctx->cert_file || ctx->key_file || ctx->client_ca_file ||
		       ctx->client_auth_type;
	if (!tls->enabled)
		return 0;
	if (!ctx->cert && !ctx->cert_file)
		return fail(
			ctx, NULL,
			"tls_server_config: missing one of cert or cert_file");
	if (!ctx->key && !ctx->key_file)
		return fail(
			ctx, NULL,
			"tls_server_config: missing one of key or key_file");
	err = pem_take(ctx, &ctx->cert, ctx->cert_file, "cert", "cert_file",
		       &tls->cert_pem, &tls->cert_path);
	if (!err)
		err = pem_take(ctx, &ctx->key, ctx->key_file, "key", "key_file",
			       &tls->key_pem, &tls->key_path);
	if (!err)
		err = pem_take(ctx, &ctx->client_ca, ctx->client_ca_file,
			       "client_ca", "client_ca_file",
			       &tls->client_ca_pem, NULL);
	if (!err)
		err = client_auth_check(ctx);
	if (err)
		return err;
	if (tls->min_version > tls->max_version)
		return fail(
			ctx, NULL,
			"tls_server_config: min_version %s is above max_version %s",
			tls_version_names[tls->min_version],
			tls_version_names[tls->max_version]);
	return tls_gnutls_check(ctx);
}

static void parse_ctx_release(struct parse_ctx *ctx)
{
	free(ctx->cert);
	if (ctx->key) /* an inline key is a secret too */
		explicit_bzero(ctx->key, strlen(ctx->key));
	free(ctx->key);
	free(ctx->client_ca);
	free(ctx->cert_file);
	free(ctx->key_file);
	free(ctx->client_ca_file);
	free(ctx->client_auth_type);
}

static int parse_document(struct parse_ctx *ctx, enum web_config_kind kind)
{
	yaml_node_t *root = yaml_document_get_root_node(ctx->doc);
	int err;

	if (!root) /* an empty file: every default, as in the toolkit */
		return 0;
	if (kind == WEB_CONFIG_ADMIN)
		err = parse_mapping(ctx, root, "", admin_keys,
				    sizeof(admin_keys) / sizeof(admin_keys[0]),
				    " (an admin file has admin_users only)");
	else
		err = parse_mapping(
			ctx, root, "", web_keys,
			sizeof(web_keys) / sizeof(web_keys[0]),
			" (not in the exporter-toolkit " WEB_CONFIG_TOOLKIT_VERSION
			" web configuration format)");
	if (err)
		return err;
	if (ctx->http2_given && ctx->config->http2)
		add_warning(ctx, "http_server_config.http2",
			    "not applied: libmicrohttpd speaks HTTP/1.1 only");
	return tls_finish(ctx);
}

static struct web_config *web_config_new(enum web_config_kind kind)
{
	struct web_config *config = calloc(1, sizeof(*config));

	if (!config)
		return NULL;
	config->kind = kind;
	config->http2 = true;
	config->tls.min_version = WEB_TLS12;
	config->tls.max_version = WEB_TLS13;
	config->tls.prefer_server_cipher_suites = true;
	return config;
}

/*
 * Refuses text nested deeper than WEB_CONFIG_MAX_DEPTH before it is
 * loaded: libyaml's scanner spends time in proportion to the depth on
 * every token, so a file nested 100 000 deep took half a minute to
 * reject. The events stop at the first level too deep; a syntax error is
 * left to the load, which words it. Returns 0, -EINVAL or -ENOMEM.
 */
static int depth_check(const char *text, size_t len, char *err, size_t err_len)
{
	yaml_parser_t parser;
	yaml_event_t event;
	int depth = 0, ret = 0;
	bool done = false;

	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done && yaml_parser_parse(&parser, &event)) {
		if (event.type == YAML_SEQUENCE_START_EVENT ||
		    event.type == YAML_MAPPING_START_EVENT)
			depth++;
		else if (event.type == YAML_SEQUENCE_END_EVENT ||
			 event.type == YAML_MAPPING_END_EVENT)
			depth--;
		done = event.type == YAML_STREAM_END_EVENT;
		if (depth > WEB_CONFIG_MAX_DEPTH) {
			snprintf(
				err, err_len,
				"line %zu column %zu: nested deeper than %d levels",
				event.start_mark.line + 1,
				event.start_mark.column + 1,
				WEB_CONFIG_MAX_DEPTH);
			ret = -EINVAL;
			done = true;
		}
		yaml_event_delete(&event);
	}
	yaml_parser_delete(&parser);
	return ret;
}

int web_config_parse(const char *text, size_t len, const char *base_dir,
		     enum web_config_kind kind, struct web_config **out,
		     char *err, size_t err_len)
{
	struct parse_ctx ctx = {
		.base_dir = base_dir, .err = err, .err_len = err_len};
	yaml_parser_t parser;
	yaml_document_t doc;
	int ret;

	if (err_len)
		err[0] = '\0';
	ret = depth_check(text, len, err, err_len);
	if (ret == -ENOMEM && err_len)
		snprintf(err, err_len, "out of memory");
	if (ret)
		return ret;
	ctx.config = web_config_new(kind);
	if (!ctx.config)
		return -ENOMEM;
	if (!yaml_parser_initialize(&parser)) {
		web_config_free(ctx.config);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, err_len, "line %zu column %zu: %s%s%s",
			 parser.problem_mark.line + 1,
			 parser.problem_mark.column + 1,
			 parser.problem ? parser.problem : "malformed YAML",
			 parser.context ? " " : "",
			 parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		web_config_free(ctx.config);
		return -EINVAL;
	}
	ctx.doc = &doc;
	ret = parse_document(&ctx, kind);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	parse_ctx_release(&ctx);
	if (ret) {
		if (ret == -ENOMEM && err_len)
			snprintf(err, err_len, "out of memory");
		web_config_free(ctx.config);
		return ret;
	}
	*out = ctx.config;
	return 0;
}

int web_config_load(const char *path, enum web_config_kind kind,
		    struct web_config **out, char *err, size_t err_len)
{
	char *text, *dir, *slash, msg[512];
	size_t len;
	int ret;

	ret = read_text(path, &text, &len);
	if (ret) {
		snprintf(err, err_len, "%s: %s", path, strerror(-ret));
		return ret;
	}
	dir = strdup(path);
	if (!dir) {
		free(text);
		return -ENOMEM;
	}
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	ret = web_config_parse(text, len, slash ? dir : ".", kind, out, msg,
			       sizeof(msg));
	if (ret)
		snprintf(err, err_len, "%s: %s", path, msg);
	free(dir);
	free(text);
	return ret;
}

static void tls_release(struct web_tls *tls)
{
	free(tls->cert_pem);
	/* the key is a secret: do not leave it in freed heap memory */
	if (tls->key_pem)
		explicit_bzero(tls->key_pem, strlen(tls->key_pem));
	free(tls->key_pem);
	free(tls->cert_path);
	free(tls->key_path);
	free(tls->client_ca_pem);
	string_list_free(tls->cipher_suites, tls->n_cipher_suites);
	string_list_free(tls->client_allowed_sans, tls->n_client_allowed_sans);
}

void web_config_free(struct web_config *config)
{
	size_t i;

	if (!config)
		return;
	tls_release(&config->tls);
	for (i = 0; i < config->n_headers; i++)
		free(config->headers[i].value);
	for (i = 0; config->users && i < config->n_users; i++) {
		free(config->users[i].name);
		free(config->users[i].hash);
	}
	free(config->users);
	free(config);
}

const struct web_user *web_config_user(const struct web_config *config,
				       const char *name)
{
	size_t i;

	for (i = 0; config && i < config->n_users; i++)
		if (!strcmp(config->users[i].name, name))
			return &config->users[i];
	return NULL;
}

int web_config_tls_priorities(const struct web_tls *tls, char *buf, size_t len)
{
	static const char *const versions[] = {
		[WEB_TLS10] = "+VERS-TLS1.0",
		[WEB_TLS11] = "+VERS-TLS1.1",
		[WEB_TLS12] = "+VERS-TLS1.2",
		[WEB_TLS13] = "+VERS-TLS1.3",
	};
	static const char *const groups[] = {
		[WEB_CURVE_P256] = "+GROUP-SECP256R1",
		[WEB_CURVE_P384] = "+GROUP-SECP384R1",
		[WEB_CURVE_P521] = "+GROUP-SECP521R1",
		[WEB_CURVE_X25519] = "+GROUP-X25519",
	};
	size_t used, i;
	int n;

	n = snprintf(buf, len, "NORMAL:-VERS-ALL");
	for (i = tls->min_version; i <= tls->max_version && n >= 0; i++) {
		used = (size_t)n < len ? (size_t)n : len;
		n += snprintf(buf + used, len - used, ":%s", versions[i]);
	}
	if (tls->n_curves) {
		used = (size_t)n < len ? (size_t)n : len;
		n += snprintf(buf + used, len - used, ":-GROUP-ALL");
	}
	for (i = 0; i < tls->n_curves; i++) {
		used = (size_t)n < len ? (size_t)n : len;
		n += snprintf(buf + used, len - used, ":%s",
			      groups[tls->curves[i]]);
	}
	if (tls->prefer_server_cipher_suites) {
		used = (size_t)n < len ? (size_t)n : len;
		n += snprintf(buf + used, len - used, ":%%SERVER_PRECEDENCE");
	}
	return n >= 0 && (size_t)n < len ? 0 : -ENOSPC;
}
