#include "mimeo/normalize.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <utility>

#include "absl/strings/str_format.h"
#include "internal/text_kernels.h"
#include "utf8proc.h"

namespace mimeo {
namespace {

constexpr int32_t kReplacement = 0xFFFD;

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

  // Appends a decomposed code point coming from source offset `src`. A
  // combining mark after whitespace stays after it, starting a run of its
  // own (a defective sequence, as NFC leaves it): it never joins the run
  // before the whitespace, so a text normalizes alike whatever the length
  // of its whitespace.
  void Push(int32_t cp, uint32_t src) {
    const bool starter =
        cp < 0x300 || utf8proc_get_property(cp)->combining_class == 0;
    if ((starter || pending_space_) && len_ > 0) Flush();
    if (len_ == 0) {
      FlushSpace();
      run_src_ = src;
    }
    if (len_ < run_.size()) {
      run_[len_++] = cp;
    } else {
      // A pathological run of combining marks (zalgo text): compose what we
      // have and start again, which keeps memory bounded. The rest of the
      // run still maps to its starter, as a shorter run's marks do.
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

  // A stretch of ASCII of at least 16 bytes from i (whitespace folding
  // on) by the block kernel: appends p[i..stop), where stop is n when the
  // stretch runs to the end of the text, else the last ASCII byte before
  // the first byte of 0x80 or above from i, which stays for the general
  // path since a combining mark may follow it. Returns stop. The stretch
  // is classified in chunks from i, 64 bytes first and twice as many each
  // time after, so that a stretch that ends soon (in accented text) costs
  // one block. Each chunk but the last holds its last byte back for the
  // next, which tells whether it ends the stretch. Out of line: its
  // buffers in the stack frame of Normalize's character loop slowed text
  // in other scripts.
  [[gnu::noinline]] size_t AsciiChunks(const uint8_t* p, size_t i, size_t n,
                                       bool case_fold) {
    constexpr size_t kMaxChunk = 2048;
    uint8_t folded[kMaxChunk + 64];
    uint64_t high[kMaxChunk / 64], space[kMaxChunk / 64], nul[kMaxChunk / 64];
    bool started = false;
    for (size_t chunk = 64;; chunk = std::min(2 * chunk, kMaxChunk)) {
      const size_t len = std::min(chunk, n - i);
      internal::FoldAsciiDispatch(p + i, len, case_fold, folded, high, space,
                                  nul);
      size_t h = len;
      for (size_t b = 0; b * 64 < len; ++b) {
        if (high[b] != 0) {
          h = b * 64 + static_cast<size_t>(std::countr_zero(high[b]));
          break;
        }
      }
      const bool to_end = h == len && i + len == n;
      const size_t take = to_end ? len : h - 1;
      if (take > 0) {
        if (!started) {
          BeginAscii();
          started = true;
        }
        AsciiBlocks(i, take, folded, space, nul);
        i += take;
      }
      if (to_end || h < len) break;
    }
    if (started) EndAscii();
    return i;
  }

  // Appends p[i..end) (all below 0x80) a byte at a time through `table`
  // (0 for whitespace and control characters, else the output byte): the
  // shorter stretches, and every stretch in the reference that
  // AsciiChunks is tested against.
  void AsciiBytes(const uint8_t* p, size_t i, size_t end,
                  const std::array<uint8_t, 128>& table) {
    BeginAscii();
    Room(end - i);
    for (; i < end; ++i) {
      const uint8_t c = table[p[i]];
      if (c == 0) {
        out_.nul_bytes += p[i] == 0;
        if (!ascii_.last_space && ascii_.pos != 0) {
          Put(' ', static_cast<uint32_t>(i));
          ascii_.last_space = true;
          ascii_.space_src = static_cast<uint32_t>(i);
        }
        continue;
      }
      Put(static_cast<char>(c), static_cast<uint32_t>(i));
      ascii_.last_space = false;
    }
    EndAscii();
  }

 private:
  // Where the ASCII paths write: straight into the output's buffers,
  // grown ahead of the writes (Room) and cut back to `pos` at the end.
  // Spaces are written eagerly; one left at the end goes back to pending,
  // so the output never ends in a space.
  struct AsciiState {
    char* text = nullptr;
    uint32_t* offsets = nullptr;  // null unless keep_offsets
    size_t pos = 0;
    // The last byte written is a space, from source offset space_src.
    bool last_space = false;
    uint32_t space_src = 0;
  };

  void BeginAscii() {
    Flush();
    ascii_.pos = out_.text.size();
    // The last byte written is a space only if a space was written last,
    // which is never left at the end of the output (above).
    ascii_.last_space = false;
    Room(1);
    if (pending_space_ && ascii_.pos != 0) {
      Put(' ', space_src_);
      ascii_.last_space = true;
      ascii_.space_src = space_src_;
    }
    pending_space_ = false;
  }

  void EndAscii() {
    if (ascii_.last_space) {
      --ascii_.pos;
      pending_space_ = true;
      space_src_ = ascii_.space_src;
    }
    out_.text.resize(ascii_.pos);
    if (o_.keep_offsets) out_.source_offset.resize(ascii_.pos);
  }

  // Makes room for `bytes` more output bytes after pos, and 64 of slack
  // for whole-block copies.
  void Room(size_t bytes) {
    const size_t need = ascii_.pos + bytes + 64;
    if (out_.text.size() < need) out_.text.resize(need);
    ascii_.text = out_.text.data();
    if (o_.keep_offsets) {
      if (out_.source_offset.size() < need) out_.source_offset.resize(need);
      ascii_.offsets = out_.source_offset.data();
    }
  }

  void Put(char c, uint32_t src) {
    if (ascii_.offsets != nullptr) ascii_.offsets[ascii_.pos] = src;
    ascii_.text[ascii_.pos++] = c;
  }

  // Appends source bytes [i, i + take) from their kernel classes: the
  // chunk's folded bytes and its masks, block by block. Within a block the
  // spaces to drop are those after another space (or after a space
  // written before it, or at the very start of the output, where the
  // output never begins with a space); what is left is copied in runs, 64
  // bytes at a time, which the slack allows.
  void AsciiBlocks(size_t i, size_t take, const uint8_t* folded,
                   const uint64_t* space, const uint64_t* nul) {
    Room(take);
    char* const w = ascii_.text;
    uint32_t* const offsets = ascii_.offsets;
    size_t pos = ascii_.pos;
    bool last_space = ascii_.last_space;
    uint32_t space_src = ascii_.space_src;
    for (size_t b = 0; b * 64 < take; ++b) {
      const size_t len = std::min<size_t>(64, take - b * 64);
      const uint64_t valid =
          len == 64 ? ~uint64_t{0} : (uint64_t{1} << len) - 1;
      const uint64_t s = space[b] & valid;
      if ((nul[b] & valid) != 0) {
        out_.nul_bytes += static_cast<uint64_t>(std::popcount(nul[b] & valid));
      }
      const uint64_t carry = last_space || pos == 0;
      const uint64_t drop = s & ((s << 1) | carry);
      const uint8_t* from = folded + b * 64;
      const uint32_t src = static_cast<uint32_t>(i + b * 64);
      if (drop == 0) {
        std::memcpy(w + pos, from, 64);
        if (offsets != nullptr) {
          for (uint32_t k = 0; k < 64; ++k) offsets[pos + k] = src + k;
        }
        pos += len;
      } else {
        uint64_t keep = valid & ~drop;
        while (keep != 0) {
          const int at = std::countr_zero(keep);
          const int run = std::countr_one(keep >> at);
          std::memcpy(w + pos, from + at, 64);
          if (offsets != nullptr) {
            for (int k = 0; k < run; ++k) offsets[pos + k] = src + at + k;
          }
          pos += static_cast<size_t>(run);
          keep = at + run >= 64 ? 0 : keep & (~uint64_t{0} << (at + run));
        }
      }
      if (pos != 0 && ((s >> (len - 1)) & 1) != 0) {
        // The block ends in spaces: the first of them was written unless
        // it continues a run from before.
        const uint64_t other = ~s & valid;
        const int first = other == 0 ? 0 : 64 - std::countl_zero(other);
        if (((drop >> first) & 1) == 0) {
          space_src = src + static_cast<uint32_t>(first);
        }
        last_space = true;
      } else {
        last_space = false;
      }
    }
    ascii_.pos = pos;
    ascii_.last_space = last_space;
    ascii_.space_src = space_src;
  }

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
  AsciiState ascii_;
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

namespace {

// Normalize(), by the block path (`blocks`) or the byte-by-byte reference.
absl::Status NormalizeText(const Normalizer::Options& options,
                           std::string_view input, NormalizedText& out,
                           bool blocks) {
  if (input.size() > Normalizer::kMaxInputBytes) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "text of %d bytes is longer than the %d bytes a document may hold",
        input.size(), Normalizer::kMaxInputBytes));
  }
  out.text.clear();
  out.source_offset.clear();
  out.invalid_sequences = 0;
  out.nul_bytes = 0;
  // The ASCII paths grow the buffers 64 bytes past what they write.
  out.text.reserve(input.size() + 65);
  if (options.keep_offsets) out.source_offset.reserve(input.size() + 65);

  int decompose_options = UTF8PROC_IGNORE;
  if (options.nfkc) decompose_options |= UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE;
  if (options.case_fold) decompose_options |= UTF8PROC_CASEFOLD;

  Emitter emit(options, out);
  const auto* p = reinterpret_cast<const uint8_t*>(input.data());
  const size_t n = input.size();
  int32_t decomposed[32];
  size_t i = 0;
  const std::array<uint8_t, 128>& ascii =
      options.case_fold ? kAsciiFolded : kAsciiKept;
  while (i < n) {
    if (options.fold_whitespace && p[i] < 0x80) {
      // A stretch of ASCII in bulk. Its last character stays for the
      // general path when a non-ASCII character follows: that one may be a
      // combining mark composing with it. The block path takes the
      // stretches of 16 bytes or more; spaces and punctuation between
      // words of another script are cheaper a byte at a time. Nothing is
      // flushed for a stretch of one byte (before a non-ASCII one): the
      // general path takes it, and flushing the composition run before it
      // sees a space would change where a mark after that space goes.
      const size_t limit = blocks ? std::min(n, i + 16) : n;
      size_t end = i;
      while (end < limit && p[end] < 0x80) ++end;
      if (end == limit && end < n) {
        i = emit.AsciiChunks(p, i, n, options.case_fold);
      } else {
        const size_t stop = end < n ? end - 1 : end;
        if (stop > i) {
          emit.AsciiBytes(p, i, stop, ascii);
          i = stop;
        }
      }
      if (i == n) break;
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
    if (options.fold_whitespace && IsSpaceLike(cp)) {
      emit.Space(src);
      continue;
    }
    if (cp < 0x80 && cp >= 0x20 && cp != 0x7F) {
      // ASCII fast path: decomposition is the identity, folding is tolower.
      // Only a following non-ASCII character can be a combining mark.
      if (options.case_fold && cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
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
      if (options.fold_whitespace && IsSpaceLike(d)) {
        emit.Space(src);
      } else {
        emit.Push(d, src);
      }
    }
  }
  emit.Finish();
  if (options.keep_offsets) out.source_offset.push_back(static_cast<uint32_t>(n));
  return absl::OkStatus();
}

}  // namespace

absl::Status Normalizer::Normalize(std::string_view input,
                                   NormalizedText& out) const {
  return NormalizeText(options_, input, out, /*blocks=*/true);
}

absl::StatusOr<NormalizedText> Normalizer::Normalize(
    std::string_view input) const {
  NormalizedText out;
  absl::Status s = Normalize(input, out);
  if (!s.ok()) return s;
  return out;
}

namespace internal {

absl::Status NormalizeByteByByte(const Normalizer::Options& options,
                                 std::string_view input, NormalizedText& out) {
  return NormalizeText(options, input, out, /*blocks=*/false);
}

}  // namespace internal
}  // namespace mimeo
