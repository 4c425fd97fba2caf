/* IdM access tokens: JWT (RFC 7519) in JWS compact serialization (RFC 7515)
 * with the algorithm pinned to the key (RFC 8725 §3.1); see
 * include/mcsec/jwt.h.
 *
 * Verification order: shape and base64url of all three parts, the protected
 * header (alg, crit, typ), the signature over the signing input, and only then
 * the payload JSON and its claims. Nothing in the token chooses a key or an
 * algorithm; "kid", "jku", "jwk", "x5u" and "x5c" are ignored. */
#include "mcsec/jwt.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

enum jwt_alg { JWT_ES256, JWT_RS256, JWT_EDDSA };

struct mcsec_jwt_key {
    EVP_PKEY *pkey;
    enum jwt_alg alg;
    int is_private;
};

#define ES256_HALF 32            /* RFC 7518 §3.4: r and s are 32 octets each */
#define PEM_MAX_BYTES (1u << 20) /* a PEM key is a few KiB; refuse absurd inputs */
#define JWT_JTI_RAND 16          /* random octets of a minted "jti" */
#define JWT_JTI_CHARS 22         /* their base64url length */

static const char *alg_name(enum jwt_alg alg)
{
    switch (alg) {
    case JWT_ES256: return "ES256"; /* RFC 7518 §3.4 */
    case JWT_RS256: return "RS256"; /* RFC 7518 §3.3 */
    case JWT_EDDSA: return "EdDSA"; /* RFC 8037 §3.1 */
    }
    return "";
}

/* ---- base64url without padding (RFC 7515 §2, Appendix C) ---------------- */

static const char b64url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int b64url_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

static size_t b64url_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

/* Writes b64url_len(n) characters (no NUL). */
static void b64url_encode(char *out, const uint8_t *in, size_t n)
{
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *out++ = b64url_alphabet[v >> 18];
        *out++ = b64url_alphabet[(v >> 12) & 63];
        *out++ = b64url_alphabet[(v >> 6) & 63];
        *out++ = b64url_alphabet[v & 63];
    }
    if (n - i == 1) {
        *out++ = b64url_alphabet[in[i] >> 2];
        *out++ = b64url_alphabet[(in[i] & 3) << 4];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 8 | in[i + 1];
        *out++ = b64url_alphabet[v >> 10];
        *out++ = b64url_alphabet[(v >> 4) & 63];
        *out++ = b64url_alphabet[(v << 2) & 63];
    }
}

/* Strict decoding: only the 64 characters of the URL-safe alphabet, no '=',
 * no whitespace, no length of 1 mod 4, and the unused low bits of the last
 * character zero (one encoding per octet string). out holds n * 3 / 4 octets.
 * Returns 0, or -1 on any deviation. */
static int b64url_decode(uint8_t *out, size_t *out_len, const char *in, size_t n)
{
    size_t o = 0, i = 0;
    if (n % 4 == 1)
        return -1;
    for (; i + 4 <= n; i += 4) {
        int a = b64url_val((unsigned char)in[i]), b = b64url_val((unsigned char)in[i + 1]);
        int c = b64url_val((unsigned char)in[i + 2]), d = b64url_val((unsigned char)in[i + 3]);
        if ((a | b | c | d) < 0)
            return -1;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        out[o++] = (uint8_t)(v >> 16);
        out[o++] = (uint8_t)(v >> 8);
        out[o++] = (uint8_t)v;
    }
    if (n - i >= 2) {
        int a = b64url_val((unsigned char)in[i]), b = b64url_val((unsigned char)in[i + 1]);
        int c = n - i == 3 ? b64url_val((unsigned char)in[i + 2]) : 0;
        if ((a | b | c) < 0)
            return -1;
        if (n - i == 2 && (b & 15) != 0)
            return -1; /* non-canonical: bits beyond the last octet set */
        if (n - i == 3 && (c & 3) != 0)
            return -1;
        out[o++] = (uint8_t)(a << 2 | b >> 4);
        if (n - i == 3)
            out[o++] = (uint8_t)((b & 15) << 4 | c >> 2);
    }
    *out_len = o;
    return 0;
}

/* ---- keys ---------------------------------------------------------------- */

/* Never prompts for a passphrase: encrypted PEM keys fail to load. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf; (void)size; (void)rwflag; (void)u;
    return -1;
}

/* The pinned algorithm of a key, or -1 for an unsupported type or size. */
static int key_alg(EVP_PKEY *pk)
{
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_EC: {
        char group[64];
        size_t glen = 0;
        if (EVP_PKEY_get_group_name(pk, group, sizeof group, &glen) != 1)
            return -1; /* explicit curve parameters */
        int nid = OBJ_sn2nid(group);
        if (nid == NID_undef)
            nid = EC_curve_nist2nid(group);
        return nid == NID_X9_62_prime256v1 ? JWT_ES256 : -1;
    }
    case EVP_PKEY_RSA: /* RFC 7518 §3.3: a key of 2048 bits or larger MUST be used */
        return EVP_PKEY_get_bits(pk) >= 2048 ? JWT_RS256 : -1;
    case EVP_PKEY_ED25519:
        return JWT_EDDSA;
    default:
        return -1;
    }
}

mcsec_err mcsec_jwt_key_load_pem(mcsec_jwt_key **key, const char *pem, size_t pem_len,
                                 int is_private)
{
    mcsec_err err = MCSEC_OK;
    BIO *bio = NULL;
    EVP_PKEY *pk = NULL;
    if (key)
        *key = NULL;
    if (!key || !pem || pem_len == 0 || pem_len > PEM_MAX_BYTES)
        return MCSEC_ERR_ARG;
    ERR_set_mark();
    bio = BIO_new_mem_buf(pem, (int)pem_len);
    if (!bio) {
        err = MCSEC_ERR_NOMEM;
        goto done;
    }
    pk = is_private ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL)
                    : PEM_read_bio_PUBKEY(bio, NULL, no_passphrase, NULL);
    if (!pk) {
        err = MCSEC_ERR_MALFORMED;
        goto done;
    }
    int alg = key_alg(pk);
    if (alg < 0) {
        err = MCSEC_ERR_UNSUPPORTED;
        goto done;
    }
    mcsec_jwt_key *k = calloc(1, sizeof *k);
    if (!k) {
        err = MCSEC_ERR_NOMEM;
        goto done;
    }
    k->pkey = pk;
    k->alg = (enum jwt_alg)alg;
    k->is_private = is_private != 0;
    pk = NULL;
    *key = k;
done:
    EVP_PKEY_free(pk);
    BIO_free(bio);
    ERR_pop_to_mark();
    return err;
}

void mcsec_jwt_key_free(mcsec_jwt_key *key)
{
    if (!key)
        return;
    EVP_PKEY_free(key->pkey); /* OpenSSL cleanses private key material on free */
    mcsec_wipe(key, sizeof *key);
    free(key);
}

/* ---- signatures ---------------------------------------------------------- */

/* RFC 7518 §3.4: the JWS signature is r || s, each a 32-octet big-endian
 * integer; OpenSSL wants the DER ECDSA-Sig-Value. Exactly 64 octets. */
static int es256_raw_to_der(uint8_t **der, int *der_len, const uint8_t *sig, size_t sig_len)
{
    if (sig_len != 2 * ES256_HALF)
        return -1;
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, ES256_HALF, NULL), *s = BN_bin2bn(sig + ES256_HALF, ES256_HALF, NULL);
    int ok = es && r && s && ECDSA_SIG_set0(es, r, s) == 1;
    if (ok) {
        r = s = NULL; /* owned by es */
        *der = NULL;
        *der_len = i2d_ECDSA_SIG(es, der);
        ok = *der_len > 0;
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return ok ? 0 : -1;
}

/* The reverse, for signing: DER to r || s with each integer left-padded. */
static int es256_der_to_raw(uint8_t raw[2 * ES256_HALF], const uint8_t *der, size_t der_len)
{
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    int ok = es && p == der + der_len;
    if (ok) {
        const BIGNUM *r = NULL, *s = NULL;
        ECDSA_SIG_get0(es, &r, &s);
        ok = BN_bn2binpad(r, raw, ES256_HALF) == ES256_HALF &&
             BN_bn2binpad(s, raw + ES256_HALF, ES256_HALF) == ES256_HALF;
    }
    ECDSA_SIG_free(es);
    return ok ? 0 : -1;
}

static const EVP_MD *alg_md(enum jwt_alg alg)
{
    return alg == JWT_EDDSA ? NULL : EVP_sha256(); /* Ed25519 is one-shot, no digest */
}

/* 1 valid, 0 invalid, -1 out of memory. The signature's length is checked by
 * the caller. RS256 uses the key's default RSA padding, PKCS #1 v1.5. */
static int sig_verify(const mcsec_jwt_key *key, const char *input, size_t input_len,
                      const uint8_t *sig, size_t sig_len)
{
    uint8_t *der = NULL;
    int der_len = 0, rc = 0;
    if (key->alg == JWT_ES256) {
        if (es256_raw_to_der(&der, &der_len, sig, sig_len) != 0)
            return 0;
        sig = der;
        sig_len = (size_t)der_len;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) {
        rc = -1;
    } else if (EVP_DigestVerifyInit(ctx, NULL, alg_md(key->alg), NULL, key->pkey) == 1) {
        rc = EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)input, input_len) == 1;
    }
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    return rc;
}

/* Signs input into a freshly allocated JWS signature (r || s for ES256). */
static mcsec_err sig_sign(uint8_t **sig, size_t *sig_len, const mcsec_jwt_key *key,
                          const char *input, size_t input_len)
{
    mcsec_err err = MCSEC_ERR_CRYPTO;
    uint8_t *buf = NULL;
    size_t len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) {
        err = MCSEC_ERR_NOMEM;
        goto done;
    }
    if (EVP_DigestSignInit(ctx, NULL, alg_md(key->alg), NULL, key->pkey) != 1 ||
        EVP_DigestSign(ctx, NULL, &len, (const unsigned char *)input, input_len) != 1)
        goto done;
    buf = malloc(len < 2 * ES256_HALF ? 2 * ES256_HALF : len);
    if (!buf) {
        err = MCSEC_ERR_NOMEM;
        goto done;
    }
    if (EVP_DigestSign(ctx, buf, &len, (const unsigned char *)input, input_len) != 1)
        goto done;
    if (key->alg == JWT_ES256) {
        uint8_t raw[2 * ES256_HALF];
        if (es256_der_to_raw(raw, buf, len) != 0)
            goto done;
        memcpy(buf, raw, sizeof raw);
        len = sizeof raw;
    }
    *sig = buf;
    *sig_len = len;
    buf = NULL;
    err = MCSEC_OK;
done:
    free(buf);
    EVP_MD_CTX_free(ctx);
    return err;
}

/* ---- claims -------------------------------------------------------------- */

/* A NumericDate (RFC 7519 §2): a JSON number, integer or not, finite. Reals
 * are rounded towards the stricter side by the caller's choice of floor
 * (exp) or ceil (nbf). Returns 0, or -1 if absent is not allowed or the value
 * is not a usable number. */
static int numeric_date(const json_t *v, int64_t *out, int round_up)
{
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return 0;
    }
    if (!json_is_real(v))
        return -1;
    double d = json_real_value(v);
    if (!isfinite(d) || d <= -9.0e18 || d >= 9.0e18)
        return -1;
    *out = (int64_t)(round_up ? ceil(d) : floor(d));
    return 0;
}

/* A claim string usable as an identity or jti: 1..MCSEC_JWT_STR_MAX octets,
 * no control character (C0, DEL, or an embedded NUL). */
static int plain_string(const char *s, size_t n)
{
    if (n == 0 || n > MCSEC_JWT_STR_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            return 0;
    }
    return 1;
}

static int json_str_eq(const json_t *v, const char *want)
{
    return json_is_string(v) && json_string_length(v) == strlen(want) &&
           memcmp(json_string_value(v), want, json_string_length(v)) == 0;
}

/* RFC 7519 §4.1.3: "aud" is one string or an array of strings. 1 when want
 * is among them; 0 otherwise, including any non-string element. */
static int audience_ok(const json_t *aud, const char *want)
{
    if (json_is_string(aud))
        return json_str_eq(aud, want);
    if (!json_is_array(aud))
        return 0;
    int found = 0;
    size_t i;
    json_t *e;
    json_array_foreach(aud, i, e) {
        if (!json_is_string(e))
            return 0;
        found |= json_str_eq(e, want);
    }
    return found;
}

/* 1 if want is one space-separated word of the string s (RFC 6749 §3.3
 * scope syntax, as "scope" in RFC 8693 §4.2 / RFC 9068 §2.2.3). */
static int scope_has(const json_t *s, const char *want)
{
    const char *p = json_string_value(s);
    size_t n = json_string_length(s), wl = strlen(want);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && p[j] != ' ')
            j++;
        if (j - i == wl && memcmp(p + i, want, wl) == 0)
            return 1;
        i = j + 1;
    }
    return 0;
}

/* "scope" (a space-separated string) or "scp" (an array of strings, or a
 * space-separated string as some IdPs emit it) contains want. */
static int scope_ok(const json_t *payload, const char *want)
{
    const json_t *scope = json_object_get(payload, "scope"), *scp = json_object_get(payload, "scp");
    if (json_is_string(scope) && scope_has(scope, want))
        return 1;
    if (json_is_string(scp))
        return scope_has(scp, want);
    if (json_is_array(scp)) {
        size_t i;
        json_t *e;
        json_array_foreach(scp, i, e)
            if (json_str_eq(e, want))
                return 1;
    }
    return 0;
}

/* RFC 7515 §4.1.9: "typ" is a media type, compared case-insensitively, and
 * "application/" may be omitted. Accepted: JWT (RFC 7519 §5.1) and at+jwt
 * (RFC 9068 §2.1). */
static int typ_ok(const json_t *typ)
{
    if (!typ)
        return 1;
    if (!json_is_string(typ))
        return 0;
    const char *t = json_string_value(typ);
    size_t n = json_string_length(typ);
    if (n > 12 && strncasecmp(t, "application/", 12) == 0) {
        t += 12;
        n -= 12;
    }
    return (n == 3 && strncasecmp(t, "JWT", 3) == 0) || (n == 6 && strncasecmp(t, "at+jwt", 6) == 0);
}

static int64_t sat_add(int64_t a, int64_t b) /* b >= 0 */
{
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static int64_t sat_sub(int64_t a, int64_t b) /* b >= 0 */
{
    return a < INT64_MIN + b ? INT64_MIN : a - b;
}

/* Checks the claims of an authenticated payload; fills c. Returns the
 * failure's short name, or NULL when every check passed. */
static const char *check_claims(mcsec_jwt_claims *c, const json_t *pl, const mcsec_jwt_policy *pol,
                                const char *id_claim)
{
    int64_t t;
    /* RFC 7519 §4.1.4: reject on or after exp (plus the leeway) */
    if (numeric_date(json_object_get(pl, "exp"), &c->exp, 0) != 0)
        return "bad exp";
    if (c->exp <= sat_sub(pol->now, pol->skew))
        return "expired";
    /* §4.1.5: reject before nbf (minus the leeway) */
    const json_t *nbf = json_object_get(pl, "nbf");
    if (nbf && numeric_date(nbf, &t, 1) != 0)
        return "bad nbf";
    if (nbf && t > sat_add(pol->now, pol->skew))
        return "not yet valid";
    const json_t *iat = json_object_get(pl, "iat");
    if (iat && numeric_date(iat, &c->iat, 0) != 0)
        return "bad iat";
    /* RFC 8725 §3.8, §3.9; RFC 9068 §4: issuer and audience must match */
    if (!json_str_eq(json_object_get(pl, "iss"), pol->issuer))
        return "wrong issuer";
    if (!audience_ok(json_object_get(pl, "aud"), pol->audience))
        return "wrong audience";
    const json_t *id = json_object_get(pl, id_claim);
    if (!json_is_string(id) || !plain_string(json_string_value(id), json_string_length(id)))
        return "no identity";
    memcpy(c->identity, json_string_value(id), json_string_length(id));
    if (pol->required_scope && pol->required_scope[0] && !scope_ok(pl, pol->required_scope))
        return "missing scope";
    const json_t *jti = json_object_get(pl, "jti"); /* RFC 7519 §4.1.7 */
    if (jti && (!json_is_string(jti) || !plain_string(json_string_value(jti), json_string_length(jti))))
        return "bad jti";
    if (jti)
        memcpy(c->jti, json_string_value(jti), json_string_length(jti));
    return NULL;
}

/* A JSON object from decoded octets (RFC 7515 §5.2 step 3-4, RFC 7519 §7.2
 * step 10): duplicate member names are refused (RFC 7515 §5.2 "MUST either
 * reject ... or use a JSON parser that returns only the lexically last";
 * we reject). NULL when not an object. */
static json_t *load_object(const uint8_t *p, size_t n)
{
    json_error_t jerr;
    json_t *j = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &jerr);
    if (j && !json_is_object(j)) {
        json_decref(j);
        j = NULL;
    }
    return j;
}

mcsec_err mcsec_jwt_verify_why(mcsec_jwt_claims *claims, const char **why, const char *token,
                               size_t token_len, const mcsec_jwt_key *key,
                               const mcsec_jwt_policy *policy)
{
    static const char *const ok = "ok";
    const char *fail = NULL;
    mcsec_err err = MCSEC_ERR_TOKEN;
    uint8_t *buf = NULL, *hdr, *pay, *sig;
    size_t hdr_len = 0, pay_len = 0, sig_len = 0;
    json_t *header = NULL, *payload = NULL;
    const char *dot1 = NULL, *dot2 = NULL;

    if (claims)
        memset(claims, 0, sizeof *claims);
    if (!claims || !why || !token || !key || !policy || !policy->issuer || !policy->issuer[0] ||
        !policy->audience || !policy->audience[0] ||
        (policy->identity_claim && !policy->identity_claim[0]) || policy->skew < 0) {
        err = MCSEC_ERR_ARG;
        fail = "bad argument";
        goto done;
    }
    ERR_set_mark();
    if (token_len > MCSEC_JWT_MAX_BYTES) {
        fail = "too long";
        goto done;
    }
    /* RFC 7515 §7.1: BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(sig),
     * exactly two dots (a JWE has four; RFC 7516 §9) */
    for (size_t i = 0; i < token_len; i++) {
        if (token[i] != '.')
            continue;
        if (dot2) {
            dot1 = NULL;
            break;
        }
        if (dot1)
            dot2 = token + i;
        else
            dot1 = token + i;
    }
    if (!dot1 || !dot2) {
        fail = "malformed";
        goto done;
    }
    buf = malloc(token_len / 4 * 3 + 3);
    if (!buf) {
        err = MCSEC_ERR_NOMEM;
        fail = "out of memory";
        goto done;
    }
    size_t hdr_chars = (size_t)(dot1 - token), pay_chars = (size_t)(dot2 - dot1 - 1);
    hdr = buf;
    if (b64url_decode(hdr, &hdr_len, token, hdr_chars) != 0)
        goto malformed;
    pay = hdr + hdr_len;
    if (b64url_decode(pay, &pay_len, dot1 + 1, pay_chars) != 0)
        goto malformed;
    sig = pay + pay_len;
    if (b64url_decode(sig, &sig_len, dot2 + 1, token_len - hdr_chars - pay_chars - 2) != 0)
        goto malformed;

    /* RFC 7515 §5.2 step 5; RFC 8725 §3.1: the algorithm is the key's */
    if (!(header = load_object(hdr, hdr_len)))
        goto malformed;
    if (!json_str_eq(json_object_get(header, "alg"), alg_name(key->alg))) {
        fail = "alg not allowed";
        goto done;
    }
    /* RFC 7515 §4.1.11: we understand no extension, so any "crit" is refused */
    if (json_object_get(header, "crit")) {
        fail = "crit not supported";
        goto done;
    }
    if (!typ_ok(json_object_get(header, "typ"))) { /* RFC 8725 §3.11 */
        fail = "bad typ";
        goto done;
    }
    /* RFC 7518 §3.4: an ES256 signature is exactly 64 octets; Ed25519 is 64
     * (RFC 8032 §5.1.6); RS256 is the modulus length (RFC 8017 §8.2.2 step 1) */
    size_t want_sig = key->alg == JWT_RS256 ? (size_t)EVP_PKEY_get_size(key->pkey) : 64;
    if (sig_len != want_sig) {
        fail = "bad signature length";
        goto done;
    }
    /* RFC 7515 §5.2 step 8: the signing input is the ASCII of header.payload */
    int v = sig_verify(key, token, (size_t)(dot2 - token), sig, sig_len);
    if (v != 1) {
        err = v < 0 ? MCSEC_ERR_NOMEM : MCSEC_ERR_TOKEN;
        fail = v < 0 ? "out of memory" : "bad signature";
        goto done;
    }
    /* RFC 7519 §7.2 steps 9-10: the payload is the claims set, a JSON object */
    if (!(payload = load_object(pay, pay_len)))
        goto malformed;
    fail = check_claims(claims, payload, policy,
                        policy->identity_claim ? policy->identity_claim : "sub");
    if (!fail) {
        err = MCSEC_OK;
        fail = ok;
    }
    goto done;
malformed:
    fail = "malformed";
done:
    if (err != MCSEC_ERR_ARG)
        ERR_pop_to_mark();
    if (err != MCSEC_OK && claims)
        memset(claims, 0, sizeof *claims);
    if (why)
        *why = fail;
    json_decref(header);
    json_decref(payload);
    free(buf);
    return err;
}

mcsec_err mcsec_jwt_verify(mcsec_jwt_claims *claims, const char *token, size_t token_len,
                           const mcsec_jwt_key *key, const mcsec_jwt_policy *policy)
{
    const char *why;
    return mcsec_jwt_verify_why(claims, &why, token, token_len, key, policy);
}

/* ---- minting ------------------------------------------------------------- */

static int mint_string_ok(const char *s)
{
    return s && plain_string(s, strlen(s));
}

/* The claims set of a minted token as compact JSON (malloc'd), or NULL. */
static char *mint_payload(const mcsec_jwt_mint *m, const char *id_claim, const char *jti,
                          size_t *len)
{
    json_t *o = json_object();
    int bad = !o;
    /* RFC 7519 §4.1: iss, aud, the identity, scope (RFC 9068 §2.2.3), iat, nbf,
     * exp, jti; json_string() refuses invalid UTF-8 */
    bad = bad || json_object_set_new(o, "iss", json_string(m->issuer)) != 0;
    bad = bad || json_object_set_new(o, "aud", json_string(m->audience)) != 0;
    bad = bad || json_object_set_new(o, id_claim, json_string(m->identity)) != 0;
    if (m->scope)
        bad = bad || json_object_set_new(o, "scope", json_string(m->scope)) != 0;
    bad = bad || json_object_set_new(o, "iat", json_integer(m->iat)) != 0;
    bad = bad || json_object_set_new(o, "nbf", json_integer(m->iat)) != 0;
    bad = bad || json_object_set_new(o, "exp", json_integer(m->iat + m->ttl)) != 0;
    bad = bad || json_object_set_new(o, "jti", json_string(jti)) != 0;
    char *s = bad ? NULL : json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (s)
        *len = strlen(s);
    return s;
}

static int reserved_claim(const char *name)
{
    static const char *const names[] = { "iss", "aud", "scope", "iat", "nbf", "exp", "jti" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

mcsec_err mcsec_jwt_sign(char *out, size_t *out_len, const mcsec_jwt_key *key,
                         const mcsec_jwt_mint *mint, const mcsec_rng *rng)
{
    mcsec_err err = MCSEC_OK;
    char jti_buf[JWT_JTI_CHARS + 1], hdr_json[40];
    char *payload = NULL, *input = NULL;
    uint8_t *sig = NULL;
    size_t pay_len = 0, sig_len = 0;
    const char *id_claim = mint ? (mint->identity_claim ? mint->identity_claim : "sub") : NULL;

    if (!out || !out_len || !key || !key->is_private || !mint || !id_claim || !id_claim[0] ||
        reserved_claim(id_claim) || !mint->issuer || !mint->issuer[0] || !mint->audience ||
        !mint->audience[0] || !mint_string_ok(mint->identity) || mint->ttl <= 0 ||
        mint->iat > INT64_MAX - mint->ttl || (mint->jti && !mint_string_ok(mint->jti)) ||
        (rng && !rng->fill))
        return MCSEC_ERR_ARG;
    ERR_set_mark();
    const char *jti = mint->jti;
    if (!jti) {
        uint8_t r[JWT_JTI_RAND];
        if (!rng)
            rng = mcsec_rng_default();
        if (rng->fill(rng->ctx, r, sizeof r) != 0) {
            err = MCSEC_ERR_RNG;
            goto done;
        }
        b64url_encode(jti_buf, r, sizeof r);
        jti_buf[JWT_JTI_CHARS] = 0;
        mcsec_wipe(r, sizeof r);
        jti = jti_buf;
    }
    if (!(payload = mint_payload(mint, id_claim, jti, &pay_len))) {
        err = MCSEC_ERR_ARG; /* a string that is not UTF-8, or out of memory */
        goto done;
    }
    /* RFC 7519 §5.1 "typ":"JWT"; RFC 7515 §4.1.1 "alg" */
    int hl = snprintf(hdr_json, sizeof hdr_json, "{\"alg\":\"%s\",\"typ\":\"JWT\"}",
                      alg_name(key->alg));
    size_t h64 = b64url_len((size_t)hl), p64 = b64url_len(pay_len);
    size_t input_len = h64 + 1 + p64;
    input = malloc(input_len);
    if (!input) {
        err = MCSEC_ERR_NOMEM;
        goto done;
    }
    b64url_encode(input, (const uint8_t *)hdr_json, (size_t)hl);
    input[h64] = '.';
    b64url_encode(input + h64 + 1, (const uint8_t *)payload, pay_len);
    if ((err = sig_sign(&sig, &sig_len, key, input, input_len)) != MCSEC_OK)
        goto done;
    size_t need = input_len + 1 + b64url_len(sig_len);
    if (*out_len < need) {
        *out_len = need + 1; /* room for the NUL too */
        err = MCSEC_ERR_BUFFER;
        goto done;
    }
    memcpy(out, input, input_len);
    out[input_len] = '.';
    b64url_encode(out + input_len + 1, sig, sig_len);
    if (*out_len > need)
        out[need] = 0;
    *out_len = need;
done:
    ERR_pop_to_mark();
    free(payload);
    free(input);
    free(sig);
    return err;
}
