/* mcsec-bench — median µs per operation for mcsec and Debian's libwolfssl,
 * measured in the same run on the same inputs, with 1 peer and with 64 peers
 * taking turns (a peer is a distinct signer / signing key).
 *
 *   mcsec-bench [--json] [--seconds S] [--only OP]
 *     S: time budget per row and library (default 0.4); OP: measure one operation only
 *
 * mcsec uses the precomputation objects its API offers (a per-KMS object for
 * encapsulation, a per-RSK object for decapsulation, built once per peer
 * before timing); wolfSSL uses one key object per peer with identity and RSK
 * set, without its optional per-receiver tables. mikey_open is a whole
 * I_MESSAGE open (parse, ECCSI verify, SAKKE decapsulate, key parameters)
 * by one receiver of messages from 1 or 64 senders, with the receiver's
 * RSK prepared once (mcsec_mikey_open_params.rsk_key), as a client holding
 * its key for the period does.
 */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/eccsi.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/sakke.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mcsec/eccsi.h"
#include "mcsec/mikey.h"
#include "mcsec/sakke.h"
#include "mcsec/uid.h"

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
    mcsec_eccsi_verifier *verifier; /* the KMS's KPAK with its fixed-base table */
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
    return mcsec_eccsi_verify_prepared(b->verifier, b->peer[i].id, 32, b->msg, sizeof b->msg, b->peer[i].sig);
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
    if (wc_InitRng(&b->rng) != 0 || mcsec_eccsi_kms_keygen(b->ksak, b->kpak, NULL) != MCSEC_OK ||
        mcsec_eccsi_verifier_new(&b->verifier, b->kpak) != MCSEC_OK)
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

/* ---------------------------------------------------------------- SAKKE */

#define T0 3602133554ULL /* NTP seconds inside period 1389 of 30-day periods */

typedef struct sakke_peer {
    uint8_t id[32];
    uint8_t rsk[257], sed[273], ssv[16];
    mcsec_sakke_rsk_key *rkey; /* heap: ~0.5 MB each */
    SakkeKey wcli;             /* wolfSSL receiver / sender object for this peer */
    ecc_point *wrsk;
    uint8_t imsg[1024];        /* an I_MESSAGE from this peer to the receiver */
    size_t imsg_len;
} sakke_peer;

typedef struct sakke_bench {
    uint8_t z[128], zt[257], ksak[32];
    mcsec_sakke_kms_params *params;
    mcsec_sakke_validator *validator; /* per-KMS Miller lines of P and Z_T */
    SakkeKey wkms;
    sakke_peer peer[MAX_PEERS];
    mcsec_mikey_kms kms;
    uint8_t recv_rsk[257];
    mcsec_sakke_rsk_key *recv_key; /* the receiver's prepared RSK (mikey_open uses it) */
    const char *recv_uri;
    ecc_point *wtmp;
} sakke_bench;

static const uint8_t bench_ssv[16] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
                                       0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0 };

static int m_sakke_encap(void *c, int i)
{
    sakke_bench *b = c;
    uint8_t sed[273];
    return mcsec_sakke_encapsulate_params(sed, b->params, b->peer[i].id, 32, bench_ssv);
}

static int w_sakke_encap(void *c, int i)
{
    sakke_bench *b = c;
    uint8_t h[16], auth[300];
    word16 asz = sizeof auth;
    memcpy(h, bench_ssv, 16); /* wolfSSL encrypts the SSV in place */
    return wc_MakeSakkeEncapsulatedSSV(&b->peer[i].wcli, WC_HASH_TYPE_SHA256, h, 16, auth, &asz);
}

static int m_sakke_decap(void *c, int i)
{
    sakke_bench *b = c;
    uint8_t ssv[16];
    return mcsec_sakke_decapsulate_key(ssv, b->peer[i].rkey, b->peer[i].sed);
}

static int w_sakke_decap(void *c, int i)
{
    sakke_bench *b = c;
    uint8_t ssv[16];
    memcpy(ssv, b->peer[i].sed + 257, 16);
    return wc_DeriveSakkeSSV(&b->peer[i].wcli, WC_HASH_TYPE_SHA256, ssv, 16, b->peer[i].sed, 257);
}

static int m_sakke_validate(void *c, int i)
{
    sakke_bench *b = c;
    return mcsec_sakke_validate_rsk_prepared(b->validator, b->peer[i].id, 32, b->peer[i].rsk);
}

static int w_sakke_validate(void *c, int i)
{
    sakke_bench *b = c;
    int valid = 0;
    if (wc_ValidateSakkeRsk(&b->peer[i].wcli, b->peer[i].id, 32, b->peer[i].wrsk, &valid) != 0)
        return -1;
    return valid ? 0 : -1;
}

static int m_sakke_issue(void *c, int i)
{
    sakke_bench *b = c;
    uint8_t rsk[257];
    return mcsec_sakke_kms_issue(rsk, b->z, b->peer[i].id, 32);
}

static int w_sakke_issue(void *c, int i)
{
    sakke_bench *b = c;
    return wc_MakeSakkeRsk(&b->wkms, b->peer[i].id, 32, b->wtmp);
}

static int m_mikey_open(void *c, int i)
{
    sakke_bench *b = c;
    mcsec_mikey_open_params p = { .own_uri = b->recv_uri, .own_kms = &b->kms, .rsk_key = b->recv_key,
                                  .now_ntp = T0, .window = 300 };
    mcsec_mikey_opened o;
    mcsec_err e = mcsec_mikey_open(&o, b->peer[i].imsg, b->peer[i].imsg_len, &p);
    mcsec_mikey_opened_wipe(&o);
    return e;
}

static int uid_of(uint8_t uid[32], const char *uri, const mcsec_mikey_kms *kms)
{
    uint64_t period;
    return mcsec_uid_period_no(&period, T0, kms->period_len, kms->period_offset) ||
           mcsec_uid_compute(uid, uri, strlen(uri), kms->uri, strlen(kms->uri), kms->period_len,
                             kms->period_offset, period);
}

static int sakke_setup(sakke_bench *b, WC_RNG *rng)
{
    word32 sz = 128;
    b->params = malloc(sizeof *b->params);
    b->validator = malloc(sizeof *b->validator);
    b->wtmp = wc_ecc_new_point();
    if (!b->params || !b->validator || !b->wtmp || mcsec_sakke_kms_keygen(b->z, b->zt, NULL) != MCSEC_OK ||
        mcsec_sakke_kms_params_init(b->params, b->zt) != MCSEC_OK ||
        mcsec_sakke_validator_init(b->validator, b->params) != MCSEC_OK ||
        mcsec_eccsi_kms_keygen(b->ksak, b->kms.kpak, NULL) != MCSEC_OK)
        return -1;
    if (wc_InitSakkeKey_ex(&b->wkms, 128, ECC_SAKKE_1, NULL, INVALID_DEVID) != 0 ||
        wc_ImportSakkePrivateKey(&b->wkms, b->z, sz) != 0)
        return -1;
    b->kms.uri = "kms.example.org";
    b->kms.period_len = 2592000;
    memcpy(b->kms.zt, b->zt, 257);
    b->recv_uri = "sip:receiver@example.org";
    uint8_t recv_uid[32];
    b->recv_key = malloc(sizeof *b->recv_key);
    if (!b->recv_key || uid_of(recv_uid, b->recv_uri, &b->kms) ||
        mcsec_sakke_kms_issue(b->recv_rsk, b->z, recv_uid, 32) ||
        mcsec_sakke_rsk_key_init(b->recv_key, b->params, recv_uid, 32, b->recv_rsk))
        return -1;
    for (int i = 0; i < MAX_PEERS; i++) {
        sakke_peer *p = &b->peer[i];
        char uri[64];
        snprintf(uri, sizeof uri, "sip:user%02d@example.org", i);
        if (uid_of(p->id, uri, &b->kms))
            return -1;
        p->rkey = malloc(sizeof *p->rkey);
        p->wrsk = wc_ecc_new_point();
        if (!p->rkey || !p->wrsk || wc_RNG_GenerateBlock(rng, p->ssv, 16) != 0 ||
            mcsec_sakke_kms_issue(p->rsk, b->z, p->id, 32) != MCSEC_OK ||
            mcsec_sakke_encapsulate(p->sed, b->zt, p->id, 32, p->ssv) != MCSEC_OK ||
            mcsec_sakke_rsk_key_init(p->rkey, b->params, p->id, 32, p->rsk) != MCSEC_OK)
            return -1;
        if (wc_InitSakkeKey_ex(&p->wcli, 128, ECC_SAKKE_1, NULL, INVALID_DEVID) != 0 ||
            wc_ImportSakkePublicKey(&p->wcli, b->zt, 257, 1) != 0 ||
            wc_SetSakkeIdentity(&p->wcli, p->id, 32) != 0 ||
            wc_DecodeSakkeRsk(&p->wcli, p->rsk, 257, p->wrsk) != 0 ||
            wc_SetSakkeRsk(&p->wcli, p->wrsk, NULL, 0) != 0)
            return -1;
        /* an I_MESSAGE (PCK) from this peer to the receiver */
        uint8_t ssk[32], pvt[65], key[16];
        uint32_t kid = 0x10000000u | (uint32_t)i;
        memcpy(key, p->ssv, 16);
        mcsec_mikey_create_params cp = { .type = MCSEC_KEY_PURPOSE_PCK, .key = key, .key_id = kid,
                                         .initiator = uri, .responder = b->recv_uri, .kms_i = &b->kms,
                                         .kms_r = &b->kms, .ssk = ssk, .pvt = pvt, .ntp_time = T0 };
        p->imsg_len = sizeof p->imsg;
        if (mcsec_eccsi_kms_issue(ssk, pvt, NULL, b->ksak, p->id, 32, NULL) != MCSEC_OK ||
            mcsec_mikey_create(p->imsg, &p->imsg_len, &cp, NULL) != MCSEC_OK)
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

static const char *only_op; /* --only NAME: measure that row only */

static void measure(const char *op, op_fn m, op_fn w, void *ctx)
{
    if (only_op && strcmp(only_op, op) != 0)
        return;
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
        } else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
            only_op = argv[++i];
        } else {
            fprintf(stderr, "usage: mcsec-bench [--json] [--seconds S] [--only OP]\n"
                            "  median µs/op of mcsec and libwolfssl, 1 and 64 peers in turn;\n"
                            "  S is the time budget per row and library (default 0.4);\n"
                            "  OP measures one operation only (e.g. sakke_decap)\n");
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
    static sakke_bench sb;
    if (sakke_setup(&sb, &eb.rng) != 0) {
        fprintf(stderr, "mcsec-bench: SAKKE setup failed\n");
        return 2;
    }
    measure("sakke_encap", m_sakke_encap, w_sakke_encap, &sb);
    measure("sakke_decap", m_sakke_decap, w_sakke_decap, &sb);
    measure("sakke_rsk_validate", m_sakke_validate, w_sakke_validate, &sb);
    measure("sakke_rsk_issue", m_sakke_issue, w_sakke_issue, &sb);
    measure("mikey_open", m_mikey_open, NULL, &sb);
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
