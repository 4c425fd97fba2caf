/* mcsec-bench — median µs per operation for mcsec and Debian's libwolfssl,
 * measured in the same run on the same inputs, with 1 peer and with 64 peers
 * taking turns (a peer is a distinct signer / signing key).
 *
 *   mcsec-bench [--json] [--seconds S]    S: time budget per row and library (default 0.4)
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/eccsi.h>
#include <wolfssl/wolfcrypt/random.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mcsec/eccsi.h"

#define MAX_PEERS 64

static double budget_s = 0.4;

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef int (*op_fn)(void *ctx, int peer);

/* Times single operations until the budget is spent (at least 11 samples) and
 * returns the median in µs, or -1 if an operation failed. */
static double median_us(op_fn fn, void *ctx, int peers)
{
    static double samples[200000];
    size_t n = 0;
    for (int w = 0; w < 3; w++)
        if (fn(ctx, w % peers) != 0)
            return -1;
    double start = now_us();
    while (n < sizeof samples / sizeof samples[0] &&
           (n < 11 || now_us() - start < budget_s * 1e6)) {
        double t0 = now_us();
        if (fn(ctx, (int)(n % (size_t)peers)) != 0)
            return -1;
        samples[n++] = now_us() - t0;
    }
    qsort(samples, n, sizeof samples[0], cmp_double);
    return samples[n / 2];
}

/* ---------------------------------------------------------------- ECCSI */

typedef struct eccsi_peer {
    uint8_t id[32];
    mcsec_eccsi_key key;
    uint8_t sig[129];
    /* wolfSSL: a signing object per peer (its fast path) */
    EccsiKey wsign;
    mp_int wssk;
    ecc_point *wpvt;
} eccsi_peer;

typedef struct eccsi_bench {
    uint8_t ksak[32], kpak[65];
    uint8_t msg[64];
    eccsi_peer peer[MAX_PEERS];
    EccsiKey wverify; /* one verifier object, re-targeted per message as a receiver must */
    ecc_point *wtmp;
    WC_RNG rng;
} eccsi_bench;

static int m_eccsi_sign(void *c, int i)
{
    eccsi_bench *b = c;
    uint8_t sig[129];
    return mcsec_eccsi_sign(sig, &b->peer[i].key, b->msg, sizeof b->msg, NULL);
}

static int m_eccsi_verify(void *c, int i)
{
    eccsi_bench *b = c;
    return mcsec_eccsi_verify(b->kpak, b->peer[i].id, 32, b->msg, sizeof b->msg, b->peer[i].sig);
}

static int w_eccsi_sign(void *c, int i)
{
    eccsi_bench *b = c;
    uint8_t sig[129];
    word32 sz = sizeof sig;
    return wc_SignEccsiHash(&b->peer[i].wsign, &b->rng, WC_HASH_TYPE_SHA256, b->msg, sizeof b->msg, sig, &sz);
}

/* A receiver's work per message: PVT from the signature, HS for the signer, verify. */
static int w_eccsi_verify(void *c, int i)
{
    eccsi_bench *b = c;
    byte hash[WC_MAX_DIGEST_SIZE];
    byte hsz = sizeof hash;
    int ok = 0;
    const eccsi_peer *p = &b->peer[i];
    if (wc_DecodeEccsiPvtFromSig(&b->wverify, p->sig, 129, b->wtmp) != 0 ||
        wc_HashEccsiId(&b->wverify, WC_HASH_TYPE_SHA256, p->id, 32, b->wtmp, hash, &hsz) != 0 ||
        wc_SetEccsiHash(&b->wverify, hash, hsz) != 0 ||
        wc_VerifyEccsiHash(&b->wverify, WC_HASH_TYPE_SHA256, b->msg, sizeof b->msg, p->sig, 129, &ok) != 0)
        return -1;
    return ok ? 0 : -1;
}

static int eccsi_setup(eccsi_bench *b)
{
    memset(b->msg, 0x5a, sizeof b->msg);
    if (wc_InitRng(&b->rng) != 0 || mcsec_eccsi_kms_keygen(b->ksak, b->kpak, NULL) != MCSEC_OK)
        return -1;
    if (wc_InitEccsiKey(&b->wverify, NULL, INVALID_DEVID) != 0 ||
        wc_ImportEccsiPublicKey(&b->wverify, b->kpak, 65, 1) != 0 || !(b->wtmp = wc_ecc_new_point()))
        return -1;
    for (int i = 0; i < MAX_PEERS; i++) {
        eccsi_peer *p = &b->peer[i];
        uint8_t ssk[32], pvt[65], hs[32];
        byte hash[WC_MAX_DIGEST_SIZE];
        byte hsz = sizeof hash;
        for (int k = 0; k < 32; k++)
            p->id[k] = (uint8_t)(i * 31 + k);
        if (mcsec_eccsi_kms_issue(ssk, pvt, hs, b->ksak, p->id, 32, NULL) != MCSEC_OK ||
            mcsec_eccsi_key_init(&p->key, b->kpak, p->id, 32, ssk, pvt) != MCSEC_OK ||
            mcsec_eccsi_sign(p->sig, &p->key, b->msg, sizeof b->msg, NULL) != MCSEC_OK)
            return -1;
        if (wc_InitEccsiKey(&p->wsign, NULL, INVALID_DEVID) != 0 || mp_init(&p->wssk) != 0 ||
            !(p->wpvt = wc_ecc_new_point()) ||
            wc_ImportEccsiPublicKey(&p->wsign, b->kpak, 65, 1) != 0 ||
            wc_DecodeEccsiSsk(&p->wsign, ssk, 32, &p->wssk) != 0 ||
            wc_DecodeEccsiPvt(&p->wsign, pvt, 65, p->wpvt) != 0 ||
            wc_HashEccsiId(&p->wsign, WC_HASH_TYPE_SHA256, p->id, 32, p->wpvt, hash, &hsz) != 0 ||
            wc_SetEccsiHash(&p->wsign, hash, hsz) != 0 || wc_SetEccsiPair(&p->wsign, &p->wssk, p->wpvt) != 0)
            return -1;
        mcsec_wipe(ssk, sizeof ssk);
    }
    return 0;
}

/* ---------------------------------------------------------------- report */

typedef struct row {
    const char *op;
    int peers;
    double mcsec_us, wolf_us;
} row;

static row rows[64];
static size_t nrows;

static void measure(const char *op, op_fn m, op_fn w, void *ctx)
{
    static const int peer_counts[2] = { 1, 64 };
    for (int k = 0; k < 2; k++) {
        row *r = &rows[nrows++];
        r->op = op;
        r->peers = peer_counts[k];
        r->mcsec_us = median_us(m, ctx, r->peers);
        r->wolf_us = w ? median_us(w, ctx, r->peers) : -1;
        fprintf(stderr, ".");
    }
}

int main(int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            budget_s = atof(argv[++i]);
        } else {
            fprintf(stderr, "usage: mcsec-bench [--json] [--seconds S]\n"
                            "  median µs/op of mcsec and libwolfssl, 1 and 64 peers in turn;\n"
                            "  S is the time budget per row and library (default 0.4)\n");
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    static eccsi_bench eb;
    if (eccsi_setup(&eb) != 0) {
        fprintf(stderr, "mcsec-bench: ECCSI setup failed\n");
        return 2;
    }
    measure("eccsi_sign", m_eccsi_sign, w_eccsi_sign, &eb);
    measure("eccsi_verify", m_eccsi_verify, w_eccsi_verify, &eb);
    fprintf(stderr, "\n");

    int failed = 0;
    if (json) {
        printf("{\"results\": [");
        for (size_t i = 0; i < nrows; i++) {
            printf("%s\n  {\"op\": \"%s\", \"peers\": %d, \"mcsec_us\": %.2f, \"wolfssl_us\": ", i ? "," : "",
                   rows[i].op, rows[i].peers, rows[i].mcsec_us);
            if (rows[i].wolf_us < 0)
                printf("null}");
            else
                printf("%.2f}", rows[i].wolf_us);
        }
        printf("\n]}\n");
    } else {
        printf("%-20s %5s %12s %12s %8s %12s\n", "operation", "peers", "mcsec µs", "wolfSSL µs",
               "ratio", "mcsec ops/s");
        for (size_t i = 0; i < nrows; i++) {
            const row *r = &rows[i];
            printf("%-20s %5d %12.2f ", r->op, r->peers, r->mcsec_us);
            if (r->wolf_us < 0)
                printf("%12s %8s", "-", "-");
            else
                printf("%12.2f %7.2fx", r->wolf_us, r->wolf_us / r->mcsec_us);
            printf(" %12.0f\n", r->mcsec_us > 0 ? 1e6 / r->mcsec_us : 0);
        }
        printf("(ratio = wolfSSL time / mcsec time: above 1 means mcsec is faster)\n");
    }
    for (size_t i = 0; i < nrows; i++)
        failed |= rows[i].mcsec_us < 0;
    if (failed)
        fprintf(stderr, "mcsec-bench: an operation failed during measurement\n");
    return failed ? 1 : 0;
}
