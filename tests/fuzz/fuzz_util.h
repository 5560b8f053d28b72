// What the fuzz targets share: a check that stops the run with a message
// (libFuzzer then saves the input), and a scratch file for the APIs that
// read paths.
#ifndef MIMEO_TESTS_FUZZ_FUZZ_UTIL_H_
#define MIMEO_TESTS_FUZZ_FUZZ_UTIL_H_

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace mimeo::fuzz {

// Aborts with the failed condition: a finding, not a skipped input.
#define FUZZ_CHECK(cond)                                               \
  do {                                                                 \
    if (!(cond)) {                                                     \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, \
                   __LINE__, #cond);                                   \
      std::abort();                                                    \
    }                                                                  \
  } while (0)

// A directory of this process in the temporary directory, removed at exit;
// Write() puts bytes into a file of it, overwriting the last input.
class ScratchDir {
 public:
  ScratchDir()
      : path_(std::filesystem::temp_directory_path() /
              ("mimeo_fuzz_" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, std::string_view bytes) const {
    const std::string p = (path_ / name).string();
    std::ofstream(p, std::ios::binary | std::ios::trunc)
        .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return p;
  }
  std::string Path(const std::string& name) const {
    return (path_ / name).string();
  }

 private:
  std::filesystem::path path_;
};

// The one scratch directory of the process (libFuzzer calls the target
// from one thread).
inline const ScratchDir& Scratch() {
  static const ScratchDir dir;
  return dir;
}

}  // namespace mimeo::fuzz

#endif  // MIMEO_TESTS_FUZZ_FUZZ_UTIL_H_
