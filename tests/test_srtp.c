/* SRTP/SRTCP media and floor control (src/srtp): the TS 33.180 §7.4 keying
 * vectors of tests/vectors/mikey_kdf.txt end to end through libsrtp2, a group
 * call with talker changes and a GMK re-key mid-call, a removed member, a
 * private call in both directions, replay and tampering. */
#include <stdlib.h>
#include <string.h>

#include "mcsec/mikey.h"
#include "mcsec/srtp.h"
#include "testutil.h"

#define PKT_CAP (12 + 160 + MCSEC_SRTP_MAX_TRAILER)

static uint32_t be32(const uint8_t b[4])
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* A 20 ms G.711 packet: 12-octet RTP header, 160 octets of payload that
 * encode (ssrc, seq) so a decryption under the wrong key cannot pass unseen. */
static size_t rtp(uint8_t *p, uint32_t ssrc, uint16_t seq)
{
    uint32_t ts = (uint32_t)seq * 160;
    uint8_t h[12] = { 0x80, 0x00, (uint8_t)(seq >> 8), (uint8_t)seq, (uint8_t)(ts >> 24), (uint8_t)(ts >> 16),
                      (uint8_t)(ts >> 8), (uint8_t)ts, (uint8_t)(ssrc >> 24), (uint8_t)(ssrc >> 16),
                      (uint8_t)(ssrc >> 8), (uint8_t)ssrc };
    memcpy(p, h, 12);
    for (int i = 0; i < 160; i++)
        p[12 + i] = (uint8_t)(ssrc * 31 + seq * 7 + i);
    return 172;
}

/* Sends one packet from tx to every receiver; want[i] is the result expected at rx[i]. */
static int send_to(mcsec_srtp_sender *tx, uint32_t ssrc, uint16_t seq, mcsec_srtp_receiver **rx, size_t nrx,
                   const mcsec_err *want, uint32_t want_guk)
{
    uint8_t clear[PKT_CAP], p[PKT_CAP], q[PKT_CAP];
    size_t n = rtp(clear, ssrc, seq), l = n;
    int bad = 0;
    memcpy(p, clear, n);
    if (mcsec_srtp_protect(tx, p, &l, sizeof p) != MCSEC_OK || (l != n + 16 + 8 && l != n + 16 + 4))
        return 1;
    for (size_t i = 0; i < nrx; i++) {
        size_t m = l;
        mcsec_srtp_info info;
        memcpy(q, p, l);
        mcsec_err e = mcsec_srtp_unprotect(rx[i], q, &m, &info);
        if (e != want[i])
            bad++;
        else if (e == MCSEC_OK && (m != n || memcmp(q, clear, n) != 0 || info.guk_id != want_guk))
            bad++;
    }
    return bad;
}

int main(void)
{
    TU_CHECK_ERR(mcsec_srtp_available(), MCSEC_OK);
    TU_CHECK(strstr(mcsec_srtp_backend(), "libsrtp2") != NULL);

    /* --- vectors: the GMK of mikey.md §7.3 keys three talkers; each talker's
     * packets, protected with the master key/salt of the data file, are opened
     * by a receiver that holds only the GMK (it derives the GUK-ID's key). */
    tu_vectors *tv = tu_vectors_load("mikey_kdf.txt");
    mcsec_srtp_receiver *vr = NULL;
    int nvec = 0;
    TU_CHECK_ERR(mcsec_srtp_receiver_new(&vr), MCSEC_OK);
    for (size_t s = 0; s < tu_vectors_sections(tv); s++) {
        if (strncmp(tu_vectors_section_name(tv, s), "gmk ", 4) != 0 || !tu_vectors_get(tv, s, "master_key"))
            continue;
        uint8_t gmk[16], id[4], rnd[16], cs, guk[4];
        mcsec_srtp_key want, got;
        tu_vectors_hex(tv, s, "gmk", gmk, 16);
        tu_vectors_hex(tv, s, "gmk_id", id, 4);
        size_t rl = tu_vectors_hex(tv, s, "rand", rnd, sizeof rnd);
        tu_vectors_hex(tv, s, "cs_id", &cs, 1);
        tu_vectors_hex(tv, s, "guk_id", guk, 4);
        memset(&want, 0, sizeof want);
        tu_vectors_hex(tv, s, "master_key", want.master_key, 16);
        tu_vectors_hex(tv, s, "master_salt", want.master_salt, 12);
        memcpy(want.mki, id, 4);
        memcpy(want.mki + 4, guk, 4);
        want.mki_len = 8;
        const char *uri = tu_vectors_get(tv, s, "uri");
        TU_CHECK_ERR(mcsec_srtp_key_derive(&got, gmk, 16, be32(id), rnd, rl, cs, uri), MCSEC_OK);
        TU_CHECK_MEM(got.master_key, want.master_key, 16);
        TU_CHECK_MEM(got.master_salt, want.master_salt, 12);
        TU_CHECK(got.mki_len == 8);
        TU_CHECK_MEM(got.mki, want.mki, 8);
        if (nvec == 0)
            TU_CHECK_ERR(mcsec_srtp_receiver_add_gmk(vr, gmk, be32(id), rnd, rl, cs), MCSEC_OK);
        mcsec_srtp_sender *tx = NULL;
        TU_CHECK_ERR(mcsec_srtp_sender_new(&tx, &want), MCSEC_OK);
        mcsec_err ok = MCSEC_OK;
        for (uint16_t q = 0; q < 5; q++)
            TU_CHECK(send_to(tx, 0x1000u + (uint32_t)nvec, q, &vr, 1, &ok, be32(guk)) == 0);
        mcsec_srtp_sender_free(tx);
        mcsec_srtp_key_wipe(&want);
        mcsec_srtp_key_wipe(&got);
        nvec++;
    }
    TU_CHECK(nvec == 3);
    mcsec_srtp_receiver_free(vr);
    /* the non-GMK (SPK-type, CS-ID 6) vector: MKI = key ID, 4 octets */
    {
        size_t s = tu_vectors_find(tv, "derive spk-tek");
        uint8_t key[16], rnd[16], id[4], cs, tek[16];
        mcsec_srtp_key k;
        tu_vectors_hex(tv, s, "key", key, 16);
        size_t rl = tu_vectors_hex(tv, s, "rand", rnd, 16);
        tu_vectors_hex(tv, s, "csb_id", id, 4);
        tu_vectors_hex(tv, s, "cs_id", &cs, 1);
        tu_vectors_hex(tv, s, "out", tek, 16);
        TU_CHECK_ERR(mcsec_srtp_key_derive(&k, key, 16, be32(id), rnd, rl, cs, NULL), MCSEC_OK);
        TU_CHECK_MEM(k.master_key, tek, 16);
        TU_CHECK(k.mki_len == 4 && be32(k.mki) == be32(id));
        mcsec_srtp_key_wipe(&k);
    }
    tu_vectors_free(tv);

    /* --- a group call: three members A, B, C; A and B talk in turn, then the
     * GMS re-keys mid-call (GMK2), then C is removed (GMK3 that C never gets). */
    const char *uri[3] = { "sip:alice@example.org", "sip:bob@example.org", "sip:carol@example.org" };
    uint8_t gmk1[16], gmk2[16], gmk3[16], rnd1[16], rnd2[16], rnd3[16];
    for (int i = 0; i < 16; i++) {
        gmk1[i] = (uint8_t)(0x10 + i);
        gmk2[i] = (uint8_t)(0x40 + 3 * i);
        gmk3[i] = (uint8_t)(0x90 ^ i);
        rnd1[i] = (uint8_t)i;
        rnd2[i] = (uint8_t)(0xff - i);
        rnd3[i] = (uint8_t)(i * 5);
    }
    const uint32_t id1 = 0x01234567, id2 = 0x0abcdef0, id3 = 0x05556667;
    mcsec_srtp_receiver *rx[3] = { NULL, NULL, NULL };
    for (int m = 0; m < 3; m++) {
        TU_CHECK_ERR(mcsec_srtp_receiver_new(&rx[m]), MCSEC_OK);
        TU_CHECK_ERR(mcsec_srtp_receiver_add_gmk(rx[m], gmk1, id1, rnd1, 16, 4), MCSEC_OK);
    }
    TU_CHECK_ERR(mcsec_srtp_receiver_add_gmk(rx[0], gmk1, id1, rnd1, 16, 4), MCSEC_ERR_DUPLICATE);
    TU_CHECK_ERR(mcsec_srtp_receiver_add_gmk(rx[0], gmk1, 0x11234567, rnd1, 16, 4), MCSEC_ERR_UNSUPPORTED);
    mcsec_srtp_key ka, kb, ka2, kb2, kc2, ka3;
    TU_CHECK_ERR(mcsec_srtp_key_derive(&ka, gmk1, 16, id1, rnd1, 16, 4, uri[0]), MCSEC_OK);
    TU_CHECK_ERR(mcsec_srtp_key_derive(&kb, gmk1, 16, id1, rnd1, 16, 4, uri[1]), MCSEC_OK);
    uint32_t guk_a = be32(ka.mki + 4), guk_b = be32(kb.mki + 4);
    TU_CHECK(guk_a != guk_b && be32(ka.mki) == id1);
    mcsec_srtp_sender *ta = NULL, *tb = NULL, *tc = NULL;
    TU_CHECK_ERR(mcsec_srtp_sender_new(&ta, &ka), MCSEC_OK);
    TU_CHECK_ERR(mcsec_srtp_sender_new(&tb, &kb), MCSEC_OK);
    const mcsec_err all_ok[3] = { MCSEC_OK, MCSEC_OK, MCSEC_OK };
    int bad = 0, sent = 0;
    uint16_t seq_a = 65500, seq_b = 100; /* A's sequence numbers wrap during the call */
    /* talker changes: A, B, A, B — every member gets every packet (the talker's own
     * receiver too: a looped-back copy must decrypt as well) */
    for (int turn = 0; turn < 4; turn++) {
        for (int p = 0; p < 50; p++, sent++) {
            if (turn % 2 == 0)
                bad += send_to(ta, 0xaaaa0001, seq_a++, rx, 3, all_ok, guk_a);
            else
                bad += send_to(tb, 0xbbbb0002, seq_b++, rx, 3, all_ok, guk_b);
        }
    }
    TU_CHECK(bad == 0 && sent == 200);
    /* re-key mid-call: members get GMK2 (while GMK1 packets may still be in flight) */
    for (int m = 0; m < 3; m++)
        TU_CHECK_ERR(mcsec_srtp_receiver_add_gmk(rx[m], gmk2, id2, rnd2, 16, 4), MCSEC_OK);
    uint8_t late[PKT_CAP];
    size_t late_len = rtp(late, 0xbbbb0002, seq_b++);
    TU_CHECK_ERR(mcsec_srtp_protect(tb, late, &late_len, sizeof late), MCSEC_OK); /* still GMK1 */
    TU_CHECK_ERR(mcsec_srtp_key_derive(&ka2, gmk2, 16, id2, rnd2, 16, 4, uri[0]), MCSEC_OK);
    TU_CHECK_ERR(mcsec_srtp_key_derive(&kb2, gmk2, 16, id2, rnd2, 16, 4, uri[1]), MCSEC_OK);
    TU_CHECK_ERR(mcsec_srtp_sender_rekey(ta, &ka2), MCSEC_OK);
    bad = 0;
    for (int p = 0; p < 30; p++)
        bad += send_to(ta, 0xaaaa0001, seq_a++, rx, 3, all_ok, be32(ka2.mki + 4));
    TU_CHECK(bad == 0);
    /* the GMK1 packet arriving after the switch still decrypts */
    for (int m = 0; m < 3; m++) {
        uint8_t c[PKT_CAP];
        size_t l = late_len;
        memcpy(c, late, l);
        TU_CHECK_ERR(mcsec_srtp_unprotect(rx[m], c, &l, NULL), MCSEC_OK);
    }
    TU_CHECK_ERR(mcsec_srtp_sender_rekey(tb, &kb2), MCSEC_OK);
    bad = 0;
    for (int p = 0; p < 30; p++)
        bad += send_to(tb, 0xbbbb0002, seq_b++, rx, 3, all_ok, be32(kb2.mki + 4));
    TU_CHECK(bad == 0);
    /* none with the wrong key: a receiver holding another GMK under GMK2's ID
     * rejects the packets (authentication), one without GMK2 has no key */
    {
        mcsec_srtp_receiver *wrong = NULL, *old = NULL;
        TU_CHECK_ERR(mcsec_srtp_receiver_new(&wrong), MCSEC_OK);
        TU_CHECK_ERR(mcsec_srtp_receiver_new(&old), MCSEC_OK);
        TU_CHECK_ERR(mcsec_srtp_receiver_add_gmk(wrong, gmk3, id2, rnd2, 16, 4), MCSEC_OK);
        TU_CHECK_ERR(mcsec_srtp_receiver_add_gmk(old, gmk1, id1, rnd1, 16, 4), MCSEC_OK);
        mcsec_srtp_receiver *two[2] = { wrong, old };
        const mcsec_err want[2] = { MCSEC_ERR_VERIFY, MCSEC_ERR_NOT_FOUND };
        TU_CHECK(send_to(tb, 0xbbbb0002, seq_b++, two, 2, want, 0) == 0);
        mcsec_srtp_receiver_free(wrong);
        mcsec_srtp_receiver_free(old);
    }
    /* C is removed: GMK3 goes to A and B only; old GMKs are dropped */
    for (int m = 0; m < 2; m++) {
        TU_CHECK_ERR(mcsec_srtp_receiver_add_gmk(rx[m], gmk3, id3, rnd3, 16, 4), MCSEC_OK);
        TU_CHECK_ERR(mcsec_srtp_receiver_remove(rx[m], id1), MCSEC_OK);
    }
    TU_CHECK_ERR(mcsec_srtp_receiver_remove(rx[0], id1), MCSEC_ERR_NOT_FOUND);
    TU_CHECK_ERR(mcsec_srtp_key_derive(&ka3, gmk3, 16, id3, rnd3, 16, 4, uri[0]), MCSEC_OK);
    TU_CHECK_ERR(mcsec_srtp_sender_rekey(ta, &ka3), MCSEC_OK);
    {
        const mcsec_err want[3] = { MCSEC_OK, MCSEC_OK, MCSEC_ERR_NOT_FOUND };
        bad = 0;
        for (int p = 0; p < 20; p++)
            bad += send_to(ta, 0xaaaa0001, seq_a++, rx, 3, want, be32(ka3.mki + 4));
        TU_CHECK(bad == 0);
    }
    /* C may still talk with GMK2 (it does not know it is removed): A, B still hold
     * GMK2 until they drop it; after that C is locked out in both directions */
    TU_CHECK_ERR(mcsec_srtp_key_derive(&kc2, gmk2, 16, id2, rnd2, 16, 4, uri[2]), MCSEC_OK);
    TU_CHECK_ERR(mcsec_srtp_sender_new(&tc, &kc2), MCSEC_OK);
    for (int m = 0; m < 2; m++)
        TU_CHECK_ERR(mcsec_srtp_receiver_remove(rx[m], id2), MCSEC_OK);
    {
        const mcsec_err want[2] = { MCSEC_ERR_NOT_FOUND, MCSEC_ERR_NOT_FOUND };
        TU_CHECK(send_to(tc, 0xcccc0003, 7, rx, 2, want, 0) == 0);
    }

    /* --- floor control (TS 24.380): an APP "MCPT" Floor Request protected as
     * SRTCP under the talker's key, opened by the others; replay and tampering */
    {
        uint8_t fields[6] = { 102, 2, 0, 5, 0, 0 }, p[64], q[64];
        size_t l = 0;
        TU_CHECK_ERR(mcsec_srtp_floor_app(p, &l, sizeof p, 0, 0xaaaa0001, fields, 6), MCSEC_OK);
        TU_CHECK(l == 20);
        uint8_t clear[20];
        memcpy(clear, p, 20);
        TU_CHECK_ERR(mcsec_srtp_protect_rtcp(ta, p, &l, sizeof p), MCSEC_OK);
        TU_CHECK(l == 20 + 16 + 4 + 8);
        TU_CHECK(memcmp(p + 8, clear + 8, 12) != 0); /* the APP data is encrypted */
        size_t m = l;
        mcsec_srtp_info info;
        memcpy(q, p, l);
        TU_CHECK_ERR(mcsec_srtp_unprotect_rtcp(rx[1], q, &m, &info), MCSEC_OK);
        TU_CHECK(m == 20 && memcmp(q, clear, 20) == 0 && info.guk_id == be32(ka3.mki + 4));
        uint8_t st;
        uint32_t ssrc;
        char name[5];
        const uint8_t *f;
        size_t fl;
        TU_CHECK_ERR(mcsec_srtp_floor_parse(&st, &ssrc, name, &f, &fl, q, m), MCSEC_OK);
        TU_CHECK(st == 0 && ssrc == 0xaaaa0001 && strcmp(name, "MCPT") == 0 && fl == 8 &&
                 memcmp(f, fields, 6) == 0);
        TU_CHECK_ERR(mcsec_srtp_floor_parse(&st, &ssrc, name, &f, &fl, q, m - 1), MCSEC_ERR_TRUNCATED);
        /* replayed SRTCP */
        m = l;
        memcpy(q, p, l);
        TU_CHECK_ERR(mcsec_srtp_unprotect_rtcp(rx[1], q, &m, NULL), MCSEC_ERR_REPLAY);
        /* tampered SRTCP (a fresh packet, one bit of the encrypted part flipped) */
        TU_CHECK_ERR(mcsec_srtp_floor_app(p, &l, sizeof p, 4, 0xaaaa0001, NULL, 0), MCSEC_OK);
        TU_CHECK_ERR(mcsec_srtp_protect_rtcp(ta, p, &l, sizeof p), MCSEC_OK);
        p[9] ^= 0x01;
        m = l;
        TU_CHECK_ERR(mcsec_srtp_unprotect_rtcp(rx[0], p, &m, NULL), MCSEC_ERR_VERIFY);
        /* C (removed) cannot read floor control under GMK3 */
        TU_CHECK_ERR(mcsec_srtp_floor_app(p, &l, sizeof p, 4, 0xaaaa0001, NULL, 0), MCSEC_OK);
        TU_CHECK_ERR(mcsec_srtp_protect_rtcp(ta, p, &l, sizeof p), MCSEC_OK);
        m = l;
        TU_CHECK_ERR(mcsec_srtp_unprotect_rtcp(rx[2], p, &m, NULL), MCSEC_ERR_NOT_FOUND);
    }

    /* --- replayed and tampered SRTP */
    {
        uint8_t p[PKT_CAP], q[PKT_CAP];
        size_t l = rtp(p, 0xaaaa0001, seq_a++), m;
        TU_CHECK_ERR(mcsec_srtp_protect(ta, p, &l, sizeof p), MCSEC_OK);
        m = l;
        memcpy(q, p, l);
        TU_CHECK_ERR(mcsec_srtp_unprotect(rx[1], q, &m, NULL), MCSEC_OK);
        m = l;
        memcpy(q, p, l);
        TU_CHECK_ERR(mcsec_srtp_unprotect(rx[1], q, &m, NULL), MCSEC_ERR_REPLAY);
        /* tampered payload, header (AAD), tag: each rejected at a member that has not seen it */
        const size_t where[3] = { 40, 3, l - 8 - 1 };
        for (int t = 0; t < 3; t++) {
            l = rtp(p, 0xaaaa0001, seq_a++);
            TU_CHECK_ERR(mcsec_srtp_protect(ta, p, &l, sizeof p), MCSEC_OK);
            p[where[t]] ^= 0x80;
            m = l;
            TU_CHECK_ERR(mcsec_srtp_unprotect(rx[0], p, &m, NULL), MCSEC_ERR_VERIFY);
        }
        /* an MKI rewritten to another talker's GUK-ID: wrong key, rejected, not cached */
        l = rtp(p, 0xaaaa0001, seq_a++);
        TU_CHECK_ERR(mcsec_srtp_protect(ta, p, &l, sizeof p), MCSEC_OK);
        p[l - 1] ^= 0x01;
        m = l;
        TU_CHECK_ERR(mcsec_srtp_unprotect(rx[0], p, &m, NULL), MCSEC_ERR_VERIFY);
        /* too old for the replay window (128) */
        uint16_t s0 = seq_a++;
        l = rtp(p, 0xaaaa0001, s0);
        TU_CHECK_ERR(mcsec_srtp_protect(ta, p, &l, sizeof p), MCSEC_OK);
        for (int i = 0; i < 200; i++) {
            size_t k = rtp(q, 0xaaaa0001, seq_a++);
            TU_CHECK_ERR(mcsec_srtp_protect(ta, q, &k, sizeof q), MCSEC_OK);
            TU_CHECK_ERR(mcsec_srtp_unprotect(rx[1], q, &k, NULL), MCSEC_OK);
        }
        m = l;
        TU_CHECK_ERR(mcsec_srtp_unprotect(rx[1], p, &m, NULL), MCSEC_ERR_REPLAY);
        /* truncated, argument errors */
        m = 20;
        TU_CHECK_ERR(mcsec_srtp_unprotect(rx[1], p, &m, NULL), MCSEC_ERR_TRUNCATED);
        m = 172;
        TU_CHECK_ERR(mcsec_srtp_protect(ta, p, &m, 172 + 10), MCSEC_ERR_BUFFER);
        TU_CHECK_ERR(mcsec_srtp_protect(ta, p, &m, 0), MCSEC_ERR_BUFFER);
        TU_CHECK_ERR(mcsec_srtp_unprotect(NULL, p, &m, NULL), MCSEC_ERR_ARG);
    }

    /* --- a private call (TS 33.180 §7.4.1): one PCK, CS-ID 0 for the
     * initiator's media and 1 for the receiver's, MKI = PCK-ID */
    {
        uint8_t pck[16], prand[16];
        for (int i = 0; i < 16; i++) {
            pck[i] = (uint8_t)(0xc0 + i);
            prand[i] = (uint8_t)(0x33 * i);
        }
        const uint32_t pck_id = 0x1a2b3c4d; /* purpose tag 1 */
        mcsec_srtp_key k0, k1;
        TU_CHECK_ERR(mcsec_srtp_key_derive(&k0, pck, 16, pck_id, prand, 16, 0, NULL), MCSEC_OK);
        TU_CHECK_ERR(mcsec_srtp_key_derive(&k1, pck, 16, pck_id, prand, 16, 1, NULL), MCSEC_OK);
        TU_CHECK(k0.mki_len == 4 && be32(k0.mki) == pck_id && memcmp(k0.master_key, k1.master_key, 16) != 0);
        mcsec_srtp_sender *caller = NULL, *callee = NULL;
        mcsec_srtp_receiver *at_caller = NULL, *at_callee = NULL;
        TU_CHECK_ERR(mcsec_srtp_sender_new(&caller, &k0), MCSEC_OK);
        TU_CHECK_ERR(mcsec_srtp_sender_new(&callee, &k1), MCSEC_OK);
        TU_CHECK_ERR(mcsec_srtp_receiver_new(&at_caller), MCSEC_OK);
        TU_CHECK_ERR(mcsec_srtp_receiver_new(&at_callee), MCSEC_OK);
        TU_CHECK_ERR(mcsec_srtp_receiver_add_key(at_callee, &k0), MCSEC_OK);
        TU_CHECK_ERR(mcsec_srtp_receiver_add_key(at_callee, &k0), MCSEC_ERR_DUPLICATE);
        TU_CHECK_ERR(mcsec_srtp_receiver_add_key(at_caller, &k1), MCSEC_OK);
        const mcsec_err ok = MCSEC_OK;
        bad = 0;
        for (uint16_t q = 0; q < 40; q++) {
            bad += send_to(caller, 0x11110001, q, &at_callee, 1, &ok, 0);
            bad += send_to(callee, 0x22220002, (uint16_t)(q + 9000), &at_caller, 1, &ok, 0);
        }
        TU_CHECK(bad == 0);
        /* a direction's packets do not open with the other direction's key */
        const mcsec_err verify = MCSEC_ERR_VERIFY;
        TU_CHECK(send_to(caller, 0x11110001, 41, &at_caller, 1, &verify, 0) == 0);
        /* off-network floor control with the PCK (SRTCP keys = SRTP keys, §7.4.1) */
        uint8_t p[64];
        size_t l = 0;
        TU_CHECK_ERR(mcsec_srtp_floor_app(p, &l, sizeof p, 1, 0x22220002, NULL, 0), MCSEC_OK);
        TU_CHECK_ERR(mcsec_srtp_protect_rtcp(callee, p, &l, sizeof p), MCSEC_OK);
        TU_CHECK_ERR(mcsec_srtp_unprotect_rtcp(at_caller, p, &l, NULL), MCSEC_OK);
        TU_CHECK(l == 12 && p[1] == 204 && (p[0] & 0x1f) == 1);
        TU_CHECK_ERR(mcsec_srtp_receiver_remove(at_callee, pck_id), MCSEC_OK);
        TU_CHECK(send_to(caller, 0x11110001, 42, &at_callee, 1, (const mcsec_err[]){ MCSEC_ERR_NOT_FOUND }, 0) == 0);
        mcsec_srtp_sender_free(caller);
        mcsec_srtp_sender_free(callee);
        mcsec_srtp_receiver_free(at_caller);
        mcsec_srtp_receiver_free(at_callee);
        mcsec_srtp_key_wipe(&k0);
        mcsec_srtp_key_wipe(&k1);
        TU_CHECK(tu_all_zero(&k0, sizeof k0));
    }

    /* --- many talkers: more than MCSEC_SRTP_MAX_TALKERS distinct GUK-IDs in turn,
     * each one's packets still decrypt (least recently used keys are re-derived) */
    {
        mcsec_srtp_receiver *big = NULL;
        TU_CHECK_ERR(mcsec_srtp_receiver_new(&big), MCSEC_OK);
        TU_CHECK_ERR(mcsec_srtp_receiver_add_gmk(big, gmk1, id1, rnd1, 16, 4), MCSEC_OK);
        const mcsec_err ok = MCSEC_OK;
        bad = 0;
        for (int round = 0; round < 2; round++)
            for (int t = 0; t < MCSEC_SRTP_MAX_TALKERS + 8; t++) {
                char u[64];
                snprintf(u, sizeof u, "sip:member%d@example.org", t);
                mcsec_srtp_key k;
                mcsec_srtp_sender *s = NULL;
                if (mcsec_srtp_key_derive(&k, gmk1, 16, id1, rnd1, 16, 4, u) != MCSEC_OK ||
                    mcsec_srtp_sender_new(&s, &k) != MCSEC_OK) {
                    bad++;
                    continue;
                }
                /* the sequence numbers move on with the round: a re-derived key
                 * starts a new replay window */
                bad += send_to(s, 0x50000000u + (uint32_t)t, (uint16_t)(round * 10), &big, 1, &ok, be32(k.mki + 4));
                mcsec_srtp_sender_free(s);
                mcsec_srtp_key_wipe(&k);
            }
        TU_CHECK(bad == 0);
        mcsec_srtp_receiver_free(big);
    }

    /* every talker slot in use, the least recently used talker's first packet
     * kept: forged MKIs (the GMK-ID with other GUK-IDs) must not evict it, so
     * that packet stays a replay */
    {
        mcsec_srtp_receiver *full = NULL;
        TU_CHECK_ERR(mcsec_srtp_receiver_new(&full), MCSEC_OK);
        TU_CHECK_ERR(mcsec_srtp_receiver_add_gmk(full, gmk1, id1, rnd1, 16, 4), MCSEC_OK);
        uint8_t first[PKT_CAP], q[PKT_CAP];
        size_t first_len = 0;
        int failures = 0;
        for (int t = 0; t < MCSEC_SRTP_MAX_KEYS + MCSEC_SRTP_MAX_TALKERS; t++) {
            char u[64];
            snprintf(u, sizeof u, "sip:talker%d@example.org", t);
            mcsec_srtp_key k;
            mcsec_srtp_sender *s = NULL;
            uint8_t p[PKT_CAP];
            size_t l = rtp(p, 0x60000000u + (uint32_t)t, 1), m;
            if (mcsec_srtp_key_derive(&k, gmk1, 16, id1, rnd1, 16, 4, u) != MCSEC_OK ||
                mcsec_srtp_sender_new(&s, &k) != MCSEC_OK || mcsec_srtp_protect(s, p, &l, sizeof p) != MCSEC_OK) {
                failures++;
            } else {
                if (t == 0) {
                    memcpy(first, p, l);
                    first_len = l;
                }
                m = l;
                failures += mcsec_srtp_unprotect(full, p, &m, NULL) != MCSEC_OK;
            }
            mcsec_srtp_sender_free(s);
            mcsec_srtp_key_wipe(&k);
        }
        TU_CHECK(failures == 0 && first_len > 0);
        for (int g = 0; g < 16; g++) {
            size_t m = first_len;
            memcpy(q, first, first_len);
            q[first_len - 2] ^= (uint8_t)(g + 1); /* another GUK-ID, same purpose nibble */
            TU_CHECK_ERR(mcsec_srtp_unprotect(full, q, &m, NULL), MCSEC_ERR_VERIFY);
        }
        size_t m = first_len;
        memcpy(q, first, first_len);
        TU_CHECK_ERR(mcsec_srtp_unprotect(full, q, &m, NULL), MCSEC_ERR_REPLAY);
        mcsec_srtp_receiver_free(full);
    }

    mcsec_srtp_key_wipe(&ka);
    mcsec_srtp_key_wipe(&kb);
    mcsec_srtp_key_wipe(&ka2);
    mcsec_srtp_key_wipe(&kb2);
    mcsec_srtp_key_wipe(&kc2);
    mcsec_srtp_key_wipe(&ka3);
    mcsec_srtp_sender_free(ta);
    mcsec_srtp_sender_free(tb);
    mcsec_srtp_sender_free(tc);
    for (int m = 0; m < 3; m++)
        mcsec_srtp_receiver_free(rx[m]);
    return tu_finish("test_srtp");
}
