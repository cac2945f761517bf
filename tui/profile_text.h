/*
 * profile_text: small pure helpers for AppArmor profile source text in the
 * TUI: the name a text defines (so `:load PATH` knows which profile it
 * replaces) and base64 for the OSC 52 clipboard. No curses, no I/O.
 */
#ifndef ARMORTOP_TUI_PROFILE_TEXT_H
#define ARMORTOP_TUI_PROFILE_TEXT_H

#include <stddef.h>

/* The name of the first top-level profile text defines: `profile NAME ... {`,
 * `NAME flags=(...) {` or `/path/to/bin {` (quotes removed); comments,
 * include/abi lines and variables skipped. 0 and the name in buf, or -1 when
 * none is found (or it does not fit). */
int profile_text_name(const char *text, char *buf, size_t len);

/* Standard base64 of n bytes into buf (NUL-terminated). Returns the length,
 * or -1 when buf is too small. */
long profile_base64(const void *data, size_t n, char *buf, size_t len);

#endif
