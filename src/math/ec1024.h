/* The SAKKE curve E: y^2 = x^3 - 3x over F_p (RFC 6508 §2.1 with the
 * parameter set 1 prime of RFC 6509 Appendix A). #E(F_p) = p + 1 = 4q; the
 * group is cyclic (3 is not a square mod p, so (0,0) is the only point of
 * order 2) and P generates its order-q subgroup.
 *
 * Three point representations:
 *   ec_aff   affine (x, y), never the point at infinity;
 *   ec_jac   Jacobian (X : Y : Z), x = X/Z^2, y = Y/Z^3; cheapest doubling
 *            (3M+5S for a = -3); its mixed addition is INCOMPLETE (wrong for
 *            P + P, P + O) and is only used where the caller has shown that
 *            those cases cannot occur;
 *   ec_proj  homogeneous (X : Y : Z), x = X/Z, y = Y/Z, O = (0 : 1 : 0),
 *            with the complete addition law of Renes-Costello-Batina
 *            ("Complete addition formulas for prime order elliptic curves",
 *            2016, Algorithm 1 specialised to a = -3, b = 0): exception-free
 *            for all points of odd order, hence on the whole order-q subgroup
 *            including O.
 *
 * All functions are constant time in the point coordinates and scalars.
 *
 * Decoding (ec_decode) checks the 0x04 prefix, x, y < p and the curve
 * equation. It does NOT check that the point has order q ([q]R = O would cost
 * as much as a scalar multiplication); see sakke.h for where the subgroup is
 * enforced instead (the decapsulation TEST for R, the Miller loop of the RSK
 * precomputation for K, a [q-2]Z = -[2]Z check for Z_T in the KMS parameters). */
#ifndef MCSEC_MATH_EC1024_H
#define MCSEC_MATH_EC1024_H

#include <stddef.h>

#include "math/fp.h"

#define EC_POINT_BYTES 257 /* 0x04 || x || y (RFC 6508 §4) */

typedef struct ec_aff {
    fp x, y;
} ec_aff;

typedef struct ec_jac {
    fp X, Y, Z;
} ec_jac;

typedef struct ec_proj {
    fp X, Y, Z;
} ec_proj;

/* Fixed-base comb geometry: EC_COMB_V tables of 2^(EC_COMB_H-1) affine
 * points, EC_COMB_D columns; H * V * D = 1024 scalar bits (see
 * sc1024_comb_recode). A multiplication costs D-1 doublings and V*D = 128
 * complete mixed additions, each preceded by a full scan of one table. */
#define EC_COMB_H 8
#define EC_COMB_V 4
#define EC_COMB_D 32
#define EC_COMB_ENTRIES (1 << (EC_COMB_H - 1))

/* Table j, entry m:  sum_{t<H-1} s_t 2^(D(t+Hj)) B + 2^(D(H-1+Hj)) B,
 * s_t = +1 if bit t of m is set, else -1. Never O for B of order q.
 * The entries are stored as affine points of the Edwards curve
 *   x^2 + y^2 = 1 - x^2 y^2   (d = -1 is not a square mod p),
 * birationally equivalent to E by x_E = k x / (s y), y_E = (x - s)/(x + s)
 * with s^2 = -3, k^2 = 2 s^3 (ec_ed_s, ec_ed_k in sakke_tables.h): its
 * unified addition law is complete (Hisil-Wong-Carter-Dawson 2008,
 * extended coordinates: 9 products per mixed addition, 4 products and 4
 * squarings per doubling, against 5 products and 3 two-product sums plus
 * ~19 additions for the complete Weierstrass formulas), and the order-q
 * subgroup avoids the map's poles (points of order 2 and 4). */
typedef struct ec_comb {
    ec_aff t[EC_COMB_V][EC_COMB_ENTRIES];
} ec_comb;

/* all-ones if y^2 = x^3 - 3x */
uint64_t ec_on_curve_mask(const ec_aff *a);

/* Parses 0x04 || x || y. Returns all-ones if the prefix is 0x04, x < p,
 * y < p and the point is on E; r is meaningful only then. The caller
 * checks the length (the array is exactly 257 octets). */
uint64_t ec_decode(ec_aff *r, const uint8_t in[EC_POINT_BYTES]);
void ec_encode(uint8_t out[EC_POINT_BYTES], const ec_aff *a);

void ec_aff_neg(ec_aff *r, const ec_aff *a);
uint64_t ec_aff_eq_mask(const ec_aff *a, const ec_aff *b);

void ec_jac_from_aff(ec_jac *r, const ec_aff *a);
/* r = 2a; O and points of order 2 give Z = 0. */
void ec_jac_dbl(ec_jac *r, const ec_jac *a);
/* r = a + b for a != +-b, a != O (incomplete; a = -b gives Z = 0, a = b
 * and a = O give Z = 0 too, i.e. a wrong O). */
void ec_jac_madd(ec_jac *r, const ec_jac *a, const ec_aff *b);
/* Returns all-ones if Z != 0 (r = affine point), else zero (r = (0,0)). */
uint64_t ec_jac_to_aff(ec_aff *r, const ec_jac *a);
void ec_jac_to_proj(ec_proj *r, const ec_jac *a);
/* Normalises n Jacobian points with one inversion (n <= 64). */
void ec_jac_batch_to_aff(ec_aff *out, const ec_jac *in, size_t n);

void ec_proj_set_inf(ec_proj *r);
void ec_proj_from_aff(ec_proj *r, const ec_aff *a);
/* Complete addition and doubling (RCB, a = -3, b = 0). */
void ec_proj_add(ec_proj *r, const ec_proj *a, const ec_proj *b);
void ec_proj_madd(ec_proj *r, const ec_proj *a, const ec_aff *b);
void ec_proj_dbl(ec_proj *r, const ec_proj *a);
/* Returns all-ones if a != O (r = affine point), else zero (r = (0,0)). */
uint64_t ec_proj_to_aff(ec_aff *r, const ec_proj *a);
/* all-ones if a (not O) equals b */
uint64_t ec_proj_eq_aff_mask(const ec_proj *a, const ec_aff *b);

/* r = [k]B for a SECRET k in [0, q) and B of order q: signed fixed 5-bit
 * windows (205 digits, all odd and non-zero), 16 odd multiples read by full
 * table scans, Jacobian doublings. Returns all-ones unless the result is O
 * (only for k = 0). */
uint64_t ec_mul_ct(ec_aff *r, const ec_aff *B, const uint64_t k[16]);

/* r = [k]B for a PUBLIC k in [0, q) and a secret B of order q: width-5
 * NAF of k, so the sequence of operations depends on k only, never on B.
 * Scalars above 1000 bits go to ec_mul_ct. Returns all-ones unless the
 * result is O. For B not of order q the result is some point (or a zero
 * mask), never a crash. */
uint64_t ec_mul_pub(ec_aff *r, const ec_aff *B, const uint64_t k[16]);

/* Builds the comb of B (order q). Costs ~1000 doublings + 512 additions. */
void ec_comb_init(ec_comb *c, const ec_aff *B);
/* r = [k]B from B's comb, k a SECRET integer in [0, q). */
void ec_comb_mul(ec_proj *r, const ec_comb *c, const uint64_t k[16]);
/* r = [k1]B1 + [k2]B2 sharing the doublings. */
void ec_comb_mul2(ec_proj *r, const ec_comb *c1, const uint64_t k1[16], const ec_comb *c2,
                  const uint64_t k2[16]);

static inline void ec_aff_wipe(ec_aff *a)
{
    fp_wipe(&a->x);
    fp_wipe(&a->y);
}

#endif
