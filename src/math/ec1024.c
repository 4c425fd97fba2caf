/* Points of E: y^2 = x^3 - 3x over F_p; see ec1024.h. */
#include "math/ec1024.h"

#include <stddef.h>
#include <string.h>

#include "math/sakke_tables.h"
#include "math/scalar1024.h"

uint64_t ec_on_curve_mask(const ec_aff *a)
{
    fp x2, rhs, lhs, three;
    fp_tpl(&three, &fp_one);
    fp_sqr(&x2, &a->x);
    fp_sub(&x2, &x2, &three);
    fp_mul(&rhs, &x2, &a->x); /* x^3 - 3x = x (x^2 - 3) */
    fp_sqr(&lhs, &a->y);
    uint64_t ok = fp_eq_mask(&lhs, &rhs);
    FP_WIPE(&x2, &rhs, &lhs);
    return ok;
}

uint64_t ec_decode(ec_aff *r, const uint8_t in[EC_POINT_BYTES])
{
    uint64_t ok = ct_mask_eq_u64(in[0], 0x04);
    ok &= fp_from_bytes(&r->x, in + 1);
    ok &= fp_from_bytes(&r->y, in + 1 + FP_BYTES);
    ok &= ec_on_curve_mask(r);
    return ok;
}

void ec_encode(uint8_t out[EC_POINT_BYTES], const ec_aff *a)
{
    out[0] = 0x04;
    fp_to_bytes(out + 1, &a->x);
    fp_to_bytes(out + 1 + FP_BYTES, &a->y);
}

void ec_aff_neg(ec_aff *r, const ec_aff *a)
{
    r->x = a->x;
    fp_neg(&r->y, &a->y);
}

uint64_t ec_aff_eq_mask(const ec_aff *a, const ec_aff *b)
{
    return fp_eq_mask(&a->x, &b->x) & fp_eq_mask(&a->y, &b->y);
}

/* ---- Jacobian ------------------------------------------------------------ */

void ec_jac_from_aff(ec_jac *r, const ec_aff *a)
{
    r->X = a->x;
    r->Y = a->y;
    r->Z = fp_one;
}

/* dbl-2001-b (a = -3): delta = Z^2, gamma = Y^2, beta = X gamma,
 * alpha = 3 (X - delta)(X + delta), X3 = alpha^2 - 8 beta,
 * Z3 = (Y + Z)^2 - gamma - delta, Y3 = alpha (4 beta - X3) - 8 gamma^2. */
void ec_jac_dbl(ec_jac *r, const ec_jac *a)
{
    fp delta, gamma, beta, alpha, t, u;
    fp_sqr(&delta, &a->Z);
    fp_sqr(&gamma, &a->Y);
    fp_mul(&beta, &a->X, &gamma);
    fp_sub(&t, &a->X, &delta);
    fp_add(&u, &a->X, &delta);
    fp_mul(&alpha, &t, &u);
    fp_tpl(&alpha, &alpha);
    fp_add(&t, &a->Y, &a->Z);
    fp_sqr(&t, &t);
    fp_sub(&t, &t, &gamma);
    fp_sub(&r->Z, &t, &delta);
    fp_dbl(&beta, &beta);
    fp_dbl(&beta, &beta); /* 4 beta */
    fp_sqr(&t, &alpha);
    fp_dbl(&u, &beta);
    fp_sub(&r->X, &t, &u);
    fp_sub(&t, &beta, &r->X);
    fp_dbl(&u, &gamma);
    fp_dbl(&u, &u);
    fp_dbl(&u, &u);
    fp_neg(&u, &u);
    fp_muladd(&r->Y, &t, &alpha, &gamma, &u); /* alpha (4 beta - X3) - 8 gamma^2 */
    FP_WIPE(&delta, &gamma, &beta, &alpha, &t, &u);
}

/* madd-2007-bl: Z1Z1 = Z1^2, U2 = X2 Z1Z1, S2 = Y2 Z1 Z1Z1, H = U2 - X1,
 * HH = H^2, I = 4 HH, J = H I, r = 2 (S2 - Y1), V = X1 I,
 * X3 = r^2 - J - 2V, Y3 = r (V - X3) - 2 Y1 J, Z3 = (Z1 + H)^2 - Z1Z1 - HH.
 * H = 0 (a = +-b) or Z1 = 0 (a = O) give Z3 = 0. */
void ec_jac_madd(ec_jac *r, const ec_jac *a, const ec_aff *b)
{
    fp z1z1, u2, s2, h, hh, i, j, rr, v, t;
    fp_sqr(&z1z1, &a->Z);
    fp_mul(&u2, &b->x, &z1z1);
    fp_mul(&s2, &b->y, &a->Z);
    fp_mul(&s2, &s2, &z1z1);
    fp_sub(&h, &u2, &a->X);
    fp_sqr(&hh, &h);
    fp_dbl(&i, &hh);
    fp_dbl(&i, &i);
    fp_mul(&j, &h, &i);
    fp_sub(&rr, &s2, &a->Y);
    fp_dbl(&rr, &rr);
    fp_mul(&v, &a->X, &i);
    fp_add(&t, &a->Z, &h);
    fp_sqr(&t, &t);
    fp_sub(&t, &t, &z1z1);
    fp_sub(&r->Z, &t, &hh);
    fp_sqr(&t, &rr);
    fp_sub(&t, &t, &j);
    fp_sub(&t, &t, &v);
    fp_sub(&t, &t, &v); /* X3 */
    fp_mul(&j, &j, &a->Y);
    fp_dbl(&j, &j);     /* 2 Y1 J */
    fp_sub(&v, &v, &t);
    fp_mul(&v, &v, &rr);
    fp_sub(&r->Y, &v, &j);
    r->X = t;
    FP_WIPE(&z1z1, &u2, &s2, &h, &hh, &i, &j, &rr, &v, &t);
}

uint64_t ec_jac_to_aff(ec_aff *r, const ec_jac *a)
{
    fp zi, zi2;
    uint64_t ok = ~fp_is_zero_mask(&a->Z);
    fp_inv(&zi, &a->Z);
    fp_sqr(&zi2, &zi);
    fp_mul(&r->x, &a->X, &zi2);
    fp_mul(&zi2, &zi2, &zi);
    fp_mul(&r->y, &a->Y, &zi2);
    fp_wipe(&zi);
    fp_wipe(&zi2);
    return ok;
}

void ec_jac_to_proj(ec_proj *r, const ec_jac *a)
{
    /* (X/Z^2, Y/Z^3) = (X Z / Z^3, Y / Z^3) */
    fp z2, z3;
    fp_sqr(&z2, &a->Z);
    fp_mul(&z3, &z2, &a->Z);
    fp_mul(&r->X, &a->X, &a->Z);
    r->Y = a->Y;
    r->Z = z3;
    FP_WIPE(&z2, &z3);
}

void ec_jac_batch_to_aff(ec_aff *out, const ec_jac *in, size_t n)
{
    fp pre[64], acc, zi, zi2;
    if (n == 0 || n > 64)
        return; /* callers pass public sizes in range */
    pre[0] = in[0].Z;
    for (size_t i = 1; i < n; i++)
        fp_mul(&pre[i], &pre[i - 1], &in[i].Z);
    fp_inv(&acc, &pre[n - 1]);
    for (size_t i = n; i-- > 0;) {
        if (i > 0) {
            fp_mul(&zi, &acc, &pre[i - 1]);
            fp_mul(&acc, &acc, &in[i].Z);
        } else {
            zi = acc;
        }
        fp_sqr(&zi2, &zi);
        fp_mul(&out[i].x, &in[i].X, &zi2);
        fp_mul(&zi2, &zi2, &zi);
        fp_mul(&out[i].y, &in[i].Y, &zi2);
    }
    for (size_t i = 0; i < n; i++)
        fp_wipe(&pre[i]);
    fp_wipe(&acc);
    fp_wipe(&zi);
    fp_wipe(&zi2);
}

/* ---- homogeneous, complete (RCB 2016, Algorithm 1 with a = -3, b = 0) ---- */

void ec_proj_set_inf(ec_proj *r)
{
    fp_set_zero(&r->X);
    r->Y = fp_one;
    fp_set_zero(&r->Z);
}

void ec_proj_from_aff(ec_proj *r, const ec_aff *a)
{
    r->X = a->x;
    r->Y = a->y;
    r->Z = fp_one;
}

/* Common tail of the RCB formulas once
 *   t0 = X1X2, t1 = Y1Y2, t2 = Z1Z2, t3 = X1Y2 + X2Y1, t4 = X1Z2 + X2Z1,
 *   t5 = Y1Z2 + Y2Z1
 * are known. With b = 0 and a = -3, Algorithm 1 reduces to
 *   X3 = t3 (t1 + 3 t4) - t5 u,   Y3 = (t1 + 3 t4)(t1 - 3 t4) + w u,
 *   Z3 = t5 (t1 - 3 t4) + t3 w,   w = 3 t0 - 3 t2,  u = -3 (t0 + 3 t2),
 * each a sum of two products with one reduction (fp_muladd). */
static void rcb_tail(ec_proj *r, const fp *t0, const fp *t1, const fp *t2, const fp *t3,
                     const fp *t4, const fp *t5)
{
    fp s, d, w, u, nu, x, y, z, t;
    fp_tpl(&t, t4);
    fp_add(&s, t1, &t);   /* t1 + 3 t4 */
    fp_sub(&d, t1, &t);   /* t1 - 3 t4 */
    fp_sub(&w, t0, t2);
    fp_tpl(&w, &w);       /* 3 t0 - 3 t2 */
    fp_tpl(&t, t2);
    fp_add(&nu, t0, &t);
    fp_tpl(&nu, &nu);     /* -u = 3 (t0 + 3 t2) */
    fp_neg(&u, &nu);
    fp_muladd(&x, t3, &s, t5, &nu);
    fp_muladd(&y, &s, &d, &w, &u);
    fp_muladd(&z, t5, &d, t3, &w);
    r->X = x;
    r->Y = y;
    r->Z = z;
    FP_WIPE(&s, &d, &w, &u, &nu, &x, &y, &z, &t);
}

void ec_proj_add(ec_proj *r, const ec_proj *a, const ec_proj *b)
{
    fp t0, t1, t2, t3, t4, t5, s, u;
    fp_mul(&t0, &a->X, &b->X);
    fp_mul(&t1, &a->Y, &b->Y);
    fp_mul(&t2, &a->Z, &b->Z);
    fp_add(&s, &a->X, &a->Y);
    fp_add(&u, &b->X, &b->Y);
    fp_mul(&t3, &s, &u);
    fp_sub(&t3, &t3, &t0);
    fp_sub(&t3, &t3, &t1);
    fp_add(&s, &a->X, &a->Z);
    fp_add(&u, &b->X, &b->Z);
    fp_mul(&t4, &s, &u);
    fp_sub(&t4, &t4, &t0);
    fp_sub(&t4, &t4, &t2);
    fp_add(&s, &a->Y, &a->Z);
    fp_add(&u, &b->Y, &b->Z);
    fp_mul(&t5, &s, &u);
    fp_sub(&t5, &t5, &t1);
    fp_sub(&t5, &t5, &t2);
    rcb_tail(r, &t0, &t1, &t2, &t3, &t4, &t5);
    FP_WIPE(&t0, &t1, &t2, &t3, &t4, &t5, &s, &u);
}

void ec_proj_madd(ec_proj *r, const ec_proj *a, const ec_aff *b)
{
    fp t0, t1, t3, t4, t5, s, u;
    fp_mul(&t0, &a->X, &b->x);
    fp_mul(&t1, &a->Y, &b->y);
    fp_add(&s, &a->X, &a->Y);
    fp_add(&u, &b->x, &b->y);
    fp_mul(&t3, &s, &u);
    fp_sub(&t3, &t3, &t0);
    fp_sub(&t3, &t3, &t1);
    fp_mul(&t4, &b->x, &a->Z);
    fp_add(&t4, &t4, &a->X);
    fp_mul(&t5, &b->y, &a->Z);
    fp_add(&t5, &t5, &a->Y);
    rcb_tail(r, &t0, &t1, &a->Z, &t3, &t4, &t5);
    FP_WIPE(&t0, &t1, &t3, &t4, &t5, &s, &u);
}

void ec_proj_dbl(ec_proj *r, const ec_proj *a)
{
    fp t0, t1, t2, t3, t4, t5;
    fp_sqr(&t0, &a->X);
    fp_sqr(&t1, &a->Y);
    fp_sqr(&t2, &a->Z);
    fp_mul(&t3, &a->X, &a->Y);
    fp_dbl(&t3, &t3);
    fp_mul(&t4, &a->X, &a->Z);
    fp_dbl(&t4, &t4);
    fp_mul(&t5, &a->Y, &a->Z);
    fp_dbl(&t5, &t5);
    rcb_tail(r, &t0, &t1, &t2, &t3, &t4, &t5);
    FP_WIPE(&t0, &t1, &t2, &t3, &t4, &t5);
}

uint64_t ec_proj_to_aff(ec_aff *r, const ec_proj *a)
{
    fp zi;
    uint64_t ok = ~fp_is_zero_mask(&a->Z);
    fp_inv(&zi, &a->Z);
    fp_mul(&r->x, &a->X, &zi);
    fp_mul(&r->y, &a->Y, &zi);
    fp_wipe(&zi);
    return ok;
}

uint64_t ec_proj_eq_aff_mask(const ec_proj *a, const ec_aff *b)
{
    fp t;
    uint64_t ok = ~fp_is_zero_mask(&a->Z);
    fp_mul(&t, &b->x, &a->Z);
    ok &= fp_eq_mask(&t, &a->X);
    fp_mul(&t, &b->y, &a->Z);
    ok &= fp_eq_mask(&t, &a->Y);
    fp_wipe(&t);
    return ok;
}

/* ---- variable-base constant-time multiplication ------------------------- */

#define WIN 5
#define WIN_ENTRIES 16                 /* odd multiples 1B, 3B, ..., 31B */
#define WIN_DIGITS 205                 /* ceil(1023 / 5) */

/* Regular signed recoding of the odd k' < 2^1023 (k' = k or k + q):
 * with k_0 = k', k_{i+1} = (k_i >> 5) | 1 the digits
 *     d_i = (k_i mod 64) - 32  (i < 204),   d_204 = k_204
 * are odd, |d_i| <= 31, d_204 in [1, 7], and k' = sum d_i 2^(5i); since
 * k_i = (k' >> 5i) | 1, digit i only needs bits 5i .. 5i+5 of k'. */
static uint64_t window_bits(const uint64_t *kk, int pos)
{
    int w = pos >> 6, s = pos & 63;
    uint64_t x = kk[w] >> s;
    if (s > 64 - (WIN + 1) && w + 1 < SC_COMB_WORDS) /* public position */
        x |= kk[w + 1] << (64 - s);
    return (x & 63) | 1;
}

/* e = (neg ? -1 : 1) * tbl[idx] */
static void lookup_aff(ec_aff *e, const ec_aff *tbl, size_t n, uint64_t idx, uint64_t neg)
{
    fp_ct_lookup(&e->x, &tbl[0].x, sizeof *tbl, n, idx);
    fp_ct_lookup(&e->y, &tbl[0].y, sizeof *tbl, n, idx);
    fp_cneg(&e->y, neg);
}

/* tbl[i] = (2i+1) B for i < n (n <= WIN_ENTRIES): T_i = T_{i-1} + 2B, one
 * inversion for all. For B of order q these additions are never
 * exceptional ((2i-1) != +-2 mod q). */
static void odd_multiples(ec_aff *tbl, size_t n, const ec_aff *B)
{
    ec_jac tj[WIN_ENTRIES], acc;
    ec_aff two;
    ec_jac_from_aff(&acc, B);
    ec_jac_dbl(&acc, &acc);
    ec_jac_to_aff(&two, &acc);
    ec_jac_from_aff(&tj[0], B);
    for (size_t i = 1; i < n; i++)
        ec_jac_madd(&tj[i], &tj[i - 1], &two);
    ec_jac_batch_to_aff(tbl, tj, n);
    for (size_t i = 0; i < n; i++)
        FP_WIPE(&tj[i].X, &tj[i].Y, &tj[i].Z);
    FP_WIPE(&acc.X, &acc.Y, &acc.Z, &two.x, &two.y);
}

uint64_t ec_mul_ct(ec_aff *r, const ec_aff *B, const uint64_t k[16])
{
    ec_jac acc;
    ec_aff tbl[WIN_ENTRIES], e;
    uint64_t kk[SC_COMB_WORDS], qq[SC_COMB_WORDS];

    odd_multiples(tbl, WIN_ENTRIES, B);

    /* k' = k + q if k is even */
    for (int i = 0; i < 16; i++) {
        kk[i] = k[i];
        qq[i] = sc1024_q.m[i];
    }
    kk[16] = qq[16] = 0;
    uint64_t even = ~ct_mask_from_bit(k[0]);
    for (int i = 0; i < SC_COMB_WORDS; i++)
        qq[i] &= even;
    mp_add(kk, kk, qq, SC_COMB_WORDS);

    /* top digit d_204 = k_204 in [1, 7]: positive, index (d - 1) / 2 */
    uint64_t top = window_bits(kk, WIN * (WIN_DIGITS - 1));
    lookup_aff(&e, tbl, WIN_ENTRIES, top >> 1, 0);
    ec_jac_from_aff(&acc, &e);

    ec_proj pacc;
    ec_proj_set_inf(&pacc);
    for (int i = WIN_DIGITS - 2; i >= 0; i--) {
        for (int d = 0; d < WIN; d++)
            ec_jac_dbl(&acc, &acc);
        /* x = d_i + 32 is odd in [1, 63]; with m = x >> 1, |d_i| = 2 idx + 1
         * where idx = m - 16 (m >= 16) or 15 - m (m < 16, d_i < 0). */
        uint64_t m = window_bits(kk, WIN * i) >> 1;
        uint64_t neg = ~ct_mask_from_bit(m >> 4);
        uint64_t idx = (m & 15) ^ (neg & 15);
        lookup_aff(&e, tbl, WIN_ENTRIES, idx, neg);
        if (i > 0) {
            /* acc = [S 2^5] B with 0 < S 2^5 < q - 32 (the partial sums
             * before the last window are far below q), so acc != +-e and
             * acc != O: the incomplete addition is exact. */
            ec_jac_madd(&acc, &acc, &e);
        } else {
            /* the last partial sum can reach 2q: complete addition */
            ec_jac_to_proj(&pacc, &acc);
            ec_proj_madd(&pacc, &pacc, &e);
        }
    }
    uint64_t ok = ec_proj_to_aff(r, &pacc);

    for (int i = 0; i < WIN_ENTRIES; i++)
        ec_aff_wipe(&tbl[i]);
    ec_aff_wipe(&e);
    fp_wipe(&acc.X);
    fp_wipe(&acc.Y);
    fp_wipe(&acc.Z);
    fp_wipe(&pacc.X);
    fp_wipe(&pacc.Y);
    fp_wipe(&pacc.Z);
    mcsec_ct_wipe_limbs(kk, SC_COMB_WORDS);
    mcsec_ct_wipe_limbs(qq, SC_COMB_WORDS);
    return ok;
}

/* ---- public scalar, secret point ------------------------------------------ */

#define PUB_W 5
#define PUB_ENTRIES 8 /* odd multiples 1B, 3B, ..., 15B (<= WIN_ENTRIES) */
#define PUB_MAX_BITS 1000

/* Width-5 NAF of the public k (at most PUB_MAX_BITS bits): digits odd in
 * [-15, 15] or zero, written to d[0 .. return value). */
static int wnaf5(int8_t d[PUB_MAX_BITS + 2], const uint64_t k[16])
{
    uint64_t t[17];
    int n = 0;
    for (int i = 0; i < 16; i++)
        t[i] = k[i];
    t[16] = 0;
    for (;;) {
        uint64_t any = 0;
        for (int i = 0; i < 17; i++)
            any |= t[i];
        if (any == 0) /* public */
            break;
        int8_t digit = 0;
        if (t[0] & 1) {
            int m = (int)(t[0] & 31);
            digit = (int8_t)(m > 15 ? m - 32 : m);
            if (digit > 0) {
                t[0] -= (uint64_t)digit; /* the low bits are digit: no borrow */
            } else {
                uint64_t c = (uint64_t)-digit; /* t -= digit: add, carry on */
                for (int i = 0; i < 17 && c != 0; i++) {
                    t[i] += c;
                    c = t[i] < c;
                }
            }
        }
        d[n++] = digit;
        for (int i = 0; i < 16; i++)
            t[i] = (t[i] >> 1) | (t[i + 1] << 63);
        t[16] >>= 1;
    }
    return n;
}

uint64_t ec_mul_pub(ec_aff *r, const ec_aff *B, const uint64_t k[16])
{
    int bits = 0;
    for (int i = 15; i >= 0 && bits == 0; i--)
        if (k[i] != 0) /* public */
            bits = 64 * i + 64 - __builtin_clzll(k[i]);
    if (bits == 0 || bits > PUB_MAX_BITS)
        return ec_mul_ct(r, B, k);

    int8_t d[PUB_MAX_BITS + 2];
    int n = wnaf5(d, k);
    ec_jac acc;
    ec_aff tbl[PUB_ENTRIES], e = { 0 };
    odd_multiples(tbl, PUB_ENTRIES, B);

    /* Left to right. The leading digit is positive; before every later
     * addition acc = [2^s m]B with s >= 5 (wNAF digits are 5 apart) and
     * 1 <= m, 2^s m < 2^(PUB_MAX_BITS + 1) < q - 15: acc != +-[d]B and
     * acc != O, so the incomplete formulas are exact. */
    ec_jac_from_aff(&acc, &tbl[(d[n - 1] - 1) / 2]);
    for (int i = n - 2; i >= 0; i--) {
        ec_jac_dbl(&acc, &acc);
        int di = d[i]; /* public */
        if (di > 0) {
            ec_jac_madd(&acc, &acc, &tbl[(di - 1) / 2]);
        } else if (di < 0) {
            ec_aff_neg(&e, &tbl[(-di - 1) / 2]);
            ec_jac_madd(&acc, &acc, &e);
        }
    }
    uint64_t ok = ec_jac_to_aff(r, &acc);
    for (int i = 0; i < PUB_ENTRIES; i++)
        ec_aff_wipe(&tbl[i]);
    FP_WIPE(&e.x, &e.y, &acc.X, &acc.Y, &acc.Z);
    return ok;
}

/* ---- fixed-base comb ---------------------------------------------------- */

/* The combs compute on the Edwards curve x^2 + y^2 = 1 - x^2 y^2 (see
 * ec1024.h) in extended coordinates: x = X/Z, y = Y/Z, T = X Y / Z. */
typedef struct ed_ext {
    fp X, Y, Z, T;
} ed_ext;

/* n (<= EC_COMB_ENTRIES) affine points of E, in place, to the Edwards model:
 * x_E = k x (x + s) / D, y_E = s y (x - s) / D with D = s y (x + s), one
 * inversion for all (Montgomery's trick). The points must have order q. */
static void ed_from_aff_batch(ec_aff *t, size_t n)
{
    fp pre[EC_COMB_ENTRIES], den[EC_COMB_ENTRIES], acc, di, xs, u;
    if (n == 0 || n > EC_COMB_ENTRIES)
        return; /* callers pass public sizes in range */
    for (size_t i = 0; i < n; i++) {
        fp_add(&xs, &t[i].x, &ec_ed_s);
        fp_mul(&u, &t[i].y, &ec_ed_s);
        fp_mul(&den[i], &u, &xs);
        if (i == 0)
            pre[0] = den[0];
        else
            fp_mul(&pre[i], &pre[i - 1], &den[i]);
    }
    fp_inv(&acc, &pre[n - 1]);
    for (size_t i = n; i-- > 0;) {
        if (i > 0) {
            fp_mul(&di, &acc, &pre[i - 1]);
            fp_mul(&acc, &acc, &den[i]);
        } else {
            di = acc;
        }
        fp_add(&xs, &t[i].x, &ec_ed_s);
        fp_mul(&u, &t[i].x, &ec_ed_k);
        fp_mul(&u, &u, &xs);                    /* k x (x + s) */
        fp_sub(&xs, &t[i].x, &ec_ed_s);
        fp_mul(&xs, &xs, &t[i].y);
        fp_mul(&xs, &xs, &ec_ed_s);             /* s y (x - s) */
        fp_mul(&t[i].x, &u, &di);
        fp_mul(&t[i].y, &xs, &di);
    }
    for (size_t i = 0; i < n; i++) {
        fp_wipe(&pre[i]);
        fp_wipe(&den[i]);
    }
    FP_WIPE(&acc, &di, &xs, &u);
}

/* r = a + b for b affine (x2, y2): the unified law of HWCD 2008 (a = 1,
 * d = -1), complete on this curve. A = X1 x2, B = Y1 y2, C = d T1 x2 y2,
 * E = (X1 + Y1)(x2 + y2) - A - B, F = Z1 - C, G = Z1 + C, H = B - A;
 * X3 = E F, Y3 = G H, T3 = E H, Z3 = F G. */
static void ed_madd(ed_ext *r, const ed_ext *a, const ec_aff *b)
{
    fp A, B, C, E, F, G, H, u;
    fp_mul(&A, &a->X, &b->x);
    fp_mul(&B, &a->Y, &b->y);
    fp_mul(&u, &b->x, &b->y);
    fp_mul(&C, &a->T, &u);          /* -C */
    fp_add(&E, &a->X, &a->Y);
    fp_add(&u, &b->x, &b->y);
    fp_mul(&E, &E, &u);
    fp_sub(&E, &E, &A);
    fp_sub(&E, &E, &B);
    fp_add(&F, &a->Z, &C);
    fp_sub(&G, &a->Z, &C);
    fp_sub(&H, &B, &A);
    fp_mul(&r->X, &E, &F);
    fp_mul(&r->Y, &G, &H);
    fp_mul(&r->T, &E, &H);
    fp_mul(&r->Z, &F, &G);
    FP_WIPE(&A, &B, &C, &E, &F, &G, &H, &u);
}

/* r = 2a (HWCD 2008 doubling, a = 1): A = X^2, B = Y^2, C = 2 Z^2,
 * E = (X + Y)^2 - A - B, G = A + B, F = G - C, H = A - B. */
static void ed_dbl(ed_ext *r, const ed_ext *a)
{
    fp A, B, C, E, F, G, H;
    fp_sqr(&A, &a->X);
    fp_sqr(&B, &a->Y);
    fp_sqr(&C, &a->Z);
    fp_dbl(&C, &C);
    fp_add(&E, &a->X, &a->Y);
    fp_sqr(&E, &E);
    fp_sub(&E, &E, &A);
    fp_sub(&E, &E, &B);
    fp_add(&G, &A, &B);
    fp_sub(&F, &G, &C);
    fp_sub(&H, &A, &B);
    fp_mul(&r->X, &E, &F);
    fp_mul(&r->Y, &G, &H);
    fp_mul(&r->T, &E, &H);
    fp_mul(&r->Z, &F, &G);
    FP_WIPE(&A, &B, &C, &E, &F, &G, &H);
}

/* Back to E, homogeneous: x = s (Z + Y) X / D, y = k (Z + Y) Z / D with
 * D = (Z - Y) X. The Edwards identity (0 : 1 : 1) gives (0 : 2k : 0) = O. */
static void ed_to_proj(ec_proj *r, const ed_ext *a)
{
    fp w, t;
    fp_add(&w, &a->Z, &a->Y);
    fp_sub(&t, &a->Z, &a->Y);
    fp_mul(&r->Z, &t, &a->X);
    fp_mul(&t, &w, &a->X);
    fp_mul(&r->X, &t, &ec_ed_s);
    fp_mul(&t, &w, &a->Z);
    fp_mul(&r->Y, &t, &ec_ed_k);
    FP_WIPE(&w, &t);
}

void ec_comb_init(ec_comb *c, const ec_aff *B)
{
    ec_jac cur, jb[2 * EC_COMB_H], lvl[EC_COMB_ENTRIES / 2];
    ec_aff base[EC_COMB_H], twice[EC_COMB_H];

    ec_jac_from_aff(&cur, B);
    for (int j = 0; j < EC_COMB_V; j++) {
        /* base_t = 2^(D(t + Hj)) B and twice_t = 2 base_t */
        for (int t = 0; t < EC_COMB_H; t++) {
            jb[2 * t] = cur;
            for (int d = 0; d < EC_COMB_D; d++) {
                ec_jac_dbl(&cur, &cur);
                if (d == 0)
                    jb[2 * t + 1] = cur;
            }
        }
        {
            ec_aff tmp[2 * EC_COMB_H];
            ec_jac_batch_to_aff(tmp, jb, 2 * EC_COMB_H);
            for (int t = 0; t < EC_COMB_H; t++) {
                base[t] = tmp[2 * t];
                twice[t] = tmp[2 * t + 1];
            }
        }
        /* entry 0 = base_{H-1} - sum_{t<H-1} base_t; entry m with top set bit
         * t is entry (m - 2^t) + 2 base_t. Every partial sum is a non-zero
         * multiple of B below 2^1017 < q in absolute value, so none of these
         * incomplete additions is exceptional. */
        ec_jac acc;
        ec_jac_from_aff(&acc, &base[EC_COMB_H - 1]);
        for (int t = 0; t < EC_COMB_H - 1; t++) {
            ec_aff nb;
            ec_aff_neg(&nb, &base[t]);
            ec_jac_madd(&acc, &acc, &nb);
        }
        ec_jac_batch_to_aff(&c->t[j][0], &acc, 1);
        for (int t = 0; t < EC_COMB_H - 1; t++) {
            int lo = 1 << t;
            for (int m = lo; m < 2 * lo; m++) {
                ec_jac_from_aff(&lvl[m - lo], &c->t[j][m - lo]);
                ec_jac_madd(&lvl[m - lo], &lvl[m - lo], &twice[t]);
            }
            ec_jac_batch_to_aff(&c->t[j][lo], lvl, (size_t)lo);
        }
        ed_from_aff_batch(c->t[j], EC_COMB_ENTRIES);
    }
}

/* acc += (comb digit of column col, table j) */
static void comb_step(ed_ext *acc, const ec_comb *c, const uint64_t *bits, int col, int j)
{
    ec_aff e;
    uint64_t idx = 0;
    for (int t = 0; t < EC_COMB_H - 1; t++)
        idx |= sc_bit(bits, col + EC_COMB_D * (t + EC_COMB_H * j)) << t;
    uint64_t top =
        ct_mask_from_bit(sc_bit(bits, col + EC_COMB_D * (EC_COMB_H - 1 + EC_COMB_H * j)));
    /* top sign -1: the digit is minus the entry with all other signs flipped
     * (on the Edwards curve -(x, y) = (-x, y)) */
    idx = ct_select_u64(top, idx, ~idx & (EC_COMB_ENTRIES - 1));
    fp_ct_lookup(&e.x, &c->t[j][0].x, sizeof c->t[j][0], EC_COMB_ENTRIES, idx);
    fp_ct_lookup(&e.y, &c->t[j][0].y, sizeof c->t[j][0], EC_COMB_ENTRIES, idx);
    fp_cneg(&e.x, ~top);
    ed_madd(acc, acc, &e);
    ec_aff_wipe(&e);
}

void ec_comb_mul2(ec_proj *r, const ec_comb *c1, const uint64_t k1[16], const ec_comb *c2,
                  const uint64_t k2[16])
{
    uint64_t b1[SC_COMB_WORDS], b2[SC_COMB_WORDS];
    ed_ext acc;
    int L = EC_COMB_H * EC_COMB_V * EC_COMB_D;
    sc1024_comb_recode(b1, k1, L);
    if (c2)
        sc1024_comb_recode(b2, k2, L);
    fp_set_zero(&acc.X); /* the identity (0, 1) */
    acc.Y = fp_one;
    acc.Z = fp_one;
    fp_set_zero(&acc.T);
    for (int col = EC_COMB_D - 1; col >= 0; col--) {
        if (col != EC_COMB_D - 1)
            ed_dbl(&acc, &acc);
        for (int j = 0; j < EC_COMB_V; j++) {
            comb_step(&acc, c1, b1, col, j);
            if (c2)
                comb_step(&acc, c2, b2, col, j);
        }
    }
    ed_to_proj(r, &acc);
    FP_WIPE(&acc.X, &acc.Y, &acc.Z, &acc.T);
    mcsec_ct_wipe_limbs(b1, SC_COMB_WORDS);
    mcsec_ct_wipe_limbs(b2, SC_COMB_WORDS);
}

void ec_comb_mul(ec_proj *r, const ec_comb *c, const uint64_t k[16])
{
    ec_comb_mul2(r, c, k, NULL, NULL);
}
