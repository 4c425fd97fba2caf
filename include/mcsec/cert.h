/* mcsec cert — self-signed X.509 certificates for MCPTT clients and servers
 * (the S/MIME signer and recipient certificates of smime.h), with OpenSSL 3. */
#ifndef MCSEC_CERT_H
#define MCSEC_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mcsec_cert_key_type {
    MCSEC_CERT_KEY_EC = 0,   /* ECDSA / ECDH on P-256 */
    MCSEC_CERT_KEY_RSA = 1   /* RSA 2048 */
} mcsec_cert_key_type;

typedef struct mcsec_cert_params {
    const char *cn;          /* subject and issuer commonName (1..64 characters, no controls) */
    const char *uri;         /* NULL, or a subjectAltName URI (e.g. sip:alice@example.org) */
    mcsec_cert_key_type key_type;
    unsigned days;           /* validity from now; 0: 365; at most 36500 */
} mcsec_cert_params;

/* Makes a key pair and a self-signed v3 certificate (SHA-256; random 16-octet
 * positive serial; basicConstraints CA:FALSE; keyUsage digitalSignature,
 * keyCertSign (so that it can be its own trust anchor) and keyEncipherment for
 * RSA / keyAgreement for EC; extendedKeyUsage emailProtection (S/MIME);
 * subject and authority key identifiers, so that a certificate with the same
 * name is never taken for its issuer). Writes the PKCS#8 private key and the certificate
 * as PEM. (key_pem, *key_len) and (cert_pem, *cert_len): capacity in, length
 * out, a NUL written after each when it fits. The key is wiped from memory on
 * every path. Errors: MCSEC_ERR_ARG (NULL, bad CN, URI or days),
 * MCSEC_ERR_BUFFER (both lengths set to capacities that suffice for a retry,
 * which makes a new key pair), MCSEC_ERR_NOMEM,
 * MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_cert_selfsign(char *key_pem, size_t *key_len, char *cert_pem,
                                        size_t *cert_len,
                                        const mcsec_cert_params *p) MCSEC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
