/* The group management server's key role (TS 33.180 §5.2.3, §7.4.2, Annex
 * E.2): a group's GMK and GMK-ID (purpose tag 0), its members, one GMK
 * I_MESSAGE per member (CSB-ID = the member's GUK-ID, key parameters with the
 * group ID, activation/expiry and status), re-keying when a member leaves,
 * revocation. The GMS is a KM client like any other: it signs with its own
 * key set from a key store (include/mcsec/kmsclient.h).
 *
 * One RAND per GMK: every member's I_MESSAGE for a GMK carries the same RAND,
 * because a receiver derives each talker's SRTP key from the GMK, the
 * talker's GUK-ID and the RAND it received itself (§7.4.2).
 *
 * The group state is a JSON file (mode 0600, replaced atomically) holding the
 * current GMK: protect it like a key store. */
#ifndef MCSEC_GMS_H
#define MCSEC_GMS_H

#include "mcsec/common.h"
#include "mcsec/mikey.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MCSEC_GMS_MAX_MEMBERS 64
#define MCSEC_GMS_MAX_URI 255
#define MCSEC_GMS_MAX_STATE (256u * 1024u)

typedef struct mcsec_gms_group {
    char group_id[MCSEC_GMS_MAX_URI + 1];   /* MC group ID (key parameters, TS 24.282 §15.2.14) */
    char gms_uri[MCSEC_GMS_MAX_URI + 1];    /* the GMS identity: IDRi of every GMK I_MESSAGE */
    size_t n_members;
    char member[MCSEC_GMS_MAX_MEMBERS][MCSEC_GMS_MAX_URI + 1];
    uint8_t gmk[MCSEC_MIKEY_KEY_BYTES];     /* secret */
    uint32_t gmk_id;                        /* purpose tag 0 + 28 random bits */
    uint8_t rand[MCSEC_MIKEY_RAND_BYTES];   /* the RAND of every I_MESSAGE of this GMK */
    uint64_t activation;                    /* key parameters (E.6): 40 bits, 0 = from T */
    uint64_t expiry;                        /* 40 bits, 0 = no expiry */
    uint32_t status;                        /* MCSEC_MIKEY_KP_STATUS_* bits */
    uint32_t generation;                    /* GMKs created so far (1 after init) */
} mcsec_gms_group;

/* A new group with a fresh GMK, GMK-ID and RAND from rng (NULL: OpenSSL),
 * status "not revoked", no members. activation/expiry must fit 40 bits.
 * Errors: MCSEC_ERR_ARG (NULL, empty or over-long IDs), MCSEC_ERR_RNG. */
MCSEC_API mcsec_err mcsec_gms_init(mcsec_gms_group *g, const char *group_id, const char *gms_uri,
                                   uint64_t activation, uint64_t expiry, const mcsec_rng *rng) MCSEC_WARN_UNUSED;

/* Errors: MCSEC_ERR_ARG, MCSEC_ERR_DUPLICATE, MCSEC_ERR_BUFFER (group full). */
MCSEC_API mcsec_err mcsec_gms_add(mcsec_gms_group *g, const char *member_uri) MCSEC_WARN_UNUSED;

/* Removes a member and re-keys (mcsec_gms_rekey): the removed member never
 * receives the new GMK. Errors: MCSEC_ERR_ARG, MCSEC_ERR_NOT_FOUND, MCSEC_ERR_RNG. */
MCSEC_API mcsec_err mcsec_gms_remove(mcsec_gms_group *g, const char *member_uri,
                                     const mcsec_rng *rng) MCSEC_WARN_UNUSED;

/* A new GMK, GMK-ID (different from the old one) and RAND; status back to
 * "not revoked"; the old GMK is wiped. Errors: MCSEC_ERR_ARG, MCSEC_ERR_RNG. */
MCSEC_API mcsec_err mcsec_gms_rekey(mcsec_gms_group *g, const mcsec_rng *rng) MCSEC_WARN_UNUSED;

/* Marks the current GMK revoked (status bit 0 cleared, TS 33.180 §5.2.4):
 * the next distribution tells members to stop using it. */
MCSEC_API mcsec_err mcsec_gms_revoke(mcsec_gms_group *g) MCSEC_WARN_UNUSED;

/* The GMK I_MESSAGE for one member (TS 33.180 E.2): IDRi = the GMS, IDRr =
 * the member, CSB-ID = the member's GUK-ID, the group's RAND, key parameters
 * with key type GMK, the group ID, activation, expiry and status; signed
 * with the GMS's SSK/PVT for the key period of ntp_time. kms_i is the GMS's
 * KMS, kms_r the member's. *guk_id receives the member's GUK-ID.
 * (out, *out_len) in/out; 2048 octets suffice. Errors: MCSEC_ERR_NOT_FOUND
 * (not a member), those of mcsec_mikey_create. */
MCSEC_API mcsec_err mcsec_gms_message(uint8_t *out, size_t *out_len, uint32_t *guk_id, const mcsec_gms_group *g,
                                      const char *member_uri, const mcsec_mikey_kms *kms_i,
                                      const mcsec_mikey_kms *kms_r, const uint8_t ssk[32],
                                      const uint8_t pvt[65], uint64_t ntp_time,
                                      const mcsec_rng *rng) MCSEC_WARN_UNUSED;

/* The group state as JSON text (NUL-terminated, malloc'd: free it with
 * mcsec_gms_free_text, which wipes it). Errors: MCSEC_ERR_ARG, MCSEC_ERR_NOMEM. */
MCSEC_API mcsec_err mcsec_gms_to_json(char **text, size_t *len, const mcsec_gms_group *g) MCSEC_WARN_UNUSED;
MCSEC_API void mcsec_gms_free_text(char *text, size_t len);

/* Parses group state JSON (bounds-checked: every field present, typed and
 * within its limits; members unique). On error *g is wiped. Errors:
 * MCSEC_ERR_ARG, MCSEC_ERR_MALFORMED, MCSEC_ERR_LENGTH (a hex value of the
 * wrong size), MCSEC_ERR_BUFFER (too many members), MCSEC_ERR_DUPLICATE,
 * MCSEC_ERR_UNSUPPORTED (another format version), MCSEC_ERR_NOMEM. */
MCSEC_API mcsec_err mcsec_gms_from_json(mcsec_gms_group *g, const char *text, size_t len) MCSEC_WARN_UNUSED;

/* File forms: written with mode 0600 via a temporary file, fsync and rename
 * (on error the old file is untouched). Errors: those above, MCSEC_ERR_IO,
 * MCSEC_ERR_NOT_FOUND (load: no such file). */
MCSEC_API mcsec_err mcsec_gms_save(const mcsec_gms_group *g, const char *path) MCSEC_WARN_UNUSED;
MCSEC_API mcsec_err mcsec_gms_load(mcsec_gms_group *g, const char *path) MCSEC_WARN_UNUSED;

MCSEC_API void mcsec_gms_wipe(mcsec_gms_group *g);

#ifdef __cplusplus
}
#endif
#endif
