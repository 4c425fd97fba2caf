/* mcsec — common definitions shared by every module: the error enum, the RNG
 * seam, wiping, version. No global mutable state anywhere in the library. */
#ifndef MCSEC_COMMON_H
#define MCSEC_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MCSEC_WARN_UNUSED __attribute__((warn_unused_result))
#define MCSEC_API __attribute__((visibility("default")))
#else
#define MCSEC_WARN_UNUSED
#define MCSEC_API
#endif

/* One error enum for the whole library, grouped by cause. Values are stable
 * (they appear in logs and bindings); new codes are appended within a group. */
typedef enum mcsec_err {
    MCSEC_OK = 0,

    /* 1..19: the caller passed something unusable */
    MCSEC_ERR_ARG = 1,          /* NULL pointer, bad length, out-of-range option */
    MCSEC_ERR_BUFFER = 2,       /* output buffer too small */

    /* 20..39: malformed input data (parsing) */
    MCSEC_ERR_MALFORMED = 20,   /* structurally invalid encoding */
    MCSEC_ERR_LENGTH = 21,      /* wrong length for a fixed-size value */
    MCSEC_ERR_POINT = 22,       /* point encoding invalid, off the curve, or infinity */
    MCSEC_ERR_SCALAR = 23,      /* integer out of its range (e.g. r, s not in [1, q-1]) */
    MCSEC_ERR_TRAILING = 24,    /* bytes left over after a complete structure */
    MCSEC_ERR_TRUNCATED = 25,   /* input ends inside a field or before a required part */
    MCSEC_ERR_UNSUPPORTED = 26, /* well-formed but a version, type or algorithm we do not accept */
    MCSEC_ERR_UNKNOWN_TYPE = 27, /* a type code (e.g. a MIKEY payload type) that is not defined */
    MCSEC_ERR_DUPLICATE = 28,   /* a part that may occur once occurs again */
    MCSEC_ERR_MISSING = 29,     /* a mandatory part is absent */

    /* 40..59: a cryptographic check failed */
    MCSEC_ERR_VERIFY = 40,      /* signature does not verify */
    MCSEC_ERR_KEY_INVALID = 41, /* issued key pair fails its validation equation */
    MCSEC_ERR_DECAP = 42,       /* encapsulated data fails its integrity check */
    MCSEC_ERR_TIME = 43,        /* a timestamp outside the accepted window */
    MCSEC_ERR_REPLAY = 44,      /* a message seen before */
    MCSEC_ERR_RECIPIENT = 45,   /* addressed to another identity */
    MCSEC_ERR_REVOKED = 46,     /* the key or user is marked revoked */
    MCSEC_ERR_TOKEN = 47,       /* access token missing, malformed, badly signed, expired,
                                   or for another issuer or audience (HTTP 401) */
    MCSEC_ERR_DENIED = 48,      /* authenticated, but not allowed this (HTTP 403) */
    MCSEC_ERR_UNTRUSTED = 49,   /* a valid signature by a certificate that does not chain
                                   to any of the given trust anchors */

    /* 60..79: lookup */
    MCSEC_ERR_NOT_FOUND = 60,

    /* 80..99: environment */
    MCSEC_ERR_IO = 80,
    MCSEC_ERR_RNG = 81,         /* the random generator failed */
    MCSEC_ERR_NOMEM = 82,
    MCSEC_ERR_DB = 83,          /* the key store database failed */
    MCSEC_ERR_NETWORK = 84,     /* connection, TLS or HTTP transport failure */
    MCSEC_ERR_HTTP = 85,        /* the server answered with an error status */

    /* 100..: internal */
    MCSEC_ERR_CRYPTO = 100,     /* an underlying OpenSSL call failed unexpectedly */
    MCSEC_ERR_INTERNAL = 101
} mcsec_err;

/* A one-line English description of err; never NULL, never contains data. */
MCSEC_API const char *mcsec_strerror(mcsec_err err);

/* Overwrites len bytes at p with zeros in a way the compiler cannot elide. */
MCSEC_API void mcsec_wipe(void *p, size_t len);

/* The randomness seam. fill() must write len unpredictable bytes to buf and
 * return 0, or return non-zero on failure (mapped to MCSEC_ERR_RNG). */
typedef struct mcsec_rng {
    int (*fill)(void *ctx, uint8_t *buf, size_t len);
    void *ctx;
} mcsec_rng;

/* The default RNG: OpenSSL's RAND_bytes. Functions taking `const mcsec_rng *rng`
 * use it when rng is NULL. The returned object is constant and shared. */
MCSEC_API const mcsec_rng *mcsec_rng_default(void);

/* Library version as "MAJOR.MINOR.PATCH". */
MCSEC_API const char *mcsec_version(void);

#ifdef __cplusplus
}
#endif
#endif
