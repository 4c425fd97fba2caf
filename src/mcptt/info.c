/* The MCPTT identities of an mcptt-info document (TS 24.379 Annex F.1): the
 * text of every <mcpttURI> element. A bounded scanner for the profile mcsec
 * writes (and any document in that shape): UTF-8 without NUL, an optional
 * XML declaration, the root element mcpttinfo in the default namespace
 * urn:3gpp:ns:mcpttInfo:1.0, no DOCTYPE, comments, CDATA or processing
 * instructions after the declaration, no namespace prefixes on mcpttURI; in a
 * URI only the five predefined entities (XML 1.0 §4.6) are expanded. */
#include "mcsec/mcptt.h"

#include <string.h>

#define INFO_MAX_BYTES 65536

static const uint8_t *find(const uint8_t *p, const uint8_t *end, const char *s)
{
    size_t n = strlen(s);
    for (; p + n <= end; p++)
        if (*p == (uint8_t)s[0] && memcmp(p, s, n) == 0)
            return p;
    return NULL;
}

/* Unescapes [p, end) into out (capacity MCSEC_MCPTT_MAX_URI + 1). */
static mcsec_err take_uri(char *out, const uint8_t *p, const uint8_t *end)
{
    static const struct { const char *e; char c; } ents[] = {
        { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' } };
    size_t n = 0;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        end--;
    while (p < end) {
        char c = (char)*p;
        if (*p < 0x20 || *p == 0x7f || *p == '<')
            return MCSEC_ERR_MALFORMED;
        if (*p == '&') {
            size_t k = 0;
            for (; k < sizeof ents / sizeof ents[0]; k++) {
                size_t l = strlen(ents[k].e);
                if ((size_t)(end - p) >= l && memcmp(p, ents[k].e, l) == 0) {
                    c = ents[k].c;
                    p += l;
                    break;
                }
            }
            if (k == sizeof ents / sizeof ents[0])
                return MCSEC_ERR_MALFORMED;
        } else {
            p++;
        }
        if (n == MCSEC_MCPTT_MAX_URI)
            return MCSEC_ERR_MALFORMED;
        out[n++] = c;
    }
    if (n == 0)
        return MCSEC_ERR_MALFORMED;
    out[n] = '\0';
    return MCSEC_OK;
}

mcsec_err mcsec_mcptt_info_ids(char ids[][MCSEC_MCPTT_MAX_URI + 1], size_t *n, const uint8_t *xml,
                               size_t len)
{
    if (!ids || !n || !xml)
        return MCSEC_ERR_ARG;
    if (len > INFO_MAX_BYTES)
        return MCSEC_ERR_LENGTH;
    const uint8_t *p = xml, *end = xml + len;
    size_t k = 0;
    mcsec_err err = MCSEC_ERR_MALFORMED;
    if (len == 0 || memchr(xml, 0, len))
        goto out;
    if (len >= 5 && memcmp(p, "<?xml", 5) == 0) {
        const uint8_t *q = find(p, end, "?>");
        if (!q)
            goto out;
        p = q + 2;
    }
    if (find(p, end, "<!") || find(p, end, "<?"))
        goto out; /* DOCTYPE, comment, CDATA, PI */
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    static const char root[] = "<mcpttinfo";
    if ((size_t)(end - p) < sizeof root || memcmp(p, root, sizeof root - 1) != 0 ||
        (p[sizeof root - 1] != ' ' && p[sizeof root - 1] != '\t' && p[sizeof root - 1] != '\r' &&
         p[sizeof root - 1] != '\n'))
        goto out;
    const uint8_t *gt = memchr(p, '>', (size_t)(end - p));
    if (!gt || !find(p, gt, "xmlns=\"" MCSEC_MCPTT_INFO_NS "\""))
        goto out;
    const uint8_t *close = find(gt, end, "</mcpttinfo>");
    if (!close)
        goto out;
    for (const uint8_t *q = close + 12; q < end; q++)
        if (*q != ' ' && *q != '\t' && *q != '\r' && *q != '\n')
            goto out;
    p = gt + 1;
    char tmp[MCSEC_MCPTT_MAX_IDS][MCSEC_MCPTT_MAX_URI + 1];
    for (;;) {
        const uint8_t *s = find(p, close, "<mcpttURI>");
        if (!s)
            break;
        const uint8_t *e = find(s + 10, close, "</mcpttURI>");
        if (!e)
            goto out;
        err = MCSEC_ERR_BUFFER;
        if (k == MCSEC_MCPTT_MAX_IDS)
            goto out;
        if ((err = take_uri(tmp[k], s + 10, e)) != MCSEC_OK)
            goto out;
        err = MCSEC_ERR_MALFORMED;
        k++;
        p = e + 11;
    }
    memcpy(ids, tmp, k * sizeof tmp[0]);
    *n = k;
    err = MCSEC_OK;
out:
    return err;
}
