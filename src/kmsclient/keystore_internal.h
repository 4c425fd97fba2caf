/* Key store internals shared with the fuzz target. */
#ifndef MCSEC_KMSCLIENT_KEYSTORE_INTERNAL_H
#define MCSEC_KMSCLIENT_KEYSTORE_INTERNAL_H

#include "mcsec/kmsclient.h"

/* Parses a store file's bytes (plain JSON, or the encrypted form when it
 * starts with the magic). Errors as mcsec_keystore_load. On error *ks is
 * wiped. */
mcsec_err keystore_parse(mcsec_keystore *ks, const uint8_t *raw, size_t len, const char *passphrase);

#endif
