/* Access tokens of the MC Identity Management server (TS 33.180 Annex B,
 * RFC 6750 bearer tokens) as JSON Web Tokens (RFC 7519) in JWS compact form
 * (RFC 7515), checked by the KMS.
 *
 * The signature algorithm is pinned to the type of the configured IdM key,
 * never taken from the token: ES256 for a P-256 key (RFC 7518 §3.4, the
 * 64-octet r || s form), RS256 for an RSA key (2048 bits or more), EdDSA for
 * Ed25519. A token whose "alg" header differs from the pinned one, "none",
 * or an HMAC algorithm is refused whatever its signature. */
#ifndef MCSEC_JWT_H
#define MCSEC_JWT_H

#include <stdint.h>

#include "mcsec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MCSEC_JWT_MAX_BYTES 8192   /* longest token accepted */
#define MCSEC_JWT_STR_MAX 255      /* longest claim string kept */

/* A loaded IdM key (public for verifying, private for minting). */
typedef struct mcsec_jwt_key mcsec_jwt_key;

/* Loads a PEM public key (SubjectPublicKeyInfo) or, with is_private, a PEM
 * private key (PKCS#8 or traditional). *key is freed with
 * mcsec_jwt_key_free(). Errors: MCSEC_ERR_ARG, MCSEC_ERR_MALFORMED (not a
 * PEM key), MCSEC_ERR_UNSUPPORTED (a key type or curve other than P-256,
 * RSA >= 2048, Ed25519), MCSEC_ERR_NOMEM. */
MCSEC_API mcsec_err mcsec_jwt_key_load_pem(mcsec_jwt_key **key, const char *pem, size_t pem_len,
                                           int is_private) MCSEC_WARN_UNUSED;
MCSEC_API void mcsec_jwt_key_free(mcsec_jwt_key *key);

/* What the verifier checks. */
typedef struct mcsec_jwt_policy {
    const char *issuer;         /* required "iss", exact match */
    const char *audience;       /* must equal "aud" or be one element of an "aud" array */
    const char *identity_claim; /* claim naming the user, e.g. "mcptt_id" (NULL: "sub") */
    const char *required_scope; /* NULL or "": none; else one space-separated word of
                                   "scope" (or an element of "scp") must equal it */
    int64_t now;                /* Unix seconds */
    int64_t skew;               /* leeway for exp and nbf, seconds (e.g. 60) */
} mcsec_jwt_policy;

/* What a valid token says. */
typedef struct mcsec_jwt_claims {
    char identity[MCSEC_JWT_STR_MAX + 1]; /* the identity claim's string */
    int64_t exp;                         /* required */
    int64_t iat;                         /* 0 when absent */
    char jti[MCSEC_JWT_STR_MAX + 1];     /* "" when absent */
} mcsec_jwt_claims;

/* Verifies token (compact JWS, no surrounding whitespace; "Bearer " is the
 * caller's to strip) against key and policy. "exp" is required and must be
 * > now - skew; "nbf", when present, <= now + skew; "iss", "aud" and the
 * identity claim are required strings (or an array for "aud"); header "crit"
 * is refused; "typ", when present, must be "JWT" or "at+jwt" (RFC 9068),
 * compared case-insensitively with an optional "application/" prefix
 * (RFC 7515 §4.1.9). The signature is checked before the payload is parsed.
 * Base64url must be canonical and unpadded; JSON duplicate names are refused.
 * An ES256 signature is exactly 64 octets (r || s); a high s is accepted, as
 * RFC 7518 does not ask for low s. NumericDates may be non-integer: "exp" is
 * rounded down, "nbf" up. "iat", when present, must be a number, and "jti"
 * a string held to the identity's rules below. A required scope is found
 * as a word of "scope" or of "scp" (a string), or as an element of "scp" (an
 * array). The identity has 1..MCSEC_JWT_STR_MAX octets and no control
 * character. Thread-safe; keys are read-only once loaded.
 * On failure *claims is zeroed. Errors: MCSEC_ERR_ARG (NULL arguments, an
 * empty issuer, audience or identity_claim, a negative skew),
 * MCSEC_ERR_TOKEN (every way a token can be bad: shape, base64url, JSON,
 * alg, signature, time, issuer, audience, scope, identity; the cause is
 * never more specific, so that a probe learns nothing), MCSEC_ERR_NOMEM. */
MCSEC_API mcsec_err mcsec_jwt_verify(mcsec_jwt_claims *claims, const char *token, size_t token_len,
                                     const mcsec_jwt_key *key,
                                     const mcsec_jwt_policy *policy) MCSEC_WARN_UNUSED;

/* Like mcsec_jwt_verify, but also says which check failed, in *why (a
 * static string such as "expired" or "bad signature"), for logs and tests.
 * *why is set on every return (to "ok" on success). The strings: "ok",
 * "bad argument", "too long", "malformed", "alg not allowed",
 * "crit not supported", "bad typ", "bad signature length", "bad signature",
 * "bad exp", "expired", "bad nbf", "not yet valid", "bad iat",
 * "wrong issuer", "wrong audience", "no identity", "missing scope",
 * "bad jti", "out of memory". */
MCSEC_API mcsec_err mcsec_jwt_verify_why(mcsec_jwt_claims *claims, const char **why,
                                         const char *token, size_t token_len,
                                         const mcsec_jwt_key *key,
                                         const mcsec_jwt_policy *policy) MCSEC_WARN_UNUSED;

/* What a minted token carries (for tests, the demo, and `mcsec idm token`). */
typedef struct mcsec_jwt_mint {
    const char *issuer;
    const char *audience;
    const char *identity_claim; /* NULL: "sub" */
    const char *identity;
    const char *scope;          /* NULL: no "scope" claim */
    int64_t iat;                /* also "nbf" */
    int64_t ttl;                /* exp = iat + ttl */
    const char *jti;            /* NULL: 16 random octets, base64url */
} mcsec_jwt_mint;

/* Signs a token with a private key (algorithm from the key type): header
 * {"alg":...,"typ":"JWT"}, claims iss, aud, the identity, scope, iat,
 * nbf = iat, exp = iat + ttl, jti. rng (NULL: mcsec_rng_default()) draws
 * only the jti; ECDSA nonces come from OpenSSL. Strings must be UTF-8; the
 * identity and jti follow the verifier's rules; identity_claim may not name
 * a claim set here; ttl > 0.
 * (out, *out_len): capacity in, length out; a NUL is written after the token
 * when it fits. Errors: MCSEC_ERR_ARG, MCSEC_ERR_BUFFER (*out_len = the
 * token's length + 1, room for the NUL), MCSEC_ERR_CRYPTO, MCSEC_ERR_RNG,
 * MCSEC_ERR_NOMEM. */
MCSEC_API mcsec_err mcsec_jwt_sign(char *out, size_t *out_len, const mcsec_jwt_key *key,
                                   const mcsec_jwt_mint *mint,
                                   const mcsec_rng *rng) MCSEC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
