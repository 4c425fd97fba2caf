/* TS 33.180 Annex F.2.1 MIKEY-SAKKE user identifiers and key periods.
 *
 * UID = SHA-256( 0x00 || "MIKEY-SAKKE-UID" || 0x000F || P1 || L1 || P2 || L2
 *                || P3 || L3 || P4 || L4 || P5 || L5 )
 * with P1 the user's URI (MC Service ID), P2 the KMS URI, P3 the key period
 * length in seconds, P4 the key period offset, P5 the key period number; each
 * parameter is followed by its 2-octet big-endian length (TS 33.220 B.1) and
 * the integers are the shortest big-endian octet strings (zero is one 0x00).
 *
 * Time is NTP seconds (since 1900-01-01T00:00:00Z) as in MIKEY's T payload;
 * period n covers [P4 + n·P3, P4 + (n+1)·P3). */
#ifndef MCSEC_UID_H
#define MCSEC_UID_H

#include "mcsec/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MCSEC_UID_BYTES 32
/* Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix epoch). */
#define MCSEC_NTP_UNIX_OFFSET 2208988800ULL

/* Computes the UID of uri under kms_uri for key period period_no. Both
 * strings are taken as the exact octets given (no normalisation); each must
 * be 1..65535 octets. period_len must be > 0 and period_offset < period_len
 * (F.2.1.1). Errors: MCSEC_ERR_ARG, MCSEC_ERR_CRYPTO. */
MCSEC_API mcsec_err mcsec_uid_compute(uint8_t uid[MCSEC_UID_BYTES],
                                      const char *uri, size_t uri_len,
                                      const char *kms_uri, size_t kms_uri_len,
                                      uint64_t period_len, uint64_t period_offset,
                                      uint64_t period_no) MCSEC_WARN_UNUSED;

/* The key period number containing NTP time ntp_seconds:
 * floor((ntp_seconds - period_offset) / period_len).
 * Errors: MCSEC_ERR_ARG (period_len 0, offset >= len, or a time before the offset). */
MCSEC_API mcsec_err mcsec_uid_period_no(uint64_t *period_no, uint64_t ntp_seconds,
                                        uint64_t period_len, uint64_t period_offset) MCSEC_WARN_UNUSED;

/* The NTP-second bounds [*start, *end) of period period_no.
 * Errors: MCSEC_ERR_ARG (bad period parameters or overflow). */
MCSEC_API mcsec_err mcsec_uid_period_bounds(uint64_t *start, uint64_t *end, uint64_t period_no,
                                            uint64_t period_len, uint64_t period_offset) MCSEC_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
