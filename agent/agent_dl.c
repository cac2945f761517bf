/*
 * agent_dl: libcurl and libyaml for armortop-agent, opened on first use
 * instead of at start (issue 6: the idle footprint).
 *
 * The agent needs libcurl (core/http.c, core/kube_client.c) and libyaml
 * (core/kubeconfig.c) only to ask the API server about tokens
 * (TokenReview/SubjectAccessReview). Linked normally, libcurl's chain
 * (OpenSSL, Kerberos, LDAP, libssh2, nghttp2, ...) is mapped and relocated
 * at start, about 3 MB of resident pages, also in an agent that never
 * authenticates. This file defines the libcurl and libyaml functions that
 * core calls, so the linker resolves them here (with -Wl,--as-needed the
 * libraries then never become NEEDED); the first call dlopen()s the real
 * library and every call forwards to it. An agent with authentication
 * loads libcurl when it builds its API clients at start, as before.
 *
 * Variadic functions forward their one argument by the type the option
 * number says (libcurl's own CURLOPTTYPE_* ranges, as curl_easy_setopt reads
 * it). When a library cannot be opened, each function fails the way the
 * library reports errors (NULL handle, CURLE_FAILED_INIT, 0 from
 * yaml_parser_initialize) and the reason is logged once.
 *
 * Only armortop-agent links this file (agent/Module.mk); armortop and the
 * simulator link the libraries as usual. Depends on libc (dlopen), pthread,
 * libcurl and libyaml headers, agent_log.
 */
#include "config.h"

#define CURL_DISABLE_TYPECHECK /* curl_easy_setopt & co. are defined here, not macros */
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <yaml.h>

#include "agent_log.h"

/* The sonames the agent was built against (Debian: libcurl4, libyaml-0-2). */
#define CURL_SONAME "libcurl.so.4"
#define YAML_SONAME "libyaml-0.so.2"

/* Look name up in h into *slot (a function pointer), NULL when absent. The
 * POSIX idiom: dlsym's object pointer copied into a function pointer. */
#define BIND(h, slot, name)                                                                        \
    do {                                                                                           \
        void *sym_ = (h) ? dlsym((h), (name)) : NULL;                                              \
        _Static_assert(sizeof(slot) == sizeof sym_, "function pointers are pointer-sized");        \
        memcpy(&(slot), &sym_, sizeof sym_);                                                       \
    } while (0)

/* ---- libcurl ---- */

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    void (*easy_reset)(CURL *);
    const char *(*easy_strerror)(CURLcode);
    void (*free)(void *);
    CURLSH *(*share_init)(void);
    CURLSHcode (*share_setopt)(CURLSH *, CURLSHoption, ...);
    CURLSHcode (*share_cleanup)(CURLSH *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLU *(*url)(void);
    void (*url_cleanup)(CURLU *);
    CURLUcode (*url_get)(CURLU *, CURLUPart, char **, unsigned int);
    CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
} cf;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_open(void)
{
    void *h = dlopen(CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        agent_log(CORE_LOG_ERROR, "cannot load %s: %s", CURL_SONAME, dlerror());
        return;
    }
    BIND(h, cf.global_init, "curl_global_init");
    BIND(h, cf.easy_init, "curl_easy_init");
    BIND(h, cf.easy_setopt, "curl_easy_setopt");
    BIND(h, cf.easy_perform, "curl_easy_perform");
    BIND(h, cf.easy_cleanup, "curl_easy_cleanup");
    BIND(h, cf.easy_getinfo, "curl_easy_getinfo");
    BIND(h, cf.easy_reset, "curl_easy_reset");
    BIND(h, cf.easy_strerror, "curl_easy_strerror");
    BIND(h, cf.free, "curl_free");
    BIND(h, cf.share_init, "curl_share_init");
    BIND(h, cf.share_setopt, "curl_share_setopt");
    BIND(h, cf.share_cleanup, "curl_share_cleanup");
    BIND(h, cf.slist_append, "curl_slist_append");
    BIND(h, cf.slist_free_all, "curl_slist_free_all");
    BIND(h, cf.url, "curl_url");
    BIND(h, cf.url_cleanup, "curl_url_cleanup");
    BIND(h, cf.url_get, "curl_url_get");
    BIND(h, cf.url_set, "curl_url_set");
}

#define CURL_LOADED(fn) (pthread_once(&curl_once, curl_open), cf.fn != NULL)

CURLcode curl_global_init(long flags)
{
    return CURL_LOADED(global_init) ? cf.global_init(flags) : CURLE_FAILED_INIT;
}

CURL *curl_easy_init(void)
{
    return CURL_LOADED(easy_init) ? cf.easy_init() : NULL;
}

CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
    CURLcode rc = CURLE_FAILED_INIT;
    va_list ap;

    if (!CURL_LOADED(easy_setopt))
        return rc;
    va_start(ap, option);
    if (option < CURLOPTTYPE_OBJECTPOINT)
        rc = cf.easy_setopt(curl, option, va_arg(ap, long));
    else if (option < CURLOPTTYPE_FUNCTIONPOINT)
        rc = cf.easy_setopt(curl, option, va_arg(ap, void *));
    else if (option < CURLOPTTYPE_OFF_T)
        rc = cf.easy_setopt(curl, option, va_arg(ap, void (*)(void)));
    else if (option < CURLOPTTYPE_BLOB)
        rc = cf.easy_setopt(curl, option, va_arg(ap, curl_off_t));
    else
        rc = cf.easy_setopt(curl, option, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

CURLcode curl_easy_perform(CURL *curl)
{
    return CURL_LOADED(easy_perform) ? cf.easy_perform(curl) : CURLE_FAILED_INIT;
}

void curl_easy_cleanup(CURL *curl)
{
    if (CURL_LOADED(easy_cleanup))
        cf.easy_cleanup(curl);
}

CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
    CURLcode rc = CURLE_FAILED_INIT;
    va_list ap;

    if (!CURL_LOADED(easy_getinfo))
        return rc;
    /* every CURLINFO takes one pointer to where the answer goes */
    va_start(ap, info);
    rc = cf.easy_getinfo(curl, info, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

void curl_easy_reset(CURL *curl)
{
    if (CURL_LOADED(easy_reset))
        cf.easy_reset(curl);
}

const char *curl_easy_strerror(CURLcode code)
{
    return CURL_LOADED(easy_strerror) ? cf.easy_strerror(code) : "libcurl could not be loaded";
}

void curl_free(void *p)
{
    if (CURL_LOADED(free))
        cf.free(p);
}

CURLSH *curl_share_init(void)
{
    return CURL_LOADED(share_init) ? cf.share_init() : NULL;
}

CURLSHcode curl_share_setopt(CURLSH *share, CURLSHoption option, ...)
{
    CURLSHcode rc = CURLSHE_NOT_BUILT_IN;
    va_list ap;

    if (!CURL_LOADED(share_setopt))
        return rc;
    va_start(ap, option);
    switch (option) {
    case CURLSHOPT_SHARE:
    case CURLSHOPT_UNSHARE:
        rc = cf.share_setopt(share, option, va_arg(ap, int)); /* a curl_lock_data */
        break;
    case CURLSHOPT_LOCKFUNC:
        rc = cf.share_setopt(share, option, va_arg(ap, curl_lock_function));
        break;
    case CURLSHOPT_UNLOCKFUNC:
        rc = cf.share_setopt(share, option, va_arg(ap, curl_unlock_function));
        break;
    default:
        rc = cf.share_setopt(share, option, va_arg(ap, void *));
        break;
    }
    va_end(ap);
    return rc;
}

CURLSHcode curl_share_cleanup(CURLSH *share)
{
    return CURL_LOADED(share_cleanup) ? cf.share_cleanup(share) : CURLSHE_OK;
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *data)
{
    return CURL_LOADED(slist_append) ? cf.slist_append(list, data) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
    if (CURL_LOADED(slist_free_all))
        cf.slist_free_all(list);
}

CURLU *curl_url(void)
{
    return CURL_LOADED(url) ? cf.url() : NULL;
}

void curl_url_cleanup(CURLU *handle)
{
    if (CURL_LOADED(url_cleanup))
        cf.url_cleanup(handle);
}

CURLUcode curl_url_get(CURLU *handle, CURLUPart what, char **part, unsigned int flags)
{
    return CURL_LOADED(url_get) ? cf.url_get(handle, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

CURLUcode curl_url_set(CURLU *handle, CURLUPart what, const char *part, unsigned int flags)
{
    return CURL_LOADED(url_set) ? cf.url_set(handle, what, part, flags) : CURLUE_OUT_OF_MEMORY;
}

/* ---- libyaml ---- */

static struct {
    int (*parser_initialize)(yaml_parser_t *);
    void (*parser_delete)(yaml_parser_t *);
    void (*parser_set_input_file)(yaml_parser_t *, FILE *);
    int (*parser_load)(yaml_parser_t *, yaml_document_t *);
    void (*document_delete)(yaml_document_t *);
    yaml_node_t *(*document_get_node)(yaml_document_t *, int);
    yaml_node_t *(*document_get_root_node)(yaml_document_t *);
} yf;
static pthread_once_t yaml_once = PTHREAD_ONCE_INIT;

static void yaml_open(void)
{
    void *h = dlopen(YAML_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        agent_log(CORE_LOG_ERROR, "cannot load %s: %s", YAML_SONAME, dlerror());
        return;
    }
    BIND(h, yf.parser_initialize, "yaml_parser_initialize");
    BIND(h, yf.parser_delete, "yaml_parser_delete");
    BIND(h, yf.parser_set_input_file, "yaml_parser_set_input_file");
    BIND(h, yf.parser_load, "yaml_parser_load");
    BIND(h, yf.document_delete, "yaml_document_delete");
    BIND(h, yf.document_get_node, "yaml_document_get_node");
    BIND(h, yf.document_get_root_node, "yaml_document_get_root_node");
}

#define YAML_LOADED(fn) (pthread_once(&yaml_once, yaml_open), yf.fn != NULL)

int yaml_parser_initialize(yaml_parser_t *parser)
{
    /* 0 is libyaml's failure; the parser is then not to be used or deleted */
    if (!YAML_LOADED(parser_initialize) || !yf.parser_delete || !yf.parser_set_input_file ||
        !yf.parser_load || !yf.document_delete || !yf.document_get_node ||
        !yf.document_get_root_node) {
        memset(parser, 0, sizeof *parser);
        return 0;
    }
    return yf.parser_initialize(parser);
}

void yaml_parser_delete(yaml_parser_t *parser)
{
    if (YAML_LOADED(parser_delete))
        yf.parser_delete(parser);
}

void yaml_parser_set_input_file(yaml_parser_t *parser, FILE *file)
{
    if (YAML_LOADED(parser_set_input_file))
        yf.parser_set_input_file(parser, file);
}

int yaml_parser_load(yaml_parser_t *parser, yaml_document_t *document)
{
    return YAML_LOADED(parser_load) ? yf.parser_load(parser, document) : 0;
}

void yaml_document_delete(yaml_document_t *document)
{
    if (YAML_LOADED(document_delete))
        yf.document_delete(document);
}

yaml_node_t *yaml_document_get_node(yaml_document_t *document, int index)
{
    return YAML_LOADED(document_get_node) ? yf.document_get_node(document, index) : NULL;
}

yaml_node_t *yaml_document_get_root_node(yaml_document_t *document)
{
    return YAML_LOADED(document_get_root_node) ? yf.document_get_root_node(document) : NULL;
}
