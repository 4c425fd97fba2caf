/* libFuzzer target: S/MIME in SIP, unprotect (src/smime).
 *
 * Input: one mode byte, then a SIP message (the seeds in fuzz/corpus/smime/
 * are messages protected with the KEK below and signed by the certificate
 * below, whose private key was discarded when the seeds were made).
 *
 * Mode byte odd: unprotect with the KEK and the certificate as the only trust
 * anchor. A fuzzer cannot sign, so whatever is accepted must carry exactly the
 * body and Content-Type the seeds were made from; anything else is a bug (trap).
 * Mode byte even: the same without a trust anchor (integrity only): it must
 * not crash, and on every error the output buffer must be left untouched. */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mcsec/smime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t KEK[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
static const uint8_t KEK_ID[4] = { 0x2d, 0xdd, 0x5b, 0xf0 };

static const char trust_pem[] = /* "fuzz-signer", P-256; private key not kept anywhere */
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBojCCAUegAwIBAgIQUNmWzTT2Z1kMaZ7Ns0HiQDAKBggqhkjOPQQDAjAWMRQw\n"
    "EgYDVQQDDAtmdXp6LXNpZ25lcjAgFw0yNjExMjMxODExNTRaGA8yMTI2MTAzMDE4\n"
    "MTE1NFowFjEUMBIGA1UEAwwLZnV6ei1zaWduZXIwWTATBgcqhkjOPQIBBggqhkjO\n"
    "PQMBBwNCAAQTMm1JuAH4HNkjq0RQh9lZCGTntqotAUZdcVeEw6LFA0+AJoErYLmV\n"
    "atDSWX0FK+KNX0B7DKRqYGSS1T/LKEbdo3UwczAMBgNVHRMBAf8EAjAAMA4GA1Ud\n"
    "DwEB/wQEAwICjDATBgNVHSUEDDAKBggrBgEFBQcDBDAdBgNVHQ4EFgQUtNHxyVM4\n"
    "7O7EGaSUzIpgUyqYm7cwHwYDVR0jBBgwFoAUtNHxyVM47O7EGaSUzIpgUyqYm7cw\n"
    "CgYIKoZIzj0EAwIDSQAwRgIhAP0KwZD+NQSxnNdWQzLRQe8/v/wiySRjf1Ld5mgk\n"
    "RqsPAiEA/zZFnIzewTsA8yfz527oRfrepDuAs6jTKKsNkX/m9ZY=\n"
    "-----END CERTIFICATE-----\n";

/* What the seeds protect. */
static const char KNOWN_CT[] = "\r\nContent-Type: application/vnd.3gpp.mcptt-info+xml\r\n";
static const char KNOWN_BODY[] = "\r\n\r\n<mcpttinfo>fuzz</mcpttinfo>";

#define OUTMAX (MCSEC_SMIME_MAX_MESSAGE + 4096)
static uint8_t out[OUTMAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64 * 1024)
        return 0;
    int trusted = data[0] & 1;
    mcsec_smime_unprotect_opts o = { .kek = KEK, .kek_len = sizeof KEK, .kek_id = KEK_ID,
                                     .kek_id_len = sizeof KEK_ID };
    if (trusted) {
        o.trust_pem = trust_pem;
        o.trust_pem_len = sizeof trust_pem - 1;
    }
    memset(out, 0x5a, 64);
    size_t n = sizeof out;
    mcsec_smime_info info;
    mcsec_err err = mcsec_smime_unprotect(out, &n, &info, data + 1, size - 1, &o);
    if (err != MCSEC_OK) {
        for (size_t i = 0; i < 64; i++)
            if (out[i] != 0x5a)
                __builtin_trap(); /* half-written output */
        return 0;
    }
    if (n > sizeof out)
        __builtin_trap();
    if (trusted) {
        size_t bl = sizeof KNOWN_BODY - 1;
        if (!(info.flags & MCSEC_SMIME_TRUSTED) || n < bl || memcmp(out + n - bl, KNOWN_BODY, bl) != 0 ||
            !memmem(out, n, KNOWN_CT, sizeof KNOWN_CT - 1))
            __builtin_trap(); /* accepted a body the harness's signer never signed */
    }
    return 0;
}
