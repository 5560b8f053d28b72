// Small integer mixing functions shared by the implementation.
#ifndef MIMEO_SRC_INTERNAL_MIX_H_
#define MIMEO_SRC_INTERNAL_MIX_H_

#include <cstdint>

namespace mimeo::internal {

// The SplitMix64 finalizer (Steele, Lea, Flood 2014): a bijection on 64-bit
// integers with full avalanche. Used to derive parameters from a seed and
// to spread already-hashed values, never to hash text (that is XXH3).
constexpr uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// A deterministic stream of 64-bit values from a seed (SplitMix64).
class SplitMix64 {
 public:
  explicit constexpr SplitMix64(uint64_t seed) : state_(seed) {}
  constexpr uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return Mix64(state_);
  }

 private:
  uint64_t state_;
};

// Maps a uniform 32-bit value to [0, n) without division (Lemire 2019).
constexpr uint32_t Reduce32(uint32_t x, uint32_t n) {
  return static_cast<uint32_t>((static_cast<uint64_t>(x) * n) >> 32);
}

}  // namespace mimeo::internal

#endif  // MIMEO_SRC_INTERNAL_MIX_H_
