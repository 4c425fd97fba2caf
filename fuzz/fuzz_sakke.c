/* libFuzzer target for the SAKKE input parsers and checks. The first input
 * octet selects what the rest feeds:
 *   0  point decoding (257 octets) and, if it decodes, encoding round trip
 *   1  mcsec_sakke_decapsulate() of an arbitrary SED (273 octets)
 *   2  mcsec_sakke_validate_rsk() and mcsec_sakke_validate_rsk_prepared() of
 *      an arbitrary RSK (257 octets)
 *   3  mcsec_sakke_decapsulate_key() of an arbitrary SED
 *   4  a valid R with an arbitrary H (16 octets): the full pairing + TEST path
 *   5  R = [k]P for an arbitrary k (<= 128 octets) with an arbitrary H: on the
 *      curve and in the subgroup, so only the TEST can reject it
 *   6  mcsec_sakke_decapsulate() with an arbitrary RSK (257 octets)
 * Inputs are zero-padded or truncated to the needed length; each input runs
 * one SAKKE operation (a few milliseconds) at most. The receiver is the
 * RFC 6508 Appendix A one (z, b, K_(b,S), SSV).
 * Invariants checked (abort on violation): a failed decapsulation leaves the
 * SSV all zeros; a successful one returns the SSV of the genuine SED and
 * only for that SED; the genuine SED always decapsulates with the genuine
 * RSK; the genuine RSK is the only one that validates (with the prepared
 * validation, which is the RFC's check: the genuine one or the genuine one
 * plus a point of order 2 or 4). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/sakke.h"

#include "math/ec1024.h"
#include "math/sakke_tables.h"
#include "math/scalar1024.h"

static const uint8_t rfc_z_tail[20] = { 0xAF, 0xF4, 0x29, 0xD3, 0x5F, 0x84, 0xB1, 0x10, 0xD0, 0x94,
                                        0x80, 0x3B, 0x35, 0x95, 0xA6, 0xE2, 0x99, 0x8B, 0xC9, 0x9F };
static const uint8_t rfc_b[26] = { 0x32, 0x30, 0x31, 0x31, 0x2D, 0x30, 0x32, 0x00, 0x74,
                                   0x65, 0x6C, 0x3A, 0x2B, 0x34, 0x34, 0x37, 0x37, 0x30,
                                   0x30, 0x39, 0x30, 0x30, 0x31, 0x32, 0x33, 0x00 };
static const uint8_t rfc_ssv[16] = { 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0,
                                     0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0xDE, 0xF0 };

static struct {
    int ready;
    uint8_t zt[257], rsk[257], sed[273];
    mcsec_sakke_kms_params params;
    mcsec_sakke_rsk_key key;
    mcsec_sakke_validator val;
} st; /* fuzz harness state, built on the first call */

static void setup(void)
{
    uint8_t z[128] = { 0 };
    memcpy(z + 108, rfc_z_tail, sizeof rfc_z_tail);
    if (mcsec_sakke_kms_public(st.zt, z) != MCSEC_OK ||
        mcsec_sakke_kms_issue(st.rsk, z, rfc_b, sizeof rfc_b) != MCSEC_OK ||
        mcsec_sakke_encapsulate(st.sed, st.zt, rfc_b, sizeof rfc_b, rfc_ssv) != MCSEC_OK ||
        mcsec_sakke_kms_params_init(&st.params, st.zt) != MCSEC_OK ||
        mcsec_sakke_validator_init(&st.val, &st.params) != MCSEC_OK ||
        mcsec_sakke_rsk_key_init(&st.key, &st.params, rfc_b, sizeof rfc_b, st.rsk) != MCSEC_OK)
        abort();
    st.ready = 1;
}

static void take(uint8_t *dst, size_t n, const uint8_t *src, size_t len)
{
    memset(dst, 0, n);
    memcpy(dst, src, len < n ? len : n);
}

static int all_zero(const uint8_t *b, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= b[i];
    return acc == 0;
}

/* the decapsulation contract for a given SED and result */
static void check_decap(mcsec_err e, const uint8_t ssv[16], const uint8_t sed[273], int genuine_key)
{
    if (e == MCSEC_OK) {
        /* never a wrong SSV (an RSK differing from the genuine one by a
         * point of order 2 or 4 pairs identically; raw-byte decapsulation
         * does not reject it, see sakke.h) */
        if (memcmp(sed, st.sed, 273) != 0 || memcmp(ssv, rfc_ssv, 16) != 0)
            abort();
    } else {
        if (!all_zero(ssv, 16))
            abort();
        if (genuine_key && memcmp(sed, st.sed, 273) == 0)
            abort();
        if (e != MCSEC_ERR_DECAP && e != MCSEC_ERR_POINT)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!st.ready)
        setup();
    if (size < 1)
        return 0;
    uint8_t mode = data[0] % 7;
    data++;
    size--;
    uint8_t buf[273], ssv[16], enc[257];
    mcsec_err e;
    switch (mode) {
    case 0: {
        ec_aff a;
        take(buf, 257, data, size);
        if (ec_decode(&a, buf)) {
            ec_encode(enc, &a);
            if (memcmp(enc, buf, 257) != 0 || !ec_on_curve_mask(&a))
                abort();
        }
        break;
    }
    case 1:
        take(buf, 273, data, size);
        e = mcsec_sakke_decapsulate(ssv, st.zt, rfc_b, sizeof rfc_b, st.rsk, buf);
        check_decap(e, ssv, buf, 1);
        break;
    case 2: {
        take(buf, 257, data, size);
        e = mcsec_sakke_validate_rsk(st.zt, rfc_b, sizeof rfc_b, buf);
        if ((e == MCSEC_OK) != (memcmp(buf, st.rsk, 257) == 0))
            abort();
        mcsec_err e2 = mcsec_sakke_validate_rsk_prepared(&st.val, rfc_b, sizeof rfc_b, buf);
        if (e == MCSEC_OK && e2 != MCSEC_OK)
            abort();
        if (e2 == MCSEC_OK && e != MCSEC_OK) {
            /* buf - K must have order 2 or 4: [4](buf - K) = O */
            ec_aff x, k;
            ec_jac d;
            if (!ec_decode(&x, buf) || !ec_decode(&k, st.rsk))
                abort();
            ec_aff_neg(&k, &k);
            ec_jac_from_aff(&d, &x);
            ec_jac_madd(&d, &d, &k);
            ec_jac_dbl(&d, &d);
            ec_jac_dbl(&d, &d);
            if (!fp_is_zero_mask(&d.Z))
                abort();
        }
        if ((e2 == MCSEC_ERR_POINT) != (e == MCSEC_ERR_POINT))
            abort();
        break;
    }
    case 3:
        take(buf, 273, data, size);
        e = mcsec_sakke_decapsulate_key(ssv, &st.key, buf);
        check_decap(e, ssv, buf, 1);
        break;
    case 4:
        memcpy(buf, st.sed, 257);
        take(buf + 257, 16, data, size);
        e = mcsec_sakke_decapsulate_key(ssv, &st.key, buf);
        check_decap(e, ssv, buf, 1);
        break;
    case 5: {
        sc1024 k;
        ec_proj r;
        ec_aff ra;
        size_t klen = size > 16 ? size - 16 : 0;
        if (klen > 128)
            klen = 128;
        sc1024_from_octets_reduce(&k, data, klen ? klen : 0);
        ec_comb_mul(&r, &sakke_comb_P, k.v);
        if (!ec_proj_to_aff(&ra, &r))
            return 0; /* k = 0 */
        ec_encode(buf, &ra);
        take(buf + 257, 16, data + klen, size - klen);
        e = mcsec_sakke_decapsulate(ssv, st.zt, rfc_b, sizeof rfc_b, st.rsk, buf);
        check_decap(e, ssv, buf, 1);
        mcsec_err e2 = mcsec_sakke_decapsulate_key(ssv, &st.key, buf);
        if (e2 != e)
            abort();
        break;
    }
    case 6:
        take(buf, 257, data, size);
        e = mcsec_sakke_decapsulate(ssv, st.zt, rfc_b, sizeof rfc_b, buf, st.sed);
        check_decap(e, ssv, st.sed, memcmp(buf, st.rsk, 257) == 0);
        break;
    }
    return 0;
}
