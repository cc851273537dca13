# libregent as a shared library next to the static one (-DREGENT_SHARED=ON):
# the same sources, include directories and dependencies as the `regent`
# target of the top-level CMakeLists.txt; installed as libregent.so.<version>
# with its SONAME, exported as regent::regent_shared. `pkg-config --libs
# regent` then links the shared one (the linker prefers .so to .a).
option(REGENT_SHARED "Also build libregent as a shared library" OFF)
if(REGENT_SHARED)
	add_library(regent_shared SHARED ${REGENT_SOURCES})
	set_target_properties(regent_shared PROPERTIES OUTPUT_NAME regent
		VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
		PUBLIC_HEADER include/regent.h)
	target_include_directories(regent_shared
		PUBLIC $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>
		PRIVATE ${CMAKE_SOURCE_DIR}/src)
	target_link_libraries(regent_shared PUBLIC OpenSSL::SSL OpenSSL::Crypto PkgConfig::CARES)
	if(WSLAY_FOUND)
		target_link_libraries(regent_shared PUBLIC PkgConfig::WSLAY)
	else()
		target_link_libraries(regent_shared PUBLIC wslay)
	endif()
	install(TARGETS regent_shared EXPORT regentTargets
		LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
		PUBLIC_HEADER DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endif()
