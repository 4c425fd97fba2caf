/* MIKEY PRF / TGK derivations and TS 33.180 GUK-ID from tests/vectors/mikey_kdf.txt. */
#include <stdlib.h>
#include <string.h>

#include "mcsec/mikey.h"
#include "testutil.h"

static uint32_t be32(const uint8_t b[4])
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

int main(void)
{
    tu_vectors *tv = tu_vectors_load("mikey_kdf.txt");
    size_t nderive = 0, ngmk = 0;
    for (size_t s = 0; s < tu_vectors_sections(tv); s++) {
        const char *name = tu_vectors_section_name(tv, s);
        uint8_t key[64], rand[64], want[64], got[64], c[4], cs, id[4];
        if (strncmp(name, "derive ", 7) == 0) {
            size_t kl = tu_vectors_hex(tv, s, "key", key, sizeof key);
            size_t rl = tu_vectors_hex(tv, s, "rand", rand, sizeof rand);
            size_t ol = tu_vectors_hex(tv, s, "out", want, sizeof want);
            tu_vectors_hex(tv, s, "constant", c, 4);
            tu_vectors_hex(tv, s, "cs_id", &cs, 1);
            tu_vectors_hex(tv, s, "csb_id", id, 4);
            TU_CHECK_ERR(mcsec_mikey_derive(got, ol, be32(c), key, kl, cs, be32(id), rand, rl), MCSEC_OK);
            TU_CHECK_MEM(got, want, ol);
            /* TEK/salt pairs again through the SRTP function (no member: MKI = key ID) */
            if (be32(c) == MCSEC_MIKEY_CONST_TEK || be32(c) == MCSEC_MIKEY_CONST_SALT) {
                uint8_t mk[16], ms[12], mki[8];
                size_t ml = 0;
                TU_CHECK_ERR(mcsec_mikey_srtp_keys(mk, ms, mki, &ml, key, kl, be32(id), rand, rl, cs, NULL),
                             MCSEC_OK);
                TU_CHECK_MEM(be32(c) == MCSEC_MIKEY_CONST_TEK ? mk : ms, want, ol);
                TU_CHECK(ml == 4 && be32(mki) == be32(id));
            }
            nderive++;
        } else if (strncmp(name, "gmk ", 4) == 0) {
            size_t kl = tu_vectors_hex(tv, s, "gmk", key, sizeof key);
            const char *uri = tu_vectors_get(tv, s, "uri");
            uint32_t guk = 0, back = 0;
            tu_vectors_hex(tv, s, "gmk_id", id, 4);
            uint32_t gmk_id = be32(id);
            tu_vectors_hex(tv, s, "guk_id", id, 4);
            TU_CHECK_ERR(mcsec_mikey_guk_id(&guk, gmk_id, key, kl, uri, strlen(uri)), MCSEC_OK);
            TU_CHECK(guk == be32(id));
            /* the receiver maps the GUK-ID back to the GMK-ID */
            TU_CHECK_ERR(mcsec_mikey_guk_id(&back, guk, key, kl, uri, strlen(uri)), MCSEC_OK);
            TU_CHECK(back == gmk_id);
            if (tu_vectors_get(tv, s, "master_key")) {
                size_t rl = tu_vectors_hex(tv, s, "rand", rand, sizeof rand);
                tu_vectors_hex(tv, s, "cs_id", &cs, 1);
                tu_vectors_hex(tv, s, "master_key", want, 16);
                TU_CHECK_ERR(mcsec_mikey_derive(got, 16, MCSEC_MIKEY_CONST_TEK, key, kl, cs, guk, rand, rl),
                             MCSEC_OK);
                TU_CHECK_MEM(got, want, 16);
                tu_vectors_hex(tv, s, "master_salt", want, 12);
                TU_CHECK_ERR(mcsec_mikey_derive(got, 12, MCSEC_MIKEY_CONST_SALT, key, kl, cs, guk, rand, rl),
                             MCSEC_OK);
                TU_CHECK_MEM(got, want, 12);
                /* the same through the per-key-type SRTP function, with MKI = GMK-ID || GUK-ID */
                uint8_t mk[16], ms[12], mki[8], wk[16];
                size_t ml = 0;
                TU_CHECK_ERR(mcsec_mikey_srtp_keys(mk, ms, mki, &ml, key, kl, gmk_id, rand, rl, cs, uri), MCSEC_OK);
                tu_vectors_hex(tv, s, "master_key", wk, 16);
                TU_CHECK_MEM(mk, wk, 16);
                TU_CHECK_MEM(ms, want, 12);
                TU_CHECK(ml == 8 && be32(mki) == gmk_id && be32(mki + 4) == guk);
            }
            ngmk++;
        }
    }
    TU_CHECK(nderive == 8 && ngmk == 4);

    /* PRF structure: a 48-octet output's first 32 octets equal the 32-octet output;
     * a 40-octet inkey (two chunks) differs from its first chunk alone */
    uint8_t k[40], lab[5] = { 1, 2, 3, 4, 5 }, o1[48], o2[32], o3[32];
    for (int i = 0; i < 40; i++)
        k[i] = (uint8_t)i;
    TU_CHECK_ERR(mcsec_mikey_prf(o1, 48, k, 32, lab, 5), MCSEC_OK);
    TU_CHECK_ERR(mcsec_mikey_prf(o2, 32, k, 32, lab, 5), MCSEC_OK);
    TU_CHECK_MEM(o1, o2, 32);
    TU_CHECK_ERR(mcsec_mikey_prf(o3, 32, k, 40, lab, 5), MCSEC_OK);
    TU_CHECK(memcmp(o2, o3, 32) != 0);
    /* argument rejection */
    uint32_t x;
    TU_CHECK_ERR(mcsec_mikey_prf(o1, 0, k, 16, lab, 5), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_mikey_prf(o1, 16, k, 0, lab, 5), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_mikey_derive(o1, 16, 0, k, 16, 0, 0, lab, 0), MCSEC_ERR_ARG);
    TU_CHECK_ERR(mcsec_mikey_guk_id(&x, 1, k, 16, "", 0), MCSEC_ERR_ARG);
    tu_vectors_free(tv);
    return tu_finish("test_mikey_kdf");
}
