/* MIKEY (RFC 3830, RFC 6043, RFC 6509) as profiled by TS 33.180 Annex E.
 * This header has the key derivations; the I_MESSAGE codec follows. */
#ifndef MCSEC_MIKEY_H
#define MCSEC_MIKEY_H

#include "mcsec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RFC 3830 §4.1.3 key-derivation constants */
#define MCSEC_MIKEY_CONST_TEK 0x2AD01C64u   /* SRTP master key */
#define MCSEC_MIKEY_CONST_SALT 0x39A2C14Bu  /* SRTP master salt */
#define MCSEC_MIKEY_CONST_AUTH 0x1B5C7973u  /* authentication key */
#define MCSEC_MIKEY_CONST_ENCR 0x15798CEFu  /* encryption key */

/* TS 33.180 §5.2.2 purpose tags: the top 4 bits of a 32-bit key ID */
#define MCSEC_KEY_PURPOSE_GMK 0u
#define MCSEC_KEY_PURPOSE_PCK 1u
#define MCSEC_KEY_PURPOSE_CSK 2u
#define MCSEC_KEY_PURPOSE_SPK 3u
#define MCSEC_KEY_PURPOSE_MKFC 4u
#define MCSEC_KEY_PURPOSE_MSCCK 5u
#define MCSEC_KEY_PURPOSE_MUSIK 6u

/* The MIKEY PRF with HMAC-SHA-256 (RFC 3830 §4.1.2, RFC 6043 §6.1):
 * out = first out_len octets of P(s_1, label, m) XOR ... XOR P(s_n, label, m),
 * inkey split into 32-octet chunks s_i. inkey_len and label_len must be > 0;
 * out_len 1..1024. Errors: MCSEC_ERR_ARG, MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_mikey_prf(uint8_t *out, size_t out_len, const uint8_t *inkey, size_t inkey_len,
                                    const uint8_t *label, size_t label_len) MCSEC_WARN_UNUSED;

/* A key derived from a TGK (RFC 3830 §4.1.3): PRF(tgk, constant || cs_id ||
 * csb_id || rand). For TS 33.180 media keys the TGK is the GMK/PCK/CSK, csb_id
 * the CSB ID of the message (GUK-ID for a GMK), rand the RAND payload.
 * rand_len 1..255 (RFC 3830 §6.11: at least 16 octets in practice).
 * Errors: MCSEC_ERR_ARG, MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_mikey_derive(uint8_t *out, size_t out_len, uint32_t constant,
                                       const uint8_t *tgk, size_t tgk_len, uint8_t cs_id,
                                       uint32_t csb_id, const uint8_t *rand, size_t rand_len) MCSEC_WARN_UNUSED;

/* GUK-ID = GMK-ID with its 28 low bits XORed with the member's salt, the 28
 * low bits of HMAC-SHA-256(GMK, 0x50 || uri || len16(uri)) (TS 33.180 §5.2.3,
 * F.1.3). The same function maps a GUK-ID back to the GMK-ID.
 * Errors: MCSEC_ERR_ARG (empty or > 65535-octet uri), MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_mikey_guk_id(uint32_t *out_id, uint32_t gmk_or_guk_id, const uint8_t *gmk,
                                       size_t gmk_len, const char *member_uri, size_t uri_len) MCSEC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
