/* The MCPTT server's CEK cache: KEK-ID -> CEK, owner, session, expiry. The
 * life cycle of the seed solutions #13/#14: a new key on request (put, or a
 * fetch from the KMS through the caller's callback on a miss), removal on
 * session teardown (BYE), on log-off, and on expiry. A fixed table; every
 * removed key is wiped. */
#include "mcsec/mcptt.h"

#include <string.h>

void mcsec_mcptt_cek_cache_init(mcsec_mcptt_cek_cache *c, mcsec_mcptt_cek_fetch_fn fetch,
                                void *fetch_ctx, int64_t max_ttl)
{
    if (!c)
        return;
    memset(c, 0, sizeof *c);
    c->fetch = fetch;
    c->fetch_ctx = fetch_ctx;
    c->max_ttl = max_ttl > 0 ? max_ttl : 3600;
}

static void drop(mcsec_mcptt_cek_cache *c, size_t i)
{
    mcsec_wipe(&c->slot[i], sizeof c->slot[i]);
    c->used[i] = 0;
}

void mcsec_mcptt_cek_cache_wipe(mcsec_mcptt_cek_cache *c)
{
    if (c)
        mcsec_wipe(c, sizeof *c);
}

static int same_id(const mcsec_mcptt_cek *e, const uint8_t *id, size_t n)
{
    return e->id_len == n && memcmp(e->id, id, n) == 0;
}

size_t mcsec_mcptt_cek_expire(mcsec_mcptt_cek_cache *c, int64_t now)
{
    size_t k = 0;
    for (size_t i = 0; c && i < MCSEC_MCPTT_CEK_SLOTS; i++)
        if (c->used[i] && c->slot[i].expires <= now) {
            drop(c, i);
            k++;
        }
    return k;
}

mcsec_err mcsec_mcptt_cek_put(mcsec_mcptt_cek_cache *c, const mcsec_mcptt_cek *e, int64_t now)
{
    if (!c || !e || e->id_len == 0 || e->id_len > MCSEC_SMIME_MAX_KEK_ID ||
        (e->key_len != 16 && e->key_len != 32) || !memchr(e->owner, 0, sizeof e->owner) ||
        !memchr(e->session, 0, sizeof e->session))
        return MCSEC_ERR_ARG;
    mcsec_mcptt_cek_expire(c, now);
    size_t free_i = MCSEC_MCPTT_CEK_SLOTS;
    for (size_t i = 0; i < MCSEC_MCPTT_CEK_SLOTS; i++) {
        if (c->used[i] && same_id(&c->slot[i], e->id, e->id_len)) {
            if (strcmp(c->slot[i].owner, e->owner) != 0)
                return MCSEC_ERR_DUPLICATE; /* one client cannot replace another's key */
            free_i = i;
            break;
        }
        if (!c->used[i] && free_i == MCSEC_MCPTT_CEK_SLOTS)
            free_i = i;
    }
    if (free_i == MCSEC_MCPTT_CEK_SLOTS)
        return MCSEC_ERR_BUFFER;
    c->slot[free_i] = *e;
    if (c->slot[free_i].expires <= 0 || c->slot[free_i].expires > now + c->max_ttl)
        c->slot[free_i].expires = now + c->max_ttl;
    c->used[free_i] = 1;
    return MCSEC_OK;
}

mcsec_err mcsec_mcptt_cek_get(mcsec_mcptt_cek_cache *c, mcsec_mcptt_cek *out, const uint8_t *id,
                              size_t id_len, const char *owner, const char *session, int64_t now)
{
    if (!c || !out || !id || id_len == 0 || id_len > MCSEC_SMIME_MAX_KEK_ID || !owner ||
        strlen(owner) > MCSEC_MCPTT_MAX_URI || (session && strlen(session) > MCSEC_MCPTT_MAX_URI))
        return MCSEC_ERR_ARG;
    mcsec_mcptt_cek_expire(c, now);
    for (size_t i = 0; i < MCSEC_MCPTT_CEK_SLOTS; i++) {
        if (!c->used[i] || !same_id(&c->slot[i], id, id_len))
            continue;
        if (strcmp(c->slot[i].owner, owner) != 0)
            return MCSEC_ERR_NOT_FOUND; /* another client's key */
        *out = c->slot[i];
        return MCSEC_OK;
    }
    if (!c->fetch)
        return MCSEC_ERR_NOT_FOUND;
    mcsec_mcptt_cek e;
    memset(&e, 0, sizeof e);
    memcpy(e.id, id, id_len);
    e.id_len = id_len;
    memcpy(e.owner, owner, strlen(owner) + 1);
    if (session)
        memcpy(e.session, session, strlen(session) + 1);
    mcsec_err err = c->fetch(c->fetch_ctx, &e);
    if (err == MCSEC_OK && (!memchr(e.creator, 0, sizeof e.creator) || !e.creator[0] ||
                            !same_id(&e, id, id_len)))
        err = MCSEC_ERR_NOT_FOUND;
    /* the key is held for the client that asked, whatever the callback did */
    memset(e.owner, 0, sizeof e.owner);
    memcpy(e.owner, owner, strlen(owner) + 1);
    if (err == MCSEC_OK && e.expires > 0 && e.expires <= now)
        err = MCSEC_ERR_NOT_FOUND;
    /* not cached here: the caller adds it once the request that needed it
     * is accepted, so a failed request leaves no key behind */
    if (err == MCSEC_OK) {
        e.fetched = 1;
        *out = e;
    }
    mcsec_wipe(&e, sizeof e);
    return err;
}

static size_t remove_owner(mcsec_mcptt_cek_cache *c, const char *v)
{
    size_t k = 0;
    if (!c || !v || !*v)
        return 0;
    for (size_t i = 0; i < MCSEC_MCPTT_CEK_SLOTS; i++)
        if (c->used[i] && strcmp(c->slot[i].owner, v) == 0) {
            drop(c, i);
            k++;
        }
    return k;
}

size_t mcsec_mcptt_cek_remove_id(mcsec_mcptt_cek_cache *c, const uint8_t *id, size_t id_len)
{
    size_t k = 0;
    if (!c || !id)
        return 0;
    for (size_t i = 0; i < MCSEC_MCPTT_CEK_SLOTS; i++)
        if (c->used[i] && same_id(&c->slot[i], id, id_len)) {
            drop(c, i);
            k++;
        }
    return k;
}

size_t mcsec_mcptt_cek_remove_session(mcsec_mcptt_cek_cache *c, const char *session, const char *owner)
{
    size_t k = 0;
    if (!c || !session || !*session || !owner)
        return 0;
    for (size_t i = 0; i < MCSEC_MCPTT_CEK_SLOTS; i++)
        if (c->used[i] && strcmp(c->slot[i].session, session) == 0 && strcmp(c->slot[i].owner, owner) == 0) {
            drop(c, i);
            k++;
        }
    return k;
}

size_t mcsec_mcptt_cek_remove_owner(mcsec_mcptt_cek_cache *c, const char *owner)
{
    return remove_owner(c, owner);
}
