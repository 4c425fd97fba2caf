/* libFuzzer target: ECCSI signature and key parsing. The input is split into
 * a KPAK candidate, a signature candidate (r || s || PVT), an identifier and a
 * message; verification and key validation must return an error or success,
 * never crash, and never accept a signature that the fuzzer did not make.
 * Inputs that decode as the RFC 6507 vector exercise the arithmetic path. */
#include <stdint.h>
#include <string.h>

#include "mcsec/eccsi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 65 + 129)
        return 0;
    const uint8_t *kpak = data, *sig = data + 65, *rest = data + 65 + 129;
    size_t rest_len = size - 65 - 129;
    /* rest = id length byte || id || msg; id_len < rest_len keeps id in bounds */
    size_t id_len = rest_len ? rest[0] % rest_len : 0;
    const uint8_t *id = rest_len ? rest + 1 : NULL;
    const uint8_t *msg = id ? id + id_len : NULL;
    size_t msg_len = rest_len ? rest_len - 1 - id_len : 0;

    mcsec_err e = mcsec_eccsi_verify(kpak, id, id_len, msg_len ? msg : NULL, msg_len, sig);
    if (e != MCSEC_OK && e != MCSEC_ERR_POINT && e != MCSEC_ERR_SCALAR && e != MCSEC_ERR_VERIFY)
        __builtin_trap();
    /* the prepared verification agrees (the verifier of the last KPAK that
     * decoded is kept: building one costs ~15 ms) */
    static mcsec_eccsi_verifier *ver;
    static uint8_t ver_kpak[65];
    if (ver == NULL || memcmp(ver_kpak, kpak, 65) != 0) {
        mcsec_eccsi_verifier *nv = NULL;
        if (mcsec_eccsi_verifier_new(&nv, kpak) == MCSEC_OK) {
            mcsec_eccsi_verifier_free(ver);
            ver = nv;
            memcpy(ver_kpak, kpak, 65);
        } else if (e == MCSEC_OK || nv != NULL) {
            __builtin_trap(); /* a KPAK that cannot be prepared verified something */
        }
    }
    if (ver != NULL && memcmp(ver_kpak, kpak, 65) == 0 &&
        mcsec_eccsi_verify_prepared(ver, id, id_len, msg_len ? msg : NULL, msg_len, sig) != e)
        __builtin_trap();

    /* The same bytes as a key pair: SSK = sig[0..32), PVT = sig[64..129). */
    mcsec_eccsi_key key;
    e = mcsec_eccsi_key_init(&key, kpak, id, id_len, sig, sig + 64);
    if (e == MCSEC_OK) {
        uint8_t s2[129];
        /* a key that validates must sign something that verifies */
        if (mcsec_eccsi_sign(s2, &key, msg, msg_len, NULL) != MCSEC_OK ||
            mcsec_eccsi_verify(kpak, id, id_len, msg, msg_len, s2) != MCSEC_OK)
            __builtin_trap();
    } else if (e != MCSEC_ERR_POINT && e != MCSEC_ERR_SCALAR && e != MCSEC_ERR_KEY_INVALID) {
        __builtin_trap();
    } else {
        static const uint8_t zero[sizeof key];
        if (memcmp(&key, zero, sizeof key) != 0)
            __builtin_trap(); /* a failed validation must leave no key behind */
    }
    mcsec_eccsi_key_wipe(&key);
    return 0;
}
