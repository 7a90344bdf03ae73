/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server's certificate chain and private key, handed to GnuTLS at each
 * handshake so that a renewed certificate is served after a reload without
 * a restart, as the exporter-toolkit does.
 *
 * GnuTLS asks for the identity through a callback that carries no pointer
 * of ours, so the identity in use is process-wide. An identity replaced by
 * a reload is kept until tls_identity_release_all: a handshake that took
 * it a moment before may still be signing with its key.
 */
#ifndef NSE_TLS_IDENTITY_H
#define NSE_TLS_IDENTITY_H

#include <stddef.h>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

/*
 * Parses cert_pem (the leaf first, then its chain) and key_pem and makes
 * them the identity served from the next handshake on. Returns 0, or a
 * negative errno with a message in err; the identity in use then stays.
 */
int tls_identity_install(const char *cert_pem, const char *key_pem, char *err,
			 size_t err_len);

/*
 * The callback for MHD_OPTION_HTTPS_CERT_CALLBACK: gives the identity in
 * use, or fails the handshake when none was installed.
 */
int tls_identity_retrieve(gnutls_session_t session,
			  const gnutls_datum_t *req_ca_dn, int nreqs,
			  const gnutls_pk_algorithm_t *pk_algos,
			  int pk_algos_length, gnutls_pcert_st **pcert,
			  unsigned int *pcert_length, gnutls_privkey_t *pkey);

/* Frees every identity ever installed; only once no daemon runs. */
void tls_identity_release_all(void);

#endif
