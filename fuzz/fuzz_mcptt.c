/* libFuzzer target: the MCPTT body handling (src/mcptt): the multipart
 * splitter, the mcptt-info identity reader, part-level unprotect through the
 * KEK lookup, and the server's handling of a whole request.
 *
 * Input: a SIP message (the seeds in fuzz/corpus/mcptt/ are requests built by
 * mcsec_mcptt_build_request with their mcptt-info part, a text part or the
 * whole body protected under the KEK below). Checks: parts lie inside the
 * message and do not overlap; an accepted unprotect yields a message that
 * splits into as many parts with nothing protected left; the output is left
 * untouched on error; the server answers only requests, within its buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/mcptt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t KEK[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const uint8_t KID[4] = { 0xF0, 0x00, 0x00, 0x2A };

static mcsec_err lookup(void *ctx, uint8_t kek[32], size_t *kek_len, const uint8_t *id, size_t n)
{
    (void)ctx;
    if (n != 4 || memcmp(id, KID, 4) != 0)
        return MCSEC_ERR_NOT_FOUND;
    memcpy(kek, KEK, 32);
    *kek_len = 32;
    return MCSEC_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mcsec_mcptt_parts ps, ps2;
    static char ids[MCSEC_MCPTT_MAX_IDS][MCSEC_MCPTT_MAX_URI + 1];
    if (mcsec_mcptt_parse_parts(&ps, data, size) == MCSEC_OK) {
        size_t prev_end = 0;
        for (size_t i = 0; i < ps.n; i++) {
            const mcsec_mcptt_part *p = &ps.part[i];
            if (p->off < prev_end || p->off + p->len > size || p->body_off < p->off ||
                p->body_off + p->body_len > p->off + p->len)
                __builtin_trap();
            prev_end = p->off + p->len;
            size_t n = 0;
            if (mcsec_mcptt_info_ids(ids, &n, data + p->body_off, p->body_len) == MCSEC_OK)
                for (size_t k = 0; k < n; k++)
                    if (strlen(ids[k]) == 0 || strlen(ids[k]) > MCSEC_MCPTT_MAX_URI)
                        __builtin_trap();
        }
    }
    size_t cap = size + 65536, n = cap;
    uint8_t *out = malloc(cap);
    if (!out)
        return 0;
    memset(out, 0xA5, cap);
    mcsec_smime_unprotect_opts uo = { .kek_lookup = lookup };
    mcsec_err e = mcsec_mcptt_unprotect(out, &n, NULL, data, size, &uo);
    if (e == MCSEC_OK) {
        if (mcsec_mcptt_parse_parts(&ps2, out, n) != MCSEC_OK ||
            mcsec_mcptt_find_part(&ps2, "application/pkcs7-mime") >= 0)
            __builtin_trap();
    } else if (out[0] != 0xA5 || out[cap - 1] != 0xA5) {
        __builtin_trap();
    }
    /* the whole server path, with an empty cache that knows KID */
    static mcsec_mcptt_cek_cache cache;
    mcsec_mcptt_cek_cache_init(&cache, NULL, NULL, 600);
    mcsec_mcptt_cek c = { .id_len = 4, .key_len = 32, .owner = "sip:alice@example.org" };
    memcpy(c.id, KID, 4);
    memcpy(c.key, KEK, 32);
    if (mcsec_mcptt_cek_put(&cache, &c, 1000) != MCSEC_OK)
        __builtin_trap();
    mcsec_mcptt_server srv = { .psi = "sip:mcptt@127.0.0.1:5070", .cache = &cache };
    uint8_t resp[4096];
    size_t rl = sizeof resp;
    mcsec_mcptt_result r;
    if (mcsec_mcptt_server_handle(resp, &rl, &r, &srv, data, size, 1001) == MCSEC_OK &&
        (rl == 0 || rl > sizeof resp || memcmp(resp, "SIP/2.0 ", 8) != 0))
        __builtin_trap();
    mcsec_mcptt_cek_cache_wipe(&cache);
    free(out);
    return 0;
}
