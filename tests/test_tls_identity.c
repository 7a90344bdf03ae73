// SPDX-License-Identifier: Apache-2.0
/*
 * The served certificate and key: what the handshake callback hands to
 * GnuTLS, a chain longer than the first guess, refusals that keep the
 * identity in use, and replacement on reload.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fifo_writer.h"
#include "log.h"
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

/* The fixtures' two pairs, read once for every test. */
static char *fixture_cert, *fixture_key, *renewed_cert, *renewed_key;

static int fixtures_read(void **state)
{
	(void)state;
	fixture_cert = slurp(FIXTURE_DIR "/server.crt");
	fixture_key = slurp(FIXTURE_DIR "/server.key");
	renewed_cert = slurp(FIXTURE_DIR "/renewed.crt");
	renewed_key = slurp(FIXTURE_DIR "/renewed.key");
	return 0;
}

static int fixtures_free(void **state)
{
	(void)state;
	free(fixture_cert);
	free(fixture_key);
	free(renewed_cert);
	free(renewed_key);
	return 0;
}

/* Whether the leaf served is the one PEM cert_pem holds. */
static bool serves(const struct served *served, const char *cert_pem)
{
	gnutls_datum_t pem = {(unsigned char *)cert_pem,
			      (unsigned)strlen(cert_pem)};
	gnutls_datum_t der;
	bool same;

	assert_int_equal(served->ret, 0);
	assert_int_equal(gnutls_pem_base64_decode2("CERTIFICATE", &pem, &der),
			 0);
	same = served->chain[0].cert.size == der.size &&
	       !memcmp(served->chain[0].cert.data, der.data, der.size);
	gnutls_free(der.data);
	return same;
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

/* Installs a pair and gives what is served then. */
static struct served install_pair(const char *cert, const char *key)
{
	char err[256];

	assert_int_equal(tls_identity_install(cert, key, err, sizeof(err)), 0);
	return retrieve();
}

/*
 * A replaced identity stays while a connection that began under it (or
 * under an older one) is open, and goes with the last of them; without
 * such connections it goes at once; the same pair again replaces nothing.
 */
static void replaced_identity_lives_as_long_as_its_connections(void **state)
{
	struct served first, again, second, third;
	void *early, *later;

	(void)state;
	first = install_pair(fixture_cert, fixture_key);
	again = install_pair(fixture_cert, fixture_key);
	assert_ptr_equal(again.chain, first.chain);
	install_pair(renewed_cert, renewed_key);
	first = install_pair(fixture_cert, fixture_key);
	assert_int_equal(tls_identity_held(), 1);

	early = tls_identity_connection_opened();
	second = install_pair(renewed_cert, renewed_key);
	assert_true(serves(&second, renewed_cert));
	later = tls_identity_connection_opened();
	third = install_pair(fixture_cert, fixture_key);
	assert_int_equal(tls_identity_held(), 3);
	/* still readable: ASan and valgrind would object otherwise */
	assert_true(first.chain[0].cert.size > 0);
	tls_identity_connection_closed(early);
	assert_int_equal(tls_identity_held(), 2);
	assert_true(second.chain[0].cert.size > 0);
	tls_identity_connection_closed(later);
	assert_int_equal(tls_identity_held(), 1);
	assert_ptr_equal(retrieve().chain, third.chain);
}

/* A directory of files for the followed-files tests, removed after. */
struct scratch {
	char dir[64];
	char cert[96];
	char key[96];
};

static void scratch_make(struct scratch *scratch)
{
	strcpy(scratch->dir, "/tmp/nse-tls-identity.XXXXXX");
	assert_non_null(mkdtemp(scratch->dir));
	snprintf(scratch->cert, sizeof(scratch->cert), "%s/tls.crt",
		 scratch->dir);
	snprintf(scratch->key, sizeof(scratch->key), "%s/tls.key",
		 scratch->dir);
}

static void scratch_remove(const struct scratch *scratch)
{
	char command[128];

	snprintf(command, sizeof(command), "rm -rf %s", scratch->dir);
	assert_int_equal(system(command), 0);
}

/* Replaces path by a new file holding text, as editors and tools do. */
static void file_replace(const char *path, const char *text)
{
	char tmp[128];
	FILE *file;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	file = fopen(tmp, "w");
	assert_non_null(file);
	assert_int_equal(fputs(text, file) >= 0, 1);
	assert_int_equal(fclose(file), 0);
	assert_int_equal(rename(tmp, path), 0);
}

/* Rewrites path in place: same inode, new size and time. */
static void file_rewrite(const char *path, const char *text)
{
	FILE *file = fopen(path, "w");

	assert_non_null(file);
	assert_int_equal(fputs(text, file) >= 0, 1);
	assert_int_equal(fclose(file), 0);
}

/* Writes the fixture pair into a new scratch directory and follows it. */
static void follow_fixture_pair(struct scratch *scratch)
{
	char err[256];

	scratch_make(scratch);
	file_replace(scratch->cert, fixture_cert);
	file_replace(scratch->key, fixture_key);
	assert_int_equal(tls_identity_follow(scratch->cert, scratch->key, 0,
					     err, sizeof(err)),
			 0);
}

static void follows_files_as_they_change(void **state)
{
	struct scratch scratch;
	struct served first, again, renewed, back;

	(void)state;
	follow_fixture_pair(&scratch);
	first = retrieve();
	assert_true(serves(&first, fixture_cert));
	/* nothing changed: the same identity, nothing read again */
	again = retrieve();
	assert_ptr_equal(again.chain, first.chain);

	file_replace(scratch.cert, renewed_cert);
	file_replace(scratch.key, renewed_key);
	renewed = retrieve();
	assert_true(serves(&renewed, renewed_cert));

	/* rewritten in place, the inode kept */
	file_rewrite(scratch.key, fixture_key);
	file_rewrite(scratch.cert, fixture_cert);
	back = retrieve();
	assert_true(serves(&back, fixture_cert));

	/* touched, or written again the same: nothing new is held */
	assert_int_equal(utimensat(AT_FDCWD, scratch.cert, NULL, 0), 0);
	file_replace(scratch.key, fixture_key);
	again = retrieve();
	assert_ptr_equal(again.chain, back.chain);
	assert_int_equal(tls_identity_held(), 1);
	scratch_remove(&scratch);
}

/*
 * What is not a regular file of at most 1 MiB is refused before anything
 * opens it: a writer waiting on a FIFO at the key path is not released.
 */
static void follow_opens_only_regular_files(void **state)
{
	struct scratch scratch;
	struct served first;
	char err[256], *big;
	pid_t writer;
	int status, fd;
	FILE *file;

	(void)state;
	follow_fixture_pair(&scratch);
	first = retrieve();
	assert_int_equal(unlink(scratch.key), 0);
	assert_int_equal(mkfifo(scratch.key, 0600), 0);
	writer = fifo_writer_start(scratch.key);
	assert_true(writer > 0);
	assert_int_equal(tls_identity_follow(scratch.cert, scratch.key, 0, err,
					     sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	assert_ptr_equal(retrieve().chain, first.chain);
	usleep(200 * 1000);
	assert_int_equal(waitpid(writer, &status, WNOHANG), 0);
	fd = open(scratch.key, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(waitpid(writer, &status, 0), writer);
	close(fd);

	/* a key file padded past 1 MiB */
	assert_int_equal(unlink(scratch.key), 0);
	big = malloc((1 << 20) + 2);
	assert_non_null(big);
	memset(big, '\n', (1 << 20) + 1);
	big[(1 << 20) + 1] = '\0';
	file = fopen(scratch.key, "w");
	assert_non_null(file);
	fputs(fixture_key, file);
	fputs(big, file);
	fclose(file);
	free(big);
	assert_int_equal(tls_identity_follow(scratch.cert, scratch.key, 0, err,
					     sizeof(err)),
			 -EFBIG);
	assert_non_null(strstr(err, "larger than 1048576 bytes"));
	scratch_remove(&scratch);
}

/*
 * Half a renewal (the certificate replaced, the key not yet), a file gone:
 * the identity in use stays, and the trouble is told once per change.
 */
static void broken_change_keeps_the_identity(void **state)
{
	struct scratch scratch;
	struct served first, half, gone, whole;
	char *log_text = NULL;
	size_t log_len = 0;
	FILE *log_stream = open_memstream(&log_text, &log_len);
	const char *at;
	int warnings = 0;

	(void)state;
	assert_non_null(log_stream);
	follow_fixture_pair(&scratch);
	first = retrieve();
	log_set_stream(log_stream);

	file_replace(scratch.cert, renewed_cert);
	half = retrieve();
	assert_ptr_equal(half.chain, first.chain);
	half = retrieve();
	assert_ptr_equal(half.chain, first.chain);
	assert_int_equal(unlink(scratch.key), 0);
	gone = retrieve();
	assert_ptr_equal(gone.chain, first.chain);
	file_replace(scratch.key, renewed_key);
	whole = retrieve();
	log_set_stream(NULL);
	fclose(log_stream);

	assert_true(serves(&whole, renewed_cert));
	for (at = log_text; (at = strstr(at, "cannot serve the changed")); at++)
		warnings++;
	assert_int_equal(warnings, 2); /* the half pair, the missing key */
	assert_non_null(strstr(log_text, "No such file or directory"));
	assert_non_null(strstr(log_text, "serving the changed TLS"));
	free(log_text);
	scratch_remove(&scratch);
}

/* A directory name of scratch holding a pair, as one Secret version. */
static void secret_version(const struct scratch *scratch, const char *name,
			   const char *cert, const char *key)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", scratch->dir, name);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/%s/tls.crt", scratch->dir, name);
	file_replace(path, cert);
	snprintf(path, sizeof(path), "%s/%s/tls.key", scratch->dir, name);
	file_replace(path, key);
}

/*
 * Kubernetes mounts a Secret as links through a "..data" link to a
 * timestamped directory, and renews it by swapping that one link.
 */
static void follows_a_swapped_symlink(void **state)
{
	struct scratch scratch;
	struct served served;
	char path[160], err[256];

	(void)state;
	scratch_make(&scratch);
	secret_version(&scratch, "v1", fixture_cert, fixture_key);
	secret_version(&scratch, "v2", renewed_cert, renewed_key);
	snprintf(path, sizeof(path), "%s/..data", scratch.dir);
	assert_int_equal(symlink("v1", path), 0);
	assert_int_equal(symlink("..data/tls.crt", scratch.cert), 0);
	assert_int_equal(symlink("..data/tls.key", scratch.key), 0);
	assert_int_equal(tls_identity_follow(scratch.cert, scratch.key, 0, err,
					     sizeof(err)),
			 0);
	served = retrieve();
	assert_true(serves(&served, fixture_cert));

	snprintf(path, sizeof(path), "%s/..data.new", scratch.dir);
	assert_int_equal(symlink("v2", path), 0);
	snprintf(err, sizeof(err), "%s/..data", scratch.dir);
	assert_int_equal(rename(path, err), 0);
	served = retrieve();
	assert_true(serves(&served, renewed_cert));
	scratch_remove(&scratch);
}

static void follow_refuses_what_it_cannot_read(void **state)
{
	struct scratch scratch;
	struct served before;
	char err[256];

	(void)state;
	before = install(fixture_cert);
	scratch_make(&scratch);
	assert_int_equal(tls_identity_follow(scratch.cert, scratch.key, 0, err,
					     sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, scratch.cert));
	file_replace(scratch.cert, renewed_cert);
	file_replace(scratch.key, fixture_key);
	assert_int_equal(tls_identity_follow(scratch.cert, scratch.key, 0, err,
					     sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "certificate and key cannot be used"));
	assert_ptr_equal(retrieve().chain, before.chain);
	scratch_remove(&scratch);
}

/* An identity given as text is not followed: later file changes do nothing. */
static void install_stops_following(void **state)
{
	struct scratch scratch;
	struct served installed;

	(void)state;
	follow_fixture_pair(&scratch);
	installed = install(fixture_cert);
	file_replace(scratch.cert, renewed_cert);
	file_replace(scratch.key, renewed_key);
	assert_ptr_equal(retrieve().chain, installed.chain);
	scratch_remove(&scratch);
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
			replaced_identity_lives_as_long_as_its_connections,
			release),
		cmocka_unit_test_teardown(follows_files_as_they_change,
					  release),
		cmocka_unit_test_teardown(broken_change_keeps_the_identity,
					  release),
		cmocka_unit_test_teardown(follows_a_swapped_symlink, release),
		cmocka_unit_test_teardown(follow_opens_only_regular_files,
					  release),
		cmocka_unit_test_teardown(follow_refuses_what_it_cannot_read,
					  release),
		cmocka_unit_test_teardown(install_stops_following, release),
		cmocka_unit_test(nothing_installed_fails_the_handshake),
	};

	return cmocka_run_group_tests(tests, fixtures_read, fixtures_free);
}
