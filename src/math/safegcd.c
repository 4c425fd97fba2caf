/* Bernstein-Yang constant-time modular inversion; see safegcd.h.
 *
 * State: f, g (the gcd pair, f always odd) and d, e with the invariants
 *     d * a = f (mod m),   e * a = g (mod m),
 * starting from f = m, g = a, d = 0, e = 1. Each batch runs 62 divsteps on the
 * low 64 bits of f and g, which yields a 2x2 integer matrix T with
 *     2^62 * (f', g') = T * (f, g);
 * T is then applied to the full-size f, g (exact division by 2^62) and to
 * d, e (division by 2^62 modulo m, made exact by adding a multiple of m).
 * After enough divsteps g = 0 and f = +-1, so a^-1 = +-d.
 *
 * All conditionals are masks; right shifts of negative signed values are
 * arithmetic (as with every compiler this project supports). */
#include "math/safegcd.h"

#include "internal/ct.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

#define M62 ((uint64_t)0x3FFFFFFFFFFFFFFFULL)
#define SG_BATCHES 48

typedef struct s62 {
    int64_t v[SG_LIMBS];
} s62;

typedef struct trans {
    int64_t u, v, q, r;
} trans;

/* 62 divsteps on the low words of f (odd) and g. delta starts at 1 (the
 * original divstep of the paper). Returns the new delta; t receives the
 * transition matrix scaled by 2^62. Branch-free: every step computes
 *   if delta > 0 and g odd: (delta, f, g) = (1 - delta, g, (g - f) / 2)
 *   elif g odd:             (delta, f, g) = (1 + delta, f, (g + f) / 2)
 *   else:                   (delta, f, g) = (1 + delta, f, g / 2)
 * as "conditionally swap-and-negate, then conditionally add, then halve",
 * doubling the f row of the matrix instead of halving g's. */
static int64_t divsteps_62(int64_t delta, uint64_t f, uint64_t g, trans *t)
{
    uint64_t u = 1, v = 0, q = 0, r = 1;
    uint64_t d = (uint64_t)delta;
    for (int i = 0; i < 62; i++) {
        uint64_t godd = ct_mask_from_bit(g);
        /* delta > 0  <=>  -delta has its sign bit set (|delta| < 2^62) */
        uint64_t dpos = ct_mask_from_bit((0 - d) >> 63);
        uint64_t sw = godd & dpos;
        uint64_t x;
        x = (f ^ g) & sw;
        f ^= x;
        g ^= x;
        g = (g ^ sw) - sw;
        x = (u ^ q) & sw;
        u ^= x;
        q ^= x;
        q = (q ^ sw) - sw;
        x = (v ^ r) & sw;
        v ^= x;
        r ^= x;
        r = (r ^ sw) - sw;
        d = (d ^ sw) - sw;
        g += f & godd;
        q += u & godd;
        r += v & godd;
        g >>= 1;
        u <<= 1;
        v <<= 1;
        d += 1;
    }
    t->u = (int64_t)u;
    t->v = (int64_t)v;
    t->q = (int64_t)q;
    t->r = (int64_t)r;
    return (int64_t)d;
}

/* (f, g) = T (f, g) / 2^62, exact. */
static void update_fg(s62 *f, s62 *g, const trans *t)
{
    s128 cf = (s128)t->u * f->v[0] + (s128)t->v * g->v[0];
    s128 cg = (s128)t->q * f->v[0] + (s128)t->r * g->v[0];
    cf >>= 62;
    cg >>= 62;
    for (int i = 1; i < SG_LIMBS; i++) {
        cf += (s128)t->u * f->v[i] + (s128)t->v * g->v[i];
        cg += (s128)t->q * f->v[i] + (s128)t->r * g->v[i];
        f->v[i - 1] = (int64_t)((uint64_t)cf & M62);
        g->v[i - 1] = (int64_t)((uint64_t)cg & M62);
        cf >>= 62;
        cg >>= 62;
    }
    f->v[SG_LIMBS - 1] = (int64_t)cf;
    g->v[SG_LIMBS - 1] = (int64_t)cg;
}

/* (d, e) = T (d, e) / 2^62 mod m, keeping both in (-2m, m).
 * A negative d (or e) is first replaced by d + m (in (-m, 0)), which is
 * folded into the multiple of m added below; then md, me are adjusted by
 * k in [0, 2^62) so that the low 62 bits of the sums vanish. With
 * |u| + |v| <= 2^62 the result lies in (-2m, m) again. */
static void update_de(s62 *d, s62 *e, const trans *t, const sg_modulus *mod)
{
    int64_t sd = d->v[SG_LIMBS - 1] >> 63;
    int64_t se = e->v[SG_LIMBS - 1] >> 63;
    int64_t md = (t->u & sd) + (t->v & se);
    int64_t me = (t->q & sd) + (t->r & se);
    s128 cd = (s128)t->u * d->v[0] + (s128)t->v * e->v[0];
    s128 ce = (s128)t->q * d->v[0] + (s128)t->r * e->v[0];
    md -= (int64_t)((mod->minv62 * (uint64_t)cd + (uint64_t)md) & M62);
    me -= (int64_t)((mod->minv62 * (uint64_t)ce + (uint64_t)me) & M62);
    cd += (s128)mod->m[0] * md;
    ce += (s128)mod->m[0] * me;
    cd >>= 62;
    ce >>= 62;
    for (int i = 1; i < SG_LIMBS; i++) {
        cd += (s128)t->u * d->v[i] + (s128)t->v * e->v[i] + (s128)mod->m[i] * md;
        ce += (s128)t->q * d->v[i] + (s128)t->r * e->v[i] + (s128)mod->m[i] * me;
        d->v[i - 1] = (int64_t)((uint64_t)cd & M62);
        e->v[i - 1] = (int64_t)((uint64_t)ce & M62);
        cd >>= 62;
        ce >>= 62;
    }
    d->v[SG_LIMBS - 1] = (int64_t)cd;
    e->v[SG_LIMBS - 1] = (int64_t)ce;
}

/* d = d + (m & mask), then carries normalised (limbs back in [0, 2^62)). */
static void s62_cadd(s62 *d, const int64_t *m, uint64_t mask)
{
    s128 c = 0;
    for (int i = 0; i < SG_LIMBS - 1; i++) {
        c += (s128)d->v[i] + (int64_t)((uint64_t)m[i] & mask);
        d->v[i] = (int64_t)((uint64_t)c & M62);
        c >>= 62;
    }
    d->v[SG_LIMBS - 1] += (int64_t)c + (int64_t)((uint64_t)m[SG_LIMBS - 1] & mask);
}

/* d = -d if mask, carries normalised. */
static void s62_cneg(s62 *d, uint64_t mask)
{
    s128 c = 0;
    for (int i = 0; i < SG_LIMBS - 1; i++) {
        c += (s128)(int64_t)(((uint64_t)d->v[i] ^ mask) - mask);
        d->v[i] = (int64_t)((uint64_t)c & M62);
        c >>= 62;
    }
    d->v[SG_LIMBS - 1] = (int64_t)((((uint64_t)d->v[SG_LIMBS - 1] ^ mask) - mask) + (uint64_t)c);
}

static void to_s62(s62 *r, const uint64_t a[16])
{
    for (int i = 0; i < SG_LIMBS; i++) {
        int bit = 62 * i;
        int w = bit / 64, s = bit % 64;
        uint64_t x = w < 16 ? a[w] >> s : 0;
        if (s > 2 && w + 1 < 16) /* public layout arithmetic, not data */
            x |= a[w + 1] << (64 - s);
        r->v[i] = (int64_t)(x & M62);
    }
}

static void from_s62(uint64_t r[16], const s62 *a)
{
    for (int w = 0; w < 16; w++) {
        int bit = 64 * w;
        int i = bit / 62, s = bit % 62;
        uint64_t x = (uint64_t)a->v[i] >> s;
        x |= (uint64_t)a->v[i + 1] << (62 - s);
        if (s > 60 && i + 2 < SG_LIMBS)
            x |= (uint64_t)a->v[i + 2] << (124 - s);
        r[w] = x;
    }
}

void sg_modinv(uint64_t r[16], const uint64_t a[16], const sg_modulus *mod)
{
    s62 f, g, d, e;
    for (int i = 0; i < SG_LIMBS; i++) {
        f.v[i] = mod->m[i];
        d.v[i] = 0;
        e.v[i] = 0;
    }
    e.v[0] = 1;
    to_s62(&g, a);
    int64_t delta = 1;
    for (int i = 0; i < SG_BATCHES; i++) {
        trans t;
        delta = divsteps_62(delta, (uint64_t)f.v[0] | ((uint64_t)f.v[1] << 62),
                            (uint64_t)g.v[0] | ((uint64_t)g.v[1] << 62), &t);
        update_de(&d, &e, &t, mod);
        update_fg(&f, &g, &t);
        mcsec_ct_wipe_limbs((uint64_t *)&t, 4);
    }
    /* f = +-1 now: a^-1 = sign(f) * d with d in (-2m, m). */
    uint64_t fneg = (uint64_t)(f.v[SG_LIMBS - 1] >> 63);
    s62_cadd(&d, mod->m, (uint64_t)(d.v[SG_LIMBS - 1] >> 63)); /* (-m, m) */
    s62_cneg(&d, fneg);                                          /* (-m, m) */
    s62_cadd(&d, mod->m, (uint64_t)(d.v[SG_LIMBS - 1] >> 63)); /* [0, m) */
    from_s62(r, &d);
    mcsec_ct_wipe_limbs((uint64_t *)f.v, SG_LIMBS);
    mcsec_ct_wipe_limbs((uint64_t *)g.v, SG_LIMBS);
    mcsec_ct_wipe_limbs((uint64_t *)d.v, SG_LIMBS);
    mcsec_ct_wipe_limbs((uint64_t *)e.v, SG_LIMBS);
}
