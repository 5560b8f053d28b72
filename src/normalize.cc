#include "mimeo/normalize.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "absl/strings/str_format.h"
#include "utf8proc.h"

namespace mimeo {
namespace {

constexpr int32_t kReplacement = 0xFFFD;
constexpr uint64_t kOnes = 0x0101010101010101ULL;

// The high bit of every zero byte of t, exactly (no borrow between bytes).
inline uint64_t ZeroBytes(uint64_t t) {
  const uint64_t y = (t & (kOnes * 0x7F)) + kOnes * 0x7F;
  return ~(y | t | kOnes * 0x7F);
}

bool IsSpaceLike(int32_t cp) {
  if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r') return true;
  if (cp < 0x80) return cp < 0x20 || cp == 0x7F;
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
    case UTF8PROC_CATEGORY_CC:
      return true;
    default:
      return false;
  }
}

int32_t FoldPunctuation(int32_t cp) {
  if (cp < 0x80) return cp;
  switch (cp) {
    case 0x2018: case 0x2019: case 0x201A: case 0x201B:
    case 0x2032: case 0x2035: case 0x02BC: case 0x00B4: case 0x0060:
      return '\'';
    case 0x201C: case 0x201D: case 0x201E: case 0x201F:
    case 0x2033: case 0x2036: case 0x00AB: case 0x00BB:
      return '"';
    case 0x2212:  // minus sign
      return '-';
    default:
      break;
  }
  if (utf8proc_category(cp) == UTF8PROC_CATEGORY_PD) return '-';
  return cp;
}

// Accumulates decomposed code points into runs (a starter and the
// non-starters after it), composes each run and appends it to the output.
// Composition never crosses a starter except for conjoining Hangul jamo,
// which utf8proc composes within the run as well; a run maps back to the
// source character that produced its starter.
class Emitter {
 public:
  Emitter(const Normalizer::Options& o, NormalizedText& out)
      : o_(o), out_(out) {}

  void Space(uint32_t src) {
    if (!pending_space_) space_src_ = src;
    pending_space_ = true;
  }

  // Appends a decomposed code point coming from source offset `src`.
  void Push(int32_t cp, uint32_t src) {
    const bool starter =
        cp < 0x300 || utf8proc_get_property(cp)->combining_class == 0;
    if (starter && len_ > 0) Flush();
    if (len_ == 0) {
      FlushSpace();
      run_src_ = src;
    }
    if (len_ < run_.size()) {
      run_[len_++] = cp;
    } else {
      // A pathological run of combining marks (zalgo text): compose what we
      // have and start again, which keeps memory bounded. The rest of the
      // run still maps to its starter, as a shorter run's marks do: marks
      // that follow a space join the run before it, and mapping them past
      // the space would put the space's offset after theirs.
      Flush();
      run_[len_++] = cp;
    }
  }

  // Appends a printable ASCII character that no combining mark follows:
  // nothing can compose with it, so it skips the run buffer.
  void PushAsciiFinal(char c, uint32_t src) {
    if (len_ > 0) Flush();
    FlushSpace();
    Emit(c, src);
  }

  void Finish() { Flush(); }

  // The fast path for a stretch of ASCII: appends p[i..end) (all below
  // 0x80) when whitespace folding is on. Eight bytes at a time when they
  // hold no control character and no two spaces in a row (most English
  // text); byte by byte through `table` (0 for whitespace and control
  // characters, else the output byte) otherwise. Returns the count of NUL
  // bytes seen. Spaces are written eagerly; one left at the end goes back
  // to pending, so the output never ends in a space.
  uint64_t AsciiRun(const uint8_t* p, size_t i, size_t end,
                    const std::array<uint8_t, 128>& table) {
    Flush();
    std::string& text = out_.text;
    size_t pos = text.size();
    // Each byte writes at most one byte, plus one for a pending space.
    text.resize(pos + (end - i) + 1);
    char* w = text.data();
    uint32_t* offsets = nullptr;
    if (o_.keep_offsets) {
      out_.source_offset.resize(pos + (end - i) + 1);
      offsets = out_.source_offset.data();
    }
    // The last byte written is a space (from source offset space_src).
    bool last_space = pos != 0 && w[pos - 1] == ' ';
    uint32_t space_src = 0;
    if (pending_space_ && pos != 0) {
      if (offsets != nullptr) offsets[pos] = space_src_;
      w[pos++] = ' ';
      last_space = true;
      space_src = space_src_;
    }
    pending_space_ = false;
    const bool fold = table['A'] == 'a';
    uint64_t nul = 0;
    while (i < end) {
      if (end - i >= 8) {
        uint64_t x;
        std::memcpy(&x, p + i, 8);
        const uint64_t spaces = ZeroBytes(x ^ (kOnes * 0x20));
        const uint64_t control =
            (~((x << 1) | x) & (kOnes * 0x40)) | ZeroBytes(x ^ (kOnes * 0x7F));
        const bool space_first = (spaces & 0x80) != 0;
        if (control == 0 && (spaces & (spaces << 8)) == 0 &&
            !(space_first && (last_space || pos == 0))) {
          if (fold) {
            const uint64_t ge_a = x + kOnes * (0x80 - 'A');
            const uint64_t ge_z1 = x + kOnes * (0x80 - 'Z' - 1);
            x |= ((ge_a & ~ge_z1) & (kOnes * 0x80)) >> 2;
          }
          std::memcpy(w + pos, &x, 8);
          if (offsets != nullptr) {
            for (uint32_t k = 0; k < 8; ++k) offsets[pos + k] = static_cast<uint32_t>(i + k);
          }
          pos += 8;
          i += 8;
          last_space = (spaces >> 63) != 0;
          if (last_space) space_src = static_cast<uint32_t>(i - 1);
          continue;
        }
      }
      const size_t block_end = std::min(end, i + 8);
      for (; i < block_end; ++i) {
        const uint8_t c = table[p[i]];
        if (c == 0) {
          nul += p[i] == 0;
          if (!last_space && pos != 0) {
            if (offsets != nullptr) offsets[pos] = static_cast<uint32_t>(i);
            w[pos++] = ' ';
            last_space = true;
            space_src = static_cast<uint32_t>(i);
          }
          continue;
        }
        if (offsets != nullptr) offsets[pos] = static_cast<uint32_t>(i);
        w[pos++] = static_cast<char>(c);
        last_space = false;
      }
    }
    // A space written last is the only way the output can end in one.
    if (last_space) {
      --pos;
      pending_space_ = true;
      space_src_ = space_src;
    }
    text.resize(pos);
    if (offsets != nullptr) out_.source_offset.resize(pos);
    return nul;
  }

 private:
  void FlushSpace() {
    if (pending_space_) {
      pending_space_ = false;
      if (!out_.text.empty()) Emit(' ', space_src_);
    }
  }

  void Flush() {
    if (len_ == 0) return;
    size_t n = len_;
    if (n > 1) {
      // Canonical ordering of the non-starters (stable by combining class).
      std::stable_sort(run_.begin() + 1, run_.begin() + n,
                       [](int32_t a, int32_t b) {
                         return utf8proc_get_property(a)->combining_class <
                                utf8proc_get_property(b)->combining_class;
                       });
      if (o_.nfkc) {
        const utf8proc_ssize_t r = utf8proc_normalize_utf32(
            run_.data(), static_cast<utf8proc_ssize_t>(n),
            static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
        if (r >= 0) n = static_cast<size_t>(r);
      }
    }
    for (size_t i = 0; i < n; ++i) {
      int32_t cp = run_[i];
      if (o_.fold_punctuation) cp = FoldPunctuation(cp);
      Emit(cp, run_src_);
    }
    len_ = 0;
  }

  void Emit(int32_t cp, uint32_t src) {
    if (cp < 0x80) {
      out_.text.push_back(static_cast<char>(cp));
      if (o_.keep_offsets) out_.source_offset.push_back(src);
      return;
    }
    uint8_t buf[4];
    const utf8proc_ssize_t n = utf8proc_encode_char(cp, buf);
    out_.text.append(reinterpret_cast<const char*>(buf), n);
    if (o_.keep_offsets) out_.source_offset.insert(out_.source_offset.end(), n, src);
  }

  const Normalizer::Options& o_;
  NormalizedText& out_;
  std::array<int32_t, 64> run_{};
  size_t len_ = 0;
  uint32_t run_src_ = 0;
  bool pending_space_ = false;
  uint32_t space_src_ = 0;
};

// The ASCII fast path's tables: 0 for whitespace and control characters,
// else the character itself, lower-cased in the folding table.
constexpr std::array<uint8_t, 128> AsciiTable(bool fold) {
  std::array<uint8_t, 128> t{};
  for (int c = 0x21; c < 0x7F; ++c) {
    t[c] = static_cast<uint8_t>(fold && c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  return t;
}
constexpr std::array<uint8_t, 128> kAsciiFolded = AsciiTable(true);
constexpr std::array<uint8_t, 128> kAsciiKept = AsciiTable(false);

}  // namespace

Utf8Char DecodeUtf8(std::string_view s) noexcept {
  if (s.empty()) return {-1, 0};
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const uint8_t b0 = p[0];
  if (b0 < 0x80) return {b0, 1};
  // The lead byte gives the length and the range of the second byte; the
  // narrowed ranges after E0, ED, F0 and F4 exclude overlong forms,
  // surrogates and code points past U+10FFFF (Unicode table 3-7).
  uint32_t need;
  uint8_t lo = 0x80, hi = 0xBF;
  int32_t value;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1;
    value = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2;
    value = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3;
    value = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return {-1, 1};
  }
  uint32_t i = 1;
  for (; i <= need && i < s.size(); ++i) {
    const uint8_t b = p[i];
    if (b < lo || b > hi) break;
    value = (value << 6) | (b & 0x3F);
    lo = 0x80;
    hi = 0xBF;
  }
  if (i <= need) return {-1, i};
  return {value, need + 1};
}

std::string RepairUtf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  size_t i = 0;
  while (i < in.size()) {
    // Valid stretches are copied whole.
    size_t j = i;
    Utf8Char c;
    while (j < in.size() && (c = DecodeUtf8(in.substr(j))).code_point >= 0) {
      j += c.bytes;
    }
    out.append(in.substr(i, j - i));
    if (j == in.size()) break;
    out.append("\xEF\xBF\xBD");
    i = j + c.bytes;
  }
  return out;
}

absl::Status Normalizer::Options::Validate() const { return absl::OkStatus(); }

absl::StatusOr<Normalizer> Normalizer::Create(const Options& options) {
  absl::Status s = options.Validate();
  if (!s.ok()) return s;
  return Normalizer(options);
}

absl::Status Normalizer::Normalize(std::string_view input,
                                   NormalizedText& out) const {
  if (input.size() > kMaxInputBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "text of %d bytes is longer than the %d bytes a document may hold",
        input.size(), kMaxInputBytes));
  }
  out.text.clear();
  out.source_offset.clear();
  out.invalid_sequences = 0;
  out.nul_bytes = 0;
  out.text.reserve(input.size());
  if (options_.keep_offsets) out.source_offset.reserve(input.size() + 1);

  int decompose_options = UTF8PROC_IGNORE;
  if (options_.nfkc) decompose_options |= UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE;
  if (options_.case_fold) decompose_options |= UTF8PROC_CASEFOLD;

  Emitter emit(options_, out);
  const auto* p = reinterpret_cast<const uint8_t*>(input.data());
  const size_t n = input.size();
  int32_t decomposed[32];
  size_t i = 0;
  const std::array<uint8_t, 128>& ascii =
      options_.case_fold ? kAsciiFolded : kAsciiKept;
  while (i < n) {
    if (options_.fold_whitespace && p[i] < 0x80) {
      // A stretch of ASCII in bulk. Its last character stays for the
      // general path when a non-ASCII character follows: that one may be a
      // combining mark composing with it.
      size_t end = i;
      while (end < n && p[end] < 0x80) ++end;
      const size_t stop = end < n ? end - 1 : end;
      if (stop > i) {
        out.nul_bytes += emit.AsciiRun(p, i, stop, ascii);
        i = stop;
        if (i == n) break;
      }
    }
    const uint32_t src = static_cast<uint32_t>(i);
    int32_t cp;
    const uint8_t b = p[i];
    if (b < 0x80) {
      cp = b;
      ++i;
    } else {
      const Utf8Char c = DecodeUtf8(input.substr(i));
      cp = c.code_point;
      i += c.bytes;
      if (cp < 0) {
        ++out.invalid_sequences;
        cp = kReplacement;
      }
    }
    if (cp == 0) ++out.nul_bytes;
    if (options_.fold_whitespace && IsSpaceLike(cp)) {
      emit.Space(src);
      continue;
    }
    if (cp < 0x80 && cp >= 0x20 && cp != 0x7F) {
      // ASCII fast path: decomposition is the identity, folding is tolower.
      // Only a following non-ASCII character can be a combining mark.
      if (options_.case_fold && cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
      if (i == n || p[i] < 0x80) {
        emit.PushAsciiFinal(static_cast<char>(cp), src);
      } else {
        emit.Push(cp, src);
      }
      continue;
    }
    int boundclass = 0;
    const utf8proc_ssize_t m = utf8proc_decompose_char(
        cp, decomposed, 32, static_cast<utf8proc_option_t>(decompose_options),
        &boundclass);
    if (m < 0 || m > 32) {
      emit.Push(cp, src);
      continue;
    }
    for (utf8proc_ssize_t j = 0; j < m; ++j) {
      const int32_t d = decomposed[j];
      if (options_.fold_whitespace && IsSpaceLike(d)) {
        emit.Space(src);
      } else {
        emit.Push(d, src);
      }
    }
  }
  emit.Finish();
  if (options_.keep_offsets) out.source_offset.push_back(static_cast<uint32_t>(n));
  return absl::OkStatus();
}

absl::StatusOr<NormalizedText> Normalizer::Normalize(
    std::string_view input) const {
  NormalizedText out;
  absl::Status s = Normalize(input, out);
  if (!s.ok()) return s;
  return out;
}

}  // namespace mimeo
