# `make demo`'s script as a test (included from tools/regent/CMakeLists.txt
# with the CLI target name in REGENT_CLI_TARGET): it checks its own story.
# The CLI's end-to-end tests live in tests/cli.
add_test(NAME cli.demo COMMAND ${CMAKE_SOURCE_DIR}/scripts/demo ${CMAKE_BINARY_DIR})
set_tests_properties(cli.demo PROPERTIES LABELS cli TIMEOUT 120
	ENVIRONMENT "REGENT=$<TARGET_FILE:${REGENT_CLI_TARGET}>")
