/* Off-network key export / import: the key sets of the coming periods and the
 * current GMKs in one passphrase-encrypted file (scrypt, RFC 7914, through
 * OpenSSL EVP_KDF — OpenSSL 3.0 has no Argon2 — and AES-256-GCM via
 * src/kms/seal.h), so that an MC client can key calls with no KMS or GMS
 * reachable (TS 33.180 §7.4.1 off-network operation). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "internal/file.h"
#include "kms/seal.h"
#include "kmsclient/keystore_internal.h"
#include "mcsec/kmsclient.h"

static const uint8_t ex_magic[8] = { 'M', 'C', 'S', 'E', 'C', 'E', 'X', '1' };
#define EX_FORMAT "mcsec-export-1"
#define EX_HDR (sizeof ex_magic + 1 + KEYSTORE_SALT_BYTES)
#define EX_MAX_BYTES (8u << 20)

void mcsec_export_extra_free(mcsec_export_extra *e)
{
    if (e == NULL)
        return;
    if (e->data != NULL) {
        mcsec_wipe(e->data, e->len);
        free(e->data);
    }
    memset(e, 0, sizeof *e);
}

static int name_ok(const char *n)
{
    size_t l = strnlen(n, 256);
    return l > 0 && l < 256 && strchr(n, '/') == NULL && strcmp(n, ".") != 0 && strcmp(n, "..") != 0;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(const uint8_t *p, size_t n)
{
    char *o = malloc(4 * ((n + 2) / 3) + 1), *w = o;
    if (o == NULL)
        return NULL;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        *w++ = b64[v >> 18];
        *w++ = b64[(v >> 12) & 63];
        *w++ = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        *w++ = i + 2 < n ? b64[v & 63] : '=';
    }
    *w = 0;
    return o;
}

/* Strict standard base64 with padding; -1 on any error. */
static long b64_decode(uint8_t *out, size_t cap, const char *s)
{
    size_t n = strlen(s), o = 0;
    if (n % 4)
        return -1;
    for (size_t i = 0; i < n; i += 4) {
        uint32_t v = 0;
        int pad = 0;
        for (int j = 0; j < 4; j++) {
            const char c = s[i + (size_t)j];
            const char *q = c ? strchr(b64, c) : NULL;
            if (c == '=' && i + 4 == n && j >= 2) {
                pad++;
                v <<= 6;
            } else if (q == NULL || pad) {
                return -1;
            } else {
                v = v << 6 | (uint32_t)(q - b64);
            }
        }
        for (int j = 0; j < 3 - pad; j++) {
            if (o >= cap)
                return -1;
            out[o++] = (uint8_t)(v >> (16 - 8 * j));
        }
    }
    return (long)o;
}

mcsec_err mcsec_keystore_export(const char *path, const mcsec_keystore *ks, const char *user, uint64_t first_period,
                                unsigned n_periods, const mcsec_export_extra *extras, size_t n_extras,
                                const char *passphrase)
{
    if (path == NULL || ks == NULL || user == NULL || passphrase == NULL || passphrase[0] == 0 ||
        n_periods == 0 || n_periods > MCSEC_KEYSTORE_MAX_KEYSETS || n_extras > MCSEC_EXPORT_MAX_EXTRAS ||
        (extras == NULL && n_extras > 0) || strlen(path) > 4000)
        return MCSEC_ERR_ARG;
    for (size_t i = 0; i < n_extras; i++)
        if (!name_ok(extras[i].name) || extras[i].data == NULL || extras[i].len == 0 ||
            extras[i].len > MCSEC_EXPORT_MAX_EXTRA_BYTES)
            return MCSEC_ERR_ARG;
    if (!ks->has_cert)
        return MCSEC_ERR_NOT_FOUND;
    mcsec_keystore *sub = calloc(1, sizeof *sub);
    if (sub == NULL)
        return MCSEC_ERR_NOMEM;
    mcsec_err err = MCSEC_OK;
    sub->has_cert = 1;
    sub->cert = ks->cert;
    for (unsigned i = 0; err == MCSEC_OK && i < n_periods; i++) {
        const mcsec_kms_keyset *k = mcsec_keystore_find(ks, user, first_period + i);
        err = k == NULL ? MCSEC_ERR_NOT_FOUND : mcsec_keystore_put(sub, k);
    }
    size_t tlen = 0;
    char *store_text = err == MCSEC_OK ? store_to_text(sub, &tlen) : NULL;
    if (err == MCSEC_OK && store_text == NULL)
        err = MCSEC_ERR_NOMEM;
    mcsec_keystore_wipe(sub);
    free(sub);
    /* {"format", "store": <store JSON text>, "extras": [{"name", "data": base64}]} */
    json_t *root = NULL, *arr = NULL;
    if (err == MCSEC_OK) {
        arr = json_array();
        root = json_pack("{s:s, s:s, s:o}", "format", EX_FORMAT, "store", store_text, "extras", arr);
        if (root == NULL)
            err = MCSEC_ERR_NOMEM;
    }
    for (size_t i = 0; err == MCSEC_OK && i < n_extras; i++) {
        char *d = b64_encode(extras[i].data, extras[i].len);
        json_t *e = d ? json_pack("{s:s, s:s}", "name", extras[i].name, "data", d) : NULL;
        if (d) {
            mcsec_wipe(d, strlen(d));
            free(d);
        }
        if (e == NULL || json_array_append_new(arr, e) != 0)
            err = MCSEC_ERR_NOMEM;
    }
    char *text = err == MCSEC_OK ? json_dumps(root, JSON_COMPACT) : NULL;
    if (err == MCSEC_OK && text == NULL)
        err = MCSEC_ERR_NOMEM;
    /* the plaintext copies inside the jansson tree */
    if (root != NULL) {
        json_t *s = json_object_get(root, "store");
        mcsec_wipe((char *)json_string_value(s), json_string_length(s));
        for (size_t i = 0; i < json_array_size(arr); i++) {
            json_t *d = json_object_get(json_array_get(arr, i), "data");
            mcsec_wipe((char *)json_string_value(d), json_string_length(d));
        }
        json_decref(root);
    }
    if (store_text != NULL) {
        mcsec_wipe(store_text, tlen);
        free(store_text);
    }
    size_t plen = text ? strlen(text) : 0, olen = EX_HDR + plen + SEAL_OVERHEAD;
    uint8_t *out = err == MCSEC_OK ? malloc(olen) : NULL, key[SEAL_KEY_BYTES];
    if (err == MCSEC_OK && out == NULL)
        err = MCSEC_ERR_NOMEM;
    if (err == MCSEC_OK) {
        memcpy(out, ex_magic, sizeof ex_magic);
        out[sizeof ex_magic] = KEYSTORE_SCRYPT_LOG2N;
        const mcsec_rng *rng = mcsec_rng_default();
        if (rng->fill(rng->ctx, out + sizeof ex_magic + 1, KEYSTORE_SALT_BYTES) != 0)
            err = MCSEC_ERR_RNG;
    }
    if (err == MCSEC_OK)
        err = pass_key(key, passphrase, out + sizeof ex_magic + 1, KEYSTORE_SCRYPT_LOG2N);
    if (err == MCSEC_OK)
        err = seal_encrypt(out + EX_HDR, key, out, EX_HDR, (const uint8_t *)text, plen, NULL);
    mcsec_wipe(key, sizeof key);
    if (text != NULL) {
        mcsec_wipe(text, plen);
        free(text);
    }
    if (err == MCSEC_OK)
        err = file_replace_0600(path, out, olen);
    free(out); /* ciphertext only */
    return err;
}

static int cert_equal(const mcsec_kms_cert *a, const mcsec_kms_cert *b)
{
    return strcmp(a->kms_uri, b->kms_uri) == 0 && a->user_key_period == b->user_key_period &&
           a->user_key_offset == b->user_key_offset &&
           memcmp(a->pub_enc_key, b->pub_enc_key, sizeof a->pub_enc_key) == 0 &&
           memcmp(a->pub_auth_key, b->pub_auth_key, sizeof a->pub_auth_key) == 0;
}

mcsec_err mcsec_keystore_import(mcsec_keystore *ks, mcsec_export_extra *extras, size_t *n_extras,
                                size_t max_extras, const char *path, const char *passphrase)
{
    if (n_extras != NULL)
        *n_extras = 0;
    if (ks == NULL || path == NULL || passphrase == NULL || n_extras == NULL || (extras == NULL && max_extras > 0))
        return MCSEC_ERR_ARG;
    mcsec_err err = MCSEC_OK;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno == ENOENT ? MCSEC_ERR_NOT_FOUND : MCSEC_ERR_IO;
    uint8_t *raw = malloc(EX_MAX_BYTES + 1);
    size_t len = raw ? fread(raw, 1, EX_MAX_BYTES + 1, f) : 0;
    if (raw == NULL)
        err = MCSEC_ERR_NOMEM;
    else if (ferror(f))
        err = MCSEC_ERR_IO;
    else if (len > EX_MAX_BYTES)
        err = MCSEC_ERR_MALFORMED;
    else if (len < EX_HDR + SEAL_OVERHEAD || memcmp(raw, ex_magic, sizeof ex_magic) != 0)
        err = MCSEC_ERR_UNSUPPORTED;
    fclose(f);
    size_t plen = err == MCSEC_OK ? len - EX_HDR - SEAL_OVERHEAD : 0;
    char *pt = err == MCSEC_OK ? malloc(plen + 1) : NULL;
    uint8_t key[SEAL_KEY_BYTES];
    if (err == MCSEC_OK && pt == NULL)
        err = MCSEC_ERR_NOMEM;
    if (err == MCSEC_OK)
        err = pass_key(key, passphrase, raw + sizeof ex_magic + 1, raw[sizeof ex_magic]);
    if (err == MCSEC_OK)
        err = seal_decrypt((uint8_t *)pt, key, raw, EX_HDR, raw + EX_HDR, len - EX_HDR);
    mcsec_wipe(key, sizeof key);
    free(raw);
    json_t *root = NULL;
    if (err == MCSEC_OK) {
        pt[plen] = 0;
        root = json_loadb(pt, plen, JSON_REJECT_DUPLICATES, NULL);
    }
    const json_t *fmt = root ? json_object_get(root, "format") : NULL, *st = root ? json_object_get(root, "store") : NULL,
                 *arr = root ? json_object_get(root, "extras") : NULL;
    if (err == MCSEC_OK && (!json_is_string(fmt) || !json_is_string(st) || !json_is_array(arr)))
        err = MCSEC_ERR_MALFORMED;
    if (err == MCSEC_OK && strcmp(json_string_value(fmt), EX_FORMAT) != 0)
        err = MCSEC_ERR_UNSUPPORTED;
    if (err == MCSEC_OK && json_array_size(arr) > max_extras)
        err = MCSEC_ERR_BUFFER;
    /* parse and validate into a scratch store, then merge into a copy of ks */
    mcsec_keystore *in = err == MCSEC_OK ? calloc(1, sizeof *in) : NULL, *merged = NULL;
    if (err == MCSEC_OK && in == NULL)
        err = MCSEC_ERR_NOMEM;
    if (err == MCSEC_OK)
        err = store_from_text(in, json_string_value(st), json_string_length(st));
    if (err == MCSEC_OK && !in->has_cert)
        err = MCSEC_ERR_MALFORMED;
    if (err == MCSEC_OK && ks->has_cert && !cert_equal(&ks->cert, &in->cert))
        err = MCSEC_ERR_DENIED;
    if (err == MCSEC_OK) {
        merged = malloc(sizeof *merged);
        if (merged == NULL)
            err = MCSEC_ERR_NOMEM;
        else
            *merged = *ks;
    }
    if (err == MCSEC_OK && !merged->has_cert) {
        merged->has_cert = 1;
        merged->cert = in->cert;
    }
    for (size_t i = 0; err == MCSEC_OK && i < in->n_keysets; i++)
        err = mcsec_kms_keyset_validate(&in->keysets[i], &merged->cert, in->keysets[i].user_uri) == MCSEC_OK
                  ? mcsec_keystore_put(merged, &in->keysets[i])
                  : MCSEC_ERR_KEY_INVALID;
    size_t n = 0;
    for (size_t i = 0; err == MCSEC_OK && i < json_array_size(arr); i++) {
        const json_t *e = json_array_get(arr, i);
        const char *nm = json_string_value(json_object_get(e, "name")), *d = json_string_value(json_object_get(e, "data"));
        mcsec_export_extra *x = &extras[n];
        memset(x, 0, sizeof *x);
        if (nm == NULL || d == NULL || !name_ok(nm) || strlen(d) > 4 * (MCSEC_EXPORT_MAX_EXTRA_BYTES / 3 + 1)) {
            err = MCSEC_ERR_MALFORMED;
            break;
        }
        strcpy(x->name, nm);
        x->data = malloc(strlen(d) / 4 * 3 + 1);
        long l = x->data ? b64_decode(x->data, strlen(d) / 4 * 3 + 1, d) : -1;
        if (l <= 0) {
            err = x->data ? MCSEC_ERR_MALFORMED : MCSEC_ERR_NOMEM;
            mcsec_export_extra_free(x);
            break;
        }
        x->len = (size_t)l;
        n++;
    }
    if (err == MCSEC_OK) {
        *ks = *merged;
        *n_extras = n;
    } else {
        for (size_t i = 0; i < n; i++)
            mcsec_export_extra_free(&extras[i]);
    }
    if (root != NULL) {
        mcsec_wipe((char *)json_string_value(st), json_string_length(st));
        for (size_t i = 0; json_is_array(arr) && i < json_array_size(arr); i++) {
            json_t *d = json_object_get(json_array_get(arr, i), "data");
            if (json_is_string(d))
                mcsec_wipe((char *)json_string_value(d), json_string_length(d));
        }
        json_decref(root);
    }
    if (pt != NULL) {
        mcsec_wipe(pt, plen);
        free(pt);
    }
    if (in != NULL) {
        mcsec_keystore_wipe(in);
        free(in);
    }
    if (merged != NULL) {
        mcsec_keystore_wipe(merged);
        free(merged);
    }
    return err;
}
