/*
 * fuzz_aafs_profiles: apparmorfs content as core/aafs.c reads it: the
 * `profiles` file ("name (mode)" lines, namespaces), the per-profile files of
 * policy/ (name, mode, sha256) and `revision`. On a real node the kernel
 * writes these, but profile names come from whoever loads policy, and the
 * agent may be pointed at a plain directory. The input becomes each of those
 * files in a private fake apparmorfs. Invariants: the inventory is sorted and
 * every profile has a name. Build and run: tests/fuzz/run.sh.
 */
#include "config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../core/aafs.h"
#include "../../core/kerr.h"
#include "fuzz.h"

static char aa_dir[64];

static void aa_write(const char *rel, const uint8_t *data, size_t size)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", aa_dir, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        abort();
    if (size && write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
}

static void aa_cleanup(void)
{
    fuzz_rmtree(aa_dir);
}

static void aa_setup(void)
{
    if (aa_dir[0])
        return;
    snprintf(aa_dir, sizeof aa_dir, "/tmp/fuzz_aafs.XXXXXX");
    if (!mkdtemp(aa_dir))
        abort();
    atexit(aa_cleanup);
    char path[256];
    snprintf(path, sizeof path, "%s/aafs", aa_dir);
    if (aafs_init_fake(path) != 0)
        abort();
    snprintf(path, sizeof path, "%s/aafs/policy/profiles/fuzz.1", aa_dir);
    if (mkdir(path, 0700) != 0)
        abort();
}

FUZZ_TARGET(fuzz_aafs_profiles)
{
    aa_setup();
    aa_write("aafs/profiles", data, size);
    aa_write("aafs/policy/profiles/fuzz.1/name", data, size);
    aa_write("aafs/policy/profiles/fuzz.1/mode", data, size);
    aa_write("aafs/policy/profiles/fuzz.1/sha256", data, size);
    aa_write("aafs/revision", data, size);

    char path[256];
    snprintf(path, sizeof path, "%s/aafs", aa_dir);
    struct aafs_inventory inv;
    struct kerr err;
    kerr_clear(&err);
    if (aafs_read_inventory(path, &inv, &err) == 0) {
        for (size_t i = 0; i < inv.profile_count; i++) {
            const struct aafs_profile *p = &inv.profiles[i];
            if (!p->name)
                FUZZ_FAIL("profile without a name");
            if (aafs_inventory_find(&inv, p->ns, p->name) == NULL)
                FUZZ_FAIL("a listed profile cannot be found (not sorted?)");
            (void)aafs_hash_alg_name(p->hash_alg);
        }
    }
    aafs_inventory_done(&inv);

    int fd = aafs_revision_fd(path);
    if (fd >= 0) {
        unsigned long long rev = 0;
        (void)aafs_revision_read(fd, &rev);
        close(fd);
    }
    char *s = fuzz_cstr(data, size);
    free(aafs_dirname_build(s, 1));
    free(s);
    return 0;
}
