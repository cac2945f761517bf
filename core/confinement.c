/*
 * confinement: declared-profile resolution in the kubelet's GetProfile order
 * (K8S pkg/security/apparmor/helpers.go), AppArmor block detection (container
 * Waiting CreateContainerError "apparmor profile not found <name>", legacy
 * kubelet rejection phase=Failed reason=AppArmor, Warning events), and the
 * container status from declared vs. actual confinement.
 *
 * Depends only on libc and model.h. Must not allocate in its results, print,
 * or touch the network: everything it returns is borrowed from the snapshot,
 * static, or copied into the caller's fixed buffers.
 */
#include "config.h"
#include "confinement.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define AA_SOURCE_NAME_(id, name) name,
static const char *const source_names[] = {AA_SOURCE_LIST(AA_SOURCE_NAME_)};
#undef AA_SOURCE_NAME_

#define AA_STATUS_NAME_(id, name, help) name,
static const char *const status_names[] = {AA_STATUS_LIST(AA_STATUS_NAME_)};
#undef AA_STATUS_NAME_
#define AA_STATUS_HELP_(id, name, help) help,
static const char *const status_helps[] = {AA_STATUS_LIST(AA_STATUS_HELP_)};
#undef AA_STATUS_HELP_

const char *aa_source_name(enum aa_source src)
{
    if ((unsigned)src >= AA_SOURCE__COUNT)
        return "unset";
    return source_names[src];
}

const char *aa_type_name(enum aa_type type)
{
    switch (type) {
    case AA_TYPE_RUNTIME_DEFAULT:
        return "RuntimeDefault";
    case AA_TYPE_LOCALHOST:
        return "Localhost";
    case AA_TYPE_UNCONFINED:
        return "Unconfined";
    case AA_TYPE_UNSET:
    case AA_TYPE_INVALID:
        break;
    }
    return NULL;
}

const char *aa_status_name(enum aa_status st)
{
    if ((unsigned)st >= AA_STATUS__COUNT)
        return "unknown";
    return status_names[st];
}

const char *aa_status_help(enum aa_status st)
{
    if ((unsigned)st >= AA_STATUS__COUNT)
        return "";
    return status_helps[st];
}

/* ---- declared profile -------------------------------------------------------- */

#define ANN_RUNTIME_DEFAULT "runtime/default"
#define ANN_UNCONFINED "unconfined"
#define ANN_LOCALHOST_PREFIX "localhost/"

static const char *const reason_bad_annotation =
    "annotation value is not runtime/default, unconfined or localhost/<name> "
    "(ignored by the kubelet)";
static const char *const reason_empty_annotation = "empty Localhost profile name in annotation";
static const char *const reason_localhost_no_name = "Localhost without localhostProfile";
static const char *const reason_bad_type =
    "appArmorProfile.type is not RuntimeDefault, Localhost or Unconfined";
static const char *const reason_no_type = "appArmorProfile without type";

static void note_invalid(struct aa_declared *out, const char *reason, const char *raw)
{
    if (out->invalid_reason)
        return; /* keep the first one met */
    out->invalid_reason = reason;
    out->invalid_raw = raw;
}

/* Parse an annotation value like the kubelet. Returns false for an invalid value. */
static bool parse_annotation(const char *v, enum aa_type *type, const char **profile)
{
    *profile = NULL;
    if (strcmp(v, ANN_RUNTIME_DEFAULT) == 0) {
        *type = AA_TYPE_RUNTIME_DEFAULT;
        return true;
    }
    if (strcmp(v, ANN_UNCONFINED) == 0) {
        *type = AA_TYPE_UNCONFINED;
        return true;
    }
    if (strncmp(v, ANN_LOCALHOST_PREFIX, sizeof ANN_LOCALHOST_PREFIX - 1) == 0) {
        *type = AA_TYPE_LOCALHOST;
        *profile = v + sizeof ANN_LOCALHOST_PREFIX - 1;
        return true;
    }
    *type = AA_TYPE_INVALID;
    return false;
}

static void take_spec(struct aa_declared *out, const struct aa_spec *spec, enum aa_source src)
{
    out->source = src;
    out->type = spec->type;
    out->profile = NULL;
    switch (spec->type) {
    case AA_TYPE_LOCALHOST:
        out->profile = spec->localhost;
        if (!spec->localhost || !*spec->localhost)
            note_invalid(out, reason_localhost_no_name, spec->raw);
        break;
    case AA_TYPE_INVALID:
        if (spec->raw && strcmp(spec->raw, "Localhost") == 0) {
            /* GetProfile returns the field as is: Localhost, no name */
            out->type = AA_TYPE_LOCALHOST;
            out->profile = NULL;
            note_invalid(out, reason_localhost_no_name, spec->raw);
        } else {
            note_invalid(out, spec->raw ? reason_bad_type : reason_no_type, spec->raw);
        }
        break;
    case AA_TYPE_UNSET:
    case AA_TYPE_RUNTIME_DEFAULT:
    case AA_TYPE_UNCONFINED:
        break;
    }
}

static const struct aa_annotation *find_annotation(const struct kube_pod *pod, const char *ctr)
{
    for (size_t i = 0; i < pod->aa_annotation_count; i++) {
        if (pod->aa_annotations[i].container && strcmp(pod->aa_annotations[i].container, ctr) == 0)
            return &pod->aa_annotations[i];
    }
    return NULL;
}

void aa_declared_resolve(const struct kube_pod *pod, const struct kube_container *ctr,
                         struct aa_declared *out)
{
    memset(out, 0, sizeof *out);
    out->is_privileged = ctr->is_privileged;
    if (pod->is_windows)
        return;
    out->is_applicable = true;

    const struct aa_annotation *ann = ctr->name ? find_annotation(pod, ctr->name) : NULL;
    enum aa_type ann_type = AA_TYPE_UNSET;
    const char *ann_profile = NULL;
    bool ann_valid = false;
    if (ann && ann->value) {
        out->annotation = ann->value;
        ann_valid = parse_annotation(ann->value, &ann_type, &ann_profile);
    }

    /* 1) the container's field */
    if (ctr->aa_field.type != AA_TYPE_UNSET) {
        take_spec(out, &ctr->aa_field, AA_SOURCE_CONTAINER);
        if (ann && !ann_valid)
            note_invalid(out, reason_bad_annotation, ann->value);
        if (ann_valid &&
            (ann_type != out->type || (ann_type == AA_TYPE_LOCALHOST &&
                                       (!out->profile || strcmp(ann_profile, out->profile) != 0))))
            out->has_conflict = true;
        return;
    }
    /* 2) the deprecated annotation; an invalid value is ignored by the kubelet */
    if (ann) {
        if (ann_valid) {
            out->source = AA_SOURCE_ANNOTATION;
            out->type = ann_type;
            out->profile = ann_profile;
            if (ann_type == AA_TYPE_LOCALHOST && !*ann_profile)
                note_invalid(out, reason_empty_annotation, ann->value);
            return;
        }
        note_invalid(out, reason_bad_annotation, ann->value);
    }
    /* 3) the pod's field */
    if (pod->aa_pod.type != AA_TYPE_UNSET) {
        take_spec(out, &pod->aa_pod, AA_SOURCE_POD);
        return;
    }
    /* 4) nothing: the runtime decides */
    out->type = AA_TYPE_UNSET;
    out->source = AA_SOURCE_UNSET;
}

const char *aa_declared_format(const struct aa_declared *d, char *buf, size_t len)
{
    if (!buf || len == 0)
        return buf;
    const char *src = aa_source_name(d->source);
    if (!d->is_applicable) {
        snprintf(buf, len, "n/a");
    } else {
        switch (d->type) {
        case AA_TYPE_UNSET:
            snprintf(buf, len, "%s",
                     d->is_privileged ? "unset (privileged: unconfined)"
                                      : "unset (runtime default)");
            break;
        case AA_TYPE_LOCALHOST:
            if (d->profile && *d->profile)
                snprintf(buf, len, "Localhost %s (%s)", d->profile, src);
            else
                snprintf(buf, len, "Localhost \"\" (%s)", src);
            break;
        case AA_TYPE_RUNTIME_DEFAULT:
        case AA_TYPE_UNCONFINED:
            snprintf(buf, len, "%s (%s)", aa_type_name(d->type), src);
            break;
        case AA_TYPE_INVALID:
            if (d->invalid_raw)
                snprintf(buf, len, "invalid \"%s\" (%s)", d->invalid_raw, src);
            else
                snprintf(buf, len, "invalid (%s)", src);
            break;
        }
    }
    return buf;
}

/* ---- blocked ----------------------------------------------------------------- */

#define NOT_FOUND_NEEDLE "apparmor profile not found"

/* Case-insensitive strstr (ASCII). */
static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    if (!hay)
        return NULL;
    for (const char *p = hay; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return p;
    }
    return NULL;
}

static void copy_span(char *buf, size_t len, const char *s, size_t n)
{
    if (n >= len)
        n = len - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
}

bool aa_extract_missing_profile(const char *msg, char *buf, size_t len)
{
    if (!buf || len == 0)
        return false;
    buf[0] = '\0';
    if (!msg)
        return false;
    const char *p = find_ci(msg, NOT_FOUND_NEEDLE);
    if (p) {
        p += sizeof NOT_FOUND_NEEDLE - 1;
        while (*p == ' ' || *p == ':')
            p++;
        if (*p == '"' || *p == '\'')
            p++;
        size_t n = 0;
        while (p[n] && !isspace((unsigned char)p[n]) && p[n] != '"' && p[n] != '\'' &&
               p[n] != ',' && p[n] != ';' && p[n] != ')')
            n++;
        copy_span(buf, len, p, n);
        return true;
    }
    /* kubelet <= 1.23: profile "<name>" is not loaded */
    p = strstr(msg, "profile \"");
    while (p) {
        const char *name = p + sizeof "profile \"" - 1;
        const char *end = strchr(name, '"');
        if (!end)
            break;
        if (strncmp(end, "\" is not loaded", sizeof "\" is not loaded" - 1) == 0) {
            copy_span(buf, len, name, (size_t)(end - name));
            return true;
        }
        p = strstr(end, "profile \"");
    }
    return false;
}

static bool str_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

bool aa_event_is_apparmor(const struct kube_event *ev)
{
    if (!ev || !str_eq(ev->type, "Warning") || !ev->reason)
        return false;
    if (strcmp(ev->reason, "AppArmor") == 0)
        return true;
    return strcmp(ev->reason, "Failed") == 0 && find_ci(ev->message, NOT_FOUND_NEEDLE);
}

static const char *const kind_field[3] = {"spec.containers{", "spec.initContainers{",
                                          "spec.ephemeralContainers{"};

/* -1: the fieldPath names no container (applies to the pod); 0: another
 * container; 1: this one. */
static int field_pins(const char *field, const struct kube_container *ctr)
{
    if (!field || !*field)
        return -1;
    for (int k = 0; k < 3; k++) {
        size_t n = strlen(kind_field[k]);
        if (strncmp(field, kind_field[k], n) != 0)
            continue;
        const char *name = field + n;
        const char *end = strchr(name, '}');
        if (!end)
            return -1;
        if ((int)ctr->kind != k || !ctr->name)
            return 0;
        size_t nl = (size_t)(end - name);
        return strlen(ctr->name) == nl && strncmp(ctr->name, name, nl) == 0 ? 1 : 0;
    }
    return -1;
}

static bool event_about_pod(const struct kube_event *ev, const struct kube_pod *pod)
{
    if (ev->involved_kind && strcmp(ev->involved_kind, "Pod") != 0)
        return false;
    if (!str_eq(ev->involved_ns, pod->ns) || !str_eq(ev->involved_name, pod->name))
        return false;
    if (ev->involved_uid && pod->uid && strcmp(ev->involved_uid, pod->uid) != 0)
        return false;
    return true;
}

/* Does this AppArmor event apply to ctr? */
static bool event_applies(const struct kube_event *ev, const struct kube_pod *pod,
                          const struct kube_container *ctr)
{
    if (!aa_event_is_apparmor(ev) || !event_about_pod(ev, pod))
        return false;
    int pin = field_pins(ev->involved_field, ctr);
    if (pin >= 0)
        return pin == 1;
    if (strcmp(ev->reason, "AppArmor") == 0)
        return true; /* pod rejected: every container */
    char name[256];
    if (!aa_extract_missing_profile(ev->message, name, sizeof name) || !*name)
        return false;
    struct aa_declared d;
    aa_declared_resolve(pod, ctr, &d);
    return d.type == AA_TYPE_LOCALHOST && str_eq(d.profile, name);
}

void aa_blocked_check_events(const struct kube_pod *pod, const struct kube_container *ctr,
                             const struct kube_event *const *events, size_t count,
                             struct aa_blocked *out)
{
    memset(out, 0, sizeof *out);
    if (pod->is_windows)
        return;

    /* the newest applicable event, for drill-down */
    for (size_t i = 0; i < count; i++) {
        const struct kube_event *ev = events[i];
        if (!ev || !event_applies(ev, pod, ctr))
            continue;
        if (!out->event || ev->last_seen > out->event_last_seen) {
            out->event = ev;
            out->event_count = ev->count;
            out->event_last_seen = ev->last_seen;
        }
    }

    if (ctr->state == KSTATE_WAITING &&
        (str_eq(ctr->state_reason, "CreateContainerError") ||
         str_eq(ctr->state_reason, "CreateContainerConfigError")) &&
        find_ci(ctr->state_message, NOT_FOUND_NEEDLE)) {
        out->is_blocked = true;
        out->cause = AA_BLOCK_STATUS;
        out->reason = ctr->state_reason;
        out->message = ctr->state_message;
        aa_extract_missing_profile(ctr->state_message, out->profile, sizeof out->profile);
    } else if (str_eq(pod->phase, "Failed") && str_eq(pod->reason, "AppArmor")) {
        out->is_blocked = true;
        out->cause = AA_BLOCK_REJECTED;
        out->reason = pod->reason;
        out->message = pod->message;
        aa_extract_missing_profile(pod->message, out->profile, sizeof out->profile);
    } else if (out->event && (ctr->state == KSTATE_WAITING || ctr->state == KSTATE_UNKNOWN) &&
               !str_eq(pod->phase, "Succeeded")) {
        out->is_blocked = true;
        out->cause = AA_BLOCK_EVENT;
        out->reason = out->event->reason;
        out->message = out->event->message;
        aa_extract_missing_profile(out->event->message, out->profile, sizeof out->profile);
    }
    if (out->is_blocked && !out->profile[0] && out->event)
        aa_extract_missing_profile(out->event->message, out->profile, sizeof out->profile);
}

void aa_blocked_check(const struct kube_pod *pod, const struct kube_container *ctr,
                      const struct kube_snapshot *snap, struct aa_blocked *out)
{
    const struct kube_event *stackbuf[64];
    const struct kube_event **evs = stackbuf;
    size_t n = 0;
    if (snap) {
        for (size_t i = 0; i < snap->events.count; i++) {
            const struct kube_event *ev = &snap->events.items[i];
            if (!aa_event_is_apparmor(ev) || !event_about_pod(ev, pod))
                continue;
            if (n == sizeof stackbuf / sizeof *stackbuf)
                break; /* more than 64 AppArmor events about one pod: newest among them */
            evs[n++] = ev;
        }
    }
    aa_blocked_check_events(pod, ctr, evs, n, out);
}

/* ---- status ------------------------------------------------------------------ */

static bool label_has(const char *label, const char *want)
{
    /* stacked labels: a//&b//&c */
    const char *p = label;
    size_t wl = strlen(want);
    while (p && *p) {
        const char *sep = strstr(p, "//&");
        size_t n = sep ? (size_t)(sep - p) : strlen(p);
        if (n == wl && strncmp(p, want, n) == 0)
            return true;
        p = sep ? sep + 3 : NULL;
    }
    return false;
}

static bool label_is_runtime_default(const char *label)
{
    static const char *const defaults[] = {"cri-containerd.apparmor.d", "crio-default",
                                           "docker-default"};
    for (size_t i = 0; i < sizeof defaults / sizeof *defaults; i++) {
        if (label_has(label, defaults[i]))
            return true;
    }
    return false;
}

enum aa_status aa_status_compute(const struct aa_declared *d, const struct aa_blocked *blocked,
                                 const struct aa_actual *actual)
{
    char label[512], mode[32];
    if (!d->is_applicable)
        return AA_STATUS_NA;
    if (blocked && blocked->is_blocked)
        return AA_STATUS_BLOCKED;
    if (!actual || !actual->label)
        return AA_STATUS_UNKNOWN;

    /* split "name (mode)" when mode was not given separately */
    snprintf(label, sizeof label, "%s", actual->label);
    snprintf(mode, sizeof mode, "%s", actual->mode ? actual->mode : "");
    size_t ll = strlen(label);
    if (!actual->mode && ll > 2 && label[ll - 1] == ')') {
        char *open = strrchr(label, '(');
        if (open && open > label && open[-1] == ' ') {
            label[ll - 1] = '\0';
            snprintf(mode, sizeof mode, "%s", open + 1);
            open[-1] = '\0';
        }
    }
    bool is_unconfined = strcmp(label, "unconfined") == 0 || strcmp(mode, "unconfined") == 0;
    bool want_unconfined =
        d->type == AA_TYPE_UNCONFINED || (d->type == AA_TYPE_UNSET && d->is_privileged);
    if (want_unconfined)
        return is_unconfined ? AA_STATUS_UNCONFINED : AA_STATUS_MISMATCH;
    if (is_unconfined)
        return AA_STATUS_MISMATCH;

    bool matches = false;
    switch (d->type) {
    case AA_TYPE_LOCALHOST:
        matches = d->profile && *d->profile && label_has(label, d->profile);
        break;
    case AA_TYPE_RUNTIME_DEFAULT:
    case AA_TYPE_UNSET:
        matches = label_is_runtime_default(label);
        break;
    case AA_TYPE_UNCONFINED:
    case AA_TYPE_INVALID:
        matches = false;
        break;
    }
    if (!matches)
        return AA_STATUS_MISMATCH;
    if (strcmp(mode, "complain") == 0)
        return AA_STATUS_COMPLAIN;
    return AA_STATUS_OK;
}
