#include "mimeo/tokenize.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "absl/strings/str_format.h"
#include "internal/text_kernels.h"
#include "utf8proc.h"

namespace mimeo {
namespace {

enum class Kind { kSeparator, kWord, kSingle, kMark };

}  // namespace

bool IsPerCharacterScript(char32_t cp) {
  return (cp >= 0x0E00 && cp <= 0x0EFF) ||    // Thai, Lao
         (cp >= 0x1780 && cp <= 0x17FF) ||    // Khmer
         (cp >= 0x19E0 && cp <= 0x19FF) ||    // Khmer symbols
         (cp >= 0x2E80 && cp <= 0x2FDF) ||    // CJK radicals
         (cp >= 0x3005 && cp <= 0x3007) ||    // ideographic marks
         (cp >= 0x3040 && cp <= 0x30FF) ||    // Hiragana, Katakana
         (cp >= 0x31F0 && cp <= 0x31FF) ||    // Katakana extension
         (cp >= 0x3400 && cp <= 0x4DBF) ||    // CJK extension A
         (cp >= 0x4E00 && cp <= 0x9FFF) ||    // CJK unified ideographs
         (cp >= 0xF900 && cp <= 0xFAFF) ||    // CJK compatibility
         (cp >= 0xFF66 && cp <= 0xFF9F) ||    // halfwidth Katakana
         (cp >= 0x20000 && cp <= 0x3134F);    // CJK extensions B..G
}

namespace {

// 1 for the ASCII bytes that are word characters (letters and digits).
constexpr std::array<uint8_t, 128> WordBytes() {
  std::array<uint8_t, 128> t{};
  for (int c = 0; c < 128; ++c) {
    t[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
  }
  return t;
}
constexpr std::array<uint8_t, 128> kWordByte = WordBytes();

Kind Classify(int32_t cp) {
  if (cp < 0x80) return kWordByte[cp] ? Kind::kWord : Kind::kSeparator;
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return IsPerCharacterScript(cp) ? Kind::kSingle : Kind::kWord;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
      return Kind::kMark;
    default:
      return Kind::kSeparator;
  }
}

// Decodes valid UTF-8; returns the length and sets *cp (-1 when invalid).
inline size_t Next(const uint8_t* p, size_t n, int32_t* cp) {
  if (p[0] < 0x80) {
    *cp = p[0];
    return 1;
  }
  const utf8proc_ssize_t len =
      utf8proc_iterate(p, static_cast<utf8proc_ssize_t>(n), cp);
  if (len <= 0) {
    *cp = -1;
    return 1;
  }
  return static_cast<size_t>(len);
}

}  // namespace

size_t UnspacedLetterAt(std::string_view text, size_t i) {
  if (i >= text.size() || static_cast<uint8_t>(text[i]) < 0xe0) return 0;
  int32_t cp;
  const size_t len = Next(reinterpret_cast<const uint8_t*>(text.data()) + i,
                          std::min<size_t>(text.size() - i, 4), &cp);
  return cp >= 0 && IsPerCharacterScript(static_cast<char32_t>(cp)) ? len : 0;
}

absl::Status Tokenizer::Options::Validate() const {
  if (mode != Mode::kWords && mode != Mode::kCharNgrams) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "tokenizer mode must be 0 (words) or 1 (char n-grams), got %d",
        static_cast<int>(mode)));
  }
  if (mode == Mode::kCharNgrams && (char_ngram < 1 || char_ngram > 32)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "tokenizer char_ngram must be in [1, 32], got %d", char_ngram));
  }
  return absl::OkStatus();
}

absl::StatusOr<Tokenizer> Tokenizer::Create(const Options& options) {
  absl::Status s = options.Validate();
  if (!s.ok()) return s;
  return Tokenizer(options);
}

namespace {

// The number of set bits of x. std::popcount is a library call on x86-64
// unless the build targets a CPU with POPCNT, and the tokenizer counts
// once per 64 bytes; this is a dozen instructions inline.
inline size_t CountBits(uint64_t x) {
#if defined(__POPCNT__)
  return static_cast<size_t>(std::popcount(x));
#else
  x -= (x >> 1) & 0x5555555555555555ULL;
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
  return static_cast<size_t>((x * 0x0101010101010101ULL) >> 56);
#endif
}

// Token edges (a token's begin, then its end) gathered in a buffer of
// tokens, so that a block's edges are written without a branch each; they
// move to the output in whole tokens when the buffer fills and at the end.
// Token is two 32-bit offsets: edge k is the k-th offset in the buffer's
// bytes, and edges 2k and 2k + 1 make token k.
static_assert(sizeof(Token) == 2 * sizeof(uint32_t));
class Edges {
 public:
  explicit Edges(std::vector<Token>& out) : out_(out) {}

  // Room for one more block's edges (64, and 16 written past the count).
  void Reserve() {
    if (count_ > kSize - 80) Drain();
  }

  void Add(uint32_t at) { Set(count_++, at); }

  // Adds `base` plus the index of each set bit of `bits`, in order. The
  // first 8 and 16 are written whether or not the bits hold that many (the
  // count leaves the extra values out, and the next adds overwrite them),
  // so that a block's edges cost no mispredicted branch unless it has more
  // than 16.
  void AddBits(uint32_t base, uint64_t bits) {
    const size_t n = CountBits(bits);
    for (size_t k = 0; k < 8; ++k) {
      Set(count_ + k, base + static_cast<uint32_t>(std::countr_zero(bits)));
      bits &= bits - 1;
    }
    if (n > 8) {
      for (size_t k = 8; k < 16; ++k) {
        Set(count_ + k, base + static_cast<uint32_t>(std::countr_zero(bits)));
        bits &= bits - 1;
      }
      for (size_t k = 16; k < n; ++k) {
        Set(count_ + k, base + static_cast<uint32_t>(std::countr_zero(bits)));
        bits &= bits - 1;
      }
    }
    count_ += n;
  }

  // The end of the last whole token, when `at` is it: a mark there extends
  // that token to `to`.
  void ExtendLastEnd(uint32_t at, uint32_t to) {
    if (count_ >= 2) {
      if (Get(count_ - 1) == at) Set(count_ - 1, to);
    } else if (!out_.empty() && out_.back().end == at) {
      out_.back().end = to;
    }
  }

  // Moves the whole tokens to the output; an unfinished one stays.
  void Drain() {
    out_.insert(out_.end(), tokens_, tokens_ + count_ / 2);
    if (count_ % 2 != 0) Set(0, Get(count_ - 1));
    count_ %= 2;
  }

 private:
  static constexpr size_t kSize = 1024;  // edges

  void Set(size_t k, uint32_t at) {
    std::memcpy(reinterpret_cast<char*>(tokens_) + k * sizeof(at), &at,
                sizeof(at));
  }
  uint32_t Get(size_t k) const {
    uint32_t at;
    std::memcpy(&at, reinterpret_cast<const char*>(tokens_) + k * sizeof(at),
                sizeof(at));
    return at;
  }

  std::vector<Token>& out_;
  Token tokens_[kSize / 2];
  size_t count_ = 0;  // an odd count: the last token's end is to come
};

// One character of the word rule at p[i] (text of n bytes), a character
// not in the ASCII path; returns its length.
inline size_t WordStep(const uint8_t* p, size_t i, size_t n, bool& in_word,
                       Edges& edges) {
  int32_t cp;
  const size_t len = Next(p + i, n - i, &cp);
  const Kind kind = cp < 0 ? Kind::kSeparator : Classify(cp);
  const uint32_t at = static_cast<uint32_t>(i);
  switch (kind) {
    case Kind::kWord:
      if (!in_word) {
        in_word = true;
        edges.Add(at);
      }
      break;
    case Kind::kMark:
      // Marks extend the token before them (a word, or a Thai or Han
      // character); a mark after a separator starts nothing.
      if (!in_word) edges.ExtendLastEnd(at, at + static_cast<uint32_t>(len));
      break;
    case Kind::kSingle:
      if (in_word) {
        edges.Add(at);
        in_word = false;
      }
      edges.Add(at);
      edges.Add(at + static_cast<uint32_t>(len));
      break;
    case Kind::kSeparator:
      if (in_word) {
        edges.Add(at);
        in_word = false;
      }
      break;
  }
  return len;
}

// 64 bits of `mask` from bit `at` on (the mask words past the last are
// zero).
inline uint64_t BitsFrom(const uint64_t* mask, size_t at) {
  const size_t w = at / 64, s = at % 64;
  if (s == 0) return mask[w];
  return (mask[w] >> s) | (mask[w + 1] << (64 - s));
}

// Word tokens by the block kernel: the text is classified in chunks, and
// each stretch of ASCII in a chunk is read 64 bytes at a time, a bit per
// letter or digit, tokens beginning and ending where the bits change.
// Bytes of 0x80 and above go through WordStep.
void WordsByBlocks(const uint8_t* p, size_t n, std::vector<Token>& out) {
  constexpr size_t kChunk = 2048;
  uint64_t word[kChunk / 64 + 1], high[kChunk / 64 + 1];
  Edges edges(out);
  bool in_word = false;
  size_t i = 0;
  while (i < n) {
    const size_t len = std::min(kChunk, n - i);
    internal::WordBytesDispatch(p + i, len, word, high);
    const size_t words = (len + 63) / 64;
    word[words] = high[words] = 0;
    size_t j = 0;
    while (j < len) {
      edges.Reserve();
      const size_t rest = len - j;
      const uint64_t valid =
          rest >= 64 ? ~uint64_t{0} : (uint64_t{1} << rest) - 1;
      const uint64_t h = BitsFrom(high, j) & valid;
      const size_t ascii = h != 0 ? static_cast<size_t>(std::countr_zero(h))
                                  : std::min<size_t>(rest, 64);
      if (ascii > 0) {
        const uint64_t in =
            ascii == 64 ? ~uint64_t{0} : (uint64_t{1} << ascii) - 1;
        const uint64_t w = BitsFrom(word, j) & in;
        const uint64_t before = (w << 1) | uint64_t{in_word};
        edges.AddBits(static_cast<uint32_t>(i + j), (w ^ before) & in);
        in_word = ((w >> (ascii - 1)) & 1) != 0;
        j += ascii;
      }
      if (h != 0) {
        // Characters of 0x80 and above, one at a time, until ASCII again
        // (which may be past this chunk).
        while (i + j < n && p[i + j] >= 0x80) {
          edges.Reserve();
          j += WordStep(p, i + j, n, in_word, edges);
        }
      }
    }
    i += j;
  }
  if (in_word) edges.Add(static_cast<uint32_t>(n));
  edges.Drain();
}

// Word tokens a character at a time, straight into `out`: the reference
// for WordsByBlocks.
void WordsByCharacter(const uint8_t* p, size_t n, std::vector<Token>& out) {
  bool in_word = false;
  uint32_t word_begin = 0;
  size_t i = 0;
  while (i < n) {
    int32_t cp;
    const size_t len = Next(p + i, n - i, &cp);
    const Kind kind = cp < 0 ? Kind::kSeparator : Classify(cp);
    const uint32_t at = static_cast<uint32_t>(i);
    switch (kind) {
      case Kind::kWord:
        if (!in_word) {
          in_word = true;
          word_begin = at;
        }
        break;
      case Kind::kMark:
        if (!in_word && !out.empty() && out.back().end == at) {
          out.back().end = at + static_cast<uint32_t>(len);
        }
        break;
      case Kind::kSingle:
        if (in_word) {
          out.push_back({word_begin, at});
          in_word = false;
        }
        out.push_back({at, at + static_cast<uint32_t>(len)});
        break;
      case Kind::kSeparator:
        if (in_word) {
          out.push_back({word_begin, at});
          in_word = false;
        }
        break;
    }
    i += len;
  }
  if (in_word) out.push_back({word_begin, static_cast<uint32_t>(n)});
}

void CharNgrams(const uint8_t* p, size_t n, size_t g, std::vector<Token>& out) {
  // Start offsets of the last g characters, in a ring.
  uint32_t starts[32];
  size_t count = 0;
  size_t i = 0;
  while (i < n) {
    int32_t cp;
    const size_t len = Next(p + i, n - i, &cp);
    if (cp == ' ' || cp < 0) {
      i += len;
      continue;
    }
    starts[count % g] = static_cast<uint32_t>(i);
    ++count;
    i += len;
    if (count >= g) {
      out.push_back({starts[(count - g) % g], static_cast<uint32_t>(i)});
    }
  }
  if (count > 0 && count < g) {
    // A text shorter than one n-gram is one token, never none.
    out.push_back({starts[0], static_cast<uint32_t>(i)});
  }
}

void TokenizeText(const Tokenizer::Options& options, std::string_view text,
                  std::vector<Token>& out, bool blocks) {
  out.clear();
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();
  if (options.mode == Tokenizer::Mode::kCharNgrams) {
    CharNgrams(p, n, static_cast<size_t>(options.char_ngram), out);
  } else if (blocks) {
    WordsByBlocks(p, n, out);
  } else {
    WordsByCharacter(p, n, out);
  }
}

}  // namespace

void Tokenizer::Tokenize(std::string_view text, std::vector<Token>& out) const {
  TokenizeText(options_, text, out, /*blocks=*/true);
}

namespace internal {

void TokenizeByCharacter(const Tokenizer::Options& options,
                         std::string_view text, std::vector<Token>& out) {
  TokenizeText(options, text, out, /*blocks=*/false);
}

}  // namespace internal
}  // namespace mimeo
