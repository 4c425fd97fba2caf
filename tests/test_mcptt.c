#define _GNU_SOURCE /* memmem */
/* The MCPTT client/server pieces (src/mcptt): a request built with an SDP
 * part, an mcptt-info part and a text part; splitting it; protecting only
 * the mcptt-info part (SDP still in the clear, other parts byte for byte) and
 * restoring it exactly, with a fixed KEK and through the KEK lookup; whole
 * bodies; boundary safety; the identities; the CEK cache life cycle and its
 * fetch callback; the server's answers to BYE / log-off / unprotectable bodies. */
#include <stdlib.h>
#include <string.h>

#include "mcsec/cert.h"
#include "mcsec/mcptt.h"
#include "testutil.h"

#define OUTMAX (64 * 1024)

static const uint8_t KEK[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const uint8_t KID[4] = { 0xF0, 0x00, 0x00, 0x2A };
static const char CALLING[] = "sip:alice.mcptt@mcx.example.org";
static const char CALLED[] = "sip:bob.mcptt@mcx.example.org";
static const char GROUP[] = "sip:fire&rescue@mcx.example.org";

static size_t build(uint8_t *out, const char *method, int with_mikey)
{
    static const char text[] = "hello, MCPTT server";
    mcsec_mcptt_request r = {
        .method = method, .request_uri = "sip:mcptt@127.0.0.1:5070", .from = "sip:alice@example.org",
        .from_tag = "t1", .to = "sip:mcptt@127.0.0.1:5070", .call_id = "c1@alice", .cseq = 1,
        .via_host = "127.0.0.1", .via_port = 5999, .branch = "z9hG4bKabc", .expires = -1,
        .mikey_b64 = with_mikey ? "ARoFAQHI3nsBAgQAAQAAAAgJv503" : NULL,
        .calling_id = CALLING, .called_id = CALLED, .group_id = GROUP,
        .extra = (const uint8_t *)text, .extra_len = sizeof text - 1, .extra_type = "text/plain" };
    size_t n = OUTMAX;
    TU_CHECK_ERR(mcsec_mcptt_build_request(out, &n, &r), MCSEC_OK);
    return n;
}

typedef struct lk {
    int calls;
} lk;

static mcsec_err lookup(void *ctx, uint8_t kek[32], size_t *kek_len, const uint8_t *id, size_t n)
{
    ((lk *)ctx)->calls++;
    if (n != 4 || memcmp(id, KID, 4) != 0)
        return MCSEC_ERR_NOT_FOUND;
    memcpy(kek, KEK, 32);
    *kek_len = 32;
    return MCSEC_OK;
}

static void test_parts_and_protection(void)
{
    uint8_t *req = malloc(OUTMAX), *prot = malloc(OUTMAX), *back = malloc(OUTMAX);
    size_t rn = build(req, "INVITE", 1);
    mcsec_mcptt_parts ps;
    TU_CHECK_ERR(mcsec_mcptt_parse_parts(&ps, req, rn), MCSEC_OK);
    TU_CHECK(ps.multipart == 1 && ps.n == 3);
    TU_CHECK(mcsec_mcptt_find_part(&ps, "application/sdp") == 0);
    TU_CHECK(mcsec_mcptt_find_part(&ps, MCSEC_MCPTT_INFO_TYPE) == 1);
    TU_CHECK(mcsec_mcptt_find_part(&ps, "TEXT/PLAIN") == 2);
    TU_CHECK(memmem(req + ps.part[0].body_off, ps.part[0].body_len, "a=key-mgmt:mikey ARoF", 21) != NULL);

    char ids[MCSEC_MCPTT_MAX_IDS][MCSEC_MCPTT_MAX_URI + 1];
    size_t nid = 0;
    TU_CHECK_ERR(mcsec_mcptt_info_ids(ids, &nid, req + ps.part[1].body_off, ps.part[1].body_len), MCSEC_OK);
    TU_CHECK(nid == 3 && strcmp(ids[0], CALLED) == 0 && strcmp(ids[1], CALLING) == 0 &&
             strcmp(ids[2], GROUP) == 0);

    /* only the mcptt-info part is protected */
    mcsec_smime_protect_opts po = { .kek = KEK, .kek_len = 32, .kek_id = KID, .kek_id_len = 4 };
    size_t pn = OUTMAX;
    TU_CHECK_ERR(mcsec_mcptt_protect_part(prot, &pn, req, rn, MCSEC_MCPTT_INFO_TYPE, &po), MCSEC_OK);
    TU_CHECK(memmem(prot, pn, CALLING, strlen(CALLING)) == NULL);
    TU_CHECK(memmem(prot, pn, "mcpttURI", 8) == NULL);
    TU_CHECK(memmem(prot, pn, "a=key-mgmt:mikey ARoF", 21) != NULL);
    TU_CHECK(memmem(prot, pn, "hello, MCPTT server", 19) != NULL);
    mcsec_mcptt_parts pp;
    TU_CHECK_ERR(mcsec_mcptt_parse_parts(&pp, prot, pn), MCSEC_OK);
    TU_CHECK(pp.n == 3 && strcmp(pp.part[1].type, "application/pkcs7-mime") == 0);
    TU_CHECK(memmem(prot + pp.part[1].off, pp.part[1].len, "handling=required", 17) != NULL);
    /* a protected part is not protected twice */
    size_t xn = OUTMAX;
    TU_CHECK_ERR(mcsec_mcptt_protect_part(back, &xn, prot, pn, "application/pkcs7-mime", &po),
                 MCSEC_ERR_UNSUPPORTED);
    xn = OUTMAX;
    TU_CHECK_ERR(mcsec_mcptt_protect_part(back, &xn, req, rn, "image/png", &po), MCSEC_ERR_NOT_FOUND);

    /* restored exactly: with the KEK, and through the lookup */
    mcsec_smime_unprotect_opts uo = { .kek = KEK, .kek_len = 32, .kek_id = KID, .kek_id_len = 4 };
    mcsec_smime_info info;
    size_t bn = OUTMAX;
    TU_CHECK_ERR(mcsec_mcptt_unprotect(back, &bn, &info, prot, pn, &uo), MCSEC_OK);
    TU_CHECK(bn == rn && memcmp(back, req, rn) == 0);
    TU_CHECK(info.kek_id_len == 4 && memcmp(info.kek_id, KID, 4) == 0);
    TU_CHECK(info.flags & MCSEC_SMIME_ENCRYPTED);
    lk l = { 0 };
    mcsec_smime_unprotect_opts lo = { .kek_lookup = lookup, .kek_lookup_ctx = &l };
    bn = OUTMAX;
    TU_CHECK_ERR(mcsec_mcptt_unprotect(back, &bn, &info, prot, pn, &lo), MCSEC_OK);
    TU_CHECK(bn == rn && memcmp(back, req, rn) == 0 && l.calls == 1);
    TU_CHECK(info.kek_id_len == 4 && memcmp(info.kek_id, KID, 4) == 0);

    /* a wrong KEK-ID: the lookup finds nothing */
    static const uint8_t other[4] = { 0xF0, 0, 0, 0x2B };
    po.kek_id = other;
    pn = OUTMAX;
    TU_CHECK_ERR(mcsec_mcptt_protect_part(prot, &pn, req, rn, MCSEC_MCPTT_INFO_TYPE, &po), MCSEC_OK);
    bn = OUTMAX;
    memset(back, 0xAA, 16);
    TU_CHECK_ERR(mcsec_mcptt_unprotect(back, &bn, &info, prot, pn, &lo), MCSEC_ERR_RECIPIENT);
    TU_CHECK(back[0] == 0xAA);
    po.kek_id = KID;

    /* a flipped bit inside the protected part: nothing comes back */
    pn = OUTMAX;
    TU_CHECK_ERR(mcsec_mcptt_protect_part(prot, &pn, req, rn, MCSEC_MCPTT_INFO_TYPE, &po), MCSEC_OK);
    TU_CHECK_ERR(mcsec_mcptt_parse_parts(&pp, prot, pn), MCSEC_OK);
    prot[pp.part[1].body_off + pp.part[1].body_len - 5] ^= 0x10;
    bn = OUTMAX;
    TU_CHECK_ERR(mcsec_mcptt_unprotect(back, &bn, &info, prot, pn, &uo), MCSEC_ERR_DECAP);
    /* nothing protected at all */
    bn = OUTMAX;
    TU_CHECK_ERR(mcsec_mcptt_unprotect(back, &bn, &info, req, rn, &uo), MCSEC_ERR_MISSING);

    /* whole-body protection (later MESSAGE bodies) and its inverse */
    pn = OUTMAX;
    TU_CHECK_ERR(mcsec_mcptt_protect_part(prot, &pn, req, rn, NULL, &po), MCSEC_OK);
    TU_CHECK_ERR(mcsec_mcptt_parse_parts(&pp, prot, pn), MCSEC_OK);
    TU_CHECK(pp.multipart == 0 && strcmp(pp.part[0].type, "application/pkcs7-mime") == 0);
    bn = OUTMAX;
    TU_CHECK_ERR(mcsec_mcptt_unprotect(back, &bn, &info, prot, pn, &lo), MCSEC_OK);
    TU_CHECK(bn == rn && memcmp(back, req, rn) == 0);

    /* boundary safety: protect every part in turn, base64 and binary, many
     * times (fresh CEK/IV each time); every result splits and restores */
    int ok = 1;
    for (int i = 0; i < 40 && ok; i++) {
        po.base64 = i & 1;
        pn = OUTMAX;
        ok &= mcsec_mcptt_protect_part(prot, &pn, req, rn, i % 3 == 2 ? "text/plain" : MCSEC_MCPTT_INFO_TYPE,
                                       &po) == MCSEC_OK;
        ok &= mcsec_mcptt_parse_parts(&pp, prot, pn) == MCSEC_OK && pp.n == 3;
        bn = OUTMAX;
        ok &= mcsec_mcptt_unprotect(back, &bn, NULL, prot, pn, &uo) == MCSEC_OK && bn == rn &&
              memcmp(back, req, rn) == 0;
    }
    TU_CHECK(ok);
    free(req);
    free(prot);
    free(back);
}

static void test_parser_rejects(void)
{
    static const char head[] = "MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
                               "From: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: 1\r\nCSeq: 1 MESSAGE\r\n";
    const struct { const char *ct, *body; mcsec_err want; } v[] = {
        { "multipart/mixed;boundary=XX", "--XX\r\nContent-Type: text/plain\r\n\r\nhi\r\n--XX--\r\n", MCSEC_OK },
        { "multipart/mixed;boundary=\"XX\"", "pre\r\n--XX\r\nContent-Type: text/plain\r\n\r\nhi\r\n--XX--", MCSEC_OK },
        /* no boundary parameter (missing), no closing delimiter (malformed), a
         * part without Content-Type (missing): our splitter's verdicts, as
         * libosip2 no longer parses bodies */
        { "multipart/mixed", "--XX\r\nContent-Type: text/plain\r\n\r\nhi\r\n--XX--\r\n", MCSEC_ERR_MISSING },
        { "multipart/mixed;boundary=XX", "--XX\r\nContent-Type: text/plain\r\n\r\nhi\r\n", MCSEC_ERR_MALFORMED },
        { "multipart/mixed;boundary=XX", "--XX\r\n\r\nhi\r\n--XX--\r\n", MCSEC_ERR_MISSING },
        { "multipart/mixed;boundary=XX", "hi", MCSEC_ERR_MALFORMED },
        { "multipart/mixed;boundary=XX", "--XX--\r\n", MCSEC_ERR_MALFORMED },
        { "multipart/mixed;boundary=XX", "--XXjunk\r\nContent-Type: a/b\r\n\r\n\r\n--XX--", MCSEC_ERR_MALFORMED },
        { "text/plain", "hi", MCSEC_OK },
    };
    char msg[1024];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        int n = snprintf(msg, sizeof msg, "%sContent-Type: %s\r\nContent-Length: %zu\r\n\r\n%s", head, v[i].ct,
                         strlen(v[i].body), v[i].body);
        mcsec_mcptt_parts ps;
        mcsec_err e = mcsec_mcptt_parse_parts(&ps, (const uint8_t *)msg, (size_t)n);
        TU_CHECK_ERR(e, v[i].want);
    }
    /* nine parts: one too many */
    char body[900] = "";
    for (int i = 0; i < 9; i++)
        strcat(body, "--XX\r\nContent-Type: a/b\r\n\r\nx\r\n");
    strcat(body, "--XX--");
    int n = snprintf(msg, sizeof msg, "%sContent-Type: multipart/mixed;boundary=XX\r\nContent-Length: %zu\r\n\r\n%s",
                     head, strlen(body), body);
    mcsec_mcptt_parts ps;
    TU_CHECK_ERR(mcsec_mcptt_parse_parts(&ps, (const uint8_t *)msg, (size_t)n), MCSEC_ERR_BUFFER);

    char ids[MCSEC_MCPTT_MAX_IDS][MCSEC_MCPTT_MAX_URI + 1];
    size_t k;
    const char *bad[] = { "<!DOCTYPE x><mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"></mcpttinfo>",
                          "<mcpttinfo xmlns=\"urn:other\"><mcpttURI>sip:a</mcpttURI></mcpttinfo>",
                          "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcpttURI>a&x;</mcpttURI></mcpttinfo>",
                          "<mcpttinfo xmlns=\"urn:3gpp:ns:mcpttInfo:1.0\"><mcpttURI>sip:a</mcpttinfo>" };
    for (size_t i = 0; i < 4; i++)
        TU_CHECK_ERR(mcsec_mcptt_info_ids(ids, &k, (const uint8_t *)bad[i], strlen(bad[i])), MCSEC_ERR_MALFORMED);
}

typedef struct fetch_ctx {
    int calls;
    const char *creator;
} fetch_ctx;

static mcsec_err fetch(void *ctx, mcsec_mcptt_cek *c)
{
    fetch_ctx *f = ctx;
    f->calls++;
    if (c->id_len != 16)
        return MCSEC_ERR_NOT_FOUND;
    memset(c->key, 0x5A, 32);
    c->key_len = 32;
    snprintf(c->creator, sizeof c->creator, "%s", f->creator);
    snprintf(c->owner, sizeof c->owner, "%s", "sip:someone-else@example.org"); /* must not stick */
    c->expires = 0;
    c->path = MCSEC_MCPTT_PATH_KMS;
    return MCSEC_OK;
}

static void test_cache(void)
{
    mcsec_mcptt_cek_cache *c = malloc(sizeof *c);
    fetch_ctx f = { 0, "sip:alice@example.org" };
    mcsec_mcptt_cek_cache_init(c, fetch, &f, 600);
    mcsec_mcptt_cek e = { .id_len = 4, .key_len = 32, .owner = "sip:alice@example.org",
                          .session = "call-1", .path = MCSEC_MCPTT_PATH_MIKEY, .expires = 0 };
    memcpy(e.id, KID, 4);
    memset(e.key, 0x11, 32);
    TU_CHECK_ERR(mcsec_mcptt_cek_put(c, &e, 1000), MCSEC_OK);
    mcsec_mcptt_cek got;
    TU_CHECK_ERR(mcsec_mcptt_cek_get(c, &got, KID, 4, "sip:alice@example.org", NULL, 1001), MCSEC_OK);
    TU_CHECK(got.key[0] == 0x11 && got.expires == 1600 && got.path == MCSEC_MCPTT_PATH_MIKEY);
    /* another owner neither reads nor replaces it */
    TU_CHECK_ERR(mcsec_mcptt_cek_get(c, &got, KID, 4, "sip:bob@example.org", NULL, 1001), MCSEC_ERR_NOT_FOUND);
    mcsec_mcptt_cek e2 = e;
    snprintf(e2.owner, sizeof e2.owner, "sip:bob@example.org");
    TU_CHECK_ERR(mcsec_mcptt_cek_put(c, &e2, 1001), MCSEC_ERR_DUPLICATE);
    /* teardown removes it */
    TU_CHECK(mcsec_mcptt_cek_remove_session(c, "call-2", "sip:alice@example.org") == 0);
    TU_CHECK(mcsec_mcptt_cek_remove_session(c, "call-1", "sip:mallory@example.org") == 0); /* not the owner */
    TU_CHECK(mcsec_mcptt_cek_remove_session(c, "call-1", "sip:alice@example.org") == 1);
    TU_CHECK_ERR(mcsec_mcptt_cek_get(c, &got, KID, 4, "sip:alice@example.org", NULL, 1002), MCSEC_ERR_NOT_FOUND);
    TU_CHECK(f.calls == 1); /* a 4-octet ID was asked for and refused by the callback */
    /* expiry */
    TU_CHECK_ERR(mcsec_mcptt_cek_put(c, &e, 1000), MCSEC_OK);
    TU_CHECK_ERR(mcsec_mcptt_cek_get(c, &got, KID, 4, "sip:alice@example.org", NULL, 1600), MCSEC_ERR_NOT_FOUND);
    /* a KMS ID: fetched once, then cached; log-off removes it */
    uint8_t kid16[16];
    memset(kid16, 0xC5, 16);
    TU_CHECK_ERR(mcsec_mcptt_cek_get(c, &got, kid16, 16, "sip:alice@example.org", "call-3", 2000), MCSEC_OK);
    TU_CHECK(got.key[0] == 0x5A && got.path == MCSEC_MCPTT_PATH_KMS && strcmp(got.session, "call-3") == 0);
    /* fetched, not cached: the server adds it once the request is accepted */
    TU_CHECK(got.fetched == 1);
    TU_CHECK_ERR(mcsec_mcptt_cek_put(c, &got, 2000), MCSEC_OK);
    TU_CHECK(strcmp(got.owner, "sip:alice@example.org") == 0 && strcmp(got.creator, f.creator) == 0);
    int before = f.calls;
    TU_CHECK_ERR(mcsec_mcptt_cek_get(c, &got, kid16, 16, "sip:alice@example.org", NULL, 2001), MCSEC_OK);
    TU_CHECK(f.calls == before);
    TU_CHECK(mcsec_mcptt_cek_remove_owner(c, "sip:alice@example.org") == 1);
    /* the creator is reported for the server's check against the decrypted
     * identities; a key with no creator is refused; remove by ID */
    f.creator = "";
    TU_CHECK_ERR(mcsec_mcptt_cek_get(c, &got, kid16, 16, "sip:alice@example.org", NULL, 2002), MCSEC_ERR_NOT_FOUND);
    f.creator = "sip:carol@example.org";
    TU_CHECK_ERR(mcsec_mcptt_cek_get(c, &got, kid16, 16, "sip:alice@example.org", NULL, 2002), MCSEC_OK);
    TU_CHECK(strcmp(got.creator, "sip:carol@example.org") == 0 && got.fetched == 1);
    TU_CHECK(mcsec_mcptt_cek_remove_id(c, kid16, 16) == 0); /* a fetch alone caches nothing */
    TU_CHECK_ERR(mcsec_mcptt_cek_put(c, &got, 2002), MCSEC_OK);
    TU_CHECK(mcsec_mcptt_cek_remove_id(c, kid16, 16) == 1);
    /* full */
    mcsec_mcptt_cek_cache_init(c, NULL, NULL, 600);
    int full = 1;
    for (uint32_t i = 0; i < MCSEC_MCPTT_CEK_SLOTS; i++) {
        e.id[3] = (uint8_t)i;
        full &= mcsec_mcptt_cek_put(c, &e, 1000) == MCSEC_OK;
    }
    e.id[2] = 1;
    TU_CHECK(full);
    TU_CHECK_ERR(mcsec_mcptt_cek_put(c, &e, 1000), MCSEC_ERR_BUFFER);
    TU_CHECK_ERR(mcsec_mcptt_cek_put(c, &e, 1600), MCSEC_OK); /* the expired make room */
    mcsec_mcptt_cek_cache_wipe(c);
    free(c);
}

static void test_server(void)
{
    mcsec_mcptt_cek_cache *c = malloc(sizeof *c);
    mcsec_mcptt_cek_cache_init(c, NULL, NULL, 600);
    mcsec_mcptt_server srv = { .psi = "sip:mcptt@127.0.0.1:5070", .cache = c };
    mcsec_mcptt_cek e = { .id_len = 4, .key_len = 32, .owner = "sip:alice@example.org",
                          .session = "c1@alice", .path = MCSEC_MCPTT_PATH_MIKEY };
    memcpy(e.id, KID, 4);
    memcpy(e.key, KEK, 32);
    TU_CHECK_ERR(mcsec_mcptt_cek_put(c, &e, 1000), MCSEC_OK);
    uint8_t *req = malloc(OUTMAX), *prot = malloc(OUTMAX), resp[4096];
    size_t rn = build(req, "MESSAGE", 0), pn = OUTMAX, sn = sizeof resp;
    mcsec_mcptt_result res;
    /* unprotected identities: 400, nothing kept */
    TU_CHECK_ERR(mcsec_mcptt_server_handle(resp, &sn, &res, &srv, req, rn, 1001), MCSEC_OK);
    TU_CHECK(res.status == 400 && memcmp(resp, "SIP/2.0 400 ", 12) == 0);
    /* under the cached key: 200 with the identities */
    mcsec_smime_protect_opts po = { .kek = KEK, .kek_len = 32, .kek_id = KID, .kek_id_len = 4 };
    TU_CHECK_ERR(mcsec_mcptt_protect_part(prot, &pn, req, rn, MCSEC_MCPTT_INFO_TYPE, &po), MCSEC_OK);
    sn = sizeof resp;
    TU_CHECK_ERR(mcsec_mcptt_server_handle(resp, &sn, &res, &srv, prot, pn, 1002), MCSEC_OK);
    TU_CHECK(res.status == 200 && res.n_ids == 3 && strcmp(res.ids[1], CALLING) == 0);
    TU_CHECK(res.path == MCSEC_MCPTT_PATH_MIKEY && res.cek_id_len == 4);
    TU_CHECK(memmem(resp, sn, "To: <sip:mcptt@127.0.0.1:5070>;tag=", 35) != NULL);
    TU_CHECK(memmem(resp, sn, "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKabc", 49) != NULL);
    /* BYE of the session removes the key; the same body is then undecipherable */
    static const char bye[] = "BYE sip:mcptt@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK2\r\n"
                              "From: <sip:alice@example.org>;tag=t1\r\nTo: <sip:mcptt@127.0.0.1:5070>;tag=x\r\n"
                              "Call-ID: c1@alice\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
    sn = sizeof resp;
    TU_CHECK_ERR(mcsec_mcptt_server_handle(resp, &sn, &res, &srv, (const uint8_t *)bye, strlen(bye), 1003), MCSEC_OK);
    TU_CHECK(res.status == 200 && res.keys_removed == 1);
    sn = sizeof resp;
    TU_CHECK_ERR(mcsec_mcptt_server_handle(resp, &sn, &res, &srv, prot, pn, 1004), MCSEC_OK);
    TU_CHECK(res.status == 493 && res.n_ids == 0);
    /* a response is not answered */
    static const char ok[] = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
                             "To: <sip:c@d>\r\nCall-ID: 1\r\nCSeq: 1 MESSAGE\r\n\r\n";
    sn = sizeof resp;
    TU_CHECK_ERR(mcsec_mcptt_server_handle(resp, &sn, &res, &srv, (const uint8_t *)ok, strlen(ok), 1005),
                 MCSEC_ERR_MALFORMED);
    TU_CHECK(sn == 0);
    mcsec_mcptt_cek_cache_wipe(c);
    free(c);
    free(req);
    free(prot);
}

int main(void)
{
    test_parts_and_protection();
    test_parser_rejects();
    test_cache();
    test_server();
    return tu_finish("test_mcptt");
}
