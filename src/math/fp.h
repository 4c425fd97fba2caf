/* Arithmetic in F_p for the SAKKE parameter-set-1 prime (RFC 6509 Appendix A,
 * used by RFC 6508):
 *
 *   p = 997ABB1F...FEA85FEB (1024 bits, p = 3 mod 4)
 *
 * Elements are 16 little-endian 64-bit limbs in Montgomery form
 * (x * 2^1024 mod p), always fully reduced (< p). Every function runs in time
 * independent of the element values and touches memory independently of them,
 * so all of them may be used on secrets. No heap, no global mutable state. */
#ifndef MCSEC_MATH_FP_H
#define MCSEC_MATH_FP_H

#include <stddef.h>
#include <stdint.h>

#include "internal/ct.h"

#define FP_LIMBS 16
#define FP_BYTES 128

typedef struct fp {
    uint64_t v[FP_LIMBS];
} fp;

/* Constants (Montgomery form), defined in sakke_tables.c. */
extern const fp fp_one;      /* 1 */
extern const fp fp_p;        /* p itself (plain limbs, for range checks) */

/* r = a * b, r = a^2 (Montgomery products; r may alias the inputs). */
void fp_mul(fp *r, const fp *a, const fp *b);
void fp_sqr(fp *r, const fp *a);
/* r = a * b + c * d with a single Montgomery reduction (3/4 of the cost of
 * two products). */
void fp_muladd(fp *r, const fp *a, const fp *b, const fp *c, const fp *d);

/* r = a + b, a - b, -a, 2a, 3a (mod p). r may alias the inputs. */
void fp_add(fp *r, const fp *a, const fp *b);
void fp_sub(fp *r, const fp *a, const fp *b);
void fp_neg(fp *r, const fp *a);
void fp_dbl(fp *r, const fp *a);
void fp_tpl(fp *r, const fp *a);

/* r = a^-1 (0 maps to 0), constant time (safegcd, see safegcd.h). */
void fp_inv(fp *r, const fp *a);

/* r = a^e for a PUBLIC exponent e (16 limbs): the sequence of operations
 * depends on e only. */
void fp_pow_pub(fp *r, const fp *a, const uint64_t e[FP_LIMBS]);

/* Reads a 128-octet big-endian integer. Returns an all-ones mask if it is < p
 * (r is then its Montgomery form), zero otherwise (r is then zero). The
 * caller decides whether the outcome is public. */
uint64_t fp_from_bytes(fp *r, const uint8_t in[FP_BYTES]);

/* Writes the 128-octet big-endian canonical encoding of a. */
void fp_to_bytes(uint8_t out[FP_BYTES], const fp *a);

/* r = small integer v (v < 2^64) in Montgomery form. */
void fp_set_u64(fp *r, uint64_t v);

static inline void fp_copy(fp *r, const fp *a)
{
    *r = *a;
}

static inline void fp_set_zero(fp *r)
{
    for (int i = 0; i < FP_LIMBS; i++)
        r->v[i] = 0;
}

/* all-ones if a == 0 */
static inline uint64_t fp_is_zero_mask(const fp *a)
{
    uint64_t acc = 0;
    for (int i = 0; i < FP_LIMBS; i++)
        acc |= a->v[i];
    return ct_mask_zero_u64(acc);
}

/* all-ones if a == b */
static inline uint64_t fp_eq_mask(const fp *a, const fp *b)
{
    uint64_t acc = 0;
    for (int i = 0; i < FP_LIMBS; i++)
        acc |= a->v[i] ^ b->v[i];
    return ct_mask_zero_u64(acc);
}

/* if mask: r = a */
static inline void fp_cmov(fp *r, const fp *a, uint64_t mask)
{
    for (int i = 0; i < FP_LIMBS; i++)
        r->v[i] ^= mask & (r->v[i] ^ a->v[i]);
}

/* r = the field element at base + idx * stride, by a full scan of the n
 * entries (every entry read and masked; time and memory accesses
 * independent of idx). base + k * stride must point at an fp for k < n. */
void fp_ct_lookup(fp *r, const void *base, size_t stride, size_t n, uint64_t idx);

/* if mask: r = -r */
void fp_cneg(fp *r, uint64_t mask);

static inline void fp_wipe(fp *r)
{
    mcsec_ct_wipe_limbs(r->v, FP_LIMBS);
}

/* Wipes several temporaries: FP_WIPE(&a, &b, ...). Formula functions end
 * with it so that no secret-derived intermediate stays on the stack. */
#define FP_WIPE(...)                                                                               \
    do {                                                                                           \
        fp *fp_wipe_list_[] = { __VA_ARGS__ };                                                     \
        for (size_t fp_i_ = 0; fp_i_ < sizeof fp_wipe_list_ / sizeof fp_wipe_list_[0]; fp_i_++)    \
            fp_wipe(fp_wipe_list_[fp_i_]);                                                         \
    } while (0)

#endif
