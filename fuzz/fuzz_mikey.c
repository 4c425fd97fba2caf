/* libFuzzer target: the MIKEY decoder. Any input must decode or fail with an
 * error; a successful view must lie inside the input. */
#include <stdint.h>
#include <string.h>

#include "mcsec/mikey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *base, size_t size, const uint8_t *p, size_t n)
{
    if (n && (p < base || p + n > base + size))
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mcsec_mikey_msg m;
    mcsec_err e = mcsec_mikey_decode(&m, data, size);
    if (e != MCSEC_OK) {
        if (m.n_idr || m.has_sign || m.error_offset > size)
            __builtin_trap();
        return 0;
    }
    inside(data, size, m.rand, m.rand_len);
    inside(data, size, m.sakke_data, m.sakke_len);
    for (size_t i = 0; i < m.n_idr; i++)
        inside(data, size, m.idr[i].data, m.idr[i].len);
    for (size_t i = 0; i < m.n_ext; i++)
        inside(data, size, m.ext[i].data, m.ext[i].len);
    for (size_t i = 0; i < m.n_sp; i++)
        inside(data, size, m.sp[i].params, m.sp[i].params_len);
    for (size_t i = 0; i < m.n_cs && m.cs_map_type == 2; i++)
        inside(data, size, m.cs[i].spi, m.cs[i].spi_len);
    if (m.has_sign && (m.signed_len + m.sign_len != size))
        __builtin_trap(); /* SIGN is last and covers everything before its signature */
    return 0;
}
