// SPDX-License-Identifier: Apache-2.0
/* The certificate and key served, replaceable while the server runs. */
#include "tls_identity.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/x509.h>

struct tls_identity {
	gnutls_pcert_st *chain;
	unsigned n_chain;
	gnutls_privkey_t key;
	/* the identity this one replaced, kept for handshakes using it */
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

int tls_identity_install(const char *cert_pem, const char *key_pem, char *err,
			 size_t err_len)
{
	struct tls_identity *identity = calloc(1, sizeof(*identity));
	const char *what = "certificate";
	int ret;

	if (!identity) {
		snprintf(err, err_len, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	ret = chain_import(identity, cert_pem);
	if (ret >= 0) {
		what = "key";
		ret = key_import(identity, key_pem);
	}
	if (ret < 0) {
		snprintf(err, err_len, "cannot read the TLS %s: %s", what,
			 gnutls_strerror(ret));
		identity_free(identity);
		return ret == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EINVAL;
	}
	pthread_mutex_lock(&identity_lock);
	identity->replaced = identity_current;
	identity_current = identity;
	pthread_mutex_unlock(&identity_lock);
	return 0;
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

	pthread_mutex_lock(&identity_lock);
	identity = identity_current;
	identity_current = NULL;
	pthread_mutex_unlock(&identity_lock);
	for (; identity; identity = replaced) {
		replaced = identity->replaced;
		identity_free(identity);
	}
}
