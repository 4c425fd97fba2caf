/* mcsec mcptt — the sans-I/O pieces of a minimal MCPTT client and MCPTT
 * server that protect MCPTT data in SIP bodies with S/MIME (mcsec/smime.h),
 * the CEK coming from the client over MIKEY-SAKKE (seed solution #14) or from
 * the KMS (seed solution #13). See docs/smime.md "MCPTT flows".
 *
 * Client: mcsec_mcptt_build_request() writes a SIP request (RFC 3261 §7.1)
 * whose body is multipart/mixed (RFC 2046 §5.1.3): an application/sdp part
 * carrying "a=key-mgmt:mikey <I_MESSAGE>" (RFC 4567), an
 * application/vnd.3gpp.mcptt-info+xml part (TS 24.379 Annex F.1) holding the
 * MCPTT identities, and optionally one more part. mcsec_mcptt_protect_part()
 * then replaces only the mcptt-info part by its application/pkcs7-mime
 * protection: the SDP stays readable so that the server can open the MIKEY
 * message and so learn the KEK before it unprotects the rest.
 *
 * Server: mcsec_mcptt_server_handle() takes one request and gives the SIP
 * response and what it recovered; keys live in a mcsec_mcptt_cek_cache with a
 * life cycle (new key on request, removal on BYE, on log-off, on expiry) and
 * a caller-supplied fetch callback for KEK-IDs it does not hold (the app
 * fetches KMS-managed CEKs there; the library does no I/O).
 */
#ifndef MCSEC_MCPTT_H
#define MCSEC_MCPTT_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/common.h"
#include "mcsec/kmsclient.h"
#include "mcsec/mikey.h"
#include "mcsec/smime.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MCSEC_MCPTT_INFO_TYPE "application/vnd.3gpp.mcptt-info+xml"
#define MCSEC_MCPTT_INFO_NS "urn:3gpp:ns:mcpttInfo:1.0"
#define MCSEC_MCPTT_MAX_PARTS 8     /* parts of a multipart body */
#define MCSEC_MCPTT_MAX_IDS 8       /* MCPTT identities read from an mcptt-info body */
#define MCSEC_MCPTT_MAX_URI 255
#define MCSEC_MCPTT_MAX_BOUNDARY 70 /* RFC 2046 §5.1.1 */

/* ---- building requests (client) ----------------------------------------- */

typedef struct mcsec_mcptt_request {
    const char *method;          /* "MESSAGE", "INVITE", "BYE", "REGISTER" */
    const char *request_uri;     /* e.g. the MCPTT server PSI */
    const char *from, *from_tag; /* the client's SIP URI (public user identity) and tag */
    const char *to, *to_tag;     /* to_tag may be NULL */
    const char *call_id;
    uint32_t cseq;
    const char *via_host;        /* the client's address and UDP port for Via/Contact */
    uint16_t via_port;
    const char *branch;          /* Via branch, must start with "z9hG4bK" (RFC 3261 §8.1.1.7) */
    int expires;                 /* >= 0: an Expires header (REGISTER; 0 = de-register) */
    /* body parts, in this order; any may be absent: */
    const char *mikey_b64;       /* an SDP part (RFC 4566) with a=key-mgmt:mikey <this> */
    const char *calling_id;      /* mcptt-info: <mcptt-calling-user-id> */
    const char *called_id;       /* mcptt-info: <mcptt-request-uri> */
    const char *group_id;        /* mcptt-info: <mcptt-calling-group-id> */
    const uint8_t *extra; size_t extra_len; const char *extra_type; /* one more part */
} mcsec_mcptt_request;

/* Writes the request: start line, Via (UDP, branch, rport), Max-Forwards 70,
 * From (tag), To, Call-ID, CSeq, Contact, [Expires], then the body: one part
 * as the body itself, two or more as multipart/mixed with a boundary that
 * occurs in none of them. The mcptt-info part is
 *   <mcpttinfo xmlns="urn:3gpp:ns:mcpttInfo:1.0"><mcptt-Params>
 *   <mcptt-request-uri type="Normal"><mcpttURI>..</mcpttURI></mcptt-request-uri> ...
 * with the URIs XML-escaped. (out, *out_len) in/out; on MCSEC_ERR_BUFFER
 * *out_len is the size needed. Errors: MCSEC_ERR_ARG (a NULL mandatory field,
 * a field with CR, LF or NUL, a URI over MCSEC_MCPTT_MAX_URI, a branch without
 * the magic cookie), MCSEC_ERR_BUFFER, MCSEC_ERR_NOMEM. */
MCSEC_API mcsec_err mcsec_mcptt_build_request(uint8_t *out, size_t *out_len,
                                              const mcsec_mcptt_request *r) MCSEC_WARN_UNUSED;

/* ---- MIME parts ----------------------------------------------------------- */

typedef struct mcsec_mcptt_part {
    size_t off, len;             /* the whole part (its fields, empty line, body) in the message */
    size_t body_off, body_len;   /* its body in the message */
    char type[128];              /* "type/subtype", lower case, no parameters */
} mcsec_mcptt_part;

typedef struct mcsec_mcptt_parts {
    int multipart;               /* 1: the body was multipart/mixed and part[] are its parts;
                                    0: part[0] is the whole body (off = body_off) */
    size_t n;
    mcsec_mcptt_part part[MCSEC_MCPTT_MAX_PARTS];
    char boundary[MCSEC_MCPTT_MAX_BOUNDARY + 1];
} mcsec_mcptt_parts;

/* Splits the body of a SIP message (which must scan as with
 * mcsec_smime_protect) into its parts. multipart/mixed (RFC 2046 §5.1.1):
 * the boundary parameter (1..70 characters, quoted or not), CRLF before
 * every delimiter, transport padding after it, a close delimiter, at most
 * MCSEC_MCPTT_MAX_PARTS parts, each a MIME entity with a Content-Type
 * (nested multiparts are one part). A body of another type is one part.
 * Errors: MCSEC_ERR_ARG, MCSEC_ERR_LENGTH, MCSEC_ERR_MISSING (no body, no
 * boundary, a part without Content-Type), MCSEC_ERR_MALFORMED (bad header
 * fields, no delimiter, no close delimiter, a bad Content-Type),
 * MCSEC_ERR_BUFFER (too many parts), MCSEC_ERR_DUPLICATE, MCSEC_ERR_TRUNCATED,
 * MCSEC_ERR_TRAILING (Content-Length), MCSEC_ERR_NOMEM. */
MCSEC_API mcsec_err mcsec_mcptt_parse_parts(mcsec_mcptt_parts *p, const uint8_t *sip,
                                            size_t sip_len) MCSEC_WARN_UNUSED;

/* The index of the first part of media type type (case-insensitive), or -1. */
MCSEC_API int mcsec_mcptt_find_part(const mcsec_mcptt_parts *p, const char *type);

/* Protects one part: the first part of media type type (NULL: the whole
 * body, exactly mcsec_smime_protect) becomes
 *   <its fields other than Content-Type/-Disposition/-Transfer-Encoding, as they were>
 *   Content-Type: application/pkcs7-mime; smime-type=...; name=smime.p7m
 *   Content-Disposition: attachment; handling=required; filename=smime.p7m
 *   [Content-Transfer-Encoding: base64]
 *   <empty line> <DER or base64>
 * protecting the MIME entity of its Content-* fields and body (as
 * mcsec_smime_protect does for a body). Every other octet of the message is
 * copied; Content-Length is rewritten. Binary unless opts->base64 — or unless
 * the DER happens to contain the multipart delimiter, in which case that part
 * alone is written in base64 (whose alphabet has no '-'). Errors: those of
 * mcsec_mcptt_parse_parts and mcsec_smime_protect; MCSEC_ERR_NOT_FOUND (no
 * such part), MCSEC_ERR_UNSUPPORTED (the part is already application/pkcs7-mime). */
MCSEC_API mcsec_err mcsec_mcptt_protect_part(uint8_t *out, size_t *out_len, const uint8_t *sip,
                                             size_t sip_len, const char *type,
                                             const mcsec_smime_protect_opts *opts) MCSEC_WARN_UNUSED;

/* Unprotects every application/pkcs7-mime part of a multipart body (each is
 * replaced by the MIME entity it protected, its other fields kept), or the
 * whole body if it is application/pkcs7-mime (mcsec_smime_unprotect). Every
 * part must open with opts, else nothing is written. info (may be NULL)
 * gets the first protected part's info, with flags reduced to those every
 * part had. A restored part that contains the delimiter is refused
 * (MCSEC_ERR_MALFORMED). Errors: those of mcsec_mcptt_parse_parts and
 * mcsec_smime_unprotect; MCSEC_ERR_MISSING (nothing protected). */
MCSEC_API mcsec_err mcsec_mcptt_unprotect(uint8_t *out, size_t *out_len, mcsec_smime_info *info,
                                          const uint8_t *sip, size_t sip_len,
                                          const mcsec_smime_unprotect_opts *opts) MCSEC_WARN_UNUSED;

/* The text content of every <mcpttURI> element of an mcptt-info document
 * (namespace MCSEC_MCPTT_INFO_NS), in document order, into ids[0..*n).
 * libxml2 without network access, entity expansion or DTDs. Errors:
 * MCSEC_ERR_ARG, MCSEC_ERR_LENGTH (over 64 KiB), MCSEC_ERR_MALFORMED (not
 * well-formed, a DOCTYPE, another root element, a URI over
 * MCSEC_MCPTT_MAX_URI or with control characters), MCSEC_ERR_BUFFER (more
 * than MCSEC_MCPTT_MAX_IDS), MCSEC_ERR_NOMEM. */
MCSEC_API mcsec_err mcsec_mcptt_info_ids(char ids[][MCSEC_MCPTT_MAX_URI + 1], size_t *n,
                                         const uint8_t *xml, size_t len) MCSEC_WARN_UNUSED;

/* ---- the server's CEK cache ------------------------------------------------ */

#define MCSEC_MCPTT_CEK_SLOTS 64
#define MCSEC_MCPTT_PATH_MIKEY 1     /* #14: from a MIKEY-SAKKE CEK I_MESSAGE */
#define MCSEC_MCPTT_PATH_KMS 2       /* #13: a KMS-managed CEK fetched by ID */

typedef struct mcsec_mcptt_cek {
    uint8_t id[MCSEC_SMIME_MAX_KEK_ID]; /* the KEK-ID (CEK-ID) as in the KEKRecipientInfo */
    size_t id_len;
    uint8_t key[32];             /* secret */
    size_t key_len;              /* 16 or 32 */
    char owner[MCSEC_MCPTT_MAX_URI + 1];   /* the client the key belongs to (its SIP From URI) */
    char creator[MCSEC_MCPTT_MAX_URI + 1]; /* the MC Service ID that created it (the KMS CEK's
                                              initiator; checked against the request's identities) */
    char session[MCSEC_MCPTT_MAX_URI + 1]; /* Call-ID of the session it was set up in, or "" */
    int64_t expires;             /* Unix seconds */
    int path;                    /* MCSEC_MCPTT_PATH_* */
    int fetched;                 /* set by mcsec_mcptt_cek_get: came from the fetch callback,
                                    not from the cache (add it once the request is accepted) */
} mcsec_mcptt_cek;

/* Fills key, key_len, creator (the MC Service ID that created the key),
 * expires and path of c for c->id (c->owner holds the client asking, which
 * the fetch must leave as it is; c->session the session). MCSEC_OK, or an
 * error (MCSEC_ERR_NOT_FOUND, a KMS refusal ...). */
typedef mcsec_err (*mcsec_mcptt_cek_fetch_fn)(void *ctx, mcsec_mcptt_cek *c);

/* Plain data: a fixed table, no allocation; init, then wipe after use. */
typedef struct mcsec_mcptt_cek_cache {
    mcsec_mcptt_cek slot[MCSEC_MCPTT_CEK_SLOTS];
    unsigned char used[MCSEC_MCPTT_CEK_SLOTS];
    mcsec_mcptt_cek_fetch_fn fetch;   /* NULL: unknown IDs are not found */
    void *fetch_ctx;
    int64_t max_ttl;                  /* a key lives at most this long (seconds) */
} mcsec_mcptt_cek_cache;

MCSEC_API void mcsec_mcptt_cek_cache_init(mcsec_mcptt_cek_cache *c, mcsec_mcptt_cek_fetch_fn fetch,
                                          void *fetch_ctx, int64_t max_ttl);
/* Wipes every key. */
MCSEC_API void mcsec_mcptt_cek_cache_wipe(mcsec_mcptt_cek_cache *c);

/* Adds e (or replaces the entry with the same ID); expires is capped at
 * now + max_ttl; expired entries are dropped to make room. Errors:
 * MCSEC_ERR_ARG (an empty or over-long ID, a key not 16/32 octets),
 * MCSEC_ERR_DUPLICATE (the ID is held for another owner), MCSEC_ERR_BUFFER (full). */
MCSEC_API mcsec_err mcsec_mcptt_cek_put(mcsec_mcptt_cek_cache *c, const mcsec_mcptt_cek *e,
                                        int64_t now) MCSEC_WARN_UNUSED;

/* The live entry for id owned by owner into *out (wipe it after use). An
 * expired entry is removed first. On a miss the fetch callback is asked
 * (with owner and session) and its key returned for owner with out->fetched
 * set, NOT cached: the caller checks the key's creator against the
 * identities of the request (the server does, after decryption) and adds it
 * with mcsec_mcptt_cek_put only once the request is accepted.
 * Errors: MCSEC_ERR_ARG, MCSEC_ERR_NOT_FOUND (unknown, expired, or another
 * owner's), the callback's error, those of mcsec_mcptt_cek_put. */
MCSEC_API mcsec_err mcsec_mcptt_cek_get(mcsec_mcptt_cek_cache *c, mcsec_mcptt_cek *out,
                                        const uint8_t *id, size_t id_len, const char *owner,
                                        const char *session, int64_t now) MCSEC_WARN_UNUSED;

/* Remove (and wipe) the keys of a session (BYE; only the owner's), of an owner (log-off), or
 * every expired key; each returns how many were removed. */
MCSEC_API size_t mcsec_mcptt_cek_remove_session(mcsec_mcptt_cek_cache *c, const char *session,
                                                const char *owner);
MCSEC_API size_t mcsec_mcptt_cek_remove_owner(mcsec_mcptt_cek_cache *c, const char *owner);
MCSEC_API size_t mcsec_mcptt_cek_remove_id(mcsec_mcptt_cek_cache *c, const uint8_t *id, size_t id_len);
MCSEC_API size_t mcsec_mcptt_cek_expire(mcsec_mcptt_cek_cache *c, int64_t now);

/* ---- the server ------------------------------------------------------------ */

typedef struct mcsec_mcptt_server {
    const char *psi;                  /* our URI: IDRr of MIKEY CEK messages */
    const mcsec_keystore *ks;         /* our key store (KMS certificate, our key sets) */
    const char *trust_pem; size_t trust_pem_len; /* if set, every body must be signed by a
                                                    certificate chaining to one of these */
    const char *cert_pem; size_t cert_pem_len;   /* our certificate and key: bodies */
    const char *key_pem; size_t key_pem_len;     /* encrypted to us (KTRI/KARI) */
    mcsec_mcptt_cek_cache *cache;
    mcsec_mikey_replay_cache *replay; /* may be NULL */
    uint32_t window;                  /* MIKEY freshness window, 0: 300 s */
    /* Optional: our RSK prepared once (mcsec_sakke_rsk_key_init, for our UID
     * in the current key period): a CEK I_MESSAGE then opens in ~2 ms instead
     * of ~9 ms. Messages of another period fall back to ks's RSK octets. */
    const struct mcsec_sakke_rsk_key *rsk_key;
} mcsec_mcptt_server;

typedef struct mcsec_mcptt_result {
    char method[16];
    char from[MCSEC_MCPTT_MAX_URI + 1];     /* From URI */
    char call_id[MCSEC_MCPTT_MAX_URI + 1];
    int status;                       /* the SIP status answered */
    mcsec_err err;                    /* why, if status >= 300 */
    int path;                         /* MCSEC_MCPTT_PATH_*, 3 = certificate (KTRI/KARI),
                                         0 = no key used */
    uint8_t cek_id[MCSEC_SMIME_MAX_KEK_ID];
    size_t cek_id_len;
    int new_key;                      /* a key was added by this request */
    size_t keys_removed;              /* BYE / log-off */
    unsigned smime_flags;             /* MCSEC_SMIME_* of the protected body */
    char signer[256];
    char ids[MCSEC_MCPTT_MAX_IDS][MCSEC_MCPTT_MAX_URI + 1];
    size_t n_ids;
} mcsec_mcptt_result;

#define MCSEC_MCPTT_PATH_CERT 3

/* Handles one SIP request at Unix time now and writes the response
 * (RFC 3261 §8.2.6: Via, From, To (with a tag), Call-ID and CSeq copied,
 * Content-Length: 0) into (resp, *resp_len).
 *   REGISTER with Expires: 0 (log-off): the owner's keys are removed; 200.
 *   BYE: the session's keys are removed; 200.
 *   INVITE / MESSAGE: an SDP part with a=key-mgmt:mikey is opened with our
 *     key store (it must be a CEK I_MESSAGE from the From URI to us); the
 *     protected parts are unprotected with that key, a cached key, a key the
 *     fetch callback gets (KEK-IDs we do not hold) or our certificate; the
 *     mcptt-info identities are read; only if all of that succeeds is the new
 *     key stored (bound to the Call-ID for an INVITE) and 200 answered.
 *   Failures answer 400 (malformed, nothing protected, a MIKEY key that
 *   protects nothing), 403 (the MIKEY signer or the KMS CEK's creator is not
 *   the requester), 488 (a MIKEY message that does not open), 493
 *   Undecipherable (every failure of a protected body: no key for the
 *   KEK-ID, decryption, padding, structure, signature, trust — one answer,
 *   so that no step can be told apart; res->err keeps the cause); other
 *   methods 405. Nothing is kept: a key fetched from the KMS is cached only
 *   with an accepted request. BYE removes only the From URI's own keys.
 * A response or non-SIP datagram gives MCSEC_ERR_MALFORMED and no response
 * (*resp_len = 0). res (may be NULL) says what happened. Errors:
 * MCSEC_ERR_ARG, MCSEC_ERR_MALFORMED, MCSEC_ERR_BUFFER (resp too small;
 * req_len + 256 octets always suffice). */
MCSEC_API mcsec_err mcsec_mcptt_server_handle(uint8_t *resp, size_t *resp_len, mcsec_mcptt_result *res,
                                              mcsec_mcptt_server *srv, const uint8_t *req,
                                              size_t req_len, int64_t now) MCSEC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
