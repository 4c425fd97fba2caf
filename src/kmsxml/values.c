/* Value syntax of the Annex D XML (TS 33.180 D.3): hexBinary keys, the
 * base64/hex UserID and string checks. */
#include "kmsxml/kmsxml_internal.h"

#include <string.h>

int kmsxml_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int kmsxml_text_ok(const char *s, size_t n, int allow_newlines)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            int nl_ok = allow_newlines && (c == '\t' || c == '\n' || c == '\r');
            if ((c < 0x20 && !nl_ok) || c == 0x7F)
                return 0;
            i++;
            continue;
        }
        size_t len;
        uint32_t cp, min;
        if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i < len)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE ||
            cp == 0xFFFF || (cp >= 0x80 && cp <= 0x9F))
            return 0;
        i += len;
    }
    return 1;
}

/* Sign bit of a 32-bit difference as 0/1: 1 iff x < 0 (inputs are small). */
static uint32_t neg_bit(int32_t x)
{
    return (uint32_t)x >> 31;
}

mcsec_err kmsxml_hex_decode(uint8_t *out, size_t out_len, const char *s, size_t n)
{
    uint32_t bad = 0;
    /* First pass: every character must be a hex digit (no early exit). */
    for (size_t i = 0; i < n; i++) {
        int32_t c = (unsigned char)s[i], lc = c | 0x20;
        uint32_t is_d = 1 ^ neg_bit((c - '0') | ('9' - c));
        uint32_t is_a = 1 ^ neg_bit((lc - 'a') | ('f' - lc));
        bad |= 1 ^ (is_d | is_a);
    }
    if (bad) {
        memset(out, 0, out_len);
        return MCSEC_ERR_MALFORMED;
    }
    if (n != 2 * out_len) {
        memset(out, 0, out_len);
        return MCSEC_ERR_LENGTH;
    }
    for (size_t i = 0; i < out_len; i++) {
        uint32_t v = 0;
        for (int k = 0; k < 2; k++) {
            int32_t c = (unsigned char)s[2 * i + (size_t)k], lc = c | 0x20;
            uint32_t is_d = 1 ^ neg_bit((c - '0') | ('9' - c));
            v = (v << 4) | (is_d * (uint32_t)(c - '0')) | ((1 ^ is_d) * (uint32_t)(lc - 'a' + 10));
        }
        out[i] = (uint8_t)v;
    }
    return MCSEC_OK;
}

void kmsxml_hex_encode(char *out, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 2; k++) {
            int32_t v = k ? (in[i] & 0x0F) : (in[i] >> 4);
            /* '0'..'9', then 'A'..'F' (7 = 'A' - '9' - 1) */
            out[2 * i + (size_t)k] = (char)('0' + v + 7 * (int32_t)neg_bit(9 - v));
        }
    }
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

mcsec_err kmsxml_uid_decode(uint8_t out[32], const char *s, size_t n)
{
    if (n == 64)
        return kmsxml_hex_decode(out, 32, s, n);
    if (n != 44)
        return MCSEC_ERR_LENGTH;
    /* 32 octets = 10 groups of 3 + 2 octets: "xxx=" ends it (RFC 4648 §4). */
    if (s[43] != '=')
        return MCSEC_ERR_MALFORMED;
    uint32_t acc = 0;
    size_t o = 0;
    for (size_t i = 0; i < 43; i++) {
        int v = b64_val(s[i]);
        if (v < 0)
            return MCSEC_ERR_MALFORMED;
        acc = (acc << 6) | (uint32_t)v;
        if (i % 4 == 3) {
            out[o++] = (uint8_t)(acc >> 16), out[o++] = (uint8_t)(acc >> 8), out[o++] = (uint8_t)acc;
            acc = 0;
        }
    }
    /* 3 characters = 18 bits for 2 octets: the low 2 bits must be zero */
    if (acc & 3)
        return MCSEC_ERR_MALFORMED;
    out[30] = (uint8_t)(acc >> 10);
    out[31] = (uint8_t)(acc >> 2);
    return MCSEC_OK;
}

void kmsxml_uid_encode(char out[44], const uint8_t in[32])
{
    size_t o = 0;
    for (size_t i = 0; i < 30; i += 3) {
        uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];
        for (int k = 18; k >= 0; k -= 6)
            out[o++] = b64[(v >> k) & 0x3F];
    }
    uint32_t v = ((uint32_t)in[30] << 16) | ((uint32_t)in[31] << 8);
    out[o++] = b64[(v >> 18) & 0x3F];
    out[o++] = b64[(v >> 12) & 0x3F];
    out[o++] = b64[(v >> 6) & 0x3F];
    out[o] = '=';
}
