// Fuzz target: the Aligner (align.h) on two texts of any bytes.
//
// Input: a byte choosing the options (bits 0-2: min_passage_tokens - 1,
// bits 3-4: max_gap_tokens, bit 5: character 3-grams instead of words,
// bits 6-7: shingle k - 1), a byte choosing where the rest splits into
// texts A and B (its share of 255), then the bytes. Checks that every
// passage's byte and token ranges lie in both texts, that it is long
// enough, and that, with no gap bridged, the tokens at both places are the
// same text.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "mimeo/align.h"

namespace {

std::string_view TokenText(const mimeo::AlignedText& t, uint32_t token) {
  const mimeo::Token& k = t.tokens[token];
  return std::string_view(t.normalized.text).substr(k.begin, k.end - k.begin);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  mimeo::Aligner::Options o;
  o.min_passage_tokens = 1 + (data[0] & 7);
  o.max_gap_tokens = (data[0] >> 3) & 3;
  mimeo::Tokenizer::Options t;
  if ((data[0] & 0x20) != 0) {
    t.mode = mimeo::Tokenizer::Mode::kCharNgrams;
    t.char_ngram = 3;
  }
  mimeo::Shingler::Options s;
  s.k = 1 + (data[0] >> 6);
  auto aligner = mimeo::Aligner::Create(o, mimeo::Normalizer::Options{}, t, s);
  FUZZ_CHECK(aligner.ok());

  const std::string_view rest(reinterpret_cast<const char*>(data) + 2,
                              size - 2);
  const size_t cut = rest.size() * data[1] / 255;
  const std::string_view a_text = rest.substr(0, cut);
  const std::string_view b_text = rest.substr(cut);
  mimeo::AlignedText a, b;
  FUZZ_CHECK(aligner->Prepare(a_text, a).ok());
  FUZZ_CHECK(aligner->Prepare(b_text, b).ok());

  for (const mimeo::Passage& p : aligner->Align(a, b)) {
    FUZZ_CHECK(p.a_begin <= p.a_end && p.a_end <= a_text.size());
    FUZZ_CHECK(p.b_begin <= p.b_end && p.b_end <= b_text.size());
    FUZZ_CHECK(p.a_token_begin < p.a_token_end &&
               p.a_token_end <= a.tokens.size());
    FUZZ_CHECK(p.b_token_begin < p.b_token_end &&
               p.b_token_end <= b.tokens.size());
    FUZZ_CHECK(p.a_tokens() >= static_cast<uint32_t>(o.min_passage_tokens));
    FUZZ_CHECK(p.b_tokens() >= static_cast<uint32_t>(o.min_passage_tokens));
    // The byte ranges are those of the tokens, mapped back.
    FUZZ_CHECK(p.a_begin ==
               a.normalized.source_offset[a.tokens[p.a_token_begin].begin]);
    FUZZ_CHECK(p.b_begin ==
               b.normalized.source_offset[b.tokens[p.b_token_begin].begin]);
    if (o.max_gap_tokens == 0) {
      FUZZ_CHECK(p.a_tokens() == p.b_tokens());
      for (uint32_t k = 0; k < p.a_tokens(); ++k) {
        FUZZ_CHECK(TokenText(a, p.a_token_begin + k) ==
                   TokenText(b, p.b_token_begin + k));
      }
    }
  }
  return 0;
}
