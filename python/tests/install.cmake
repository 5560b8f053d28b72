# Installs the python component of the build in BINARY_DIR into a scratch
# DESTDIR under WORK_DIR and imports the package from there with PYTHON.
# INSTALL_DIR is MIMEO_PYTHON_INSTALL_DIR (absolute, or relative to the
# prefix, which is then WORK_DIR/prefix).
file(REMOVE_RECURSE ${WORK_DIR})
if(IS_ABSOLUTE "${INSTALL_DIR}")
  set(_site ${WORK_DIR}/destdir${INSTALL_DIR})
  set(_prefix_args)
else()
  set(_site ${WORK_DIR}/destdir${WORK_DIR}/prefix/${INSTALL_DIR})
  set(_prefix_args --prefix ${WORK_DIR}/prefix)
endif()
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env DESTDIR=${WORK_DIR}/destdir
    ${CMAKE_COMMAND} --install ${BINARY_DIR} --component python ${_prefix_args}
  RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install --component python failed: ${rc}")
endif()
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env PYTHONPATH=${_site} PYTHONDONTWRITEBYTECODE=1
    ${PYTHON} -c "import mimeo, mimeo.datasketch, pathlib, sys; \
assert pathlib.Path(mimeo.__file__).is_relative_to(sys.argv[1]), mimeo.__file__; \
e = mimeo.Engine(); e.add('a', 'one two three four five six'); \
assert [m.id for m in e.query('one two three four five six')] == ['a']; \
print('imported', mimeo.__file__)" ${_site}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the installed package does not import: ${rc}")
endif()
