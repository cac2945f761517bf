# bench/: helper programs for `make bench` (bench/run.sh). Not installed.
#   bench_floor    one libcurl handle fetching every pods page sequentially (transfer floor)
#   bench_denials  denial throughput: agent path vs bare libapparmor parse_record
#   bench_agents   agent fan-out: discover and poll every agent through the pods proxy
BENCH_PROGS = bench/bench_floor bench/bench_denials bench/bench_agents
BENCH_OBJS = $(BENCH_PROGS:=.o)

$(BENCH_PROGS): %: %.o core/libcore.a
	$(quiet) LINK $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) core/libcore.a $(LIBS)

bench/bench_denials: agent/agent_denials.o agent/agent_json.o agent/agent_log.o

bench: $(BENCH_PROGS)

.PHONY: bench-clean
clean: bench-clean
bench-clean:
	rm -f $(BENCH_PROGS) $(BENCH_OBJS) $(BENCH_OBJS:.o=.d)

-include $(BENCH_OBJS:.o=.d)
