# Installs the graphc build at BUILD_DIR into a fresh prefix, builds the
# consumer project beside this file against it, and runs the trainer it made.
set(work ${BUILD_DIR}/install-test)
file(REMOVE_RECURSE ${work})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${work}/prefix
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "cmake --install failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${CMAKE_CURRENT_LIST_DIR} -B ${work}/build -G Ninja
                        -DCMAKE_PREFIX_PATH=${work}/prefix
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc)
  message(FATAL_ERROR "configuring the consumer project failed:\n${out}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${work}/build RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc)
  message(FATAL_ERROR "building the consumer project failed:\n${out}")
endif()
execute_process(COMMAND ${work}/build/train_tiny_classifier --help RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(rc OR NOT out MATCHES "tiny_classifier")
  message(FATAL_ERROR "the installed trainer did not run:\n${out}")
endif()
file(REMOVE_RECURSE ${work})
