/* The KMS request handler (TS 33.180 Annex D) and domain management. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kms/seal.h"
#include "kms/store.h"
#include "kmsxml/kmsxml_internal.h"
#include "mcsec/eccsi.h"
#include "mcsec/jwt.h"
#include "mcsec/kms.h"
#include "mcsec/kmsxml.h"
#include "mcsec/sakke.h"
#include "mcsec/uid.h"

#define API_ROOT "/keymanagement/identity/v1/"
#define DEFAULT_PERIOD 2592000u
#define KEYSET_PLAIN (32 + 65 + 257) /* SSK || PVT || RSK */
#define KEYSET_SEALED (KEYSET_PLAIN + SEAL_OVERHEAD)

/* Routes, for metrics and the audit trail. */
enum route { R_INIT, R_KEYPROV, R_CERTCACHE, R_CEK, R_METRICS, R_OTHER, R_COUNT };
static const char *const route_name[R_COUNT] = { "init", "keyprov", "certcache", "cek", "metrics", "other" };
static const int status_list[] = { 200, 400, 401, 403, 404, 405, 500 };
#define N_STATUS (sizeof status_list / sizeof status_list[0])
static const double bucket_le[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0 };
#define N_BUCKET (sizeof bucket_le / sizeof bucket_le[0])

struct mcsec_kms_server {
    sqlite3 *db;
    char kms_uri[MCSEC_KMSXML_URI_MAX + 1];
    uint64_t period_len, period_offset;
    uint8_t ksak[32], z[128]; /* domain secrets, unsealed */
    uint8_t kpak[65], zt[257];
    uint8_t k_keyset[SEAL_KEY_BYTES], k_cek[SEAL_KEY_BYTES];
    mcsec_jwt_key *idm_key;
    char issuer[256], audience[256], claim[64], scope[256];
    int64_t skew, window;
    uint64_t cek_ttl;
    char *server_cert_pem;
    const mcsec_rng *rng;
    int64_t (*now)(void *ctx);
    void (*log)(void *ctx, int level, const char *line);
    void *hook_ctx;
    pthread_mutex_t mx; /* guards the metrics below */
    uint64_t requests[R_COUNT][N_STATUS];
    uint64_t lat_bucket[R_COUNT][N_BUCKET];
    uint64_t lat_count[R_COUNT];
    double lat_sum[R_COUNT];
};

static int64_t now_of(const mcsec_kms_server *s)
{
    return s->now ? s->now(s->hook_ctx) : (int64_t)time(NULL);
}

static void logf_(const mcsec_kms_server *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void logf_(const mcsec_kms_server *s, int level, const char *fmt, ...)
{
    if (s->log == NULL)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    s->log(s->hook_ctx, level, line);
}

static int copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        return 0;
    memcpy(dst, src ? src : "", n);
    dst[n] = 0;
    return 1;
}

/* ---- master key file ---------------------------------------------------- */

/* Reads the 32-octet master key, creating it (0600, O_EXCL) when absent.
 * Refuses a file that group or others can read or write: it protects every
 * secret of the domain. */
static mcsec_err master_key_load(uint8_t key[32], const char *path, const mcsec_rng *rng)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        uint8_t fresh[32];
        if (rng->fill(rng->ctx, fresh, sizeof fresh) != 0)
            return MCSEC_ERR_RNG;
        int w = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        int ok = w >= 0 && write(w, fresh, sizeof fresh) == (ssize_t)sizeof fresh && fsync(w) == 0;
        if (w >= 0 && close(w) != 0)
            ok = 0;
        mcsec_wipe(fresh, sizeof fresh);
        if (!ok) {
            if (w >= 0)
                unlink(path);
            return MCSEC_ERR_IO;
        }
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0)
        return MCSEC_ERR_IO;
    struct stat st;
    mcsec_err err = MCSEC_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0 || st.st_size != 32 ||
        read(fd, key, 32) != 32)
        err = MCSEC_ERR_IO;
    close(fd);
    if (err != MCSEC_OK)
        mcsec_wipe(key, 32);
    return err;
}

/* ---- domain ------------------------------------------------------------- */

static mcsec_err domain_aad(uint8_t *aad, size_t *len, const char *kms_uri)
{
    static const char tag[] = "mcsec-kms-domain-v1|";
    size_t n = strlen(kms_uri);
    if (sizeof tag - 1 + n > *len)
        return MCSEC_ERR_ARG;
    memcpy(aad, tag, sizeof tag - 1);
    memcpy(aad + sizeof tag - 1, kms_uri, n);
    *len = sizeof tag - 1 + n;
    return MCSEC_OK;
}

/* Creates the domain on an empty store, or loads and checks the stored one. */
static mcsec_err domain_load(mcsec_kms_server *s, const uint8_t master[32])
{
    uint8_t kdom[SEAL_KEY_BYTES], aad[300], plain[160];
    size_t aad_len = sizeof aad;
    store_domain d;
    memset(&d, 0, sizeof d);
    mcsec_err err = seal_derive(kdom, master, "mcsec kms domain v1");
    if (err == MCSEC_OK)
        err = domain_aad(aad, &aad_len, s->kms_uri);
    if (err == MCSEC_OK)
        err = store_domain_get(s->db, &d);
    if (err == MCSEC_ERR_NOT_FOUND) {
        /* First start: KSAK/KPAK (RFC 6507 §4.2) and z/Z_T (RFC 6508 §6.1). */
        err = mcsec_eccsi_kms_keygen(s->ksak, s->kpak, s->rng);
        if (err == MCSEC_OK)
            err = mcsec_sakke_kms_keygen(s->z, s->zt, s->rng);
        if (err == MCSEC_OK) {
            memcpy(plain, s->ksak, 32);
            memcpy(plain + 32, s->z, 128);
            copy_str(d.kms_uri, sizeof d.kms_uri, s->kms_uri);
            d.period_len = s->period_len;
            d.period_offset = s->period_offset;
            memcpy(d.kpak, s->kpak, 65);
            memcpy(d.zt, s->zt, 257);
            d.created = now_of(s);
            err = seal_encrypt(d.sealed, kdom, aad, aad_len, plain, 160, s->rng);
        }
        if (err == MCSEC_OK)
            err = store_domain_put(s->db, &d);
        if (err == MCSEC_OK)
            logf_(s, MCSEC_KMS_LOG_INFO, "created the domain of %s", s->kms_uri);
        if (err == MCSEC_ERR_DUPLICATE) /* another process created it first: load theirs */
            err = store_domain_get(s->db, &d);
        else if (err == MCSEC_OK)
            goto done;
    }
    if (err == MCSEC_OK && (strcmp(d.kms_uri, s->kms_uri) != 0 || d.period_len != s->period_len ||
                            d.period_offset != s->period_offset)) {
        logf_(s, MCSEC_KMS_LOG_ERROR,
              "the store holds the domain of %s (period %llu s, offset %llu s); the configuration differs",
              d.kms_uri, (unsigned long long)d.period_len, (unsigned long long)d.period_offset);
        err = MCSEC_ERR_DENIED;
    }
    if (err == MCSEC_OK)
        err = seal_decrypt(plain, kdom, aad, aad_len, d.sealed, sizeof d.sealed);
    if (err == MCSEC_OK) {
        memcpy(s->ksak, plain, 32);
        memcpy(s->z, plain + 32, 128);
        memcpy(s->kpak, d.kpak, 65);
        memcpy(s->zt, d.zt, 257);
        /* the stored public keys must be those of the secrets */
        uint8_t kpak[65], zt[257];
        err = mcsec_eccsi_kms_public(kpak, s->ksak);
        if (err == MCSEC_OK)
            err = mcsec_sakke_kms_public(zt, s->z);
        if (err == MCSEC_OK && (memcmp(kpak, s->kpak, 65) != 0 || memcmp(zt, s->zt, 257) != 0))
            err = MCSEC_ERR_KEY_INVALID;
    }
done:
    mcsec_wipe(kdom, sizeof kdom);
    mcsec_wipe(plain, sizeof plain);
    return err;
}

mcsec_err mcsec_kms_server_open(mcsec_kms_server **out, const mcsec_kms_config *cfg)
{
    if (out == NULL)
        return MCSEC_ERR_ARG;
    *out = NULL;
    if (cfg == NULL || cfg->db_path == NULL || cfg->master_key_path == NULL || cfg->kms_uri == NULL ||
        cfg->kms_uri[0] == 0 || cfg->idm_issuer == NULL || cfg->idm_audience == NULL ||
        cfg->idm_key_pem == NULL)
        return MCSEC_ERR_ARG;
    mcsec_kms_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return MCSEC_ERR_NOMEM;
    if (pthread_mutex_init(&s->mx, NULL) != 0) {
        free(s);
        return MCSEC_ERR_NOMEM;
    }
    s->rng = cfg->rng ? cfg->rng : mcsec_rng_default();
    s->now = cfg->now;
    s->log = cfg->log;
    s->hook_ctx = cfg->hook_ctx;
    s->period_len = cfg->period_len ? cfg->period_len : DEFAULT_PERIOD;
    s->period_offset = cfg->period_offset;
    s->skew = cfg->token_skew > 0 ? cfg->token_skew : 60;
    s->window = cfg->request_time_window > 0 ? cfg->request_time_window : 300;
    s->cek_ttl = cfg->cek_ttl ? cfg->cek_ttl : 3600;
    mcsec_err err = MCSEC_OK;
    if (!copy_str(s->kms_uri, sizeof s->kms_uri, cfg->kms_uri) ||
        !copy_str(s->issuer, sizeof s->issuer, cfg->idm_issuer) ||
        !copy_str(s->audience, sizeof s->audience, cfg->idm_audience) ||
        !copy_str(s->claim, sizeof s->claim, cfg->identity_claim ? cfg->identity_claim : "mcptt_id") ||
        !copy_str(s->scope, sizeof s->scope, cfg->required_scope) ||
        s->period_offset >= s->period_len)
        err = MCSEC_ERR_ARG;
    if (err == MCSEC_OK && cfg->server_cert_pem != NULL) {
        /* kept without surrounding whitespace: the XML text value is trimmed */
        const char *b = cfg->server_cert_pem;
        while (*b == ' ' || *b == '\t' || *b == '\r' || *b == '\n')
            b++;
        size_t n = strlen(b);
        while (n > 0 && (b[n - 1] == ' ' || b[n - 1] == '\t' || b[n - 1] == '\r' || b[n - 1] == '\n'))
            n--;
        if (n == 0 || n > MCSEC_KMSXML_PEM_MAX || (s->server_cert_pem = strndup(b, n)) == NULL)
            err = MCSEC_ERR_ARG;
    }
    if (err == MCSEC_OK)
        err = mcsec_jwt_key_load_pem(&s->idm_key, cfg->idm_key_pem, cfg->idm_key_pem_len, 0);
    uint8_t master[32];
    memset(master, 0, sizeof master);
    if (err == MCSEC_OK)
        err = master_key_load(master, cfg->master_key_path, s->rng);
    if (err == MCSEC_OK)
        err = store_open(&s->db, cfg->db_path);
    if (err == MCSEC_OK)
        err = domain_load(s, master);
    if (err == MCSEC_OK)
        err = seal_derive(s->k_keyset, master, "mcsec kms keyset v1");
    if (err == MCSEC_OK)
        err = seal_derive(s->k_cek, master, "mcsec kms cek v1");
    mcsec_wipe(master, sizeof master);
    if (err != MCSEC_OK) {
        mcsec_kms_server_close(s);
        return err;
    }
    *out = s;
    return MCSEC_OK;
}

void mcsec_kms_server_close(mcsec_kms_server *s)
{
    if (s == NULL)
        return;
    sqlite3_close(s->db);
    mcsec_jwt_key_free(s->idm_key);
    free(s->server_cert_pem);
    pthread_mutex_destroy(&s->mx);
    mcsec_wipe(s, sizeof *s);
    free(s);
}

mcsec_err mcsec_kms_server_public(const mcsec_kms_server *s, uint8_t kpak[65], uint8_t zt[257])
{
    if (s == NULL || kpak == NULL || zt == NULL)
        return MCSEC_ERR_ARG;
    memcpy(kpak, s->kpak, 65);
    memcpy(zt, s->zt, 257);
    return MCSEC_OK;
}

/* ---- key sets ------------------------------------------------------------ */

static size_t keyset_aad(uint8_t *aad, size_t cap, const char *user, uint64_t period)
{
    int n = snprintf((char *)aad, cap, "mcsec-kms-keyset-v1|%llu|%s", (unsigned long long)period, user);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* The key set of user for period: the stored one, or a new one issued,
 * stored, and read back (so that concurrent first requests agree). */
static mcsec_err keyset_get(mcsec_kms_server *s, mcsec_kms_keyset *ks, const char *user,
                            uint64_t period)
{
    uint8_t uid[32], plain[KEYSET_PLAIN], sealed[KEYSET_SEALED], aad[320];
    size_t aad_len = keyset_aad(aad, sizeof aad, user, period);
    size_t sealed_len = sizeof sealed;
    uint64_t start, end;
    mcsec_err err = aad_len ? MCSEC_OK : MCSEC_ERR_ARG;
    if (err == MCSEC_OK)
        err = mcsec_uid_compute(uid, user, strlen(user), s->kms_uri, strlen(s->kms_uri), s->period_len,
                                s->period_offset, period);
    if (err == MCSEC_OK)
        err = mcsec_uid_period_bounds(&start, &end, period, s->period_len, s->period_offset);
    if (err == MCSEC_OK)
        err = store_keyset_get(s->db, user, period, sealed, &sealed_len);
    if (err == MCSEC_ERR_NOT_FOUND) {
        /* RFC 6507 §5.1.1 and RFC 6508 §6.1.1, both for the F.2.1 UID */
        err = mcsec_eccsi_kms_issue(plain, plain + 32, NULL, s->ksak, uid, sizeof uid, s->rng);
        if (err == MCSEC_OK)
            err = mcsec_sakke_kms_issue(plain + 97, s->z, uid, sizeof uid);
        if (err == MCSEC_OK)
            err = seal_encrypt(sealed, s->k_keyset, aad, aad_len, plain, sizeof plain, s->rng);
        if (err == MCSEC_OK)
            err = store_keyset_put(s->db, user, period, uid, sealed, sizeof sealed, now_of(s));
        sealed_len = sizeof sealed;
        if (err == MCSEC_OK)
            err = store_keyset_get(s->db, user, period, sealed, &sealed_len);
    }
    if (err == MCSEC_OK)
        err = sealed_len == KEYSET_SEALED ? MCSEC_OK : MCSEC_ERR_DB;
    if (err == MCSEC_OK)
        err = seal_decrypt(plain, s->k_keyset, aad, aad_len, sealed, sealed_len);
    if (err == MCSEC_OK) {
        memset(ks, 0, sizeof *ks);
        copy_str(ks->kms_uri, sizeof ks->kms_uri, s->kms_uri);
        copy_str(ks->user_uri, sizeof ks->user_uri, user);
        memcpy(ks->user_id, uid, 32);
        ks->has_valid_from = ks->has_valid_to = 1;
        ks->valid_from = (int64_t)(start - MCSEC_NTP_UNIX_OFFSET);
        ks->valid_to = (int64_t)(end - MCSEC_NTP_UNIX_OFFSET);
        ks->key_period_no = period;
        memcpy(ks->ssk, plain, 32);
        memcpy(ks->pvt, plain + 32, 65);
        memcpy(ks->rsk, plain + 97, 257);
    }
    mcsec_wipe(plain, sizeof plain);
    return err;
}

static void cert_fill(const mcsec_kms_server *s, mcsec_kms_cert *c)
{
    memset(c, 0, sizeof *c);
    copy_str(c->role, sizeof c->role, "Root");
    copy_str(c->kms_uri, sizeof c->kms_uri, s->kms_uri);
    snprintf(c->cert_uri, sizeof c->cert_uri, "%s.root", s->kms_uri);
    copy_str(c->user_id_format, sizeof c->user_id_format, "2");
    c->user_key_period = s->period_len;
    c->user_key_offset = s->period_offset;
    memcpy(c->pub_enc_key, s->zt, 257);
    memcpy(c->pub_auth_key, s->kpak, 65);
    c->has_parameter_set = 1;
    c->parameter_set = 1;
}

/* ---- request handling ---------------------------------------------------- */

typedef struct req_ctx {
    mcsec_kms_server *s;
    mcsec_kms_reply *reply;
    mcsec_kms_response *resp;      /* heap: holds key material */
    enum route route;
    const char *path;
    char identity[MCSEC_JWT_STR_MAX + 1];
    const char *detail;            /* for the audit trail and log */
    mcsec_kms_request req;
    int has_req;
    int64_t now;
} req_ctx;

/* Serialises c->resp into the reply body. */
static mcsec_err reply_xml(req_ctx *c, int status)
{
    mcsec_kms_reply *r = c->reply;
    size_t cap = 16384, len;
    uint8_t *buf = NULL;
    mcsec_err err;
    for (int tries = 0; tries < 2; tries++) {
        buf = malloc(cap);
        if (buf == NULL)
            return MCSEC_ERR_NOMEM;
        len = cap;
        err = mcsec_kmsxml_response_build(buf, &len, c->resp);
        if (err != MCSEC_ERR_BUFFER)
            break;
        mcsec_wipe(buf, cap);
        free(buf);
        buf = NULL;
        cap = len;
    }
    if (err != MCSEC_OK) {
        if (buf != NULL) {
            mcsec_wipe(buf, cap);
            free(buf);
        }
        return err;
    }
    r->status = status;
    r->content_type = "application/xml; charset=utf-8";
    r->body = buf;
    r->body_len = len;
    return MCSEC_OK;
}

/* 1 if s is visible ASCII only (an URL path as sent, safe to echo). */
static int printable(const char *s)
{
    for (; *s; s++)
        if (*s < 0x21 || *s > 0x7e)
            return 0;
    return 1;
}

/* The response envelope (D.3.1) for the current request. */
static void envelope(req_ctx *c, mcsec_kmsxml_kind kind)
{
    mcsec_kms_response_wipe(c->resp);
    copy_str(c->resp->user_uri, sizeof c->resp->user_uri,
             c->has_req ? c->req.user_uri : c->identity[0] ? c->identity : "unknown");
    copy_str(c->resp->kms_uri, sizeof c->resp->kms_uri, c->s->kms_uri);
    c->resp->time = c->now;
    if (c->has_req && c->req.client_req_url[0])
        copy_str(c->resp->client_req_url, sizeof c->resp->client_req_url, c->req.client_req_url);
    else if (printable(c->path))
        copy_str(c->resp->client_req_url, sizeof c->resp->client_req_url, c->path);
    else /* never echo raw request octets into the document */
        copy_str(c->resp->client_req_url, sizeof c->resp->client_req_url, API_ROOT);
    c->resp->kind = kind;
}

/* A KmsError reply. msg is a fixed text: never request data or secrets. */
static mcsec_err fail(req_ctx *c, int status, const char *msg)
{
    envelope(c, MCSEC_KMSXML_ERROR);
    c->resp->error_code = status;
    copy_str(c->resp->error_msg, sizeof c->resp->error_msg, msg);
    c->detail = msg;
    if (status == 401)
        c->reply->www_authenticate = "Bearer error=\"invalid_token\"";
    mcsec_err err = reply_xml(c, status);
    if (err == MCSEC_ERR_NOMEM)
        return err;
    if (err != MCSEC_OK) { /* cannot happen with the inputs sanitised above; stay answerable */
        static const char text[] = "KMS error\n";
        c->reply->body = malloc(sizeof text - 1);
        if (c->reply->body == NULL)
            return MCSEC_ERR_NOMEM;
        memcpy(c->reply->body, text, sizeof text - 1);
        c->reply->body_len = sizeof text - 1;
        c->reply->status = status;
        c->reply->content_type = "text/plain";
    }
    return MCSEC_OK;
}

/* Percent-decodes one path segment (RFC 3986 §2.1); 0 on a bad escape, a
 * control character, or overflow. */
static int pct_decode(char *out, size_t cap, const char *in, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)in[i];
        if (c == '%') {
            unsigned v = 0;
            for (int k = 1; k <= 2; k++) {
                unsigned h = i + (size_t)k < n ? (unsigned char)in[i + (size_t)k] : 0;
                unsigned d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                           : h >= 'A' && h <= 'F' ? h - 'A' + 10 : 16;
                if (d > 15)
                    return 0;
                v = v * 16 + d;
            }
            c = v;
            i += 2;
        }
        if (c < 0x20 || c == 0x7f || o + 1 >= cap)
            return 0;
        out[o++] = (char)c;
    }
    out[o] = 0;
    return o > 0;
}

/* n octets from exactly 2n hex digits (kmsxml's constant-time decoder: the
 * CEK ID in a path is not secret, but one decoder serves all). */
static int hex_decode(uint8_t *out, size_t n, const char *s, size_t len)
{
    return len == 2 * n && kmsxml_hex_decode(out, n, s, len) == MCSEC_OK;
}

/* Checks the Authorization header; fills c->identity. */
static int authorize(req_ctx *c, const char *authorization)
{
    if (authorization == NULL || strncasecmp(authorization, "Bearer ", 7) != 0)
        return 0;
    const char *tok = authorization + 7;
    while (*tok == ' ')
        tok++;
    size_t n = strlen(tok);
    while (n > 0 && tok[n - 1] == ' ')
        n--;
    mcsec_jwt_policy pol = {
        .issuer = c->s->issuer, .audience = c->s->audience, .identity_claim = c->s->claim,
        .required_scope = c->s->scope[0] ? c->s->scope : NULL, .now = c->now, .skew = c->s->skew,
    };
    mcsec_jwt_claims cl;
    const char *why = "";
    if (mcsec_jwt_verify_why(&cl, &why, tok, n, c->s->idm_key, &pol) != MCSEC_OK) {
        c->detail = why;
        return 0;
    }
    copy_str(c->identity, sizeof c->identity, cl.identity);
    return 1;
}

/* The path of a URL (or the path itself), for the ClientReqUrl check. */
static const char *url_path(const char *url)
{
    const char *p = strstr(url, "://");
    if (p == NULL)
        return url;
    p = strchr(p + 3, '/');
    return p ? p : "/";
}

/* Parses and checks the KmsRequest body, when there is one (D.2.2). Returns
 * 0 after replying with the error. */
static int check_request(req_ctx *c, const uint8_t *body, size_t body_len, mcsec_err *err)
{
    if (body_len == 0)
        return 1; /* Annex D clients send a KmsRequest; an empty body is accepted (docs/kms.md) */
    if (mcsec_kmsxml_request_parse(&c->req, body, body_len) != MCSEC_OK) {
        *err = fail(c, 400, "malformed KmsRequest");
        return 0;
    }
    c->has_req = 1;
    if (strcmp(c->req.user_uri, c->identity) != 0) {
        c->has_req = 0;
        *err = fail(c, 403, "UserUri is not the token's identity");
        return 0;
    }
    if (strcmp(c->req.kms_uri, c->s->kms_uri) != 0) {
        *err = fail(c, 400, "KmsUri is not this KMS");
        return 0;
    }
    if (strcmp(url_path(c->req.client_req_url), c->path) != 0) {
        *err = fail(c, 400, "ClientReqUrl does not match the request");
        return 0;
    }
    int64_t dt = c->req.time - c->now;
    if (dt > c->s->window || dt < -c->s->window) {
        *err = fail(c, 400, "request Time outside the accepted window");
        return 0;
    }
    return 1;
}

static int revoked(req_ctx *c, const char *user, mcsec_err *err)
{
    int r = store_is_revoked(c->s->db, user);
    if (r == 0)
        return 0;
    *err = r > 0 ? fail(c, 403, "Revoked") : fail(c, 500, "internal error");
    return 1;
}

static mcsec_err do_keyprov(req_ctx *c, const char *rest)
{
    mcsec_err err = MCSEC_OK;
    char user[MCSEC_KMSXML_URI_MAX + 1];
    int has_time = 0;
    uint64_t ntp = (uint64_t)c->now + MCSEC_NTP_UNIX_OFFSET;
    copy_str(user, sizeof user, c->identity);
    if (*rest == '/') {
        rest++;
        const char *slash = strchr(rest, '/');
        size_t ulen = slash ? (size_t)(slash - rest) : strlen(rest);
        if (!pct_decode(user, sizeof user, rest, ulen))
            return fail(c, 400, "bad user URI in the path");
        if (slash != NULL) {
            uint8_t t[8];
            if (!hex_decode(t, 8, slash + 1, strlen(slash + 1)))
                return fail(c, 404, "unknown resource");
            /* NTP 64-bit timestamp: seconds in the high 32 bits (D.2) */
            ntp = (uint64_t)t[0] << 24 | (uint64_t)t[1] << 16 | (uint64_t)t[2] << 8 | t[3];
            has_time = 1;
        }
        if (strcmp(user, c->identity) != 0)
            return fail(c, 403, "another user's key material");
    }
    if (revoked(c, user, &err))
        return err;
    uint64_t period, start, end;
    /* key sets carry ValidFrom/ValidTo as xsd:dateTime from 1970 on */
    if (mcsec_uid_period_no(&period, ntp, c->s->period_len, c->s->period_offset) != MCSEC_OK ||
        mcsec_uid_period_bounds(&start, &end, period, c->s->period_len, c->s->period_offset) != MCSEC_OK ||
        start < MCSEC_NTP_UNIX_OFFSET)
        return fail(c, 400, "time outside the key periods served");
    envelope(c, MCSEC_KMSXML_KEYPROV);
    size_t n = has_time ? 1 : 2; /* D.3.3: the current and the next period */
    for (size_t i = 0; i < n && err == MCSEC_OK; i++)
        err = keyset_get(c->s, &c->resp->keysets[i], user, period + i);
    if (err != MCSEC_OK) {
        logf_(c->s, MCSEC_KMS_LOG_ERROR, "keyprov: issuing failed: %s", mcsec_strerror(err));
        return fail(c, 500, "internal error");
    }
    c->resp->n_keysets = n;
    c->detail = has_time ? "period by time" : "current and next";
    return reply_xml(c, 200);
}

static mcsec_err cek_reply(req_ctx *c, const store_cek *sc)
{
    uint8_t key[32];
    mcsec_err err = seal_decrypt(key, c->s->k_cek, sc->id, sizeof sc->id, sc->sealed, sizeof sc->sealed);
    if (err != MCSEC_OK)
        return fail(c, 500, "internal error");
    envelope(c, MCSEC_KMSXML_CEK);
    memcpy(c->resp->cek.cek_id, sc->id, 16);
    memcpy(c->resp->cek.cek, key, 32);
    mcsec_wipe(key, sizeof key);
    copy_str(c->resp->cek.initiator, sizeof c->resp->cek.initiator, sc->initiator);
    copy_str(c->resp->cek.peer, sizeof c->resp->cek.peer, sc->peer);
    c->resp->cek.expires = sc->expires;
    return reply_xml(c, 200);
}

/* Extension (TR 33.880 solution #13): a KMS-managed CEK shared by the
 * requesting user and one named peer. */
static mcsec_err do_cek(req_ctx *c, const char *rest)
{
    mcsec_err err = MCSEC_OK;
    if (revoked(c, c->identity, &err))
        return err;
    store_cek sc;
    memset(&sc, 0, sizeof sc);
    if (*rest == 0) {
        if (!c->has_req || !c->req.has_cek_peer || c->req.cek_peer[0] == 0)
            return fail(c, 400, "CekRequest with a PeerUri required");
        uint8_t key[32];
        if (c->s->rng->fill(c->s->rng->ctx, sc.id, sizeof sc.id) != 0 ||
            c->s->rng->fill(c->s->rng->ctx, key, sizeof key) != 0)
            return fail(c, 500, "internal error");
        copy_str(sc.initiator, sizeof sc.initiator, c->identity);
        copy_str(sc.peer, sizeof sc.peer, c->req.cek_peer);
        sc.created = c->now;
        sc.expires = c->now + (int64_t)c->s->cek_ttl;
        err = seal_encrypt(sc.sealed, c->s->k_cek, sc.id, sizeof sc.id, key, sizeof key, c->s->rng);
        mcsec_wipe(key, sizeof key);
        if (err == MCSEC_OK)
            err = store_cek_expire(c->s->db, c->now);
        if (err == MCSEC_OK)
            err = store_cek_put(c->s->db, &sc);
        if (err != MCSEC_OK)
            return fail(c, 500, "internal error");
        c->detail = "created";
        return cek_reply(c, &sc);
    }
    uint8_t id[16];
    if (*rest != '/' || !hex_decode(id, sizeof id, rest + 1, strlen(rest + 1)))
        return fail(c, 404, "unknown resource");
    err = store_cek_get(c->s->db, &sc, id);
    if (err == MCSEC_ERR_NOT_FOUND || (err == MCSEC_OK && sc.expires < c->now))
        return fail(c, 404, "no such CEK");
    if (err != MCSEC_OK)
        return fail(c, 500, "internal error");
    if (strcmp(c->identity, sc.peer) != 0 && strcmp(c->identity, sc.initiator) != 0)
        return fail(c, 403, "another user's CEK");
    c->detail = "fetched";
    return cek_reply(c, &sc);
}

static mcsec_err do_certcache(req_ctx *c, const char *rest)
{
    uint64_t have = 0;
    if (*rest == '/') {
        const char *p = rest + 1;
        if (*p == 0 || strlen(p) > 19)
            return fail(c, 404, "unknown resource");
        for (; *p; p++) {
            if (*p < '0' || *p > '9')
                return fail(c, 404, "unknown resource");
            have = have * 10 + (uint64_t)(*p - '0');
        }
    } else if (*rest != 0) {
        return fail(c, 404, "unknown resource");
    }
    envelope(c, MCSEC_KMSXML_CERTCACHE);
    /* One domain, one certificate: cache number 1. A client that already
     * holds cache 1 gets an empty cache. */
    c->resp->cache_num = 1;
    if (have < 1) {
        cert_fill(c->s, &c->resp->certs[0]);
        c->resp->n_certs = 1;
    }
    return reply_xml(c, 200);
}

static mcsec_err do_init(req_ctx *c)
{
    envelope(c, MCSEC_KMSXML_INIT);
    cert_fill(c->s, &c->resp->cert);
    if (c->s->server_cert_pem != NULL)
        copy_str(c->resp->server_cert_pem, sizeof c->resp->server_cert_pem, c->s->server_cert_pem);
    return reply_xml(c, 200);
}

static mcsec_err metrics_reply(mcsec_kms_server *s, mcsec_kms_reply *r)
{
    size_t cap = 16384, len = 0;
    char *b = malloc(cap);
    if (b == NULL)
        return MCSEC_ERR_NOMEM;
#define OUT(...) (len += (size_t)snprintf(b + len, len < cap ? cap - len : 0, __VA_ARGS__))
    pthread_mutex_lock(&s->mx);
    OUT("# HELP mcsec_kms_requests_total KMS requests by endpoint and HTTP status.\n"
        "# TYPE mcsec_kms_requests_total counter\n");
    for (int e = 0; e < R_COUNT; e++)
        for (size_t k = 0; k < N_STATUS; k++)
            if (s->requests[e][k])
                OUT("mcsec_kms_requests_total{endpoint=\"%s\",status=\"%d\"} %llu\n", route_name[e],
                    status_list[k], (unsigned long long)s->requests[e][k]);
    OUT("# HELP mcsec_kms_request_duration_seconds Time to handle a request (TLS excluded).\n"
        "# TYPE mcsec_kms_request_duration_seconds histogram\n");
    for (int e = 0; e < R_COUNT; e++) {
        if (s->lat_count[e] == 0)
            continue;
        for (size_t k = 0; k < N_BUCKET; k++)
            OUT("mcsec_kms_request_duration_seconds_bucket{endpoint=\"%s\",le=\"%g\"} %llu\n", route_name[e],
                bucket_le[k], (unsigned long long)s->lat_bucket[e][k]);
        OUT("mcsec_kms_request_duration_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} %llu\n"
            "mcsec_kms_request_duration_seconds_sum{endpoint=\"%s\"} %.6f\n"
            "mcsec_kms_request_duration_seconds_count{endpoint=\"%s\"} %llu\n",
            route_name[e], (unsigned long long)s->lat_count[e], route_name[e], s->lat_sum[e], route_name[e],
            (unsigned long long)s->lat_count[e]);
    }
    pthread_mutex_unlock(&s->mx);
#undef OUT
    if (len >= cap) {
        free(b);
        return MCSEC_ERR_INTERNAL;
    }
    r->status = 200;
    r->content_type = "text/plain; version=0.0.4";
    r->body = (uint8_t *)b;
    r->body_len = len;
    return MCSEC_OK;
}

static void account(mcsec_kms_server *s, enum route rt, int status, double seconds)
{
    size_t k = 0;
    while (k < N_STATUS && status_list[k] != status)
        k++;
    pthread_mutex_lock(&s->mx);
    if (k < N_STATUS)
        s->requests[rt][k]++;
    for (size_t b = 0; b < N_BUCKET; b++)
        if (seconds <= bucket_le[b])
            s->lat_bucket[rt][b]++;
    s->lat_count[rt]++;
    s->lat_sum[rt] += seconds;
    pthread_mutex_unlock(&s->mx);
}

static double mono(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Routes path; *rest receives what follows the matched prefix. */
static enum route route_of(const char *path, const char **rest)
{
    static const struct { const char *name; enum route r; } tab[] = {
        { "init", R_INIT }, { "keyprov", R_KEYPROV }, { "certcache", R_CERTCACHE }, { "cek", R_CEK },
    };
    *rest = "";
    if (strcmp(path, "/metrics") == 0)
        return R_METRICS;
    size_t rl = sizeof API_ROOT - 1;
    if (strncmp(path, API_ROOT, rl) != 0)
        return R_OTHER;
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        size_t n = strlen(tab[i].name);
        if (strncmp(path + rl, tab[i].name, n) == 0 && (path[rl + n] == 0 || path[rl + n] == '/')) {
            *rest = path + rl + n;
            return tab[i].r;
        }
    }
    return R_OTHER;
}

mcsec_err mcsec_kms_server_handle(mcsec_kms_server *s, mcsec_kms_reply *reply, const char *method,
                                  const char *path, const char *authorization, const uint8_t *body,
                                  size_t body_len)
{
    if (reply == NULL)
        return MCSEC_ERR_ARG;
    memset(reply, 0, sizeof *reply);
    if (s == NULL || method == NULL || path == NULL || (body == NULL && body_len != 0))
        return MCSEC_ERR_ARG;
    double t0 = mono();
    const char *rest;
    enum route rt = route_of(path, &rest);
    if (rt == R_METRICS) {
        mcsec_err e = strcmp(method, "GET") == 0 ? metrics_reply(s, reply) : MCSEC_OK;
        if (e == MCSEC_OK && reply->body == NULL) {
            reply->status = 405;
            reply->content_type = "text/plain";
        }
        return e;
    }
    req_ctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    c.reply = reply;
    c.route = rt;
    c.path = path;
    c.now = now_of(s);
    c.resp = calloc(1, sizeof *c.resp);
    if (c.resp == NULL)
        return MCSEC_ERR_NOMEM;
    mcsec_err err = MCSEC_OK;
    if (rt == R_OTHER)
        err = fail(&c, 404, "unknown resource");
    else if (strcmp(method, "POST") != 0)
        err = fail(&c, 405, "method not allowed");
    else if (body_len > MCSEC_KMS_MAX_BODY)
        err = fail(&c, 400, "request body too large");
    else if (!authorize(&c, authorization)) {
        const char *why = c.detail ? c.detail : "missing token";
        err = fail(&c, 401, "invalid or missing access token");
        c.detail = why;
    } else if (check_request(&c, body, body_len, &err)) {
        switch (rt) {
        case R_INIT: err = do_init(&c); break;
        case R_KEYPROV: err = do_keyprov(&c, rest); break;
        case R_CERTCACHE: err = do_certcache(&c, rest); break;
        case R_CEK: err = do_cek(&c, rest); break;
        default: err = fail(&c, 404, "unknown resource"); break;
        }
    }
    if (err != MCSEC_OK && err != MCSEC_ERR_NOMEM) {
        /* whatever failed, the client gets an answer, not a dropped connection */
        logf_(s, MCSEC_KMS_LOG_ERROR, "%s: reply failed: %s", route_name[rt], mcsec_strerror(err));
        mcsec_kms_reply_free(reply);
        err = fail(&c, 500, "internal error");
    }
    int status = reply->status ? reply->status : 500;
    if (err == MCSEC_OK)
        (void)store_audit(s->db, c.now, c.identity, route_name[rt], status, c.detail);
    double dt = mono() - t0;
    account(s, rt, status, dt);
    logf_(s, status >= 500 ? MCSEC_KMS_LOG_ERROR : status >= 400 ? MCSEC_KMS_LOG_WARN : MCSEC_KMS_LOG_INFO,
          "%s %s %d %s%s%s %.2f ms", method, route_name[rt], status, c.identity[0] ? c.identity : "-",
          c.detail ? " " : "", c.detail ? c.detail : "", dt * 1e3);
    mcsec_kms_response_wipe(c.resp);
    free(c.resp);
    mcsec_wipe(&c.req, sizeof c.req);
    return err;
}

void mcsec_kms_reply_free(mcsec_kms_reply *r)
{
    if (r == NULL)
        return;
    if (r->body != NULL) {
        mcsec_wipe(r->body, r->body_len);
        free(r->body);
    }
    memset(r, 0, sizeof *r);
}
