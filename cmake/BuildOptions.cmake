# Compiler flags of mimeo's own build, from the options MIMEO_SANITIZE,
# MIMEO_WERROR and MIMEO_FUZZ (CMakeLists.txt). Included before any target
# is made, so the directory-wide flags below reach every target of mimeo's
# tree and none of a project that includes mimeo (whose targets linking
# mimeo::mimeo only get the sanitizers' runtimes, CMakeLists.txt).

# Warnings the code is kept free of, with GCC 12 and Clang 14. Not
# -Wmissing-field-initializers: Document{id, text} leaving the date unset
# is how the API is meant to be called. Not GCC 12's -Wrestrict, whose
# false positives inside libstdc++'s std::string ("x" + s) fill test logs.
set(_mimeo_warnings -Wall -Wextra -Wpedantic -Wnon-virtual-dtor
    -Woverloaded-virtual -Wcast-qual -Wimplicit-fallthrough
    -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND _mimeo_warnings -Wno-restrict)
endif()
add_compile_options(${_mimeo_warnings})
if(MIMEO_WERROR)
  add_compile_options(-Werror)
endif()

# MIMEO_SANITIZE: address and undefined go together; thread goes alone.
# Undefined behaviour aborts (no recovery), so a test that meets it fails.
set(_mimeo_sanitize_flags "")
foreach(s IN LISTS MIMEO_SANITIZE)
  if(s STREQUAL "address")
    list(APPEND _mimeo_sanitize_flags -fsanitize=address)
  elseif(s STREQUAL "undefined")
    list(APPEND _mimeo_sanitize_flags -fsanitize=undefined
         -fno-sanitize-recover=undefined)
  elseif(s STREQUAL "thread")
    list(APPEND _mimeo_sanitize_flags -fsanitize=thread)
  else()
    message(FATAL_ERROR "MIMEO_SANITIZE: unknown sanitizer '${s}' (known: "
                        "address, undefined, thread)")
  endif()
endforeach()
if("thread" IN_LIST MIMEO_SANITIZE AND "address" IN_LIST MIMEO_SANITIZE)
  message(FATAL_ERROR "MIMEO_SANITIZE: thread cannot be combined with address")
endif()
if(_mimeo_sanitize_flags)
  list(APPEND _mimeo_sanitize_flags -fno-omit-frame-pointer)
  add_compile_options(${_mimeo_sanitize_flags})
  add_link_options(${_mimeo_sanitize_flags})
endif()

# MIMEO_FUZZ: every target gets libFuzzer's coverage instrumentation; the
# fuzz targets themselves link libFuzzer (tests/fuzz/CMakeLists.txt).
if(MIMEO_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "MIMEO_FUZZ needs clang (libFuzzer); configure with "
                        "-DCMAKE_CXX_COMPILER=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
  add_link_options(-fsanitize=fuzzer-no-link)
endif()
