/* TS 33.180 Annex F.2.1 UID and key periods (see include/mcsec/uid.h). */
#include "mcsec/uid.h"

#include <string.h>

#include <openssl/evp.h>

/* Appends the shortest big-endian encoding of v (zero as one 0x00 octet)
 * followed by its 2-octet length (F.2.1: integers as in TS 33.220 B.1). */
static size_t put_int_param(uint8_t *out, uint64_t v)
{
    uint8_t be[8];
    size_t n = 0;
    for (int shift = 56; shift >= 0; shift -= 8) {
        uint8_t b = (uint8_t)(v >> shift);
        if (n || b || shift == 0)
            be[n++] = b;
    }
    memcpy(out, be, n);
    out[n] = 0;
    out[n + 1] = (uint8_t)n;
    return n + 2;
}

static int period_params_ok(uint64_t period_len, uint64_t period_offset)
{
    return period_len > 0 && period_offset < period_len;
}

mcsec_err mcsec_uid_compute(uint8_t uid[MCSEC_UID_BYTES], const char *uri, size_t uri_len,
                            const char *kms_uri, size_t kms_uri_len, uint64_t period_len,
                            uint64_t period_offset, uint64_t period_no)
{
    static const uint8_t p0[] = { 0x00, 'M', 'I', 'K', 'E', 'Y', '-', 'S', 'A', 'K', 'K', 'E',
                                  '-', 'U', 'I', 'D', 0x00, 0x0F }; /* FC || P0 || L0 */
    if (!uid || !uri || !kms_uri || uri_len == 0 || uri_len > 0xFFFF || kms_uri_len == 0 ||
        kms_uri_len > 0xFFFF || !period_params_ok(period_len, period_offset))
        return MCSEC_ERR_ARG;
    uint8_t l1[2] = { (uint8_t)(uri_len >> 8), (uint8_t)uri_len };
    uint8_t l2[2] = { (uint8_t)(kms_uri_len >> 8), (uint8_t)kms_uri_len };
    uint8_t tail[3 * 10];
    size_t tl = put_int_param(tail, period_len);
    tl += put_int_param(tail + tl, period_offset);
    tl += put_int_param(tail + tl, period_no);

    EVP_MD_CTX *c = EVP_MD_CTX_new();
    unsigned int olen = 0;
    int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(c, p0, sizeof p0) == 1 && EVP_DigestUpdate(c, uri, uri_len) == 1 &&
             EVP_DigestUpdate(c, l1, 2) == 1 && EVP_DigestUpdate(c, kms_uri, kms_uri_len) == 1 &&
             EVP_DigestUpdate(c, l2, 2) == 1 && EVP_DigestUpdate(c, tail, tl) == 1 &&
             EVP_DigestFinal_ex(c, uid, &olen) == 1 && olen == MCSEC_UID_BYTES;
    EVP_MD_CTX_free(c);
    return ok ? MCSEC_OK : MCSEC_ERR_CRYPTO;
}

mcsec_err mcsec_uid_period_no(uint64_t *period_no, uint64_t ntp_seconds, uint64_t period_len,
                              uint64_t period_offset)
{
    if (!period_no || !period_params_ok(period_len, period_offset) || ntp_seconds < period_offset)
        return MCSEC_ERR_ARG;
    *period_no = (ntp_seconds - period_offset) / period_len; /* F.2.1: P5 */
    return MCSEC_OK;
}

mcsec_err mcsec_uid_period_bounds(uint64_t *start, uint64_t *end, uint64_t period_no,
                                  uint64_t period_len, uint64_t period_offset)
{
    if (!start || !end || !period_params_ok(period_len, period_offset))
        return MCSEC_ERR_ARG;
    if (period_no >= (UINT64_MAX - period_offset) / period_len)
        return MCSEC_ERR_ARG;
    *start = period_offset + period_no * period_len;
    *end = *start + period_len;
    return MCSEC_OK;
}
