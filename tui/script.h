/*
 * script: key scripts for headless runs and screen tests (tig's way). One
 * step per token; a file holds lines of:
 *   <Down> <Enter> <Esc> <Tab> <PgDn> ^Q q ...   keys (several per line)
 *   /text                                        filter: '/', the text typed, <Enter>
 *   :command args                                command line: ':', text, <Enter>
 *   /text<Esc>                                   a prompt line ending in a <Key> token:
 *                                                text and keys, no <Enter> added
 *                                                (<Lt> types a literal '<')
 *   <Resize 120x40>                              resize the virtual terminal
 *   <Wait-refresh>                               wait for the next refresh result
 *   <Wait-jobs>                                  wait until every profile job (source
 *                                                read, load, unload, mode) has answered,
 *                                                then for the refresh after it
 *   <Dump PATH>                                  write the screen to PATH (the harness's
 *                                                own step: works in kiosk mode too)
 *   <Wait-file PATH>                             wait (up to 60 s, refreshes still taken)
 *                                                until PATH exists: lets a test change
 *                                                the world between two dumps
 *   # comment, blank lines ignored
 * Plain text on other lines is typed key by key. Pure; no curses.
 */
#ifndef ARMORTOP_TUI_SCRIPT_H
#define ARMORTOP_TUI_SCRIPT_H

#include <stddef.h>

enum script_kind { SCRIPT_KEY, SCRIPT_RESIZE, SCRIPT_WAIT_REFRESH, SCRIPT_WAIT_JOBS, SCRIPT_DUMP,
                   SCRIPT_WAIT_FILE };

struct script_step {
    enum script_kind kind;
    int key;        /* SCRIPT_KEY: keymap key code */
    int rows, cols; /* SCRIPT_RESIZE */
    char *path;     /* SCRIPT_DUMP, SCRIPT_WAIT_FILE; owned */
    int line;       /* source line */
};

struct script {
    struct script_step *steps;
    size_t count, cap;
    size_t pos;     /* next step */
};

/* Parse text into s (appending). Returns 0, or -1 with "line N: reason" in
 * err on a bad token. */
int script_parse(struct script *s, const char *text, char *err, size_t err_len);
/* Read and parse a file ("-" = stdin). Returns 0 or -1 (err says why). */
int script_load(struct script *s, const char *path, char *err, size_t err_len);
void script_done(struct script *s);

#endif
