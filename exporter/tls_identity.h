/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server's certificate chain and private key, handed to GnuTLS at each
 * handshake so that a renewed certificate is served without a restart.
 * Given as files, they are followed as the exporter-toolkit follows them:
 * a handshake that finds either file changed (looked at no more often
 * than a set interval) reads both again and serves them once they load as
 * a pair.
 *
 * GnuTLS asks for the identity through a callback that carries no pointer
 * of ours, so the identity in use is process-wide. An identity that was
 * replaced is kept while a connection that may be using it is open: the
 * server tells of each connection with tls_identity_connection_opened and
 * _closed. The same pair read again replaces nothing.
 */
#ifndef NSE_TLS_IDENTITY_H
#define NSE_TLS_IDENTITY_H

#include <stddef.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

/* How often, at most, handshakes look at the followed files. */
#define TLS_IDENTITY_CHECK_SECONDS 1.0

/*
 * Parses cert_pem (the leaf first, then its chain) and key_pem and, when
 * the key is the certificate's, makes them the identity served from the
 * next handshake on. Stops following files. Returns 0, or a negative errno
 * with a message in err; the identity in use then stays.
 */
int tls_identity_install(const char *cert_pem, const char *key_pem, char *err,
			 size_t err_len);

/*
 * Reads cert_path and key_path, installs them as tls_identity_install
 * does, and follows them from then on, looking at them at most every
 * check_seconds (TLS_IDENTITY_CHECK_SECONDS; tests take 0). Returns 0, or
 * a negative errno with a message in err; the identity and the files
 * followed then stay.
 */
int tls_identity_follow(const char *cert_path, const char *key_path,
			double check_seconds, char *err, size_t err_len);

/*
 * The callback for MHD_OPTION_HTTPS_CERT_CALLBACK: gives the identity in
 * use, after a look at the followed files, or fails the handshake when
 * none was installed.
 */
int tls_identity_retrieve(gnutls_session_t session,
			  const gnutls_datum_t *req_ca_dn, int nreqs,
			  const gnutls_pk_algorithm_t *pk_algos,
			  int pk_algos_length, gnutls_pcert_st **pcert,
			  unsigned int *pcert_length, gnutls_privkey_t *pkey);

/*
 * A TLS connection began (returns a token for _closed) or ended: while one
 * that began under an identity is open, that identity and every later one
 * are kept.
 */
void *tls_identity_connection_opened(void);
void tls_identity_connection_closed(void *token);

/* Identities held: the one served and the replaced ones still kept. */
size_t tls_identity_held(void);

/* Frees every identity; only once no daemon runs. */
void tls_identity_release_all(void);

#endif
