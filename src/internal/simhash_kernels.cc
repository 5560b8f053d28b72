// Highway compiles this file once per SIMD target (foreach_target.h
// re-includes it) and picks the best at run time.
#include <cstdlib>
#include <cstring>

#include "internal/mix.h"
#include "internal/simhash_kernels.h"
#include "internal/simd.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "simhash_kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace mimeo::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if HWY_TARGET == HWY_SCALAR
// One-lane vectors gain nothing: this target runs the scalar reference.
void SimHashCountKernel(uint64_t seed, const uint64_t* hashes, size_t n,
                        uint32_t* ones) {
  SimHashCountScalar(seed, hashes, n, ones);
}
#else
// The 64 bits of a hash become a mask over 64 byte lanes (LoadMaskBits
// reads bit j of the little-endian hash as lane j), and every set lane adds
// one to an 8-bit counter: one masked subtract per vector of lanes, instead
// of 64 scalar adds. The 8-bit counters are flushed into the 32-bit totals
// every 255 hashes, before they can wrap.
void SimHashCountKernel(uint64_t seed, const uint64_t* hashes, size_t n,
                        uint32_t* ones) {
  const hn::ScalableTag<uint8_t> d8;
  const size_t lanes = hn::Lanes(d8);
  if (lanes > 64 || 64 % lanes != 0) {
    SimHashCountScalar(seed, hashes, n, ones);
    return;
  }
  HWY_ALIGN uint8_t acc[64];
  uint8_t bits[8 + HWY_MAX_BYTES / 8];
  std::memset(bits, 0, sizeof(bits));
  size_t i = 0;
  while (i < n) {
    const size_t end = n - i > 255 ? i + 255 : n;
    std::memset(acc, 0, sizeof(acc));
    for (; i < end; ++i) {
      const uint64_t f = seed == 0 ? hashes[i] : Mix64(hashes[i] ^ seed);
      std::memcpy(bits, &f, 8);  // little-endian: byte b holds bits 8b..8b+7
      for (size_t j = 0; j < 64; j += lanes) {
        const auto m = hn::LoadMaskBits(d8, bits + j / 8);
        const auto v = hn::Load(d8, acc + j);
        hn::Store(hn::Sub(v, hn::VecFromMask(d8, m)), d8, acc + j);
      }
    }
    for (size_t j = 0; j < 64; ++j) ones[j] += acc[j];
  }
}
#endif  // HWY_TARGET == HWY_SCALAR

}  // namespace HWY_NAMESPACE
}  // namespace mimeo::internal
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace mimeo::internal {

HWY_EXPORT(SimHashCountKernel);

void SimHashCountScalar(uint64_t seed, const uint64_t* hashes, size_t n,
                        uint32_t* ones) noexcept {
  for (size_t i = 0; i < n; ++i) {
    const uint64_t f = seed == 0 ? hashes[i] : Mix64(hashes[i] ^ seed);
    for (int j = 0; j < 64; ++j) ones[j] += static_cast<uint32_t>((f >> j) & 1);
  }
}

void SimHashCountDispatch(uint64_t seed, const uint64_t* hashes, size_t n,
                          uint32_t* ones) noexcept {
  if (ScalarKernelsForced()) {
    SimHashCountScalar(seed, hashes, n, ones);
    return;
  }
  HWY_DYNAMIC_DISPATCH(SimHashCountKernel)(seed, hashes, n, ones);
}

void SimHashCountOnTarget(size_t target_index, uint64_t seed,
                          const uint64_t* hashes, size_t n, uint32_t* ones) {
  OnTarget(target_index, [&] {
    HWY_DYNAMIC_DISPATCH(SimHashCountKernel)(seed, hashes, n, ones);
  });
}

}  // namespace mimeo::internal
#endif  // HWY_ONCE
