/* Parsing of the TS 33.180 Annex D KMS interface documents (D.2.2 KmsRequest,
 * D.3 KmsResponse) with libxml2, into the bounded structures of
 * include/mcsec/kmsxml.h.
 *
 * Each complex type is described by a table of its child elements in
 * xsd:sequence order; one walker (parse_seq) enforces order, duplicates and
 * presence, skips elements of foreign namespaces and hands each element to
 * the reader for its value type. Text is collected into one bounded buffer
 * in the parse context, which is wiped after every value (keys pass
 * through it). */
#include "kmsxml/kmsxml_internal.h"

#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
/* Longest text value collected: a PEM certificate plus room for the
 * whitespace around it. */
#define TEXT_MAX (MCSEC_KMSXML_PEM_MAX + 1024)

enum { NS_NONE, NS_3GPP, NS_EXT, NS_OTHER };

typedef struct kx_ctx {
    char text[TEXT_MAX + 1];
    size_t text_len; /* octets of text[] in use (wiped after each value) */
    int saw_dtd;
} kx_ctx;

/* Value types of the leaf elements. */
enum {
    T_STR,   /* string, at most MCSEC_KMSXML_URI_MAX octets, no control characters */
    T_PEM,   /* extension: PEM text, at most MCSEC_KMSXML_PEM_MAX octets */
    T_TIME,  /* xsd:dateTime -> int64_t */
    T_U64,   /* xsd:integer, 0..UINT64_MAX */
    T_POS64, /* xsd:integer, 1..UINT64_MAX */
    T_U32,   /* xsd:integer, 0..UINT32_MAX */
    T_I32,   /* xsd:integer, 0..INT32_MAX */
    T_BOOL,  /* xsd:boolean -> int 0/1 */
    T_HEX,   /* hexBinary of exactly len octets */
    T_KEY,   /* abstractKeyContentType: T_HEX with xsi:type KeyContentType or none */
    T_UID,   /* UserID: base64 or hex of 32 octets */
    T_SKIP,  /* accepted, content not read */
    T_UNSUP, /* a feature we do not implement (MCSEC_ERR_UNSUPPORTED) */
    T_FN     /* a complex type with its own reader */
};

#define F_OPT 1u    /* minOccurs="0" */
#define F_REPEAT 2u /* maxOccurs="unbounded" */
#define NO_HAS ((size_t)-1)

typedef struct kx_field kx_field;
typedef mcsec_err (*kx_reader)(kx_ctx *c, xmlNode *n, void *base);
struct kx_field {
    const char *name;
    unsigned char ns, flags, type;
    size_t off;     /* destination, relative to the base structure */
    size_t len;     /* T_HEX / T_KEY: octets */
    size_t has_off; /* offset of the int has_ flag, or NO_HAS */
    kx_reader fn;   /* T_FN */
};

static int ns_of(const xmlNode *n)
{
    if (!n->ns || !n->ns->href)
        return NS_NONE;
    if (strcmp((const char *)n->ns->href, MCSEC_KMSXML_NS) == 0)
        return NS_3GPP;
    if (strcmp((const char *)n->ns->href, MCSEC_KMSXML_CEK_NS) == 0)
        return NS_EXT;
    return NS_OTHER;
}

static int all_space(const xmlChar *s)
{
    for (; s && *s; s++)
        if (!kmsxml_is_space(*s))
            return 0;
    return 1;
}

static void text_wipe(kx_ctx *c)
{
    mcsec_wipe(c->text, c->text_len);
    c->text_len = 0;
}

/* Collects the character content of a leaf element into c->text (NUL
 * terminated) with surrounding whitespace removed; *s points into c->text.
 * Comments and processing instructions inside are ignored; child elements
 * are not allowed. */
static mcsec_err leaf_text(kx_ctx *c, const xmlNode *n, const char **s, size_t *len)
{
    text_wipe(c);
    for (const xmlNode *k = n->children; k; k = k->next) {
        if (k->type == XML_COMMENT_NODE || k->type == XML_PI_NODE)
            continue;
        if (k->type != XML_TEXT_NODE && k->type != XML_CDATA_SECTION_NODE)
            return MCSEC_ERR_MALFORMED;
        size_t m = k->content ? strlen((const char *)k->content) : 0;
        if (m > TEXT_MAX - c->text_len)
            return MCSEC_ERR_LENGTH;
        memcpy(c->text + c->text_len, k->content, m);
        c->text_len += m;
    }
    c->text[c->text_len] = '\0';
    size_t a = 0, b = c->text_len;
    while (a < b && kmsxml_is_space((unsigned char)c->text[a]))
        a++;
    while (b > a && kmsxml_is_space((unsigned char)c->text[b - 1]))
        b--;
    c->text[b] = '\0';
    *s = c->text + a;
    *len = b - a;
    return MCSEC_OK;
}

/* Copies a string value into a bounded field after the checks of T_STR. */
static mcsec_err put_str(char *dst, const char *s, size_t len, int optional)
{
    if (len > MCSEC_KMSXML_URI_MAX)
        return MCSEC_ERR_LENGTH;
    if (!kmsxml_text_ok(s, len, 0) || (len == 0 && !optional))
        return MCSEC_ERR_MALFORMED;
    memcpy(dst, s, len);
    dst[len] = '\0';
    return MCSEC_OK;
}

/* xsd:integer without sign, at most max. */
static mcsec_err put_uint(uint64_t *v, const char *s, size_t len, uint64_t min, uint64_t max)
{
    uint64_t x = 0;
    if (len == 0)
        return MCSEC_ERR_MALFORMED;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return MCSEC_ERR_MALFORMED;
        unsigned d = (unsigned)(s[i] - '0');
        if (x > (max - d) / 10)
            return MCSEC_ERR_MALFORMED; /* overflow */
        x = x * 10 + d;
    }
    if (x < min)
        return MCSEC_ERR_MALFORMED;
    *v = x;
    return MCSEC_OK;
}

/* xsd:boolean (XML Schema Part 2 §3.2.2.1). */
static mcsec_err put_bool(int *v, const char *s)
{
    if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
        *v = 1;
    else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
        *v = 0;
    else
        return MCSEC_ERR_MALFORMED;
    return MCSEC_OK;
}

/* The local part of an xsi:type QName whose prefix (if any) is bound to the
 * 3GPP namespace; NULL-free: "" when absent. Returns 0 if the prefix is
 * bound elsewhere. */
static int xsi_type(const xmlNode *n, char *out, size_t cap)
{
    out[0] = '\0';
    xmlChar *v = xmlGetNsProp(n, (const xmlChar *)"type", (const xmlChar *)XSI_NS);
    if (!v)
        return 1;
    const char *s = (const char *)v, *colon = strchr(s, ':');
    int ok = 1;
    if (colon) {
        char prefix[64];
        size_t pl = (size_t)(colon - s);
        if (pl >= sizeof prefix) {
            ok = 0;
        } else {
            memcpy(prefix, s, pl);
            prefix[pl] = '\0';
            xmlNs *ns = xmlSearchNs(n->doc, (xmlNode *)n, (const xmlChar *)prefix);
            ok = ns && ns->href && strcmp((const char *)ns->href, MCSEC_KMSXML_NS) == 0;
        }
        s = colon + 1;
    }
    if (ok && strlen(s) < cap)
        memcpy(out, s, strlen(s) + 1);
    else
        ok = 0;
    xmlFree(v);
    return ok;
}

/* Accepts no xsi:type or one of the two names given (a or b). */
static mcsec_err check_type(const xmlNode *n, const char *a, const char *b)
{
    char t[64];
    if (!xsi_type(n, t, sizeof t))
        return MCSEC_ERR_UNSUPPORTED;
    if (t[0] == '\0' || strcmp(t, a) == 0 || (b && strcmp(t, b) == 0))
        return MCSEC_OK;
    return MCSEC_ERR_UNSUPPORTED;
}

/* A string attribute without namespace; "" when absent. */
static mcsec_err get_attr(char *dst, const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v) {
        dst[0] = '\0';
        return MCSEC_OK;
    }
    const char *s = (const char *)v;
    size_t len = strlen(s);
    while (len && kmsxml_is_space((unsigned char)s[len - 1]))
        len--;
    while (len && kmsxml_is_space((unsigned char)*s))
        s++, len--;
    mcsec_err e = put_str(dst, s, len, 1);
    xmlFree(v);
    return e;
}

static mcsec_err read_leaf(kx_ctx *c, const kx_field *f, xmlNode *n, uint8_t *base)
{
    const char *s;
    size_t len;
    uint64_t u = 0;
    mcsec_err e = MCSEC_OK;
    if (f->type == T_KEY) {
        /* D.3.3: KeyContentType is plain hexBinary; EncKeyContentType
         * (xenc:EncryptedKey under the TrK) is the security extension. */
        e = check_type(n, "KeyContentType", NULL);
        if (e != MCSEC_OK)
            return e;
    }
    e = leaf_text(c, n, &s, &len);
    if (e != MCSEC_OK)
        return e;
    uint8_t *dst = base + f->off;
    switch (f->type) {
    case T_STR:
        e = put_str((char *)dst, s, len, f->flags & F_OPT);
        break;
    case T_PEM:
        if (len > MCSEC_KMSXML_PEM_MAX)
            e = MCSEC_ERR_LENGTH;
        else if (!kmsxml_text_ok(s, len, 1))
            e = MCSEC_ERR_MALFORMED;
        else
            memcpy(dst, s, len), dst[len] = '\0';
        break;
    case T_TIME: {
        int64_t t = 0;
        e = mcsec_kmsxml_time_parse(&t, s);
        memcpy(dst, &t, sizeof t);
        break;
    }
    case T_U64:
    case T_POS64:
        e = put_uint(&u, s, len, f->type == T_POS64, UINT64_MAX);
        memcpy(dst, &u, sizeof u);
        break;
    case T_U32: {
        e = put_uint(&u, s, len, 0, UINT32_MAX);
        uint32_t v = (uint32_t)u;
        memcpy(dst, &v, sizeof v);
        break;
    }
    case T_I32: {
        e = put_uint(&u, s, len, 0, INT32_MAX);
        int32_t v = (int32_t)u;
        memcpy(dst, &v, sizeof v);
        break;
    }
    case T_BOOL: {
        int v = 0;
        e = put_bool(&v, s);
        memcpy(dst, &v, sizeof v);
        break;
    }
    case T_HEX:
    case T_KEY:
        e = kmsxml_hex_decode(dst, f->len, s, len);
        break;
    case T_UID:
        e = kmsxml_uid_decode(dst, s, len);
        break;
    default:
        e = MCSEC_ERR_INTERNAL;
        break;
    }
    if (e == MCSEC_OK && f->has_off != NO_HAS) {
        int one = 1;
        memcpy(base + f->has_off, &one, sizeof one);
    }
    text_wipe(c);
    return e;
}

/* Walks the children of parent against the sequence fields[0..nf): an
 * element before one already read is out of order (MALFORMED), a second
 * occurrence of a non-repeating one is a DUPLICATE, an absent mandatory one
 * is MISSING. Non-blank text between elements is MALFORMED; elements of
 * foreign namespaces are skipped, elements without a namespace or unknown
 * names in ours are MALFORMED. */
static mcsec_err parse_seq(kx_ctx *c, xmlNode *parent, const kx_field *fields, size_t nf,
                           void *base)
{
    unsigned char seen[16] = { 0 };
    size_t pos = 0;
    if (nf > sizeof seen)
        return MCSEC_ERR_INTERNAL;
    for (xmlNode *n = parent->children; n; n = n->next) {
        if (n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE)
            continue;
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (!all_space(n->content))
                return MCSEC_ERR_MALFORMED;
            continue;
        }
        if (n->type != XML_ELEMENT_NODE)
            return MCSEC_ERR_MALFORMED;
        int ns = ns_of(n);
        if (ns == NS_OTHER)
            continue; /* D.1: extensions use other namespaces */
        if (ns == NS_NONE)
            return MCSEC_ERR_MALFORMED;
        size_t i = 0;
        while (i < nf && !(fields[i].ns == ns && strcmp(fields[i].name, (const char *)n->name) == 0))
            i++;
        if (i == nf)
            return MCSEC_ERR_MALFORMED;
        const kx_field *f = &fields[i];
        if (seen[i] && !(f->flags & F_REPEAT))
            return MCSEC_ERR_DUPLICATE;
        /* xsd:sequence order: only a repetition of the element just read
         * may come back to an earlier position */
        if (i < pos && !(seen[i] && i + 1 == pos))
            return MCSEC_ERR_MALFORMED;
        pos = i + 1;
        seen[i] = 1;
        mcsec_err e = MCSEC_OK;
        if (f->type == T_FN)
            e = f->fn(c, n, base);
        else if (f->type == T_UNSUP)
            e = MCSEC_ERR_UNSUPPORTED;
        else if (f->type != T_SKIP)
            e = read_leaf(c, f, n, (uint8_t *)base);
        if (e != MCSEC_OK)
            return e;
    }
    for (size_t i = 0; i < nf; i++)
        if (!seen[i] && !(fields[i].flags & F_OPT))
            return MCSEC_ERR_MISSING;
    return MCSEC_OK;
}

#define NF(a) (sizeof(a) / sizeof((a)[0]))
#define LEAF(name, ns, flags, type, st, m) { name, ns, flags, type, offsetof(st, m), 0, NO_HAS, NULL }
#define LEAF_HAS(name, type, st, m, has) \
    { name, NS_3GPP, F_OPT, type, offsetof(st, m), 0, offsetof(st, has), NULL }
#define KEY(name, type, st, m) { name, NS_3GPP, 0, type, offsetof(st, m), sizeof(((st *)0)->m), NO_HAS, NULL }
#define FN(name, ns, flags, f) { name, ns, flags, T_FN, 0, 0, NO_HAS, f }
#define OTHER(name, flags, type) { name, NS_3GPP, flags, type, 0, 0, NO_HAS, NULL }

/* ---- KmsCertificate (D.3.2, KmsCertificateType) ---- */

static const kx_field cert_fields[] = {
    LEAF("CertUri", NS_3GPP, F_OPT, T_STR, mcsec_kms_cert, cert_uri),
    LEAF("KmsUri", NS_3GPP, 0, T_STR, mcsec_kms_cert, kms_uri),
    LEAF("Issuer", NS_3GPP, F_OPT, T_STR, mcsec_kms_cert, issuer),
    LEAF_HAS("ValidFrom", T_TIME, mcsec_kms_cert, valid_from, has_valid_from),
    LEAF_HAS("ValidTo", T_TIME, mcsec_kms_cert, valid_to, has_valid_to),
    LEAF_HAS("Revoked", T_BOOL, mcsec_kms_cert, revoked, has_revoked),
    LEAF("UserIdFormat", NS_3GPP, 0, T_STR, mcsec_kms_cert, user_id_format),
    LEAF("UserKeyPeriod", NS_3GPP, 0, T_POS64, mcsec_kms_cert, user_key_period),
    LEAF("UserKeyOffset", NS_3GPP, 0, T_U64, mcsec_kms_cert, user_key_offset),
    KEY("PubEncKey", T_HEX, mcsec_kms_cert, pub_enc_key),
    KEY("PubAuthKey", T_HEX, mcsec_kms_cert, pub_auth_key),
    LEAF_HAS("ParameterSet", T_U32, mcsec_kms_cert, parameter_set, has_parameter_set),
    OTHER("KmsDomainList", F_OPT, T_SKIP),
};

static mcsec_err read_cert(kx_ctx *c, xmlNode *n, mcsec_kms_cert *cert)
{
    mcsec_err e = get_attr(cert->version, n, "Version");
    if (e == MCSEC_OK)
        e = get_attr(cert->role, n, "Role");
    if (e == MCSEC_OK)
        e = parse_seq(c, n, cert_fields, NF(cert_fields), cert);
    return e;
}

/* ---- KmsKeySet (D.3.3, KmsKeySetType) ---- */

static const kx_field keyset_fields[] = {
    LEAF("KmsUri", NS_3GPP, 0, T_STR, mcsec_kms_keyset, kms_uri),
    LEAF("CertUri", NS_3GPP, F_OPT, T_STR, mcsec_kms_keyset, cert_uri),
    LEAF("Issuer", NS_3GPP, F_OPT, T_STR, mcsec_kms_keyset, issuer),
    LEAF("UserUri", NS_3GPP, 0, T_STR, mcsec_kms_keyset, user_uri),
    LEAF("UserID", NS_3GPP, 0, T_UID, mcsec_kms_keyset, user_id),
    LEAF_HAS("ValidFrom", T_TIME, mcsec_kms_keyset, valid_from, has_valid_from),
    LEAF_HAS("ValidTo", T_TIME, mcsec_kms_keyset, valid_to, has_valid_to),
    LEAF("KeyPeriodNo", NS_3GPP, 0, T_U64, mcsec_kms_keyset, key_period_no),
    LEAF_HAS("Revoked", T_BOOL, mcsec_kms_keyset, revoked, has_revoked),
    KEY("UserDecryptKey", T_KEY, mcsec_kms_keyset, rsk),
    KEY("UserSigningKeySSK", T_KEY, mcsec_kms_keyset, ssk),
    KEY("UserPubTokenPVT", T_KEY, mcsec_kms_keyset, pvt),
};

static mcsec_err read_keyset(kx_ctx *c, xmlNode *n, void *base)
{
    mcsec_kms_response *r = base;
    if (r->n_keysets == MCSEC_KMSXML_MAX_KEYSETS)
        return MCSEC_ERR_BUFFER;
    mcsec_kms_keyset *ks = &r->keysets[r->n_keysets++];
    mcsec_err e = get_attr(ks->version, n, "Version");
    if (e == MCSEC_OK)
        e = parse_seq(c, n, keyset_fields, NF(keyset_fields), ks);
    return e;
}

/* ---- KmsMessage (D.3.1): KmsInit | KmsKeyProv | KmsCertCache | ext:KmsCek ---- */

static mcsec_err set_kind(mcsec_kms_response *r, mcsec_kmsxml_kind k)
{
    if (r->kind != MCSEC_KMSXML_NONE)
        return MCSEC_ERR_MALFORMED; /* KmsMessage is a choice of one */
    r->kind = k;
    return MCSEC_OK;
}

static mcsec_err read_init_cert(kx_ctx *c, xmlNode *n, void *base)
{
    return read_cert(c, n, &((mcsec_kms_response *)base)->cert);
}

/* KmsInit: the Root KMS certificate, then (extension) the server's PEM
 * certificate; the TrK/InK children of KmsInitTkIkType carry
 * EncKeyContentType and are not implemented. A SignedKmsCertificate needs
 * XML Signature verification we do not do: UNSUPPORTED. */
static const kx_field init_fields[] = {
    FN("KmsCertificate", NS_3GPP, F_OPT, read_init_cert),
    OTHER("SignedKmsCertificate", F_OPT, T_UNSUP),
    LEAF("ServerCertificate", NS_EXT, F_OPT, T_PEM, mcsec_kms_response, server_cert_pem),
    OTHER("NewTransportKey", F_OPT | F_REPEAT, T_UNSUP),
    OTHER("NewIntegrityKey", F_OPT | F_REPEAT, T_UNSUP),
};

static mcsec_err read_init(kx_ctx *c, xmlNode *n, void *base)
{
    mcsec_kms_response *r = base;
    mcsec_err e = set_kind(r, MCSEC_KMSXML_INIT);
    if (e == MCSEC_OK)
        e = check_type(n, "KmsInitType", "KmsInitTkIkType");
    if (e == MCSEC_OK)
        e = parse_seq(c, n, init_fields, NF(init_fields), r);
    /* the certificate is mandatory; optional in the table only so that a
     * SignedKmsCertificate alone reports UNSUPPORTED */
    if (e == MCSEC_OK && r->cert.kms_uri[0] == '\0')
        e = MCSEC_ERR_MISSING;
    return e;
}

static const kx_field keyprov_fields[] = {
    FN("KmsKeySet", NS_3GPP, F_OPT | F_REPEAT, read_keyset),
    OTHER("NewTransportKey", F_OPT | F_REPEAT, T_UNSUP),
    OTHER("NewIntegrityKey", F_OPT | F_REPEAT, T_UNSUP),
};

static mcsec_err read_keyprov(kx_ctx *c, xmlNode *n, void *base)
{
    mcsec_err e = set_kind(base, MCSEC_KMSXML_KEYPROV);
    if (e == MCSEC_OK)
        e = check_type(n, "KmsKeyProvType", "KmsKeyProvTkIkType");
    if (e == MCSEC_OK)
        e = parse_seq(c, n, keyprov_fields, NF(keyprov_fields), base);
    return e;
}

static mcsec_err read_cache_cert(kx_ctx *c, xmlNode *n, void *base)
{
    mcsec_kms_response *r = base;
    if (r->n_certs == MCSEC_KMSXML_MAX_CERTS)
        return MCSEC_ERR_BUFFER;
    return read_cert(c, n, &r->certs[r->n_certs++]);
}

/* KmsCertCache: plain KmsCertificate children only (see read_init). */
static const kx_field certcache_fields[] = {
    FN("KmsCertificate", NS_3GPP, F_OPT | F_REPEAT, read_cache_cert),
    OTHER("SignedKmsCertificate", F_OPT | F_REPEAT, T_UNSUP),
};

static mcsec_err read_certcache(kx_ctx *c, xmlNode *n, void *base)
{
    mcsec_kms_response *r = base;
    mcsec_err e = set_kind(r, MCSEC_KMSXML_CERTCACHE);
    xmlChar *v = e == MCSEC_OK ? xmlGetNoNsProp(n, (const xmlChar *)"CacheNum") : NULL;
    if (v) {
        e = put_uint(&r->cache_num, (const char *)v, strlen((const char *)v), 0, UINT64_MAX);
        xmlFree(v);
    }
    if (e == MCSEC_OK)
        e = parse_seq(c, n, certcache_fields, NF(certcache_fields), r);
    return e;
}

/* Extension: <ext:KmsCek> (TR 33.880 solution #13, KMS-managed CEK). */
static const kx_field cek_fields[] = {
    { "CekId", NS_EXT, 0, T_HEX, offsetof(mcsec_kms_cek, cek_id), MCSEC_KMSXML_CEK_ID_BYTES, NO_HAS, NULL },
    { "Cek", NS_EXT, 0, T_HEX, offsetof(mcsec_kms_cek, cek), MCSEC_KMSXML_CEK_BYTES, NO_HAS, NULL },
    LEAF("Initiator", NS_EXT, 0, T_STR, mcsec_kms_cek, initiator),
    LEAF("Peer", NS_EXT, 0, T_STR, mcsec_kms_cek, peer),
    LEAF("Expires", NS_EXT, 0, T_TIME, mcsec_kms_cek, expires),
};

static mcsec_err read_cek(kx_ctx *c, xmlNode *n, void *base)
{
    mcsec_kms_response *r = base;
    mcsec_err e = set_kind(r, MCSEC_KMSXML_CEK);
    if (e == MCSEC_OK)
        e = parse_seq(c, n, cek_fields, NF(cek_fields), &r->cek);
    return e;
}

/* 33.180 adds KmsLookup (discovery), which we do not implement. */
static const kx_field message_fields[] = {
    FN("KmsInit", NS_3GPP, F_OPT, read_init),
    FN("KmsKeyProv", NS_3GPP, F_OPT, read_keyprov),
    FN("KmsCertCache", NS_3GPP, F_OPT, read_certcache),
    OTHER("KmsLookup", F_OPT, T_UNSUP),
    FN("KmsCek", NS_EXT, F_OPT, read_cek),
};

static mcsec_err read_message(kx_ctx *c, xmlNode *n, void *base)
{
    mcsec_kms_response *r = base;
    mcsec_err e = parse_seq(c, n, message_fields, NF(message_fields), r);
    if (e == MCSEC_OK && r->kind == MCSEC_KMSXML_NONE)
        e = MCSEC_ERR_MISSING;
    return e;
}

/* KmsError (ErrorType): ErrorCode integer, ErrorMsg string. */
static const kx_field error_fields[] = {
    LEAF("ErrorCode", NS_3GPP, 0, T_I32, mcsec_kms_response, error_code),
    LEAF("ErrorMsg", NS_3GPP, F_OPT, T_STR, mcsec_kms_response, error_msg),
};

static mcsec_err read_error(kx_ctx *c, xmlNode *n, void *base)
{
    mcsec_err e = set_kind(base, MCSEC_KMSXML_ERROR);
    if (e == MCSEC_OK)
        e = parse_seq(c, n, error_fields, NF(error_fields), base);
    return e;
}

/* D.3.1 KmsResponseType: UserUri, KmsUri, Time, KmsId?, ClientReqUrl,
 * KmsMessage?, KmsError?. */
static const kx_field response_fields[] = {
    LEAF("UserUri", NS_3GPP, 0, T_STR, mcsec_kms_response, user_uri),
    LEAF("KmsUri", NS_3GPP, 0, T_STR, mcsec_kms_response, kms_uri),
    LEAF("Time", NS_3GPP, 0, T_TIME, mcsec_kms_response, time),
    LEAF("KmsId", NS_3GPP, F_OPT, T_STR, mcsec_kms_response, kms_id),
    LEAF("ClientReqUrl", NS_3GPP, 0, T_STR, mcsec_kms_response, client_req_url),
    FN("KmsMessage", NS_3GPP, F_OPT, read_message),
    FN("KmsError", NS_3GPP, F_OPT, read_error),
};

/* ---- KmsRequest (D.2.2, KmsRequestType) ---- */

static const kx_field cekreq_fields[] = {
    LEAF("PeerUri", NS_EXT, 0, T_STR, mcsec_kms_request, cek_peer),
};

static mcsec_err read_cekreq(kx_ctx *c, xmlNode *n, void *base)
{
    mcsec_kms_request *r = base;
    r->has_cek_peer = 1;
    return parse_seq(c, n, cekreq_fields, NF(cekreq_fields), r);
}

static const kx_field request_fields[] = {
    LEAF("UserUri", NS_3GPP, 0, T_STR, mcsec_kms_request, user_uri),
    LEAF("KmsUri", NS_3GPP, 0, T_STR, mcsec_kms_request, kms_uri),
    LEAF("Time", NS_3GPP, 0, T_TIME, mcsec_kms_request, time),
    LEAF("ClientId", NS_3GPP, F_OPT, T_STR, mcsec_kms_request, client_id),
    LEAF("DeviceId", NS_3GPP, F_OPT, T_STR, mcsec_kms_request, device_id),
    LEAF("ClientReqUrl", NS_3GPP, 0, T_STR, mcsec_kms_request, client_req_url),
    OTHER("KrrList", F_OPT, T_SKIP),
    OTHER("ClientError", F_OPT, T_SKIP),
    FN("CekRequest", NS_EXT, F_OPT, read_cekreq),
};

/* ---- libxml2 plumbing ---- */

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

/* libxml2 2.9 wants xmlInitParser() once before concurrent use; done here so
 * callers need no setup. */
static void xml_init(void)
{
    xmlInitParser();
}

static void silent_error(void *ctx, xmlErrorPtr err)
{
    (void)ctx;
    (void)err;
}

/* SAX internalSubset: any <!DOCTYPE> ends the parse before its internal
 * subset (entity declarations) is read. */
static void on_doctype(void *ctx, const xmlChar *name, const xmlChar *ext_id,
                       const xmlChar *sys_id)
{
    xmlParserCtxt *p = ctx;
    ((kx_ctx *)p->_private)->saw_dtd = 1;
    xmlStopParser(p);
}

/* Overwrites the character content of every text node of the document, so
 * key hex does not survive in freed memory. Iterative (no recursion). */
static void doc_wipe(xmlDoc *doc)
{
    xmlNode *n = doc->children;
    while (n) {
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->content &&
            n->content != (xmlChar *)&n->properties && !(doc->dict && xmlDictOwns(doc->dict, n->content)))
            mcsec_wipe(n->content, strlen((const char *)n->content));
        if (n->type == XML_ELEMENT_NODE && n->children) {
            n = n->children;
            continue;
        }
        while (n && !n->next)
            n = (n->parent && n->parent != (xmlNode *)doc) ? n->parent : NULL;
        if (n)
            n = n->next;
    }
}

/* Wipes libxml2's copy of the input still held by the context. */
static void ctxt_wipe_input(xmlParserCtxt *p)
{
    for (int i = 0; i < p->inputNr; i++) {
        xmlParserInput *in = p->inputTab[i];
        if (!in || !in->buf)
            continue;
        if (in->buf->buffer && xmlBufContent(in->buf->buffer))
            mcsec_wipe(xmlBufContent(in->buf->buffer), xmlBufUse(in->buf->buffer));
        if (in->buf->raw && xmlBufContent(in->buf->raw))
            mcsec_wipe(xmlBufContent(in->buf->raw), xmlBufUse(in->buf->raw));
    }
}

/* Annex D documents are UTF-8 (and our builder writes nothing else). Anything
 * else is refused before libxml2 sees it: libxml2 reports conversion errors
 * outside any parser context (to stderr), so no converter may ever run.
 * Rules: no NUL octet (rules out UTF-16/UCS-4 autodetection), the first octet
 * after an optional UTF-8 BOM is '<' or whitespace (rules out EBCDIC), and an
 * XML declaration names no encoding or "UTF-8" (XML 1.0 §4.3.3). */
static int utf8_input(const uint8_t *x, size_t n)
{
    if (memchr(x, 0, n))
        return 0;
    if (n >= 3 && x[0] == 0xEF && x[1] == 0xBB && x[2] == 0xBF)
        x += 3, n -= 3;
    if (n == 0 || (x[0] != '<' && !kmsxml_is_space(x[0])))
        return 0;
    if (n < 6 || memcmp(x, "<?xml", 5) != 0 || !kmsxml_is_space(x[5]))
        return 1;
    const uint8_t *end = x + n;
    for (const uint8_t *p = x + 5; p + 1 < end && !(p[0] == '?' && p[1] == '>'); p++) {
        if ((size_t)(end - p) < 8 || memcmp(p, "encoding", 8) != 0)
            continue;
        p += 8;
        while (p < end && (kmsxml_is_space(*p) || *p == '='))
            p++;
        if (p == end || (*p != '"' && *p != '\''))
            return 0;
        uint8_t q = *p++;
        static const char utf8[] = "utf-8";
        for (size_t i = 0; i < 5; i++)
            if (p + i >= end || (p[i] | 0x20) != (uint8_t)utf8[i])
                return 0;
        return p + 5 < end && p[5] == q;
    }
    return 1;
}

/* Parses xml into a tree and checks the root element name; the result is
 * freed with doc_free. */
static mcsec_err doc_read(kx_ctx *c, xmlDoc **out, const uint8_t *xml, size_t xml_len,
                          const char *root_name)
{
    *out = NULL;
    if (xml_len > MCSEC_KMSXML_MAX_BYTES)
        return MCSEC_ERR_LENGTH;
    if (xml_len == 0 || !utf8_input(xml, xml_len))
        return MCSEC_ERR_MALFORMED;
    pthread_once(&xml_once, xml_init);
    xmlParserCtxt *p = xmlNewParserCtxt();
    if (!p)
        return MCSEC_ERR_NOMEM;
    p->_private = c;
    p->sax->serror = silent_error;
    p->sax->internalSubset = on_doctype;
    p->sax->externalSubset = NULL;
    /* No XML_PARSE_NOENT (entities are not substituted), no DTDLOAD/DTDATTR,
     * no network, no encoding switch (see utf8_input); errors go to
     * silent_error, never to stderr. */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
               XML_PARSE_IGNORE_ENC;
    xmlDoc *doc = xmlCtxtReadMemory(p, (const char *)xml, (int)xml_len, NULL, NULL, opts);
    mcsec_err e = MCSEC_OK;
    if (!doc)
        e = (p->errNo == XML_ERR_NO_MEMORY) ? MCSEC_ERR_NOMEM : MCSEC_ERR_MALFORMED;
    else if (!p->wellFormed || c->saw_dtd || doc->intSubset || doc->extSubset)
        e = MCSEC_ERR_MALFORMED;
    ctxt_wipe_input(p);
    xmlFreeParserCtxt(p);
    if (e == MCSEC_OK) {
        xmlNode *root = xmlDocGetRootElement(doc);
        if (!root || ns_of(root) != NS_3GPP || strcmp((const char *)root->name, root_name) != 0)
            e = MCSEC_ERR_MALFORMED;
    }
    if (e != MCSEC_OK && doc) {
        doc_wipe(doc);
        xmlFreeDoc(doc);
        doc = NULL;
    }
    *out = doc;
    return e;
}

static void doc_free(kx_ctx *c, xmlDoc *doc)
{
    if (doc) {
        doc_wipe(doc);
        xmlFreeDoc(doc);
    }
    text_wipe(c);
}

/* Reads a whole document: root element root_name with attributes Version
 * and Id, children per fields into base (already zeroed). */
static mcsec_err parse_doc(const uint8_t *xml, size_t xml_len, const char *root_name,
                           const kx_field *fields, size_t nf, void *base, char *version, char *id)
{
    kx_ctx c;
    c.text_len = 0;
    c.saw_dtd = 0;
    xmlDoc *doc = NULL;
    mcsec_err e = doc_read(&c, &doc, xml, xml_len, root_name);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (e == MCSEC_OK)
        e = get_attr(version, root, "Version");
    if (e == MCSEC_OK)
        e = get_attr(id, root, "Id");
    if (e == MCSEC_OK)
        e = parse_seq(&c, root, fields, nf, base);
    doc_free(&c, doc);
    return e;
}

mcsec_err mcsec_kmsxml_request_parse(mcsec_kms_request *req, const uint8_t *xml, size_t xml_len)
{
    if (!req)
        return MCSEC_ERR_ARG;
    memset(req, 0, sizeof *req);
    mcsec_err e = xml ? parse_doc(xml, xml_len, "KmsRequest", request_fields, NF(request_fields),
                                  req, req->version, req->id)
                      : MCSEC_ERR_ARG;
    if (e != MCSEC_OK)
        memset(req, 0, sizeof *req);
    return e;
}

mcsec_err mcsec_kmsxml_response_parse(mcsec_kms_response *resp, const uint8_t *xml, size_t xml_len)
{
    if (!resp)
        return MCSEC_ERR_ARG;
    memset(resp, 0, sizeof *resp);
    mcsec_err e = xml ? parse_doc(xml, xml_len, "KmsResponse", response_fields,
                                  NF(response_fields), resp, resp->version, resp->id)
                      : MCSEC_ERR_ARG;
    if (e != MCSEC_OK)
        mcsec_kms_response_wipe(resp);
    return e;
}

void mcsec_kms_keyset_wipe(mcsec_kms_keyset *ks)
{
    if (ks)
        mcsec_wipe(ks, sizeof *ks);
}

void mcsec_kms_response_wipe(mcsec_kms_response *resp)
{
    if (resp)
        mcsec_wipe(resp, sizeof *resp);
}
