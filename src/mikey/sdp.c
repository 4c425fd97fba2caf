/* MIKEY in SDP: the RFC 4567 key-mgmt attribute, "a=key-mgmt:mikey <base64>". */
#include "mcsec/mikey.h"

#include <string.h>

#include <openssl/evp.h>

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* If [*p, end) starts with prefix (case-insensitive), skips it. */
static int skip_prefix(const char **p, const char *end, const char *prefix)
{
    size_t n = strlen(prefix);
    if ((size_t)(end - *p) < n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char a = (*p)[i], b = prefix[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (a != b)
            return 0;
    }
    *p += n;
    return 1;
}

mcsec_err mcsec_mikey_from_sdp(uint8_t *out, size_t *out_len, const char *text, size_t text_len)
{
    if (!out || !out_len || !text)
        return MCSEC_ERR_ARG;
    const char *p = text, *end = text + text_len;
    while (p < end && is_space(*p))
        p++;
    while (end > p && is_space(end[-1]))
        end--;
    /* RFC 4567 §3.1: key-mgmt-attribute = "key-mgmt:" prtcl-id SP keymgmt-data */
    skip_prefix(&p, end, "a=");
    int had_attr = skip_prefix(&p, end, "key-mgmt:");
    if (skip_prefix(&p, end, "mikey")) {
        if (p == end || !is_space(*p))
            return MCSEC_ERR_MALFORMED;
        while (p < end && is_space(*p))
            p++;
    } else if (had_attr) {
        return MCSEC_ERR_MALFORMED; /* another protocol id */
    }
    size_t n = (size_t)(end - p);
    if (n == 0 || n % 4 != 0 || n > 65536)
        return MCSEC_ERR_MALFORMED;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '+' || c == '/' || (c == '=' && i >= n - 2 && (i == n - 1 || p[n - 1] == '='));
        if (!ok)
            return MCSEC_ERR_MALFORMED;
    }
    size_t pad = (p[n - 1] == '=') + (p[n - 2] == '=');
    size_t dec = n / 4 * 3 - pad;
    if (*out_len < n / 4 * 3) {
        *out_len = n / 4 * 3;
        return MCSEC_ERR_BUFFER;
    }
    if (EVP_DecodeBlock(out, (const unsigned char *)p, (int)n) != (int)(n / 4 * 3))
        return MCSEC_ERR_MALFORMED;
    *out_len = dec;
    return MCSEC_OK;
}

mcsec_err mcsec_mikey_to_sdp(char *out, size_t *out_len, const uint8_t *msg, size_t len)
{
    static const char prefix[] = "a=key-mgmt:mikey ";
    if (!out || !out_len || !msg || len == 0 || len > 49152)
        return MCSEC_ERR_ARG;
    size_t need = sizeof prefix - 1 + 4 * ((len + 2) / 3) + 1;
    if (*out_len < need) {
        *out_len = need;
        return MCSEC_ERR_BUFFER;
    }
    memcpy(out, prefix, sizeof prefix - 1);
    int n = EVP_EncodeBlock((unsigned char *)out + sizeof prefix - 1, msg, (int)len);
    *out_len = sizeof prefix - 1 + (size_t)n;
    return MCSEC_OK;
}
