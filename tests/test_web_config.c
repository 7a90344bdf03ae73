// SPDX-License-Identifier: Apache-2.0
/*
 * The web configuration parser: a real node_exporter file, every key of the
 * exporter-toolkit format, strictness (unknown and repeated keys), warnings
 * for keys that cannot take effect, and the bcrypt-only rule of cases/16.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web_config.h"

#define FIXTURE_DIR NSE_FIXTURES "/web_config"

/* bcrypt of "s3cret" at cost 4, and the same in the other spellings */
#define HASH_2B "$2b$04$5XbmPVH65.ynkspDjo/E3eplvUTJs.Us8L2MLb.qlzKGz.qBJQpH."
#define HASH_2A "$2a$04$5XbmPVH65.ynkspDjo/E3eplvUTJs.Us8L2MLb.qlzKGz.qBJQpH."
#define HASH_2Y "$2y$04$5XbmPVH65.ynkspDjo/E3eplvUTJs.Us8L2MLb.qlzKGz.qBJQpH."
#define HASH_2X "$2x$04$5XbmPVH65.ynkspDjo/E3eplvUTJs.Us8L2MLb.qlzKGz.qBJQpH."

static char err[512];

static int parse(const char *text, enum web_config_kind kind,
		 struct web_config **out)
{
	err[0] = '\0';
	return web_config_parse(text, strlen(text), FIXTURE_DIR, kind, out, err,
				sizeof(err));
}

/* Parses text that must be refused and checks the message names needle. */
static void assert_refused(const char *text, const char *needle)
{
	struct web_config *config = NULL;

	assert_int_equal(parse(text, WEB_CONFIG_WEB, &config), -EINVAL);
	assert_null(config);
	if (!strstr(err, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err, needle);
}

static void node_exporter_file_loads_unchanged(void **state)
{
	struct web_config *config = NULL;
	const struct web_user *alice, *bob;
	char prio[256];

	(void)state;
	assert_int_equal(web_config_load(FIXTURE_DIR "/node_exporter.yml",
					 WEB_CONFIG_WEB, &config, err,
					 sizeof(err)),
			 0);
	assert_true(config->tls.enabled);
	assert_non_null(strstr(config->tls.cert_pem, "BEGIN CERTIFICATE"));
	assert_non_null(strstr(config->tls.key_pem, "PRIVATE KEY"));
	assert_non_null(strstr(config->tls.client_ca_pem, "BEGIN CERTIFICATE"));
	assert_int_equal(config->tls.client_auth,
			 WEB_CLIENT_AUTH_REQUIRE_VERIFY);
	assert_int_equal(config->tls.n_curves, 2);
	assert_int_equal(config->tls.curves[0], WEB_CURVE_X25519);
	assert_int_equal(config->tls.curves[1], WEB_CURVE_P256);
	assert_int_equal(config->n_headers, 3);
	assert_string_equal(config->headers[0].name, "X-Frame-Options");
	assert_string_equal(config->headers[0].value, "deny");
	assert_string_equal(config->headers[2].value, "max-age=31536000");
	assert_int_equal(config->n_users, 2);
	alice = web_config_user(config, "alice");
	bob = web_config_user(config, "bob");
	assert_non_null(alice);
	assert_non_null(bob);
	assert_null(web_config_user(config, "carol"));
	assert_int_equal(alice->cost, 5);
	assert_int_equal(bob->cost, 4);
	assert_int_equal(strncmp(alice->hash, "$2y$05$", 7), 0);
	assert_int_equal(config->n_warnings, 0);
	assert_int_equal(
		web_config_tls_priorities(&config->tls, prio, sizeof(prio)), 0);
	assert_string_equal(
		prio,
		"NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.3:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:%SERVER_PRECEDENCE");
	web_config_free(config);
}

static void empty_file_means_defaults(void **state)
{
	struct web_config *config = NULL;

	(void)state;
	assert_int_equal(parse("# nothing here\n", WEB_CONFIG_WEB, &config), 0);
	assert_false(config->tls.enabled);
	assert_true(config->http2);
	assert_int_equal(config->n_users, 0);
	assert_int_equal(config->n_headers, 0);
	assert_int_equal(config->n_warnings, 0);
	assert_int_equal(config->tls.min_version, WEB_TLS12);
	assert_int_equal(config->tls.max_version, WEB_TLS13);
	web_config_free(config);
}

static void malformed_yaml_is_refused_with_its_line(void **state)
{
	(void)state;
	assert_refused("basic_auth_users:\n  admin: [unclosed\n", "line ");
	assert_refused("tls_server_config: {cert_file: a\n", "line ");
	assert_refused("- a list\n- not a mapping\n", "must be a mapping");
}

static void unknown_keys_are_errors_naming_them(void **state)
{
	(void)state;
	assert_refused("rate_limit:\n  burst: 20\n", "\"rate_limit\"");
	assert_refused("tls_server_config:\n  cert_flie: x\n",
		       "\"tls_server_config.cert_flie\"");
	assert_refused("http_server_config:\n  http3: true\n",
		       "\"http_server_config.http3\"");
	/* the toolkit's format has no such key: no silent ignoring */
	assert_refused("basic_auth_users: {}\nadmin_users: {}\n",
		       "\"admin_users\"");
}

static void repeated_keys_are_errors(void **state)
{
	(void)state;
	assert_refused("http_server_config: {}\nhttp_server_config: {}\n",
		       "given twice");
	assert_refused("basic_auth_users:\n  a: '" HASH_2B "'\n  a: '" HASH_2B
		       "'\n",
		       "basic_auth_users: \"a\" is given twice");
}

static void http2_true_gives_a_warning_naming_it(void **state)
{
	struct web_config *config = NULL;

	(void)state;
	assert_int_equal(parse("http_server_config:\n  http2: true\n",
			       WEB_CONFIG_WEB, &config),
			 0);
	assert_int_equal(config->n_warnings, 1);
	assert_string_equal(config->warnings[0].key,
			    "http_server_config.http2");
	assert_non_null(strstr(config->warnings[0].reason, "HTTP/1.1"));
	web_config_free(config);

	assert_int_equal(parse("http_server_config:\n  http2: false\n",
			       WEB_CONFIG_WEB, &config),
			 0);
	assert_false(config->http2);
	assert_int_equal(config->n_warnings, 0);
	web_config_free(config);

	assert_refused("http_server_config:\n  http2: 'true'\n",
		       "http2 must be true or false");
}

static void cipher_suites_are_checked_and_warned_about(void **state)
{
	struct web_config *config = NULL;

	(void)state;
	assert_int_equal(parse("tls_server_config:\n  cipher_suites:\n"
			       "    - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n",
			       WEB_CONFIG_WEB, &config),
			 0);
	assert_int_equal(config->tls.n_cipher_suites, 1);
	assert_int_equal(config->n_warnings, 1);
	assert_string_equal(config->warnings[0].key,
			    "tls_server_config.cipher_suites");
	web_config_free(config);
	assert_refused("tls_server_config:\n  cipher_suites: [TLS_MADE_UP]\n",
		       "TLS_MADE_UP");
}

static void des_and_plaintext_hashes_are_refused_naming_the_user(void **state)
{
	(void)state;
	/* cases/16: htpasswd -d writes DES; crypt() would verify it */
	assert_refused("basic_auth_users:\n  admin: abhWCwoTZY2c6\n",
		       "user \"admin\" is not a bcrypt hash");
	assert_refused("basic_auth_users:\n  admin: s3cret\n",
		       "user \"admin\" is not a bcrypt hash");
	/* the message must not echo what may be a password in clear */
	assert_null(strstr(err, "s3cret"));
	assert_refused("basic_auth_users:\n  admin: '$1$abc$defghijklmnop'\n",
		       "user \"admin\"");
	assert_refused("basic_auth_users:\n  admin: ~\n", "user \"admin\"");
	assert_refused("basic_auth_users:\n  admin: [a]\n", "user \"admin\"");
}

static void every_bcrypt_spelling_is_accepted(void **state)
{
	static const char *const hashes[] = {HASH_2A, HASH_2B, HASH_2Y,
					     HASH_2X};
	struct web_config *config = NULL;
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(text, sizeof(text),
			 "basic_auth_users:\n  u%zu: '%s'\n", i, hashes[i]);
		assert_int_equal(parse(text, WEB_CONFIG_WEB, &config), 0);
		assert_int_equal(config->n_users, 1);
		assert_int_equal(config->users[0].cost, 4);
		assert_string_equal(config->users[0].hash, hashes[i]);
		web_config_free(config);
	}
}

static void bcrypt_cost_reads_only_wellformed_hashes(void **state)
{
	unsigned cost = 99;

	(void)state;
	assert_int_equal(web_config_bcrypt_cost(HASH_2B, &cost), 0);
	assert_int_equal(cost, 4);
	assert_int_equal(
		web_config_bcrypt_cost(
			"$2b$31$5XbmPVH65.ynkspDjo/E3eplvUTJs.Us8L2MLb.qlzKGz.qBJQpH.",
			&cost),
		0);
	assert_int_equal(cost, 31);
	assert_int_equal(
		web_config_bcrypt_cost(
			"$2b$03$5XbmPVH65.ynkspDjo/E3eplvUTJs.Us8L2MLb.qlzKGz.qBJQpH.",
			&cost),
		-EINVAL);
	assert_int_equal(
		web_config_bcrypt_cost(
			"$2b$32$5XbmPVH65.ynkspDjo/E3eplvUTJs.Us8L2MLb.qlzKGz.qBJQpH.",
			&cost),
		-EINVAL);
	assert_int_equal(
		web_config_bcrypt_cost(
			"$2c$04$5XbmPVH65.ynkspDjo/E3eplvUTJs.Us8L2MLb.qlzKGz.qBJQpH.",
			&cost),
		-EINVAL);
	assert_int_equal(
		web_config_bcrypt_cost(
			"$2b$04$5XbmPVH65.ynkspDjo/E3eplvUTJs.Us8L2MLb.qlzKGz.qBJQpH",
			&cost),
		-EINVAL);
	assert_int_equal(
		web_config_bcrypt_cost(
			"$2b$04$5XbmPVH65.ynkspDjo/E3eplvUTJs.Us8L2MLb.qlzKGz.qBJQp*.",
			&cost),
		-EINVAL);
	assert_int_equal(web_config_bcrypt_cost("", &cost), -EINVAL);
	assert_int_equal(cost, 31);
}

static void headers_follow_the_toolkit_list(void **state)
{
	struct web_config *config = NULL;

	(void)state;
	assert_refused(
		"http_server_config:\n  headers:\n    X-Powered-By: me\n",
		"\"X-Powered-By\" can not be configured");
	assert_refused(
		"http_server_config:\n  headers:\n    X-Frame-Options: allow\n",
		"X-Frame-Options: invalid value");
	assert_int_equal(parse("http_server_config:\n  headers:\n"
			       "    Content-Security-Policy: ''\n"
			       "    X-XSS-Protection: '1; mode=block'\n",
			       WEB_CONFIG_WEB, &config),
			 0);
	/* blank means unset, as documented */
	assert_int_equal(config->n_headers, 1);
	assert_string_equal(config->headers[0].name, "X-XSS-Protection");
	web_config_free(config);
}

static void tls_settings_are_checked_together(void **state)
{
	(void)state;
	assert_refused("tls_server_config:\n  cert_file: server.crt\n",
		       "missing one of key or key_file");
	assert_refused("tls_server_config:\n  key_file: server.key\n",
		       "missing one of cert or cert_file");
	assert_refused("tls_server_config:\n  cert_file: nosuch.crt\n"
		       "  key_file: server.key\n",
		       "nosuch.crt");
	assert_refused("tls_server_config:\n  cert_file: server.crt\n"
		       "  key_file: server.key\n  client_ca_file: ca.crt\n",
		       "without a client_auth_type");
	assert_refused("tls_server_config:\n  cert_file: server.crt\n"
		       "  key_file: server.key\n  client_auth_type: Maybe\n",
		       "unknown policy \"Maybe\"");
	assert_refused("tls_server_config:\n  cert_file: server.crt\n"
		       "  key_file: server.key\n  min_version: TLS13\n"
		       "  max_version: TLS12\n",
		       "min_version TLS13 is above max_version TLS12");
	assert_refused("tls_server_config:\n  min_version: SSL3\n",
		       "unknown TLS version");
	assert_refused("tls_server_config:\n  cert_file: server.crt\n"
		       "  key_file: ca.crt\n",
		       "cannot be used");
	assert_refused(
		"tls_server_config:\n  cert_file: server.crt\n"
		"  key_file: server.key\n  client_auth_type: VerifyClientCertIfGiven\n"
		"  client_ca_file: ca.crt\n  client_allowed_sans: [a]\n",
		"client_allowed_sans needs");
	assert_refused("tls_server_config:\n  curve_preferences: [CurveP224]\n",
		       "unknown curve");
}

static char *fixture_text(const char *name)
{
	char path[512];
	FILE *f;
	char *text = calloc(1, 65536);
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", FIXTURE_DIR, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(text);
	n = fread(text, 1, 65535, f);
	fclose(f);
	text[n] = '\0';
	return text;
}

/* Indents PEM text for a YAML block scalar. */
static void append_block(char *out, size_t len, const char *key,
			 const char *pem)
{
	const char *line;

	snprintf(out + strlen(out), len - strlen(out), "  %s: |\n", key);
	for (line = pem; *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line + 1) : strlen(line);

		snprintf(out + strlen(out), len - strlen(out), "    %.*s",
			 (int)n, line);
		line += n;
	}
}

static void inline_cert_and_key_work_like_files(void **state)
{
	char *cert = fixture_text("server.crt"),
	     *key = fixture_text("server.key");
	char *text = calloc(1, 65536);
	struct web_config *config = NULL;

	(void)state;
	assert_non_null(text);
	strcpy(text, "tls_server_config:\n");
	append_block(text, 65536, "cert", cert);
	append_block(text, 65536, "key", key);
	assert_int_equal(parse(text, WEB_CONFIG_WEB, &config), 0);
	assert_true(config->tls.enabled);
	assert_string_equal(config->tls.cert_pem, cert);
	assert_string_equal(config->tls.key_pem, key);
	web_config_free(config);
	strcat(text, "  cert_file: server.crt\n");
	assert_int_equal(parse(text, WEB_CONFIG_WEB, &config), -EINVAL);
	assert_non_null(strstr(err, "give cert or cert_file, not both"));
	free(text);
	free(cert);
	free(key);
}

static void admin_file_holds_admin_users_only(void **state)
{
	struct web_config *config = NULL;

	(void)state;
	assert_int_equal(parse("admin_users:\n  root: '" HASH_2Y "'\n",
			       WEB_CONFIG_ADMIN, &config),
			 0);
	assert_int_equal(config->kind, WEB_CONFIG_ADMIN);
	assert_int_equal(config->n_users, 1);
	assert_string_equal(config->users[0].name, "root");
	web_config_free(config);
	assert_int_equal(parse("basic_auth_users:\n  root: '" HASH_2Y "'\n",
			       WEB_CONFIG_ADMIN, &config),
			 -EINVAL);
	assert_non_null(strstr(err, "\"basic_auth_users\""));
	assert_int_equal(parse("admin_users:\n  root: abhWCwoTZY2c6\n",
			       WEB_CONFIG_ADMIN, &config),
			 -EINVAL);
	assert_non_null(strstr(err, "user \"root\" is not a bcrypt hash"));
}

static void missing_file_is_named(void **state)
{
	struct web_config *config = NULL;

	(void)state;
	assert_int_equal(web_config_load(FIXTURE_DIR "/nosuch.yml",
					 WEB_CONFIG_WEB, &config, err,
					 sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "nosuch.yml"));
	assert_null(config);
}

static void priorities_follow_versions_and_preference(void **state)
{
	struct web_tls tls = {.min_version = WEB_TLS13,
			      .max_version = WEB_TLS13};
	char small[8], prio[128];

	(void)state;
	assert_int_equal(web_config_tls_priorities(&tls, prio, sizeof(prio)),
			 0);
	assert_string_equal(prio, "NORMAL:-VERS-ALL:+VERS-TLS1.3");
	tls.min_version = WEB_TLS10;
	tls.prefer_server_cipher_suites = true;
	assert_int_equal(web_config_tls_priorities(&tls, prio, sizeof(prio)),
			 0);
	assert_string_equal(
		prio,
		"NORMAL:-VERS-ALL:+VERS-TLS1.0:+VERS-TLS1.1:+VERS-TLS1.2:+VERS-TLS1.3:%SERVER_PRECEDENCE");
	assert_int_equal(web_config_tls_priorities(&tls, small, sizeof(small)),
			 -ENOSPC);
}

/* "basic_auth_users: " and depth flow sequences, one inside the other. */
static char *nested_text(size_t depth)
{
	const char *key = "basic_auth_users: ";
	size_t key_len = strlen(key);
	char *text = malloc(key_len + 2 * depth + 1);

	assert_non_null(text);
	memcpy(text, key, key_len);
	memset(text + key_len, '[', depth);
	memset(text + key_len + depth, ']', depth);
	text[key_len + 2 * depth] = '\0';
	return text;
}

/*
 * A file nested 100 000 deep is refused at the first level too deep, not
 * after libyaml's scanner has walked every level for every token; 32
 * levels (the root mapping and 31 sequences) are still judged on content.
 */
static void deep_nesting_is_refused_at_once(void **state)
{
	char *deep = nested_text(100000), *limit = nested_text(31);

	(void)state;
	assert_refused(deep, "line 1 column 50: nested deeper than 32 levels");
	assert_refused(limit, "basic_auth_users must be a mapping");
	free(deep);
	free(limit);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(node_exporter_file_loads_unchanged),
		cmocka_unit_test(empty_file_means_defaults),
		cmocka_unit_test(malformed_yaml_is_refused_with_its_line),
		cmocka_unit_test(unknown_keys_are_errors_naming_them),
		cmocka_unit_test(repeated_keys_are_errors),
		cmocka_unit_test(http2_true_gives_a_warning_naming_it),
		cmocka_unit_test(cipher_suites_are_checked_and_warned_about),
		cmocka_unit_test(
			des_and_plaintext_hashes_are_refused_naming_the_user),
		cmocka_unit_test(every_bcrypt_spelling_is_accepted),
		cmocka_unit_test(bcrypt_cost_reads_only_wellformed_hashes),
		cmocka_unit_test(headers_follow_the_toolkit_list),
		cmocka_unit_test(tls_settings_are_checked_together),
		cmocka_unit_test(inline_cert_and_key_work_like_files),
		cmocka_unit_test(admin_file_holds_admin_users_only),
		cmocka_unit_test(missing_file_is_named),
		cmocka_unit_test(priorities_follow_versions_and_preference),
		cmocka_unit_test(deep_nesting_is_refused_at_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
