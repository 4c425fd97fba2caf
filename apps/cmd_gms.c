/* mcsec gms ...: the group management server's key role (TS 33.180 §5.2.3,
 * Annex E.2) over a group state file and the GMS's own key store. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "mcsec/gms.h"
#include "mcsec/kmsclient.h"
#include "mcsec/mikey.h"
#include "mcsec/uid.h"

static const char gms_help[] =
    "usage: mcsec gms <verb> --state F [options]   (group key management, TS 33.180 §5.2.3, E.2)\n"
    "\n"
    "  create --group ID --store P --state F [--gms URI] [--activation N] [--expiry N]\n"
    "      a new group: fresh GMK, GMK-ID (purpose tag 0) and RAND, no members. The\n"
    "      GMS identity (--gms, default: the user of the store's key sets) signs\n"
    "      every GMK message with its key set from P. Refuses an existing F.\n"
    "  add --state F --member URI          a member (receives the current GMK at the\n"
    "                                      next distribute)\n"
    "  remove --state F --member URI       removes it and re-keys: a new GMK the\n"
    "                                      removed member never receives\n"
    "  rekey --state F                     a new GMK, GMK-ID and RAND\n"
    "  revoke --state F                    marks the current GMK revoked (status bit\n"
    "                                      0 cleared); distribute tells the members\n"
    "  show --state F                      the group as JSON (no key)\n"
    "  distribute --state F --store P [--member URI] [--time UNIX]\n"
    "      one GMK I_MESSAGE per member (or only --member): IDRi = the GMS, CSB-ID =\n"
    "      the member's GUK-ID, key parameters with the group ID, activation, expiry\n"
    "      and status, signed for the key period of --time (default now). Prints\n"
    "      JSON lines {\"member\", \"guk_id\", \"sdp\": \"a=key-mgmt:mikey ...\"}.\n"
    "\n"
    "F holds the GMK: it is written with mode 0600 and replaced atomically. The\n"
    "store passphrase comes from --passphrase-file F or MCSEC_KEYSTORE_PASSPHRASE.\n"
    "--activation/--expiry: the 40-bit key-parameter values (0 = from the message\n"
    "time / no expiry).\n";

static int load_state(cli_args *a, mcsec_gms_group *g)
{
    const char *path = cli_opt(a, "state");
    if (path == NULL) {
        cli_error(a, "missing --state");
        return CLI_USAGE;
    }
    mcsec_err err = mcsec_gms_load(g, path);
    if (err != MCSEC_OK) {
        cli_error(a, "cannot read the group state %s: %s", path, mcsec_strerror(err));
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int save_state(cli_args *a, const mcsec_gms_group *g, const char *path)
{
    mcsec_err err = mcsec_gms_save(g, path);
    if (err != MCSEC_OK) {
        cli_error(a, "cannot write the group state %s: %s", path, mcsec_strerror(err));
        return CLI_USAGE;
    }
    return CLI_OK;
}

static void print_group(const mcsec_gms_group *g)
{
    char id[9];
    snprintf(id, sizeof id, "%08x", (unsigned)g->gmk_id);
    cli_json_begin();
    cli_json_str("group_id", g->group_id);
    cli_json_str("gms", g->gms_uri);
    cli_json_str("gmk_id", id);
    printf(", \"generation\": %u, \"revoked\": %s, \"activation\": %llu, \"expiry\": %llu, \"members\": [",
           (unsigned)g->generation, (g->status & MCSEC_MIKEY_KP_STATUS_NOT_REVOKED) ? "false" : "true",
           (unsigned long long)g->activation, (unsigned long long)g->expiry);
    for (size_t i = 0; i < g->n_members; i++) {
        printf("%s\"", i ? ", " : "");
        for (const char *s = g->member[i]; *s; s++)
            printf(*s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
        printf("\"");
    }
    printf("]");
    cli_json_end();
}

static int get_u40(cli_args *a, const char *name, uint64_t *out)
{
    const char *v = cli_opt(a, name);
    char *end = NULL;
    *out = 0;
    if (v == NULL)
        return CLI_OK;
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *end || v[0] == '-' || x >= (1ull << 40)) {
        cli_error(a, "--%s must be a number below 2^40", name);
        return CLI_USAGE;
    }
    *out = x;
    return CLI_OK;
}

static int do_create(cli_args *a)
{
    const char *group = cli_opt(a, "group"), *state = cli_opt(a, "state"), *gms = cli_opt(a, "gms");
    uint64_t act = 0, exp = 0;
    int rc = CLI_OK;
    if (!group || !state) {
        cli_error(a, "missing --%s", group ? "state" : "group");
        return CLI_USAGE;
    }
    mcsec_keystore *ks = cli_load_store(a, &rc, 1);
    if (!rc)
        rc = get_u40(a, "activation", &act);
    if (!rc)
        rc = get_u40(a, "expiry", &exp);
    if (!rc)
        rc = cli_check_unused(a);
    if (!rc && gms == NULL) {
        if (ks->n_keysets == 0) {
            cli_error(a, "the store holds no key set (run mcsec kms fetch with the GMS's token)");
            rc = CLI_USAGE;
        } else {
            gms = ks->keysets[0].user_uri;
        }
    }
    struct stat st;
    if (!rc && stat(state, &st) == 0) {
        cli_error(a, "%s exists: a group is created once (use rekey)", state);
        rc = CLI_USAGE;
    }
    mcsec_gms_group *g = calloc(1, sizeof *g);
    if (!rc && g == NULL)
        rc = cli_report(a, MCSEC_ERR_NOMEM, 0);
    if (!rc) {
        mcsec_err err = mcsec_gms_init(g, group, gms, act, exp, NULL);
        if (err != MCSEC_OK)
            rc = cli_report(a, err, 0);
    }
    if (!rc)
        rc = save_state(a, g, state);
    if (!rc)
        print_group(g);
    if (g) {
        mcsec_gms_wipe(g);
        free(g);
    }
    cli_free_store(ks);
    return rc;
}

/* add / remove / rekey / revoke: load, change, save, show */
static int modify(cli_args *a, int what)
{
    const char *state = cli_opt(a, "state"), *member = what <= 1 ? cli_opt(a, "member") : NULL;
    int rc = CLI_OK;
    if (!state) {
        cli_error(a, "missing --state");
        return CLI_USAGE;
    }
    if (what <= 1 && !member) {
        cli_error(a, "missing --member");
        return CLI_USAGE;
    }
    mcsec_gms_group *g = calloc(1, sizeof *g);
    if (g == NULL)
        return cli_report(a, MCSEC_ERR_NOMEM, 0);
    rc = cli_check_unused(a);
    if (!rc) {
        mcsec_err err = mcsec_gms_load(g, state);
        if (err != MCSEC_OK) {
            cli_error(a, "cannot read the group state %s: %s", state, mcsec_strerror(err));
            rc = CLI_USAGE;
        } else {
            err = what == 0   ? mcsec_gms_add(g, member)
                  : what == 1 ? mcsec_gms_remove(g, member, NULL)
                  : what == 2 ? mcsec_gms_rekey(g, NULL)
                              : mcsec_gms_revoke(g);
            if (err != MCSEC_OK)
                rc = cli_report(a, err, err == MCSEC_ERR_NOT_FOUND || err == MCSEC_ERR_DUPLICATE);
        }
    }
    if (!rc)
        rc = save_state(a, g, state);
    if (!rc)
        print_group(g);
    mcsec_gms_wipe(g);
    free(g);
    return rc;
}

static int do_add(cli_args *a) { return modify(a, 0); }
static int do_remove(cli_args *a) { return modify(a, 1); }
static int do_rekey(cli_args *a) { return modify(a, 2); }
static int do_revoke(cli_args *a) { return modify(a, 3); }

static int do_show(cli_args *a)
{
    mcsec_gms_group *g = calloc(1, sizeof *g);
    if (g == NULL)
        return cli_report(a, MCSEC_ERR_NOMEM, 0);
    int rc = load_state(a, g);
    if (!rc)
        rc = cli_check_unused(a);
    if (!rc)
        print_group(g);
    mcsec_gms_wipe(g);
    free(g);
    return rc;
}

static int do_distribute(cli_args *a)
{
    const char *only = cli_opt(a, "member"), *tv = cli_opt(a, "time");
    int rc = CLI_OK;
    uint64_t t = (uint64_t)time(NULL);
    mcsec_gms_group *g = calloc(1, sizeof *g);
    if (g == NULL)
        return cli_report(a, MCSEC_ERR_NOMEM, 0);
    rc = load_state(a, g);
    mcsec_keystore *ks = rc ? NULL : cli_load_store(a, &rc, 1);
    if (!rc && tv != NULL) {
        char *end = NULL;
        t = strtoull(tv, &end, 10);
        if (!*tv || *end || tv[0] == '-') {
            cli_error(a, "--time must be Unix seconds");
            rc = CLI_USAGE;
        }
    }
    if (!rc)
        rc = cli_check_unused(a);
    const mcsec_kms_keyset *k = NULL;
    mcsec_mikey_kms kms;
    if (!rc) {
        uint64_t period = 0;
        uint64_t ntp = t + MCSEC_NTP_UNIX_OFFSET;
        if (mcsec_uid_period_no(&period, ntp, ks->cert.user_key_period, ks->cert.user_key_offset) == MCSEC_OK)
            k = mcsec_keystore_find(ks, g->gms_uri, period);
        if (k == NULL) {
            cli_error(a, "the store has no key set of %s for the key period of that time (run mcsec kms fetch)",
                      g->gms_uri);
            rc = CLI_REJECT;
        }
        /* one KMS for the GMS and its members (the store's certificate) */
        kms.uri = ks->cert.kms_uri;
        kms.period_len = ks->cert.user_key_period;
        kms.period_offset = ks->cert.user_key_offset;
        memcpy(kms.kpak, ks->cert.pub_auth_key, sizeof kms.kpak);
        memcpy(kms.zt, ks->cert.pub_enc_key, sizeof kms.zt);
    }
    size_t sent = 0;
    for (size_t i = 0; !rc && i < g->n_members; i++) {
        if (only && strcmp(only, g->member[i]) != 0)
            continue;
        uint8_t msg[2048];
        char sdp[4096], id[9];
        size_t n = sizeof msg, sl = sizeof sdp;
        uint32_t guk = 0;
        mcsec_err err = mcsec_gms_message(msg, &n, &guk, g, g->member[i], &kms, &kms, k->ssk, k->pvt,
                                          t + MCSEC_NTP_UNIX_OFFSET, NULL);
        if (err == MCSEC_OK)
            err = mcsec_mikey_to_sdp(sdp, &sl, msg, n);
        if (err != MCSEC_OK) {
            rc = cli_report(a, err, 0);
            break;
        }
        snprintf(id, sizeof id, "%08x", (unsigned)guk);
        cli_json_begin();
        cli_json_str("member", g->member[i]);
        cli_json_str("guk_id", id);
        cli_json_str("sdp", sdp);
        cli_json_end();
        sent++;
    }
    if (!rc && only && sent == 0)
        rc = cli_report(a, MCSEC_ERR_NOT_FOUND, 1);
    mcsec_gms_wipe(g);
    free(g);
    cli_free_store(ks);
    return rc;
}

int cmd_gms(int argc, char **argv)
{
    static const cli_verb verbs[] = {
        { "create", do_create }, { "add", do_add },       { "remove", do_remove },
        { "rekey", do_rekey },   { "revoke", do_revoke }, { "show", do_show },
        { "distribute", do_distribute },
    };
    return cli_dispatch("gms", gms_help, verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}
