/* MIKEY key derivation (RFC 3830 §4.1, RFC 6043 §6.1) and the TS 33.180
 * GUK-ID (§5.2.3, F.1.3). */
#include "mcsec/mikey.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#define HLEN 32

/* HMAC-SHA-256(key, a || b || c); empty parts are skipped. */
static int hmac3(uint8_t out[HLEN], const uint8_t *key, size_t key_len, const uint8_t *a, size_t a_len,
                 const uint8_t *b, size_t b_len, const uint8_t *c, size_t c_len)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
                            OSSL_PARAM_construct_end() };
    size_t olen = 0;
    int ok = ctx && EVP_MAC_init(ctx, key, key_len, params) == 1 &&
             (a_len == 0 || EVP_MAC_update(ctx, a, a_len) == 1) &&
             (b_len == 0 || EVP_MAC_update(ctx, b, b_len) == 1) &&
             (c_len == 0 || EVP_MAC_update(ctx, c, c_len) == 1) &&
             EVP_MAC_final(ctx, out, &olen, HLEN) == 1 && olen == HLEN;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    return ok;
}

mcsec_err mcsec_mikey_prf(uint8_t *out, size_t out_len, const uint8_t *inkey, size_t inkey_len,
                          const uint8_t *label, size_t label_len)
{
    if (!out || !inkey || !label || inkey_len == 0 || label_len == 0 || out_len == 0 || out_len > 1024)
        return MCSEC_ERR_ARG;
    uint8_t a[HLEN], blk[HLEN];
    mcsec_err err = MCSEC_OK;
    memset(out, 0, out_len);
    /* RFC 3830 §4.1.2: n = ceil(inkey_len/256 bits) chunks, XOR of P(s_i, label, m) */
    for (size_t off = 0; off < inkey_len && !err; off += HLEN) {
        size_t sl = inkey_len - off < HLEN ? inkey_len - off : HLEN;
        const uint8_t *s = inkey + off;
        /* A_1 = HMAC(s, A_0) with A_0 = label */
        if (!hmac3(a, s, sl, label, label_len, NULL, 0, NULL, 0)) {
            err = MCSEC_ERR_CRYPTO;
            break;
        }
        for (size_t pos = 0; pos < out_len; pos += HLEN) {
            /* block i = HMAC(s, A_i || label); A_(i+1) = HMAC(s, A_i) */
            if (!hmac3(blk, s, sl, a, HLEN, label, label_len, NULL, 0) || !hmac3(a, s, sl, a, HLEN, NULL, 0, NULL, 0)) {
                err = MCSEC_ERR_CRYPTO;
                break;
            }
            for (size_t k = 0; k < HLEN && pos + k < out_len; k++)
                out[pos + k] ^= blk[k];
        }
    }
    mcsec_wipe(a, sizeof a);
    mcsec_wipe(blk, sizeof blk);
    if (err)
        mcsec_wipe(out, out_len);
    return err;
}

mcsec_err mcsec_mikey_derive(uint8_t *out, size_t out_len, uint32_t constant, const uint8_t *tgk,
                             size_t tgk_len, uint8_t cs_id, uint32_t csb_id, const uint8_t *rand,
                             size_t rand_len)
{
    if (!rand || rand_len == 0 || rand_len > 255)
        return MCSEC_ERR_ARG;
    /* RFC 3830 §4.1.3: label = constant || cs_id || csb_id || RAND */
    uint8_t label[4 + 1 + 4 + 255];
    label[0] = (uint8_t)(constant >> 24);
    label[1] = (uint8_t)(constant >> 16);
    label[2] = (uint8_t)(constant >> 8);
    label[3] = (uint8_t)constant;
    label[4] = cs_id;
    label[5] = (uint8_t)(csb_id >> 24);
    label[6] = (uint8_t)(csb_id >> 16);
    label[7] = (uint8_t)(csb_id >> 8);
    label[8] = (uint8_t)csb_id;
    memcpy(label + 9, rand, rand_len);
    return mcsec_mikey_prf(out, out_len, tgk, tgk_len, label, 9 + rand_len);
}

mcsec_err mcsec_mikey_guk_id(uint32_t *out_id, uint32_t id, const uint8_t *gmk, size_t gmk_len,
                             const char *member_uri, size_t uri_len)
{
    if (!out_id || !gmk || gmk_len == 0 || !member_uri || uri_len == 0 || uri_len > 0xFFFF)
        return MCSEC_ERR_ARG;
    /* TS 33.220 B.1 with FC = 0x50: S = FC || P0 || L0, P0 = the member's URI */
    uint8_t fc = 0x50, l0[2] = { (uint8_t)(uri_len >> 8), (uint8_t)uri_len }, h[HLEN];
    if (!hmac3(h, gmk, gmk_len, &fc, 1, (const uint8_t *)member_uri, uri_len, l0, 2)) {
        mcsec_wipe(h, sizeof h);
        return MCSEC_ERR_CRYPTO;
    }
    /* salt = the 28 least significant bits of the KDF output; the purpose tag is kept */
    uint32_t salt = ((uint32_t)h[28] << 24 | (uint32_t)h[29] << 16 | (uint32_t)h[30] << 8 | h[31]) & 0x0FFFFFFFu;
    *out_id = (id & 0xF0000000u) | ((id ^ salt) & 0x0FFFFFFFu);
    mcsec_wipe(h, sizeof h);
    return MCSEC_OK;
}

mcsec_err mcsec_mikey_srtp_keys(uint8_t master_key[16], uint8_t master_salt[12], uint8_t mki[8],
                                size_t *mki_len, const uint8_t *key, size_t key_len, uint32_t key_id,
                                const uint8_t *rand, size_t rand_len, uint8_t cs_id, const char *member_uri)
{
    if (!master_key || !master_salt || !mki || !mki_len || !key)
        return MCSEC_ERR_ARG;
    uint32_t csb_id = key_id;
    mcsec_err err = MCSEC_OK;
    /* TS 33.180 §5.2.3: group media runs under the sender's GUK-ID */
    if (member_uri)
        err = mcsec_mikey_guk_id(&csb_id, key_id, key, key_len, member_uri, strlen(member_uri));
    if (!err)
        err = mcsec_mikey_derive(master_key, 16, MCSEC_MIKEY_CONST_TEK, key, key_len, cs_id, csb_id, rand, rand_len);
    if (!err)
        err = mcsec_mikey_derive(master_salt, 12, MCSEC_MIKEY_CONST_SALT, key, key_len, cs_id, csb_id, rand,
                                 rand_len);
    if (err) {
        mcsec_wipe(master_key, 16);
        mcsec_wipe(master_salt, 12);
        return err;
    }
    size_t n = 0;
    if (member_uri) { /* MKI = GMK-ID || GUK-ID */
        for (int i = 3; i >= 0; i--)
            mki[n++] = (uint8_t)(key_id >> (8 * i));
    }
    for (int i = 3; i >= 0; i--)
        mki[n++] = (uint8_t)(csb_id >> (8 * i));
    *mki_len = n;
    return MCSEC_OK;
}
