/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP basic authentication against bcrypt hashes, as exporter-toolkit does
 * it, with three properties the toolkit has only in part: an unknown user
 * costs one bcrypt run at the highest cost among the configured users (so
 * user names cannot be probed by timing), at most a few bcrypt runs happen
 * at once (so a flood of wrong passwords cannot eat every core), and a
 * successful check is cached under a keyed digest, never the password.
 */
#ifndef NSE_AUTH_H
#define NSE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "web_config.h"

enum auth_result {
	AUTH_OK,
	AUTH_DENIED, /* no such user, or a wrong password */
	AUTH_BUSY,   /* too many bcrypt runs waiting: try again later */
};

/* Longest Authorization header value we decode. */
#define AUTH_MAX_HEADER 4096

struct auth;

/*
 * Builds a checker for users (copied; the caller keeps its array). At most
 * max_parallel bcrypt runs proceed at once; a check that waits longer than
 * wait_ms for its turn answers AUTH_BUSY. With users, a decoy hash is made
 * here at the highest of their costs, which takes one bcrypt run. Returns
 * NULL with errno set on failure.
 */
struct auth *auth_new(const struct web_user *users, size_t n_users,
		      unsigned max_parallel, unsigned wait_ms);
void auth_free(struct auth *auth);

/* True when the checker has users, i.e. authentication is required. */
bool auth_enabled(const struct auth *auth);

/* Checks a user name and password. Safe to call from many threads. */
enum auth_result auth_check(struct auth *auth, const char *user,
			    const char *password);

/*
 * Decodes an Authorization header value ("Basic <base64 of user:pass>",
 * scheme case-insensitive) into buf, pointing *user and *password into it.
 * 0, or -EINVAL when the header is not basic authentication, not valid
 * base64, has no ':', or holds a NUL byte. The caller wipes buf after use.
 */
int auth_parse_basic(const char *header, char *buf, size_t buf_len,
		     const char **user, const char **password);

/*
 * auth_parse_basic then auth_check; a NULL or malformed header is
 * AUTH_DENIED. The user name, when one could be decoded, is copied into
 * user_out (for logging) even when the check fails.
 */
enum auth_result auth_check_header(struct auth *auth, const char *header,
				   char *user_out, size_t user_len);

/* The cost field of the decoy hash; 0 without users. For tests. */
unsigned auth_decoy_cost(const struct auth *auth);

/* Counters since auth_new: bcrypt runs made and checks served from cache. */
void auth_stats(const struct auth *auth, uint64_t *bcrypt_runs,
		uint64_t *cache_hits);

#endif
