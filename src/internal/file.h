/* Files holding keys: written whole or not at all. */
#ifndef MCSEC_INTERNAL_FILE_H
#define MCSEC_INTERNAL_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "mcsec/common.h"

/* Replaces path with data: a temporary file in the same directory (mode
 * 0600), fsync, rename over path. On failure path is untouched and the
 * temporary removed. Errors: MCSEC_ERR_ARG (path too long), MCSEC_ERR_IO. */
mcsec_err file_replace_0600(const char *path, const uint8_t *data, size_t len);

#endif
