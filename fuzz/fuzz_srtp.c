/* libFuzzer target: the SRTP receiver path and the floor-control parser.
 * The input is read as an SRTP packet, then as an SRTCP packet, by a receiver
 * holding a GMK (so the MKI peek and the talker-key derivation run) and a PCK
 * key; then as an RTCP APP packet. Any input must give a result or an error,
 * never a crash, and a packet that opens shrinks to fit its input. */
#include <stdint.h>
#include <string.h>

#include "mcsec/srtp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mcsec_srtp_receiver *rx;
    static const uint8_t gmk[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
    static const uint8_t rnd[16] = { 9 };
    if (rx == NULL) {
        mcsec_srtp_key k;
        memset(&k, 0x42, sizeof k);
        k.mki_len = 4;
        k.mki[0] = 0x1a;
        if (mcsec_srtp_receiver_new(&rx) != MCSEC_OK ||
            mcsec_srtp_receiver_add_gmk(rx, gmk, 0x09bf9d37, rnd, 16, 4) != MCSEC_OK ||
            mcsec_srtp_receiver_add_key(rx, &k) != MCSEC_OK)
            __builtin_trap();
    }
    uint8_t buf[MCSEC_SRTP_MAX_PACKET + MCSEC_SRTP_MAX_TRAILER];
    if (size > sizeof buf)
        return 0;
    for (int rtcp = 0; rtcp < 2; rtcp++) {
        size_t n = size;
        memcpy(buf, data, size);
        mcsec_err e = rtcp ? mcsec_srtp_unprotect_rtcp(rx, buf, &n, NULL) : mcsec_srtp_unprotect(rx, buf, &n, NULL);
        if (e == MCSEC_OK && n > size)
            __builtin_trap();
    }
    uint8_t st;
    uint32_t ssrc;
    char name[5];
    const uint8_t *f;
    size_t fl;
    if (mcsec_srtp_floor_parse(&st, &ssrc, name, &f, &fl, data, size) == MCSEC_OK &&
        (f < data || f + fl > data + size || st > 31))
        __builtin_trap();
    return 0;
}
