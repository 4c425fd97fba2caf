/* The MCPTT server's handling of one SIP request (sans-I/O): log-off,
 * session teardown, and INVITE/MESSAGE bodies protected under a CEK from a
 * MIKEY-SAKKE CEK I_MESSAGE in the SDP (#14), a KMS-managed CEK fetched by
 * KEK-ID (#13, through the cache's callback), or the server certificate. The
 * response follows RFC 3261 §8.2.6.2 (Via, From, Call-ID, CSeq copied, a To
 * tag added). Nothing is stored unless the whole request was accepted. */
#include "mcsec/mcptt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/uid.h"
#include "smime/smime_int.h"

/* Copies a field value (at most cap-1 octets; longer is an error). */
static int copy_val(char *out, size_t cap, const uint8_t *p, size_t n)
{
    if (n >= cap || memchr(p, 0, n))
        return 0;
    memcpy(out, p, n);
    out[n] = '\0';
    return 1;
}

static const hdr_field *field(const hdr_block *hb, const char *name, const char *compact)
{
    for (size_t i = 0; i < hb->n; i++) {
        const hdr_field *f = &hb->h[i];
        const uint8_t *nm = hb->buf + f->off;
        if (smime_ieq(nm, f->name_len, name) || (compact && smime_ieq(nm, f->name_len, compact)))
            return f;
    }
    return NULL;
}

/* The URI of a From/To value: inside <...>, else up to ';'. */
static int uri_of(char *out, size_t cap, const uint8_t *v, size_t n)
{
    const uint8_t *lt = memchr(v, '<', n);
    if (lt) {
        const uint8_t *gt = memchr(lt, '>', n - (size_t)(lt - v));
        return gt && copy_val(out, cap, lt + 1, (size_t)(gt - lt - 1));
    }
    const uint8_t *sc = memchr(v, ';', n);
    return copy_val(out, cap, v, sc ? (size_t)(sc - v) : n);
}

static void put_field_line(dbuf *b, const hdr_block *hb, const hdr_field *f)
{
    db_put(b, hb->buf + f->off, f->len);
    db_str(b, "\r\n");
}

static mcsec_err respond(uint8_t *resp, size_t *resp_len, const hdr_block *hb, int status,
                         const char *reason)
{
    dbuf b = { 0 };
    char line[128];
    snprintf(line, sizeof line, "SIP/2.0 %d %s\r\n", status, reason);
    db_str(&b, line);
    for (size_t i = 0; i < hb->n; i++) {
        const hdr_field *f = &hb->h[i];
        const uint8_t *nm = hb->buf + f->off;
        if (smime_ieq(nm, f->name_len, "via") || smime_ieq(nm, f->name_len, "v"))
            put_field_line(&b, hb, f);
    }
    const hdr_field *fr = field(hb, "from", "f"), *to = field(hb, "to", "t"),
                    *ci = field(hb, "call-id", "i"), *cs = field(hb, "cseq", NULL);
    if (fr)
        put_field_line(&b, hb, fr);
    if (to) {
        db_put(&b, hb->buf + to->off, to->len);
        int tagged = 0;
        for (size_t i = 0; i + 4 <= to->val_len; i++)
            tagged |= smime_ieq(hb->buf + to->val_off + i, 4, "tag=");
        if (!tagged)
            db_str(&b, ";tag=mcsec-srv");
        db_str(&b, "\r\n");
    }
    if (ci)
        put_field_line(&b, hb, ci);
    if (cs)
        put_field_line(&b, hb, cs);
    db_str(&b, "Content-Length: 0\r\n\r\n");
    mcsec_err err = MCSEC_ERR_NOMEM;
    if (!b.failed) {
        err = MCSEC_OK;
        if (*resp_len < b.n) {
            err = MCSEC_ERR_BUFFER;
        } else {
            memcpy(resp, b.p, b.n);
            *resp_len = b.n;
        }
    }
    db_free(&b);
    return err;
}

/* The KEK lookup given to mcsec_smime_unprotect: the CEK just opened from
 * the request's MIKEY message first, then the cache (and its fetch). */
typedef struct lookup_ctx {
    mcsec_mcptt_server *srv;
    const mcsec_mikey_opened *fresh;  /* NULL if the request had no MIKEY */
    const char *owner, *session;
    int64_t now;
    int path;
    char creator[MCSEC_MCPTT_MAX_URI + 1]; /* of a cached or fetched key */
    int used_fresh;                        /* the request's own MIKEY key decrypted a part */
    int used_kms;                          /* a KMS key (cached or fetched) decrypted a part */
    int lookups;                           /* bounded: each may cost a KMS round trip */
    mcsec_mcptt_cek fetched;               /* a key fetched for this request, cached on acceptance */
    mcsec_err why;
} lookup_ctx;

static mcsec_err lookup(void *ctx, uint8_t kek[32], size_t *kek_len, const uint8_t *id, size_t n)
{
    lookup_ctx *l = ctx;
    if (l->fresh && n == 4) {
        uint32_t v = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
        if (v == l->fresh->key_id) {
            memcpy(kek, l->fresh->key, l->fresh->key_len);
            *kek_len = l->fresh->key_len;
            l->path = MCSEC_MCPTT_PATH_MIKEY;
            l->used_fresh = 1;
            return MCSEC_OK;
        }
    }
    /* a request names at most two unknown KEK-IDs: each may be a KMS fetch */
    if (++l->lookups > 2 || l->fetched.fetched)
        return MCSEC_ERR_NOT_FOUND;
    mcsec_mcptt_cek e;
    mcsec_err err = mcsec_mcptt_cek_get(l->srv->cache, &e, id, n, l->owner, l->session, l->now);
    if (err == MCSEC_OK) {
        memcpy(kek, e.key, e.key_len);
        *kek_len = e.key_len;
        l->path = e.path;
        if (e.path == MCSEC_MCPTT_PATH_KMS) {
            l->used_kms = 1;
            memcpy(l->creator, e.creator, sizeof l->creator);
        }
        if (e.fetched)
            l->fetched = e;
    } else {
        l->why = err;
    }
    mcsec_wipe(&e, sizeof e);
    return err;
}

/* Opens the MIKEY CEK I_MESSAGE of the SDP part, if any: 0 none, 1 opened,
 * -1 failed (*err). */
static int open_mikey(mcsec_mikey_opened *o, mcsec_err *err, mcsec_mcptt_server *srv,
                      const uint8_t *sdp, size_t sdp_len, int64_t now)
{
    const uint8_t *end = sdp + sdp_len, *line = NULL;
    static const char tag[] = "a=key-mgmt:mikey ";
    for (const uint8_t *p = sdp; p + sizeof tag - 1 <= end; p++)
        if ((p == sdp || p[-1] == '\n') && memcmp(p, tag, sizeof tag - 1) == 0) {
            line = p;
            break;
        }
    if (!line)
        return 0;
    const uint8_t *eol = memchr(line, '\n', (size_t)(end - line));
    size_t ll = eol ? (size_t)(eol - line) : (size_t)(end - line);
    char *text = malloc(ll + 1);
    uint8_t *msg = malloc(ll + 1);
    size_t mlen = ll + 1;
    *err = MCSEC_ERR_NOMEM;
    int rc = -1;
    if (!text || !msg)
        goto out;
    memcpy(text, line, ll);
    text[ll] = '\0';
    if ((*err = mcsec_mikey_from_sdp(msg, &mlen, text, ll)) != MCSEC_OK)
        goto out;
    mcsec_mikey_msg m;
    if ((*err = mcsec_mikey_decode(&m, msg, mlen)) != MCSEC_OK)
        goto out;
    *err = MCSEC_ERR_MISSING;
    if (!m.has_t || !srv->ks)
        goto out;
    const mcsec_keystore *ks = srv->ks;
    mcsec_mikey_kms kms = { .uri = ks->cert.kms_uri, .period_len = ks->cert.user_key_period,
                            .period_offset = ks->cert.user_key_offset };
    memcpy(kms.kpak, ks->cert.pub_auth_key, sizeof kms.kpak);
    memcpy(kms.zt, ks->cert.pub_enc_key, sizeof kms.zt);
    uint64_t period;
    const mcsec_kms_keyset *k = NULL;
    /* the key period is the message's (its T payload) */
    if (mcsec_uid_period_no(&period, m.ts_value >> 32, ks->cert.user_key_period,
                            ks->cert.user_key_offset) == MCSEC_OK)
        k = mcsec_keystore_find(ks, srv->psi, period);
    *err = MCSEC_ERR_NOT_FOUND;
    if (!k)
        goto out;
    mcsec_mikey_open_params p = { .own_uri = srv->psi, .own_kms = &kms, .rsk = k->rsk,
                                  .now_ntp = (uint64_t)now + MCSEC_NTP_UNIX_OFFSET, .window = srv->window,
                                  .replay = srv->replay, .replay_check_only = 1, .rsk_key = srv->rsk_key };
    if ((*err = mcsec_mikey_open(o, msg, mlen, &p)) != MCSEC_OK)
        goto out;
    *err = MCSEC_ERR_UNSUPPORTED;
    if (o->type != MCSEC_KEY_PURPOSE_CEK || o->key_len != MCSEC_MIKEY_CEK_BYTES)
        goto out; /* only a CEK may key S/MIME bodies */
    rc = 1; /* who signed it is checked against the decrypted identities */
out:
    if (rc != 1)
        mcsec_mikey_opened_wipe(o);
    free(text);
    free(msg);
    return rc;
}

/* The I_MESSAGE's signer must be the requester: its From URI or the calling
 * MCPTT ID of the (decrypted) mcptt-info. A hidden initiator (TS 33.180 E.7:
 * IDRuidi, reported as the hex UID) is compared as the UID of each candidate
 * for the message's key period (§5.2.6: the ID travels encrypted in the same
 * SIP message). */
static int initiator_ok(const mcsec_mcptt_server *srv, const char *initiator, uint64_t ntp_time,
                        const char *from, char ids[][MCSEC_MCPTT_MAX_URI + 1], size_t n_ids)
{
    const mcsec_keystore *ks = srv->ks;
    uint64_t period;
    int hidden = strlen(initiator) == 64 && strspn(initiator, "0123456789abcdef") == 64;
    if (hidden && (!ks || mcsec_uid_period_no(&period, ntp_time, ks->cert.user_key_period,
                                              ks->cert.user_key_offset) != MCSEC_OK))
        return 0;
    for (size_t i = 0; i <= n_ids; i++) {
        const char *c = i < n_ids ? ids[i] : from;
        if (!hidden) {
            if (strcmp(initiator, c) == 0)
                return 1;
            continue;
        }
        uint8_t uid[32];
        char hex[65];
        if (mcsec_uid_compute(uid, c, strlen(c), ks->cert.kms_uri, strlen(ks->cert.kms_uri),
                              ks->cert.user_key_period, ks->cert.user_key_offset, period) != MCSEC_OK)
            continue;
        for (int k = 0; k < 32; k++)
            snprintf(hex + 2 * k, 3, "%02x", uid[k]);
        if (strcmp(hex, initiator) == 0)
            return 1;
    }
    return 0;
}

/* What is left once the protected body opened (or before it is looked at):
 * a key ID held for another client, or a malformed request. */
static int status_of(mcsec_err e, const char **reason)
{
    if (e == MCSEC_ERR_DUPLICATE) {
        *reason = "Forbidden";
        return 403;
    }
    *reason = "Bad Request";
    return 400;
}

mcsec_err mcsec_mcptt_server_handle(uint8_t *resp, size_t *resp_len, mcsec_mcptt_result *res,
                                    mcsec_mcptt_server *srv, const uint8_t *req, size_t req_len,
                                    int64_t now)
{
    if (!resp || !resp_len || !srv || !req || !srv->psi || !srv->cache)
        return MCSEC_ERR_ARG;
    size_t cap = *resp_len;
    *resp_len = 0;
    mcsec_mcptt_result r;
    memset(&r, 0, sizeof r);
    hdr_block *hb = malloc(sizeof *hb);
    mcsec_mcptt_parts *ps = malloc(sizeof *ps);
    uint8_t *clear = NULL;
    mcsec_mikey_opened mo;
    memset(&mo, 0, sizeof mo);
    lookup_ctx l;
    memset(&l, 0, sizeof l);
    int have_mikey = 0, status = 200;
    const char *reason = "OK";
    mcsec_err err = MCSEC_ERR_NOMEM, why = MCSEC_OK;
    if (!hb || !ps)
        goto out;
    err = MCSEC_ERR_MALFORMED;
    if (req_len > MCSEC_SMIME_MAX_MESSAGE || smime_scan_headers(hb, req, req_len, 1) != MCSEC_OK ||
        (req_len >= 4 && memcmp(req, "SIP/", 4) == 0))
        goto out; /* not a request: no answer */
    const uint8_t *sp = memchr(req, ' ', hb->start_len);
    const hdr_field *fr = field(hb, "from", "f"), *ci = field(hb, "call-id", "i");
    if (!sp || !copy_val(r.method, sizeof r.method, req, (size_t)(sp - req)) || !fr || !ci ||
        !field(hb, "via", "v") || !field(hb, "cseq", NULL) ||
        !uri_of(r.from, sizeof r.from, req + fr->val_off, fr->val_len) ||
        !copy_val(r.call_id, sizeof r.call_id, req + ci->val_off, ci->val_len))
        goto out;

    if (strcmp(r.method, "REGISTER") == 0) {
        const hdr_field *ex = field(hb, "expires", NULL);
        if (ex && ex->val_len == 1 && req[ex->val_off] == '0')
            r.keys_removed = mcsec_mcptt_cek_remove_owner(srv->cache, r.from); /* log-off */
    } else if (strcmp(r.method, "BYE") == 0) {
        r.keys_removed = mcsec_mcptt_cek_remove_session(srv->cache, r.call_id, r.from);
    } else if (strcmp(r.method, "INVITE") == 0 || strcmp(r.method, "MESSAGE") == 0) {
        int is_invite = r.method[0] == 'I';
        if ((why = mcsec_mcptt_parse_parts(ps, req, req_len)) != MCSEC_OK)
            goto answer;
        int sdp = mcsec_mcptt_find_part(ps, "application/sdp");
        if (sdp >= 0) {
            int k = open_mikey(&mo, &why, srv, req + ps->part[sdp].body_off, ps->part[sdp].body_len, now);
            if (k < 0) {
                status = why == MCSEC_ERR_RECIPIENT || why == MCSEC_ERR_VERIFY ? 403 : 488;
                reason = status == 403 ? "Forbidden" : "Not Acceptable Here";
                goto answer;
            }
            have_mikey = k;
        }
        /* nothing protected at all: a plain refusal (no key was involved, so
         * this reveals nothing) */
        if (mcsec_mcptt_find_part(ps, "application/pkcs7-mime") < 0) {
            why = MCSEC_ERR_MISSING;
            status = 400;
            reason = "Bad Request";
            goto answer;
        }
        l.srv = srv;
        l.fresh = have_mikey ? &mo : NULL;
        l.owner = r.from;
        l.session = is_invite ? r.call_id : NULL;
        l.now = now;
        mcsec_smime_unprotect_opts uo = { .trust_pem = srv->trust_pem, .trust_pem_len = srv->trust_pem_len,
                                          .cert_pem = srv->cert_pem, .cert_pem_len = srv->cert_pem_len,
                                          .key_pem = srv->key_pem, .key_pem_len = srv->key_pem_len,
                                          .kek_lookup = lookup, .kek_lookup_ctx = &l };
        mcsec_smime_info info;
        size_t cl = req_len + 4096;
        why = MCSEC_ERR_NOMEM;
        if (!(clear = malloc(cl)))
            goto answer;
        if ((why = mcsec_mcptt_unprotect(clear, &cl, &info, req, req_len, &uo)) != MCSEC_OK) {
            if (why == MCSEC_ERR_RECIPIENT && l.why == MCSEC_ERR_HTTP)
                why = l.why;
            /* one answer for every way a protected body fails (no key, bad
             * padding, bad structure after decryption, bad signature): a
             * sender must not learn which step failed (a CBC padding
             * oracle otherwise); the log line keeps the cause */
            status = 493;
            reason = "Undecipherable";
            goto answer;
        }
        r.smime_flags = info.flags;
        memcpy(r.signer, info.signer, sizeof r.signer);
        r.cek_id_len = info.kek_id_len;
        memcpy(r.cek_id, info.kek_id, info.kek_id_len);
        r.path = info.kek_id_len ? l.path : (info.flags & MCSEC_SMIME_ENCRYPTED) ? MCSEC_MCPTT_PATH_CERT : 0;
        /* the identities, from the unprotected mcptt-info part */
        int ip = -1;
        if ((why = mcsec_mcptt_parse_parts(ps, clear, cl)) == MCSEC_OK &&
            (ip = mcsec_mcptt_find_part(ps, MCSEC_MCPTT_INFO_TYPE)) >= 0)
            why = mcsec_mcptt_info_ids(r.ids, &r.n_ids, clear + ps->part[ip].body_off, ps->part[ip].body_len);
        if (why != MCSEC_OK) { /* decrypted content that does not parse: the same answer */
            status = 493;
            reason = "Undecipherable";
            goto answer;
        }
        /* a key must come from the requester: the MIKEY signer (authenticated
         * by ECCSI) or the KMS CEK's creator (authenticated by the KMS) is the
         * From URI or an MCPTT ID of the decrypted mcptt-info */
        if ((have_mikey && !initiator_ok(srv, mo.initiator, mo.ntp_time, r.from, r.ids, r.n_ids)) ||
            (l.used_kms && !initiator_ok(srv, l.creator, 0, r.from, r.ids, r.n_ids))) {
            if (l.used_kms && !l.fetched.fetched)
                mcsec_mcptt_cek_remove_id(srv->cache, r.cek_id, r.cek_id_len);
            why = MCSEC_ERR_RECIPIENT;
            status = 403;
            reason = "Forbidden";
            goto answer;
        }
        /* accepted: now, and only now, keep a key fetched for it */
        if (l.fetched.fetched) {
            l.fetched.fetched = 0;
            why = mcsec_mcptt_cek_put(srv->cache, &l.fetched, now);
            if (why)
                goto answer;
        }
        /* ... and the new MIKEY key, if it is what protected the request */
        if (have_mikey && !l.used_fresh) {
            why = MCSEC_ERR_MISSING;
            status = 400;
            reason = "Bad Request";
            goto answer;
        }
        if (have_mikey && srv->replay) {
            /* recorded only now: a captured I_MESSAGE replayed inside a
             * failing request cannot make the genuine one a replay */
            why = mcsec_mikey_replay_commit(srv->replay, &mo, (uint64_t)now + MCSEC_NTP_UNIX_OFFSET, srv->window);
            if (why) {
                status = 488;
                reason = "Not Acceptable Here";
                goto answer;
            }
        }
        if (have_mikey) {
            mcsec_mcptt_cek e;
            memset(&e, 0, sizeof e);
            e.id_len = 4;
            for (int i = 0; i < 4; i++)
                e.id[i] = (uint8_t)(mo.key_id >> (24 - 8 * i));
            memcpy(e.key, mo.key, mo.key_len);
            e.key_len = mo.key_len;
            memcpy(e.owner, r.from, strlen(r.from) + 1);
            if (is_invite)
                memcpy(e.session, r.call_id, strlen(r.call_id) + 1);
            e.path = MCSEC_MCPTT_PATH_MIKEY;
            why = mcsec_mcptt_cek_put(srv->cache, &e, now);
            mcsec_wipe(&e, sizeof e);
            if (why)
                goto answer;
            r.new_key = 1;
        }
    } else {
        status = 405;
        reason = "Method Not Allowed";
    }
answer:
    if (why != MCSEC_OK && status == 200)
        status = status_of(why, &reason);
    r.status = status;
    r.err = why;
    *resp_len = cap;
    err = respond(resp, resp_len, hb, status, reason);
    if (err)
        *resp_len = 0;
out:
    mcsec_mikey_opened_wipe(&mo);
    mcsec_wipe(&l, sizeof l);
    if (clear) {
        mcsec_wipe(clear, req_len + 4096);
        free(clear);
    }
    free(hb);
    free(ps);
    if (res)
        *res = r;
    mcsec_wipe(&r, sizeof r);
    return err;
}
