/*
 * actions: the read-only gate (see actions.h). A few comparisons on purpose:
 * a gate that is easy to read is easy to trust. Depends only on libc and kerr.
 */
#include "config.h"
#include "actions.h"

#include <stddef.h>

#define ACTION_CLASS_NAME_(id, name, help) name,
static const char *const class_names[] = { ACTION_CLASS_LIST(ACTION_CLASS_NAME_) };
#undef ACTION_CLASS_NAME_

const char *action_class_name(enum action_class cls)
{
    if ((int)cls < 0 || cls >= ACTION_CLASS__COUNT)
        return "unknown";
    return class_names[cls];
}

int actions_check(const struct actions_ctx *ctx, const struct action_desc *act, struct kerr *err)
{
    if (!act || (int)act->cls < 0 || act->cls >= ACTION_CLASS__COUNT)
        return kerr_set(err, KERR_INVAL, "unknown action");
    const char *name = act->name ? act->name : action_class_name(act->cls);
    if (!ctx)
        return 0;
    if (ctx->is_kiosk && act->cls != ACTION_CLASS_EXIT_KEY)
        return kerr_set(err, KERR_FORBIDDEN, "kiosk: %s disabled", name);
    if (ctx->is_readonly && act->cls == ACTION_CLASS_MUTATE)
        return kerr_set(err, KERR_FORBIDDEN, "read-only: %s disabled", name);
    return 0;
}

bool actions_allowed(const struct actions_ctx *ctx, const struct action_desc *act)
{
    return actions_check(ctx, act, NULL) == 0;
}
