# tests/support: what the unit tests, the simulations and the benchmarks share
# — sim_rng (a seeded PRNG) and fake_env (a virtual clock and that PRNG as a
# regent_env). Included by tests/unit, tests/sim and bench; made once.
if(TARGET regent_test_support)
	return()
endif()
add_library(regent_test_support STATIC
	${CMAKE_SOURCE_DIR}/tests/support/sim_rng.c
	${CMAKE_SOURCE_DIR}/tests/support/fake_env.c)
target_include_directories(regent_test_support PUBLIC ${CMAKE_SOURCE_DIR}/tests/support
	${CMAKE_SOURCE_DIR}/include)
