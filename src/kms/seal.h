/* Authenticated encryption of stored secrets: AES-256-GCM with a fresh
 * 96-bit nonce, under a key derived from a 32-octet root key by HKDF-SHA256
 * (RFC 5869) with a purpose label, so that the domain secrets, key sets and
 * CEKs never share a key. A sealed blob is nonce(12) || ciphertext || tag(16).
 * The associated data binds a blob to its row (user, period, CEK ID), so a
 * blob copied to another row fails to open. */
#ifndef MCSEC_KMS_SEAL_H
#define MCSEC_KMS_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/common.h"

#define SEAL_KEY_BYTES 32
#define SEAL_NONCE_BYTES 12
#define SEAL_TAG_BYTES 16
#define SEAL_OVERHEAD (SEAL_NONCE_BYTES + SEAL_TAG_BYTES)

/* key = HKDF-SHA256(salt = "", ikm = root, info = label). */
mcsec_err seal_derive(uint8_t key[SEAL_KEY_BYTES], const uint8_t root[SEAL_KEY_BYTES],
                      const char *label);

/* out[pt_len + SEAL_OVERHEAD] = nonce || AES-256-GCM(key, nonce, aad, pt) || tag.
 * Errors: MCSEC_ERR_RNG, MCSEC_ERR_CRYPTO. */
mcsec_err seal_encrypt(uint8_t *out, const uint8_t key[SEAL_KEY_BYTES], const uint8_t *aad,
                       size_t aad_len, const uint8_t *pt, size_t pt_len, const mcsec_rng *rng);

/* pt[ct_len - SEAL_OVERHEAD] from a sealed blob. On failure pt is zeroed.
 * Errors: MCSEC_ERR_LENGTH (shorter than the overhead), MCSEC_ERR_VERIFY (tag
 * mismatch: wrong key, wrong row, or tampering), MCSEC_ERR_CRYPTO. */
mcsec_err seal_decrypt(uint8_t *pt, const uint8_t key[SEAL_KEY_BYTES], const uint8_t *aad,
                       size_t aad_len, const uint8_t *ct, size_t ct_len);

#endif
