/*
 * json_agent_reply: decode the agent's answer to one profile request
 * (GET/PUT/DELETE /v1/profiles/{name}, POST .../mode): its "error",
 * apparmor_parser "diagnostics" and "line", the "process_count" of a 409, and
 * for GET the "source" text and "mode". Used by agent_client.c; cJSON stays
 * in core/json_*.c. Never prints.
 */
#ifndef ARMORTOP_CORE_JSON_AGENT_REPLY_H
#define ARMORTOP_CORE_JSON_AGENT_REPLY_H

#include <stddef.h>

#include "agent_client.h"

/* Fill the fields of out found in body (others untouched; strings owned).
 * Returns 0, or -KERR_PARSE when body is not a JSON object (out untouched). */
int json_agent_decode_reply(const char *body, size_t len, struct agent_reply *out);

#endif
