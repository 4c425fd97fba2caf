/* MCPTT SIP requests and their MIME parts: building (RFC 3261 §7.1, RFC 2046
 * §5.1.3 multipart/mixed, RFC 4567 key-mgmt, TS 24.379 F.1 mcptt-info),
 * splitting a multipart body (RFC 2046 §5.1.1), and the S/MIME protection of
 * one part (RFC 3261 §23.3: a part of a multipart body may be an
 * application/pkcs7-mime entity). Headers are scanned by src/smime's bounded
 * scanner; the protection itself is mcsec_smime_protect/unprotect on a
 * carrier message whose body is the one part. */
#include "mcsec/mcptt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smime/smime_int.h"

/* ---- building ------------------------------------------------------------- */

static int field_ok(const char *s, size_t max)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    return n > 0 && n <= max && strpbrk(s, "\r\n") == NULL;
}

static void xml_escaped(dbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': db_str(b, "&amp;"); break;
        case '<': db_str(b, "&lt;"); break;
        case '>': db_str(b, "&gt;"); break;
        case '"': db_str(b, "&quot;"); break;
        default: db_put(b, s, 1);
        }
    }
}

static void info_element(dbuf *b, const char *name, const char *uri)
{
    if (!uri)
        return;
    db_str(b, "<");
    db_str(b, name);
    db_str(b, " type=\"Normal\"><mcpttURI>");
    xml_escaped(b, uri);
    db_str(b, "</mcpttURI></");
    db_str(b, name);
    db_str(b, ">\r\n");
}

/* 1 if needle (n octets) occurs in hay (m octets). */
static int contains(const uint8_t *hay, size_t m, const uint8_t *needle, size_t n)
{
    for (size_t i = 0; n && i + n <= m; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, n) == 0)
            return 1;
    return 0;
}

static mcsec_err emit(uint8_t *out, size_t *out_len, const dbuf *m)
{
    if (m->failed)
        return MCSEC_ERR_NOMEM;
    if (!out || *out_len < m->n) {
        *out_len = m->n;
        return MCSEC_ERR_BUFFER;
    }
    memcpy(out, m->p, m->n);
    *out_len = m->n;
    return MCSEC_OK;
}

mcsec_err mcsec_mcptt_build_request(uint8_t *out, size_t *out_len, const mcsec_mcptt_request *r)
{
    if (!out_len || !r || !field_ok(r->method, 15) || !field_ok(r->request_uri, MCSEC_MCPTT_MAX_URI) ||
        !field_ok(r->from, MCSEC_MCPTT_MAX_URI) || !field_ok(r->from_tag, 64) ||
        !field_ok(r->to, MCSEC_MCPTT_MAX_URI) || (r->to_tag && !field_ok(r->to_tag, 64)) ||
        !field_ok(r->call_id, MCSEC_MCPTT_MAX_URI) || !field_ok(r->via_host, 64) ||
        !field_ok(r->branch, 64) || strncmp(r->branch, "z9hG4bK", 7) != 0 ||
        (r->mikey_b64 && !field_ok(r->mikey_b64, 8192)) ||
        (r->calling_id && !field_ok(r->calling_id, MCSEC_MCPTT_MAX_URI)) ||
        (r->called_id && !field_ok(r->called_id, MCSEC_MCPTT_MAX_URI)) ||
        (r->group_id && !field_ok(r->group_id, MCSEC_MCPTT_MAX_URI)) ||
        (r->extra && (!field_ok(r->extra_type, 127) || r->extra_len == 0)) ||
        strpbrk(r->method, " \t") || strpbrk(r->request_uri, " \t"))
        return MCSEC_ERR_ARG;

    /* the parts, each a MIME entity (fields, empty line, body) */
    dbuf part[3] = { { 0 } }, msg = { 0 };
    size_t np = 0;
    mcsec_err err = MCSEC_ERR_NOMEM;
    if (r->mikey_b64) {
        /* RFC 4566 session with one audio stream; RFC 4567 §3.1 session-level key-mgmt */
        char sdp[512];
        snprintf(sdp, sizeof sdp,
                 "Content-Type: application/sdp\r\n\r\n"
                 "v=0\r\no=- 0 0 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\na=key-mgmt:mikey ",
                 r->via_host, r->via_host);
        db_str(&part[np], sdp);
        db_str(&part[np], r->mikey_b64);
        db_str(&part[np], "\r\nm=audio 0 RTP/SAVP 96\r\na=rtpmap:96 AMR-WB/16000\r\n");
        np++;
    }
    if (r->calling_id || r->called_id || r->group_id) {
        db_str(&part[np], "Content-Type: " MCSEC_MCPTT_INFO_TYPE "\r\n\r\n"
                          "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
                          "<mcpttinfo xmlns=\"" MCSEC_MCPTT_INFO_NS "\">\r\n<mcptt-Params>\r\n");
        info_element(&part[np], "mcptt-request-uri", r->called_id);
        info_element(&part[np], "mcptt-calling-user-id", r->calling_id);
        info_element(&part[np], "mcptt-calling-group-id", r->group_id);
        db_str(&part[np], "</mcptt-Params>\r\n</mcpttinfo>\r\n");
        np++;
    }
    if (r->extra) {
        db_str(&part[np], "Content-Type: ");
        db_str(&part[np], r->extra_type);
        db_str(&part[np], "\r\n\r\n");
        db_put(&part[np], r->extra, r->extra_len);
        np++;
    }
    for (size_t i = 0; i < np; i++)
        if (part[i].failed)
            goto out;

    /* a boundary that none of the parts contains (RFC 2046 §5.1.1) */
    char boundary[MCSEC_MCPTT_MAX_BOUNDARY + 1] = "";
    for (unsigned k = 0; np > 1; k++) {
        snprintf(boundary, sizeof boundary, "mcsec-mcptt-%08x", 0x5a17c0deu + k * 0x9e3779b9u);
        int clash = 0;
        for (size_t i = 0; i < np; i++)
            clash |= contains(part[i].p, part[i].n, (const uint8_t *)boundary, strlen(boundary));
        if (!clash)
            break;
    }
    dbuf body = { 0 };
    if (np == 1) {
        /* a single part: its Content-Type goes into the SIP header */
        const uint8_t *sep = NULL;
        for (size_t i = 0; i + 4 <= part[0].n; i++)
            if (memcmp(part[0].p + i, "\r\n\r\n", 4) == 0) {
                sep = part[0].p + i;
                break;
            }
        db_put(&body, sep + 4, part[0].n - (size_t)(sep + 4 - part[0].p));
    } else if (np > 1) {
        for (size_t i = 0; i < np; i++) {
            db_str(&body, i ? "\r\n--" : "--");
            db_str(&body, boundary);
            db_str(&body, "\r\n");
            db_put(&body, part[i].p, part[i].n);
        }
        db_str(&body, "\r\n--");
        db_str(&body, boundary);
        db_str(&body, "--\r\n");
    }

    char line[1024];
    snprintf(line, sizeof line, "%s %s SIP/2.0\r\n", r->method, r->request_uri);
    db_str(&msg, line);
    snprintf(line, sizeof line, "Via: SIP/2.0/UDP %s:%u;branch=%s;rport\r\nMax-Forwards: 70\r\n",
             r->via_host, r->via_port, r->branch);
    db_str(&msg, line);
    snprintf(line, sizeof line, "From: <%s>;tag=%s\r\nTo: <%s>%s%s\r\n", r->from, r->from_tag, r->to,
             r->to_tag ? ";tag=" : "", r->to_tag ? r->to_tag : "");
    db_str(&msg, line);
    snprintf(line, sizeof line, "Call-ID: %s\r\nCSeq: %u %s\r\nContact: <sip:%s:%u>\r\n", r->call_id,
             r->cseq, r->method, r->via_host, r->via_port);
    db_str(&msg, line);
    if (r->expires >= 0) {
        snprintf(line, sizeof line, "Expires: %d\r\n", r->expires);
        db_str(&msg, line);
    }
    if (np == 1) {
        const uint8_t *eol = memchr(part[0].p, '\r', part[0].n);
        db_put(&msg, part[0].p, (size_t)(eol - part[0].p) + 2); /* its Content-Type line */
    } else if (np > 1) {
        snprintf(line, sizeof line, "Content-Type: multipart/mixed;boundary=%s\r\n", boundary);
        db_str(&msg, line);
    }
    snprintf(line, sizeof line, "Content-Length: %zu\r\n\r\n", body.n);
    db_str(&msg, line);
    db_put(&msg, body.p, body.n);
    msg.failed |= body.failed;
    db_free(&body);
    err = emit(out, out_len, &msg);
out:
    for (size_t i = 0; i < 3; i++)
        db_free(&part[i]);
    db_free(&msg);
    return err;
}

/* ---- splitting ------------------------------------------------------------ */

/* Position of the next "CRLF--boundary" at or after from, or (size_t)-1. */
static size_t find_delim(const uint8_t *b, size_t n, size_t from, const char *bd, size_t bl)
{
    for (size_t i = from; i + 4 + bl <= n; i++)
        if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '-' && b[i + 3] == '-' &&
            memcmp(b + i + 4, bd, bl) == 0)
            return i;
    return (size_t)-1;
}

/* After a boundary: "--" (close) or transport padding then CRLF. Returns the
 * offset after the line, or (size_t)-1; *close set for a close delimiter. */
static size_t after_delim(const uint8_t *b, size_t n, size_t pos, int *close)
{
    *close = 0;
    if (pos + 2 <= n && b[pos] == '-' && b[pos + 1] == '-') {
        *close = 1;
        return pos + 2; /* the epilogue follows and is ignored */
    }
    while (pos < n && (b[pos] == ' ' || b[pos] == '\t'))
        pos++;
    if (pos + 2 <= n && b[pos] == '\r' && b[pos + 1] == '\n')
        return pos + 2;
    return (size_t)-1;
}

mcsec_err mcsec_mcptt_parse_parts(mcsec_mcptt_parts *p, const uint8_t *sip, size_t sip_len)
{
    if (!p || !sip)
        return MCSEC_ERR_ARG;
    if (sip_len > MCSEC_SMIME_MAX_MESSAGE)
        return MCSEC_ERR_LENGTH;
    mcsec_mcptt_parts r;
    memset(&r, 0, sizeof r);
    hdr_block *hb = malloc(sizeof *hb);
    if (!hb)
        return MCSEC_ERR_NOMEM;
    mcsec_err err = smime_scan_sip(hb, sip, sip_len, MCSEC_ERR_MISSING);
    if (err)
        goto out;
    const hdr_field *ct = &hb->h[hb->idx[H_CTYPE]];
    char type[128];
    if ((err = smime_media_type(sip + ct->val_off, ct->val_len, type, sizeof type, "boundary",
                                r.boundary, sizeof r.boundary)) != MCSEC_OK)
        goto out;
    size_t bo = hb->body_off, bn = hb->body_len;
    if (strcmp(type, "multipart/mixed") != 0) {
        r.n = 1;
        r.part[0] = (mcsec_mcptt_part){ .off = bo, .len = bn, .body_off = bo, .body_len = bn };
        memcpy(r.part[0].type, type, strlen(type) + 1);
        goto done;
    }
    r.multipart = 1;
    size_t bl = strlen(r.boundary);
    err = MCSEC_ERR_MISSING;
    if (bl == 0)
        goto out;
    const uint8_t *b = sip + bo;
    /* the first delimiter: at the start of the body or after the preamble */
    size_t pos;
    err = MCSEC_ERR_MALFORMED;
    if (bn >= 2 + bl && b[0] == '-' && b[1] == '-' && memcmp(b + 2, r.boundary, bl) == 0)
        pos = 2 + bl;
    else if ((pos = find_delim(b, bn, 0, r.boundary, bl)) != (size_t)-1)
        pos += 4 + bl;
    else
        goto out;
    int close = 0;
    if ((pos = after_delim(b, bn, pos, &close)) == (size_t)-1 || close)
        goto out; /* a multipart has at least one part */
    for (;;) {
        size_t end = find_delim(b, bn, pos, r.boundary, bl);
        err = MCSEC_ERR_MALFORMED;
        if (end == (size_t)-1)
            goto out; /* no close delimiter */
        err = MCSEC_ERR_BUFFER;
        if (r.n == MCSEC_MCPTT_MAX_PARTS)
            goto out;
        mcsec_mcptt_part *pt = &r.part[r.n++];
        pt->off = bo + pos;
        pt->len = end - pos;
        /* the part's fields: CRLF only (RFC 2046 §5.1.1) */
        err = MCSEC_ERR_MALFORMED;
        if (pt->len < 2)
            goto out;
        hdr_block *pb = hb; /* the SIP header is no longer needed */
        if (b[pos] == '\r' && b[pos + 1] == '\n') {
            err = MCSEC_ERR_MISSING; /* no fields at all: no Content-Type */
            goto out;
        }
        if ((err = smime_scan_headers(pb, b + pos, pt->len, 0)) != MCSEC_OK)
            goto out;
        err = MCSEC_ERR_MALFORMED;
        if (pb->eol_len != 2)
            goto out;
        err = MCSEC_ERR_MISSING;
        if (pb->idx[H_CTYPE] < 0)
            goto out;
        const hdr_field *pc = &pb->h[pb->idx[H_CTYPE]];
        if ((err = smime_media_type(b + pos + pc->val_off, pc->val_len, pt->type, sizeof pt->type,
                                    NULL, NULL, 0)) != MCSEC_OK)
            goto out;
        pt->body_off = pt->off + pb->body_off;
        pt->body_len = pb->body_len;
        err = MCSEC_ERR_MALFORMED;
        if ((pos = after_delim(b, bn, end + 4 + bl, &close)) == (size_t)-1)
            goto out;
        if (close)
            break;
    }
done:
    *p = r;
    err = MCSEC_OK;
out:
    free(hb);
    return err;
}

int mcsec_mcptt_find_part(const mcsec_mcptt_parts *p, const char *type)
{
    if (!p || !type)
        return -1;
    for (size_t i = 0; i < p->n && i < MCSEC_MCPTT_MAX_PARTS; i++)
        if (smime_ieq((const uint8_t *)p->part[i].type, strlen(p->part[i].type), type))
            return (int)i;
    return -1;
}

/* ---- protecting and unprotecting one part ---------------------------------- */

/* The carrier: the SIP message with the part as its body (the part's
 * Content-* fields in place of the message's). */
static void carrier(dbuf *c, const hdr_block *sh, const hdr_block *ph, const uint8_t *pbody,
                    size_t pbody_len)
{
    const char *eol = sh->eol_len == 2 ? "\r\n" : "\n";
    dbuf ctf = { 0 };
    for (size_t i = 0; i < ph->n; i++) {
        const hdr_field *f = &ph->h[i];
        if (f->kind == H_CTYPE || f->kind == H_CDISP || f->kind == H_CTE) {
            db_put(&ctf, ph->buf + f->off, f->len);
            db_str(&ctf, eol);
        }
    }
    smime_rebuild(c, sh, &ctf, pbody, pbody_len);
    db_free(&ctf);
}

/* The new part: the old part's other fields, then the Content-* fields and
 * body of the processed carrier (CRLF line ends). */
static mcsec_err new_part(dbuf *np, const hdr_block *ph, const uint8_t *msg, size_t msg_len,
                          hdr_block *tmp)
{
    mcsec_err err = smime_scan_headers(tmp, msg, msg_len, 1);
    if (err)
        return err;
    for (size_t i = 0; i < ph->n; i++) {
        const hdr_field *f = &ph->h[i];
        if (f->kind == H_OTHER || f->kind == H_MIMEVER) {
            db_put(np, ph->buf + f->off, f->len);
            db_str(np, "\r\n");
        }
    }
    for (size_t i = 0; i < tmp->n; i++) {
        const hdr_field *f = &tmp->h[i];
        if (f->kind == H_CTYPE || f->kind == H_CDISP || f->kind == H_CTE) {
            db_put(np, tmp->buf + f->off, f->len);
            db_str(np, "\r\n");
        }
    }
    db_str(np, "\r\n");
    db_put(np, msg + tmp->body_off, tmp->body_len);
    return np->failed ? MCSEC_ERR_NOMEM : MCSEC_OK;
}

/* The message with part pt replaced by np (Content-Length rewritten). */
static void splice(dbuf *m, const hdr_block *sh, const mcsec_mcptt_part *pt, const dbuf *np)
{
    dbuf body = { 0 }, ctf = { 0 };
    const char *eol = sh->eol_len == 2 ? "\r\n" : "\n";
    const hdr_field *f = &sh->h[sh->idx[H_CTYPE]];
    db_put(&ctf, sh->buf + f->off, f->len);
    db_str(&ctf, eol);
    /* Content-Disposition / -Transfer-Encoding of the message are kept */
    for (int k = H_CDISP; k <= H_CTE; k++)
        if (sh->idx[k] >= 0) {
            const hdr_field *g = &sh->h[sh->idx[k]];
            db_put(&ctf, sh->buf + g->off, g->len);
            db_str(&ctf, eol);
        }
    db_put(&body, sh->buf + sh->body_off, pt->off - sh->body_off);
    db_put(&body, np->p, np->n);
    size_t end = pt->off + pt->len;
    db_put(&body, sh->buf + end, sh->body_off + sh->body_len - end);
    smime_rebuild(m, sh, &ctf, body.p, body.n);
    m->failed |= body.failed | ctf.failed | np->failed;
    db_free(&body);
    db_free(&ctf);
}

/* One mcsec_smime_* call on the carrier of part pt, into np. */
static mcsec_err process_part(dbuf *np, const hdr_block *sh, const mcsec_mcptt_part *pt,
                              const char *boundary, const mcsec_smime_protect_opts *po,
                              const mcsec_smime_unprotect_opts *uo, mcsec_smime_info *info,
                              hdr_block *ph, hdr_block *tmp)
{
    dbuf c = { 0 };
    uint8_t *res = NULL;
    size_t rn = 0;
    mcsec_err err = smime_scan_headers(ph, sh->buf + pt->off, pt->len, 0);
    if (err)
        goto out;
    carrier(&c, sh, ph, sh->buf + pt->body_off, pt->body_len);
    err = MCSEC_ERR_NOMEM;
    if (c.failed)
        goto out;
    rn = c.n + c.n / 2 + 65536;
    if (!(res = malloc(rn)))
        goto out;
    err = po ? mcsec_smime_protect(res, &rn, c.p, c.n, po)
             : mcsec_smime_unprotect(res, &rn, info, c.p, c.n, uo);
    if (err == MCSEC_ERR_BUFFER) {
        free(res);
        err = MCSEC_ERR_NOMEM;
        if (!(res = malloc(rn)))
            goto out;
        err = po ? mcsec_smime_protect(res, &rn, c.p, c.n, po)
                 : mcsec_smime_unprotect(res, &rn, info, c.p, c.n, uo);
    }
    if (err)
        goto out;
    if ((err = new_part(np, ph, res, rn, tmp)) != MCSEC_OK)
        goto out;
    /* boundary safety: the new part must not contain the delimiter */
    size_t bl = strlen(boundary);
    uint8_t delim[MCSEC_MCPTT_MAX_BOUNDARY + 2] = "--";
    memcpy(delim + 2, boundary, bl);
    if (bl && contains(np->p, np->n, delim, bl + 2)) {
        err = MCSEC_ERR_MALFORMED;
        if (!po || po->base64)
            goto out;
        mcsec_smime_protect_opts b64 = *po;
        b64.base64 = 1;
        db_free(np);
        memset(np, 0, sizeof *np);
        mcsec_wipe(res, rn);
        free(res);
        res = NULL;
        err = process_part(np, sh, pt, boundary, &b64, NULL, NULL, ph, tmp);
    }
out:
    if (res) {
        mcsec_wipe(res, rn);
        free(res);
    }
    db_free(&c);
    return err;
}

mcsec_err mcsec_mcptt_protect_part(uint8_t *out, size_t *out_len, const uint8_t *sip, size_t sip_len,
                                   const char *type, const mcsec_smime_protect_opts *opts)
{
    if (!out_len || !sip || !opts)
        return MCSEC_ERR_ARG;
    mcsec_mcptt_parts *ps = malloc(sizeof *ps);
    hdr_block *hb = malloc(3 * sizeof *hb);
    dbuf np = { 0 }, m = { 0 };
    mcsec_err err = MCSEC_ERR_NOMEM;
    if (!ps || !hb)
        goto out;
    if ((err = mcsec_mcptt_parse_parts(ps, sip, sip_len)) != MCSEC_OK)
        goto out;
    if (!type || !ps->multipart) {
        err = MCSEC_ERR_NOT_FOUND;
        if (type && mcsec_mcptt_find_part(ps, type) != 0)
            goto out;
        err = mcsec_smime_protect(out, out_len, sip, sip_len, opts);
        goto out;
    }
    int i = mcsec_mcptt_find_part(ps, type);
    err = MCSEC_ERR_NOT_FOUND;
    if (i < 0)
        goto out;
    err = MCSEC_ERR_UNSUPPORTED;
    if (strcmp(ps->part[i].type, "application/pkcs7-mime") == 0)
        goto out;
    if ((err = smime_scan_headers(hb, sip, sip_len, 1)) != MCSEC_OK)
        goto out;
    if ((err = process_part(&np, hb, &ps->part[i], ps->boundary, opts, NULL, NULL, hb + 1, hb + 2)))
        goto out;
    splice(&m, hb, &ps->part[i], &np);
    err = emit(out, out_len, &m);
out:
    db_free(&np);
    db_free(&m);
    free(ps);
    free(hb);
    return err;
}

mcsec_err mcsec_mcptt_unprotect(uint8_t *out, size_t *out_len, mcsec_smime_info *info,
                                const uint8_t *sip, size_t sip_len,
                                const mcsec_smime_unprotect_opts *opts)
{
    if (!out_len || !sip || !opts)
        return MCSEC_ERR_ARG;
    mcsec_mcptt_parts *ps = malloc(2 * sizeof *ps);
    hdr_block *hb = malloc(3 * sizeof *hb);
    dbuf np = { 0 }, m = { 0 }, cur = { 0 };
    mcsec_smime_info first = { 0 }, one;
    mcsec_err err = MCSEC_ERR_NOMEM;
    if (!ps || !hb)
        goto out;
    if ((err = mcsec_mcptt_parse_parts(ps, sip, sip_len)) != MCSEC_OK)
        goto out;
    if (!ps->multipart) {
        err = MCSEC_ERR_MISSING;
        if (strcmp(ps->part[0].type, "application/pkcs7-mime") != 0)
            goto out;
        err = mcsec_smime_unprotect(out, out_len, info, sip, sip_len, opts);
        goto out;
    }
    /* Replace protected parts one at a time, last first so that the offsets
     * of the earlier ones stay valid relative to the body (whose start moves
     * when Content-Length changes its number of digits). */
    if ((err = smime_scan_headers(hb, sip, sip_len, 1)) != MCSEC_OK)
        goto out;
    size_t orig_bo = hb->body_off;
    db_put(&cur, sip, sip_len);
    size_t done = 0;
    for (size_t k = ps->n; k-- > 0;) {
        if (strcmp(ps->part[k].type, "application/pkcs7-mime") != 0)
            continue;
        err = MCSEC_ERR_NOMEM;
        if (cur.failed)
            goto out;
        if ((err = smime_scan_headers(hb, cur.p, cur.n, 1)) != MCSEC_OK)
            goto out;
        mcsec_mcptt_part adj = ps->part[k], *pt = &adj;
        adj.off = adj.off - orig_bo + hb->body_off;
        adj.body_off = adj.body_off - orig_bo + hb->body_off;
        memset(&one, 0, sizeof one);
        db_free(&np);
        if ((err = process_part(&np, hb, pt, ps->boundary, NULL, opts, &one, hb + 1, hb + 2)))
            goto out;
        if (done == 0) {
            first = one;
        } else {
            unsigned keep = first.flags & one.flags;
            first = one; /* the earliest protected part's details, ... */
            first.flags = keep; /* ... the flags all parts share */
        }
        db_free(&m);
        splice(&m, hb, pt, &np);
        db_free(&cur);
        cur = m;
        memset(&m, 0, sizeof m);
        done++;
    }
    err = MCSEC_ERR_MISSING;
    if (done == 0)
        goto out;
    /* the result must still split into as many parts */
    if ((err = mcsec_mcptt_parse_parts(ps + 1, cur.p, cur.n)) != MCSEC_OK)
        goto out;
    err = MCSEC_ERR_MALFORMED;
    if (ps[1].n != ps[0].n)
        goto out;
    if ((err = emit(out, out_len, &cur)) != MCSEC_OK)
        goto out;
    if (info)
        *info = first;
out:
    mcsec_wipe(&first, sizeof first);
    db_free(&np);
    db_free(&m);
    db_free(&cur);
    free(ps);
    free(hb);
    return err;
}
