#include "mimeo/tokenize.h"

#include <array>
#include <bit>
#include <cstring>

#include "absl/strings/str_format.h"
#include "utf8proc.h"

namespace mimeo {
namespace {

enum class Kind { kSeparator, kWord, kSingle, kMark };

// Scripts written without spaces between words: one token per character.
bool IsPerCharacterScript(int32_t cp) {
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

inline bool AllAscii(const uint8_t* p) {
  uint64_t any = 0;
  for (size_t k = 0; k < 64; k += 8) {
    uint64_t x;
    std::memcpy(&x, p + k, 8);
    any |= x;
  }
  return (any & 0x8080808080808080ULL) == 0;
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

void Tokenizer::Tokenize(std::string_view text, std::vector<Token>& out) const {
  out.clear();
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const size_t n = text.size();

  if (options_.mode == Mode::kCharNgrams) {
    // Start offsets of the last char_ngram characters, in a ring.
    uint32_t starts[32];
    size_t count = 0;
    const size_t g = static_cast<size_t>(options_.char_ngram);
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
    return;
  }

  bool in_word = false;
  uint32_t word_begin = 0;
  size_t i = 0;
  while (i < n) {
    if (n - i >= 64 && AllAscii(p + i)) {
      // 64 ASCII bytes at once: a bit per byte that is a letter or digit,
      // then word starts and ends from its edges.
      uint64_t word = 0;
      for (size_t k = 0; k < 64; ++k) {
        word |= uint64_t{kWordByte[p[i + k]]} << k;
      }
      const uint64_t before = (word << 1) | uint64_t{in_word};
      uint64_t edges = (word & ~before) | (~word & before);
      while (edges != 0) {
        const uint32_t at = static_cast<uint32_t>(i) + std::countr_zero(edges);
        if (in_word) {
          out.push_back({word_begin, at});
        } else {
          word_begin = at;
        }
        in_word = !in_word;
        edges &= edges - 1;
      }
      i += 64;
      continue;
    }
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
        // Marks extend the token before them (a word, or a Thai or Han
        // character); a mark after a separator starts nothing.
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

}  // namespace mimeo
