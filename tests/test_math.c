/* Unit tests of the SAKKE arithmetic: F_p (Montgomery products against the
 * generic mp.h code, inversion, encodings), safegcd, mod-q scalars, F_p^2 /
 * PF_p, curve points (decoding rejections, [q]P = O, the comb and the
 * constant-time ladder against each other and on edge scalars), and the
 * pairing (<P,P> = g, bilinearity, symmetry, the table form, a literal
 * transcription of the RFC 6508 §3.2 loop, subgroup detection). */
#include <stdlib.h>
#include <string.h>

#include "math/ec1024.h"
#include "math/fp.h"
#include "math/fp2.h"
#include "math/mp.h"
#include "math/pairing.h"
#include "math/safegcd.h"
#include "math/sakke_tables.h"
#include "math/scalar1024.h"
#include "testutil.h"

/* xorshift PRNG: reproducible test inputs */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd64(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static void rnd_fp(fp *r)
{
    uint8_t b[128];
    for (int i = 0; i < 128; i++)
        b[i] = (uint8_t)rnd64();
    b[0] &= 0x7f; /* < 2^1023 < p */
    fp_from_bytes(r, b);
}

static void rnd_sc(sc1024 *r)
{
    uint8_t b[128];
    for (int i = 0; i < 128; i++)
        b[i] = (uint8_t)rnd64();
    sc1024_from_bytes_reduce(r, b);
}

/* ---- F_p ---------------------------------------------------------------- */

static const mp_mod *p_mod(void)
{
    static mp_mod m; /* test-only scratch, filled once */
    m.n = 16;
    memcpy(m.m, fp_p.v, sizeof m.m);
    m.m0inv = fp_pinv;
    memcpy(m.rr, fp_r2.v, sizeof m.rr);
    memcpy(m.one, fp_one.v, sizeof m.one);
    return &m;
}

/* Limbs drawn from 0, 2^64 - 1 and random (the carry chains of the field
 * products at their extremes), kept below p: raw limbs (not Montgomery form),
 * which the products take as they come. */
static void rnd_fp_edge(fp *r)
{
    for (int i = 0; i < FP_LIMBS; i++) {
        uint64_t k = rnd64() % 3;
        r->v[i] = k == 0 ? 0 : k == 1 ? ~(uint64_t)0 : rnd64();
    }
    r->v[FP_LIMBS - 1] %= fp_p.v[FP_LIMBS - 1];
}

/* The field products on edge-case limb patterns against the generic
 * Montgomery code of mp.h (which the ADX, mulq and portable products must
 * all match bit for bit). */
static void test_fp_edges(void)
{
    const mp_mod *md = p_mod();
    for (int it = 0; it < 3000; it++) {
        fp a, b, c, d, r1, r2, t1, t2;
        rnd_fp_edge(&a);
        rnd_fp_edge(&b);
        rnd_fp_edge(&c);
        rnd_fp_edge(&d);
        fp_mul(&r1, &a, &b);
        mp_mont_mul(r2.v, a.v, b.v, md);
        TU_CHECK(fp_eq_mask(&r1, &r2));
        fp_sqr(&r1, &c);
        mp_mont_mul(r2.v, c.v, c.v, md);
        TU_CHECK(fp_eq_mask(&r1, &r2));
        fp_muladd(&r1, &a, &b, &c, &d);
        mp_mont_mul(t1.v, a.v, b.v, md);
        mp_mont_mul(t2.v, c.v, d.v, md);
        mp_mod_add(r2.v, t1.v, t2.v, md);
        TU_CHECK(fp_eq_mask(&r1, &r2));
    }
}

static void test_fp(void)
{
    const mp_mod *md = p_mod();
    for (int it = 0; it < 2000; it++) {
        fp a, b, r1, r2, s;
        rnd_fp(&a);
        rnd_fp(&b);
        if (it == 0) { /* extremes: p - 1 */
            memcpy(a.v, fp_p.v, sizeof a.v);
            a.v[0] -= 1;
            b = a;
        }
        fp_mul(&r1, &a, &b);
        mp_mont_mul(r2.v, a.v, b.v, md);
        TU_CHECK(fp_eq_mask(&r1, &r2));
        fp_sqr(&r1, &a);
        mp_mont_mul(r2.v, a.v, a.v, md);
        TU_CHECK(fp_eq_mask(&r1, &r2));
        /* a b + c d with one reduction, c = b + a, d = a - b */
        {
            fp c, d, t1, t2;
            fp_add(&c, &b, &a);
            fp_sub(&d, &a, &b);
            if (it == 1) { /* all four at p - 1: the largest column sums */
                memcpy(a.v, fp_p.v, sizeof a.v);
                a.v[0] -= 1;
                b = c = d = a;
            }
            fp_muladd(&r1, &a, &b, &c, &d);
            fp_mul(&t1, &a, &b);
            fp_mul(&t2, &c, &d);
            fp_add(&t1, &t1, &t2);
            TU_CHECK(fp_eq_mask(&r1, &t1));
        }
        fp_add(&s, &a, &b);
        mp_mod_add(r2.v, a.v, b.v, md);
        TU_CHECK(fp_eq_mask(&s, &r2));
        fp_sub(&s, &a, &b);
        mp_mod_sub(r2.v, a.v, b.v, md);
        TU_CHECK(fp_eq_mask(&s, &r2));
    }
    /* inverse */
    for (int it = 0; it < 200; it++) {
        fp a, ia, t;
        rnd_fp(&a);
        fp_inv(&ia, &a);
        fp_mul(&t, &a, &ia);
        TU_CHECK(fp_eq_mask(&t, &fp_one));
    }
    fp z, iz;
    fp_set_zero(&z);
    fp_inv(&iz, &z);
    TU_CHECK(fp_is_zero_mask(&iz));
    fp one_inv;
    fp_inv(&one_inv, &fp_one);
    TU_CHECK(fp_eq_mask(&one_inv, &fp_one));
    /* -1 is its own inverse */
    fp m1, im1;
    fp_neg(&m1, &fp_one);
    fp_inv(&im1, &m1);
    TU_CHECK(fp_eq_mask(&im1, &m1));
    /* p = 3 mod 4: -1 is not a square, so x^((p-1)/2) of -1 is -1 */
    {
        uint64_t e[16];
        fp r;
        memcpy(e, fp_p.v, sizeof e);
        for (int i = 0; i < 16; i++)
            e[i] = (e[i] >> 1) | (i < 15 ? e[i + 1] << 63 : 0); /* (p-1)/2 */
        fp_pow_pub(&r, &m1, e);
        TU_CHECK(fp_eq_mask(&r, &m1));
    }
    /* encodings */
    uint8_t b[128], b2[128];
    mp_to_be(b, fp_p.v, 16);
    fp r;
    TU_CHECK(fp_from_bytes(&r, b) == 0); /* p rejected */
    TU_CHECK(fp_is_zero_mask(&r));
    b[127] -= 1;
    TU_CHECK(fp_from_bytes(&r, b) != 0); /* p - 1 accepted */
    fp_to_bytes(b2, &r);
    TU_CHECK_MEM(b, b2, 128);
    memset(b, 0xff, 128);
    TU_CHECK(fp_from_bytes(&r, b) == 0);
    b[127] = 0xfe;
    b[0] = 0x99;
    b[1] = 0x7a;
    b[2] = 0xbb;
    b[3] = 0x1f;
    b[4] = 0x0a; /* > p in the fifth octet */
    TU_CHECK(fp_from_bytes(&r, b) == 0);
    memset(b, 0, 128);
    TU_CHECK(fp_from_bytes(&r, b) != 0 && fp_is_zero_mask(&r));
    for (int it = 0; it < 50; it++) {
        for (int i = 0; i < 128; i++)
            b[i] = (uint8_t)rnd64();
        b[0] &= 0x7f;
        TU_CHECK(fp_from_bytes(&r, b) != 0);
        fp_to_bytes(b2, &r);
        TU_CHECK_MEM(b, b2, 128);
    }
    fp three, t3;
    fp_set_u64(&three, 3);
    fp_tpl(&t3, &fp_one);
    TU_CHECK(fp_eq_mask(&three, &t3));
    fp c = three;
    fp_cneg(&c, 0);
    TU_CHECK(fp_eq_mask(&c, &three));
    fp_cneg(&c, ~(uint64_t)0);
    fp_add(&c, &c, &three);
    TU_CHECK(fp_is_zero_mask(&c));
}

/* ---- scalars mod q ------------------------------------------------------ */

static void test_scalar(void)
{
    uint8_t b[128];
    sc1024 a, ia, t, one = { { 1 } };
    memset(b, 0xff, 128);
    sc1024_from_bytes_reduce(&a, b);
    uint8_t got[128], want[128];
    sc1024_to_bytes(got, &a);
    /* (2^1024 - 1) mod q, python3 */
    tu_unhex(want, 128,
             "19c7e751707ea0386756e59ab7c767c89dddecad94f13c6d6217aafaf22fd8b991efff442b85e9574c3536c0358794f6a4a572900c5330da2fdc4411066605c6ac5d6935345f0cc1863fd74be7e3d4ad6df81103b5b8403c04492584d5a5f18010a0bdf8fe1d515004aa23cab1b7c3773ed73166fd47ca34e65bbf478203701d");
    TU_CHECK_MEM(got, want, 128);
    for (int it = 0; it < 200; it++) {
        rnd_sc(&a);
        sc1024_inv(&ia, &a);
        sc1024_mul(&t, &a, &ia);
        TU_CHECK(memcmp(t.v, one.v, sizeof one.v) == 0);
    }
    /* q itself reduces to 0; q - 1 + 1 = 0; range checks */
    mp_to_be(b, sc1024_q.m, 16);
    sc1024_from_bytes_reduce(&a, b);
    TU_CHECK(sc1024_is_zero_mask(&a));
    TU_CHECK(sc1024_from_bytes_range(&a, b, 2) == 0); /* q */
    b[127] -= 1;
    TU_CHECK(sc1024_from_bytes_range(&a, b, 2) != 0); /* q - 1 */
    sc1024_add(&t, &a, &one);
    TU_CHECK(sc1024_is_zero_mask(&t));
    memset(b, 0, 128);
    b[127] = 1;
    TU_CHECK(sc1024_from_bytes_range(&a, b, 2) == 0);
    b[127] = 2;
    TU_CHECK(sc1024_from_bytes_range(&a, b, 2) != 0);
    uint8_t id[3] = { 1, 2, 3 };
    sc1024_from_octets_reduce(&a, id, 3);
    TU_CHECK(a.v[0] == 0x010203 && a.v[1] == 0);
    /* safegcd on the worst shapes we can think of: 1, 2, m-1, powers of 2 */
    uint64_t x[16] = { 0 }, y[16];
    for (int s = 0; s < 1020; s += 97) {
        memset(x, 0, sizeof x);
        x[s / 64] = (uint64_t)1 << (s % 64);
        sc1024 xa, xi;
        memcpy(xa.v, x, sizeof x);
        sc1024_inv(&xi, &xa);
        sc1024_mul(&t, &xa, &xi);
        TU_CHECK(memcmp(t.v, one.v, sizeof one.v) == 0);
    }
    memcpy(x, fp_p.v, sizeof x);
    x[0] -= 1;
    sg_modinv(y, x, &sg_p);
    TU_CHECK(memcmp(x, y, sizeof x) == 0); /* (-1)^-1 = -1 */
}

/* ---- F_p^2 / PF_p -------------------------------------------------------- */

static void test_fp2(void)
{
    fp2 x, y, r1, r2;
    for (int it = 0; it < 100; it++) {
        rnd_fp(&x.a);
        rnd_fp(&x.b);
        rnd_fp(&y.a);
        rnd_fp(&y.b);
        fp2_sqr(&r1, &x);
        fp2_mul(&r2, &x, &x);
        TU_CHECK(fp_eq_mask(&r1.a, &r2.a) && fp_eq_mask(&r1.b, &r2.b));
        /* (x y) computed by hand: (ac - bd) + (ad + bc) i */
        fp ac, bd, ad, bc, re, im;
        fp_mul(&ac, &x.a, &y.a);
        fp_mul(&bd, &x.b, &y.b);
        fp_mul(&ad, &x.a, &y.b);
        fp_mul(&bc, &x.b, &y.a);
        fp_sub(&re, &ac, &bd);
        fp_add(&im, &ad, &bc);
        fp2_mul(&r1, &x, &y);
        TU_CHECK(fp_eq_mask(&r1.a, &re) && fp_eq_mask(&r1.b, &im));
        /* line and PF_p shapes */
        fp2 l = { y.a, fp_one };
        fp2_mul(&r1, &x, &l);
        fp2_mul_line(&r2, &x, &y.a);
        TU_CHECK(fp_eq_mask(&r1.a, &r2.a) && fp_eq_mask(&r1.b, &r2.b));
        fp2 pf = { fp_one, y.b };
        fp2_mul(&r1, &x, &pf);
        fp2_mul_pfp(&r2, &x, &y.b);
        TU_CHECK(fp_eq_mask(&r1.a, &r2.a) && fp_eq_mask(&r1.b, &r2.b));
    }
    /* pow_ct against repeated multiplication for e = 0..40 */
    rnd_fp(&x.a);
    rnd_fp(&x.b);
    fp2_set_one(&r2);
    for (uint64_t e = 0; e <= 40; e++) {
        uint64_t ev[16] = { e };
        fp2_pow_ct(&r1, &x, ev);
        TU_CHECK(fp_eq_mask(&r1.a, &r2.a) && fp_eq_mask(&r1.b, &r2.b));
        fp2_mul(&r2, &r2, &x);
    }
    /* [1 + g i]^q = 1 in PF_p (representative 0): g has order q */
    fp2 gg = { fp_one, sakke_g };
    fp rep;
    fp2_pow_ct(&r1, &gg, sc1024_q.m);
    fp2_pfp_rep(&rep, &r1);
    TU_CHECK(fp_is_zero_mask(&rep));
    fp2_pfp_rep(&rep, &gg);
    TU_CHECK(fp_eq_mask(&rep, &sakke_g));
    /* the g comb against pow_ct, including edge exponents */
    for (int it = 0; it < 24; it++) {
        sc1024 k;
        rnd_sc(&k);
        if (it == 0)
            memset(k.v, 0, sizeof k.v);
        if (it == 1) {
            memset(k.v, 0, sizeof k.v);
            k.v[0] = 1;
        }
        if (it == 2) {
            memset(k.v, 0, sizeof k.v);
            k.v[0] = 2;
        }
        if (it == 3) {
            memcpy(k.v, sc1024_q.m, sizeof k.v);
            k.v[0] -= 1;
        }
        if (it == 4) {
            memcpy(k.v, sc1024_q.m, sizeof k.v);
            k.v[0] -= 2;
        }
        fp a, b;
        pfp_comb_pow(&r1, &sakke_comb_g, k.v);
        fp2_pow_ct(&r2, &gg, k.v);
        fp2_pfp_rep(&a, &r1);
        fp2_pfp_rep(&b, &r2);
        TU_CHECK(fp_eq_mask(&a, &b));
    }
}

/* ---- curve -------------------------------------------------------------- */

static uint64_t proj_eq_aff(const ec_proj *a, const ec_aff *b)
{
    return ec_proj_eq_aff_mask(a, b);
}

static void scalar_small(sc1024 *k, uint64_t v)
{
    memset(k->v, 0, sizeof k->v);
    k->v[0] = v;
}

static void scalar_q_minus(sc1024 *k, uint64_t v)
{
    memcpy(k->v, sc1024_q.m, sizeof k->v);
    k->v[0] -= v;
}

static void test_curve(void)
{
    const ec_aff *P = &sakke_P;
    uint8_t enc[257], enc2[257];
    ec_aff a, nP;
    TU_CHECK(ec_on_curve_mask(P));
    ec_encode(enc, P);
    TU_CHECK(ec_decode(&a, enc) != 0);
    TU_CHECK(ec_aff_eq_mask(&a, P));
    ec_encode(enc2, &a);
    TU_CHECK_MEM(enc, enc2, 257);

    /* decoding rejections */
    memcpy(enc2, enc, 257);
    enc2[0] = 0x02;
    TU_CHECK(ec_decode(&a, enc2) == 0);
    enc2[0] = 0x00;
    TU_CHECK(ec_decode(&a, enc2) == 0);
    memset(enc2, 0, 257); /* "infinity" is not encodable */
    TU_CHECK(ec_decode(&a, enc2) == 0);
    memcpy(enc2, enc, 257);
    enc2[200] ^= 1; /* off the curve */
    TU_CHECK(ec_decode(&a, enc2) == 0);
    memcpy(enc2, enc, 257);
    enc2[5] ^= 0x80;
    TU_CHECK(ec_decode(&a, enc2) == 0);
    /* x = p + Px style: coordinates >= p with the same residue */
    {
        uint64_t xv[16], pv[16];
        fp px;
        fp_to_bytes(enc2 + 1, &P->x);
        mp_from_be(xv, 16, enc2 + 1);
        memcpy(pv, fp_p.v, sizeof pv);
        /* Px + p < 2^1024? Px = 0x53FC..., p = 0x997A...: yes */
        uint64_t c = mp_add(xv, xv, pv, 16);
        TU_CHECK(c == 0);
        memcpy(enc2, enc, 257);
        mp_to_be(enc2 + 1, xv, 16);
        TU_CHECK(ec_decode(&a, enc2) == 0);
        (void)px;
        /* y = p */
        memcpy(enc2, enc, 257);
        mp_to_be(enc2 + 129, fp_p.v, 16);
        TU_CHECK(ec_decode(&a, enc2) == 0);
    }
    /* (0, 0) is on the curve (order 2): decodes, as documented */
    memset(enc2, 0, 257);
    enc2[0] = 4;
    TU_CHECK(ec_decode(&a, enc2) != 0);

    /* [q-1]P = -P by comb and by ladder; [q]P = O by the complete law */
    sc1024 k;
    ec_proj pr;
    ec_aff r1, r2;
    ec_aff_neg(&nP, P);
    scalar_q_minus(&k, 1);
    ec_comb_mul(&pr, &sakke_comb_P, k.v);
    TU_CHECK(proj_eq_aff(&pr, &nP));
    TU_CHECK(ec_mul_ct(&r1, P, k.v) != 0);
    TU_CHECK(ec_aff_eq_mask(&r1, &nP));
    ec_proj_madd(&pr, &pr, P);
    TU_CHECK(fp_is_zero_mask(&pr.Z));
    scalar_small(&k, 0);
    TU_CHECK(ec_mul_ct(&r1, P, k.v) == 0);
    ec_comb_mul(&pr, &sakke_comb_P, k.v);
    TU_CHECK(fp_is_zero_mask(&pr.Z));

    /* the runtime comb equals the generated one */
    static ec_comb c;
    ec_comb_init(&c, P);
    TU_CHECK(memcmp(&c, &sakke_comb_P, sizeof c) == 0);

    /* ladder vs comb vs naive doubling chain on edge and random scalars */
    uint64_t smalls[] = { 1, 2, 3, 4, 5, 6, 7, 30, 31, 32, 33, 62, 63, 64, 65 };
    for (size_t i = 0; i < sizeof smalls / sizeof smalls[0]; i++) {
        ec_jac acc;
        ec_aff naive;
        ec_jac_from_aff(&acc, P);
        for (uint64_t j = 1; j < smalls[i]; j++) {
            if (j == 1) {
                ec_jac_dbl(&acc, &acc);
            } else {
                ec_jac_madd(&acc, &acc, P);
            }
        }
        ec_jac_to_aff(&naive, &acc);
        scalar_small(&k, smalls[i]);
        TU_CHECK(ec_mul_ct(&r1, P, k.v) != 0);
        TU_CHECK(ec_aff_eq_mask(&r1, &naive));
        TU_CHECK(ec_mul_pub(&r2, P, k.v) != 0);
        TU_CHECK(ec_aff_eq_mask(&r2, &naive));
        ec_comb_mul(&pr, &sakke_comb_P, k.v);
        TU_CHECK(proj_eq_aff(&pr, &naive));
        /* q - s gives -[s]P */
        scalar_q_minus(&k, smalls[i]);
        ec_aff nn;
        ec_aff_neg(&nn, &naive);
        TU_CHECK(ec_mul_ct(&r1, P, k.v) != 0);
        TU_CHECK(ec_aff_eq_mask(&r1, &nn));
        TU_CHECK(ec_mul_pub(&r2, P, k.v) != 0); /* > 1000 bits: the ladder */
        TU_CHECK(ec_aff_eq_mask(&r2, &nn));
        ec_comb_mul(&pr, &sakke_comb_P, k.v);
        TU_CHECK(proj_eq_aff(&pr, &nn));
    }
    for (int it = 0; it < 20; it++) {
        sc1024 k2, s;
        rnd_sc(&k);
        rnd_sc(&k2);
        ec_comb_mul(&pr, &sakke_comb_P, k.v);
        TU_CHECK(ec_proj_to_aff(&r1, &pr) != 0);
        TU_CHECK(ec_mul_ct(&r2, P, k.v) != 0);
        TU_CHECK(ec_aff_eq_mask(&r1, &r2));
        /* two-scalar comb: [k]P + [k2]([3]P) = [k + 3 k2]P */
        ec_aff p3;
        sc1024 three;
        scalar_small(&three, 3);
        ec_mul_ct(&p3, P, three.v);
        ec_comb_init(&c, &p3);
        ec_comb_mul2(&pr, &sakke_comb_P, k.v, &c, k2.v);
        sc1024_mul(&s, &k2, &three);
        sc1024_add(&s, &s, &k);
        TU_CHECK(ec_mul_ct(&r2, P, s.v) != 0);
        TU_CHECK(proj_eq_aff(&pr, &r2));
        /* public-scalar multiplication (wNAF) against the ladder, for
         * scalars of 1 to 1000 bits and all-ones runs (long carries in the
         * recoding) */
        for (int bits = 1 + it * 50; bits <= 1000; bits += 333) {
            sc1024 t = k2;
            for (int w = 0; w < 16; w++) {
                int lo = 64 * w;
                if (lo >= bits)
                    t.v[w] = 0;
                else if (bits - lo < 64)
                    t.v[w] &= ((uint64_t)1 << (bits - lo)) - 1;
            }
            if (it % 4 == 1)
                for (int w = 0; w < 16 && 64 * w < bits; w++)
                    t.v[w] = bits - 64 * w >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << (bits - 64 * w)) - 1;
            t.v[0] |= 1;
            TU_CHECK(ec_mul_pub(&r1, &p3, t.v) != 0);
            TU_CHECK(ec_mul_ct(&r2, &p3, t.v) != 0);
            TU_CHECK(ec_aff_eq_mask(&r1, &r2));
        }
        /* the ladder on a non-generator base */
        TU_CHECK(ec_mul_ct(&r1, &p3, k2.v) != 0);
        sc1024_mul(&s, &k2, &three);
        ec_comb_mul(&pr, &sakke_comb_P, s.v);
        TU_CHECK(proj_eq_aff(&pr, &r1));
    }
    /* complete addition: P + P, P + (-P), O + P, O + O */
    ec_proj o, pp, t;
    ec_proj_set_inf(&o);
    ec_proj_from_aff(&pp, P);
    ec_proj_madd(&t, &pp, P);
    scalar_small(&k, 2);
    ec_mul_ct(&r1, P, k.v);
    TU_CHECK(proj_eq_aff(&t, &r1));
    ec_proj_dbl(&t, &pp);
    TU_CHECK(proj_eq_aff(&t, &r1));
    ec_proj_add(&t, &pp, &pp);
    TU_CHECK(proj_eq_aff(&t, &r1));
    ec_proj_madd(&t, &pp, &nP);
    TU_CHECK(fp_is_zero_mask(&t.Z) && !fp_is_zero_mask(&t.Y));
    ec_proj_madd(&t, &o, P);
    TU_CHECK(proj_eq_aff(&t, P));
    ec_proj_add(&t, &o, &o);
    TU_CHECK(fp_is_zero_mask(&t.Z));
    ec_proj_dbl(&t, &o);
    TU_CHECK(fp_is_zero_mask(&t.Z));
}

/* ---- pairing ------------------------------------------------------------ */

/* RFC 6508 §3.2 transcribed literally: affine points, binary expansion of
 * q - 1 from the second most significant bit, tangent/chord slopes by
 * inversion, v^c with c = 4, result b/a. */
static void rfc_pairing(fp *out, const ec_aff *R, const ec_aff *Q)
{
    fp2 v, l;
    ec_aff C = *R;
    fp lam, t, u, three;
    fp_tpl(&three, &fp_one);
    fp2_set_one(&v);
    uint64_t qm1[16];
    memcpy(qm1, sc1024_q.m, sizeof qm1);
    qm1[0] -= 1;
    for (int bit = 1020; bit >= 0; bit--) { /* q - 1 has 1022 bits: MSB is bit 1021 */
        /* l = 3 (Cx^2 - 1) / (2 Cy) */
        fp_sqr(&t, &C.x);
        fp_sub(&t, &t, &fp_one);
        fp_mul(&t, &t, &three);
        fp_dbl(&u, &C.y);
        fp_inv(&u, &u);
        fp_mul(&lam, &t, &u);
        /* v = v^2 ((l (Qx + Cx) - Cy) + Qy i) */
        fp_add(&t, &Q->x, &C.x);
        fp_mul(&t, &t, &lam);
        fp_sub(&l.a, &t, &C.y);
        l.b = Q->y;
        fp2_sqr(&v, &v);
        fp2_mul(&v, &v, &l);
        /* C = [2]C */
        ec_aff n;
        fp_sqr(&t, &lam);
        fp_sub(&t, &t, &C.x);
        fp_sub(&n.x, &t, &C.x);
        fp_sub(&t, &C.x, &n.x);
        fp_mul(&t, &t, &lam);
        fp_sub(&n.y, &t, &C.y);
        C = n;
        if ((qm1[bit / 64] >> (bit % 64)) & 1) {
            fp_sub(&t, &C.y, &R->y);
            fp_sub(&u, &C.x, &R->x);
            fp_inv(&u, &u);
            fp_mul(&lam, &t, &u);
            fp_add(&t, &Q->x, &C.x);
            fp_mul(&t, &t, &lam);
            fp_sub(&l.a, &t, &C.y);
            l.b = Q->y;
            fp2_mul(&v, &v, &l);
            fp_sqr(&t, &lam);
            fp_sub(&t, &t, &C.x);
            fp_sub(&n.x, &t, &R->x);
            fp_sub(&t, &C.x, &n.x);
            fp_mul(&t, &t, &lam);
            fp_sub(&n.y, &t, &C.y);
            C = n;
        }
    }
    fp2_sqr(&v, &v);
    fp2_sqr(&v, &v);
    fp2_pfp_rep(out, &v);
}

static void pfp_pow(fp *out, const sc1024 *k)
{
    fp2 r;
    pfp_comb_pow(&r, &sakke_comb_g, k->v);
    fp2_pfp_rep(out, &r);
}

static void test_pairing(void)
{
    static pairing_table tb;
    const ec_aff *P = &sakke_P;
    fp w, w2;
    TU_CHECK(pairing(&w, P, P) != 0);
    TU_CHECK(fp_eq_mask(&w, &sakke_g)); /* <P,P> = g */
    rfc_pairing(&w2, P, P);
    TU_CHECK(fp_eq_mask(&w2, &sakke_g));
    TU_CHECK(pairing_table_init(&tb, P) != 0);
    pairing_table_eval(&w, &tb, P);
    TU_CHECK(fp_eq_mask(&w, &sakke_g));

    for (int it = 0; it < 3; it++) {
        sc1024 a, b, ab;
        ec_aff A, B;
        rnd_sc(&a);
        rnd_sc(&b);
        ec_mul_ct(&A, P, a.v);
        ec_mul_ct(&B, P, b.v);
        sc1024_mul(&ab, &a, &b);
        fp gab;
        pfp_pow(&gab, &ab);
        TU_CHECK(pairing(&w, &A, &B) != 0);
        TU_CHECK(fp_eq_mask(&w, &gab)); /* <[a]P,[b]P> = g^(ab) */
        TU_CHECK(pairing(&w2, &B, &A) != 0);
        TU_CHECK(fp_eq_mask(&w2, &gab)); /* symmetry */
        rfc_pairing(&w2, &A, &B);
        TU_CHECK(fp_eq_mask(&w2, &gab)); /* the RFC loop agrees */
        TU_CHECK(pairing_table_init(&tb, &A) != 0);
        pairing_table_eval(&w2, &tb, &B);
        TU_CHECK(fp_eq_mask(&w2, &gab));
    }
    /* points outside the order-q subgroup are detected */
    ec_aff T2, X;
    uint8_t enc[257] = { 4 };
    TU_CHECK(ec_decode(&T2, enc) != 0); /* (0,0), order 2 */
    TU_CHECK(pairing_table_init(&tb, &T2) == 0);
    TU_CHECK(pairing(&w, &T2, P) == 0);
    ec_jac j;
    ec_jac_from_aff(&j, P);
    ec_jac_madd(&j, &j, &T2); /* P + (0,0): order 2q */
    ec_jac_to_aff(&X, &j);
    TU_CHECK(ec_on_curve_mask(&X));
    TU_CHECK(pairing_table_init(&tb, &X) == 0);
    TU_CHECK(pairing(&w, &X, P) == 0);
    /* a point of order 4: solve x^3 - 3x = y^2 with [2]X4 = (0,0) is not
     * needed: -X (order 2q) and [2]X = [2]P (order q) cover the cases */
    ec_aff_neg(&X, &X);
    TU_CHECK(pairing_table_init(&tb, &X) == 0);
}

int main(void)
{
    test_fp();
    test_fp_edges();
    test_scalar();
    test_fp2();
    test_curve();
    test_pairing();
    return tu_finish("math");
}
