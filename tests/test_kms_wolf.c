/* What mcsec-kmsd serves, checked by an independent implementation: the KMS
 * handler (in process) provisions key sets, the XML goes through the parser,
 * the UID is recomputed here from the F.2.1 definition with OpenSSL's
 * SHA-256 (not src/uid), and libwolfssl validates SSK/PVT against KPAK and the
 * RSK against Z_T for that UID. A key served for another identity or period
 * must fail wolfSSL's validation. */
/* OpenSSL first: wolfSSL's options.h defines macros that hide parts of it */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/eccsi.h>
#include <wolfssl/wolfcrypt/sakke.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mcsec/jwt.h"
#include "mcsec/kms.h"
#include "mcsec/kmsxml.h"
#include "testutil.h"

#define NTP_OFFSET 2208988800ULL

/* TS 33.180 F.2.1: SHA-256(0x00 || "MIKEY-SAKKE-UID" || 0x000F || P1 || L1 ..
 * P5 || L5), integers in minimal big-endian octets, lengths 2 octets. */
static void uid_f21(uint8_t out[32], const char *uri, const char *kms, uint64_t len, uint64_t off, uint64_t no)
{
    uint8_t b[1024];
    size_t n = 0;
    b[n++] = 0x00;
    memcpy(b + n, "MIKEY-SAKKE-UID", 15);
    n += 15;
    b[n++] = 0x00;
    b[n++] = 0x0F;
    const char *s[2] = { uri, kms };
    for (int i = 0; i < 2; i++) {
        size_t l = strlen(s[i]);
        memcpy(b + n, s[i], l);
        n += l;
        b[n++] = (uint8_t)(l >> 8);
        b[n++] = (uint8_t)l;
    }
    uint64_t v[3] = { len, off, no };
    for (int i = 0; i < 3; i++) {
        uint8_t t[8];
        int k = 0;
        for (int j = 7; j >= 0; j--) {
            uint8_t o = (uint8_t)(v[i] >> (8 * j));
            if (k > 0 || o != 0 || j == 0)
                t[k++] = o;
        }
        memcpy(b + n, t, (size_t)k);
        n += (size_t)k;
        b[n++] = 0;
        b[n++] = (uint8_t)k;
    }
    SHA256(b, n, out);
}

static int wolf_eccsi(const uint8_t kpak[65], const uint8_t uid[32], const uint8_t ssk[32], const uint8_t pvt[65])
{
    EccsiKey k;
    mp_int s;
    ecc_point *p = NULL;
    int valid = 0, ok = wc_InitEccsiKey(&k, NULL, INVALID_DEVID) == 0;
    ok = ok && mp_init(&s) == 0 && (p = wc_ecc_new_point()) != NULL;
    ok = ok && wc_ImportEccsiPublicKey(&k, kpak, 65, 1) == 0;
    ok = ok && wc_DecodeEccsiSsk(&k, ssk, 32, &s) == 0 && wc_DecodeEccsiPvt(&k, pvt, 65, p) == 0;
    ok = ok && wc_ValidateEccsiPair(&k, WC_HASH_TYPE_SHA256, uid, 32, &s, p, &valid) == 0;
    mp_forcezero(&s);
    wc_ecc_del_point(p);
    wc_FreeEccsiKey(&k);
    return ok && valid;
}

static int wolf_sakke(const uint8_t zt[257], const uint8_t uid[32], const uint8_t rsk[257])
{
    SakkeKey c;
    ecc_point *p = wc_ecc_new_point();
    int valid = 0, ok = p != NULL && wc_InitSakkeKey_ex(&c, 128, ECC_SAKKE_1, NULL, INVALID_DEVID) == 0;
    ok = ok && wc_ImportSakkePublicKey(&c, zt, 257, 1) == 0;
    ok = ok && wc_DecodeSakkeRsk(&c, rsk, 257, p) == 0;
    ok = ok && wc_ValidateSakkeRsk(&c, uid, 32, p, &valid) == 0;
    wc_ecc_del_point(p);
    wc_FreeSakkeKey(&c);
    return ok && valid;
}

int main(void)
{
    char dir[] = "/tmp/mcsec-test-kmswolf-XXXXXX", db[128], mk[128], pub[1024], priv[1024];
    TU_CHECK(mkdtemp(dir) != NULL);
    snprintf(db, sizeof db, "%s/kms.db", dir);
    snprintf(mk, sizeof mk, "%s/master.key", dir);
    EVP_PKEY *k = EVP_EC_gen("P-256");
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(b, k);
    pub[BIO_read(b, pub, sizeof pub - 1)] = 0;
    BIO_free(b);
    b = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
    priv[BIO_read(b, priv, sizeof priv - 1)] = 0;
    BIO_free(b);
    EVP_PKEY_free(k);

    mcsec_kms_config cfg = { .db_path = db, .master_key_path = mk, .kms_uri = "kms.example.org",
                             .period_len = 2592000, .idm_issuer = "iss", .idm_audience = "aud",
                             .idm_key_pem = pub, .idm_key_pem_len = strlen(pub) };
    mcsec_kms_server *s = NULL;
    mcsec_jwt_key *jk = NULL;
    TU_CHECK_ERR(mcsec_kms_server_open(&s, &cfg), MCSEC_OK);
    TU_CHECK_ERR(mcsec_jwt_key_load_pem(&jk, priv, strlen(priv), 1), MCSEC_OK);
    uint8_t kpak[65], zt[257];
    TU_CHECK_ERR(mcsec_kms_server_public(s, kpak, zt), MCSEC_OK);
    mcsec_kms_response *r = calloc(1, sizeof *r);
    const char *users[] = { "sip:alice@example.org", "sip:bob@example.org", "tel:+491701234567" };
    int served = 0;
    for (size_t u = 0; s != NULL && jk != NULL && u < 3; u++) {
        char tok[2048], auth[2100];
        size_t n = sizeof tok;
        mcsec_jwt_mint m = { .issuer = "iss", .audience = "aud", .identity_claim = "mcptt_id",
                             .identity = users[u], .iat = (int64_t)time(NULL), .ttl = 600 };
        TU_CHECK_ERR(mcsec_jwt_sign(tok, &n, jk, &m, NULL), MCSEC_OK);
        snprintf(auth, sizeof auth, "Bearer %s", tok);
        mcsec_kms_reply rep;
        TU_CHECK_ERR(mcsec_kms_server_handle(s, &rep, "POST", "/keymanagement/identity/v1/keyprov", auth, NULL, 0),
                     MCSEC_OK);
        TU_CHECK(rep.status == 200);
        TU_CHECK_ERR(mcsec_kmsxml_response_parse(r, rep.body, rep.body_len), MCSEC_OK);
        mcsec_kms_reply_free(&rep);
        TU_CHECK(r->n_keysets == 2);
        for (size_t i = 0; i < r->n_keysets; i++) {
            const mcsec_kms_keyset *ks = &r->keysets[i];
            uint8_t uid[32];
            uid_f21(uid, users[u], "kms.example.org", 2592000, 0, ks->key_period_no);
            TU_CHECK_MEM(ks->user_id, uid, 32);
            TU_CHECK(ks->valid_from == (int64_t)(ks->key_period_no * 2592000 - NTP_OFFSET));
            TU_CHECK(wolf_eccsi(kpak, uid, ks->ssk, ks->pvt));
            TU_CHECK(wolf_sakke(zt, uid, ks->rsk));
            /* the same keys under the next period's UID must fail */
            uint8_t other[32];
            uid_f21(other, users[u], "kms.example.org", 2592000, 0, ks->key_period_no + 1);
            TU_CHECK(!wolf_eccsi(kpak, other, ks->ssk, ks->pvt));
            TU_CHECK(!wolf_sakke(zt, other, ks->rsk));
            served++;
        }
    }
    TU_CHECK(served == 6);
    mcsec_kms_response_wipe(r);
    free(r);
    mcsec_jwt_key_free(jk);
    mcsec_kms_server_close(s);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    TU_CHECK(system(cmd) == 0);
    return tu_finish("test_kms_wolf");
}
