# Tests: each entry is a cmocka program built from <name>.c plus the support objects.
TEST_SUPPORT_OBJS += tests/harness.o
UNIT_TESTS +=
INTEGRATION_TESTS +=
UNIT_TESTS += tests/unit/test_cli
tests/unit/test_cli: tui/cli.o
INTEGRATION_TESTS += tests/integration/test_once
UNIT_TESTS += tests/unit/test_kubeconfig
UNIT_TESTS += tests/unit/test_http
INTEGRATION_TESTS += tests/integration/test_kube_client
UNIT_TESTS += tests/unit/test_json_k8s tests/unit/test_model tests/unit/test_confinement tests/unit/test_views
tests/unit/test_confinement: tests/unit/yaml_pod.o
tests/unit/test_confinement: TEST_SUPPORT_OBJS += tests/unit/yaml_pod.o
UNIT_TESTS += tests/unit/test_cgroup tests/unit/test_procscan tests/unit/test_aafs
UNIT_TESTS += tests/unit/test_denial tests/unit/test_aa_label
INTEGRATION_TESTS += tests/integration/test_sim
INTEGRATION_TESTS += tests/integration/test_agent
# TUI (screen manager, panes, themes): logic tested without a terminal, screens headless.
UNIT_TESTS += tests/unit/test_layout tests/unit/test_theme tests/unit/test_filter
UNIT_TESTS += tests/unit/test_keymap tests/unit/test_actions
tests/unit/test_layout: tui/layout.o tui/table.o tui/text.o tui/filter.o
tests/unit/test_theme: tui/theme_parse.o tui/theme_default.o
tests/unit/test_filter: $(TUI_LOGIC_OBJS)
tests/unit/test_keymap: tui/keymap.o tui/script.o tui/text.o
tests/unit/test_actions: tui/keymap.o tui/text.o
INTEGRATION_TESTS += tests/integration/test_screens
# Suggested rules for denials (core/suggest) and the TUI's profile-text helpers.
UNIT_TESTS += tests/unit/test_suggest tests/unit/test_agent_gate
tests/unit/test_suggest: tui/profile_text.o
# End-to-end runs under tmux (skip without tmux).
INTEGRATION_TESTS += tests/integration/test_tui_tmux
# Kubernetes auth for the agent (TokenReview + SubjectAccessReview).
UNIT_TESTS += tests/unit/test_kube_authn
tests/unit/test_kube_authn: agent/agent_auth.o agent/agent_log.o
INTEGRATION_TESTS += tests/integration/test_agent_authn
INTEGRATION_TESTS += tests/integration/test_agent_client
INTEGRATION_TESTS += tests/integration/test_sim_nodes
# armortop-sim's lightweight in-process agents (--lite-agents).
INTEGRATION_TESTS += tests/integration/test_sim_lite
# Fuzzing (tests/fuzz/run.sh, `make fuzz`): every input kept under
# tests/fuzz/regressions/ (and the seeds) replayed through the targets' entry
# points, built here with the normal compiler and -DFUZZ_REPLAY.
FUZZ_REPLAY_OBJS = $(patsubst %.c,%.replay.o,$(wildcard tests/fuzz/fuzz_*.c))
UNIT_TESTS += tests/unit/test_fuzz_regressions
tests/unit/test_fuzz_regressions: $(FUZZ_REPLAY_OBJS) tui/theme_parse.o tui/theme_default.o
tests/unit/test_fuzz_regressions: agent/agent_auth.o agent/agent_profiles.o agent/agent_denials.o
tests/unit/test_fuzz_regressions: agent/agent_exec.o agent/agent_json.o agent/agent_log.o
tests/fuzz/%.replay.o: tests/fuzz/%.c config.h
	$(quiet) CC $@
	$(Q)$(CC) $(ALL_CFLAGS) -DFUZZ_REPLAY -Iagent -Itui -MMD -MP -c -o $@ $<
-include $(FUZZ_REPLAY_OBJS:.o=.d)
# Security: the agent's authentication, validation and limits, TUI terminal
# injection, kiosk/read-only never mutating (tests/integration/test_security.c).
INTEGRATION_TESTS += tests/integration/test_security
tests/integration/test_security: tui/text.o
INTEGRATION_TESTS += tests/integration/test_faults_api
INTEGRATION_TESTS += tests/integration/test_faults_agents
