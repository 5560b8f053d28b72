// Fuzz target: the Normalizer (normalize.h) on any bytes.
//
// Input: one byte of options (bit 0 nfkc, 1 case folding, 2 whitespace
// folding, 3 punctuation folding), then the text. Checks that the output
// is valid UTF-8, that its offsets are in range, ascending, and map every
// output character back to the start of an input character, that keeping
// offsets does not change the text, and that the ASCII block paths give
// what their byte-by-byte references give: Normalize() against
// internal::NormalizeByteByByte, Tokenize() against
// internal::TokenizeByCharacter on the input and on its normalized text.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "internal/text_kernels.h"
#include "mimeo/normalize.h"
#include "mimeo/tokenize.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using mimeo::Normalizer;
  if (size == 0) return 0;
  Normalizer::Options o;
  o.nfkc = (data[0] & 1) != 0;
  o.case_fold = (data[0] & 2) != 0;
  o.fold_whitespace = (data[0] & 4) != 0;
  o.fold_punctuation = (data[0] & 8) != 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);

  Normalizer::Options with_offsets = o;
  with_offsets.keep_offsets = true;
  auto plain = Normalizer::Create(o);
  auto mapped = Normalizer::Create(with_offsets);
  FUZZ_CHECK(plain.ok() && mapped.ok());
  auto a = plain->Normalize(in);
  auto b = mapped->Normalize(in);
  FUZZ_CHECK(a.ok() && b.ok());
  FUZZ_CHECK(a->text == b->text);
  FUZZ_CHECK(a->invalid_sequences == b->invalid_sequences);
  FUZZ_CHECK(a->nul_bytes == b->nul_bytes);
  FUZZ_CHECK(a->source_offset.empty());
  FUZZ_CHECK(mimeo::RepairUtf8(b->text) == b->text);

  // Where input characters start (an invalid sequence counts as one).
  std::vector<bool> starts(in.size() + 1, false);
  for (size_t i = 0; i < in.size();) {
    starts[i] = true;
    i += mimeo::DecodeUtf8(in.substr(i)).bytes;
  }
  const std::vector<uint32_t>& off = b->source_offset;
  FUZZ_CHECK(off.size() == b->text.size() + 1);
  FUZZ_CHECK(off.back() == in.size());
  for (size_t i = 0; i < b->text.size(); ++i) {
    FUZZ_CHECK(off[i] < in.size());
    FUZZ_CHECK(starts[off[i]]);
    FUZZ_CHECK(off[i] <= off[i + 1]);
    // The bytes of one output character come from one input character.
    if ((static_cast<uint8_t>(b->text[i]) & 0xC0) == 0x80) {
      FUZZ_CHECK(off[i] == off[i - 1]);
    }
  }
  // SourceRange of the whole text is the input it came from.
  if (!b->text.empty()) {
    const auto [begin, end] = b->SourceRange(0, b->text.size());
    FUZZ_CHECK(begin <= end && end == in.size());
  }

  mimeo::NormalizedText want;
  FUZZ_CHECK(mimeo::internal::NormalizeByteByByte(with_offsets, in, want).ok());
  FUZZ_CHECK(want.text == b->text);
  FUZZ_CHECK(want.source_offset == b->source_offset);
  FUZZ_CHECK(want.invalid_sequences == b->invalid_sequences);
  FUZZ_CHECK(want.nul_bytes == b->nul_bytes);
  auto words = mimeo::Tokenizer::Create({});
  FUZZ_CHECK(words.ok());
  for (std::string_view text : {in, std::string_view(b->text)}) {
    std::vector<mimeo::Token> got, expected;
    words->Tokenize(text, got);
    mimeo::internal::TokenizeByCharacter(words->options(), text, expected);
    FUZZ_CHECK(got.size() == expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      FUZZ_CHECK(got[i].begin == expected[i].begin);
      FUZZ_CHECK(got[i].end == expected[i].end);
    }
  }
  return 0;
}
