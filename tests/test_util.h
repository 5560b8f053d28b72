// Helpers shared by mimeo's tests.
#ifndef MIMEO_TESTS_TEST_UTIL_H_
#define MIMEO_TESTS_TEST_UTIL_H_

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mimeo::testing {

// A fresh folder for the running test, under the system's temporary one,
// named by `prefix`, the process and the test; removed with the object.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix) {
    path_ = std::filesystem::temp_directory_path() /
            (prefix + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  // Writes `bytes` to `name` under the folder, making its folders.
  std::filesystem::path Write(const std::string& name,
                              const std::string& bytes) const {
    const std::filesystem::path p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The evaluation corpora beside the project (../shared/datasets), or "" when
// they are absent; tests that need them skip.
inline std::string SharedDatasets() {
  const char* env = std::getenv("MIMEO_DATASETS");
  std::filesystem::path p = env != nullptr
                                ? std::filesystem::path(env)
                                : std::filesystem::path(MIMEO_SOURCE_DIR) /
                                      ".." / "shared" / "datasets";
  std::error_code ec;
  return std::filesystem::is_directory(p, ec) ? p.string() : std::string();
}

inline std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// `n` distinct random 64-bit values.
inline std::vector<uint64_t> RandomSet(std::mt19937_64& rng, size_t n) {
  std::vector<uint64_t> v(n);
  for (auto& x : v) x = rng();
  return v;
}

// Random English-like text: `words` words from a small vocabulary, so that
// texts share words but rarely long runs of them.
inline std::string RandomText(std::mt19937_64& rng, size_t words) {
  static const char* kVocab[] = {
      "the", "wire", "story", "said", "minister", "report", "market", "rose",
      "fell", "percent", "talks", "agreement", "president", "officials",
      "year", "city", "police", "court", "bank", "election", "vote", "new",
      "oil", "prices", "week", "government", "plan", "missile", "defence",
      "summit", "leaders", "deal", "trade", "union", "strike", "shares"};
  std::string out;
  for (size_t i = 0; i < words; ++i) {
    if (i) out += (i % 17 == 0) ? ". " : " ";
    out += kVocab[rng() % (sizeof(kVocab) / sizeof(kVocab[0]))];
  }
  return out;
}

}  // namespace mimeo::testing

#endif  // MIMEO_TESTS_TEST_UTIL_H_
