/* F_p^2 and PF_p arithmetic; see fp2.h. */
#include "math/fp2.h"

#include "math/mp.h"
#include "math/sakke_tables.h"
#include "math/scalar1024.h"

void fp2_set_one(fp2 *r)
{
    r->a = fp_one;
    fp_set_zero(&r->b);
}

void fp2_add(fp2 *r, const fp2 *x, const fp2 *y)
{
    fp_add(&r->a, &x->a, &y->a);
    fp_add(&r->b, &x->b, &y->b);
}

void fp2_sub(fp2 *r, const fp2 *x, const fp2 *y)
{
    fp_sub(&r->a, &x->a, &y->a);
    fp_sub(&r->b, &x->b, &y->b);
}

void fp2_mul(fp2 *r, const fp2 *x, const fp2 *y)
{
    /* (a + b i)(c + d i) = (a c - b d) + (a d + b c) i as two sums of
     * products with one reduction each: cheaper here than Karatsuba's three
     * full products and five additions. */
    fp nd, re;
    fp_neg(&nd, &y->b);
    fp_muladd(&re, &x->a, &y->a, &x->b, &nd);
    fp_muladd(&r->b, &x->a, &y->b, &x->b, &y->a);
    r->a = re;
    FP_WIPE(&nd, &re);
}

void fp2_sqr(fp2 *r, const fp2 *x)
{
    fp s, d, ab;
    fp_add(&s, &x->a, &x->b);
    fp_sub(&d, &x->a, &x->b);
    fp_mul(&ab, &x->a, &x->b);
    fp_mul(&r->a, &s, &d);
    fp_dbl(&r->b, &ab);
    FP_WIPE(&s, &d, &ab);
}

void fp2_mul_line(fp2 *r, const fp2 *x, const fp *c)
{
    /* (a + b i)(c + i) = (a c - b) + (a + b c) i */
    fp ac, bc;
    fp_mul(&ac, &x->a, c);
    fp_mul(&bc, &x->b, c);
    fp_add(&bc, &bc, &x->a);
    fp_sub(&r->a, &ac, &x->b);
    r->b = bc;
    FP_WIPE(&ac, &bc);
}

void fp2_mul_pfp(fp2 *r, const fp2 *x, const fp *y)
{
    /* (a + b i)(1 + y i) = (a - b y) + (b + a y) i */
    fp by, ay;
    fp_mul(&by, &x->b, y);
    fp_mul(&ay, &x->a, y);
    fp_add(&ay, &ay, &x->b);
    fp_sub(&r->a, &x->a, &by);
    r->b = ay;
    FP_WIPE(&by, &ay);
}

void fp2_cmov(fp2 *r, const fp2 *y, uint64_t mask)
{
    fp_cmov(&r->a, &y->a, mask);
    fp_cmov(&r->b, &y->b, mask);
}

void fp2_pow_ct(fp2 *r, const fp2 *x, const uint64_t e[16])
{
    fp2 tbl[16], acc, t;
    fp2_set_one(&tbl[0]);
    tbl[1] = *x;
    for (int i = 2; i < 16; i++)
        fp2_mul(&tbl[i], &tbl[i - 1], x);
    fp2_set_one(&acc);
    for (int w = 15; w >= 0; w--) {
        for (int nib = 15; nib >= 0; nib--) {
            for (int k = 0; k < 4; k++)
                fp2_sqr(&acc, &acc);
            uint64_t d = (e[w] >> (4 * nib)) & 15;
            fp2_set_one(&t);
            for (uint64_t i = 1; i < 16; i++)
                fp2_cmov(&t, &tbl[i], ct_mask_eq_u64(d, i));
            /* multiplying by the selected entry (1 for a zero digit) keeps
             * the operation sequence independent of e */
            fp2_mul(&acc, &acc, &t);
        }
    }
    *r = acc;
    for (int i = 0; i < 16; i++)
        fp2_wipe(&tbl[i]);
    fp2_wipe(&acc);
    fp2_wipe(&t);
}

void fp2_pfp_rep(fp *out, const fp2 *x)
{
    fp ia;
    fp_inv(&ia, &x->a);
    fp_mul(out, &x->b, &ia);
    fp_wipe(&ia);
}

void pfp_comb_pow(fp2 *r, const pfp_comb *c, const uint64_t k[16])
{
    uint64_t bits[SC_COMB_WORDS];
    fp2 acc;
    fp x;
    sc1024_comb_recode(bits, k, PFP_COMB_H * PFP_COMB_V * PFP_COMB_D);
    fp2_set_one(&acc);
    for (int col = PFP_COMB_D - 1; col >= 0; col--) {
        if (col != PFP_COMB_D - 1)
            fp2_sqr(&acc, &acc);
        for (int j = 0; j < PFP_COMB_V; j++) {
            uint64_t idx = 0;
            for (int t = 0; t < PFP_COMB_H - 1; t++)
                idx |= sc_bit(bits, col + PFP_COMB_D * (t + PFP_COMB_H * j)) << t;
            uint64_t top = ct_mask_from_bit(
                sc_bit(bits, col + PFP_COMB_D * (PFP_COMB_H - 1 + PFP_COMB_H * j)));
            /* top digit -1: use the complemented index and invert, since
             * [1 + x i]^-1 = [1 - x i] in PF_p */
            idx = ct_select_u64(top, idx, ~idx & (PFP_COMB_ENTRIES - 1));
            fp_ct_lookup(&x, c->t[j], sizeof c->t[j][0], PFP_COMB_ENTRIES, idx);
            fp_cneg(&x, ~top);
            fp2_mul_pfp(&acc, &acc, &x);
        }
    }
    *r = acc;
    fp2_wipe(&acc);
    fp_wipe(&x);
    mcsec_ct_wipe_limbs(bits, SC_COMB_WORDS);
}
