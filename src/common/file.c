#include "internal/file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

mcsec_err file_replace_0600(const char *path, const uint8_t *data, size_t len)
{
    char tmp[4096 + 16];
    if (path == NULL || strlen(path) > 4096)
        return MCSEC_ERR_ARG;
    snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp); /* created 0600 */
    if (fd < 0)
        return MCSEC_ERR_IO;
    mcsec_err err = MCSEC_OK;
    for (size_t off = 0; err == MCSEC_OK && off < len;) {
        ssize_t w = write(fd, data + off, len - off);
        if (w <= 0)
            err = MCSEC_ERR_IO;
        else
            off += (size_t)w;
    }
    if (err == MCSEC_OK && (fchmod(fd, 0600) != 0 || fsync(fd) != 0))
        err = MCSEC_ERR_IO;
    if (close(fd) != 0)
        err = MCSEC_ERR_IO;
    if (err == MCSEC_OK && rename(tmp, path) != 0)
        err = MCSEC_ERR_IO;
    if (err != MCSEC_OK)
        unlink(tmp);
    return err;
}
