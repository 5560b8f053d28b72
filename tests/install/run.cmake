# Installs mimeo from BINARY_DIR into a scratch prefix, then builds and runs
# the consumer project beside this script against it with find_package.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BINARY_DIR}
                        --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "install failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/install
                        -B ${WORK_DIR}/build
                        -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the consumer failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the consumer failed")
endif()
execute_process(COMMAND ${WORK_DIR}/build/consumer RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "the consumer failed")
endif()

# The same consumer built without CMake, with the flags of the installed
# mimeo.pc (pkg-config), as a Makefile would.
if(NOT CXX)
  return()
endif()
file(GLOB_RECURSE pc_files ${WORK_DIR}/prefix/*/mimeo.pc)
list(LENGTH pc_files n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one installed mimeo.pc, found: ${pc_files}")
endif()
get_filename_component(pc_dir ${pc_files} DIRECTORY)
set(ENV{PKG_CONFIG_PATH} ${pc_dir})
foreach(what modversion cflags libs)
  execute_process(COMMAND pkg-config --${what} mimeo
                  OUTPUT_VARIABLE pc_${what} OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "pkg-config --${what} mimeo failed")
  endif()
endforeach()
separate_arguments(pc_cflags UNIX_COMMAND "${pc_cflags}")
separate_arguments(pc_libs UNIX_COMMAND "${pc_libs}")
execute_process(COMMAND ${CXX} -std=c++20
                        -DMIMEO_PACKAGE_VERSION="${pc_modversion}"
                        ${pc_cflags} ${SOURCE_DIR}/tests/install/consumer.cc
                        ${pc_libs} -o ${WORK_DIR}/consumer_pc
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the consumer with pkg-config's flags failed")
endif()
execute_process(COMMAND ${WORK_DIR}/consumer_pc RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "the consumer built with pkg-config's flags failed")
endif()
