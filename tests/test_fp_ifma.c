/* The AVX-512 IFMA Montgomery products (src/math/fp_mont16_ifma.h, built
 * with MCSEC_X86_IFMA) against (1) a 64-bit-limb CIOS Montgomery product
 * written here with unsigned __int128 (R = 2^1024) and (2) OpenSSL BN
 * (a b 2^-1024 mod p) on every 64th tuple and all edge cases: edge values
 * (0, 1, p-1, all-ones limbs below p, 52-bit patterns, ...) in every
 * combination, random uniform and structured tuples, every aliasing of the
 * output with the inputs, and white-box vectors through the carry
 * normalisation and the final subtraction (states random products
 * practically never reach). Registered only when the build uses IFMA.
 *   test_fp_ifma [N]   (N random tuples, default 200000) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>

#include "math/fp_mont16_ifma.h"

static const char *P_HEX =
    "997ABB1F0A563FDA65C61198DAD0657A416C0CE19CB48261BE9AE358B3E01A2EF40AAB27E2FC0F1B228730D531A59CB0E791"
    "B39FF7C88A19356D27F4A666A6D0E26C6487326B4CD4512AC5CD65681CE1B6AFF4A831852A82A7CF3C521C3C09AA9F94D6AF"
    "56971F1FFCE3E82389857DB080C5DF10AC7ACE87666D807AFEA85FEB";
static uint64_t P[16], PINV; /* -p^-1 mod 2^64 */
typedef unsigned __int128 u128;

static int cmp16(const uint64_t *a, const uint64_t *b)
{
    for (int i = 15; i >= 0; i--)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}
static uint64_t sub16(uint64_t *r, const uint64_t *a, const uint64_t *b)
{
    uint64_t br = 0;
    for (int i = 0; i < 16; i++) {
        u128 t = (u128)a[i] - b[i] - br;
        r[i] = (uint64_t)t;
        br = (uint64_t)(t >> 64) & 1;
    }
    return br;
}
/* reference: CIOS, R = 2^1024 */
static void ref_mont(uint64_t r[16], const uint64_t a[16], const uint64_t b[16])
{
    uint64_t t[18] = { 0 };
    for (int i = 0; i < 16; i++) {
        u128 c = 0;
        for (int j = 0; j < 16; j++) {
            c += (u128)a[j] * b[i] + t[j];
            t[j] = (uint64_t)c;
            c >>= 64;
        }
        c += t[16];
        t[16] = (uint64_t)c;
        t[17] = (uint64_t)(c >> 64);
        uint64_t m = t[0] * PINV;
        c = (u128)m * P[0] + t[0];
        c >>= 64;
        for (int j = 1; j < 16; j++) {
            c += (u128)m * P[j] + t[j];
            t[j - 1] = (uint64_t)c;
            c >>= 64;
        }
        c += t[16];
        t[15] = (uint64_t)c;
        t[16] = t[17] + (uint64_t)(c >> 64);
        t[17] = 0;
    }
    if (t[16] || cmp16(t, P) >= 0)
        sub16(t, t, P);
    if (cmp16(t, P) >= 0) {
        fprintf(stderr, "ref not reduced\n");
        exit(2);
    }
    memcpy(r, t, 128);
}
static void ref_muladd(uint64_t r[16], const uint64_t a[16], const uint64_t b[16], const uint64_t c[16],
                       const uint64_t d[16])
{
    uint64_t x[16], y[16], s[16];
    ref_mont(x, a, b);
    ref_mont(y, c, d);
    uint64_t cy = 0;
    for (int i = 0; i < 16; i++) {
        u128 t = (u128)x[i] + y[i] + cy;
        s[i] = (uint64_t)t;
        cy = (uint64_t)(t >> 64);
    }
    if (cy || cmp16(s, P) >= 0)
        sub16(s, s, P);
    memcpy(r, s, 128);
}

/* OpenSSL reference */
static BN_CTX *ctx;
static BIGNUM *bp, *brinv;
static BIGNUM *to_bn(const uint64_t *x)
{
    unsigned char be[128];
    for (int i = 0; i < 16; i++)
        for (int k = 0; k < 8; k++)
            be[127 - 8 * i - k] = (unsigned char)(x[i] >> (8 * k));
    return BN_bin2bn(be, 128, NULL);
}
static void from_bn(uint64_t *x, const BIGNUM *b)
{
    unsigned char be[128];
    if (BN_bn2binpad(b, be, 128) != 128)
        abort();
    for (int i = 0; i < 16; i++) {
        x[i] = 0;
        for (int k = 0; k < 8; k++)
            x[i] |= (uint64_t)be[127 - 8 * i - k] << (8 * k);
    }
}
static void bn_muladd(uint64_t r[16], const uint64_t a[16], const uint64_t b[16], const uint64_t *c,
                      const uint64_t *d)
{
    BIGNUM *A = to_bn(a), *B = to_bn(b), *T = BN_new();
    BN_mul(T, A, B, ctx);
    if (c) {
        BIGNUM *C = to_bn(c), *D = to_bn(d), *U = BN_new();
        BN_mul(U, C, D, ctx);
        BN_add(T, T, U);
        BN_free(C), BN_free(D), BN_free(U);
    }
    BN_mod_mul(T, T, brinv, bp, ctx);
    from_bn(r, T);
    BN_free(A), BN_free(B), BN_free(T);
}

static uint64_t rng_s = 0x1234567887654321ULL;
static uint64_t rnd(void)
{
    uint64_t z = (rng_s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
/* uniform in [0, p) */
static void rnd_fp(uint64_t *x)
{
    do {
        for (int i = 0; i < 16; i++)
            x[i] = rnd();
        x[15] &= 0xffffffffffffffffULL >> 0; /* p's top bit is set: rejection rate ~40% */
    } while (cmp16(x, P) >= 0);
}
/* structured: limbs 0, all-ones, small, or random, then brought below p */
static void rnd_struct(uint64_t *x)
{
    for (int i = 0; i < 16; i++) {
        switch (rnd() & 7) {
        case 0: case 1: x[i] = 0; break;
        case 2: case 3: x[i] = ~0ULL; break;
        case 4: x[i] = rnd() & 0xff; break;
        case 5: x[i] = P[i]; break;
        case 6: x[i] = P[i] - 1; break;
        default: x[i] = rnd();
        }
    }
    while (cmp16(x, P) >= 0)
        sub16(x, x, P);
}

static long fails;
static void report(const char *what, const uint64_t *got, const uint64_t *want, const uint64_t *a,
                   const uint64_t *b)
{
    if (memcmp(got, want, 128) == 0)
        return;
    if (fails++ < 10) {
        printf("FAIL %s\n  a=", what);
        for (int i = 15; i >= 0; i--) printf("%016llx", (unsigned long long)a[i]);
        printf("\n  b=");
        for (int i = 15; i >= 0; i--) printf("%016llx", (unsigned long long)b[i]);
        printf("\n  got =");
        for (int i = 15; i >= 0; i--) printf("%016llx", (unsigned long long)got[i]);
        printf("\n  want=");
        for (int i = 15; i >= 0; i--) printf("%016llx", (unsigned long long)want[i]);
        printf("\n");
    }
}

/* all three functions plus every aliasing pattern on one input tuple */
static void check(const uint64_t *a, const uint64_t *b, const uint64_t *c, const uint64_t *d, int with_bn)
{
    uint64_t want[16], want2[16], wsq[16], got[16], t[5][16];
    ref_mont(want, a, b);
    ref_muladd(want2, a, b, c, d);
    ref_mont(wsq, a, a);
    if (with_bn) {
        uint64_t w[16];
        bn_muladd(w, a, b, NULL, NULL);
        report("ref_mont vs BN", want, w, a, b);
        bn_muladd(w, a, b, c, d);
        report("ref_muladd vs BN", want2, w, a, b);
    }
    fp_mont_mul16_ifma(got, a, b);
    report("mul", got, want, a, b);
    fp_mont_sqr16_ifma(got, a);
    report("sqr", got, wsq, a, a);
    fp_mont_muladd16_ifma(got, a, b, c, d);
    report("muladd", got, want2, a, b);
    /* aliasing */
    memcpy(t[0], a, 128); fp_mont_mul16_ifma(t[0], t[0], b); report("mul r=a", t[0], want, a, b);
    memcpy(t[0], b, 128); fp_mont_mul16_ifma(t[0], a, t[0]); report("mul r=b", t[0], want, a, b);
    memcpy(t[0], a, 128); fp_mont_mul16_ifma(t[0], t[0], t[0]); report("mul r=a=b", t[0], wsq, a, a);
    memcpy(t[0], a, 128); fp_mont_sqr16_ifma(t[0], t[0]); report("sqr r=a", t[0], wsq, a, a);
    const uint64_t *in[4] = { a, b, c, d };
    for (int k = 0; k < 4; k++) {
        for (int j = 0; j < 4; j++)
            memcpy(t[j], in[j], 128);
        fp_mont_muladd16_ifma(t[k], t[0], t[1], t[2], t[3]);
        report("muladd r=input", t[k], want2, a, b);
    }
    /* muladd with all inputs the same buffer as r */
    uint64_t w3[16];
    ref_muladd(w3, a, a, a, a);
    memcpy(t[0], a, 128);
    fp_mont_muladd16_ifma(t[0], t[0], t[0], t[0], t[0]);
    report("muladd r=a=b=c=d", t[0], w3, a, a);
}


/* ---- white-box tests of the final normalisation (fp_ifma_norm,
 * fp_ifma_finish): their carry lookahead paths (a lane exactly 2^52-1 or
 * above 2^52 after the first carry round) are practically never reached
 * from random inputs, so feed them crafted redundant lane vectors. ---- */
#define M52 0xfffffffffffffULL
/* value of 24 lanes (each < 2^64) as 18 64-bit limbs */
static void lanes_value(uint64_t v[18], const uint64_t l[24])
{
    memset(v, 0, 18 * 8);
    for (int k = 0; k < 24; k++) {
        int bit = 52 * k, q = bit / 64, s = bit % 64;
        if (q >= 18) { if (l[k]) abort(); continue; }
        u128 add[3] = { (u128)l[k] << s, 0, 0 };
        uint64_t w[3] = { (uint64_t)add[0], (uint64_t)(add[0] >> 64), 0 };
        u128 c = 0;
        for (int j = 0; j < 3 && q + j < 18; j++) {
            c += (u128)v[q + j] + w[j];
            v[q + j] = (uint64_t)c;
            c >>= 64;
        }
        for (int j = q + 3; j < 18 && c; j++) {
            c += v[j];
            v[j] = (uint64_t)c;
            c >>= 64;
        }
    }
}
static uint64_t rnd(void);
static uint64_t pick_lane(void)
{
    switch (rnd() % 10) {
    case 0: return M52;
    case 1: return M52 + (1ULL << 52);    /* low part all-ones, carry 1 */
    case 2: return 1ULL << 52;            /* low 0, carry 1 */
    case 3: return 0;
    case 4: return M52 - (rnd() & 3);
    case 5: return (rnd() & 0x1ff) << 52 | M52; /* big carry, low all-ones */
    case 6: return rnd() >> 3;            /* < 2^61 */
    case 7: return rnd() & M52;
    default: return M52 + ((rnd() & 1) << 52);
    }
}
static long wb_fails;
static FP_IFMA_TARGET void wb_norm_one(const uint64_t l[24])
{
    __m512i X[3];
    uint64_t out[24] __attribute__((aligned(64)));
    for (int r = 0; r < 3; r++)
        X[r] = _mm512_loadu_si512((const void *)(l + 8 * r));
    uint32_t top = fp_ifma_norm(X);
    for (int r = 0; r < 3; r++)
        _mm512_store_si512((void *)(out + 8 * r), X[r]);
    uint64_t v[18], n[24] = { 0 }, w[18];
    lanes_value(v, l);
    for (int k = 0; k < 20; k++) {
        if (out[k] > M52) { wb_fails++; return; }
        n[k] = out[k];
    }
    lanes_value(w, n); /* must equal v mod 2^1040, and top = bit 1040 */
    uint64_t vm[18];
    memcpy(vm, v, sizeof vm);
    vm[16] &= 0xffff; vm[17] = 0;
    uint32_t want_top = (uint32_t)(v[16] >> 16) & 1;
    if (memcmp(w, vm, sizeof vm) || top != want_top || (v[16] >> 17) || v[17]) {
        if (wb_fails++ < 5)
            printf("FAIL norm (top %u want %u)\n", top, want_top);
    }
}
/* redundant representation of x (< 2^1040): lanes of x, then random
 * amounts moved down from lane k+1 to lane k (t*2^52), lanes < 2^60 */
static void redundant(uint64_t l[24], const uint64_t x[18])
{
    memset(l, 0, 24 * 8);
    for (int k = 0; k < 20; k++) {
        int bit = 52 * k, q = bit / 64, s = bit % 64;
        u128 t = ((u128)x[q + 1] << 64 | x[q]) >> s;
        l[k] = (uint64_t)t & M52;
    }
    for (int k = 18; k >= 0; k--) {
        uint64_t t;
        switch (rnd() % 4) {
        case 0: t = 0; break;
        case 1: t = 1; break;
        default: t = rnd() & 0xff;
        }
        if (t > l[k + 1]) t = l[k + 1];
        l[k + 1] -= t;
        l[k] += t << 52;
    }
}
static FP_IFMA_TARGET void wb_finish_one(const uint64_t x[18], int two_p)
{
    uint64_t l[24], got[16], want[16];
    redundant(l, x);
    __m512i S[3];
    for (int r = 0; r < 3; r++)
        S[r] = _mm512_loadu_si512((const void *)(l + 8 * r));
    fp_ifma_finish(got, S, two_p);
    /* want = x mod p by repeated subtraction (x < 3p) */
    uint64_t t[18];
    memcpy(t, x, sizeof t);
    for (int it = 0; it < 3; it++) {
        int ge = t[16] || t[17] || cmp16(t, P) >= 0;
        if (ge) {
            uint64_t br = sub16(t, t, P);
            t[16] -= br;
        }
    }
    memcpy(want, t, 128);
    if (memcmp(got, want, 128) && wb_fails++ < 5)
        printf("FAIL finish two_p=%d\n", two_p);
}
static void whitebox(long n)
{
    uint64_t l[24];
    for (long it = 0; it < n; it++) {
        memset(l, 0, sizeof l);
        for (int k = 0; k < 20; k++)
            l[k] = pick_lane();
        l[19] &= (1ULL << 53) - 1; /* value < 2^1041 */
        if (l[19] >> 52) l[19] &= ~(0x3ffULL); /* keep lane 19 below 2^53 - 2^10 */
        wb_norm_one(l);
    }
    /* finish: values just below / at / above p and 2p, and random < 2p, < 3p */
    uint64_t p17[18] = { 0 }, x[18];
    memcpy(p17, P, 128);
    for (long it = 0; it < n; it++) {
        int two_p = (int)(it & 1);
        memset(x, 0, sizeof x);
        int kind = (int)(rnd() % 6);
        uint64_t base[18] = { 0 };
        if (kind <= 3) {
            /* m*p + d, m in {0,1,2 (two_p only)}, |d| small */
            int m = (int)(rnd() % (two_p ? 3 : 2));
            for (int j = 0; j < m; j++) {
                uint64_t c = 0;
                for (int i = 0; i < 18; i++) {
                    u128 s = (u128)base[i] + p17[i] + c;
                    base[i] = (uint64_t)s;
                    c = (uint64_t)(s >> 64);
                }
            }
            int64_t d = (int64_t)(rnd() % 5) - 2;
            if (m == 0 && d < 0) d = -d;
            memcpy(x, base, sizeof x);
            if (d >= 0) { /* x += d */
                u128 c = (u128)x[0] + (uint64_t)d;
                x[0] = (uint64_t)c;
                for (int i = 1; i < 18 && (c >>= 64); i++) { c += x[i]; x[i] = (uint64_t)c; }
            } else {
                uint64_t br = (uint64_t)(-d);
                for (int i = 0; i < 18; i++) {
                    u128 s = (u128)x[i] - br;
                    x[i] = (uint64_t)s;
                    br = (uint64_t)(s >> 64) & 1;
                }
            }
            if (two_p == 0 && m == 1 && d >= 0) { /* still < 2p */ }
        } else {
            /* random below 2p or 3p: random 1025-bit, rejected */
            for (;;) {
                for (int i = 0; i < 16; i++) x[i] = rnd();
                x[16] = rnd() & 1;
                x[17] = 0;
                /* compare with (2 or 3) p */
                uint64_t lim[18] = { 0 }, c = 0;
                for (int j = 0; j < (two_p ? 3 : 2); j++) {
                    c = 0;
                    for (int i = 0; i < 18; i++) {
                        u128 s = (u128)lim[i] + p17[i] + c;
                        lim[i] = (uint64_t)s;
                        c = (uint64_t)(s >> 64);
                    }
                }
                int lt = 0;
                for (int i = 17; i >= 0; i--)
                    if (x[i] != lim[i]) { lt = x[i] < lim[i]; break; }
                if (lt) break;
            }
        }
        wb_finish_one(x, two_p);
    }
    printf("white-box: %ld crafted lane vectors through fp_ifma_norm, %ld redundant values through fp_ifma_finish: %ld failures\n", n, n, wb_fails);
    fails += wb_fails;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    ctx = BN_CTX_new();
    bp = NULL;
    BN_hex2bn(&bp, P_HEX);
    from_bn(P, bp);
    /* PINV = -p^-1 mod 2^64 by Newton */
    uint64_t inv = 1;
    for (int i = 0; i < 7; i++)
        inv *= 2 - P[0] * inv;
    PINV = 0 - inv;
    BIGNUM *R = BN_new();
    BN_one(R);
    BN_lshift(R, R, 1024);
    brinv = BN_mod_inverse(NULL, R, bp, ctx);

    /* edge cases */
    enum { NE = 64 };
    static uint64_t e[NE][16];
    int ne = 0;
    uint64_t one[16] = { 1 };
    memset(e[ne++], 0, 128);                         /* 0 */
    memcpy(e[ne++], one, 128);                       /* 1 */
    e[ne][0] = 2; ne++;                              /* 2 */
    sub16(e[ne++], P, one);                          /* p-1 */
    sub16(e[ne], P, one); sub16(e[ne], e[ne], one); ne++; /* p-2 */
    for (int k = 0; k < 16; k++) e[ne][k] = ~0ULL;   /* 2^1024 - 1 - p: R - 1 mod p */
    sub16(e[ne], e[ne], P); ne++;
    for (int k = 0; k < 16; k++) e[ne][k] = ~0ULL;   /* 2^1023 - 1 (< p) */
    e[ne][15] >>= 1; ne++;
    for (int k = 0; k < 16; k++) e[ne][k] = ~0ULL;   /* all-ones limbs below p's top limb */
    e[ne][15] = P[15] - 1; ne++;
    memset(e[ne], 0, 128); e[ne][15] = P[15]; ne++; /* top limb of p, rest 0 */
    memset(e[ne], 0, 128); e[ne][15] = 1ULL << 63; ne++; /* 2^1023 */
    for (int j = 0; j < 15; j++) {                  /* p with limb j decremented and lower ones all-ones */
        memcpy(e[ne], P, 128);
        e[ne][j] -= 1;
        for (int k = 0; k < j; k++) e[ne][k] = ~0ULL;
        if (cmp16(e[ne], P) < 0) ne++;
    }
    for (int j = 0; j < 16; j++) {                  /* single all-ones limb */
        memset(e[ne], 0, 128); e[ne][j] = ~0ULL;
        if (cmp16(e[ne], P) < 0) ne++;
    }
    for (int k = 0; k < 16; k++) e[ne][k] = 0xfffffffffffffULL << (k & 7); /* 52-bit patterns */
    e[ne][15] &= 0x7fffffffffffffffULL; ne++;
    if (ne > NE) abort();
    long edge = 0;
    for (int i = 0; i < ne; i++)
        for (int j = 0; j < ne; j++) {
            check(e[i], e[j], e[j], e[i], 1);
            check(e[i], e[j], e[i], e[j], 0);
            check(e[i], e[i], e[j], e[j], 0);
            edge += 3;
        }
    /* worst cases for the muladd bound */
    check(e[3], e[3], e[3], e[3], 1);
    printf("edge tuples: %ld (%d values), fails so far %ld\n", edge, ne, fails);

    uint64_t a[16], b[16], c[16], d[16];
    for (long it = 0; it < n; it++) {
        if (it & 1) {
            rnd_fp(a); rnd_fp(b); rnd_fp(c); rnd_fp(d);
        } else {
            rnd_struct(a); rnd_struct(b); rnd_struct(c); rnd_struct(d);
        }
        check(a, b, c, d, it % 64 == 0);
    }
    whitebox(n);
    printf("random tuples: %ld (half uniform, half structured; each: mul, sqr, muladd + 9 aliasing calls; 1/64 also vs OpenSSL BN)\n", n);
    printf("%s: %ld failures\n", fails ? "FAILED" : "PASSED", fails);
    BN_free(R); BN_free(bp); BN_free(brinv); BN_CTX_free(ctx);
    return fails != 0;
}
