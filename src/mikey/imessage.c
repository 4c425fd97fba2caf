/* MIKEY-SAKKE I_MESSAGE creation and opening (RFC 6509 §2-3, TS 33.180 §5.2
 * and Annex E). Sans-I/O: keys and bytes in, bytes and keys out. */
#include "mcsec/mikey.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "mcsec/eccsi.h"
#include "mcsec/sakke.h"
#include "mcsec/uid.h"

#define SIGN_HDR_ECCSI 0x2081 /* S type 2 (ECCSI, RFC 6509) | signature length 129 */
#define CS_ID_GROUP_MCPTT 4   /* TS 33.180 Table E.1.3-1 */
#define CS_ID_CSK_MCPTT 6

/* The SRTP policy deployed implementations send for GMK and CSK (33.179
 * Table E.2-1 without the ROC rate): AES-GCM, 16-octet key, RCCm3, 12-octet
 * salt, AES-CM PRF, no rekeying, 4-octet SRTP tag (the ROC), no SRTCP tag,
 * 16-octet AEAD tag. */
static const uint8_t sp_group_profile[] = { 0, 1, 6, 1, 1, 16, 2, 1, 4, 4, 1, 12, 5, 1, 0,
                                            6, 1, 0, 18, 1, 4, 19, 1, 0, 20, 1, 16 };

typedef struct writer {
    uint8_t *p;
    size_t cap, n;
    int overflow;
} writer;

static void w_bytes(writer *w, const void *b, size_t n)
{
    if (w->overflow || n > w->cap - w->n) {
        w->overflow = 1;
        return;
    }
    memcpy(w->p + w->n, b, n);
    w->n += n;
}

static void w_be(writer *w, uint64_t v, size_t n)
{
    uint8_t b[8];
    for (size_t i = n; i-- > 0; v >>= 8)
        b[i] = (uint8_t)v;
    w_bytes(w, b, n);
}

static void w_idr(writer *w, uint8_t next, uint8_t role, const char *uri)
{
    size_t l = strlen(uri);
    w_be(w, next, 1);
    w_be(w, role, 1);
    w_be(w, 1, 1); /* ID type URI (RFC 6043 §6.6) */
    w_be(w, l, 2);
    w_bytes(w, uri, l);
}

/* An IDR payload carrying a UID in place of the identity (TS 33.180 E.7:
 * roles IDRuidi 8 / IDRuidr 9; ID type 1 as in the interoperable messages,
 * mikey.md §4.3). */
static void w_idr_uid(writer *w, uint8_t next, uint8_t role, const uint8_t uid[32])
{
    w_be(w, next, 1);
    w_be(w, role, 1);
    w_be(w, 1, 1);
    w_be(w, 32, 2);
    w_bytes(w, uid, 32);
}

static int uri_ok(const char *u)
{
    return u && u[0] && strlen(u) <= MCSEC_MIKEY_MAX_URI;
}

static int kms_ok(const mcsec_mikey_kms *k)
{
    return k && uri_ok(k->uri) && k->period_len > 0 && k->period_offset < k->period_len;
}

/* UID of uri under kms for the period containing ntp_seconds (TS 33.180 F.2.1). */
static mcsec_err uid_at(uint8_t uid[32], const char *uri, size_t uri_len, const mcsec_mikey_kms *kms,
                        uint64_t ntp_seconds)
{
    uint64_t period;
    mcsec_err err = mcsec_uid_period_no(&period, ntp_seconds, kms->period_len, kms->period_offset);
    if (!err)
        err = mcsec_uid_compute(uid, uri, uri_len, kms->uri, strlen(kms->uri), kms->period_len,
                                kms->period_offset, period);
    return err;
}

/* The 32-octet CEK from the 16-octet SSV: the MIKEY PRF with the RFC 3830
 * encryption-key constant, CS ID 0xFF (no crypto session), the CSB ID and the
 * RAND (docs/interop.md, "CEK over MIKEY-SAKKE"). */
static mcsec_err derive_cek(uint8_t cek[32], const uint8_t ssv[16], uint32_t csb_id, const uint8_t *rand,
                            size_t rand_len)
{
    return mcsec_mikey_derive(cek, 32, MCSEC_MIKEY_CONST_ENCR, ssv, 16, 0xFF, csb_id, rand, rand_len);
}

mcsec_err mcsec_mikey_create(uint8_t *out, size_t *out_len, const mcsec_mikey_create_params *p,
                             const mcsec_rng *rng)
{
    if (!out || !out_len || !p || !p->key || !p->ssk || !p->pvt || !uri_ok(p->initiator) ||
        !uri_ok(p->responder) || !kms_ok(p->kms_i) || !kms_ok(p->kms_r))
        return MCSEC_ERR_ARG;
    if ((p->type != MCSEC_KEY_PURPOSE_GMK && p->type != MCSEC_KEY_PURPOSE_PCK &&
         p->type != MCSEC_KEY_PURPOSE_CSK && p->type != MCSEC_KEY_PURPOSE_CEK) ||
        p->key_id >> 28 != p->type) /* TS 33.180 §5.2.2: the top 4 bits are the purpose tag */
        return MCSEC_ERR_ARG;
    if (!rng)
        rng = mcsec_rng_default();
    const uint64_t t = p->ntp_time;
    uint8_t rand[MCSEC_MIKEY_RAND_BYTES], uid_i[32], uid_r[32], sed[MCSEC_SAKKE_SED_BYTES];
    uint8_t kp_buf[1024], sig[MCSEC_ECCSI_SIG_BYTES];
    size_t kp_len = sizeof kp_buf;
    uint32_t csb_id = p->key_id;
    mcsec_eccsi_key signer;
    memset(&signer, 0, sizeof signer);
    mcsec_err err = MCSEC_OK;

    if (p->rand)
        memcpy(rand, p->rand, sizeof rand);
    else if (rng->fill(rng->ctx, rand, sizeof rand) != 0)
        err = MCSEC_ERR_RNG;
    /* TS 33.180 E.1.1: both UIDs for the key period containing the timestamp */
    if (!err)
        err = uid_at(uid_i, p->initiator, strlen(p->initiator), p->kms_i, t);
    if (!err)
        err = uid_at(uid_r, p->responder, strlen(p->responder), p->kms_r, t);
    if (!err)
        err = mcsec_eccsi_key_init(&signer, p->kms_i->kpak, uid_i, 32, p->ssk, p->pvt);
    /* TS 33.180 §5.2.3: a GMK travels under the member's GUK-ID */
    if (!err && p->type == MCSEC_KEY_PURPOSE_GMK)
        err = mcsec_mikey_guk_id(&csb_id, p->key_id, p->key, 16, p->responder, strlen(p->responder));
    /* RFC 6509 §2.2: SAKKE-encapsulate the key (the SSV) to the responder's UID */
    if (!err)
        err = mcsec_sakke_encapsulate(sed, p->kms_r->zt, uid_r, 32, p->key);
    if (!err) {
        mcsec_mikey_key_params dflt = { .key_type = p->type, .status = MCSEC_MIKEY_KP_STATUS_NOT_REVOKED };
        const mcsec_mikey_key_params *kp = p->kp ? p->kp : &dflt;
        err = kp->key_type == p->type
                  ? mcsec_mikey_key_params_seal(kp_buf, &kp_len, kp, p->key, csb_id, rng)
                  : MCSEC_ERR_ARG;
    }

    writer w = { out, *out_len, 0, 0 };
    if (!err) {
        int with_map = p->type == MCSEC_KEY_PURPOSE_GMK || p->type == MCSEC_KEY_PURPOSE_CSK;
        /* RFC 3830 §6.1 HDR: version 1, data type SAKKE (26), next = T, V = 0, PRF-HMAC-SHA-256 */
        w_be(&w, 1, 1);
        w_be(&w, MCSEC_MIKEY_DATA_TYPE_SAKKE, 1);
        w_be(&w, MCSEC_MIKEY_PT_T, 1);
        w_be(&w, 1, 1);
        w_be(&w, csb_id, 4);
        if (with_map) {
            /* RFC 6043 §6.1.1 GENERIC-ID: CS ID, SRTP, one policy (0), no session data, SPI = MKI */
            w_be(&w, 1, 1);
            w_be(&w, 2, 1);
            w_be(&w, p->type == MCSEC_KEY_PURPOSE_GMK ? CS_ID_GROUP_MCPTT : CS_ID_CSK_MCPTT, 1);
            w_be(&w, 0, 1);
            w_be(&w, 1, 1);
            w_be(&w, 0, 1);
            w_be(&w, 0, 2);
            if (p->type == MCSEC_KEY_PURPOSE_GMK) {
                w_be(&w, 8, 1);
                w_be(&w, p->key_id, 4); /* MKI = GMK-ID || GUK-ID */
                w_be(&w, csb_id, 4);
            } else {
                w_be(&w, 4, 1);
                w_be(&w, p->key_id, 4);
            }
        } else {
            w_be(&w, 0, 1); /* #CS 0, empty map: the default profile applies (33.180 E.1.2) */
            w_be(&w, 1, 1);
        }
        /* T: NTP-UTC (type 0), fraction 0 */
        w_be(&w, MCSEC_MIKEY_PT_RAND, 1);
        w_be(&w, 0, 1);
        w_be(&w, t << 32, 8);
        w_be(&w, MCSEC_MIKEY_PT_IDR, 1);
        w_be(&w, sizeof rand, 1);
        w_bytes(&w, rand, sizeof rand);
        /* TS 33.180 E.7 / §5.2.6: a hidden MC Service ID is replaced by its UID */
        if (p->hide_initiator)
            w_idr_uid(&w, MCSEC_MIKEY_PT_IDR, MCSEC_MIKEY_ROLE_UIDI, uid_i);
        else
            w_idr(&w, MCSEC_MIKEY_PT_IDR, MCSEC_MIKEY_ROLE_I, p->initiator);
        if (p->hide_responder)
            w_idr_uid(&w, MCSEC_MIKEY_PT_IDR, MCSEC_MIKEY_ROLE_UIDR, uid_r);
        else
            w_idr(&w, MCSEC_MIKEY_PT_IDR, MCSEC_MIKEY_ROLE_R, p->responder);
        w_idr(&w, MCSEC_MIKEY_PT_IDR, MCSEC_MIKEY_ROLE_KMSI, p->kms_i->uri);
        w_idr(&w, with_map ? MCSEC_MIKEY_PT_SP : MCSEC_MIKEY_PT_SAKKE, MCSEC_MIKEY_ROLE_KMSR, p->kms_r->uri);
        if (with_map) {
            w_be(&w, MCSEC_MIKEY_PT_SAKKE, 1);
            w_be(&w, 0, 1); /* policy no 0 */
            w_be(&w, 0, 1); /* SRTP */
            w_be(&w, sizeof sp_group_profile, 2);
            w_bytes(&w, sp_group_profile, sizeof sp_group_profile);
        }
        /* RFC 6509 §4.2 SAKKE payload: parameter set 1, ID scheme 2 (33.180 hashed UID) */
        w_be(&w, MCSEC_MIKEY_PT_GEXT, 1);
        w_be(&w, 1, 1);
        w_be(&w, 2, 1);
        w_be(&w, sizeof sed, 2);
        w_bytes(&w, sed, sizeof sed);
        /* TS 33.180 E.6: key parameters as General Extension type 7 */
        w_be(&w, MCSEC_MIKEY_PT_SIGN, 1);
        w_be(&w, 7, 1);
        w_be(&w, kp_len, 2);
        w_bytes(&w, kp_buf, kp_len);
        /* RFC 6509 §3: the signature covers everything up to and including the SIGN header */
        w_be(&w, SIGN_HDR_ECCSI, 2);
        if (w.overflow) {
            *out_len = w.n + 1024;
            err = MCSEC_ERR_BUFFER;
        } else if (w.cap - w.n < sizeof sig) {
            *out_len = w.n + sizeof sig;
            err = MCSEC_ERR_BUFFER;
        }
    }
    if (!err)
        err = mcsec_eccsi_sign(sig, &signer, out, w.n, rng);
    if (!err) {
        w_bytes(&w, sig, sizeof sig);
        *out_len = w.n;
    } else if (err != MCSEC_ERR_BUFFER) {
        mcsec_wipe(out, w.n);
    }
    mcsec_eccsi_key_wipe(&signer);
    mcsec_wipe(kp_buf, sizeof kp_buf);
    return err;
}

/* ---------------------------------------------------------------- open */

static const mcsec_mikey_kms *find_kms(const mcsec_mikey_open_params *p, const mcsec_mikey_idr *idr)
{
    if (idr->len == strlen(p->own_kms->uri) && memcmp(idr->data, p->own_kms->uri, idr->len) == 0)
        return p->own_kms;
    for (size_t i = 0; i < p->n_kms; i++) {
        const mcsec_mikey_kms *k = p->kms[i];
        if (kms_ok(k) && idr->len == strlen(k->uri) && memcmp(idr->data, k->uri, idr->len) == 0)
            return k;
    }
    return NULL;
}

/* The replay identity of a message: SHA-256(IDRi data || CSB ID || RAND), truncated. */
/* The replay identity of a message: SHA-256(initiator as reported (URI, or
 * the hex UID when hidden) || CSB ID || RAND), first 16 octets. */
static mcsec_err replay_id(uint8_t id[16], const char *ini, uint32_t csb_id, const uint8_t *rand,
                           size_t rand_len)
{
    uint8_t h[32], c[4] = { (uint8_t)(csb_id >> 24), (uint8_t)(csb_id >> 16), (uint8_t)(csb_id >> 8),
                            (uint8_t)csb_id };
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    unsigned int hl = 0;
    int ok = x && EVP_DigestInit_ex(x, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(x, ini, strlen(ini)) == 1 && EVP_DigestUpdate(x, c, 4) == 1 &&
             EVP_DigestUpdate(x, rand, rand_len) == 1 && EVP_DigestFinal_ex(x, h, &hl) == 1;
    EVP_MD_CTX_free(x);
    memcpy(id, h, 16);
    return ok ? MCSEC_OK : MCSEC_ERR_CRYPTO;
}

/* Returns MCSEC_ERR_REPLAY if id is live in the cache; else records it when
 * commit is set. */
static mcsec_err replay_check(mcsec_mikey_replay_cache *rc, const uint8_t id[16], uint64_t now, uint64_t expires,
                              int commit)
{
    size_t free_slot = MCSEC_MIKEY_REPLAY_SLOTS;
    for (size_t i = 0; i < MCSEC_MIKEY_REPLAY_SLOTS; i++) {
        int live = rc->slot[i].expires != 0 && rc->slot[i].expires >= now;
        if (live && memcmp(rc->slot[i].id, id, 16) == 0)
            return MCSEC_ERR_REPLAY;
        if (!live && free_slot == MCSEC_MIKEY_REPLAY_SLOTS)
            free_slot = i;
    }
    if (!commit)
        return MCSEC_OK;
    if (free_slot == MCSEC_MIKEY_REPLAY_SLOTS) {
        free_slot = rc->next % MCSEC_MIKEY_REPLAY_SLOTS; /* full: overwrite the oldest insertion */
        rc->next = free_slot + 1;
    }
    memcpy(rc->slot[free_slot].id, id, 16);
    rc->slot[free_slot].expires = expires;
    return MCSEC_OK;
}

mcsec_err mcsec_mikey_replay_commit(mcsec_mikey_replay_cache *rc, const mcsec_mikey_opened *o, uint64_t now_ntp,
                                    uint32_t window)
{
    if (!rc || !o || !memchr(o->initiator, 0, sizeof o->initiator) || o->rand_len == 0)
        return MCSEC_ERR_ARG;
    uint8_t id[16];
    mcsec_err err = replay_id(id, o->initiator, o->csb_id, o->rand, o->rand_len);
    if (!err)
        err = replay_check(rc, id, now_ntp, o->ntp_time + (window ? window : 300), 1);
    return err;
}

static void idr_text(char *out, const mcsec_mikey_idr *idr)
{
    if (idr->role == MCSEC_MIKEY_ROLE_UIDI || idr->role == MCSEC_MIKEY_ROLE_UIDR) {
        for (size_t i = 0; i < idr->len && i < MCSEC_MIKEY_MAX_URI; i++)
            snprintf(out + 2 * i, 3, "%02x", idr->data[i]);
    } else {
        memcpy(out, idr->data, idr->len);
        out[idr->len] = 0;
    }
}

/* The checks of RFC 6509 §3 and TS 33.180 §5.2 in order; see mikey.h. */
static mcsec_err open_checked(mcsec_mikey_opened *o, const uint8_t *msg, size_t len,
                              const mcsec_mikey_open_params *p, uint8_t ssv[16])
{
    mcsec_mikey_msg m;
    mcsec_err err = mcsec_mikey_decode(&m, msg, len);
    if (err)
        return err;
    /* RFC 6509 §2.1 / TS 33.180 E.1.2: the mandatory payloads */
    const mcsec_mikey_idr *ini = mcsec_mikey_find_idr(&m, MCSEC_MIKEY_ROLE_I);
    const mcsec_mikey_idr *rsp = mcsec_mikey_find_idr(&m, MCSEC_MIKEY_ROLE_R);
    const mcsec_mikey_idr *kmsi = mcsec_mikey_find_idr(&m, MCSEC_MIKEY_ROLE_KMSI);
    const mcsec_mikey_idr *kmsr = mcsec_mikey_find_idr(&m, MCSEC_MIKEY_ROLE_KMSR);
    if (!ini)
        ini = mcsec_mikey_find_idr(&m, MCSEC_MIKEY_ROLE_UIDI);
    if (!rsp)
        rsp = mcsec_mikey_find_idr(&m, MCSEC_MIKEY_ROLE_UIDR);
    if (!m.has_t || !m.has_rand || !ini || !rsp || !kmsi || !kmsr || !m.has_sakke || !m.has_sign)
        return MCSEC_ERR_MISSING;
    if (m.data_type != MCSEC_MIKEY_DATA_TYPE_SAKKE || m.v_flag || m.ts_type != 0 || m.sakke_params != 1 ||
        m.sakke_id_scheme != 2 || m.sign_type != 2)
        return MCSEC_ERR_UNSUPPORTED;
    if (m.sakke_len != MCSEC_SAKKE_SED_BYTES || m.sign_len != MCSEC_ECCSI_SIG_BYTES ||
        ini->len == 0 || ini->len > MCSEC_MIKEY_MAX_URI || rsp->len == 0 || rsp->len > MCSEC_MIKEY_MAX_URI ||
        ((ini->role == MCSEC_MIKEY_ROLE_UIDI || rsp->role == MCSEC_MIKEY_ROLE_UIDR) &&
         ((ini->role == MCSEC_MIKEY_ROLE_UIDI && ini->len != 32) ||
          (rsp->role == MCSEC_MIKEY_ROLE_UIDR && rsp->len != 32))))
        return MCSEC_ERR_MALFORMED;

    /* RFC 3830 §5.4: freshness of the NTP-UTC timestamp */
    uint64_t t = m.ts_value >> 32, window = p->window ? p->window : 300;
    if (t + window < p->now_ntp || t > p->now_ntp + window)
        return MCSEC_ERR_TIME;

    /* TS 33.180 §5.2: the message must be for us, under our KMS */
    uint8_t own_uid[32], signer_uid[32];
    err = uid_at(own_uid, p->own_uri, strlen(p->own_uri), p->own_kms, t);
    if (err)
        return err;
    if (rsp->role == MCSEC_MIKEY_ROLE_R ? (rsp->len != strlen(p->own_uri) || memcmp(rsp->data, p->own_uri, rsp->len))
                                        : memcmp(rsp->data, own_uid, 32) != 0)
        return MCSEC_ERR_RECIPIENT;
    if (find_kms(p, kmsr) != p->own_kms)
        return MCSEC_ERR_NOT_FOUND;
    const mcsec_mikey_kms *signer_kms = find_kms(p, kmsi);
    if (!signer_kms)
        return MCSEC_ERR_NOT_FOUND;

    /* RFC 6509 §3: the initiator's ECCSI signature under its KMS, for its UID in that period */
    if (ini->role == MCSEC_MIKEY_ROLE_UIDI)
        memcpy(signer_uid, ini->data, 32);
    else if ((err = uid_at(signer_uid, (const char *)ini->data, ini->len, signer_kms, t)))
        return err;
    err = mcsec_eccsi_verify(signer_kms->kpak, signer_uid, 32, msg, m.signed_len, m.sign);
    if (err)
        return err;
    /* after authentication, so forged messages cannot fill the cache */
    if (p->replay) {
        uint8_t id[16];
        char ini_text[MCSEC_MIKEY_MAX_URI * 2 + 1];
        idr_text(ini_text, ini);
        err = replay_id(id, ini_text, m.csb_id, m.rand, m.rand_len);
        if (!err)
            err = replay_check(p->replay, id, p->now_ntp, t + window, !p->replay_check_only);
        if (err)
            return err;
    }
    /* RFC 6508 §6.2.2 via RFC 6509 §3: decapsulate with our RSK and UID */
    size_t key_id_len = 0;
    const uint8_t *key_id = mcsec_sakke_rsk_key_id(p->rsk_key, &key_id_len);
    if (key_id != NULL && key_id_len == 32 && memcmp(key_id, own_uid, 32) == 0)
        err = mcsec_sakke_decapsulate_key(ssv, p->rsk_key, m.sakke_data);
    else if (p->rsk != NULL)
        err = mcsec_sakke_decapsulate(ssv, p->own_kms->zt, own_uid, 32, p->rsk, m.sakke_data);
    else
        err = MCSEC_ERR_NOT_FOUND; /* the prepared key is for another UID (key period) */
    if (err)
        return err;

    o->type = (uint8_t)(m.csb_id >> 28);
    o->csb_id = m.csb_id;
    o->key_id = m.csb_id;
    switch (o->type) {
    case MCSEC_KEY_PURPOSE_GMK: /* TS 33.180 §5.2.3: GMK-ID from the GUK-ID and our URI */
        err = mcsec_mikey_guk_id(&o->key_id, m.csb_id, ssv, 16, p->own_uri, strlen(p->own_uri));
        memcpy(o->key, ssv, 16);
        o->key_len = 16;
        break;
    case MCSEC_KEY_PURPOSE_PCK:
    case MCSEC_KEY_PURPOSE_CSK:
        memcpy(o->key, ssv, 16);
        o->key_len = 16;
        break;
    case MCSEC_KEY_PURPOSE_CEK:
        err = derive_cek(o->key, ssv, m.csb_id, m.rand, m.rand_len);
        o->key_len = 32;
        break;
    default:
        err = MCSEC_ERR_UNSUPPORTED;
    }
    if (err)
        return err;
    /* TS 33.180 §5.2.4: the key parameters must decrypt, match, and not say revoked */
    for (size_t i = 0; i < m.n_ext; i++) {
        if (m.ext[i].type != 7)
            continue;
        if (o->has_key_params)
            return MCSEC_ERR_DUPLICATE;
        err = mcsec_mikey_key_params_open(&o->kp, m.ext[i].data, m.ext[i].len, ssv, m.csb_id, p->legacy);
        if (err)
            return err;
        if (o->kp.key_type != o->type)
            return MCSEC_ERR_MALFORMED;
        if (!(o->kp.status & MCSEC_MIKEY_KP_STATUS_NOT_REVOKED))
            return MCSEC_ERR_REVOKED;
        o->has_key_params = 1;
    }
    idr_text(o->initiator, ini);
    idr_text(o->responder, rsp);
    o->ntp_time = t;
    o->rand_len = m.rand_len;
    memcpy(o->rand, m.rand, m.rand_len);
    return MCSEC_OK;
}

mcsec_err mcsec_mikey_open(mcsec_mikey_opened *out, const uint8_t *msg, size_t len,
                           const mcsec_mikey_open_params *p)
{
    if (!out)
        return MCSEC_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!msg || !p || !uri_ok(p->own_uri) || !kms_ok(p->own_kms) || (!p->rsk && !p->rsk_key) || (p->n_kms && !p->kms))
        return MCSEC_ERR_ARG;
    uint8_t ssv[16];
    mcsec_err err = open_checked(out, msg, len, p, ssv);
    mcsec_wipe(ssv, sizeof ssv);
    if (err)
        mcsec_mikey_opened_wipe(out);
    return err;
}

void mcsec_mikey_opened_wipe(mcsec_mikey_opened *out)
{
    if (out)
        mcsec_wipe(out, sizeof *out);
}
