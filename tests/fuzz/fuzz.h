/*
 * fuzz.h: shared by the libFuzzer targets in tests/fuzz/. Each target defines
 * its entry with FUZZ_TARGET(name). Built by tests/fuzz/run.sh it is
 * LLVMFuzzerTestOneInput; built with -DFUZZ_REPLAY (tests/Module.mk) it is
 * fuzz_replay_<name>(), which tests/unit/test_fuzz_regressions.c calls on
 * every file under tests/fuzz/regressions/<target>/ with the normal compiler.
 * An invariant that does not hold calls FUZZ_FAIL (abort), so a libFuzzer run
 * and the replay both report it.
 */
#ifndef ARMORTOP_TESTS_FUZZ_FUZZ_H
#define ARMORTOP_TESTS_FUZZ_FUZZ_H

#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef FUZZ_REPLAY
#define FUZZ_TARGET(name)                                                                          \
    int fuzz_replay_##name(const uint8_t *data, size_t size);                                      \
    int fuzz_replay_##name(const uint8_t *data, size_t size)
#else
#define FUZZ_TARGET(name)                                                                          \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                                  \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
#endif

#define FUZZ_FAIL(what)                                                                            \
    do {                                                                                           \
        fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, what);                \
        abort();                                                                                   \
    } while (0)

/* A NUL-terminated owned copy of the input (embedded NULs kept). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

static inline int fuzz_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Remove a private temporary directory tree (targets register this with atexit). */
static inline void fuzz_rmtree(const char *dir)
{
    if (dir && dir[0])
        nftw(dir, fuzz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
