/* The KMS of a security domain (TS 33.180 §5.2, Annex D): domain keys,
 * key-set issuing per user and key period, revocation, KMS-managed CEKs, and
 * the HTTPS request handler behind mcsec-kmsd.
 *
 * Sans-I/O: mcsec_kms_server_handle() takes one parsed HTTP request (method,
 * path, Authorization header, body) and returns the status and body to send;
 * the HTTP and TLS layers live in the application (apps/kmsd). The state is
 * an SQLite database (WAL) and a 32-octet master key file that encrypts the
 * domain secrets (KSAK, z) and every stored key set and CEK with
 * AES-256-GCM. Handler calls are thread-safe.
 *
 * Endpoints (POST; Authorization: Bearer <IdM access token>):
 *   /keymanagement/identity/v1/init                 KmsInit (KmsCertificate)
 *   /keymanagement/identity/v1/keyprov              key sets, current + next period
 *   /keymanagement/identity/v1/keyprov/<uri>        the same for <uri> (= the token's identity)
 *   /keymanagement/identity/v1/keyprov/<uri>/<T>    the period containing NTP time T (16 hex digits)
 *   /keymanagement/identity/v1/certcache[/<n>]      KmsCertCache
 *   /keymanagement/identity/v1/cek                  extension: a new CEK for the request's PeerUri
 *   /keymanagement/identity/v1/cek/<id>             extension: fetch CEK <id> (32 hex digits)
 * and GET /metrics (Prometheus text format, no authentication, no secrets). */
#ifndef MCSEC_KMS_H
#define MCSEC_KMS_H

#include <stdint.h>

#include "mcsec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MCSEC_KMS_MASTER_KEY_BYTES 32
#define MCSEC_KMS_MAX_BODY 65536 /* larger request bodies get 400 */

/* Log levels of the log hook. Lines never contain key material or tokens. */
enum { MCSEC_KMS_LOG_ERROR = 0, MCSEC_KMS_LOG_WARN = 1, MCSEC_KMS_LOG_INFO = 2 };

typedef struct mcsec_kms_config {
    const char *db_path;          /* SQLite file, created if absent */
    const char *master_key_path;  /* 32 octets; created (0600) with random bytes if absent */
    const char *kms_uri;          /* the security domain (UID parameter P2) */
    uint64_t period_len;          /* P3, seconds (0: 2592000) */
    uint64_t period_offset;       /* P4, seconds, < period_len */
    const char *idm_issuer;       /* token "iss" */
    const char *idm_audience;     /* token "aud" */
    const char *idm_key_pem;      /* the IdM's public key, PEM */
    size_t idm_key_pem_len;
    const char *identity_claim;   /* NULL: "mcptt_id" */
    const char *required_scope;   /* NULL or "": none */
    int64_t token_skew;           /* seconds of leeway for exp/nbf (0: 60) */
    int64_t request_time_window;  /* |KmsRequest Time - now| allowed, seconds (0: 300) */
    uint64_t cek_ttl;             /* lifetime of a KMS-managed CEK, seconds (0: 3600) */
    const char *server_cert_pem;  /* NULL, or the MCPTT server's certificate sent in KmsInit */
    const mcsec_rng *rng;         /* NULL: OpenSSL */
    /* Optional hooks: the clock (Unix seconds; NULL: time()) and a log sink. */
    int64_t (*now)(void *ctx);
    void (*log)(void *ctx, int level, const char *line);
    void *hook_ctx;
} mcsec_kms_config;

typedef struct mcsec_kms_server mcsec_kms_server;

/* Opens the store and the master key; on first use of an empty database it
 * creates the domain (KSAK/KPAK, z/Z_T) under the configured KMS URI and
 * period parameters. Later opens reuse it, and refuse a configuration whose
 * KMS URI or period parameters differ from the stored domain (they would
 * change every UID). Errors: MCSEC_ERR_ARG (missing or bad setting),
 * MCSEC_ERR_IO (master key file unreadable, wrong size, or not 0600-safe:
 * readable by group or others), MCSEC_ERR_DB, MCSEC_ERR_MALFORMED (IdM key
 * not a PEM public key), MCSEC_ERR_UNSUPPORTED (IdM key type),
 * MCSEC_ERR_DENIED (stored domain does not match the configuration),
 * MCSEC_ERR_VERIFY (domain secrets fail to decrypt: wrong master key),
 * MCSEC_ERR_NOMEM. */
MCSEC_API mcsec_err mcsec_kms_server_open(mcsec_kms_server **srv,
                                          const mcsec_kms_config *cfg) MCSEC_WARN_UNUSED;
MCSEC_API void mcsec_kms_server_close(mcsec_kms_server *srv);

/* The KMS public values (for tests and tools). */
MCSEC_API mcsec_err mcsec_kms_server_public(const mcsec_kms_server *srv, uint8_t kpak[65],
                                            uint8_t zt[257]) MCSEC_WARN_UNUSED;

typedef struct mcsec_kms_reply {
    int status;               /* HTTP status */
    const char *content_type; /* static string */
    const char *www_authenticate; /* static string to send as WWW-Authenticate, or NULL */
    uint8_t *body;            /* malloc'd; may hold key material: free with mcsec_kms_reply_free */
    size_t body_len;
} mcsec_kms_reply;

/* Handles one request. method and path as received (path without query;
 * a query string is ignored); authorization is the Authorization header
 * value or NULL. Always fills *reply (also on error: a KmsError body), and
 * returns MCSEC_OK unless the reply itself could not be built
 * (MCSEC_ERR_NOMEM, MCSEC_ERR_ARG). Status codes: 200; 400 malformed or
 * oversized body, KmsUri not ours, ClientReqUrl or Time wrong; 401 missing or
 * bad token; 403 another user's keys or CEK, or a revoked user; 404 unknown
 * path or CEK; 405 wrong method; 500 internal. */
MCSEC_API mcsec_err mcsec_kms_server_handle(mcsec_kms_server *srv, mcsec_kms_reply *reply,
                                            const char *method, const char *path,
                                            const char *authorization, const uint8_t *body,
                                            size_t body_len) MCSEC_WARN_UNUSED;

/* Frees and wipes a reply's body. */
MCSEC_API void mcsec_kms_reply_free(mcsec_kms_reply *reply);

/* ---- store administration (usable while the server runs: WAL) ----------- */

/* Marks uri revoked (revoke != 0) or reinstates it. Errors: MCSEC_ERR_ARG,
 * MCSEC_ERR_DB, MCSEC_ERR_NOT_FOUND (no domain in that database). */
MCSEC_API mcsec_err mcsec_kms_store_revoke(const char *db_path, const char *uri, int revoke,
                                           int64_t now) MCSEC_WARN_UNUSED;

/* Counts of what the store holds (for tools and tests): issued key sets,
 * revoked users, live CEKs, audit events. Errors: MCSEC_ERR_ARG,
 * MCSEC_ERR_DB, MCSEC_ERR_NOT_FOUND. */
typedef struct mcsec_kms_store_stats {
    uint64_t keysets, revoked, ceks, audit_events;
} mcsec_kms_store_stats;
MCSEC_API mcsec_err mcsec_kms_store_stats_get(mcsec_kms_store_stats *stats,
                                              const char *db_path) MCSEC_WARN_UNUSED;

/* Runs SQLite's integrity check. Errors: MCSEC_ERR_DB (not ok). */
MCSEC_API mcsec_err mcsec_kms_store_check(const char *db_path) MCSEC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
