/* libFuzzer target: the GMS group file parser. A parsed group must
 * serialise and parse back to the same JSON text (the state file round-trips
 * exactly); any other error than the documented ones traps. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/gms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mcsec_gms_group g, h;
    mcsec_err e = mcsec_gms_from_json(&g, (const char *)data, size);
    if (e == MCSEC_OK) {
        char *t1 = NULL, *t2 = NULL;
        size_t l1 = 0, l2 = 0;
        if (mcsec_gms_to_json(&t1, &l1, &g) != MCSEC_OK || mcsec_gms_from_json(&h, t1, l1) != MCSEC_OK ||
            mcsec_gms_to_json(&t2, &l2, &h) != MCSEC_OK || l1 != l2 || memcmp(t1, t2, l1) != 0)
            __builtin_trap();
        mcsec_gms_free_text(t1, l1);
        mcsec_gms_free_text(t2, l2);
        mcsec_gms_wipe(&h);
    } else if (e != MCSEC_ERR_MALFORMED && e != MCSEC_ERR_ARG && e != MCSEC_ERR_BUFFER &&
               e != MCSEC_ERR_LENGTH && e != MCSEC_ERR_DUPLICATE && e != MCSEC_ERR_UNSUPPORTED &&
               e != MCSEC_ERR_NOMEM) {
        __builtin_trap();
    }
    mcsec_gms_wipe(&g);
    return 0;
}
