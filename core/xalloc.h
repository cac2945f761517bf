/*
 * xalloc: allocation wrappers that never return NULL.
 *
 * On allocation failure they call the hook installed with xalloc_set_fail_hook()
 * (the TUI installs one that calls endwin()) and then abort(). Allocating zero
 * bytes is a programmer error and aborts too. Depends only on libc.
 */
#ifndef ARMORTOP_CORE_XALLOC_H
#define ARMORTOP_CORE_XALLOC_H

#include <stddef.h>

typedef void (*xalloc_fail_fn)(size_t size);

/* Install the hook called before abort() on allocation failure. NULL removes it. */
void xalloc_set_fail_hook(xalloc_fail_fn fn);

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
/* Like realloc(p, nmemb * size) with overflow check. */
void *xreallocarray(void *p, size_t nmemb, size_t size);
void *xrealloc(void *p, size_t size);
/* Returns an owned copy of s; s must not be NULL. */
char *xstrdup(const char *s);
/* Returns an owned NUL-terminated copy of the first n bytes of s. */
char *xstrndup(const char *s, size_t n);
/* Returns an owned copy of s, or NULL when s is NULL. */
char *xstrdup_or_null(const char *s);
/* printf into a new owned string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
