// Stage 2 of the pipeline: tokenization of normalized text.
//
// Words are maximal runs of letters, digits and combining marks, decided by
// Unicode general category (utf8proc), so "naïve", "2008" and "Δημοκρατία"
// are one token each and punctuation separates tokens. Scripts written
// without spaces between words (Han ideographs, Hiragana, Katakana, Thai,
// Lao, Khmer) yield one token per character, with its combining marks.
//
// As an option the tokenizer yields overlapping character n-grams instead
// of words, for text in scripts the word rule serves poorly or for very
// short texts.
//
// Tokens are byte ranges into the text given to Tokenize(); nothing is
// copied. Input must be valid UTF-8 (the Normalizer's output always is);
// an invalid byte is treated as a separator.
//
// Thread safety: Tokenize() is const and may be called from many threads.
#ifndef MIMEO_TOKENIZE_H_
#define MIMEO_TOKENIZE_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mimeo {

// A token: bytes [begin, end) of the tokenized text.
struct Token {
  uint32_t begin;
  uint32_t end;
};

// Whether code point `cp` is of a script written without spaces between
// words (above: Han, Hiragana, Katakana, Thai, Lao, Khmer), whose letters
// the word rule makes one token each.
bool IsPerCharacterScript(char32_t cp);
// The length in bytes of such a letter starting at text[i] (valid UTF-8);
// 0 when none does.
size_t UnspacedLetterAt(std::string_view text, size_t i);

class Tokenizer {
 public:
  enum class Mode {
    kWords,       // words; per-character tokens for CJK, Thai, Lao, Khmer
    kCharNgrams,  // overlapping n-grams of non-space characters
  };

  struct Options {
    // kWords (default) or kCharNgrams; Validate() refuses any other value
    // (a snapshot header is read into this field).
    Mode mode = Mode::kWords;
    // Characters per n-gram in kCharNgrams mode; 1..32. Default 5.
    int char_ngram = 5;

    absl::Status Validate() const;
  };

  static absl::StatusOr<Tokenizer> Create(const Options& options);

  // Appends the tokens of `text` (valid UTF-8, at most 4 GiB) to `out`
  // after clearing it. Reuses `out`'s capacity.
  void Tokenize(std::string_view text, std::vector<Token>& out) const;

  const Options& options() const { return options_; }

 private:
  explicit Tokenizer(const Options& options) : options_(options) {}
  Options options_;
};

}  // namespace mimeo

#endif  // MIMEO_TOKENIZE_H_
