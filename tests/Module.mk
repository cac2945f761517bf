# Tests: each entry is a cmocka program built from <name>.c plus the support objects.
TEST_SUPPORT_OBJS += tests/harness.o
UNIT_TESTS +=
INTEGRATION_TESTS +=
