/*
 * fuzz_cgroup: the contents of /proc/<pid>/cgroup (core/cgroup.c) and of
 * /proc/<pid>/attr/apparmor/current (procscan_split_label, aa_label_parse),
 * which a process in a container controls in part (its cgroup path names,
 * its own label via aa_change_profile). Invariants: a found container has a
 * 64-hex ID; split labels are substrings of the label.
 * Build and run: tests/fuzz/run.sh.
 */
#include "config.h"

#include "../../core/aa_label.h"
#include "../../core/cgroup.h"
#include "../../core/kerr.h"
#include "../../core/procscan.h"
#include "fuzz.h"

FUZZ_TARGET(fuzz_cgroup)
{
    char *text = fuzz_cstr(data, size);
    struct cgroup_ident id;
    int rc = cgroup_parse(text, &id);
    if (rc == 0) {
        if (strlen(id.container_id) != 64 || strspn(id.container_id, "0123456789abcdef") != 64)
            FUZZ_FAIL("container ID is not 64 lowercase hex digits");
        if (!cgroup_container_id_matches(id.container_id, id.container_id))
            FUZZ_FAIL("ID does not match itself");
    } else if (rc != 1 && rc != -KERR_PARSE) {
        FUZZ_FAIL("unexpected cgroup_parse result");
    }
    if (memchr(id.pod_uid, '\0', sizeof id.pod_uid) == NULL ||
        memchr(id.container_id, '\0', sizeof id.container_id) == NULL)
        FUZZ_FAIL("unterminated ident field");
    (void)cgroup_runtime_name(id.runtime);
    (void)cgroup_driver_name(id.driver);
    (void)cgroup_container_id_matches(
        text, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

    char *profile = NULL, *mode = NULL;
    procscan_split_label(text, &profile, &mode);
    if (profile && !strstr(text, profile))
        FUZZ_FAIL("split profile is not part of the label");
    if (mode && !strstr(text, mode))
        FUZZ_FAIL("split mode is not part of the label");
    free(profile);
    free(mode);

    struct aa_label label;
    if (aa_label_parse(text, &label) == 0)
        (void)aa_label_has_profile(&label, "unconfined");
    aa_label_done(&label);
    free(text);
    return 0;
}
