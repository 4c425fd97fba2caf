/* Fixed-size multiprecision integers and Montgomery arithmetic, constant time.
 *
 * Numbers are little-endian arrays of n 64-bit limbs (n <= MP_MAX_LIMBS).
 * Every function's running time and memory access pattern depend only on n,
 * never on the limb values, so all of them may be used on secrets. Functions
 * are static inline so that calls with a constant n specialise and unroll.
 * No heap, no global state. */
#ifndef MCSEC_MATH_MP_H
#define MCSEC_MATH_MP_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal/ct.h"

#define MP_MAX_LIMBS 16

typedef unsigned __int128 mp_u128;

/* A Montgomery modulus: m odd, R = 2^(64n). Instances are static const
 * tables (see the generated constants next to each user). */
typedef struct mp_mod {
    size_t n;                    /* limbs */
    uint64_t m[MP_MAX_LIMBS];    /* modulus */
    uint64_t m0inv;              /* -m^-1 mod 2^64 */
    uint64_t rr[MP_MAX_LIMBS];   /* R^2 mod m */
    uint64_t one[MP_MAX_LIMBS];  /* R mod m (Montgomery form of 1) */
} mp_mod;

/* r = a + b, returns carry; r may alias a or b */
static inline uint64_t mp_add(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n)
{
    uint64_t c = 0;
    for (size_t i = 0; i < n; i++) {
        mp_u128 t = (mp_u128)a[i] + b[i] + c;
        r[i] = (uint64_t)t;
        c = (uint64_t)(t >> 64);
    }
    return c;
}

/* r = a - b, returns borrow (0 or 1); r may alias a or b */
static inline uint64_t mp_sub(uint64_t *r, const uint64_t *a, const uint64_t *b, size_t n)
{
    uint64_t br = 0;
    for (size_t i = 0; i < n; i++) {
        mp_u128 t = (mp_u128)a[i] - b[i] - br;
        r[i] = (uint64_t)t;
        br = (uint64_t)(t >> 64) & 1;
    }
    return br;
}

/* all-ones if a < b else 0 */
static inline uint64_t mp_lt_mask(const uint64_t *a, const uint64_t *b, size_t n)
{
    uint64_t br = 0;
    for (size_t i = 0; i < n; i++) {
        mp_u128 t = (mp_u128)a[i] - b[i] - br;
        br = (uint64_t)(t >> 64) & 1;
    }
    return ct_mask_from_bit(br);
}

static inline uint64_t mp_is_zero_mask(const uint64_t *a, size_t n)
{
    uint64_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= a[i];
    return ct_mask_zero_u64(acc);
}

static inline uint64_t mp_eq_mask(const uint64_t *a, const uint64_t *b, size_t n)
{
    uint64_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= a[i] ^ b[i];
    return ct_mask_zero_u64(acc);
}

/* Reads a big-endian byte string of exactly 8n bytes. */
static inline void mp_from_be(uint64_t *r, size_t n, const uint8_t *in)
{
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = in + 8 * (n - 1 - i);
        uint64_t w = 0;
        for (int k = 0; k < 8; k++)
            w = (w << 8) | p[k];
        r[i] = w;
    }
}

/* Writes exactly 8n big-endian bytes. */
static inline void mp_to_be(uint8_t *out, const uint64_t *a, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t *p = out + 8 * (n - 1 - i);
        uint64_t w = a[i];
        for (int k = 7; k >= 0; k--) {
            p[k] = (uint8_t)w;
            w >>= 8;
        }
    }
}

/* r = (a + b) mod m for a, b < m */
static inline void mp_mod_add(uint64_t *r, const uint64_t *a, const uint64_t *b, const mp_mod *md)
{
    size_t n = md->n;
    uint64_t t[MP_MAX_LIMBS];
    uint64_t c = mp_add(r, a, b, n);
    uint64_t br = mp_sub(t, r, md->m, n);
    /* keep t (= a+b-m) unless a+b < m, i.e. borrow without carry */
    uint64_t keep_r = ct_mask_from_bit(br & ~c);
    for (size_t i = 0; i < n; i++)
        r[i] = ct_select_u64(keep_r, r[i], t[i]);
}

/* r = (a - b) mod m for a, b < m */
static inline void mp_mod_sub(uint64_t *r, const uint64_t *a, const uint64_t *b, const mp_mod *md)
{
    size_t n = md->n;
    uint64_t t[MP_MAX_LIMBS];
    uint64_t br = mp_sub(r, a, b, n);
    mp_add(t, r, md->m, n);
    uint64_t mask = ct_mask_from_bit(br);
    for (size_t i = 0; i < n; i++)
        r[i] = ct_select_u64(mask, t[i], r[i]);
}

#if defined(__clang__)
#define MP_ALWAYS_INLINE inline __attribute__((always_inline))
#define MP_UNROLL /* clang unrolls constant-trip loops unasked; a pragma would warn on the runtime-n path */
#elif defined(__GNUC__)
#define MP_ALWAYS_INLINE inline __attribute__((always_inline))
#define MP_UNROLL _Pragma("GCC unroll 16")
#else
#define MP_ALWAYS_INLINE inline
#define MP_UNROLL
#endif

/* r = a * b * R^-1 mod m (CIOS) for a limb count n that the caller passes as
 * a compile-time constant, so that the loops unroll (a 4-limb call is ~3x
 * faster than the runtime-n loop). Inputs < m; r may alias a or b. */
static MP_ALWAYS_INLINE void mp_mont_mul_n(uint64_t *r, const uint64_t *a, const uint64_t *b,
                                           const mp_mod *md, const size_t n)
{
    uint64_t t[MP_MAX_LIMBS + 2];
    for (size_t i = 0; i < n + 2; i++)
        t[i] = 0;
    MP_UNROLL
    for (size_t i = 0; i < n; i++) {
        uint64_t c = 0;
        MP_UNROLL
        for (size_t j = 0; j < n; j++) {
            mp_u128 s = (mp_u128)a[j] * b[i] + t[j] + c;
            t[j] = (uint64_t)s;
            c = (uint64_t)(s >> 64);
        }
        mp_u128 s = (mp_u128)t[n] + c;
        t[n] = (uint64_t)s;
        t[n + 1] = (uint64_t)(s >> 64);

        uint64_t u = t[0] * md->m0inv;
        s = (mp_u128)u * md->m[0] + t[0];
        c = (uint64_t)(s >> 64);
        MP_UNROLL
        for (size_t j = 1; j < n; j++) {
            s = (mp_u128)u * md->m[j] + t[j] + c;
            t[j - 1] = (uint64_t)s;
            c = (uint64_t)(s >> 64);
        }
        s = (mp_u128)t[n] + c;
        t[n - 1] = (uint64_t)s;
        t[n] = t[n + 1] + (uint64_t)(s >> 64);
    }
    /* t < 2m: subtract m unless that borrows past the top word */
    uint64_t d[MP_MAX_LIMBS];
    uint64_t br = mp_sub(d, t, md->m, n);
    uint64_t keep_t = ct_mask_from_bit(br & ~t[n]);
    for (size_t i = 0; i < n; i++)
        r[i] = ct_select_u64(keep_t, t[i], d[i]);
}

/* The same for a runtime limb count (md->n). */
static inline void mp_mont_mul(uint64_t *r, const uint64_t *a, const uint64_t *b, const mp_mod *md)
{
    mp_mont_mul_n(r, a, b, md, md->n);
}

/* A Montgomery multiplication routine: mp_mont_mul or a specialised one. */
typedef void (*mp_mont_mul_fn)(uint64_t *r, const uint64_t *a, const uint64_t *b, const mp_mod *md);

/* Montgomery form: r = a * R mod m, for a < m */
static inline void mp_to_mont(uint64_t *r, const uint64_t *a, const mp_mod *md)
{
    mp_mont_mul(r, a, md->rr, md);
}

/* Plain form: r = a * R^-1 mod m */
static inline void mp_from_mont(uint64_t *r, const uint64_t *a, const mp_mod *md)
{
    uint64_t one[MP_MAX_LIMBS] = { 1 };
    mp_mont_mul(r, a, one, md);
}

/* r = a^e (Montgomery domain) for a PUBLIC exponent e of elen limbs, using
 * mul for every product: the sequence of operations depends on e, never on
 * a. Used for Fermat inversion, where e = m - 2 is a public constant. */
static inline void mp_mont_pow_pubexp_with(uint64_t *r, const uint64_t *a, const uint64_t *e,
                                           size_t elen, const mp_mod *md, mp_mont_mul_fn mul)
{
    size_t n = md->n;
    uint64_t tbl[16][MP_MAX_LIMBS]; /* a^0 .. a^15; indexed by public bits only */
    memcpy(tbl[0], md->one, 8 * n);
    memcpy(tbl[1], a, 8 * n);
    for (int i = 2; i < 16; i++)
        mul(tbl[i], tbl[i - 1], a, md);
    uint64_t acc[MP_MAX_LIMBS];
    memcpy(acc, md->one, 8 * n);
    int started = 0;
    for (size_t w = elen; w-- > 0;) {
        for (int nib = 15; nib >= 0; nib--) {
            unsigned d = (unsigned)(e[w] >> (4 * nib)) & 15;
            if (started) {
                for (int k = 0; k < 4; k++)
                    mul(acc, acc, acc, md);
            }
            if (d) {
                mul(acc, acc, tbl[d], md);
                started = 1;
            }
        }
    }
    memcpy(r, acc, 8 * n);
    mcsec_ct_wipe_limbs(tbl[0], 16 * MP_MAX_LIMBS);
    mcsec_ct_wipe_limbs(acc, MP_MAX_LIMBS);
}

static inline void mp_mont_pow_pubexp(uint64_t *r, const uint64_t *a, const uint64_t *e, size_t elen,
                                      const mp_mod *md)
{
    mp_mont_pow_pubexp_with(r, a, e, elen, md, mp_mont_mul);
}

/* r = a^-1 (Montgomery domain) for prime m by Fermat, a^(m-2), with mul. a = 0 gives 0. */
static inline void mp_mont_inv_prime_with(uint64_t *r, const uint64_t *a, const mp_mod *md,
                                          mp_mont_mul_fn mul)
{
    uint64_t e[MP_MAX_LIMBS];
    uint64_t two[MP_MAX_LIMBS] = { 2 };
    mp_sub(e, md->m, two, md->n);
    mp_mont_pow_pubexp_with(r, a, e, md->n, md, mul);
}

/* r = a^-1 (Montgomery domain) for prime m, by Fermat: a^(m-2). a = 0 gives 0. */
static inline void mp_mont_inv_prime(uint64_t *r, const uint64_t *a, const mp_mod *md)
{
    mp_mont_inv_prime_with(r, a, md, mp_mont_mul);
}

#endif
