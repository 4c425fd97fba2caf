/* Shared helpers of the Annex D XML module (src/kmsxml): value syntax
 * (hexBinary, base64 UserID, strings) used by both the parser and the
 * builder. Not part of the public API. */
#ifndef MCSEC_KMSXML_INTERNAL_H
#define MCSEC_KMSXML_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/kmsxml.h"

/* xsd:dateTime range we read and write: 1970-01-01T00:00:00Z ..
 * 9999-12-31T23:59:59Z. */
#define KMSXML_TIME_MAX INT64_C(253402300799)

/* 1 if s[0..n) is valid UTF-8 without C0/C1 control characters, DEL,
 * surrogates or the non-characters U+FFFE/U+FFFF; with allow_newlines, TAB,
 * LF and CR are also accepted (PEM text). */
int kmsxml_text_ok(const char *s, size_t n, int allow_newlines);

/* 1 if c is XML whitespace (XML 1.0 production S). */
int kmsxml_is_space(unsigned char c);

/* Decodes exactly out_len octets from 2*out_len hex digits (either case).
 * Runs in time independent of the digit values (keys are secret).
 * MCSEC_ERR_MALFORMED for a non-hex character, MCSEC_ERR_LENGTH for any
 * other length. On error out is zeroed. */
mcsec_err kmsxml_hex_decode(uint8_t *out, size_t out_len, const char *s, size_t n);

/* Writes 2*n uppercase hex digits (no NUL), branch-free in the values. */
void kmsxml_hex_encode(char *out, const uint8_t *in, size_t n);

/* UserID of a KmsKeySet (D.3.3): base64 of 32 octets (44 characters), or
 * 64 hex digits (Streamwide's form, docs/interop.md). */
mcsec_err kmsxml_uid_decode(uint8_t out[32], const char *s, size_t n);
/* base64 of 32 octets: 44 characters, no NUL. */
void kmsxml_uid_encode(char out[44], const uint8_t in[32]);

#endif
