/* Constant-time modular inversion by Bernstein-Yang "safegcd" divsteps
 * (D. J. Bernstein, B.-Y. Yang, "Fast constant-time gcd computation and
 * modular inversion", TCHES 2019), for odd moduli below 2^1024.
 *
 * Why not Fermat: a^(m-2) costs ~1000 squarings plus ~200 products of 1024-bit
 * numbers (~0.25 ms here); 2976 divsteps batched 62 at a time cost a few
 * microseconds, and the SAKKE operations need one to three inversions each.
 *
 * The number of divsteps is fixed (48 batches of 62 = 2976, above the paper's
 * bound floor((49*1024 + 57)/17) = 2954 for 1024-bit inputs, Theorem 11.2), so
 * the running time and memory accesses depend only on the modulus size.
 * Numbers are handled in a signed radix-2^62 form internally. No heap. */
#ifndef MCSEC_MATH_SAFEGCD_H
#define MCSEC_MATH_SAFEGCD_H

#include <stdint.h>

#define SG_LIMBS 17 /* 17 * 62 = 1054 bits: room for 1024-bit values and signs */

typedef struct sg_modulus {
    int64_t m[SG_LIMBS]; /* the odd modulus, radix 2^62, limbs in [0, 2^62) */
    uint64_t minv62;     /* m^-1 mod 2^62 */
} sg_modulus;

/* r = a^-1 mod m for 0 <= a < m (16 little-endian 64-bit limbs, plain form);
 * a = 0 (or any a sharing a factor with m) gives r = 0 for prime m.
 * r may alias a. Constant time. */
void sg_modinv(uint64_t r[16], const uint64_t a[16], const sg_modulus *m);

#endif
