// SPDX-License-Identifier: Apache-2.0
/*
 * Basic authentication with libcrypt's bcrypt: a decoy hash for unknown
 * users, a semaphore around bcrypt, and a bounded cache of successful
 * checks keyed by an HMAC-SHA-256 under a key made at start-up.
 */
#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "auth.h"

#define AUTH_CACHE_SIZE 256
#define AUTH_DIGEST_LEN 32 /* SHA-256 */
#define AUTH_KEY_LEN 32
#define BCRYPT_HASH_LEN 60

struct auth_user {
	char *name;
	char hash[BCRYPT_HASH_LEN + 1];
};

struct auth {
	struct auth_user *users;
	size_t n_users;
	char decoy[BCRYPT_HASH_LEN + 1];
	unsigned wait_ms;
	sem_t bcrypt_slots;
	unsigned char key[AUTH_KEY_LEN];

	pthread_mutex_t cache_lock;
	unsigned char cache[AUTH_CACHE_SIZE][AUTH_DIGEST_LEN];
	size_t cache_used;
	size_t cache_next; /* oldest entry, replaced first */

	uint64_t bcrypt_runs; /* atomic */
	uint64_t cache_hits;  /* atomic */
};

static int random_fill(void *buf, size_t len)
{
	unsigned char *p = buf;
	ssize_t n;

	while (len) {
		n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * A hash of a random password at the highest configured cost: checking an
 * unknown user against it costs what a wrong password for the most
 * expensive real user costs.
 */
static int decoy_make(struct auth *auth)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	unsigned char secret[24];
	char phrase[2 * sizeof(secret) + 1];
	struct crypt_data *data;
	unsigned cost = 0, c;
	size_t i;
	int err;

	for (i = 0; i < auth->n_users; i++)
		if (web_config_bcrypt_cost(auth->users[i].hash, &c) == 0 &&
		    c > cost)
			cost = c;
	err = random_fill(secret, sizeof(secret));
	if (err)
		return err;
	for (i = 0; i < sizeof(secret); i++)
		snprintf(phrase + 2 * i, 3, "%02x", secret[i]);
	data = calloc(1, sizeof(*data));
	if (!data)
		return -ENOMEM;
	err = -EINVAL;
	if (crypt_gensalt_rn("$2b$", cost, NULL, 0, setting, sizeof(setting)) &&
	    crypt_rn(phrase, setting, data, sizeof(*data)) &&
	    strlen(data->output) == BCRYPT_HASH_LEN) {
		memcpy(auth->decoy, data->output, BCRYPT_HASH_LEN + 1);
		err = 0;
	}
	explicit_bzero(phrase, sizeof(phrase));
	explicit_bzero(data, sizeof(*data));
	free(data);
	return err;
}

static int users_copy(struct auth *auth, const struct web_user *users,
		      size_t n_users)
{
	size_t i;

	auth->users = calloc(n_users ? n_users : 1, sizeof(*auth->users));
	if (!auth->users)
		return -ENOMEM;
	for (i = 0; i < n_users; i++) {
		if (strlen(users[i].hash) != BCRYPT_HASH_LEN)
			return -EINVAL;
		auth->users[i].name = strdup(users[i].name);
		if (!auth->users[i].name)
			return -ENOMEM;
		memcpy(auth->users[i].hash, users[i].hash, BCRYPT_HASH_LEN + 1);
		auth->n_users++;
	}
	return 0;
}

struct auth *auth_new(const struct web_user *users, size_t n_users,
		      unsigned max_parallel, unsigned wait_ms)
{
	struct auth *auth = calloc(1, sizeof(*auth));
	int err;

	if (!auth)
		return NULL;
	if (sem_init(&auth->bcrypt_slots, 0, max_parallel ? max_parallel : 1)) {
		free(auth);
		return NULL;
	}
	pthread_mutex_init(&auth->cache_lock, NULL);
	auth->wait_ms = wait_ms;
	err = users_copy(auth, users, n_users);
	if (!err)
		err = random_fill(auth->key, sizeof(auth->key));
	if (!err && n_users)
		err = decoy_make(auth);
	if (err) {
		auth_free(auth);
		errno = -err;
		return NULL;
	}
	return auth;
}

void auth_free(struct auth *auth)
{
	size_t i;

	if (!auth)
		return;
	for (i = 0; auth->users && i < auth->n_users; i++)
		free(auth->users[i].name);
	free(auth->users);
	sem_destroy(&auth->bcrypt_slots);
	pthread_mutex_destroy(&auth->cache_lock);
	explicit_bzero(auth, sizeof(*auth));
	free(auth);
}

bool auth_enabled(const struct auth *auth)
{
	return auth && auth->n_users > 0;
}

static const struct auth_user *user_find(const struct auth *auth,
					 const char *name)
{
	size_t i;

	for (i = 0; i < auth->n_users; i++)
		if (!strcmp(auth->users[i].name, name))
			return &auth->users[i];
	return NULL;
}

/* Same time for every input of the same length: no early exit. */
static bool equal_const_time(const char *a, const char *b, size_t len)
{
	volatile unsigned char diff = 0;
	size_t i;

	for (i = 0; i < len; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return diff == 0;
}

/* The cache key: HMAC-SHA-256 over user, hash and password. */
static int cache_digest(const struct auth *auth, const char *user,
			const char *hash, const char *password,
			unsigned char digest[AUTH_DIGEST_LEN])
{
	gnutls_hmac_hd_t hmac;

	if (gnutls_hmac_init(&hmac, GNUTLS_MAC_SHA256, auth->key,
			     sizeof(auth->key)) < 0)
		return -ENOMEM;
	/* the NULs keep ("ab", "c") and ("a", "bc") apart */
	gnutls_hmac(hmac, user, strlen(user) + 1);
	gnutls_hmac(hmac, hash, strlen(hash) + 1);
	gnutls_hmac(hmac, password, strlen(password));
	gnutls_hmac_deinit(hmac, digest);
	return 0;
}

static bool cache_lookup(struct auth *auth,
			 const unsigned char digest[AUTH_DIGEST_LEN])
{
	bool found = false;
	size_t i;

	pthread_mutex_lock(&auth->cache_lock);
	for (i = 0; i < auth->cache_used && !found; i++)
		found = !memcmp(auth->cache[i], digest, AUTH_DIGEST_LEN);
	pthread_mutex_unlock(&auth->cache_lock);
	return found;
}

static void cache_insert(struct auth *auth,
			 const unsigned char digest[AUTH_DIGEST_LEN])
{
	size_t i;

	pthread_mutex_lock(&auth->cache_lock);
	for (i = 0; i < auth->cache_used; i++)
		if (!memcmp(auth->cache[i], digest, AUTH_DIGEST_LEN))
			goto out_unlock; /* two threads checked at once */
	memcpy(auth->cache[auth->cache_next], digest, AUTH_DIGEST_LEN);
	auth->cache_next = (auth->cache_next + 1) % AUTH_CACHE_SIZE;
	if (auth->cache_used < AUTH_CACHE_SIZE)
		auth->cache_used++;
out_unlock:
	pthread_mutex_unlock(&auth->cache_lock);
}

static int slot_take(struct auth *auth)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += auth->wait_ms / 1000;
	deadline.tv_nsec += (long)(auth->wait_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	while (sem_timedwait(&auth->bcrypt_slots, &deadline) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* One bcrypt run of password against hash, within the bound on runs. */
static enum auth_result bcrypt_verify(struct auth *auth, const char *hash,
				      const char *password)
{
	struct crypt_data *data = calloc(1, sizeof(*data));
	enum auth_result result = AUTH_DENIED;
	const char *out;

	if (!data)
		return AUTH_BUSY;
	if (slot_take(auth) < 0) {
		free(data);
		return AUTH_BUSY;
	}
	out = crypt_rn(password, hash, data, sizeof(*data));
	sem_post(&auth->bcrypt_slots);
	__atomic_add_fetch(&auth->bcrypt_runs, 1, __ATOMIC_RELAXED);
	if (out && strlen(out) == BCRYPT_HASH_LEN &&
	    equal_const_time(out, hash, BCRYPT_HASH_LEN))
		result = AUTH_OK;
	explicit_bzero(data, sizeof(*data));
	free(data);
	return result;
}

enum auth_result auth_check(struct auth *auth, const char *user,
			    const char *password)
{
	unsigned char digest[AUTH_DIGEST_LEN];
	const struct auth_user *entry;
	enum auth_result result;

	if (!auth_enabled(auth))
		return AUTH_DENIED;
	entry = user_find(auth, user);
	if (!entry) {
		/* the same bcrypt work as a real user's wrong password */
		result = bcrypt_verify(auth, auth->decoy, password);
		return result == AUTH_BUSY ? AUTH_BUSY : AUTH_DENIED;
	}
	if (cache_digest(auth, user, entry->hash, password, digest) < 0)
		return AUTH_BUSY;
	if (cache_lookup(auth, digest)) {
		__atomic_add_fetch(&auth->cache_hits, 1, __ATOMIC_RELAXED);
		return AUTH_OK;
	}
	result = bcrypt_verify(auth, entry->hash, password);
	if (result == AUTH_OK)
		cache_insert(auth, digest);
	return result;
}

static int base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict RFC 4648 base64 with padding, as browsers and curl send it. */
static int base64_decode(const char *in, size_t in_len, char *out,
			 size_t out_len, size_t *decoded)
{
	size_t i, n = 0, pad = 0;
	unsigned bits = 0;
	int v, nbits = 0;

	if (in_len % 4)
		return -EINVAL;
	for (i = 0; i < in_len; i++) {
		if (in[i] == '=' && i >= in_len - 2) {
			pad++;
			continue;
		}
		v = base64_value(in[i]);
		if (v < 0 || pad)
			return -EINVAL;
		bits = (bits << 6) | (unsigned)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			if (n + 1 >= out_len)
				return -EINVAL;
			out[n++] = (char)((bits >> nbits) & 0xff);
		}
	}
	out[n] = '\0';
	*decoded = n;
	return 0;
}

int auth_parse_basic(const char *header, char *buf, size_t buf_len,
		     const char **user, const char **password)
{
	size_t len, decoded;
	char *colon;

	if (!header || strncasecmp(header, "Basic ", 6))
		return -EINVAL;
	header += 6;
	while (*header == ' ')
		header++;
	len = strlen(header);
	while (len && header[len - 1] == ' ')
		len--;
	if (!len || len > AUTH_MAX_HEADER ||
	    base64_decode(header, len, buf, buf_len, &decoded) < 0)
		return -EINVAL;
	/* a NUL inside would cut the name or password short unseen */
	if (strlen(buf) != decoded)
		return -EINVAL;
	colon = strchr(buf, ':');
	if (!colon)
		return -EINVAL;
	*colon = '\0';
	*user = buf;
	*password = colon + 1;
	return 0;
}

enum auth_result auth_check_header(struct auth *auth, const char *header,
				   char *user_out, size_t user_len)
{
	char buf[AUTH_MAX_HEADER];
	const char *user, *password;
	enum auth_result result = AUTH_DENIED;

	if (user_len)
		user_out[0] = '\0';
	if (auth_parse_basic(header, buf, sizeof(buf), &user, &password) == 0) {
		if (user_len)
			snprintf(user_out, user_len, "%s", user);
		result = auth_check(auth, user, password);
	}
	explicit_bzero(buf, sizeof(buf));
	return result;
}

unsigned auth_decoy_cost(const struct auth *auth)
{
	unsigned cost;

	if (!auth_enabled(auth) ||
	    web_config_bcrypt_cost(auth->decoy, &cost) < 0)
		return 0;
	return cost;
}

void auth_stats(const struct auth *auth, uint64_t *bcrypt_runs,
		uint64_t *cache_hits)
{
	*bcrypt_runs = __atomic_load_n(&auth->bcrypt_runs, __ATOMIC_RELAXED);
	*cache_hits = __atomic_load_n(&auth->cache_hits, __ATOMIC_RELAXED);
}
