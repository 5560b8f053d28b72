// Sorted runs of shared-copy pairs kept in a temporary file, merged back
// in (a, b) order: how SharedCopyPairs() (pair_stream.h) bounds its memory.
//
// Shared copy aligns each pair with its later document as the asking text
// (the boilerplate judgment reads the asking side, so the roles cannot be
// swapped without changing the passages), which finds the pairs in order
// of b; they are written in order of (a, b). The pairs found are sorted a
// block at a time, each block appended to one unnamed temporary file as a
// run, and the runs merged when every pair is found, so memory holds one
// block and, during the merge, one pair per run plus a 64 KiB buffer per
// run.
//
// The file is in the directory named by $TMPDIR (else /tmp), unlinked at
// once, so it vanishes with the process. Records are raw bytes of this
// process (trivially copyable Passage and Similarity): never read by
// another build.
//
// Not thread-safe.
#ifndef MIMEO_SRC_INTERNAL_PAIR_RUNS_H_
#define MIMEO_SRC_INTERNAL_PAIR_RUNS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "mimeo/copy_family.h"

namespace mimeo::internal {

class PairRuns {
 public:
  PairRuns() = default;
  ~PairRuns();
  PairRuns(const PairRuns&) = delete;
  PairRuns& operator=(const PairRuns&) = delete;

  // Appends `pairs`, sorted by (a, b), as one run. Creates the file at the
  // first call. Fails (naming the directory) when it cannot be created or
  // written (a full disk).
  absl::Status Append(const std::vector<CopyPair>& pairs);

  // Runs and pairs appended.
  size_t runs() const { return runs_.size(); }
  uint64_t pairs() const { return pairs_; }

  // Reads every run back and hands the pairs to `take` in (a, b) order
  // (equal keys: the earlier run first), in blocks of `block_pairs` (the
  // last may be smaller). An error of `take`, or of reading, stops it and
  // is returned. Call once, after the last Append().
  absl::Status Merge(
      size_t block_pairs,
      const std::function<absl::Status(std::vector<CopyPair>&)>& take);

 private:
  struct Run {
    uint64_t begin = 0;  // byte offsets in the file
    uint64_t end = 0;
  };

  int fd_ = -1;
  std::vector<Run> runs_;
  uint64_t size_ = 0;  // bytes written
  uint64_t pairs_ = 0;
};

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_PAIR_RUNS_H_
