/* RFC 4567 key-mgmt attribute: round trips of every length mod 3, the
 * accepted input forms, and rejection of bad base64 and other protocols. */
#include <string.h>

#include "mcsec/mikey.h"
#include "testutil.h"

int main(void)
{
    uint8_t msg[64], back[64];
    char sdp[200];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 37 + 1);
    for (size_t len = 1; len <= 9; len++) {
        size_t sl = sizeof sdp, bl = sizeof back;
        TU_CHECK_ERR(mcsec_mikey_to_sdp(sdp, &sl, msg, len), MCSEC_OK);
        TU_CHECK(strncmp(sdp, "a=key-mgmt:mikey ", 17) == 0 && strlen(sdp) == sl);
        TU_CHECK_ERR(mcsec_mikey_from_sdp(back, &bl, sdp, sl), MCSEC_OK);
        TU_CHECK(bl == len && memcmp(back, msg, len) == 0);
        /* bare base64 and the "mikey" form, with CRLF */
        char alt[200];
        snprintf(alt, sizeof alt, "  mikey %s\r\n", sdp + 17);
        bl = sizeof back;
        TU_CHECK_ERR(mcsec_mikey_from_sdp(back, &bl, alt, strlen(alt)), MCSEC_OK);
        TU_CHECK(bl == len && memcmp(back, msg, len) == 0);
        bl = sizeof back;
        TU_CHECK_ERR(mcsec_mikey_from_sdp(back, &bl, sdp + 17, sl - 17), MCSEC_OK);
        TU_CHECK(bl == len);
    }
    size_t bl = sizeof back, sl = 10;
    TU_CHECK_ERR(mcsec_mikey_to_sdp(sdp, &sl, msg, 9), MCSEC_ERR_BUFFER);
    TU_CHECK(sl == 17 + 12 + 1);
    static const char *bad[] = { "", "a=key-mgmt:mikey", "a=key-mgmt:mikey AAA", "a=key-mgmt:mikey A=AA",
                                 "a=key-mgmt:mikey AA=A", "a=key-mgmt:mikey A*AA", "a=key-mgmt:kerberos AAAA",
                                 "mikeyAAAA", "a=key-mgmt:mikey AAAA AAAA" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        bl = sizeof back;
        TU_CHECK_ERR(mcsec_mikey_from_sdp(back, &bl, bad[i], strlen(bad[i])), MCSEC_ERR_MALFORMED);
    }
    bl = 2;
    TU_CHECK_ERR(mcsec_mikey_from_sdp(back, &bl, "AAAAAAAA", 8), MCSEC_ERR_BUFFER);
    return tu_finish("test_mikey_sdp");
}
