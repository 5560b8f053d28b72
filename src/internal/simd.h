// What the SIMD kernels share: the switch that forces their scalar
// references. Internal.
#ifndef MIMEO_SRC_INTERNAL_SIMD_H_
#define MIMEO_SRC_INTERNAL_SIMD_H_

#include <cstdlib>
#include <cstring>

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

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_SIMD_H_
