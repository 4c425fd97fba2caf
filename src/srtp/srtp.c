/* SRTP/SRTCP for MCPTT media and floor control over libsrtp2 (TS 33.180 §7.4,
 * RFC 3711, RFC 7714). See include/mcsec/srtp.h for the model: one libsrtp
 * session per master key, a receiver choosing the session by the MKI. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "mcsec/mikey.h"
#include "mcsec/srtp.h"

/* ---- the one process-wide initialisation -------------------------------------
 * libsrtp2 keeps its crypto kernel (cipher and auth type lists) in globals set
 * up by srtp_init(). It is run once, under pthread_once, and never torn down
 * (srtp_shutdown would break other users of libsrtp2 in the process). The
 * probe below also answers whether this libsrtp2 has AES-GCM (OpenSSL or NSS
 * backend) with an MKI: a session is created and one packet round-trips. */
static pthread_once_t srtp_once = PTHREAD_ONCE_INIT;
static mcsec_err srtp_state = MCSEC_ERR_INTERNAL;

static void gcm_policy(srtp_policy_t *p, srtp_master_key_t **keys, srtp_ssrc_type_t dir)
{
    memset(p, 0, sizeof *p);
    /* RFC 7714 AEAD_AES_128_GCM: 16-octet key + 12-octet salt, 16-octet tag,
     * for both SRTP and SRTCP (TS 33.180 §7.4 / 33.179 Table E.2-1 encryption
     * algorithm 6, AEAD tag 16; SRTCP encryption on). */
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
    p->ssrc.type = dir;
    p->keys = keys;
    p->num_master_keys = 1;
    p->window_size = 128; /* RFC 3711 §3.3.2: at least 64 */
    p->allow_repeat_tx = 0;
}

static mcsec_err map_status(srtp_err_status_t st)
{
    switch (st) {
    case srtp_err_status_ok:
        return MCSEC_OK;
    case srtp_err_status_auth_fail:
    case srtp_err_status_cipher_fail:
        return MCSEC_ERR_VERIFY;
    case srtp_err_status_replay_fail:
    case srtp_err_status_replay_old:
        return MCSEC_ERR_REPLAY;
    case srtp_err_status_bad_mki:
        return MCSEC_ERR_NOT_FOUND;
    case srtp_err_status_alloc_fail:
        return MCSEC_ERR_NOMEM;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err:
        return MCSEC_ERR_MALFORMED;
    default:
        return MCSEC_ERR_CRYPTO;
    }
}

/* Creates a one-key session; the master key is copied into libsrtp's
 * derived session keys, the local copy is wiped. */
static mcsec_err session_new(srtp_t *out, const mcsec_srtp_key *k, srtp_ssrc_type_t dir)
{
    uint8_t km[MCSEC_SRTP_MASTER_KEY_BYTES + MCSEC_SRTP_MASTER_SALT_BYTES];
    uint8_t mki[MCSEC_SRTP_MAX_MKI];
    srtp_master_key_t mk;
    srtp_master_key_t *keys[1] = { &mk };
    srtp_policy_t p;
    memcpy(km, k->master_key, MCSEC_SRTP_MASTER_KEY_BYTES);
    memcpy(km + MCSEC_SRTP_MASTER_KEY_BYTES, k->master_salt, MCSEC_SRTP_MASTER_SALT_BYTES);
    memcpy(mki, k->mki, k->mki_len);
    mk.key = km;
    mk.mki_id = mki;
    mk.mki_size = (unsigned)k->mki_len;
    gcm_policy(&p, keys, dir);
    *out = NULL;
    mcsec_err err = map_status(srtp_create(out, &p));
    if (err == MCSEC_ERR_MALFORMED)
        err = MCSEC_ERR_UNSUPPORTED; /* a bad_param from create: the cipher is missing */
    if (err != MCSEC_OK)
        *out = NULL;
    mcsec_wipe(km, sizeof km);
    mcsec_wipe(&p, sizeof p);
    return err;
}

static void srtp_global_init(void)
{
    if (srtp_init() != srtp_err_status_ok) {
        srtp_state = MCSEC_ERR_CRYPTO;
        return;
    }
    mcsec_srtp_key k;
    memset(&k, 0x5a, sizeof k);
    k.mki_len = 8;
    srtp_t tx = NULL, rx = NULL;
    mcsec_err err = session_new(&tx, &k, ssrc_any_outbound);
    if (err == MCSEC_OK)
        err = session_new(&rx, &k, ssrc_any_inbound);
    if (err == MCSEC_OK) {
        uint8_t pkt[12 + 4 + MCSEC_SRTP_MAX_TRAILER] = { 0x80, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4 };
        int len = 16;
        if (srtp_protect_mki(tx, pkt, &len, 1, 0) != srtp_err_status_ok || len != 16 + 16 + 8 ||
            srtp_unprotect_mki(rx, pkt, &len, 1) != srtp_err_status_ok || len != 16 || pkt[15] != 4)
            err = MCSEC_ERR_UNSUPPORTED;
    }
    if (tx)
        srtp_dealloc(tx);
    if (rx)
        srtp_dealloc(rx);
    srtp_state = err == MCSEC_ERR_NOMEM ? MCSEC_ERR_NOMEM : err == MCSEC_OK ? MCSEC_OK : MCSEC_ERR_UNSUPPORTED;
}

mcsec_err mcsec_srtp_available(void)
{
    if (pthread_once(&srtp_once, srtp_global_init) != 0)
        return MCSEC_ERR_INTERNAL;
    return srtp_state;
}

const char *mcsec_srtp_backend(void)
{
    return srtp_get_version_string();
}

/* ---- keys ------------------------------------------------------------------- */

mcsec_err mcsec_srtp_key_derive(mcsec_srtp_key *out, const uint8_t *key, size_t key_len, uint32_t key_id,
                                const uint8_t *rand, size_t rand_len, uint8_t cs_id, const char *member_uri)
{
    if (out == NULL)
        return MCSEC_ERR_ARG;
    memset(out, 0, sizeof *out);
    mcsec_err err = mcsec_mikey_srtp_keys(out->master_key, out->master_salt, out->mki, &out->mki_len, key,
                                          key_len, key_id, rand, rand_len, cs_id, member_uri);
    if (err != MCSEC_OK)
        mcsec_srtp_key_wipe(out);
    return err;
}

void mcsec_srtp_key_wipe(mcsec_srtp_key *k)
{
    if (k != NULL)
        mcsec_wipe(k, sizeof *k);
}

static int key_ok(const mcsec_srtp_key *k)
{
    return k != NULL && k->mki_len >= 1 && k->mki_len <= MCSEC_SRTP_MAX_MKI;
}

static uint32_t be32(const uint8_t *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* ---- sender ----------------------------------------------------------------- */

struct mcsec_srtp_sender {
    srtp_t s;
};

mcsec_err mcsec_srtp_sender_new(mcsec_srtp_sender **out, const mcsec_srtp_key *k)
{
    if (out == NULL)
        return MCSEC_ERR_ARG;
    *out = NULL;
    if (!key_ok(k))
        return MCSEC_ERR_ARG;
    mcsec_err err = mcsec_srtp_available();
    if (err != MCSEC_OK)
        return err;
    mcsec_srtp_sender *s = calloc(1, sizeof *s);
    if (s == NULL)
        return MCSEC_ERR_NOMEM;
    err = session_new(&s->s, k, ssrc_any_outbound);
    if (err != MCSEC_OK) {
        free(s);
        return err;
    }
    *out = s;
    return MCSEC_OK;
}

mcsec_err mcsec_srtp_sender_rekey(mcsec_srtp_sender *s, const mcsec_srtp_key *k)
{
    if (s == NULL || !key_ok(k))
        return MCSEC_ERR_ARG;
    srtp_t n = NULL;
    mcsec_err err = session_new(&n, k, ssrc_any_outbound);
    if (err != MCSEC_OK)
        return err;
    srtp_dealloc(s->s);
    s->s = n;
    return MCSEC_OK;
}

void mcsec_srtp_sender_free(mcsec_srtp_sender *s)
{
    if (s == NULL)
        return;
    if (s->s != NULL)
        srtp_dealloc(s->s); /* libsrtp zeroises its session keys when freeing them */
    free(s);
}

static mcsec_err protect(mcsec_srtp_sender *s, uint8_t *pkt, size_t *len, size_t cap, int rtcp)
{
    if (s == NULL || pkt == NULL || len == NULL)
        return MCSEC_ERR_ARG;
    if (*len > MCSEC_SRTP_MAX_PACKET)
        return MCSEC_ERR_ARG;
    if (cap < *len + MCSEC_SRTP_MAX_TRAILER)
        return MCSEC_ERR_BUFFER;
    if (*len < (rtcp ? 8u : 12u))
        return MCSEC_ERR_MALFORMED;
    int n = (int)*len;
    srtp_err_status_t st =
        rtcp ? srtp_protect_rtcp_mki(s->s, pkt, &n, 1, 0) : srtp_protect_mki(s->s, pkt, &n, 1, 0);
    mcsec_err err = map_status(st);
    if (err == MCSEC_ERR_VERIFY || err == MCSEC_ERR_REPLAY || err == MCSEC_ERR_NOT_FOUND)
        err = MCSEC_ERR_CRYPTO;
    if (err == MCSEC_OK)
        *len = (size_t)n;
    return err;
}

mcsec_err mcsec_srtp_protect(mcsec_srtp_sender *s, uint8_t *pkt, size_t *len, size_t cap)
{
    return protect(s, pkt, len, cap, 0);
}

mcsec_err mcsec_srtp_protect_rtcp(mcsec_srtp_sender *s, uint8_t *pkt, size_t *len, size_t cap)
{
    return protect(s, pkt, len, cap, 1);
}

/* ---- receiver --------------------------------------------------------------- */

/* A GMK from which talker keys are derived on demand. */
typedef struct gmk_entry {
    int used;
    uint32_t gmk_id;
    uint8_t gmk[16];
    uint8_t rand[255];
    uint8_t rand_len;
    uint8_t cs_id;
} gmk_entry;

/* One master key with its libsrtp session. */
typedef struct key_slot {
    srtp_t s;                      /* NULL = free */
    uint8_t mki[MCSEC_SRTP_MAX_MKI];
    size_t mki_len;
    uint32_t key_id;
    uint32_t guk_id;
    int derived;                   /* a talker key of a GMK */
    uint64_t last_use;
} key_slot;

struct mcsec_srtp_receiver {
    gmk_entry gmk[MCSEC_SRTP_MAX_KEYS];
    key_slot slot[MCSEC_SRTP_MAX_KEYS + MCSEC_SRTP_MAX_TALKERS];
    size_t last;                   /* the slot that matched last: checked first */
    uint64_t tick;
};

#define N_SLOTS (MCSEC_SRTP_MAX_KEYS + MCSEC_SRTP_MAX_TALKERS)

mcsec_err mcsec_srtp_receiver_new(mcsec_srtp_receiver **out)
{
    if (out == NULL)
        return MCSEC_ERR_ARG;
    *out = NULL;
    mcsec_err err = mcsec_srtp_available();
    if (err != MCSEC_OK)
        return err;
    *out = calloc(1, sizeof **out);
    return *out ? MCSEC_OK : MCSEC_ERR_NOMEM;
}

static void slot_clear(key_slot *k)
{
    if (k->s != NULL)
        srtp_dealloc(k->s);
    memset(k, 0, sizeof *k);
}

void mcsec_srtp_receiver_free(mcsec_srtp_receiver *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < N_SLOTS; i++)
        slot_clear(&r->slot[i]);
    mcsec_wipe(r->gmk, sizeof r->gmk);
    free(r);
}

static key_slot *find_mki(mcsec_srtp_receiver *r, const uint8_t *mki, size_t mki_len)
{
    for (size_t i = 0; i < N_SLOTS; i++) {
        key_slot *k = &r->slot[i];
        if (k->s != NULL && k->mki_len == mki_len && memcmp(k->mki, mki, mki_len) == 0)
            return k;
    }
    return NULL;
}

mcsec_err mcsec_srtp_receiver_add_key(mcsec_srtp_receiver *r, const mcsec_srtp_key *k)
{
    if (r == NULL || !key_ok(k))
        return MCSEC_ERR_ARG;
    if (find_mki(r, k->mki, k->mki_len) != NULL)
        return MCSEC_ERR_DUPLICATE;
    size_t explicit_n = 0;
    key_slot *free_slot = NULL;
    for (size_t i = 0; i < N_SLOTS; i++) {
        if (r->slot[i].s != NULL && !r->slot[i].derived)
            explicit_n++;
        if (r->slot[i].s == NULL && free_slot == NULL)
            free_slot = &r->slot[i];
    }
    if (explicit_n >= MCSEC_SRTP_MAX_KEYS || free_slot == NULL)
        return MCSEC_ERR_BUFFER;
    mcsec_err err = session_new(&free_slot->s, k, ssrc_any_inbound);
    if (err != MCSEC_OK)
        return err;
    memcpy(free_slot->mki, k->mki, k->mki_len);
    free_slot->mki_len = k->mki_len;
    free_slot->key_id = k->mki_len >= 4 ? be32(k->mki) : 0;
    free_slot->guk_id = k->mki_len == 8 ? be32(k->mki + 4) : 0;
    free_slot->derived = 0;
    free_slot->last_use = ++r->tick;
    return MCSEC_OK;
}

mcsec_err mcsec_srtp_receiver_add_gmk(mcsec_srtp_receiver *r, const uint8_t gmk[16], uint32_t gmk_id,
                                      const uint8_t *rand, size_t rand_len, uint8_t cs_id)
{
    if (r == NULL || gmk == NULL || rand == NULL || rand_len == 0 || rand_len > 255)
        return MCSEC_ERR_ARG;
    if (gmk_id >> 28 != MCSEC_KEY_PURPOSE_GMK) /* TS 33.180 §5.2.2 purpose tag */
        return MCSEC_ERR_UNSUPPORTED;
    gmk_entry *e = NULL;
    for (size_t i = 0; i < MCSEC_SRTP_MAX_KEYS; i++) {
        if (r->gmk[i].used && r->gmk[i].gmk_id == gmk_id)
            return MCSEC_ERR_DUPLICATE;
        if (!r->gmk[i].used && e == NULL)
            e = &r->gmk[i];
    }
    if (e == NULL)
        return MCSEC_ERR_BUFFER;
    e->used = 1;
    e->gmk_id = gmk_id;
    memcpy(e->gmk, gmk, 16);
    memcpy(e->rand, rand, rand_len);
    e->rand_len = (uint8_t)rand_len;
    e->cs_id = cs_id;
    return MCSEC_OK;
}

mcsec_err mcsec_srtp_receiver_remove(mcsec_srtp_receiver *r, uint32_t key_id)
{
    if (r == NULL)
        return MCSEC_ERR_ARG;
    int found = 0;
    for (size_t i = 0; i < MCSEC_SRTP_MAX_KEYS; i++)
        if (r->gmk[i].used && r->gmk[i].gmk_id == key_id) {
            mcsec_wipe(&r->gmk[i], sizeof r->gmk[i]);
            found = 1;
        }
    for (size_t i = 0; i < N_SLOTS; i++)
        if (r->slot[i].s != NULL && r->slot[i].key_id == key_id) {
            slot_clear(&r->slot[i]);
            found = 1;
        }
    return found ? MCSEC_OK : MCSEC_ERR_NOT_FOUND;
}

/* A talker key for the GUK-ID in an 8-octet group MKI (GMK-ID || GUK-ID),
 * derived from the GMK with that GMK-ID (TS 33.180 §7.4.2: TGK = GMK, CSB ID
 * = GUK-ID, RAND of the GMK's I_MESSAGE; RFC 3830 §4.1.3). The slot is
 * tentative until a packet authenticates under it. */
/* Derives a talker's session into *out, outside the table: it takes a slot
 * only after a packet authenticates under it (unprotect), so a forged MKI
 * can neither evict a live talker nor reset its replay window. */
static mcsec_err derive_talker(mcsec_srtp_receiver *r, key_slot *out, const uint8_t mki[8])
{
    uint32_t gmk_id = be32(mki), guk_id = be32(mki + 4);
    const gmk_entry *e = NULL;
    for (size_t i = 0; i < MCSEC_SRTP_MAX_KEYS; i++)
        if (r->gmk[i].used && r->gmk[i].gmk_id == gmk_id)
            e = &r->gmk[i];
    /* the GUK-ID keeps the GMK's purpose tag (§5.2.3) */
    if (e == NULL || (guk_id >> 28) != (gmk_id >> 28))
        return MCSEC_ERR_NOT_FOUND;
    mcsec_srtp_key k;
    memset(&k, 0, sizeof k);
    mcsec_err err = mcsec_mikey_derive(k.master_key, 16, MCSEC_MIKEY_CONST_TEK, e->gmk, 16, e->cs_id, guk_id,
                                       e->rand, e->rand_len);
    if (err == MCSEC_OK)
        err = mcsec_mikey_derive(k.master_salt, 12, MCSEC_MIKEY_CONST_SALT, e->gmk, 16, e->cs_id, guk_id,
                                 e->rand, e->rand_len);
    memcpy(k.mki, mki, 8);
    k.mki_len = 8;
    srtp_t s = NULL;
    if (err == MCSEC_OK)
        err = session_new(&s, &k, ssrc_any_inbound);
    if (err == MCSEC_OK) {
        memset(out, 0, sizeof *out);
        out->s = s;
        memcpy(out->mki, mki, 8);
        out->mki_len = 8;
        out->key_id = gmk_id;
        out->guk_id = guk_id;
        out->derived = 1;
    }
    mcsec_srtp_key_wipe(&k);
    return err;
}

/* A slot for a talker key that just authenticated: a free one, else the
 * least recently used talker key (evicted). NULL if every slot holds a
 * distributed key. */
static key_slot *talker_slot(mcsec_srtp_receiver *r)
{
    key_slot *slot = NULL;
    for (size_t i = 0; i < N_SLOTS && slot == NULL; i++)
        if (r->slot[i].s == NULL)
            slot = &r->slot[i];
    for (size_t i = 0; i < N_SLOTS; i++)
        if (r->slot[i].s != NULL && r->slot[i].derived && (slot == NULL || (slot->s != NULL && r->slot[i].last_use < slot->last_use)))
            slot = &r->slot[i];
    return slot;
}

static mcsec_err unprotect(mcsec_srtp_receiver *r, uint8_t *pkt, size_t *len, mcsec_srtp_info *info, int rtcp)
{
    if (info != NULL)
        memset(info, 0, sizeof *info);
    if (r == NULL || pkt == NULL || len == NULL)
        return MCSEC_ERR_ARG;
    size_t n = *len;
    if (n > MCSEC_SRTP_MAX_PACKET + MCSEC_SRTP_MAX_TRAILER)
        return MCSEC_ERR_ARG;
    /* RFC 7714 §9.2 / §10: the MKI is the last field (after the tag, and for
     * SRTCP after E||index), as libsrtp2 writes and reads it. */
    size_t min = (rtcp ? 8u + 4u : 12u) + MCSEC_SRTP_TAG_BYTES;
    key_slot *k = NULL, tmp;
    int fresh = 0;
    memset(&tmp, 0, sizeof tmp);
    const key_slot *l = &r->slot[r->last];
    if (l->s != NULL && n >= min + l->mki_len && memcmp(pkt + n - l->mki_len, l->mki, l->mki_len) == 0)
        k = &r->slot[r->last];
    for (size_t i = 0; i < N_SLOTS && k == NULL; i++) {
        key_slot *c = &r->slot[i];
        if (c->s != NULL && n >= min + c->mki_len && memcmp(pkt + n - c->mki_len, c->mki, c->mki_len) == 0)
            k = c;
    }
    if (k == NULL) {
        if (n < min + 4)
            return MCSEC_ERR_TRUNCATED;
        if (n < min + 8)
            return MCSEC_ERR_NOT_FOUND;
        mcsec_err err = derive_talker(r, &tmp, pkt + n - 8);
        if (err != MCSEC_OK)
            return err;
        k = &tmp;
        fresh = 1;
    }
    int in = (int)n;
    srtp_err_status_t st = rtcp ? srtp_unprotect_rtcp_mki(k->s, pkt, &in, 1) : srtp_unprotect_mki(k->s, pkt, &in, 1);
    mcsec_err err = map_status(st);
    if (err != MCSEC_OK) {
        if (fresh)
            slot_clear(&tmp); /* never cache a key no packet authenticated under */
        return err;
    }
    *len = (size_t)in;
    if (info != NULL) {
        memcpy(info->mki, k->mki, k->mki_len);
        info->mki_len = k->mki_len;
        info->key_id = k->key_id;
        info->guk_id = k->guk_id;
    }
    if (fresh) {
        key_slot *slot = talker_slot(r);
        if (slot == NULL) { /* no room: the packet is good, the key is not kept */
            slot_clear(&tmp);
            return MCSEC_OK;
        }
        slot_clear(slot);
        *slot = tmp;
        memset(&tmp, 0, sizeof tmp);
        k = slot;
    }
    k->last_use = ++r->tick;
    r->last = (size_t)(k - r->slot);
    return MCSEC_OK;
}

mcsec_err mcsec_srtp_unprotect(mcsec_srtp_receiver *r, uint8_t *pkt, size_t *len, mcsec_srtp_info *info)
{
    return unprotect(r, pkt, len, info, 0);
}

mcsec_err mcsec_srtp_unprotect_rtcp(mcsec_srtp_receiver *r, uint8_t *pkt, size_t *len, mcsec_srtp_info *info)
{
    return unprotect(r, pkt, len, info, 1);
}

/* ---- floor control ---------------------------------------------------------- */

/* RTCP APP (RFC 3550 §6.7): V=2 P=0 subtype(5) | PT=204 | length (32-bit words
 * minus one) | SSRC | name (4 ASCII) | application data. TS 24.380 §8.2.2
 * names MCPTT floor control "MCPT". */
mcsec_err mcsec_srtp_floor_app(uint8_t *out, size_t *len, size_t cap, uint8_t subtype, uint32_t ssrc,
                               const uint8_t *fields, size_t fields_len)
{
    if (out == NULL || len == NULL || subtype > 31 || (fields == NULL && fields_len > 0) ||
        fields_len > 4 * 65000)
        return MCSEC_ERR_ARG;
    size_t padded = (fields_len + 3) & ~(size_t)3, total = 12 + padded;
    if (cap < total)
        return MCSEC_ERR_BUFFER;
    size_t words = total / 4 - 1;
    out[0] = (uint8_t)(0x80 | subtype);
    out[1] = 204;
    out[2] = (uint8_t)(words >> 8);
    out[3] = (uint8_t)words;
    out[4] = (uint8_t)(ssrc >> 24);
    out[5] = (uint8_t)(ssrc >> 16);
    out[6] = (uint8_t)(ssrc >> 8);
    out[7] = (uint8_t)ssrc;
    memcpy(out + 8, "MCPT", 4);
    if (fields_len > 0)
        memcpy(out + 12, fields, fields_len);
    memset(out + 12 + fields_len, 0, padded - fields_len);
    *len = total;
    return MCSEC_OK;
}

mcsec_err mcsec_srtp_floor_parse(uint8_t *subtype, uint32_t *ssrc, char name[5], const uint8_t **fields,
                                 size_t *fields_len, const uint8_t *pkt, size_t len)
{
    mcsec_err err = MCSEC_OK;
    if (subtype == NULL || ssrc == NULL || name == NULL || fields == NULL || fields_len == NULL || pkt == NULL)
        return MCSEC_ERR_ARG;
    *subtype = 0;
    *ssrc = 0;
    memset(name, 0, 5);
    *fields = NULL;
    *fields_len = 0;
    size_t plen = 0;
    if (len < 12)
        err = MCSEC_ERR_TRUNCATED;
    else if ((pkt[0] >> 6) != 2 || (pkt[0] & 0x20) != 0 || pkt[1] != 204)
        err = MCSEC_ERR_MALFORMED; /* version 2, no padding, PT = APP */
    else {
        plen = ((size_t)pkt[2] << 8 | pkt[3]) * 4 + 4;
        if (plen < 12)
            err = MCSEC_ERR_MALFORMED;
        else if (plen > len)
            err = MCSEC_ERR_TRUNCATED;
        else if (plen < len)
            err = MCSEC_ERR_TRAILING;
    }
    if (err == MCSEC_OK) {
        *subtype = pkt[0] & 0x1f;
        *ssrc = be32(pkt + 4);
        memcpy(name, pkt + 8, 4);
        *fields = pkt + 12;
        *fields_len = plen - 12;
    }
    return err;
}
