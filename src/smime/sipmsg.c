/* SIP and MIME header scanning for the S/MIME layer.
 *
 * libosip2 validates the message (start line, every header it knows) and
 * parses Content-Type values, but its serializer reorders and reformats header
 * fields, so the body and its Content-* fields are replaced on the raw text,
 * located by the bounded scanner below (RFC 3261 §7.3.1 field syntax:
 * name, optional white space, ':', value, continuation lines starting with
 * SP/HT). Every other field is copied byte for byte. */
#include "smime_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <stdarg.h>

#include <osipparser2/osip_message.h>
#include <osipparser2/osip_parser.h>
#include <osipparser2/osip_port.h>

int smime_ieq(const uint8_t *a, size_t n, const char *b)
{
    size_t m = strlen(b);
    if (n != m)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int x = a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x += 32;
        if (y >= 'A' && y <= 'Z')
            y += 32;
        if (x != y)
            return 0;
    }
    return 1;
}

/* RFC 3261 §25.1 token characters. */
static int is_token(int c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c && strchr("-.!%*_+`'~", c) != NULL;
}

static int kind_of(const uint8_t *name, size_t n)
{
    /* compact forms: RFC 3261 §7.3.3 (c = Content-Type, l = Content-Length) */
    if (smime_ieq(name, n, "content-type") || smime_ieq(name, n, "c"))
        return H_CTYPE;
    if (smime_ieq(name, n, "content-length") || smime_ieq(name, n, "l"))
        return H_CLEN;
    if (smime_ieq(name, n, "content-disposition"))
        return H_CDISP;
    if (smime_ieq(name, n, "content-transfer-encoding"))
        return H_CTE;
    if (smime_ieq(name, n, "mime-version"))
        return H_MIMEVER;
    return H_OTHER;
}

/* Length of the line starting at pos (without its EOL) if it ends with the
 * block's EOL; (size_t)-1 if the buffer ends first, -2 on a NUL or a CR not
 * part of the EOL. */
static size_t line_len(const hdr_block *hb, size_t pos)
{
    for (size_t i = pos; i < hb->len; i++) {
        uint8_t c = hb->buf[i];
        if (c == 0)
            return (size_t)-2;
        if (hb->eol_len == 2 && c == '\r') {
            if (i + 1 < hb->len && hb->buf[i + 1] == '\n')
                return i - pos;
            return (size_t)-2;
        }
        if (c == '\n') {
            if (hb->eol_len == 2)
                return (size_t)-2; /* bare LF in a CRLF message */
            if (i > pos && hb->buf[i - 1] == '\r')
                return (size_t)-2;
            return i - pos;
        }
    }
    return (size_t)-1;
}

/* RFC 3261 §7.1 / §7.2 start lines: "Method SP Request-URI SP SIP/2.0" or
 * "SIP/2.0 SP 3DIGIT SP Reason-Phrase". Checked here first so that libosip2,
 * which prints its own parse errors to stderr, rarely sees a bad one. */
static int start_line_ok(const uint8_t *p, size_t n)
{
    static const char ver[] = "SIP/2.0";
    if (n >= 12 && memcmp(p, ver, 7) == 0 && p[7] == ' ')
        return p[8] >= '1' && p[8] <= '6' && p[9] >= '0' && p[9] <= '9' && p[10] >= '0' &&
               p[10] <= '9' && p[11] == ' ';
    size_t i = 0;
    while (i < n && is_token(p[i]))
        i++;
    if (i == 0 || i == n || p[i] != ' ')
        return 0;
    const uint8_t *sp = memchr(p + i + 1, ' ', n - i - 1);
    return sp && sp > p + i + 1 && (size_t)(p + n - sp) == 8 && memcmp(sp + 1, ver, 7) == 0;
}

mcsec_err smime_scan_headers(hdr_block *hb, const uint8_t *buf, size_t len, int has_start_line)
{
    memset(hb, 0, sizeof *hb);
    hb->buf = buf;
    hb->len = len;
    for (int k = 0; k < 6; k++)
        hb->idx[k] = -1;
    mcsec_err err = MCSEC_ERR_MALFORMED;
    /* The EOL style is that of the first line. */
    const uint8_t *nl = memchr(buf, '\n', len);
    if (!nl)
        goto out;
    hb->eol_len = (nl > buf && nl[-1] == '\r') ? 2 : 1;
    size_t pos = 0;
    if (has_start_line) {
        size_t l = line_len(hb, 0);
        if (l == (size_t)-1 || l == (size_t)-2 || !start_line_ok(buf, l))
            goto out;
        pos = hb->start_len = l + hb->eol_len;
    }
    for (;;) {
        size_t l = line_len(hb, pos);
        if (l == (size_t)-1 || l == (size_t)-2)
            goto out; /* no empty line before the end, or a bad character */
        if (l == 0) {
            hb->body_off = pos + hb->eol_len;
            hb->body_len = len - hb->body_off;
            break;
        }
        if (hb->n == SMIME_MAX_HEADERS || buf[pos] == ' ' || buf[pos] == '\t')
            goto out; /* too many fields, or a continuation with nothing to continue */
        hdr_field *f = &hb->h[hb->n];
        f->off = pos;
        size_t i = pos;
        while (i < pos + l && is_token(buf[i]))
            i++;
        f->name_len = i - pos;
        while (i < pos + l && (buf[i] == ' ' || buf[i] == '\t'))
            i++;
        if (f->name_len == 0 || i == pos + l || buf[i] != ':')
            goto out;
        i++;
        /* the field ends at the last of its continuation lines */
        size_t end = pos + l;
        size_t next = end + hb->eol_len;
        while (next < len && (buf[next] == ' ' || buf[next] == '\t')) {
            size_t cl = line_len(hb, next);
            if (cl == (size_t)-1 || cl == (size_t)-2)
                goto out;
            end = next + cl;
            next = end + hb->eol_len;
        }
        while (i < end && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
            i++;
        size_t ve = end;
        while (ve > i && (buf[ve - 1] == ' ' || buf[ve - 1] == '\t'))
            ve--;
        f->val_off = i;
        f->val_len = ve - i;
        f->len = end - pos;
        f->kind = kind_of(buf + pos, f->name_len);
        if (f->kind != H_OTHER) {
            if (hb->idx[f->kind] >= 0) {
                err = MCSEC_ERR_DUPLICATE;
                goto out;
            }
            hb->idx[f->kind] = (int)hb->n;
        }
        hb->n++;
        pos = next;
    }
    err = MCSEC_OK;
out:
    return err;
}

mcsec_err smime_check_length(const hdr_block *hb)
{
    if (hb->idx[H_CLEN] < 0)
        return MCSEC_OK;
    const hdr_field *f = &hb->h[hb->idx[H_CLEN]];
    if (f->val_len == 0 || f->val_len > 10)
        return MCSEC_ERR_MALFORMED;
    uint64_t v = 0;
    for (size_t i = 0; i < f->val_len; i++) {
        uint8_t c = hb->buf[f->val_off + i];
        if (c < '0' || c > '9')
            return MCSEC_ERR_MALFORMED;
        v = v * 10 + (uint64_t)(c - '0');
    }
    if (v > hb->body_len)
        return MCSEC_ERR_TRUNCATED;
    if (v < hb->body_len)
        return MCSEC_ERR_TRAILING;
    return MCSEC_OK;
}

mcsec_err smime_scan_sip(hdr_block *hb, const uint8_t *sip, size_t len, mcsec_err no_body)
{
    mcsec_err err = smime_scan_headers(hb, sip, len, 1);
    if (err == MCSEC_OK && (hb->idx[H_CTYPE] < 0 || hb->body_len == 0))
        err = no_body;
    if (err == MCSEC_OK)
        err = smime_check_length(hb);
    if (err == MCSEC_OK)
        err = smime_osip_check(sip, len);
    return err;
}

/* 1 if the header line (len octets, no line end) is named full or compact
 * (case-insensitive, optional whitespace before the colon). */
static int smime_header_is(const uint8_t *line, size_t len, const char *full, const char *compact)
{
    size_t n = 0;
    while (n < len && line[n] != ':' && line[n] != ' ' && line[n] != '\t')
        n++;
    size_t k = n;
    while (k < len && (line[k] == ' ' || line[k] == '\t'))
        k++;
    if (k >= len || line[k] != ':')
        return 0;
    const char *names[2] = { full, compact };
    for (int j = 0; j < 2; j++) {
        if (strlen(names[j]) != n)
            continue;
        size_t x = 0;
        while (x < n && (line[x] | 0x20) == names[j][x])
            x++;
        if (x == n)
            return 1;
    }
    return 0;
}

/* libosip2 fills its header parser table once (parser_init); it is never
 * modified afterwards, so concurrent parsing is safe. */
static pthread_once_t osip_once = PTHREAD_ONCE_INIT;
static int osip_ready;

static void osip_quiet(const char *file, int line, osip_trace_level_t level, const char *fmt, va_list ap)
{
    (void)file;
    (void)line;
    (void)level;
    (void)fmt;
    (void)ap;
}

static void osip_setup(void)
{
    osip_ready = parser_init() == 0;
    /* libosip2 prints parse errors on stdout unless a trace function is
     * set; ours are return codes, and a server must not let a remote sender
     * write to its terminal. libosip2's trace sink is its own process-wide
     * setting: an application that wants libosip2's traces sets its own
     * function after its first mcsec S/MIME call. */
    osip_trace_initialize_func(END_TRACE_LEVEL, osip_quiet);
}

mcsec_err smime_osip_check(const uint8_t *buf, size_t len)
{
    pthread_once(&osip_once, osip_setup);
    if (!osip_ready)
        return MCSEC_ERR_INTERNAL;
    /* libosip2 sees the start line and the headers only, without
     * Content-Type and Content-Length (checked by our own code): it would
     * otherwise parse the body, and libosip2 5.3 leaks memory on some
     * malformed multipart bodies (found by fuzz_mcptt), which a remote sender
     * could trigger at will. */
    uint8_t *h = malloc(len + 1);
    if (h == NULL)
        return MCSEC_ERR_NOMEM;
    size_t hn = 0, i = 0;
    int skipping = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && buf[e] != '\n')
            e++;
        size_t next = e < len ? e + 1 : e, ll = e - i;
        if (ll > 0 && buf[e - 1] == '\r')
            ll--;
        if (ll == 0) { /* the blank line ends the headers */
            memcpy(h + hn, buf + i, next - i);
            hn += next - i;
            break;
        }
        if (buf[i] == ' ' || buf[i] == '\t') { /* a folded continuation line */
            if (!skipping) {
                memcpy(h + hn, buf + i, next - i);
                hn += next - i;
            }
        } else {
            skipping = i > 0 && (smime_header_is(buf + i, ll, "content-type", "c") ||
                                 smime_header_is(buf + i, ll, "content-length", "l"));
            if (!skipping) {
                memcpy(h + hn, buf + i, next - i);
                hn += next - i;
            }
        }
        i = next;
    }
    osip_message_t *m = NULL;
    if (osip_message_init(&m) != 0) {
        free(h);
        return MCSEC_ERR_NOMEM;
    }
    int rc = osip_message_parse(m, (const char *)h, hn);
    mcsec_err err = MCSEC_OK;
    free(h);
    if (rc != 0 || (m->status_code == 0 && (!m->sip_method || !m->req_uri)) ||
        (m->status_code != 0 && (m->status_code < 100 || m->status_code > 699)))
        err = MCSEC_ERR_MALFORMED;
    osip_message_free(m);
    return err;
}

mcsec_err smime_media_type(const uint8_t *val, size_t len, char *type, size_t type_size,
                           const char *pname, char *pval, size_t pval_size)
{
    type[0] = '\0';
    if (pval)
        pval[0] = '\0';
    if (len == 0 || len > 1024 || memchr(val, 0, len))
        return MCSEC_ERR_MALFORMED;
    pthread_once(&osip_once, osip_setup);
    if (!osip_ready)
        return MCSEC_ERR_INTERNAL;
    char *s = malloc(len + 1);
    osip_content_type_t *ct = NULL;
    mcsec_err err = MCSEC_ERR_NOMEM;
    if (!s || osip_content_type_init(&ct) != 0)
        goto out;
    memcpy(s, val, len);
    s[len] = '\0';
    err = MCSEC_ERR_MALFORMED;
    if (osip_content_type_parse(ct, s) != 0 || !ct->type || !ct->subtype)
        goto out;
    size_t tl = strlen(ct->type), sl = strlen(ct->subtype);
    if (tl == 0 || sl == 0 || tl + 1 + sl >= type_size)
        goto out;
    for (size_t i = 0; i < tl + 1 + sl; i++) {
        int c = i < tl ? ct->type[i] : i == tl ? '/' : ct->subtype[i - tl - 1];
        type[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    type[tl + 1 + sl] = '\0';
    osip_generic_param_t *gp = NULL;
    if (pname && osip_content_type_param_get_byname(ct, (char *)pname, &gp) == 0 && gp && gp->gvalue) {
        const char *v = gp->gvalue;
        size_t vl = strlen(v);
        if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
            v++;
            vl -= 2;
        }
        if (vl >= pval_size)
            goto out;
        memcpy(pval, v, vl);
        pval[vl] = '\0';
    }
    err = MCSEC_OK;
out:
    if (ct)
        osip_content_type_free(ct);
    free(s);
    if (err)
        type[0] = '\0';
    return err;
}

mcsec_err smime_content_type(const uint8_t *val, size_t len, int *is_pkcs7, char *smime_type,
                             size_t smime_type_size)
{
    char type[128];
    *is_pkcs7 = 0;
    mcsec_err err = smime_media_type(val, len, type, sizeof type, "smime-type", smime_type,
                                     smime_type_size);
    if (err == MCSEC_OK)
        *is_pkcs7 = strcmp(type, "application/pkcs7-mime") == 0 ||
                    strcmp(type, "application/x-pkcs7-mime") == 0;
    if (!*is_pkcs7)
        smime_type[0] = '\0';
    return err;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void db_base64(dbuf *b, const uint8_t *in, size_t n, const char *eol)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], i + 1 < n ? b64[(v >> 6) & 63] : '=',
                      i + 2 < n ? b64[v & 63] : '=' };
        db_put(b, q, 4);
        col += 4;
        if (col == 76 || i + 3 >= n) {
            db_str(b, eol);
            col = 0;
        }
    }
}

static int b64val(uint8_t c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

mcsec_err smime_unbase64(dbuf *out, const uint8_t *in, size_t n)
{
    uint32_t acc = 0;
    int got = 0, pad = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = in[i];
        if (c == '\r' || c == '\n') /* line breaks only (RFC 2045 §6.8) */
            continue;
        if (c == '=') {
            if (got < 2)
                return MCSEC_ERR_MALFORMED;
            pad++;
            if (pad > 2)
                return MCSEC_ERR_MALFORMED;
            acc <<= 6;
            got++;
        } else {
            int v = b64val(c);
            if (v < 0 || pad)
                return MCSEC_ERR_MALFORMED; /* data after padding */
            acc = acc << 6 | (uint32_t)v;
            got++;
        }
        if (got == 4) {
            /* canonical: the bits under the padding are zero (RFC 4648 §3.5) */
            if ((pad == 1 && (acc & 0xff)) || (pad == 2 && (acc & 0xffff)))
                return MCSEC_ERR_MALFORMED;
            uint8_t t[3] = { (uint8_t)(acc >> 16), (uint8_t)(acc >> 8), (uint8_t)acc };
            db_put(out, t, (size_t)(3 - pad));
            acc = 0;
            got = 0;
            if (pad)
                pad = 3; /* nothing may follow a padded quantum */
        }
    }
    if (got != 0)
        return MCSEC_ERR_MALFORMED;
    return out->failed ? MCSEC_ERR_NOMEM : MCSEC_OK;
}
