/* The key management client over HTTPS (libcurl): KmsInit, KeyProv,
 * CertCache and the CEK extension (TS 33.180 Annex D). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "internal/dbuf.h"
#include "mcsec/jwt.h"
#include "mcsec/kmsclient.h"
#include "mcsec/uid.h"

#define API_ROOT "/keymanagement/identity/v1/"
#define MAX_RESPONSE (1u << 20)

/* The response body: key material, so kept in a wiping buffer. */
typedef struct rbuf {
    dbuf d;
    int too_big;
} rbuf;

static size_t on_data(char *data, size_t size, size_t nmemb, void *ud)
{
    rbuf *b = ud;
    size_t n = size * nmemb;
    if (b->d.n + n > MAX_RESPONSE) {
        b->too_big = 1;
        return 0;
    }
    db_put(&b->d, data, n);
    return b->d.failed ? 0 : n;
}

static void status_set(mcsec_kmsclient_status *st, long http, int32_t code, const char *msg)
{
    if (st == NULL)
        return;
    st->http_status = http;
    st->kms_error_code = code;
    snprintf(st->message, sizeof st->message, "%s", msg ? msg : "");
}

/* base64url (RFC 4648 §5) without padding; returns the length or -1. */
static long b64url_decode(uint8_t *out, size_t cap, const char *in, size_t n)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26
              : c >= '0' && c <= '9' ? c - '0' + 52 : c == '-' ? 62 : c == '_' ? 63 : -1;
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o == cap)
                return -1;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return (long)o;
}

/* The identity claim of a JWT, read without verification (the KMS verifies
 * the token; the client only needs its own URI for the request body). */
static int token_identity(char *out, size_t cap, const char *token, const char *claim)
{
    const char *d1 = strchr(token, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    if (d2 == NULL)
        return 0;
    uint8_t json[6144];
    long m = b64url_decode(json, sizeof json, d1 + 1, (size_t)(d2 - d1 - 1));
    if (m <= 0)
        return 0;
    json_t *o = json_loadb((const char *)json, (size_t)m, 0, NULL);
    const char *v = json_string_value(json_object_get(o, claim));
    int ok = v != NULL && v[0] != 0 && strlen(v) < cap;
    if (ok)
        strcpy(out, v);
    json_decref(o);
    return ok;
}

/* POSTs body (may be empty) to base_url + path; on HTTP 200 parses the
 * KmsResponse into *resp, else maps the status and any KmsError. */
static mcsec_err post(mcsec_kms_response *resp, mcsec_kmsclient_status *st,
                      const mcsec_kmsclient_config *cfg, const char *path, const uint8_t *body,
                      size_t body_len)
{
    char url[1024], auth[MCSEC_JWT_MAX_BYTES + 32];
    if (snprintf(url, sizeof url, "%s%s", cfg->base_url, path) >= (int)sizeof url ||
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", cfg->token) >= (int)sizeof auth)
        return MCSEC_ERR_ARG;
    CURL *c = curl_easy_init();
    if (c == NULL)
        return MCSEC_ERR_NOMEM;
    struct curl_slist *h = NULL, *h2;
    rbuf rb = { 0 };
    mcsec_err err = MCSEC_OK;
    const char *hdrs[] = { "Content-Type: application/xml", "Accept: application/xml", auth };
    for (size_t i = 0; i < 3; i++) {
        h2 = curl_slist_append(h, hdrs[i]);
        if (h2 == NULL) {
            err = MCSEC_ERR_NOMEM;
            break;
        }
        h = h2;
    }
    char cerr[CURL_ERROR_SIZE] = "";
    if (err == MCSEC_OK) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        /* HTTPS only (D.1), certificate and host name verified */
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
        if (cfg->ca_file != NULL)
            curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca_file);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body_len ? (const char *)body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &rb);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, cfg->timeout_s > 0 ? cfg->timeout_s : 30L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
        CURLcode rc = curl_easy_perform(c);
        long http = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &http);
        if (rc != CURLE_OK) {
            status_set(st, http, 0, cerr[0] ? cerr : curl_easy_strerror(rc));
            err = rb.too_big ? MCSEC_ERR_MALFORMED : MCSEC_ERR_NETWORK;
        } else {
            mcsec_err perr = mcsec_kmsxml_response_parse(resp, rb.d.p, rb.d.n);
            if (http == 200) {
                err = perr;
                status_set(st, http, 0, perr == MCSEC_OK ? "" : "malformed KmsResponse");
                if (err == MCSEC_OK && resp->kind == MCSEC_KMSXML_ERROR)
                    err = MCSEC_ERR_HTTP;
            } else {
                int kmserr = perr == MCSEC_OK && resp->kind == MCSEC_KMSXML_ERROR;
                status_set(st, http, kmserr ? resp->error_code : 0, kmserr ? resp->error_msg : "");
                err = kmserr && strcmp(resp->error_msg, "Revoked") == 0 ? MCSEC_ERR_REVOKED
                    : http == 401 ? MCSEC_ERR_TOKEN : http == 403 ? MCSEC_ERR_DENIED : MCSEC_ERR_HTTP;
                mcsec_kms_response_wipe(resp);
            }
        }
    }
    mcsec_wipe(auth, sizeof auth);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    db_free(&rb.d);
    return err;
}

/* A KmsRequest body for path (D.2.2), or an empty body when the KMS URI is
 * not known yet (the first KmsInit). */
static mcsec_err request_body(uint8_t *out, size_t *len, const mcsec_kmsclient_config *cfg,
                              const char *user, const char *kms_uri, const char *path,
                              const char *cek_peer)
{
    if (kms_uri == NULL) {
        *len = 0;
        return MCSEC_OK;
    }
    mcsec_kms_request rq;
    memset(&rq, 0, sizeof rq);
    if (snprintf(rq.user_uri, sizeof rq.user_uri, "%s", user) >= (int)sizeof rq.user_uri ||
        snprintf(rq.kms_uri, sizeof rq.kms_uri, "%s", kms_uri) >= (int)sizeof rq.kms_uri ||
        snprintf(rq.client_req_url, sizeof rq.client_req_url, "%s%s", cfg->base_url, path) >=
            (int)sizeof rq.client_req_url)
        return MCSEC_ERR_ARG;
    rq.time = (int64_t)time(NULL);
    if (cek_peer != NULL) {
        rq.has_cek_peer = 1;
        if (snprintf(rq.cek_peer, sizeof rq.cek_peer, "%s", cek_peer) >= (int)sizeof rq.cek_peer)
            return MCSEC_ERR_ARG;
    }
    return mcsec_kmsxml_request_build(out, len, &rq);
}

static mcsec_err who(char *user, size_t cap, const mcsec_kmsclient_config *cfg)
{
    if (cfg == NULL || cfg->base_url == NULL || cfg->token == NULL)
        return MCSEC_ERR_ARG;
    if (cfg->user_uri != NULL)
        return snprintf(user, cap, "%s", cfg->user_uri) < (int)cap ? MCSEC_OK : MCSEC_ERR_ARG;
    return token_identity(user, cap, cfg->token, cfg->identity_claim ? cfg->identity_claim : "mcptt_id")
               ? MCSEC_OK
               : MCSEC_ERR_ARG;
}

/* One request/response exchange; resp is heap-allocated by the caller. */
static mcsec_err exchange(mcsec_kms_response *resp, mcsec_kmsclient_status *st,
                          const mcsec_kmsclient_config *cfg, const char *user, const char *kms_uri,
                          const char *path, const char *cek_peer, mcsec_kmsxml_kind want)
{
    uint8_t body[4096];
    size_t len = sizeof body;
    mcsec_err err = request_body(body, &len, cfg, user, kms_uri, path, cek_peer);
    if (err == MCSEC_OK)
        err = post(resp, st, cfg, path, body, len);
    if (err == MCSEC_OK && resp->kind != want) {
        status_set(st, 200, 0, "unexpected KmsMessage");
        err = MCSEC_ERR_MALFORMED;
    }
    if (err == MCSEC_OK && (strcmp(resp->user_uri, user) != 0 ||
                            (kms_uri != NULL && strcmp(resp->kms_uri, kms_uri) != 0))) {
        status_set(st, 200, 0, "response for another user or KMS");
        err = MCSEC_ERR_RECIPIENT;
    }
    return err;
}

static int cert_same(const mcsec_kms_cert *a, const mcsec_kms_cert *b)
{
    return strcmp(a->kms_uri, b->kms_uri) == 0 && a->user_key_period == b->user_key_period &&
           a->user_key_offset == b->user_key_offset &&
           memcmp(a->pub_enc_key, b->pub_enc_key, sizeof a->pub_enc_key) == 0 &&
           memcmp(a->pub_auth_key, b->pub_auth_key, sizeof a->pub_auth_key) == 0;
}

mcsec_err mcsec_kmsclient_fetch(mcsec_keystore *ks, mcsec_kmsclient_status *st,
                                const mcsec_kmsclient_config *cfg, uint64_t when_ntp)
{
    char user[MCSEC_KMSXML_URI_MAX + 1], path[MCSEC_KMSXML_URI_MAX * 3 + 64];
    if (st != NULL)
        memset(st, 0, sizeof *st);
    if (ks == NULL)
        return MCSEC_ERR_ARG;
    mcsec_err err = who(user, sizeof user, cfg);
    if (err != MCSEC_OK)
        return err;
    mcsec_kms_response *resp = calloc(1, sizeof *resp);
    if (resp == NULL)
        return MCSEC_ERR_NOMEM;
    /* KMS Initialize: the KMS certificate (D.3.2) */
    err = exchange(resp, st, cfg, user, cfg->kms_uri, API_ROOT "init", NULL, MCSEC_KMSXML_INIT);
    mcsec_kms_cert cert;
    char *pem = NULL;
    if (err == MCSEC_OK && resp->server_cert_pem[0] && (pem = strdup(resp->server_cert_pem)) == NULL)
        err = MCSEC_ERR_NOMEM;
    if (err == MCSEC_OK) {
        cert = resp->cert;
        if (cfg->kms_uri != NULL && strcmp(cert.kms_uri, cfg->kms_uri) != 0)
            err = MCSEC_ERR_RECIPIENT;
        else if (strcmp(cert.user_id_format, "2") != 0 || cert.user_key_period == 0 ||
                 cert.user_key_offset >= cert.user_key_period ||
                 (cert.has_parameter_set && cert.parameter_set != 1))
            err = MCSEC_ERR_UNSUPPORTED;
        else if (ks->has_cert && !cert_same(&ks->cert, &cert))
            err = MCSEC_ERR_DENIED;
        else if (cert.has_revoked && cert.revoked)
            err = MCSEC_ERR_REVOKED;
    }
    /* KMS KeyProvision: current and next period, or the one containing when_ntp */
    if (err == MCSEC_OK) {
        if (when_ntp != 0) {
            char enc[MCSEC_KMSXML_URI_MAX * 3 + 1];
            CURL *c = curl_easy_init();
            char *e = c ? curl_easy_escape(c, user, 0) : NULL;
            int ok = e != NULL && snprintf(enc, sizeof enc, "%s", e) < (int)sizeof enc;
            curl_free(e);
            curl_easy_cleanup(c);
            if (!ok)
                err = MCSEC_ERR_NOMEM;
            else
                snprintf(path, sizeof path, API_ROOT "keyprov/%s/%08llX00000000", enc,
                         (unsigned long long)(when_ntp & 0xffffffffu));
        } else {
            snprintf(path, sizeof path, API_ROOT "keyprov");
        }
    }
    if (err == MCSEC_OK)
        err = exchange(resp, st, cfg, user, cert.kms_uri, path, NULL, MCSEC_KMSXML_KEYPROV);
    if (err == MCSEC_OK && resp->n_keysets == 0)
        err = MCSEC_ERR_MISSING;
    for (size_t i = 0; err == MCSEC_OK && i < resp->n_keysets; i++) {
        err = mcsec_kms_keyset_validate(&resp->keysets[i], &cert, user);
        if (err != MCSEC_OK)
            status_set(st, 200, 0, "a served key set failed validation");
    }
    if (err == MCSEC_OK && when_ntp != 0) {
        uint64_t want;
        err = mcsec_uid_period_no(&want, when_ntp, cert.user_key_period, cert.user_key_offset);
        if (err == MCSEC_OK && resp->keysets[0].key_period_no != want)
            err = MCSEC_ERR_KEY_INVALID;
    }
    /* everything checked: now the store changes */
    if (err == MCSEC_OK) {
        size_t room = MCSEC_KEYSTORE_MAX_KEYSETS - ks->n_keysets;
        for (size_t i = 0; i < resp->n_keysets; i++)
            if (mcsec_keystore_find(ks, user, resp->keysets[i].key_period_no) != NULL)
                room++;
        if (room < resp->n_keysets)
            err = MCSEC_ERR_BUFFER;
    }
    if (err == MCSEC_OK) {
        ks->cert = cert;
        ks->has_cert = 1;
        if (pem != NULL)
            snprintf(ks->server_cert_pem, sizeof ks->server_cert_pem, "%s", pem);
        for (size_t i = 0; err == MCSEC_OK && i < resp->n_keysets; i++)
            err = mcsec_keystore_put(ks, &resp->keysets[i]);
    }
    free(pem);
    mcsec_kms_response_wipe(resp);
    free(resp);
    return err;
}

mcsec_err mcsec_kmsclient_certcache(mcsec_kms_cert *certs, size_t *n, size_t max, mcsec_kmsclient_status *st,
                                    const mcsec_kmsclient_config *cfg)
{
    char user[MCSEC_KMSXML_URI_MAX + 1];
    if (st != NULL)
        memset(st, 0, sizeof *st);
    if (certs == NULL || n == NULL)
        return MCSEC_ERR_ARG;
    *n = 0;
    mcsec_err err = who(user, sizeof user, cfg);
    if (err != MCSEC_OK)
        return err;
    mcsec_kms_response *resp = calloc(1, sizeof *resp);
    if (resp == NULL)
        return MCSEC_ERR_NOMEM;
    err = exchange(resp, st, cfg, user, cfg->kms_uri, API_ROOT "certcache", NULL, MCSEC_KMSXML_CERTCACHE);
    if (err == MCSEC_OK && resp->n_certs > max)
        err = MCSEC_ERR_BUFFER;
    if (err == MCSEC_OK) {
        memcpy(certs, resp->certs, resp->n_certs * sizeof certs[0]);
        *n = resp->n_certs;
    }
    mcsec_kms_response_wipe(resp);
    free(resp);
    return err;
}

static mcsec_err cek_call(mcsec_kms_cek *cek, mcsec_kmsclient_status *st, const mcsec_kmsclient_config *cfg,
                          const char *peer, const uint8_t *id)
{
    char user[MCSEC_KMSXML_URI_MAX + 1], path[128];
    if (st != NULL)
        memset(st, 0, sizeof *st);
    if (cek == NULL || cfg == NULL || cfg->kms_uri == NULL)
        return MCSEC_ERR_ARG;
    memset(cek, 0, sizeof *cek);
    mcsec_err err = who(user, sizeof user, cfg);
    if (err != MCSEC_OK)
        return err;
    if (id != NULL) {
        int o = snprintf(path, sizeof path, API_ROOT "cek/");
        for (size_t i = 0; i < MCSEC_KMSXML_CEK_ID_BYTES; i++)
            o += snprintf(path + o, sizeof path - (size_t)o, "%02x", id[i]);
    } else {
        snprintf(path, sizeof path, API_ROOT "cek");
    }
    mcsec_kms_response *resp = calloc(1, sizeof *resp);
    if (resp == NULL)
        return MCSEC_ERR_NOMEM;
    err = exchange(resp, st, cfg, user, cfg->kms_uri, path, peer, MCSEC_KMSXML_CEK);
    if (err == MCSEC_OK && id != NULL && memcmp(resp->cek.cek_id, id, MCSEC_KMSXML_CEK_ID_BYTES) != 0)
        err = MCSEC_ERR_MALFORMED;
    if (err == MCSEC_OK)
        *cek = resp->cek;
    mcsec_kms_response_wipe(resp);
    free(resp);
    return err;
}

mcsec_err mcsec_kmsclient_cek_create(mcsec_kms_cek *cek, mcsec_kmsclient_status *st,
                                     const mcsec_kmsclient_config *cfg, const char *peer_uri)
{
    if (peer_uri == NULL || peer_uri[0] == 0)
        return MCSEC_ERR_ARG;
    return cek_call(cek, st, cfg, peer_uri, NULL);
}

mcsec_err mcsec_kmsclient_cek_fetch(mcsec_kms_cek *cek, mcsec_kmsclient_status *st,
                                    const mcsec_kmsclient_config *cfg,
                                    const uint8_t cek_id[MCSEC_KMSXML_CEK_ID_BYTES])
{
    if (cek_id == NULL)
        return MCSEC_ERR_ARG;
    return cek_call(cek, st, cfg, NULL, cek_id);
}

/* Off-network preparation: n consecutive key periods, fetched one by one
 * with when_ntp inside each (TS 33.180 §5.2.1: key sets are per period). */
mcsec_err mcsec_kmsclient_fetch_periods(mcsec_keystore *ks, mcsec_kmsclient_status *st,
                                        const mcsec_kmsclient_config *cfg, uint64_t from_ntp, unsigned n_periods)
{
    char user[MCSEC_KMSXML_URI_MAX + 1];
    if (ks == NULL || cfg == NULL || n_periods == 0 || n_periods > 32)
        return MCSEC_ERR_ARG;
    mcsec_err err = who(user, sizeof user, cfg);
    /* the first fetch brings (or checks) the certificate: the period length */
    if (err == MCSEC_OK)
        err = mcsec_kmsclient_fetch(ks, st, cfg, from_ntp);
    uint64_t first = 0;
    if (err == MCSEC_OK) {
        uint64_t t = from_ntp ? from_ntp : (uint64_t)time(NULL) + MCSEC_NTP_UNIX_OFFSET;
        err = mcsec_uid_period_no(&first, t, ks->cert.user_key_period, ks->cert.user_key_offset);
    }
    for (unsigned i = 0; err == MCSEC_OK && i < n_periods; i++) {
        uint64_t start = 0, end = 0;
        if (mcsec_keystore_find(ks, user, first + i) != NULL)
            continue;
        if (ks->n_keysets >= MCSEC_KEYSTORE_MAX_KEYSETS)
            err = MCSEC_ERR_BUFFER;
        if (err == MCSEC_OK)
            err = mcsec_uid_period_bounds(&start, &end, first + i, ks->cert.user_key_period,
                                          ks->cert.user_key_offset);
        if (err == MCSEC_OK)
            err = mcsec_kmsclient_fetch(ks, st, cfg, start + 1);
    }
    return err;
}
