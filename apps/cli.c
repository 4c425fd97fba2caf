#include "cli.h"
#include "mcsec/kmsclient.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void cli_error(const cli_args *a, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mcsec: ");
    if (a && a->area)
        fprintf(stderr, "%s ", a->area);
    if (a && a->verb)
        fprintf(stderr, "%s", a->verb);
    fprintf(stderr, ": ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return 1;
    return 0;
}

int cli_args_init(cli_args *a, const char *area, const char *verb, int argc, char **argv)
{
    memset(a, 0, sizeof *a);
    a->area = area;
    a->verb = verb;
    a->argc = argc;
    a->argv = argv;
    if (argc > (int)sizeof a->used) {
        cli_error(a, "too many arguments");
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int find_opt(cli_args *a, const char *name)
{
    for (int i = 0; i < a->argc; i++) {
        const char *s = a->argv[i];
        if (s[0] == '-' && s[1] == '-' && strcmp(s + 2, name) == 0)
            return i;
    }
    return -1;
}

const char *cli_opt(cli_args *a, const char *name)
{
    int i = find_opt(a, name);
    if (i < 0 || i + 1 >= a->argc)
        return NULL;
    a->used[i] = a->used[i + 1] = 1;
    return a->argv[i + 1];
}

int cli_flag(cli_args *a, const char *name)
{
    int i = find_opt(a, name);
    if (i < 0)
        return 0;
    a->used[i] = 1;
    return 1;
}

const char *cli_positional(cli_args *a)
{
    for (int i = 0; i < a->argc; i++) {
        if (a->used[i] || strncmp(a->argv[i], "--", 2) == 0)
            continue;
        a->used[i] = 1;
        return a->argv[i];
    }
    return NULL;
}

int cli_present(const cli_args *a, const char *name)
{
    return find_opt((cli_args *)a, name) >= 0;
}

int cli_report(const cli_args *a, mcsec_err err, int is_check)
{
    cli_error(a, "%s", mcsec_strerror(err));
    switch (err) {
    case MCSEC_ERR_ARG: case MCSEC_ERR_NOMEM: case MCSEC_ERR_RNG: case MCSEC_ERR_CRYPTO:
    case MCSEC_ERR_INTERNAL: case MCSEC_ERR_IO:
        return CLI_USAGE;
    default:
        return is_check ? CLI_REJECT : CLI_USAGE;
    }
}

int cli_dispatch(const char *area, const char *help, const cli_verb *verbs, size_t nverbs,
                 int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    for (size_t i = 0; i < nverbs; i++) {
        if (strcmp(argv[1], verbs[i].name) != 0)
            continue;
        if (cli_wants_help(argc - 2, argv + 2)) {
            fputs(help, stdout);
            return CLI_OK;
        }
        cli_args a;
        if (cli_args_init(&a, area, verbs[i].name, argc - 2, argv + 2))
            return CLI_USAGE;
        return verbs[i].run(&a);
    }
    fprintf(stderr, "mcsec: %s: unknown verb '%s' (see mcsec %s --help)\n", area, argv[1], area);
    return CLI_USAGE;
}

int cli_check_unused(cli_args *a)
{
    for (int i = 0; i < a->argc; i++) {
        if (a->used[i])
            continue;
        const char *s = a->argv[i];
        if (s[0] == '-' && s[1] == '-' && i + 1 == a->argc) {
            cli_error(a, "option %s needs a value or is unknown (see --help)", s);
        } else {
            cli_error(a, "unexpected argument '%s' (see --help)", s);
        }
        return CLI_USAGE;
    }
    return CLI_OK;
}

void cli_free_secret(uint8_t *p, size_t len)
{
    if (p) {
        mcsec_wipe(p, len);
        free(p);
    }
}

int cli_read_file(cli_args *a, const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_error(a, "cannot open %s: %s", path, strerror(errno));
        return CLI_USAGE;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            uint8_t *nb = malloc(cap * 2);
            if (nb)
                memcpy(nb, buf, n);
            cli_free_secret(buf, cap);
            buf = nb;
            cap *= 2;
            if (!buf)
                break;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        cli_free_secret(buf, cap);
        cli_error(a, "cannot read %s", path);
        return CLI_USAGE;
    }
    *out = buf;
    *len = n;
    return CLI_OK;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes hex (whitespace ignored) in place-safe fashion; returns byte count or -1. */
static long unhex(uint8_t *out, const char *s, size_t slen)
{
    long n = 0;
    int hi = -1;
    for (size_t i = 0; i < slen; i++) {
        int c = (unsigned char)s[i];
        if (isspace(c))
            continue;
        int v = hexval(c);
        if (v < 0)
            return -1;
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi < 0 ? n : -1;
}

int cli_hex_opt(cli_args *a, const char *name, int required, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    const char *v = cli_opt(a, name);
    if (!v) {
        if (find_opt(a, name) >= 0) {
            cli_error(a, "--%s needs a value", name);
            return CLI_USAGE;
        }
        if (required) {
            cli_error(a, "missing --%s", name);
            return CLI_USAGE;
        }
        return CLI_OK;
    }
    const char *text = v;
    uint8_t *file = NULL;
    size_t tlen = strlen(v);
    if (v[0] == '@') {
        int rc = cli_read_file(a, v + 1, &file, &tlen);
        if (rc)
            return rc;
        text = (const char *)file;
    }
    uint8_t *buf = malloc(tlen / 2 + 1);
    long n = buf ? unhex(buf, text, tlen) : -1;
    if (file)
        cli_free_secret(file, tlen);
    if (n < 0) {
        cli_free_secret(buf, tlen / 2 + 1);
        cli_error(a, "--%s is not valid hex", name);
        return CLI_USAGE;
    }
    *out = buf;
    *len = (size_t)n;
    return CLI_OK;
}

int cli_hex_fixed(cli_args *a, const char *name, uint8_t *out, size_t len, int pad)
{
    uint8_t *buf;
    size_t n;
    int rc = cli_hex_opt(a, name, 1, &buf, &n);
    if (rc)
        return rc;
    if (n == len || (pad && n > 0 && n < len)) {
        memset(out, 0, len - n);
        memcpy(out + (len - n), buf, n);
        cli_free_secret(buf, n);
        return CLI_OK;
    }
    cli_free_secret(buf, n);
    cli_error(a, "--%s must be %zu bytes (%zu hex digits), got %zu bytes", name, len, 2 * len, n);
    return CLI_USAGE;
}

void cli_print_hex(FILE *f, const uint8_t *p, size_t n)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        fputc(d[p[i] >> 4], f);
        fputc(d[p[i] & 15], f);
    }
}

/* The JSON writer keeps no state beyond stdout: a leading comma is decided by
 * the caller-visible sequence begin, field, field, end. */
static int json_first;

void cli_json_begin(void)
{
    fputc('{', stdout);
    json_first = 1;
}

static void json_key(const char *key)
{
    if (!json_first)
        fputs(", ", stdout);
    json_first = 0;
    printf("\"%s\": ", key);
}

void cli_json_hex(const char *key, const uint8_t *p, size_t n)
{
    json_key(key);
    fputc('"', stdout);
    cli_print_hex(stdout, p, n);
    fputc('"', stdout);
}

void cli_json_string(const char *value)
{
    fputc('"', stdout);
    for (const char *s = value; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            fputc(c, stdout);
    }
    fputc('"', stdout);
}

void cli_json_str(const char *key, const char *value)
{
    json_key(key);
    cli_json_string(value);
}

void cli_json_raw(const char *key, const char *raw)
{
    json_key(key);
    fputs(raw, stdout);
}

void cli_json_end(void)
{
    fputs("}\n", stdout);
}

mcsec_keystore *cli_load_store(cli_args *a, int *rc, int required)
{
    const char *path = cli_opt(a, "store"), *pf = cli_opt(a, "passphrase-file");
    if (path == NULL) {
        if (required) {
            cli_error(a, "missing --store");
            *rc = CLI_USAGE;
        }
        return NULL;
    }
    char pass[1024] = "";
    const char *pp = getenv("MCSEC_KEYSTORE_PASSPHRASE");
    if (pf != NULL) {
        uint8_t *b;
        size_t n;
        if (cli_read_file(a, pf, &b, &n)) {
            *rc = CLI_USAGE;
            return NULL;
        }
        while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r'))
            n--;
        if (n >= sizeof pass)
            n = sizeof pass - 1;
        memcpy(pass, b, n);
        pass[n] = 0;
        cli_free_secret(b, n);
        pp = pass;
    }
    mcsec_keystore *ks = calloc(1, sizeof *ks);
    mcsec_err err = ks ? mcsec_keystore_load(ks, path, pp && pp[0] ? pp : NULL, 0) : MCSEC_ERR_NOMEM;
    mcsec_wipe(pass, sizeof pass);
    if (err == MCSEC_OK && !ks->has_cert)
        err = MCSEC_ERR_MISSING;
    if (err != MCSEC_OK) {
        cli_error(a, "cannot use the store %s: %s", path, mcsec_strerror(err));
        *rc = err == MCSEC_ERR_VERIFY || err == MCSEC_ERR_DENIED ? CLI_REJECT : CLI_USAGE;
        if (ks != NULL) {
            mcsec_keystore_wipe(ks);
            free(ks);
        }
        return NULL;
    }
    return ks;
}

void cli_free_store(mcsec_keystore *ks)
{
    if (ks != NULL) {
        mcsec_keystore_wipe(ks);
        free(ks);
    }
}
