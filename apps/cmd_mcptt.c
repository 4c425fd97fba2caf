/* mcsec mcptt server|client — a minimal MCPTT server and client exchanging
 * S/MIME-protected SIP requests over UDP (through a SIP proxy), the CEK from
 * MIKEY-SAKKE (#14) or the KMS (#13). The protocol work is libmcsec's
 * (mcsec/mcptt.h); this file does the sockets, the KMS calls and the files. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mcsec/mcptt.h"
#include "mcsec/sakke.h"
#include "mcsec/uid.h"

static const char mcptt_help[] =
    "usage: mcsec mcptt server --listen ADDR:PORT --uri PSI --store P [--passphrase-file F]\n"
    "                          [--trust CERT] [--cert C --key K] [--kms-url U --token T|@F\n"
    "                          --ca F] [--max N] [--log F] [--ttl S]\n"
    "       mcsec mcptt client send --proxy ADDR:PORT --to PSI --from URI\n"
    "                          (--cek mikey|kms|none | --reuse STATE) [--method MESSAGE|INVITE]\n"
    "                          [--store P] [--kms-url U --token T|@F --ca F]\n"
    "                          [--sign --cert C --key K] [--encrypt-to-server]\n"
    "                          [--calling ID] [--called ID] [--group ID] [--body-file F]\n"
    "                          [--mcptt-id URI]\n"
    "                          [--state F] [--out F] [--base64]\n"
    "       mcsec mcptt client bye --proxy ADDR:PORT --state F\n"
    "       mcsec mcptt client logoff --proxy ADDR:PORT --from URI --to PSI\n"
    "       mcsec mcptt client raw --proxy ADDR:PORT --in F\n"
    "\n"
    "server   answers SIP requests on UDP: INVITE/MESSAGE bodies whose\n"
    "         mcptt-info part (or whole body) is application/pkcs7-mime; the KEK is\n"
    "         a CEK from a MIKEY-SAKKE CEK I_MESSAGE in the request's SDP (opened with\n"
    "         the key store of PSI), a cached one, or a KMS-managed CEK fetched by its\n"
    "         ID from the KMS (--kms-url, with the server's own token); --cert/--key\n"
    "         open bodies encrypted to the server certificate; --trust requires a\n"
    "         signature chaining to CERT. BYE drops the session's key (the sender's\n"
    "         own only), a REGISTER with Expires: 0 (log-off) the client's keys.\n"
    "         Answers 200; 400 malformed or unprotected; 403 a key not created by\n"
    "         the requester; 488 a MIKEY message that does not open or is replayed;\n"
    "         493 for every failure of a protected body (one answer; the log line\n"
    "         keeps the cause). One JSON line per request on stdout (or --log F);\n"
    "         stops after --max N requests or on SIGTERM.\n"
    "send     builds a request with an SDP part (a MIKEY-SAKKE CEK I_MESSAGE to PSI\n"
    "         for --cek mikey), an mcptt-info part with the MCPTT identities\n"
    "         (--calling, --called, --group) and the --body-file text; protects\n"
    "         the mcptt-info part under the CEK (KEK-ID = CEK-ID; --cek kms: a\n"
    "         KMS-managed CEK for PSI), and/or encrypts it to the MCPTT server\n"
    "         certificate from the key store (--encrypt-to-server), and/or signs\n"
    "         it (--sign). --state F saves the key and dialog for later bodies\n"
    "         (--reuse F: a MESSAGE whose whole body is protected under the saved\n"
    "         key) and for bye. --out F writes the request instead of sending it.\n"
    "         The CEK I_MESSAGE is signed with the keys of --mcptt-id (default:\n"
    "         --from) and names it only by its UID (TS 33.180 E.7 identity hiding).\n"
    "         Prints {\"status\", \"call_id\", \"cek_id\"}; exit 0 on 2xx, 1 on another\n"
    "         final answer, 2 on no answer or bad usage.\n"
    "bye      ends the session of --state F; logoff de-registers --from at PSI;\n"
    "raw      sends the request in F as it is.\n";

/* ---- UDP ------------------------------------------------------------------- */

static int parse_addr(cli_args *a, const char *opt, struct sockaddr_in *sa)
{
    const char *v = cli_opt(a, opt);
    char host[64];
    const char *colon = v ? strrchr(v, ':') : NULL;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (!v || !colon || (size_t)(colon - v) >= sizeof host) {
        cli_error(a, "--%s must be IPv4ADDR:PORT", opt);
        return CLI_USAGE;
    }
    memcpy(host, v, (size_t)(colon - v));
    host[colon - v] = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
        cli_error(a, "--%s must be IPv4ADDR:PORT", opt);
        return CLI_USAGE;
    }
    sa->sin_port = htons((uint16_t)port);
    return CLI_OK;
}

static volatile sig_atomic_t stop_flag;
static void on_term(int s)
{
    (void)s;
    stop_flag = 1;
}

static void json_escaped(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* ---- server ------------------------------------------------------------------ */

typedef struct kms_fetch {
    cli_kms_conn *conn;
    int enabled;
} kms_fetch;

/* The cache's fetch callback: a KMS-managed CEK by its ID, with our token
 * (the KMS gives it only to its creator's chosen peer, i.e. us). */
static mcsec_err fetch_from_kms(void *ctx, mcsec_mcptt_cek *c)
{
    kms_fetch *k = ctx;
    if (!k->enabled || c->id_len != MCSEC_KMSXML_CEK_ID_BYTES)
        return MCSEC_ERR_NOT_FOUND;
    mcsec_kms_cek cek;
    mcsec_kmsclient_status st = { 0 };
    mcsec_err err = mcsec_kmsclient_cek_fetch(&cek, &st, &k->conn->cfg, c->id);
    if (err == MCSEC_OK) {
        memcpy(c->key, cek.cek, sizeof cek.cek);
        c->key_len = sizeof cek.cek;
        snprintf(c->creator, sizeof c->creator, "%s", cek.initiator);
        c->expires = cek.expires;
        c->path = MCSEC_MCPTT_PATH_KMS;
    } else if (err == MCSEC_ERR_HTTP && st.http_status == 404) {
        err = MCSEC_ERR_NOT_FOUND;
    }
    mcsec_wipe(&cek, sizeof cek);
    return err;
}

static const char *path_name(int p)
{
    return p == MCSEC_MCPTT_PATH_MIKEY ? "mikey" : p == MCSEC_MCPTT_PATH_KMS ? "kms"
           : p == MCSEC_MCPTT_PATH_CERT ? "cert" : "none";
}

static void log_result(FILE *f, const mcsec_mcptt_result *r)
{
    fprintf(f, "{\"method\": ");
    json_escaped(f, r->method);
    fprintf(f, ", \"from\": ");
    json_escaped(f, r->from);
    fprintf(f, ", \"call_id\": ");
    json_escaped(f, r->call_id);
    fprintf(f, ", \"status\": %d", r->status);
    if (r->status >= 300)
        fprintf(f, ", \"error\": \"%s\"", mcsec_strerror(r->err));
    if (r->cek_id_len) {
        fprintf(f, ", \"cek_id\": \"");
        for (size_t i = 0; i < r->cek_id_len; i++)
            fprintf(f, "%02x", r->cek_id[i]);
        fprintf(f, "\"");
    }
    if (r->status < 300 && (r->method[0] == 'I' || r->method[0] == 'M')) {
        fprintf(f, ", \"path\": \"%s\", \"new_key\": %s, \"signed\": %s, \"trusted\": %s",
                path_name(r->path), r->new_key ? "true" : "false",
                (r->smime_flags & MCSEC_SMIME_SIGNED) ? "true" : "false",
                (r->smime_flags & MCSEC_SMIME_TRUSTED) ? "true" : "false");
        if (r->signer[0]) {
            fprintf(f, ", \"signer\": ");
            json_escaped(f, r->signer);
        }
        fprintf(f, ", \"identities\": [");
        for (size_t i = 0; i < r->n_ids; i++) {
            fprintf(f, i ? ", " : "");
            json_escaped(f, r->ids[i]);
        }
        fprintf(f, "]");
    }
    if (r->method[0] == 'B' || r->method[0] == 'R')
        fprintf(f, ", \"keys_removed\": %zu", r->keys_removed);
    fprintf(f, "}\n");
    fflush(f);
}

static int read_text(cli_args *a, const char *opt, char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    const char *p = cli_opt(a, opt);
    if (!p)
        return CLI_OK;
    uint8_t *b;
    if (cli_read_file(a, p, &b, len))
        return CLI_USAGE;
    *out = (char *)b;
    return CLI_OK;
}

static int do_server(cli_args *a)
{
    struct sockaddr_in sa;
    const char *psi = cli_opt(a, "uri"), *logp = cli_opt(a, "log"), *maxs = cli_opt(a, "max"),
               *ttls = cli_opt(a, "ttl");
    char *trust = NULL, *cert = NULL, *key = NULL;
    size_t trust_n = 0, cert_n = 0, key_n = 0;
    cli_kms_conn conn;
    memset(&conn, 0, sizeof conn);
    kms_fetch kf = { &conn, 0 };
    int rc = parse_addr(a, "listen", &sa), fd = -1;
    long max = maxs ? strtol(maxs, NULL, 10) : 0, ttl = ttls ? strtol(ttls, NULL, 10) : 3600;
    if (!rc && !psi) {
        cli_error(a, "missing --uri");
        rc = CLI_USAGE;
    }
    if (!rc && (max < 0 || ttl <= 0)) {
        cli_error(a, "--max must be >= 0 and --ttl > 0");
        rc = CLI_USAGE;
    }
    mcsec_keystore *ks = rc ? NULL : cli_load_store(a, &rc, 1);
    if (!rc)
        rc = read_text(a, "trust", &trust, &trust_n);
    if (!rc)
        rc = read_text(a, "cert", &cert, &cert_n);
    if (!rc)
        rc = read_text(a, "key", &key, &key_n);
    if (!rc && !cert != !key) {
        cli_error(a, "--cert and --key go together");
        rc = CLI_USAGE;
    }
    if (!rc && cli_present(a, "kms-url")) {
        rc = cli_kms_conn_opts(a, &conn, "kms-url", 0);
        if (!rc && !conn.kms_uri)
            conn.cfg.kms_uri = ks->cert.kms_uri; /* the KMS of our key store */
        kf.enabled = 1;
    }
    if (!rc)
        rc = cli_check_unused(a);
    FILE *log = stdout;
    if (!rc && logp && !(log = fopen(logp, "a"))) {
        cli_error(a, "cannot open %s: %s", logp, strerror(errno));
        rc = CLI_USAGE;
    }
    if (!rc) {
        fd = socket(AF_INET, SOCK_DGRAM, 0);
        socklen_t sl = sizeof sa;
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
            getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
            cli_error(a, "cannot listen on UDP %s: %s", cli_opt(a, "listen"), strerror(errno));
            rc = CLI_USAGE;
        }
    }
    mcsec_mcptt_cek_cache *cache = rc ? NULL : malloc(sizeof *cache);
    mcsec_mikey_replay_cache *replay = rc ? NULL : calloc(1, sizeof *replay);
    if (!rc && (!cache || !replay)) {
        cli_error(a, "out of memory");
        rc = CLI_USAGE;
    }
    /* our RSK for the current period, prepared once (the pairing's lines and
     * the comb of Q): every CEK I_MESSAGE of this period opens ~4x faster */
    mcsec_sakke_kms_params *kp = NULL;
    mcsec_sakke_rsk_key *rk = NULL;
    if (!rc && ks) {
        uint64_t period;
        uint8_t uid[MCSEC_UID_BYTES];
        const mcsec_kms_keyset *k = NULL;
        if (mcsec_uid_period_no(&period, (uint64_t)time(NULL) + MCSEC_NTP_UNIX_OFFSET, ks->cert.user_key_period,
                                ks->cert.user_key_offset) == MCSEC_OK)
            k = mcsec_keystore_find(ks, psi, period);
        kp = k ? malloc(sizeof *kp) : NULL;
        rk = kp ? malloc(sizeof *rk) : NULL;
        if (rk == NULL || mcsec_uid_compute(uid, psi, strlen(psi), ks->cert.kms_uri, strlen(ks->cert.kms_uri),
                                            ks->cert.user_key_period, ks->cert.user_key_offset, period) != MCSEC_OK ||
            mcsec_sakke_kms_params_init(kp, ks->cert.pub_enc_key) != MCSEC_OK ||
            mcsec_sakke_rsk_key_init(rk, kp, uid, sizeof uid, k->rsk) != MCSEC_OK) {
            free(rk); /* not prepared: messages open from the RSK octets */
            rk = NULL;
        }
    }
    if (!rc) {
        mcsec_mcptt_cek_cache_init(cache, fetch_from_kms, &kf, ttl);
        mcsec_mcptt_server srv = { .psi = psi, .ks = ks, .trust_pem = trust, .trust_pem_len = trust_n,
                                   .cert_pem = cert, .cert_pem_len = cert_n, .key_pem = key,
                                   .key_pem_len = key_n, .cache = cache, .replay = replay, .rsk_key = rk };
        struct sigaction sg = { .sa_handler = on_term };
        sigaction(SIGTERM, &sg, NULL);
        sigaction(SIGINT, &sg, NULL);
        fprintf(stderr, "mcsec mcptt server: %s listening on udp:%s:%u\n", psi, inet_ntoa(sa.sin_addr),
                ntohs(sa.sin_port));
        /* a response echoes at most the request's headers plus a status line
         * and a tag: req_len + 256 always fits (mcptt.h) */
        static uint8_t buf[65536], resp[65536 + 256];
        long handled = 0;
        while (!stop_flag && (max == 0 || handled < max)) {
            struct sockaddr_in from;
            socklen_t fl = sizeof from;
            ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                break;
            }
            mcsec_mcptt_result r;
            size_t rl = sizeof resp;
            if (mcsec_mcptt_server_handle(resp, &rl, &r, &srv, buf, (size_t)n, (int64_t)time(NULL)) != MCSEC_OK)
                continue; /* not a request: nothing to answer */
            log_result(log, &r); /* logged before the answer leaves */
            /* RFC 3581: answer where the request came from */
            sendto(fd, resp, rl, 0, (struct sockaddr *)&from, fl);
            mcsec_wipe(&r, sizeof r);
            mcsec_wipe(buf, (size_t)n);
            handled++;
        }
        mcsec_mcptt_cek_cache_wipe(cache);
    }
    if (log && log != stdout)
        fclose(log);
    if (fd >= 0)
        close(fd);
    free(cache);
    free(replay);
    if (rk != NULL) {
        mcsec_sakke_rsk_key_wipe(rk);
        free(rk);
    }
    if (kp != NULL) {
        mcsec_sakke_kms_params_wipe(kp);
        free(kp);
    }
    free(trust);
    free(cert);
    if (key)
        cli_free_secret((uint8_t *)key, key_n);
    cli_kms_conn_free(&conn);
    cli_free_store(ks);
    return rc;
}

/* ---- client -------------------------------------------------------------- */

/* What a session leaves for later bodies and its BYE (mode 0600). */
typedef struct state {
    char from[MCSEC_MCPTT_MAX_URI + 1], to[MCSEC_MCPTT_MAX_URI + 1], call_id[128], tag[32];
    uint8_t kek[32], kek_id[MCSEC_SMIME_MAX_KEK_ID];
    size_t kek_len, kek_id_len;
    unsigned cseq;
} state;

static void hex(char *out, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
    out[2 * n] = 0;
}

static int unhex(uint8_t *out, size_t cap, size_t *n, const char *s)
{
    size_t l = strlen(s);
    if (l % 2 || l / 2 > cap)
        return -1;
    for (size_t i = 0; i < l / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    *n = l / 2;
    return 0;
}

static int save_state(cli_args *a, const char *path, const state *s)
{
    char k[65], id[2 * MCSEC_SMIME_MAX_KEK_ID + 1];
    hex(k, s->kek, s->kek_len);
    hex(id, s->kek_id, s->kek_id_len);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        cli_error(a, "cannot write %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return CLI_USAGE;
    }
    fprintf(f, "from %s\nto %s\ncall_id %s\ntag %s\ncseq %u\nkek %s\nkek_id %s\n", s->from, s->to,
            s->call_id, s->tag, s->cseq, k, id);
    mcsec_wipe(k, sizeof k);
    return fclose(f) == 0 ? CLI_OK : CLI_USAGE;
}

static int load_state(cli_args *a, const char *path, state *s)
{
    memset(s, 0, sizeof *s);
    FILE *f = fopen(path, "r");
    char line[1024];
    int got = 0;
    if (!f) {
        cli_error(a, "cannot read %s: %s", path, strerror(errno));
        return CLI_USAGE;
    }
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *v = strchr(line, ' ');
        if (!v)
            continue;
        *v++ = 0;
        if (!strcmp(line, "from"))
            got |= snprintf(s->from, sizeof s->from, "%s", v) > 0;
        else if (!strcmp(line, "to"))
            got |= (snprintf(s->to, sizeof s->to, "%s", v) > 0) << 1;
        else if (!strcmp(line, "call_id"))
            got |= (snprintf(s->call_id, sizeof s->call_id, "%s", v) > 0) << 2;
        else if (!strcmp(line, "tag"))
            snprintf(s->tag, sizeof s->tag, "%s", v);
        else if (!strcmp(line, "cseq"))
            s->cseq = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(line, "kek"))
            unhex(s->kek, sizeof s->kek, &s->kek_len, v);
        else if (!strcmp(line, "kek_id"))
            unhex(s->kek_id, sizeof s->kek_id, &s->kek_id_len, v);
    }
    mcsec_wipe(line, sizeof line);
    fclose(f);
    if (got != 7) {
        cli_error(a, "%s is not a session state file", path);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* Sends req to the proxy from a fresh socket bound before the request was
 * built (port in Via), waits for the final answer (5 s). Prints the JSON. */
static int transact(cli_args *a, int fd, const struct sockaddr_in *proxy, const uint8_t *req, size_t n,
                    const char *call_id, const uint8_t *kid, size_t kid_len)
{
    if (sendto(fd, req, n, 0, (const struct sockaddr *)proxy, sizeof *proxy) != (ssize_t)n) {
        cli_error(a, "cannot send to the proxy: %s", strerror(errno));
        return CLI_USAGE;
    }
    static uint8_t buf[65536];
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 5000) <= 0) {
            cli_error(a, "no answer within 5 s");
            return CLI_USAGE;
        }
        ssize_t k = recv(fd, buf, sizeof buf - 1, 0);
        if (k < 12 || memcmp(buf, "SIP/2.0 ", 8) != 0)
            continue;
        int status = atoi((const char *)buf + 8);
        if (status < 200)
            continue; /* provisional */
        char id[2 * MCSEC_SMIME_MAX_KEK_ID + 1];
        hex(id, kid, kid_len);
        printf("{\"status\": %d, \"call_id\": ", status);
        json_escaped(stdout, call_id);
        if (kid_len)
            printf(", \"cek_id\": \"%s\"", id);
        printf("}\n");
        if (status >= 300) {
            const uint8_t *eol = memchr(buf, '\r', (size_t)k);
            cli_error(a, "rejected: %.*s", eol ? (int)(eol - buf) : 12, (const char *)buf);
            return CLI_REJECT;
        }
        return CLI_OK;
    }
}

static int client_socket(cli_args *a, uint16_t *port)
{
    struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t l = sizeof me;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof me) != 0 ||
        getsockname(fd, (struct sockaddr *)&me, &l) != 0) {
        cli_error(a, "cannot open a UDP socket: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(me.sin_port);
    return fd;
}

static void rand_hex(char *out, size_t nbytes)
{
    uint8_t r[16];
    RAND_bytes(r, (int)nbytes);
    hex(out, r, nbytes);
}

/* A MIKEY-SAKKE CEK I_MESSAGE from --from to --to with the store's keys;
 * the CEK (32) derived from the fresh SSV (docs/interop.md) and its ID. */
static int mikey_cek(cli_args *a, const mcsec_keystore *ks, const char *from, const char *to, char *b64,
                     size_t b64_cap, state *s)
{
    uint8_t ssv[16], rnd[16], msg[2048];
    uint32_t id;
    RAND_bytes(ssv, sizeof ssv);
    RAND_bytes(rnd, sizeof rnd);
    RAND_bytes((uint8_t *)&id, sizeof id);
    id = 0xF0000000u | (id & 0x0FFFFFFFu); /* purpose tag 0xF: a CEK */
    uint64_t now = (uint64_t)time(NULL) + MCSEC_NTP_UNIX_OFFSET, period;
    const mcsec_kms_keyset *k = NULL;
    if (mcsec_uid_period_no(&period, now, ks->cert.user_key_period, ks->cert.user_key_offset) == MCSEC_OK)
        k = mcsec_keystore_find(ks, from, period);
    if (!k) {
        cli_error(a, "the store has no key set of %s for now (run mcsec kms fetch)", from);
        return CLI_USAGE;
    }
    mcsec_mikey_kms kms = { .uri = ks->cert.kms_uri, .period_len = ks->cert.user_key_period,
                            .period_offset = ks->cert.user_key_offset };
    memcpy(kms.kpak, ks->cert.pub_auth_key, sizeof kms.kpak);
    memcpy(kms.zt, ks->cert.pub_enc_key, sizeof kms.zt);
    mcsec_mikey_create_params p = { .type = MCSEC_KEY_PURPOSE_CEK, .key = ssv, .key_id = id,
                                    .initiator = from, .responder = to, .kms_i = &kms, .kms_r = &kms,
                                    .ssk = k->ssk, .pvt = k->pvt, .ntp_time = now, .rand = rnd,
                                    /* TS 33.180 E.7: our MC Service ID travels as its UID; the
                                     * server learns it from the encrypted mcptt-info */
                                    .hide_initiator = 1 };
    size_t n = sizeof msg, bn = b64_cap;
    mcsec_err err = mcsec_mikey_create(msg, &n, &p, NULL);
    if (!err)
        err = mcsec_mikey_to_sdp(b64, &bn, msg, n);
    if (!err)
        err = mcsec_mikey_derive(s->kek, 32, MCSEC_MIKEY_CONST_ENCR, ssv, sizeof ssv, 0xFF, id, rnd, sizeof rnd);
    mcsec_wipe(ssv, sizeof ssv);
    if (err)
        return cli_report(a, err, 0);
    /* to_sdp gives "a=key-mgmt:mikey <b64>": keep the base64 only */
    static const char pre[] = "a=key-mgmt:mikey ";
    if (strncmp(b64, pre, sizeof pre - 1) == 0)
        memmove(b64, b64 + sizeof pre - 1, strlen(b64 + sizeof pre - 1) + 1);
    s->kek_len = 32;
    for (int i = 0; i < 4; i++)
        s->kek_id[i] = (uint8_t)(id >> (24 - 8 * i));
    s->kek_id_len = 4;
    return CLI_OK;
}

/* A new dialog from --from to --to: random Call-ID and tag. */
static int new_dialog(cli_args *a, state *s)
{
    const char *from = cli_opt(a, "from"), *to = cli_opt(a, "to");
    if (!from || !to) {
        cli_error(a, "missing --from or --to");
        return CLI_USAGE;
    }
    snprintf(s->from, sizeof s->from, "%s", from);
    snprintf(s->to, sizeof s->to, "%s", to);
    char r[17];
    rand_hex(r, 8);
    snprintf(s->call_id, sizeof s->call_id, "%s@mcsec", r);
    rand_hex(s->tag, 6);
    return CLI_OK;
}

static int write_out(cli_args *a, const char *path, const uint8_t *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        cli_error(a, "cannot write %s", path);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int do_send(cli_args *a)
{
    struct sockaddr_in proxy;
    state s;
    memset(&s, 0, sizeof s);
    const char *cek = cli_opt(a, "cek"), *reuse = cli_opt(a, "reuse"), *method = cli_opt(a, "method"),
               *statep = cli_opt(a, "state"), *outp = cli_opt(a, "out");
    int sign = cli_flag(a, "sign"), to_server = cli_flag(a, "encrypt-to-server"), b64 = cli_flag(a, "base64");
    char *scert = NULL, *skey = NULL, *body = NULL;
    size_t scert_n = 0, skey_n = 0, body_n = 0;
    char mikey[4096] = "";
    cli_kms_conn conn;
    memset(&conn, 0, sizeof conn);
    mcsec_keystore *ks = NULL;
    uint8_t *req = NULL, *prot = NULL;
    int fd = -1, rc = parse_addr(a, "proxy", &proxy);
    if (!method)
        method = "MESSAGE";
    if (!rc && strcmp(method, "MESSAGE") && strcmp(method, "INVITE")) {
        cli_error(a, "--method must be MESSAGE or INVITE");
        rc = CLI_USAGE;
    }
    if (!rc && !cek == !reuse) {
        cli_error(a, "give one of --cek mikey|kms|none and --reuse STATE");
        rc = CLI_USAGE;
    }
    if (!rc && cek && strcmp(cek, "mikey") && strcmp(cek, "kms") && strcmp(cek, "none")) {
        cli_error(a, "--cek must be mikey, kms or none");
        rc = CLI_USAGE;
    }
    if (!rc && reuse)
        rc = load_state(a, reuse, &s);
    if (!rc && cek) {
        rc = new_dialog(a, &s);
    } else if (!rc) {
        cli_opt(a, "from");
        cli_opt(a, "to");
    }
    if (!rc && sign) {
        rc = read_text(a, "cert", &scert, &scert_n);
        if (!rc)
            rc = read_text(a, "key", &skey, &skey_n);
        if (!rc && (!scert || !skey)) {
            cli_error(a, "--sign needs --cert and --key");
            rc = CLI_USAGE;
        }
    }
    if (!rc)
        rc = read_text(a, "body-file", &body, &body_n);
    if (!rc && (to_server || (cek && !strcmp(cek, "mikey"))))
        ks = cli_load_store(a, &rc, 1);
    if (!rc && to_server && !ks->server_cert_pem[0]) {
        cli_error(a, "the key store holds no MCPTT server certificate (KmsInit gave none)");
        rc = CLI_USAGE;
    }
    if (!rc && cek && !strcmp(cek, "kms")) {
        if (!ks && cli_present(a, "store"))
            ks = cli_load_store(a, &rc, 1);
        if (!rc)
            rc = cli_kms_conn_opts(a, &conn, "kms-url", ks == NULL);
        if (!rc && ks && !conn.kms_uri)
            conn.cfg.kms_uri = ks->cert.kms_uri; /* the KMS of our key store */
    }
    const char *calling = cli_opt(a, "calling"), *called = cli_opt(a, "called"), *group = cli_opt(a, "group");
    /* the MC Service ID that holds the keys (TS 33.180: UIDs are of the MCPTT
     * ID, not of the SIP URI in From) */
    const char *mcptt_id = cli_opt(a, "mcptt-id");
    if (!mcptt_id)
        mcptt_id = s.from;
    if (!rc)
        rc = cli_check_unused(a);
    if (!rc && cek && !strcmp(cek, "none") && !to_server && !sign) {
        cli_error(a, "--cek none needs --encrypt-to-server or --sign");
        rc = CLI_USAGE;
    }
    uint16_t port = 0;
    if (!rc && (fd = client_socket(a, &port)) < 0)
        rc = CLI_USAGE;
    /* the key */
    if (!rc && cek && !strcmp(cek, "mikey"))
        rc = mikey_cek(a, ks, mcptt_id, s.to, mikey, sizeof mikey, &s);
    if (!rc && cek && !strcmp(cek, "kms")) {
        mcsec_kms_cek k;
        mcsec_kmsclient_status st = { 0 };
        mcsec_err err = mcsec_kmsclient_cek_create(&k, &st, &conn.cfg, s.to);
        if (err) {
            rc = cli_kms_report(a, err, &st);
        } else {
            memcpy(s.kek, k.cek, sizeof k.cek);
            s.kek_len = sizeof k.cek;
            memcpy(s.kek_id, k.cek_id, sizeof k.cek_id);
            s.kek_id_len = sizeof k.cek_id;
        }
        mcsec_wipe(&k, sizeof k);
    }
    size_t rn = 0, pn = 0;
    if (!rc) {
        char branch[40] = "z9hG4bK", r[17];
        rand_hex(r, 8);
        strcat(branch, r);
        s.cseq++;
        mcsec_mcptt_request q = {
            .method = reuse ? "MESSAGE" : method, .request_uri = s.to, .from = s.from, .from_tag = s.tag,
            .to = s.to, .call_id = s.call_id, .cseq = s.cseq, .via_host = "127.0.0.1", .via_port = port,
            .branch = branch, .expires = -1, .mikey_b64 = mikey[0] ? mikey : NULL,
            .calling_id = calling, .called_id = called, .group_id = group,
            .extra = (const uint8_t *)body, .extra_len = body_n, .extra_type = body ? "text/plain" : NULL };
        rn = 65536;
        req = malloc(rn);
        pn = 3 * rn;
        prot = malloc(pn);
        mcsec_err err = req && prot ? mcsec_mcptt_build_request(req, &rn, &q) : MCSEC_ERR_NOMEM;
        if (err == MCSEC_OK) {
            mcsec_smime_protect_opts po = { .sign_cert_pem = scert, .sign_cert_pem_len = scert_n,
                                            .sign_key_pem = skey, .sign_key_pem_len = skey_n,
                                            .base64 = b64 };
            if (s.kek_len) {
                po.kek = s.kek;
                po.kek_len = s.kek_len;
                po.kek_id = s.kek_id;
                po.kek_id_len = s.kek_id_len;
            } else if (to_server) {
                po.recip_cert_pem = ks->server_cert_pem;
                po.recip_cert_pem_len = strlen(ks->server_cert_pem);
            }
            /* a new key: every part but the SDP (which must stay readable
             * for the server to get the key first); a reused key: the whole body */
            int parts = !reuse && mikey[0];
            const char *first = !parts ? NULL : (calling || called || group) ? MCSEC_MCPTT_INFO_TYPE
                                                                             : "text/plain";
            err = mcsec_mcptt_protect_part(prot, &pn, req, rn, first, &po);
            if (!err && parts && body && first[0] == MCSEC_MCPTT_INFO_TYPE[0]) {
                size_t n2 = 3 * 65536;
                uint8_t *p2 = malloc(n2);
                err = p2 ? mcsec_mcptt_protect_part(p2, &n2, prot, pn, "text/plain", &po) : MCSEC_ERR_NOMEM;
                if (!err) {
                    memcpy(prot, p2, n2);
                    pn = n2;
                }
                free(p2);
            }
        }
        if (err)
            rc = cli_report(a, err, 0);
    }
    if (!rc && statep && s.kek_len)
        rc = save_state(a, statep, &s);
    if (!rc && reuse)
        rc = save_state(a, reuse, &s); /* the next CSeq */
    if (!rc && outp)
        rc = write_out(a, outp, prot, pn);
    else if (!rc)
        rc = transact(a, fd, &proxy, prot, pn, s.call_id, s.kek_id, s.kek_id_len);
    mcsec_wipe(&s, sizeof s);
    if (fd >= 0)
        close(fd);
    free(req);
    free(prot);
    free(scert);
    free(body);
    if (skey)
        cli_free_secret((uint8_t *)skey, skey_n);
    cli_kms_conn_free(&conn);
    cli_free_store(ks);
    return rc;
}

/* BYE (with the state's dialog) or REGISTER Expires: 0. */
static int simple_request(cli_args *a, int bye)
{
    struct sockaddr_in proxy;
    state s;
    memset(&s, 0, sizeof s);
    int rc = parse_addr(a, "proxy", &proxy), fd = -1;
    if (!rc && bye) {
        const char *sp = cli_opt(a, "state");
        if (!sp) {
            cli_error(a, "missing --state");
            rc = CLI_USAGE;
        } else {
            rc = load_state(a, sp, &s);
        }
    } else if (!rc) {
        rc = new_dialog(a, &s);
    }
    if (!rc)
        rc = cli_check_unused(a);
    uint16_t port = 0;
    if (!rc && (fd = client_socket(a, &port)) < 0)
        rc = CLI_USAGE;
    if (!rc) {
        char branch[40] = "z9hG4bK", r[17];
        rand_hex(r, 8);
        strcat(branch, r);
        mcsec_mcptt_request q = { .method = bye ? "BYE" : "REGISTER", .request_uri = s.to, .from = s.from,
                                  .from_tag = s.tag, .to = s.to, .call_id = s.call_id, .cseq = s.cseq + 1,
                                  .via_host = "127.0.0.1", .via_port = port, .branch = branch,
                                  .expires = bye ? -1 : 0 };
        uint8_t req[4096];
        size_t n = sizeof req;
        mcsec_err err = mcsec_mcptt_build_request(req, &n, &q);
        rc = err ? cli_report(a, err, 0) : transact(a, fd, &proxy, req, n, s.call_id, NULL, 0);
    }
    mcsec_wipe(&s, sizeof s);
    if (fd >= 0)
        close(fd);
    return rc;
}

static int do_bye(cli_args *a)
{
    return simple_request(a, 1);
}

static int do_logoff(cli_args *a)
{
    return simple_request(a, 0);
}

static int do_raw(cli_args *a)
{
    struct sockaddr_in proxy;
    int rc = parse_addr(a, "proxy", &proxy), fd = -1;
    const char *in = cli_opt(a, "in");
    uint8_t *req = NULL;
    size_t n = 0;
    if (!rc && !in) {
        cli_error(a, "missing --in");
        rc = CLI_USAGE;
    }
    if (!rc)
        rc = cli_read_file(a, in, &req, &n);
    if (!rc)
        rc = cli_check_unused(a);
    uint16_t port;
    if (!rc && (fd = client_socket(a, &port)) < 0)
        rc = CLI_USAGE;
    if (!rc)
        rc = transact(a, fd, &proxy, req, n, "", NULL, 0);
    if (fd >= 0)
        close(fd);
    free(req);
    return rc;
}

static int cmd_client(int argc, char **argv)
{
    static const cli_verb verbs[] = { { "send", do_send }, { "bye", do_bye }, { "logoff", do_logoff },
                                      { "raw", do_raw } };
    return cli_dispatch("mcptt client", mcptt_help, verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}

int cmd_mcptt(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "client") == 0)
        return cmd_client(argc - 1, argv + 1);
    static const cli_verb verbs[] = { { "server", do_server } };
    return cli_dispatch("mcptt", mcptt_help, verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}
