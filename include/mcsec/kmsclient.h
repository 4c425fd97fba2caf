/* The key management client (TS 33.180 §5.2, Annex D) and its key store.
 *
 * The client is the one part of libmcsec that does networking (libcurl,
 * HTTPS only). It fetches the KMS certificate and the user's key sets, and
 * validates everything before it is stored: the KMS URI, the UserUri, the
 * UID recomputed (F.2.1), the key period bounds, Revoked, SSK/PVT against
 * KPAK (RFC 6507 §5.1.2) and the RSK against Z_T (RFC 6508 §6.1.2).
 *
 * The key store is one file (0600, replaced atomically: write, fsync, rename)
 * holding the KMS certificate and key sets by period; optionally encrypted
 * under a passphrase (scrypt + AES-256-GCM). */
#ifndef MCSEC_KMSCLIENT_H
#define MCSEC_KMSCLIENT_H

#include <stdint.h>

#include "mcsec/common.h"
#include "mcsec/kmsxml.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MCSEC_KEYSTORE_MAX_KEYSETS 64

/* The decrypted store. Holds secrets: mcsec_keystore_wipe() when done. */
typedef struct mcsec_keystore {
    int has_cert;
    mcsec_kms_cert cert;
    size_t n_keysets;
    mcsec_kms_keyset keysets[MCSEC_KEYSTORE_MAX_KEYSETS]; /* sorted by user, then period */
    /* The MCPTT server's certificate (PEM) as delivered with KmsInit (an
     * mcsec extension, docs/kms.md), "" when the KMS sent none. */
    char server_cert_pem[MCSEC_KMSXML_PEM_MAX + 1];
} mcsec_keystore;

/* Reads the store at path. passphrase NULL for a plain store; a store that
 * is encrypted needs it. A missing file gives an empty store when
 * missing_ok, else MCSEC_ERR_NOT_FOUND. On error *ks is wiped. Errors:
 * MCSEC_ERR_ARG, MCSEC_ERR_NOT_FOUND, MCSEC_ERR_IO, MCSEC_ERR_MALFORMED,
 * MCSEC_ERR_VERIFY (wrong passphrase or a damaged encrypted store),
 * MCSEC_ERR_DENIED (an encrypted store and no passphrase), MCSEC_ERR_NOMEM. */
MCSEC_API mcsec_err mcsec_keystore_load(mcsec_keystore *ks, const char *path, const char *passphrase,
                                        int missing_ok) MCSEC_WARN_UNUSED;

/* Writes ks to path atomically with mode 0600 (encrypted when passphrase is
 * non-NULL). On error the old file is untouched. Errors: MCSEC_ERR_ARG,
 * MCSEC_ERR_IO, MCSEC_ERR_RNG, MCSEC_ERR_CRYPTO, MCSEC_ERR_NOMEM. */
MCSEC_API mcsec_err mcsec_keystore_save(const mcsec_keystore *ks, const char *path,
                                        const char *passphrase) MCSEC_WARN_UNUSED;

MCSEC_API void mcsec_keystore_wipe(mcsec_keystore *ks);

/* Adds (or replaces, same user and period) a key set. Errors: MCSEC_ERR_ARG,
 * MCSEC_ERR_BUFFER (store full). */
MCSEC_API mcsec_err mcsec_keystore_put(mcsec_keystore *ks, const mcsec_kms_keyset *set) MCSEC_WARN_UNUSED;

/* The key set of user (NULL: any user) for period_no, or NULL. */
MCSEC_API const mcsec_kms_keyset *mcsec_keystore_find(const mcsec_keystore *ks, const char *user,
                                                      uint64_t period_no);

/* The period containing Unix time t under the store's certificate.
 * Errors: MCSEC_ERR_NOT_FOUND (no certificate), MCSEC_ERR_ARG. */
MCSEC_API mcsec_err mcsec_keystore_period_at(const mcsec_keystore *ks, uint64_t *period_no,
                                             int64_t t) MCSEC_WARN_UNUSED;

/* Validates a key set against a KMS certificate and the expected user:
 * KmsUri, UserUri, UserID = UID(user, KmsUri, period, offset, KeyPeriodNo),
 * ValidFrom/ValidTo (when present) = the period bounds, not Revoked, SSK/PVT
 * and RSK valid. Errors: MCSEC_ERR_RECIPIENT (another user or KMS),
 * MCSEC_ERR_KEY_INVALID (UID, bounds or a key fails), MCSEC_ERR_REVOKED,
 * MCSEC_ERR_POINT, MCSEC_ERR_SCALAR, MCSEC_ERR_ARG. */
MCSEC_API mcsec_err mcsec_kms_keyset_validate(const mcsec_kms_keyset *set, const mcsec_kms_cert *cert,
                                              const char *user_uri) MCSEC_WARN_UNUSED;

/* ---- fetching --------------------------------------------------------------- */

typedef struct mcsec_kmsclient_config {
    const char *base_url;   /* "https://host:port" (the path is added) */
    const char *token;      /* IdM access token (sent as a Bearer token) */
    const char *ca_file;    /* PEM CA bundle to trust (NULL: system store) */
    const char *user_uri;   /* NULL: the token's identity claim (read, not verified) */
    const char *identity_claim; /* NULL: "mcptt_id" */
    const char *kms_uri;    /* NULL: whatever the KMS says in KmsInit; else must match */
    long timeout_s;         /* 0: 30 */
} mcsec_kmsclient_config;

/* What went wrong on the wire, when a call returns MCSEC_ERR_HTTP or
 * MCSEC_ERR_NETWORK. */
typedef struct mcsec_kmsclient_status {
    long http_status;       /* 0 if no HTTP response */
    int32_t kms_error_code; /* from a KmsError body, or 0 */
    char message[256];      /* the KmsError ErrorMsg or the transport error */
} mcsec_kmsclient_status;

/* KmsInit, then KeyProv for the current and next period (when_ntp 0) or for
 * the period containing NTP time when_ntp; validates all, then puts the
 * certificate and key sets into ks (the store is changed only if every part
 * is valid). st may be NULL. Errors: those of mcsec_kms_keyset_validate,
 * MCSEC_ERR_NETWORK, MCSEC_ERR_HTTP (401/403/...: see st; a KmsError
 * "Revoked" gives MCSEC_ERR_REVOKED), MCSEC_ERR_MALFORMED (response),
 * MCSEC_ERR_RECIPIENT (the KMS certificate is for another KMS URI),
 * MCSEC_ERR_DENIED (the certificate changed against the one in ks: a KMS
 * re-key needs an explicit reset), MCSEC_ERR_NOMEM. */
MCSEC_API mcsec_err mcsec_kmsclient_fetch(mcsec_keystore *ks, mcsec_kmsclient_status *st,
                                          const mcsec_kmsclient_config *cfg,
                                          uint64_t when_ntp) MCSEC_WARN_UNUSED;

/* KmsCertCache: the certificates of the KMS's cache into certs (up to
 * max). Errors as mcsec_kmsclient_fetch. */
MCSEC_API mcsec_err mcsec_kmsclient_certcache(mcsec_kms_cert *certs, size_t *n, size_t max,
                                              mcsec_kmsclient_status *st,
                                              const mcsec_kmsclient_config *cfg) MCSEC_WARN_UNUSED;

/* Extension: a KMS-managed CEK shared with peer_uri (create), or the CEK
 * cek_id (fetch). Errors as mcsec_kmsclient_fetch. */
MCSEC_API mcsec_err mcsec_kmsclient_cek_create(mcsec_kms_cek *cek, mcsec_kmsclient_status *st,
                                               const mcsec_kmsclient_config *cfg,
                                               const char *peer_uri) MCSEC_WARN_UNUSED;
MCSEC_API mcsec_err mcsec_kmsclient_cek_fetch(mcsec_kms_cek *cek, mcsec_kmsclient_status *st,
                                              const mcsec_kmsclient_config *cfg,
                                              const uint8_t cek_id[MCSEC_KMSXML_CEK_ID_BYTES]) MCSEC_WARN_UNUSED;

/* ---- off-network operation (TS 33.180 §5.2.1, §7.4.1 off-network) ---------- */

/* KmsInit + KeyProv for n_periods consecutive key periods starting with the
 * one containing NTP time from_ntp (0: now), each fetched with
 * mcsec_kmsclient_fetch(when_ntp = a time inside that period); periods the
 * store already holds for the user are not fetched again. n_periods 1..32.
 * Errors: those of mcsec_kmsclient_fetch, MCSEC_ERR_ARG, MCSEC_ERR_BUFFER
 * (the store would exceed MCSEC_KEYSTORE_MAX_KEYSETS). */
MCSEC_API mcsec_err mcsec_kmsclient_fetch_periods(mcsec_keystore *ks, mcsec_kmsclient_status *st,
                                                  const mcsec_kmsclient_config *cfg, uint64_t from_ntp,
                                                  unsigned n_periods) MCSEC_WARN_UNUSED;

#define MCSEC_EXPORT_MAX_EXTRAS 16
#define MCSEC_EXPORT_MAX_EXTRA_BYTES (64u * 1024u)

/* Named opaque files carried along in an export (current GMKs: the JSON that
 * 'mcsec mikey open' printed, or GMS group states). */
typedef struct mcsec_export_extra {
    char name[256];                /* a plain file name: no '/', not "." or ".." */
    uint8_t *data;                 /* malloc'd by import; wipe + free */
    size_t len;
} mcsec_export_extra;

/* Writes the KMS certificate and user's key sets for the n_periods periods
 * starting at first_period, plus the extras, to path as one file (0600,
 * atomically) encrypted under passphrase: "MCSECEX1" || log2(N) || salt(16)
 * || AES-256-GCM(scrypt(passphrase, salt, N = 2^15, r 8, p 1); AAD = the
 * header; JSON). Every period must be in ks. Errors: MCSEC_ERR_ARG,
 * MCSEC_ERR_NOT_FOUND (a period missing; no certificate), MCSEC_ERR_IO,
 * MCSEC_ERR_RNG, MCSEC_ERR_CRYPTO, MCSEC_ERR_NOMEM. */
MCSEC_API mcsec_err mcsec_keystore_export(const char *path, const mcsec_keystore *ks, const char *user,
                                          uint64_t first_period, unsigned n_periods,
                                          const mcsec_export_extra *extras, size_t n_extras,
                                          const char *passphrase) MCSEC_WARN_UNUSED;

/* Decrypts an export and merges it into ks (certificate set if ks has none;
 * key sets put), returning the extras (up to max_extras; free each with
 * mcsec_export_extra_free). Nothing in ks changes unless the whole file
 * decrypts, parses and validates. Errors: MCSEC_ERR_ARG, MCSEC_ERR_IO,
 * MCSEC_ERR_NOT_FOUND, MCSEC_ERR_VERIFY (wrong passphrase or a damaged
 * file), MCSEC_ERR_MALFORMED, MCSEC_ERR_UNSUPPORTED (another format),
 * MCSEC_ERR_DENIED (ks holds another KMS certificate), MCSEC_ERR_BUFFER,
 * MCSEC_ERR_NOMEM, and the key set validation errors. */
MCSEC_API mcsec_err mcsec_keystore_import(mcsec_keystore *ks, mcsec_export_extra *extras, size_t *n_extras,
                                          size_t max_extras, const char *path,
                                          const char *passphrase) MCSEC_WARN_UNUSED;

MCSEC_API void mcsec_export_extra_free(mcsec_export_extra *e);

#ifdef __cplusplus
}
#endif
#endif
