/* SAKKE (RFC 6508, parameter set 1): the Appendix A example reproduced
 * value by value from tests/vectors/sakke_rfc6508.txt, negative tests of
 * every check, and random round trips through both the byte-level API and
 * the precomputed objects. */
#include <stdlib.h>
#include <string.h>

#include "mcsec/sakke.h"

#include "math/ec1024.h"
#include "math/fp2.h"
#include "math/sakke_tables.h"
#include "math/scalar1024.h"
#include "sakke/sakke_internal.h"
#include "testutil.h"

static mcsec_sakke_kms_params params, params2;
static mcsec_sakke_rsk_key key;
static mcsec_sakke_validator val;

/* 04 || x || y from two 128-octet hex values of the vector file */
static void vec_point(const tu_vectors *v, size_t s, const char *kx, const char *ky, uint8_t out[257])
{
    out[0] = 4;
    TU_CHECK(tu_vectors_hex(v, s, kx, out + 1, 128) == 128);
    TU_CHECK(tu_vectors_hex(v, s, ky, out + 129, 128) == 128);
}

static void vec_int128(const tu_vectors *v, size_t s, const char *k, uint8_t out[128])
{
    uint8_t tmp[128];
    size_t n = tu_vectors_hex(v, s, k, tmp, sizeof tmp);
    memset(out, 0, 128);
    memcpy(out + 128 - n, tmp, n);
}

static uint64_t xs = 0x243F6A8885A308D3ULL;
static uint8_t rnd8(void)
{
    xs ^= xs << 13;
    xs ^= xs >> 7;
    xs ^= xs << 17;
    return (uint8_t)(xs >> 24);
}
static void rnd_bytes(uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        b[i] = rnd8();
}
static int rng_fill(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    rnd_bytes(buf, len);
    return 0;
}
static const mcsec_rng test_rng = { rng_fill, NULL };

static int all_zero(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

static void test_parameters(const tu_vectors *v)
{
    size_t s = tu_vectors_find(v, "parameter-set-1");
    uint8_t buf[128], enc[257];
    tu_vectors_hex(v, s, "p", buf, 128);
    uint8_t pb[128];
    fp_to_bytes(pb, &fp_p); /* fp_p holds plain limbs: encode them directly */
    {
        uint8_t be[128];
        for (int i = 0; i < 16; i++)
            for (int k = 0; k < 8; k++)
                be[8 * (15 - i) + (7 - k)] = (uint8_t)(fp_p.v[i] >> (8 * k));
        TU_CHECK_MEM(be, buf, 128);
    }
    (void)pb;
    tu_vectors_hex(v, s, "q", buf, 128);
    {
        uint8_t be[128];
        sc1024 qq;
        memcpy(qq.v, sc1024_q.m, sizeof qq.v);
        sc1024_to_bytes(be, &qq);
        TU_CHECK_MEM(be, buf, 128);
    }
    vec_point(v, s, "px", "py", enc);
    uint8_t penc[257];
    ec_encode(penc, &sakke_P);
    TU_CHECK_MEM(penc, enc, 257);
    tu_vectors_hex(v, s, "g", buf, 128);
    uint8_t genc[128];
    fp_to_bytes(genc, &sakke_g);
    TU_CHECK_MEM(genc, buf, 128);
}

static void test_appendix_a(const tu_vectors *v)
{
    size_t s = tu_vectors_find(v, "rfc6508-appendix-a");
    uint8_t z[128], zt[257], b[64], rsk[257], ssv[16], r[128], q[257], R[257], gr[128], mask[16],
        h[16], sed[273], out[273], got[128];
    vec_int128(v, s, "z", z);
    vec_point(v, s, "zx", "zy", zt);
    size_t blen = tu_vectors_hex(v, s, "b", b, sizeof b);
    TU_CHECK(blen == 26);
    vec_point(v, s, "kbx", "kby", rsk);
    tu_vectors_hex(v, s, "ssv", ssv, 16);
    tu_vectors_hex(v, s, "r", r, 128);
    vec_point(v, s, "qx", "qy", q);
    vec_point(v, s, "rx", "ry", R);
    tu_vectors_hex(v, s, "gr", gr, 128);
    tu_vectors_hex(v, s, "mask", mask, 16);
    tu_vectors_hex(v, s, "h", h, 16);
    memcpy(sed, R, 257);
    memcpy(sed + 257, h, 16);

    /* KMS: Z = [z]P, K_(b,S) = [(b + z)^-1]P */
    TU_CHECK_ERR(mcsec_sakke_kms_public(out, z), MCSEC_OK);
    TU_CHECK_MEM(out, zt, 257);
    TU_CHECK_ERR(mcsec_sakke_kms_issue(out, z, b, blen), MCSEC_OK);
    TU_CHECK_MEM(out, rsk, 257);
    TU_CHECK_ERR(mcsec_sakke_validate_rsk(zt, b, blen, rsk), MCSEC_OK);

    /* the sender's intermediates */
    sc1024 rr;
    TU_CHECK(sakke_h2ir_q(&rr, ssv, 16, b, blen) != 0);
    sc1024_to_bytes(got, &rr);
    TU_CHECK_MEM(got, r, 128);
    ec_aff za, qb;
    TU_CHECK(ec_decode(&za, zt) != 0);
    TU_CHECK(sakke_make_qb(&qb, &za, b, blen));
    ec_encode(out, &qb);
    TU_CHECK_MEM(out, q, 257);
    ec_aff Ra;
    TU_CHECK(ec_mul_ct(&Ra, &qb, rr.v) != 0);
    ec_encode(out, &Ra);
    TU_CHECK_MEM(out, R, 257);
    fp2 g2;
    fp grf;
    pfp_comb_pow(&g2, &sakke_comb_g, rr.v);
    fp2_pfp_rep(&grf, &g2);
    fp_to_bytes(got, &grf);
    TU_CHECK_MEM(got, gr, 128);
    uint8_t m2[16];
    TU_CHECK(sakke_h2ir_mask(m2, gr) != 0);
    TU_CHECK_MEM(m2, mask, 16);
    /* the receiver's pairing value w = <R, K> = g^r */
    ec_aff K;
    fp w;
    TU_CHECK(ec_decode(&K, rsk) != 0);
    pairing(&w, &Ra, &K);
    fp_to_bytes(got, &w);
    TU_CHECK_MEM(got, gr, 128);

    /* full encapsulation and decapsulation */
    TU_CHECK_ERR(mcsec_sakke_encapsulate(out, zt, b, blen, ssv), MCSEC_OK);
    TU_CHECK_MEM(out, sed, 273);
    uint8_t s2[16];
    TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, zt, b, blen, rsk, sed), MCSEC_OK);
    TU_CHECK_MEM(s2, ssv, 16);

    /* the same with the precomputed objects */
    TU_CHECK_ERR(mcsec_sakke_kms_params_init(&params, zt), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_validator_init(&val, &params), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, b, blen, rsk), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_encapsulate_params(out, &params, b, blen, ssv), MCSEC_OK);
    TU_CHECK_MEM(out, sed, 273);
    TU_CHECK_ERR(mcsec_sakke_rsk_key_init(&key, &params, b, blen, rsk), MCSEC_OK);
    memset(s2, 0xAA, 16);
    TU_CHECK_ERR(mcsec_sakke_decapsulate_key(s2, &key, sed), MCSEC_OK);
    TU_CHECK_MEM(s2, ssv, 16);

    /* ---- negative tests on the vector ---- */
    uint8_t bad[273];
    /* flipped bit in H: TEST fails */
    for (int bit = 0; bit < 128; bit += 37) {
        memcpy(bad, sed, 273);
        bad[257 + bit / 8] ^= (uint8_t)(1 << (bit % 8));
        memset(s2, 0xAA, 16);
        TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, zt, b, blen, rsk, bad), MCSEC_ERR_DECAP);
        TU_CHECK(all_zero(s2, 16));
        memset(s2, 0xAA, 16);
        TU_CHECK_ERR(mcsec_sakke_decapsulate_key(s2, &key, bad), MCSEC_ERR_DECAP);
        TU_CHECK(all_zero(s2, 16));
    }
    /* flipped bit in Rx / Ry: off the curve */
    int pos[] = { 1, 64, 128, 129, 200, 256 };
    for (size_t i = 0; i < sizeof pos / sizeof pos[0]; i++) {
        memcpy(bad, sed, 273);
        bad[pos[i]] ^= 0x10;
        memset(s2, 0xAA, 16);
        TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, zt, b, blen, rsk, bad), MCSEC_ERR_POINT);
        TU_CHECK(all_zero(s2, 16));
        TU_CHECK_ERR(mcsec_sakke_decapsulate_key(s2, &key, bad), MCSEC_ERR_POINT);
        TU_CHECK(all_zero(s2, 16));
    }
    /* R replaced by valid points that are not [r]Q_b: -R, P, (0,0) */
    ec_aff nR;
    ec_aff_neg(&nR, &Ra);
    memcpy(bad, sed, 273);
    ec_encode(bad, &nR);
    TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, zt, b, blen, rsk, bad), MCSEC_ERR_DECAP);
    TU_CHECK_ERR(mcsec_sakke_decapsulate_key(s2, &key, bad), MCSEC_ERR_DECAP);
    ec_encode(bad, &sakke_P);
    TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, zt, b, blen, rsk, bad), MCSEC_ERR_DECAP);
    TU_CHECK_ERR(mcsec_sakke_decapsulate_key(s2, &key, bad), MCSEC_ERR_DECAP);
    memset(bad, 0, 257);
    bad[0] = 4;
    TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, zt, b, blen, rsk, bad), MCSEC_ERR_DECAP);
    TU_CHECK_ERR(mcsec_sakke_decapsulate_key(s2, &key, bad), MCSEC_ERR_DECAP);
    TU_CHECK(all_zero(s2, 16));
    /* R = R + (0,0): same pairing value with the symmetric table, but not R */
    {
        ec_aff T2, X;
        ec_jac j;
        TU_CHECK(ec_decode(&T2, bad) != 0);
        ec_jac_from_aff(&j, &Ra);
        ec_jac_madd(&j, &j, &T2);
        ec_jac_to_aff(&X, &j);
        memcpy(bad, sed, 273);
        ec_encode(bad, &X);
        TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, zt, b, blen, rsk, bad), MCSEC_ERR_DECAP);
        TU_CHECK_ERR(mcsec_sakke_decapsulate_key(s2, &key, bad), MCSEC_ERR_DECAP);
    }
    /* point at infinity and other malformed encodings of R */
    memset(bad, 0, 273);
    TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, zt, b, blen, rsk, bad), MCSEC_ERR_POINT);
    TU_CHECK_ERR(mcsec_sakke_decapsulate_key(s2, &key, bad), MCSEC_ERR_POINT);
    memcpy(bad, sed, 273);
    bad[0] = 0x02;
    TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, zt, b, blen, rsk, bad), MCSEC_ERR_POINT);
    memcpy(bad, sed, 273);
    bad[0] = 0x00;
    TU_CHECK_ERR(mcsec_sakke_decapsulate_key(s2, &key, bad), MCSEC_ERR_POINT);
    /* coordinate >= p: x = p, y = p, x = Rx + p (same residue) */
    {
        uint64_t xv[16];
        memcpy(bad, sed, 273);
        mp_to_be(bad + 1, fp_p.v, 16);
        TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, zt, b, blen, rsk, bad), MCSEC_ERR_POINT);
        memcpy(bad, sed, 273);
        mp_to_be(bad + 129, fp_p.v, 16);
        TU_CHECK_ERR(mcsec_sakke_decapsulate_key(s2, &key, bad), MCSEC_ERR_POINT);
        memcpy(bad, sed, 273);
        mp_from_be(xv, 16, bad + 1);
        if (mp_add(xv, xv, fp_p.v, 16) == 0) { /* Rx + p < 2^1024 */
            mp_to_be(bad + 1, xv, 16);
            TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, zt, b, blen, rsk, bad), MCSEC_ERR_POINT);
        }
    }
    /* wrong identifier */
    uint8_t b2[64];
    memcpy(b2, b, blen);
    b2[blen - 2] ^= 1;
    TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, zt, b2, blen, rsk, sed), MCSEC_ERR_DECAP);
    TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, zt, b, blen - 1, rsk, sed), MCSEC_ERR_DECAP);
    TU_CHECK_ERR(mcsec_sakke_validate_rsk(zt, b2, blen, rsk), MCSEC_ERR_KEY_INVALID);
    TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, b2, blen, rsk), MCSEC_ERR_KEY_INVALID);
    TU_CHECK_ERR(mcsec_sakke_rsk_key_init(&key, &params, b2, blen, rsk), MCSEC_ERR_KEY_INVALID);
    TU_CHECK(all_zero((const uint8_t *)&key, sizeof key));
    /* wrong Z_T for validation and decapsulation: Z' = [z + 1]P */
    uint8_t z1[128], zt1[257];
    memcpy(z1, z, 128);
    z1[127] += 1;
    TU_CHECK_ERR(mcsec_sakke_kms_public(zt1, z1), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_validate_rsk(zt1, b, blen, rsk), MCSEC_ERR_KEY_INVALID);
    TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, zt1, b, blen, rsk, sed), MCSEC_ERR_DECAP);
    TU_CHECK_ERR(mcsec_sakke_kms_params_init(&params2, zt1), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_rsk_key_init(&key, &params2, b, blen, rsk), MCSEC_ERR_KEY_INVALID);
    {
        static mcsec_sakke_validator val1;
        TU_CHECK_ERR(mcsec_sakke_validator_init(&val1, &params2), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val1, b, blen, rsk), MCSEC_ERR_KEY_INVALID);
        mcsec_sakke_validator_wipe(&val1);
        TU_CHECK(all_zero((const uint8_t *)&val1, sizeof val1));
        TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val1, b, blen, rsk), MCSEC_ERR_ARG);
    }
    /* RSK issued for another identifier */
    uint8_t rsk2[257];
    TU_CHECK_ERR(mcsec_sakke_kms_issue(rsk2, z, b2, blen), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_validate_rsk(zt, b, blen, rsk2), MCSEC_ERR_KEY_INVALID);
    TU_CHECK_ERR(mcsec_sakke_validate_rsk(zt, b2, blen, rsk2), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, b, blen, rsk2), MCSEC_ERR_KEY_INVALID);
    TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, b2, blen, rsk2), MCSEC_OK);
    /* -K gives g^-1 */
    {
        ec_aff X;
        TU_CHECK(ec_decode(&X, rsk2) != 0);
        ec_aff_neg(&X, &X);
        ec_encode(rsk2, &X);
        TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, b2, blen, rsk2), MCSEC_ERR_KEY_INVALID);
        TU_CHECK_ERR(mcsec_sakke_validate_rsk(zt, b2, blen, rsk2), MCSEC_ERR_KEY_INVALID);
    }
    TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, zt, b, blen, rsk2, sed), MCSEC_ERR_DECAP);
    TU_CHECK_ERR(mcsec_sakke_rsk_key_init(&key, &params, b, blen, rsk2), MCSEC_ERR_KEY_INVALID);
    /* malformed RSKs */
    uint8_t rb[257];
    memcpy(rb, rsk, 257);
    rb[100] ^= 4;
    TU_CHECK_ERR(mcsec_sakke_validate_rsk(zt, b, blen, rb), MCSEC_ERR_POINT);
    TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, b, blen, rb), MCSEC_ERR_POINT);
    TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, zt, b, blen, rb, sed), MCSEC_ERR_POINT);
    TU_CHECK_ERR(mcsec_sakke_rsk_key_init(&key, &params, b, blen, rb), MCSEC_ERR_POINT);
    memset(rb, 0, 257);
    TU_CHECK_ERR(mcsec_sakke_validate_rsk(zt, b, blen, rb), MCSEC_ERR_POINT);
    rb[0] = 4; /* (0,0): on the curve, order 2 */
    TU_CHECK_ERR(mcsec_sakke_validate_rsk(zt, b, blen, rb), MCSEC_ERR_KEY_INVALID);
    TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, b, blen, rb), MCSEC_ERR_KEY_INVALID);
    TU_CHECK_ERR(mcsec_sakke_rsk_key_init(&key, &params, b, blen, rb), MCSEC_ERR_KEY_INVALID);
    TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, zt, b, blen, rb, sed), MCSEC_ERR_DECAP);
    /* K + (0,0) (order 2q) satisfies the pairing equation of the RFC loop
     * over [a]P + Z but is rejected by the order check */
    {
        ec_aff T2, X;
        ec_jac j;
        TU_CHECK(ec_decode(&T2, rb) != 0);
        ec_jac_from_aff(&j, &K);
        ec_jac_madd(&j, &j, &T2);
        ec_jac_to_aff(&X, &j);
        ec_encode(rb, &X);
        TU_CHECK_ERR(mcsec_sakke_validate_rsk(zt, b, blen, rb), MCSEC_ERR_KEY_INVALID);
        TU_CHECK_ERR(mcsec_sakke_rsk_key_init(&key, &params, b, blen, rb), MCSEC_ERR_KEY_INVALID);
        /* the RFC's check, which the prepared validation is, accepts it:
         * documented in sakke.h */
        TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, b, blen, rb), MCSEC_OK);
    }
    /* malformed Z_T */
    memcpy(rb, zt, 257);
    rb[3] ^= 1;
    TU_CHECK_ERR(mcsec_sakke_validate_rsk(rb, b, blen, rsk), MCSEC_ERR_POINT);
    TU_CHECK_ERR(mcsec_sakke_encapsulate(out, rb, b, blen, ssv), MCSEC_ERR_POINT);
    TU_CHECK(all_zero(out, 273));
    TU_CHECK_ERR(mcsec_sakke_decapsulate(s2, rb, b, blen, rsk, sed), MCSEC_ERR_POINT);
    TU_CHECK_ERR(mcsec_sakke_kms_params_init(&params2, rb), MCSEC_ERR_POINT);
    /* Z_T outside the subgroup: (0,0) and Z + (0,0) */
    memset(rb, 0, 257);
    rb[0] = 4;
    TU_CHECK_ERR(mcsec_sakke_kms_params_init(&params2, rb), MCSEC_ERR_POINT);
    {
        ec_aff T2, X;
        ec_jac j;
        TU_CHECK(ec_decode(&T2, rb) != 0);
        ec_jac_from_aff(&j, &za);
        ec_jac_madd(&j, &j, &T2);
        ec_jac_to_aff(&X, &j);
        ec_encode(rb, &X);
        TU_CHECK_ERR(mcsec_sakke_kms_params_init(&params2, rb), MCSEC_ERR_POINT);
    }
    /* uninitialised objects */
    memset(&params2, 0, sizeof params2);
    TU_CHECK_ERR(mcsec_sakke_validator_init(&val, &params2), MCSEC_ERR_ARG);
    TU_CHECK(all_zero((const uint8_t *)&val, sizeof val));
    TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, b, blen, rsk), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_sakke_encapsulate_params(out, &params2, b, blen, ssv), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_sakke_rsk_key_init(&key, &params2, b, blen, rsk), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_sakke_decapsulate_key(s2, &key, sed), MCSEC_ERR_ARG);
}

static void test_args(void)
{
    uint8_t z[128] = { 0 }, zt[257], rsk[257], sed[273], ssv[16] = { 1 }, id[129];
    memset(id, 'x', sizeof id);
    TU_CHECK_ERR(mcsec_sakke_kms_keygen(z, zt, &test_rng), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_kms_issue(rsk, z, id, 32), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_encapsulate(sed, zt, id, 32, ssv), MCSEC_OK);
    /* identifier lengths: 1..128 */
    TU_CHECK_ERR(mcsec_sakke_kms_issue(rsk, z, id, 0), MCSEC_ERR_LENGTH);
    TU_CHECK(all_zero(rsk, 257));
    TU_CHECK_ERR(mcsec_sakke_kms_issue(rsk, z, id, 129), MCSEC_ERR_LENGTH);
    TU_CHECK_ERR(mcsec_sakke_validate_rsk(zt, id, 0, rsk), MCSEC_ERR_LENGTH);
    TU_CHECK_ERR(mcsec_sakke_validate_rsk(zt, id, 129, rsk), MCSEC_ERR_LENGTH);
    TU_CHECK_ERR(mcsec_sakke_encapsulate(sed, zt, id, 0, ssv), MCSEC_ERR_LENGTH);
    TU_CHECK(all_zero(sed, 273));
    TU_CHECK_ERR(mcsec_sakke_encapsulate(sed, zt, id, 129, ssv), MCSEC_ERR_LENGTH);
    TU_CHECK_ERR(mcsec_sakke_decapsulate(ssv, zt, id, 129, rsk, sed), MCSEC_ERR_LENGTH);
    TU_CHECK_ERR(mcsec_sakke_rsk_key_init(&key, &params, id, 129, rsk), MCSEC_ERR_LENGTH);
    TU_CHECK_ERR(mcsec_sakke_encapsulate_params(sed, &params, id, 0, ssv), MCSEC_ERR_LENGTH);
    /* NULL arguments */
    TU_CHECK_ERR(mcsec_sakke_kms_keygen(NULL, zt, NULL), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_sakke_kms_public(NULL, z), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_sakke_kms_issue(rsk, NULL, id, 32), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_sakke_kms_issue(rsk, z, NULL, 32), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_sakke_validate_rsk(NULL, id, 32, rsk), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(NULL, id, 32, rsk), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_sakke_validator_init(NULL, &params), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_sakke_validator_init(&val, NULL), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_sakke_encapsulate(sed, zt, id, 32, NULL), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_sakke_decapsulate(ssv, zt, id, 32, rsk, NULL), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_sakke_kms_params_init(NULL, zt), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_sakke_encapsulate_params(sed, NULL, id, 32, ssv), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_sakke_rsk_key_init(NULL, &params, id, 32, rsk), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_sakke_decapsulate_key(ssv, NULL, sed), MCSEC_ERR_ARG);
    mcsec_sakke_kms_params_wipe(NULL);
    mcsec_sakke_rsk_key_wipe(NULL);

    /* z range: 0, 1, q, q + 1, 2^1024 - 1 rejected; 2 and q - 1 accepted */
    uint8_t qb[128], zz[128];
    sc1024 qq;
    memcpy(qq.v, sc1024_q.m, sizeof qq.v);
    sc1024_to_bytes(qb, &qq);
    uint8_t out[257];
    memset(zz, 0, 128);
    TU_CHECK_ERR(mcsec_sakke_kms_public(out, zz), MCSEC_ERR_SCALAR);
    TU_CHECK(all_zero(out, 257));
    zz[127] = 1;
    TU_CHECK_ERR(mcsec_sakke_kms_public(out, zz), MCSEC_ERR_SCALAR);
    TU_CHECK_ERR(mcsec_sakke_kms_issue(out, zz, id, 32), MCSEC_ERR_SCALAR);
    TU_CHECK(all_zero(out, 257));
    zz[127] = 2;
    TU_CHECK_ERR(mcsec_sakke_kms_public(out, zz), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_kms_public(out, qb), MCSEC_ERR_SCALAR);
    TU_CHECK_ERR(mcsec_sakke_kms_issue(out, qb, id, 32), MCSEC_ERR_SCALAR);
    memcpy(zz, qb, 128);
    zz[127] += 1;
    TU_CHECK_ERR(mcsec_sakke_kms_public(out, zz), MCSEC_ERR_SCALAR);
    memset(zz, 0xff, 128);
    TU_CHECK_ERR(mcsec_sakke_kms_public(out, zz), MCSEC_ERR_SCALAR);
    memcpy(zz, qb, 128);
    zz[127] -= 1; /* z = q - 1: Z = -P */
    TU_CHECK_ERR(mcsec_sakke_kms_public(out, zz), MCSEC_OK);
    {
        ec_aff nP;
        uint8_t want[257];
        ec_aff_neg(&nP, &sakke_P);
        ec_encode(want, &nP);
        TU_CHECK_MEM(out, want, 257);
    }
    /* a + z = 0 mod q: id = 5, z = q - 5 -> no key */
    memcpy(zz, qb, 128);
    zz[127] -= 5;
    uint8_t five = 5;
    TU_CHECK_ERR(mcsec_sakke_kms_issue(out, zz, &five, 1), MCSEC_ERR_SCALAR);
    TU_CHECK(all_zero(out, 257));
    /* ... and [5]P + Z = O: encapsulation to that id is impossible */
    uint8_t ztz[257];
    TU_CHECK_ERR(mcsec_sakke_kms_public(ztz, zz), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_encapsulate(sed, ztz, &five, 1, ssv), MCSEC_ERR_POINT);
    TU_CHECK_ERR(mcsec_sakke_validate_rsk(ztz, &five, 1, rsk), MCSEC_ERR_KEY_INVALID);
    TU_CHECK_ERR(mcsec_sakke_kms_params_init(&params2, ztz), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_encapsulate_params(sed, &params2, &five, 1, ssv), MCSEC_ERR_SCALAR);
    TU_CHECK(all_zero(sed, 273));
    TU_CHECK_ERR(mcsec_sakke_kms_issue(rsk, z, id, 32), MCSEC_OK); /* any valid point */
    TU_CHECK_ERR(mcsec_sakke_rsk_key_init(&key, &params2, &five, 1, rsk), MCSEC_ERR_KEY_INVALID);

    /* keygen: deterministic RNG, first draw >= q rejected, second taken */
    uint8_t d1[128], d2[128];
    memset(d1, 0xff, 128); /* top bits cleared -> 2^1022 - 1 >= q */
    memset(d2, 0, 128);
    d2[127] = 7;
    tu_fixed_rng fr = { { d1, d2 }, { 128, 128 }, 2, 0 };
    mcsec_rng rr = { tu_fixed_rng_fill, &fr };
    TU_CHECK_ERR(mcsec_sakke_kms_keygen(z, zt, &rr), MCSEC_OK);
    TU_CHECK_MEM(z, d2, 128);
    TU_CHECK_ERR(mcsec_sakke_kms_public(out, d2), MCSEC_OK);
    TU_CHECK_MEM(zt, out, 257);
    tu_fixed_rng fr2 = { { d1 }, { 128 }, 1, 0 };
    mcsec_rng rr2 = { tu_fixed_rng_fill, &fr2 };
    TU_CHECK_ERR(mcsec_sakke_kms_keygen(z, zt, &rr2), MCSEC_ERR_RNG);
    TU_CHECK(all_zero(z, 128) && all_zero(zt, 257));
    TU_CHECK_ERR(mcsec_sakke_kms_keygen(z, zt, NULL), MCSEC_OK); /* default RNG */
}

static void test_random(void)
{
    uint8_t z[128], zt[257], rsk[257], rsk_o[257], sed[273], sed2[273], ssv[16], out[16];
    uint8_t id[128], other[128];
    TU_CHECK_ERR(mcsec_sakke_kms_keygen(z, zt, &test_rng), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_kms_params_init(&params, zt), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_validator_init(&val, &params), MCSEC_OK);
    size_t lens[] = { 1, 26, 32, 32, 100, 128 };
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        size_t n = lens[i];
        rnd_bytes(id, n);
        if (i == 3)
            memset(id, 0xff, n); /* > q as an integer: reduced */
        memcpy(other, id, n);
        other[n - 1] ^= 0x80;
        rnd_bytes(ssv, 16);
        TU_CHECK_ERR(mcsec_sakke_kms_issue(rsk, z, id, n), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_kms_issue(rsk_o, z, other, n), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_validate_rsk(zt, id, n, rsk), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_validate_rsk(zt, id, n, rsk_o), MCSEC_ERR_KEY_INVALID);
        TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, id, n, rsk), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, id, n, rsk_o), MCSEC_ERR_KEY_INVALID);
        TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, other, n, rsk_o), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_encapsulate(sed, zt, id, n, ssv), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_encapsulate_params(sed2, &params, id, n, ssv), MCSEC_OK);
        TU_CHECK_MEM(sed, sed2, 273);
        TU_CHECK_ERR(mcsec_sakke_decapsulate(out, zt, id, n, rsk, sed), MCSEC_OK);
        TU_CHECK_MEM(out, ssv, 16);
        TU_CHECK_ERR(mcsec_sakke_rsk_key_init(&key, &params, id, n, rsk), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_decapsulate_key(out, &key, sed), MCSEC_OK);
        TU_CHECK_MEM(out, ssv, 16);
        /* wrong receiver */
        TU_CHECK_ERR(mcsec_sakke_decapsulate(out, zt, other, n, rsk_o, sed), MCSEC_ERR_DECAP);
        TU_CHECK(all_zero(out, 16));
        sed[272] ^= 1;
        TU_CHECK_ERR(mcsec_sakke_decapsulate_key(out, &key, sed), MCSEC_ERR_DECAP);
        TU_CHECK(all_zero(out, 16));
        mcsec_sakke_rsk_key_wipe(&key);
        TU_CHECK(all_zero((const uint8_t *)&key, sizeof key));
        TU_CHECK_ERR(mcsec_sakke_decapsulate_key(out, &key, sed), MCSEC_ERR_ARG);
    }
    /* an identifier that is q as an integer: a = 0, K = [1/z]P */
    {
        uint8_t qid[128];
        mp_to_be(qid, sc1024_q.m, 16);
        TU_CHECK_ERR(mcsec_sakke_kms_issue(rsk, z, qid, 128), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_validate_rsk(zt, qid, 128, rsk), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, qid, 128, rsk), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, qid, 128, rsk_o), MCSEC_ERR_KEY_INVALID);
        TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, qid, 0, rsk), MCSEC_ERR_LENGTH);
        TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, qid, 129, rsk), MCSEC_ERR_LENGTH);
        TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, NULL, 1, rsk), MCSEC_ERR_ARG);
        TU_CHECK_ERR(mcsec_sakke_validate_rsk_prepared(&val, qid, 1, NULL), MCSEC_ERR_ARG);
    }
    /* the SSV edge values */
    rnd_bytes(id, 32);
    TU_CHECK_ERR(mcsec_sakke_kms_issue(rsk, z, id, 32), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_rsk_key_init(&key, &params, id, 32, rsk), MCSEC_OK);
    for (int v = 0; v < 2; v++) {
        memset(ssv, v ? 0xff : 0x00, 16);
        TU_CHECK_ERR(mcsec_sakke_encapsulate_params(sed, &params, id, 32, ssv), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_decapsulate_key(out, &key, sed), MCSEC_OK);
        TU_CHECK_MEM(out, ssv, 16);
    }
    mcsec_sakke_kms_params_wipe(&params);
    TU_CHECK(all_zero((const uint8_t *)&params, sizeof params));
}

int main(void)
{
    tu_vectors *v = tu_vectors_load("sakke_rfc6508.txt");
    test_parameters(v);
    test_appendix_a(v);
    test_args();
    test_random();
    tu_vectors_free(v);
    return tu_finish("sakke");
}
