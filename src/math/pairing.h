/* The Tate-Lichtenbaum pairing of SAKKE (RFC 6508 §3.2), returning the F_p
 * representative of its PF_p value (RFC 6508 §4):
 *
 *   <R, Q> = f_R(psi(Q))^c  with psi(x, y) = (-x, i y) and c = (p+1)/q = 4,
 *
 * written as b/a for the result a + b i. This is the reduced Tate pairing
 * (raising to c and taking b/a is raising to (p^2 - 1)/q), so it is bilinear,
 * non-degenerate on the order-q subgroup and symmetric there:
 * <R, Q> = <Q, R>. Any factor in F_p* of the Miller value cancels, which
 * allows projective coordinates, unnormalised lines and dropping vertical
 * lines (they evaluate into F_p at psi(Q)); and the value does not depend on
 * the addition chain for q used in the Miller loop. We use the non-adjacent
 * form of q instead of the binary expansion of q - 1 in RFC 6508 §3.2 (351
 * instead of 512 addition steps); the result is the same element, which the
 * tests check against a literal transcription of the RFC loop.
 *
 * Constant time: the loop structure depends only on the public q. */
#ifndef MCSEC_MATH_PAIRING_H
#define MCSEC_MATH_PAIRING_H

#include "math/ec1024.h"
#include "math/sakke_tables.h"

/* out = <R, Q> for R, Q in E(F_p). For R of order q the loop meets no
 * exceptional case; other points give some value (never a crash). Returns
 * all-ones iff R has order q, a by-product of the loop (see
 * pairing_table_init). */
uint64_t pairing(fp *out, const ec_aff *R, const ec_aff *Q);

/* Precomputed Miller lines of a fixed first argument K (the RSK, RFC 6508
 * §6.2.2 step 2 evaluates <R, K>; by symmetry this is <K, R>, whose Miller
 * loop runs over K alone). Each step stores (lambda, mu) with the line at
 * psi(Q) equal to lambda Qx + mu + Qy i. 1372 steps * 256 octets. */
#define PAIRING_STEPS (SAKKE_NAF_LEN - 1 + SAKKE_NAF_ADDS)

typedef struct pairing_table {
    fp line[PAIRING_STEPS][2];
} pairing_table;

/* Builds the table of K. Returns all-ones iff K has order q (the loop ends
 * in [q+1]K, which equals K exactly for such points; every exceptional case
 * of the formulas leaves Z = 0 for good and is rejected), zero otherwise.
 * The table is secret if K is. */
uint64_t pairing_table_init(pairing_table *t, const ec_aff *K);

/* out = <K, Q> = <Q, K> for the K of the table (order q). */
void pairing_table_eval(fp *out, const pairing_table *t, const ec_aff *Q);

/* out = <K1, Q1> <K2, Q2> for the K1, K2 of two tables (order q), as one
 * Miller loop whose squarings serve both: ~1.6 table evaluations' cost
 * instead of 2 (fp-bench: table_pair2 against table_pair). */
void pairing_table_eval2(fp *out, const pairing_table *t1, const ec_aff *Q1, const pairing_table *t2,
                         const ec_aff *Q2);

#endif
