#include "mcsec/common.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "internal/version.h"

const char *mcsec_strerror(mcsec_err err)
{
    switch (err) {
    case MCSEC_OK: return "success";
    case MCSEC_ERR_ARG: return "invalid argument";
    case MCSEC_ERR_BUFFER: return "output buffer too small";
    case MCSEC_ERR_MALFORMED: return "malformed input";
    case MCSEC_ERR_LENGTH: return "wrong length";
    case MCSEC_ERR_POINT: return "invalid point encoding or point not on the curve";
    case MCSEC_ERR_SCALAR: return "integer out of range";
    case MCSEC_ERR_TRAILING: return "trailing bytes after input";
    case MCSEC_ERR_TRUNCATED: return "input truncated";
    case MCSEC_ERR_UNSUPPORTED: return "unsupported version, type or algorithm";
    case MCSEC_ERR_UNKNOWN_TYPE: return "unknown type code";
    case MCSEC_ERR_DUPLICATE: return "duplicate element";
    case MCSEC_ERR_MISSING: return "mandatory element missing";
    case MCSEC_ERR_VERIFY: return "signature verification failed";
    case MCSEC_ERR_KEY_INVALID: return "key validation failed";
    case MCSEC_ERR_DECAP: return "decapsulation check failed";
    case MCSEC_ERR_TIME: return "timestamp outside the accepted window";
    case MCSEC_ERR_REPLAY: return "replayed message";
    case MCSEC_ERR_RECIPIENT: return "addressed to another identity";
    case MCSEC_ERR_REVOKED: return "revoked";
    case MCSEC_ERR_TOKEN: return "access token rejected";
    case MCSEC_ERR_DENIED: return "not authorized";
    case MCSEC_ERR_UNTRUSTED: return "signer certificate not trusted";
    case MCSEC_ERR_NOT_FOUND: return "not found";
    case MCSEC_ERR_IO: return "I/O error";
    case MCSEC_ERR_RNG: return "random number generator failure";
    case MCSEC_ERR_NOMEM: return "out of memory";
    case MCSEC_ERR_DB: return "key store database error";
    case MCSEC_ERR_NETWORK: return "network or TLS failure";
    case MCSEC_ERR_HTTP: return "server returned an error status";
    case MCSEC_ERR_CRYPTO: return "cryptographic library failure";
    case MCSEC_ERR_INTERNAL: return "internal error";
    }
    return "unknown error";
}

void mcsec_wipe(void *p, size_t len)
{
    if (p != NULL && len != 0)
        OPENSSL_cleanse(p, len);
}

static int openssl_fill(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    /* RAND_bytes takes an int length; callers ask for at most a few hundred bytes. */
    while (len > 0) {
        int chunk = len > 1u << 20 ? 1 << 20 : (int)len;
        if (RAND_bytes(buf, chunk) != 1)
            return -1;
        buf += chunk;
        len -= (size_t)chunk;
    }
    return 0;
}

static const mcsec_rng default_rng = { openssl_fill, NULL };

const mcsec_rng *mcsec_rng_default(void)
{
    return &default_rng;
}

const char *mcsec_version(void)
{
    return MCSEC_VERSION_STRING;
}
