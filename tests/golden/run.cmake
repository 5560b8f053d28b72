# Runs the mimeo command and compares its stdout with a golden file.
#   -DMIMEO=<binary> -DARGS=<;-list> -DGOLDEN=<file> [-DWORKDIR=<dir>]
#   [-DUPDATE=1 rewrites the golden file]
if(NOT WORKDIR)
  set(WORKDIR .)
endif()
execute_process(COMMAND ${MIMEO} ${ARGS}
                WORKING_DIRECTORY ${WORKDIR}
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mimeo exited with ${rc}")
endif()
if(UPDATE)
  file(WRITE ${GOLDEN} "${out}")
endif()
file(READ ${GOLDEN} want)
if(NOT out STREQUAL want)
  message(FATAL_ERROR "output differs from ${GOLDEN}:\n${out}")
endif()
