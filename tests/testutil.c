#include "testutil.h"

#include <ctype.h>
#include <stdlib.h>

int tu_failures;
int tu_checks;

int tu_finish(const char *suite)
{
    printf("%s: %d passed, %d failed\n", suite, tu_checks - tu_failures, tu_failures);
    return tu_failures == 0 ? 0 : 1;
}

void tu_dump(const char *label, const uint8_t *p, size_t n)
{
    fprintf(stderr, "  %s: ", label);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%02x", p[i]);
    fprintf(stderr, "\n");
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

long tu_unhex(uint8_t *out, size_t max, const char *hex)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        if (isspace((unsigned char)*p))
            continue;
        int v = hexval((unsigned char)*p);
        if (v < 0)
            return -1;
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= max)
                return -1;
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi < 0 ? (long)n : -1;
}

typedef struct tu_entry {
    size_t section;
    char *key;
    char *value;
} tu_entry;

struct tu_vectors {
    char name[256];
    char **sections;
    size_t nsections;
    tu_entry *entries;
    size_t nentries;
};

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

static void die(const tu_vectors *v, const char *what)
{
    fprintf(stderr, "vectors %s: %s\n", v ? v->name : "?", what);
    exit(2);
}

tu_vectors *tu_vectors_load(const char *name)
{
    const char *dir = getenv("MCSEC_VECTOR_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests/vectors", name);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open vector file %s\n", path);
        exit(2);
    }
    tu_vectors *v = calloc(1, sizeof *v);
    snprintf(v->name, sizeof v->name, "%s", name);
    char line[8192];
    while (fgets(line, sizeof line, f)) {
        int cont = line[0] == ' ' || line[0] == '\t';
        char *s = trim(line);
        if (*s == 0 || *s == '#')
            continue;
        if (*s == '[') {
            char *e = strchr(s, ']');
            if (!e)
                die(v, "bad section line");
            *e = 0;
            v->sections = realloc(v->sections, (v->nsections + 1) * sizeof(char *));
            v->sections[v->nsections++] = strdup(s + 1);
            continue;
        }
        if (cont && v->nentries > 0) {
            tu_entry *last = &v->entries[v->nentries - 1];
            size_t a = strlen(last->value), b = strlen(s);
            last->value = realloc(last->value, a + b + 2);
            last->value[a] = ' ';
            memcpy(last->value + a + 1, s, b + 1);
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq || v->nsections == 0)
            die(v, "expected 'key = value' inside a [section]");
        *eq = 0;
        v->entries = realloc(v->entries, (v->nentries + 1) * sizeof(tu_entry));
        v->entries[v->nentries].section = v->nsections - 1;
        v->entries[v->nentries].key = strdup(trim(s));
        v->entries[v->nentries].value = strdup(trim(eq + 1));
        v->nentries++;
    }
    fclose(f);
    if (v->nsections == 0)
        die(v, "no sections");
    return v;
}

void tu_vectors_free(tu_vectors *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->nsections; i++)
        free(v->sections[i]);
    for (size_t i = 0; i < v->nentries; i++) {
        free(v->entries[i].key);
        free(v->entries[i].value);
    }
    free(v->sections);
    free(v->entries);
    free(v);
}

size_t tu_vectors_sections(const tu_vectors *v) { return v->nsections; }
const char *tu_vectors_section_name(const tu_vectors *v, size_t i) { return v->sections[i]; }

const char *tu_vectors_get(const tu_vectors *v, size_t i, const char *key)
{
    for (size_t k = 0; k < v->nentries; k++)
        if (v->entries[k].section == i && strcmp(v->entries[k].key, key) == 0)
            return v->entries[k].value;
    return NULL;
}

size_t tu_vectors_hex(const tu_vectors *v, size_t i, const char *key, uint8_t *out, size_t max)
{
    const char *s = tu_vectors_get(v, i, key);
    if (!s) {
        fprintf(stderr, "vectors %s [%s]: missing key %s\n", v->name, v->sections[i], key);
        exit(2);
    }
    long n = tu_unhex(out, max, s);
    if (n < 0) {
        fprintf(stderr, "vectors %s [%s]: bad hex for %s\n", v->name, v->sections[i], key);
        exit(2);
    }
    return (size_t)n;
}

size_t tu_vectors_find(const tu_vectors *v, const char *section)
{
    for (size_t i = 0; i < v->nsections; i++)
        if (strcmp(v->sections[i], section) == 0)
            return i;
    fprintf(stderr, "vectors %s: no section [%s]\n", v->name, section);
    exit(2);
}

int tu_fixed_rng_fill(void *ctx, uint8_t *buf, size_t len)
{
    tu_fixed_rng *r = ctx;
    if (r->next >= r->count || r->lens[r->next] != len)
        return -1;
    memcpy(buf, r->chunks[r->next], len);
    r->next++;
    return 0;
}

int tu_all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= b[i];
    return acc == 0;
}
