/* Integers modulo q, the 1022-bit prime order of P in SAKKE parameter set 1
 * (RFC 6509 Appendix A). Values are 16 little-endian 64-bit limbs in plain
 * form (< q). Constant time throughout; used for the KMS master secret z,
 * RSK issuing ((a + z)^-1 mod q, RFC 6508 §6.1.1), r = HashToIntegerRange(
 * SSV || b, q) (RFC 6508 §5.1) and the comb scalar recoding. */
#ifndef MCSEC_MATH_SCALAR1024_H
#define MCSEC_MATH_SCALAR1024_H

#include <stddef.h>
#include <stdint.h>

#include "internal/ct.h"

#define SC_LIMBS 16
#define SC_COMB_WORDS 17 /* recoded comb scalars have up to 17*64 bits */

typedef struct sc1024 {
    uint64_t v[SC_LIMBS];
} sc1024;

/* r = (128-octet big-endian integer) mod q. Any 1024-bit value is accepted
 * (HashToIntegerRange step 6 and identifiers). */
void sc1024_from_bytes_reduce(sc1024 *r, const uint8_t in[128]);

/* r = (big-endian integer of len <= 128 octets) mod q. len is public. */
void sc1024_from_octets_reduce(sc1024 *r, const uint8_t *in, size_t len);

/* Reads a 128-octet big-endian integer WITHOUT reduction; returns all-ones if
 * lo <= value < q (lo a small public bound), else zero. */
uint64_t sc1024_from_bytes_range(sc1024 *r, const uint8_t in[128], uint64_t lo);

void sc1024_to_bytes(uint8_t out[128], const sc1024 *a);

/* r = a + b mod q, r = a * b mod q, r = a^-1 mod q (0 -> 0). */
void sc1024_add(sc1024 *r, const sc1024 *a, const sc1024 *b);
void sc1024_mul(sc1024 *r, const sc1024 *a, const sc1024 *b);
void sc1024_inv(sc1024 *r, const sc1024 *a);

static inline uint64_t sc1024_is_zero_mask(const sc1024 *a)
{
    uint64_t acc = 0;
    for (int i = 0; i < SC_LIMBS; i++)
        acc |= a->v[i];
    return ct_mask_zero_u64(acc);
}

/* Signed-digit comb recoding shared by every comb in the library. For a
 * secret k in [0, q) let k' = k if k is odd, else k + q (odd, < 2^1023, and
 * equal to k modulo the group order q). With L >= 1024 the L-bit integer
 *     b = (k' - 1)/2 + 2^(L-1)
 * satisfies k' = sum_{i<L} (2 b_i - 1) 2^i, i.e. its bits select signs
 * +-1 for every power of two; the combs store only the entries whose top
 * sign is +1 and negate for the others. bits receives b (17 words). */
void sc1024_comb_recode(uint64_t bits[SC_COMB_WORDS], const uint64_t k[SC_LIMBS], int L);

/* Bit i of a recoded scalar; i is public. */
static inline uint64_t sc_bit(const uint64_t *bits, int i)
{
    return (bits[i >> 6] >> (i & 63)) & 1;
}

static inline void sc1024_wipe(sc1024 *a)
{
    mcsec_ct_wipe_limbs(a->v, SC_LIMBS);
}

#endif
