/* Key store internals shared with the off-network export (offnet.c) and
 * the fuzz target. */
#ifndef MCSEC_KMSCLIENT_KEYSTORE_INTERNAL_H
#define MCSEC_KMSCLIENT_KEYSTORE_INTERNAL_H

#include "mcsec/kmsclient.h"

#define KEYSTORE_SALT_BYTES 16
#define KEYSTORE_SCRYPT_LOG2N 15

/* Parses a store file's bytes (plain JSON, or the encrypted form when it
 * starts with the magic). Errors as mcsec_keystore_load. On error *ks is
 * wiped. */
mcsec_err keystore_parse(mcsec_keystore *ks, const uint8_t *raw, size_t len, const char *passphrase);
/* The store as JSON text (malloc'd; wipe before free), or NULL (no memory). */
char *store_to_text(const mcsec_keystore *ks, size_t *len);
/* Parses the JSON text into ks (validating every key set). */
mcsec_err store_from_text(mcsec_keystore *ks, const char *text, size_t len);
/* scrypt(passphrase, salt, N = 2^log2n, r 8, p 1) -> 32-octet key (RFC 7914). */
mcsec_err pass_key(uint8_t key[32], const char *pass, const uint8_t salt[KEYSTORE_SALT_BYTES], unsigned log2n);

#endif
