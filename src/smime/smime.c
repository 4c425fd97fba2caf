/* S/MIME protection of SIP bodies with OpenSSL's CMS (RFC 5652), layered as in
 * RFC 8551 §3.7 and carried as in RFC 3261 §23. See include/mcsec/smime.h. */
#include "mcsec/smime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/ess.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "smime_int.h"

/* Slack added to the size reported with MCSEC_ERR_BUFFER by protect: with
 * the same inputs only the ECDSA signature (DER INTEGERs of varying length,
 * at most 2 octets each layer) and base64 line count change. */
#define PROTECT_SLACK 64

static const char DISPOSITION[] = "Content-Disposition: attachment; handling=required; filename=smime.p7m";

/* ---- keys and certificates ---------------------------------------------- */

/* A read-only BIO over a PEM buffer, or NULL. */
static BIO *pem_bio(const char *pem, size_t len)
{
    return pem && len > 0 && len <= INT32_MAX ? BIO_new_mem_buf(pem, (int)len) : NULL;
}

static X509 *load_cert(const char *pem, size_t len)
{
    BIO *b = pem_bio(pem, len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return x;
}

static EVP_PKEY *load_key(const char *pem, size_t len)
{
    BIO *b = pem_bio(pem, len);
    EVP_PKEY *k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    return k;
}

/* P-256 or RSA of at least 2048 bits. */
static int key_ok(const EVP_PKEY *k)
{
    if (EVP_PKEY_is_a(k, "RSA"))
        return EVP_PKEY_get_bits(k) >= 2048;
    if (EVP_PKEY_is_a(k, "EC")) {
        char g[32];
        size_t gl = 0;
        return EVP_PKEY_get_utf8_string_param(k, "group", g, sizeof g, &gl) == 1 &&
               (strcmp(g, "prime256v1") == 0 || strcmp(g, "P-256") == 0);
    }
    return 0;
}

/* ---- CMS operations ------------------------------------------------------ */

static mcsec_err cms_to_der(dbuf *out, CMS_ContentInfo *cms)
{
    unsigned char *der = NULL;
    int n = i2d_CMS_ContentInfo(cms, &der);
    if (n <= 0)
        return MCSEC_ERR_CRYPTO;
    db_put(out, der, (size_t)n);
    OPENSSL_free(der);
    return out->failed ? MCSEC_ERR_NOMEM : MCSEC_OK;
}

/* SignedData over content (eContentType id-data), SHA-256, signed attributes
 * content-type, message-digest, signing-time (RFC 5652 §5.3, §11) and ESS
 * signing-certificate-v2 (RFC 5035 §3: the SHA-256 of the signer's certificate,
 * so that the certificate carried in `certificates` is itself signed). */
static mcsec_err cms_sign(dbuf *out, const dbuf *content, X509 *cert, EVP_PKEY *key)
{
    mcsec_err err = MCSEC_ERR_CRYPTO;
    BIO *in = BIO_new_mem_buf(content->p, (int)content->n);
    CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, CMS_BINARY | CMS_PARTIAL);
    if (!in || !cms)
        goto out;
    if (!CMS_add1_signer(cms, cert, key, EVP_sha256(), CMS_BINARY | CMS_NOSMIMECAP | CMS_CADES))
        goto out;
    if (!CMS_final(cms, in, NULL, CMS_BINARY))
        goto out;
    err = cms_to_der(out, cms);
out:
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    return err;
}

/* The default is CBC only under an outer signature, which covers every octet
 * of the EnvelopedData; an outermost encryption layer gets GCM so that its
 * octets (and, with --sign-first, the MIME header of the signed entity inside)
 * cannot be changed unnoticed. */
static const EVP_CIPHER *pick_cipher(mcsec_smime_cipher c, int sig_outside)
{
    switch (c) {
    case MCSEC_SMIME_CIPHER_DEFAULT: return sig_outside ? EVP_aes_128_cbc() : EVP_aes_128_gcm();
    case MCSEC_SMIME_AES128_CBC: return EVP_aes_128_cbc();
    case MCSEC_SMIME_AES256_CBC: return EVP_aes_256_cbc();
    case MCSEC_SMIME_AES128_GCM: return EVP_aes_128_gcm();
    case MCSEC_SMIME_AES256_GCM: return EVP_aes_256_gcm();
    }
    return NULL;
}

/* EnvelopedData (CBC) or AuthEnvelopedData (GCM, RFC 5083) with one
 * RecipientInfo: KEKRI under kek (id-aes128-wrap / id-aes256-wrap by KEK
 * length, RFC 3565 §2.3.2), KTRI with RSAES-OAEP SHA-256 (RFC 8017 §7.1,
 * RFC 4055 §4) for an RSA certificate, or KARI (ECDH, RFC 5753) for an EC one.
 * OpenSSL draws the CEK and IV fresh from RAND_priv_bytes. */
static mcsec_err cms_encrypt(dbuf *out, const dbuf *content, const EVP_CIPHER *cipher,
                             X509 *recip, const mcsec_smime_protect_opts *o)
{
    mcsec_err err = MCSEC_ERR_CRYPTO;
    BIO *in = BIO_new_mem_buf(content->p, (int)content->n);
    CMS_ContentInfo *cms = CMS_encrypt(NULL, NULL, cipher, CMS_BINARY | CMS_PARTIAL);
    if (!in || !cms)
        goto out;
    if (recip) {
        int rsa = EVP_PKEY_is_a(X509_get0_pubkey(recip), "RSA");
        CMS_RecipientInfo *ri = CMS_add1_recipient_cert(cms, recip, rsa ? CMS_KEY_PARAM : 0);
        if (!ri)
            goto out;
        if (rsa) {
            EVP_PKEY_CTX *pctx = CMS_RecipientInfo_get0_pkey_ctx(ri);
            if (!pctx || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
                EVP_PKEY_CTX_set_rsa_oaep_md(pctx, EVP_sha256()) <= 0 ||
                EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) <= 0)
                goto out;
        }
    } else {
        /* add0: the CMS object owns (and clears on free) these copies */
        unsigned char *k = OPENSSL_malloc(o->kek_len), *id = OPENSSL_malloc(o->kek_id_len);
        if (!k || !id) {
            OPENSSL_free(k);
            OPENSSL_free(id);
            err = MCSEC_ERR_NOMEM;
            goto out;
        }
        memcpy(k, o->kek, o->kek_len);
        memcpy(id, o->kek_id, o->kek_id_len);
        if (!CMS_add0_recipient_key(cms, NID_undef, k, o->kek_len, id, o->kek_id_len, NULL, NULL,
                                    NULL)) {
            OPENSSL_clear_free(k, o->kek_len);
            OPENSSL_free(id);
            goto out;
        }
    }
    if (!CMS_final(cms, in, NULL, CMS_BINARY))
        goto out;
    err = cms_to_der(out, cms);
out:
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    return err;
}

static const char *smime_type_of(int nid)
{
    switch (nid) {
    case NID_pkcs7_signed: return "signed-data";
    case NID_pkcs7_enveloped: return "enveloped-data";
    case NID_id_smime_ct_authEnvelopedData: return "authEnveloped-data";
    }
    return NULL;
}

/* The NID an smime-type parameter announces (RFC 8551 §3.2.2), or NID_undef. */
static int nid_of_smime_type(const char *t)
{
    static const int nids[] = { NID_pkcs7_signed, NID_pkcs7_enveloped,
                                NID_id_smime_ct_authEnvelopedData };
    for (size_t i = 0; i < 3; i++)
        if (smime_ieq((const uint8_t *)t, strlen(t), smime_type_of(nids[i])))
            return nids[i];
    return NID_undef;
}

/* smime_int.h: the message of hb with a new body and Content-* fields. */
void smime_rebuild(dbuf *msg, const hdr_block *hb, const dbuf *ctf, const uint8_t *body,
                   size_t body_len)
{
    const char *eol = hb->eol_len == 2 ? "\r\n" : "\n";
    char clen[32];
    snprintf(clen, sizeof clen, "%zu", body_len);
    db_put(msg, hb->buf, hb->start_len);
    for (size_t i = 0; i < hb->n; i++) {
        const hdr_field *f = &hb->h[i];
        switch (f->kind) {
        case H_CTYPE:
            db_put(msg, ctf->p, ctf->n);
            break;
        case H_CDISP:
        case H_CTE:
            break;
        case H_CLEN:
            db_put(msg, hb->buf + f->off, f->name_len);
            db_str(msg, ": ");
            db_str(msg, clen);
            db_str(msg, eol);
            break;
        default:
            db_put(msg, hb->buf + f->off, f->len);
            db_str(msg, eol);
        }
    }
    if (hb->idx[H_CLEN] < 0) {
        db_str(msg, "Content-Length: ");
        db_str(msg, clen);
        db_str(msg, eol);
    }
    db_str(msg, eol);
    db_put(msg, body, body_len);
    msg->failed |= ctf->failed;
}

/* ---- protect ------------------------------------------------------------- */

static void put_field(dbuf *b, const hdr_block *hb, int idx, const char *name, const char *eol)
{
    const hdr_field *f = &hb->h[idx];
    db_str(b, name);
    db_str(b, ": ");
    db_put(b, hb->buf + f->val_off, f->val_len);
    db_str(b, eol);
}

static mcsec_err check_protect_opts(const mcsec_smime_protect_opts *o)
{
    int sign = o->sign_cert_pem || o->sign_key_pem;
    int kek = o->kek || o->kek_id;
    if ((sign && (!o->sign_cert_pem || !o->sign_key_pem)) || (kek && (!o->kek || !o->kek_id)))
        return MCSEC_ERR_ARG;
    if (!sign && !kek && !o->recip_cert_pem)
        return MCSEC_ERR_ARG;
    if (kek && o->recip_cert_pem)
        return MCSEC_ERR_ARG;
    if (kek && ((o->kek_len != 16 && o->kek_len != 32) || o->kek_id_len == 0 ||
                o->kek_id_len > MCSEC_SMIME_MAX_KEK_ID))
        return MCSEC_ERR_ARG;
    if ((unsigned)o->cipher > MCSEC_SMIME_AES256_GCM)
        return MCSEC_ERR_ARG;
    return MCSEC_OK;
}

mcsec_err mcsec_smime_protect(uint8_t *out, size_t *out_len, const uint8_t *sip, size_t sip_len,
                              const mcsec_smime_protect_opts *o)
{
    if (!out_len || !sip || !o)
        return MCSEC_ERR_ARG;
    mcsec_err err = check_protect_opts(o);
    if (err)
        return err;
    if (sip_len > MCSEC_SMIME_MAX_MESSAGE)
        return MCSEC_ERR_LENGTH;
    hdr_block *hb = malloc(sizeof *hb);
    X509 *scert = NULL, *rcert = NULL;
    EVP_PKEY *skey = NULL;
    dbuf inner = { 0 }, der = { 0 }, mid = { 0 }, msg = { 0 };
    if (!hb)
        return MCSEC_ERR_NOMEM;
    if ((err = smime_scan_sip(hb, sip, sip_len, MCSEC_ERR_MISSING)) != MCSEC_OK)
        goto out;

    int sign = o->sign_cert_pem != NULL, enc = o->kek != NULL || o->recip_cert_pem != NULL;
    err = MCSEC_ERR_MALFORMED;
    if (sign) {
        scert = load_cert(o->sign_cert_pem, o->sign_cert_pem_len);
        skey = load_key(o->sign_key_pem, o->sign_key_pem_len);
        if (!scert || !skey || X509_check_private_key(scert, skey) != 1)
            goto out;
        err = MCSEC_ERR_UNSUPPORTED;
        if (!key_ok(skey))
            goto out;
    }
    if (o->recip_cert_pem) {
        err = MCSEC_ERR_MALFORMED;
        if (!(rcert = load_cert(o->recip_cert_pem, o->recip_cert_pem_len)))
            goto out;
        err = MCSEC_ERR_UNSUPPORTED;
        if (!key_ok(X509_get0_pubkey(rcert)))
            goto out;
    }
    const EVP_CIPHER *cipher = pick_cipher(o->cipher, sign && !o->sign_first);

    /* The protected MIME entity: the body's own Content-* fields, then the body
     * (RFC 3261 §23.3, RFC 8551 §3.1). Always CRLF: it is a MIME entity. */
    put_field(&inner, hb, hb->idx[H_CTYPE], "Content-Type", "\r\n");
    if (hb->idx[H_CDISP] >= 0)
        put_field(&inner, hb, hb->idx[H_CDISP], "Content-Disposition", "\r\n");
    if (hb->idx[H_CTE] >= 0)
        put_field(&inner, hb, hb->idx[H_CTE], "Content-Transfer-Encoding", "\r\n");
    db_str(&inner, "\r\n");
    db_put(&inner, sip + hb->body_off, hb->body_len);
    err = MCSEC_ERR_NOMEM;
    if (inner.failed || inner.n > INT32_MAX)
        goto out;

    /* First (inner) operation, then the outer one over the inner result
     * wrapped as an application/pkcs7-mime entity (RFC 8551 §3.7). */
    int first_is_sign = sign && (!enc || o->sign_first);
    int outer_nid;
    err = first_is_sign ? cms_sign(&der, &inner, scert, skey)
                        : cms_encrypt(&der, &inner, cipher, rcert, o);
    if (err)
        goto out;
    outer_nid = first_is_sign ? NID_pkcs7_signed
                : (EVP_CIPHER_get_flags(cipher) & EVP_CIPH_FLAG_AEAD_CIPHER)
                    ? NID_id_smime_ct_authEnvelopedData : NID_pkcs7_enveloped;
    if (sign && enc) {
        db_str(&mid, "Content-Type: application/pkcs7-mime; smime-type=");
        db_str(&mid, smime_type_of(outer_nid));
        db_str(&mid, "; name=smime.p7m\r\nContent-Transfer-Encoding: binary\r\n\r\n");
        db_put(&mid, der.p, der.n);
        err = MCSEC_ERR_NOMEM;
        if (mid.failed)
            goto out;
        db_free(&der);
        err = first_is_sign ? cms_encrypt(&der, &mid, cipher, rcert, o)
                            : cms_sign(&der, &mid, scert, skey);
        if (err)
            goto out;
        outer_nid = first_is_sign ? ((EVP_CIPHER_get_flags(cipher) & EVP_CIPH_FLAG_AEAD_CIPHER)
                                         ? NID_id_smime_ct_authEnvelopedData : NID_pkcs7_enveloped)
                                  : NID_pkcs7_signed;
    }

    /* The message: start line and every other field byte for byte; the new
     * Content-Type in place of the old, Content-Disposition after it. */
    const char *eol = hb->eol_len == 2 ? "\r\n" : "\n";
    dbuf body = { 0 };
    if (o->base64)
        db_base64(&body, der.p, der.n, "\r\n");
    else
        db_put(&body, der.p, der.n);
    dbuf ctf = { 0 };
    db_str(&ctf, "Content-Type: application/pkcs7-mime; smime-type=");
    db_str(&ctf, smime_type_of(outer_nid));
    db_str(&ctf, "; name=smime.p7m");
    db_str(&ctf, eol);
    db_str(&ctf, DISPOSITION);
    db_str(&ctf, eol);
    if (o->base64) {
        db_str(&ctf, "Content-Transfer-Encoding: base64");
        db_str(&ctf, eol);
    }
    smime_rebuild(&msg, hb, &ctf, body.p, body.n);
    db_free(&ctf);
    int failed = body.failed;
    db_free(&body);
    err = MCSEC_ERR_NOMEM;
    if (msg.failed || failed)
        goto out;
    if (!out || *out_len < msg.n) {
        *out_len = msg.n + PROTECT_SLACK;
        err = MCSEC_ERR_BUFFER;
        goto out;
    }
    memcpy(out, msg.p, msg.n);
    *out_len = msg.n;
    err = MCSEC_OK;
out:
    db_free(&inner);
    db_free(&der);
    db_free(&mid);
    db_free(&msg);
    X509_free(scert);
    X509_free(rcert);
    EVP_PKEY_free(skey);
    free(hb);
    ERR_clear_error();
    return err;
}

/* ---- unprotect ----------------------------------------------------------- */

typedef struct uctx {
    const mcsec_smime_unprotect_opts *o;
    X509 *cert;
    EVP_PKEY *key;
    X509_STORE *store;
    STACK_OF(X509) *trust;
    mcsec_smime_info info;
    uint8_t kek[32];              /* from kek_lookup (secret) */
    size_t kek_len;
} uctx;

/* The DER TLV at p must span exactly n octets (RFC 5652 is DER/BER; OpenSSL
 * would silently ignore bytes after the ContentInfo). */
static mcsec_err der_extent(const uint8_t *p, size_t n)
{
    if (n < 2)
        return MCSEC_ERR_TRUNCATED;
    if (p[0] != 0x30)
        return MCSEC_ERR_MALFORMED;
    size_t len, hdr;
    if (p[1] < 0x80) {
        len = p[1];
        hdr = 2;
    } else if (p[1] == 0x80) {
        /* BER indefinite length: let the decoder find the end; it must reach n */
        return MCSEC_OK;
    } else {
        size_t k = p[1] & 0x7f;
        if (k > 4)
            return MCSEC_ERR_MALFORMED;
        if (n < 2 + k)
            return MCSEC_ERR_TRUNCATED;
        len = 0;
        for (size_t i = 0; i < k; i++)
            len = len << 8 | p[2 + i];
        hdr = 2 + k;
    }
    if (len > n - hdr)
        return MCSEC_ERR_TRUNCATED;
    if (len < n - hdr)
        return MCSEC_ERR_TRAILING;
    return MCSEC_OK;
}

static mcsec_err bio_take(dbuf *out, BIO *b)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    if (n < 0)
        return MCSEC_ERR_CRYPTO;
    db_put(out, p, (size_t)n);
    return out->failed ? MCSEC_ERR_NOMEM : MCSEC_OK;
}

/* The signature algorithm must be the one of the signer's key with the
 * SignerInfo's digest (RFC 5754 §3; OpenSSL would ignore the OID), and an ESS
 * signing-certificate(-v2) attribute, when present, must name the signer's
 * certificate (RFC 5035 §5.4). */
static mcsec_err check_signer(CMS_SignerInfo *si)
{
    EVP_PKEY *pk = NULL;
    X509 *signer = NULL;
    X509_ALGOR *dig = NULL, *sig = NULL;
    CMS_SignerInfo_get0_algs(si, &pk, &signer, &dig, &sig);
    if (!pk || !signer || !dig || !sig)
        return MCSEC_ERR_VERIFY;
    int snid = OBJ_obj2nid(sig->algorithm), dnid = OBJ_obj2nid(dig->algorithm), mdn = 0, pkn = 0;
    int rsa = EVP_PKEY_is_a(pk, "RSA"), ec = EVP_PKEY_is_a(pk, "EC");
    int ok = snid == NID_rsaEncryption
                 ? rsa
                 : OBJ_find_sigid_algs(snid, &mdn, &pkn) && mdn == dnid &&
                       ((pkn == NID_rsaEncryption && rsa) || (pkn == NID_X9_62_id_ecPublicKey && ec));
    if (!ok)
        return MCSEC_ERR_VERIFY;
    /* the sid names the certificate octet for octet (OpenSSL matches names
     * after case folding, which would let a changed sid through) */
    ASN1_OCTET_STRING *keyid = NULL;
    X509_NAME *iss = NULL;
    ASN1_INTEGER *sno = NULL;
    if (!CMS_SignerInfo_get0_signer_id(si, &keyid, &iss, &sno))
        return MCSEC_ERR_VERIFY;
    if (iss) {
        unsigned char *a = NULL, *b = NULL;
        int al = i2d_X509_NAME(iss, &a), bl = i2d_X509_NAME(X509_get_issuer_name(signer), &b);
        ok = al > 0 && al == bl && memcmp(a, b, (size_t)al) == 0 && sno &&
             ASN1_INTEGER_cmp(sno, X509_get0_serialNumber(signer)) == 0;
        OPENSSL_free(a);
        OPENSSL_free(b);
    } else {
        const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(signer);
        ok = keyid && ski && ASN1_OCTET_STRING_cmp(keyid, ski) == 0;
    }
    if (!ok)
        return MCSEC_ERR_VERIFY;
    ESS_SIGNING_CERT *ss = NULL;
    ESS_SIGNING_CERT_V2 *ss2 = NULL;
    static const int nids[2] = { NID_id_smime_aa_signingCertificate, NID_id_smime_aa_signingCertificateV2 };
    for (int k = 0; k < 2 && ok; k++) {
        int at = CMS_signed_get_attr_by_NID(si, nids[k], -1);
        if (at < 0)
            continue;
        ASN1_TYPE *t = X509_ATTRIBUTE_get0_type(CMS_signed_get_attr(si, at), 0);
        if (!t || t->type != V_ASN1_SEQUENCE || CMS_signed_get_attr_by_NID(si, nids[k], at) >= 0) {
            ok = 0;
            break;
        }
        const unsigned char *q = t->value.sequence->data;
        long ql = t->value.sequence->length;
        if (k == 0)
            ok = (ss = d2i_ESS_SIGNING_CERT(NULL, &q, ql)) != NULL;
        else
            ok = (ss2 = d2i_ESS_SIGNING_CERT_V2(NULL, &q, ql)) != NULL;
    }
    if (ok && (ss || ss2)) {
        STACK_OF(X509) *chain = sk_X509_new_null();
        ok = chain && sk_X509_push(chain, signer) && OSSL_ESS_check_signing_certs(ss, ss2, chain, 1) > 0;
        sk_X509_free(chain);
    }
    ESS_SIGNING_CERT_free(ss);
    ESS_SIGNING_CERT_V2_free(ss2);
    return ok ? MCSEC_OK : MCSEC_ERR_VERIFY;
}

static mcsec_err open_signed(uctx *u, CMS_ContentInfo *cms, BIO *out)
{
    ASN1_OCTET_STRING **pos = CMS_get0_content(cms);
    if (!pos || !*pos)
        return MCSEC_ERR_UNSUPPORTED; /* detached signature: no content to restore */
    /* Signature and message digest of every SignerInfo (RFC 5652 §5.6) with
     * the certificate in the SignedData (or from the trust list) ... */
    if (CMS_verify(cms, u->trust, NULL, NULL, out, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1)
        return MCSEC_ERR_VERIFY;
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    for (int i = 0; i < sk_CMS_SignerInfo_num(sis); i++) {
        mcsec_err e = check_signer(sk_CMS_SignerInfo_value(sis, i));
        if (e)
            return e;
    }
    u->info.flags |= MCSEC_SMIME_SIGNED;
    STACK_OF(X509) *sg = CMS_get0_signers(cms);
    if (sg && sk_X509_num(sg) > 0) {
        X509_NAME *nm = X509_get_subject_name(sk_X509_value(sg, sk_X509_num(sg) - 1));
        if (X509_NAME_get_text_by_NID(nm, NID_commonName, u->info.signer, sizeof u->info.signer) < 0)
            X509_NAME_oneline(nm, u->info.signer, sizeof u->info.signer);
    }
    sk_X509_free(sg);
    if (!u->store)
        return MCSEC_OK;
    /* ... then the path from each signer to a trust anchor (RFC 5280 §6). */
    STACK_OF(X509) *signers = CMS_get0_signers(cms);
    STACK_OF(X509) *certs = CMS_get1_certs(cms);
    mcsec_err err = signers && sk_X509_num(signers) > 0 ? MCSEC_OK : MCSEC_ERR_VERIFY;
    for (int i = 0; err == MCSEC_OK && i < sk_X509_num(signers); i++) {
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        if (!ctx || !X509_STORE_CTX_init(ctx, u->store, sk_X509_value(signers, i), certs) ||
            !X509_STORE_CTX_set_default(ctx, "smime_sign"))
            err = MCSEC_ERR_CRYPTO;
        else if (X509_verify_cert(ctx) != 1)
            err = MCSEC_ERR_UNTRUSTED;
        X509_STORE_CTX_free(ctx);
    }
    sk_X509_free(signers);
    sk_X509_pop_free(certs, X509_free);
    if (err == MCSEC_OK)
        u->info.flags |= MCSEC_SMIME_TRUSTED;
    return err;
}

/* 1 if one of the RecipientInfos is for our KEK ID (or certificate). */
static int have_recipient(uctx *u, CMS_ContentInfo *cms)
{
    STACK_OF(CMS_RecipientInfo) *ris = CMS_get0_RecipientInfos(cms);
    for (int i = 0; i < sk_CMS_RecipientInfo_num(ris); i++) {
        CMS_RecipientInfo *ri = sk_CMS_RecipientInfo_value(ris, i);
        int t = CMS_RecipientInfo_type(ri);
        if (u->o->kek && t == CMS_RECIPINFO_KEK &&
            CMS_RecipientInfo_kekri_id_cmp(ri, u->o->kek_id, u->o->kek_id_len) == 0) {
            memcpy(u->info.kek_id, u->o->kek_id, u->o->kek_id_len);
            u->info.kek_id_len = u->o->kek_id_len;
            return 1;
        }
        ASN1_OCTET_STRING *id = NULL;
        if (!u->o->kek && u->o->kek_lookup && t == CMS_RECIPINFO_KEK &&
            CMS_RecipientInfo_kekri_get0_id(ri, NULL, &id, NULL, NULL, NULL) == 1 && id &&
            id->length > 0 && id->length <= MCSEC_SMIME_MAX_KEK_ID) {
            size_t kl = 0;
            if (u->o->kek_lookup(u->o->kek_lookup_ctx, u->kek, &kl, id->data, (size_t)id->length) ==
                    MCSEC_OK && (kl == 16 || kl == 32)) {
                u->kek_len = kl;
                memcpy(u->info.kek_id, id->data, (size_t)id->length);
                u->info.kek_id_len = (size_t)id->length;
                return 1;
            }
            mcsec_wipe(u->kek, sizeof u->kek);
        }
        if (u->cert && t == CMS_RECIPINFO_TRANS && CMS_RecipientInfo_ktri_cert_cmp(ri, u->cert) == 0)
            return 1;
        if (u->cert && t == CMS_RECIPINFO_AGREE) {
            STACK_OF(CMS_RecipientEncryptedKey) *reks = CMS_RecipientInfo_kari_get0_reks(ri);
            for (int j = 0; j < sk_CMS_RecipientEncryptedKey_num(reks); j++)
                if (CMS_RecipientEncryptedKey_cert_cmp(sk_CMS_RecipientEncryptedKey_value(reks, j),
                                                       u->cert) == 0)
                    return 1;
        }
    }
    return 0;
}

static mcsec_err open_enveloped(uctx *u, CMS_ContentInfo *cms, BIO *out)
{
    if (!have_recipient(u, cms))
        return MCSEC_ERR_RECIPIENT;
    int ok = u->o->kek ? CMS_decrypt_set1_key(cms, (unsigned char *)u->o->kek, u->o->kek_len,
                                              u->o->kek_id, u->o->kek_id_len)
             : u->kek_len ? CMS_decrypt_set1_key(cms, u->kek, u->kek_len, u->info.kek_id,
                                                 u->info.kek_id_len)
                          : CMS_decrypt_set1_pkey_and_peer(cms, u->key, u->cert, NULL);
    mcsec_wipe(u->kek, sizeof u->kek);
    u->kek_len = 0;
    if (ok != 1)
        return MCSEC_ERR_DECAP; /* key unwrap (RFC 3394 §2.2.3 IV check) or key transport failed */
    /* CEK set: decrypt the content; a CBC padding or GCM tag failure is DECAP */
    if (CMS_decrypt(cms, NULL, NULL, NULL, out, CMS_BINARY) != 1)
        return MCSEC_ERR_DECAP;
    u->info.flags |= MCSEC_SMIME_ENCRYPTED;
    return MCSEC_OK;
}

/* Opens one CMS layer: der must be one ContentInfo of the announced type. */
static mcsec_err open_layer(uctx *u, dbuf *content, const uint8_t *der, size_t n, int want_nid)
{
    mcsec_err err = der_extent(der, n);
    if (err)
        return err;
    if (n > INT32_MAX)
        return MCSEC_ERR_LENGTH;
    const unsigned char *p = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)n);
    BIO *out = NULL;
    err = MCSEC_ERR_MALFORMED;
    if (!cms)
        goto done;
    if (p != der + n) {
        err = MCSEC_ERR_TRAILING;
        goto done;
    }
    /* DER in, the same DER out: OpenSSL's decoder tolerates some non-DER
     * forms (e.g. a primitive SET tag) and signs the re-encoding, so a changed
     * octet could pass unseen. BER with indefinite lengths is not compared. */
    if (der[1] != 0x80) {
        unsigned char *re = NULL;
        int rl = i2d_CMS_ContentInfo(cms, &re);
        int same = rl > 0 && (size_t)rl == n && memcmp(re, der, n) == 0;
        OPENSSL_free(re);
        if (!same)
            goto done;
    }
    int nid = OBJ_obj2nid(CMS_get0_type(cms));
    err = MCSEC_ERR_UNSUPPORTED;
    if (!smime_type_of(nid))
        goto done;
    err = MCSEC_ERR_MALFORMED;
    if (nid != want_nid)
        goto done; /* the smime-type announced something else: a Content-Type lie */
    err = MCSEC_ERR_UNSUPPORTED;
    if (OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data)
        goto done; /* every layer carries a MIME entity as id-data (RFC 8551 §3.1) */
    if ((err = smime_der_check(der, n, nid == NID_pkcs7_signed ? 0
                                       : nid == NID_pkcs7_enveloped ? 1 : 2)) != MCSEC_OK)
        goto done;
    err = MCSEC_ERR_NOMEM;
    if (!(out = BIO_new(BIO_s_secmem())))
        goto done;
    if (nid == NID_pkcs7_signed) {
        err = open_signed(u, cms, out);
    } else {
        err = (u->o->kek || u->o->kek_lookup || u->cert) ? open_enveloped(u, cms, out)
                                                          : MCSEC_ERR_RECIPIENT;
        if (!err && nid == NID_id_smime_ct_authEnvelopedData)
            u->info.flags |= MCSEC_SMIME_AEAD;
    }
    if (!err)
        err = bio_take(content, out);
    if (!err && u->info.layers >= 2 && nid == NID_pkcs7_signed && (u->info.flags & MCSEC_SMIME_ENCRYPTED))
        u->info.sign_first = 1;
done:
    BIO_free(out);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return err;
}

/* The transfer encoding of a body: 0 binary (absent, binary, 8bit, 7bit), 1 base64, -1 other. */
static int cte_of(const hdr_block *hb)
{
    if (hb->idx[H_CTE] < 0)
        return 0;
    const hdr_field *f = &hb->h[hb->idx[H_CTE]];
    const uint8_t *v = hb->buf + f->val_off;
    if (smime_ieq(v, f->val_len, "binary") || smime_ieq(v, f->val_len, "8bit") ||
        smime_ieq(v, f->val_len, "7bit"))
        return 0;
    return smime_ieq(v, f->val_len, "base64") ? 1 : -1;
}

/* The body of hb, base64-decoded if so declared, into out. */
static mcsec_err take_body(dbuf *out, const hdr_block *hb)
{
    int cte = cte_of(hb);
    if (cte < 0)
        return MCSEC_ERR_UNSUPPORTED;
    if (cte == 1)
        return smime_unbase64(out, hb->buf + hb->body_off, hb->body_len);
    db_put(out, hb->buf + hb->body_off, hb->body_len);
    return out->failed ? MCSEC_ERR_NOMEM : MCSEC_OK;
}

static mcsec_err load_unprotect_keys(uctx *u)
{
    const mcsec_smime_unprotect_opts *o = u->o;
    if (o->cert_pem) {
        u->cert = load_cert(o->cert_pem, o->cert_pem_len);
        u->key = load_key(o->key_pem, o->key_pem_len);
        if (!u->cert || !u->key || X509_check_private_key(u->cert, u->key) != 1)
            return MCSEC_ERR_MALFORMED;
    }
    if (o->trust_pem) {
        if (o->trust_pem_len == 0 || o->trust_pem_len > INT32_MAX)
            return MCSEC_ERR_MALFORMED;
        u->store = X509_STORE_new();
        u->trust = sk_X509_new_null();
        BIO *b = BIO_new_mem_buf(o->trust_pem, (int)o->trust_pem_len);
        if (!u->store || !u->trust || !b) {
            BIO_free(b);
            return MCSEC_ERR_NOMEM;
        }
        X509 *x;
        while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
            if (!X509_STORE_add_cert(u->store, x) || !sk_X509_push(u->trust, x)) {
                X509_free(x);
                BIO_free(b);
                return MCSEC_ERR_NOMEM;
            }
        }
        BIO_free(b);
        ERR_clear_error(); /* the end of the PEM list */
        if (sk_X509_num(u->trust) == 0)
            return MCSEC_ERR_MALFORMED;
    }
    return MCSEC_OK;
}

mcsec_err mcsec_smime_unprotect(uint8_t *out, size_t *out_len, mcsec_smime_info *info,
                                const uint8_t *sip, size_t sip_len,
                                const mcsec_smime_unprotect_opts *o)
{
    if (!out_len || !sip || !o || (o->kek && !o->kek_id) || (!o->kek && o->kek_id) ||
        (!o->cert_pem != !o->key_pem))
        return MCSEC_ERR_ARG;
    if (o->kek && ((o->kek_len != 16 && o->kek_len != 32) || o->kek_id_len == 0 ||
                   o->kek_id_len > MCSEC_SMIME_MAX_KEK_ID))
        return MCSEC_ERR_ARG;
    if (sip_len > MCSEC_SMIME_MAX_MESSAGE)
        return MCSEC_ERR_LENGTH;
    uctx u = { .o = o };
    hdr_block *hb = malloc(2 * sizeof *hb), *ib = hb ? hb + 1 : NULL;
    dbuf cur = { 0 }, next = { 0 }, msg = { 0 };
    mcsec_err err = MCSEC_ERR_NOMEM;
    if (!hb)
        goto out;
    if ((err = smime_scan_sip(hb, sip, sip_len, MCSEC_ERR_UNSUPPORTED)) != MCSEC_OK)
        goto out;
    int is_pkcs7 = 0;
    char st[32];
    const hdr_field *ct = &hb->h[hb->idx[H_CTYPE]];
    if ((err = smime_content_type(sip + ct->val_off, ct->val_len, &is_pkcs7, st, sizeof st)) != MCSEC_OK)
        goto out;
    err = MCSEC_ERR_UNSUPPORTED;
    if (!is_pkcs7)
        goto out;
    int want = nid_of_smime_type(st);
    err = MCSEC_ERR_MALFORMED; /* the smime-type is needed to check each layer */
    if (want == NID_undef)
        goto out;
    if ((err = load_unprotect_keys(&u)) != MCSEC_OK)
        goto out;
    if ((err = take_body(&cur, hb)) != MCSEC_OK)
        goto out;

    /* Open layers until a MIME entity that is not application/pkcs7-mime. */
    for (;;) {
        err = MCSEC_ERR_UNSUPPORTED;
        if (u.info.layers == MCSEC_SMIME_MAX_LAYERS)
            goto out;
        u.info.layers++;
        db_free(&next);
        if ((err = open_layer(&u, &next, cur.p, cur.n, want)) != MCSEC_OK)
            goto out;
        db_free(&cur);
        cur = next;
        memset(&next, 0, sizeof next);
        if ((err = smime_scan_headers(ib, cur.p, cur.n, 0)) != MCSEC_OK)
            goto out;
        err = MCSEC_ERR_MALFORMED;
        if (ib->idx[H_CTYPE] < 0)
            goto out;
        const hdr_field *ic = &ib->h[ib->idx[H_CTYPE]];
        if ((err = smime_content_type(cur.p + ic->val_off, ic->val_len, &is_pkcs7, st, sizeof st)) != MCSEC_OK)
            goto out;
        if (!is_pkcs7)
            break;
        want = nid_of_smime_type(st);
        err = MCSEC_ERR_MALFORMED;
        if (want == NID_undef)
            goto out;
        if ((err = take_body(&next, ib)) != MCSEC_OK)
            goto out;
        db_free(&cur);
        cur = next;
        memset(&next, 0, sizeof next);
    }
    err = MCSEC_ERR_MISSING;
    if (u.store && !(u.info.flags & MCSEC_SMIME_TRUSTED))
        goto out; /* a trust anchor was given: a signature is required */
    /* Only MIME content fields may come back into the SIP header. */
    err = MCSEC_ERR_MALFORMED;
    for (size_t i = 0; i < ib->n; i++) {
        const hdr_field *f = &ib->h[i];
        if (f->kind == H_CLEN ||
            (f->kind == H_OTHER && (f->name_len < 8 || !smime_ieq(cur.p + f->off, 8, "content-"))))
            goto out;
    }

    const char *eol = hb->eol_len == 2 ? "\r\n" : "\n";
    dbuf ctf = { 0 };
    for (size_t j = 0; j < ib->n; j++) {
        const hdr_field *g = &ib->h[j];
        if (g->kind == H_MIMEVER)
            continue;
        db_put(&ctf, cur.p + g->off, g->len);
        db_str(&ctf, eol);
    }
    smime_rebuild(&msg, hb, &ctf, cur.p + ib->body_off, ib->body_len);
    msg.failed |= ctf.failed;
    db_free(&ctf);
    err = MCSEC_ERR_NOMEM;
    if (msg.failed)
        goto out;
    if (!out || *out_len < msg.n) {
        *out_len = msg.n;
        err = MCSEC_ERR_BUFFER;
        goto out;
    }
    memcpy(out, msg.p, msg.n);
    *out_len = msg.n;
    if (info)
        *info = u.info;
    err = MCSEC_OK;
out:
    mcsec_wipe(u.kek, sizeof u.kek);
    db_free(&cur);
    db_free(&next);
    db_free(&msg);
    X509_free(u.cert);
    EVP_PKEY_free(u.key);
    X509_STORE_free(u.store);
    sk_X509_pop_free(u.trust, X509_free);
    free(hb);
    ERR_clear_error();
    return err;
}
