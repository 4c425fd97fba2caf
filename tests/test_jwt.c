/* IdM access tokens (src/jwt): the RFC 7515 A.3 and RFC 8037 A.4 examples
 * from tests/vectors/jwt_rfc7515.txt, round trips for ES256 / RS256 / EdDSA in
 * both directions against tokens made here with OpenSSL directly (not with
 * the library's signer), and one refusal per way a token can be bad, each
 * with the reason the verifier gives. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "mcsec/jwt.h"
#include "testutil.h"

#define NOW 1700000000
#define SKEW 60

/* ---- test-side helpers: files, base64url, an independent JWS signer ---- */

static char *read_vector_file(const char *name, size_t *len)
{
    const char *dir = getenv("MCSEC_VECTOR_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/vectors", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    char *buf = malloc(65536);
    size_t n = fread(buf, 1, 65535, f);
    fclose(f);
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

static mcsec_jwt_key *lib_key(const char *name, int is_private)
{
    size_t n;
    char *pem = read_vector_file(name, &n);
    mcsec_jwt_key *k = NULL;
    mcsec_err e = mcsec_jwt_key_load_pem(&k, pem, n, is_private);
    free(pem);
    if (e != MCSEC_OK) {
        fprintf(stderr, "cannot load %s: %d\n", name, e);
        exit(2);
    }
    return k;
}

static EVP_PKEY *ossl_key(const char *name)
{
    char *pem = read_vector_file(name, NULL);
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
    BIO_free(b);
    free(pem);
    if (!pk) {
        fprintf(stderr, "openssl cannot load %s\n", name);
        exit(2);
    }
    return pk;
}

/* base64url without padding via OpenSSL's base64 (malloc'd). */
static char *b64u(const void *p, size_t n)
{
    char *s = malloc(4 * (n / 3 + 1) + 1);
    int m = EVP_EncodeBlock((unsigned char *)s, p, (int)n);
    while (m > 0 && s[m - 1] == '=')
        m--;
    s[m] = 0;
    for (char *c = s; *c; c++)
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    return s;
}

/* base64url decode via OpenSSL (lenient; for test inputs only). */
static size_t unb64u(uint8_t *out, const char *s, size_t n)
{
    char *t = calloc(1, n + 4);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        t[m++] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
    while (m % 4)
        t[m++] = '=';
    int r = EVP_DecodeBlock(out, (unsigned char *)t, (int)m);
    size_t pad = (n % 4 == 2) ? 2 : (n % 4 == 3) ? 1 : 0;
    free(t);
    return r < 0 ? 0 : (size_t)r - pad;
}

enum { T_ES256, T_RS256, T_EDDSA, T_HS256, T_RAW };

/* Signature over input: ES256 as r || s (DER converted here), RS256, EdDSA,
 * or HMAC-SHA256 with secret. */
static size_t ossl_sign(uint8_t *sig, int kind, EVP_PKEY *pk, const uint8_t *secret, size_t slen,
                        const char *input)
{
    size_t n = 1024;
    if (kind == T_HS256) {
        unsigned int hl = 0;
        HMAC(EVP_sha256(), secret, (int)slen, (const unsigned char *)input, strlen(input), sig, &hl);
        return hl;
    }
    uint8_t der[1024];
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (EVP_DigestSignInit(c, NULL, kind == T_EDDSA ? NULL : EVP_sha256(), NULL, pk) != 1 ||
        EVP_DigestSign(c, der, &n, (const unsigned char *)input, strlen(input)) != 1) {
        fprintf(stderr, "openssl sign failed\n");
        exit(2);
    }
    EVP_MD_CTX_free(c);
    if (kind != T_ES256) {
        memcpy(sig, der, n);
        return n;
    }
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)n);
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(es, &r, &s);
    BN_bn2binpad(r, sig, 32);
    BN_bn2binpad(s, sig + 32, 32);
    ECDSA_SIG_free(es);
    return 64;
}

/* A compact JWS of the given header and payload JSON texts (malloc'd). */
static char *make_token(const char *hdr, const char *payload, int kind, EVP_PKEY *pk,
                        const uint8_t *secret, size_t slen)
{
    char *h = b64u(hdr, strlen(hdr)), *p = b64u(payload, strlen(payload));
    size_t in_len = strlen(h) + 1 + strlen(p);
    char *tok = malloc(in_len + 2 + 3000);
    sprintf(tok, "%s.%s", h, p);
    uint8_t sig[1024];
    size_t sl = kind == T_RAW ? 0 : ossl_sign(sig, kind, pk, secret, slen, tok);
    char *s = b64u(sig, sl);
    sprintf(tok + in_len, ".%s", s);
    free(h);
    free(p);
    free(s);
    return tok;
}

/* 1 if OpenSSL itself verifies token (r || s converted to DER for ES256). */
static int ossl_verify(const char *tok, int kind, const char *pub_name)
{
    char *pem = read_vector_file(pub_name, NULL);
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *pk = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    BIO_free(b);
    free(pem);
    const char *d2 = strrchr(tok, '.');
    uint8_t sig[1024], *der = NULL;
    size_t sl = unb64u(sig, d2 + 1, strlen(d2 + 1));
    const uint8_t *sp = sig;
    int dl = (int)sl;
    if (kind == T_ES256) {
        ECDSA_SIG *es = ECDSA_SIG_new();
        ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
        dl = i2d_ECDSA_SIG(es, &der);
        ECDSA_SIG_free(es);
        sp = der;
    }
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = pk && EVP_DigestVerifyInit(c, NULL, kind == T_EDDSA ? NULL : EVP_sha256(), NULL, pk) == 1 &&
             EVP_DigestVerify(c, sp, (size_t)dl, (const unsigned char *)tok, (size_t)(d2 - tok)) == 1;
    EVP_MD_CTX_free(c);
    EVP_PKEY_free(pk);
    OPENSSL_free(der);
    return ok;
}

/* ---- the verifier under test ---- */

static mcsec_jwt_policy policy(void)
{
    mcsec_jwt_policy p = { .issuer = "https://idms.example.org", .audience = "kms.example.org",
                           .identity_claim = "mcptt_id", .required_scope = NULL,
                           .now = NOW, .skew = SKEW };
    return p;
}

/* A payload with every claim the policy wants; extra is spliced in (may
 * override nothing: jansson would refuse the duplicate). */
static char *claims_json(const char *extra)
{
    char *s = malloc(16384);
    snprintf(s, 16384,
             "{\"iss\":\"https://idms.example.org\",\"aud\":\"kms.example.org\","
             "\"mcptt_id\":\"sip:alice@example.org\",\"iat\":%d,\"exp\":%d%s%s}",
             NOW - 10, NOW + 3600, extra && *extra ? "," : "", extra ? extra : "");
    return s;
}

static int check_line;

/* Verifies and checks the outcome; on failure also that the claims are zero. */
static void expect(const char *tok, size_t len, const mcsec_jwt_key *k, const mcsec_jwt_policy *p,
                   mcsec_err want, const char *want_why)
{
    mcsec_jwt_claims c;
    const char *why = "unset";
    memset(&c, 0xA5, sizeof c);
    mcsec_err e = mcsec_jwt_verify_why(&c, &why, tok, len, k, p);
    tu_checks++;
    if (e != want || strcmp(why, want_why) != 0 || (e != MCSEC_OK && !tu_all_zero(&c, sizeof c))) {
        tu_failures++;
        fprintf(stderr, "line %d: verify gave %d (%s), expected %d (%s)\n", check_line, e, why,
                want, want_why);
    }
    /* the plain entry point agrees */
    TU_CHECK_ERR(mcsec_jwt_verify(&c, tok, len, k, p), want);
}

#define EXPECT(tok, k, p, want, why)                                                       \
    do {                                                                                   \
        check_line = __LINE__;                                                             \
        expect((tok), strlen(tok), (k), (p), (want), (why));                               \
    } while (0)

/* A token signed here (ES256 with the P-256 test key) from header and payload. */
static void expect_es(EVP_PKEY *pk, const mcsec_jwt_key *k, const char *hdr, const char *payload,
                      const mcsec_jwt_policy *p, mcsec_err want, const char *why, int line)
{
    char *t = make_token(hdr, payload, T_ES256, pk, NULL, 0);
    check_line = line;
    expect(t, strlen(t), k, p, want, why);
    free(t);
}
#define EXPECT_ES(hdr, payload, want, why) \
    expect_es(es_priv, es_pub, (hdr), (payload), &pol, (want), (why), __LINE__)
#define EXPECT_CLAIMS(extra, want, why)                                                    \
    do {                                                                                   \
        char *pl_ = claims_json(extra);                                                    \
        EXPECT_ES(HDR, pl_, want, why);                                                    \
        free(pl_);                                                                         \
    } while (0)

static const char HDR[] = "{\"alg\":\"ES256\",\"typ\":\"JWT\"}";

/* ---- the published examples ---- */

static void test_rfc_vectors(void)
{
    tu_vectors *tv = tu_vectors_load("jwt_rfc7515.txt");
    size_t s = tu_vectors_find(tv, "rfc7515_a3");
    uint8_t pt[65] = { 0x04 };
    tu_vectors_hex(tv, s, "x", pt + 1, 32);
    tu_vectors_hex(tv, s, "y", pt + 33, 32);

    /* the stored PEM is the JWK's x, y: rebuild it with OpenSSL and compare */
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof pt);
    OSSL_PARAM *prm = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *pk = NULL;
    TU_CHECK(EVP_PKEY_fromdata_init(pc) == 1 &&
             EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, prm) == 1);
    BIO *mem = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(mem, pk);
    char *built;
    long bl = BIO_get_mem_data(mem, &built);
    size_t fl;
    char *file = read_vector_file(tu_vectors_get(tv, s, "pub"), &fl);
    TU_CHECK(bl > 0 && (size_t)bl == fl && memcmp(built, file, fl) == 0);

    mcsec_jwt_key *k = NULL;
    TU_CHECK_ERR(mcsec_jwt_key_load_pem(&k, built, (size_t)bl, 0), MCSEC_OK);
    BIO_free(mem);
    EVP_PKEY_free(pk);
    EVP_PKEY_CTX_free(pc);
    OSSL_PARAM_free(prm);
    OSSL_PARAM_BLD_free(bld);
    free(file);

    const char *tok = tu_vectors_get(tv, s, "token");
    int64_t exp = strtoll(tu_vectors_get(tv, s, "exp"), NULL, 10);
    mcsec_jwt_policy p = { .issuer = tu_vectors_get(tv, s, "iss"), .audience = "kms.example.org",
                           .now = exp - 100, .skew = 0 };
    /* The signature, alg, exp and iss pass; the example has no "aud", which
     * a KMS must not accept: refused for the audience, not the signature. */
    EXPECT(tok, k, &p, MCSEC_ERR_TOKEN, "wrong audience");
    p.now = exp; /* RFC 7519 §4.1.4: on or after exp is expired */
    EXPECT(tok, k, &p, MCSEC_ERR_TOKEN, "expired");
    p.now = exp - 100;
    p.issuer = "jo";
    EXPECT(tok, k, &p, MCSEC_ERR_TOKEN, "wrong issuer");
    char *bad = strdup(tok);
    bad[strlen(bad) - 5] ^= 'A' ^ 'B'; /* another character of the alphabet, not the last */
    EXPECT(bad, k, &p, MCSEC_ERR_TOKEN, "bad signature");
    free(bad);
    mcsec_jwt_key_free(k);

    /* RFC 8037 A.4: Ed25519; the payload is text, not a claims set */
    s = tu_vectors_find(tv, "rfc8037_a4");
    uint8_t x[32];
    tu_vectors_hex(tv, s, "x", x, 32);
    pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, x, 32);
    mem = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(mem, pk);
    bl = BIO_get_mem_data(mem, &built);
    file = read_vector_file(tu_vectors_get(tv, s, "pub"), &fl);
    TU_CHECK(bl > 0 && (size_t)bl == fl && memcmp(built, file, fl) == 0);
    TU_CHECK_ERR(mcsec_jwt_key_load_pem(&k, built, (size_t)bl, 0), MCSEC_OK);
    BIO_free(mem);
    EVP_PKEY_free(pk);
    free(file);
    tok = tu_vectors_get(tv, s, "token");
    p = policy();
    EXPECT(tok, k, &p, MCSEC_ERR_TOKEN, "malformed"); /* past the signature */
    bad = strdup(tok);
    bad[strlen(bad) - 10] ^= 'A' ^ 'B';
    EXPECT(bad, k, &p, MCSEC_ERR_TOKEN, "bad signature");
    free(bad);
    mcsec_jwt_key_free(k);
    tu_vectors_free(tv);
}

/* ---- minting and both-way interop, per key type ---- */

static void test_round_trips(void)
{
    static const struct {
        const char *priv, *pub, *alg;
        int kind;
    } kt[] = {
        { "jwt/p256.key", "jwt/p256.pub", "ES256", T_ES256 },
        { "jwt/p256_trad.key", "jwt/p256.pub", "ES256", T_ES256 },
        { "jwt/rsa2048.key", "jwt/rsa2048.pub", "RS256", T_RS256 },
        { "jwt/ed25519.key", "jwt/ed25519.pub", "EdDSA", T_EDDSA },
    };
    for (size_t i = 0; i < sizeof kt / sizeof kt[0]; i++) {
        mcsec_jwt_key *sk = lib_key(kt[i].priv, 1), *vk = lib_key(kt[i].pub, 0);
        uint8_t r16[16] = { 0xfb, 0xff, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0xfe };
        tu_fixed_rng fr = { .chunks = { r16 }, .lens = { 16 }, .count = 1 };
        mcsec_rng rng = { tu_fixed_rng_fill, &fr };
        mcsec_jwt_mint m = { .issuer = "https://idms.example.org", .audience = "kms.example.org",
                             .identity_claim = "mcptt_id", .identity = "sip:alice@example.org",
                             .scope = "openid 3gpp:mcptt:key_management_server",
                             .iat = NOW - 10, .ttl = 600 };
        char tok[MCSEC_JWT_MAX_BYTES + 1];
        size_t len = sizeof tok;
        TU_CHECK_ERR(mcsec_jwt_sign(tok, &len, sk, &m, &rng), MCSEC_OK);
        TU_CHECK(len == strlen(tok));
        mcsec_jwt_policy p = policy();
        p.required_scope = "3gpp:mcptt:key_management_server";
        mcsec_jwt_claims c;
        const char *why;
        TU_CHECK_ERR(mcsec_jwt_verify_why(&c, &why, tok, len, vk, &p), MCSEC_OK);
        TU_CHECK(strcmp(why, "ok") == 0);
        TU_CHECK(strcmp(c.identity, "sip:alice@example.org") == 0);
        TU_CHECK(c.exp == NOW + 590 && c.iat == NOW - 10);
        TU_CHECK(strcmp(c.jti, "-_8AAQIDBAUGBwgJCgsM_g") == 0); /* base64url of r16 */
        /* the header is exactly {"alg":...,"typ":"JWT"} */
        char hdr[64];
        snprintf(hdr, sizeof hdr, "{\"alg\":\"%s\",\"typ\":\"JWT\"}", kt[i].alg);
        char *h64 = b64u(hdr, strlen(hdr));
        TU_CHECK(strncmp(tok, h64, strlen(h64)) == 0 && tok[strlen(h64)] == '.');
        free(h64);
        /* OpenSSL on its own accepts the library's signature */
        TU_CHECK(ossl_verify(tok, kt[i].kind, kt[i].pub));
        /* nbf = iat: not valid before iat - skew */
        p.now = NOW - 10 - SKEW - 1;
        EXPECT(tok, vk, &p, MCSEC_ERR_TOKEN, "not yet valid");

        /* and the library accepts OpenSSL's signature */
        EVP_PKEY *opk = ossl_key(kt[i].priv);
        char *pl = claims_json("\"scope\":\"a b\"");
        char *t2 = make_token(hdr, pl, kt[i].kind, opk, NULL, 0);
        p = policy();
        p.required_scope = "b";
        EXPECT(t2, vk, &p, MCSEC_OK, "ok");
        /* every bit of the signature matters */
        const char *d2 = strrchr(t2, '.');
        uint8_t sig[1024];
        size_t sl = unb64u(sig, d2 + 1, strlen(d2 + 1)), flips_ok = 0, flips = 0;
        for (size_t bit = 0; bit < sl * 8; bit += (sl > 64 ? 7 : 1)) {
            sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            char *s64 = b64u(sig, sl);
            char *t3 = malloc(strlen(t2) + 1);
            memcpy(t3, t2, (size_t)(d2 - t2) + 1);
            strcpy(t3 + (d2 - t2) + 1, s64);
            const char *w;
            mcsec_jwt_claims c3;
            flips++;
            flips_ok += mcsec_jwt_verify_why(&c3, &w, t3, strlen(t3), vk, &p) == MCSEC_ERR_TOKEN &&
                        strcmp(w, "bad signature") == 0;
            sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            free(s64);
            free(t3);
        }
        TU_CHECK(flips > 0 && flips_ok == flips);
        free(t2);
        free(pl);
        EVP_PKEY_free(opk);

        /* output buffer contract: too small gives the size with the NUL;
         * exactly the token's length succeeds without a NUL */
        fr.next = 0;
        char small[8];
        len = sizeof small;
        TU_CHECK_ERR(mcsec_jwt_sign(small, &len, sk, &m, &rng), MCSEC_ERR_BUFFER);
        TU_CHECK(len == strlen(tok) + 1);
        fr.next = 0;
        char *exact = malloc(len);
        exact[len - 1] = 'Z';
        len -= 1;
        TU_CHECK_ERR(mcsec_jwt_sign(exact, &len, sk, &m, &rng), MCSEC_OK);
        TU_CHECK(len == strlen(tok) && exact[len] == 'Z');
        free(exact);
        /* a failing RNG fails the mint */
        len = sizeof tok;
        TU_CHECK_ERR(mcsec_jwt_sign(tok, &len, sk, &m, &rng), MCSEC_ERR_RNG);
        /* a caller's jti and the default RNG */
        m.jti = "fixed-jti";
        len = sizeof tok;
        TU_CHECK_ERR(mcsec_jwt_sign(tok, &len, sk, &m, NULL), MCSEC_OK);
        TU_CHECK_ERR(mcsec_jwt_verify(&c, tok, len, vk, &p), MCSEC_ERR_TOKEN); /* no scope "b" */
        p.required_scope = NULL;
        TU_CHECK_ERR(mcsec_jwt_verify(&c, tok, len, vk, &p), MCSEC_OK);
        TU_CHECK(strcmp(c.jti, "fixed-jti") == 0);
        m.jti = NULL;
        char t4[MCSEC_JWT_MAX_BYTES + 1], t5[MCSEC_JWT_MAX_BYTES + 1];
        size_t l4 = sizeof t4, l5 = sizeof t5;
        mcsec_jwt_claims c5;
        TU_CHECK(mcsec_jwt_sign(t4, &l4, sk, &m, NULL) == MCSEC_OK &&
                 mcsec_jwt_sign(t5, &l5, sk, &m, NULL) == MCSEC_OK &&
                 mcsec_jwt_verify(&c, t4, l4, vk, &p) == MCSEC_OK &&
                 mcsec_jwt_verify(&c5, t5, l5, vk, &p) == MCSEC_OK && strlen(c.jti) == 22 &&
                 strcmp(c.jti, c5.jti) != 0);
        /* a private key verifies too; a public key does not sign */
        TU_CHECK_ERR(mcsec_jwt_verify(&c, t4, l4, sk, &p), MCSEC_OK);
        len = sizeof tok;
        TU_CHECK_ERR(mcsec_jwt_sign(tok, &len, vk, &m, NULL), MCSEC_ERR_ARG);
        mcsec_jwt_key_free(sk);
        mcsec_jwt_key_free(vk);
    }
}

static void test_mint_args(void)
{
    mcsec_jwt_key *sk = lib_key("jwt/p256.key", 1);
    char tok[MCSEC_JWT_MAX_BYTES];
    size_t len;
    const mcsec_jwt_mint good = { .issuer = "i", .audience = "a", .identity = "u", .iat = NOW,
                                  .ttl = 60 };
    mcsec_jwt_mint m = good;
#define MINT(want) do { len = sizeof tok; TU_CHECK_ERR(mcsec_jwt_sign(tok, &len, sk, &m, NULL), want); m = good; } while (0)
    MINT(MCSEC_OK);
    m.identity = "";
    MINT(MCSEC_ERR_ARG);
    m.identity = "a\nb";
    MINT(MCSEC_ERR_ARG);
    m.identity = NULL;
    MINT(MCSEC_ERR_ARG);
    m.identity = "\xff\xfe"; /* not UTF-8 */
    MINT(MCSEC_ERR_ARG);
    m.issuer = NULL;
    MINT(MCSEC_ERR_ARG);
    m.audience = "";
    MINT(MCSEC_ERR_ARG);
    m.ttl = 0;
    MINT(MCSEC_ERR_ARG);
    m.iat = INT64_MAX - 10;
    MINT(MCSEC_ERR_ARG);
    m.identity_claim = "exp"; /* would collide with a claim the minter sets */
    MINT(MCSEC_ERR_ARG);
    m.identity_claim = "";
    MINT(MCSEC_ERR_ARG);
    m.jti = "";
    MINT(MCSEC_ERR_ARG);
    mcsec_rng norng = { NULL, NULL };
    len = sizeof tok;
    TU_CHECK_ERR(mcsec_jwt_sign(tok, &len, sk, &m, &norng), MCSEC_ERR_ARG);
    len = sizeof tok;
    TU_CHECK_ERR(mcsec_jwt_sign(NULL, &len, sk, &m, NULL), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_jwt_sign(tok, NULL, sk, &m, NULL), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_jwt_sign(tok, &len, NULL, &m, NULL), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_jwt_sign(tok, &len, sk, NULL, NULL), MCSEC_ERR_ARG);
#undef MINT
    mcsec_jwt_key_free(sk);
}

static void test_key_loading(void)
{
    mcsec_jwt_key *k = (mcsec_jwt_key *)1;
    size_t n;
    char *pem;
    static const struct {
        const char *file;
        int is_private;
        mcsec_err want;
    } cases[] = {
        { "jwt/p384.pub", 0, MCSEC_ERR_UNSUPPORTED },   /* P-384 */
        { "jwt/p384.key", 1, MCSEC_ERR_UNSUPPORTED },
        { "jwt/rsa1024.pub", 0, MCSEC_ERR_UNSUPPORTED }, /* RFC 7518 §3.3: >= 2048 */
        { "jwt/rsa1024.key", 1, MCSEC_ERR_UNSUPPORTED },
        { "jwt/p256.key", 0, MCSEC_ERR_MALFORMED },     /* a private key is not a PUBLIC KEY */
        { "jwt/p256.pub", 1, MCSEC_ERR_MALFORMED },
        { "jwt_rfc7515.txt", 0, MCSEC_ERR_MALFORMED },  /* not PEM */
        { "jwt/ed25519.key", 1, MCSEC_OK },
        { "jwt/rsa2048.key", 1, MCSEC_OK },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pem = read_vector_file(cases[i].file, &n);
        k = (mcsec_jwt_key *)1;
        TU_CHECK_ERR(mcsec_jwt_key_load_pem(&k, pem, n, cases[i].is_private), cases[i].want);
        TU_CHECK((k != NULL) == (cases[i].want == MCSEC_OK));
        mcsec_jwt_key_free(k);
        free(pem);
    }
    /* an encrypted private key fails without prompting for a passphrase */
    EVP_PKEY *pk = ossl_key("jwt/p256.key");
    BIO *mem = BIO_new(BIO_s_mem());
    PEM_write_bio_PKCS8PrivateKey(mem, pk, EVP_aes_128_cbc(), "pw", 2, NULL, NULL);
    char *enc;
    long el = BIO_get_mem_data(mem, &enc);
    TU_CHECK_ERR(mcsec_jwt_key_load_pem(&k, enc, (size_t)el, 1), MCSEC_ERR_MALFORMED);
    BIO_free(mem);
    EVP_PKEY_free(pk);
    pem = read_vector_file("jwt/p256.pub", &n);
    TU_CHECK_ERR(mcsec_jwt_key_load_pem(&k, pem, n - 30, 0), MCSEC_ERR_MALFORMED); /* truncated */
    TU_CHECK_ERR(mcsec_jwt_key_load_pem(&k, pem, 0, 0), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_jwt_key_load_pem(&k, NULL, n, 0), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_jwt_key_load_pem(NULL, pem, n, 0), MCSEC_ERR_ARG);
    free(pem);
    mcsec_jwt_key_free(NULL);
}

/* ---- refusals ---- */

static void test_refusals(void)
{
    EVP_PKEY *es_priv = ossl_key("jwt/p256.key"), *rsa_priv = ossl_key("jwt/rsa2048.key");
    EVP_PKEY *ed_priv = ossl_key("jwt/ed25519.key");
    mcsec_jwt_key *es_pub = lib_key("jwt/p256.pub", 0), *rsa_pub = lib_key("jwt/rsa2048.pub", 0);
    mcsec_jwt_key *other = lib_key("jwt/p256b.pub", 0);
    mcsec_jwt_policy pol = policy();
    char *pl = claims_json(NULL), *t;

    /* the baseline is accepted; typ variants of RFC 7515 §4.1.9 / RFC 9068 */
    EXPECT_ES(HDR, pl, MCSEC_OK, "ok");
    EXPECT_ES("{\"alg\":\"ES256\"}", pl, MCSEC_OK, "ok");
    EXPECT_ES("{\"typ\":\"at+jwt\",\"alg\":\"ES256\",\"kid\":\"k1\"}", pl, MCSEC_OK, "ok");
    EXPECT_ES("{\"alg\":\"ES256\",\"typ\":\"AT+JWT\"}", pl, MCSEC_OK, "ok");
    EXPECT_ES("{\"alg\":\"ES256\",\"typ\":\"application/at+jwt\"}", pl, MCSEC_OK, "ok");
    EXPECT_ES("{\"alg\":\"ES256\",\"typ\":\"jwt\"}", pl, MCSEC_OK, "ok");
    EXPECT_ES("{\"alg\":\"ES256\",\"typ\":\"JOSE\"}", pl, MCSEC_ERR_TOKEN, "bad typ");
    EXPECT_ES("{\"alg\":\"ES256\",\"typ\":\"application/\"}", pl, MCSEC_ERR_TOKEN, "bad typ");
    EXPECT_ES("{\"alg\":\"ES256\",\"typ\":1}", pl, MCSEC_ERR_TOKEN, "bad typ");
    /* another key of the same type */
    t = make_token(HDR, pl, T_ES256, es_priv, NULL, 0);
    EXPECT(t, other, &pol, MCSEC_ERR_TOKEN, "bad signature");

    /* --- the algorithm is the key's (RFC 8725 §3.1) --- */
    char *h = b64u("{\"alg\":\"none\"}", 14), *p = b64u(pl, strlen(pl));
    char buf[MCSEC_JWT_MAX_BYTES * 2];
    snprintf(buf, sizeof buf, "%s.%s.", h, p); /* unsecured JWS, RFC 7515 A.5 */
    EXPECT(buf, es_pub, &pol, MCSEC_ERR_TOKEN, "alg not allowed");
    free(t);
    t = make_token("{\"alg\":\"none\"}", pl, T_ES256, es_priv, NULL, 0); /* none with a signature */
    EXPECT(t, es_pub, &pol, MCSEC_ERR_TOKEN, "alg not allowed");
    free(t);
    EXPECT_ES("{\"alg\":\"NONE\"}", pl, MCSEC_ERR_TOKEN, "alg not allowed");
    EXPECT_ES("{\"alg\":\"es256\"}", pl, MCSEC_ERR_TOKEN, "alg not allowed"); /* case-sensitive */
    EXPECT_ES("{\"typ\":\"JWT\"}", pl, MCSEC_ERR_TOKEN, "alg not allowed");   /* no alg */
    EXPECT_ES("{\"alg\":[\"ES256\"]}", pl, MCSEC_ERR_TOKEN, "alg not allowed");
    EXPECT_ES("{\"alg\":\"ES384\"}", pl, MCSEC_ERR_TOKEN, "alg not allowed"); /* ES256 sig under ES384 */
    /* HS256 keyed with the PEM text of the public key (the classic confusion) */
    size_t pem_len;
    char *pem = read_vector_file("jwt/p256.pub", &pem_len);
    t = make_token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", pl, T_HS256, NULL, (uint8_t *)pem, pem_len);
    EXPECT(t, es_pub, &pol, MCSEC_ERR_TOKEN, "alg not allowed");
    free(t);
    free(pem);
    /* a genuine RS256 token against the EC key, and ES256 / EdDSA against RSA */
    t = make_token("{\"alg\":\"RS256\"}", pl, T_RS256, rsa_priv, NULL, 0);
    EXPECT(t, es_pub, &pol, MCSEC_ERR_TOKEN, "alg not allowed");
    EXPECT(t, rsa_pub, &pol, MCSEC_OK, "ok");
    free(t);
    t = make_token("{\"alg\":\"EdDSA\"}", pl, T_EDDSA, ed_priv, NULL, 0);
    EXPECT(t, rsa_pub, &pol, MCSEC_ERR_TOKEN, "alg not allowed");
    EXPECT(t, es_pub, &pol, MCSEC_ERR_TOKEN, "alg not allowed");
    free(t);
    /* RS256 with a signature one octet short of the modulus */
    t = make_token("{\"alg\":\"RS256\"}", pl, T_RS256, rsa_priv, NULL, 0);
    {
        char *d = strrchr(t, '.');
        uint8_t sig[512];
        size_t sl = unb64u(sig, d + 1, strlen(d + 1));
        char *s64 = b64u(sig + 1, sl - 1);
        strcpy(d + 1, s64);
        free(s64);
        EXPECT(t, rsa_pub, &pol, MCSEC_ERR_TOKEN, "bad signature length");
    }
    free(t);

    /* --- header extensions --- */
    EXPECT_ES("{\"alg\":\"ES256\",\"crit\":[\"exp\"],\"exp\":1}", pl, MCSEC_ERR_TOKEN,
              "crit not supported");
    EXPECT_ES("{\"alg\":\"ES256\",\"b64\":false,\"crit\":[\"b64\"]}", pl, MCSEC_ERR_TOKEN,
              "crit not supported"); /* RFC 7797 unencoded payload */
    EXPECT_ES("{\"alg\":\"ES256\",\"alg\":\"ES256\"}", pl, MCSEC_ERR_TOKEN, "malformed");
    EXPECT_ES("[\"ES256\"]", pl, MCSEC_ERR_TOKEN, "malformed");
    EXPECT_ES("{\"alg\":\"ES256\"", pl, MCSEC_ERR_TOKEN, "malformed");

    /* --- flipped bits: header (inside a value, so still valid JSON), payload,
     * signature --- */
    {
        char *tk = make_token("{\"alg\":\"ES256\",\"kid\":\"abc\"}", pl, T_ES256, es_priv, NULL, 0);
        EXPECT(tk, es_pub, &pol, MCSEC_OK, "ok");
        char *d1 = strchr(tk, '.'), *d2 = strrchr(tk, '.');
        uint8_t raw[4096];
        size_t hl = unb64u(raw, tk, (size_t)(d1 - tk));
        raw[hl - 3] ^= 0x01; /* 'b' -> 'c' in "abc" */
        char *h2 = b64u(raw, hl);
        snprintf(buf, sizeof buf, "%s%s", h2, d1);
        EXPECT(buf, es_pub, &pol, MCSEC_ERR_TOKEN, "bad signature");
        free(h2);
        size_t plen = unb64u(raw, d1 + 1, (size_t)(d2 - d1 - 1));
        const char *at = strstr((char *)raw, "alice");
        for (int bit = 0; bit < 8; bit++) { /* any bit of the payload, even one breaking the JSON */
            raw[at - (char *)raw] ^= (uint8_t)(1 << bit);
            char *p2 = b64u(raw, plen);
            snprintf(buf, sizeof buf, "%.*s.%s%s", (int)(d1 - tk), tk, p2, d2);
            EXPECT(buf, es_pub, &pol, MCSEC_ERR_TOKEN, "bad signature");
            raw[at - (char *)raw] ^= (uint8_t)(1 << bit);
            free(p2);
        }
        size_t sl = unb64u(raw, d2 + 1, strlen(d2 + 1));
        TU_CHECK(sl == 64);
        raw[40] ^= 0x80;
        char *s2 = b64u(raw, sl);
        snprintf(buf, sizeof buf, "%.*s.%s", (int)(d2 - tk), tk, s2);
        EXPECT(buf, es_pub, &pol, MCSEC_ERR_TOKEN, "bad signature");
        free(s2);
        raw[40] ^= 0x80;

        /* ES256 signature lengths: 63, 65 octets, and DER instead of r || s */
        for (int delta = -1; delta <= 1; delta += 2) {
            uint8_t sig65[65];
            memcpy(sig65, raw, 64);
            sig65[64] = 0;
            char *s3 = b64u(delta < 0 ? raw + 1 : sig65, (size_t)(64 + delta));
            snprintf(buf, sizeof buf, "%.*s.%s", (int)(d2 - tk), tk, s3);
            EXPECT(buf, es_pub, &pol, MCSEC_ERR_TOKEN, "bad signature length");
            free(s3);
        }
        {
            ECDSA_SIG *es = ECDSA_SIG_new();
            uint8_t *der = NULL;
            ECDSA_SIG_set0(es, BN_bin2bn(raw, 32, NULL), BN_bin2bn(raw + 32, 32, NULL));
            int dl = i2d_ECDSA_SIG(es, &der);
            char *s3 = b64u(der, (size_t)dl);
            snprintf(buf, sizeof buf, "%.*s.%s", (int)(d2 - tk), tk, s3);
            EXPECT(buf, es_pub, &pol, MCSEC_ERR_TOKEN, "bad signature length");
            free(s3);
            OPENSSL_free(der);
            /* high S: (r, n - s) is as valid an ECDSA signature as (r, s); JWS
             * (RFC 7518 §3.4) does not ask for low S, so it is accepted */
            const BIGNUM *r, *s;
            ECDSA_SIG_get0(es, &r, &s);
            BIGNUM *n = BN_new(), *hs = BN_new();
            BN_hex2bn(&n, "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
            BN_sub(hs, n, s);
            uint8_t alt[64];
            BN_bn2binpad(r, alt, 32);
            BN_bn2binpad(hs, alt + 32, 32);
            TU_CHECK(memcmp(alt + 32, raw + 32, 32) != 0);
            s3 = b64u(alt, 64);
            snprintf(buf, sizeof buf, "%.*s.%s", (int)(d2 - tk), tk, s3);
            EXPECT(buf, es_pub, &pol, MCSEC_OK, "ok");
            free(s3);
            /* r = s = 0 */
            memset(alt, 0, 64);
            s3 = b64u(alt, 64);
            snprintf(buf, sizeof buf, "%.*s.%s", (int)(d2 - tk), tk, s3);
            EXPECT(buf, es_pub, &pol, MCSEC_ERR_TOKEN, "bad signature");
            free(s3);
            BN_free(n);
            BN_free(hs);
            ECDSA_SIG_free(es);
        }

        /* --- shape and base64url --- */
        size_t tl = strlen(tk);
        TU_CHECK(strlen(d2 + 1) == 86);   /* 64 octets: 86 characters, two '=' in base64 */
        snprintf(buf, sizeof buf, "%s==", tk);
        EXPECT(buf, es_pub, &pol, MCSEC_ERR_TOKEN, "malformed");
        snprintf(buf, sizeof buf, "%s.", tk); /* extra dot: 4 parts */
        EXPECT(buf, es_pub, &pol, MCSEC_ERR_TOKEN, "malformed");
        snprintf(buf, sizeof buf, "%s.%s", tk, d2 + 1);
        EXPECT(buf, es_pub, &pol, MCSEC_ERR_TOKEN, "malformed");
        snprintf(buf, sizeof buf, "%.*s", (int)(d2 - tk), tk); /* 2 parts */
        EXPECT(buf, es_pub, &pol, MCSEC_ERR_TOKEN, "malformed");
        snprintf(buf, sizeof buf, "%.*s.", (int)(d2 - tk), tk); /* 3 parts, empty signature */
        EXPECT(buf, es_pub, &pol, MCSEC_ERR_TOKEN, "bad signature length");
        EXPECT("..", es_pub, &pol, MCSEC_ERR_TOKEN, "malformed");
        EXPECT("", es_pub, &pol, MCSEC_ERR_TOKEN, "malformed");
        /* the last character of 64 octets carries 2 bits; others set = non-canonical */
        static const char alpha[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        memcpy(buf, tk, tl + 1);
        int idx = (int)(strchr(alpha, buf[tl - 1]) - alpha);
        TU_CHECK(idx % 16 == 0);
        buf[tl - 1] = alpha[idx | 1];
        EXPECT(buf, es_pub, &pol, MCSEC_ERR_TOKEN, "malformed");
        /* standard-alphabet characters, white space, NUL, 1-mod-4 length */
        static const char subst[] = { '+', '/', ' ', '\n', '=', '.', '\0', '*' };
        for (size_t i = 0; i < sizeof subst; i++) {
            memcpy(buf, tk, tl + 1);
            buf[tl - 20] = subst[i];
            check_line = __LINE__;
            expect(buf, tl, es_pub, &pol, MCSEC_ERR_TOKEN, "malformed");
        }
        snprintf(buf, sizeof buf, "%sAAA", tk); /* 89 characters: 1 mod 4 */
        EXPECT(buf, es_pub, &pol, MCSEC_ERR_TOKEN, "malformed");
        snprintf(buf, sizeof buf, "%s\n", tk);
        EXPECT(buf, es_pub, &pol, MCSEC_ERR_TOKEN, "malformed");
        snprintf(buf, sizeof buf, "Bearer %s", tk);
        EXPECT(buf, es_pub, &pol, MCSEC_ERR_TOKEN, "malformed");
        /* token_len shorter than the string: only token_len octets are read */
        check_line = __LINE__;
        expect(tk, tl - 1, es_pub, &pol, MCSEC_ERR_TOKEN, "malformed");
        free(tk);
    }

    /* --- length: a valid token of exactly MCSEC_JWT_MAX_BYTES, then one more --- */
    {
        char *filler = malloc(MCSEC_JWT_MAX_BYTES), extra[MCSEC_JWT_MAX_BYTES + 32];
        int hit = 0;
        for (size_t n = 5900; n < 6200 && !hit; n++) {
            memset(filler, 'x', n);
            filler[n] = 0;
            snprintf(extra, sizeof extra, "\"pad\":\"%s\"", filler);
            char *pj = claims_json(extra);
            char *tk = make_token(HDR, pj, T_ES256, es_priv, NULL, 0);
            size_t tl = strlen(tk);
            if (tl == MCSEC_JWT_MAX_BYTES) {
                hit = 1;
                EXPECT(tk, es_pub, &pol, MCSEC_OK, "ok");
                /* one more: the same token with its header one JSON space longer */
                char *tk2 = make_token("{\"alg\":\"ES256\", \"typ\":\"JWT\"}", pj, T_ES256, es_priv,
                                       NULL, 0);
                TU_CHECK(strlen(tk2) > MCSEC_JWT_MAX_BYTES);
                EXPECT(tk2, es_pub, &pol, MCSEC_ERR_TOKEN, "too long");
                free(tk2);
            }
            free(tk);
            free(pj);
        }
        TU_CHECK(hit);
        free(filler);
    }

    /* --- the payload --- */
    EXPECT_ES(HDR, "[1,2]", MCSEC_ERR_TOKEN, "malformed");
    EXPECT_ES(HDR, "\"str\"", MCSEC_ERR_TOKEN, "malformed");
    EXPECT_ES(HDR, "", MCSEC_ERR_TOKEN, "malformed");
    EXPECT_ES(HDR, "{\"iss\":\"x\"", MCSEC_ERR_TOKEN, "malformed");
    EXPECT_CLAIMS("\"iss\":\"https://idms.example.org\"", MCSEC_ERR_TOKEN, "malformed"); /* duplicate */
    EXPECT_CLAIMS("\"x\":\"\xc3\x28\"", MCSEC_ERR_TOKEN, "malformed");  /* invalid UTF-8 */
    EXPECT_CLAIMS("\"x\":\"\\u0000\"", MCSEC_ERR_TOKEN, "malformed");   /* NUL in a string */

    /* --- time (RFC 7519 §4.1.4, §4.1.5) with a 60 s leeway --- */
#define CLAIMS(fmt, ...) (snprintf(buf, sizeof buf, fmt, __VA_ARGS__), buf)
#define BASE "\"iss\":\"https://idms.example.org\",\"aud\":\"kms.example.org\",\"mcptt_id\":\"u\""
    EXPECT_ES(HDR, CLAIMS("{" BASE ",\"exp\":%d}", NOW - SKEW - 1), MCSEC_ERR_TOKEN, "expired");
    EXPECT_ES(HDR, CLAIMS("{" BASE ",\"exp\":%d}", NOW - SKEW), MCSEC_ERR_TOKEN, "expired");
    EXPECT_ES(HDR, CLAIMS("{" BASE ",\"exp\":%d}", NOW - SKEW + 1), MCSEC_OK, "ok"); /* within skew */
    EXPECT_ES(HDR, CLAIMS("{" BASE ",\"exp\":%d.5}", NOW - SKEW), MCSEC_ERR_TOKEN, "expired");
    EXPECT_ES(HDR, CLAIMS("{" BASE ",\"exp\":%d.5e0}", NOW), MCSEC_OK, "ok");
    EXPECT_ES(HDR, CLAIMS("{" BASE ",\"exp\":\"%d\"}", NOW + 100), MCSEC_ERR_TOKEN, "bad exp");
    EXPECT_ES(HDR, CLAIMS("{" BASE ",\"exp\":%s}", "1e300"), MCSEC_ERR_TOKEN, "bad exp");
    EXPECT_ES(HDR, CLAIMS("{" BASE ",\"exp\":%s}", "true"), MCSEC_ERR_TOKEN, "bad exp");
    EXPECT_ES(HDR, CLAIMS("{" BASE ",\"exp\":%s}", "null"), MCSEC_ERR_TOKEN, "bad exp");
    EXPECT_ES(HDR, CLAIMS("{" BASE "%s}", ""), MCSEC_ERR_TOKEN, "bad exp");
    EXPECT_ES(HDR, CLAIMS("{" BASE ",\"exp\":%s}", "99999999999999999999"), MCSEC_ERR_TOKEN,
              "malformed"); /* beyond a JSON integer jansson keeps */
    EXPECT_CLAIMS(CLAIMS("\"nbf\":%d", NOW + SKEW + 1), MCSEC_ERR_TOKEN, "not yet valid");
    EXPECT_CLAIMS(CLAIMS("\"nbf\":%d.1", NOW + SKEW), MCSEC_ERR_TOKEN, "not yet valid");
    EXPECT_CLAIMS(CLAIMS("\"nbf\":%d", NOW + SKEW), MCSEC_OK, "ok");
    EXPECT_CLAIMS(CLAIMS("\"nbf\":\"%d\"", NOW), MCSEC_ERR_TOKEN, "bad nbf");
    EXPECT_CLAIMS("\"iat\":\"now\"", MCSEC_ERR_TOKEN, "malformed"); /* duplicate iat */
    EXPECT_ES(HDR, CLAIMS("{" BASE ",\"exp\":%d,\"iat\":\"x\"}", NOW + 10), MCSEC_ERR_TOKEN,
              "bad iat");
    pol.skew = 0;
    EXPECT_ES(HDR, CLAIMS("{" BASE ",\"exp\":%d}", NOW), MCSEC_ERR_TOKEN, "expired");
    EXPECT_ES(HDR, CLAIMS("{" BASE ",\"exp\":%d}", NOW + 1), MCSEC_OK, "ok");
    pol = policy();
    pol.now = INT64_MIN + 5; /* saturating arithmetic: no overflow in now - skew */
    EXPECT_ES(HDR, CLAIMS("{" BASE ",\"exp\":%d}", NOW), MCSEC_OK, "ok");
    pol.now = INT64_MAX - 5;
    EXPECT_ES(HDR, CLAIMS("{" BASE ",\"exp\":%d}", NOW), MCSEC_ERR_TOKEN, "expired");
    pol = policy();

    /* --- issuer and audience (RFC 8725 §3.8, §3.9) --- */
#define IDT "\"mcptt_id\":\"u\",\"exp\":1900000000"
    EXPECT_ES(HDR, "{\"iss\":\"https://idms.example.org/\",\"aud\":\"kms.example.org\"," IDT "}",
              MCSEC_ERR_TOKEN, "wrong issuer");
    EXPECT_ES(HDR, "{\"iss\":\"HTTPS://idms.example.org\",\"aud\":\"kms.example.org\"," IDT "}",
              MCSEC_ERR_TOKEN, "wrong issuer");
    EXPECT_ES(HDR, "{\"aud\":\"kms.example.org\"," IDT "}", MCSEC_ERR_TOKEN, "wrong issuer");
    EXPECT_ES(HDR, "{\"iss\":[\"https://idms.example.org\"],\"aud\":\"kms.example.org\"," IDT "}",
              MCSEC_ERR_TOKEN, "wrong issuer");
    EXPECT_ES(HDR, "{\"iss\":\"https://idms.example.org\",\"aud\":\"kms.example.com\"," IDT "}",
              MCSEC_ERR_TOKEN, "wrong audience");
    EXPECT_ES(HDR, "{\"iss\":\"https://idms.example.org\",\"aud\":\"kms.example.org.evil\"," IDT "}",
              MCSEC_ERR_TOKEN, "wrong audience");
    EXPECT_ES(HDR, "{\"iss\":\"https://idms.example.org\"," IDT "}", MCSEC_ERR_TOKEN,
              "wrong audience");
    EXPECT_ES(HDR, "{\"iss\":\"https://idms.example.org\",\"aud\":[\"a\",\"kms.example.org\"]," IDT "}",
              MCSEC_OK, "ok");
    EXPECT_ES(HDR, "{\"iss\":\"https://idms.example.org\",\"aud\":[\"a\",\"b\"]," IDT "}",
              MCSEC_ERR_TOKEN, "wrong audience");
    EXPECT_ES(HDR, "{\"iss\":\"https://idms.example.org\",\"aud\":[]," IDT "}", MCSEC_ERR_TOKEN,
              "wrong audience");
    EXPECT_ES(HDR, "{\"iss\":\"https://idms.example.org\",\"aud\":[1,\"kms.example.org\"]," IDT "}",
              MCSEC_ERR_TOKEN, "wrong audience");
    EXPECT_ES(HDR, "{\"iss\":\"https://idms.example.org\",\"aud\":[[\"kms.example.org\"]]," IDT "}",
              MCSEC_ERR_TOKEN, "wrong audience");

    /* --- identity --- */
#define IA "{\"iss\":\"https://idms.example.org\",\"aud\":\"kms.example.org\",\"exp\":1900000000"
    EXPECT_ES(HDR, IA "}", MCSEC_ERR_TOKEN, "no identity");
    EXPECT_ES(HDR, IA ",\"sub\":\"u\"}", MCSEC_ERR_TOKEN, "no identity"); /* policy wants mcptt_id */
    EXPECT_ES(HDR, IA ",\"mcptt_id\":42}", MCSEC_ERR_TOKEN, "no identity");
    EXPECT_ES(HDR, IA ",\"mcptt_id\":[\"u\"]}", MCSEC_ERR_TOKEN, "no identity");
    EXPECT_ES(HDR, IA ",\"mcptt_id\":\"\"}", MCSEC_ERR_TOKEN, "no identity");
    EXPECT_ES(HDR, IA ",\"mcptt_id\":\"a\\nb\"}", MCSEC_ERR_TOKEN, "no identity");
    EXPECT_ES(HDR, IA ",\"mcptt_id\":\"a\\u007fb\"}", MCSEC_ERR_TOKEN, "no identity");
    {
        char id[MCSEC_JWT_STR_MAX + 2];
        memset(id, 'u', sizeof id - 1);
        id[sizeof id - 1] = 0;
        EXPECT_ES(HDR, CLAIMS(IA ",\"mcptt_id\":\"%s\"}", id), MCSEC_ERR_TOKEN, "no identity");
        id[MCSEC_JWT_STR_MAX] = 0; /* 255 octets: the longest kept */
        char *tk = make_token(HDR, CLAIMS(IA ",\"mcptt_id\":\"%s\"}", id), T_ES256, es_priv, NULL, 0);
        mcsec_jwt_claims c;
        TU_CHECK_ERR(mcsec_jwt_verify(&c, tk, strlen(tk), es_pub, &pol), MCSEC_OK);
        TU_CHECK(strcmp(c.identity, id) == 0 && c.iat == 0 && c.jti[0] == 0);
        free(tk);
    }
    EXPECT_ES(HDR, IA ",\"mcptt_id\":\"\xc3\xa9l\xc3\xa8ve@example.org\"}", MCSEC_OK, "ok"); /* UTF-8 */
    pol.identity_claim = NULL; /* default "sub" */
    EXPECT_ES(HDR, IA ",\"sub\":\"u\"}", MCSEC_OK, "ok");
    EXPECT_ES(HDR, IA ",\"mcptt_id\":\"u\"}", MCSEC_ERR_TOKEN, "no identity");
    pol = policy();

    /* --- scope (RFC 9068 §2.2.3: space-separated "scope"; "scp" array) --- */
    pol.required_scope = "3gpp:mcptt:key_management_server";
#define IS IA ",\"mcptt_id\":\"u\""
    EXPECT_ES(HDR, IS "}", MCSEC_ERR_TOKEN, "missing scope");
    EXPECT_ES(HDR, IS ",\"scope\":\"openid 3gpp:mcptt:ptt_server\"}", MCSEC_ERR_TOKEN, "missing scope");
    EXPECT_ES(HDR, IS ",\"scope\":\"openid 3gpp:mcptt:key_management_server_x\"}", MCSEC_ERR_TOKEN,
              "missing scope");
    EXPECT_ES(HDR, IS ",\"scope\":\"3gpp:mcptt:key\"}", MCSEC_ERR_TOKEN, "missing scope");
    EXPECT_ES(HDR, IS ",\"scope\":[\"3gpp:mcptt:key_management_server\"]}", MCSEC_ERR_TOKEN,
              "missing scope");
    EXPECT_ES(HDR, IS ",\"scope\":\"openid 3gpp:mcptt:key_management_server\"}", MCSEC_OK, "ok");
    EXPECT_ES(HDR, IS ",\"scope\":\"3gpp:mcptt:key_management_server openid\"}", MCSEC_OK, "ok");
    EXPECT_ES(HDR, IS ",\"scope\":\"3gpp:mcptt:key_management_server\"}", MCSEC_OK, "ok");
    EXPECT_ES(HDR, IS ",\"scp\":[\"openid\",\"3gpp:mcptt:key_management_server\"]}", MCSEC_OK, "ok");
    EXPECT_ES(HDR, IS ",\"scp\":\"openid 3gpp:mcptt:key_management_server\"}", MCSEC_OK, "ok");
    EXPECT_ES(HDR, IS ",\"scp\":[\"openid 3gpp:mcptt:key_management_server\"]}", MCSEC_ERR_TOKEN,
              "missing scope");
    pol.required_scope = "";
    EXPECT_ES(HDR, IS "}", MCSEC_OK, "ok");
    pol = policy();
    /* jti, when present, is a plain string */
    EXPECT_ES(HDR, IS ",\"jti\":7}", MCSEC_ERR_TOKEN, "bad jti");
    EXPECT_ES(HDR, IS ",\"jti\":\"\"}", MCSEC_ERR_TOKEN, "bad jti");
    EXPECT_ES(HDR, IS ",\"jti\":\"j-1\",\"iat\":1600000000.9}", MCSEC_OK, "ok");
    {
        char *tk = make_token(HDR, IS ",\"jti\":\"j-1\",\"iat\":1600000000.9}", T_ES256, es_priv, NULL, 0);
        mcsec_jwt_claims c;
        TU_CHECK_ERR(mcsec_jwt_verify(&c, tk, strlen(tk), es_pub, &pol), MCSEC_OK);
        TU_CHECK(strcmp(c.jti, "j-1") == 0 && c.iat == 1600000000 && c.exp == 1900000000);
        free(tk);
    }

    /* --- arguments --- */
    t = make_token(HDR, pl, T_ES256, es_priv, NULL, 0);
    {
        mcsec_jwt_claims c;
        const char *why;
        mcsec_jwt_policy bad = pol;
        TU_CHECK_ERR(mcsec_jwt_verify_why(&c, &why, t, strlen(t), es_pub, &pol), MCSEC_OK);
        TU_CHECK_ERR(mcsec_jwt_verify_why(NULL, &why, t, strlen(t), es_pub, &pol), MCSEC_ERR_ARG);
        TU_CHECK(strcmp(why, "bad argument") == 0);
        TU_CHECK_ERR(mcsec_jwt_verify_why(&c, NULL, t, strlen(t), es_pub, &pol), MCSEC_ERR_ARG);
        TU_CHECK_ERR(mcsec_jwt_verify_why(&c, &why, NULL, 5, es_pub, &pol), MCSEC_ERR_ARG);
        TU_CHECK_ERR(mcsec_jwt_verify_why(&c, &why, t, strlen(t), NULL, &pol), MCSEC_ERR_ARG);
        TU_CHECK_ERR(mcsec_jwt_verify_why(&c, &why, t, strlen(t), es_pub, NULL), MCSEC_ERR_ARG);
        bad.issuer = NULL;
        TU_CHECK_ERR(mcsec_jwt_verify_why(&c, &why, t, strlen(t), es_pub, &bad), MCSEC_ERR_ARG);
        bad = pol;
        bad.audience = "";
        TU_CHECK_ERR(mcsec_jwt_verify_why(&c, &why, t, strlen(t), es_pub, &bad), MCSEC_ERR_ARG);
        bad = pol;
        bad.skew = -1;
        TU_CHECK_ERR(mcsec_jwt_verify_why(&c, &why, t, strlen(t), es_pub, &bad), MCSEC_ERR_ARG);
        bad = pol;
        bad.identity_claim = "";
        TU_CHECK_ERR(mcsec_jwt_verify_why(&c, &why, t, strlen(t), es_pub, &bad), MCSEC_ERR_ARG);
        TU_CHECK(tu_all_zero(&c, sizeof c));
    }
    free(t);
    free(h);
    free(p);
    free(pl);
    EVP_PKEY_free(es_priv);
    EVP_PKEY_free(rsa_priv);
    EVP_PKEY_free(ed_priv);
    mcsec_jwt_key_free(es_pub);
    mcsec_jwt_key_free(rsa_pub);
    mcsec_jwt_key_free(other);
}

int main(void)
{
    test_rfc_vectors();
    test_round_trips();
    test_mint_args();
    test_key_loading();
    test_refusals();
    return tu_finish("test_jwt");
}
