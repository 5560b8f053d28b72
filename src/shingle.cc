#include "mimeo/shingle.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "absl/strings/str_format.h"
#include "internal/mix.h"
// Token hashes are XXH3 of a few bytes each: inlined, the call and its
// length dispatch cost less than the hash itself would through the shared
// library. Same function, same values.
#define XXH_INLINE_ALL
#include "xxhash.h"

namespace mimeo {

const char* TokenHashName(TokenHash hash) {
  return hash == TokenHash::kXxh3 ? "xxh3" : "short-mix";
}

absl::Status Shingler::Options::Validate() const {
  if (k < 1 || k > 64) {
    return absl::InvalidArgumentError(
        absl::StrFormat("shingle k must be in [1, 64], got %d", k));
  }
  if (token_hash != TokenHash::kXxh3 && token_hash != TokenHash::kShortMix) {
    return absl::InvalidArgumentError(
        absl::StrFormat("shingle token_hash must be 0 (XXH3) or 1 (short "
                        "mix), got %d",
                        static_cast<int>(token_hash)));
  }
  return absl::OkStatus();
}

absl::StatusOr<Shingler> Shingler::Create(const Options& options) {
  absl::Status s = options.Validate();
  if (!s.ok()) return s;
  return Shingler(options);
}

Shingler::Shingler(const Options& options) : options_(options) {
  internal::SplitMix64 keys(options.seed ^ 0x746f6b656e68ULL);  // "tokenh"
  for (size_t len = 0; len <= 16; ++len) {
    key_first_[len] = keys.Next();
    // Odd, so that a token of up to 8 bytes (second word zero) is
    // multiplied by a key that is never zero.
    key_second_[len] = keys.Next() | 1;
  }
}

namespace {

// Bytes [0, 8) of p as a little-endian number, whatever the machine.
inline uint64_t LoadLittle64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  if constexpr (std::endian::native == std::endian::big) {
    v = __builtin_bswap64(v);
  }
  return v;
}

// The bytes of a token of `len` <= 16 bytes as two words, zero past its end.
constexpr uint64_t LowMask(size_t len) {
  return len >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * len)) - 1;
}
constexpr uint64_t HighMask(size_t len) {
  return len <= 8 ? 0 : LowMask(len - 8);
}
constexpr auto kLowMasks = [] {
  std::array<uint64_t, 17> m{};
  for (size_t i = 0; i <= 16; ++i) m[i] = LowMask(i);
  return m;
}();
constexpr auto kHighMasks = [] {
  std::array<uint64_t, 17> m{};
  for (size_t i = 0; i <= 16; ++i) m[i] = HighMask(i);
  return m;
}();

}  // namespace

// `may_read_16`: 16 bytes from p are inside the text, so the two words load
// whole and are masked (no branch on the length, which is what costs XXH3
// its time on words); otherwise the token is copied out first. Both give
// the same value.
inline uint64_t Shingler::HashToken(const char* p, size_t len,
                                    bool may_read_16) const {
  if (options_.token_hash == TokenHash::kXxh3 || len > 16) {
    return XXH3_64bits_withSeed(p, len, options_.seed);
  }
  uint64_t first, second;
  if (may_read_16) {
    first = LoadLittle64(p) & kLowMasks[len];
    second = LoadLittle64(p + 8) & kHighMasks[len];
  } else {
    char bytes[16] = {};
    std::memcpy(bytes, p, len);
    first = LoadLittle64(bytes);
    second = LoadLittle64(bytes + 8);
  }
  // The 128-bit product of the two keyed words, folded (the top half holds
  // what the bottom half lost), then spread.
  const unsigned __int128 product =
      static_cast<unsigned __int128>(first ^ key_first_[len]) *
      (second ^ key_second_[len]);
  return internal::Mix64(static_cast<uint64_t>(product) ^
                         static_cast<uint64_t>(product >> 64));
}

void Shingler::Shingle(std::string_view text, absl::Span<const Token> tokens,
                       Shingles& out) const {
  const uint64_t seed = options_.seed;
  const size_t n = tokens.size();
  const size_t k = static_cast<size_t>(options_.k);
  out.hashes.resize(n);
  out.first_token.clear();
  for (size_t i = 0; i < n; ++i) {
    const Token t = tokens[i];
    out.hashes[i] = HashToken(text.data() + t.begin, t.end - t.begin,
                              size_t{t.begin} + 16 <= text.size());
  }
  if (n == 0) {
    out.tokens_per_shingle = 0;
    return;
  }
  const size_t width = std::min(n, k);
  const size_t count = n - width + 1;
  // A shingle's hash is a polynomial in its token hashes, rolled along the
  // text (one multiply-add per shingle, whatever k), then mixed. Token
  // hashes are XXH3 outputs, so the polynomial of distinct token runs
  // collides no more often than random 64-bit values; Mix64 spreads it.
  // Shingle i is written over token hash i, which no later shingle reads
  // once it has left the window.
  constexpr uint64_t kBase = 0x9e3779b97f4a7c15ULL;
  uint64_t top = 1;  // kBase^(width - 1)
  for (size_t j = 1; j < width; ++j) top *= kBase;
  const uint64_t salt = internal::Mix64(seed ^ width);
  uint64_t h = 0;
  for (size_t j = 0; j < width; ++j) h = h * kBase + out.hashes[j];
  for (size_t i = 0; i < count; ++i) {
    const uint64_t first = out.hashes[i];
    out.hashes[i] = internal::Mix64(h ^ salt);
    if (i + width < n) h = (h - first * top) * kBase + out.hashes[i + width];
  }
  out.hashes.resize(count);
  out.first_token.resize(count);
  for (size_t i = 0; i < count; ++i) out.first_token[i] = static_cast<uint32_t>(i);
  out.tokens_per_shingle = static_cast<uint32_t>(width);
}

void SortedSet(absl::Span<const uint64_t> hashes, std::vector<uint64_t>& out) {
  const size_t n = hashes.size();
  if (n < 64) {
    out.assign(hashes.begin(), hashes.end());
    std::sort(out.begin(), out.end());
  } else {
    // Shingle hashes are uniform, so one counting pass on their top bits
    // into about n buckets leaves a value or two per bucket, which an
    // insertion sort finishes: linear time, where comparison sorting the
    // sets was a sixth of a clustering run. The insertion sort runs once
    // over the whole array, not bucket by bucket: values never cross a
    // bucket's start, and a loop over the (mostly empty or single) buckets
    // cost a mispredicted branch each (a quarter of the sort). A bucket
    // that is long all the same (a phrase repeated, which gives equal
    // values) would make that quadratic: then each bucket is sorted whole.
    int bits = 1;
    while ((size_t{1} << bits) < n && bits < 20) ++bits;
    const int shift = 64 - bits;
    const size_t buckets = size_t{1} << bits;
    thread_local std::vector<uint32_t> next;
    next.assign(buckets, 0);
    uint32_t* const cursor = next.data();
    for (uint64_t h : hashes) ++cursor[h >> shift];
    uint32_t total = 0, longest = 0;
    for (size_t b = 0; b < buckets; ++b) {
      const uint32_t count = cursor[b];
      cursor[b] = total;
      total += count;
      longest = std::max(longest, count);
    }
    out.resize(n);
    uint64_t* const o = out.data();
    for (uint64_t h : hashes) o[cursor[h >> shift]++] = h;
    if (longest > 32) {
      // Each cursor now stands at the end of its bucket.
      uint32_t begin = 0;
      for (size_t b = 0; b < buckets; ++b) {
        std::sort(o + begin, o + cursor[b]);
        begin = cursor[b];
      }
    } else {
      for (size_t i = 1; i < n; ++i) {
        const uint64_t v = o[i];
        size_t j = i;
        for (; j > 0 && v < o[j - 1]; --j) o[j] = o[j - 1];
        o[j] = v;
      }
    }
  }
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

}  // namespace mimeo
