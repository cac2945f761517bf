# core/libcore.a: explicit object list. Owners add their own lines.
CORE_OBJS += core/xalloc.o core/kerr.o core/strbuf.o core/log.o
CORE_OBJS += core/cluster.o
