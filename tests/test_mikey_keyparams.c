/* TS 33.180 E.6 key parameters: the deployed GMK/CSK/PCK plaintexts of
 * mikey.md §8 reproduced (decrypting our payload independently with OpenSSL
 * under a DPCK computed here), round trips with text and groups, and rejection
 * of tampering, a wrong key, a wrong DPPK-ID and the legacy form unless asked. */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "mcsec/mikey.h"
#include "testutil.h"

static const uint8_t K[16] = { 0xFC, 0xFE, 0x65, 0xCD, 0x96, 0x7C, 0x58, 0xD2,
                               0x60, 0xB6, 0x03, 0xCC, 0xB9, 0xA8, 0x87, 0xA9 };

/* independent decryption: DPCK = HMAC-SHA-256(K, 53 || id || 0004)[16..32) */
static int reference_open(uint8_t *pt, const uint8_t *in, size_t len, uint32_t id)
{
    uint8_t s[7] = { 0x53, (uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id, 0, 4 };
    uint8_t h[32];
    unsigned hl;
    HMAC(EVP_sha256(), K, 16, s, 7, h, &hl);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, ctl = (int)len - 35 - 16;
    int ok = EVP_DecryptInit_ex(c, EVP_aes_128_gcm(), NULL, NULL, NULL) &&
             EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 16, NULL) &&
             EVP_DecryptInit_ex(c, NULL, NULL, h + 16, in + 12) && EVP_DecryptUpdate(c, NULL, &n, in, 32) &&
             EVP_DecryptUpdate(c, pt, &n, in + 35, ctl) &&
             EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, (void *)(in + 35 + ctl)) &&
             EVP_DecryptFinal_ex(c, pt + n, &n);
    EVP_CIPHER_CTX_free(c);
    return ok ? ctl : -1;
}

static void observed(uint8_t type, const char *hex)
{
    uint8_t want[64], out[256], pt[256];
    long wl = tu_unhex(want, sizeof want, hex);
    mcsec_mikey_key_params kp = { .key_type = type, .status = MCSEC_MIKEY_KP_STATUS_NOT_REVOKED };
    size_t ol = sizeof out;
    TU_CHECK_ERR(mcsec_mikey_key_params_seal(out, &ol, &kp, K, 0x01C8DE7B, NULL), MCSEC_OK);
    TU_CHECK(out[0] == 0x43 && out[11] == 1 && ol == 35 + (size_t)wl + 16);
    TU_CHECK(reference_open(pt, out, ol, 0x01C8DE7B) == wl);
    TU_CHECK_MEM(pt, want, (size_t)wl);
}

int main(void)
{
    /* mikey.md §8: plaintexts deployed implementations send */
    observed(MCSEC_KEY_PURPOSE_GMK, "00 00000001 0000000000 0000000000 0000 0001 00");
    observed(MCSEC_KEY_PURPOSE_CSK, "02 00000001 0000000000 0000000000 0000");
    observed(MCSEC_KEY_PURPOSE_PCK, "01 00000001 0000000000 0000000000 0000");

    mcsec_mikey_key_params kp = { .key_type = MCSEC_KEY_PURPOSE_GMK, .status = 3,
                                  .activation_time = 0x1234567890ULL, .expiry_time = 0xFFFFFFFFFFULL,
                                  .text_len = 6, .text = "Fire 3", .n_groups = 2,
                                  .group_len = { 20, 4 }, .group = { "sip:fire3@example.org", "grp2" } };
    kp.group_len[0] = (uint16_t)strlen(kp.group[0]);
    uint8_t out[1024];
    size_t ol = sizeof out;
    TU_CHECK_ERR(mcsec_mikey_key_params_seal(out, &ol, &kp, K, 0x09BF9D37, NULL), MCSEC_OK);
    mcsec_mikey_key_params back;
    TU_CHECK_ERR(mcsec_mikey_key_params_open(&back, out, ol, K, 0x09BF9D37, 0), MCSEC_OK);
    TU_CHECK(back.key_type == 0 && back.status == 3 && back.activation_time == 0x1234567890ULL &&
             back.expiry_time == 0xFFFFFFFFFFULL && back.text_len == 6 && strcmp(back.text, "Fire 3") == 0 &&
             back.n_groups == 2 && strcmp(back.group[0], "sip:fire3@example.org") == 0 &&
             back.group_len[1] == 4 && strcmp(back.group[1], "grp2") == 0);

    /* every single-octet change is rejected */
    size_t accepted = 0;
    for (size_t i = 0; i < ol; i++) {
        out[i] ^= 0x01;
        accepted += mcsec_mikey_key_params_open(&back, out, ol, K, 0x09BF9D37, 0) == MCSEC_OK;
        out[i] ^= 0x01;
    }
    TU_CHECK(accepted == 0);
    uint8_t k2[16];
    memcpy(k2, K, 16);
    k2[15] ^= 1;
    TU_CHECK_ERR(mcsec_mikey_key_params_open(&back, out, ol, k2, 0x09BF9D37, 0), MCSEC_ERR_DECAP);
    TU_CHECK(back.status == 0 && back.text_len == 0);
    TU_CHECK_ERR(mcsec_mikey_key_params_open(&back, out, ol, K, 0x09BF9D38, 0), MCSEC_ERR_MALFORMED);
    TU_CHECK_ERR(mcsec_mikey_key_params_open(&back, out, ol - 1, K, 0x09BF9D37, 0), MCSEC_ERR_TRUNCATED);
    TU_CHECK_ERR(mcsec_mikey_key_params_open(&back, out, 20, K, 0x09BF9D37, 0), MCSEC_ERR_TRUNCATED);
    out[ol] = 0;
    TU_CHECK_ERR(mcsec_mikey_key_params_open(&back, out, ol + 1, K, 0x09BF9D37, 0), MCSEC_ERR_TRAILING);
    out[11] = 2;
    TU_CHECK_ERR(mcsec_mikey_key_params_open(&back, out, ol, K, 0x09BF9D37, 0), MCSEC_ERR_UNSUPPORTED);

    /* legacy unencrypted form (mikey.md §8): only behind the switch */
    uint8_t legacy[17];
    tu_unhex(legacy, sizeof legacy, "01 00000001 0000000000 0000000000 0000");
    TU_CHECK_ERR(mcsec_mikey_key_params_open(&back, legacy, 17, K, 1, 0), MCSEC_ERR_UNSUPPORTED);
    TU_CHECK_ERR(mcsec_mikey_key_params_open(&back, legacy, 17, K, 1, 1), MCSEC_OK);
    TU_CHECK(back.key_type == MCSEC_KEY_PURPOSE_GMK && back.status == 1);
    TU_CHECK_ERR(mcsec_mikey_key_params_open(&back, legacy, 16, K, 1, 1), MCSEC_ERR_TRUNCATED);

    /* small buffer reports the size needed */
    ol = 10;
    TU_CHECK_ERR(mcsec_mikey_key_params_seal(out, &ol, &kp, K, 1, NULL), MCSEC_ERR_BUFFER);
    TU_CHECK(ol > 35 + 16);
    kp.expiry_time = 1ULL << 40;
    ol = sizeof out;
    TU_CHECK_ERR(mcsec_mikey_key_params_seal(out, &ol, &kp, K, 1, NULL), MCSEC_ERR_ARG);
    return tu_finish("test_mikey_keyparams");
}
