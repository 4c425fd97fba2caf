/* The client key store: one JSON document, optionally sealed under a
 * passphrase, replaced atomically. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include "internal/dbuf.h"
#include "internal/file.h"
#include "kms/seal.h"
#include "kmsxml/kmsxml_internal.h"
#include "kmsclient/keystore_internal.h"
#include "mcsec/eccsi.h"
#include "mcsec/kmsclient.h"
#include "mcsec/sakke.h"
#include "mcsec/uid.h"

#define STORE_MAX_BYTES (4u << 20)
/* Encrypted form: magic || log2(N) || salt || sealed(JSON). scrypt with
 * r = 8, p = 1 (RFC 7914); N = 2^15 takes 32 MiB and about 0.1 s. */
static const uint8_t magic[8] = { 'M', 'C', 'S', 'E', 'C', 'K', 'S', '1' };
#define SALT_BYTES KEYSTORE_SALT_BYTES
#define SCRYPT_LOG2N KEYSTORE_SCRYPT_LOG2N

void mcsec_keystore_wipe(mcsec_keystore *ks)
{
    if (ks != NULL)
        mcsec_wipe(ks, sizeof *ks);
}

static int user_cmp(const mcsec_kms_keyset *a, const char *user, uint64_t period)
{
    int c = strcmp(a->user_uri, user);
    if (c != 0)
        return c;
    return a->key_period_no < period ? -1 : a->key_period_no > period ? 1 : 0;
}

mcsec_err mcsec_keystore_put(mcsec_keystore *ks, const mcsec_kms_keyset *set)
{
    if (ks == NULL || set == NULL || set->user_uri[0] == 0)
        return MCSEC_ERR_ARG;
    size_t i = 0;
    while (i < ks->n_keysets && user_cmp(&ks->keysets[i], set->user_uri, set->key_period_no) < 0)
        i++;
    if (i < ks->n_keysets && user_cmp(&ks->keysets[i], set->user_uri, set->key_period_no) == 0) {
        ks->keysets[i] = *set;
        return MCSEC_OK;
    }
    if (ks->n_keysets == MCSEC_KEYSTORE_MAX_KEYSETS)
        return MCSEC_ERR_BUFFER;
    memmove(&ks->keysets[i + 1], &ks->keysets[i], (ks->n_keysets - i) * sizeof ks->keysets[0]);
    ks->keysets[i] = *set;
    ks->n_keysets++;
    return MCSEC_OK;
}

const mcsec_kms_keyset *mcsec_keystore_find(const mcsec_keystore *ks, const char *user, uint64_t period_no)
{
    if (ks == NULL)
        return NULL;
    for (size_t i = 0; i < ks->n_keysets; i++)
        if (ks->keysets[i].key_period_no == period_no && (user == NULL || strcmp(ks->keysets[i].user_uri, user) == 0))
            return &ks->keysets[i];
    return NULL;
}

mcsec_err mcsec_keystore_period_at(const mcsec_keystore *ks, uint64_t *period_no, int64_t t)
{
    if (ks == NULL || period_no == NULL || t < 0)
        return MCSEC_ERR_ARG;
    if (!ks->has_cert)
        return MCSEC_ERR_NOT_FOUND;
    return mcsec_uid_period_no(period_no, (uint64_t)t + MCSEC_NTP_UNIX_OFFSET, ks->cert.user_key_period,
                               ks->cert.user_key_offset);
}

mcsec_err mcsec_kms_keyset_validate(const mcsec_kms_keyset *set, const mcsec_kms_cert *cert,
                                    const char *user_uri)
{
    if (set == NULL || cert == NULL || user_uri == NULL)
        return MCSEC_ERR_ARG;
    if (strcmp(set->kms_uri, cert->kms_uri) != 0 || strcmp(set->user_uri, user_uri) != 0)
        return MCSEC_ERR_RECIPIENT;
    if (set->has_revoked && set->revoked)
        return MCSEC_ERR_REVOKED;
    uint8_t uid[MCSEC_UID_BYTES];
    uint64_t start, end;
    mcsec_err err = mcsec_uid_compute(uid, set->user_uri, strlen(set->user_uri), cert->kms_uri,
                                      strlen(cert->kms_uri), cert->user_key_period, cert->user_key_offset,
                                      set->key_period_no);
    if (err == MCSEC_OK)
        err = mcsec_uid_period_bounds(&start, &end, set->key_period_no, cert->user_key_period,
                                      cert->user_key_offset);
    if (err != MCSEC_OK)
        return err;
    /* TS 33.180 F.2.1: the UID the KMS claims must be the one we compute */
    if (memcmp(uid, set->user_id, sizeof uid) != 0)
        return MCSEC_ERR_KEY_INVALID;
    if ((set->has_valid_from && set->valid_from != (int64_t)(start - MCSEC_NTP_UNIX_OFFSET)) ||
        (set->has_valid_to && set->valid_to != (int64_t)(end - MCSEC_NTP_UNIX_OFFSET)))
        return MCSEC_ERR_KEY_INVALID;
    mcsec_eccsi_key key;
    err = mcsec_eccsi_key_init(&key, cert->pub_auth_key, uid, sizeof uid, set->ssk, set->pvt);
    mcsec_eccsi_key_wipe(&key);
    if (err == MCSEC_OK)
        err = mcsec_sakke_validate_rsk(cert->pub_enc_key, uid, sizeof uid, set->rsk);
    return err;
}

/* ---- JSON form ------------------------------------------------------------- */

static int get_hex(const json_t *o, const char *key, uint8_t *out, size_t n)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL && strlen(s) == 2 * n && kmsxml_hex_decode(out, n, s, 2 * n) == MCSEC_OK;
}

static int get_str(const json_t *o, const char *key, char *out, size_t cap)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (s == NULL || strlen(s) >= cap)
        return 0;
    strcpy(out, s);
    return 1;
}

static int get_u64(const json_t *o, const char *key, uint64_t *out)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return 0;
    *out = (uint64_t)json_integer_value(v);
    return 1;
}

static int cert_from_json(mcsec_kms_cert *c, const json_t *o)
{
    memset(c, 0, sizeof *c);
    strcpy(c->role, "Root");
    return get_str(o, "kms_uri", c->kms_uri, sizeof c->kms_uri) && c->kms_uri[0] &&
           get_str(o, "cert_uri", c->cert_uri, sizeof c->cert_uri) &&
           get_str(o, "user_id_format", c->user_id_format, sizeof c->user_id_format) &&
           get_u64(o, "user_key_period", &c->user_key_period) && c->user_key_period > 0 &&
           get_u64(o, "user_key_offset", &c->user_key_offset) &&
           get_hex(o, "pub_enc_key", c->pub_enc_key, sizeof c->pub_enc_key) &&
           get_hex(o, "pub_auth_key", c->pub_auth_key, sizeof c->pub_auth_key);
}

static int keyset_from_json(mcsec_kms_keyset *k, const json_t *o)
{
    memset(k, 0, sizeof *k);
    json_int_t vf = json_integer_value(json_object_get(o, "valid_from"));
    json_int_t vt = json_integer_value(json_object_get(o, "valid_to"));
    k->has_valid_from = k->has_valid_to = 1;
    k->valid_from = vf;
    k->valid_to = vt;
    return get_str(o, "kms_uri", k->kms_uri, sizeof k->kms_uri) &&
           get_str(o, "user_uri", k->user_uri, sizeof k->user_uri) && k->user_uri[0] &&
           get_u64(o, "period", &k->key_period_no) && get_hex(o, "uid", k->user_id, sizeof k->user_id) &&
           get_hex(o, "ssk", k->ssk, sizeof k->ssk) && get_hex(o, "pvt", k->pvt, sizeof k->pvt) &&
           get_hex(o, "rsk", k->rsk, sizeof k->rsk);
}

/* The store's JSON holds keys, so it is written by hand into a wiping
 * buffer (internal/dbuf.h) rather than through jansson, whose buffers are
 * freed without wiping. */
static void tb_str(dbuf *t, const char *key, const char *s, int comma)
{
    char e[8];
    db_str(t, "\"");
    db_str(t, key);
    db_str(t, "\": \"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            e[0] = '\\';
            e[1] = (char)c;
            db_put(t, e, 2);
        } else if (c < 0x20) {
            snprintf(e, sizeof e, "\\u%04x", c);
            db_put(t, e, 6);
        } else {
            db_put(t, (const char *)&c, 1);
        }
    }
    db_str(t, comma ? "\",\n" : "\"\n");
}

static void tb_int(dbuf *t, const char *key, long long v, int comma)
{
    char b[80];
    snprintf(b, sizeof b, "\"%s\": %lld%s\n", key, v, comma ? "," : "");
    db_str(t, b);
}

static void tb_hex(dbuf *t, const char *key, const uint8_t *p, size_t n, int comma)
{
    static const char d[] = "0123456789abcdef";
    db_str(t, "\"");
    db_str(t, key);
    db_str(t, "\": \"");
    for (size_t i = 0; i < n; i++) {
        char h[2] = { d[p[i] >> 4], d[p[i] & 15] };
        db_put(t, h, 2);
    }
    db_str(t, comma ? "\",\n" : "\"\n");
}

/* The JSON text of ks (malloc'd, holds secrets), or NULL. */
char *store_to_text(const mcsec_keystore *ks, size_t *len)
{
    dbuf t = { 0 };
    db_str(&t, "{\n\"format\": \"mcsec-keystore-1\",\n");
    if (ks->has_cert) {
        const mcsec_kms_cert *c = &ks->cert;
        db_str(&t, "\"kms_certificate\": {\n");
        tb_str(&t, "kms_uri", c->kms_uri, 1);
        tb_str(&t, "cert_uri", c->cert_uri, 1);
        tb_str(&t, "user_id_format", c->user_id_format, 1);
        tb_int(&t, "user_key_period", (long long)c->user_key_period, 1);
        tb_int(&t, "user_key_offset", (long long)c->user_key_offset, 1);
        tb_hex(&t, "pub_enc_key", c->pub_enc_key, sizeof c->pub_enc_key, 1);
        tb_hex(&t, "pub_auth_key", c->pub_auth_key, sizeof c->pub_auth_key, 0);
        db_str(&t, "},\n");
    }
    if (ks->server_cert_pem[0])
        tb_str(&t, "mcptt_server_certificate", ks->server_cert_pem, 1);
    db_str(&t, "\"key_sets\": [\n");
    for (size_t i = 0; i < ks->n_keysets; i++) {
        const mcsec_kms_keyset *k = &ks->keysets[i];
        db_str(&t, "{\n");
        tb_str(&t, "kms_uri", k->kms_uri, 1);
        tb_str(&t, "user_uri", k->user_uri, 1);
        tb_int(&t, "period", (long long)k->key_period_no, 1);
        tb_int(&t, "valid_from", (long long)k->valid_from, 1);
        tb_int(&t, "valid_to", (long long)k->valid_to, 1);
        tb_hex(&t, "uid", k->user_id, sizeof k->user_id, 1);
        tb_hex(&t, "ssk", k->ssk, sizeof k->ssk, 1);
        tb_hex(&t, "pvt", k->pvt, sizeof k->pvt, 1);
        tb_hex(&t, "rsk", k->rsk, sizeof k->rsk, 0);
        db_str(&t, i + 1 < ks->n_keysets ? "},\n" : "}\n");
    }
    db_str(&t, "]\n}\n");
    db_put(&t, "", 1); /* NUL-terminated: callers may use it as a string */
    if (t.failed) {
        db_free(&t);
        return NULL;
    }
    *len = t.n - 1;
    return (char *)t.p;
}

/* Overwrites every string value of a parsed tree before it is freed. */
static void wipe_tree(json_t *v)
{
    if (json_is_string(v)) {
        mcsec_wipe((char *)json_string_value(v), json_string_length(v));
    } else if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x)
            wipe_tree(x);
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
            wipe_tree(x);
    }
}

mcsec_err store_from_text(mcsec_keystore *ks, const char *text, size_t len)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    mcsec_err err = MCSEC_ERR_MALFORMED;
    const char *fmt = json_string_value(json_object_get(root, "format"));
    if (root != NULL && fmt != NULL && strcmp(fmt, "mcsec-keystore-1") == 0) {
        err = MCSEC_OK;
        json_t *c = json_object_get(root, "kms_certificate");
        if (c != NULL) {
            ks->has_cert = 1;
            if (!cert_from_json(&ks->cert, c))
                err = MCSEC_ERR_MALFORMED;
        }
        json_t *pem = json_object_get(root, "mcptt_server_certificate");
        if (pem != NULL && !get_str(root, "mcptt_server_certificate", ks->server_cert_pem,
                                    sizeof ks->server_cert_pem))
            err = MCSEC_ERR_MALFORMED;
        json_t *arr = json_object_get(root, "key_sets");
        if (!json_is_array(arr) || json_array_size(arr) > MCSEC_KEYSTORE_MAX_KEYSETS)
            err = MCSEC_ERR_MALFORMED;
        for (size_t i = 0; err == MCSEC_OK && i < json_array_size(arr); i++) {
            mcsec_kms_keyset k;
            if (!keyset_from_json(&k, json_array_get(arr, i)))
                err = MCSEC_ERR_MALFORMED;
            else
                err = mcsec_keystore_put(ks, &k);
            mcsec_wipe(&k, sizeof k);
        }
    }
    wipe_tree(root);
    json_decref(root);
    return err;
}

/* scrypt(passphrase, salt) -> 32-octet key (RFC 7914). */
mcsec_err pass_key(uint8_t key[32], const char *pass, const uint8_t salt[SALT_BYTES], unsigned log2n)
{
    if (log2n < 10 || log2n > 20)
        return MCSEC_ERR_MALFORMED;
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL);
    EVP_KDF_CTX *c = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    uint64_t n = (uint64_t)1 << log2n;
    uint32_t r = 8, p = 1;
    uint64_t maxmem = (uint64_t)256 << 20;
    OSSL_PARAM prm[] = {
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, (void *)pass, strlen(pass)),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, SALT_BYTES),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
        OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
        OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
        OSSL_PARAM_construct_end(),
    };
    int ok = c != NULL && EVP_KDF_derive(c, key, 32, prm) == 1;
    EVP_KDF_CTX_free(c);
    EVP_KDF_free(kdf);
    return ok ? MCSEC_OK : MCSEC_ERR_CRYPTO;
}

static mcsec_err read_all(const char *path, uint8_t **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? MCSEC_ERR_NOT_FOUND : MCSEC_ERR_IO;
    struct stat st;
    mcsec_err err = MCSEC_OK;
    uint8_t *b = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > STORE_MAX_BYTES)
        err = MCSEC_ERR_IO;
    else if ((b = malloc((size_t)st.st_size + 1)) == NULL)
        err = MCSEC_ERR_NOMEM;
    else if (read(fd, b, (size_t)st.st_size) != st.st_size)
        err = MCSEC_ERR_IO;
    close(fd);
    if (err != MCSEC_OK) {
        if (b != NULL) {
            mcsec_wipe(b, (size_t)st.st_size);
            free(b);
        }
        return err;
    }
    b[st.st_size] = 0;
    *out = b;
    *len = (size_t)st.st_size;
    return MCSEC_OK;
}

mcsec_err keystore_parse(mcsec_keystore *ks, const uint8_t *raw, size_t len, const char *passphrase)
{
    mcsec_err err;
    memset(ks, 0, sizeof *ks);
    if (len >= sizeof magic && memcmp(raw, magic, sizeof magic) == 0) {
        size_t hdr = sizeof magic + 1 + SALT_BYTES;
        uint8_t key[32], *plain = NULL;
        if (passphrase == NULL)
            err = MCSEC_ERR_DENIED;
        else if (len < hdr + SEAL_OVERHEAD)
            err = MCSEC_ERR_MALFORMED;
        else
            err = pass_key(key, passphrase, raw + sizeof magic + 1, raw[sizeof magic]);
        size_t plen = err == MCSEC_OK ? len - hdr - SEAL_OVERHEAD : 0;
        if (err == MCSEC_OK && (plain = malloc(plen + 1)) == NULL)
            err = MCSEC_ERR_NOMEM;
        /* the header is authenticated as associated data */
        if (err == MCSEC_OK)
            err = seal_decrypt(plain, key, raw, hdr, raw + hdr, len - hdr);
        if (err == MCSEC_OK)
            err = store_from_text(ks, (const char *)plain, plen);
        mcsec_wipe(key, sizeof key);
        if (plain != NULL) {
            mcsec_wipe(plain, plen);
            free(plain);
        }
    } else {
        err = store_from_text(ks, (const char *)raw, len);
    }
    if (err != MCSEC_OK)
        mcsec_keystore_wipe(ks);
    return err;
}

mcsec_err mcsec_keystore_load(mcsec_keystore *ks, const char *path, const char *passphrase, int missing_ok)
{
    if (ks == NULL || path == NULL)
        return MCSEC_ERR_ARG;
    memset(ks, 0, sizeof *ks);
    uint8_t *raw = NULL;
    size_t len = 0;
    mcsec_err err = read_all(path, &raw, &len);
    if (err == MCSEC_ERR_NOT_FOUND && missing_ok)
        return MCSEC_OK;
    if (err != MCSEC_OK)
        return err;
    err = keystore_parse(ks, raw, len, passphrase);
    mcsec_wipe(raw, len);
    free(raw);
    return err;
}

mcsec_err mcsec_keystore_save(const mcsec_keystore *ks, const char *path, const char *passphrase)
{
    if (ks == NULL || path == NULL || strlen(path) > 4000)
        return MCSEC_ERR_ARG;
    size_t tlen = 0;
    char *text = store_to_text(ks, &tlen);
    if (text == NULL)
        return MCSEC_ERR_NOMEM;
    uint8_t *out = (uint8_t *)text;
    size_t olen = tlen;
    uint8_t *sealed = NULL;
    mcsec_err err = MCSEC_OK;
    if (passphrase != NULL) {
        size_t hdr = sizeof magic + 1 + SALT_BYTES;
        uint8_t key[32];
        olen = hdr + tlen + SEAL_OVERHEAD;
        sealed = malloc(olen);
        if (sealed == NULL)
            err = MCSEC_ERR_NOMEM;
        if (err == MCSEC_OK) {
            memcpy(sealed, magic, sizeof magic);
            sealed[sizeof magic] = SCRYPT_LOG2N;
            const mcsec_rng *rng = mcsec_rng_default();
            if (rng->fill(rng->ctx, sealed + sizeof magic + 1, SALT_BYTES) != 0)
                err = MCSEC_ERR_RNG;
        }
        if (err == MCSEC_OK)
            err = pass_key(key, passphrase, sealed + sizeof magic + 1, SCRYPT_LOG2N);
        if (err == MCSEC_OK)
            err = seal_encrypt(sealed + hdr, key, sealed, hdr, (const uint8_t *)text, tlen, NULL);
        mcsec_wipe(key, sizeof key);
        out = sealed;
    }
    if (err == MCSEC_OK)
        err = file_replace_0600(path, out, olen);
    mcsec_wipe(text, tlen);
    free(text);
    if (sealed != NULL) {
        mcsec_wipe(sealed, olen);
        free(sealed);
    }
    return err;
}
