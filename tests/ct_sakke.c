/* "ctgrind": runs the secret-handling SAKKE code with the secrets marked as
 * undefined memory for valgrind's memcheck, which then reports every
 * conditional branch and every memory address that depends on them
 * (A. Langley's technique). Registered to run under
 *   valgrind --error-exitcode=1 --track-origins=yes
 * so any such report fails the test. Without valgrind the client requests
 * are no-ops and the program only checks results.
 *
 * Legitimately public results (the returned status, the success of the
 * decapsulation TEST, the outputs that are sent on the wire) are marked
 * defined again before the test branches on them. */
#include <string.h>
#include <valgrind/memcheck.h>

#include "mcsec/sakke.h"

#include "math/ec1024.h"
#include "math/fp2.h"
#include "math/pairing.h"
#include "math/safegcd.h"
#include "math/sakke_tables.h"
#include "math/scalar1024.h"
#include "sakke/sakke_internal.h"
#include "testutil.h"

#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED((p), (n))
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))

static mcsec_sakke_kms_params params;
static mcsec_sakke_rsk_key key;
static mcsec_sakke_validator val;
static pairing_table tbl;

static mcsec_err public_err(mcsec_err e)
{
    PUBLIC(&e, sizeof e);
    return e;
}

int main(void)
{
    /* a fixed KMS and receiver (set up with everything public) */
    uint8_t z[128] = { 0 }, zt[257], id[32], rsk[257], ssv[16], sed[273], out[273], s2[16];
    for (int i = 0; i < 128; i++)
        z[i] = (uint8_t)(0x11 * i + 3);
    z[0] = 0x12; /* < q */
    memset(id, 0x5a, sizeof id);
    for (int i = 0; i < 16; i++)
        ssv[i] = (uint8_t)(0xa5 ^ i);
    TU_CHECK_ERR(mcsec_sakke_kms_public(zt, z), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_kms_issue(rsk, z, id, sizeof id), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_kms_params_init(&params, zt), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_rsk_key_init(&key, &params, id, sizeof id, rsk), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_encapsulate(sed, zt, id, sizeof id, ssv), MCSEC_OK);

    /* KMS: z secret */
    uint8_t rsk2[257], zt2[257];
    SECRET(z, sizeof z);
    TU_CHECK_ERR(public_err(mcsec_sakke_kms_issue(rsk2, z, id, sizeof id)), MCSEC_OK);
    TU_CHECK_ERR(public_err(mcsec_sakke_kms_public(zt2, z)), MCSEC_OK);
    PUBLIC(z, sizeof z);
    PUBLIC(rsk2, sizeof rsk2);
    PUBLIC(zt2, sizeof zt2);
    TU_CHECK_MEM(rsk2, rsk, 257);
    TU_CHECK_MEM(zt2, zt, 257);

    /* sender: SSV secret (hence r, R's computation, g^r, the mask) */
    SECRET(ssv, sizeof ssv);
    TU_CHECK_ERR(public_err(mcsec_sakke_encapsulate(out, zt, id, sizeof id, ssv)), MCSEC_OK);
    PUBLIC(out, sizeof out);
    TU_CHECK_MEM(out, sed, 273);
    TU_CHECK_ERR(public_err(mcsec_sakke_encapsulate_params(out, &params, id, sizeof id, ssv)),
                 MCSEC_OK);
    PUBLIC(out, sizeof out);
    TU_CHECK_MEM(out, sed, 273);
    PUBLIC(ssv, sizeof ssv);

    /* receiver: RSK secret (byte-level), the pairing table secret (key) */
    SECRET(rsk, sizeof rsk);
    TU_CHECK_ERR(public_err(mcsec_sakke_decapsulate(s2, zt, id, sizeof id, rsk, sed)), MCSEC_OK);
    PUBLIC(s2, sizeof s2);
    TU_CHECK_MEM(s2, ssv, 16);
    out[0] = sed[0];
    memcpy(out, sed, 273);
    out[260] ^= 1; /* failing TEST: same code path, status still public */
    TU_CHECK_ERR(public_err(mcsec_sakke_decapsulate(s2, zt, id, sizeof id, rsk, out)),
                 MCSEC_ERR_DECAP);
    TU_CHECK_ERR(public_err(mcsec_sakke_validate_rsk(zt, id, sizeof id, rsk)), MCSEC_OK);
    /* the per-KMS validation: [a]K with a public a, two tables at K, [a]K */
    PUBLIC(rsk, sizeof rsk);
    TU_CHECK_ERR(mcsec_sakke_validator_init(&val, &params), MCSEC_OK);
    SECRET(rsk, sizeof rsk);
    TU_CHECK_ERR(public_err(mcsec_sakke_validate_rsk_prepared(&val, id, sizeof id, rsk)), MCSEC_OK);
    rsk[200] ^= 1; /* off the curve: the same code path, the status public */
    TU_CHECK_ERR(public_err(mcsec_sakke_validate_rsk_prepared(&val, id, sizeof id, rsk)), MCSEC_ERR_POINT);
    rsk[200] ^= 1;
    PUBLIC(rsk, sizeof rsk);

    sakke_rsk_int *ki = (sakke_rsk_int *)(void *)&key;
    SECRET(&ki->tbl, sizeof ki->tbl);
    TU_CHECK_ERR(public_err(mcsec_sakke_decapsulate_key(s2, &key, sed)), MCSEC_OK);
    PUBLIC(s2, sizeof s2);
    TU_CHECK_MEM(s2, ssv, 16);
    TU_CHECK_ERR(public_err(mcsec_sakke_decapsulate_key(s2, &key, out)), MCSEC_ERR_DECAP);
    PUBLIC(&ki->tbl, sizeof ki->tbl);

    /* the building blocks directly */
    ec_aff K, B, r1;
    uint8_t enc[257];
    TU_CHECK(ec_decode(&K, rsk) != 0);
    sc1024 k;
    memcpy(k.v, sc1024_q.m, sizeof k.v);
    k.v[0] -= 77;
    k.v[7] ^= 0x1234;
    /* the RSK precomputation (Miller loop over a secret point, batch
     * inversions, order check) */
    SECRET(&K, sizeof K);
    uint64_t ok = pairing_table_init(&tbl, &K);
    PUBLIC(&ok, sizeof ok);
    TU_CHECK(ok != 0);
    fp w;
    pairing(&w, &sakke_P, &K); /* direct pairing with a secret second point */
    ok = pairing(&w, &K, &sakke_P); /* ... and a secret first point */
    PUBLIC(&ok, sizeof ok);
    TU_CHECK(ok != 0);
    PUBLIC(&K, sizeof K);
    /* constant-time ladder: secret scalar, then secret base too */
    SECRET(&k, sizeof k);
    ok = ec_mul_ct(&r1, &sakke_P, k.v);
    PUBLIC(&ok, sizeof ok);
    TU_CHECK(ok != 0);
    B = K;
    SECRET(&B, sizeof B);
    ok = ec_mul_ct(&r1, &B, k.v);
    PUBLIC(&ok, sizeof ok);
    /* fixed-base combs and PF_p exponentiations with secret exponents */
    ec_proj pr;
    ec_comb_mul(&pr, &sakke_comb_P, k.v);
    fp2 x, y;
    pfp_comb_pow(&x, &sakke_comb_g, k.v);
    y.a = sakke_P.x;
    y.b = sakke_P.y;
    SECRET(&y, sizeof y);
    fp2_pow_ct(&x, &y, k.v);
    fp rep;
    fp2_pfp_rep(&rep, &x);
    /* inversions and scalar arithmetic */
    sc1024 t;
    sc1024_inv(&t, &k);
    sc1024_mul(&t, &t, &k);
    PUBLIC(&t, sizeof t);
    TU_CHECK(t.v[0] == 1);
    fp f;
    fp_inv(&f, &y.a);
    ec_encode(enc, &r1);
    PUBLIC(&k, sizeof k);
    (void)enc;
    (void)rep;
    (void)w;

    mcsec_sakke_rsk_key_wipe(&key);
    return tu_finish("ct_sakke");
}
