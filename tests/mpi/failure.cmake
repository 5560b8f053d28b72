# A rank that cannot read its input ends the job, naming itself and the
# file, and nothing hangs (the test has a timeout): a truncated gzip file
# and a malformed line in a JSONL file cut into ranges, under --strict.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/tree")
file(WRITE "${WORK_DIR}/tree/a.txt" "the quick brown fox jumps over the lazy dog\n")
file(WRITE "${WORK_DIR}/tree/b.txt" "the quick brown fox jumps over the lazy cat\n")
# The first 20 bytes of a gzip stream: a header and no end.
string(REPEAT "{\"id\":\"x\",\"text\":\"some words to compress\"}\n" 50 lines)
file(WRITE "${WORK_DIR}/whole.jsonl" "${lines}")
execute_process(COMMAND gzip -c "${WORK_DIR}/whole.jsonl"
  OUTPUT_FILE "${WORK_DIR}/whole.jsonl.gz" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip failed")
endif()
execute_process(COMMAND head -c 20 "${WORK_DIR}/whole.jsonl.gz"
  OUTPUT_FILE "${WORK_DIR}/tree/broken.jsonl.gz")
file(REMOVE "${WORK_DIR}/whole.jsonl" "${WORK_DIR}/whole.jsonl.gz")

# A JSONL file of 40 lines whose 31st is not JSON: with 4 ranks it lies in
# the last rank's range, and its line number counts in the whole file.
set(jsonl "")
foreach(i RANGE 1 40)
  if(i EQUAL 31)
    string(APPEND jsonl "not json at all\n")
  else()
    string(APPEND jsonl "{\"id\":\"d${i}\",\"text\":\"document number ${i} of the test\"}\n")
  endif()
endforeach()
file(WRITE "${WORK_DIR}/lines.jsonl" "${jsonl}")

# The same id at both ends of a file: one process renames the second, ranks
# reading different ranges cannot, and end the job saying so.
set(jsonl "{\"id\":\"same\",\"text\":\"first of two\"}\n")
foreach(i RANGE 1 40)
  string(APPEND jsonl "{\"id\":\"e${i}\",\"text\":\"filler ${i}\"}\n")
endforeach()
string(APPEND jsonl "{\"id\":\"same\",\"text\":\"second of two\"}\n")
file(WRITE "${WORK_DIR}/ids.jsonl" "${jsonl}")

foreach(case "tree;broken\\.jsonl\\.gz" "lines.jsonl;lines\\.jsonl:31"
             "ids.jsonl;the id 'same' is given to documents 0 and 41")
  list(GET case 0 input)
  list(GET case 1 expected)
  execute_process(
    COMMAND "${MPIEXEC}" --oversubscribe -np 4 "${MIMEO_MPI}" cluster
            "${WORK_DIR}/${input}" --strict -o "${WORK_DIR}/out.jsonl"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
    TIMEOUT 60)
  if(rc EQUAL 0)
    message(FATAL_ERROR "mimeo-mpi succeeded on ${input} under --strict")
  endif()
  if(NOT err MATCHES "mimeo-mpi: rank [0-3]: [^\n]*${expected}")
    message(FATAL_ERROR "no message naming the rank and ${expected}:\n${err}")
  endif()
  file(GLOB left "${WORK_DIR}/out.jsonl*" "${WORK_DIR}/.out.jsonl*")
  if(left)
    message(FATAL_ERROR "a failed run left ${left}")
  endif()
  message(STATUS "${input}: ended (${rc}), naming the rank and the file")
endforeach()

# A path that does not exist stops every rank with mimeo's exit code 2 and
# one message.
execute_process(
  COMMAND "${MPIEXEC}" --oversubscribe -np 3 "${MIMEO_MPI}" cluster
          "${WORK_DIR}/nope" -o "${WORK_DIR}/out.jsonl"
  RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 60)
if(NOT rc EQUAL 2)
  message(FATAL_ERROR "a missing path ended with ${rc}, not 2:\n${err}")
endif()
string(REGEX MATCHALL "does not exist" said "${err}")
list(LENGTH said times)
if(NOT err MATCHES "mimeo-mpi: rank 0: '[^']*nope' does not exist" OR
   NOT times EQUAL 1)
  message(FATAL_ERROR "not one message naming the missing path:\n${err}")
endif()
message(STATUS "a missing path: exit 2, one message")
