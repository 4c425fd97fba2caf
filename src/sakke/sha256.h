/* SHA-256 (FIPS 180-4), the hash function of SAKKE parameter set 1
 * (RFC 6509 Appendix A). A small local implementation so that
 * HashToIntegerRange runs without heap allocation (OpenSSL's EVP allocates a
 * context per digest) and without data-dependent branches, as needed for the
 * secret inputs SSV || b and the pairing value. */
#ifndef MCSEC_SAKKE_SHA256_H
#define MCSEC_SAKKE_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];
    uint8_t buf[64];
    uint64_t total; /* octets hashed so far (public) */
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const uint8_t *data, size_t len);
void sha256_final(sha256_ctx *c, uint8_t out[32]);
/* out = SHA-256(a || b) */
void sha256_2(uint8_t out[32], const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

#endif
