#define _GNU_SOURCE /* memmem */
/* S/MIME in SIP (src/smime, src/cert): RFC 3394 vectors through OpenSSL's
 * id-aes*-wrap, the deterministic KEKRI vector of smime-sip.md §3.4, round trips
 * of every protection form on a MESSAGE, a multipart INVITE and a 200 OK, and
 * every rejection with its error code (the output untouched each time). */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "mcsec/cert.h"
#include "mcsec/smime.h"
#include "testutil.h"

#define OUTMAX (64 * 1024)

typedef struct blob {
    uint8_t *p;
    size_t n;
} blob;

static blob read_vector(const char *name)
{
    const char *dir = getenv("MCSEC_VECTOR_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/smime/%s", dir ? dir : "tests/vectors", name);
    FILE *f = fopen(path, "rb");
    blob b = { malloc(OUTMAX), 0 };
    if (!f || !b.p) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    b.n = fread(b.p, 1, OUTMAX, f);
    fclose(f);
    return b;
}

typedef struct ident {
    char key[4096], cert[4096];
    size_t key_len, cert_len;
} ident;

static void make_ident(ident *id, const char *cn, mcsec_cert_key_type t)
{
    mcsec_cert_params p = { cn, "sip:someone@example.org", t, 30 };
    id->key_len = sizeof id->key;
    id->cert_len = sizeof id->cert;
    TU_CHECK_ERR(mcsec_cert_selfsign(id->key, &id->key_len, id->cert, &id->cert_len, &p), MCSEC_OK);
}

static const uint8_t KEK16[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
static const uint8_t KEK32[32] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a,
                                   0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25,
                                   0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f };
static const uint8_t KID[4] = { 0x2d, 0xdd, 0x5b, 0xf0 };

static ident alice_ec, server_rsa, server_ec, mallory;

/* ---- RFC 3394 through OpenSSL's EVP wrap ciphers -------------------------- */

static void test_rfc3394(void)
{
    tu_vectors *v = tu_vectors_load("smime/rfc3394.txt");
    for (size_t i = 0; i < tu_vectors_sections(v); i++) {
        uint8_t kek[32], data[32], want[40], got[48], back[48];
        size_t kl = tu_vectors_hex(v, i, "kek", kek, sizeof kek);
        size_t dl = tu_vectors_hex(v, i, "data", data, sizeof data);
        size_t wl = tu_vectors_hex(v, i, "wrapped", want, sizeof want);
        const EVP_CIPHER *c = kl == 16 ? EVP_aes_128_wrap() : kl == 24 ? EVP_aes_192_wrap()
                                                                       : EVP_aes_256_wrap();
        EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
        int n1 = 0, n2 = 0;
        TU_CHECK(EVP_EncryptInit_ex(ctx, c, NULL, kek, NULL) == 1);
        TU_CHECK(EVP_EncryptUpdate(ctx, got, &n1, data, (int)dl) == 1);
        TU_CHECK(EVP_EncryptFinal_ex(ctx, got + n1, &n2) == 1);
        TU_CHECK((size_t)(n1 + n2) == wl);
        TU_CHECK_MEM(got, want, wl);
        TU_CHECK(EVP_DecryptInit_ex(ctx, c, NULL, kek, NULL) == 1);
        TU_CHECK(EVP_DecryptUpdate(ctx, back, &n1, want, (int)wl) == 1);
        TU_CHECK((size_t)n1 == dl);
        TU_CHECK_MEM(back, data, dl);
        /* a flipped bit fails the integrity check value (RFC 3394 §2.2.3) */
        want[wl - 1] ^= 1;
        TU_CHECK(EVP_DecryptInit_ex(ctx, c, NULL, kek, NULL) == 1);
        TU_CHECK(EVP_DecryptUpdate(ctx, back, &n1, want, (int)wl) != 1);
        EVP_CIPHER_CTX_free(ctx);
    }
    tu_vectors_free(v);
}

/* ---- building SIP messages ----------------------------------------------- */

/* "<start>\r\n<headers>Content-Type: <ct>\r\n[<extra>]Content-Length: N\r\n\r\n<body>" */
static blob sip_with_body(const char *ct, const char *extra, const uint8_t *body, size_t n)
{
    blob b = { malloc(OUTMAX), 0 };
    b.n = (size_t)snprintf((char *)b.p, OUTMAX,
                           "MESSAGE sip:server@example.org SIP/2.0\r\n"
                           "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
                           "From: <sip:a@example.org>;tag=1\r\nTo: <sip:server@example.org>\r\n"
                           "Call-ID: x1@192.0.2.1\r\nCSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\n"
                           "Content-Type: %s\r\n%sContent-Length: %zu\r\n\r\n",
                           ct, extra, n);
    memcpy(b.p + b.n, body, n);
    b.n += n;
    return b;
}

/* Offset of the body (after the first empty line). */
static size_t body_off(const blob *b)
{
    for (size_t i = 0; i + 3 < b->n; i++)
        if (memcmp(b->p + i, "\r\n\r\n", 4) == 0)
            return i + 4;
    return b->n;
}

static void test_kekri_vector(void)
{
    tu_vectors *v = tu_vectors_load("smime/kekri_det.txt");
    uint8_t der[256], kek[16], kid[4], body[32];
    size_t dl = tu_vectors_hex(v, 0, "der", der, sizeof der);
    size_t kl = tu_vectors_hex(v, 0, "kek", kek, sizeof kek);
    size_t il = tu_vectors_hex(v, 0, "kek_id", kid, sizeof kid);
    size_t bl = tu_vectors_hex(v, 0, "body", body, sizeof body);
    const char *ct = tu_vectors_get(v, 0, "content_type");
    TU_CHECK(dl == 203);
    blob m = sip_with_body("application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m",
                           "Content-Disposition: attachment; handling=required; filename=smime.p7m\r\n",
                           der, dl);
    uint8_t *out = malloc(OUTMAX);
    size_t ol = OUTMAX;
    mcsec_smime_unprotect_opts o = { .kek = kek, .kek_len = kl, .kek_id = kid, .kek_id_len = il };
    mcsec_smime_info info = { 0 };
    TU_CHECK_ERR(mcsec_smime_unprotect(out, &ol, &info, m.p, m.n, &o), MCSEC_OK);
    blob r = { out, ol };
    char want_hdr[128];
    snprintf(want_hdr, sizeof want_hdr, "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n", ct, bl);
    size_t bo = body_off(&r);
    TU_CHECK(bo == ol - bl);
    TU_CHECK_MEM(out + bo, body, bl);
    TU_CHECK(memmem(out, ol, want_hdr, strlen(want_hdr)) != NULL);
    TU_CHECK(memmem(out, ol, "Content-Disposition", 19) == NULL);
    TU_CHECK(info.flags == MCSEC_SMIME_ENCRYPTED && info.layers == 1);
    /* the KEK of the next key, same ID: the unwrap check fails */
    kek[15] ^= 1;
    ol = OUTMAX;
    TU_CHECK_ERR(mcsec_smime_unprotect(out, &ol, &info, m.p, m.n, &o), MCSEC_ERR_DECAP);
    free(out);
    free(m.p);
    tu_vectors_free(v);
}

/* ---- round trips --------------------------------------------------------- */

typedef struct form {
    const char *name;
    int sign;            /* 0 none, 1 alice (EC), 2 server (RSA) */
    int enc;             /* 0 none, 1 KEK16, 2 KEK32, 3 RSA cert, 4 EC cert */
    int sign_first, base64;
    mcsec_smime_cipher cipher;
} form;

static const form forms[] = {
    { "kek16", 0, 1, 0, 0, 0 },
    { "kek32 base64", 0, 2, 0, 1, 0 },
    { "kek16 cbc", 0, 1, 0, 0, MCSEC_SMIME_AES128_CBC },
    { "kek32 aes256-cbc", 0, 2, 0, 0, MCSEC_SMIME_AES256_CBC },
    { "kek16 aes256-gcm", 0, 1, 0, 0, MCSEC_SMIME_AES256_GCM },
    { "rsa ktri", 0, 3, 0, 0, 0 },
    { "ec kari", 0, 4, 0, 1, 0 },
    { "signed ec", 1, 0, 0, 0, 0 },
    { "signed rsa base64", 2, 0, 0, 1, 0 },
    { "encrypt-then-sign kek", 1, 1, 0, 0, 0 },
    { "sign-then-encrypt kek base64", 1, 1, 1, 1, 0 },
    { "encrypt-then-sign rsa", 1, 3, 0, 0, 0 },
    { "sign-then-encrypt ec gcm", 2, 4, 1, 0, MCSEC_SMIME_AES128_GCM },
    { "encrypt-then-sign kek32 aes256-cbc", 2, 2, 0, 1, MCSEC_SMIME_AES256_CBC },
};

static void set_protect(mcsec_smime_protect_opts *o, const form *f)
{
    memset(o, 0, sizeof *o);
    const ident *s = f->sign == 1 ? &alice_ec : f->sign == 2 ? &server_rsa : NULL;
    if (s) {
        o->sign_cert_pem = s->cert;
        o->sign_cert_pem_len = s->cert_len;
        o->sign_key_pem = s->key;
        o->sign_key_pem_len = s->key_len;
    }
    if (f->enc == 1 || f->enc == 2) {
        o->kek = f->enc == 1 ? KEK16 : KEK32;
        o->kek_len = f->enc == 1 ? 16 : 32;
        o->kek_id = KID;
        o->kek_id_len = sizeof KID;
    } else if (f->enc >= 3) {
        const ident *r = f->enc == 3 ? &server_rsa : &server_ec;
        o->recip_cert_pem = r->cert;
        o->recip_cert_pem_len = r->cert_len;
    }
    o->sign_first = f->sign_first;
    o->base64 = f->base64;
    o->cipher = f->cipher;
}

static void set_unprotect(mcsec_smime_unprotect_opts *u, const form *f, int trust)
{
    memset(u, 0, sizeof *u);
    if (f->enc == 1 || f->enc == 2) {
        u->kek = f->enc == 1 ? KEK16 : KEK32;
        u->kek_len = f->enc == 1 ? 16 : 32;
        u->kek_id = KID;
        u->kek_id_len = sizeof KID;
    } else if (f->enc >= 3) {
        const ident *r = f->enc == 3 ? &server_rsa : &server_ec;
        u->cert_pem = r->cert;
        u->cert_pem_len = r->cert_len;
        u->key_pem = r->key;
        u->key_pem_len = r->key_len;
    }
    if (trust && f->sign) {
        const ident *s = f->sign == 1 ? &alice_ec : &server_rsa;
        u->trust_pem = s->cert;
        u->trust_pem_len = s->cert_len;
    }
}

static blob protect(const blob *m, const form *f)
{
    mcsec_smime_protect_opts o;
    set_protect(&o, f);
    blob b = { malloc(OUTMAX), OUTMAX };
    mcsec_err err = mcsec_smime_protect(b.p, &b.n, m->p, m->n, &o);
    if (err != MCSEC_OK) {
        fprintf(stderr, "protect %s: %s\n", f->name, mcsec_strerror(err));
        b.n = 0;
    }
    return b;
}

/* Unprotect into a buffer filled with 0xA5; on failure it must stay so. */
static mcsec_err unprotect(const blob *p, const mcsec_smime_unprotect_opts *u, blob *out,
                           mcsec_smime_info *info)
{
    memset(out->p, 0xA5, OUTMAX);
    out->n = OUTMAX;
    mcsec_err err = mcsec_smime_unprotect(out->p, &out->n, info, p->p, p->n, u);
    if (err != MCSEC_OK) {
        size_t i = 0;
        while (i < OUTMAX && out->p[i] == 0xA5)
            i++;
        TU_CHECK(i == OUTMAX); /* never half written */
    }
    return err;
}

static const char IDENTITY[] = "sip:mcptt-id-alice@mcptt.example.org";

static void test_round_trips(void)
{
    const char *files[] = { "message.sip", "invite.sip", "ok200.sip" };
    blob out = { malloc(OUTMAX), 0 };
    for (size_t fi = 0; fi < 3; fi++) {
        blob m = read_vector(files[fi]);
        TU_CHECK(memmem(m.p, m.n, IDENTITY, strlen(IDENTITY)) != NULL);
        for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
            const form *f = &forms[k];
            blob p = protect(&m, f);
            TU_CHECK(p.n > 0);
            /* headers: the pkcs7-mime type of the outermost layer, the disposition */
            const char *outer = (f->sign && (!f->enc || !f->sign_first)) ? "signed-data"
                                : (f->cipher == MCSEC_SMIME_AES128_GCM || f->cipher == MCSEC_SMIME_AES256_GCM ||
                                   f->cipher == MCSEC_SMIME_CIPHER_DEFAULT)
                                    ? "authEnveloped-data" : "enveloped-data";
            char ct[256];
            snprintf(ct, sizeof ct, "\r\nContent-Type: application/pkcs7-mime; smime-type=%s; name=smime.p7m\r\n"
                                    "Content-Disposition: attachment; handling=required; filename=smime.p7m\r\n",
                     outer);
            TU_CHECK(memmem(p.p, p.n, ct, strlen(ct)) != NULL);
            TU_CHECK((memmem(p.p, p.n, "Content-Transfer-Encoding: base64\r\n", 35) != NULL) == f->base64);
            if (f->enc) /* the MCPTT identity is not readable by the SIP core */
                TU_CHECK(memmem(p.p, p.n, IDENTITY, strlen(IDENTITY)) == NULL);
            /* the start line and the first headers are untouched */
            TU_CHECK(memcmp(p.p, m.p, 40) == 0);
            mcsec_smime_unprotect_opts u;
            mcsec_smime_info info = { 0 };
            for (int trust = 0; trust < 2; trust++) {
                set_unprotect(&u, f, trust);
                TU_CHECK_ERR(unprotect(&p, &u, &out, &info), MCSEC_OK);
                TU_CHECK(out.n == m.n && memcmp(out.p, m.p, m.n) == 0);
                TU_CHECK(((info.flags & MCSEC_SMIME_SIGNED) != 0) == (f->sign != 0));
                TU_CHECK(((info.flags & MCSEC_SMIME_ENCRYPTED) != 0) == (f->enc != 0));
                TU_CHECK(((info.flags & MCSEC_SMIME_TRUSTED) != 0) == (trust && f->sign));
                TU_CHECK(info.layers == (unsigned)((f->sign != 0) + (f->enc != 0)));
                TU_CHECK(info.sign_first == (f->sign && f->enc && f->sign_first));
            }
            free(p.p);
        }
        free(m.p);
    }
    /* a fresh CEK per body: the same message twice gives different bodies */
    blob m = read_vector("message.sip");
    blob p1 = protect(&m, &forms[0]), p2 = protect(&m, &forms[0]);
    TU_CHECK(p1.n == p2.n && memcmp(p1.p, p2.p, p1.n) != 0);
    free(p1.p);
    free(p2.p);
    /* LF line ends and compact header names are kept as they are */
    static const char lf[] = "MESSAGE sip:s@example.org SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\n"
                             "From: <sip:a@example.org>;tag=2\nTo: <sip:s@example.org>\nCall-ID: c2\n"
                             "CSeq: 2 MESSAGE\nc: text/plain\nl: 5\n\nhello";
    blob ml = { (uint8_t *)lf, sizeof lf - 1 };
    blob pl = protect(&ml, &forms[9]);
    TU_CHECK(pl.n > 0 && memmem(pl.p, pl.n, "\nl: ", 4) != NULL &&
             memmem(pl.p, pl.n, "\nContent-Type: application/pkcs7-mime; smime-type=signed-data; name=smime.p7m\n", 78) != NULL);
    mcsec_smime_unprotect_opts u;
    set_unprotect(&u, &forms[9], 1);
    TU_CHECK_ERR(unprotect(&pl, &u, &out, NULL), MCSEC_OK);
    static const char lf_back[] = "MESSAGE sip:s@example.org SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK2\n"
                                  "From: <sip:a@example.org>;tag=2\nTo: <sip:s@example.org>\nCall-ID: c2\n"
                                  "CSeq: 2 MESSAGE\nContent-Type: text/plain\nl: 5\n\nhello";
    TU_CHECK(out.n == sizeof lf_back - 1 && memcmp(out.p, lf_back, out.n) == 0);
    free(pl.p);
    free(m.p);
    free(out.p);
}

/* ---- rejections ---------------------------------------------------------- */

/* Flips one bit in every octet of the body (bit i mod 8 of octet i): every
 * form with integrity must reject each. */
static void flip_every_octet(const blob *m, const form *f)
{
    blob p = protect(m, f), q = { malloc(OUTMAX), 0 }, out = { malloc(OUTMAX), 0 };
    mcsec_smime_unprotect_opts u;
    set_unprotect(&u, f, 0);
    size_t bo = body_off(&p), accepted = 0;
    for (size_t i = bo; i < p.n; i++) {
        memcpy(q.p, p.p, p.n);
        q.n = p.n;
        q.p[i] ^= (uint8_t)(1u << (i % 8));
        if (unprotect(&q, &u, &out, NULL) == MCSEC_OK)
            accepted++;
    }
    if (accepted)
        fprintf(stderr, "%s: %zu flipped bodies accepted\n", f->name, accepted);
    TU_CHECK(accepted == 0);
    free(p.p);
    free(q.p);
    free(out.p);
}

static char *make_cert_pem(EVP_PKEY *k, const char *cn, long serial)
{
    X509 *x = X509_new();
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, k);
    X509_sign(x, k, EVP_sha256());
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    char *s = malloc((size_t)n + 1);
    memcpy(s, p, (size_t)n);
    s[n] = 0;
    BIO_free(b);
    X509_free(x);
    return s;
}

static size_t pem_to_der(const char *pem, uint8_t *der)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    unsigned char *q = der;
    int n = i2d_X509(x, &q);
    X509_free(x);
    BIO_free(b);
    return (size_t)n;
}

/* A signature by another key under the same issuer and serial: the cert in the
 * SignedData is replaced by one of the same length with another public key. */
static void test_wrong_key(const blob *m)
{
    EVP_PKEY *ka = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *kb = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    char *ca = make_cert_pem(ka, "twin", 7), *cb = NULL;
    uint8_t da[1024], db[1024];
    size_t la = pem_to_der(ca, da), lb = 0;
    for (int tries = 0; tries < 64 && lb != la; tries++) {
        free(cb);
        cb = make_cert_pem(kb, "twin", 7);
        lb = pem_to_der(cb, db);
    }
    TU_CHECK(la == lb);
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, kb, NULL, NULL, 0, NULL, NULL);
    char *kp = NULL;
    long kn = BIO_get_mem_data(bio, &kp);
    mcsec_smime_protect_opts o = { .sign_cert_pem = cb, .sign_cert_pem_len = strlen(cb),
                                   .sign_key_pem = kp, .sign_key_pem_len = (size_t)kn };
    blob p = { malloc(OUTMAX), OUTMAX }, out = { malloc(OUTMAX), 0 };
    TU_CHECK_ERR(mcsec_smime_protect(p.p, &p.n, m->p, m->n, &o), MCSEC_OK);
    uint8_t *at = memmem(p.p, p.n, db, lb);
    TU_CHECK(at != NULL);
    if (at)
        memcpy(at, da, la);
    mcsec_smime_unprotect_opts u = { 0 };
    TU_CHECK_ERR(unprotect(&p, &u, &out, NULL), MCSEC_ERR_VERIFY);
    u.trust_pem = ca;
    u.trust_pem_len = strlen(ca);
    TU_CHECK_ERR(unprotect(&p, &u, &out, NULL), MCSEC_ERR_VERIFY);
    BIO_free(bio);
    free(ca);
    free(cb);
    free(p.p);
    free(out.p);
    EVP_PKEY_free(ka);
    EVP_PKEY_free(kb);
}

/* Replaces the first occurrence of a (same length as b) in p. */
static void replace(blob *p, const char *a, const char *b)
{
    uint8_t *at = memmem(p->p, p->n, a, strlen(a));
    TU_CHECK(at != NULL && strlen(a) == strlen(b));
    if (!at)
        fprintf(stderr, "replace: '%s' not found\n", a);
    if (at)
        memcpy(at, b, strlen(b));
}

/* A body of `declared` type whose DER is a SignedData over the MIME entity
 * "Content-Type: application/pkcs7-mime; smime-type=<inner_decl>" + enveloped. */
static blob nested_lie(const blob *m, const char *inner_decl)
{
    /* inner: a KEKRI EnvelopedData over a small entity, made with OpenSSL */
    static const char ent[] = "Content-Type: text/plain\r\n\r\nhi";
    BIO *in = BIO_new_mem_buf(ent, sizeof ent - 1);
    CMS_ContentInfo *env = CMS_encrypt(NULL, NULL, EVP_aes_128_cbc(), CMS_BINARY | CMS_PARTIAL);
    unsigned char *k = OPENSSL_memdup(KEK16, 16), *id = OPENSSL_memdup(KID, 4);
    CMS_add0_recipient_key(env, NID_undef, k, 16, id, 4, NULL, NULL, NULL);
    CMS_final(env, in, NULL, CMS_BINARY);
    unsigned char *der = NULL;
    int dl = i2d_CMS_ContentInfo(env, &der);
    char hdr[200];
    int hl = snprintf(hdr, sizeof hdr, "Content-Type: application/pkcs7-mime; smime-type=%s\r\n\r\n", inner_decl);
    uint8_t *mid = malloc((size_t)(hl + dl));
    memcpy(mid, hdr, (size_t)hl);
    memcpy(mid + hl, der, (size_t)dl);
    BIO *b2 = BIO_new_mem_buf(mid, hl + dl);
    BIO *kb = BIO_new_mem_buf(alice_ec.key, (int)alice_ec.key_len), *cb = BIO_new_mem_buf(alice_ec.cert, (int)alice_ec.cert_len);
    EVP_PKEY *pk = PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL);
    X509 *x = PEM_read_bio_X509(cb, NULL, NULL, NULL);
    CMS_ContentInfo *sd = CMS_sign(x, pk, NULL, b2, CMS_BINARY);
    unsigned char *sder = NULL;
    int sl = i2d_CMS_ContentInfo(sd, &sder);
    blob r = sip_with_body("application/pkcs7-mime; smime-type=signed-data; name=smime.p7m", "", sder, (size_t)sl);
    (void)m;
    OPENSSL_free(der);
    OPENSSL_free(sder);
    CMS_ContentInfo_free(env);
    CMS_ContentInfo_free(sd);
    EVP_PKEY_free(pk);
    X509_free(x);
    BIO_free(in);
    BIO_free(b2);
    BIO_free(kb);
    BIO_free(cb);
    free(mid);
    return r;
}

static void test_rejections(void)
{
    blob m = read_vector("message.sip"), out = { malloc(OUTMAX), 0 };
    mcsec_smime_unprotect_opts u;
    /* flipped bits: every form with integrity (signed, GCM) */
    flip_every_octet(&m, &forms[0]);  /* kek16 (AES-128-GCM) */
    flip_every_octet(&m, &forms[7]);  /* signed */
    flip_every_octet(&m, &forms[9]);  /* encrypt-then-sign */
    flip_every_octet(&m, &forms[10]); /* sign-then-encrypt, base64 */
    flip_every_octet(&m, &forms[11]); /* KTRI, then signed */

    const form *ets = &forms[9];
    blob p = protect(&m, ets);
    /* wrong KEK, wrong KEK ID, no key */
    uint8_t bad[16];
    memcpy(bad, KEK16, 16);
    bad[0] ^= 0x80;
    set_unprotect(&u, ets, 0);
    u.kek = bad;
    TU_CHECK_ERR(unprotect(&p, &u, &out, NULL), MCSEC_ERR_DECAP);
    uint8_t kid2[4] = { 0x2d, 0xdd, 0x5b, 0xf1 };
    set_unprotect(&u, ets, 0);
    u.kek_id = kid2;
    TU_CHECK_ERR(unprotect(&p, &u, &out, NULL), MCSEC_ERR_RECIPIENT);
    memset(&u, 0, sizeof u);
    TU_CHECK_ERR(unprotect(&p, &u, &out, NULL), MCSEC_ERR_RECIPIENT);
    /* a KEK message opened with a certificate, a KTRI for another certificate */
    u.cert_pem = server_rsa.cert;
    u.cert_pem_len = server_rsa.cert_len;
    u.key_pem = server_rsa.key;
    u.key_pem_len = server_rsa.key_len;
    TU_CHECK_ERR(unprotect(&p, &u, &out, NULL), MCSEC_ERR_RECIPIENT);
    blob pk = protect(&m, &forms[5]);
    u.cert_pem = server_ec.cert;
    u.cert_pem_len = server_ec.cert_len;
    u.key_pem = server_ec.key;
    u.key_pem_len = server_ec.key_len;
    TU_CHECK_ERR(unprotect(&pk, &u, &out, NULL), MCSEC_ERR_RECIPIENT);
    /* a certificate with the wrong key */
    u.key_pem = server_rsa.key;
    u.key_pem_len = server_rsa.key_len;
    TU_CHECK_ERR(unprotect(&pk, &u, &out, NULL), MCSEC_ERR_MALFORMED);
    free(pk.p);
    /* unknown signer where trust is required */
    set_unprotect(&u, ets, 0);
    u.trust_pem = mallory.cert;
    u.trust_pem_len = mallory.cert_len;
    TU_CHECK_ERR(unprotect(&p, &u, &out, NULL), MCSEC_ERR_UNTRUSTED);
    /* two anchors, one of them right */
    char two[8192];
    memcpy(two, mallory.cert, mallory.cert_len);
    memcpy(two + mallory.cert_len, alice_ec.cert, alice_ec.cert_len);
    u.trust_pem = two;
    u.trust_pem_len = mallory.cert_len + alice_ec.cert_len;
    TU_CHECK_ERR(unprotect(&p, &u, &out, NULL), MCSEC_OK);
    /* trust required but only encrypted */
    blob pe = protect(&m, &forms[0]);
    set_unprotect(&u, &forms[0], 0);
    u.trust_pem = alice_ec.cert;
    u.trust_pem_len = alice_ec.cert_len;
    TU_CHECK_ERR(unprotect(&pe, &u, &out, NULL), MCSEC_ERR_MISSING);
    free(pe.p);
    test_wrong_key(&m);

    /* truncated body: Content-Length kept, or corrected */
    set_unprotect(&u, ets, 0);
    blob t = { malloc(OUTMAX), p.n - 10 };
    memcpy(t.p, p.p, t.n);
    TU_CHECK_ERR(unprotect(&t, &u, &out, NULL), MCSEC_ERR_TRUNCATED);
    char cl[64], cl2[64];
    size_t bl = p.n - body_off(&p);
    snprintf(cl, sizeof cl, "Content-Length: %zu\r\n", bl);
    snprintf(cl2, sizeof cl2, "Content-Length: %zu\r\n", bl - 10);
    if (strlen(cl) == strlen(cl2)) {
        replace(&t, cl, cl2);
        TU_CHECK_ERR(unprotect(&t, &u, &out, NULL), MCSEC_ERR_TRUNCATED);
    }
    /* trailing octets after the body or after the DER */
    memcpy(t.p, p.p, p.n);
    t.n = p.n + 1;
    t.p[p.n] = 0;
    TU_CHECK_ERR(unprotect(&t, &u, &out, NULL), MCSEC_ERR_TRAILING);

    /* Content-Type lies: the outer smime-type, the inner one, not pkcs7 at all */
    memcpy(t.p, p.p, p.n);
    t.n = p.n;
    replace(&t, "smime-type=signed-data", "smime-type=enveloped-d");
    TU_CHECK_ERR(unprotect(&t, &u, &out, NULL), MCSEC_ERR_MALFORMED);
    memcpy(t.p, p.p, p.n);
    replace(&t, "smime-type=signed-data; name=smime.p7m", "smime-type=enveloped-data;name=smi.p7m");
    TU_CHECK_ERR(unprotect(&t, &u, &out, NULL), MCSEC_ERR_MALFORMED);
    memcpy(t.p, p.p, p.n);
    replace(&t, "application/pkcs7-mime;", "application/octet-stre;");
    TU_CHECK_ERR(unprotect(&t, &u, &out, NULL), MCSEC_ERR_UNSUPPORTED);
    blob lie = nested_lie(&m, "signed-data");
    TU_CHECK_ERR(unprotect(&lie, &u, &out, NULL), MCSEC_ERR_MALFORMED);
    free(lie.p);
    lie = nested_lie(&m, "enveloped-data"); /* the same, honest: accepted */
    TU_CHECK_ERR(unprotect(&lie, &u, &out, NULL), MCSEC_OK);
    TU_CHECK(out.n >= 2 && memcmp(out.p + out.n - 2, "hi", 2) == 0);
    free(lie.p);
    /* base64 that is not */
    blob pb = protect(&m, &forms[1]);
    set_unprotect(&u, &forms[1], 0);
    replace(&pb, "\r\n\r\nM", "\r\n\r\n*");
    TU_CHECK_ERR(unprotect(&pb, &u, &out, NULL), MCSEC_ERR_MALFORMED);
    free(pb.p);
    /* not a SIP message, no body */
    static const char junk[] = "hello world\r\nContent-Type: x/y\r\n\r\nbody";
    blob j = { (uint8_t *)junk, sizeof junk - 1 };
    TU_CHECK_ERR(unprotect(&j, &u, &out, NULL), MCSEC_ERR_MALFORMED);
    free(t.p);
    free(p.p);
    free(m.p);
    free(out.p);
}

static void test_args(void)
{
    blob m = read_vector("message.sip");
    uint8_t out[64];
    size_t ol = sizeof out;
    mcsec_smime_protect_opts o = { 0 };
    TU_CHECK_ERR(mcsec_smime_protect(out, &ol, m.p, m.n, &o), MCSEC_ERR_ARG); /* nothing to do */
    o.kek = KEK16;
    o.kek_len = 15;
    o.kek_id = KID;
    o.kek_id_len = 4;
    TU_CHECK_ERR(mcsec_smime_protect(out, &ol, m.p, m.n, &o), MCSEC_ERR_ARG);
    o.kek_len = 16;
    o.recip_cert_pem = server_rsa.cert;
    o.recip_cert_pem_len = server_rsa.cert_len;
    TU_CHECK_ERR(mcsec_smime_protect(out, &ol, m.p, m.n, &o), MCSEC_ERR_ARG); /* both */
    o.recip_cert_pem = NULL;
    /* the size needed, then success */
    TU_CHECK_ERR(mcsec_smime_protect(out, &ol, m.p, m.n, &o), MCSEC_ERR_BUFFER);
    uint8_t *big = malloc(ol);
    TU_CHECK_ERR(mcsec_smime_protect(big, &ol, m.p, m.n, &o), MCSEC_OK);
    free(big);
    /* a message without a body, a body longer than Content-Length */
    static const char nobody[] = "MESSAGE sip:s@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK3\r\n"
                                 "From: <sip:a@x>;tag=3\r\nTo: <sip:s@x>\r\nCall-ID: c3\r\nCSeq: 3 MESSAGE\r\n"
                                 "Content-Length: 0\r\n\r\n";
    ol = sizeof out;
    TU_CHECK_ERR(mcsec_smime_protect(out, &ol, (const uint8_t *)nobody, sizeof nobody - 1, &o), MCSEC_ERR_MISSING);
    memcpy(m.p + m.n, "X", 1);
    TU_CHECK_ERR(mcsec_smime_protect(out, &ol, m.p, m.n + 1, &o), MCSEC_ERR_TRAILING);
    TU_CHECK_ERR(mcsec_smime_protect(out, &ol, m.p, m.n - 1, &o), MCSEC_ERR_TRUNCATED);
    /* a signer key that is not the certificate's */
    mcsec_smime_protect_opts s = { .sign_cert_pem = alice_ec.cert, .sign_cert_pem_len = alice_ec.cert_len,
                                   .sign_key_pem = mallory.key, .sign_key_pem_len = mallory.key_len };
    TU_CHECK_ERR(mcsec_smime_protect(out, &ol, m.p, m.n, &s), MCSEC_ERR_MALFORMED);
    free(m.p);

    /* selfsign: bad arguments, the buffer contract, the SAN */
    mcsec_cert_params p = { "", NULL, MCSEC_CERT_KEY_EC, 0 };
    char k[8], c[8];
    size_t kl = sizeof k, cl = sizeof c;
    TU_CHECK_ERR(mcsec_cert_selfsign(k, &kl, c, &cl, &p), MCSEC_ERR_ARG);
    p.cn = "x";
    TU_CHECK_ERR(mcsec_cert_selfsign(k, &kl, c, &cl, &p), MCSEC_ERR_BUFFER);
    TU_CHECK(kl > 200 && cl > 300);
    BIO *b = BIO_new_mem_buf(alice_ec.cert, (int)alice_ec.cert_len);
    X509 *x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    TU_CHECK(x != NULL);
    GENERAL_NAMES *gens = x ? X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL) : NULL;
    TU_CHECK(gens && sk_GENERAL_NAME_num(gens) == 1 &&
             sk_GENERAL_NAME_value(gens, 0)->type == GEN_URI);
    GENERAL_NAMES_free(gens);
    X509_free(x);
    BIO_free(b);
}

int main(void)
{
    make_ident(&alice_ec, "alice", MCSEC_CERT_KEY_EC);
    make_ident(&server_rsa, "mcptt-server", MCSEC_CERT_KEY_RSA);
    make_ident(&server_ec, "mcptt-server-ec", MCSEC_CERT_KEY_EC);
    make_ident(&mallory, "alice", MCSEC_CERT_KEY_EC); /* same name, another key */
    test_rfc3394();
    test_kekri_vector();
    test_round_trips();
    test_rejections();
    test_args();
    return tu_finish("test_smime");
}
