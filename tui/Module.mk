# armortop (the TUI and --once): explicit object list.
TUI_OBJS += tui/main.o tui/cli.o tui/once.o
# The pure logic (no curses calls): what the unit tests link.
TUI_LOGIC_OBJS = tui/script.o tui/keymap.o tui/layout.o tui/text.o tui/table.o tui/filter.o \
                 tui/tmodel.o tui/pane.o tui/pane_pods.o tui/pane_nodes.o tui/pane_findings.o \
                 tui/pane_profiles.o tui/pane_denials.o tui/pane_detail.o tui/pane_help.o \
                 tui/pane_lines.o tui/pane_node.o tui/pane_profile.o tui/pane_denial.o tui/pane_results.o \
                 tui/profile_text.o tui/theme_parse.o tui/theme_default.o
TUI_OBJS += $(TUI_LOGIC_OBJS) tui/screen.o tui/worker.o tui/pane_draw.o tui/theme.o

# The built-in themes: themes/default.theme (and mono.theme, used without
# colours) compiled into C strings (tig's way), so the binary needs no
# installed files.
THEME_C_STRING = sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/'
tui/theme_default.c: themes/default.theme themes/mono.theme tui/Module.mk
	$(quiet) GEN $@
	$(Q){ echo '/* Generated from themes/default.theme and themes/mono.theme by tui/Module.mk. */'; \
	  echo '/* Do not edit. */'; \
	  echo '#include "config.h"'; echo '#include "theme_parse.h"'; \
	  echo 'const char theme_default_text[] ='; $(THEME_C_STRING) themes/default.theme; \
	  echo '    "";'; \
	  echo 'const char theme_mono_text[] ='; $(THEME_C_STRING) themes/mono.theme; \
	  echo '    "";'; } > $@.tmp && mv $@.tmp $@
