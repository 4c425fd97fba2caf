/* libFuzzer target: IdM access token verification (src/jwt).
 *
 * First input byte even: the rest is a token, verified with a fixed P-256
 * public key whose private half was discarded when it was made, under a fixed
 * policy. The only acceptable outcome is MCSEC_ERR_TOKEN with the claims
 * zeroed: a fuzzer cannot forge ES256, so acceptance is a bug (trap).
 *
 * First input byte odd: the fuzzer's bytes get past the signature. The rest
 * is n (one byte) || header || payload; this harness signs
 * BASE64URL(header) '.' BASE64URL(payload) with a second embedded (test-only)
 * P-256 key using OpenSSL directly, and the library verifies the result, so
 * the header checks, the payload JSON and every claim check see fuzzed input.
 * Accepting is allowed there, but what is accepted must obey the policy. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "mcsec/jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW 1700000000
#define SKEW 60

static const char verify_pem[] = /* private key not kept anywhere */
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEbgGhH1Wxd07VkRlhpn2AEZJl4pPP\n"
    "xkXpbYQEee/aI+07mlWhvXO8pAFrHAeter4/SmOdIBdFflVa7U+kZgkqVg==\n"
    "-----END PUBLIC KEY-----\n";

static const char signing_pem[] = /* test-only key for the signed mode */
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgqhL+BtwoAp06qC5e\n"
    "8j355rLRn1fKRRFh6WJu1rbDlEyhRANCAATIePEnFuERW4IuBAuE65K2eA2fZ5E6\n"
    "Qa6K812mG7ULRXutqdVzgxb3P4Lp9xWuvM2DpaMXY7LHWLK4D3tnSx6e\n"
    "-----END PRIVATE KEY-----\n";

static mcsec_jwt_key *vkey, *skey;
static EVP_PKEY *sign_pkey;

static void init(void)
{
    if (vkey)
        return;
    if (mcsec_jwt_key_load_pem(&vkey, verify_pem, sizeof verify_pem - 1, 0) != MCSEC_OK ||
        mcsec_jwt_key_load_pem(&skey, signing_pem, sizeof signing_pem - 1, 1) != MCSEC_OK)
        __builtin_trap();
    BIO *b = BIO_new_mem_buf(signing_pem, -1);
    sign_pkey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!sign_pkey)
        __builtin_trap();
}

static size_t b64u(char *out, const uint8_t *in, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        out[o++] = a[v >> 18];
        out[o++] = a[(v >> 12) & 63];
        if (i + 1 < n)
            out[o++] = a[(v >> 6) & 63];
        if (i + 2 < n)
            out[o++] = a[v & 63];
    }
    return o;
}

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

static mcsec_jwt_policy policy(int variant)
{
    mcsec_jwt_policy p = { .issuer = "https://idms.example.org", .audience = "kms.example.org",
                           .identity_claim = variant & 1 ? NULL : "mcptt_id",
                           .required_scope = variant & 2 ? "3gpp:mcptt:key_management_server" : NULL,
                           .now = NOW, .skew = SKEW };
    return p;
}

/* A token must be rejected with TOKEN and zeroed claims, or accepted with
 * claims that satisfy the policy. */
static void check(mcsec_err e, const char *why, const mcsec_jwt_claims *c, int may_accept)
{
    if (!why)
        __builtin_trap();
    if (e == MCSEC_ERR_TOKEN) {
        if (!all_zero(c, sizeof *c) || strcmp(why, "ok") == 0)
            __builtin_trap();
        return;
    }
    if (e != MCSEC_OK || !may_accept || strcmp(why, "ok") != 0)
        __builtin_trap();
    size_t n = strnlen(c->identity, sizeof c->identity);
    if (n == 0 || n > MCSEC_JWT_STR_MAX || c->exp <= NOW - SKEW)
        __builtin_trap();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)c->identity[i] < 0x20 || c->identity[i] == 0x7f)
            __builtin_trap();
}

static void signed_mode(const uint8_t *data, size_t size, int variant)
{
    if (size < 1)
        return;
    size_t hl = data[0] < size - 1 ? data[0] : size - 1;
    const uint8_t *hdr = data + 1, *pay = data + 1 + hl;
    size_t pl = size - 1 - hl;
    char *tok = malloc(4 * (size / 3 + 3) + 100);
    size_t n = b64u(tok, hdr, hl);
    tok[n++] = '.';
    n += b64u(tok + n, pay, pl);

    uint8_t der[80];
    size_t dl = sizeof der;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, sign_pkey) != 1 ||
        EVP_DigestSign(ctx, der, &dl, (const unsigned char *)tok, n) != 1)
        __builtin_trap();
    EVP_MD_CTX_free(ctx);
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)dl);
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(es, &r, &s);
    uint8_t rs[64];
    BN_bn2binpad(r, rs, 32);
    BN_bn2binpad(s, rs + 32, 32);
    ECDSA_SIG_free(es);
    tok[n++] = '.';
    n += b64u(tok + n, rs, sizeof rs);

    mcsec_jwt_policy pol = policy(variant);
    mcsec_jwt_claims c;
    const char *why = NULL;
    mcsec_err e = mcsec_jwt_verify_why(&c, &why, tok, n, skey, &pol);
    check(e, why, &c, 1);
    /* the same token under the other key is never accepted */
    e = mcsec_jwt_verify_why(&c, &why, tok, n, vkey, &pol);
    check(e, why, &c, 0);
    free(tok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    init();
    if (size < 1)
        return 0;
    int variant = data[0] >> 1;
    if (data[0] & 1) {
        signed_mode(data + 1, size - 1, variant);
        return 0;
    }
    mcsec_jwt_policy pol = policy(variant);
    mcsec_jwt_claims c;
    const char *why = NULL;
    mcsec_err e = mcsec_jwt_verify_why(&c, &why, (const char *)data + 1, size - 1, vkey, &pol);
    check(e, why, &c, 0);
    return 0;
}
