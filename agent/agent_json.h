/*
 * agent_json: small JSON writers for the agent's answers, on top of strbuf.
 * Unlike strbuf_json_str these accept NULL (written as null) and never emit
 * invalid UTF-8: a byte that is not part of a valid UTF-8 sequence (kernel
 * records may carry any byte after hex decoding) is written as \u00XX, i.e.
 * read as Latin-1. Depends on strbuf only.
 */
#ifndef ARMORTOP_AGENT_AGENT_JSON_H
#define ARMORTOP_AGENT_AGENT_JSON_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf;

/* Append s as a JSON string (quotes included), or null when s is NULL. */
void agent_json_str(struct strbuf *sb, const char *s);
/* Room agent_json_put_str() may need for s: 6 bytes a byte (\u00XX) and
 * the quotes, or 4 for null. */
size_t agent_json_str_room(const char *s);
/* Write what agent_json_str() appends into o, which has agent_json_str_room(s)
 * bytes; returns the end. No terminating NUL. For writers that reserve once. */
char *agent_json_put_str(char *o, const char *s);
/* Append `"key":` preceded by a comma unless *first (then clears *first). */
void agent_json_key(struct strbuf *sb, const char *key, bool *first);
void agent_json_kv_str(struct strbuf *sb, const char *key, const char *val, bool *first);
/* Integer; written as null when is_null. */
void agent_json_kv_int(struct strbuf *sb, const char *key, long long val, bool is_null, bool *first);
void agent_json_kv_u64(struct strbuf *sb, const char *key, unsigned long long val, bool *first);
void agent_json_kv_bool(struct strbuf *sb, const char *key, bool val, bool *first);
/* {"error":msg} (msg may be NULL). */
void agent_json_error(struct strbuf *sb, const char *msg);

/* "2024-05-22T09:45:33.123Z" into buf (at least 32 bytes). */
void agent_json_time(char *buf, size_t len, long long epoch_s, int ms);

#endif
