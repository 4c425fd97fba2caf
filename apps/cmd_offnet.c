/* mcsec keystore export / import: key material for off-network operation
 * (TS 33.180 §7.4.1) in one passphrase-encrypted file. The keystore area's
 * dispatcher is in cmd_kms.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "mcsec/kmsclient.h"
#include "mcsec/uid.h"

/* A passphrase from a file (first line), malloc'd; NULL after an error. */
static char *read_pass(cli_args *a, const char *path)
{
    uint8_t *b;
    size_t n;
    if (cli_read_file(a, path, &b, &n))
        return NULL;
    size_t k = 0;
    while (k < n && b[k] != '\n' && b[k] != '\r')
        k++;
    char *s = k ? malloc(k + 1) : NULL;
    if (s != NULL) {
        memcpy(s, b, k);
        s[k] = 0;
    } else {
        cli_error(a, "empty passphrase in %s", path);
    }
    cli_free_secret(b, n);
    return s;
}

static void free_pass(char *s)
{
    if (s != NULL)
        cli_free_secret((uint8_t *)s, strlen(s));
}

/* The store passphrase: --passphrase-file or MCSEC_KEYSTORE_PASSPHRASE, or
 * NULL (plain store). Returns 0 or 2. */
static int store_pass(cli_args *a, char **out)
{
    const char *f = cli_opt(a, "passphrase-file");
    *out = NULL;
    if (f != NULL)
        return (*out = read_pass(a, f)) ? CLI_OK : CLI_USAGE;
    const char *e = getenv("MCSEC_KEYSTORE_PASSPHRASE");
    if (e != NULL && e[0])
        *out = strdup(e);
    return CLI_OK;
}

static int conn_fetch(cli_args *a, mcsec_keystore *ks, unsigned periods)
{
    const char *url = cli_opt(a, "url"), *token = cli_opt(a, "token"), *ca = cli_opt(a, "ca");
    if (url == NULL)
        return CLI_OK; /* export what the store holds */
    if (token == NULL) {
        cli_error(a, "--url needs --token");
        return CLI_USAGE;
    }
    char *tok = NULL;
    if (token[0] == '@') {
        tok = read_pass(a, token + 1);
        if (tok == NULL)
            return CLI_USAGE;
    }
    mcsec_kmsclient_config cfg = { .base_url = url, .token = tok ? tok : token, .ca_file = ca,
                                   .user_uri = cli_opt(a, "user") };
    mcsec_kmsclient_status st;
    mcsec_err err = mcsec_kmsclient_fetch_periods(ks, &st, &cfg, 0, periods);
    free_pass(tok);
    if (err != MCSEC_OK) {
        cli_error(a, "fetching %u periods: %s%s%s", periods, mcsec_strerror(err), st.message[0] ? ": " : "",
                  st.message);
        return err == MCSEC_ERR_NETWORK || err == MCSEC_ERR_HTTP ? CLI_USAGE : CLI_REJECT;
    }
    return CLI_OK;
}

int keystore_export(cli_args *a)
{
    const char *store = cli_opt(a, "store"), *out = cli_opt(a, "out"), *pv = cli_opt(a, "periods"),
               *epf = cli_opt(a, "export-passphrase-file"), *user = cli_opt(a, "user");
    char *end = NULL, *pp = NULL, *ep = NULL;
    long periods = pv ? strtol(pv, &end, 10) : 0;
    int rc = CLI_OK;
    if (!store || !out || !epf) {
        cli_error(a, "missing --%s", !store ? "store" : !out ? "out" : "export-passphrase-file");
        return CLI_USAGE;
    }
    if (!pv || !*pv || *end || periods < 1 || periods > 32) {
        cli_error(a, "--periods must be 1..32");
        return CLI_USAGE;
    }
    mcsec_export_extra extras[MCSEC_EXPORT_MAX_EXTRAS];
    size_t n_extras = 0;
    memset(extras, 0, sizeof extras);
    /* every --gmk-state F: carried as its file name */
    for (int i = 0; !rc && i + 1 < a->argc && i < 63; i++) {
        if (strcmp(a->argv[i], "--gmk-state") != 0 || a->used[i])
            continue;
        a->used[i] = a->used[i + 1] = 1;
        if (n_extras == MCSEC_EXPORT_MAX_EXTRAS) {
            cli_error(a, "at most %d --gmk-state files", MCSEC_EXPORT_MAX_EXTRAS);
            rc = CLI_USAGE;
            break;
        }
        const char *p = a->argv[i + 1], *base = strrchr(p, '/');
        base = base ? base + 1 : p;
        if (strlen(base) == 0 || strlen(base) > 255) {
            cli_error(a, "bad file name %s", p);
            rc = CLI_USAGE;
            break;
        }
        strcpy(extras[n_extras].name, base);
        if (cli_read_file(a, p, &extras[n_extras].data, &extras[n_extras].len)) {
            rc = CLI_USAGE;
            break;
        }
        n_extras++;
    }
    if (!rc)
        rc = store_pass(a, &pp);
    if (!rc && (ep = read_pass(a, epf)) == NULL)
        rc = CLI_USAGE;
    mcsec_keystore *ks = calloc(1, sizeof *ks);
    mcsec_err err = MCSEC_OK;
    if (!rc && ks == NULL)
        rc = cli_report(a, MCSEC_ERR_NOMEM, 0);
    if (!rc && (err = mcsec_keystore_load(ks, store, pp, 0)) != MCSEC_OK) {
        cli_error(a, "cannot use the store %s: %s", store, mcsec_strerror(err));
        rc = err == MCSEC_ERR_VERIFY || err == MCSEC_ERR_DENIED ? CLI_REJECT : CLI_USAGE;
    }
    if (!rc)
        rc = conn_fetch(a, ks, (unsigned)periods);
    if (!rc)
        rc = cli_check_unused(a);
    if (!rc && cli_present(a, "url") && (err = mcsec_keystore_save(ks, store, pp)) != MCSEC_OK)
        rc = cli_report(a, err, 0);
    if (!rc && user == NULL) {
        if (ks->n_keysets == 0) {
            cli_error(a, "the store holds no key set");
            rc = CLI_REJECT;
        } else {
            user = ks->keysets[0].user_uri;
        }
    }
    uint64_t first = 0;
    if (!rc && mcsec_keystore_period_at(ks, &first, (int64_t)time(NULL)) != MCSEC_OK) {
        cli_error(a, "the store holds no KMS certificate");
        rc = CLI_REJECT;
    }
    if (!rc) {
        err = mcsec_keystore_export(out, ks, user, first, (unsigned)periods, extras, n_extras, ep);
        if (err == MCSEC_ERR_NOT_FOUND) {
            cli_error(a, "the store lacks key sets of %s for periods %llu..%llu (fetch them: --url/--token)", user,
                      (unsigned long long)first, (unsigned long long)(first + (uint64_t)periods - 1));
            rc = CLI_REJECT;
        } else if (err != MCSEC_OK) {
            rc = cli_report(a, err, 0);
        } else {
            cli_json_begin();
            cli_json_str("user", user);
            printf(", \"first_period\": %llu, \"periods\": %ld, \"gmk_files\": %zu", (unsigned long long)first,
                   periods, n_extras);
            cli_json_str("out", out);
            cli_json_end();
        }
    }
    for (size_t i = 0; i < n_extras; i++)
        cli_free_secret(extras[i].data, extras[i].len);
    if (ks) {
        mcsec_keystore_wipe(ks);
        free(ks);
    }
    free_pass(pp);
    free_pass(ep);
    return rc;
}

int keystore_import(cli_args *a)
{
    const char *store = cli_opt(a, "store"), *in = cli_opt(a, "in"), *epf = cli_opt(a, "export-passphrase-file"),
               *dir = cli_opt(a, "gmk-dir");
    char *pp = NULL, *ep = NULL;
    int rc = CLI_OK;
    if (!store || !in || !epf) {
        cli_error(a, "missing --%s", !store ? "store" : !in ? "in" : "export-passphrase-file");
        return CLI_USAGE;
    }
    rc = store_pass(a, &pp);
    if (!rc && (ep = read_pass(a, epf)) == NULL)
        rc = CLI_USAGE;
    if (!rc)
        rc = cli_check_unused(a);
    mcsec_keystore *ks = calloc(1, sizeof *ks);
    mcsec_export_extra extras[MCSEC_EXPORT_MAX_EXTRAS];
    size_t n_extras = 0;
    mcsec_err err = MCSEC_OK;
    if (!rc && ks == NULL)
        rc = cli_report(a, MCSEC_ERR_NOMEM, 0);
    if (!rc && (err = mcsec_keystore_load(ks, store, pp, 1)) != MCSEC_OK) {
        cli_error(a, "cannot use the store %s: %s", store, mcsec_strerror(err));
        rc = err == MCSEC_ERR_VERIFY || err == MCSEC_ERR_DENIED ? CLI_REJECT : CLI_USAGE;
    }
    size_t before = ks ? ks->n_keysets : 0;
    if (!rc) {
        err = mcsec_keystore_import(ks, extras, &n_extras, MCSEC_EXPORT_MAX_EXTRAS, in, ep);
        if (err != MCSEC_OK) {
            cli_error(a, "%s: %s%s", in, mcsec_strerror(err),
                      err == MCSEC_ERR_VERIFY ? " (wrong passphrase or damaged file); nothing imported" : "");
            rc = err == MCSEC_ERR_IO || err == MCSEC_ERR_NOT_FOUND || err == MCSEC_ERR_NOMEM ? CLI_USAGE : CLI_REJECT;
        }
    }
    if (!rc && n_extras > 0 && (dir == NULL || strlen(dir) > 3800)) {
        cli_error(a, "the export carries %zu GMK files: give --gmk-dir D (a directory)", n_extras);
        rc = CLI_USAGE;
    }
    /* the GMK files first (0600, not over existing files), then the store */
    for (size_t i = 0; !rc && i < n_extras; i++) {
        char p[8192];
        snprintf(p, sizeof p, "%s/%s", dir, extras[i].name);
        int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
        ssize_t w = fd >= 0 ? write(fd, extras[i].data, extras[i].len) : -1;
        if (fd < 0 || w != (ssize_t)extras[i].len || fsync(fd) != 0) {
            cli_error(a, "cannot write %s: %s", p, strerror(errno));
            rc = CLI_USAGE;
        }
        if (fd >= 0)
            close(fd);
    }
    if (!rc && (err = mcsec_keystore_save(ks, store, pp)) != MCSEC_OK)
        rc = cli_report(a, err, 0);
    if (!rc) {
        cli_json_begin();
        cli_json_str("store", store);
        printf(", \"key_sets\": %zu, \"new_key_sets\": %zu, \"gmk_files\": %zu", ks->n_keysets,
               ks->n_keysets - before, n_extras);
        cli_json_end();
    }
    for (size_t i = 0; i < n_extras; i++)
        mcsec_export_extra_free(&extras[i]);
    if (ks) {
        mcsec_keystore_wipe(ks);
        free(ks);
    }
    free_pass(pp);
    free_pass(ep);
    return rc;
}
