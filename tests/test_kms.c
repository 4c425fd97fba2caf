/* The KMS in process: the worked provisioning example from data, then the
 * request handler with real tokens: every endpoint and every refusal, the
 * store across restarts, and the client-side validation of served keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "mcsec/eccsi.h"
#include "mcsec/jwt.h"
#include "mcsec/kms.h"
#include "mcsec/kmsclient.h"
#include "mcsec/kmsxml.h"
#include "mcsec/sakke.h"
#include "mcsec/uid.h"
#include "testutil.h"

#define KMS_URI "kms.example.org"
#define ALICE "sip:alice@example.org"
#define BOB "sip:bob@example.org"
#define CAROL "sip:carol@example.org"
#define ISS "https://idm.example.org"
#define AUD "mcsec-kms"
#define T0 1700000000 /* the fixed clock of these tests */

static int64_t clock_now = T0;
static int64_t test_clock(void *ctx)
{
    (void)ctx;
    return clock_now;
}

/* ---- the worked example (uid-and-kms.md §4.9) ------------------------------ */

static void test_worked_example(void)
{
    tu_vectors *v = tu_vectors_load("kms_worked_example.txt");
    size_t s = tu_vectors_find(v, "keyprov");
    const char *user = tu_vectors_get(v, s, "user"), *kms = tu_vectors_get(v, s, "kms_uri");
    uint64_t plen = strtoull(tu_vectors_get(v, s, "period_len"), NULL, 10);
    uint64_t poff = strtoull(tu_vectors_get(v, s, "period_offset"), NULL, 10);
    uint64_t pno = strtoull(tu_vectors_get(v, s, "period_no"), NULL, 10);
    uint8_t ksak[32] = { 0 }, z[128] = { 0 }, vv[32] = { 0 }, tmp[128];
    size_t n = tu_vectors_hex(v, s, "ksak", tmp, sizeof tmp);
    memcpy(ksak + 32 - n, tmp, n);
    n = tu_vectors_hex(v, s, "z", tmp, sizeof tmp);
    memcpy(z + 128 - n, tmp, n);
    n = tu_vectors_hex(v, s, "v", tmp, sizeof tmp);
    memcpy(vv + 32 - n, tmp, n);
    uint8_t uid_w[32], rsk_w[257], pvt_w[65], hs_w[32], ssk_w[32];
    tu_vectors_hex(v, s, "uid", uid_w, 32);
    tu_vectors_hex(v, s, "rsk", rsk_w, 257);
    tu_vectors_hex(v, s, "pvt", pvt_w, 65);
    tu_vectors_hex(v, s, "hs", hs_w, 32);
    tu_vectors_hex(v, s, "ssk", ssk_w, 32);

    uint8_t uid[32], rsk[257], ssk[32], pvt[65], hs[32];
    TU_CHECK_ERR(mcsec_uid_compute(uid, user, strlen(user), kms, strlen(kms), plen, poff, pno), MCSEC_OK);
    TU_CHECK_MEM(uid, uid_w, 32);
    TU_CHECK_ERR(mcsec_sakke_kms_issue(rsk, z, uid, 32), MCSEC_OK);
    TU_CHECK_MEM(rsk, rsk_w, 257);
    tu_fixed_rng fr = { .chunks = { vv }, .lens = { 32 }, .count = 1 };
    mcsec_rng rng = { tu_fixed_rng_fill, &fr };
    TU_CHECK_ERR(mcsec_eccsi_kms_issue(ssk, pvt, hs, ksak, uid, 32, &rng), MCSEC_OK);
    TU_CHECK_MEM(pvt, pvt_w, 65);
    TU_CHECK_MEM(hs, hs_w, 32);
    TU_CHECK_MEM(ssk, ssk_w, 32);

    /* the client-side validation accepts exactly this key set */
    mcsec_kms_cert cert;
    memset(&cert, 0, sizeof cert);
    strcpy(cert.kms_uri, kms);
    strcpy(cert.user_id_format, "2");
    cert.user_key_period = plen;
    cert.user_key_offset = poff;
    TU_CHECK_ERR(mcsec_eccsi_kms_public(cert.pub_auth_key, ksak), MCSEC_OK);
    TU_CHECK_ERR(mcsec_sakke_kms_public(cert.pub_enc_key, z), MCSEC_OK);
    mcsec_kms_keyset ks;
    memset(&ks, 0, sizeof ks);
    strcpy(ks.kms_uri, kms);
    strcpy(ks.user_uri, user);
    memcpy(ks.user_id, uid, 32);
    ks.key_period_no = pno;
    ks.has_valid_from = ks.has_valid_to = 1;
    ks.valid_from = (int64_t)(pno * plen + poff) - (int64_t)MCSEC_NTP_UNIX_OFFSET;
    ks.valid_to = ks.valid_from + (int64_t)plen;
    memcpy(ks.rsk, rsk, 257);
    memcpy(ks.ssk, ssk, 32);
    memcpy(ks.pvt, pvt, 65);
    TU_CHECK_ERR(mcsec_kms_keyset_validate(&ks, &cert, user), MCSEC_OK);
    TU_CHECK_ERR(mcsec_kms_keyset_validate(&ks, &cert, "sip:other@example.org"), MCSEC_ERR_RECIPIENT);
    mcsec_kms_keyset bad = ks;
    bad.key_period_no++; /* UID no longer matches */
    TU_CHECK_ERR(mcsec_kms_keyset_validate(&bad, &cert, user), MCSEC_ERR_KEY_INVALID);
    bad = ks;
    bad.valid_to++;
    TU_CHECK_ERR(mcsec_kms_keyset_validate(&bad, &cert, user), MCSEC_ERR_KEY_INVALID);
    bad = ks;
    bad.rsk[100] ^= 1;
    TU_CHECK(mcsec_kms_keyset_validate(&bad, &cert, user) != MCSEC_OK);
    bad = ks;
    bad.ssk[31] ^= 1;
    TU_CHECK_ERR(mcsec_kms_keyset_validate(&bad, &cert, user), MCSEC_ERR_KEY_INVALID);
    bad = ks;
    bad.has_revoked = bad.revoked = 1;
    TU_CHECK_ERR(mcsec_kms_keyset_validate(&bad, &cert, user), MCSEC_ERR_REVOKED);
    tu_vectors_free(v);
}

/* ---- the server --------------------------------------------------------------- */

static char dir[] = "/tmp/mcsec-test-kms-XXXXXX";
static char db_path[128], mk_path[128];
static char idm_pub[1024], idm_priv[1024];
static mcsec_jwt_key *idm_key;

static void make_idm_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    TU_CHECK(k != NULL);
    BIO *b = BIO_new(BIO_s_mem());
    TU_CHECK(PEM_write_bio_PUBKEY(b, k) == 1);
    int n = BIO_read(b, idm_pub, sizeof idm_pub - 1);
    idm_pub[n > 0 ? n : 0] = 0;
    BIO_free(b);
    b = BIO_new(BIO_s_mem());
    TU_CHECK(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) == 1);
    n = BIO_read(b, idm_priv, sizeof idm_priv - 1);
    idm_priv[n > 0 ? n : 0] = 0;
    BIO_free(b);
    EVP_PKEY_free(k);
    TU_CHECK_ERR(mcsec_jwt_key_load_pem(&idm_key, idm_priv, strlen(idm_priv), 1), MCSEC_OK);
}

static void mint(char *out, size_t cap, const char *id, const char *iss, const char *aud, int64_t iat,
                 int64_t ttl)
{
    mcsec_jwt_mint m = { .issuer = iss, .audience = aud, .identity_claim = "mcptt_id", .identity = id,
                         .scope = "openid 3gpp:mcptt:key_management_server", .iat = iat, .ttl = ttl };
    size_t n = cap;
    TU_CHECK_ERR(mcsec_jwt_sign(out, &n, idm_key, &m, NULL), MCSEC_OK);
}

static mcsec_kms_config base_config(void)
{
    mcsec_kms_config c = {
        .db_path = db_path, .master_key_path = mk_path, .kms_uri = KMS_URI, .period_len = 86400,
        .idm_issuer = ISS, .idm_audience = AUD, .idm_key_pem = idm_pub, .idm_key_pem_len = strlen(idm_pub),
        .required_scope = "3gpp:mcptt:key_management_server", .now = test_clock,
    };
    return c;
}

/* One request; returns the status and parses the body into resp when given. */
static int call(mcsec_kms_server *s, mcsec_kms_response *resp, const char *method, const char *path,
                const char *token, const char *body)
{
    char auth[4096];
    if (token != NULL)
        snprintf(auth, sizeof auth, "Bearer %s", token);
    mcsec_kms_reply r;
    TU_CHECK_ERR(mcsec_kms_server_handle(s, &r, method, path, token ? auth : NULL, (const uint8_t *)body,
                                         body ? strlen(body) : 0),
                 MCSEC_OK);
    int st = r.status;
    if (resp != NULL && r.body != NULL && strncmp(r.content_type, "application/xml", 15) == 0)
        TU_CHECK_ERR(mcsec_kmsxml_response_parse(resp, r.body, r.body_len), MCSEC_OK);
    mcsec_kms_reply_free(&r);
    return st;
}

static char *request_xml(const char *user, const char *kms, const char *path, int64_t t, const char *peer)
{
    mcsec_kms_request rq;
    memset(&rq, 0, sizeof rq);
    strcpy(rq.user_uri, user);
    strcpy(rq.kms_uri, kms);
    snprintf(rq.client_req_url, sizeof rq.client_req_url, "https://kms.example.org:8443%s", path);
    rq.time = t;
    if (peer != NULL) {
        rq.has_cek_peer = 1;
        strcpy(rq.cek_peer, peer);
    }
    static char buf[8192];
    size_t n = sizeof buf - 1;
    TU_CHECK_ERR(mcsec_kmsxml_request_build((uint8_t *)buf, &n, &rq), MCSEC_OK);
    buf[n] = 0;
    return buf;
}

static void b64url(char *out, const uint8_t *in, size_t n)
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = a[v >> 18 & 63];
        out[o++] = a[v >> 12 & 63];
        if (i + 1 < n)
            out[o++] = a[v >> 6 & 63];
        if (i + 2 < n)
            out[o++] = a[v & 63];
    }
    out[o] = 0;
}

/* A token with a forged header: alg "none" or HS256 keyed with the IdM's
 * public key PEM (the classic algorithm-confusion attack). */
static void forged(char *out, const char *alg, const char *id)
{
    char h[128], p[512], hb[256], pb[1024];
    snprintf(h, sizeof h, "{\"alg\":\"%s\",\"typ\":\"JWT\"}", alg);
    snprintf(p, sizeof p,
             "{\"iss\":\"%s\",\"aud\":\"%s\",\"mcptt_id\":\"%s\",\"scope\":\"3gpp:mcptt:key_management_server\","
             "\"iat\":%d,\"nbf\":%d,\"exp\":%d}",
             ISS, AUD, id, T0, T0, T0 + 3600);
    b64url(hb, (const uint8_t *)h, strlen(h));
    b64url(pb, (const uint8_t *)p, strlen(p));
    int n = sprintf(out, "%s.%s.", hb, pb);
    if (strcmp(alg, "HS256") == 0) {
        uint8_t mac[32];
        unsigned ml = 32;
        HMAC(EVP_sha256(), idm_pub, (int)strlen(idm_pub), (const uint8_t *)out, (size_t)n - 1, mac, &ml);
        b64url(out + n, mac, 32);
    }
}

#define P_INIT "/keymanagement/identity/v1/init"
#define P_KEYPROV "/keymanagement/identity/v1/keyprov"
#define P_CERTCACHE "/keymanagement/identity/v1/certcache"
#define P_CEK "/keymanagement/identity/v1/cek"

static void test_server(void)
{
    TU_CHECK(mkdtemp(dir) != NULL);
    snprintf(db_path, sizeof db_path, "%s/kms.db", dir);
    snprintf(mk_path, sizeof mk_path, "%s/master.key", dir);
    make_idm_key();
    mcsec_kms_config cfg = base_config();
    mcsec_kms_server *s = NULL;
    TU_CHECK_ERR(mcsec_kms_server_open(&s, &cfg), MCSEC_OK);
    if (s == NULL)
        return;
    struct stat st;
    TU_CHECK(stat(mk_path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 32);
    uint8_t kpak[65], zt[257];
    TU_CHECK_ERR(mcsec_kms_server_public(s, kpak, zt), MCSEC_OK);

    char ta[2048], tb[2048], tc[2048], tok[2048];
    mint(ta, sizeof ta, ALICE, ISS, AUD, T0, 3600);
    mint(tb, sizeof tb, BOB, ISS, AUD, T0, 3600);
    mint(tc, sizeof tc, CAROL, ISS, AUD, T0, 3600);
    mcsec_kms_response *r = calloc(1, sizeof *r);

    /* KmsInit: the certificate carries this domain's public keys */
    TU_CHECK(call(s, r, "POST", P_INIT, ta, request_xml(ALICE, KMS_URI, P_INIT, T0, NULL)) == 200);
    TU_CHECK(r->kind == MCSEC_KMSXML_INIT);
    TU_CHECK(strcmp(r->cert.kms_uri, KMS_URI) == 0 && strcmp(r->cert.user_id_format, "2") == 0);
    TU_CHECK(r->cert.user_key_period == 86400 && r->cert.user_key_offset == 0);
    TU_CHECK_MEM(r->cert.pub_auth_key, kpak, 65);
    TU_CHECK_MEM(r->cert.pub_enc_key, zt, 257);
    mcsec_kms_cert cert = r->cert;
    TU_CHECK(call(s, r, "POST", P_INIT, ta, NULL) == 200); /* empty body accepted */

    /* KeyProv: current and next period, valid for alice, stored */
    TU_CHECK(call(s, r, "POST", P_KEYPROV, ta, request_xml(ALICE, KMS_URI, P_KEYPROV, T0, NULL)) == 200);
    TU_CHECK(r->kind == MCSEC_KMSXML_KEYPROV && r->n_keysets == 2);
    uint64_t cur;
    TU_CHECK_ERR(mcsec_uid_period_no(&cur, T0 + MCSEC_NTP_UNIX_OFFSET, 86400, 0), MCSEC_OK);
    TU_CHECK(r->keysets[0].key_period_no == cur && r->keysets[1].key_period_no == cur + 1);
    TU_CHECK_ERR(mcsec_kms_keyset_validate(&r->keysets[0], &cert, ALICE), MCSEC_OK);
    TU_CHECK_ERR(mcsec_kms_keyset_validate(&r->keysets[1], &cert, ALICE), MCSEC_OK);
    mcsec_kms_keyset first = r->keysets[0];
    TU_CHECK(call(s, r, "POST", P_KEYPROV, ta, NULL) == 200);
    TU_CHECK_MEM(r->keysets[0].ssk, first.ssk, 32); /* the stored set, not a new one */
    TU_CHECK_MEM(r->keysets[0].pvt, first.pvt, 65);

    /* by URI, and by time (NTP seconds in the high half of 16 hex digits) */
    TU_CHECK(call(s, r, "POST", P_KEYPROV "/sip%3Aalice%40example.org", ta, NULL) == 200);
    TU_CHECK(r->n_keysets == 2);
    char path[256];
    uint64_t later = (uint64_t)T0 + 10 * 86400 + MCSEC_NTP_UNIX_OFFSET;
    snprintf(path, sizeof path, P_KEYPROV "/sip%%3Aalice%%40example.org/%08llX00000000", (unsigned long long)later);
    TU_CHECK(call(s, r, "POST", path, ta, NULL) == 200);
    TU_CHECK(r->n_keysets == 1 && r->keysets[0].key_period_no == cur + 10);
    TU_CHECK_ERR(mcsec_kms_keyset_validate(&r->keysets[0], &cert, ALICE), MCSEC_OK);

    /* CertCache */
    TU_CHECK(call(s, r, "POST", P_CERTCACHE, ta, NULL) == 200);
    TU_CHECK(r->kind == MCSEC_KMSXML_CERTCACHE && r->n_certs == 1 && r->cache_num == 1);
    TU_CHECK_MEM(r->certs[0].pub_auth_key, kpak, 65);
    TU_CHECK(call(s, r, "POST", P_CERTCACHE "/1", ta, NULL) == 200);
    TU_CHECK(r->n_certs == 0);

    /* KMS-managed CEK: alice creates for bob; bob fetches the same; carol cannot */
    TU_CHECK(call(s, r, "POST", P_CEK, ta, request_xml(ALICE, KMS_URI, P_CEK, T0, BOB)) == 200);
    TU_CHECK(r->kind == MCSEC_KMSXML_CEK && strcmp(r->cek.peer, BOB) == 0);
    mcsec_kms_cek cek = r->cek;
    char cpath[128];
    int o = snprintf(cpath, sizeof cpath, P_CEK "/");
    for (int i = 0; i < 16; i++)
        o += snprintf(cpath + o, sizeof cpath - (size_t)o, "%02x", cek.cek_id[i]);
    TU_CHECK(call(s, r, "POST", cpath, tb, NULL) == 200);
    TU_CHECK_MEM(r->cek.cek, cek.cek, 32);
    TU_CHECK_MEM(r->cek.cek_id, cek.cek_id, 16);
    TU_CHECK(call(s, r, "POST", cpath, tc, NULL) == 403);
    TU_CHECK(r->kind == MCSEC_KMSXML_ERROR);
    TU_CHECK(call(s, r, "POST", P_CEK, ta, NULL) == 400); /* no PeerUri */
    TU_CHECK(call(s, r, "POST", P_CEK "/00112233445566778899aabbccddeeff", tb, NULL) == 404);

    /* refusals: tokens */
    TU_CHECK(call(s, r, "POST", P_KEYPROV, NULL, NULL) == 401);
    strcpy(tok, ta);
    tok[strlen(tok) - 2] ^= 1; /* signature bit */
    TU_CHECK(call(s, r, "POST", P_KEYPROV, tok, NULL) == 401);
    forged(tok, "none", ALICE);
    TU_CHECK(call(s, r, "POST", P_KEYPROV, tok, NULL) == 401);
    forged(tok, "HS256", ALICE);
    TU_CHECK(call(s, r, "POST", P_KEYPROV, tok, NULL) == 401);
    mint(tok, sizeof tok, ALICE, ISS, AUD, T0 - 7200, 3600); /* expired an hour ago */
    TU_CHECK(call(s, r, "POST", P_KEYPROV, tok, NULL) == 401);
    mint(tok, sizeof tok, ALICE, "https://evil.example", AUD, T0, 3600);
    TU_CHECK(call(s, r, "POST", P_KEYPROV, tok, NULL) == 401);
    mint(tok, sizeof tok, ALICE, ISS, "another-service", T0, 3600);
    TU_CHECK(call(s, r, "POST", P_KEYPROV, tok, NULL) == 401);
    /* refusals: another user's keys */
    TU_CHECK(call(s, r, "POST", P_KEYPROV "/sip%3Abob%40example.org", ta, NULL) == 403);
    TU_CHECK(call(s, r, "POST", P_KEYPROV, ta, request_xml(BOB, KMS_URI, P_KEYPROV, T0, NULL)) == 403);
    /* refusals: bodies */
    TU_CHECK(call(s, r, "POST", P_KEYPROV, ta, "<KmsRequest") == 400);
    TU_CHECK(r->kind == MCSEC_KMSXML_ERROR && r->error_code == 400);
    TU_CHECK(call(s, r, "POST", P_KEYPROV, ta, request_xml(ALICE, "kms.other.org", P_KEYPROV, T0, NULL)) == 400);
    TU_CHECK(call(s, r, "POST", P_KEYPROV, ta, request_xml(ALICE, KMS_URI, P_INIT, T0, NULL)) == 400);
    TU_CHECK(call(s, r, "POST", P_KEYPROV, ta, request_xml(ALICE, KMS_URI, P_KEYPROV, T0 - 3600, NULL)) == 400);
    char *big = malloc(MCSEC_KMS_MAX_BODY + 2);
    memset(big, ' ', MCSEC_KMS_MAX_BODY + 1);
    big[MCSEC_KMS_MAX_BODY + 1] = 0;
    TU_CHECK(call(s, r, "POST", P_KEYPROV, ta, big) == 400);
    free(big);
    /* refusals: routes and methods */
    TU_CHECK(call(s, r, "GET", P_KEYPROV, ta, NULL) == 405);
    TU_CHECK(call(s, r, "POST", "/keymanagement/identity/v1/nothing", ta, NULL) == 404);
    TU_CHECK(call(s, r, "POST", P_KEYPROV "/sip%3Aalice%40example.org/XYZ", ta, NULL) == 404);
    /* a period before 1970 cannot be expressed (xsd:dateTime bounds): 400, not a dropped reply */
    TU_CHECK(call(s, r, "POST", P_KEYPROV "/sip%3Aalice%40example.org/32BD643200000020", ta, NULL) == 400);
    TU_CHECK(call(s, r, "POST", "/keymanag\xff\xff/x", ta, NULL) == 404); /* raw octets not echoed */
    TU_CHECK(r->kind == MCSEC_KMSXML_ERROR);

    /* revocation: no more key sets or CEKs; reinstating restores */
    TU_CHECK_ERR(mcsec_kms_store_revoke(db_path, ALICE, 1, T0), MCSEC_OK);
    TU_CHECK(call(s, r, "POST", P_KEYPROV, ta, NULL) == 403);
    TU_CHECK(r->kind == MCSEC_KMSXML_ERROR && strcmp(r->error_msg, "Revoked") == 0);
    TU_CHECK(call(s, r, "POST", P_CEK, ta, request_xml(ALICE, KMS_URI, P_CEK, T0, BOB)) == 403);
    TU_CHECK(call(s, r, "POST", P_KEYPROV, tb, NULL) == 200); /* bob unaffected */
    TU_CHECK_ERR(mcsec_kms_store_revoke(db_path, ALICE, 0, T0), MCSEC_OK);
    TU_CHECK(call(s, r, "POST", P_KEYPROV, ta, NULL) == 200);

    /* CEKs expire */
    clock_now = T0 + 3601;
    mint(tok, sizeof tok, BOB, ISS, AUD, clock_now, 3600);
    TU_CHECK(call(s, r, "POST", cpath, tok, NULL) == 404);
    clock_now = T0;

    /* metrics: text, counts, no secrets */
    mcsec_kms_reply mr;
    TU_CHECK_ERR(mcsec_kms_server_handle(s, &mr, "GET", "/metrics", NULL, NULL, 0), MCSEC_OK);
    TU_CHECK(mr.status == 200 && mr.body != NULL);
    if (mr.body != NULL) {
        char *m = strndup((const char *)mr.body, mr.body_len);
        TU_CHECK(strstr(m, "mcsec_kms_requests_total{endpoint=\"keyprov\",status=\"200\"}") != NULL);
        TU_CHECK(strstr(m, "mcsec_kms_requests_total{endpoint=\"keyprov\",status=\"401\"} 7") != NULL);
        TU_CHECK(strstr(m, "mcsec_kms_request_duration_seconds_count{endpoint=\"keyprov\"}") != NULL);
        free(m);
    }
    mcsec_kms_reply_free(&mr);

    mcsec_kms_store_stats stats;
    TU_CHECK_ERR(mcsec_kms_store_stats_get(&stats, db_path), MCSEC_OK);
    TU_CHECK(stats.keysets == 5); /* alice cur, +1, +10; bob cur, +1 */
    TU_CHECK(stats.ceks == 1 && stats.revoked == 0 && stats.audit_events > 30);
    TU_CHECK_ERR(mcsec_kms_store_check(db_path), MCSEC_OK);
    mcsec_kms_server_close(s);

    /* restart: same domain, same stored key sets */
    TU_CHECK_ERR(mcsec_kms_server_open(&s, &cfg), MCSEC_OK);
    uint8_t kpak2[65], zt2[257];
    TU_CHECK_ERR(mcsec_kms_server_public(s, kpak2, zt2), MCSEC_OK);
    TU_CHECK_MEM(kpak2, kpak, 65);
    TU_CHECK_MEM(zt2, zt, 257);
    TU_CHECK(call(s, r, "POST", P_KEYPROV, ta, NULL) == 200);
    TU_CHECK_MEM(r->keysets[0].ssk, first.ssk, 32);
    mcsec_kms_server_close(s);

    /* a configuration that would change every UID is refused */
    mcsec_kms_config c2 = cfg;
    c2.kms_uri = "kms.other.org";
    TU_CHECK_ERR(mcsec_kms_server_open(&s, &c2), MCSEC_ERR_DENIED);
    c2 = cfg;
    c2.period_len = 3600;
    TU_CHECK_ERR(mcsec_kms_server_open(&s, &c2), MCSEC_ERR_DENIED);
    /* the master key file: another key cannot open the domain; a readable
     * file is refused */
    char mk2[160];
    snprintf(mk2, sizeof mk2, "%s/other.key", dir);
    c2 = cfg;
    c2.master_key_path = mk2;
    TU_CHECK_ERR(mcsec_kms_server_open(&s, &c2), MCSEC_ERR_VERIFY);
    TU_CHECK(chmod(mk_path, 0644) == 0);
    TU_CHECK_ERR(mcsec_kms_server_open(&s, &cfg), MCSEC_ERR_IO);
    TU_CHECK(chmod(mk_path, 0600) == 0);
    c2 = cfg;
    c2.idm_key_pem = "not a key";
    c2.idm_key_pem_len = 9;
    TU_CHECK(mcsec_kms_server_open(&s, &c2) != MCSEC_OK);

    mcsec_kms_response_wipe(r);
    free(r);
    mcsec_jwt_key_free(idm_key);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    TU_CHECK(system(cmd) == 0);
}

static void test_keystore(void)
{
    char d[] = "/tmp/mcsec-test-ks-XXXXXX";
    TU_CHECK(mkdtemp(d) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/store", d);
    mcsec_keystore *ks = calloc(1, sizeof *ks), *back = calloc(1, sizeof *back);
    TU_CHECK_ERR(mcsec_keystore_load(ks, path, NULL, 0), MCSEC_ERR_NOT_FOUND);
    TU_CHECK_ERR(mcsec_keystore_load(ks, path, NULL, 1), MCSEC_OK);
    ks->has_cert = 1;
    strcpy(ks->cert.kms_uri, KMS_URI);
    strcpy(ks->cert.role, "Root");
    strcpy(ks->cert.cert_uri, "c\"1");
    strcpy(ks->cert.user_id_format, "2");
    ks->cert.user_key_period = 100;
    memset(ks->cert.pub_enc_key, 0xAB, 257);
    memset(ks->cert.pub_auth_key, 0xCD, 65);
    for (int i = 0; i < 3; i++) {
        mcsec_kms_keyset k;
        memset(&k, 0, sizeof k);
        strcpy(k.kms_uri, KMS_URI);
        strcpy(k.user_uri, ALICE);
        k.key_period_no = (uint64_t)(7 - i);
        k.valid_from = 700 - 100 * i;
        k.valid_to = k.valid_from + 100;
        memset(k.rsk, i + 1, 257);
        memset(k.ssk, i + 2, 32);
        TU_CHECK_ERR(mcsec_keystore_put(ks, &k), MCSEC_OK);
    }
    TU_CHECK(ks->n_keysets == 3 && ks->keysets[0].key_period_no == 5); /* sorted */
    TU_CHECK(mcsec_keystore_find(ks, ALICE, 6) != NULL && mcsec_keystore_find(ks, BOB, 6) == NULL);
    /* plain */
    TU_CHECK_ERR(mcsec_keystore_save(ks, path, NULL), MCSEC_OK);
    struct stat st;
    TU_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    TU_CHECK_ERR(mcsec_keystore_load(back, path, NULL, 0), MCSEC_OK);
    TU_CHECK(back->n_keysets == 3 && back->has_cert);
    TU_CHECK(strcmp(back->cert.cert_uri, "c\"1") == 0);
    TU_CHECK_MEM(back->keysets[2].rsk, ks->keysets[2].rsk, 257);
    TU_CHECK_MEM(&back->cert, &ks->cert, sizeof ks->cert);
    /* encrypted: needs the passphrase, rejects a wrong one, keeps the old
     * file when a save cannot happen */
    TU_CHECK_ERR(mcsec_keystore_save(ks, path, "correct horse"), MCSEC_OK);
    TU_CHECK_ERR(mcsec_keystore_load(back, path, NULL, 0), MCSEC_ERR_DENIED);
    TU_CHECK_ERR(mcsec_keystore_load(back, path, "wrong horse", 0), MCSEC_ERR_VERIFY);
    TU_CHECK(back->n_keysets == 0);
    TU_CHECK_ERR(mcsec_keystore_load(back, path, "correct horse", 0), MCSEC_OK);
    TU_CHECK(back->n_keysets == 3);
    TU_CHECK_MEM(back->keysets[1].ssk, ks->keysets[1].ssk, 32);
    /* a flipped bit in the encrypted file */
    FILE *f = fopen(path, "r+b");
    TU_CHECK(f != NULL);
    if (f != NULL) {
        fseek(f, 60, SEEK_SET);
        int c = fgetc(f);
        fseek(f, 60, SEEK_SET);
        fputc(c ^ 1, f);
        fclose(f);
    }
    TU_CHECK_ERR(mcsec_keystore_load(back, path, "correct horse", 0), MCSEC_ERR_VERIFY);
    /* garbage as a plain store */
    f = fopen(path, "wb");
    fputs("{\"format\": \"something else\"}", f);
    fclose(f);
    TU_CHECK_ERR(mcsec_keystore_load(back, path, NULL, 0), MCSEC_ERR_MALFORMED);
    mcsec_keystore_wipe(ks);
    mcsec_keystore_wipe(back);
    free(ks);
    free(back);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", d);
    TU_CHECK(system(cmd) == 0);
}

int main(void)
{
    test_worked_example();
    test_keystore();
    test_server();
    return tu_finish("test_kms");
}
