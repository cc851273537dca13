# Install rules beyond the library itself (included at the end of the top-level
# CMakeLists.txt): the man page, a pkg-config file and a CMake package config,
# so that `make install` gives C programs both `pkg-config --cflags --libs regent`
# and `find_package(regent CONFIG)` -> regent::regent.
include(CMakePackageConfigHelpers)

install(FILES ${CMAKE_SOURCE_DIR}/docs/regent.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# pkg-config: relocatable (prefix found from the .pc file's own place, so
# `cmake --install --prefix DIR` works), unless the install dirs are absolute.
file(RELATIVE_PATH REGENT_PC_UP "/r/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/r")
string(REGEX REPLACE "/$" "" REGENT_PC_UP "${REGENT_PC_UP}")
set(REGENT_PC_PREFIX "\${pcfiledir}/${REGENT_PC_UP}")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
	set(REGENT_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
	set(REGENT_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
	set(REGENT_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
	set(REGENT_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${CMAKE_SOURCE_DIR}/cmake/regent.pc.in ${CMAKE_BINARY_DIR}/regent.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/regent.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

set(REGENT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/regent)
install(EXPORT regentTargets NAMESPACE regent:: DESTINATION ${REGENT_CMAKE_DIR})
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/regentConfig.cmake.in
	${CMAKE_BINARY_DIR}/regentConfig.cmake INSTALL_DESTINATION ${REGENT_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/regentConfigVersion.cmake
	VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/regentConfig.cmake ${CMAKE_BINARY_DIR}/regentConfigVersion.cmake
	DESTINATION ${REGENT_CMAKE_DIR})
