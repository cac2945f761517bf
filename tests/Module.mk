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
