/* mcsec idm token|verify: IdM access tokens (TS 33.180 Annex B) as JWTs */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "mcsec/jwt.h"


static const char idm_help[] =
    "usage: mcsec idm <verb> [options]   (IdM access tokens: JWT, RFC 7519 / RFC 9068)\n"
    "\n"
    "  token --key F --iss S --aud S --id URI [--ttl SECONDS] [--scope S]\n"
    "        [--claim NAME] [--now UNIX]\n"
    "        -> a signed token (compact JWS) on one line\n"
    "  verify --key F --iss S --aud S [--claim NAME] [--scope S] [--now UNIX]\n"
    "        [--skew SECONDS] TOKEN\n"
    "        -> {\"identity\": ..., \"exp\": ...}, exit 0; exit 1 if the token is rejected\n"
    "\n"
    "--key is a PEM file: the private key for token, the public key for verify.\n"
    "The algorithm follows the key: ES256 (P-256), RS256 (RSA >= 2048), EdDSA (Ed25519).\n"
    "--claim names the identity claim (default mcptt_id); --ttl defaults to 3600,\n"
    "--skew to 60, --now to the current time. TOKEN may be given as @FILE.\n"
    "verify needs the token's scope to contain --scope when it is given.\n";

/* Parses a decimal signed 64-bit option into *out, keeping *out when absent;
 * rejects values below min. 0, or 2 after an error. */
static int get_i64(cli_args *a, const char *name, int64_t min, int64_t *out)
{
    const char *v = cli_opt(a, name);
    char *end = NULL;
    if (!v) {
        if (cli_present(a, name)) {
            cli_error(a, "--%s needs a value", name);
            return CLI_USAGE;
        }
        return CLI_OK;
    }
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || !*v || *end || x < min) {
        cli_error(a, "--%s must be a decimal integer >= %" PRId64, name, min);
        return CLI_USAGE;
    }
    *out = x;
    return CLI_OK;
}

/* The required string options, in order; 0 or 2 after naming the first missing one. */
static int get_strings(cli_args *a, const char *const *names, const char **vals, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        vals[i] = cli_opt(a, names[i]);
        if (!vals[i] || !vals[i][0]) {
            cli_error(a, "missing --%s", names[i]);
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

/* Loads the PEM key named by --key. 0, or 2 after an error. */
static int load_key(cli_args *a, int is_private, mcsec_jwt_key **key)
{
    const char *path = cli_opt(a, "key");
    uint8_t *pem = NULL;
    size_t len = 0;
    if (!path) {
        cli_error(a, "missing --key");
        return CLI_USAGE;
    }
    int rc = cli_read_file(a, path, &pem, &len);
    if (rc)
        return rc;
    mcsec_err err = mcsec_jwt_key_load_pem(key, (const char *)pem, len, is_private);
    cli_free_secret(pem, len);
    if (err) {
        cli_error(a, "cannot load %s key from %s: %s", is_private ? "a private" : "a public", path,
                  mcsec_strerror(err));
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int do_token(cli_args *a)
{
    static const char *const names[] = { "iss", "aud", "id" };
    const char *v[3];
    int64_t ttl = 3600, now = (int64_t)time(NULL);
    mcsec_jwt_key *key = NULL;
    char *out = NULL;
    int rc = get_strings(a, names, v, 3);
    if (!rc)
        rc = get_i64(a, "ttl", 1, &ttl);
    if (!rc)
        rc = get_i64(a, "now", 0, &now);
    const char *scope = cli_opt(a, "scope"), *claim = cli_opt(a, "claim");
    if (!rc)
        rc = load_key(a, 1, &key);
    if (!rc)
        rc = cli_check_unused(a);
    if (!rc) {
        mcsec_jwt_mint m = { .issuer = v[0], .audience = v[1], .identity = v[2],
                             .identity_claim = claim ? claim : "mcptt_id", .scope = scope,
                             .iat = now, .ttl = ttl };
        size_t len = MCSEC_JWT_MAX_BYTES + 1;
        out = malloc(len);
        mcsec_err err = out ? mcsec_jwt_sign(out, &len, key, &m, NULL) : MCSEC_ERR_NOMEM;
        if (err)
            rc = cli_report(a, err, 0);
        else
            printf("%.*s\n", (int)len, out);
    }
    free(out);
    mcsec_jwt_key_free(key);
    return rc;
}

/* The one positional argument (TOKEN or @FILE), with trailing white space
 * removed from a file's content. *buf holds what must be freed. */
static int get_token(cli_args *a, const char **tok, size_t *len, uint8_t **buf)
{
    *buf = NULL;
    for (int i = 0; i < a->argc; i++) {
        const char *s = a->argv[i];
        if (a->used[i] || (s[0] == '-' && s[1] == '-'))
            continue;
        a->used[i] = 1;
        if (s[0] != '@') {
            *tok = s;
            *len = strlen(s);
            return CLI_OK;
        }
        size_t n = 0;
        int rc = cli_read_file(a, s + 1, buf, &n);
        if (rc)
            return rc;
        while (n > 0 && ((*buf)[n - 1] == '\n' || (*buf)[n - 1] == '\r' || (*buf)[n - 1] == ' '))
            n--;
        *tok = (const char *)*buf;
        *len = n;
        return CLI_OK;
    }
    cli_error(a, "missing TOKEN");
    return CLI_USAGE;
}

static int do_verify(cli_args *a)
{
    static const char *const names[] = { "iss", "aud" };
    const char *v[2], *tok = NULL;
    int64_t now = (int64_t)time(NULL), skew = 60;
    size_t tok_len = 0;
    uint8_t *file = NULL;
    mcsec_jwt_key *key = NULL;
    int rc = get_strings(a, names, v, 2);
    if (!rc)
        rc = get_i64(a, "now", 0, &now);
    if (!rc)
        rc = get_i64(a, "skew", 0, &skew);
    const char *scope = cli_opt(a, "scope"), *claim = cli_opt(a, "claim");
    if (!rc)
        rc = load_key(a, 0, &key);
    if (!rc)
        rc = get_token(a, &tok, &tok_len, &file);
    if (!rc)
        rc = cli_check_unused(a);
    if (!rc) {
        mcsec_jwt_policy p = { .issuer = v[0], .audience = v[1],
                               .identity_claim = claim ? claim : "mcptt_id",
                               .required_scope = scope, .now = now, .skew = skew };
        mcsec_jwt_claims c;
        const char *why = NULL;
        mcsec_err err = mcsec_jwt_verify_why(&c, &why, tok, tok_len, key, &p);
        if (err == MCSEC_ERR_TOKEN) {
            cli_error(a, "token rejected (%s)", why);
            rc = CLI_REJECT;
        } else if (err) {
            rc = cli_report(a, err, 1);
        } else {
            cli_json_begin();
            cli_json_str("identity", c.identity);
            printf(", \"exp\": %" PRId64, c.exp);
            cli_json_end();
        }
    }
    free(file);
    mcsec_jwt_key_free(key);
    return rc;
}

int cmd_idm(int argc, char **argv)
{
    static const cli_verb verbs[] = {
        { "token", do_token },
        { "verify", do_verify },
    };
    return cli_dispatch("idm", idm_help, verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}
