/* libFuzzer target: the KMS request handler (routing, percent-decoding, the
 * Authorization header, KmsRequest bodies) on an in-memory store. Input:
 * method selector byte, then the path up to '\n', then either the body (a
 * valid token is sent) or, when the selector's top bit is set, a token line
 * and the body. Every reply must carry a known status and, except /metrics, a
 * KmsResponse body; a forged token must never get a 200. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "mcsec/jwt.h"
#include "mcsec/kms.h"

#define T0 1700000000
static mcsec_kms_server *srv;
static char auth[2200];

static int64_t fixed_now(void *ctx)
{
    (void)ctx;
    return T0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char pub[1024], priv[1024], mk[64];
    EVP_PKEY *k = EVP_EC_gen("P-256");
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(b, k);
    pub[BIO_read(b, pub, sizeof pub - 1)] = 0;
    BIO_free(b);
    b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    priv[BIO_read(b, priv, sizeof priv - 1)] = 0;
    BIO_free(b);
    EVP_PKEY_free(k);
    snprintf(mk, sizeof mk, "/tmp/mcsec-fuzz-kms-%d.key", (int)getpid());
    unlink(mk);
    mcsec_kms_config cfg = { .db_path = ":memory:", .master_key_path = mk, .kms_uri = "kms.example.org",
                             .idm_issuer = "iss", .idm_audience = "aud", .idm_key_pem = pub,
                             .idm_key_pem_len = strlen(pub), .now = fixed_now };
    if (mcsec_kms_server_open(&srv, &cfg) != MCSEC_OK)
        abort();
    unlink(mk);
    mcsec_jwt_key *jk = NULL;
    char tok[2048];
    size_t n = sizeof tok;
    mcsec_jwt_mint m = { .issuer = "iss", .audience = "aud", .identity_claim = "mcptt_id",
                         .identity = "sip:alice@example.org", .iat = T0, .ttl = 3600 };
    if (mcsec_jwt_key_load_pem(&jk, priv, strlen(priv), 1) != MCSEC_OK || mcsec_jwt_sign(tok, &n, jk, &m, NULL) != MCSEC_OK)
        abort();
    mcsec_jwt_key_free(jk);
    snprintf(auth, sizeof auth, "Bearer %s", tok);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const char *const methods[] = { "POST", "GET", "PUT", "DELETE" };
    const char *method = methods[data[0] & 3];
    int own_token = data[0] & 0x80;
    const uint8_t *p = data + 1, *end = data + size;
    const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL || nl - p > 400)
        return 0;
    char path[401], tok[1200];
    memcpy(path, p, (size_t)(nl - p));
    path[nl - p] = 0;
    if (strlen(path) != (size_t)(nl - p))
        return 0; /* an HTTP layer never passes a NUL inside the path */
    p = nl + 1;
    const char *authz = auth;
    if (own_token) {
        const uint8_t *nl2 = memchr(p, '\n', (size_t)(end - p));
        if (nl2 == NULL || nl2 - p >= (long)sizeof tok)
            return 0;
        memcpy(tok, p, (size_t)(nl2 - p));
        tok[nl2 - p] = 0;
        if (strlen(tok) != (size_t)(nl2 - p))
            return 0;
        authz = tok;
        p = nl2 + 1;
    }
    mcsec_kms_reply r;
    if (mcsec_kms_server_handle(srv, &r, method, path, authz, p, (size_t)(end - p)) != MCSEC_OK)
        __builtin_trap();
    switch (r.status) {
    case 200: case 400: case 401: case 403: case 404: case 405: case 500: break;
    default: __builtin_trap();
    }
    if (r.body == NULL && strcmp(path, "/metrics") != 0)
        __builtin_trap();
    /* a token the fuzzer wrote cannot carry a valid ES256 signature of a key
     * it does not have, unless it copied ours verbatim */
    if (own_token && r.status == 200 && strcmp(path, "/metrics") != 0 && strcmp(tok, auth) != 0 &&
        strstr(tok, auth + 7) == NULL)
        __builtin_trap();
    mcsec_kms_reply_free(&r);
    return 0;
}
