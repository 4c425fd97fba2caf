/* TS 33.180 Annex D KMS XML: the documents in tests/vectors/kmsxml/ parse to
 * the values of uid-and-kms.md §4.8/§4.9 (tests/vectors/kmsxml/expected.txt),
 * every document in reject/ is refused with the error reject.txt names,
 * build/parse round trips are exact, and the dateTime conversion matches
 * known pairs. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mcsec/kmsxml.h"
#include "testutil.h"

#define OUT_MAX 65536

static mcsec_kms_response resp, resp2;
static mcsec_kms_request req, req2;
static uint8_t out[OUT_MAX], out2[OUT_MAX];

/* Reads tests/vectors/kmsxml/<name>; exits on failure. */
static uint8_t *load(const char *name, size_t *len)
{
    const char *dir = getenv("MCSEC_VECTOR_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/kmsxml/%s", dir ? dir : "tests/vectors", name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    uint8_t *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static mcsec_err parse_file(const char *name)
{
    size_t n;
    uint8_t *x = load(name, &n);
    mcsec_err e = mcsec_kmsxml_response_parse(&resp, x, n);
    free(x);
    return e;
}

/* Fills in the Version values the builder writes for "" (so that a parsed
 * document without them compares equal to its rebuilt form). */
static void norm_response(mcsec_kms_response *r)
{
    if (!r->version[0])
        strcpy(r->version, "1.0.0");
    if (r->kind == MCSEC_KMSXML_INIT && !r->cert.version[0])
        strcpy(r->cert.version, "1.1.0");
    for (size_t i = 0; i < r->n_keysets; i++)
        if (!r->keysets[i].version[0])
            strcpy(r->keysets[i].version, "1.1.0");
    for (size_t i = 0; i < r->n_certs; i++)
        if (!r->certs[i].version[0])
            strcpy(r->certs[i].version, "1.1.0");
}

/* build(r) parses back to r, and building that again gives the same octets. */
static void roundtrip_response(const mcsec_kms_response *r, const char *what)
{
    size_t n = OUT_MAX, n2 = OUT_MAX;
    int fails = tu_failures;
    TU_CHECK_ERR(mcsec_kmsxml_response_build(out, &n, r), MCSEC_OK);
    TU_CHECK_ERR(mcsec_kmsxml_response_parse(&resp2, out, n), MCSEC_OK);
    mcsec_kms_response want = *r;
    norm_response(&want);
    TU_CHECK(memcmp(&want, &resp2, sizeof want) == 0);
    TU_CHECK_ERR(mcsec_kmsxml_response_build(out2, &n2, &resp2), MCSEC_OK);
    TU_CHECK(n == n2 && memcmp(out, out2, n) == 0);
    mcsec_kms_response_wipe(&want);
    if (tu_failures != fails)
        fprintf(stderr, "  (round trip of %s)\n%.*s\n", what, (int)n, (const char *)out);
}

static void roundtrip_request(const mcsec_kms_request *r)
{
    size_t n = OUT_MAX, n2 = OUT_MAX;
    TU_CHECK_ERR(mcsec_kmsxml_request_build(out, &n, r), MCSEC_OK);
    TU_CHECK_ERR(mcsec_kmsxml_request_parse(&req2, out, n), MCSEC_OK);
    mcsec_kms_request want = *r;
    if (!want.version[0])
        strcpy(want.version, "1.1.0");
    TU_CHECK(memcmp(&want, &req2, sizeof want) == 0);
    TU_CHECK_ERR(mcsec_kmsxml_request_build(out2, &n2, &req2), MCSEC_OK);
    TU_CHECK(n == n2 && memcmp(out, out2, n) == 0);
}

static void test_time(void)
{
    static const struct {
        const char *s;
        int64_t t;
    } ok[] = {
        { "2014-02-23T08:39:14Z", 1393144754 },   /* D.2 example time */
        { "2014-02-23T08:39:14", 1393144754 },    /* no zone: UTC */
        { "2014-02-23T08:39:14.999Z", 1393144754 },
        { "2014-02-23T09:39:14+01:00", 1393144754 },
        { "2014-02-23T03:09:14-05:30", 1393144754 },
        { "2014-02-24T00:00:00+14:00", 1393149600 },
        { "1970-01-01T00:00:00Z", 0 },
        { "2000-02-29T00:00:00Z", 951782400 },
        { "2000-03-01T00:00:00Z", 951868800 },
        { "2100-03-01T00:00:00Z", 4107542400 },   /* 2100 is not a leap year */
        { "2038-01-19T03:14:08Z", INT64_C(2147483648) },
        { "9999-12-31T23:59:59Z", INT64_C(253402300799) },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t t = -1;
        TU_CHECK_ERR(mcsec_kmsxml_time_parse(&t, ok[i].s), MCSEC_OK);
        TU_CHECK(t == ok[i].t);
    }
    static const char *bad[] = {
        "2014-13-01T00:00:00Z", "2014-00-01T00:00:00Z", "2016-02-30T00:00:00Z",
        "2015-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2014-04-31T00:00:00Z",
        "2014-01-01T24:00:00Z", "2014-01-01T00:60:00Z", "2014-01-01T00:00:60Z",
        "2014-01-01 00:00:00Z", "2014-1-01T00:00:00Z", "2014-01-01T00:00", "x",
        "2014-01-01T00:00:0aZ", "2014-01-01T00:00:00.Z", "2014-01-01T00:00:00+15:00",
        "2014-01-01T00:00:00+01", "2014-01-01T00:00:00Zx", "1969-12-31T23:59:59Z",
        "1970-01-01T00:30:00+01:00", "+2014-01-01T00:00:00Z", "12014-01-01T00:00:00Z",
        "2014-01-01T00:00:00+14:30", "",
    };
    int64_t t;
    TU_CHECK_ERR(mcsec_kmsxml_time_parse(&t, "2014-01-01T00:00:00"), MCSEC_OK);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int before = tu_failures;
        TU_CHECK_ERR(mcsec_kmsxml_time_parse(&t, bad[i]), MCSEC_ERR_MALFORMED);
        if (tu_failures != before)
            fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
    }
    char s[21];
    static const int64_t fmt[] = { 0, 951782400, 1393144754, INT64_C(253402300799), 86399, 4107542399 };
    for (size_t i = 0; i < sizeof fmt / sizeof fmt[0]; i++) {
        TU_CHECK_ERR(mcsec_kmsxml_time_format(s, fmt[i]), MCSEC_OK);
        TU_CHECK_ERR(mcsec_kmsxml_time_parse(&t, s), MCSEC_OK);
        TU_CHECK(t == fmt[i]);
    }
    TU_CHECK_ERR(mcsec_kmsxml_time_format(s, 1393144754), MCSEC_OK);
    TU_CHECK(strcmp(s, "2014-02-23T08:39:14Z") == 0);
    TU_CHECK_ERR(mcsec_kmsxml_time_format(s, 4107542399), MCSEC_OK);
    TU_CHECK(strcmp(s, "2100-02-28T23:59:59Z") == 0);
    /* every day of 1970..2400 formats and parses back (calendar arithmetic) */
    int ok_all = 1;
    for (int64_t d = 0; d < 157000; d++) {
        int64_t v = d * 86400 + 3723;
        if (mcsec_kmsxml_time_format(s, v) != MCSEC_OK || mcsec_kmsxml_time_parse(&t, s) != MCSEC_OK || t != v)
            ok_all = 0;
    }
    TU_CHECK(ok_all);
    TU_CHECK_ERR(mcsec_kmsxml_time_format(s, -1), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_kmsxml_time_format(s, INT64_C(253402300800)), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_kmsxml_time_parse(NULL, "2014-01-01T00:00:00Z"), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_kmsxml_time_parse(&t, NULL), MCSEC_ERR_ARG);
}

typedef struct expected {
    uint8_t uid[32], rsk[257], ssk[32], pvt[65], z[257], kpak[65];
    int64_t valid_from, valid_to, time;
    uint64_t period_no;
    const char *uri, *kms_uri;
} expected;

static void check_keyset(const mcsec_kms_keyset *ks, const expected *x, int with_validity)
{
    TU_CHECK(strcmp(ks->kms_uri, x->kms_uri) == 0);
    TU_CHECK(strcmp(ks->user_uri, x->uri) == 0);
    TU_CHECK(strcmp(ks->cert_uri, "cert1.kms.example.org") == 0);
    TU_CHECK(strcmp(ks->issuer, "www.example.org") == 0);
    TU_CHECK_MEM(ks->user_id, x->uid, 32);
    TU_CHECK(ks->key_period_no == x->period_no);
    TU_CHECK(ks->has_revoked && !ks->revoked);
    TU_CHECK(ks->has_valid_from == with_validity && ks->has_valid_to == with_validity);
    if (with_validity)
        TU_CHECK(ks->valid_from == x->valid_from && ks->valid_to == x->valid_to);
    TU_CHECK_MEM(ks->rsk, x->rsk, 257);
    TU_CHECK_MEM(ks->ssk, x->ssk, 32);
    TU_CHECK_MEM(ks->pvt, x->pvt, 65);
}

static void test_documents(const expected *x)
{
    size_t n;
    /* §4.8: KmsInit with the RFC 6507/6508 KMS public keys */
    TU_CHECK_ERR(parse_file("init_4_8.xml"), MCSEC_OK);
    TU_CHECK(resp.kind == MCSEC_KMSXML_INIT);
    TU_CHECK(strcmp(resp.id, "xmldoc") == 0 && resp.version[0] == '\0');
    TU_CHECK(strcmp(resp.user_uri, "alice@org.com") == 0);
    TU_CHECK(strcmp(resp.kms_uri, "localhost:8080") == 0);
    TU_CHECK(strcmp(resp.client_req_url, "http://localhost:8080/keymanagement/identity/v1/init") == 0);
    TU_CHECK(resp.time == 1620645782); /* 2021-05-10T11:23:02, no zone */
    TU_CHECK(strcmp(resp.cert.version, "1.1.0") == 0 && strcmp(resp.cert.role, "Root") == 0);
    TU_CHECK(strcmp(resp.cert.kms_uri, "localhost:8080") == 0);
    TU_CHECK(strcmp(resp.cert.user_id_format, "2") == 0);
    TU_CHECK(resp.cert.user_key_period == 2592000 && resp.cert.user_key_offset == 0);
    TU_CHECK(!resp.cert.has_valid_from && !resp.cert.has_revoked && !resp.cert.has_parameter_set);
    TU_CHECK_MEM(resp.cert.pub_enc_key, x->z, 257);
    TU_CHECK_MEM(resp.cert.pub_auth_key, x->kpak, 65);
    TU_CHECK(resp.server_cert_pem[0] == '\0');
    roundtrip_response(&resp, "init_4_8");

    /* §4.9: KeyProv with base64 UserID and xsi:type="KeyContentType" */
    TU_CHECK_ERR(parse_file("keyprov_4_9.xml"), MCSEC_OK);
    TU_CHECK(resp.kind == MCSEC_KMSXML_KEYPROV && resp.n_keysets == 1);
    TU_CHECK(strcmp(resp.version, "1.0.0") == 0 && strcmp(resp.id, "kp1") == 0);
    TU_CHECK(strcmp(resp.kms_id, "KMS-1") == 0);
    TU_CHECK(resp.time == x->time);
    TU_CHECK(strcmp(resp.keysets[0].version, "1.1.0") == 0);
    check_keyset(&resp.keysets[0], x, 1);
    roundtrip_response(&resp, "keyprov_4_9");

    /* Streamwide shape: hex UserID, lower-case keys without xsi:type, offset time */
    TU_CHECK_ERR(parse_file("keyprov_streamwide.xml"), MCSEC_OK);
    TU_CHECK(resp.kind == MCSEC_KMSXML_KEYPROV && resp.n_keysets == 1);
    TU_CHECK(resp.time == x->time);
    check_keyset(&resp.keysets[0], x, 0);
    roundtrip_response(&resp, "keyprov_streamwide");

    TU_CHECK_ERR(parse_file("keyprov_two.xml"), MCSEC_OK);
    TU_CHECK(resp.kind == MCSEC_KMSXML_KEYPROV && resp.n_keysets == 2);
    TU_CHECK(resp.keysets[0].key_period_no == 1388 && resp.keysets[1].key_period_no == 1389);
    TU_CHECK_MEM(resp.keysets[1].rsk, x->rsk, 257);
    roundtrip_response(&resp, "keyprov_two");

    /* extension: a CEK */
    TU_CHECK_ERR(parse_file("cek.xml"), MCSEC_OK);
    TU_CHECK(resp.kind == MCSEC_KMSXML_CEK);
    uint8_t id[16], cek[32];
    for (int i = 0; i < 16; i++)
        id[i] = (uint8_t)i;
    for (int i = 0; i < 32; i++)
        cek[i] = (uint8_t)(0x10 + i);
    TU_CHECK_MEM(resp.cek.cek_id, id, 16);
    TU_CHECK_MEM(resp.cek.cek, cek, 32);
    TU_CHECK(strcmp(resp.cek.initiator, "sip:alice@example.org") == 0);
    TU_CHECK(strcmp(resp.cek.peer, "sip:bob@example.org") == 0);
    TU_CHECK(resp.cek.expires == 1709380800);
    roundtrip_response(&resp, "cek");

    /* extension: the server certificate in KmsInit, surrounding whitespace trimmed */
    TU_CHECK_ERR(parse_file("init_server_cert.xml"), MCSEC_OK);
    uint8_t *pem = load("server_cert.pem", &n);
    while (n && (pem[n - 1] == '\n' || pem[n - 1] == '\r'))
        n--;
    TU_CHECK(strlen(resp.server_cert_pem) == n && memcmp(resp.server_cert_pem, pem, n) == 0);
    free(pem);
    TU_CHECK_MEM(resp.cert.pub_auth_key, x->kpak, 65);
    roundtrip_response(&resp, "init_server_cert");

    TU_CHECK_ERR(parse_file("error.xml"), MCSEC_OK);
    TU_CHECK(resp.kind == MCSEC_KMSXML_ERROR && resp.error_code == 403);
    TU_CHECK(strcmp(resp.error_msg, "user & period not allowed") == 0);
    roundtrip_response(&resp, "error");

    /* UTF-8 with a BOM and a lower-case encoding name is the same request */
    uint8_t *doc = load("request_bom.xml", &n);
    TU_CHECK_ERR(mcsec_kmsxml_request_parse(&req2, doc, n), MCSEC_OK);
    free(doc);
    doc = load("request.xml", &n);
    TU_CHECK_ERR(mcsec_kmsxml_request_parse(&req, doc, n), MCSEC_OK);
    free(doc);
    TU_CHECK(strcmp(req.version, "1.1.0") == 0 && strcmp(req.id, "req-1") == 0);
    TU_CHECK(strcmp(req.user_uri, x->uri) == 0 && strcmp(req.kms_uri, x->kms_uri) == 0);
    TU_CHECK(req.time == x->time);
    TU_CHECK(strcmp(req.client_id, "client-7") == 0 && req.device_id[0] == '\0');
    TU_CHECK(strcmp(req.client_req_url, "https://kms.example.org/keymanagement/identity/v1/keyprov/"
                                        "sip%3Auser%40example.org/D6B4323200000000") == 0);
    TU_CHECK(req.has_cek_peer && strcmp(req.cek_peer, "sip:bob@example.org") == 0);
    TU_CHECK(memcmp(&req, &req2, sizeof req) == 0);
    roundtrip_request(&req);
}

static int err_by_name(const char *s)
{
    static const struct {
        const char *n;
        mcsec_err e;
    } t[] = { { "MALFORMED", MCSEC_ERR_MALFORMED }, { "LENGTH", MCSEC_ERR_LENGTH },
              { "DUPLICATE", MCSEC_ERR_DUPLICATE }, { "MISSING", MCSEC_ERR_MISSING },
              { "UNSUPPORTED", MCSEC_ERR_UNSUPPORTED }, { "BUFFER", MCSEC_ERR_BUFFER } };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcmp(s, t[i].n) == 0)
            return (int)t[i].e;
    fprintf(stderr, "unknown error name %s\n", s);
    exit(2);
}

static void test_rejections(void)
{
    /* libxml2 must stay silent: stderr goes to a file for the loop */
    fflush(stderr);
    int saved = dup(2);
    FILE *quiet = tmpfile();
    TU_CHECK(saved >= 0 && quiet && dup2(fileno(quiet), 2) == 2);
    tu_vectors *v = tu_vectors_load("kmsxml/reject.txt");
    size_t count = tu_vectors_sections(v);
    TU_CHECK(count >= 40);
    for (size_t i = 0; i < count; i++) {
        const char *name = tu_vectors_section_name(v, i);
        char file[300];
        snprintf(file, sizeof file, "reject/%s.xml", name);
        size_t n;
        uint8_t *x = load(file, &n);
        int want = err_by_name(tu_vectors_get(v, i, "error"));
        int before = tu_failures;
        if (strcmp(tu_vectors_get(v, i, "parser"), "request") == 0) {
            memset(&req, 0xA5, sizeof req);
            TU_CHECK_ERR(mcsec_kmsxml_request_parse(&req, x, n), want);
            TU_CHECK(tu_all_zero(&req, sizeof req));
        } else {
            memset(&resp, 0xA5, sizeof resp);
            TU_CHECK_ERR(mcsec_kmsxml_response_parse(&resp, x, n), want);
            TU_CHECK(tu_all_zero(&resp, sizeof resp)); /* nothing left behind */
        }
        if (tu_failures != before)
            fprintf(stderr, "  (reject/%s.xml)\n", name);
        free(x);
    }
    tu_vectors_free(v);
    fflush(stderr);
    struct stat st;
    TU_CHECK(fstat(2, &st) == 0);
    dup2(saved, 2);
    close(saved);
    if (st.st_size != 0) {
        char buf[512];
        rewind(quiet);
        size_t got = fread(buf, 1, sizeof buf - 1, quiet);
        buf[got] = 0;
        fprintf(stderr, "output on stderr while parsing:\n%s\n", buf);
    }
    TU_CHECK(st.st_size == 0);
    fclose(quiet);
    /* arguments */
    static const uint8_t tiny[] = "<a/>";
    TU_CHECK_ERR(mcsec_kmsxml_request_parse(NULL, tiny, 4), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_kmsxml_request_parse(&req, NULL, 4), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_kmsxml_response_parse(NULL, tiny, 4), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_kmsxml_response_parse(&resp, NULL, 4), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_kmsxml_response_parse(&resp, tiny, 0), MCSEC_ERR_MALFORMED);
    /* the size limit is checked before parsing: a huge length is never read */
    TU_CHECK_ERR(mcsec_kmsxml_response_parse(&resp, tiny, (size_t)MCSEC_KMSXML_MAX_BYTES + 1),
                 MCSEC_ERR_LENGTH);
}

static void fill_cert(mcsec_kms_cert *c, const expected *x, int variant)
{
    memset(c, 0, sizeof *c);
    strcpy(c->role, variant ? "External" : "Root");
    snprintf(c->cert_uri, sizeof c->cert_uri, "cert%d.kms.example.org", variant);
    strcpy(c->kms_uri, variant ? "kms.other.example" : "kms.example.org");
    strcpy(c->issuer, "Issuer <x> & \"y\" ]]> 'z'");
    c->has_valid_from = c->has_valid_to = 1;
    c->valid_from = 1388707200;
    c->valid_to = INT64_C(253402300799);
    c->has_revoked = 1;
    c->revoked = variant & 1;
    strcpy(c->user_id_format, "2");
    c->user_key_period = 2592000;
    c->user_key_offset = (uint64_t)variant * 3600;
    memcpy(c->pub_enc_key, x->z, 257);
    memcpy(c->pub_auth_key, x->kpak, 65);
    c->has_parameter_set = 1;
    c->parameter_set = 1;
}

static void fill_header(mcsec_kms_response *r)
{
    memset(r, 0, sizeof *r);
    strcpy(r->user_uri, "sip:user@example.org");
    strcpy(r->kms_uri, "kms.example.org");
    strcpy(r->client_req_url, "https://kms.example.org/keymanagement/identity/v1/keyprov");
    r->time = 1393144754;
}

static void test_build(const expected *x)
{
    /* request, with every optional part */
    memset(&req, 0, sizeof req);
    strcpy(req.id, "r&1 \"a\" \"b\" 'c'");
    strcpy(req.user_uri, "sip:user@example.org");
    strcpy(req.kms_uri, "kms.example.org");
    req.time = 1393144754;
    strcpy(req.client_id, "cl\xC3\xA9");
    strcpy(req.device_id, "dev 1");
    strcpy(req.client_req_url, "https://kms.example.org/keymanagement/identity/v1/init");
    roundtrip_request(&req);
    req.has_cek_peer = 1;
    strcpy(req.cek_peer, "sip:bob@example.org");
    roundtrip_request(&req);

    /* init with server certificate (CR, LF and markup characters survive) */
    fill_header(&resp);
    strcpy(resp.version, "1.0.0");
    strcpy(resp.kms_id, "KMS-1");
    resp.kind = MCSEC_KMSXML_INIT;
    fill_cert(&resp.cert, x, 0);
    strcpy(resp.server_cert_pem, "-----BEGIN CERTIFICATE-----\r\nAB<&>\r\n-----END CERTIFICATE-----");
    roundtrip_response(&resp, "built init");

    /* keyprov with two key sets */
    fill_header(&resp);
    resp.kind = MCSEC_KMSXML_KEYPROV;
    resp.n_keysets = 2;
    for (int i = 0; i < 2; i++) {
        mcsec_kms_keyset *k = &resp.keysets[i];
        strcpy(k->kms_uri, x->kms_uri);
        strcpy(k->user_uri, x->uri);
        memcpy(k->user_id, x->uid, 32);
        k->key_period_no = x->period_no + (uint64_t)i;
        k->has_valid_from = k->has_valid_to = i;
        k->valid_from = i ? x->valid_from : 0;
        k->valid_to = i ? x->valid_to : 0;
        k->has_revoked = 1;
        k->revoked = i;
        memcpy(k->rsk, x->rsk, 257);
        memcpy(k->ssk, x->ssk, 32);
        memcpy(k->pvt, x->pvt, 65);
    }
    roundtrip_response(&resp, "built keyprov");
    /* the 4.9 UserID is written as base64 and key values in upper-case hex */
    size_t n = OUT_MAX;
    TU_CHECK_ERR(mcsec_kmsxml_response_build(out, &n, &resp), MCSEC_OK);
    out[n - 1] = 0;
    TU_CHECK(strstr((char *)out, "<UserID>OoH7FMOx0P5DycV3EE1VptgXiL/S8JdDxFV3RqWgNTs=</UserID>") != NULL);
    TU_CHECK(strstr((char *)out, "<UserSigningKeySSK xsi:type=\"KeyContentType\">4B2940C176FB1FEE") != NULL);

    /* buffer contract: too small -> BUFFER with the size; exact size fits */
    size_t need = OUT_MAX;
    TU_CHECK_ERR(mcsec_kmsxml_response_build(out, &need, &resp), MCSEC_OK);
    size_t small = need - 1;
    memset(out, 0x5A, sizeof out);
    TU_CHECK_ERR(mcsec_kmsxml_response_build(out, &small, &resp), MCSEC_ERR_BUFFER);
    TU_CHECK(small == need);
    TU_CHECK(tu_all_zero(out, need - 1)); /* no partial key material left */
    size_t exact = need;
    TU_CHECK_ERR(mcsec_kmsxml_response_build(out, &exact, &resp), MCSEC_OK);
    TU_CHECK(exact == need);

    /* certcache */
    fill_header(&resp);
    resp.kind = MCSEC_KMSXML_CERTCACHE;
    resp.cache_num = 18446744073709551615u;
    resp.n_certs = 3;
    for (int i = 0; i < 3; i++)
        fill_cert(&resp.certs[i], x, i);
    roundtrip_response(&resp, "built certcache");
    resp.n_certs = 0;
    memset(resp.certs, 0, sizeof resp.certs);
    roundtrip_response(&resp, "empty certcache");

    /* CEK */
    fill_header(&resp);
    resp.kind = MCSEC_KMSXML_CEK;
    memset(resp.cek.cek_id, 0xC1, 16);
    memset(resp.cek.cek, 0xEE, 32);
    strcpy(resp.cek.initiator, "sip:alice@example.org");
    strcpy(resp.cek.peer, "sip:bob@example.org");
    resp.cek.expires = 1709380800;
    roundtrip_response(&resp, "built cek");

    /* error, and no message at all */
    fill_header(&resp);
    resp.kind = MCSEC_KMSXML_ERROR;
    resp.error_code = 2147483647;
    roundtrip_response(&resp, "built error");
    resp.kind = MCSEC_KMSXML_NONE;
    resp.error_code = 0;
    roundtrip_response(&resp, "none");

    /* bad structures are refused, and output is not left half-written */
    static const char *const bad_str[] = { "a\tb", " lead", "trail ", "\xFF", "a\x7F", "\xC2\x85" };
    for (size_t i = 0; i < sizeof bad_str / sizeof bad_str[0]; i++) {
        fill_header(&resp);
        strcpy(resp.kms_id, bad_str[i]);
        n = OUT_MAX;
        TU_CHECK_ERR(mcsec_kmsxml_response_build(out, &n, &resp), MCSEC_ERR_ARG);
    }
    fill_header(&resp);
    resp.user_uri[0] = '\0';
    n = OUT_MAX;
    TU_CHECK_ERR(mcsec_kmsxml_response_build(out, &n, &resp), MCSEC_ERR_ARG);
    fill_header(&resp);
    memset(resp.kms_uri, 'k', sizeof resp.kms_uri); /* no terminator */
    n = OUT_MAX;
    TU_CHECK_ERR(mcsec_kmsxml_response_build(out, &n, &resp), MCSEC_ERR_ARG);
    fill_header(&resp);
    resp.time = -1;
    n = OUT_MAX;
    TU_CHECK_ERR(mcsec_kmsxml_response_build(out, &n, &resp), MCSEC_ERR_ARG);
    fill_header(&resp);
    resp.kind = (mcsec_kmsxml_kind)9;
    n = OUT_MAX;
    TU_CHECK_ERR(mcsec_kmsxml_response_build(out, &n, &resp), MCSEC_ERR_ARG);
    resp.kind = MCSEC_KMSXML_KEYPROV;
    resp.n_keysets = MCSEC_KMSXML_MAX_KEYSETS + 1;
    n = OUT_MAX;
    TU_CHECK_ERR(mcsec_kmsxml_response_build(out, &n, &resp), MCSEC_ERR_ARG);
    resp.kind = MCSEC_KMSXML_INIT;
    fill_cert(&resp.cert, x, 0);
    resp.cert.user_key_period = 0;
    n = OUT_MAX;
    TU_CHECK_ERR(mcsec_kmsxml_response_build(out, &n, &resp), MCSEC_ERR_ARG);
    resp.cert.user_key_period = 1;
    resp.cert.revoked = 2; /* flags are 0 or 1 */
    n = OUT_MAX;
    TU_CHECK_ERR(mcsec_kmsxml_response_build(out, &n, &resp), MCSEC_ERR_ARG);
    resp.cert.revoked = 0;
    resp.cert.has_parameter_set = -1;
    n = OUT_MAX;
    TU_CHECK_ERR(mcsec_kmsxml_response_build(out, &n, &resp), MCSEC_ERR_ARG);
    resp.kind = MCSEC_KMSXML_ERROR;
    resp.error_code = -1;
    n = OUT_MAX;
    TU_CHECK_ERR(mcsec_kmsxml_response_build(out, &n, &resp), MCSEC_ERR_ARG);
    memset(&req, 0, sizeof req);
    strcpy(req.user_uri, "u");
    strcpy(req.kms_uri, "k");
    n = OUT_MAX;
    TU_CHECK_ERR(mcsec_kmsxml_request_build(out, &n, &req), MCSEC_ERR_ARG); /* no ClientReqUrl */
    strcpy(req.client_req_url, "c");
    req.has_cek_peer = 1;
    n = OUT_MAX;
    TU_CHECK_ERR(mcsec_kmsxml_request_build(out, &n, &req), MCSEC_ERR_ARG); /* empty PeerUri */
    TU_CHECK_ERR(mcsec_kmsxml_request_build(NULL, &n, &req), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_kmsxml_request_build(out, NULL, &req), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_kmsxml_response_build(out, &n, NULL), MCSEC_ERR_ARG);
}

/* Several threads parse at once (libxml2 contexts are per call). */
static uint8_t *thread_doc;
static size_t thread_len;

static void *parse_many(void *arg)
{
    static mcsec_kms_response r[4];
    mcsec_kms_response *mine = &r[(size_t)arg];
    intptr_t bad = 0;
    for (int i = 0; i < 200; i++)
        bad += mcsec_kmsxml_response_parse(mine, thread_doc, thread_len) != MCSEC_OK ||
               mine->n_keysets != 2;
    mcsec_kms_response_wipe(mine);
    return (void *)bad;
}

static void test_threads(void)
{
    thread_doc = load("keyprov_two.xml", &thread_len);
    pthread_t t[4];
    for (size_t i = 0; i < 4; i++)
        TU_CHECK(pthread_create(&t[i], NULL, parse_many, (void *)i) == 0);
    for (size_t i = 0; i < 4; i++) {
        void *bad = NULL;
        TU_CHECK(pthread_join(t[i], &bad) == 0);
        TU_CHECK(bad == NULL);
    }
    free(thread_doc);
}

int main(void)
{
    static expected x;
    tu_vectors *v = tu_vectors_load("kmsxml/expected.txt");
    size_t s = tu_vectors_find(v, "4.9");
    tu_vectors_hex(v, s, "uid", x.uid, 32);
    tu_vectors_hex(v, s, "rsk", x.rsk, 257);
    tu_vectors_hex(v, s, "ssk", x.ssk, 32);
    tu_vectors_hex(v, s, "pvt", x.pvt, 65);
    tu_vectors_hex(v, s, "z", x.z, 257);
    tu_vectors_hex(v, s, "kpak", x.kpak, 65);
    x.uri = tu_vectors_get(v, s, "uri");
    x.kms_uri = tu_vectors_get(v, s, "kms_uri");
    x.period_no = strtoull(tu_vectors_get(v, s, "period_no"), NULL, 10);
    x.valid_from = strtoll(tu_vectors_get(v, s, "valid_from"), NULL, 10);
    x.valid_to = strtoll(tu_vectors_get(v, s, "valid_to"), NULL, 10);
    x.time = strtoll(tu_vectors_get(v, s, "time"), NULL, 10);

    test_time();
    test_documents(&x);
    test_rejections();
    test_build(&x);
    test_threads();
    mcsec_kms_response_wipe(&resp);
    mcsec_kms_response_wipe(&resp2);
    tu_vectors_free(v);
    return tu_finish("test_kmsxml");
}
