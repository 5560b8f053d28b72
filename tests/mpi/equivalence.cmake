# mimeo-mpi gives the bytes mimeo gives: runs `mimeo ARGS INPUT -o ref` and
# `mpiexec -np N mimeo-mpi ARGS INPUT -o out.N` for every N in NP, and
# compares the files byte for byte.
#
#   cmake -DMIMEO=... -DMIMEO_MPI=... -DMPIEXEC=... -DARGS="cluster;--format;csv"
#         -DINPUT=dir-or-file -DNP="1;2;3;4" -DWORK_DIR=... [-DGEN=mimeo_gen
#         -DGEN_FROM=dir -DGEN_DOCS=n -DGEN_DIR=dir] [-DMPI_ARGS=...
#         -DEXPECT_MORE_THAN_ONE_ROUND=ON] -P equivalence.cmake
#
# MPI_ARGS go to mimeo-mpi alone (--exchange-bytes, --verbose). With
# EXPECT_MORE_THAN_ONE_ROUND, runs on 2 ranks and more must say (--verbose)
# that an exchange took more than one round.
#
# With GEN, the input is GEN_DIR/docs.jsonl, generated first (mimeo_gen
# --from GEN_FROM) unless it is there. Prints "skipped: ..." when the input is absent.
if(GEN)
  if(NOT IS_DIRECTORY "${GEN_FROM}")
    message("skipped: ${GEN_FROM} is absent")
    return()
  endif()
  set(INPUT "${GEN_DIR}/docs.jsonl")
  if(NOT EXISTS "${INPUT}")
    execute_process(
      COMMAND "${GEN}" --from "${GEN_FROM}" --out "${GEN_DIR}"
              --docs ${GEN_DOCS} --seed 1
      RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "mimeo_gen failed (${rc}): ${err}")
    endif()
  endif()
endif()
if(NOT EXISTS "${INPUT}")
  message("skipped: ${INPUT} is absent")
  return()
endif()
file(MAKE_DIRECTORY "${WORK_DIR}")
execute_process(
  COMMAND "${MIMEO}" ${ARGS} "${INPUT}" --quiet -o "${WORK_DIR}/ref"
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mimeo ${ARGS} failed (${rc}): ${err}")
endif()
file(SIZE "${WORK_DIR}/ref" ref_size)
if(ref_size EQUAL 0)
  message(FATAL_ERROR "mimeo ${ARGS} wrote nothing: nothing to compare")
endif()
foreach(n IN LISTS NP)
  file(REMOVE "${WORK_DIR}/out.${n}")
  execute_process(
    COMMAND "${MPIEXEC}" --oversubscribe -np ${n} "${MIMEO_MPI}" ${ARGS}
            ${MPI_ARGS} "${INPUT}" --quiet -o "${WORK_DIR}/out.${n}"
    RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "mimeo-mpi on ${n} ranks failed (${rc}): ${err}")
  endif()
  if(EXPECT_MORE_THAN_ONE_ROUND AND n GREATER 1)
    if(NOT err MATCHES "at most ([0-9]+) rounds in one exchange")
      message(FATAL_ERROR "mimeo-mpi --verbose did not count its rounds:\n${err}")
    endif()
    if(CMAKE_MATCH_1 LESS 2)
      message(FATAL_ERROR "on ${n} ranks no exchange took more than one "
        "round (${CMAKE_MATCH_1}): the rounds are not tested")
    endif()
    message(STATUS "${n} ranks: at most ${CMAKE_MATCH_1} rounds in one exchange")
  endif()
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -E compare_files "${WORK_DIR}/ref"
            "${WORK_DIR}/out.${n}"
    RESULT_VARIABLE differ)
  if(NOT differ EQUAL 0)
    message(FATAL_ERROR "mimeo-mpi on ${n} ranks wrote other bytes than "
      "mimeo: diff ${WORK_DIR}/ref ${WORK_DIR}/out.${n}")
  endif()
  message(STATUS "${n} ranks: the same ${ref_size} bytes")
endforeach()
