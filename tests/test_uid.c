/* TS 33.180 F.2.1 UID and key periods: the F.2.1.2 worked example from
 * tests/vectors/uid_33180.txt, period arithmetic and argument rejection. */
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "mcsec/uid.h"
#include "testutil.h"

int main(void)
{
    tu_vectors *tv = tu_vectors_load("uid_33180.txt");
    size_t s = tu_vectors_find(tv, "f.2.1.2");
    const char *uri = tu_vectors_get(tv, s, "uri"), *kms = tu_vectors_get(tv, s, "kms_uri");
    uint64_t len = strtoull(tu_vectors_get(tv, s, "period_len"), NULL, 10);
    uint64_t off = strtoull(tu_vectors_get(tv, s, "period_offset"), NULL, 10);
    uint64_t ntp = strtoull(tu_vectors_get(tv, s, "ntp_time"), NULL, 10);
    uint64_t want_no = strtoull(tu_vectors_get(tv, s, "period_no"), NULL, 10);
    uint8_t want[32], input[256], uid[32], h[32];
    tu_vectors_hex(tv, s, "uid", want, 32);
    size_t in_len = tu_vectors_hex(tv, s, "hash_input", input, sizeof input);

    /* the transcribed hash input really hashes to the transcribed UID */
    SHA256(input, in_len, h);
    TU_CHECK_MEM(h, want, 32);

    uint64_t no = 0;
    TU_CHECK_ERR(mcsec_uid_period_no(&no, ntp, len, off), MCSEC_OK);
    TU_CHECK(no == want_no);
    TU_CHECK_ERR(mcsec_uid_compute(uid, uri, strlen(uri), kms, strlen(kms), len, off, no), MCSEC_OK);
    TU_CHECK_MEM(uid, want, 32);

    /* the period bounds contain the time, and the neighbours differ */
    uint64_t a, b;
    TU_CHECK_ERR(mcsec_uid_period_bounds(&a, &b, no, len, off), MCSEC_OK);
    TU_CHECK(a <= ntp && ntp < b && b - a == len);
    TU_CHECK_ERR(mcsec_uid_period_no(&no, a, len, off), MCSEC_OK);
    TU_CHECK(no == want_no);
    TU_CHECK_ERR(mcsec_uid_period_no(&no, b, len, off), MCSEC_OK);
    TU_CHECK(no == want_no + 1);
    TU_CHECK_ERR(mcsec_uid_period_no(&no, a - 1, len, off), MCSEC_OK);
    TU_CHECK(no == want_no - 1);
    uint8_t other[32];
    TU_CHECK_ERR(mcsec_uid_compute(other, uri, strlen(uri), kms, strlen(kms), len, off, want_no + 1),
                 MCSEC_OK);
    TU_CHECK(memcmp(other, uid, 32) != 0);
    /* every input is bound: URI, KMS URI, length, offset */
    TU_CHECK_ERR(mcsec_uid_compute(other, uri, strlen(uri) - 1, kms, strlen(kms), len, off, want_no),
                 MCSEC_OK);
    TU_CHECK(memcmp(other, uid, 32) != 0);
    TU_CHECK_ERR(mcsec_uid_compute(other, uri, strlen(uri), kms, strlen(kms) - 1, len, off, want_no),
                 MCSEC_OK);
    TU_CHECK(memcmp(other, uid, 32) != 0);
    TU_CHECK_ERR(mcsec_uid_compute(other, uri, strlen(uri), kms, strlen(kms), len + 1, off, want_no),
                 MCSEC_OK);
    TU_CHECK(memcmp(other, uid, 32) != 0);
    TU_CHECK_ERR(mcsec_uid_compute(other, uri, strlen(uri), kms, strlen(kms), len, off + 1, want_no),
                 MCSEC_OK);
    TU_CHECK(memcmp(other, uid, 32) != 0);

    /* offsets shift the periods */
    TU_CHECK_ERR(mcsec_uid_period_no(&no, 1000 + 2 * 600, 600, 1000 % 600), MCSEC_OK);
    TU_CHECK(no == (1000 + 2 * 600 - 400) / 600);

    /* rejections */
    TU_CHECK_ERR(mcsec_uid_period_no(&no, ntp, 0, 0), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_uid_period_no(&no, ntp, 100, 100), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_uid_period_no(&no, 5, 100, 10), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_uid_period_bounds(&a, &b, UINT64_MAX / 2, len, off), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_uid_compute(uid, uri, 0, kms, strlen(kms), len, off, 1), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_uid_compute(uid, uri, strlen(uri), NULL, 3, len, off, 1), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_uid_compute(uid, uri, strlen(uri), kms, strlen(kms), len, len, 1), MCSEC_ERR_ARG);
    tu_vectors_free(tv);
    return tu_finish("test_uid");
}
