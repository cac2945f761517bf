/*
 * suggest: the AppArmor rule that would allow a denied access, as aa-logprof
 * would propose it (best effort). From a denial record (model.h) plus the
 * optional fields some records carry and armortop's record does not keep
 * (family, sock_type, signal, peer, fstype):
 *   file       open /etc/shadow r        ->  /etc/shadow r,
 *              mknod (c), unlink (d)     ->  w          append-only -> a
 *              exec x                    ->  /usr/bin/curl ix,  (note: or px / cx)
 *              link l, lock k, mmap m    ->  l, k, m
 *   capability capable net_admin         ->  capability net_admin,
 *   network    family inet, type raw     ->  network inet raw,   (unknown: network,)
 *   signal     send, signal term, peer X ->  signal (send) set=(term) peer=X,
 *   ptrace     read, peer X              ->  ptrace (read) peer=X,
 *   unix       connect, type stream      ->  unix (connect) type=stream,
 *   mount      mount /mnt, fstype tmpfs  ->  mount fstype=tmpfs -> /mnt/,
 *              umount /mnt               ->  umount /mnt/,
 * Paths with blanks or quotes are quoted. Pure: libc only, no allocation.
 */
#ifndef ARMORTOP_CORE_SUGGEST_H
#define ARMORTOP_CORE_SUGGEST_H

#include <stddef.h>

#include "model.h"

/* Fields of a raw audit record that struct agent_denial_record does not
 * keep; all may be NULL. */
struct suggest_extra {
    const char *family;    /* "inet", "inet6", "unix", ... */
    const char *sock_type; /* "stream", "dgram", "raw", ... */
    const char *signal;    /* "term", "kill", ... */
    const char *peer;      /* peer label of a signal/ptrace/unix record */
    const char *fstype;    /* mount */
};

struct suggestion {
    char rule[1200]; /* one rule, ending in ',' */
    char note[256];  /* a hint ("or px: run it under its own profile"), "" none */
};

/* Fill out with the rule allowing rec (extra may be NULL). Returns 0, or -1
 * when nothing sensible can be proposed (rule is then "", note says why). */
int suggest_rule(const struct agent_denial_record *rec, const struct suggest_extra *extra,
                 struct suggestion *out);

/* The AppArmor file permission letters for an audit mask ("rc" -> "rw",
 * "x" -> "ix", "wa" -> "w"). Unknown letters are dropped. buf gets "" when
 * nothing is left. Returns buf. */
const char *suggest_file_perms(const char *mask, char *buf, size_t len);

#endif
