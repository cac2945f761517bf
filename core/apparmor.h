/*
 * apparmor: the thin layer over libapparmor, so that nothing else in the tree
 * includes <sys/apparmor.h> or <aalogparse/aalogparse.h>.
 *
 * It answers "is AppArmor enabled here, and if not why", runs libapparmor
 * 3.0.x's log parser (parse_record) for core/denial, and writes compiled
 * policy to an apparmorfs directory (.replace / .remove) through libapparmor's
 * kernel interface, for the agent. No libapparmor type crosses this header.
 *
 * Depends on libc, libapparmor, xalloc and kerr. Must not print or exit.
 * libapparmor 3.0.8's parse_record() keeps its state in a global, so calls
 * into it are serialised by a lock here.
 */
#ifndef ARMORTOP_CORE_APPARMOR_H
#define ARMORTOP_CORE_APPARMOR_H

#include <stddef.h>

#include "kerr.h"

struct aa_denial;

/*
 * Is AppArmor enabled on this machine (aa_is_enabled())? Returns 1 when it is,
 * else 0 with the reason's errno in *errno_out (may be NULL): ENOSYS, ECANCELED,
 * ENOENT, EBUSY, EPERM/EACCES; 0 there when enabled. Reads /sys; does not block.
 */
int aa_enabled(int *errno_out);

/* A static human reason for an aa_enabled() errno: ENOSYS "AppArmor not in the
 * kernel", ECANCELED "disabled at boot", ENOENT "securityfs not mounted", EBUSY
 * "private interfaces only", EPERM/EACCES "no permission", 0 "enabled". Never NULL. */
const char *aa_enabled_reason(int errno_value);

/*
 * Run libapparmor's parse_record() on writable_line (NUL-terminated; libapparmor
 * wants a char *, it is not modified as far as 3.0.8 goes) and copy the result
 * into out, which the caller has initialised with aa_denial_init() and owns.
 * Mapping: event as is, pid/peer_pid/parent/ports 0 -> -1, fsuid/ouid
 * (unsigned long)-1 -> -1, audit_id's milliseconds into epoch_ms; rule_class,
 * capname, execpath, net_addr, peer_addr and capability stay absent (3.0.8 has
 * no such members). out->parsed_by is set to DENIAL_BY_LIBAPPARMOR.
 * Returns 0 when libapparmor read a record (event not INVALID), 1 when it said
 * INVALID (out then holds whatever partial fields it set) or when the line is
 * longer than 12 KB (not given to libapparmor at all: 3.0.8 corrupts its heap
 * on 16 KB tokens; the kernel writes at most 8970 bytes) or when libapparmor
 * could not be run (out of memory, or a C library other than glibc: see
 * apparmor.c on its scanner writing to stdout); -KERR_INVAL on NULL arguments.
 * Never writes to stdout or stderr.
 */
int aa_parse_record_line(char *writable_line, struct aa_denial *out);

/*
 * Replace (or load) compiled policy: write blob (len bytes, the output of
 * `apparmor_parser -S/-o`, starting "\x04\x08\x00version") to
 * <apparmorfs_dir>/.replace through aa_kernel_interface. features_file is a
 * features file or directory (e.g. /usr/share/apparmor-features/features or
 * <apparmorfs>/features); it decides whether the blob goes in one write.
 * apparmorfs_dir may be a real apparmorfs or any directory holding .replace
 * (tests). Borrowed arguments. Returns 0, -KERR_INVAL (NULL, len 0),
 * -KERR_NOTFOUND (no such directory or features file), -KERR_IO (the write
 * failed; err->msg holds the errno text, err->where the path).
 */
int aa_policy_replace(const char *apparmorfs_dir, const char *features_file, const void *blob,
                      size_t len, struct kerr *err);

/*
 * Remove a loaded profile or namespace by name (`name`, `:ns:name`, `:ns://name`,
 * `:ns:`): writes fqname plus its NUL to <apparmorfs_dir>/.remove. Tasks
 * confined by it become unconfined. Same arguments and returns as
 * aa_policy_replace; -KERR_NOTFOUND also when the kernel says the profile is
 * not loaded (ENOENT).
 */
int aa_policy_remove(const char *apparmorfs_dir, const char *features_file, const char *fqname,
                     struct kerr *err);

#endif
