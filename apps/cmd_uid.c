/* mcsec uid --uri URI --kms-uri S --period-len N --period-offset N (--period-no N | --time UNIX) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mcsec/uid.h"

static const char uid_help[] =
    "usage: mcsec uid --uri URI --kms-uri S --period-len N --period-offset N\n"
    "                 (--period-no N | --time UNIX)\n"
    "\n"
    "Prints the TS 33.180 F.2.1 MIKEY-SAKKE UID (32 bytes, hex) of URI under the KMS S\n"
    "for a key period, given by number or by a Unix time inside it.\n";

/* Parses a decimal unsigned 64-bit option; 0 on success, 2 after an error. */
static int get_u64(cli_args *a, const char *name, uint64_t *out)
{
    const char *v = cli_opt(a, name);
    char *end = NULL;
    if (!v) {
        cli_error(a, "missing --%s", name);
        return CLI_USAGE;
    }
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (errno || !*v || *end || v[0] == '-') {
        cli_error(a, "--%s must be a non-negative decimal integer", name);
        return CLI_USAGE;
    }
    *out = x;
    return CLI_OK;
}

int cmd_uid(int argc, char **argv)
{
    if (cli_wants_help(argc - 1, argv + 1)) {
        fputs(uid_help, stdout);
        return CLI_OK;
    }
    cli_args a;
    if (cli_args_init(&a, "uid", NULL, argc - 1, argv + 1))
        return CLI_USAGE;
    a.area = NULL;
    a.verb = "uid";
    const char *uri = cli_opt(&a, "uri"), *kms = cli_opt(&a, "kms-uri");
    uint64_t len = 0, off = 0, no = 0, t = 0;
    if (!uri || !kms) {
        cli_error(&a, "missing --%s", uri ? "kms-uri" : "uri");
        return CLI_USAGE;
    }
    if (get_u64(&a, "period-len", &len) || get_u64(&a, "period-offset", &off))
        return CLI_USAGE;
    int by_no = cli_present(&a, "period-no"), by_time = cli_present(&a, "time");
    if (by_no == by_time) {
        cli_error(&a, "give exactly one of --period-no and --time");
        return CLI_USAGE;
    }
    if (by_no ? get_u64(&a, "period-no", &no) : get_u64(&a, "time", &t))
        return CLI_USAGE;
    if (cli_check_unused(&a))
        return CLI_USAGE;
    if (by_time && (t > UINT64_MAX - MCSEC_NTP_UNIX_OFFSET ||
                    mcsec_uid_period_no(&no, t + MCSEC_NTP_UNIX_OFFSET, len, off) != MCSEC_OK)) {
        cli_error(&a, "time is outside the key periods (need period-len > 0, period-offset < "
                      "period-len, and a time after the offset)");
        return CLI_USAGE;
    }
    uint8_t uid[MCSEC_UID_BYTES];
    mcsec_err err = mcsec_uid_compute(uid, uri, strlen(uri), kms, strlen(kms), len, off, no);
    if (err)
        return cli_report(&a, err, 0);
    cli_print_hex(stdout, uid, sizeof uid);
    putchar('\n');
    return CLI_OK;
}
