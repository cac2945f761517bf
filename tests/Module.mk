# Tests: each entry is a cmocka program built from <name>.c plus the support objects.
TEST_SUPPORT_OBJS += tests/harness.o
UNIT_TESTS +=
INTEGRATION_TESTS +=
UNIT_TESTS += tests/unit/test_cli
tests/unit/test_cli: tui/cli.o
INTEGRATION_TESTS += tests/integration/test_once
