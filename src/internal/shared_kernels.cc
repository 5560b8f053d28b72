// Highway compiles this file once per SIMD target (foreach_target.h
// re-includes it) and picks the best at run time.
#include "internal/shared_kernels.h"
#include "internal/simd.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "shared_kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace mimeo::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if HWY_TARGET == HWY_SCALAR
// One-lane vectors gain nothing: this target runs the scalar reference.
uint64_t SharedKernel(const uint64_t* a, size_t na, const uint64_t* b,
                      size_t nb) {
  return SharedScalar(a, na, b, nb);
}
#else
// Blocks of L values of each set are compared all against all (each value
// of b's block broadcast against a's block), and the block whose last
// value is smaller moves on (both when the last values are equal): a step
// per L values where a merge takes one per value. Each step still waits
// on the one before (which block moved decides the next loads), but there
// are L times fewer of them. What is left when either set has fewer than
// L values to go is merged by the scalar reference.
uint64_t SharedKernel(const uint64_t* a, size_t na, const uint64_t* b,
                      size_t nb) {
  const hn::ScalableTag<uint64_t> d;
  const size_t lanes = hn::Lanes(d);
  size_t i = 0, j = 0;
  uint64_t n = 0;
  if (na >= lanes && nb >= lanes) {
    for (;;) {
      const auto va = hn::LoadU(d, a + i);
      auto m = hn::Eq(va, hn::Set(d, b[j]));
      for (size_t k = 1; k < lanes; ++k) {
        m = hn::Or(m, hn::Eq(va, hn::Set(d, b[j + k])));
      }
      n += hn::CountTrue(d, m);
      const uint64_t last_a = a[i + lanes - 1], last_b = b[j + lanes - 1];
      i += last_a <= last_b ? lanes : 0;
      j += last_b <= last_a ? lanes : 0;
      if (i + lanes > na || j + lanes > nb) break;
    }
  }
  return n + SharedScalar(a + i, na - i, b + j, nb - j);
}
#endif  // HWY_TARGET == HWY_SCALAR

}  // namespace HWY_NAMESPACE
}  // namespace mimeo::internal
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace mimeo::internal {

HWY_EXPORT(SharedKernel);

// A merge in branch-free steps: on sets fetched from memory a
// misprediction waits on a load (bench/README.md).
uint64_t SharedScalar(const uint64_t* a, size_t na, const uint64_t* b,
                      size_t nb) noexcept {
  size_t i = 0, j = 0;
  uint64_t n = 0;
  while (i < na && j < nb) {
    const uint64_t x = a[i], y = b[j];
    n += x == y;
    i += x <= y;
    j += y <= x;
  }
  return n;
}

uint64_t SharedDispatch(const uint64_t* a, size_t na, const uint64_t* b,
                        size_t nb) noexcept {
  if (ScalarKernelsForced()) return SharedScalar(a, na, b, nb);
  return HWY_DYNAMIC_DISPATCH(SharedKernel)(a, na, b, nb);
}

uint64_t SharedOnTarget(size_t target_index, const uint64_t* a, size_t na,
                        const uint64_t* b, size_t nb) {
  uint64_t n = 0;
  OnTarget(target_index,
           [&] { n = HWY_DYNAMIC_DISPATCH(SharedKernel)(a, na, b, nb); });
  return n;
}

}  // namespace mimeo::internal
#endif  // HWY_ONCE
