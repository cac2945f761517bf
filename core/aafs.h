/*
 * aafs: the profile inventory of one node, read from apparmorfs
 * (/sys/kernel/security/apparmor) or from a directory laid out like it
 * (TECHNOTES §2). Two sources are merged: the `profiles` file (one
 * "name (mode)" line per profile, sub-namespace lines ":ns://name (mode)") and
 * the `policy/` tree (profiles/<mangled>.<id>/{name,mode,attach,sha1|sha256},
 * children under profiles/, namespaces/<ns>/ with the same layout). Also the
 * policy revision, and helpers that let a simulator play the kernel on a plain
 * directory (lay out and remove a profile, bump the revision).
 * Depends on libc, xalloc, strbuf, kerr, log. Must not include libapparmor
 * (loading policy is core/apparmor.c's job); never prints, never exits.
 *
 * Ownership: an inventory owns all its strings; free it with
 * aafs_inventory_done(). Nothing here touches the network; reads of a real
 * apparmorfs are in-memory kernel files and do not block (revision is opened
 * O_NONBLOCK).
 */
#ifndef ARMORTOP_CORE_AAFS_H
#define ARMORTOP_CORE_AAFS_H

#include <stdbool.h>
#include <stddef.h>

struct kerr;

/* Bounds on untrusted input: lines read per file, bytes per line, profiles in
 * total, directory nesting (hats in hats, namespaces in namespaces). */
#define AAFS_MAX_LINES 1000000
#define AAFS_MAX_LINE_LEN 4096
#define AAFS_MAX_PROFILES 1000000
#define AAFS_MAX_DEPTH 32

enum aafs_hash_alg {
    AAFS_HASH_NONE = 0,
    AAFS_HASH_SHA1,   /* kernels before 6.8 */
    AAFS_HASH_SHA256, /* 6.8 and later */
};

enum aafs_source {
    AAFS_SOURCE_PROFILES = 1, /* only in the `profiles` file */
    AAFS_SOURCE_POLICY = 2,   /* only under `policy/` */
    AAFS_SOURCE_BOTH = 3,
};

struct aafs_profile {
    char *name;       /* owned; full name within its namespace, hats joined with "//",
                         e.g. "/usr/bin/foo//bar". Always read from the `name` files,
                         never from directory names */
    char *ns;         /* owned; namespace, NULL for the root one; nested ones as "a//b" */
    char *mode;       /* owned; "enforce", "complain", "kill", "unconfined", ...; from
                         `profiles` when it lists the profile, else from policy/.../mode;
                         NULL only if neither could be read */
    char *hash;       /* owned; lowercase hex digest, NULL when hash_alg is NONE */
    enum aafs_hash_alg hash_alg;
    char *attach;     /* owned; contents of `attach` (the name itself when the profile
                         has no attachment), NULL when not read */
    char *policy_dir; /* owned; the profile's directory relative to aafs_dir, e.g.
                         "policy/profiles/usr.bin.foo.3"; NULL when only in `profiles` */
    enum aafs_source source;
};

struct aafs_inventory {
    struct aafs_profile *profiles; /* owned; sorted by ns (root first) then name */
    size_t profile_count;
    bool has_revision;
    unsigned long long revision; /* policy revision, when has_revision */
    bool has_profiles_file;      /* `profiles` was read */
    bool has_policy_dir;         /* `policy/profiles` was read */
    size_t malformed_lines;      /* `profiles` lines without " (mode)", too long (more than
                                    AAFS_MAX_LINE_LEN bytes), or with a NUL; skipped */
    size_t skipped_dirs;         /* policy directories without a readable `name` */
    bool is_truncated;           /* a bound above was reached; the list is partial */
};

/* Clear an inventory (no allocation). */
void aafs_inventory_init(struct aafs_inventory *inv);
/* Free everything an inventory owns and clear it. Accepts NULL. */
void aafs_inventory_done(struct aafs_inventory *inv);

/*
 * Read the inventory of aafs_dir into *out (cleared first; on error left
 * empty). Lines of `profiles` are split at their LAST " (" (as aa_splitcon
 * does); ":ns:name" and ":ns://name" give the namespace. Entries of both
 * sources are merged by (namespace, full name). The revision comes from
 * `<dir>/revision`, else `<dir>/policy/revision`.
 * Returns 0 when at least one of `profiles` and `policy/profiles` could be
 * read (the flags say which). Otherwise -KERR_NOTFOUND (neither exists, or
 * aafs_dir does not), -KERR_IO (e.g. EACCES: reading the kernel's `profiles`
 * needs uid 0 in the init user namespace), -KERR_INVAL; detail in err (may be
 * NULL). Malformed content is never an error: it is counted and skipped.
 */
int aafs_read_inventory(const char *aafs_dir, struct aafs_inventory *out, struct kerr *err);

/* Borrowed pointer to the profile (ns NULL = root) in a sorted inventory, or NULL. */
const struct aafs_profile *aafs_inventory_find(const struct aafs_inventory *inv, const char *ns,
                                               const char *name);

/* "sha1", "sha256" or "none". Static string. */
const char *aafs_hash_alg_name(enum aafs_hash_alg alg);

/*
 * Open the revision file of aafs_dir (`revision`, else `policy/revision`)
 * read-only, non-blocking, close-on-exec. Returns the fd (caller closes) or
 * -KERR_NOTFOUND / -KERR_IO.
 * On a real apparmorfs, poll() on it reports POLLIN whenever the policy
 * changed since this fd last read it (kernel ns_revision_poll), so: poll, then
 * aafs_revision_read(), repeat. On a plain directory poll() always reports a
 * regular file readable: there the simulator rewrites the file in place on
 * each change (same inode), and the agent should watch it with inotify
 * (IN_MODIFY/IN_CLOSE_WRITE) instead; aafs_is_kernel_fs() tells which case applies.
 */
int aafs_revision_fd(const char *aafs_dir);

/*
 * Read the revision from an fd of aafs_revision_fd() (pread at offset 0, so no
 * seek is needed). Returns 0 and sets *rev, 1 when a kernel fd has nothing new
 * (EAGAIN), -KERR_PARSE on non-numeric content, -KERR_IO.
 */
int aafs_revision_read(int fd, unsigned long long *rev);

/* Is aafs_dir on securityfs (a real kernel interface) rather than a plain directory? */
bool aafs_is_kernel_fs(const char *aafs_dir);

/*
 * The policy directory name the kernel gives a profile: base_name (the last
 * "//" component of a name, without namespace) mangled as apparmorfs does
 * (leading '/' and '.' dropped; '/' -> '.'; whitespace -> '_'; only
 * [A-Za-z0-9._-] kept) plus ".<id>". Owned result.
 */
char *aafs_dirname_build(const char *base_name, unsigned long id);

/*
 * Simulator helpers: play the kernel on a plain directory. Not for a real
 * apparmorfs. Calls on one directory must be serialised by the caller. Failures
 * are also logged (core_log, debug level) with the path concerned.
 *
 * aafs_init_fake: create dir (its parent must exist) and, where missing,
 * `profiles` (empty), `.load`, `.replace`, `.remove` (empty), `policy/profiles/`,
 * `policy/namespaces/`, `revision` and `policy/revision` ("1\n"). Existing
 * files are kept, so it is safe on an existing fake. Returns 0 or -KERR_IO.
 */
int aafs_init_fake(const char *dir);

/*
 * Load or replace the profile `name` ("p", "parent//hat", ":ns:p" or ":ns://p")
 * with mode (lowercase letters) and sha256 (64 lowercase hex digits, or NULL
 * for no hash file). A new profile gets policy/[namespaces/<ns>/]profiles/
 * <mangled>.<id>/{name,mode,attach[,sha256]} (a hat goes under its parent's
 * profiles/ directory; the parent must exist), built aside and renamed into
 * place; a replaced one keeps its directory, as the kernel does. `profiles`
 * gets "name (mode)" or ":ns://name (mode)" (rewritten atomically) and the
 * revision is bumped. Returns 0, -KERR_INVAL (bad name/mode/hash),
 * -KERR_NOTFOUND (hat without parent), -KERR_IO.
 */
int aafs_write_fake_profile(const char *dir, const char *name, const char *mode,
                            const char *sha256);

/*
 * Remove the profile `name` (as above) with its hats/children, or with ":ns:"
 * alone the whole namespace, from `profiles` and policy/, and bump the
 * revision, as the kernel does on a write to `.remove`. Returns 0,
 * -KERR_NOTFOUND when no such profile/namespace, -KERR_INVAL, -KERR_IO.
 */
int aafs_remove_fake_profile(const char *dir, const char *name);

/* Increment `revision` (and `policy/revision` when present) in place. 0 or -KERR_IO. */
int aafs_bump_fake_revision(const char *dir);

#endif
