/* GMS key role: group GMK, membership, GMK I_MESSAGEs, group state file
 * (TS 33.180 §5.2.3, §7.4.2, E.2, E.6). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "internal/file.h"
#include "mcsec/gms.h"

#define STATE_FORMAT "mcsec-gms-1"
#define MAX40 ((1ull << 40) - 1)

void mcsec_gms_wipe(mcsec_gms_group *g)
{
    if (g != NULL)
        mcsec_wipe(g, sizeof *g);
}

static int id_ok(const char *s)
{
    return s != NULL && s[0] != 0 && strlen(s) <= MCSEC_GMS_MAX_URI;
}

/* A fresh GMK, GMK-ID with purpose tag 0 (§5.2.2: 4-bit tag + 28 random
 * bits, never 0 and never the previous ID) and RAND (RFC 3830 §6.11). */
static mcsec_err new_key(mcsec_gms_group *g, const mcsec_rng *rng)
{
    if (rng == NULL)
        rng = mcsec_rng_default();
    uint8_t b[MCSEC_MIKEY_KEY_BYTES + 4 + MCSEC_MIKEY_RAND_BYTES];
    uint32_t id = 0;
    mcsec_err err = MCSEC_OK;
    for (int tries = 0; err == MCSEC_OK && (id == 0 || id == g->gmk_id); tries++) {
        if (tries == 8 || rng->fill(rng->ctx, b, sizeof b) != 0)
            err = MCSEC_ERR_RNG;
        else
            id = ((uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19]) & 0x0FFFFFFFu;
    }
    if (err == MCSEC_OK) {
        memcpy(g->gmk, b, MCSEC_MIKEY_KEY_BYTES);
        memcpy(g->rand, b + 20, MCSEC_MIKEY_RAND_BYTES);
        g->gmk_id = (MCSEC_KEY_PURPOSE_GMK << 28) | id;
        g->status = MCSEC_MIKEY_KP_STATUS_NOT_REVOKED;
        g->generation++;
    }
    mcsec_wipe(b, sizeof b);
    return err;
}

mcsec_err mcsec_gms_init(mcsec_gms_group *g, const char *group_id, const char *gms_uri, uint64_t activation,
                         uint64_t expiry, const mcsec_rng *rng)
{
    if (g == NULL)
        return MCSEC_ERR_ARG;
    memset(g, 0, sizeof *g);
    if (!id_ok(group_id) || !id_ok(gms_uri) || activation > MAX40 || expiry > MAX40)
        return MCSEC_ERR_ARG;
    strcpy(g->group_id, group_id);
    strcpy(g->gms_uri, gms_uri);
    g->activation = activation;
    g->expiry = expiry;
    mcsec_err err = new_key(g, rng);
    if (err != MCSEC_OK)
        mcsec_gms_wipe(g);
    return err;
}

static long find_member(const mcsec_gms_group *g, const char *uri)
{
    for (size_t i = 0; i < g->n_members; i++)
        if (strcmp(g->member[i], uri) == 0)
            return (long)i;
    return -1;
}

mcsec_err mcsec_gms_add(mcsec_gms_group *g, const char *member_uri)
{
    if (g == NULL || !id_ok(member_uri))
        return MCSEC_ERR_ARG;
    if (find_member(g, member_uri) >= 0)
        return MCSEC_ERR_DUPLICATE;
    if (g->n_members >= MCSEC_GMS_MAX_MEMBERS)
        return MCSEC_ERR_BUFFER;
    strcpy(g->member[g->n_members++], member_uri);
    return MCSEC_OK;
}

mcsec_err mcsec_gms_rekey(mcsec_gms_group *g, const mcsec_rng *rng)
{
    if (g == NULL)
        return MCSEC_ERR_ARG;
    mcsec_gms_group n = *g;
    mcsec_err err = new_key(&n, rng);
    if (err == MCSEC_OK)
        *g = n;
    mcsec_gms_wipe(&n);
    return err;
}

mcsec_err mcsec_gms_remove(mcsec_gms_group *g, const char *member_uri, const mcsec_rng *rng)
{
    if (g == NULL || !id_ok(member_uri))
        return MCSEC_ERR_ARG;
    long i = find_member(g, member_uri);
    if (i < 0)
        return MCSEC_ERR_NOT_FOUND;
    mcsec_err err = mcsec_gms_rekey(g, rng);
    if (err != MCSEC_OK)
        return err;
    memmove(g->member[i], g->member[i + 1], (g->n_members - (size_t)i - 1) * sizeof g->member[0]);
    g->n_members--;
    memset(g->member[g->n_members], 0, sizeof g->member[0]);
    return MCSEC_OK;
}

mcsec_err mcsec_gms_revoke(mcsec_gms_group *g)
{
    if (g == NULL)
        return MCSEC_ERR_ARG;
    g->status &= ~(uint32_t)MCSEC_MIKEY_KP_STATUS_NOT_REVOKED;
    return MCSEC_OK;
}

mcsec_err mcsec_gms_message(uint8_t *out, size_t *out_len, uint32_t *guk_id, const mcsec_gms_group *g,
                            const char *member_uri, const mcsec_mikey_kms *kms_i, const mcsec_mikey_kms *kms_r,
                            const uint8_t ssk[32], const uint8_t pvt[65], uint64_t ntp_time, const mcsec_rng *rng)
{
    if (out == NULL || out_len == NULL || guk_id == NULL || g == NULL || !id_ok(member_uri) || kms_i == NULL ||
        kms_r == NULL || ssk == NULL || pvt == NULL)
        return MCSEC_ERR_ARG;
    if (find_member(g, member_uri) < 0)
        return MCSEC_ERR_NOT_FOUND;
    /* TS 33.180 E.6 key parameters: GMK, status, activation/expiry, the group */
    mcsec_mikey_key_params *kp = calloc(1, sizeof *kp);
    if (kp == NULL)
        return MCSEC_ERR_NOMEM;
    kp->key_type = MCSEC_KEY_PURPOSE_GMK;
    kp->status = g->status;
    kp->activation_time = g->activation;
    kp->expiry_time = g->expiry;
    kp->n_groups = 1;
    size_t gl = strlen(g->group_id);
    kp->group_len[0] = (uint16_t)gl;
    memcpy(kp->group[0], g->group_id, gl);
    mcsec_err err = mcsec_mikey_guk_id(guk_id, g->gmk_id, g->gmk, sizeof g->gmk, member_uri, strlen(member_uri));
    if (err == MCSEC_OK) {
        mcsec_mikey_create_params p = {
            .type = MCSEC_KEY_PURPOSE_GMK, .key = g->gmk, .key_id = g->gmk_id, .initiator = g->gms_uri,
            .responder = member_uri, .kms_i = kms_i, .kms_r = kms_r, .ssk = ssk, .pvt = pvt,
            .ntp_time = ntp_time, .rand = g->rand, .kp = kp,
        };
        err = mcsec_mikey_create(out, out_len, &p, rng);
    }
    mcsec_wipe(kp, sizeof *kp);
    free(kp);
    return err;
}

/* ---- state file --------------------------------------------------------------- */

static void hex(char *out, const uint8_t *p, size_t n)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[p[i] >> 4];
        out[2 * i + 1] = d[p[i] & 15];
    }
    out[2 * n] = 0;
}

static int unhex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Exactly n octets of hex. MCSEC_ERR_LENGTH / MCSEC_ERR_MALFORMED. */
static mcsec_err unhex(uint8_t *out, size_t n, const char *s)
{
    if (s == NULL)
        return MCSEC_ERR_MALFORMED;
    if (strlen(s) != 2 * n)
        return MCSEC_ERR_LENGTH;
    for (size_t i = 0; i < n; i++) {
        int h = unhex_digit(s[2 * i]), l = unhex_digit(s[2 * i + 1]);
        if (h < 0 || l < 0)
            return MCSEC_ERR_MALFORMED;
        out[i] = (uint8_t)(h << 4 | l);
    }
    return MCSEC_OK;
}

mcsec_err mcsec_gms_to_json(char **text, size_t *len, const mcsec_gms_group *g)
{
    if (text == NULL || len == NULL || g == NULL)
        return MCSEC_ERR_ARG;
    *text = NULL;
    *len = 0;
    char gmk[2 * MCSEC_MIKEY_KEY_BYTES + 1], rand[2 * MCSEC_MIKEY_RAND_BYTES + 1], id[9];
    hex(gmk, g->gmk, sizeof g->gmk);
    hex(rand, g->rand, sizeof g->rand);
    snprintf(id, sizeof id, "%08x", (unsigned)g->gmk_id);
    json_t *m = json_array();
    for (size_t i = 0; m != NULL && i < g->n_members; i++)
        json_array_append_new(m, json_string(g->member[i]));
    json_t *o = m ? json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:I, s:I, s:b, s:I, s:I}", "format", STATE_FORMAT,
                              "group_id", g->group_id, "gms", g->gms_uri, "members", m, "gmk", gmk, "gmk_id", id,
                              "rand", rand, "activation", (json_int_t)g->activation, "expiry",
                              (json_int_t)g->expiry, "revoked", !(g->status & MCSEC_MIKEY_KP_STATUS_NOT_REVOKED),
                              "status", (json_int_t)g->status, "generation", (json_int_t)g->generation)
                    : NULL;
    char *s = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
    /* the GMK sits in the jansson tree: wipe its string before freeing */
    json_t *k = o ? json_object_get(o, "gmk") : NULL;
    if (k != NULL)
        mcsec_wipe((char *)json_string_value(k), json_string_length(k));
    json_decref(o);
    mcsec_wipe(gmk, sizeof gmk);
    if (s == NULL)
        return MCSEC_ERR_NOMEM;
    *text = s;
    *len = strlen(s);
    return MCSEC_OK;
}

void mcsec_gms_free_text(char *text, size_t len)
{
    if (text != NULL) {
        mcsec_wipe(text, len);
        free(text);
    }
}

static mcsec_err get_u64(const json_t *o, const char *key, uint64_t max, uint64_t *out)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) > max)
        return MCSEC_ERR_MALFORMED;
    *out = (uint64_t)json_integer_value(v);
    return MCSEC_OK;
}

static mcsec_err get_str(const json_t *o, const char *key, char *out, size_t cap)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) >= cap ||
        strlen(json_string_value(v)) != json_string_length(v))
        return MCSEC_ERR_MALFORMED;
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
    return MCSEC_OK;
}

mcsec_err mcsec_gms_from_json(mcsec_gms_group *g, const char *text, size_t len)
{
    if (g == NULL)
        return MCSEC_ERR_ARG;
    memset(g, 0, sizeof *g);
    if (text == NULL || len == 0 || len > MCSEC_GMS_MAX_STATE)
        return MCSEC_ERR_ARG;
    mcsec_err err = MCSEC_OK;
    json_error_t je;
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    const json_t *fmt = o ? json_object_get(o, "format") : NULL, *m = o ? json_object_get(o, "members") : NULL;
    uint64_t v = 0;
    char id[9], gmk[2 * MCSEC_MIKEY_KEY_BYTES + 1], rand[2 * MCSEC_MIKEY_RAND_BYTES + 1];
    if (!json_is_object(o) || !json_is_string(fmt) || !json_is_array(m))
        err = MCSEC_ERR_MALFORMED;
    else if (strcmp(json_string_value(fmt), STATE_FORMAT) != 0)
        err = MCSEC_ERR_UNSUPPORTED;
    if (err == MCSEC_OK)
        err = get_str(o, "group_id", g->group_id, sizeof g->group_id);
    if (err == MCSEC_OK)
        err = get_str(o, "gms", g->gms_uri, sizeof g->gms_uri);
    if (err == MCSEC_OK)
        err = get_str(o, "gmk_id", id, sizeof id);
    if (err == MCSEC_OK)
        err = get_str(o, "gmk", gmk, sizeof gmk);
    if (err == MCSEC_OK)
        err = get_str(o, "rand", rand, sizeof rand);
    if (err == MCSEC_OK) {
        uint8_t b[4];
        err = unhex(b, 4, id);
        g->gmk_id = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        if (err == MCSEC_OK && g->gmk_id >> 28 != MCSEC_KEY_PURPOSE_GMK)
            err = MCSEC_ERR_MALFORMED;
    }
    if (err == MCSEC_OK)
        err = unhex(g->gmk, sizeof g->gmk, gmk);
    if (err == MCSEC_OK)
        err = unhex(g->rand, sizeof g->rand, rand);
    if (err == MCSEC_OK)
        err = get_u64(o, "activation", MAX40, &g->activation);
    if (err == MCSEC_OK)
        err = get_u64(o, "expiry", MAX40, &g->expiry);
    if (err == MCSEC_OK && (err = get_u64(o, "status", 0xFFFFFFFFu, &v)) == MCSEC_OK)
        g->status = (uint32_t)v;
    if (err == MCSEC_OK && (err = get_u64(o, "generation", 0xFFFFFFFFu, &v)) == MCSEC_OK)
        g->generation = (uint32_t)v;
    if (err == MCSEC_OK && json_array_size(m) > MCSEC_GMS_MAX_MEMBERS)
        err = MCSEC_ERR_BUFFER;
    for (size_t i = 0; err == MCSEC_OK && i < json_array_size(m); i++) {
        const json_t *e = json_array_get(m, i);
        if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) > MCSEC_GMS_MAX_URI ||
            strlen(json_string_value(e)) != json_string_length(e))
            err = MCSEC_ERR_MALFORMED;
        else
            err = mcsec_gms_add(g, json_string_value(e));
    }
    json_t *k = o ? json_object_get(o, "gmk") : NULL;
    if (json_is_string(k))
        mcsec_wipe((char *)json_string_value(k), json_string_length(k));
    json_decref(o);
    mcsec_wipe(gmk, sizeof gmk);
    if (err != MCSEC_OK)
        mcsec_gms_wipe(g);
    return err;
}

mcsec_err mcsec_gms_save(const mcsec_gms_group *g, const char *path)
{
    if (g == NULL || path == NULL || strlen(path) > 4000)
        return MCSEC_ERR_ARG;
    char *text = NULL;
    size_t len = 0;
    mcsec_err err = mcsec_gms_to_json(&text, &len, g);
    if (err != MCSEC_OK)
        return err;
    err = file_replace_0600(path, (const uint8_t *)text, len);
    mcsec_gms_free_text(text, len);
    return err;
}

mcsec_err mcsec_gms_load(mcsec_gms_group *g, const char *path)
{
    if (g == NULL)
        return MCSEC_ERR_ARG;
    memset(g, 0, sizeof *g);
    if (path == NULL)
        return MCSEC_ERR_ARG;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno == ENOENT ? MCSEC_ERR_NOT_FOUND : MCSEC_ERR_IO;
    char *buf = malloc(MCSEC_GMS_MAX_STATE + 1);
    size_t n = buf ? fread(buf, 1, MCSEC_GMS_MAX_STATE + 1, f) : 0;
    mcsec_err err = buf == NULL ? MCSEC_ERR_NOMEM : ferror(f) ? MCSEC_ERR_IO
                                                   : n > MCSEC_GMS_MAX_STATE ? MCSEC_ERR_MALFORMED
                                                                             : MCSEC_OK;
    fclose(f);
    if (err == MCSEC_OK)
        err = n == 0 ? MCSEC_ERR_MALFORMED : mcsec_gms_from_json(g, buf, n);
    if (buf != NULL) {
        mcsec_wipe(buf, n);
        free(buf);
    }
    return err;
}
