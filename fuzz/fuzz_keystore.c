/* libFuzzer target: the key store file parser (plain JSON form and the
 * encrypted form's header). Any outcome other than success or a documented
 * error, or a "successful" store that breaks the store's invariants, traps. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kmsclient/keystore_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mcsec_keystore ks;
    mcsec_err e = keystore_parse(&ks, data, size, NULL);
    if (e == MCSEC_OK) {
        if (ks.n_keysets > MCSEC_KEYSTORE_MAX_KEYSETS)
            __builtin_trap();
        for (size_t i = 0; i < ks.n_keysets; i++) {
            if (ks.keysets[i].user_uri[0] == 0)
                __builtin_trap();
            /* sorted by user, then period, no duplicates */
            if (i > 0) {
                int c = strcmp(ks.keysets[i - 1].user_uri, ks.keysets[i].user_uri);
                if (c > 0 || (c == 0 && ks.keysets[i - 1].key_period_no >= ks.keysets[i].key_period_no))
                    __builtin_trap();
            }
        }
        if (ks.has_cert && (ks.cert.kms_uri[0] == 0 || ks.cert.user_key_period == 0))
            __builtin_trap();
    } else if (e != MCSEC_ERR_MALFORMED && e != MCSEC_ERR_DENIED && e != MCSEC_ERR_BUFFER &&
               e != MCSEC_ERR_ARG) {
        __builtin_trap();
    }
    mcsec_keystore_wipe(&ks);
    return 0;
}
