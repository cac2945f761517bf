/*
 * kerr: error codes (from the KERR_LIST X-macro) and error-detail helpers.
 * Depends only on libc.
 */
#include "config.h"
#include "kerr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define KERR_NAME_(id, msg) msg,
static const char *const kerr_names[] = { KERR_LIST(KERR_NAME_) };
#undef KERR_NAME_

const char *kerr_str(int code)
{
    if (code < 0)
        code = -code;
    if (code >= KERR__COUNT)
        return "unknown error";
    return kerr_names[code];
}

int kerr_set(struct kerr *err, int code, const char *fmt, ...)
{
    if (code < 0)
        code = -code;
    if (err) {
        err->code = code;
        if (fmt) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(err->msg, sizeof err->msg, fmt, ap);
            va_end(ap);
        } else {
            snprintf(err->msg, sizeof err->msg, "%s", kerr_str(code));
        }
    }
    return -code;
}

void kerr_where(struct kerr *err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->where, sizeof err->where, fmt, ap);
    va_end(ap);
}

void kerr_clear(struct kerr *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

const char *kerr_format(const struct kerr *err, char *buf, size_t len)
{
    if (!err || !err->code) {
        snprintf(buf, len, "no error");
        return buf;
    }
    const char *msg = err->msg[0] ? err->msg : kerr_str(err->code);
    if (err->where[0] && err->http_status)
        snprintf(buf, len, "%s: HTTP %ld: %s", err->where, err->http_status, msg);
    else if (err->where[0])
        snprintf(buf, len, "%s: %s", err->where, msg);
    else if (err->http_status)
        snprintf(buf, len, "HTTP %ld: %s", err->http_status, msg);
    else
        snprintf(buf, len, "%s", msg);
    return buf;
}
