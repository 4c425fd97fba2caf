/* Self-signed X.509 v3 certificates (RFC 5280) for S/MIME in SIP. */
#include "mcsec/cert.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Slack added to the sizes reported with MCSEC_ERR_BUFFER: a new P-256 key
 * pair changes the certificate's DER by at most the 2 octets of ECDSA-Sig-Value
 * length variation, i.e. a few base64 characters. */
#define PEM_SLACK 64

static int printable(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

static EVP_PKEY *make_key(mcsec_cert_key_type t)
{
    if (t == MCSEC_CERT_KEY_EC)
        return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    int ok = e && X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok;
}

/* Builds and signs the certificate; 1 on success. */
static int build(X509 *x, EVP_PKEY *pk, const mcsec_cert_params *p)
{
    uint8_t serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1)
        return 0;
    serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x40); /* positive, 16 octets (RFC 5280 §4.1.2.2) */
    BIGNUM *bn = BN_bin2bn(serial, sizeof serial, NULL);
    ASN1_INTEGER *sn = bn ? BN_to_ASN1_INTEGER(bn, NULL) : NULL;
    int ok = sn && X509_set_version(x, X509_VERSION_3) && X509_set_serialNumber(x, sn);
    ASN1_INTEGER_free(sn);
    BN_free(bn);
    if (!ok)
        return 0;
    X509_NAME *name = X509_get_subject_name(x);
    if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)p->cn, -1, -1, 0) ||
        !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, pk) ||
        !X509_gmtime_adj(X509_getm_notBefore(x), 0) ||
        !X509_time_adj_ex(X509_getm_notAfter(x), (int)(p->days ? p->days : 365), 0, NULL))
        return 0;
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    const char *ku = p->key_type == MCSEC_CERT_KEY_RSA
                         ? "critical,digitalSignature,keyEncipherment,keyCertSign"
                         : "critical,digitalSignature,keyAgreement,keyCertSign";
    if (!add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(x, &ctx, NID_key_usage, ku) ||
        !add_ext(x, &ctx, NID_ext_key_usage, "emailProtection") ||
        !add_ext(x, &ctx, NID_subject_key_identifier, "hash") ||
        !add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always"))
        return 0;
    if (p->uri) {
        /* GENERAL_NAME built directly so that commas in the URI are not read
         * as list separators by the config parser. */
        GENERAL_NAMES *gens = GENERAL_NAMES_new();
        GENERAL_NAME *gn = GENERAL_NAME_new();
        ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
        ok = gens && gn && ia5 && ASN1_STRING_set(ia5, p->uri, -1);
        if (ok) {
            GENERAL_NAME_set0_value(gn, GEN_URI, ia5);
            ia5 = NULL;
            ok = sk_GENERAL_NAME_push(gens, gn) > 0;
            if (ok)
                gn = NULL;
        }
        ok = ok && X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) == 1;
        ASN1_IA5STRING_free(ia5);
        GENERAL_NAME_free(gn);
        GENERAL_NAMES_free(gens);
        if (!ok)
            return 0;
    }
    return X509_sign(x, pk, EVP_sha256()) > 0;
}

/* Copies the contents of a memory BIO to (out, *len) with a NUL; 0, or
 * MCSEC_ERR_BUFFER with *len = needed. */
static mcsec_err bio_out(char *out, size_t *len, BIO *b, size_t *need)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    if (n <= 0)
        return MCSEC_ERR_CRYPTO;
    *need = (size_t)n;
    if (*len < (size_t)n + 1)
        return MCSEC_ERR_BUFFER;
    memcpy(out, p, (size_t)n);
    out[n] = '\0';
    return MCSEC_OK;
}

mcsec_err mcsec_cert_selfsign(char *key_pem, size_t *key_len, char *cert_pem, size_t *cert_len,
                              const mcsec_cert_params *p)
{
    if (!key_pem || !key_len || !cert_pem || !cert_len || !p || !p->cn ||
        !printable(p->cn, 64) || (p->uri && !printable(p->uri, 1024)) || p->days > 36500 ||
        (p->key_type != MCSEC_CERT_KEY_EC && p->key_type != MCSEC_CERT_KEY_RSA))
        return MCSEC_ERR_ARG;
    mcsec_err err = MCSEC_ERR_CRYPTO;
    EVP_PKEY *pk = make_key(p->key_type);
    X509 *x = X509_new();
    BIO *kb = BIO_new(BIO_s_secmem()), *cb = BIO_new(BIO_s_mem());
    if (!pk || !x || !kb || !cb) {
        err = pk ? MCSEC_ERR_NOMEM : MCSEC_ERR_CRYPTO;
        goto done;
    }
    if (!build(x, pk, p) || !PEM_write_bio_PrivateKey(kb, pk, NULL, NULL, 0, NULL, NULL) ||
        !PEM_write_bio_X509(cb, x))
        goto done;
    size_t kneed = 0, cneed = 0;
    mcsec_err ek = bio_out(key_pem, key_len, kb, &kneed);
    mcsec_err ec = ek ? ek : bio_out(cert_pem, cert_len, cb, &cneed);
    if (ek == MCSEC_ERR_BUFFER || ec == MCSEC_ERR_BUFFER) {
        if (ek == MCSEC_OK)
            mcsec_wipe(key_pem, kneed + 1); /* all or nothing */
        if (cneed == 0) {
            char *q = NULL;
            cneed = (size_t)BIO_get_mem_data(cb, &q);
        }
        *key_len = kneed + 1 + PEM_SLACK;
        *cert_len = cneed + 1 + PEM_SLACK;
        err = MCSEC_ERR_BUFFER;
        goto done;
    }
    if (ek || ec) {
        if (!ek)
            mcsec_wipe(key_pem, kneed + 1);
        err = ek ? ek : ec;
        goto done;
    }
    *key_len = kneed;
    *cert_len = cneed;
    err = MCSEC_OK;
done:
    BIO_free(kb); /* secmem: cleared on free */
    BIO_free(cb);
    X509_free(x);
    EVP_PKEY_free(pk);
    return err;
}
