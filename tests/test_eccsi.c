/* ECCSI: RFC 6507 Appendix A from tests/vectors/eccsi_rfc6507.txt, round trips,
 * and rejection of every malformed or tampered input. */
#include <stdlib.h>
#include <string.h>

#include "mcsec/eccsi.h"
#include "testutil.h"

static uint8_t ksak[32], v[32], j[32], id[64], msg[64], kpak[65], pvt[65], hs[32], ssk[32], sig[129];
static size_t id_len, msg_len;

/* q and p of P-256, big-endian */
static const char *Q_HEX = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";
static const char *P_HEX = "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF";

/* mcsec_eccsi_verify() and mcsec_eccsi_verify_prepared() must agree on every
 * input: both run, the prepared one with a verifier for kpak (kept for the
 * last KPAK seen: building one costs ~15 ms). */
static mcsec_eccsi_verifier *cached;
static uint8_t cached_kpak[65];

static mcsec_err verify_both(const uint8_t *kp, const uint8_t *i, size_t il, const uint8_t *m, size_t ml,
                             const uint8_t *sg)
{
    mcsec_err e = mcsec_eccsi_verify(kp, i, il, m, ml, sg);
    if (kp == NULL) {
        mcsec_eccsi_verifier *none = NULL;
        TU_CHECK_ERR(mcsec_eccsi_verifier_new(&none, kp), MCSEC_ERR_ARG);
        TU_CHECK(none == NULL);
        TU_CHECK_ERR(mcsec_eccsi_verify_prepared(NULL, i, il, m, ml, sg), MCSEC_ERR_ARG);
        return e;
    }
    if (cached == NULL || memcmp(cached_kpak, kp, 65) != 0) {
        mcsec_eccsi_verifier_free(cached);
        cached = NULL;
        mcsec_err ev = mcsec_eccsi_verifier_new(&cached, kp);
        if (ev != MCSEC_OK) { /* a malformed KPAK */
            TU_CHECK_ERR(ev, MCSEC_ERR_POINT);
            TU_CHECK(cached == NULL);
            TU_CHECK(e == MCSEC_ERR_POINT || e == MCSEC_ERR_SCALAR || e == MCSEC_ERR_ARG);
            return e;
        }
        memcpy(cached_kpak, kp, 65);
    }
    TU_CHECK_ERR(mcsec_eccsi_verify_prepared(cached, i, il, m, ml, sg), e);
    return e;
}

static void load_vector(void)
{
    tu_vectors *tv = tu_vectors_load("eccsi_rfc6507.txt");
    size_t s = tu_vectors_find(tv, "rfc6507-appendix-a");
    tu_vectors_hex(tv, s, "ksak", ksak, 32);
    tu_vectors_hex(tv, s, "v", v, 32);
    tu_vectors_hex(tv, s, "j", j, 32);
    id_len = tu_vectors_hex(tv, s, "id", id, sizeof id);
    msg_len = tu_vectors_hex(tv, s, "msg", msg, sizeof msg);
    tu_vectors_hex(tv, s, "kpak", kpak, 65);
    tu_vectors_hex(tv, s, "pvt", pvt, 65);
    tu_vectors_hex(tv, s, "hs", hs, 32);
    tu_vectors_hex(tv, s, "ssk", ssk, 32);
    TU_CHECK(tu_vectors_hex(tv, s, "sig", sig, 129) == 129);
    tu_vectors_free(tv);
}

static void test_rfc_vector(void)
{
    uint8_t out_ksak[32], out_kpak[65], out_ssk[32], out_pvt[65], out_hs[32], out_sig[129];
    tu_fixed_rng r1 = { .chunks = { ksak }, .lens = { 32 }, .count = 1 };
    mcsec_rng rng1 = { tu_fixed_rng_fill, &r1 };
    TU_CHECK_ERR(mcsec_eccsi_kms_keygen(out_ksak, out_kpak, &rng1), MCSEC_OK);
    TU_CHECK_MEM(out_ksak, ksak, 32);
    TU_CHECK_MEM(out_kpak, kpak, 65);

    tu_fixed_rng r2 = { .chunks = { v }, .lens = { 32 }, .count = 1 };
    mcsec_rng rng2 = { tu_fixed_rng_fill, &r2 };
    TU_CHECK_ERR(mcsec_eccsi_kms_issue(out_ssk, out_pvt, out_hs, ksak, id, id_len, &rng2), MCSEC_OK);
    TU_CHECK_MEM(out_pvt, pvt, 65);
    TU_CHECK_MEM(out_hs, hs, 32);
    TU_CHECK_MEM(out_ssk, ssk, 32);

    TU_CHECK_ERR(mcsec_eccsi_hs(out_hs, kpak, id, id_len, pvt), MCSEC_OK);
    TU_CHECK_MEM(out_hs, hs, 32);

    mcsec_eccsi_key key;
    TU_CHECK_ERR(mcsec_eccsi_key_init(&key, kpak, id, id_len, ssk, pvt), MCSEC_OK);
    TU_CHECK_MEM(key.hs, hs, 32);

    tu_fixed_rng r3 = { .chunks = { j }, .lens = { 32 }, .count = 1 };
    mcsec_rng rng3 = { tu_fixed_rng_fill, &r3 };
    TU_CHECK_ERR(mcsec_eccsi_sign(out_sig, &key, msg, msg_len, &rng3), MCSEC_OK);
    TU_CHECK_MEM(out_sig, sig, 129);
    TU_CHECK_ERR(verify_both(kpak, id, id_len, msg, msg_len, sig), MCSEC_OK);
    mcsec_eccsi_key_wipe(&key);
    TU_CHECK(tu_all_zero(&key, sizeof key));
}

static void test_tampering(void)
{
    uint8_t bad[129], m[64], other_id[64], t[65];
    /* every single-bit flip of the signature (r, s, PVT) is rejected */
    for (size_t bit = 0; bit < 129 * 8; bit++) {
        memcpy(bad, sig, 129);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        mcsec_err e = verify_both(kpak, id, id_len, msg, msg_len, bad);
        if (e == MCSEC_OK) {
            TU_CHECK(!"bit flip in signature accepted");
            fprintf(stderr, "  bit %zu\n", bit);
        }
    }
    TU_CHECK(1);
    /* every single-bit flip of the message */
    for (size_t bit = 0; bit < msg_len * 8; bit++) {
        memcpy(m, msg, msg_len);
        m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        TU_CHECK_ERR(verify_both(kpak, id, id_len, m, msg_len, sig), MCSEC_ERR_VERIFY);
    }
    /* truncated / extended message */
    TU_CHECK_ERR(verify_both(kpak, id, id_len, msg, msg_len - 1, sig), MCSEC_ERR_VERIFY);
    memcpy(m, msg, msg_len);
    m[msg_len] = 0;
    TU_CHECK_ERR(verify_both(kpak, id, id_len, m, msg_len + 1, sig), MCSEC_ERR_VERIFY);
    /* wrong identity: "2011-03" instead of "2011-02" */
    memcpy(other_id, id, id_len);
    other_id[6] = '3';
    TU_CHECK_ERR(verify_both(kpak, other_id, id_len, msg, msg_len, sig), MCSEC_ERR_VERIFY);
    TU_CHECK_ERR(verify_both(kpak, id, id_len - 1, msg, msg_len, sig), MCSEC_ERR_VERIFY);
    /* KPAK of another KMS */
    uint8_t ksak2[32], kpak2[65];
    TU_CHECK_ERR(mcsec_eccsi_kms_keygen(ksak2, kpak2, NULL), MCSEC_OK);
    TU_CHECK_ERR(verify_both(kpak2, id, id_len, msg, msg_len, sig), MCSEC_ERR_VERIFY);

    /* r or s = 0, = q, > q, all-ones */
    uint8_t q[32], p[32];
    tu_unhex(q, 32, Q_HEX);
    tu_unhex(p, 32, P_HEX);
    const uint8_t zero[32] = { 0 };
    uint8_t ones[32];
    memset(ones, 0xff, 32);
    const uint8_t *bad_scalars[] = { zero, q, ones };
    for (size_t i = 0; i < 3; i++) {
        memcpy(bad, sig, 129);
        memcpy(bad, bad_scalars[i], 32);
        TU_CHECK_ERR(verify_both(kpak, id, id_len, msg, msg_len, bad), MCSEC_ERR_SCALAR);
        memcpy(bad, sig, 129);
        memcpy(bad + 32, bad_scalars[i], 32);
        TU_CHECK_ERR(verify_both(kpak, id, id_len, msg, msg_len, bad), MCSEC_ERR_SCALAR);
    }
    memset(bad, 0, 64); /* r = s = 0 with the real PVT: the wolfSSL 5.5.4 bug case */
    memcpy(bad + 64, pvt, 65);
    TU_CHECK_ERR(verify_both(kpak, id, id_len, msg, msg_len, bad), MCSEC_ERR_SCALAR);

    /* PVT: compressed prefix, off the curve, x = p, all zeros */
    memcpy(bad, sig, 129);
    bad[64] = 0x02;
    TU_CHECK_ERR(verify_both(kpak, id, id_len, msg, msg_len, bad), MCSEC_ERR_POINT);
    memcpy(bad, sig, 129);
    bad[128] ^= 1;
    TU_CHECK_ERR(verify_both(kpak, id, id_len, msg, msg_len, bad), MCSEC_ERR_POINT);
    memcpy(bad, sig, 129);
    memcpy(bad + 65, p, 32);
    TU_CHECK_ERR(verify_both(kpak, id, id_len, msg, msg_len, bad), MCSEC_ERR_POINT);
    memcpy(bad, sig, 129);
    memset(bad + 64, 0, 65);
    bad[64] = 4;
    TU_CHECK_ERR(verify_both(kpak, id, id_len, msg, msg_len, bad), MCSEC_ERR_POINT);
    /* a malformed KPAK */
    memcpy(t, kpak, 65);
    t[64] ^= 1;
    TU_CHECK_ERR(verify_both(t, id, id_len, msg, msg_len, sig), MCSEC_ERR_POINT);

    /* key validation: wrong KPAK, wrong identifier, altered SSK, bad SSK range, bad PVT */
    mcsec_eccsi_key key;
    uint8_t s2[32];
    TU_CHECK_ERR(mcsec_eccsi_key_init(&key, kpak2, id, id_len, ssk, pvt), MCSEC_ERR_KEY_INVALID);
    TU_CHECK(tu_all_zero(&key, sizeof key));
    TU_CHECK_ERR(mcsec_eccsi_key_init(&key, kpak, other_id, id_len, ssk, pvt), MCSEC_ERR_KEY_INVALID);
    memcpy(s2, ssk, 32);
    s2[31] ^= 1;
    TU_CHECK_ERR(mcsec_eccsi_key_init(&key, kpak, id, id_len, s2, pvt), MCSEC_ERR_KEY_INVALID);
    TU_CHECK_ERR(mcsec_eccsi_key_init(&key, kpak, id, id_len, zero, pvt), MCSEC_ERR_SCALAR);
    TU_CHECK_ERR(mcsec_eccsi_key_init(&key, kpak, id, id_len, q, pvt), MCSEC_ERR_SCALAR);
    memcpy(t, pvt, 65);
    t[40] ^= 0x10;
    TU_CHECK_ERR(mcsec_eccsi_key_init(&key, kpak, id, id_len, ssk, t), MCSEC_ERR_POINT);
    TU_CHECK_ERR(mcsec_eccsi_key_init(&key, t, id, id_len, ssk, pvt), MCSEC_ERR_POINT);

    /* KMS: KSAK out of range */
    uint8_t o_ssk[32], o_pvt[65];
    TU_CHECK_ERR(mcsec_eccsi_kms_public(t, zero), MCSEC_ERR_SCALAR);
    TU_CHECK_ERR(mcsec_eccsi_kms_public(t, q), MCSEC_ERR_SCALAR);
    TU_CHECK_ERR(mcsec_eccsi_kms_issue(o_ssk, o_pvt, NULL, q, id, id_len, NULL), MCSEC_ERR_SCALAR);
}

static void test_round_trips(void)
{
    for (int i = 0; i < 24; i++) {
        uint8_t k[32], kp[65], s[32], pv[65], h[32], uid[64], m[100], sg[129];
        size_t ul = (size_t)(i % 3 == 0 ? 32 : i), ml = (size_t)(i * 4);
        TU_CHECK_ERR(mcsec_eccsi_kms_keygen(k, kp, NULL), MCSEC_OK);
        for (size_t b = 0; b < ul; b++)
            uid[b] = (uint8_t)(b * 7 + i);
        for (size_t b = 0; b < ml; b++)
            m[b] = (uint8_t)(b ^ i);
        TU_CHECK_ERR(mcsec_eccsi_kms_issue(s, pv, h, k, uid, ul, NULL), MCSEC_OK);
        mcsec_eccsi_key key;
        TU_CHECK_ERR(mcsec_eccsi_key_init(&key, kp, uid, ul, s, pv), MCSEC_OK);
        TU_CHECK_MEM(key.hs, h, 32);
        TU_CHECK_ERR(mcsec_eccsi_sign(sg, &key, ml ? m : NULL, ml, NULL), MCSEC_OK);
        TU_CHECK_ERR(verify_both(kp, uid, ul, ml ? m : NULL, ml, sg), MCSEC_OK);
        /* a second signature differs (fresh j) and verifies too */
        uint8_t sg2[129];
        TU_CHECK_ERR(mcsec_eccsi_sign(sg2, &key, m, ml, NULL), MCSEC_OK);
        TU_CHECK(memcmp(sg, sg2, 64) != 0);
        TU_CHECK_ERR(verify_both(kp, uid, ul, m, ml, sg2), MCSEC_OK);
        /* the signature of one identity does not verify for another */
        if (ul > 0) {
            uid[0] ^= 0x80;
            TU_CHECK_ERR(verify_both(kp, uid, ul, m, ml, sg), MCSEC_ERR_VERIFY);
        }
        mcsec_eccsi_key_wipe(&key);
    }
}

static int failing_fill(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return -1;
}

static int high_fill(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    memset(buf, 0xff, len); /* always >= q: rejection sampling must give up */
    return 0;
}

static void test_errors(void)
{
    uint8_t k[32], kp[65], s[32], pv[65], sg[129];
    mcsec_rng bad = { failing_fill, NULL }, high = { high_fill, NULL };
    TU_CHECK_ERR(mcsec_eccsi_kms_keygen(k, kp, &bad), MCSEC_ERR_RNG);
    TU_CHECK(tu_all_zero(k, 32));
    TU_CHECK_ERR(mcsec_eccsi_kms_keygen(k, kp, &high), MCSEC_ERR_RNG);
    TU_CHECK_ERR(mcsec_eccsi_kms_issue(s, pv, NULL, ksak, id, id_len, &bad), MCSEC_ERR_RNG);
    TU_CHECK(tu_all_zero(s, 32));
    mcsec_eccsi_key key;
    TU_CHECK_ERR(mcsec_eccsi_key_init(&key, kpak, id, id_len, ssk, pvt), MCSEC_OK);
    TU_CHECK_ERR(mcsec_eccsi_sign(sg, &key, msg, msg_len, &bad), MCSEC_ERR_RNG);
    TU_CHECK(tu_all_zero(sg, 129));

    TU_CHECK_ERR(mcsec_eccsi_kms_keygen(NULL, kp, NULL), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_eccsi_kms_issue(s, pv, NULL, ksak, NULL, 3, NULL), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_eccsi_key_init(NULL, kpak, id, id_len, ssk, pvt), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_eccsi_sign(sg, NULL, msg, msg_len, NULL), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_eccsi_sign(sg, &key, NULL, 5, NULL), MCSEC_ERR_ARG);
    TU_CHECK_ERR(verify_both(kpak, id, id_len, NULL, 5, sig), MCSEC_ERR_ARG);
    TU_CHECK_ERR(verify_both(NULL, id, id_len, msg, msg_len, sig), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_eccsi_hs(NULL, kpak, id, id_len, pvt), MCSEC_ERR_ARG);
    mcsec_eccsi_key_wipe(&key);

    /* every error code has its own text */
    int codes[] = { 0, 1, 2, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49,
                    60, 80, 81, 82, 83, 84, 85, 100, 101 };
    for (size_t a = 0; a < sizeof codes / sizeof codes[0]; a++) {
        const char *sa = mcsec_strerror((mcsec_err)codes[a]);
        TU_CHECK(strcmp(sa, "unknown error") != 0);
        for (size_t b = a + 1; b < sizeof codes / sizeof codes[0]; b++)
            TU_CHECK(strcmp(sa, mcsec_strerror((mcsec_err)codes[b])) != 0);
    }
    TU_CHECK(strcmp(mcsec_strerror((mcsec_err)9999), "unknown error") == 0);
}

int main(void)
{
    load_vector();
    test_rfc_vector();
    test_tampering();
    test_round_trips();
    test_errors();
    mcsec_eccsi_verifier_free(cached);
    return tu_finish("test_eccsi");
}
