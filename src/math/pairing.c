/* The SAKKE pairing; see pairing.h.
 *
 * Miller loop (RFC 6508 §3.2): v = 1, C = R; per digit of q after the
 * leading one: v = v^2 * l_{C,C}(psi(Q)), C = 2C; if the digit is +-1:
 * v = v * l_{C,+-R}(psi(Q)), C = C +- R. Then v^c, c = 4, and b/a.
 *
 * The line through C with slope lambda, evaluated at psi(Q) = (-Qx, i Qy):
 *     (i Qy - Cy) - lambda (-Qx - Cx) = lambda (Qx + Cx) - Cy + Qy i.
 * With C = (X : Y : Z) Jacobian, the tangent has lambda = M / (2 Y Z),
 * M = 3 (X^2 - Z^4) (a = -3); multiplying by 2 Y Z * Z^2 (an F_p factor):
 *     M (Qx Z^2 + X) - 2 Y^2  +  2 Y Z^3 Qy i.
 * The chord through C and R' = (Rx, +-Ry) (mixed addition with H = Rx Z^2 - X,
 * r = R'y Z^3 - Y, Z3 = Z H) has lambda = r / Z3; times Z3, evaluated
 * through R':  r (Qx + Rx) - R'y Z3  +  Z3 Qy i.
 * The addition after the last digit is skipped: it joins [q -+ 1]R = -+R
 * with +-R, a vertical line whose value lies in F_p. */
#include "math/pairing.h"

#include "math/fp2.h"

/* One doubling step on C. With Q == NULL it outputs the scaled tangent
 * pieces (for the table)
 *   o1 = lam = M Z^2, o2 = mu = M X - 2 Y^2, o3 = den = 2 Y Z * Z^2
 * (all of the old C; lambda = lam / den, lambda Cx - Cy = mu / den);
 * with Q it outputs the scaled line value at psi(Q) directly
 *   o1 = M (Qx Z^2 + X) - 2 Y^2,  o2 = 2 Y Z^3 Qy   (o3 unused),
 * one product cheaper than lam Qx + mu. */
static void dbl_step(ec_jac *C, const ec_aff *Q, fp *o1, fp *o2, fp *o3)
{
    fp zz, yy, m, t, u, s, z3;
    fp_sqr(&zz, &C->Z);
    fp_sqr(&yy, &C->Y);
    fp_sub(&t, &C->X, &zz);
    fp_add(&u, &C->X, &zz);
    fp_mul(&m, &t, &u);
    fp_tpl(&m, &m);                 /* M = 3 (X - Z^2)(X + Z^2) */
    fp_add(&t, &C->Y, &C->Z);
    fp_sqr(&t, &t);
    fp_sub(&t, &t, &yy);
    fp_sub(&z3, &t, &zz);           /* Z3 = 2 Y Z */
    fp_dbl(&u, &yy);                /* 2 Y^2 */
    if (Q == NULL) {                /* public: which caller */
        fp_mul(o1, &m, &zz);
        fp_mul(o2, &m, &C->X);
        fp_sub(o2, o2, &u);
        fp_mul(o3, &z3, &zz);
    } else {
        fp_mul(&t, &Q->x, &zz);
        fp_add(&t, &t, &C->X);
        fp_mul(&t, &t, &m);
        fp_sub(o1, &t, &u);
        fp_mul(&t, &z3, &zz);
        fp_mul(o2, &t, &Q->y);
    }
    /* C = 2C: S = 4 X Y^2, X3 = M^2 - 2S, Y3 = M (S - X3) - 8 Y^4 */
    fp_mul(&s, &C->X, &yy);
    fp_dbl(&s, &s);
    fp_dbl(&s, &s);
    fp_sqr(&t, &m);
    fp_dbl(&u, &s);
    fp_sub(&C->X, &t, &u);
    fp_sub(&t, &s, &C->X);
    fp_dbl(&u, &yy);
    fp_dbl(&u, &u);
    fp_dbl(&u, &u);
    fp_neg(&u, &u);
    fp_muladd(&C->Y, &t, &m, &yy, &u); /* M (S - X3) + Y^2 (-8 Y^2) */
    C->Z = z3;
    fp_wipe(&zz);
    fp_wipe(&yy);
    fp_wipe(&m);
    fp_wipe(&t);
    fp_wipe(&u);
    fp_wipe(&s);
}

/* One addition step C = C + Rp; outputs r and Z3 (lambda = r / Z3). */
static void add_step(ec_jac *C, const ec_aff *Rp, fp *r_out, fp *z3_out)
{
    fp zz, u2, s2, h, rr, hh, hhh, v, t;
    fp_sqr(&zz, &C->Z);
    fp_mul(&u2, &Rp->x, &zz);
    fp_mul(&s2, &Rp->y, &C->Z);
    fp_mul(&s2, &s2, &zz);
    fp_sub(&h, &u2, &C->X);
    fp_sub(&rr, &s2, &C->Y);
    fp_sqr(&hh, &h);
    fp_mul(&hhh, &h, &hh);
    fp_mul(&v, &C->X, &hh);
    fp_mul(&C->Z, &C->Z, &h);
    fp_sqr(&t, &rr);
    fp_sub(&t, &t, &hhh);
    fp_sub(&t, &t, &v);
    fp_sub(&t, &t, &v);             /* X3 */
    fp_sub(&v, &v, &t);
    fp_mul(&v, &v, &rr);
    fp_mul(&hhh, &hhh, &C->Y);
    fp_sub(&C->Y, &v, &hhh);
    C->X = t;
    *r_out = rr;
    *z3_out = C->Z;
    FP_WIPE(&zz, &u2, &s2, &h, &rr, &hh, &hhh, &v, &t);
}

/* v = v^4, out = b / a */
static void final_exp(fp *out, fp2 *v)
{
    fp2_sqr(v, v);
    fp2_sqr(v, v);
    fp2_pfp_rep(out, v);
}

/* all-ones iff the Miller loop over R ended in [q - d_last]R as it must for
 * R of order q: R itself (d_last = -1) or -R (d_last = +1). Every exceptional
 * case of the doubling and addition formulas (doubling a point of order 2 or
 * O, adding +-R to +-R or to O) sets Z = 0, and Z stays 0 from then on, so
 * Z != 0 at the end means every step was computed exactly. */
static uint64_t end_check(const ec_jac *C, const ec_aff *R, const ec_aff *Rn)
{
    const ec_aff *want = sakke_q_naf[SAKKE_NAF_LEN - 1] < 0 ? R : Rn;
    fp z2, z3;
    fp_sqr(&z2, &C->Z);
    fp_mul(&z3, &z2, &C->Z);
    fp_mul(&z2, &z2, &want->x);
    fp_mul(&z3, &z3, &want->y);
    uint64_t ok = ~fp_is_zero_mask(&C->Z) & fp_eq_mask(&z2, &C->X) & fp_eq_mask(&z3, &C->Y);
    fp_wipe(&z2);
    fp_wipe(&z3);
    return ok;
}

uint64_t pairing(fp *out, const ec_aff *R, const ec_aff *Q)
{
    ec_jac C;
    ec_aff Rn;
    fp2 v, l;
    fp lam, den, qr;
    ec_jac_from_aff(&C, R);
    ec_aff_neg(&Rn, R);
    fp_add(&qr, &Q->x, &R->x); /* Qx + Rx, shared by every chord */
    fp2_set_one(&v);
    for (int i = 1; i < SAKKE_NAF_LEN; i++) {
        dbl_step(&C, Q, &l.a, &l.b, NULL);
        fp2_sqr(&v, &v);
        fp2_mul(&v, &v, &l);
        int d = sakke_q_naf[i]; /* public */
        if (d != 0 && i != SAKKE_NAF_LEN - 1) {
            const ec_aff *Rp = d > 0 ? R : &Rn;
            add_step(&C, Rp, &lam, &den);
            /* a = r (Qx + Rx) - R'y Z3, b = Z3 Qy; -R'y is the y of the
             * other one of R, -R */
            const ec_aff *Rm = d > 0 ? &Rn : R;
            fp_muladd(&l.a, &lam, &qr, &Rm->y, &den);
            fp_mul(&l.b, &den, &Q->y);
            fp2_mul(&v, &v, &l);
        }
    }
    final_exp(out, &v);
    uint64_t ok = end_check(&C, R, &Rn);
    fp2_wipe(&v);
    fp2_wipe(&l);
    fp_wipe(&lam);
    fp_wipe(&den);
    fp_wipe(&qr);
    fp_wipe(&C.X);
    fp_wipe(&C.Y);
    fp_wipe(&C.Z);
    ec_aff_wipe(&Rn);
    return ok;
}

#define CHUNK 64

/* Divides the pending (lam, mu) of steps [first, first + n) by their
 * denominators with one inversion (Montgomery's trick). */
static void flush_chunk(pairing_table *tb, int first, const fp *den, int n)
{
    fp pre[CHUNK], acc, inv;
    pre[0] = den[0];
    for (int i = 1; i < n; i++)
        fp_mul(&pre[i], &pre[i - 1], &den[i]);
    fp_inv(&acc, &pre[n - 1]);
    for (int i = n - 1; i >= 0; i--) {
        if (i > 0) {
            fp_mul(&inv, &acc, &pre[i - 1]);
            fp_mul(&acc, &acc, &den[i]);
        } else {
            inv = acc;
        }
        fp_mul(&tb->line[first + i][0], &tb->line[first + i][0], &inv);
        fp_mul(&tb->line[first + i][1], &tb->line[first + i][1], &inv);
    }
    for (int i = 0; i < n; i++)
        fp_wipe(&pre[i]);
    fp_wipe(&acc);
    fp_wipe(&inv);
}

uint64_t pairing_table_init(pairing_table *tb, const ec_aff *K)
{
    ec_jac C;
    ec_aff Kn;
    fp den[CHUNK], t;
    int step = 0, first = 0, n = 0;
    ec_jac_from_aff(&C, K);
    ec_aff_neg(&Kn, K);
    for (int i = 1; i < SAKKE_NAF_LEN; i++) {
        dbl_step(&C, NULL, &tb->line[step][0], &tb->line[step][1], &den[n]);
        step++;
        if (++n == CHUNK) {
            flush_chunk(tb, first, den, n);
            first = step;
            n = 0;
        }
        int d = sakke_q_naf[i]; /* public */
        if (d != 0 && i != SAKKE_NAF_LEN - 1) {
            const ec_aff *Kp = d > 0 ? K : &Kn;
            fp *lam = &tb->line[step][0], *mu = &tb->line[step][1];
            add_step(&C, Kp, lam, &den[n]);
            /* mu = lambda K'x - K'y, scaled by Z3: r K'x - K'y Z3 */
            fp_mul(mu, lam, &Kp->x);
            fp_mul(&t, &Kp->y, &den[n]);
            fp_sub(mu, mu, &t);
            step++;
            if (++n == CHUNK) {
                flush_chunk(tb, first, den, n);
                first = step;
                n = 0;
            }
        }
    }
    if (n > 0)
        flush_chunk(tb, first, den, n);

    uint64_t ok = end_check(&C, K, &Kn);

    for (int i = 0; i < CHUNK; i++)
        fp_wipe(&den[i]);
    fp_wipe(&t);
    fp_wipe(&C.X);
    fp_wipe(&C.Y);
    fp_wipe(&C.Z);
    ec_aff_wipe(&Kn);
    return ok;
}

/* v = v^2 (c + i), the doubling step of the table evaluation in one pass:
 * with v = a + b i, v^2 = A + B i for A = (a + b)(a - b), B = 2 a b, and
 * (A + B i)(c + i) = (A c - B) + (A + B c) i: four products, no
 * intermediate copies. The temporaries are the caller's, wiped once at the
 * end of the loop instead of after every step. */
static void sqr_mul_line(fp2 *v, const fp *c, fp *s, fp *d, fp *A, fp *B)
{
    fp_add(s, &v->a, &v->b);
    fp_sub(d, &v->a, &v->b);
    fp_mul(B, &v->a, &v->b);
    fp_mul(A, s, d);
    fp_dbl(B, B);
    fp_mul(s, A, c);
    fp_mul(d, B, c);
    fp_sub(&v->a, s, B);
    fp_add(&v->b, A, d);
}

void pairing_table_eval(fp *out, const pairing_table *tb, const ec_aff *Q)
{
    fp s, df, A, B;
    fp u, t, c;
    fp2 v;
    /* each line divided by Qy: lambda (Qx/Qy) + mu (1/Qy) + i */
    fp_inv(&t, &Q->y);
    fp_mul(&u, &Q->x, &t);
    fp2_set_one(&v);
    int step = 0;
    for (int i = 1; i < SAKKE_NAF_LEN; i++) {
        fp_muladd(&c, &tb->line[step][0], &u, &tb->line[step][1], &t);
        step++;
        sqr_mul_line(&v, &c, &s, &df, &A, &B);
        int d = sakke_q_naf[i]; /* public */
        if (d != 0 && i != SAKKE_NAF_LEN - 1) {
            fp_muladd(&c, &tb->line[step][0], &u, &tb->line[step][1], &t);
            step++;
            fp2_mul_line(&v, &v, &c);
        }
    }
    final_exp(out, &v);
    fp2_wipe(&v);
    FP_WIPE(&u, &t, &c, &s, &df, &A, &B);
}

void pairing_table_eval2(fp *out, const pairing_table *t1, const ec_aff *Q1, const pairing_table *t2,
                         const ec_aff *Q2)
{
    fp s, df, A, B;
    fp u1, v1, u2, v2, c, y12;
    fp2 v;
    /* 1/Q1y and 1/Q2y from one inversion of Q1y Q2y */
    fp_mul(&y12, &Q1->y, &Q2->y);
    fp_inv(&y12, &y12);
    fp_mul(&v1, &y12, &Q2->y);
    fp_mul(&v2, &y12, &Q1->y);
    fp_mul(&u1, &Q1->x, &v1);
    fp_mul(&u2, &Q2->x, &v2);
    fp2_set_one(&v);
    int step = 0;
    /* The two Miller loops share their squarings: both tables follow the
     * same NAF of q, step for step. */
    for (int i = 1; i < SAKKE_NAF_LEN; i++) {
        fp_muladd(&c, &t1->line[step][0], &u1, &t1->line[step][1], &v1);
        sqr_mul_line(&v, &c, &s, &df, &A, &B);
        fp_muladd(&c, &t2->line[step][0], &u2, &t2->line[step][1], &v2);
        fp2_mul_line(&v, &v, &c);
        step++;
        int d = sakke_q_naf[i]; /* public */
        if (d != 0 && i != SAKKE_NAF_LEN - 1) {
            fp_muladd(&c, &t1->line[step][0], &u1, &t1->line[step][1], &v1);
            fp2_mul_line(&v, &v, &c);
            fp_muladd(&c, &t2->line[step][0], &u2, &t2->line[step][1], &v2);
            fp2_mul_line(&v, &v, &c);
            step++;
        }
    }
    final_exp(out, &v);
    fp2_wipe(&v);
    FP_WIPE(&u1, &v1, &u2, &v2, &c, &y12, &s, &df, &A, &B);
}
