/* MIKEY-SAKKE I_MESSAGE create/open: round trips for GMK, PCK, CSK and CEK;
 * rejection of a flipped bit anywhere in the signed part, a wrong responder,
 * an expired or future timestamp, a replay, and truncation at every offset. */
#define _GNU_SOURCE /* memmem */
#include <string.h>

#include "mcsec/eccsi.h"
#include "mcsec/mikey.h"
#include "mcsec/sakke.h"
#include "mcsec/uid.h"
#include "testutil.h"

#define T0 3602133554ULL /* NTP seconds, 2014-02-23T08:39:14Z */

static uint8_t ksak[32], z[128];
static mcsec_mikey_kms kms = { .uri = "kms.example.org", .period_len = 2592000, .period_offset = 0 };

typedef struct user {
    const char *uri;
    uint8_t ssk[32], pvt[65], rsk[257];
} user;

static void provision(user *u)
{
    uint8_t uid[32];
    uint64_t period;
    TU_CHECK_ERR(mcsec_uid_period_no(&period, T0, kms.period_len, kms.period_offset), MCSEC_OK);
    TU_CHECK_ERR(mcsec_uid_compute(uid, u->uri, strlen(u->uri), kms.uri, strlen(kms.uri), kms.period_len,
                                   kms.period_offset, period), MCSEC_OK);
    TU_CHECK_ERR(mcsec_eccsi_kms_issue(u->ssk, u->pvt, NULL, ksak, uid, 32, NULL), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_kms_issue(u->rsk, z, uid, 32), MCSEC_OK);
}

static size_t create(uint8_t *out, const user *from, const char *to, uint8_t type, uint32_t id,
                     const uint8_t key[16], uint64_t t)
{
    mcsec_mikey_create_params p = { .type = type, .key = key, .key_id = id, .initiator = from->uri,
                                    .responder = to, .kms_i = &kms, .kms_r = &kms, .ssk = from->ssk,
                                    .pvt = from->pvt, .ntp_time = t };
    size_t n = 2048;
    TU_CHECK_ERR(mcsec_mikey_create(out, &n, &p, NULL), MCSEC_OK);
    return n;
}

static mcsec_err open_as(mcsec_mikey_opened *o, const user *u, const uint8_t *msg, size_t len, uint64_t now,
                         mcsec_mikey_replay_cache *rc)
{
    mcsec_mikey_open_params p = { .own_uri = u->uri, .own_kms = &kms, .rsk = u->rsk, .now_ntp = now,
                                  .window = 300, .replay = rc };
    return mcsec_mikey_open(o, msg, len, &p);
}

int main(void)
{
    TU_CHECK_ERR(mcsec_eccsi_kms_keygen(ksak, kms.kpak, NULL), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_kms_keygen(z, kms.zt, NULL), MCSEC_OK);
    user gms = { .uri = "sip:gms@example.org" }, alice = { .uri = "sip:alice@example.org" },
         bob = { .uri = "sip:bob@example.org" };
    provision(&gms);
    provision(&alice);
    provision(&bob);
    static mcsec_mikey_replay_cache rc;

    uint8_t key[16], msg[2048];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)(0xA0 + i);
    static const struct { uint8_t type; uint32_t id; } cases[] = {
        { MCSEC_KEY_PURPOSE_GMK, 0x09BF9D37 }, { MCSEC_KEY_PURPOSE_PCK, 0x1234ABCD },
        { MCSEC_KEY_PURPOSE_CSK, 0x2000BEEF }, { MCSEC_KEY_PURPOSE_CEK, 0xF0000001 } };
    mcsec_mikey_opened o;
    for (size_t c = 0; c < 4; c++) {
        const user *from = cases[c].type == MCSEC_KEY_PURPOSE_GMK ? &gms : &alice;
        size_t n = create(msg, from, bob.uri, cases[c].type, cases[c].id, key, T0);
        TU_CHECK_ERR(open_as(&o, &bob, msg, n, T0 + 10, &rc), MCSEC_OK);
        TU_CHECK(o.type == cases[c].type && o.key_id == cases[c].id && o.ntp_time == T0);
        TU_CHECK(strcmp(o.initiator, from->uri) == 0 && strcmp(o.responder, bob.uri) == 0);
        TU_CHECK(o.has_key_params && o.kp.key_type == cases[c].type && o.rand_len == 16);
        if (cases[c].type == MCSEC_KEY_PURPOSE_CEK) {
            TU_CHECK(o.key_len == 32 && memcmp(o.key, key, 16) != 0);
        } else {
            TU_CHECK(o.key_len == 16 && memcmp(o.key, key, 16) == 0);
        }
        if (cases[c].type == MCSEC_KEY_PURPOSE_GMK) {
            uint32_t guk;
            TU_CHECK_ERR(mcsec_mikey_guk_id(&guk, cases[c].id, key, 16, bob.uri, strlen(bob.uri)), MCSEC_OK);
            TU_CHECK(o.csb_id == guk && guk != cases[c].id);
        }
        mcsec_mikey_opened_wipe(&o);
        /* a replay of the same message is refused */
        TU_CHECK_ERR(open_as(&o, &bob, msg, n, T0 + 20, &rc), MCSEC_ERR_REPLAY);
        TU_CHECK(o.key_len == 0);
    }

    /* a PCK from Alice to Bob: every failure below leaves nothing behind */
    size_t n = create(msg, &alice, bob.uri, MCSEC_KEY_PURPOSE_PCK, 0x10000042, key, T0);
    mcsec_mikey_msg d;
    TU_CHECK_ERR(mcsec_mikey_decode(&d, msg, n), MCSEC_OK);
    TU_CHECK(d.n_cs == 0 && d.cs_map_type == 1 && d.signed_len == n - 129);
    /* wrong responder: Alice cannot open Bob's message; Bob's URI in the message is checked */
    TU_CHECK_ERR(open_as(&o, &alice, msg, n, T0, NULL), MCSEC_ERR_RECIPIENT);
    /* expired and future timestamps */
    TU_CHECK_ERR(open_as(&o, &bob, msg, n, T0 + 301, NULL), MCSEC_ERR_TIME);
    TU_CHECK_ERR(open_as(&o, &bob, msg, n, T0 - 301, NULL), MCSEC_ERR_TIME);
    TU_CHECK_ERR(open_as(&o, &bob, msg, n, T0 + 300, NULL), MCSEC_OK);
    mcsec_mikey_opened_wipe(&o);
    /* a flipped bit in every octet of the message is rejected */
    size_t accepted = 0;
    for (size_t i = 0; i < n; i++) {
        msg[i] ^= (uint8_t)(1u << (i % 8));
        mcsec_err e = open_as(&o, &bob, msg, n, T0, NULL);
        accepted += e == MCSEC_OK;
        msg[i] ^= (uint8_t)(1u << (i % 8));
    }
    TU_CHECK(accepted == 0);
    /* truncation at every offset */
    accepted = 0;
    for (size_t i = 0; i < n; i++)
        accepted += open_as(&o, &bob, msg, i, T0, NULL) == MCSEC_OK;
    TU_CHECK(accepted == 0);
    TU_CHECK(o.key_len == 0);
    /* the intact message still opens */
    TU_CHECK_ERR(open_as(&o, &bob, msg, n, T0, NULL), MCSEC_OK);
    mcsec_mikey_opened_wipe(&o);

    /* a prepared RSK (mcsec_sakke_rsk_key) opens the same message to the same key, without
     * the RSK octets; a prepared key of another UID falls back to the octets if given and is
     * refused (MCSEC_ERR_NOT_FOUND) if not */
    {
        static mcsec_sakke_kms_params kp;
        static mcsec_sakke_rsk_key bob_key, alice_key;
        uint8_t uid_b[32], uid_a[32];
        uint64_t period;
        TU_CHECK_ERR(mcsec_uid_period_no(&period, T0, kms.period_len, kms.period_offset), MCSEC_OK);
        TU_CHECK_ERR(mcsec_uid_compute(uid_b, bob.uri, strlen(bob.uri), kms.uri, strlen(kms.uri),
                                       kms.period_len, kms.period_offset, period), MCSEC_OK);
        TU_CHECK_ERR(mcsec_uid_compute(uid_a, alice.uri, strlen(alice.uri), kms.uri, strlen(kms.uri),
                                       kms.period_len, kms.period_offset, period), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_kms_params_init(&kp, kms.zt), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_rsk_key_init(&bob_key, &kp, uid_b, 32, bob.rsk), MCSEC_OK);
        TU_CHECK_ERR(mcsec_sakke_rsk_key_init(&alice_key, &kp, uid_a, 32, alice.rsk), MCSEC_OK);
        size_t idl = 0;
        const uint8_t *idp = mcsec_sakke_rsk_key_id(&bob_key, &idl);
        TU_CHECK(idp != NULL && idl == 32 && memcmp(idp, uid_b, 32) == 0);
        TU_CHECK(mcsec_sakke_rsk_key_id(NULL, &idl) == NULL && idl == 0);
        mcsec_mikey_open_params op = { .own_uri = bob.uri, .own_kms = &kms, .rsk_key = &bob_key,
                                       .now_ntp = T0, .window = 300 };
        TU_CHECK_ERR(mcsec_mikey_open(&o, msg, n, &op), MCSEC_OK);
        TU_CHECK(o.key_len == 16 && memcmp(o.key, key, 16) == 0 && o.key_id == 0x10000042);
        mcsec_mikey_opened_wipe(&o);
        op.rsk_key = &alice_key;
        TU_CHECK_ERR(mcsec_mikey_open(&o, msg, n, &op), MCSEC_ERR_NOT_FOUND);
        TU_CHECK(o.key_len == 0);
        op.rsk = bob.rsk;
        TU_CHECK_ERR(mcsec_mikey_open(&o, msg, n, &op), MCSEC_OK);
        TU_CHECK(o.key_len == 16 && memcmp(o.key, key, 16) == 0);
        mcsec_mikey_opened_wipe(&o);
        /* neither the octets nor a prepared key */
        op.rsk = NULL;
        op.rsk_key = NULL;
        TU_CHECK_ERR(mcsec_mikey_open(&o, msg, n, &op), MCSEC_ERR_ARG);
        mcsec_sakke_rsk_key_wipe(&bob_key);
        mcsec_sakke_rsk_key_wipe(&alice_key);
        op.rsk_key = &bob_key; /* wiped: no longer a prepared key */
        TU_CHECK_ERR(mcsec_mikey_open(&o, msg, n, &op), MCSEC_ERR_NOT_FOUND);
        mcsec_sakke_kms_params_wipe(&kp);
    }

    /* creation refuses a key that is not the initiator's, or a K-ID with the wrong purpose tag */
    mcsec_mikey_create_params p = { .type = MCSEC_KEY_PURPOSE_PCK, .key = key, .key_id = 0x10000001,
                                    .initiator = alice.uri, .responder = bob.uri, .kms_i = &kms, .kms_r = &kms,
                                    .ssk = bob.ssk, .pvt = bob.pvt, .ntp_time = T0 };
    size_t len = sizeof msg;
    TU_CHECK_ERR(mcsec_mikey_create(msg, &len, &p, NULL), MCSEC_ERR_KEY_INVALID);
    p.ssk = alice.ssk;
    p.pvt = alice.pvt;
    p.key_id = 0x20000001;
    TU_CHECK_ERR(mcsec_mikey_create(msg, &len, &p, NULL), MCSEC_ERR_ARG);
    /* a key from the next period does not sign for this one */
    p.key_id = 0x10000001;
    p.ntp_time = T0 + kms.period_len;
    TU_CHECK_ERR(mcsec_mikey_create(msg, &len, &p, NULL), MCSEC_ERR_KEY_INVALID);
    p.ntp_time = T0;
    len = 100;
    TU_CHECK_ERR(mcsec_mikey_create(msg, &len, &p, NULL), MCSEC_ERR_BUFFER);

    /* TS 33.180 E.7 identity hiding: IDRuidi/IDRuidr carry the UIDs, no URI
     * of either user is in the message, and bob still opens it */
    p.hide_initiator = p.hide_responder = 1;
    len = sizeof msg;
    TU_CHECK_ERR(mcsec_mikey_create(msg, &len, &p, NULL), MCSEC_OK);
    TU_CHECK(memmem(msg, len, "alice", 5) == NULL && memmem(msg, len, "bob", 3) == NULL);
    mcsec_mikey_msg dm;
    TU_CHECK_ERR(mcsec_mikey_decode(&dm, msg, len), MCSEC_OK);
    const mcsec_mikey_idr *hi = mcsec_mikey_find_idr(&dm, MCSEC_MIKEY_ROLE_UIDI);
    const mcsec_mikey_idr *hr = mcsec_mikey_find_idr(&dm, MCSEC_MIKEY_ROLE_UIDR);
    uint8_t ua[32], ub[32];
    TU_CHECK_ERR(mcsec_uid_compute(ua, alice.uri, strlen(alice.uri), kms.uri, strlen(kms.uri), kms.period_len,
                                   kms.period_offset, (T0 - kms.period_offset) / kms.period_len), MCSEC_OK);
    TU_CHECK_ERR(mcsec_uid_compute(ub, bob.uri, strlen(bob.uri), kms.uri, strlen(kms.uri), kms.period_len,
                                   kms.period_offset, (T0 - kms.period_offset) / kms.period_len), MCSEC_OK);
    TU_CHECK(hi != NULL && hi->len == 32 && memcmp(hi->data, ua, 32) == 0);
    TU_CHECK(hr != NULL && hr->len == 32 && memcmp(hr->data, ub, 32) == 0);
    TU_CHECK(mcsec_mikey_find_idr(&dm, MCSEC_MIKEY_ROLE_I) == NULL && mcsec_mikey_find_idr(&dm, MCSEC_MIKEY_ROLE_R) == NULL);
    static mcsec_mikey_replay_cache rc2;
    TU_CHECK_ERR(open_as(&o, &bob, msg, len, T0 + 1, &rc2), MCSEC_OK);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", ua[i]);
    TU_CHECK(strcmp(o.initiator, hex) == 0 && o.key_len == 16 && memcmp(o.key, key, 16) == 0);
    mcsec_mikey_opened_wipe(&o);
    TU_CHECK_ERR(open_as(&o, &alice, msg, len, T0 + 1, NULL), MCSEC_ERR_RECIPIENT);

    /* deferred replay recording: a check-only open refuses known messages but
     * records nothing; the caller commits once the carrying request is
     * accepted (a captured message inside a failing request cannot make the
     * genuine one a replay) */
    static mcsec_mikey_replay_cache rc3;
    mcsec_mikey_open_params dp = { .own_uri = bob.uri, .own_kms = &kms, .rsk = bob.rsk, .now_ntp = T0 + 1,
                                   .window = 300, .replay = &rc3, .replay_check_only = 1 };
    TU_CHECK_ERR(mcsec_mikey_open(&o, msg, len, &dp), MCSEC_OK);
    mcsec_mikey_opened_wipe(&o);
    TU_CHECK_ERR(mcsec_mikey_open(&o, msg, len, &dp), MCSEC_OK); /* nothing was recorded */
    TU_CHECK_ERR(mcsec_mikey_replay_commit(&rc3, &o, T0 + 1, 300), MCSEC_OK);
    TU_CHECK_ERR(mcsec_mikey_replay_commit(&rc3, &o, T0 + 1, 300), MCSEC_ERR_REPLAY);
    mcsec_mikey_opened_wipe(&o);
    TU_CHECK_ERR(mcsec_mikey_open(&o, msg, len, &dp), MCSEC_ERR_REPLAY);
    dp.replay_check_only = 0; /* the immediate form agrees with the deferred one */
    TU_CHECK_ERR(mcsec_mikey_open(&o, msg, len, &dp), MCSEC_ERR_REPLAY);
    TU_CHECK_ERR(mcsec_mikey_replay_commit(&rc3, NULL, T0, 300), MCSEC_ERR_ARG);
    return tu_finish("test_mikey_imessage");
}
