/* fp-bench: the 1024-bit field operations in isolation (ns per operation,
 * best of 7 runs of a dependent chain), for comparing the build options of
 * the field arithmetic (MCSEC_X86_ADX=ON/OFF): the mcsec-bench rows are all
 * bounded by these.
 *
 *   bench/fp-bench [ITERATIONS]      (default 200000 per run) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "math/fp.h"
#include "math/ec1024.h"
#include "math/fp2.h"
#include "math/pairing.h"
#include "math/sakke_tables.h"

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

enum { OP_MUL, OP_SQR, OP_MULADD, OP_ADD, OP_FP2_MUL, OP_FP2_SQR, OP_INV, OP_N };
static const char *const op_names[OP_N] = { "fp_mul", "fp_sqr", "fp_muladd", "fp_add",
                                            "fp2_mul", "fp2_sqr", "fp_inv" };

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    fp a, b, c, d;
    fp_set_u64(&a, 0x123456789abcdefULL);
    fp_set_u64(&b, 0xfedcba987654321ULL);
    for (int i = 0; i < 5; i++) { /* full-width values */
        fp_mul(&a, &a, &b);
        fp_add(&b, &b, &a);
    }
    c = a;
    d = b;
    fp2 x = { a, b }, y = { c, d };
    for (int op = 0; op < OP_N; op++) {
        double best = 1e30;
        for (int run = 0; run < 7; run++) {
            double t0 = now_ns();
            for (long i = 0; i < n; i++) {
                switch (op) {
                case OP_MUL: fp_mul(&a, &a, &b); break;
                case OP_SQR: fp_sqr(&a, &a); break;
                case OP_MULADD: fp_muladd(&a, &a, &b, &c, &d); break;
                case OP_ADD: fp_add(&a, &a, &b); break;
                case OP_FP2_MUL: fp2_mul(&x, &x, &y); break;
                case OP_FP2_SQR: fp2_sqr(&x, &x); break;
                case OP_INV: if (i % 50 == 0) fp_inv(&a, &a); break;
                }
            }
            double t = (now_ns() - t0) / (op == OP_INV ? (n + 49) / 50 : n);
            if (t < best)
                best = t;
        }
        printf("%-10s %8.1f ns\n", op_names[op], best);
    }
    /* the point operations of the combs (RCB complete formulas) and a whole
     * comb multiplication (128 mixed additions after full table scans, 31
     * doublings): the difference is the scans' share */
    ec_proj acc;
    ec_proj_from_aff(&acc, &sakke_P);
    uint64_t k[16];
    for (int i = 0; i < 16; i++)
        k[i] = 0x9e3779b97f4a7c15ULL * (i + 1);
    k[15] >>= 4; /* < q */
    long ne = n / 20 > 0 ? n / 20 : 1;
    for (int op = 0; op < 3; op++) {
        static const char *const names[3] = { "ec_madd", "ec_dbl", "comb_mul" };
        long m = op == 2 ? ne / 50 + 1 : ne;
        double best = 1e30;
        for (int run = 0; run < 7; run++) {
            double t0 = now_ns();
            for (long i = 0; i < m; i++) {
                if (op == 0)
                    ec_proj_madd(&acc, &acc, &sakke_P);
                else if (op == 1)
                    ec_proj_dbl(&acc, &acc);
                else
                    ec_comb_mul(&acc, &sakke_comb_P, k);
            }
            double t = (now_ns() - t0) / m;
            if (t < best)
                best = t;
        }
        printf("%-10s %8.1f ns\n", names[op], best);
    }
    /* the decapsulation's pairing from precomputed lines (1021 doubling and
     * 350 addition steps), the one with lines computed on the fly
     * (mcsec_sakke_validate_rsk), two tables sharing the squarings and a
     * 256-bit public-scalar multiplication (mcsec_sakke_validate_rsk_prepared),
     * and building one table (mcsec_sakke_rsk_key_init, the validator) */
    static pairing_table tb;
    pairing_table_init(&tb, &sakke_P);
    for (int op = 0; op < 5; op++) {
        static const char *const names[5] = { "table_pair", "pairing", "table_pair2", "mul_pub256",
                                              "table_init" };
        double best = 1e30;
        fp w;
        ec_aff r;
        uint64_t k256[16] = { k[0], k[1], k[2], k[3] };
        for (int run = 0; run < 5; run++) {
            double t0 = now_ns();
            if (op == 0)
                pairing_table_eval(&w, &tb, &sakke_P);
            else if (op == 1)
                pairing(&w, &sakke_P, &sakke_P);
            else if (op == 2)
                pairing_table_eval2(&w, &tb, &sakke_P, &tb, &sakke_P);
            else if (op == 3)
                ec_mul_pub(&r, &sakke_P, k256);
            else
                pairing_table_init(&tb, &sakke_P);
            double t = now_ns() - t0;
            if (t < best)
                best = t;
        }
        printf("%-10s %8.1f ns\n", names[op], best);
        acc.X.v[0] ^= op == 3 ? r.x.v[0] : op == 4 ? tb.line[0][0].v[0] : w.v[0];
    }
    /* keep the results live */
    return (a.v[0] ^ x.a.v[0] ^ acc.X.v[0]) == 42;
}
