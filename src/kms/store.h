/* The KMS store: one SQLite database in WAL mode. Secrets are stored only
 * sealed (kms/seal.h); everything else is public or audit data. */
#ifndef MCSEC_KMS_STORE_H
#define MCSEC_KMS_STORE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "mcsec/common.h"

/* Opens (creating if needed) the database and its schema. Errors:
 * MCSEC_ERR_DB. */
mcsec_err store_open(sqlite3 **db, const char *path);

/* The domain row. sealed is the sealed KSAK || z. Returns MCSEC_ERR_NOT_FOUND
 * when the store has no domain yet. */
typedef struct store_domain {
    char kms_uri[256];
    uint64_t period_len, period_offset;
    uint8_t kpak[65], zt[257];
    uint8_t sealed[32 + 128 + 28];
    int64_t created;
} store_domain;
mcsec_err store_domain_get(sqlite3 *db, store_domain *d);
/* Inserts the domain unless one exists (then MCSEC_ERR_DUPLICATE). */
mcsec_err store_domain_put(sqlite3 *db, const store_domain *d);

/* Issued key sets: sealed (SSK || PVT || RSK) by (user, period). get returns
 * MCSEC_ERR_NOT_FOUND when none; put keeps an existing row (first issue
 * wins) and returns MCSEC_OK either way. *len: capacity in, length out. */
mcsec_err store_keyset_get(sqlite3 *db, const char *user, uint64_t period, uint8_t *sealed,
                           size_t *len);
mcsec_err store_keyset_put(sqlite3 *db, const char *user, uint64_t period, const uint8_t uid[32],
                           const uint8_t *sealed, size_t len, int64_t now);

/* 1 if user is revoked, 0 if not, negative on a database error. */
int store_is_revoked(sqlite3 *db, const char *user);
mcsec_err store_set_revoked(sqlite3 *db, const char *user, int revoke, int64_t now);

/* KMS-managed CEKs. */
typedef struct store_cek {
    uint8_t id[16];
    char initiator[256], peer[256];
    uint8_t sealed[32 + 28];
    int64_t created, expires;
} store_cek;
mcsec_err store_cek_put(sqlite3 *db, const store_cek *c);
mcsec_err store_cek_get(sqlite3 *db, store_cek *c, const uint8_t id[16]); /* by c->id */
/* Deletes CEKs that expired before now. */
mcsec_err store_cek_expire(sqlite3 *db, int64_t now);

mcsec_err store_audit(sqlite3 *db, int64_t now, const char *identity, const char *endpoint,
                      int status, const char *detail);

#endif
