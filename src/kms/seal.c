#include "kms/seal.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

mcsec_err seal_derive(uint8_t key[SEAL_KEY_BYTES], const uint8_t root[SEAL_KEY_BYTES],
                      const char *label)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *c = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)root, SEAL_KEY_BYTES),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)label, strlen(label)),
        OSSL_PARAM_construct_end(),
    };
    int ok = c != NULL && EVP_KDF_derive(c, key, SEAL_KEY_BYTES, p) == 1;
    EVP_KDF_CTX_free(c);
    EVP_KDF_free(kdf);
    if (!ok)
        mcsec_wipe(key, SEAL_KEY_BYTES);
    return ok ? MCSEC_OK : MCSEC_ERR_CRYPTO;
}

/* One AES-256-GCM pass; enc selects the direction. For decryption tag is the
 * expected tag (input), for encryption it receives the tag. */
static int gcm(uint8_t *out, const uint8_t key[SEAL_KEY_BYTES], const uint8_t nonce[SEAL_NONCE_BYTES],
               const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *tag,
               int enc)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, ok = c != NULL && in_len <= 0x7fffffff && aad_len <= 0x7fffffff &&
                    EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce, enc) == 1;
    if (ok && aad_len > 0)
        ok = EVP_CipherUpdate(c, NULL, &n, aad, (int)aad_len) == 1;
    if (ok && in_len > 0)
        ok = EVP_CipherUpdate(c, out, &n, in, (int)in_len) == 1;
    if (ok && !enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SEAL_TAG_BYTES, tag) == 1;
    if (ok)
        ok = EVP_CipherFinal_ex(c, out + (in_len > 0 ? (size_t)n : 0), &n) == 1;
    if (ok && enc)
        ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SEAL_TAG_BYTES, tag) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok;
}

mcsec_err seal_encrypt(uint8_t *out, const uint8_t key[SEAL_KEY_BYTES], const uint8_t *aad,
                       size_t aad_len, const uint8_t *pt, size_t pt_len, const mcsec_rng *rng)
{
    if (rng == NULL)
        rng = mcsec_rng_default();
    if (rng->fill(rng->ctx, out, SEAL_NONCE_BYTES) != 0)
        return MCSEC_ERR_RNG;
    if (!gcm(out + SEAL_NONCE_BYTES, key, out, aad, aad_len, pt, pt_len,
             out + SEAL_NONCE_BYTES + pt_len, 1)) {
        mcsec_wipe(out, pt_len + SEAL_OVERHEAD);
        return MCSEC_ERR_CRYPTO;
    }
    return MCSEC_OK;
}

mcsec_err seal_decrypt(uint8_t *pt, const uint8_t key[SEAL_KEY_BYTES], const uint8_t *aad,
                       size_t aad_len, const uint8_t *ct, size_t ct_len)
{
    if (ct_len < SEAL_OVERHEAD)
        return MCSEC_ERR_LENGTH;
    size_t n = ct_len - SEAL_OVERHEAD;
    uint8_t tag[SEAL_TAG_BYTES];
    memcpy(tag, ct + SEAL_NONCE_BYTES + n, SEAL_TAG_BYTES);
    if (!gcm(pt, key, ct, aad, aad_len, ct + SEAL_NONCE_BYTES, n, tag, 0)) {
        mcsec_wipe(pt, n);
        return MCSEC_ERR_VERIFY;
    }
    return MCSEC_OK;
}
