// SPDX-License-Identifier: Apache-2.0
/* The certificate and key served, replaceable while the server runs. */
#include "tls_identity.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "collector.h"
#include "log.h"

/* Larger than any certificate chain or key file. */
#define TLS_IDENTITY_MAX_FILE (1 << 20)

struct tls_identity {
	gnutls_pcert_st *chain;
	unsigned n_chain;
	gnutls_privkey_t key;
	/* SHA-256 of the PEM texts: the same pair read again is no change */
	unsigned char digest[32];
	/*
	 * Connections that began while this one was served, still open (under
	 * identity_lock). Such a connection may be handed this identity or
	 * any later one; see identities_prune.
	 */
	unsigned connections;
	/* the identity this one replaced, while a connection may use it */
	struct tls_identity *replaced;
};

static pthread_mutex_t identity_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tls_identity *identity_current;

static void identity_free(struct tls_identity *identity)
{
	unsigned i;

	for (i = 0; i < identity->n_chain; i++)
		gnutls_pcert_deinit(&identity->chain[i]);
	free(identity->chain);
	if (identity->key)
		gnutls_privkey_deinit(identity->key);
	free(identity);
}

static int chain_import(struct tls_identity *identity, const char *cert_pem)
{
	gnutls_datum_t pem = {(unsigned char *)cert_pem,
			      (unsigned)strlen(cert_pem)};
	gnutls_x509_crt_t *certs = NULL;
	unsigned n = 0, i;
	int ret;

	/* list_import2 sizes the list itself: no chain is cut short */
	ret = gnutls_x509_crt_list_import2(&certs, &n, &pem,
					   GNUTLS_X509_FMT_PEM, 0);
	if (ret < 0)
		return ret;
	identity->chain = n ? calloc(n, sizeof(*identity->chain)) : NULL;
	if (!n)
		ret = GNUTLS_E_NO_CERTIFICATE_FOUND;
	else if (!identity->chain)
		ret = GNUTLS_E_MEMORY_ERROR;
	else
		ret = gnutls_pcert_import_x509_list(identity->chain, certs, &n,
						    0);
	if (ret >= 0)
		identity->n_chain = n;
	for (i = 0; i < n; i++)
		gnutls_x509_crt_deinit(certs[i]);
	gnutls_free(certs);
	return ret;
}

static int key_import(struct tls_identity *identity, const char *key_pem)
{
	gnutls_datum_t pem = {(unsigned char *)key_pem,
			      (unsigned)strlen(key_pem)};
	int ret;

	ret = gnutls_privkey_init(&identity->key);
	if (ret < 0) {
		identity->key = NULL;
		return ret;
	}
	return gnutls_privkey_import_x509_raw(identity->key, &pem,
					      GNUTLS_X509_FMT_PEM, NULL, 0);
}

/* SHA-256 over both texts, a NUL between them; 0 or a GnuTLS error. */
static int pair_digest(const char *cert_pem, const char *key_pem,
		       unsigned char digest[32])
{
	gnutls_hash_hd_t hash;
	int ret;

	ret = gnutls_hash_init(&hash, GNUTLS_DIG_SHA256);
	if (ret < 0)
		return ret;
	gnutls_hash(hash, cert_pem, strlen(cert_pem) + 1);
	gnutls_hash(hash, key_pem, strlen(key_pem));
	gnutls_hash_deinit(hash, digest);
	return 0;
}

/*
 * The identity cert_pem and key_pem make, once the key proves to be the
 * certificate's; NULL with a message in err and *ret a negative errno.
 */
static struct tls_identity *identity_load(const char *cert_pem,
					  const char *key_pem, char *err,
					  size_t err_len, int *ret)
{
	struct tls_identity *identity = calloc(1, sizeof(*identity));
	gnutls_certificate_credentials_t pair;
	gnutls_datum_t cert = {(unsigned char *)cert_pem,
			       (unsigned)strlen(cert_pem)};
	gnutls_datum_t key = {(unsigned char *)key_pem,
			      (unsigned)strlen(key_pem)};
	const char *what = "cannot read the TLS certificate";
	int gnutls_ret;

	if (!identity) {
		snprintf(err, err_len, "%s", strerror(ENOMEM));
		*ret = -ENOMEM;
		return NULL;
	}
	gnutls_ret = chain_import(identity, cert_pem);
	if (gnutls_ret >= 0) {
		what = "cannot read the TLS key";
		gnutls_ret = key_import(identity, key_pem);
	}
	/* GnuTLS refuses a key that is not the leaf certificate's */
	if (gnutls_ret >= 0) {
		what = "the TLS certificate and key cannot be used";
		gnutls_ret = gnutls_certificate_allocate_credentials(&pair);
		if (gnutls_ret >= 0) {
			gnutls_ret = gnutls_certificate_set_x509_key_mem(
				pair, &cert, &key, GNUTLS_X509_FMT_PEM);
			gnutls_certificate_free_credentials(pair);
		}
	}
	if (gnutls_ret >= 0)
		gnutls_ret = pair_digest(cert_pem, key_pem, identity->digest);
	if (gnutls_ret < 0) {
		snprintf(err, err_len, "%s: %s", what,
			 gnutls_strerror(gnutls_ret));
		identity_free(identity);
		*ret = gnutls_ret == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EINVAL;
		return NULL;
	}
	return identity;
}

/*
 * Frees, oldest first, the replaced identities no open connection may
 * still be using. A connection is handed the identity served when its
 * handshake starts, which is the one served when it began or a later one:
 * the oldest identity is done with once it is not served and no open
 * connection began under it (those that began under older ones are gone,
 * since the older ones are). Under identity_lock.
 */
static void identities_prune(void)
{
	struct tls_identity **link, *oldest;

	while (identity_current && identity_current->replaced) {
		link = &identity_current->replaced;
		while ((*link)->replaced)
			link = &(*link)->replaced;
		oldest = *link;
		if (oldest->connections)
			return;
		*link = NULL;
		identity_free(oldest);
	}
}

/*
 * Makes identity the one served, unless it is the pair served already
 * (then it is freed). Returns whether the served pair changed.
 */
static bool identity_put(struct tls_identity *identity)
{
	bool same;

	pthread_mutex_lock(&identity_lock);
	same = identity_current &&
	       !memcmp(identity_current->digest, identity->digest,
		       sizeof(identity->digest));
	if (!same) {
		identity->replaced = identity_current;
		identity_current = identity;
		identities_prune();
	}
	pthread_mutex_unlock(&identity_lock);
	if (same)
		identity_free(identity);
	return !same;
}

void *tls_identity_connection_opened(void)
{
	struct tls_identity *identity;

	pthread_mutex_lock(&identity_lock);
	identity = identity_current;
	if (identity)
		identity->connections++;
	pthread_mutex_unlock(&identity_lock);
	return identity;
}

void tls_identity_connection_closed(void *token)
{
	struct tls_identity *identity = token;

	if (!identity)
		return;
	pthread_mutex_lock(&identity_lock);
	identity->connections--;
	identities_prune();
	pthread_mutex_unlock(&identity_lock);
}

size_t tls_identity_held(void)
{
	const struct tls_identity *identity;
	size_t n = 0;

	pthread_mutex_lock(&identity_lock);
	for (identity = identity_current; identity;
	     identity = identity->replaced)
		n++;
	pthread_mutex_unlock(&identity_lock);
	return n;
}

/*
 * What tells a file changed: a new inode (a rename, or a symlink swap as
 * Kubernetes does for a Secret), a new modification time, a new size.
 */
struct file_stamp {
	bool exists;
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	off_t size;
};

/* The files followed, under follow_lock. */
static pthread_mutex_t follow_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char *cert_path; /* NULL: nothing followed */
	char *key_path;
	struct file_stamp cert, key; /* as last read, or tried */
	double check_seconds;
	double last_check;
} follow;

static void stamp_take(const char *path, struct file_stamp *stamp)
{
	struct stat st;

	memset(stamp, 0, sizeof(*stamp));
	if (stat(path, &st) < 0)
		return;
	stamp->exists = true;
	stamp->dev = st.st_dev;
	stamp->ino = st.st_ino;
	stamp->mtime = st.st_mtim;
	stamp->size = st.st_size;
}

static bool stamp_equal(const struct file_stamp *a, const struct file_stamp *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
	       a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec && a->size == b->size;
}

/*
 * The whole of a PEM file, NUL-terminated; NULL with the reason in err
 * and errno set. The path is pinned with O_PATH and checked to be a
 * regular file of at most TLS_IDENTITY_MAX_FILE bytes before anything
 * opens it: a FIFO or a device put there sees no open().
 */
static char *pem_file_read(const char *path, char *err, size_t err_len)
{
	char *text = NULL, reopen[64];
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int pin, fd = -1, saved = 0;

	pin = open(path, O_PATH | O_CLOEXEC);
	if (pin < 0 || fstat(pin, &st) < 0) {
		saved = errno;
		snprintf(err, err_len, "cannot read %s: %s", path,
			 strerror(saved));
	} else if (!S_ISREG(st.st_mode)) {
		saved = EINVAL;
		snprintf(err, err_len, "cannot read %s: not a regular file",
			 path);
	} else if (st.st_size > TLS_IDENTITY_MAX_FILE) {
		saved = EFBIG;
		snprintf(err, err_len, "cannot read %s: larger than %d bytes",
			 path, TLS_IDENTITY_MAX_FILE);
	} else {
		snprintf(reopen, sizeof(reopen), "/proc/self/fd/%d", pin);
		fd = open(reopen, O_RDONLY | O_CLOEXEC);
		text = malloc((size_t)st.st_size + 1);
		if (fd < 0 || !text) {
			saved = fd < 0 ? errno : ENOMEM;
			snprintf(err, err_len, "cannot read %s: %s", path,
				 strerror(saved));
		}
	}
	while (!saved && len < (size_t)st.st_size) {
		n = read(fd, text + len, (size_t)st.st_size - len);
		if (n < 0 && errno != EINTR) {
			saved = errno;
			snprintf(err, err_len, "cannot read %s: %s", path,
				 strerror(saved));
		} else if (n == 0) {
			break; /* shrank meanwhile: take what is there */
		} else if (n > 0) {
			len += (size_t)n;
		}
	}
	if (fd >= 0)
		close(fd);
	if (pin >= 0)
		close(pin);
	if (saved) {
		free(text);
		errno = saved;
		return NULL;
	}
	text[len] = '\0';
	return text;
}

/* Wipes and frees a file's text: the key is a secret. */
static void pem_text_free(char *text)
{
	if (text)
		explicit_bzero(text, strlen(text));
	free(text);
}

/*
 * Reads both files (their stamps taken first, so that a change while they
 * are read is seen at the next look) and serves them. Under follow_lock.
 */
static int follow_load(const char *cert_path, const char *key_path,
		       struct file_stamp *cert_stamp,
		       struct file_stamp *key_stamp, bool *changed, char *err,
		       size_t err_len)
{
	struct tls_identity *identity = NULL;
	char *cert, *key = NULL;
	int ret = 0;

	stamp_take(cert_path, cert_stamp);
	stamp_take(key_path, key_stamp);
	cert = pem_file_read(cert_path, err, err_len);
	if (cert)
		key = pem_file_read(key_path, err, err_len);
	if (!cert || !key)
		ret = -errno;
	else
		identity = identity_load(cert, key, err, err_len, &ret);
	pem_text_free(cert);
	pem_text_free(key);
	*changed = identity && identity_put(identity);
	return ret;
}

/* Stops following; under follow_lock. */
static void follow_clear(void)
{
	free(follow.cert_path);
	free(follow.key_path);
	memset(&follow, 0, sizeof(follow));
}

int tls_identity_install(const char *cert_pem, const char *key_pem, char *err,
			 size_t err_len)
{
	struct tls_identity *identity;
	int ret = 0;

	identity = identity_load(cert_pem, key_pem, err, err_len, &ret);
	if (!identity)
		return ret;
	pthread_mutex_lock(&follow_lock);
	follow_clear();
	identity_put(identity);
	pthread_mutex_unlock(&follow_lock);
	return 0;
}

int tls_identity_follow(const char *cert_path, const char *key_path,
			double check_seconds, char *err, size_t err_len)
{
	struct file_stamp cert_stamp, key_stamp;
	char *cert_copy = strdup(cert_path), *key_copy = strdup(key_path);
	bool changed;
	int ret = -ENOMEM;

	pthread_mutex_lock(&follow_lock);
	if (cert_copy && key_copy)
		ret = follow_load(cert_path, key_path, &cert_stamp, &key_stamp,
				  &changed, err, err_len);
	else
		snprintf(err, err_len, "%s", strerror(ENOMEM));
	if (!ret) {
		follow_clear();
		follow.cert_path = cert_copy;
		follow.key_path = key_copy;
		follow.cert = cert_stamp;
		follow.key = key_stamp;
		follow.check_seconds = check_seconds;
		follow.last_check = monotonic_seconds();
		cert_copy = key_copy = NULL;
	}
	pthread_mutex_unlock(&follow_lock);
	free(cert_copy);
	free(key_copy);
	return ret;
}

/*
 * A look at the followed files, once per check interval at most, by one
 * handshake at a time (the others go on with the identity in use). A pair that
 * does not load is told once per change; the identity in use stays.
 */
static void follow_refresh(void)
{
	struct file_stamp cert, key;
	double now = monotonic_seconds();
	bool changed;
	char err[256];

	if (pthread_mutex_trylock(&follow_lock))
		return;
	if (!follow.cert_path || now - follow.last_check < follow.check_seconds)
		goto out_unlock;
	follow.last_check = now;
	stamp_take(follow.cert_path, &cert);
	stamp_take(follow.key_path, &key);
	if (stamp_equal(&cert, &follow.cert) && stamp_equal(&key, &follow.key))
		goto out_unlock;
	if (follow_load(follow.cert_path, follow.key_path, &follow.cert,
			&follow.key, &changed, err, sizeof(err)) < 0)
		log_warn(
			"cannot serve the changed TLS certificate and key; the ones in use stay",
			"cert_file", follow.cert_path, "key_file",
			follow.key_path, "err", err, NULL);
	else if (changed) /* not when only touched, or written the same */
		log_info("serving the changed TLS certificate and key",
			 "cert_file", follow.cert_path, "key_file",
			 follow.key_path, NULL);
out_unlock:
	pthread_mutex_unlock(&follow_lock);
}

int tls_identity_retrieve(gnutls_session_t session,
			  const gnutls_datum_t *req_ca_dn, int nreqs,
			  const gnutls_pk_algorithm_t *pk_algos,
			  int pk_algos_length, gnutls_pcert_st **pcert,
			  unsigned int *pcert_length, gnutls_privkey_t *pkey)
{
	struct tls_identity *identity;

	/* one identity: the client's preferences cannot change the answer */
	(void)session;
	(void)req_ca_dn;
	(void)nreqs;
	(void)pk_algos;
	(void)pk_algos_length;
	follow_refresh();
	pthread_mutex_lock(&identity_lock);
	identity = identity_current;
	pthread_mutex_unlock(&identity_lock);
	if (!identity)
		return -1;
	*pcert = identity->chain;
	*pcert_length = identity->n_chain;
	*pkey = identity->key;
	return 0;
}

void tls_identity_release_all(void)
{
	struct tls_identity *identity, *replaced;

	pthread_mutex_lock(&follow_lock);
	follow_clear();
	pthread_mutex_unlock(&follow_lock);

	pthread_mutex_lock(&identity_lock);
	identity = identity_current;
	identity_current = NULL;
	pthread_mutex_unlock(&identity_lock);
	for (; identity; identity = replaced) {
		replaced = identity->replaced;
		identity_free(identity);
	}
}
