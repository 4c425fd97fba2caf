/* ECCSI cross-check against libwolfssl, an independent implementation, both
 * ways: keys issued by either validate in the other, signatures made by
 * either verify in the other. Negative cases are decided by mcsec only: the
 * Debian build of wolfSSL 5.5.4 accepts r = s = 0, and verifying with the key
 * object used for signing corrupts its SSK, so every wolfSSL operation below
 * uses a fresh key object. */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/eccsi.h>
#include <wolfssl/wolfcrypt/random.h>

#include <string.h>

#include "mcsec/eccsi.h"
#include "testutil.h"

static WC_RNG wrng;

static int wolf_validate(const uint8_t kpak[65], const uint8_t *id, size_t id_len,
                         const uint8_t ssk[32], const uint8_t pvt[65])
{
    EccsiKey k;
    mp_int s;
    ecc_point *p = NULL;
    int valid = 0, ok;
    ok = wc_InitEccsiKey(&k, NULL, INVALID_DEVID) == 0;
    ok = ok && mp_init(&s) == 0 && (p = wc_ecc_new_point()) != NULL;
    ok = ok && wc_ImportEccsiPublicKey(&k, kpak, 65, 1) == 0;
    ok = ok && wc_DecodeEccsiSsk(&k, ssk, 32, &s) == 0;
    ok = ok && wc_DecodeEccsiPvt(&k, pvt, 65, p) == 0;
    ok = ok && wc_ValidateEccsiPair(&k, WC_HASH_TYPE_SHA256, id, (word32)id_len, &s, p, &valid) == 0;
    mp_forcezero(&s);
    wc_ecc_del_point(p);
    wc_FreeEccsiKey(&k);
    return ok && valid;
}

static int wolf_verify(const uint8_t kpak[65], const uint8_t *id, size_t id_len, const uint8_t *msg,
                       size_t msg_len, const uint8_t sig[129])
{
    EccsiKey k;
    ecc_point *p = NULL;
    byte hash[WC_MAX_DIGEST_SIZE];
    byte hash_sz = sizeof hash;
    int verified = 0, ok;
    ok = wc_InitEccsiKey(&k, NULL, INVALID_DEVID) == 0 && (p = wc_ecc_new_point()) != NULL;
    ok = ok && wc_ImportEccsiPublicKey(&k, kpak, 65, 1) == 0;
    ok = ok && wc_DecodeEccsiPvtFromSig(&k, sig, 129, p) == 0;
    ok = ok && wc_HashEccsiId(&k, WC_HASH_TYPE_SHA256, id, (word32)id_len, p, hash, &hash_sz) == 0;
    ok = ok && wc_SetEccsiHash(&k, hash, hash_sz) == 0;
    ok = ok && wc_VerifyEccsiHash(&k, WC_HASH_TYPE_SHA256, msg, (word32)msg_len, sig, 129, &verified) == 0;
    wc_ecc_del_point(p);
    wc_FreeEccsiKey(&k);
    return ok && verified;
}

static int wolf_sign(uint8_t sig[129], const uint8_t kpak[65], const uint8_t *id, size_t id_len,
                     const uint8_t ssk[32], const uint8_t pvt[65], const uint8_t *msg, size_t msg_len)
{
    EccsiKey k;
    mp_int s;
    ecc_point *p = NULL;
    byte hash[WC_MAX_DIGEST_SIZE];
    byte hash_sz = sizeof hash;
    word32 sig_sz = 129;
    int ok;
    ok = wc_InitEccsiKey(&k, NULL, INVALID_DEVID) == 0;
    ok = ok && mp_init(&s) == 0 && (p = wc_ecc_new_point()) != NULL;
    ok = ok && wc_ImportEccsiPublicKey(&k, kpak, 65, 1) == 0;
    ok = ok && wc_DecodeEccsiSsk(&k, ssk, 32, &s) == 0 && wc_DecodeEccsiPvt(&k, pvt, 65, p) == 0;
    ok = ok && wc_HashEccsiId(&k, WC_HASH_TYPE_SHA256, id, (word32)id_len, p, hash, &hash_sz) == 0;
    ok = ok && wc_SetEccsiHash(&k, hash, hash_sz) == 0 && wc_SetEccsiPair(&k, &s, p) == 0;
    ok = ok && wc_SignEccsiHash(&k, &wrng, WC_HASH_TYPE_SHA256, msg, (word32)msg_len, sig, &sig_sz) == 0;
    mp_forcezero(&s);
    wc_ecc_del_point(p);
    wc_FreeEccsiKey(&k);
    return ok && sig_sz == 129;
}

/* wolfSSL as the KMS: returns KSAK, KPAK and a (SSK, PVT) for id. */
static int wolf_kms(uint8_t ksak[32], uint8_t kpak[65], uint8_t ssk[32], uint8_t pvt[65],
                    const uint8_t *id, size_t id_len)
{
    EccsiKey k;
    mp_int s;
    ecc_point *p = NULL;
    word32 sz;
    int ok;
    ok = wc_InitEccsiKey(&k, NULL, INVALID_DEVID) == 0;
    ok = ok && mp_init(&s) == 0 && (p = wc_ecc_new_point()) != NULL;
    ok = ok && wc_MakeEccsiKey(&k, &wrng) == 0;
    sz = 32;
    ok = ok && wc_ExportEccsiPrivateKey(&k, ksak, &sz) == 0 && sz == 32;
    sz = 65;
    ok = ok && wc_ExportEccsiPublicKey(&k, kpak, &sz, 0) == 0 && sz == 65;
    ok = ok && wc_MakeEccsiPair(&k, &wrng, WC_HASH_TYPE_SHA256, id, (word32)id_len, &s, p) == 0;
    sz = 32;
    ok = ok && wc_EncodeEccsiSsk(&k, &s, ssk, &sz) == 0 && sz == 32;
    sz = 65;
    ok = ok && wc_EncodeEccsiPvt(&k, p, pvt, &sz, 0) == 0 && sz == 65;
    mp_forcezero(&s);
    wc_ecc_del_point(p);
    wc_FreeEccsiKey(&k);
    return ok;
}

int main(void)
{
    TU_CHECK(wc_InitRng(&wrng) == 0);
    for (int i = 0; i < 16; i++) {
        uint8_t id[32], msg[64];
        size_t id_len = 32, msg_len = (size_t)(8 + i * 3);
        for (size_t b = 0; b < id_len; b++)
            id[b] = (uint8_t)(b * 13 + i);
        for (size_t b = 0; b < msg_len; b++)
            msg[b] = (uint8_t)(b + i * 5);

        /* mcsec KMS -> wolfSSL user */
        uint8_t ksak[32], kpak[65], ssk[32], pvt[65], sig[129];
        TU_CHECK_ERR(mcsec_eccsi_kms_keygen(ksak, kpak, NULL), MCSEC_OK);
        TU_CHECK_ERR(mcsec_eccsi_kms_issue(ssk, pvt, NULL, ksak, id, id_len, NULL), MCSEC_OK);
        TU_CHECK(wolf_validate(kpak, id, id_len, ssk, pvt));
        /* mcsec signs, wolfSSL verifies */
        mcsec_eccsi_key key;
        TU_CHECK_ERR(mcsec_eccsi_key_init(&key, kpak, id, id_len, ssk, pvt), MCSEC_OK);
        TU_CHECK_ERR(mcsec_eccsi_sign(sig, &key, msg, msg_len, NULL), MCSEC_OK);
        TU_CHECK(wolf_verify(kpak, id, id_len, msg, msg_len, sig));
        mcsec_eccsi_key_wipe(&key);
        /* wolfSSL signs with the mcsec-issued key, mcsec verifies */
        TU_CHECK(wolf_sign(sig, kpak, id, id_len, ssk, pvt, msg, msg_len));
        TU_CHECK_ERR(mcsec_eccsi_verify(kpak, id, id_len, msg, msg_len, sig), MCSEC_OK);
        sig[40] ^= 4;
        TU_CHECK_ERR(mcsec_eccsi_verify(kpak, id, id_len, msg, msg_len, sig), MCSEC_ERR_VERIFY);

        /* wolfSSL KMS -> mcsec user */
        uint8_t wksak[32], wkpak[65], wssk[32], wpvt[65], mkpak[65];
        TU_CHECK(wolf_kms(wksak, wkpak, wssk, wpvt, id, id_len));
        TU_CHECK_ERR(mcsec_eccsi_kms_public(mkpak, wksak), MCSEC_OK);
        TU_CHECK_MEM(mkpak, wkpak, 65);
        TU_CHECK_ERR(mcsec_eccsi_key_init(&key, wkpak, id, id_len, wssk, wpvt), MCSEC_OK);
        /* ... and the wrong identity is refused by mcsec */
        id[0] ^= 1;
        mcsec_eccsi_key other;
        TU_CHECK_ERR(mcsec_eccsi_key_init(&other, wkpak, id, id_len, wssk, wpvt), MCSEC_ERR_KEY_INVALID);
        id[0] ^= 1;
        /* wolfSSL signs with its own key, mcsec verifies; mcsec signs, wolfSSL verifies */
        TU_CHECK(wolf_sign(sig, wkpak, id, id_len, wssk, wpvt, msg, msg_len));
        TU_CHECK_ERR(mcsec_eccsi_verify(wkpak, id, id_len, msg, msg_len, sig), MCSEC_OK);
        mcsec_eccsi_verifier *ver = NULL;
        TU_CHECK_ERR(mcsec_eccsi_verifier_new(&ver, wkpak), MCSEC_OK);
        TU_CHECK_ERR(mcsec_eccsi_verify_prepared(ver, id, id_len, msg, msg_len, sig), MCSEC_OK);
        msg[0] ^= 1;
        TU_CHECK_ERR(mcsec_eccsi_verify(wkpak, id, id_len, msg, msg_len, sig), MCSEC_ERR_VERIFY);
        TU_CHECK_ERR(mcsec_eccsi_verify_prepared(ver, id, id_len, msg, msg_len, sig), MCSEC_ERR_VERIFY);
        mcsec_eccsi_verifier_free(ver);
        msg[0] ^= 1;
        TU_CHECK_ERR(mcsec_eccsi_sign(sig, &key, msg, msg_len, NULL), MCSEC_OK);
        TU_CHECK(wolf_verify(wkpak, id, id_len, msg, msg_len, sig));
        /* an mcsec-issued key under wolfSSL's KSAK validates in wolfSSL */
        TU_CHECK_ERR(mcsec_eccsi_kms_issue(ssk, pvt, NULL, wksak, id, id_len, NULL), MCSEC_OK);
        TU_CHECK(wolf_validate(wkpak, id, id_len, ssk, pvt));
        mcsec_eccsi_key_wipe(&key);
    }
    wc_FreeRng(&wrng);
    return tu_finish("test_eccsi_wolf");
}
