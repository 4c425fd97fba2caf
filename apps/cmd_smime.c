/* mcsec smime protect|unprotect — S/MIME (CMS) bodies of SIP messages;
 * mcsec cert selfsign — the self-signed certificates they use. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "mcsec/cert.h"
#include "mcsec/smime.h"

static const char smime_help[] =
    "usage: mcsec smime protect --in F [--sign --cert C --key K]\n"
    "                           [--encrypt-to CERT | --kek H --kek-id H]\n"
    "                           [--sign-first] [--base64] [--cipher NAME]\n"
    "       mcsec smime unprotect --in F [--kek H --kek-id H | --cert C --key K]\n"
    "                           [--trust CERT]\n"
    "\n"
    "protect   replaces the body of the SIP message in F by an application/pkcs7-mime\n"
    "          body (CMS, RFC 5652): SignedData (SHA-256, signer certificate C with key K,\n"
    "          PEM, P-256 or RSA) and/or EnvelopedData to CERT (RSA: RSAES-OAEP; EC: ECDH)\n"
    "          or to a 16/32-octet KEK (hex) with its KEK identifier (hex, AES key wrap).\n"
    "          Signed and encrypted: encrypt, then sign, unless --sign-first. The body is\n"
    "          binary DER unless --base64. --cipher aes128-cbc|aes256-cbc|aes128-gcm|\n"
    "          aes256-gcm; default aes128-cbc when signed, aes128-gcm (AuthEnvelopedData)\n"
    "          when only encrypted. Writes the protected message to stdout.\n"
    "unprotect verifies and decrypts every layer and writes the original message to\n"
    "          stdout. --trust CERT (PEM, one or more CA or self-signed certificates)\n"
    "          requires a signature by a certificate chaining to one of them; without\n"
    "          it a signature is checked against the certificate it carries (integrity,\n"
    "          not authentication). Exit 1 if the message is rejected.\n"
    "Binary values are hex; '--kek @FILE' reads the hex from FILE. See docs/smime.md.\n";

static const char cert_help[] =
    "usage: mcsec cert selfsign --cn NAME [--uri URI] [--key-type ec|rsa]\n"
    "                           --key-out F --cert-out F [--days N]\n"
    "\n"
    "Makes a key pair (P-256 by default, or RSA 2048) and a self-signed X.509 v3\n"
    "certificate (SHA-256, subjectAltName URI if given, S/MIME key usages, valid N\n"
    "days from now, 365 by default). The key is written as PKCS#8 PEM with mode 0600.\n";

/* Reads a PEM file named by --name; 0, or 2 after an error. */
static int read_pem(cli_args *a, const char *name, char **out, size_t *len, int required)
{
    *out = NULL;
    *len = 0;
    const char *path = cli_opt(a, name);
    if (!path) {
        if (required || cli_present(a, name)) {
            cli_error(a, "missing --%s", name);
            return CLI_USAGE;
        }
        return CLI_OK;
    }
    uint8_t *buf;
    if (cli_read_file(a, path, &buf, len))
        return CLI_USAGE;
    *out = (char *)buf;
    return CLI_OK;
}

static int write_all(FILE *f, const uint8_t *p, size_t n)
{
    return fwrite(p, 1, n, f) == n && fflush(f) == 0 ? 0 : -1;
}

/* The exit status of a verb: its error, or the output written to stdout. */
static int finish(cli_args *a, mcsec_err err, const uint8_t *out, size_t n, int is_check)
{
    if (err)
        return cli_report(a, err, is_check);
    if (write_all(stdout, out, n)) {
        cli_error(a, "cannot write the output");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* Reads --kek/--kek-id if present: both or neither, KEK 16 or 32 octets. */
static int read_kek(cli_args *a, uint8_t **kek, size_t *kek_len, uint8_t **id, size_t *id_len)
{
    *kek = *id = NULL;
    *kek_len = *id_len = 0;
    int want = cli_present(a, "kek") || cli_present(a, "kek-id");
    if (!want)
        return CLI_OK;
    if (cli_hex_opt(a, "kek", 1, kek, kek_len) || cli_hex_opt(a, "kek-id", 1, id, id_len))
        return CLI_USAGE;
    if (*kek_len != 16 && *kek_len != 32) {
        cli_error(a, "--kek must be 16 or 32 bytes, got %zu", *kek_len);
        return CLI_USAGE;
    }
    if (*id_len == 0 || *id_len > MCSEC_SMIME_MAX_KEK_ID) {
        cli_error(a, "--kek-id must be 1..%d bytes", MCSEC_SMIME_MAX_KEK_ID);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int parse_cipher(cli_args *a, mcsec_smime_cipher *c)
{
    static const struct { const char *name; mcsec_smime_cipher c; } t[] = {
        { "aes128-cbc", MCSEC_SMIME_AES128_CBC }, { "aes256-cbc", MCSEC_SMIME_AES256_CBC },
        { "aes128-gcm", MCSEC_SMIME_AES128_GCM }, { "aes256-gcm", MCSEC_SMIME_AES256_GCM },
    };
    *c = MCSEC_SMIME_CIPHER_DEFAULT;
    const char *v = cli_opt(a, "cipher");
    if (!v) {
        if (cli_present(a, "cipher")) {
            cli_error(a, "--cipher needs a value");
            return CLI_USAGE;
        }
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(v, t[i].name) == 0) {
            *c = t[i].c;
            return CLI_OK;
        }
    cli_error(a, "unknown --cipher '%s' (aes128-cbc, aes256-cbc, aes128-gcm, aes256-gcm)", v);
    return CLI_USAGE;
}

static int smime_protect(cli_args *a)
{
    int rc = CLI_USAGE;
    uint8_t *msg = NULL, *kek = NULL, *kid = NULL, *out = NULL;
    char *cert = NULL, *key = NULL, *rcert = NULL;
    size_t msg_len = 0, kek_len = 0, kid_len = 0, cert_len = 0, key_len = 0, rcert_len = 0, out_len = 0;
    mcsec_smime_protect_opts o = { 0 };
    const char *in = cli_opt(a, "in");
    int sign = cli_flag(a, "sign");
    o.sign_first = cli_flag(a, "sign-first");
    o.base64 = cli_flag(a, "base64");
    if (!in) {
        cli_error(a, "missing --in");
        goto done;
    }
    if (sign != (cli_present(a, "cert") || cli_present(a, "key"))) {
        cli_error(a, sign ? "--sign needs --cert and --key" : "--cert/--key are for --sign");
        goto done;
    }
    if (sign && (read_pem(a, "cert", &cert, &cert_len, 1) || read_pem(a, "key", &key, &key_len, 1)))
        goto done;
    if (read_pem(a, "encrypt-to", &rcert, &rcert_len, 0) ||
        read_kek(a, &kek, &kek_len, &kid, &kid_len) || parse_cipher(a, &o.cipher))
        goto done;
    if (rcert && kek) {
        cli_error(a, "give --encrypt-to or --kek/--kek-id, not both");
        goto done;
    }
    if (!sign && !rcert && !kek) {
        cli_error(a, "nothing to do: give --sign and/or --encrypt-to or --kek/--kek-id");
        goto done;
    }
    if (o.sign_first && !(sign && (rcert || kek))) {
        cli_error(a, "--sign-first needs both --sign and an encryption");
        goto done;
    }
    if (cli_check_unused(a) || cli_read_file(a, in, &msg, &msg_len))
        goto done;
    o.sign_cert_pem = cert;
    o.sign_cert_pem_len = cert_len;
    o.sign_key_pem = key;
    o.sign_key_pem_len = key_len;
    o.recip_cert_pem = rcert;
    o.recip_cert_pem_len = rcert_len;
    o.kek = kek;
    o.kek_len = kek_len;
    o.kek_id = kid;
    o.kek_id_len = kid_len;
    mcsec_err err = mcsec_smime_protect(NULL, &out_len, msg, msg_len, &o);
    if (err == MCSEC_ERR_BUFFER) {
        out = malloc(out_len);
        err = out ? mcsec_smime_protect(out, &out_len, msg, msg_len, &o) : MCSEC_ERR_NOMEM;
    }
    rc = finish(a, err, out, out_len, 0);
done:
    cli_free_secret(msg, msg_len);
    cli_free_secret(out, out_len);
    cli_free_secret(kek, kek_len);
    cli_free_secret(kid, kid_len);
    cli_free_secret((uint8_t *)key, key_len);
    free(cert);
    free(rcert);
    return rc;
}

static int smime_unprotect(cli_args *a)
{
    int rc = CLI_USAGE;
    uint8_t *msg = NULL, *kek = NULL, *kid = NULL, *out = NULL;
    char *cert = NULL, *key = NULL, *trust = NULL;
    size_t msg_len = 0, kek_len = 0, kid_len = 0, cert_len = 0, key_len = 0, trust_len = 0, out_len = 0;
    mcsec_smime_unprotect_opts o = { 0 };
    const char *in = cli_opt(a, "in");
    if (!in) {
        cli_error(a, "missing --in");
        goto done;
    }
    int has_cert = cli_present(a, "cert") || cli_present(a, "key");
    if (has_cert && (read_pem(a, "cert", &cert, &cert_len, 1) || read_pem(a, "key", &key, &key_len, 1)))
        goto done;
    if (read_kek(a, &kek, &kek_len, &kid, &kid_len) || read_pem(a, "trust", &trust, &trust_len, 0))
        goto done;
    if (kek && cert) {
        cli_error(a, "give --kek/--kek-id or --cert/--key, not both");
        goto done;
    }
    if (cli_check_unused(a) || cli_read_file(a, in, &msg, &msg_len))
        goto done;
    o.kek = kek;
    o.kek_len = kek_len;
    o.kek_id = kid;
    o.kek_id_len = kid_len;
    o.cert_pem = cert;
    o.cert_pem_len = cert_len;
    o.key_pem = key;
    o.key_pem_len = key_len;
    o.trust_pem = trust;
    o.trust_pem_len = trust_len;
    mcsec_err err = mcsec_smime_unprotect(NULL, &out_len, NULL, msg, msg_len, &o);
    if (err == MCSEC_ERR_BUFFER) {
        out = malloc(out_len ? out_len : 1);
        err = out ? mcsec_smime_unprotect(out, &out_len, NULL, msg, msg_len, &o) : MCSEC_ERR_NOMEM;
    }
    rc = finish(a, err, out, out_len, 1);
done:
    cli_free_secret(msg, msg_len);
    cli_free_secret(out, out_len);
    cli_free_secret(kek, kek_len);
    cli_free_secret(kid, kid_len);
    cli_free_secret((uint8_t *)key, key_len);
    free(cert);
    free(trust);
    return rc;
}

static const cli_verb smime_verbs[] = {
    { "protect", smime_protect },
    { "unprotect", smime_unprotect },
};

int cmd_smime(int argc, char **argv)
{
    return cli_dispatch("smime", smime_help, smime_verbs, sizeof smime_verbs / sizeof smime_verbs[0],
                        argc, argv);
}

/* Writes n bytes to a new file with the given mode; 0 or -1. */
static int write_file(const char *path, const char *p, size_t n, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, p + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    return close(fd);
}

static int cert_selfsign(cli_args *a)
{
    mcsec_cert_params p = { 0 };
    p.cn = cli_opt(a, "cn");
    p.uri = cli_opt(a, "uri");
    const char *kt = cli_opt(a, "key-type"), *kout = cli_opt(a, "key-out"),
               *cout = cli_opt(a, "cert-out"), *days = cli_opt(a, "days");
    if (!p.cn || !kout || !cout) {
        cli_error(a, "missing --%s", !p.cn ? "cn" : !kout ? "key-out" : "cert-out");
        return CLI_USAGE;
    }
    if (kt && strcmp(kt, "ec") != 0 && strcmp(kt, "rsa") != 0) {
        cli_error(a, "--key-type must be ec or rsa");
        return CLI_USAGE;
    }
    p.key_type = kt && strcmp(kt, "rsa") == 0 ? MCSEC_CERT_KEY_RSA : MCSEC_CERT_KEY_EC;
    if (days) {
        char *end = NULL;
        errno = 0;
        unsigned long d = strtoul(days, &end, 10);
        if (errno || !*days || *end || days[0] == '-' || d == 0 || d > 36500) {
            cli_error(a, "--days must be 1..36500");
            return CLI_USAGE;
        }
        p.days = (unsigned)d;
    }
    if (cli_check_unused(a))
        return CLI_USAGE;
    char key[4096], cert[4096];
    size_t key_len = sizeof key, cert_len = sizeof cert;
    mcsec_err err = mcsec_cert_selfsign(key, &key_len, cert, &cert_len, &p);
    int rc = CLI_OK;
    if (err) {
        rc = cli_report(a, err, 0);
    } else if (write_file(kout, key, key_len, 0600) || write_file(cout, cert, cert_len, 0644)) {
        cli_error(a, "cannot write %s or %s: %s", kout, cout, strerror(errno));
        rc = CLI_USAGE;
    }
    mcsec_wipe(key, sizeof key);
    return rc;
}

static const cli_verb cert_verbs[] = {
    { "selfsign", cert_selfsign },
};

int cmd_cert(int argc, char **argv)
{
    return cli_dispatch("cert", cert_help, cert_verbs, sizeof cert_verbs / sizeof cert_verbs[0],
                        argc, argv);
}
