/*
 * strbuf: a growable byte buffer, always NUL-terminated.
 *
 * Embedded use: strbuf_init()/strbuf_done(). strbuf_take() hands the bytes to
 * the caller (owned) and resets the buffer. Depends only on libc and xalloc.
 */
#ifndef ARMORTOP_CORE_STRBUF_H
#define ARMORTOP_CORE_STRBUF_H

#include <stddef.h>

struct strbuf {
    char *buf;   /* NUL-terminated when cap > 0; may be NULL before first append */
    size_t len;  /* bytes used, excluding the NUL */
    size_t cap;  /* bytes allocated */
};

void strbuf_init(struct strbuf *sb);
void strbuf_done(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_append(struct strbuf *sb, const void *data, size_t len);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_putc(struct strbuf *sb, char c);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal, quotes included, escaping as RFC 8259 requires. */
void strbuf_json_str(struct strbuf *sb, const char *s);
/* Borrowed view, never NULL (returns "" when empty). */
const char *strbuf_str(const struct strbuf *sb);
/* Hand the buffer to the caller (never NULL; caller frees) and reset sb. */
char *strbuf_take(struct strbuf *sb);

#endif
