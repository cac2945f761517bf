# armortop-sim: explicit object list.
SIM_OBJS += sim/sim_main.o
