/* Tiny test harness shared by every tests/test_*.c: assertion macros that
 * count failures, and a reader for the data files in tests/vectors/.
 *
 * Vector file format (one value per line):
 *     # comment
 *     [section name]
 *     key = value            (hex values may contain spaces; a line that
 *                             starts with whitespace continues the last value)
 */
#ifndef MCSEC_TESTUTIL_H
#define MCSEC_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern int tu_failures;
extern int tu_checks;

#define TU_CHECK(cond)                                                          \
    do {                                                                        \
        tu_checks++;                                                            \
        if (!(cond)) {                                                          \
            tu_failures++;                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                       \
    } while (0)

#define TU_CHECK_ERR(expr, want)                                                \
    do {                                                                        \
        int tu_got_ = (int)(expr);                                              \
        tu_checks++;                                                            \
        if (tu_got_ != (int)(want)) {                                           \
            tu_failures++;                                                      \
            fprintf(stderr, "%s:%d: %s returned %d, expected %d (%s)\n", __FILE__, \
                    __LINE__, #expr, tu_got_, (int)(want), #want);              \
        }                                                                       \
    } while (0)

#define TU_CHECK_MEM(a, b, n)                                                   \
    do {                                                                        \
        tu_checks++;                                                            \
        if (memcmp((a), (b), (n)) != 0) {                                       \
            tu_failures++;                                                      \
            fprintf(stderr, "%s:%d: bytes differ: %s vs %s\n", __FILE__, __LINE__, #a, #b); \
            tu_dump("got ", (const uint8_t *)(a), (n));                         \
            tu_dump("want", (const uint8_t *)(b), (n));                         \
        }                                                                       \
    } while (0)

/* Prints "N passed, M failed" and returns the process exit status. */
int tu_finish(const char *suite);
void tu_dump(const char *label, const uint8_t *p, size_t n);

/* Hex string (spaces ignored) to bytes; returns length or -1. */
long tu_unhex(uint8_t *out, size_t max, const char *hex);

typedef struct tu_vectors tu_vectors;
/* Loads tests/vectors/<name> (directory from MCSEC_VECTOR_DIR); exits on failure. */
tu_vectors *tu_vectors_load(const char *name);
void tu_vectors_free(tu_vectors *v);
size_t tu_vectors_sections(const tu_vectors *v);
const char *tu_vectors_section_name(const tu_vectors *v, size_t i);
/* Value of key in section i, or NULL. */
const char *tu_vectors_get(const tu_vectors *v, size_t i, const char *key);
/* Hex value of key in section i; exits the test with a message if missing or
 * malformed. Returns the byte length. */
size_t tu_vectors_hex(const tu_vectors *v, size_t i, const char *key, uint8_t *out, size_t max);
/* Index of the section with that name; exits if absent. */
size_t tu_vectors_find(const tu_vectors *v, const char *section);

/* A deterministic RNG for reproducing published vectors: returns the queued
 * byte strings in order, then fails. */
typedef struct tu_fixed_rng {
    const uint8_t *chunks[8];
    size_t lens[8];
    size_t count, next;
} tu_fixed_rng;
int tu_fixed_rng_fill(void *ctx, uint8_t *buf, size_t len);

/* 1 if the n bytes at p are all zero (checks that secrets were wiped). */
int tu_all_zero(const void *p, size_t n);

#endif
