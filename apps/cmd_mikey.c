/* mcsec mikey decode MSG | --in FILE */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "mcsec/mikey.h"
#include "mcsec/uid.h"

static const char mikey_help[] =
    "usage: mcsec mikey <verb> [options]   (MIKEY-SAKKE, RFC 3830/6043/6509, TS 33.180 Annex E)\n"
    "\n"
    "  decode MSG | --in FILE     every payload and field of a MIKEY message as JSON\n"
    "\n"
    "MSG is bare base64, \"mikey <base64>\" or an SDP line \"a=key-mgmt:mikey <base64>\";\n"
    "FILE holds one of those forms.\n";

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

int cmd_mikey(int argc, char **argv)
{
    static const cli_verb verbs[] = {
        { "decode", do_decode },
    };
    return cli_dispatch("mikey", mikey_help, verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}
