/*
 * test_kubeconfig: unit tests for core/kubeconfig.c and core/json_exec.c.
 *
 * Covers loading (explicit file, $KUBECONFIG merge, ~/.kube/config, in-cluster),
 * YAML edge cases, relative paths and *-data fields, namespace precedence, and
 * credentials: static token, tokenFile re-read, exec plugins (run via
 * tests/fixtures/kubeconfig/exec-plugin.sh). Runs from the repository root;
 * generated files go to mkdtemp directories under /tmp. Depends on cmocka and
 * libcore only; every load is hermetic (opts.no_env) so the real environment
 * and ~/.kube are never read.
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "json_exec.h"
#include "kerr.h"
#include "kubeconfig.h"
#include "xalloc.h"

#define FIX "tests/fixtures/kubeconfig/"

/* ---- helpers ---- */

struct fake_clock {
    int64_t mono;
    int64_t real;
};

static int64_t fake_now(bool is_monotonic, void *ud)
{
    struct fake_clock *c = ud;
    return is_monotonic ? c->mono : c->real;
}

static struct kubeconfig_opts hermetic(void)
{
    return (struct kubeconfig_opts){ .no_env = true, .sa_dir = "/nonexistent/armortop-sa" };
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;

    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    buf = xmalloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    if (len)
        *len = (size_t)n;
    return buf;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static char *cwd_path(const char *rel)
{
    char *cwd = getcwd(NULL, 0);
    char *p;
    assert_non_null(cwd);
    p = xasprintf("%s/%s", cwd, rel);
    free(cwd);
    return p;
}

static int count_runs(const char *dir)
{
    char *path = xasprintf("%s/count", dir);
    char *s = read_file(path, NULL);
    int n = s ? atoi(s) : 0;
    free(s);
    free(path);
    return n;
}

static bool contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

#define assert_contains(hay, needle)                                                         \
    do {                                                                                     \
        if (!contains((hay), (needle)))                                                      \
            fail_msg("\"%s\" does not contain \"%s\"", (hay) ? (hay) : "(null)", (needle));  \
    } while (0)

/* Per-test temp dir; the exec plugin's environment knobs are cleared after. */
static int setup_tmp(void **state)
{
    char tmpl[] = "/tmp/armortop-kc-XXXXXX";
    char *dir = mkdtemp(tmpl);
    char *count;

    if (!dir)
        return -1;
    *state = xstrdup(dir);
    count = xasprintf("%s/count", dir);
    setenv("PLUGIN_COUNT_FILE", count, 1);
    free(count);
    return 0;
}

static int teardown_tmp(void **state)
{
    static const char *const knobs[] = { "PLUGIN_COUNT_FILE", "PLUGIN_INFO_FILE",
                                         "PLUGIN_ARGS_FILE",  "PLUGIN_MODE",
                                         "PLUGIN_API",        "PLUGIN_EXPIRY" };
    for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++)
        unsetenv(knobs[i]);
    nftw(*state, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(*state);
    return 0;
}

/* A kubeconfig in dir whose user runs exec-plugin.sh; extra is appended to the
 * exec mapping (6-space indented lines). Returns the owned path. */
static char *write_exec_config(const char *dir, const char *command, const char *extra)
{
    char *plugin = command ? xstrdup(command) : cwd_path(FIX "exec-plugin.sh");
    char *path = xasprintf("%s/exec.yaml", dir);
    char *text = xasprintf("apiVersion: v1\n"
                           "current-context: x\n"
                           "clusters:\n"
                           "- name: x\n"
                           "  cluster:\n"
                           "    server: https://exec.example:6443\n"
                           "    certificate-authority-data: Q0EtQllURVM=\n"
                           "    tls-server-name: api.internal\n"
                           "contexts: [{name: x, context: {cluster: x, user: x}}]\n"
                           "users:\n"
                           "- name: x\n"
                           "  user:\n"
                           "    exec:\n"
                           "      apiVersion: client.authentication.k8s.io/v1\n"
                           "      command: %s\n"
                           "%s",
                           plugin, extra ? extra : "      interactiveMode: IfAvailable\n");
    write_file(path, text);
    free(text);
    free(plugin);
    return path;
}

static struct kube_config *load_ok(const struct kubeconfig_opts *opts)
{
    struct kube_config *cfg = NULL;
    struct kerr err = { 0 };
    char buf[1024];
    int rc = kubeconfig_load(opts, &cfg, &err);
    if (rc != 0)
        fail_msg("kubeconfig_load: %s", kerr_format(&err, buf, sizeof buf));
    assert_non_null(cfg);
    return cfg;
}

static struct kube_config *load_path_ok(const char *path)
{
    struct kubeconfig_opts o = hermetic();
    o.explicit_path = path;
    return load_ok(&o);
}

/* ---- loading: degenerate inputs ---- */

static void test_missing_explicit_file(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg = NULL;
    struct kerr err = { 0 };
    (void)state;

    o.explicit_path = FIX "does-not-exist.yaml";
    assert_int_equal(kubeconfig_load(&o, &cfg, &err), -KERR_NOTFOUND);
    assert_null(cfg);
    assert_contains(err.msg, "does-not-exist.yaml");
}

static void test_empty_file(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg = NULL;
    struct kerr err = { 0 };
    (void)state;

    o.explicit_path = FIX "empty.yaml";
    assert_int_equal(kubeconfig_load(&o, &cfg, &err), -KERR_CONFIG);
    assert_null(cfg);
    assert_contains(err.msg, "empty.yaml");
}

static void test_garbage_yaml_names_file_and_line(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg = NULL;
    struct kerr err = { 0 };
    char buf[1024];
    (void)state;

    o.explicit_path = FIX "garbage.yaml";
    assert_int_equal(kubeconfig_load(&o, &cfg, &err), -KERR_CONFIG);
    assert_null(cfg);
    assert_string_equal(err.where, FIX "garbage.yaml:5");
    assert_contains(err.msg, "invalid YAML");
    assert_contains(kerr_format(&err, buf, sizeof buf), "garbage.yaml:5: invalid YAML");
}

static void test_nothing_anywhere_is_notfound(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg = NULL;
    struct kerr err = { 0 };

    o.home = *state;  /* empty dir: no .kube/config */
    assert_int_equal(kubeconfig_load(&o, &cfg, &err), -KERR_NOTFOUND);
    assert_null(cfg);
    assert_contains(err.msg, ".kube/config");
    assert_contains(err.msg, "KUBERNETES_SERVICE_HOST");
}

static void test_missing_current_context(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg = NULL;
    struct kerr err = { 0 };
    (void)state;

    o.explicit_path = FIX "no-current-context.yaml";
    assert_int_equal(kubeconfig_load(&o, &cfg, &err), -KERR_CONFIG);
    assert_null(cfg);
    assert_contains(err.msg, "current-context");
    assert_contains(err.msg, "ctx1, ctx2");
}

static void test_unknown_context(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg = NULL;
    struct kerr err = { 0 };
    (void)state;

    o.explicit_path = FIX "relative-paths.yaml";
    o.context = "no-such-ctx";
    assert_int_equal(kubeconfig_load(&o, &cfg, &err), -KERR_CONFIG);
    assert_null(cfg);
    assert_contains(err.msg, "\"no-such-ctx\"");
}

static void test_bad_base64_names_line(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg = NULL;
    struct kerr err = { 0 };
    (void)state;

    o.explicit_path = FIX "bad-base64.yaml";
    assert_int_equal(kubeconfig_load(&o, &cfg, &err), -KERR_CONFIG);
    assert_string_equal(err.where, FIX "bad-base64.yaml:7");
    assert_contains(err.msg, "certificate-authority-data");
}

static void test_exec_v1_requires_interactive_mode(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg = NULL;
    struct kerr err = { 0 };
    char *path = write_exec_config(*state, NULL, "      args: []\n");

    o.explicit_path = path;
    assert_int_equal(kubeconfig_load(&o, &cfg, &err), -KERR_CONFIG);
    assert_contains(err.msg, "interactiveMode");
    free(path);
}

/* ---- loading: contents ---- */

static void test_context_flag_overrides_current(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg;
    (void)state;

    o.explicit_path = FIX "no-current-context.yaml";
    o.context = "ctx2";
    cfg = load_ok(&o);
    assert_string_equal(cfg->context, "ctx2");
    assert_string_equal(cfg->namespace, "two");
    assert_string_equal(cfg->server, "https://c1.example:6443");
    assert_string_equal(cfg->token, "t1");
    kube_config_free(&cfg);
    assert_null(cfg);
}

static void test_relative_paths_resolve_against_file_dir(void **state)
{
    struct kube_config *cfg = load_path_ok(FIX "relative-paths.yaml");
    char *ca = cwd_path(FIX "certs/ca.crt");
    char *crt = cwd_path(FIX "certs/client.crt");
    char *key = cwd_path(FIX "certs/client.key");
    char *tok = cwd_path(FIX "secrets/token");
    (void)state;

    assert_string_equal(cfg->ca_file, ca);
    assert_string_equal(cfg->client_cert_file, crt);
    assert_string_equal(cfg->client_key_file, key);
    assert_string_equal(cfg->token_file, tok);
    assert_null(cfg->ca_data);
    assert_string_equal(cfg->tls_server_name, "kubernetes.default");
    assert_string_equal(cfg->proxy_url, "http://proxy.example:3128");
    assert_false(cfg->is_insecure);
    assert_string_equal(cfg->namespace, "apps");
    assert_string_equal(cfg->cluster_name, "rel-cluster");
    assert_string_equal(cfg->user_name, "rel-user");
    assert_string_equal(cfg->source, FIX "relative-paths.yaml");
    free(ca);
    free(crt);
    free(key);
    free(tok);
    kube_config_free(&cfg);
}

static void test_data_fields_are_base64_decoded(void **state)
{
    struct kube_config *cfg = load_path_ok(FIX "data.yaml");
    size_t ca_len, crt_len, key_len;
    char *ca = read_file(FIX "certs/ca.crt", &ca_len);
    char *crt = read_file(FIX "certs/client.crt", &crt_len);
    char *key = read_file(FIX "certs/client.key", &key_len);
    (void)state;

    assert_non_null(ca);
    assert_int_equal(cfg->ca_data_len, ca_len);
    assert_memory_equal(cfg->ca_data, ca, ca_len);
    assert_null(cfg->ca_file);  /* -data takes precedence over the path */
    assert_int_equal(cfg->client_cert_data_len, crt_len);
    assert_memory_equal(cfg->client_cert_data, crt, crt_len);
    assert_int_equal(cfg->client_key_data_len, key_len);  /* wrapped over lines */
    assert_memory_equal(cfg->client_key_data, key, key_len);
    assert_string_equal(cfg->server, "https://10.0.0.1:6443");
    assert_string_equal(cfg->namespace, "default");
    free(ca);
    free(crt);
    free(key);
    kube_config_free(&cfg);
}

static void test_namespace_precedence(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg;
    (void)state;

    o.explicit_path = FIX "no-current-context.yaml";
    o.context = "ctx1";
    cfg = load_ok(&o);
    assert_string_equal(cfg->namespace, "default");
    kube_config_free(&cfg);

    o.context = "ctx2";
    cfg = load_ok(&o);
    assert_string_equal(cfg->namespace, "two");
    kube_config_free(&cfg);

    o.namespace = "from-cli";
    cfg = load_ok(&o);
    assert_string_equal(cfg->namespace, "from-cli");
    kube_config_free(&cfg);
}

static void test_kind_style_config(void **state)
{
    struct kube_config *cfg = load_path_ok(FIX "kind.yaml");
    size_t ca_len;
    char *ca = read_file(FIX "certs/ca.crt", &ca_len);
    struct kube_credentials cr;
    (void)state;

    assert_string_equal(cfg->context, "kind-armortop");
    assert_string_equal(cfg->server, "https://127.0.0.1:39827");
    assert_int_equal(cfg->ca_data_len, ca_len);
    assert_memory_equal(cfg->ca_data, ca, ca_len);
    assert_non_null(cfg->client_cert_data);
    assert_non_null(cfg->client_key_data);
    assert_contains(cfg->client_key_data, "BEGIN PRIVATE KEY");
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_null(cr.token);  /* client-certificate auth only */
    assert_null(cr.username);
    free(ca);
    kube_config_free(&cfg);
}

static void test_minikube_style_config_with_extensions(void **state)
{
    struct kube_config *cfg = load_path_ok(FIX "minikube.yaml");
    char *ca = cwd_path(FIX "certs/ca.crt");
    (void)state;

    assert_string_equal(cfg->context, "minikube");
    assert_string_equal(cfg->server, "https://192.168.49.2:8443");
    assert_string_equal(cfg->ca_file, ca);
    assert_string_equal(cfg->namespace, "default");
    assert_non_null(cfg->client_cert_file);
    free(ca);
    kube_config_free(&cfg);
}

static void test_yaml_flow_quotes_nulls_in_exec(void **state)
{
    struct kube_config *cfg = load_path_ok(FIX "exec-relative.yaml");
    char *cmd = cwd_path(FIX "exec-plugin.sh");
    (void)state;

    assert_non_null(cfg->exec);
    assert_string_equal(cfg->exec->command, cmd);
    assert_string_equal(cfg->exec->args[0], "--flag");
    assert_string_equal(cfg->exec->args[1], "quoted value");
    assert_string_equal(cfg->exec->args[2], "~");  /* quoted: a string, not null */
    assert_null(cfg->exec->args[3]);
    assert_int_equal(cfg->exec->env_count, 2);
    assert_string_equal(cfg->exec->env[0].name, "PLUGIN_MODE");
    assert_string_equal(cfg->exec->env[1].value, "");  /* value: ~ */
    assert_string_equal(cfg->exec->interactive_mode, "Never");
    assert_string_equal(cfg->exec->install_hint, "install the fake plugin\n");
    assert_false(cfg->exec->provide_cluster_info);
    assert_false(cfg->is_insecure);
    free(cmd);
    kube_config_free(&cfg);
}

/* ---- $KUBECONFIG merge, explicit path, HOME ---- */

static void test_merge_first_file_wins_and_first_current_context(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg;
    (void)state;

    /* empty entries and a missing file are ignored */
    o.kubeconfig_env = ":" FIX "merge-a.yaml::/nonexistent/kubeconfig:" FIX "merge-b.yaml:" FIX
                       "merge-c.yaml:";
    cfg = load_ok(&o);
    assert_string_equal(cfg->context, "ctx-b");  /* a sets none; b before c */
    assert_string_equal(cfg->cluster_name, "shared");
    assert_string_equal(cfg->server, "https://from-a.example:6443");
    assert_false(cfg->is_insecure);  /* no deep merge of b's "shared" */
    assert_string_equal(cfg->namespace, "ns-b");
    assert_string_equal(cfg->token, "token-b");
    assert_string_equal(cfg->source,
                        FIX "merge-a.yaml:" FIX "merge-b.yaml:" FIX "merge-c.yaml");
    kube_config_free(&cfg);
}

static void test_merge_first_context_definition_wins(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg;
    (void)state;

    o.kubeconfig_env = FIX "merge-a.yaml:" FIX "merge-b.yaml";
    o.context = "ctx-a";  /* defined in a (cluster shared) and in b (cluster only-b) */
    cfg = load_ok(&o);
    assert_string_equal(cfg->cluster_name, "shared");
    assert_string_equal(cfg->server, "https://from-a.example:6443");
    assert_string_equal(cfg->token, "token-a");
    kube_config_free(&cfg);
}

static void test_merge_unparseable_file_is_error(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg = NULL;
    struct kerr err = { 0 };
    (void)state;

    o.kubeconfig_env = FIX "merge-a.yaml:" FIX "garbage.yaml";
    assert_int_equal(kubeconfig_load(&o, &cfg, &err), -KERR_CONFIG);
    assert_null(cfg);
    assert_string_equal(err.where, FIX "garbage.yaml:5");
}

static void test_explicit_path_ignores_kubeconfig_env(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg;
    (void)state;

    o.explicit_path = FIX "merge-c.yaml";
    o.kubeconfig_env = FIX "merge-a.yaml:" FIX "merge-b.yaml";
    cfg = load_ok(&o);
    assert_string_equal(cfg->context, "ctx-c");
    assert_string_equal(cfg->source, FIX "merge-c.yaml");
    kube_config_free(&cfg);
}

static char *make_home(const char *dir)
{
    char *kube = xasprintf("%s/.kube", dir);
    char *path = xasprintf("%s/config", kube);
    char *text = read_file(FIX "merge-c.yaml", NULL);

    assert_int_equal(mkdir(kube, 0700), 0);
    write_file(path, text);
    free(text);
    free(kube);
    return path;
}

static void test_home_fallback(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg;
    char *path = make_home(*state);

    o.home = *state;
    cfg = load_ok(&o);
    assert_string_equal(cfg->context, "ctx-c");
    assert_string_equal(cfg->source, path);
    kube_config_free(&cfg);
    free(path);
}

static void test_kubeconfig_env_set_skips_home(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg = NULL;
    struct kerr err = { 0 };
    char *path = make_home(*state);

    o.home = *state;
    o.kubeconfig_env = "/nonexistent/one:/nonexistent/two";
    assert_int_equal(kubeconfig_load(&o, &cfg, &err), -KERR_NOTFOUND);
    assert_contains(err.msg, "/nonexistent/one");
    free(path);
}

/* ---- in-cluster ---- */

static void make_sa_dir(const char *dir, bool has_namespace)
{
    char *p = xasprintf("%s/token", dir);
    write_file(p, "sa-token-1\n");
    free(p);
    p = xasprintf("%s/ca.crt", dir);
    write_file(p, "-----BEGIN CERTIFICATE-----\n");
    free(p);
    if (has_namespace) {
        p = xasprintf("%s/namespace", dir);
        write_file(p, "kube-system\n");
        free(p);
    }
}

static void test_in_cluster_ipv6_and_token_rotation(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg;
    struct kube_credentials cr;
    struct fake_clock clk = { .mono = 1000, .real = 1 };
    char *tok = xasprintf("%s/token", (char *)*state);
    char *ca = xasprintf("%s/ca.crt", (char *)*state);

    make_sa_dir(*state, true);
    o.sa_dir = *state;
    o.home = *state;  /* no .kube/config there */
    o.service_host = "fd00:10:96::1";
    o.service_port = "443";
    cfg = load_ok(&o);
    assert_true(cfg->is_in_cluster);
    assert_string_equal(cfg->server, "https://[fd00:10:96::1]:443");
    assert_string_equal(cfg->context, "in-cluster");
    assert_string_equal(cfg->namespace, "kube-system");
    assert_string_equal(cfg->ca_file, ca);
    assert_string_equal(cfg->token_file, tok);
    assert_null(cfg->token);

    kube_config_set_clock(cfg, fake_now, &clk);
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "sa-token-1");
    write_file(tok, "sa-token-2\n");
    clk.mono += 59;
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "sa-token-1");  /* younger than 60 s: cached */
    clk.mono += 1;
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "sa-token-2");
    kube_config_free(&cfg);
    free(tok);
    free(ca);
}

static void test_in_cluster_ipv4_namespace_fallbacks(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg;

    make_sa_dir(*state, false);
    o.sa_dir = *state;
    o.service_host = "10.96.0.1";
    o.service_port = "6443";
    cfg = load_ok(&o);
    assert_string_equal(cfg->server, "https://10.96.0.1:6443");
    assert_string_equal(cfg->namespace, "default");  /* no namespace file */
    kube_config_free(&cfg);

    o.namespace = "override";
    cfg = load_ok(&o);
    assert_string_equal(cfg->namespace, "override");
    kube_config_free(&cfg);
}

static void test_in_cluster_needs_token(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg = NULL;
    struct kerr err = { 0 };

    o.sa_dir = *state;  /* empty */
    o.service_host = "10.96.0.1";
    o.service_port = "443";
    assert_int_equal(kubeconfig_load(&o, &cfg, &err), -KERR_NOTFOUND);
    assert_null(cfg);
    assert_contains(err.msg, "no service account token");
}

/* ---- static credentials ---- */

static void test_token_wins_over_token_file(void **state)
{
    struct kube_config *cfg = load_path_ok(FIX "token-precedence.yaml");
    struct kube_credentials cr;
    (void)state;

    assert_true(cfg->is_insecure);
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "static-token");  /* tokenFile does not exist */
    assert_null(cr.username);
    kube_config_free(&cfg);
}

static void test_basic_auth_passed_through(void **state)
{
    struct kubeconfig_opts o = hermetic();
    struct kube_config *cfg;
    struct kube_credentials cr;
    (void)state;

    o.explicit_path = FIX "token-precedence.yaml";
    o.context = "basic";
    cfg = load_ok(&o);
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_null(cr.token);
    assert_string_equal(cr.username, "admin");
    assert_string_equal(cr.password, "s3cr:et");
    kube_config_free(&cfg);
}

static char *write_token_file_config(const char *dir, const char *token_text)
{
    char *tok = xasprintf("%s/token", dir);
    char *path = xasprintf("%s/kc.yaml", dir);

    write_file(tok, token_text);
    write_file(path, "current-context: t\n"
                     "clusters: [{name: t, cluster: {server: 'http://127.0.0.1:1'}}]\n"
                     "contexts: [{name: t, context: {cluster: t, user: t}}]\n"
                     "users: [{name: t, user: {tokenFile: token}}]\n");
    free(tok);
    return path;
}

static void test_token_file_missing_is_io_error(void **state)
{
    char *path = write_token_file_config(*state, "x");
    char *tok = xasprintf("%s/token", (char *)*state);
    struct kube_config *cfg = load_path_ok(path);
    struct kube_credentials cr;
    struct kerr err = { 0 };

    assert_int_equal(unlink(tok), 0);
    assert_int_equal(kube_config_credentials(cfg, &cr, &err), -KERR_IO);
    assert_null(cr.token);
    assert_contains(err.msg, tok);
    kube_config_free(&cfg);
    free(tok);
    free(path);
}

static void test_token_file_reread_after_60s(void **state)
{
    char *path = write_token_file_config(*state, "file-token-1 \n\n");
    char *tok = xasprintf("%s/token", (char *)*state);
    struct kube_config *cfg = load_path_ok(path);
    struct kube_credentials cr;
    struct fake_clock clk = { .mono = 50, .real = 1 };

    kube_config_set_clock(cfg, fake_now, &clk);
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "file-token-1");  /* trailing whitespace trimmed */
    write_file(tok, "file-token-2\n");
    clk.mono += 30;
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "file-token-1");
    clk.mono += 30;
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "file-token-2");
    /* a failed re-read keeps the last good token */
    assert_int_equal(unlink(tok), 0);
    clk.mono += 61;
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "file-token-2");
    kube_config_free(&cfg);
    free(tok);
    free(path);
}

static void test_token_file_invalidate_forces_reread(void **state)
{
    char *path = write_token_file_config(*state, "first");
    char *tok = xasprintf("%s/token", (char *)*state);
    struct kube_config *cfg = load_path_ok(path);
    struct kube_credentials cr;

    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "first");
    write_file(tok, "second");
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "first");
    kube_config_invalidate_credentials(cfg);
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "second");
    kube_config_free(&cfg);
    free(tok);
    free(path);
}

/* ---- exec plugins ---- */

static void test_exec_not_found_has_install_hint(void **state)
{
    char *path = write_exec_config(*state, "armortop-no-such-plugin",
                                   "      interactiveMode: Never\n"
                                   "      installHint: 'brew install no-such-plugin'\n");
    struct kube_config *cfg = load_path_ok(path);
    struct kube_credentials cr;
    struct kerr err = { 0 };

    assert_int_equal(kube_config_credentials(cfg, &cr, &err), -KERR_EXEC);
    assert_null(cr.token);
    assert_contains(err.msg, "armortop-no-such-plugin");
    assert_contains(err.msg, "brew install no-such-plugin");
    kube_config_free(&cfg);
    free(path);
}

static void test_exec_nonzero_exit_reports_stderr(void **state)
{
    char *path = write_exec_config(*state, NULL, NULL);
    struct kube_config *cfg = load_path_ok(path);
    struct kube_credentials cr;
    struct kerr err = { 0 };

    setenv("PLUGIN_MODE", "fail", 1);
    assert_int_equal(kube_config_credentials(cfg, &cr, &err), -KERR_EXEC);
    assert_contains(err.msg, "status 3");
    assert_contains(err.msg, "not logged in; run fake-login");
    kube_config_free(&cfg);
    free(path);
}

static void test_exec_malformed_json(void **state)
{
    char *path = write_exec_config(*state, NULL, NULL);
    struct kube_config *cfg = load_path_ok(path);
    struct kube_credentials cr;
    struct kerr err = { 0 };

    setenv("PLUGIN_MODE", "badjson", 1);
    assert_int_equal(kube_config_credentials(cfg, &cr, &err), -KERR_EXEC);
    assert_contains(err.msg, "not valid JSON");
    kube_config_free(&cfg);
    free(path);
}

static void test_exec_wrong_api_version(void **state)
{
    char *path = write_exec_config(*state, NULL, NULL);
    struct kube_config *cfg = load_path_ok(path);
    struct kube_credentials cr;
    struct kerr err = { 0 };

    setenv("PLUGIN_API", "client.authentication.k8s.io/v1beta1", 1);
    assert_int_equal(kube_config_credentials(cfg, &cr, &err), -KERR_EXEC);
    assert_contains(err.msg, "apiVersion client.authentication.k8s.io/v1beta1");
    kube_config_free(&cfg);
    free(path);
}

static void test_exec_interactive_always_refused(void **state)
{
    char *path = write_exec_config(*state, NULL, "      interactiveMode: Always\n");
    struct kube_config *cfg = load_path_ok(path);
    struct kube_credentials cr;
    struct kerr err = { 0 };

    assert_int_equal(kube_config_credentials(cfg, &cr, &err), -KERR_EXEC);
    assert_contains(err.msg, "interactiveMode: Always");
    assert_int_equal(count_runs(*state), 0);
    kube_config_free(&cfg);
    free(path);
}

static void test_exec_timeout_kills_plugin(void **state)
{
    char *path = write_exec_config(*state, NULL, NULL);
    struct kube_config *cfg = load_path_ok(path);
    struct kube_credentials cr;
    struct kerr err = { 0 };
    struct timespec t0, t1;

    setenv("PLUGIN_MODE", "sleep", 1);
    kube_config_set_exec_timeout(cfg, 300);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(kube_config_credentials(cfg, &cr, &err), -KERR_EXEC);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_contains(err.msg, "timed out");
    assert_true(t1.tv_sec - t0.tv_sec < 3);
    kube_config_free(&cfg);
    free(path);
}

static void test_exec_token_with_expiry_is_cached(void **state)
{
    char *path = write_exec_config(*state, NULL, NULL);
    struct kube_config *cfg = load_path_ok(path);
    struct kube_credentials cr;
    struct fake_clock clk = { .mono = 1, .real = 1893456000 - 3600 };

    setenv("PLUGIN_EXPIRY", "2030-01-01T00:00:00Z", 1);
    kube_config_set_clock(cfg, fake_now, &clk);
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "plugin-token-1");
    assert_int_equal(cr.expires_at, 1893456000);
    assert_null(cr.client_cert_pem);
    clk.real = 1893456000 - 11;  /* still more than 10 s left */
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "plugin-token-1");
    assert_int_equal(count_runs(*state), 1);
    kube_config_free(&cfg);
    free(path);
}

static void test_exec_reexec_near_expiry(void **state)
{
    char *path = write_exec_config(*state, NULL, NULL);
    struct kube_config *cfg = load_path_ok(path);
    struct kube_credentials cr;
    struct fake_clock clk = { .mono = 1, .real = 1893456000 - 3600 };

    setenv("PLUGIN_EXPIRY", "2030-01-01T00:00:00Z", 1);
    kube_config_set_clock(cfg, fake_now, &clk);
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "plugin-token-1");
    clk.real = 1893456000 - 10;  /* within the 10 s margin */
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "plugin-token-2");
    clk.real = 1893456000 + 5;  /* the plugin keeps returning the old expiry */
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "plugin-token-3");
    assert_int_equal(count_runs(*state), 3);
    kube_config_free(&cfg);
    free(path);
}

static void test_exec_without_expiry_cached_until_invalidate(void **state)
{
    char *path = write_exec_config(*state, NULL, NULL);
    struct kube_config *cfg = load_path_ok(path);
    struct kube_credentials cr;

    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "plugin-token-1");
    assert_int_equal(cr.expires_at, 0);
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_int_equal(count_runs(*state), 1);
    kube_config_invalidate_credentials(cfg);
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "plugin-token-2");
    assert_int_equal(count_runs(*state), 2);
    kube_config_free(&cfg);
    free(path);
}

static void test_exec_client_certificate(void **state)
{
    char *path = write_exec_config(*state, NULL, NULL);
    struct kube_config *cfg = load_path_ok(path);
    struct kube_credentials cr;
    static const char cert[] = "-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n";

    setenv("PLUGIN_MODE", "cert", 1);
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_null(cr.token);
    assert_int_equal(cr.client_cert_pem_len, strlen(cert));
    assert_memory_equal(cr.client_cert_pem, cert, strlen(cert));
    assert_contains(cr.client_key_pem, "BEGIN PRIVATE KEY-----\nTEST");
    assert_int_equal(cr.client_key_pem_len, strlen(cr.client_key_pem));
    kube_config_free(&cfg);
    free(path);
}

static void test_exec_provide_cluster_info(void **state)
{
    char *path = write_exec_config(*state, NULL,
                                   "      interactiveMode: Never\n"
                                   "      provideClusterInfo: true\n");
    char *info_path = xasprintf("%s/info.json", (char *)*state);
    struct kube_config *cfg = load_path_ok(path);
    struct kube_credentials cr;
    char *info;

    setenv("PLUGIN_INFO_FILE", info_path, 1);
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    info = read_file(info_path, NULL);
    assert_contains(info, "\"apiVersion\":\"client.authentication.k8s.io/v1\"");
    assert_contains(info, "\"kind\":\"ExecCredential\"");
    assert_contains(info, "\"server\":\"https://exec.example:6443\"");
    assert_contains(info, "\"certificate-authority-data\":\"Q0EtQllURVM=\"");
    assert_contains(info, "\"tls-server-name\":\"api.internal\"");
    assert_contains(info, "\"interactive\":false");
    free(info);
    kube_config_free(&cfg);
    free(info_path);
    free(path);
}

static void test_exec_without_cluster_info(void **state)
{
    char *path = write_exec_config(*state, NULL, NULL);
    char *info_path = xasprintf("%s/info.json", (char *)*state);
    struct kube_config *cfg = load_path_ok(path);
    struct kube_credentials cr;
    char *info;

    setenv("PLUGIN_INFO_FILE", info_path, 1);
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    info = read_file(info_path, NULL);
    assert_string_equal(info, "{\"apiVersion\":\"client.authentication.k8s.io/v1\","
                              "\"kind\":\"ExecCredential\",\"spec\":{\"interactive\":false}}");
    free(info);
    kube_config_free(&cfg);
    free(info_path);
    free(path);
}

static void test_exec_relative_command_args_and_env(void **state)
{
    struct kube_config *cfg = load_path_ok(FIX "exec-relative.yaml");
    char *args_path = xasprintf("%s/args", (char *)*state);
    struct kube_credentials cr;
    char *args;

    setenv("PLUGIN_ARGS_FILE", args_path, 1);
    setenv("PLUGIN_MODE", "fail", 1);  /* the kubeconfig's env (token) overrides ours */
    assert_int_equal(kube_config_credentials(cfg, &cr, NULL), 0);
    assert_string_equal(cr.token, "plugin-token-1");
    args = read_file(args_path, NULL);
    assert_string_equal(args, "--flag\nquoted value\n~\n");
    free(args);
    kube_config_free(&cfg);
    free(args_path);
}

/* ---- json_exec ---- */

static void test_rfc3339_parsing(void **state)
{
    int64_t t = 0;
    (void)state;

    assert_int_equal(json_exec_parse_rfc3339("", &t), -KERR_PARSE);
    assert_int_equal(json_exec_parse_rfc3339("2026-11-24T22:15:05", &t), -KERR_PARSE);
    assert_int_equal(json_exec_parse_rfc3339("2026-13-24T22:15:05Z", &t), -KERR_PARSE);
    assert_int_equal(json_exec_parse_rfc3339("2026-02-29T00:00:00Z", &t), -KERR_PARSE);
    assert_int_equal(json_exec_parse_rfc3339("2026-11-24T22:15:05Zjunk", &t), -KERR_PARSE);
    assert_int_equal(json_exec_parse_rfc3339("2026-11-24T22:15:05.Z", &t), -KERR_PARSE);
    assert_int_equal(json_exec_parse_rfc3339("2026-11-24T22:15:05Z", &t), 0);
    assert_int_equal(t, 1795558505);
    assert_int_equal(json_exec_parse_rfc3339("2026-11-24T22:15:05.999999999Z", &t), 0);
    assert_int_equal(t, 1795558505);
    assert_int_equal(json_exec_parse_rfc3339("2026-11-25T00:15:05+02:00", &t), 0);
    assert_int_equal(t, 1795558505);
    assert_int_equal(json_exec_parse_rfc3339("2026-11-24T16:45:05.5-05:30", &t), 0);
    assert_int_equal(t, 1795558505);
    assert_int_equal(json_exec_parse_rfc3339("2024-02-29T12:00:00Z", &t), 0);
    assert_int_equal(t, 1709208000);
}

static void test_exec_cred_decoding_errors(void **state)
{
    static const char *const api = "client.authentication.k8s.io/v1";
    struct json_exec_cred c;
    struct kerr err = { 0 };
    const char *s;
    (void)state;

    assert_int_equal(json_exec_cred_parse("", 0, api, &c, &err), -KERR_EXEC);
    assert_contains(err.msg, "nothing");
    s = "[1,2]";
    assert_int_equal(json_exec_cred_parse(s, strlen(s), api, &c, &err), -KERR_EXEC);
    assert_contains(err.msg, "not a JSON object");
    s = "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"Pod\",\"status\":{}}";
    assert_int_equal(json_exec_cred_parse(s, strlen(s), api, &c, &err), -KERR_EXEC);
    assert_contains(err.msg, "kind Pod");
    s = "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\"}";
    assert_int_equal(json_exec_cred_parse(s, strlen(s), api, &c, &err), -KERR_EXEC);
    assert_contains(err.msg, "no status");
    s = "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
        "\"status\":{\"clientCertificateData\":\"x\"}}";
    assert_int_equal(json_exec_cred_parse(s, strlen(s), api, &c, &err), -KERR_EXEC);
    assert_contains(err.msg, "both are required");
    s = "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
        "\"status\":{\"token\":\"t\",\"expirationTimestamp\":\"tomorrow\"}}";
    assert_int_equal(json_exec_cred_parse(s, strlen(s), api, &c, &err), -KERR_EXEC);
    assert_contains(err.msg, "expirationTimestamp");
    assert_null(c.token);
    s = "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
        "\"status\":{\"token\":\"t\",\"expirationTimestamp\":null}}";
    assert_int_equal(json_exec_cred_parse(s, strlen(s), api, &c, &err), 0);
    assert_string_equal(c.token, "t");
    assert_int_equal(c.expires_at, 0);
    json_exec_cred_done(&c);
}

#define T(fn) cmocka_unit_test(fn)
#define TT(fn) cmocka_unit_test_setup_teardown(fn, setup_tmp, teardown_tmp)

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* degenerate inputs first */
        T(test_missing_explicit_file),
        T(test_empty_file),
        T(test_garbage_yaml_names_file_and_line),
        TT(test_nothing_anywhere_is_notfound),
        T(test_missing_current_context),
        T(test_unknown_context),
        T(test_bad_base64_names_line),
        TT(test_exec_v1_requires_interactive_mode),
        T(test_rfc3339_parsing),
        T(test_exec_cred_decoding_errors),
        /* loading */
        T(test_context_flag_overrides_current),
        T(test_relative_paths_resolve_against_file_dir),
        T(test_data_fields_are_base64_decoded),
        T(test_namespace_precedence),
        T(test_kind_style_config),
        T(test_minikube_style_config_with_extensions),
        T(test_yaml_flow_quotes_nulls_in_exec),
        T(test_merge_first_file_wins_and_first_current_context),
        T(test_merge_first_context_definition_wins),
        T(test_merge_unparseable_file_is_error),
        T(test_explicit_path_ignores_kubeconfig_env),
        TT(test_home_fallback),
        TT(test_kubeconfig_env_set_skips_home),
        TT(test_in_cluster_needs_token),
        TT(test_in_cluster_ipv6_and_token_rotation),
        TT(test_in_cluster_ipv4_namespace_fallbacks),
        /* static credentials */
        T(test_token_wins_over_token_file),
        T(test_basic_auth_passed_through),
        TT(test_token_file_missing_is_io_error),
        TT(test_token_file_reread_after_60s),
        TT(test_token_file_invalidate_forces_reread),
        /* exec plugins: failures first */
        TT(test_exec_not_found_has_install_hint),
        TT(test_exec_nonzero_exit_reports_stderr),
        TT(test_exec_malformed_json),
        TT(test_exec_wrong_api_version),
        TT(test_exec_interactive_always_refused),
        TT(test_exec_timeout_kills_plugin),
        TT(test_exec_token_with_expiry_is_cached),
        TT(test_exec_reexec_near_expiry),
        TT(test_exec_without_expiry_cached_until_invalidate),
        TT(test_exec_client_certificate),
        TT(test_exec_provide_cluster_info),
        TT(test_exec_without_cluster_info),
        TT(test_exec_relative_command_args_and_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
