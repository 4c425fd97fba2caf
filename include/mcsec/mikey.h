/* MIKEY (RFC 3830, RFC 6043, RFC 6509) as profiled by TS 33.180 Annex E:
 * the message decoder and the key derivations. */
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

/* SRTP keying from a distributed key (TS 33.180 §7.4, RFC 3830 §4.1.3):
 * master key (16) and salt (12) with PRF-HMAC-SHA-256 from the key, the CSB
 * ID, the CS ID and the RAND of the I_MESSAGE, and the MKI. With member_uri
 * (a GMK), the CSB ID is that member's GUK-ID and the MKI is GMK-ID || GUK-ID
 * (8 octets); without it the CSB ID and the MKI are key_id (4 octets).
 * *mki_len receives the MKI length. Errors: MCSEC_ERR_ARG, MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_mikey_srtp_keys(uint8_t master_key[16], uint8_t master_salt[12], uint8_t mki[8],
                                          size_t *mki_len, const uint8_t *key, size_t key_len,
                                          uint32_t key_id, const uint8_t *rand, size_t rand_len,
                                          uint8_t cs_id, const char *member_uri) MCSEC_WARN_UNUSED;

/* Payload type numbers (RFC 3830 §6.1, RFC 6043, RFC 6509) */
#define MCSEC_MIKEY_PT_LAST 0
#define MCSEC_MIKEY_PT_SIGN 4
#define MCSEC_MIKEY_PT_T 5
#define MCSEC_MIKEY_PT_SP 10
#define MCSEC_MIKEY_PT_RAND 11
#define MCSEC_MIKEY_PT_ERR 12
#define MCSEC_MIKEY_PT_IDR 14
#define MCSEC_MIKEY_PT_GEXT 21
#define MCSEC_MIKEY_PT_SAKKE 26

#define MCSEC_MIKEY_DATA_TYPE_SAKKE 26  /* RFC 6509 "SAKKE msg" */

/* IDR roles (RFC 6043 §6.6, RFC 6509, TS 33.180 E.7) */
#define MCSEC_MIKEY_ROLE_I 1
#define MCSEC_MIKEY_ROLE_R 2
#define MCSEC_MIKEY_ROLE_KMS 3
#define MCSEC_MIKEY_ROLE_PSK 4
#define MCSEC_MIKEY_ROLE_APP 5
#define MCSEC_MIKEY_ROLE_KMSI 6
#define MCSEC_MIKEY_ROLE_KMSR 7
#define MCSEC_MIKEY_ROLE_UIDI 8
#define MCSEC_MIKEY_ROLE_UIDR 9

#define MCSEC_MIKEY_MAX_CS 4
#define MCSEC_MIKEY_MAX_IDR 8
#define MCSEC_MIKEY_MAX_SP 4
#define MCSEC_MIKEY_MAX_EXT 4

/* A decoded MIKEY message: a view into the caller's buffer. Every pointer
 * points inside the decoded buffer, which must outlive the view; nothing is
 * allocated. Absent optional payloads have has_* = 0 / counts = 0. */
typedef struct mcsec_mikey_cs {
    uint8_t cs_id;                 /* GENERIC-ID: CS ID; SRTP-ID: index */
    uint8_t prot_type;             /* GENERIC-ID: 0 = SRTP */
    uint8_t s_flag;                /* GENERIC-ID: session data has ROC/SEQ */
    uint8_t n_policies;            /* GENERIC-ID #P */
    const uint8_t *policies;
    uint16_t session_data_len;
    const uint8_t *session_data;
    uint8_t spi_len;               /* GENERIC-ID: SPI (the SRTP MKI in MCX) */
    const uint8_t *spi;
    uint8_t policy_no;             /* SRTP-ID map */
    uint32_t ssrc, roc;            /* SRTP-ID map */
} mcsec_mikey_cs;

typedef struct mcsec_mikey_idr {
    uint8_t role, type;            /* type: 0 NAI, 1 URI, 2 byte string */
    uint16_t len;
    const uint8_t *data;
} mcsec_mikey_idr;

typedef struct mcsec_mikey_sp {
    uint8_t policy_no, prot_type;
    uint16_t params_len;           /* params: Type(8) Length(8) Value, checked to tile exactly */
    const uint8_t *params;
} mcsec_mikey_sp;

typedef struct mcsec_mikey_ext {
    uint8_t type;                  /* 6 SAKKE-to-self, 7 3GPP key parameters */
    uint16_t len;
    const uint8_t *data;
} mcsec_mikey_ext;

typedef struct mcsec_mikey_msg {
    /* common header (RFC 3830 §6.1) */
    uint8_t version, data_type, v_flag, prf_func;
    uint32_t csb_id;
    uint8_t n_cs, cs_map_type;     /* 0 SRTP-ID, 1 empty, 2 GENERIC-ID */
    mcsec_mikey_cs cs[MCSEC_MIKEY_MAX_CS];
    /* T (§6.6) */
    int has_t;
    uint8_t ts_type;               /* 0 NTP-UTC, 1 NTP, 2 COUNTER */
    uint64_t ts_value;             /* 64-bit NTP (seconds << 32 | fraction) or counter */
    /* RAND (§6.11) */
    int has_rand;
    uint8_t rand_len;
    const uint8_t *rand;
    size_t n_idr;
    mcsec_mikey_idr idr[MCSEC_MIKEY_MAX_IDR];
    size_t n_sp;
    mcsec_mikey_sp sp[MCSEC_MIKEY_MAX_SP];
    /* SAKKE (RFC 6509 §4.2) */
    int has_sakke;
    uint8_t sakke_params, sakke_id_scheme;
    uint16_t sakke_len;
    const uint8_t *sakke_data;
    size_t n_ext;
    mcsec_mikey_ext ext[MCSEC_MIKEY_MAX_EXT];
    /* ERR (§6.12) */
    int has_err;
    uint8_t err_no;
    /* SIGN (§6.5): last; covers octets [0, signed_len) */
    int has_sign;
    uint8_t sign_type;             /* 2 = ECCSI */
    uint16_t sign_len;
    const uint8_t *sign;
    size_t signed_len;
    /* where decoding stopped on error (octet offset), for diagnostics */
    size_t error_offset;
} mcsec_mikey_msg;

/* Decodes a MIKEY message of len octets (RFC 3830 §6) by following the
 * Next-payload chain: header, then T, RAND, IDR, SP, SAKKE, General
 * Extension, ERR payloads in any order, ending with SIGN or Next payload 0.
 * Structure only: no cryptographic checks, no profile checks (see the
 * I_MESSAGE functions for those). On failure *msg is zeroed except
 * error_offset. Errors: MCSEC_ERR_ARG, MCSEC_ERR_TRUNCATED (a field runs past
 * the end), MCSEC_ERR_TRAILING (octets after the last payload),
 * MCSEC_ERR_UNSUPPORTED (version != 1, an unsupported map, TS type or payload
 * type MCX does not use, more repeats than the MAX_ limits),
 * MCSEC_ERR_UNKNOWN_TYPE (undefined payload type), MCSEC_ERR_DUPLICATE (T,
 * RAND, SAKKE, ERR twice, or two IDRs with one role), MCSEC_ERR_MALFORMED
 * (zero-length RAND, a CS map inconsistent with #CS, SP parameters that do not
 * tile their length). */
MCSEC_API mcsec_err mcsec_mikey_decode(mcsec_mikey_msg *msg, const uint8_t *buf, size_t len) MCSEC_WARN_UNUSED;

/* Extracts a MIKEY message from its SDP form (RFC 4567): "a=key-mgmt:mikey
 * B64", "key-mgmt:mikey B64", "mikey B64" or bare base64 B64, with optional
 * surrounding white space / CRLF. (out, *out_len): in, the buffer size; out,
 * the message length. Errors: MCSEC_ERR_ARG, MCSEC_ERR_MALFORMED (not base64,
 * or another key-management protocol), MCSEC_ERR_BUFFER. */
MCSEC_API mcsec_err mcsec_mikey_from_sdp(uint8_t *out, size_t *out_len, const char *text,
                                         size_t text_len) MCSEC_WARN_UNUSED;

/* Writes "a=key-mgmt:mikey <base64>" (no CRLF) and a terminating NUL.
 * (out, *out_len): in, the buffer size; out, the string length without the
 * NUL. Needs 18 + 4*ceil(len/3) + 1 octets. Errors: MCSEC_ERR_ARG, MCSEC_ERR_BUFFER. */
MCSEC_API mcsec_err mcsec_mikey_to_sdp(char *out, size_t *out_len, const uint8_t *msg,
                                       size_t len) MCSEC_WARN_UNUSED;

/* TS 33.180 E.6 "3GPP key parameters" (General Extension type 7), decrypted. */
#define MCSEC_MIKEY_KP_STATUS_NOT_REVOKED 0x1u  /* status bit 0: key not revoked */
#define MCSEC_MIKEY_KP_STATUS_GATEWAY 0x2u      /* status bit 1: shared with a security gateway */
#define MCSEC_MIKEY_KP_MAX_TEXT 255
#define MCSEC_MIKEY_KP_MAX_GROUPS 8
#define MCSEC_MIKEY_KP_MAX_GROUP_ID 255

typedef struct mcsec_mikey_key_params {
    uint8_t key_type;             /* purpose tag (MCSEC_KEY_PURPOSE_*) */
    uint32_t status;              /* MCSEC_MIKEY_KP_STATUS_* bits */
    uint64_t activation_time;     /* 40 bits; 0 = active from the MIKEY timestamp */
    uint64_t expiry_time;         /* 40 bits; 0 = no expiry */
    uint16_t text_len;
    char text[MCSEC_MIKEY_KP_MAX_TEXT + 1];       /* NUL-terminated copy */
    uint8_t n_groups;             /* MC group IDs (GMK, MKFC, MuSiK only) */
    uint16_t group_len[MCSEC_MIKEY_KP_MAX_GROUPS];
    char group[MCSEC_MIKEY_KP_MAX_GROUPS][MCSEC_MIKEY_KP_MAX_GROUP_ID + 1];
} mcsec_mikey_key_params;

/* Builds the protected key-parameters payload (the General Extension data)
 * for key k (16 octets) with DPPK-ID = csb_id (TS 33.180 E.6.1): the plaintext
 * is encrypted with AES-128-GCM under DPCK = the low 128 bits of
 * HMAC-SHA-256(k, 0x53 || csb_id || 0x0004), IV 16 random octets from rng,
 * AAD = the 32 header octets. (out, *out_len) in/out as usual.
 * Errors: MCSEC_ERR_ARG, MCSEC_ERR_BUFFER, MCSEC_ERR_RNG, MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_mikey_key_params_seal(uint8_t *out, size_t *out_len,
                                                const mcsec_mikey_key_params *kp,
                                                const uint8_t k[16], uint32_t csb_id,
                                                const mcsec_rng *rng) MCSEC_WARN_UNUSED;

/* Decrypts and parses a key-parameters payload. The DPPK-ID must equal
 * csb_id. With legacy set, the unencrypted form that older interworking
 * functions send (message type 1..7 = key type + 1, then the plaintext) is
 * accepted too. Errors: MCSEC_ERR_ARG, MCSEC_ERR_TRUNCATED, MCSEC_ERR_TRAILING,
 * MCSEC_ERR_UNSUPPORTED (algorithm or message type), MCSEC_ERR_MALFORMED
 * (DPPK-ID mismatch, bad lengths), MCSEC_ERR_DECAP (authentication failed:
 * wrong key or tampered), MCSEC_ERR_CRYPTO. On failure *kp is zeroed. */
MCSEC_API mcsec_err mcsec_mikey_key_params_open(mcsec_mikey_key_params *kp, const uint8_t *in,
                                                size_t in_len, const uint8_t k[16],
                                                uint32_t csb_id, int legacy) MCSEC_WARN_UNUSED;

/* ---------------------------------------------------------------- I_MESSAGE */

/* The key a "cek" I_MESSAGE carries: mcsec's assignment in the purpose tags
 * TS 33.180 §5.2.2 leaves undefined (7-15). The SAKKE payload carries a
 * 16-octet SSV; both ends derive the 32-octet CEK from it (docs/interop.md). */
#define MCSEC_KEY_PURPOSE_CEK 15u
#define MCSEC_MIKEY_CEK_BYTES 32
#define MCSEC_MIKEY_KEY_BYTES 16   /* GMK, PCK, CSK and the CEK's SSV */
#define MCSEC_MIKEY_RAND_BYTES 16
#define MCSEC_MIKEY_MAX_URI 255

/* A KMS as an I_MESSAGE needs it: its URI (KmsUri), KPAK, Z_T and the key
 * period parameters of its certificate. */
typedef struct mcsec_mikey_kms {
    const char *uri;               /* NUL-terminated */
    uint8_t kpak[65];
    uint8_t zt[257];
    uint64_t period_len, period_offset;
} mcsec_mikey_kms;

typedef struct mcsec_mikey_create_params {
    uint8_t type;                  /* MCSEC_KEY_PURPOSE_GMK, _PCK, _CSK or _CEK */
    const uint8_t *key;            /* 16 octets: the GMK / PCK / CSK, or the CEK's SSV */
    uint32_t key_id;               /* K-ID (GMK-ID, PCK-ID, CSK-ID, CEK-ID): top 4 bits = type */
    const char *initiator;         /* the signer's URI (IDRi) */
    const char *responder;         /* the recipient's URI (IDRr) */
    const mcsec_mikey_kms *kms_i;  /* the initiator's KMS (IDRkmsi) */
    const mcsec_mikey_kms *kms_r;  /* the responder's KMS (IDRkmsr) */
    const uint8_t *ssk;            /* 32 octets: the initiator's SSK for the period of ntp_time */
    const uint8_t *pvt;            /* 65 octets: its PVT */
    uint64_t ntp_time;             /* the T payload, NTP seconds */
    const uint8_t *rand;           /* 16 octets, or NULL to draw from rng */
    const mcsec_mikey_key_params *kp; /* NULL: key type, status "not revoked", no text/groups */
    /* TS 33.180 E.7 identity hiding: IDRi / IDRr carry the UID (roles 8 / 9)
     * instead of the URI. A hidden initiator must send its MC Service ID to
     * the responder encrypted in the same SIP message (§5.2.6); the responder
     * compares its UID with the opened "initiator" (then the UID in hex). */
    int hide_initiator, hide_responder;
} mcsec_mikey_create_params;

/* Builds a signed MIKEY-SAKKE I_MESSAGE (RFC 6509 §2.1, TS 33.180 Annex E):
 * HDR T RAND IDRi IDRr IDRkmsi IDRkmsr [SP] SAKKE GEXT(key parameters) SIGN.
 * GMK: CSB ID = GUK-ID of the responder, GENERIC-ID map with CS-ID 4 and
 * SPI = GMK-ID || GUK-ID, SP with the 33.180 group profile. CSK: CS-ID 6,
 * SPI = CSK-ID, the same SP. PCK and CEK: empty map, no SP. The signer's key
 * is validated against the initiator's UID for the period of ntp_time first.
 * (out, *out_len) in/out; 1024 octets always suffice for URIs of up to 255.
 * Errors: MCSEC_ERR_ARG, MCSEC_ERR_BUFFER, MCSEC_ERR_KEY_INVALID (the SSK/PVT
 * do not belong to the initiator for that period), MCSEC_ERR_POINT (a bad
 * KPAK or Z_T), MCSEC_ERR_RNG, MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_mikey_create(uint8_t *out, size_t *out_len, const mcsec_mikey_create_params *p,
                                       const mcsec_rng *rng) MCSEC_WARN_UNUSED;

/* A bounded replay cache (RFC 3830 §5.4): a message is identified by the
 * hash of its initiator identity, CSB ID and RAND and remembered until its
 * timestamp leaves the freshness window. When all slots hold live entries the
 * oldest is overwritten, so size it for the message rate times the window.
 * Plain data: zero-initialise it (or memset) before first use. */
#define MCSEC_MIKEY_REPLAY_SLOTS 1024
typedef struct mcsec_mikey_replay_cache {
    struct {
        uint8_t id[16];
        uint64_t expires;          /* NTP seconds; 0 = empty */
    } slot[MCSEC_MIKEY_REPLAY_SLOTS];
    size_t next;
} mcsec_mikey_replay_cache;

typedef struct mcsec_mikey_open_params {
    const char *own_uri;           /* our MC identity: IDRr must name it (or IDRuidr our UID) */
    const mcsec_mikey_kms *own_kms;/* the KMS that issued our RSK (must match IDRkmsr) */
    const uint8_t *rsk;            /* 257 octets: our RSK for the message's key period (or NULL
                                      if rsk_key is given) */
    const mcsec_mikey_kms *const *kms; /* other KMSs trusted for IDRkmsi (own_kms always is) */
    size_t n_kms;
    uint64_t now_ntp;              /* local time, NTP seconds */
    uint32_t window;               /* accepted |T - now| in seconds; 0 means 300 */
    mcsec_mikey_replay_cache *replay; /* NULL: no replay detection */
    int replay_check_only;         /* 1: a replay is refused but the message is not recorded;
                                      the caller records it with mcsec_mikey_replay_commit()
                                      once whatever carried it is accepted */
    int legacy;                    /* accept the unencrypted legacy key-parameters form */
    /* Optional: our RSK prepared once with mcsec_sakke_rsk_key_init() under
     * own_kms->zt (mcsec/sakke.h). Used when it was built for our UID in the
     * message's key period; the open then costs parse + ECCSI verify + a
     * table-based decapsulation (~4x faster than from rsk's octets). If it
     * belongs to another period, rsk is used if given, else the open fails
     * with MCSEC_ERR_NOT_FOUND. At least one of rsk and rsk_key must be set. */
    const struct mcsec_sakke_rsk_key *rsk_key;
} mcsec_mikey_open_params;

typedef struct mcsec_mikey_opened {
    uint8_t type;                  /* purpose tag of the CSB ID */
    uint8_t key[MCSEC_MIKEY_CEK_BYTES];
    size_t key_len;                /* 16, or 32 for a CEK */
    uint32_t key_id;               /* GMK-ID (from the GUK-ID), PCK-ID, CSK-ID, CEK-ID */
    uint32_t csb_id;               /* as sent: the GUK-ID for a GMK */
    char initiator[MCSEC_MIKEY_MAX_URI * 2 + 1]; /* URI, or the hex UID if hidden */
    char responder[MCSEC_MIKEY_MAX_URI * 2 + 1];
    uint64_t ntp_time;
    uint8_t rand[255];
    uint8_t rand_len;
    int has_key_params;
    mcsec_mikey_key_params kp;
} mcsec_mikey_opened;

/* Opens an I_MESSAGE addressed to us (RFC 6509 §3, TS 33.180 §5.2): decode,
 * check the profile, the timestamp window and the recipient, verify the
 * initiator's ECCSI signature under the KPAK of its KMS for the UID of its
 * identity and the message's key period, then the replay cache, then
 * decapsulate with our RSK, map GUK-ID to GMK-ID, and decrypt the key
 * parameters. Nothing is returned unless every check passes; *out is zeroed
 * on failure and must be wiped with mcsec_mikey_opened_wipe() after use.
 * Errors: the decoder's, MCSEC_ERR_MISSING (a mandatory payload absent),
 * MCSEC_ERR_UNSUPPORTED (data type, TS type, SAKKE parameter set / ID scheme,
 * signature type, purpose tag), MCSEC_ERR_TIME, MCSEC_ERR_RECIPIENT,
 * MCSEC_ERR_NOT_FOUND (IDRkmsi / IDRkmsr is not a KMS we hold keys for, or
 * only a prepared rsk_key of another UID was given),
 * MCSEC_ERR_VERIFY, MCSEC_ERR_POINT, MCSEC_ERR_SCALAR, MCSEC_ERR_REPLAY,
 * MCSEC_ERR_DECAP, MCSEC_ERR_REVOKED (key parameters say revoked), the key
 * parameters' errors, MCSEC_ERR_ARG, MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_mikey_open(mcsec_mikey_opened *out, const uint8_t *msg, size_t len,
                                     const mcsec_mikey_open_params *p) MCSEC_WARN_UNUSED;

MCSEC_API void mcsec_mikey_opened_wipe(mcsec_mikey_opened *out);

/* Records an opened message in the replay cache (after an open with
 * replay_check_only, once the request that carried it is accepted), for the
 * freshness window (0: 300 s) after its timestamp. Errors: MCSEC_ERR_ARG,
 * MCSEC_ERR_REPLAY (already recorded), MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_mikey_replay_commit(mcsec_mikey_replay_cache *rc, const mcsec_mikey_opened *o,
                                              uint64_t now_ntp, uint32_t window) MCSEC_WARN_UNUSED;

/* The IDR payload with the given role, or NULL. */
MCSEC_API const mcsec_mikey_idr *mcsec_mikey_find_idr(const mcsec_mikey_msg *msg, uint8_t role);

#ifdef __cplusplus
}
#endif
#endif
