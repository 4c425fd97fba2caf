/* srtp-bench — SRTP protect + unprotect throughput for 20 ms voice packets:
 * mcsec's wrapper (include/mcsec/srtp.h) against raw libsrtp2 in the same
 * run, same keys, same packets, same profile (AEAD_AES_128_GCM, 16-octet tag,
 * 8-octet MKI = GMK-ID || GUK-ID as in a TS 33.180 group call).
 *
 *   srtp-bench [--json] [--packets N] [--rounds R]   (defaults 100000, 7)
 *
 * One operation = build the RTP packet (header + payload copied in), protect,
 * unprotect, check the length. The two implementations take turns R times;
 * the median ns/packet of each is reported, and ratio = wrapper / raw.
 * Payloads: 160 octets (G.711, 20 ms) and 33 octets (AMR-WB 12.65, 20 ms),
 * plus the 12-octet RTP header. */
#include <srtp2/srtp.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mcsec/srtp.h"

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void make_rtp(uint8_t *p, uint16_t seq, size_t payload)
{
    uint32_t ts = (uint32_t)seq * 160;
    p[0] = 0x80;
    p[1] = 0x00;
    p[2] = (uint8_t)(seq >> 8);
    p[3] = (uint8_t)seq;
    p[4] = (uint8_t)(ts >> 24);
    p[5] = (uint8_t)(ts >> 16);
    p[6] = (uint8_t)(ts >> 8);
    p[7] = (uint8_t)ts;
    p[8] = 0x12;
    p[9] = 0x34;
    p[10] = 0x56;
    p[11] = 0x78;
    memset(p + 12, 0x5a, payload);
}

static srtp_t raw_session(const mcsec_srtp_key *k, srtp_ssrc_type_t dir)
{
    static uint8_t km[28], mki[8];
    memcpy(km, k->master_key, 16);
    memcpy(km + 16, k->master_salt, 12);
    memcpy(mki, k->mki, 8);
    srtp_master_key_t mk = { km, mki, 8 };
    srtp_master_key_t *keys[1] = { &mk };
    srtp_policy_t p;
    memset(&p, 0, sizeof p);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
    p.ssrc.type = dir;
    p.keys = keys;
    p.num_master_keys = 1;
    p.window_size = 128;
    srtp_t s = NULL;
    if (srtp_create(&s, &p) != srtp_err_status_ok)
        return NULL;
    return s;
}

/* ns per packet, or -1 on a failure */
static double run_raw(const mcsec_srtp_key *k, size_t payload, long n)
{
    srtp_t tx = raw_session(k, ssrc_any_outbound), rx = raw_session(k, ssrc_any_inbound);
    if (!tx || !rx)
        return -1;
    uint8_t pkt[12 + 160 + MCSEC_SRTP_MAX_TRAILER];
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        make_rtp(pkt, (uint16_t)i, payload);
        int len = (int)(12 + payload);
        if (srtp_protect_mki(tx, pkt, &len, 1, 0) != srtp_err_status_ok ||
            srtp_unprotect_mki(rx, pkt, &len, 1) != srtp_err_status_ok || len != (int)(12 + payload))
            return -1;
    }
    double t = (now_ns() - t0) / (double)n;
    srtp_dealloc(tx);
    srtp_dealloc(rx);
    return t;
}

static double run_mcsec(const mcsec_srtp_key *k, const uint8_t gmk[16], uint32_t gmk_id, const uint8_t rand[16],
                        size_t payload, long n)
{
    mcsec_srtp_sender *tx = NULL;
    mcsec_srtp_receiver *rx = NULL;
    /* the receiver holds the GMK and derives the talker's key from the MKI,
     * as a group call member does */
    if (mcsec_srtp_sender_new(&tx, k) != MCSEC_OK || mcsec_srtp_receiver_new(&rx) != MCSEC_OK ||
        mcsec_srtp_receiver_add_gmk(rx, gmk, gmk_id, rand, 16, MCSEC_SRTP_CS_GROUP) != MCSEC_OK)
        return -1;
    uint8_t pkt[12 + 160 + MCSEC_SRTP_MAX_TRAILER];
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        make_rtp(pkt, (uint16_t)i, payload);
        size_t len = 12 + payload;
        if (mcsec_srtp_protect(tx, pkt, &len, sizeof pkt) != MCSEC_OK ||
            mcsec_srtp_unprotect(rx, pkt, &len, NULL) != MCSEC_OK || len != 12 + payload)
            return -1;
    }
    double t = (now_ns() - t0) / (double)n;
    mcsec_srtp_sender_free(tx);
    mcsec_srtp_receiver_free(rx);
    return t;
}

int main(int argc, char **argv)
{
    long packets = 100000;
    int rounds = 7, json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--packets") == 0 && i + 1 < argc)
            packets = atol(argv[++i]);
        else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: srtp-bench [--json] [--packets N] [--rounds R]\n");
            return 2;
        }
    }
    if (packets < 1000 || rounds < 1 || rounds > 101) {
        fprintf(stderr, "srtp-bench: --packets >= 1000, --rounds 1..101\n");
        return 2;
    }
    if (mcsec_srtp_available() != MCSEC_OK) { /* runs srtp_init once for both */
        fprintf(stderr, "srtp-bench: libsrtp2 lacks AES-GCM with MKI\n");
        return 1;
    }
    uint8_t gmk[16], rand[16];
    for (int i = 0; i < 16; i++) {
        gmk[i] = (uint8_t)(0xa0 + i);
        rand[i] = (uint8_t)(7 * i);
    }
    const uint32_t gmk_id = 0x09bf9d37;
    mcsec_srtp_key k;
    if (mcsec_srtp_key_derive(&k, gmk, 16, gmk_id, rand, 16, MCSEC_SRTP_CS_GROUP, "sip:talker@example.org") !=
        MCSEC_OK)
        return 1;
    const size_t payloads[2] = { 160, 33 };
    const char *names[2] = { "g711_160", "amrwb_33" };
    int rc = 0;
    if (json)
        printf("[");
    else
        printf("%s, AEAD_AES_128_GCM, MKI 8, %ld packets x %d rounds\n%-10s %12s %12s %8s %12s\n",
               mcsec_srtp_backend(), packets, rounds, "payload", "raw ns/pkt", "mcsec ns/pkt", "ratio",
               "mcsec pkt/s");
    for (int p = 0; p < 2; p++) {
        double raw[101], mc[101];
        for (int r = 0; r < rounds; r++) {
            raw[r] = run_raw(&k, payloads[p], packets);
            mc[r] = run_mcsec(&k, gmk, gmk_id, rand, payloads[p], packets);
            if (raw[r] < 0 || mc[r] < 0) {
                fprintf(stderr, "srtp-bench: a packet failed\n");
                return 1;
            }
        }
        qsort(raw, (size_t)rounds, sizeof raw[0], cmp_double);
        qsort(mc, (size_t)rounds, sizeof mc[0], cmp_double);
        double a = raw[rounds / 2], b = mc[rounds / 2], ratio = b / a;
        if (json)
            printf("%s{\"payload\": \"%s\", \"raw_ns\": %.1f, \"mcsec_ns\": %.1f, \"ratio\": %.4f}", p ? ", " : "",
                   names[p], a, b, ratio);
        else
            printf("%-10s %12.1f %12.1f %8.3f %12.0f\n", names[p], a, b, ratio, 1e9 / b);
        if (ratio > 1.05)
            rc = 3; /* outside the 5% target */
    }
    if (json)
        printf("]\n");
    mcsec_srtp_key_wipe(&k);
    return rc;
}
