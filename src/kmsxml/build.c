/* Serialisation of KmsRequest (TS 33.180 D.2.2) and KmsResponse (D.3)
 * documents. The writer makes one pass straight into the caller's buffer and
 * keeps counting past its end, so the size needed is known without any
 * intermediate heap buffer (nothing holding key hex is left behind); on any
 * failure the octets already written are wiped. */
#include "kmsxml/kmsxml_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

typedef struct kw {
    uint8_t *out;
    size_t cap, len;
    mcsec_err err;
} kw;

static void put(kw *w, const char *s, size_t n)
{
    if (w->len <= w->cap && w->cap - w->len >= n)
        memcpy(w->out + w->len, s, n);
    w->len += n;
}

static void puts_(kw *w, const char *s)
{
    put(w, s, strlen(s));
}

static void fail(kw *w, mcsec_err e)
{
    if (w->err == MCSEC_OK)
        w->err = e;
}

/* Escaped character data (XML 1.0 §2.4) or, with quote, an attribute value
 * delimited by that quote (§3.1). Only what must be escaped is: '&', '<', '>'
 * after "]]", the delimiting quote, and CR (as a character reference, so it
 * survives end-of-line handling). A document we rebuild from a parsed one is
 * therefore no larger than the original plus indentation. */
static void put_escaped_q(kw *w, const char *s, size_t n, char quote)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        char c = s[i];
        if (c == '&')
            rep = "&amp;";
        else if (c == '<')
            rep = "&lt;";
        else if (c == '>' && i >= 2 && s[i - 1] == ']' && s[i - 2] == ']')
            rep = "&gt;";
        else if (c == '\r')
            rep = "&#13;";
        else if (quote && c == quote)
            rep = quote == '"' ? "&quot;" : "&apos;";
        if (rep) {
            put(w, s + run, i - run);
            puts_(w, rep);
            run = i + 1;
        }
    }
    put(w, s + run, n - run);
}

static void put_escaped(kw *w, const char *s, size_t n)
{
    put_escaped_q(w, s, n, 0);
}

/* Length of a bounded string field after its checks: at most max octets,
 * valid text, no surrounding whitespace (the parser trims it, so it would not
 * round-trip), non-empty if required. Records MCSEC_ERR_ARG otherwise. */
static size_t str_len(kw *w, const char *s, size_t max, int required, int newlines)
{
    size_t n = strnlen(s, max + 1);
    if (n > max || (required && n == 0) || !kmsxml_text_ok(s, n, newlines) ||
        (n && (kmsxml_is_space((unsigned char)s[0]) || kmsxml_is_space((unsigned char)s[n - 1])))) {
        fail(w, MCSEC_ERR_ARG);
        return 0;
    }
    return n;
}

/* The int flags of the structures are 0 or 1 (what the parser produces). */
static int flag(kw *w, int v)
{
    if (v != 0 && v != 1)
        fail(w, MCSEC_ERR_ARG);
    return v == 1;
}

static void indent(kw *w, int depth)
{
    put(w, "\n", 1);
    for (int i = 0; i < depth; i++)
        put(w, "  ", 2);
}

/* Start tag without its closing '>' (attributes follow). */
static void open_tag(kw *w, int depth, const char *name)
{
    indent(w, depth);
    put(w, "<", 1);
    puts_(w, name);
}

static void attr(kw *w, const char *name, const char *value, int required)
{
    size_t n = str_len(w, value, MCSEC_KMSXML_URI_MAX, required, 0), dq = 0, sq = 0;
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++)
        dq += value[i] == '"', sq += value[i] == '\'';
    char q = dq > sq ? '\'' : '"'; /* the quote needing fewer escapes */
    put(w, " ", 1);
    puts_(w, name);
    put(w, "=", 1);
    put(w, &q, 1);
    put_escaped_q(w, value, n, q);
    put(w, &q, 1);
}

/* Version attribute, with the schema's value when the field is "". */
static void version_attr(kw *w, const char *v, const char *dflt)
{
    attr(w, "Version", v[0] ? v : dflt, 1);
}

static void close_tag(kw *w, int depth, const char *name)
{
    if (depth >= 0)
        indent(w, depth);
    put(w, "</", 2);
    puts_(w, name);
    put(w, ">", 1);
}

static void elem_text(kw *w, int depth, const char *name, const char *text, size_t n)
{
    open_tag(w, depth, name);
    put(w, ">", 1);
    put_escaped(w, text, n);
    close_tag(w, -1, name);
}

/* A string element; an optional one is left out when "". */
static void elem_str(kw *w, int depth, const char *name, const char *s, int required)
{
    size_t n = str_len(w, s, MCSEC_KMSXML_URI_MAX, required, 0);
    if (n || required)
        elem_text(w, depth, name, s, n);
}

static void elem_u64(kw *w, int depth, const char *name, uint64_t v)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%" PRIu64, v);
    elem_text(w, depth, name, b, (size_t)n);
}

static void elem_time(kw *w, int depth, const char *name, int64_t t)
{
    char b[21];
    if (mcsec_kmsxml_time_format(b, t) != MCSEC_OK) {
        fail(w, MCSEC_ERR_ARG);
        return;
    }
    elem_text(w, depth, name, b, 20);
}

static void elem_bool(kw *w, int depth, const char *name, int v)
{
    const char *s = v ? "true" : "false";
    elem_text(w, depth, name, s, strlen(s));
}

/* hexBinary in uppercase, with xsi:type="KeyContentType" for the
 * abstractKeyContentType elements of a key set (D.3.3). The hex goes
 * through a small stack buffer that is wiped. */
static void elem_hex(kw *w, int depth, const char *name, const uint8_t *v, size_t n, int key_type)
{
    char b[64];
    open_tag(w, depth, name);
    if (key_type)
        puts_(w, " xsi:type=\"KeyContentType\"");
    put(w, ">", 1);
    for (size_t i = 0; i < n; i += 32) {
        size_t k = n - i < 32 ? n - i : 32;
        kmsxml_hex_encode(b, v + i, k);
        put(w, b, 2 * k);
    }
    mcsec_wipe(b, sizeof b);
    close_tag(w, -1, name);
}

/* XML declaration, the root start tag (default namespace: the 3GPP one)
 * and the three children every request and response starts with. */
static void open_root(kw *w, const char *root, const char *more_ns, const char *version,
                      const char *dflt, const char *id, const char *user_uri,
                      const char *kms_uri, int64_t time)
{
    puts_(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    open_tag(w, 0, root);
    puts_(w, " xmlns=\"" MCSEC_KMSXML_NS "\"");
    puts_(w, more_ns);
    version_attr(w, version, dflt);
    attr(w, "Id", id, 0);
    put(w, ">", 1);
    elem_str(w, 1, "UserUri", user_uri, 1);
    elem_str(w, 1, "KmsUri", kms_uri, 1);
    elem_time(w, 1, "Time", time);
}

/* Copies the result out or reports the size; wipes partial output. */
static mcsec_err finish(kw *w, size_t *out_len)
{
    put(w, "\n", 1);
    mcsec_err e = w->err;
    if (e == MCSEC_OK && w->len > w->cap)
        e = MCSEC_ERR_BUFFER;
    if (e != MCSEC_OK)
        mcsec_wipe(w->out, w->cap);
    *out_len = (e == MCSEC_OK || e == MCSEC_ERR_BUFFER) ? w->len : 0;
    return e;
}

mcsec_err mcsec_kmsxml_request_build(uint8_t *out, size_t *out_len, const mcsec_kms_request *req)
{
    if (!out || !out_len || !req)
        return MCSEC_ERR_ARG;
    kw w = { out, *out_len, 0, MCSEC_OK };
    /* D.2.2 KmsRequestType, elements in sequence order */
    open_root(&w, "KmsRequest", "", req->version, "1.1.0", req->id, req->user_uri, req->kms_uri,
              req->time);
    elem_str(&w, 1, "ClientId", req->client_id, 0);
    elem_str(&w, 1, "DeviceId", req->device_id, 0);
    elem_str(&w, 1, "ClientReqUrl", req->client_req_url, 1);
    if (flag(&w, req->has_cek_peer)) {
        /* extension, last child, in our own namespace (D.1) */
        open_tag(&w, 1, "ext:CekRequest");
        puts_(&w, " xmlns:ext=\"" MCSEC_KMSXML_CEK_NS "\">");
        elem_str(&w, 2, "ext:PeerUri", req->cek_peer, 1);
        close_tag(&w, 1, "ext:CekRequest");
    }
    close_tag(&w, 0, "KmsRequest");
    return finish(&w, out_len);
}

/* D.3.2 KmsCertificateType */
static void put_cert(kw *w, int d, const mcsec_kms_cert *c)
{
    open_tag(w, d, "KmsCertificate");
    version_attr(w, c->version, "1.1.0");
    attr(w, "Role", c->role, 0);
    put(w, ">", 1);
    elem_str(w, d + 1, "CertUri", c->cert_uri, 0);
    elem_str(w, d + 1, "KmsUri", c->kms_uri, 1);
    elem_str(w, d + 1, "Issuer", c->issuer, 0);
    if (flag(w, c->has_valid_from))
        elem_time(w, d + 1, "ValidFrom", c->valid_from);
    if (flag(w, c->has_valid_to))
        elem_time(w, d + 1, "ValidTo", c->valid_to);
    if (flag(w, c->has_revoked))
        elem_bool(w, d + 1, "Revoked", flag(w, c->revoked));
    elem_str(w, d + 1, "UserIdFormat", c->user_id_format, 1);
    if (c->user_key_period == 0)
        fail(w, MCSEC_ERR_ARG); /* F.2.1: P3 > 0 */
    elem_u64(w, d + 1, "UserKeyPeriod", c->user_key_period);
    elem_u64(w, d + 1, "UserKeyOffset", c->user_key_offset);
    elem_hex(w, d + 1, "PubEncKey", c->pub_enc_key, sizeof c->pub_enc_key, 0);
    elem_hex(w, d + 1, "PubAuthKey", c->pub_auth_key, sizeof c->pub_auth_key, 0);
    if (flag(w, c->has_parameter_set))
        elem_u64(w, d + 1, "ParameterSet", c->parameter_set);
    close_tag(w, d, "KmsCertificate");
}

/* D.3.3 KmsKeySetType */
static void put_keyset(kw *w, int d, const mcsec_kms_keyset *k)
{
    char uid[44];
    open_tag(w, d, "KmsKeySet");
    version_attr(w, k->version, "1.1.0");
    put(w, ">", 1);
    elem_str(w, d + 1, "KmsUri", k->kms_uri, 1);
    elem_str(w, d + 1, "CertUri", k->cert_uri, 0);
    elem_str(w, d + 1, "Issuer", k->issuer, 0);
    elem_str(w, d + 1, "UserUri", k->user_uri, 1);
    kmsxml_uid_encode(uid, k->user_id); /* D.3.3: base64 */
    elem_text(w, d + 1, "UserID", uid, sizeof uid);
    if (flag(w, k->has_valid_from))
        elem_time(w, d + 1, "ValidFrom", k->valid_from);
    if (flag(w, k->has_valid_to))
        elem_time(w, d + 1, "ValidTo", k->valid_to);
    elem_u64(w, d + 1, "KeyPeriodNo", k->key_period_no);
    if (flag(w, k->has_revoked))
        elem_bool(w, d + 1, "Revoked", flag(w, k->revoked));
    elem_hex(w, d + 1, "UserDecryptKey", k->rsk, sizeof k->rsk, 1);
    elem_hex(w, d + 1, "UserSigningKeySSK", k->ssk, sizeof k->ssk, 1);
    elem_hex(w, d + 1, "UserPubTokenPVT", k->pvt, sizeof k->pvt, 1);
    close_tag(w, d, "KmsKeySet");
}

static void put_message(kw *w, const mcsec_kms_response *r)
{
    const int d = 2;
    open_tag(w, 1, "KmsMessage");
    put(w, ">", 1);
    switch (r->kind) {
    case MCSEC_KMSXML_INIT: {
        open_tag(w, d, "KmsInit Version=\"1.0.0\" xsi:type=\"KmsInitTkIkType\">");
        put_cert(w, d + 1, &r->cert);
        size_t n = str_len(w, r->server_cert_pem, MCSEC_KMSXML_PEM_MAX, 0, 1);
        if (n) {
            open_tag(w, d + 1, "ext:ServerCertificate");
            puts_(w, " xmlns:ext=\"" MCSEC_KMSXML_CEK_NS "\">");
            put_escaped(w, r->server_cert_pem, n);
            close_tag(w, -1, "ext:ServerCertificate");
        }
        close_tag(w, d, "KmsInit");
        break;
    }
    case MCSEC_KMSXML_KEYPROV:
        if (r->n_keysets > MCSEC_KMSXML_MAX_KEYSETS) {
            fail(w, MCSEC_ERR_ARG);
            break;
        }
        open_tag(w, d, "KmsKeyProv Version=\"1.0.0\" xsi:type=\"KmsKeyProvTkIkType\">");
        for (size_t i = 0; i < r->n_keysets; i++)
            put_keyset(w, d + 1, &r->keysets[i]);
        close_tag(w, d, "KmsKeyProv");
        break;
    case MCSEC_KMSXML_CERTCACHE: {
        if (r->n_certs > MCSEC_KMSXML_MAX_CERTS) {
            fail(w, MCSEC_ERR_ARG);
            break;
        }
        char num[24];
        snprintf(num, sizeof num, "%" PRIu64, r->cache_num);
        open_tag(w, d, "KmsCertCache Version=\"1.0.0\" CacheNum=\"");
        puts_(w, num);
        put(w, "\">", 2);
        for (size_t i = 0; i < r->n_certs; i++)
            put_cert(w, d + 1, &r->certs[i]);
        close_tag(w, d, "KmsCertCache");
        break;
    }
    default: /* MCSEC_KMSXML_CEK */
        open_tag(w, d, "ext:KmsCek");
        puts_(w, " xmlns:ext=\"" MCSEC_KMSXML_CEK_NS "\">");
        elem_hex(w, d + 1, "ext:CekId", r->cek.cek_id, sizeof r->cek.cek_id, 0);
        elem_hex(w, d + 1, "ext:Cek", r->cek.cek, sizeof r->cek.cek, 0);
        elem_str(w, d + 1, "ext:Initiator", r->cek.initiator, 1);
        elem_str(w, d + 1, "ext:Peer", r->cek.peer, 1);
        elem_time(w, d + 1, "ext:Expires", r->cek.expires);
        close_tag(w, d, "ext:KmsCek");
        break;
    }
    close_tag(w, 1, "KmsMessage");
}

mcsec_err mcsec_kmsxml_response_build(uint8_t *out, size_t *out_len, const mcsec_kms_response *resp)
{
    if (!out || !out_len || !resp)
        return MCSEC_ERR_ARG;
    const mcsec_kms_response *r = resp;
    kw w = { out, *out_len, 0, MCSEC_OK };
    if ((unsigned)r->kind > MCSEC_KMSXML_ERROR || (r->kind == MCSEC_KMSXML_ERROR && r->error_code < 0))
        fail(&w, MCSEC_ERR_ARG);
    /* D.3.1 KmsResponseType, elements in sequence order */
    open_root(&w, "KmsResponse", " xmlns:xsi=\"" XSI_NS "\"", r->version, "1.0.0", r->id,
              r->user_uri, r->kms_uri, r->time);
    elem_str(&w, 1, "KmsId", r->kms_id, 0);
    elem_str(&w, 1, "ClientReqUrl", r->client_req_url, 1);
    if (r->kind == MCSEC_KMSXML_ERROR) {
        open_tag(&w, 1, "KmsError");
        put(&w, ">", 1);
        elem_u64(&w, 2, "ErrorCode", r->error_code < 0 ? 0 : (uint64_t)r->error_code);
        elem_str(&w, 2, "ErrorMsg", r->error_msg, 0);
        close_tag(&w, 1, "KmsError");
    } else if (r->kind != MCSEC_KMSXML_NONE && w.err == MCSEC_OK) {
        put_message(&w, r);
    }
    close_tag(&w, 0, "KmsResponse");
    return finish(&w, out_len);
}
