/*
 * fuzz_kubeconfig: kubeconfig YAML (libyaml + kubeconfig.c's reader and
 * kubectl's selection rules) as a hostile or broken ~/.kube/config could hold.
 * The input is written to a file in a private temporary directory and loaded
 * as --kubeconfig; nothing is executed (exec plugins only run when
 * credentials are asked for, which this target does not do).
 * Invariant: success gives a config with a server. Build and run: tests/fuzz/run.sh.
 */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include "../../core/kerr.h"
#include "../../core/kubeconfig.h"
#include "fuzz.h"

static char kc_dir[64];
static char kc_path[128];

static void kc_cleanup(void)
{
    fuzz_rmtree(kc_dir);
}

static void kc_setup(void)
{
    if (kc_dir[0])
        return;
    snprintf(kc_dir, sizeof kc_dir, "/tmp/fuzz_kubeconfig.XXXXXX");
    if (!mkdtemp(kc_dir))
        abort();
    atexit(kc_cleanup);
    snprintf(kc_path, sizeof kc_path, "%s/config", kc_dir);
}

static void kc_load(const char *context)
{
    struct kubeconfig_opts opts;
    memset(&opts, 0, sizeof opts);
    opts.explicit_path = kc_path;
    opts.context = context;
    opts.home = kc_dir;
    opts.sa_dir = kc_dir;
    opts.kubeconfig_env = "";
    opts.no_env = true;
    struct kube_config *cfg = NULL;
    struct kerr err;
    kerr_clear(&err);
    if (kubeconfig_load(&opts, &cfg, &err) == 0) {
        if (!cfg || !cfg->server)
            FUZZ_FAIL("loaded config without a server");
        kube_config_free(&cfg);
    } else if (cfg) {
        FUZZ_FAIL("failed load returned a config");
    }
}

FUZZ_TARGET(fuzz_kubeconfig)
{
    kc_setup();
    int fd = open(kc_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        abort();
    if (size && write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
    kc_load(NULL);
    kc_load("fuzz");
    return 0;
}
