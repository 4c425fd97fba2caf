/* The GMS (src/gms): a group of three keyed with GMK I_MESSAGEs that each
 * member opens (GUK-ID, key parameters with the group), SRTP between two
 * members from the opened keys, removal with re-key (the removed member
 * cannot open the new GMK's messages nor decrypt its media), revocation, and
 * the state file: round trip, 0600, malformed inputs rejected. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcsec/eccsi.h"
#include "mcsec/gms.h"
#include "mcsec/mikey.h"
#include "mcsec/sakke.h"
#include "mcsec/srtp.h"
#include "mcsec/uid.h"
#include "testutil.h"

#define T0 3602133554ULL

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

static mcsec_err open_as(mcsec_mikey_opened *o, const user *u, const uint8_t *msg, size_t len)
{
    mcsec_mikey_open_params p = { .own_uri = u->uri, .own_kms = &kms, .rsk = u->rsk, .now_ntp = T0 + 1,
                                  .window = 300 };
    return mcsec_mikey_open(o, msg, len, &p);
}

/* GMS -> member: message, open; returns the open result */
static mcsec_err key_member(mcsec_mikey_opened *o, const mcsec_gms_group *g, const user *gms, const user *m,
                            const user *reader)
{
    uint8_t msg[2048];
    size_t n = sizeof msg;
    uint32_t guk = 0;
    mcsec_err err = mcsec_gms_message(msg, &n, &guk, g, m->uri, &kms, &kms, gms->ssk, gms->pvt, T0, NULL);
    if (err != MCSEC_OK)
        return err;
    err = open_as(o, reader, msg, n);
    if (err == MCSEC_OK && o->csb_id != guk)
        return MCSEC_ERR_INTERNAL;
    return err;
}

/* talker's media under its opened GMK, received by a member holding listener's opened GMK */
static mcsec_err media(const mcsec_mikey_opened *talker, const char *talker_uri, const mcsec_mikey_opened *listener)
{
    mcsec_srtp_key k;
    mcsec_srtp_sender *tx = NULL;
    mcsec_srtp_receiver *rx = NULL;
    mcsec_err err = mcsec_srtp_key_derive(&k, talker->key, 16, talker->key_id, talker->rand, talker->rand_len,
                                          MCSEC_SRTP_CS_GROUP, talker_uri);
    if (err == MCSEC_OK)
        err = mcsec_srtp_sender_new(&tx, &k);
    if (err == MCSEC_OK)
        err = mcsec_srtp_receiver_new(&rx);
    if (err == MCSEC_OK)
        err = mcsec_srtp_receiver_add_gmk(rx, listener->key, listener->key_id, listener->rand, listener->rand_len,
                                          MCSEC_SRTP_CS_GROUP);
    for (int i = 0; err == MCSEC_OK && i < 10; i++) {
        uint8_t p[12 + 33 + MCSEC_SRTP_MAX_TRAILER] = { 0x80, 0, 0, (uint8_t)i, 0, 0, 0, 0, 1, 2, 3, 4 };
        size_t l = 12 + 33;
        memset(p + 12, 'v', 33);
        err = mcsec_srtp_protect(tx, p, &l, sizeof p);
        if (err == MCSEC_OK)
            err = mcsec_srtp_unprotect(rx, p, &l, NULL);
        if (err == MCSEC_OK && (l != 45 || p[12] != 'v' || p[44] != 'v'))
            err = MCSEC_ERR_INTERNAL;
    }
    mcsec_srtp_sender_free(tx);
    mcsec_srtp_receiver_free(rx);
    mcsec_srtp_key_wipe(&k);
    return err;
}

int main(void)
{
    TU_CHECK_ERR(mcsec_eccsi_kms_keygen(ksak, kms.kpak, NULL), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_kms_keygen(z, kms.zt, NULL), MCSEC_OK);
    user gms = { .uri = "sip:gms@example.org" }, m[3] = { { .uri = "sip:alice@example.org" },
                                                          { .uri = "sip:bob@example.org" },
                                                          { .uri = "sip:carol@example.org" } };
    provision(&gms);
    for (int i = 0; i < 3; i++)
        provision(&m[i]);

    mcsec_gms_group g;
    TU_CHECK_ERR(mcsec_gms_init(&g, "", gms.uri, 0, 0, NULL), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_gms_init(&g, "group-7@example.org", gms.uri, 0, 1ull << 40, NULL), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_gms_init(&g, "group-7@example.org", gms.uri, 0, 4000000000ull, NULL), MCSEC_OK);
    TU_CHECK(g.gmk_id >> 28 == 0 && g.gmk_id != 0 && g.generation == 1 &&
             g.status == MCSEC_MIKEY_KP_STATUS_NOT_REVOKED);
    for (int i = 0; i < 3; i++)
        TU_CHECK_ERR(mcsec_gms_add(&g, m[i].uri), MCSEC_OK);
    TU_CHECK_ERR(mcsec_gms_add(&g, m[1].uri), MCSEC_ERR_DUPLICATE);

    /* each member opens its own message: GMK, GMK-ID, GUK-ID, key parameters */
    mcsec_mikey_opened o[3];
    for (int i = 0; i < 3; i++) {
        TU_CHECK_ERR(key_member(&o[i], &g, &gms, &m[i], &m[i]), MCSEC_OK);
        TU_CHECK(o[i].type == MCSEC_KEY_PURPOSE_GMK && o[i].key_id == g.gmk_id);
        TU_CHECK_MEM(o[i].key, g.gmk, 16);
        TU_CHECK_MEM(o[i].rand, g.rand, 16);
        TU_CHECK(o[i].has_key_params && o[i].kp.n_groups == 1 && strcmp(o[i].kp.group[0], g.group_id) == 0 &&
                 o[i].kp.expiry_time == 4000000000ull && o[i].kp.status == MCSEC_MIKEY_KP_STATUS_NOT_REVOKED);
        uint32_t guk;
        TU_CHECK_ERR(mcsec_mikey_guk_id(&guk, g.gmk_id, g.gmk, 16, m[i].uri, strlen(m[i].uri)), MCSEC_OK);
        TU_CHECK(o[i].csb_id == guk);
    }
    TU_CHECK(o[0].csb_id != o[1].csb_id);
    /* a member's message is not for another member */
    mcsec_mikey_opened x;
    TU_CHECK_ERR(key_member(&x, &g, &gms, &m[0], &m[1]), MCSEC_ERR_RECIPIENT);
    uint8_t msg[2048];
    size_t n = sizeof msg;
    uint32_t guk;
    TU_CHECK_ERR(mcsec_gms_message(msg, &n, &guk, &g, "sip:mallory@example.org", &kms, &kms, gms.ssk, gms.pvt, T0,
                                   NULL), MCSEC_ERR_NOT_FOUND);
    /* alice and bob talk in turn, everyone decrypts */
    TU_CHECK_ERR(media(&o[0], m[0].uri, &o[1]), MCSEC_OK);
    TU_CHECK_ERR(media(&o[0], m[0].uri, &o[2]), MCSEC_OK);
    TU_CHECK_ERR(media(&o[1], m[1].uri, &o[0]), MCSEC_OK);
    TU_CHECK_ERR(media(&o[1], m[1].uri, &o[2]), MCSEC_OK);

    /* the state file round trip, mode 0600 */
    char path[] = "/tmp/mcsec-gms-XXXXXX";
    int fd = mkstemp(path);
    TU_CHECK(fd >= 0);
    close(fd);
    TU_CHECK_ERR(mcsec_gms_save(&g, path), MCSEC_OK);
    struct stat st;
    TU_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    mcsec_gms_group h;
    TU_CHECK_ERR(mcsec_gms_load(&h, path), MCSEC_OK);
    TU_CHECK(memcmp(&h, &g, sizeof g) == 0);

    /* carol is removed: a new GMK (ID, RAND) that carol never receives */
    uint32_t old_id = g.gmk_id;
    TU_CHECK_ERR(mcsec_gms_remove(&g, m[2].uri, NULL), MCSEC_OK);
    TU_CHECK_ERR(mcsec_gms_remove(&g, m[2].uri, NULL), MCSEC_ERR_NOT_FOUND);
    TU_CHECK(g.n_members == 2 && g.gmk_id != old_id && g.generation == 2 && memcmp(g.gmk, h.gmk, 16) != 0);
    TU_CHECK_ERR(mcsec_gms_message(msg, &n, &guk, &g, m[2].uri, &kms, &kms, gms.ssk, gms.pvt, T0, NULL),
                 MCSEC_ERR_NOT_FOUND);
    mcsec_mikey_opened o2[2];
    for (int i = 0; i < 2; i++)
        TU_CHECK_ERR(key_member(&o2[i], &g, &gms, &m[i], &m[i]), MCSEC_OK);
    /* carol cannot open alice's new message, and with the old GMK cannot decrypt new media */
    TU_CHECK_ERR(key_member(&x, &g, &gms, &m[0], &m[2]), MCSEC_ERR_RECIPIENT);
    TU_CHECK_ERR(media(&o2[0], m[0].uri, &o2[1]), MCSEC_OK);
    TU_CHECK_ERR(media(&o2[0], m[0].uri, &o[2]), MCSEC_ERR_NOT_FOUND);

    /* revocation: the distributed status says revoked, members refuse the key */
    TU_CHECK_ERR(mcsec_gms_revoke(&g), MCSEC_OK);
    TU_CHECK_ERR(key_member(&x, &g, &gms, &m[0], &m[0]), MCSEC_ERR_REVOKED);
    TU_CHECK_ERR(mcsec_gms_rekey(&g, NULL), MCSEC_OK);
    TU_CHECK(g.status == MCSEC_MIKEY_KP_STATUS_NOT_REVOKED);

    /* malformed state */
    char *text;
    size_t tl;
    TU_CHECK_ERR(mcsec_gms_to_json(&text, &tl, &g), MCSEC_OK);
    TU_CHECK_ERR(mcsec_gms_from_json(&h, text, tl), MCSEC_OK);
    TU_CHECK(memcmp(&h, &g, sizeof g) == 0);
    TU_CHECK_ERR(mcsec_gms_from_json(&h, text, tl - 2), MCSEC_ERR_MALFORMED);
    TU_CHECK(tu_all_zero(&h, sizeof h));
    mcsec_gms_free_text(text, tl);
    static const struct { const char *json; mcsec_err want; } bad[] = {
        { "{}", MCSEC_ERR_MALFORMED },
        { "{\"format\":\"mcsec-gms-9\",\"members\":[]}", MCSEC_ERR_UNSUPPORTED },
        { "{\"format\":\"mcsec-gms-1\",\"group_id\":\"g\",\"gms\":\"sip:g\",\"members\":[],\"gmk\":\"00\","
          "\"gmk_id\":\"01234567\",\"rand\":\"00\",\"activation\":0,\"expiry\":0,\"status\":1,\"generation\":1}",
          MCSEC_ERR_LENGTH },
        { "{\"format\":\"mcsec-gms-1\",\"group_id\":\"g\",\"gms\":\"sip:g\",\"members\":[\"a\",\"a\"],"
          "\"gmk\":\"000102030405060708090a0b0c0d0e0f\",\"gmk_id\":\"01234567\","
          "\"rand\":\"000102030405060708090a0b0c0d0e0f\",\"activation\":0,\"expiry\":0,\"status\":1,\"generation\":1}",
          MCSEC_ERR_DUPLICATE },
        { "{\"format\":\"mcsec-gms-1\",\"group_id\":\"g\",\"gms\":\"sip:g\",\"members\":[],"
          "\"gmk\":\"000102030405060708090a0b0c0d0e0f\",\"gmk_id\":\"11234567\","
          "\"rand\":\"000102030405060708090a0b0c0d0e0f\",\"activation\":0,\"expiry\":0,\"status\":1,\"generation\":1}",
          MCSEC_ERR_MALFORMED },
        { "{\"format\":\"mcsec-gms-1\",\"group_id\":\"g\",\"gms\":\"sip:g\",\"members\":[],"
          "\"gmk\":\"000102030405060708090a0b0c0d0e0f\",\"gmk_id\":\"01234567\","
          "\"rand\":\"000102030405060708090a0b0c0d0e0f\",\"activation\":-1,\"expiry\":0,\"status\":1,\"generation\":1}",
          MCSEC_ERR_MALFORMED },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        TU_CHECK_ERR(mcsec_gms_from_json(&h, bad[i].json, strlen(bad[i].json)), bad[i].want);
    unlink(path);
    TU_CHECK_ERR(mcsec_gms_load(&h, path), MCSEC_ERR_NOT_FOUND);
    for (int i = 0; i < 3; i++)
        mcsec_mikey_opened_wipe(&o[i]);
    for (int i = 0; i < 2; i++)
        mcsec_mikey_opened_wipe(&o2[i]);
    mcsec_gms_wipe(&g);
    mcsec_gms_wipe(&h);
    return tu_finish("test_gms");
}
