// Highway compiles this file once per SIMD target (foreach_target.h
// re-includes it) and picks the best at run time.
#include <cstdlib>
#include <cstring>

#include "internal/minhash_kernels.h"
#include "internal/simd.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "minhash_kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace mimeo::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Vectorized over permutations: a vector holds one 64-bit lane per hash
// function. The 64x32-bit product a*x is built from two 32x32->64 products
// (MulEven exists on every target; a 64-bit multiply does not):
//   bits 32..63 of (a*x + b) = ((a_lo*x + b) >> 32) + a_hi*x   (mod 2^32).
// Four vectors of permutations are processed per pass over the shingles so
// the key broadcast and loop overhead are shared.
#if HWY_TARGET == HWY_SCALAR
// One-lane vectors cannot be split into 32-bit halves: this target runs the
// scalar reference.
void MinHashKernel(const MinHashCoefficients& c, const uint64_t* hashes,
                   size_t n, uint32_t* out) {
  MinHashScalar(c, hashes, n, out);
}
#else
void MinHashKernel(const MinHashCoefficients& c, const uint64_t* hashes,
                   size_t n, uint32_t* out) {
  const hn::ScalableTag<uint64_t> d64;
  const hn::Repartition<uint32_t, decltype(d64)> d32;
  const size_t lanes = hn::Lanes(d64);
  const auto mask = hn::Set(d64, 0xFFFFFFFFull);
  HWY_ALIGN uint64_t tmp[4 * HWY_MAX_BYTES / sizeof(uint64_t)];
  for (size_t p = 0; p < c.num_perm; p += 4 * lanes) {
    const auto alo0 = hn::BitCast(d32, hn::LoadU(d64, c.a_lo + p));
    const auto alo1 = hn::BitCast(d32, hn::LoadU(d64, c.a_lo + p + lanes));
    const auto alo2 = hn::BitCast(d32, hn::LoadU(d64, c.a_lo + p + 2 * lanes));
    const auto alo3 = hn::BitCast(d32, hn::LoadU(d64, c.a_lo + p + 3 * lanes));
    const auto ahi0 = hn::BitCast(d32, hn::LoadU(d64, c.a_hi + p));
    const auto ahi1 = hn::BitCast(d32, hn::LoadU(d64, c.a_hi + p + lanes));
    const auto ahi2 = hn::BitCast(d32, hn::LoadU(d64, c.a_hi + p + 2 * lanes));
    const auto ahi3 = hn::BitCast(d32, hn::LoadU(d64, c.a_hi + p + 3 * lanes));
    const auto b0 = hn::LoadU(d64, c.b + p);
    const auto b1 = hn::LoadU(d64, c.b + p + lanes);
    const auto b2 = hn::LoadU(d64, c.b + p + 2 * lanes);
    const auto b3 = hn::LoadU(d64, c.b + p + 3 * lanes);
    auto m0 = mask, m1 = mask, m2 = mask, m3 = mask;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t key = MinHashKey(hashes[i]);
      const auto x = hn::BitCast(d32, hn::Set(d64, key));
      auto h0 = hn::Add(hn::ShiftRight<32>(hn::Add(hn::MulEven(alo0, x), b0)),
                        hn::MulEven(ahi0, x));
      auto h1 = hn::Add(hn::ShiftRight<32>(hn::Add(hn::MulEven(alo1, x), b1)),
                        hn::MulEven(ahi1, x));
      auto h2 = hn::Add(hn::ShiftRight<32>(hn::Add(hn::MulEven(alo2, x), b2)),
                        hn::MulEven(ahi2, x));
      auto h3 = hn::Add(hn::ShiftRight<32>(hn::Add(hn::MulEven(alo3, x), b3)),
                        hn::MulEven(ahi3, x));
      m0 = hn::Min(m0, hn::And(h0, mask));
      m1 = hn::Min(m1, hn::And(h1, mask));
      m2 = hn::Min(m2, hn::And(h2, mask));
      m3 = hn::Min(m3, hn::And(h3, mask));
    }
    hn::Store(m0, d64, tmp);
    hn::Store(m1, d64, tmp + lanes);
    hn::Store(m2, d64, tmp + 2 * lanes);
    hn::Store(m3, d64, tmp + 3 * lanes);
    for (size_t j = 0; j < 4 * lanes && p + j < c.num_perm; ++j) {
      out[p + j] = static_cast<uint32_t>(tmp[j]);
    }
  }
}
#endif  // HWY_TARGET == HWY_SCALAR

}  // namespace HWY_NAMESPACE
}  // namespace mimeo::internal
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace mimeo::internal {

HWY_EXPORT(MinHashKernel);

void MinHashScalar(const MinHashCoefficients& c, const uint64_t* hashes,
                   size_t n, uint32_t* out) noexcept {
  for (size_t p = 0; p < c.num_perm; ++p) {
    const uint64_t a = c.a_lo[p] | (c.a_hi[p] << 32);
    const uint64_t b = c.b[p];
    uint32_t m = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t x = MinHashKey(hashes[i]);
      const uint32_t h = static_cast<uint32_t>((a * x + b) >> 32);
      m = h < m ? h : m;
    }
    out[p] = m;
  }
}

void MinHashDispatch(const MinHashCoefficients& c, const uint64_t* hashes,
                     size_t n, uint32_t* out) noexcept {
  if (ScalarKernelsForced()) {
    MinHashScalar(c, hashes, n, out);
    return;
  }
  HWY_DYNAMIC_DISPATCH(MinHashKernel)(c, hashes, n, out);
}

std::vector<std::string> MinHashTargets() {
  std::vector<std::string> names;
  for (int64_t t : hwy::SupportedAndGeneratedTargets()) {
    names.emplace_back(hwy::TargetName(t));
  }
  return names;
}

void MinHashOnTarget(size_t target_index, const MinHashCoefficients& c,
                     const uint64_t* hashes, size_t n, uint32_t* out) {
  OnTarget(target_index,
           [&] { HWY_DYNAMIC_DISPATCH(MinHashKernel)(c, hashes, n, out); });
}

}  // namespace mimeo::internal
#endif  // HWY_ONCE
