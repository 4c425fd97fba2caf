/* mcsec srtp derive: SRTP master key, salt and MKI from a distributed key. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mcsec/mikey.h"

static const char srtp_help[] =
    "usage: mcsec srtp derive --key H --key-id H --rand H --cs-id N [--member URI]\n"
    "\n"
    "  SRTP keying of TS 33.180 §7.4 from a GMK / PCK / CSK (--key, 16 bytes), its ID\n"
    "  (--key-id, 4 bytes), the RAND of its I_MESSAGE and the CS ID (0-255):\n"
    "  -> {\"master_key\": 16 B, \"master_salt\": 12 B, \"mki\": 4 or 8 B}\n"
    "  With --member (GMK), the member's GUK-ID is the CSB ID and MKI = GMK-ID || GUK-ID;\n"
    "  otherwise CSB ID and MKI are the key ID.\n";

static int do_derive(cli_args *a)
{
    uint8_t key[16], kid[4], mk[16], ms[12], mki[8];
    uint8_t *rand = NULL;
    size_t rand_len = 0, mki_len = 0;
    const char *member = cli_opt(a, "member"), *cs = cli_opt(a, "cs-id");
    char *end = NULL;
    long cs_id = cs ? strtol(cs, &end, 10) : -1;
    int rc = cli_hex_fixed(a, "key", key, 16, 0);
    if (!rc)
        rc = cli_hex_fixed(a, "key-id", kid, 4, 0);
    if (!rc)
        rc = cli_hex_opt(a, "rand", 1, &rand, &rand_len);
    if (!rc && (rand_len == 0 || rand_len > 255)) {
        cli_error(a, "--rand must be 1..255 bytes");
        rc = CLI_USAGE;
    }
    if (!rc && (!cs || !*cs || *end || cs_id < 0 || cs_id > 255)) {
        cli_error(a, "--cs-id must be a number 0..255");
        rc = CLI_USAGE;
    }
    if (!rc)
        rc = cli_check_unused(a);
    if (!rc) {
        uint32_t id = (uint32_t)kid[0] << 24 | (uint32_t)kid[1] << 16 | (uint32_t)kid[2] << 8 | kid[3];
        mcsec_err err = mcsec_mikey_srtp_keys(mk, ms, mki, &mki_len, key, 16, id, rand, rand_len,
                                              (uint8_t)cs_id, member);
        if (err) {
            rc = cli_report(a, err, 0);
        } else {
            cli_json_begin();
            cli_json_hex("master_key", mk, 16);
            cli_json_hex("master_salt", ms, 12);
            cli_json_hex("mki", mki, mki_len);
            cli_json_end();
        }
    }
    mcsec_wipe(key, sizeof key);
    mcsec_wipe(mk, sizeof mk);
    mcsec_wipe(ms, sizeof ms);
    free(rand);
    return rc;
}

int cmd_srtp(int argc, char **argv)
{
    static const cli_verb verbs[] = {
        { "derive", do_derive },
    };
    return cli_dispatch("srtp", srtp_help, verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}
