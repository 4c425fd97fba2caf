/* mcsec srtp derive: SRTP master key, salt and MKI from a distributed key;
 * mcsec srtp protect / unprotect: SRTP media and SRTCP floor control keyed
 * from opened I_MESSAGEs (the JSON of 'mcsec mikey open'). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "mcsec/mikey.h"
#include "mcsec/srtp.h"

static const char srtp_help[] =
    "usage: mcsec srtp derive --key H --key-id H --rand H --cs-id N [--member URI]\n"
    "\n"
    "  SRTP keying of TS 33.180 §7.4 from a GMK / PCK / CSK (--key, 16 bytes), its ID\n"
    "  (--key-id, 4 bytes), the RAND of its I_MESSAGE and the CS ID (0-255):\n"
    "  -> {\"master_key\": 16 B, \"master_salt\": 12 B, \"mki\": 4 or 8 B}\n"
    "  With --member (GMK), the member's GUK-ID is the CSB ID and MKI = GMK-ID || GUK-ID;\n"
    "  otherwise CSB ID and MKI are the key ID.\n"
    "\n"
    "usage: mcsec srtp protect --opened F [--member URI] [--cs-id N] --ssrc N [--seq N]\n"
    "                          [--count N] (--text T | --floor SUBTYPE [--text T])\n"
    "\n"
    "  Builds --count RTP packets (payload T) or RTCP APP \"MCPT\" floor-control\n"
    "  packets (TS 24.380 subtype 0-31, fields T) and protects them as SRTP / SRTCP\n"
    "  (AEAD_AES_128_GCM, MKI in every packet) with the key of F, the JSON that\n"
    "  'mcsec mikey open' printed. A GMK needs --member (the talker's own URI: its\n"
    "  GUK-ID keys the media, CS-ID 4); a PCK needs --cs-id 0 (initiator) or 1\n"
    "  (receiver). -> one hex packet per line.\n"
    "\n"
    "usage: mcsec srtp unprotect --opened F [--opened F2 ...] [--cs-id N] [--rtcp] [--in FILE]\n"
    "\n"
    "  Opens hex SRTP (or with --rtcp SRTCP) packets, one per line from FILE or\n"
    "  stdin, with every key given (GMKs: any talker's GUK-ID; PCK: --cs-id of the\n"
    "  sender's direction). -> one JSON line per packet {\"ok\", \"mki\", \"text\" |\n"
    "  \"error\"}; exit 1 if any packet is rejected (unknown key, tampered, replayed).\n";

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

/* An opened key: the JSON object 'mcsec mikey open' prints. */
typedef struct opened {
    int gmk;
    uint8_t key[16];
    uint32_t key_id;
    uint8_t rand[255];
    size_t rand_len;
} opened;

static int hexval(const char *s, uint8_t *out, size_t max, size_t *len)
{
    size_t n = s ? strlen(s) : 1;
    if (n % 2 || n / 2 > max)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    *len = n / 2;
    return 0;
}

static int read_opened(cli_args *a, const char *path, opened *o)
{
    uint8_t *b;
    size_t n, kl = 0, il = 0;
    uint8_t id[4];
    if (cli_read_file(a, path, &b, &n))
        return CLI_USAGE;
    json_t *j = json_loadb((const char *)b, n, 0, NULL);
    cli_free_secret(b, n);
    const char *type = json_string_value(json_object_get(j, "type"));
    int rc = CLI_OK;
    memset(o, 0, sizeof *o);
    if (type == NULL || (strcmp(type, "gmk") != 0 && strcmp(type, "pck") != 0 && strcmp(type, "csk") != 0) ||
        hexval(json_string_value(json_object_get(j, "key")), o->key, 16, &kl) || kl != 16 ||
        hexval(json_string_value(json_object_get(j, "key_id")), id, 4, &il) || il != 4 ||
        hexval(json_string_value(json_object_get(j, "rand")), o->rand, sizeof o->rand, &o->rand_len) ||
        o->rand_len == 0) {
        cli_error(a, "%s is not the output of 'mcsec mikey open' for a GMK, PCK or CSK", path);
        rc = CLI_USAGE;
    } else {
        o->gmk = strcmp(type, "gmk") == 0;
        o->key_id = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
    }
    json_t *k = json_object_get(j, "key");
    if (json_is_string(k))
        mcsec_wipe((char *)json_string_value(k), json_string_length(k));
    json_decref(j);
    return rc;
}

static int get_num(cli_args *a, const char *name, long dflt, long max, long *out)
{
    const char *v = cli_opt(a, name);
    char *end = NULL;
    *out = dflt;
    if (v == NULL)
        return dflt < 0 ? (cli_error(a, "missing --%s", name), CLI_USAGE) : CLI_OK;
    long long x = strtoll(v, &end, 0);
    if (!*v || *end || x < 0 || x > max) {
        cli_error(a, "--%s must be a number 0..%ld", name, max);
        return CLI_USAGE;
    }
    *out = (long)x;
    return CLI_OK;
}

static int do_protect(cli_args *a)
{
    opened o;
    long cs, ssrc, seq, count, floor_st;
    const char *path = cli_opt(a, "opened"), *member = cli_opt(a, "member"), *text = cli_opt(a, "text");
    int floor = cli_present(a, "floor");
    int rc = path ? read_opened(a, path, &o) : (cli_error(a, "missing --opened"), CLI_USAGE);
    if (!rc)
        rc = get_num(a, "cs-id", rc ? 0 : (path && o.gmk ? MCSEC_SRTP_CS_GROUP : -1), 255, &cs);
    if (!rc)
        rc = get_num(a, "ssrc", -1, 0xFFFFFFFFl, &ssrc);
    if (!rc)
        rc = get_num(a, "seq", 0, 65535, &seq);
    if (!rc)
        rc = get_num(a, "count", 1, 100000, &count);
    if (!rc)
        rc = get_num(a, "floor", 0, 31, &floor_st);
    if (!rc && !floor && text == NULL) {
        cli_error(a, "missing --text (or --floor)");
        rc = CLI_USAGE;
    }
    if (!rc && o.gmk && member == NULL) {
        cli_error(a, "a GMK needs --member (the talker's own URI)");
        rc = CLI_USAGE;
    }
    if (!rc && text != NULL && strlen(text) > 1200) {
        cli_error(a, "--text is limited to 1200 bytes");
        rc = CLI_USAGE;
    }
    if (!rc)
        rc = cli_check_unused(a);
    mcsec_srtp_key k;
    mcsec_srtp_sender *tx = NULL;
    memset(&k, 0, sizeof k);
    if (!rc) {
        mcsec_err err = mcsec_srtp_key_derive(&k, o.key, 16, o.key_id, o.rand, o.rand_len, (uint8_t)cs,
                                              o.gmk ? member : NULL);
        if (err == MCSEC_OK)
            err = mcsec_srtp_sender_new(&tx, &k);
        for (long i = 0; err == MCSEC_OK && i < count; i++) {
            uint8_t p[12 + 1200 + 4 + MCSEC_SRTP_MAX_TRAILER];
            size_t l = 0, tl = text ? strlen(text) : 0;
            uint16_t s = (uint16_t)(seq + i);
            if (floor) {
                err = mcsec_srtp_floor_app(p, &l, sizeof p, (uint8_t)floor_st, (uint32_t)ssrc,
                                           (const uint8_t *)text, tl);
                if (err == MCSEC_OK)
                    err = mcsec_srtp_protect_rtcp(tx, p, &l, sizeof p);
            } else {
                uint32_t ts = (uint32_t)s * 160, x = (uint32_t)ssrc;
                const uint8_t h[12] = { 0x80, 0x00, (uint8_t)(s >> 8), (uint8_t)s, (uint8_t)(ts >> 24),
                                        (uint8_t)(ts >> 16), (uint8_t)(ts >> 8), (uint8_t)ts, (uint8_t)(x >> 24),
                                        (uint8_t)(x >> 16), (uint8_t)(x >> 8), (uint8_t)x };
                memcpy(p, h, 12);
                memcpy(p + 12, text, tl);
                l = 12 + tl;
                err = mcsec_srtp_protect(tx, p, &l, sizeof p);
            }
            if (err == MCSEC_OK) {
                cli_print_hex(stdout, p, l);
                fputc('\n', stdout);
            }
        }
        if (err != MCSEC_OK)
            rc = cli_report(a, err, 0);
    }
    mcsec_srtp_sender_free(tx);
    mcsec_srtp_key_wipe(&k);
    mcsec_wipe(&o, sizeof o);
    return rc;
}

static int do_unprotect(cli_args *a)
{
    long cs = -1;
    int rtcp = cli_flag(a, "rtcp"), rc = CLI_OK, nkeys = 0, rejected = 0;
    const char *in = cli_opt(a, "in");
    mcsec_srtp_receiver *rx = NULL;
    mcsec_err err = mcsec_srtp_receiver_new(&rx);
    if (err != MCSEC_OK)
        return cli_report(a, err, 0);
    if (cli_present(a, "cs-id"))
        rc = get_num(a, "cs-id", 0, 255, &cs);
    /* every --opened F */
    for (int i = 0; !rc && i + 1 < a->argc && i < 63; i++) {
        if (strcmp(a->argv[i], "--opened") != 0 || a->used[i])
            continue;
        a->used[i] = a->used[i + 1] = 1;
        opened o;
        rc = read_opened(a, a->argv[i + 1], &o);
        if (!rc && o.gmk) {
            err = mcsec_srtp_receiver_add_gmk(rx, o.key, o.key_id, o.rand, o.rand_len,
                                              (uint8_t)(cs >= 0 ? cs : MCSEC_SRTP_CS_GROUP));
        } else if (!rc) {
            mcsec_srtp_key k;
            if (cs < 0) {
                cli_error(a, "a PCK or CSK needs --cs-id (the sender's direction)");
                rc = CLI_USAGE;
            }
            err = rc ? MCSEC_OK : mcsec_srtp_key_derive(&k, o.key, 16, o.key_id, o.rand, o.rand_len, (uint8_t)cs, NULL);
            if (!rc && err == MCSEC_OK)
                err = mcsec_srtp_receiver_add_key(rx, &k);
            mcsec_srtp_key_wipe(&k);
        }
        if (!rc && err != MCSEC_OK)
            rc = cli_report(a, err, 0);
        mcsec_wipe(&o, sizeof o);
        nkeys++;
    }
    if (!rc && nkeys == 0) {
        cli_error(a, "missing --opened");
        rc = CLI_USAGE;
    }
    if (!rc)
        rc = cli_check_unused(a);
    FILE *f = NULL;
    if (!rc) {
        f = in ? fopen(in, "r") : stdin;
        if (f == NULL) {
            cli_error(a, "cannot read %s", in);
            rc = CLI_USAGE;
        }
    }
    char line[8192];
    while (!rc && fgets(line, sizeof line, f) != NULL) {
        size_t n = strcspn(line, "\r\n"), l = 0;
        uint8_t p[4096];
        line[n] = 0;
        if (n == 0)
            continue;
        mcsec_srtp_info info;
        err = hexval(line, p, sizeof p, &l) ? MCSEC_ERR_MALFORMED
              : rtcp                        ? mcsec_srtp_unprotect_rtcp(rx, p, &l, &info)
                                            : mcsec_srtp_unprotect(rx, p, &l, &info);
        cli_json_begin();
        cli_json_raw("ok", err == MCSEC_OK ? "true" : "false");
        if (err != MCSEC_OK) {
            cli_json_str("error", mcsec_strerror(err));
            rejected++;
        } else {
            char t[4096];
            size_t off = 12, tl;
            cli_json_hex("mki", info.mki, info.mki_len);
            if (rtcp) {
                uint8_t st;
                uint32_t ssrc;
                char name[5];
                const uint8_t *fl;
                if (mcsec_srtp_floor_parse(&st, &ssrc, name, &fl, &tl, p, l) == MCSEC_OK) {
                    printf(", \"floor\": %u", st);
                    cli_json_str("name", name);
                    off = (size_t)(fl - p);
                }
            }
            tl = l > off ? l - off : 0;
            while (tl > 0 && p[off + tl - 1] == 0) /* APP padding */
                tl--;
            for (size_t i = 0; i < tl; i++)
                t[i] = (p[off + i] >= 0x20 && p[off + i] < 0x7f) ? (char)p[off + i] : '.';
            t[tl] = 0;
            cli_json_str("text", t);
        }
        cli_json_end();
    }
    if (f != NULL && f != stdin)
        fclose(f);
    mcsec_srtp_receiver_free(rx);
    return rc ? rc : rejected ? CLI_REJECT : CLI_OK;
}

int cmd_srtp(int argc, char **argv)
{
    static const cli_verb verbs[] = {
        { "derive", do_derive },
        { "protect", do_protect },
        { "unprotect", do_unprotect },
    };
    return cli_dispatch("srtp", srtp_help, verbs, sizeof verbs / sizeof verbs[0], argc, argv);
}
