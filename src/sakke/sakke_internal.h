/* Internal layout of the SAKKE precomputation objects (include/mcsec/sakke.h
 * declares them as opaque word arrays of the same size). Tests include this
 * to reach individual fields (e.g. to mark the secret part for ctgrind). */
#ifndef MCSEC_SAKKE_INTERNAL_H
#define MCSEC_SAKKE_INTERNAL_H

#include "mcsec/sakke.h"

#include "math/ec1024.h"
#include "math/pairing.h"
#include "math/scalar1024.h"

#define SAKKE_PARAMS_MAGIC 0x534b4b5041524d31ULL /* "SKKPARM1" */
#define SAKKE_RSK_MAGIC 0x534b4b52534b4b31ULL    /* "SKKRSKK1" */
#define SAKKE_VALIDATOR_MAGIC 0x534b4b56414c4931ULL /* "SKKVALI1" */

typedef struct sakke_params_int {
    uint64_t magic;
    uint64_t reserved[3];
    ec_aff zt;    /* Z_T, validated (on E, order q) */
    ec_comb comb; /* fixed-base table of Z_T */
} sakke_params_int;

typedef struct sakke_rsk_int {
    uint64_t magic;
    uint64_t id_len;
    uint64_t reserved[2];
    uint8_t id[MCSEC_SAKKE_ID_MAX];
    ec_comb qb_comb;   /* fixed-base table of [b]P + Z_T (public) */
    pairing_table tbl; /* Miller lines of the RSK (SECRET) */
} sakke_rsk_int;

typedef struct sakke_validator_int {
    uint64_t magic;
    uint64_t reserved[3];
    pairing_table p_lines; /* Miller lines of P (public) */
    pairing_table z_lines; /* Miller lines of Z_T (public) */
} sakke_validator_int;

/* HashToIntegerRange(s1 || s2, q, SHA-256) (RFC 6508 §5.1). */
uint64_t sakke_h2ir_q(sc1024 *r, const uint8_t *s1, size_t l1, const uint8_t *s2, size_t l2);
/* HashToIntegerRange(w, 2^128, SHA-256) as 16 octets. */
uint64_t sakke_h2ir_mask(uint8_t mask[16], const uint8_t w[128]);
/* Q = [id]P + zt (id as a big-endian integer mod q); 0 if Q = O. */
int sakke_make_qb(ec_aff *qb, const ec_aff *zt, const uint8_t *id, size_t id_len);

_Static_assert(sizeof(sakke_params_int) == sizeof(mcsec_sakke_kms_params),
               "MCSEC_SAKKE_KMS_PARAMS_WORDS out of date");
_Static_assert(sizeof(sakke_validator_int) == sizeof(mcsec_sakke_validator),
               "MCSEC_SAKKE_VALIDATOR_WORDS out of date");
_Static_assert(sizeof(sakke_rsk_int) == sizeof(mcsec_sakke_rsk_key),
               "MCSEC_SAKKE_RSK_KEY_WORDS out of date");

#endif
