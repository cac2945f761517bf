/*
 * sim_table: Table columns and rows for pods, nodes, events and namespaces,
 * matching kube-apiserver's printers (pkg/printers/internalversion). See
 * sim_table.h. Depends on core/strbuf, sim_store and sim_util.
 */
#include "config.h"
#include "sim_table.h"

#include <stdio.h>
#include <string.h>

#include "sim_util.h"

struct col {
    const char *name, *type, *format, *desc;
    int priority;
};

static const struct col pod_cols[] = {
    {"Name", "string", "name", "Name must be unique within a namespace.", 0},
    {"Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0},
    {"Status", "string", "", "The aggregate status of the containers in this pod.", 0},
    {"Restarts", "string", "",
     "The number of times the containers in this pod have been restarted.", 0},
    {"Age", "string", "", "CreationTimestamp is a timestamp representing the server time.", 0},
    {"IP", "string", "", "IP address allocated to the pod.", 1},
    {"Node", "string", "", "Name of the node the pod is assigned to.", 1},
    {"Nominated Node", "string", "", "Nominated node name.", 1},
    {"Readiness Gates", "string", "", "Pod readiness gates.", 1},
};
static const struct col node_cols[] = {
    {"Name", "string", "name", "Name must be unique within a namespace.", 0},
    {"Status", "string", "", "The status of the node", 0},
    {"Roles", "string", "", "The roles of the node", 0},
    {"Age", "string", "", "CreationTimestamp is a timestamp representing the server time.", 0},
    {"Version", "string", "", "Kubelet Version reported by the node.", 0},
    {"Internal-IP", "string", "", "List of addresses reachable to the node.", 1},
};
static const struct col event_cols[] = {
    {"Last Seen", "string", "", "The last time the event was seen.", 0},
    {"Type", "string", "", "Type of this event (Normal, Warning).", 0},
    {"Reason", "string", "", "This should be a short, machine understandable string.", 0},
    {"Object", "string", "", "The object that this event is about.", 0},
    {"Message", "string", "", "A human-readable description of the status of this operation.", 0},
    {"Name", "string", "name", "Name must be unique within a namespace.", 1},
};
static const struct col ns_cols[] = {
    {"Name", "string", "name", "Name must be unique within a namespace.", 0},
    {"Status", "string", "", "The status of the namespace", 0},
    {"Age", "string", "", "CreationTimestamp is a timestamp representing the server time.", 0},
};

void sim_table_columns(struct strbuf *sb, enum sim_kind kind)
{
    const struct col *c;
    size_t n;
    switch (kind) {
    case SIM_KIND_POD:
        c = pod_cols;
        n = sizeof pod_cols / sizeof *c;
        break;
    case SIM_KIND_NODE:
        c = node_cols;
        n = sizeof node_cols / sizeof *c;
        break;
    case SIM_KIND_EVENT:
        c = event_cols;
        n = sizeof event_cols / sizeof *c;
        break;
    default:
        c = ns_cols;
        n = sizeof ns_cols / sizeof *c;
        break;
    }
    strbuf_putc(sb, '[');
    for (size_t i = 0; i < n; i++) {
        strbuf_printf(sb, "%s{\"name\":\"%s\",\"type\":\"%s\",\"format\":\"%s\",\"description\":",
                      i ? "," : "", c[i].name, c[i].type, c[i].format);
        strbuf_json_str(sb, c[i].desc);
        strbuf_printf(sb, ",\"priority\":%d}", c[i].priority);
    }
    strbuf_putc(sb, ']');
}

static void cell(struct strbuf *sb, const char *s, bool *first)
{
    if (!*first)
        strbuf_putc(sb, ',');
    *first = false;
    strbuf_json_str(sb, s);
}

static void age(const char *ts, int64_t now, char *out, size_t len)
{
    int64_t t = sim_parse_time(ts);
    if (!t)
        snprintf(out, len, "<unknown>");
    else
        sim_human_duration(now - t, out, len);
}

void sim_table_row(struct strbuf *sb, const struct sim_obj *o, int64_t now)
{
    char a[32];
    bool first = true;
    strbuf_puts(sb, "{\"cells\":[");
    switch ((enum sim_kind)o->kind) {
    case SIM_KIND_POD:
        age(o->f[SIM_F_CREATED], now, a, sizeof a);
        cell(sb, o->f[SIM_F_NAME], &first);
        cell(sb, o->f[SIM_F_T_READY], &first);
        cell(sb, o->f[SIM_F_T_STATUS], &first);
        cell(sb, o->f[SIM_F_T_RESTARTS], &first);
        cell(sb, a, &first);
        cell(sb, o->f[SIM_F_T_IP], &first);
        cell(sb, o->f[SIM_F_NODE_NAME][0] ? o->f[SIM_F_NODE_NAME] : "<none>", &first);
        cell(sb, "<none>", &first);
        cell(sb, "<none>", &first);
        break;
    case SIM_KIND_NODE:
        age(o->f[SIM_F_CREATED], now, a, sizeof a);
        cell(sb, o->f[SIM_F_NAME], &first);
        cell(sb, o->f[SIM_F_T_STATUS], &first);
        cell(sb, o->f[SIM_F_T_ROLES], &first);
        cell(sb, a, &first);
        cell(sb, o->f[SIM_F_T_VERSION], &first);
        cell(sb, o->f[SIM_F_T_IP], &first);
        break;
    case SIM_KIND_EVENT:
        age(o->f[SIM_F_T_LAST_SEEN], now, a, sizeof a);
        cell(sb, a, &first);
        cell(sb, o->f[SIM_F_TYPE], &first);
        cell(sb, o->f[SIM_F_REASON], &first);
        cell(sb, o->f[SIM_F_T_STATUS], &first);
        cell(sb, o->f[SIM_F_T_MESSAGE], &first);
        cell(sb, o->f[SIM_F_NAME], &first);
        break;
    default:
        age(o->f[SIM_F_CREATED], now, a, sizeof a);
        cell(sb, o->f[SIM_F_NAME], &first);
        cell(sb, o->f[SIM_F_T_STATUS], &first);
        cell(sb, a, &first);
        break;
    }
    strbuf_puts(sb, "],\"object\":{\"kind\":\"PartialObjectMetadata\",\"apiVersion\":"
                    "\"meta.k8s.io/v1\",\"metadata\":{\"name\":");
    strbuf_json_str(sb, o->f[SIM_F_NAME]);
    if (o->f[SIM_F_NAMESPACE][0]) {
        strbuf_puts(sb, ",\"namespace\":");
        strbuf_json_str(sb, o->f[SIM_F_NAMESPACE]);
    }
    strbuf_printf(sb, ",\"uid\":\"%s\",\"resourceVersion\":\"%llu\",\"creationTimestamp\":\"%s\"",
                  o->f[SIM_F_UID], (unsigned long long)o->rv, o->f[SIM_F_CREATED]);
    const char *l = o->f[SIM_F_LABELS];
    if (*l) {
        strbuf_puts(sb, ",\"labels\":{");
        bool lf = true;
        while (*l) {
            const char *eq = strchr(l, '='), *nl = strchr(l, '\n');
            if (!eq || !nl || eq > nl)
                break;
            char key[256], val[256];
            snprintf(key, sizeof key, "%.*s", (int)(eq - l), l);
            snprintf(val, sizeof val, "%.*s", (int)(nl - eq - 1), eq + 1);
            if (!lf)
                strbuf_putc(sb, ',');
            lf = false;
            strbuf_json_str(sb, key);
            strbuf_putc(sb, ':');
            strbuf_json_str(sb, val);
            l = nl + 1;
        }
        strbuf_putc(sb, '}');
    }
    strbuf_puts(sb, "}}}");
}
