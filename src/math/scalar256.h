/* Constant-time arithmetic modulo q, the order of the NIST P-256 base point
 * (the ECCSI scalar field, RFC 6507 with RFC 6509's parameters). Values are 4
 * little-endian 64-bit limbs in plain (not Montgomery) form at the interface. */
#ifndef MCSEC_MATH_SCALAR256_H
#define MCSEC_MATH_SCALAR256_H

#include "math/mp.h"

#define SC256_LIMBS 4

typedef struct sc256 {
    uint64_t v[SC256_LIMBS];
} sc256;

/* q = FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551;
 * m0inv = -q^-1 mod 2^64, rr = 2^512 mod q, one = 2^256 mod q (python3 pow()). */
static const mp_mod sc256_q = {
    .n = SC256_LIMBS,
    .m = { 0xf3b9cac2fc632551ULL, 0xbce6faada7179e84ULL, 0xffffffffffffffffULL, 0xffffffff00000000ULL },
    .m0inv = 0xccd1c8aaee00bc4fULL,
    .rr = { 0x83244c95be79eea2ULL, 0x4699799c49bd6fa6ULL, 0x2845b2392b6bec59ULL, 0x66e12d94f3d95620ULL },
    .one = { 0x0c46353d039cdaafULL, 0x4319055258e8617bULL, 0x0000000000000000ULL, 0x00000000ffffffffULL },
};

/* The 4-limb Montgomery product, unrolled. Out of line: it is called a few
 * hundred times per inversion and inlining it everywhere only bloats. */
static void sc256_mont_mul(uint64_t *r, const uint64_t *a, const uint64_t *b, const mp_mod *md)
{
    mp_mont_mul_n(r, a, b, md, SC256_LIMBS);
}

/* Reads 32 big-endian octets without reduction. */
static inline void sc256_from_be(sc256 *r, const uint8_t in[32])
{
    mp_from_be(r->v, SC256_LIMBS, in);
}

static inline void sc256_to_be(uint8_t out[32], const sc256 *a)
{
    mp_to_be(out, a->v, SC256_LIMBS);
}

/* all-ones if 1 <= a <= q-1 */
static inline uint64_t sc256_in_range_mask(const sc256 *a)
{
    return mp_lt_mask(a->v, sc256_q.m, SC256_LIMBS) & ~mp_is_zero_mask(a->v, SC256_LIMBS);
}

static inline uint64_t sc256_is_zero_mask(const sc256 *a)
{
    return mp_is_zero_mask(a->v, SC256_LIMBS);
}

/* a mod q for any a < 2^256 (one conditional subtraction suffices: 2^256 < 2q). */
static inline void sc256_reduce(sc256 *a)
{
    uint64_t t[SC256_LIMBS];
    uint64_t br = mp_sub(t, a->v, sc256_q.m, SC256_LIMBS);
    ct_cmov_limbs(a->v, t, SC256_LIMBS, ~ct_mask_from_bit(br));
}

static inline void sc256_add(sc256 *r, const sc256 *a, const sc256 *b)
{
    mp_mod_add(r->v, a->v, b->v, &sc256_q);
}

/* r = a·b mod q: one Montgomery product gives a·b·R^-1, a second with R^2 restores it. */
static inline void sc256_mul(sc256 *r, const sc256 *a, const sc256 *b)
{
    uint64_t t[SC256_LIMBS];
    sc256_mont_mul(t, a->v, b->v, &sc256_q);
    sc256_mont_mul(r->v, t, sc256_q.rr, &sc256_q);
    mcsec_ct_wipe_limbs(t, SC256_LIMBS);
}

/* r = a^-1 mod q (Fermat, fixed public exponent q-2); a = 0 gives 0. */
static inline void sc256_inv(sc256 *r, const sc256 *a)
{
    uint64_t t[SC256_LIMBS];
    static const uint64_t one[SC256_LIMBS] = { 1 };
    sc256_mont_mul(t, a->v, sc256_q.rr, &sc256_q);      /* to Montgomery form */
    mp_mont_inv_prime_with(t, t, &sc256_q, sc256_mont_mul);
    sc256_mont_mul(r->v, t, one, &sc256_q);             /* back to plain form */
    mcsec_ct_wipe_limbs(t, SC256_LIMBS);
}

static inline void sc256_wipe(sc256 *a)
{
    mcsec_ct_wipe_limbs(a->v, SC256_LIMBS);
}

#endif
