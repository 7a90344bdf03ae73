// SPDX-License-Identifier: Apache-2.0
/*
 * Basic authentication: right, wrong and unknown users, the decoy at the
 * highest configured cost (cases/16, read from crypt's cost field, not
 * timed), the cache of successful checks, header decoding and the bound on
 * concurrent bcrypt runs. Hashes are made here with libcrypt.
 */
#include <crypt.h>
#include <pthread.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "auth.h"

static void make_hash(const char *password, unsigned cost, const char *prefix,
		      char out[61])
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *data = calloc(1, sizeof(*data));

	assert_non_null(data);
	assert_non_null(crypt_gensalt_rn("$2b$", cost, NULL, 0, setting,
					 sizeof(setting)));
	assert_non_null(crypt_rn(password, setting, data, sizeof(*data)));
	assert_int_equal(strlen(data->output), 60);
	memcpy(out, data->output, 61);
	/* $2y$ and $2a$ spell the same hash, as htpasswd -B writes it */
	memcpy(out, prefix, 4);
	free(data);
}

struct fixture {
	char hashes[3][61];
	struct web_user users[3];
	struct auth *auth;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	make_hash("pw-alice", 4, "$2b$", f->hashes[0]);
	make_hash("pw-bob", 6, "$2y$", f->hashes[1]);
	make_hash("pw-carol", 5, "$2a$", f->hashes[2]);
	f->users[0] = (struct web_user){"alice", f->hashes[0], 4};
	f->users[1] = (struct web_user){"bob", f->hashes[1], 6};
	f->users[2] = (struct web_user){"carol", f->hashes[2], 5};
	f->auth = auth_new(f->users, 3, 1, 10000);
	assert_non_null(f->auth);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	auth_free(f->auth);
	free(f);
	return 0;
}

static void right_password_passes_in_every_spelling(void **state)
{
	struct fixture *f = *state;

	assert_true(auth_enabled(f->auth));
	assert_int_equal(auth_check(f->auth, "alice", "pw-alice"), AUTH_OK);
	assert_int_equal(auth_check(f->auth, "bob", "pw-bob"), AUTH_OK);
	assert_int_equal(auth_check(f->auth, "carol", "pw-carol"), AUTH_OK);
}

static void wrong_password_and_unknown_user_are_denied(void **state)
{
	struct fixture *f = *state;
	uint64_t runs, hits, runs_after;

	assert_int_equal(auth_check(f->auth, "alice", "pw-bob"), AUTH_DENIED);
	assert_int_equal(auth_check(f->auth, "alice", ""), AUTH_DENIED);
	assert_int_equal(auth_check(f->auth, "Alice", "pw-alice"), AUTH_DENIED);
	/* one user's password does not open another's account */
	assert_int_equal(auth_check(f->auth, "bob", "pw-alice"), AUTH_DENIED);
	auth_stats(f->auth, &runs, &hits);
	/* an unknown user still costs a bcrypt run: the decoy */
	assert_int_equal(auth_check(f->auth, "mallory", "pw-alice"),
			 AUTH_DENIED);
	auth_stats(f->auth, &runs_after, &hits);
	assert_int_equal(runs_after, runs + 1);
	assert_int_equal(hits, 0);
}

static void decoy_cost_is_the_highest_configured(void **state)
{
	struct fixture *f = *state;
	struct auth *single, *none;
	char hash[61];
	struct web_user user = {"root", hash, 7};

	/* costs 4, 6 and 5: the decoy must be 6, not a fixed 10 or 4 */
	assert_int_equal(auth_decoy_cost(f->auth), 6);
	make_hash("pw", 7, "$2b$", hash);
	single = auth_new(&user, 1, 1, 1000);
	assert_non_null(single);
	assert_int_equal(auth_decoy_cost(single), 7);
	auth_free(single);
	none = auth_new(NULL, 0, 1, 1000);
	assert_non_null(none);
	assert_false(auth_enabled(none));
	assert_int_equal(auth_decoy_cost(none), 0);
	assert_int_equal(auth_check(none, "root", "pw"), AUTH_DENIED);
	auth_free(none);
}

static void success_is_cached_failure_is_not(void **state)
{
	struct fixture *f = *state;
	uint64_t runs0, hits0, runs, hits;

	auth_stats(f->auth, &runs0, &hits0);
	assert_int_equal(auth_check(f->auth, "bob", "pw-bob"), AUTH_OK);
	assert_int_equal(auth_check(f->auth, "bob", "pw-bob"), AUTH_OK);
	assert_int_equal(auth_check(f->auth, "bob", "pw-bob"), AUTH_OK);
	auth_stats(f->auth, &runs, &hits);
	assert_int_equal(runs, runs0 + 1);
	assert_int_equal(hits, hits0 + 2);
	/* a cached success does not let another password in */
	assert_int_equal(auth_check(f->auth, "bob", "pw-bob "), AUTH_DENIED);
	assert_int_equal(auth_check(f->auth, "bob", "pw-bo"), AUTH_DENIED);
	assert_int_equal(auth_check(f->auth, "bob", "pw-bo"), AUTH_DENIED);
	auth_stats(f->auth, &runs, &hits);
	assert_int_equal(runs, runs0 + 4);
	assert_int_equal(hits, hits0 + 2);
}

static void basic_header_is_decoded_strictly(void **state)
{
	char buf[256];
	const char *user, *pass;

	(void)state;
	/* "alice:pw:x": the password may hold colons */
	assert_int_equal(auth_parse_basic("Basic YWxpY2U6cHc6eA==", buf,
					  sizeof(buf), &user, &pass),
			 0);
	assert_string_equal(user, "alice");
	assert_string_equal(pass, "pw:x");
	assert_int_equal(auth_parse_basic("basic  YWxpY2U6", buf, sizeof(buf),
					  &user, &pass),
			 0);
	assert_string_equal(user, "alice");
	assert_string_equal(pass, "");
	assert_int_equal(auth_parse_basic("Bearer YWxpY2U6cHc=", buf,
					  sizeof(buf), &user, &pass),
			 -EINVAL);
	assert_int_equal(auth_parse_basic("Basic YWxpY2U=", buf, sizeof(buf),
					  &user, &pass),
			 -EINVAL); /* no colon */
	assert_int_equal(auth_parse_basic("Basic YW!pY2U6cHc=", buf,
					  sizeof(buf), &user, &pass),
			 -EINVAL);
	assert_int_equal(auth_parse_basic("Basic YWxpY2U6cHc", buf, sizeof(buf),
					  &user, &pass),
			 -EINVAL); /* not a multiple of four */
	/* "a\0b:c": a NUL would cut the user name short */
	assert_int_equal(auth_parse_basic("Basic YQBiOmM=", buf, sizeof(buf),
					  &user, &pass),
			 -EINVAL);
	assert_int_equal(auth_parse_basic(NULL, buf, sizeof(buf), &user, &pass),
			 -EINVAL);
	assert_int_equal(
		auth_parse_basic("Basic ", buf, sizeof(buf), &user, &pass),
		-EINVAL);
}

static void header_check_reports_the_user(void **state)
{
	struct fixture *f = *state;
	char user[64];

	/* base64 of "alice:pw-alice" and "alice:nope" */
	assert_int_equal(auth_check_header(f->auth,
					   "Basic YWxpY2U6cHctYWxpY2U=", user,
					   sizeof(user)),
			 AUTH_OK);
	assert_string_equal(user, "alice");
	assert_int_equal(auth_check_header(f->auth, "Basic YWxpY2U6bm9wZQ==",
					   user, sizeof(user)),
			 AUTH_DENIED);
	assert_string_equal(user, "alice");
	assert_int_equal(auth_check_header(f->auth, NULL, user, sizeof(user)),
			 AUTH_DENIED);
	assert_string_equal(user, "");
}

struct slow_check {
	struct auth *auth;
	enum auth_result result;
};

static void *slow_check_run(void *arg)
{
	struct slow_check *check = arg;

	check->result = auth_check(check->auth, "slow", "wrong");
	return NULL;
}

static void bcrypt_runs_are_bounded(void **state)
{
	struct timespec pause = {0, 30 * 1000 * 1000};
	struct slow_check check;
	struct web_user user;
	pthread_t thread;
	char hash[61];

	(void)state;
	/* one slot, no waiting: a second check while one runs is turned away */
	make_hash("right", 11, "$2b$", hash);
	user = (struct web_user){"slow", hash, 11};
	check.auth = auth_new(&user, 1, 1, 0);
	assert_non_null(check.auth);
	assert_int_equal(pthread_create(&thread, NULL, slow_check_run, &check),
			 0);
	nanosleep(&pause, NULL);
	assert_int_equal(auth_check(check.auth, "nobody", "x"), AUTH_BUSY);
	assert_int_equal(auth_check(check.auth, "slow", "wrong2"), AUTH_BUSY);
	pthread_join(thread, NULL);
	assert_int_equal(check.result, AUTH_DENIED);
	/* the slot is free again */
	assert_int_equal(auth_check(check.auth, "slow", "right"), AUTH_OK);
	auth_free(check.auth);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			right_password_passes_in_every_spelling, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			wrong_password_and_unknown_user_are_denied, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			decoy_cost_is_the_highest_configured, setup, teardown),
		cmocka_unit_test_setup_teardown(
			success_is_cached_failure_is_not, setup, teardown),
		cmocka_unit_test(basic_header_is_decoded_strictly),
		cmocka_unit_test_setup_teardown(header_check_reports_the_user,
						setup, teardown),
		cmocka_unit_test(bcrypt_runs_are_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
