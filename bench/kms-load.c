/* kms-load: KeyProv load on a running mcsec-kmsd over HTTPS with keep-alive.
 *
 *   kms-load --url https://127.0.0.1:PORT --ca F --tokens FILE [--clients N]
 *            [--seconds S] [--json] [--record FILE]
 *
 * N threads each reuse one libcurl handle (one TLS connection, kept alive) and
 * POST /keymanagement/identity/v1/keyprov in a loop with the tokens of FILE
 * (one per line, taken in turn). Prints requests/s and the p50/p99 latency of
 * successful requests. --record appends "user period ssk-hash" for every key
 * set received (a hash, not the key), so that a run across a server restart
 * can check that no issued key set changed or was lost. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/sha.h>

#include "mcsec/kmsxml.h"

typedef struct worker {
    int idx;
    const char *url, *ca;
    char **tokens;
    size_t n_tokens;
    double until;
    double *lat;
    size_t n_lat, cap_lat;
    uint64_t ok, failed;
    FILE *record;
} worker;

static pthread_mutex_t rec_mx = PTHREAD_MUTEX_INITIALIZER;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static size_t on_data(char *d, size_t s, size_t n, void *ud)
{
    buf *b = ud;
    size_t k = s * n;
    if (b->len + k + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->len + k + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (np == NULL)
            return 0;
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, d, k);
    b->len += k;
    return k;
}

static void record(worker *w, const mcsec_kms_response *r)
{
    for (size_t i = 0; i < r->n_keysets; i++) {
        uint8_t h[32];
        SHA256(r->keysets[i].ssk, 32, h);
        pthread_mutex_lock(&rec_mx);
        fprintf(w->record, "%s %llu ", r->keysets[i].user_uri, (unsigned long long)r->keysets[i].key_period_no);
        for (int k = 0; k < 8; k++)
            fprintf(w->record, "%02x", h[k]);
        fputc('\n', w->record);
        pthread_mutex_unlock(&rec_mx);
    }
}

static void *run(void *arg)
{
    worker *w = arg;
    CURL *c = curl_easy_init();
    char url[512];
    snprintf(url, sizeof url, "%s/keymanagement/identity/v1/keyprov", w->url);
    buf b = { 0 };
    mcsec_kms_response *resp = w->record ? calloc(1, sizeof *resp) : NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CAINFO, w->ca);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    size_t t = (size_t)w->idx;
    while (now_s() < w->until) {
        char auth[4096];
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", w->tokens[t % w->n_tokens]);
        t += 7;
        struct curl_slist *h = curl_slist_append(NULL, auth);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        b.len = 0;
        double t0 = now_s();
        CURLcode rc = curl_easy_perform(c);
        double dt = now_s() - t0;
        long code = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
        curl_slist_free_all(h);
        if (rc == CURLE_OK && code == 200) {
            w->ok++;
            if (w->n_lat == w->cap_lat) {
                w->cap_lat = w->cap_lat ? 2 * w->cap_lat : 4096;
                w->lat = realloc(w->lat, w->cap_lat * sizeof *w->lat);
            }
            w->lat[w->n_lat++] = dt;
            if (resp != NULL && mcsec_kmsxml_response_parse(resp, (const uint8_t *)b.p, b.len) == MCSEC_OK)
                record(w, resp);
        } else {
            w->failed++;
            if (rc != CURLE_OK) { /* server gone (restart): back off a little */
                struct timespec ts = { 0, 20000000 };
                nanosleep(&ts, NULL);
            }
        }
    }
    if (resp != NULL) {
        mcsec_kms_response_wipe(resp);
        free(resp);
    }
    free(b.p);
    curl_easy_cleanup(c);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    const char *url = NULL, *ca = NULL, *tokens_file = NULL, *rec = NULL;
    int clients = 8, json = 0;
    double seconds = 5;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (i + 1 < argc && strcmp(argv[i], "--url") == 0)
            url = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--ca") == 0)
            ca = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--tokens") == 0)
            tokens_file = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--record") == 0)
            rec = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--clients") == 0)
            clients = atoi(argv[++i]);
        else if (i + 1 < argc && strcmp(argv[i], "--seconds") == 0)
            seconds = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: kms-load --url U --ca F --tokens FILE [--clients N] [--seconds S] "
                            "[--json] [--record FILE]\n");
            return 2;
        }
    }
    if (url == NULL || ca == NULL || tokens_file == NULL || clients < 1 || clients > 256 || seconds <= 0) {
        fprintf(stderr, "kms-load: --url, --ca and --tokens are required (see --help)\n");
        return 2;
    }
    FILE *f = fopen(tokens_file, "r");
    if (f == NULL) {
        fprintf(stderr, "kms-load: cannot read %s\n", tokens_file);
        return 2;
    }
    char **tokens = NULL, line[8192];
    size_t n_tokens = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] == 0)
            continue;
        tokens = realloc(tokens, (n_tokens + 1) * sizeof *tokens);
        tokens[n_tokens++] = strdup(line);
    }
    fclose(f);
    if (n_tokens == 0) {
        fprintf(stderr, "kms-load: no tokens in %s\n", tokens_file);
        return 2;
    }
    FILE *record_f = rec ? fopen(rec, "a") : NULL;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    worker *w = calloc((size_t)clients, sizeof *w);
    pthread_t *th = calloc((size_t)clients, sizeof *th);
    double start = now_s();
    for (int i = 0; i < clients; i++) {
        w[i] = (worker){ .idx = i, .url = url, .ca = ca, .tokens = tokens, .n_tokens = n_tokens,
                         .until = start + seconds, .record = record_f };
        pthread_create(&th[i], NULL, run, &w[i]);
    }
    uint64_t ok = 0, failed = 0;
    size_t n = 0;
    for (int i = 0; i < clients; i++) {
        pthread_join(th[i], NULL);
        ok += w[i].ok;
        failed += w[i].failed;
        n += w[i].n_lat;
    }
    double elapsed = now_s() - start;
    double *all = malloc((n ? n : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < clients; i++) {
        memcpy(all + k, w[i].lat, w[i].n_lat * sizeof *all);
        k += w[i].n_lat;
        free(w[i].lat);
    }
    qsort(all, n, sizeof *all, cmp);
    double p50 = n ? all[n / 2] : 0, p99 = n ? all[(size_t)((double)n * 0.99)] : 0;
    double rps = (double)ok / elapsed;
    if (json)
        printf("{\"clients\": %d, \"seconds\": %.2f, \"ok\": %llu, \"failed\": %llu, \"requests_per_s\": %.1f, "
               "\"p50_ms\": %.3f, \"p99_ms\": %.3f}\n",
               clients, elapsed, (unsigned long long)ok, (unsigned long long)failed, rps, p50 * 1e3, p99 * 1e3);
    else
        printf("keyprov over TLS, keep-alive, %d clients, %.1f s: %llu ok, %llu failed, %.0f requests/s, "
               "p50 %.2f ms, p99 %.2f ms\n",
               clients, elapsed, (unsigned long long)ok, (unsigned long long)failed, rps, p50 * 1e3, p99 * 1e3);
    if (record_f)
        fclose(record_f);
    free(all);
    free(w);
    free(th);
    for (size_t i = 0; i < n_tokens; i++)
        free(tokens[i]);
    free(tokens);
    curl_global_cleanup();
    return ok > 0 ? 0 : 1;
}
