// SIMD kernels for SimHash, with a scalar reference. Internal: the public
// entry point is mimeo::SimHasher.
#ifndef MIMEO_SRC_INTERNAL_SIMHASH_KERNELS_H_
#define MIMEO_SRC_INTERNAL_SIMHASH_KERNELS_H_

#include <cstddef>
#include <cstdint>

namespace mimeo::internal {

// ones[j] += the number of hashes (each first mixed with `seed` when it is
// not 0, as SimHasher does) that have bit j set, for j in [0, 64).
void SimHashCountScalar(uint64_t seed, const uint64_t* hashes, size_t n,
                        uint32_t* ones) noexcept;
// Same result by the best SIMD target of this CPU (Highway dispatch), or
// by the scalar reference when the environment sets MIMEO_SIMD=scalar.
void SimHashCountDispatch(uint64_t seed, const uint64_t* hashes, size_t n,
                          uint32_t* ones) noexcept;
// A run on one target, by index into MinHashTargets() (the same list).
// For the agreement tests.
void SimHashCountOnTarget(size_t target_index, uint64_t seed,
                          const uint64_t* hashes, size_t n, uint32_t* ones);

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_SIMHASH_KERNELS_H_
