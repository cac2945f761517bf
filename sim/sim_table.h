/*
 * sim_table: server-side printing for armortop-sim, the meta.k8s.io/v1 Table
 * that kubectl asks for (Accept: ...;as=Table) so that `kubectl get` prints the
 * columns a real cluster prints. Rows come from the fields kept beside each
 * object's JSON, not from parsing it. Depends on core/strbuf and sim_store.
 */
#ifndef ARMORTOP_SIM_SIM_TABLE_H
#define ARMORTOP_SIM_SIM_TABLE_H

#include <stdint.h>

#include "sim_store.h"
#include "strbuf.h"

/* Append the JSON array of column definitions for kind. */
void sim_table_columns(struct strbuf *sb, enum sim_kind kind);
/* Append one row object (cells plus PartialObjectMetadata); now is epoch seconds. */
void sim_table_row(struct strbuf *sb, const struct sim_obj *o, int64_t now);

#endif
