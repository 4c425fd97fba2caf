/* ECCSI — Elliptic Curve-based Certificateless Signatures for Identity-based
 * Encryption (RFC 6507), with the parameters RFC 6509 fixes for MIKEY-SAKKE
 * and TS 33.180: NIST P-256 and SHA-256 (N = 32).
 *
 * Encodings (RFC 6507 §3): integers are 32-octet big-endian; points are
 * uncompressed 0x04 || x || y (65 octets); a signature is r || s || PVT
 * (129 octets). Identifiers are arbitrary octet strings (in TS 33.180 the
 * 32-octet UID; in RFC 6509 "YYYY-MM\0tel:+...\0").
 *
 * Secrets (KSAK, SSK and the per-signature j, the per-user v) are handled in
 * constant time and wiped before return. All functions are thread-safe: they
 * keep no state between calls. */
#ifndef MCSEC_ECCSI_H
#define MCSEC_ECCSI_H

#include "mcsec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MCSEC_ECCSI_SCALAR_BYTES 32  /* KSAK, SSK, r, s, HS */
#define MCSEC_ECCSI_POINT_BYTES 65   /* KPAK, PVT: 0x04 || x || y */
#define MCSEC_ECCSI_HASH_BYTES 32    /* HS, HE (SHA-256) */
#define MCSEC_ECCSI_SIG_BYTES 129    /* r || s || PVT, RFC 6507 §3.3 */

/* A user's validated signing key: SSK, PVT and the HS that binds them to the
 * user's identifier and KMS (RFC 6507 §5.1.2). Built only by
 * mcsec_eccsi_key_init(); wipe with mcsec_eccsi_key_wipe(). Plain data, no
 * pointers: it may be copied. */
typedef struct mcsec_eccsi_key {
    uint8_t ssk[MCSEC_ECCSI_SCALAR_BYTES];
    uint8_t pvt[MCSEC_ECCSI_POINT_BYTES];
    uint8_t hs[MCSEC_ECCSI_HASH_BYTES];
} mcsec_eccsi_key;

/* KMS: creates a master key pair. KSAK is uniform in [1, q-1] (rejection
 * sampling of 32-octet strings from rng; NULL rng = OpenSSL), KPAK = [KSAK]G.
 * Errors: MCSEC_ERR_ARG, MCSEC_ERR_RNG, MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_eccsi_kms_keygen(uint8_t ksak[MCSEC_ECCSI_SCALAR_BYTES],
                                           uint8_t kpak[MCSEC_ECCSI_POINT_BYTES],
                                           const mcsec_rng *rng) MCSEC_WARN_UNUSED;

/* KMS: computes KPAK = [KSAK]G from a stored KSAK.
 * Errors: MCSEC_ERR_ARG, MCSEC_ERR_SCALAR (KSAK not in [1, q-1]), MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_eccsi_kms_public(uint8_t kpak[MCSEC_ECCSI_POINT_BYTES],
                                           const uint8_t ksak[MCSEC_ECCSI_SCALAR_BYTES]) MCSEC_WARN_UNUSED;

/* KMS: issues the signing key of identifier id (RFC 6507 §5.1.1): random v,
 * PVT = [v]G, HS = SHA-256(G || KPAK || id || PVT), SSK = KSAK + HS·v mod q.
 * hs may be NULL. id_len may be 0 (an empty identifier is still an identifier)
 * but id must be non-NULL when id_len > 0.
 * Errors: MCSEC_ERR_ARG, MCSEC_ERR_SCALAR (bad KSAK), MCSEC_ERR_RNG, MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_eccsi_kms_issue(uint8_t ssk[MCSEC_ECCSI_SCALAR_BYTES],
                                          uint8_t pvt[MCSEC_ECCSI_POINT_BYTES],
                                          uint8_t hs[MCSEC_ECCSI_HASH_BYTES],
                                          const uint8_t ksak[MCSEC_ECCSI_SCALAR_BYTES],
                                          const uint8_t *id, size_t id_len,
                                          const mcsec_rng *rng) MCSEC_WARN_UNUSED;

/* User: validates a received (SSK, PVT) for identifier id under kpak
 * (RFC 6507 §5.1.2: PVT on the curve, KPAK == [SSK]G - [HS]PVT) and on
 * success fills *key. On failure *key is zeroed.
 * Errors: MCSEC_ERR_ARG, MCSEC_ERR_POINT (KPAK or PVT malformed or not on
 * P-256), MCSEC_ERR_SCALAR (SSK not in [1, q-1]), MCSEC_ERR_KEY_INVALID (the
 * equation fails: wrong KMS, wrong identifier or corrupted key), MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_eccsi_key_init(mcsec_eccsi_key *key,
                                         const uint8_t kpak[MCSEC_ECCSI_POINT_BYTES],
                                         const uint8_t *id, size_t id_len,
                                         const uint8_t ssk[MCSEC_ECCSI_SCALAR_BYTES],
                                         const uint8_t pvt[MCSEC_ECCSI_POINT_BYTES]) MCSEC_WARN_UNUSED;

MCSEC_API void mcsec_eccsi_key_wipe(mcsec_eccsi_key *key);

/* HS = SHA-256(G || KPAK || id || PVT) (RFC 6507 §5.1.1 step 3). Public data
 * only; does not check the points. Errors: MCSEC_ERR_ARG, MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_eccsi_hs(uint8_t hs[MCSEC_ECCSI_HASH_BYTES],
                                   const uint8_t kpak[MCSEC_ECCSI_POINT_BYTES],
                                   const uint8_t *id, size_t id_len,
                                   const uint8_t pvt[MCSEC_ECCSI_POINT_BYTES]) MCSEC_WARN_UNUSED;

/* User: signs msg (RFC 6507 §5.2.1) with a fresh random j from rng (NULL =
 * OpenSSL). j is drawn as 32 octets and rejected unless in [1, q-1], so a test
 * RNG that returns j reproduces published vectors. msg may be NULL if msg_len is 0.
 * Errors: MCSEC_ERR_ARG, MCSEC_ERR_RNG, MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_eccsi_sign(uint8_t sig[MCSEC_ECCSI_SIG_BYTES],
                                     const mcsec_eccsi_key *key,
                                     const uint8_t *msg, size_t msg_len,
                                     const mcsec_rng *rng) MCSEC_WARN_UNUSED;

/* Anyone: verifies sig over msg by identifier id under kpak (RFC 6507
 * §5.2.2), rejecting r or s outside [1, q-1] and a PVT not on the curve
 * before any arithmetic. Returns MCSEC_OK only for a valid signature.
 * Errors: MCSEC_ERR_ARG, MCSEC_ERR_POINT (KPAK or the signature's PVT
 * malformed), MCSEC_ERR_SCALAR (r or s out of range), MCSEC_ERR_VERIFY,
 * MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_eccsi_verify(const uint8_t kpak[MCSEC_ECCSI_POINT_BYTES],
                                       const uint8_t *id, size_t id_len,
                                       const uint8_t *msg, size_t msg_len,
                                       const uint8_t sig[MCSEC_ECCSI_SIG_BYTES]) MCSEC_WARN_UNUSED;

/* A KMS's KPAK prepared for verifying many signatures (~150 KiB on the
 * heap: OpenSSL's fixed-base table of KPAK, ~15 ms to build). Public data;
 * safe to share between threads; free with mcsec_eccsi_verifier_free().
 * Errors: MCSEC_ERR_ARG, MCSEC_ERR_POINT (kpak malformed),
 * MCSEC_ERR_NOMEM, MCSEC_ERR_CRYPTO. */
typedef struct mcsec_eccsi_verifier mcsec_eccsi_verifier;
MCSEC_API mcsec_err mcsec_eccsi_verifier_new(mcsec_eccsi_verifier **out,
                                             const uint8_t kpak[MCSEC_ECCSI_POINT_BYTES]) MCSEC_WARN_UNUSED;
MCSEC_API void mcsec_eccsi_verifier_free(mcsec_eccsi_verifier *v);

/* mcsec_eccsi_verify() under the verifier's KPAK; same results and errors
 * (MCSEC_ERR_ARG also for a NULL v). [s·r]KPAK comes from KPAK's table
 * instead of sharing the doublings of the signer's PVT. */
MCSEC_API mcsec_err mcsec_eccsi_verify_prepared(const mcsec_eccsi_verifier *v,
                                                const uint8_t *id, size_t id_len,
                                                const uint8_t *msg, size_t msg_len,
                                                const uint8_t sig[MCSEC_ECCSI_SIG_BYTES]) MCSEC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
