/* mcsec mikey decode MSG | --in FILE */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "mcsec/kmsclient.h"
#include "mcsec/mikey.h"
#include "mcsec/uid.h"

static const char mikey_help[] =
    "usage: mcsec mikey <verb> [options]   (MIKEY-SAKKE, RFC 3830/6043/6509, TS 33.180 Annex E)\n"
    "\n"
    "  decode MSG | --in FILE     every payload and field of a MIKEY message as JSON\n"
    "  create --type gmk|pck|csk|cek --key H --key-id H --from URI --to URI\n"
    "         (--store P | --kms-uri S --period-len N --period-offset N --kpak H --zt H\n"
    "          --ssk H --pvt H) [--time UNIX] [--rand H]\n"
    "        -> base64 I_MESSAGE, signed with --from's SSK/PVT for the key period of\n"
    "           --time (default now); --key is 16 bytes (for cek: the SSV the 32-byte\n"
    "           CEK is derived from); --key-id is 4 bytes whose top 4 bits are the type\n"
    "           (0 gmk, 1 pck, 2 csk, f cek)\n"
    "  open --uri URI (--store P | --kms-uri S --period-len N --period-offset N\n"
    "       --kpak H --zt H --rsk H) [--now UNIX] [--window S] [--legacy] MSG | --in FILE\n"
    "        -> {\"type\", \"key\", \"key_id\", \"guk_id\" (gmk), \"initiator\",\n"
    "            \"responder\", \"time\", \"rand\", \"group\" (gmk)}; exit 1 if any check fails\n"
    "           (save it: 'mcsec srtp protect|unprotect --opened FILE' read it)\n"
    "\n"
    "MSG is bare base64, \"mikey <base64>\" or an SDP line \"a=key-mgmt:mikey <base64>\";\n"
    "FILE holds one of those forms. --store P takes the KMS certificate and the key\n"
    "set of the message's key period from a key store written by 'mcsec kms fetch'\n"
    "(passphrase: --passphrase-file F or MCSEC_KEYSTORE_PASSPHRASE).\n";

/* Reads the message from --in FILE or the one positional argument. */
static int read_msg(cli_args *a, uint8_t *out, size_t *len)
{
    const char *path = cli_opt(a, "in");
    char *text = NULL;
    size_t tlen = 0;
    if (path) {
        int rc = cli_read_file(a, path, (uint8_t **)&text, &tlen);
        if (rc)
            return rc;
    } else {
        for (int i = 0; i < a->argc; i++) {
            if (a->used[i] || a->argv[i][0] == '-')
                continue;
            a->used[i] = 1;
            text = strdup(a->argv[i]);
            tlen = strlen(a->argv[i]);
            break;
        }
        if (!text) {
            cli_error(a, "missing MSG (or --in FILE)");
            return CLI_USAGE;
        }
    }
    mcsec_err err = mcsec_mikey_from_sdp(out, len, text, tlen);
    free(text);
    if (err) {
        cli_error(a, "not a MIKEY message in base64 or SDP form (%s)", mcsec_strerror(err));
        return CLI_REJECT;
    }
    return CLI_OK;
}

static void hex(const uint8_t *p, size_t n)
{
    putchar('"');
    cli_print_hex(stdout, p, n);
    putchar('"');
}

static void json_text(const uint8_t *p, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"' || p[i] == '\\')
            printf("\\%c", p[i]);
        else
            putchar(p[i]);
    }
    putchar('"');
}

static int printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7E)
            return 0;
    return n > 0;
}

static const char *role_name(uint8_t r)
{
    static const char *names[] = { "?", "IDRi", "IDRr", "IDRkms", "IDRpsk", "IDRapp",
                                   "IDRkmsi", "IDRkmsr", "IDRuidi", "IDRuidr" };
    return r < sizeof names / sizeof names[0] ? names[r] : "unknown";
}

static void print_json(const mcsec_mikey_msg *m)
{
    printf("{\n  \"hdr\": {\"version\": %u, \"data_type\": %u, \"v\": %u, \"prf_func\": %u, "
           "\"csb_id\": \"%08x\", \"n_cs\": %u, \"cs_id_map_type\": %u, \"cs_id_map\": [",
           m->version, m->data_type, m->v_flag, m->prf_func, m->csb_id, m->n_cs, m->cs_map_type);
    for (size_t i = 0; i < m->n_cs; i++) {
        const mcsec_mikey_cs *cs = &m->cs[i];
        if (i)
            printf(", ");
        if (m->cs_map_type == 0) {
            printf("{\"policy_no\": %u, \"ssrc\": %u, \"roc\": %u}", cs->policy_no, cs->ssrc, cs->roc);
            continue;
        }
        printf("{\"cs_id\": %u, \"prot_type\": %u, \"s\": %u, \"policies\": [", cs->cs_id, cs->prot_type,
               cs->s_flag);
        for (size_t k = 0; k < cs->n_policies; k++)
            printf("%s%u", k ? ", " : "", cs->policies[k]);
        printf("], \"session_data\": ");
        hex(cs->session_data, cs->session_data_len);
        printf(", \"spi\": ");
        hex(cs->spi, cs->spi_len);
        putchar('}');
    }
    printf("]}");
    if (m->has_t) {
        printf(",\n  \"t\": {\"ts_type\": %u, \"ts_value\": \"%016llx\"", m->ts_type,
               (unsigned long long)m->ts_value);
        if (m->ts_type <= 1) {
            uint64_t secs = m->ts_value >> 32;
            printf(", \"ntp_seconds\": %llu", (unsigned long long)secs);
            if (secs >= MCSEC_NTP_UNIX_OFFSET) {
                time_t t = (time_t)(secs - MCSEC_NTP_UNIX_OFFSET);
                struct tm tm;
                char buf[32];
                if (gmtime_r(&t, &tm) && strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
                    printf(", \"utc\": \"%s\"", buf);
            }
        }
        putchar('}');
    }
    if (m->has_rand) {
        printf(",\n  \"rand\": ");
        hex(m->rand, m->rand_len);
    }
    printf(",\n  \"idr\": [");
    for (size_t i = 0; i < m->n_idr; i++) {
        const mcsec_mikey_idr *id = &m->idr[i];
        printf("%s\n    {\"role\": %u, \"role_name\": \"%s\", \"id_type\": %u, \"id_len\": %u, ", i ? "," : "",
               id->role, role_name(id->role), id->type, id->len);
        if (id->type != 2 && id->role != MCSEC_MIKEY_ROLE_UIDI && id->role != MCSEC_MIKEY_ROLE_UIDR &&
            printable(id->data, id->len)) {
            printf("\"id\": ");
            json_text(id->data, id->len);
        } else {
            printf("\"id_hex\": ");
            hex(id->data, id->len);
        }
        putchar('}');
    }
    printf("]");
    printf(",\n  \"sp\": [");
    for (size_t i = 0; i < m->n_sp; i++) {
        const mcsec_mikey_sp *sp = &m->sp[i];
        printf("%s{\"policy_no\": %u, \"prot_type\": %u, \"params\": [", i ? ", " : "", sp->policy_no,
               sp->prot_type);
        for (size_t off = 0; off < sp->params_len; off += 2u + sp->params[off + 1]) {
            printf("%s{\"type\": %u, \"value\": ", off ? ", " : "", sp->params[off]);
            hex(sp->params + off + 2, sp->params[off + 1]);
            putchar('}');
        }
        printf("]}");
    }
    printf("]");
    if (m->has_sakke) {
        printf(",\n  \"sakke\": {\"sakke_params\": %u, \"id_scheme\": %u, \"sakke_data_len\": %u, "
               "\"sakke_data\": ",
               m->sakke_params, m->sakke_id_scheme, m->sakke_len);
        hex(m->sakke_data, m->sakke_len);
        putchar('}');
    }
    printf(",\n  \"general_ext\": [");
    for (size_t i = 0; i < m->n_ext; i++) {
        printf("%s{\"type\": %u, \"length\": %u, \"data\": ", i ? ", " : "", m->ext[i].type, m->ext[i].len);
        hex(m->ext[i].data, m->ext[i].len);
        putchar('}');
    }
    printf("]");
    if (m->has_err)
        printf(",\n  \"err\": {\"error_no\": %u}", m->err_no);
    if (m->has_sign) {
        printf(",\n  \"sign\": {\"s_type\": %u, \"signature_len\": %u, \"signed_len\": %zu, \"signature\": ",
               m->sign_type, m->sign_len, m->signed_len);
        hex(m->sign, m->sign_len);
        putchar('}');
    }
    printf("\n}\n");
}

static int do_decode(cli_args *a)
{
    uint8_t buf[65536];
    size_t len = sizeof buf;
    int rc = read_msg(a, buf, &len);
    if (!rc)
        rc = cli_check_unused(a);
    if (rc)
        return rc;
    mcsec_mikey_msg m;
    mcsec_err err = mcsec_mikey_decode(&m, buf, len);
    if (err) {
        cli_error(a, "%s at octet %zu", mcsec_strerror(err), m.error_offset);
        return CLI_REJECT;
    }
    print_json(&m);
    return CLI_OK;
}

/* Parses a decimal unsigned option; 0, or 2 after an error. Absent: *out = dflt if allowed. */
static int get_u64(cli_args *a, const char *name, uint64_t *out, int required, uint64_t dflt)
{
    const char *v = cli_opt(a, name);
    char *end = NULL;
    if (!v) {
        if (!required) {
            *out = dflt;
            return CLI_OK;
        }
        cli_error(a, "missing --%s", name);
        return CLI_USAGE;
    }
    unsigned long long x = strtoull(v, &end, 10);
    if (!*v || *end || v[0] == '-') {
        cli_error(a, "--%s must be a non-negative decimal integer", name);
        return CLI_USAGE;
    }
    *out = x;
    return CLI_OK;
}

/* --kms-uri --period-len --period-offset --kpak --zt into *kms */
static int get_kms(cli_args *a, mcsec_mikey_kms *kms)
{
    kms->uri = cli_opt(a, "kms-uri");
    if (!kms->uri) {
        cli_error(a, "missing --kms-uri");
        return CLI_USAGE;
    }
    int rc = get_u64(a, "period-len", &kms->period_len, 1, 0);
    if (!rc)
        rc = get_u64(a, "period-offset", &kms->period_offset, 1, 0);
    if (!rc && (kms->period_len == 0 || kms->period_offset >= kms->period_len)) {
        cli_error(a, "need --period-len > 0 and --period-offset < --period-len");
        rc = CLI_USAGE;
    }
    if (!rc)
        rc = cli_hex_fixed(a, "kpak", kms->kpak, sizeof kms->kpak, 0);
    if (!rc)
        rc = cli_hex_fixed(a, "zt", kms->zt, sizeof kms->zt, 0);
    return rc;
}

/* The KMS parameters of a store's certificate. */
static void kms_of_store(mcsec_mikey_kms *kms, const mcsec_keystore *ks)
{
    kms->uri = ks->cert.kms_uri;
    kms->period_len = ks->cert.user_key_period;
    kms->period_offset = ks->cert.user_key_offset;
    memcpy(kms->kpak, ks->cert.pub_auth_key, sizeof kms->kpak);
    memcpy(kms->zt, ks->cert.pub_enc_key, sizeof kms->zt);
}

/* The key set of user for NTP time t from the store; NULL after an error. */
static const mcsec_kms_keyset *store_keyset(cli_args *a, const mcsec_keystore *ks, const char *user,
                                            uint64_t ntp)
{
    uint64_t period;
    const mcsec_kms_keyset *k = NULL;
    if (mcsec_uid_period_no(&period, ntp, ks->cert.user_key_period, ks->cert.user_key_offset) == MCSEC_OK)
        k = mcsec_keystore_find(ks, user, period);
    if (k == NULL)
        cli_error(a, "the store has no key set of %s for the key period of that time (run mcsec kms fetch)",
                  user);
    return k;
}

static const struct {
    const char *name;
    uint8_t tag;
} key_types[] = { { "gmk", MCSEC_KEY_PURPOSE_GMK }, { "pck", MCSEC_KEY_PURPOSE_PCK },
                  { "csk", MCSEC_KEY_PURPOSE_CSK }, { "cek", MCSEC_KEY_PURPOSE_CEK } };

static int do_create(cli_args *a)
{
    mcsec_mikey_kms kms;
    uint8_t key[16], kid[4], ssk[32], pvt[65], rand[16], out[2048];
    uint64_t t = 0;
    const char *type = cli_opt(a, "type"), *from = cli_opt(a, "from"), *to = cli_opt(a, "to");
    mcsec_mikey_create_params p = { .type = 0xFF };
    for (size_t i = 0; type && i < sizeof key_types / sizeof key_types[0]; i++)
        if (strcmp(type, key_types[i].name) == 0)
            p.type = key_types[i].tag;
    int rc = CLI_OK;
    if (p.type == 0xFF) {
        cli_error(a, "--type must be gmk, pck, csk or cek");
        rc = CLI_USAGE;
    } else if (!from || !to) {
        cli_error(a, "missing --%s", from ? "to" : "from");
        rc = CLI_USAGE;
    }
    if (!rc)
        rc = cli_hex_fixed(a, "key", key, 16, 0);
    if (!rc)
        rc = cli_hex_fixed(a, "key-id", kid, 4, 0);
    mcsec_keystore *ks = rc ? NULL : cli_load_store(a, &rc, 0);
    if (!rc)
        rc = get_u64(a, "time", &t, 0, (uint64_t)time(NULL));
    if (!rc && ks != NULL) {
        kms_of_store(&kms, ks);
        const mcsec_kms_keyset *k = store_keyset(a, ks, from, t + MCSEC_NTP_UNIX_OFFSET);
        if (k == NULL) {
            rc = CLI_REJECT;
        } else {
            memcpy(ssk, k->ssk, sizeof ssk);
            memcpy(pvt, k->pvt, sizeof pvt);
        }
    } else {
        if (!rc)
            rc = get_kms(a, &kms);
        if (!rc)
            rc = cli_hex_fixed(a, "ssk", ssk, 32, 1);
        if (!rc)
            rc = cli_hex_fixed(a, "pvt", pvt, 65, 0);
    }
    if (!rc && cli_present(a, "rand")) {
        rc = cli_hex_fixed(a, "rand", rand, 16, 0);
        p.rand = rand;
    }
    if (!rc)
        rc = cli_check_unused(a);
    if (!rc && (uint32_t)(kid[0] >> 4) != p.type) {
        cli_error(a, "--key-id must start with the purpose tag of --type (%x)", p.type);
        rc = CLI_USAGE;
    }
    if (!rc) {
        p.key = key;
        p.key_id = (uint32_t)kid[0] << 24 | (uint32_t)kid[1] << 16 | (uint32_t)kid[2] << 8 | kid[3];
        p.initiator = from;
        p.responder = to;
        p.kms_i = p.kms_r = &kms;
        p.ssk = ssk;
        p.pvt = pvt;
        p.ntp_time = t + MCSEC_NTP_UNIX_OFFSET;
        size_t n = sizeof out;
        mcsec_err err = mcsec_mikey_create(out, &n, &p, NULL);
        if (err) {
            rc = cli_report(a, err, 0);
        } else {
            char sdp[4096];
            size_t sl = sizeof sdp;
            if (mcsec_mikey_to_sdp(sdp, &sl, out, n) != MCSEC_OK) {
                cli_error(a, "%s", mcsec_strerror(MCSEC_ERR_INTERNAL));
                rc = CLI_USAGE;
            } else {
                printf("%s\n", sdp + strlen("a=key-mgmt:mikey "));
            }
        }
    }
    mcsec_wipe(key, sizeof key);
    mcsec_wipe(ssk, sizeof ssk);
    cli_free_store(ks);
    return rc;
}

static int do_open(cli_args *a)
{
    mcsec_mikey_kms kms;
    uint8_t rsk[257], buf[65536];
    size_t len = sizeof buf;
    uint64_t now = 0, window = 0;
    const char *uri = cli_opt(a, "uri");
    int legacy = cli_flag(a, "legacy");
    int rc = uri ? CLI_OK : CLI_USAGE;
    if (!uri)
        cli_error(a, "missing --uri");
    mcsec_keystore *ks = rc ? NULL : cli_load_store(a, &rc, 0);
    if (!rc && ks == NULL) {
        rc = get_kms(a, &kms);
        if (!rc)
            rc = cli_hex_fixed(a, "rsk", rsk, sizeof rsk, 0);
    }
    if (!rc)
        rc = get_u64(a, "now", &now, 0, (uint64_t)time(NULL));
    if (!rc)
        rc = get_u64(a, "window", &window, 0, 300);
    if (!rc && (window == 0 || window > 0xFFFFFFFFu)) {
        cli_error(a, "--window must be 1..4294967295 seconds");
        rc = CLI_USAGE;
    }
    if (!rc)
        rc = read_msg(a, buf, &len);
    if (!rc)
        rc = cli_check_unused(a);
    if (!rc && ks != NULL) {
        /* the key period is the message's (its T payload), not our clock's */
        mcsec_mikey_msg m;
        const mcsec_kms_keyset *k = NULL;
        mcsec_err err = mcsec_mikey_decode(&m, buf, len);
        if (err != MCSEC_OK || !m.has_t) {
            rc = cli_report(a, err != MCSEC_OK ? err : MCSEC_ERR_MISSING, 1);
        } else {
            kms_of_store(&kms, ks);
            k = store_keyset(a, ks, uri, m.ts_value >> 32);
            if (k == NULL)
                rc = CLI_REJECT;
            else
                memcpy(rsk, k->rsk, sizeof rsk);
        }
    }
    if (!rc) {
        mcsec_mikey_open_params p = { .own_uri = uri, .own_kms = &kms, .rsk = rsk,
                                      .now_ntp = now + MCSEC_NTP_UNIX_OFFSET, .window = (uint32_t)window,
                                      .legacy = legacy };
        mcsec_mikey_opened o;
        mcsec_err err = mcsec_mikey_open(&o, buf, len, &p);
        if (err) {
            rc = cli_report(a, err, 1);
        } else {
            const char *name = "?";
            for (size_t i = 0; i < sizeof key_types / sizeof key_types[0]; i++)
                if (key_types[i].tag == o.type)
                    name = key_types[i].name;
            char id[9];
            cli_json_begin();
            cli_json_str("type", name);
            cli_json_hex("key", o.key, o.key_len);
            snprintf(id, sizeof id, "%08x", o.key_id);
            cli_json_str("key_id", id);
            if (o.type == MCSEC_KEY_PURPOSE_GMK) {
                snprintf(id, sizeof id, "%08x", o.csb_id);
                cli_json_str("guk_id", id);
            }
            cli_json_str("initiator", o.initiator);
            cli_json_str("responder", o.responder);
            printf(", \"time\": %llu", (unsigned long long)(o.ntp_time - MCSEC_NTP_UNIX_OFFSET));
            /* what SRTP keying (TS 33.180 §7.4) needs besides the key: the RAND */
            cli_json_hex("rand", o.rand, o.rand_len);
            if (o.has_key_params && o.kp.n_groups > 0)
                cli_json_str("group", o.kp.group[0]);
            cli_json_end();
        }
        mcsec_mikey_opened_wipe(&o);
    }
    mcsec_wipe(rsk, sizeof rsk);
    cli_free_store(ks);
    return rc;
}

int cmd_mikey(int argc, char **argv)
{
    static const cli_verb verbs[] = {
        { "decode", do_decode },
        { "create", do_create },
        { "open", do_open },
    };
    return cli_dispatch("mikey", mikey_help, verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}
