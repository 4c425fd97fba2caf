/* SRTP / SRTCP protection of MCPTT media and floor control (TS 33.180 §7.4,
 * §9.4.6; RFC 3711, RFC 7714), keyed from MIKEY-SAKKE keys (RFC 3830 §4.1.3)
 * and carried out by libsrtp2.
 *
 * Profile: AEAD_AES_128_GCM (RFC 7714) with a 16-octet tag, 16-octet master
 * key, 12-octet master salt, KDR 0, and the MKI in every packet (4 octets =
 * PCK-ID / CSK-ID, or 8 = GMK-ID || GUK-ID for group media). This is TS
 * 33.180's default profile except RCCm3 (RFC 4771 roll-over-counter carriage),
 * which libsrtp2 cannot express: see docs/calls.md "Deviations".
 *
 * A sender protects with one key at a time (re-keying swaps it). A receiver
 * holds several keys and picks one per packet by the MKI at the packet's end:
 * explicit keys (PCK, CSK) and GMKs, from which the key of each talker's
 * GUK-ID is derived on the first packet that authenticates under it (a talker
 * change) — a GMK re-key in the middle of a call is a second GMK added. Each
 * key has its own libsrtp session, so its replay window (RFC 3711 §3.3.2) and
 * roll-over counter are its own.
 *
 * libsrtp2 needs one process-wide srtp_init(): the first call of any function
 * here runs it under pthread_once (docs/architecture.md). After that nothing
 * global is written; separate objects may be used from separate threads, one
 * object from one thread at a time. */
#ifndef MCSEC_SRTP_H
#define MCSEC_SRTP_H

#include "mcsec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MCSEC_SRTP_MASTER_KEY_BYTES 16
#define MCSEC_SRTP_MASTER_SALT_BYTES 12
#define MCSEC_SRTP_MAX_MKI 8
#define MCSEC_SRTP_TAG_BYTES 16
/* Octets protect adds at most: tag (16) + SRTCP E||index (4) + MKI (8). */
#define MCSEC_SRTP_MAX_TRAILER 28
#define MCSEC_SRTP_MAX_PACKET 65536
/* Keys a receiver holds at once: explicit keys + GMKs, and derived talker keys. */
#define MCSEC_SRTP_MAX_KEYS 8
#define MCSEC_SRTP_MAX_TALKERS 32

/* TS 33.180 Table E.1.3-1 CS-IDs (MCPTT) */
#define MCSEC_SRTP_CS_PRIVATE_INITIATOR 0
#define MCSEC_SRTP_CS_PRIVATE_RECEIVER 1
#define MCSEC_SRTP_CS_GROUP 4
#define MCSEC_SRTP_CS_CSK 6

/* One SRTP master key, salt and MKI. Holds secrets: wipe after use. */
typedef struct mcsec_srtp_key {
    uint8_t master_key[MCSEC_SRTP_MASTER_KEY_BYTES];
    uint8_t master_salt[MCSEC_SRTP_MASTER_SALT_BYTES];
    uint8_t mki[MCSEC_SRTP_MAX_MKI];
    size_t mki_len;                /* 4 or 8 */
} mcsec_srtp_key;

/* The keying of TS 33.180 §7.4 (mcsec_mikey_srtp_keys): from a PCK / CSK
 * (member_uri NULL: CSB ID = MKI = key_id) or a GMK sent by member_uri
 * (CSB ID = that member's GUK-ID, MKI = GMK-ID || GUK-ID), the RAND of its
 * I_MESSAGE and the CS-ID. Errors: MCSEC_ERR_ARG, MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_srtp_key_derive(mcsec_srtp_key *out, const uint8_t *key, size_t key_len,
                                          uint32_t key_id, const uint8_t *rand, size_t rand_len,
                                          uint8_t cs_id, const char *member_uri) MCSEC_WARN_UNUSED;

MCSEC_API void mcsec_srtp_key_wipe(mcsec_srtp_key *k);

/* MCSEC_OK when libsrtp2 initialises and supports AEAD_AES_128_GCM with an
 * MKI (it needs libsrtp2 built with OpenSSL, as Debian's is), else
 * MCSEC_ERR_UNSUPPORTED (or MCSEC_ERR_CRYPTO if srtp_init failed). Every
 * constructor below returns the same error in that case. */
MCSEC_API mcsec_err mcsec_srtp_available(void) MCSEC_WARN_UNUSED;

/* "libsrtp2 <version>" */
MCSEC_API const char *mcsec_srtp_backend(void);

/* ---- sender ---------------------------------------------------------------- */

typedef struct mcsec_srtp_sender mcsec_srtp_sender;

/* A sender keyed with k (copied; the caller still wipes its own). Free with
 * mcsec_srtp_sender_free. Errors: MCSEC_ERR_ARG (NULL, MKI length not 1..8),
 * MCSEC_ERR_UNSUPPORTED, MCSEC_ERR_NOMEM, MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_srtp_sender_new(mcsec_srtp_sender **out, const mcsec_srtp_key *k) MCSEC_WARN_UNUSED;

/* Switches to key k (a GMK re-key, or a new PCK): the next packets carry its
 * MKI; SRTP and SRTCP indexes start again under the new key. On error the
 * old key stays. Errors: as mcsec_srtp_sender_new. */
MCSEC_API mcsec_err mcsec_srtp_sender_rekey(mcsec_srtp_sender *s, const mcsec_srtp_key *k) MCSEC_WARN_UNUSED;

MCSEC_API void mcsec_srtp_sender_free(mcsec_srtp_sender *s);

/* RTP packet -> SRTP packet in place (RFC 7714 §8-§9 + MKI, RFC 3711 §3.1).
 * (pkt, *len, cap): in, *len = the RTP packet length and cap = the buffer
 * size (needs *len + MCSEC_SRTP_MAX_TRAILER); out, *len = the SRTP length.
 * Errors: MCSEC_ERR_ARG, MCSEC_ERR_BUFFER, MCSEC_ERR_MALFORMED (not an RTP
 * header), MCSEC_ERR_CRYPTO (libsrtp refused, e.g. key usage limit). */
MCSEC_API mcsec_err mcsec_srtp_protect(mcsec_srtp_sender *s, uint8_t *pkt, size_t *len,
                                       size_t cap) MCSEC_WARN_UNUSED;

/* RTCP compound packet (e.g. TS 24.380 floor control APP packets) -> SRTCP
 * in place (RFC 7714 §9, RFC 3711 §3.4), same contract. */
MCSEC_API mcsec_err mcsec_srtp_protect_rtcp(mcsec_srtp_sender *s, uint8_t *pkt, size_t *len,
                                            size_t cap) MCSEC_WARN_UNUSED;

/* ---- receiver -------------------------------------------------------------- */

typedef struct mcsec_srtp_receiver mcsec_srtp_receiver;

/* What an unprotect call used. */
typedef struct mcsec_srtp_info {
    uint8_t mki[MCSEC_SRTP_MAX_MKI];
    size_t mki_len;
    uint32_t key_id;               /* PCK-ID / CSK-ID, or the GMK-ID */
    uint32_t guk_id;               /* group media: the talker's GUK-ID; else 0 */
} mcsec_srtp_info;

/* An empty receiver. Errors: MCSEC_ERR_ARG, MCSEC_ERR_UNSUPPORTED, MCSEC_ERR_NOMEM. */
MCSEC_API mcsec_err mcsec_srtp_receiver_new(mcsec_srtp_receiver **out) MCSEC_WARN_UNUSED;

MCSEC_API void mcsec_srtp_receiver_free(mcsec_srtp_receiver *r);

/* Adds an explicit key, selected by its MKI (PCK, CSK; or one talker's GMK
 * key). Errors: MCSEC_ERR_ARG, MCSEC_ERR_DUPLICATE (that MKI is held),
 * MCSEC_ERR_BUFFER (MCSEC_SRTP_MAX_KEYS held), MCSEC_ERR_UNSUPPORTED,
 * MCSEC_ERR_NOMEM, MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_srtp_receiver_add_key(mcsec_srtp_receiver *r, const mcsec_srtp_key *k) MCSEC_WARN_UNUSED;

/* Adds a GMK (16 octets; gmk_id has purpose tag 0) with the RAND of the
 * I_MESSAGE that carried it and the CS-ID (4: MCPTT group call). Packets whose
 * MKI is gmk_id || GUK-ID are then accepted from any talker: the key of that
 * GUK-ID (TS 33.180 §7.4.2: CSB ID = GUK-ID) is derived on first sight and
 * kept once a packet authenticates under it (up to MCSEC_SRTP_MAX_TALKERS,
 * least recently used dropped first; a dropped talker key is derived again
 * when its talker returns, with a fresh replay window — so a group with more
 * concurrent talkers than that loses replay protection for the dropped ones). Errors: as mcsec_srtp_receiver_add_key,
 * MCSEC_ERR_UNSUPPORTED also for a purpose tag other than 0. */
MCSEC_API mcsec_err mcsec_srtp_receiver_add_gmk(mcsec_srtp_receiver *r, const uint8_t gmk[16], uint32_t gmk_id,
                                                const uint8_t *rand, size_t rand_len,
                                                uint8_t cs_id) MCSEC_WARN_UNUSED;

/* Forgets the key or GMK with this ID (PCK-ID / CSK-ID / GMK-ID) and every
 * talker key derived from it. Errors: MCSEC_ERR_ARG, MCSEC_ERR_NOT_FOUND. */
MCSEC_API mcsec_err mcsec_srtp_receiver_remove(mcsec_srtp_receiver *r, uint32_t key_id) MCSEC_WARN_UNUSED;

/* SRTP packet -> RTP packet in place. (pkt, *len): in, the SRTP length; out,
 * the RTP length. info may be NULL. On failure the packet content is
 * undefined (AES-GCM decrypts in place before the tag check) and must be
 * dropped. Errors: MCSEC_ERR_ARG, MCSEC_ERR_TRUNCATED (shorter than header +
 * tag + MKI), MCSEC_ERR_NOT_FOUND (no key for the MKI: e.g. a GMK we were
 * never given), MCSEC_ERR_VERIFY (authentication failed: tampered, or the
 * wrong key), MCSEC_ERR_REPLAY (replayed or older than the replay window),
 * MCSEC_ERR_MALFORMED, MCSEC_ERR_NOMEM, MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_srtp_unprotect(mcsec_srtp_receiver *r, uint8_t *pkt, size_t *len,
                                         mcsec_srtp_info *info) MCSEC_WARN_UNUSED;

/* SRTCP -> RTCP in place, same contract. */
MCSEC_API mcsec_err mcsec_srtp_unprotect_rtcp(mcsec_srtp_receiver *r, uint8_t *pkt, size_t *len,
                                              mcsec_srtp_info *info) MCSEC_WARN_UNUSED;

/* ---- floor control (TS 24.380 §8.2) ----------------------------------------- */

/* Builds an RTCP APP packet (RFC 3550 §6.7) with name "MCPT" and subtype
 * (0..31: 0 Floor Request, 1 Floor Granted, 3 Floor Deny, 4 Floor Release,
 * 5 Floor Idle, 6 Floor Taken ... TS 24.380 Table 8.2.2-1), the sender's SSRC
 * and the floor-control fields (their TLVs, padded here to 32 bits).
 * (out, *len, cap): out first; *len receives the packet length, 12 + fields
 * rounded up to 4. Errors: MCSEC_ERR_ARG, MCSEC_ERR_BUFFER. */
MCSEC_API mcsec_err mcsec_srtp_floor_app(uint8_t *out, size_t *len, size_t cap, uint8_t subtype, uint32_t ssrc,
                                         const uint8_t *fields, size_t fields_len) MCSEC_WARN_UNUSED;

/* Parses an RTCP APP packet (bounds-checked): subtype, SSRC, name (4) and
 * the application data. Errors: MCSEC_ERR_ARG, MCSEC_ERR_TRUNCATED,
 * MCSEC_ERR_MALFORMED (version, packet type 204, length field),
 * MCSEC_ERR_TRAILING. */
MCSEC_API mcsec_err mcsec_srtp_floor_parse(uint8_t *subtype, uint32_t *ssrc, char name[5], const uint8_t **fields,
                                           size_t *fields_len, const uint8_t *pkt, size_t len) MCSEC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
