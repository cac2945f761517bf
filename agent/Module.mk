# armortop-agent: explicit object list.
AGENT_OBJS += agent/agent_main.o agent/agent_http.o agent/agent_auth.o agent/agent_profiles.o
AGENT_OBJS += agent/agent_denials.o agent/agent_exec.o agent/agent_json.o agent/agent_log.o
# libcurl and libyaml opened on first use (idle footprint; see agent_dl.c)
AGENT_OBJS += agent/agent_dl.o
