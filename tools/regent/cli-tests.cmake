# End-to-end tests of the regent CLI (included from tools/regent/CMakeLists.txt
# with the CLI target name in REGENT_CLI_TARGET): every transport against
# `regent registrar`, exit codes, signals, password sources; and `make demo`'s
# script, which checks its own story.
add_test(NAME cli.e2e COMMAND ${CMAKE_CURRENT_LIST_DIR}/test-cli-e2e
	$<TARGET_FILE:${REGENT_CLI_TARGET}>)
set_tests_properties(cli.e2e PROPERTIES LABELS cli TIMEOUT 180)
add_test(NAME cli.demo COMMAND ${CMAKE_SOURCE_DIR}/scripts/demo ${CMAKE_BINARY_DIR})
set_tests_properties(cli.demo PROPERTIES LABELS cli TIMEOUT 120
	ENVIRONMENT "REGENT=$<TARGET_FILE:${REGENT_CLI_TARGET}>")
