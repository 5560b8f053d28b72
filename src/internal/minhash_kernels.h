// SIMD kernels for the k-permutation MinHash, with a scalar reference.
// Internal: the public entry point is mimeo::MinHasher.
#ifndef MIMEO_SRC_INTERNAL_MINHASH_KERNELS_H_
#define MIMEO_SRC_INTERNAL_MINHASH_KERNELS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mimeo::internal {

// Coefficients of num_perm multiply-add-shift hash functions; each array is
// padded with valid coefficients to a multiple of kMinHashPad.
struct MinHashCoefficients {
  const uint64_t* a_lo;  // low 32 bits of the multiplier, in a 64-bit lane
  const uint64_t* a_hi;  // high 32 bits of the multiplier
  const uint64_t* b;     // addend
  size_t num_perm;
};
inline constexpr size_t kMinHashPad = 64;

// The shingle hash folded to the 32-bit key the hash functions take.
inline uint32_t MinHashKey(uint64_t h) {
  return static_cast<uint32_t>(h ^ (h >> 32));
}

// out[i] = min over hashes of ((a_i * key + b_i) mod 2^64) >> 32, or
// 0xFFFFFFFF when n == 0. out has size num_perm.
void MinHashScalar(const MinHashCoefficients& c, const uint64_t* hashes,
                   size_t n, uint32_t* out) noexcept;
// Same result, by the best SIMD target of this CPU (Highway dispatch), or
// by the scalar reference when the environment sets MIMEO_SIMD=scalar.
void MinHashDispatch(const MinHashCoefficients& c, const uint64_t* hashes,
                     size_t n, uint32_t* out) noexcept;

// The SIMD targets compiled in and supported here, by Highway name, and a
// run on one of them (index into that list). For the agreement tests.
std::vector<std::string> MinHashTargets();
void MinHashOnTarget(size_t target_index, const MinHashCoefficients& c,
                     const uint64_t* hashes, size_t n, uint32_t* out);

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_MINHASH_KERNELS_H_
