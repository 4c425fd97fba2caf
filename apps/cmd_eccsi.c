/* mcsec eccsi keygen|issue|validate|sign|verify */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mcsec/eccsi.h"

static const char eccsi_help[] =
    "usage: mcsec eccsi <verb> [options]   (RFC 6507 over P-256/SHA-256)\n"
    "\n"
    "  keygen                                     KMS master key pair\n"
    "        -> {\"ksak\": 32 B, \"kpak\": 65 B}\n"
    "  issue --ksak H --id H                      a user's signing key for identifier id\n"
    "        -> {\"ssk\": 32 B, \"pvt\": 65 B, \"hs\": 32 B}\n"
    "  validate --kpak H --id H --ssk H --pvt H   exit 0 valid, 1 invalid\n"
    "  sign --kpak H --id H --ssk H --pvt H (--msg H | --msg-file F)\n"
    "        -> signature hex (129 B: r || s || PVT); the key is validated first\n"
    "  verify --kpak H --id H (--msg H | --msg-file F) --sig H\n"
    "        exit 0 valid, 1 invalid\n"
    "\n"
    "H is hex; '--name @FILE' reads the hex from FILE. --id is the identifier's\n"
    "octets (a 32-byte TS 33.180 UID, or RFC 6509's \"2011-02\\0tel:+447700900123\\0\").\n";

/* --id (any length, may be empty only if given as "") */
static int get_id(cli_args *a, uint8_t **id, size_t *len)
{
    return cli_hex_opt(a, "id", 1, id, len);
}

/* --msg H or --msg-file F (raw bytes) */
static int get_msg(cli_args *a, uint8_t **msg, size_t *len)
{
    const char *file = cli_opt(a, "msg-file");
    if (file)
        return cli_read_file(a, file, msg, len);
    return cli_hex_opt(a, "msg", 1, msg, len);
}

static int do_keygen(cli_args *a)
{
    uint8_t ksak[32], kpak[65];
    if (cli_check_unused(a))
        return CLI_USAGE;
    mcsec_err err = mcsec_eccsi_kms_keygen(ksak, kpak, NULL);
    if (err)
        return cli_report(a, err, 0);
    cli_json_begin();
    cli_json_hex("ksak", ksak, 32);
    cli_json_hex("kpak", kpak, 65);
    cli_json_end();
    mcsec_wipe(ksak, sizeof ksak);
    return CLI_OK;
}

static int do_issue(cli_args *a)
{
    uint8_t ksak[32], ssk[32], pvt[65], hs[32];
    uint8_t *id = NULL;
    size_t id_len = 0;
    int rc = cli_hex_fixed(a, "ksak", ksak, 32, 1);
    if (!rc)
        rc = get_id(a, &id, &id_len);
    if (!rc)
        rc = cli_check_unused(a);
    if (!rc) {
        mcsec_err err = mcsec_eccsi_kms_issue(ssk, pvt, hs, ksak, id, id_len, NULL);
        if (err) {
            rc = cli_report(a, err, 0);
        } else {
            cli_json_begin();
            cli_json_hex("ssk", ssk, 32);
            cli_json_hex("pvt", pvt, 65);
            cli_json_hex("hs", hs, 32);
            cli_json_end();
        }
    }
    mcsec_wipe(ksak, sizeof ksak);
    mcsec_wipe(ssk, sizeof ssk);
    free(id);
    return rc;
}

/* Reads --kpak --id --ssk --pvt and validates them into *key. */
static int load_key(cli_args *a, mcsec_eccsi_key *key)
{
    uint8_t kpak[65], ssk[32], pvt[65];
    uint8_t *id = NULL;
    size_t id_len = 0;
    int rc = cli_hex_fixed(a, "kpak", kpak, 65, 0);
    if (!rc)
        rc = get_id(a, &id, &id_len);
    if (!rc)
        rc = cli_hex_fixed(a, "ssk", ssk, 32, 1);
    if (!rc)
        rc = cli_hex_fixed(a, "pvt", pvt, 65, 0);
    if (!rc) {
        mcsec_err err = mcsec_eccsi_key_init(key, kpak, id, id_len, ssk, pvt);
        if (err)
            rc = cli_report(a, err, 1);
    }
    mcsec_wipe(ssk, sizeof ssk);
    free(id);
    return rc;
}

static int do_validate(cli_args *a)
{
    mcsec_eccsi_key key;
    int rc = load_key(a, &key);
    if (!rc)
        rc = cli_check_unused(a);
    mcsec_eccsi_key_wipe(&key);
    if (!rc)
        printf("valid\n");
    return rc;
}

static int do_sign(cli_args *a)
{
    mcsec_eccsi_key key;
    uint8_t *msg = NULL, sig[MCSEC_ECCSI_SIG_BYTES];
    size_t msg_len = 0;
    int rc = load_key(a, &key);
    if (!rc)
        rc = get_msg(a, &msg, &msg_len);
    if (!rc)
        rc = cli_check_unused(a);
    if (!rc) {
        mcsec_err err = mcsec_eccsi_sign(sig, &key, msg, msg_len, NULL);
        if (err) {
            rc = cli_report(a, err, 0);
        } else {
            cli_print_hex(stdout, sig, sizeof sig);
            putchar('\n');
        }
    }
    mcsec_eccsi_key_wipe(&key);
    free(msg);
    return rc;
}

static int do_verify(cli_args *a)
{
    uint8_t kpak[65], sig[MCSEC_ECCSI_SIG_BYTES];
    uint8_t *id = NULL, *msg = NULL;
    size_t id_len = 0, msg_len = 0;
    int rc = cli_hex_fixed(a, "kpak", kpak, 65, 0);
    if (!rc)
        rc = get_id(a, &id, &id_len);
    if (!rc)
        rc = get_msg(a, &msg, &msg_len);
    if (!rc)
        rc = cli_hex_fixed(a, "sig", sig, sizeof sig, 0);
    if (!rc)
        rc = cli_check_unused(a);
    if (!rc) {
        mcsec_err err = mcsec_eccsi_verify(kpak, id, id_len, msg, msg_len, sig);
        if (err)
            rc = cli_report(a, err, 1);
        else
            printf("valid\n");
    }
    free(id);
    free(msg);
    return rc;
}

int cmd_eccsi(int argc, char **argv)
{
    static const cli_verb verbs[] = {
        { "keygen", do_keygen },
        { "issue", do_issue },
        { "validate", do_validate },
        { "sign", do_sign },
        { "verify", do_verify },
    };
    return cli_dispatch("eccsi", eccsi_help, verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}
