/*
 * sim_kernel: armortop-sim plays the kernel's part of apparmorfs on the fake
 * directories of its nodes.
 *
 * sim_policy_parse() reads a binary policy blob as the kernel's
 * security/apparmor/policy_unpack.c does, far enough to learn each profile's
 * name, namespace and mode (the `flags` struct's second u32: 0 enforce,
 * 1 complain, 2 kill, 3 unconfined, 4 user; or the header's force-complain
 * bit 0x800 set by `apparmor_parser -C`), and the SHA-256 of each profile's
 * bytes. One watcher thread serves every node: it turns each node's `.replace`,
 * `.load` and `.remove` into FIFOs that it keeps open, so that every write()
 * (libapparmor's kernel interface writes one blob, or one NUL-terminated name,
 * per call) is consumed in order, and applies it with core/aafs's simulator
 * helpers. A malformed blob is logged on stderr and changes nothing (the
 * kernel answers EPROTO; here the writer has already returned). Depends on
 * libc, pthreads, GnuTLS (SHA-256) and core/aafs.
 */
#ifndef ARMORTOP_SIM_SIM_KERNEL_H
#define ARMORTOP_SIM_SIM_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_policy_profile {
    char *name;      /* owned; ":ns:name" when the blob names a namespace */
    const char *mode; /* static: enforce, complain, kill, unconfined, user */
    char sha256[65];
};

/* Parse a blob (one or more, concatenated). Returns the number of profiles
 * (>= 1) with an owned array in *out (free with sim_policy_free), -1 when it is
 * malformed, -2 when it ends early (may be incomplete), with a message in err. */
int sim_policy_parse(const uint8_t *buf, size_t len, struct sim_policy_profile **out, char *err,
                     size_t err_len);
void sim_policy_free(struct sim_policy_profile *p, int n);

/* Lowercase hex SHA-256 of len bytes into out[65]. */
void sim_sha256_hex(const void *data, size_t len, char out[65]);

struct sim_kernel;

/* A watcher; add directories, then start. */
struct sim_kernel *sim_kernel_new(bool is_verbose);
/* Serve the fake apparmorfs dir (laid out by aafs_init_fake; its .replace,
 * .load and .remove become FIFOs). Returns 0 or -1 (errno). Before
 * sim_kernel_start only. */
int sim_kernel_add(struct sim_kernel *k, const char *dir);
/* Called on the watcher thread after each applied change: mode NULL means the
 * profile (or ":ns:" namespace) was removed. */
typedef void (*sim_kernel_change_fn)(void *ctx, const char *dir, const char *name,
                                     const char *mode);
void sim_kernel_on_change(struct sim_kernel *k, sim_kernel_change_fn fn, void *ctx);
int sim_kernel_start(struct sim_kernel *k);
/* Loads/replacements, removals and rejected writes applied so far. */
void sim_kernel_counts(struct sim_kernel *k, unsigned long *loads, unsigned long *removes,
                       unsigned long *rejected);
/* Stop the thread, free, set *k to NULL. Accepts NULL. */
void sim_kernel_free(struct sim_kernel **k);

#endif
