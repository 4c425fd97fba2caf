/* TS 33.180 E.6 "3GPP key parameters" General Extension: an MCData protected
 * payload (33.180 §8.5.4) whose payload is the Key Parameters element,
 * encrypted with the key the I_MESSAGE carries. Byte layout as deployed
 * implementations send it (see ../shared/spec/mikey.md §8):
 *
 *   0  message type 0x43 | 1 date/time (5) | 6 payload ID (4) = 0 |
 *   10 payload sequence number = 0 | 11 algorithm 1 = AES-128-GCM |
 *   12 IV (16) | 28 DPPK-ID (4) = CSB ID | 32 IEI | 33 length (2) | 35 ciphertext || tag (16)
 *
 * Plaintext (MONP encoding): key type (1) | status (4) | activation time (5) |
 * expiry time (5) | text LV-E | [MC group IDs LV-E: count (1), then per group
 * IEI (1) | length (2) | ID] — the group list only for GMK, MKFC and MuSiK. */
#include "mcsec/mikey.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#define HDR_LEN 35
#define TAG_LEN 16
#define IV_LEN 16
#define PT_MAX (1 + 4 + 5 + 5 + 2 + MCSEC_MIKEY_KP_MAX_TEXT + 2 + 1 + \
                MCSEC_MIKEY_KP_MAX_GROUPS * (3 + MCSEC_MIKEY_KP_MAX_GROUP_ID))
#define GROUP_IEI 0x00 /* the MC group ID IEI value was not available: see docs/interop.md */

static int has_groups(uint8_t key_type)
{
    return key_type == MCSEC_KEY_PURPOSE_GMK || key_type == MCSEC_KEY_PURPOSE_MKFC ||
           key_type == MCSEC_KEY_PURPOSE_MUSIK;
}

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = n; i-- > 0; v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* DPCK = least significant 128 bits of KDF(K, FC 0x53, P0 = DPPK-ID) (TS 33.180 §8.5.4, 33.220 B.1) */
static int dpck(uint8_t out[16], const uint8_t k[16], uint32_t dppk_id)
{
    uint8_t s[7] = { 0x53, 0, 0, 0, 0, 0x00, 0x04 }, h[32];
    put_be(s + 1, dppk_id, 4);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *c = mac ? EVP_MAC_CTX_new(mac) : NULL;
    OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
                            OSSL_PARAM_construct_end() };
    size_t hl = 0;
    int ok = c && EVP_MAC_init(c, k, 16, params) == 1 && EVP_MAC_update(c, s, sizeof s) == 1 &&
             EVP_MAC_final(c, h, &hl, sizeof h) == 1 && hl == 32;
    EVP_MAC_CTX_free(c);
    EVP_MAC_free(mac);
    memcpy(out, h + 16, 16);
    mcsec_wipe(h, sizeof h);
    return ok;
}

/* AES-128-GCM with a 16-octet IV; enc = 1 seals (writes tag after ct), 0 opens. */
static mcsec_err gcm(uint8_t *out, const uint8_t *in, size_t len, const uint8_t key[16],
                     const uint8_t iv[IV_LEN], const uint8_t *aad, size_t aad_len, uint8_t tag[TAG_LEN], int enc)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, ok = c && EVP_CipherInit_ex(c, EVP_aes_128_gcm(), NULL, NULL, NULL, enc) == 1 &&
                    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, IV_LEN, NULL) == 1 &&
                    EVP_CipherInit_ex(c, NULL, NULL, key, iv, enc) == 1 &&
                    EVP_CipherUpdate(c, NULL, &n, aad, (int)aad_len) == 1 &&
                    (len == 0 || EVP_CipherUpdate(c, out, &n, in, (int)len) == 1);
    mcsec_err err = ok ? MCSEC_OK : MCSEC_ERR_CRYPTO;
    if (!err && !enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1)
        err = MCSEC_ERR_CRYPTO;
    if (!err && EVP_CipherFinal_ex(c, out + len, &n) != 1)
        err = enc ? MCSEC_ERR_CRYPTO : MCSEC_ERR_DECAP; /* tag mismatch */
    if (!err && enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) != 1)
        err = MCSEC_ERR_CRYPTO;
    EVP_CIPHER_CTX_free(c);
    return err;
}

/* Serialises the plaintext; returns its length or 0 if kp is out of range. */
static size_t encode_plain(uint8_t *p, const mcsec_mikey_key_params *kp)
{
    if (kp->key_type > 15 || kp->text_len > MCSEC_MIKEY_KP_MAX_TEXT || kp->n_groups > MCSEC_MIKEY_KP_MAX_GROUPS ||
        kp->activation_time >> 40 || kp->expiry_time >> 40)
        return 0;
    size_t n = 0;
    p[n++] = kp->key_type;
    put_be(p + n, kp->status, 4);
    n += 4;
    put_be(p + n, kp->activation_time, 5);
    n += 5;
    put_be(p + n, kp->expiry_time, 5);
    n += 5;
    put_be(p + n, kp->text_len, 2);
    memcpy(p + n + 2, kp->text, kp->text_len);
    n += 2 + kp->text_len;
    if (has_groups(kp->key_type)) {
        size_t start = n;
        n += 2;
        p[n++] = kp->n_groups;
        for (uint8_t g = 0; g < kp->n_groups; g++) {
            if (kp->group_len[g] > MCSEC_MIKEY_KP_MAX_GROUP_ID)
                return 0;
            p[n] = GROUP_IEI;
            put_be(p + n + 1, kp->group_len[g], 2);
            memcpy(p + n + 3, kp->group[g], kp->group_len[g]);
            n += 3 + kp->group_len[g];
        }
        put_be(p + start, n - start - 2, 2);
    }
    return n;
}

/* Parses the plaintext from the status field on (the key type is read by the caller). */
static mcsec_err decode_plain(mcsec_mikey_key_params *kp, const uint8_t *p, size_t len)
{
    size_t off = 0;
    if (len < 4 + 5 + 5 + 2)
        return MCSEC_ERR_TRUNCATED;
    kp->status = (uint32_t)get_be(p, 4);
    kp->activation_time = get_be(p + 4, 5);
    kp->expiry_time = get_be(p + 9, 5);
    kp->text_len = (uint16_t)get_be(p + 14, 2);
    off = 16;
    if (kp->text_len > len - off)
        return MCSEC_ERR_TRUNCATED;
    if (kp->text_len > MCSEC_MIKEY_KP_MAX_TEXT)
        return MCSEC_ERR_UNSUPPORTED;
    memcpy(kp->text, p + off, kp->text_len);
    off += kp->text_len;
    if (off < len && has_groups(kp->key_type)) {
        if (len - off < 2)
            return MCSEC_ERR_TRUNCATED;
        size_t glen = (size_t)get_be(p + off, 2), gend;
        off += 2;
        if (glen > len - off)
            return MCSEC_ERR_TRUNCATED;
        gend = off + glen;
        if (glen == 0)
            return MCSEC_ERR_MALFORMED;
        kp->n_groups = p[off++];
        if (kp->n_groups > MCSEC_MIKEY_KP_MAX_GROUPS)
            return MCSEC_ERR_UNSUPPORTED;
        for (uint8_t g = 0; g < kp->n_groups; g++) {
            if (gend - off < 3)
                return MCSEC_ERR_TRUNCATED;
            size_t l = (size_t)get_be(p + off + 1, 2);
            off += 3;
            if (l > gend - off)
                return MCSEC_ERR_TRUNCATED;
            if (l > MCSEC_MIKEY_KP_MAX_GROUP_ID)
                return MCSEC_ERR_UNSUPPORTED;
            kp->group_len[g] = (uint16_t)l;
            memcpy(kp->group[g], p + off, l);
            off += l;
        }
        if (off != gend)
            return MCSEC_ERR_MALFORMED;
    }
    return off == len ? MCSEC_OK : MCSEC_ERR_TRAILING;
}

mcsec_err mcsec_mikey_key_params_seal(uint8_t *out, size_t *out_len, const mcsec_mikey_key_params *kp,
                                      const uint8_t k[16], uint32_t csb_id, const mcsec_rng *rng)
{
    if (!out || !out_len || !kp || !k)
        return MCSEC_ERR_ARG;
    uint8_t pt[PT_MAX], key[16];
    size_t n = encode_plain(pt, kp);
    if (n == 0)
        return MCSEC_ERR_ARG;
    if (*out_len < HDR_LEN + n + TAG_LEN) {
        *out_len = HDR_LEN + n + TAG_LEN;
        mcsec_wipe(pt, sizeof pt);
        return MCSEC_ERR_BUFFER;
    }
    if (!rng)
        rng = mcsec_rng_default();
    memset(out, 0, HDR_LEN);
    out[0] = 0x43;            /* protected payload, as deployed implementations send */
    out[5] = 0x01;            /* date/time as deployed implementations send it */
    out[11] = 0x01;           /* AES-128-GCM */
    put_be(out + 28, csb_id, 4); /* DPPK-ID = CSB ID (E.6.1) */
    put_be(out + 33, n + TAG_LEN, 2);
    mcsec_err err = rng->fill(rng->ctx, out + 12, IV_LEN) == 0 ? MCSEC_OK : MCSEC_ERR_RNG;
    if (!err && !dpck(key, k, csb_id))
        err = MCSEC_ERR_CRYPTO;
    if (!err)
        err = gcm(out + HDR_LEN, pt, n, key, out + 12, out, 32, out + HDR_LEN + n, 1);
    mcsec_wipe(pt, sizeof pt);
    mcsec_wipe(key, sizeof key);
    if (err) {
        mcsec_wipe(out, HDR_LEN + n + TAG_LEN);
        return err;
    }
    *out_len = HDR_LEN + n + TAG_LEN;
    return MCSEC_OK;
}

mcsec_err mcsec_mikey_key_params_open(mcsec_mikey_key_params *kp, const uint8_t *in, size_t in_len,
                                      const uint8_t k[16], uint32_t csb_id, int legacy)
{
    if (!kp)
        return MCSEC_ERR_ARG;
    memset(kp, 0, sizeof *kp);
    if (!in || !k)
        return MCSEC_ERR_ARG;
    mcsec_err err;
    uint8_t pt[65536], key[16];
    if (in_len >= 1 && !(in[0] & 0x40)) {
        /* the unencrypted layout of older interworking functions: type + 1, then the plaintext */
        if (!legacy)
            return MCSEC_ERR_UNSUPPORTED;
        if (in[0] == 0 || in[0] > 16)
            return MCSEC_ERR_UNSUPPORTED;
        kp->key_type = (uint8_t)(in[0] - 1);
        err = decode_plain(kp, in + 1, in_len - 1);
    } else if (in_len < HDR_LEN + TAG_LEN + 1) {
        err = MCSEC_ERR_TRUNCATED;
    } else if (in[11] != 0x01) {
        err = MCSEC_ERR_UNSUPPORTED; /* only AES-128-GCM: the carried key is 128 bits */
    } else if (in[32] != 0x00) {
        /* The IEI octet lies outside the GCM AAD, so nothing authenticates it;
         * deployed senders put 0x00 there and no other value is defined for us. */
        err = MCSEC_ERR_UNSUPPORTED;
    } else if (get_be(in + 28, 4) != csb_id) {
        err = MCSEC_ERR_MALFORMED;   /* E.6.1: the DPPK-ID is the CSB ID */
    } else {
        size_t ctl = (size_t)get_be(in + 33, 2);
        if (ctl > in_len - HDR_LEN)
            err = MCSEC_ERR_TRUNCATED;
        else if (ctl < TAG_LEN + 1)
            err = MCSEC_ERR_MALFORMED;
        else if (ctl != in_len - HDR_LEN)
            err = MCSEC_ERR_TRAILING;
        else if (!dpck(key, k, csb_id))
            err = MCSEC_ERR_CRYPTO;
        else {
            size_t n = ctl - TAG_LEN;
            uint8_t tag[TAG_LEN];
            memcpy(tag, in + HDR_LEN + n, TAG_LEN);
            err = gcm(pt, in + HDR_LEN, n, key, in + 12, in, 32, tag, 0);
            if (!err) {
                kp->key_type = pt[0];
                err = decode_plain(kp, pt + 1, n - 1);
            }
            mcsec_wipe(pt, n);
        }
        mcsec_wipe(key, sizeof key);
    }
    if (err)
        memset(kp, 0, sizeof *kp);
    return err;
}
