/* MIKEY decoder: the mikey.md §9 layout (GMK I_MESSAGE shape) decoded field by
 * field; every truncation and a trailing octet rejected; duplicates, bad CS
 * maps, bad SP parameters and undefined payload types rejected. */
#include <string.h>

#include "mcsec/mikey.h"
#include "testutil.h"

typedef struct w {
    uint8_t b[2048];
    size_t n;
} w;

static void put(w *o, const void *p, size_t n)
{
    memcpy(o->b + o->n, p, n);
    o->n += n;
}
static void p8(w *o, unsigned v) { o->b[o->n++] = (uint8_t)v; }
static void p16(w *o, unsigned v) { p8(o, v >> 8); p8(o, v); }
static void p32(w *o, uint32_t v) { p16(o, v >> 16); p16(o, v & 0xFFFF); }

static const char *I = "sip:gms@example.org", *R = "sip:p25user01@etherstack.com", *K = "kms.example.org";

/* HDR T RAND IDRi IDRr IDRkmsi IDRkmsr SP SAKKE GEXT(7) SIGN, as in mikey.md §9 */
static size_t build(w *o)
{
    static const uint8_t rand[16] = { 0x68, 0x19, 0xE6, 0x79, 0x46, 0x11, 0x20, 0xE1,
                                      0x0A, 0xC4, 0x58, 0xCC, 0xE6, 0x7B, 0x80, 0x24 };
    static const uint8_t sp[] = { 0, 1, 6, 1, 1, 16, 2, 1, 4, 4, 1, 12, 5, 1, 0, 6, 1, 0, 18, 1, 4, 19, 1, 0, 20, 1, 16 };
    uint8_t sakke[273], ext[40], sig[129];
    memset(sakke, 0xAB, sizeof sakke);
    sakke[0] = 4;
    memset(ext, 0x43, sizeof ext);
    memset(sig, 0x5C, sizeof sig);
    o->n = 0;
    p8(o, 1); p8(o, 26); p8(o, 5); p8(o, 1); p32(o, 0x01C8DE7B);       /* HDR */
    p8(o, 1); p8(o, 2);                                                 /* #CS 1, GENERIC-ID */
    p8(o, 4); p8(o, 0); p8(o, 1); p8(o, 0); p16(o, 0); p8(o, 8); p32(o, 0x09BF9D37); p32(o, 0x01C8DE7B);
    p8(o, 11); p8(o, 0); p32(o, 0xD6B43232); p32(o, 0x80000000);       /* T NTP-UTC */
    p8(o, 14); p8(o, 16); put(o, rand, 16);                             /* RAND */
    p8(o, 14); p8(o, 1); p8(o, 1); p16(o, (unsigned)strlen(I)); put(o, I, strlen(I));
    p8(o, 14); p8(o, 2); p8(o, 1); p16(o, (unsigned)strlen(R)); put(o, R, strlen(R));
    p8(o, 14); p8(o, 6); p8(o, 1); p16(o, (unsigned)strlen(K)); put(o, K, strlen(K));
    p8(o, 10); p8(o, 7); p8(o, 1); p16(o, (unsigned)strlen(K)); put(o, K, strlen(K));
    p8(o, 26); p8(o, 0); p8(o, 0); p16(o, sizeof sp); put(o, sp, sizeof sp);   /* SP */
    p8(o, 21); p8(o, 1); p8(o, 2); p16(o, 273); put(o, sakke, 273);    /* SAKKE */
    p8(o, 4); p8(o, 7); p16(o, sizeof ext); put(o, ext, sizeof ext);   /* GEXT type 7 */
    size_t signed_len = o->n + 2;
    p16(o, 0x2000 | 129); put(o, sig, 129);                             /* SIGN ECCSI */
    return signed_len;
}

int main(void)
{
    w m;
    size_t signed_len = build(&m);
    mcsec_mikey_msg d;
    TU_CHECK_ERR(mcsec_mikey_decode(&d, m.b, m.n), MCSEC_OK);
    TU_CHECK(d.version == 1 && d.data_type == 26 && d.v_flag == 0 && d.prf_func == 1);
    TU_CHECK(d.csb_id == 0x01C8DE7B && d.n_cs == 1 && d.cs_map_type == 2);
    TU_CHECK(d.cs[0].cs_id == 4 && d.cs[0].prot_type == 0 && d.cs[0].n_policies == 1 &&
             d.cs[0].policies[0] == 0 && d.cs[0].session_data_len == 0 && d.cs[0].spi_len == 8);
    static const uint8_t mki[8] = { 0x09, 0xBF, 0x9D, 0x37, 0x01, 0xC8, 0xDE, 0x7B };
    TU_CHECK_MEM(d.cs[0].spi, mki, 8);
    TU_CHECK(d.has_t && d.ts_type == 0 && d.ts_value == 0xD6B4323280000000ULL);
    TU_CHECK(d.has_rand && d.rand_len == 16 && d.rand[0] == 0x68);
    TU_CHECK(d.n_idr == 4);
    const mcsec_mikey_idr *r = mcsec_mikey_find_idr(&d, MCSEC_MIKEY_ROLE_R);
    TU_CHECK(r && r->type == 1 && r->len == strlen(R) && memcmp(r->data, R, r->len) == 0);
    TU_CHECK(mcsec_mikey_find_idr(&d, MCSEC_MIKEY_ROLE_KMSR) != NULL);
    TU_CHECK(mcsec_mikey_find_idr(&d, MCSEC_MIKEY_ROLE_UIDR) == NULL);
    TU_CHECK(d.n_sp == 1 && d.sp[0].params_len == 27);
    TU_CHECK(d.has_sakke && d.sakke_params == 1 && d.sakke_id_scheme == 2 && d.sakke_len == 273 &&
             d.sakke_data[0] == 4);
    TU_CHECK(d.n_ext == 1 && d.ext[0].type == 7 && d.ext[0].len == 40);
    TU_CHECK(d.has_sign && d.sign_type == 2 && d.sign_len == 129 && d.signed_len == signed_len &&
             d.sign == m.b + signed_len);

    /* every truncation is an error, never success or a crash */
    size_t bad = 0;
    for (size_t n = 0; n < m.n; n++)
        bad += mcsec_mikey_decode(&d, m.b, n) != MCSEC_OK;
    TU_CHECK(bad == m.n);
    TU_CHECK_ERR(mcsec_mikey_decode(&d, m.b, 100), MCSEC_ERR_TRUNCATED);
    TU_CHECK(d.error_offset <= 100 && d.n_idr == 0); /* failed decode leaves an empty view */
    /* a trailing octet */
    m.b[m.n] = 0;
    TU_CHECK_ERR(mcsec_mikey_decode(&d, m.b, m.n + 1), MCSEC_ERR_TRAILING);

    w x;
    /* version 2 */
    build(&x);
    x.b[0] = 2;
    TU_CHECK_ERR(mcsec_mikey_decode(&d, x.b, x.n), MCSEC_ERR_UNSUPPORTED);
    /* empty map with #CS = 1 */
    build(&x);
    x.b[9] = 1;
    TU_CHECK_ERR(mcsec_mikey_decode(&d, x.b, x.n), MCSEC_ERR_MALFORMED);
    /* unknown map type */
    build(&x);
    x.b[9] = 9;
    TU_CHECK_ERR(mcsec_mikey_decode(&d, x.b, x.n), MCSEC_ERR_UNSUPPORTED);
    /* HDR's first payload: undefined type 13, then KEMAC (1) */
    build(&x);
    x.b[2] = 13;
    TU_CHECK_ERR(mcsec_mikey_decode(&d, x.b, x.n), MCSEC_ERR_UNKNOWN_TYPE);
    x.b[2] = 1;
    TU_CHECK_ERR(mcsec_mikey_decode(&d, x.b, x.n), MCSEC_ERR_UNSUPPORTED);
    /* T's next payload says T again: the RAND bytes are read as a second T */
    build(&x);
    TU_CHECK(x.b[25] == 11);
    x.b[25] = 5;
    TU_CHECK_ERR(mcsec_mikey_decode(&d, x.b, x.n), MCSEC_ERR_DUPLICATE);
    /* IDRr with the initiator's role */
    build(&x);
    size_t idr_r = 25 + 10 + 18 + 5 + strlen(I); /* HDR+map 25, T 10, RAND 18, IDRi */
    TU_CHECK(x.b[idr_r] == 14 && x.b[idr_r + 1] == 2);
    x.b[idr_r + 1] = 1;
    TU_CHECK_ERR(mcsec_mikey_decode(&d, x.b, x.n), MCSEC_ERR_DUPLICATE);
    /* RAND of length 0 */
    w y;
    y.n = 0;
    p8(&y, 1); p8(&y, 26); p8(&y, 11); p8(&y, 1); p32(&y, 1); p8(&y, 0); p8(&y, 1);
    p8(&y, 0); p8(&y, 0);
    TU_CHECK_ERR(mcsec_mikey_decode(&d, y.b, y.n), MCSEC_ERR_MALFORMED);
    /* SP parameters that overrun their length */
    y.n = 0;
    p8(&y, 1); p8(&y, 26); p8(&y, 10); p8(&y, 1); p32(&y, 1); p8(&y, 0); p8(&y, 1);
    p8(&y, 0); p8(&y, 0); p8(&y, 0); p16(&y, 3); p8(&y, 0); p8(&y, 5); p8(&y, 6);
    TU_CHECK_ERR(mcsec_mikey_decode(&d, y.b, y.n), MCSEC_ERR_MALFORMED);
    /* a message without SIGN ending with Next payload 0 decodes (e.g. an error message) */
    y.n = 0;
    p8(&y, 1); p8(&y, 6); p8(&y, 12); p8(&y, 1); p32(&y, 1); p8(&y, 0); p8(&y, 1);
    p8(&y, 0); p8(&y, 7); p16(&y, 0);
    TU_CHECK_ERR(mcsec_mikey_decode(&d, y.b, y.n), MCSEC_OK);
    TU_CHECK(d.has_err && d.err_no == 7 && !d.has_sign);
    TU_CHECK_ERR(mcsec_mikey_decode(NULL, y.b, y.n), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_mikey_decode(&d, NULL, 3), MCSEC_ERR_ARG);
    return tu_finish("test_mikey_codec");
}
