# armortop (the TUI and --once): explicit object list.
TUI_OBJS += tui/main.o tui/cli.o tui/once.o
