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

// Runs `call` (a dynamic dispatch) with Highway limited to target `index`
// of hwy::SupportedAndGeneratedTargets(), then restores normal dispatch.
// For tests and benchmarks that compare targets; not thread-safe.
template <typename F>
void OnTarget(size_t index, F&& call) {
  const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  hwy::SetSupportedTargetsForTest(targets.at(index));
  call();
  hwy::SetSupportedTargetsForTest(0);
}

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_SIMD_H_
