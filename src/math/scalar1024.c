/* Arithmetic modulo q; see scalar1024.h. Products use the generic CIOS
 * Montgomery multiplication of mp.h (a handful per SAKKE operation), the
 * inverse uses safegcd (constant time, microseconds instead of the ~1300
 * products of Fermat). */
#include "math/scalar1024.h"

#include <string.h>

#include "mcsec/common.h"
#include "math/mp.h"
#include "math/safegcd.h"
#include "math/sakke_tables.h"

/* a = a mod q for a < 2^1024: since q > 2^1021, a < 8q and three
 * conditional subtractions of 4q, 2q, q (all < 2^1024) reduce it. */
static void reduce_8q(uint64_t a[16])
{
    for (int s = 2; s >= 0; s--) {
        uint64_t m[16], t[16];
        /* m = q << s */
        for (int i = 0; i < 16; i++) {
            uint64_t lo = sc1024_q.m[i] << s;
            uint64_t hi = (s && i) ? sc1024_q.m[i - 1] >> (64 - s) : 0;
            m[i] = lo | hi;
        }
        uint64_t br = mp_sub(t, a, m, 16);
        ct_cmov_limbs(a, t, 16, ~ct_mask_from_bit(br));
    }
}

void sc1024_from_bytes_reduce(sc1024 *r, const uint8_t in[128])
{
    mp_from_be(r->v, 16, in);
    reduce_8q(r->v);
}

void sc1024_from_octets_reduce(sc1024 *r, const uint8_t *in, size_t len)
{
    uint8_t buf[128] = { 0 };
    if (len > 128)
        len = 128;
    memcpy(buf + 128 - len, in, len);
    sc1024_from_bytes_reduce(r, buf);
    mcsec_wipe(buf, sizeof buf);
}

uint64_t sc1024_from_bytes_range(sc1024 *r, const uint8_t in[128], uint64_t lo)
{
    uint64_t low[16] = { 0 };
    low[0] = lo;
    mp_from_be(r->v, 16, in);
    return mp_lt_mask(r->v, sc1024_q.m, 16) & ~mp_lt_mask(r->v, low, 16);
}

void sc1024_to_bytes(uint8_t out[128], const sc1024 *a)
{
    mp_to_be(out, a->v, 16);
}

void sc1024_add(sc1024 *r, const sc1024 *a, const sc1024 *b)
{
    mp_mod_add(r->v, a->v, b->v, &sc1024_q);
}

void sc1024_mul(sc1024 *r, const sc1024 *a, const sc1024 *b)
{
    uint64_t t[16];
    mp_mont_mul(t, a->v, b->v, &sc1024_q);     /* a b R^-1 */
    mp_mont_mul(r->v, t, sc1024_q.rr, &sc1024_q); /* a b */
    mcsec_ct_wipe_limbs(t, 16);
}

void sc1024_inv(sc1024 *r, const sc1024 *a)
{
    sg_modinv(r->v, a->v, &sg_q);
}

void sc1024_comb_recode(uint64_t bits[SC_COMB_WORDS], const uint64_t k[SC_LIMBS], int L)
{
    uint64_t kk[SC_COMB_WORDS], qq[SC_COMB_WORDS];
    for (int i = 0; i < SC_LIMBS; i++) {
        kk[i] = k[i];
        qq[i] = sc1024_q.m[i];
    }
    kk[16] = 0;
    qq[16] = 0;
    /* k' = k + q if k is even (q is odd) */
    uint64_t even = ~ct_mask_from_bit(k[0]);
    for (int i = 0; i < SC_COMB_WORDS; i++)
        qq[i] &= even;
    mp_add(kk, kk, qq, SC_COMB_WORDS);
    /* b = (k' >> 1) + 2^(L-1); k' >> 1 < 2^1022 <= 2^(L-1), so OR suffices */
    for (int i = 0; i < SC_COMB_WORDS; i++) {
        uint64_t hi = i + 1 < SC_COMB_WORDS ? kk[i + 1] << 63 : 0;
        bits[i] = (kk[i] >> 1) | hi;
    }
    bits[(L - 1) >> 6] |= (uint64_t)1 << ((L - 1) & 63);
    mcsec_ct_wipe_limbs(kk, SC_COMB_WORDS);
    mcsec_ct_wipe_limbs(qq, SC_COMB_WORDS);
}
