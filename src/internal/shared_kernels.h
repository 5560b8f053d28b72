// SIMD kernels counting the values two sorted sets share, with a scalar
// reference. Internal: the public entry point is mimeo::ExactSimilarity
// (verify.h).
#ifndef MIMEO_SRC_INTERNAL_SHARED_KERNELS_H_
#define MIMEO_SRC_INTERNAL_SHARED_KERNELS_H_

#include <cstddef>
#include <cstdint>

namespace mimeo::internal {

// |a n b| for a (na values) and b (nb values), each sorted ascending
// without repeats.
uint64_t SharedScalar(const uint64_t* a, size_t na, const uint64_t* b,
                      size_t nb) noexcept;
// Same result by the best SIMD target of this CPU (Highway dispatch), or
// by the scalar reference when the environment sets MIMEO_SIMD=scalar.
uint64_t SharedDispatch(const uint64_t* a, size_t na, const uint64_t* b,
                        size_t nb) noexcept;
// A run on one target, by index into MinHashTargets() (the same list).
// For the agreement tests.
uint64_t SharedOnTarget(size_t target_index, const uint64_t* a, size_t na,
                        const uint64_t* b, size_t nb);

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_SHARED_KERNELS_H_
