/* SAKKE: Sakai-Kasahara Key Encryption (IETF RFC 6508) with parameter set 1
 * of RFC 6509 Appendix A (1024-bit p, 1022-bit q, SHA-256, n = 128), as used
 * by MIKEY-SAKKE and 3GPP TS 33.180 to carry 16-octet keys (GMK, PCK, CSK,
 * SPK, MuSiK) to an identifier.
 *
 * Encodings (RFC 6508 §4, RFC 6509):
 *   - points (Z_T "PubEncKey", RSK "UserDecryptKey", R_(b,S)): 257 octets
 *     0x04 || x || y, big-endian, x and y < p;
 *   - integers mod q (z_T): 128 octets big-endian;
 *   - SSV: 16 octets; Encapsulated Data (SED): R_(b,S) || H = 273 octets;
 *   - identifier b: 1 to 128 octets, used as raw octets in SSV || b and as
 *     a big-endian integer reduced mod q in [b]P (MCX uses 32-octet UIDs).
 *
 * Point validation: every point input is checked for the 0x04 prefix,
 * coordinates < p and the curve equation (MCSEC_ERR_POINT otherwise). Points
 * are not all checked to lie in the order-q subgroup by a [q]X = O
 * multiplication; instead:
 *   - R_(b,S) in decapsulation: the mandatory TEST = [r]([b]P + Z) == R
 *     (RFC 6508 §6.2.2 step 5) only accepts R in the subgroup;
 *   - the RSK: mcsec_sakke_validate_rsk() and mcsec_sakke_rsk_key_init() run
 *     the pairing's Miller loop over the RSK, whose end point [q+1]K equals K
 *     exactly when K has order q (checked for free), plus <[a]P + Z, K> = g;
 *     mcsec_sakke_decapsulate() with raw bytes does neither (validate once
 *     when the key is provisioned); mcsec_sakke_validate_rsk_prepared()
 *     checks the pairing equation only, as the RFC does;
 *   - Z_T: mcsec_sakke_kms_params_init() checks [q-2]Z = -[2]Z with the comb
 *     it builds anyway; the raw-bytes functions only check the curve equation
 *     (a KMS public key comes from a signed KMS certificate).
 *
 * Constant time: z_T, RSKs, r, SSVs, masks and pairing values are processed
 * without secret-dependent branches or memory indices. Success or failure of
 * a secret-dependent check is computed as a mask and only becomes a branch in
 * the caller, through the returned status.
 *
 * All functions are thread-safe (no global mutable state) and allocate no
 * heap memory. Precomputation objects are caller-owned, contain no pointers
 * and can be copied with memcpy. Output buffers are written only as
 * described; on error they hold zeros. */
#ifndef MCSEC_SAKKE_H
#define MCSEC_SAKKE_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MCSEC_SAKKE_FE_BYTES 128    /* an F_p element or PF_p representative */
#define MCSEC_SAKKE_POINT_BYTES 257 /* 0x04 || x || y */
#define MCSEC_SAKKE_Z_BYTES 128     /* the KMS master secret z_T */
#define MCSEC_SAKKE_RSK_BYTES 257   /* Receiver Secret Key K_(a,T) */
#define MCSEC_SAKKE_SSV_BYTES 16    /* n = 128 bits */
#define MCSEC_SAKKE_SED_BYTES 273   /* R_(b,S) || H */
#define MCSEC_SAKKE_ID_MAX 128      /* longest identifier accepted */

/* ---- KMS side (RFC 6508 §6.1) ------------------------------------------ */

/* Generates a master secret z uniform in [2, q-1] (rejection sampling of
 * 128 random octets with the top two bits cleared; at most 64 draws) and
 * Z_T = [z]P (RFC 6508 §6.1 step 1-2). rng NULL means mcsec_rng_default().
 * Errors: MCSEC_ERR_ARG (NULL output), MCSEC_ERR_RNG. */
MCSEC_API MCSEC_WARN_UNUSED mcsec_err mcsec_sakke_kms_keygen(uint8_t z[MCSEC_SAKKE_Z_BYTES],
                                                             uint8_t zt[MCSEC_SAKKE_POINT_BYTES],
                                                             const mcsec_rng *rng);

/* Z_T = [z]P. Errors: MCSEC_ERR_ARG, MCSEC_ERR_SCALAR (z not in [2, q-1]). */
MCSEC_API MCSEC_WARN_UNUSED mcsec_err mcsec_sakke_kms_public(uint8_t zt[MCSEC_SAKKE_POINT_BYTES],
                                                             const uint8_t z[MCSEC_SAKKE_Z_BYTES]);

/* RSK issuing, RFC 6508 §6.1.1: K_(a,T) = [(a + z)^-1 mod q]P for the
 * identifier a (id, 1..128 octets).
 * Errors: MCSEC_ERR_ARG (NULL), MCSEC_ERR_LENGTH (id_len), MCSEC_ERR_SCALAR
 * (z not in [2, q-1], or a + z = 0 mod q: no key exists for that id). */
MCSEC_API MCSEC_WARN_UNUSED mcsec_err mcsec_sakke_kms_issue(uint8_t rsk[MCSEC_SAKKE_RSK_BYTES],
                                                            const uint8_t z[MCSEC_SAKKE_Z_BYTES],
                                                            const uint8_t *id, size_t id_len);

/* ---- receiver key validation (RFC 6508 §6.1.2) --------------------------- */

/* Checks <[a]P + Z_T, K_(a,T)> == g and that the RSK has order q.
 * Returns MCSEC_OK, MCSEC_ERR_KEY_INVALID (equation fails, or [a]P + Z_T is
 * the point at infinity), MCSEC_ERR_POINT (zt or rsk malformed),
 * MCSEC_ERR_ARG, MCSEC_ERR_LENGTH. */
MCSEC_API MCSEC_WARN_UNUSED mcsec_err mcsec_sakke_validate_rsk(const uint8_t zt[MCSEC_SAKKE_POINT_BYTES],
                                                               const uint8_t *id, size_t id_len,
                                                               const uint8_t rsk[MCSEC_SAKKE_RSK_BYTES]);

/* ---- sender (RFC 6508 §6.2.1) ------------------------------------------- */

/* Encapsulates ssv to identifier id under Z_T. Deterministic:
 *   r = HashToIntegerRange(SSV || b, q), R = [r]([b]P + Z_T),
 *   H = SSV XOR HashToIntegerRange(g^r, 2^128), sed = R || H.
 * Errors: MCSEC_ERR_ARG, MCSEC_ERR_LENGTH, MCSEC_ERR_POINT (zt malformed or
 * [b]P + Z_T = O), MCSEC_ERR_SCALAR (r = 0, probability 2^-1021). */
MCSEC_API MCSEC_WARN_UNUSED mcsec_err mcsec_sakke_encapsulate(uint8_t sed[MCSEC_SAKKE_SED_BYTES],
                                                              const uint8_t zt[MCSEC_SAKKE_POINT_BYTES],
                                                              const uint8_t *id, size_t id_len,
                                                              const uint8_t ssv[MCSEC_SAKKE_SSV_BYTES]);

/* ---- receiver (RFC 6508 §6.2.2) ----------------------------------------- */

/* Decapsulates sed with the RSK of identifier id issued under Z_T:
 *   w = <R, K>, SSV = H XOR HashToIntegerRange(w, 2^128),
 *   r = HashToIntegerRange(SSV || b, q), accept iff [r]([b]P + Z_T) == R.
 * On any failure ssv is all zeros: never a wrong SSV. Returns MCSEC_OK,
 * MCSEC_ERR_DECAP (the TEST fails: tampered sed, wrong id/RSK/Z_T),
 * MCSEC_ERR_POINT (R, zt or rsk malformed, or [b]P + Z_T = O),
 * MCSEC_ERR_ARG, MCSEC_ERR_LENGTH. */
MCSEC_API MCSEC_WARN_UNUSED mcsec_err mcsec_sakke_decapsulate(uint8_t ssv[MCSEC_SAKKE_SSV_BYTES],
                                                              const uint8_t zt[MCSEC_SAKKE_POINT_BYTES],
                                                              const uint8_t *id, size_t id_len,
                                                              const uint8_t rsk[MCSEC_SAKKE_RSK_BYTES],
                                                              const uint8_t sed[MCSEC_SAKKE_SED_BYTES]);

/* ---- precomputed objects ----------------------------------------------- */

/* A parsed, validated KMS public key Z_T with a fixed-base table for it
 * (~128 KiB). Makes encapsulation to any identifier of that KMS cheap:
 * [r]([b]P + Z) = [r b mod q]P + [r]Z from two fixed-base tables. Public
 * data; no pointers inside. */
#define MCSEC_SAKKE_KMS_PARAMS_WORDS (4 + 32 + 4 * 128 * 32)
typedef struct mcsec_sakke_kms_params {
    uint64_t opaque_[MCSEC_SAKKE_KMS_PARAMS_WORDS];
} mcsec_sakke_kms_params;

/* Parses and validates Z_T (curve equation and [q-2]Z = -[2]Z: order q)
 * and builds the table (a few milliseconds).
 * Errors: MCSEC_ERR_ARG, MCSEC_ERR_POINT. */
MCSEC_API MCSEC_WARN_UNUSED mcsec_err mcsec_sakke_kms_params_init(mcsec_sakke_kms_params *params,
                                                                  const uint8_t zt[MCSEC_SAKKE_POINT_BYTES]);
/* Zeroes the object (it holds no secret; provided for symmetry). */
MCSEC_API void mcsec_sakke_kms_params_wipe(mcsec_sakke_kms_params *params);

/* Per-KMS precomputation for validating many RSKs (~686 KiB, public data):
 * the Miller-loop lines of P and of Z_T. By bilinearity
 *     <[a]P + Z_T, K> = <P, [a]K> <Z_T, K>,
 * so a validation is [a]K (a public, K secret) and one Miller loop that
 * evaluates both fixed tables with shared squarings, instead of a loop with
 * lines computed on the fly. Build it once per KMS (a few ms); allocate it
 * statically or on the heap, not on a small stack. */
#define MCSEC_SAKKE_VALIDATOR_WORDS (4 + 2 * 1372 * 2 * 16)
typedef struct mcsec_sakke_validator {
    uint64_t opaque_[MCSEC_SAKKE_VALIDATOR_WORDS];
} mcsec_sakke_validator;

/* Builds the tables for params' (validated) Z_T.
 * Errors: MCSEC_ERR_ARG (NULL or uninitialised params). */
MCSEC_API MCSEC_WARN_UNUSED mcsec_err mcsec_sakke_validator_init(mcsec_sakke_validator *v,
                                                                 const mcsec_sakke_kms_params *params);
MCSEC_API void mcsec_sakke_validator_wipe(mcsec_sakke_validator *v);

/* RFC 6508 §6.1.2 exactly: <[a]P + Z_T, K> == g, with the RSK K in the
 * pairing's second argument as in the RFC. Unlike mcsec_sakke_validate_rsk()
 * this does not prove that K has order q: the reduced pairing cannot see a
 * component of K of order 2 or 4 (#E = 4q), so K + T for such a T passes
 * (it decapsulates exactly as K does with mcsec_sakke_decapsulate());
 * mcsec_sakke_rsk_key_init() still rejects it. Same errors as
 * mcsec_sakke_validate_rsk() (MCSEC_ERR_ARG also for an uninitialised v). */
MCSEC_API MCSEC_WARN_UNUSED mcsec_err mcsec_sakke_validate_rsk_prepared(const mcsec_sakke_validator *v,
                                                                        const uint8_t *id, size_t id_len,
                                                                        const uint8_t rsk[MCSEC_SAKKE_RSK_BYTES]);

/* mcsec_sakke_encapsulate() with a prepared Z_T; identical output.
 * Errors: MCSEC_ERR_ARG (NULL or uninitialised params), MCSEC_ERR_LENGTH,
 * MCSEC_ERR_POINT ([b]P + Z_T = O), MCSEC_ERR_SCALAR (r = 0). */
MCSEC_API MCSEC_WARN_UNUSED mcsec_err mcsec_sakke_encapsulate_params(uint8_t sed[MCSEC_SAKKE_SED_BYTES],
                                                                     const mcsec_sakke_kms_params *params,
                                                                     const uint8_t *id, size_t id_len,
                                                                     const uint8_t ssv[MCSEC_SAKKE_SSV_BYTES]);

/* A receiver's validated RSK with everything decapsulation needs
 * precomputed (~480 KiB): the identifier, a fixed-base table of
 * [b]P + Z_T (for the TEST) and the Miller-loop lines of the RSK (the
 * pairing <R, K> = <K, R> then costs ~6 field products per step instead of
 * ~17). Holds secrets: wipe with mcsec_sakke_rsk_key_wipe(). */
#define MCSEC_SAKKE_RSK_KEY_WORDS (4 + 16 + 4 * 128 * 32 + 1372 * 2 * 16)
typedef struct mcsec_sakke_rsk_key {
    uint64_t opaque_[MCSEC_SAKKE_RSK_KEY_WORDS];
} mcsec_sakke_rsk_key;

/* Parses the RSK of identifier id under params' Z_T, validates it exactly as
 * mcsec_sakke_validate_rsk() and precomputes (~10 ms).
 * Errors: MCSEC_ERR_ARG, MCSEC_ERR_LENGTH, MCSEC_ERR_POINT (malformed rsk),
 * MCSEC_ERR_KEY_INVALID. On error the object is wiped. */
MCSEC_API MCSEC_WARN_UNUSED mcsec_err mcsec_sakke_rsk_key_init(mcsec_sakke_rsk_key *key,
                                                               const mcsec_sakke_kms_params *params,
                                                               const uint8_t *id, size_t id_len,
                                                               const uint8_t rsk[MCSEC_SAKKE_RSK_BYTES]);
MCSEC_API void mcsec_sakke_rsk_key_wipe(mcsec_sakke_rsk_key *key);

/* The identifier a prepared key was built for (public): returns a pointer
 * into the object and sets *id_len, or NULL (and *id_len = 0) if key is NULL
 * or not initialised. Lets a caller check that a cached key belongs to the
 * UID (key period) a message is addressed to. */
MCSEC_API const uint8_t *mcsec_sakke_rsk_key_id(const mcsec_sakke_rsk_key *key, size_t *id_len);

/* mcsec_sakke_decapsulate() with a prepared key; same contract.
 * Errors: MCSEC_ERR_DECAP, MCSEC_ERR_POINT (R malformed), MCSEC_ERR_ARG
 * (NULL or uninitialised key). */
MCSEC_API MCSEC_WARN_UNUSED mcsec_err mcsec_sakke_decapsulate_key(uint8_t ssv[MCSEC_SAKKE_SSV_BYTES],
                                                                  const mcsec_sakke_rsk_key *key,
                                                                  const uint8_t sed[MCSEC_SAKKE_SED_BYTES]);

#ifdef __cplusplus
}
#endif
#endif
