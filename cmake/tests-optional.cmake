# The unit and simulation tests need cmocka. A plain `cmake -S . -B build`
# without it still builds the library, the CLI and the other tests, and says
# which tests it skipped; `make test` passes -DREGENT_REQUIRE_TESTS=ON, so a
# missing cmocka fails there instead of passing with fewer tests.
option(REGENT_REQUIRE_TESTS "Fail when cmocka (unit and sim tests) is missing" OFF)
find_library(CMOCKA_LIB cmocka)
if(NOT CMOCKA_LIB)
	if(REGENT_REQUIRE_TESTS)
		message(FATAL_ERROR "cmocka not found: the unit and simulation tests need it "
			"(libcmocka-dev; scripts/install-deps test)")
	endif()
	message(WARNING "cmocka not found (libcmocka-dev): the unit and simulation tests "
		"(tests/unit, tests/sim) are SKIPPED in this build; `make test` requires them")
	set(REGENT_HAVE_CMOCKA OFF)
else()
	set(REGENT_HAVE_CMOCKA ON)
endif()
