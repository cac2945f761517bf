/*
 * bench_floor: the transfer floor for `make bench`. One process, one libcurl
 * easy handle (one keep-alive connection), fetching every page of
 * /api/v1/pods?limit=N in sequence exactly as armortop's client does, and
 * discarding the bodies except for the few bytes needed to find
 * metadata.continue. No JSON parsing, no allocation per object: what is left
 * is HTTP, loopback transfer and the simulator.
 *
 * Usage: bench_floor URL TOKEN [LIMIT]; prints "pages N bytes B" on stdout.
 * A benchmark helper, not part of armortop: it may use curl directly.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The continue token sits in the list's metadata, which the simulator and the
 * API server write before "items": keep only the first 4 KB of each body. */
struct page {
    char head[4096];
    size_t head_len;
    size_t total_len;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct page *pg = ud;
    size_t n = size * nmemb;
    size_t room = sizeof pg->head - 1 - pg->head_len;
    size_t take = n < room ? n : room;
    memcpy(pg->head + pg->head_len, ptr, take);
    pg->head_len += take;
    pg->head[pg->head_len] = '\0';
    pg->total_len += n;
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_floor URL TOKEN [LIMIT]\n");
        return 2;
    }
    const char *limit = argc > 3 ? argv[3] : "500";
    char url[8192], auth[1024], cont[4096] = "";
    unsigned long long bytes = 0;
    long pages = 0;
    int status = 1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", argv[2]);
    hdrs = curl_slist_append(hdrs, auth);
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    for (;;) {
        struct page pg = {0};
        if (cont[0])
            snprintf(url, sizeof url, "%s/api/v1/pods?limit=%s&continue=%s", argv[1], limit, cont);
        else
            snprintf(url, sizeof url, "%s/api/v1/pods?limit=%s", argv[1], limit);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &pg);
        CURLcode rc = curl_easy_perform(h);
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (rc != CURLE_OK || code != 200) {
            fprintf(stderr, "bench_floor: %s: %s (HTTP %ld)\n", url, curl_easy_strerror(rc), code);
            goto out;
        }
        pages++;
        bytes += pg.total_len;
        cont[0] = '\0';
        const char *c = strstr(pg.head, "\"continue\":\"");
        const char *items = strstr(pg.head, "\"items\"");
        if (c && (!items || c < items)) {
            c += strlen("\"continue\":\"");
            const char *e = strchr(c, '"');
            if (e && (size_t)(e - c) < sizeof cont) {
                memcpy(cont, c, (size_t)(e - c));
                cont[e - c] = '\0';
            }
        }
        if (!cont[0])
            break;
    }
    printf("pages %ld bytes %llu\n", pages, bytes);
    status = 0;
out:
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    curl_global_cleanup();
    return status;
}
