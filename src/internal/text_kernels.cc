// Highway compiles this file once per SIMD target (foreach_target.h
// re-includes it) and picks the best at run time.
#include <cstdlib>
#include <cstring>

#include "internal/simd.h"
#include "internal/text_kernels.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "text_kernels.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

#ifndef MIMEO_SRC_INTERNAL_TEXT_KERNELS_ONCE_
#define MIMEO_SRC_INTERNAL_TEXT_KERNELS_ONCE_
namespace mimeo::internal {
namespace {

// Bits [0, len) set, len <= 64.
inline uint64_t LowBits(size_t len) {
  return len >= 64 ? ~uint64_t{0} : (uint64_t{1} << len) - 1;
}

// Eight bytes of mask bits (lane j at bit j % 8 of byte j / 8, as
// StoreMaskBits writes them) as one word, whatever the machine's order.
inline uint64_t MaskWord(const uint8_t* bits) {
  uint64_t m = 0;
  for (int k = 0; k < 8; ++k) m |= uint64_t{bits[k]} << (8 * k);
  return m;
}

}  // namespace
}  // namespace mimeo::internal
#endif  // MIMEO_SRC_INTERNAL_TEXT_KERNELS_ONCE_

HWY_BEFORE_NAMESPACE();
namespace mimeo::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if HWY_TARGET == HWY_SCALAR
// One-lane vectors gain nothing: this target runs the scalar references.
void FoldAsciiKernel(const uint8_t* p, size_t n, bool case_fold,
                     uint8_t* folded, uint64_t* high, uint64_t* space,
                     uint64_t* nul) {
  FoldAsciiScalar(p, n, case_fold, folded, high, space, nul);
}
void WordBytesKernel(const uint8_t* p, size_t n, uint64_t* word,
                     uint64_t* high) {
  WordBytesScalar(p, n, word, high);
}
#else
// Bytes as signed lanes: those of 0x80 and above are the negative ones,
// and every ASCII class is a range of non-negative values, so signed
// compares (which every target has for 8-bit lanes) decide them all. A
// short last block is copied into a zeroed one first; its padding's bits
// are then cleared.
// Block b of p, `len` (at most 64) bytes of it: in place when whole,
// else copied into `last` with zeros after.
inline const int8_t* BlockAt(const uint8_t* p, size_t b, size_t len,
                             int8_t* last) {
  const int8_t* src = reinterpret_cast<const int8_t*>(p + b * 64);
  if (len == 64) return src;
  std::memset(last, 0, 64);
  std::memcpy(last, src, len);
  return last;
}

void FoldAsciiKernel(const uint8_t* p, size_t n, bool case_fold,
                     uint8_t* folded, uint64_t* high, uint64_t* space,
                     uint64_t* nul) {
  const hn::ScalableTag<int8_t> d;
  const size_t lanes = hn::Lanes(d);
  if (lanes > 64 || 64 % lanes != 0) {
    FoldAsciiScalar(p, n, case_fold, folded, high, space, nul);
    return;
  }
  const auto zero = hn::Zero(d);
  const auto above_space = hn::Set(d, 0x21);
  const auto del = hn::Set(d, 0x7F);
  const auto before_a = hn::Set(d, 'A' - 1);
  const auto after_z = hn::Set(d, 'Z' + 1);
  const auto case_bit = hn::Set(d, case_fold ? 0x20 : 0);
  const auto blank = hn::Set(d, ' ');
  HWY_ALIGN int8_t last[64];
  uint8_t high_bits[8], space_bits[8], nul_bits[8];
  for (size_t b = 0; b * 64 < n; ++b) {
    const size_t len = n - b * 64 < 64 ? n - b * 64 : 64;
    const int8_t* src = BlockAt(p, b, len, last);
    int8_t* dst = reinterpret_cast<int8_t*>(folded + b * 64);
    for (size_t j = 0; j < 64; j += lanes) {
      const auto v = hn::LoadU(d, src + j);
      const auto is_high = hn::Lt(v, zero);
      const auto is_space =
          hn::Or(hn::AndNot(is_high, hn::Lt(v, above_space)), hn::Eq(v, del));
      const auto is_upper = hn::And(hn::Gt(v, before_a), hn::Lt(v, after_z));
      const auto lowered = hn::Or(v, hn::IfThenElseZero(is_upper, case_bit));
      hn::StoreU(hn::IfThenElse(is_space, blank, lowered), d, dst + j);
      hn::StoreMaskBits(d, is_high, high_bits + j / 8);
      hn::StoreMaskBits(d, is_space, space_bits + j / 8);
      hn::StoreMaskBits(d, hn::Eq(v, zero), nul_bits + j / 8);
    }
    const uint64_t valid = LowBits(len);
    high[b] = MaskWord(high_bits) & valid;
    space[b] = MaskWord(space_bits) & valid;
    nul[b] = MaskWord(nul_bits) & valid;
  }
}

void WordBytesKernel(const uint8_t* p, size_t n, uint64_t* word,
                     uint64_t* high) {
  const hn::ScalableTag<int8_t> d;
  const size_t lanes = hn::Lanes(d);
  if (lanes > 64 || 64 % lanes != 0) {
    WordBytesScalar(p, n, word, high);
    return;
  }
  const auto zero = hn::Zero(d);
  const auto before_0 = hn::Set(d, '0' - 1);
  const auto after_9 = hn::Set(d, '9' + 1);
  const auto before_a = hn::Set(d, 'a' - 1);
  const auto after_z = hn::Set(d, 'z' + 1);
  const auto case_bit = hn::Set(d, 0x20);
  HWY_ALIGN int8_t last[64];
  uint8_t word_bits[8], high_bits[8];
  for (size_t b = 0; b * 64 < n; ++b) {
    const size_t len = n - b * 64 < 64 ? n - b * 64 : 64;
    const int8_t* src = BlockAt(p, b, len, last);
    for (size_t j = 0; j < 64; j += lanes) {
      const auto v = hn::LoadU(d, src + j);
      // The bytes that OR 0x20 puts in a-z are exactly A-Z and a-z.
      const auto lower = hn::Or(v, case_bit);
      const auto is_word =
          hn::Or(hn::And(hn::Gt(v, before_0), hn::Lt(v, after_9)),
                 hn::And(hn::Gt(lower, before_a), hn::Lt(lower, after_z)));
      hn::StoreMaskBits(d, is_word, word_bits + j / 8);
      hn::StoreMaskBits(d, hn::Lt(v, zero), high_bits + j / 8);
    }
    const uint64_t valid = LowBits(len);
    word[b] = MaskWord(word_bits) & valid;
    high[b] = MaskWord(high_bits) & valid;
  }
}
#endif  // HWY_TARGET == HWY_SCALAR

}  // namespace HWY_NAMESPACE
}  // namespace mimeo::internal
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace mimeo::internal {

HWY_EXPORT(FoldAsciiKernel);
HWY_EXPORT(WordBytesKernel);

void FoldAsciiScalar(const uint8_t* p, size_t n, bool case_fold,
                     uint8_t* folded, uint64_t* high, uint64_t* space,
                     uint64_t* nul) noexcept {
  for (size_t b = 0; b * 64 < n; ++b) {
    high[b] = space[b] = nul[b] = 0;
  }
  for (size_t i = 0; i < n; ++i) {
    const uint8_t c = p[i];
    const uint64_t bit = uint64_t{1} << (i % 64);
    if (c >= 0x80) {
      high[i / 64] |= bit;
      continue;
    }
    if (c <= 0x20 || c == 0x7F) {
      space[i / 64] |= bit;
      if (c == 0) nul[i / 64] |= bit;
      folded[i] = ' ';
    } else {
      folded[i] = case_fold && c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
    }
  }
}

void FoldAsciiDispatch(const uint8_t* p, size_t n, bool case_fold,
                       uint8_t* folded, uint64_t* high, uint64_t* space,
                       uint64_t* nul) noexcept {
  if (ScalarKernelsForced()) {
    FoldAsciiScalar(p, n, case_fold, folded, high, space, nul);
    return;
  }
  HWY_DYNAMIC_DISPATCH(FoldAsciiKernel)(p, n, case_fold, folded, high, space,
                                        nul);
}

void FoldAsciiOnTarget(size_t target_index, const uint8_t* p, size_t n,
                       bool case_fold, uint8_t* folded, uint64_t* high,
                       uint64_t* space, uint64_t* nul) {
  OnTarget(target_index, [&] {
    HWY_DYNAMIC_DISPATCH(FoldAsciiKernel)(p, n, case_fold, folded, high,
                                          space, nul);
  });
}

void WordBytesScalar(const uint8_t* p, size_t n, uint64_t* word,
                     uint64_t* high) noexcept {
  for (size_t b = 0; b * 64 < n; ++b) word[b] = high[b] = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t c = p[i];
    const uint64_t bit = uint64_t{1} << (i % 64);
    if (c >= 0x80) high[i / 64] |= bit;
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
        (c >= 'A' && c <= 'Z')) {
      word[i / 64] |= bit;
    }
  }
}

void WordBytesDispatch(const uint8_t* p, size_t n, uint64_t* word,
                       uint64_t* high) noexcept {
  if (ScalarKernelsForced()) {
    WordBytesScalar(p, n, word, high);
    return;
  }
  HWY_DYNAMIC_DISPATCH(WordBytesKernel)(p, n, word, high);
}

void WordBytesOnTarget(size_t target_index, const uint8_t* p, size_t n,
                       uint64_t* word, uint64_t* high) {
  OnTarget(target_index,
           [&] { HWY_DYNAMIC_DISPATCH(WordBytesKernel)(p, n, word, high); });
}

}  // namespace mimeo::internal
#endif  // HWY_ONCE
