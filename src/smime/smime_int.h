/* Internal to src/smime: the bounded SIP/MIME header scanner, the libosip2
 * checks, a growable buffer that wipes what it held, and base64. */
#ifndef MCSEC_SMIME_INT_H
#define MCSEC_SMIME_INT_H

#include <stddef.h>
#include <stdint.h>

#include "internal/dbuf.h"
#include "mcsec/common.h"

/* Header fields the S/MIME layer rewrites; everything else is copied. */
enum { H_OTHER = 0, H_CTYPE, H_CLEN, H_CDISP, H_CTE, H_MIMEVER };

#define SMIME_MAX_HEADERS 256

typedef struct hdr_field {
    size_t off, len;          /* whole field: name .. end of its last line, without the final EOL */
    size_t name_len;          /* name without trailing white space */
    size_t val_off, val_len;  /* value, white space trimmed at both ends (may span folded lines) */
    int kind;
} hdr_field;

typedef struct hdr_block {
    const uint8_t *buf;
    size_t len;
    size_t start_len;         /* the start line with its EOL (0 for a MIME entity) */
    size_t eol_len;           /* 2 for CRLF, 1 for LF: what the first line ended with */
    size_t n;
    hdr_field h[SMIME_MAX_HEADERS];
    int idx[6];               /* index of the one field of each kind, or -1 */
    size_t body_off, body_len;
} hdr_block;

/* Scans the header section of buf (a SIP message if has_start_line, else a
 * MIME entity): every line ends with the EOL of the first line, a field is a
 * token name, ':', a value, and continuation lines start with SP/HT; the
 * section ends at the first empty line, after which the body runs to the end.
 * Two fields of the same rewritten kind give MCSEC_ERR_DUPLICATE. Errors:
 * MCSEC_ERR_MALFORMED (NUL or bare CR in the headers, a line without ':', no
 * empty line, over SMIME_MAX_HEADERS fields), MCSEC_ERR_DUPLICATE. */
mcsec_err smime_scan_headers(hdr_block *hb, const uint8_t *buf, size_t len, int has_start_line);

/* Checks the body length against Content-Length (if present): MCSEC_OK,
 * MCSEC_ERR_MALFORMED (not a decimal number), MCSEC_ERR_TRUNCATED (body shorter),
 * MCSEC_ERR_TRAILING (longer). */
mcsec_err smime_check_length(const hdr_block *hb);

/* A SIP message with a body: smime_scan_headers, then no_body (if it has no
 * Content-Type or an empty body), smime_check_length and smime_osip_check. */
mcsec_err smime_scan_sip(hdr_block *hb, const uint8_t *sip, size_t len, mcsec_err no_body);

/* Parses the message with libosip2 (request or response, every header it
 * knows). MCSEC_OK or MCSEC_ERR_MALFORMED / MCSEC_ERR_NOMEM. */
mcsec_err smime_osip_check(const uint8_t *buf, size_t len);

/* Parses a Content-Type value with libosip2. *is_pkcs7 is set for
 * application/pkcs7-mime and application/x-pkcs7-mime; then smime_type gets
 * the smime-type parameter (unquoted, NUL-terminated; "" if absent).
 * MCSEC_OK or MCSEC_ERR_MALFORMED / MCSEC_ERR_NOMEM. */
mcsec_err smime_content_type(const uint8_t *val, size_t len, int *is_pkcs7, char *smime_type,
                             size_t smime_type_size);

/* Parses a Content-Type value with libosip2: type gets "type/subtype" in
 * lower case; if pname is given, pval gets that parameter's value (unquoted,
 * "" if absent). MCSEC_OK or MCSEC_ERR_MALFORMED (also for a value that does
 * not fit) / MCSEC_ERR_NOMEM. */
mcsec_err smime_media_type(const uint8_t *val, size_t len, char *type, size_t type_size,
                           const char *pname, char *pval, size_t pval_size);


/* base64 (RFC 4648 §4) of in, as lines of 76 characters each ended by eol. */
void db_base64(dbuf *b, const uint8_t *in, size_t n, const char *eol);
/* Strict decoding: CR and LF are skipped, padding only at the end with zero
 * bits under it, no other character. MCSEC_OK or MCSEC_ERR_MALFORMED / MCSEC_ERR_NOMEM. */
mcsec_err smime_unbase64(dbuf *out, const uint8_t *in, size_t n);

/* The SIP message of hb with a new body: the start line and every field
 * copied byte for byte, except that the Content-Type field is replaced by
 * ctf's complete lines, Content-Disposition and Content-Transfer-Encoding are
 * dropped and Content-Length gets the new length (appended if absent). Also
 * used by src/mcptt for one MIME part of a multipart body. */
void smime_rebuild(dbuf *msg, const hdr_block *hb, const dbuf *ctf, const uint8_t *body,
                   size_t body_len);

/* Checks what OpenSSL leaves unchecked in a DER ContentInfo that it has
 * already parsed: kind 0 SignedData, 1 EnvelopedData, 2 AuthEnvelopedData.
 * MCSEC_OK, MCSEC_ERR_MALFORMED or MCSEC_ERR_UNSUPPORTED. */
mcsec_err smime_der_check(const uint8_t *der, size_t n, int kind);

/* Case-insensitive comparison of n octets of a with the NUL-terminated b. */
int smime_ieq(const uint8_t *a, size_t n, const char *b);

#endif
