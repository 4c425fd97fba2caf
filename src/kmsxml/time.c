/* xsd:dateTime <-> Unix seconds for the Annex D Time/ValidFrom/ValidTo/
 * Expires fields (XML Schema Part 2 §3.2.7), proleptic Gregorian, UTC, with
 * our own calendar arithmetic so no libc time zone state is involved. */
#include "kmsxml/kmsxml_internal.h"

#include <string.h>

/* Days since 1970-01-01 of the civil date y-m-d (m 1..12); the usual
 * era/day-of-era decomposition with March as the first month. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
    static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return dm[m - 1] + (m == 2 && leap);
}

mcsec_err mcsec_kmsxml_time_format(char out[21], int64_t t)
{
    if (!out || t < 0 || t > KMSXML_TIME_MAX)
        return MCSEC_ERR_ARG;
    int64_t days = t / 86400, sec = t % 86400, y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    int v[6] = { (int)y, m, d, (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60) };
    static const char layout[] = "0000-00-00T00:00:00Z";
    static const unsigned char pos[6] = { 0, 5, 8, 11, 14, 17 }, width[6] = { 4, 2, 2, 2, 2, 2 };
    memcpy(out, layout, sizeof layout);
    for (int f = 0; f < 6; f++)
        for (int k = width[f] - 1, x = v[f]; k >= 0; k--, x /= 10)
            out[pos[f] + k] = (char)('0' + x % 10);
    return MCSEC_OK;
}

/* Reads exactly n decimal digits at *p. */
static int digits(const char **p, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return 0;
        *v = *v * 10 + (c - '0');
    }
    *p += n;
    return 1;
}

static int expect(const char **p, char c)
{
    if (**p != c)
        return 0;
    (*p)++;
    return 1;
}

/* Accepted: YYYY-MM-DDThh:mm:ss[.f+][Z|(+|-)hh:mm] (XML Schema Part 2
 * §3.2.7.1 lexical form, years restricted to four digits 1970..9999). */
mcsec_err mcsec_kmsxml_time_parse(int64_t *t, const char *s)
{
    if (!t || !s)
        return MCSEC_ERR_ARG;
    *t = 0;
    const char *p = s;
    int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
    if (!digits(&p, 4, &y) || !expect(&p, '-') || !digits(&p, 2, &mo) || !expect(&p, '-') ||
        !digits(&p, 2, &d) || !expect(&p, 'T') || !digits(&p, 2, &h) || !expect(&p, ':') ||
        !digits(&p, 2, &mi) || !expect(&p, ':') || !digits(&p, 2, &se))
        return MCSEC_ERR_MALFORMED;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return MCSEC_ERR_MALFORMED;
        while (*p >= '0' && *p <= '9')
            p++; /* fractions of a second are dropped */
    }
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '+' ? 1 : -1;
        p++;
        if (!digits(&p, 2, &oh) || !expect(&p, ':') || !digits(&p, 2, &om))
            return MCSEC_ERR_MALFORMED;
    }
    /* §3.2.7.3: zone offsets within ±14:00 */
    if (*p != '\0' || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
        h > 23 || mi > 59 || se > 59 || oh > 14 || om > 59 || (oh == 14 && om != 0))
        return MCSEC_ERR_MALFORMED;
    int64_t v = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
    v -= sign * (oh * 3600 + om * 60); /* local time minus its offset is UTC */
    if (v < 0 || v > KMSXML_TIME_MAX)
        return MCSEC_ERR_MALFORMED;
    *t = v;
    return MCSEC_OK;
}
