/* mcsec kms ... (KMS client and store administration) and mcsec keystore ... */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "mcsec/kms.h"
#include "mcsec/kmsclient.h"
#include "mcsec/uid.h"

static const char kms_help[] =
    "usage: mcsec kms <verb> [options]\n"
    "\n"
    "  fetch --url U --token T --store P [--ca F] [--id URI] [--kms-uri S]\n"
    "        [--time UNIX] [--passphrase-file F]\n"
    "      KmsInit + KeyProv (TS 33.180 Annex D) over HTTPS: validates the KMS\n"
    "      certificate and every key set (UID recomputed, SSK/PVT against KPAK,\n"
    "      RSK against Z_T, period bounds) and only then stores them in P. Without\n"
    "      --time: the current and the next key period. --id defaults to the\n"
    "      token's mcptt_id claim. Prints a JSON summary (no keys).\n"
    "  certcache --url U --token T [--ca F] [--id URI] [--kms-uri S]\n"
    "      the KMS certificate cache, as JSON.\n"
    "  cek-create --url U --token T --kms-uri S --peer URI [--ca F] [--id URI]\n"
    "  cek-fetch  --url U --token T --kms-uri S --cek-id H [--ca F] [--id URI]\n"
    "      KMS-managed CEK (extension): create one shared with URI, or fetch one by\n"
    "      ID; prints JSON {\"cek_id\",\"cek\",\"initiator\",\"peer\",\"expires\"}.\n"
    "  revoke --db PATH URI [--reinstate]\n"
    "      marks URI revoked in a KMS database (the KMS stops provisioning it and\n"
    "      answers Revoked); works while mcsec-kmsd runs.\n"
    "  stats --db PATH\n"
    "      counts of issued key sets, revoked users, CEKs and audit events, and the\n"
    "      database integrity check, as JSON.\n"
    "\n"
    "--token and --id accept @FILE. The store passphrase comes from\n"
    "--passphrase-file or the MCSEC_KEYSTORE_PASSPHRASE environment variable;\n"
    "without one the store is plain JSON (mode 0600).\n";

static const char keystore_help[] =
    "usage: mcsec keystore show --store P [--passphrase-file F] [--server-cert]\n"
    "\n"
    "Prints the store's KMS certificate and key sets (user, period, validity,\n"
    "UID) as JSON; secret keys are not printed. With --server-cert: the MCPTT\n"
    "server's certificate (PEM) delivered with KmsInit, exit 1 if there is none.\n"
    "\n"
    "usage: mcsec keystore export --store P --out F --periods N --export-passphrase-file E\n"
    "                             [--gmk-state G ...] [--user URI]\n"
    "                             [--url U --token T [--ca C]] [--passphrase-file F]\n"
    "\n"
    "Off-network key material (TS 33.180 §7.4.1): the KMS certificate and the key sets\n"
    "of the current and next N-1 key periods, plus the files G (current GMKs: the JSON\n"
    "of 'mcsec mikey open', or GMS group states), in one file F encrypted under the\n"
    "passphrase in E (scrypt N=2^15 + AES-256-GCM; mode 0600). With --url/--token the\n"
    "missing periods are fetched from the KMS first and kept in P.\n"
    "\n"
    "usage: mcsec keystore import --store P --in F --export-passphrase-file E [--gmk-dir D]\n"
    "                             [--passphrase-file F]\n"
    "\n"
    "Validates and adds F's key sets to P (created if missing; the same KMS only) and\n"
    "writes its GMK files into D. A wrong passphrase changes nothing (exit 1).\n";

/* A string option given inline or as @FILE (first line). Returns a malloc'd
 * string in *out (NULL when absent and not required), 0, or 2 after an error. */
static int str_opt(cli_args *a, const char *name, int required, char **out)
{
    *out = NULL;
    const char *v = cli_opt(a, name);
    if (v == NULL) {
        if (required) {
            cli_error(a, "missing --%s", name);
            return CLI_USAGE;
        }
        return CLI_OK;
    }
    if (v[0] != '@') {
        *out = strdup(v);
        return *out ? CLI_OK : CLI_USAGE;
    }
    uint8_t *b;
    size_t n;
    if (cli_read_file(a, v + 1, &b, &n))
        return CLI_USAGE;
    size_t k = 0;
    while (k < n && b[k] != '\n' && b[k] != '\r')
        k++;
    char *s = malloc(k + 1);
    if (s != NULL) {
        memcpy(s, b, k);
        s[k] = 0;
    }
    cli_free_secret(b, n);
    *out = s;
    return s ? CLI_OK : CLI_USAGE;
}

static void free_secret_str(char *s)
{
    if (s != NULL)
        cli_free_secret((uint8_t *)s, strlen(s));
}

/* The store passphrase: --passphrase-file, else the environment, else NULL. */
static int passphrase(cli_args *a, char **out)
{
    const char *f = cli_opt(a, "passphrase-file");
    *out = NULL;
    if (f != NULL) {
        uint8_t *b;
        size_t n;
        if (cli_read_file(a, f, &b, &n))
            return CLI_USAGE;
        while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r'))
            n--;
        char *s = malloc(n + 1);
        if (s != NULL) {
            memcpy(s, b, n);
            s[n] = 0;
        }
        cli_free_secret(b, n);
        if (s == NULL || s[0] == 0) {
            free(s);
            cli_error(a, "empty passphrase in %s", f);
            return CLI_USAGE;
        }
        *out = s;
        return CLI_OK;
    }
    const char *e = getenv("MCSEC_KEYSTORE_PASSPHRASE");
    if (e != NULL && e[0] != 0)
        *out = strdup(e);
    return CLI_OK;
}

/* Reports a client error with what the server said. */
int cli_kms_report(cli_args *a, mcsec_err err, const mcsec_kmsclient_status *st)
{
    if (st->http_status != 0 || st->message[0] != 0)
        cli_error(a, "%s (HTTP %ld%s%s)", mcsec_strerror(err), st->http_status, st->message[0] ? ": " : "",
                  st->message);
    else
        cli_error(a, "%s", mcsec_strerror(err));
    switch (err) {
    case MCSEC_ERR_ARG: case MCSEC_ERR_NOMEM: case MCSEC_ERR_IO: case MCSEC_ERR_NETWORK:
        return CLI_USAGE;
    default:
        return CLI_REJECT;
    }
}

void cli_kms_conn_free(cli_kms_conn *c)
{
    free(c->url);
    free_secret_str(c->token);
    free(c->id);
    free(c->kms_uri);
}

int cli_kms_conn_opts(cli_args *a, cli_kms_conn *c, const char *url_opt, int need_kms)
{
    memset(c, 0, sizeof *c);
    if (str_opt(a, url_opt, 1, &c->url) || str_opt(a, "token", 1, &c->token) || str_opt(a, "id", 0, &c->id) ||
        str_opt(a, "kms-uri", need_kms, &c->kms_uri))
        return CLI_USAGE;
    c->ca = cli_opt(a, "ca");
    if (strncmp(c->url, "https://", 8) != 0) {
        cli_error(a, "--%s must be an https:// URL (the KMS interface is HTTPS only)", url_opt);
        return CLI_USAGE;
    }
    size_t n = strlen(c->url);
    while (n > 8 && c->url[n - 1] == '/')
        c->url[--n] = 0;
    c->cfg.base_url = c->url;
    c->cfg.token = c->token;
    c->cfg.ca_file = c->ca;
    c->cfg.user_uri = c->id;
    c->cfg.kms_uri = c->kms_uri;
    return CLI_OK;
}

static void json_keyset_summary(const mcsec_kms_keyset *k, int last)
{
    printf("    {\"user_uri\": ");
    cli_json_string(k->user_uri);
    printf(", \"period\": %llu, \"valid_from\": %lld, \"valid_to\": %lld, \"uid\": \"",
           (unsigned long long)k->key_period_no, (long long)k->valid_from, (long long)k->valid_to);
    cli_print_hex(stdout, k->user_id, sizeof k->user_id);
    printf("\"}%s\n", last ? "" : ",");
}

static void json_cert(const mcsec_kms_cert *c, const char *indent)
{
    printf("{\"kms_uri\": ");
    cli_json_string(c->kms_uri);
    printf(", \"user_id_format\": ");
    cli_json_string(c->user_id_format);
    printf(", \"user_key_period\": %llu, "
           "\"user_key_offset\": %llu,\n%s \"kpak\": \"",
           (unsigned long long)c->user_key_period,
           (unsigned long long)c->user_key_offset, indent);
    cli_print_hex(stdout, c->pub_auth_key, sizeof c->pub_auth_key);
    printf("\",\n%s \"z_t\": \"", indent);
    cli_print_hex(stdout, c->pub_enc_key, sizeof c->pub_enc_key);
    printf("\"}");
}

static void print_store(const mcsec_keystore *ks, const char *user)
{
    printf("{\n  \"kms_certificate\": ");
    if (ks->has_cert)
        json_cert(&ks->cert, "  ");
    else
        printf("null");
    printf(",\n  \"mcptt_server_certificate\": %s", ks->server_cert_pem[0] ? "true" : "false");
    printf(",\n  \"key_sets\": [\n");
    size_t n = 0, k = 0;
    for (size_t i = 0; i < ks->n_keysets; i++)
        if (user == NULL || strcmp(ks->keysets[i].user_uri, user) == 0)
            n++;
    for (size_t i = 0; i < ks->n_keysets; i++)
        if (user == NULL || strcmp(ks->keysets[i].user_uri, user) == 0)
            json_keyset_summary(&ks->keysets[i], ++k == n);
    printf("  ]\n}\n");
}

static int do_fetch(cli_args *a)
{
    cli_kms_conn c;
    char *pass = NULL;
    const char *store = cli_opt(a, "store"), *t = cli_opt(a, "time");
    int rc = cli_kms_conn_opts(a, &c, "url", 0);
    uint64_t when = 0;
    if (rc == CLI_OK && store == NULL) {
        cli_error(a, "missing --store");
        rc = CLI_USAGE;
    }
    if (rc == CLI_OK && t != NULL) {
        char *end;
        errno = 0;
        unsigned long long u = strtoull(t, &end, 10);
        if (errno || !*t || *end || t[0] == '-' || u == 0 || u > 0xffffffffULL - MCSEC_NTP_UNIX_OFFSET) {
            cli_error(a, "--time must be a Unix time in NTP era 0");
            rc = CLI_USAGE;
        }
        when = u + MCSEC_NTP_UNIX_OFFSET;
    }
    if (rc == CLI_OK)
        rc = passphrase(a, &pass);
    if (rc == CLI_OK)
        rc = cli_check_unused(a);
    mcsec_keystore *ks = rc == CLI_OK ? calloc(1, sizeof *ks) : NULL;
    if (rc == CLI_OK && ks == NULL)
        rc = CLI_USAGE;
    if (rc == CLI_OK) {
        /* load first: a store we cannot read must not be overwritten */
        mcsec_err err = mcsec_keystore_load(ks, store, pass, 1);
        if (err != MCSEC_OK) {
            cli_error(a, "cannot read the store %s: %s", store, mcsec_strerror(err));
            rc = err == MCSEC_ERR_VERIFY || err == MCSEC_ERR_DENIED ? CLI_REJECT : CLI_USAGE;
        }
    }
    if (rc == CLI_OK) {
        mcsec_kmsclient_status st;
        mcsec_err err = mcsec_kmsclient_fetch(ks, &st, &c.cfg, when);
        if (err != MCSEC_OK)
            rc = cli_kms_report(a, err, &st);
    }
    if (rc == CLI_OK) {
        mcsec_err err = mcsec_keystore_save(ks, store, pass);
        if (err != MCSEC_OK)
            rc = cli_report(a, err, 0);
    }
    if (rc == CLI_OK) {
        char user[256] = "";
        /* the user just fetched is the last one put; show that user's sets */
        const char *u = c.id;
        if (u == NULL && ks->n_keysets > 0) {
            uint64_t latest = 0;
            for (size_t i = 0; i < ks->n_keysets; i++)
                if (ks->keysets[i].key_period_no >= latest) {
                    latest = ks->keysets[i].key_period_no;
                    snprintf(user, sizeof user, "%s", ks->keysets[i].user_uri);
                }
            u = user;
        }
        print_store(ks, u);
    }
    if (ks != NULL) {
        mcsec_keystore_wipe(ks);
        free(ks);
    }
    free_secret_str(pass);
    cli_kms_conn_free(&c);
    return rc;
}

static int do_certcache(cli_args *a)
{
    cli_kms_conn c;
    int rc = cli_kms_conn_opts(a, &c, "url", 0);
    if (rc == CLI_OK)
        rc = cli_check_unused(a);
    if (rc == CLI_OK) {
        mcsec_kms_cert certs[MCSEC_KMSXML_MAX_CERTS];
        size_t n = 0;
        mcsec_kmsclient_status st;
        mcsec_err err = mcsec_kmsclient_certcache(certs, &n, MCSEC_KMSXML_MAX_CERTS, &st, &c.cfg);
        if (err != MCSEC_OK) {
            rc = cli_kms_report(a, err, &st);
        } else {
            printf("{\"certificates\": [");
            for (size_t i = 0; i < n; i++) {
                printf(i ? ",\n  " : "\n  ");
                json_cert(&certs[i], "  ");
            }
            printf("\n]}\n");
        }
    }
    cli_kms_conn_free(&c);
    return rc;
}

static int print_cek(const mcsec_kms_cek *k)
{
    printf("{\"cek_id\": \"");
    cli_print_hex(stdout, k->cek_id, sizeof k->cek_id);
    printf("\", \"cek\": \"");
    cli_print_hex(stdout, k->cek, sizeof k->cek);
    printf("\", \"initiator\": ");
    cli_json_string(k->initiator);
    printf(", \"peer\": ");
    cli_json_string(k->peer);
    printf(", \"expires\": %lld}\n", (long long)k->expires);
    return CLI_OK;
}

static int do_cek(cli_args *a, int create)
{
    cli_kms_conn c;
    char *peer = NULL;
    uint8_t id[MCSEC_KMSXML_CEK_ID_BYTES];
    int rc = cli_kms_conn_opts(a, &c, "url", 1);
    if (rc == CLI_OK)
        rc = create ? str_opt(a, "peer", 1, &peer) : cli_hex_fixed(a, "cek-id", id, sizeof id, 0);
    if (rc == CLI_OK)
        rc = cli_check_unused(a);
    if (rc == CLI_OK) {
        mcsec_kms_cek k;
        mcsec_kmsclient_status st;
        mcsec_err err = create ? mcsec_kmsclient_cek_create(&k, &st, &c.cfg, peer)
                               : mcsec_kmsclient_cek_fetch(&k, &st, &c.cfg, id);
        rc = err == MCSEC_OK ? print_cek(&k) : cli_kms_report(a, err, &st);
        mcsec_wipe(&k, sizeof k);
    }
    free(peer);
    cli_kms_conn_free(&c);
    return rc;
}

static int do_cek_create(cli_args *a)
{
    return do_cek(a, 1);
}

static int do_cek_fetch(cli_args *a)
{
    return do_cek(a, 0);
}

static int do_revoke(cli_args *a)
{
    const char *db = cli_opt(a, "db");
    int reinstate = cli_flag(a, "reinstate");
    const char *uri = cli_positional(a);
    if (db == NULL || uri == NULL) {
        cli_error(a, "usage: mcsec kms revoke --db PATH URI [--reinstate]");
        return CLI_USAGE;
    }
    if (cli_check_unused(a))
        return CLI_USAGE;
    mcsec_err err = mcsec_kms_store_revoke(db, uri, !reinstate, (int64_t)time(NULL));
    if (err != MCSEC_OK) {
        cli_error(a, "%s: %s", db, err == MCSEC_ERR_NOT_FOUND ? "no KMS domain in this database" : mcsec_strerror(err));
        return CLI_USAGE;
    }
    printf("%s %s\n", uri, reinstate ? "reinstated" : "revoked");
    return CLI_OK;
}

static int do_stats(cli_args *a)
{
    const char *db = cli_opt(a, "db");
    if (db == NULL) {
        cli_error(a, "missing --db");
        return CLI_USAGE;
    }
    if (cli_check_unused(a))
        return CLI_USAGE;
    mcsec_kms_store_stats s;
    mcsec_err err = mcsec_kms_store_stats_get(&s, db);
    if (err != MCSEC_OK) {
        cli_error(a, "%s: %s", db, err == MCSEC_ERR_NOT_FOUND ? "no KMS domain in this database" : mcsec_strerror(err));
        return CLI_USAGE;
    }
    mcsec_err chk = mcsec_kms_store_check(db);
    printf("{\"key_sets\": %llu, \"revoked\": %llu, \"ceks\": %llu, \"audit_events\": %llu, \"integrity\": \"%s\"}\n",
           (unsigned long long)s.keysets, (unsigned long long)s.revoked, (unsigned long long)s.ceks,
           (unsigned long long)s.audit_events, chk == MCSEC_OK ? "ok" : "FAILED");
    return chk == MCSEC_OK ? CLI_OK : CLI_REJECT;
}

int cmd_kms(int argc, char **argv)
{
    static const cli_verb verbs[] = {
        { "fetch", do_fetch },   { "certcache", do_certcache }, { "cek-create", do_cek_create },
        { "cek-fetch", do_cek_fetch }, { "revoke", do_revoke }, { "stats", do_stats },
    };
    return cli_dispatch("kms", kms_help, verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}

static int do_show(cli_args *a)
{
    const char *store = cli_opt(a, "store");
    int want_pem = cli_flag(a, "server-cert");
    char *pass = NULL;
    if (store == NULL) {
        cli_error(a, "missing --store");
        return CLI_USAGE;
    }
    if (passphrase(a, &pass) || cli_check_unused(a)) {
        free_secret_str(pass);
        return CLI_USAGE;
    }
    mcsec_keystore *ks = calloc(1, sizeof *ks);
    int rc = CLI_OK;
    mcsec_err err = ks ? mcsec_keystore_load(ks, store, pass, 0) : MCSEC_ERR_NOMEM;
    if (err != MCSEC_OK) {
        cli_error(a, "%s: %s", store, mcsec_strerror(err));
        rc = err == MCSEC_ERR_VERIFY || err == MCSEC_ERR_MALFORMED || err == MCSEC_ERR_DENIED ? CLI_REJECT : CLI_USAGE;
    } else if (want_pem) {
        if (ks->server_cert_pem[0])
            printf("%s\n", ks->server_cert_pem);
        else {
            cli_error(a, "%s holds no MCPTT server certificate (the KMS sent none)", store);
            rc = CLI_REJECT;
        }
    } else {
        print_store(ks, NULL);
    }
    if (ks != NULL) {
        mcsec_keystore_wipe(ks);
        free(ks);
    }
    free_secret_str(pass);
    return rc;
}

int cmd_keystore(int argc, char **argv)
{
    static const cli_verb verbs[] = { { "show", do_show }, { "export", keystore_export }, { "import", keystore_import } };
    return cli_dispatch("keystore", keystore_help, verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}
