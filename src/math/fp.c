/* F_p arithmetic for the SAKKE prime; see fp.h. The Montgomery product is
 * the generated, fully unrolled code in fp_mont16.h (a 16-limb product is
 * the hot spot of every SAKKE operation: the pairing alone needs ~7500). */
#include "math/fp.h"

#include <string.h>

#include "math/mp.h"
#include "math/safegcd.h"
#include "math/sakke_tables.h"

typedef unsigned __int128 u128;

/* (t2:t1:t0) += x * y. The carry into t2 is a flag computation (add/adc), not
 * a branch. */
#define FP_MAC(x, y)                                                                               \
    do {                                                                                           \
        u128 s_ = (u128)(x) * (y);                                                                 \
        u128 a_ = (((u128)t1 << 64) | t0) + s_;                                                    \
        t2 += (uint64_t)(a_ < s_);                                                                 \
        t0 = (uint64_t)a_;                                                                         \
        t1 = (uint64_t)(a_ >> 64);                                                                 \
    } while (0)

#define FP_MACU(x, y)                                                                              \
    do {                                                                                           \
        u128 s_ = (u128)(x) * (y);                                                                 \
        u128 a_ = (((u128)u1 << 64) | u0) + s_;                                                    \
        u2 += (uint64_t)(a_ < s_);                                                                 \
        u0 = (uint64_t)a_;                                                                         \
        u1 = (uint64_t)(a_ >> 64);                                                                 \
    } while (0)

/* (u2:u1:u0) *= 2 */
#define FP_DBLU()                                                                                  \
    do {                                                                                           \
        u2 = (u2 << 1) | (u1 >> 63);                                                               \
        u1 = (u1 << 1) | (u0 >> 63);                                                               \
        u0 <<= 1;                                                                                  \
    } while (0)

/* (t2:t1:t0) += (u2:u1:u0) */
#define FP_ADDU()                                                                                  \
    do {                                                                                           \
        u128 a_ = (((u128)t1 << 64) | t0) + (((u128)u1 << 64) | u0);                               \
        t2 += u2 + (uint64_t)(a_ < (((u128)u1 << 64) | u0));                                       \
        t0 = (uint64_t)a_;                                                                         \
        t1 = (uint64_t)(a_ >> 64);                                                                 \
    } while (0)

#define FP_SHIFT()                                                                                 \
    do {                                                                                           \
        t0 = t1;                                                                                   \
        t1 = t2;                                                                                   \
        t2 = 0;                                                                                    \
    } while (0)

/* r = res - p unless res (17 words, < 2p) is already below p. */
static inline void fp_final_sub(uint64_t *r, const uint64_t *res);

#include "math/fp_mont16.h"

static inline void fp_final_sub(uint64_t *r, const uint64_t *res)
{
    uint64_t d[16];
    uint64_t br = mp_sub(d, res, fp_p_limbs, 16);
    uint64_t keep = ct_mask_from_bit(br & ~res[16]);
    for (int i = 0; i < 16; i++)
        r[i] = ct_select_u64(keep, res[i], d[i]);
}

void fp_mul(fp *r, const fp *a, const fp *b)
{
    fp_mont_mul16(r->v, a->v, b->v);
}

void fp_sqr(fp *r, const fp *a)
{
    fp_mont_sqr16(r->v, a->v);
}

void fp_add(fp *r, const fp *a, const fp *b)
{
    uint64_t s[16], d[16];
    uint64_t c = mp_add(s, a->v, b->v, 16);
    uint64_t br = mp_sub(d, s, fp_p_limbs, 16);
    /* keep s (= a + b) only if a + b < p: borrow and no carry */
    uint64_t keep = ct_mask_from_bit(br & ~c);
    for (int i = 0; i < 16; i++)
        r->v[i] = ct_select_u64(keep, s[i], d[i]);
}

void fp_sub(fp *r, const fp *a, const fp *b)
{
    uint64_t d[16], s[16];
    uint64_t br = mp_sub(d, a->v, b->v, 16);
    mp_add(s, d, fp_p_limbs, 16);
    uint64_t m = ct_mask_from_bit(br);
    for (int i = 0; i < 16; i++)
        r->v[i] = ct_select_u64(m, s[i], d[i]);
}

void fp_neg(fp *r, const fp *a)
{
    fp z;
    fp_set_zero(&z);
    fp_sub(r, &z, a);
}

void fp_cneg(fp *r, uint64_t mask)
{
    fp n;
    fp_neg(&n, r);
    fp_cmov(r, &n, mask);
}

void fp_dbl(fp *r, const fp *a)
{
    fp_add(r, a, a);
}

void fp_tpl(fp *r, const fp *a)
{
    fp t;
    fp_add(&t, a, a);
    fp_add(r, &t, a);
}

void fp_inv(fp *r, const fp *a)
{
    fp t;
    sg_modinv(t.v, a->v, &sg_p); /* (x R)^-1, plain */
    fp_mul(r, &t, &fp_r3);        /* x^-1 R */
    fp_wipe(&t);
}

void fp_pow_pub(fp *r, const fp *a, const uint64_t e[FP_LIMBS])
{
    fp tbl[16], acc;
    tbl[0] = fp_one;
    tbl[1] = *a;
    for (int i = 2; i < 16; i++)
        fp_mul(&tbl[i], &tbl[i - 1], a);
    acc = fp_one;
    for (int w = FP_LIMBS - 1; w >= 0; w--) {
        for (int nib = 15; nib >= 0; nib--) {
            for (int k = 0; k < 4; k++)
                fp_sqr(&acc, &acc);
            unsigned d = (unsigned)(e[w] >> (4 * nib)) & 15; /* public exponent */
            if (d)
                fp_mul(&acc, &acc, &tbl[d]);
        }
    }
    *r = acc;
    for (int i = 0; i < 16; i++)
        fp_wipe(&tbl[i]);
    fp_wipe(&acc);
}

uint64_t fp_from_bytes(fp *r, const uint8_t in[FP_BYTES])
{
    fp t;
    mp_from_be(t.v, FP_LIMBS, in);
    uint64_t ok = mp_lt_mask(t.v, fp_p_limbs, FP_LIMBS);
    for (int i = 0; i < FP_LIMBS; i++)
        t.v[i] &= ok;
    fp_mul(r, &t, &fp_r2);
    fp_wipe(&t);
    return ok;
}

void fp_to_bytes(uint8_t out[FP_BYTES], const fp *a)
{
    fp one_plain, t;
    fp_set_zero(&one_plain);
    one_plain.v[0] = 1;
    fp_mul(&t, a, &one_plain);
    mp_to_be(out, t.v, FP_LIMBS);
    fp_wipe(&t);
}

void fp_set_u64(fp *r, uint64_t v)
{
    fp t;
    fp_set_zero(&t);
    t.v[0] = v;
    fp_mul(r, &t, &fp_r2);
}
