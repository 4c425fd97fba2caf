/* mcsec sakke keygen|issue|validate|encap|decap */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mcsec/sakke.h"

static const char sakke_help[] =
    "usage: mcsec sakke <verb> [options]   (RFC 6508, parameter set 1 of RFC 6509)\n"
    "\n"
    "  keygen                                  KMS master secret and public key\n"
    "        -> {\"z\": 128 B, \"zt\": 257 B}\n"
    "  issue --z H --id H                      a user's receiver secret key\n"
    "        -> {\"rsk\": 257 B}\n"
    "  validate --zt H --id H --rsk H          exit 0 valid, 1 invalid\n"
    "  encap --zt H --id H [--ssv H]           encapsulate a 16-byte SSV (random if absent)\n"
    "        -> {\"ssv\": 16 B, \"sed\": 273 B}\n"
    "  decap --zt H --id H --rsk H --sed H     SSV hex on stdout; exit 1 if the\n"
    "                                          encapsulated data does not check\n"
    "\n"
    "H is hex; '--name @FILE' reads the hex from FILE. --id is the identifier's\n"
    "octets (a 32-byte TS 33.180 UID, or RFC 6509's \"2011-02\\0tel:+447700900123\\0\").\n"
    "Points are 0x04 || x || y; --z may be shorter than 128 bytes (an integer).\n";

static int do_keygen(cli_args *a)
{
    uint8_t z[MCSEC_SAKKE_Z_BYTES], zt[MCSEC_SAKKE_POINT_BYTES];
    if (cli_check_unused(a))
        return CLI_USAGE;
    mcsec_err err = mcsec_sakke_kms_keygen(z, zt, NULL);
    if (err)
        return cli_report(a, err, 0);
    cli_json_begin();
    cli_json_hex("z", z, sizeof z);
    cli_json_hex("zt", zt, sizeof zt);
    cli_json_end();
    mcsec_wipe(z, sizeof z);
    return CLI_OK;
}

static int do_issue(cli_args *a)
{
    uint8_t z[MCSEC_SAKKE_Z_BYTES], rsk[MCSEC_SAKKE_RSK_BYTES];
    uint8_t *id = NULL;
    size_t id_len = 0;
    int rc = cli_hex_fixed(a, "z", z, sizeof z, 1);
    if (!rc)
        rc = cli_hex_opt(a, "id", 1, &id, &id_len);
    if (!rc)
        rc = cli_check_unused(a);
    if (!rc) {
        mcsec_err err = mcsec_sakke_kms_issue(rsk, z, id, id_len);
        if (err) {
            rc = cli_report(a, err, 0);
        } else {
            cli_json_begin();
            cli_json_hex("rsk", rsk, sizeof rsk);
            cli_json_end();
        }
    }
    mcsec_wipe(z, sizeof z);
    mcsec_wipe(rsk, sizeof rsk);
    free(id);
    return rc;
}

static int do_validate(cli_args *a)
{
    uint8_t zt[MCSEC_SAKKE_POINT_BYTES], rsk[MCSEC_SAKKE_RSK_BYTES];
    uint8_t *id = NULL;
    size_t id_len = 0;
    int rc = cli_hex_fixed(a, "zt", zt, sizeof zt, 0);
    if (!rc)
        rc = cli_hex_opt(a, "id", 1, &id, &id_len);
    if (!rc)
        rc = cli_hex_fixed(a, "rsk", rsk, sizeof rsk, 0);
    if (!rc)
        rc = cli_check_unused(a);
    if (!rc) {
        mcsec_err err = mcsec_sakke_validate_rsk(zt, id, id_len, rsk);
        if (err)
            rc = cli_report(a, err, 1);
        else
            printf("valid\n");
    }
    mcsec_wipe(rsk, sizeof rsk);
    free(id);
    return rc;
}

static int do_encap(cli_args *a)
{
    uint8_t zt[MCSEC_SAKKE_POINT_BYTES], ssv[MCSEC_SAKKE_SSV_BYTES], sed[MCSEC_SAKKE_SED_BYTES];
    uint8_t *id = NULL;
    size_t id_len = 0;
    int rc = cli_hex_fixed(a, "zt", zt, sizeof zt, 0);
    if (!rc)
        rc = cli_hex_opt(a, "id", 1, &id, &id_len);
    if (!rc) {
        if (cli_present(a, "ssv")) {
            rc = cli_hex_fixed(a, "ssv", ssv, sizeof ssv, 0);
        } else {
            const mcsec_rng *rng = mcsec_rng_default();
            if (rng->fill(rng->ctx, ssv, sizeof ssv) != 0) {
                cli_error(a, "%s", mcsec_strerror(MCSEC_ERR_RNG));
                rc = CLI_USAGE;
            }
        }
    }
    if (!rc)
        rc = cli_check_unused(a);
    if (!rc) {
        mcsec_err err = mcsec_sakke_encapsulate(sed, zt, id, id_len, ssv);
        if (err) {
            rc = cli_report(a, err, 0);
        } else {
            cli_json_begin();
            cli_json_hex("ssv", ssv, sizeof ssv);
            cli_json_hex("sed", sed, sizeof sed);
            cli_json_end();
        }
    }
    mcsec_wipe(ssv, sizeof ssv);
    free(id);
    return rc;
}

static int do_decap(cli_args *a)
{
    uint8_t zt[MCSEC_SAKKE_POINT_BYTES], rsk[MCSEC_SAKKE_RSK_BYTES], sed[MCSEC_SAKKE_SED_BYTES];
    uint8_t ssv[MCSEC_SAKKE_SSV_BYTES];
    uint8_t *id = NULL;
    size_t id_len = 0;
    int rc = cli_hex_fixed(a, "zt", zt, sizeof zt, 0);
    if (!rc)
        rc = cli_hex_opt(a, "id", 1, &id, &id_len);
    if (!rc)
        rc = cli_hex_fixed(a, "rsk", rsk, sizeof rsk, 0);
    if (!rc)
        rc = cli_hex_fixed(a, "sed", sed, sizeof sed, 0);
    if (!rc)
        rc = cli_check_unused(a);
    if (!rc) {
        mcsec_err err = mcsec_sakke_decapsulate(ssv, zt, id, id_len, rsk, sed);
        if (err) {
            rc = cli_report(a, err, 1);
        } else {
            cli_print_hex(stdout, ssv, sizeof ssv);
            putchar('\n');
        }
    }
    mcsec_wipe(rsk, sizeof rsk);
    mcsec_wipe(ssv, sizeof ssv);
    free(id);
    return rc;
}

int cmd_sakke(int argc, char **argv)
{
    static const cli_verb verbs[] = {
        { "keygen", do_keygen },
        { "issue", do_issue },
        { "validate", do_validate },
        { "encap", do_encap },
        { "decap", do_decap },
    };
    return cli_dispatch("sakke", sakke_help, verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}
