// Shared copy, step 3: aligning two texts into shared passages.
//
// Given two texts that share fingerprints, the Aligner finds the maximal
// passages they share and where each lies in both *original* texts:
//
//   1. Seed: every shingle of B whose hash also occurs in A (a hash
//      repeated more than max_repeats times in A, such as a chant or a
//      table of numbers, seeds nothing).
//   2. Extend: seeds on the same diagonal (position in A minus position in
//      B) at consecutive shingles form runs of shared tokens.
//   3. Merge: runs that follow each other in both texts with gaps of at
//      most max_gap_tokens (an edited word, a dropped clause, a stripped
//      character) and that stay on nearly the same diagonal join into one
//      passage.
//   4. Keep passages of at least min_passage_tokens tokens in both texts
//      (letters of scripts written without spaces weigh less: see
//      Options::letters_per_word),
//      longest first, dropping any whose text in A lies inside a kept
//      passage and whose text in B lies inside a kept passage (the same
//      or another): a sample both texts repeat, m times in A and n in B,
//      gives about m + n passages, each occurrence once, not m x n.
//
// Aligning one text with many (a document against each of its candidates)
// repeats step 1 for the same A every time: IndexSeeds(A) does it once,
// and every later Align(A, B) reuses it, with the same answers.
//
// Byte ranges are into the texts as given (before normalization), so
// text.substr(begin, end - begin) is the passage as it appears in each
// document, with its own spacing, case and punctuation; repaired invalid
// bytes are inside the range they were found in.
//
// Thread safety: Prepare() and Align() are const and may be called from
// many threads with separate AlignedText objects.
#ifndef MIMEO_ALIGN_H_
#define MIMEO_ALIGN_H_

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "mimeo/boilerplate.h"
#include "mimeo/normalize.h"
#include "mimeo/shingle.h"
#include "mimeo/tokenize.h"

namespace mimeo {

// A passage shared by texts A and B.
struct Passage {
  // Bytes [a_begin, a_end) of A's original text, [b_begin, b_end) of B's.
  uint32_t a_begin = 0;
  uint32_t a_end = 0;
  uint32_t b_begin = 0;
  uint32_t b_end = 0;
  // Tokens [a_token_begin, a_token_end) of A, and of B.
  uint32_t a_token_begin = 0;
  uint32_t a_token_end = 0;
  uint32_t b_token_begin = 0;
  uint32_t b_token_end = 0;
  // Shingles of B inside the passage that also occur in A (the passage's
  // evidence; fewer than its length when gaps were bridged).
  uint32_t shared_shingles = 0;
  // Its length in words in A, and in B (WordsIn below: a letter of a
  // script written without spaces weighs 1 / Options::letters_per_word;
  // the token counts for other text), as min_passage_tokens measures it.
  uint32_t a_words = 0;
  uint32_t b_words = 0;
  // Set by the Engine: the passage is boilerplate, not copy, and why
  // (PassageJudge in boilerplate.h), with the median number of documents
  // holding its fingerprints.
  bool boilerplate = false;
  Boilerplate reason = Boilerplate::kNone;
  uint32_t doc_frequency = 0;

  uint32_t a_tokens() const { return a_token_end - a_token_begin; }
  uint32_t b_tokens() const { return b_token_end - b_token_begin; }
  // The same passage seen from B: sides "a" and "b" exchanged.
  Passage Mirrored() const {
    Passage p = *this;
    std::swap(p.a_begin, p.b_begin);
    std::swap(p.a_end, p.b_end);
    std::swap(p.a_token_begin, p.b_token_begin);
    std::swap(p.a_token_end, p.b_token_end);
    std::swap(p.a_words, p.b_words);
    return p;
  }
};

// Where each shingle hash of a prepared text occurs, for seeding alignments
// with it (Aligner::IndexSeeds). Filled only by the Aligner; Prepare()
// empties it. Size: about 28 bytes per shingle.
class SeedIndex {
 public:
  // Whether IndexSeeds() filled it since the text was last prepared.
  bool built() const { return built_; }

 private:
  friend class Aligner;
  // Shingle positions by (hash, position).
  std::vector<uint32_t> positions_;
  // For each hash occurring at most max_repeats times: its positions are
  // positions_[first, second).
  absl::flat_hash_map<uint64_t, std::pair<uint32_t, uint32_t>> where_;
  // A bit per slot, set for every hash of where_: a hash whose bit is clear
  // is not there. About eight slots a hash, so most of the other text's
  // shingles (which two texts sharing a passage mostly do not share) are
  // turned away by one bit test in a few kilobytes, not by a probe of the
  // map.
  std::vector<uint64_t> filter_;
  int filter_shift_ = 64;
  uint64_t FilterSlot(uint64_t hash) const {
    return (hash * 0x9e3779b97f4a7c15ULL) >> filter_shift_;
  }
  bool MayHold(uint64_t hash) const {
    const uint64_t slot = FilterSlot(hash);
    return (filter_[slot >> 6] >> (slot & 63)) & 1;
  }
  bool built_ = false;
};

// A text made ready for alignment: normalized with offsets, tokenized,
// shingled with the same parameters the engine indexes with.
struct AlignedText {
  NormalizedText normalized;
  std::vector<Token> tokens;
  // unspaced[i]: how many of tokens [0, i) are letters of a script written
  // without spaces (tokenize.h); empty when the text has none.
  std::vector<uint32_t> unspaced;
  Shingles shingles;
  // Empty unless Aligner::IndexSeeds() was called on this text.
  SeedIndex seeds;
};

// Tokens [t0, t1) of a prepared text counted as words: a letter of a
// script written without spaces weighs 1 / letters_per_word (rounded down
// over the span), every other token one. t1 - t0 for a text without such
// letters.
uint32_t WordsIn(const AlignedText& text, uint32_t t0, uint32_t t1,
                 int letters_per_word);

class Aligner {
 public:
  struct Options {
    // Shortest passage reported, in tokens; at least 1. Default 8 (with
    // word 5-grams, the shortest run the default winnowing window always
    // sees; bench/README.md shows how passage precision and recall move
    // with it).
    int min_passage_tokens = 8;
    // In that length, this many letters of a script written without
    // spaces (Han, Kana, Thai; one token each) count as one token: a word
    // of Chinese or Japanese is about two letters, and eight letters are a
    // set phrase ("is enabled by default"), not a quote. At least 1 (each
    // letter a token). Default 2.
    int letters_per_word = 2;
    // Largest gap bridged when merging runs, in tokens. Default 0: every
    // passage is text both documents hold word for word (after
    // normalization), and an edited word splits a passage in two. A few
    // tokens give longer passages that are no longer verbatim
    // (bench/README.md measures both).
    int max_gap_tokens = 0;
    // Hashes occurring more often than this in A seed nothing. Default 64.
    int max_repeats = 64;

    absl::Status Validate() const;
  };

  // The Normalizer, Tokenizer and Shingler options must be those the texts'
  // fingerprints were made with; keep_offsets is turned on here.
  static absl::StatusOr<Aligner> Create(const Options& options,
                                        const Normalizer::Options& normalize,
                                        const Tokenizer::Options& tokenize,
                                        const Shingler::Options& shingle);

  // Normalizes, tokenizes and shingles `text` into `out` (buffers reused).
  // Fails only for a text over Normalizer::kMaxInputBytes.
  absl::Status Prepare(std::string_view text, AlignedText& out) const;

  // Indexes where each shingle hash of `a` (prepared) occurs, into
  // a.seeds (buffers reused), so that aligning `a` with many texts does
  // that once. Costs O(n log n) in a's shingles.
  void IndexSeeds(AlignedText& a) const;

  // The passages A and B share, by position in A, then in B. Uses a.seeds
  // when built (IndexSeeds), which then costs O(B's shingles + seeds) per
  // call; otherwise indexes A first. The answer is the same either way.
  std::vector<Passage> Align(const AlignedText& a, const AlignedText& b) const;

  const Options& options() const { return options_; }

 private:
  Aligner(const Options& options, Normalizer normalizer, Tokenizer tokenizer,
          Shingler shingler)
      : options_(options),
        normalizer_(std::move(normalizer)),
        tokenizer_(std::move(tokenizer)),
        shingler_(std::move(shingler)) {}

  void BuildSeeds(const Shingles& sa, SeedIndex& out) const;

  Options options_;
  Normalizer normalizer_;
  Tokenizer tokenizer_;
  Shingler shingler_;
};

}  // namespace mimeo

#endif  // MIMEO_ALIGN_H_
