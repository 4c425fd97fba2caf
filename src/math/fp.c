/* F_p arithmetic for the SAKKE prime; see fp.h. The Montgomery product is
 * the hot spot of every SAKKE operation (the pairing alone needs ~7500), in
 * one of four builds: fp_mont16_ifma.h (AVX-512 IFMA, built with
 * MCSEC_X86_IFMA), fp_mont16_adx.h (generated mulx/adcx/adox code, built
 * with MCSEC_X86_ADX), else fp_mont16.h (mulq inline assembly on x86-64,
 * the portable C version elsewhere or with MCSEC_PORTABLE_C). */
#include "math/fp.h"

#include <string.h>

#include "math/mp.h"
#include "math/safegcd.h"
#include "math/sakke_tables.h"

typedef unsigned __int128 u128;

/* Multiply-accumulate into a three-word accumulator: (t2:t1:t0) += x * y
 * (FP_MAC), likewise into (s2:s1:s0) (FP_MACS, the second carry chain of a
 * column) and (u2:u1:u0) (FP_MACU, the squaring's cross products). On x86-64
 * a mul / add / adc / adc sequence in inline assembly: compilers turn the
 * 128-bit C version into longer flag juggling, and this loop is ~75% of the
 * run time of every SAKKE operation (the two-chain column sum with this
 * macro is ~20% faster than the C version, measured on the target
 * machine). The C version is the portable fallback (forced with
 * -DMCSEC_PORTABLE_C, which the tests also exercise): the carry into the top
 * word is a comparison compiled to a flag computation, not a branch. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(MCSEC_PORTABLE_C)
#define FP_MAC_ASM(x, y, c0, c1, c2)                                                               \
    do {                                                                                           \
        uint64_t lo_, hi_;                                                                         \
        __asm__("mulq %3" : "=a"(lo_), "=d"(hi_) : "a"(x), "rm"(y));                               \
        __asm__("addq %3, %0\n\tadcq %4, %1\n\tadcq $0, %2"                                         \
                : "+r"(c0), "+r"(c1), "+r"(c2)                                                     \
                : "r"(lo_), "r"(hi_)                                                               \
                : "cc");                                                                           \
    } while (0)
#define FP_MAC(x, y) FP_MAC_ASM(x, y, t0, t1, t2)
#define FP_MACS(x, y) FP_MAC_ASM(x, y, s0, s1, s2)
#define FP_MACU(x, y) FP_MAC_ASM(x, y, u0, u1, u2)
#else
#define FP_MAC(x, y)                                                                               \
    do {                                                                                           \
        u128 s_ = (u128)(x) * (y);                                                                 \
        u128 a_ = (((u128)t1 << 64) | t0) + s_;                                                    \
        t2 += (uint64_t)(a_ < s_);                                                                 \
        t0 = (uint64_t)a_;                                                                         \
        t1 = (uint64_t)(a_ >> 64);                                                                 \
    } while (0)

#define FP_MACU(x, y)                                                                              \
    do {                                                                                           \
        u128 s_ = (u128)(x) * (y);                                                                 \
        u128 a_ = (((u128)u1 << 64) | u0) + s_;                                                    \
        u2 += (uint64_t)(a_ < s_);                                                                 \
        u0 = (uint64_t)a_;                                                                         \
        u1 = (uint64_t)(a_ >> 64);                                                                 \
    } while (0)

#define FP_MACS(x, y)                                                                              \
    do {                                                                                           \
        u128 s_ = (u128)(x) * (y);                                                                 \
        u128 a_ = (((u128)s1 << 64) | s0) + s_;                                                    \
        s2 += (uint64_t)(a_ < s_);                                                                 \
        s0 = (uint64_t)a_;                                                                         \
        s1 = (uint64_t)(a_ >> 64);                                                                 \
    } while (0)

#endif

/* (t2:t1:t0) += (s2:s1:s0); s = 0 */
#define FP_MERGE()                                                                                 \
    do {                                                                                           \
        u128 a_ = (((u128)t1 << 64) | t0) + (((u128)s1 << 64) | s0);                               \
        t2 += s2 + (uint64_t)(a_ < (((u128)s1 << 64) | s0));                                       \
        t0 = (uint64_t)a_;                                                                         \
        t1 = (uint64_t)(a_ >> 64);                                                                 \
        s0 = 0;                                                                                    \
        s1 = 0;                                                                                    \
        s2 = 0;                                                                                    \
    } while (0)

/* (u2:u1:u0) *= 2 */
#define FP_DBLU()                                                                                  \
    do {                                                                                           \
        u2 = (u2 << 1) | (u1 >> 63);                                                               \
        u1 = (u1 << 1) | (u0 >> 63);                                                               \
        u0 <<= 1;                                                                                  \
    } while (0)

/* (t2:t1:t0) += (u2:u1:u0) */
#define FP_ADDU()                                                                                  \
    do {                                                                                           \
        u128 a_ = (((u128)t1 << 64) | t0) + (((u128)u1 << 64) | u0);                               \
        t2 += u2 + (uint64_t)(a_ < (((u128)u1 << 64) | u0));                                       \
        t0 = (uint64_t)a_;                                                                         \
        t1 = (uint64_t)(a_ >> 64);                                                                 \
    } while (0)

#define FP_SHIFT()                                                                                 \
    do {                                                                                           \
        t0 = t1;                                                                                   \
        t1 = t2;                                                                                   \
        t2 = 0;                                                                                    \
    } while (0)

/* The limbs of p as a pointer the optimiser cannot see through: with the
 * constants folded in, every product with a limb of p needs an extra
 * 64-bit immediate load; from memory they feed the multiplications
 * directly. */
#define FP_P_POINTER(name)                                                                         \
    const uint64_t *name = fp_p_limbs;                                                             \
    __asm__("" : "+r"(name))

/* Carry chains: on x86-64 the add/sub-with-carry intrinsics compile to
 * straight adc/sbb sequences; elsewhere the same through 128-bit sums. The
 * 16-limb loops below are unrolled (FP_UNROLL): rolled, GCC saves and
 * restores the carry flag through setb around every limb, which made fp_add
 * and the final subtraction of every product ~3x slower (measured). */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(MCSEC_PORTABLE_C)
#include <x86intrin.h>
#define FP_ADDC(c, x, y, out) ((c) = _addcarry_u64((c), (x), (y), (unsigned long long *)&(out)))
#define FP_SUBB(c, x, y, out) ((c) = _subborrow_u64((c), (x), (y), (unsigned long long *)&(out)))
typedef unsigned char fp_carry;
#else
#define FP_ADDC(c, x, y, out)                                                                      \
    do {                                                                                           \
        u128 s_ = (u128)(x) + (y) + (c);                                                           \
        (out) = (uint64_t)s_;                                                                      \
        (c) = (uint64_t)(s_ >> 64);                                                                \
    } while (0)
#define FP_SUBB(c, x, y, out)                                                                      \
    do {                                                                                           \
        u128 s_ = (u128)(x) - (y) - (c);                                                           \
        (out) = (uint64_t)s_;                                                                      \
        (c) = (uint64_t)(s_ >> 64) & 1;                                                            \
    } while (0)
typedef uint64_t fp_carry;
#endif

#if defined(__GNUC__) && !defined(__clang__)
#define FP_UNROLL _Pragma("GCC unroll 16")
#else
#define FP_UNROLL /* clang unrolls constant-trip loops unasked */
#endif

/* r = res - p unless res (17 words, < 2p) is already below p. */
static inline void fp_final_sub(uint64_t *r, const uint64_t *res);
/* the same for res < 3p (two conditional subtractions) */
static inline void fp_final_sub2(uint64_t *r, const uint64_t *res);

/* mulx/adcx/adox (BMI2 + ADX) products, selected at build time
 * (-DMCSEC_X86_ADX=ON, the default when the build host has both; see
 * CMakeLists.txt). fp_mont16.h then only provides p and -p^-1 mod 2^64: its
 * mulq functions stay unused. */
#if defined(MCSEC_X86_IFMA) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) &&    \
    !defined(MCSEC_PORTABLE_C)
/* AVX-512 IFMA products (-DMCSEC_X86_IFMA=ON, the default when the build
 * host has avx512f, avx512vl and avx512ifma) replace the three Montgomery
 * products; fp_mont16.h still provides p for the rest of this file. */
#define FP_IFMA 1
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "math/fp_mont16.h"
#pragma GCC diagnostic pop
#include "math/fp_mont16_ifma.h"
#elif defined(MCSEC_X86_ADX) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) &&   \
    !defined(MCSEC_PORTABLE_C)
#define FP_ADX 1
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "math/fp_mont16.h"
#pragma GCC diagnostic pop
#include "math/fp_mont16_adx.h"
#else
#include "math/fp_mont16.h"
#endif

static inline void fp_final_sub(uint64_t *r, const uint64_t *res)
{
    uint64_t d[16];
    fp_carry br = 0;
    FP_UNROLL
    for (int i = 0; i < 16; i++)
        FP_SUBB(br, res[i], fp_p_limbs[i], d[i]);
    uint64_t keep = ct_mask_from_bit((uint64_t)br & ~res[16]);
    FP_UNROLL
    for (int i = 0; i < 16; i++)
        r[i] = ct_select_u64(keep, res[i], d[i]);
}

static inline void fp_final_sub2(uint64_t *r, const uint64_t *res)
{
    uint64_t d[17], t[17];
    fp_carry br = 0;
    FP_UNROLL
    for (int i = 0; i < 16; i++)
        FP_SUBB(br, res[i], fp_p_limbs[i], d[i]);
    d[16] = res[16] - (uint64_t)br;
    /* keep res if res < p, i.e. the 17-word subtraction borrowed (res[16]
     * is at most 1, so the top word wraps exactly then) */
    uint64_t keep = ct_mask_from_bit(d[16] >> 63);
    FP_UNROLL
    for (int i = 0; i < 17; i++)
        t[i] = ct_select_u64(keep, res[i], d[i]);
    fp_final_sub(r, t);
}

#if defined(FP_IFMA)
#define FP_MONT_MUL fp_mont_mul16_ifma
#define FP_MONT_MULADD fp_mont_muladd16_ifma
#define FP_MONT_SQR fp_mont_sqr16_ifma
#elif defined(FP_ADX)
#define FP_MONT_MUL fp_mont_mul16_adx
#define FP_MONT_MULADD fp_mont_muladd16_adx
#define FP_MONT_SQR fp_mont_sqr16_adx
#else
#define FP_MONT_MUL fp_mont_mul16
#define FP_MONT_MULADD fp_mont_muladd16
#define FP_MONT_SQR fp_mont_sqr16
#endif

void fp_mul(fp *r, const fp *a, const fp *b)
{
    FP_MONT_MUL(r->v, a->v, b->v);
}

void fp_muladd(fp *r, const fp *a, const fp *b, const fp *c, const fp *d)
{
    FP_MONT_MULADD(r->v, a->v, b->v, c->v, d->v);
}

void fp_sqr(fp *r, const fp *a)
{
    FP_MONT_SQR(r->v, a->v);
}


void fp_add(fp *r, const fp *a, const fp *b)
{
    /* s = a + b - p in place; add p back if a + b < p (the subtraction
     * borrowed and the addition did not carry): three straight carry chains
     * without a second array to select from (half the time of a select). */
    uint64_t s[16];
    fp_carry c = 0, br = 0, c2 = 0;
    FP_UNROLL
    for (int i = 0; i < 16; i++)
        FP_ADDC(c, a->v[i], b->v[i], s[i]);
    FP_UNROLL
    for (int i = 0; i < 16; i++)
        FP_SUBB(br, s[i], fp_p_limbs[i], s[i]);
    uint64_t m = ct_mask_from_bit((uint64_t)br & ~(uint64_t)c);
    FP_UNROLL
    for (int i = 0; i < 16; i++)
        FP_ADDC(c2, s[i], fp_p_limbs[i] & m, r->v[i]);
}

void fp_sub(fp *r, const fp *a, const fp *b)
{
    uint64_t d[16];
    fp_carry br = 0, c = 0;
    FP_UNROLL
    for (int i = 0; i < 16; i++)
        FP_SUBB(br, a->v[i], b->v[i], d[i]);
    /* add p back if the subtraction borrowed */
    uint64_t m = ct_mask_from_bit((uint64_t)br);
    FP_UNROLL
    for (int i = 0; i < 16; i++)
        FP_ADDC(c, d[i], fp_p_limbs[i] & m, r->v[i]);
}

#if defined(FP_IFMA)
/* The IFMA build's CPUs have AVX-512: two 64-octet vectors per entry, a
 * quarter of the instructions of the 16-octet version. The selection is an
 * AND with an all-ones or all-zero vector, not a mask register: a masked
 * load may skip the memory of masked-off lanes, which would make the cache
 * lines touched depend on idx. Every entry is loaded whole and the loop
 * bound is the public n; tests/ifma_ctcheck.py checks the compiled
 * loop (no branch on, and no address from, a value derived from idx or the
 * table, no masked memory operand). */
__attribute__((target("avx512f"))) void fp_ct_lookup(fp *r, const void *base, size_t stride, size_t n,
                                                     uint64_t idx)
{
    __m512i a0 = _mm512_setzero_si512(), a1 = a0;
    for (size_t m = 0; m < n; m++) {
        const uint8_t *e = (const uint8_t *)base + m * stride;
        const __m512i sel = _mm512_set1_epi64((long long)ct_mask_eq_u64(idx, m));
        a0 = _mm512_or_si512(a0, _mm512_and_si512(sel, _mm512_loadu_si512((const void *)e)));
        a1 = _mm512_or_si512(a1, _mm512_and_si512(sel, _mm512_loadu_si512((const void *)(e + 64))));
    }
    _mm512_storeu_si512((void *)r->v, a0);
    _mm512_storeu_si512((void *)(r->v + 8), a1);
}
#else
/* The accumulators are eight 128-bit vectors (GCC/clang vector extension,
 * lowered to SSE2 / NEON / scalar code), each loaded, masked and OR-ed one at
 * a time: loading a whole entry into an array first made GCC copy it to the
 * stack and spill an accumulator through memory, twice as slow (measured). */
typedef uint64_t fp_v2 __attribute__((vector_size(16)));

void fp_ct_lookup(fp *r, const void *base, size_t stride, size_t n, uint64_t idx)
{
    fp_v2 a0 = { 0, 0 }, a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, t;
    for (size_t m = 0; m < n; m++) {
        uint64_t s = ct_mask_eq_u64(idx, m);
        fp_v2 sel = { s, s };
        const uint8_t *e = (const uint8_t *)base + m * stride;
#define FP_LOOKUP_ACC(k)                                                                           \
    do {                                                                                           \
        memcpy(&t, e + 16 * (k), sizeof t);                                                        \
        a##k |= t & sel;                                                                           \
    } while (0)
        FP_LOOKUP_ACC(0);
        FP_LOOKUP_ACC(1);
        FP_LOOKUP_ACC(2);
        FP_LOOKUP_ACC(3);
        FP_LOOKUP_ACC(4);
        FP_LOOKUP_ACC(5);
        FP_LOOKUP_ACC(6);
        FP_LOOKUP_ACC(7);
#undef FP_LOOKUP_ACC
    }
    fp_v2 out[8] = { a0, a1, a2, a3, a4, a5, a6, a7 };
    memcpy(r->v, out, sizeof out);
}
#endif

void fp_neg(fp *r, const fp *a)
{
    fp z;
    fp_set_zero(&z);
    fp_sub(r, &z, a);
}

void fp_cneg(fp *r, uint64_t mask)
{
    fp n;
    fp_neg(&n, r);
    fp_cmov(r, &n, mask);
}

void fp_dbl(fp *r, const fp *a)
{
    fp_add(r, a, a);
}

void fp_tpl(fp *r, const fp *a)
{
    fp t;
    fp_add(&t, a, a);
    fp_add(r, &t, a);
}

void fp_inv(fp *r, const fp *a)
{
    fp t;
    sg_modinv(t.v, a->v, &sg_p); /* (x R)^-1, plain */
    fp_mul(r, &t, &fp_r3);        /* x^-1 R */
    fp_wipe(&t);
}

void fp_pow_pub(fp *r, const fp *a, const uint64_t e[FP_LIMBS])
{
    fp tbl[16], acc;
    tbl[0] = fp_one;
    tbl[1] = *a;
    for (int i = 2; i < 16; i++)
        fp_mul(&tbl[i], &tbl[i - 1], a);
    acc = fp_one;
    for (int w = FP_LIMBS - 1; w >= 0; w--) {
        for (int nib = 15; nib >= 0; nib--) {
            for (int k = 0; k < 4; k++)
                fp_sqr(&acc, &acc);
            unsigned d = (unsigned)(e[w] >> (4 * nib)) & 15; /* public exponent */
            if (d)
                fp_mul(&acc, &acc, &tbl[d]);
        }
    }
    *r = acc;
    for (int i = 0; i < 16; i++)
        fp_wipe(&tbl[i]);
    fp_wipe(&acc);
}

uint64_t fp_from_bytes(fp *r, const uint8_t in[FP_BYTES])
{
    fp t;
    mp_from_be(t.v, FP_LIMBS, in);
    uint64_t ok = mp_lt_mask(t.v, fp_p_limbs, FP_LIMBS);
    for (int i = 0; i < FP_LIMBS; i++)
        t.v[i] &= ok;
    fp_mul(r, &t, &fp_r2);
    fp_wipe(&t);
    return ok;
}

void fp_to_bytes(uint8_t out[FP_BYTES], const fp *a)
{
    fp one_plain, t;
    fp_set_zero(&one_plain);
    one_plain.v[0] = 1;
    fp_mul(&t, a, &one_plain);
    mp_to_be(out, t.v, FP_LIMBS);
    fp_wipe(&t);
}

void fp_set_u64(fp *r, uint64_t v)
{
    fp t;
    fp_set_zero(&t);
    t.v[0] = v;
    fp_mul(r, &t, &fp_r2);
}
