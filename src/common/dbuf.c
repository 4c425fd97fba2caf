#include "internal/dbuf.h"

#include <stdlib.h>
#include <string.h>

#include "mcsec/common.h"

/* dbuf: grows by doubling; the old copy is wiped before it is freed. */
void db_put(dbuf *b, const void *s, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (b->cap - b->n < n) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->n < n) {
            if (cap > ((size_t)1 << 30)) {
                b->failed = 1;
                return;
            }
            cap *= 2;
        }
        uint8_t *p = malloc(cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        if (b->n)
            memcpy(p, b->p, b->n);
        if (b->p) {
            mcsec_wipe(b->p, b->cap);
            free(b->p);
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
}

void db_str(dbuf *b, const char *s)
{
    db_put(b, s, strlen(s));
}

void db_free(dbuf *b)
{
    if (b->p) {
        mcsec_wipe(b->p, b->cap);
        free(b->p);
    }
    memset(b, 0, sizeof *b);
}
