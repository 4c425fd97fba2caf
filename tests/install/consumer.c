/* A program outside the tree, built only from the installed headers and
 * `pkg-config --cflags --libs mcsec`: signs and verifies with a fresh key. */
#include <mcsec/eccsi.h>
#include <stdio.h>

int main(void)
{
    uint8_t ksak[32], kpak[65], ssk[32], pvt[65], sig[MCSEC_ECCSI_SIG_BYTES];
    const uint8_t id[] = "sip:consumer@example.org", msg[] = "hello";
    mcsec_eccsi_key key;
    if (mcsec_eccsi_kms_keygen(ksak, kpak, NULL) != MCSEC_OK ||
        mcsec_eccsi_kms_issue(ssk, pvt, NULL, ksak, id, sizeof id, NULL) != MCSEC_OK ||
        mcsec_eccsi_key_init(&key, kpak, id, sizeof id, ssk, pvt) != MCSEC_OK ||
        mcsec_eccsi_sign(sig, &key, msg, sizeof msg, NULL) != MCSEC_OK ||
        mcsec_eccsi_verify(kpak, id, sizeof id, msg, sizeof msg, sig) != MCSEC_OK) {
        fprintf(stderr, "consumer: ECCSI round trip failed\n");
        return 1;
    }
    mcsec_eccsi_key_wipe(&key);
    printf("consumer: mcsec %s round trip ok\n", mcsec_version());
    return 0;
}
