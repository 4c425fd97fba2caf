/* Interoperability of mcsec's SAKKE with libwolfssl's independent
 * implementation (wolfcrypt/sakke.c), both directions:
 *   - KMS: the same master secret gives the same Z_T and the same RSKs;
 *   - RSKs issued by wolfSSL validate in mcsec and vice versa;
 *   - encapsulation is deterministic, so both must produce identical SEDs;
 *     wolfSSL's SEDs decapsulate in mcsec and mcsec's in wolfSSL;
 *   - tampered R or H are rejected by mcsec (wolfSSL's verdict is never
 *     used as the truth for a negative case: Debian's 5.5.4 does not check
 *     that R is on the curve).
 * wolfSSL quirks handled here: any client operation on the key object that
 * holds the KMS secret overwrites it, so KMS and client use separate
 * objects; wc_MakeSakkeEncapsulatedSSV encrypts the SSV in place (it
 * becomes H) and returns only R as "auth"; points are 0x04 || x || y when
 * exported with raw = 0. */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/sakke.h>

#include <string.h>

#include "mcsec/sakke.h"
#include "testutil.h"

static mcsec_sakke_kms_params params;
static mcsec_sakke_rsk_key rkey;

static int all_zero(const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

/* wolfSSL client object for Z_T and identity id */
static int wolf_client(SakkeKey *c, const uint8_t zt[257], const uint8_t *id, size_t id_len)
{
    if (wc_InitSakkeKey_ex(c, 128, ECC_SAKKE_1, NULL, INVALID_DEVID) != 0)
        return -1;
    if (wc_ImportSakkePublicKey(c, zt, 257, 1) != 0)
        return -2;
    if (wc_SetSakkeIdentity(c, id, (word16)id_len) != 0)
        return -3;
    return 0;
}

int main(void)
{
    WC_RNG rng;
    SakkeKey kms;
    TU_CHECK(wc_InitRng(&rng) == 0);
    TU_CHECK(wc_InitSakkeKey_ex(&kms, 128, ECC_SAKKE_1, NULL, INVALID_DEVID) == 0);
    TU_CHECK(wc_MakeSakkeKey(&kms, &rng) == 0);

    /* the same master secret on both sides */
    uint8_t z[128], zt_w[257], zt_m[257];
    word32 sz = sizeof z;
    TU_CHECK(wc_ExportSakkePrivateKey(&kms, z, &sz) == 0 && sz == 128);
    sz = sizeof zt_w;
    TU_CHECK(wc_ExportSakkePublicKey(&kms, zt_w, &sz, 0) == 0 && sz == 257 && zt_w[0] == 4);
    TU_CHECK_ERR(mcsec_sakke_kms_public(zt_m, z), MCSEC_OK);
    TU_CHECK_MEM(zt_m, zt_w, 257);
    TU_CHECK_ERR(mcsec_sakke_kms_params_init(&params, zt_m), MCSEC_OK);

    for (int round = 0; round < 4; round++) {
        uint8_t id[64], ssv[16], h[16];
        size_t id_len = round == 0 ? 32 : (size_t)(8 + 13 * round);
        TU_CHECK(wc_RNG_GenerateBlock(&rng, id, (word32)id_len) == 0);
        TU_CHECK(wc_RNG_GenerateBlock(&rng, ssv, 16) == 0);

        /* RSK issued by wolfSSL, validated by mcsec; identical to mcsec's */
        ecc_point *rp = wc_ecc_new_point();
        uint8_t rsk_w[257], rsk_m[257];
        TU_CHECK(wc_MakeSakkeRsk(&kms, id, (word16)id_len, rp) == 0);
        sz = sizeof rsk_w;
        TU_CHECK(wc_EncodeSakkeRsk(&kms, rp, rsk_w, &sz, 0) == 0 && sz == 257);
        TU_CHECK_ERR(mcsec_sakke_validate_rsk(zt_m, id, id_len, rsk_w), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_kms_issue(rsk_m, z, id, id_len), MCSEC_OK);
        TU_CHECK_MEM(rsk_m, rsk_w, 257);

        /* mcsec's RSK validated by wolfSSL (separate client object) */
        SakkeKey cli;
        TU_CHECK(wolf_client(&cli, zt_m, id, id_len) == 0);
        ecc_point *mp = wc_ecc_new_point();
        TU_CHECK(wc_DecodeSakkeRsk(&cli, rsk_m, 257, mp) == 0);
        int valid = 0;
        TU_CHECK(wc_ValidateSakkeRsk(&cli, id, (word16)id_len, mp, &valid) == 0 && valid == 1);

        /* wolfSSL encapsulates; mcsec's SED is byte-identical and both decapsulate */
        uint8_t sed_w[273], sed_m[273], auth[300], out[16];
        word16 asz = sizeof auth;
        memcpy(h, ssv, 16);
        TU_CHECK(wc_MakeSakkeEncapsulatedSSV(&cli, WC_HASH_TYPE_SHA256, h, 16, auth, &asz) == 0);
        TU_CHECK(asz == 257);
        memcpy(sed_w, auth, 257);
        memcpy(sed_w + 257, h, 16);
        TU_CHECK_ERR(mcsec_sakke_encapsulate(sed_m, zt_m, id, id_len, ssv), MCSEC_OK);
        TU_CHECK_MEM(sed_m, sed_w, 273);
        TU_CHECK_ERR(mcsec_sakke_decapsulate(out, zt_m, id, id_len, rsk_w, sed_w), MCSEC_OK);
        TU_CHECK_MEM(out, ssv, 16);
        TU_CHECK_ERR(mcsec_sakke_rsk_key_init(&rkey, &params, id, id_len, rsk_w), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_decapsulate_key(out, &rkey, sed_w), MCSEC_OK);
        TU_CHECK_MEM(out, ssv, 16);

        /* mcsec encapsulates (with the precomputed KMS object), wolfSSL
         * decapsulates with the mcsec-issued RSK */
        uint8_t ssv2[16];
        TU_CHECK(wc_RNG_GenerateBlock(&rng, ssv2, 16) == 0);
        TU_CHECK_ERR(mcsec_sakke_encapsulate_params(sed_m, &params, id, id_len, ssv2), MCSEC_OK);
        TU_CHECK(wc_SetSakkeRsk(&cli, mp, NULL, 0) == 0);
        memcpy(out, sed_m + 257, 16);
        TU_CHECK(wc_DeriveSakkeSSV(&cli, WC_HASH_TYPE_SHA256, out, 16, sed_m, 257) == 0);
        TU_CHECK_MEM(out, ssv2, 16);

        /* tampering: only mcsec's verdict counts */
        uint8_t bad[273];
        memcpy(bad, sed_w, 273);
        bad[257 + round] ^= 0x01; /* H */
        TU_CHECK_ERR(mcsec_sakke_decapsulate(out, zt_m, id, id_len, rsk_w, bad), MCSEC_ERR_DECAP);
        TU_CHECK(all_zero(out, 16));
        TU_CHECK_ERR(mcsec_sakke_decapsulate_key(out, &rkey, bad), MCSEC_ERR_DECAP);
        TU_CHECK(all_zero(out, 16));
        memcpy(bad, sed_w, 273);
        bad[1 + 40 * round] ^= 0x01; /* Rx: off the curve */
        TU_CHECK_ERR(mcsec_sakke_decapsulate(out, zt_m, id, id_len, rsk_w, bad), MCSEC_ERR_POINT);
        TU_CHECK(all_zero(out, 16));
        memcpy(bad, sed_w, 273);
        bad[129 + 30 * round] ^= 0x80; /* Ry */
        TU_CHECK_ERR(mcsec_sakke_decapsulate_key(out, &rkey, bad), MCSEC_ERR_POINT);
        TU_CHECK(all_zero(out, 16));
        /* an RSK of another identity (issued by wolfSSL) does not validate */
        uint8_t id2[64];
        memcpy(id2, id, id_len);
        id2[0] ^= 0x55;
        TU_CHECK_ERR(mcsec_sakke_validate_rsk(zt_m, id2, id_len, rsk_w), MCSEC_ERR_KEY_INVALID);

        mcsec_sakke_rsk_key_wipe(&rkey);
        wc_ecc_del_point(rp);
        wc_ecc_del_point(mp);
        wc_FreeSakkeKey(&cli);
    }

    /* the reverse KMS direction: an mcsec master secret imported into
     * wolfSSL issues the same RSK */
    {
        uint8_t z2[128], zt2[257], rsk_m[257], rsk_w[257], id[32];
        memset(id, 0x42, sizeof id);
        TU_CHECK_ERR(mcsec_sakke_kms_keygen(z2, zt2, NULL), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_kms_issue(rsk_m, z2, id, sizeof id), MCSEC_OK);
        SakkeKey k2;
        TU_CHECK(wc_InitSakkeKey_ex(&k2, 128, ECC_SAKKE_1, NULL, INVALID_DEVID) == 0);
        TU_CHECK(wc_ImportSakkePrivateKey(&k2, z2, 128) == 0);
        ecc_point *rp = wc_ecc_new_point();
        TU_CHECK(wc_MakeSakkeRsk(&k2, id, sizeof id, rp) == 0);
        sz = sizeof rsk_w;
        TU_CHECK(wc_EncodeSakkeRsk(&k2, rp, rsk_w, &sz, 0) == 0 && sz == 257);
        TU_CHECK_MEM(rsk_w, rsk_m, 257);
        wc_ecc_del_point(rp);
        wc_FreeSakkeKey(&k2);
    }

    wc_FreeSakkeKey(&kms);
    wc_FreeRng(&rng);
    mcsec_sakke_kms_params_wipe(&params);
    return tu_finish("sakke_wolf");
}
