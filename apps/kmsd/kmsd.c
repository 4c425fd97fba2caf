/* mcsec-kmsd — the KMS of a security domain over HTTPS (TS 33.180 Annex D).
 * HTTP and TLS come from libmicrohttpd; everything the KMS decides is in
 * libmcsec's mcsec_kms_server_handle(). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "internal/version.h"
#include "mcsec/kms.h"

static const char usage_text[] =
    "usage: mcsec-kmsd --listen ADDR:PORT --tls-cert F --tls-key F --db PATH\n"
    "                  --master-key-file F --kms-uri S\n"
    "                  --idm-issuer S --idm-audience S --idm-key F\n"
    "                  [--period-len 2592000] [--period-offset 0] [--identity-claim mcptt_id]\n"
    "                  [--required-scope S] [--audit-log F] [--threads N] [--cek-ttl 3600]\n"
    "                  [--server-cert F] [--token-skew 60] [--config F]\n\n"
    "The KMS of one security domain (3GPP TS 33.180 Annex D) over HTTPS only.\n"
    "On first start with an empty database it creates the domain keys (KSAK/KPAK,\n"
    "z/Z_T), sealed under the master key file (32 random bytes, created 0600 if\n"
    "absent); later starts reuse them.\n\n"
    "  --listen ADDR:PORT   IPv4 address and port (port 0: any free port)\n"
    "  --tls-cert/--tls-key PEM certificate and private key for HTTPS (required)\n"
    "  --db PATH            SQLite database (WAL): domain, issued key sets, revoked\n"
    "                       users, CEKs, audit events\n"
    "  --kms-uri S          the domain's KMS URI (UID parameter P2)\n"
    "  --idm-issuer/--idm-audience  required 'iss' and 'aud' of access tokens\n"
    "  --idm-key F          the IdM's public key (PEM; ES256, RS256 or EdDSA pinned by type)\n"
    "  --identity-claim N   token claim naming the user (default mcptt_id)\n"
    "  --required-scope S   a scope every token must carry\n"
    "  --audit-log F        also append one line per request to F (0600)\n"
    "  --threads N          worker threads (default: number of CPUs)\n"
    "  --cek-ttl S          lifetime of KMS-managed CEKs in seconds\n"
    "  --server-cert F      the MCPTT server's certificate, delivered with KmsInit\n"
    "  --token-skew S       leeway for token exp/nbf in seconds (default 60)\n"
    "  --config F           'key = value' lines with the same names (flags win)\n\n"
    "Prints 'mcsec-kmsd: listening on https://ADDR:PORT' when ready; stops on\n"
    "SIGINT or SIGTERM. Exit 2 on a usage or start-up error.\n";

#define N_KEYS 19
static const char *const keys[N_KEYS] = {
    "listen", "tls-cert", "tls-key", "db", "master-key-file", "kms-uri", "period-len", "period-offset",
    "idm-issuer", "idm-audience", "idm-key", "identity-claim", "required-scope", "audit-log", "threads",
    "cek-ttl", "server-cert", "config", "token-skew",
};

typedef struct settings {
    char *v[N_KEYS];
} settings;

static int key_index(const char *k)
{
    for (int i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i], k) == 0)
            return i;
    return -1;
}

static const char *get(const settings *s, const char *k)
{
    return s->v[key_index(k)];
}

static void die_usage(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void die_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mcsec-kmsd: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = 0;
    return s;
}

/* Config file: "key = value" lines, '#' comments; a key given as a flag wins. */
static void load_config(settings *s, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        die_usage("cannot read --config %s: %s", path, strerror(errno));
    char line[4096];
    int no = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        no++;
        char *t = trim(line);
        if (*t == 0 || *t == '#')
            continue;
        char *eq = strchr(t, '=');
        if (eq == NULL)
            die_usage("%s:%d: expected 'key = value'", path, no);
        *eq = 0;
        char *k = trim(t), *v = trim(eq + 1);
        int i = key_index(k);
        if (i < 0 || strcmp(k, "config") == 0)
            die_usage("%s:%d: unknown key '%s'", path, no, k);
        if (s->v[i] == NULL && (s->v[i] = strdup(v)) == NULL)
            die_usage("out of memory");
    }
    fclose(f);
}

static uint64_t num(const settings *s, const char *k, uint64_t def)
{
    const char *v = get(s, k);
    if (v == NULL)
        return def;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno != 0 || *v == 0 || *end != 0 || *v == '-')
        die_usage("--%s: not a non-negative integer: '%s'", k, v);
    return x;
}

static char *slurp(const char *flag, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die_usage("cannot read --%s %s: %s", flag, path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *b = malloc(cap + 1);
    size_t r;
    while (b != NULL && (r = fread(b + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *nb = cap < (1u << 20) ? realloc(b, 2 * cap + 1) : NULL;
            if (nb == NULL) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (b == NULL)
        die_usage("--%s %s: too large or out of memory", flag, path);
    b[n] = 0;
    if (len)
        *len = n;
    return b;
}

/* ---- logging --------------------------------------------------------------- */

static FILE *audit_file;
static pthread_mutex_t log_mx = PTHREAD_MUTEX_INITIALIZER;

static void log_line(void *ctx, int level, const char *line)
{
    (void)ctx;
    static const char *const lv[] = { "error", "warn", "info" };
    char ts[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    pthread_mutex_lock(&log_mx);
    if (level <= MCSEC_KMS_LOG_WARN || audit_file == NULL)
        fprintf(stderr, "%s %s %s\n", ts, lv[level < 0 || level > 2 ? 0 : level], line);
    if (audit_file != NULL) {
        fprintf(audit_file, "%s %s %s\n", ts, lv[level < 0 || level > 2 ? 0 : level], line);
        fflush(audit_file);
    }
    pthread_mutex_unlock(&log_mx);
}

/* ---- HTTP ------------------------------------------------------------------ */

typedef struct upload {
    uint8_t *buf;
    size_t len, cap;
    int too_big;
} upload;

static void upload_free(upload *u)
{
    if (u == NULL)
        return;
    if (u->buf != NULL) {
        mcsec_wipe(u->buf, u->cap);
        free(u->buf);
    }
    free(u);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    upload_free(*con_cls);
    *con_cls = NULL;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, mcsec_kms_reply *r)
{
    /* MHD copies the body (MUST_COPY); ours is wiped right after. */
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->body_len, r->body, MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    if (r->content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    if (r->www_authenticate)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, r->www_authenticate);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_size, void **con_cls)
{
    (void)version;
    mcsec_kms_server *srv = cls;
    upload *u = *con_cls;
    if (u == NULL) {
        u = calloc(1, sizeof *u);
        if (u == NULL)
            return MHD_NO;
        *con_cls = u;
        return MHD_YES;
    }
    if (*upload_size != 0) {
        /* Keep at most MCSEC_KMS_MAX_BODY + 1 octets: enough to know the
         * body is too large, which the handler answers with 400. */
        size_t n = *upload_size;
        if (!u->too_big) {
            if (u->len + n > MCSEC_KMS_MAX_BODY) {
                u->too_big = 1;
            } else {
                if (u->len + n > u->cap) {
                    size_t cap = u->cap ? u->cap : 4096;
                    while (cap < u->len + n)
                        cap *= 2;
                    uint8_t *nb = malloc(cap);
                    if (nb == NULL)
                        return MHD_NO;
                    if (u->buf != NULL) {
                        memcpy(nb, u->buf, u->len);
                        mcsec_wipe(u->buf, u->cap);
                        free(u->buf);
                    }
                    u->buf = nb;
                    u->cap = cap;
                }
                memcpy(u->buf + u->len, upload_data, n);
                u->len += n;
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    const char *authz = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    static const uint8_t big_marker[MCSEC_KMS_MAX_BODY + 1];
    mcsec_kms_reply r;
    /* an oversized body is passed as a length over the limit (the content is
     * not looked at past that check) */
    mcsec_err err = mcsec_kms_server_handle(srv, &r, method, url, authz,
                                            u->too_big ? big_marker : u->buf,
                                            u->too_big ? sizeof big_marker : u->len);
    if (err != MCSEC_OK)
        return MHD_NO;
    enum MHD_Result ret = send_reply(conn, &r);
    mcsec_kms_reply_free(&r);
    return ret;
}

/* Keeps the request path as sent: the handler percent-decodes the user URI
 * segment itself, so an encoded '/' inside a URI stays inside it, and the
 * path compares equal to the ClientReqUrl of the request body. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    return strlen(s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = 0;
    log_line(NULL, MCSEC_KMS_LOG_WARN, line);
}

int main(int argc, char **argv)
{
    settings s;
    memset(&s, 0, sizeof s);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("mcsec-kmsd %s\n", MCSEC_VERSION_STRING);
            return 0;
        }
        if (strncmp(argv[i], "--", 2) != 0 || key_index(argv[i] + 2) < 0)
            die_usage("unknown argument '%s' (see --help)", argv[i]);
        if (i + 1 >= argc)
            die_usage("%s needs a value", argv[i]);
        s.v[key_index(argv[i] + 2)] = argv[i + 1];
        i++;
    }
    if (get(&s, "config"))
        load_config(&s, get(&s, "config"));
    static const char *const required[] = { "listen", "tls-cert", "tls-key", "db", "master-key-file",
                                            "kms-uri", "idm-issuer", "idm-audience", "idm-key" };
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (get(&s, required[i]) == NULL)
            die_usage("--%s is required (HTTPS only; see --help)", required[i]);

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    {
        char host[64];
        const char *l = get(&s, "listen"), *colon = strrchr(l, ':');
        if (colon == NULL || (size_t)(colon - l) >= sizeof host)
            die_usage("--listen: expected ADDR:PORT, got '%s'", l);
        memcpy(host, l, (size_t)(colon - l));
        host[colon - l] = 0;
        char *end;
        unsigned long port = strtoul(colon + 1, &end, 10);
        if (*end != 0 || colon[1] == 0 || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1)
            die_usage("--listen: expected IPv4ADDR:PORT, got '%s'", l);
        sa.sin_port = htons((uint16_t)port);
    }
    if (get(&s, "audit-log")) {
        int fd = open(get(&s, "audit-log"), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0 || (audit_file = fdopen(fd, "a")) == NULL)
            die_usage("cannot open --audit-log %s: %s", get(&s, "audit-log"), strerror(errno));
    }
    char *tls_cert = slurp("tls-cert", get(&s, "tls-cert"), NULL);
    char *tls_key = slurp("tls-key", get(&s, "tls-key"), NULL);
    size_t idm_len;
    char *idm_key = slurp("idm-key", get(&s, "idm-key"), &idm_len);
    char *server_cert = get(&s, "server-cert") ? slurp("server-cert", get(&s, "server-cert"), NULL) : NULL;

    mcsec_kms_config cfg = {
        .db_path = get(&s, "db"),
        .master_key_path = get(&s, "master-key-file"),
        .kms_uri = get(&s, "kms-uri"),
        .period_len = num(&s, "period-len", 2592000),
        .period_offset = num(&s, "period-offset", 0),
        .idm_issuer = get(&s, "idm-issuer"),
        .idm_audience = get(&s, "idm-audience"),
        .idm_key_pem = idm_key,
        .idm_key_pem_len = idm_len,
        .identity_claim = get(&s, "identity-claim"),
        .required_scope = get(&s, "required-scope"),
        .token_skew = (int64_t)num(&s, "token-skew", 60),
        .cek_ttl = num(&s, "cek-ttl", 3600),
        .server_cert_pem = server_cert,
        .log = log_line,
    };
    if (cfg.period_len == 0)
        die_usage("--period-len must be positive");
    mcsec_kms_server *srv = NULL;
    mcsec_err err = mcsec_kms_server_open(&srv, &cfg);
    free(idm_key);
    free(server_cert);
    if (err != MCSEC_OK)
        die_usage("cannot start: %s", mcsec_strerror(err));

    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = (unsigned)num(&s, "threads", ncpu > 0 ? (uint64_t)ncpu : 2);
    if (threads == 0 || threads > 256)
        die_usage("--threads must be 1..256");

    /* Block the stop signals in every thread (MHD's inherit the mask); the
     * main thread waits for them with sigwait. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL,
        handle, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_HTTPS_MEM_CERT, tls_cert,
        MHD_OPTION_HTTPS_MEM_KEY, tls_key, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
        MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
        MHD_OPTION_END);
    if (d == NULL) {
        mcsec_kms_server_close(srv);
        die_usage("cannot listen on %s with the given TLS certificate and key", get(&s, "listen"));
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char host[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host);
    printf("mcsec-kmsd: listening on https://%s:%u\n", host, info ? info->port : ntohs(sa.sin_port));
    fflush(stdout);

    int sig = 0;
    sigwait(&set, &sig);
    MHD_stop_daemon(d);
    mcsec_kms_server_close(srv);
    mcsec_wipe(tls_key, strlen(tls_key));
    free(tls_key);
    free(tls_cert);
    log_line(NULL, MCSEC_KMS_LOG_WARN, "stopped");
    if (audit_file)
        fclose(audit_file);
    return 0;
}
