# `cmake --install` puts graphc, its libraries, headers and a CMake package
# under the prefix, so another project can find_package(graphc) and compile
# its own model file into a trainer with graphc_add_trainer().
include(CMakePackageConfigHelpers)

set(graphc_libraries graphc_ir graphc_frontend graphc_passes graphc_runtime graphc_codegen graphc_compiler graphc_main
    graphc_trainer_main)
install(TARGETS graphc ${graphc_libraries}
  EXPORT graphcTargets
  RUNTIME DESTINATION bin
  ARCHIVE DESTINATION lib
  INCLUDES DESTINATION include/graphc)
foreach(layer ir frontend passes runtime codegen tools)
  install(DIRECTORY ${CMAKE_SOURCE_DIR}/${layer}/ DESTINATION include/graphc/${layer}
    FILES_MATCHING PATTERN "*.h" PATTERN "*.def")
endforeach()
install(EXPORT graphcTargets NAMESPACE graphc:: DESTINATION lib/cmake/graphc)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/graphcConfig.cmake.in
  ${CMAKE_BINARY_DIR}/graphcConfig.cmake INSTALL_DESTINATION lib/cmake/graphc)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/graphcConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/graphcConfig.cmake ${CMAKE_BINARY_DIR}/graphcConfigVersion.cmake
  DESTINATION lib/cmake/graphc)
