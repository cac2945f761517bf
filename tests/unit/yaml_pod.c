/*
 * yaml_pod: test helper turning manifests into pod JSON text (see yaml_pod.h).
 * libyaml's document API gives a node graph per document; it is converted to
 * a cJSON tree (plain scalars true/false/null/numbers typed as YAML 1.2 core
 * schema does, quoted scalars always strings), the pod is picked out of it and
 * printed. Test code only: aborts through xalloc on out-of-memory.
 */
#include "config.h"
#include "yaml_pod.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "../../core/xalloc.h"

static bool is_number(const char *s)
{
    char *end;
    if (!*s)
        return false;
    strtod(s, &end);
    return *end == '\0' && strspn(s, "0123456789+-.eE") == strlen(s);
}

static cJSON *node_to_json(yaml_document_t *doc, yaml_node_t *node, int depth)
{
    if (!node || depth > 64)
        return cJSON_CreateNull();
    switch (node->type) {
    case YAML_SCALAR_NODE: {
        const char *v = (const char *)node->data.scalar.value;
        if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
            if (strcmp(v, "true") == 0)
                return cJSON_CreateTrue();
            if (strcmp(v, "false") == 0)
                return cJSON_CreateFalse();
            if (strcmp(v, "null") == 0 || strcmp(v, "~") == 0 || !*v)
                return cJSON_CreateNull();
            if (is_number(v))
                return cJSON_CreateNumber(strtod(v, NULL));
        }
        return cJSON_CreateString(v);
    }
    case YAML_SEQUENCE_NODE: {
        cJSON *arr = cJSON_CreateArray();
        for (yaml_node_item_t *it = node->data.sequence.items.start;
             it < node->data.sequence.items.top; it++)
            cJSON_AddItemToArray(arr, node_to_json(doc, yaml_document_get_node(doc, *it), depth + 1));
        return arr;
    }
    case YAML_MAPPING_NODE: {
        cJSON *obj = cJSON_CreateObject();
        for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = yaml_document_get_node(doc, p->key);
            if (!k || k->type != YAML_SCALAR_NODE)
                continue;
            cJSON_AddItemToObject(obj, (const char *)k->data.scalar.value,
                                  node_to_json(doc, yaml_document_get_node(doc, p->value), depth + 1));
        }
        return obj;
    }
    case YAML_NO_NODE:
        break;
    }
    return cJSON_CreateNull();
}

static cJSON *path_get(cJSON *o, const char *const *keys)
{
    for (; o && *keys; keys++)
        o = cJSON_GetObjectItemCaseSensitive(o, *keys);
    return o;
}

/* Detach and return the pod object of a document (owned), or NULL. */
static cJSON *pod_of(cJSON *root)
{
    static const char *const tmpl[] = { "spec", "template", NULL };
    static const char *const cron[] = { "spec", "jobTemplate", "spec", "template", NULL };
    static const char *const req_obj[] = { "request", "object", NULL };
    static const char *const workloads[] = { "Deployment", "DaemonSet", "StatefulSet",
                                             "ReplicaSet", "Job" };
    cJSON *kind = cJSON_GetObjectItemCaseSensitive(root, "kind");
    const char *k = cJSON_IsString(kind) ? kind->valuestring : NULL;
    cJSON *found = NULL;
    if (!k)
        return NULL;
    if (strcmp(k, "Pod") == 0)
        return cJSON_Duplicate(root, 1);
    if (strcmp(k, "AdmissionReview") == 0)
        found = path_get(root, req_obj);
    for (size_t i = 0; !found && i < sizeof workloads / sizeof *workloads; i++) {
        if (strcmp(k, workloads[i]) == 0)
            found = path_get(root, tmpl);
    }
    if (!found && strcmp(k, "CronJob") == 0)
        found = path_get(root, cron);
    if (!found)
        return NULL;
    cJSON *pod = cJSON_Duplicate(found, 1);
    if (strcmp(k, "AdmissionReview") != 0) {
        /* a template: name it after its workload */
        static const char *const name_path[] = { "metadata", "name", NULL };
        cJSON *name = path_get(root, name_path);
        cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
        if (!md)
            md = cJSON_AddObjectToObject(pod, "metadata");
        if (cJSON_IsString(name) && !cJSON_HasObjectItem(md, "name"))
            cJSON_AddStringToObject(md, "name", name->valuestring);
    }
    return pod;
}

static void push(char ***docs, size_t *count, cJSON *pod)
{
    cJSON *md = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
    if (md && !cJSON_HasObjectItem(md, "namespace"))
        cJSON_AddStringToObject(md, "namespace", "default");
    *docs = xreallocarray(*docs, *count + 1, sizeof **docs);
    char *s = cJSON_PrintUnformatted(pod);
    (*docs)[(*count)++] = xstrdup(s);
    cJSON_free(s);
}

int yaml_pods_load(const char *path, char ***docs, size_t *count)
{
    int rc = -1;
    yaml_parser_t parser;
    bool parser_ok = false;
    FILE *f = fopen(path, "rb");
    *docs = NULL;
    *count = 0;
    if (!f)
        goto out;
    if (!yaml_parser_initialize(&parser))
        goto out;
    parser_ok = true;
    yaml_parser_set_input_file(&parser, f);
    for (;;) {
        yaml_document_t doc;
        if (!yaml_parser_load(&parser, &doc))
            goto out;
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!root) {
            yaml_document_delete(&doc);
            break; /* end of stream */
        }
        cJSON *json = node_to_json(&doc, root, 0);
        yaml_document_delete(&doc);
        cJSON *pod = NULL;
        if (cJSON_IsObject(json)) {
            pod = pod_of(json);
            if (!pod && cJSON_HasObjectItem(json, "object") &&
                cJSON_HasObjectItem(json, "operation")) /* bare AdmissionRequest */
                pod = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(json, "object"), 1);
        }
        if (pod) {
            push(docs, count, pod);
            cJSON_Delete(pod);
        }
        cJSON_Delete(json);
    }
    rc = 0;
out:
    if (parser_ok)
        yaml_parser_delete(&parser);
    if (f)
        fclose(f);
    if (rc) {
        yaml_pods_free(*docs, *count);
        *docs = NULL;
        *count = 0;
    }
    return rc;
}

void yaml_pods_free(char **docs, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(docs[i]);
    free(docs);
}
