/* libFuzzer target: the Annex D KMS XML parsers. The first input byte picks
 * the KmsRequest (even) or KmsResponse (odd) parser for the rest. Parsing
 * must return a documented error or succeed; a document that parses must
 * build, the built document must parse back to the same structure (with the
 * Version values the builder fills in for absent ones), and building that
 * again must give the same octets. A rebuilt document may only exceed the
 * size limit if it really is larger than MCSEC_KMSXML_MAX_BYTES. */
#include <stdint.h>
#include <string.h>

#include "mcsec/kmsxml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mcsec_kms_response r1, r2;
static mcsec_kms_request q1, q2;
static uint8_t out1[1 << 18], out2[1 << 18];

static int parse_error_ok(mcsec_err e)
{
    return e == MCSEC_ERR_MALFORMED || e == MCSEC_ERR_LENGTH || e == MCSEC_ERR_MISSING ||
           e == MCSEC_ERR_DUPLICATE || e == MCSEC_ERR_UNSUPPORTED || e == MCSEC_ERR_BUFFER;
}

static void dflt(char *v, const char *d)
{
    if (!v[0])
        strcpy(v, d);
}

/* The builder's defaults for absent Version attributes. */
static void norm_response(mcsec_kms_response *r)
{
    dflt(r->version, "1.0.0");
    if (r->kind == MCSEC_KMSXML_INIT)
        dflt(r->cert.version, "1.1.0");
    for (size_t i = 0; i < r->n_keysets; i++)
        dflt(r->keysets[i].version, "1.1.0");
    for (size_t i = 0; i < r->n_certs; i++)
        dflt(r->certs[i].version, "1.1.0");
}

static void check_response(const uint8_t *x, size_t n)
{
    mcsec_err e = mcsec_kmsxml_response_parse(&r1, x, n);
    if (e != MCSEC_OK) {
        static const uint8_t zero[sizeof r1];
        if (!parse_error_ok(e) || memcmp(&r1, zero, sizeof r1) != 0)
            __builtin_trap();
        return;
    }
    size_t l1 = sizeof out1, l2 = sizeof out2;
    if (mcsec_kmsxml_response_build(out1, &l1, &r1) != MCSEC_OK)
        __builtin_trap();
    e = mcsec_kmsxml_response_parse(&r2, out1, l1);
    if (e == MCSEC_ERR_LENGTH && l1 > MCSEC_KMSXML_MAX_BYTES)
        return;
    norm_response(&r1);
    if (e != MCSEC_OK || memcmp(&r1, &r2, sizeof r1) != 0)
        __builtin_trap();
    if (mcsec_kmsxml_response_build(out2, &l2, &r2) != MCSEC_OK || l1 != l2 ||
        memcmp(out1, out2, l1) != 0)
        __builtin_trap();
    mcsec_kms_response_wipe(&r1);
    mcsec_kms_response_wipe(&r2);
}

static void check_request(const uint8_t *x, size_t n)
{
    mcsec_err e = mcsec_kmsxml_request_parse(&q1, x, n);
    if (e != MCSEC_OK) {
        static const uint8_t zero[sizeof q1];
        if (!parse_error_ok(e) || e == MCSEC_ERR_BUFFER || memcmp(&q1, zero, sizeof q1) != 0)
            __builtin_trap();
        return;
    }
    size_t l1 = sizeof out1, l2 = sizeof out2;
    if (mcsec_kmsxml_request_build(out1, &l1, &q1) != MCSEC_OK)
        __builtin_trap();
    e = mcsec_kmsxml_request_parse(&q2, out1, l1);
    if (e == MCSEC_ERR_LENGTH && l1 > MCSEC_KMSXML_MAX_BYTES)
        return;
    dflt(q1.version, "1.1.0");
    if (e != MCSEC_OK || memcmp(&q1, &q2, sizeof q1) != 0)
        __builtin_trap();
    if (mcsec_kmsxml_request_build(out2, &l2, &q2) != MCSEC_OK || l1 != l2 ||
        memcmp(out1, out2, l1) != 0)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        check_response(data + 1, size - 1);
    else
        check_request(data + 1, size - 1);
    return 0;
}
