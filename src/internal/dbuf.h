/* A growable byte buffer for data that may hold secrets: every copy it
 * drops (on growth, on free) is wiped. An allocation failure sets failed and
 * later puts do nothing, so callers check once at the end. */
#ifndef MCSEC_INTERNAL_DBUF_H
#define MCSEC_INTERNAL_DBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct dbuf {
    uint8_t *p;
    size_t n, cap;
    int failed;
} dbuf;
void db_put(dbuf *b, const void *s, size_t n);
void db_str(dbuf *b, const char *s);
void db_free(dbuf *b);

#endif
