/*
 * xalloc: allocation wrappers that abort (after calling a hook) instead of
 * returning NULL. Depends only on libc.
 */
#include "config.h"
#include "xalloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static xalloc_fail_fn fail_hook;

void xalloc_set_fail_hook(xalloc_fail_fn fn)
{
    fail_hook = fn;
}

static void die(size_t size)
{
    if (fail_hook)
        fail_hook(size);
    abort();
}

void *xmalloc(size_t size)
{
    if (size == 0)
        die(0);
    void *p = malloc(size);
    if (!p)
        die(size);
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    if (nmemb == 0 || size == 0)
        die(0);
    void *p = calloc(nmemb, size);
    if (!p)
        die(nmemb * size);
    return p;
}

void *xrealloc(void *p, size_t size)
{
    if (size == 0)
        die(0);
    void *q = realloc(p, size);
    if (!q)
        die(size);
    return q;
}

void *xreallocarray(void *p, size_t nmemb, size_t size)
{
    if (size && nmemb > SIZE_MAX / size)
        die(SIZE_MAX);
    return xrealloc(p, nmemb * size);
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xstrdup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        die(0);
    char *p = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}
