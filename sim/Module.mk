# armortop-sim: explicit object list.
SIM_OBJS += sim/sim_main.o sim/sim_store.o sim/sim_gen.o sim/sim_http.o sim/sim_table.o \
            sim/sim_tls.o sim/sim_util.o sim/sim_nodes.o sim/sim_kernel.o sim/sim_denials.o \
            sim/sim_auth.o sim/sim_lite.o
