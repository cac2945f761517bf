# armortop (the TUI and --once): explicit object list.
TUI_OBJS += tui/main.o
