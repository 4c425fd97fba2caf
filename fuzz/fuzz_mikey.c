/* libFuzzer target: the MIKEY parsers. The input goes to the message decoder
 * (a successful view must lie inside the input), the key-parameters opener
 * (legacy form allowed, so the plaintext parser is reached) and the SDP /
 * base64 reader. Any input must give a result or an error, never a crash. */
#include <stdint.h>
#include <string.h>

#include "mcsec/mikey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const uint8_t *base, size_t size, const uint8_t *p, size_t n)
{
    if (n && (p < base || p + n > base + size))
        __builtin_trap();
}

static void other_parsers(const uint8_t *data, size_t size)
{
    static const uint8_t k[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
    mcsec_mikey_key_params kp;
    if (mcsec_mikey_key_params_open(&kp, data, size, k, 0x01C8DE7B, 1) == MCSEC_OK &&
        (kp.text_len > MCSEC_MIKEY_KP_MAX_TEXT || kp.n_groups > MCSEC_MIKEY_KP_MAX_GROUPS))
        __builtin_trap();
    uint8_t out[4096];
    size_t n = sizeof out;
    if (mcsec_mikey_from_sdp(out, &n, (const char *)data, size) == MCSEC_OK && n > size)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    other_parsers(data, size);
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
