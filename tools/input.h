// Reading documents for the command line: files and directory trees.
#ifndef MIMEO_TOOLS_INPUT_H_
#define MIMEO_TOOLS_INPUT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mimeo/document.h"

namespace mimeo::cli {

struct InputSummary {
  uint64_t files = 0;
  uint64_t bytes = 0;
  uint64_t skipped_binary = 0;
  uint64_t skipped_unreadable = 0;
};

// Reads every path: a file as one document (id: the path as given), a
// directory recursively, taking .txt and .md files (id: the path relative
// to the directory), in sorted order. A missing path is NotFound, naming
// it. Binary files (a NUL byte in the first 8 KiB) and unreadable files
// are skipped with a warning on stderr and counted.
absl::StatusOr<std::vector<Document>> ReadInputs(
    const std::vector<std::string>& paths, bool quiet, InputSummary& summary);

}  // namespace mimeo::cli

#endif  // MIMEO_TOOLS_INPUT_H_
