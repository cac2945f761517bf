/*
 * aa_label: AppArmor label text ("confinement context") split into its parts,
 * the way libapparmor's aa_splitcon() and the kernel's aa_label_snxprint()
 * agree on (TECHNOTES 1): one optional mode suffix " (mode)" for the whole
 * label, found at the LAST " (", components joined by "//&", a component in
 * a sub-namespace written ":ns:profile" (or ":ns://profile"), hats and
 * children "parent//child" kept inside the component name. Bare "unconfined"
 * has no mode. Used for /proc/<pid>/attr/apparmor/current, the lines of
 * apparmorfs "profiles", and denial records' profile= / label=.
 *
 * Depends on libc, xalloc and kerr only (not on libapparmor). Must not print
 * or exit.
 */
#ifndef ARMORTOP_CORE_AA_LABEL_H
#define ARMORTOP_CORE_AA_LABEL_H

#include <stdbool.h>
#include <stddef.h>

#include "kerr.h"

#define AA_LABEL_MODE_LIST(_)                                                                      \
    _(AA_LABEL_MODE_NONE, "") /* no suffix (bare unconfined) */                                    \
    _(AA_LABEL_MODE_ENFORCE, "enforce")                                                            \
    _(AA_LABEL_MODE_COMPLAIN, "complain")                                                          \
    _(AA_LABEL_MODE_KILL, "kill")                                                                  \
    _(AA_LABEL_MODE_UNCONFINED, "unconfined")                                                      \
    _(AA_LABEL_MODE_USER, "user")                                                                  \
    _(AA_LABEL_MODE_MIXED, "mixed")                                                                \
    _(AA_LABEL_MODE_UNKNOWN, "unknown") /* see aa_label.mode_str */

#define AA_LABEL_ENUM_(id, name) id,
enum aa_label_mode { AA_LABEL_MODE_LIST(AA_LABEL_ENUM_) AA_LABEL_MODE__COUNT };
#undef AA_LABEL_ENUM_

struct aa_label_component {
    char *ns;   /* owned; policy namespace without colons, NULL for the current one */
    char *name; /* owned; profile name, may hold "//" for hats and children */
};

struct aa_label {
    enum aa_label_mode mode;
    char *mode_str;                        /* owned; the text between "(" and ")", NULL when none */
    struct aa_label_component *components; /* owned array, component_count >= 1 after a parse */
    size_t component_count;
    bool is_unconfined; /* every component is "unconfined" */
    bool is_stacked;    /* more than one component */
};

/*
 * Parse con (borrowed; one trailing '\n' ignored) into out, which is
 * initialised first and must be released with aa_label_done() whatever the
 * return. Returns 0, -KERR_INVAL (con or out NULL), or -KERR_PARSE: empty,
 * neither "unconfined" nor ending in " (mode)", an empty component ("a//&",
 * "//&b"), or a malformed namespace (":ns" without its second colon, "::p").
 */
int aa_label_parse(const char *con, struct aa_label *out);

/* Free what out owns and zero it. Accepts NULL; safe twice. */
void aa_label_done(struct aa_label *l);

/*
 * Does the label hold the profile `name`? name uses the same component syntax:
 * "p" matches a component named p in the current namespace (ns NULL),
 * ":ns:p" one named p in namespace ns. Hats are distinct profiles:
 * "parent//hat" does not hold "parent". False on NULL arguments.
 */
bool aa_label_has_profile(const struct aa_label *l, const char *name);

/* Static mode name ("enforce", "" for NONE); never NULL. */
const char *aa_label_mode_name(enum aa_label_mode mode);

#endif
