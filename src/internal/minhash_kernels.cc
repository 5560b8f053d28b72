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

// Vectorized over permutations, the minimum kept in 32-bit lanes. The
// 64x32-bit product a*x is built from 32x32->64 products (MulEven exists
// on every target; a 64-bit multiply does not):
//   bits 32..63 of (a*x + b) = ((a_lo*x + b) >> 32) + a_hi*x   (mod 2^32).
// The first term needs 64-bit lanes; a group of two 64-bit vectors (2L
// permutations) then folds its two halves into one vector of 32-bit
// lanes, where the second term is a 32-bit multiply and the minimum is
// taken over 2L permutations at once: a group of 2L permutations costs 9
// vector operations per shingle, where 64-bit lanes to the end cost 14.
// In the folded vector, lane 2i holds permutation p + i and lane 2i + 1
// permutation p + L + i. Four groups are processed per pass over the
// shingles so the key broadcast and loop overhead are shared.
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
  const size_t group = 2 * lanes;
  // A pass reads 4 groups of coefficients, which the padding must cover
  // (on x86 it does: 8 * 8 lanes = kMinHashPad).
  if (4 * group > kMinHashPad) {
    MinHashScalar(c, hashes, n, out);
    return;
  }
  HWY_ALIGN uint32_t tmp[4 * HWY_MAX_BYTES / sizeof(uint32_t)];
  // a_hi of permutations p + i and p + L + i side by side, as the folded
  // vector holds them.
  const auto interleaved = [&](const uint64_t* v) {
    return hn::OddEven(hn::BitCast(d32, hn::ShiftLeft<32>(hn::LoadU(d64, v + lanes))),
                       hn::BitCast(d32, hn::LoadU(d64, v)));
  };
  for (size_t p = 0; p < c.num_perm; p += 4 * group) {
    const auto alo0 = hn::BitCast(d32, hn::LoadU(d64, c.a_lo + p));
    const auto alo1 = hn::BitCast(d32, hn::LoadU(d64, c.a_lo + p + lanes));
    const auto alo2 = hn::BitCast(d32, hn::LoadU(d64, c.a_lo + p + group));
    const auto alo3 =
        hn::BitCast(d32, hn::LoadU(d64, c.a_lo + p + group + lanes));
    const auto alo4 = hn::BitCast(d32, hn::LoadU(d64, c.a_lo + p + 2 * group));
    const auto alo5 =
        hn::BitCast(d32, hn::LoadU(d64, c.a_lo + p + 2 * group + lanes));
    const auto alo6 = hn::BitCast(d32, hn::LoadU(d64, c.a_lo + p + 3 * group));
    const auto alo7 =
        hn::BitCast(d32, hn::LoadU(d64, c.a_lo + p + 3 * group + lanes));
    const auto b0 = hn::LoadU(d64, c.b + p);
    const auto b1 = hn::LoadU(d64, c.b + p + lanes);
    const auto b2 = hn::LoadU(d64, c.b + p + group);
    const auto b3 = hn::LoadU(d64, c.b + p + group + lanes);
    const auto b4 = hn::LoadU(d64, c.b + p + 2 * group);
    const auto b5 = hn::LoadU(d64, c.b + p + 2 * group + lanes);
    const auto b6 = hn::LoadU(d64, c.b + p + 3 * group);
    const auto b7 = hn::LoadU(d64, c.b + p + 3 * group + lanes);
    const auto ahi0 = interleaved(c.a_hi + p);
    const auto ahi1 = interleaved(c.a_hi + p + group);
    const auto ahi2 = interleaved(c.a_hi + p + 2 * group);
    const auto ahi3 = interleaved(c.a_hi + p + 3 * group);
    const auto all_ones = hn::Set(d32, 0xFFFFFFFFu);
    auto m0 = all_ones, m1 = all_ones, m2 = all_ones, m3 = all_ones;
    const auto fold = [&](auto lo, auto hi, auto b_lo, auto b_hi, auto ahi,
                          auto x) {
      const auto t_lo = hn::Add(hn::MulEven(lo, x), b_lo);
      const auto t_hi = hn::Add(hn::MulEven(hi, x), b_hi);
      const auto top = hn::OddEven(hn::BitCast(d32, t_hi),
                                   hn::BitCast(d32, hn::ShiftRight<32>(t_lo)));
      return hn::Add(top, hn::Mul(ahi, x));
    };
    for (size_t i = 0; i < n; ++i) {
      const auto x = hn::Set(d32, MinHashKey(hashes[i]));
      m0 = hn::Min(m0, fold(alo0, alo1, b0, b1, ahi0, x));
      m1 = hn::Min(m1, fold(alo2, alo3, b2, b3, ahi1, x));
      m2 = hn::Min(m2, fold(alo4, alo5, b4, b5, ahi2, x));
      m3 = hn::Min(m3, fold(alo6, alo7, b6, b7, ahi3, x));
    }
    hn::Store(m0, d32, tmp);
    hn::Store(m1, d32, tmp + group);
    hn::Store(m2, d32, tmp + 2 * group);
    hn::Store(m3, d32, tmp + 3 * group);
    for (size_t g = 0; g < 4; ++g) {
      for (size_t i = 0; i < lanes; ++i) {
        const size_t at = p + g * group + i;
        if (at < c.num_perm) out[at] = tmp[g * group + 2 * i];
        if (at + lanes < c.num_perm) out[at + lanes] = tmp[g * group + 2 * i + 1];
      }
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
