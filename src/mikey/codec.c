/* MIKEY message decoding (RFC 3830 §6, RFC 6043 §6, RFC 6509 §4). A
 * bounds-checked cursor with a sticky error: every read past the end records
 * MCSEC_ERR_TRUNCATED and yields zeros, and the function has one exit. */
#include "mcsec/mikey.h"

#include <string.h>

typedef struct cursor {
    const uint8_t *p;
    size_t len, off;
    mcsec_err err;
} cursor;

static void fail(cursor *c, mcsec_err e)
{
    if (!c->err)
        c->err = e;
}

/* A pointer to the next n octets, or NULL (and TRUNCATED) if they are not there. */
static const uint8_t *take(cursor *c, size_t n)
{
    if (c->err)
        return NULL;
    if (n > c->len - c->off) {
        fail(c, MCSEC_ERR_TRUNCATED);
        return NULL;
    }
    const uint8_t *r = c->p + c->off;
    c->off += n;
    return r;
}

static uint64_t get_be(cursor *c, size_t n)
{
    const uint8_t *b = take(c, n);
    uint64_t v = 0;
    for (size_t i = 0; b && i < n; i++)
        v = v << 8 | b[i];
    return v;
}

static uint8_t u8(cursor *c) { return (uint8_t)get_be(c, 1); }
static uint16_t u16(cursor *c) { return (uint16_t)get_be(c, 2); }
static uint32_t u32(cursor *c) { return (uint32_t)get_be(c, 4); }

/* RFC 3830 §6.1 CS ID map info for map types 0 (SRTP-ID), 1 (empty), 2 (GENERIC-ID, RFC 6043 §6.1.1) */
static void decode_cs_map(cursor *c, mcsec_mikey_msg *m)
{
    if (m->n_cs > MCSEC_MIKEY_MAX_CS) {
        fail(c, MCSEC_ERR_UNSUPPORTED);
        return;
    }
    switch (m->cs_map_type) {
    case 0:
        for (uint8_t i = 0; i < m->n_cs; i++) {
            m->cs[i].cs_id = (uint8_t)(i + 1);
            m->cs[i].policy_no = u8(c);
            m->cs[i].ssrc = u32(c);
            m->cs[i].roc = u32(c);
        }
        break;
    case 1:
        if (m->n_cs != 0) /* an empty map describes no crypto session */
            fail(c, MCSEC_ERR_MALFORMED);
        break;
    case 2:
        for (uint8_t i = 0; i < m->n_cs; i++) {
            mcsec_mikey_cs *cs = &m->cs[i];
            cs->cs_id = u8(c);
            cs->prot_type = u8(c);
            uint8_t sp = u8(c);
            cs->s_flag = sp >> 7;
            cs->n_policies = sp & 0x7F;
            cs->policies = take(c, cs->n_policies);
            cs->session_data_len = u16(c);
            cs->session_data = take(c, cs->session_data_len);
            cs->spi_len = u8(c);
            cs->spi = take(c, cs->spi_len);
        }
        break;
    default:
        fail(c, MCSEC_ERR_UNSUPPORTED);
    }
}

/* SP policy parameters must be whole Type/Length/Value triplets (RFC 3830 §6.10). */
static int sp_params_tile(const uint8_t *p, size_t len)
{
    size_t off = 0;
    while (off < len) {
        if (len - off < 2 || p[off + 1] > len - off - 2)
            return 0;
        off += 2 + (size_t)p[off + 1];
    }
    return 1;
}

static void decode_payload(cursor *c, mcsec_mikey_msg *m, uint8_t type, uint8_t *next)
{
    switch (type) {
    case MCSEC_MIKEY_PT_T:
        if (m->has_t)
            fail(c, MCSEC_ERR_DUPLICATE);
        m->has_t = 1;
        *next = u8(c);
        m->ts_type = u8(c);
        if (m->ts_type <= 1)
            m->ts_value = get_be(c, 8);
        else if (m->ts_type == 2)
            m->ts_value = get_be(c, 4);
        else
            fail(c, MCSEC_ERR_UNSUPPORTED);
        break;
    case MCSEC_MIKEY_PT_RAND:
        if (m->has_rand)
            fail(c, MCSEC_ERR_DUPLICATE);
        m->has_rand = 1;
        *next = u8(c);
        m->rand_len = u8(c);
        m->rand = take(c, m->rand_len);
        if (!c->err && m->rand_len == 0)
            fail(c, MCSEC_ERR_MALFORMED);
        break;
    case MCSEC_MIKEY_PT_IDR: {
        if (m->n_idr == MCSEC_MIKEY_MAX_IDR) {
            fail(c, MCSEC_ERR_UNSUPPORTED);
            break;
        }
        mcsec_mikey_idr *id = &m->idr[m->n_idr];
        *next = u8(c);
        id->role = u8(c);
        id->type = u8(c);
        id->len = u16(c);
        id->data = take(c, id->len);
        if (!c->err && mcsec_mikey_find_idr(m, id->role))
            fail(c, MCSEC_ERR_DUPLICATE);
        m->n_idr++;
        break;
    }
    case MCSEC_MIKEY_PT_SP: {
        if (m->n_sp == MCSEC_MIKEY_MAX_SP) {
            fail(c, MCSEC_ERR_UNSUPPORTED);
            break;
        }
        mcsec_mikey_sp *sp = &m->sp[m->n_sp++];
        *next = u8(c);
        sp->policy_no = u8(c);
        sp->prot_type = u8(c);
        sp->params_len = u16(c);
        sp->params = take(c, sp->params_len);
        if (!c->err && !sp_params_tile(sp->params, sp->params_len))
            fail(c, MCSEC_ERR_MALFORMED);
        break;
    }
    case MCSEC_MIKEY_PT_SAKKE:
        if (m->has_sakke)
            fail(c, MCSEC_ERR_DUPLICATE);
        m->has_sakke = 1;
        *next = u8(c);
        m->sakke_params = u8(c);
        m->sakke_id_scheme = u8(c);
        m->sakke_len = u16(c);
        m->sakke_data = take(c, m->sakke_len);
        break;
    case MCSEC_MIKEY_PT_GEXT: {
        if (m->n_ext == MCSEC_MIKEY_MAX_EXT) {
            fail(c, MCSEC_ERR_UNSUPPORTED);
            break;
        }
        mcsec_mikey_ext *e = &m->ext[m->n_ext++];
        *next = u8(c);
        e->type = u8(c);
        e->len = u16(c);
        e->data = take(c, e->len);
        break;
    }
    case MCSEC_MIKEY_PT_ERR:
        if (m->has_err)
            fail(c, MCSEC_ERR_DUPLICATE);
        m->has_err = 1;
        *next = u8(c);
        m->err_no = u8(c);
        (void)u16(c); /* reserved */
        break;
    case MCSEC_MIKEY_PT_SIGN: {
        /* RFC 3830 §6.5: S type (4) | Signature len (12) | Signature; no Next
         * payload: SIGN ends the message, and covers everything before the signature */
        uint16_t h = u16(c);
        m->has_sign = 1;
        m->sign_type = (uint8_t)(h >> 12);
        m->sign_len = h & 0x0FFF;
        m->signed_len = c->off;
        m->sign = take(c, m->sign_len);
        *next = MCSEC_MIKEY_PT_LAST;
        break;
    }
    case 1: case 2: case 3: case 6: case 7: case 8: case 9: case 20:
        /* KEMAC, PKE, DH, ID, CERT, CHASH, V, Key data: defined by RFC 3830 but
         * not part of a MIKEY-SAKKE message */
        fail(c, MCSEC_ERR_UNSUPPORTED);
        break;
    default:
        fail(c, MCSEC_ERR_UNKNOWN_TYPE);
    }
}

mcsec_err mcsec_mikey_decode(mcsec_mikey_msg *msg, const uint8_t *buf, size_t len)
{
    if (!msg)
        return MCSEC_ERR_ARG;
    memset(msg, 0, sizeof *msg);
    if (!buf)
        return MCSEC_ERR_ARG;
    cursor c = { buf, len, 0, MCSEC_OK };
    mcsec_mikey_msg *m = msg;

    /* RFC 3830 §6.1 common header */
    m->version = u8(&c);
    m->data_type = u8(&c);
    uint8_t next = u8(&c);
    uint8_t vp = u8(&c);
    m->v_flag = vp >> 7;
    m->prf_func = vp & 0x7F;
    m->csb_id = u32(&c);
    m->n_cs = u8(&c);
    m->cs_map_type = u8(&c);
    if (!c.err && m->version != 1)
        fail(&c, MCSEC_ERR_UNSUPPORTED);
    decode_cs_map(&c, m);

    /* each payload consumes at least two octets, so the chain ends */
    while (!c.err && next != MCSEC_MIKEY_PT_LAST) {
        uint8_t type = next;
        decode_payload(&c, m, type, &next);
    }
    if (!c.err && c.off != len)
        fail(&c, MCSEC_ERR_TRAILING);

    if (c.err) {
        memset(msg, 0, sizeof *msg);
        msg->error_offset = c.off;
    }
    return c.err;
}

const mcsec_mikey_idr *mcsec_mikey_find_idr(const mcsec_mikey_msg *msg, uint8_t role)
{
    for (size_t i = 0; msg && i < msg->n_idr; i++)
        if (msg->idr[i].role == role)
            return &msg->idr[i];
    return NULL;
}
