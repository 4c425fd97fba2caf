/* F_p^2 = F_p[i]/(i^2 + 1) (i^2 = -1 is a valid extension since p = 3 mod 4)
 * and PF_p = F_p^2* / F_p*, the group in which SAKKE pairing values live
 * (RFC 6508 §2.1, §3.2). An element a + b i of F_p^2 represents the PF_p
 * element [a + b i], written as the F_p value b/a (RFC 6508 §4, "Representation
 * of values": an element of PF_p is represented by b * a^-1 mod p); the value
 * x stands for [1 + x i].
 *
 * All functions are constant time in their (secret) arguments. */
#ifndef MCSEC_MATH_FP2_H
#define MCSEC_MATH_FP2_H

#include "math/fp.h"

typedef struct fp2 {
    fp a, b; /* a + b i */
} fp2;

/* Fixed-base comb geometry for powers of g (see pfp_comb_pow): PFP_COMB_V
 * tables of 2^(PFP_COMB_H-1) entries, PFP_COMB_D columns, covering
 * PFP_COMB_H * PFP_COMB_V * PFP_COMB_D = 1032 >= 1024 exponent bits. */
#define PFP_COMB_H 6
#define PFP_COMB_V 4
#define PFP_COMB_D 43
#define PFP_COMB_ENTRIES (1 << (PFP_COMB_H - 1))

/* Table j, entry m holds the representative x of
 *     [1 + g i]^( sum_{t<H-1} s_t 2^(D(t+Hj)) + 2^(D(H-1+Hj)) ),
 * s_t = +1 if bit t of m is set, else -1. */
typedef struct pfp_comb {
    fp t[PFP_COMB_V][PFP_COMB_ENTRIES];
} pfp_comb;

void fp2_set_one(fp2 *r);
void fp2_add(fp2 *r, const fp2 *x, const fp2 *y);
void fp2_sub(fp2 *r, const fp2 *x, const fp2 *y);
/* r = x * y: two sums of two products (fp_muladd) */
void fp2_mul(fp2 *r, const fp2 *x, const fp2 *y);
/* r = x^2 = (a+b)(a-b) + 2ab i: 2 F_p products */
void fp2_sqr(fp2 *r, const fp2 *x);
/* r = x * (c + i), the shape of a normalised Miller line: 2 products */
void fp2_mul_line(fp2 *r, const fp2 *x, const fp *c);
/* r = x * [1 + y i] for a PF_p representative y: 2 products */
void fp2_mul_pfp(fp2 *r, const fp2 *x, const fp *y);
/* if mask: r = y */
void fp2_cmov(fp2 *r, const fp2 *y, uint64_t mask);

/* r = x^e for a SECRET exponent e (16 limbs, all 1024 bits used): fixed
 * 4-bit windows, every table read scans all 16 entries. */
void fp2_pow_ct(fp2 *r, const fp2 *x, const uint64_t e[16]);

/* out = b / a, the PF_p representative of [a + b i] (a = 0 gives 0). */
void fp2_pfp_rep(fp *out, const fp2 *x);

/* r = [1 + g i]^k (as an F_p^2 element, unnormalised) from comb c whose base
 * has order q; k is a SECRET integer in [0, q). Constant time: the tables are
 * read by full scans. */
void pfp_comb_pow(fp2 *r, const pfp_comb *c, const uint64_t k[16]);

static inline void fp2_wipe(fp2 *r)
{
    fp_wipe(&r->a);
    fp_wipe(&r->b);
}

#endif
