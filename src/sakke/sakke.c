/* SAKKE (RFC 6508) with parameter set 1 of RFC 6509; see mcsec/sakke.h.
 *
 * Secret-dependent outcomes (an out-of-range z, a + z = 0, a malformed RSK,
 * a failed decapsulation TEST) are accumulated as masks: the computation runs
 * to the end either way, outputs are selected with masks and the status is
 * assembled arithmetically, so the only branch on them is the caller's.
 * Outcomes that depend on public inputs only (lengths, Z_T, R, the id) are
 * returned early. */
#include "mcsec/sakke.h"

#include <string.h>

#include "internal/ct.h"
#include "math/ec1024.h"
#include "math/fp2.h"
#include "math/pairing.h"
#include "math/sakke_tables.h"
#include "math/scalar1024.h"
#include "sakke/sakke_internal.h"
#include <openssl/evp.h>

/* err if the mask is zero, else MCSEC_OK (= 0), without branching */
static mcsec_err err_unless(uint64_t ok, mcsec_err err)
{
    return (mcsec_err)((uint64_t)err & ~ok);
}

static int id_ok(const uint8_t *id, size_t id_len)
{
    return id != NULL && id_len >= 1 && id_len <= MCSEC_SAKKE_ID_MAX;
}

/* SHA-256(a || b) (RFC 6509 Appendix A: parameter set 1 hashes with
 * SHA-256) through OpenSSL, on a context the caller allocates once per
 * HashToIntegerRange. Returns the all-ones mask on success, 0 if OpenSSL
 * failed (a public event). */
static uint64_t sha256_2(EVP_MD_CTX *c, uint8_t out[32], const uint8_t *a, size_t alen, const uint8_t *b,
                         size_t blen)
{
    unsigned int n = 0;
    int ok = c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(c, a, alen) == 1 && (blen == 0 || EVP_DigestUpdate(c, b, blen) == 1) &&
             EVP_DigestFinal_ex(c, out, &n) == 1 && n == 32;
    return ok ? ~(uint64_t)0 : 0;
}

/* HashToIntegerRange(s, q, SHA-256), RFC 6508 §5.1, for s = s1 || s2:
 * l = ceiling(lg(q) / 256) = ceiling(1021.26 / 256) = 4 blocks,
 * v = (v_1 || v_2 || v_3 || v_4) mod q with h_0 = 0^256, h_i = H(h_(i-1)),
 * v_i = H(h_i || A), A = H(s). Returns the all-ones mask on success. */
uint64_t sakke_h2ir_q(sc1024 *r, const uint8_t *s1, size_t l1, const uint8_t *s2, size_t l2)
{
    uint8_t a[32], hh[32], v[128];
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    uint64_t ok = sha256_2(c, a, s1, l1, s2, l2); /* step 1 */
    memset(hh, 0, sizeof hh);                    /* step 2 */
    for (int i = 0; i < 4; i++) {                /* steps 3-4 */
        ok &= sha256_2(c, hh, hh, sizeof hh, NULL, 0);
        ok &= sha256_2(c, v + 32 * i, hh, sizeof hh, a, sizeof a);
    }
    EVP_MD_CTX_free(c); /* OpenSSL clears the context's state when freeing it */
    sc1024_from_bytes_reduce(r, v);              /* steps 5-6 */
    mcsec_wipe(a, sizeof a);
    mcsec_wipe(v, sizeof v);
    return ok;
}

/* HashToIntegerRange(w, 2^128, SHA-256): l = ceiling(128 / 256) = 1, so the
 * result is H(H(0^256) || H(w)) mod 2^128, its last 16 octets. Returns the
 * all-ones mask on success. */
uint64_t sakke_h2ir_mask(uint8_t mask[16], const uint8_t w[128])
{
    uint8_t a[32], hh[32], v[32];
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    uint64_t ok = sha256_2(c, a, w, 128, NULL, 0);
    memset(hh, 0, sizeof hh);
    ok &= sha256_2(c, hh, hh, sizeof hh, NULL, 0);
    ok &= sha256_2(c, v, hh, sizeof hh, a, sizeof a);
    EVP_MD_CTX_free(c);
    memcpy(mask, v + 16, 16);
    mcsec_wipe(a, sizeof a);
    mcsec_wipe(v, sizeof v);
    return ok;
}

/* Q_b = [b]P + Z (public: b is the identifier, Z the KMS key). Returns 0 if
 * Q_b = O (b = -z mod q). */
int sakke_make_qb(ec_aff *qb, const ec_aff *zt, const uint8_t *id, size_t id_len)
{
    sc1024 b;
    ec_proj acc;
    sc1024_from_octets_reduce(&b, id, id_len);
    ec_comb_mul(&acc, &sakke_comb_P, b.v);
    ec_proj_madd(&acc, &acc, zt);
    return ec_proj_to_aff(qb, &acc) != 0; /* public */
}

/* H = SSV XOR HashToIntegerRange(g^r, 2^128) (RFC 6508 §6.2.1 step 4) */
static uint64_t make_h(uint8_t h[16], const sc1024 *r, const uint8_t ssv[16])
{
    fp2 gr;
    fp rep;
    uint8_t w[FP_BYTES], mask[16];
    pfp_comb_pow(&gr, &sakke_comb_g, r->v);  /* step 4a: g^r in PF_p */
    fp2_pfp_rep(&rep, &gr);
    fp_to_bytes(w, &rep);
    uint64_t ok = sakke_h2ir_mask(mask, w);        /* step 4b */
    for (int i = 0; i < 16; i++)
        h[i] = ssv[i] ^ mask[i];
    fp2_wipe(&gr);
    fp_wipe(&rep);
    mcsec_wipe(w, sizeof w);
    mcsec_wipe(mask, sizeof mask);
    return ok;
}

/* SSV = H XOR HashToIntegerRange(w, 2^128) (RFC 6508 §6.2.2 step 3) */
static uint64_t unmask_ssv(uint8_t ssv[16], const fp *w, const uint8_t h[16])
{
    uint8_t wb[FP_BYTES], mask[16];
    fp_to_bytes(wb, w);
    uint64_t ok = sakke_h2ir_mask(mask, wb);
    for (int i = 0; i < 16; i++)
        ssv[i] = h[i] ^ mask[i];
    mcsec_wipe(wb, sizeof wb);
    mcsec_wipe(mask, sizeof mask);
    return ok;
}

/* ---- KMS ---------------------------------------------------------------- */

mcsec_err mcsec_sakke_kms_keygen(uint8_t z[MCSEC_SAKKE_Z_BYTES], uint8_t zt[MCSEC_SAKKE_POINT_BYTES],
                                 const mcsec_rng *rng)
{
    if (z == NULL || zt == NULL)
        return MCSEC_ERR_ARG;
    if (rng == NULL)
        rng = mcsec_rng_default();
    uint8_t buf[MCSEC_SAKKE_Z_BYTES];
    sc1024 s;
    int found = 0;
    /* RFC 6508 §6.1 step 1: z uniform in [2, q-1]. q has 1022 bits, so a
     * draw is accepted with probability ~0.6; a rejected draw reveals
     * nothing about the accepted one. */
    for (int i = 0; i < 64 && !found; i++) {
        if (rng->fill(rng->ctx, buf, sizeof buf) != 0)
            break;
        buf[0] &= 0x3f;
        found = sc1024_from_bytes_range(&s, buf, 2) != 0;
    }
    mcsec_err err = MCSEC_ERR_RNG;
    if (found) {
        memcpy(z, buf, sizeof buf);
        err = mcsec_sakke_kms_public(zt, z);
    }
    if (err != MCSEC_OK) {
        memset(z, 0, MCSEC_SAKKE_Z_BYTES);
        memset(zt, 0, MCSEC_SAKKE_POINT_BYTES);
    }
    mcsec_wipe(buf, sizeof buf);
    sc1024_wipe(&s);
    return err;
}

mcsec_err mcsec_sakke_kms_public(uint8_t zt[MCSEC_SAKKE_POINT_BYTES], const uint8_t z[MCSEC_SAKKE_Z_BYTES])
{
    if (zt == NULL || z == NULL)
        return MCSEC_ERR_ARG;
    sc1024 s;
    ec_proj acc;
    ec_aff a;
    uint8_t out[MCSEC_SAKKE_POINT_BYTES];
    uint64_t ok = sc1024_from_bytes_range(&s, z, 2); /* z in [2, q-1] */
    ec_comb_mul(&acc, &sakke_comb_P, s.v);           /* §6.1 step 2: Z = [z]P */
    ok &= ec_proj_to_aff(&a, &acc);
    ec_encode(out, &a);
    for (int i = 0; i < MCSEC_SAKKE_POINT_BYTES; i++)
        zt[i] = (uint8_t)(out[i] & ok);
    sc1024_wipe(&s);
    ec_aff_wipe(&a);
    fp_wipe(&acc.X);
    fp_wipe(&acc.Y);
    fp_wipe(&acc.Z);
    return err_unless(ok, MCSEC_ERR_SCALAR);
}

mcsec_err mcsec_sakke_kms_issue(uint8_t rsk[MCSEC_SAKKE_RSK_BYTES], const uint8_t z[MCSEC_SAKKE_Z_BYTES],
                                const uint8_t *id, size_t id_len)
{
    if (rsk == NULL || z == NULL || id == NULL)
        return MCSEC_ERR_ARG;
    memset(rsk, 0, MCSEC_SAKKE_RSK_BYTES);
    if (!id_ok(id, id_len))
        return MCSEC_ERR_LENGTH;
    sc1024 s, a, t;
    ec_proj acc;
    ec_aff k;
    uint8_t out[MCSEC_SAKKE_RSK_BYTES];
    uint64_t ok = sc1024_from_bytes_range(&s, z, 2);
    sc1024_from_octets_reduce(&a, id, id_len);
    sc1024_add(&t, &a, &s);                      /* §6.1.1: a + z mod q */
    ok &= ~sc1024_is_zero_mask(&t);              /* no key for a = -z */
    sc1024_inv(&t, &t);                          /* (a + z)^-1 mod q */
    ec_comb_mul(&acc, &sakke_comb_P, t.v);       /* K = [(a + z)^-1]P */
    ok &= ec_proj_to_aff(&k, &acc);
    ec_encode(out, &k);
    for (int i = 0; i < MCSEC_SAKKE_RSK_BYTES; i++)
        rsk[i] = (uint8_t)(out[i] & ok);
    sc1024_wipe(&s);
    sc1024_wipe(&t);
    ec_aff_wipe(&k);
    fp_wipe(&acc.X);
    fp_wipe(&acc.Y);
    fp_wipe(&acc.Z);
    mcsec_wipe(out, sizeof out);
    return err_unless(ok, MCSEC_ERR_SCALAR);
}

/* ---- RSK validation ----------------------------------------------------- */

mcsec_err mcsec_sakke_validate_rsk(const uint8_t zt[MCSEC_SAKKE_POINT_BYTES], const uint8_t *id,
                                   size_t id_len, const uint8_t rsk[MCSEC_SAKKE_RSK_BYTES])
{
    if (zt == NULL || id == NULL || rsk == NULL)
        return MCSEC_ERR_ARG;
    if (!id_ok(id, id_len))
        return MCSEC_ERR_LENGTH;
    ec_aff z, qa, k;
    fp w;
    if (!ec_decode(&z, zt))
        return MCSEC_ERR_POINT;
    if (!sakke_make_qb(&qa, &z, id, id_len))
        return MCSEC_ERR_KEY_INVALID;
    uint64_t kok = ec_decode(&k, rsk);
    /* RFC 6508 §6.1.2: <[a]P + Z, K> == g. The loop runs over K (by symmetry
     * the same value for K of order q), which also tells whether K has
     * order q. */
    uint64_t ok = pairing(&w, &k, &qa);
    ok &= fp_eq_mask(&w, &sakke_g) & kok;
    ec_aff_wipe(&k);
    fp_wipe(&w);
    return (mcsec_err)(((uint64_t)MCSEC_ERR_POINT & ~kok) |
                       ((uint64_t)MCSEC_ERR_KEY_INVALID & kok & ~ok));
}

/* ---- encapsulation ------------------------------------------------------ */

static int ssv_args_ok(const void *out, const uint8_t *id, const uint8_t *ssv)
{
    return out != NULL && id != NULL && ssv != NULL;
}

mcsec_err mcsec_sakke_encapsulate(uint8_t sed[MCSEC_SAKKE_SED_BYTES], const uint8_t zt[MCSEC_SAKKE_POINT_BYTES],
                                  const uint8_t *id, size_t id_len, const uint8_t ssv[MCSEC_SAKKE_SSV_BYTES])
{
    if (!ssv_args_ok(sed, id, ssv) || zt == NULL)
        return MCSEC_ERR_ARG;
    memset(sed, 0, MCSEC_SAKKE_SED_BYTES);
    if (!id_ok(id, id_len))
        return MCSEC_ERR_LENGTH;
    ec_aff z, qb, R;
    sc1024 r;
    uint8_t out[MCSEC_SAKKE_SED_BYTES];
    if (!ec_decode(&z, zt))
        return MCSEC_ERR_POINT;
    if (!sakke_make_qb(&qb, &z, id, id_len))
        return MCSEC_ERR_POINT;
    uint64_t ok = sakke_h2ir_q(&r, ssv, MCSEC_SAKKE_SSV_BYTES, id, id_len); /* §6.2.1 step 2 */
    ok &= ec_mul_ct(&R, &qb, r.v);                       /* step 3 */
    ec_encode(out, &R);
    ok &= make_h(out + MCSEC_SAKKE_POINT_BYTES, &r, ssv); /* step 4 */
    for (int i = 0; i < MCSEC_SAKKE_SED_BYTES; i++)     /* step 5 */
        sed[i] = (uint8_t)(out[i] & ok);
    sc1024_wipe(&r);
    ec_aff_wipe(&R);
    mcsec_wipe(out, sizeof out);
    return err_unless(ok, MCSEC_ERR_SCALAR);
}

static const sakke_params_int *params_get(const mcsec_sakke_kms_params *params)
{
    const sakke_params_int *p = (const sakke_params_int *)(const void *)params;
    return p != NULL && p->magic == SAKKE_PARAMS_MAGIC ? p : NULL;
}

mcsec_err mcsec_sakke_kms_params_init(mcsec_sakke_kms_params *params,
                                      const uint8_t zt[MCSEC_SAKKE_POINT_BYTES])
{
    if (params == NULL || zt == NULL)
        return MCSEC_ERR_ARG;
    sakke_params_int *p = (sakke_params_int *)(void *)params;
    memset(p, 0, sizeof *p);
    if (!ec_decode(&p->zt, zt))
        return MCSEC_ERR_POINT;
    ec_comb_init(&p->comb, &p->zt);
    /* Order check with the new table: [q-2]Z == -[2]Z holds iff Z has
     * order q. The scalar is odd because the comb recoding replaces an even
     * k by k + q, which is only the same multiple for points of order q
     * (Z + (0,0), of order 2q, would pass a [q-1]Z == -Z test that way). */
    sc1024 qm2;
    ec_proj acc;
    ec_jac d;
    ec_aff m2z;
    memcpy(qm2.v, sc1024_q.m, sizeof qm2.v);
    qm2.v[0] -= 2; /* q is odd and > 2: no borrow */
    ec_comb_mul(&acc, &p->comb, qm2.v);
    ec_jac_from_aff(&d, &p->zt);
    ec_jac_dbl(&d, &d);
    uint64_t ok = ec_jac_to_aff(&m2z, &d);
    ec_aff_neg(&m2z, &m2z);
    ok &= ec_proj_eq_aff_mask(&acc, &m2z);
    if (!ok) {
        memset(p, 0, sizeof *p);
        return MCSEC_ERR_POINT;
    }
    p->magic = SAKKE_PARAMS_MAGIC;
    return MCSEC_OK;
}

void mcsec_sakke_kms_params_wipe(mcsec_sakke_kms_params *params)
{
    if (params != NULL)
        mcsec_wipe(params, sizeof *params);
}

mcsec_err mcsec_sakke_encapsulate_params(uint8_t sed[MCSEC_SAKKE_SED_BYTES], const mcsec_sakke_kms_params *params,
                                         const uint8_t *id, size_t id_len,
                                         const uint8_t ssv[MCSEC_SAKKE_SSV_BYTES])
{
    if (!ssv_args_ok(sed, id, ssv))
        return MCSEC_ERR_ARG;
    memset(sed, 0, MCSEC_SAKKE_SED_BYTES);
    const sakke_params_int *p = params_get(params);
    if (p == NULL)
        return MCSEC_ERR_ARG;
    if (!id_ok(id, id_len))
        return MCSEC_ERR_LENGTH;
    sc1024 b, r, rb;
    ec_proj acc;
    ec_aff R;
    uint8_t out[MCSEC_SAKKE_SED_BYTES];
    sc1024_from_octets_reduce(&b, id, id_len);
    uint64_t ok = sakke_h2ir_q(&r, ssv, MCSEC_SAKKE_SSV_BYTES, id, id_len); /* §6.2.1 step 2 */
    sc1024_mul(&rb, &r, &b);
    /* step 3: R = [r]([b]P + Z) = [r b]P + [r]Z; R = O exactly when r = 0 or
     * [b]P + Z = O */
    ec_comb_mul2(&acc, &sakke_comb_P, rb.v, &p->comb, r.v);
    ok &= ec_proj_to_aff(&R, &acc);
    ec_encode(out, &R);
    ok &= make_h(out + MCSEC_SAKKE_POINT_BYTES, &r, ssv); /* step 4 */
    for (int i = 0; i < MCSEC_SAKKE_SED_BYTES; i++)     /* step 5 */
        sed[i] = (uint8_t)(out[i] & ok);
    sc1024_wipe(&r);
    sc1024_wipe(&rb);
    ec_aff_wipe(&R);
    fp_wipe(&acc.X);
    fp_wipe(&acc.Y);
    fp_wipe(&acc.Z);
    mcsec_wipe(out, sizeof out);
    return err_unless(ok, MCSEC_ERR_SCALAR);
}

/* ---- RSK validation with per-KMS tables ---------------------------------- */

static const sakke_validator_int *validator_get(const mcsec_sakke_validator *v)
{
    const sakke_validator_int *p = (const sakke_validator_int *)(const void *)v;
    return p != NULL && p->magic == SAKKE_VALIDATOR_MAGIC ? p : NULL;
}

mcsec_err mcsec_sakke_validator_init(mcsec_sakke_validator *v, const mcsec_sakke_kms_params *params)
{
    if (v == NULL)
        return MCSEC_ERR_ARG;
    sakke_validator_int *t = (sakke_validator_int *)(void *)v;
    memset(t, 0, sizeof *t);
    const sakke_params_int *p = params_get(params);
    if (p == NULL)
        return MCSEC_ERR_ARG;
    /* both points have order q (P by definition, Z_T checked by
     * mcsec_sakke_kms_params_init), so the table builds cannot fail */
    uint64_t ok = pairing_table_init(&t->p_lines, &sakke_P);
    ok &= pairing_table_init(&t->z_lines, &p->zt);
    if (!ok) { /* public data */
        memset(t, 0, sizeof *t);
        return MCSEC_ERR_POINT;
    }
    t->magic = SAKKE_VALIDATOR_MAGIC;
    return MCSEC_OK;
}

void mcsec_sakke_validator_wipe(mcsec_sakke_validator *v)
{
    if (v != NULL)
        mcsec_wipe(v, sizeof *v);
}

mcsec_err mcsec_sakke_validate_rsk_prepared(const mcsec_sakke_validator *v, const uint8_t *id, size_t id_len,
                                            const uint8_t rsk[MCSEC_SAKKE_RSK_BYTES])
{
    const sakke_validator_int *t = validator_get(v);
    if (t == NULL || id == NULL || rsk == NULL)
        return MCSEC_ERR_ARG;
    if (!id_ok(id, id_len))
        return MCSEC_ERR_LENGTH;
    ec_aff k, ak = { 0 };
    sc1024 a;
    fp w;
    uint64_t kok = ec_decode(&k, rsk);
    sc1024_from_octets_reduce(&a, id, id_len); /* public */
    /* RFC 6508 §6.1.2 by bilinearity in the first argument:
     * <[a]P + Z, K> = <P, K>^a <Z, K> = <P, [a]K> <Z, K>. [a]P + Z = O
     * (a = -z) gives 1 != g: rejected like the RFC's check. */
    uint64_t ok = ~(uint64_t)0;
    if (sc1024_is_zero_mask(&a)) { /* public: an id that is a multiple of q */
        pairing_table_eval(&w, &t->z_lines, &k);
    } else {
        ok = ec_mul_pub(&ak, &k, a.v);
        pairing_table_eval2(&w, &t->p_lines, &ak, &t->z_lines, &k);
    }
    ok &= fp_eq_mask(&w, &sakke_g) & kok;
    ec_aff_wipe(&k);
    ec_aff_wipe(&ak);
    fp_wipe(&w);
    return (mcsec_err)(((uint64_t)MCSEC_ERR_POINT & ~kok) |
                       ((uint64_t)MCSEC_ERR_KEY_INVALID & kok & ~ok));
}

/* ---- decapsulation ------------------------------------------------------ */

/* Steps 3-6 of RFC 6508 §6.2.2 once w = <R, K> is known: unmask, recompute r,
 * TEST = [r] Q_b (by table or by ladder), compare, select the output.
 * Returns the all-ones mask on success. */
static uint64_t decap_finish(uint8_t ssv[16], const fp *w, const uint8_t *sed, const ec_aff *R,
                             const uint8_t *id, size_t id_len, const ec_comb *qb_comb,
                             const ec_aff *qb)
{
    uint8_t s[16];
    sc1024 r;
    ec_aff test;
    uint64_t ok;
    uint64_t hashed = unmask_ssv(s, w, sed + MCSEC_SAKKE_POINT_BYTES); /* step 3 */
    hashed &= sakke_h2ir_q(&r, s, sizeof s, id, id_len);               /* step 4 */
    if (qb_comb != NULL) {                               /* step 5 */
        ec_proj acc;
        ec_comb_mul(&acc, qb_comb, r.v);
        ok = ec_proj_eq_aff_mask(&acc, R);
        fp_wipe(&acc.X);
        fp_wipe(&acc.Y);
        fp_wipe(&acc.Z);
    } else {
        ok = ec_mul_ct(&test, qb, r.v);
        ok &= ec_aff_eq_mask(&test, R);
        ec_aff_wipe(&test);
    }
    ok &= hashed;
    for (int i = 0; i < 16; i++)                         /* step 6 */
        ssv[i] = (uint8_t)(s[i] & ok);
    mcsec_wipe(s, sizeof s);
    sc1024_wipe(&r);
    return ok;
}

mcsec_err mcsec_sakke_decapsulate(uint8_t ssv[MCSEC_SAKKE_SSV_BYTES], const uint8_t zt[MCSEC_SAKKE_POINT_BYTES],
                                  const uint8_t *id, size_t id_len, const uint8_t rsk[MCSEC_SAKKE_RSK_BYTES],
                                  const uint8_t sed[MCSEC_SAKKE_SED_BYTES])
{
    if (ssv == NULL || zt == NULL || id == NULL || rsk == NULL || sed == NULL)
        return MCSEC_ERR_ARG;
    memset(ssv, 0, MCSEC_SAKKE_SSV_BYTES);
    if (!id_ok(id, id_len))
        return MCSEC_ERR_LENGTH;
    ec_aff z, qb, R, k;
    fp w;
    if (!ec_decode(&z, zt))
        return MCSEC_ERR_POINT;
    if (!ec_decode(&R, sed))                              /* step 1 */
        return MCSEC_ERR_POINT;
    if (!sakke_make_qb(&qb, &z, id, id_len))
        return MCSEC_ERR_POINT;
    uint64_t kok = ec_decode(&k, rsk);
    pairing(&w, &R, &k);                                  /* step 2 */
    uint64_t ok = decap_finish(ssv, &w, sed, &R, id, id_len, NULL, &qb) & kok;
    for (int i = 0; i < MCSEC_SAKKE_SSV_BYTES; i++)
        ssv[i] = (uint8_t)(ssv[i] & kok);
    ec_aff_wipe(&k);
    fp_wipe(&w);
    return (mcsec_err)(((uint64_t)MCSEC_ERR_POINT & ~kok) |
                       ((uint64_t)MCSEC_ERR_DECAP & kok & ~ok));
}

static const sakke_rsk_int *key_get(const mcsec_sakke_rsk_key *key)
{
    const sakke_rsk_int *k = (const sakke_rsk_int *)(const void *)key;
    return k != NULL && k->magic == SAKKE_RSK_MAGIC ? k : NULL;
}

mcsec_err mcsec_sakke_rsk_key_init(mcsec_sakke_rsk_key *key, const mcsec_sakke_kms_params *params,
                                   const uint8_t *id, size_t id_len, const uint8_t rsk[MCSEC_SAKKE_RSK_BYTES])
{
    if (key == NULL || id == NULL || rsk == NULL)
        return MCSEC_ERR_ARG;
    sakke_rsk_int *k = (sakke_rsk_int *)(void *)key;
    memset(k, 0, sizeof *k);
    const sakke_params_int *p = params_get(params);
    if (p == NULL)
        return MCSEC_ERR_ARG;
    if (!id_ok(id, id_len))
        return MCSEC_ERR_LENGTH;
    ec_aff K, qb;
    fp w;
    mcsec_err err = MCSEC_OK;
    if (!ec_decode(&K, rsk)) {
        err = MCSEC_ERR_POINT;
    } else if (!sakke_make_qb(&qb, &p->zt, id, id_len)) {
        err = MCSEC_ERR_KEY_INVALID;
    } else {
        uint64_t ok = pairing_table_init(&k->tbl, &K);   /* K has order q */
        pairing_table_eval(&w, &k->tbl, &qb);            /* §6.1.2 */
        ok &= fp_eq_mask(&w, &sakke_g);
        if (!ok) /* the validation outcome is the function's public result */
            err = MCSEC_ERR_KEY_INVALID;
    }
    if (err == MCSEC_OK) {
        ec_comb_init(&k->qb_comb, &qb);
        memcpy(k->id, id, id_len);
        k->id_len = id_len;
        k->magic = SAKKE_RSK_MAGIC;
    } else {
        mcsec_wipe(k, sizeof *k);
    }
    ec_aff_wipe(&K);
    fp_wipe(&w);
    return err;
}

void mcsec_sakke_rsk_key_wipe(mcsec_sakke_rsk_key *key)
{
    if (key != NULL)
        mcsec_wipe(key, sizeof *key);
}

const uint8_t *mcsec_sakke_rsk_key_id(const mcsec_sakke_rsk_key *key, size_t *id_len)
{
    const sakke_rsk_int *k = key_get(key);
    if (id_len != NULL)
        *id_len = k != NULL ? (size_t)k->id_len : 0;
    return k != NULL ? k->id : NULL;
}

mcsec_err mcsec_sakke_decapsulate_key(uint8_t ssv[MCSEC_SAKKE_SSV_BYTES], const mcsec_sakke_rsk_key *key,
                                      const uint8_t sed[MCSEC_SAKKE_SED_BYTES])
{
    if (ssv == NULL || sed == NULL)
        return MCSEC_ERR_ARG;
    memset(ssv, 0, MCSEC_SAKKE_SSV_BYTES);
    const sakke_rsk_int *k = key_get(key);
    if (k == NULL)
        return MCSEC_ERR_ARG;
    ec_aff R;
    fp w;
    if (!ec_decode(&R, sed))                              /* step 1 */
        return MCSEC_ERR_POINT;
    pairing_table_eval(&w, &k->tbl, &R);                  /* step 2: <K, R> */
    uint64_t ok = decap_finish(ssv, &w, sed, &R, k->id, (size_t)k->id_len, &k->qb_comb, NULL);
    fp_wipe(&w);
    return err_unless(ok, MCSEC_ERR_DECAP);
}
