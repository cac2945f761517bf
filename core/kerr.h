/*
 * kerr: error codes and optional error detail for core.
 *
 * Every core function that can fail returns 0 or a negative KERR_* code and
 * takes an optional `struct kerr *err` (may be NULL) that receives the detail:
 * a message, the HTTP status when there was one, and the server/file it
 * concerns. No static buffers: safe from several threads. Depends only on libc.
 */
#ifndef ARMORTOP_CORE_KERR_H
#define ARMORTOP_CORE_KERR_H

#include <stddef.h>

#define KERR_LIST(_)                                             \
    _(KERR_OK, "ok")                                             \
    _(KERR_NOMEM, "out of memory")                               \
    _(KERR_INVAL, "invalid argument")                            \
    _(KERR_IO, "input/output error")                             \
    _(KERR_NOTFOUND, "not found")                                \
    _(KERR_CONFIG, "configuration error")                        \
    _(KERR_PARSE, "malformed data")                              \
    _(KERR_CONNECT, "cannot connect")                            \
    _(KERR_TLS, "TLS error")                                     \
    _(KERR_TIMEOUT, "timed out")                                 \
    _(KERR_HTTP, "HTTP error")                                   \
    _(KERR_UNAUTHORIZED, "unauthorized (401)")                   \
    _(KERR_FORBIDDEN, "forbidden (403)")                         \
    _(KERR_GONE, "resource version expired (410)")               \
    _(KERR_SERVER, "server error (5xx)")                         \
    _(KERR_TRUNCATED, "truncated response")                      \
    _(KERR_TOOBIG, "response too large")                         \
    _(KERR_EXEC, "credential plugin failed")                     \
    _(KERR_CANCELLED, "cancelled")

#define KERR_ENUM_(id, msg) id,
enum kerr_code { KERR_LIST(KERR_ENUM_) KERR__COUNT };
#undef KERR_ENUM_

struct kerr {
    int code;          /* the KERR_* code, positive (0 = none) */
    long http_status;  /* HTTP status when the error came from a response, else 0 */
    char where[256];   /* server URL or file:line it concerns, may be empty */
    char msg[512];     /* human-readable detail, may be empty */
};

/* Static name of a code; accepts negative or positive codes. Never NULL. */
const char *kerr_str(int code);

/* Fill err (if non-NULL) and return -code. fmt may be NULL. */
int kerr_set(struct kerr *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set err->where (if err non-NULL). */
void kerr_where(struct kerr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Clear err (if non-NULL). */
void kerr_clear(struct kerr *err);

/* Format "where: msg (code)" into buf; returns buf. */
const char *kerr_format(const struct kerr *err, char *buf, size_t len);

#endif
