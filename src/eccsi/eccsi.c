/* ECCSI (RFC 6507) over NIST P-256 / SHA-256 (RFC 6509 §2.1.1).
 *
 * Point arithmetic is OpenSSL's P-256 (constant-time for the generator and
 * single-point paths when the scalar BIGNUM carries BN_FLG_CONSTTIME). Every
 * computation modulo q that involves a secret (KSAK, SSK, v, j) is done by
 * math/scalar256.h in constant time; BIGNUMs only carry scalars into
 * EC_POINT_mul. Public-only verification may run in variable time. */
#define OPENSSL_SUPPRESS_DEPRECATED /* EC_POINTs_mul: three-term verification */

#include "mcsec/eccsi.h"

#include <pthread.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "internal/ct.h"
#include "math/scalar256.h"

#define N MCSEC_ECCSI_SCALAR_BYTES

/* Per-call OpenSSL state. */
typedef struct eccsi_env {
    const EC_GROUP *group;
    EC_GROUP *owned; /* set only when the shared group could not be built */
    BN_CTX *bn;
} eccsi_env;

/* The P-256 group is built once per process and never changed afterwards:
 * OpenSSL spends ~8 µs per EC_GROUP_new_by_curve_name (Montgomery setup for
 * p and q), a third of a signature. An EC_GROUP is safe for concurrent
 * read-only use; pthread_once makes construction race-free, so callers need
 * no init() and see no state change. */
static pthread_once_t p256_once = PTHREAD_ONCE_INIT;
static EC_GROUP *p256_shared;

static void p256_build(void)
{
    p256_shared = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
}

static mcsec_err env_init(eccsi_env *e)
{
    e->owned = NULL;
    e->group = NULL;
    if (pthread_once(&p256_once, p256_build) == 0)
        e->group = p256_shared;
    if (!e->group)
        e->group = e->owned = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    e->bn = BN_CTX_new();
    if (!e->group || !e->bn) {
        EC_GROUP_free(e->owned);
        BN_CTX_free(e->bn);
        return MCSEC_ERR_NOMEM;
    }
    BN_CTX_start(e->bn);
    return MCSEC_OK;
}

static void env_free(eccsi_env *e)
{
    BN_CTX_end(e->bn);
    BN_CTX_free(e->bn);
    EC_GROUP_free(e->owned);
}

/* RFC 6507 §3.2: a point is 0x04 || x || y with x, y < p and on the curve.
 * OpenSSL's oct2point rejects coordinates >= p and points off the curve; the
 * prefix check keeps out the compressed and hybrid forms, which are not ECCSI
 * encodings. A 65-octet 0x04 string cannot encode the point at infinity. */
static mcsec_err point_decode(EC_POINT **out, const eccsi_env *e, const uint8_t in[65])
{
    *out = NULL;
    if (in[0] != 0x04)
        return MCSEC_ERR_POINT;
    EC_POINT *p = EC_POINT_new(e->group);
    if (!p)
        return MCSEC_ERR_NOMEM;
    if (EC_POINT_oct2point(e->group, p, in, 65, e->bn) != 1 ||
        EC_POINT_is_on_curve(e->group, p, e->bn) != 1 || EC_POINT_is_at_infinity(e->group, p)) {
        EC_POINT_free(p);
        return MCSEC_ERR_POINT;
    }
    *out = p;
    return MCSEC_OK;
}

static mcsec_err point_encode(uint8_t out[65], const eccsi_env *e, const EC_POINT *p)
{
    if (EC_POINT_is_at_infinity(e->group, p))
        return MCSEC_ERR_INTERNAL;
    if (EC_POINT_point2oct(e->group, p, POINT_CONVERSION_UNCOMPRESSED, out, 65, e->bn) != 65)
        return MCSEC_ERR_CRYPTO;
    return MCSEC_OK;
}

/* A BIGNUM holding a 32-octet scalar, flagged so OpenSSL takes its
 * constant-time paths. NULL on allocation failure. */
static BIGNUM *bn_scalar(const eccsi_env *e, const uint8_t be[N])
{
    BIGNUM *b = BN_CTX_get(e->bn);
    if (!b || !BN_bin2bn(be, N, b))
        return NULL;
    BN_set_flags(b, BN_FLG_CONSTTIME);
    return b;
}

/* out = [k]G, k secret. */
static mcsec_err mul_base(EC_POINT **out, const eccsi_env *e, const uint8_t k[N])
{
    *out = EC_POINT_new(e->group);
    BIGNUM *b = bn_scalar(e, k);
    if (!*out || !b)
        return MCSEC_ERR_NOMEM;
    int ok = EC_POINT_mul(e->group, *out, b, NULL, NULL, e->bn);
    BN_clear(b);
    return ok == 1 ? MCSEC_OK : MCSEC_ERR_CRYPTO;
}

/* Affine x-coordinate as 32 octets. */
static mcsec_err point_x(uint8_t x[N], const eccsi_env *e, const EC_POINT *p)
{
    BIGNUM *bx = BN_CTX_get(e->bn);
    if (!bx)
        return MCSEC_ERR_NOMEM;
    if (EC_POINT_get_affine_coordinates(e->group, p, bx, NULL, e->bn) != 1 ||
        BN_bn2binpad(bx, x, N) != N)
        return MCSEC_ERR_CRYPTO;
    return MCSEC_OK;
}

/* The uncompressed encoding of the P-256 base point G, hashed into HS. */
static const uint8_t g_bytes[65] = {
    0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5, 0x63, 0xa4, 0x40,
    0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2,
    0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e,
    0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51,
    0xf5,
};

/* SHA-256 over up to four parts. */
static mcsec_err sha256_parts(uint8_t out[32], const uint8_t *p0, size_t l0, const uint8_t *p1,
                              size_t l1, const uint8_t *p2, size_t l2, const uint8_t *p3, size_t l3)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int olen = 0;
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
             (l0 == 0 || EVP_DigestUpdate(c, p0, l0) == 1) &&
             (l1 == 0 || EVP_DigestUpdate(c, p1, l1) == 1) &&
             (l2 == 0 || EVP_DigestUpdate(c, p2, l2) == 1) &&
             (l3 == 0 || EVP_DigestUpdate(c, p3, l3) == 1) &&
             EVP_DigestFinal_ex(c, out, &olen) == 1 && olen == 32;
    EVP_MD_CTX_free(c);
    return ok ? MCSEC_OK : MCSEC_ERR_CRYPTO;
}

mcsec_err mcsec_eccsi_hs(uint8_t hs[32], const uint8_t kpak[65], const uint8_t *id, size_t id_len,
                         const uint8_t pvt[65])
{
    if (!hs || !kpak || !pvt || (!id && id_len))
        return MCSEC_ERR_ARG;
    /* RFC 6507 §5.1.1 step 3: HS = hash( G || KPAK || ID || PVT ) */
    return sha256_parts(hs, g_bytes, 65, kpak, 65, id, id_len, pvt, 65);
}

/* Draws a scalar uniform in [1, q-1] by rejection sampling 32-octet strings. */
static mcsec_err random_scalar(uint8_t out[N], const mcsec_rng *rng)
{
    if (!rng)
        rng = mcsec_rng_default();
    for (int tries = 0; tries < 64; tries++) {
        sc256 k;
        if (rng->fill(rng->ctx, out, N) != 0) {
            mcsec_wipe(out, N);
            return MCSEC_ERR_RNG;
        }
        sc256_from_be(&k, out);
        /* The accept/reject decision reveals only that a rejected candidate was
         * out of range, which says nothing about the accepted one. */
        uint64_t ok = sc256_in_range_mask(&k);
        sc256_wipe(&k);
        if (ok)
            return MCSEC_OK;
    }
    mcsec_wipe(out, N);
    return MCSEC_ERR_RNG; /* probability 2^-2048 with a working RNG */
}

mcsec_err mcsec_eccsi_kms_public(uint8_t kpak[65], const uint8_t ksak[N])
{
    if (!kpak || !ksak)
        return MCSEC_ERR_ARG;
    sc256 k;
    sc256_from_be(&k, ksak);
    uint64_t ok = sc256_in_range_mask(&k);
    sc256_wipe(&k);
    if (!ok)
        return MCSEC_ERR_SCALAR;
    eccsi_env e;
    mcsec_err err = env_init(&e);
    if (err)
        return err;
    EC_POINT *p = NULL;
    err = mul_base(&p, &e, ksak); /* RFC 6507 §4.2: KPAK = [KSAK]G */
    if (!err)
        err = point_encode(kpak, &e, p);
    EC_POINT_free(p);
    env_free(&e);
    return err;
}

mcsec_err mcsec_eccsi_kms_keygen(uint8_t ksak[N], uint8_t kpak[65], const mcsec_rng *rng)
{
    if (!ksak || !kpak)
        return MCSEC_ERR_ARG;
    mcsec_err err = random_scalar(ksak, rng);
    if (!err)
        err = mcsec_eccsi_kms_public(kpak, ksak);
    if (err)
        mcsec_wipe(ksak, N);
    return err;
}

mcsec_err mcsec_eccsi_kms_issue(uint8_t ssk[N], uint8_t pvt[65], uint8_t hs[32], const uint8_t ksak[N],
                                const uint8_t *id, size_t id_len, const mcsec_rng *rng)
{
    if (!ssk || !pvt || !ksak || (!id && id_len))
        return MCSEC_ERR_ARG;
    uint8_t kpak[65], v[N], hsb[32];
    sc256 k, vs, h, s;
    mcsec_err err = mcsec_eccsi_kms_public(kpak, ksak);
    if (err)
        return err;
    eccsi_env e;
    err = env_init(&e);
    if (err)
        return err;
    sc256_from_be(&k, ksak);
    for (int tries = 0; tries < 16; tries++) {
        EC_POINT *pv = NULL;
        /* RFC 6507 §5.1.1 steps 1-2: random v, PVT = [v]G */
        err = random_scalar(v, rng);
        if (!err)
            err = mul_base(&pv, &e, v);
        if (!err)
            err = point_encode(pvt, &e, pv);
        EC_POINT_free(pv);
        if (!err)
            err = mcsec_eccsi_hs(hsb, kpak, id, id_len, pvt); /* step 3 */
        if (err)
            break;
        /* step 4: SSK = (KSAK + HS * v) mod q */
        sc256_from_be(&h, hsb);
        sc256_reduce(&h);
        sc256_from_be(&vs, v);
        sc256_mul(&s, &h, &vs);
        sc256_add(&s, &s, &k);
        /* step 5: retry on SSK = 0 or HS = 0 mod q (probability ~2^-255; the
         * event is public in that the retry is visible, the values are not) */
        if (sc256_is_zero_mask(&s) | sc256_is_zero_mask(&h)) {
            err = MCSEC_ERR_INTERNAL;
            continue;
        }
        sc256_to_be(ssk, &s);
        if (hs)
            memcpy(hs, hsb, 32);
        err = MCSEC_OK;
        break;
    }
    sc256_wipe(&k);
    sc256_wipe(&vs);
    sc256_wipe(&s);
    mcsec_wipe(v, sizeof v);
    env_free(&e);
    if (err) {
        mcsec_wipe(ssk, N);
        memset(pvt, 0, 65);
        if (hs)
            memset(hs, 0, 32);
    }
    return err;
}

mcsec_err mcsec_eccsi_key_init(mcsec_eccsi_key *key, const uint8_t kpak[65], const uint8_t *id,
                               size_t id_len, const uint8_t ssk[N], const uint8_t pvt[65])
{
    if (!key)
        return MCSEC_ERR_ARG;
    memset(key, 0, sizeof *key);
    if (!kpak || !ssk || !pvt || (!id && id_len))
        return MCSEC_ERR_ARG;
    sc256 s;
    sc256_from_be(&s, ssk);
    uint64_t in_range = sc256_in_range_mask(&s);
    sc256_wipe(&s);
    if (!in_range)
        return MCSEC_ERR_SCALAR;

    eccsi_env e;
    mcsec_err err = env_init(&e);
    if (err)
        return err;
    EC_POINT *P = NULL, *K = NULL, *L = NULL, *R = EC_POINT_new(e.group);
    BIGNUM *bh = BN_CTX_get(e.bn);
    uint8_t hs[32];
    /* RFC 6507 §5.1.2 step 1: PVT must be a point on the curve */
    err = R && bh ? MCSEC_OK : MCSEC_ERR_NOMEM;
    if (!err)
        err = point_decode(&P, &e, pvt);
    if (!err)
        err = point_decode(&K, &e, kpak);
    if (!err)
        err = mcsec_eccsi_hs(hs, kpak, id, id_len, pvt); /* step 2 */
    /* step 3: KPAK == [SSK]G - [HS]PVT, checked as [SSK]G == KPAK + [HS]PVT so
     * that the secret SSK only meets the constant-time generator path. */
    if (!err)
        err = mul_base(&L, &e, ssk);
    if (!err && (!BN_bin2bn(hs, 32, bh) || EC_POINT_mul(e.group, R, NULL, P, bh, e.bn) != 1 ||
                 EC_POINT_add(e.group, R, R, K, e.bn) != 1))
        err = MCSEC_ERR_CRYPTO;
    if (!err) {
        int cmp = EC_POINT_cmp(e.group, L, R, e.bn);
        if (cmp < 0)
            err = MCSEC_ERR_CRYPTO;
        else if (cmp != 0)
            err = MCSEC_ERR_KEY_INVALID;
    }
    if (!err) {
        memcpy(key->ssk, ssk, N);
        memcpy(key->pvt, pvt, 65);
        memcpy(key->hs, hs, 32);
    }
    EC_POINT_clear_free(L);
    EC_POINT_free(P);
    EC_POINT_free(K);
    EC_POINT_free(R);
    env_free(&e);
    return err;
}

void mcsec_eccsi_key_wipe(mcsec_eccsi_key *key)
{
    if (key)
        mcsec_wipe(key, sizeof *key);
}

mcsec_err mcsec_eccsi_sign(uint8_t sig[129], const mcsec_eccsi_key *key, const uint8_t *msg,
                           size_t msg_len, const mcsec_rng *rng)
{
    if (!sig || !key || (!msg && msg_len))
        return MCSEC_ERR_ARG;
    eccsi_env e;
    mcsec_err err = env_init(&e);
    if (err)
        return err;
    uint8_t j[N], r[N], he[32];
    sc256 js, rs, hes, ssk, t;
    sc256_from_be(&ssk, key->ssk);
    for (int tries = 0; tries < 16; tries++) {
        EC_POINT *J = NULL;
        /* RFC 6507 §5.2.1 steps 1-2: random j, J = [j]G, r = Jx */
        err = random_scalar(j, rng);
        if (!err)
            err = mul_base(&J, &e, j);
        if (!err)
            err = point_x(r, &e, J);
        EC_POINT_clear_free(J);
        /* step 3: HE = hash( HS || r || M ) */
        if (!err)
            err = sha256_parts(he, key->hs, 32, r, N, msg, msg_len, NULL, 0);
        if (err)
            break;
        /* step 4: t = HE + r * SSK mod q, must be non-zero. r < p < 2q and
         * HE < 2^256 < 2q, so one conditional subtraction reduces each. */
        sc256_from_be(&hes, he);
        sc256_reduce(&hes);
        sc256_from_be(&rs, r);
        sc256_reduce(&rs);
        sc256_mul(&t, &rs, &ssk);
        sc256_add(&t, &t, &hes);
        if (sc256_is_zero_mask(&t)) {
            err = MCSEC_ERR_INTERNAL;
            continue;
        }
        /* step 5: s' = (HE + r*SSK)^-1 * j mod q. Step 6 (s = q - s' when s'
         * overflows N octets) cannot trigger: q < 2^256. */
        sc256_inv(&t, &t);
        sc256_from_be(&js, j);
        sc256_mul(&t, &t, &js);
        memcpy(sig, r, N);
        sc256_to_be(sig + N, &t);
        memcpy(sig + 2 * N, key->pvt, 65); /* step 7: r || s || PVT */
        err = MCSEC_OK;
        break;
    }
    sc256_wipe(&js);
    sc256_wipe(&ssk);
    sc256_wipe(&t);
    mcsec_wipe(j, sizeof j);
    env_free(&e);
    if (err)
        memset(sig, 0, 129);
    return err;
}

/* RFC 6507 §5.2.2 for kpak (its encoding, hashed into HS) and, when kg is
 * not NULL, a P-256 group whose generator is KPAK with precomputed
 * multiples (an mcsec_eccsi_verifier's). */
static mcsec_err verify_core(const uint8_t kpak[65], const EC_GROUP *kg, const uint8_t *id, size_t id_len,
                             const uint8_t *msg, size_t msg_len, const uint8_t sig[129])
{
    const uint8_t *r = sig, *s = sig + N, *pvt = sig + 2 * N;
    sc256 rs, ss, hs_s, he_s, a, b, c;
    /* RFC 6507 §5.2.2 step 1 hardening: r, s in [1, q-1] before any arithmetic */
    sc256_from_be(&rs, r);
    sc256_from_be(&ss, s);
    if (!sc256_in_range_mask(&rs) || !sc256_in_range_mask(&ss))
        return MCSEC_ERR_SCALAR;

    eccsi_env e;
    mcsec_err err = env_init(&e);
    if (err)
        return err;
    EC_POINT *P = NULL, *K = NULL, *J = EC_POINT_new(e.group), *JK = kg ? EC_POINT_new(kg) : NULL;
    BIGNUM *ba = BN_CTX_get(e.bn), *bb = BN_CTX_get(e.bn), *bc = BN_CTX_get(e.bn);
    uint8_t hs[32], he[32], buf[N];
    err = J && bc && (JK || !kg) ? MCSEC_OK : MCSEC_ERR_NOMEM;
    if (!err)
        err = point_decode(&P, &e, pvt); /* step 1: PVT on the curve */
    if (!err && !kg)
        err = point_decode(&K, &e, kpak);
    if (!err)
        err = mcsec_eccsi_hs(hs, kpak, id, id_len, pvt);      /* step 2 */
    if (!err)
        err = sha256_parts(he, hs, 32, r, N, msg, msg_len, NULL, 0); /* step 3 */
    if (!err) {
        /* steps 4-5: J = [s]([HE]G + [r]([HS]PVT + KPAK))
         *              = [s·HE]G + [s·r·HS]PVT + [s·r]KPAK
         * in one simultaneous multiplication (all points have prime order q),
         * or with a verifier [s·HE]G + [s·r·HS]PVT and [s·r]KPAK from KPAK's
         * own table. */
        sc256_from_be(&hs_s, hs);
        sc256_reduce(&hs_s);
        sc256_from_be(&he_s, he);
        sc256_reduce(&he_s);
        sc256_mul(&a, &ss, &he_s);
        sc256_mul(&b, &ss, &rs);
        sc256_mul(&c, &b, &hs_s);
        sc256_to_be(buf, &a);
        int ok = BN_bin2bn(buf, N, ba) != NULL;
        sc256_to_be(buf, &b);
        ok = ok && BN_bin2bn(buf, N, bb) != NULL;
        sc256_to_be(buf, &c);
        ok = ok && BN_bin2bn(buf, N, bc) != NULL;
        if (ok && kg) {
            ok = EC_POINT_mul(e.group, J, ba, P, bc, e.bn) == 1 && EC_POINT_mul(kg, JK, bb, NULL, NULL, e.bn) == 1 &&
                 EC_POINT_add(e.group, J, J, JK, e.bn) == 1;
        } else if (ok) {
            const EC_POINT *pts[2] = { P, K };
            const BIGNUM *ks[2] = { bc, bb };
            ok = EC_POINTs_mul(e.group, J, ba, 2, pts, ks, e.bn) == 1;
        }
        if (!ok)
            err = MCSEC_ERR_CRYPTO;
    }
    /* step 6: accept iff J is not the point at infinity and Jx = r */
    if (!err && EC_POINT_is_at_infinity(e.group, J))
        err = MCSEC_ERR_VERIFY;
    if (!err)
        err = point_x(buf, &e, J);
    if (!err && memcmp(buf, r, N) != 0)
        err = MCSEC_ERR_VERIFY;
    EC_POINT_free(P);
    EC_POINT_free(K);
    EC_POINT_free(J);
    EC_POINT_free(JK);
    env_free(&e);
    return err;
}

mcsec_err mcsec_eccsi_verify(const uint8_t kpak[65], const uint8_t *id, size_t id_len,
                             const uint8_t *msg, size_t msg_len, const uint8_t sig[129])
{
    if (!kpak || !sig || (!id && id_len) || (!msg && msg_len))
        return MCSEC_ERR_ARG;
    return verify_core(kpak, NULL, id, id_len, msg, msg_len, sig);
}

struct mcsec_eccsi_verifier {
    uint8_t kpak[65];
    EC_GROUP *kg; /* P-256 with generator KPAK, multiples precomputed */
};

mcsec_err mcsec_eccsi_verifier_new(mcsec_eccsi_verifier **out, const uint8_t kpak[65])
{
    if (!out)
        return MCSEC_ERR_ARG;
    *out = NULL;
    if (!kpak)
        return MCSEC_ERR_ARG;
    eccsi_env e;
    mcsec_err err = env_init(&e);
    if (err)
        return err;
    EC_POINT *K = NULL;
    mcsec_eccsi_verifier *v = OPENSSL_zalloc(sizeof *v);
    BIGNUM *order = BN_CTX_get(e.bn);
    err = v && order ? MCSEC_OK : MCSEC_ERR_NOMEM;
    if (!err)
        err = point_decode(&K, &e, kpak);
    if (!err) {
        /* KPAK has order q like every point of P-256 but O (cofactor 1) */
        v->kg = EC_GROUP_dup(e.group);
        if (!v->kg || EC_GROUP_get_order(e.group, order, e.bn) != 1 ||
            EC_GROUP_set_generator(v->kg, K, order, BN_value_one()) != 1 ||
            EC_GROUP_precompute_mult(v->kg, e.bn) != 1)
            err = MCSEC_ERR_CRYPTO;
    }
    EC_POINT_free(K);
    env_free(&e);
    if (err) {
        mcsec_eccsi_verifier_free(v);
        return err;
    }
    memcpy(v->kpak, kpak, 65);
    *out = v;
    return MCSEC_OK;
}

void mcsec_eccsi_verifier_free(mcsec_eccsi_verifier *v)
{
    if (v) {
        EC_GROUP_free(v->kg);
        OPENSSL_free(v);
    }
}

mcsec_err mcsec_eccsi_verify_prepared(const mcsec_eccsi_verifier *v, const uint8_t *id, size_t id_len,
                                      const uint8_t *msg, size_t msg_len, const uint8_t sig[129])
{
    if (!v || !sig || (!id && id_len) || (!msg && msg_len))
        return MCSEC_ERR_ARG;
    return verify_core(v->kpak, v->kg, id, id_len, msg, msg_len, sig);
}
