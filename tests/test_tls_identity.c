// SPDX-License-Identifier: Apache-2.0
/*
 * The served certificate and key: what the handshake callback hands to
 * GnuTLS, a chain longer than the first guess, refusals that keep the
 * identity in use, and replacement on reload.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tls_identity.h"

#define FIXTURE_DIR NSE_FIXTURES "/web_config"

static char *slurp(const char *path)
{
	char *text = NULL;
	size_t len = 0;
	FILE *file = fopen(path, "r");

	assert_non_null(file);
	assert_int_equal(getdelim(&text, &len, '\0', file) > 0, 1);
	fclose(file);
	return text;
}

struct served {
	gnutls_pcert_st *chain;
	unsigned n_chain;
	gnutls_privkey_t key;
	int ret;
};

static struct served retrieve(void)
{
	struct served served = {NULL, 0, NULL, 0};

	served.ret =
		tls_identity_retrieve(NULL, NULL, 0, NULL, 0, &served.chain,
				      &served.n_chain, &served.key);
	return served;
}

/* The fixture's certificate and key, read once for every test. */
static char *fixture_cert, *fixture_key;

static int fixtures_read(void **state)
{
	(void)state;
	fixture_cert = slurp(FIXTURE_DIR "/server.crt");
	fixture_key = slurp(FIXTURE_DIR "/server.key");
	return 0;
}

static int fixtures_free(void **state)
{
	(void)state;
	free(fixture_cert);
	free(fixture_key);
	return 0;
}

static int release(void **state)
{
	(void)state;
	tls_identity_release_all();
	return 0;
}

/* Installs cert with the fixture's key and gives what is served then. */
static struct served install(const char *cert)
{
	char err[256];

	assert_int_equal(
		tls_identity_install(cert, fixture_key, err, sizeof(err)), 0);
	return retrieve();
}

static void nothing_installed_fails_the_handshake(void **state)
{
	(void)state;
	assert_int_equal(retrieve().ret, -1);
}

static void serves_the_certificate_as_read(void **state)
{
	gnutls_datum_t pem = {(unsigned char *)fixture_cert,
			      (unsigned)strlen(fixture_cert)};
	gnutls_datum_t der;
	struct served served;

	(void)state;
	served = install(fixture_cert);
	assert_int_equal(served.ret, 0);
	assert_int_equal(served.n_chain, 1);
	assert_non_null(served.key);
	assert_int_equal(gnutls_pem_base64_decode2("CERTIFICATE", &pem, &der),
			 0);
	assert_int_equal(served.chain[0].cert.size, der.size);
	assert_memory_equal(served.chain[0].cert.data, der.data, der.size);
	gnutls_free(der.data);
}

/* Ten certificates, all of them served. */
static void reads_a_long_chain_whole(void **state)
{
	size_t len = strlen(fixture_cert);
	char *chain = malloc(10 * len + 1);
	int i;

	(void)state;
	assert_non_null(chain);
	for (i = 0; i < 10; i++)
		memcpy(chain + i * len, fixture_cert, len);
	chain[10 * len] = '\0';
	assert_int_equal(install(chain).n_chain, 10);
	free(chain);
}

static void refusal_keeps_the_identity_in_use(void **state)
{
	struct served before, after;
	char err[256];

	(void)state;
	before = install(fixture_cert);
	assert_true(tls_identity_install(fixture_cert, "not a key", err,
					 sizeof(err)) < 0);
	assert_non_null(strstr(err, "cannot read the TLS key"));
	assert_true(tls_identity_install("", fixture_key, err, sizeof(err)) <
		    0);
	assert_non_null(strstr(err, "cannot read the TLS certificate"));
	assert_true(tls_identity_install(fixture_key, fixture_key, err,
					 sizeof(err)) < 0);
	assert_non_null(strstr(err, "cannot read the TLS certificate"));

	after = retrieve();
	assert_ptr_equal(after.chain, before.chain);
	assert_ptr_equal(after.key, before.key);
}

/* The replaced identity stays valid for a handshake that took it. */
static void replacement_is_served_and_the_old_one_kept(void **state)
{
	struct served first, second;

	(void)state;
	first = install(fixture_cert);
	second = install(fixture_cert);
	assert_ptr_not_equal(second.chain, first.chain);
	assert_ptr_not_equal(second.key, first.key);
	/* still readable: ASan and valgrind would object otherwise */
	assert_true(first.chain[0].cert.size > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(nothing_installed_fails_the_handshake,
					  release),
		cmocka_unit_test_teardown(serves_the_certificate_as_read,
					  release),
		cmocka_unit_test_teardown(reads_a_long_chain_whole, release),
		cmocka_unit_test_teardown(refusal_keeps_the_identity_in_use,
					  release),
		cmocka_unit_test_teardown(
			replacement_is_served_and_the_old_one_kept, release),
		cmocka_unit_test(nothing_installed_fails_the_handshake),
	};

	return cmocka_run_group_tests(tests, fixtures_read, fixtures_free);
}
