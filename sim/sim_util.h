/*
 * sim_util: small helpers shared by armortop-sim's modules: base64 (standard
 * and URL-safe, for kubeconfig CA data and continue tokens) and kubectl's
 * human-readable durations (for Table AGE columns). Depends only on libc and
 * core/xalloc.
 */
#ifndef ARMORTOP_SIM_SIM_UTIL_H
#define ARMORTOP_SIM_SIM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Encode len bytes; url selects the URL alphabet without padding. Owned result. */
char *sim_base64_encode(const void *data, size_t len, bool url);
/* Decode (either alphabet, padding optional). Owned NUL-terminated result with
 * its length in *out_len, or NULL on invalid input. */
char *sim_base64_decode(const char *s, size_t *out_len);
/* kubectl's duration.HumanDuration ("5d", "3h12m", "45s") of seconds, into out. */
void sim_human_duration(int64_t seconds, char *out, size_t len);
/* Parse an RFC 3339 UTC time ("2025-06-01T00:00:00Z"); 0 when it does not parse. */
int64_t sim_parse_time(const char *s);

#endif
