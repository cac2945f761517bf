/*
 * json_agent_reply: see json_agent_reply.h. Depends on cJSON, xalloc, kerr.
 */
#include "config.h"
#include "json_agent_reply.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "kerr.h"
#include "xalloc.h"

static void take_str(const cJSON *o, const char *key, char **dst)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsString(v) && v->valuestring) {
        free(*dst);
        *dst = xstrdup(v->valuestring);
    }
}

int json_agent_decode_reply(const char *body, size_t len, struct agent_reply *out)
{
    if (!body || !len)
        return -KERR_PARSE;
    cJSON *j = cJSON_ParseWithLength(body, len);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return -KERR_PARSE;
    }
    take_str(j, "error", &out->error);
    take_str(j, "diagnostics", &out->diagnostics);
    take_str(j, "source", &out->source);
    take_str(j, "mode", &out->mode);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "line");
    if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e9)
        out->line = (long)v->valuedouble;
    v = cJSON_GetObjectItemCaseSensitive(j, "process_count");
    if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e12)
        out->process_count = (size_t)v->valuedouble;
    cJSON_Delete(j);
    return 0;
}
