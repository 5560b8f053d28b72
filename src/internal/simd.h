// What the SIMD kernels share: the switch that forces their scalar
// references, and running a kernel on one chosen target. Internal.
#ifndef MIMEO_SRC_INTERNAL_SIMD_H_
#define MIMEO_SRC_INTERNAL_SIMD_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "hwy/targets.h"

namespace mimeo::internal {

// True when the environment sets MIMEO_SIMD=scalar: every kernel then runs
// its scalar reference. Read once per process.
inline bool ScalarKernelsForced() {
  static const bool force = [] {
    const char* v = std::getenv("MIMEO_SIMD");
    return v != nullptr && std::strcmp(v, "scalar") == 0;
  }();
  return force;
}

// While it lives, Highway's dynamic dispatch is limited to target `index`
// of hwy::SupportedAndGeneratedTargets(); normal dispatch comes back when
// it goes. Pinning resets every dispatch table, so a benchmark pins once
// around its loop rather than per call. For tests and benchmarks that
// compare targets; not thread-safe.
class PinnedTarget {
 public:
  explicit PinnedTarget(size_t index) {
    hwy::SetSupportedTargetsForTest(
        hwy::SupportedAndGeneratedTargets().at(index));
  }
  ~PinnedTarget() { hwy::SetSupportedTargetsForTest(0); }
  PinnedTarget(const PinnedTarget&) = delete;
  PinnedTarget& operator=(const PinnedTarget&) = delete;
};

// Runs `call` (a dynamic dispatch) on target `index` (see PinnedTarget).
template <typename F>
void OnTarget(size_t index, F&& call) {
  PinnedTarget pin(index);
  call();
}

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_SIMD_H_
