/* Constant-time helpers: the only place secret-dependent selection and
 * comparison are written. Every function runs in time independent of the
 * values (not the lengths) of its arguments. Masks are all-ones or zero. */
#ifndef MCSEC_INTERNAL_CT_H
#define MCSEC_INTERNAL_CT_H

#include <stddef.h>
#include <stdint.h>

/* Hides a value from the optimiser so it cannot turn masked arithmetic back
 * into a branch. */
static inline uint64_t ct_barrier_u64(uint64_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    __asm__("" : "+r"(x));
#endif
    return x;
}

/* all-ones if x != 0, else 0 */
static inline uint64_t ct_mask_nonzero_u64(uint64_t x)
{
    return ct_barrier_u64((uint64_t)0 - ((x | ((uint64_t)0 - x)) >> 63));
}

/* all-ones if x == 0, else 0 */
static inline uint64_t ct_mask_zero_u64(uint64_t x)
{
    return ~ct_mask_nonzero_u64(x);
}

/* all-ones if a == b, else 0 */
static inline uint64_t ct_mask_eq_u64(uint64_t a, uint64_t b)
{
    return ct_mask_zero_u64(a ^ b);
}

/* mask from a 0/1 bit */
static inline uint64_t ct_mask_from_bit(uint64_t bit)
{
    return ct_barrier_u64((uint64_t)0 - (bit & 1));
}

/* mask ? a : b */
static inline uint64_t ct_select_u64(uint64_t mask, uint64_t a, uint64_t b)
{
    return b ^ (mask & (a ^ b));
}

/* all-ones if the n-byte buffers are equal, else 0 */
static inline uint64_t ct_mask_memeq(const void *a, const void *b, size_t n)
{
    const volatile uint8_t *x = (const volatile uint8_t *)a;
    const volatile uint8_t *y = (const volatile uint8_t *)b;
    uint64_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= (uint64_t)(x[i] ^ y[i]);
    return ct_mask_zero_u64(acc);
}

/* all-ones if the n-byte buffer is all zeros, else 0 */
static inline uint64_t ct_mask_memzero(const void *a, size_t n)
{
    const volatile uint8_t *x = (const volatile uint8_t *)a;
    uint64_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= (uint64_t)x[i];
    return ct_mask_zero_u64(acc);
}

/* if mask: dst = src (n bytes) */
static inline void ct_cmov_bytes(void *dst, const void *src, size_t n, uint64_t mask)
{
    uint8_t *d = (uint8_t *)dst;
    const uint8_t *s = (const uint8_t *)src;
    uint8_t m = (uint8_t)mask;
    for (size_t i = 0; i < n; i++)
        d[i] ^= m & (d[i] ^ s[i]);
}

/* if mask: dst = src (n limbs) */
static inline void ct_cmov_limbs(uint64_t *dst, const uint64_t *src, size_t n, uint64_t mask)
{
    for (size_t i = 0; i < n; i++)
        dst[i] ^= mask & (dst[i] ^ src[i]);
}

/* Wipes n limbs so that the compiler keeps the stores (stack secrets). */
static inline void mcsec_ct_wipe_limbs(uint64_t *p, size_t n)
{
    volatile uint64_t *v = (volatile uint64_t *)p;
    for (size_t i = 0; i < n; i++)
        v[i] = 0;
}

#endif
