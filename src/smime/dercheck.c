/* Strict checks of the CMS fields that OpenSSL parses but does not look at
 * when it verifies or decrypts: version numbers (RFC 5652 §5.1, §5.3, §6.1,
 * §6.2; RFC 5083 §2.1), the digestAlgorithms set against the SignerInfos
 * (RFC 5652 §5.1) and the GCM ICV length against the mac (RFC 5084 §3.2).
 * Without them a flipped bit in those fields would go unnoticed. */
#include "smime_int.h"

#include <string.h>

typedef struct tlv {
    uint8_t tag;
    const uint8_t *v;   /* value */
    size_t vl;
    const uint8_t *all; /* tag .. end of value */
    size_t len;
} tlv;

/* Reads the next DER TLV from *p (n octets left); 0, or -1 (bad or
 * indefinite length, truncated). Single-octet tags only. */
static int next(const uint8_t **p, size_t *n, tlv *t)
{
    const uint8_t *s = *p;
    size_t left = *n;
    if (left < 2 || (s[0] & 0x1f) == 0x1f)
        return -1;
    size_t len, hdr;
    if (s[1] < 0x80) {
        len = s[1];
        hdr = 2;
    } else {
        size_t k = s[1] & 0x7f;
        if (k == 0 || k > 4 || left < 2 + k)
            return -1;
        len = 0;
        for (size_t i = 0; i < k; i++)
            len = len << 8 | s[2 + i];
        hdr = 2 + k;
    }
    if (len > left - hdr)
        return -1;
    t->tag = s[0];
    t->v = s + hdr;
    t->vl = len;
    t->all = s;
    t->len = hdr + len;
    *p = s + t->len;
    *n = left - t->len;
    return 0;
}

/* A small INTEGER's value, or -1. */
static long small_int(const tlv *t)
{
    if (t->tag != 0x02 || t->vl != 1 || t->v[0] > 0x7f)
        return -1;
    return t->v[0];
}

static int in_set(const tlv *set, const tlv *x)
{
    const uint8_t *p = set->v;
    size_t n = set->vl;
    tlv e;
    while (n && next(&p, &n, &e) == 0)
        if (e.len == x->len && memcmp(e.all, x->all, x->len) == 0)
            return 1;
    return 0;
}

static mcsec_err check_signed(const uint8_t *p, size_t n)
{
    tlv ver, dalgs, encap, t, sis;
    if (next(&p, &n, &ver) || next(&p, &n, &dalgs) || next(&p, &n, &encap) || dalgs.tag != 0x31)
        return MCSEC_ERR_MALFORMED;
    do {
        if (next(&p, &n, &t))
            return MCSEC_ERR_MALFORMED;
        if (t.tag == 0xa0) { /* certificates: X.509 certificates only */
            const uint8_t *c = t.v;
            size_t cn = t.vl;
            tlv cert;
            while (cn)
                if (next(&c, &cn, &cert) || cert.tag != 0x30)
                    return MCSEC_ERR_UNSUPPORTED;
        }
    } while (t.tag == 0xa0 || t.tag == 0xa1);
    sis = t;
    if (sis.tag != 0x31 || n != 0)
        return MCSEC_ERR_MALFORMED;
    long want_v = 1, used = 0;
    const uint8_t *s = sis.v;
    size_t sn = sis.vl;
    while (sn) {
        tlv si, v, sid, dalg;
        if (next(&s, &sn, &si) || si.tag != 0x30)
            return MCSEC_ERR_MALFORMED;
        const uint8_t *q = si.v;
        size_t qn = si.vl;
        if (next(&q, &qn, &v) || next(&q, &qn, &sid) || next(&q, &qn, &dalg))
            return MCSEC_ERR_MALFORMED;
        long sv = small_int(&v);
        if (!((sid.tag == 0x30 && sv == 1) || (sid.tag == 0x80 && sv == 3)))
            return MCSEC_ERR_MALFORMED; /* §5.3: 1 with issuerAndSerialNumber, 3 with SKI */
        if (sv == 3)
            want_v = 3;
        if (!in_set(&dalgs, &dalg))
            return MCSEC_ERR_MALFORMED;
        used++;
    }
    /* every digestAlgorithms entry is one a signer uses */
    const uint8_t *d = dalgs.v;
    size_t dn = dalgs.vl;
    while (dn) {
        tlv a;
        int found = 0;
        if (next(&d, &dn, &a))
            return MCSEC_ERR_MALFORMED;
        s = sis.v;
        sn = sis.vl;
        while (sn && !found) {
            tlv si, v, sid, dalg;
            next(&s, &sn, &si);
            const uint8_t *q = si.v;
            size_t qn = si.vl;
            if (next(&q, &qn, &v) == 0 && next(&q, &qn, &sid) == 0 && next(&q, &qn, &dalg) == 0)
                found = dalg.len == a.len && memcmp(dalg.all, a.all, a.len) == 0;
        }
        if (!found)
            return MCSEC_ERR_MALFORMED;
    }
    if (used == 0 || small_int(&ver) != want_v) /* §5.1 (id-data, no attribute certificates) */
        return MCSEC_ERR_MALFORMED;
    return MCSEC_OK;
}

static mcsec_err check_enveloped(const uint8_t *p, size_t n, int auth)
{
    tlv ver, t, eci;
    int originator = 0;
    if (next(&p, &n, &ver) || next(&p, &n, &t))
        return MCSEC_ERR_MALFORMED;
    if (t.tag == 0xa0) {
        originator = 1;
        if (next(&p, &n, &t))
            return MCSEC_ERR_MALFORMED;
    }
    if (t.tag != 0x31)
        return MCSEC_ERR_MALFORMED;
    long want = 0;
    const uint8_t *r = t.v;
    size_t rn = t.vl;
    while (rn) {
        tlv ri, v, rid;
        if (next(&r, &rn, &ri))
            return MCSEC_ERR_MALFORMED;
        const uint8_t *q = ri.v;
        size_t qn = ri.vl;
        if (next(&q, &qn, &v) || next(&q, &qn, &rid))
            return MCSEC_ERR_MALFORMED;
        long rv = small_int(&v), need;
        switch (ri.tag) {
        case 0x30: need = rid.tag == 0x80 ? 2 : 0; break; /* ktri §6.2.1 */
        case 0xa1: need = 3; break;                      /* kari §6.2.2 */
        case 0xa2: need = 4; break;                      /* kekri §6.2.3 */
        case 0xa3: need = 0; want = 3; break;            /* pwri §6.2.4 */
        default: return MCSEC_ERR_UNSUPPORTED;
        }
        if (rv != need)
            return MCSEC_ERR_MALFORMED;
        if (rv != 0 && want < 2)
            want = 2;
    }
    if (next(&p, &n, &eci) || eci.tag != 0x30)
        return MCSEC_ERR_MALFORMED;
    long v = small_int(&ver);
    if (auth ? v != 0 : (!originator && v != want))
        return MCSEC_ERR_MALFORMED;
    if (!auth)
        return MCSEC_OK;
    /* AuthEnvelopedData: the GCM ICV length (default 12) is the mac's length */
    const uint8_t *q = eci.v;
    size_t qn = eci.vl;
    tlv ct, alg, oid, params, nonce, icv, mac;
    if (next(&q, &qn, &ct) || next(&q, &qn, &alg))
        return MCSEC_ERR_MALFORMED;
    q = alg.v;
    qn = alg.vl;
    if (next(&q, &qn, &oid) || next(&q, &qn, &params) || params.tag != 0x30)
        return MCSEC_ERR_MALFORMED;
    q = params.v;
    qn = params.vl;
    long icvlen = 12;
    if (next(&q, &qn, &nonce))
        return MCSEC_ERR_MALFORMED;
    if (qn) {
        if (next(&q, &qn, &icv) || (icvlen = small_int(&icv)) < 12 || icvlen > 16 || qn)
            return MCSEC_ERR_MALFORMED;
    }
    do {
        if (next(&p, &n, &mac))
            return MCSEC_ERR_MALFORMED;
    } while (mac.tag == 0xa1);
    if (mac.tag != 0x04 || mac.vl != (size_t)icvlen)
        return MCSEC_ERR_MALFORMED;
    return MCSEC_OK;
}

mcsec_err smime_der_check(const uint8_t *der, size_t n, int nid_kind)
{
    tlv ci, oid, ctx, inner;
    const uint8_t *p = der;
    if (n >= 2 && der[1] == 0x80)
        return MCSEC_OK; /* BER indefinite length (openssl cms -stream): not walked */
    if (next(&p, &n, &ci) || ci.tag != 0x30)
        return MCSEC_ERR_MALFORMED;
    p = ci.v;
    n = ci.vl;
    if (next(&p, &n, &oid) || next(&p, &n, &ctx) || ctx.tag != 0xa0)
        return MCSEC_ERR_MALFORMED;
    p = ctx.v;
    n = ctx.vl;
    if (next(&p, &n, &inner) || inner.tag != 0x30 || n != 0)
        return MCSEC_ERR_MALFORMED;
    if (nid_kind == 0)
        return check_signed(inner.v, inner.vl);
    return check_enveloped(inner.v, inner.vl, nid_kind == 2);
}
