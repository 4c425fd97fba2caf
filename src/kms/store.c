#include "kms/store.h"

#include <string.h>

#include "mcsec/kms.h"

/* Schema version 1. Secrets only in the sealed columns. */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS domain("
    " id INTEGER PRIMARY KEY CHECK (id = 1), kms_uri TEXT NOT NULL,"
    " period_len INTEGER NOT NULL, period_offset INTEGER NOT NULL,"
    " kpak BLOB NOT NULL, zt BLOB NOT NULL, sealed BLOB NOT NULL, created INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS keysets("
    " user_uri TEXT NOT NULL, period INTEGER NOT NULL, uid BLOB NOT NULL,"
    " sealed BLOB NOT NULL, issued INTEGER NOT NULL, PRIMARY KEY (user_uri, period));"
    "CREATE TABLE IF NOT EXISTS revoked("
    " user_uri TEXT PRIMARY KEY, revoked_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS ceks("
    " cek_id BLOB PRIMARY KEY, initiator TEXT NOT NULL, peer TEXT NOT NULL,"
    " sealed BLOB NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS audit("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, identity TEXT,"
    " endpoint TEXT NOT NULL, status INTEGER NOT NULL, detail TEXT);"
    "PRAGMA user_version = 1;";

mcsec_err store_open(sqlite3 **db, const char *path)
{
    *db = NULL;
    sqlite3 *d = NULL;
    int rc = sqlite3_open_v2(path, &d, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                             NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_busy_timeout(d, 5000);
    /* WAL: readers (mcsec kms revoke, stats) never block the server; NORMAL
     * synchronous is durable across process crashes, which is what a
     * restart mid-load needs (power loss may lose the last commits). */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(d, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                             "PRAGMA foreign_keys=ON;", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(d, schema, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_close(d);
        return MCSEC_ERR_DB;
    }
    *db = d;
    return MCSEC_OK;
}

/* Prepares sql, or returns NULL. */
static sqlite3_stmt *prep(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

/* Copies a blob column of exactly n octets; 0 if the size differs. */
static int col_blob(sqlite3_stmt *st, int i, uint8_t *out, size_t n)
{
    const void *p = sqlite3_column_blob(st, i);
    if (p == NULL || (size_t)sqlite3_column_bytes(st, i) != n)
        return 0;
    memcpy(out, p, n);
    return 1;
}

static int col_text(sqlite3_stmt *st, int i, char *out, size_t cap)
{
    const unsigned char *p = sqlite3_column_text(st, i);
    size_t n = p ? (size_t)sqlite3_column_bytes(st, i) : 0;
    if (p == NULL || n >= cap)
        return 0;
    memcpy(out, p, n);
    out[n] = 0;
    return 1;
}

mcsec_err store_domain_get(sqlite3 *db, store_domain *d)
{
    sqlite3_stmt *st = prep(db, "SELECT kms_uri, period_len, period_offset, kpak, zt, sealed, created"
                                " FROM domain WHERE id = 1");
    if (st == NULL)
        return MCSEC_ERR_DB;
    mcsec_err err = MCSEC_ERR_DB;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        err = MCSEC_ERR_NOT_FOUND;
    else if (rc == SQLITE_ROW && col_text(st, 0, d->kms_uri, sizeof d->kms_uri) &&
             col_blob(st, 3, d->kpak, sizeof d->kpak) && col_blob(st, 4, d->zt, sizeof d->zt) &&
             col_blob(st, 5, d->sealed, sizeof d->sealed)) {
        d->period_len = (uint64_t)sqlite3_column_int64(st, 1);
        d->period_offset = (uint64_t)sqlite3_column_int64(st, 2);
        d->created = sqlite3_column_int64(st, 6);
        err = MCSEC_OK;
    }
    sqlite3_finalize(st);
    return err;
}

mcsec_err store_domain_put(sqlite3 *db, const store_domain *d)
{
    sqlite3_stmt *st = prep(db, "INSERT INTO domain(id, kms_uri, period_len, period_offset, kpak, zt,"
                                " sealed, created) VALUES (1, ?, ?, ?, ?, ?, ?, ?)");
    if (st == NULL)
        return MCSEC_ERR_DB;
    sqlite3_bind_text(st, 1, d->kms_uri, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)d->period_len);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)d->period_offset);
    sqlite3_bind_blob(st, 4, d->kpak, sizeof d->kpak, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, d->zt, sizeof d->zt, SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, d->sealed, sizeof d->sealed, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, d->created);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT)
        return MCSEC_ERR_DUPLICATE;
    return rc == SQLITE_DONE ? MCSEC_OK : MCSEC_ERR_DB;
}

mcsec_err store_keyset_get(sqlite3 *db, const char *user, uint64_t period, uint8_t *sealed,
                           size_t *len)
{
    sqlite3_stmt *st = prep(db, "SELECT sealed FROM keysets WHERE user_uri = ? AND period = ?");
    if (st == NULL)
        return MCSEC_ERR_DB;
    sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)period);
    mcsec_err err = MCSEC_ERR_DB;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        err = MCSEC_ERR_NOT_FOUND;
    } else if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        const void *p = sqlite3_column_blob(st, 0);
        if (p != NULL && n <= *len) {
            memcpy(sealed, p, n);
            *len = n;
            err = MCSEC_OK;
        }
    }
    sqlite3_finalize(st);
    return err;
}

mcsec_err store_keyset_put(sqlite3 *db, const char *user, uint64_t period, const uint8_t uid[32],
                           const uint8_t *sealed, size_t len, int64_t now)
{
    sqlite3_stmt *st = prep(db, "INSERT OR IGNORE INTO keysets(user_uri, period, uid, sealed, issued)"
                                " VALUES (?, ?, ?, ?, ?)");
    if (st == NULL)
        return MCSEC_ERR_DB;
    sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)period);
    sqlite3_bind_blob(st, 3, uid, 32, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, sealed, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, now);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? MCSEC_OK : MCSEC_ERR_DB;
}

int store_is_revoked(sqlite3 *db, const char *user)
{
    sqlite3_stmt *st = prep(db, "SELECT 1 FROM revoked WHERE user_uri = ?");
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

mcsec_err store_set_revoked(sqlite3 *db, const char *user, int revoke, int64_t now)
{
    sqlite3_stmt *st = prep(db, revoke ? "INSERT OR REPLACE INTO revoked(user_uri, revoked_at) VALUES (?, ?)"
                                       : "DELETE FROM revoked WHERE user_uri = ?");
    if (st == NULL)
        return MCSEC_ERR_DB;
    sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
    if (revoke)
        sqlite3_bind_int64(st, 2, now);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? MCSEC_OK : MCSEC_ERR_DB;
}

mcsec_err store_cek_put(sqlite3 *db, const store_cek *c)
{
    sqlite3_stmt *st = prep(db, "INSERT INTO ceks(cek_id, initiator, peer, sealed, created, expires)"
                                " VALUES (?, ?, ?, ?, ?, ?)");
    if (st == NULL)
        return MCSEC_ERR_DB;
    sqlite3_bind_blob(st, 1, c->id, sizeof c->id, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, c->initiator, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, c->peer, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, c->sealed, sizeof c->sealed, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, c->created);
    sqlite3_bind_int64(st, 6, c->expires);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? MCSEC_OK : MCSEC_ERR_DB;
}

mcsec_err store_cek_get(sqlite3 *db, store_cek *c, const uint8_t id[16])
{
    sqlite3_stmt *st = prep(db, "SELECT initiator, peer, sealed, created, expires FROM ceks"
                                " WHERE cek_id = ?");
    if (st == NULL)
        return MCSEC_ERR_DB;
    sqlite3_bind_blob(st, 1, id, 16, SQLITE_STATIC);
    mcsec_err err = MCSEC_ERR_DB;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        err = MCSEC_ERR_NOT_FOUND;
    else if (rc == SQLITE_ROW && col_text(st, 0, c->initiator, sizeof c->initiator) &&
             col_text(st, 1, c->peer, sizeof c->peer) && col_blob(st, 2, c->sealed, sizeof c->sealed)) {
        memcpy(c->id, id, 16);
        c->created = sqlite3_column_int64(st, 3);
        c->expires = sqlite3_column_int64(st, 4);
        err = MCSEC_OK;
    }
    sqlite3_finalize(st);
    return err;
}

mcsec_err store_cek_expire(sqlite3 *db, int64_t now)
{
    sqlite3_stmt *st = prep(db, "DELETE FROM ceks WHERE expires < ?");
    if (st == NULL)
        return MCSEC_ERR_DB;
    sqlite3_bind_int64(st, 1, now);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? MCSEC_OK : MCSEC_ERR_DB;
}

mcsec_err store_audit(sqlite3 *db, int64_t now, const char *identity, const char *endpoint,
                      int status, const char *detail)
{
    sqlite3_stmt *st = prep(db, "INSERT INTO audit(at, identity, endpoint, status, detail)"
                                " VALUES (?, ?, ?, ?, ?)");
    if (st == NULL)
        return MCSEC_ERR_DB;
    sqlite3_bind_int64(st, 1, now);
    if (identity != NULL && identity[0])
        sqlite3_bind_text(st, 2, identity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, endpoint, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, status);
    if (detail != NULL)
        sqlite3_bind_text(st, 5, detail, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? MCSEC_OK : MCSEC_ERR_DB;
}

/* ---- public administration ------------------------------------------------ */

/* Opens an existing store that holds a domain. */
static mcsec_err admin_open(sqlite3 **db, const char *path)
{
    if (path == NULL)
        return MCSEC_ERR_ARG;
    sqlite3 *d = NULL;
    if (sqlite3_open_v2(path, &d, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        sqlite3_close(d);
        return MCSEC_ERR_NOT_FOUND;
    }
    sqlite3_busy_timeout(d, 5000);
    sqlite3_stmt *st = prep(d, "SELECT COUNT(*) FROM domain");
    mcsec_err err = st == NULL ? MCSEC_ERR_NOT_FOUND
                  : sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1 ? MCSEC_OK
                                                                                  : MCSEC_ERR_NOT_FOUND;
    sqlite3_finalize(st);
    if (err != MCSEC_OK) {
        sqlite3_close(d);
        return err;
    }
    *db = d;
    return MCSEC_OK;
}

mcsec_err mcsec_kms_store_revoke(const char *db_path, const char *uri, int revoke, int64_t now)
{
    if (uri == NULL || uri[0] == 0)
        return MCSEC_ERR_ARG;
    sqlite3 *db = NULL;
    mcsec_err err = admin_open(&db, db_path);
    if (err == MCSEC_OK) {
        err = store_set_revoked(db, uri, revoke, now);
        if (err == MCSEC_OK)
            err = store_audit(db, now, uri, revoke ? "admin/revoke" : "admin/reinstate", 0, NULL);
    }
    sqlite3_close(db);
    return err;
}

static uint64_t count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = prep(db, sql);
    uint64_t n = st && sqlite3_step(st) == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    return n;
}

mcsec_err mcsec_kms_store_stats_get(mcsec_kms_store_stats *stats, const char *db_path)
{
    if (stats == NULL)
        return MCSEC_ERR_ARG;
    memset(stats, 0, sizeof *stats);
    sqlite3 *db = NULL;
    mcsec_err err = admin_open(&db, db_path);
    if (err == MCSEC_OK) {
        stats->keysets = count(db, "SELECT COUNT(*) FROM keysets");
        stats->revoked = count(db, "SELECT COUNT(*) FROM revoked");
        stats->ceks = count(db, "SELECT COUNT(*) FROM ceks");
        stats->audit_events = count(db, "SELECT COUNT(*) FROM audit");
    }
    sqlite3_close(db);
    return err;
}

mcsec_err mcsec_kms_store_check(const char *db_path)
{
    sqlite3 *db = NULL;
    mcsec_err err = admin_open(&db, db_path);
    if (err == MCSEC_OK) {
        sqlite3_stmt *st = prep(db, "PRAGMA integrity_check");
        const unsigned char *t = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
        err = t != NULL && strcmp((const char *)t, "ok") == 0 ? MCSEC_OK : MCSEC_ERR_DB;
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return err;
}
